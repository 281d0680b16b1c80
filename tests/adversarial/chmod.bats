#!/usr/bin/env bats
# --chmod: chmod(1)'s modes, applied in the walk only where the mode differs, never
# through a symlink. Checked against GNU chmod itself, and against the kubelet's fsGroup
# rule (pkg/volume/volume_linux.go), written out below as a reference.

load adv

# One entry per starting mode: regular files, directories, a symlink.
make_mode_tree() {
	local top=$1 m
	mkdir -p "$top"
	for m in 0600 0644 0664 0700 0744 0755 0711 0640 4755 2755 0000; do
		echo "$m" >"$top/f$m"
		chmod "$m" "$top/f$m"
	done
	for m in 0700 0755 0775 2755 0500 1777; do
		mkdir "$top/d$m"
		chmod "$m" "$top/d$m"
	done
	ln -s f0644 "$top/link"
	chmod 0755 "$top"
}

modes_of() {
	(cd "$1" && find . -printf '%p %y %U:%G %m\n' | LC_ALL=C sort)
}

setup() {
	require_root
	require_volown
	T=$(mktemp -d /tmp/volown-chmod.XXXXXX)
}

teardown() {
	[ -n "${T:-}" ] && rm -rf "$T"
}

@test "--chmod gives GNU chmod's result on every entry, for octal and symbolic modes" {
	local mode
	for mode in 0750 755 2770 02750 u+rwX g+rwX,g+s go-rwx a=rX u=rwx,g=rx,o= g=u o+t \
		u-s,g-s ug+s +X =r,u+w g+rw-x o=g a-x+X u+rw,g=u,o-rwx; do
		rm -rf "$T/a" "$T/b"
		make_mode_tree "$T/a"
		cp -a "$T/a" "$T/b"
		(umask 0 && find "$T/a" ! -type l -exec chmod "$mode" {} +)
		run "$VOLOWN" -q --user 0:0 --chmod "$mode" --path "$T/b"
		[ "$status" -eq 0 ] || { show_output; false; }
		if [ "$(modes_of "$T/a")" != "$(modes_of "$T/b")" ]; then
			echo "mode $mode: GNU chmod (<) and volown (>) differ:" >&2
			diff <(modes_of "$T/a") <(modes_of "$T/b") >&2
			false
		fi
	done
}

@test "a bad mode is refused at parse time with 125, naming it" {
	for mode in 8 0999 077777 u+q , u+r, +rwx,,g-w x+r u+ug ugo; do
		run "$VOLOWN" --user 0:0 --chmod "$mode" --path "$T" -- true
		[ "$status" -eq 125 ] || { echo "accepted: $mode"; show_output; false; }
		[[ "$output" == "volown: --chmod: \`$mode' is not a mode"* ]] || { show_output; false; }
	done
	VOLOWN_CHMOD=bogus run "$VOLOWN" --user 0:0 --path "$T" -- true
	[ "$status" -eq 125 ]
}

@test "an already-right tree costs no chmod call; a wrong one one call per entry" {
	make_mode_tree "$T/t"
	# every call traced: an older strace does not know fchmodat2 (syscall 452) by name
	run strace -f -qq -o "$T/trace" "$VOLOWN" -q --user 0:0 --chmod u+rw --path "$T/t"
	[ "$status" -eq 0 ]
	[ "$(grep -cE '^[0-9]+ +(f?chmod|fchmodat2?|syscall_0x1c4)\(' "$T/trace")" -eq 2 ] # f0000 and d0500
	run strace -f -qq -o "$T/trace" "$VOLOWN" -q --user 0:0 --chmod u+rw --path "$T/t"
	[ "$(grep -cE '^[0-9]+ +(f?chmod|fchmodat2?|syscall_0x1c4|f?chown|fchownat|lchown)\(' "$T/trace")" -eq 0 ]
}

# The kubelet's rule for fsGroup, for each entry (its changeFilePermission): the group
# becomes fsGroup (the owner stays, symlinks included); then, symlinks excepted, the
# mode is OR-ed with 0660 (rw for owner and group), and for a directory also with 0110
# (x for owner and group) and the set-group-ID bit.
kubelet_fsgroup() {
	local top=$1 gid=$2 p m
	find "$top" -print0 | while IFS= read -r -d '' p; do
		m=$(stat -c %a "$p")
		chgrp -h "$gid" "$p"
		[ -L "$p" ] && continue
		if [ -d "$p" ]; then
			chmod "$(printf %o $((8#$m | 8#0660 | 8#0110 | 8#2000)))" "$p"
		else
			chmod "$(printf %o $((8#$m | 8#0660)))" "$p"
		fi
	done
}

@test "--user 1000:2000 --chmod g+rwX,g+s against the kubelet's fsGroup rule, entry by entry" {
	make_mode_tree "$T/k"
	chown -hR 1000:1000 "$T/k"
	cp -a "$T/k" "$T/v"
	kubelet_fsgroup "$T/k" 2000
	run "$VOLOWN" -q --user 1000:2000 --chmod g+rwX,g+s --path "$T/v"
	[ "$status" -eq 0 ] || { show_output; false; }
	# Every entry: same owner and group, and the same mode wherever the two rules agree.
	# They differ, by design of each, in exactly three ways, checked here one by one:
	#  1. chmod's g+s sets set-group-ID on regular files too; the kubelet only on
	#     directories;
	#  2. the kubelet adds rw for the owner (0660), and x for the owner of a directory;
	#     g+rwX leaves the owner's bits alone;
	#  3. X gives group x to a file executable by anyone; the kubelet never adds x to a
	#     file.
	local k v name kind km vm expect
	while read -r name kind owner km; do
		read -r _ _ vowner vm < <(modes_of "$T/v" | awk -v n="$name" '$1 == n')
		[ "$owner" = "$vowner" ] || fail "$name: kubelet $owner, volown $vowner"
		case $kind in
		l) expect=$km ;;
		d) expect=$(printf %o $((8#$km & ~8#0110 | (8#$vm & 8#0110) )))
		   # the owner's bits: the kubelet forces rwx, volown keeps the tree's
		   expect=$(printf %o $(( (8#$km & ~8#0700) | (8#$vm & 8#0700) ))) ;;
		f) expect=$(printf %o $(( (8#$km & ~8#0700) | (8#$vm & 8#0700) | 8#2000 |
			( (8#$vm & 8#0111) ? 8#0010 : 0) ))) ;;
		esac
		[ "$vm" = "$expect" ] || fail "$name ($kind): kubelet $km, volown $vm, expected $expect"
		[ "$km" = "$vm" ] || echo "# $name: kubelet $km, volown $vm" >&3
	done < <(modes_of "$T/k")
}

@test "--user 1000:2000 --chmod fsgroup gives exactly the kubelet's fsGroup result, entry by entry" {
	make_mode_tree "$T/k"
	mkdir -p "$T/k/d0755/sub" "$T/k/d0700/deeper/still"
	touch "$T/k/d0755/sub/file" "$T/k/d0700/deeper/still/exe"
	chmod 0700 "$T/k/d0700/deeper/still/exe"
	chown -hR 1000:1000 "$T/k"
	cp -a "$T/k" "$T/v"
	kubelet_fsgroup "$T/k" 2000
	run "$VOLOWN" -q --user 1000:2000 --chmod fsgroup --path "$T/v"
	[ "$status" -eq 0 ] || { show_output; false; }
	diff <(modes_of "$T/k") <(modes_of "$T/v")
	# and a second run has nothing left to do
	run "$VOLOWN" --user 1000:2000 --chmod fsgroup --path "$T/v"
	[[ "$output" == *" 0 changed"* ]]
}
