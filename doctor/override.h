/* --write-override: a compose override file that puts volown in front of each
 * problem service's original entrypoint and command. Written with libyaml's
 * emitter; the user's own files are never touched. */
#ifndef VOLOWN_DOCTOR_OVERRIDE_H
#define VOLOWN_DOCTOR_OVERRIDE_H

#include "model.h"

/* Where volown is mounted inside the container. */
#define VOLOWN_IN_CONTAINER "/volown"

/* Write the override for P's problem services to PATH, mounting the static
 * binary VOLOWN (an absolute host path). Returns the number of services written;
 * dies on I/O errors. */
size_t write_override(const struct project *p, const char *path, const char *volown);

/* The static volown binary: next to this program, else on PATH. Owned, or NULL. */
char *find_volown_binary(void);

#endif
