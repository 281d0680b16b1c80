/* fmt.c — the few printf conversions volown's messages use (see fmt.h). musl's own
 * printf brings its floating-point formatting along, some 9 KB of a 100 KB binary. */
#include "fmt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Output into a buffer that may be too small: `len' counts what would be written. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void pad(struct out *o, char c, size_t n)
{
	while (n--)
		put(o, &c, 1);
}

/* An unsigned number in `base', at least `width' wide, zero- or space-padded. */
static void number(struct out *o, uintmax_t v, unsigned base, bool neg, const char *prefix,
		   size_t width, bool zero)
{
	char digits[sizeof(uintmax_t) * 3 + 1];
	size_t n = 0, plen = strlen(prefix) + neg;

	do {
		digits[sizeof digits - ++n] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (!zero && width > n + plen)
		pad(o, ' ', width - n - plen);
	if (neg)
		put(o, "-", 1);
	put(o, prefix, strlen(prefix));
	if (zero && width > n + plen)
		pad(o, '0', width - n - plen);
	put(o, digits + sizeof digits - n, n);
}

enum size { INT, LONG, LLONG, SIZE };

static uintmax_t get_unsigned(va_list *ap, enum size sz)
{
	switch (sz) {
	case LONG:
		return va_arg(*ap, unsigned long);
	case LLONG:
		return va_arg(*ap, unsigned long long);
	case SIZE:
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static intmax_t get_signed(va_list *ap, enum size sz)
{
	switch (sz) {
	case LONG:
		return va_arg(*ap, long);
	case LLONG:
		return va_arg(*ap, long long);
	case SIZE:
		return (intmax_t)va_arg(*ap, size_t);
	default:
		return va_arg(*ap, int);
	}
}

size_t fmt_v(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size ? size - 1 : 0, 0 };
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		bool alt = false, zero = false;
		size_t width = 0, prec = SIZE_MAX;
		enum size sz = INT;

		if (*p != '%') {
			const char *next = strchr(p, '%');
			size_t n = next ? (size_t)(next - p) : strlen(p);
			put(&o, p, n);
			p += n - 1;
			continue;
		}
		for (p++; *p == '#' || *p == '0'; p++)
			*(*p == '#' ? &alt : &zero) = true;
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (size_t)(*p - '0');
		if (*p == '.') {
			prec = 0;
			if (*++p == '*') {
				int n = va_arg(args, int);
				prec = n < 0 ? SIZE_MAX : (size_t)n;
				p++;
			}
			for (; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (size_t)(*p - '0');
		}
		for (; *p == 'l' || *p == 'z'; p++)
			sz = *p == 'z' ? SIZE : sz == LONG ? LLONG : LONG;
		switch (*p) {
		case 's': {
			const char *s = va_arg(args, const char *);
			size_t n = s ? strnlen(s, prec) : 6;
			if (width > n)
				pad(&o, ' ', width - n);
			put(&o, s ? s : "(null)", n);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);
			put(&o, &c, 1);
			break;
		}
		case 'd':
		case 'i': {
			intmax_t v = get_signed(&args, sz);
			number(&o, v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v, 10, v < 0,
			       "", width, zero);
			break;
		}
		case 'u':
			number(&o, get_unsigned(&args, sz), 10, false, "", width, zero);
			break;
		case 'x': {
			uintmax_t v = get_unsigned(&args, sz);
			number(&o, v, 16, false, alt && v ? "0x" : "", width, zero);
			break;
		}
		case 'o':
			number(&o, get_unsigned(&args, sz), 8, false, alt ? "0" : "", width, zero);
			break;
		case '%':
			put(&o, "%", 1);
			break;
		default: /* not one of ours: shown as it is, never guessed at */
			put(&o, "%?", 2);
			break;
		}
	}
	va_end(args);
	if (size)
		buf[o.len < o.size ? o.len : o.size] = '\0';
	return o.len;
}

size_t fmt_to(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	size_t n = fmt_v(buf, size, format, ap);
	va_end(ap);
	return n;
}

char *fmt_alloc_v(const char *format, va_list ap)
{
	size_t n = fmt_v(NULL, 0, format, ap);
	char *s = malloc(n + 1);
	if (s)
		fmt_v(s, n + 1, format, ap);
	return s;
}
