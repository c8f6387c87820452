#!/usr/bin/env bats
# tests/tools/seccomp-profile and husk's default seccomp profile as data: what it resolves to, its
# errors, and that it is no more permissive than Docker's. Loading it into containers is
# seccomp_default.bats.

load helpers

# The capabilities of seccomp_default.bats' GRANTED.
GRANTED=(CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_MODULE CAP_SYS_TIME CAP_SYS_PTRACE CAP_DAC_READ_SEARCH CAP_BPF
	CAP_PERFMON CAP_SYS_CHROOT CAP_SYSLOG)

setup() {
	setup_bundle
	TOOLS="$(husk_build_dir)/tests/tools"
	if [ ! -x "$TOOLS/seccomp-profile" ]; then
		echo "no seccomp-profile in $TOOLS (not built?)" >&2
		return 1
	fi
}

teardown() {
	common_teardown
}

@test "the resolved profile names this machine's architectures and its companions" {
	"$TOOLS/seccomp-profile" --config "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/s.json"
	case "$(uname -m)" in
	x86_64) want='["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]' ;;
	aarch64) want='["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"]' ;;
	*) skip "no expectation written for $(uname -m)" ;;
	esac
	[ "$(jq -c .architectures "$BATS_TEST_TMPDIR/s.json")" = "$want" ]
	[ "$(jq -r .defaultAction "$BATS_TEST_TMPDIR/s.json")" = SCMP_ACT_ERRNO ]
	[ "$(jq -r .defaultErrnoRet "$BATS_TEST_TMPDIR/s.json")" = 1 ]
}

@test "seccomp-profile: a bad profile is an error naming the file and the JSON path" {
	local p="$BATS_TEST_TMPDIR/p.json"
	echo '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},
		{"names":["mount"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMN"]}}]}' >"$p"
	run "$TOOLS/seccomp-profile" "$p"
	[ "$status" -eq 1 ]
	[ "$output" = "seccomp-profile: $p: syscalls[1].includes.caps[0]: unknown capability \"CAP_SYS_ADMN\"" ]
	run "$TOOLS/seccomp-profile" "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing.json"* ]]
	run "$TOOLS/seccomp-profile" --kernel banana
	[ "$status" -eq 1 ]
	[[ "$output" == *'kernel release "banana"'* ]]
}

# Docker's profile (Apache-2.0), kept outside the repository; HUSK_DOCKER_SECCOMP_PROFILE overrides.
_docker_profile() {
	echo "${HUSK_DOCKER_SECCOMP_PROFILE:-$REPO_DIR/../shared/reference/seccomp/default.json}"
}

@test "the default profile is no more permissive than Docker's (caps, arches, kernels)" {
	local docker
	docker="$(_docker_profile)"
	[ -f "$docker" ] || skip "Docker's profile not found at $docker"
	local caps arch kernel n=0
	for caps in "" CAP_AUDIT_WRITE,CAP_KILL,CAP_NET_BIND_SERVICE \
		CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE \
		"$(IFS=,; echo "${GRANTED[*]}")"; do
		for arch in amd64 x86 arm64 s390x ppc64le riscv64; do
			for kernel in 4.4.0 6.18.0; do
				"$TOOLS/seccomp-profile" --compact --caps "$caps" --arch "$arch" --kernel "$kernel" >"$BATS_TEST_TMPDIR/husk.json"
				"$TOOLS/seccomp-profile" --compact --caps "$caps" --arch "$arch" --kernel "$kernel" "$docker" >"$BATS_TEST_TMPDIR/docker.json"
				python3 "$HELPERS_DIR/seccomp_compare.py" "$BATS_TEST_TMPDIR/husk.json" "$BATS_TEST_TMPDIR/docker.json" ||
					{ echo "caps=$caps arch=$arch kernel=$kernel" >&2; return 1; }
				n=$((n + 1))
			done
		done
	done
	[ "$n" -eq 48 ]
}
