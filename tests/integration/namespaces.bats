#!/usr/bin/env bats
# Namespaces: new ones, joined ones, user namespace mappings, time offsets, hostname, domainname.

load helpers

@test "pid namespace: the process is pid 1" {
	set_args sh -c 'echo $$; ps -o pid= 2>/dev/null | wc -l'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
}

@test "each configured namespace is new; a namespace not configured is the host's" {
	set_args sh -c 'for n in pid mnt net uts ipc cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done'
	add_ns cgroup
	run_ctr
	[ "$status" -eq 0 ]
	for n in pid mnt net uts ipc cgroup; do
		inside="$(echo "$output" | awk -v n="$n" '$1 == n { print $2 }')"
		[ -n "$inside" ]
		[ "$inside" != "$(readlink /proc/self/ns/$n)" ]
	done

	remove_ns ipc
	remove_ns network
	# Without a network namespace /sys cannot be mounted fresh (sysfs belongs to the host's netns).
	update_config '.mounts = [.mounts[] | select(.destination != "/sys")]'
	run_ctr
	[ "$status" -eq 0 ]
	for n in net ipc; do
		inside="$(echo "$output" | awk -v n="$n" '$1 == n { print $2 }')"
		[ "$inside" = "$(readlink /proc/self/ns/$n)" ]
	done
}

@test "uts namespace: hostname" {
	update_config '.hostname = "husk-box"'
	set_args hostname
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" = husk-box ]
	[ "$(hostname)" != husk-box ]
}

@test "uts namespace: domainname" {
	# runc 1.1 ignores the domainname field (it came with runc 1.2); the spec requires it.
	is_runc && skip "runc 1.1 does not set domainname"
	update_config '.hostname = "husk-box" | .domainname = "husk.example"'
	set_args cat /proc/sys/kernel/domainname
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" = husk.example ]
}

@test "network namespace: only lo, and it is up" {
	set_args sh -c 'ip -o link show; ip -o addr show lo'
	run_ctr
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(echo "$output" | grep -c ': <')" -eq 1 ]
	[[ "${lines[0]}" == *"lo: <"*UP* ]]
	[[ "$output" == *127.0.0.1* ]]
}

@test "ipc namespace: System V objects of the host are not visible" {
	set_args sh -c 'cat /proc/sysvipc/shm | wc -l'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq 1 ]
}

@test "user namespace: uid/gid mappings in /proc/self/uid_map and gid_map" {
	add_ns user
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; echo $$'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 200000 65536" ]
	[ "${lines[2]}" = 0 ]
}

@test "user namespace: the process runs as the mapped host uid" {
	add_ns user
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	set_args sleep 100
	start_ok
	pid="$(rt state "$ID" | jq .pid)"
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = 100000 ]
	[ "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" = 100000 ]
}

@test "cgroup namespace: the container's cgroups are its roots" {
	add_ns cgroup
	set_args cat /proc/self/cgroup
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 0 ]
	for l in "${lines[@]}"; do
		[[ "$l" == *:/ ]]
	done
}

@test "time namespace: boottime and monotonic offsets" {
	requires_namespace time
	add_ns time
	update_config '.linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}, "monotonic": {"secs": 432000, "nanosecs": 0}}'
	set_args cat /proc/uptime
	host_up="$(cut -d. -f1 /proc/uptime)"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	inside="$(echo "${lines[0]}" | cut -d. -f1)"
	[ "$inside" -ge $((host_up + 864000)) ]
	[ "$inside" -le $((host_up + 864000 + 30)) ]
}

@test "joining a network namespace by path" {
	make_netns
	ip netns exec "$NETNS_NAME" ip link add husk0 type veth peer name husk1
	add_ns network "$NETNS_PATH"
	set_args sh -c 'ip -o link show; readlink /proc/self/ns/net'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *husk0* ]]
	[[ "$output" == *"net:[$(stat -L -c %i "$NETNS_PATH")]"* ]]
}

@test "joining the uts namespace of another container by path" {
	update_config '.hostname = "first-box"'
	set_args sleep 100
	start_ok
	pid="$(rt state "$ID" | jq .pid)"

	first_id="$ID"
	first_config="$(cat "$BUNDLE/config.json")"
	ID="$first_id-2"
	track_id "$ID"
	update_config 'del(.hostname)'
	add_ns uts "/proc/$pid/ns/uts"
	set_args hostname
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = first-box ]
	ID="$first_id"
	echo "$first_config" >"$BUNDLE/config.json"
}

@test "a namespace path that is not a namespace fails create" {
	add_ns network "$BUNDLE/config.json"
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left
}
