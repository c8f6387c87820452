#!/usr/bin/env bats
# containerd as a client: `ctr run --runc-binary $HUSK_RUNTIME` through the runc v2 shim, which calls
# the runtime as runc (create/start/state/kill/delete/pause/resume/ps/exec with --root, --log and
# --log-format json; ../shared/reference/client-calls). Each check passes with runc too
# (HUSK_RUNTIME=runc). The harness is containerd.bash: one private containerd per run of this file.

load helpers
load containerd

setup_file() {
	local missing
	if missing="$(containerd_missing)"; then
		return 0
	fi
	containerd_setup_file
}

teardown_file() {
	containerd_teardown_file
}

setup() {
	local missing
	if missing="$(containerd_missing)"; then
		skip "$missing is not installed (apt-get install containerd umoci)"
	fi
	containerd_vars "$(cat "$BATS_FILE_TMPDIR/ctrd-dir")"
	ID="$TEST_PREFIX-$BATS_SUITE_TEST_NUMBER-$$"
}

teardown() {
	containerd_clean_tasks
}

is_v2() { [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; }

# task_field ID COLUMN: a column of `ctr task ls` for the task (2: PID, 3: STATUS).
task_field() {
	ctr task ls | awk -v id="$1" -v c="$2" '$1 == id { print $c }'
}

# wait_task_status ID STATUS: up to 10 s.
wait_task_status() {
	local i s
	for i in $(seq 100); do
		s="$(task_field "$1" 3)"
		[ "$s" = "$2" ] && return 0
		sleep 0.1
	done
	echo "task $1 is '$s', not $2 after 10 s" >&2
	return 1
}

# The container's cgroup directory for CONTROLLER on the host (ctr's cgroupsPath: /<namespace>/<id>).
task_cgroup() {
	if is_v2; then
		echo "/sys/fs/cgroup/$CTRD_NS/$ID"
	else
		echo "/sys/fs/cgroup/$1/$CTRD_NS/$ID"
	fi
}

# The runtime's own view of the container, through the root the shim gave it (--runc-root + namespace).
runtime_state() {
	"$HUSK_RUNTIME" --root "$CTRD_RUNTIME_ROOT/$CTRD_NS" state "$ID"
}

@test "containerd: ctr run prints the process's stdout and returns its exit code" {
	run ctr_run --rm "$CTRD_IMAGE" "$ID" sh -c 'echo hello-from-sh; echo to-stderr >&2; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"hello-from-sh"* ]]
	[[ "$output" == *"to-stderr"* ]]
	run ctr_run --rm "$CTRD_IMAGE" "$ID" true
	[ "$status" -eq 0 ]
	# --rm removed the container, the runtime's state and the cgroup.
	run ctr containers ls -q
	[ -z "$output" ]
	run runtime_state
	[ "$status" -ne 0 ]
	[ ! -d "$(task_cgroup memory)" ]
}

@test "containerd: ctr run --cwd and --env: a working directory missing from the image is created" {
	run ctr_run --rm --cwd /work/dir --env HUSK_X=y "$CTRD_IMAGE" "$ID" sh -c 'pwd; echo "$HUSK_X"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = $'/work/dir\ny' ]
}

@test "containerd: ctr run -t gives the process a terminal" {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	run timeout 60 script -qec "ctr --address $CTRD_SOCK --namespace $CTRD_NS run --rm -t \
		--runc-binary $HUSK_RUNTIME --runc-root $CTRD_RUNTIME_ROOT --fifo-dir $CTRD_DIR/fifo $CTRD_IMAGE $ID \
		sh -c 'tty; test -t 0 && echo stdin-is-a-tty; exit 5'" /dev/null
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"stdin-is-a-tty"* ]]
}

@test "containerd: ctr run --null-io: the process can write to its stdout and stderr" {
	# The shim hands the runtime its /dev/null opened read-only as every stdio fd.
	mkdir -p "$BATS_TEST_TMPDIR/m"
	run ctr_run --rm --null-io --mount "type=bind,src=$BATS_TEST_TMPDIR/m,dst=/m,options=rbind:rw" \
		"$CTRD_IMAGE" "$ID" sh -c 'echo out; echo "stdout=$?" >/m/r; echo err >&2; echo "stderr=$?" >>/m/r'
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(cat "$BATS_TEST_TMPDIR/m/r")" = $'stdout=0\nstderr=0' ]
}

@test "containerd: a detached task is RUNNING, ctr task ps lists its processes, kill stops it" {
	run ctr_run -d "$CTRD_IMAGE" "$ID" sh -c 'trap "exit 7" TERM; sleep 1000 & wait'
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	local pid
	pid="$(task_field "$ID" 2)"
	[ "$(runtime_state | jq -r .status)" = running ]
	[ "$(runtime_state | jq -r .pid)" = "$pid" ]
	# The init and its sleep.
	run ctr task ps "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$pid"* ]]
	[ "$(echo "$output" | awk 'NR > 1' | wc -l)" -eq 2 ]
	# SIGTERM (ctr's default) reaches the init's handler: exit status 7.
	run ctr task kill "$ID"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" STOPPED
	run ctr task delete "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"exit code 7"* ]]
	run ctr containers delete "$ID"
	[ "$status" -eq 0 ]
	run runtime_state
	[ "$status" -ne 0 ]
	[ ! -d "$(task_cgroup memory)" ]
}

@test "containerd: ctr task exec runs a process in the task: stdout, exit code, namespaces, cgroup, --user, --cwd" {
	run ctr_run -d "$CTRD_IMAGE" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	run ctr task exec --fifo-dir "$CTRD_DIR/fifo" --exec-id e1 "$ID" sh -c 'echo "pid1=$(cat /proc/1/comm)"; exit 4'
	echo "$output"
	[ "$status" -eq 4 ]
	[ "$output" = "pid1=sleep" ]
	# The task's cgroup (the memory controller's line on v1, the only line on v2).
	run ctr task exec --fifo-dir "$CTRD_DIR/fifo" --exec-id e2 --user 1000 --cwd /tmp "$ID" \
		sh -c 'id -u; pwd; grep -E "^0::|:memory:" /proc/self/cgroup'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = /tmp ]
	[[ "${lines[2]}" == *":/$CTRD_NS/$ID" ]]
	# A detached exec is one more process of the task for ctr task ps.
	run ctr task exec --fifo-dir "$CTRD_DIR/fifo" --detach --exec-id e3 "$ID" sleep 1000
	[ "$status" -eq 0 ]
	run ctr task ps "$ID"
	echo "$output"
	[ "$(echo "$output" | awk 'NR > 1' | wc -l)" -eq 2 ]
	[[ "$output" == *e3* ]]
}

@test "containerd: ctr task exec -t gives the process a terminal" {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	run ctr_run -d "$CTRD_IMAGE" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	run timeout 60 script -qec "ctr --address $CTRD_SOCK --namespace $CTRD_NS task exec -t \
		--fifo-dir $CTRD_DIR/fifo --exec-id t1 $ID sh -c 'tty; test -t 0 && echo stdin-is-a-tty; exit 6'" /dev/null
	echo "$output"
	[ "$status" -eq 6 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *"stdin-is-a-tty"* ]]
}

@test "containerd: ctr task kill --all kills every process of the task" {
	run ctr_run -d "$CTRD_IMAGE" "$ID" sh -c 'sleep 1000 & sleep 1000 & wait'
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	run ctr task kill --all --signal SIGKILL "$ID"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" STOPPED
	run ctr task delete "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"exit code 137"* ]]
}

@test "containerd: a task with --memory-limit gets the limit on its cgroup" {
	run ctr_run -d --memory-limit 33554432 "$CTRD_IMAGE" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	local cg pid
	cg="$(task_cgroup memory)"
	pid="$(task_field "$ID" 2)"
	if is_v2; then
		[ "$(cat "$cg/memory.max")" = 33554432 ]
	else
		[ "$(cat "$cg/memory.limit_in_bytes")" = 33554432 ]
	fi
	grep -qx "$pid" "$cg/cgroup.procs"
	# The shim reads the task's metrics from the same cgroup.
	run ctr task metrics "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *memory* ]]
	run ctr task kill --signal SIGKILL "$ID"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" STOPPED
}

@test "containerd: ctr run --config: a spec of ctr's with a user and a pids limit" {
	# ctr 1.6 has no --user or --pids-limit: its default spec (ctr oci spec), edited, on a rootfs of
	# our own (with --config ctr takes no image).
	local rootfs="$BATS_TEST_TMPDIR/rootfs"
	cp -a "$(_rootfs_template)" "$rootfs"
	ctr oci spec | jq --arg r "$rootfs" --arg cg "/$CTRD_NS/$ID" '.root.path = $r
		| .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [1001]} | .process.env = ["PATH=/bin"]
		| .process.args = ["sh", "-c", "id > /tmp/id; exec sleep 1000"]
		| .linux.resources.pids = {"limit": 10} | .linux.cgroupsPath = $cg' >"$BATS_TEST_TMPDIR/spec.json"
	run ctr_run -d --config "$BATS_TEST_TMPDIR/spec.json" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	wait_for_file "$rootfs/tmp/id"
	cat "$rootfs/tmp/id"
	[ "$(cat "$rootfs/tmp/id")" = "uid=1000 gid=1000 groups=1001" ]
	local pid
	pid="$(task_field "$ID" 2)"
	[ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" = 1000 ]
	[ "$(cat "$(task_cgroup pids)/pids.max")" = 10 ]
	grep -qx "$pid" "$(task_cgroup pids)/cgroup.procs"
	run ctr task kill --signal SIGKILL "$ID"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" STOPPED
}

@test "containerd: ctr task pause freezes the task, resume thaws it" {
	run ctr_run -d "$CTRD_IMAGE" "$ID" sh -c 'while :; do date +%s%N >/tmp/tick; sleep 0.05; done'
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	run ctr task pause "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" PAUSED
	[ "$(runtime_state | jq -r .status)" = paused ]
	if is_v2; then
		[ "$(cat "$(task_cgroup x)/cgroup.freeze")" = 1 ]
	else
		[ "$(cat "$(task_cgroup freezer)/freezer.state")" = FROZEN ]
	fi
	run ctr task resume "$ID"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	[ "$(runtime_state | jq -r .status)" = running ]
	run ctr task kill --signal SIGKILL "$ID"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" STOPPED
}

@test "containerd: ctr task kill -s KILL of a paused task stops it" {
	run ctr_run -d "$CTRD_IMAGE" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	wait_task_status "$ID" RUNNING
	run ctr task pause "$ID"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" PAUSED
	run ctr task kill --signal SIGKILL "$ID"
	[ "$status" -eq 0 ]
	wait_task_status "$ID" STOPPED
	run ctr task delete "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"exit code 137"* ]]
}

@test "containerd: with ctr's spec the container sees no cgroup filesystem (ctr mounts none)" {
	run ctr_run --rm "$CTRD_IMAGE" "$ID" sh -c 'ls /sys/fs/cgroup | wc -l'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}
