# Helpers for the adversarial suites: a volume owned by the attacker (uid 1000), an
# outside world owned by root next to it, and the proof that nothing outside moved.

load ../lib/common

ATTACKER_UID=1000

# Compile the attacker once per file (setup_file).
build_attacker() {
	ATTACKER=$BATS_FILE_TMPDIR/attacker
	[ -x "$ATTACKER" ] || cc -O2 -o "$ATTACKER" "$BATS_TEST_DIRNAME/attacker.c"
	chmod 0755 "$BATS_FILE_TMPDIR" "$ATTACKER"
	export ATTACKER
}

# Run a command as the attacker: uid and gid 1000, no supplementary group.
as_attacker() {
	setpriv --reuid "$ATTACKER_UID" --regid "$ATTACKER_UID" --clear-groups "$@"
}

# $T/vol (the attacker's, 0777 so that any target user may rename in it) and
# $T/outside (root's: a secret 0600 file, a 0644 file, a world-writable file, a dir).
make_world() {
	T=$(mktemp -d /tmp/volown-adv.XXXXXX)
	chmod 0755 "$T"
	mkdir -p "$T/vol" "$T/outside/dir/sub"
	echo secret >"$T/outside/secret"
	echo public >"$T/outside/public"
	echo shared >"$T/outside/writable"
	echo deep >"$T/outside/dir/sub/file"
	chmod 0600 "$T/outside/secret"
	chmod 0666 "$T/outside/writable"
	chown -R 0:0 "$T/outside"
	chown "$ATTACKER_UID:$ATTACKER_UID" "$T/vol"
	chmod 0777 "$T/vol"
	OUTSIDE_BEFORE=$(world_snapshot)
}

# Everything that must never change: the outside world (owner, group, mode, size,
# mtime, content), the owner and mode of $T and /tmp, and /etc's keys.
world_snapshot() {
	(cd "$T/outside" && find . -printf '%p %y %U:%G %m %s %T@\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r md5sum)
	stat -c '%n %U:%G %a' "$T" /tmp
	stat -c '%n %U:%G %a' /etc /etc/passwd /etc/shadow /etc/group # owners and modes: others may edit them
}

assert_world_unchanged() {
	local now
	now=$(world_snapshot)
	if [ "$now" != "$OUTSIDE_BEFORE" ]; then
		diff <(printf '%s\n' "$OUTSIDE_BEFORE") <(printf '%s\n' "$now") >&2
		fail "something outside the tree changed"
	fi
}

# Contents and mtimes of regular files under $1 (what the walk must never change).
content_snapshot() {
	(cd "$1" && find . -type f -printf '%p %s %T@\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r md5sum)
}

cleanup_world() {
	[ -n "${T:-}" ] || return 0
	umount -R "$T/vol/mnt" 2>/dev/null || true
	rm -rf "$T"
}

# volown with a bound on its run time: 124 means it hung.
volown_t() {
	timeout 120 "$VOLOWN" "$@"
}

# The status of a walk under attack: 0 (fixed, perhaps with warnings) or 125 (the
# tree moved under it: stopped, reported). Anything else is a failure.
assert_documented_status() {
	case $status in
	0 | 125) ;;
	*) show_output; fail "exit status $status (expected 0 or 125)" ;;
	esac
}
