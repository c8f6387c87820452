#!/usr/bin/env bats
# husk's default seccomp profile (data/seccomp/default.json), resolved by tests/tools/seccomp-profile
# and put into config.json's linux.seccomp: it refuses with EPERM what Docker's profile refuses for a
# container without the matching capability, and lets ordinary work run. The calls are made directly
# by tests/tools/syscall-probe (static), which prints "NAME ok" or "NAME ERRNO" per probe and whose
# arguments do nothing to the host when the kernel lets a call through.

load helpers

# What the profile refuses without capabilities. Each would succeed, or fail with another errno, if
# the kernel were asked (see the control test below).
REFUSED=(mount umount2 pivot_root chroot setns unshare-user unshare-mnt unshare-net unshare-pid unshare-ipc
	unshare-uts unshare-cgroup clone-newuser keyctl add_key request_key kexec_load bpf reboot io_uring_setup
	open_by_handle_at perf_event_open swapon swapoff init_module finit_module delete_module settimeofday
	clock_settime userfaultfd syslog modify_ldt personality-norandom personality-exec)
# What no capability opens in the default profile.
REFUSED_WITH_ANY_CAPS=(keyctl add_key request_key kexec_load io_uring_setup swapon swapoff userfaultfd
	pivot_root modify_ldt personality-norandom personality-exec)
ALLOWED=(getpid fork socket-unix socket-inet socket-inet6 socket-netlink personality-linux personality-query ptrace)
# The capabilities that would let the kernel do what REFUSED asks.
GRANTED=(CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_MODULE CAP_SYS_TIME CAP_SYS_PTRACE CAP_DAC_READ_SEARCH CAP_BPF
	CAP_PERFMON CAP_SYS_CHROOT CAP_SYSLOG)

setup() {
	setup_bundle
	TOOLS="$(husk_build_dir)/tests/tools"
	if [ ! -x "$TOOLS/seccomp-profile" ] || [ ! -x "$TOOLS/syscall-probe" ]; then
		echo "no seccomp-profile or syscall-probe in $TOOLS (not built?)" >&2
		return 1
	fi
	cp "$TOOLS/syscall-probe" "$BUNDLE/rootfs/bin/syscall-probe"
}

teardown() {
	common_teardown
}

# apply_profile [seccomp-profile args...]: the resolved default profile as the config's linux.seccomp.
apply_profile() {
	"$TOOLS/seccomp-profile" "$@" >"$BATS_TEST_TMPDIR/seccomp.json"
	update_config '.linux.seccomp = $s[0]' --slurpfile s "$BATS_TEST_TMPDIR/seccomp.json"
}

# grant CAP...: add to the bounding, effective and permitted sets.
grant() {
	local caps
	caps="$(printf '%s\n' "$@" | jq -R . | jq -s .)"
	update_config '.process.capabilities.bounding += $c | .process.capabilities.effective += $c
		| .process.capabilities.permitted += $c' --argjson c "$caps"
}

# probe NAME...: run the probes in the container; $output holds their lines.
probe() {
	set_args /bin/syscall-probe "$@"
	run_ctr
	if [ "$status" -ne 0 ]; then
		echo "syscall-probe failed ($status): $output" >&2
		return 1
	fi
}

# expect RESULT NAME...: each probe answered RESULT ("ok", "EPERM"...).
expect() {
	local want="$1" p bad=0
	shift
	for p in "$@"; do
		if ! grep -qx "$p $want" <<<"$output"; then
			echo "$p: want $want, got: $(grep "^$p " <<<"$output" || echo nothing)" >&2
			bad=1
		fi
	done
	return "$bad"
}

# expect_not_eperm NAME...: each probe answered, with something other than EPERM.
expect_not_eperm() {
	local p bad=0
	for p in "$@"; do
		if ! grep -q "^$p " <<<"$output" || grep -qx "$p EPERM" <<<"$output"; then
			echo "$p: want a result other than EPERM, got: $(grep "^$p " <<<"$output" || echo nothing)" >&2
			bad=1
		fi
	done
	return "$bad"
}

@test "ordinary work runs under the default profile (busybox sh, ls, cat, a loop, files, a child)" {
	apply_profile --config "$BUNDLE/config.json"
	set_args sh -c 'ls / >/dev/null && cat /etc/passwd && i=0; while [ $i -lt 300 ]; do i=$((i + 1)); done;
		echo "loop $i"; echo data >/tmp/f && cat /tmp/f && rm /tmp/f; (sleep 0.1; echo child) & wait;
		mkdir /tmp/d && ls -d /tmp/d; id -u; echo done'
	run_ctr
	[ "$status" -eq 0 ]
	[[ "$output" == *"root:x:0:0"* ]]
	[[ "$output" == *"loop 300"* ]]
	[[ "$output" == *data* ]]
	[[ "$output" == *child* ]]
	[[ "$output" == *"/tmp/d"* ]]
	[[ "$output" == *done ]]
	probe "${ALLOWED[@]}"
	expect ok "${ALLOWED[@]}"
}

@test "without the capabilities the default profile refuses what Docker's does, with EPERM; clone3 gets ENOSYS" {
	apply_profile --config "$BUNDLE/config.json"
	probe "${REFUSED[@]}" clone3
	expect EPERM "${REFUSED[@]}"
	# clone3's flags are out of seccomp's sight: ENOSYS sends the C library back to clone
	expect ENOSYS clone3
}

@test "the refusals are the profile's: the kernel would have allowed them (capabilities granted, no profile)" {
	grant "${GRANTED[@]}"
	probe "${REFUSED[@]}" clone3
	expect_not_eperm "${REFUSED[@]}" clone3
	# the same container with the profile resolved for a bounding set without those capabilities
	apply_profile --caps CAP_AUDIT_WRITE,CAP_KILL,CAP_NET_BIND_SERVICE
	probe "${REFUSED[@]}" clone3
	expect EPERM "${REFUSED[@]}"
	expect ENOSYS clone3
}

@test "a capability in the bounding set opens its rules, and only those" {
	grant "${GRANTED[@]}"
	apply_profile --config "$BUNDLE/config.json"
	probe "${REFUSED[@]}" clone3
	# now the kernel's own answers: no such path, bad magic, invalid time...
	expect_not_eperm mount umount2 chroot setns unshare-user unshare-mnt unshare-net clone-newuser clone3 bpf \
		reboot open_by_handle_at perf_event_open init_module settimeofday clock_settime syslog
	expect ok unshare-user clone-newuser clone3
	expect EPERM "${REFUSED_WITH_ANY_CAPS[@]}"
}

@test "ptrace is allowed from kernel 4.8 on, before that only with CAP_SYS_PTRACE (as Docker)" {
	apply_profile --config "$BUNDLE/config.json" --kernel 4.4.0-210-generic
	probe ptrace getpid
	expect EPERM ptrace
	expect ok getpid
	apply_profile --config "$BUNDLE/config.json" --kernel 4.8.0
	probe ptrace
	expect ok ptrace
	grant CAP_SYS_PTRACE
	apply_profile --config "$BUNDLE/config.json" --kernel 4.4.0
	probe ptrace
	expect ok ptrace
}

@test "socket() only for unix, inet, inet6, netlink and packet: Docker's refusals (alg, vsock) and husk's (rds, tipc, nfc, kcm)" {
	apply_profile --config "$BUNDLE/config.json"
	probe socket-unix socket-inet socket-inet6 socket-netlink socket-alg socket-vsock socket-rds socket-tipc \
		socket-nfc socket-kcm
	expect ok socket-unix socket-inet socket-inet6 socket-netlink
	expect EPERM socket-alg socket-vsock socket-rds socket-tipc socket-nfc socket-kcm
}
