#!/usr/bin/env bats
# Every architecture of release/arches (build/<arch>/volown, from make cross), run here
# as root: natively for the host's own (and i386 on an x86_64 kernel), else under
# qemu-user. The subset of make test: the file itself, the walk, the drop and --user
# against the real gosu, the exit codes; and what 32-bit and big-endian builds could
# get wrong: ids up to 2^31-1, statx's fields, getdents records, 64-bit times and sizes.
# make test-cross runs the whole unit and integration suites on each.

load ../integration/helpers
load ../lib/arches
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	[ -z "${VOLOWN_SKIP:-}" ] || return 0
	local arch
	for arch in $(arch_list); do
		[ -x "$VOLOWN_ROOT/build/$arch/volown" ] ||
			fail "build/$arch/volown is missing: run make cross" || return
		arch_wrapper "$arch" "$VOLOWN_ROOT/build/$arch/volown" "$BATS_FILE_TMPDIR/$arch" >/dev/null ||
			return
	done
	# a passwd and a group file for the --user comparisons, as tests/integration/gosu.bats
	mkdir -p "$BATS_FILE_TMPDIR/etc"
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'daemon:x:1:1:daemon:/usr/sbin:/bin/false' \
		'mailhog:x:1000:1000:MailHog:/home/mailhog:/bin/sh' 'multi:x:1001:1001::/home/multi:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
		'big:x:2147483647:2147483646::/home/big:/bin/sh' >"$BATS_FILE_TMPDIR/etc/passwd"
	printf '%s\n' 'root:x:0:' 'daemon:x:1:' 'audio:x:29:multi,nobody' 'users:x:100:mailhog,big' \
		'mailhog:x:1000:' 'multi:x:1001:' 'bigger:x:2147483647:big' 'nogroup:x:65534:' \
		>"$BATS_FILE_TMPDIR/etc/group"
}

setup() {
	skip_if_file_skipped
	T=$(mktemp -d /tmp/volown-arches.XXXXXX)
	chmod 0755 "$T"
	FAILS=()
}

teardown() {
	rm -rf "${T:-/nonexistent}"
}

# The volown of ARCH: the binary itself when the host runs it, else its qemu wrapper.
v() {
	local arch=$1
	if [ -x "$BATS_FILE_TMPDIR/$arch/volown" ]; then
		echo "$BATS_FILE_TMPDIR/$arch/volown"
	else
		echo "$VOLOWN_ROOT/build/$arch/volown"
	fi
}

# try COMMAND...: $output (stdout and stderr) and $status, whatever the status; a run
# that hangs (a broken build can loop forever) is cut after 120 s with status 124.
try() {
	output=$(timeout -k 5 120 "$@" 2>&1) && status=0 || status=$?
}

# Record a failure of this architecture and go on with the next one.
bad() {
	FAILS+=("$*")
}

# At the end of a test: fail listing every architecture that failed.
all_good() {
	[ ${#FAILS[@]} -eq 0 ] && return 0
	printf '%s\n' "${FAILS[@]}" >&2
	return 1
}

# ELF class, byte order and machine of each architecture (elf(5)): the expectation.
elf_want() {
	case $1 in
	amd64) echo "64 LSB 62" ;;
	arm64) echo "64 LSB 183" ;;
	armhf) echo "32 LSB 40" ;;
	i386) echo "32 LSB 3" ;;
	ppc64el) echo "64 LSB 21" ;;
	s390x) echo "64 MSB 22" ;;
	riscv64) echo "64 LSB 243" ;;
	*) echo "unknown" ;;
	esac
}

# ELF class, byte order and machine of file $1, read from its header.
elf_got() {
	local class data m
	class=$(od -An -tu1 -j4 -N1 "$1" | tr -d ' ')
	data=$(od -An -tu1 -j5 -N1 "$1" | tr -d ' ')
	m=($(od -An -tu1 -j18 -N2 "$1"))
	if [ "$data" = 1 ]; then
		echo "$((class * 32)) LSB $((m[0] + 256 * m[1]))"
	else
		echo "$((class * 32)) MSB $((m[1] + 256 * m[0]))"
	fi
}

@test "each architecture's binary: static, stripped, its machine's ELF, within its budget, and --version says so" {
	local arch bin out version flags
	version=$(sed -n 's/^VERSION *:= *//p' "$VOLOWN_ROOT/Makefile")
	for arch in $(arch_list); do
		bin=$VOLOWN_ROOT/build/$arch/volown
		out=$(file -b "$bin")
		[[ $out == *"statically linked"* && $out == *stripped* && $out != *"not stripped"* ]] ||
			bad "$arch: file says: $out"
		[ "$(elf_got "$bin")" = "$(elf_want "$arch")" ] ||
			bad "$arch: ELF $(elf_got "$bin"), want $(elf_want "$arch")"
		if [ "$arch" = armhf ]; then # EF_ARM_ABI_FLOAT_HARD, in e_flags at offset 36
			flags=$(od -An -tu4 -j36 -N4 "$bin" | tr -d ' ')
			[ $((flags & 0x400)) -ne 0 ] || bad "armhf: not the hard-float ABI (e_flags $flags)"
		fi
		[ "$(stat -c %s "$bin")" -lt "$(arch_field "$arch" 6)" ] ||
			bad "$arch: $(stat -c %s "$bin") bytes, budget $(arch_field "$arch" 6)"
		out=$("$(v "$arch")" --version 2>&1)
		[ "$out" = "volown $version ($arch)" ] || bad "$arch: --version says [$out]"
	done
	all_good
}

@test "the walk: a mixed tree ends 1000:1000, symlinks themselves, nothing outside, on every architecture" {
	local arch before_out before_in
	for arch in $(arch_list); do
		rm -rf "$T/vol" "$T/outside"
		make_mixed_tree "$T"
		before_out=$(snapshot "$T/outside")
		before_in=$(snapshot_content "$T/vol")
		try "$(v "$arch")" --user 1000:1000 --path "$T/vol"
		[ "$status" -eq 0 ] || { bad "$arch: status $status: $output"; continue; }
		[[ $output == *"$T/vol: 14 entries checked, 14 changed in "* ]] || bad "$arch: $output"
		[ -z "$(wrong_owners "$T/vol" 1000:1000)" ] || bad "$arch: left $(wrong_owners "$T/vol" 1000:1000)"
		[ "$(stat -c %u:%g "$T/vol/abs-link")" = 1000:1000 ] || bad "$arch: the symlink itself"
		[ "$(snapshot "$T/outside")" = "$before_out" ] || bad "$arch: changed outside the tree"
		[ "$(snapshot_content "$T/vol")" = "$before_in" ] || bad "$arch: changed contents or times"
		try "$(v "$arch")" --user 1000:1000 --path "$T/vol"
		[[ $output == *"14 entries checked, 0 changed"* ]] || bad "$arch: second run: $output"
	done
	all_good
}

# Runs "$@" with the test passwd and group, printing what it printed and its status.
# They go on a tmpfs over /etc, not bind-mounted over /etc/passwd: a package install
# that replaces the machine's /etc/passwd meanwhile (adduser renames a new file over
# it) would detach such a mount, and the test would read the machine's file.
in_ns() {
	unshare -m sh -c 'mount -t tmpfs -o mode=0755 tmpfs /etc && cp "$1/passwd" "$1/group" /etc/ &&
		shift && timeout -k 5 120 "$@"; echo "status=$?"' sh "$BATS_FILE_TMPDIR/etc" "$@" 2>&1
}

# Under qemu-user 7.2, statx says it gives a mount id but gives 0: volown must then take
# each entry's mount from /proc/self/fdinfo, or it walks into a bind mount of a
# directory (or a file) of the same filesystem from outside the tree.
@test "bind mounts of an outside directory and file inside the tree are left alone, on every architecture" {
	local arch
	mkdir -p "$T/outside/dir" "$T/vol/mnt"
	echo precious >"$T/outside/dir/precious"
	echo single >"$T/outside/file"
	touch "$T/vol/own" "$T/vol/file-mnt"
	mount --bind "$T/outside/dir" "$T/vol/mnt"
	mount --bind "$T/outside/file" "$T/vol/file-mnt"
	for arch in $(arch_list); do
		chown -R 0:0 "$T/vol" "$T/outside"
		try "$(v "$arch")" --user 1000:1000 --path "$T/vol"
		[ "$status" -eq 0 ] || bad "$arch: status $status: $output"
		[ "$(stat -c %u:%g "$T/vol/own")" = 1000:1000 ] || bad "$arch: the tree was not fixed"
		[ "$(stat -c %u:%g "$T/outside/dir" "$T/outside/dir/precious" "$T/outside/file" | sort -u)" = 0:0 ] ||
			bad "$arch: a bind-mounted directory or file from outside was changed"
	done
	umount "$T/vol/mnt" "$T/vol/file-mnt"
	all_good
}

@test "--user and the drop: the same ids, groups, HOME and capabilities as gosu, on every architecture" {
	command -v gosu >/dev/null || skip "gosu is not installed"
	local probe arch spec want got
	probe='echo "$(id -u):$(id -g):$(id -G) home=$HOME"; grep -E "^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapAmb):" /proc/self/status'
	for spec in 0 root mailhog 1000 mailhog:daemon 1001 multi 12345 12345:54321 nobody:root \
		big 2147483647 2147483647:2147483647 0:1000; do
		want=$(HOME=/bogus in_ns gosu "$spec" sh -c "$probe")
		for arch in $(arch_list); do
			got=$(HOME=/bogus in_ns "$(v "$arch")" -q --user "$spec" -- sh -c "$probe")
			[ "$got" = "$want" ] || bad "$arch, spec [$spec]: gosu [$want] volown [$got]"
		done
	done
	for spec in nosuch 2147483648 -1 0x10 root:nosuch 0:bogus; do
		want=$(in_ns gosu "$spec" true | tail -n 1)
		[ "$want" != status=0 ] || { bad "gosu accepts [$spec]"; continue; }
		for arch in $(arch_list); do
			got=$(in_ns "$(v "$arch")" --user "$spec" -- true)
			[[ $got == volown:*status=125 ]] || bad "$arch, spec [$spec]: [$got]"
		done
	done
	all_good
}

@test "exit codes: the command's own, 125, 126, 127, and 128+N with --init, on every architecture" {
	local arch code
	for arch in $(arch_list); do
		for code in 0 1 42 125 126 127 255; do
			try "$(v "$arch")" -q --user 1000 -- sh -c "exit $code"
			[ "$status" -eq "$code" ] || bad "$arch: exit $code gave $status"
		done
		try "$(v "$arch")" --user 1000 -- no-such-command-anywhere
		[ "$status" -eq 127 ] && [[ $output == "volown: cannot run \`no-such-command-anywhere'"* ]] ||
			bad "$arch: missing command: $status $output"
		try "$(v "$arch")" --user 1000 -- /etc/passwd
		[ "$status" -eq 126 ] || bad "$arch: not executable: $status $output"
		try "$(v "$arch")" --bogus
		[ "$status" -eq 125 ] && [[ $output == volown:* ]] || bad "$arch: usage: $status $output"
		try "$(v "$arch")" --user 1000 --path "$T/missing" -- true
		[ "$status" -eq 125 ] || bad "$arch: missing path: $status $output"
		try "$(v "$arch")" -q --user 1000 --init -- sh -c 'kill -TERM $$'
		[ "$status" -eq 143 ] || bad "$arch: --init, killed by TERM: $status $output"
	done
	all_good
}

# qemu-arm (7.2) turns an id whose low 16 bits are all ones (65535, ..., 2147483647)
# into -1, "unchanged", in the fchownat it passes on (its 16-bit-id conversion, applied
# to a 32-bit-id call): under qemu-arm the top id is 2^31-2.
@test "ids up to 2^31-1: entries of uid 0, 2^31 and 2^32-2 go to the top ids and back, on every architecture" {
	local arch id ids
	for arch in $(arch_list); do
		ids="2147483646 2147483647"
		[ "$arch" != armhf ] || arch_native armhf || ids=2147483646
		for id in $ids; do
			rm -rf "$T/vol"
			mkdir -p "$T/vol/d"
			touch "$T/vol/a" "$T/vol/d/b" "$T/vol/d/c"
			chown 0:0 "$T/vol/a"
			chown 2147483648:2147483648 "$T/vol/d/b"
			chown 4294967294:4294967294 "$T/vol/d/c"
			chown "$id:0" "$T/vol/d"
			try "$(v "$arch")" --user "$id:$id" --path "$T/vol"
			[ "$status" -eq 0 ] || { bad "$arch, $id: status $status: $output"; continue; }
			[[ $output == *"5 entries checked, 5 changed"* ]] || bad "$arch, $id: $output"
			[ -z "$(wrong_owners "$T/vol" "$id:$id")" ] ||
				bad "$arch, $id: left $(wrong_owners "$T/vol" "$id:$id")"
			try "$(v "$arch")" --user "$id:$id" --path "$T/vol"
			[[ $output == *"5 entries checked, 0 changed"* ]] || bad "$arch, $id: second run: $output"
			# and back down to a small id: the comparison is not of truncated or signed ids
			try "$(v "$arch")" --user 1:1 --path "$T/vol"
			[ -z "$(wrong_owners "$T/vol" 1:1)" ] || bad "$arch, $id: back to 1:1 left $(wrong_owners "$T/vol" 1:1)"
		done
	done
	all_good
}

# A tree whose modes, link counts and types statx must report right: modes from 0000 to
# 7777 and file types, a file with two links.
make_statx_tree() {
	local top=$1 m
	mkdir -p "$top/d"
	for m in 0000 0400 0644 0755 1777 2750 4711 6755 7777 0070; do
		touch "$top/f$m"
		chmod "$m" "$top/f$m"
		mkdir "$top/d/d$m"
		chmod "$m" "$top/d/d$m"
	done
	mkfifo "$top/fifo"
	ln -s f0644 "$top/link"
	touch "$top/outside-link-target"
	ln "$top/outside-link-target" "$top/d/hardlinked"
}

@test "statx fields: modes (checked against chown -R and chmod -R), link counts, types, on every architecture" {
	local arch mode=u+rwX,g+rX,g-w,o-rwx
	# the expectation: GNU chown, then GNU chmod, on a copy (a file whose owner changes
	# keeps no set-ID bit, as with chown(1))
	make_statx_tree "$T/want"
	chown -hR 1000:1000 "$T/want"
	chmod -R "$mode" "$T/want" 2>/dev/null || true
	for arch in $(arch_list); do
		rm -rf "$T/vol"
		make_statx_tree "$T/vol"
		try "$(v "$arch")" --user 1000:1000 --chmod "$mode" --path "$T/vol"
		[ "$status" -eq 0 ] || { bad "$arch: status $status: $output"; continue; }
		[[ $output == *"d/hardlinked' has 2 hard links"* ]] || bad "$arch: the link count: $output"
		[ "$(stat -c %u:%g "$T/vol/d/hardlinked")" = 0:0 ] || bad "$arch: changed a hard-linked file"
		[ "$(stat -c %F "$T/vol/fifo"):$(stat -c %u "$T/vol/fifo")" = "fifo:1000" ] || bad "$arch: the fifo"
		[ "$(stat -c %u "$T/vol/link")" = 1000 ] && [ "$(readlink "$T/vol/link")" = f0644 ] ||
			bad "$arch: the symlink"
		diff <(cd "$T/want" && find . ! -name hardlinked ! -name outside-link-target \
			-printf '%p %y %m\n' | LC_ALL=C sort) \
			<(cd "$T/vol" && find . ! -name hardlinked ! -name outside-link-target \
				-printf '%p %y %m\n' | LC_ALL=C sort) >"$T/diff" ||
			bad "$arch: modes differ from chown and chmod (< chmod, > volown): $(cat "$T/diff")"
	done
	all_good
}

@test "getdents records: 3000 names of every length (1-255) and every byte, in many batches, on every architecture" {
	# the names: lengths 1 to 255, then every byte from 1 to 255 but '/', at every
	# position; each a file, a directory or a symlink
	python3 - "$T/template" <<-'PY'
		import os, sys
		top = sys.argv[1].encode()
		os.makedirs(top)
		names = set()
		for n in range(1, 256):
		    names.add(b"n%03d" % n + b"x" * (n - 4) if n > 4 else b"abcd"[:n])
		for b in range(1, 256):
		    if b == 0x2f:
		        continue
		    for pos in range(10):
		        name = bytes([0x61 + pos % 26]) * pos + bytes([b]) + b"-%d" % pos
		        if name not in (b".", b".."):
		            names.add(name[:255])
		names = sorted(names)
		for i, name in enumerate(names):
		    path = os.path.join(top, name)
		    if i % 3 == 0:
		        os.mkdir(path)
		    elif i % 3 == 1:
		        open(path, "wb").close()
		    else:
		        os.symlink(b"target-" + name[:200], path)
	PY
	local arch count
	count=$(find "$T/template" -mindepth 1 -printf . | wc -c) # names hold newlines
	[ "$count" -ge 2500 ] || fail "only $count names were made"
	for arch in $(arch_list); do
		rm -rf "$T/vol"
		cp -a "$T/template" "$T/vol"
		try "$(v "$arch")" --user 1000:1000 --path "$T/vol"
		[ "$status" -eq 0 ] || { bad "$arch: status $status: ${output:0:300}"; continue; }
		[[ $output == *"$T/vol: $((count + 1)) entries checked, $((count + 1)) changed"* ]] ||
			bad "$arch: want $((count + 1)) entries: ${output:0:300}"
		[ -z "$(wrong_owners "$T/vol" 1000:1000)" ] || bad "$arch: entries left"
	done
	all_good
}

# Every entry's type, mode, size and modification time (no checksum: 5 GB of holes).
times_sizes() {
	(cd "$1" && find . -printf '%p %y %m %s %T@\n' | LC_ALL=C sort)
}

@test "64-bit times and sizes on 32-bit builds: a file of 2100 and a 5 GB sparse file keep both, on every architecture" {
	local arch
	for arch in $(arch_list); do
		rm -rf "$T/vol"
		mkdir -p "$T/vol/d"
		touch -d '2100-01-01 00:00:00 UTC' "$T/vol/future"
		truncate -s 5G "$T/vol/d/sparse"
		touch -d '1901-12-01 00:00:00 UTC' "$T/vol/d/past"
		ln -s future "$T/vol/link"
		touch -h -d '2100-01-01 00:00:00 UTC' "$T/vol/link"
		before=$(times_sizes "$T/vol")
		try "$(v "$arch")" --user 1000:1000 --path "$T/vol"
		[ "$status" -eq 0 ] || { bad "$arch: status $status: $output"; continue; }
		[[ $output == *"6 entries checked, 6 changed"* ]] || bad "$arch: $output"
		[ -z "$(wrong_owners "$T/vol" 1000:1000)" ] || bad "$arch: left $(wrong_owners "$T/vol" 1000:1000)"
		[ "$(times_sizes "$T/vol")" = "$before" ] || bad "$arch: times or sizes changed"
		[ "$(stat -c %s "$T/vol/d/sparse")" = 5368709120 ] || bad "$arch: the size"
		[ "$(stat -c %Y "$T/vol/future")" = 4102444800 ] || bad "$arch: the time of 2100"
	done
	all_good
}
