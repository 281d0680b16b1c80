/* ids.h — turn a user spec ("user", "uid", "user:group", ...) into ids, as gosu does.
 *
 * Only reads /etc/passwd and /etc/group (or the files given); changes nothing. */
#ifndef VOLOWN_IDS_H
#define VOLOWN_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct identity {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups, exactly what setgroups() gets */
	size_t ngroups;
	char *home; /* HOME for the command: passwd's, else "/" */
};

/* What an empty user or group part falls back to: the caller's own ids. */
struct id_defaults {
	uid_t uid;
	gid_t gid;
};

/* Resolves `spec` with gosu's semantics:
 *  - a number (optional sign, decimal, fits in 64 bits) is always an id, never a name;
 *  - "user" alone takes passwd's uid, gid and home, plus every group of /etc/group that
 *    lists the user as a member as supplementary groups;
 *  - "user:group" takes exactly that group and no supplementary group;
 *  - an unknown name is an error; a number with no passwd entry keeps the default gid
 *    and HOME "/"; ids must be in 0..2147483647.
 * Lines are read by their length: a NUL byte is part of a field, so `app\0evil' never
 * matches `app'. Where gosu reads a matched entry's missing, empty or non-numeric uid
 * or gid as 0 (root), volown refuses it, naming the file and line.
 * A passwd or group file that cannot be opened counts as empty. On error, returns -1
 * and writes a one-line reason (without "volown: ") into err. */
int ids_resolve(const char *spec, const struct id_defaults *def, const char *passwd_path,
		const char *group_path, struct identity *out, char *err, size_t errlen);

/* Adds one supplementary group to `id', as `docker run --group-add' does: a number
 * is a gid, anything else a name looked up in group_path; sets *added to its gid. A
 * group already there is not added twice. On error, returns -1 with a one-line
 * reason in err. */
int ids_group_add(const char *word, const char *group_path, struct identity *id, gid_t *added,
		  char *err, size_t errlen);

void ids_free(struct identity *id);

/* Go's strconv.Atoi, which gosu uses: [+-]digits, in int64 range. */
bool ids_parse_number(const char *s, long long *out);
/* The same for the `len' bytes at `s' (a NUL among them makes it no number). */
bool ids_parse_number_n(const char *s, size_t len, long long *out);

#endif
