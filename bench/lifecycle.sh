#!/bin/bash
# Benchmark (not a test): the full lifecycle of /bin/true, `RUNTIME run` of a busybox bundle with the
# default `spec` config (args changed to true), for husk-runtime, crun and runc in ONE hyperfine run.
# Prints medians and ratios to crun.
#
#   bench/lifecycle.sh [HUSK_RUNTIME] [RUNS]      default: ./build/src/cli/husk-runtime, 50
#
# crun 1.8.1 refuses this cgroup v1 "hybrid" host, so the side-by-side run happens in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted (nothing changes on the host). husk-runtime is
# also measured on the hybrid host view as it is.
set -eu

# shellcheck source=bench/common.bash
. "$(dirname "$0")/common.bash"
bench_init lifecycle "$@"
trap 'bench_cleanup husk crun runc husk-hybrid' EXIT

# The bundle: Debian's busybox-static, and the runtime's own default spec with args = true.
mkdir -p "$WORK/bundle/rootfs/bin"
cp /bin/busybox "$WORK/bundle/rootfs/bin/busybox"
ln -s busybox "$WORK/bundle/rootfs/bin/true"
ln -s busybox "$WORK/bundle/rootfs/bin/sh"
(cd "$WORK/bundle" && "$HUSK" spec)
# husk writes ociVersion 1.2.0, which crun 1.8.1 refuses ("unknown version specified"); the
# config is otherwise runc's default, so it is labelled 1.0.2-dev as runc's own.
jq '.process.terminal = false | .process.args = ["/bin/true"] | .ociVersion = "1.0.2-dev"' \
	"$WORK/bundle/config.json" >"$WORK/c.json"
mv "$WORK/c.json" "$WORK/bundle/config.json"
mkdir -p "$WORK/root-husk" "$WORK/root-crun" "$WORK/root-runc" "$WORK/root-husk-hybrid"

# Sanity: each runtime runs the bundle once before it is timed.
"$HUSK" --root "$WORK/root-husk-hybrid" run --bundle "$WORK/bundle" bench-check </dev/null
echo "# husk-runtime runs the bundle on the hybrid host: ok"

echo "# 1) husk-runtime on the hybrid host (cgroup v1 + /sys/fs/cgroup/unified)"
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/hybrid.json" \
	-n husk-runtime-hybrid "$HUSK --root $WORK/root-husk-hybrid run --bundle $WORK/bundle bench-hybrid" \
	>/dev/null

echo "# 2) husk-runtime, crun, runc side by side, in a private mount namespace without the unified mount"
unshare --mount --propagation private bash -eu -c '
	umount /sys/fs/cgroup/unified
	hyperfine -N --warmup 5 --runs "$1" --export-json "$2/side.json" \
		-n husk-runtime "$3 --root $2/root-husk run --bundle $2/bundle bench-side" \
		-n crun "crun --root $2/root-crun run --bundle $2/bundle bench-side" \
		-n runc "runc --root $2/root-runc run --bundle $2/bundle bench-side" >/dev/null
' bench "$RUNS" "$WORK" "$HUSK"

echo
echo "runs: $RUNS each (after 5 warmup runs), full lifecycle of /bin/true (run = create+start+wait+delete)"
jq -r -s '
	(.[1].results | map(select(.command == "crun"))[0].median) as $crun
	| ["command", "median ms", "mean ms", "stddev ms", "ratio to crun"],
	  (.[1].results[] | [.command, (.median * 1000 * 100 | round / 100), (.mean * 1000 * 100 | round / 100),
	                      (.stddev * 1000 * 100 | round / 100), (.median / $crun * 100 | round / 100)]),
	  (.[0].results[] | [.command + " (hybrid host)", (.median * 1000 * 100 | round / 100),
	                      (.mean * 1000 * 100 | round / 100), (.stddev * 1000 * 100 | round / 100),
	                      (.median / $crun * 100 | round / 100)])
	| @tsv' "$WORK/hybrid.json" "$WORK/side.json" | column -t -s $'\t'
