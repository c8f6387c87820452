# shellcheck shell=bash
# bats runs this once before the first file: the "before" snapshot for zz_leaks.bats.

setup_suite() {
	# shellcheck source=leakcheck.bash
	source "$(dirname "${BASH_SOURCE[0]}")/leakcheck.bash"
	leak_snapshot "$BATS_RUN_TMPDIR/leak-before" "$BATS_RUN_TMPDIR"
}
