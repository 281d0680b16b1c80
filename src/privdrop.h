/* privdrop.h — apply an identity: a few system calls that must not fail silently. */
#ifndef VOLOWN_PRIVDROP_H
#define VOLOWN_PRIVDROP_H

#include "ids.h"

/* Sets the supplementary groups, then the real, effective and saved gid, then uid;
 * clears every capability set when the target is not root; then checks that all of it
 * holds and that root cannot be regained. Sets HOME. Exits 125 on any failure. */
void privdrop_apply(const struct identity *id);

#endif
