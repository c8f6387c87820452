#!/usr/bin/env bats
# The v1 controllers this host does not mount (hugetlb, net_cls, net_prio, rdma): each test skips
# where its hierarchy is missing. They run in the VM with HUSK_VM_CGROUP=v1, where every controller
# has a v1 hierarchy (.ci/run). Runtime-agnostic: the container's cgroup is found through its init's
# /proc/PID/cgroup.

load helpers

setup() {
	setup_bundle
}

teardown() {
	common_teardown
}

# need_v1 CONTROLLER: skip unless CONTROLLER has a v1 hierarchy here.
need_v1() {
	grep -qE " - cgroup cgroup [^ ]*\b$1\b" /proc/self/mountinfo || skip "no v1 $1 hierarchy on this host"
}

ctr_cg() {
	local pid p
	pid="$(rt state "$ID" | jq -r .pid)"
	p="$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")"
	[ -n "$p" ] && [ "$p" != / ] || { echo "no $1 cgroup in /proc/$pid/cgroup" >&2; return 1; }
	echo "/sys/fs/cgroup/$1$p"
}

run_detached_ok() {
	ctr_run_detached --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "run -d failed ($status): $output" >&2; return 1; }
}

# No directory named after the container in any hierarchy.
no_cgroup_left() {
	[ -z "$(find /sys/fs/cgroup/ -mindepth 1 -maxdepth 4 -type d -name "$ID" 2>/dev/null)" ]
}

@test "v1 hugetlb: hugepageLimits read back from the host and inside" {
	need_v1 hugetlb
	[ -e /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes ] || skip "no 2MB huge pages on this kernel"
	add_ns cgroup
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	set_args sh -c 'cat /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes; sleep 100'
	run_detached_ok
	wait_for_file "$CTR_OUT"
	grep -qx 4194304 "$CTR_OUT"
	[ "$(cat "$(ctr_cg hugetlb)/hugetlb.2MB.limit_in_bytes")" = 4194304 ]
	rt delete --force "$ID"
	no_cgroup_left
}

@test "v1 hugetlb: a page size the kernel does not have is a clear error and leaves nothing" {
	need_v1 hugetlb
	is_runc && skip "runc's message differs"
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "3MB", "limit": 4194304}]'
	set_args true
	ctr_run_detached --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *3MB* ]]
	no_cgroup_left
	assert_nothing_left
}

@test "v1 net_cls: classID" {
	need_v1 net_cls
	update_config '.linux.resources.network = {"classID": 1048577}'
	set_args sleep 100
	run_detached_ok
	[ "$(cat "$(ctr_cg net_cls)/net_cls.classid")" = 1048577 ]
	rt delete --force "$ID"
	no_cgroup_left
}

@test "v1 net_prio: priorities per interface" {
	need_v1 net_prio
	update_config '.linux.resources.network = {"priorities": [{"name": "lo", "priority": 5}]}'
	set_args sleep 100
	run_detached_ok
	grep -qx 'lo 5' "$(ctr_cg net_prio)/net_prio.ifpriomap"
	rt delete --force "$ID"
	no_cgroup_left
}

@test "v1 rdma: a device the host does not have is refused by the kernel, named, and nothing is left" {
	need_v1 rdma
	[ -z "$(ls /sys/class/infiniband 2>/dev/null)" ] || skip "this host has RDMA devices"
	update_config '.linux.resources.rdma = {"husk_test0": {"hcaHandles": 3, "hcaObjects": 100}}'
	set_args true
	ctr_run_detached --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	is_runc || [[ "$output" == *rdma* ]]
	no_cgroup_left
	assert_nothing_left
}
