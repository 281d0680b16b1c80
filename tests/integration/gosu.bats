#!/usr/bin/env bats
# volown --user against the real gosu: for every spec, the same `id` and the same HOME.
# Both run as root in a private mount namespace whose /etc holds only a test passwd and
# group (tests/lib/common.bash, in_etc).

load ../lib/common


setup_file() {
	export WORK="$BATS_FILE_TMPDIR/etc"
	mkdir -p "$WORK"
	cat >"$WORK/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
games:x:5:60:games:/usr/games:/usr/sbin/nologin
mailhog:x:1000:1000:MailHog:/home/mailhog:/bin/sh
multi:x:1001:1001::/home/multi:/bin/sh
1002:x:1003:1003::/home/numeric-name:/bin/sh
nohome:x:1004:1004::/:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PW
	cat >"$WORK/group" <<'GR'
root:x:0:
daemon:x:1:
audio:x:29:multi,nobody
video:x:44:nobody,multi
games:x:60:
users:x:100:games,mailhog,nobody
mailhog:x:1000:
multi:x:1001:
1000:x:4242:
nogroup:x:65534:
#wheel:x:0:multi,mailhog
  #docker:x:999:multi
GR
}

# Runs "$@" with the test passwd and group, printing what it printed and its status.
in_ns() {
	in_etc "$WORK" "$@"
}

probe='echo "$(id -u):$(id -g):$(id -G) home=$HOME"'

@test "every valid spec gives the same ids, groups and HOME as gosu" {
	require_root
	command -v gosu >/dev/null || skip "gosu is not installed"
	local fails=0 spec
	for spec in root 0 '' : 0: :0 0:0 root:root 0:root root:0 daemon 1 +1 001 -0 games \
		games:daemon 5:60 mailhog 1000 mailhog:mailhog mailhog:daemon mailhog:1000 mailhog:77 \
		multi 1001 1002 1003 nohome nobody 65534 nobody:root 12345 12345:54321 12345:daemon \
		12345:root 1000:1000 0:1000 root:1000 1000:root 2147483647 2147483647:2147483647 \
		mailhog:daemon:extra 1000:1000:1000; do
		want=$(HOME=/bogus in_ns gosu "$spec" sh -c "$probe")
		got=$(HOME=/bogus in_ns "$VOLOWN" -q --user "$spec" -- sh -c "$probe")
		if [ "$want" != "$got" ]; then
			echo "spec [$spec]: gosu [$want] volown [$got]"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "every spec gosu refuses, volown refuses with exit 125 and a volown: message" {
	require_root
	command -v gosu >/dev/null || skip "gosu is not installed"
	local fails=0 spec
	for spec in 0day nosuch ' 1' 0x10 -1 2147483648 99999999999999999999 root:nosuch 0:bogus \
		0:0day 1:-1 0:99999999999999999999 'mailhog:' 'mail hog' bogus:0 '#wheel' 'multi:#wheel'; do
		want=$(in_ns gosu "$spec" true | tail -n 1)
		got=$(in_ns "$VOLOWN" --user "$spec" -- true)
		if [ "$want" = "status=0" ]; then
			# gosu accepts it: then volown must behave the same
			[ "$(in_ns "$VOLOWN" -q --user "$spec" -- sh -c "$probe")" = "$(in_ns gosu "$spec" sh -c "$probe")" ] ||
				{ echo "spec [$spec]: accepted by gosu, different in volown"; fails=$((fails + 1)); }
			continue
		fi
		case "$got" in
		volown:*status=125) ;;
		*) echo "spec [$spec]: gosu [$want] volown [$got]"; fails=$((fails + 1)) ;;
		esac
	done
	[ "$fails" -eq 0 ]
}

@test "without a passwd file, numeric specs still work as in gosu" {
	require_root
	command -v gosu >/dev/null || skip "gosu is not installed"
	mkdir -p "$WORK/none"
	: >"$WORK/none/passwd"
	: >"$WORK/none/group"
	for spec in 1000 1000:1000 0:1000; do
		want=$(in_etc "$WORK/none" gosu "$spec" sh -c "$probe")
		got=$(in_etc "$WORK/none" "$VOLOWN" -q --user "$spec" -- sh -c "$probe")
		[ "$want" = "$got" ] || { echo "spec [$spec]: gosu [$want] volown [$got]"; false; }
	done
}

# --group-add gives what `docker run --group-add` gives: the spec's groups as gosu
# resolves them, then each added group (a number is a gid, a name is looked up in
# /etc/group), once. The reference is gosu's `id` with the expected gids added; the
# kernel keeps supplementary groups sorted, so both lists are compared sorted.
sorted_groups() { # "uid:gid:G G G home=H" with the groups sorted and each once
	local ids=${1%% home=*} rest=${1#* home=}
	printf '%s:%s:%s home=%s' "${ids%%:*}" "$(echo "$ids" | cut -d: -f2)" \
		"$(echo "${ids##*:}" | tr ' ' '\n' | sort -nu | paste -sd' ')" "$rest"
}

@test "--group-add: gosu's groups plus each added group, names and numbers, once" {
	require_root
	command -v gosu >/dev/null || skip "gosu is not installed"
	local fails=0 spec want got
	for spec in multi mailhog mailhog:daemon 12345 nobody:root 0; do
		# games is gid 60; "1000" is a number, so gid 1000 (not the group named 1000,
		# gid 4242); audio (29) is already multi's and nobody's.
		want=$(HOME=/bogus in_ns gosu "$spec" sh -c "$probe")
		want=$(sorted_groups "$(printf '%s' "$want" | sed 's/ home=/ 60 4242 1000 29 home=/')")
		got=$(HOME=/bogus in_ns "$VOLOWN" -q --user "$spec" --group-add games \
			--group-add 4242 --group-add 1000 --group-add audio -- sh -c "$probe")
		if [ "$want" != "$(sorted_groups "$got")" ]; then
			echo "spec [$spec]: want [$want] volown [$got]"
			fails=$((fails + 1))
		fi
		got=$(HOME=/bogus VOLOWN_GROUP_ADD=games,4242,,1000,audio in_ns "$VOLOWN" -q \
			--user "$spec" -- sh -c "$probe")
		[ "$want" = "$(sorted_groups "$got")" ] ||
			{ echo "VOLOWN_GROUP_ADD, spec [$spec]: [$got]"; fails=$((fails + 1)); }
	done
	[ "$fails" -eq 0 ]
}

@test "--group-add: an unknown name, a commented one, an id out of range or an empty word exit 125" {
	require_root
	local word got
	for word in nosuch '#wheel' 2147483648 -1 ''; do
		got=$(in_ns "$VOLOWN" --user mailhog --group-add "$word" -- true)
		case "$got" in
		"volown: --group-add \`$word': "*status=125) ;;
		*) echo "word [$word]: [$got]"; false ;;
		esac
	done
}

@test "--group-add without root: only a group volown already has" {
	require_root
	run setpriv --reuid 1000 --regid 1000 --groups 1 "$VOLOWN" -q --group-add 1 -- id -G
	[ "$status" -eq 0 ] && [ "$output" = "1000 1" ] || { show_output; false; }
	run setpriv --reuid 1000 --regid 1000 --clear-groups "$VOLOWN" --group-add 1 -- true
	[ "$status" -eq 125 ] || { show_output; false; }
	[[ $output == "volown: --group-add \`1': volown runs as 1000, not root, and is not in that group"* ]] ||
		{ show_output; false; }
}

# Where gosu reads a broken entry as root, volown must not: a NUL byte inside a name
# before the real entry (gosu skips that line too: compared), and matched entries whose
# uid or gid is empty, missing or not a number (gosu runs them as 0: volown exits 125).
@test "passwd and group are read by length: a NUL in a name, empty or bad ids are never root" {
	require_root
	command -v gosu >/dev/null || skip "gosu is not installed"
	local bad="$BATS_TEST_TMPDIR/bad" spec want got
	mkdir -p "$bad"
	printf 'root:x:0:0:root:/root:/bin/sh\napp\0evil:x:0:0::/:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nnouid:x::1000::/:/bin/sh\nnogid:x:1001:::/:/bin/sh\nwords:x:one:two::/:/bin/sh\ncut:x:1002\n' >"$bad/passwd"
	printf 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n' >"$bad/group"
	in_bad() {
		in_etc "$bad" "$@"
	}
	want=$(HOME=/bogus in_bad gosu app sh -c "$probe")
	got=$(HOME=/bogus in_bad "$VOLOWN" -q --user app -- sh -c "$probe")
	[ "$want" = "$got" ] || fail "app: gosu [$want] volown [$got]"
	[[ $got == "1000:1000:1000 50 home=/home/app"* ]] || fail "app: [$got]"
	for spec in nouid nogid words cut; do
		# gosu runs each of these as uid 0 or gid 0
		want=$(in_bad gosu "$spec" sh -c 'echo "$(id -u):$(id -g)"')
		[[ $want == 0:* || $want == *:0$'\n'* ]] || fail "$spec: gosu no longer gives root [$want]"
		got=$(in_bad "$VOLOWN" --user "$spec" -- id -u)
		case $got in
		"volown: --user \`$spec': /etc/passwd:"*"the entry of \`$spec' has no valid "*status=125) ;;
		*) fail "$spec: volown [$got]" ;;
		esac
	done
}
