/* tap.h — a tiny TAP producer for the C unit tests: `ok N - name` per check, the
 * plan at the end, exit status 1 when anything failed. */
#ifndef VOLOWN_TAP_H
#define VOLOWN_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                 \
	do {                                                          \
		int ok_ = !!(cond);                                   \
		printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);     \
		printf(__VA_ARGS__);                                  \
		printf("\n");                                         \
		if (!ok_) {                                           \
			tap_failed++;                                 \
			printf("#   failed at %s:%d: %s\n", __FILE__, \
			       __LINE__, #cond);                      \
		}                                                     \
	} while (0)

#define is_str(got, want, ...)                                                  \
	do {                                                                    \
		const char *g_ = (got), *w_ = (want);                           \
		ok(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, __VA_ARGS__);     \
		if (g_ && w_ && strcmp(g_, w_) != 0)                            \
			printf("#   got `%s', want `%s'\n", g_, w_);            \
	} while (0)

/* A temporary file holding `content`; the caller unlinks and frees its name. */
static inline char *tap_temp_file(const char *content)
{
	char *path = strdup("/tmp/volown-unit-XXXXXX");
	int fd = path ? mkstemp(path) : -1;
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		abort();
	close(fd);
	return path;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
