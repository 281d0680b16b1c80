#!/bin/bash
# Run every libFuzzer harness of fuzz/ over its corpus for FUZZ_SECONDS each (default
# 10), as TAP. New inputs go to build/fuzz/new/NAME; with FUZZ_SAVE=1 (make fuzz) they
# are added to the corpus in fuzz/corpus/NAME, to be committed.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-10}
targets=(modes ids_number ids mountinfo config)
# the doctor's parsers, when its libraries are there (make fuzz-build built them then)
if pkg-config --exists libcurl jansson yaml-0.1 2>/dev/null; then
	targets+=(doctor_tar doctor_yaml doctor_interp doctor_dotenv doctor_volume)
fi
make -s fuzz-build >&2 || { echo "1..1"; echo "not ok 1 building the fuzzers"; exit 1; }
echo "1..${#targets[@]}"
i=0 rc=0
for t in "${targets[@]}"; do
	i=$((i + 1))
	corpus=fuzz/corpus/$t
	new=build/fuzz/new/$t
	mkdir -p "$corpus" "$new"
	[ "${FUZZ_SAVE:-0}" = 1 ] && new=$corpus
	opts=(-max_total_time="$secs" -max_len=4096 -artifact_prefix="build/fuzz/$t-")
	# the config harness unwinds a bad line with longjmp, leaving its buffers behind
	asan=${ASAN_OPTIONS:-}
	[ "$t" = config ] && opts+=(-detect_leaks=0) && asan=detect_leaks=0
	if ASAN_OPTIONS=$asan build/fuzz/fuzz_$t "${opts[@]}" "$new" "$corpus" >"build/fuzz/$t.log" 2>&1; then
		echo "ok $i fuzz $t for ${secs} s ($(ls "$corpus" | wc -l) inputs in the corpus)"
	else
		echo "not ok $i fuzz $t: a crash, see build/fuzz/$t.log"
		tail -n 30 "build/fuzz/$t.log" | sed 's/^/# /'
		rc=1
	fi
done
exit $rc
