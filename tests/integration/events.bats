#!/usr/bin/env bats
# events: `--stats` checked field by field against config.json's limits and a running process, OOM
# kills reported as they happen, the loop ending when the container stops or on SIGTERM/SIGINT, and
# bad arguments refused with a clear message. Runs on a cgroup v1 (or hybrid) host and, through
# tests/vm/run-in-vm, on cgroup v2 (see .ci/run's vm_files).

load helpers

setup() {
	[ -d /sys/fs/cgroup/memory ] || [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
		skip "no memory cgroup controller on this host"
	setup_bundle
	# The memory, pids and cpu limits every test's stats are checked against.
	update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}
		| .linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000}'
}

teardown() {
	# Background `events` processes first: they hold nothing of the container, but must not outlive
	# the test.
	kill_bgpids
	common_teardown
}

is_v2() { [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; }

# The file holding the container's OOM kill counter, from its init's memory cgroup on the host (v1
# memory.oom_control, v2 memory.events); taken while the init runs.
oom_counter_file() {
	local pid p
	pid="$(rt state "$ID" | jq -r .pid)"
	if is_v2; then
		p="$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")"
		echo "/sys/fs/cgroup$p/memory.events"
	else
		p="$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup")"
		echo "/sys/fs/cgroup/memory$p/memory.oom_control"
	fi
}

run_detached_ok() {
	ctr_run_detached --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "run -d failed ($status): $output" >&2; return 1; }
}

# events_bg ARGS...: `events ARGS... $ID` in the background, stdout to $EV_OUT, stderr to $EV_ERR;
# its pid in $EV_PID.
events_bg() {
	EV_OUT="$BATS_TEST_TMPDIR/events.out"
	EV_ERR="$BATS_TEST_TMPDIR/events.err"
	# Gone before the job starts: its redirection truncates them only once it runs.
	rm -f "$EV_OUT" "$EV_ERR"
	"$HUSK_RUNTIME" --root "$ROOT" events "$@" "$ID" >"$EV_OUT" 2>"$EV_ERR" 3>&- &
	EV_PID=$!
	echo "$EV_PID" >>"$BATS_TEST_TMPDIR/bgpids"
}

# wait_exit PID TRIES: wait (0.1 s a try) for a background job to end; its status in $EV_STATUS.
wait_exit() {
	local pid="$1" tries="$2" i
	for ((i = 0; i < tries; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			EV_STATUS=0
			wait "$pid" || EV_STATUS=$?
			return 0
		fi
		sleep 0.1
	done
	echo "events (pid $pid) still running after $((tries / 10)) s" >&2
	return 1
}

@test "events --stats: one stats object, its fields matching config.json and the running processes" {
	# Three processes (sh and two sleeps), and some CPU burnt before they settle.
	set_args sh -c 'i=0; while [ $i -lt 30000 ]; do i=$((i + 1)); done; sleep 100 & sleep 100 & echo ready; wait'
	run_detached_ok
	wait_for_file "$CTR_OUT"
	run rt events --stats "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	s="$output"
	[ "$(jq -r .type <<<"$s")" = stats ]
	[ "$(jq -r .id <<<"$s")" = "$ID" ]
	# config.json's limits
	[ "$(jq .data.memory.usage.limit <<<"$s")" = 67108864 ]
	[ "$(jq .data.pids.limit <<<"$s")" = 50 ]
	# the running processes
	[ "$(jq .data.pids.current <<<"$s")" = 3 ]
	[ "$(jq .data.memory.usage.usage <<<"$s")" -gt 0 ]
	[ "$(jq .data.memory.usage.failcnt <<<"$s")" -ge 0 ]
	[ "$(jq '.data.memory.raw | length' <<<"$s")" -gt 5 ]
	# The busy loop ran under a 50% quota: usage counted, and the quota's periods too.
	[ "$(jq .data.cpu.usage.total <<<"$s")" -gt 1000000 ]
	[ "$(jq .data.cpu.throttling.periods <<<"$s")" -gt 0 ]
	jq -e '.data.cpu.usage | has("kernel") and has("user")' <<<"$s"
	# runc's other members are there, with its types
	jq -e '.data.cpuset | has("cpu_exclusive") and has("sched_relax_domain_level")' <<<"$s"
	jq -e '.data.memory | (.swap | has("limit")) and (.kernel | has("failcnt")) and (.kernelTCP | has("limit"))' <<<"$s"
	jq -e '.data.blkio | type == "object"' <<<"$s"
	jq -e '.data.hugetlb | type == "object"' <<<"$s"
	jq -e '.data.intel_rdt == {} and .data.network_interfaces == null' <<<"$s"
	if ! is_v2; then
		# v1: per-cpu usage, one entry per possible cpu, summing to the total
		[ "$(jq '.data.cpu.usage.percpu | length' <<<"$s")" -eq "$(tr ',' '\n' </sys/devices/system/cpu/possible | awk -F- '{ n += ($2 == "" ? 1 : $2 - $1 + 1) } END { print n }')" ]
		[ "$(jq '.data.cpu.usage.percpu | add' <<<"$s")" = "$(jq .data.cpu.usage.total <<<"$s")" ]
	fi
}

@test "events --stats: a memory limit changed by update is what the next stats say" {
	set_args sleep 100
	run_detached_ok
	run rt update --memory 50331648 "$ID"
	[ "$status" -eq 0 ]
	run rt events --stats "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq .data.memory.usage.limit <<<"$output")" = 50331648 ]
}

@test "events --stats: hugetlb, one entry per page size, where the container has a hugetlb cgroup" {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages on this kernel"
	if is_v2; then
		grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers || skip "no hugetlb controller"
	else
		[ -e /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes ] ||
			skip "no v1 hugetlb hierarchy (a hybrid host's hugetlb is in its v2 tree, which carries no resources)"
	fi
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	set_args sleep 100
	run_detached_ok
	run rt events --stats "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	# Nothing used: usage and max left out (omitempty), failcnt always there.
	jq -e '.data.hugetlb["2MB"] == {"failcnt": 0}' <<<"$output"
	# Every page size the kernel has, as runc lists them.
	[ "$(jq '.data.hugetlb | length' <<<"$output")" -eq "$(ls -d /sys/kernel/mm/hugepages/hugepages-* | wc -l)" ]
}

@test "events: an OOM kill is reported as an oom event, stats keep coming" {
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	# The hog starts once events is watching (the file appears), is killed, and the container lives on.
	set_args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; head -c 200m /dev/zero | tail >/dev/null; echo "rc=$?"; sleep 100'
	run_detached_ok
	counter="$(oom_counter_file)"
	events_bg --interval 300ms
	# Its first line says it watches.
	wait_for_file "$EV_OUT" 150
	touch "$BUNDLE/rootfs/tmp/go"
	# Up to 30 s: near its limit the cgroup reclaims before the OOM killer acts (see cgroups_v1.bats).
	for _ in $(seq 300); do grep -q rc= "$CTR_OUT" && grep -q '"type":"oom"' "$EV_OUT" && break; sleep 0.1; done
	cut -c1-120 "$EV_OUT"
	cat "$EV_ERR" "$CTR_OUT"
	grep -qx 'rc=137' "$CTR_OUT"
	grep -qx "{\"type\":\"oom\",\"id\":\"$ID\"}" "$EV_OUT"
	# One event per kill, as the kernel counts them (runc 1.1 sends one per eventfd wake-up,
	# several per kill); and the loop goes on with stats.
	kills="$(awk '$1 == "oom_kill" { print $2 }' "$counter")"
	echo "oom_kill: $kills; container: $(container_status)"
	[ "$kills" -ge 1 ]
	is_runc || [ "$(grep -c '"type":"oom"' "$EV_OUT")" -eq "$kills" ]
	n="$(grep -c '"type":"stats"' "$EV_OUT")"
	for _ in $(seq 50); do [ "$(grep -c '"type":"stats"' "$EV_OUT")" -gt "$n" ] && break; sleep 0.1; done
	[ "$(grep -c '"type":"stats"' "$EV_OUT")" -gt "$n" ]
	kill -0 "$EV_PID"
}

@test "events: the loop ends (exit 0) when the container stops" {
	is_runc && skip "runc 1.1 on cgroup v1 ends only when the cgroup is removed (delete)"
	# It exits once events is in its loop (its first line is out, then the file appears): a fixed
	# lifetime could end before events starts on a slow machine (the test VM).
	set_args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; sleep 0.5'
	run_detached_ok
	events_bg --interval 200ms
	wait_for_file "$EV_OUT" 150
	touch "$BUNDLE/rootfs/tmp/go"
	wait_exit "$EV_PID" 150
	cat "$EV_ERR"
	[ "$EV_STATUS" -eq 0 ]
	# Whole lines, each a stats object.
	[ "$(grep -c . "$EV_OUT")" -ge 2 ]
	jq -e -s 'all(.type == "stats")' "$EV_OUT"
	# And a stopped container is refused, with runc's words.
	wait_for_status stopped
	run rt events "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container with id $ID is not running"* ]]
	run rt events --stats "$ID"
	[ "$status" -eq 1 ]
}

@test "events: delete --force of the container ends the loop" {
	set_args sleep 100
	run_detached_ok
	events_bg --interval 1s
	sleep 0.3
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	wait_exit "$EV_PID" 100
	[ "$EV_STATUS" -eq 0 ]
}

@test "events: a container without linux.resources (on v2 maybe no memory controller) is watched too" {
	update_config 'del(.linux.resources)'
	set_args sleep 100
	run_detached_ok
	run rt events --stats "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq .data.pids.current <<<"$output")" = 1 ]
	events_bg --interval 200ms
	wait_for_file "$EV_OUT" 150
	# runc 1.1 ends when the cgroup goes (delete), husk-runtime when the init does.
	if is_runc; then
		run rt delete --force "$ID"
	else
		run rt kill "$ID" KILL
	fi
	[ "$status" -eq 0 ]
	wait_exit "$EV_PID" 100
	cat "$EV_ERR"
	[ "$EV_STATUS" -eq 0 ]
}

@test "events: SIGTERM and SIGINT end it cleanly (exit 0, whole lines)" {
	set_args sleep 100
	run_detached_ok
	local sig sigs=(TERM INT)
	# A background job of a non-interactive shell starts with SIGINT ignored: Go (runc) keeps it so,
	# husk-runtime blocks it into its signalfd and still sees it.
	is_runc && sigs=(TERM)
	for sig in "${sigs[@]}"; do
		events_bg --interval 100ms
		# Its first line: the signals are in its signalfd by then.
		wait_for_file "$EV_OUT" 150
		kill -s "$sig" "$EV_PID"
		wait_exit "$EV_PID" 50
		echo "SIG$sig: status $EV_STATUS"
		is_runc || [ "$EV_STATUS" -eq 0 ]
		is_runc || jq -e -s 'length >= 1 and all(.type == "stats")' "$EV_OUT"
	done
	# The container is untouched.
	[ "$(container_status)" = running ]
}

@test "events --interval: Go durations accepted; a bad one, zero or negative refused" {
	set_args sleep 100
	run_detached_ok
	local d
	for d in 1s 500ms 2m 1h30m 1.5s 100us; do
		run rt events --stats --interval "$d" "$ID"
		[ "$status" -eq 0 ] || { echo "--interval $d: $output" >&2; return 1; }
	done
	run rt events --interval abc "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *'invalid value "abc" for flag -interval'* ]]
	run rt events --interval 5 "$ID" # Go wants a unit
	[ "$status" -eq 1 ]
	[[ "$output" == *'invalid value "5" for flag -interval'* ]]
	for d in 0 0s -1s; do
		run rt events --interval "$d" "$ID"
		[ "$status" -eq 1 ]
		[[ "$output" == *"duration interval must be greater than 0"* ]]
	done
}

@test "events: an unknown id and a missing id are refused" {
	run rt events "$TEST_PREFIX-nosuch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not exist"* ]]
	run rt events --stats "$TEST_PREFIX-nosuch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not exist"* ]]
	run rt events
	[ "$status" -eq 1 ]
}
