#!/bin/bash
# Run every libFuzzer harness of fuzz/ over its corpus for FUZZ_SECONDS (default 10),
# as TAP. New inputs that widen coverage are added to fuzz/corpus/NAME.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-10}
targets=(modes ids_number)
make -s -f Makefile -f fuzz/fuzz.mk fuzz-build >&2 || { echo "1..1"; echo "not ok 1 building the fuzzers"; exit 1; }
echo "1..${#targets[@]}"
i=0 rc=0
for t in "${targets[@]}"; do
	i=$((i + 1))
	mkdir -p "fuzz/corpus/$t"
	if build/fuzz/fuzz_$t -max_total_time="$secs" -max_len=256 "fuzz/corpus/$t" >"build/fuzz/$t.log" 2>&1; then
		echo "ok $i fuzz $t for ${secs} s ($(ls "fuzz/corpus/$t" | wc -l) inputs in the corpus)"
	else
		echo "not ok $i fuzz $t: a crash, see build/fuzz/$t.log"
		tail -n 30 "build/fuzz/$t.log" | sed 's/^/# /'
		rc=1
	fi
done
exit $rc
