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

APT=(apt-get -o DPkg::Lock::Timeout=600)

# The foreign architectures that packages named PACKAGE:ARCH need (musl-dev:arm64, ...):
# dpkg must know them before apt can install them.
add_architectures() {
	local native arch added=()
	native=$(dpkg --print-architecture)
	for arch in $(printf '%s\n' "$@" | sed -n 's/^[^:]*://p' | sort -u); do
		[ "$arch" != "$native" ] || continue
		dpkg --print-foreign-architectures | grep -qx "$arch" && continue
		dpkg --add-architecture "$arch" || die "dpkg --add-architecture $arch failed"
		added+=("$arch")
	done
	[ ${#added[@]} -eq 0 ] || say "added the foreign architectures ${added[*]} to dpkg (for make cross)"
}

install_packages() {
	local missing=() p log
	for p in $(wanted_packages); do
		is_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root to install them)"
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	add_architectures "${missing[@]}"
	# A mirror may serve an index that does not match its Release file (seen for some
	# architectures of the security suite): apt then keeps the index it had and exits
	# non-zero. Go on with what it has; the install below says if that is not enough.
	log=$(mktemp)
	if ! "${APT[@]}" update -qq >"$log" 2>&1; then
		say "apt-get update reported errors (going on with the indexes it has):"
		grep -E '^(E|W):' "$log" | sed 's/^/setup:   /' | head -n 10
	fi
	rm -f "$log"
	"${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# musl for every architecture of release/arches whose Debian release has no musl-dev
# for it (riscv64 on Debian 12): built from Debian's musl source package.
install_cross_musl() {
	local arch gnu musl
	while read -r arch gnu musl _; do
		command -v "$musl-gcc" >/dev/null && continue
		[ "$(id -u)" -eq 0 ] || die "$musl-gcc is missing (run as root: scripts/musl-cross.sh $arch)"
		"$ROOT/scripts/musl-cross.sh" "$arch" || die "scripts/musl-cross.sh $arch failed"
	done < <(sed -e 's/#.*//' "$ROOT/release/arches" | awk 'NF')
}

# qemu-user-static registers its binfmt_misc handlers through systemd-binfmt at boot;
# where no systemd runs (a container, a minimal VM), register them the same way, from
# the package's own /usr/lib/binfmt.d files, so that foreign binaries run in containers
# (the arm64 container test). Where the kernel does not allow it, that test says so.
register_binfmt() {
	local dir=/proc/sys/fs/binfmt_misc q conf
	[ "$(id -u)" -eq 0 ] || return 0
	if [ ! -e "$dir/register" ]; then
		mount -t binfmt_misc binfmt_misc "$dir" 2>/dev/null || return 0
	fi
	for q in $(sed -e 's/#.*//' "$ROOT/release/arches" | awk 'NF { print $4 }'); do
		conf=/usr/lib/binfmt.d/qemu-$q.conf
		[ -f "$conf" ] && [ ! -e "$dir/qemu-$q" ] || continue
		# the host's own architecture has no handler (its file would not match anyway)
		[ "$q" != "$(uname -m)" ] || continue
		if sed -n '/^:/p' "$conf" >"$dir/register" 2>/dev/null; then
			say "registered qemu-$q with binfmt_misc (as systemd-binfmt does at boot)"
		fi
	done
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
	install_cross_musl
	register_binfmt
	engine_answers || start_dockerd
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
