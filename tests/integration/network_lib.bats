#!/usr/bin/env bats
# The network layer (src/network/) through tests/tools/husk-net, on network namespaces the tests make
# (standing for containers and for "the outside"): addresses, routes, NAT, published ports, conflicts,
# IPAM under parallel attachments, bandwidth, and nothing left behind.

load helpers
load network

setup() {
	net_setup
	NET_FWD="$(cat /proc/sys/net/ipv4/ip_forward)"
	NET_FWD6="$(cat /proc/sys/net/ipv6/conf/all/forwarding)"
}

teardown() {
	net_teardown
	# husk sets ip_forward when it makes a bridge (docs/network.md); put the host back when no husk
	# network is left.
	if [ "$NET_FWD" = 0 ] && ! nft list table inet husk >/dev/null 2>&1; then
		echo 0 >/proc/sys/net/ipv4/ip_forward
	fi
	if [ "$NET_FWD6" = 0 ] && ! nft list table inet husk >/dev/null 2>&1; then
		echo 0 >/proc/sys/net/ipv6/conf/all/forwarding
	fi
}

@test "network: two namespaces on a network reach each other over IPv4 and IPv6; lo up, eth0, routes, MAC" {
	hn create "n$NET_RUN" >"$BATS_TEST_TMPDIR/net.json"
	local a b
	a="$(mk_ns a)" b="$(mk_ns b)"
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" --name a >"$BATS_TEST_TMPDIR/a.json"
	hn attach "n$NET_RUN" "$(ctr_id b)" "$b" --name b --mac 02:00:00:aa:bb:cc >"$BATS_TEST_TMPDIR/b.json"
	local ipa ipb ip6b gw
	ipa="$(jq -r .ip "$BATS_TEST_TMPDIR/a.json")" ipb="$(jq -r .ip "$BATS_TEST_TMPDIR/b.json")"
	ip6b="$(jq -r .ip6 "$BATS_TEST_TMPDIR/b.json")" gw="$(jq -r .gateway "$BATS_TEST_TMPDIR/net.json")"
	[ "${ipa%.*}" = "${gw%.*}" ]
	[ "${ipa##*.}" = 2 ]
	[ "${ipb##*.}" = 3 ]
	[[ "$ip6b" == fd*::3 ]]
	ns a ip -o link show lo | grep -q 'UP'
	ns a ip -o addr show eth0 | grep -q "inet $ipa/"
	ns a ip route | grep -q "^default via $gw dev eth0"
	ns a ip -6 route | grep -q "^default via ${ip6b%::3}::1 dev eth0"
	ns b ip -o link show eth0 | grep -q 'link/ether 02:00:00:aa:bb:cc'
	# Docker's MAC: 02:42 and the IPv4 address.
	ns a ip -o link show eth0 | grep -q "link/ether 02:42:$(printf '%02x:%02x:%02x:%02x' ${ipa//./ })"
	ns a busybox ping -c1 -W2 "$ipb"
	ns a busybox ping -c1 -W2 "$ip6b"
	ns b busybox ping -c1 -W2 "$gw"
	# The host side is on the bridge; the container side never appears on the host.
	local br
	br="$(jq -r .bridge "$BATS_TEST_TMPDIR/net.json")"
	ip -o link show master "$br" | grep -q "$(jq -r .veth "$BATS_TEST_TMPDIR/a.json")"
	[ -z "$(ip -o link show | grep ': eth0@')" ]
}

@test "network: a namespace reaches a server in an outside namespace through NAT (masqueraded)" {
	hn create "n$NET_RUN" >/dev/null
	local a
	a="$(mk_ns a)"
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" >/dev/null
	mk_outside
	tcp_echo_peer out 8099
	run tcp_ask a "$OUT_IP" 8099 hello
	[ "$status" -eq 0 ]
	[ "$output" = "$OUT_HOST_IP hello" ]
}

@test "network: IPv6 to the outside through NAT and to a published port; forwarding recorded and put back with the last network" {
	hn create "n$NET_RUN" >/dev/null
	local a port=$((30000 + RANDOM % 10000))
	a="$(mk_ns a)"
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" -p "$port:8099" >"$BATS_TEST_TMPDIR/a.json"
	local ip6a
	ip6a="$(jq -r .ip6 "$BATS_TEST_TMPDIR/a.json")"
	[ "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ]
	if [ "$NET_FWD6" = 0 ]; then
		grep -qx '/proc/sys/net/ipv6/conf/all/forwarding 0' /run/husk-net-sysctls
		# No interface left ignoring router advertisements because forwarding is on.
		[ -z "$(grep -lx 1 /proc/sys/net/ipv6/conf/*/accept_ra | grep -v /all/)" ]
	fi
	mk_outside
	tcp_echo_peer out 8099
	tcp_echo_peer a 8099
	# Out, masqueraded to the host's address (the outside has no route back to the ULA).
	run tcp_ask a "$OUT_IP6" 8099 v6-out
	[ "$status" -eq 0 ]
	[ "$output" = "$OUT_HOST_IP6 v6-out" ]
	# In, to a port published on every address: from the outside, and from the host itself.
	run tcp_ask out "$OUT_HOST_IP6" "$port" v6-in
	[ "$status" -eq 0 ]
	[ "$output" = "$OUT_IP6 v6-in" ]
	run tcp_ask - "$OUT_HOST_IP6" "$port" v6-host
	[ "$status" -eq 0 ]
	[ "$output" = "$OUT_HOST_IP6 v6-host" ]
	# On one IPv6 host address only.
	local b port2=$((port + 1))
	b="$(mk_ns b)"
	hn attach "n$NET_RUN" "$(ctr_id b)" "$b" -p "[$OUT_HOST_IP6]:$port2:8099" >/dev/null
	tcp_echo_peer b 8099
	run tcp_ask out "$OUT_HOST_IP6" "$port2" v6-one
	[ "$output" = "$OUT_IP6 v6-one" ]
	nft list table inet husk | grep -q "ip6 daddr $OUT_HOST_IP6 tcp dport $port2 dnat ip6 to \[${ip6a%::*}::3\]:8099"
	# [::1] cannot be reached through NAT: refused by name, nothing made.
	run hn attach "n$NET_RUN" "$(ctr_id c)" "$b" -p "[::1]:$port2:8099"
	[ "$status" -ne 0 ]
	[[ "$output" == *"-p [::1]:$port2:8099: the IPv6 loopback address cannot be published"* ]]
	# The last network gone: the sysctls as they were (unless another husk's network holds the table).
	hn detach "n$NET_RUN" "$(ctr_id a)"
	hn detach "n$NET_RUN" "$(ctr_id b)"
	hn rm "n$NET_RUN"
	if ! nft list table inet husk >/dev/null 2>&1; then
		[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$NET_FWD" ]
		[ "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" = "$NET_FWD6" ]
		[ ! -e /run/husk-net-sysctls ]
	fi
}

@test "network: two networks are isolated from each other (published ports excepted) and both reach the outside; --internal reaches nothing off its bridge" {
	hn create "n$NET_RUN" >/dev/null
	hn create "m$NET_RUN" >/dev/null
	hn create "i$NET_RUN" --internal >"$BATS_TEST_TMPDIR/i.json"
	[ "$(jq -r .internal "$BATS_TEST_TMPDIR/i.json")" = true ]
	local a b c d port=$((30000 + RANDOM % 10000))
	a="$(mk_ns a)" b="$(mk_ns b)" c="$(mk_ns c)" d="$(mk_ns d)"
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" >"$BATS_TEST_TMPDIR/a.json"
	hn attach "m$NET_RUN" "$(ctr_id b)" "$b" -p "$port:8099" >"$BATS_TEST_TMPDIR/b.json"
	hn attach "i$NET_RUN" "$(ctr_id c)" "$c" >"$BATS_TEST_TMPDIR/c.json"
	hn attach "i$NET_RUN" "$(ctr_id d)" "$d" >"$BATS_TEST_TMPDIR/d.json"
	local ipa ipb ipd
	ipa="$(jq -r .ip "$BATS_TEST_TMPDIR/a.json")" ipb="$(jq -r .ip "$BATS_TEST_TMPDIR/b.json")"
	ipd="$(jq -r .ip "$BATS_TEST_TMPDIR/d.json")"
	mk_outside
	tcp_echo_peer out 8099
	# Both reach the outside through NAT.
	run tcp_ask a "$OUT_IP" 8099 from-a
	[ "$output" = "$OUT_HOST_IP from-a" ]
	run tcp_ask b "$OUT_IP" 8099 from-b
	[ "$output" = "$OUT_HOST_IP from-b" ]
	# Not each other, either way, nor the internal network, nor it them.
	run ns a busybox ping -c1 -W1 "$ipb"
	[ "$status" -ne 0 ]
	run ns b busybox ping -c1 -W1 "$ipa"
	[ "$status" -ne 0 ]
	run ns a busybox ping -c1 -W1 "$ipd"
	[ "$status" -ne 0 ]
	run ns c busybox ping -c1 -W1 "$ipa"
	[ "$status" -ne 0 ]
	# The internal network: its own members, not the outside.
	ns c busybox ping -c1 -W2 "$ipd"
	run ns c busybox ping -c1 -W1 "$OUT_IP"
	[ "$status" -ne 0 ]
	# A port b publishes is reachable from a through a host address (as through Docker's proxy).
	tcp_echo_peer b 8099
	run tcp_ask a "$OUT_HOST_IP" "$port" via-port
	[ "$status" -eq 0 ]
	[[ "$output" == *" via-port" ]]
	# The rules go with the networks.
	hn detach "i$NET_RUN" "$(ctr_id c)"
	hn detach "i$NET_RUN" "$(ctr_id d)"
	hn rm "i$NET_RUN"
	[ -z "$(nft list table inet husk | grep "$(jq -r .bridge "$BATS_TEST_TMPDIR/i.json")")" ]
}

@test "network: published TCP and UDP ports from the host (host address, 127.0.0.1) and from another namespace (hairpin)" {
	hn create "n$NET_RUN" >/dev/null
	local a b tport=$((30000 + RANDOM % 10000)) uport=$((40000 + RANDOM % 10000))
	a="$(mk_ns a)" b="$(mk_ns b)"
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" -p "$tport:8099" -p "127.0.0.1:$uport:53/udp" >"$BATS_TEST_TMPDIR/a.json"
	hn attach "n$NET_RUN" "$(ctr_id b)" "$b" >"$BATS_TEST_TMPDIR/b.json"
	tcp_echo_peer a 8099
	local hostip ipb
	hostip="$(ip -4 -o addr show scope global | awk '$2 !~ /^(hk|husk|hto)/ { sub(/\/.*/, "", $4); print $4; exit }')"
	ipb="$(jq -r .ip "$BATS_TEST_TMPDIR/b.json")"
	run tcp_ask - 127.0.0.1 "$tport" local
	[ "$status" -eq 0 ]
	[[ "$output" == *" local" ]]
	run tcp_ask - "$hostip" "$tport" hostip
	[ "$status" -eq 0 ]
	[[ "$output" == *" hostip" ]]
	# From a neighbour through the host's address: answered, and masqueraded (not from b itself).
	run tcp_ask b "$hostip" "$tport" hairpin
	[ "$status" -eq 0 ]
	[[ "$output" == *" hairpin" ]]
	[[ "$output" != "$ipb "* ]]
	# UDP on 127.0.0.1 only.
	ip netns exec "husktest-$NET_RUN-a" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
s.settimeout(10)
d, a = s.recvfrom(100)
s.sendto(b"pong " + d, a)
' 3>&- &
	NET_PIDS+=($!)
	run python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
for i in range(20):
    s.sendto(b"ping", ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recvfrom(100)[0].decode()); break
    except socket.timeout:
        pass
' "$uport"
	[ "$output" = "pong ping" ]
}

@test "network: port conflicts are reported clearly and leave nothing behind" {
	hn create "n$NET_RUN" >/dev/null
	local a b c port=$((30000 + RANDOM % 10000))
	a="$(mk_ns a)" b="$(mk_ns b)" c="$(mk_ns c)"
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" -p "$port:80" >/dev/null
	local before
	before="$(net_snapshot)"
	run hn attach "n$NET_RUN" "$(ctr_id b)" "$b" -p "$((port + 1)):81" -p "$port:80"
	[ "$status" -eq 1 ]
	[[ "$output" == *"publish $port/tcp: the host port is already published by another container"* ]]
	net_snapshot_is "$before"
	[ "$(hn endpoints "n$NET_RUN" | wc -l)" = 1 ]
	# A host process on the port.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1); print("up", flush=True); time.sleep(30)' \
		$((port + 2)) >"$BATS_TEST_TMPDIR/listener" 3>&- &
	NET_PIDS+=($!)
	for _ in $(seq 50); do grep -q up "$BATS_TEST_TMPDIR/listener" && break; sleep 0.1; done
	run hn attach "n$NET_RUN" "$(ctr_id c)" "$c" -p "$((port + 2)):80"
	[ "$status" -eq 1 ]
	[[ "$output" == *"publish $((port + 2))/tcp: the port is already in use on the host"* ]]
	net_snapshot_is "$before"
	# The first one's port still works after the failures.
	hn detach "n$NET_RUN" "$(ctr_id a)"
	hn attach "n$NET_RUN" "$(ctr_id b)" "$b" -p "$port:80" >/dev/null
}

@test "network: bad --ip, --mac, subnets and names are refused by name" {
	run hn create "bad name"
	[ "$status" -eq 1 ]
	[[ "$output" == *'invalid network name "bad name"'* ]]
	# A subnet with a route on the host: another network's (the host's own LAN when there is one).
	hn create "o$NET_RUN" >"$BATS_TEST_TMPDIR/other.json"
	local taken lan
	taken="$(jq -r .subnet "$BATS_TEST_TMPDIR/other.json")"
	run hn create "n$NET_RUN" --subnet "$taken"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--subnet $taken overlaps"* ]]
	lan="$(ip -4 route show scope link | awk '$1 ~ /\// && $3 !~ /^(hk|husk)/ { print $1; exit }')"
	if [ -n "$lan" ]; then
		run hn create "n$NET_RUN" --subnet "$lan"
		[ "$status" -eq 1 ]
		[[ "$output" == *"--subnet $lan overlaps"* ]]
	fi
	hn rm "o$NET_RUN"
	run hn create "n$NET_RUN" --subnet 10.77.0.1/16
	[ "$status" -eq 1 ]
	[[ "$output" == *"host bits set"* ]]
	hn create "n$NET_RUN" --subnet 10.77.$((RANDOM % 256)).0/24 --no-ipv6 >"$BATS_TEST_TMPDIR/net.json"
	[ "$(jq -r .subnet6 "$BATS_TEST_TMPDIR/net.json")" = "" ]
	run hn create "n$NET_RUN"
	[ "$status" -eq 1 ]
	[[ "$output" == *"network with name n$NET_RUN already exists"* ]]
	local a b sub
	sub="$(jq -r .subnet "$BATS_TEST_TMPDIR/net.json")"
	a="$(mk_ns a)" b="$(mk_ns b)"
	run hn attach "n$NET_RUN" "$(ctr_id a)" "$a" --ip 10.99.0.5
	[ "$status" -eq 1 ]
	[[ "$output" == *"--ip 10.99.0.5: not in network n$NET_RUN's subnet $sub"* ]]
	run hn attach "n$NET_RUN" "$(ctr_id a)" "$a" --mac 01:00:00:00:00:01
	[ "$status" -eq 1 ]
	[[ "$output" == *"--mac-address 01:00:00:00:00:01: not a unicast MAC address"* ]]
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" --ip "${sub%.0/24}.77" | jq -e '.ip | endswith(".77")'
	run hn attach "n$NET_RUN" "$(ctr_id b)" "$b" --ip "${sub%.0/24}.77"
	[ "$status" -eq 1 ]
	[[ "$output" == *"already in use"* ]]
	run hn attach "n$NET_RUN" "$(ctr_id a)" "$b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is already connected to network n$NET_RUN"* ]]
	run hn rm "n$NET_RUN"
	[ "$status" -eq 1 ]
	[[ "$output" == *"network n$NET_RUN has active endpoints ($(ctr_id a | cut -c1-12))"* ]]
	run hn detach "n$NET_RUN" "$(ctr_id b)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not connected to network n$NET_RUN"* ]]
	run hn inspect nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"network nosuch not found"* ]]
}

@test "network: 24 attachments at once from parallel processes get 24 different addresses" {
	hn create "n$NET_RUN" >/dev/null
	local i pids=()
	for i in $(seq 1 24); do
		mk_ns "p$i" >/dev/null
	done
	for i in $(seq 1 24); do
		hn attach "n$NET_RUN" "$(ctr_id "p$i")" "/run/netns/husktest-$NET_RUN-p$i" >"$BATS_TEST_TMPDIR/p$i.json" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	[ "$(cat "$BATS_TEST_TMPDIR"/p*.json | jq -r .ip | sort -u | wc -l)" = 24 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/p*.json | jq -r .ip6 | sort -u | wc -l)" = 24 ]
	[ "$(hn endpoints "n$NET_RUN" | wc -l)" = 24 ]
	# Released on detach: the lowest free address is handed out again.
	local ip5
	ip5="$(jq -r .ip "$BATS_TEST_TMPDIR/p5.json")"
	hn detach "n$NET_RUN" "$(ctr_id p5)"
	mk_ns q >/dev/null
	hn attach "n$NET_RUN" "$(ctr_id q)" "/run/netns/husktest-$NET_RUN-q" | jq -e --arg ip "$(
		cat "$BATS_TEST_TMPDIR"/p*.json | jq -r .ip | sort -t. -k4 -n | head -1)" '.ip != null'
	hn endpoints "n$NET_RUN" | awk '{ print $2 }' | sort -t. -k4 -n >"$BATS_TEST_TMPDIR/ips"
	grep -qx "$ip5" "$BATS_TEST_TMPDIR/ips" || grep -qx "$(sort -t. -k4 -n "$BATS_TEST_TMPDIR/ips" | head -1)" "$BATS_TEST_TMPDIR/ips"
}

@test "network: --bandwidth limits both directions to within 10% of the rate" {
	hn create "n$NET_RUN" >/dev/null
	local a b
	a="$(mk_ns a)" b="$(mk_ns b)"
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" --bandwidth 8mbit >"$BATS_TEST_TMPDIR/a.json"
	hn attach "n$NET_RUN" "$(ctr_id b)" "$b" >"$BATS_TEST_TMPDIR/b.json"
	local ipa ipb in out
	ipa="$(jq -r .ip "$BATS_TEST_TMPDIR/a.json")" ipb="$(jq -r .ip "$BATS_TEST_TMPDIR/b.json")"
	# 8 mbit = 1,000,000 bytes/s of frames.
	in="$(tcp_rate b a "$ipa" 4)"
	out="$(tcp_rate a b "$ipb" 4)"
	echo "into a: $in B/s, out of a: $out B/s" >&3
	[ "$in" -ge 900000 ]
	[ "$in" -le 1100000 ]
	[ "$out" -ge 900000 ]
	[ "$out" -le 1100000 ]
	[ "$(jq -r .bandwidth "$BATS_TEST_TMPDIR/a.json")" = 1000000 ]
	# Both limits are on the host side (a tbf on the veth, an ifb for what a sends): nothing inside a
	# to remove, and what a process with CAP_NET_ADMIN in a's namespace does to its eth0 changes nothing.
	local veth ifb
	veth="$(jq -r .veth "$BATS_TEST_TMPDIR/a.json")"
	ifb="hb${veth#hk}"
	[ -z "$(ns a tc qdisc show dev eth0 | grep -E 'tbf|ingress')" ]
	tc qdisc show dev "$veth" | grep -q '^qdisc tbf'
	tc qdisc show dev "$veth" | grep -q '^qdisc ingress'
	tc filter show dev "$veth" ingress | grep -q "Egress Redirect to device $ifb"
	tc qdisc show dev "$ifb" | grep -q '^qdisc tbf'
	run ns a tc qdisc del dev eth0 root
	ns a tc qdisc replace dev eth0 root pfifo limit 1000
	out="$(tcp_rate a b "$ipb" 4)"
	echo "out of a after its own qdisc change: $out B/s" >&3
	[ "$out" -ge 900000 ]
	[ "$out" -le 1100000 ]
}

@test "network: nothing left behind: ip link, ip netns, nft ruleset and tc qdiscs as before; a dead namespace is still cleaned" {
	local before
	before="$(net_snapshot)"
	hn create "n$NET_RUN" >/dev/null
	local a b port=$((30000 + RANDOM % 10000))
	a="$(mk_ns a)" b="$(mk_ns b)"
	hn attach "n$NET_RUN" "$(ctr_id a)" "$a" -p "$port:80" -p "$port:80/udp" --bandwidth 10mbit >/dev/null
	hn attach "n$NET_RUN" "$(ctr_id b)" "$b" --bandwidth 10mbit >/dev/null
	[ "$(net_snapshot)" != "$before" ]
	tc qdisc show | grep -q tbf
	[ "$(ip -o link show type ifb | grep -c ': hb')" -ge 2 ]
	nft list table inet husk | grep -q "tcp . $port"
	# b's namespace dies with its container before the detach: the veth went with it.
	ip netns del "husktest-$NET_RUN-b"
	hn detach "n$NET_RUN" "$(ctr_id a)"
	hn detach "n$NET_RUN" "$(ctr_id b)"
	ip netns del "husktest-$NET_RUN-a"
	hn rm "n$NET_RUN"
	net_snapshot_is "$before"
	[ ! -e "$NET_STORE/networks/n$NET_RUN" ]
}
