#!/usr/bin/env bats
# The walk under attack: a process running as the target user (uid 1000) attacks while
# volown, as root, walks the volume it owns. After each attack nothing outside the tree
# changed owner, group, mode, content or mtime, volown exited with a documented status,
# and it did not hang.

load adv

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	build_attacker
}

setup() {
	require_root
	require_volown
	make_world
}

teardown() {
	[ -z "${HARDLINKS_WAS:-}" ] || echo "$HARDLINKS_WAS" >/proc/sys/fs/protected_hardlinks
	[ -z "${SHAPES:-}" ] || umount "$SHAPES" 2>/dev/null || true
	cleanup_world
}

@test "symlinks out of the tree (top, deep, dangling, chained, relative, absolute) are changed, never followed" {
	mkdir -p "$T/vol/a/b/c"
	echo mine >"$T/vol/a/b/c/file"
	ln -s "$T/outside/secret" "$T/vol/abs-file"
	ln -s "$T/outside/dir" "$T/vol/abs-dir"
	ln -s ../../../../outside/dir/sub "$T/vol/a/b/c/rel-dir"
	ln -s ../../outside/public "$T/vol/a/rel-file"
	ln -s /nonexistent "$T/vol/a/b/dangling"
	ln -s "$T/vol/abs-file" "$T/vol/a/chained"
	ln -s / "$T/vol/a/b/root"
	ln -s "$T/outside" "$T/vol/a/b/c/d"
	chown -hR 0:0 "$T/vol"
	before=$(content_snapshot "$T/vol")
	run volown_t --user 1000:1000 --chmod 0777 --path "$T/vol"
	[ "$status" -eq 0 ] || { show_output; false; }
	assert_world_unchanged
	[ -z "$(find "$T/vol" ! -user 1000 -o ! -group 1000)" ]
	[ "$(stat -c %U "$T/vol/abs-dir")" = "$(id -un 1000)" ]
	[ "$(content_snapshot "$T/vol")" = "$before" ]
}

@test "a directory swapped for a symlink in a tight loop (thousands of swaps) never leads out" {
	mkdir -p "$T/vol/d/sub"
	for i in $(seq 40); do echo "$i" >"$T/vol/d/f$i"; echo "$i" >"$T/vol/d/sub/g$i"; done
	ln -s "$T/outside/dir" "$T/vol/l"
	echo mine >"$T/vol/f"
	chown -R 1000:1000 "$T/vol"
	chown -h 1000:1000 "$T/vol/l"
	as_attacker ln "$T/outside/writable" "$T/vol/h" # a file and a hard link to outside, swapped too
	as_attacker "$ATTACKER" exchange "$T/stop" 3000 "$T/vol/d" "$T/vol/l" >"$T/rounds1" &
	a1=$!
	as_attacker "$ATTACKER" exchange "$T/stop" 3000 "$T/vol/f" "$T/vol/h" >"$T/rounds2" &
	a2=$!
	for i in $(seq 30); do
		run volown_t -q --user 1000:1000 --chmod g+rwX --path "$T/vol"
		assert_documented_status
		run volown_t -q --user 1000:2000 --chmod g-w --path "$T/vol"
		assert_documented_status
	done
	touch "$T/stop"
	wait "$a1" "$a2"
	echo "# swaps: $(cat "$T/rounds1") directory/symlink, $(cat "$T/rounds2") file/hard link" >&3
	[ "$(cat "$T/rounds1")" -ge 3000 ]
	assert_world_unchanged
}

@test "a configured path whose parent the user owns, replaced by a symlink to /etc between runs, is refused" {
	mkdir -p "$T/home/data"
	chown -R 1000:1000 "$T/home"
	run volown_t --user 1000:1000 --path "$T/home/data"
	[ "$status" -eq 0 ]
	as_attacker sh -c "rm -rf '$T/home/data' && ln -s /etc '$T/home/data'"
	run volown_t --user 1000:1000 --path "$T/home/data" -- true
	[ "$status" -eq 125 ]
	assert_output_has "symbolic link that a non-root user could have made"
	as_attacker sh -c "rm '$T/home/data' && ln -s '$T/outside' '$T/home/data'"
	run volown_t --user 1000:1000 --chmod 0777 --path "$T/home/data" -- true
	[ "$status" -eq 125 ]
	assert_world_unchanged
}

@test "hard links to outside files: left alone, with protected_hardlinks on and off" {
	HARDLINKS_WAS=$(cat /proc/sys/fs/protected_hardlinks)
	echo 1 >/proc/sys/fs/protected_hardlinks
	# protected: the user may link only what it can read and write
	as_attacker ln "$T/outside/writable" "$T/vol/link-writable"
	if as_attacker ln "$T/outside/secret" "$T/vol/link-secret" 2>/dev/null; then
		fail "protected_hardlinks let the user link a file it cannot write"
	fi
	run volown_t --user 1000:1000 --chmod g+rwX --path "$T/vol"
	[ "$status" -eq 0 ]
	assert_output_has "has 2 hard links"
	assert_world_unchanged
	echo 0 >/proc/sys/fs/protected_hardlinks 2>/dev/null || skip "cannot turn protected_hardlinks off here"
	as_attacker ln "$T/outside/secret" "$T/vol/link-secret"
	as_attacker ln "$T/outside/dir/sub/file" "$T/vol/link-deep"
	run volown_t --user 1000:1000 --chmod 0777 --path "$T/vol"
	[ "$status" -eq 0 ]
	assert_world_unchanged
}

@test "a mount point and a bind mount of an outside directory inside the tree are left alone" {
	mkdir -p "$T/vol/mnt" "$T/vol/bind"
	mount -t tmpfs -o mode=0755 tmpfs "$T/vol/mnt"
	echo x >"$T/vol/mnt/inside"
	mount --bind "$T/outside" "$T/vol/bind"
	run volown_t --user 1000:1000 --chmod 0777 --path "$T/vol"
	umount "$T/vol/bind"
	st=$(stat -c '%u:%g %a' "$T/vol/mnt/inside")
	umount "$T/vol/mnt"
	[ "$status" -eq 0 ]
	[ "$st" = "0:0 644" ]
	assert_world_unchanged
}

@test "names of 1 and 255 bytes and of every byte value, FIFOs, sockets and device nodes" {
	mkdir -p "$T/vol/names"
	touch "$T/vol/names/x" "$T/vol/names/$(printf 'n%.0s' $(seq 255))"
	mkdir "$T/vol/names/$(printf 'd%.0s' $(seq 255))"
	for i in $(seq 1 255); do
		[ "$i" -eq 47 ] && continue
		name=$(printf "\\$(printf %03o "$i")x")   # "x" keeps "." and newlines whole
		touch "$T/vol/names/$name"
	done
	[ "$(ls -A "$T/vol/names" | wc -l)" -ge 256 ]
	mkfifo "$T/vol/fifo"
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/vol/sock"
	mknod "$T/vol/null-dev" c 1 3
	mknod "$T/vol/disk-dev" b 7 0
	run strace -f -qq -e trace=open,openat -o "$T/trace" timeout 120 "$VOLOWN" --user 1000:1000 --chmod g+rw --path "$T/vol"
	[ "$status" -eq 0 ] || { show_output; false; }
	[ -z "$(find "$T/vol" ! -user 1000 -o ! -group 1000)" ]
	# the special files were never opened: only O_PATH descriptors, or none
	if grep -E '"(fifo|sock|null-dev|disk-dev)"' "$T/trace" | grep -v O_PATH; then
		fail "a special file was opened"
	fi
	[ "$(stat -c %a "$T/vol/null-dev")" = 664 ]
	assert_world_unchanged
}

# walk_under_16mb NAME ENTRIES JOBS UID: volown fixes $SHAPES/NAME to UID:UID, every one
# of its ENTRIES, with JOBS workers (0: one per CPU) and a peak RSS under 16 MB.
walk_under_16mb() {
	local rss jobs=()
	[ "$3" = 0 ] || jobs=(--jobs "$3")
	run /usr/bin/time -f 'maxrss %M' timeout 300 "$VOLOWN" "${jobs[@]}" --user "$4:$4" --path "$SHAPES/$1"
	[ "$status" -eq 0 ] || { show_output; fail "$1, jobs $3: exit status $status"; }
	assert_output_has "$2 entries checked, $2 changed"
	rss=$(printf '%s\n' "$output" | sed -n 's/^maxrss //p')
	echo "# $1, jobs $3: $rss KB" >&3
	[ "$rss" -lt 16384 ] || fail "$1, jobs $3: peak RSS $rss KB"
}

# The shapes live on a tmpfs of their own (fast to make, gone with the test).
mount_shapes() {
	SHAPES=$T/vol/shapes
	mkdir -p "$SHAPES"
	mount -t tmpfs -o size=3g,nr_inodes=1500000 volown-shapes "$SHAPES"
}

@test "peak memory under 16 MB for every shape, with one worker and with all of them" {
	require_static # the sanitizers' own memory is not volown's
	mount_shapes
	mkdir "$SHAPES/comb" "$SHAPES/wide" "$SHAPES/deep"
	# 1,200 levels, each with 230 subdirectories of 250-byte names, only the first of
	# which goes on: every level used to keep its batch of names (80 MB)
	"$ATTACKER" comb "$SHAPES/comb" 1200 230 250
	"$ATTACKER" wide "$SHAPES/wide" 1000000
	"$ATTACKER" deep "$SHAPES/deep" 10000
	# the counts, from the shapes: the root, plus 1200 x 230; the root plus 1,000,000;
	# the root, 10,000 levels and the file at the end
	walk_under_16mb comb $((1 + 1200 * 230)) 1 1000
	walk_under_16mb comb $((1 + 1200 * 230)) 0 2000
	walk_under_16mb wide $((1 + 1000000)) 1 1000
	walk_under_16mb wide $((1 + 1000000)) 0 2000
	walk_under_16mb deep $((1 + 10000 + 1)) 1 1000
	walk_under_16mb deep $((1 + 10000 + 1)) 0 2000
	[ -z "$(find "$SHAPES" -mindepth 1 ! -user 2000 | head -n 1)" ] || fail "entries left unfixed"
	umount "$SHAPES"
	assert_world_unchanged
}

@test "deeper than 12,288 nested directories: not fixed (125), the root left as it was, memory bounded" {
	require_static
	local rss
	mount_shapes
	mkdir "$SHAPES/abyss"
	# 13,000 levels of 255-byte names: what a level costs most
	"$ATTACKER" comb "$SHAPES/abyss" 13000 1 255
	run /usr/bin/time -f 'maxrss %M' timeout 300 "$VOLOWN" --user 1000:1000 --path "$SHAPES/abyss"
	[ "$status" -eq 125 ] || { show_output; fail "exit status $status"; }
	assert_output_has "below 12288 nested directories: left alone" "was not fully fixed"
	rss=$(printf '%s\n' "$output" | sed -n 's/^maxrss //p')
	echo "# abyss: $rss KB" >&3
	[ "$rss" -lt 16384 ] || fail "peak RSS $rss KB"
	# the root is unchanged (a later run must walk again), and nothing past the bound moved
	[ "$(stat -c %u "$SHAPES/abyss")" = 0 ] || fail "the root was changed"
	[ -n "$(find "$SHAPES/abyss" -mindepth 12289 -user 0 | head -n 1)" ] || fail "the depth bound was not kept"
	umount "$SHAPES"
}

@test "entries deleted, recreated and renamed while the walk holds their parent" {
	mkdir -p "$T/vol/churn"
	for i in $(seq 0 49); do mkdir "$T/vol/churn/d$i"; touch "$T/vol/churn/d$i/a" "$T/vol/churn/d$i/b"; done
	for i in $(seq 0 199); do touch "$T/vol/churn/f$i"; done
	chown -R 1000:1000 "$T/vol"
	as_attacker "$ATTACKER" churn "$T/stop" 2000 "$T/vol/churn" >"$T/rounds" &
	a=$!
	for i in $(seq 20); do
		run volown_t -q --user 1000:1000 --chmod g+rwX --path "$T/vol"
		assert_documented_status
		run volown_t -q --jobs 1 --user 1000:2000 --chmod g-w --path "$T/vol"
		assert_documented_status
	done
	touch "$T/stop"
	wait "$a"
	echo "# churn rounds: $(cat "$T/rounds")" >&3
	assert_world_unchanged
}
