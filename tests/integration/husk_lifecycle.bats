#!/usr/bin/env bats
# The lifecycle around the monitor as a user types it: restart, --restart policies (kept by the
# monitor's cleanup), rename, container prune, labels and ps filters, --cidfile, --env-file.
# Containers run from a plain busybox directory (--rootfs).

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine

setup() {
	husk_setup
	CG_PARENT="/husktest-life-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	RFS="$BATS_TEST_TMPDIR/rootfs"
	cp -a "$(_rootfs_template)" "$RFS"
	export CG_PARENT RFS
}

teardown() {
	engine_cleanup
}

# hkr [OPTIONS] "$RFS" CMD...: husk run of the test's rootfs with the test's cgroup parent.
hkr() {
	hk run --cgroup-parent "$CG_PARENT" --rootfs "$@"
}

# state NAME: State.Status, RestartCount and ExitCode on one line.
state() {
	hk inspect "$1" | jq -r '.[0] | "\(.State.Status) \(.RestartCount) \(.State.ExitCode)"'
}

# wait_for SECONDS CMD...: until CMD succeeds (polled every 0.1 s).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

@test "husk run --restart on-failure:2: restarted twice, then it stays exited (RestartCount 2)" {
	hkr -d --name of --restart on-failure:2 "$RFS" sh -c 'echo run; exit 3'
	wait_for 20 bash -c "[ \"\$($HUSK --storage-root $HUSK_STORE --root $ROOT inspect of | jq -r '.[0].RestartCount')\" = 2 ]"
	wait_for 10 bash -c "[ \"\$($HUSK --storage-root $HUSK_STORE --root $ROOT inspect of | jq -r '.[0].State.Status')\" = exited ]"
	sleep 1
	run state of
	[ "$output" = "exited 2 3" ]
	run hk logs of
	[ "${#lines[@]}" -eq 3 ]
	run hk inspect of
	[ "$(jq -r '.[0].HostConfig.RestartPolicy.Name' <<<"$output")" = on-failure ]
	[ "$(jq -r '.[0].HostConfig.RestartPolicy.MaximumRetryCount' <<<"$output")" = 2 ]
	# A success is not a failure: on-failure leaves it.
	hkr -d --name ok --restart on-failure "$RFS" true
	sleep 1
	run state ok
	[ "$output" = "exited 0 0" ]
}

@test "husk run --restart always: restarted after a kill from outside; stop ends the policy" {
	hkr -d --name al --restart always "$RFS" sleep 1000
	pid1="$(hk inspect al | jq -r '.[0].State.Pid')"
	[ "$pid1" -gt 0 ]
	kill -9 "$pid1"
	wait_for 10 bash -c "p=\$($HUSK --storage-root $HUSK_STORE --root $ROOT inspect al | jq -r '.[0].State.Pid'); [ \"\$p\" -gt 0 ] && [ \"\$p\" != $pid1 ]"
	run state al
	[ "$output" = "running 1 137" ] || [ "$output" = "running 1 0" ]
	run hk stop -t 1 al
	[ "$status" -eq 0 ]
	sleep 1
	run state al
	[[ "$output" == "exited 1 "* ]]
	# A user's start resets RestartCount (Docker's).
	hk start al
	run state al
	[ "$output" = "running 0 0" ]
	hk rm -f al
}

@test "husk: a restarting container (growing backoff) shows Restarting; stop ends the wait" {
	hkr -d --name flap --restart always "$RFS" false
	# 100, 200, 400, 800 ms...: soon the wait is longer than the run.
	wait_for 20 bash -c "$HUSK --storage-root $HUSK_STORE --root $ROOT ps -a --filter status=restarting -q | grep -q ."
	run hk ps -a --format '{{.Status}}'
	[[ "$output" == "Restarting (1) "* ]]
	run hk inspect flap
	[ "$(jq -r '.[0].State.Restarting' <<<"$output")" = true ]
	run hk stop flap
	[ "$status" -eq 0 ]
	run hk inspect flap
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = exited ]
	n="$(jq -r '.[0].RestartCount' <<<"$output")"
	sleep 2
	# Nothing restarts it any more.
	run hk inspect flap
	[ "$(jq -r '.[0].RestartCount' <<<"$output")" = "$n" ]
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = exited ]
}

@test "husk run --restart: bad policies and --rm refused as Docker" {
	run hkr --restart sometimes "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid restart policy 'sometimes'"* ]]
	run hkr --restart always:3 "$RFS" true
	[ "$status" -eq 125 ]
	run hkr --rm --restart always "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot specify both --restart and --rm"* ]]
	run hk ps -aq
	[ -z "$output" ]
}

@test "husk restart: a new run of the same container keeps its files" {
	hkr -d --name r "$RFS" sh -c 'echo started >>/root/runs; exec sleep 1000'
	pid1="$(hk inspect r | jq -r '.[0].State.Pid')"
	run hk restart -t 1 r
	[ "$status" -eq 0 ]
	[ "$output" = r ]
	pid2="$(hk inspect r | jq -r '.[0].State.Pid')"
	[ "$pid2" != "$pid1" ]
	run state r
	[ "$output" = "running 0 0" ]
	[ "$(grep -c started "$RFS/root/runs")" -eq 2 ]
	# A stopped container is started.
	hk stop -t 1 r
	hk restart r
	[ "$(grep -c started "$RFS/root/runs")" -eq 3 ]
	run hk restart nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such container"* ]]
}

@test "husk rename: the new name finds it, the old does not; names in use refused" {
	id="$(hk create --cgroup-parent "$CG_PARENT" --name old --rootfs "$RFS" true)"
	hk create --cgroup-parent "$CG_PARENT" --name other --rootfs "$RFS" true
	run hk rename old new
	[ "$status" -eq 0 ]
	run hk inspect new
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = /new ]
	run hk inspect old
	[ "$status" -ne 0 ]
	run hk rename new other
	[ "$status" -eq 125 ]
	[[ "$output" == *'"other" is already in use'* ]]
	run hk rename new new
	[ "$status" -eq 125 ]
	run hk rename new 'bad/name'
	[ "$status" -eq 125 ]
	# The old name is free for a new container.
	hk create --cgroup-parent "$CG_PARENT" --name old --rootfs "$RFS" true
	run hk start -a new
	[ "$status" -eq 0 ]
}

@test "husk container prune: only stopped containers go, filters apply" {
	hkr -d --name up "$RFS" sleep 1000
	hkr --name done "$RFS" true
	hk create --cgroup-parent "$CG_PARENT" --name fresh --rootfs "$RFS" true
	hkr --name keep -l keep=yes "$RFS" true
	run hk container prune -f --filter label!=keep
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted Containers:" ]
	[[ "${lines[-1]}" == "Total reclaimed space: "* ]]
	run hk ps -a --format '{{.Names}}'
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "keep up " ]
	run hk container prune -f --filter until=1h
	run hk ps -a --format '{{.Names}}'
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "keep up " ]
	# Asked first without -f; no answer is no.
	run hk container prune </dev/null
	[[ "$output" == *"WARNING! This will remove all stopped containers."* ]]
	run hk ps -a -q
	[ "${#lines[@]}" -eq 2 ]
	hk container prune -f
	run hk ps -a --format '{{.Names}}'
	[ "$output" = up ]
}

@test "husk run --label/--label-file: Config.Labels; ps --filter label, name, id, status, exited, before, since" {
	printf '# labels\ntier=from-file\nteam=core\n' >"$BATS_TEST_TMPDIR/labels"
	hk create --cgroup-parent "$CG_PARENT" --name a --label-file "$BATS_TEST_TMPDIR/labels" -l tier=web --rootfs "$RFS" true
	run hkr --name b -l tier=db "$RFS" sh -c 'exit 4'
	[ "$status" -eq 4 ]
	id_c="$(hkr -d --name c -l other "$RFS" sleep 1000)"
	run hk inspect a
	[ "$(jq -c '.[0].Config.Labels' <<<"$output")" = '{"tier":"web","team":"core"}' ]
	names() { hk ps "$@" --format '{{.Names}}' | sort | tr '\n' ' '; }
	[ "$(names -a --filter label=tier)" = "a b " ]
	[ "$(names -a --filter label=tier=db)" = "b " ]
	[ "$(names -a --filter label=tier --filter label=team)" = "a " ]
	[ "$(names -a --filter label=other)" = "c " ]
	[ "$(names -a --filter name=^/[ab])" = "a b " ]
	[ "$(names -a --filter id="${id_c:0:8}")" = "c " ]
	[ "$(names --filter status=exited)" = "b " ]
	[ "$(names --filter status=created --filter status=running)" = "a c " ]
	[ "$(names -a --filter exited=4)" = "b " ]
	[ "$(names -a --filter exited=0)" = "" ]
	[ "$(names -a --filter before=c)" = "a b " ]
	[ "$(names -a --filter since=a)" = "b c " ]
	[ "$(names -a --filter ancestor="$RFS")" = "a b c " ]
	run hk ps --filter colour=red
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'colour=red'"* ]]
	run hk ps --filter status=sleeping
	[ "$status" -eq 125 ]
}

@test "husk run --cidfile: the id written; an existing file refused before anything is made" {
	cid="$BATS_TEST_TMPDIR/cid"
	id="$(hkr -d --cidfile "$cid" "$RFS" sleep 1000)"
	[ "$(cat "$cid")" = "$id" ]
	run hkr --cidfile "$cid" "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"container ID file found"* ]]
	run hk ps -aq
	[ "${#lines[@]}" -eq 1 ]
	run hk inspect "$id"
	[ "$(jq -r '.[0].HostConfig.ContainerIDFile' <<<"$output")" = "$cid" ]
}

@test "husk run --env-file: comments, KEY alone from the caller, no quote processing, -e wins" {
	printf '# comment\n\nA=1\n  B="quoted" \nFROM_CALLER\nNOT_SET_HERE\nC=x=y\nD=file\n' >"$BATS_TEST_TMPDIR/env"
	export FROM_CALLER=caller
	unset NOT_SET_HERE
	run hkr --rm --env-file "$BATS_TEST_TMPDIR/env" -e D=flag "$RFS" sh -c 'echo "$A|$B|$FROM_CALLER|${NOT_SET_HERE-unset}|$C|$D"'
	[ "$status" -eq 0 ]
	[ "$output" = '1|"quoted" |caller|unset|x=y|flag' ]
	printf 'GOOD=1\nBAD NAME=2\n' >"$BATS_TEST_TMPDIR/bad"
	run hkr --rm --env-file "$BATS_TEST_TMPDIR/bad" "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"line 2: variable 'BAD NAME' contains whitespaces"* ]]
	run hkr --rm --env-file "$BATS_TEST_TMPDIR/missing" "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"missing"* ]]
	run hk ps -aq
	[ -z "$output" ]
}
