# shellcheck shell=bash
# containerd as a real client of the runtime under test: a private containerd (own config, root, state,
# sockets, no CRI plugin) started once per bats file, a busybox image made locally without network
# (busybox-static packed by umoci into an OCI archive, `ctr images import`ed), and `ctr run
# --runc-binary $HUSK_RUNTIME` through the runc v2 shim (io.containerd.runc.v2).
#
# Everything lives under one directory, $CTRD_DIR; the containers' cgroups are under /$CTRD_NS (ctr's
# default cgroupsPath is /<namespace>/<id>), a name with the leak checks' "husktest" prefix.
# containerd_teardown_file removes it all, mounts first, even when setup failed half-way.
#
# Needs Debian's containerd (containerd, ctr, containerd-shim-runc-v2) and umoci: the tests skip without.

CTRD_IMAGE="localhost/husktest-busybox:latest"

containerd_missing() {
	local c
	for c in containerd ctr containerd-shim-runc-v2 umoci; do
		command -v "$c" >/dev/null || {
			echo "$c"
			return 0
		}
	done
	return 1
}

# The state of one file's containerd, for every test of the file (setup_file's variables are exported).
# The directory is short and under /tmp: containerd's sockets must fit in sun_path (108 bytes).
containerd_vars() {
	CTRD_DIR="$1"
	CTRD_NS="husktest-ctrd-${CTRD_DIR##*.}"
	CTRD_SOCK="$CTRD_DIR/c.sock"
	# The runtime's --root for the shim: one per runtime, as runc and husk state formats differ.
	CTRD_RUNTIME_ROOT="$CTRD_DIR/runtime-root"
	# ctr's import and run take the snapshotter from the environment (chosen by setup_file).
	CONTAINERD_SNAPSHOTTER="$(cat "$CTRD_DIR/snapshotter" 2>/dev/null || echo overlayfs)"
	export CTRD_DIR CTRD_NS CTRD_SOCK CTRD_RUNTIME_ROOT CONTAINERD_SNAPSHOTTER
}

# overlayfs where an overlay mount works in $CTRD_DIR, else native (the VM of tests/vm: its overlay
# mounts there fail with EINVAL). $CTRD_SNAPSHOTTER forces one.
_containerd_pick_snapshotter() {
	local t="$CTRD_DIR/overlay-probe" s=native
	if [ -n "${CTRD_SNAPSHOTTER:-}" ]; then
		echo "$CTRD_SNAPSHOTTER"
		return
	fi
	mkdir -p "$t/l" "$t/u" "$t/w" "$t/m"
	if mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>/dev/null; then
		umount "$t/m"
		s=overlayfs
	fi
	rm -rf "$t"
	echo "$s"
}

# ctr ARGS...: ctr against this file's containerd, in its namespace; a hung call fails the test.
ctr() {
	timeout -k 5 "${CTR_TIMEOUT:-60}" "$(command -v ctr)" --address "$CTRD_SOCK" --namespace "$CTRD_NS" "$@"
}

# ctr_run ARGS... IMAGE ID CMD...: `ctr run` with the runtime under test as the shim's runc, its
# stdio fifos in our directory.
ctr_run() {
	ctr run --runc-binary "$HUSK_RUNTIME" --runc-root "$CTRD_RUNTIME_ROOT" --fifo-dir "$CTRD_DIR/fifo" "$@"
}

_containerd_config() {
	cat <<EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
	"io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
	"io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_DIR/c.sock.ttrpc"
[debug]
  address = "$CTRD_DIR/debug.sock"
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$CTRD_DIR/opt"
  [plugins."io.containerd.grpc.v1.introspection"]
  [plugins."io.containerd.service.v1.diff-service"]
    default = ["walking"]
EOF
}

# The busybox image: an OCI layout made by umoci with one layer, a tar of busybox and its applets made
# by GNU tar (umoci repack diffs a directory by inode numbers, which the VM's overlay over 9p does not
# keep unique: it recorded the applets as hard links to "/").
_containerd_image() {
	local d="$CTRD_DIR/image" a
	mkdir -p "$d/rootfs/bin" "$d/rootfs/tmp" "$d/rootfs/etc"
	cp "$BUSYBOX" "$d/rootfs/bin/busybox"
	for a in "${BUSYBOX_APPLETS[@]}"; do
		ln -sf busybox "$d/rootfs/bin/$a"
	done
	chmod 1777 "$d/rootfs/tmp"
	echo "root:x:0:0:root:/root:/bin/sh" >"$d/rootfs/etc/passwd"
	echo "root:x:0:" >"$d/rootfs/etc/group"
	tar -C "$d/rootfs" --numeric-owner --owner=0 --group=0 -cf "$d/layer.tar" bin etc tmp
	umoci init --layout "$d/layout"
	umoci new --image "$d/layout:latest"
	umoci raw add-layer --image "$d/layout:latest" "$d/layer.tar"
	umoci config --image "$d/layout:latest" --config.cmd sh --config.env PATH=/bin
	tar -C "$d/layout" -cf "$d/busybox.tar" .
	ctr images import --base-name "${CTRD_IMAGE%:*}" "$d/busybox.tar" >/dev/null
	rm -rf "$d"
}

# containerd_setup_file: start containerd and import the image. Call from setup_file.
containerd_setup_file() {
	local i
	containerd_vars "$(mktemp -d /tmp/husktest-ctrd.XXXXXX)"
	echo "$CTRD_DIR" >"$BATS_FILE_TMPDIR/ctrd-dir"
	# The shims' sockets go to /run/containerd/s whatever the config says: removed at the end only
	# if this run made the directory.
	[ -e /run/containerd ] || touch "$CTRD_DIR/made-run-containerd"
	mkdir -p "$CTRD_RUNTIME_ROOT"
	_containerd_pick_snapshotter >"$CTRD_DIR/snapshotter"
	containerd_vars "$CTRD_DIR"
	_containerd_config >"$CTRD_DIR/config.toml"
	# Its own session, stdio on a log file, bats' fd 3 closed: bats must not wait on it.
	setsid containerd --config "$CTRD_DIR/config.toml" </dev/null >"$CTRD_DIR/containerd.log" 2>&1 3>&- &
	echo $! >"$CTRD_DIR/containerd.pid"
	for i in $(seq 100); do
		command ctr --address "$CTRD_SOCK" version >/dev/null 2>&1 && break
		kill -0 "$(cat "$CTRD_DIR/containerd.pid")" 2>/dev/null || break
		sleep 0.1
	done
	command ctr --address "$CTRD_SOCK" version >/dev/null || {
		echo "containerd did not start:" >&2
		tail -20 "$CTRD_DIR/containerd.log" >&2
		return 1
	}
	_containerd_image
}

# containerd_clean_tasks: kill and delete every task and container of the namespace (teardown of
# each test, so a failed test leaves nothing running for the next).
containerd_clean_tasks() {
	local id
	[ -S "${CTRD_SOCK:-}" ] || return 0
	for id in $(ctr containers ls -q 2>/dev/null); do
		ctr tasks kill --all --signal SIGKILL "$id" >/dev/null 2>&1 || true
		ctr tasks delete --force "$id" >/dev/null 2>&1 || true
		ctr containers delete "$id" >/dev/null 2>&1 || true
	done
}

# Pids of processes whose command line mentions $1 (shims started for our containerd hold its
# address): only our own processes, killed one by one.
_pids_mentioning() {
	local p c
	for p in /proc/[0-9]*; do
		# Read without a helper that has $1 on its own command line.
		c="$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)" || continue
		[[ "$c" == *"$1"* ]] && echo "${p#/proc/}"
	done
	return 0
}

# containerd_teardown_file: tasks, containerd, leftover shims, mounts, cgroups and files, in that order.
containerd_teardown_file() {
	local d p m c
	d="$(cat "$BATS_FILE_TMPDIR/ctrd-dir" 2>/dev/null)" || return 0
	[ -n "$d" ] && [ -d "$d" ] || return 0
	containerd_vars "$d"
	containerd_clean_tasks
	ctr images rm "$CTRD_IMAGE" >/dev/null 2>&1 || true
	if [ -f "$CTRD_DIR/containerd.pid" ]; then
		p="$(cat "$CTRD_DIR/containerd.pid")"
		kill "$p" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
	fi
	for p in $(_pids_mentioning "$CTRD_DIR/"); do
		kill -9 "$p" 2>/dev/null || true
	done
	# Snapshots and task rootfs mounts, deepest first.
	for m in $(awk -v d="$CTRD_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	# The namespace's parent cgroups (runc and husk remove only the container's own).
	for c in /sys/fs/cgroup/*/"$CTRD_NS" /sys/fs/cgroup/"$CTRD_NS"; do
		[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	# The shim's default runc root for our namespace, used when a call comes without --runc-root.
	rmdir "/run/containerd/runc/$CTRD_NS" 2>/dev/null || true
	if [ -f "$CTRD_DIR/made-run-containerd" ]; then
		rmdir /run/containerd/s /run/containerd/fifo /run/containerd/runc /run/containerd 2>/dev/null || true
	fi
	rm -rf "$CTRD_DIR"
}
