#!/usr/bin/env bats
# The Kubernetes recipes of examples/kubernetes/, checked on the Docker engine with the
# same security contexts (there is no cluster here): the capabilities each container
# gets, no-new-privileges, a read-only root filesystem, and the same arguments.

load ../lib/common

P=volown-test-k8s-$VOLOWN_TREE
EX=$VOLOWN_ROOT/examples/kubernetes

setup_file() {
	container_suite "$P"
}

teardown_file() {
	docker_cleanup "$P"
}

# A volume the way an earlier run or another tool left it: root's, a private directory
# of another user, files of several owners.
seed_volume() {
	volume_sh "$1" 'mkdir -p /v/private/deep && echo x >/v/private/deep/f && chown -R 4242:4242 /v/private &&
		chmod 0700 /v/private /v/private/deep && chmod 0600 /v/private/deep/f && echo y >/v/rootfile'
}

@test "initContainer: volown with CHOWN, FOWNER, DAC_READ_SEARCH only, then the app as 1000 with none" {
	grep -q 'args: \["--user", "1000:1000", "--path", "/mailhog/inbox"\]' "$EX/initcontainer.yaml"
	grep -q 'add: \["CHOWN", "FOWNER", "DAC_READ_SEARCH"\]' "$EX/initcontainer.yaml"
	seed_volume "$P-init"
	run_status 0 docker run --rm --network none --user 0 --cap-drop ALL --cap-add CHOWN \
		--cap-add FOWNER --cap-add DAC_READ_SEARCH --security-opt no-new-privileges --read-only \
		-v "$P-init:/mailhog/inbox" "$VOLOWN_IMAGE" --user 1000:1000 --path /mailhog/inbox
	assert_output_has 'volown: /mailhog/inbox: 5 entries checked, 5 changed'
	run_status 0 docker run --rm --network none --user 1000:1000 --cap-drop ALL \
		--security-opt no-new-privileges --read-only -v "$P-init:/mailhog/inbox" "$MAILHOG_IMAGE"
	assert_output_has 'MailHog: stored message /mailhog/inbox/'
	run volume_entries "$P-init"
	[ -z "$(printf '%s\n' "$output" | grep -v '^1000:1000 ')" ] || { show_output; false; }
}

@test "initContainer without DAC_READ_SEARCH cannot enter a private directory, and says so" {
	seed_volume "$P-nodac"
	run_status 125 docker run --rm --network none --user 0 --cap-drop ALL --cap-add CHOWN \
		--cap-add FOWNER --security-opt no-new-privileges --read-only \
		-v "$P-nodac:/mailhog/inbox" "$VOLOWN_IMAGE" --user 1000:1000 --path /mailhog/inbox
	assert_output_has "volown: cannot (open|read) the directory \`/mailhog/inbox/private(/deep)?': Permission denied"
}

@test "entrypoint: volown with CHOWN, FOWNER, DAC_READ_SEARCH, SETUID, SETGID; the app keeps none" {
	grep -q 'add: \["CHOWN", "FOWNER", "DAC_READ_SEARCH", "SETUID", "SETGID"\]' "$EX/entrypoint.yaml"
	grep -q 'command: \["/usr/local/bin/volown", "--user", "1000:1000", "--path", "/mailhog/inbox", "--"\]' "$EX/entrypoint.yaml"
	seed_volume "$P-entry"
	run_status 0 docker run --rm --network none --user 0 --cap-drop ALL --cap-add CHOWN \
		--cap-add FOWNER --cap-add DAC_READ_SEARCH --cap-add SETUID --cap-add SETGID \
		--security-opt no-new-privileges --read-only -v "$P-entry:/mailhog/inbox" \
		--entrypoint /usr/local/bin/volown "$BAKED_IMAGE" \
		--user 1000:1000 --path /mailhog/inbox -- MailHog
	assert_mailhog_unprivileged
}
