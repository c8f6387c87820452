#!/usr/bin/env bats
# After the whole suite (bats runs files in name order, this one last): nothing the tests made is
# left behind. Needs the "before" snapshot of setup_suite.bash, so it runs with the whole directory.

load leakcheck

setup_file() {
	BEFORE="$BATS_RUN_TMPDIR/leak-before"
	AFTER="$BATS_RUN_TMPDIR/leak-after"
	export BEFORE AFTER
	if [ -d "$BEFORE" ]; then
		# Give runtimes' children a moment to be reaped.
		sleep 0.5
		leak_snapshot "$AFTER" "$BATS_RUN_TMPDIR"
	fi
}

setup() {
	[ -d "$BEFORE" ] || skip "no snapshot from before the suite (run the whole directory)"
}

new_lines() {
	comm -13 "$BEFORE/$1" "$AFTER/$1"
}

@test "no mount the tests made is left behind" {
	run new_lines mounts
	echo "$output"
	[ -z "$output" ]
}

@test "no named network namespace the tests made is left behind" {
	run new_lines netns
	echo "$output"
	[ -z "$output" ]
}

@test "no cgroup the tests made is left behind" {
	run new_lines cgroups
	echo "$output"
	[ -z "$output" ]
}

@test "no process the tests started is left behind" {
	# Compare pids with commands: only lines that were not there before.
	run new_lines procs
	echo "$output"
	[ -z "$output" ]
}

@test "no state directory left in the default root by the tests" {
	# Every test uses its own --root; the default root must not gain test containers.
	[ -z "$(ls /run/husk 2>/dev/null | grep husktest)" ]
}
