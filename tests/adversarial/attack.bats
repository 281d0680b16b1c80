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
	! as_attacker ln "$T/outside/secret" "$T/vol/link-secret" 2>/dev/null
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
	! grep -E '"(fifo|sock|null-dev|disk-dev)"' "$T/trace" | grep -v O_PATH
	[ "$(stat -c %a "$T/vol/null-dev")" = 664 ]
	assert_world_unchanged
}

# walk_under_16mb NAME ENTRIES: volown fixes $T/vol/NAME, every one of its ENTRIES, with
# a peak RSS under 16 MB.
walk_under_16mb() {
	local rss
	run /usr/bin/time -f 'maxrss %M' timeout 120 "$VOLOWN" --user 1000:1000 --path "$T/vol/$1"
	[ "$status" -eq 0 ] || { show_output; false; }
	assert_output_has "$2 entries checked, $2 changed"
	rss=$(printf '%s\n' "$output" | sed -n 's/^maxrss //p')
	echo "# $1: $rss KB" >&3
	[ "$rss" -lt 16384 ]
}

@test "10,000 levels deep and 100,000 entries in one directory, each walk under 16 MB" {
	mkdir -p "$T/vol/deep" "$T/vol/wide"
	"$ATTACKER" deep "$T/vol/deep" 10000
	"$ATTACKER" wide "$T/vol/wide" 100000
	walk_under_16mb deep 10002
	walk_under_16mb wide 100001
	[ -z "$(find "$T/vol" ! -user 1000 | head -n 1)" ]
	assert_world_unchanged
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
