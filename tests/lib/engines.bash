# Other engines for tests/engines: Podman (rootful, and rootless under a throwaway
# user), a second dockerd (user-namespace remapping, tcp with TLS) and rootless Docker.
# Load after common: `load ../lib/common` then `load ../lib/engines`. Brings the helpers of
# the real-server scenarios along (tests/containers/servers.bash, which sources
# tests/lib/realimages.sh).
#
# Everything here is started by the test file that needs it and stopped by the same
# file, and leaves the main Docker engine alone:
#   - a second dockerd runs in a network namespace of its own (its bridge and iptables
#     rules live there), with its own data root, exec root, pid file, socket and
#     configuration file; never --bridge=none in the host's namespace, which makes
#     dockerd delete the host's docker0;
#   - Podman runs with its own storage, run, tmp, volume and network directories
#     (CONTAINERS_STORAGE_CONF, CONTAINERS_CONF), so `podman system reset` at the end
#     removes only what the file made;
#   - the rootless engines run as a throwaway user made for the file (its subordinate
#     ids are the ones useradd gives it) and removed with its home and ids at the end.
# Leftovers of a killed earlier run of the same working tree are removed first.

# Short: Podman refuses a run root (RUNTIME_DIR/containers) longer than 50 characters.
ENGINES_ROOT=/tmp/volown-test-$VOLOWN_TREE
ENGINES_LOCKS=/run/lock
ENGINES_PATH=/usr/share/docker.io/contrib:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENGINE_FILES=$VOLOWN_ROOT/tests/engines/compose

# shellcheck source=../containers/servers.bash
. "$VOLOWN_ROOT/tests/containers/servers.bash"

# engine_skip REASON: every test of the file skips with REASON (see require_root).
engine_skip() {
	export VOLOWN_SKIP="$*"
}

# A directory of ENGINES_ROOT for NAME, new and empty, that a throwaway user may reach.
# What a killed earlier run left there goes first: its daemons (known by the
# directory in their command line, unique to this working tree), mounts and files.
engines_dir() {
	local d=$ENGINES_ROOT/$1 pid
	install -d -m 0755 "$ENGINES_ROOT" || return
	for pid in $(grep -lsF -- "$d/" /proc/[0-9]*/cmdline | cut -d/ -f3); do
		[ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] && stop_pid "$pid" 10
	done
	engines_rmdir "$d"
	install -d -m 0755 "$d" && echo "$d"
}

# Unmount whatever is mounted under DIR (deepest first), then remove it.
engines_rmdir() {
	local dir=$1 m
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	case $dir in "$ENGINES_ROOT"/*) ;; *) return 1 ;; esac
	for m in $(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$dir"
	rmdir "$ENGINES_ROOT" 2>/dev/null || true
}

# engines_lock NAME: hold a lock shared by every working tree until the file ends (the
# descriptor stays open in setup_file's process): for what only one run at a time may
# do, such as creating and removing dockerd's dockremap user.
engines_lock() {
	local fd
	exec {fd}>"$ENGINES_LOCKS/volown-test-$1.lock" || return
	flock -w 900 "$fd" || { echo "engines: waited 900 s for the lock $1" >&2; return 1; }
}

# engines_images_tar DIR: the tar of the test images in DIR (docker save, once),
# readable by a throwaway user.
engines_images_tar() {
	local tar=$1/images.tar
	if [ ! -s "$tar" ]; then
		docker save -o "$tar.tmp" "$MAILHOG_IMAGE" "$BAKED_IMAGE" && mv "$tar.tmp" "$tar" || return
	fi
	chmod 0644 "$tar" && echo "$tar"
}

# api_wait URL PID SECONDS: until the Docker-compatible API at URL answers (status 0);
# status 1 once PID is gone or after about SECONDS.
api_wait() {
	local url=$1 pid=$2 i
	for ((i = 0; i < $3 * 10; i++)); do
		DOCKER_HOST=$url timeout 5 docker version >/dev/null 2>&1 && return 0
		pid_alive "$pid" || break
		sleep 0.1
	done
	return 1
}

# A process that ran: true while PID exists and is not a zombie.
pid_alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 30); reaps it if
# it is a child of this shell.
stop_pid() {
	local pid=$1 secs=${2:-30} i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < secs * 10; i++)); do
		pid_alive "$pid" || break
		sleep 0.1
	done
	pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# in_background [--cd DIR] PROGRAM ARG...: start PROGRAM (not a shell function) in
# the background, from DIR, with stdin from /dev/null and no descriptor above 2
# (bats waits for every holder of its own to exit); its pid in $!. Redirect stdout
# and stderr around the call.
in_background() {
	local dir=.
	if [ "$1" = --cd ]; then
		dir=$2
		shift 2
	fi
	(
		local fd
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
		done
		cd "$dir" && exec "$@" </dev/null
	) &
}

# ---- network namespaces ----------------------------------------------------------

netns_add() {
	ip netns del "$1" 2>/dev/null || true
	ip netns add "$1" && ip -n "$1" link set lo up
}

netns_del() {
	ip netns del "$1" 2>/dev/null || true
}

# in_netns NS COMMAND...: COMMAND in network namespace NS only (mounts stay the host's).
in_netns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# ---- a second dockerd ------------------------------------------------------------

# dockerd2_start DIR NETNS [DOCKERD OPTION]...: start a second dockerd with everything
# of its own under DIR, in network namespace NETNS, and wait until it answers on
# unix://DIR/docker.sock. Sets D2_DIR, D2_NS, D2_PID and D2_HOST. Returns 1 (with the
# log's end on stderr) if it does not come up within 60 s.
dockerd2_start() {
	local dir=$1 ns=$2
	shift 2
	D2_DIR=$dir D2_NS=$ns D2_HOST=unix://$dir/docker.sock
	export D2_DIR D2_NS D2_HOST
	echo '{}' >"$dir/daemon.json"
	netns_add "$ns" || return
	in_background nsenter --net="/run/netns/$ns" dockerd --config-file "$dir/daemon.json" \
		--data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
		-H "$D2_HOST" "$@" >"$dir/dockerd.log" 2>&1
	D2_PID=$!
	export D2_PID
	api_wait "$D2_HOST" "$D2_PID" 60 && return 0
	echo "engines: the second dockerd did not come up; the end of its log:" >&2
	tail -n 15 "$dir/dockerd.log" >&2
	return 1
}

dockerd2_stop() {
	[ -n "${D2_DIR:-}" ] || return 0
	stop_pid "${D2_PID:-}" 30
	# A dockerd of a killed earlier run, known by its pid file.
	local pid
	pid=$(cat "$D2_DIR/dockerd.pid" 2>/dev/null) &&
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] &&
		grep -qF -- "$D2_DIR" "/proc/$pid/cmdline" 2>/dev/null && stop_pid "$pid" 30
	pid=$(cat "$D2_DIR/exec/containerd/containerd.pid" 2>/dev/null) &&
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = containerd ] && stop_pid "$pid" 10
	netns_del "$D2_NS"
	engines_rmdir "$D2_DIR"
	D2_PID='' D2_DIR=''
}

# docker2 ARG...: the docker CLI on the second dockerd.
docker2() {
	DOCKER_HOST=$D2_HOST docker "$@"
}

# compose2 PROJECT FILE... -- ARG...: docker-compose (v1) on the second dockerd.
compose2() {
	DOCKER_HOST=$D2_HOST compose "$@"
}

# Load the test images into the second dockerd.
dockerd2_load_images() {
	local tar
	tar=$(engines_images_tar "$D2_DIR") && docker2 load -q -i "$tar" >/dev/null
}

# tls_certs DIR: a CA, a server certificate for 127.0.0.1 and localhost, and a client
# certificate, as `docker --tlsverify` expects them (ca.pem, cert.pem, key.pem in DIR,
# server-cert.pem and server-key.pem beside them), and a second CA that signed nothing.
tls_certs() {
	local d=$1
	(
		set -e
		cd "$d"
		ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
		ec ca-key.pem
		openssl req -x509 -new -key ca-key.pem -days 2 -subj /CN=volown-test-ca -out ca.pem
		ec other-ca-key.pem
		openssl req -x509 -new -key other-ca-key.pem -days 2 -subj /CN=volown-test-other-ca \
			-out other-ca.pem
		ec server-key.pem
		openssl req -new -key server-key.pem -subj /CN=localhost -out server.csr
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
			-extfile server.ext -out server-cert.pem 2>/dev/null
		ec key.pem
		openssl req -new -key key.pem -subj /CN=volown-test-client -out client.csr
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
			-extfile client.ext -out cert.pem 2>/dev/null
		chmod 0644 ./*.pem
	)
}

# A free TCP port on 127.0.0.1 of the current network namespace.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The first subordinate range of USER (name or uid) in FILE (/etc/subuid, /etc/subgid),
# as "START COUNT".
subid_range() {
	local user=$1 file=$2 uid
	uid=$(id -u "$user" 2>/dev/null) || uid=$user
	awk -F: -v n="$user" -v u="$uid" '($1 == n || $1 == u) && NF == 3 { print $2, $3; exit }' "$file"
}

# ---- Podman, rootful -------------------------------------------------------------

# podman_rootful_setup DIR: point podman (and podman-compose, and `podman system
# service`) at storage, run, tmp, volume and network directories under DIR. Runs with
# runc: crun 1.8 (Debian 12) refuses a host with cgroups in hybrid mode. Where root
# may not raise RLIMIT_NOFILE to Podman's default of 1048576 (a sandbox), containers
# inherit the limits instead of failing to start.
podman_rootful_setup() {
	local d=$1 ulimits=''
	PODMAN_DIR=$d
	prlimit --nofile=1048576:1048576 true 2>/dev/null ||
		ulimits=$'[containers]\ndefault_ulimits = []\n'
	printf '%s' "$ulimits" >"$d/containers.conf"
	cat >"$d/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$d/root"
		runroot = "$d/run"
	EOF
	cat >>"$d/containers.conf" <<-EOF
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$d/events.log"
		tmp_dir = "$d/tmp"
		volume_path = "$d/root/volumes"
		[network]
		network_backend = "cni"
		network_config_dir = "$d/net"
	EOF
	export PODMAN_DIR CONTAINERS_STORAGE_CONF=$d/storage.conf CONTAINERS_CONF=$d/containers.conf
}

# podman_rootful_teardown: remove every container, volume, network and image of the
# storage under PODMAN_DIR, and the directory.
podman_rootful_teardown() {
	podman_service_stop
	[ -n "${PODMAN_DIR:-}" ] && [ -f "$PODMAN_DIR/containers.conf" ] || return 0
	timeout 60 podman rm -af -t 0 >/dev/null 2>&1 || true
	timeout 60 podman system reset -f >/dev/null 2>&1 || true
	engines_rmdir "$PODMAN_DIR"
	PODMAN_DIR=''
}

# The test images, loaded into the current podman.
podman_load_images() {
	local tar
	tar=$(engines_images_tar "$PODMAN_DIR") && podman load -q -i "$tar" >/dev/null
}

# podman_service_start SOCKET_URL [--cd DIR PROGRAM...]: `podman system service` on
# SOCKET_URL (unix:///path or tcp://127.0.0.1:port) until podman_service_stop; the
# prefix runs it as another user ("--cd $RL_HOME ${RL_CMD[@]}"). Waits until it answers.
podman_service_start() {
	local url=$1
	shift
	in_background "$@" podman system service --time=0 "$url" >"${PODMAN_SERVICE_LOG:-/dev/null}" 2>&1
	PODMAN_SERVICE_PID=$!
	export PODMAN_SERVICE_PID
	api_wait "$url" "$PODMAN_SERVICE_PID" 30 && return 0
	echo "engines: podman system service on $url did not answer" >&2
	return 1
}

podman_service_stop() {
	[ -n "${PODMAN_SERVICE_PID:-}" ] || return 0
	stop_pid "$PODMAN_SERVICE_PID" 10
	PODMAN_SERVICE_PID=''
}

# ---- what another engine must leave as it was --------------------------------------

# main_engine_state: what the main engine's networking depends on, to compare before
# and after: the docker0 bridge and its address, the iptables rules that name it, and
# the main dockerd's pid.
main_engine_state() {
	ip -br -4 addr show dev docker0 2>&1 | awk '{ print $1, $3 }'
	iptables-save 2>/dev/null | grep -w -- docker0 | sort
	cat /var/run/docker.pid 2>/dev/null
}

# The main engine as main_engine_state saw it in MAIN_STATE_BEFORE, at the file's start.
assert_main_engine_as_before() {
	local now
	now=$(main_engine_state)
	[ "$now" = "$MAIN_STATE_BEFORE" ] ||
		fail "the main engine's bridge, rules or pid changed:"$'\n'"$(diff <(echo "$MAIN_STATE_BEFORE") <(echo "$now"))"
}

# The iptables rules and chains (filter and nat) that name CNI, one "TABLE LINE" each:
# podman's CNI plugins leave their chains behind when a network is removed.
cni_rules() {
	iptables-save 2>/dev/null | awk '/^\*/ { t = substr($0, 2) } /CNI|cni-podman/ && !/^#/ { print t, $0 }' | sort
}

# cni_rules_restore SNAPSHOT: delete the CNI rules and chains that are not in SNAPSHOT
# (the output of cni_rules before podman made a network).
cni_rules_restore() {
	local snap=$1 table line
	while read -r table line; do
		case $line in
		-A*) eval "iptables -t $table -D ${line#-A }" 2>/dev/null || true ;;
		esac
	done < <(cni_rules | comm -13 "$snap" -)
	while read -r table line; do
		case $line in
		:*)
			line=${line#:}
			iptables -t "$table" -F "${line%% *}" 2>/dev/null || true
			iptables -t "$table" -X "${line%% *}" 2>/dev/null || true
			;;
		esac
	done < <(cni_rules | comm -13 "$snap" -)
}

# ---- a throwaway user for the rootless engines ----------------------------------

RL_USER=volown-t$VOLOWN_TREE

# rootless_user_add DIR: create RL_USER with its home and runtime directory under DIR
# (subordinate ids from useradd, as for any new user). Sets RL_HOME, RL_RUN, RL_UID,
# RL_GID, RL_SUBUID (the first subordinate uid) and RL_SUBGID. Returns 1 with a reason
# on stdout when the user cannot be made or has no subordinate ids.
rootless_user_add() {
	local dir=$1 uids gids
	RL_DIR=$dir RL_HOME=$dir/home RL_RUN=$dir/run
	export RL_DIR RL_HOME RL_RUN
	if ! useradd --create-home --home-dir "$RL_HOME" --shell /bin/sh --user-group \
		--comment "volown test user, removed after the run" "$RL_USER" 2>&1; then
		echo "useradd $RL_USER failed"
		return 1
	fi
	install -d -m 0700 -o "$RL_USER" -g "$RL_USER" "$RL_RUN" || return
	RL_UID=$(id -u "$RL_USER") RL_GID=$(id -g "$RL_USER")
	uids=$(subid_range "$RL_USER" /etc/subuid) gids=$(subid_range "$RL_USER" /etc/subgid)
	if [ -z "$uids" ] || [ -z "$gids" ]; then
		echo "useradd gave $RL_USER no subordinate ids in /etc/subuid and /etc/subgid"
		return 1
	fi
	RL_SUBUID=${uids% *} RL_SUBGID=${gids% *}
	export RL_UID RL_GID RL_SUBUID RL_SUBGID
}

# as_rl_user COMMAND...: COMMAND as RL_USER, from its home, with a clean environment.
as_rl_user() {
	(cd "$RL_HOME" && runuser -u "$RL_USER" -- env -i HOME="$RL_HOME" USER="$RL_USER" \
		LOGNAME="$RL_USER" XDG_RUNTIME_DIR="$RL_RUN" PATH="$ENGINES_PATH" "$@")
}

# A command prefix for the same, for a program that runs it (strace, nsenter).
rl_user_cmd() {
	RL_CMD=(runuser -u "$RL_USER" -- env -i HOME="$RL_HOME" USER="$RL_USER" LOGNAME="$RL_USER"
		XDG_RUNTIME_DIR="$RL_RUN" PATH="$ENGINES_PATH")
}

# Every process of RL_USER, ended by pid (they are all this file's: the user is).
rootless_user_kill() {
	local pids pid i
	for i in 1 2 3; do
		pids=$(ps -u "$RL_USER" -o pid= 2>/dev/null | tr -s ' \n' ' ')
		[ -n "${pids// /}" ] || return 0
		for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
		sleep 1
	done
	for pid in $(ps -u "$RL_USER" -o pid= 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
	sleep 0.5
}

# Remove RL_USER (its processes, its home, its subordinate ids) and its directory.
rootless_user_del() {
	getent passwd "$RL_USER" >/dev/null || { engines_rmdir "${RL_DIR:-}"; return 0; }
	RL_HOME=$(getent passwd "$RL_USER" | cut -d: -f6)
	RL_DIR=${RL_HOME%/home} RL_RUN=$RL_DIR/run
	if [ -d "$RL_HOME" ] && command -v podman >/dev/null; then
		as_rl_user timeout 60 podman rm -af -t 0 >/dev/null 2>&1 || true
		as_rl_user timeout 60 podman system reset -f >/dev/null 2>&1 || true
	fi
	rootless_user_kill
	userdel -r "$RL_USER" >/dev/null 2>&1 || userdel -f -r "$RL_USER" >/dev/null 2>&1 || true
	engines_rmdir "$RL_DIR"
}

# rootless_podman_setup: podman's configuration for RL_USER (runc, as for rootful;
# cgroups are not delegated to a user here) and the test images in its storage.
rootless_podman_setup() {
	local tar
	install -d -o "$RL_USER" -g "$RL_USER" "$RL_HOME/.config" "$RL_HOME/.config/containers" || return
	cat >"$RL_HOME/.config/containers/containers.conf" <<-EOF
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF
	chown "$RL_USER:$RL_USER" "$RL_HOME/.config/containers/containers.conf"
	tar=$(engines_images_tar "$RL_DIR") || return
	as_rl_user podman load -q -i "$tar" >/dev/null
}

# ---- the seed's scenario, on any engine -----------------------------------------

# ENGINE_CLI, set by each file: its engine's command line, as an array: (podman),
# (as_rl_user podman), (docker2), (rd).
engine_cli() {
	"${ENGINE_CLI[@]}" "$@"
}

# seed_run VOLUME[:OPTIONS] [RUN OPTION]... -- [IMAGE [ARG]...]: `run --rm --network
# none' on ENGINE_CLI with VOLUME at /mailhog/inbox (and its options: vol:U).
seed_run() {
	local vol=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	engine_cli run --rm --network none -v "${vol%%:*}:/mailhog/inbox${vol#"${vol%%:*}"}" \
		"${opts[@]}" "$@"
}

# The host directory of volume VOL on ENGINE_CLI's engine.
engine_volume_dir() {
	engine_cli volume inspect -f '{{.Mountpoint}}' "$1"
}

# Every entry under host directory DIR as "uid:gid path", sorted.
host_entries() {
	find "$1" -printf '%U:%G %p\n' | sort
}

# assert_host_tree_owned DIR OWNER [ENTRY]: every entry under DIR belongs to OWNER
# (uid:gid), and a path matching ENTRY (a regular expression; default: a message of the
# MailHog stand-in) is there.
assert_host_tree_owned() {
	local dir=$1 owner=$2 entry=${3:-@mailhog.example\$} entries
	entries=$(host_entries "$dir") || fail "cannot list $dir" || return
	printf '%s\n' "$entries" | grep -Eq -- "$entry" ||
		fail "nothing like /$entry/ in $dir:"$'\n'"$entries" || return
	if printf '%s\n' "$entries" | grep -v "^$owner "; then
		fail "the entries above in $dir do not belong to $owner" || return
	fi
}

# assert_seed_stored VOLUME OWNER [SUMMARY]: $output (of a run of the seed) has volown's
# summary for /mailhog/inbox, SUMMARY ("N entries checked, M changed", a regular
# expression), or no line of volown at all without SUMMARY; the stand-in stored its
# message unprivileged as PID 1 (assert_mailhog_unprivileged); and every entry of
# VOLUME, on ENGINE_CLI's engine, belongs on the host to OWNER.
assert_seed_stored() {
	local vol=$1 owner=$2 summary=${3:-} dir
	if [ -n "$summary" ]; then
		assert_output_has "volown: /mailhog/inbox: $summary" || return
	else
		assert_output_lacks 'volown:' || return
	fi
	assert_mailhog_unprivileged || return
	dir=$(engine_volume_dir "$vol") || fail "no volume $vol" || return
	assert_host_tree_owned "$dir" "$owner"
}

# ---- examples/postgres on any engine ----------------------------------------------

# pg_scenario ENGINE_URL IMAGE PROJECT UID_SHIFT GID_SHIFT: examples/postgres/compose.yaml
# as it is, on the engine that answers at ENGINE_URL (DOCKER_HOST) and whose CLI is
# ENGINE_CLI; VOLOWN is the binary it mounts. First the image of Debian's servers
# (tests/lib/realimages.sh: built once per machine) is imported there as IMAGE (the
# time it took is reported); postgres's ids in it (PG_UID, PG_GID) are asked of the main
# engine (the same root filesystem), and the host sees them shifted by UID_SHIFT and
# GID_SHIFT (0 on a rootful engine). network_mode: none on top, so that no engine has to
# make a network: TCP goes over the server's loopback from a second container in its
# network namespace. Then the steps of tests/containers/servers.bash: a new cluster,
# 1,000 rows over the socket and TCP, a stop with a client connected and a restart;
# stopped again, every entry of PGDATA on the host belongs to postgres's shifted ids,
# and PGDATA is 0700 there too.
pg_scenario() {
	local url=$1 project=$3 c=${3}_postgres_1 t0 out dir owner
	realimages_build || return
	PG_UID=$(image_id "$REAL_IMAGE" postgres) || return
	PG_GID=$(image_id "$REAL_IMAGE" postgres -g) || return
	t0=$(date +%s%N)
	out=$(realimages_import_into engine_cli "$2" 2>&1) || fail "the import failed: $out" || return
	echo "# the image imported into ${ENGINE_CLI[*]} in $((($(date +%s%N) - t0) / 1000000)) ms" >&3
	local -x DOCKER_HOST=$url POSTGRES_IMAGE=$2 PG_HOST_UID=$((PG_UID + $4))
	owner=$PG_HOST_UID:$((PG_GID + $5))

	run_status 0 example postgres "$project" -f "$ENGINE_FILES/postgres-no-network.yaml" up -d || return
	wait_for_count "$c" 60 1 'database system is ready to accept connections' || return
	pg_assert_new_cluster "$c" || return
	pg_assert_rows "$c" || return
	pg_assert_stop_restart "$c" || return
	run_status 0 docker stop -t 5 "$c" || return
	dir=$(docker volume inspect -f '{{.Mountpoint}}' "${project}_pgdata") || return
	assert_host_tree_owned "$dir" "$owner" '/PG_VERSION$' || return
	[ "$(stat -c %a "$dir")" = 700 ] || fail "PGDATA is $(stat -c %a "$dir") on the host, not 700"
}

# ---- the doctor on another engine -------------------------------------------------

DOCTOR=${DOCTOR:-$VOLOWN_ROOT/build/volown-doctor}

# doctor_project DIR [MAILDIR [VOLUME LINE]...]: DIR/compose.yaml, the seed's compose
# file (the MailHog stand-in storing into MAILDIR, default /mailhog/inbox, a named
# volume) with more entries of its volumes: list given as YAML lines ("- type: bind",
# "  source: /x", ...), and network_mode: none where DOCTOR_NETWORK_NONE is set.
doctor_project() {
	local dir=$1 maildir=${2:-/mailhog/inbox} line
	shift 2 2>/dev/null || shift $#
	mkdir -p "$dir"
	{
		printf '%s\n' 'services:' '  mailhog:' "    image: $MAILHOG_IMAGE" \
			'    environment:' "      MH_MAILDIR_PATH: $maildir"
		[ -z "${DOCTOR_NETWORK_NONE:-}" ] || echo '    network_mode: none'
		printf '%s\n' '    volumes:' '      - type: volume' '        source: mailhog-storage' \
			'        target: /mailhog/inbox'
		for line in "$@"; do echo "      $line"; done
		printf '%s\n' 'volumes:' '  mailhog-storage: {}'
	} >"$dir/compose.yaml"
}

# edoctor DIR PROJECT ARG...: the doctor on DIR/compose.yaml as project PROJECT, JSON
# report; sets status, JSON (stdout) and stderr.
edoctor() {
	local dir=$1 project=$2
	shift 2
	run --separate-stderr "$DOCTOR" -f "$dir/compose.yaml" -p "$project" --format json "$@"
	JSON=$output
	printf 'doctor exit %s\n%s\n%s\n' "$status" "$output" "$stderr"
}

j() {
	jq -r "$@" <<<"$JSON"
}

# erun_service DIR PROJECT [-f FILE]...: docker-compose up of the service mailhog on
# the current DOCKER_HOST; sets RAN_STATUS and RAN_OUTPUT, removes the container.
erun_service() {
	local dir=$1 project=$2
	shift 2
	RAN_STATUS=0
	RAN_OUTPUT=$(cd "$dir" && timeout 120 docker-compose --ansi never -p "$project" -f compose.yaml "$@" \
		up --no-color --exit-code-from mailhog mailhog 2>&1) || RAN_STATUS=$?
	(cd "$dir" && timeout 60 docker-compose -p "$project" -f compose.yaml "$@" rm -fs >/dev/null 2>&1) || true
	printf 'ran: exit %s\n%s\n' "$RAN_STATUS" "$(printf '%s\n' "$RAN_OUTPUT" | tail -n 5)"
}

# The prediction for /mailhog/inbox ("problem" or "ok") matched the run.
assert_ran_as_predicted() {
	local verdict
	verdict=$(j '.services[0].mounts[] | select(.target == "/mailhog/inbox") | .verdict')
	case $verdict in
	ok)
		[ "$RAN_STATUS" -eq 0 ] && [[ $RAN_OUTPUT == *"MailHog: stored message"* ]] ||
			fail "predicted ok, but the service failed: $RAN_OUTPUT" ;;
	problem)
		[ "$RAN_STATUS" -ne 0 ] && [[ $RAN_OUTPUT == *"FAILED to store message"* ]] ||
			fail "predicted a problem, but the service ran: $RAN_OUTPUT" ;;
	*) fail "unexpected verdict '$verdict'" ;;
	esac
}
