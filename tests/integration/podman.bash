# shellcheck shell=bash
# podman as a client of the runtime under test ($HUSK_RUNTIME, runc with HUSK_RUNTIME=runc).
#
# podman_setup_file makes, in a private directory (short: podman's socket paths hang below it):
#   containers.conf  cgroup_manager = "cgroupfs" and events_logger = "file" (no systemd as PID 1 here);
#                    default_ulimits within what root may set here (root lacks CAP_SYS_RESOURCE on this
#                    machine and podman's defaults make every runtime fail); no network; its own tmp_dir
#   storage.conf     its own graphroot and runroot, the overlay driver ($HUSK_PODMAN_STORAGE_DRIVER
#                    overrides: vfs in the VM, whose tmpfs over 9p leaves podman only fuse-overlayfs,
#                    and no fuse module)
#   the image        $PODMAN_IMAGE: Debian's busybox-static as a one-layer image, `podman import`ed
#                    from a tarball (no network, no registry)
# podman_teardown_file removes every container, the storage (overlay and shm mounts first), the cgroups
# under the tests' cgroup parent and the directory.
#
# podman decides some behaviour from the runtime binary's basename, matched against containers.conf's
# runtime_supports_json (default crun, runc, kata, runsc, krun), runtime_supports_nocgroups (crun,
# krun) and runtime_supports_kvm (kata, krun). Under any other name, husk-runtime included, podman
# sends no `--log-format=json --log FILE` (conmon reads the runtime's errors from its stderr instead)
# and refuses --cgroups=disabled. PODMAN_JSON_LOG=1 adds husk-runtime to runtime_supports_json, so the
# JSON error log path is tested too.

PODMAN_IMAGE="localhost/husk-busybox:test"

podman_setup_file() {
	PODMAN_DIR="$(mktemp -d /tmp/husk-podman.XXXXXX)"
	chmod 755 "$PODMAN_DIR"
	# The containers' cgroups go below this parent, named with the prefix the leak checks look for.
	PODMAN_CGROUP_PARENT="/husktest-podman-$$"
	local json_list='"crun", "runc", "kata", "runsc", "krun"'
	[ "${PODMAN_JSON_LOG:-0}" = 1 ] && json_list="$json_list, \"husk-runtime\""
	cat >"$PODMAN_DIR/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		netns = "none"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$PODMAN_DIR/events.log"
		tmp_dir = "$PODMAN_DIR/tmp"
		volume_path = "$PODMAN_DIR/volumes"
		runtime_supports_json = [$json_list]
	EOF
	cat >"$PODMAN_DIR/storage.conf" <<-EOF
		[storage]
		driver = "${HUSK_PODMAN_STORAGE_DRIVER:-overlay}"
		graphroot = "$PODMAN_DIR/root"
		runroot = "$PODMAN_DIR/runroot"
	EOF
	CONTAINERS_CONF="$PODMAN_DIR/containers.conf"
	CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf"
	# No registries.conf or policy.json of the host matter: the image is imported, never pulled.
	export PODMAN_DIR PODMAN_CGROUP_PARENT CONTAINERS_CONF CONTAINERS_STORAGE_CONF

	local rfs="$PODMAN_DIR/rootfs" a
	mkdir -p "$rfs"/{bin,etc,tmp,root}
	cp /bin/busybox "$rfs/bin/busybox"
	for a in $(/bin/busybox --list | grep -vx busybox); do
		ln -sf busybox "$rfs/bin/$a"
	done
	chmod 1777 "$rfs/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$rfs/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\n' >"$rfs/etc/group"
	tar -C "$rfs" -cf "$PODMAN_DIR/rootfs.tar" .
	rm -rf "$rfs"
	podman import --change 'CMD ["/bin/sh"]' "$PODMAN_DIR/rootfs.tar" "$PODMAN_IMAGE" >/dev/null
}

# pm ARGS...: podman with the runtime under test; a hung podman fails the test, not the suite.
pm() {
	timeout -k 5 "${PM_TIMEOUT:-120}" podman --runtime "$HUSK_RUNTIME" "$@"
}

# pm_run ARGS...: `podman run` with the tests' cgroup parent, the local image never pulled.
# ARGS are run's options, then the image and the command.
pm_run() {
	pm run --pull never --cgroup-parent "$PODMAN_CGROUP_PARENT" "$@"
}

# Remove every container podman knows of (the tests' own storage holds only the tests' containers).
podman_remove_containers() {
	[ -n "${PODMAN_DIR:-}" ] || return 0
	timeout -k 5 60 podman --runtime "$HUSK_RUNTIME" rm --all --force --time 0 >/dev/null 2>&1 || true
}

# The cgroups below the tests' parent, deepest first (rmdir fails on one still in use: it stays, and
# the leak check reports it).
podman_remove_cgroups() {
	local d
	for d in /sys/fs/cgroup/*"$PODMAN_CGROUP_PARENT" /sys/fs/cgroup/*/*"$PODMAN_CGROUP_PARENT"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
}

podman_teardown_file() {
	[ -n "${PODMAN_DIR:-}" ] && [ -d "$PODMAN_DIR" ] || return 0
	podman_remove_containers
	# Not `podman system reset`: it also removes networks configured for the whole host.
	timeout -k 5 60 podman rmi --all --force >/dev/null 2>&1 || true
	local m
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v pfx="$PODMAN_DIR/" 'index($5, pfx) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	podman_remove_cgroups
	rm -rf "$PODMAN_DIR"
}

# ctr_pid NAME: the host pid of a running container's init.
ctr_pid() {
	pm inspect --format '{{.State.Pid}}' "$1"
}
