#include "tar.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BLOCK 512

/* An octal field, or a base-256 one (high bit of the first byte set). -1 when it is
 * neither, negative, or too large. */
static int parse_number(const unsigned char *f, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] & 0x40)
			return -1; /* negative */
		v = f[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v > (ULLONG_MAX >> 8))
				return -1;
			v = (v << 8) | f[i];
		}
		*out = v;
		return 0;
	}
	while (i < n && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (unsigned long long)(f[i] - '0'); /* at most 12 digits: no overflow */
	if (i < n && f[i] != ' ' && f[i] != '\0')
		return -1;
	*out = v;
	return 0;
}

static int all_zero(const unsigned char *p)
{
	for (size_t i = 0; i < BLOCK; i++)
		if (p[i])
			return 0;
	return 1;
}

/* A PAX id: decimal digits only, within a long. */
static bool pax_id(const unsigned char *v, size_t n, long *out)
{
	long id = 0;

	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		id = id * 10 + (v[i] - '0');
	}
	*out = id;
	return true;
}

/* Apply the records "LEN KEY=VALUE\n" of a PAX header (N bytes at P) that we care
 * about. A record that does not fit its own length ends the reading. */
static void apply_pax(const unsigned char *p, size_t n, struct tar_entry *e, char **path)
{
	size_t i = 0;

	while (i < n) {
		size_t len = 0, j = i, rlen, klen;
		const unsigned char *rec, *end, *eq;

		while (j < n && p[j] >= '0' && p[j] <= '9' && len <= n)
			len = len * 10 + (size_t)(p[j++] - '0');
		/* the digits, a space, and at least the closing newline, within the header */
		if (j == i || j >= n || p[j] != ' ' || len > n - i || len < j - i + 2)
			return;
		rec = p + j + 1;
		end = p + i + len - 1;
		if (*end != '\n')
			return;
		rlen = (size_t)(end - rec);
		eq = memchr(rec, '=', rlen);
		if (eq) {
			const unsigned char *val = eq + 1;
			size_t vlen = rlen - (size_t)(val - rec);

			klen = (size_t)(eq - rec);
			if (klen == 3 && !memcmp(rec, "uid", 3))
				pax_id(val, vlen, &e->uid);
			else if (klen == 3 && !memcmp(rec, "gid", 3))
				pax_id(val, vlen, &e->gid);
			else if (klen == 4 && !memcmp(rec, "path", 4)) {
				free(*path);
				*path = xstrndup((const char *)val, vlen);
			}
		}
		i += len;
	}
}

/* The bytes a member of SIZE occupies after its header (SIZE rounded up to a block),
 * if they fit in the LEFT bytes of the buffer. */
static bool member_fits(unsigned long long size, size_t left, size_t *span)
{
	size_t pad;

	if (size > left)
		return false;
	pad = size % BLOCK ? BLOCK - (size_t)(size % BLOCK) : 0;
	if (pad > left - (size_t)size)
		return false;
	*span = (size_t)size + pad;
	return true;
}

enum tar_result tar_next(const unsigned char *buf, size_t len, size_t *off, struct tar_entry *e)
{
	size_t pos = *off;
	char *long_name = NULL;
	long pax_uid = -1, pax_gid = -1;

	memset(e, 0, sizeof(*e));
	for (;;) {
		const unsigned char *h;
		unsigned long long size, mode, uid, gid;
		struct tar_entry pax = { .uid = -1, .gid = -1 };
		size_t span;

		if (pos > len || len - pos < BLOCK) {
			free(long_name);
			return TAR_SHORT;
		}
		h = buf + pos;
		if (all_zero(h)) {
			free(long_name);
			return TAR_END;
		}
		if (parse_number(h + 124, 12, &size) < 0 || parse_number(h + 100, 8, &mode) < 0 ||
		    parse_number(h + 108, 8, &uid) < 0 || parse_number(h + 116, 8, &gid) < 0 ||
		    uid > LONG_MAX || gid > LONG_MAX) {
			free(long_name);
			return TAR_BAD;
		}
		if (h[156] == 'x' || h[156] == 'L' || h[156] == 'g') {
			if (!member_fits(size, len - pos - BLOCK, &span)) {
				/* the data may end past the buffer even when the padding does not */
				free(long_name);
				return TAR_SHORT;
			}
			if (h[156] == 'x') {
				apply_pax(h + BLOCK, (size_t)size, &pax, &long_name);
				pax_uid = pax.uid;
				pax_gid = pax.gid;
			} else if (h[156] == 'L') {
				free(long_name);
				long_name = xstrndup((const char *)h + BLOCK, (size_t)size);
			}
			pos += BLOCK + span;
			continue;
		}
		if (long_name) {
			e->name = long_name;
		} else {
			char prefix[156] = { 0 }, name[101] = { 0 };

			memcpy(name, h, 100);
			if (!memcmp(h + 257, "ustar", 5))
				memcpy(prefix, h + 345, 155);
			e->name = *prefix ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
		}
		e->type = h[156] ? (char)h[156] : '0';
		e->mode = (unsigned)(mode & 07777);
		e->uid = pax_uid >= 0 ? pax_uid : (long)uid;
		e->gid = pax_gid >= 0 ? pax_gid : (long)gid;
		e->size = size > SIZE_MAX ? SIZE_MAX : (size_t)size;
		if (e->type == '0' || e->type == '7') {
			size_t left = len - pos - BLOCK;
			size_t pad = size % BLOCK ? BLOCK - (size_t)(size % BLOCK) : 0;

			if (size > SIZE_MAX - pos - 2 * BLOCK) {
				tar_entry_free(e);
				return TAR_BAD; /* where it ends cannot be said */
			}
			e->part = h + BLOCK;
			e->have = size <= left ? (size_t)size : left;
			e->data = size <= left ? h + BLOCK : NULL;
			pos += BLOCK + (size_t)size + pad; /* maybe past LEN: the content goes on */
		} else {
			pos += BLOCK;
		}
		*off = pos;
		return TAR_ENTRY;
	}
}

void tar_entry_free(struct tar_entry *e)
{
	free(e->name);
	memset(e, 0, sizeof(*e));
}
