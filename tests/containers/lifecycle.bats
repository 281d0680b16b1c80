#!/usr/bin/env bats
# The container's life with volown in front of the program, both ways of using it
# (baked into the image, bind-mounted into the unmodified one): exit codes pass
# through, `docker stop` reaches the program itself, a restart changes nothing.

load ../lib/common

P=volown-test-life-$VOLOWN_TREE

setup_file() {
	container_suite "$P"
}

teardown_file() {
	docker_cleanup "$P"
}

# svc_run MODE USER ARG...: `docker-compose run` of the seed's service in MODE (baked
# or bind), with volown's entrypoint given --user USER, and ARG... as the command.
svc_run() {
	local mode=$1 user=$2 bin=volown
	shift 2
	[ "$mode" = bind ] && bin=/volown
	compose "$P-$mode-exit" seed.yaml "$mode.yaml" -- run --rm -T \
		--entrypoint "$bin --user $user --path /mailhog/inbox --" mailhog "$@"
}

check_exit_codes() {
	local mode=$1
	run_status 0 svc_run "$mode" mailhog sh -c 'exit 0'
	run_status 42 svc_run "$mode" mailhog sh -c 'exit 42'
	run_status 127 svc_run "$mode" mailhog no-such-command
	assert_output_has 'no-such-command'
	run_status 126 svc_run "$mode" mailhog /etc/passwd
	assert_output_has '/etc/passwd'
	run_status 125 svc_run "$mode" no-such-user MailHog
	assert_output_has '^volown: .*no-such-user'
	assert_output_lacks '^MailHog:'
}

@test "baked: the command's exit status passes through; 127, 126 and 125 as documented" {
	check_exit_codes baked
}

@test "bind-mounted: the command's exit status passes through; 127, 126 and 125 as documented" {
	check_exit_codes bind
}

# docker stop signals PID 1: that must be the program itself, whose trap sees SIGTERM
# and exits 0 at once (a signal lost on the way would end in SIGKILL, status 137,
# after the 10 s grace).
check_stop() {
	local mode=$1 name=$P-$1-serve start ms
	shift
	run_status 0 compose "$P-$mode-stop" seed.yaml "$mode.yaml" -- run -d --name "$name" mailhog "$@"
	wait_for_log "$name" 30 "MailHog: serving"
	run docker logs "$name"
	assert_mailhog_unprivileged
	start=$(date +%s%N)
	run_status 0 docker stop "$name"
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -lt 5000 ] || fail "docker stop took $ms ms: the signal did not reach the program"
	run docker inspect -f '{{.State.ExitCode}}' "$name"
	[ "$output" = 0 ] || { docker logs "$name" >&2; fail "exit status $output after docker stop, expected 0"; }
	run docker logs "$name"
	assert_output_has '^MailHog: got SIGTERM, stopping$'
	docker rm -f "$name" >/dev/null
}

@test "baked: docker stop reaches the program directly" {
	check_stop baked --serve
}

@test "bind-mounted: docker stop reaches the program directly" {
	check_stop bind MailHog --serve
}

# The second start of the same container finds every entry right and changes nothing.
check_restart() {
	local mode=$1 project=$P-$1-restart
	run_status 0 compose "$project" seed.yaml "$mode.yaml" -- up --no-color --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entr(y|ies) checked, [1-9][0-9]* changed'
	run_status 0 docker start -a "${project}_mailhog_1"
	assert_output_has 'volown: /mailhog/inbox: [2-9] entries checked, 0 changed'
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "${project}_mailhog-storage"
	run volume_entries "${project}_mailhog-storage"
	[ "$(printf '%s\n' "$output" | grep -c '@mailhog.example$')" -eq 2 ] ||
		{ show_output; fail "expected the two messages of the two starts"; }
}

@test "baked: a second start of the same container changes no ownership" {
	check_restart baked
}

@test "bind-mounted: a second start of the same container changes no ownership" {
	check_restart bind
}
