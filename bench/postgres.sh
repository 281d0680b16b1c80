#!/bin/bash
# make bench (and make bench-postgres): a real PostgreSQL container's start, to "ready
# to accept connections", through volown against the docker-library entrypoint idiom
# (as root: `find "$PGDATA" \! -user postgres -exec chown postgres '{}' +', the same
# for /var/run/postgresql, then `exec gosu postgres postgres'), on a real PGDATA made by
# initdb (about 1,000 entries), already right and all wrong (every entry 999:999). A
# plain `docker run -u postgres' start (its socket in /tmp), which fixes nothing, is
# the floor.
#
# Each run: put the volume in its state (not timed), `docker create', then time from
# `docker start' to the ready line's timestamp in the container's log; the entrypoint's
# own share is from the container's start (State.StartedAt) to postgres's first line.
# The variants alternate within each round. Writes bench/results/postgres.md and .tsv.
#
#   BENCH_PG_ROUNDS   runs of each variant per state (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VOLOWN=$ROOT/build/volown
OUT=$ROOT/bench/results
ROUNDS=${BENCH_PG_ROUNDS:-7}
P=volown-bench-pg
PGDATA=/var/lib/postgresql/data
VOL=$P-data

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
[ -x "$VOLOWN" ] || { echo "bench: build/volown is missing: run make" >&2; exit 1; }
scripts/setup.sh # the engine and mmdebstrap
# shellcheck source=../tests/lib/realimages.sh
. tests/lib/realimages.sh
realimages_build
IMG=$REAL_IMAGE
mkdir -p "$OUT"

cleanup() {
	docker rm -f "$P-run" "$P-prep" >/dev/null 2>&1 || true
	docker volume rm -f "$VOL" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

PG_IDS=$(docker run --rm --network none --entrypoint sh "$IMG" -c 'echo "$(id -u postgres):$(id -g postgres)"')

# as root in a throw-away container, with the volume at PGDATA
prep() {
	docker run --rm --name "$P-prep" --network none -u 0 -v "$VOL:$PGDATA" --entrypoint sh \
		"$IMG" -c "$1"
}

echo "bench: postgres: a cluster by initdb in volume $VOL"
prep "chown $PG_IDS $PGDATA && gosu postgres initdb --auth=trust -D $PGDATA >/dev/null"
ENTRIES=$(prep "find $PGDATA | wc -l")
echo "bench: postgres: $ENTRIES entries in PGDATA"

# The docker-library idiom (postgres's docker-entrypoint.sh, as root), then gosu.
IDIOM='mkdir -p "$PGDATA" && chmod 00700 "$PGDATA"
mkdir -p /var/run/postgresql && chmod 03775 /var/run/postgresql
find "$PGDATA" \! -user postgres -exec chown postgres "{}" +
find /var/run/postgresql \! -user postgres -exec chown postgres "{}" +
exec gosu postgres postgres'

# create VARIANT: the container of one run, not started
create() {
	local common=(--name "$P-run" --network none --stop-signal SIGINT -e "PGDATA=$PGDATA"
		-v "$VOL:$PGDATA")
	case $1 in
	volown)
		docker create "${common[@]}" -u 0 -v "$VOLOWN:/volown:ro" --entrypoint /volown "$IMG" \
			--user postgres --path "$PGDATA" --path /run/postgresql --mkdir -- postgres
		;;
	idiom)
		docker create "${common[@]}" -u 0 --entrypoint bash "$IMG" -c "$IDIOM"
		;;
	plain)
		docker create "${common[@]}" -u postgres --entrypoint postgres "$IMG" \
			-c unix_socket_directories=/tmp
		;;
	esac >/dev/null
}

# ts LINE: a `docker logs -t' line's timestamp in ns
ts() { date -d "${1%% *}" +%s%N; }

# one VARIANT: start to ready and the entrypoint's share, in ms, on stdout
one() {
	local t0 line ready first started i
	create "$1"
	t0=$(date +%s%N)
	docker start "$P-run" >/dev/null
	for ((i = 0; i < 600; i++)); do
		line=$(docker logs -t "$P-run" 2>&1 | grep -m1 'database system is ready to accept connections' || true)
		[ -z "$line" ] || break
		sleep 0.05
	done
	[ -n "$line" ] || { docker logs "$P-run" >&2; echo "bench: $1 never got ready" >&2; exit 1; }
	ready=$(ts "$line")
	first=$(ts "$(docker logs -t "$P-run" 2>&1 | grep -m1 'starting PostgreSQL')")
	started=$(date -d "$(docker inspect -f '{{.State.StartedAt}}' "$P-run")" +%s%N)
	docker stop -t 10 "$P-run" >/dev/null
	[ "$(docker inspect -f '{{.State.ExitCode}}' "$P-run")" = 0 ] ||
		{ echo "bench: $1 did not stop cleanly" >&2; exit 1; }
	docker rm "$P-run" >/dev/null
	echo "$(((ready - t0) / 1000)) $(((first - started) / 1000))"
}

rows=$OUT/postgres.tsv
printf 'state\tvariant\tround\tstart_to_ready_us\tentrypoint_us\n' >"$rows"
for state in right wrong; do
	if [ $state = right ]; then
		variants=(volown idiom plain)
		reset="chown -R $PG_IDS $PGDATA && chmod 0700 $PGDATA"
	else
		variants=(volown idiom)
		reset="chown -R 999:999 $PGDATA && chmod 0700 $PGDATA"
	fi
	echo "bench: postgres: $state, $ROUNDS rounds of ${variants[*]}"
	for ((r = 1; r <= ROUNDS; r++)); do
		for v in "${variants[@]}"; do
			prep "$reset"
			read -r total entry < <(one "$v")
			printf '%s\t%s\t%s\t%s\t%s\n' "$state" "$v" "$r" "$total" "$entry" >>"$rows"
		done
	done
done

python3 - "$rows" "$OUT/postgres.md" "$ENTRIES" "$ROUNDS" <<'PY'
import csv, statistics, sys
rows, out, entries, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
data = {}
for r in csv.DictReader(open(rows), delimiter="\t"):
    k = (r["state"], r["variant"])
    data.setdefault(k, ([], []))
    data[k][0].append(int(r["start_to_ready_us"]) / 1000)
    data[k][1].append(int(r["entrypoint_us"]) / 1000)
names = {"volown": "volown", "idiom": "find ! -user + gosu (docker-library)",
         "plain": "docker run -u postgres (fixes nothing)"}
lines = ["# PostgreSQL: container start to ready", "",
         "PGDATA made by initdb: %s entries; %s runs of each variant per state, alternating." % (entries, rounds),
         "Median (min) in ms. *start to ready*: `docker start` to the ready line's timestamp;",
         "*entrypoint*: the container's start to postgres's first log line.", "",
         "| PGDATA | variant | start to ready | entrypoint |", "|---|---|---|---|"]
for state, label in (("right", "already right"), ("wrong", "all wrong (999:999)")):
    for v in ("volown", "idiom", "plain"):
        if (state, v) not in data:
            continue
        t, e = data[(state, v)]
        lines.append("| %s | %s | %.0f (%.0f) | %.1f (%.1f) |" % (
            label, names[v], statistics.median(t), min(t), statistics.median(e), min(e)))
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "bench: results in $OUT/postgres.md"
