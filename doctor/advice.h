/* The fixes for a service's problems, in the order the original review gives them:
 * (1) is a volume needed at all; (2) volown in front of the original entrypoint
 * and command; (3) the Dockerfile (or host, or tmpfs option) change where it
 * works. Never `user: root` for the program itself. */
#ifndef VOLOWN_DOCTOR_ADVICE_H
#define VOLOWN_DOCTOR_ADVICE_H

#include "model.h"

struct fix {
	const char *kind; /* "no-volume", "volown", "dockerfile", "host-chown", "tmpfs-options" */
	char *text;
};

struct fixes {
	struct fix *v;
	size_t n;
};

/* The fixes for S (which has problems); FILES names the compose files for the
 * commands shown. */
void advise(const struct service *s, const struct strv *files, struct fixes *out);
void fixes_free(struct fixes *f);

#endif
