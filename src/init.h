/* init.h — --init: stay as PID 1 (or a subreaper), run the command as a child,
 * forward signals to it and reap every zombie. See docs/init.md. */
#ifndef VOLOWN_INIT_H
#define VOLOWN_INIT_H

#include <stdnoreturn.h>

#include "config.h"

/* Runs cfg->command as a child and supervises it until it ends; exits with its
 * status, or 128+N when it was killed by signal N. Signals volown receives go to the
 * child (to its process group with cfg->init_group); SIGCHLD is not forwarded. Exits
 * 125 when the child cannot be started, 126/127 (from the child) when the command
 * cannot be executed. */
noreturn void init_supervise(const struct config *cfg);

#endif
