#!/usr/bin/env bats
# The container process: user, groups, cwd, env, umask, rlimits, noNewPrivileges, capabilities,
# oomScoreAdj, personality.

load helpers

status_field() { echo "$output" | awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }'; }

@test "uid, gid and additionalGids" {
	update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 6]}'
	set_args cat /proc/self/status
	run_ctr
	[ "$status" -eq 0 ]
	[ "$(status_field Uid | tr -s '\t ' ' ')" = "1000 1000 1000 1000" ]
	[ "$(status_field Gid | tr -s '\t ' ' ')" = "1001 1001 1001 1001" ]
	[ "$(status_field Groups | tr -s '\t ' ' ' | sed 's/ $//')" = "5 6" ]
}

@test "cwd" {
	mkdir -p "$BUNDLE/rootfs/work/dir"
	update_config '.process.cwd = "/work/dir"'
	set_args pwd
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" = /work/dir ]
}

@test "a missing cwd is created (mode 0755, inside the root), also when the root is read-only" {
	# As runc: ctr run --cwd DIR relies on it.
	update_config '.process.cwd = "/work/deep/dir" | .root.readonly = true'
	set_args sh -c 'pwd; stat -c "%a %u" /work /work/deep/dir'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /work/deep/dir ]
	[ "${lines[1]}" = "755 0" ]
	[ "${lines[2]}" = "755 0" ]
	[ -d "$BUNDLE/rootfs/work/deep/dir" ]
	# Through a symlink that climbs out: created inside the root, nothing on the host.
	ln -s ../../../../../../.. "$BUNDLE/rootfs/up"
	update_config '.process.cwd = $c' --arg c "/up/husk-cwd-$ID"
	set_args pwd
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "/husk-cwd-$ID" ]
	[ -d "$BUNDLE/rootfs/husk-cwd-$ID" ]
	[ ! -e "/husk-cwd-$ID" ]
}

@test "env is exactly what the config says" {
	update_config '.process.env = ["PATH=/bin:/sbin", "FOO=bar baz", "EMPTY="]'
	set_args sh -c 'echo "FOO=$FOO"; env | sort'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "FOO=bar baz" ]
	[[ "$output" == *"EMPTY="* ]]
	[[ "$output" == *"PATH=/bin:/sbin"* ]]
	# Nothing of the caller's environment leaks in.
	[[ "$output" != *BATS_* ]]
}

@test "process.args[0] is looked up in the container's PATH" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	printf '#!/bin/sh\necho custom-tool\n' >"$BUNDLE/rootfs/opt/tools/mytool"
	chmod 755 "$BUNDLE/rootfs/opt/tools/mytool"
	update_config '.process.env = ["PATH=/opt/tools:/bin"]'
	set_args mytool
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" = custom-tool ]
}

@test "umask" {
	update_config '.process.user.umask = 63'
	set_args sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0077 ]
	[ "${lines[1]}" = 600 ]
}

@test "rlimits" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}, {"type": "RLIMIT_NPROC", "soft": 333, "hard": 444}]'
	set_args sh -c 'ulimit -n; ulimit -Hn; grep "Max processes" /proc/self/limits'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 512 ]
	[ "${lines[1]}" = 1024 ]
	[[ "${lines[2]}" == *333*444* ]]
}

@test "noNewPrivileges true and false" {
	set_args cat /proc/self/status
	update_config '.process.noNewPrivileges = true'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$(status_field NoNewPrivs)" = 1 ]

	update_config '.process.noNewPrivileges = false'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$(status_field NoNewPrivs)" = 0 ]
}

# CAP_CHOWN=0 (0x1), CAP_KILL=5 (0x20), CAP_NET_BIND_SERVICE=10 (0x400)
_caps_config() {
	update_config '.process.capabilities = {
		"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"inheritable": ["CAP_NET_BIND_SERVICE"],
		"ambient": ["CAP_NET_BIND_SERVICE"]}'
	set_args cat /proc/self/status
}

@test "capabilities of a root process: bounding, effective, inheritable, ambient" {
	_caps_config
	run_ctr
	[ "$status" -eq 0 ]
	[ "$(status_field CapBnd)" = 0000000000000421 ]
	[ "$(status_field CapEff)" = 0000000000000421 ]
	[ "$(status_field CapPrm)" = 0000000000000421 ]
	[ "$(status_field CapInh)" = 0000000000000400 ]
	[ "$(status_field CapAmb)" = 0000000000000400 ]
}

@test "capabilities of a non-root process: only the ambient set survives exec" {
	_caps_config
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$(status_field CapBnd)" = 0000000000000421 ]
	[ "$(status_field CapEff)" = 0000000000000400 ]
	[ "$(status_field CapPrm)" = 0000000000000400 ]
	[ "$(status_field CapAmb)" = 0000000000000400 ]
}

@test "capabilities: an empty set drops everything" {
	update_config '.process.capabilities = {"bounding": [], "effective": [], "permitted": [], "inheritable": [], "ambient": []}'
	set_args cat /proc/self/status
	run_ctr
	[ "$status" -eq 0 ]
	for f in CapBnd CapEff CapPrm CapInh CapAmb; do
		[ "$(status_field $f)" = 0000000000000000 ]
	done
}

@test "a dropped capability is enforced (no CAP_CHOWN: chown fails)" {
	update_config '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
	update_config '.process.user = {"uid": 0, "gid": 0}'
	set_args sh -c 'touch /tmp/f; chown 5 /tmp/f 2>&1; echo rc=$?'
	run_ctr
	echo "$output"
	[[ "$output" == *rc=1* ]]
}

@test "oomScoreAdj" {
	update_config '.process.oomScoreAdj = 500'
	set_args cat /proc/self/oom_score_adj
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" = 500 ]
}

@test "personality LINUX32" {
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_args uname -m
	run_ctr
	echo "$output"
	if is_runc && [ "$output" = x86_64 ]; then
		skip "runc 1.1 ignores linux.personality"
	fi
	[ "$status" -eq 0 ]
	[[ "$output" == i?86 ]]
}
