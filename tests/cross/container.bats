#!/usr/bin/env bats
# The seed's compose scenario in real arm64 containers, on this (other-architecture)
# machine: the kernel runs their arm64 binaries through binfmt_misc and qemu-user.
# volown's own arm64 image comes from the release binary (make images), the MailHog
# stand-in is built FROM scratch out of Debian's busybox-static:arm64, and volown goes
# into it both ways: COPY --from= the arm64 image (examples/compose/Dockerfile.baked),
# and bind-mounted into the unmodified image. Where the kernel has no binfmt_misc
# handler for arm64 (with the F flag, which containers need), every test says why and
# skips.

load ../lib/common
load ../lib/arches
bats_require_minimum_version 1.5.0

P=volown-test-cross-$VOLOWN_TREE
ARCH=arm64

# Why ARCH's binaries (default arm64) cannot run in containers here, or nothing when
# they can. Reads the kernel's binfmt_misc table (mounted in a private mount namespace
# if need be).
binfmt_reason() {
	local arch=${1:-$ARCH} q state
	q=$(arch_field "$arch" 4)
	arch_native "$arch" && return 0
	state=$(unshare -m sh -c 'd=/proc/sys/fs/binfmt_misc
		[ -e "$d/status" ] || mount -t binfmt_misc binfmt_misc "$d" 2>/dev/null ||
			{ echo "no binfmt_misc in this kernel, or no right to mount it"; exit; }
		[ -e "$d/qemu-$1" ] || { echo "no binfmt_misc handler qemu-$1 (scripts/setup.sh registers the ones of qemu-user-static where the kernel allows)"; exit; }
		cat "$d/qemu-$1"' sh "$q" 2>&1)
	case $state in
	enabled*flags:*F*) ;;
	enabled*) echo "the binfmt_misc handler qemu-$q lacks the F flag, without which containers cannot find qemu" ;;
	*interpreter*) echo "the binfmt_misc handler qemu-$q is disabled" ;;
	*) echo "$state" ;;
	esac
}

setup_file() {
	if [ "$(id -u)" -ne 0 ]; then
		export VOLOWN_SKIP="needs root"
		return 0
	fi
	local reason
	reason=$(binfmt_reason)
	if [ -n "$reason" ]; then
		export VOLOWN_SKIP="arm64 containers cannot run here: $reason"
		return 0
	fi
	require_docker || return
	docker_cleanup "$P"
	export VERSION
	VERSION=$(sed -n 's/^VERSION *:= *//p' "$VOLOWN_ROOT/Makefile")
	export VOLOWN_IMAGE_ARM64=$P/volown:$VERSION-$ARCH MAILHOG_IMAGE=$P/mailhog:$ARCH \
		BAKED_IMAGE=$P/mailhog-volown:$ARCH

	# Debian's static busybox for arm64, fetched once into build/
	local bb=$VOLOWN_ROOT/build/$ARCH/busybox tmp
	if [ ! -x "$bb" ]; then
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "busybox-static:$ARCH" >/dev/null &&
			dpkg-deb -x busybox-static_*.deb x) ||
			{ rm -rf "$tmp"; fail "cannot fetch busybox-static:$ARCH (scripts/setup.sh adds $ARCH to dpkg)"; return; }
		install -D -m 0755 "$tmp/x/bin/busybox" "$bb"
		rm -rf "$tmp"
	fi

	# volown's own image for every architecture, from the release binaries
	make -s -C "$VOLOWN_ROOT" images IMAGE_REPO="$P/volown" >/dev/null ||
		fail "make images failed" || return

	# the MailHog stand-in, for arm64: its RUN steps already run arm64 busybox
	tmp=$(mktemp -d)
	cp "$bb" "$tmp/busybox"
	mailhog_script >"$tmp/MailHog"
	chmod 0755 "$tmp/MailHog"
	mailhog_dockerfile >"$tmp/Dockerfile"
	images_build --no-cache --platform "$(arch_field "$ARCH" 5)" -t "$MAILHOG_IMAGE" "$tmp" ||
		{ rm -rf "$tmp"; fail "building the arm64 stand-in failed"; return; }
	rm -rf "$tmp"

	# the user's recipe: COPY --from= volown's arm64 image
	tmp=$(mktemp -d)
	images_build --no-cache --platform "$(arch_field "$ARCH" 5)" -t "$BAKED_IMAGE" \
		--build-arg "BASE=$MAILHOG_IMAGE" --build-arg "VOLOWN_IMAGE=$VOLOWN_IMAGE_ARM64" \
		-f "$VOLOWN_ROOT/examples/compose/Dockerfile.baked" "$tmp" ||
		{ rm -rf "$tmp"; fail "building the baked arm64 image failed"; return; }
	rm -rf "$tmp"
}

teardown_file() {
	[ -n "${VOLOWN_SKIP:-}" ] || docker_cleanup "$P"
}

@test "volown's arm64 image, built from the release binary: an arm64 image whose volown says arm64" {
	run docker image inspect -f '{{.Os}}/{{.Architecture}}' "$VOLOWN_IMAGE_ARM64" "$BAKED_IMAGE" "$MAILHOG_IMAGE"
	[ "$output" = "linux/arm64"$'\n'"linux/arm64"$'\n'"linux/arm64" ] || { show_output; false; }
	run_status 0 docker run --rm --network none --platform linux/arm64 "$VOLOWN_IMAGE_ARM64" --version
	[ "$output" = "volown $VERSION (arm64)" ] || { show_output; false; }
	cmp "$VOLOWN_ROOT/dist/volown-arm64" "$VOLOWN_ROOT/build/arm64/volown"
	# the machine the container's programs see is an arm64 one
	run_status 0 docker run --rm --network none --platform linux/arm64 --entrypoint uname "$MAILHOG_IMAGE" -m
	[ "$output" = aarch64 ] || { show_output; false; }
}

@test "make images: volown's image for every architecture, marked with its platform, runs its own binary" {
	local arch platform got ran=()
	for arch in $(arch_list); do
		platform=$(arch_field "$arch" 5)
		got=$(docker image inspect -f '{{.Os}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}}' \
			"$P/volown:$VERSION-$arch")
		[ "$got" = "$platform" ] || fail "$arch: the image is $got, not $platform"
		# run it where the kernel can (binfmt_misc for the foreign ones)
		[ -z "$(binfmt_reason "$arch")" ] || continue
		run_status 0 docker run --rm --network none --platform "$platform" "$P/volown:$VERSION-$arch" --version
		[ "$output" = "volown $VERSION ($arch)" ] || { show_output; fail "$arch"; }
		ran+=("$arch")
	done
	echo "# ran: ${ran[*]}" >&3
	[[ " ${ran[*]} " == *" arm64 "* ]]
}

@test "arm64: without volown the seed's service cannot write to its named volume" {
	run_status 1 compose "$P-plain" seed.yaml -- up --no-color --exit-code-from mailhog
	assert_output_has 'FAILED to store message in /mailhog/inbox: Permission denied'
	output=$(volume_entries "$P-plain_mailhog-storage") # stdout: the engine warns of the platform
	[ "$output" = "0:0 755 /v" ] || { show_output; fail "expected a root-owned, empty volume"; }
}

@test "arm64: with volown copied from its arm64 image (COPY --from=) the service writes, unprivileged, as PID 1" {
	run_status 0 compose "$P-baked" seed.yaml baked.yaml -- up --no-color --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entr(y|ies) checked, [1-9][0-9]* changed'
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "$P-baked_mailhog-storage"
}

@test "arm64: with the arm64 release binary bind-mounted into the unmodified image the service writes, as PID 1" {
	VOLOWN=$VOLOWN_ROOT/dist/volown-arm64 run_status 0 compose "$P-bind" seed.yaml bind.yaml -- \
		up --no-color --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entr(y|ies) checked, [1-9][0-9]* changed'
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "$P-bind_mailhog-storage"
}
