#!/usr/bin/env bats
# volown --init in real containers, and the same tests against the inits people use
# instead: tini, dumb-init and catatonit, from Debian's packages. Where they behave
# differently the test says what each one does, and docs/init.md explains it.
#
# volown starts as root and drops to mailhog (1000:1000) before it supervises; the
# others are started as 1000:1000 directly, so every command runs as the same user.

load ../lib/common
bats_require_minimum_version 1.5.0

P=volown-test-init
# Outside the prefix that docker_cleanup removes, like the shared images: a run of this
# file beside another one does not lose its image halfway (the build is cached).
IMG=volown-test/inits
INITS=(volown tini dumb-init catatonit)

# An image FROM scratch (the shared MailHog stand-in: busybox and a passwd) with the
# four inits: volown, tini's static build, catatonit (static) and dumb-init, which
# Debian links dynamically, with its C library beside it.
build_init_image() {
	local ctx lib rc=0
	ctx=$(mktemp -d) || return 1
	mkdir -p "$ctx/root/usr/local/bin"
	cp "$VOLOWN" "$ctx/root/usr/local/bin/volown" &&
		cp /usr/bin/tini-static "$ctx/root/usr/local/bin/tini" &&
		cp /usr/bin/catatonit /usr/bin/dumb-init "$ctx/root/usr/local/bin/" || rc=1
	for lib in $(ldd /usr/bin/dumb-init | grep -o '/[^ ]*'); do
		mkdir -p "$ctx/root${lib%/*}" && cp -L "$lib" "$ctx/root$lib" || rc=1
	done
	printf '%s\n' "FROM $MAILHOG_IMAGE" 'COPY root/ /' 'USER root' 'ENTRYPOINT []' \
		>"$ctx/Dockerfile"
	[ $rc -ne 0 ] || docker build -q -t "$IMG" "$ctx" >/dev/null || rc=1
	rm -rf "$ctx"
	return $rc
}

setup_file() {
	container_suite "$P" || return
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	for f in /usr/bin/tini-static /usr/bin/dumb-init /usr/bin/catatonit; do
		[ -x "$f" ] || fail "$f is missing: run scripts/setup.sh (packages tini, dumb-init, catatonit)"
	done
	build_init_image
}

teardown_file() {
	docker_cleanup "$P"
}

# Sets INIT_USER and INIT_CMD: how INIT runs a command in MODE, one of
#   default  what the tool does when given no option (volown --init: the child only;
#            dumb-init: the child's whole session)
#   group    signals go to the child's process group
#   single   signals go to the child only
# tini gets -s everywhere so that it is a subreaper when it is not PID 1.
init_cmd() {
	local init=$1 mode=${2:-default}
	case $init in
	volown)
		INIT_USER=0
		INIT_CMD=(volown --user mailhog --init)
		[ "$mode" != group ] || INIT_CMD+=(--init-group)
		;;
	tini)
		INIT_USER=1000:1000
		INIT_CMD=(tini -s)
		[ "$mode" != group ] || INIT_CMD+=(-g)
		;;
	dumb-init)
		INIT_USER=1000:1000
		INIT_CMD=(dumb-init)
		[ "$mode" != single ] || INIT_CMD+=(--single-child)
		;;
	catatonit)
		INIT_USER=1000:1000
		INIT_CMD=(catatonit)
		[ "$mode" != group ] || INIT_CMD+=(-g)
		;;
	*) fail "unknown init $init" ;;
	esac
	INIT_CMD+=(--)
}

# dinit INIT MODE [DOCKER-RUN-OPTION...] -- COMMAND...: docker run, with INIT as PID 1
# in front of COMMAND.
dinit() {
	local init=$1 mode=$2 opts=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	init_cmd "$init" "$mode" || return
	docker run --network none --user "$INIT_USER" "${opts[@]}" "$IMG" "${INIT_CMD[@]}" "$@"
}

# "(comm)state" of every process of container $1, one a line.
# (The reader execs awk, so that no shell of its own shows up in the list.)
proc_states() {
	docker exec "$1" sh -c 'exec awk "{ print \$2 \$3 }" /proc/[0-9]*/stat 2>/dev/null' || true
}

# Wait up to 30 s until container $1 has a live process named $2.
wait_for_proc() {
	local name=$1 comm=$2 i
	for ((i = 0; i < 150; i++)); do
		proc_states "$name" | grep -q "^($comm)[^Z]" && return 0
		sleep 0.2
	done
	fail "container $name has no process $comm after 30 s"
}

exit_code_of() {
	docker inspect -f '{{.State.ExitCode}}' "$1"
}

# ---- docker stop ----------------------------------------------------------------

# docker stop sends SIGTERM to PID 1; the init must pass it to `sleep`, which dies of
# it at once (143), long before the 10 s grace period ends in SIGKILL (137).
check_stop() {
	local init=$1 name=$P-stop-$1 start ms code
	dinit "$init" default -d --name "$name" -- sh -c 'sleep 1000' >/dev/null
	wait_for_proc "$name" sleep
	start=$(date +%s%N)
	docker stop "$name" >/dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	code=$(exit_code_of "$name")
	docker rm "$name" >/dev/null
	[ "$ms" -lt 5000 ] || fail "$init: docker stop took $ms ms"
	[ "$code" = 143 ] || fail "$init: exit code $code after docker stop, expected 143"
}

@test "volown --init: docker stop ends sh -c 'sleep 1000' at once, exit code 143" {
	check_stop volown
}

@test "tini, dumb-init, catatonit: the same docker stop, the same 143" {
	for init in tini dumb-init catatonit; do
		check_stop "$init"
	done
}

# ---- zombies --------------------------------------------------------------------

# 100 background sleeps whose parent subshells exit at once: they are reparented to
# PID 1 and die 0.5 s later; the command then is a `sleep` that never waits.
ORPHANS='i=0; while [ $i -lt 100 ]; do (sleep 0.5 &); i=$((i+1)); done; exec sleep 1000'

# Waits until the shell has become `sleep 1000' and every orphan has died, then prints
# how many zombies are left (after up to 5 s more: PID 1 reaps them on SIGCHLD).
zombies_left() {
	local name=$1 i states
	for ((i = 0; i < 150; i++)); do
		states=$(proc_states "$name")
		! printf '%s\n' "$states" | grep -q '^(sh)' &&
			[ "$(printf '%s\n' "$states" | grep -c '^(sleep)[^Z]')" -eq 1 ] && break
		sleep 0.2
	done
	for ((i = 0; i < 25; i++)); do
		printf '%s\n' "$states" | grep -q ')Z$' || break
		sleep 0.2
		states=$(proc_states "$name")
	done
	printf '%s\n' "$states" | grep -c ')Z$' || true
}

check_zombies() {
	local init=$1 name=$P-zombies-$1 left
	dinit "$init" default -d --name "$name" -- sh -c "$ORPHANS" >/dev/null
	wait_for_proc "$name" sleep
	left=$(zombies_left "$name")
	docker rm -f "$name" >/dev/null
	[ "$left" -eq 0 ] || fail "$init: $left zombies left behind"
}

@test "without an init, 100 orphans stay zombies (the test can see them)" {
	local name=$P-zombies-none left
	docker run -d --network none --user 1000:1000 --name "$name" "$IMG" sh -c "$ORPHANS" >/dev/null
	wait_for_proc "$name" sleep
	left=$(zombies_left "$name")
	docker rm -f "$name" >/dev/null
	[ "$left" -gt 0 ] || fail "no zombies without an init: the zombie test proves nothing"
}

@test "volown --init: 100 orphaned zombies are all reaped" {
	check_zombies volown
}

@test "tini, dumb-init, catatonit: the same 100 zombies are reaped" {
	for init in tini dumb-init catatonit; do
		check_zombies "$init"
	done
}

# Not PID 1 (started by a shell in the container): orphans of the command must still
# come to the init, which then has to be a child subreaper.
@test "not PID 1: orphans go to volown, tini -s and catatonit (subreapers), not to dumb-init" {
	local init want got
	for init in "${INITS[@]}"; do
		init_cmd "$init"
		run docker run --rm --network none --user "$INIT_USER" "$IMG" sh -c '"$@"; true' - \
			"${INIT_CMD[@]}" sh -c '(sleep 3 & echo $! >/tmp/orphan); sleep 0.5; p=$(cat /tmp/orphan)
				echo "init $PPID parent $(awk "/^PPid:/ { print \$2 }" /proc/$p/status)"'
		[ "$status" -eq 0 ] || { show_output; fail "$init: status $status"; }
		want=init
		[ "$init" != dumb-init ] || want=1
		got=$(printf '%s\n' "$output" | awk '/^init / { print ($4 == $2) ? "init" : $4 }')
		[ "$got" = "$want" ] || { show_output; fail "$init: the orphan's parent is '$got', expected $want"; }
	done
}

# ---- exit codes -----------------------------------------------------------------

# Every status 0-255 and a few deaths by signal, with the init started by a shell in
# one container (not PID 1 there), so 260 runs cost one container.
EXIT_LOOP='for i in $(seq 0 255); do "$@" sh -c "exit $i"; rc=$?
	[ $rc -eq $i ] || echo "exit $i gave $rc"; done
for s in 1 2 9 15; do "$@" sh -c "kill -$s \$\$"; echo "signal $s gave $?"; done'

check_exit_loop() {
	local init=$1
	init_cmd "$init"
	run docker run --rm --network none --user "$INIT_USER" "$IMG" sh -c "$EXIT_LOOP" - "${INIT_CMD[@]}"
	[ "$status" -eq 0 ] || { show_output; fail "$init: the loop failed with $status"; }
	assert_output_lacks 'exit [0-9]+ gave' || fail "$init: some exit codes did not pass through"
	assert_output_has '^signal 1 gave 129$' '^signal 2 gave 130$' '^signal 9 gave 137$' \
		'^signal 15 gave 143$'
}

# As PID 1, the container's exit code.
check_exit_pid1() {
	local init=$1 code
	for code in 0 1 42 255; do
		run dinit "$init" default --rm -- sh -c "exit $code"
		[ "$status" -eq "$code" ] || { show_output; fail "$init: exit $code gave $status"; }
	done
	run dinit "$init" default --rm -- sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ] || { show_output; fail "$init: SIGKILL gave $status, expected 137"; }
}

@test "volown --init: every exit status 0-255 passes through; death by signal N gives 128+N" {
	check_exit_loop volown
	check_exit_pid1 volown
}

@test "tini, dumb-init, catatonit: the same exit statuses" {
	for init in tini dumb-init catatonit; do
		check_exit_loop "$init"
		check_exit_pid1 "$init"
	done
}

# A command that is missing or not executable: docker run's 127 and 126 from volown
# and tini; dumb-init exits 2 and catatonit 1 for both.
@test "exit codes when the command cannot run: volown and tini 127/126, dumb-init 2, catatonit 1" {
	local init missing noexec
	for init in "${INITS[@]}"; do
		case $init in
		volown | tini) missing=127 noexec=126 ;;
		dumb-init) missing=2 noexec=2 ;;
		catatonit) missing=1 noexec=1 ;;
		esac
		run -"$missing" dinit "$init" default --rm -- no-such-command
		[ "$status" -eq "$missing" ] || { show_output; fail "$init: missing command gave $status"; }
		run dinit "$init" default --rm -- /etc/passwd
		[ "$status" -eq "$noexec" ] || { show_output; fail "$init: /etc/passwd gave $status"; }
	done
	run -127 dinit volown default --rm -- no-such-command
	assert_output_has "^volown: cannot run \`no-such-command'"
}

# ---- signals --------------------------------------------------------------------

# A child that traps what it is given and says so; TERM also ends it with status 0.
TRAPS='for s in "$@"; do trap "echo child got $s" $s; done
trap "echo child got TERM; exit 0" TERM
echo ready; while :; do sleep 1 & wait $!; done'

# check_signals INIT SIGNAL...: each signal, sent with docker kill, reaches the child;
# then docker kill -s TERM ends it and the container exits 0.
check_signals() {
	local init=$1 name=$P-signals-$1 s
	shift
	dinit "$init" default -d --name "$name" -- sh -c "$TRAPS" - "$@" >/dev/null
	wait_for_log "$name" 30 ready
	for s in "$@" TERM; do
		docker kill -s "$s" "$name" >/dev/null
		wait_for_log "$name" 10 "child got $s" || return
	done
	docker wait "$name" >/dev/null
	[ "$(exit_code_of "$name")" = 0 ] || fail "$init: exit code $(exit_code_of "$name") after TERM"
	docker rm "$name" >/dev/null
}

@test "volown --init: USR1, USR2, HUP, INT, QUIT, WINCH, CONT, TERM reach the child" {
	check_signals volown USR1 USR2 HUP INT QUIT WINCH CONT
}

@test "tini, dumb-init, catatonit: the same signals reach the child" {
	for init in tini dumb-init catatonit; do
		check_signals "$init" USR1 USR2 HUP INT QUIT WINCH CONT
	done
}

# Job control and real-time signals. volown forwards everything it can block; tini
# drops TTIN and TTOU; catatonit drops TSTP, TTIN and TTOU; dumb-init (in its default
# session mode) turns TSTP, TTIN and TTOU into SIGSTOP, which the child cannot trap.
# Docker refuses to send 32 and 33; 34 is SIGRTMIN in Docker's numbering.
@test "job-control and real-time signals: what each init forwards" {
	local init name s want got
	local -A reached=(
		[volown]='TSTP TTIN TTOU 34 35 64'
		[tini]='TSTP 34 35 64'
		[dumb-init]='34 35 64'
		[catatonit]='34 35 64'
	)
	for init in "${INITS[@]}"; do
		name=$P-jobctl-$init
		dinit "$init" default -d --name "$name" -- sh -c "$TRAPS" - TSTP TTIN TTOU 34 35 64 >/dev/null
		wait_for_log "$name" 30 ready
		for s in TSTP TTIN TTOU 34 35 64; do
			docker kill -s "$s" "$name" >/dev/null
			sleep 0.3
			docker kill -s CONT "$name" >/dev/null # wakes whatever a SIGSTOP stopped
		done
		docker kill -s TERM "$name" >/dev/null
		docker wait "$name" >/dev/null
		got=$(docker logs "$name" 2>&1 | sed -n 's/^child got //p' | grep -vx TERM | tr '\n' ' ')
		docker rm -f "$name" >/dev/null
		want=${reached[$init]}
		[ "${got% }" = "$want" ] || fail "$init: forwarded '${got% }', expected '$want'"
	done
}

# The child and a grandchild of it, both trapping USR1; on USR1 the child also sends
# USR2 to the grandchild. kill() of a process group queues the signal on every member
# before it returns, so when the grandchild says it got USR2, it has already said
# whether USR1 reached it too.
FAMILY='sh -c '\''trap "echo grandchild got USR1" USR1; trap "echo grandchild got USR2" USR2
echo grandchild ready; while :; do sleep 1 & wait $!; done'\'' & gc=$!
trap "echo child got USR1; kill -USR2 $gc" USR1
trap "kill $gc; exit 0" TERM
while :; do sleep 1 & wait $!; done'

# check_family INIT MODE yes|no: whether USR1 reaches the grandchild.
check_family() {
	local init=$1 mode=$2 want=$3 name=$P-family-$1-$2
	dinit "$init" "$mode" -d --name "$name" -- sh -c "$FAMILY" >/dev/null
	wait_for_log "$name" 30 "grandchild ready"
	docker kill -s USR1 "$name" >/dev/null
	wait_for_log "$name" 10 "grandchild got USR2" || return
	run docker logs "$name"
	docker rm -f "$name" >/dev/null
	assert_output_has '^child got USR1$'
	if [ "$want" = yes ]; then
		assert_output_has '^grandchild got USR1$'
	else
		assert_output_lacks '^grandchild got USR1$'
	fi
}

@test "volown --init-group: a signal reaches the grandchild too; plain --init: the child only" {
	check_family volown group yes
	check_family volown default no
}

@test "tini -g, dumb-init, catatonit -g reach the grandchild; tini, dumb-init --single-child, catatonit do not" {
	check_family tini group yes
	check_family dumb-init group yes
	check_family catatonit group yes
	check_family tini single no
	check_family dumb-init single no
	check_family catatonit single no
}

# ---- the child's state ----------------------------------------------------------

# The command's own /proc/self/status (grep is the command: no shell in between).
STATUS_RE='^(Uid|Gid|Groups|SigBlk|SigIgn|CapInh|CapPrm|CapEff|CapAmb):'

# The signal state the engine gives a container's first process, read by grep as PID 1
# with no init in between. It is what dockerd was started with: one started through
# glibc's posix_spawn (by make, for one) passes signal 32 down as ignored.
engine_signal_state() {
	docker run --rm --network none --user 1000:1000 "$IMG" \
		grep -E '^Sig(Blk|Ign):' /proc/self/status
}

# sig_value STATE FIELD: the hexadecimal value of FIELD (SigBlk, SigIgn) in STATE.
sig_value() {
	printf '%s\n' "$1" | awk -v f="$2:" '$1 == f { print $2 }'
}

@test "volown --init: the command runs as the dropped user, no capabilities, the engine's signal state" {
	local base
	base=$(engine_signal_state) || fail "cannot read the engine's signal state"
	run dinit volown default --rm -- grep -E "$STATUS_RE" /proc/self/status
	[ "$status" -eq 0 ] || { show_output; fail "status $status"; }
	assert_output_has \
		'^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' \
		'^Gid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' \
		"^SigBlk:[[:space:]]+$(sig_value "$base" SigBlk)\$" \
		"^SigIgn:[[:space:]]+$(sig_value "$base" SigIgn)\$" \
		'^CapInh:[[:space:]]+0+$' '^CapPrm:[[:space:]]+0+$' \
		'^CapEff:[[:space:]]+0+$' '^CapAmb:[[:space:]]+0+$'
}

@test "volown --init: volown itself, PID 1, runs as the dropped user with no capabilities" {
	run dinit volown default --rm -- grep -E "^Name:|$STATUS_RE" /proc/1/status
	[ "$status" -eq 0 ] || { show_output; fail "status $status"; }
	assert_output_has '^Name:[[:space:]]+volown$' \
		'^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' \
		'^Gid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' \
		'^CapPrm:[[:space:]]+0+$' '^CapEff:[[:space:]]+0+$' '^CapAmb:[[:space:]]+0+$'
}

# tini and dumb-init pass the engine's mask on as it is; catatonit adds TSTP, TTIN and
# TTOU (signals 20-22: 0x380000), which stay blocked in the command.
@test "the command's blocked and ignored signals under tini, dumb-init, catatonit" {
	local init base blk ign
	base=$(engine_signal_state) || fail "cannot read the engine's signal state"
	for init in tini dumb-init catatonit; do
		blk=$(sig_value "$base" SigBlk)
		[ "$init" != catatonit ] || blk=$(printf '%016x' $((0x$blk | 0x380000)))
		ign=$(sig_value "$base" SigIgn)
		run dinit "$init" default --rm -- grep -E "$STATUS_RE" /proc/self/status
		[ "$status" -eq 0 ] || { show_output; fail "$init: status $status"; }
		assert_output_has "^SigBlk:[[:space:]]+$blk\$" "^SigIgn:[[:space:]]+$ign\$" ||
			fail "$init: unexpected signal state (the engine gives: $base)"
	done
}

# A signal ignored by whoever starts the init (here a shell that ignores SIGHUP, as
# nohup does, and execs the init, which stays PID 1)
# stays ignored in the command under volown, tini and catatonit, as through a plain
# exec; dumb-init gives the command the default disposition of signals 1-31 back.
@test "a signal ignored by the init's starter (as with nohup) stays ignored in the command, but for dumb-init" {
	local init base want got
	base=$(engine_signal_state) || fail "cannot read the engine's signal state"
	for init in "${INITS[@]}"; do
		want=$(printf '%016x' $((0x$(sig_value "$base" SigIgn) | 1)))
		[ "$init" != dumb-init ] || want=$(printf '%016x' $((0x$want & ~0x7fffffff)))
		init_cmd "$init" default
		run docker run --rm --network none --user "$INIT_USER" "$IMG" \
			sh -c 'trap "" HUP; exec "$@"' sh "${INIT_CMD[@]}" grep '^SigIgn:' /proc/self/status
		[ "$status" -eq 0 ] || { show_output; fail "$init: status $status"; }
		got=$(sig_value "$output" SigIgn)
		[ "$got" = "$want" ] || { show_output; fail "$init: SigIgn $got, want $want"; }
	done
}

# docker run -t: the command leads its own process group, which owns the terminal's
# foreground, so ^C and window size changes go to it (once) and not to the init.
@test "docker run -t: the command's process group has the terminal, under every init" {
	local init
	for init in "${INITS[@]}"; do
		run dinit "$init" default --rm -t -- sh -c \
			'set -- $(cat /proc/$$/stat); echo "pid=$1 pgrp=$5 tpgid=$8"'
		[ "$status" -eq 0 ] || { show_output; fail "$init: status $status"; }
		output=${output//$'\r'/}
		assert_output_has '^pid=([0-9]+) pgrp=\1 tpgid=\1$' ||
			fail "$init: the command does not own the terminal"
	done
}
