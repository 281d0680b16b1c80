/* The capabilities a service's container starts with, by the engine's rules for
 * cap_add, cap_drop and privileged, and the ones volown needs from them. Pure
 * functions. */
#ifndef VOLOWN_DOCTOR_CAPS_H
#define VOLOWN_DOCTOR_CAPS_H

#include <stdbool.h>

#include "model.h"

/* Whether the container of S holds capability CAP ("DAC_OVERRIDE", without the CAP_
 * prefix) in its bounding set, which is what a root program runs with. */
bool service_has_cap(const struct service *s, const char *cap);

/* Append to OUT the capabilities that volown, started as root in the container of S,
 * needs and S's container would not have: CHOWN, FOWNER, SETUID, SETGID, and
 * DAC_READ_SEARCH unless DAC_OVERRIDE or DAC_READ_SEARCH is there. */
void volown_missing_caps(const struct service *s, struct strv *out);

/* Whether volown in front of S's program suits it: not when the program runs as root
 * in a container without some capability volown needs, since adding it for volown
 * would hand it to the program too (volown clears the capabilities only when it drops
 * to another user than root). */
bool volown_suits(const struct service *s);

#endif
