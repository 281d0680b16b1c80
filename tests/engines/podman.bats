#!/usr/bin/env bats
# The seed on rootful Podman, with `podman run` and with podman-compose on the seed's
# own compose file: a program running as uid 1000 stores into a named volume; volown,
# baked into the image or bind-mounted read-only, makes it work, and the program runs
# with no capability. Podman's storage, volumes and networks live under a directory of
# this file's own (tests/lib/engines.bash); the main Docker engine is left alone.

bats_require_minimum_version 1.5.0
load ../lib/common
load ../lib/engines

P=volown-test-podman-$VOLOWN_TREE
ENGINE_CLI=(podman)

setup_file() {
	container_suite "$P" && [ -z "${VOLOWN_SKIP:-}" ] || return 0
	command -v podman >/dev/null || { engine_skip "podman is not installed (package podman)"; return 0; }
	local dir why
	dir=$(engines_dir podman) || return
	podman_rootful_setup "$dir"
	if ! why=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>&1); then
		engine_skip "podman cannot run here: $why"
		return 0
	fi
	podman_load_images
	# The stand-in with a root-owned /mailhog/inbox in the image.
	mkdir "$dir/rootdir"
	printf '%s\n' "FROM $MAILHOG_IMAGE" 'USER root' 'RUN mkdir -p /mailhog/inbox && chmod 0755 /mailhog/inbox' \
		'USER mailhog' >"$dir/rootdir/Containerfile"
	podman build --network none -q -t "$P-rootdir" "$dir/rootdir" >/dev/null || return
	# ... and with one that belongs to mailhog.
	mkdir "$dir/userdir"
	printf '%s\n' "FROM $MAILHOG_IMAGE" 'USER root' 'RUN mkdir -p /mailhog/inbox && chown 1000:1000 /mailhog/inbox' \
		'USER mailhog' >"$dir/userdir/Containerfile"
	podman build --network none -q -t "$P-userdir" "$dir/userdir" >/dev/null || return
	# The Docker-compatible API, for the doctor and docker-compose.
	podman_service_start "unix://$dir/podman.sock" || return
	export MAIN_STATE_BEFORE
	MAIN_STATE_BEFORE=$(main_engine_state)
}

teardown_file() {
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	podman_rootful_teardown
	# The CNI chains of a podman-compose test that failed half-way.
	if [ -f "$BATS_FILE_TMPDIR/cni-rules" ]; then
		engines_lock podman-cni && cni_rules_restore "$BATS_FILE_TMPDIR/cni-rules"
	fi
	docker_cleanup "$P"
}

# podman-compose on the seed's compose files: pcompose PROJECT FILE... -- ARG...
pcompose() {
	local project=$1 files=() f
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		f=$1
		[[ $f == */* ]] || f=$COMPOSE_DIR/$f
		files+=(-f "$f")
		shift
	done
	[ $# -gt 0 ] && shift
	VOLOWN_BINARY=$VOLOWN timeout 120 podman-compose -p "$project" "${files[@]}" "$@"
}

@test "Podman gives a new volume's root to the container's user: the seed's service writes without volown" {
	run_status 0 seed_run "$P-new" -- "$MAILHOG_IMAGE"
	assert_seed_stored "$P-new" 1000:1000
}

@test "a volume first used by root keeps root's owner: then the seed's service fails without volown" {
	# The seed's own workaround (the program run as root) fills the volume first.
	run_status 0 seed_run "$P-rootfirst" --user 0 -- "$MAILHOG_IMAGE"
	assert_output_has 'MailHog: stored message'
	run_status 1 seed_run "$P-rootfirst" -- "$MAILHOG_IMAGE"
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	assert_output_has 'Uid:[[:space:]]+1000[[:space:]]+1000'
	run host_entries "$(engine_volume_dir "$P-rootfirst")"
	if printf '%s\n' "$output" | grep -v '^0:0 '; then
		fail "the volume holds entries above that root does not own"
	fi
}

@test "with volown baked into the image the service writes to the root-owned volume, unprivileged, as PID 1" {
	run_status 0 seed_run "$P-baked" --user 0 -- "$MAILHOG_IMAGE"
	run_status 0 seed_run "$P-baked" -- "$BAKED_IMAGE"
	assert_seed_stored "$P-baked" 1000:1000 '2 entries checked, 2 changed'
}

@test "with volown bind-mounted read-only into the unmodified image the service writes, unprivileged, as PID 1" {
	run_status 0 seed_run "$P-bind" --user 0 -- "$MAILHOG_IMAGE"
	run_status 0 seed_run "$P-bind" --name "$P-bind-run" --user 0 -v "$VOLOWN:/volown:ro" \
		--entrypoint /volown -- "$MAILHOG_IMAGE" --user mailhog --path /mailhog/inbox -- MailHog
	assert_seed_stored "$P-bind" 1000:1000 '2 entries checked, 2 changed'
	# The binary is mounted read-only, and the image is unchanged.
	run_status 1 podman run --rm --network none --user 0 -v "$VOLOWN:/volown:ro" --entrypoint sh \
		"$MAILHOG_IMAGE" -c 'grep " /volown " /proc/self/mountinfo; touch /volown'
	assert_output_has ' /volown ro[, ]' 'Read-only file system'
	run podman image inspect -f '{{.Config.User}} {{json .Config.Entrypoint}}' "$MAILHOG_IMAGE"
	[ "$output" = 'mailhog ["MailHog"]' ] || { show_output; fail "the stand-in image changed"; }
}

@test "podman-compose with the seed's compose file: fails after a run as root, works with volown baked in or bind-mounted" {
	local project=$P-compose snap=$BATS_FILE_TMPDIR/cni-rules
	# podman-compose always makes a CNI network for the project: one run at a time
	# over every working tree, and the CNI chains it leaves go afterwards.
	engines_lock podman-cni
	cni_rules >"$snap"

	run_status 0 pcompose "$project" seed.yaml "$ENGINE_FILES/as-root.yaml" -- up --exit-code-from mailhog
	assert_output_has 'MailHog: stored message'
	pcompose "$project" seed.yaml -- down >/dev/null 2>&1

	run_status 1 pcompose "$project" seed.yaml -- up --exit-code-from mailhog
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	pcompose "$project" seed.yaml -- down >/dev/null 2>&1

	run_status 0 pcompose "$project" seed.yaml baked.yaml -- up --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: 2 entries checked, 2 changed'
	assert_mailhog_unprivileged
	pcompose "$project" seed.yaml baked.yaml -- down >/dev/null 2>&1

	run_status 0 pcompose "$project" seed.yaml bind.yaml -- up --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: 3 entries checked, 0 changed'
	assert_mailhog_unprivileged
	run podman inspect -f '{{range .Mounts}}{{.Destination}} {{.RW}};{{end}}' "${project}_mailhog_1"
	assert_output_has '/volown false;'
	pcompose "$project" seed.yaml bind.yaml -- down >/dev/null 2>&1
	assert_host_tree_owned "$(engine_volume_dir "${project}_mailhog-storage")" 1000:1000

	podman network rm -f "${project}_default" >/dev/null
	cni_rules_restore "$snap"
	run cni_rules
	[ "$output" = "$(cat "$snap")" ] || { show_output; fail "CNI rules are left behind"; }
	rm -f "$snap"
}

@test ":U changes the volume's owner, not the target of a symbolic link in it; Docker refuses :U" {
	local target=$PODMAN_DIR/outside dir
	echo outside >"$target"
	run_status 0 seed_run "$P-symlink" --user 0 --entrypoint sh -- "$MAILHOG_IMAGE" \
		-c "ln -s $target /mailhog/inbox/link && echo x >/mailhog/inbox/file"
	dir=$(engine_volume_dir "$P-symlink")
	run_status 0 podman run --rm --network none -v "$P-symlink:/mailhog/inbox:U" "$MAILHOG_IMAGE"
	[ "$(stat -c %u:%g "$target")" = 0:0 ] || fail ":U changed the symbolic link's target"
	[ "$(stat -c %u:%g "$dir/link") $(stat -c %u:%g "$dir/file")" = "1000:1000 1000:1000" ] ||
		fail ":U did not change the link itself and the file"
	run_status 125 docker run --rm --network none -v "$P-symlink:/d:U" --entrypoint true "$MAILHOG_IMAGE"
	assert_output_has 'invalid mode: U'
}

@test "doctor on Podman's service socket: a new volume goes to the program's user, no problem; checked by docker-compose up on the socket" {
	local dir=$BATS_TEST_TMPDIR/seed project=$P-dseed
	DOCTOR_NETWORK_NONE=1 doctor_project "$dir"
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock edoctor "$dir" "$project"
	[ "$status" -eq 0 ]
	[ "$(j '.engine.kind') $(j '.engine.userns')" = "podman none" ]
	[ "$(j '.services[0].mounts[0].origin')" = volume-chowned-to-user ]
	[ "$(j '.services[0].mounts[0].predicted | "\(.uid):\(.gid) \(.mode)"')" = "1000:1000 0755" ]
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock erun_service "$dir" "$project"
	assert_ran_as_predicted
	[ "$(stat -c '%u:%g %a' "$(engine_volume_dir "${project}_mailhog-storage")")" = "1000:1000 755" ]
}

@test "doctor on Podman: a volume first used by root is kept as it is: problem, the real run fails, the written override works" {
	local dir=$BATS_TEST_TMPDIR/root project=$P-droot
	DOCTOR_NETWORK_NONE=1 doctor_project "$dir"
	run_status 0 seed_run "${project}_mailhog-storage" --user 0 -- "$MAILHOG_IMAGE"
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock edoctor "$dir" "$project" \
		--write-override "$dir/volown.override.yaml" --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	[ "$(j '.services[0].mounts[0].origin')" = volume-kept ]
	[ "$(j '.services[0].mounts[0].verdict')" = problem ]
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock erun_service "$dir" "$project"
	assert_ran_as_predicted
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock erun_service "$dir" "$project" -f volown.override.yaml
	[ "$RAN_STATUS" -eq 0 ] || fail "the override did not run: $RAN_OUTPUT"
	assert_host_tree_owned "$(engine_volume_dir "${project}_mailhog-storage")" 1000:1000
}

@test "doctor on Podman reads the image's directory from the export: a root-owned one is a problem (the archive would say mailhog's)" {
	local dir=$BATS_TEST_TMPDIR/rootdir project=$P-drootdir
	DOCTOR_NETWORK_NONE=1 doctor_project "$dir"
	sed -i "s|image: .*|image: localhost/$P-rootdir|" "$dir/compose.yaml"
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock edoctor "$dir" "$project"
	[ "$status" -eq 1 ]
	[ "$(j '.services[0].mounts[0].image_dir | "\(.uid):\(.gid) \(.mode)"')" = "0:0 0755" ]
	[ "$(j '.services[0].mounts[0].origin')" = volume-copied-from-image ]
	# What Podman's archive endpoint says of the same directory: the container user's.
	run podman create --name "$project-look" "localhost/$P-rootdir"
	curl -s --unix-socket "$PODMAN_DIR/podman.sock" \
		"http://d/v1.40/containers/$project-look/archive?path=/mailhog/inbox" | tar --numeric-owner -tvf - |
		head -n 1 |
		grep -q ' 1000/1000 ' || fail "Podman's archive no longer reports the container user's owner"
	podman rm -f "$project-look" >/dev/null
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock erun_service "$dir" "$project"
	assert_ran_as_predicted
}

@test "doctor on Podman: an empty volume once mounted by root takes nothing from the image later (Docker would copy it): problem, as the run shows" {
	local dir=$BATS_TEST_TMPDIR/empty project=$P-dempty
	DOCTOR_NETWORK_NONE=1 doctor_project "$dir"
	sed -i "s|image: .*|image: localhost/$P-userdir|" "$dir/compose.yaml"
	run_status 0 seed_run "${project}_mailhog-storage" --user 0 --entrypoint true -- "$MAILHOG_IMAGE"
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock edoctor "$dir" "$project"
	[ "$status" -eq 1 ]
	[ "$(j '.services[0].mounts[0].image_dir | "\(.uid):\(.gid)"')" = 1000:1000 ]
	[ "$(j '.services[0].mounts[0].existing_empty')" = true ]
	[ "$(j '.services[0].mounts[0].origin')" = volume-empty-kept ]
	[[ $(j '.services[0].mounts[0].reason') == *"Podman copies the image's directory only at a volume's first mount"* ]]
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock erun_service "$dir" "$project"
	assert_ran_as_predicted
	[ "$(stat -c %u:%g "$(engine_volume_dir "${project}_mailhog-storage")")" = 0:0 ]
}

@test "doctor over plain tcp:// to podman system service: the same report as over the socket" {
	local dir=$BATS_TEST_TMPDIR/tcp project=$P-dtcp port pid=$PODMAN_SERVICE_PID unix
	DOCTOR_NETWORK_NONE=1 doctor_project "$dir"
	DOCKER_HOST=unix://$PODMAN_DIR/podman.sock edoctor "$dir" "$project"
	unix=$JSON
	port=$(free_port)
	PODMAN_SERVICE_PID=''
	podman_service_start "tcp://127.0.0.1:$port"
	DOCKER_HOST=tcp://127.0.0.1:$port edoctor "$dir" "$project"
	podman_service_stop
	PODMAN_SERVICE_PID=$pid
	[ "$status" -eq 0 ]
	[ "$JSON" = "$unix" ] || fail "the report over TCP differs"
}

@test "PostgreSQL (examples/postgres) on Podman's socket: PID 1 as postgres, nothing as root, psql over the socket and TCP, a clean stop and a restart; PGDATA is postgres's on the host" {
	pg_scenario "unix://$PODMAN_DIR/podman.sock" "localhost/$P-pg" "$P-pg" 0 0
}

@test "Podman leaves the main engine's network as it was" {
	podman_rootful_teardown
	assert_main_engine_as_before
	timeout 60 docker run --rm --entrypoint true "$MAILHOG_IMAGE"
}
