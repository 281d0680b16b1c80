/* --write-override: a compose override file that puts volown in front of each
 * problem service's original entrypoint and command. Written with libyaml's
 * emitter; the user's own files are never touched. */
#ifndef VOLOWN_DOCTOR_OVERRIDE_H
#define VOLOWN_DOCTOR_OVERRIDE_H

#include <jansson.h>
#include <stdbool.h>

#include "model.h"

/* Where volown is mounted inside the container. */
#define VOLOWN_IN_CONTAINER "/volown"

/* What the override sets for one service. */
struct override_spec {
	struct strv entrypoint; /* volown, its options, "--" */
	struct strv command;	/* the original entrypoint and command */
	struct strv cap_add;	/* what volown needs and the container lacks */
	struct strv paths;	/* the --path targets */
	char *why_not;		/* why S gets no override, or NULL */
};

/* The override for S: returns 0, or -1 with SPEC->why_not set. Free SPEC either way. */
int override_for(const struct service *s, struct override_spec *spec);
void override_spec_free(struct override_spec *spec);

/* S's part of the override as JSON ({"user", "entrypoint", "command", "cap_add",
 * "volumes"}), or NULL when S gets none. VOLOWN may be NULL (no "volumes" then). */
json_t *override_fragment(const struct service *s, const char *volown);

/* Whether volown refuses PATH as a --path (/, /etc, /var, ...: src/paths.c). */
bool volown_refuses(const char *path);
/* Whether M is a problem that volown can fix: a directory it does not refuse. */
bool volown_can_fix(const struct mount *m);

/* Write the override for P's problem services to PATH, mounting the static
 * binary VOLOWN (an absolute host path). Returns the number of services written
 * (nothing is written when none can be); dies on I/O errors. */
size_t write_override(const struct project *p, const char *path, const char *volown);

/* The static volown binary: next to this program, else on PATH. Owned, or NULL. */
char *find_volown_binary(void);

#endif
