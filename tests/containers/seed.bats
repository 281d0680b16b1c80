#!/usr/bin/env bats
# The seed, end to end with the real engine and docker-compose: a MailHog-like service
# that runs as mailhog (1000:1000) stores into a named volume at /mailhog/inbox. It
# fails without volown, and works with volown baked into the image or bind-mounted
# into the unmodified one.

load ../lib/common

P=volown-test-seed-$VOLOWN_TREE

setup_file() {
	container_suite "$P"
}

teardown_file() {
	docker_cleanup "$P"
}

@test "without volown the seed's service cannot write to its named volume" {
	run_status 1 compose "$P-plain" seed.yaml -- up --no-color --exit-code-from mailhog
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	assert_output_lacks 'MailHog: stored message'
	# ... because the program runs as mailhog and the volume's root belongs to root.
	assert_output_has 'Uid:[[:space:]]+1000[[:space:]]+1000'
	run volume_entries "$P-plain_mailhog-storage"
	[ "$output" = "0:0 755 /v" ] || { show_output; fail "expected a root-owned, empty volume"; }
}

@test "with volown baked into the image the service writes, unprivileged, as PID 1" {
	run_status 0 compose "$P-baked" seed.yaml baked.yaml -- up --no-color --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entr(y|ies) checked, [1-9][0-9]* changed'
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "$P-baked_mailhog-storage"
}

@test "with volown bind-mounted read-only into the unmodified image the service writes, unprivileged, as PID 1" {
	run_status 0 compose "$P-bind" seed.yaml bind.yaml -- up --no-color --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entr(y|ies) checked, [1-9][0-9]* changed'
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "$P-bind_mailhog-storage"
	# The binary really was mounted read-only, and the image itself is unchanged.
	run docker inspect -f '{{range .Mounts}}{{.Destination}} {{.RW}};{{end}}' "$P-bind_mailhog_1"
	assert_output_has '/volown false;'
	run docker image inspect -f '{{.Config.User}} {{json .Config.Entrypoint}}' "$MAILHOG_IMAGE"
	[ "$output" = 'mailhog ["MailHog"]' ] || { show_output; fail "the stand-in image changed"; }
}

@test "the examples a user copies work as documented: compose.yaml fails, with compose.volown.yaml it works" {
	local dir=$VOLOWN_ROOT/examples/compose
	run_status 1 env MAILHOG_IMAGE="$MAILHOG_IMAGE" docker-compose --ansi never -p "$P-example" \
		-f "$dir/compose.yaml" up --no-color --exit-code-from mailhog
	assert_output_has 'Permission denied'

	run_status 0 env MAILHOG_IMAGE="$MAILHOG_IMAGE" VOLOWN_BINARY="$VOLOWN" docker-compose --ansi never \
		-p "$P-example" -f "$dir/compose.yaml" -f "$dir/compose.volown.yaml" \
		up --no-color --exit-code-from mailhog
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "$P-example_mailhog-storage"
}
