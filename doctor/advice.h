/* The fixes for a service's problems, in the order the original review gives them:
 * (1) is a volume needed at all; (2) volown in front of the original entrypoint
 * and command; (3) the Dockerfile (or host, or tmpfs option) change where it
 * works. Never `user: root` for the program itself, and never the user's own host
 * files given away unless asked (--chown-bind-mounts). */
#ifndef VOLOWN_DOCTOR_ADVICE_H
#define VOLOWN_DOCTOR_ADVICE_H

#include <stdbool.h>

#include "model.h"

struct fix {
	const char *kind;  /* "no-volume", "volown", "dockerfile", "host-chown",
			    * "tmpfs-options", "bind-if-written" */
	char *text;	   /* the advice in words */
	char *command;	   /* the command (or Dockerfile line, or tmpfs entry) to use, or NULL */
	char *option;	   /* the doctor option this fix asks for, or NULL */
	struct strv paths; /* the container paths it concerns */
	bool override;	   /* the override fragment of the service applies (kind "volown") */
};

struct fixes {
	struct fix *v;
	size_t n;
};

/* The fixes for S in project P (whose files and options are shown in commands). */
void advise(const struct project *p, const struct service *s, struct fixes *out);
void fixes_free(struct fixes *f);

/* "volown doctor [-p NAME] -f FILE... [--chown-bind-mounts]": how the user ran the
 * doctor, for the commands the advice shows. Owned. */
char *doctor_command(const struct project *p);

#endif
