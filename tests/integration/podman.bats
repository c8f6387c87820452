#!/usr/bin/env bats
# podman (Debian's 4.3) driving the runtime under test with `--runtime`: run, exit codes, stdout, a
# terminal, detached containers stopped and removed, exec (with a terminal too), resource limits, user, env, workdir,
# read-only root, capabilities, seccomp (a profile file, podman's default profile, unconfined),
# pause/unpause, top and stats. The harness (storage, config, a local busybox image) is podman.bash.
# Every test passes with runc too: HUSK_RUNTIME=runc bats tests/integration/podman.bats

load helpers
load podman

bats_require_minimum_version 1.5.0

setup_file() {
	command -v podman >/dev/null || skip "podman is not installed (apt-get install podman)"
	[ "$(id -u)" = 0 ] || skip "podman tests run as root"
	podman_setup_file
}

teardown_file() {
	podman_teardown_file
}

setup() {
	command -v podman >/dev/null || skip "podman is not installed (apt-get install podman)"
	[ -n "${PODMAN_DIR:-}" ] || skip "no podman harness"
	NAME="husktest-pm-$BATS_SUITE_TEST_NUMBER-$$"
}

teardown() {
	# The terminal test's stdin writer first, then every container.
	kill_bgpids
	podman_remove_containers
}

is_v2() { [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; }

# cg_file PID CONTROLLER V1FILE V2FILE: the host path of a cgroup file of the process.
cg_file() {
	local pid="$1" ctrl="$2" p
	if is_v2; then
		p="$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")"
		echo "/sys/fs/cgroup$p/$4"
	else
		p="$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")"
		echo "/sys/fs/cgroup/$ctrl$p/$3"
	fi
}

# run_detached NAME ARGS...: `podman run -d` of a shell that exits 42 on SIGTERM (so `stop` proves
# the signal went through the runtime's kill), waiting until it runs.
run_detached() {
	local name="$1"
	shift
	run pm_run -d --name "$name" "$@" "$PODMAN_IMAGE" \
		sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ] || { echo "run -d failed ($status): $output" >&2; return 1; }
}

# run_under_pty COMMAND: COMMAND (a shell line) under script(1)'s pty, through bats' `run`. script's
# stdin stays open while the container runs: at EOF script would hang up the terminal under any runtime.
run_under_pty() {
	local fifo="$BATS_TEST_TMPDIR/stdin"
	mkfifo "$fifo"
	sleep 120 >"$fifo" 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/bgpids"
	run timeout 60 script -qec "$1" /dev/null <"$fifo"
}

@test "podman run: stdout and exit status 0" {
	run pm_run --rm "$PODMAN_IMAGE" sh -c 'echo hello from $(hostname); id -u'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]%% *}" = hello ]
	[ "${lines[1]}" = 0 ]
}

@test "podman run: the container's exit status is podman's" {
	run pm_run --rm "$PODMAN_IMAGE" sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "podman run: a missing command is 127 with the command named" {
	run -127 pm_run --rm "$PODMAN_IMAGE" /no/such/command
	echo "$output"
	[ "$status" -eq 127 ]
	[[ "$output" == *"/no/such/command"* ]]
}

@test "podman run --timeout: the container killed after N seconds, removed with --rm" {
	local t0=$SECONDS
	run pm_run --rm --timeout 2 --name "$NAME" "$PODMAN_IMAGE" sleep 60
	echo "$output"
	# podman kills the container when the timeout expires and reports it as 255 (runc and crun too).
	[ "$status" -eq 255 ]
	[ $((SECONDS - t0)) -lt 30 ]
	run pm container exists "$NAME"
	[ "$status" -eq 1 ]
}

@test "podman kill: SIGKILL through the runtime, exit status 128+9" {
	run_detached "$NAME"
	run pm kill --signal KILL "$NAME"
	[ "$status" -eq 0 ]
	run pm wait "$NAME"
	echo "$output"
	[ "$output" = 137 ]
}

@test "podman run -it: a terminal, under a pty" {
	command -v script >/dev/null || skip "no script(1) (util-linux)"
	run_under_pty "podman --runtime $HUSK_RUNTIME run --rm -it --pull never --cgroup-parent $PODMAN_CGROUP_PARENT $PODMAN_IMAGE sh -c 'tty; test -t 0 && test -t 1 && echo both-ttys; exit 5'"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *both-ttys* ]]
}

@test "podman run -d, stop (SIGTERM through the runtime), rm: nothing left" {
	run_detached "$NAME"
	local pid
	pid="$(ctr_pid "$NAME")"
	[ "$pid" -gt 0 ]
	local cg
	cg="$(cg_file "$pid" memory "" "")"
	[ -d "$cg" ]
	[ "$(pm inspect --format '{{.State.Status}}' "$NAME")" = running ]

	run pm stop --time 20 "$NAME"
	[ "$status" -eq 0 ]
	[ "$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$NAME")" = "exited 42" ]
	! kill -0 "$pid" 2>/dev/null

	run pm rm "$NAME"
	[ "$status" -eq 0 ]
	run pm container exists "$NAME"
	[ "$status" -eq 1 ]
	[ ! -d "$cg" ]
}

@test "podman run -d, exec (exit status, stdout, env, user), stop, rm" {
	run_detached "$NAME"
	run pm exec "$NAME" sh -c 'echo in $(hostname); exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == "in "* ]]
	run pm exec --env FOO=bar --user 65534 --workdir /tmp "$NAME" sh -c 'echo $FOO $(id -u) $(pwd)'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "bar 65534 /tmp" ]
	run pm stop --time 20 "$NAME"
	[ "$status" -eq 0 ]
	run pm rm "$NAME"
	[ "$status" -eq 0 ]
}

@test "podman run --memory --pids-limit --cpus: the limits in the container's cgroup" {
	run pm_run --rm --memory 64m --pids-limit 50 --cpus 0.5 "$PODMAN_IMAGE" sh -c '
		if [ -f /sys/fs/cgroup/memory.max ]; then
			cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; cut -d" " -f1,2 /sys/fs/cgroup/cpu.max
		else
			cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
			echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
		fi'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 67108864 ]
	[ "${lines[1]}" = 50 ]
	[ "${lines[2]}" = "50000 100000" ]
}

@test "podman run --pids-limit: fork fails past the limit" {
	run pm_run --rm --pids-limit 5 "$PODMAN_IMAGE" sh -c '
		for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo forked; wait'
	echo "$output"
	[[ "$output" == *"can't fork"* || "$output" == *"Resource temporarily unavailable"* ]]
}

@test "podman run --user --env --workdir" {
	run pm_run --rm --user 65534:65534 --env FOO=bar --workdir /tmp "$PODMAN_IMAGE" sh -c 'id -u; id -g; echo $FOO; pwd'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "65534 65534 bar /tmp" ]
}

@test "podman run --read-only: the root refuses writes, /tmp takes them" {
	run pm_run --rm --read-only "$PODMAN_IMAGE" sh -c 'touch /x 2>&1; echo rc=$?; touch /tmp/y; echo rc=$?'
	echo "$output"
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"rc=1"* ]]
	[ "${lines[-1]}" = rc=0 ]
}

@test "podman run --cap-drop: all, and one capability" {
	run pm_run --rm --cap-drop all "$PODMAN_IMAGE" sh -c 'grep -E "^Cap(Eff|Bnd|Prm):" /proc/self/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '{ print $2 }' | sort -u)" = 0000000000000000 ]

	local def drop
	def="$(pm_run --rm "$PODMAN_IMAGE" awk '/^CapEff:/ { print $2 }' /proc/self/status)"
	drop="$(pm_run --rm --cap-drop net_raw "$PODMAN_IMAGE" awk '/^CapEff:/ { print $2 }' /proc/self/status)"
	echo "default $def, without net_raw $drop"
	# CAP_NET_RAW is bit 13, in podman's defaults.
	(( (0x$def & (1 << 13)) != 0 ))
	[ "$(printf '%016x' $((0x$def & ~(1 << 13))))" = "$drop" ]
	run pm_run --rm --cap-drop net_raw "$PODMAN_IMAGE" ping -c 1 127.0.0.1
	[ "$status" -ne 0 ]
}

@test "podman run --security-opt seccomp=FILE: the profile's rule applies" {
	cat >"$BATS_TEST_TMPDIR/profile.json" <<-'EOF'
		{"defaultAction": "SCMP_ACT_ALLOW",
		 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
	EOF
	run pm_run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/profile.json" "$PODMAN_IMAGE" sh -c \
		'mkdir /tmp/d; echo rc=$?; touch /tmp/f && echo touched; grep "^Seccomp:" /proc/self/status'
	echo "$output"
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *rc=1* ]]
	[[ "$output" == *touched* ]]
	[[ "$output" == *"Seccomp:"[[:space:]]2* ]]
}

@test "podman's default seccomp profile is loaded; seccomp=unconfined loads none" {
	run_detached "$NAME"
	local cfg
	cfg="$(pm inspect --format '{{.OCIConfigPath}}' "$NAME")"
	# podman passes its profile in config.json: an allow list over an errno default.
	[ "$(jq -r .linux.seccomp.defaultAction "$cfg")" = SCMP_ACT_ERRNO ]
	[ "$(jq '.linux.seccomp.syscalls | length' "$cfg")" -gt 10 ]
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$(ctr_pid "$NAME")/status"

	run pm_run --rm --security-opt seccomp=unconfined "$PODMAN_IMAGE" grep "^Seccomp:" /proc/self/status
	echo "$output"
	[[ "$output" == *"Seccomp:"[[:space:]]0* ]]
}

@test "podman pause / unpause: the container's cgroup frozen and thawed" {
	run_detached "$NAME"
	local pid state
	pid="$(ctr_pid "$NAME")"
	if is_v2; then
		state="$(cg_file "$pid" "" "" cgroup.freeze)"
	else
		state="$(cg_file "$pid" freezer freezer.state "")"
	fi
	run pm pause "$NAME"
	[ "$status" -eq 0 ]
	[ "$(pm inspect --format '{{.State.Status}}' "$NAME")" = paused ]
	run cat "$state"
	[ "$output" = FROZEN ] || [ "$output" = 1 ]

	run pm unpause "$NAME"
	[ "$status" -eq 0 ]
	[ "$(pm inspect --format '{{.State.Status}}' "$NAME")" = running ]
	run cat "$state"
	[ "$output" = THAWED ] || [ "$output" = 0 ]

	run pm stop --time 20 "$NAME"
	[ "$status" -eq 0 ]
	[ "$(pm inspect --format '{{.State.ExitCode}}' "$NAME")" = 42 ]
}

@test "podman top: the container's processes" {
	run pm_run -d --name "$NAME" "$PODMAN_IMAGE" sleep 1000
	[ "$status" -eq 0 ]
	run pm top "$NAME" pid comm args
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^1\ +sleep\ +sleep\ 1000 ]]
}

@test "podman stats --no-stream: memory limit and pids of a running container" {
	run_detached "$NAME" --memory 64m
	run pm stats --no-stream --format json "$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.[0].name')" = "$NAME" ]
	[[ "$(echo "$output" | jq -r '.[0].mem_usage')" == *" / 67.11MB" ]]
	[ "$(echo "$output" | jq -r '.[0].pids')" -ge 1 ]
}

@test "podman with the runtime in runtime_supports_json: --log-format=json sent, the runtime's error reaches podman" {
	# podman sends the JSON log flags only to runtimes whose basename its containers.conf lists; a
	# list naming husk-runtime (and runc, crun) makes podman read errors from the runtime's log file.
	# A wrapper of the same basename records the runtime's command lines.
	local conf="$BATS_TEST_TMPDIR/containers.conf" wrap="$BATS_TEST_TMPDIR/bin/$RUNTIME_NAME"
	sed 's/^runtime_supports_json = .*/runtime_supports_json = ["crun", "runc", "husk-runtime"]/' \
		"$CONTAINERS_CONF" >"$conf"
	grep -q '"husk-runtime"' "$conf"
	mkdir -p "${wrap%/*}"
	printf '#!/bin/sh\necho "$*" >>%s/argv\nexec %s "$@"\n' "$BATS_TEST_TMPDIR" "$HUSK_RUNTIME" >"$wrap"
	chmod 755 "$wrap"
	run -127 env CONTAINERS_CONF="$conf" podman --runtime "$wrap" run --rm --pull never \
		--cgroup-parent "$PODMAN_CGROUP_PARENT" "$PODMAN_IMAGE" /no/such/command
	echo "$output"
	grep '^Error: ' <<<"$output" | grep -q '/no/such/command'
	cat "$BATS_TEST_TMPDIR/argv"
	grep -q '^--log-format=json --log .*/oci-log create ' "$BATS_TEST_TMPDIR/argv"
}

@test "podman run --device: the device node made, fileMode with podman's file type bits" {
	# podman writes linux.devices[].fileMode as Go's os.FileMode turned into a mode_t: S_IFCHR | 0666.
	run pm_run --rm --device /dev/null:/dev/mynull "$PODMAN_IMAGE" sh -c 'echo x >/dev/mynull && stat -c "%F %a %t:%T" /dev/mynull'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "character special file 666 1:3" ]
}

@test "podman run --privileged: every capability, the host's devices" {
	# podman lists each of the host's devices in linux.devices (and the host's bounding set as caps).
	run pm_run --rm --privileged "$PODMAN_IMAGE" sh -c 'grep "^CapEff:" /proc/self/status; ls /dev | wc -l'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(awk '/^CapEff:/ { print $2 }' <<<"$output")" = "$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)" ]
	[ "${lines[1]}" -gt 30 ]
}

@test "podman exec -it: a terminal for the exec'd process, under a pty" {
	command -v script >/dev/null || skip "no script(1) (util-linux)"
	run_detached "$NAME"
	run_under_pty "podman --runtime $HUSK_RUNTIME exec -it $NAME sh -c 'tty; test -t 0 && test -t 1 && echo both-ttys; exit 6'"
	echo "$output"
	[ "$status" -eq 6 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *both-ttys* ]]
}
