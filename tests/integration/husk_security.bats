#!/usr/bin/env bats
# The security and namespace options of husk run/create as a user types them: --cap-add/--cap-drop,
# --privileged, --security-opt (seccomp, no-new-privileges, apparmor, systempaths, mask/unmask),
# --device, --device-cgroup-rule, --read-only, --group-add, --sysctl, --shm-size, --pid, --ipc, --uts,
# --cgroupns, --userns, --init; bad values named with exit 125 and no container left.
# Containers run from a plain busybox directory (--rootfs), as in husk_run.bats; --userns from an
# imported busybox image (its layers are idmapped).

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine
load image

setup() {
	engine_setup sec
	printf 'root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000:Web:/home/web:/bin/sh\n' >"$RFS/etc/passwd"
	printf 'root:x:0:\nweb:x:1000:\nwheel:x:10:\naudio:x:29:\n' >"$RFS/etc/group"
	# Applets these tests use beyond the template's.
	local a
	for a in unshare stat mknod ps df id head; do
		[ -e "$RFS/bin/$a" ] || ln -s busybox "$RFS/bin/$a"
	done
}

teardown() {
	engine_cleanup
}

# cap_field OUTPUT FIELD: the hex value of CapBnd:/CapEff: in a /proc/PID/status text.
cap_field() {
	awk -v f="$2:" '$1 == f { print $2 }' <<<"$1"
}

# ns_of NS: this shell's namespace of that kind ("pid:[4026531836]").
ns_of() {
	readlink "/proc/self/ns/$1"
}

@test "husk run --cap-add/--cap-drop/--privileged: the capability sets" {
	run hkr --rm "$RFS" grep Cap /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(cap_field "$output" CapBnd)" = 00000000a80425fb ]
	# NET_ADMIN (bit 12) added, CHOWN (bit 0) dropped; names with and without CAP_, any case.
	run hkr --rm --cap-add net_admin --cap-drop CAP_CHOWN "$RFS" grep Cap /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(cap_field "$output" CapBnd)" = 00000000a80435fa ]
	[ "$(cap_field "$output" CapEff)" = 00000000a80435fa ]
	run hkr --rm --cap-drop ALL "$RFS" grep Cap /proc/self/status
	[ "$(cap_field "$output" CapBnd)" = 0000000000000000 ]
	[ "$(cap_field "$output" CapPrm)" = 0000000000000000 ]
	run hkr --rm --cap-drop ALL --cap-add KILL "$RFS" grep CapBnd /proc/self/status
	[ "$(cap_field "$output" CapBnd)" = 0000000000000020 ]
	# --privileged and --cap-add ALL: every capability we hold ourselves.
	local ours
	ours="$(cap_field "$(cat /proc/self/status)" CapBnd)"
	run hkr --rm --privileged "$RFS" grep Cap /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(cap_field "$output" CapBnd)" = "$ours" ]
	[ "$(cap_field "$output" CapEff)" = "$ours" ]
	run hkr --rm --cap-add ALL --cap-drop NET_RAW "$RFS" grep CapBnd /proc/self/status
	[ "$(cap_field "$output" CapBnd)" = "$(printf '%016x' $((0x$ours & ~(1 << 13))))" ]
	local id
	id="$(hk create --cap-add net_admin --cap-drop chown --rootfs "$RFS" true)"
	run hk inspect "$id"
	[ "$(jq -c '.[0].HostConfig | [.CapAdd, .CapDrop, .Privileged]' <<<"$output")" = '[["CAP_NET_ADMIN"],["CAP_CHOWN"],false]' ]
	hk rm "$id"
}

@test "husk run --privileged: no seccomp, no masked paths, rw /sys, the host's devices, all devices allowed" {
	run hkr --rm --privileged "$RFS" sh -c 'grep Seccomp: /proc/self/status; grep -c " /proc/" /proc/self/mountinfo; grep " /sys " /proc/self/mountinfo; ls /dev'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Seccomp:	0" ]
	[ "${lines[1]}" = 0 ]
	[[ "${lines[2]}" == *" rw,"* ]]
	local d
	for d in /dev/loop-control /dev/kmsg /dev/null; do
		[ -e "$d" ] || continue
		[[ " ${lines[*]} " == *" ${d#/dev/} "* ]]
	done
	run hkr --rm "$RFS" sh -c 'grep Seccomp: /proc/self/status; grep " /sys " /proc/self/mountinfo; ls /dev'
	[ "${lines[0]}" = "Seccomp:	2" ]
	[[ "${lines[1]}" == *" ro,"* ]]
	[[ "$output" != *"kmsg"* ]]
}

@test "husk run --security-opt seccomp=unconfined|FILE, the profile resolved for --cap-add" {
	# husk's default profile refuses unshare(CLONE_NEWUSER) without CAP_SYS_ADMIN.
	run hkr --rm "$RFS" unshare -U true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run hkr --rm --security-opt seccomp=unconfined "$RFS" sh -c 'grep Seccomp: /proc/self/status; unshare -U true && echo unshared'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Seccomp:	0" ]
	[ "${lines[1]}" = unshared ]
	# With CAP_SYS_ADMIN the default profile (resolved for the container's capabilities, as Docker)
	# allows it.
	run hkr --rm --cap-add SYS_ADMIN "$RFS" sh -c 'grep Seccomp: /proc/self/status; unshare -U true && echo unshared'
	[ "${lines[0]}" = "Seccomp:	2" ]
	[ "${lines[1]}" = unshared ]
	# A Docker-format profile from a file, kept in the record (the file may go after create).
	cat >"$BATS_TEST_TMPDIR/profile.json" <<-'EOF'
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
	EOF
	local id
	id="$(hk create --cgroup-parent "$CG_PARENT" --security-opt "seccomp=$BATS_TEST_TMPDIR/profile.json" --rootfs "$RFS" sh -c 'mkdir /newdir; echo rc=$?; touch /newfile && echo touched')"
	rm "$BATS_TEST_TMPDIR/profile.json"
	run hk start -a "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"touched"* ]]
	run hk inspect "$id"
	[[ "$(jq -r '.[0].HostConfig.SecurityOpt[0]' <<<"$output")" == 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"'* ]]
	hk rm "$id"
	# A bad profile is named, and no container is made.
	printf '{"defaultAction": "SCMP_ACT_NOPE"}' >"$BATS_TEST_TMPDIR/bad.json"
	run hkr --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/bad.json" "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"bad.json"* ]]
	run hkr --rm --security-opt seccomp=/nonexistent/profile.json "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"/nonexistent/profile.json"* ]]
	engine_assert_nothing_left
}

@test "husk run --security-opt no-new-privileges, apparmor, label, systempaths=unconfined, mask, unmask" {
	run hkr --rm --security-opt no-new-privileges "$RFS" grep NoNewPrivs /proc/self/status
	[ "$output" = "NoNewPrivs:	1" ]
	run hkr --rm --security-opt no-new-privileges:true "$RFS" grep NoNewPrivs /proc/self/status
	[ "$output" = "NoNewPrivs:	1" ]
	run hkr --rm --security-opt no-new-privileges=false "$RFS" grep NoNewPrivs /proc/self/status
	[ "$output" = "NoNewPrivs:	0" ]
	run hkr --rm --security-opt systempaths=unconfined "$RFS" sh -c 'grep -c " /proc/" /proc/self/mountinfo; echo x >/proc/sysrq-trigger 2>&1 | grep -c Read-only'
	[ "${lines[0]}" = 0 ]
	run hkr --rm --security-opt mask=/etc/group "$RFS" sh -c 'wc -c </etc/group'
	[ "$output" = 0 ]
	run hkr --rm --security-opt unmask=/proc/keys "$RFS" sh -c 'grep -c " /proc/keys " /proc/self/mountinfo'
	[ "$output" = 0 ]
	# apparmor=unconfined and label=disable ask for nothing; a profile or label is handed to the
	# runtime, which refuses it on a host without that LSM (none is enabled here).
	run hkr --rm --security-opt apparmor=unconfined --security-opt label=disable "$RFS" true
	[ "$status" -eq 0 ]
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
		run hkr --rm --security-opt apparmor=husk-test "$RFS" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"apparmor"* ]]
	fi
	if [ ! -d /sys/fs/selinux ]; then
		run hkr --rm --security-opt label=type:container_t "$RFS" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"selinux"* ]] || [[ "$output" == *"SELinux"* ]]
	fi
	engine_assert_nothing_left
}

@test "husk run --read-only: the root is read-only, /dev, /dev/shm, /proc and the /etc files work" {
	run hkr --rm --read-only "$RFS" sh -c 'touch /x 2>&1; echo rc=$?; echo a >/dev/shm/a && echo shm-ok; cat /etc/hostname >/dev/null && echo etc-ok; echo > /dev/null && echo dev-ok; ls /proc/self >/dev/null && echo proc-ok'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"shm-ok"* ]]
	[[ "$output" == *"etc-ok"* ]]
	[[ "$output" == *"dev-ok"* ]]
	[[ "$output" == *"proc-ok"* ]]
	run hkr --rm "$RFS" sh -c 'touch /x && echo rw'
	[ "$output" = rw ]
}

@test "husk run --device, --device-cgroup-rule" {
	run hkr --rm --device /dev/null:/dev/mynull "$RFS" sh -c 'stat -c "%F %t:%T" /dev/mynull; echo hi >/dev/mynull && echo wrote'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3" ]
	[ "${lines[1]}" = wrote ]
	# Write-only in the devices cgroup (kmsg, 1:11, is not among the default devices): a read is
	# refused; with r it is allowed (reading the kernel log takes CAP_SYSLOG besides).
	run hkr --rm --cap-add SYSLOG --device /dev/kmsg:/dev/mykmsg:w "$RFS" sh -c 'head -c1 /dev/mykmsg >/dev/null && echo read'
	[[ "$output" != *read* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	run hkr --rm --cap-add SYSLOG --device /dev/kmsg:/dev/mykmsg:r "$RFS" sh -c 'head -c1 /dev/mykmsg >/dev/null && echo read'
	[ "$output" = read ]
	# A node made by the container itself needs a cgroup rule to be used.
	run hkr --rm --cap-add SYSLOG "$RFS" sh -c 'mknod /dev/k c 1 11 && head -c1 /dev/k >/dev/null && echo read'
	[[ "$output" != *read* ]]
	run hkr --rm --cap-add SYSLOG --device-cgroup-rule 'c 1:11 r' "$RFS" sh -c 'mknod /dev/k c 1 11 && head -c1 /dev/k >/dev/null && echo read'
	[ "$output" = read ]
	run hkr --rm --device /etc/passwd "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--device /etc/passwd: /etc/passwd is not a device node"* ]]
	run hkr --rm --device /dev/nonexistent-husk "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"/dev/nonexistent-husk"* ]]
	run hkr --rm --device /dev/null:relative "$RFS" true
	[ "$status" -eq 125 ]
	run hkr --rm --device-cgroup-rule 'x 1:3 rwm' "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid device cgroup format 'x 1:3 rwm'"* ]]
	engine_assert_nothing_left
}

@test "husk run --sysctl, --shm-size, --group-add" {
	run hkr --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=123456 --sysctl fs.mqueue.msg_max=20 "$RFS" sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 123456 ]
	[ "${lines[2]}" = 20 ]
	run hkr --rm --sysctl kernel.panic=1 "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"sysctl 'kernel.panic' is not allowed"* ]]
	run hkr --rm --network host --sysctl net.ipv4.ip_forward=1 "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"not allowed with --network host"* ]]
	run hkr --rm --ipc host --sysctl kernel.shmmax=1 "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"not allowed with --ipc host"* ]]
	run hkr --rm --shm-size 1m "$RFS" sh -c 'df -k /dev/shm | tail -1'
	[[ "$output" == *" 1024 "* ]]
	run hkr --rm "$RFS" sh -c 'df -k /dev/shm | tail -1'
	[[ "$output" == *" 65536 "* ]]
	run hkr --rm --shm-size lots "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'"lots" for "--shm-size"'* ]]
	run hkr --rm --group-add wheel --group-add 4321 -u web "$RFS" id -G
	[ "$status" -eq 0 ]
	[ "$output" = "1000 10 4321" ]
	run hkr --rm --group-add nosuchgroup "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"nosuchgroup"* ]]
	engine_assert_nothing_left
}

@test "husk run --pid, --ipc, --uts, --cgroupns: host, container:X, private" {
	run hkr --rm --pid host "$RFS" sh -c "readlink /proc/self/ns/pid; [ -d /proc/$$ ] && echo sees-us"
	[ "${lines[0]}" = "$(ns_of pid)" ]
	[ "${lines[1]}" = sees-us ]
	run hkr --rm "$RFS" sh -c "readlink /proc/self/ns/pid; [ -d /proc/$$ ] || echo private"
	[ "${lines[0]}" != "$(ns_of pid)" ]
	[ "${lines[1]}" = private ]
	run hkr --rm --uts host "$RFS" sh -c 'hostname; cat /etc/hostname; echo $HOSTNAME'
	[ "${lines[0]}" = "$(hostname)" ]
	[ "${lines[1]}" = "$(hostname)" ]
	[ "${lines[2]}" = "$(hostname)" ]
	run hkr --rm --uts host -h other "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"conflicting options: hostname and the UTS mode"* ]]
	run hkr --rm --ipc host "$RFS" readlink /proc/self/ns/ipc
	[ "$output" = "$(ns_of ipc)" ]
	run hkr --rm --cgroupns private "$RFS" readlink /proc/self/ns/cgroup
	[ "$output" != "$(ns_of cgroup)" ]
	run hkr --rm --cgroupns host "$RFS" readlink /proc/self/ns/cgroup
	[ "$output" = "$(ns_of cgroup)" ]
	# Another container's pid and ipc namespaces: its processes and its IPC sysctls are seen.
	hkr -d --name target --sysctl kernel.shmmax=7777 "$RFS" sleep 60
	run hkr --rm --pid container:target --ipc container:target "$RFS" sh -c 'ps -o comm; cat /proc/sys/kernel/shmmax'
	[ "$status" -eq 0 ]
	[[ "$output" == *"sleep"* ]]
	[ "${lines[-1]}" = 7777 ]
	run hkr --rm --pid container:nosuch "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--pid container:nosuch: no such container: nosuch"* ]]
	hk stop -t 0 target
	run hkr --rm --ipc container:target "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"not running"* ]]
	hk rm target
	engine_assert_nothing_left
}

@test "husk run --init: the built-in init is PID 1, reaps orphans, forwards signals, exits with the child's code" {
	run hkr --rm --init "$RFS" ps -o pid,args
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"1 /dev/init -- ps -o pid,args"* ]]
	run hkr --rm --init "$RFS" sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run hkr --rm --init "$RFS" sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	# An orphan (the subshell's sleep) is reparented to PID 1: husk-init reaps it; a plain sleep as
	# PID 1 leaves it a zombie.
	local id pid
	for init in --init ""; do
		# shellcheck disable=SC2086
		id="$(hkr -d $init "$RFS" sh -c '(sleep 0.2 &) ; exec sleep 30')"
		sleep 1
		pid="$(hk inspect "$id" | jq -r '.[0].State.Pid')"
		local zombies
		zombies="$(ps -o stat= --ppid "$pid" | grep -c Z || true)"
		if [ -n "$init" ]; then
			[ "$zombies" -eq 0 ]
		else
			[ "$zombies" -eq 1 ]
		fi
		hk rm -f "$id"
	done
	# SIGTERM from stop reaches the command, which a shell as PID 1 would not get without a trap.
	id="$(hkr -d --init "$RFS" sh -c 'trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done')"
	sleep 0.5
	hk stop -t 10 "$id"
	[ "$(hk inspect "$id" | jq -r '.[0].State.ExitCode')" = 7 ]
	run hk logs "$id"
	[[ "$output" == *got-term* ]]
	hk rm "$id"
	engine_assert_nothing_left
}

@test "husk run --userns auto: root inside is an unprivileged range outside, the image's files its own" {
	image_rootfs_tar "$BATS_TEST_TMPDIR/rootfs.tar"
	# The container's root reaches its directory by path: the directories above the store must be
	# searchable, as /var/lib is (bats makes its own 0700); a closed one is named.
	chmod o-x "$BATS_TEST_TMPDIR"
	hk import "$BATS_TEST_TMPDIR/rootfs.tar" bb:sec >/dev/null
	run hk run --rm --cgroup-parent "$CG_PARENT" --userns auto bb:sec true
	[ "$status" -eq 125 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR (above the store) is not searchable by others"* ]]
	local d="$BATS_TEST_TMPDIR"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d="$(dirname "$d")"
	done
	run hk run --rm --cgroup-parent "$CG_PARENT" --userns host bb:sec sh -c 'cat /proc/self/uid_map'
	[[ "$output" == *"0          0 4294967295"* ]]
	run hk run --rm --cgroup-parent "$CG_PARENT" --userns auto bb:sec sh -c 'id -u; read a b c </proc/self/uid_map; echo "$a $c"; stat -c "%u:%g" /etc/passwd /bin/busybox; echo x >>/etc/passwd && touch /new && stat -c "%u" /new'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = "0 65536" ]
	[ "${lines[2]}" = 0:0 ]
	[ "${lines[3]}" = 0:0 ]
	[ "${lines[4]}" = 0 ]
	# Outside: the init runs as the range's first id, not 0; the range is kept across a restart, and a
	# second container gets another.
	local a b pa pb host
	a="$(hk run -d --cgroup-parent "$CG_PARENT" --userns auto bb:sec sleep 60)"
	b="$(hk run -d --cgroup-parent "$CG_PARENT" --userns auto:size=1000 bb:sec sleep 60)"
	pa="$(hk inspect "$a" | jq -r '.[0].State.Pid')"
	pb="$(hk inspect "$b" | jq -r '.[0].State.Pid')"
	host="$(hk inspect "$a" | jq -r '.[0].HostConfig.IDMappings.UidMap[0]')"
	[[ "$host" == 0:*:65536 ]]
	host="${host#0:}"
	host="${host%:*}"
	[ "$host" -gt 65535 ]
	[ "$(ps -o uid= -p "$pa" | tr -d ' ')" = "$host" ]
	[ "$(ps -o uid= -p "$pb" | tr -d ' ')" != "$host" ]
	[ "$(ps -o uid= -p "$pb" | tr -d ' ')" -gt 65535 ]
	[[ "$(hk inspect "$b" | jq -r '.[0].HostConfig.IDMappings.GidMap[0]')" == *:1000 ]]
	hk stop -t 0 "$a" >/dev/null
	hk start "$a" >/dev/null
	pa="$(hk inspect "$a" | jq -r '.[0].State.Pid')"
	[ "$(ps -o uid= -p "$pa" | tr -d ' ')" = "$host" ]
	hk rm -f "$a" "$b" >/dev/null
	# A device in a user namespace (no mknod there: the host's node bound, also under another name).
	run hk run --rm --cgroup-parent "$CG_PARENT" --userns auto --device /dev/null:/dev/mynull bb:sec sh -c 'stat -c "%t:%T" /dev/mynull; echo x >/dev/mynull && echo wrote'
	[ "${lines[0]}" = 1:3 ]
	[ "${lines[1]}" = wrote ]
	# The image's layers are untouched: a container without a user namespace still sees them as 0.
	run hk run --rm --cgroup-parent "$CG_PARENT" bb:sec stat -c "%u" /etc/passwd
	[ "$output" = 0 ]
	run hkr --rm --userns auto "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--userns auto: not with --rootfs"* ]]
	# Refused at create: no record is left (without --rm too).
	run hkr -d --userns auto "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--userns auto: not with --rootfs"* ]]
	run hk ps -aq
	[ -z "$output" ]
	engine_assert_nothing_left
}

@test "husk run: bad security and namespace values are named, exit 125, no container left" {
	local bad
	for bad in "--cap-add NOPE" "--cap-drop CAP_NOPE" "--security-opt bogus" "--security-opt seccomp" \
		"--security-opt no-new-privileges:maybe" "--security-opt systempaths=open" "--pid nope" \
		"--ipc sideways" "--uts private2" "--cgroupns both" "--group-add a:b" "--sysctl novalue" \
		"--userns nope" "--userns auto:size=0"; do
		# shellcheck disable=SC2086
		run hkr --rm $bad "$RFS" true
		[ "$status" -eq 125 ] || { echo "$bad: $status $output"; return 1; }
		[[ "$output" == *"${bad#* }"* ]] || { echo "$bad: not named: $output"; return 1; }
	done
	run hk create --cap-add NOPE --rootfs "$RFS" true
	[ "$status" -eq 125 ]
	run hk ps -aq
	[ -z "$output" ]
	engine_assert_nothing_left
}
