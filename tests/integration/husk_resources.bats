#!/usr/bin/env bats
# The engine's resource options as a user types them (--memory ... --ulimit): the limits at work and
# read back from the container's cgroup (cgroup v1/hybrid and v2 file names), Docker's HostConfig keys
# in inspect, bad values refused with the flag named (125, no container left), `husk stats`, `husk update`.

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine

setup_file() {
	if [ "$(hostname)" = husk-vm ] && [ "${BATS_TEST_TIMEOUT:-0}" -lt 300 ]; then
		export BATS_TEST_TIMEOUT=300
	fi
}

setup() {
	engine_setup res
}

teardown() {
	engine_cleanup
}

# wait_log NAME TEXT: until the container's log has TEXT (60 s at most: the test VM is slow).
wait_log() {
	local _
	for _ in $(seq 600); do
		hk logs "$1" 2>&1 | grep -q "$2" && return 0
		sleep 0.1
	done
	echo "no \"$2\" in the log of $1"
	return 1
}

cgroup_v2() {
	[ -f /sys/fs/cgroup/cgroup.controllers ]
}

# cg_read ID V1_CONTROLLER V1_FILE V2_FILE: a file of the container's cgroup, read on the host.
cg_read() {
	if cgroup_v2; then
		cat "/sys/fs/cgroup$CG_PARENT/$1/$4"
	else
		cat "/sys/fs/cgroup/$2$CG_PARENT/$1/$3"
	fi
}

# A whole disk of this host (blkio throttling takes disks, not partitions): /dev/NAME.
block_disk() {
	local d n
	for d in /sys/block/*; do
		n="${d##*/}"
		case "$n" in loop* | ram* | zram* | dm-* | md* | sr*) continue ;; esac
		[ -b "/dev/$n" ] && { echo "/dev/$n"; return 0; }
	done
	return 1
}

@test "husk run -m: a process allocating past the limit is OOM-killed (137); the limit read back" {
	# tail keeps its line in memory, and /dev/zero has no newline.
	run hkr --rm -m 16m "$RFS" tail /dev/zero
	[ "$status" -eq 137 ]
	id="$(hkr -d -m 32m --memory-reservation 16m "$RFS" sleep 60)"
	run cg_read "$id" memory memory.limit_in_bytes memory.max
	[ "$output" = 33554432 ]
	run cg_read "$id" memory memory.soft_limit_in_bytes memory.low
	[ "$output" = 16777216 ]
	# Docker's keys: swap (memory plus swap) twice the memory by default, or -1 where the host
	# accounts no swap.
	run hk inspect "$id"
	[ "$(jq '.[0].HostConfig.Memory' <<<"$output")" = 33554432 ]
	[ "$(jq '.[0].HostConfig.MemoryReservation' <<<"$output")" = 16777216 ]
	swap="$(jq '.[0].HostConfig.MemorySwap' <<<"$output")"
	[ "$swap" = 67108864 ] || [ "$swap" = -1 ]
	if [ "$swap" = 67108864 ]; then
		run cg_read "$id" memory memory.memsw.limit_in_bytes memory.swap.max
		[ "$output" = 67108864 ] || [ "$output" = 33554432 ]
	fi
	hk rm -f "$id"
}

@test "husk run --memory-swap, --memory-swappiness, --oom-kill-disable: as Docker sets them" {
	run hkr --rm -m 32m --memory-swap -1 "$RFS" true
	[ "$status" -eq 0 ]
	id="$(hkr -d -m 32m --memory-swap 48m "$RFS" sleep 60)"
	run hk inspect "$id"
	swap="$(jq '.[0].HostConfig.MemorySwap' <<<"$output")"
	if [ "$swap" = 50331648 ]; then
		# v1 memsw is memory plus swap; v2's swap.max is the swap alone.
		run cg_read "$id" memory memory.memsw.limit_in_bytes memory.swap.max
		[ "$output" = 50331648 ] || [ "$output" = 16777216 ]
	else
		[ "$swap" = -1 ]
	fi
	hk rm -f "$id"
	if ! cgroup_v2; then
		id="$(hkr -d -m 32m --memory-swappiness 10 --oom-kill-disable "$RFS" sleep 60)"
		run cg_read "$id" memory memory.swappiness -
		[ "$output" = 10 ]
		run cg_read "$id" memory memory.oom_control -
		[[ "$output" == *"oom_kill_disable 1"* ]]
		run hk inspect "$id"
		[ "$(jq '.[0].HostConfig.OomKillDisable' <<<"$output")" = true ]
		[ "$(jq '.[0].HostConfig.MemorySwappiness' <<<"$output")" = 10 ]
		hk rm -f "$id"
	else
		# cgroup v2 has neither: Docker's warnings, and the values discarded.
		run hkr --rm -m 32m --memory-swappiness 10 --oom-kill-disable "$RFS" true
		[ "$status" -eq 0 ]
		[[ "$output" == *"Memory swappiness discarded"* ]]
		[[ "$output" == *"OomKillDisable discarded"* ]]
	fi
}

@test "husk run --pids-limit stops a fork bomb (bounded)" {
	# Sixty sleepers asked for in a subshell, twenty pids allowed: its fork fails and it gives up
	# (ash exits on a failed fork). Then only builtins, since no pid is left for another program.
	run hkr --rm --pids-limit 20 "$RFS" sh -c 'f=/sys/fs/cgroup/pids/pids.current; [ -e $f ] || f=/sys/fs/cgroup/pids.current
		(for i in $(seq 60); do sleep 30 & done) 2>/dev/null; read c <$f; echo "$c"; kill -9 -1; echo done'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -le 20 ]
	[ "${lines[0]}" -ge 15 ]
	[ "${lines[1]}" = done ]
	id="$(hkr -d --pids-limit 20 "$RFS" sleep 60)"
	run cg_read "$id" pids pids.max pids.max
	[ "$output" = 20 ]
	run hk inspect "$id"
	[ "$(jq '.[0].HostConfig.PidsLimit' <<<"$output")" = 20 ]
	hk rm -f "$id"
	# 0 and -1 are unlimited, null in inspect as Docker's.
	id="$(hkr -d --pids-limit -1 "$RFS" sleep 60)"
	run hk inspect "$id"
	[ "$(jq '.[0].HostConfig.PidsLimit' <<<"$output")" = null ]
	hk rm -f "$id"
}

@test "husk run --cpus, --cpu-shares, --cpu-period/--cpu-quota, --cpuset-cpus: the cgroup's values" {
	id="$(hkr -d --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 "$RFS" sleep 60)"
	if cgroup_v2; then
		[ "$(cg_read "$id" - - cpu.max)" = "50000 100000" ]
		# runc's shares to weight: 1 + (512 - 2) * 9999 / 262142
		[ "$(cg_read "$id" - - cpu.weight)" = 20 ]
		[ "$(cg_read "$id" - - cpuset.cpus)" = 0 ]
	else
		[ "$(cg_read "$id" cpu cpu.cfs_quota_us -)" = 50000 ]
		[ "$(cg_read "$id" cpu cpu.cfs_period_us -)" = 100000 ]
		[ "$(cg_read "$id" cpu cpu.shares -)" = 512 ]
		[ "$(cg_read "$id" cpuset cpuset.cpus -)" = 0 ]
	fi
	run hk inspect "$id"
	[ "$(jq '.[0].HostConfig.NanoCpus' <<<"$output")" = 500000000 ]
	[ "$(jq '.[0].HostConfig.CpuShares' <<<"$output")" = 512 ]
	[ "$(jq -r '.[0].HostConfig.CpusetCpus' <<<"$output")" = 0 ]
	hk rm -f "$id"
	run hkr --rm --cpu-period 50000 --cpu-quota 25000 "$RFS" sh -c \
		'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"'
	[ "$status" -eq 0 ]
	[ "$output" = "25000 50000" ]
}

@test "husk run --blkio-weight and device rates: the cgroup's values" {
	disk="$(block_disk)" || skip "no block device"
	majmin="$(cat "/sys/block/${disk#/dev/}/dev")"
	id="$(hkr -d --blkio-weight 300 --device-read-bps "$disk:1mb" --device-write-iops "$disk:100" "$RFS" sleep 60)"
	if cgroup_v2; then
		run cg_read "$id" - - io.max
		[[ "$output" == *"$majmin rbps=1048576 wbps=max riops=max wiops=100"* ]]
		w="$(cat "/sys/fs/cgroup$CG_PARENT/$id/io.bfq.weight" 2>/dev/null || cat "/sys/fs/cgroup$CG_PARENT/$id/io.weight")"
		[[ "$w" == *300* ]]
	else
		[ "$(cg_read "$id" blkio blkio.throttle.read_bps_device -)" = "$majmin 1048576" ]
		[ "$(cg_read "$id" blkio blkio.throttle.write_iops_device -)" = "$majmin 100" ]
		w="$(cat "/sys/fs/cgroup/blkio$CG_PARENT/$id/blkio.bfq.weight" 2>/dev/null ||
			cat "/sys/fs/cgroup/blkio$CG_PARENT/$id/blkio.weight")"
		[[ "$w" == *300* ]]
	fi
	run hk inspect "$id"
	[ "$(jq -c '.[0].HostConfig.BlkioDeviceReadBps' <<<"$output")" = "[{\"Path\":\"$disk\",\"Rate\":1048576}]" ]
	[ "$(jq -c '.[0].HostConfig.BlkioDeviceWriteIOps' <<<"$output")" = "[{\"Path\":\"$disk\",\"Rate\":100}]" ]
	[ "$(jq '.[0].HostConfig.BlkioWeight' <<<"$output")" = 300 ]
	hk rm -f "$id"
}

@test "husk run --ulimit: the limits inside; one the host cannot grant is refused with words" {
	run hkr --rm --ulimit nofile=1024:2048 --ulimit nproc=500 "$RFS" sh -c 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu'
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "1024 2048 500 500" ]
	# The last --ulimit of a name wins, as Docker's.
	run hkr --rm --ulimit nofile=100 --ulimit nofile=200:300 "$RFS" sh -c 'ulimit -n; ulimit -Hn'
	[ "${lines[*]}" = "200 300" ]
	nr_open="$(cat /proc/sys/fs/nr_open)"
	run hkr --rm --ulimit "nofile=1024:$((nr_open + 1))" "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--ulimit nofile"*"fs.nr_open ($nr_open)"* ]]
	# Without CAP_SYS_RESOURCE (this test host's root) a hard limit above ours cannot be set.
	capeff="$(awk '/^CapEff/ { print $2 }' /proc/self/status)"
	hard="$(ulimit -Hn)"
	if (((0x$capeff >> 24 & 1) == 0)) && [ "$hard" != unlimited ] && ((hard < nr_open)); then
		run hkr --rm --ulimit "nofile=1024:$((hard + 1))" "$RFS" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"--ulimit nofile: the hard limit $((hard + 1)) is above husk's own hard limit ($hard)"*"CAP_SYS_RESOURCE"* ]]
	fi
	run hk ps -aq
	[ -z "$output" ]
}

@test "husk run: bad resource values are named in the error (125) and leave no container" {
	check_bad() {
		local want="$1"
		shift
		run hkr --rm "$@" "$RFS" true
		[ "$status" -eq 125 ] || { echo "status $status for $*: $output"; return 1; }
		[[ "$output" == *"$want"* ]] || { echo "for $*: '$output' lacks '$want'"; return 1; }
	}
	check_bad 'invalid argument "12x" for "-m, --memory" flag: invalid size: '"'12x'" -m 12x
	check_bad 'invalid argument "4m" for "-m, --memory" flag: Minimum memory limit allowed is 6MB' -m 4m
	# Where no swap is accounted Docker (and husk) limit memory alone, with a warning, and never
	# compare the swap figure.
	run hkr --rm -m 64m --memory-swap 32m "$RFS" true
	if [[ "$output" == *"does not support swap limit capabilities"* ]]; then
		[ "$status" -eq 0 ]
	else
		check_bad 'Minimum memoryswap limit should be larger than memory limit' -m 64m --memory-swap 32m
	fi
	check_bad 'You should always set the Memory limit when using Memoryswap limit' --memory-swap 64m
	check_bad 'Minimum memory limit can not be less than memory reservation limit' -m 16m --memory-reservation 32m
	check_bad 'valid memory swappiness range is 0-100' --memory-swappiness 101
	check_bad '--kernel-memory 10m: kernel memory limits are obsolete' --kernel-memory 10m
	check_bad 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number' --cpus abc
	check_bad 'as there are only' --cpus 4096
	check_bad 'Conflicting options: Nano CPUs and CPU Period cannot both be set' --cpus 1 --cpu-period 100000
	check_bad 'CPU cfs period can not be less than 1ms' --cpu-period 10
	check_bad 'invalid argument "x" for "-c, --cpu-shares" flag' -c x
	check_bad 'Requested CPUs are not available - requested 4095' --cpuset-cpus 4095
	check_bad 'Invalid value 1-0 for cpuset cpus' --cpuset-cpus 1-0
	check_bad 'Range of blkio weight is from 10 to 1000' --blkio-weight 5
	check_bad 'invalid argument "sda:1mb" for "--device-read-bps" flag: bad format for device path' --device-read-bps sda:1mb
	check_bad '--device-write-bps: /dev/null is not a block device' --device-write-bps /dev/null:1mb
	check_bad '/dev/nonexistent-husk' --device-read-iops /dev/nonexistent-husk:10
	check_bad 'invalid rate for device: /dev/null:1k' --device-read-iops /dev/null:1k
	check_bad 'invalid ulimit type: files' --ulimit files=10
	check_bad 'ulimit soft limit must be less than or equal to hard limit: 20 > 10' --ulimit nofile=20:10
	run hk create --cgroup-parent "$CG_PARENT" -m 1x --rootfs "$RFS" true
	[ "$status" -eq 125 ]
	run hk ps -aq
	[ -z "$output" ]
	engine_assert_nothing_left
}

@test "husk stats --no-stream: Docker's table from the cgroups (memory used, the -m limit, pids, CPU %)" {
	# Four megabytes held in a shell variable (the shell waits for sleep: two pids), and a busy loop.
	hkr -d --name hog -m 64m "$RFS" sh -c 'x=$(head -c 4000000 /dev/zero | tr "\0" a); echo ready; sleep 120; echo ${#x}' >/dev/null
	hkr -d --name busy "$RFS" sh -c 'while :; do :; done' >/dev/null
	hk create --cgroup-parent "$CG_PARENT" --name idle --rootfs "$RFS" true >/dev/null
	wait_log hog ready
	run hk stats --no-stream
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS" ]
	# The running ones only, without -a.
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *" hog "* ]]
	[[ "$output" != *" idle "* ]]
	run hk stats --no-stream --format '{{.Name}}|{{.MemUsage}}|{{.MemPerc}}|{{.PIDs}}|{{.NetIO}}' hog
	[ "$status" -eq 0 ]
	IFS='|' read -r name mem perc pids net <<<"$output"
	[ "$name" = hog ]
	[[ "$mem" == *" / 64MiB" ]]
	usage="${mem% / *}"
	[[ "$usage" == *MiB ]]
	# The variable: at least 4 MB (a used MiB figure at or above 3.8).
	awk -v u="${usage%MiB}" 'BEGIN { exit !(u >= 3.8) }'
	[ "$perc" != "0.00%" ]
	[ "$pids" -eq 2 ]
	[ "$net" = "0B / 0B" ]
	run hk stats --no-stream --format json busy
	[ "$status" -eq 0 ]
	[ "$(jq -r .Name <<<"$output")" = busy ]
	[ "$(jq -r .CPUPerc <<<"$output")" != "0.00%" ]
	[ "$(jq -r .PIDs <<<"$output")" = 1 ]
	# -a: the created one too, all zeros.
	run hk stats --no-stream -a --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}'
	[[ "$output" == *"idle 0.00% 0B / 0B 0"* ]]
	run hk stats --no-stream nosuch
	[ "$status" -eq 125 ]
	[[ "$output" == *nosuch* ]]
	run hk stats --no-stream --format '{{.Nope}}'
	[ "$status" -eq 125 ]
	[[ "$output" == *".Nope"* ]]
}

@test "husk stats: the stream redraws every second until interrupted" {
	hkr -d --name s1 -m 32m "$RFS" sleep 120 >/dev/null
	run timeout -s INT 3.5 "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" stats s1
	[ "$status" -eq 124 ]
	# Screen cleared before each table, as Docker's.
	n="$(grep -c 'CONTAINER ID' <<<"$output")"
	[ "$n" -ge 2 ]
	[ "$(grep -c $'\033\\[2J' <<<"$output")" -eq "$n" ]
	[[ "$output" == *" s1 "*" / 32MiB "* ]]
}

@test "husk update: a running container's limits changed in its cgroup, a stopped one's at its next start" {
	id="$(hkr -d -m 64m --pids-limit 10 "$RFS" sleep 120)"
	run hk update -m 128m --memory-swap 256m --pids-limit 50 --cpus 0.5 --cpu-shares 256 "$id"
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
	[ "$(cg_read "$id" memory memory.limit_in_bytes memory.max)" = 134217728 ]
	[ "$(cg_read "$id" pids pids.max pids.max)" = 50 ]
	if cgroup_v2; then
		[ "$(cg_read "$id" - - cpu.max)" = "50000 100000" ]
	else
		[ "$(cg_read "$id" cpu cpu.cfs_quota_us -)" = 50000 ]
		[ "$(cg_read "$id" cpu cpu.shares -)" = 256 ]
	fi
	# -1: unlimited again, in the cgroup too.
	hk update --pids-limit -1 "$id"
	[ "$(cg_read "$id" pids pids.max pids.max)" = max ]
	run hk inspect "$id"
	[ "$(jq -c '.[0].HostConfig | [.Memory, .MemorySwap, .PidsLimit, .NanoCpus, .CpuShares]' <<<"$output")" = "[134217728,268435456,null,500000000,256]" ]
	# Docker's refusals, the record unchanged.
	run hk update -m 1g "$id"
	[ "$status" -eq 125 ]
	[[ "$output" == *"Memory limit should be smaller than already set memoryswap limit"* ]]
	run hk update --cpu-quota 20000 "$id"
	[ "$status" -eq 125 ]
	[[ "$output" == *"Conflicting options: Nano CPUs and CPU Quota cannot both be set"* ]]
	run hk update "$id"
	[ "$status" -eq 125 ]
	[[ "$output" == *"you must provide one or more flags"* ]]
	run hk update -m 32m nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *nosuch* ]]
	[ "$(cg_read "$id" memory memory.limit_in_bytes memory.max)" = 134217728 ]
	hk rm -f "$id"
	# A created container: the record only, applied when it starts.
	id="$(hk create --cgroup-parent "$CG_PARENT" -m 64m --rootfs "$RFS" sleep 120)"
	hk update -m 32m --cpuset-cpus 0 "$id"
	hk start "$id"
	[ "$(cg_read "$id" memory memory.limit_in_bytes memory.max)" = 33554432 ]
	if cgroup_v2; then
		[ "$(cg_read "$id" - - cpuset.cpus)" = 0 ]
	else
		[ "$(cg_read "$id" cpuset cpuset.cpus -)" = 0 ]
	fi
	hk rm -f "$id"
}

@test "husk stats: NET I/O from the container's network namespace (lo not counted)" {
	ln -sf busybox "$RFS/bin/ping"
	# A veth pair of its own (busybox names the peer veth0): ARP for an absent neighbour goes out of
	# v0 and comes in on veth0; what lo carries is left out.
	hkr -d --name net1 --cap-add NET_ADMIN "$RFS" sh -c 'ip link add v0 type veth && ip addr add 10.9.9.1/24 dev v0 &&
		ip link set v0 up && ip link set veth0 up && ping -c 3 -i 0.2 -W 1 10.9.9.3; ping -c 3 -s 30000 127.0.0.1 >/dev/null; echo pinged; sleep 120' >/dev/null
	wait_log net1 pinged
	run hk stats --no-stream --format '{{.NetIO}}' net1
	[ "$status" -eq 0 ]
	rx="${output% / *}"
	tx="${output#* / }"
	[ "$rx" != 0B ]
	[ "$tx" != 0B ]
	# ARP and three echo requests: about a kilobyte, not the 90 kB lo carried.
	pid="$(hk inspect net1 | jq .[0].State.Pid)"
	lo_rx="$(awk '$1 == "lo:" { print $2 }' "/proc/$pid/net/dev")"
	[ "$lo_rx" -gt 90000 ]
	[[ "$rx" == *[0-9]B ]] || { [[ "$rx" == *kB ]] && awk -v v="${rx%kB}" 'BEGIN { exit !(v < 20) }'; }
}
