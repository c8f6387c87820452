# shellcheck shell=bash
# What bench/lifecycle.sh and bench/exec.sh share: husk-runtime, crun and runc run one busybox bundle
# side by side, each with its own --root under one scratch directory.

# bench_init NAME [HUSK_RUNTIME] [RUNS]: sets REPO, HUSK, RUNS and WORK (/tmp/husk-bench-NAME.XXXXXX),
# after checking the tools; the caller sets its EXIT trap (bench_cleanup).
bench_init() {
	local name="$1" t
	shift
	REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
	HUSK="$(realpath "${1:-$REPO/build/src/cli/husk-runtime}")"
	RUNS="${2:-50}"
	for t in hyperfine jq crun runc; do
		command -v "$t" >/dev/null || { echo "bench: $t is not installed" >&2; exit 1; }
	done
	[ -x "$HUSK" ] || { echo "bench: no husk-runtime at $HUSK (build first)" >&2; exit 1; }
	WORK="$(mktemp -d "/tmp/husk-bench-$name.XXXXXX")"
	chmod 755 "$WORK"
}

# bench_cleanup ROOT...: every container left under $WORK/root-ROOT deleted (husk* roots by husk-runtime,
# the others by the runtime of that name), then $WORK removed.
bench_cleanup() {
	local rt id
	for rt in "$@"; do
		[ -d "$WORK/root-$rt" ] || continue
		for id in $(ls "$WORK/root-$rt" 2>/dev/null); do
			case "$rt" in
			husk*) "$HUSK" --root "$WORK/root-$rt" delete --force "$id" ;;
			*) "$rt" --root "$WORK/root-$rt" delete --force "$id" ;;
			esac >/dev/null 2>&1 || true
		done
	done
	rm -rf "$WORK"
}
