#!/usr/bin/env bats
# Container roots made from image layers (src/image/rootfs*.c through tests/tools/rootfs-tool): a real
# container run by husk-runtime on an overlay root and on a copy, and the disk fifty roots of one image
# use. The layers are made here by hand, laid out as the store keeps them (layers/<id>/diff, short
# names under l/), and passed by short name, so the mount(2) path could take them too.

load helpers
load image
load husk

ROOTFS_TOOL="$(husk_build_dir)/tests/tools/rootfs-tool"

# store_fs DIR: DIR made; where the test directory is on overlayfs (the VM's root: no upper layer there,
# and no 0:0 device can be made on it), a tmpfs on DIR instead, unmounted by common_teardown.
store_fs() {
	mkdir -p "$1"
	if [ "$(stat -f -c %T "$BATS_TEST_TMPDIR")" = overlayfs ]; then
		mount -t tmpfs -o mode=0755 husk-test-store "$1"
	fi
}

# make_image: $STORE with a two-layer image, $IMAGE_LAYERS its short names (base first):
#   base: the busybox root of the other tests, /etc/motd, /etc/old
#   top:  /etc/version, and a whiteout of /etc/old (the image itself deletes a file)
make_image() {
	STORE="$BATS_TEST_TMPDIR/store"
	store_fs "$STORE"
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

# skip_in_vm: skopeo, husk load and fifty mounts take minutes under the VM's qemu TCG; the host runs them.
skip_in_vm() {
	[ "$(hostname)" != husk-vm ] || skip "slow under qemu TCG: the host runs it"
}

# load_image: the two-layer busybox image of image.bash (busybox:test) loaded into $HUSK_STORE by
# `husk load`, the real store (layers/<diffid>/diff, l/<26 hex>, records).
load_image() {
	husk_setup
	store_fs "$HUSK_STORE"
	image_oci_archive "$BATS_TEST_TMPDIR/img.tar" busybox:test
	hk load -i "$BATS_TEST_TMPDIR/img.tar" >&3
}

# store_root DIR [OPTIONS...]: husk_rootfs_mount of busybox:test from its record, as the engine calls it.
store_root() {
	local dir="$1"
	shift
	mkdir -p "$dir"
	echo "$dir" >>"$BATS_TEST_TMPDIR/roots"
	run "$ROOTFS_TOOL" image "$@" "$dir" "$HUSK_STORE" busybox:test
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
	skip_in_vm
	load_image
	local image_k total_k i n=50 write_k=8
	# the image: its blobs (kept for save/push) and its unpacked layers
	image_k="$(du -skx "$HUSK_STORE" | cut -f1)"
	for i in $(seq 1 $n); do
		store_root "$HUSK_STORE/containers/rootfs-c$i"
		[ "$output" = overlay ]
		head -c $((write_k * 1024)) /dev/urandom >"$HUSK_STORE/containers/rootfs-c$i/merged/data"
	done
	# -x: merged/ mounts show the image again, once per container, but hold nothing of their own
	total_k="$(du -skx "$HUSK_STORE" | cut -f1)"
	local per_k=$(((total_k - image_k) / n))
	echo "# image ${image_k} KiB in the store; ${n} roots with ${write_k} KiB written each: store ${total_k} KiB," \
		"${per_k} KiB per root (a copy per root would add $(du -skx "$HUSK_STORE/layers" | cut -f1) KiB each)" >&3
	# each root: its write plus upper/, work/, work/work/ and its own directory (4 KiB each)
	[ "$total_k" -lt $((image_k + n * (write_k + 20))) ]
	# and what husk_rootfs_usage says of one root agrees with du
	run "$ROOTFS_TOOL" usage "$HUSK_STORE/containers/rootfs-c1"
	[ "$status" -eq 0 ]
	local bytes="${output%% *}"
	[ "$bytes" -ge $((write_k * 1024)) ] && [ "$bytes" -le $(((write_k + 16) * 1024)) ]
	for i in $(seq 1 $n); do
		"$ROOTFS_TOOL" remove "$HUSK_STORE/containers/rootfs-c$i"
		rmdir "$HUSK_STORE/containers/rootfs-c$i"
	done
	[ "$(du -skx "$HUSK_STORE" | cut -f1)" -le "$image_k" ]
}

@test "an image loaded by husk load: its root from the store's records (overlay, mount(2) with the store's l/ names, copy), husk-runtime runs on each" {
	skip_in_vm
	load_image
	run "$ROOTFS_TOOL" store-probe "$HUSK_STORE"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = overlay ]
	local c="$HUSK_STORE/containers/rootfs-c" opts want
	for opts in "overlay" "overlay --legacy" "copy"; do
		want="${opts%% *}"
		store_root "$c" --driver $opts
		[ "$output" = "$want" ]
		[ "$(cat "$c/merged/etc/hello")" = "$IMAGE_HELLO" ]
		if [ "$want" = overlay ]; then
			# the mount names the layers: by fd (lowerdir+) or by the store's short names (mount(2))
			grep " $c/merged " /proc/self/mountinfo >&3
		fi
		mkdir -p "$c/merged/proc" "$c/merged/sys" "$c/merged/dev"
		update_config '.root.path = $p' --arg p "$c/merged"
		set_args sh -c 'cat /etc/hello; echo written >/written; rm /etc/hello'
		run_ctr
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "$IMAGE_HELLO" ]
		if [ "$want" = overlay ]; then
			[ "$(cat "$c/upper/written")" = written ]
			[ "$(stat -c '%F %t:%T' "$c/upper/etc/hello")" = "character special file 0:0" ]
		else
			[ "$(cat "$c/merged/written")" = written ]
			[ ! -e "$c/merged/etc/hello" ]
		fi
		"$ROOTFS_TOOL" remove "$c"
		[ -z "$(ls -A "$c")" ]
	done
	# the layers are untouched
	grep -rqx "$IMAGE_HELLO" "$HUSK_STORE/layers"
}

@test "deep stacks: 130 layers mount (lowerdir+ and mount(2) with l/ names), 600 are refused with words" {
	STORE="$BATS_TEST_TMPDIR/store"
	store_fs "$STORE"
	mkdir -p "$STORE/l" "$STORE/containers/c"
	# one process for the 600 layers: a fork per file is minutes in the VM (qemu TCG)
	python3 - "$STORE" <<-'EOF'
		import os, sys
		store = sys.argv[1]
		for i in range(600):
		    os.makedirs(f"{store}/layers/{i}/diff")
		    with open(f"{store}/layers/{i}/diff/top", "w") as f:
		        f.write(f"{i}\n")
		    os.symlink(f"../layers/{i}/diff", f"{store}/l/L{i:025d}")
	EOF
	local i name names=()
	for ((i = 0; i < 600; i++)); do
		printf -v name 'L%025d' "$i"
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

@test "rootless: in a user namespace, overlay with userxattr (user.overlay.opaque) and the copy give the same view" {
	local d="$BATS_TEST_TMPDIR/ul"
	store_fs "$d"
	mkdir -p "$d/base/etc/conf.d" "$d/top/etc/conf.d" "$d/c1" "$d/c2"
	echo a >"$d/base/etc/conf.d/a"
	echo gone >"$d/base/etc/gone"
	echo b >"$d/top/etc/conf.d/b"
	mknod "$d/top/etc/gone" c 0 0
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.overlay.opaque", b"y")' "$d/top/etc/conf.d" ||
		skip "no user.* xattrs on $(stat -f -c %T "$d")"
	run unshare -Urm --propagation private sh -euc '
		tool="$1" d="$2"
		"$tool" mount --rootless --driver overlay "$d/c1" "$d/base" "$d/top" >/dev/null
		grep " $d/c1/merged " /proc/self/mountinfo | grep -q userxattr
		"$tool" mount --rootless --driver copy "$d/c2" "$d/base" "$d/top" >/dev/null
		for c in c1 c2; do (cd "$d/$c/merged" && find . | sort | tr "\n" " "); echo; done
		echo new >"$d/c1/merged/etc/new"
		rm "$d/c1/merged/etc/conf.d/b"
		stat -c "%F %t:%T" "$d/c1/upper/etc/conf.d/b"
		"$tool" remove "$d/c1"
		"$tool" remove "$d/c2"
	' rootless "$ROOTFS_TOOL" "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ". ./etc ./etc/conf.d ./etc/conf.d/b " ]
	[ "${lines[1]}" = "${lines[0]}" ]
	[ "${lines[2]}" = "character special file 0:0" ]
	[ -z "$(ls -A "$d/c1")" ] && [ -z "$(ls -A "$d/c2")" ]
}
