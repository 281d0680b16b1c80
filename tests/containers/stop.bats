#!/usr/bin/env bats
# docker stop while volown fixes a volume of 1,000,000 entries: the walk stops at once,
# volown exits 128+15 without starting the program and leaves the volume's root as it
# was, so that the next start finishes the fix. The same under --init. (Without it,
# volown as PID 1 would ignore SIGTERM and the engine would wait out its timeout, then
# kill: status 137.)

load ../lib/common

P=volown-test-stop-$VOLOWN_TREE

setup_file() {
	container_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	cc -O2 -o "$BATS_FILE_TMPDIR/attacker" "$VOLOWN_ROOT/tests/adversarial/attacker.c"
	# the volume: a tmpfs of the host's (quick to fill), bind-mounted into the container
	export VOL=$BATS_FILE_TMPDIR/vol
	mkdir -p "$VOL"
	mount -t tmpfs -o size=2g,nr_inodes=1500000 "$P-vol" "$VOL"
	"$BATS_FILE_TMPDIR/attacker" wide "$VOL" 1000000
}

teardown_file() {
	docker_cleanup "$P"
	[ -z "${VOL:-}" ] || umount "$VOL" 2>/dev/null || true
}

# stop_during_walk NAME UID ARG...: starts the seed's program behind volown (ARG... are
# volown's options) fixing the volume for UID, waits until the walk reports progress,
# stops the container and checks how.
stop_during_walk() {
	local name=$1 uid=$2 start ms code
	shift 2
	docker run -d --name "$name" --network none --user 0 -v "$VOL:/data" -e MH_MAILDIR_PATH=/data \
		-v "$VOLOWN:/volown:ro" --entrypoint /volown "$MAILHOG_IMAGE" \
		--user "$uid:$uid" --path /data "$@" -- MailHog --serve >/dev/null
	wait_for_log "$name" 60 "entries checked, " || fail "the walk did not start"
	start=$(date +%s%N)
	docker stop -t 30 "$name" >/dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "# docker stop during the walk took $ms ms" >&3
	code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
	run docker logs "$name"
	[ "$code" = 143 ] || { show_output; fail "exit status $code after docker stop, expected 143"; }
	[ "$ms" -lt 5000 ] || fail "docker stop took $ms ms"
	assert_output_has "^volown: stopped by SIGTERM while fixing \`/data' \\([0-9]+ entries checked, [0-9]+ changed\\): its root is left as it was"
	assert_output_lacks '^MailHog:'
	[ "$(stat -c %u "$VOL")" != "$uid" ] || fail "the root was changed by a stopped walk"
}

# The next start of the same container completes the fix, then runs the program.
restart_completes() {
	local name=$1 uid=$2 entries
	entries=$(find "$VOL" | wc -l) # the volume, as the next start finds it
	docker start "$name" >/dev/null
	wait_for_log "$name" 300 "MailHog: serving" || fail "the second start did not finish"
	run docker logs "$name"
	assert_output_has "^volown: /data: $entries entries checked, [0-9]+ changed"
	[ "$(stat -c %u:%g "$VOL")" = "$uid:$uid" ] || fail "the root is not fixed"
	[ -z "$(find "$VOL" ! -user "$uid" | head -n 1)" ] || fail "entries left unfixed"
	docker rm -f "$name" >/dev/null
}

@test "docker stop during the walk of 1,000,000 entries: 143 at once, the next start finishes" {
	stop_during_walk "$P-plain" 1000
	restart_completes "$P-plain" 1000
}

@test "the same under --init" {
	stop_during_walk "$P-init" 2000 --init
	restart_completes "$P-init" 2000
}
