#!/bin/bash
# Set up this machine for `make test` and `make demo`: install the missing Debian
# packages, then start the Docker engine if it does not answer. Idempotent and quiet
# when everything is already in place.
set -euo pipefail

cd "$(dirname "$0")/.."

say() { echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }

DOCKERD_LOG=/var/log/volown-dockerd.log
DOCKER_WAIT=60

# Every package named in our list and, if present, the doctor's.
wanted_packages() {
	local f
	for f in scripts/packages.txt doctor/packages.txt; do
		[ -f "$f" ] || continue
		sed -e 's/#.*//' -e 's/[[:space:]]//g' "$f" | grep -v '^$' || true
	done | sort -u
}

is_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

install_packages() {
	local missing=() p
	for p in $(wanted_packages); do
		is_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root to install them)"
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

engine_answers() {
	timeout 10 docker info >/dev/null 2>&1
}

# A pid file whose process is gone makes dockerd (and its containerd) refuse to
# start: remove it.
remove_stale_pidfile() {
	local f=$1 pid
	[ -f "$f" ] || return 0
	pid=$(tr -cd '0-9' <"$f")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		return 0
	fi
	rm -f "$f"
}

start_dockerd() {
	[ "$(id -u)" -eq 0 ] || die "the Docker engine does not answer; run as root to start it"
	command -v dockerd >/dev/null || die "dockerd not found (package docker.io)"
	remove_stale_pidfile /var/run/docker.pid
	local cpid=/var/run/docker/containerd/containerd.pid
	if [ -f "$cpid" ]; then
		remove_stale_pidfile "$cpid"
		[ -f "$cpid" ] || rm -f /var/run/docker/containerd/containerd.sock \
			/var/run/docker/containerd/containerd-debug.sock
	fi
	say "the Docker engine is not running; starting dockerd in the background (log: $DOCKERD_LOG)"
	mkdir -p "$(dirname "$DOCKERD_LOG")"
	nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
	disown || true
	local i
	for ((i = 0; i < DOCKER_WAIT; i++)); do
		engine_answers && return 0
		sleep 1
	done
	echo "setup: the Docker engine did not answer within ${DOCKER_WAIT} s; last lines of $DOCKERD_LOG:" >&2
	tail -n 20 "$DOCKERD_LOG" >&2 || true
	exit 1
}

install_packages
engine_answers || start_dockerd
