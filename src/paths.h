/* paths.h — open a configured path without following a symlink that a non-root
 * user could have planted, and refuse the system's own directories. */
#ifndef VOLOWN_PATHS_H
#define VOLOWN_PATHS_H

#include <stdbool.h>
#include <sys/types.h>

/* Outcomes of path_open(). */
enum path_status {
	PATH_OK = 0,
	PATH_MISSING,	/* a component does not exist */
	PATH_UNTRUSTED, /* a component is a symlink a non-root user could have made */
	PATH_NOT_DIR,	/* the path or one of its components is not a directory */
	PATH_REFUSED,	/* "/" or a system directory */
	PATH_RELATIVE,	/* not absolute */
	PATH_ERROR,	/* another system error, in errno */
};

struct opened_path {
	int fd;		  /* O_RDONLY|O_DIRECTORY, ready for the walk */
	char *resolved;	  /* the path with trusted symlinks resolved */
	char *detail;	  /* for errors: the component at fault */
	unsigned created; /* directories made by --mkdir */
};

/* With --mkdir: missing directories are created (mode 0755); when `chown` is set, the
 * path's own directory is given to uid:gid through its descriptor (missing parents
 * stay root's). A missing system directory (/run in a scratch image) is refused, not
 * created. */
struct path_create {
	bool chown;
	uid_t uid;
	gid_t gid;
};

/* Opens `path`. A symlink component is followed only if the link is owned by root
 * and sits in a root-owned directory that group and others cannot write. `mk` is NULL
 * unless missing directories are to be created. */
enum path_status path_open(const char *path, const struct path_create *mk, struct opened_path *out);

/* A one-line explanation of a failed path_open(), without "volown: ". */
const char *path_status_text(enum path_status st);

void path_close(struct opened_path *p);

/* True when `resolved` names "/" or one of the system's own directories (/etc,
 * /usr, /proc, ...), by name or by identity. */
int path_is_refused(const char *resolved, int fd);

#endif
