/* paths.c — safe resolution of the configured paths (see paths.h). */
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SYMLINKS 40

static const char *const refused[] = {
	"/",	 "/proc", "/sys", "/dev", "/etc",   "/usr",   "/bin",	 "/sbin",
	"/boot", "/var",  "/run", "/lib", "/lib32", "/lib64", "/libx32",
};

const char *path_status_text(enum path_status st)
{
	switch (st) {
	case PATH_OK:
		return "ok";
	case PATH_MISSING:
		return "no such file or directory";
	case PATH_UNTRUSTED:
		return "is a symbolic link that a non-root user could have made; refusing to "
		       "follow it";
	case PATH_NOT_DIR:
		return "not a directory";
	case PATH_REFUSED:
		return "is / or a system directory; refusing to change it";
	case PATH_RELATIVE:
		return "not an absolute path";
	case PATH_ERROR:
		break;
	}
	return "cannot open";
}

/* "/lib*" is refused as a pattern, the rest by exact name. */
static bool refused_by_name(const char *p)
{
	if (strncmp(p, "/lib", 4) == 0 && strchr(p + 1, '/') == NULL)
		return true;
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
		if (strcmp(p, refused[i]) == 0)
			return true;
	return false;
}

int path_is_refused(const char *resolved, int fd)
{
	struct stat st, sys;

	if (refused_by_name(resolved))
		return 1;
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	/* the same directory under another name: a bind mount, a trusted symlink */
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
		if (stat(refused[i], &sys) == 0 && sys.st_dev == st.st_dev &&
		    sys.st_ino == st.st_ino)
			return 1;
	return 0;
}

/* A symlink is trusted only if root made it where only root can write. */
static bool symlink_trusted(int dirfd, const struct stat *link)
{
	struct stat dir;
	if (link->st_uid != 0 || fstat(dirfd, &dir) < 0)
		return false;
	return dir.st_uid == 0 && (dir.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* The path being resolved: the components left, and the directory reached so far. */
struct resolver {
	char *rest; /* components still to walk, '/'-separated (owned) */
	char *done; /* the resolved path so far (owned), "" for "/" */
	size_t done_len;
	int fd; /* O_PATH descriptor of `done` */
	int links;
	const struct path_create *mk;
};

static int set_fd(struct resolver *r, int fd)
{
	if (fd < 0)
		return -1;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = fd;
	return 0;
}

static int restart_at_root(struct resolver *r)
{
	r->done_len = 0;
	r->done[0] = '\0';
	return set_fd(r, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
}

static void pop_done(struct resolver *r)
{
	char *slash = strrchr(r->done, '/');
	r->done_len = slash ? (size_t)(slash - r->done) : 0;
	r->done[r->done_len] = '\0';
}

static int push_done(struct resolver *r, const char *name)
{
	size_t n = strlen(name);
	char *d = realloc(r->done, r->done_len + n + 2);
	if (!d)
		return -1;
	r->done = d;
	d[r->done_len++] = '/';
	memcpy(d + r->done_len, name, n + 1);
	r->done_len += n;
	return 0;
}

/* Replaces the remaining path by `target` + "/" + the remaining path. */
static int splice_link(struct resolver *r, const char *target)
{
	const char *rest = r->rest;
	size_t tl = strlen(target), rl = strlen(rest);
	char *n = malloc(tl + rl + 2);
	if (!n)
		return -1;
	memcpy(n, target, tl);
	n[tl] = '/';
	memcpy(n + tl + 1, rest, rl + 1);
	free(r->rest);
	r->rest = n;
	return 0;
}

static char *read_link(int dirfd, const char *name, size_t size)
{
	char *buf = malloc(size + 1);
	ssize_t n;
	if (!buf)
		return NULL;
	n = readlinkat(dirfd, name, buf, size + 1);
	if (n < 0 || (size_t)n > size) {
		if (n >= 0)
			errno = ENAMETOOLONG; /* it grew since lstat: do not guess */
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static enum path_status follow(struct resolver *r, const char *name, const struct stat *st,
			       struct opened_path *out)
{
	char *target;
	enum path_status status = PATH_OK;

	if (!symlink_trusted(r->fd, st)) {
		out->detail = NULL;
		if (push_done(r, name) == 0)
			out->detail = strdup(r->done);
		return PATH_UNTRUSTED;
	}
	if (++r->links > MAX_SYMLINKS) {
		errno = ELOOP;
		return PATH_ERROR;
	}
	target = read_link(r->fd, name, (size_t)st->st_size);
	if (!target)
		return PATH_ERROR;
	if (splice_link(r, target) < 0 || (target[0] == '/' && restart_at_root(r) < 0))
		status = PATH_ERROR;
	free(target);
	return status;
}

/* True when nothing but slashes is left to resolve. */
static bool at_last(const struct resolver *r)
{
	return r->rest[strspn(r->rest, "/")] == '\0';
}

/* --mkdir: creates a missing component (never a system directory), opened without
 * following anything. The path's own directory is given to the user through that
 * descriptor; missing parents stay root's, as mkdir -p makes them. */
/* A directory just made by make_dir(): 0755 whatever the umask (a caller's umask 0777
 * made parents that locked everyone out), root's (even where the group would be a
 * setuid caller's), and the path's own given to the user. */
static int settle_made_dir(struct resolver *r, int fd)
{
	bool own = r->mk->chown && at_last(r);
	if (r->mk->chown && fchown(fd, own ? r->mk->uid : 0, own ? r->mk->gid : 0) < 0)
		return -1;
	return fchmod(fd, 0755);
}

static enum path_status make_dir(struct resolver *r, const char *name, struct opened_path *out)
{
	bool made;
	int fd;

	if (push_done(r, name) < 0)
		return PATH_ERROR;
	if (refused_by_name(r->done)) {
		out->detail = strdup(r->done);
		return PATH_REFUSED;
	}
	pop_done(r);
	made = mkdirat(r->fd, name, 0755) == 0;
	if (!made && errno != EEXIST)
		return PATH_ERROR;
	fd = openat(r->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? PATH_UNTRUSTED : PATH_ERROR;
	if (made && settle_made_dir(r, fd) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return PATH_ERROR;
	}
	set_fd(r, fd);
	out->created += made;
	return push_done(r, name) < 0 ? PATH_ERROR : PATH_OK;
}

/* Resolves one component; r->rest holds what follows it. */
static enum path_status step(struct resolver *r, const char *name, struct opened_path *out)
{
	struct stat st;

	if (strcmp(name, ".") == 0)
		return PATH_OK;
	if (strcmp(name, "..") == 0) {
		pop_done(r);
		return set_fd(r, openat(r->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0
			       ? PATH_ERROR
			       : PATH_OK;
	}
	if (fstatat(r->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT && r->mk)
			return make_dir(r, name, out);
		if (errno == ENOENT && push_done(r, name) == 0)
			out->detail = strdup(r->done);
		return errno == ENOENT	  ? PATH_MISSING
		       : errno == ENOTDIR ? PATH_NOT_DIR
					  : PATH_ERROR;
	}
	if (S_ISLNK(st.st_mode))
		return follow(r, name, &st, out);
	if (!S_ISDIR(st.st_mode)) {
		if (push_done(r, name) == 0)
			out->detail = strdup(r->done);
		return PATH_NOT_DIR;
	}
	if (set_fd(r, openat(r->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ELOOP || errno == ENOTDIR ? PATH_UNTRUSTED : PATH_ERROR;
	return push_done(r, name) < 0 ? PATH_ERROR : PATH_OK;
}

static enum path_status resolve(struct resolver *r, struct opened_path *out)
{
	for (;;) {
		char *p = r->rest, *name;
		size_t len;
		enum path_status st;

		while (*p == '/')
			p++;
		if (*p == '\0')
			return PATH_OK;
		len = strcspn(p, "/");
		if (!(name = strndup(p, len)))
			return PATH_ERROR;
		memmove(r->rest, p + len, strlen(p + len) + 1); /* what follows the name */
		st = step(r, name, out);
		free(name);
		if (st != PATH_OK)
			return st;
	}
}

enum path_status path_open(const char *path, const struct path_create *mk, struct opened_path *out)
{
	struct resolver r = { .fd = -1, .mk = mk };
	enum path_status st;

	*out = (struct opened_path){ .fd = -1 };
	if (path[0] != '/')
		return PATH_RELATIVE;
	r.rest = strdup(path);
	r.done = calloc(1, 1);
	if (!r.rest || !r.done || restart_at_root(&r) < 0) {
		st = PATH_ERROR;
		goto out;
	}
	st = resolve(&r, out);
	if (st != PATH_OK)
		goto out;
	out->resolved = r.done_len ? strdup(r.done) : strdup("/");
	out->fd = openat(r.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (out->fd < 0 || !out->resolved) {
		st = PATH_ERROR;
		goto out;
	}
	if (path_is_refused(out->resolved, out->fd))
		st = PATH_REFUSED;
out : {
	int saved = errno;
	if (r.fd >= 0)
		close(r.fd);
	free(r.rest);
	free(r.done);
	errno = saved;
}
	return st;
}

void path_close(struct opened_path *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p->resolved);
	free(p->detail);
	*p = (struct opened_path){ .fd = -1 };
}
