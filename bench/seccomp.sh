#!/bin/bash
# Benchmark (not a test): what linux.seccomp costs on `husk-runtime run` of /bin/true, with Docker's
# default profile (shared/reference/seccomp/default.json translated with jq for this x86_64 host):
#   no seccomp | the profile, cache hit | the profile, cache miss (the cache emptied before each run)
# and, for the choice of how libseccomp and sha256 are loaded, the start of an empty program linked
# with nothing, with libseccomp, and with libcrypto.
#
#   bench/seccomp.sh [HUSK_RUNTIME] [RUNS]      default: ./build/src/cli/husk-runtime, 50
set -eu

REPO="$(cd "$(dirname "$0")/.." && pwd)"
HUSK="$(realpath "${1:-$REPO/build/src/cli/husk-runtime}")"
RUNS="${2:-50}"
PROFILE="$REPO/../shared/reference/seccomp/default.json"
for t in hyperfine jq gcc; do
	command -v "$t" >/dev/null || { echo "bench: $t is not installed" >&2; exit 1; }
done
[ -f "$PROFILE" ] || { echo "bench: no Docker profile at $PROFILE" >&2; exit 1; }

WORK="$(mktemp -d /tmp/husk-bench-seccomp.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
	local id
	for id in $(ls "$WORK/root" 2>/dev/null); do
		"$HUSK" --root "$WORK/root" delete --force "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/rootfs/bin" "$WORK/root"
cp /bin/busybox "$WORK/rootfs/bin/busybox"
ln -s busybox "$WORK/rootfs/bin/true"
(cd "$WORK" && "$HUSK" spec && mv config.json spec.json)
jq '.process.terminal = false | .process.args = ["/bin/true"] | .root.path = "../rootfs"' "$WORK/spec.json" >"$WORK/base.json"
caps="$(jq -c '.process.capabilities.bounding' "$WORK/base.json")"
seccomp="$(jq -c --argjson caps "$caps" '
	{defaultAction, defaultErrnoRet, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
	 syscalls: [.syscalls[]
		| select((.includes.arches // ["amd64"]) | index("amd64"))
		| select(((.includes.caps // []) - $caps) | length == 0)
		| select(((.excludes.caps // []) - ((.excludes.caps // []) - $caps)) | length == 0)
		| select(((.excludes.arches // []) | index("amd64")) | not)
		| {names, action} + (if .errnoRet then {errnoRet} else {} end) + (if .args then {args} else {} end)]}' "$PROFILE")"
mkdir -p "$WORK/plain" "$WORK/docker"
cp "$WORK/base.json" "$WORK/plain/config.json"
jq --argjson s "$seccomp" '.linux.seccomp = $s' "$WORK/base.json" >"$WORK/docker/config.json"
echo "# Docker's profile: $(jq '.syscalls | length' <<<"$seccomp") rules, $(jq '[.syscalls[].names[]] | length' <<<"$seccomp") names"

"$HUSK" --root "$WORK/root" run --bundle "$WORK/docker" check </dev/null
cache="$WORK/root/~seccomp-cache"
echo "# BPF program: $(( ($(stat -c %s "$cache"/*) - 12) / 8 )) instructions"

# One --prepare per command (a single one would apply to all): only the miss empties the cache.
# The machine is shared: medians and minimums say more than means.
summary() {
	jq -r '.results[] | "\(.command): median \(.median * 1000 | . * 100 | round / 100) ms, min \(.min * 1000 | . * 100 | round / 100) ms, user \(.user * 1000 | . * 100 | round / 100) ms, system \(.system * 1000 | . * 100 | round / 100) ms"' "$1"
}
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/run.json" \
	--prepare true -n "no seccomp" "$HUSK --root $WORK/root run --bundle $WORK/plain b1" \
	--prepare true -n "Docker profile, cache hit" "$HUSK --root $WORK/root run --bundle $WORK/docker b2" \
	--prepare "rm -rf $cache" -n "Docker profile, cache miss" "$HUSK --root $WORK/root run --bundle $WORK/docker b3" \
	>/dev/null
summary "$WORK/run.json"

# Library load costs, on an empty main().
printf 'int main(void) { return 0; }\n' >"$WORK/empty.c"
gcc -O2 "$WORK/empty.c" -o "$WORK/plain-bin"
gcc -O2 "$WORK/empty.c" -o "$WORK/with-libseccomp" -Wl,--no-as-needed -lseccomp
gcc -O2 "$WORK/empty.c" -o "$WORK/with-libcrypto" -Wl,--no-as-needed -lcrypto
hyperfine -N --warmup 50 --runs $((RUNS * 20)) --export-json "$WORK/libs.json" \
	-n "empty program" "$WORK/plain-bin" \
	-n "linked with libseccomp" "$WORK/with-libseccomp" \
	-n "linked with libcrypto" "$WORK/with-libcrypto" \
	>/dev/null
summary "$WORK/libs.json"
