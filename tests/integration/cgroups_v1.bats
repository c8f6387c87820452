#!/usr/bin/env bats
# linux.resources on a cgroup v1 host: each limit set, read back from the host and from inside, and
# enforced where that shows quickly; the container's cgroup removed by delete, delete --force, and a
# create that fails. Runtime-agnostic (passes on runc): the container's cgroup is found through
# /proc/PID/cgroup of its init, not assumed.

load helpers

setup() {
	if ! grep -qE ' - cgroup cgroup [^ ]*\bmemory\b' /proc/self/mountinfo; then
		skip "not a cgroup v1 host (no v1 memory hierarchy mounted)"
	fi
	setup_bundle
	PARENTS=()
}

teardown() {
	common_teardown
	# Parent cgroups a test made for a relative cgroupsPath, in every hierarchy the runtime used.
	local p d
	for p in "${PARENTS[@]}"; do
		for d in /sys/fs/cgroup/*/"$p"; do
			[ -d "$d" ] || continue
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
		done
	done
}

# ctr_cg CONTROLLER: the host directory of the running container's cgroup in that hierarchy.
ctr_cg() {
	local pid p
	pid="$(rt state "$ID" | jq -r .pid)"
	p="$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")"
	[ -n "$p" ] || { echo "no $1 entry in /proc/$pid/cgroup" >&2; return 1; }
	echo "/sys/fs/cgroup/$1$p"
}

# Every cgroup directory named NAME (the container's own name in its cgroup path), at any depth used here.
cgroups_named() {
	find /sys/fs/cgroup -maxdepth 5 -type d -name "$1" 2>/dev/null || true
}

run_detached_ok() {
	ctr_run_detached --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "run -d failed ($status): $output" >&2; return 1; }
}

@test "memory limit: read back from the host, and inside through a cgroup namespace" {
	add_ns cgroup
	update_config '.linux.resources.memory = {"limit": 33554432}'
	set_args sh -c 'grep memory /proc/self/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; sleep 100'
	run_detached_ok
	wait_for_file "$CTR_OUT"
	sleep 0.2
	cat "$CTR_OUT"
	# Its own cgroup is the root of its cgroup namespace.
	grep -qx '[0-9]*:memory:/' "$CTR_OUT"
	grep -qx 33554432 "$CTR_OUT"
	dir="$(ctr_cg memory)"
	[ "$dir" != /sys/fs/cgroup/memory/ ]
	[ "$(cat "$dir/memory.limit_in_bytes")" = 33554432 ]
}

@test "memory: a hog over the limit is OOM-killed, and the host's counters say so" {
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	set_args sh -c 'head -c 200m /dev/zero | tail >/dev/null; echo "rc=$?"; sleep 100'
	run_detached_ok
	# Up to 30 s: near its limit the hog's memory cgroup reclaims before the OOM killer acts, which
	# can take seconds on a loaded machine (a 10 s wait failed once under ASan in CI).
	for _ in $(seq 300); do grep -q rc= "$CTR_OUT" && break; sleep 0.1; done
	cat "$CTR_OUT"
	grep -qx 'rc=137' "$CTR_OUT"
	dir="$(ctr_cg memory)"
	grep -qx 'oom_kill [1-9][0-9]*' "$dir/memory.oom_control"
}

@test "pids limit stops a fork bomb; a higher limit lets the same script through" {
	update_config '.linux.resources.pids = {"limit": 10}'
	set_args sh -c 'for i in $(seq 20); do sleep 100 & done; echo started-all'
	run_ctr
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Resource temporarily unavailable"* ]]
	[[ "$output" != *started-all* ]]

	update_config '.linux.resources.pids = {"limit": 40}'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *started-all* ]]
}

@test "pids limit: pids.max read back from the host" {
	update_config '.linux.resources.pids = {"limit": 10}'
	set_args sleep 100
	run_detached_ok
	[ "$(cat "$(ctr_cg pids)/pids.max")" = 10 ]
}

@test "cpu: shares, quota and period read back from the host and inside" {
	update_config '.linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000}'
	set_args sh -c 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us; sleep 100'
	run_detached_ok
	wait_for_file "$CTR_OUT"
	grep -qx 50000 "$CTR_OUT"
	dir="$(ctr_cg cpu)"
	[ "$(cat "$dir/cpu.cfs_quota_us")" = 50000 ]
	[ "$(cat "$dir/cpu.cfs_period_us")" = 100000 ]
	[ "$(cat "$dir/cpu.shares")" = 512 ]
}

@test "cpu: shares out of the kernel's range fail create, and no cgroup is left" {
	update_config '.linux.cgroupsPath = $p | .linux.resources.cpu = {"shares": 1}' --arg p "/$ID"
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	is_runc || [[ "$output" == *"cpu.shares 1"* ]]
	[ -z "$(cgroups_named "$ID")" ]
	assert_nothing_left
}

@test "cpuset: cpus and mems read back from the host and inside" {
	update_config '.linux.resources.cpu = {"cpus": "0", "mems": "0"}'
	set_args sh -c 'cat /sys/fs/cgroup/cpuset/cpuset.cpus; sleep 100'
	run_detached_ok
	wait_for_file "$CTR_OUT"
	grep -qx 0 "$CTR_OUT"
	dir="$(ctr_cg cpuset)"
	[ "$(cat "$dir/cpuset.cpus")" = 0 ]
	[ "$(cat "$dir/cpuset.mems")" = 0 ]
}

@test "cpuset: a parent that restricts CPUs confines a container without cpuset limits" {
	local parent="husktest-cpuset-$$" p
	PARENTS+=("$parent")
	p=/sys/fs/cgroup/cpuset/$parent
	mkdir "$p"
	cat /sys/fs/cgroup/cpuset/cpuset.mems >"$p/cpuset.mems"
	echo 0 >"$p/cpuset.cpus"
	update_config '.linux.cgroupsPath = $p' --arg p "/$parent/$ID"
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status; sleep 100'
	run_detached_ok
	wait_for_file "$CTR_OUT"
	cat "$CTR_OUT"
	grep -qx 'Cpus_allowed_list:[[:space:]]*0' "$CTR_OUT"
	[ "$(ctr_cg cpuset)" = "$p/$ID" ]
	rt delete --force "$ID"
	[ ! -d "$p/$ID" ]
}

@test "blkio: weight" {
	if [ ! -e /sys/fs/cgroup/blkio/blkio.weight ] && [ ! -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]; then
		skip "the host's blkio controller has neither blkio.weight nor blkio.bfq.weight (no CFQ/BFQ I/O scheduler)"
	fi
	update_config '.linux.resources.blockIO = {"weight": 300}'
	set_args sleep 100
	run_detached_ok
	dir="$(ctr_cg blkio)"
	grep -q 300 "$dir"/blkio*.weight
}

@test "blkio: read bps throttle of a device, read back from the host" {
	dev="$(cat /sys/block/*/dev 2>/dev/null | head -n1)"
	[ -n "$dev" ] || skip "no block device on this host"
	major="${dev%%:*}" minor="${dev##*:}"
	update_config '.linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": $ma, "minor": $mi, "rate": 1048576}]}' \
		--argjson ma "$major" --argjson mi "$minor"
	set_args sleep 100
	run_detached_ok
	grep -qx "$dev 1048576" "$(ctr_cg blkio)/blkio.throttle.read_bps_device"
}

@test "devices: a device outside the allow-list is denied, /dev/null is allowed, an allowed rule opens" {
	# 240:0 is a "local/experimental" major with no driver: opening it gives ENXIO when the cgroup
	# lets it through, EPERM when it does not.
	update_config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
	set_args sh -c 'echo ok >/dev/null && echo null-ok; rm -f /tmp/x; mknod /tmp/x c 240 0; cat /tmp/x 2>&1; true'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *null-ok* ]]
	[[ "$output" == *"Operation not permitted"* ]]

	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 240, "minor": 0, "access": "rw"}]'
	run_ctr
	echo "$output"
	[[ "$output" == *"No such device or address"* ]]
	[[ "$output" != *"Operation not permitted"* ]]
}

@test "devices: the default deny-all rule is in devices.list with only the standard devices allowed" {
	set_args sleep 100
	run_detached_ok
	list="$(cat "$(ctr_cg devices)/devices.list")"
	echo "$list"
	[[ "$list" != *"a *:* rwm"* ]]
	grep -qx 'c 1:3 rwm' <<<"$list"
	grep -qx 'c 136:\* rwm' <<<"$list"
}

@test "cgroupsPath absolute: used as is below each hierarchy, removed by delete" {
	update_config '.linux.cgroupsPath = $p' --arg p "/$ID"
	set_args sleep 100
	run_detached_ok
	[ "$(ctr_cg memory)" = "/sys/fs/cgroup/memory/$ID" ]
	[ "$(ctr_cg pids)" = "/sys/fs/cgroup/pids/$ID" ]
	[ -d "/sys/fs/cgroup/devices/$ID" ]
	rt kill "$ID" KILL
	wait_for_status stopped
	run rt delete "$ID"
	[ "$status" -eq 0 ]
	[ -z "$(cgroups_named "$ID")" ]
}

@test "cgroupsPath relative: below the runtime's own (memory) cgroup" {
	parent="$TEST_PREFIX-rel-$$"
	PARENTS+=("$parent")
	mkdir "/sys/fs/cgroup/memory/$parent"
	update_config '.linux.cgroupsPath = $p' --arg p "$ID"
	set_args sleep 100
	# The runtime runs from a shell moved into the parent first (a process this test started).
	status=0
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "/sys/fs/cgroup/memory/$parent" \
		timeout 60 "$HUSK_RUNTIME" --root "$ROOT" run --detach --bundle "$BUNDLE" "$ID" \
		</dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- || status=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ "$(ctr_cg memory)" = "/sys/fs/cgroup/memory/$parent/$ID" ]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	[ -z "$(cgroups_named "$ID")" ]
}

@test "cgroupsPath with .. is refused and leaves nothing" {
	is_runc && skip "runc cleans .. lexically instead of refusing it"
	update_config '.linux.cgroupsPath = "/husk/../../x"'
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'".." is not allowed'* ]]
	assert_nothing_left
}

@test "delete --force of a running container removes its cgroup" {
	set_args sleep 100
	run_detached_ok
	dirs="$(ctr_cg memory) $(ctr_cg pids) $(ctr_cg devices) $(ctr_cg freezer)"
	for d in $dirs; do [ -d "$d" ]; done
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	for d in $dirs; do [ ! -d "$d" ]; done
	assert_nothing_left
}

@test "delete after the init crashed: what it left in the cgroup is killed and the cgroup removed" {
	# No pid namespace: the init's child outlives it.
	remove_ns pid
	set_args sh -c 'sleep 100 & exec sleep 101'
	run_detached_ok
	dirs="$(ctr_cg memory) $(ctr_cg pids)"
	pids="$(cat "$(ctr_cg pids)/cgroup.procs")"
	[ "$(wc -w <<<"$pids")" -eq 2 ]
	kill -9 "$(rt state "$ID" | jq -r .pid)"
	wait_for_status stopped
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	for d in $dirs; do [ ! -d "$d" ]; done
	# Dead: gone, or a zombie until whoever inherited it reaps it.
	for p in $pids; do
		[ ! -e "/proc/$p" ] || grep -q '^State:[[:space:]]*Z' "/proc/$p/status" || {
			echo "pid $p still alive" >&2
			return 1
		}
	done
}

@test "delete --force of a container whose processes are all gone removes its cgroup" {
	set_args sleep 100
	run_detached_ok
	dirs="$(ctr_cg memory) $(ctr_cg pids) $(ctr_cg freezer)"
	kill -9 "$(rt state "$ID" | jq -r .pid)"
	wait_for_status stopped
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	for d in $dirs; do [ ! -d "$d" ]; done
}

@test "a create that fails after the cgroup exists leaves no cgroup" {
	update_config '.linux.cgroupsPath = $p | .mounts += [{"destination": "/x", "type": "bind", "source": "/nonexistent-husktest", "options": ["bind"]}]' \
		--arg p "/$ID"
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[ -z "$(cgroups_named "$ID")" ]
	assert_nothing_left
}

@test "linux.resources.unified is refused on a v1 host" {
	is_runc && skip "runc ignores unified on v1 with a warning"
	update_config '.linux.resources.unified = {"memory.high": "1000000"}'
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.resources.unified"* ]]
	assert_nothing_left
}
