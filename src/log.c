/* log.c — messages on stderr, each one line starting with "volown: ". */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum log_level current = LOG_NORMAL;

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_level(void)
{
	return current;
}

#define LINE_MAX_LEN 4000 /* longer messages keep their start and their end */
#define KEEP_HEAD    1000

/* One message in one write, so lines from concurrent writers never interleave. A
 * message too long for a line (a path deeper than PATH_MAX) loses its middle, never
 * the entry's name at its end nor the system's reason. */
static void emit(const char *fmt, va_list ap, int err)
{
	char *msg = NULL, line[LINE_MAX_LEN + 512];
	const char *reason = err ? strerror(err) : NULL;
	int n = vasprintf(&msg, fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n, at = 0;

	at += (size_t)snprintf(line, sizeof line, "volown: ");
	if (len <= LINE_MAX_LEN) {
		memcpy(line + at, msg ? msg : "", len);
		at += len;
	} else {
		memcpy(line + at, msg, KEEP_HEAD);
		at += KEEP_HEAD;
		memcpy(line + at, "...", 3);
		at += 3;
		memcpy(line + at, msg + len - (LINE_MAX_LEN - KEEP_HEAD), LINE_MAX_LEN - KEEP_HEAD);
		at += LINE_MAX_LEN - KEEP_HEAD;
	}
	if (reason)
		at += (size_t)snprintf(line + at, sizeof line - at - 1, ": %s", reason);
	if (at > sizeof line - 1)
		at = sizeof line - 1;
	line[at++] = '\n';
	fwrite(line, 1, at, stderr);
	free(msg);
}

static void vlog(enum log_level min, int err, const char *fmt, va_list ap)
{
	if (current >= min)
		emit(fmt, ap, err);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_QUIET, 0, fmt, ap);
	va_end(ap);
	exit(code);
}

void die_errno(int code, const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_QUIET, err, fmt, ap);
	va_end(ap);
	exit(code);
}

/* Warnings are printed even with --quiet: they say something is not as asked. */
void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_QUIET, 0, fmt, ap);
	va_end(ap);
}

void warn_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_QUIET, err, fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_NORMAL, 0, fmt, ap);
	va_end(ap);
}

void verbose(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_VERBOSE, 0, fmt, ap);
	va_end(ap);
}
