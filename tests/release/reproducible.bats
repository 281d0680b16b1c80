#!/usr/bin/env bats
# make release is reproducible: two clones of the same commit, at paths of different
# lengths, built at different times (one of them three days ahead, through
# libfaketime), in different time zones, locales and umasks, give byte-identical
# release files; neither path appears in any of them; and the source tarball, built
# where there is no git, gives the same binaries again.

load ../lib/common
bats_require_minimum_version 1.5.0

setup_file() {
	command -v git >/dev/null || fail "git is not installed: run scripts/setup.sh" || return
	export T
	T=$(mktemp -d /tmp/volown-repro.XXXXXX)
	A=$T/a/volown
	B=$T/a-much-longer/path/to/another-clone-of-volown
	export A B
	git clone -q --no-hardlinks "$VOLOWN_ROOT" "$A" || return
	git clone -q --no-hardlinks "$VOLOWN_ROOT" "$B" || return
	# both at the commit this tree is at (a clone of a work tree takes its branch)
	(cd "$A" && git checkout -q "$(git -C "$VOLOWN_ROOT" rev-parse HEAD)") || return
	(cd "$B" && git checkout -q "$(git -C "$VOLOWN_ROOT" rev-parse HEAD)") || return
}

teardown_file() {
	rm -rf "${T:-/nonexistent}"
}

@test "two clones built at different paths, times, time zones and umasks give identical release files" {
	command -v faketime >/dev/null || fail "faketime is not installed: run scripts/setup.sh"
	run_status 0 env -u SOURCE_DATE_EPOCH TZ=UTC LC_ALL=C sh -c 'umask 022 && exec make -s -j2 -C "$1" release' - "$A"
	sleep 2 # a second apart at least, whatever the clock
	run_status 0 env -u SOURCE_DATE_EPOCH TZ=Asia/Tokyo LC_ALL=C.UTF-8 faketime -f '+3d' sh -c \
		'umask 077 && exec make -s -j2 -C "$1" release' - "$B"
	local f files=0 differ=()
	for f in "$A"/dist/*; do
		files=$((files + 1))
		cmp -s "$f" "$B/dist/${f##*/}" || differ+=("${f##*/}")
	done
	[ ${#differ[@]} -eq 0 ] || fail "different in the two clones: ${differ[*]}"
	[ "$(ls "$A/dist")" = "$(ls "$B/dist")" ] || fail "different files: $(ls "$A/dist") / $(ls "$B/dist")"
	# every architecture, the tarball, SHA256SUMS
	[ "$files" -eq $(($(grep -c '^[a-z]' "$VOLOWN_ROOT/release/arches") + 2)) ] ||
		fail "$files files in dist/: $(ls "$A/dist")"
	(cd "$A/dist" && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS does not check"
}

@test "the release files name no path of the build, and the tarball's times are the commit's" {
	local f commit
	for f in "$A"/dist/volown-*; do
		[ "${f%.tar.gz}" = "$f" ] || continue
		if grep -a -q -e "$T" -e "/a/volown" "$f"; then
			fail "${f##*/} holds a path of its build"
		fi
	done
	commit=$(git -C "$A" log -1 --format=%ct)
	# the commit's time on every entry of the tarball, and no other
	run_status 0 sh -c 'tar -tvzf "$1" --full-time --utc | awk "{ print \$4, \$5 }" | sort -u' - \
		"$A/dist/volown-$(sed -n 's/^VERSION *:= *//p' "$A/Makefile").tar.gz"
	[ "$output" = "$(date -u -d "@$commit" '+%Y-%m-%d %H:%M:%S')" ] || { show_output; fail "want the commit's time"; }
}

@test "the source tarball, unpacked where there is no git, builds the same binaries" {
	local arch
	mkdir -p "$T/unpacked"
	tar -xzf "$A"/dist/volown-*.tar.gz -C "$T/unpacked"
	# the source date comes from the file that git archive filled in
	[ "$(cat "$T"/unpacked/volown-*/release/source-date-epoch)" = "$(git -C "$A" log -1 --format=%ct)" ]
	run_status 0 env -u SOURCE_DATE_EPOCH make -s -j2 -C "$(echo "$T"/unpacked/volown-*)" cross
	for arch in $(sed -e 's/#.*//' "$VOLOWN_ROOT/release/arches" | awk 'NF { print $1 }'); do
		cmp "$T"/unpacked/volown-*/build/"$arch"/volown "$A/dist/volown-$arch" ||
			fail "$arch: the tarball's build differs from the release file"
	done
}
