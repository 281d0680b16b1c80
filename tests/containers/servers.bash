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

# assert_pid1 CONTAINER COMM UID [HOST_UID]: PID 1 of the container is COMM, running as
# UID (real, effective, saved and filesystem), and every process of the container (of
# its PID namespace) runs as UID: nothing as root. The uids are read from the host's
# /proc, where an engine that maps ids (user-namespace remapping, rootless) shows UID as
# HOST_UID (default UID). Not `docker top': Podman's runs ps in the container, as root.
assert_pid1() {
	local name=$1 comm=$2 uid=$3 host=${4:-$3} pid ns p ids procs=''
	pid=$(docker inspect -f '{{.State.Pid}}' "$name") || return
	[ "$(cat "/proc/$pid/comm")" = "$comm" ] ||
		fail "PID 1 of $name is $(cat "/proc/$pid/comm"), not $comm" || return
	[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status")" = 1 ] ||
		fail "$name's process $pid is not PID 1 of its namespace: $(grep ^NSpid: "/proc/$pid/status")" || return
	grep -Eq "^Uid:[[:space:]]+$host[[:space:]]+$host[[:space:]]+$host[[:space:]]+$host\$" \
		"/proc/$pid/status" || fail "PID 1 of $name: $(grep ^Uid: "/proc/$pid/status")" || return
	ns=$(stat -L -c %i "/proc/$pid/ns/pid") || return
	for p in $(stat -L -c '%i %n' /proc/[0-9]*/ns/pid 2>/dev/null | awk -v ns="$ns" '$1 == ns { print $2 }'); do
		p=${p%/ns/pid}
		ids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$p/status" 2>/dev/null) && [ -n "$ids" ] || continue # gone
		procs+="${p#/proc/} $ids $(cat "$p/comm" 2>/dev/null)"$'\n'
	done
	[ -n "$procs" ] || fail "no process in $name's PID namespace" || return
	if printf '%s' "$procs" | awk -v u="$host" '$2 != u || $3 != u || $4 != u || $5 != u { bad = 1 } END { exit !bad }'; then
		fail "processes of $name (pid uids comm) not running as $host:"$'\n'"$procs"
	fi
}

# The last summary line volown printed for PATH in CONTAINER's logs.
last_summary() {
	docker logs "$1" 2>&1 | grep -F "volown: $2: " | grep 'checked' | tail -n 1
}

# ---- examples/postgres, step by step, on any engine the docker CLI reaches ------------
# tests/containers/postgres.bats runs these on Docker; tests/engines/*.bats on Podman's
# service, a remapping dockerd and rootless Docker (with DOCKER_HOST). They expect
# POSTGRES_IMAGE (the image of Debian's servers on that engine), PG_UID (postgres's uid
# in it) and, where the engine maps ids, PG_HOST_UID (that uid as the host sees it).

PGDATA=/var/lib/postgresql/data

# pg_psql_socket CONTAINER ARG...: psql in CONTAINER over its Unix socket, as postgres
# (peer authentication).
pg_psql_socket() {
	local c=$1
	shift
	docker exec -u postgres "$c" psql -X -v ON_ERROR_STOP=1 -qAt "$@"
}

# pg_psql_tcp CONTAINER ARG...: psql in a second container, over TCP with the password:
# on the network PG_TCP_NETWORK to the host name PG_TCP_HOST where they are set, else in
# CONTAINER's own network namespace to 127.0.0.1 (its loopback, with network_mode: none).
pg_psql_tcp() {
	local c=$1 net=${PG_TCP_NETWORK:-container:$1} host=${PG_TCP_HOST:-127.0.0.1}
	shift
	docker run --rm --name "$c-client" --network "$net" -e PGPASSWORD=example \
		--entrypoint psql "$POSTGRES_IMAGE" -X -h "$host" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

# pg_assert_new_cluster CONTAINER: the first start on a new volume: volown gave PGDATA
# to postgres and made the socket directory, initdb ran, postgres is PID 1 as postgres
# and nothing runs as root; PGDATA is 0700 and /run/postgresql 0755, both postgres's.
pg_assert_new_cluster() {
	local c=$1
	assert_pid1 "$c" postgres "$PG_UID" "${PG_HOST_UID:-$PG_UID}" || return
	run docker logs "$c"
	assert_output_has "^volown: $PGDATA: 1 entry checked, 1 changed" \
		'^volown: /run/postgresql: created 1 missing directory \(--mkdir\)' \
		'^volown: /run/postgresql: 1 entry checked, 0 changed' \
		"fixing permissions on existing directory $PGDATA ... ok" \
		'database system is ready to accept connections' || return
	run_status 0 docker exec "$c" stat -c '%u %a %n' "$PGDATA" /run/postgresql || return
	assert_output_has "^$PG_UID 700 $PGDATA\$" "^$PG_UID 755 /run/postgresql\$"
}

# pg_assert_rows CONTAINER: a table of 1,000 rows written over TCP and read back over
# TCP and over the socket; the socket's connection is postgres's own.
pg_assert_rows() {
	local c=$1 rows='select count(*), sum(i), count(distinct s) from t'
	run_status 0 pg_psql_socket "$c" -c 'create table t (i int primary key, s text not null)' || return
	run_status 0 pg_psql_tcp "$c" -c 'insert into t select g, md5(g::text) from generate_series(1, 1000) g' ||
		return
	run_status 0 pg_psql_tcp "$c" -c "$rows" || return
	[ "$output" = "1000|500500|1000" ] || { show_output; fail "TCP read back the wrong rows"; } || return
	run_status 0 pg_psql_socket "$c" -c "$rows" || return
	[ "$output" = "1000|500500|1000" ] || { show_output; fail "the socket read back the wrong rows"; } || return
	run_status 0 pg_psql_socket "$c" -c 'select current_user, inet_server_port() is null' || return
	[ "$output" = "postgres|t" ] || { show_output; fail "not a socket connection as postgres"; }
}

# pg_assert_stop_restart CONTAINER: `docker stop -t 5' (the example's stop_signal,
# SIGINT: a fast shutdown) ends postgres by itself, status 0, with a client connected
# that would hold a smart shutdown (SIGTERM) open for a minute; a restart needs no
# recovery, volown changes nothing in PGDATA, the rows are there (after pg_assert_rows),
# and postgres is PID 1 again.
pg_assert_stop_restart() {
	local c=$1 t0 t1
	docker exec -d -u postgres "$c" psql -X -c 'select pg_sleep(60)' || return
	sleep 1
	t0=$(date +%s%N)
	run_status 0 docker stop -t 5 "$c" || return # not done within 5 s: SIGKILL, status 137
	t1=$(date +%s%N)
	echo "# docker stop took $(((t1 - t0) / 1000000)) ms" >&3
	run docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' "$c"
	[ "$output" = "0 false" ] || { show_output; fail "postgres did not exit 0 by itself"; } || return
	run docker logs "$c"
	assert_output_has 'received fast shutdown request' 'database system is shut down' || return

	run_status 0 docker start "$c" || return
	wait_for_count "$c" 60 2 'database system is ready to accept connections' || return
	run docker logs "$c"
	assert_output_lacks 'automatic recovery in progress' || return
	run last_summary "$c" "$PGDATA"
	[[ $output =~ ^volown:\ $PGDATA:\ ([0-9]+)\ entries\ checked,\ 0\ changed ]] ||
		{ show_output; fail "the restart changed something in PGDATA"; } || return
	[ "${BASH_REMATCH[1]}" -ge 900 ] || fail "only ${BASH_REMATCH[1]} entries in PGDATA" || return
	run_status 0 pg_psql_tcp "$c" -c 'select count(*), sum(i) from t' || return
	[ "$output" = "1000|500500" ] || { show_output; fail "the rows did not survive"; } || return
	assert_pid1 "$c" postgres "$PG_UID" "${PG_HOST_UID:-$PG_UID}"
}
