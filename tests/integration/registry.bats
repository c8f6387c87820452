#!/usr/bin/env bats
# hk pull, push, login and logout against local registries (tests/integration/registry.bash):
# Debian's docker-registry on 127.0.0.1 with storage in the test's directory, images pushed with skopeo
# as the reference, a token server and a proxy that cuts a download, all killed by teardown.

load helpers
load husk
load engine
load image
load registry

setup() {
	registry_setup
}

teardown() {
	registry_teardown
}

# The layer digest of a layout tag's manifest, index i.
layout_layer() {
	local l d
	l="$(registry_layouts)"
	d="$(jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$l/index.json")"
	jq -r ".layers[${2:-0}].digest" "$l/blobs/sha256/${d#sha256:}"
}

layout_manifest() {
	jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
		"$(registry_layouts)/index.json"
}

@test "pull by tag: the image recorded under its name, its layer unpacked, up to date the second time" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/busybox:1 base
	run hk pull "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1: Pulling from test/busybox"* ]]
	[[ "$output" == *"Digest: $(layout_manifest base)"* ]]
	[[ "$output" == *"Status: Downloaded newer image for $REG_a_ADDR/test/busybox:1"* ]]
	[ "$(store_images | jq -r '.names[0]')" = "$REG_a_ADDR/test/busybox:1" ]
	[ "$(store_images | jq -r .manifest)" = "$(layout_manifest base)" ]
	diffid="$(store_images | jq -r '.layers[0]')"
	[ -x "$HUSK_STORE/layers/${diffid#sha256:}/diff/bin/busybox" ]
	# nothing left in flight
	[ -z "$(ls -A "$HUSK_STORE/tmp")" ]
	run hk pull "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Status: Image is up to date"* ]]
	[ "$(registry_blob_gets "$REG_a_DIR" "$(layout_layer base)")" -eq 1 ]
	# --quiet: the name only
	run hk pull -q "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$REG_a_ADDR/test/busybox:1" ]
}

@test "pull by digest, and a digest the registry does not have" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/busybox:1 base
	d="$(layout_manifest base)"
	run hk pull "$REG_a_ADDR/test/busybox@$d"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$REG_a_ADDR/test/busybox@$d" ]
	[ "$(store_images | jq -r .manifest)" = "$d" ]
	run hk pull "$REG_a_ADDR/test/busybox@sha256:$(printf '%064d' 0)"
	[ "$status" -eq 125 ]
	[[ "$output" == *"MANIFEST_UNKNOWN"* ]]
	run hk pull "$REG_a_ADDR/test/busybox:nosuchtag"
	[ "$status" -eq 125 ]
	[[ "$output" == *"manifest nosuchtag of $REG_a_ADDR/test/busybox"* ]]
}

@test "a multi-platform index: the host's platform by default, --platform picks another" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/multi:1 multi
	run hk pull "$REG_a_ADDR/test/multi:1"
	[ "$status" -eq 0 ]
	[ "$(store_images | jq -r .manifest)" = "$(layout_manifest base)" ]
	run hk pull --platform linux/arm64 "$REG_a_ADDR/test/multi:1"
	[ "$status" -eq 0 ]
	[ "$(store_images | jq -r 'select(.names | length > 0) | .manifest')" = "$(layout_manifest arm64)" ]
	run hk pull --platform linux/s390x "$REG_a_ADDR/test/multi:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"s390x"* ]]
	run hk pull --platform linux//x "$REG_a_ADDR/test/multi:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid platform"* ]]
}

@test "a layer shared by two images is downloaded once" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/base:1 base
	registry_seed "$REG_a_ADDR" test/two:1 two
	hk pull "$REG_a_ADDR/test/base:1"
	run hk pull "$REG_a_ADDR/test/two:1"
	[ "$status" -eq 0 ]
	[ "$(registry_blob_gets "$REG_a_DIR" "$(layout_layer two 0)")" -eq 1 ]
	[ "$(registry_blob_gets "$REG_a_DIR" "$(layout_layer two 1)")" -eq 1 ]
	[ "$(store_images | wc -l)" -eq 2 ]
	[ "$(ls "$HUSK_STORE/layers" | wc -l)" -eq 2 ]
}

@test "a corrupted blob is refused: no image, no layer, no blob, nothing in tmp" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/busybox:1 base
	layer="$(layout_layer base)"
	data="$REG_a_DIR/data/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data"
	[ -f "$data" ]
	# same size, other bytes: only the digest can tell
	printf 'XXXXXXXX' | dd of="$data" bs=1 seek=4096 conv=notrunc status=none
	run hk pull "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"$layer"* ]]
	[[ "$output" == *"mismatch"* ]]
	[ -z "$(store_images)" ]
	[ ! -e "$HUSK_STORE/blobs/sha256/${layer#sha256:}" ]
	[ -z "$(ls -A "$HUSK_STORE/layers")" ]
	[ -z "$(ls -A "$HUSK_STORE/tmp")" ]
}

# cut_proxy [norange]: the proxy in front of registry a, cutting the base layer's first download.
cut_proxy() {
	python3 "$REGISTRY_DIR/registry_cutproxy.py" "$BATS_TEST_TMPDIR/proxy.port" "${REG_a_ADDR#*:}" \
		"$BATS_TEST_TMPDIR/proxy.log" "/blobs/$(layout_layer base)" "$@" &
	bg_track $!
	wait_for_file "$BATS_TEST_TMPDIR/proxy.port"
	PROXY="127.0.0.1:$(cat "$BATS_TEST_TMPDIR/proxy.port")"
}

@test "a connection cut mid-layer is resumed with a Range request" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/busybox:1 base
	layer="$(layout_layer base)"
	cut_proxy
	run hk pull "$PROXY/test/busybox:1"
	[ "$status" -eq 0 ]
	grep -q "GET /v2/test/busybox/blobs/$layer range=- cut" "$BATS_TEST_TMPDIR/proxy.log"
	grep -q "GET /v2/test/busybox/blobs/$layer range=bytes=[1-9][0-9]*-$" "$BATS_TEST_TMPDIR/proxy.log"
	[ "$(store_images | jq -r '.layer_blobs[0]')" = "$layer" ]
	[ "$(sha256sum "$HUSK_STORE/blobs/sha256/${layer#sha256:}" | cut -d' ' -f1)" = "${layer#sha256:}" ]
}

@test "a cut download from a server that ignores Range: the whole body again, its first bytes skipped" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/busybox:1 base
	layer="$(layout_layer base)"
	cut_proxy norange
	run hk pull "$PROXY/test/busybox:1"
	[ "$status" -eq 0 ]
	[ "$(grep -c "GET /v2/test/busybox/blobs/$layer " "$BATS_TEST_TMPDIR/proxy.log")" -eq 2 ]
	[ "$(registry_blob_gets "$REG_a_DIR" "$layer")" -eq 2 ]
	[ "$(sha256sum "$HUSK_STORE/blobs/sha256/${layer#sha256:}" | cut -d' ' -f1)" = "${layer#sha256:}" ]
	diffid="$(store_images | jq -r '.layers[0]')"
	[ -x "$HUSK_STORE/layers/${diffid#sha256:}/diff/bin/busybox" ]
}

@test "htpasswd basic auth: refused without credentials, login (0600), pull, logout" {
	registry_start a htpasswd
	skopeo copy --quiet --dest-tls-verify=false --dest-creds alice:s3cret "oci:$(registry_layouts):base" \
		"docker://$REG_a_ADDR/test/busybox:1" >/dev/null
	run hk pull "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"authentication required"* ]]
	run hk login -u alice -p wrong "$REG_a_ADDR"
	[ "$status" -eq 125 ]
	[[ "$output" == *"refused"* ]]
	[ ! -e "$HUSK_AUTH_FILE" ]
	run hk login -u alice --password-stdin "$REG_a_ADDR" <<<"s3cret"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Login Succeeded"* ]]
	[ "$(stat -c %a "$HUSK_AUTH_FILE")" = 600 ]
	[ "$(jq -r --arg k "$REG_a_ADDR" '.auths[$k].auth' "$HUSK_AUTH_FILE" | base64 -d)" = "alice:s3cret" ]
	run hk pull "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 0 ]
	run hk logout "$REG_a_ADDR"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Removing login credentials for $REG_a_ADDR"* ]]
	run hk logout "$REG_a_ADDR"
	[ "$status" -eq 125 ]
	[[ "$output" == *"not logged in to $REG_a_ADDR"* ]]
	# docker's own config file is read too
	mkdir -p "$DOCKER_CONFIG"
	printf '{"auths":{"http://%s":{"auth":"%s"}}}' "$REG_a_ADDR" "$(printf alice:s3cret | base64)" >"$DOCKER_CONFIG/config.json"
	run hk pull "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 0 ]
	# --creds
	rm -f "$DOCKER_CONFIG/config.json"
	run hk pull --creds alice:s3cret "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 0 ]
}

@test "a token server: anonymous pull with a scoped token, push needs credentials" {
	registry_start a token
	skopeo copy --quiet --dest-tls-verify=false --dest-creds alice:s3cret "oci:$(registry_layouts):base" \
		"docker://$REG_a_ADDR/test/busybox:1" >/dev/null
	run hk pull "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 0 ]
	grep -q "user=- service=husk-test scope=repository:test/busybox:pull$" "$REG_a_DIR/token.log"
	run hk push "$REG_a_ADDR/test/busybox:1" "$REG_a_ADDR/test/copy:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"test/copy"* ]]
	run hk push --creds alice:s3cret "$REG_a_ADDR/test/busybox:1" "$REG_a_ADDR/test/copy:1"
	[ "$status" -eq 0 ]
	grep -q "user=alice service=husk-test scope=repository:test/copy:pull,push" "$REG_a_DIR/token.log"
	run hk login -u alice -p nope "$REG_a_ADDR"
	[ "$status" -eq 125 ]
	[[ "$output" == *"refused"* ]]
	run hk login -u alice -p s3cret "$REG_a_ADDR"
	[ "$status" -eq 0 ]
}

@test "push: monolithic and chunked uploads read back by skopeo and husk, blobs mounted or skipped" {
	registry_start a
	registry_start b
	registry_seed "$REG_a_ADDR" test/two:1 two
	hk pull "$REG_a_ADDR/test/two:1"
	# another registry: nothing to mount from, every blob uploaded, the big layer in 256 KiB... no: 1 MiB chunks
	run hk push --chunk-size 1 "$REG_a_ADDR/test/two:1" "$REG_b_ADDR/pushed/two:v1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$(layout_layer two 0 | cut -c8-19): Pushed (chunked)"* ]]
	[[ "$output" == *"$(layout_layer two 1 | cut -c8-19): Pushed"* ]]
	[[ "${lines[-1]}" == "v1: digest: $(layout_manifest two) size: "* ]]
	grep -q '"PATCH /v2/pushed/two/blobs/uploads/' "$REG_b_DIR/log"
	[ "$(skopeo inspect --tls-verify=false "docker://$REG_b_ADDR/pushed/two:v1" | jq -r .Digest)" = "$(layout_manifest two)" ]
	# again: every layer exists
	run hk push "$REG_a_ADDR/test/two:1" "$REG_b_ADDR/pushed/two:v1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$(layout_layer two 0 | cut -c8-19): Layer already exists"* ]]
	# pulled back by husk from b, under the new name, then pushed within b: mounted
	rm -rf "$HUSK_STORE"
	hk pull "$REG_b_ADDR/pushed/two:v1"
	run hk push "$REG_b_ADDR/pushed/two:v1" "$REG_b_ADDR/other/two:v2"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Mounted from pushed/two"* ]]
	[ "$(skopeo inspect --tls-verify=false "docker://$REG_b_ADDR/other/two:v2" | jq -r .Digest)" = "$(layout_manifest two)" ]
	run hk push "$REG_b_ADDR/pushed/two:v1" "$REG_b_ADDR/other/two@$(layout_manifest two)"
	[ "$status" -eq 125 ]
	[[ "$output" == *"needs a tag"* ]]
}

@test "short names through a mirror: busybox from registries.json's loopback mirror, a dead mirror skipped" {
	registry_start a
	registry_seed "$REG_a_ADDR" library/busybox:1 base
	dead="127.0.0.1:$(registry_free_port)"
	printf '{"registries":[{"prefix":"docker.io","mirrors":[{"location":"%s"},{"location":"%s"}]}]}' \
		"$dead" "$REG_a_ADDR" >"$HUSK_REGISTRIES_CONF"
	run hk pull busybox:1
	[ "$status" -eq 0 ]
	[ "$(store_images | jq -r '.names[0]')" = "docker.io/library/busybox:1" ]
	run hk pull busybox:2
	[ "$status" -eq 125 ]
	printf '{"registries":[{"prefix":"docker.io","mirrors":[{"location":' >"$HUSK_REGISTRIES_CONF"
	run hk pull busybox:1
	[ "$status" -eq 125 ]
	[[ "$output" == *"registries.json"* ]]
}

@test "TLS: --tls-verify=true refuses a plain-HTTP loopback registry; errors name what failed" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/busybox:1 base
	run hk pull --tls-verify=true "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"https://$REG_a_ADDR/v2/"* ]]
	run hk pull --tls-verify=maybe "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"--tls-verify"* ]]
	run hk pull "127.0.0.1:$(registry_free_port)/test/busybox:1"
	[ "$status" -eq 125 ]
	run hk pull "UPPER/case"
	[ "$status" -eq 125 ]
}

@test "husk run of a pulled image; run --pull missing (default), always, never" {
	registry_start a
	registry_seed "$REG_a_ADDR" test/busybox:1 base
	CG_PARENT="/husktest-registry-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	img="$REG_a_ADDR/test/busybox:1"
	run hk run --rm --pull never --cgroup-parent "$CG_PARENT" "$img" /bin/true
	[ "$status" -eq 125 ]
	[[ "$output" == *"no such image"* ]]
	# missing: pulled first, then run
	run hk run --rm --cgroup-parent "$CG_PARENT" "$img" /bin/sh -c 'echo hello from $(head -c 4 /etc/passwd)'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Unable to find image '$img' locally"* ]]
	[[ "$output" == *"Status: Downloaded newer image for $img"* ]]
	[ "${lines[-1]}" = "hello from root" ]
	# present: no pull
	run hk run --rm --cgroup-parent "$CG_PARENT" "$img" /bin/echo again
	[ "$status" -eq 0 ]
	[ "$output" = again ]
	run hk run --rm --pull always --cgroup-parent "$CG_PARENT" "$img" /bin/echo always
	[ "$status" -eq 0 ]
	[[ "$output" == *"Status: Image is up to date for $img"* ]]
	[ "${lines[-1]}" = always ]
	run hk run --rm --pull sometimes --cgroup-parent "$CG_PARENT" "$img" /bin/true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid pull policy"* ]]
	[ "$(registry_blob_gets "$REG_a_DIR" "$(layout_layer base)")" -eq 1 ]
	engine_assert_nothing_left
}

@test "TLS: an https registry over HTTP/2; its self-signed certificate refused with --tls-verify=true" {
	registry_start a none tls
	skopeo copy --quiet --dest-tls-verify=false "oci:$(registry_layouts):base" "docker://$REG_a_ADDR/test/busybox:1" >/dev/null
	# loopback: insecure by default, so https without verification
	run hk pull "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 0 ]
	grep -q '"GET /v2/test/busybox/manifests/1 HTTP/2.0" 200 .*"husk/' "$REG_a_DIR/log"
	run hk pull --tls-verify=true "$REG_a_ADDR/test/busybox:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"https://$REG_a_ADDR/v2/"*"certificate"* ]]
}
