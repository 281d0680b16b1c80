/* mounts.h — which mounts of the container are its writable volumes (--auto), read
 * from /proc/self/mountinfo, and whether this is a container at all. */
#ifndef VOLOWN_MOUNTS_H
#define VOLOWN_MOUNTS_H

#include <stdbool.h>
#include <stdio.h>

/* The fields of one mountinfo line that the choice needs (unescaped: \040 is a space). */
struct mountinfo {
	char *root;	   /* the directory mounted, inside its own filesystem: "/" when
			      the whole filesystem is mounted, a path for a bind mount */
	char *mount_point; /* where it is mounted in this process's view */
	char *options;	   /* per-mount options: rw or ro, ... */
	char *fstype;
	char *source;
};

/* Splits one line in place (the strings point into it). -1 if malformed. */
int mountinfo_parse_line(char *line, struct mountinfo *m);

/* The inode of the kernel's first PID namespace (PROC_PID_INIT_INO), which every
 * host process is in and no container is (unless it shares the host's). */
#define MOUNTS_HOST_PIDNS_INO 0xEFFFFFFCull

/* Why this process is not in a container, or NULL when it is. A container, for volown,
 * is a process in a PID namespace of its own whose root filesystem is a container
 * image's: an overlay (Docker, containerd, CRI-O, Podman), or a directory of another
 * filesystem (a bind mount: the vfs, btrfs and devicemapper storage drivers). A host's
 * root is a whole filesystem, and a host's processes share the first PID namespace.
 * `pidns_ino': the inode of /proc/self/ns/pid (0 when unknown); `root': the mount at
 * "/", or NULL when there was none. */
const char *mounts_not_container(unsigned long long pidns_ino, const struct mountinfo *root);

/* The inode of this process's PID namespace (/proc/self/ns/pid), 0 when unknown. */
unsigned long long mounts_pid_namespace(void);

/* mounts_not_container() for this process, from /proc/self/mountinfo's root mount. */
const char *mounts_not_container_here(void);

/* NULL when the mount is a writable volume to fix; otherwise why it is left alone, with
 * *host set when the reason is that it exposes the host (then every mount below it is
 * left alone too). `dirfd': the mount point, opened O_RDONLY|O_DIRECTORY|O_NOFOLLOW
 * (what it holds tells an operating system's tree or an engine's state from a volume),
 * or -1 when it could not be opened as a directory. */
const char *mounts_exclusion(const struct mountinfo *m, int dirfd, bool *host);

/* Reads the table in `fp'. When this is no container (see mounts_not_container, with
 * `pidns_ino'), returns 1 with the reason in *not_container and calls nothing;
 * otherwise calls `fn' for every mount with the reason it is left alone (NULL: taken),
 * a mount point mounted over again once, judged by its last mount, a mount inside one
 * that exposes the host left alone with it, and returns 0.
 * -1: out of memory. */
typedef void (*mount_fn)(const char *mount_point, const char *why_not, void *ctx);
int mounts_scan(FILE *fp, unsigned long long pidns_ino, const char **not_container, mount_fn fn,
		void *ctx);

#endif
