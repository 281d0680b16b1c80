# Helpers for the integration suites: real trees, the real static binary, as root.

load ../lib/common

# A listing of every entry under $1 with what must never change behind our back:
# type, owner, group, mode, size, mtime, and a checksum of regular files' contents.
snapshot() {
	(cd "$1" && find . -xdev -printf '%p %y %U:%G %m %s %T@\n' | LC_ALL=C sort)
	(cd "$1" && find . -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0r md5sum)
}

# The same without owner and group: what the walk may not change inside the tree.
snapshot_content() {
	(cd "$1" && find . -xdev -printf '%p %y %m %s %T@\n' | LC_ALL=C sort)
	(cd "$1" && find . -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0r md5sum)
}

# Entries under $1 (same filesystem) not owned by $2 (uid:gid), one per line.
wrong_owners() {
	find "$1" -xdev ! -user "${2%%:*}" -printf '%p %U:%G\n' -o ! -group "${2##*:}" -printf '%p %U:%G\n'
}

# A tree of mixed owners, with symlinks pointing outside it, under $1/vol;
# the outside world it points to under $1/outside.
make_mixed_tree() {
	local top=$1
	mkdir -p "$top/vol/a/b/c" "$top/vol/empty" "$top/outside/dir"
	echo secret >"$top/outside/secret"
	echo data >"$top/outside/dir/file"
	echo one >"$top/vol/one"
	echo two >"$top/vol/a/two"
	echo three >"$top/vol/a/b/c/three"
	mkfifo "$top/vol/a/fifo"
	chown 0:0 "$top/vol/one"
	chown 1000:0 "$top/vol/a/two"
	chown 0:1000 "$top/vol/a/b/c/three"
	chown 4242:4242 "$top/vol/a/b"
	ln -s "$top/outside/secret" "$top/vol/abs-link"
	ln -s ../outside/dir "$top/vol/rel-dir-link"
	ln -s "$top/outside/dir" "$top/vol/a/b/c/deep-dir-link"
	ln -s /nonexistent/dangling "$top/vol/dangling"
	ln -s "$top/vol/abs-link" "$top/vol/chained"
	chown -h 0:0 "$top/vol/abs-link"
	chown 0:0 "$top/outside" "$top/outside/secret" "$top/outside/dir" "$top/outside/dir/file"
	chmod 0600 "$top/outside/secret"
}
