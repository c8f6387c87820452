#!/usr/bin/env bats
# The test VM itself (tests/vm/run-in-vm): a cgroup v2 only machine on which the build's
# husk-runtime runs containers. Run with `tests/vm/run-in-vm BUILD_DIR` (the default file); outside
# the VM every test skips. Only the container tests make a bundle: under emulation every process
# costs 0.1-0.2 s, and the helpers' setup and teardown run dozens of them.

load ../integration/helpers

setup() {
	[ "$(hostname)" = husk-vm ] && [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
		skip "not inside the test VM (tests/vm/run-in-vm)"
}

teardown() {
	if [ -n "${ROOT:-}" ]; then
		timeout 20 "$HUSK_RUNTIME" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1 || true
		rm -rf "$BUNDLE" "$ROOT"
	fi
	if [ -n "${SMOKE_CG:-}" ]; then
		rmdir "$SMOKE_CG" 2>/dev/null || true
	fi
}

@test "vm: cgroup2 is the only cgroup hierarchy, every controller enabled for children" {
	run stat -f -c %T /sys/fs/cgroup
	[ "$output" = cgroup2fs ]
	# cgroup_no_v1=all: no v1 hierarchy can be mounted at all.
	! grep -qw cgroup /proc/mounts
	run awk '$2 == 1 && $1 != "hugetlb" && $1 != "misc" && $1 != "rdma" { print $1 }' /proc/cgroups
	[ -z "$output" ] || {
		echo "v1-enabled controllers left: $output"
		false
	}
	local c
	for c in cpuset cpu io memory pids; do
		grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control || {
			echo "$c missing in $(cat /sys/fs/cgroup/cgroup.subtree_control)"
			false
		}
	done
}

@test "vm: a child cgroup can enable every controller for its own children" {
	SMOKE_CG="/sys/fs/cgroup/$TEST_PREFIX-smoke-$$"
	mkdir "$SMOKE_CG"
	[ "$(cat "$SMOKE_CG/cgroup.controllers")" = "$(cat /sys/fs/cgroup/cgroup.subtree_control)" ]
	local c
	for c in $(cat "$SMOKE_CG/cgroup.controllers"); do
		echo "+$c" >"$SMOKE_CG/cgroup.subtree_control"
	done
	[ "$(cat "$SMOKE_CG/cgroup.subtree_control")" = "$(cat "$SMOKE_CG/cgroup.controllers")" ]
	[ -f "$SMOKE_CG/memory.max" ] && [ -f "$SMOKE_CG/pids.max" ] && [ -f "$SMOKE_CG/cpu.max" ] &&
		[ -f "$SMOKE_CG/io.max" ] && [ -f "$SMOKE_CG/cgroup.kill" ] && [ -f "$SMOKE_CG/cgroup.freeze" ]
	rmdir "$SMOKE_CG"
	SMOKE_CG=
}

@test "vm: the VM's own kernel, its modules loadable, AppArmor and BPF available" {
	[ "$(uname -r)" = "$(ls /lib/modules | grep -Fx "$(uname -r)")" ]
	modprobe -n -v veth
	[ -d /sys/kernel/security/apparmor ] || [ -n "$(grep -w apparmor /sys/kernel/security/lsm)" ]
	grep -qw bpf /proc/mounts
}

# The container tests check the runtime directly instead of through assert_nothing_left and
# common_teardown: those scan every process with a readlink each, 10-20 s per scan in the VM.
@test "vm: husk-runtime run of a busybox container: exit status and output" {
	setup_bundle
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ] || {
		echo "run: status $status: $output"
		false
	}
	update_config '.process.args = ["sh", "-c", "echo in-container; exit 3"]'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 3 ]
	[ "$output" = in-container ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
	! find /sys/fs/cgroup -name "*$ID*" | grep .
}

@test "vm: create, start, kill, delete of a long-running container" {
	setup_bundle
	update_config '.process.args = ["sleep", "100"]'
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || {
		echo "create: status $status: $output"
		false
	}
	run rt start "$ID"
	[ "$status" -eq 0 ]
	run rt state "$ID"
	[[ "$output" == *'"status": "running"'* || "$output" == *'"status":"running"'* ]]
	pid="$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' <<<"$output")"
	[ -d "/proc/$pid" ]
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	[ ! -d "/proc/$pid" ]
	run rt delete "$ID"
	[ "$status" -eq 0 ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
	! find /sys/fs/cgroup -name "*$ID*" | grep .
}
