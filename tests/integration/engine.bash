# shellcheck shell=bash
# Helpers of the engine's tests (husk_run.bats): cleanup that leaves nothing whatever a test did, and
# the check that a removed container left nothing. Load after husk.bash; tests set CG_PARENT.

# Every container of the test's store removed (killed first), then whatever a failure could leave:
# mounts below the test's directory, the cgroups below CG_PARENT.
engine_cleanup() {
	[ -n "${HUSK_STORE:-}" ] || return 0
	local ids
	ids="$(hk ps -aq --no-trunc 2>/dev/null)" || true
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		hk rm -f $ids >/dev/null 2>&1 || true
	fi
	# A monitor still running (killed tests) is found by its lock; its container by the runtime state.
	local m
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v pfx="$BATS_TEST_TMPDIR/" 'index($5, pfx) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	if [ -n "${CG_PARENT:-}" ]; then
		local d
		for d in /sys/fs/cgroup/*"$CG_PARENT" /sys/fs/cgroup/*/*"$CG_PARENT" /sys/fs/cgroup/"${CG_PARENT#/}"; do
			[ -d "$d" ] || continue
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
		done
	fi
}

# No container record, no runtime state, no mount below the store, no cgroup below CG_PARENT left.
engine_assert_nothing_left() {
	local left
	left="$(find "$HUSK_STORE/containers" -mindepth 1 -maxdepth 1 ! -name names ! -name names.lock 2>/dev/null)"
	[ -z "$left" ] || { echo "left in containers/: $left"; return 1; }
	left="$(find "$HUSK_STORE/containers/names" -mindepth 1 2>/dev/null)"
	[ -z "$left" ] || { echo "names left: $left"; return 1; }
	left="$(find "$ROOT" -mindepth 1 -maxdepth 1 -type d ! -name '~seccomp-cache' 2>/dev/null)"
	[ -z "$left" ] || { echo "runtime state left: $left"; return 1; }
	left="$(awk -v pfx="$HUSK_STORE/" 'index($5, pfx) == 1 { print $5 }' /proc/self/mountinfo)"
	[ -z "$left" ] || { echo "mounts left: $left"; return 1; }
	if [ -n "${CG_PARENT:-}" ]; then
		left="$(find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -path "*$CG_PARENT/*" -type d 2>/dev/null)"
		[ -z "$left" ] || { echo "cgroups left: $left"; return 1; }
	fi
}

# wait_for_log NAME TEXT: until the container's log has TEXT (5 s at most).
wait_for_log() {
	local _
	for _ in $(seq 100); do
		hk logs "$1" 2>&1 | grep -q "$2" && return 0
		sleep 0.05
	done
	echo "no \"$2\" in the log of $1"
	return 1
}

# engine_setup AREA: the test's private store and state (husk_setup), CG_PARENT, a cgroup parent of
# the test's own named for the leak checks (/husktest-AREA-...), and RFS, a copy of the busybox root.
engine_setup() {
	husk_setup
	CG_PARENT="/husktest-$1-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	RFS="$BATS_TEST_TMPDIR/rootfs"
	cp -a "$(_rootfs_template)" "$RFS"
	export CG_PARENT RFS
}

# hkr [OPTIONS] "$RFS" CMD...: husk run of a directory root with the test's cgroup parent.
hkr() {
	hk run --cgroup-parent "$CG_PARENT" --rootfs "$@"
}
