#!/usr/bin/env bats
# Setuid mode in real containers: an image that keeps `USER mailhog`, with volown
# installed root:root 4755 as its ENTRYPOINT and a root-owned /etc/volown.conf. The
# seed's compose file runs unchanged but for the image: no `user: root`, no sudo.

load ../lib/common

P=volown-test-setuid-$VOLOWN_TREE
IMAGE=volown-test/mailhog-setuid:$VOLOWN_TREE

setup_file() {
	container_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	local ctx="$BATS_FILE_TMPDIR/ctx"
	mkdir -p "$ctx"
	cp "$VOLOWN" "$ctx/volown"
	cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $MAILHOG_IMAGE
USER root
COPY volown /usr/local/bin/volown
RUN chown 0:0 /usr/local/bin/volown && chmod 4755 /usr/local/bin/volown \\
 && printf 'path = /mailhog/inbox\n' >/etc/volown.conf && chmod 0644 /etc/volown.conf \\
 && echo 'intruder:x:1001:1001::/:/bin/sh' >>/etc/passwd
USER mailhog
ENTRYPOINT ["volown", "--", "MailHog"]
DOCKERFILE
	docker build -q -t "$IMAGE" "$ctx" >/dev/null
}

teardown_file() {
	docker_cleanup "$P"
}

@test "the seed's compose file, image changed, no user: root: the service writes as mailhog" {
	run_status 0 env MAILHOG_IMAGE="$IMAGE" docker-compose --ansi never -p "$P-compose" \
		-f "$COMPOSE_DIR/seed.yaml" up --no-color --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entr(y|ies) checked, 1 changed'
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "$P-compose_mailhog-storage"
	env MAILHOG_IMAGE="$IMAGE" docker-compose -p "$P-compose" -f "$COMPOSE_DIR/seed.yaml" down -v >/dev/null 2>&1
}

@test "later calls in the same container do nothing privileged; another user cannot take the volume" {
	docker run -d --name "$P-run" -v "$P-vol:/mailhog/inbox" "$IMAGE" --serve >/dev/null
	wait_for_log "$P-run" 30 'MailHog: serving'
	docker exec -u 0 "$P-run" sh -c 'touch /mailhog/inbox/root-file'
	run_status 0 docker exec -u mailhog "$P-run" volown -- sh -c 'id -u; stat -c %u /mailhog/inbox/root-file'
	[ "$output" = "$(printf '1000\n0')" ] || { show_output; false; }
	run_status 0 docker exec -u 1001:1001 "$P-run" volown -- sh -c 'id -u; stat -c %u:%g /mailhog/inbox'
	[ "$output" = "$(printf '1001\n1000:1000')" ] || { show_output; false; }
	run_status 125 docker exec -u 1001:1001 "$P-run" volown --user 0 --path /mailhog/inbox -- id
	assert_output_has 'takes no option'
	run_status 0 docker exec -u 1001:1001 -e VOLOWN_PATHS=/mailhog/inbox "$P-run" volown -- stat -c %u /mailhog/inbox
	[ "$output" = 1000 ] || { show_output; false; }
	docker rm -f "$P-run" >/dev/null
}
