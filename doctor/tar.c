#include "tar.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BLOCK 512

static size_t round_up(size_t n)
{
	return (n + BLOCK - 1) / BLOCK * BLOCK;
}

/* An octal field, or a base-256 one (high bit of the first byte set). */
static int parse_number(const unsigned char *f, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		for (i = 1; i < n; i++)
			v = (v << 8) | f[i];
		*out = v;
		return 0;
	}
	while (i < n && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (unsigned long long)(f[i] - '0');
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

/* Apply the records "LEN KEY=VALUE\n" of a PAX header that we care about. */
static void apply_pax(const unsigned char *p, size_t n, struct tar_entry *e, char **path)
{
	size_t i = 0;

	while (i < n) {
		char *end;
		unsigned long len = strtoul((const char *)p + i, &end, 10);
		const char *rec = end + 1;
		const char *eq;
		size_t rlen;

		if (len == 0 || i + len > n || (const unsigned char *)rec > p + i + len)
			return;
		rlen = (size_t)((const char *)p + i + len - rec - 1);
		eq = memchr(rec, '=', rlen);
		if (eq) {
			size_t klen = (size_t)(eq - rec);
			char *val = xstrndup(eq + 1, rlen - klen - 1);

			if (klen == 3 && !memcmp(rec, "uid", 3))
				e->uid = strtol(val, NULL, 10);
			else if (klen == 3 && !memcmp(rec, "gid", 3))
				e->gid = strtol(val, NULL, 10);
			else if (klen == 4 && !memcmp(rec, "path", 4)) {
				free(*path);
				*path = val;
				val = NULL;
			}
			free(val);
		}
		i += len;
	}
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

		if (pos + BLOCK > len) {
			free(long_name);
			return TAR_SHORT;
		}
		h = buf + pos;
		if (all_zero(h)) {
			free(long_name);
			return TAR_END;
		}
		if (parse_number(h + 124, 12, &size) < 0 || parse_number(h + 100, 8, &mode) < 0 ||
		    parse_number(h + 108, 8, &uid) < 0 || parse_number(h + 116, 8, &gid) < 0) {
			free(long_name);
			return TAR_BAD;
		}
		if (h[156] == 'x' || h[156] == 'L' || h[156] == 'g') {
			if (pos + BLOCK + size > len) {
				free(long_name);
				return TAR_SHORT;
			}
			if (h[156] == 'x') {
				apply_pax(h + BLOCK, size, &pax, &long_name);
				pax_uid = pax.uid;
				pax_gid = pax.gid;
			} else if (h[156] == 'L') {
				free(long_name);
				long_name = xstrndup((const char *)h + BLOCK, size);
			}
			pos += BLOCK + round_up(size);
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
		e->size = (size_t)size;
		if (e->type == '0' || e->type == '7') {
			e->data = pos + BLOCK + size <= len ? h + BLOCK : NULL;
			pos += BLOCK + round_up(size);
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
