#!/usr/bin/env bats
# --auto on a host, not in a container: it must refuse, whatever the host's mounts
# (this machine's /var/lib/docker is a separate mount, and it carries /.dockerenv).
# Every run here has the chown capabilities dropped and is a --dry-run, so that a bug
# could not change anything of the host.

load helpers

setup() {
	require_root
	require_volown
}

host_pidns() {
	[ "$(stat -L -c %i /proc/self/ns/pid)" = 4026531836 ]
}

root_fstype() {
	awk '$5 == "/" { for (i = 7; $i != "-"; i++); t = $(i + 1) } END { print t }' /proc/self/mountinfo
}

# volown with no way to change an owner, as a dry run.
harmless_volown() {
	setpriv --bounding-set=-chown,-fowner,-dac_override "$VOLOWN" --dry-run "$@"
}

@test "on a host, --auto refuses (125) and says to name the paths with --path" {
	host_pidns || skip "these tests run inside a container themselves"
	local before
	before=$(stat -c '%n %u:%g' /var/lib/docker /var/lib /tmp /etc 2>/dev/null)
	run harmless_volown --user 4242 --auto -v -- true
	[ "$status" -eq 125 ] || { show_output; fail "exit status $status"; }
	[ "$output" = "volown: --auto: this is not a container (it runs in the host's first PID namespace), and every mount of a host is the host's own: refusing to look for volumes here; name them with --path" ] ||
		{ show_output; fail "not the expected message"; }
	[ "$before" = "$(stat -c '%n %u:%g' /var/lib/docker /var/lib /tmp /etc 2>/dev/null)" ]
	# VOLOWN_AUTO=1 the same
	VOLOWN_AUTO=1 run harmless_volown --user 4242
	[ "$status" -eq 125 ] || { show_output; fail "VOLOWN_AUTO=1: exit status $status"; }
}

@test "in a PID namespace of its own on a host (unshare), --auto still refuses: the root is a host's" {
	case $(root_fstype) in
	overlay | fuse.fuse-overlayfs | aufs) skip "this machine's root is an overlay" ;;
	esac
	run unshare -pf --mount-proc setpriv --bounding-set=-chown,-fowner,-dac_override \
		"$VOLOWN" --dry-run --user 4242 --auto -- true
	[ "$status" -eq 125 ] || { show_output; fail "exit status $status"; }
	[[ $output == "volown: --auto: this is not a container (its root filesystem is a whole filesystem, as a host's is, not a container image's)"* ]] ||
		{ show_output; fail "not the expected message"; }
}

@test "--path still works on a host: only the paths named" {
	local t
	t=$(mktemp -d /tmp/volown-auto.XXXXXX)
	touch "$t/f"
	run "$VOLOWN" --user 4242:4242 --path "$t"
	[ "$status" -eq 0 ] || { show_output; rm -rf "$t"; fail "exit status $status"; }
	[ "$(stat -c %u:%g "$t/f")" = 4242:4242 ] || { rm -rf "$t"; fail "not fixed"; }
	rm -rf "$t"
}
