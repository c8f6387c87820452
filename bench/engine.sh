#!/bin/bash
# Benchmark (not a test): `husk run --rm IMAGE true` against `podman run --rm IMAGE true` with crun and
# with husk-runtime, in ONE hyperfine run (medians, ratios to podman+crun); then the time to start 100
# detached containers with `husk run -d` and to `husk ps -a` them, and a monitor's memory.
# The same busybox root is the image of both: `podman import`ed (tests/integration/podman.bash's
# config: cgroupfs, no network, a private graphroot) and `husk import`ed into a private store.
#
#   bench/engine.sh [BUILD] [RUNS]      default: ./build, 30
#
# As bench/podman.sh: crun 1.8.1 refuses this hybrid cgroup host, so everything runs in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted (nothing changes on the host).
set -eu

REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(realpath "${1:-$REPO/build}")"
RUNS="${2:-30}"
HUSK="$BUILD/src/cli/husk/husk"
RUNTIME="$BUILD/src/cli/husk-runtime"
for t in hyperfine jq podman crun; do
	command -v "$t" >/dev/null || { echo "bench: $t is not installed" >&2; exit 1; }
done
[ -x "$HUSK" ] && [ -x "$RUNTIME" ] || { echo "bench: build $BUILD first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }

# shellcheck source=../tests/integration/podman.bash
source "$REPO/tests/integration/podman.bash"
HUSK_RUNTIME="$RUNTIME"
export PODMAN_IMAGE
podman_setup_file 2>/dev/null
HK_DIR="$PODMAN_DIR/husk"
CG="/husktest-bench-$$"
cleanup() {
	"$HUSK" --storage-root "$HK_DIR/store" --root "$HK_DIR/state" rm -f $("$HUSK" --storage-root "$HK_DIR/store" \
		--root "$HK_DIR/state" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
	local d
	for d in /sys/fs/cgroup/*"$CG" /sys/fs/cgroup/*/*"$CG"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	podman_teardown_file
}
trap cleanup EXIT
mkdir -p "$HK_DIR"
# The same root podman imported: rebuilt here as its harness builds it.
rfs="$HK_DIR/rootfs"
mkdir -p "$rfs"/{bin,etc,tmp,root}
cp /bin/busybox "$rfs/bin/busybox"
for a in $(/bin/busybox --list | grep -vx busybox); do ln -sf busybox "$rfs/bin/$a"; done
chmod 1777 "$rfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$rfs/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$rfs/etc/group"
tar -C "$rfs" -cf "$HK_DIR/rootfs.tar" .
"$HUSK" --storage-root "$HK_DIR/store" --root "$HK_DIR/state" import --change 'CMD ["/bin/sh"]' \
	"$HK_DIR/rootfs.tar" husk-busybox:test >/dev/null

CRUN="$(command -v crun)"
unshare --mount --propagation private bash -eu -c '
	umount /sys/fs/cgroup/unified
	hk="$2 --storage-root $5/store --root $5/state"
	pm="run --rm --pull never --cgroup-parent $6 $PODMAN_IMAGE true"
	# Sanity: each runs the image once before it is timed.
	$hk run --rm --cgroup-parent $6 husk-busybox:test true
	podman --runtime "$3" $pm
	podman --runtime "$4" $pm
	echo "# husk run and podman (crun, husk-runtime) run the image: ok"
	hyperfine -N --warmup 5 --runs "$1" --export-json "$5/side.json" \
		-n "husk run" "$hk run --rm --cgroup-parent $6 husk-busybox:test true" \
		-n "podman+crun" "podman --runtime $3 $pm" \
		-n "podman+husk-runtime" "podman --runtime $4 $pm" >/dev/null

	# 100 detached containers, then ps -a of them.
	start=$(date +%s%N)
	for i in $(seq 100); do $hk run -d --cgroup-parent $6 husk-busybox:test sleep 600 >/dev/null; done
	end=$(date +%s%N)
	echo "husk run -d x100: $(( (end - start) / 1000000 )) ms ($(( (end - start) / 100000000 )) ms each)"
	hyperfine -N --warmup 3 --runs 20 --export-json "$5/ps.json" "$hk ps -a" >/dev/null
	echo "husk ps -a of 100: median $(jq ".results[0].median * 1000 * 100 | round / 100" "$5/ps.json") ms"
	mon=$(jq -r .monitor_pid "$5"/store/containers/*/container.json | head -1)
	echo "a monitor (husk-monitor): $(grep VmRSS /proc/$mon/status | tr -s " \t" " "), $(grep -E "^Pss:" /proc/$mon/smaps_rollup | tr -s " " " ") with 100 running, $(grep Private_Dirty /proc/$mon/smaps_rollup | tr -s " " " ")"
	$hk rm -f $($hk ps -aq) >/dev/null
' bench "$RUNS" "$HUSK" "$CRUN" "$RUNTIME" "$HK_DIR" "$CG"

echo
echo "runs: $RUNS each (after 5 warmup runs), IMAGE true, --rm"
jq -r '
	(.results | map(select(.command == "podman+crun"))[0].median) as $crun
	| ["command", "median ms", "mean ms", "stddev ms", "ratio to podman+crun"],
	  (.results[] | [.command, (.median * 1000 * 100 | round / 100), (.mean * 1000 * 100 | round / 100),
	                 (.stddev * 1000 * 100 | round / 100), (.median / $crun * 100 | round / 100)])
	| @tsv' "$HK_DIR/side.json" | column -t -s $'\t'
