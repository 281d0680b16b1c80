#!/bin/bash
# A Debian 12 (bookworm) image with real servers and their real clients, built from
# Debian's packages without any image registry: mmdebstrap makes the root filesystem,
# `docker import` makes it an image.
#
#   tests/lib/realimages.sh [--force]    build what is missing, then print
#                                        REAL_IMAGE=... and REAL_ROOTFS=...
#   . tests/lib/realimages.sh            in a script or a bats file, then
#   realimages_build [--force]           the same, setting and exporting the two names
#
#   REAL_IMAGE   volown-test/debian-servers:rKEY on the Docker engine
#   REAL_ROOTFS  the root filesystem as a tar file, for another engine:
#   realimages_import_into podman NAME   imports it there with the same settings
#                (REALIMAGES_CHANGES: ENV PATH, ENV LANG, CMD, as `import --change')
#
# What is in it: postgresql (15, with psql), redis-server and redis-tools (7),
# nginx-light (1.22), curl, procps, gosu (the docker-library idiom, for make bench).
# PATH includes /usr/lib/postgresql/15/bin (initdb, postgres, pg_ctl), as in the
# official postgres image; LANG is C.UTF-8. Debian's package creates no cluster here
# (create_main_cluster = false, as the official image does). /run is empty
# (mmdebstrap empties it, as a booted host's is at start): /run/postgresql, which
# postgresql-common's tmpfiles.d makes at boot, does not exist. The users are
# Debian's: postgres (101:103), redis (100:102), www-data (33:33).
#
# KEY is a checksum of everything that shapes the image (the package list, the suite,
# the mmdebstrap options and hooks, the image settings), so the tarball and the image
# are built once per machine and rebuilt only when one of those changes. The tarball
# lives in $REALIMAGES_CACHE (default /var/cache/volown-test); the image carries the
# label volown.test-tree=<this tree's id>, and building a new KEY removes this tree's
# older images only (never one a container uses) and tarballs whose image is gone.
#
# Settings: REALIMAGES_MIRROR (default http://deb.debian.org/debian; the security
# archive is REALIMAGES_SECURITY_MIRROR, default http://deb.debian.org/debian-security).
# Needs root, mmdebstrap (scripts/packages.txt) and the Docker engine. A cold build
# (download, install, tar, import: 375 MB) took 67 to 160 s on 2 shared cores; with the
# tarball cached but no image, the import alone about 5 s; with the image present,
# nothing is built (under a second).

VOLOWN_ROOT=${VOLOWN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VOLOWN_TREE=${VOLOWN_TREE:-$(printf '%s' "$VOLOWN_ROOT" | sha256sum | cut -c1-6)}
REALIMAGES_CACHE=${REALIMAGES_CACHE:-/var/cache/volown-test}
REALIMAGES_MIRROR=${REALIMAGES_MIRROR:-http://deb.debian.org/debian}
REALIMAGES_SECURITY_MIRROR=${REALIMAGES_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
REALIMAGES_REPO=volown-test/debian-servers

REALIMAGES_SUITE=bookworm
REALIMAGES_PACKAGES=(postgresql redis-server redis-tools nginx-light curl procps gosu)
REALIMAGES_PG_BIN=/usr/lib/postgresql/15/bin
# What `docker import` sets on the image (one Dockerfile instruction each).
REALIMAGES_CHANGES=(
	"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$REALIMAGES_PG_BIN"
	"ENV LANG=C.UTF-8"
	"CMD [\"bash\"]"
)

realimages_say() { echo "realimages: $*" >&2; }

# The root filesystem, as a tar file at $1. Everything here goes into the KEY.
realimages_mmdebstrap() {
	local out=$1 list
	list=$(
		IFS=,
		echo "${REALIMAGES_PACKAGES[*]}"
	)
	# </dev/null: mmdebstrap reads sources from standard input when it is not a
	# terminal and no mirror is given; we always give them.
	TMPDIR=$(realimages_tmpdir) mmdebstrap --mode=root --variant=apt --include="$list" \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt=force-unsafe-io \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--essential-hook='mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false" >"$1/etc/postgresql-common/createcluster.d/volown-test.conf"' \
		--customize-hook='test -x "$1'"$REALIMAGES_PG_BIN"'/postgres"' \
		"$REALIMAGES_SUITE" "$out" \
		"deb $REALIMAGES_MIRROR $REALIMAGES_SUITE main" \
		"deb $REALIMAGES_MIRROR $REALIMAGES_SUITE-updates main" \
		"deb $REALIMAGES_SECURITY_MIRROR $REALIMAGES_SUITE-security main" </dev/null
}

# mmdebstrap's working tree: in memory when /dev/shm has room (a third faster on 2
# cores than on disk: unpacking and removing ~20,000 files), else the default.
realimages_tmpdir() {
	local avail
	avail=$(df -P -k /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
	if [ "${avail:-0}" -gt 2000000 ] && [ -w /dev/shm ]; then
		echo /dev/shm
	else
		echo "${TMPDIR:-/tmp}"
	fi
}

# Closes every descriptor above 2 of this (sub)shell. mmdebstrap hands apt a pipe by
# its number, for a hook that /bin/sh runs as `cat >&N', and dash cannot redirect to a
# descriptor above 9: under bats (descriptors 3 and up taken, and our lock on 9) the
# pipe is 11 and the build fails with "Bad fd number".
realimages_close_fds() {
	local fd
	for fd in /proc/"$BASHPID"/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
	done
	return 0
}

realimages_key() {
	{
		echo "$REALIMAGES_SUITE"
		printf '%s\n' "${REALIMAGES_PACKAGES[@]}" "${REALIMAGES_CHANGES[@]}"
		declare -f realimages_mmdebstrap
	} | sha256sum | cut -c1-12
}

realimages_names() {
	local key
	key=$(realimages_key) || return 1
	REAL_IMAGE=$REALIMAGES_REPO:r$key
	REAL_ROOTFS=$REALIMAGES_CACHE/debian-servers-r$key.tar
	export REAL_IMAGE REAL_ROOTFS
}

# The --change arguments of an import, in the array named $1.
realimages_change_args() {
	local -n _args=$1
	local c
	_args=()
	for c in "${REALIMAGES_CHANGES[@]}"; do
		_args+=(--change "$c")
	done
}

# realimages_import_into ENGINE NAME: REAL_ROOTFS imported into another engine whose
# CLI imports as docker's does (podman), with the same settings; after
# realimages_build.
realimages_import_into() {
	local engine=$1 name=$2 args
	realimages_change_args args
	"$engine" import "${args[@]}" "$REAL_ROOTFS" "$name"
}

realimages_import() {
	local args
	realimages_change_args args
	docker import "${args[@]}" \
		--change "LABEL volown.test-tree=$VOLOWN_TREE" \
		--change "LABEL volown.test-built=$(date +%s)" \
		--message "volown tests: Debian $REALIMAGES_SUITE with ${REALIMAGES_PACKAGES[*]}" \
		"$REAL_ROOTFS" "$REAL_IMAGE" >/dev/null
}

realimages_build_locked() {
	local force=${1:-} t0=$SECONDS tmp log try
	if [ "$force" != --force ] && docker image inspect "$REAL_IMAGE" >/dev/null 2>&1; then
		return 0
	fi
	if [ "$force" = --force ] || [ ! -s "$REAL_ROOTFS" ]; then
		command -v mmdebstrap >/dev/null ||
			{ realimages_say "mmdebstrap is missing: run scripts/setup.sh"; return 1; }
		realimages_say "building $REAL_ROOTFS with mmdebstrap (${REALIMAGES_PACKAGES[*]})"
		tmp=$REAL_ROOTFS.part.tar
		log=$REAL_ROOTFS.log
		# A mirror's hiccup (a file of the wrong size while it syncs, a reset
		# connection) fails a build now and then: one more try, then the log.
		for try in 1 2; do
			rm -f "$tmp"
			(
				realimages_close_fds
				realimages_mmdebstrap "$tmp"
			) >"$log" 2>&1 && break
			realimages_say "mmdebstrap failed (try $try of 2); the end of $log:"
			tail -n 20 "$log" | sed 's/^/realimages:   /' >&2
			if [ $try -eq 2 ]; then
				rm -f "$tmp"
				return 1
			fi
		done
		mv -f "$tmp" "$REAL_ROOTFS" || return 1
		realimages_say "rootfs built in $((SECONDS - t0)) s ($(du -m "$REAL_ROOTFS" | cut -f1) MB)"
	fi
	realimages_say "importing $REAL_IMAGE"
	realimages_import || { realimages_say "docker import $REAL_ROOTFS failed"; return 1; }
	realimages_say "$REAL_IMAGE ready in $((SECONDS - t0)) s"
	realimages_remove_older
}

# This tree's images of other keys, built over an hour ago (a run in this tree may still
# use a newer one), unless a container uses them (no -f); then the tarballs whose image
# no longer exists on this engine, built over an hour ago.
realimages_remove_older() {
	local now ref built old=() f key
	now=$(date +%s)
	while read -r ref; do
		[ "${ref%%:*}" = "$REALIMAGES_REPO" ] && [ "$ref" != "$REAL_IMAGE" ] || continue
		built=$(docker image inspect -f '{{index .Config.Labels "volown.test-built"}}' "$ref" 2>/dev/null)
		case $built in '' | *[!0-9]*) continue ;; esac
		[ "$built" -ge $((now - 3600)) ] || old+=("$ref")
	done < <(docker images --filter "label=volown.test-tree=$VOLOWN_TREE" \
		--format '{{.Repository}}:{{.Tag}}' 2>/dev/null)
	[ ${#old[@]} -eq 0 ] || docker rmi "${old[@]}" >/dev/null 2>&1 || true
	for f in "$REALIMAGES_CACHE"/debian-servers-r*.tar; do
		[ -f "$f" ] && [ "$f" != "$REAL_ROOTFS" ] || continue
		key=${f##*/debian-servers-}
		key=${key%.tar}
		docker image inspect "$REALIMAGES_REPO:$key" >/dev/null 2>&1 && continue
		[ -n "$(find "$f" -maxdepth 0 -mmin +60)" ] && rm -f "$f" "$f.log"
	done
	return 0
}

# Build under a lock (one build per machine, whichever tree asks first). Sets and
# exports REAL_IMAGE and REAL_ROOTFS.
realimages_build() {
	[ "$(id -u)" -eq 0 ] || { realimages_say "needs root (mmdebstrap, docker import)"; return 1; }
	realimages_names || return 1
	mkdir -p "$REALIMAGES_CACHE" || return 1
	(
		flock 9 || exit 1
		realimages_build_locked "$@"
	) 9>"$REALIMAGES_CACHE/debian-servers.lock"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	realimages_build "$@"
	printf 'REAL_IMAGE=%s\nREAL_ROOTFS=%s\n' "$REAL_IMAGE" "$REAL_ROOTFS"
fi
