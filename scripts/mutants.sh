#!/bin/bash
# make mutants: break one safety check at a time in a copy of the sources, build it, and
# run the tests that guard that check against the broken build. Every mutant must be
# caught (a test fails); the unbroken build must pass the same tests first, or a
# "caught" would mean nothing. Not part of make test (a few minutes); needs root.
#
#   scripts/mutants.sh            every mutant
#   scripts/mutants.sh ID...      only these (see the table below)
#
# Each mutant runs only tests that are harmless with a broken build: throwaway trees
# under /tmp, and dry runs without the chown capabilities for the system's own paths.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/volown-mutants.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# id | what the mutant does | file | text replaced | replacement | tests: FILE[::FILTER],...
# (a test FILE of build/unit/ is a unit test built from the mutated sources)
MUTANTS=$(
	cat <<'TABLE'
nofollow|the walk opens entries without O_NOFOLLOW|src/walk.c|O_NOFOLLOW|0|tests/integration/walk.bats::mixed owners,tests/adversarial/attack.bats::symlinks out of the tree
mount-id|the walk crosses into other mounts (no mount-id check)|src/walk.c|	if (sh->o->cross_mounts)
		return true;|	if (1)
		return true;|tests/integration/walk.bats::nested mount\|bind mount of an outside
link-count|hard-linked files are changed (no link-count check)|src/walk.c|	bool skip_links = o->hardlinks == HARDLINKS_SKIP;|	bool skip_links = false;|tests/adversarial/attack.bats::hard links to outside,tests/integration/setuid.bats::hard link
refusal|/ and the system directories are not refused|src/paths.c|	if (refused_by_name(resolved))
		return 1;|	if (refused_by_name(resolved) && fd == -2)
		return 1;
	if (fd != -2)
		return 0;|tests/integration/walk.bats::system directories are refused
verify|the privilege drop is not verified|src/privdrop.c|	set_ids(id);
	if (id->uid != 0)
		clear_capabilities();
	verify(id);|	set_ids(id);
	if (id->uid != 0)
		clear_capabilities();
	if (id->uid == (uid_t)-2)
		verify(id);|tests/integration/cli.bats::drop is verified
marker|setuid mode claims its marker before the walk|src/fix.c|	for (size_t i = 0; i < cfg->paths.n; i++)
		plan_add(&pl, cfg->paths.v[i]);|	if (lock >= 0) {
		setuid_complete(lock);
		lock = -1;
	}
	for (size_t i = 0; i < cfg->paths.n; i++)
		plan_add(&pl, cfg->paths.v[i]);|tests/integration/setuid.bats::leaves no marker
container|--auto looks for volumes on a host too|src/mounts.c|	if (pidns_ino == MOUNTS_HOST_PIDNS_INO)|	if (0)|tests/integration/auto.bats::refuses
host-mounts|--auto takes mounts that expose the host|src/mounts.c|	if ((why = host_source(m)) \|\| (dirfd >= 0 && (why = host_content(dirfd)))) {|	if (dirfd == -2 && ((why = host_source(m)) \|\| (why = host_content(dirfd)))) {|build/unit/test_mounts
passwd-nul|passwd is read as C strings (a NUL ends a line)|src/ids.c|split_line(line, (size_t)len, &f, comments)|split_line(line, strlen(line), &f, comments)|tests/integration/gosu.bats::read by length
escape|names are printed as they are|src/log.c|		len = log_escape(msg, len, esc);|		memcpy(esc, msg, len);|tests/integration/walk.bats::escaped
set-id|a file that changes owner keeps its set-user-ID bit|src/walk.c|		mode = after_chown(mode);|		(void)0;|tests/integration/walk.bats::set-ID bits
name-budget|every level keeps all its names (unbounded memory)|src/walk.c|		if (cap > room)
			cap = room;|		(void)room;|tests/adversarial/attack.bats::peak memory
streams-host|the host's terminal is given to the command's user|src/streams.c|	const char *why = mounts_not_container_here();|	const char *why = NULL;|tests/integration/cli.bats::on a host.*terminal
stop|SIGTERM during the fix is not caught|src/fix.c|		if (sigaction(stop_signals[i].sig, &sa, &old[i]) < 0)|		if (sigaction(stop_signals[i].sig, NULL, &old[i]) < 0)|tests/integration/stop.bats::SIGTERM
TABLE
)

# The table's fields may span lines: a record starts with an id and a `|'. Each record
# becomes a directory under $1 holding one file per field.
records() {
	MUTANTS=$MUTANTS python3 - "$1" <<'PY'
import os, re, sys
out = sys.argv[1]
text = os.environ['MUTANTS']
recs = re.split(r'\n(?=[a-z0-9-]+\|)', text.strip('\n'))
for n, r in enumerate(recs):
    f = [x.replace('\x01', '|') for x in r.replace('\\|', '\x01').split('|')]
    if len(f) != 6:
        sys.exit('bad mutant record: ' + r[:60])
    d = '%s/%02d' % (out, n)
    os.makedirs(d)
    for name, value in zip(('id', 'what', 'file', 'old', 'new', 'spec'), f):
        open(d + '/' + name, 'w').write(value)
PY
}

# mutate DIR FILE OLD NEW: replace every OLD by NEW in DIR/FILE; fails if OLD is absent.
mutate() {
	python3 - "$@" <<'PY'
import sys
d, f, old, new = sys.argv[1:5]
p = d + '/' + f
s = open(p).read()
if old not in s:
    sys.exit('mutant does not apply: %r not in %s' % (old[:60], f))
open(p, 'w').write(s.replace(old, new))
PY
}

# build DIR SPEC: the static binary, and the unit tests SPEC names, of DIR's sources.
build() {
	local units
	units=$(printf '%s\n' "$2" | tr , '\n' | grep '^build/unit/' | sed 's/::.*//')
	make -C "$1" -s build/volown $units >"$1/build.log" 2>&1
}

# run_tests DIR SPEC: runs each FILE[::FILTER] of SPEC against DIR's build; status 0 when
# every one passed.
run_tests() {
	local dir=$1 spec=$2 t file filter rc=0
	IFS=, read -r -a tests <<<"$spec"
	for t in "${tests[@]}"; do
		file=${t%%::*}
		filter=
		[ "$file" = "$t" ] || filter=${t#*::}
		case $file in
		build/unit/*)
			"$dir/$file" >>"$dir/tests.log" 2>&1 || rc=1
			;;
		*)
			VOLOWN=$dir/build/volown VOLOWN_ROOT=$ROOT bats ${filter:+-f "$filter"} "$ROOT/$file" \
				>>"$dir/tests.log" 2>&1 || rc=1
			;;
		esac
	done
	return $rc
}

copy_sources() {
	mkdir -p "$1"
	(cd "$ROOT" && git ls-files -coz --exclude-standard | xargs -0 tar -c) | tar -x -C "$1"
}

[ "$(id -u)" -eq 0 ] || { echo "mutants: needs root (the tests run as root)" >&2; exit 2; }

only=" $* "
caught=0 missed=0 broken=0
printf '%-12s %-55s %s\n' MUTANT "WHAT IT BREAKS" RESULT
records "$WORK/table" || exit 2
for rec in "$WORK"/table/*; do
	id=$(<"$rec/id") what=$(<"$rec/what") file=$(<"$rec/file") spec=$(<"$rec/spec")
	old=$(<"$rec/old") new=$(<"$rec/new")
	[ "$only" = "  " ] || [[ $only == *" $id "* ]] || continue
	clean=$WORK/$id-control
	mutant=$WORK/$id
	copy_sources "$clean"
	copy_sources "$mutant"
	if ! build "$clean" "$spec" || ! run_tests "$clean" "$spec"; then
		printf '%-12s %-55s %s\n' "$id" "$what" "CONTROL FAILED: the tests fail without the mutant"
		tail -n 20 "$clean/tests.log" "$clean/build.log" 2>/dev/null | sed 's/^/    /'
		broken=$((broken + 1))
		continue
	fi
	if ! mutate "$mutant" "$file" "$old" "$new" || ! build "$mutant" "$spec"; then
		printf '%-12s %-55s %s\n' "$id" "$what" "DOES NOT BUILD"
		tail -n 20 "$mutant/build.log" 2>/dev/null | sed 's/^/    /'
		broken=$((broken + 1))
		continue
	fi
	if run_tests "$mutant" "$spec"; then
		printf '%-12s %-55s %s\n' "$id" "$what" "MISSED by ${spec//,/, }"
		missed=$((missed + 1))
	else
		printf '%-12s %-55s %s\n' "$id" "$what" "caught by $(grep -m1 '^not ok' "$mutant/tests.log" | sed 's/^not ok [0-9]* \(- \)\{0,1\}//')"
		caught=$((caught + 1))
	fi
	rm -rf "$clean" "$mutant"
done
echo
echo "$caught caught, $missed missed, $broken that could not be judged"
[ "$missed" -eq 0 ] && [ "$broken" -eq 0 ] && [ "$caught" -gt 0 ]
