/* mounts.h — which mounts of the container are its writable volumes (--auto), read
 * from /proc/self/mountinfo. */
#ifndef VOLOWN_MOUNTS_H
#define VOLOWN_MOUNTS_H

#include <stdbool.h>
#include <stdio.h>

/* The fields of one mountinfo line that the choice needs. */
struct mountinfo {
	char *mount_point; /* unescaped (\040 is a space, ...) */
	char *options;	   /* per-mount options: rw or ro, ... */
	char *fstype;
};

/* Splits one line in place (the strings point into it). -1 if malformed. */
int mountinfo_parse_line(char *line, struct mountinfo *m);

/* NULL when the mount is a writable volume to fix; otherwise why it is left out. */
const char *mounts_exclusion(const struct mountinfo *m);

/* Calls `fn` for every mount of the table in `fp`, with the reason it is left out
 * (NULL: taken). A mount point mounted over again is reported once, as the last one. */
typedef void (*mount_fn)(const char *mount_point, const char *why_not, void *ctx);
int mounts_scan(FILE *fp, mount_fn fn, void *ctx);

#endif
