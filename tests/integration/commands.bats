#!/usr/bin/env bats
# list, spec, features, --version, --help, --log.

load helpers

@test "list: table, json and quiet" {
	set_args sleep 100
	create_ok
	id2="$ID-b"
	track_id "$id2"
	ctr_create --bundle "$BUNDLE" "$id2"
	[ "$status" -eq 0 ]
	rt start "$id2"
	wait_for_status running "$id2"

	run rt list --quiet
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n%s' "$ID" "$id2")" ]

	run rt list -q
	[ "${#lines[@]}" -eq 2 ]

	run rt list --format json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg a "$ID" --arg b "$id2" --arg bu "$BUNDLE" '
		(map(.id) | sort) == ([$a, $b] | sort) and
		(map(select(.id == $a))[0] | .status == "created" and .pid > 0 and .bundle == $bu) and
		(map(select(.id == $b))[0] | .status == "running")'

	run rt list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ID*PID*STATUS*BUNDLE* ]]
	[[ "$output" == *"$ID "*created*"$BUNDLE"* ]]
	[[ "$output" == *"$id2 "*running*"$BUNDLE"* ]]
}

@test "list of an empty or missing root" {
	run rt list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$HUSK_RUNTIME" --root "$BATS_TEST_TMPDIR/does-not-exist" list --format json
	[ "$status" -eq 0 ]
	# runc prints null, an empty array is as good.
	[ "$(echo "$output" | jq -c '. // []')" = "[]" ]
}

@test "spec writes a sane default config.json that runs" {
	dir="$BATS_TEST_TMPDIR/spec"
	mkdir -p "$dir"
	run bash -c "cd '$dir' && '$HUSK_RUNTIME' spec"
	[ "$status" -eq 0 ]
	jq -e '
		(.ociVersion | startswith("1.")) and
		.root.path == "rootfs" and
		(.process.args | length > 0) and
		(.process.cwd == "/") and
		([.linux.namespaces[].type] | contains(["pid", "mount", "ipc", "uts", "network"])) and
		([.mounts[].destination] | contains(["/proc", "/dev", "/dev/pts", "/dev/shm", "/sys"])) and
		(.linux.maskedPaths | length > 0) and (.linux.readonlyPaths | length > 0) and
		(.process.capabilities.bounding | index("CAP_KILL") != null)
	' "$dir/config.json"

	# It refuses to overwrite.
	run bash -c "cd '$dir' && '$HUSK_RUNTIME' spec"
	[ "$status" -ne 0 ]

	# And the config it wrote runs a container.
	cp "$dir/config.json" "$BUNDLE/config.json"
	update_config '.process.terminal = false'
	set_args sh -c 'echo from-spec'
	run_ctr
	[ "$status" -eq 0 ]
	[[ "$output" == *from-spec* ]]
}

@test "spec --bundle DIR" {
	dir="$BATS_TEST_TMPDIR/spec-b"
	mkdir -p "$dir"
	run rt spec --bundle "$dir"
	[ "$status" -eq 0 ]
	jq -e '.root.path == "rootfs"' "$dir/config.json"
}

@test "spec --rootless has a user namespace with mappings and no network namespace" {
	dir="$BATS_TEST_TMPDIR/spec-r"
	mkdir -p "$dir"
	run rt spec --rootless --bundle "$dir"
	[ "$status" -eq 0 ]
	jq -e '
		([.linux.namespaces[].type] | index("user") != null) and
		([.linux.namespaces[].type] | index("network") == null) and
		(.linux.uidMappings | length >= 1) and (.linux.gidMappings | length >= 1) and
		(.linux.uidMappings[0].containerID == 0)
	' "$dir/config.json"
}

@test "features prints the features.md JSON" {
	run "$HUSK_RUNTIME" features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '
		(.ociVersionMin | startswith("1.")) and (.ociVersionMax | startswith("1.")) and
		(.hooks | contains(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"])) and
		(.mountOptions | contains(["ro", "nosuid", "nodev", "noexec", "bind", "rbind"])) and
		(.linux.namespaces | contains(["pid", "mount", "network", "uts", "ipc", "user", "cgroup"])) and
		(.linux.capabilities | index("CAP_SYS_ADMIN") != null) and
		(.linux.cgroup.v1 == true) and (.linux.cgroup.v2 == true)'
}

@test "--version" {
	run "$HUSK_RUNTIME" --version
	[ "$status" -eq 0 ]
	[[ "$output" == *[vV]ersion* ]]
	[[ "$output" == *[0-9].[0-9]* ]]
}

@test "--help for the runtime and for every command" {
	run "$HUSK_RUNTIME" --help
	[ "$status" -eq 0 ]
	for cmd in create start state kill delete run list spec features; do
		[[ "$output" == *"$cmd"* ]]
	done
	for cmd in create start state kill delete run list spec features; do
		run "$HUSK_RUNTIME" "$cmd" --help
		echo "$cmd --help: $status"
		[ "$status" -eq 0 ]
		[[ "$output" == *"$cmd"* ]]
	done
	run "$HUSK_RUNTIME" create --help
	[[ "$output" == *--bundle* && "$output" == *--console-socket* && "$output" == *--pid-file* && "$output" == *--preserve-fds* ]]
}

@test "an unknown command fails" {
	run "$HUSK_RUNTIME" no-such-command
	[ "$status" -ne 0 ]
}

@test "global flags podman and containerd pass are accepted (--log, --log-format json)" {
	set_args true
	log="$BATS_TEST_TMPDIR/log.json"
	run "$HUSK_RUNTIME" --root "$ROOT" --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	# A failing command writes its error to the log as JSON lines (podman and containerd read it there).
	run "$HUSK_RUNTIME" --root "$ROOT" --log "$log" --log-format json start nosuchcontainer
	[ "$status" -ne 0 ]
	[ -s "$log" ]
	jq -e -s 'all(type == "object") and any(.level == "error" and (.msg | length > 0))' "$log"
}

@test "--debug is accepted" {
	set_args true
	run "$HUSK_RUNTIME" --root "$ROOT" --debug --log "$BATS_TEST_TMPDIR/log" run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
}
