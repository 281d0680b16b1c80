#!/bin/bash
# `make demo`: the seed's problem and volown's fix, in real containers.
#
# A MailHog-like service runs as user mailhog (uid 1000) and stores mail into a named
# volume at /mailhog/inbox. Docker creates that volume's root owned by root, so the
# first write fails. Then the same compose file, with volown mounted as the entrypoint
# (examples/compose/compose.volown.yaml), works. Needs `make` and a running engine
# (`make demo` sees to both); cleans up its containers, network and volume.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PROJECT=volown-demo
EXAMPLES=$ROOT/examples/compose
VOLUME=${PROJECT}_mailhog-storage

export DOCKER_BUILDKIT=0
export VOLOWN_BINARY=$ROOT/build/volown

[ -x "$VOLOWN_BINARY" ] || { echo "demo: build/volown is missing: run make" >&2; exit 1; }

# shellcheck source=../tests/lib/images.sh
. tests/lib/images.sh
build_test_images # sets MAILHOG_IMAGE, the stand-in's image

compose() {
	docker-compose --ansi never -p "$PROJECT" "$@"
}

cleanup() {
	compose -f "$EXAMPLES/compose.yaml" down -v --remove-orphans >/dev/null 2>&1 || true
	docker volume rm -f "$VOLUME" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

# up FILE...: docker-compose up the service, print what it said (without compose's
# own chatter), set $status to its exit status.
out=''
status=0
up() {
	local files=() f
	for f in "$@"; do files+=(-f "$EXAMPLES/$f"); done
	out=$(compose "${files[@]}" up --no-color --exit-code-from mailhog 2>&1) && status=0 || status=$?
}

said() { # the service's lines matching $1, without compose's prefix
	printf '%s\n' "$out" | sed -n 's/^mailhog_1 *| //p' | grep -E -- "$1" | sed 's/^/    /'
}

owners() {
	docker run --rm --network none --user 0 -v "$VOLUME:/mailhog/inbox:ro" --entrypoint sh \
		"$MAILHOG_IMAGE" -c 'find /mailhog/inbox -exec stat -c "%U:%G (%u:%g) %A  %n" {} +' |
		sed 's/^/    /'
}

fail() {
	echo "demo: $*" >&2
	printf '%s\n' "$out" >&2
	exit 1
}

echo
bold "volown demo: MailHog (here a stand-in that runs as user mailhog, uid 1000) stores mail in a named volume."
echo

bold "1. The seed's compose file as it is: examples/compose/compose.yaml"
echo "   \$ docker-compose -f compose.yaml up"
up compose.yaml
[ "$status" -ne 0 ] || fail "the service was expected to fail without volown, but it did not:"
said 'MailHog: (pid|FAILED)'
echo "    -> exit status $status. The volume's root belongs to root, and MailHog is not root:"
owners
echo

bold "2. The same compose file with volown: examples/compose/compose.volown.yaml"
echo "   (the static volown binary, mounted read-only as the entrypoint: as root it gives"
echo "   /mailhog/inbox to mailhog, drops every privilege, then runs MailHog as PID 1)"
echo "   \$ docker-compose -f compose.yaml -f compose.volown.yaml up"
up compose.yaml compose.volown.yaml
[ "$status" -eq 0 ] || fail "the service was expected to work with volown, but exited with status $status:"
said '^volown:|MailHog: (pid|stored|FAILED)|Cap(Prm|Eff):'
echo "    -> exit status 0. Who owns what on the volume now:"
owners
echo

bold "To do the same: copy examples/compose/compose.volown.yaml and the build/volown binary"
bold "next to your compose file, or bake volown into the image (examples/compose/Dockerfile.baked)."
