#!/usr/bin/env bats
# --auto and --mkdir in real containers: every writable volume the engine mounted is
# found in /proc/self/mountinfo and fixed; the engine's own files, /dev/shm, read-only
# mounts and the root filesystem never are.

load ../lib/common

P=volown-test-auto-$VOLOWN_TREE

setup_file() {
	container_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	export HOSTDIR="$BATS_FILE_TMPDIR/bind" RODIR="$BATS_FILE_TMPDIR/ro"
	mkdir -p "$HOSTDIR/sub" "$RODIR"
	touch "$HOSTDIR/sub/file" "$RODIR/file"
	chown -R 0:0 "$HOSTDIR" "$RODIR"
}

teardown_file() {
	docker_cleanup "$P"
}

# docker run with a named volume, a bind mount, a tmpfs and a read-only bind mount,
# volown bind-mounted at /volown and used as the entrypoint.
run_auto() {
	docker run --rm --name "$P-run" --network none --user 0 \
		-v "$P-named:/data/named" -v "$HOSTDIR:/data/bind" --tmpfs /data/tmp \
		-v "$RODIR:/data/ro:ro" -v "$VOLOWN:/volown:ro" \
		--entrypoint /volown "$MAILHOG_IMAGE" "$@"
}

probe='for p in /data/named /data/bind /data/bind/sub/file /data/tmp /data/ro /data/ro/file /etc/hosts /etc/hostname /etc/resolv.conf /dev/shm / /volown; do echo "$(stat -c %u:%g "$p") $p"; done; touch /data/named/w /data/bind/w /data/tmp/w && echo wrote'

@test "--auto fixes the named volume, the bind mount and the tmpfs, and nothing else" {
	run_status 0 run_auto --auto --user mailhog -- sh -c "$probe"
	assert_output_has \
		'^1000:1000 /data/named$' '^1000:1000 /data/bind$' '^1000:1000 /data/bind/sub/file$' \
		'^1000:1000 /data/tmp$' '^0:0 /data/ro$' '^0:0 /data/ro/file$' '^0:0 /etc/hosts$' \
		'^0:0 /etc/hostname$' '^0:0 /etc/resolv.conf$' '^0:0 /dev/shm$' '^0:0 /$' '^wrote$'
	[ "$(stat -c %u:%g "$RODIR/file")" = 0:0 ]
	[ "$(stat -c %u:%g "$HOSTDIR/sub/file")" = 1000:1000 ]
}

@test "--dry-run -v lists each mount found and why every other one was left alone" {
	chown -R 0:0 "$HOSTDIR"
	run_status 0 run_auto --auto --dry-run -v --user mailhog
	assert_output_has \
		'--auto: /data/named is a writable volume' \
		'--auto: /data/bind is a writable volume' \
		'--auto: /data/tmp is a writable volume' \
		'--auto: /data/ro left alone: mounted read-only' \
		'--auto: /etc/hosts left alone: a file the engine manages' \
		'--auto: /etc/resolv.conf left alone: a file the engine manages' \
		'--auto: /etc/hostname left alone: a file the engine manages' \
		'--auto: /dev/shm left alone: a kernel filesystem' \
		'--auto: / left alone: the container.s root filesystem' \
		'--auto: /volown left alone: mounted read-only' \
		'would change /data/bind/sub/file: 0:0 -> 1000:1000'
	[ "$(stat -c %u:%g "$HOSTDIR/sub/file")" = 0:0 ]
}

@test "VOLOWN_AUTO=1 in the environment does the same as --auto" {
	chown -R 0:0 "$HOSTDIR"
	docker run --rm --network none --user 0 -e VOLOWN_AUTO=1 -e VOLOWN_USER=mailhog \
		-v "$HOSTDIR:/data/bind" -v "$VOLOWN:/volown:ro" --entrypoint /volown "$MAILHOG_IMAGE"
	[ "$(stat -c %u:%g "$HOSTDIR/sub/file")" = 1000:1000 ]
}

@test "--mkdir creates a path the image lacks, the user's (its parents root's); without it, an error" {
	run_status 125 docker run --rm --network none --user 0 -v "$VOLOWN:/volown:ro" \
		--entrypoint /volown "$MAILHOG_IMAGE" --user mailhog --path /srv/app/data -- true
	assert_output_has "volown: \`/srv/app/data': \`/srv' no such file or directory"
	run_status 0 docker run --rm --network none --user 0 -v "$VOLOWN:/volown:ro" \
		--entrypoint /volown "$MAILHOG_IMAGE" --user mailhog --mkdir --path /srv/app/data -- \
		sh -c 'stat -c "%u:%g %a %n" /srv /srv/app /srv/app/data && touch /srv/app/data/x && echo wrote'
	assert_output_has '^0:0 755 /srv$' '^0:0 755 /srv/app$' '^1000:1000 755 /srv/app/data$' '^wrote$'
}

@test "--auto in a read-only container leaves its tmpfs on /run and /tmp alone, fixes its volume" {
	run_status 0 docker run --rm --network none --user 0 --read-only --tmpfs /run --tmpfs /tmp \
		--tmpfs /data -v "$VOLOWN:/volown:ro" --entrypoint /volown "$MAILHOG_IMAGE" \
		--auto -v --user mailhog -- sh -c 'stat -c "%u:%g %a %n" /run /tmp /data'
	assert_output_has '--auto: /run left alone: a system directory' \
		'--auto: /tmp left alone: scratch space' \
		'^0:0 [0-9]+ /run$' '^0:0 1777 /tmp$' '^1000:1000 [0-9]+ /data$'
}
