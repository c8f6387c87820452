# shellcheck shell=bash
# Shared setup for the husk-runtime integration tests.
#
# The runtime under test is $HUSK_RUNTIME (tests/run-all sets it; default: ./build/src/cli/husk-runtime).
# The same suite runs against runc (HUSK_RUNTIME=runc) to prove that the tests themselves are right.
#
# Every test gets its own state root, bundle and container id under $BATS_TEST_TMPDIR, and teardown
# force-deletes whatever the test created, even when the test failed half-way.

HELPERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$HELPERS_DIR/../.." && pwd)"

if [ -z "${HUSK_RUNTIME:-}" ]; then
	HUSK_RUNTIME="$REPO_DIR/build/src/cli/husk-runtime"
fi
if [[ "$HUSK_RUNTIME" != */* ]]; then
	HUSK_RUNTIME="$(command -v "$HUSK_RUNTIME")"
fi
export HUSK_RUNTIME
RUNTIME_NAME="$(basename "$HUSK_RUNTIME")"

# A test id prefix that the leak checks look for (netns names, cgroup names, process roots).
TEST_PREFIX="husktest"

BUSYBOX="${BUSYBOX:-/bin/busybox}"

# Applets linked into the bundle: everything the tests call inside a container.
BUSYBOX_APPLETS=(sh ash cat echo ls mkdir touch rm sleep true false id hostname ip ifconfig stat tty
	grep head tail wc env pwd printf test umask kill ps readlink mount df uptime seq cut tr sed awk
	which mknod uname chmod chown dd nproc)

# The build directory of the runtime under test, whose helper programs (tests/tools) the tests use;
# ./build when the runtime is another one (runc). HUSK_BUILD overrides.
husk_build_dir() {
	if [ -n "${HUSK_BUILD:-}" ]; then
		echo "$HUSK_BUILD"
	elif [[ "$HUSK_RUNTIME" == */src/cli/husk-runtime ]]; then
		echo "${HUSK_RUNTIME%/src/cli/husk-runtime}"
	else
		echo "$REPO_DIR/build"
	fi
}

# Fixed per-run template rootfs; each test copies it so a test may change its own rootfs freely.
_rootfs_template() {
	local tpl="$BATS_RUN_TMPDIR/rootfs-template"
	if [ ! -x "$tpl/bin/busybox" ]; then
		local tmp="$BATS_RUN_TMPDIR/rootfs-template.$$"
		mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,run,var}
		cp "$BUSYBOX" "$tmp/bin/busybox"
		local a
		for a in "${BUSYBOX_APPLETS[@]}" "["; do
			ln -sf busybox "$tmp/bin/$a"
		done
		chmod 1777 "$tmp/tmp"
		echo "root:x:0:0:root:/root:/bin/sh" >"$tmp/etc/passwd"
		echo "root:x:0:" >"$tmp/etc/group"
		mv -T "$tmp" "$tpl" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "$tpl"
}

# The spec template: taken from runc when installed, so that a broken `husk-runtime spec` fails only
# the spec tests, not the whole suite.
_config_template() {
	local tpl="$BATS_RUN_TMPDIR/config-template.json"
	if [ ! -s "$tpl" ]; then
		local d="$BATS_RUN_TMPDIR/spec-tpl.$$"
		mkdir -p "$d"
		if command -v runc >/dev/null; then
			(cd "$d" && runc spec)
		else
			(cd "$d" && "$HUSK_RUNTIME" spec)
		fi
		mv "$d/config.json" "$tpl"
		rm -rf "$d"
	fi
	echo "$tpl"
}

# setup_bundle: $BUNDLE with rootfs and a config.json running `true` without a terminal.
setup_bundle() {
	# A user namespace's root is an unprivileged uid on the host: it must be able to walk down to the
	# rootfs, and mktemp made the bats directories 0700.
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR" 2>/dev/null || true

	ROOT="$BATS_TEST_TMPDIR/state"
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	ID="$TEST_PREFIX-$BATS_SUITE_TEST_NUMBER-$$"
	mkdir -p "$ROOT" "$BUNDLE"
	cp -a "$(_rootfs_template)" "$BUNDLE/rootfs"
	jq '.process.terminal = false | .process.args = ["true"] | .root.readonly = false' "$(_config_template)" >"$BUNDLE/config.json"
	export ROOT BUNDLE ID
}

# update_config JQ_FILTER [jq args...]: edit the bundle's config.json in place.
update_config() {
	local filter="$1"
	shift
	jq "$@" "$filter" "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_args ARG...: the container's process.args.
set_args() {
	local json a
	# One jq -Rs per argument: arguments may hold newlines, and jq's --args would eat "-c".
	json="$(for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -s .)"
	update_config '.process.args = $a' --argjson a "$json"
}

# The test programs of tests/tools (rename_exchange, no_openat2.so): from the build the runtime under
# test comes from, else from build/.
if [[ "$HUSK_RUNTIME" == */src/cli/husk-runtime ]]; then
	HUSK_TOOLS_DIR="${HUSK_RUNTIME%/src/cli/husk-runtime}/tests/tools"
else
	HUSK_TOOLS_DIR="$REPO_DIR/build/tests/tools"
fi

# HUSK_NO_OPENAT2=1, or a test file named *_no_openat2.bats (a symlink to the file it reruns): every
# runtime call runs with openat2 made unavailable (tests/tools/no_openat2.c), so the fallback path
# resolution is what is tested. Refused calls are logged to $HUSK_NO_OPENAT2_LOG. A sanitizer runtime
# must come first among preloaded libraries, so an ASan build gets libasan preloaded ahead of the shim.
case "$(basename "${BATS_TEST_FILENAME:-}")" in
*_no_openat2.bats) HUSK_NO_OPENAT2=1 ;;
esac
RT_PRELOAD=
if [ -n "${HUSK_NO_OPENAT2:-}" ]; then
	RT_PRELOAD="$HUSK_TOOLS_DIR/no_openat2.so"
	_asan="$(ldd "$HUSK_RUNTIME" 2>/dev/null | awk '/libasan/ { print $3; exit }')"
	[ -n "$_asan" ] && RT_PRELOAD="$_asan $RT_PRELOAD"
fi

# rt ARGS...: the runtime with this test's private state root; a hung runtime fails the test instead
# of the whole suite.
rt() {
	if [ -n "$RT_PRELOAD" ]; then
		# Through env: the preload is for the runtime only, not for timeout.
		timeout -k 5 "${RT_TIMEOUT:-60}" env LD_PRELOAD="$RT_PRELOAD" \
			HUSK_NO_OPENAT2_LOG="$BATS_TEST_TMPDIR/no_openat2.log" "$HUSK_RUNTIME" --root "$ROOT" "$@"
		return
	fi
	timeout -k 5 "${RT_TIMEOUT:-60}" "$HUSK_RUNTIME" --root "$ROOT" "$@"
}

# ctr_create ARGS... / ctr_run_detached ARGS...: `create` (or `run --detach`) with stdio on files and
# bats' fd 3 closed. A container keeps the stdio it was given, so under bats' `run` (a pipe) the call
# would not return until the container exits. Sets $status and $output (the runtime's stderr) as
# `run` does; the container's stdout/stderr are in $CTR_OUT / $CTR_ERR.
ctr_create() {
	CTR_OUT="$BATS_TEST_TMPDIR/ctr.out"
	CTR_ERR="$BATS_TEST_TMPDIR/ctr.err"
	status=0
	rt create "$@" </dev/null >"$CTR_OUT" 2>"$CTR_ERR" 3>&- || status=$?
	output="$(cat "$CTR_ERR")"
}
ctr_run_detached() {
	CTR_OUT="$BATS_TEST_TMPDIR/ctr.out"
	CTR_ERR="$BATS_TEST_TMPDIR/ctr.err"
	status=0
	rt run --detach "$@" </dev/null >"$CTR_OUT" 2>"$CTR_ERR" 3>&- || status=$?
	output="$(cat "$CTR_ERR")"
}

# create_ok / start_ok: create (and start) $ID from $BUNDLE, failing the test with the runtime's words.
create_ok() {
	ctr_create --bundle "$BUNDLE" "$@" "$ID"
	if [ "$status" -ne 0 ]; then
		echo "create $ID failed ($status): $output" >&2
		return 1
	fi
}
start_ok() {
	create_ok "$@"
	run rt start "$ID"
	if [ "$status" -ne 0 ]; then
		echo "start $ID failed ($status): $output" >&2
		return 1
	fi
}

# run_ctr: foreground `run` of $ID, output and exit status through bats' `run`.
run_ctr() {
	run rt run --bundle "$BUNDLE" "$@" "$ID" 3>&-
}

# Remember ids made by a test beyond $ID, so teardown deletes them too.
track_id() {
	echo "$1" >>"$BATS_TEST_TMPDIR/ids"
}

# add_bind HOSTDIR DEST [OPTIONS_JSON]
add_bind() {
	local src="$1" dst="$2" opts="${3:-[\"rbind\",\"rw\"]}"
	update_config '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": $o}]' \
		--arg d "$dst" --arg s "$src" --argjson o "$opts"
}

# add_ns TYPE [PATH] / remove_ns TYPE
add_ns() {
	if [ -n "${2:-}" ]; then
		update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{"type": $t, "path": $p}])' \
			--arg t "$1" --arg p "$2"
	else
		update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{"type": $t}])' --arg t "$1"
	fi
}
remove_ns() {
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != $t)]' --arg t "$1"
}

# start_recvtty: a --console-socket receiver on $SOCK writing to $TTYOUT; the caller's teardown kills
# $RECV_PID.
start_recvtty() {
	SOCK="$BATS_TEST_TMPDIR/console.sock"
	TTYOUT="$BATS_TEST_TMPDIR/tty.out"
	python3 "$HELPERS_DIR/recvtty.py" "$SOCK" "$TTYOUT" 3>&- &
	RECV_PID=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.05; done
	echo "receiver did not start" >&2
	return 1
}

# kill_bgpids: SIGKILL every background process a test listed in $BATS_TEST_TMPDIR/bgpids (for
# teardown: such helpers hold no container, but must not outlive the test).
kill_bgpids() {
	local p
	[ -f "$BATS_TEST_TMPDIR/bgpids" ] || return 0
	while read -r p; do
		kill -9 "$p" 2>/dev/null || true
	done <"$BATS_TEST_TMPDIR/bgpids"
}

# Status of a container ("" when the runtime does not know it).
container_status() {
	rt state "${1:-$ID}" 2>/dev/null | jq -r .status 2>/dev/null || true
}

# wait_for_status STATUS [ID] [TRIES]: poll `state` every 0.1 s.
wait_for_status() {
	local want="$1" id="${2:-$ID}" tries="${3:-100}" i
	for ((i = 0; i < tries; i++)); do
		[ "$(container_status "$id")" = "$want" ] && return 0
		sleep 0.1
	done
	echo "container $id never reached status $want (now: $(container_status "$id"))" >&2
	return 1
}

# wait_for_file FILE [TRIES]
wait_for_file() {
	local f="$1" tries="${2:-100}" i
	for ((i = 0; i < tries; i++)); do
		[ -s "$f" ] && return 0
		sleep 0.1
	done
	echo "file $f never appeared" >&2
	return 1
}

# The features JSON of the runtime, cached per run.
runtime_features() {
	local f="$BATS_RUN_TMPDIR/features-$RUNTIME_NAME.json"
	if [ ! -s "$f" ]; then
		"$HUSK_RUNTIME" features >"$f" 2>/dev/null || echo '{}' >"$f"
	fi
	cat "$f"
}

# requires_namespace TYPE: skip when the runtime says (in `features`) it does not support it. Used for
# the time namespace, which runc 1.1 predates.
requires_namespace() {
	if ! runtime_features | jq -e --arg t "$1" '(.linux.namespaces // []) | index($t) != null' >/dev/null; then
		skip "$RUNTIME_NAME does not support the $1 namespace (features)"
	fi
}

is_runc() { [ "$RUNTIME_NAME" = "runc" ]; }

# proc_root_in DIR PID: is the process's root directory DIR? From another mount namespace
# /proc/PID/root reads as "/", so there the root mount's entry in its mountinfo tells: its root field
# is DIR relative to the filesystem it lives on (a suffix of DIR).
proc_root_in() {
	local dir="$1" pid="$2" r
	r="$(readlink "/proc/$pid/root" 2>/dev/null)" || return 1
	case "$r" in
	"$dir" | "$dir"/*) return 0 ;;
	esac
	[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" != "$(readlink /proc/self/ns/mnt)" ] || return 1
	r="$(awk '$5 == "/" { print $4; exit }' "/proc/$pid/mountinfo" 2>/dev/null)"
	r="${r%//deleted}"
	[ -n "$r" ] && [ "$r" != / ] && [[ "$dir" == *"$r" || "$r" == *"$dir"* ]]
}

# Processes whose root directory is this test's rootfs: what the runtime left running.
# One find for the roots and one for the mount namespaces (a readlink per process was slow in the
# emulated VM); only processes of other mount namespaces get the mountinfo check of proc_root_in.
bundle_processes() {
	local dir="$BUNDLE/rootfs" self_mnt p ns
	self_mnt="$(readlink /proc/self/ns/mnt)"
	{
		find /proc -mindepth 2 -maxdepth 2 -name root \( -lname "$dir" -o -lname "$dir/*" \) \
			-printf '%h\n' 2>/dev/null | sed 's|^/proc/||'
		find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/mnt' -printf '%h %l\n' 2>/dev/null |
			while read -r p ns; do
				[ "$ns" = "$self_mnt" ] && continue
				p="${p#/proc/}"
				p="${p%/ns}"
				proc_root_in "$dir" "$p" && echo "$p"
			done
	} | sort -un | grep -vx "$$" || true
	return 0
}

# assert_nothing_left [ID]: no state, no process in the bundle, no mount of the bundle in our namespace.
assert_nothing_left() {
	local id="${1:-$ID}"
	if rt state "$id" >/dev/null 2>&1; then
		echo "state of $id still exists" >&2
		return 1
	fi
	local procs
	procs="$(bundle_processes)"
	if [ -n "$procs" ]; then
		echo "processes left in the bundle: $procs" >&2
		return 1
	fi
	if grep -qF " $BUNDLE/" /proc/self/mountinfo; then
		echo "mounts left under $BUNDLE" >&2
		return 1
	fi
}

common_teardown() {
	[ -n "${ROOT:-}" ] || return 0
	local id ids=()
	[ -n "${ID:-}" ] && ids+=("$ID")
	if [ -f "$BATS_TEST_TMPDIR/ids" ]; then
		mapfile -t -O "${#ids[@]}" ids <"$BATS_TEST_TMPDIR/ids"
	fi
	if [ -d "$ROOT" ]; then
		for id in "$ROOT"/*; do
			[ -e "$id" ] && ids+=("$(basename "$id")")
		done
	fi
	for id in "${ids[@]}"; do
		timeout 20 "$HUSK_RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	# Whatever the runtime could not delete: kill what runs in our rootfs, unmount what was left.
	local p
	for p in $(bundle_processes); do
		kill -9 "$p" 2>/dev/null || true
	done
	local m
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v pfx="$BATS_TEST_TMPDIR/" 'index($5, pfx) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	if [ -f "$BATS_TEST_TMPDIR/netns" ]; then
		while read -r m; do
			ip netns del "$m" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/netns"
	fi
	rm -rf "$BUNDLE" "$ROOT" 2>/dev/null || true
}

# make_netns: a named network namespace, deleted by teardown. Prints its path.
make_netns() {
	local name="$TEST_PREFIX-$BATS_SUITE_TEST_NUMBER-$$"
	echo "$name" >>"$BATS_TEST_TMPDIR/netns"
	ip netns add "$name"
	NETNS_NAME="$name"
	NETNS_PATH="/run/netns/$name"
}

setup() {
	setup_bundle
}

teardown() {
	common_teardown
}
