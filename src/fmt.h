/* fmt.h — printf-style formatting of volown's messages, without the C library's printf
 * (whose floating-point part alone is some 5 KB of the static binary). The subset:
 * %s (with a precision, or .*), %c, %d %i %u %x %o with the l, ll and z sizes, the
 * flags # and 0 and a field width, and %%. Anything else prints "%?". */
#ifndef VOLOWN_FMT_H
#define VOLOWN_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* As vsnprintf: writes at most size - 1 bytes and a NUL (size 0: nothing), returns
 * the length of the whole result. `ap' is left as it was. */
size_t fmt_v(char *buf, size_t size, const char *format, va_list ap)
	__attribute__((format(printf, 3, 0)));
size_t fmt_to(char *buf, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* The whole result in a new malloc'ed string, or NULL when out of memory. */
char *fmt_alloc_v(const char *format, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
