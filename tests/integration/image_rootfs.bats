#!/usr/bin/env bats
# Container roots made from image layers (src/image/rootfs*.c through tests/tools/rootfs-tool): a real
# container run by husk-runtime on an overlay root and on a copy, and the disk fifty roots of one image
# use. The layers are made here by hand, laid out as the store keeps them (layers/<id>/diff, short
# names under l/), and passed by short name, so the mount(2) path could take them too.

load helpers

ROOTFS_TOOL="$(husk_build_dir)/tests/tools/rootfs-tool"

# make_image: $STORE with a two-layer image, $IMAGE_LAYERS its short names (base first):
#   base: the busybox root of the other tests, /etc/motd, /etc/old
#   top:  /etc/version, and a whiteout of /etc/old (the image itself deletes a file)
make_image() {
	STORE="$BATS_TEST_TMPDIR/store"
	mkdir -p "$STORE/l" "$STORE/containers" "$STORE/tmp" "$STORE/layers/base/diff" "$STORE/layers/top/diff/etc"
	cp -a "$(_rootfs_template)/." "$STORE/layers/base/diff/"
	echo welcome >"$STORE/layers/base/diff/etc/motd"
	echo old >"$STORE/layers/base/diff/etc/old"
	echo v2 >"$STORE/layers/top/diff/etc/version"
	mknod "$STORE/layers/top/diff/etc/old" c 0 0
	ln -s ../layers/base/diff "$STORE/l/BASEBASEBASEBASEBASEBASEBA"
	ln -s ../layers/top/diff "$STORE/l/TOPTOPTOPTOPTOPTOPTOPTOPTO"
	IMAGE_LAYERS=(BASEBASEBASEBASEBASEBASEBA TOPTOPTOPTOPTOPTOPTOPTOPTO)
}

# mount_root DIR [OPTIONS...]: DIR's root from the image; $output is the driver used.
mount_root() {
	local dir="$1"
	shift
	mkdir -p "$dir"
	echo "$dir" >>"$BATS_TEST_TMPDIR/roots"
	run "$ROOTFS_TOOL" mount --store "$STORE" --scratch "$STORE/tmp" "$@" "$dir" "${IMAGE_LAYERS[@]}"
	[ "$status" -eq 0 ] || { echo "mount $dir: $output" >&2; return 1; }
}

teardown() {
	local d
	if [ -f "$BATS_TEST_TMPDIR/roots" ]; then
		while read -r d; do
			"$ROOTFS_TOOL" remove "$d" || true
		done <"$BATS_TEST_TMPDIR/roots"
	fi
	common_teardown
}

# run_on_root DIR: husk-runtime runs a container whose root.path is DIR/merged: it reads what the
# image has, writes a file and deletes one of a lower layer.
run_on_root() {
	update_config '.root.path = $p' --arg p "$1/merged"
	set_args sh -c 'cat /etc/motd /etc/version; test -e /etc/old && echo OLD-VISIBLE; echo written >/written; rm /etc/motd; ls /etc'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = welcome ]
	[ "${lines[1]}" = v2 ]
	[[ "$output" != *OLD-VISIBLE* ]]
}

@test "husk-runtime runs on an overlay root: writes land in upper/, a deleted lower file becomes a whiteout" {
	make_image
	local c="$STORE/containers/c1"
	mount_root "$c"
	[ "$output" = overlay ]
	grep -q " $c/merged .* - overlay " /proc/self/mountinfo
	run_on_root "$c"
	[ "$(cat "$c/upper/written")" = written ]
	[ "$(stat -c '%F %t:%T' "$c/upper/etc/motd")" = "character special file 0:0" ]
	# the shared layers are untouched
	[ "$(cat "$STORE/layers/base/diff/etc/motd")" = welcome ]
	[ ! -e "$STORE/layers/top/diff/written" ]
	# the upper layer outlives the mount (a restart sees it)
	"$ROOTFS_TOOL" unmount "$c"
	! grep -q " $c/merged " /proc/self/mountinfo
	[ -z "$(ls -A "$c/merged")" ]
	mount_root "$c"
	[ "$(cat "$c/merged/written")" = written ]
	[ ! -e "$c/merged/etc/motd" ]
	"$ROOTFS_TOOL" remove "$c"
	[ -z "$(ls -A "$c")" ]
	! grep -q " $c/" /proc/self/mountinfo
}

@test "husk-runtime runs on a copy root (HUSK_ROOTFS_DRIVER=copy, chosen by the probe)" {
	make_image
	local c="$STORE/containers/c1"
	HUSK_ROOTFS_DRIVER=copy mount_root "$c"
	[ "$output" = copy ]
	! grep -q " $c/merged " /proc/self/mountinfo
	run_on_root "$c"
	[ "$(cat "$c/merged/written")" = written ]
	[ ! -e "$c/merged/etc/motd" ]
	[ ! -e "$c/upper" ]
	[ "$(cat "$STORE/layers/base/diff/etc/motd")" = welcome ]
	# the copy is whole: busybox is a copy of the layer's, not a link to it
	cmp "$c/merged/bin/busybox" "$STORE/layers/base/diff/bin/busybox"
	[ "$(stat -c %i "$c/merged/bin/busybox")" != "$(stat -c %i "$STORE/layers/base/diff/bin/busybox")" ]
	"$ROOTFS_TOOL" remove "$c"
	[ -z "$(ls -A "$c")" ]
}

@test "fifty roots of one image use the disk of one image plus their own writes (du on the store)" {
	make_image
	local image_k total_k i n=50 write_k=8
	image_k="$(du -skx "$STORE" | cut -f1)"
	for i in $(seq 1 $n); do
		mount_root "$STORE/containers/c$i"
		[ "$output" = overlay ]
		head -c $((write_k * 1024)) /dev/urandom >"$STORE/containers/c$i/merged/data"
	done
	# -x: merged/ mounts show the image again, once per container, but hold nothing of their own
	total_k="$(du -skx "$STORE" | cut -f1)"
	local per_k=$(((total_k - image_k) / n))
	echo "# image ${image_k} KiB; ${n} roots with ${write_k} KiB written each: store ${total_k} KiB," \
		"${per_k} KiB per root (a copy per root would be $((image_k * n)) KiB)" >&3
	# each root: its write plus upper/, work/, work/work/ and its own directory (4 KiB each)
	[ "$total_k" -lt $((image_k + n * (write_k + 20))) ]
	# and what husk_rootfs_usage says of one root agrees with du
	run "$ROOTFS_TOOL" usage "$STORE/containers/c1"
	[ "$status" -eq 0 ]
	local bytes="${output% *}"
	[ "$bytes" -ge $((write_k * 1024)) ] && [ "$bytes" -le $(((write_k + 16) * 1024)) ]
	for i in $(seq 1 $n); do
		"$ROOTFS_TOOL" remove "$STORE/containers/c$i"
	done
	[ "$(du -skx "$STORE/containers" | cut -f1)" -le $((n * 4 + 4)) ]
}

@test "deep stacks: 130 layers mount (lowerdir+ and mount(2) with l/ names), 600 are refused with words" {
	STORE="$BATS_TEST_TMPDIR/store"
	mkdir -p "$STORE/l" "$STORE/containers/c"
	local i names=() name
	for i in $(seq 0 599); do
		mkdir -p "$STORE/layers/$i/diff"
		echo "$i" >"$STORE/layers/$i/diff/top"
		name="$(printf 'L%025d' "$i")"
		ln -s "../layers/$i/diff" "$STORE/l/$name"
		names+=("$name")
	done
	echo "$STORE/containers/c" >>"$BATS_TEST_TMPDIR/roots"
	local legacy
	for legacy in "" --legacy; do
		run "$ROOTFS_TOOL" mount --driver overlay $legacy --store "$STORE" "$STORE/containers/c" "${names[@]:0:130}"
		echo "130 layers $legacy: $output" >&3
		[ "$status" -eq 0 ]
		[ "$(cat "$STORE/containers/c/merged/top")" = 129 ]
		"$ROOTFS_TOOL" remove "$STORE/containers/c"
		run "$ROOTFS_TOOL" mount --driver overlay $legacy --store "$STORE" "$STORE/containers/c" "${names[@]}"
		echo "600 layers $legacy: $output" >&3
		[ "$status" -eq 1 ]
		[[ "$output" == *"500"* ]]
		[ -z "$(ls -A "$STORE/containers/c")" ]
	done
}
