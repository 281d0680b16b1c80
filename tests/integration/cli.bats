#!/usr/bin/env bats
# The command line, the exit codes and the binary itself.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_volown
	T=$(mktemp -d /tmp/volown-cli.XXXXXX)
	chmod 0755 "$T"
}

teardown() {
	rm -rf "${T:-/nonexistent}"
}

@test "the binary is static, stripped and under 100 KB" {
	require_static
	run file "$VOLOWN"
	[[ "$output" == *"statically linked"* ]]
	[[ "$output" == *stripped* && "$output" != *"not stripped"* ]]
	run ldd "$VOLOWN"
	[ "$status" -ne 0 ] || [[ "$output" == *"not a dynamic executable"* ]]
	# 100 KB; make test-cross gives another architecture's budget (release/arches)
	[ "$(stat -c %s "$VOLOWN")" -lt "${VOLOWN_SIZE_BUDGET:-102400}" ]
}

@test "--help documents every option, variable and exit code" {
	run "$VOLOWN" --help
	[ "$status" -eq 0 ]
	for word in --user --path --policy --cross-mounts --on-error --hardlinks --dry-run --quiet \
		--verbose --version VOLOWN_USER VOLOWN_PATHS VOLOWN_POLICY VOLOWN_ON_ERROR 125 126 127; do
		[[ "$output" == *"$word"* ]] || { echo "missing: $word"; false; }
	done
	run "$VOLOWN" -V
	[ "$status" -eq 0 ]
	[[ "$output" == "volown "[0-9]* ]]
}

@test "usage errors exit 125 with one volown: line naming the option or value" {
	for args in "--bogus" "-x" "--policy" "--policy sometimes" "--on-error maybe" "--hardlinks x" "--jobs 0" "-p"; do
		run "$VOLOWN" $args
		[ "$status" -eq 125 ] || { echo "$args: $status"; false; }
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == volown:* ]]
	done
	VOLOWN_POLICY=sometimes run "$VOLOWN" -u 0 -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"VOLOWN_POLICY"*sometimes* ]]
	VOLOWN_DRY_RUN=perhaps run "$VOLOWN" -u 0 -- true
	[ "$status" -eq 125 ]
}

@test "the command's status passes through; 126 and 127 as docker run" {
	require_root
	for code in 0 1 2 42 124 125 126 127 128 200 255; do
		run -"$code" "$VOLOWN" -q --user 1000 -- sh -c "exit $code"
		[ "$status" -eq "$code" ] || { echo "want $code got $status"; false; }
	done
	run -127 "$VOLOWN" --user 1000 -- no-such-command-anywhere
	[ "$status" -eq 127 ]
	[[ "$output" == *"no-such-command-anywhere"* ]]
	run -127 "$VOLOWN" --user 1000 -- /no/such/file
	[ "$status" -eq 127 ]
	printf 'x' >"$T/not-exec"
	chmod 0644 "$T/not-exec"
	run "$VOLOWN" --user 1000 -- "$T/not-exec"
	[ "$status" -eq 126 ]
	run "$VOLOWN" --user 1000 -- "$T"
	[ "$status" -eq 126 ]
}

@test "as root, a user is required when there is work; no COMMAND fixes and exits 0" {
	require_root
	run "$VOLOWN" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"no user given"* ]]
	mkdir "$T/vol"
	run "$VOLOWN" --user 1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "$T/vol")" = 1000 ]
}

@test "the drop: real, effective and saved ids; no capabilities; no way back" {
	require_root
	run "$VOLOWN" -q --user 1000:1000 -- sh -c 'grep -E "^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapAmb):" /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Uid:	1000	1000	1000	1000"* ]]
	[[ "$output" == *"Gid:	1000	1000	1000	1000"* ]]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapPrm:	0000000000000000"* ]]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	groups=$(printf '%s\n' "$output" | grep '^Groups:' | cut -f2)
	[ -z "${groups// /}" ]
	# a setuid-root helper would be the only way back; su/sudo are not there for us
	run "$VOLOWN" -q --user 1000:1000 -- sh -c 'echo x > /root/volown-test-denied'
	[ "$status" -ne 0 ]
}

# Each call of the drop made to do nothing (strace turns it into a no-op returning 0):
# the verification that follows the drop must see it and refuse to run the command.
# volown starts with supplementary groups and an inheritable capability, so that a
# setgroups or capset that did nothing would leave something behind.
@test "the drop is verified: a setresuid, setresgid, setgroups or capset that does nothing is caught" {
	require_root
	require_static
	local call
	for call in setresuid setresgid setgroups capset; do
		# the call, or its 32-bit-id twin (setresuid32, ...) of i386 and armhf
		run setpriv --groups 0,4,27 --inh-caps +chown strace -f -qq -o /dev/null \
			-e "inject=/^$call(32)?\$:retval=0" "$VOLOWN" -q --user 1000:1000 -- touch "$BATS_TEST_TMPDIR/ran"
		[ "$status" -eq 125 ] || { show_output; fail "$call as a no-op: exit status $status"; }
		[[ $output == "volown: "*"refusing to go on"* || $output == "volown: the ids did not take"* ]] ||
			{ show_output; fail "$call as a no-op: not the verification's message"; }
		[ ! -e "$BATS_TEST_TMPDIR/ran" ] || fail "$call as a no-op: the command ran"
	done
}

@test "HOME comes from passwd (set even when HOME was set), the rest of the environment stays" {
	require_root
	run env HOME=/elsewhere KEEP=me "$VOLOWN" -q --user nobody -- sh -c 'echo "$HOME $KEEP"'
	[ "$status" -eq 0 ]
	[ "$output" = "$(getent passwd nobody | cut -d: -f6) me" ]
}

@test "not root: no drop; a path the user cannot write is an error that says what to do" {
	require_root
	mkdir -p "$T/ok" "$T/no"
	chown 1000:1000 "$T/ok"
	run setpriv --reuid 1000 --regid 1000 --clear-groups "$VOLOWN" --path "$T/ok" -- id -u
	[ "$status" -eq 0 ]
	[ "$output" = 1000 ]
	run setpriv --reuid 1000 --regid 1000 --clear-groups "$VOLOWN" --path "$T/no" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"\`$T/no' is not writable by uid 1000"* ]]
	[[ "$output" == *"user: root"* ]]
	run setpriv --reuid 1000 --regid 1000 --clear-groups "$VOLOWN" --user 1000:1000 -- id -u
	[ "$status" -eq 0 ]
	run setpriv --reuid 1000 --regid 1000 --clear-groups "$VOLOWN" --user 0 -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"not root"* ]]
}

@test "volown doctor runs the host-side doctor, or says where it is missing" {
	if [ -x "$(dirname "$VOLOWN")/volown-doctor" ]; then
		run -0 env PATH=/nonexistent "$VOLOWN" doctor --help
	else
		run -127 env PATH=/nonexistent "$VOLOWN" doctor --help
		[[ "$output" == volown:*volown-doctor* ]]
	fi
}

@test "make install puts both programs and both man pages under PREFIX, make uninstall removes them" {
	require_static
	[ -x "$VOLOWN_ROOT/build/volown-doctor" ] || skip "the doctor is not built (its libraries are missing)"
	run make -s -C "$VOLOWN_ROOT" install PREFIX="$T/prefix"
	[ "$status" -eq 0 ] || { show_output; false; }
	cmp "$VOLOWN_ROOT/build/volown" "$T/prefix/bin/volown"
	cmp "$VOLOWN_ROOT/build/volown-doctor" "$T/prefix/bin/volown-doctor"
	[ "$(stat -c %a "$T/prefix/bin/volown")" = 755 ]
	[ "$(stat -c %a "$T/prefix/bin/volown-doctor")" = 755 ]
	grep -q '^\.SH SETUID MODE' "$T/prefix/share/man/man1/volown.1"
	grep -q '^\.TH VOLOWN-DOCTOR 1' "$T/prefix/share/man/man1/volown-doctor.1"
	# volown doctor finds the installed doctor beside itself, with no PATH at all
	run -0 env -i "$T/prefix/bin/volown" doctor --help
	[[ "$output" == *"Usage: volown doctor"* ]] || { show_output; false; }
	run make -s -C "$VOLOWN_ROOT" uninstall PREFIX="$T/prefix"
	[ "$status" -eq 0 ] || { show_output; false; }
	run find "$T/prefix" -type f
	[ -z "$output" ] || { show_output; fail "left behind by make uninstall"; }
}

@test "variables beat the config file both ways: VOLOWN_QUIET=0 over quiet = 1" {
	require_root
	mkdir -p "$T/vol"
	printf 'quiet = 1\nuser = 1000\npath = %s\n' "$T/vol" >"$T/q.conf"
	run "$VOLOWN" --config "$T/q.conf"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	VOLOWN_QUIET=0 run "$VOLOWN" --config "$T/q.conf"
	[[ "$output" == *"$T/vol: 1 entry checked"* ]]
	printf 'bogus line\n' >"$T/bad.conf"
	run "$VOLOWN" --config "$T/bad.conf"
	[ "$status" -eq 125 ]
	[ "$output" = "volown: $T/bad.conf:1: expected \`key = value', got \`bogus line'" ]
	printf 'user = 1000\npolicy = sometimes\n' >"$T/bad.conf"
	run "$VOLOWN" --config "$T/bad.conf"
	[ "$status" -eq 125 ]
	[[ "$output" == "volown: $T/bad.conf:2: policy: unknown policy \`sometimes'"* ]]
	run "$VOLOWN" --config "$T/missing.conf"
	[ "$status" -eq 125 ]
	[[ "$output" == "volown: cannot open the config file \`$T/missing.conf': No such file or directory" ]]
}

@test "group-add: lines of the config file add up; the variable replaces them, the option it" {
	require_root
	printf 'user = 1000:1000\ngroup-add = 4242\ngroup-add = 1\n' >"$T/g.conf"
	run "$VOLOWN" --config "$T/g.conf" -- id -G
	[ "$status" -eq 0 ] && [ "$output" = "1000 1 4242" ] || { show_output; false; }
	VOLOWN_GROUP_ADD=5,7 run "$VOLOWN" --config "$T/g.conf" -- id -G
	[ "$output" = "1000 5 7" ] || { show_output; false; }
	VOLOWN_GROUP_ADD=5,7 run "$VOLOWN" --config "$T/g.conf" --group-add 9 -- id -G
	[ "$output" = "1000 9" ] || { show_output; false; }
}

@test "the sources follow .clang-format" {
	command -v clang-format >/dev/null || skip "clang-format is not installed"
	cd "$VOLOWN_ROOT"
	run clang-format --dry-run --Werror src/*.c src/*.h
	[ "$status" -eq 0 ] || { echo "$output" | head -20; false; }
}

# On a host, a terminal given to the command's user would let that user type into the
# terminal of whoever started volown (root): the streams are handed over in a container
# only (tests/containers/streams.bats), never here.
@test "on a host, the terminal and pipes volown was given stay as they are" {
	require_root
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	run script -qec "$VOLOWN -q --user 1000:1000 -- stat -L -c 'stdin %u' /proc/self/fd/0" /dev/null
	[ "$status" -eq 0 ] || { show_output; fail "exit status $status"; }
	assert_output_has '^stdin 0'
	run sh -c "'$VOLOWN' -q --user 1000:1000 -- stat -L -c 'stdout %u' /proc/self/fd/1 | cat"
	assert_output_has '^stdout 0$'
}
