# shellcheck shell=bash
# Shared by tests/integration/network*.bats: network namespaces made by the test playing containers
# and "the outside", names unique per test run (netns husktest-<run>-..., networks nt<run>...), and a
# teardown that removes whatever a test made even when it failed half way.

HUSK_NET="$(husk_build_dir)/tests/tools/husk-net"

# A short id of this test: networks, bridges and netns of parallel runs never share a name.
net_setup() {
	NET_RUN="$(printf '%04x%02x' $((RANDOM)) "$BATS_TEST_NUMBER")"
	NET_STORE="$BATS_TEST_TMPDIR/store"
	NET_PIDS=()
	NET_LINKS=()
	mkdir -p "$NET_STORE"
}

# husk-net on this test's store.
hn() {
	"$HUSK_NET" "$NET_STORE" "$@"
}

# A network namespace standing for a container: /run/netns/husktest-<run>-NAME (often called in
# $(...): teardown finds them by name, not from a variable a subshell set).
mk_ns() {
	local ns="husktest-$NET_RUN-$1"
	ip netns add "$ns"
	echo "/run/netns/$ns"
}

ns() {
	local n="$1"
	shift
	ip netns exec "husktest-$NET_RUN-$n" "$@"
}

# A 64-hex container id from a word.
ctr_id() {
	printf '%s' "$1" | sha256sum | cut -c1-64
}

# Everything the tests may leak, for a before/after comparison: links, named netns, the nftables
# ruleset and the qdiscs (the host's own pfifo_fast/noqueue lines are stable).
net_snapshot() {
	{
		echo "## links"
		# ifb0 and ifb1 are the kernel's: made when the first --bandwidth loads the ifb module
		# (numifbs=2), never by husk, and they stay with the module.
		ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep -Ev '^ifb[0-9]+$' | sort
		echo "## netns"
		ip netns list | awk '{ print $1 }' | grep husktest | sort
		echo "## nft"
		nft list ruleset
		echo "## tc"
		tc qdisc show | sort
	} 2>&1
}

# The snapshot equals BEFORE, within 3 s (a dying network namespace releases its veth from a kernel
# workqueue, after the process that held it is gone); the difference shown when it does not.
net_snapshot_is() {
	local before="$1" _
	for _ in $(seq 30); do
		[ "$(net_snapshot)" = "$before" ] && return 0
		sleep 0.1
	done
	diff <(echo "$before") <(net_snapshot)
}

net_teardown() {
	local n e id
	# Detach whatever is still attached, remove the networks: the library's own cleanup first.
	if [ -d "$NET_STORE/networks" ]; then
		for n in $(hn ls 2>/dev/null); do
			for id in $(hn endpoints "$n" 2>/dev/null | awk '{ print $1 }'); do
				hn detach "$n" "$id" || true
			done
			hn rm "$n" || true
		done
	fi
	for e in $(ip netns list | awk -v p="husktest-$NET_RUN-" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$e" 2>/dev/null || true
	done
	for e in "${NET_LINKS[@]:-}"; do
		[ -n "$e" ] && ip link del "$e" 2>/dev/null || true
	done
	for e in "${NET_PIDS[@]:-}"; do
		[ -n "$e" ] && kill "$e" 2>/dev/null || true
	done
	return 0
}

# A TCP server in a namespace: answers each connection with its peer's address and the first line it
# got. Prints its pid.
# mk_outside: "the outside", a namespace "out" behind a veth of the host, 198.18.X.0/30, with no route
# back to any network's subnet (only masquerading lets its answers find their way), and fd77:X::/64 the
# same for IPv6. Sets OUT_IP, OUT_IP6 (its addresses) and OUT_HOST_IP, OUT_HOST_IP6 (the host's end).
mk_outside() {
	local x=$((RANDOM % 250 + 1)) out="hto$NET_RUN"
	mk_ns out >/dev/null
	NET_LINKS+=("$out")
	ip link add "$out" type veth peer name eth0 netns "husktest-$NET_RUN-out"
	ip addr add "198.18.$x.1/30" dev "$out"
	ip link set "$out" up
	ns out ip addr add "198.18.$x.2/30" dev eth0
	ns out ip link set eth0 up
	ip addr add "fd77:$x::1/64" dev "$out" nodad
	ns out ip addr add "fd77:$x::2/64" dev eth0 nodad
	ns out ip link set lo up
	OUT_IP="198.18.$x.2" OUT_HOST_IP="198.18.$x.1" OUT_IP6="fd77:$x::2" OUT_HOST_IP6="fd77:$x::1"
}

tcp_echo_peer() {
	local n="$1" port="$2"
	# ip netns exec execs python: $! is the server's pid. fd 3 closed: bats waits for it otherwise.
	ip netns exec "husktest-$NET_RUN-$n" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    d = c.recv(100)
    c.sendall(("%s %s\n" % (a[0].replace("::ffff:", ""), d.decode().strip())).encode())
    c.close()
' "$port" >/dev/null 2>&1 3>&- &
	NET_PIDS+=($!)
}

# Connect to HOST PORT (in the namespace given, or "-" for the host), send WORD, print the answer.
tcp_ask() {
	local n="$1" host="$2" port="$3" word="$4"
	local cmd=(python3 -c '
import socket, sys
for i in range(30):
    try:
        c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
        break
    except (ConnectionRefusedError, OSError):
        import time; time.sleep(0.1)
else:
    sys.exit("cannot connect")
c.sendall(sys.argv[3].encode() + b"\n")
print(c.recv(200).decode().strip())
' "$host" "$port" "$word")
	if [ "$n" = - ]; then
		"${cmd[@]}"
	else
		ns "$n" "${cmd[@]}"
	fi
}

# Bytes per second of a TCP transfer of SECONDS from namespace FROM to TO's ADDRESS, measured by
# the receiver from its first to its last byte (payload only: tbf counts frames, ~4% more).
tcp_rate() {
	local from="$1" to="$2" addr="$3" seconds="$4" port=$((20000 + RANDOM % 20000))
	ns "$to" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(20)
c, a = s.accept()
n, t0, t1 = 0, None, None
while True:
    d = c.recv(65536)
    if not d:
        break
    now = time.monotonic()
    if t0 is None:
        t0 = now
    else:
        n += len(d)
    t1 = now
print(int(n / (t1 - t0)))
' "$addr" "$port" >"$BATS_TEST_TMPDIR/rate" 3>&- &
	local rpid=$!
	ns "$from" python3 -c '
import socket, sys, time
for i in range(50):
    try:
        c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
        break
    except OSError:
        time.sleep(0.1)
buf = b"x" * 16384
end = time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    c.sendall(buf)
c.close()
' "$addr" "$port" "$seconds"
	wait "$rpid"
	cat "$BATS_TEST_TMPDIR/rate"
}
