#!/usr/bin/env bats
# Rootless containers: husk-runtime run by an unprivileged user with the config of `spec --rootless`
# (a user namespace mapping the user to 0, no network namespace). On this host (cgroup v1) the user
# may not create cgroups: as with runc, a container without limits runs without a cgroup of its own,
# and one with limits is refused with an error that says why. The cgroup v2 delegation case is
# rootless_v2.bats, in the VM.

load helpers
load rootless

setup() {
	rootless_setup
}

teardown() {
	rootless_teardown
}

# Any directory named after the container in any cgroup hierarchy.
cgroup_dirs_of() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -name "$1" 2>/dev/null || true
}

@test "rootless: spec --rootless maps the caller's ids to 0 in a user namespace, without a network namespace" {
	run jq -c '[.linux.uidMappings, .linux.gidMappings, ([.linux.namespaces[].type] | sort), .linux.resources]' "$BUNDLE/config.json"
	[ "$status" -eq 0 ]
	[ "$output" = "[[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}],[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}],[\"ipc\",\"mount\",\"pid\",\"user\",\"uts\"],null]" ]
}

@test "rootless: run as an unprivileged user: root inside, the user outside, exit status passed on" {
	set_args sh -c 'id -u; id -g; cat /proc/self/uid_map; readlink /proc/1/exe >/dev/null; exit 3'
	run rrt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	read -r inside outside size <<<"${lines[2]}"
	[ "$inside" = 0 ] && [ "$outside" = "$RL_UID" ] && [ "$size" = 1 ]
	# run deletes: no state, no cgroup of the container anywhere.
	[ -z "$(ls -A "$ROOT")" ]
	[ -z "$(cgroup_dirs_of "$ID")" ]
}

@test "rootless: create, state, list, ps, start, kill, delete; the state belongs to the user" {
	set_args sleep 100
	rl_ctr create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run rrt state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	local pid
	pid="$(jq -r .pid <<<"$output")"
	[ "$(stat -c %u "$ROOT/$ID/state.json")" = "$RL_UID" ]
	[ "$(stat -c %u /proc/"$pid")" = "$RL_UID" ]
	run rrt start "$ID"
	[ "$status" -eq 0 ]
	run rrt list --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' <<<"$output")" = running ]
	run rrt ps --format json "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "[$pid]" ]
	# The init is pid 1 of its namespace: TERM has no default action there.
	run rrt kill "$ID" KILL
	[ "$status" -eq 0 ]
	rl_wait_status stopped
	run rrt delete "$ID"
	[ "$status" -eq 0 ]
	run rrt state "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "rootless: the default state root is \$XDG_RUNTIME_DIR/husk" {
	set_args sleep 100
	CTR_OUT="$BATS_TEST_TMPDIR/ctr.out"
	status=0
	rl run --detach --bundle "$BUNDLE" "$ID" </dev/null >"$CTR_OUT" 2>&1 3>&- || status=$?
	[ "$status" -eq 0 ] || { cat "$CTR_OUT"; false; }
	[ -f "$RL_XDG/husk/$ID/state.json" ]
	[ "$(stat -c '%u %a' "$RL_XDG/husk")" = "$RL_UID 700" ]
	run rl list -q
	[ "$output" = "$ID" ]
	run rl delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$RL_XDG/husk/$ID" ]
}

@test "rootless: ps and kill --all find every process without a cgroup (pid namespace members)" {
	set_args sh -c 'sleep 100 & sleep 100 & sleep 100'
	rl_ctr run --detach --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	rl_wait_ps 3
	# The table is ps -ef's, filtered to those pids (sh execs its last command: three sleeps).
	run rrt ps "$ID"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'sleep 100' <<<"$output")" = 3 ]
	run rrt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	rl_wait_status stopped
	[ -z "$(bundle_processes)" ]
	run rrt delete "$ID"
	[ "$status" -eq 0 ]
}

@test "rootless: without a pid namespace, ps and kill --all follow the init's descendants" {
	remove_ns pid
	# A new proc needs a pid namespace the user namespace owns: the host's /proc instead.
	update_config '.mounts |= map(if .destination == "/proc" then {"destination": "/proc", "type": "bind", "source": "/proc", "options": ["rbind", "nosuid", "noexec", "nodev"]} else . end)'
	set_args sh -c 'sleep 100 & sleep 100'
	rl_ctr run --detach --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	rl_wait_ps 2
	run rrt kill --all "$ID" TERM
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do
		[ -z "$(bundle_processes)" ] && break
		sleep 0.1
	done
	[ -z "$(bundle_processes)" ]
	run rrt delete "$ID"
	[ "$status" -eq 0 ]
}

@test "rootless: limits without a cgroup the user may write are refused, naming the reason; nothing is left" {
	update_config '.linux.resources = {"memory": {"limit": 67108864}}'
	run rrt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"rootless container: linux.resources set, but the user may not create its cgroup"* ]]
	[[ "$output" == *"Permission denied"* ]]
	[ -z "$(ls -A "$ROOT")" ]
	[ -z "$(cgroup_dirs_of "$ID")" ]
	assert_nothing_left
}

@test "rootless: device rules alone are not limits: the container runs (a user namespace cannot make devices anyway)" {
	update_config '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}]}'
	set_args sh -c 'echo ok'
	run rrt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "rootless: a cgroupsPath the user may not create is an error, as with runc" {
	update_config '.linux.cgroupsPath = "/husktest-rootless/'"$ID"'"'
	run rrt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"rootless container: linux.cgroupsPath \"/husktest-rootless/$ID\""*"Permission denied"* ]]
	[ -z "$(ls -A "$ROOT")" ]
	[ ! -e /sys/fs/cgroup/memory/husktest-rootless ]
}

@test "rootless: pause of a container without a cgroup says so" {
	set_args sleep 100
	rl_ctr run --detach --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run rrt pause "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"has no cgroup"* ]]
	[ "$(rrt state "$ID" | jq -r .status)" = running ]
}
