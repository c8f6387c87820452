# shellcheck shell=bash
# Shared by rootless.bats (this host) and rootless_v2.bats (the cgroup v2 VM): husk-runtime run by an
# unprivileged user. The user is a fixed uid without a passwd entry, reached with setpriv (no useradd:
# /etc/passwd is shared with whatever else runs on the machine); override with HUSK_ROOTLESS_UID.

RL_UID="${HUSK_ROOTLESS_UID:-23456}"

# rootless_setup: $BUNDLE with the config of `spec --rootless` (running `true`), a directory $RL_HOME
# that the user owns holding $ROOT (the state root) and $RL_XDG ($XDG_RUNTIME_DIR). Skips where the
# test cannot run.
rootless_setup() {
	[ "$(id -u)" = 0 ] || skip "needs root to switch to the test user"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
	[ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] || skip "user namespaces disabled"
	setup_bundle
	RL_HOME="$BATS_TEST_TMPDIR/rl"
	RL_XDG="$RL_HOME/xdg"
	ROOT="$RL_HOME/state"
	mkdir -p "$RL_XDG"
	chmod 700 "$RL_XDG"
	chown -R "$RL_UID:$RL_UID" "$RL_HOME" "$BUNDLE"
	rm "$BUNDLE/config.json"
	(cd "$BUNDLE" && rl spec --rootless) || return 1
	update_config '.process.terminal = false | .process.args = ["true"] | .root.readonly = false'
	export ROOT RL_HOME RL_XDG
}

# rl ARGS...: the runtime as the test user (no --root: the default root is under $RL_XDG).
rl() {
	timeout -k 5 "${RT_TIMEOUT:-60}" setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups \
		env HOME="$RL_HOME" XDG_RUNTIME_DIR="$RL_XDG" "$HUSK_RUNTIME" "$@"
}

# rrt ARGS...: rl with this test's state root, as rt is for root.
rrt() {
	rl --root "$ROOT" "$@"
}

# rl_ctr create|run --detach ARGS...: as ctr_create, as the test user (the container keeps the stdio
# it was given: files, never bats' pipe).
rl_ctr() {
	CTR_OUT="$BATS_TEST_TMPDIR/ctr.out"
	CTR_ERR="$BATS_TEST_TMPDIR/ctr.err"
	status=0
	rrt "$@" </dev/null >"$CTR_OUT" 2>"$CTR_ERR" 3>&- || status=$?
	output="$(cat "$CTR_ERR")"
}

# The user's own containers are deleted by the user first (what a user would do); whatever is left,
# root's common teardown takes.
rootless_teardown() {
	local id
	for id in "${ROOT:-/nonexistent}"/* "${RL_XDG:-/nonexistent}"/husk/*; do
		[ -e "$id" ] || continue
		timeout 20 setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups "$HUSK_RUNTIME" \
			--root "$(dirname "$id")" delete --force "$(basename "$id")" >/dev/null 2>&1 || true
	done
	common_teardown
	rm -rf "${RL_HOME:-/nonexistent}"
}

# rl_wait_ps N: until `ps` lists N processes of $ID (5 s). rl_wait_status STATUS: until $ID has it.
rl_wait_ps() {
	local n
	for _ in $(seq 50); do
		n="$(rrt ps --format json "$ID" | jq length)"
		[ "$n" = "$1" ] && return 0
		sleep 0.1
	done
	echo "ps of $ID lists $n processes, not $1" >&2
	return 1
}
rl_wait_status() {
	local s
	for _ in $(seq 50); do
		s="$(rrt state "$ID" | jq -r .status)"
		[ "$s" = "$1" ] && return 0
		sleep 0.1
	done
	echo "$ID is $s, not $1" >&2
	return 1
}
