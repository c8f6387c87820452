#!/usr/bin/env bats
# The README's first command, as a new user types it: the part after the build (make a busybox image,
# import it, run it) runs against this build, with a private store and this test's cgroup parent.

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine

setup() {
	husk_setup
	CG_PARENT="/husktest-readme-$$"
	export CG_PARENT
}

teardown() {
	engine_cleanup
	rm -rf "$BATS_TEST_TMPDIR/busybox-root" "$BATS_TEST_TMPDIR/busybox.tar"
}

@test "README: the first command makes, imports and runs a busybox image: own hostname, PID 1, network, memory limit" {
	local line
	line="$(grep -m1 '^apt-get update && ' "$BATS_TEST_DIRNAME/../../README.md")"
	[[ "$line" == *"ninja -C build && "* ]]
	# Everything after the build; this build's husk, the test's store, tmp paths and cgroup parent.
	line="${line#*ninja -C build && }"
	line="${line//\/tmp\//$BATS_TEST_TMPDIR/}"
	line="${line//H=\$PWD\/build\/src\/cli\/husk\/husk/H=\"hk\"}"
	line="${line//\$H run --rm/\$H run --cgroup-parent $CG_PARENT --rm}"
	[[ "$line" == *'$H run --cgroup-parent '*' --rm --memory 32m busybox sh -c '* ]]
	run bash -c "$(declare -f hk); $line"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == sha256:* ]]
	[[ "$output" == *"hostname: "[0-9a-f][0-9a-f][0-9a-f]* ]]
	[[ "$output" == *$'\n''    1 sh'$'\n'* ]]
	[[ "$output" == *$'\n'"lo 127.0.0.1/8"$'\n'* ]]
	[[ "$output" != *eth0* ]]
	[[ "$output" == *"memory limit: 33554432"* || "$output" == *"memory limit: 33554432"$'\n'* ]]
	[[ "$output" == *"64 MiB through tail: exit 137 "* ]]
	engine_assert_nothing_left
}
