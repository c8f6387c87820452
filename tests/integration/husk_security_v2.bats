#!/usr/bin/env bats
# The security options whose enforcement differs on cgroup v2 (run it in the VM: tests/vm/run-in-vm
# BUILD_DIR tests/integration/husk_security_v2.bats); elsewhere every test skips. There the devices
# cgroup is an eBPF program the runtime attaches, not devices.allow/deny: --device permissions,
# --device-cgroup-rule and --privileged's allow-all go through it; a container has a cgroup namespace
# of its own unless --cgroupns host. Few containers: under emulation each start costs seconds.

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine

setup() {
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
		skip "needs a cgroup v2 host (/sys/fs/cgroup is not cgroup2): run it in tests/vm/run-in-vm"
	engine_setup secv2
	local a
	for a in mknod head readlink; do
		[ -e "$RFS/bin/$a" ] || ln -s busybox "$RFS/bin/$a"
	done
}

teardown() {
	engine_cleanup
}

@test "cgroup v2: --device PERMS, --device-cgroup-rule and --privileged through the eBPF device filter" {
	# /dev/full (1:7) is a default device; 1:11 (kmsg) is not: the container's own node of it is
	# refused by the filter, allowed by a rule or --privileged. Made in the container's /dev (a tmpfs
	# without nodev; the VM's /tmp may have it). Reading kmsg also takes CAP_SYSLOG.
	run hkr --rm --cap-add SYSLOG "$RFS" sh -c 'mknod /dev/k c 1 11 && head -c1 /dev/k >/dev/null && echo read'
	[[ "$output" != *read* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	run hkr --rm --cap-add SYSLOG --device-cgroup-rule 'c 1:11 r' "$RFS" sh -c 'mknod /dev/k c 1 11 && head -c1 /dev/k >/dev/null && echo read'
	[ "$output" = read ] || { echo "$output"; false; }
	run hkr --rm --privileged "$RFS" sh -c 'mknod /dev/k c 1 11 && head -c1 /dev/k >/dev/null && echo read'
	[ "$output" = read ] || { echo "$output"; false; }
	run hkr --rm --cap-add SYSLOG --device /dev/kmsg:/dev/mykmsg:w "$RFS" sh -c 'head -c1 /dev/mykmsg >/dev/null && echo read'
	[[ "$output" != *read* ]]
	run hkr --rm --cap-add SYSLOG --device /dev/kmsg:/dev/mykmsg:r "$RFS" sh -c 'head -c1 /dev/mykmsg >/dev/null && echo read'
	[ "$output" = read ] || { echo "$output"; false; }
	engine_assert_nothing_left
}

@test "cgroup v2: a cgroup namespace of its own by default, the host's with --cgroupns host" {
	run hkr --rm "$RFS" sh -c 'readlink /proc/self/ns/cgroup; cat /proc/self/cgroup'
	[ "${lines[0]}" != "$(readlink /proc/self/ns/cgroup)" ]
	[ "${lines[1]}" = "0::/" ]
	run hkr --rm --cgroupns host "$RFS" sh -c 'readlink /proc/self/ns/cgroup; cat /proc/self/cgroup'
	[ "${lines[0]}" = "$(readlink /proc/self/ns/cgroup)" ]
	[[ "${lines[1]}" == "0::$CG_PARENT/"* ]]
	engine_assert_nothing_left
}
