#!/usr/bin/env bats
# The engine's containers as a user types them: run (foreground, -d, --rm), create/start, ps, logs,
# stop, kill, rm, inspect, wait; exit codes, env, workdir, user, hostname, network none|host, Docker's
# defaults; a container killed from outside; a monitor killed; --rm leaving nothing behind.
# Containers run from a plain busybox directory (--rootfs) here; husk_image.bats runs them from images.

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine
load image

setup_file() {
	# In the test VM (qemu TCG, and slower still beside other suites) an image test can take more than
	# the suite's 120 s.
	if [ "$(hostname)" = husk-vm ] && [ "${BATS_TEST_TIMEOUT:-0}" -lt 300 ]; then
		export BATS_TEST_TIMEOUT=300
	fi
}

setup() {
	engine_setup engine
	printf 'root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000:Web:/home/web:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' >"$RFS/etc/passwd"
	printf 'root:x:0:\nweb:x:1000:\nwheel:x:10:web\nnobody:x:65534:\n' >"$RFS/etc/group"
	mkdir -p "$RFS/home/web"
}

teardown() {
	engine_cleanup
}

@test "husk run --rm: the command's output and exit code, nothing left behind" {
	run hkr --rm "$RFS" echo hello world
	[ "$status" -eq 0 ]
	[ "$output" = "hello world" ]
	run hk ps -aq
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	engine_assert_nothing_left
}

@test "husk run: exit codes are the container's, 125/126/127 for husk's own failures" {
	run hkr --rm "$RFS" sh -c 'exit 3'
	[ "$status" -eq 3 ]
	run -127 hkr --rm "$RFS" /bin/nosuchcmd
	[ "$status" -eq 127 ]
	[[ "$output" == *'nosuchcmd'* ]]
	run -127 hkr --rm "$RFS" nosuchcmd
	[ "$status" -eq 127 ]
	[[ "$output" == *'executable file not found'* ]]
	printf 'not a program\n' >"$RFS/notexec"
	run hkr --rm "$RFS" /notexec
	[ "$status" -eq 126 ]
	run hkr --rm -w relative "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"'relative' is invalid"* ]]
	run hk run --rootfs /nonexistent-husk-dir true
	[ "$status" -eq 125 ]
	[[ "$output" == *"/nonexistent-husk-dir"* ]]
	run hkr --rm --network nosuch "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"network nosuch not found"* ]]
	# A failed --rm start leaves nothing either.
	engine_assert_nothing_left
}

@test "husk run: env, workdir, hostname, user" {
	export FROM_CALLER=caller-value
	run hkr --rm -e FOO=bar -e FROM_CALLER -e NOT_SET_ANYWHERE "$RFS" sh -c 'echo "$FOO $FROM_CALLER ${NOT_SET_ANYWHERE-unset} $PATH"'
	[ "$status" -eq 0 ]
	[ "$output" = "bar caller-value unset /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
	run hkr --rm -w /tmp "$RFS" pwd
	[ "$output" = "/tmp" ]
	# A missing working directory is made, as Docker's.
	run hkr --rm -w /new/dir "$RFS" pwd
	[ "$status" -eq 0 ]
	[ "$output" = "/new/dir" ]
	run hkr --rm -h myhost "$RFS" sh -c 'hostname; echo $HOSTNAME; cat /etc/hostname'
	[ "${lines[0]}" = myhost ]
	[ "${lines[1]}" = myhost ]
	[ "${lines[2]}" = myhost ]
	run hkr --rm -u web "$RFS" sh -c 'id -u; id -g; id -G; echo $HOME'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[ "${lines[2]}" = "1000 10" ]
	[ "${lines[3]}" = /home/web ]
	run hkr --rm -u 4242:77 "$RFS" sh -c 'id -u; id -g'
	[ "${lines[0]}" = 4242 ]
	[ "${lines[1]}" = 77 ]
	run hkr --rm -u nosuchuser "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user nosuchuser"* ]]
	# passwd as a symlink out of the root: read inside the root, so a user only the outside file has
	# is not seen.
	printf 'evil:x:0:0::/:/bin/sh\n' >"$BATS_TEST_TMPDIR/outside-passwd"
	rm "$RFS/etc/passwd"
	ln -s "$BATS_TEST_TMPDIR/outside-passwd" "$RFS/etc/passwd"
	run hkr --rm -u evil "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user evil"* ]]
	ln -sf "../../../../../../../..$BATS_TEST_TMPDIR/outside-passwd" "$RFS/etc/passwd"
	run hkr --rm -u evil "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user"* ]]
}

@test "husk run: Docker's defaults (capabilities, seccomp, no_new_privs, masked paths, /etc files, network none)" {
	run hkr --rm "$RFS" sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status'
	[ "$status" -eq 0 ]
	# Docker's 14 capabilities: chown dac_override fowner fsetid kill setgid setuid setpcap
	# net_bind_service net_raw sys_chroot mknod audit_write setfcap.
	[[ "$output" == *"CapBnd:	00000000a80425fb"* ]]
	[[ "$output" == *"CapEff:	00000000a80425fb"* ]]
	[[ "$output" == *"NoNewPrivs:	0"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	run hkr --rm "$RFS" sh -c 'wc -c </proc/keys; echo x >/proc/sys/kernel/domainname'
	[ "${lines[0]}" = 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run hkr --rm "$RFS" sh -c 'cat /etc/hosts; cat /etc/resolv.conf; ls /dev'
	[[ "$output" == *"127.0.0.1	localhost"* ]]
	[[ "$output" == *"nameserver"* ]]
	[[ "$output" != *"sda"* ]]
	# None: a network namespace of its own with lo only, up.
	run hkr --rm "$RFS" sh -c 'ls /sys/class/net; ip link show lo'
	[ "${lines[0]}" = lo ]
	[[ "$output" == *"UP"* ]]
	run hkr --rm --network host "$RFS" sh -c 'ls /sys/class/net | wc -l'
	[ "$output" -eq "$(ls /sys/class/net | wc -l)" ]
	# A cgroup namespace of its own on a cgroup v2 only host (Docker's default there); the host's on
	# v1 and hybrid hosts, where the container's cgroup is seen below the parent.
	run hkr --rm "$RFS" cat /proc/self/cgroup
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$output" = "0::/" ]
	else
		[[ "$output" == *"$CG_PARENT/"* ]]
	fi
}

@test "husk run -d, logs, ps, inspect, stop (the stop signal), rm" {
	run hkr -d --name web "$RFS" sh -c 'echo out; echo err >&2; trap "echo bye; exit 7" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	local id="$output"
	run hk ps
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "CONTAINER ID   IMAGE"* ]]
	[[ "${lines[1]}" == "${id:0:12}   "* ]]
	[[ "${lines[1]}" == *"Up "*"web" ]]
	run hk ps -q --no-trunc
	[ "$output" = "$id" ]
	run hk inspect web
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = running ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = /web ]
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
	local pid
	pid="$(jq -r '.[0].State.Pid' <<<"$output")"
	[ "$pid" -gt 1 ]
	kill -0 "$pid"
	# Lookups by a unique id prefix.
	run hk inspect "${id:0:5}"
	[ "$status" -eq 0 ]
	wait_for_log web out
	run hk logs web
	[ "$status" -eq 0 ]
	[[ "$output" == *out* ]]
	run --separate-stderr hk logs web
	[ "$output" = out ]
	[ "$stderr" = err ]
	run hk stop -t 5 web
	[ "$status" -eq 0 ]
	[ "$output" = web ]
	run hk inspect web
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = exited ]
	[ "$(jq -r '.[0].State.ExitCode' <<<"$output")" = 7 ]
	run hk logs web
	[[ "$output" == *bye* ]]
	run hk ps
	[ "${#lines[@]}" -eq 1 ]
	run hk ps -a
	[[ "${lines[1]}" == *"Exited (7) "*" ago"*web ]]
	run hk rm web
	[ "$status" -eq 0 ]
	[ "$output" = web ]
	run hk inspect web
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such container: web"* ]]
	engine_assert_nothing_left
}

@test "husk stop: a container that ignores SIGTERM is killed after -t; kill -s; rm of a running one needs -f" {
	run hkr -d --name stubborn "$RFS" sh -c 'trap "" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	local start=$SECONDS
	run hk stop -t 1 stubborn
	[ "$status" -eq 0 ]
	[ $((SECONDS - start)) -lt 10 ]
	run hk wait stubborn
	[ "$output" = 137 ]
	# The container's init has a handler (an init without one is not killed by signals other than
	# SIGKILL: the kernel protects a pid namespace's init).
	run hkr -d --name k "$RFS" sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done'
	sleep 0.3
	run hk kill -s USR1 k
	[ "$status" -eq 0 ]
	[ "$output" = k ]
	run hk wait k
	[ "$output" = 42 ]
	run hk kill k
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not running"* ]]
	run hkr -d --name busy "$RFS" sleep 100
	run hk rm busy
	[ "$status" -eq 1 ]
	[[ "$output" == *"container is running"* ]]
	run hk rm -f busy stubborn k
	[ "$status" -eq 0 ]
	engine_assert_nothing_left
}

@test "husk: a container killed with SIGKILL from outside shows as exited (137)" {
	run hkr -d --name victim "$RFS" sleep 1000
	[ "$status" -eq 0 ]
	local pid
	pid="$(hk inspect victim | jq -r '.[0].State.Pid')"
	kill -9 "$pid"
	run hk wait victim
	[ "$status" -eq 0 ]
	[ "$output" = 137 ]
	run hk ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" == "victim Exited (137) "* ]]
	run hk ps -q
	[ -z "$output" ]
}

@test "husk: a container whose monitor was killed shows as exited; start and rm release what it left" {
	run hkr -d --name orphan "$RFS" sleep 1000
	[ "$status" -eq 0 ]
	local mon pid
	mon="$(jq -r .monitor_pid "$HUSK_STORE/containers/$(hk inspect orphan | jq -r '.[0].Id')/container.json")"
	pid="$(hk inspect orphan | jq -r '.[0].State.Pid')"
	[ "$mon" -gt 1 ]
	kill -9 "$mon"
	for _ in $(seq 50); do
		[[ "$(hk ps -a --format '{{.Status}}')" == *"monitor died"* ]] && break
		sleep 0.1
	done
	run hk ps -a --format '{{.Names}} {{.State}} {{.Status}}'
	[[ "$output" == "orphan exited Exited (unknown): its monitor died" ]]
	run hk ps -q
	[ -z "$output" ]
	# The container itself still runs. A start releases what the dead run left (its init is killed)
	# and runs it again under a new monitor.
	kill -0 "$pid"
	run hk start orphan
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null
	run hk ps --format '{{.Names}} {{.State}}'
	[ "$output" = "orphan running" ]
	# Starting a running container does nothing, as Docker.
	run hk start orphan
	[ "$status" -eq 0 ]
	[ "$output" = orphan ]
	# Killed again: rm -f kills the container and releases everything.
	mon="$(jq -r .monitor_pid "$HUSK_STORE/containers/$(hk inspect orphan | jq -r '.[0].Id')/container.json")"
	pid="$(hk inspect orphan | jq -r '.[0].State.Pid')"
	kill -9 "$mon"
	for _ in $(seq 50); do
		[[ "$(hk ps -a --format '{{.Status}}')" == *"monitor died"* ]] && break
		sleep 0.1
	done
	run hk rm orphan
	[ "$status" -eq 0 ]
	! kill -0 "$pid" 2>/dev/null
	engine_assert_nothing_left
}

@test "husk create + start -a, start of a stopped container, wait, names" {
	run hk create --cgroup-parent "$CG_PARENT" --name c1 --rootfs "$RFS" sh -c 'echo started; exit 5'
	[ "$status" -eq 0 ]
	local id="$output"
	run hk ps -a --format '{{.ID}} {{.Status}}'
	[ "$output" = "${id:0:12} Created" ]
	run hk start -a c1
	[ "$status" -eq 5 ]
	[ "$output" = started ]
	run hk start c1
	[ "$status" -eq 0 ]
	[ "$output" = c1 ]
	run hk wait c1
	[ "$output" = 5 ]
	run hk logs c1
	[ "$output" = "started
started" ]
	# Names are unique; generated ones are adjective_noun.
	run hk create --name c1 --rootfs "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'"c1" is already in use'* ]]
	run hk create --rootfs "$RFS" true
	[ "$status" -eq 0 ]
	run hk ps -a --format '{{.Names}}'
	[[ "${lines[0]}" =~ ^[a-z]+_[a-z]+$ ]]
	run hk create --name 'bad/name' --rootfs "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid container name"* ]]
}

@test "husk logs -f follows a container while it writes, and ends with it" {
	run hkr -d --name talker "$RFS" sh -c 'for i in 1 2 3 4 5; do echo line$i; sleep 0.2; done'
	[ "$status" -eq 0 ]
	run hk logs -f talker
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[4]}" = line5 ]
}

@test "husk run: a foreground container gets the signals husk gets" {
	"$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" run --cgroup-parent "$CG_PARENT" --rm --rootfs "$RFS" \
		sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/out" &
	local hpid=$!
	for _ in $(seq 100); do
		grep -q ready "$BATS_TEST_TMPDIR/out" && break
		sleep 0.05
	done
	kill -TERM "$hpid"
	local st=0
	wait "$hpid" || st=$?
	[ "$st" -eq 9 ]
	grep -q got-term "$BATS_TEST_TMPDIR/out"
	engine_assert_nothing_left
}

@test "husk: a detached container's monitor is the small husk-monitor, well under 1 MB resident" {
	run hkr -d --name small "$RFS" sleep 100
	[ "$status" -eq 0 ]
	local id="$output" mon
	mon="$(jq -r .monitor_pid "$HUSK_STORE/containers/$id/container.json")"
	[[ "$(readlink "/proc/$mon/exe")" == */husk-monitor ]]
	# It holds the container's init as a child (subreaper), and nothing of the caller's.
	[ "$(awk '{ print $4 }' "/proc/$(hk inspect small | jq -r '.[0].State.Pid')/stat")" = "$mon" ]
	[ -z "$(find "/proc/$mon/fd" -lname '/dev/pts/*' 2>/dev/null)" ]
	if ldd "$(readlink "/proc/$mon/exe")" 2>/dev/null | grep -q libasan; then
		skip "sanitizer build: husk-monitor is linked dynamically with ASan"
	fi
	local rss
	rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$mon/status")"
	echo "husk-monitor VmRSS: $rss kB"
	[ "$rss" -lt 1024 ]
}

# engine_image NAME [--change ...]: the busybox root imported as image NAME with the changes given.
engine_image() {
	local name="$1"
	shift
	[ -f "$BATS_TEST_TMPDIR/rootfs.tar" ] || image_rootfs_tar "$BATS_TEST_TMPDIR/rootfs.tar"
	hk import "$@" "$BATS_TEST_TMPDIR/rootfs.tar" "$name" >/dev/null
}

@test "husk run IMAGE: the image's Cmd, Entrypoint, Env, WorkingDir and User apply; flags override" {
	engine_image cfg:1 --change 'ENTRYPOINT ["/bin/sh", "-c"]' --change 'CMD ["echo from-cmd $FOO $(pwd) $(id -u)"]' \
		--change 'ENV FOO=image-env' --change 'WORKDIR /tmp' --change 'USER nobody'
	run hk run --rm --cgroup-parent "$CG_PARENT" cfg:1
	[ "$status" -eq 0 ]
	[ "$output" = "from-cmd image-env /tmp 65534" ]
	# A command replaces Cmd, not the entrypoint; -e, -w, -u replace the image's.
	run hk run --rm --cgroup-parent "$CG_PARENT" -e FOO=flag -w / -u 0 cfg:1 'echo $FOO $(pwd) $(id -u)'
	[ "$output" = "flag / 0" ]
}

@test "husk run IMAGE --entrypoint: replaces the image's entrypoint and drops its Cmd" {
	engine_image cfg:1 --change 'ENTRYPOINT ["/bin/sh", "-c"]' --change 'CMD ["echo from-cmd"]'
	# --entrypoint replaces the entrypoint and drops the image's Cmd.
	run hk run --rm --cgroup-parent "$CG_PARENT" --entrypoint /bin/echo cfg:1 plain
	[ "$output" = plain ]
	run hk run --rm --cgroup-parent "$CG_PARENT" --entrypoint "" cfg:1
	[ "$status" -eq 125 ]
	[[ "$output" == *"no command specified"* ]]
}

@test "husk run IMAGE: the image's StopSignal is what stop sends; a missing image is husk's error" {
	engine_image cfg:2 --change 'CMD ["/bin/sh"]' --change 'STOPSIGNAL SIGUSR1'
	run hk run -d --name stopsig --cgroup-parent "$CG_PARENT" cfg:2 sh -c 'trap "exit 33" USR1; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	run hk inspect stopsig
	[ "$(jq -r '.[0].Config.StopSignal' <<<"$output")" = SIGUSR1 ]
	sleep 0.3
	run hk stop stopsig
	[ "$status" -eq 0 ]
	run hk wait stopsig
	[ "$output" = 33 ]
	run hk run --rm --cgroup-parent "$CG_PARENT" nosuch:image true
	[ "$status" -eq 125 ]
	[[ "$output" == *"nosuch"* ]]
}

@test "husk run IMAGE: a root of the image's two layers; a kept container's writes stay between starts" {
	image_oci_archive "$BATS_TEST_TMPDIR/img.tar" busybox:test
	run hk load -i "$BATS_TEST_TMPDIR/img.tar"
	[ "$status" -eq 0 ]
	run hk run --name keep --cgroup-parent "$CG_PARENT" busybox:test sh -c 'cat /etc/hello; echo kept >/kept; grep " / " /proc/mounts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$IMAGE_HELLO" ]
	# An overlay of the layers where the store's filesystem takes one (the copy driver otherwise, as on
	# an overlayfs or 9p store).
	local driver id
	driver="$(hk inspect keep | jq -r '.[0].GraphDriver.Name')"
	id="$(hk inspect keep | jq -r '.[0].Id')"
	[[ "$driver" == overlay || "$driver" == copy ]]
	# source "none" from fsconfig, "overlay" from mount(2) (kernels before 6.8: the test VM's 6.1)
	[ "$driver" = copy ] || [[ "${lines[1]}" == "none / overlay "* || "${lines[1]}" == "overlay / overlay "* ]]
	run hk start -a keep
	[ "$status" -eq 0 ]
	[ -f "$HUSK_STORE/containers/$id/upper/kept" ] || { [ "$driver" = copy ] && [ -f "$HUSK_STORE/containers/$id/merged/kept" ]; }
	run hk rm keep
	[ "$status" -eq 0 ]
	engine_assert_nothing_left
}

@test "husk run --rm IMAGE: writes never reach the image; nothing is left" {
	engine_image plain:1
	run hk run --rm --cgroup-parent "$CG_PARENT" plain:1 sh -c 'echo changed >/etc/passwd; rm /bin/ls; cat /etc/passwd'
	[ "$status" -eq 0 ]
	[ "$output" = changed ]
	run hk run --rm --cgroup-parent "$CG_PARENT" plain:1 sh -c 'head -1 /etc/passwd; ls /bin/ls'
	[ "${lines[0]}" = "root:x:0:0:root:/root:/bin/sh" ]
	[ "${lines[1]}" = /bin/ls ]
	engine_assert_nothing_left
}

@test "husk run --rm IMAGE: the root is a volatile overlay (never synced: thrown away at exit); a kept one is not" {
	engine_image plain:1
	id="$(hk run -d --rm --cgroup-parent "$CG_PARENT" plain:1 sleep 30)"
	if [ "$(hk inspect "$id" | jq -r '.[0].GraphDriver.Name')" != overlay ]; then
		hk rm -f "$id" >/dev/null
		skip "the store's filesystem takes no overlay here (the copy driver)"
	fi
	run findmnt -n -o OPTIONS "$HUSK_STORE/containers/$id/merged"
	hk rm -f "$id" >/dev/null
	[ "$status" -eq 0 ]
	# "volatile" (kernel 6.1), "fsync=volatile" (6.12 and later)
	[[ ",$output," == *,volatile,* || ",$output," == *,fsync=volatile,* ]]
	id="$(hk run -d --cgroup-parent "$CG_PARENT" plain:1 sleep 30)"
	run findmnt -n -o OPTIONS "$HUSK_STORE/containers/$id/merged"
	hk rm -f "$id" >/dev/null
	[ "$status" -eq 0 ]
	[[ ",$output," != *volatile* ]]
	engine_assert_nothing_left
}
