#!/usr/bin/env bats
# checkpoint/restore with CRIU: a counter container dumped (stopped, and with --leave-running) and
# restored, the counter going on from where it was; errors (unknown id, bad image path, a container
# CRIU cannot dump, a kernel CRIU cannot work on) said clearly. CRIU 3.17 (Debian 12) cannot start on
# kernels whose vDSO it does not know (6.18 here): there the dump/restore tests skip with criu's own
# words and run in tests/vm (a Debian 6.1 kernel; .ci/run's vm_files).

load helpers

setup() {
	command -v criu >/dev/null || skip "criu is not installed (Debian package criu)"
	setup_bundle
	IMG="$BATS_TEST_TMPDIR/image"
	WORK="$BATS_TEST_TMPDIR/work"
	COUNT="$BUNDLE/rootfs/tmp/count"
	# The counter: a shell variable, so only a restored process (not a restarted one) goes on from
	# where it was.
	set_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/count; sleep 0.1; done'
}

teardown() {
	kill_bgpids
	common_teardown
	rm -rf "$IMG" "$WORK"
}

# criu's own verdict on this kernel: empty when `criu check` passes, else its first error line.
criu_kernel_problem() {
	local out
	out="$(criu check 2>&1)" && return 0
	echo "$out" | grep -m1 'Error' | sed 's/^Error ([^)]*): //'
}

requires_criu() {
	local why
	why="$(criu_kernel_problem)"
	[ -z "$why" ] || skip "CRIU $(criu --version | awk '/Version/ { print $2 }') cannot work on kernel $(uname -r): criu check: $why (runs in tests/vm)"
}

# Pipes for stdin and stdout/stderr, as a shim gives them: CRIU cannot dump an fd on a host file
# outside the container's mounts. Sets $IN and $OUT (fds); the helper processes die in teardown.
open_pipes() {
	exec {IN}< <(exec sleep 600)
	echo $! >>"$BATS_TEST_TMPDIR/bgpids"
	exec {OUT}> >(exec cat >>"$BATS_TEST_TMPDIR/ctr.out")
	echo $! >>"$BATS_TEST_TMPDIR/bgpids"
}

start_counter() {
	open_pipes
	rt run --detach --bundle "$BUNDLE" "$ID" <&"$IN" >&"$OUT" 2>&"$OUT" 3>&-
	wait_for_status running
	# A few counts in, so "went on" and "started again" cannot be confused.
	for _ in $(seq 100); do
		[ "$(cat "$COUNT" 2>/dev/null || echo 0)" -ge 5 ] && return 0
		sleep 0.1
	done
	echo "the counter never reached 5" >&2
	return 1
}

restore_ok() {
	# Its stderr on a file, not bats' pipe: the restored container inherits the restore's stdio
	# where it had pipes, and would hold that pipe (and `run`) open.
	status=0
	rt restore --detach --bundle "$BUNDLE" --image-path "$IMG" --work-path "$WORK" \
		--pid-file "$BATS_TEST_TMPDIR/restored.pid" "$@" "$ID" <&"$IN" >&"$OUT" 2>"$BATS_TEST_TMPDIR/restore.err" 3>&- ||
		status=$?
	output="$(cat "$BATS_TEST_TMPDIR/restore.err")"
	if [ "$status" -ne 0 ]; then
		echo "restore failed ($status): $output" >&2
		[ -f "$WORK/restore.log" ] && grep -m5 Error "$WORK/restore.log" >&2
		return 1
	fi
}

# wait_count_above N: the counter file holds a value above N; prints it.
wait_count_above() {
	local v
	for _ in $(seq 100); do
		v="$(cat "$COUNT" 2>/dev/null || true)"
		if [ -n "$v" ] && [ "$v" -gt "$1" ]; then
			echo "$v"
			return 0
		fi
		sleep 0.1
	done
	echo "the counter never went above $1 (now: ${v:-none})" >&2
	return 1
}

@test "checkpoint stops the container; restore goes on counting from where it was, state running with the new pid" {
	requires_criu
	start_counter
	local old_pid
	old_pid="$(rt state "$ID" | jq -r .pid)"

	run rt checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; grep Error "$WORK/dump.log"; false; }
	[ -f "$IMG/inventory.img" ]
	[ -f "$WORK/dump.log" ]
	# As runc: a checkpointed container is gone (the dump killed it).
	run rt state "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	! kill -0 "$old_pid" 2>/dev/null
	local at_dump
	at_dump="$(cat "$COUNT")"
	sleep 0.5
	[ "$(cat "$COUNT")" = "$at_dump" ]

	restore_ok
	[ "$(container_status)" = running ]
	local pid
	pid="$(rt state "$ID" | jq -r .pid)"
	[ "$pid" -gt 0 ]
	[ "$pid" = "$(cat "$BATS_TEST_TMPDIR/restored.pid")" ]
	kill -0 "$pid"
	# Restored, not restarted: the next value follows the dumped one (a restart would write 1).
	local next
	next="$(wait_count_above "$at_dump")"
	[ "$next" -le $((at_dump + 50)) ]
	# The restored container is an ordinary one: kill, state, delete.
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status stopped
	run rt delete "$ID"
	[ "$status" -eq 0 ]
	assert_nothing_left
}

@test "checkpoint --leave-running: the container runs on; its image restores where the dump was" {
	requires_criu
	start_counter
	local old_pid before
	old_pid="$(rt state "$ID" | jq -r .pid)"
	before="$(cat "$COUNT")"

	run rt checkpoint --leave-running --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; grep Error "$WORK/dump.log"; false; }
	[ "$(container_status)" = running ]
	[ "$(rt state "$ID" | jq -r .pid)" = "$old_pid" ]
	wait_count_above "$(cat "$COUNT")" >/dev/null

	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	rm -f "$COUNT"
	restore_ok
	[ "$(container_status)" = running ]
	[ "$(rt state "$ID" | jq -r .pid)" != "$old_pid" ]
	# The value the dump held was at least what was read before it.
	local v
	v="$(wait_count_above 0)"
	[ "$v" -gt "$before" ]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_nothing_left
}

@test "checkpoint --tcp-established --file-locks --ext-unix-sk --shell-job reach criu (--criu wrapper)" {
	requires_criu
	is_runc && skip "runc speaks criu's RPC (criu swrk): no flags on a command line to see"
	# A --criu that records its arguments and runs the real criu.
	local wrap="$BATS_TEST_TMPDIR/criu-wrap"
	printf '#!/bin/sh\necho "$*" >>"%s"\nexec criu "$@"\n' "$BATS_TEST_TMPDIR/criu-args" >"$wrap"
	chmod +x "$wrap"
	start_counter
	run rt --criu "$wrap" checkpoint --leave-running --tcp-established --file-locks --ext-unix-sk --shell-job \
		--manage-cgroups-mode full --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; grep Error "$WORK/dump.log"; false; }
	[ "$(container_status)" = running ]
	local args
	args="$(cat "$BATS_TEST_TMPDIR/criu-args")"
	echo "$args"
	[[ "$args" == "dump "* ]]
	for f in --tcp-established --file-locks --ext-unix-sk --shell-job --leave-running --manage-cgroups=full \
		"--root=$BUNDLE/rootfs" "--images-dir=$IMG" "--work-dir=$WORK" "--tree=$(rt state "$ID" | jq -r .pid)"; do
		[[ " $args " == *" $f "* ]] || { echo "missing $f" >&2; false; }
	done
	# Masked paths are binds of the container's own /dev/null and tmpfs: criu's to dump, not external.
	[[ "$args" != *"mnt[/proc/"* ]]
}

@test "a bind mount is external to CRIU: restored bound from its source again, the counter going on there" {
	requires_criu
	mkdir -p "$BATS_TEST_TMPDIR/data"
	add_bind "$BATS_TEST_TMPDIR/data" /data
	set_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/data/count; sleep 0.1; done'
	COUNT="$BATS_TEST_TMPDIR/data/count"
	start_counter
	run rt checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; grep Error "$WORK/dump.log"; false; }
	local at_dump
	at_dump="$(cat "$COUNT")"
	restore_ok
	[ "$(container_status)" = running ]
	local next
	next="$(wait_count_above "$at_dump")"
	[ "$next" -le $((at_dump + 50)) ]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_nothing_left
}

@test "checkpoint --pre-dump, then a dump with --parent-path: restored from both" {
	requires_criu
	start_counter
	local pre="$BATS_TEST_TMPDIR/pre"
	run rt checkpoint --pre-dump --image-path "$pre" --work-path "$WORK" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; grep Error "$WORK/pre-dump.log" "$WORK/dump.log" 2>/dev/null; false; }
	# A pre-dump leaves the container running and writes memory pages only.
	[ "$(container_status)" = running ]
	ls "$pre" | grep -q '^pages-'
	run rt checkpoint --parent-path ../pre --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; grep Error "$WORK/dump.log"; false; }
	[ -L "$IMG/parent" ] || [ -e "$IMG/parent" ]
	local at_dump
	at_dump="$(cat "$COUNT")"
	restore_ok
	[ "$(container_status)" = running ]
	local next
	next="$(wait_count_above "$at_dump")"
	[ "$next" -le $((at_dump + 50)) ]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_nothing_left
}

@test "checkpoint of an unknown container fails naming it" {
	run rt checkpoint --image-path "$IMG" nosuchcontainer
	[ "$status" -ne 0 ]
	# runc says only "container does not exist".
	[[ "$output" == *nosuchcontainer* ]] || is_runc
	[[ "$output" == *"does not exist"* ]]
	[ ! -e "$IMG" ] || is_runc
}

@test "checkpoint with an image path that cannot be made fails naming it, the container untouched" {
	start_counter
	run rt checkpoint --image-path /proc/version/image "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == */proc/version/image* ]] || is_runc
	[ "$(container_status)" = running ]
}

@test "restore from an image path without a checkpoint fails naming it and leaves nothing" {
	mkdir -p "$IMG"
	run rt restore --detach --bundle "$BUNDLE" --image-path "$IMG" --work-path "$WORK" "$ID" </dev/null 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"$IMG"* ]] || [[ "$output" == *inventory* ]] || is_runc
	assert_nothing_left
}

@test "a container CRIU cannot dump (stdout on a host file outside its mounts): criu's reason, the container untouched" {
	requires_criu
	ctr_run_detached --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	wait_for_status running
	run rt checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -ne 0 ]
	echo "$output"
	if ! is_runc; then
		# criu's own error line, and where its log is.
		[[ "$output" == *"criu dump exited with status"* ]]
		[[ "$output" == *"$WORK/dump.log"* ]]
	fi
	[ "$(container_status)" = running ]
}

@test "checkpoint on a kernel CRIU cannot work with says so" {
	local why
	why="$(criu_kernel_problem)"
	[ -n "$why" ] || skip "criu check passes on kernel $(uname -r)"
	start_counter
	run rt checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -ne 0 ]
	echo "$output"
	if ! is_runc; then
		[[ "$output" == *"CRIU cannot work on this kernel"* ]]
		[[ "$output" == *"$why"* ]]
	fi
	[ "$(container_status)" = running ]
}

@test "checkpoint: a missing criu binary and a bad --manage-cgroups-mode are named" {
	start_counter
	run rt --criu /nonexistent/criu checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == */nonexistent/criu* ]] || is_runc
	run rt checkpoint --manage-cgroups-mode bogus --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *bogus* ]] || is_runc
	[ "$(container_status)" = running ]
}
