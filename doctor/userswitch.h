/* Images whose entrypoint changes user before the program runs (gosu, su-exec,
 * setpriv, chroot --userspec, runuser, su, s6-setuidgid, chpst, setuidgid, volown):
 * the program may then run as another user than the one the container starts as.
 * Pure. */
#ifndef VOLOWN_DOCTOR_USERSWITCH_H
#define VOLOWN_DOCTOR_USERSWITCH_H

#include "util.h"

/* The tool that switches user, found in the command CMD (its words) or in SCRIPT
 * (the text of the file CMD runs first, or NULL): "gosu", "su-exec", ... or NULL.
 * Static storage. */
const char *user_switch_tool(const struct strv *cmd, const char *script);

/* The user that the command CMD itself switches to, when its words say so: gosu USER,
 * su-exec USER, volown --user USER, setpriv --reuid=U [--regid=G], chroot
 * --userspec=U:G, runuser -u USER, s6-setuidgid USER, chpst -u USER. Owned, or NULL. */
char *user_switch_target(const struct strv *cmd);

#endif
