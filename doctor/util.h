/* Small helpers shared by the doctor's modules: fatal errors, checked allocation,
 * string vectors and a growable buffer. */
#ifndef VOLOWN_DOCTOR_UTIL_H
#define VOLOWN_DOCTOR_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Exit codes of the doctor. */
enum {
	DOCTOR_OK = 0,       /* every service can write where it must */
	DOCTOR_PROBLEMS = 1, /* at least one problem found */
	DOCTOR_CANNOT = 2,   /* could not check: usage, file, engine, image */
};

/* Print "volown doctor: MESSAGE" to stderr and exit 2. */
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
