#!/usr/bin/env bats
# linux.seccomp: every action, operator, flag, architectures, defaultErrnoRet, unknown names, profile
# errors, the compiled-filter cache, the order of the filter against the init's own steps, and the
# notify listener handover (with the suite's own agent, tests/helpers/seccomp_listener.c).

load helpers

setup() {
	setup_bundle
	# A profile that allows everything but what a test adds.
	SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}'
}

# add_rule NAMES_JSON ACTION [EXTRA_JSON]: append a rule to $SECCOMP.
add_rule() {
	SECCOMP="$(jq -c --argjson n "$1" --arg a "$2" --argjson x "${3:-{\}}" '.syscalls += [{"names": $n, "action": $a} + $x]' <<<"$SECCOMP")"
}

# apply_seccomp: put $SECCOMP into the bundle's config.
apply_seccomp() {
	update_config '.linux.seccomp = $s' --argjson s "$SECCOMP"
}

# run_sh SCRIPT: run the container in the foreground with sh -c SCRIPT and $SECCOMP.
run_sh() {
	apply_seccomp
	set_args sh -c "$1"
	run_ctr
}

# need_docker_profile: skip where Docker's profile is not beside the checkout (CI and the development
# machines have ../shared; a bare clone does not).
need_docker_profile() {
	[ -f "$REPO_DIR/../shared/reference/seccomp/default.json" ] ||
		skip "Docker's profile (../shared/reference/seccomp/default.json) is not beside this checkout"
}

# docker_profile: Docker's default profile (shared/reference/seccomp/default.json) as linux.seccomp
# for this x86_64 host and the capabilities of the default spec (none of those its rules test).
docker_profile() {
	jq -c --argjson caps "$(jq -c '.process.capabilities.bounding' "$BUNDLE/config.json")" '
	{defaultAction, defaultErrnoRet, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
	 syscalls: [.syscalls[]
		| select((.includes.arches // ["amd64"]) | index("amd64"))
		| select(((.includes.caps // []) - $caps) | length == 0)
		| select(((.excludes.caps // []) - ((.excludes.caps // []) - $caps)) | length == 0)
		| select(((.excludes.arches // []) | index("amd64")) | not)
		| {names, action} + (if .errnoRet then {errnoRet} else {} end) + (if .args then {args} else {} end)]}' \
		"$REPO_DIR/../shared/reference/seccomp/default.json"
}

cache_dir() { echo "$ROOT/~seccomp-cache"; }

# The BPF program of the only cache entry, one instruction (code jt jf k) per line, k in hex.
cached_program() {
	local f
	f="$(ls "$(cache_dir)"/* | head -1)"
	od -An -v -tx1 -w8 -j12 "$f" | awk '{ printf "%s%s %s %s %s%s%s%s\n", $2, $1, $3, $4, $8, $7, $6, $5 }'
}

requires_husk() {
	is_runc && skip "husk-specific (the cache, error texts)"
	return 0
}

@test "ERRNO with errnoRet: the syscall fails with that errno" {
	add_rule '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO '{"errnoRet": 28}'
	run_sh 'mkdir /tmp/d; echo rc=$?; [ -d /tmp/d ] && echo exists; grep ^Seccomp: /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" != *exists* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
}

@test "ERRNO without errnoRet is EPERM" {
	add_rule '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO
	run_sh 'mkdir /tmp/d'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "KILL, KILL_THREAD and KILL_PROCESS kill with SIGSYS, and compile to their own actions" {
	requires_husk
	local a k
	for a in SCMP_ACT_KILL:00000000 SCMP_ACT_KILL_THREAD:00000000 SCMP_ACT_KILL_PROCESS:80000000; do
		k="${a#*:}"
		a="${a%%:*}"
		SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}'
		add_rule '["mkdir", "mkdirat"]' "$a"
		rm -rf "$(cache_dir)"
		run_sh '(mkdir /tmp/d); echo rc=$?'
		echo "$a: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"rc=159"* ]] # 128 + SIGSYS
		# The program returns the action for mkdir (83): "ret k" with the action's value.
		cached_program | grep -q "^0006 .. .. $k\$"
	done
}

@test "TRAP sends a SIGSYS the process can catch" {
	# cd is a shell builtin: the shell's own chdir traps, and its handler runs.
	add_rule '["chdir"]' SCMP_ACT_TRAP
	run_sh 'trap "echo caught SIGSYS" SYS; cd /tmp; echo after'
	[[ "$output" == *"caught SIGSYS"* ]]
	[[ "$output" == *after* ]]
	# Without the trap, the default action of SIGSYS kills.
	run_sh '(cd /tmp); echo rc=$?'
	[[ "$output" == *"rc=159"* ]]
}

@test "TRACE without a tracer fails the syscall with ENOSYS" {
	add_rule '["mkdir", "mkdirat"]' SCMP_ACT_TRACE '{"errnoRet": 5}'
	run_sh 'mkdir /tmp/d; echo rc=$?'
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *"rc=1"* ]]
}

@test "ALLOW rules under a denying default; defaultErrnoRet" {
	need_docker_profile
	SECCOMP="$(docker_profile)"
	run_sh 'echo hello; mount -t tmpfs none /tmp; echo rc=$?'
	[ "$status" -eq 0 ]
	[[ "$output" == *hello* ]]
	[[ "$output" == *"permission denied"* ]] # Docker's defaultErrnoRet: EPERM
	SECCOMP="$(jq -c '.defaultErrnoRet = 95' <<<"$SECCOMP")"
	run_sh 'mount -t tmpfs none /tmp; echo rc=$?'
	echo "$output"
	[[ "$output" == *"Operation not supported"* ]] # EOPNOTSUPP
	# A rule with the default action is redundant and skipped (libseccomp refuses it).
	SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"}]}'
	run_sh 'mkdir /tmp/d && echo made'
	[[ "$output" == *made* ]]
}

@test "LOG lets the syscall run and logs it" {
	dmesg >/dev/null 2>&1 || skip "dmesg is not readable"
	add_rule '["mkdir", "mkdirat"]' SCMP_ACT_LOG
	local before after
	before="$(dmesg | grep -c 'code=0x7ffc0000' || true)"
	run_sh 'mkdir /tmp/d && echo made'
	[[ "$output" == *made* ]]
	sleep 0.2
	after="$(dmesg | grep -c 'code=0x7ffc0000' || true)"
	[ "$after" -gt "$before" ]
}

# op_case OP VALUE [VALUETWO] MODE...: chmod with each mode; prints "MODE:ok" or "MODE:denied".
op_case() {
	local op="$1" value="$2" two="$3" modes
	shift 3
	SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}'
	add_rule '["chmod"]' SCMP_ACT_ERRNO "$(jq -nc --arg op "$op" --argjson v "$value" --argjson t "$two" \
		'{"errnoRet": 28, "args": [{"index": 1, "value": $v, "valueTwo": $t, "op": $op}]}')"
	modes="$*"
	run_sh "touch /tmp/f; for m in $modes; do chmod \$m /tmp/f 2>/dev/null && echo \$m:ok || echo \$m:denied; done"
	echo "$op $value $two: $output"
	[ "$status" -eq 0 ]
}

@test "every operator compares the argument as the spec says" {
	# chmod's mode (argument 1) against 0700 = 448; 0644 = 420 < 448 < 0755 = 493.
	op_case SCMP_CMP_EQ 448 0 644 700 755
	[ "$output" = $'644:ok\n700:denied\n755:ok' ]
	op_case SCMP_CMP_NE 448 0 644 700 755
	[ "$output" = $'644:denied\n700:ok\n755:denied' ]
	op_case SCMP_CMP_LT 448 0 644 700 755
	[ "$output" = $'644:denied\n700:ok\n755:ok' ]
	op_case SCMP_CMP_LE 448 0 644 700 755
	[ "$output" = $'644:denied\n700:denied\n755:ok' ]
	op_case SCMP_CMP_GT 448 0 644 700 755
	[ "$output" = $'644:ok\n700:ok\n755:denied' ]
	op_case SCMP_CMP_GE 448 0 644 700 755
	[ "$output" = $'644:ok\n700:denied\n755:denied' ]
	# value is the mask, valueTwo the masked value: group/other bits (077 = 63) all clear.
	op_case SCMP_CMP_MASKED_EQ 63 0 644 700 755
	[ "$output" = $'644:ok\n700:denied\n755:ok' ]
}

@test "conditions on different arguments AND, on the same argument OR (as runc)" {
	# chmod(path, 0700) is denied only when both hold; same index twice: either one.
	SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}]}'
	run_sh 'touch /tmp/f; chmod 700 /tmp/f && echo ok'
	[[ "$output" == *ok* ]] # the path pointer is never 0
	SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 420, "op": "SCMP_CMP_EQ"}]}]}'
	run_sh 'touch /tmp/f; for m in 644 700 755; do chmod $m /tmp/f 2>/dev/null && echo $m:ok || echo $m:denied; done'
	[ "$output" = $'644:denied\n700:denied\n755:ok' ]
}

@test "flags: TSYNC, SPEC_ALLOW are accepted; LOG logs what the filter refuses" {
	is_runc && skip "runc 1.1: seccomp flags are not yet supported by runc"
	SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], "syscalls": []}'
	add_rule '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO '{"errnoRet": 77}'
	run_sh 'mkdir /tmp/d; grep ^Seccomp: /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	dmesg >/dev/null 2>&1 || skip "dmesg is not readable"
	# An ERRNO action (code 0x50000 in the audit record) is logged only under SECCOMP_FILTER_FLAG_LOG.
	local before after
	before="$(dmesg | grep -c 'comm="mkdir".*syscall=83 .*code=0x50000' || true)"
	run_sh 'mkdir /tmp/d'
	sleep 0.2
	after="$(dmesg | grep -c 'comm="mkdir".*syscall=83 .*code=0x50000' || true)"
	[ "$after" -eq "$before" ]
	SECCOMP="$(jq -c '.flags = ["SECCOMP_FILTER_FLAG_LOG"]' <<<"$SECCOMP")"
	run_sh 'mkdir /tmp/d'
	sleep 0.2
	after="$(dmesg | grep -c 'comm="mkdir".*syscall=83 .*code=0x50000' || true)"
	[ "$after" -gt "$before" ]
}

@test "architectures: listed ones are in the program, the native one always" {
	requires_husk
	add_rule '["mkdir"]' SCMP_ACT_ERRNO
	apply_seccomp
	create_ok
	# AUDIT_ARCH_X86_64 = c000003e, AUDIT_ARCH_I386 = 40000003 as compared by the program.
	cached_program | grep -q ' c000003e$'
	! cached_program | grep -q ' 40000003$'
	rt delete --force "$ID"
	rm -rf "$(cache_dir)"
	SECCOMP="$(jq -c '.architectures = ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64"]' <<<"$SECCOMP")"
	apply_seccomp
	create_ok
	cached_program | grep -q ' c000003e$'
	cached_program | grep -q ' 40000003$'
}

@test "unknown syscall names: skipped in ALLOW rules, an error naming the rule otherwise" {
	need_docker_profile
	add_rule '["mkdir"]' SCMP_ACT_ERRNO
	SECCOMP="$(jq -c '.defaultAction = "SCMP_ACT_ERRNO" | .syscalls = [{"names": ["no_such_syscall"], "action": "SCMP_ACT_ALLOW"}] + ('"$(docker_profile)"').syscalls' <<<"$SECCOMP")"
	run_sh 'echo ran'
	[ "$status" -eq 0 ]
	[[ "$output" == *ran* ]]
	# runc 1.1 skips unknown names in every rule; husk refuses to drop a rule that denies.
	requires_husk
	SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_LOG"}, {"names": ["no_such_syscall"], "action": "SCMP_ACT_ERRNO"}]}'
	run_sh 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" != *ran* ]]
	[[ "$output" == *'linux.seccomp.syscalls[1]: unknown syscall "no_such_syscall"'* ]]
	assert_nothing_left
}

@test "malformed profiles fail create with an error naming the field, and leave nothing" {
	requires_husk
	local p
	check_bad() {
		SECCOMP="$1"
		apply_seccomp
		ctr_create --bundle "$BUNDLE" "$ID"
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"$2"* ]]
		assert_nothing_left
	}
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}, {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_EQ"}]}]}' \
		'linux.seccomp.syscalls[1].args[0].valueTwo: only SCMP_CMP_MASKED_EQ uses it'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}' \
		'linux.seccomp.syscalls[0].args[0].index'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]}]}' \
		'linux.seccomp.syscalls[0].args[0].op'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]}' \
		'linux.seccomp.syscalls[0]: SCMP_ACT_KILL does not take an errno'
	check_bad '{"defaultAction": "SCMP_ACT_LOG", "defaultErrnoRet": 1}' \
		'linux.seccomp.defaultAction: SCMP_ACT_LOG does not take an errno'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5000}]}' \
		'linux.seccomp.syscalls[0]: errno 5000 is out of range'
	check_bad '{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/nonexistent"}' \
		'SCMP_ACT_NOTIFY cannot be the default action'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' \
		'SCMP_ACT_NOTIFY is used but listenerPath is not set'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x", "syscalls": [{"names": ["sendmsg"], "action": "SCMP_ACT_NOTIFY"}]}' \
		'SCMP_ACT_NOTIFY cannot be used for sendmsg'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "x"}' \
		'linux.seccomp.listenerMetadata: set without listenerPath'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [""], "action": "SCMP_ACT_ERRNO"}]}' \
		'linux.seccomp.syscalls[0].names[0]: empty syscall name'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}' \
		'linux.seccomp.architectures[0]: unknown value "SCMP_ARCH_VAX"'
	check_bad '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}' \
		'linux.seccomp.flags[0]'
}

@test "the cache: the first create compiles and stores, the next one loads the stored program" {
	requires_husk
	add_rule '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO '{"errnoRet": 28}'
	run_sh 'mkdir /tmp/d'
	[[ "$output" == *"No space left on device"* ]]
	[ "$(stat -c '%a %u' "$(cache_dir)")" = "700 0" ]
	local entries f
	entries=("$(cache_dir)"/*)
	[ "${#entries[@]}" -eq 1 ]
	f="${entries[0]}"
	[ "$(stat -c '%a %u' "$f")" = "600 0" ]
	[[ "$(basename "$f")" =~ ^[0-9a-f]{64}$ ]]
	head -c 8 "$f" | grep -q HUSKBPF1
	# A second start with the same profile: no new entry, the entry untouched.
	touch -d '2001-01-01' "$f"
	run_sh 'mkdir /tmp/d'
	[[ "$output" == *"No space left on device"* ]]
	[ "$(ls "$(cache_dir)" | wc -l)" -eq 1 ]
	[ "$(stat -c %Y "$f")" = "$(date -d 2001-01-01 +%s)" ]
	# Proof that the stored program is what gets loaded: swap in the program of another profile
	# (errno 122, EDQUOT) under this profile's key.
	local saved="$BATS_TEST_TMPDIR/entry"
	cp "$f" "$saved"
	rm -f "$(cache_dir)"/*
	SECCOMP="$(jq -c '.syscalls[0].errnoRet = 122' <<<"$SECCOMP")"
	run_sh 'mkdir /tmp/d'
	[[ "$output" == *"Disk quota exceeded"* ]]
	local other=("$(cache_dir)"/*)
	cp "${other[0]}" "$f"
	rm -f "${other[0]}"
	SECCOMP="$(jq -c '.syscalls[0].errnoRet = 28' <<<"$SECCOMP")"
	run_sh 'mkdir /tmp/d'
	[[ "$output" == *"Disk quota exceeded"* ]]
	# A damaged entry is a miss: recompiled and rewritten.
	printf 'garbage' >"$f"
	run_sh 'mkdir /tmp/d'
	[[ "$output" == *"No space left on device"* ]]
	head -c 8 "$f" | grep -q HUSKBPF1
	# A cache directory others can write to is refused.
	chmod 0777 "$(cache_dir)"
	run_sh 'true'
	[ "$status" -ne 0 ]
	[[ "$output" == *"must be owned by uid 0 and not writable by others"* ]]
}

@test "no_new_privs unset: the filter is loaded while privileged and still applies to the user" {
	add_rule '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO '{"errnoRet": 28}'
	update_config '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}'
	run_sh 'id -u; mkdir /tmp/d; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *1000* ]]
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"NoNewPrivs:	0"* ]]
	update_config '.process.noNewPrivileges = true'
	run_sh 'mkdir /tmp/d; grep -E "^NoNewPrivs:" /proc/self/status'
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
}

@test "the runtime's own steps after the load are filtered: a refused one fails create with its error" {
	requires_husk
	# Without no_new_privs the privilege drop runs under the filter: refusing setresuid shows.
	add_rule '["setresuid"]' SCMP_ACT_ERRNO '{"errnoRet": 28}'
	update_config '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}'
	apply_seccomp
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"setresuid 1000: No space left on device"* ]]
	assert_nothing_left
	# Killed by the filter, the init cannot say why: the runtime points at the profile.
	SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}'
	add_rule '["setresuid"]' SCMP_ACT_KILL_PROCESS
	apply_seccomp
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"exited unexpectedly (it loads linux.seccomp before this point"* ]]
	assert_nothing_left
	# With it the filter comes after the drop.
	update_config '.process.noNewPrivileges = true'
	set_args id -u
	run_ctr
	[ "$status" -eq 0 ]
	[[ "$output" == *1000* ]]
}

@test "startContainer hooks run under the container's filter (as in runc)" {
	add_rule '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO '{"errnoRet": 28}'
	update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /tmp/hookdir 2>/tmp/hook.err; echo $? >/tmp/hook.rc"]}]'
	run_sh 'cat /tmp/hook.rc /tmp/hook.err'
	[ "$status" -eq 0 ]
	[[ "$output" == *"No space left on device"* ]]
	[ ! -d "$BUNDLE/rootfs/tmp/hookdir" ]
}

@test "Docker's default profile: a shell works, what it blocks is blocked" {
	need_docker_profile
	SECCOMP="$(docker_profile)"
	run_sh 'echo hello; ls / >/dev/null && echo listed; mount -t tmpfs none /mnt; grep ^Seccomp: /proc/self/status; echo done'
	[ "$status" -eq 0 ]
	[[ "$output" == *hello* ]]
	[[ "$output" == *listed* ]]
	[[ "$output" == *"permission denied"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *done* ]]
}

# ---- notify ----

# The agent, from the build the runtime comes from (or build/ when testing runc).
listener_bin() {
	local b
	b="$(dirname "$(dirname "$(dirname "$HUSK_RUNTIME")")")/tests/helpers/seccomp-listener"
	[ -x "$b" ] || b="$REPO_DIR/build/tests/helpers/seccomp-listener"
	echo "$b"
}

# start_listener ERRNO [HOLD_NR]: the agent on $SOCK, its state file $AGENT_STATE, pid $AGENT_PID.
start_listener() {
	local bin
	bin="$(listener_bin)"
	[ -x "$bin" ] || skip "no seccomp-listener (built by meson under tests/helpers)"
	SOCK="$BATS_TEST_TMPDIR/agent.sock"
	AGENT_STATE="$BATS_TEST_TMPDIR/${AGENT_NAME:-agent}-state.json"
	rm -f "$SOCK" "$AGENT_STATE"*
	"$bin" "$SOCK" "$AGENT_STATE" "$@" 3>&- &
	AGENT_PID=$!
	echo "$AGENT_PID" >"$BATS_TEST_TMPDIR/agent.pid"
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	echo "the listener never listened" >&2
	return 1
}

teardown() {
	local f
	for f in "$BATS_TEST_TMPDIR/agent.pid" "$BATS_TEST_TMPDIR/agent1.pid"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	common_teardown
}

@test "NOTIFY: the agent gets the listener fd and the state, and answers mkdir" {
	is_runc && skip "runc 1.1.5 (Debian) blocks in run before it connects to the agent (not investigated)"
	start_listener 122
	SECCOMP="$(jq -nc --arg p "$SOCK" '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p, "listenerMetadata": "meta=data",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}')"
	run_sh 'mkdir /tmp/d; echo rc=$?'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Disk quota exceeded"* ]]
	[[ "$output" == *"rc=1"* ]]
	cat "$AGENT_STATE"
	jq -e --arg id "$ID" --arg b "$BUNDLE" '.fds == ["seccompFd"] and (.pid > 0) and .metadata == "meta=data"
		and (.ociVersion | type == "string") and .state.id == $id and .state.bundle == $b
		and .state.status == "creating" and .state.pid == .pid' "$AGENT_STATE"
	wait "$AGENT_PID"
	grep -q "^83 errno" "$AGENT_STATE.log"
	grep -q "^done" "$AGENT_STATE.log"
}

@test "NOTIFY: an agent may let the syscall run; TSYNC and WAIT_KILLABLE_RECV go with a listener" {
	is_runc && skip "runc 1.1: seccomp flags are not yet supported by runc"
	start_listener 0
	SECCOMP="$(jq -nc --arg p "$SOCK" '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
		"flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}')"
	run_sh 'mkdir /tmp/d && echo made'
	[ "$status" -eq 0 ]
	[[ "$output" == *made* ]]
	[ -d "$BUNDLE/rootfs/tmp/d" ]
	wait "$AGENT_PID"
	grep -q "^83 continue" "$AGENT_STATE.log"
}

@test "WAIT_KILLABLE_RECV: a signal no longer takes back a notification the agent has received" {
	is_runc && skip "runc 1.1: seccomp flags are not yet supported by runc"
	local flags log
	for flags in '[]' '["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'; do
		# The agent holds the first chdir (80 on x86_64) until told; meanwhile the shell, blocked
		# in its builtin cd, gets a signal it handles.
		start_listener 122 80
		SECCOMP="$(jq -nc --arg p "$SOCK" --argjson f "$flags" '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
			"flags": $f, "syscalls": [{"names": ["chdir"], "action": "SCMP_ACT_NOTIFY"}]}')"
		apply_seccomp
		set_args sh -c 'trap "echo got USR1" USR1; cd /tmp; echo "cd rc=$?"'
		start_ok
		log="$AGENT_STATE.log"
		for ((i = 0; i < 100; i++)); do
			grep -q '^80 held' "$log" 2>/dev/null && break
			sleep 0.1
		done
		grep -q '^80 held' "$log"
		kill -USR1 "$(rt state "$ID" | jq .pid)"
		sleep 0.5
		touch "$AGENT_STATE.release"
		wait_for_status stopped
		wait "$AGENT_PID"
		cat "$log" "$CTR_OUT"
		if [ "$flags" = '[]' ]; then
			# The signal interrupted the wait: the kernel dropped the notification.
			grep -q '^80 stale' "$log"
		else
			! grep -q '^80 stale' "$log"
			grep -q '^80 errno' "$log"
			grep -q 'cd rc=[1-9]' "$CTR_OUT" # the agent's errno
		fi
		grep -q 'got USR1' "$CTR_OUT"
		rt delete "$ID"
	done
}

@test "NOTIFY: exec'd processes load the container's filter, their listener goes to the agent too" {
	is_runc && skip "runc 1.1.5 (Debian) blocks in run before it connects to the agent (not investigated)"
	start_listener 122
	local first_pid=$AGENT_PID first_state=$AGENT_STATE
	SECCOMP="$(jq -nc --arg p "$SOCK" '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}')"
	apply_seccomp
	set_args sleep 100
	start_ok
	wait_for_file "$first_state"
	# A second agent, with another errno, for the exec'd process's listener (one connection each).
	echo "$first_pid" >"$BATS_TEST_TMPDIR/agent1.pid"
	rm -f "$SOCK"
	AGENT_NAME=agent2 start_listener 121
	run rt exec "$ID" sh -c 'mkdir /tmp/x; echo rc=$?'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"Remote I/O error"* ]] # 121, the second agent's answer
	wait "$AGENT_PID"
	cat "$AGENT_STATE" "$AGENT_STATE.log"
	jq -e --arg id "$ID" '.fds == ["seccompFd"] and .state.id == $id and .state.status == "running"' "$AGENT_STATE"
	grep -q "^83 errno" "$AGENT_STATE.log"
	[ ! -d "$BUNDLE/rootfs/tmp/x" ]
	# The init's agent saw no mkdir.
	[ "$AGENT_STATE" != "$first_state" ]
	run grep -c "^83" "$first_state.log"
	[ "$output" = 0 ]
}

@test "NOTIFY: no agent listening fails create and leaves nothing" {
	requires_husk
	SECCOMP="$(jq -nc --arg p "$BATS_TEST_TMPDIR/nobody.sock" '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}')"
	apply_seccomp
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"connect to listenerPath $BATS_TEST_TMPDIR/nobody.sock: No such file or directory"* ]]
	assert_nothing_left
}

@test "features lists the seccomp actions, operators, archs and flags" {
	run rt features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.linux.seccomp.enabled == true'
	echo "$output" | jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") and index("SCMP_ACT_KILL_PROCESS") and index("SCMP_ACT_LOG")'
	echo "$output" | jq -e '.linux.seccomp.operators | length == 7'
	echo "$output" | jq -e '.linux.seccomp.archs | index("SCMP_ARCH_X86_64")'
	requires_husk # runc 1.1 lists no flags and no libseccomp version
	echo "$output" | jq -e '.linux.seccomp.supportedFlags | index("SECCOMP_FILTER_FLAG_LOG")'
	echo "$output" | jq -e '.annotations["io.github.seccomp.libseccomp.version"] | test("^[0-9]+\\.[0-9]+\\.[0-9]+$")'
}
