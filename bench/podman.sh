#!/bin/bash
# make bench-podman: volown against Podman's own `:U` volume option, on rootful and
# rootless Podman, on a volume of BENCH_PODMAN_SIZE entries on disk. Each command is
# a whole `podman run --rm` of the MailHog stand-in with the volume mounted, timed by
# hyperfine; "all wrong" runs are prepared by giving the tree back to the container's
# root. Writes bench/results/podman.md and podman.json. Run as root on an otherwise
# idle machine; uses the same throwaway user and private Podman storage as
# tests/engines (tests/lib/engines.bash) and removes them at the end.
#
#   BENCH_PODMAN_SIZE    entries in the volume (default 100000)
#   BENCH_ROUNDS         runs of each command, after one warm-up run (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/bench/results
SIZE=${BENCH_PODMAN_SIZE:-100000}
ROUNDS=${BENCH_ROUNDS:-10}

[ "$(id -u)" -eq 0 ] || { echo "bench-podman: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || {
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine
}
command -v podman >/dev/null || { echo "bench-podman: podman is not installed (scripts/setup.sh)" >&2; exit 1; }

export VOLOWN_ROOT=$ROOT BATS_TEST_DIRNAME=$ROOT/tests/engines
# shellcheck source=../tests/lib/common.bash
. tests/lib/common.bash
# shellcheck source=../tests/lib/engines.bash
. tests/lib/engines.bash
ENGINES_ROOT=/tmp/volown-bench-$VOLOWN_TREE
RL_USER=volown-b$VOLOWN_TREE
build_test_images
VERSION=$(podman --version)

results=$(mktemp -d)
cleanup() {
	podman_service_stop || true
	podman_rootful_teardown || true
	rootless_user_del || true
	rm -rf "$results" "$ENGINES_ROOT"
}
trap cleanup EXIT

# make_tree DIR UID GID: SIZE entries under DIR (directories of 1000 files).
make_tree() {
	python3 - "$1" "$SIZE" "$2" "$3" <<-'EOF'
		import os, stat, sys
		root, total, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
		made, d = 1, 0
		while made < total:
		    p = os.path.join(root, "d%04d" % d)
		    os.mkdir(p)
		    os.chown(p, uid, gid)
		    made += 1
		    for f in range(min(999, total - made)):
		        q = os.path.join(p, "f%03d" % f)
		        os.mknod(q, stat.S_IFREG | 0o644)
		        os.chown(q, uid, gid)
		        made += 1
		    d += 1
		os.chown(root, uid, gid)
	EOF
}

# measure ENGINE PREFIX VOLDIR ROOT_IDS VOLOWN: time every command on one engine.
# PREFIX runs podman as the engine's user; ROOT_IDS is the container root's host ids.
measure() {
	local engine=$1 prefix=$2 dir=$3 rootids=$4 volown=$5
	local run="$prefix podman run --rm --network none"
	local img=$MAILHOG_IMAGE wrong="chown -R $rootids $dir"
	local vol="-v $VOLUME:/data" volu="-v $VOLUME:/data:U"
	local vo="--user 0 -v $volown:/volown:ro --entrypoint /volown"
	echo "bench-podman: $engine, $SIZE entries" >&2
	# One --prepare per command, in their order: the "all wrong" ones give the tree
	# back to the container's root before every run.
	hyperfine -N --style basic --warmup 1 --runs "$ROUNDS" --export-json "$results/$engine.json" \
		--prepare true --prepare "$wrong" --prepare true --prepare "$wrong" --prepare true \
		--prepare true \
		-n "no fix" "$run $vol --entrypoint true $img" \
		-n ":U, all wrong" "$run $volu --entrypoint true $img" \
		-n ":U, all right" "$run $volu --entrypoint true $img" \
		-n "volown, all wrong" "$run $vol $vo $img --user mailhog --path /data -- true" \
		-n "volown, all right" "$run $vol $vo $img --user mailhog --path /data -- true" \
		-n "volown --policy root-mismatch, all right" \
		"$run $vol $vo $img --user mailhog --path /data --policy root-mismatch -- true" >&2
}

VOLUME=volown-bench-big

# Rootful, with its own storage.
dir=$(engines_dir podman)
podman_rootful_setup "$dir"
podman_load_images
podman volume create "$VOLUME" >/dev/null
voldir=$(podman volume inspect -f '{{.Mountpoint}}' "$VOLUME")
echo "bench-podman: making $SIZE entries in $voldir" >&2
make_tree "$voldir" 0 0
measure rootful "" "$voldir" 0:0 "$ROOT/build/volown"
podman_rootful_teardown

# Rootless, as a throwaway user.
rootless_user_del
dir=$(engines_dir rl)
rootless_user_add "$dir" >/dev/null
rootless_podman_setup
install -m 0755 "$ROOT/build/volown" "$RL_DIR/volown"
as_rl_user podman volume create "$VOLUME" >/dev/null
voldir=$(as_rl_user podman volume inspect -f '{{.Mountpoint}}' "$VOLUME")
echo "bench-podman: making $SIZE entries in $voldir" >&2
make_tree "$voldir" "$RL_UID" "$RL_GID"
measure rootless "runuser -u $RL_USER -- env -i HOME=$RL_HOME XDG_RUNTIME_DIR=$RL_RUN PATH=$ENGINES_PATH" \
	"$voldir" "$RL_UID:$RL_GID" "$RL_DIR/volown"

# The table: median seconds of each whole run, and what it adds to "no fix".
python3 - "$results" "$OUT" "$SIZE" "$ROUNDS" "$VERSION" <<-'EOF'
	import json, os, sys
	results, out, size, rounds, version = sys.argv[1:6]
	doc = {"size": int(size), "rounds": int(rounds), "podman": version, "engines": {}}
	lines = ["# volown and Podman's `:U`, measured", "",
	         "`make bench-podman`: %s, a named volume of %s entries on disk, each command a whole "
	         "`podman run --rm` (median of %s runs after a warm-up, seconds; in brackets what it adds "
	         "to the same run without any fix)." % (version, f"{int(size):,}", rounds), ""]
	names = None
	rows = {}
	for engine in ("rootful", "rootless"):
	    with open(os.path.join(results, engine + ".json")) as f:
	        res = json.load(f)["results"]
	    med = {r["command"]: r["median"] for r in res}
	    doc["engines"][engine] = med
	    names = [r["command"] for r in res]
	    rows[engine] = med
	lines.append("| | rootful | rootless |")
	lines.append("|---|---|---|")
	for n in names:
	    cells = []
	    for engine in ("rootful", "rootless"):
	        base = rows[engine]["no fix"]
	        v = rows[engine][n]
	        cells.append("%.2f" % v if n == "no fix" else "%.2f (%+.2f)" % (v, v - base))
	    lines.append("| %s | %s |" % (n, " | ".join(cells)))
	with open(os.path.join(out, "podman.md"), "w") as f:
	    f.write("\n".join(lines) + "\n")
	with open(os.path.join(out, "podman.json"), "w") as f:
	    json.dump(doc, f, indent=2)
	print("\n".join(lines))
EOF
