/* User-namespace id maps: which host id a container's id is, and back. */
#ifndef VOLOWN_DOCTOR_IDMAP_H
#define VOLOWN_DOCTOR_IDMAP_H

#include <stddef.h>

struct idrange {
	long inside;  /* the first id in the container */
	long outside; /* the host id it is */
	long count;
};

/* No range: the identity (no user namespace). */
struct idmap {
	struct idrange *v;
	size_t n;
};

void idmap_add(struct idmap *m, long inside, long outside, long count);
void idmap_free(struct idmap *m);

/* The host id of container id ID, or -1 when the namespace has none. */
long idmap_to_host(const struct idmap *m, long id);
/* The container id of host id ID, or -1 when it is outside the namespace. */
long idmap_to_container(const struct idmap *m, long id);

/* The subordinate ranges of a user in TEXT, the content of /etc/subuid or
 * /etc/subgid ("name-or-uid:start:count" lines), in the file's order, appended
 * to OUT one after the other from container id FIRST. The user is NAME, or the
 * number UID (-1: any). Returns the count of ranges added. */
size_t subid_append(struct idmap *out, const char *text, const char *name, long uid, long first);

/* The name (or uid, as written) of the first line of TEXT whose range starts at
 * START, or NULL (owned). */
char *subid_owner_at(const char *text, long start);

/* "0-65535 -> 165536-231071, ..." (owned). */
char *idmap_describe(const struct idmap *m);

#endif
