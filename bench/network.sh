#!/bin/bash
# Benchmark (not a test): the extra start latency of a bridged container, `husk run --rm --rootfs DIR
# /bin/true` with --network none, a bridge network, and a bridge network with one published port, in
# one hyperfine run; with podman (runc, netavark) the same three when podman is installed. Prints
# medians and the differences to --network none.
#
#   bench/network.sh [BUILD_DIR] [RUNS]      default: ./build, 50
#
# Everything is made under a temporary directory and a network of its own, removed at the end (the
# tables netavark makes are removed too when they were not there before).
set -eu

REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(realpath "${1:-$REPO/build}")"
RUNS="${2:-50}"
HUSK="$BUILD/src/cli/husk/husk"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 1; }
[ -x "$HUSK" ] || { echo "bench: no husk at $HUSK (build first)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/husk-netbench.XXXXXX)"
NET="bench$$"
PORT=$((30000 + RANDOM % 10000))
H=("$HUSK" --storage-root "$WORK/store" --root "$WORK/state")
had_nat=0
nft list table ip nat >/dev/null 2>&1 && had_nat=1
cleanup() {
	"${H[@]}" network rm "$NET" >/dev/null 2>&1 || true
	if [ "$had_nat" = 0 ] && nft list table ip nat 2>/dev/null | grep -q NETAVARK; then
		nft delete table ip nat 2>/dev/null || true
		nft delete table ip filter 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK"/rootfs/{bin,etc,tmp,proc,sys,dev}
cp /bin/busybox "$WORK/rootfs/bin/"
ln -s busybox "$WORK/rootfs/bin/true"
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
echo 'root:x:0:' >"$WORK/rootfs/etc/group"
"${H[@]}" network create "$NET" >/dev/null

run="${H[*]} run --rm --rootfs"
cmds=("$run --network none $WORK/rootfs /bin/true"
	"$run --network $NET $WORK/rootfs /bin/true"
	"$run --network $NET -p $PORT:80 $WORK/rootfs /bin/true")
names=("husk none" "husk bridge" "husk bridge -p")
if command -v podman >/dev/null; then
	P="podman --root $WORK/podman --runroot $WORK/podman-run --network-config-dir $WORK/podman-net --runtime runc run --rm"
	P="$P --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
	mkdir -p "$WORK/podman-net"
	cmds+=("$P --network none --rootfs $WORK/rootfs /bin/true" "$P --rootfs $WORK/rootfs /bin/true"
		"$P -p $((PORT + 1)):80 --rootfs $WORK/rootfs /bin/true")
	names+=("podman none" "podman bridge" "podman bridge -p")
fi
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/out.json" "${cmds[@]}" >/dev/null
jq -r --argjson names "$(printf '%s\n' "${names[@]}" | jq -R . | jq -s .)" '
	.results as $r | range(0; $r | length) as $i |
	($r[(($i / 3) | floor) * 3].median) as $base |
	"\($names[$i]): median \($r[$i].median * 1000 | floor) ms (+\(($r[$i].median - $base) * 1000 | floor) ms), min \($r[$i].min * 1000 | floor) ms"
' "$WORK/out.json"
