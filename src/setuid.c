/* setuid.c — setuid mode (see setuid.h). */
#include "setuid.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define MARKER "volown.once"

bool setuid_mode(void)
{
	return getuid() != 0 && geteuid() == 0;
}

/* A setuid program must not let its own files land on a closed stdin/out/err. */
static void sanitize_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int null = open("/dev/null", O_RDWR);
		if (null != fd)
			_exit(EXIT_VOLOWN); /* cannot even report it */
	}
}

/* Root's, and writable by root alone. */
static bool root_only(const struct stat *st)
{
	return st->st_uid == 0 && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* Opens /etc/volown.conf without following a symlink, through a root-only /etc. */
static FILE *open_conf(void)
{
	struct stat st;
	int etc = open("/etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd;

	if (etc < 0 || fstat(etc, &st) < 0)
		die_errno(EXIT_VOLOWN, "setuid mode: cannot open `/etc'");
	if (!root_only(&st))
		die(EXIT_VOLOWN, "setuid mode: `/etc' is writable by others than root; refusing");
	fd = openat(etc, "volown.conf", O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	close(etc);
	if (fd < 0)
		die_errno(EXIT_VOLOWN, "setuid mode needs `%s' listing the paths to fix",
			  SETUID_CONF);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !root_only(&st))
		die(EXIT_VOLOWN,
		    "setuid mode: `%s' must be a regular file owned by root and writable "
		    "by root alone; refusing",
		    SETUID_CONF);
	return fdopen(fd, "r");
}

void setuid_config(int argc, char **argv, struct config *cfg)
{
	int first = 1;
	FILE *fp;

	sanitize_stdio();
	*cfg = (struct config){
		.log_level = LOG_NORMAL, .paths.layer = -1, .group_add.layer = -1, .setuid = true
	};
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	else if (argc > 1 && argv[1][0] == '-')
		die(EXIT_VOLOWN,
		    "`%s': volown runs setuid here and takes no option; its settings "
		    "come from %s alone",
		    argv[1], SETUID_CONF);
	if (first < argc)
		cfg->command = argv + first;
	if (!(fp = open_conf()))
		die_errno(EXIT_VOLOWN, "cannot read `%s'", SETUID_CONF);
	config_read_file(cfg, fp, SETUID_CONF, true);
	fclose(fp);
	cfg->hardlinks = HARDLINKS_SKIP; /* never take a file linked from elsewhere */
	config_settle_log_level(cfg);
}

void setuid_identity(struct identity *id)
{
	int n = getgroups(0, NULL);
	const char *home = getenv("HOME");

	memset(id, 0, sizeof *id);
	id->uid = getuid();
	id->gid = getgid();
	if (n < 0 || !(id->groups = calloc((size_t)n + 1, sizeof *id->groups)) ||
	    (n = getgroups(n, id->groups)) < 0)
		die_errno(EXIT_VOLOWN, "cannot read the caller's groups");
	id->ngroups = (size_t)n;
	if (!(id->home = strdup(home ? home : "/")))
		die(EXIT_VOLOWN, "out of memory");
}

/* The directory for the marker: /run, else /var/run, made when neither exists. */
static int marker_dir(void)
{
	static const char *const dirs[] = { "/run", "/var/run" };
	struct stat st;

	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && root_only(&st))
			return fd;
		close(fd);
	}
	if (mkdir("/run", 0755) < 0 && errno != EEXIST)
		die_errno(EXIT_VOLOWN, "setuid mode: cannot create `/run' for its marker");
	int fd = open("/run", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !root_only(&st))
		die(EXIT_VOLOWN,
		    "setuid mode: no root-only /run or /var/run for its marker; refusing");
	return fd;
}

/* The once-per-container claim: a lock that one run holds while it fixes, and a marker
 * that only a complete run leaves. Both root's, in a root-only /run or /var/run. */
#define LOCK "volown.lock"

static void check_root_file(int dir, const char *name)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != 0)
		die(EXIT_VOLOWN, "setuid mode: `%s' under /run is not root's own file; refusing",
		    name);
}

int setuid_claim(const volatile sig_atomic_t *stop)
{
	int dir = marker_dir(), lock;
	struct stat st;

	lock = openat(dir, LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (lock < 0)
		die_errno(EXIT_VOLOWN, "setuid mode: cannot open its lock `/run/%s'", LOCK);
	if (fstat(lock, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0)
		die(EXIT_VOLOWN, "setuid mode: `%s' under /run is not root's own file; refusing",
		    LOCK);
	/* a second run started meanwhile waits here for the first one to finish */
	while (flock(lock, LOCK_EX) < 0) {
		if (errno != EINTR)
			die_errno(EXIT_VOLOWN, "setuid mode: cannot lock `/run/%s'", LOCK);
		if (*stop) {
			close(lock);
			close(dir);
			return -1;
		}
	}
	if (fstatat(dir, MARKER, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		check_root_file(dir, MARKER);
		close(lock);
		close(dir);
		return -1;
	}
	if (errno != ENOENT)
		die_errno(EXIT_VOLOWN, "setuid mode: cannot read its marker `/run/%s'", MARKER);
	close(dir);
	return lock;
}

void setuid_complete(int lock)
{
	int dir = marker_dir();
	int fd = openat(dir, MARKER, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || fchown(fd, 0, 0) < 0) /* not the caller's group */
		die_errno(EXIT_VOLOWN, "setuid mode: cannot create its marker `/run/%s'", MARKER);
	close(fd);
	close(dir);
	close(lock); /* lets a waiting run see the marker */
}
