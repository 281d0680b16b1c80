/* log.h — every message volown prints, and how loud it is. */
#ifndef VOLOWN_LOG_H
#define VOLOWN_LOG_H

#include <stddef.h>
#include <stdnoreturn.h>

/* Exit codes, as docker run uses them. */
enum {
	EXIT_VOLOWN = 125,     /* volown itself failed before running the command */
	EXIT_CANNOT_RUN = 126, /* the command exists but cannot be executed */
	EXIT_NOT_FOUND = 127,  /* the command was not found */
};

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

void log_set_level(enum log_level level);
enum log_level log_level(void);

#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* "volown: <message>" on stderr, and exit with `code`. */
noreturn void die(int code, const char *fmt, ...) PRINTF(2, 3);
/* The same, followed by ": <strerror(errno)>"; errno is read before anything else. */
noreturn void die_errno(int code, const char *fmt, ...) PRINTF(2, 3);
/* Warnings are always printed. */
void warn(const char *fmt, ...) PRINTF(1, 2);
void warn_errno(const char *fmt, ...) PRINTF(1, 2);
/* Summaries and progress: unless --quiet. */
void info(const char *fmt, ...) PRINTF(1, 2);
/* Details: only with --verbose. */
void verbose(const char *fmt, ...) PRINTF(1, 2);

/* A line on stdout (what --dry-run and --verbose list), escaped as messages are. */
void report(const char *fmt, ...) PRINTF(1, 2);

/* Writes `in' (len bytes) to `out' (room for 4 * len + 1) with every control
 * character (C0, DEL, C1, bidirectional overrides), every byte that is not UTF-8, and
 * the backslash itself escaped (\n, \t, \r, \\, \xHH); returns the length written. */
size_t log_escape(const char *in, size_t len, char *out);

#endif
