#!/usr/bin/env bats
# process.apparmorProfile on a kernel with AppArmor enabled: the test VM (tests/vm/run-in-vm; Debian's
# kernel enables AppArmor, vm-init mounts securityfs). A profile of the test's own is loaded with
# apparmor_parser (package apparmor), the container must run confined by it (attr/current inside
# shows it, a path it denies is denied, one it allows is not), and a profile that is not loaded must
# fail create with the kernel's answer to the label write. Elsewhere every test skips.

load ../integration/helpers

PROFILE="husk-test-confined"

setup() {
	[ "$(hostname)" = husk-vm ] || skip "not inside the test VM (tests/vm/run-in-vm)"
	[ -d /sys/kernel/security/apparmor ] && [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ||
		skip "AppArmor is not enabled in this kernel (boot with HUSK_VM_APPEND='apparmor=1 security=apparmor')"
	command -v apparmor_parser >/dev/null || skip "apparmor_parser not installed (package apparmor)"
	setup_bundle
}

# As smoke.bats: no process scan (10-20 s per call in the VM), the runtime checked directly.
teardown() {
	if [ -n "${ROOT:-}" ]; then
		timeout 20 "$HUSK_RUNTIME" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1 || true
		rm -rf "$BUNDLE" "$ROOT"
	fi
	if grep -q "^$PROFILE " /sys/kernel/security/apparmor/profiles 2>/dev/null; then
		printf 'profile %s {}\n' "$PROFILE" | apparmor_parser -R >/dev/null 2>&1 || true
	fi
}

load_profile() {
	# attach_disconnected: after pivot_root the container's paths are disconnected from the
	# namespace the profile was loaded in (as in Docker's docker-default).
	cat >"$BATS_TEST_TMPDIR/profile" <<-EOF
		profile $PROFILE flags=(attach_disconnected,mediate_deleted) {
		  file,
		  capability,
		  network,
		  signal,
		  unix,
		  deny /husk-denied r,
		}
	EOF
	apparmor_parser -r "$BATS_TEST_TMPDIR/profile"
	grep -q "^$PROFILE (enforce)" /sys/kernel/security/apparmor/profiles
}

@test "vm apparmor: the container runs confined by process.apparmorProfile" {
	load_profile
	echo secret >"$BUNDLE/rootfs/husk-denied"
	echo open >"$BUNDLE/rootfs/husk-allowed"
	update_config '.process.apparmorProfile = $p | .process.args = ["sh", "-c",
		"cat /proc/self/attr/current; cat /husk-allowed; cat /husk-denied || echo denied"]' --arg p "$PROFILE"
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$PROFILE (enforce)" ]
	[ "${lines[1]}" = open ]
	[[ "$output" == *"/husk-denied"*"Permission denied"* ]]
	[ "${lines[-1]}" = denied ]
	[[ "$output" != *secret* ]]
}

@test "vm apparmor: an empty apparmorProfile runs unconfined" {
	update_config '.process.apparmorProfile = "" | .process.args = ["cat", "/proc/self/attr/current"]'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = unconfined ]
}

@test "vm apparmor: a profile that is not loaded fails create with the kernel's answer" {
	update_config '.process.apparmorProfile = "husk-no-such-profile"'
	run rt create --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'process.apparmorProfile "husk-no-such-profile": write /proc/thread-self/attr/apparmor/exec: No such file or directory'* ]]
	run rt state "$ID"
	[ "$status" -ne 0 ]
	! find /sys/fs/cgroup -name "*$ID*" | grep .
}

# CVE-2019-16884 / CVE-2025-52881: fake attr files mounted by the config over the init's own
# /proc/self/attr. The label must not land there: the init writes it through the procfs it opened
# before the container's mounts. (A fake /proc as a whole cannot be tried: the init reopens its exec
# fifo through the container's /proc/self/fd.)
@test "vm apparmor: fake attr files mounted over /proc/self/attr do not catch the label" {
	load_profile
	echo secret >"$BUNDLE/rootfs/husk-denied"
	local fake="$BATS_TEST_TMPDIR/fake-attr"
	mkdir -p "$fake/apparmor"
	: >"$fake/exec"
	: >"$fake/current"
	: >"$fake/apparmor/exec"
	: >"$fake/apparmor/current"
	update_config '.process.apparmorProfile = $p
		| .mounts += [{"destination": "/proc/self/attr", "type": "bind", "source": $f, "options": ["bind", "rw"]}]
		| .process.args = ["sh", "-c", "cat /husk-denied || echo denied"]' --arg p "$PROFILE" --arg f "$fake"
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/husk-denied"*"Permission denied"* ]]
	[ "${lines[-1]}" = denied ]
	[ ! -s "$fake/exec" ] && [ ! -s "$fake/apparmor/exec" ]
}
