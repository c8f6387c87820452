# shellcheck shell=bash
# The engine `husk` under test: $HUSK, else the husk of the build whose husk-runtime is under test.
# Load after helpers.bash. hk runs it with this test's private image store and state root, so tests
# never see the host's /var/lib/husk or each other.

if [ -z "${HUSK:-}" ]; then
	HUSK="$(husk_build_dir)/src/cli/husk/husk"
fi
export HUSK

# hk ARGS...: husk with a private --storage-root ($HUSK_STORE) and --root ($ROOT); a hung command
# fails the test instead of the suite.
hk() {
	timeout -k 5 "${HUSK_TIMEOUT:-120}" "$HUSK" --storage-root "$HUSK_STORE" --root "$ROOT" "$@"
}

husk_setup() {
	HUSK_STORE="$BATS_TEST_TMPDIR/store"
	ROOT="$BATS_TEST_TMPDIR/state"
	mkdir -p "$ROOT"
	export HUSK_STORE ROOT
}
