#!/usr/bin/env bats
# The engine's volumes and mounts as a user types them: husk volume create/ls/inspect/rm/prune,
# run -v (named, anonymous, bind), --mount, --tmpfs, --volumes-from, rm -v, --rm, Docker's copy-up of
# the image's content, inspect's Mounts. Every test removes its containers and volumes (teardown).

bats_require_minimum_version 1.5.0

load helpers
load husk
load engine
load image

setup() {
	engine_setup vol
}

teardown() {
	engine_cleanup
	local v
	for v in $(hk volume ls -q 2>/dev/null); do
		hk volume rm -f "$v" >/dev/null 2>&1 || true
	done
	# a volume of --opt type=tmpfs left mounted by a failed test
	awk -v pfx="$BATS_TEST_TMPDIR/" 'index($5, pfx) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
}

# hkr [OPTIONS] CMD...: husk run --rm of the test's rootfs with the test's cgroup parent.
hkr() {
	local opts=()
	while [ $# -gt 0 ] && [ "${1:0:1}" = - ]; do
		case "$1" in
		-v | --volume | --mount | --tmpfs | --volumes-from | --name)
			opts+=("$1" "$2")
			shift 2
			;;
		*)
			opts+=("$1")
			shift
			;;
		esac
	done
	hk run --rm --cgroup-parent "$CG_PARENT" "${opts[@]}" --rootfs "$RFS" "$@"
}

# No volume left in the store.
assert_no_volumes() {
	run hk volume ls -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "husk volume create/ls/inspect/rm: names, labels, options, Docker's output and errors" {
	run hk volume create --label a=1 --label b vol1
	[ "$status" -eq 0 ]
	[ "$output" = vol1 ]
	# an existing name is kept as it is (docker volume create is idempotent)
	run hk volume create vol1
	[ "$status" -eq 0 ]
	run hk volume create --name vol2 -o type=tmpfs -o device=tmpfs -o o=size=1m
	[ "$status" -eq 0 ]
	run hk volume create
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	local anon="$output"

	run hk volume ls
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
	[[ "$output" == *"local     vol1"* ]]
	[ "${#lines[@]}" -eq 4 ]
	run hk volume ls -q --filter label=a=1
	[ "$output" = vol1 ]
	run hk volume ls -q --filter name=vol
	[ "$output" = "$(printf 'vol1\nvol2')" ]
	run hk volume ls --format '{{.Name}} {{.Driver}} {{.Labels}}' --filter name=vol1
	[ "$output" = "vol1 local a=1,b=" ]
	run hk volume ls -q --filter dangling=true
	[ "${#lines[@]}" -eq 3 ]
	run -125 hk volume ls --filter bogus=1
	[[ "$output" == *"invalid filter 'bogus=1'"* ]]

	run hk volume inspect vol1 vol2
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Name, .[0].Driver, .[0].Scope, .[0].Labels.a, .[0].Labels.b' <<<"$output" | tr '\n' ' ')" = "vol1 local local 1  " ]
	[ "$(jq -r '.[0].Mountpoint' <<<"$output")" = "$HUSK_STORE/volumes/vol1/_data" ]
	[ "$(jq -r '.[1].Options.type, .[1].Options.o' <<<"$output" | tr '\n' ' ')" = "tmpfs size=1m " ]
	[[ "$(jq -r '.[0].CreatedAt' <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
	run hk volume inspect -f '{{.Mountpoint}}' vol1
	[ "$output" = "$HUSK_STORE/volumes/vol1/_data" ]
	[ -d "$output" ]
	run -1 hk volume inspect nosuch
	[[ "$output" == *"no such volume: nosuch"* ]]

	# Docker's name rules and messages
	run -125 hk volume create a
	[[ "$output" == *"volume name is too short, names should be at least two alphanumeric characters"* ]]
	run -125 hk volume create 'bad/name'
	[[ "$output" == *'"bad/name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed'* ]]
	run -125 hk volume create -o bogus=1 x1
	[[ "$output" == *'invalid option key: "bogus"'* ]]
	run -125 hk volume create -d nfs x2
	[[ "$output" == *'plugin "nfs" not found'* ]]
	run -125 hk volume create --name x3 x4
	[[ "$output" == *"conflicting options"* ]]
	run hk volume ls -q
	[ "${#lines[@]}" -eq 3 ]

	run hk volume rm vol1 vol2 "$anon"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'vol1\nvol2\n%s' "$anon")" ]
	run -1 hk volume rm vol1
	[[ "$output" == *"no such volume: vol1"* ]]
	run hk volume rm -f vol1
	[ "$status" -eq 0 ]
	assert_no_volumes
	[ -z "$(ls -A "$HUSK_STORE/volumes" | grep -vx .lock)" ]
	# "lock" is a name like any other
	run hk volume create lock
	[ "$status" -eq 0 ]
	run hk volume rm lock
	[ "$status" -eq 0 ]
}

@test "husk run -v NAME:DST: a named volume made on first use keeps its data across containers" {
	run hk create --cgroup-parent "$CG_PARENT" -v data1:/data --rootfs "$RFS" true
	[ "$status" -eq 0 ]
	# made at create, as Docker does
	run hk volume ls -q
	[ "$output" = data1 ]
	run hk rm "$(hk ps -aq)"
	[ "$status" -eq 0 ]
	run hkr -v data1:/data sh -c 'echo persisted >/data/file'
	[ "$status" -eq 0 ]
	run hkr -v data1:/data cat /data/file
	[ "$status" -eq 0 ]
	[ "$output" = persisted ]
	[ "$(cat "$HUSK_STORE/volumes/data1/_data/file")" = persisted ]
	# --mount type=volume reaches the same volume
	run hkr --mount type=volume,src=data1,dst=/other cat /other/file
	[ "$output" = persisted ]
	engine_assert_nothing_left
	run hk volume rm data1
	[ "$status" -eq 0 ]
}

@test "husk run: ro is enforced (-v :ro, --mount readonly), rw is the default" {
	mkdir "$BATS_TEST_TMPDIR/host"
	echo on-host >"$BATS_TEST_TMPDIR/host/f"
	run hkr -v ro1:/data:ro sh -c 'echo x >/data/new'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$HUSK_STORE/volumes/ro1/_data/new" ]
	run hkr -v "$BATS_TEST_TMPDIR/host:/h:ro" sh -c 'cat /h/f; echo x >/h/f'
	[ "$status" -ne 0 ]
	[[ "$output" == *"on-host"*"Read-only file system"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/host/f")" = on-host ]
	run hkr --mount "type=bind,src=$BATS_TEST_TMPDIR/host,dst=/h,readonly" sh -c 'echo x >/h/f'
	[ "$status" -ne 0 ]
	run hkr --mount type=volume,src=ro1,dst=/data,ro=true sh -c 'echo x >/data/new'
	[ "$status" -ne 0 ]
	run hkr -v ro1:/data:rw sh -c 'echo x >/data/new && grep " /data " /proc/mounts'
	[ "$status" -eq 0 ]
	[[ "$output" == *" rw,"* ]]
	[ -f "$HUSK_STORE/volumes/ro1/_data/new" ]
	run hk volume rm ro1
	[ "$status" -eq 0 ]
}

@test "husk run: bind mounts both ways; -v makes a missing source, --mount refuses it" {
	mkdir "$BATS_TEST_TMPDIR/host"
	echo from-host >"$BATS_TEST_TMPDIR/host/in"
	run hkr -v "$BATS_TEST_TMPDIR/host:/h" sh -c 'cat /h/in; echo from-container >/h/out'
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	[ "$(cat "$BATS_TEST_TMPDIR/host/out")" = from-container ]
	# a file bound onto a file
	run hkr --mount "type=bind,source=$BATS_TEST_TMPDIR/host/in,target=/etc/in" cat /etc/in
	[ "$output" = from-host ]

	run hkr -v "$BATS_TEST_TMPDIR/made/by/v:/m" sh -c 'echo hi >/m/x'
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/made/by/v/x")" = hi ]
	run -125 hkr --mount "type=bind,src=$BATS_TEST_TMPDIR/missing,dst=/m" true
	[[ "$output" == *"invalid mount config for type \"bind\": bind source path does not exist: $BATS_TEST_TMPDIR/missing"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/missing" ]
	# bind propagation
	run hkr -v "$BATS_TEST_TMPDIR/host:/h:rslave" grep -c " /h " /proc/mounts
	[ "$status" -eq 0 ]
	run hk ps -aq
	[ -z "$output" ]
	engine_assert_nothing_left
	assert_no_volumes
}

@test "husk run --tmpfs and --mount type=tmpfs: writable, options applied, gone after" {
	run hkr --tmpfs /scratch:size=1m,mode=1770 --mount type=tmpfs,dst=/t2,tmpfs-size=2m,tmpfs-mode=700 \
		sh -c 'echo x >/scratch/f && cat /scratch/f && grep -E " /(scratch|t2) " /proc/mounts && stat -c %a /scratch /t2'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = x ]
	[[ "$output" == *"tmpfs /scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770"* ]]
	[[ "$output" == *"tmpfs /t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=700"* ]]
	[ "${lines[3]}" = 1770 ]
	[ "${lines[4]}" = 700 ]
	# exec overrides Docker's default noexec
	run hkr --tmpfs /x:exec grep " /x " /proc/mounts
	[[ "$output" != *noexec* ]]
	# nothing of it in the root afterwards, nothing mounted
	[ ! -e "$RFS/scratch/f" ]
	run hkr sh -c 'ls /scratch 2>&1; grep -c " /scratch " /proc/mounts'
	[ "${lines[-1]}" = 0 ]
	run -125 hkr --tmpfs /bad:bogus true
	[[ "$output" == *'invalid tmpfs option "bogus"'* ]]
	run -125 hkr --tmpfs relative true
	[[ "$output" == *"mount path must be absolute"* ]]
	engine_assert_nothing_left
	assert_no_volumes
}

@test "husk run --mount: parse errors name the flag and the value, exit 125, nothing made" {
	mkdir "$BATS_TEST_TMPDIR/host"
	local -a bad=(
		"type=bind,dst=/x|field Source must not be empty"
		"type=volume,src=v1|target is required"
		"type=bogus,dst=/x|invalid mount config for type \"bogus\": mount type unknown"
		"type=bind,src=$BATS_TEST_TMPDIR/host,dst=/x,foo=bar|unexpected key 'foo' in 'foo=bar'"
		"type=bind,src=$BATS_TEST_TMPDIR/host,dst=/x,junk|invalid field 'junk' must be a key=value pair"
		"type=volume,src=v1,dst=/x,readonly=maybe|invalid value for readonly: maybe"
		"type=volume,src=v1,dst=/x,tmpfs-size=1m|cannot mix 'tmpfs-*' options with mount type 'volume'"
		"type=bind,src=$BATS_TEST_TMPDIR/host,dst=/x,volume-nocopy|cannot mix 'volume-*' options with mount type 'bind'"
		"type=tmpfs,dst=/x,bind-propagation=shared|cannot mix 'bind-*' options with mount type 'tmpfs'"
		"type=tmpfs,dst=/x,tmpfs-size=lots|invalid value for tmpfs-size: lots"
		"type=tmpfs,dst=/x,tmpfs-mode=999|invalid value for tmpfs-mode: 999"
		"type=tmpfs,src=foo,dst=/x|field Source must not be specified"
		"type=volume,src=v1,dst=relative|invalid mount path: 'relative' mount path must be absolute"
		"type=volume,src=v1,dst=/|destination can't be '/'"
		"type=bind,src=relative,dst=/x|invalid mount path: 'relative' mount path must be absolute"
		"type=bind,src=$BATS_TEST_TMPDIR/host,dst=/x,bind-propagation=sideways|invalid propagation mode: sideways"
		"type=volume,src=a/b,dst=/x|includes invalid characters for a local volume name"
	)
	local b
	for b in "${bad[@]}"; do
		run -125 hk run --cgroup-parent "$CG_PARENT" --mount "${b%%|*}" --rootfs "$RFS" true
		echo "--mount ${b%%|*}: $output"
		[[ "$output" == *"${b#*|}"* ]]
	done
	run -125 hk run --cgroup-parent "$CG_PARENT" --mount "type=volume,src=v1,dst=/x,readonly=maybe" --rootfs "$RFS" true
	[[ "$output" == *"invalid argument \"type=volume,src=v1,dst=/x,readonly=maybe\" for \"--mount\" flag"* ]]
	local -a badv=(
		"/data:ro|invalid volume specification: '/data:ro'"
		"a:b:c:d|invalid volume specification: 'a:b:c:d'"
		"v1:/x:bogus|invalid mode: bogus"
		"v1:/x:ro,rw|invalid mode: ro,rw"
		"v1:relative|invalid mount path: 'relative' mount path must be absolute"
		"x:/x|volume name is too short"
		"v1:/x:rshared|field BindOptions must not be specified"
	)
	for b in "${badv[@]}"; do
		run -125 hk run --cgroup-parent "$CG_PARENT" -v "${b%%|*}" --rootfs "$RFS" true
		echo "-v ${b%%|*}: $output"
		[[ "$output" == *"${b#*|}"* ]]
	done
	run -125 hk run --cgroup-parent "$CG_PARENT" -v v1:/x --tmpfs /x --rootfs "$RFS" true
	[[ "$output" == *"Duplicate mount point: /x"* ]]
	run hk ps -aq
	[ -z "$output" ]
	assert_no_volumes
	engine_assert_nothing_left
}

@test "husk run -v: a new volume is filled with the image's content (copy-up); nocopy and a used volume are not" {
	local t="$BATS_TEST_TMPDIR/img"
	image_rootfs "$t"
	mkdir -p "$t/srv/content/sub"
	echo a >"$t/srv/content/a"
	echo b >"$t/srv/content/sub/b"
	ln -s /etc/passwd "$t/srv/content/link"
	chown -R 1000:1000 "$t/srv/content"
	chmod 0750 "$t/srv/content"
	tar --numeric-owner -C "$t" -cf "$BATS_TEST_TMPDIR/img.tar" .
	run hk import "$BATS_TEST_TMPDIR/img.tar" content:1
	[ "$status" -eq 0 ]

	run hk run --rm --cgroup-parent "$CG_PARENT" -v cu1:/srv/content content:1 sh -c 'cat /srv/content/a /srv/content/sub/b; readlink /srv/content/link'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nb\n/etc/passwd')" ]
	local d="$HUSK_STORE/volumes/cu1/_data"
	[ "$(cat "$d/sub/b")" = b ]
	# the symlink copied as a symlink (never followed), owners and the directory's mode kept
	[ "$(readlink "$d/link")" = /etc/passwd ]
	[ "$(stat -c '%u:%g %a' "$d")" = "1000:1000 750" ]
	[ "$(stat -c '%u:%g' "$d/sub/b")" = "1000:1000" ]
	# a volume with content is not filled again
	rm "$d/a"
	run hk run --rm --cgroup-parent "$CG_PARENT" -v cu1:/srv/content content:1 ls /srv/content
	[ "$output" = "$(printf 'link\nsub')" ]
	# nocopy: empty; an anonymous volume is filled too
	run hk run --rm --cgroup-parent "$CG_PARENT" -v cu2:/srv/content:nocopy content:1 ls -A /srv/content
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run hk run --rm --cgroup-parent "$CG_PARENT" --mount type=volume,dst=/srv/content content:1 cat /srv/content/a
	[ "$output" = a ]
	run hk volume rm cu1 cu2
	[ "$status" -eq 0 ]
	# --rm removed the anonymous one
	assert_no_volumes
	engine_assert_nothing_left
}

@test "husk run -v: an image's symlink at the destination pointing outside keeps the mount inside the root" {
	local t="$BATS_TEST_TMPDIR/img" outside="$BATS_TEST_TMPDIR/outside" outside2="$BATS_TEST_TMPDIR/outside2"
	mkdir -p "$outside/etc" "$outside2"
	echo host-secret >"$outside/etc/secret"
	image_rootfs "$t"
	# absolute: the host's directory; relative: as many ".." as it takes to leave any root
	ln -s "$outside" "$t/abs"
	ln -s ../../../../../../../../../..$outside2 "$t/rel"
	ln -s /etc "$t/toetc"
	tar --numeric-owner -C "$t" -cf "$BATS_TEST_TMPDIR/img.tar" .
	run hk import "$BATS_TEST_TMPDIR/img.tar" links:1
	[ "$status" -eq 0 ]
	mkdir "$BATS_TEST_TMPDIR/src"
	echo bound >"$BATS_TEST_TMPDIR/src/b"

	run hk run --rm --cgroup-parent "$CG_PARENT" -v esc1:/abs -v "$BATS_TEST_TMPDIR/src:/rel" --tmpfs /toetc/t links:1 \
		sh -c 'echo written >/abs/w; cat /rel/b; grep -E " ('"$outside"'|'"$outside2"'|/etc/t) " /proc/mounts | cut -d" " -f2'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = bound ]
	# the volume got the write; the host directory the symlinks name was neither copied nor written
	[ "$(cat "$HUSK_STORE/volumes/esc1/_data/w")" = written ]
	[ ! -e "$HUSK_STORE/volumes/esc1/_data/etc" ]
	[ "$(ls -A "$outside")" = etc ]
	[ "$(ls -A "$outside/etc")" = secret ]
	[ -z "$(ls -A "$outside2")" ]
	# inside the container the mounts sit where the symlinks resolve within the root
	[[ "$output" == *"$outside"* ]]
	[[ "$output" == *"$outside2"* ]]
	[[ "$output" == *"/etc/t"* ]]
	# nothing was mounted on the host's side
	run grep -c " $outside" /proc/self/mountinfo
	[ "$output" = 0 ]
	# copy-up through an image's symlink reads the container's /etc, not the host's
	run hk run --rm --cgroup-parent "$CG_PARENT" -v esc2:/toetc links:1 cat /toetc/passwd
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$t/etc/passwd")" ]
	[ "$(cat "$HUSK_STORE/volumes/esc2/_data/passwd")" = "$(cat "$t/etc/passwd")" ]
	run hk volume rm esc1 esc2
	[ "$status" -eq 0 ]
	engine_assert_nothing_left
}

@test "husk volume rm: refused while a container uses it (Docker's message); rm -f too" {
	run hk create --cgroup-parent "$CG_PARENT" --name user1 -v busy1:/data --rootfs "$RFS" sleep 100
	[ "$status" -eq 0 ]
	local id="$output"
	run -1 hk volume rm busy1
	[[ "$output" == *"remove busy1: volume is in use - [$id]"* ]]
	run -1 hk volume rm -f busy1
	[[ "$output" == *"volume is in use"* ]]
	run hk start user1
	[ "$status" -eq 0 ]
	run -1 hk volume rm busy1
	run hk rm -f user1
	[ "$status" -eq 0 ]
	# a named volume outlives its container, rm -v too
	run hk volume ls -q
	[ "$output" = busy1 ]
	run hk volume rm busy1
	[ "$status" -eq 0 ]
	assert_no_volumes
}

@test "husk volume prune: unused anonymous volumes (-a: every unused one); used ones stay" {
	run hk volume create named1
	run hk volume create named2
	run hk create --cgroup-parent "$CG_PARENT" --name keeper -v named2:/n -v /anon-used --rootfs "$RFS" true
	[ "$status" -eq 0 ]
	run hk create --cgroup-parent "$CG_PARENT" --name gone -v /anon-free --rootfs "$RFS" true
	local free
	free="$(hk inspect gone | jq -r '.[0].Mounts[0].Name')"
	echo data >"$HUSK_STORE/volumes/$free/_data/f"
	run hk rm gone
	[ "$status" -eq 0 ]
	run hk volume ls -q
	[ "${#lines[@]}" -eq 4 ]

	run hk volume prune <<<"n"
	[ "$status" -eq 0 ]
	[[ "$output" == *"WARNING! This will remove anonymous local volumes not used by at least one container."* ]]
	run hk volume ls -q
	[ "${#lines[@]}" -eq 4 ]
	run hk volume prune -f
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'Deleted Volumes:\n%s\n\nTotal reclaimed space: 5B' "$free")" ]
	run hk volume ls -q
	[ "${#lines[@]}" -eq 3 ]
	run hk volume prune -f -a
	[ "$status" -eq 0 ]
	[[ "$output" == *"named1"* ]]
	[[ "$output" != *"named2"* ]]
	run hk rm keeper
	run hk volume prune -af
	[ "$status" -eq 0 ]
	assert_no_volumes
}

@test "husk rm -v and --rm remove the container's anonymous volumes, never named ones" {
	run hk create --cgroup-parent "$CG_PARENT" --name c1 -v /anon1 -v keep1:/keep --rootfs "$RFS" true
	[ "$status" -eq 0 ]
	local anon
	anon="$(hk inspect c1 | jq -r '.[0].Mounts[] | select(.Destination == "/anon1") | .Name')"
	[[ "$anon" =~ ^[0-9a-f]{64}$ ]]
	run hk volume inspect -f '{{.Labels}}' "$anon"
	[ "$output" = "com.docker.volume.anonymous=" ]
	run hk rm -v c1
	[ "$status" -eq 0 ]
	run hk volume ls -q
	[ "$output" = keep1 ]
	# without -v the anonymous volume stays (Docker's rule)
	run hk create --cgroup-parent "$CG_PARENT" --name c2 -v /anon2 --rootfs "$RFS" true
	run hk rm c2
	run hk volume ls -q
	[ "${#lines[@]}" -eq 2 ]
	run hk volume prune -f
	# --rm: gone with the container
	run hkr -v /anon3 -v keep1:/keep sh -c 'echo x >/anon3/f'
	[ "$status" -eq 0 ]
	run hk volume ls -q
	[ "$output" = keep1 ]
	run hk volume rm keep1
	assert_no_volumes
	engine_assert_nothing_left
}

@test "husk inspect: HostConfig.Binds, HostConfig.Mounts, Config.Volumes and Mounts as Docker shows them" {
	mkdir "$BATS_TEST_TMPDIR/host"
	run hk create --cgroup-parent "$CG_PARENT" --name i1 -v "$BATS_TEST_TMPDIR/host:/h:ro,z" -v iv1:/v -v /anon \
		--mount type=tmpfs,dst=/t,tmpfs-size=1m --mount "type=bind,src=$BATS_TEST_TMPDIR/host,dst=/h2,bind-propagation=rslave" \
		--tmpfs /run:size=64k --rootfs "$RFS" true
	[ "$status" -eq 0 ]
	run hk inspect i1
	[ "$status" -eq 0 ]
	local j="$output"
	[ "$(jq -c '.[0].HostConfig.Binds' <<<"$j")" = "[\"$BATS_TEST_TMPDIR/host:/h:ro,z\",\"iv1:/v\"]" ]
	[ "$(jq -c '.[0].Config.Volumes' <<<"$j")" = '{"/anon":{}}' ]
	[ "$(jq -c '.[0].HostConfig.Tmpfs' <<<"$j")" = '{"/run":"size=64k"}' ]
	[ "$(jq -c '.[0].HostConfig.Mounts[0]' <<<"$j")" = '{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1048576}}' ]
	[ "$(jq -c '.[0].HostConfig.Mounts[1].BindOptions' <<<"$j")" = '{"Propagation":"rslave"}' ]
	[ "$(jq -c '.[0].Mounts | length' <<<"$j")" = 5 ]
	[ "$(jq -c '.[0].Mounts[] | select(.Destination == "/h")' <<<"$j")" = \
		"{\"Type\":\"bind\",\"Source\":\"$BATS_TEST_TMPDIR/host\",\"Destination\":\"/h\",\"Mode\":\"ro,z\",\"RW\":false,\"Propagation\":\"rprivate\"}" ]
	[ "$(jq -c '.[0].Mounts[] | select(.Destination == "/v")' <<<"$j")" = \
		"{\"Type\":\"volume\",\"Name\":\"iv1\",\"Source\":\"$HUSK_STORE/volumes/iv1/_data\",\"Destination\":\"/v\",\"Driver\":\"local\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"}" ]
	[ "$(jq -r '.[0].Mounts[] | select(.Destination == "/h2") | .Propagation' <<<"$j")" = rslave ]
	run hk rm -v i1
	[ "$status" -eq 0 ]
	run hk volume rm iv1
	assert_no_volumes
}

@test "husk run --volumes-from: another container's volumes and binds, ro when asked" {
	mkdir "$BATS_TEST_TMPDIR/host"
	run hk create --cgroup-parent "$CG_PARENT" --name src1 -v vf1:/data -v /anon -v "$BATS_TEST_TMPDIR/host:/h" --rootfs "$RFS" true
	[ "$status" -eq 0 ]
	run hkr --volumes-from src1 sh -c 'echo x >/data/f && echo y >/h/g && echo z >/anon/a && ls /data /h'
	[ "$status" -eq 0 ]
	[ "$(cat "$HUSK_STORE/volumes/vf1/_data/f")" = x ]
	[ "$(cat "$BATS_TEST_TMPDIR/host/g")" = y ]
	run hkr --volumes-from src1:ro sh -c 'cat /data/f; echo w >/data/f'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run -125 hkr --volumes-from nosuch true
	[[ "$output" == *"no such container: nosuch"* ]]
	# the anonymous volume belongs to src1: --rm of the other did not remove it
	run hk volume ls -q
	[ "${#lines[@]}" -eq 2 ]
	run hk rm -v src1
	run hk volume rm vf1
	assert_no_volumes
	engine_assert_nothing_left
}

@test "husk volume create --opt type=tmpfs: mounted on first use, shared by containers, unmounted by volume rm" {
	run hk volume create --opt type=tmpfs --opt device=tmpfs --opt o=size=1m tv1
	[ "$status" -eq 0 ]
	run hkr -v tv1:/data sh -c 'echo shared >/data/f; grep " /data " /proc/mounts'
	[ "$status" -eq 0 ]
	[[ "$output" == *"tmpfs /data tmpfs"*"size=1024k"* ]]
	run hkr -v tv1:/data cat /data/f
	[ "$output" = shared ]
	grep -q " $HUSK_STORE/volumes/tv1/_data " /proc/self/mountinfo
	run hk volume rm tv1
	[ "$status" -eq 0 ]
	run grep -c " $HUSK_STORE/volumes/tv1/_data " /proc/self/mountinfo
	[ "$output" = 0 ]
	assert_no_volumes
}

@test "husk system df: Local Volumes counted (active: used by a container; reclaimable: the others' content)" {
	run hk create --cgroup-parent "$CG_PARENT" --name df1 -v dfused:/data --rootfs "$RFS" true
	[ "$status" -eq 0 ]
	run hk volume create dffree
	printf 12345 >"$HUSK_STORE/volumes/dfused/_data/f"
	printf abc >"$HUSK_STORE/volumes/dffree/_data/g"
	run hk system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}'
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "Local Volumes|2|1|8B|3B (37%)" ]
	run hk system df -v
	[ "$status" -eq 0 ]
	[[ "$output" == *"Local Volumes space usage:"* ]]
	echo "$output" | grep -Eq '^dfused +1 +5B$'
	echo "$output" | grep -Eq '^dffree +0 +3B$'
	run hk rm df1
	run hk volume rm dfused dffree
	[ "$status" -eq 0 ]
	assert_no_volumes
}

@test "husk run --userns auto -v: a new volume belongs to the container's root (writable inside), copied-up owners mapped" {
	local t="$BATS_TEST_TMPDIR/img"
	image_rootfs "$t"
	mkdir -p "$t/srv/app"
	echo a >"$t/srv/app/a"
	chown -R 1000:1000 "$t/srv/app"
	tar --numeric-owner -C "$t" -cf "$BATS_TEST_TMPDIR/img.tar" .
	run hk import "$BATS_TEST_TMPDIR/img.tar" uimg:1
	[ "$status" -eq 0 ]
	# the namespace's root reaches the store by path (bats makes its directories 0700)
	local d="$BATS_TEST_TMPDIR"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d="$(dirname "$d")"
	done
	run hk run --rm --cgroup-parent "$CG_PARENT" --userns auto -v uv1:/empty -v uv2:/srv/app uimg:1 \
		sh -c 'echo x >/empty/f && stat -c "%u:%g" /empty /empty/f /srv/app /srv/app/a'
	if [[ "$output" == *"lowerdir+"* || "$output" == *"idmapped"* ]]; then
		skip "--userns auto needs overlayfs layers by fd here: $output"
	fi
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0:0\n0:0\n1000:1000\n1000:1000')" ]
	# on the host: the namespace's ids, not root's
	local owner
	owner="$(stat -c %u "$HUSK_STORE/volumes/uv1/_data")"
	[ "$owner" -ne 0 ]
	[ "$(stat -c %u "$HUSK_STORE/volumes/uv1/_data/f")" = "$owner" ]
	[ "$(stat -c %u "$HUSK_STORE/volumes/uv2/_data/a")" = "$((owner + 1000))" ]
	run hk volume rm uv1 uv2
	[ "$status" -eq 0 ]
	engine_assert_nothing_left
}
