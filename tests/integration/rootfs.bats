#!/usr/bin/env bats
# The root filesystem: mounts, symlinked destinations, /dev, masked and read-only paths, read-only
# root, sysctls.

load helpers

@test "bind mount read-only" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	echo payload >"$BATS_TEST_TMPDIR/data/file"
	add_bind "$BATS_TEST_TMPDIR/data" /data '["bind", "ro"]'
	set_args sh -c 'cat /data/file; touch /data/new 2>&1 && echo WRITABLE; grep " /data " /proc/self/mountinfo'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = payload ]
	[[ "$output" != *WRITABLE* ]]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/data/new" ]
}

@test "bind mount read-write, of a file, with nosuid,nodev,noexec" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	echo one >"$BATS_TEST_TMPDIR/single"
	add_bind "$BATS_TEST_TMPDIR/data" /data '["rbind", "rw", "nosuid", "nodev", "noexec"]'
	add_bind "$BATS_TEST_TMPDIR/single" /etc/single '["bind"]'
	set_args sh -c 'echo written > /data/new; cat /etc/single; grep " /data " /proc/self/mountinfo'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/data/new")" = written ]
	[ "${lines[0]}" = one ]
	[[ "${lines[1]}" == *nosuid* && "${lines[1]}" == *nodev* && "${lines[1]}" == *noexec* ]]
}

@test "tmpfs with size and mode" {
	update_config '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m", "mode=700"]}]'
	set_args sh -c 'grep " /scratch " /proc/mounts; stat -c %a /scratch; dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>&1; echo dd=$?'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"tmpfs /scratch tmpfs"*size=1024k* ]]
	[ "${lines[1]}" = 700 ]
	[[ "$output" == *"dd=1"* ]]
}

@test "mount destination behind an absolute symlink pointing outside stays inside the rootfs" {
	outside="$BATS_TEST_TMPDIR/outside"
	mkdir -p "$outside" "$BATS_TEST_TMPDIR/data"
	echo payload >"$BATS_TEST_TMPDIR/data/file"
	ln -s "$outside" "$BUNDLE/rootfs/escape"
	add_bind "$BATS_TEST_TMPDIR/data" /escape/sub '["bind"]'
	set_args cat /escape/sub/file
	run_ctr
	echo "$output"
	# Whether the runtime refuses or resolves the link inside the root, nothing lands on the host.
	[ ! -e "$outside/sub" ]
	[ -z "$(ls -A "$outside")" ]
	if [ "$status" -eq 0 ]; then
		[ "$output" = payload ]
		[ -d "$BUNDLE/rootfs$outside/sub" ]
	fi
}

@test "mount destination behind a relative symlink climbing out stays inside the rootfs" {
	outside="$BATS_TEST_TMPDIR/outside2"
	mkdir -p "$outside"
	ln -s ../../../../../../../../../../"$outside" "$BUNDLE/rootfs/up"
	update_config '.mounts += [{"destination": "/up/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}]'
	set_args sh -c 'touch /up/tmp/marker && echo ok'
	run_ctr
	echo "$output"
	[ ! -e "$outside/tmp" ]
	[ -z "$(ls -A "$outside")" ]
	if [ "$status" -eq 0 ]; then
		[ "$output" = ok ]
	fi
}

@test "a file bind-mounted over a symlink destination does not follow it out" {
	echo host-secret >"$BATS_TEST_TMPDIR/victim"
	echo replacement >"$BATS_TEST_TMPDIR/src"
	ln -s "$BATS_TEST_TMPDIR/victim" "$BUNDLE/rootfs/etc/link"
	add_bind "$BATS_TEST_TMPDIR/src" /etc/link '["bind"]'
	set_args sh -c 'echo overwritten > /etc/link 2>/dev/null; true'
	run_ctr
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = host-secret ]
}

@test "/dev has the default devices, /dev/fd, /dev/std*, /dev/pts/ptmx and /dev/shm" {
	set_args sh -c '
		for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo "chr $d $(stat -c "%t:%T" /dev/$d)"; done
		echo "fd $(readlink /dev/fd) $(readlink /dev/stdin) $(readlink /dev/stdout) $(readlink /dev/stderr)"
		[ -c /dev/pts/ptmx ] && echo pts-ptmx
		[ -e /dev/ptmx ] && echo ptmx
		grep -q " /dev/shm " /proc/mounts && echo shm-mounted
		grep -q " /dev/pts devpts" /proc/mounts && echo pts-mounted
		echo x > /dev/null && echo null-writable
		head -c 4 /dev/zero | wc -c
		echo x 2>&1 > /dev/full || echo full-fails
		echo shm > /dev/shm/f && cat /dev/shm/f
		ls /dev'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	for d in "null 1:3" "zero 1:5" "full 1:7" "random 1:8" "urandom 1:9" "tty 5:0"; do
		[[ "$output" == *"chr $d"* ]]
	done
	[[ "$output" == *"fd /proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2"* ]]
	for w in pts-ptmx ptmx shm-mounted pts-mounted null-writable full-fails; do
		[[ "$output" == *"$w"* ]]
	done
	[[ "$output" == *$'\n'4$'\n'* ]]
	[[ "$output" == *$'\n'shm$'\n'* ]]
	# Nothing of the host's /dev (no disks).
	[[ "$output" != *vda* && "$output" != *sda* ]]
}

@test "stdio on a read-only /dev/null becomes the container's /dev/null, writable" {
	# containerd's shim (ctr run --null-io) hands the runtime its /dev/null opened O_RDONLY as stdin,
	# stdout and stderr; runc reopens such fds on the container's /dev/null read-write.
	set_args sh -c '
		echo out; echo "stdout=$?" >/result
		echo err >&2; echo "stderr=$?" >>/result
		[ "$(stat -L -c %d:%i /proc/$$/fd/1)" = "$(stat -c %d:%i /dev/null)" ] && echo same-null >>/result
		echo done >>/result'
	rt create --bundle "$BUNDLE" "$ID" 0</dev/null 1</dev/null 2</dev/null 3>&-
	rt start "$ID"
	wait_for_file "$BUNDLE/rootfs/result"
	wait_for_status stopped
	cat "$BUNDLE/rootfs/result"
	[ "$(cat "$BUNDLE/rootfs/result")" = $'stdout=0\nstderr=0\nsame-null\ndone' ]
}

@test "linux.devices entries are created with their type, numbers, mode and owner" {
	update_config '.linux.devices = [{"path": "/dev/husknull", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 7, "gid": 8}]'
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
	set_args sh -c 'stat -c "%F %t:%T %a %u %g" /dev/husknull; echo x > /dev/husknull && echo writable'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3 666 7 8" ]
	[ "${lines[1]}" = writable ]
}

@test "maskedPaths: files read empty, directories are empty" {
	mkdir -p "$BUNDLE/rootfs/secretdir"
	echo secret >"$BUNDLE/rootfs/secretdir/inner"
	echo secret >"$BUNDLE/rootfs/etc/secret"
	update_config '.linux.maskedPaths += ["/etc/secret", "/secretdir", "/does/not/exist"]'
	set_args sh -c 'echo "file:$(cat /etc/secret)"; echo "dir:$(ls -A /secretdir)"; echo "timer_list:$(head -c 10 /proc/timer_list | wc -c)"'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "file:" ]
	[ "${lines[1]}" = "dir:" ]
	# /proc/timer_list is in the default maskedPaths and has content on the host.
	[ "$(head -c 10 /proc/timer_list | wc -c)" -eq 10 ]
	[ "${lines[2]}" = "timer_list:0" ]
	# Masking is a mount, not a change to the rootfs.
	[ "$(cat "$BUNDLE/rootfs/etc/secret")" = secret ]
}

@test "readonlyPaths: read-only inside, writable elsewhere" {
	mkdir -p "$BUNDLE/rootfs/rodir"
	update_config '.linux.readonlyPaths += ["/rodir"]'
	set_args sh -c 'touch /rodir/x 2>/dev/null && echo RODIR-WRITABLE; echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo PROCSYS-WRITABLE; touch /tmp/ok && echo tmp-writable'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *RODIR-WRITABLE* ]]
	[[ "$output" != *PROCSYS-WRITABLE* ]]
	[[ "$output" == *tmp-writable* ]]
}

@test "readonly root" {
	update_config '.root.readonly = true'
	set_args sh -c 'touch /x 2>&1; echo rc=$?; grep " / " /proc/self/mountinfo | head -1; echo ok > /dev/shm/y && cat /dev/shm/y'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *rc=1* ]]
	[[ "${lines[2]}" == *" / "*ro,* || "${lines[2]}" == *" / "*" ro"* ]]
	[ "${lines[3]}" = ok ]
	[ ! -e "$BUNDLE/rootfs/x" ]
}

@test "sysctl in the container's network namespace" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "net.ipv4.ping_group_range": "0 0"}'
	set_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ping_group_range'
	host_forward="$(cat /proc/sys/net/ipv4/ip_forward)"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "$(echo "${lines[1]}" | tr -s '\t ' ' ')" = "0 0" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_forward" ]
}

@test "a host-wide sysctl is refused" {
	update_config '.linux.sysctl = {"vm.swappiness": "10"}'
	before="$(cat /proc/sys/vm/swappiness)"
	ctr_create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ "$(cat /proc/sys/vm/swappiness)" = "$before" ]
	assert_nothing_left
}

@test "proc, sysfs, mqueue and cgroup mounts" {
	update_config '.mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
	set_args sh -c 'awk "{ print \$2, \$3 }" /proc/mounts'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/proc proc"* ]]
	[[ "$output" == *"/sys sysfs"* ]]
	[[ "$output" == *"/dev/mqueue mqueue"* ]]
	[[ "$output" == *"/sys/fs/cgroup"* ]]
}

@test "rootfsPropagation private: mounts made inside do not reach the host" {
	update_config '.linux.rootfsPropagation = "private"'
	set_args true
	before="$(wc -l </proc/self/mountinfo)"
	run_ctr
	[ "$status" -eq 0 ]
	[ "$(wc -l </proc/self/mountinfo)" = "$before" ]
}

@test "--no-pivot runs the container with chroot" {
	set_args sh -c 'echo in-root; ls /'
	run_ctr --no-pivot
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = in-root ]
	[[ "$output" == *bin* ]]
}
