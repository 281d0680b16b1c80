# Helpers for the scenarios with real servers and their real clients: the compose files
# of examples/ run as they are, on the image of Debian's packages that
# tests/lib/realimages.sh builds. Load after ../lib/common.

# shellcheck source=../lib/realimages.sh
. "$VOLOWN_ROOT/tests/lib/realimages.sh"

# servers_suite PREFIX: container_suite, then the Debian image, named for every example.
servers_suite() {
	container_suite "$1" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	realimages_build || return
	export POSTGRES_IMAGE=$REAL_IMAGE REDIS_IMAGE=$REAL_IMAGE NGINX_IMAGE=$REAL_IMAGE
}

# example NAME PROJECT ARG...: docker-compose on examples/NAME/compose.yaml, as it is.
example() {
	local name=$1 project=$2
	shift 2
	VOLOWN_BINARY=$VOLOWN docker-compose --ansi never -p "$project" \
		-f "$VOLOWN_ROOT/examples/$name/compose.yaml" "$@"
}

# wait_for_count CONTAINER SECONDS N TEXT: until TEXT occurs N times in the logs.
wait_for_count() {
	local name=$1 secs=$2 n=$3 text=$4 i
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(docker logs "$name" 2>&1 | grep -cF -- "$text")" -ge "$n" ] && return 0
		if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
			# stopped: its logs are complete
			[ "$(docker logs "$name" 2>&1 | grep -cF -- "$text")" -ge "$n" ] && return 0
			break
		fi
		sleep 0.2
	done
	echo "container $name did not log '$text' $n times within $secs s:" >&2
	docker logs "$name" 2>&1 | tail -n 40 | sed 's/^/    | /' >&2
	return 1
}

# image_id IMAGE SPEC: `id -u SPEC' (or -g with a third argument -g) in IMAGE.
image_id() {
	docker run --rm --network none --entrypoint id "$1" "${3:--u}" "$2"
}

# assert_pid1 CONTAINER COMM UID: PID 1 of the container is COMM, running as UID
# (real, effective, saved and filesystem), and every process of the container runs as
# UID: nothing as root.
assert_pid1() {
	local name=$1 comm=$2 uid=$3 pid uids
	pid=$(docker inspect -f '{{.State.Pid}}' "$name") || return
	[ "$(cat "/proc/$pid/comm")" = "$comm" ] ||
		fail "PID 1 of $name is $(cat "/proc/$pid/comm"), not $comm" || return
	grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid\$" \
		"/proc/$pid/status" || fail "PID 1 of $name: $(grep ^Uid: "/proc/$pid/status")" || return
	uids=$(docker top "$name" -eo pid,uid,comm | tail -n +2)
	[ -n "$uids" ] || fail "docker top $name shows nothing" || return
	if printf '%s\n' "$uids" | awk -v u="$uid" '$2 != u { bad = 1 } END { exit !bad }'; then
		fail "processes of $name not running as $uid:"$'\n'"$uids"
	fi
}

# The last summary line volown printed for PATH in CONTAINER's logs.
last_summary() {
	docker logs "$1" 2>&1 | grep -F "volown: $2: " | grep 'checked' | tail -n 1
}
