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

/* One message in one write, so lines from concurrent writers never interleave. */
static void emit(const char *fmt, va_list ap, int err)
{
	char line[4096];
	int n = snprintf(line, sizeof line, "volown: ");
	n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	if (err)
		n += snprintf(line + n, sizeof line - (size_t)n, ": %s", strerror(err));
	if (n >= (int)sizeof line - 1)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, stderr);
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
