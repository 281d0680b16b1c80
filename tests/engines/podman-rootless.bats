#!/usr/bin/env bats
# The seed on rootless Podman, run by a throwaway user with its own subordinate ids
# (/etc/subuid, /etc/subgid) and runtime directory: which host uid owns the volume's
# files, what --userns=keep-id changes, and volown side by side with Podman's own `:U`
# on 100,000 entries. The user, its processes, its home, its ids and its Podman
# storage are removed at the end (tests/lib/engines.bash).

bats_require_minimum_version 1.5.0
load ../lib/common
load ../lib/engines

P=volown-test-podman-rootless-$VOLOWN_TREE
BIG=100000 # entries in the :U side by side
ENGINE_CLI=(as_rl_user podman)

setup_file() {
	container_suite "$P" && [ -z "${VOLOWN_SKIP:-}" ] || return 0
	command -v podman >/dev/null || { engine_skip "podman is not installed (package podman)"; return 0; }
	command -v newuidmap >/dev/null || { engine_skip "newuidmap is not installed (package uidmap)"; return 0; }
	local dir why
	rootless_user_del
	dir=$(engines_dir rl) || return
	if ! rootless_user_add "$dir" >"$dir/why"; then
		engine_skip "cannot make a throwaway user: $(cat "$dir/why")"
		return 0
	fi
	if ! why=$(rootless_podman_setup 2>&1) || ! why=$(as_rl_user podman info --format '{{.Host.Security.Rootless}}' 2>&1); then
		engine_skip "rootless podman cannot run here: $why"
		return 0
	fi
	# volown where the throwaway user can read it.
	install -m 0755 "$VOLOWN" "$RL_DIR/volown"
	export MILLI=$RL_DIR/volown
	# The user's Docker-compatible API, for the doctor and docker-compose.
	rl_user_cmd
	podman_service_start "unix://$RL_RUN/podman.sock" --cd "$RL_HOME" "${RL_CMD[@]}" || return
	export RL_SOCK=unix://$RL_RUN/podman.sock
}

teardown_file() {
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	podman_service_stop
	rootless_user_del
	docker_cleanup "$P"
}

# volown bind-mounted read-only, as the entrypoint, for the stand-in's MailHog.
VOLOWN_RUN=(--user 0 --entrypoint /volown)
volown_mount() {
	echo "$MILLI:/volown:ro"
}

# The host uid of container uid C (and gid with "g") under --userns=keep-id: the user's
# own id stands for itself, the ids below it take the subordinate range from its
# start, those above it from one further (podman's keep-id map).
keepid_host() {
	local c=$1 own=$RL_UID sub=$RL_SUBUID
	[ "${2:-}" = g ] && own=$RL_GID sub=$RL_SUBGID
	if [ "$c" -eq "$own" ]; then echo "$own"
	elif [ "$c" -lt "$own" ]; then echo $((sub + c))
	else echo $((sub + c - 1)); fi
}

@test "rootless: a new volume works without volown, and its files belong to the user's subordinate uid for 1000" {
	run_status 0 seed_run "$P-new" -- "$MAILHOG_IMAGE"
	# Container uid 0 is the user; 1 and up take the subordinate range from its start.
	assert_seed_stored "$P-new" "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))"
}

@test "rootless: after a run as the container's root (the user itself on the host) the service fails; volown baked in fixes it" {
	run_status 0 seed_run "$P-baked" --user 0 -- "$MAILHOG_IMAGE"
	assert_host_tree_owned "$(engine_volume_dir "$P-baked")" "$RL_UID:$RL_GID"
	run_status 1 seed_run "$P-baked" -- "$MAILHOG_IMAGE"
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	run_status 0 seed_run "$P-baked" -- "$BAKED_IMAGE"
	assert_seed_stored "$P-baked" "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" '2 entries checked, 2 changed'
}

@test "rootless: volown bind-mounted read-only into the unmodified image fixes it too, unprivileged, as PID 1" {
	run_status 0 seed_run "$P-bind" --user 0 -- "$MAILHOG_IMAGE"
	run_status 0 seed_run "$P-bind" -v "$(volown_mount)" "${VOLOWN_RUN[@]}" -- "$MAILHOG_IMAGE" \
		--user mailhog --path /mailhog/inbox -- MailHog
	assert_seed_stored "$P-bind" "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" '2 entries checked, 2 changed'
}

@test "rootless --userns=keep-id: uid 1000 becomes a subordinate id of its own, and volown works there" {
	local uid gid
	uid=$(keepid_host 1000) gid=$(keepid_host 1000 g)
	run_status 0 seed_run "$P-keepid" --userns=keep-id --user 0 -- "$MAILHOG_IMAGE"
	run_status 1 seed_run "$P-keepid" --userns=keep-id -- "$MAILHOG_IMAGE"
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	run_status 0 seed_run "$P-keepid" --userns=keep-id -- "$BAKED_IMAGE"
	assert_seed_stored "$P-keepid" "$uid:$gid" '2 entries checked, 2 changed'
}

@test "rootless --userns=keep-id:uid=1000,gid=1000: volown gives the volume to the user itself on the host" {
	# keep-id with uid= maps the program's uid to the user; root in the container is
	# then a subordinate id, and what it wrote is not the user's.
	run_status 0 seed_run "$P-keepid1000" --userns=keep-id:uid=1000,gid=1000 --user 0 -- "$MAILHOG_IMAGE"
	assert_host_tree_owned "$(engine_volume_dir "$P-keepid1000")" "$RL_SUBUID:$RL_SUBGID"
	run_status 1 seed_run "$P-keepid1000" --userns=keep-id:uid=1000,gid=1000 -- "$MAILHOG_IMAGE"
	run_status 0 seed_run "$P-keepid1000" --userns=keep-id:uid=1000,gid=1000 -v "$(volown_mount)" \
		"${VOLOWN_RUN[@]}" -- "$MAILHOG_IMAGE" --user mailhog --path /mailhog/inbox -- MailHog
	assert_seed_stored "$P-keepid1000" "$RL_UID:$RL_GID" '2 entries checked, 2 changed'
}

# ---- the doctor on the user's Podman socket ---------------------------------------

@test "doctor on rootless Podman's socket: a new volume is the program's, and the host uid it predicts is the one that owns the files" {
	local dir=$RL_HOME/dseed project=$P-dseed
	DOCTOR_NETWORK_NONE=1 doctor_project "$dir"
	DOCKER_HOST=$RL_SOCK edoctor "$dir" "$project"
	[ "$status" -eq 0 ]
	[ "$(j '.engine.kind') $(j '.engine.userns')" = "podman rootless" ]
	[ "$(j '.engine.uid_map | map("\(.container) \(.host) \(.count)") | join(",")')" = \
		"0 $RL_UID 1,1 $RL_SUBUID 65536" ]
	[ "$(j '.services[0].user | "\(.host_uid):\(.host_gid)"')" = "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" ]
	[ "$(j '.services[0].mounts[0].host_owner | "\(.uid):\(.gid)"')" = "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" ]
	DOCKER_HOST=$RL_SOCK erun_service "$dir" "$project"
	assert_ran_as_predicted
	assert_host_tree_owned "$(engine_volume_dir "${project}_mailhog-storage")" \
		"$(j '.services[0].user | "\(.host_uid):\(.host_gid)"')"
}

@test "doctor on rootless Podman: the user's own directory is root's in the container; \`podman unshare chown\` as advised makes it the program's" {
	local dir=$RL_HOME/dbind project=$P-dbind data=$RL_HOME/dbind/data
	local m='.services[0].mounts[] | select(.target == "/srv/data")'
	DOCTOR_NETWORK_NONE=1 doctor_project "$dir" /srv/data '- type: bind' "  source: $data" '  target: /srv/data'
	install -d -m 0755 -o "$RL_USER" -g "$RL_USER" "$data"
	# the user's own directory: a problem only when asked (--chown-bind-mounts)
	DOCKER_HOST=$RL_SOCK edoctor "$dir" "$project"
	[ "$(j "$m | .verdict")" = if-written ]
	DOCKER_HOST=$RL_SOCK edoctor "$dir" "$project" --chown-bind-mounts
	[ "$(j "$m | .predicted | \"\(.uid):\(.gid)\"")" = 0:0 ]
	[ "$(j "$m | .verdict")" = problem ]
	[[ $(j '.services[0].fixes[] | select(.kind == "host-chown") | .text') == *"podman unshare chown 1000:1000 $data"* ]]
	DOCKER_HOST=$RL_SOCK erun_service "$dir" "$project"
	[ "$RAN_STATUS" -ne 0 ] && [[ $RAN_OUTPUT == *"FAILED to store message in /srv/data"* ]] ||
		fail "predicted a problem, but the service ran: $RAN_OUTPUT"

	as_rl_user podman unshare chown 1000:1000 "$data"
	[ "$(stat -c %u:%g "$data")" = "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" ]
	DOCKER_HOST=$RL_SOCK edoctor "$dir" "$project"
	[ "$(j "$m | .verdict")" = ok ]
	DOCKER_HOST=$RL_SOCK erun_service "$dir" "$project"
	[ "$RAN_STATUS" -eq 0 ] || fail "predicted ok, but the service failed: $RAN_OUTPUT"
	assert_host_tree_owned "$data" "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))"
}

# ---- volown and Podman's :U side by side --------------------------------------------

# make_big DIR: BIG entries under DIR (100 directories of files), all owned by the
# user itself (the container's root), made on the host.
make_big() {
	python3 - "$1" "$BIG" "$RL_UID" "$RL_GID" <<-'EOF'
		import os, stat, sys
		root, total, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
		dirs = 100
		per = (total - 1 - dirs) // dirs
		extra = total - 1 - dirs - per * dirs
		for d in range(dirs):
		    p = os.path.join(root, "d%03d" % d)
		    os.mkdir(p)
		    os.chown(p, uid, gid)
		    for f in range(per + (1 if d < extra else 0)):
		        q = os.path.join(p, "f%04d" % f)
		        os.mknod(q, stat.S_IFREG | 0o644)
		        os.chown(q, uid, gid)
		os.chown(root, uid, gid)
	EOF
}

# Entries under DIR whose owner is not UID:GID.
count_not_owned() {
	find "$1" \( ! -uid "${2%:*}" -o ! -gid "${2#*:}" \) -printf x | wc -c
}

# A checksum of every entry's ctime under DIR: changes when anything was chowned.
ctimes() {
	find "$1" -printf '%C@ %p\n' | sort | sha256sum | cut -c1-16
}

# timed VAR COMMAND...: run COMMAND, its seconds in VAR, its output in $output.
timed() {
	local var=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	output=$("$@" 2>&1) || { echo "failed: $*" >&2; show_output; return 1; }
	t1=$(date +%s.%N)
	printf -v "$var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}

# syscalls_under DIR SYSCALL... -- COMMAND...: how many times COMMAND and its children
# made each SYSCALL on a path under DIR, "name count" per line (strace), COMMAND
# started from RL_HOME.
syscalls_under() {
	local dir=$1 names=() n
	shift
	while [ "$1" != -- ]; do
		names+=("$1")
		shift
	done
	shift
	(cd "$RL_HOME" && strace -f -qq -s 512 -o "$BATS_TEST_TMPDIR/strace" -e trace="$(
		IFS=,
		echo "${names[*]}"
	)" "$@" >/dev/null 2>&1) || return
	for n in "${names[@]}"; do
		echo "$n $(grep -cF -- "$n(AT_FDCWD, \"$dir" "$BATS_TEST_TMPDIR/strace")"
	done
}

@test "side by side on $BIG entries: Podman's :U and volown change the same entries; on every start :U lstats all of them again" {
	local dir right t_base t_u1 t_u2 t_v1 t_v2 t_v3 before calls
	as_rl_user podman volume create "$P-big" >/dev/null
	dir=$(engine_volume_dir "$P-big")
	# On a tmpfs: this machine's disk makes 100,000 files in tens of seconds when the
	# other cores are busy; what each tool does is the same on any filesystem (make
	# bench-podman measures them on disk).
	mount -t tmpfs -o "mode=0755,uid=$RL_UID,gid=$RL_GID" volown-test-big "$dir"
	# The user's Podman keeps a mount namespace of its own, made before this mount:
	# let it make a new one.
	as_rl_user podman system migrate
	right="$((RL_SUBUID + 999)):$((RL_SUBGID + 999))"
	make_big "$dir"
	[ "$(find "$dir" | wc -l)" -eq "$BIG" ]

	# The same start without any ownership fix, for the baseline.
	timed t_base seed_run "$P-big" --entrypoint true -- "$MAILHOG_IMAGE"

	# :U, first start: every entry was wrong.
	timed t_u1 seed_run "$P-big:U" --entrypoint true -- "$MAILHOG_IMAGE"
	[ "$(count_not_owned "$dir" "$right")" -eq 0 ] || fail ":U left entries with another owner"
	before=$(ctimes "$dir")
	# :U, second start: nothing is wrong; it changes nothing but looks at every entry.
	rl_user_cmd
	calls=$(syscalls_under "$dir" fchownat newfstatat -- "${RL_CMD[@]}" podman run --rm \
		--network none -v "$P-big:/mailhog/inbox:U" --entrypoint true "$MAILHOG_IMAGE")
	timed t_u2 seed_run "$P-big:U" --entrypoint true -- "$MAILHOG_IMAGE"
	[ "$(ctimes "$dir")" = "$before" ] || fail ":U changed entries that were already right"
	echo "# :U on its second start: $(echo "$calls" | tr '\n' ' ')" >&3
	[ "$(echo "$calls" | awk '$1 == "fchownat" { print $2 }')" -eq 0 ] ||
		fail ":U chowned on a start where everything was right: $calls"
	[ "$(echo "$calls" | awk '$1 == "newfstatat" { print $2 }')" -ge "$BIG" ] ||
		fail ":U did not look at every entry again: $calls"

	# volown, on the same tree given back to the container's root.
	chown -R "$RL_UID:$RL_GID" "$dir"
	timed t_v1 seed_run "$P-big" -v "$(volown_mount)" "${VOLOWN_RUN[@]}" -- "$MAILHOG_IMAGE" \
		--user mailhog --path /mailhog/inbox -- true
	assert_output_has "volown: /mailhog/inbox: $BIG entries checked, $BIG changed"
	[ "$(count_not_owned "$dir" "$right")" -eq 0 ] || fail "volown left entries with another owner"
	before=$(ctimes "$dir")
	timed t_v2 seed_run "$P-big" -v "$(volown_mount)" "${VOLOWN_RUN[@]}" -- "$MAILHOG_IMAGE" \
		--user mailhog --path /mailhog/inbox -- true
	assert_output_has "volown: /mailhog/inbox: $BIG entries checked, 0 changed"
	timed t_v3 seed_run "$P-big" -v "$(volown_mount)" "${VOLOWN_RUN[@]}" -- "$MAILHOG_IMAGE" \
		--user mailhog --path /mailhog/inbox --policy root-mismatch -- true
	assert_output_has 'walk skipped'
	[ "$(ctimes "$dir")" = "$before" ] || fail "volown changed entries that were already right"
	umount "$dir"

	{
		echo "# $BIG entries on a tmpfs, rootless Podman, seconds for the whole podman run (one run each):"
		echo "#   no fix: $t_base"
		echo "#   :U, all wrong: $t_u1; :U, all right: $t_u2"
		echo "#   volown, all wrong: $t_v1; all right: $t_v2; --policy root-mismatch: $t_v3"
	} >&3
}

# ---- PostgreSQL ------------------------------------------------------------------

@test "PostgreSQL (examples/postgres) on rootless Podman's socket: PID 1 as postgres, nothing as root, psql over the socket and TCP, a clean stop and a restart; PGDATA is the user's subordinate uid for postgres" {
	# Container uid N (from 1) is the user's subordinate uid N - 1 from its start.
	VOLOWN=$MILLI pg_scenario "$RL_SOCK" "localhost/$P-pg" "$P-pg" $((RL_SUBUID - 1)) $((RL_SUBGID - 1))
}

@test "rootless Podman leaves nothing behind: the user, its processes, its ids and its files go" {
	local uid=$RL_UID
	rootless_user_del
	run getent passwd "$RL_USER"
	[ "$status" -ne 0 ] || fail "the user $RL_USER is still there"
	run grep -E "^($RL_USER|$uid):" /etc/subuid /etc/subgid
	[ "$status" -ne 0 ] || { show_output; fail "subordinate ids are left"; }
	run ps -u "$uid" -o pid=,args=
	[ -z "$output" ] || { show_output; fail "processes of uid $uid are left"; }
	[ ! -e "$RL_DIR" ] || fail "$RL_DIR is left"
}
