/* streams.c — the standard streams, for the command's user (see streams.h).
 *
 * runc (libcontainer/init_linux.go, fixStdioPermissions, called from setupUser just
 * before setgroups/setgid/setuid, for a container's first process and for `docker
 * exec'): for each of stdin, stdout and stderr, fstat; skip it if its owner is already
 * the uid or if it is /dev/null (by device number); else fchown(fd, uid, its own gid),
 * ignoring EINVAL, EPERM and EROFS. The engine's descriptors are pipes (no -t; stdin is
 * /dev/null without -i) or the container's own pseudo-terminal (-t). We do the same
 * for those kinds only, recognised by their filesystem, since volown may be handed a
 * host's file as a stream where runc never is; and only in a container (mounts.h): on
 * a host, a terminal given to another user would let that user type into it. */
#include "streams.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "mounts.h"

#define PTY_SLAVE_MAJOR_FIRST 136 /* UNIX98_PTY_SLAVE_MAJOR */
#define PTY_SLAVE_MAJOR_LAST  143 /* ... and its 7 successors */

static const char *const names[] = { "standard input", "standard output", "standard error" };

/* What an engine makes for a container: an anonymous pipe (pipefs), a socket
 * (sockfs), a pseudo-terminal's slave (devpts, not its ptmx). */
static bool engine_made(const struct stat *st, const struct statfs *fs)
{
	unsigned maj = major(st->st_rdev);

	switch ((unsigned long)fs->f_type) {
	case PIPEFS_MAGIC:
		return S_ISFIFO(st->st_mode);
	case SOCKFS_MAGIC:
		return S_ISSOCK(st->st_mode);
	case DEVPTS_SUPER_MAGIC:
		return S_ISCHR(st->st_mode) && maj >= PTY_SLAVE_MAJOR_FIRST &&
		       maj <= PTY_SLAVE_MAJOR_LAST;
	default:
		return false;
	}
}

/* Whether `fd' is a stream of the engine's, not yet the user's: then it is to be given. */
static bool to_give(int fd, uid_t uid, struct stat *st)
{
	struct statfs fs;

	if (fstat(fd, st) < 0 || fstatfs(fd, &fs) < 0) {
		if (errno != EBADF)
			warn_errno("cannot look at %s", names[fd]);
		return false;
	}
	return st->st_uid != uid && engine_made(st, &fs);
}

static void give_one(int fd, uid_t uid)
{
	if (fchown(fd, uid, (gid_t)-1) == 0)
		verbose("%s given to uid %lu", names[fd], (unsigned long)uid);
	else if (errno != EPERM && errno != EINVAL && errno != EROFS)
		warn_errno("cannot give %s to uid %lu", names[fd], (unsigned long)uid);
}

void streams_give(uid_t uid)
{
	struct stat st;
	bool give[3], any = false;
	const char *why;

	for (int fd = 0; fd <= 2; fd++)
		any |= give[fd] = to_give(fd, uid, &st);
	if (!any)
		return;
	/* a host's terminal given to another user would let that user type into it */
	if ((why = mounts_not_container_here())) {
		verbose("the standard streams stay as they are: this is not a container (%s)", why);
		return;
	}
	for (int fd = 0; fd <= 2; fd++)
		if (give[fd])
			give_one(fd, uid);
}
