# Every architecture of release/arches, and how to run its binaries here: natively for
# the host's own, else under qemu-user (Debian's qemu-user-static), called explicitly,
# so that no binfmt_misc registration is needed.
#
#   arch_list                  the architectures, one a line
#   arch_field ARCH N          field N of its line (2 GNU triplet, 3 musl, 4 qemu, 5 platform,
#                              6 size budget)
#   arch_native ARCH           true when the host runs ARCH's binaries itself
#   arch_wrapper ARCH BIN DIR  writes DIR/$(basename BIN): a script that runs BIN as ARCH,
#                              and prints its path (BIN itself when native)

ARCH_TABLE=${VOLOWN_ROOT:?}/release/arches

arch_list() {
	sed -e 's/#.*//' "$ARCH_TABLE" | awk 'NF { print $1 }'
}

arch_field() {
	awk -v a="$1" -v n="$2" '!/^#/ && $1 == a { print $n }' "$ARCH_TABLE"
}

# i386 on x86_64 runs natively where the kernel has its 32-bit syscall layer (the real
# compat system calls are then what the tests exercise); elsewhere under qemu-i386.
arch_native() {
	[ "$(arch_field "$1" 4)" = "$(uname -m)" ] && return 0
	[ "$1" = i386 ] && [ "$(uname -m)" = x86_64 ] &&
		"$VOLOWN_ROOT/build/i386/volown" --version >/dev/null 2>&1
}

arch_wrapper() {
	local arch=$1 bin=$2 dir=$3 q
	if arch_native "$arch"; then
		echo "$bin"
		return
	fi
	q=$(arch_field "$arch" 4)
	mkdir -p "$dir" || return
	printf '#!/bin/sh\n# %s, for %s, under qemu-user\nexec /usr/bin/qemu-%s-static %s "$@"\n' \
		"$bin" "$arch" "$q" "$bin" >"$dir/${bin##*/}" || return
	chmod 0755 "$dir/${bin##*/}"
	echo "$dir/${bin##*/}"
}
