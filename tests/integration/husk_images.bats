#!/usr/bin/env bats
# husk's image commands over a private --storage-root: images / image ls, image inspect, tag, rmi,
# image prune, system df. Images come from `husk load` of OCI layouts made by tests/integration/image.bash
# (umoci over Debian's busybox-static: two layers, tagged busybox:test, Cmd ["/bin/sh"]).

load helpers
load husk
load image
load engine

bats_require_minimum_version 1.5.0

setup() {
	husk_setup
}

teardown() {
	# The store is under $BATS_TEST_TMPDIR (bats removes it); containers, mounts and cgroups of the
	# in-use test go with engine_cleanup.
	engine_cleanup
}

# load_busybox: the two-layer image as busybox:test; sets LAYOUT to a copy of its layout.
load_busybox() {
	LAYOUT="$BATS_TEST_TMPDIR/layout"
	image_oci_layout "$LAYOUT"
	hk load -q -i "$LAYOUT"
}

# load_variant NAME [UMOCI-CONFIG-ARGS...]: a second image sharing both layers of busybox:test (only its
# config differs: Cmd ["/bin/true"] and the arguments), loaded as NAME (a ref.name, e.g. "busybox:other").
load_variant() {
	local dir="$BATS_TEST_TMPDIR/variant" name="$1"
	shift
	rm -rf "$dir"
	image_oci_layout "$dir"
	umoci config --image "$dir:busybox:test" --tag "$name" --config.cmd /bin/true "$@" >/dev/null
	set -- "$name"
	# Only the new tag in the index: the load adds just this image.
	jq --arg r "$1" '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] == $r))' \
		"$dir/index.json" >"$dir/index.new" && mv "$dir/index.new" "$dir/index.json"
	hk load -q -i "$dir"
}

config_id() {
	image_config_digest "$LAYOUT"
}

# human4 BYTES: go-units HumanSize (4 significant digits, decimal units), as system df prints sizes.
human4() {
	awk -v b="$1" 'BEGIN { split("B kB MB GB TB", u, " "); i = 1; while (b >= 1000 && i < 5) { b /= 1000; i++ }; printf "%.4g%s\n", b, u[i] }'
}

@test "images: an empty store lists the heading only; -q nothing; --format json []" {
	run hk images
	[ "$status" -eq 0 ]
	[ "$output" = "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE" ]
	run hk images -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run hk image ls --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq length)" -eq 0 ]
}

@test "images: Docker's table for a loaded image, familiar name, short id, age and size" {
	load_busybox
	local id
	id="$(config_id)"
	run hk images
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	# busybox   test   <12 hex>   N units ago   N.NNMB
	[[ "${lines[1]}" =~ ^busybox\ +test\ +${id:7:12}\ +[A-Za-z0-9\ ]+\ ago\ +[0-9.]+[kMG]?B$ ]]
	# The columns start where the headings do (Go's tabwriter).
	local h1="${lines[0]%%TAG*}" r1="${lines[1]%%test*}" h2="${lines[0]%%IMAGE ID*}" r2="${lines[1]%%"${id:7:12}"*}"
	[ "${#h1}" -eq "${#r1}" ]
	[ "${#h2}" -eq "${#r2}" ]
	# image ls and image list are the same command (the age column left out: it may tick between calls).
	run hk image ls --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}'
	[ "$output" = "$(hk images --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}')" ]
	[[ "${lines[1]}" == "busybox "* ]]
	run hk image list -q
	[ "$output" = "${id:7:12}" ]
}

@test "images: --format templates, table templates, json, --digests, --no-trunc, -q" {
	load_busybox
	local id mdigest
	id="$(config_id)"
	mdigest="$(image_manifest_digest "$LAYOUT")"
	run hk images --format '{{.Repository}}:{{.Tag}}'
	[ "$status" -eq 0 ]
	[ "$output" = "busybox:test" ]
	run hk images --format '{{.ID}} {{.Digest}} {{json .Tag}} {{upper .Repository}}'
	[ "$output" = "${id:7:12} $mdigest \"test\" BUSYBOX" ]
	run hk images --format 'table {{.Repository}}\t{{.Size}}'
	[[ "${lines[0]}" =~ ^REPOSITORY\ +SIZE$ ]]
	[[ "${lines[1]}" =~ ^busybox\ +[0-9.]+[kMG]?B$ ]]
	run hk images --format '{{.CreatedAt}}'
	[[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ [+-][0-9]{4}\ [A-Z]+$ ]]
	run hk images --digests
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	[[ "${lines[1]}" == *"$mdigest"* ]]
	run hk images --no-trunc
	[[ "${lines[1]}" == *"$id"* ]]
	run hk images -q --no-trunc
	[ "$output" = "$id" ]
	# -q wins over --format, as Docker's.
	run hk images -q --format '{{.Tag}}'
	[ "$output" = "${id:7:12}" ]

	run hk images --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq length)" -eq 1 ]
	[ "$(echo "$output" | jq -r '.[0].Id')" = "${id#sha256:}" ]
	[ "$(echo "$output" | jq -r '.[0].RepoTags[0]')" = "docker.io/library/busybox:test" ]
	[ "$(echo "$output" | jq -r '.[0].Digest')" = "$mdigest" ]
	[ "$(echo "$output" | jq -r '.[0].RepoDigests[0]')" = "docker.io/library/busybox@$mdigest" ]
	[ "$(echo "$output" | jq -r '.[0].Size')" -gt 100000 ]
	[ "$(echo "$output" | jq -r '.[0].Created')" -gt 0 ]
	[ "$(echo "$output" | jq -r '.[0].Dangling')" = false ]
}

@test "images: --format errors name the field and exit 125" {
	run hk images --format '{{.Nope}}'
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: --format: unknown field .Nope in {{.Nope}} (fields: .Repository, .Tag, .ID, .Digest"* ]]
	run hk images --format '{{range .}}x{{end}}'
	[ "$status" -eq 125 ]
	[[ "$output" == *'function "range" not defined'* ]]
}

@test "images: reference= and positional filters, dangling=, bad filters" {
	load_busybox
	run hk tag busybox:test localhost:5000/team/app:v1
	[ "$status" -eq 0 ]
	run hk images --format '{{.Repository}}:{{.Tag}}'
	[ "${#lines[@]}" -eq 2 ]
	run hk images --format '{{.Repository}}:{{.Tag}}' busybox
	[ "$output" = "busybox:test" ]
	run hk images --format '{{.Repository}}:{{.Tag}}' -f 'reference=localhost:5000/*/*'
	[ "$output" = "localhost:5000/team/app:v1" ]
	run hk images --format '{{.Repository}}:{{.Tag}}' --filter 'reference=*:v1'
	[ -z "$output" ]   # '*' does not cross '/', as path.Match
	run hk images --format '{{.Repository}}:{{.Tag}}' --filter 'reference=busybox:nope'
	[ -z "$output" ]
	run hk images -q -f dangling=true
	[ -z "$output" ]
	run hk images -q -f dangling=false
	[ "${#lines[@]}" -eq 2 ]
	run hk images -f bogus=1
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: invalid filter 'bogus=1'"* ]]
	run hk images -f dangling=maybe
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'dangling=maybe'"* ]]
	run hk images a b
	[ "$status" -eq 125 ]
	[[ "$output" == *'"husk images" requires at most 1 argument.'* ]]
}

@test "images: before=, since= and label= filters" {
	load_busybox
	load_variant busybox:other --created 2030-01-02T03:04:05Z --config.label tier=web --config.label solo=
	run hk images --format '{{.Tag}}'
	[ "$output" = "$(printf 'other\ntest')" ]   # newest first
	run hk images --format '{{.Tag}}' -f since=busybox:test
	[ "$output" = other ]
	run hk images --format '{{.Tag}}' -f before=busybox:other
	[ "$output" = test ]
	run hk images --format '{{.Tag}}' -f label=tier=web
	[ "$output" = other ]
	run hk images --format '{{.Tag}}' -f label=tier -f label=solo
	[ "$output" = other ]
	run hk images --format '{{.Tag}}' -f label=tier=db
	[ -z "$output" ]
	run hk images --format json -f label=tier=web
	[ "$(echo "$output" | jq -r '.[0].RepoTags[0]')" = docker.io/library/busybox:other ]
	[ "$(echo "$output" | jq length)" -eq 1 ]
	run hk images -f before=nosuch:1
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: filter before=nosuch:1: "*"nosuch"* ]]
}

@test "image inspect: Docker's JSON (Id, RepoTags, RepoDigests, Config, RootFS.Layers...), -f, missing images" {
	load_busybox
	local id mdigest
	id="$(config_id)"
	mdigest="$(image_manifest_digest "$LAYOUT")"
	run hk image inspect busybox:test
	[ "$status" -eq 0 ]
	local j="$output"
	[ "$(echo "$j" | jq length)" -eq 1 ]
	[ "$(echo "$j" | jq -r '.[0].Id')" = "$id" ]
	[ "$(echo "$j" | jq -c '.[0].RepoTags')" = '["busybox:test"]' ]
	[ "$(echo "$j" | jq -c '.[0].RepoDigests')" = "[\"busybox@$mdigest\"]" ]
	[ "$(echo "$j" | jq -r '.[0].Os')" = linux ]
	[ "$(echo "$j" | jq -r '.[0].Architecture')" = "$(dpkg --print-architecture)" ]
	[ "$(echo "$j" | jq -c '.[0].Config.Cmd')" = '["/bin/sh"]' ]
	[ "$(echo "$j" | jq -r '.[0].RootFS.Type')" = layers ]
	[ "$(echo "$j" | jq -c '.[0].RootFS.Layers')" = "$(jq -c '.rootfs.diff_ids' "$(image_blob_path "$LAYOUT" "$id")")" ]
	[ "$(echo "$j" | jq -r '.[0].Size')" -gt 100000 ]
	[[ "$(echo "$j" | jq -r '.[0].Created')" =~ ^[0-9]{4}- ]]
	# By id, short id, sha256-less id: the same image.
	run hk image inspect -f '{{.Id}}' "$id" "${id:7:12}" "${id#sha256:}"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n%s\n%s' "$id" "$id" "$id")" ]
	run hk image inspect --format '{{json .RepoTags}} {{.Os}}' busybox:test
	[ "$output" = '["busybox:test"] linux' ]
	# A missing image: an error naming it, exit 125, and the found ones still printed.
	run --separate-stderr hk image inspect busybox:test nosuch:latest
	[ "$status" -eq 125 ]
	[ "$(echo "$output" | jq length)" -eq 1 ]
	[[ "$stderr" == "husk: "*"nosuch"* ]]
	run hk image inspect
	[ "$status" -eq 125 ]
	[[ "$output" == *'"husk image inspect" requires at least 1 argument.'* ]]
}

@test "tag: a second name for the same image; bad targets and unknown sources name the argument" {
	load_busybox
	run hk tag busybox:test me/bb:v1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run hk image inspect -f '{{json .RepoTags}}' me/bb:v1
	[ "$output" = '["busybox:test","me/bb:v1"]' ] || [ "$output" = '["me/bb:v1","busybox:test"]' ]
	run hk image tag me/bb:v1 me/bb:v2
	[ "$status" -eq 0 ]
	[ "$(hk images -q | sort -u | wc -l)" -eq 1 ]
	[ "$(hk images -q | wc -l)" -eq 3 ]
	run hk tag busybox:test 'Bad/Name:x'
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: target Bad/Name:x: "* ]]
	run hk tag busybox:test 'me/bb@sha256:0000000000000000000000000000000000000000000000000000000000000000'
	[ "$status" -eq 125 ]
	[[ "$output" == *"digest"* ]]
	run hk tag nosuch:1 me/x:1
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: "*"nosuch"* ]]
	run hk tag onlyone
	[ "$status" -eq 125 ]
	[[ "$output" == *'"husk tag" requires exactly 2 arguments.'* ]]
}

@test "rmi: a name untags, the last name deletes and frees the layers; errors go on to the next" {
	load_busybox
	local id
	id="$(config_id)"
	hk tag busybox:test me/bb:v1
	run hk rmi me/bb:v1
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: me/bb:v1" ]
	[ "$(hk images -q)" = "${id:7:12}" ]
	[ -n "$(ls "$HUSK_STORE/layers")" ]
	run hk image rm nosuch:1 busybox:test
	[ "$status" -eq 125 ]
	[[ "${lines[0]}" == "husk: "*"nosuch"* ]]
	[ "${lines[1]}" = "Untagged: busybox:test" ]
	[ "${lines[2]}" = "Deleted: $id" ]
	run hk images -q
	[ -z "$output" ]
	# Nothing of the image is left: layers and blobs freed with it.
	[ -z "$(ls "$HUSK_STORE/layers")" ]
	[ -z "$(ls "$HUSK_STORE/blobs/sha256")" ]
	run hk rmi
	[ "$status" -eq 125 ]
}

@test "rmi: by id removes every name with -f, refused without" {
	load_busybox
	local id
	id="$(config_id)"
	hk tag busybox:test me/bb:v1
	run hk rmi "${id:7:12}"
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: "*"must be forced"* ]]
	[ "$(hk images -q | wc -l)" -eq 2 ]
	run hk rmi -f "${id:7:12}"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Untagged: busybox:test"* ]]
	[[ "$output" == *"Untagged: me/bb:v1"* ]]
	[ "${lines[2]}" = "Deleted: $id" ]
	[ -z "$(hk images -q)" ]
}

@test "image prune: dangling images go with -f, a 'no' keeps them, -a removes unused ones; reclaimed space" {
	load_busybox
	load_variant busybox:other
	local id other
	id="$(config_id)"
	other="$(hk image inspect -f '{{.Id}}' busybox:other)"
	[ "$other" != "$id" ]
	# busybox:test's name moves to the variant: the first image is dangling.
	hk tag busybox:other busybox:test
	run hk images -q --no-trunc -f dangling=true
	[ "$output" = "$id" ]
	run hk images --format '{{.Repository}} {{.Tag}}' -f dangling=true
	[ "$output" = "<none> <none>" ]
	# Declined: nothing goes.
	run sh -c 'echo n | "$@"' sh "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" image prune
	[ "$status" -eq 0 ]
	[ "$(hk images -q | sort -u | wc -l)" -eq 2 ]
	run hk image prune -f
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted Images:" ]
	[ "${lines[1]}" = "deleted: $id" ]
	[[ "${lines[2]}" == "Total reclaimed space: "* ]]
	[ "$(hk images -q --no-trunc | sort -u)" = "$other" ]
	# Nothing dangling left: nothing to say but the total.
	run hk image prune -f
	[ "$output" = "Total reclaimed space: 0B" ]
	run hk image prune -a -f
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted Images:" ]
	[[ "$output" == *"untagged: busybox:other"* ]]
	[[ "$output" == *"deleted: $other"* ]]
	[[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+[kMG]B$ ]]
	[ -z "$(hk images -q)" ]
	[ -z "$(ls "$HUSK_STORE/layers")" ]
}

@test "system df: images sharing layers are counted once; containers and volumes" {
	run hk system df
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]]
	[[ "${lines[1]}" =~ ^Images\ +0\ +0\ +0B\ +0B$ ]]
	[[ "${lines[2]}" =~ ^Containers\ +0\ +0\ +0B\ +0B$ ]]
	[[ "${lines[3]}" =~ ^Local\ Volumes\ +0\ +0\ +0B\ +0B$ ]]
	load_busybox
	load_variant busybox:other
	local one
	one="$(hk images --format json | jq '.[0].Size')"
	[ "$one" -gt 100000 ]
	run hk system df --format json
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | jq -r .Type)" = Images ]
	[ "$(echo "${lines[0]}" | jq -r .TotalCount)" = 2 ]
	[ "$(echo "${lines[0]}" | jq -r .Active)" = 0 ]
	# Two images, the same two layers: the size of one image, not of two.
	[ "$(echo "${lines[0]}" | jq -r .Size)" = "$(human4 "$one")" ]
	[ "$(echo "${lines[0]}" | jq -r .Reclaimable)" = "$(human4 "$one") (100%)" ]
	run hk system df --format '{{.Type}}={{.TotalCount}}'
	[ "${lines[0]}" = "Images=2" ]
	[ "${lines[1]}" = "Containers=0" ]
	run hk system df
	[[ "${lines[1]}" =~ ^Images\ +2\ +0\ +[0-9.]+[kMG]B\ +[0-9.]+[kMG]B\ \(100%\)$ ]]
}

@test "rmi, image prune and system df keep and count the images containers use" {
	load_busybox
	local id
	id="$(config_id)"
	CG_PARENT="/husktest-images-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	run hk create --cgroup-parent "$CG_PARENT" --name c1 busybox:test true
	[ "$status" -eq 0 ]
	run hk rmi busybox:test
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: "*"busybox:test"*"used by a container"* ]]
	run hk image prune -a -f
	[ "$status" -eq 0 ]
	[ "$output" = "Total reclaimed space: 0B" ]
	run hk system df --format '{{.Type}} {{.TotalCount}} {{.Active}} {{.Reclaimable}}'
	[ "${lines[0]}" = "Images 1 1 0B (0%)" ]
	[ "${lines[1]}" = "Containers 1 0 0B" ]
	# -f takes the name only: the image stays for its container, dangling.
	run hk rmi -f busybox:test
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: busybox:test" ]
	[ "$(hk images -q --no-trunc -f dangling=true)" = "$id" ]
	run hk image prune -f
	[ "$output" = "Total reclaimed space: 0B" ]
	hk rm c1
	run hk image prune -f
	[ "${lines[1]}" = "deleted: $id" ]
	[ -z "$(hk images -q)" ]
	engine_assert_nothing_left
}

@test "system df: a container's writes are its size, reclaimable once it has stopped" {
	load_busybox
	CG_PARENT="/husktest-images-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	run hk run --cgroup-parent "$CG_PARENT" --name w busybox:test dd if=/dev/zero of=/big bs=1000 count=300
	[ "$status" -eq 0 ]
	run hk system df --format '{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}'
	[ "$status" -eq 0 ]
	# 300 kB written (and nothing else of size): Docker's units, 4 digits.
	[[ "${lines[1]}" =~ ^Containers\ 1\ 0\ 30[0-9](\.[0-9]+)?kB\ 30[0-9](\.[0-9]+)?kB\ \(100%\)$ ]]
	[ "${lines[0]%% *}" = Images ]
	[[ "${lines[0]}" == "Images 1 1 "* ]]
	hk rm w
	run hk system df --format '{{.Type}} {{.TotalCount}} {{.Size}}'
	[ "${lines[1]}" = "Containers 0 0B" ]
	engine_assert_nothing_left
}

@test "system df -v: each image's shared and unique bytes and containers; each container's writes" {
	load_busybox
	load_variant busybox:other
	hk tag busybox:test me/bb:v1
	CG_PARENT="/husktest-images-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	run hk run --cgroup-parent "$CG_PARENT" --name w busybox:test dd if=/dev/zero of=/big bs=1000 count=200
	[ "$status" -eq 0 ]
	run hk system df -v
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Images space usage:" ]
	[[ "${lines[1]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +CONTAINERS$ ]]
	# Both images have the same two layers: all shared, nothing unique; busybox:test has the container.
	local size
	size="$(human4 "$(hk images --format json | jq '.[0].Size')")"
	[[ "$output" =~ busybox\ +test\ +[0-9a-f]{12}\ +.*\ ago\ +$size\ +$size\ +0B\ +1 ]]
	[[ "$output" =~ me/bb\ +v1\ +[0-9a-f]{12}\ +.*\ ago\ +$size\ +$size\ +0B\ +1 ]]
	[[ "$output" =~ busybox\ +other\ +[0-9a-f]{12}\ +.*\ ago\ +$size\ +$size\ +0B\ +0 ]]
	[[ "$output" == *"Containers space usage:"* ]]
	[[ "$output" =~ [0-9a-f]{12}\ +busybox:test\ +200kB\ +.*\ ago\ +exited\ +w ]]
	[[ "$output" == *"Local Volumes space usage:"* ]]
	run hk system df -v --format json
	[ "$status" -eq 125 ]
	hk rm w
	engine_assert_nothing_left
}

@test "image prune --filter: until= and label= / label!= pick what -a removes; bad filters name themselves" {
	load_busybox
	load_variant busybox:other --created 2030-01-02T03:04:05Z --config.label keep=yes
	run hk image prune -a -f --filter until=1h
	[ "$status" -eq 0 ]
	[ "$output" = "Total reclaimed space: 0B" ]
	run hk image prune -a -f --filter label!=keep=yes --filter until=2029-06-01
	[ "$status" -eq 0 ]
	[[ "$output" == *"untagged: busybox:test"* ]]
	[[ "$output" != *"busybox:other"* ]]
	[ "$(hk images --format '{{.Tag}}')" = other ]
	run hk image prune -a -f --filter label=keep=no
	[ "$output" = "Total reclaimed space: 0B" ]
	run hk image prune -a -f --filter label=keep
	[[ "$output" == *"untagged: busybox:other"* ]]
	[ -z "$(hk images -q)" ]
	run hk image prune -f --filter until=soon
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: invalid filter 'until=soon'"* ]]
	run hk image prune -f --filter dangling=true
	[ "$status" -eq 125 ]
	[[ "$output" == *"image prune takes until=, label= and label!="* ]]
}

@test "rmi and image prune refuse to guess when the containers' records cannot be read" {
	load_busybox
	rm -rf "$HUSK_STORE/containers"
	echo "not a directory" >"$HUSK_STORE/containers"
	run hk rmi busybox:test
	[ "$status" -eq 125 ]
	[[ "$output" == "husk: "*"containers"* ]]
	run hk image prune -a -f
	[ "$status" -eq 125 ]
	run hk system df
	[ "$status" -eq 125 ]
	rm -f "$HUSK_STORE/containers"
	[ "$(hk images -q | wc -l)" -eq 1 ]
	# No containers/ at all: nothing is in use.
	run hk rmi busybox:test
	[ "$status" -eq 0 ]
}
