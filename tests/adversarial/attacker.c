/* attacker.c — what a compromised volume user does while volown walks (tests only).
 * Runs until the file STOP exists and at least MIN rounds are done; prints the rounds.
 *
 *   attacker exchange STOP MIN A B  swap the names A and B atomically (renameat2
 *                                   RENAME_EXCHANGE): a directory and a symlink, or a
 *                                   file and a hard link to something outside
 *   attacker churn STOP MIN DIR     delete, recreate and rename DIR's f* and d* entries
 *
 * And, to build big trees fast:
 *   attacker deep DIR N             N nested directories "d" under DIR, a file at the end
 *   attacker wide DIR N             N empty files in DIR
 *   attacker comb DIR N W L         N levels under DIR, each with W subdirectories of
 *                                   L-byte names, only the first of which goes on */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int stop_now(const char *stop, long rounds, long min)
{
	return rounds >= min && (rounds & 63) == 0 && access(stop, F_OK) == 0;
}

static void churn_once(const char *dir, long i)
{
	char a[4096], b[4096];
	snprintf(a, sizeof a, "%s/f%ld", dir, i % 200);
	unlink(a);
	close(open(a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
	snprintf(a, sizeof a, "%s/d%ld", dir, i % 50);
	snprintf(b, sizeof b, "%s/moved%ld", dir, i % 50);
	if (rename(a, b) == 0)
		rename(b, a);
	snprintf(a, sizeof a, "%s/tmpdir%ld", dir, i % 20);
	if (mkdir(a, 0755) < 0)
		rmdir(a);
}

static int build(const char *how, const char *dir, long n)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char name[32];

	for (long i = 0; fd >= 0 && i < n; i++) {
		if (how[0] == 'w') {
			snprintf(name, sizeof name, "f%ld", i);
			close(openat(fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
			continue;
		}
		int next;
		if (mkdirat(fd, "d", 0755) < 0 || (next = openat(fd, "d", O_RDONLY | O_DIRECTORY)) < 0)
			return 1;
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return 1;
	if (how[0] == 'd')
		close(openat(fd, "leaf", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	close(fd);
	return 0;
}

/* N levels of W directories with L-byte names; the first of each level goes on. */
static int comb(const char *dir, long levels, long width, long len)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char name[256];

	if (len < 8 || len > 255)
		return 2;
	for (long i = 0; fd >= 0 && i < levels; i++) {
		for (long k = 0; k < width; k++) {
			snprintf(name, sizeof name, "%06ld", k);
			memset(name + 6, 'x', (size_t)len - 6);
			name[len] = '\0';
			if (mkdirat(fd, name, 0755) < 0)
				return 1;
		}
		snprintf(name, sizeof name, "%06d", 0);
		memset(name + 6, 'x', (size_t)len - 6);
		name[len] = '\0';
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return 1;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	long rounds = 0, min;

	if (argc < 4)
		return 2;
	if (strcmp(argv[1], "deep") == 0 || strcmp(argv[1], "wide") == 0)
		return build(argv[1], argv[2], atol(argv[3]));
	if (strcmp(argv[1], "comb") == 0 && argc == 6)
		return comb(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
	min = atol(argv[3]);
	if (strcmp(argv[1], "exchange") == 0 && argc == 6) {
		for (; !stop_now(argv[2], rounds, min); rounds++)
			syscall(SYS_renameat2, AT_FDCWD, argv[4], AT_FDCWD, argv[5], RENAME_EXCHANGE);
	} else if (strcmp(argv[1], "churn") == 0 && argc == 5) {
		for (; !stop_now(argv[2], rounds, min); rounds++)
			churn_once(argv[4], rounds);
	} else {
		return 2;
	}
	printf("%ld\n", rounds);
	return 0;
}
