#!/usr/bin/env bats
# The defences of docs/security.md, each reproduced as the attack it stops. The same file runs again as
# defences_no_openat2.bats (a symlink): there openat2 is made unavailable (helpers.bash), so the
# fallback path resolution faces the same attacks.

load helpers

teardown() {
	if [ -n "${RACER_PID:-}" ]; then
		touch "$BATS_TEST_TMPDIR/racer.stop"
		wait "$RACER_PID" 2>/dev/null || true
	fi
	[ -n "${RECV_PID:-}" ] && kill "$RECV_PID" 2>/dev/null
	common_teardown
}

# ---------------------------------------------------------------------------------------------------
# 1. CVE-2019-5736: the runtime binary cannot be written through /proc/<pid>/exe.

# _exe_copy DIR: a copy of the runtime in DIR ($COPY), and its hash ($COPY_SUM).
_exe_copy() {
	mkdir -p "$1"
	COPY="$1/$(basename "$HUSK_RUNTIME")"
	cp "$HUSK_RUNTIME" "$COPY"
	COPY_SUM="$(sha256sum <"$COPY")"
}

# _exe_attacker ROOTFS: /attack.sh in ROOTFS, the original exploit: hold /proc/1/exe (a process still
# running the runtime's image) open, wait for /tmp/go and for that process to have exec'd something
# else (the binary is no longer "busy"), then write through the held fd. Result in /tmp/result.
_exe_attacker() {
	ln -sf busybox "$1/bin/setsid"
	cat >"$1/attack.sh" <<-'EOF'
		exec 3</proc/1/exe || { echo open-failed >/tmp/result; exit 0; }
		link="$(readlink /proc/1/exe)"
		echo "$link" >/tmp/exe-link
		touch /tmp/ready
		while [ ! -e /tmp/go ] || [ "$(readlink /proc/1/exe)" = "$link" ]; do sleep 0.05; done
		if echo PWNED >>/proc/self/fd/3 2>/tmp/write-err; then echo written >/tmp/result; else echo refused >/tmp/result; fi
	EOF
}

# _exe_attack_result ROOTFS: tell the attacker in ROOTFS to go (create and start have exited by now,
# only containers run), wait for its verdict; sets EXE_LINK and RESULT and checks the copy.
_exe_attack_result() {
	touch "$1/tmp/go"
	wait_for_file "$1/tmp/result" 200
	touch "$1/tmp/done"
	EXE_LINK="$(cat "$1/tmp/exe-link" 2>/dev/null || true)"
	RESULT="$(cat "$1/tmp/result")"
	echo "exe link: $EXE_LINK; result: $RESULT; $(cat "$1/tmp/write-err" 2>/dev/null || true)"
	[ "$(sha256sum <"$COPY")" = "$COPY_SUM" ]
	! grep -q PWNED "$COPY"
	[ "$RESULT" = refused ]
}

# _exe_attack DIR: a startContainer hook (its parent is the container's init, still running the
# runtime's image) leaves the attacker behind, with a copy of the runtime placed in DIR.
_exe_attack() {
	_exe_copy "$1"
	_exe_attacker "$BUNDLE/rootfs"
	# setsid: the runtime kills a hook's process group when the hook is done; the hook waits until the
	# attacker holds the fd.
	update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c",
		"setsid sh /attack.sh </dev/null >/dev/null 2>&1 & while [ ! -e /tmp/ready ]; do sleep 0.05; done"]}]'
	set_args sh -c 'while [ ! -e /tmp/done ]; do sleep 0.05; done'
	HUSK_RUNTIME="$COPY" create_ok
	HUSK_RUNTIME="$COPY" rt start "$ID"
	_exe_attack_result "$BUNDLE/rootfs"
}

@test "CVE-2019-5736: a container process cannot write the runtime binary through /proc/1/exe" {
	_exe_attack "$BATS_TEST_TMPDIR/bin"
	# The init ran from the sealed copy, not from the file on the host.
	[ -n "$EXE_LINK" ]
	[ "$EXE_LINK" != "$BATS_TEST_TMPDIR/bin/$(basename "$HUSK_RUNTIME")" ]
}

@test "CVE-2019-5736: the memfd copy where overlayfs cannot be used" {
	is_runc && skip "runc has its own sealing"
	# overlayfs takes a lowerdir of at most 256 bytes through fsconfig: a longer one falls back.
	local long
	long="$BATS_TEST_TMPDIR/$(printf 'd%.0s' $(seq 250))"
	_exe_attack "$long"
	[[ "$EXE_LINK" == /memfd:* ]]
}

@test "CVE-2019-5736: a container sharing the pid namespace of a created one cannot write the runtime" {
	is_runc && skip "runc's init is a separate process"
	_exe_copy "$BATS_TEST_TMPDIR/bin"
	# A: created, not started; its init waits on exec.fifo, running the runtime's image as pid 1 (it
	# must outlive the attack: pid 1 exiting would kill the whole namespace).
	set_args sleep 60
	HUSK_RUNTIME="$COPY" create_ok
	local pid b="$BATS_TEST_TMPDIR/bundle-b"
	pid="$(rt state "$ID" | jq -r .pid)"
	# B: joins A's pid namespace; its process is the attacker, A's init is its pid 1.
	cp -a "$BUNDLE" "$b"
	_exe_attacker "$b/rootfs"
	jq --arg p "/proc/$pid/ns/pid" '.process.args = ["sh", "/attack.sh"] |
		.linux.namespaces = ([.linux.namespaces[] | select(.type != "pid")] + [{"type": "pid", "path": $p}])' \
		"$BUNDLE/config.json" >"$b/config.json"
	track_id "$ID-b"
	rt run --detach --bundle "$b" "$ID-b" </dev/null >"$BATS_TEST_TMPDIR/b.out" 2>&1 3>&- || true
	# exe-link is written just before the attacker says it is ready (wait_for_file wants content).
	wait_for_file "$b/rootfs/tmp/exe-link" || {
		cat "$BATS_TEST_TMPDIR/b.out"
		return 1
	}
	# A's init execs sleep; once create, start and run have exited nothing runs the binary.
	HUSK_RUNTIME="$COPY" rt start "$ID"
	_exe_attack_result "$b/rootfs"
}

@test "CVE-2019-5736: create runs from a sealed copy, run too, and the marker stays private" {
	is_runc && skip "runc's init is a separate process"
	set_args sh -c 'cat /proc/1/environ | tr "\0" "\n" | grep -c _HUSK_SEALED_EXE; true'
	update_config '.process.env += ["X=1"]'
	create_ok
	local pid
	pid="$(rt state "$ID" | jq -r .pid)"
	# The init's exe is the overlayfs file (or a memfd), not the runtime binary on the host.
	local link
	link="$(readlink "/proc/$pid/exe")"
	echo "init exe: $link"
	[ "$link" != "$HUSK_RUNTIME" ]
	[ "$(stat -f -c %T "/proc/$pid/exe")" = overlayfs ] || [[ "$link" == /memfd:* ]]
	# Not writable from the host either: the sealed copy is read-only.
	run sh -c "echo x >>/proc/$pid/exe"
	[ "$status" -ne 0 ]
	rt start "$ID"
	wait_for_status stopped
	# The container's own environment does not carry the marker.
	[ "$(cat "$CTR_OUT")" = 0 ]
}

# ---------------------------------------------------------------------------------------------------
# 2. CVE-2024-21626: no fd of the runtime reaches the container; cwd cannot lead out through one.

# _init_fds: the fds of the container's process (pid 1, a `sleep`, which opens nothing of its own),
# read from the host while it runs.
_init_fds() {
	local pid
	pid="$(rt state "$ID" | jq -r .pid)"
	ls -l "/proc/$pid/fd" >&2
	ls "/proc/$pid/fd" | sort -n | tr '\n' ' '
}

@test "CVE-2024-21626: run holds only 0 1 2 (extra fds open in the caller)" {
	# ls lists its own directory fd too: the lowest free one, 3.
	set_args ls /proc/self/fd
	run_ctr 5</dev/null 7>"$BATS_TEST_TMPDIR/x" 9<"$BUNDLE/config.json"
	[ "$status" -eq 0 ]
	echo "fds: $output"
	[ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ]
}

@test "CVE-2024-21626: create + start, with hooks, holds only 0 1 2" {
	set_args sleep 30
	update_config '.hooks.startContainer = [{"path": "/bin/true"}] | .hooks.createContainer = [{"path": "/bin/true"}]'
	create_ok 6<"$BUNDLE/config.json"
	rt start "$ID" 8<"$BUNDLE/config.json"
	wait_for_status running
	sleep 0.2
	local fds
	fds="$(_init_fds)"
	echo "fds: $fds"
	[ "$fds" = "0 1 2 " ]
}

@test "CVE-2024-21626: run --detach --preserve-fds 2 holds 0-4 only" {
	set_args sleep 30
	# Not ctr_run_detached: it closes fd 3.
	rt run --detach --preserve-fds 2 --bundle "$BUNDLE" "$ID" 3</dev/null 4</dev/null 5</dev/null \
		>"$BATS_TEST_TMPDIR/ctr.out" 2>&1
	local fds
	fds="$(_init_fds)"
	echo "fds: $fds"
	[ "$fds" = "0 1 2 3 4 " ]
}

@test "CVE-2024-21626: process.cwd through /proc/self/fd/N is refused" {
	mkdir -p "$BATS_TEST_TMPDIR/hostdir"
	echo secret >"$BATS_TEST_TMPDIR/hostdir/host-file"
	set_args sh -c 'cat host-file; echo ran'
	local n
	# 3 is a host directory handed over with --preserve-fds; the others whatever the init holds.
	for n in 3 4 5 6 7 8 9; do
		update_config '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		CTR_OUT="$BATS_TEST_TMPDIR/ctr.out"
		status=0
		rt run --preserve-fds 1 --bundle "$BUNDLE" "$ID" 3<"$BATS_TEST_TMPDIR/hostdir" >"$CTR_OUT" 2>&1 </dev/null || status=$?
		echo "cwd /proc/self/fd/$n: status $status: $(cat "$CTR_OUT")"
		[ "$status" -ne 0 ]
		! grep -q secret "$CTR_OUT"
		! grep -q ran "$CTR_OUT"
		assert_nothing_left
	done
	# runc words it differently ("mkdir /proc/self/fd/9: not a directory").
	is_runc || grep -q 'cwd' "$CTR_OUT"
}

@test "CVE-2024-21626: process.cwd through /proc/self/cwd, /proc/1/root is refused" {
	is_runc && skip "runc 1.1.5 follows /proc/self/cwd (to the root) instead of refusing the magic link"
	set_args pwd
	local c
	for c in /proc/self/cwd /proc/1/root /proc/self/root/tmp; do
		update_config '.process.cwd = $c' --arg c "$c"
		run_ctr
		echo "cwd $c: status $status: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *cwd* ]]
	done
}

# ---------------------------------------------------------------------------------------------------
# 3. /proc and /sys mount targets that are symlinks (CVE-2019-19921, CVE-2023-27561).

@test "a mount over the container's /proc/self/fd does not stop the exec fifo (reopened through the host's procfs)" {
	is_runc && skip "runc 1.1.5 reopens exec.fifo through the container's /proc: start fails"
	# The init reopens exec.fifo by its fd number; through the container's /proc this tmpfs would hide it.
	update_config '.mounts += [{"destination": "/proc/self/fd", "type": "tmpfs", "source": "tmpfs"}]'
	set_args sh -c 'echo started'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *started* ]]
	assert_nothing_left
}

@test "a /proc that is a symlink is refused" {
	local t
	for t in /tmp/fakeproc tmp/fakeproc; do
		mkdir -p "$BUNDLE/rootfs/tmp/fakeproc"
		rm -rf "$BUNDLE/rootfs/proc"
		ln -sfn "$t" "$BUNDLE/rootfs/proc"
		run_ctr
		echo "proc -> $t: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *symlink* || ("$RUNTIME_NAME" = runc && "$output" == *"ordinary directory"*) ]]
		[ -z "$(ls -A "$BUNDLE/rootfs/tmp/fakeproc")" ]
		assert_nothing_left
	done
}

@test "a /sys that is a symlink, or a /proc under a symlinked directory, is refused" {
	mkdir -p "$BUNDLE/rootfs/tmp/fakesys"
	rm -rf "$BUNDLE/rootfs/sys"
	ln -s /tmp/fakesys "$BUNDLE/rootfs/sys"
	run_ctr
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *symlink* || ("$RUNTIME_NAME" = runc && "$output" == *"ordinary directory"*) ]]
	rm "$BUNDLE/rootfs/sys"
	mkdir "$BUNDLE/rootfs/sys"
	# A proc mount at /mnt/proc where /mnt is the symlink.
	mkdir -p "$BUNDLE/rootfs/tmp/realmnt/proc"
	ln -s /tmp/realmnt "$BUNDLE/rootfs/mnt"
	update_config '.mounts += [{"destination": "/mnt/proc", "type": "proc", "source": "proc"}]'
	run_ctr
	echo "$output"
	[ "$status" -ne 0 ]
	# runc refuses with "mkdir .../rootfs/mnt: file exists".
	is_runc || [[ "$output" == *symlink* ]]
	assert_nothing_left
}

# ---------------------------------------------------------------------------------------------------
# 4. CVE-2021-30465: a mount destination swapped with a symlink while containers start.

@test "CVE-2021-30465: a RENAME_EXCHANGE race on a mount destination lands nothing outside the root" {
	is_runc && skip "runc 1.1.5 fails it: the host directory's content changes"
	local racer="$HUSK_TOOLS_DIR/rename_exchange"
	[ -x "$racer" ] || skip "no $racer (build the tests/tools programs)"
	# The host directory the symlink leads to is a shared mount, and the container's root propagation
	# is rshared: a mount landing on it inside the container's namespace would show on the host.
	local host="$BATS_TEST_TMPDIR/hostdir"
	mkdir -p "$host/dst"
	touch "$host/dst/sentinel"
	mount --bind "$host" "$host"
	mount --make-shared "$host"
	# Control: the propagation really reaches the host.
	unshare -m --propagation unchanged sh -c "mount -t tmpfs control '$host/dst' && umount '$host/dst'" &
	wait $!
	update_config '.linux.rootfsPropagation = "rshared"'
	mkdir -p "$BUNDLE/rootfs/race/dst"
	ln -s "$host" "$BUNDLE/rootfs/race-link"
	update_config '.mounts += [{"destination": "/race/dst", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/race/dst/bind", "type": "bind", "source": $s, "options": ["bind"]}]' \
		--arg s "$BATS_TEST_TMPDIR"
	"$racer" "$BUNDLE/rootfs/race" "$BUNDLE/rootfs/race-link" 25 "$BATS_TEST_TMPDIR/racer.stop" \
		>"$BATS_TEST_TMPDIR/racer.out" 3>&- &
	RACER_PID=$!
	local i ok=0 failed=0 end=$((SECONDS + 20))
	for ((i = 0; i < 200 && SECONDS < end; i++)); do
		if rt run --bundle "$BUNDLE" "$ID-$i" </dev/null >/dev/null 2>&1 3>&-; then
			ok=$((ok + 1))
		else
			failed=$((failed + 1))
			track_id "$ID-$i"
		fi
		if grep -qF " $host/" /proc/self/mountinfo; then
			echo "mount landed on the host directory after start $i" >&2
			grep -F " $host" /proc/self/mountinfo >&2
			return 1
		fi
	done
	touch "$BATS_TEST_TMPDIR/racer.stop"
	wait "$RACER_PID"
	RACER_PID=
	echo "starts: $ok ok, $failed failed; swaps: $(cat "$BATS_TEST_TMPDIR/racer.out")"
	[ "$ok" -gt 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/racer.out")" -gt 0 ]
	# Nothing created or removed in the host directory either.
	[ "$(ls -A "$host")" = dst ]
	[ "$(ls -A "$host/dst")" = sentinel ]
	umount "$host"
}

# ---------------------------------------------------------------------------------------------------
# 5. maskedPaths with a /dev/null that is not the null device (CVE-2025-31133); /dev/console from the
#    pty itself (CVE-2025-52565).

# _image_dev: the config's tmpfs on /dev removed, so /dev is the image's own directory.
_image_dev() {
	update_config '.mounts = [.mounts[] | select(.destination != "/dev")]'
	mkdir -p "$BUNDLE/rootfs/dev/pts" "$BUNDLE/rootfs/dev/shm" "$BUNDLE/rootfs/dev/mqueue"
}

@test "CVE-2025-31133: a /dev/null that is a symlink to a host file is not bound over masked paths" {
	is_runc && skip "runc 1.1 predates the fix"
	_image_dev
	echo original >"$BATS_TEST_TMPDIR/host-file"
	add_bind "$BATS_TEST_TMPDIR/host-file" /host-file '["bind", "rw"]'
	ln -sfn /host-file "$BUNDLE/rootfs/dev/null"
	update_config '.linux.maskedPaths = ["/proc/timer_list", "/proc/kcore"]'
	set_args sh -c 'echo PWNED >/proc/timer_list; echo ran'
	run_ctr
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/dev/null"*"null device"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/host-file")" = original ]
	assert_nothing_left
}

@test "CVE-2025-31133: a /dev/null that is a regular file or another device is refused" {
	is_runc && skip "runc 1.1 predates the fix"
	_image_dev
	update_config '.linux.maskedPaths = ["/proc/timer_list"]'
	echo data >"$BUNDLE/rootfs/dev/null"
	run_ctr
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"null device"* ]]
	rm "$BUNDLE/rootfs/dev/null"
	mknod "$BUNDLE/rootfs/dev/null" c 1 5
	run_ctr
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"null device"* ]]
	# The real device works.
	rm "$BUNDLE/rootfs/dev/null"
	mknod -m 666 "$BUNDLE/rootfs/dev/null" c 1 3
	set_args sh -c 'cat /proc/timer_list | wc -c'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "CVE-2025-52565: a /dev/console symlink does not redirect the console mount" {
	is_runc && skip "runc 1.1 predates the fix"
	_image_dev
	mknod -m 666 "$BUNDLE/rootfs/dev/null" c 1 3
	ln -s pts/ptmx "$BUNDLE/rootfs/dev/ptmx"
	update_config '.process.terminal = true | .linux.maskedPaths = ["/proc/sysrq-trigger"]'
	local t
	for t in /proc/sysrq-trigger ../proc/sysrq-trigger; do
		ln -sfn "$t" "$BUNDLE/rootfs/dev/console"
		[ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2>/dev/null || true
		rm -f "$BATS_TEST_TMPDIR/console.sock"
		start_recvtty
		ctr_create --bundle "$BUNDLE" --console-socket "$SOCK" "$ID"
		echo "console -> $t: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"/dev/console"* ]]
		assert_nothing_left
	done
}

# ---------------------------------------------------------------------------------------------------
# 6. A /dev that is a symlink cannot make the runtime create or delete files outside the root.

# _host_dev_dir: a host directory with what the runtime would create or replace in /dev.
_host_dev_dir() {
	HOSTDEV="$BATS_TEST_TMPDIR/hostdev"
	mkdir -p "$HOSTDEV"
	local f
	for f in null zero full random urandom tty ptmx console fd stdin stdout stderr core fuse; do
		echo "sentinel $f" >"$HOSTDEV/$f"
	done
	(cd "$HOSTDEV" && ls -la && cat ./*) >"$BATS_TEST_TMPDIR/hostdev.before"
}
_host_dev_unchanged() {
	(cd "$HOSTDEV" && ls -la && cat ./*) >"$BATS_TEST_TMPDIR/hostdev.after"
	diff "$BATS_TEST_TMPDIR/hostdev.before" "$BATS_TEST_TMPDIR/hostdev.after"
	! grep -qF " $HOSTDEV" /proc/self/mountinfo
}

@test "a /dev symlink to a host directory: nothing created or deleted there (tmpfs /dev)" {
	is_runc && skip "runc 1.1.5 fails it: the host directory's ptmx is removed or replaced"
	_host_dev_dir
	update_config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
	local t
	for t in "$HOSTDEV" "../../../../../../../../../../$HOSTDEV"; do
		rm -rf "$BUNDLE/rootfs/dev"
		ln -sfn "$t" "$BUNDLE/rootfs/dev"
		run_ctr
		echo "dev -> $t: $status $output"
		_host_dev_unchanged
		assert_nothing_left
	done
}

@test "a /dev symlink to a host directory: nothing created or deleted there (image /dev, devices)" {
	is_runc && skip "runc 1.1.5 fails it: the host directory's ptmx is removed or replaced"
	_host_dev_dir
	_image_dev
	update_config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229},
		{"path": "/dev/null", "type": "c", "major": 1, "minor": 3}]'
	rm -rf "$BUNDLE/rootfs/dev"
	ln -sfn "$HOSTDEV" "$BUNDLE/rootfs/dev"
	run_ctr
	echo "$status $output"
	_host_dev_unchanged
	assert_nothing_left
}

# ---------------------------------------------------------------------------------------------------
# 7. Inheritable and ambient capabilities empty unless asked (CVE-2022-27650 class).

# _run_with_ambient: run the container with the runtime started with CAP_NET_RAW (0x2000) inheritable
# and ambient, as a caller that has them would start it. cat_status FIELD reads the container's view.
_run_with_ambient() {
	run setpriv --inh-caps +net_raw --ambient-caps +net_raw -- grep CapAmb /proc/self/status
	[[ "$output" == *0000000000002000* ]] || skip "setpriv cannot raise an ambient capability here"
	set_args sh -c 'cat /proc/self/status >/tmp/status'
	setpriv --inh-caps +net_raw --ambient-caps +net_raw -- "$BASH" -c "$(declare -f rt); $(declare -p RT_PRELOAD HUSK_RUNTIME ROOT BATS_TEST_TMPDIR); rt run --bundle '$BUNDLE' '$ID'" </dev/null 3>&-
}
cat_status() {
	sed -n "s/^$1:[[:space:]]*//p" "$BUNDLE/rootfs/tmp/status"
}

@test "capabilities: the caller's inheritable and ambient sets do not reach the container" {
	_run_with_ambient
	[ "$(cat_status CapInh)" = 0000000000000000 ]
	[ "$(cat_status CapAmb)" = 0000000000000000 ]
}

@test "capabilities: a config without process.capabilities gets none (as runc)" {
	update_config 'del(.process.capabilities)'
	_run_with_ambient
	local f
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		echo "$f $(cat_status $f)"
		[ "$(cat_status $f)" = 0000000000000000 ]
	done
}

@test "capabilities: a non-root process without ambient ones has no effective capabilities" {
	update_config '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities = {
		"bounding": ["CAP_NET_RAW", "CAP_KILL"], "effective": ["CAP_NET_RAW", "CAP_KILL"],
		"permitted": ["CAP_NET_RAW", "CAP_KILL"], "inheritable": [], "ambient": []}'
	set_args cat /proc/self/status
	run_ctr
	[ "$status" -eq 0 ]
	local f
	for f in CapInh CapPrm CapEff CapAmb; do
		[ "$(echo "$output" | sed -n "s/^$f:[[:space:]]*//p")" = 0000000000000000 ]
	done
	# Granted as ambient (with inheritable, as the kernel requires), it is effective.
	update_config '.process.capabilities.inheritable = ["CAP_NET_RAW"] | .process.capabilities.ambient = ["CAP_NET_RAW"]'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sed -n 's/^CapEff:[[:space:]]*//p')" = 0000000000002000 ]
}

# ---------------------------------------------------------------------------------------------------
# 8. In the *_no_openat2.bats rerun: the shim really is in the way.

@test "openat2 made unavailable: the fallback resolver is what ran" {
	[ -n "${HUSK_NO_OPENAT2:-}" ] || skip "only in defences_no_openat2.bats"
	is_runc && skip "runc does not call openat2 through libc"
	[ -f "$HUSK_TOOLS_DIR/no_openat2.so" ]
	update_config '.linux.maskedPaths = ["/proc/timer_list"] | .linux.readonlyPaths = ["/proc/sys"]'
	run_ctr
	[ "$status" -eq 0 ]
	[ -s "$BATS_TEST_TMPDIR/no_openat2.log" ]
}
