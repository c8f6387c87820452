#!/usr/bin/env bats
# The lifecycle around the monitor as a user types it: restart, --restart policies (kept by the
# monitor's cleanup), rename, container prune, labels and ps filters, --cidfile, --env-file.
# Containers run from a plain busybox directory (--rootfs).

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine
load image

setup() {
	engine_setup life
}

teardown() {
	engine_cleanup
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
	# Each seen in a wait of its own (a run comes in between).
	wait_for 30 bash -c "$HUSK --storage-root $HUSK_STORE --root $ROOT ps -a --filter status=restarting --format '{{.Status}}' | grep -q '^Restarting (1) '"
	wait_for 30 bash -c "$HUSK --storage-root $HUSK_STORE --root $ROOT inspect flap | jq -e '.[0].State.Restarting and .[0].State.Status == \"restarting\"'"
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
	[ "$(hk ps -a --filter name=^/a\$ --format '{{.Labels}}')" = "tier=web,team=core" ]
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

@test "husk logs --tail, --since, --until, -t" {
	hkr --name lg "$RFS" sh -c 'echo one; echo two >&2; sleep 1.5; echo three; echo four'
	run hk logs --tail 2 lg
	[ "$output" = "$(printf 'three\nfour')" ]
	run hk logs --tail all lg
	[ "${#lines[@]}" -eq 4 ]
	run hk logs -n 0 lg
	[ -z "$output" ]
	# Entries to the stream they came from.
	[ "$(hk logs lg 2>/dev/null | tr '\n' ' ')" = "one three four " ]
	[ "$(hk logs lg 2>&1 >/dev/null)" = two ]
	run hk logs -t --tail 1 lg
	[[ "$output" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ four$ ]]
	# --since/--until as times of the entries themselves: Unix seconds with a fraction and RFC 3339.
	t3="$(hk logs -t lg 2>/dev/null | sed -n 2p | cut -d' ' -f1)"
	since="$(date -d "$t3" +%s.%N)"
	run hk logs --since "$since" lg
	[ "$output" = "$(printf 'three\nfour')" ]
	run hk logs --until "$(date -d "$t3 - 1 sec" --utc +%Y-%m-%dT%H:%M:%S.%NZ)" lg
	[ "$output" = "$(printf 'one\ntwo')" ]
	run hk logs --since 1h lg
	[ "${#lines[@]}" -eq 4 ]
	run hk logs --since 0s lg
	[ -z "$output" ]
	run hk logs --since yesterday-ish lg
	[ "$status" -eq 125 ]
	[[ "$output" == *'invalid value for "since"'* ]]
	run hk logs --tail x lg
	[ "$status" -eq 125 ]
}

@test "husk logs -f follows while the container writes, with --tail, and ends with it" {
	hkr -d --name fl "$RFS" sh -c 'echo early; sleep 1; for i in 1 2 3; do echo "late $i"; sleep 0.3; done'
	run hk logs -f --tail 0 fl
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'late 1\nlate 2\nlate 3')" ]
	run hk logs -f fl
	[ "${#lines[@]}" -eq 4 ]
}

@test "husk run --log-opt max-size/max-file: json-file rotated by the monitor, at most max-file files, logs reads them all" {
	id="$(hkr -d --name rot --log-opt max-size=1k --log-opt max-file=3 "$RFS" sh -c 'i=0; while [ $i -lt 100 ]; do echo "line $i"; i=$((i+1)); done; sleep 1; i=100; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done')"
	# Followed across the rotations as they happen.
	run hk logs -f rot
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "line 199" ]
	dir="$HUSK_STORE/containers/$id"
	run ls "$dir"
	n="$(ls "$dir" | grep -c '^container-json\.log')"
	[ "$n" -eq 3 ]
	[ ! -e "$dir/container-json.log.3" ]
	for f in "$dir"/container-json.log*; do
		# Each at most max-size plus the entry that crossed it.
		[ "$(stat -c %s "$f")" -lt 1100 ]
	done
	# logs reads the rotated files too, oldest first, in order.
	run hk logs rot
	[ "${lines[-1]}" = "line 199" ]
	total="${#lines[@]}"
	[ "$total" -gt 20 ]
	first="${lines[0]#line }"
	[ "$(hk logs rot | awk '{print $2}' | tr '\n' ' ')" = "$(seq "$first" 199 | tr '\n' ' ')" ]
	run hk inspect rot
	[ "$(jq -c '.[0].HostConfig.LogConfig' <<<"$output")" = '{"Type":"json-file","Config":{"max-size":"1k","max-file":"3"}}' ]
	run hkr --log-opt max-file=0 "$RFS" true
	[ "$status" -eq 125 ]
	run hkr --log-opt max-size=lots "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"max-size=lots"* ]]
	run hkr --log-opt colour=red "$RFS" true
	[[ "$output" == *"unknown log opt 'colour' for json-file log driver"* ]]
}

@test "husk run --log-driver k8s-file: podman's CRI lines; none: no file, logs refuses" {
	id="$(hk create --cgroup-parent "$CG_PARENT" --name k8 --log-driver k8s-file --rootfs "$RFS" sh -c 'echo out; echo err >&2; printf partial')"
	hk start -a k8 >/dev/null 2>&1
	file="$(hk inspect k8 | jq -r '.[0].LogPath')"
	[ "$file" = "$HUSK_STORE/containers/$id/ctr.log" ]
	run cat "$file"
	[[ "${lines[0]}" =~ ^20[0-9-]{8}T[0-9:.]{18}Z\ stdout\ F\ out$ ]]
	[[ "${lines[1]}" =~ Z\ stderr\ F\ err$ ]]
	[[ "${lines[2]}" =~ Z\ stdout\ P\ partial$ ]]
	[ "$(hk logs k8 2>/dev/null)" = "$(printf 'out\npartial')" ]
	[ "$(hk logs k8 2>&1 >/dev/null)" = err ]
	[ ! -e "$HUSK_STORE/containers/$id/container-json.log" ]
	id2="$(hk create --cgroup-parent "$CG_PARENT" --name nolog --log-driver none --rootfs "$RFS" echo hi)"
	run hk start -a nolog
	[ "$output" = hi ]
	run hk logs nolog
	[ "$status" -eq 125 ]
	[[ "$output" == *"configured logging driver does not support reading"* ]]
	[ -z "$(ls "$HUSK_STORE/containers/$id2" | grep -E '\.log')" ]
	run hk inspect nolog
	[ "$(jq -r '.[0].HostConfig.LogConfig.Type' <<<"$output")" = none ]
	run hkr --log-driver syslog "$RFS" true
	[ "$status" -eq 125 ]
	run hkr --log-driver none --log-opt max-size=1k "$RFS" true
	[ "$status" -eq 125 ]
}

# health NAME: State.Health.Status
health() {
	hk inspect "$1" | jq -r '.[0].State.Health.Status'
}

@test "husk run --health-cmd: starting, then healthy; unhealthy after --health-retries failures; ps shows it" {
	hkr -d --name hc --health-cmd 'cat /tmp/ready' --health-interval 300ms --health-retries 2 "$RFS" sleep 1000
	run health hc
	[ "$output" = starting ]
	run hk ps --format '{{.Status}}'
	[[ "$output" == "Up "*" (health: starting)" ]]
	# Failing: unhealthy after 2 failures in a row, the streak counted, the output kept.
	wait_for 20 bash -c "[ \"\$($HUSK --storage-root $HUSK_STORE --root $ROOT inspect hc | jq -r '.[0].State.Health.Status')\" = unhealthy ]"
	run hk inspect hc
	[ "$(jq -r '.[0].State.Health.FailingStreak' <<<"$output")" -ge 2 ]
	[ "$(jq -r '.[0].State.Health.Log[-1].ExitCode' <<<"$output")" = 1 ]
	[[ "$(jq -r '.[0].State.Health.Log[-1].Output' <<<"$output")" == *"No such file"* ]]
	[ "$(jq -c '.[0].Config.Healthcheck' <<<"$output")" = '{"Test":["CMD-SHELL","cat /tmp/ready"],"Interval":300000000,"Retries":2}' ]
	[ "$(hk ps --filter health=unhealthy -q | wc -l)" -eq 1 ]
	# The probe runs in the container: a file made inside makes it healthy.
	echo yes >"$RFS/tmp/ready"
	wait_for 20 bash -c "[ \"\$($HUSK --storage-root $HUSK_STORE --root $ROOT inspect hc | jq -r '.[0].State.Health.Status')\" = healthy ]"
	run hk inspect hc
	[ "$(jq -r '.[0].State.Health.FailingStreak' <<<"$output")" = 0 ]
	[ "$(jq -r '.[0].State.Health.Log[-1].Output' <<<"$output")" = yes ]
	# Docker keeps the last 5 probes.
	sleep 2
	[ "$(hk inspect hc | jq '.[0].State.Health.Log | length')" -eq 5 ]
	run hk ps --format '{{.Status}}'
	[[ "$output" == "Up "*" (healthy)" ]]
	[ "$(hk ps --filter health=healthy -q | wc -l)" -eq 1 ]
}

@test "husk run --health-timeout: a probe past it fails as Docker's (-1, 'exceeded timeout') and is killed; --health-start-period" {
	hkr -d --name slow --health-cmd 'sleep 30' --health-interval 300ms --health-timeout 400ms --health-retries 1 "$RFS" sleep 1000
	wait_for 20 bash -c "[ \"\$($HUSK --storage-root $HUSK_STORE --root $ROOT inspect slow | jq -r '.[0].State.Health.Status')\" = unhealthy ]"
	run hk inspect slow
	[ "$(jq -r '.[0].State.Health.Log[0].ExitCode' <<<"$output")" = -1 ]
	[ "$(jq -r '.[0].State.Health.Log[0].Output' <<<"$output")" = "Health check exceeded timeout (400ms)" ]
	hk rm -f slow
	# Failures inside the start period do not count: still starting.
	hkr -d --name sp --health-cmd false --health-interval 200ms --health-retries 1 --health-start-period 1h "$RFS" sleep 1000
	sleep 1.5
	run hk inspect sp
	[ "$(jq -r '.[0].State.Health.Status' <<<"$output")" = starting ]
	[ "$(jq -r '.[0].State.Health.FailingStreak' <<<"$output")" = 0 ]
	[ "$(jq '.[0].State.Health.Log | length' <<<"$output")" -ge 2 ]
}

@test "husk run --no-healthcheck and bad --health-* values; a container without one has no State.Health" {
	run hkr --no-healthcheck --health-cmd true "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--no-healthcheck conflicts with --health-* options"* ]]
	run hkr --health-interval 10 "$RFS" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'"--health-interval"'* ]]
	run hkr --health-retries x "$RFS" true
	[ "$status" -eq 125 ]
	hkr -d --name none --no-healthcheck "$RFS" sleep 1000
	run hk inspect none
	[ "$(jq -c '.[0].Config.Healthcheck' <<<"$output")" = '{"Test":["NONE"]}' ]
	[ "$(jq -r '.[0].State.Health' <<<"$output")" = null ]
	hkr -d --name plain "$RFS" sleep 1000
	run hk inspect plain
	[ "$(jq -r '.[0].State.Health' <<<"$output")" = null ]
	run hk ps --format '{{.Status}}'
	[[ "$output" != *"health"* ]]
}

# image_with_healthcheck NAME HEALTHCHECK_JSON: the test busybox image with config.Healthcheck set,
# loaded into the test's store as NAME.
image_with_healthcheck() {
	local dir="$BATS_TEST_TMPDIR/layout" m c new_c new_m
	image_oci_layout "$dir"
	m="$(image_manifest_digest "$dir")"
	c="$(image_config_digest "$dir")"
	jq -c --argjson hc "$2" '.config.Healthcheck = $hc' "$(image_blob_path "$dir" "$c")" >"$dir/cfg.json"
	new_c="sha256:$(sha256sum "$dir/cfg.json" | cut -d' ' -f1)"
	mv "$dir/cfg.json" "$(image_blob_path "$dir" "$new_c")"
	jq -c --arg d "$new_c" --argjson s "$(stat -c %s "$(image_blob_path "$dir" "$new_c")")" \
		'.config.digest = $d | .config.size = $s' "$(image_blob_path "$dir" "$m")" >"$dir/m.json"
	new_m="sha256:$(sha256sum "$dir/m.json" | cut -d' ' -f1)"
	mv "$dir/m.json" "$(image_blob_path "$dir" "$new_m")"
	jq --arg d "$new_m" --argjson s "$(stat -c %s "$(image_blob_path "$dir" "$new_m")")" \
		'.manifests[0].digest = $d | .manifests[0].size = $s' "$dir/index.json" >"$dir/i.json"
	mv "$dir/i.json" "$dir/index.json"
	skopeo copy --quiet "oci:$dir:busybox:test" "oci-archive:$BATS_TEST_TMPDIR/hc.tar:$1" >/dev/null
	hk load -i "$BATS_TEST_TMPDIR/hc.tar" >/dev/null
}

@test "husk run IMAGE: the image's Healthcheck runs; the flags override its fields; --no-healthcheck disables it" {
	image_with_healthcheck hc:1 '{"Test":["CMD","/bin/sh","-c","echo from-image"],"Interval":300000000,"Retries":5}'
	hk run -d --name img --cgroup-parent "$CG_PARENT" hc:1 sleep 1000
	wait_for 20 bash -c "[ \"\$($HUSK --storage-root $HUSK_STORE --root $ROOT inspect img | jq -r '.[0].State.Health.Status')\" = healthy ]"
	run hk inspect img
	[ "$(jq -r '.[0].State.Health.Log[0].Output' <<<"$output")" = from-image ]
	[ "$(jq -c '.[0].Config.Healthcheck' <<<"$output")" = '{"Test":["CMD","/bin/sh","-c","echo from-image"],"Interval":300000000,"Retries":5}' ]
	# --health-cmd replaces the test; the image's interval stays.
	hk run -d --name over --health-cmd false --health-retries 1 --cgroup-parent "$CG_PARENT" hc:1 sleep 1000
	wait_for 20 bash -c "[ \"\$($HUSK --storage-root $HUSK_STORE --root $ROOT inspect over | jq -r '.[0].State.Health.Status')\" = unhealthy ]"
	run hk inspect over
	[ "$(jq -c '.[0].Config.Healthcheck' <<<"$output")" = '{"Test":["CMD-SHELL","false"],"Interval":300000000,"Retries":1}' ]
	hk run -d --name off --no-healthcheck --cgroup-parent "$CG_PARENT" hc:1 sleep 1000
	sleep 1
	run hk inspect off
	[ "$(jq -r '.[0].State.Health' <<<"$output")" = null ]
}
