/* Small helpers shared by the doctor's modules: fatal errors, checked allocation,
 * string vectors and a growable buffer. */
#ifndef VOLOWN_DOCTOR_UTIL_H
#define VOLOWN_DOCTOR_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Exit codes of the doctor. */
enum {
	DOCTOR_OK = 0,       /* every service can write where it must */
	DOCTOR_PROBLEMS = 1, /* at least one problem found */
	DOCTOR_CANNOT = 2,   /* could not check: usage, file, engine, image */
};

/* From now on, die() also prints its message as a JSON error report on stdout
 * (--format json): {"schema", "status": "error", "error", ...}. */
void die_as_json(bool yes);

/* Print "volown doctor: MESSAGE" to stderr (and the JSON error report when asked)
 * and exit 2. */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
/* Print "volown doctor: MESSAGE" to stderr. */
__attribute__((format(printf, 1, 2))) void warnx(const char *fmt, ...);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);

/* A NULL-terminated vector of owned strings. */
struct strv {
	char **v;
	size_t n;
};

void strv_push(struct strv *sv, const char *s);
void strv_push_owned(struct strv *sv, char *s);
void strv_append(struct strv *dst, const struct strv *src);
void strv_free(struct strv *sv);
int strv_contains(const struct strv *sv, const char *s);

/* Whether S[0..N) is UTF-8 without NUL bytes; if not, *BAD is the first bad byte. */
bool utf8_valid(const char *s, size_t n, size_t *bad);
/* S with every byte that is not UTF-8 replaced by U+FFFD. Owned. */
char *utf8_sanitize(const char *s);
/* S as a JSON string (sanitized), or null for NULL: never fails. */
struct json_t;
struct json_t *json_text(const char *s);
/* The line and column (1-based, in characters) of byte OFFSET of TEXT: \n, \r\n and
 * \r each end a line. */
void text_position(const char *text, size_t len, size_t offset, size_t *line, size_t *col);

/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
__attribute__((format(printf, 2, 3))) void buf_printf(struct buf *b, const char *fmt, ...);
/* Hand the buffer's string out and leave the buffer empty. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
