#!/bin/bash
# Build the images the container tests and the demo use, once per set of inputs:
#
#   $MAILHOG_IMAGE  volown-test/mailhog:TAG         a MailHog stand-in that runs as user
#                                                   mailhog (1000:1000)
#   $VOLOWN_IMAGE   volown/volown:TAG (and :latest) volown's own image, from the
#                                                   repository's Dockerfile
#   $BAKED_IMAGE    volown-test/mailhog-volown:TAG  the stand-in with volown baked in as
#                                                   ENTRYPOINT, from
#                                                   examples/compose/Dockerfile.baked
#
# No registry is reachable, so everything is built FROM scratch out of Debian's static
# busybox. TAG is the checksum of every input (the volown binary, busybox, this script,
# the Dockerfiles): when images with that tag exist (the stamp build/test-images.stamp
# names the last tag built here), nothing is built, so the second suite of a run reuses
# the first one's images; and two working trees with different binaries never use each
# other's images.
#
# Usage: tests/lib/images.sh [--force]   (prints the three names)
#    or: . tests/lib/images.sh; build_test_images   (sets and exports the three names)

VOLOWN_ROOT=${VOLOWN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUSYBOX=${BUSYBOX:-/bin/busybox}
# The working tree's short id (as in tests/lib/common.bash): the images built here carry
# it in a label, so that building new ones removes this tree's older ones.
VOLOWN_TREE=${VOLOWN_TREE:-$(printf '%s' "$VOLOWN_ROOT" | sha256sum | cut -c1-6)}
IMAGES_SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

# The MailHog stand-in. Like the real one (MH_STORAGE=maildir) it stores mail into
# $MH_MAILDIR_PATH; it stores one message on start and says whether that worked.
#   MailHog            print who it is, store one message, exit 0 (stored) or 1 (failed)
#   MailHog --serve    the same, then keep running until SIGTERM or SIGINT
mailhog_script() {
	cat <<'SCRIPT'
#!/bin/sh
# MailHog stand-in for volown's tests: stores one message into $MH_MAILDIR_PATH.
dir=${MH_MAILDIR_PATH:-/mailhog/inbox}

status_of() { # print the identity lines of /proc/$1/status
	while IFS= read -r line; do
		case $line in
		Name:* | Uid:* | Gid:* | Groups:* | Cap*) echo "MailHog:   $line" ;;
		esac
	done <"/proc/$1/status"
}

echo "MailHog: pid $$, $(id)"
echo "MailHog: /proc/1/status"
status_of 1

file="$dir/$(date +%s)-$$-$RANDOM@mailhog.example"
if err=$({ printf 'From: test@example.com\r\nSubject: hello\r\n\r\nhello\r\n' >"$file"; } 2>&1); then
	echo "MailHog: stored message $file"
else
	echo "MailHog: FAILED to store message in $dir: ${err##*: }"
	exit 1
fi

if [ "${1:-}" = --serve ]; then
	trap 'echo "MailHog: got SIGTERM, stopping"; exit 0' TERM
	trap 'echo "MailHog: got SIGINT, stopping"; exit 0' INT
	echo "MailHog: serving"
	while :; do
		sleep 3600 &
		wait $!
	done
fi
SCRIPT
}

mailhog_dockerfile() {
	cat <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/local/bin:/usr/bin:/bin
RUN mkdir -p /etc /tmp /root /home/mailhog /usr/local/bin \
 && chmod 1777 /tmp \
 && printf '%s\n' \
      'root:x:0:0:root:/root:/bin/sh' \
      'mailhog:x:1000:1000:MailHog:/home/mailhog:/bin/sh' \
      'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >/etc/passwd \
 && printf '%s\n' \
      'root:x:0:' \
      'mailhog:x:1000:' \
      'nogroup:x:65534:' >/etc/group \
 && chown 1000:1000 /home/mailhog
COPY MailHog /usr/local/bin/MailHog
USER mailhog
WORKDIR /home/mailhog
ENTRYPOINT ["MailHog"]
DOCKERFILE
}

images_say() { echo "images: $*" >&2; }

# docker build with the classic builder (the engine is Docker 20.10 and a newer client
# may sit in front of it); the output is shown only when the build fails.
images_build() {
	local log rc
	log=$(mktemp)
	DOCKER_BUILDKIT=0 docker build --force-rm --label "volown.test-tree=$VOLOWN_TREE" \
		--label "volown.test-built=$(date +%s)" "$@" >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		images_say "docker build $* failed:"
		tail -n 30 "$log" >&2
	fi
	rm -f "$log"
	return $rc
}

# The checksum of every input; the binary is read from the snapshot in $IMAGES_SNAPSHOT
# (a copy taken once, so that a `make` running meanwhile cannot put another binary
# into an image than the one its tag names).
images_checksum() {
	local f
	for f in "$IMAGES_SNAPSHOT/build/volown" "$BUSYBOX" "$VOLOWN_ROOT/Dockerfile" \
		"$VOLOWN_ROOT/examples/compose/Dockerfile.baked" "$IMAGES_SCRIPT"; do
		sha256sum <"$f" || return 1
	done | sha256sum | cut -d' ' -f1
}

images_present() {
	docker image inspect "$MAILHOG_IMAGE" "$BAKED_IMAGE" "$VOLOWN_IMAGE" >/dev/null 2>&1
}

# Set the three image names for the current inputs.
images_names() {
	local tag
	tag=t$(images_checksum | cut -c1-12) || return 1
	MAILHOG_IMAGE=volown-test/mailhog:$tag
	BAKED_IMAGE=volown-test/mailhog-volown:$tag
	VOLOWN_IMAGE=volown/volown:$tag
	export MAILHOG_IMAGE BAKED_IMAGE VOLOWN_IMAGE
}

build_test_images_locked() {
	local force=${1:-} stamp="$VOLOWN_ROOT/build/test-images.stamp" ctx rc=0
	if [ "$force" != --force ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$BAKED_IMAGE" ] &&
		images_present; then
		return 0
	fi
	rm -f "$stamp"
	images_say "building $MAILHOG_IMAGE, $VOLOWN_IMAGE, $BAKED_IMAGE"

	ctx=$(mktemp -d) || return 1
	cp "$BUSYBOX" "$ctx/busybox"
	mailhog_script >"$ctx/MailHog"
	chmod 0755 "$ctx/MailHog"
	mailhog_dockerfile >"$ctx/Dockerfile"
	images_build -t "$MAILHOG_IMAGE" "$ctx" || rc=1
	rm -rf "$ctx"
	[ $rc -eq 0 ] || return 1

	cp "$VOLOWN_ROOT/.dockerignore" "$IMAGES_SNAPSHOT/" 2>/dev/null
	images_build -t "$VOLOWN_IMAGE" -t "${VOLOWN_IMAGE%:*}:latest" \
		-f "$VOLOWN_ROOT/Dockerfile" "$IMAGES_SNAPSHOT" || return 1

	# The example a user copies, applied to the stand-in.
	ctx=$(mktemp -d) || return 1
	images_build -t "$BAKED_IMAGE" --build-arg "BASE=$MAILHOG_IMAGE" \
		--build-arg "VOLOWN_IMAGE=$VOLOWN_IMAGE" \
		-f "$VOLOWN_ROOT/examples/compose/Dockerfile.baked" "$ctx" || rc=1
	rm -rf "$ctx"
	[ $rc -eq 0 ] || return 1

	echo "$BAKED_IMAGE" >"$stamp"
	images_remove_older
}

# Untag this tree's images of earlier inputs built over an hour ago (a test run in the
# same tree may still use a newer one; none that a container uses: no -f).
images_remove_older() {
	local tag=${BAKED_IMAGE##*:} now ref built old=()
	now=$(date +%s)
	while read -r ref; do
		case $ref in
		volown-test/mailhog:t* | volown-test/mailhog-volown:t* | volown/volown:t*) ;;
		*) continue ;;
		esac
		[ "${ref##*:}" != "$tag" ] || continue
		built=$(docker image inspect -f '{{index .Config.Labels "volown.test-built"}}' "$ref" 2>/dev/null)
		case $built in '' | *[!0-9]*) continue ;; esac
		[ "$built" -ge $((now - 3600)) ] || old+=("$ref")
	done < <(docker images --filter "label=volown.test-tree=$VOLOWN_TREE" \
		--format '{{.Repository}}:{{.Tag}}' 2>/dev/null)
	[ ${#old[@]} -eq 0 ] || docker rmi "${old[@]}" >/dev/null 2>&1 || true
	# Rebuilt images leave this tree's earlier ones untagged.
	old=($(docker images -q --filter dangling=true --filter "label=volown.test-tree=$VOLOWN_TREE"))
	[ ${#old[@]} -eq 0 ] || docker rmi "${old[@]}" >/dev/null 2>&1 || true
}

# Build under a lock, so that suites started side by side build only once. Sets and
# exports MAILHOG_IMAGE, BAKED_IMAGE and VOLOWN_IMAGE.
images_build_all() {
	[ -x "$VOLOWN_ROOT/build/volown" ] || { images_say "build/volown is missing: run make"; return 1; }
	[ -x "$BUSYBOX" ] || { images_say "$BUSYBOX is missing (package busybox-static)"; return 1; }
	mkdir -p "$VOLOWN_ROOT/build" || return 1
	local rc=0
	IMAGES_SNAPSHOT=$(mktemp -d) || return 1
	mkdir -p "$IMAGES_SNAPSHOT/build" && cp "$VOLOWN_ROOT/build/volown" "$IMAGES_SNAPSHOT/build/volown" &&
		images_names || rc=1
	[ $rc -ne 0 ] || (
		flock 9 || exit 1
		build_test_images_locked "$@"
	) 9>"$VOLOWN_ROOT/build/test-images.lock" || rc=1
	rm -rf "$IMAGES_SNAPSHOT"
	return $rc
}

build_test_images() {
	images_build_all "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	build_test_images "$@"
	printf 'MAILHOG_IMAGE=%s\nBAKED_IMAGE=%s\nVOLOWN_IMAGE=%s\n' "$MAILHOG_IMAGE" "$BAKED_IMAGE" "$VOLOWN_IMAGE"
fi
