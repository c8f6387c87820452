#!/usr/bin/env bats
# Failure paths: each fails cleanly, says what and where, and leaves nothing behind.

load helpers

@test "missing rootfs" {
	rm -rf "$BUNDLE/rootfs"
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *rootfs* ]]
	assert_nothing_left
}

@test "missing bundle / missing config.json" {
	ctr_create --bundle "$BATS_TEST_TMPDIR/nonexistent" "$ID"
	[ "$status" -ne 0 ]
	rm "$BUNDLE/config.json"
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *config.json* ]]
	assert_nothing_left
}

@test "config.json that is not JSON" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "bad mount: unknown filesystem type names the destination" {
	update_config '.mounts += [{"destination": "/badmnt", "type": "no-such-fs", "source": "none"}]'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == */badmnt* ]]
	assert_nothing_left
}

@test "bad mount: missing bind source names it" {
	add_bind "$BATS_TEST_TMPDIR/no-such-source" /data '["bind"]'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *no-such-source* || "$output" == */data* ]]
	assert_nothing_left
}

@test "wrong type: process.args as a string names process.args" {
	update_config '.process.args = "sh"'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *process.args* ]]
	assert_nothing_left
}

@test "wrong type: a namespace type as a number names the field" {
	update_config '.linux.namespaces[0].type = 5'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *linux.namespaces* && "$output" == *type* ]]
	assert_nothing_left
}

@test "wrong type: process.user.uid as a string names the field" {
	update_config '.process.user.uid = "root"'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *uid* ]]
	assert_nothing_left
}

@test "unknown fields are ignored" {
	update_config '.someFutureField = {"x": 1} | .process.futureFlag = true | .linux.notYetInvented = [1, 2]'
	set_args true
	run_ctr
	[ "$status" -eq 0 ]
}

@test "missing executable fails create/run, naming it" {
	set_args /no/such/binary
	run_ctr
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == */no/such/binary* ]]
	assert_nothing_left
}

@test "executable not in PATH fails, naming it" {
	set_args no-such-command-xyz
	run_ctr
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *no-such-command-xyz* ]]
	assert_nothing_left
}

@test "a file that is not executable fails" {
	echo 'not a program' >"$BUNDLE/rootfs/bin/notexec"
	chmod 644 "$BUNDLE/rootfs/bin/notexec"
	set_args /bin/notexec
	run_ctr
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "cwd that is a file fails" {
	update_config '.process.cwd = "/bin/busybox"'
	run_ctr
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "an unknown capability name is named (an error, or runc's warning)" {
	# runc 1.1 warns and ignores unknown capabilities (for configs written for newer kernels); either
	# way the user is told which name.
	update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[[ "$output" == *CAP_NO_SUCH_THING* ]]
	[ "$status" -eq 0 ] || assert_nothing_left
}

@test "an unknown namespace type fails" {
	update_config '.linux.namespaces += [{"type": "no-such-ns"}]'
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left
}
