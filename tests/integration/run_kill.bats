#!/usr/bin/env bats
# run (foreground and detached), its exit codes and signal forwarding; kill by name, number, --all.

load helpers

@test "run returns the container's exit code" {
	set_args sh -c 'echo hello; exit 42'
	run_ctr
	[ "$status" -eq 42 ]
	[[ "$output" == *hello* ]]
	assert_nothing_left
}

@test "run of a succeeding process returns 0 and deletes the container" {
	set_args true
	run_ctr
	[ "$status" -eq 0 ]
	assert_nothing_left
}

@test "run returns 128+9 when the container is killed with SIGKILL" {
	set_args sleep 100
	rt run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&- &
	runpid=$!
	wait_for_status running
	rt kill "$ID" KILL
	rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 137 ]
	assert_nothing_left
}

@test "run returns 128+15 when the container is killed with SIGTERM" {
	# An init process ignores signals it has no handler for, even from outside its pid namespace;
	# without a pid namespace, sleep dies of SIGTERM.
	remove_ns pid
	set_args sleep 100
	rt run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&- &
	runpid=$!
	wait_for_status running
	rt kill "$ID" TERM
	rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 143 ]
	assert_nothing_left
}

@test "run forwards signals it receives to the container" {
	set_args sh -c 'trap "echo got-term; exit 7" TERM; trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'
	# No timeout wrapper here: the signal must reach the runtime itself.
	"$HUSK_RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	runpid=$!
	wait_for_file "$BATS_TEST_TMPDIR/out"
	kill -USR1 "$runpid"
	for _ in $(seq 50); do grep -q got-usr1 "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	kill -TERM "$runpid"
	rc=0
	wait "$runpid" || rc=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" -eq 7 ]
	grep -q got-usr1 "$BATS_TEST_TMPDIR/out"
	grep -q got-term "$BATS_TEST_TMPDIR/out"
	assert_nothing_left
}

@test "run --detach returns at once with the container running" {
	set_args sleep 100
	ctr_run_detached --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$(container_status)" = running ]
	rt kill "$ID" KILL
	wait_for_status stopped
	rt delete "$ID"
	assert_nothing_left
}

@test "run --detach --pid-file" {
	set_args sleep 100
	ctr_run_detached --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(rt state "$ID" | jq .pid)" ]
}

@test "run without a terminal gives the container the caller's stdio" {
	set_args sh -c 'read line; echo "in:$line"; echo "to-stderr" >&2'
	run bash -c 'echo piped | "$HUSK_RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 2>"$BATS_TEST_TMPDIR/err" 3>&-'
	[ "$status" -eq 0 ]
	[ "$output" = "in:piped" ]
	grep -q to-stderr "$BATS_TEST_TMPDIR/err"
}

# A container that records the signals it gets in the bind-mounted $BATS_TEST_TMPDIR/sig.
_signal_recorder() {
	mkdir -p "$BATS_TEST_TMPDIR/sig"
	add_bind "$BATS_TEST_TMPDIR/sig" /sig
	set_args sh -c 'for s in HUP INT USR1 USR2 TERM; do trap "echo $s >> /sig/log" $s; done; echo ready > /sig/ready; while :; do sleep 0.1; done'
}

_wait_signal() {
	for _ in $(seq 50); do grep -qx "$1" "$BATS_TEST_TMPDIR/sig/log" 2>/dev/null && return 0; sleep 0.1; done
	echo "signal $1 not received; log: $(cat "$BATS_TEST_TMPDIR/sig/log" 2>/dev/null)" >&2
	return 1
}

@test "kill by name, SIG-name and number; default SIGTERM" {
	_signal_recorder
	start_ok
	wait_for_file "$BATS_TEST_TMPDIR/sig/ready"
	rt kill "$ID" USR1
	_wait_signal USR1
	rt kill "$ID" SIGUSR2
	_wait_signal USR2
	rt kill "$ID" 1
	_wait_signal HUP
	rt kill "$ID" sigint
	_wait_signal INT
	rt kill "$ID"
	_wait_signal TERM
}

@test "kill with an unknown signal fails" {
	set_args sleep 100
	start_ok
	for bad in NOSUCHSIG 999 -3; do
		run rt kill "$ID" "$bad"
		echo "$bad: $status $output"
		[ "$status" -ne 0 ]
	done
	[ "$(container_status)" = running ]
}

@test "kill of a created container (KILL) makes it stopped" {
	set_args sleep 100
	create_ok
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status stopped
}

@test "kill --all reaches every process of the container" {
	mkdir -p "$BATS_TEST_TMPDIR/out"
	add_bind "$BATS_TEST_TMPDIR/out" /out
	set_args sh -c 'sleep 100 & sleep 100 & echo started > /out/ready; wait'
	start_ok
	wait_for_file "$BATS_TEST_TMPDIR/out/ready"
	pid="$(rt state "$ID" | jq .pid)"
	children="$(cat /proc/"$pid"/task/*/children)"
	[ -n "$children" ]
	run rt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status stopped
	for c in $children; do
		! kill -0 "$c" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$c/stat")" = Z ]
	done
}

@test "kill --all without a pid namespace reaches every process of the container" {
	# Without a pid namespace, killing the init does not take its children along: the runtime has to
	# find them (runc: through the container's cgroup).
	remove_ns pid
	mkdir -p "$BATS_TEST_TMPDIR/out"
	add_bind "$BATS_TEST_TMPDIR/out" /out
	set_args sh -c 'sleep 100 & sleep 100 & echo started > /out/ready; wait'
	start_ok
	wait_for_file "$BATS_TEST_TMPDIR/out/ready"
	pid="$(rt state "$ID" | jq .pid)"
	children="$(cat /proc/"$pid"/task/*/children)"
	[ -n "$children" ]
	run rt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status stopped
	sleep 0.2
	for c in $children; do
		echo "child $c: $(cat /proc/$c/stat 2>/dev/null)"
		! kill -0 "$c" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$c/stat")" = Z ]
	done
}

@test "kill of a stopped container fails" {
	set_args true
	start_ok
	wait_for_status stopped
	run rt kill "$ID" KILL
	[ "$status" -ne 0 ]
}
