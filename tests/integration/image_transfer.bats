#!/usr/bin/env bats
# husk load, import and save: OCI layouts (directory and archive), Docker archives, rootfs tarballs, made
# locally with umoci and skopeo (tests/integration/image.bash); what is saved is read back by skopeo and
# podman. Every test has its own store ($HUSK_STORE, under $BATS_TEST_TMPDIR).

load helpers
load husk
load image

setup() {
	husk_setup
	case "$(uname -m)" in
	x86_64) HOST_ARCH=amd64 OTHER_ARCH=s390x ;;
	aarch64) HOST_ARCH=arm64 OTHER_ARCH=amd64 ;;
	*) skip "no Go name for $(uname -m) in this test" ;;
	esac
}

teardown() {
	if [ -n "${PM_DIR:-}" ]; then
		timeout -k 5 60 podman rmi --all --force >/dev/null 2>&1 || true
		rm -rf "$PM_DIR"
	fi
}

# podman with a storage of this test's own (vfs: no mounts to clean up).
podman_private() {
	PM_DIR="$BATS_TEST_TMPDIR/podman"
	mkdir -p "$PM_DIR"
	cat >"$PM_DIR/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$PM_DIR/root"
		runroot = "$PM_DIR/runroot"
	EOF
	export CONTAINERS_STORAGE_CONF="$PM_DIR/storage.conf"
}

# The image records of the store, as "id name name..." lines (images.json: store.h's layout).
records() {
	[ -f "$HUSK_STORE/images.json" ] || return 0
	jq -r '.. | objects | select(has("id") and has("manifest")) | [.id] + (.names // []) | join(" ")' \
		"$HUSK_STORE/images.json"
}

# Nothing but what GC would free: no record, and tmp/ empty once a command has opened the store again.
store_has_no_images() {
	[ -z "$(records)" ]
}

# sha256 of a file, as a digest.
digest_of() {
	echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

# blob_add LAYOUT FILE: FILE moved into LAYOUT's blobs; prints "DIGEST SIZE".
blob_add() {
	local d size
	d="$(digest_of "$2")"
	size="$(stat -c %s "$2")"
	mv "$2" "$(image_blob_path "$1" "$d")"
	echo "$d $size"
}

@test "load: an OCI layout directory; its name from the ref.name annotation; layers in order" {
	image_oci_layout "$BATS_TEST_TMPDIR/layout"
	local L="$BATS_TEST_TMPDIR/layout" config
	config="$(image_config_digest "$L")"
	run hk load -i "$L"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:test" ]
	run records
	[ "$output" = "$config docker.io/library/busybox:test" ]
	# Both layers unpacked: the store has each diff_id's directory with the files of that layer.
	local d1 d2
	d1="$(jq -r '.rootfs.diff_ids[0]' "$(image_blob_path "$L" "$config")")"
	d2="$(jq -r '.rootfs.diff_ids[1]' "$(image_blob_path "$L" "$config")")"
	[ -x "$HUSK_STORE/layers/${d1#sha256:}/diff/bin/busybox" ]
	[ "$(cat "$HUSK_STORE/layers/${d2#sha256:}/diff/etc/hello")" = "$IMAGE_HELLO" ]
	# The manifest kept byte for byte: the record's manifest digest is the layout's.
	[ -f "$(image_blob_path "$HUSK_STORE" "$(image_manifest_digest "$L")")" ]
	# Loading again changes nothing.
	run hk load -q -i "$L"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run records
	[ "$output" = "$config docker.io/library/busybox:test" ]
	# What load reports is the archive's names, not others the image has.
	hk tag busybox:test other:1
	run hk load -i "$L"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:test" ]
}

@test "load: oci-archive (skopeo), plain, gzip and zstd compressed, and from stdin" {
	local A="$BATS_TEST_TMPDIR/a.tar"
	image_oci_archive "$A" "example.com/team/bb:1.0"
	run hk load -i "$A"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: example.com/team/bb:1.0" ]
	gzip -c "$A" >"$A.gz"
	zstd -q -c "$A" >"$A.zst"
	rm -rf "$HUSK_STORE"
	run hk load -i "$A.gz"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: example.com/team/bb:1.0" ]
	rm -rf "$HUSK_STORE"
	run hk load -i "$A.zst"
	[ "$status" -eq 0 ]
	rm -rf "$HUSK_STORE"
	run bash -c 'hk() { "$HUSK" --storage-root "$HUSK_STORE" "$@"; }; hk load < "$1"' _ "$A.zst"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: example.com/team/bb:1.0" ]
}

@test "load: a bare tag as ref.name (skopeo oci-archive:F:latest) is taken as a name, as podman does" {
	local A="$BATS_TEST_TMPDIR/a.tar"
	image_oci_archive "$A" latest
	run hk load -i "$A"
	[ "$status" -eq 0 ]
	# podman 4.3 names it localhost/latest:latest; husk normalises as Docker does.
	[ "$output" = "Loaded image: latest:latest" ]
	# No ref.name at all: loaded without a name, reported by id.
	local L="$BATS_TEST_TMPDIR/layout"
	image_oci_layout "$L"
	jq 'del(.manifests[0].annotations)' "$L/index.json" >"$L/i" && mv "$L/i" "$L/index.json"
	rm -rf "$HUSK_STORE"
	run hk load -i "$L"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image ID: $(image_config_digest "$L")" ]
}

@test "load: docker-archive (skopeo: uncompressed layers); a Docker schema 2 manifest synthesised" {
	local A="$BATS_TEST_TMPDIR/d.tar" L="$BATS_TEST_TMPDIR/layout"
	image_docker_archive "$A" busybox:latest
	image_oci_layout "$L"
	run hk load -i "$A"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:latest" ]
	# The same config as the layout's (the image id), under a manifest of Docker's type.
	local id manifest
	read -r id _ < <(records)
	[ "$id" = "$(image_config_digest "$L")" ]
	manifest="$(jq -r '.. | objects | select(has("id") and has("manifest")) | .manifest' "$HUSK_STORE/images.json")"
	run jq -r '.mediaType, (.layers | length), .layers[0].mediaType' "$(image_blob_path "$HUSK_STORE" "$manifest")"
	[ "${lines[0]}" = application/vnd.docker.distribution.manifest.v2+json ]
	[ "${lines[1]}" = 2 ]
	[ "${lines[2]}" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
}

@test "load: docker save's own layouts: legacy <id>/layer.tar directories (files or symlinks), Docker 25's blobs/ with index.json" {
	local A="$BATS_TEST_TMPDIR/d.tar" L="$BATS_TEST_TMPDIR/layout" X="$BATS_TEST_TMPDIR/x"
	image_docker_archive "$A" busybox:latest
	image_oci_layout "$L"
	mkdir "$X" && tar -C "$X" -xf "$A"
	# docker save before 25: each layer in a directory of its own with json and VERSION, the config
	# beside, manifest.json and repositories last.
	local cfg l0 l1 R="$BATS_TEST_TMPDIR/legacy"
	cfg="$(jq -r '.[0].Config' "$X/manifest.json")"
	l0="$(jq -r '.[0].Layers[0]' "$X/manifest.json")"
	l1="$(jq -r '.[0].Layers[1]' "$X/manifest.json")"
	mkdir -p "$R/aaaa" "$R/bbbb"
	cp "$X/$l0" "$R/aaaa/layer.tar"
	cp "$X/$l1" "$R/bbbb/layer.tar"
	for d in aaaa bbbb; do
		echo '{"id":"'$d'"}' >"$R/$d/json"
		echo 1.0 >"$R/$d/VERSION"
	done
	cp "$X/$cfg" "$R/$cfg"
	jq -c '[.[0] | .Layers = ["aaaa/layer.tar", "bbbb/layer.tar"] | .RepoTags = ["busybox:legacy"]]' "$X/manifest.json" >"$R/manifest.json"
	echo '{"busybox":{"legacy":"bbbb"}}' >"$R/repositories"
	tar -C "$R" -cf "$BATS_TEST_TMPDIR/legacy.tar" aaaa bbbb "$cfg" manifest.json repositories
	run hk load -i "$BATS_TEST_TMPDIR/legacy.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:legacy" ]
	run records
	[ "$output" = "$(image_config_digest "$L") docker.io/library/busybox:legacy" ]
	# The legacy directories as symlinks to the layer files (containers/image writes them so), and a
	# hard link; a symlink pointing out of the archive is as if absent.
	rm "$R/aaaa/layer.tar" "$R/bbbb/layer.tar"
	cp "$X/$l0" "$R/l0.tar"
	cp "$X/$l1" "$R/l1.tar"
	ln -s ../l0.tar "$R/aaaa/layer.tar"
	ln "$R/l1.tar" "$R/bbbb/layer.tar"
	tar -C "$R" -cf "$BATS_TEST_TMPDIR/links.tar" l0.tar l1.tar aaaa bbbb "$cfg" manifest.json
	rm -rf "$HUSK_STORE"
	run hk load -i "$BATS_TEST_TMPDIR/links.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:legacy" ]
	rm "$R/aaaa/layer.tar"
	ln -s ../../../etc/passwd "$R/aaaa/layer.tar"
	tar -C "$R" -cf "$BATS_TEST_TMPDIR/out.tar" l0.tar l1.tar aaaa bbbb "$cfg" manifest.json
	rm -rf "$HUSK_STORE"
	run hk load -i "$BATS_TEST_TMPDIR/out.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"out.tar: manifest.json: [0].Layers[0]: aaaa/layer.tar: not in the archive"* ]]
	store_has_no_images

	# Docker 25+: an OCI layout and manifest.json side by side (Layers naming blobs/sha256/...): read as
	# docker load reads it, through manifest.json.
	local D="$BATS_TEST_TMPDIR/d25"
	cp -a "$L" "$D"
	local m
	m="$(image_blob_path "$L" "$(image_manifest_digest "$L")")"
	jq -c '[{Config: ("blobs/sha256/" + (.config.digest | ltrimstr("sha256:"))), RepoTags: ["busybox:d25"],
		Layers: [.layers[].digest | "blobs/sha256/" + ltrimstr("sha256:")]}]' "$m" >"$D/manifest.json"
	tar -C "$D" -cf "$BATS_TEST_TMPDIR/d25.tar" .
	rm -rf "$HUSK_STORE"
	run hk load -i "$BATS_TEST_TMPDIR/d25.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:d25" ]
}

@test "load: a multi-platform index picks this host's manifest (top level, nested, --platform)" {
	local L="$BATS_TEST_TMPDIR/layout"
	image_oci_layout "$L"
	local m cfg other_cfg other_m msize
	m="$(image_manifest_digest "$L")"
	msize="$(stat -c %s "$(image_blob_path "$L" "$m")")"
	cfg="$(image_config_digest "$L")"
	# The other platform's image: the host's layers plus one of its own (2 MiB of random data, so that
	# an archive reader can skip it), under a config that says so.
	local R="$BATS_TEST_TMPDIR/other" other_layer other_lsize other_diff
	mkdir -p "$R" && head -c $((2 << 20)) /dev/urandom >"$R/blob"
	tar -C "$R" -cf "$L/t" blob && other_diff="$(digest_of "$L/t")" && gzip -c "$L/t" >"$L/g" && rm "$L/t"
	read -r other_layer other_lsize < <(blob_add "$L" "$L/g")
	jq -c --arg a "$OTHER_ARCH" --arg d "$other_diff" '.architecture = $a | .rootfs.diff_ids += [$d]' \
		"$(image_blob_path "$L" "$cfg")" >"$L/c"
	read -r other_cfg size < <(blob_add "$L" "$L/c")
	jq -c --arg d "$other_cfg" --argjson s "$size" --arg l "$other_layer" --argjson ls "$other_lsize" '
		.config.digest = $d | .config.size = $s |
		.layers += [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]' \
		"$(image_blob_path "$L" "$m")" >"$L/m"
	read -r other_m other_msize < <(blob_add "$L" "$L/m")
	# index.json: both, each with its platform (the other listed first).
	jq -c --arg m "$m" --argjson ms "$msize" --arg o "$other_m" --argjson os "$other_msize" \
		--arg ha "$HOST_ARCH" --arg oa "$OTHER_ARCH" '.manifests = [
		  {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $o, size: $os,
		   platform: {os: "linux", architecture: $oa}, annotations: {"org.opencontainers.image.ref.name": "busybox:multi"}},
		  {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
		   platform: {os: "linux", architecture: $ha}, annotations: {"org.opencontainers.image.ref.name": "busybox:multi"}}]' \
		"$L/index.json" >"$L/i"
	cp "$L/i" "$L/index.json"
	run hk load -i "$L"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:multi" ]
	run records
	[ "$output" = "$cfg docker.io/library/busybox:multi" ]

	# Nested: index.json -> an image index blob holding both.
	jq -c '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [.manifests[] | del(.annotations)]}' \
		"$L/i" >"$L/n"
	local nested nsize
	read -r nested nsize < <(blob_add "$L" "$L/n")
	jq -c --arg d "$nested" --argjson s "$nsize" '.manifests = [{mediaType: "application/vnd.oci.image.index.v1+json",
		digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": "busybox:nested"}}]' \
		"$L/i" >"$L/index.json"
	rm -rf "$HUSK_STORE"
	run hk load -i "$L"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:nested" ]
	run records
	[ "$output" = "$cfg docker.io/library/busybox:nested" ]
	# The same as a Docker manifest list.
	local L2="$BATS_TEST_TMPDIR/list" list lsize
	cp -a "$L" "$L2"
	jq -c '.mediaType = "application/vnd.docker.distribution.manifest.list.v2+json"' \
		"$(image_blob_path "$L" "$nested")" >"$L2/n"
	read -r list lsize < <(blob_add "$L2" "$L2/n")
	jq -c --arg d "$list" --argjson s "$lsize" '.manifests[0] |= (.digest = $d | .size = $s |
		.mediaType = "application/vnd.docker.distribution.manifest.list.v2+json")' "$L/index.json" >"$L2/index.json"
	rm -rf "$HUSK_STORE"
	run hk load -i "$L2"
	[ "$status" -eq 0 ]
	run records
	[ "$output" = "$cfg docker.io/library/busybox:nested" ]
	# --platform picks the other one; a platform the index lacks is an error listing what it has.
	rm -rf "$HUSK_STORE"
	run hk load --platform "linux/$OTHER_ARCH" -i "$L"
	[ "$status" -eq 0 ]
	run records
	[ "$output" = "$other_cfg docker.io/library/busybox:nested" ]
	rm -rf "$HUSK_STORE"
	run hk load --platform linux/riscv64 -i "$L"
	[ "$status" -eq 125 ]
	[[ "$output" == *riscv64* ]]
	[[ "$output" == *"$OTHER_ARCH"* ]]
	store_has_no_images
	# The directory is read on demand, an uncompressed tar of it in two passes: either way the other
	# platform's layer is never read into the store; a compressed tar is read whole, once.
	rm -rf "$HUSK_STORE"
	hk load -i "$L" >/dev/null
	[ ! -e "$(image_blob_path "$HUSK_STORE" "$other_layer")" ]
	tar -C "$L" -cf "$BATS_TEST_TMPDIR/multi.tar" .
	rm -rf "$HUSK_STORE"
	run hk load -i "$BATS_TEST_TMPDIR/multi.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:nested" ]
	[ ! -e "$(image_blob_path "$HUSK_STORE" "$other_layer")" ]
	run hk load --platform "linux/$OTHER_ARCH" -i "$BATS_TEST_TMPDIR/multi.tar"
	[ "$status" -eq 0 ]
	[ -f "$(image_blob_path "$HUSK_STORE" "$other_layer")" ]
	gzip -c "$BATS_TEST_TMPDIR/multi.tar" >"$BATS_TEST_TMPDIR/multi.tar.gz"
	rm -rf "$HUSK_STORE"
	run hk load -i "$BATS_TEST_TMPDIR/multi.tar.gz"
	[ "$status" -eq 0 ]
	run records
	[ "$output" = "$cfg docker.io/library/busybox:nested" ]
}

@test "load: a zstd layer and an uncompressed layer in an OCI layout" {
	local L="$BATS_TEST_TMPDIR/layout"
	image_oci_layout "$L"
	local m cfg l0 l1 z zsize t tsize
	m="$(image_manifest_digest "$L")"
	cfg="$(image_config_digest "$L")"
	l0="$(jq -r '.layers[0].digest' "$(image_blob_path "$L" "$m")")"
	l1="$(jq -r '.layers[1].digest' "$(image_blob_path "$L" "$m")")"
	zcat "$(image_blob_path "$L" "$l0")" | zstd -q -c >"$L/z"
	zcat "$(image_blob_path "$L" "$l1")" >"$L/t"
	read -r z zsize < <(blob_add "$L" "$L/z")
	read -r t tsize < <(blob_add "$L" "$L/t")
	jq -c --arg z "$z" --argjson zs "$zsize" --arg t "$t" --argjson ts "$tsize" '
		.layers[0] |= (.mediaType = "application/vnd.oci.image.layer.v1.tar+zstd" | .digest = $z | .size = $zs) |
		.layers[1] |= (.mediaType = "application/vnd.oci.image.layer.v1.tar" | .digest = $t | .size = $ts)' \
		"$(image_blob_path "$L" "$m")" >"$L/m"
	local nm nmsize
	read -r nm nmsize < <(blob_add "$L" "$L/m")
	jq -c --arg d "$nm" --argjson s "$nmsize" '.manifests[0].digest = $d | .manifests[0].size = $s' "$L/index.json" >"$L/i"
	mv "$L/i" "$L/index.json"
	run hk load -i "$L"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:test" ]
	local d1
	d1="$(jq -r '.rootfs.diff_ids[1]' "$(image_blob_path "$L" "$cfg")")"
	[ "$(cat "$HUSK_STORE/layers/${d1#sha256:}/diff/etc/hello")" = "$IMAGE_HELLO" ]
	[ -f "$(image_blob_path "$HUSK_STORE" "$z")" ]
}

@test "import: a rootfs tarball (plain, gzip from stdin) becomes a one-layer image; --change and --message" {
	local T="$BATS_TEST_TMPDIR/rootfs.tar"
	image_rootfs_tar "$T"
	run hk import -c 'CMD ["/bin/sh", "-c", "echo hi"]' -c 'ENV A=1' -m "from a test" "$T" imported:v1
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	local id="$output" cfg
	cfg="$(image_blob_path "$HUSK_STORE" "$id")"
	run jq -r '.os, .architecture, .rootfs.type, (.rootfs.diff_ids | length), .rootfs.diff_ids[0],
		(.config.Cmd | join(" ")), .config.Env[0], .history[0].comment' "$cfg"
	[ "${lines[0]}" = linux ]
	[ "${lines[1]}" = "$HOST_ARCH" ]
	[ "${lines[2]}" = layers ]
	[ "${lines[3]}" = 1 ]
	[ "${lines[4]}" = "$(digest_of "$T")" ]
	[ "${lines[5]}" = "/bin/sh -c echo hi" ]
	[ "${lines[6]}" = A=1 ]
	[ "${lines[7]}" = "from a test" ]
	# The layer blob is the tarball as given.
	[ -f "$(image_blob_path "$HUSK_STORE" "$(digest_of "$T")")" ]
	run records
	[ "$output" = "$id docker.io/library/imported:v1" ]

	gzip -c "$T" >"$T.gz"
	run bash -c '"$HUSK" --storage-root "$HUSK_STORE" import - gz < "$1"' _ "$T.gz"
	[ "$status" -eq 0 ]
	[ -f "$(image_blob_path "$HUSK_STORE" "$(digest_of "$T.gz")")" ]
	local gz_manifest
	gz_manifest="$(jq -r --arg id "$output" '.. | objects | select(.id? == $id) | .manifest' "$HUSK_STORE/images.json")"
	run jq -r '.layers[0].mediaType' "$(image_blob_path "$HUSK_STORE" "$gz_manifest")"
	[ "$output" = application/vnd.oci.image.layer.v1.tar+gzip ]

	# A pipe handing out the magic a few bytes at a time is still seen as gzip.
	run bash -c '{ head -c 3 "$1"; sleep 0.3; tail -c +4 "$1"; } | "$HUSK" --storage-root "$HUSK_STORE" import - slow' _ "$T.gz"
	[ "$status" -eq 0 ]
	[ -f "$(image_blob_path "$HUSK_STORE" "$(digest_of "$T.gz")")" ]
	# xz and bzip2 (docker import takes them, the unpacker does not): decompressed on the way in, the
	# blob is the plain tar.
	xz -c "$T" >"$T.xz"
	bzip2 -c "$T" >"$T.bz2"
	run bash -c '"$HUSK" --storage-root "$HUSK_STORE" import - xz < "$1"' _ "$T.xz"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.rootfs.diff_ids[0]' "$(image_blob_path "$HUSK_STORE" "$output")")" = "$(digest_of "$T")" ]
	run hk import "$T.bz2" bz
	[ "$status" -eq 0 ]
	[ "$(jq -r '.rootfs.diff_ids[0]' "$(image_blob_path "$HUSK_STORE" "$output")")" = "$(digest_of "$T")" ]
	head -c 20000 "$T.xz" >"$T.cut.xz"
	run hk import "$T.cut.xz" cut
	[ "$status" -eq 125 ]
	[[ "$output" == *"cut.xz"* ]]
	run records
	[ "${#lines[@]}" -eq 5 ]
	# Bad input: named, and nothing imported.
	run hk import -c 'RUN make' "$T" x
	[ "$status" -eq 125 ]
	[[ "$output" == *'--change "RUN make": RUN is not one of'* ]]
	run hk import "$T" 'Bad:Name'
	[ "$status" -eq 125 ]
	run hk import "$BATS_TEST_TMPDIR/missing.tar" x
	[ "$status" -eq 125 ]
	[[ "$output" == *"missing.tar"* ]]
	echo "not a tar" >"$BATS_TEST_TMPDIR/bad.tar"
	run hk import "$BATS_TEST_TMPDIR/bad.tar" x
	[ "$status" -eq 125 ]
	[[ "$output" == *"bad.tar"* ]]
	run records
	[ "${#lines[@]}" -eq 5 ]
}

@test "save: docker-archive read by skopeo and podman load; oci-archive and oci-dir by skopeo" {
	local A="$BATS_TEST_TMPDIR/a.tar" L="$BATS_TEST_TMPDIR/layout"
	image_oci_archive "$A" "busybox:saved"
	image_oci_layout "$L"
	run hk load -i "$A"
	[ "$status" -eq 0 ]
	local S="$BATS_TEST_TMPDIR/saved.tar"
	run hk save -o "$S" busybox:saved
	[ "$status" -eq 0 ]
	run skopeo inspect "docker-archive:$S"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.Layers | length' <<<"$output")" = 2 ]
	[ "$(jq -r '.Architecture' <<<"$output")" = "$HOST_ARCH" ]
	run skopeo inspect --config "docker-archive:$S"
	[ "$(jq -r '.rootfs.diff_ids | join(",")' <<<"$output")" = \
		"$(jq -r '.rootfs.diff_ids | join(",")' "$(image_blob_path "$L" "$(image_config_digest "$L")")")" ]
	[ "$(tar -xOf "$S" manifest.json | jq -r '.[0].RepoTags[0]')" = docker.io/library/busybox:saved ]

	# podman load with a private storage: the image, its name and a file of the second layer.
	podman_private
	run podman load -i "$S"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: docker.io/library/busybox:saved"* ]]
	run podman image inspect --format '{{.Id}}' docker.io/library/busybox:saved
	[ "$status" -eq 0 ]
	[ "sha256:$output" = "$(image_config_digest "$L")" ]

	# oci-archive: copied by skopeo into a layout; oci-dir: inspected as one.
	run hk save --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" busybox:saved
	[ "$status" -eq 0 ]
	run skopeo copy --quiet "oci-archive:$BATS_TEST_TMPDIR/o.tar" "oci:$BATS_TEST_TMPDIR/copy:x"
	[ "$status" -eq 0 ]
	[ "$(image_config_digest "$BATS_TEST_TMPDIR/copy")" = "$(image_config_digest "$L")" ]
	run hk save --format oci-dir -o "$BATS_TEST_TMPDIR/dir" busybox:saved
	[ "$status" -eq 0 ]
	run skopeo inspect "oci:$BATS_TEST_TMPDIR/dir"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.Layers | length' <<<"$output")" = 2 ]
	run jq -r '.manifests[0].annotations["io.containerd.image.name"], .manifests[0].annotations["org.opencontainers.image.ref.name"]' \
		"$BATS_TEST_TMPDIR/dir/index.json"
	[ "${lines[0]}" = docker.io/library/busybox:saved ]
	[ "${lines[1]}" = saved ]
	# What husk saved, husk loads again into an empty store: the same image.
	rm -rf "$HUSK_STORE"
	run hk load -i "$S"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:saved" ]
	rm -rf "$HUSK_STORE"
	run hk load -i "$BATS_TEST_TMPDIR/dir"
	[ "$output" = "Loaded image: busybox:saved" ]
	run records
	[ "$output" = "$(image_config_digest "$L") docker.io/library/busybox:saved" ]
	# Errors: no such image; an existing destination directory that is not empty; nothing left behind.
	run hk save -o "$BATS_TEST_TMPDIR/x.tar" nosuch:image
	[ "$status" -eq 125 ]
	[[ "$output" == *"nosuch"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/x.tar" ]
	run hk save --format oci-dir -o "$BATS_TEST_TMPDIR/dir" busybox:saved
	[ "$status" -eq 125 ]
	[[ "$output" == *"exists"* ]]
	[ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name '*husk-tmp*')" ]
}

@test "save to stdout piped into load from a pipe, in both formats, into another store" {
	local A="$BATS_TEST_TMPDIR/a.tar" S2="$BATS_TEST_TMPDIR/store2"
	image_oci_archive "$A" busybox:pipe
	cat "$A" | hk load >/dev/null
	local f
	for f in docker-archive oci-archive; do
		rm -rf "$S2"
		run bash -c 'set -o pipefail; "$HUSK" --storage-root "$HUSK_STORE" save --format "$1" busybox:pipe |
			"$HUSK" --storage-root "$2" load' _ "$f" "$S2"
		[ "$status" -eq 0 ]
		[ "$output" = "Loaded image: busybox:pipe" ]
		[ "$(HUSK_STORE="$S2" records)" = "$(records)" ]
	done
	rm -rf "$S2"
	# By id: saved without a name (docker save's rule), loaded back untagged.
	local id
	read -r id _ < <(records)
	run bash -c '"$HUSK" --storage-root "$HUSK_STORE" save "$1" | "$HUSK" --storage-root "$2" load' _ "${id:7:12}" "$S2"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image ID: $id" ]
	rm -rf "$S2"
}

@test "save: several images in one archive (shared layers written once), loaded back with their names" {
	local A="$BATS_TEST_TMPDIR/a.tar" T="$BATS_TEST_TMPDIR/rootfs.tar"
	image_oci_archive "$A" busybox:one
	hk load -i "$A" >/dev/null
	image_rootfs_tar "$T"
	hk import "$T" imported:1 >/dev/null
	local f S
	for f in docker-archive oci-archive; do
		S="$BATS_TEST_TMPDIR/multi-$f.tar"
		run hk save --format "$f" -o "$S" busybox:one imported:1 busybox:one
		[ "$status" -eq 0 ]
		# Every blob once, however many images share it.
		[ -z "$(tar -tf "$S" | sort | uniq -d)" ]
		local before
		before="$(records | sort)"
		rm -rf "$HUSK_STORE"
		run hk load -i "$S"
		[ "$status" -eq 0 ]
		[[ "$output" == *"Loaded image: busybox:one"* ]]
		[[ "$output" == *"Loaded image: imported:1"* ]]
		[ "$(records | sort)" = "$before" ]
	done
	run skopeo inspect "docker-archive:$BATS_TEST_TMPDIR/multi-docker-archive.tar:docker.io/library/imported:1"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.Layers | length' <<<"$output")" = 1 ]
}

@test "load: truncated and corrupted archives are refused, naming the file and member; no image left" {
	local A="$BATS_TEST_TMPDIR/a.tar" D="$BATS_TEST_TMPDIR/d.tar"
	image_oci_archive "$A" busybox:x
	image_docker_archive "$D" busybox:x
	# Truncated mid-blob.
	head -c $(($(stat -c %s "$A") / 2)) "$A" >"$BATS_TEST_TMPDIR/half.tar"
	run hk load -i "$BATS_TEST_TMPDIR/half.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"half.tar"* ]]
	store_has_no_images
	# A blob whose bytes are not its name's digest.
	local X="$BATS_TEST_TMPDIR/x"
	mkdir "$X" && tar -C "$X" -xf "$A"
	local big
	big="$(ls -S "$X/blobs/sha256" | head -1)"
	printf 'garbage' | dd of="$X/blobs/sha256/$big" bs=1 seek=1000 conv=notrunc status=none
	tar -C "$X" -cf "$BATS_TEST_TMPDIR/bad.tar" .
	run hk load -i "$BATS_TEST_TMPDIR/bad.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"bad.tar: blobs/sha256/$big"* ]]
	store_has_no_images
	# The same as a directory.
	run hk load -i "$X"
	[ "$status" -eq 125 ]
	[[ "$output" == *"$big"* ]]
	store_has_no_images
	# A layout whose blob is a symlink out of it: resolved inside the layout, so not found.
	ln -sf /etc/passwd "$X/blobs/sha256/$big"
	run hk load -i "$X"
	[ "$status" -eq 125 ]
	[[ "$output" == *"$big: not in the archive"* ]]
	store_has_no_images
	# Docker archive: a layer missing, a layer changed (its diff_id no longer matches the config).
	local Y="$BATS_TEST_TMPDIR/y"
	mkdir "$Y" && tar -C "$Y" -xf "$D"
	local layer
	layer="$(jq -r '.[0].Layers[1]' "$Y/manifest.json")"
	mv "$Y/$layer" "$Y/moved"
	tar -C "$Y" -cf "$BATS_TEST_TMPDIR/missing.tar" .
	run hk load -i "$BATS_TEST_TMPDIR/missing.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"missing.tar: manifest.json: [0].Layers[1]: $layer: not in the archive"* ]]
	store_has_no_images
	tar -C "$Y" -xOf "$D" "$layer" >"$Y/$layer"
	printf 'x' | dd of="$Y/$layer" bs=1 seek=600 conv=notrunc status=none
	rm "$Y/moved"
	tar -C "$Y" -cf "$BATS_TEST_TMPDIR/changed.tar" .
	run hk load -i "$BATS_TEST_TMPDIR/changed.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"changed.tar"* ]]
	store_has_no_images
	# Neither format; not even a tar; manifest.json not JSON.
	tar -C "$BATS_TEST_TMPDIR" -cf "$BATS_TEST_TMPDIR/none.tar" half.tar
	run hk load -i "$BATS_TEST_TMPDIR/none.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"none.tar: neither manifest.json (a Docker archive) nor index.json (an OCI layout) in it"* ]]
	echo "hello" >"$BATS_TEST_TMPDIR/text"
	run hk load -i "$BATS_TEST_TMPDIR/text"
	[ "$status" -eq 125 ]
	[[ "$output" == *"text"* ]]
	echo "[" >"$Y/manifest.json"
	tar -C "$Y" -cf "$BATS_TEST_TMPDIR/json.tar" .
	run hk load -i "$BATS_TEST_TMPDIR/json.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"json.tar: manifest.json: line 2"* ]]
	store_has_no_images
	[ -z "$(ls -A "$HUSK_STORE/tmp" 2>/dev/null)" ]
}

@test "load and import: two processes at once with the same input both succeed (load: one record; import: two images, created apart, one named)" {
	local A="$BATS_TEST_TMPDIR/a.tar" T="$BATS_TEST_TMPDIR/rootfs.tar"
	image_oci_archive "$A" busybox:twice
	image_rootfs_tar "$T"
	"$HUSK" --storage-root "$HUSK_STORE" load -i "$A" >"$BATS_TEST_TMPDIR/1" 2>&1 &
	local p1=$!
	"$HUSK" --storage-root "$HUSK_STORE" load -i "$A" >"$BATS_TEST_TMPDIR/2" 2>&1 &
	local p2=$!
	wait "$p1" && wait "$p2"
	[ "$(cat "$BATS_TEST_TMPDIR/1")" = "Loaded image: busybox:twice" ]
	[ "$(cat "$BATS_TEST_TMPDIR/2")" = "Loaded image: busybox:twice" ]
	"$HUSK" --storage-root "$HUSK_STORE" import "$T" imp:1 >"$BATS_TEST_TMPDIR/3" 2>&1 &
	p1=$!
	"$HUSK" --storage-root "$HUSK_STORE" import "$T" imp:1 >"$BATS_TEST_TMPDIR/4" 2>&1 &
	p2=$!
	wait "$p1" && wait "$p2"
	[[ "$(cat "$BATS_TEST_TMPDIR/3")" =~ ^sha256: ]]
	[[ "$(cat "$BATS_TEST_TMPDIR/4")" =~ ^sha256: ]]
	run records
	[ "${#lines[@]}" -eq 3 ]
	[ "$(grep -c " docker.io/library/busybox:twice$" <<<"$output")" = 1 ]
	[ "$(grep -c " docker.io/library/imp:1$" <<<"$output")" = 1 ]
	[ -z "$(ls -A "$HUSK_STORE/tmp")" ]
}

@test "load: kill -9 during a load, then the next command works and the load completes" {
	# A layer big enough to be caught mid-way: 64 MiB of random data.
	local R="$BATS_TEST_TMPDIR/r" A="$BATS_TEST_TMPDIR/big.tar"
	image_rootfs "$R"
	head -c $((64 << 20)) /dev/urandom >"$R/big"
	tar --numeric-owner -C "$R" -cf "$BATS_TEST_TMPDIR/rootfs.tar" .
	rm -rf "$R"
	hk import "$BATS_TEST_TMPDIR/rootfs.tar" big:1 >/dev/null
	hk save -o "$A" big:1
	rm -rf "$HUSK_STORE"
	local killed=0 i
	for i in 1 2 3 4 5; do
		"$HUSK" --storage-root "$HUSK_STORE" load -i "$A" >/dev/null 2>&1 &
		local pid=$!
		sleep "0.$((i * 15))"
		if kill -9 "$pid" 2>/dev/null; then
			killed=1
		fi
		wait "$pid" || true
		[ "$killed" = 1 ] && break
	done
	[ "$killed" = 1 ]
	run hk load -i "$A"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: big:1" ]
	[ -z "$(ls -A "$HUSK_STORE/tmp" 2>/dev/null)" ]
	run hk save -o "$BATS_TEST_TMPDIR/again.tar" big:1
	[ "$status" -eq 0 ]
}
