# shellcheck shell=bash
# Test images made locally, never pulled: Debian's busybox-static as a root filesystem, made into an OCI
# image layout with umoci, and from there into other formats with skopeo. Load after helpers.bash.
#
# The layout is built once per bats run (under $BATS_RUN_TMPDIR, made under a temporary name and renamed,
# as helpers.bash's rootfs template) and copied or converted by each test into its own
# $BATS_TEST_TMPDIR, so tests may change their copy freely.
#
#   image_rootfs DIR             a busybox root: /bin/busybox and every applet as a symlink, /etc/passwd,
#                                /etc/group, /tmp (1777), /root
#   image_rootfs_tar FILE        that root as a tarball (GNU tar, numeric owners)
#   image_oci_layout DIR         an OCI layout (umoci) of two gzip layers: the busybox root, then
#                                /etc/hello ("hello from layer 2"); Cmd ["/bin/sh"]; tagged "busybox:test"
#                                (index.json's org.opencontainers.image.ref.name)
#   image_oci_archive FILE [REF] that layout as an oci-archive (skopeo); REF: the ref.name to write
#   image_docker_archive FILE [NAME]  as a docker-archive (skopeo; layers uncompressed, as docker save)
#   image_blob_path LAYOUT DIGEST    the blob file of DIGEST in LAYOUT
#   image_manifest_digest LAYOUT     the digest of index.json's first manifest
#   image_config_digest LAYOUT       the config digest of that manifest
# IMAGE_HELLO is /etc/hello's content.

IMAGE_HELLO="hello from layer 2"

image_rootfs() {
	local dir="$1" a
	mkdir -p "$dir"/{bin,etc,tmp,root}
	cp "${BUSYBOX:-/bin/busybox}" "$dir/bin/busybox"
	for a in $("${BUSYBOX:-/bin/busybox}" --list | grep -vx busybox); do
		ln -sf busybox "$dir/bin/$a"
	done
	chmod 1777 "$dir/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\n' >"$dir/etc/group"
}

image_rootfs_tar() {
	local tmp
	tmp="$(mktemp -d "$BATS_TEST_TMPDIR/rootfs.XXXXXX")"
	image_rootfs "$tmp"
	tar --numeric-owner -C "$tmp" -cf "$1" .
	rm -rf "$tmp"
}

_image_layout_template() {
	local tpl="$BATS_RUN_TMPDIR/image-oci-layout"
	if [ ! -f "$tpl/index.json" ]; then
		local tmp="$BATS_RUN_TMPDIR/image-oci-layout.$$.$RANDOM"
		rm -rf "$tmp" "$tmp.bundle"
		# unpack + repack, not `umoci insert`: Debian's umoci 0.4.7 writes insert's layers without the
		# tar's last padding and end blocks (GNU tar: "Unexpected EOF in archive").
		umoci init --layout "$tmp" >/dev/null
		umoci new --image "$tmp:busybox:test" >/dev/null
		umoci unpack --image "$tmp:busybox:test" "$tmp.bundle" >/dev/null
		image_rootfs "$tmp.bundle/rootfs"
		# --refresh-bundle: the next repack diffs against this layer, so it holds only /etc/hello.
		umoci repack --refresh-bundle --image "$tmp:busybox:test" "$tmp.bundle" >/dev/null
		echo "$IMAGE_HELLO" >"$tmp.bundle/rootfs/etc/hello"
		umoci repack --image "$tmp:busybox:test" "$tmp.bundle" >/dev/null
		umoci config --image "$tmp:busybox:test" --config.cmd /bin/sh >/dev/null
		umoci gc --layout "$tmp" >/dev/null
		rm -rf "$tmp.bundle"
		mv -T "$tmp" "$tpl" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "$tpl"
}

image_oci_layout() {
	mkdir -p "$(dirname "$1")"
	cp -a "$(_image_layout_template)" "$1"
}

image_oci_archive() {
	skopeo copy --quiet "oci:$(_image_layout_template):busybox:test" "oci-archive:$1${2:+:$2}" >/dev/null
}

image_docker_archive() {
	skopeo copy --quiet "oci:$(_image_layout_template):busybox:test" "docker-archive:$1${2:+:$2}" >/dev/null
}

image_blob_path() {
	echo "$1/blobs/sha256/${2#sha256:}"
}

image_manifest_digest() {
	jq -r '.manifests[0].digest' "$1/index.json"
}

image_config_digest() {
	jq -r '.config.digest' "$(image_blob_path "$1" "$(image_manifest_digest "$1")")"
}
