#!/bin/bash
# make bench: volown's walk against `chown -R` and the docker-library find idiom, and
# its privilege drop against gosu, setpriv and su-exec. Writes bench/results/results.md,
# results.tsv and plot.png. Run as root on an otherwise idle machine.
#
#   BENCH_SIZES   tree sizes (default: 10000 100000 1000000)
#   BENCH_ROUNDS  runs of each command per size, alternating (default 5)
#   BENCH_DIR     where the trees go (default /var/tmp/volown-bench)
#   SU_EXEC       a static su-exec binary; else built from SU_EXEC_SRC (a checkout of
#                 github.com/ncopa/su-exec) with musl-gcc; else skipped, with a note
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VOLOWN=$ROOT/build/volown
OUT=$ROOT/bench/results
SIZES=${BENCH_SIZES:-10000 100000 1000000}
ROUNDS=${BENCH_ROUNDS:-5}
DIR=${BENCH_DIR:-/var/tmp/volown-bench}
U=1000:1000 COLD=2000:2000

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v gosu >/dev/null || need+=(gosu)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v setpriv >/dev/null || need+=(util-linux)
[ -x /usr/bin/python3 ] || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
mkdir -p "$OUT" "$DIR"

SUEXEC=${SU_EXEC:-}
SUEXEC_NOTE=""
if [ -z "$SUEXEC" ] && [ -n "${SU_EXEC_SRC:-}" ] && [ -f "$SU_EXEC_SRC/su-exec.c" ]; then
	musl-gcc -Os -static -s -o "$ROOT/build/su-exec" "$SU_EXEC_SRC/su-exec.c" && SUEXEC=$ROOT/build/su-exec
fi
[ -n "$SUEXEC" ] || SUEXEC_NOTE="su-exec skipped: set SU_EXEC or SU_EXEC_SRC (no network access assumed)"

rows=$OUT/results.tsv
printf 'size\tcase\ttool\tmedian_s\tmin_s\tmaxrss_kb\n' >"$rows"
record() { # SIZE CASE < measure.py output
	while read -r tool med min rss; do
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$tool" "$med" "$min" "$rss" >>"$rows"
		printf '  %-8s %-5s %-22s %8.4f s  %6d KB\n' "$1" "$2" "$tool" "$med" "$rss"
	done
}

for n in $SIZES; do
	T=$DIR/tree-$n
	if [ ! -f "$T.done" ]; then
		rm -rf "$T"
		echo "bench: making a tree of $n entries in $T"
		bench/mktree.py "$T" "$n"
		touch "$T.done"
	fi
	chown -R "$U" "$T"
	find "$T" >/dev/null # warm the page cache
	echo "bench: $n entries, warm start (already right)"
	bench/measure.py "$ROUNDS" "" \
		volown-always "$VOLOWN" -q --user "$U" --path "$T" -- \
		volown-root-mismatch "$VOLOWN" -q --user "$U" --policy root-mismatch --path "$T" -- \
		find-idiom find "$T" '!' -user 1000 -exec chown "$U" '{}' + -- \
		chown-R chown -R "$U" "$T" | record "$n" warm
	echo "bench: $n entries, cold start (all owned by $COLD)"
	bench/measure.py "$ROUNDS" "chown -R $COLD $T" \
		volown "$VOLOWN" -q --user "$U" --path "$T" -- \
		find-idiom find "$T" '!' -user 1000 -exec chown "$U" '{}' + -- \
		chown-R chown -R "$U" "$T" | record "$n" cold
done

echo "bench: privilege drop start-up (hyperfine, no shell)"
cmds=(-n direct "/bin/true"
	-n volown "$VOLOWN --user nobody -- /bin/true"
	-n gosu "gosu nobody /bin/true"
	-n setpriv "setpriv --reuid=nobody --regid=nogroup --clear-groups /bin/true")
[ -z "$SUEXEC" ] || cmds+=(-n su-exec "$SUEXEC nobody /bin/true")
hyperfine -N --warmup 50 --runs 1000 --export-json "$OUT/privdrop.json" "${cmds[@]}" >/dev/null
python3 - "$OUT/privdrop.json" >>"$rows" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for name, x in r.items():
    print("0\tdrop\t%s\t%.6f\t%.6f\t0" % (name, x["median"], x["min"]))
PY

python3 bench/report.py "$rows" "$OUT" "$SUEXEC_NOTE"
echo "bench: results in $OUT/results.md and $OUT/plot.png"
