/* log.c — messages on stderr, each one line starting with "volown: ". */
#include "log.h"

#include "fmt.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/* Code points a terminal acts on rather than shows: C0 and C1 controls, DEL, and the
 * bidirectional overrides that can make a name read as another. */
static bool is_control(const unsigned char *s, size_t len)
{
	uint32_t c;

	if (len == 1)
		return s[0] < 0x20 || s[0] == 0x7f;
	if (len == 2)
		return s[0] == 0xc2 && s[1] < 0xa0; /* U+0080..U+009F */
	if (len != 3 || s[0] != 0xe2)
		return false;
	c = 0x2000 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

size_t log_escape(const char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t at = 0;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(s + i, len - i);
		if (n && !is_control(s + i, n) && s[i] != '\\') {
			memcpy(out + at, s + i, n);
			at += n;
			i += n;
			continue;
		}
		if (!n)
			n = 1; /* a byte that is not UTF-8: escaped alone */
		for (size_t k = 0; k < n; k++, i++) {
			unsigned char c = s[i];
			out[at++] = '\\';
			if (c == '\\' || c == '\n' || c == '\t' || c == '\r') {
				out[at++] = c == '\n'	? 'n'
					    : c == '\t' ? 't'
					    : c == '\r' ? 'r'
							: '\\';
				continue;
			}
			out[at++] = 'x';
			out[at++] = hex[c >> 4];
			out[at++] = hex[c & 15];
		}
	}
	out[at] = '\0';
	return at;
}

/* One message in one write, so lines from concurrent writers never interleave. Every
 * byte a name could bring that a terminal would act on is escaped (log_escape), so a
 * message stays one line. A message too long for a line (a path deeper than PATH_MAX)
 * loses its middle, never the entry's name at its end nor the system's reason. */
static void emit(FILE *out, const char *prefix, const char *format, va_list ap, int err)
{
	char *msg = fmt_alloc_v(format, ap), *esc = NULL, line[LINE_MAX_LEN + 512];
	const char *reason = err ? strerror(err) : NULL;
	size_t len = msg ? strlen(msg) : 0, at = 0;

	if (len && (esc = malloc(4 * len + 1)))
		len = log_escape(msg, len, esc);
	else
		len = 0;
	at += fmt_to(line, sizeof line, "%s", prefix);
	if (len <= LINE_MAX_LEN) {
		memcpy(line + at, esc ? esc : "", len);
		at += len;
	} else {
		memcpy(line + at, esc, KEEP_HEAD);
		at += KEEP_HEAD;
		memcpy(line + at, "...", 3);
		at += 3;
		memcpy(line + at, esc + len - (LINE_MAX_LEN - KEEP_HEAD), LINE_MAX_LEN - KEEP_HEAD);
		at += LINE_MAX_LEN - KEEP_HEAD;
	}
	if (reason)
		at += fmt_to(line + at, sizeof line - at - 1, ": %s", reason);
	if (at > sizeof line - 1)
		at = sizeof line - 1;
	line[at++] = '\n';
	fwrite(line, 1, at, out);
	free(esc);
	free(msg);
}

static void vlog(enum log_level min, int err, const char *fmt, va_list ap)
{
	if (current >= min)
		emit(stderr, "volown: ", fmt, ap, err);
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

void report(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(stdout, "", fmt, ap, 0);
	va_end(ap);
}
