#!/usr/bin/env bats
# Per-path settings: one run gives each path its own --chmod and --mkdir, written
# after the path (`--path DIR:mkdir:chmod=MODE'), from an option, the variable or the
# config file; the run's --chmod and --mkdir hold for the paths without their own.
# Run as root by the real static binary on throw-away trees; every mode is checked
# with stat.

load helpers

setup() {
	require_root
	require_volown
	T=$(mktemp -d /tmp/volown-settings.XXXXXX)
	chmod 0755 "$T"
	# a tree like a restored PGDATA: directories 0755, files 0644, someone else's
	mkdir -p "$T/pgdata/base/1" "$T/other/sub"
	touch "$T/pgdata/PG_VERSION" "$T/pgdata/base/1/1259" "$T/other/sub/f"
	chmod -R u+rwX,go=rX "$T/pgdata" "$T/other"
	chown -R 999:999 "$T/pgdata" "$T/other"
}

teardown() {
	[ -n "${T:-}" ] || return 0
	rm -rf "$T"
}

# modes DIR: "mode uid:gid path" of every entry under DIR, sorted, paths relative to $T
modes() {
	(cd "$T" && find "$@" -printf '%m %U:%G %p\n' | LC_ALL=C sort -k3)
}

expect_pg_layout() {
	run modes pgdata run/postgresql other
	local want="700 1000:1000 pgdata
700 1000:1000 pgdata/base
700 1000:1000 pgdata/base/1
600 1000:1000 pgdata/base/1/1259
600 1000:1000 pgdata/PG_VERSION
755 1000:1000 run/postgresql
755 1000:1000 other
755 1000:1000 other/sub
644 1000:1000 other/sub/f"
	[ "$output" = "$(printf '%s\n' "$want" | LC_ALL=C sort -k3)" ] ||
		{ printf 'got:\n%s\n' "$output" >&2; return 1; }
}

@test "options: PGDATA go-rwx, the socket directory made and left 0755, a third path with no mode" {
	mkdir -p "$T/run"
	run "$VOLOWN" --user 1000:1000 --path "$T/pgdata:chmod=go-rwx" \
		--path "$T/run/postgresql:mkdir" --path "$T/other"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	[[ "$output" == *"$T/run/postgresql: created 1 missing directory (--mkdir)"* ]]
	expect_pg_layout
}

@test "VOLOWN_PATHS carries each path's settings after it" {
	mkdir -p "$T/run"
	VOLOWN_PATHS="$T/pgdata:chmod=go-rwx:$T/run/postgresql:mkdir:$T/other" \
		run "$VOLOWN" --user 1000:1000
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	expect_pg_layout
}

@test "the config file carries each path's settings after it" {
	mkdir -p "$T/run"
	printf 'user = 1000:1000\npath = %s\npath = %s\npath = %s\n' "$T/pgdata:chmod=go-rwx" \
		"$T/run/postgresql:mkdir" "$T/other" >"$T/volown.conf"
	run "$VOLOWN" --config "$T/volown.conf"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	expect_pg_layout
}

@test "a path's own settings win over --chmod and --mkdir; chmod= alone keeps a path's modes" {
	mkdir -p "$T/run"
	run "$VOLOWN" --user 1000:1000 --chmod g+w --mkdir --path "$T/pgdata:chmod=go-rwx" \
		--path "$T/run/postgresql" --path "$T/other:chmod=" --path "$T/nomk:mkdir=0"
	[ "$status" -eq 125 ]
	[[ "$output" == *"volown: \`$T/nomk': no such file or directory; --mkdir creates it"* ]]
	run modes pgdata run/postgresql other
	[[ "$output" == *"700 1000:1000 pgdata"$'\n'* ]]
	[[ "$output" == *"775 1000:1000 run/postgresql"* ]] # made by --mkdir, then g+w
	[[ "$output" == *"644 1000:1000 other/sub/f"* ]]   # chmod=: as it was
	[ ! -e "$T/nomk" ]
}

@test "--dry-run reports a path's own mkdir and mode, and changes nothing" {
	before=$(modes pgdata other)
	run "$VOLOWN" --dry-run --user 1000:1000 --path "$T/pgdata:chmod=go-rwx" \
		--path "$T/run/postgresql:mkdir"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/run/postgresql: missing, would be created (--mkdir)"* ]]
	[[ "$output" == *"$T/pgdata: 5 entries checked, 5 would change"* ]]
	[ "$(modes pgdata other)" = "$before" ]
	[ ! -e "$T/run" ]
}

@test "--policy root-mismatch reads the path's own mode: a right root with a wrong mode walks" {
	chown -R 1000:1000 "$T/pgdata"
	run "$VOLOWN" --user 1000:1000 --policy root-mismatch --path "$T/pgdata:chmod=go-rwx"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/pgdata: 5 entries checked, 5 changed"* ]]
	run "$VOLOWN" --user 1000:1000 --policy root-mismatch --path "$T/pgdata:chmod=go-rwx"
	[[ "$output" == *"$T/pgdata: root already right (1000:1000), walk skipped"* ]]
}

@test "a bad setting is a usage error (125) naming where it came from, and nothing changes" {
	before=$(modes pgdata other)
	run "$VOLOWN" --user 1000:1000 --path "$T/pgdata:mkdri"
	[ "$status" -eq 125 ]
	[ "$output" = "volown: --path: \`$T/pgdata': unknown setting \`mkdri' (expected mkdir or chmod=MODE)" ]
	run "$VOLOWN" --user 1000:1000 --path "$T/pgdata:chmod"
	[ "$status" -eq 125 ]
	[ "$output" = "volown: --path: \`$T/pgdata': unknown setting \`chmod' (expected mkdir or chmod=MODE)" ]
	run "$VOLOWN" --user 1000:1000 --path "$T/pgdata:mkdir=maybe"
	[ "$status" -eq 125 ]
	[ "$output" = "volown: --path: \`$T/pgdata' mkdir: \`maybe' is not a boolean (use 1 or 0)" ]
	VOLOWN_PATHS="$T/pgdata:chmod=u+q" run "$VOLOWN" --user 1000:1000
	[ "$status" -eq 125 ]
	[ "$output" = "volown: VOLOWN_PATHS: \`$T/pgdata' chmod: \`u+q' is not a mode (e.g. u+rwX, g+rwX,g+s, 0750, fsgroup)" ]
	VOLOWN_PATHS="mkdir:$T/pgdata" run "$VOLOWN" --user 1000:1000
	[ "$status" -eq 125 ]
	[ "$output" = "volown: VOLOWN_PATHS: \`mkdir' is not an absolute path (settings follow one: DIR:mkdir:chmod=MODE)" ]
	printf 'user = 1000\npath = pgdata:mkdir\n' >"$T/bad.conf"
	run "$VOLOWN" --config "$T/bad.conf"
	[ "$status" -eq 125 ]
	[ "$output" = "volown: $T/bad.conf:2: path: \`pgdata' is not an absolute path (settings follow one: DIR:mkdir:chmod=MODE)" ]
	[ "$(modes pgdata other)" = "$before" ]
}

@test "--help and the man page document a path's settings" {
	run "$VOLOWN" --help
	[ "$status" -eq 0 ]
	for word in 'DIR[:mkdir][:chmod=MODE]' 'win over' '/pgdata:chmod=go-rwx:/run/postgresql:mkdir'; do
		[[ "$output" == *"$word"* ]] || { echo "--help lacks: $word"; false; }
	done
	grep -qF '.BI chmod= MODE' "$VOLOWN_ROOT/docs/volown.1"
	grep -qF 'mkdir=\fIBOOL' "$VOLOWN_ROOT/docs/volown.1"
}
