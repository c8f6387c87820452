#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup): the container's cgroup is a transient scope (or slice)
# that systemd makes over D-Bus, with the limits as unit properties and in the cgroup files; update
# sets both; delete stops the unit. The driver's tests need systemd as PID 1 on a cgroup v2 host: run
# them in the test VM booted with systemd (HUSK_VM_SYSTEMD=1 tests/vm/run-in-vm BUILD_DIR
# tests/integration/cgroups_systemd.bats); elsewhere they skip. The refusals run anywhere.

load helpers

# The helpers' rt, with --systemd-cgroup once need_systemd has set SD_FLAG (podman and containerd pass
# it to every command, as here).
rt() {
	timeout -k 5 "${RT_TIMEOUT:-60}" "$HUSK_RUNTIME" --root "$ROOT" ${SD_FLAG:-} "$@"
}

# The scope of $ID under the default cgroupsPath (system.slice:husk:<id>).
scope() { echo "husk-$ID.scope"; }

need_systemd() {
	[ -d /run/systemd/system ] && [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
		skip "needs systemd as PID 1 on a cgroup v2 host: HUSK_VM_SYSTEMD=1 tests/vm/run-in-vm"
	is_runc && skip "the checks name husk's unit and messages"
	SD_FLAG=--systemd-cgroup
	add_ns cgroup
	# Teardown stops what a failed test left.
	echo "$(scope)" >>"$BATS_TEST_TMPDIR/units"
}

# prop NAME [UNIT]: one property of the unit, as systemctl shows it.
prop() {
	systemctl show -P "$1" "${2:-$(scope)}"
}

# Lighter than common_teardown: in the emulated VM its /proc walk costs 10-20 s per call.
teardown() {
	local id
	for id in "$ID" $(cat "$BATS_TEST_TMPDIR/ids" 2>/dev/null); do
		timeout 20 "$HUSK_RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$BUNDLE" "$ROOT"
	local u
	if [ -f "$BATS_TEST_TMPDIR/units" ]; then
		for u in $(sort -u "$BATS_TEST_TMPDIR/units"); do
			systemctl stop "$u" >/dev/null 2>&1 || true
			systemctl reset-failed "$u" >/dev/null 2>&1 || true
		done
	fi
}

set_resources() {
	update_config '.linux.resources = ((.linux.resources // {}) * $r)' --argjson r "$1"
}

@test "systemd: refused with a clear error when systemd is not PID 1, nothing left" {
	[ -d /run/systemd/system ] && skip "systemd is PID 1 here"
	is_runc && skip "runc's message differs"
	run rt --systemd-cgroup run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"--systemd-cgroup: systemd is not running as init on this host (no /run/systemd/system)"* ]]
	[ ! -e "$ROOT/$ID" ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "systemd: a malformed cgroupsPath is refused naming the argument and the field" {
	is_runc && skip "runc's message differs"
	update_config '.linux.cgroupsPath = "system.slice:husk"'
	run rt --systemd-cgroup run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *'--systemd-cgroup: linux.cgroupsPath "system.slice:husk": expected the systemd form "slice:prefix:name"'* ]]
	update_config '.linux.cgroupsPath = "a--b.slice:husk:x"'
	run rt --systemd-cgroup run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *'"a--b.slice:husk:x": the slice (the first field) is not a valid slice name'* ]]
	update_config '.linux.cgroupsPath = "system.slice:husk:"'
	run rt --systemd-cgroup run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *'the name (the third field) is empty'* ]]
	# Refused before anything was made.
	[ ! -e "$ROOT/$ID" ]
}

@test "systemd: create makes a delegated scope with the limits as properties, in the files and inside" {
	need_systemd
	set_resources '{
		"memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296},
		"pids": {"limit": 40},
		"cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0"}
	}'
	set_args sh -c 'cat /proc/self/cgroup; cd /sys/fs/cgroup && cat memory.max pids.max cpu.max; sleep 100'
	create_ok
	# The scope exists from create on, holding the container's init.
	[ "$(prop ActiveState)" = active ]
	[ "$(prop Delegate)" = yes ]
	[ "$(prop Slice)" = system.slice ]
	[ "$(prop Description)" = "husk container $ID" ]
	[ "$(prop ControlGroup)" = "/system.slice/$(scope)" ]
	[ "$(prop MemoryMax)" = 67108864 ]
	[ "$(prop MemoryLow)" = 33554432 ]
	[ "$(prop MemorySwapMax)" = 33554432 ]
	[ "$(prop TasksMax)" = 40 ]
	[ "$(prop CPUWeight)" = 39 ]
	[ "$(prop CPUQuotaPerSecUSec)" = 500ms ]
	[ "$(prop CPUQuotaPeriodUSec)" = 100ms ]
	[ "$(prop AllowedCPUs)" = 0 ]
	pid="$(rt state "$ID" | jq -r .pid)"
	[ "$(cat "/proc/$pid/cgroup")" = "0::/system.slice/$(scope)" ]
	[ "$(jq -r .husk.systemd_unit "$ROOT/$ID/state.json")" = "$(scope)" ]
	cg="/sys/fs/cgroup/system.slice/$(scope)"
	[ "$(cat "$cg/memory.max")" = 67108864 ]
	[ "$(cat "$cg/memory.low")" = 33554432 ]
	[ "$(cat "$cg/memory.swap.max")" = 33554432 ]
	[ "$(cat "$cg/pids.max")" = 40 ]
	[ "$(cat "$cg/cpu.weight")" = 39 ]
	[ "$(cat "$cg/cpu.max")" = "50000 100000" ]
	[ "$(cat "$cg/cpuset.cpus")" = 0 ]
	run rt start "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	wait_for_file "$CTR_OUT"
	for _ in $(seq 50); do [ "$(wc -l <"$CTR_OUT")" -ge 4 ] && break; sleep 0.1; done
	# Inside, with its cgroup namespace: itself at /, the same limits.
	[ "$(cat "$CTR_OUT")" = "0::/
67108864
40
50000 100000" ]
}

@test "systemd: update sets the unit's properties and the files; pause, ps and kill --all work" {
	need_systemd
	set_resources '{"memory": {"limit": 67108864}, "pids": {"limit": 40}}'
	set_args sleep 100
	start_ok
	run rt update --memory 134217728 --pids-limit 50 --cpu-quota 20000 --cpu-period 100000 "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(prop MemoryMax)" = 134217728 ]
	[ "$(prop TasksMax)" = 50 ]
	[ "$(prop CPUQuotaPerSecUSec)" = 200ms ]
	cg="/sys/fs/cgroup/system.slice/$(scope)"
	[ "$(cat "$cg/memory.max")" = 134217728 ]
	[ "$(cat "$cg/pids.max")" = 50 ]
	[ "$(cat "$cg/cpu.max")" = "20000 100000" ]
	# systemd realises the unit again on a reload: the files must still hold the limits then.
	systemctl daemon-reload
	[ "$(cat "$cg/memory.max")" = 134217728 ]
	[ "$(cat "$cg/pids.max")" = 50 ]
	run rt pause "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$cg/cgroup.freeze")" = 1 ]
	run rt resume "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	pid="$(rt state "$ID" | jq -r .pid)"
	run rt ps "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"$pid"* ]]
	run rt kill --all "$ID" KILL
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	wait_for_status stopped
}

@test "systemd: delete stops the scope and removes its cgroup; a foreground run leaves nothing" {
	need_systemd
	set_args sleep 100
	start_ok
	[ "$(prop ActiveState)" = active ]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(prop LoadState)" = not-found ]
	[ ! -d "/sys/fs/cgroup/system.slice/$(scope)" ]
	set_args true
	run_ctr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(prop LoadState)" = not-found ]
	[ ! -d "/sys/fs/cgroup/system.slice/$(scope)" ]
	# A container that exited on its own: systemd has removed the empty scope already; delete
	# still works.
	set_args true
	start_ok
	wait_for_status stopped
	run rt delete "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(prop LoadState)" = not-found ]
	[ ! -e "$ROOT/$ID" ]
}

@test "systemd: a create that fails after the scope was made stops it again" {
	need_systemd
	# Refused by the kernel when the v2 backend writes it, after systemd made the scope.
	set_resources '{"unified": {"memory.max": "not-a-number"}}'
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"memory.max"* ]]
	[ "$(prop LoadState)" = not-found ]
	[ ! -d "/sys/fs/cgroup/system.slice/$(scope)" ]
	[ ! -e "$ROOT/$ID" ]
}

@test "systemd: a custom slice and prefix, and a slice unit as the container's cgroup" {
	need_systemd
	local slice="system-${TEST_PREFIX}$$.slice" unit="${TEST_PREFIX}x-$ID.scope"
	echo "$unit" >>"$BATS_TEST_TMPDIR/units"
	echo "$slice" >>"$BATS_TEST_TMPDIR/units"
	update_config '.linux.cgroupsPath = $p' --arg p "$slice:${TEST_PREFIX}x:$ID"
	set_args sleep 100
	start_ok
	[ "$(prop ControlGroup "$unit")" = "/system.slice/$slice/$unit" ]
	[ "$(prop Slice "$unit")" = "$slice" ]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(prop LoadState "$unit")" = not-found ]
	systemctl stop "$slice"

	# name ending in .slice: the container's cgroup is that slice (no PIDs at creation: the
	# intermediate is born in it).
	update_config '.linux.cgroupsPath = $p' --arg p "system.slice::$slice"
	start_ok
	[ "$(prop ActiveState "$slice")" = active ]
	[ "$(prop Wants "$slice")" = system.slice ]
	pid="$(rt state "$ID" | jq -r .pid)"
	[ "$(cat "/proc/$pid/cgroup")" = "0::/system.slice/$slice" ]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# Stopped; systemd unloads the transient unit when it next collects garbage.
	state="$(prop ActiveState "$slice")"
	[ "$state" = inactive ] || { echo "$slice is $state"; false; }
	[ ! -d "/sys/fs/cgroup/system.slice/$slice" ]
}
