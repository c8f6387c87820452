#!/bin/bash
# Benchmark (not a test): pulling a ~100 MB image of 4 layers from a local docker-registry (loopback,
# plain HTTP) into an empty store, in ONE hyperfine run:
#   husk        husk pull (layers in parallel, each streamed once into blob + unpacked layer)
#   podman      podman pull (overlay storage of its own)
#   skopeo+tar  skopeo copy to a dir, then tar -xzf of every layer (download, then unpack)
# Prints medians and the ratios to husk.
#
#   bench/pull.sh [HUSK] [RUNS]       default: ./build/src/cli/husk/husk, 5
set -eu

REPO="$(cd "$(dirname "$0")/.." && pwd)"
HUSK="$(realpath "${1:-$REPO/build/src/cli/husk/husk}")"
RUNS="${2:-5}"
for t in hyperfine jq docker-registry skopeo umoci podman python3; do
	command -v "$t" >/dev/null || { echo "bench: $t is not installed" >&2; exit 1; }
done
[ -x "$HUSK" ] || { echo "bench: no husk at $HUSK (build first)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/husk-bench-pull.XXXXXX)"
REG_PID=
cleanup() {
	[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# The image: busybox, then three ~32 MB layers (compressed): random bytes (gzip cannot shrink them: the download
# dominates) and text (it shrinks ~4x: the unpack dominates), both kinds in each layer.
L="$WORK/layout"
umoci init --layout "$L" >/dev/null
umoci new --image "$L:big" >/dev/null
umoci unpack --image "$L:big" "$WORK/b" >/dev/null
mkdir -p "$WORK/b/rootfs/bin"
cp /bin/busybox "$WORK/b/rootfs/bin/"
umoci repack --refresh-bundle --image "$L:big" "$WORK/b" >/dev/null
for i in 1 2 3; do
	mkdir -p "$WORK/b/rootfs/data$i"
	head -c $((28 << 20)) /dev/urandom >"$WORK/b/rootfs/data$i/random"
	for f in $(seq 64); do
		seq $((f * 1000)) $((f * 1000 + 30000)) >"$WORK/b/rootfs/data$i/text$f"
	done
	umoci repack --refresh-bundle --image "$L:big" "$WORK/b" >/dev/null
done
rm -rf "$WORK/b"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$WORK/registry.yml" <<-EOF2
	version: 0.1
	log:
	  level: error
	  accesslog:
	    disabled: true
	storage:
	  filesystem:
	    rootdirectory: $WORK/registry
	http:
	  addr: 127.0.0.1:$PORT
EOF2
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	sleep 0.1
done
IMG="127.0.0.1:$PORT/bench/big:1"
skopeo copy --quiet --dest-tls-verify=false "oci:$L:big" "docker://$IMG"
M="$(jq -r '.manifests[0].digest' "$L/index.json")"
SIZE="$(jq '[.layers[].size] | add' "$L/blobs/sha256/${M#sha256:}")"
echo "image: $IMG ($M), $((SIZE / 1000000)) MB compressed in 4 layers"

cat >"$WORK/skopeo-tar.sh" <<-'EOF2'
	set -e
	mkdir -p "$2/sk"
	skopeo copy --quiet --src-tls-verify=false "docker://$1" "dir:$2/sk"
	mkdir -p "$2/rootfs"
	for l in $(jq -r '.layers[].digest' "$2/sk/manifest.json"); do
		tar -xzf "$2/sk/${l#sha256:}" -C "$2/rootfs"
	done
EOF2
PODMAN=(podman --root "$WORK/podman" --runroot "$WORK/podman-run" --storage-driver overlay)

hyperfine ${BENCH_DEBUG:+--show-output} -N --warmup 1 --runs "$RUNS" --export-json "$WORK/pull.json" \
	--prepare "rm -rf $WORK/husk" -n husk "$HUSK --storage-root $WORK/husk pull -q $IMG" \
	--prepare "rm -rf $WORK/podman $WORK/podman-run" -n podman "${PODMAN[*]} pull -q --tls-verify=false $IMG" \
	--prepare "rm -rf $WORK/skt" -n skopeo+tar "bash $WORK/skopeo-tar.sh $IMG $WORK/skt" >/dev/null

jq -r '.results as $r | ($r[] | select(.command == "husk") | .median) as $h |
	$r[] | "\(.command): median \(.median * 1000 | floor) ms (\(.median / $h * 100 | floor / 100)x husk)"' "$WORK/pull.json"
