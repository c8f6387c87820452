#!/bin/bash
# Benchmark (not a test): `RUNTIME exec ID /bin/true` into a running container (busybox `sleep`), for
# husk-runtime, crun and runc in ONE hyperfine run. Prints medians and ratios to crun.
#
#   bench/exec.sh [HUSK_RUNTIME] [RUNS]      default: ./build/src/cli/husk-runtime, 50
#
# As bench/lifecycle.sh: crun 1.8.1 refuses this cgroup v1 "hybrid" host, so the containers run and
# are measured in a private mount namespace where /sys/fs/cgroup/unified is unmounted (nothing changes
# on the host), and deleted there too.
set -eu

# shellcheck source=bench/common.bash
. "$(dirname "$0")/common.bash"
bench_init exec "$@"
trap 'bench_cleanup husk crun runc' EXIT

mkdir -p "$WORK/bundle/rootfs/bin"
cp /bin/busybox "$WORK/bundle/rootfs/bin/busybox"
for a in true sh sleep; do ln -s busybox "$WORK/bundle/rootfs/bin/$a"; done
(cd "$WORK/bundle" && "$HUSK" spec)
# crun 1.8.1 refuses ociVersion 1.2.0 (see lifecycle.sh).
jq '.process.terminal = false | .process.args = ["/bin/sleep", "1000"] | .ociVersion = "1.0.2-dev"' \
	"$WORK/bundle/config.json" >"$WORK/c.json"
mv "$WORK/c.json" "$WORK/bundle/config.json"
mkdir -p "$WORK/root-husk" "$WORK/root-crun" "$WORK/root-runc"

unshare --mount --propagation private bash -eu -c '
	umount /sys/fs/cgroup/unified
	husk="$3"
	"$husk" --root "$2/root-husk" run -d --bundle "$2/bundle" bench-exec </dev/null >/dev/null
	crun --root "$2/root-crun" run -d --bundle "$2/bundle" bench-exec </dev/null >/dev/null
	runc --root "$2/root-runc" run -d --bundle "$2/bundle" bench-exec </dev/null >/dev/null
	# Sanity: each runs the command once before it is timed.
	"$husk" --root "$2/root-husk" exec bench-exec /bin/true
	crun --root "$2/root-crun" exec bench-exec /bin/true
	runc --root "$2/root-runc" exec bench-exec /bin/true
	rc=0
	hyperfine -N --warmup 5 --runs "$1" --export-json "$2/exec.json" \
		-n husk-runtime "$husk --root $2/root-husk exec bench-exec /bin/true" \
		-n crun "crun --root $2/root-crun exec bench-exec /bin/true" \
		-n runc "runc --root $2/root-runc exec bench-exec /bin/true" >/dev/null || rc=$?
	"$husk" --root "$2/root-husk" delete --force bench-exec
	crun --root "$2/root-crun" delete --force bench-exec
	runc --root "$2/root-runc" delete --force bench-exec
	exit $rc
' bench "$RUNS" "$WORK" "$HUSK"

echo "runs: $RUNS each (after 5 warmup runs), exec of /bin/true into a running container (foreground, exit status)"
jq -r '
	(.results | map(select(.command == "crun"))[0].median) as $crun
	| ["command", "median ms", "mean ms", "stddev ms", "ratio to crun"],
	  (.results[] | [.command, (.median * 1000 * 100 | round / 100), (.mean * 1000 * 100 | round / 100),
	                 (.stddev * 1000 * 100 | round / 100), (.median / $crun * 100 | round / 100)])
	| @tsv' "$WORK/exec.json" | column -t -s $'\t'
