/* run.c — exec the command (see run.h). */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static noreturn void exec_failed(const char *cmd)
{
	if (errno == ENOENT || errno == ENOTDIR)
		die_errno(EXIT_NOT_FOUND, "cannot run `%s'", cmd);
	die_errno(EXIT_CANNOT_RUN, "cannot run `%s'", cmd);
}

/* execvp(), except that the exit code tells "not found anywhere on PATH" (127) from
 * "found but cannot be executed" (126), even when some PATH directory is unreadable. */
void run_command(char **argv)
{
	const char *cmd = argv[0], *path = getenv("PATH");
	size_t clen = strlen(cmd);
	int found_err = 0;

	if (strchr(cmd, '/')) {
		execv(cmd, argv);
		exec_failed(cmd);
	}
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		char *full = malloc(dlen + clen + 2);
		if (!full)
			die(EXIT_VOLOWN, "out of memory");
		memcpy(full, p, dlen);
		full[dlen] = '/';
		memcpy(full + (dlen ? dlen + 1 : 0), cmd, clen + 1);
		execv(full, argv);
		if (errno != ENOENT && errno != ENOTDIR && access(full, F_OK) == 0 && !found_err)
			found_err =
				errno; /* it is there but cannot run: remember the first reason */
		free(full);
		if (*end == '\0')
			break;
		p = end;
	}
	errno = found_err ? found_err : ENOENT;
	if (!found_err)
		die(EXIT_NOT_FOUND, "cannot run `%s': not found on PATH", cmd);
	exec_failed(cmd);
}

void run_doctor(char **argv)
{
	static const char name[] = "volown-doctor";
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - sizeof name - 1);

	if (getuid() != geteuid() || getgid() != getegid())
		die(EXIT_VOLOWN, "the doctor is a host-side program: it never runs setuid");
	argv[0] = (char *)name;
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			strcpy(slash + 1, name);
			execv(self, argv);
		}
	}
	execvp(name, argv);
	if (errno == ENOENT)
		die(EXIT_NOT_FOUND,
		    "`%s' not found beside volown or on PATH: the doctor is a host-side "
		    "program, install it with make install",
		    name);
	exec_failed(name);
}
