#!/bin/bash
# make test-cross: for every architecture, its unit tests and the whole integration
# suite against its own build/<arch>/volown, run under qemu-user (natively for the
# host's own architecture, and for i386 on an x86_64 kernel that runs 32-bit code).
#
#   ARCHES="arm64 s390x" tests/cross.sh      only these (default: all of release/arches)
#
# `make test-cross` builds everything first (make cross cross-unit). Tests that need the
# binary itself run by the kernel (setuid mode, its file, PR_SET_CHILD_SUBREAPER) skip
# under qemu-user and say why; tests/cross/ checks each file.
set -uo pipefail

cd "$(dirname "$0")/.."
VOLOWN_ROOT=$(pwd)
export VOLOWN_ROOT
# shellcheck source=lib/arches.bash
. tests/lib/arches.bash

ARCHES=${ARCHES:-$(arch_list | tr '\n' ' ')}
total_pass=0 total_fail=0 total_skip=0 summary=()
started=$SECONDS

for arch in $ARCHES; do
	bin=$VOLOWN_ROOT/build/$arch/volown
	[ -x "$bin" ] || { echo "tests/cross.sh: $bin is missing: run make cross cross-unit" >&2; exit 2; }
	emu=$VOLOWN_ROOT/build/$arch/emu
	rm -rf "$emu"
	units=()
	for u in "$VOLOWN_ROOT/build/$arch/unit"/test_*; do
		[ -x "$u" ] && units+=("$(arch_wrapper "$arch" "$u" "$emu/unit")")
	done
	volown=$(arch_wrapper "$arch" "$bin" "$emu")
	if arch_native "$arch"; then how=natively; emulated=; else how="under qemu-$(arch_field "$arch" 4)-static"; emulated=$arch; fi
	echo "==> $arch ($how)"
	arch_started=$SECONDS
	log=$(mktemp)
	VOLOWN=$volown VOLOWN_EMULATED=$emulated VOLOWN_SIZE_BUDGET=$(arch_field "$arch" 6) \
		tests/run "${units[@]}" tests/integration 2>&1 | tee "$log"
	counts=$(tail -n 1 "$log")
	rm -f "$log"
	read -r p _ f _ s _ <<<"$counts"
	case "$p$f$s" in *[!0-9]*|'') p=0 f=1 s=0 ;; esac
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
	summary+=("$(printf '%-8s %4d passed, %d failed, %3d skipped  %4d s  %s' "$arch" "$p" "$f" "$s" \
		$((SECONDS - arch_started)) "$how")")
done

echo
echo "test-cross, every architecture:"
printf '  %s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed, $total_skip skipped ($((SECONDS - started)) s)"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]
