#!/usr/bin/env bats
# Redis 7 from Debian's packages through volown, with its real client:
# examples/redis/compose.yaml as it is, redis-cli from a second container, and the
# append-only file surviving a new container on the same volume.

load ../lib/common
load servers

P=volown-test-redis-$VOLOWN_TREE
PROJECT=$P-main
C=${PROJECT}_redis_1

setup_file() {
	servers_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	REDIS_UID=$(image_id "$REAL_IMAGE" redis) || return
	export REDIS_UID
}

teardown_file() {
	docker_cleanup "$P"
}

# cli ARG...: redis-cli in a second container on the project's network, with the password.
cli() {
	docker run --rm -i --name "$P-client" --network "${PROJECT}_default" -e REDISCLI_AUTH=example \
		--entrypoint redis-cli "$REAL_IMAGE" -h redis "$@"
}

@test "redis-server is PID 1 as redis and writes its append-only file into the new volume" {
	run_status 0 example redis "$PROJECT" up -d
	wait_for_count "$C" 30 1 'Ready to accept connections'
	assert_pid1 "$C" redis-server "$REDIS_UID"
	run docker logs "$C"
	assert_output_has '^volown: /data: 1 entry checked, 1 changed'
	# 1,000 keys through redis-cli, one command a line on its standard input.
	run_status 0 cli < <(seq 1000 | awk '{ print "SET key:" $1 " value:" $1 }')
	[ "$(printf '%s\n' "$output" | grep -c '^OK$')" -eq 1000 ] || { show_output; fail "not 1000 OK"; }
	run_status 0 cli DBSIZE
	[ "$output" = 1000 ] || { show_output; fail "DBSIZE is not 1000"; }
	run_status 0 docker exec "$C" find /data -exec stat -c '%u %n' {} +
	assert_output_has "^$REDIS_UID /data/appendonlydir/appendonly.aof.manifest\$"
	if printf '%s\n' "$output" | grep -v "^$REDIS_UID "; then
		fail "entries above in /data are not redis's"
	fi
}

@test "the keys survive a new container on the same volume, which volown leaves unchanged" {
	local old new
	old=$(docker inspect -f '{{.Id}}' "$C")
	run_status 0 docker stop "$C"
	run docker inspect -f '{{.State.ExitCode}}' "$C"
	[ "$output" = 0 ] || { show_output; fail "redis-server did not exit 0 on SIGTERM"; }
	run_status 0 example redis "$PROJECT" down # the volume stays
	run_status 0 example redis "$PROJECT" up -d
	new=$(docker inspect -f '{{.Id}}' "$C")
	[ "$old" != "$new" ] || fail "the container was not replaced"
	wait_for_count "$C" 30 1 'Ready to accept connections'
	run docker logs "$C"
	assert_output_has '^volown: /data: [0-9]+ entries checked, 0 changed' 'DB loaded from'
	run_status 0 cli DBSIZE
	[ "$output" = 1000 ] || { show_output; fail "DBSIZE is not 1000 after the new container"; }
	run_status 0 cli GET key:500
	[ "$output" = value:500 ] || { show_output; fail "key:500 lost"; }
	assert_pid1 "$C" redis-server "$REDIS_UID"
}
