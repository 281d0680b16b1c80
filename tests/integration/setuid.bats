#!/usr/bin/env bats
# Setuid mode, on the host: volown installed root:root 4755 and started by a non-root
# user. Each run is in a private mount namespace with a test /etc (holding the
# root-owned volown.conf) and a fresh /run for the once-per-container marker.

load helpers

setup() {
	require_root
	require_volown
	require_static # a setuid sanitizer build would trust ASAN_OPTIONS from its caller
	T=$(mktemp -d /tmp/volown-setuid.XXXXXX)
	chmod 0755 "$T"
	install -o 0 -g 0 -m 4755 "$VOLOWN" "$T/volown"
	mkdir -p "$T/etc" "$T/run" "$T/vol/sub"
	echo data >"$T/vol/sub/file"
	chown -R 0:0 "$T/vol"
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nother:x:1001:1001::/:/bin/sh\n' >"$T/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\nother:x:1001:\n' >"$T/etc/group"
	printf '# fixed for whoever runs the program\npath = %s\n' "$T/vol" >"$T/etc/volown.conf"
}

teardown() {
	rm -rf "${T:-/nonexistent}"
}

# as UID[:GID] COMMAND...: run COMMAND as that user, in the namespace with the test
# /etc and the container's /run (kept across calls, as in one container).
as() {
	local uid=${1%%:*} gid=${1##*:}
	shift
	unshare -m sh -c 'mount --bind "$1/etc" /etc && mount --bind "$1/run" /run && gid=$2 && shift 2 &&
		exec setpriv --reuid "$0" --regid "$gid" --clear-groups -- "$@"' "$uid" "$T" "$gid" "$@" 2>&1
}

@test "the caller's volume is fixed to the caller, then every privilege is gone" {
	run as 1000:1000 "$T/volown" -- sh -c 'grep -E "^(Uid|Gid|CapInh|CapPrm|CapEff|CapAmb):" /proc/self/status'
	[ "$status" -eq 0 ]
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ]
	[[ "$output" == *"Uid:	1000	1000	1000	1000"* ]]
	[[ "$output" == *"Gid:	1000	1000	1000	1000"* ]]
	[[ "$output" == *"CapPrm:	0000000000000000"* ]]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	[ "$(stat -c %u "$T/run/volown.once")" = 0 ]
}

@test "the privileged work is done once per container; later calls only run the command" {
	run as 1000:1000 "$T/volown"
	[ "$status" -eq 0 ]
	touch "$T/vol/later-root-file"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "$T/vol/later-root-file")" = 0 ]
	# and a second user cannot use it to take the volume
	run as 1001:1001 "$T/volown" -- id -u
	[ "$status" -eq 0 ]
	[ "$output" = 1001 ]
	[ -z "$(wrong_owners "$T/vol" 1000:1000 | grep -v later-root-file)" ]
	[ "$(stat -c %u "$T/vol")" = 1000 ]
}

@test "options and VOLOWN_* variables are refused or ignored" {
	for opt in "--user=0" "--path=/etc" "-p/etc" "--config=/tmp/x" "--dry-run" "--auto"; do
		run as 1000:1000 "$T/volown" "$opt" -- true
		[ "$status" -eq 125 ] || { echo "$opt accepted"; false; }
		[[ "$output" == *"takes no option"* ]]
	done
	mkdir -p "$T/elsewhere"
	run as 1000:1000 env VOLOWN_PATHS="$T/elsewhere" VOLOWN_USER=0 VOLOWN_CONFIG=/nonexistent "$T/volown" -- id -u
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1000 ]
	[ "$(stat -c %u "$T/elsewhere")" = 0 ]
	run as 1000:1000 "$T/volown" doctor --help
	[ "$status" -eq 125 ]
	[[ "$output" == *"never runs setuid"* ]]
}

@test "/etc/volown.conf must be root's own, writable by root alone, never a symlink" {
	chmod 0664 "$T/etc/volown.conf"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"writable by root alone"* ]]
	chmod 0644 "$T/etc/volown.conf"
	chown 1000 "$T/etc/volown.conf"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 125 ]
	chown 0 "$T/etc/volown.conf"
	mv "$T/etc/volown.conf" "$T/real.conf"
	ln -s "$T/real.conf" "$T/etc/volown.conf"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 125 ]
	rm "$T/etc/volown.conf"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"needs \`/etc/volown.conf'"* ]]
	[ "$(stat -c %u "$T/vol")" = 0 ]
}

@test "the config file cannot name a user, add a group, turn on --auto or change hard links" {
	for line in "user = 0" "group-add = 0" "auto = 1" "hardlinks = change" "dry-run = 1"; do
		printf 'path = %s\n%s\n' "$T/vol" "$line" >"$T/etc/volown.conf"
		run as 1000:1000 "$T/volown" -- true
		[ "$status" -eq 125 ] || { echo "$line accepted"; false; }
		[[ "$output" == *"volown.conf:2: "*"not allowed when volown runs setuid"* ]]
	done
	printf 'path = %s\nconfig = /x\n' "$T/vol" >"$T/etc/volown.conf"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"volown.conf:2: unknown key \`config'"* ]]
	[ "$(stat -c %u "$T/vol")" = 0 ]
}

@test "a hard link to a file the caller does not own is never changed" {
	mkdir -p "$T/outside"
	echo secret >"$T/outside/secret"
	ln "$T/outside/secret" "$T/vol/link"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$T/outside/secret")" = 0:0 ]
	[[ "$output" == *"hard links"* ]]
}

@test "a run that fails leaves no marker: the next run fixes the volume" {
	printf 'path = %s\npath = %s\n' "$T/vol" "$T/later" >"$T/etc/volown.conf"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 125 ] || { show_output; fail "a missing path did not fail"; }
	[ ! -e "$T/run/volown.once" ] || fail "the marker was left by a failed run"
	mkdir "$T/later"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 0 ] || { show_output; fail "the second run failed"; }
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ] || fail "the volume was not fixed by the second run"
	[ "$(stat -c %u "$T/later")" = 1000 ]
	[ "$(stat -c %u:%g "$T/run/volown.once")" = 0:0 ]
}

@test "a run killed during the walk leaves no marker: the next run fixes the volume" {
	local procs cg="volown-test-setuid-$$"
	mkdir -p "$T/vol/many"
	(cd "$T/vol/many" && seq 1 20000 | xargs touch)
	# at 1% of a CPU, the walk of 20,000 entries takes many seconds: killed surely in it
	procs=$(cpu_throttle "$cg" 1) || skip "no cgroup to slow the walk down here"
	(echo "$BASHPID" >"$procs" && as 1000:1000 "$T/volown" -- true) &
	sleep 2
	pkill -KILL -f "^$T/volown" || fail "the walk was not running"
	wait || true
	cpu_throttle_remove "$cg"
	[ "$(stat -c %u "$T/vol")" = 0 ] || fail "the walk had finished before it was killed"
	[ -n "$(find "$T/vol" -user 1000)" ] || fail "the walk had not started when it was killed"
	[ ! -e "$T/run/volown.once" ] || fail "the marker was left by a killed run"
	run as 1000:1000 "$T/volown" -- true
	[ "$status" -eq 0 ] || { show_output; fail "the second run failed"; }
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ] || fail "the volume was not fixed by the second run"
}

@test "two runs at once: one walks, the other waits and does nothing" {
	mkdir -p "$T/vol/many"
	(cd "$T/vol/many" && seq 1 5000 | xargs touch)
	# hold the lock so that both start, then let them race for it
	touch "$T/run/volown.lock"
	exec {held}<"$T/run/volown.lock"
	flock -x "$held"
	as 1000:1000 "$T/volown" -- true >"$T/one.out" 2>&1 {held}<&- &
	a=$!
	as 1000:1000 "$T/volown" -- true >"$T/two.out" 2>&1 {held}<&- &
	b=$!
	sleep 1
	exec {held}<&-
	wait "$a" || fail "the first run failed: $(cat "$T/one.out")"
	wait "$b" || fail "the second run failed: $(cat "$T/two.out")"
	walks=$(cat "$T/one.out" "$T/two.out" | grep -c 'entries checked')
	[ "$walks" -eq 1 ] || fail "$walks walks: $(cat "$T/one.out" "$T/two.out")"
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ]
}

@test "--mkdir under the caller's umask 0777: the parents volown makes are root:root 0755" {
	printf 'mkdir = 1\npath = %s\n' "$T/new/a/data" >"$T/etc/volown.conf"
	run as 1000:1000 sh -c "umask 0777 && exec '$T/volown' -- sh -c 'umask; id -u'"
	[ "$status" -eq 0 ] || { show_output; fail "volown failed"; }
	[ "$(stat -c '%u:%g %a' "$T/new" "$T/new/a")" = "0:0 755
0:0 755" ] || fail "parents: $(stat -c '%n %u:%g %a' "$T/new" "$T/new/a")"
	[ "$(stat -c '%u:%g %a' "$T/new/a/data")" = "1000:1000 755" ] ||
		fail "path: $(stat -c '%u:%g %a' "$T/new/a/data")"
	# the command keeps the caller's umask
	[ "${lines[-2]}" = 0777 ] || { show_output; fail "the umask was not the caller's"; }
}
