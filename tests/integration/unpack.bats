#!/usr/bin/env bats
# husk_layer_unpack (src/image/unpack*.c) through tests/tools/husk-unpack, on layers made here: a
# four-layer image built with umoci over busybox (files of every kind, a layer that deletes, one with an
# opaque directory) whose layers, stacked by overlayfs, must equal `umoci unpack` of the same image file
# by file; and archives written with Python's tarfile that try to write outside the layer. The same
# file runs again as unpack_no_openat2.bats (a symlink), with openat2 made unavailable.

load helpers
load image

HU="$HUSK_TOOLS_DIR/husk-unpack"

# hu ARGS...: husk-unpack (with the no-openat2 shim when that is what this file tests).
hu() {
	if [ -n "$RT_PRELOAD" ]; then
		HUSK_NO_OPENAT2_LOG="$BATS_TEST_TMPDIR/no_openat2.log" LD_PRELOAD="$RT_PRELOAD" "$HU" "$@"
	else
		"$HU" "$@"
	fi
}

# The shim really was in the way (the no-openat2 variant), else nothing to check.
check_shim_used() {
	[ -z "$RT_PRELOAD" ] || grep -q 'openat2 refused' "$BATS_TEST_TMPDIR/no_openat2.log"
}

T0="2001-02-03 04:05:06.789012345"

# The second layer: one of every kind of entry.
_layer_everything() {
	local r="$1" long
	mkdir -p "$r/data" "$r/opq/sub" "$r/del" "$r/deldir/inner" "$r/same"
	echo content >"$r/data/file.txt"
	chown 1234:5678 "$r/data/file.txt"
	chmod 640 "$r/data/file.txt"
	ln "$r/data/file.txt" "$r/data/hard"
	mkfifo -m 600 "$r/data/fifo"
	mknod -m 620 "$r/data/null" c 1 3
	mknod -m 600 "$r/data/loop" b 7 200
	echo suid >"$r/data/suid"
	chmod 4755 "$r/data/suid"
	echo sgid >"$r/data/sgid"
	chgrp 100 "$r/data/sgid"
	chmod 2750 "$r/data/sgid"
	echo ping >"$r/data/ping"
	chmod 755 "$r/data/ping"
	setcap cap_net_raw+ep "$r/data/ping"
	echo xattr >"$r/data/xattr"
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.test", b"value\0bin")' "$r/data/xattr"
	long="$r/data/$(printf 'd%.0s' {1..120})"
	mkdir -p "$long"
	echo long >"$long/$(printf 'n%.0s' {1..200})"
	echo utf8 >"$r/data/héllo wörld ✓.txt"
	truncate -s 8M "$r/data/sparse"
	printf middle | dd of="$r/data/sparse" bs=1 seek=4194304 conv=notrunc status=none
	mkdir -m 700 "$r/data/private"
	mkdir -m 1777 "$r/data/sticky"
	ln -s file.txt "$r/data/rel"
	ln -s /etc/passwd "$r/data/abs"
	ln -s /nonexistent "$r/data/dangling"
	echo a >"$r/opq/a"
	echo b >"$r/opq/sub/b"
	echo x >"$r/del/x"
	echo y >"$r/del/y"
	echo z >"$r/deldir/inner/z"
	echo r >"$r/data/replace_me"
	echo keep >"$r/same/lower"
	find "$r/data" "$r/opq" "$r/del" "$r/deldir" "$r/same" -depth -exec touch -h -d "$T0" {} +
}

# The third layer: deletions, a file replaced by a directory, a changed mode, a hard-linked file
# rewritten in place.
_layer_deletes() {
	local r="$1"
	rm "$r/del/x"
	rm -rf "$r/deldir"
	rm "$r/data/replace_me"
	mkdir "$r/data/replace_me"
	echo new >"$r/data/replace_me/inner"
	chmod 750 "$r/data/private"
	echo changed >"$r/data/file.txt"
	touch -h -d "2002-01-01 00:00:00" "$r/data/replace_me/inner" "$r/data/replace_me" "$r/data/file.txt" "$r/data"
}

# The fourth layer, written by hand (umoci writes explicit whiteouts, never opaque ones): opq/ made
# opaque with one new file, a lower fifo whited out, and a whiteout after a file of its own layer
# (layer.md: it does not apply to that file). Parent directories are listed, as image builders do: a
# layer is unpacked on its own, so a parent it leaves out is made fresh and hides the lower one's
# attributes in the merged view (unpack.h).
_layer_opaque() {
	python3 - "$1" <<-'PY'
		import io, sys, tarfile
		t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
		def add(name, kind=tarfile.REGTYPE, data=b"", mode=0o644):
		    i = tarfile.TarInfo(name)
		    i.type, i.mode, i.mtime, i.size = kind, mode, 1600000000, len(data)
		    t.addfile(i, io.BytesIO(data))
		add("opq", tarfile.DIRTYPE, mode=0o755)
		add("opq/.wh..wh..opq")
		add("opq/new", data=b"new\n")
		add("data", tarfile.DIRTYPE, mode=0o755)
		add("data/.wh.fifo")
		add("same", tarfile.DIRTYPE, mode=0o700)
		add("same/mine", data=b"mine\n")
		add("same/.wh.mine")
		add("same/.wh.lower")
		t.close()
	PY
}

# _layers LAYOUT TAG: one line per layer, bottom first: "DIGEST DIFFID MEDIATYPE".
_layers() {
	local manifest config
	manifest="$(image_blob_path "$1" "$(image_manifest_digest "$1")")"
	config="$(image_blob_path "$1" "$(jq -r .config.digest "$manifest")")"
	paste -d ' ' <(jq -r '.layers[].digest' "$manifest") <(jq -r '.rootfs.diff_ids[]' "$config") \
		<(jq -r '.layers[].mediaType' "$manifest")
}

setup_file() {
	for c in umoci python3 jq setcap zstd; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
	IMG="$BATS_FILE_TMPDIR/img"
	mkdir -p "$IMG"
	umoci init --layout "$IMG/oci" >/dev/null
	umoci new --image "$IMG/oci:t" >/dev/null
	umoci unpack --image "$IMG/oci:t" "$IMG/bundle" >/dev/null
	image_rootfs "$IMG/bundle/rootfs"
	umoci repack --refresh-bundle --image "$IMG/oci:t" "$IMG/bundle" >/dev/null
	_layer_everything "$IMG/bundle/rootfs"
	umoci repack --refresh-bundle --image "$IMG/oci:t" "$IMG/bundle" >/dev/null
	_layer_deletes "$IMG/bundle/rootfs"
	umoci repack --image "$IMG/oci:t" "$IMG/bundle" >/dev/null
	_layer_opaque "$IMG/layer4.tar"
	umoci raw add-layer --image "$IMG/oci:t" "$IMG/layer4.tar" >/dev/null
	rm -rf "$IMG/bundle"
	umoci unpack --image "$IMG/oci:t" "$IMG/ref" >/dev/null
	_layers "$IMG/oci" >"$IMG/layers"
	export IMG
}

teardown() {
	if [ -n "${MERGED:-}" ] && mountpoint -q "$MERGED"; then
		umount "$MERGED"
	fi
}

@test "unpack: each layer's digest and diffID are the image's, for gzip, zstd and plain tar alike" {
	[ "$(wc -l <"$IMG/layers")" -eq 4 ]
	local i=0 digest diffid mt blob out
	while read -r digest diffid mt; do
		i=$((i + 1))
		blob="$(image_blob_path "$IMG/oci" "$digest")"
		out="$(hu "$blob" "$BATS_TEST_TMPDIR/l$i")"
		[ "$(jq -r .digest <<<"$out")" = "$digest" ]
		[ "$(jq -r .diffid <<<"$out")" = "$diffid" ]
		[ "$(jq -r .blob_size <<<"$out")" = "$(stat -c %s "$blob")" ]
		# the same layer decompressed, and recompressed with zstd: same diffID, digest of those bytes
		if [[ "$mt" == *gzip ]]; then
			zcat "$blob" >"$BATS_TEST_TMPDIR/plain.tar"
		else
			cp "$blob" "$BATS_TEST_TMPDIR/plain.tar"
		fi
		zstd -q -f "$BATS_TEST_TMPDIR/plain.tar" -o "$BATS_TEST_TMPDIR/layer.zst"
		for f in plain.tar layer.zst; do
			out="$(hu "$BATS_TEST_TMPDIR/$f" "$BATS_TEST_TMPDIR/l$i-$f")"
			[ "$(jq -r .diffid <<<"$out")" = "$diffid" ]
			[ "$(jq -r .digest <<<"$out")" = "sha256:$(sha256sum <"$BATS_TEST_TMPDIR/$f" | cut -d' ' -f1)" ]
			python3 "$HELPERS_DIR/tree_compare.py" "$BATS_TEST_TMPDIR/l$i" "$BATS_TEST_TMPDIR/l$i-$f"
		done
	done <"$IMG/layers"
	check_shim_used
}

@test "unpack: the layers stacked by overlayfs equal umoci unpack of the image, file by file" {
	local i=0 digest diffid mt lower=
	while read -r digest diffid mt; do
		i=$((i + 1))
		hu "$(image_blob_path "$IMG/oci" "$digest")" "$BATS_TEST_TMPDIR/l$i" >/dev/null
		lower="$BATS_TEST_TMPDIR/l$i${lower:+:$lower}"
	done <"$IMG/layers"

	# overlayfs's forms of the whiteouts, in the layers themselves
	[ "$(stat -c '%F %t:%T' "$BATS_TEST_TMPDIR/l3/del/x")" = "character special file 0:0" ]
	[ "$(stat -c '%F %t:%T' "$BATS_TEST_TMPDIR/l3/deldir")" = "character special file 0:0" ]
	[ "$(stat -c '%F %t:%T' "$BATS_TEST_TMPDIR/l4/data/fifo")" = "character special file 0:0" ]
	python3 -c 'import os, sys; assert os.getxattr(sys.argv[1], "trusted.overlay.opaque") == b"y"' "$BATS_TEST_TMPDIR/l4/opq"
	[ "$(cat "$BATS_TEST_TMPDIR/l4/same/mine")" = mine ]
	[ "$(stat -c %i "$BATS_TEST_TMPDIR/l2/data/hard")" = "$(stat -c %i "$BATS_TEST_TMPDIR/l2/data/file.txt")" ]
	getcap "$BATS_TEST_TMPDIR/l2/data/ping" | grep -q cap_net_raw

	MERGED="$BATS_TEST_TMPDIR/merged"
	mkdir "$MERGED"
	mount -t overlay overlay -o "ro,lowerdir=$lower" "$MERGED"
	run python3 "$HELPERS_DIR/tree_compare.py" "$IMG/ref/rootfs" "$MERGED"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" 0 differ"* ]]
	[ ! -e "$MERGED/del/x" ] && [ -e "$MERGED/del/y" ] && [ ! -e "$MERGED/opq/a" ] && [ -e "$MERGED/opq/new" ]
	check_shim_used
}

# _evil NAME PYTHON: $BATS_TEST_TMPDIR/NAME.tar written by the Python statements (tarfile as t, add()
# and link() helpers); $OUT is a directory beside the layer holding a victim file.
_evil() {
	local name="$1" code="$2"
	OUT="$BATS_TEST_TMPDIR/outside"
	mkdir -p "$OUT"
	echo victim >"$OUT/victim"
	chmod 400 "$OUT/victim"
	python3 - "$BATS_TEST_TMPDIR/$name.tar" "$OUT" <<-PY
		import io, sys, tarfile
		out = sys.argv[2]
		t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
		def add(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, target=""):
		    i = tarfile.TarInfo(name)
		    i.type, i.mode, i.size, i.linkname = kind, mode, len(data), target
		    t.addfile(i, io.BytesIO(data))
		$code
		t.close()
	PY
}

_outside_intact() {
	[ "$(ls -A "$OUT")" = victim ]
	[ "$(cat "$OUT/victim")" = victim ]
	[ "$(stat -c '%a %h %u' "$OUT/victim")" = "400 1 0" ]
}

@test "unpack: archives written by Python's tarfile cannot write outside the layer" {
	_evil escape "
add('abs', tarfile.SYMTYPE, target=out)
add('abs/victim', data=b'pwned')
add('rel', tarfile.SYMTYPE, target='../outside')
add('rel/new', data=b'pwned')
add('../outside/victim2', data=b'pwned')
add(out + '/victim3', data=b'pwned')
add('hl', tarfile.LNKTYPE, target='abs/victim')
add('sl', tarfile.SYMTYPE, target=out + '/victim')
add('sl', tarfile.FIFOTYPE, mode=0o777)
add('abs/.wh.victim')"
	hu "$BATS_TEST_TMPDIR/escape.tar" "$BATS_TEST_TMPDIR/layer" >/dev/null
	_outside_intact
	# what the archive aimed outside is inside the layer instead
	local L="$BATS_TEST_TMPDIR/layer"
	[ "$(cat "$L/$OUT/victim")" = pwned ]
	[ "$(cat "$L/outside/new")" = pwned ]
	[ "$(cat "$L/outside/victim2")" = pwned ]
	[ "$(cat "$L/$OUT/victim3")" = pwned ]
	[ "$(stat -c %F "$L/sl")" = fifo ]
	check_shim_used
}

@test "unpack: a hard link to a file outside, the root made a symlink, bad whiteouts: refused, entry named" {
	_evil hardlink "add('stolen', tarfile.LNKTYPE, target=out + '/victim')"
	run hu "$BATS_TEST_TMPDIR/hardlink.tar" "$BATS_TEST_TMPDIR/l1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"entry \"stolen\": hard link target"*"No such file or directory"* ]]
	_outside_intact

	_evil rootlink "add('.', tarfile.SYMTYPE, target=out)
add('victim', data=b'pwned')"
	run hu "$BATS_TEST_TMPDIR/rootlink.tar" "$BATS_TEST_TMPDIR/l2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"entry \".\": only a directory can name the layer's root"* ]]
	[ -d "$BATS_TEST_TMPDIR/l2" ] && [ ! -L "$BATS_TEST_TMPDIR/l2" ]
	_outside_intact

	local wh
	for wh in .wh.. .wh... etc/.wh.. .wh. .wh.x/y; do
		_evil wh "add('etc', tarfile.DIRTYPE, mode=0o755)
add('$wh')"
		run hu "$BATS_TEST_TMPDIR/wh.tar" "$BATS_TEST_TMPDIR/w"
		[ "$status" -eq 1 ]
		[[ "$output" == *"entry \"$wh\": invalid whiteout"* ]]
		rm -rf "$BATS_TEST_TMPDIR/w"
	done
	_outside_intact
}

@test "unpack: --rootless as an unprivileged user: devices skipped, chown where permitted, user.overlay.opaque" {
	_evil rootless "add('dev', tarfile.DIRTYPE, mode=0o755)
i = tarfile.TarInfo('dev/null'); i.type = tarfile.CHRTYPE; i.devmajor, i.devminor = 1, 3; t.addfile(i)
add('d', tarfile.DIRTYPE, mode=0o755)
add('d/.wh..wh..opq')
add('.wh.gone')
i = tarfile.TarInfo('owned'); i.uid = i.gid = 4321; t.addfile(i, io.BytesIO(b''))"
	local L="$BATS_TEST_TMPDIR/rl"
	mkdir "$L"
	chown 65534:65534 "$L"
	chmod 755 "$BATS_TEST_TMPDIR"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$HU" --rootless "$BATS_TEST_TMPDIR/rootless.tar" "$L"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .devices_skipped <<<"$output")" = 1 ]
	[ ! -e "$L/dev/null" ]
	[ "$(stat -c '%u %F %t:%T' "$L/gone")" = "65534 character special file 0:0" ]
	[ "$(stat -c %u "$L/owned")" = 65534 ]
	python3 -c 'import os, sys; assert os.getxattr(sys.argv[1], "user.overlay.opaque") == b"y"' "$L/d"
}

@test "unpack: --rootless as root of a user namespace: ids mapped, unmapped ones ours, capabilities with their rootid" {
	_evil userns "add('d', tarfile.DIRTYPE, mode=0o755)
add('d/.wh..wh..opq')
i = tarfile.TarInfo('owned'); i.uid, i.gid = 1234, 5678; t.addfile(i, io.BytesIO(b''))
i = tarfile.TarInfo('unmapped'); i.uid = i.gid = 70000; t.addfile(i, io.BytesIO(b''))
i = tarfile.TarInfo('ping'); i.mode = 0o755
i.pax_headers = {'SCHILY.xattr.security.capability': '\x01\x00\x00\x02\x00\x20\x00\x00' + '\x00' * 12}
t.addfile(i, io.BytesIO(b''))
i = tarfile.TarInfo('trusted'); i.pax_headers = {'SCHILY.xattr.trusted.note': 'x'}; t.addfile(i, io.BytesIO(b''))
i = tarfile.TarInfo('null'); i.type = tarfile.CHRTYPE; i.devmajor, i.devminor = 1, 3; t.addfile(i)"
	local L="$BATS_TEST_TMPDIR/ul"
	mkdir "$L"
	chown 200000:200000 "$L"
	chmod 755 "$BATS_TEST_TMPDIR"
	run python3 "$HELPERS_DIR/userns_run.py" 200000 65536 "$HU" --rootless "$BATS_TEST_TMPDIR/userns.tar" "$L"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .devices_skipped <<<"$output")" = 1 ]
	[ "$(stat -c '%u:%g' "$L/owned")" = 201234:205678 ]
	[ "$(stat -c '%u:%g' "$L/unmapped")" = 200000:200000 ]
	getcap -n "$L/ping" | grep -q 'cap_net_raw=ep \[rootid=200000\]'
	python3 -c 'import os, sys; assert os.listxattr(sys.argv[2]) == []; assert os.getxattr(sys.argv[1], "user.overlay.opaque") == b"y"' "$L/d" "$L/trusted"
}
