#!/usr/bin/env bats
# make deb: the volown package for every architecture (no dependency) and volown-doctor
# (its libraries' packages as dependencies), lintian without error; then both installed
# with dpkg -i into a throwaway Debian made by mmdebstrap with nothing but the
# essential packages and the doctor's declared dependencies (made once, kept in build/),
# where `volown doctor` reviews the seed's compose file against the real engine through
# the installed files.

load ../lib/common
load ../lib/arches
bats_require_minimum_version 1.5.0

P=volown-test-deb-$VOLOWN_TREE

setup_file() {
	container_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	export T VERSION HOST_ARCH
	T=$(mktemp -d /tmp/volown-deb.XXXXXX)
	VERSION=$(sed -n 's/^VERSION *:= *//p' "$VOLOWN_ROOT/Makefile")
	HOST_ARCH=$(dpkg --print-architecture)
	make -s -C "$VOLOWN_ROOT" deb DIST="$T/dist" >"$T/make.log" 2>&1 ||
		{ cat "$T/make.log" >&2; fail "make deb failed"; return; }
}

teardown_file() {
	[ -z "${T:-}" ] || rm -rf "$T"
	[ -n "${VOLOWN_SKIP:-}" ] || docker_cleanup "$P"
}

@test "make deb: volown for every architecture with its own binary and no dependency, lintian without error" {
	local arch deb
	# make deb ran lintian on every package, and fails on an error: its report
	output=$(sed -n '/^lintian:/,$p' "$T/make.log")
	assert_output_has '^lintian: no error$'
	assert_output_lacks '^E: ' '^W: '
	for arch in $(arch_list); do
		deb=$T/dist/deb/volown_${VERSION}_$arch.deb
		[ -f "$deb" ] || fail "$deb is missing"
		[ "$(dpkg-deb -f "$deb" Package Version Architecture)" = \
			"Package: volown"$'\n'"Version: $VERSION"$'\n'"Architecture: $arch" ] ||
			fail "$arch: $(dpkg-deb -f "$deb" Package Version Architecture)"
		[ -z "$(dpkg-deb -f "$deb" Depends Pre-Depends Recommends)" ] || fail "$arch: has dependencies"
		rm -rf "$T/x"
		dpkg-deb -x "$deb" "$T/x"
		cmp "$T/x/usr/bin/volown" "$VOLOWN_ROOT/build/$arch/volown" || fail "$arch: not build/$arch/volown"
		[ -f "$T/x/usr/share/man/man1/volown.1.gz" ] || fail "$arch: no man page"
	done
}

@test "make deb: volown-doctor depends on the package of every library it links" {
	local deb=$T/dist/deb/volown-doctor_${VERSION}_$HOST_ARCH.deb depends lib path pkg
	[ -f "$deb" ] || fail "$deb is missing"
	depends=$(dpkg-deb -f "$deb" Depends)
	rm -rf "$T/x"
	dpkg-deb -x "$deb" "$T/x"
	# the expectation: each NEEDED library of the binary, found by the dynamic linker,
	# and the package that holds it
	for lib in $(readelf -d "$T/x/usr/bin/volown-doctor" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		path=$(ldd "$T/x/usr/bin/volown-doctor" | awk -v l="$lib" '$1 == l && $2 == "=>" { print $3 }')
		[ -n "$path" ] || fail "the dynamic linker does not find $lib"
		pkg=$(dpkg -S "$(realpath "$path")" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -n "$pkg" ] || fail "no package holds $lib ($path)"
		[[ ", $depends," == *", $pkg "* || ", $depends," == *", $pkg,"* ]] ||
			fail "$lib is in $pkg, which Depends: $depends lacks"
	done
	[ -f "$T/x/usr/share/man/man1/volown-doctor.1.gz" ]
}

# chroot_run COMMAND...: COMMAND in the throwaway Debian, with /proc and the engine's
# socket, in a mount namespace of its own.
chroot_run() {
	unshare -m --propagation private sh -c '
		root=$1 sock=$2; shift 2
		mount -t proc proc "$root/proc" && : >"$root/run/docker.sock" &&
			mount --bind "$sock" "$root/run/docker.sock" && exec chroot "$root" "$@"' \
		- "$T/root" "$(engine_socket)" "$@"
}

engine_socket() {
	case ${DOCKER_HOST:-} in
	unix://*) echo "${DOCKER_HOST#unix://}" ;;
	*) echo /var/run/docker.sock ;;
	esac
}

@test "dpkg -i of both into a fresh Debian: volown doctor reviews the seed's compose file through the installed files" {
	local deps mirror codename deb arch base
	deb=$T/dist/deb
	# the throwaway Debian: the essential packages and the doctor's dependencies only
	deps=$(dpkg-deb -f "$deb/volown-doctor_${VERSION}_$HOST_ARCH.deb" Depends |
		tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | grep -v '^$' | paste -sd, -)
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
		awk -v r="$codename" '$2 == r && $3 == "main" { print $1; exit }')
	# made once per set of packages and kept in build/ as a tarball; every run installs
	# into a fresh copy of it
	base=$VOLOWN_ROOT/build/test-debian/$(printf '%s %s %s' "$codename" "$deps" "$mirror" | sha256sum | cut -c1-16).tar
	if [ ! -f "$base" ]; then
		mkdir -p "${base%/*}"
		run_status 0 unshare -m mmdebstrap --quiet --mode=root --variant=essential --format=tar \
			${deps:+--include="$deps"} "$codename" "$base.tmp" "$mirror"
		mv "$base.tmp" "$base"
	fi
	mkdir -p "$T/root"
	tar -xf "$base" -C "$T/root" --numeric-owner

	cp "$deb"/*.deb "$T/root/tmp/"
	run_status 0 chroot "$T/root" dpkg -i "/tmp/volown_${VERSION}_$HOST_ARCH.deb" \
		"/tmp/volown-doctor_${VERSION}_$HOST_ARCH.deb"
	run_status 0 chroot "$T/root" dpkg-query -W -f '${Package} ${Status}\n' volown volown-doctor
	[ "$output" = "volown install ok installed"$'\n'"volown-doctor install ok installed" ] || { show_output; false; }
	[ -f "$T/root/usr/share/man/man1/volown.1.gz" ]
	[ -f "$T/root/usr/share/man/man1/volown-doctor.1.gz" ]

	# the seed's compose file; `volown doctor` finds volown-doctor beside itself (no PATH)
	mkdir -p "$T/root/srv/seed"
	cp "$VOLOWN_ROOT/tests/containers/compose/seed.yaml" "$T/root/srv/seed/compose.yaml"
	run_status 1 chroot_run /usr/bin/env -i MAILHOG_IMAGE="$MAILHOG_IMAGE" PATH=/nonexistent \
		/usr/bin/volown doctor -f /srv/seed/compose.yaml -p "$P"
	assert_output_has '^service mailhog' 'PROBLEM /mailhog/inbox' 'runs as mailhog.*uid 1000 gid 1000' \
		'creates its root as root:root 0755' '--user mailhog --path /mailhog/inbox'

	# every other architecture's package installs too (dpkg crossgrades volown), and its
	# binary is that architecture's
	for arch in $(arch_list); do
		[ "$arch" != "$HOST_ARCH" ] || continue
		chroot "$T/root" dpkg --add-architecture "$arch"
		run_status 0 chroot "$T/root" dpkg -i "/tmp/volown_${VERSION}_$arch.deb"
		[ "$(chroot "$T/root" dpkg-query -W -f '${Architecture}' volown)" = "$arch" ]
		cmp "$T/root/usr/bin/volown" "$VOLOWN_ROOT/build/$arch/volown"
	done

	# and dpkg -r takes both away
	run_status 0 chroot "$T/root" dpkg -r volown volown-doctor
	[ ! -e "$T/root/usr/bin/volown" ]
	[ ! -e "$T/root/usr/bin/volown-doctor" ]
	[ ! -e "$T/root/usr/share/man/man1/volown-doctor.1.gz" ]
}
