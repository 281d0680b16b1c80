#!/usr/bin/env bats
# The seed on rootful Podman, with `podman run` and with podman-compose on the seed's
# own compose file: a program running as uid 1000 stores into a named volume; volown,
# baked into the image or bind-mounted read-only, makes it work, and the program runs
# with no capability. Podman's storage, volumes and networks live under a directory of
# this file's own (tests/lib/engines.bash); the main Docker engine is left alone.

load ../lib/common
load ../lib/engines

P=volown-test-podman-$VOLOWN_TREE
ENGINE_FILES=$BATS_TEST_DIRNAME/compose

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

# pm_run VOLUME [PODMAN RUN OPTION]... -- [COMMAND]: the MailHog stand-in (or what the
# options make of it) with VOLUME at /mailhog/inbox, no network.
pm_run() {
	local vol=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	podman run --rm --network none -v "$vol:/mailhog/inbox" "${opts[@]}" "$@"
}

# The host directory of podman volume VOL.
pm_volume_dir() {
	podman volume inspect -f '{{.Mountpoint}}' "$1"
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
	run_status 0 pm_run "$P-new" -- "$MAILHOG_IMAGE"
	assert_output_has 'MailHog: stored message /mailhog/inbox/'
	assert_mailhog_unprivileged
	assert_host_tree_owned "$(pm_volume_dir "$P-new")" 1000:1000
}

@test "a volume first used by root keeps root's owner: then the seed's service fails without volown" {
	# The seed's own workaround (the program run as root) fills the volume first.
	run_status 0 pm_run "$P-rootfirst" --user 0 -- "$MAILHOG_IMAGE"
	assert_output_has 'MailHog: stored message'
	run_status 1 pm_run "$P-rootfirst" -- "$MAILHOG_IMAGE"
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	assert_output_has 'Uid:[[:space:]]+1000[[:space:]]+1000'
	run host_entries "$(pm_volume_dir "$P-rootfirst")"
	if printf '%s\n' "$output" | grep -v '^0:0 '; then
		fail "the volume holds entries above that root does not own"
	fi
}

@test "with volown baked into the image the service writes to the root-owned volume, unprivileged, as PID 1" {
	run_status 0 pm_run "$P-baked" --user 0 -- "$MAILHOG_IMAGE"
	run_status 0 pm_run "$P-baked" -- "$BAKED_IMAGE"
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entries checked, 2 changed'
	assert_mailhog_unprivileged
	assert_host_tree_owned "$(pm_volume_dir "$P-baked")" 1000:1000
}

@test "with volown bind-mounted read-only into the unmodified image the service writes, unprivileged, as PID 1" {
	run_status 0 pm_run "$P-bind" --user 0 -- "$MAILHOG_IMAGE"
	run_status 0 pm_run "$P-bind" --name "$P-bind-run" --user 0 -v "$VOLOWN:/volown:ro" \
		--entrypoint /volown -- "$MAILHOG_IMAGE" --user mailhog --path /mailhog/inbox -- MailHog
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entries checked, 2 changed'
	assert_mailhog_unprivileged
	assert_host_tree_owned "$(pm_volume_dir "$P-bind")" 1000:1000
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
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entries checked, 2 changed'
	assert_mailhog_unprivileged
	pcompose "$project" seed.yaml baked.yaml -- down >/dev/null 2>&1

	run_status 0 pcompose "$project" seed.yaml bind.yaml -- up --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: 3 entries checked, 0 changed'
	assert_mailhog_unprivileged
	run podman inspect -f '{{range .Mounts}}{{.Destination}} {{.RW}};{{end}}' "${project}_mailhog_1"
	assert_output_has '/volown false;'
	pcompose "$project" seed.yaml bind.yaml -- down >/dev/null 2>&1
	assert_host_tree_owned "$(pm_volume_dir "${project}_mailhog-storage")" 1000:1000

	podman network rm -f "${project}_default" >/dev/null
	cni_rules_restore "$snap"
	run cni_rules
	[ "$output" = "$(cat "$snap")" ] || { show_output; fail "CNI rules are left behind"; }
	rm -f "$snap"
}

@test "Podman leaves the main engine's network as it was" {
	podman_rootful_teardown
	[ "$(main_engine_state)" = "$MAIN_STATE_BEFORE" ] ||
		fail "the main engine's bridge or rules changed:"$'\n'"$(diff <(echo "$MAIN_STATE_BEFORE") <(main_engine_state))"
	timeout 60 docker run --rm --entrypoint true "$MAILHOG_IMAGE"
}
