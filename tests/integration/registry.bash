# shellcheck shell=bash
# Local registries for the registry client's tests (tests/integration/registry.bats), never the network:
# Debian's docker-registry on 127.0.0.1 with a config and storage of the test's own, a token server and
# a connection-cutting proxy (small python programs beside this file), and images made with umoci and
# pushed with skopeo. Load after helpers.bash, husk.bash, engine.bash and image.bash (image_rootfs). Every process started is listed in bgpids, killed by
# registry_teardown; everything lives under $BATS_TEST_TMPDIR.
#
#   registry_start NAME [none|htpasswd|token] [tls]  start one; sets REG_NAME_ADDR (127.0.0.1:PORT) and
#                                 REG_NAME_DIR (its config, storage, access log "log"); tls: https only,
#                                 a self-signed certificate for 127.0.0.1 (REG_NAME_DIR/tls.crt)
#   registry_layouts              OCI layouts under $BATS_RUN_TMPDIR (built once per run), printed:
#                                 tags "base" (busybox, 1 layer), "two" (base's layer + /etc/extra),
#                                 "arm64" (base's layer, config architecture arm64), "multi" (an index
#                                 of base as linux/amd64 and arm64 as linux/arm64)
#   registry_seed ADDR REPO:TAG LAYOUT_TAG  push a layout tag with skopeo (--all for an index)
#   registry_blob_gets DIR DIGEST number of GETs of a blob in a registry's access log
# The husk under test is husk.bash's `hk` (a private --storage-root $HUSK_STORE and --root $ROOT).
REGISTRY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

registry_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something answers on 127.0.0.1:PORT (10 s).
wait_port() {
	local i
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "nothing listens on 127.0.0.1:$1" >&2
	return 1
}

bg_track() {
	echo "$1" >>"$BATS_TEST_TMPDIR/bgpids"
}

# A self-signed certificate and key that sign the test tokens.
_token_keys() {
	local dir="$1"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=husk-test-token" \
		-keyout "$dir/token.key" -out "$dir/token.crt" >/dev/null 2>&1
}

token_server_start() {
	local dir="$1"
	_token_keys "$dir"
	python3 "$REGISTRY_DIR/registry_token.py" "$dir/token.port" "$dir/token.key" "$dir/token.crt" husk-test-issuer \
		"$dir/token.log" "alice:s3cret" &
	bg_track $!
	wait_for_file "$dir/token.port"
	TOKEN_PORT="$(cat "$dir/token.port")"
}

registry_start() {
	local name="$1" auth="${2:-none}" tls="${3:-}" dir port
	dir="$BATS_TEST_TMPDIR/registry-$name"
	mkdir -p "$dir/data"
	port="$(registry_free_port)"
	cat >"$dir/config.yml" <<-EOF
		version: 0.1
		log:
		  level: error
		storage:
		  filesystem:
		    rootdirectory: $dir/data
		  delete:
		    enabled: true
		http:
		  addr: 127.0.0.1:$port
	EOF
	case "$auth" in
	htpasswd)
		# bcrypt, as docker-registry requires: glibc's crypt(3) through python's crypt module
		python3 -W ignore -c 'import crypt; print("alice:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
			>"$dir/htpasswd"
		printf 'auth:\n  htpasswd:\n    realm: husk-test\n    path: %s\n' "$dir/htpasswd" >>"$dir/config.yml"
		;;
	token)
		token_server_start "$dir"
		printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: husk-test\n    issuer: husk-test-issuer\n    rootcertbundle: %s\n' \
			"$TOKEN_PORT" "$dir/token.crt" >>"$dir/config.yml"
		;;
	esac
	if [ "$tls" = tls ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
			-keyout "$dir/tls.key" -out "$dir/tls.crt" >/dev/null 2>&1
		# appended under http: (the config's last top-level key until auth: follows)
		sed -i "s|^  addr: .*|&\n  tls:\n    certificate: $dir/tls.crt\n    key: $dir/tls.key|" "$dir/config.yml"
	fi
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	bg_track $!
	wait_port "$port"
	printf -v "REG_${name}_ADDR" '%s' "127.0.0.1:$port"
	printf -v "REG_${name}_DIR" '%s' "$dir"
}

registry_blob_gets() {
	grep -c "\"GET /v2/[^ ]*/blobs/$2 " "$1/log" || true
}

# The index of "multi": base for linux/amd64, arm64 for linux/arm64, written as a blob and tagged.
_layout_index() {
	local l="$1" entries="" t digest size arch idx
	for t in base:amd64 arm64:arm64; do
		digest="$(jq -r --arg t "${t%%:*}" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$l/index.json")"
		size="$(stat -c %s "$l/blobs/sha256/${digest#sha256:}")"
		arch="${t#*:}"
		entries+="${entries:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$digest\",\"size\":$size,\"platform\":{\"os\":\"linux\",\"architecture\":\"$arch\"}}"
	done
	idx="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[$entries]}"
	printf '%s' "$idx" >"$l/idx.tmp"
	digest="sha256:$(sha256sum "$l/idx.tmp" | cut -d' ' -f1)"
	size="$(stat -c %s "$l/idx.tmp")"
	mv "$l/idx.tmp" "$l/blobs/sha256/${digest#sha256:}"
	jq --arg d "$digest" --argjson s "$size" \
		'.manifests += [{"mediaType":"application/vnd.oci.image.index.v1+json","digest":$d,"size":$s,"annotations":{"org.opencontainers.image.ref.name":"multi"}}]' \
		"$l/index.json" >"$l/index.json.tmp"
	mv "$l/index.json.tmp" "$l/index.json"
}

registry_layouts() {
	local l="$BATS_RUN_TMPDIR/registry-layouts"
	if [ ! -f "$l/done" ]; then
		local tmp="$l.$$.$RANDOM"
		rm -rf "$tmp" "$tmp.b"
		umoci init --layout "$tmp" >/dev/null
		umoci new --image "$tmp:base" >/dev/null
		umoci unpack --image "$tmp:base" "$tmp.b" >/dev/null
		image_rootfs "$tmp.b/rootfs"
		umoci repack --refresh-bundle --image "$tmp:base" "$tmp.b" >/dev/null
		umoci config --image "$tmp:base" --config.cmd /bin/sh >/dev/null
		umoci config --image "$tmp:base" --architecture arm64 --tag arm64 >/dev/null
		echo extra >"$tmp.b/rootfs/etc/extra"
		umoci repack --image "$tmp:two" "$tmp.b" >/dev/null
		rm -rf "$tmp.b"
		_layout_index "$tmp"
		umoci gc --layout "$tmp" >/dev/null
		touch "$tmp/done"
		mv -T "$tmp" "$l" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "$l"
}

registry_seed() {
	local all=()
	[ "$3" = multi ] && all=(--all)
	skopeo copy --quiet "${all[@]}" --dest-tls-verify=false "oci:$(registry_layouts):$3" "docker://$1/$2" >/dev/null
}

# The store, state, auth file and registries.json of a test: private, under its temporary directory.
registry_setup() {
	husk_setup
	export HUSK_AUTH_FILE="$BATS_TEST_TMPDIR/auth.json"
	export HUSK_REGISTRIES_CONF="$BATS_TEST_TMPDIR/registries.json"
	export HOME="$BATS_TEST_TMPDIR/home"
	export DOCKER_CONFIG="$BATS_TEST_TMPDIR/docker"
	unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR XDG_CONFIG_HOME
	mkdir -p "$HOME"
}

registry_teardown() {
	engine_cleanup
	kill_bgpids
	rm -rf "$HUSK_STORE" "$BATS_TEST_TMPDIR"/registry-* 2>/dev/null || true
}

# The image records of the test's store.
store_images() {
	jq -c '.images[]' "$HUSK_STORE/images.json" 2>/dev/null || true
}
