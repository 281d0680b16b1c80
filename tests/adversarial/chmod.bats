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

# What chmod(1) can say is not the kubelet's rule: --chmod g+rwX,g+s gives exactly what
# GNU chown 1000:2000 then GNU chmod g+rwX,g+s give (the reference, computed from the
# same starting tree); where that differs from the kubelet's fsGroup rule is listed
# (diagnostics: chmod's g+s also marks files, the kubelet adds rw and x for the owner,
# X adds x to executable files), which is why --chmod fsgroup exists (next test).
@test "--user 1000:2000 --chmod g+rwX,g+s gives GNU chown and chmod's result; the kubelet's differs" {
	make_mode_tree "$T/k"
	chown -hR 1000:1000 "$T/k"
	cp -a "$T/k" "$T/v"
	cp -a "$T/k" "$T/c"
	kubelet_fsgroup "$T/k" 2000
	chown -hR 1000:2000 "$T/c"
	(umask 0 && find "$T/c" ! -type l -exec chmod g+rwX,g+s {} +)
	run "$VOLOWN" -q --user 1000:2000 --chmod g+rwX,g+s --path "$T/v"
	[ "$status" -eq 0 ] || { show_output; fail "exit status $status"; }
	if [ "$(modes_of "$T/c")" != "$(modes_of "$T/v")" ]; then
		diff <(modes_of "$T/c") <(modes_of "$T/v") >&2
		fail "GNU chown and chmod (<) and volown (>) differ"
	fi
	diff <(modes_of "$T/k") <(modes_of "$T/v") | sed -n 's/^</# kubelet:/p; s/^>/# volown: /p' >&3 || true
	if [ "$(modes_of "$T/k")" = "$(modes_of "$T/v")" ]; then
		fail "no difference from the kubelet's rule: --chmod fsgroup would not be needed"
	fi
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
