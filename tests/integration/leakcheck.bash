# shellcheck shell=bash
# Snapshots for the after-the-suite leak check (setup_suite.bash takes one, zz_leaks.bats another).
# Only what the tests can be blamed for is compared, because other work may run on this host at the
# same time: mounts and processes tied to the bats run directory or to the test id prefix, named
# network namespaces and cgroups with the prefix.

leak_snapshot() {
	local dir="$1" pfx="husktest" run="$2"
	mkdir -p "$dir"
	awk '{ print $5 }' /proc/self/mountinfo | sort >"$dir/mounts.all"
	grep -E "$run|$pfx|/run/netns/" "$dir/mounts.all" >"$dir/mounts" || true
	(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$pfx" || true) | sort >"$dir/netns"
	(find /sys/fs/cgroup -maxdepth 6 -type d -name "*$pfx*" 2>/dev/null || true) | sort >"$dir/cgroups"
	local p r cmd
	: >"$dir/procs"
	for p in /proc/[0-9]*; do
		p="${p#/proc/}"
		cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")" || continue
		r="$(awk '$5 == "/" { print $4; exit }' "/proc/$p/mountinfo" 2>/dev/null)" || true
		r2="$(readlink "/proc/$p/root" 2>/dev/null)" || true
		if [[ "$r" == *"$run"* || "$r2" == *"$run"* || "$cmd" == *"$pfx-"* || "$r" == */bundle/rootfs* ]]; then
			echo "$p $cmd (root ${r2:-?} / ${r:-?})" >>"$dir/procs"
		fi
	done
	sort -o "$dir/procs" "$dir/procs"
}
