/* target.h — who the command will run as, and whether volown may switch to it. */
#ifndef VOLOWN_TARGET_H
#define VOLOWN_TARGET_H

#include <stdbool.h>

#include "config.h"
#include "ids.h"

struct target {
	struct identity id;
	bool privileged; /* volown runs as root: it fixes and drops */
};

/* Resolves --user against /etc/passwd and /etc/group. As root a user is required;
 * otherwise it must name the current user. Exits 125 with a message on error. */
void target_resolve(const struct config *cfg, struct target *t);

#endif
