#!/usr/bin/env bats
# A container's filesystem from the outside: husk diff, export, commit, cp (in and out of running and
# stopped containers, tar streams, symlinks in the container pointing outside it). Every failure must
# leave no mount (a stopped container's root is mounted in the command's own mount namespace) and no
# temporary file.

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine
load image

setup_file() {
	if [ "$(hostname)" = husk-vm ] && [ "${BATS_TEST_TIMEOUT:-0}" -lt 300 ]; then
		export BATS_TEST_TIMEOUT=300
	fi
}

setup() {
	husk_setup
	CG_PARENT="/husktest-fs-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	export CG_PARENT
	image_rootfs_tar "$BATS_TEST_TMPDIR/rootfs.tar"
	hk import "$BATS_TEST_TMPDIR/rootfs.tar" fsimg:1 >/dev/null
}

teardown() {
	engine_cleanup
}

hkrun() {
	hk run --cgroup-parent "$CG_PARENT" "$@"
}

# No mount of ours below the store, and nothing of ours left in the store's tmp/.
assert_no_mount_no_temp() {
	local left
	left="$(awk -v pfx="$HUSK_STORE/" 'index($5, pfx) == 1 { print $5 }' /proc/self/mountinfo)"
	[ -z "$left" ] || { echo "mounts left: $left"; return 1; }
	left="$(find "$HUSK_STORE/tmp" -mindepth 1 2>/dev/null)"
	[ -z "$left" ] || { echo "temporary files left: $left"; return 1; }
}

# A stopped container "chg" that added, changed and deleted files.
make_changes() {
	run hkrun --name chg fsimg:1 sh -c 'echo new >/tmp/new; echo changed >>/etc/passwd; rm /bin/ls; mkdir -p /newdir/sub'
	[ "$status" -eq 0 ]
}

@test "husk diff: A, C, D as Docker prints them, sorted; the start's mount points are no change" {
	make_changes
	run hk diff chg
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$output" = "$(printf 'C /bin\nD /bin/ls\nC /etc/passwd\nA /newdir\nA /newdir/sub\nC /tmp\nA /tmp/new')" ]
	# A running container's changes as they happen.
	run hkrun -d --name live fsimg:1 sh -c 'touch /live; sleep 100'
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do hk diff live | grep -q '^A /live$' && break; sleep 0.1; done
	run hk diff live
	[ "$output" = "A /live" ]
	# Never started: nothing changed.
	run hk create --cgroup-parent "$CG_PARENT" --name fresh fsimg:1 true
	[ "$status" -eq 0 ]
	run hk diff fresh
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run hk diff nosuch
	[ "$status" -eq 125 ]
	[[ "$output" == *"nosuch"* ]]
}

@test "husk diff: the copy driver's container is refused with words" {
	HUSK_ROOTFS_DRIVER=copy hkrun --name copied fsimg:1 true
	run hk diff copied
	[ "$status" -eq 125 ]
	[[ "$output" == *"not supported for the copy driver"* ]]
}

@test "husk export: a stopped container's merged view as a tar, mounted only meanwhile; -o FILE; a running one" {
	make_changes
	hk export chg >"$BATS_TEST_TMPDIR/out.tar"
	run tar -tf "$BATS_TEST_TMPDIR/out.tar"
	[ "$status" -eq 0 ]
	grep -qx 'tmp/new' <<<"$output"
	grep -qx 'newdir/sub/' <<<"$output"
	grep -qx 'bin/busybox' <<<"$output"
	run ! grep -qx 'bin/ls' <<<"$output"
	[ "$(tar -xOf "$BATS_TEST_TMPDIR/out.tar" tmp/new)" = new ]
	assert_no_mount_no_temp
	run hk export -o "$BATS_TEST_TMPDIR/o.tar" chg
	[ "$status" -eq 0 ]
	cmp "$BATS_TEST_TMPDIR/out.tar" "$BATS_TEST_TMPDIR/o.tar"
	# The container still starts (its root was left as found).
	run hk start -a chg
	[ "$status" -eq 0 ]
	run hkrun -d --name live fsimg:1 sh -c 'echo running >/r; sleep 100'
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do [ -n "$(hk export live | tar -xOf - r 2>/dev/null)" ] && break; sleep 0.1; done
	[ "$(hk export live | tar -xOf - r)" = running ]
}

@test "husk export: failures leave no mount and no partial file" {
	make_changes
	run hk export -o "$BATS_TEST_TMPDIR/nodir/x.tar" chg
	[ "$status" -eq 125 ]
	[[ "$output" == *"nodir/x.tar"* ]]
	# A reader that goes away mid-stream: husk dies of SIGPIPE or fails; either way nothing stays.
	hk export chg | head -c 1000 >/dev/null || true
	assert_no_mount_no_temp
	run hk export nosuch -o "$BATS_TEST_TMPDIR/n.tar"
	[ "$status" -eq 125 ]
	[ ! -e "$BATS_TEST_TMPDIR/n.tar" ]
	[ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name '*husk-tmp*')" ]
	assert_no_mount_no_temp
}

@test "husk commit: the upper layer as a new image with -c CMD; run of it sees the files, not the deleted" {
	make_changes
	run hk commit -a "Ann <ann@example.com>" -m "my change" -c 'CMD ["cat", "/tmp/new"]' -c 'ENV COMMITTED=yes' chg fsimg:2
	[ "$status" -eq 0 ]
	[[ "$output" == sha256:* ]]
	run hkrun --rm fsimg:2
	[ "$status" -eq 0 ]
	[ "$output" = new ]
	run hkrun --rm fsimg:2 sh -c 'tail -n1 /etc/passwd; echo $COMMITTED; ls -d /newdir/sub; ls /bin/ls'
	[ "${lines[0]}" = changed ]
	[ "${lines[1]}" = yes ]
	[ "${lines[2]}" = /newdir/sub ]
	[ "$status" -ne 0 ]
	run hk image inspect fsimg:2
	[ "$(jq -r '.[0].Author' <<<"$output")" = "Ann <ann@example.com>" ]
	[ "$(jq -r '.[0].RootFS.Layers | length' <<<"$output")" = 2 ]
	# The layer: OCI whiteouts, the container's files, none of the mount points the start made.
	local layer
	layer="$(jq -r '.[0].RootFS.Layers[1]' <<<"$output")"
	run tar -tf "$HUSK_STORE/blobs/sha256/${layer#sha256:}"
	[ "$status" -eq 0 ]
	echo "$output"
	grep -qx 'bin/.wh.ls' <<<"$output"
	grep -qx 'tmp/new' <<<"$output"
	run ! grep -q 'etc/hosts\|^proc\|^sys\|^dev' <<<"$output"
	# History: the base's entry and ours with the message.
	local cfg
	cfg="$(jq -r '.[0].Id' < <(hk image inspect fsimg:2))"
	[ "$(jq -r '.history[-1].comment' "$HUSK_STORE/blobs/sha256/${cfg#sha256:}")" = "my change" ]
	assert_no_mount_no_temp
}

@test "husk commit: the container's Cmd by default; a running container is paused meanwhile and runs on" {
	run hkrun -d --name live fsimg:1 sh -c 'echo $$ >/pid; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do hk diff live | grep -q '^A /pid$' && break; sleep 0.1; done
	run hk commit live fsimg:live
	[ "$status" -eq 0 ]
	local id
	id="$(hk inspect live | jq -r '.[0].Id')"
	# Thawed after: the runtime's status (the freezer's) is running again.
	[ "$(rt state "$id" | jq -r .status)" = running ]
	# One its user paused stays paused.
	rt pause "$id"
	run hk commit live fsimg:live3
	[ "$status" -eq 0 ]
	[ "$(rt state "$id" | jq -r .status)" = paused ]
	rt resume "$id"
	run hk image inspect fsimg:live
	[ "$(jq -c '.[0].Config.Cmd' <<<"$output")" = '["sh","-c","echo $$ >/pid; while :; do sleep 0.1; done"]' ]
	run hkrun --rm fsimg:live cat /pid
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	run hk commit --pause=false live fsimg:live2
	[ "$status" -eq 0 ]
}

@test "husk commit: a bad change or name is refused before any work; no image, nothing left" {
	make_changes
	local before
	before="$(hk images -q | wc -l)"
	run hk commit -c 'FROB x' chg fsimg:bad
	[ "$status" -eq 125 ]
	[[ "$output" == *FROB* ]]
	run hk commit chg 'Bad:Name:x'
	[ "$status" -eq 125 ]
	run hk commit --pause=maybe chg fsimg:bad
	[ "$status" -eq 125 ]
	[ "$(hk images -q | wc -l)" = "$before" ]
	assert_no_mount_no_temp
}
