#!/bin/bash
# Set up this machine for `make test` and `make demo`: install the missing Debian
# packages, then start the Docker engine if it does not answer. Idempotent and quiet
# when everything is already in place.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }

DOCKERD_LOG=/var/log/volown-dockerd.log
DOCKER_PIDFILE=/var/run/docker.pid
CONTAINERD_DIR=/var/run/docker/containerd
DOCKER_WAIT=60 # seconds

# Every package named in our list and, if present, the doctor's.
wanted_packages() {
	local f
	for f in "$ROOT/scripts/packages.txt" "$ROOT/doctor/packages.txt"; do
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

# The pid in pid file $1 if that process is alive and is $2 (dockerd, containerd).
live_pid() {
	local f=$1 name=$2 pid
	[ -f "$f" ] || return 1
	pid=$(tr -cd '0-9' <"$f")
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 1
	echo "$pid"
}

# A pid file left by a killed dockerd (or its containerd) makes the next one refuse to
# start: remove it, and containerd's sockets with it.
remove_stale_pidfiles() {
	if [ -f "$DOCKER_PIDFILE" ] && ! live_pid "$DOCKER_PIDFILE" dockerd >/dev/null; then
		rm -f "$DOCKER_PIDFILE"
	fi
	if [ -f "$CONTAINERD_DIR/containerd.pid" ] &&
		! live_pid "$CONTAINERD_DIR/containerd.pid" containerd >/dev/null; then
		rm -f "$CONTAINERD_DIR/containerd.pid" "$CONTAINERD_DIR/containerd.sock" \
			"$CONTAINERD_DIR/containerd.sock.ttrpc" "$CONTAINERD_DIR/containerd-debug.sock"
	fi
}

# Wait until the engine answers, while process $1 (if given) lives.
wait_for_engine() {
	local pid=${1:-} i
	for ((i = 0; i < DOCKER_WAIT; i++)); do
		engine_answers && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			echo "setup: dockerd exited; last lines of $DOCKERD_LOG:" >&2
			tail -n 20 "$DOCKERD_LOG" >&2 || true
			exit 1
		fi
		sleep 1
	done
	echo "setup: the Docker engine did not answer within ${DOCKER_WAIT} s" >&2
	if [ -n "$pid" ] && [ -f "$DOCKERD_LOG" ]; then
		echo "setup: last lines of $DOCKERD_LOG:" >&2
		tail -n 20 "$DOCKERD_LOG" >&2 || true
	fi
	exit 1
}

start_dockerd() {
	local pid
	[ "$(id -u)" -eq 0 ] || die "the Docker engine does not answer; run as root to start it"
	command -v dockerd >/dev/null || die "dockerd not found (package docker.io)"
	if pid=$(live_pid "$DOCKER_PIDFILE" dockerd); then
		say "dockerd (pid $pid) is running but the engine does not answer yet; waiting up to ${DOCKER_WAIT} s"
		wait_for_engine
		return
	fi
	remove_stale_pidfiles
	say "the Docker engine is not running; starting dockerd in the background (log: $DOCKERD_LOG)"
	mkdir -p "$(dirname "$DOCKERD_LOG")"
	echo "--- $(date -u '+%Y-%m-%d %H:%M:%S') started by scripts/setup.sh" >>"$DOCKERD_LOG"
	# In a session of its own (no terminal's hangup reaches it) and with the default
	# signal dispositions, which it passes down to every container's PID 1.
	"$ROOT/scripts/default-signals" setsid dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
	pid=$!
	disown "$pid" 2>/dev/null || true
	wait_for_engine "$pid"
}

main() {
	install_packages
	engine_answers || start_dockerd
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
