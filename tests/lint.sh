#!/bin/bash
# Lint of the test suites themselves (TAP): checks that a bats test cannot pass by
# mistake. Inside a bats test, `set -e' ignores the status of a command that starts
# with `!' and of any command of an `a && b' list but the last: such a line can never
# fail its test. Use `run !', or `if ...; then fail ...; fi', or one check per line.
#
#   tests/lint.sh            lint every tests/*/*.bats
#   tests/lint.sh FILE...    lint these files
set -uo pipefail
cd "$(dirname "$0")/.."

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	printf '%s\n' "$2" | sed 's/^/#   /'
}

# A line that starts with `!' and is neither continued (|| or && at its end) nor
# followed by its own failure (|| fail, || return, ...).
bare_bang() {
	grep -nHE '^[[:space:]]*!([[:space:]]|$)' "$@" |
		grep -vE '(\|\||&&)[[:space:]]*(\\)?$|\|\|[[:space:]]*(\{|fail|return|false|exit)'
}

# `[ a ] && [ b ]' (or [[ ]], test) as a statement: no `||' on the line, not continued.
and_chain() {
	grep -nHE '^[[:space:]]*(\[\[?|test )[^|]*(\]\]?|[^&|])[[:space:]]*&&[[:space:]]*(\[\[?|test )' "$@" |
		grep -vE '\|\||(&&|\\)[[:space:]]*$'
}

check() { # NAME FINDER FILE...
	local name=$1 finder=$2 found
	shift 2
	found=$("$finder" "$@")
	if [ -n "$found" ]; then
		not_ok "$name" "$found"
	else
		ok "$name"
	fi
}

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/*/*.bats)

# The lint itself must catch what it is for.
fixture=$(mktemp)
printf '@test "x" {\n\t! false\n\t[ 1 = 2 ] && [ 2 = 2 ]\n\t! grep -q x f || fail "y"\n\t[ "$a" ] && [ "$b" ] || false\n}\n' >"$fixture"
if [ "$(bare_bang "$fixture" | wc -l)" -eq 1 ] && [ "$(and_chain "$fixture" | wc -l)" -eq 1 ]; then
	ok "the lint finds a bare ! and an [ ] && [ ] chain, and lets their checked forms be"
else
	not_ok "the lint finds a bare ! and an [ ] && [ ] chain, and lets their checked forms be" \
		"$(bare_bang "$fixture"; and_chain "$fixture")"
fi
rm -f "$fixture"

check "no line starts with a bare ! (set -e ignores it)" bare_bang "${files[@]}"
check "no [ ] && [ ] chain as a statement (set -e ignores all but its last test)" and_chain "${files[@]}"
echo "1..$n"
[ "$failed" -eq 0 ]
