/* Merging two definitions of a service, as docker-compose 1.29 merges them (several
 * -f files, and extends): scalars replace; volumes and devices merge by container
 * path, sorted by it; cap_add, cap_drop, volumes_from, profiles and the like become
 * the sorted union of their items as text; tmpfs, env_file, dns become the
 * concatenation; environment, labels and depends_on merge key by key; keys that
 * compose does not know are dropped. Pure. */
#ifndef VOLOWN_DOCTOR_MERGE_H
#define VOLOWN_DOCTOR_MERGE_H

#include <jansson.h>
#include <stdbool.h>

/* A new service definition: BASE overridden by OVERRIDE (either may be NULL). V1:
 * the version-1 format, where image: and build: replace each other. */
json_t *merge_service(const json_t *base, const json_t *override, bool v1);

/* The container path a volumes: entry is merged by: the target of a long-syntax
 * entry; for a string, what follows the first ":" less a last ":MODE" (compose's
 * split_path_mapping), or the whole string. Owned. */
char *volume_merge_key(const json_t *entry);

/* A value's text as Python's str() gives it for a string, an integer, a real or a
 * boolean ("True"); NULL for anything else. Owned. */
char *json_scalar_text(const json_t *v);

#endif
