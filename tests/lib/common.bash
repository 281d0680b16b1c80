# Helpers shared by the bats files: load with `load ../lib/common`.

VOLOWN_ROOT=${VOLOWN_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
VOLOWN=${VOLOWN:-$VOLOWN_ROOT/build/volown}
export VOLOWN_ROOT VOLOWN
# A short id of this working tree, for names on the engine that must not collide with
# those of a test run in another tree at the same time (volown-test-seed-$VOLOWN_TREE).
VOLOWN_TREE=${VOLOWN_TREE:-$(printf '%s' "$VOLOWN_ROOT" | sha256sum | cut -c1-6)}
export VOLOWN_TREE

# Docker 20.10's engine behind a possibly newer client: keep to the classic builder.
export DOCKER_BUILDKIT=0
# compose v1's `run` must attach through the docker CLI (its default): its other way
# (COMPOSE_INTERACTIVE_NO_CLI) may start a quickly exiting container a second time.
unset COMPOSE_INTERACTIVE_NO_CLI

# Fail the current test (or setup) with a message.
fail() {
	echo "$*" >&2
	return 1
}

# Skip unless root. In a test or in setup(): skips that test. In setup_file(), where
# bats 1.8 cannot skip: records the reason in VOLOWN_SKIP, after which the helpers below
# do nothing and every test of the file skips in setup() (the default setup() below
# does that; a file with its own setup() calls skip_if_file_skipped first).
require_root() {
	[ "$(id -u)" -ne 0 ] || return 0
	if [ "${FUNCNAME[1]:-}" = setup_file ]; then
		export VOLOWN_SKIP="needs root"
		return 0
	fi
	skip "needs root"
}

skip_if_file_skipped() {
	[ -z "${VOLOWN_SKIP:-}" ] || skip "$VOLOWN_SKIP"
}

setup() {
	skip_if_file_skipped
}

# Skip when $VOLOWN is another architecture's binary run under qemu-user (make
# test-cross sets VOLOWN_EMULATED=ARCH), for a test that needs what qemu-user does not
# give: the reason names it.
require_native() {
	[ -z "${VOLOWN_EMULATED:-}" ] || skip "qemu-user ($VOLOWN_EMULATED): $*"
}

# The static build itself (its size, its setuid mode, its memory), not a sanitizer build.
require_static() {
	[ -z "${VOLOWN_SANITIZED:-}" ] || skip "needs the static build, not the sanitizer build"
	require_native "the kernel must run the binary itself (its file, a setuid bit, its memory); tests/cross checks each architecture's file"
}

# in_etc DIR COMMAND...: runs COMMAND in a private mount namespace whose /etc is a tmpfs
# holding DIR's passwd and group (and nothing else of the machine's /etc), then prints
# "status=N". Not bind mounts over /etc/passwd: a package install or a useradd that
# replaces the machine's /etc/passwd meanwhile (by renaming a new file over it) detaches
# such a mount, and the test would read the machine's file.
in_etc() {
	local dir=$1
	shift
	unshare -m sh -c 'mount -t tmpfs -o mode=0755 tmpfs /etc && cp "$1/passwd" "$1/group" /etc/ &&
		shift && "$@"; echo "status=$?"' sh "$dir" "$@" 2>&1
}

# The engine must answer: `make test` starts it through scripts/setup.sh.
require_docker() {
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	command -v docker >/dev/null || fail "docker is not installed: run scripts/setup.sh"
	timeout 20 docker info >/dev/null 2>&1 ||
		fail "the Docker engine does not answer: run scripts/setup.sh"
}

require_volown() {
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	[ -x "$VOLOWN" ] || fail "$VOLOWN is missing: run make"
}

# Names from the list on stdin that start with $1 (a plain string, not a pattern).
_with_prefix() {
	awk -v p="$1" 'index($0, p) == 1'
}

# Remove every container, swarm service, network, volume and image whose name starts
# with PREFIX: left behind by a killed earlier run, or by this one. Never fails; a node
# left in swarm mode by an earlier run is handled (its services go first).
docker_cleanup() {
	local prefix=$1 names
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	case $prefix in
	volown-test* | volown-demo*) ;;
	*) fail "docker_cleanup: refusing prefix '$prefix' (use volown-test...)" || return ;;
	esac
	# No engine to talk to (not root, or not started): nothing to clean.
	timeout 20 docker info >/dev/null 2>&1 || return 0

	if [ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; then
		names=$(docker service ls --format '{{.Name}}' 2>/dev/null | _with_prefix "$prefix")
		[ -z "$names" ] || docker service rm $names >/dev/null 2>&1 || true
		names=$(docker secret ls --format '{{.Name}}' 2>/dev/null | _with_prefix "$prefix")
		[ -z "$names" ] || docker secret rm $names >/dev/null 2>&1 || true
		names=$(docker config ls --format '{{.Name}}' 2>/dev/null | _with_prefix "$prefix")
		[ -z "$names" ] || docker config rm $names >/dev/null 2>&1 || true
	fi

	names=$(docker ps -a --format '{{.Names}}' 2>/dev/null | _with_prefix "$prefix")
	[ -z "$names" ] || docker rm -f -v $names >/dev/null 2>&1 || true

	# A network still held by a service task being removed frees up within seconds.
	local try
	for try in 1 2 3 4 5; do
		names=$(docker network ls --format '{{.Name}}' 2>/dev/null | _with_prefix "$prefix")
		[ -n "$names" ] || break
		docker network rm $names >/dev/null 2>&1 && break
		sleep 1
	done

	names=$(docker volume ls --format '{{.Name}}' 2>/dev/null | _with_prefix "$prefix")
	[ -z "$names" ] || docker volume rm -f $names >/dev/null 2>&1 || true

	names=$(docker images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | _with_prefix "$prefix")
	[ -z "$names" ] || docker rmi -f $names >/dev/null 2>&1 || true
	return 0
}

# build_test_images: build the shared test images (once per set of inputs) and set
# MAILHOG_IMAGE, BAKED_IMAGE and VOLOWN_IMAGE; see tests/lib/images.sh.
# shellcheck source=images.sh
. "$VOLOWN_ROOT/tests/lib/images.sh"
build_test_images() {
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	images_build_all "$@"
}

# container_suite PREFIX: the setup_file of a container suite: root, the engine, the
# binary, the shared images, and nothing left under PREFIX by an earlier run. Not root:
# sets VOLOWN_SKIP (every test of the file then skips), which a setup_file with more
# steps checks: container_suite "$P" && [ -z "${VOLOWN_SKIP:-}" ] || return 0
container_suite() {
	if [ "$(id -u)" -ne 0 ]; then
		export VOLOWN_SKIP="needs root"
		return 0
	fi
	require_docker && require_volown && build_test_images && docker_cleanup "$1"
}

# Print the output of the last `run` when a test fails, indented.
show_output() {
	printf '%s\n' "$output" | sed 's/^/    | /' >&2
}

# run_status N COMMAND...: like bats' `run` (sets $output and $status, stdout and
# stderr together), and the test fails, showing the output, unless the status is N.
run_status() {
	local want=$1
	shift
	output=$("$@" 2>&1) && status=0 || status=$?
	if [ "$status" -ne "$want" ]; then
		echo "expected exit status $want, got $status from: $*" >&2
		show_output
		return 1
	fi
}

# assert_output_has TEXT...: every TEXT occurs in $output (extended regular expressions).
assert_output_has() {
	local re
	for re in "$@"; do
		if ! printf '%s\n' "$output" | grep -Eq -- "$re"; then
			echo "output lacks /$re/:" >&2
			show_output
			return 1
		fi
	done
}

assert_output_lacks() {
	local re
	for re in "$@"; do
		if printf '%s\n' "$output" | grep -Eq -- "$re"; then
			echo "output has /$re/ but must not:" >&2
			show_output
			return 1
		fi
	done
}

# ---- container tests --------------------------------------------------------------

COMPOSE_DIR=$VOLOWN_ROOT/tests/containers/compose

# compose PROJECT FILE... -- ARG...: docker-compose (v1) on files of COMPOSE_DIR.
compose() {
	local project=$1 files=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		files+=(-f "$COMPOSE_DIR/$1")
		shift
	done
	[ $# -gt 0 ] && shift
	VOLOWN_BINARY=$VOLOWN docker-compose --ansi never -p "$project" "${files[@]}" "$@"
}

# Every entry of volume VOL as "uid:gid mode path", seen from a second container.
volume_entries() {
	docker run --rm --network none --user 0 -v "$1:/v:ro" --entrypoint find \
		"$MAILHOG_IMAGE" /v -exec stat -c '%u:%g %a %n' '{}' +
}

# Run a shell script as root in a throw-away container with volume VOL at /v (and any
# further docker run options before the volume name, e.g. -v other:/outside).
volume_sh() {
	local vol=$1 script=$2
	shift 2
	docker run --rm --network none --user 0 "$@" -v "$vol:/v" --entrypoint sh \
		"$MAILHOG_IMAGE" -c "$script"
}

# The MailHog stand-in's report in $output shows that it stored its message while
# running as PID 1 with uid 1000, gid 1000, no root group and no capability at all.
assert_mailhog_unprivileged() {
	assert_output_has \
		'MailHog: pid 1,' \
		'Name:[[:space:]]+MailHog$' \
		'Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' \
		'Gid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' \
		'CapInh:[[:space:]]+0+$' \
		'CapPrm:[[:space:]]+0+$' \
		'CapEff:[[:space:]]+0+$' \
		'CapAmb:[[:space:]]+0+$' \
		'MailHog: stored message /mailhog/inbox/' || return
	local groups
	groups=$(printf '%s\n' "$output" | sed -n 's/.*Groups:[[:space:]]*//p' | tr -d '[:space:]')
	case $groups in
	'' | 1000) ;;
	*) fail "supplementary groups of the program are '$groups', expected none or 1000" ;;
	esac
}

# Every entry of volume VOL belongs to 1000:1000, and there is at least one message.
assert_volume_owned_by_mailhog() {
	local vol=$1 entries
	entries=$(volume_entries "$vol") || fail "cannot list volume $vol" || return
	printf '%s\n' "$entries" | grep -q '@mailhog.example$' ||
		fail "no message in volume $vol:"$'\n'"$entries" || return
	if printf '%s\n' "$entries" | grep -v '^1000:1000 '; then
		fail "entries above in volume $vol do not belong to 1000:1000" || return
	fi
}

# Wait up to $2 seconds (default 30) until container $1 logged text $3.
wait_for_log() {
	local name=$1 secs=${2:-30} text=$3 i
	for ((i = 0; i < secs * 5; i++)); do
		docker logs "$name" 2>&1 | grep -qF -- "$text" && return 0
		sleep 0.2
	done
	echo "container $name did not log '$text' within $secs s:" >&2
	docker logs "$name" 2>&1 | sed 's/^/    | /' >&2
	return 1
}

# cpu_throttle NAME PERCENT: a cgroup that lets its processes use PERCENT of one CPU
# (cgroup v2's cpu.max, or v1's cpu controller); prints the path of its cgroup.procs
# file, or fails when neither can be made here. Remove it with cpu_throttle_remove NAME.
cpu_throttle() {
	local name=$1 pct=$2 dir
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		dir=/sys/fs/cgroup/$name
		grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
			echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || return 1
		mkdir -p "$dir" && echo "$((pct * 1000)) 100000" >"$dir/cpu.max" || return 1
	else
		dir=/sys/fs/cgroup/cpu/$name
		[ -d /sys/fs/cgroup/cpu ] || return 1
		mkdir -p "$dir" && echo 100000 >"$dir/cpu.cfs_period_us" &&
			echo "$((pct * 1000))" >"$dir/cpu.cfs_quota_us" || return 1
	fi
	echo "$dir/cgroup.procs"
}

cpu_throttle_remove() {
	local d
	for d in "/sys/fs/cgroup/$1" "/sys/fs/cgroup/cpu/$1"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}
