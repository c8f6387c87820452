#!/usr/bin/env bats
# The `husk` command line itself: help, groups, global options, usage errors and exit codes.

load helpers
load husk

setup() {
	husk_setup
}

teardown() {
	:
}

@test "husk: --help lists commands and global options; no command prints help" {
	run "$HUSK" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage:  husk [OPTIONS] COMMAND"* ]]
	[[ "$output" == *"version     Show the husk version information"* ]]
	[[ "$output" == *"--storage-root string"* ]]
	[[ "$output" == *"-l, --log-level string"* ]]
	run "$HUSK"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Commands:"* ]]
}

@test "husk: --version, -v and version" {
	run "$HUSK" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^husk\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run "$HUSK" -v
	[ "$status" -eq 0 ]
	[[ "$output" == "husk version "* ]]
	run hk version
	[ "$status" -eq 0 ]
	[[ "$output" == *"Version:"* ]]
}

@test "husk: help CMD and CMD -h / --help print the command's help" {
	run "$HUSK" help version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage:  husk version" ]]
	run "$HUSK" version -h
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage:  husk version" ]]
	run "$HUSK" version --help
	[ "$status" -eq 0 ]
	run "$HUSK" help nosuchcommand
	[ "$status" -eq 125 ]
	[[ "$output" == *"unknown help topic: nosuchcommand"* ]]
}

@test "husk: unknown commands and flags exit 125 naming them" {
	run "$HUSK" frobnicate
	[ "$status" -eq 125 ]
	[[ "${lines[0]}" == "husk: 'frobnicate' is not a husk command." ]]
	[[ "$output" == *"See 'husk --help'."* ]]
	run "$HUSK" --bogus version
	[ "$status" -eq 125 ]
	[[ "${lines[0]}" == "husk: unknown flag: --bogus" ]]
	run "$HUSK" version --nope
	[ "$status" -eq 125 ]
	[[ "${lines[0]}" == "husk: unknown flag: --nope" ]]
	[[ "$output" == *"See 'husk version --help'."* ]]
	run "$HUSK" version -x
	[ "$status" -eq 125 ]
	[[ "${lines[0]}" == "husk: unknown shorthand flag: 'x' in -x" ]]
	run "$HUSK" --log-level loud version
	[ "$status" -eq 125 ]
	[[ "$output" == *'invalid --log-level "loud"'* ]]
	run "$HUSK" version extra
	[ "$status" -eq 125 ]
	[[ "$output" == *'"husk version" accepts no arguments.'* ]]
}

@test "husk: --storage-root beats \$HUSK_STORAGE_ROOT; --root beats \$HUSK_ROOT (seen in debug lines)" {
	HUSK_STORAGE_ROOT=/env/store HUSK_ROOT=/env/state run "$HUSK" -D version
	[ "$status" -eq 0 ]
	[[ "$output" == *"storage-root=/env/store root=/env/state"* ]]
	HUSK_STORAGE_ROOT=/env/store HUSK_ROOT=/env/state run "$HUSK" --log-level debug --storage-root /f/store --root /f/state version
	[ "$status" -eq 0 ]
	[[ "$output" == *"storage-root=/f/store root=/f/state"* ]]
	run "$HUSK" version
	[[ "$output" != *"storage-root="* ]]
}

@test "husk: management groups list their commands; plumbing commands are hidden but answer" {
	run "$HUSK" image
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage:  husk image COMMAND"* ]]
	[[ "$output" == *"  ls          List images"* ]]
	[[ "$output" == *"  rm          Remove one or more images"* ]]
	run "$HUSK" image --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"  inspect     Display detailed information on one or more images"* ]]
	run "$HUSK" image frob
	[ "$status" -eq 125 ]
	[[ "$output" == *"'image frob' is not a husk command."* ]]
	[[ "$output" == *"See 'husk image --help'."* ]]
	run "$HUSK" container
	[[ "$output" != *cleanup* ]]
	run "$HUSK" help container cleanup
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage:  husk container cleanup"* ]]
	run "$HUSK" help image ls
	[ "$status" -eq 0 ]
	[[ "$output" == *"Aliases:"*"husk images, husk image ls, husk image list"* ]]
	[[ "$output" == *"-q, --quiet"* ]]
}
