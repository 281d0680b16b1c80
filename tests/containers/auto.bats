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
	assert_output_has '--auto: /run left alone: scratch space' \
		'--auto: /tmp left alone: scratch space' \
		'^0:0 [0-9]+ /run$' '^0:0 1777 /tmp$' '^1000:1000 [0-9]+ /data$'
}

# A throwaway ext4 filesystem on a loop device, mounted whole as a Kubernetes
# PersistentVolume is; prints its mount point.
mount_loop_fs() {
	local img=$BATS_FILE_TMPDIR/pv.img mnt=$BATS_FILE_TMPDIR/pv
	mkdir -p "$mnt"
	truncate -s 16M "$img" && mkfs.ext4 -q -F "$img" && mount -o loop "$img" "$mnt" || return 1
	mkdir -p "$mnt/data" && touch "$mnt/data/file" && chown -R 0:0 "$mnt"
	echo "$mnt"
}

# Fake state directories of the engines this machine does not run, made of the entries
# that give them away (the content rule; the root-field rule is the unit tests').
make_fake_engine_dirs() {
	local f=$BATS_FILE_TMPDIR/fake
	mkdir -p "$f/containerd/io.containerd.metadata.v1.bolt" "$f/containerd/io.containerd.content.v1.content" \
		"$f/containers/storage/overlay-containers" "$f/kubelet/pods" "$f/kubelet/plugins" \
		"$f/podman-run"
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$f/podman-run/podman.sock"
	echo "$f"
}

# Mounts that expose the host: with the chown capabilities dropped and --dry-run, so
# that a bug here could not change anything; the volumes beside them are still found.
@test "--auto never takes a mount that exposes the host: /, /etc, /usr, engine state, engine sockets" {
	local pv fake
	pv=$(mount_loop_fs) || skip "no loop device here"
	fake=$(make_fake_engine_dirs)
	run docker run --rm --name "$P-host" --network none --user 0 \
		--cap-drop CHOWN --cap-drop FOWNER --cap-drop DAC_OVERRIDE \
		-v /:/host -v /etc:/host-etc -v /usr:/host-usr -v /var/lib/docker:/engine \
		-v /run:/host-run -v /run/docker:/docker-run \
		-v "$fake/containerd:/fake/containerd" -v "$fake/containers:/fake/containers" \
		-v "$fake/kubelet:/fake/kubelet" -v "$fake/podman-run:/fake/podman-run" \
		-v "$P-named:/data/named" --tmpfs /data/tmp -v "$HOSTDIR:/data/project" -v "$pv:/data/pv" \
		-v "$P-pgrun:/var/run/postgresql" \
		-v "$VOLOWN:/volown:ro" --entrypoint /volown "$MAILHOG_IMAGE" --auto --dry-run -v --user mailhog
	umount "$pv" || true
	[ "$status" -eq 0 ] || { show_output; fail "exit status $status"; }
	assert_output_has \
		'--auto: /host left alone: it holds an operating system \(etc/ and usr/\)' \
		'--auto: /host-etc left alone: a bind mount of the host.s system directories' \
		'--auto: /host-usr left alone: a bind mount of the host.s system directories' \
		'--auto: /engine left alone: a bind mount of a container engine.s own state' \
		'--auto: /host-run left alone: (it holds a container engine.s socket|a bind mount of one of the host.s shared directories)' \
		'--auto: /docker-run left alone: (it holds Docker.s runtime state|a bind mount of a container engine.s own state)' \
		'--auto: /fake/containerd left alone: it holds containerd.s data root' \
		'--auto: /fake/containers left alone: it holds the container storage of Podman or CRI-O' \
		'--auto: /fake/kubelet left alone: it holds the kubelet.s data root' \
		'--auto: /fake/podman-run left alone: it holds a container engine.s socket' \
		'--auto: /data/named is a writable volume' '--auto: /data/tmp is a writable volume' \
		'--auto: /data/project is a writable volume' '--auto: /data/pv is a writable volume' \
		'--auto: /var/run/postgresql is a writable volume' \
		'--auto: /host/tmp/.*/pv left alone: inside a mount that exposes the host'
	# nothing under a host mount was even looked at
	assert_output_lacks 'would change /host' 'would change /engine' 'would change /docker-run' \
		'would change /fake'
}

@test "--auto takes a named volume below /run, a whole filesystem, a project directory: and fixes them" {
	local pv
	pv=$(mount_loop_fs) || skip "no loop device here"
	chown -R 0:0 "$HOSTDIR"
	run docker run --rm --network none --user 0 -v "$P-pg2:/var/run/postgresql" -v "$pv:/data/pv" \
		-v "$HOSTDIR:/data/project" -v "$VOLOWN:/volown:ro" --entrypoint /volown "$MAILHOG_IMAGE" \
		--auto --user mailhog -- sh -c 'stat -c "%u:%g %n" /var/run/postgresql /data/pv /data/pv/data/file /data/project/sub/file'
	umount "$pv" || true
	[ "$status" -eq 0 ] || { show_output; fail "exit status $status"; }
	assert_output_has '^1000:1000 /var/run/postgresql$' '^1000:1000 /data/pv$' \
		'^1000:1000 /data/pv/data/file$' '^1000:1000 /data/project/sub/file$'
	assert_output_lacks 'no writable volume'
}

@test "--auto in a container that shares the host's PID namespace (--pid=host) refuses: name the paths" {
	run docker run --rm --network none --user 0 --pid=host --cap-drop CHOWN --cap-drop FOWNER \
		-v "$P-named:/data/named" -v "$VOLOWN:/volown:ro" --entrypoint /volown "$MAILHOG_IMAGE" \
		--auto --dry-run --user mailhog
	[ "$status" -eq 125 ] || { show_output; fail "exit status $status"; }
	assert_output_has "^volown: --auto: this is not a container \\(it runs in the host's first PID namespace\\).*name them with --path$"
	run_status 0 docker run --rm --network none --user 0 --pid=host -v "$P-named:/data/named" \
		-v "$VOLOWN:/volown:ro" --entrypoint /volown "$MAILHOG_IMAGE" --path /data/named --user mailhog \
		-- stat -c %u:%g /data/named
	assert_output_has '^1000:1000$'
}
