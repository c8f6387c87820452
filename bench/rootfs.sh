#!/bin/bash
# Benchmark (not a test): the time to make and to remove a container root (src/image/rootfs*.c) of a
# 1-layer and of a 20-layer image, overlay vs copy, measured in-process by tests/tools/rootfs-tool
# (mean and min over RUNS mount/remove cycles; AUTO includes the probe's tiny overlay).
#
#   bench/rootfs.sh [BUILD_DIR] [RUNS]      default: ./build, 50
#
# The 1-layer image is the busybox root of the tests (~2 MiB, ~400 names); the 20-layer image is the
# same base and 19 layers of 20 small files each. Runs in a private mount namespace: nothing it
# mounts can outlive it.
set -eu

REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(realpath "${1:-$REPO/build}")"
RUNS="${2:-50}"
TOOL="$BUILD/tests/tools/rootfs-tool"
[ -x "$TOOL" ] || { echo "bench: no $TOOL (build first)" >&2; exit 1; }

WORK="$(mktemp -d /var/tmp/husk-bench-rootfs.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

base="$WORK/layers/0"
mkdir -p "$base"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$base/bin/busybox"
for a in $(/bin/busybox --list | grep -vx busybox); do
	ln -s busybox "$base/bin/$a"
done
layers=("$base")
for i in $(seq 1 19); do
	mkdir -p "$WORK/layers/$i/usr/share/l$i"
	for f in $(seq 1 20); do
		head -c 2048 /dev/urandom >"$WORK/layers/$i/usr/share/l$i/f$f"
	done
	layers+=("$WORK/layers/$i")
done

unshare -m --propagation private bash -eu -c '
	tool="$1" work="$2" runs="$3"
	shift 3
	mkdir -p "$work/c"
	for drv in overlay auto copy; do
		echo "--driver $drv:"
		"$tool" bench "$runs" --driver "$drv" --scratch "$work" "$work/c" "$1"
		"$tool" bench "$runs" --driver "$drv" --scratch "$work" "$work/c" "$@"
	done
' bench "$TOOL" "$WORK" "$RUNS" "${layers[@]}"
