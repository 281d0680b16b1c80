#!/usr/bin/env bats
# The seed on Docker with --userns-remap=default, and the doctor on it over its unix
# socket and over TCP with TLS, as the docker CLI speaks it. The engine is a second
# dockerd started here, in a network namespace of its own, with its own data root,
# exec root, pid file, socket and configuration (tests/lib/engines.bash); the user
# dockremap that --userns-remap=default makes is removed afterwards if this run made
# it. The main engine is left alone.

bats_require_minimum_version 1.5.0
load ../lib/common
load ../lib/engines

P=volown-test-remap-$VOLOWN_TREE
NETNS=volown-test-$VOLOWN_TREE-remap
TLS_PORT=2376
ENGINE_CLI=(docker2)

setup_file() {
	container_suite "$P" && [ -z "${VOLOWN_SKIP:-}" ] || return 0
	command -v dockerd >/dev/null || { engine_skip "dockerd is not installed (package docker.io)"; return 0; }
	local dir
	# --userns-remap=default makes the user dockremap when it is missing: one run at a
	# time, so that a run removes only the user it made.
	engines_lock dockremap || return
	export DOCKREMAP_MADE=1
	getent passwd dockremap >/dev/null && DOCKREMAP_MADE=0
	dir=$(engines_dir remap) || return
	mkdir "$dir/tls" && tls_certs "$dir/tls" || return
	export MAIN_STATE_BEFORE
	MAIN_STATE_BEFORE=$(main_engine_state)
	if ! dockerd2_start "$dir" "$NETNS" --userns-remap=default --tlsverify \
		--tlscacert="$dir/tls/ca.pem" --tlscert="$dir/tls/server-cert.pem" \
		--tlskey="$dir/tls/server-key.pem" -H "tcp://127.0.0.1:$TLS_PORT" 2>"$dir/why"; then
		engine_skip "a second dockerd with --userns-remap cannot run here: $(tail -n 3 "$dir/why" | tr '\n' ' ')"
		dockerd2_stop
		return 0
	fi
	dockerd2_load_images
	# What the engine remaps to, from its input: dockremap's ranges.
	local uids gids
	uids=$(subid_range dockremap /etc/subuid) gids=$(subid_range dockremap /etc/subgid)
	export REMAP_UID=${uids% *} REMAP_GID=${gids% *} TLS_DIR=$dir/tls
}

teardown_file() {
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	stop_remap
	docker_cleanup "$P"
}

stop_remap() {
	dockerd2_stop
	if [ "${DOCKREMAP_MADE:-0}" = 1 ] && getent passwd dockremap >/dev/null; then
		userdel dockremap >/dev/null 2>&1 || true
	fi
}

@test "userns-remap: without volown the seed's service cannot write; the volume's root is the remapped root on the host" {
	run_status 1 compose2 "$P-plain" seed.yaml -- up --no-color --exit-code-from mailhog
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	run host_entries "$(engine_volume_dir "$P-plain_mailhog-storage")"
	[ "$output" = "$REMAP_UID:$REMAP_GID $(engine_volume_dir "$P-plain_mailhog-storage")" ] ||
		{ show_output; fail "expected an empty volume owned by the remapped root $REMAP_UID"; }
}

@test "userns-remap: with volown baked into the image the service writes, unprivileged, as PID 1; host owner is remapped 1000" {
	run_status 0 compose2 "$P-baked" seed.yaml baked.yaml -- up --no-color --exit-code-from mailhog
	# A new volume: its root alone, the remapped root's.
	assert_seed_stored "$P-baked_mailhog-storage" "$((REMAP_UID + 1000)):$((REMAP_GID + 1000))" \
		'1 entry checked, 1 changed'
}

@test "userns-remap: with volown bind-mounted read-only into the unmodified image the service writes, unprivileged, as PID 1" {
	run_status 0 compose2 "$P-bind" seed.yaml bind.yaml -- up --no-color --exit-code-from mailhog
	assert_seed_stored "$P-bind_mailhog-storage" "$((REMAP_UID + 1000)):$((REMAP_GID + 1000))" \
		'1 entry checked, 1 changed'
	run docker2 inspect -f '{{range .Mounts}}{{.Destination}} {{.RW}};{{end}}' "$P-bind_mailhog_1"
	assert_output_has '/volown false;'
}

@test "doctor on the remapping engine's socket: the problem, and which host uids own the files, checked by a real run" {
	local dir=$BATS_TEST_TMPDIR/seed project=$P-dseed
	doctor_project "$dir"
	DOCKER_HOST=$D2_HOST edoctor "$dir" "$project"
	[ "$status" -eq 1 ]
	[ "$(j '.engine.userns')" = remap ]
	[ "$(j '.engine.uid_map[0] | "\(.container) \(.host) \(.count)"')" = "0 $REMAP_UID 65536" ]
	[ "$(j '.services[0].user.uid') $(j '.services[0].user.host_uid')" = "1000 $((REMAP_UID + 1000))" ]
	[ "$(j '.services[0].mounts[0].verdict')" = problem ]
	[ "$(j '.services[0].mounts[0].host_owner | "\(.uid):\(.gid)"')" = "$REMAP_UID:$REMAP_GID" ]
	[[ $(j '.services[0].mounts[0].reason') == *"what the program writes to uid $((REMAP_UID + 1000))"* ]]
	DOCKER_HOST=$D2_HOST erun_service "$dir" "$project"
	assert_ran_as_predicted
	[ "$(stat -c %u:%g "$(engine_volume_dir "${project}_mailhog-storage")")" = "$REMAP_UID:$REMAP_GID" ]

	# The override it writes runs, and the files go to the host ids it named.
	DOCKER_HOST=$D2_HOST edoctor "$dir" "$project" --write-override "$dir/volown.override.yaml" \
		--volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	DOCKER_HOST=$D2_HOST erun_service "$dir" "$project" -f volown.override.yaml
	[ "$RAN_STATUS" -eq 0 ] || fail "the override did not run: $RAN_OUTPUT"
	assert_host_tree_owned "$(engine_volume_dir "${project}_mailhog-storage")" \
		"$(j '.services[0].user | "\(.host_uid):\(.host_gid)"')"
}

@test "doctor over TCP with TLS as the docker CLI does it: the same report; a wrong CA, no client certificate or no TLS: exit 2" {
	local dir=$BATS_TEST_TMPDIR/tls project=$P-dtls unix
	doctor_project "$dir"
	DOCKER_HOST=$D2_HOST edoctor "$dir" "$project"
	unix=$(j 'del(.engine.maps_from)')
	# The doctor, the engine's TCP port and the CLI all live in the engine's namespace.
	DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TLS_DIR \
		in_netns "$NETNS" docker version --format '{{.Server.Version}}'
	run --separate-stderr env DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT DOCKER_TLS_VERIFY=1 \
		DOCKER_CERT_PATH="$TLS_DIR" nsenter --net="/run/netns/$NETNS" "$DOCTOR" \
		-f "$dir/compose.yaml" -p "$project" --format json
	[ "$status" -eq 1 ] || { echo "$stderr"; fail "exit $status over TLS"; }
	JSON=$output
	[ "$(j 'del(.engine.maps_from)')" = "$unix" ] || fail "the report over TLS differs from the one over the socket"

	# -H wins over DOCKER_HOST, and DOCKER_TLS=1 without verification works too.
	mkdir "$BATS_TEST_TMPDIR/noca" && cp "$TLS_DIR/cert.pem" "$TLS_DIR/key.pem" "$BATS_TEST_TMPDIR/noca/"
	run --separate-stderr env DOCKER_HOST=unix:///nonexistent DOCKER_TLS=1 \
		DOCKER_CERT_PATH="$BATS_TEST_TMPDIR/noca" nsenter --net="/run/netns/$NETNS" "$DOCTOR" \
		-H "tcp://127.0.0.1:$TLS_PORT" -f "$dir/compose.yaml" -p "$project" --format json
	[ "$status" -eq 1 ] || { echo "$stderr"; fail "exit $status with DOCKER_TLS=1"; }

	# A CA that did not sign the engine's certificate.
	mkdir "$BATS_TEST_TMPDIR/wrongca"
	cp "$TLS_DIR/other-ca.pem" "$BATS_TEST_TMPDIR/wrongca/ca.pem"
	cp "$TLS_DIR/cert.pem" "$TLS_DIR/key.pem" "$BATS_TEST_TMPDIR/wrongca/"
	run --separate-stderr env DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT DOCKER_TLS_VERIFY=1 \
		DOCKER_CERT_PATH="$BATS_TEST_TMPDIR/wrongca" nsenter --net="/run/netns/$NETNS" "$DOCTOR" \
		-f "$dir/compose.yaml" -p "$project"
	[ "$status" -eq 2 ] || fail "exit $status with a wrong CA"
	[[ $stderr == *"does not answer on tcp://127.0.0.1:$TLS_PORT (TLS, verified against $BATS_TEST_TMPDIR/wrongca/ca.pem)"* ]] ||
		fail "no message naming the endpoint: $stderr"

	# No client certificate: the engine wants one.
	mkdir "$BATS_TEST_TMPDIR/cacert"
	cp "$TLS_DIR/ca.pem" "$BATS_TEST_TMPDIR/cacert/"
	run --separate-stderr env DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT DOCKER_TLS_VERIFY=1 \
		DOCKER_CERT_PATH="$BATS_TEST_TMPDIR/cacert" nsenter --net="/run/netns/$NETNS" "$DOCTOR" \
		-f "$dir/compose.yaml" -p "$project"
	[ "$status" -eq 2 ] || fail "exit $status without a client certificate"

	# Plain HTTP to the TLS port.
	run --separate-stderr env DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT nsenter --net="/run/netns/$NETNS" \
		"$DOCTOR" -f "$dir/compose.yaml" -p "$project"
	[ "$status" -eq 2 ] || fail "exit $status without TLS"
	[[ $stderr == *"does not answer on tcp://127.0.0.1:$TLS_PORT:"* ]] || fail "message: $stderr"
}

@test "doctor: a bind mount owned by host root is outside the remapped namespace: volown cannot fix it, the host chown to the remapped ids can" {
	local dir=$BATS_TEST_TMPDIR/bind project=$P-dbind host=$BATS_TEST_TMPDIR/bind/data
	mkdir -p "$host"
	chmod 0755 "$BATS_TEST_TMPDIR" "$dir"
	chown 0:0 "$host" && chmod 0755 "$host"
	doctor_project "$dir" /srv/data '- type: bind' "  source: $host" '  target: /srv/data'
	# a bind mount of the user's own files is a problem only when asked (--chown-bind-mounts)
	DOCKER_HOST=$D2_HOST edoctor "$dir" "$project" --chown-bind-mounts \
		--write-override "$dir/volown.override.yaml" --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	local m='.services[0].mounts[] | select(.target == "/srv/data")'
	[ "$(j "$m | .verdict")" = problem ]
	[ "$(j "$m | .predicted.uid_unmapped")" = true ]
	[[ $(j '.services[0].fixes[] | select(.kind == "volown") | .text') == *"volown cannot fix /srv/data"* ]]
	[[ $(j '.services[0].fixes[] | select(.kind == "host-chown") | .text') == *"chown $((REMAP_UID + 1000)):$((REMAP_GID + 1000)) $host"* ]]
	run grep -c -- '--path", "/srv/data"' "$dir/volown.override.yaml"
	[ "$output" = 0 ] || fail "the override asks volown to fix /srv/data"

	# The real run agrees: the program cannot write, and volown is refused the chown.
	local mh='.services[0].mounts[] | select(.target == "/srv/data") | .verdict'
	[ "$(j "$mh")" = problem ]
	RAN_STATUS=0
	RAN_OUTPUT=$(docker2 run --rm --network none -e MH_MAILDIR_PATH=/srv/data -v "$host:/srv/data" \
		"$MAILHOG_IMAGE" 2>&1) || RAN_STATUS=$?
	[ "$RAN_STATUS" -eq 1 ] && [[ $RAN_OUTPUT == *"FAILED to store message in /srv/data: Permission denied"* ]] ||
		fail "the program could write: $RAN_OUTPUT"
	run_status 125 docker2 run --rm --network none --user 0 -v "$host:/srv/data" -v "$VOLOWN:/volown:ro" \
		--entrypoint /volown "$MAILHOG_IMAGE" --user mailhog --path /srv/data -- true
	assert_output_has 'volown: .*/srv/data.*(Operation not permitted|Permission denied)'
	[ "$(stat -c %u:%g "$host")" = 0:0 ]

	# The host chown the doctor proposes: then it predicts ok, and the run stores.
	chown "$((REMAP_UID + 1000)):$((REMAP_GID + 1000))" "$host"
	DOCKER_HOST=$D2_HOST edoctor "$dir" "$project"
	[ "$(j "$m | .verdict")" = ok ]
	[ "$(j "$m | .predicted | \"\(.uid):\(.gid)\"")" = 1000:1000 ]
	RAN_OUTPUT=$(docker2 run --rm --network none -e MH_MAILDIR_PATH=/srv/data -v "$host:/srv/data" \
		"$MAILHOG_IMAGE" 2>&1) || fail "the program could not write after the host chown: $RAN_OUTPUT"
	assert_host_tree_owned "$host" "$((REMAP_UID + 1000)):$((REMAP_GID + 1000))"
}

@test "doctor: a missing bind source is made by the remapping engine as the remapped root: as predicted" {
	local dir=$BATS_TEST_TMPDIR/missing project=$P-dmissing host=$BATS_TEST_TMPDIR/missing/data
	local m='.services[0].mounts[] | select(.target == "/srv/data")'
	doctor_project "$dir" /srv/data "- $host:/srv/data"
	DOCKER_HOST=$D2_HOST edoctor "$dir" "$project" --chown-bind-mounts
	[ "$(j "$m | .origin")" = bind-created ]
	[ "$(j "$m | .predicted | \"\(.uid):\(.gid) \(.uid_unmapped)\"")" = "0:0 null" ]
	[ "$(j "$m | .host_owner | \"\(.uid):\(.gid)\"")" = "$REMAP_UID:$REMAP_GID" ]
	[ "$(j "$m | .verdict")" = problem ]
	DOCKER_HOST=$D2_HOST erun_service "$dir" "$project"
	[ "$RAN_STATUS" -ne 0 ] && [[ $RAN_OUTPUT == *"FAILED to store message in /srv/data"* ]] ||
		fail "predicted a problem, but the service ran: $RAN_OUTPUT"
	[ "$(stat -c %u:%g "$host")" = "$REMAP_UID:$REMAP_GID" ]
}

@test "PostgreSQL (examples/postgres) on the remapping engine: PID 1 as postgres, nothing as root, psql over the socket and TCP, a clean stop and a restart; PGDATA is the remapped uid of postgres" {
	pg_scenario "$D2_HOST" "$P-pg" "$P-pg" "$REMAP_UID" "$REMAP_GID"
}

@test "the second dockerd stops cleanly and leaves the main engine, its network and the users as they were" {
	stop_remap
	assert_main_engine_as_before
	[ ! -e "/run/netns/$NETNS" ] || fail "the network namespace is left"
	if [ "$DOCKREMAP_MADE" = 1 ]; then
		run getent passwd dockremap
		[ "$status" -ne 0 ] || fail "dockremap, made by this run, is left"
		run grep '^dockremap:' /etc/subuid /etc/subgid
		[ "$status" -ne 0 ] || fail "dockremap's subordinate ids are left"
	fi
	timeout 60 docker run --rm --entrypoint true "$MAILHOG_IMAGE"
}
