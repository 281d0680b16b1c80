#!/usr/bin/env bats
# nginx from Debian's packages through volown, as www-data, with curl as its client:
# examples/nginx/compose.yaml and nginx.conf as they are. Its temporary files and cache
# are on named volumes; its logs go to /dev/stdout and /dev/stderr, opened by name,
# and show in `docker logs`, each on its own stream.

load ../lib/common
load servers

P=volown-test-nginx-$VOLOWN_TREE
PROJECT=$P-main
C=${PROJECT}_nginx_1

setup_file() {
	servers_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	WWW_UID=$(image_id "$REAL_IMAGE" www-data) || return
	export WWW_UID
	example nginx "$PROJECT" up -d || return
	wait_for_count "$C" 30 1 'start worker process'
}

teardown_file() {
	docker_cleanup "$P"
}

# curl_nginx ARG...: curl in a second container on the project's network.
curl_nginx() {
	docker run --rm --name "$P-client" --network "${PROJECT}_default" --entrypoint curl \
		"$REAL_IMAGE" -sS "$@"
}

@test "nginx runs as www-data, master and workers, and made its temporary directories on the volume" {
	assert_pid1 "$C" nginx "$WWW_UID"
	run docker logs "$C"
	assert_output_has '^volown: /var/lib/nginx: 1 entry checked, 1 changed' \
		'^volown: /var/cache/nginx: 1 entry checked, 1 changed'
	assert_output_lacks 'emerg|crit|alert|Permission denied'
	run_status 0 docker exec "$C" stat -c '%u %n' /var/lib/nginx/body /var/lib/nginx/proxy /var/cache/nginx
	[ "$(printf '%s\n' "$output" | grep -c "^$WWW_UID ")" -eq 3 ] || { show_output; fail "not www-data's"; }
}

@test "curl: a page, a request body through the temporary directory, a cached page; each in docker logs" {
	run_status 0 curl_nginx -o /dev/null -w '%{http_code}\n' http://nginx:8080/
	[ "$output" = 200 ] || { show_output; fail "GET / did not answer 200"; }
	run_status 0 curl_nginx --data-binary @/etc/services http://nginx:8080/upload
	[ "$output" = stored ] || { show_output; fail "the request body was not stored"; }
	run_status 0 curl_nginx -D - -o /dev/null http://nginx:8080/cached/index.html
	assert_output_has '^X-Cache: MISS'
	run_status 0 curl_nginx -D - -o /dev/null http://nginx:8080/cached/index.html
	assert_output_has '^X-Cache: HIT'
	run_status 0 curl_nginx -o /dev/null -w '%{http_code}\n' http://nginx:8080/no-such-page
	[ "$output" = 404 ] || { show_output; fail "GET /no-such-page did not answer 404"; }

	# The access log, through /dev/stdout: docker logs' standard output.
	output=$(docker logs "$C" 2>/dev/null)
	assert_output_has '"GET / HTTP/1.1" 200 ' '"POST /upload HTTP/1.1" 200 ' \
		'"GET /cached/index.html HTTP/1.1" 200 ' '"GET /no-such-page HTTP/1.1" 404 '
	assert_output_lacks '\[error\]|\[notice\]'
	# The error log, through /dev/stderr: docker logs' standard error.
	output=$(docker logs "$C" 2>&1 >/dev/null)
	assert_output_has 'a client request body is buffered to a temporary file /var/lib/nginx/body/' \
		'\[error\] .*open\(\) "/usr/share/nginx/html/no-such-page" failed \(2: No such file or directory\)'
	assert_output_lacks 'HTTP/1.1" 200'
	# The cached page is a file of www-data's on the cache volume.
	run_status 0 docker exec "$C" find /var/cache/nginx/pages -type f -exec stat -c '%u' {} +
	[ "$output" = "$WWW_UID" ] || { show_output; fail "expected one cached file of www-data's"; }
}

@test "docker stop: nginx, PID 1, gets SIGTERM itself and exits 0" {
	run_status 0 docker stop -t 5 "$C"
	run docker inspect -f '{{.State.ExitCode}}' "$C"
	[ "$output" = 0 ] || { show_output; fail "nginx did not exit 0"; }
	run docker logs "$C"
	assert_output_has 'signal 15 \(SIGTERM\) received' 'exit$'
}
