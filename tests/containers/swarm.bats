#!/usr/bin/env bats
# examples/swarm/stack.yml on a one-node Docker Swarm made for the test: the service's
# named volume is fixed by volown and the program writes as mailhog. The node leaves
# the swarm again at the end (a swarm left by a killed earlier run is reused).

load ../lib/common

P=volown-test-swarm-$VOLOWN_TREE

setup_file() {
	container_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
		docker swarm init --advertise-addr 127.0.0.1 >/dev/null
	fi
}

teardown_file() {
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	docker stack rm "$P" >/dev/null 2>&1 || true
	# the stack's tasks must be gone before its volume can be removed
	for _ in $(seq 50); do
		[ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$P")" ] && break
		sleep 0.2
	done
	docker ps -aq --filter "label=com.docker.stack.namespace=$P" | xargs -r docker rm -f >/dev/null 2>&1
	docker swarm leave --force >/dev/null 2>&1 || true
	docker_cleanup "$P"
}

@test "a stack deployed from examples/swarm/stack.yml writes to its volume as mailhog" {
	MAILHOG_IMAGE=$MAILHOG_IMAGE VOLOWN_BINARY=$VOLOWN \
		docker stack deploy --resolve-image never -c "$VOLOWN_ROOT/examples/swarm/stack.yml" "$P" >/dev/null
	local logs=""
	for _ in $(seq 150); do
		logs=$(docker service logs --raw "${P}_mailhog" 2>&1 || true)
		case $logs in *"stored message"* | *FAILED*) break ;; esac
		sleep 0.2
	done
	output=$logs
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entr(y|ies) checked, [1-9][0-9]* changed' \
		'MailHog: stored message /mailhog/inbox/'
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "${P}_mailhog-storage"
}
