/* The review itself: for each service, ask the engine, resolve whom the program
 * runs as, predict every mount, and collect the warnings. */
#ifndef VOLOWN_DOCTOR_CHECK_H
#define VOLOWN_DOCTOR_CHECK_H

#include "engine.h"
#include "model.h"

struct totals {
	size_t problems;
	size_t warnings;
	size_t notes;  /* host paths of the user's that matter only if written */
	size_t errors; /* services that could not be checked */
};

void check_project(struct engine *e, struct project *p, struct totals *t);

/* The command the service runs: its entrypoint and command after compose's rules
 * (setting entrypoint: drops the image's CMD). */
void effective_command(const struct service *s, struct strv *out);

/* The user the program runs as, as written (service user:, else the image's USER;
 * "" is root). */
const char *effective_user(const struct service *s);

#endif
