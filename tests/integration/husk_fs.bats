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
	# Killed while it holds the root mounted (blocked on a full pipe): the mount was only ever in its
	# own mount namespace, never in ours, and is gone with it.
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" export chg >"$BATS_TEST_TMPDIR/fifo" &
	local pid=$!
	local rd
	exec {rd}<"$BATS_TEST_TMPDIR/fifo"
	head -c 100 <&"$rd" >/dev/null
	local ns_mounts
	ns_mounts="$(awk -v pfx="$HUSK_STORE/" 'index($5, pfx) == 1' "/proc/$pid/mountinfo" | wc -l)"
	assert_no_mount_no_temp
	kill -9 "$pid"
	wait "$pid" || true
	exec {rd}<&-
	[ "$ns_mounts" -ge 1 ]
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
	# Renamed into place: a file seen is a file written (commit may freeze the shell mid-write).
	run hkrun -d --name live fsimg:1 sh -c 'echo $$ >/pid.tmp; mv /pid.tmp /pid; while :; do sleep 0.1; done'
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
	[ "$(jq -c '.[0].Config.Cmd' <<<"$output")" = '["sh","-c","echo $$ >/pid.tmp; mv /pid.tmp /pid; while :; do sleep 0.1; done"]' ]
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

# A stopped container "s" with a directory /d (e/f, t mode 640) and symlinks pointing out of it.
make_tree() {
	run hkrun --name s fsimg:1 sh -c 'mkdir -p /d/e; echo f >/d/e/f; echo top >/d/t; chmod 640 /d/t; chmod 4755 /d/e/f
		echo ctr-shadow >/etc/shadow; ln -s /etc/shadow /tmp/shadow; ln -s / /tmp/root; ln -s ../../../../../../etc /tmp/up'
	[ "$status" -eq 0 ]
}

@test "husk cp out of a stopped container: a file, a directory, DIR/. into an existing one, Docker's rules and errors" {
	make_tree
	local T="$BATS_TEST_TMPDIR/h"
	mkdir -p "$T/dir"
	hk cp s:/d/t "$T/out.txt"
	[ "$(cat "$T/out.txt")" = top ]
	[ "$(stat -c %a "$T/out.txt")" = 640 ]
	hk cp s:/d/t "$T/dir"
	[ "$(cat "$T/dir/t")" = top ]
	# A directory to a missing path becomes it; into an existing directory goes below it.
	hk cp s:/d "$T/newd"
	[ "$(cat "$T/newd/e/f")" = f ]
	hk cp s:/d "$T/dir"
	[ "$(cat "$T/dir/d/e/f")" = f ]
	# Set-ID bits are not handed to the caller's copy (without -a), the container's owner not kept.
	[ "$(stat -c %a "$T/dir/d/e/f")" = 755 ]
	# DIR/. : the content into an existing directory, which keeps its own mode.
	mkdir -m 700 "$T/into"
	hk cp s:/d/. "$T/into"
	[ "$(cat "$T/into/e/f")" = f ]
	[ "$(stat -c %a "$T/into")" = 700 ]
	# Relative container paths are from / (no -w given).
	hk cp s:d/t "$T/rel"
	[ "$(cat "$T/rel")" = top ]
	run hk cp s:/d "$T/out.txt"
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot copy a directory to a file"* ]]
	run hk cp s:/d/t "$T/nodir/"
	[ "$status" -eq 125 ]
	[[ "$output" == *"no such directory"* ]]
	run hk cp s:/nosuch "$T/x"
	[ "$status" -eq 125 ]
	[[ "$output" == *"Could not find the file /nosuch in container s"* ]]
	run hk cp s:/d/t/ "$T/x"
	[ "$status" -eq 125 ]
	[[ "$output" == *"not a directory"* ]]
	run hk cp "$T/out.txt" "$T/x"
	[ "$status" -eq 125 ]
	[[ "$output" == *"must specify at least one container source"* ]]
	run hk cp s:/d/t s:/tmp
	[ "$status" -eq 125 ]
	[[ "$output" == *"copying between containers is not supported"* ]]
	run hk cp nosuch:/d "$T/x"
	[ "$status" -eq 125 ]
	[[ "$output" == *"nosuch"* ]]
	assert_no_mount_no_temp
}

@test "husk cp: a symlink in the container pointing outside gives the container's file, never the host's" {
	make_tree
	local T="$BATS_TEST_TMPDIR/h" probe="husk-fs-probe-$$"
	mkdir -p "$T"
	[ "$(cat /etc/shadow)" != ctr-shadow ]
	# Without -L the link itself, as Docker; with -L its target inside the container.
	hk cp s:/tmp/shadow "$T/a"
	[ "$(readlink "$T/a")" = /etc/shadow ]
	hk cp -L s:/tmp/shadow "$T/b"
	[ "$(cat "$T/b")" = ctr-shadow ]
	# Through a symlink to / and one climbing with ..: still the container's /etc.
	hk cp s:/tmp/root/etc/shadow "$T/c"
	[ "$(cat "$T/c")" = ctr-shadow ]
	hk cp s:/tmp/up/passwd "$T/d"
	cmp "$T/d" <(printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n')
	# Into the container through the same links: the files land in its /etc, none in the host's.
	echo in >"$T/$probe"
	hk cp "$T/$probe" s:/tmp/root/etc/
	hk cp "$T/$probe" s:/tmp/up/"$probe-2"
	[ ! -e "/etc/$probe" ]
	[ ! -e "/etc/$probe-2" ]
	hk export s >"$T/x.tar"
	[ "$(tar -xOf "$T/x.tar" "etc/$probe")" = in ]
	[ "$(tar -xOf "$T/x.tar" "etc/$probe-2")" = in ]
	# A link named as the destination is replaced inside the container, not written through.
	hk cp "$T/$probe" s:/tmp/shadow
	hk export s >"$T/y.tar"
	[ "$(tar -xOf "$T/y.tar" etc/shadow)" = ctr-shadow ]
	[ "$(tar -xOf "$T/y.tar" tmp/shadow)" = in ]
	assert_no_mount_no_temp
}

@test "husk cp into a stopped and a running container: files and directories, root's unless -a" {
	make_tree
	local T="$BATS_TEST_TMPDIR/h"
	mkdir -p "$T/src/sub"
	echo deep >"$T/src/sub/x"
	chown 1234:4321 "$T/src/sub/x"
	echo one >"$T/one"
	hk cp "$T/one" s:/tmp/
	hk cp "$T/src" s:/srcdir
	hk cp -a "$T/src" s:/srcdir2
	hk cp "$T/src/." s:/tmp
	hk export s >"$T/x.tar"
	[ "$(tar -xOf "$T/x.tar" tmp/one)" = one ]
	[ "$(tar -xOf "$T/x.tar" srcdir/sub/x)" = deep ]
	[ "$(tar -xOf "$T/x.tar" tmp/sub/x)" = deep ]
	tar --numeric-owner -tvf "$T/x.tar" srcdir/sub/x | grep -q ' 0/0 '
	tar --numeric-owner -tvf "$T/x.tar" srcdir2/sub/x | grep -q ' 1234/4321 '
	# /tmp kept its mode (1777) under "SRC/.".
	tar -tvf "$T/x.tar" tmp/ | grep -q '^drwxrwxrwt'
	assert_no_mount_no_temp
	# A running container sees what is copied in (a copy is not atomic: a second file says it is done).
	run hkrun -d --name r fsimg:1 sh -c 'while [ ! -f /tmp/done ]; do sleep 0.1; done; cat /tmp/one'
	[ "$status" -eq 0 ]
	hk cp "$T/one" r:/tmp/one
	hk cp "$T/one" r:/tmp/done
	run hk wait r
	[ "$output" = 0 ]
	run hk logs r
	[ "$output" = one ]
	run hk cp "$T/nosuchfile" r:/tmp
	[ "$status" -eq 125 ]
	[[ "$output" == *"nosuchfile"* ]]
	run hk cp "$T/one" r:/nosuchdir/x
	[ "$status" -eq 125 ]
	[[ "$output" == *"no such directory"* ]]
}

@test "husk cp out of a running container, and tar streams both ways ('-')" {
	make_tree
	local T="$BATS_TEST_TMPDIR/h"
	mkdir -p "$T"
	run hkrun -d --name r fsimg:1 sh -c 'echo live >/live.tmp; mv /live.tmp /live; sleep 100'
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do hk diff r | grep -q '^A /live$' && break; sleep 0.1; done
	hk cp r:/live "$T/live"
	[ "$(cat "$T/live")" = live ]
	run bash -c "set -o pipefail; $(declare -f hk); hk cp s:/d - | tar -tf - | sort"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'd/\nd/e/\nd/e/f\nd/t')" ]
	run bash -c "set -o pipefail; $(declare -f hk); hk cp s:/d/. - | tar -tf - | sort"
	[ "$output" = "$(printf './\n./e/\n./e/f\n./t')" ]
	# In: a tar stream extracted into a directory; names climbing out are clamped below it.
	python3 - "$T/in.tar" <<-'PY'
		import io, sys, tarfile
		with tarfile.open(sys.argv[1], "w") as t:
		    for name, data in (("a/b", b"ab\n"), ("../../../escape", b"esc\n"), ("/abs", b"abs\n")):
		        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
	PY
	hk cp - s:/tmp <"$T/in.tar"
	hk cp - r:/tmp <"$T/in.tar"
	hk export s >"$T/x.tar"
	[ "$(tar -xOf "$T/x.tar" tmp/a/b)" = ab ]
	[ "$(tar -xOf "$T/x.tar" tmp/escape)" = esc ]
	[ "$(tar -xOf "$T/x.tar" tmp/abs)" = abs ]
	[ "$(hk cp r:/tmp/escape - | tar -xOf -)" = esc ]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
	[ ! -e /escape ]
	run hk cp - s:/tmp/nosuch <"$T/in.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"must be a directory"* ]]
	run hk cp - s:/tmp </dev/null
	[ "$status" -eq 125 ]
	# Only the running container's own root is mounted; gone with it.
	hk rm -f r >/dev/null
	assert_no_mount_no_temp
}
