#!/usr/bin/env bats
# cgroup v2 (unified): every limit set, read back from the host (/sys/fs/cgroup/<path>) and from inside
# the container (its cgroup namespace's /sys/fs/cgroup), enforced where that is quick to show; the eBPF
# device filter; pause/resume with cgroup.freeze; kill --all with cgroup.kill; nothing left after
# delete. Runs inside the test VM (tests/vm/run-in-vm BUILD_DIR tests/integration/cgroups_v2.bats);
# elsewhere (a v1 or hybrid host) every test skips. Timing checks have wide margins: the VM is
# software-emulated.

load helpers

setup() {
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
		skip "needs a cgroup v2 host (/sys/fs/cgroup is not cgroup2): run it in tests/vm/run-in-vm"
	setup_bundle
	# The container sees its own cgroup at /sys/fs/cgroup (runc's default spec has the namespace).
	add_ns cgroup
}

# The container's cgroup directory on the host, from its init's /proc/PID/cgroup ("0::/husk/ID").
# Remembered for teardown.
cg_dir() {
	local pid p
	pid="$(rt state "$ID" | jq -r .pid)"
	p="$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")"
	[ -n "$p" ] && [ "$p" != / ] || {
		echo "no cgroup v2 path for pid $pid" >&2
		return 1
	}
	echo "/sys/fs/cgroup$p" >>"$BATS_TEST_TMPDIR/cgdirs"
	echo "/sys/fs/cgroup$p"
}

teardown() {
	local d
	if [ -f "$BATS_TEST_TMPDIR/cgdirs" ]; then
		for d in $(sort -u "$BATS_TEST_TMPDIR/cgdirs"); do
			[ -f "$d/cgroup.freeze" ] && echo 0 >"$d/cgroup.freeze" 2>/dev/null
			[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
		done
	fi
	common_teardown
	if [ -f "$BATS_TEST_TMPDIR/cgdirs" ]; then
		for d in $(sort -u "$BATS_TEST_TMPDIR/cgdirs"); do
			for _ in $(seq 50); do
				[ -d "$d" ] || break
				rmdir "$d" 2>/dev/null && break
				sleep 0.1
			done
		done
	fi
}

# set_resources JSON: linux.resources (merged into what the spec has: its device list).
set_resources() {
	update_config '.linux.resources = ((.linux.resources // {}) * $r)' --argjson r "$1"
}

fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }

@test "v2: memory, pids, cpu, cpuset and unified limits are written, host and container agree" {
	set_resources '{
		"memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296},
		"pids": {"limit": 40},
		"cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
		"unified": {"memory.high": "60000000"}
	}'
	set_args sh -c 'cd /sys/fs/cgroup && cat memory.max memory.low memory.swap.max pids.max cpu.weight cpu.max cpuset.cpus memory.high; sleep 100'
	start_ok
	wait_for_status running
	cg="$(cg_dir)"
	[ "$(cat "$cg/memory.max")" = 67108864 ]
	[ "$(cat "$cg/memory.low")" = 33554432 ]
	# the spec's swap is memory+swap; v2's memory.swap.max is the swap alone
	[ "$(cat "$cg/memory.swap.max")" = 33554432 ]
	[ "$(cat "$cg/pids.max")" = 40 ]
	# 1 + (1024 - 2) * 9999 / 262142
	[ "$(cat "$cg/cpu.weight")" = 39 ]
	[ "$(cat "$cg/cpu.max")" = "50000 100000" ]
	[ "$(cat "$cg/cpuset.cpus")" = 0 ]
	[ "$(cat "$cg/memory.high")" = 59998208 ] || [ "$(cat "$cg/memory.high")" = 60000000 ]
	# the parent enables exactly what its children need
	for c in memory pids cpu cpuset; do
		grep -qw "$c" "$(dirname "$cg")/cgroup.subtree_control"
	done
	wait_for_file "$CTR_OUT"
	for _ in $(seq 50); do [ "$(wc -l <"$CTR_OUT")" -ge 8 ] && break; sleep 0.1; done
	run cat "$CTR_OUT"
	[ "${lines[0]}" = 67108864 ]
	[ "${lines[1]}" = 33554432 ]
	[ "${lines[2]}" = 33554432 ]
	[ "${lines[3]}" = 40 ]
	[ "${lines[4]}" = 39 ]
	[ "${lines[5]}" = "50000 100000" ]
	[ "${lines[6]}" = 0 ]
}

@test "v2: a memory hog is OOM-killed and memory.events counts it" {
	set_resources '{"memory": {"limit": 33554432, "swap": 33554432}}'
	# tail keeps a line that never ends (no newline in /dev/zero): it grows until the limit.
	set_args sh -c 'head -c 200000000 /dev/zero | tail -c 100000000 >/dev/null; echo "rc=$?"; grep oom_kill /sys/fs/cgroup/memory.events'
	run_ctr
	[ "$status" -eq 0 ]
	[[ "$output" == *"rc=137"* ]]
	[[ "$output" == *"oom_kill 1"* ]] || [[ "$output" == *"oom_kill 2"* ]]
	assert_nothing_left
}

@test "v2: a fork bomb stops at pids.max" {
	set_resources '{"pids": {"limit": 10}}'
	# busybox sh exits at a failed fork: the bomb runs in a subshell, the outer shell reports.
	set_args sh -c '(for i in $(seq 30); do sleep 30 & done) 2>/dev/null; echo "bomb=$?"; cat /sys/fs/cgroup/pids.current /sys/fs/cgroup/pids.events; echo done'
	run_ctr
	echo "$output"
	[[ "$output" == *"done"* ]]
	[[ "$output" != *"bomb=0"* ]]
	# the outer sh, the sleeps that got a pid, and cat: never past the limit
	[ "$(echo "$output" | grep -E '^[0-9]+$' | head -1)" -le 10 ]
	# the kernel counted refused forks
	echo "$output" | grep -Eq '^max [1-9]'
}

@test "v2: a busy loop is held near its cpu.max quota" {
	set_resources '{"cpu": {"quota": 10000, "period": 100000}}'
	set_args sh -c 'while :; do :; done'
	start_ok
	wait_for_status running
	cg="$(cg_dir)"
	u0="$(awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat")"
	t0="$(date +%s%N)"
	sleep 2
	u1="$(awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat")"
	t1="$(date +%s%N)"
	wall_us=$(((t1 - t0) / 1000))
	used_us=$((u1 - u0))
	echo "used $used_us us of $wall_us us wall"
	# 10% quota; allow up to 30% for emulation noise, and it must have run at all
	[ "$used_us" -gt 0 ]
	[ "$used_us" -lt $((wall_us * 30 / 100)) ]
	[ "$(awk '$1 == "nr_throttled" { print $2 }' "$cg/cpu.stat")" -gt 0 ]
}

@test "v2: the eBPF device filter denies a device without a rule and allows it with one" {
	update_config '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]'
	# write-only open of /dev/kmsg needs no capability, so only the device filter decides
	set_args sh -c 'echo husk-v2-denied >/dev/kmsg && echo opened; echo ok >/dev/null && echo null-ok'
	run_ctr
	echo "$output"
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" != *"opened"* ]]
	[[ "$output" == *"null-ok"* ]]

	ID="$ID-b"
	set_resources '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]}'
	set_args sh -c 'echo husk-v2-allowed-$$ >/dev/kmsg && echo opened; cat /dev/kmsg'
	run_ctr
	echo "$output"
	[[ "$output" == *"opened"* ]]
	# "w" only: reading it is still denied
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "v2: update changes memory, pids and cpu limits of a running container" {
	set_resources '{"memory": {"limit": 67108864}, "pids": {"limit": 40}}'
	set_args sleep 100
	start_ok
	wait_for_status running
	cg="$(cg_dir)"
	run rt update --memory 134217728 --pids-limit 50 --cpu-quota 20000 --cpu-period 100000 --cpu-shares 512 "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$cg/memory.max")" = 134217728 ]
	[ "$(cat "$cg/pids.max")" = 50 ]
	[ "$(cat "$cg/cpu.max")" = "20000 100000" ]
	[ "$(cat "$cg/cpu.weight")" = 20 ]
	run rt update --cpu-period 50000 "$ID"
	[ "$status" -eq 0 ]
	# the period alone keeps the quota
	[ "$(cat "$cg/cpu.max")" = "20000 50000" ]
}

@test "v2: pause freezes a busy loop (cgroup.freeze), resume restarts it" {
	set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i >>/tmp/count; done'
	start_ok
	wait_for_status running
	cg="$(cg_dir)"
	counter="$BUNDLE/rootfs/tmp/count"
	for _ in $(seq 50); do [ "$(fsize "$counter")" -gt 0 ] && break; sleep 0.1; done
	run rt pause "$ID"
	[ "$status" -eq 0 ]
	[ "$(container_status)" = paused ]
	[ "$(cat "$cg/cgroup.freeze")" = 1 ]
	grep -qx "frozen 1" "$cg/cgroup.events"
	s0="$(fsize "$counter")"
	sleep 0.5
	[ "$(fsize "$counter")" -eq "$s0" ]
	run rt resume "$ID"
	[ "$status" -eq 0 ]
	[ "$(container_status)" = running ]
	grep -qx "frozen 0" "$cg/cgroup.events"
	for _ in $(seq 50); do [ "$(fsize "$counter")" -gt "$s0" ] && break; sleep 0.1; done
	[ "$(fsize "$counter")" -gt "$s0" ]
}

@test "v2: ps and kill --all reach every process of the cgroup, delete removes it" {
	remove_ns pid
	set_args sh -c 'sleep 100 & sleep 100 & wait'
	start_ok
	wait_for_status running
	cg="$(cg_dir)"
	for _ in $(seq 50); do [ "$(wc -l <"$cg/cgroup.procs")" -ge 3 ] && break; sleep 0.1; done
	[ "$(wc -l <"$cg/cgroup.procs")" -eq 3 ]
	run rt ps --format json "$ID"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq length)" -eq 3 ]
	run rt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do [ -z "$(cat "$cg/cgroup.procs")" ] && break; sleep 0.1; done
	[ -z "$(cat "$cg/cgroup.procs")" ]
	wait_for_status stopped
	run rt delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$cg" ]
	assert_nothing_left
}

@test "v2: io weight and io.max per device" {
	# io.max takes only devices with a request queue: a disk of the machine
	dev="$(awk '$3 ~ /^(vd|sd|nvme[0-9]+n|xvd)[a-z0-9]*$/ && $2 % 16 == 0 { print $1 ":" $2; exit }' /proc/partitions)"
	[ -n "$dev" ] || skip "no disk in /proc/partitions to throttle"
	maj="${dev%:*}" min="${dev#*:}"
	set_resources "$(jq -n --argjson maj "$maj" --argjson min "$min" '{
		blockIO: {weight: 500,
			throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}],
			throttleWriteIOPSDevice: [{major: $maj, minor: $min, rate: 100}]}}')"
	set_args sleep 100
	create_ok
	cg="$(cg_dir)"
	grep -q "^$maj:$min rbps=1048576 wbps=max riops=max wiops=100" "$cg/io.max"
	if [ -f "$cg/io.bfq.weight" ]; then
		grep -qx "default 500" "$cg/io.bfq.weight"
	else
		grep -qx "default 4950" "$cg/io.weight"
	fi
}

@test "v2: a unified key that is not a file of the cgroup is refused, nothing left" {
	update_config '.linux.resources = {"unified": {"../cgroup.procs": "1"}}'
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"../cgroup.procs"* ]]
	[ ! -d "/sys/fs/cgroup/husk/$ID" ]
	update_config '.linux.resources = {"unified": {"nosuch.knob": "1"}}'
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"nosuch.knob"* ]]
	[ ! -d "/sys/fs/cgroup/husk/$ID" ]
}

@test "v2: no cgroup made by the tests is left" {
	run sh -c "find /sys/fs/cgroup -mindepth 1 -type d -name '$TEST_PREFIX*'"
	[ -z "$output" ] || {
		echo "left: $output"
		false
	}
}
