#!/usr/bin/env bats
# Rootless containers on cgroup v2 with a delegated subtree, as systemd delegates user@UID.service: as
# root the test makes a parent cgroup with cpu, memory and pids enabled for its children, a child of it
# owned by the user (the directory, cgroup.procs, cgroup.subtree_control, cgroup.threads), and a leaf
# below that for the user's "session"; every command of the user starts in that leaf. The container's
# cgroup is then <delegated>/<id> (relative to the parent of the caller's own cgroup, as runc), with
# its limits set and enforced, update, pause/resume, ps, kill --all, and delete removing it. Without
# delegation, limits are refused with an error saying why. Runs in the test VM (tests/vm/run-in-vm
# BUILD_DIR tests/integration/rootless_v2.bats); elsewhere every test skips.

load helpers
load rootless

setup() {
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
		skip "needs a cgroup v2 host (/sys/fs/cgroup is not cgroup2): run it in tests/vm/run-in-vm"
	rootless_setup
	RL_SESSION=""
}

# rl_delegate: the delegated subtree ($RL_DELEGATED, its parent $RL_SLICE, the session leaf
# $RL_SESSION), made by root.
rl_delegate() {
	RL_SLICE="/sys/fs/cgroup/$TEST_PREFIX-rl-$BATS_SUITE_TEST_NUMBER-$$.slice"
	RL_DELEGATED="$RL_SLICE/user@$RL_UID.service"
	RL_SESSION="$RL_DELEGATED/session.scope"
	echo "$RL_SLICE" >"$BATS_TEST_TMPDIR/slice"
	mkdir "$RL_SLICE" "$RL_DELEGATED"
	echo "+cpu +memory +pids" >"$RL_SLICE/cgroup.subtree_control"
	chown "$RL_UID:$RL_UID" "$RL_DELEGATED" "$RL_DELEGATED/cgroup.procs" "$RL_DELEGATED/cgroup.subtree_control" \
		"$RL_DELEGATED/cgroup.threads"
	# The user's own cgroup, as systemd --user makes init.scope and the session scopes.
	setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups mkdir "$RL_SESSION"
}

# rl ARGS...: the runtime as the user, started (by root, who may move it) in the session leaf when
# there is one, as a login shell of a delegated user is.
rl() {
	if [ -z "$RL_SESSION" ]; then
		timeout -k 5 "${RT_TIMEOUT:-60}" setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups \
			env HOME="$RL_HOME" XDG_RUNTIME_DIR="$RL_XDG" "$HUSK_RUNTIME" "$@"
		return
	fi
	timeout -k 5 "${RT_TIMEOUT:-60}" sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$RL_SESSION/cgroup.procs" \
		setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups \
		env HOME="$RL_HOME" XDG_RUNTIME_DIR="$RL_XDG" "$HUSK_RUNTIME" "$@"
}

teardown() {
	rootless_teardown
	local slice d
	slice="$(cat "$BATS_TEST_TMPDIR/slice" 2>/dev/null)" || return 0
	# Children first; a cgroup whose last process just exited is busy for a moment.
	for d in $(find "$slice" -mindepth 1 -type d 2>/dev/null | sort -r) "$slice"; do
		[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
		for _ in $(seq 50); do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done
	[ ! -d "$slice" ]
}

# rl_config RESOURCES_JSON ARGS_JSON [JQ_FILTER]: linux.resources and process.args (and more) in one
# jq run: under emulation each costs half a second or more.
rl_config() {
	update_config ".linux.resources = \$r | .process.args = \$a ${3:+| $3}" --argjson r "$1" --argjson a "$2"
}

@test "rootless v2: in a delegated subtree the container gets <delegated>/<id> with its limits, read inside and on the host" {
	rl_delegate
	local cg="$RL_DELEGATED/$ID" rel="${RL_DELEGATED#/sys/fs/cgroup}/$ID"
	# No cgroup namespace (runc's rootless spec has none): the container sees the host's tree, bound
	# read-only at /sys/fs/cgroup, and its own cgroup in it.
	rl_config '{"memory": {"limit": 67108864}, "pids": {"limit": 20}, "cpu": {"quota": 50000, "period": 100000}}' \
		"[\"sh\", \"-c\", \"cat /sys/fs/cgroup$rel/memory.max /sys/fs/cgroup$rel/pids.max /sys/fs/cgroup$rel/cpu.max /proc/self/cgroup; exec sleep 100\"]"
	rl_ctr run --detach --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -d "$cg" ]
	[ "$(stat -c %u "$cg")" = "$RL_UID" ]
	[ "$(cat "$cg/memory.max")" = 67108864 ]
	[ "$(cat "$cg/pids.max")" = 20 ]
	[ "$(cat "$cg/cpu.max")" = "50000 100000" ]
	# The user enabled the controllers in the delegated cgroup, root in its parent.
	grep -qw memory "$RL_DELEGATED/cgroup.subtree_control"
	local lines=()
	for _ in $(seq 50); do
		mapfile -t lines <"$CTR_OUT"
		[ "${#lines[@]}" -ge 4 ] && break
		sleep 0.2
	done
	cat "$CTR_OUT" "$CTR_ERR"
	[ "${lines[0]}" = 67108864 ]
	[ "${lines[1]}" = 20 ]
	[ "${lines[2]}" = "50000 100000" ]
	[ "${lines[3]}" = "0::$rel" ]
	run rrt delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$cg" ]
}

@test "rootless v2: a fork bomb stops at pids.max" {
	rl_delegate
	# busybox sh exits at a failed fork: the bomb runs in a subshell, the outer shell reports.
	rl_config '{"pids": {"limit": 10}}' \
		'["sh", "-c", "(for i in $(seq 30); do sleep 30 & done) 2>/dev/null; echo \"bomb=$?\"; echo done"]'
	rl_ctr run --detach --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	local cg="$RL_DELEGATED/$ID"
	for _ in $(seq 100); do
		grep -q done "$CTR_OUT" && break
		sleep 0.1
	done
	cat "$CTR_OUT"
	grep -q done "$CTR_OUT"
	! grep -q "bomb=0" "$CTR_OUT"
	[ "$(cat "$cg/pids.current")" -le 10 ]
	grep -Eq '^max [1-9]' "$cg/pids.events"
	run rrt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	rl_wait_status stopped
	run rrt delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$cg" ]
}

@test "rootless v2: update, pause and resume, ps, kill --all and delete act on the delegated cgroup" {
	rl_delegate
	rl_config '{"memory": {"limit": 67108864}, "pids": {"limit": 20}}' '["sh", "-c", "sleep 100 & sleep 100"]'
	rl_ctr run --detach --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	local cg="$RL_DELEGATED/$ID"
	run rrt update --memory 33554432 --pids-limit 30 --cpu-quota 20000 --cpu-period 100000 "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$cg/memory.max")" = 33554432 ]
	[ "$(cat "$cg/pids.max")" = 30 ]
	[ "$(cat "$cg/cpu.max")" = "20000 100000" ]
	run rrt pause "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(rrt state "$ID" | jq -r .status)" = paused ]
	grep -qx "frozen 1" "$cg/cgroup.events"
	run rrt resume "$ID"
	[ "$status" -eq 0 ]
	[ "$(rrt state "$ID" | jq -r .status)" = running ]
	grep -qx "frozen 0" "$cg/cgroup.events"
	rl_wait_ps 2
	run rrt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	rl_wait_status stopped
	[ -z "$(cat "$cg/cgroup.procs")" ]
	run rrt delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$cg" ]
	# Only the container's cgroup went: the user's own is still there.
	[ -d "$RL_SESSION" ]
}

@test "rootless v2: a relative cgroupsPath is below the delegated cgroup" {
	rl_delegate
	rl_config '{"pids": {"limit": 15}}' '["sleep", "100"]' ".linux.cgroupsPath = \"ctrs/$ID\""
	rl_ctr run --detach --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$RL_DELEGATED/ctrs/$ID/pids.max")" = 15 ]
	run rrt delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$RL_DELEGATED/ctrs/$ID" ]
}

@test "rootless v2: without delegation, limits are refused with an error saying why; nothing is left" {
	update_config '.linux.resources = {"memory": {"limit": 67108864}}'
	run rrt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"rootless container: linux.resources set, but the user may not create its cgroup"* ]]
	[[ "$output" == *"Permission denied"* ]]
	[ -z "$(ls -A "$ROOT")" ]
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$ID")" ]
}

@test "rootless v2: without delegation and without limits the container runs, without a cgroup of its own" {
	update_config '.process.args = ["sh", "-c", "cat /proc/self/cgroup"]'
	local own
	own="$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)"
	run rrt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = "0::$own" ]
}
