/* streams.h — the standard streams, handed to the command's user before the drop, as
 * the container runtime does for `docker run -u`. */
#ifndef VOLOWN_STREAMS_H
#define VOLOWN_STREAMS_H

#include <sys/types.h>

/* Gives descriptors 0, 1 and 2 to `uid' (the group is kept), as runc does before it
 * switches to the container's user, so that the command can reopen /dev/stdout,
 * /dev/stderr or /proc/self/fd/N. Only what an engine makes for a container is
 * changed: an anonymous pipe, a socket, or a pseudo-terminal's slave. A descriptor
 * that is closed, already the user's, or anything else (/dev/null and other devices,
 * a file, a named FIFO: they may be the host's) is left alone. A refusal the runtime
 * also ignores (EPERM, EINVAL, EROFS: a user namespace, a read-only /dev) is silent;
 * any other failure is a warning. Never fails. */
void streams_give(uid_t uid);

#endif
