/* fix.h — the fix phase: every configured path, opened safely, then walked. */
#ifndef VOLOWN_FIX_H
#define VOLOWN_FIX_H

#include "config.h"
#include "target.h"

/* Fixes every path of cfg for t (as root), or checks that t can write there (not
 * root). Prints one summary line per path. Returns 0, or 125 after reporting. */
int fix_paths(const struct config *cfg, const struct target *t);

#endif
