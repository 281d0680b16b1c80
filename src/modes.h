/* modes.h — chmod(1) modes: parsed once, applied to each entry of the walk.
 *
 * Octal (`0750`, `2775`) or symbolic clauses separated by commas, each
 * `[ugoa]*([-+=]([rwxXst]*|[ugo]))+`, with GNU chmod's meaning: `X` is execute for
 * directories and for files already executable by someone; a directory keeps its
 * set-user-ID and set-group-ID bits unless the mode names them (`g-s`, or five octal
 * digits). One difference: with no `ugoa`, `a` is meant and the umask plays no part,
 * so that a mode gives the same result whatever the container's umask.
 *
 * The preset `fsgroup` is the kubelet's rule for a pod's fsGroup, which no chmod(1)
 * mode can express: rw for owner and group on every entry (0660), and x for owner and
 * group plus set-group-ID on directories (02770); never x on a file. */
#ifndef VOLOWN_MODES_H
#define VOLOWN_MODES_H

#include <stdbool.h>
#include <sys/types.h>

#define MODES_MAX 32 /* operations in one mode */

struct mode_op {
	unsigned short affected;  /* bits the who selects (all of 07777 when none given) */
	unsigned short value;	  /* bits the permissions name */
	unsigned short mentioned; /* bits the mode names (for a directory's s bits) */
	char op;		  /* '=', '+' or '-' */
	char flag;		  /* 0, 'X', or 'u' 'g' 'o': copy that class */
};

struct modes {
	struct mode_op ops[MODES_MAX];
	unsigned n;   /* 0: no mode given */
	bool fsgroup; /* the preset "fsgroup": Kubernetes fsGroup's mode rule */
};

/* Parses `s`; 0, or -1 when it is not a mode (or has more than MODES_MAX operations). */
int modes_parse(const char *s, struct modes *out);

/* The permission bits (07777) `mode` (type bits included) gets under `m`; its own
 * when `m` has no operation (no --chmod). */
mode_t modes_apply(const struct modes *m, mode_t mode);

#endif
