#!/usr/bin/env bats
# SIGTERM, SIGINT and SIGQUIT during the fix stop the walk: volown exits 128+N without
# running the command and leaves the root as it was; the next run finishes. volown runs
# as PID 1 of a PID namespace of its own (unshare), as in a container, where a signal
# without a handler would be ignored; its CPU is throttled so that the walk is surely
# under way when the signal comes.

load helpers

setup() {
	require_root
	require_volown
	T=$(mktemp -d /tmp/volown-stop.XXXXXX)
	mkdir "$T/vol" "$T/cmd"
	chmod 0755 "$T"
	chmod 0777 "$T/cmd"
	(cd "$T/vol" && seq 1 30000 | xargs touch)
	CG=volown-test-stop-$$
	PROCS=$(cpu_throttle "$CG" 2) || skip "no cgroup to slow the walk down here"
}

teardown() {
	cpu_throttle_remove "${CG:-none}"
	rm -rf "${T:-/nonexistent}"
}

# stop_with SIGNAL STATUS: volown as PID 1 fixing $T/vol, stopped by SIGNAL.
stop_with() {
	local sig=$1 want=$2 pid
	chown -R 0:0 "$T/vol" # so that an entry of uid 1000 is this run's work
	(echo "$BASHPID" >"$PROCS" &&
		exec unshare -pf "$VOLOWN" --user 1000:1000 --path "$T/vol" -- touch "$T/cmd/ran") \
		>"$T/out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do # until the walk has changed something
		[ -n "$(find "$T/vol" -user 1000 -print -quit)" ] && break
		sleep 0.1
	done
	# volown, or the qemu-user that runs another architecture's volown (make test-cross)
	pkill "-$sig" -x -P "$(pgrep -x -P "$pid" unshare || echo "$pid")" 'volown|qemu-.*' ||
		pkill "-$sig" -f "^$VOLOWN --user 1000:1000 --path $T/vol" || fail "volown was not running"
	status=0
	wait "$pid" || status=$?
	output=$(cat "$T/out")
	[ "$status" -eq "$want" ] || { show_output; fail "SIG$sig: exit status $status, expected $want"; }
	assert_output_has "^volown: stopped by SIG$sig while fixing \`$T/vol' \\([0-9]+ entries checked, [0-9]+ changed\\)"
	[ ! -e "$T/cmd/ran" ] || fail "SIG$sig: the command was run"
	[ "$(stat -c %u "$T/vol")" = 0 ] || fail "SIG$sig: the root was changed"
	[ -n "$(find "$T/vol" -user 0 -print -quit)" ] || fail "SIG$sig: the walk had finished"
}

@test "SIGTERM, SIGINT, SIGQUIT during the walk: 143, 130, 131, the root left as it was" {
	stop_with TERM 143
	stop_with INT 130
	stop_with QUIT 131
	run "$VOLOWN" --user 1000:1000 --path "$T/vol" -- touch "$T/cmd/ran"
	[ "$status" -eq 0 ] || { show_output; fail "the next run failed"; }
	[ -z "$(find "$T/vol" ! -user 1000 | head -n 1)" ] || fail "the next run did not finish the fix"
	[ -e "$T/cmd/ran" ] || fail "the command did not run"
}

@test "a signal ignored when volown started stays ignored for the command" {
	run env --ignore-signal=TERM "$VOLOWN" --user 1000:1000 --path "$T/vol" -- \
		sh -c 'grep SigIgn /proc/self/status'
	[ "$status" -eq 0 ] || { show_output; fail "exit status $status"; }
	# SIGTERM is signal 15: bit 14 of the ignored mask
	mask=$(printf '%s\n' "$output" | sed -n 's/^SigIgn:[[:space:]]*//p')
	[ $((0x$mask & (1 << 14))) -ne 0 ] || { show_output; fail "SIGTERM is no longer ignored"; }
}
