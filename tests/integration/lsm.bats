#!/usr/bin/env bats
# LSM labels on a host without the LSM: an empty label runs, a requested one fails create with the
# field named and nothing left behind. The confined case runs in the VM (tests/vm/apparmor.bats).

load helpers

apparmor_enabled() {
	[ -d /sys/kernel/security/apparmor ] && [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]
}

selinux_enabled() {
	[ -r /sys/fs/selinux/enforce ]
}

@test "lsm: empty apparmorProfile, selinuxLabel and mountLabel run" {
	update_config '.process.apparmorProfile = "" | .process.selinuxLabel = "" | .linux.mountLabel = ""'
	set_args sh -c 'echo lsm-ok'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *lsm-ok* ]]
	assert_nothing_left
}

@test "lsm: requested apparmorProfile without AppArmor fails create, naming the field" {
	apparmor_enabled && skip "AppArmor is enabled on this host"
	update_config '.process.apparmorProfile = "husk-no-such-profile"'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	# runc 1.1 fails the same create, but later and with the kernel's words.
	is_runc || [[ "$output" == *'process.apparmorProfile: "husk-no-such-profile" requested but AppArmor is not enabled'* ]]
	assert_nothing_left
}

@test "lsm: requested selinuxLabel without SELinux fails create, naming the field" {
	selinux_enabled && skip "SELinux is enabled on this host"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	if is_runc; then
		[[ "$output" == *"selinux label is specified in config, but selinux is disabled"* ]]
	else
		[[ "$output" == *'process.selinuxLabel: "system_u:system_r:container_t:s0:c1,c2" requested but SELinux is disabled'* ]]
	fi
	assert_nothing_left
}

@test "lsm: requested mountLabel without SELinux fails create, naming the field" {
	is_runc && skip "runc ignores linux.mountLabel when SELinux is disabled"
	selinux_enabled && skip "SELinux is enabled on this host"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	ctr_create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'linux.mountLabel: "system_u:object_r:container_file_t:s0:c1,c2" requested but SELinux'* ]]
	# Refused before anything was set up: no state directory was even made.
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	assert_nothing_left
}

@test "lsm: features says AppArmor and SELinux are supported" {
	run rt features
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .linux.apparmor.enabled)" = true ]
	[ "$(echo "$output" | jq -r .linux.selinux.enabled)" = true ]
}
