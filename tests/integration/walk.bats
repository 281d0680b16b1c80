#!/usr/bin/env bats
# The ownership walk, run as root by the real static binary on real trees. After each
# run every entry is checked with lstat (find -printf), and so is everything outside.

load helpers

setup() {
	require_root
	require_volown
	T=$(mktemp -d /tmp/volown-walk.XXXXXX)
	chmod 0755 "$T"
}

teardown() {
	[ -n "${T:-}" ] || return 0
	umount -R "$T/vol/mnt" 2>/dev/null || true
	umount -R "$T/vol" 2>/dev/null || true
	rm -rf "$T"
}

@test "mixed owners: every entry ends 1000:1000, symlinks themselves, nothing outside" {
	make_mixed_tree "$T"
	before_out=$(snapshot "$T/outside")
	before_in=$(snapshot_content "$T/vol")
	run "$VOLOWN" --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/vol: 14 entries checked, 14 changed in "* ]]
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ]
	[ "$(stat -c %u:%g "$T/vol/abs-link")" = 1000:1000 ]   # the link, not its target
	[ "$(snapshot "$T/outside")" = "$before_out" ]
	[ "$(snapshot_content "$T/vol")" = "$before_in" ]
}

@test "the summary counts in words: 1 entry, 2 entries" {
	mkdir -p "$T/one" "$T/two/d"
	run "$VOLOWN" --user 1000:1000 --path "$T/one" --path "$T/two"
	[ "$status" -eq 0 ]
	[[ "$output" == *"volown: $T/one: 1 entry checked, 1 changed in "* ]]
	[[ "$output" == *"volown: $T/two: 2 entries checked, 2 changed in "* ]]
	run "$VOLOWN" --user 1000:1000 --path "$T/one"
	[[ "$output" == *"volown: $T/one: 1 entry checked, 0 changed in "* ]]
}

@test "an already-right tree: nothing changed, and no chown call at all" {
	make_mixed_tree "$T"
	chown -hR 1000:1000 "$T/vol"
	# every chown call, the 32-bit ones (fchown32, ...) of i386 and armhf included
	run strace -f -qq -e trace=/chown "$VOLOWN" --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[[ "$output" == *"14 entries checked, 0 changed"* ]]
	[[ "$output" != *chown* ]]
}

@test "only the group is wrong: it is fixed (the docker-library idiom misses this)" {
	mkdir -p "$T/vol/d"
	touch "$T/vol/d/f"
	chown -R 1000:0 "$T/vol"
	run "$VOLOWN" --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ]
}

@test "post-order: the root is changed last, after every entry below it" {
	mkdir -p "$T/vol/a/b"
	touch "$T/vol/a/b/f" "$T/vol/g"
	run strace -f -qq -e trace=/chown -e signal=none "$VOLOWN" -q --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	calls=$(printf '%s\n' "$output" | grep -c 'chown.*= 0$')
	[ "$calls" -eq 5 ]
	# the root is fchown()ed through its own descriptor, and it is the very last call
	last=$(printf '%s\n' "$output" | grep chown | tail -n 1 | sed 's/^\[pid *[0-9]*\] //')
	[[ "$last" =~ ^fchown(32)?\(.*1000,\ 1000\) ]]
	[ "$(stat -c %u "$T/vol")" = 1000 ]
}

@test "a nested mount (tmpfs) is left alone unless --cross-mounts" {
	mkdir -p "$T/vol/mnt"
	touch "$T/vol/top"
	mount -t tmpfs -o mode=0755 tmpfs "$T/vol/mnt"
	touch "$T/vol/mnt/inside"
	run "$VOLOWN" --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$T/vol/top")" = 1000:1000 ]
	[ "$(stat -c %u:%g "$T/vol/mnt")" = 0:0 ]
	[ "$(stat -c %u:%g "$T/vol/mnt/inside")" = 0:0 ]
	run "$VOLOWN" --user 1000:1000 --cross-mounts --path "$T/vol"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$T/vol/mnt/inside")" = 1000:1000 ]
	[ "$(stat -c %u:%g "$T/vol/mnt")" = 1000:1000 ]
}

@test "a bind mount of an outside directory inside the tree is left alone" {
	mkdir -p "$T/vol/mnt" "$T/outside"
	touch "$T/outside/precious"
	mount --bind "$T/outside" "$T/vol/mnt"
	run "$VOLOWN" --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$T/outside/precious")" = 0:0 ]
	[ "$(stat -c %u:%g "$T/outside")" = 0:0 ]
}

@test "a tree deeper than PATH_MAX (1500 levels) is walked in full" {
	mkdir -p "$T/vol"
	(cd "$T/vol" && for i in $(seq 1500); do mkdir d_with_a_longer_name && cd d_with_a_longer_name || exit 1; done && touch leaf)
	run "$VOLOWN" --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1502 entries checked, 1502 changed"* ]]
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ]
}

@test "more directories open than the fd limit allows: deep and wide under ulimit -n 32" {
	mkdir -p "$T/vol/wide"
	(cd "$T/vol" && for i in $(seq 300); do mkdir d && cd d || exit 1; done)
	(cd "$T/vol/wide" && mkdir $(seq 500))
	run sh -c 'ulimit -n 32 && exec "$0" --user 1000:1000 --path "$1"' "$VOLOWN" "$T/vol"
	[ "$status" -eq 0 ]
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ]
}

@test "a hard-linked file is left alone with a warning, changed with --hardlinks change" {
	mkdir -p "$T/vol" "$T/outside"
	echo x >"$T/outside/target"
	ln "$T/outside/target" "$T/vol/link"
	run "$VOLOWN" --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[[ "$output" == *"has 2 hard links"* ]]
	[ "$(stat -c %u:%g "$T/outside/target")" = 0:0 ]
	run "$VOLOWN" --user 1000:1000 --hardlinks change --path "$T/vol"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$T/outside/target")" = 1000:1000 ]
}

@test "--dry-run lists what would change and changes nothing" {
	make_mixed_tree "$T"
	before=$(snapshot "$T")
	run "$VOLOWN" --dry-run --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[[ "$output" == *"would change $T/vol/a/b: 4242:4242 -> 1000:1000"* ]]
	[[ "$output" == *"14 entries checked, 14 would change"* ]]
	[ "$(snapshot "$T")" = "$before" ]
}

@test "--policy root-mismatch skips a path whose root is right, always checks all" {
	mkdir -p "$T/vol/sub"
	chown 1000:1000 "$T/vol"
	run "$VOLOWN" --user 1000:1000 --policy root-mismatch --path "$T/vol"
	[ "$status" -eq 0 ]
	[[ "$output" == *"walk skipped (--policy root-mismatch)"* ]]
	[ "$(stat -c %u "$T/vol/sub")" = 0 ]
	VOLOWN_POLICY=root-mismatch run "$VOLOWN" --user 1000:1000 --policy always --path "$T/vol"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "$T/vol/sub")" = 1000 ]
}

@test "several paths, from --path and from VOLOWN_PATHS (the option wins)" {
	mkdir -p "$T/one" "$T/two" "$T/three"
	VOLOWN_PATHS="$T/one:$T/two" run "$VOLOWN" --user 1000:1000
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "$T/one")" = 1000 ]
	[ "$(stat -c %u "$T/two")" = 1000 ]
	VOLOWN_PATHS="$T/one" run "$VOLOWN" --user 2000:2000 --path "$T/three"
	[ "$(stat -c %u "$T/three")" = 2000 ]
	[ "$(stat -c %u "$T/one")" = 1000 ]
}

@test "a missing path is an error naming it (125), which says that --mkdir creates it" {
	run "$VOLOWN" --user 1000 --path "$T/nope" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == "volown: \`$T/nope': no such file or directory; --mkdir creates it (or \`$T/nope:mkdir' for this path alone)" ]]
	run "$VOLOWN" --user 1000 --path "$T/nope/deeper" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == "volown: \`$T/nope/deeper': \`$T/nope' no such file or directory; --mkdir creates it (or \`$T/nope/deeper:mkdir' for this path alone)" ]]
}

@test "/ and the system directories are refused, by name and through a trusted symlink" {
	# a dry run without the chown capabilities, its listing thrown away: a build that lost
	# its refusal list (make mutants) can change nothing of this machine
	dry_run_as_nobody() {
		timeout 60 setpriv --bounding-set=-chown,-fowner "$VOLOWN" --dry-run --user 1000 --path "$1" 2>&1 >/dev/null
	}
	for p in / /etc /usr /proc /sys /dev /bin /sbin /lib /lib64 /boot /var /run /etc/ /usr/./ /tmp/../etc; do
		run dry_run_as_nobody "$p"
		[ "$status" -eq 125 ] || { echo "$p accepted"; false; }
		[[ "$output" == *"system directory"* ]]
	done
	ln -s /etc "$T/etc-link"
	run dry_run_as_nobody "$T/etc-link"
	[ "$status" -eq 125 ]
	[[ "$output" == *"system directory"* ]]
}

@test "a symlink a user planted in the configured path is refused; root's own is followed" {
	mkdir -p "$T/userdir" "$T/real"
	chown 1000 "$T/userdir"
	ln -s "$T/real" "$T/userdir/vol"
	run "$VOLOWN" --user 1000 --path "$T/userdir/vol"
	[ "$status" -eq 125 ]
	[[ "$output" == *"symbolic link that a non-root user could have made"* ]]
	[ "$(stat -c %u "$T/real")" = 0 ]
	# a link root made in a directory only root can write is followed
	ln -s "$T/real" "$T/rootlink"
	run "$VOLOWN" --user 1000 --path "$T/rootlink"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "$T/real")" = 1000 ]
	# and a root-owned link in a world-writable directory is not
	mkdir -p "$T/public"
	chmod 1777 "$T/public"
	ln -s "$T/real" "$T/public/vol"
	run "$VOLOWN" --user 1000 --path "$T/public/vol"
	[ "$status" -eq 125 ]
}

@test "a path that is a file is refused" {
	touch "$T/file"
	run "$VOLOWN" --user 1000 --path "$T/file"
	[ "$status" -eq 125 ]
	[[ "$output" == *"not a directory"* ]]
}

@test "a read-only filesystem is a warning and the path is skipped" {
	mkdir -p "$T/vol"
	mount -t tmpfs -o ro tmpfs "$T/vol"
	run "$VOLOWN" --user 1000 --path "$T/vol" -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"is on a read-only filesystem: left alone"* ]]
}

@test "a chown refused by the filesystem (root squash) fails with 125 naming the entry, or warns" {
	command -v bindfs >/dev/null || skip "bindfs is not installed"
	mkdir -p "$T/backing/sub" "$T/vol"
	touch "$T/backing/sub/file"
	bindfs --chown-deny --chgrp-deny "$T/backing" "$T/vol" || skip "cannot mount bindfs here"
	run "$VOLOWN" --user 1000:1000 --path "$T/vol" -- true
	umount_later=1
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot change the owner of \`$T/vol/sub/file': Operation not permitted"* ]]
	run "$VOLOWN" --user 1000:1000 --on-error warn --path "$T/vol" -- true
	fusermount -u "$T/vol" 2>/dev/null || umount "$T/vol"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "an entry that vanishes during the walk is ignored" {
	mkdir -p "$T/vol"
	for i in $(seq 2000); do : >"$T/vol/f$i"; done
	( for i in $(seq 2000); do rm -f "$T/vol/f$i"; done ) &
	run "$VOLOWN" --user 1000 --path "$T/vol"
	wait
	[ "$status" -eq 0 ]
}

@test "where the docker-library find idiom changes a file outside the volume, volown does not" {
	for side in idiom volown; do
		mkdir -p "$T/$side/vol" "$T/$side/outside"
		echo secret >"$T/$side/outside/secret"
		ln -s "$T/$side/outside/secret" "$T/$side/vol/link"
		chown -h 0:0 "$T/$side/vol/link"
	done
	# the idiom, for reference: chown on each symlink it finds follows it
	find "$T/idiom/vol" \! -user 1000 -exec chown 1000:1000 {} +
	[ "$(stat -c %u "$T/idiom/outside/secret")" = 1000 ]
	run "$VOLOWN" -q --user 1000:1000 --path "$T/volown/vol"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$T/volown/outside/secret")" = 0:0 ]
	[ "$(stat -c %u:%g "$T/volown/vol/link")" = 1000:1000 ]
}

@test "a walk longer than 2 s says how far it is every 2 s" {
	mkdir -p "$T/vol"
	for i in $(seq 32); do : >"$T/vol/f$i"; done
	# every stat call made slow (100 ms), as on a slow network filesystem
	run strace -f -qq -o /dev/null -e inject=statx:delay_enter=100000 \
		"$VOLOWN" --jobs 1 --user 1000:1000 --path "$T/vol"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c "entries checked, .* changed so far")" -ge 2 ]
	[[ "${lines[-1]}" == *"$T/vol: 33 entries checked, 33 changed in "* ]]
}

@test "with --on-error warn, a path left incomplete keeps its root, so root-mismatch walks it again" {
	mkdir -p "$T/vol/d"
	touch "$T/vol/d/stuck" "$T/vol/d/fine"
	chattr +i "$T/vol/d/stuck" || skip "no immutable files on this filesystem"
	run "$VOLOWN" --user 1000:1000 --on-error warn --policy root-mismatch --path "$T/vol"
	[ "$status" -eq 0 ]
	[[ "$output" == *"cannot change the owner of \`$T/vol/d/stuck': Operation not permitted"* ]]
	[[ "$output" == *"left as it is, since entries below it are not fixed"* ]]
	[ "$(stat -c %u "$T/vol/d/fine")" = 1000 ]
	[ "$(stat -c %u "$T/vol")" = 0 ]
	chattr -i "$T/vol/d/stuck"
	run "$VOLOWN" --user 1000:1000 --policy root-mismatch --path "$T/vol"
	[ "$status" -eq 0 ]
	[ -z "$(wrong_owners "$T/vol" 1000:1000)" ]
}

@test "--policy root-mismatch with --chmod: a root with the right owner but not the right mode is walked" {
	mkdir -p "$T/vol/d"
	touch "$T/vol/d/f"
	chown -R 1000:1000 "$T/vol"
	run "$VOLOWN" --user 1000:1000 --chmod g+rwX --policy root-mismatch --path "$T/vol"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$T/vol/d/f")" = 664 ]
	[ "$(stat -c %a "$T/vol")" = 775 ]
	run "$VOLOWN" --user 1000:1000 --chmod g+rwX --policy root-mismatch --path "$T/vol"
	[[ "$output" == *"walk skipped"* ]]
}

@test "--mkdir: missing parents stay root's, the path is the user's; a system directory is never made" {
	mkdir -p "$T/top"
	run "$VOLOWN" --user 1000:1000 --mkdir --path "$T/top/a/b/data"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$T/top/a")" = 0:0 ]
	[ "$(stat -c %u:%g "$T/top/a/b")" = 0:0 ]
	[ "$(stat -c %u:%g "$T/top/a/b/data")" = 1000:1000 ]
	[ ! -e /libvolowntest ]
	run "$VOLOWN" --user 1000:1000 --mkdir --path /libvolowntest/data
	[ "$status" -eq 125 ]
	[[ "$output" == *"/libvolowntest"*"system directory"* ]]
	[ ! -e /libvolowntest ]
	run "$VOLOWN" --dry-run --user 1000:1000 --mkdir --path "$T/new/one"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/new/one: missing, would be created (--mkdir)"* ]]
	[ ! -e "$T/new" ]
}

@test "an error deep below PATH_MAX still names the entry and the system's reason" {
	mkdir -p "$T/vol"
	local name
	name=$(printf 'n%.0s' $(seq 200))
	(cd "$T/vol" && for i in $(seq 25); do mkdir "$name" && cd "$name" || exit 1; done &&
		touch last-entry && chattr +i last-entry) || skip "no immutable files on this filesystem"
	run "$VOLOWN" --jobs 1 --user 1000:1000 --path "$T/vol" -- true
	(cd "$T/vol" && for i in $(seq 25); do cd "$name" || exit 1; done && chattr -i last-entry)
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot change the owner of \`$T/vol/nnn"*"...nnnn"*"/last-entry': Operation not permitted"* ]]
}

# Two identical trees of set-ID files and directories, one given to 1000:1000 by GNU
# chown, the other by volown: the modes must be the same entry by entry.
@test "set-ID bits end as chown(1) leaves them: a file that changes owner keeps no set-user-ID" {
	local m i=0
	for side in chown volown; do
		mkdir -p "$T/$side/dir" "$T/$side/sgid-dir" "$T/$side/right"
		for m in 4755 2755 2745 6755 6711 4644 1755 0755; do
			echo "$m" >"$T/$side/f$m"
			chmod "$m" "$T/$side/f$m"
		done
		chmod 2775 "$T/$side/sgid-dir"
		echo kept >"$T/$side/right/already-theirs"
		chown 1000:1000 "$T/$side/right/already-theirs"
		chmod 4755 "$T/$side/right/already-theirs" # no chown: nothing to drop
	done
	chown -R 1000:1000 "$T/chown"
	run "$VOLOWN" --user 1000:1000 --path "$T/volown"
	[ "$status" -eq 0 ] || { show_output; fail "volown failed"; }
	# chown(1) calls chown even on an entry already right (the kernel then drops its
	# set-user-ID too); volown leaves such an entry alone: compared apart, below
	want=$(cd "$T/chown" && find . -path ./right -prune -o -printf '%p %U:%G %m\n' | LC_ALL=C sort)
	got=$(cd "$T/volown" && find . -path ./right -prune -o -printf '%p %U:%G %m\n' | LC_ALL=C sort)
	if [ "$want" != "$got" ]; then
		diff <(echo "$want") <(echo "$got") >&2
		fail "volown's modes differ from chown(1)'s"
	fi
	# the point of it, said outright: no set-user-ID file now belongs to the user, unless
	# it already did
	[ "$(stat -c %a "$T/volown/f4755")" = 755 ] || fail "f4755 kept its set-user-ID bit"
	[ "$(stat -c %a "$T/volown/right/already-theirs")" = 4755 ] || fail "an untouched file changed"
}

# A name is the attacker's: it must not forge a volown: line nor reach the terminal as
# a control sequence, on stdout (-n, -v) or stderr (warnings, summaries).
@test "every name printed is escaped: one message stays one line, no control byte gets out" {
	local evil bad out
	evil=$(printf 'x\nvolown: data: 0 entries checked, 0 changed in 0.000 s\n\033[2J\033]0;owned\007')
	bad=$(printf 'bad\377\302\233\342\200\256end')
	mkdir -p "$T/vol/$evil" "$T/vol/d"
	echo a >"$T/vol/$evil/$bad"
	echo b >"$T/vol/d/$evil"
	ln "$T/vol/d/$evil" "$T/vol/d/link" # hard-linked: a warning naming it
	for opts in "-n" "-v" ""; do
		chown -R 0:0 "$T/vol"
		out=$("$VOLOWN" $opts --user 1000:1000 --path "$T/vol" 2>&1) || true
		# the names are there, escaped
		[[ $out == *'x\nvolown: data: 0 entries checked'*'\x1b[2J\x1b]0;owned\x07'* ]] ||
			fail "[$opts] the name is not shown escaped: $out"
		if [ "$opts" = -n ]; then
			[[ $out == *'bad\xff\xc2\x9b\xe2\x80\xaeend'* ]] || fail "[$opts] bytes not escaped: $out"
		fi
		# no control byte but the newlines that end lines, nothing outside UTF-8
		if printf '%s' "$out" | LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]'; then
			fail "[$opts] a control byte got out: $(printf '%s' "$out" | cat -A)"
		fi
		if ! printf '%s' "$out" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then
			fail "[$opts] output is not UTF-8: $(printf '%s' "$out" | cat -A)"
		fi
		# exactly one summary line: none forged
		[ "$(printf '%s\n' "$out" | grep -c '^volown: [^`]* entries checked')" -eq 1 ] ||
			fail "[$opts] a forged summary line: $out"
		# every line is volown's own: a message, or a -n/-v listing line
		while IFS= read -r line; do
			case $line in
			"volown: "* | "would change $T/vol"* | "changed $T/vol"*) ;;
			*) fail "[$opts] a line that is not volown's: [$line]" ;;
			esac
		done <<<"$out"
	done
}
