#!/usr/bin/env bats
# PostgreSQL 15 from Debian's packages through volown, with its real clients:
# examples/postgres/compose.yaml as it is, psql over the socket and over TCP from a
# second container, docker stop and a restart, a cluster restored from elsewhere, and
# the orphans that COPY ... FROM PROGRAM leaves, with and without --init.

load ../lib/common
load servers

P=volown-test-pg-$VOLOWN_TREE
MAIN=$P-main # the project of the first tests: one cluster, started once
# psql over TCP from a second container on the project's network (pg_psql_tcp).
PG_TCP_NETWORK=${MAIN}_default PG_TCP_HOST=postgres

setup_file() {
	servers_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	PG_UID=$(image_id "$REAL_IMAGE" postgres) || return
	export PG_UID
	example postgres "$MAIN" up -d || return
	wait_for_count "${MAIN}_postgres_1" 60 1 'database system is ready to accept connections'
}

teardown_file() {
	docker_cleanup "$P"
}

# psql_socket PROJECT ARG...: psql in the project's server container, over its Unix
# socket, as postgres.
psql_socket() {
	pg_psql_socket "${1}_postgres_1" "${@:2}"
}

@test "a new cluster: postgres is PID 1 as postgres, nothing runs as root, the socket directory was made" {
	pg_assert_new_cluster "${MAIN}_postgres_1"
}

@test "psql over the socket and over TCP: a table, 1,000 rows written and read back both ways" {
	pg_assert_rows "${MAIN}_postgres_1"
}

@test "docker stop (stop_signal SIGINT) ends postgres cleanly with a client connected, within a 5 s grace; a restart finds the rows and changes nothing" {
	pg_assert_stop_restart "${MAIN}_postgres_1"
}

@test "why SIGINT: with Docker's default SIGTERM (smart shutdown) a connected client keeps postgres running" {
	local c=${MAIN}_postgres_1
	docker exec -d -u postgres "$c" psql -X -c 'select pg_sleep(60)'
	sleep 1
	docker kill -s TERM "$c" >/dev/null
	wait_for_count "$c" 10 1 'received smart shutdown request'
	sleep 2
	run docker inspect -f '{{.State.Running}}' "$c"
	[ "$output" = true ] || fail "postgres stopped on SIGTERM although a client was connected"
	docker kill -s INT "$c" >/dev/null
	wait_for_count "$c" 10 2 'database system is shut down'
}

# orphan_test PROJECT: COPY ... FROM PROGRAM runs a shell that leaves a subshell behind,
# which exits with status 3 a second later, reparented to PID 1; meanwhile another
# client sleeps in its query. Sets $output to that client's output.
orphan_test() {
	local project=$1 c=${1}_postgres_1 out
	out=$(mktemp)
	psql_socket "$project" -c 'select pg_sleep(6)' -c "select 'the other client survived'" \
		>"$out" 2>&1 &
	local other=$!
	sleep 1
	run_status 0 psql_socket "$project" -c 'create temporary table o (x int)' \
		-c "copy o from program 'sh -c \"(sleep 1; exit 3) >/dev/null 2>&1 & echo 1\"'" \
		-c 'select count(*) from o'
	[ "$output" = 1 ] || { show_output; fail "COPY FROM PROGRAM did not read its row"; }
	wait "$other" || true
	output=$(cat "$out")
	rm -f "$out"
}

@test "without --init, postgres as PID 1 takes an orphan's exit for a crashed backend and resets every connection" {
	local project=$P-orphan c=$P-orphan_postgres_1
	example postgres "$project" up -d
	wait_for_count "$c" 60 1 'database system is ready to accept connections'
	assert_pid1 "$c" postgres "$PG_UID"
	orphan_test "$project"
	assert_output_has 'terminating connection because of crash of another server process'
	assert_output_lacks 'the other client survived'
	# ... then postgres recovers, as after a crash, and is ready again.
	wait_for_count "$c" 30 2 'database system is ready to accept connections'
	run docker logs "$c"
	assert_output_has 'server process \(PID [0-9]+\) exited with exit code 3' \
		'terminating any other active server processes' 'automatic recovery in progress'
}

@test "with VOLOWN_INIT=1, volown is PID 1 (as postgres), reaps the orphan, and every connection survives" {
	local project=$P-orphan-init c=$P-orphan-init_postgres_1
	VOLOWN_INIT=1 example postgres "$project" up -d
	wait_for_count "$c" 60 1 'database system is ready to accept connections'
	assert_pid1 "$c" volown "$PG_UID"
	orphan_test "$project"
	assert_output_has 'the other client survived'
	assert_output_lacks 'terminating connection'
	run docker logs "$c"
	assert_output_lacks 'exited with exit code 3' 'terminating any other active server processes'
	run_status 0 docker stop -t 5 "$c"
	run docker inspect -f '{{.State.ExitCode}}' "$c"
	[ "$output" = 0 ] || { show_output; fail "volown --init did not pass postgres's status 0"; }
}

# restored_cluster VOLUME: a cluster made elsewhere and restored as root with its
# owner from there: every entry 999:999, directories 0755, files 0644. Prints the
# number of entries.
restored_cluster() {
	docker volume create "$1" >/dev/null
	docker run --rm --network none -u 0 -v "$1:/v" --entrypoint sh "$REAL_IMAGE" -ec '
		mkdir /tmp/c && chown postgres /tmp/c
		gosu postgres initdb --auth=trust -D /tmp/c >/dev/null
		cp -a /tmp/c/. /v/
		chown -R 999:999 /v && chmod -R u+rwX,go=rX /v
		find /v | wc -l'
}

# nobody_psql CONTAINER: psql as nobody (not in group postgres) over the socket; the
# restored cluster trusts local connections, so the server answers if the socket
# directory lets nobody in.
nobody_psql() {
	docker exec -u 65534 "$1" psql -X -h /run/postgresql -U postgres -c 'select 1' 2>&1 || true
}

@test "a cluster restored from elsewhere (999:999, 0755) starts: PGDATA becomes postgres's and 0700, the socket directory stays open" {
	local project=$P-restored c=$P-restored_postgres_1 n pg_gid
	pg_gid=$(image_id "$REAL_IMAGE" postgres -g)
	n=$(restored_cluster "${project}_pgdata")
	[ "$n" -gt 900 ] || fail "the restored cluster has only $n entries"

	# Without a mode for PGDATA, postgres refuses the restored data directory.
	run_status 1 example postgres "$project" run --rm -T \
		--entrypoint '/volown --user=postgres --path=/var/lib/postgresql/data --path=/run/postgresql:mkdir --' \
		postgres postgres
	assert_output_has "volown: $PGDATA: $n entries checked, $n changed" \
		'data directory "/var/lib/postgresql/data" has invalid permissions'

	# The example's per-path settings: chmod=go-rwx for PGDATA only.
	run_status 0 example postgres "$project" up -d
	wait_for_count "$c" 60 1 'database system is ready to accept connections'
	run last_summary "$c" "$PGDATA"
	assert_output_has "^volown: $PGDATA: $n entries checked, $n changed" # every mode had go+r
	run_status 0 docker exec "$c" find "$PGDATA" \( ! -user "$PG_UID" -o ! -group "$pg_gid" -o -perm /077 \) -print
	[ -z "$output" ] || { show_output; fail "entries above are not postgres's alone"; }
	run_status 0 docker exec "$c" stat -c '%a' "$PGDATA" /run/postgresql
	[ "$output" = $'700\n755' ] || { show_output; fail "expected PGDATA 0700, the socket directory 0755"; }
	run_status 0 psql_socket "$project" -c 'select 42'
	[ "$output" = 42 ] || { show_output; fail "the restored cluster does not answer"; }
	output=$(nobody_psql "$c")
	assert_output_has '^\(1 row\)$'
	assert_output_lacks 'Permission denied'
	assert_pid1 "$c" postgres "$PG_UID"
	run_status 0 docker stop "$c"
}

@test "the same cluster with one --chmod for every path (VOLOWN_CHMOD=go-rwx) locks the socket directory up" {
	local project=$P-restored name=$P-restored-onechmod
	run_status 0 example postgres "$project" run -d --name "$name" -e VOLOWN_CHMOD=go-rwx postgres
	wait_for_count "$name" 60 1 'database system is ready to accept connections'
	run_status 0 docker exec "$name" stat -c '%a' /run/postgresql
	[ "$output" = 700 ] || { show_output; fail "VOLOWN_CHMOD did not reach /run/postgresql"; }
	output=$(nobody_psql "$name")
	assert_output_has 'Permission denied'
	assert_output_lacks 'row'
	run_status 0 docker stop "$name"
}
