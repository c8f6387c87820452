#!/usr/bin/env bats
# husk exec (-e -u -w -d -i -t --privileged, exit codes, a stopped or paused container), husk top,
# husk pause/unpause (a counting process stops counting; stop of a paused container).
# Containers run from a plain busybox directory (--rootfs), as in husk_run.bats.

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine

setup() {
	husk_setup
	CG_PARENT="/husktest-exec-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	RFS="$BATS_TEST_TMPDIR/rootfs"
	cp -a "$(_rootfs_template)" "$RFS"
	printf 'root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000:Web:/home/web:/bin/sh\n' >"$RFS/etc/passwd"
	printf 'root:x:0:\nweb:x:1000:\nwheel:x:10:web\n' >"$RFS/etc/group"
	mkdir -p "$RFS/home/web" "$RFS/work"
	export CG_PARENT RFS
}

teardown() {
	engine_cleanup
}

# In the test VM (cgroup v2 only, qemu TCG: slow, and its timing is not a terminal's) only what
# depends on the cgroup version runs: joining the container's cgroup, top from cgroup.procs, the
# freezer. The rest runs on the host.
host_only() {
	[ "$(hostname)" != husk-vm ] || skip "not cgroup-v2 specific: run on the host"
}

# A running container named $1 whose init waits (and exits 0 on SIGTERM); extra options before it.
start_ctr() {
	local name="$1"
	shift
	hk run -d --name "$name" --cgroup-parent "$CG_PARENT" -e FROM_CTR=yes -e SHADOWED=ctr "$@" --rootfs "$RFS" \
		sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' >/dev/null
}

@test "husk exec: output, the container's env with -e over it, -u resolved in the container, -w" {
	host_only
	start_ctr c1
	run hk exec c1 sh -c 'echo "$FROM_CTR $SHADOWED"; id -u; pwd'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "yes ctr" ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = / ]
	# -e replaces the container's value (not a second entry that getenv would not see), -e KEY takes ours.
	OURS=fromhost run hk exec -e SHADOWED=exec -e NEW=1 -e OURS -e UNSET_HERE c1 sh -c 'echo "$SHADOWED $NEW $OURS"; env | grep -c ^SHADOWED=; env | grep -c ^UNSET_HERE || true'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "exec 1 fromhost" ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = 0 ]
	# The user's own groups from the container's /etc/group, not the container user's.
	run hk exec -u web -w /work c1 sh -c 'id; pwd'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "uid=1000(web) gid=1000(web) groups=10(wheel)" ]
	[ "${lines[1]}" = /work ]
	# and the container's --group-add groups with them, as Docker
	start_ctr c2 --group-add 4242 --group-add web
	run hk exec -u web c2 awk '/^Groups:/ { $1 = ""; print }' /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = " 10 1000 4242" ] # (the kernel sorts them)
	run hk exec -u 4242:4243 c1 id -u
	[ "$status" -eq 0 ]
	[ "$output" = 4242 ]
	run hk exec -u nosuchuser c1 id
	[ "$status" -eq 125 ]
	[[ "$output" == *nosuchuser* ]]
	# --env-file entries, then -e over them
	printf '# comment\nFILE1=a\nSHADOWED=file\n\nFILE2=b c\n' >"$BATS_TEST_TMPDIR/env"
	run hk exec --env-file "$BATS_TEST_TMPDIR/env" -e FILE2=e c1 sh -c 'echo "$FILE1|$SHADOWED|$FILE2"'
	[ "$status" -eq 0 ]
	[ "$output" = "a|file|e" ]
	run -125 hk exec --env-file "$BATS_TEST_TMPDIR/nosuchfile" c1 true
	[[ "$output" == *"--env-file"*nosuchfile* ]]
	run hk exec -w relative c1 pwd
	[ "$status" -eq 125 ]
	[[ "$output" == *"needs to be an absolute path"* ]]
}

@test "husk exec: the container's namespaces, cgroup and confinement; --privileged adds every capability" {
	start_ctr c1
	# Its pid namespace: PID 1 is the container's init, and ps sees only the container.
	run hk exec c1 ps -o pid,args
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"1 sh -c trap"* ]]
	[ "${#lines[@]}" -le 5 ]
	run hk exec c1 hostname
	[ "$status" -eq 0 ]
	local id
	id="$(hk ps -q --no-trunc)"
	[ "$output" = "${id:0:12}" ]
	# Same namespaces as the init (mnt, net, uts, ipc, pid).
	local ns
	for ns in mnt net uts ipc pid; do
		run hk exec c1 readlink /proc/self/ns/$ns
		[ "$status" -eq 0 ]
		local want
		want="$(hk exec c1 readlink /proc/1/ns/$ns)"
		[ "$output" = "$want" ]
	done
	# Its cgroup: the init's, in every hierarchy (as the container sees it: on a cgroup v2 only host it
	# has a cgroup namespace of its own, where both read 0::/), and below CG_PARENT as the host sees it.
	local init_cg
	init_cg="$(hk exec c1 cat /proc/1/cgroup)"
	run hk exec c1 cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "$init_cg" ]
	hk exec -d c1 sleep 5
	run hk top c1 -eo pid,args
	local p
	p="$(awk '$2 == "sleep" && $3 == 5 { print $1 }' <<<"$output")"
	[ -n "$p" ]
	grep -q "$CG_PARENT/" /proc/$p/cgroup
	# Docker's 14 capabilities and its seccomp filter, as the init; --privileged: all we have.
	local init_caps
	init_caps="$(hk exec c1 awk '/^CapEff/ { print $2 }' /proc/1/status)"
	run hk exec c1 awk '/^CapEff/ { print $2 }' /proc/self/status
	[ "$output" = "$init_caps" ]
	[ "$output" = 00000000a80425fb ]
	run hk exec c1 awk '/^Seccomp:/ { print $2 }' /proc/self/status
	[ "$output" = 2 ]
	run hk exec --privileged c1 awk '/^CapEff/ { print $2 }' /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "$(awk '/^CapBnd/ { print $2 }' /proc/self/status)" ]
}

@test "husk exec: exit codes (the process's, 126, 127), a stopped container, a missing one" {
	host_only
	start_ctr c1
	run hk exec c1 sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run -127 hk exec c1 nosuchcmd
	[[ "$output" == *'"nosuchcmd": executable file not found'* ]]
	run -127 hk exec c1 /bin/nosuchcmd
	run -126 hk exec c1 /etc/passwd
	[[ "$output" == *'/etc/passwd'* ]]
	run -1 hk exec nosuchctr true
	[[ "$output" == *"no such container"* ]]
	run -125 hk exec c1
	hk stop c1 >/dev/null
	local id
	id="$(hk ps -aq --no-trunc)"
	run -1 hk exec c1 true
	[ "$output" = "husk: container $id is not running" ]
	# created, never started: not running either
	hk create --name c2 --cgroup-parent "$CG_PARENT" --rootfs "$RFS" sleep 10 >/dev/null
	run -1 hk exec c2 true
	[[ "$output" == *"is not running"* ]]
}

@test "husk exec -i: stdin piped through; without -i the process reads nothing" {
	host_only
	start_ctr c1
	run bash -c "printf 'one\ntwo\n' | '$HUSK' --storage-root '$HUSK_STORE' --root '$ROOT' exec -i c1 wc -l"
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	run bash -c "printf 'one\ntwo\n' | '$HUSK' --storage-root '$HUSK_STORE' --root '$ROOT' exec c1 wc -l"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	# stdout and stderr apart, as the process wrote them
	run --separate-stderr hk exec c1 sh -c 'echo out; echo err >&2'
	[ "$output" = out ]
	[ "$stderr" = err ]
}

@test "husk exec -d: returns at once, the process runs on with its output discarded" {
	host_only
	start_ctr c1
	run hk exec -d c1 sh -c 'echo lost; echo lost >&2; sleep 2; echo done >/tmp/marker'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# back before the process is done (not a time limit: the test VM emulates its CPU)
	[ ! -e "$RFS/tmp/marker" ]
	# running meanwhile, in the container
	run hk exec c1 ps -o args
	[[ "$output" == *"sleep 2"* ]]
	local i
	for i in $(seq 50); do
		[ -e "$RFS/tmp/marker" ] && break
		sleep 0.1
	done
	[ "$(cat "$RFS/tmp/marker")" = done ]
	# nothing of it went to the container's log either
	run hk logs c1
	[[ "$output" != *lost* ]]
	run -125 hk exec -d -t c1 true
}

# hks ARGS...: husk in a shell line (for script -c), with the test's store and root.
hks() {
	echo "'$HUSK' --storage-root '$HUSK_STORE' --root '$ROOT' $*"
}

@test "husk exec -t: a pty of its size from the start (under script), the exit code, signals forwarded" {
	host_only
	start_ctr c1
	run script -qec "stty rows 33 cols 77; $(hks exec -it c1 sh -c "'tty; stty size; exit 3'")" /dev/null </dev/null
	[ "$status" -eq 3 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *"33 77"* ]]
	# the pty is its controlling terminal, in a session of its own
	run script -qec "$(hks exec -t c1 sh -c "'ps -o pid,tty,args'")" /dev/null </dev/null
	[ "$status" -eq 0 ]
	# (busybox's ps writes a pty as MAJOR,MINOR: 136-143 are the Unix 98 ptys)
	[[ "$output" =~ 1(3[6-9]|4[0-3]),[0-9]+\ +\{ps\}\ sh\ -c\ ps ]]
	# a signal to husk goes to the process (Docker's sig-proxy)
	run script -qec "timeout --preserve-status -s TERM 2 $(hks exec -t c1 sh -c "'trap \"echo got TERM; exit 5\" TERM; while :; do sleep 0.1; done'")" /dev/null </dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == *"got TERM"* ]]
	# without -t the process has no terminal
	run script -qec "$(hks exec c1 tty)" /dev/null </dev/null
	[[ "$output" == *"not a tty"* ]]
}

@test "husk exec -it: the detach keys leave the process running with its pty held; --detach-keys" {
	host_only
	start_ctr c1
	# ctrl-p ctrl-q after a command: husk exits 0, the shell runs on (its terminal kept open)
	run bash -c "(sleep 1; printf 'echo in-shell\r'; sleep 0.5; printf '\020\021'; sleep 0.5) | script -qec \"$(hks exec -it c1 sh)\" /dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"in-shell"* ]]
	run hk top c1 -o tty,args
	[[ "$output" == *"pts/"*" sh"* ]]
	# a sequence of our own; the default ones then pass through as keys
	run bash -c "(sleep 1; printf 'echo \020\021 passed\r'; sleep 0.5; printf '\030x'; sleep 0.5) | script -qec \"$(hks exec -it --detach-keys ctrl-x,x c1 sh)\" /dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"passed"* ]]
	run -125 hk exec -it --detach-keys ctrl-ä c1 true
	[[ "$output" == *"--detach-keys"* ]]
	# stop ends the shells, and the keepers of their terminals with them
	hk stop c1 >/dev/null
	local i
	for i in $(seq 50); do
		pgrep -f -- "--storage-root $HUSK_STORE .*exec -it" >/dev/null || break
		sleep 0.1
	done
	! pgrep -f -- "--storage-root $HUSK_STORE .*exec -it"
}

@test "husk top: Docker's ps -ef columns for the container's cgroup only, from /proc; -eo and aux" {
	start_ctr c1
	hk exec -d c1 sleep 123
	run hk top c1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD$ ]]
	# Docker's layout: columns 20 wide
	[ "${lines[0]:0:20}" = "UID                 " ]
	# the init (host pid as inspect shows it) and the exec'd sleep, nothing else
	local pid
	pid="$(hk inspect c1 | jq -r '.[0].State.Pid')"
	[[ "$output" == *"root"*" $pid "*"sh -c trap"* ]] || [[ "$output" == *" $pid"*"sh -c trap"* ]]
	[[ "$output" == *"sleep 123"* ]]
	[ "${#lines[@]}" -ge 3 ]
	[ "${#lines[@]}" -le 4 ] # the init, sleep 123, and perhaps its sleep 0.1 of the moment
	# every pid listed is in the container's cgroup (the host's view of its pids)
	local p
	for p in $(hk top c1 -eo pid | tail -n +2); do
		# (a `sleep 0.1` of the init's loop may have ended since)
		grep -q "$CG_PARENT/" /proc/$p/cgroup 2>/dev/null || [ ! -e /proc/$p ]
	done
	run hk top c1 -eo pid,comm
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^PID\ +COMMAND$ ]]
	[[ "$output" == *" sleep"* ]]
	run hk top c1 -o pid,user=WHO,stat
	[[ "${lines[0]}" =~ ^PID\ +WHO\ +STAT$ ]]
	run hk top c1 aux
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^USER\ +PID\ +%CPU\ +%MEM\ +VSZ\ +RSS\ +TTY\ +STAT\ +START\ +TIME\ +COMMAND$ ]]
	# what ps options are not supported is said
	run -125 hk top c1 -L
	[[ "$output" == *'"-L"'*"not supported"* ]]
	run -125 hk top c1 -o pid,wchan
	[[ "$output" == *wchan* ]]
	hk stop c1 >/dev/null
	run -1 hk top c1
	[[ "$output" == *"is not running"* ]]
}

@test "husk pause/unpause: a counting process stops counting; ps and inspect show paused; exec refused" {
	start_ctr c1
	# (the count renamed into place: a read never sees the file truncated)
	hk exec -d c1 sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.05; done'
	local i
	for i in $(seq 100); do
		[ -s "$RFS/tmp/count" ] && break
		sleep 0.1
	done
	run hk pause c1
	[ "$status" -eq 0 ]
	[ "$output" = c1 ]
	local a b c
	a="$(cat "$RFS/tmp/count")"
	sleep 1
	b="$(cat "$RFS/tmp/count")"
	[ "$a" = "$b" ]
	run hk ps --format '{{.State}} {{.Status}}'
	[ "$output" = "paused Up Less than a second (Paused)" ] || [[ "$output" == "paused Up "*"(Paused)" ]]
	run hk inspect c1
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = paused ]
	[ "$(jq -r '.[0].State.Paused' <<<"$output")" = true ]
	[ "$(jq -r '.[0].State.Running' <<<"$output")" = true ]
	local id
	id="$(hk ps -q --no-trunc)"
	run -1 hk exec c1 true
	[ "$output" = "husk: Container $id is paused, unpause the container before exec" ]
	run -1 hk pause c1
	[ "$output" = "husk: Container $id is already paused" ]
	run hk unpause c1
	[ "$status" -eq 0 ]
	[ "$output" = c1 ]
	for i in $(seq 50); do
		c="$(cat "$RFS/tmp/count")"
		[ "$c" -gt "$b" ] && break
		sleep 0.1
	done
	[ "$c" -gt "$b" ]
	run -1 hk unpause c1
	[ "$output" = "husk: Container $id is not paused" ]
	run hk inspect c1
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = running ]
	[ "$(jq -r '.[0].State.Paused' <<<"$output")" = false ]
	hk stop c1 >/dev/null
	run -1 hk pause c1
	[ "$output" = "husk: Container $id is not running" ]
}

@test "husk stop of a paused container: thawed, it acts on its stop signal; kill too" {
	start_ctr c1
	hk pause c1
	local t0 t1
	t0=$(date +%s)
	run hk stop -t 20 c1
	t1=$(date +%s)
	[ "$status" -eq 0 ]
	# it exited of SIGTERM itself (trap: exit 0), long before the 20 s SIGKILL
	[ $((t1 - t0)) -lt 15 ]
	run hk inspect c1
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = exited ]
	[ "$(jq -r '.[0].State.ExitCode' <<<"$output")" = 0 ]
	[ "$(jq -r '.[0].State.Paused' <<<"$output")" = false ]
	# started again it is not paused; kill of a paused one (SIGKILL) ends it too
	hk start c1 >/dev/null
	run hk inspect c1
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = running ]
	hk pause c1
	run hk kill c1
	[ "$status" -eq 0 ]
	run hk wait c1
	[ "$output" = 137 ]
	run hk rm c1
	[ "$status" -eq 0 ]
	# rm -f of a paused one: killed, thawed, released
	start_ctr c2
	hk pause c2
	run hk rm -f c2
	[ "$status" -eq 0 ]
	engine_assert_nothing_left
}
