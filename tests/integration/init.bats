#!/usr/bin/env bats
# volown --init run directly on this machine as root, no container: the fast checks of
# the supervisor (tests/containers/init.bats runs it as PID 1 in real containers).
# Here volown is not PID 1, so these also cover the child-subreaper path.

load ../lib/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	require_volown
}

# volown --init as nobody in front of "$@".
vinit() {
	"$VOLOWN" --user nobody --init "$@"
}

@test "exit statuses 0-255 pass through, death by signal N gives 128+N" {
	local i bad=
	for ((i = 0; i < 256; i++)); do
		vinit -- sh -c "exit $i" || [ $? -eq $i ] || bad+=" $i"
	done
	[ -z "$bad" ] || fail "statuses that did not pass through:$bad"
	for i in 1 2 9 15; do
		run vinit -- sh -c "kill -$i \$\$"
		[ "$status" -eq $((128 + i)) ] || fail "killed by $i gave $status"
	done
}

@test "a missing command is 127, a non-executable one 126, with the message from volown" {
	run -127 vinit -- no-such-command-here
	assert_output_has "^volown: cannot run \`no-such-command-here'"
	run vinit -- /etc/passwd
	[ "$status" -eq 126 ] || { show_output; fail "status $status"; }
}

@test "the command runs as the dropped user with the same signal state as without --init" {
	require_native "no PR_SET_CHILD_SUBREAPER (volown warns), and a signal ignored by qemu's caller is not ignored after its exec"
	local plain
	run "$VOLOWN" --user nobody -- grep -E '^(Uid|SigBlk|SigIgn|CapEff):' /proc/self/status
	plain=$output
	run vinit -- grep -E '^(Uid|SigBlk|SigIgn|CapEff):' /proc/self/status
	[ "$status" -eq 0 ] || { show_output; fail "status $status"; }
	[ "$output" = "$plain" ] || fail "with --init:"$'\n'"$output"$'\n'"without:"$'\n'"$plain"
	assert_output_has '^Uid:[[:space:]]+65534[[:space:]]+65534' '^CapEff:[[:space:]]+0+$'
}

# A signal ignored by whoever started volown stays ignored in the command, as it would
# through a plain exec (nohup relies on that); nothing else is ignored or blocked.
@test "an inherited ignored signal (USR2) stays ignored, nothing is blocked" {
	require_native "a signal ignored by qemu's caller is not ignored after its exec"
	# what a plain exec under the same starter would see (USR2 is 0x800, plus whatever
	# the starter itself left ignored)
	want=$(sh -c 'trap "" USR2; exec grep "^SigIgn:" /proc/self/status')
	[[ "$want" =~ 800$ ]]
	run sh -c 'trap "" USR2; exec "$@"' - "$VOLOWN" --user nobody --init -- \
		grep -E '^(SigBlk|SigIgn):' /proc/self/status
	[ "$status" -eq 0 ] || { show_output; fail "status $status"; }
	assert_output_has '^SigBlk:[[:space:]]+0+$'
	[ "$(printf '%s\n' "$output" | grep '^SigIgn:')" = "$want" ] || { show_output; fail "want $want"; }
}

# A loop that ends by itself after about 30 s, so that a failed test leaves nothing
# running for long.
LOOP='n=0; while [ $n -lt 30 ]; do sleep 1 & wait $!; n=$((n+1)); done'

# volown in the background, a child that traps and reports; each signal sent to volown
# must show up in the child's report. (A background job of a script starts with INT
# and QUIT ignored, and volown would pass that on: env gives INT its default back.)
@test "USR1, USR2, HUP, INT, TERM sent to volown reach the child" {
	local out=$BATS_TEST_TMPDIR/out pid s i want
	env --default-signal=INT "$VOLOWN" --user nobody --init -- sh -c '
		for s in USR1 USR2 HUP INT; do trap "echo got $s" $s; done
		trap "echo got TERM; kill \$! 2>/dev/null; exit 3" TERM
		echo ready; '"$LOOP" >"$out" 2>&1 </dev/null &
	pid=$!
	for s in ready USR1 USR2 HUP INT TERM; do
		want="got $s"
		[ "$s" = ready ] && want=ready || kill -"$s" "$pid"
		for ((i = 0; i < 100; i++)); do
			grep -qx "$want" "$out" 2>/dev/null && break
			sleep 0.1
		done
	done
	status=0
	wait "$pid" || status=$?
	cat "$out" >&2
	for s in USR1 USR2 HUP INT TERM; do
		grep -qx "got $s" "$out" || fail "the child did not get $s"
	done
	[ "$status" -eq 3 ] || fail "volown exited $status, expected the child's 3"
}

# Not PID 1: volown must be a child subreaper, or orphans would go to the real init.
@test "orphans of the command are reparented to volown and reaped" {
	require_native "no PR_SET_CHILD_SUBREAPER"
	run vinit -- sh -c '
		i=0; while [ $i -lt 50 ]; do (sleep 0.2 &); i=$((i+1)); done
		p=$( (sleep 5 >/dev/null & echo $!) )
		echo "volown $PPID orphan-parent $(awk "/^PPid:/ { print \$2 }" /proc/$p/status)"
		kill $p; sleep 1
		z=0; for f in /proc/[0-9]*/stat; do
			set -- $(cat $f 2>/dev/null) x x x x; [ "$3" = Z ] && [ "$4" = $PPID ] && z=$((z+1))
		done; echo "zombies of volown: $z"'
	[ "$status" -eq 0 ] || { show_output; fail "status $status"; }
	assert_output_has '^volown ([0-9]+) orphan-parent \1$' '^zombies of volown: 0$'
}

@test "--init-group signals the command's process group; --init alone only the command" {
	local out=$BATS_TEST_TMPDIR/out mode pid i
	for mode in --init-group ""; do
		: >"$out"
		"$VOLOWN" --user nobody --init $mode -- sh -c '
			sh -c "trap \"echo grandchild got USR1\" USR1; trap \"echo grandchild got USR2\" USR2
				echo ready; $0" & gc=$!
			trap "echo child got USR1; kill -USR2 $gc" USR1
			trap "kill $gc \$! 2>/dev/null; exit 0" TERM
			'"$LOOP" "$LOOP" >"$out" 2>&1 </dev/null &
		pid=$!
		for ((i = 0; i < 100; i++)); do grep -q ready "$out" && break; sleep 0.1; done
		kill -USR1 "$pid"
		for ((i = 0; i < 100; i++)); do grep -q "grandchild got USR2" "$out" && break; sleep 0.1; done
		kill -TERM "$pid"
		wait "$pid" || true
		cat "$out" >&2
		grep -qx "child got USR1" "$out" || fail "$mode: the child did not get USR1"
		if [ -n "$mode" ]; then
			grep -qx "grandchild got USR1" "$out" || fail "$mode: the grandchild did not get USR1"
		else
			! grep -qx "grandchild got USR1" "$out" || fail "--init: the grandchild got USR1"
		fi
	done
}
