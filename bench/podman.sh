#!/bin/bash
# Benchmark (not a test): `podman run --rm IMAGE true` with --runtime husk-runtime, crun and runc, in
# ONE hyperfine run, as medians and ratios to crun. podman's config, storage and the busybox image are
# made as the tests make them (tests/integration/podman.bash: cgroupfs, file events, no network, a
# private graphroot), and removed at the end.
#
#   bench/podman.sh [HUSK_RUNTIME] [RUNS]      default: ./build/src/cli/husk-runtime, 30
#
# crun 1.8.1 refuses this cgroup v1 "hybrid" host, so, as in bench/lifecycle.sh, the runs happen in a
# private mount namespace where /sys/fs/cgroup/unified is unmounted (nothing changes on the host);
# podman itself, conmon and every runtime see the same view there.
set -eu

REPO="$(cd "$(dirname "$0")/.." && pwd)"
HUSK="$(realpath "${1:-$REPO/build/src/cli/husk-runtime}")"
RUNS="${2:-30}"
for t in hyperfine jq podman crun runc; do
	command -v "$t" >/dev/null || { echo "bench: $t is not installed" >&2; exit 1; }
done
[ -x "$HUSK" ] || { echo "bench: no husk-runtime at $HUSK (build first)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }

# The harness's functions: podman_setup_file, podman_teardown_file, $PODMAN_IMAGE.
# shellcheck source=../tests/integration/podman.bash
source "$REPO/tests/integration/podman.bash"
HUSK_RUNTIME="$HUSK"
export PODMAN_IMAGE
podman_setup_file 2>/dev/null
trap podman_teardown_file EXIT

CRUN="$(command -v crun)" RUNC="$(command -v runc)"
unshare --mount --propagation private bash -eu -c '
	umount /sys/fs/cgroup/unified
	run="run --rm --pull never --cgroup-parent $PODMAN_CGROUP_PARENT $PODMAN_IMAGE true"
	# Sanity: each runtime runs the image once before it is timed.
	for rt in "$2" "$3" "$4"; do
		podman --runtime "$rt" $run
	done
	echo "# podman runs the image with each runtime: ok"
	hyperfine -N --warmup 5 --runs "$1" --export-json "$PODMAN_DIR/side.json" \
		-n husk-runtime "podman --runtime $2 $run" \
		-n crun "podman --runtime $3 $run" \
		-n runc "podman --runtime $4 $run" >/dev/null
' bench "$RUNS" "$HUSK" "$CRUN" "$RUNC"

echo
echo "runs: $RUNS each (after 5 warmup runs), podman run --rm IMAGE true (podman, conmon, create, start, wait, delete)"
jq -r '
	(.results | map(select(.command == "crun"))[0].median) as $crun
	| ["command", "median ms", "mean ms", "stddev ms", "ratio to crun"],
	  (.results[] | [.command, (.median * 1000 * 100 | round / 100), (.mean * 1000 * 100 | round / 100),
	                 (.stddev * 1000 * 100 | round / 100), (.median / $crun * 100 | round / 100)])
	| @tsv' "$PODMAN_DIR/side.json" | column -t -s $'\t'
