#!/usr/bin/env bats
# The seed on rootless Docker (dockerd-rootless.sh with rootlesskit, from Debian's
# docker.io and rootlesskit), run by a throwaway user in a network namespace of its
# own, and the doctor on its socket (its services with network_mode: none: an engine
# there can make no bridge). rootlesskit runs with --net=host inside that
# namespace: file ownership does not depend on the network, and slirp4netns would
# need /dev/net/tun, which some machines keep for root. The user, its processes, its
# ids and its files are removed at the end (tests/lib/engines.bash).

bats_require_minimum_version 1.5.0
load ../lib/common
load ../lib/engines

P=volown-test-rootless-docker-$VOLOWN_TREE
NETNS=volown-test-$VOLOWN_TREE-rl
ROOTLESS_SH=/usr/share/docker.io/contrib/dockerd-rootless.sh
ENGINE_CLI=(rd)

setup_file() {
	container_suite "$P" && [ -z "${VOLOWN_SKIP:-}" ] || return 0
	[ -x "$ROOTLESS_SH" ] || { engine_skip "$ROOTLESS_SH is missing (package docker.io)"; return 0; }
	command -v rootlesskit >/dev/null || { engine_skip "rootlesskit is not installed (package rootlesskit)"; return 0; }
	command -v newuidmap >/dev/null || { engine_skip "newuidmap is not installed (package uidmap)"; return 0; }
	local dir
	rootless_user_del
	netns_del "$NETNS"
	dir=$(engines_dir rl) || return
	if ! rootless_user_add "$dir" >"$dir/why"; then
		engine_skip "cannot make a throwaway user: $(cat "$dir/why")"
		return 0
	fi
	export MAIN_STATE_BEFORE RLD_HOST=unix://$RL_RUN/docker.sock
	MAIN_STATE_BEFORE=$(main_engine_state)
	netns_add "$NETNS" || return
	rl_user_cmd
	in_background --cd "$RL_HOME" nsenter --net="/run/netns/$NETNS" "${RL_CMD[@]}" \
		DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none \
		"$ROOTLESS_SH" --bridge=none --iptables=false >"$dir/dockerd.log" 2>&1
	export RLD_PID=$!
	if ! api_wait "$RLD_HOST" "$RLD_PID" 60; then
		engine_skip "rootless Docker does not start here: $(grep -v '^+' "$dir/dockerd.log" | tail -n 3 | tr '\n' ' ')"
		stop_rootless
		return 0
	fi
	local tar
	tar=$(engines_images_tar "$RL_DIR") && rd load -q -i "$tar" >/dev/null || return
	# volown where the throwaway user's engine can read it.
	install -m 0755 "$VOLOWN" "$RL_DIR/volown"
}

teardown_file() {
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	stop_rootless
	docker_cleanup "$P"
}

stop_rootless() {
	stop_pid "${RLD_PID:-}" 30
	rootless_user_del
	netns_del "$NETNS"
}

# The docker CLI on the rootless engine.
rd() {
	DOCKER_HOST=$RLD_HOST docker "$@"
}

@test "rootless Docker: without volown the seed's service cannot write; the volume's root is the user itself on the host" {
	run_status 1 seed_run "$P-plain" -- "$MAILHOG_IMAGE"
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	[ "$(stat -c %u:%g "$(engine_volume_dir "$P-plain")")" = "$RL_UID:$RL_GID" ]
}

@test "rootless Docker: volown baked in, or bind-mounted read-only, makes it work, unprivileged, as PID 1; host owner is the subordinate uid for 1000" {
	local owner="$((RL_SUBUID + 999)):$((RL_SUBGID + 999))"
	# A new volume: its root alone, the engine's root's (the user's).
	run_status 0 seed_run "$P-baked" -- "$BAKED_IMAGE"
	assert_seed_stored "$P-baked" "$owner" '1 entry checked, 1 changed'

	run_status 0 seed_run "$P-bind" --user 0 -v "$RL_DIR/volown:/volown:ro" --entrypoint /volown -- \
		"$MAILHOG_IMAGE" --user mailhog --path /mailhog/inbox -- MailHog
	assert_seed_stored "$P-bind" "$owner" '1 entry checked, 1 changed'
}

@test "doctor on rootless Docker's socket: the maps from the socket's owner and /etc/subuid, the problem, and the host uids, checked by real runs" {
	local dir=$RL_HOME/dseed project=$P-dseed
	DOCTOR_NETWORK_NONE=1 doctor_project "$dir"
	DOCKER_HOST=$RLD_HOST edoctor "$dir" "$project" --write-override "$dir/volown.override.yaml" \
		--volown-binary "$RL_DIR/volown"
	[ "$status" -eq 1 ]
	[ "$(j '.engine.kind') $(j '.engine.userns')" = "docker rootless" ]
	[ "$(j '.engine.uid_map | map("\(.container) \(.host) \(.count)") | join(",")')" = \
		"0 $RL_UID 1,1 $RL_SUBUID 65536" ]
	[ "$(j '.services[0].mounts[0].verdict')" = problem ]
	[ "$(j '.services[0].mounts[0].host_owner | "\(.uid):\(.gid)"')" = "$RL_UID:$RL_GID" ]
	[ "$(j '.services[0].user | "\(.host_uid):\(.host_gid)"')" = "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" ]
	DOCKER_HOST=$RLD_HOST erun_service "$dir" "$project"
	assert_ran_as_predicted
	DOCKER_HOST=$RLD_HOST erun_service "$dir" "$project" -f volown.override.yaml
	[ "$RAN_STATUS" -eq 0 ] || fail "the override did not run: $RAN_OUTPUT"
	assert_host_tree_owned "$(engine_volume_dir "${project}_mailhog-storage")" \
		"$(j '.services[0].user | "\(.host_uid):\(.host_gid)"')"
}

@test "PostgreSQL (examples/postgres) on rootless Docker: PID 1 as postgres, nothing as root, psql over the socket and TCP, a clean stop and a restart; PGDATA is the user's subordinate uid for postgres" {
	# Container uid N (from 1) is the user's subordinate uid N - 1 from its start.
	VOLOWN=$RL_DIR/volown pg_scenario "$RLD_HOST" "$P-pg" "$P-pg" $((RL_SUBUID - 1)) $((RL_SUBGID - 1))
}

@test "rootless Docker stops cleanly and leaves nothing: the user, its ids, its namespace; the main engine as it was" {
	local uid=$RL_UID
	stop_rootless
	run getent passwd "$RL_USER"
	[ "$status" -ne 0 ] || fail "the user $RL_USER is still there"
	run ps -u "$uid" -o pid=,args=
	[ -z "$output" ] || { show_output; fail "processes of uid $uid are left"; }
	[ ! -e "/run/netns/$NETNS" ] || fail "the network namespace is left"
	assert_main_engine_as_before
	timeout 60 docker run --rm --entrypoint true "$MAILHOG_IMAGE"
}
