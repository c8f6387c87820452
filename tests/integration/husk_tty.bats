#!/usr/bin/env bats
# -i/-t of the engine as a person at a terminal types them (run, create/start -a -i, attach, detach
# keys, resize), driven on a real pty by pty_drive.py: prompt, keys, output, window size, exit codes,
# the caller's terminal restored, nothing left behind.

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine

setup() {
	engine_setup tty
	ln -sf busybox "$RFS/bin/stty"
	PTY="$BATS_TEST_DIRNAME/pty_drive.py"
	export PTY
}

teardown() {
	engine_cleanup
}

# ins NAME FIELDS...: fields of husk inspect ('.State.Status .State.ExitCode'), space-separated.
ins() {
	local name="$1" f q=""
	shift
	for f in $1; do
		q="${q:+$q + \" \" + }(.[0]$f | tostring)"
	done
	hk inspect "$name" | jq -r "$q"
}

# on_pty [pty_drive options] -- husk ARGS...: husk on a new pty, steps from $PTY_STEPS.
on_pty() {
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	timeout -k 5 90 python3 "$PTY" "${opts[@]}" -- "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" "$@"
}

@test "run -it: a prompt, keys run commands, the size given at start and followed, the exit code, the terminal restored" {
	export PTY_STEPS='expect / # 
send stty size\r
expect 33 101
resize 40 120
sleep 0.5
send stty size; tty\r
expect 40 120
expect /dev/pts/0
send echo $TERM\r
expect xterm
send exit 3\r'
	run -3 --separate-stderr on_pty --rows 33 --cols 101 -- run --rm -it --cgroup-parent "$CG_PARENT" --rootfs "$RFS" sh
	echo "$output"
	[ "$stderr" = "stty: same" ]
	engine_assert_nothing_left
}

@test "run -it: ctrl-c is a keystroke for the container, not a signal to husk" {
	export PTY_STEPS='expect / # 
send sleep 30\r
sleep 0.5
send \x03
expect / # 
send echo still here\r
expect still here
send exit 0\r'
	run -0 --separate-stderr on_pty -- run --rm -it --cgroup-parent "$CG_PARENT" --rootfs "$RFS" sh
	echo "$output"
	[ "$stderr" = "stty: same" ]
}

@test "run -i: the caller's stdin is the container's, EOF ends it; without -i stdin is /dev/null" {
	run -0 bash -c 'echo hi | "$@"' _ timeout 60 "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" run --rm -i \
		--cgroup-parent "$CG_PARENT" --rootfs "$RFS" cat
	[ "$output" = hi ]
	run -0 bash -c 'seq 20000 | "$@"' _ timeout 60 "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" run --rm -i \
		--cgroup-parent "$CG_PARENT" --rootfs "$RFS" sh -c 'wc -l; echo err >&2'
	[ "${lines[0]}" = 20000 ]
	[ "${lines[1]}" = err ]
	run -0 bash -c 'echo hi | "$@"' _ timeout 60 "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" run --rm \
		--cgroup-parent "$CG_PARENT" --rootfs "$RFS" cat
	[ -z "$output" ]
	engine_assert_nothing_left
}

@test "run -t without -i: a terminal for the output, no keys; -it on a stdin that is no terminal is refused" {
	run -0 hkr --rm -t "$RFS" sh -c 'tty; echo out; exit 0'
	[[ "$output" == *'/dev/pts/0'* ]]
	[[ "$output" == *out* ]]
	run -125 bash -c 'echo x | "$@"' _ "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" run -it --name notty \
		--cgroup-parent "$CG_PARENT" --rootfs "$RFS" sh
	[[ "$output" == *'the input device is not a TTY'* ]]
	run -0 hk ps -aq
	[ -z "$output" ]
	engine_assert_nothing_left
}

@test "run -d -it, attach, ctrl-p ctrl-q detaches, attach again, --detach-keys, stop" {
	run -0 hkr -d -it --name box "$RFS" sh
	export PTY_STEPS='waitraw
send echo one""two\r
expect onetwo
send \x10\x11'
	run -0 --separate-stderr on_pty -- attach box
	echo "$output"
	[ "$stderr" = "stty: same" ]
	run -0 ins box '.State.Status'
	[ "$output" = running ]
	# a ctrl-p not followed by ctrl-q is passed on; other keys with --detach-keys
	export PTY_STEPS='waitraw
send echo three""four\r
expect threefour
send \x10x
sleep 0.3
send \x18y'
	run -0 --separate-stderr on_pty -- attach --detach-keys ctrl-x,y box
	[ "$stderr" = "stty: same" ]
	run -0 ins box '.State.Status'
	[ "$output" = running ]
	run -0 hk stop -t 1 box
	run -0 ins box '.State.Status .State.ExitCode'
	[ "$output" = 'exited 137' ]
	run -125 hk attach box
	[[ "$output" == *'You cannot attach to a stopped container, start it first'* ]]
}

@test "run -it: detach with ctrl-p ctrl-q, the container runs on, attach reconnects and gets its exit code" {
	export PTY_STEPS='expect / # 
send \x10\x11'
	run -0 --separate-stderr on_pty -- run -it --name fg --cgroup-parent "$CG_PARENT" --rootfs "$RFS" sh
	[ "$stderr" = "stty: same" ]
	run -0 ins fg '.State.Status'
	[ "$output" = running ]
	export PTY_STEPS='waitraw
send echo back""again\r
expect backagain
send exit 5\r'
	run -5 --separate-stderr on_pty -- attach fg
	[ "$stderr" = "stty: same" ]
	run -0 ins fg '.State.Status .State.ExitCode'
	[ "$output" = 'exited 5' ]
}

@test "start -a -i: a created -i container reads our stdin, a created -it one gets our terminal" {
	run -0 hk create -i --name piped --cgroup-parent "$CG_PARENT" --rootfs "$RFS" sh -c 'cat; exit 4'
	run -4 bash -c 'printf "a\nb\n" | "$@"' _ timeout 60 "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" start -a -i piped
	[ "$output" = "$(printf 'a\nb')" ]
	run -0 ins piped '.Config.OpenStdin .Config.StdinOnce .Config.Tty'
	[ "$output" = 'true true false' ]
	run -0 hk create -it --name term --cgroup-parent "$CG_PARENT" --rootfs "$RFS" sh
	export PTY_STEPS='expect / # 
send stty size\r
expect 21 77
send exit 6\r'
	run -6 --separate-stderr on_pty --rows 21 --cols 77 -- start -a -i term
	[ "$stderr" = "stty: same" ]
}

@test "attach: several callers see the output; a -d -i container's stdin stays open after one caller's EOF" {
	run -0 hkr -d -i --name multi "$RFS" sh -c 'while read l; do echo "got:$l"; done; echo closed'
	local pids=()
	hk attach --no-stdin multi >"$BATS_TEST_TMPDIR/a1" 2>&1 &
	pids+=($!)
	hk attach --no-stdin multi >"$BATS_TEST_TMPDIR/a2" 2>&1 &
	pids+=($!)
	sleep 0.5
	echo first | hk attach multi >"$BATS_TEST_TMPDIR/a3" 2>&1 &
	pids+=($!)
	sleep 1
	echo second | hk attach multi >/dev/null 2>&1 &
	pids+=($!)
	local _
	for _ in $(seq 50); do
		grep -q got:second "$BATS_TEST_TMPDIR/a1" && grep -q got:second "$BATS_TEST_TMPDIR/a2" && break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/a1"
	grep -q got:first "$BATS_TEST_TMPDIR/a1"
	grep -q got:second "$BATS_TEST_TMPDIR/a1"
	grep -q got:first "$BATS_TEST_TMPDIR/a2"
	grep -q got:second "$BATS_TEST_TMPDIR/a2"
	run -0 ins multi '.State.Status'
	[ "$output" = running ]
	run -0 hk logs multi
	[ "$output" = "$(printf 'got:first\ngot:second')" ]
	run -0 hk stop -t 1 multi
	local p
	for p in "${pids[@]}"; do
		wait "$p" || [ $? -eq 137 ] # the container's code: killed by stop
	done
	run grep -c closed "$BATS_TEST_TMPDIR/a1"
	[ "$output" = 0 ]
}

@test "-t: the container has only its pty as fds 0-2, the monitor exits with its container and leaves no socket" {
	run -0 hkr -d -it --name fds "$RFS" sh
	local id mon
	id="$(ins fds '.Id')"
	mon="$(pgrep -f "husk-monitor .*container cleanup.*$id")"
	[ -n "$mon" ]
	# well under 1 MB with the attach socket and a pty (a sanitizer build's monitor is not the static one)
	echo "monitor RSS: $(ps -o rss= -p "$mon") kB"
	grep -q libasan "/proc/$mon/maps" || [ "$(ps -o rss= -p "$mon")" -lt 1024 ]
	[ -S "$HUSK_STORE/containers/$id/attach" ]
	# Seen from here while sh waits at its prompt: fds 0-2 the pty, 10 the /dev/tty sh opens for job
	# control, nothing else (from inside, sh's own redirections and pipes would be in the listing).
	local pid fds
	pid="$(ins fds '.State.Pid')"
	export PTY_STEPS='waitraw
send echo rea""dy\r
expect ready
send \x01'
	run -0 --separate-stderr on_pty -- attach --detach-keys ctrl-a fds
	sleep 0.2
	fds="$(cd "/proc/$pid/fd" && for f in *; do echo "$f $(readlink "$f")"; done | sort -n | tr '\n' ,)"
	[ "$fds" = "0 /dev/pts/0,1 /dev/pts/0,2 /dev/pts/0,10 /dev/tty," ]
	export PTY_STEPS='waitraw
send exit 0\r'
	run -0 --separate-stderr on_pty -- attach fds
	run -0 hk wait fds
	# the monitor ends right after releasing its lock (a zombie until its parent reaps it is ended)
	local _ st=""
	for _ in $(seq 30); do
		st="$(ps -o stat= -p "$mon" || true)"
		[[ -z "$st" || "$st" == Z* ]] && break
		sleep 0.1
	done
	echo "monitor state: '$st'"
	[[ -z "$st" || "$st" == Z* ]]
	[ ! -e "$HUSK_STORE/containers/$id/attach" ]
}

@test "--detach-keys: Docker's syntax, bad keys refused naming them" {
	run -125 hkr --rm -it --detach-keys ctrl-1 "$RFS" true
	[[ "$output" == *'Invalid detach keys (ctrl-1) provided'* ]]
	run -0 hk ps -aq
	[ -z "$output" ]
}

@test "attach to a plain -d container: its stdout and stderr apart, its exit code" {
	run -0 hkr -d --name plain "$RFS" sh -c 'sleep 1; echo out1; echo err1 >&2; exit 4'
	run -4 --separate-stderr hk attach --no-stdin plain
	[ "$output" = out1 ]
	[ "$stderr" = err1 ]
}
