/* setuid.h — setuid mode: volown installed root:root 4755 in an image that keeps its
 * non-root USER. It takes its settings only from a root-owned /etc/volown.conf, fixes
 * only for the calling user, does its privileged work at most once per container,
 * then drops every privilege. */
#ifndef VOLOWN_SETUID_H
#define VOLOWN_SETUID_H

#include <signal.h>
#include <stdbool.h>

#include "config.h"
#include "ids.h"

#define SETUID_CONF "/etc/volown.conf" /* opened as "volown.conf" under a checked /etc */

/* True when started setuid root by a non-root user. */
bool setuid_mode(void);

/* Builds cfg for setuid mode: no option but `--`, no VOLOWN_* variable, only the
 * settings of SETUID_CONF, which must be owned by root and writable by root alone. */
void setuid_config(int argc, char **argv, struct config *cfg);

/* The calling user: real uid, real gid, current supplementary groups, HOME kept. */
void setuid_identity(struct identity *id);

/* Claims this container's one privileged run: takes a root-owned lock under /run (or
 * /var/run), waiting while another run holds it. Returns the lock's descriptor when
 * the volumes still have to be fixed, -1 when an earlier run completed them, or when
 * `*stop' turned nonzero while it waited. */
int setuid_claim(const volatile sig_atomic_t *stop);

/* The fix was complete: leaves the marker that later runs find, then lets go of the
 * lock. A run that fails or is stopped never gets here: the next one fixes again. */
void setuid_complete(int lock);

#endif
