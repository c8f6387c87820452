#!/bin/bash
# Benchmark (not a test): unpacking one layer with husk_layer_unpack (tests/tools/husk-unpack) against
# GNU tar on the same ~100 MB layer made from /usr, gzip (-6), zstd (-3) and plain. Each run unpacks
# into a fresh directory (removed by hyperfine's --prepare, outside the timing), on /dev/shm (tmpfs) so
# that the figures are the unpackers' work and not a shared disk's mood; UNPACK_BENCH_DIR=DIR unpacks
# on DIR's filesystem instead. Prints the means, the
# median, the CPU time (user + system, all threads), the throughput in MB of tar per second, and the
# ratio of means tar / this (above 1: faster than GNU tar). Also the two
# gzip decoders alone (zlib and ISA-L's igzip, tests/tools/inflate-bench), the measurement behind
# src/image/decompress.c's choice, and husk-unpack --no-thread (no decoder thread).
#
#   bench/unpack.sh [BUILD_DIR] [RUNS]      default: ./build, 10
set -eu

REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(realpath "${1:-$REPO/build}")"
RUNS="${2:-10}"
HU="$BUILD/tests/tools/husk-unpack"
IB="$BUILD/tests/tools/inflate-bench"
for t in hyperfine jq gzip zstd tar; do
	command -v "$t" >/dev/null || { echo "bench: $t is not installed" >&2; exit 1; }
done
[ -x "$HU" ] && [ -x "$IB" ] || { echo "bench: no husk-unpack or inflate-bench in $BUILD/tests/tools (build first)" >&2; exit 1; }

# On a shared machine the others' load swamps the figures: as root, this benchmark and its children
# (husk-unpack, tar, gzip) run at nice -20 (CPU they would get anyway, sooner).
if [ "$(id -u)" = 0 ]; then
	renice -n -20 -p $$ >/dev/null
fi

WORK="$(mktemp -d /tmp/husk-bench-unpack.XXXXXX)"
OUT_BASE="$(mktemp -d "${UNPACK_BENCH_DIR:-/dev/shm}/husk-bench-unpack.XXXXXX")"
trap 'rm -rf "$WORK" "$OUT_BASE"' EXIT

# The layer: directories of /usr with many small files and some large ones, up to ~100 MB.
dirs=()
size=0
for d in usr/lib/python3.11 usr/share/perl usr/sbin usr/include usr/share/locale usr/lib/x86_64-linux-gnu/perl; do
	[ -d "/$d" ] || continue
	dirs+=("$d")
	size=$((size + $(du -sm "/$d" | cut -f1)))
	[ "$size" -lt 95 ] || break
done
tar -C / -cf "$WORK/layer.tar" "${dirs[@]}"
gzip -6 -k "$WORK/layer.tar"
zstd -3 -q -k "$WORK/layer.tar"
TAR_BYTES="$(stat -c %s "$WORK/layer.tar")"
echo "layer: ${dirs[*]}: $(du -sh "$WORK/layer.tar" | cut -f1) tar, $(tar -tf "$WORK/layer.tar" | wc -l) entries; gzip $(du -sh "$WORK/layer.tar.gz" | cut -f1), zstd $(du -sh "$WORK/layer.tar.zst" | cut -f1)"
echo
echo "## gzip decoders alone (in memory, best of 5)"
"$IB" zlib "$WORK/layer.tar.gz"
"$IB" isal "$WORK/layer.tar.gz"

OUT="$OUT_BASE/out"
echo "unpacking into $(df --output=fstype "$OUT_BASE" | tail -n 1) ($OUT_BASE)"
# bench NAME HUSK_CMD TAR_CMD: hyperfine over husk, husk --no-thread and tar; prints the figures.
bench() {
	local name="$1" husk="$2" tar_cmd="$3" json="$WORK/$1.json"
	hyperfine -N --warmup 2 --runs "$RUNS" --prepare "sh -c 'rm -rf $OUT && mkdir $OUT'" --export-json "$json" \
		-n husk "$HU $husk $OUT" -n husk-no-thread "$HU --no-thread $husk $OUT" -n tar "$tar_cmd" >/dev/null
	echo
	echo "## $name"
	jq -r --argjson bytes "$TAR_BYTES" '
		(.results[] | select(.command == "tar") | .mean) as $tar
		| .results[] | "\(.command | . + " " * (16 - length)) mean \(.mean * 1000 | floor) ms ± \(.stddev * 1000 | floor)  median \(.median * 1000 | floor) ms  cpu \((.user + .system) * 1000 | floor) ms  \($bytes / .mean / 1e6 | floor) MB/s  tar/this \($tar / .mean * 100 | floor / 100)"' "$json"
}
bench gzip "$WORK/layer.tar.gz" "tar -C $OUT -xzf $WORK/layer.tar.gz"
bench zstd "$WORK/layer.tar.zst" "tar -C $OUT --use-compress-program=zstd -xf $WORK/layer.tar.zst"
bench plain "$WORK/layer.tar" "tar -C $OUT -xf $WORK/layer.tar"
rm -rf "$OUT"
