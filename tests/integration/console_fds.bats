#!/usr/bin/env bats
# --console-socket, the caller's stdio, --preserve-fds and fds that must not leak.

load helpers

teardown() {
	[ -n "${RECV_PID:-}" ] && kill "$RECV_PID" 2>/dev/null
	common_teardown
}

@test "--console-socket receives a pty master and the container has a tty" {
	update_config '.process.terminal = true'
	set_args sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; stty size 2>/dev/null; echo done'
	start_recvtty
	ctr_create --bundle "$BUNDLE" --console-socket "$SOCK" "$ID"
	[ "$status" -eq 0 ]
	rt start "$ID"
	wait_for_status stopped
	wait "$RECV_PID"
	RECV_PID=
	cat "$TTYOUT"
	grep -q '^fd: pty-master' "$TTYOUT"
	grep -q '^/dev/pts/[0-9]' "$TTYOUT"
	grep -q stdio-is-tty "$TTYOUT"
	grep -q done "$TTYOUT"
}

@test "terminal: true without --console-socket fails create" {
	update_config '.process.terminal = true'
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "--console-socket with terminal: false fails create" {
	start_recvtty
	ctr_create --bundle "$BUNDLE" --console-socket "$SOCK" "$ID"
	[ "$status" -ne 0 ]
}

@test "fds beyond stdio do not reach the container" {
	set_args ls /proc/self/fd
	run bash -c '"$HUSK_RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 5</dev/null 7>/dev/null 9<"$BUNDLE/config.json" 3>&-'
	[ "$status" -eq 0 ]
	echo "$output"
	# ls shows 0 1 2 and the fd of the directory it reads (3).
	[ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ]
}

@test "--preserve-fds N passes fds 3..3+N-1 and nothing beyond" {
	set_args sh -c 'echo to-fd3 >&3; echo to-fd4 >&4; ls /proc/self/fd'
	run bash -c '"$HUSK_RUNTIME" --root "$ROOT" run --preserve-fds 2 --bundle "$BUNDLE" "$ID" 3>"$BATS_TEST_TMPDIR/f3" 4>"$BATS_TEST_TMPDIR/f4" 5>/dev/null'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/f3")" = to-fd3 ]
	[ "$(cat "$BATS_TEST_TMPDIR/f4")" = to-fd4 ]
	# 0 1 2, the two preserved, and ls' own directory fd (5): nothing else.
	[ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 4 5 " ]
}

@test "create --preserve-fds keeps the fd until start" {
	set_args sh -c 'echo later >&3'
	ctr_create_fd3() {
		CTR_OUT="$BATS_TEST_TMPDIR/ctr.out"
		status=0
		rt create --preserve-fds 1 --bundle "$BUNDLE" "$ID" </dev/null >"$CTR_OUT" 2>&1 3>"$BATS_TEST_TMPDIR/f3" || status=$?
	}
	ctr_create_fd3
	[ "$status" -eq 0 ]
	rt start "$ID"
	wait_for_status stopped
	[ "$(cat "$BATS_TEST_TMPDIR/f3")" = later ]
}
