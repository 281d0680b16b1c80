#include "idmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void idmap_add(struct idmap *m, long inside, long outside, long count)
{
	m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
	m->v[m->n++] = (struct idrange){ .inside = inside, .outside = outside, .count = count };
}

void idmap_free(struct idmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* `id' through the map, from the inside to the outside (to_host) or back; -1 when no
 * range holds it. An empty map is the identity. */
static long translate(const struct idmap *m, long id, bool to_host)
{
	if (m->n == 0)
		return id;
	for (size_t i = 0; i < m->n; i++) {
		long from = to_host ? m->v[i].inside : m->v[i].outside;
		long to = to_host ? m->v[i].outside : m->v[i].inside;
		if (id >= from && id - from < m->v[i].count)
			return to + (id - from);
	}
	return -1;
}

long idmap_to_host(const struct idmap *m, long id)
{
	return translate(m, id, true);
}

long idmap_to_container(const struct idmap *m, long id)
{
	return translate(m, id, false);
}

/* A decimal number filling exactly [s, end), or -1. */
static long number(const char *s, const char *end)
{
	long v = 0;

	if (s == end || end - s > 10)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Split one line "owner:start:count"; returns 0 or -1 for anything else. */
static int subid_line(const char *line, const char *end, const char **owner, size_t *owner_len,
		      long *start, long *count)
{
	const char *c1 = memchr(line, ':', (size_t)(end - line));
	const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;

	if (!c1 || !c2 || c1 == line)
		return -1;
	*owner = line;
	*owner_len = (size_t)(c1 - line);
	*start = number(c1 + 1, c2);
	*count = number(c2 + 1, end);
	return *start < 0 || *count <= 0 ? -1 : 0;
}

static int owner_is(const char *owner, size_t len, const char *name, long uid)
{
	if (name && strlen(name) == len && memcmp(owner, name, len) == 0)
		return 1;
	return uid >= 0 && number(owner, owner + len) == uid;
}

size_t subid_append(struct idmap *out, const char *text, const char *name, long uid, long first)
{
	size_t added = 0;
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *owner;
		size_t len;
		long start, count;

		if (subid_line(p, end, &owner, &len, &start, &count) == 0 && owner_is(owner, len, name, uid)) {
			idmap_add(out, first, start, count);
			first += count;
			added++;
		}
		p = nl ? nl + 1 : NULL;
	}
	return added;
}

char *subid_owner_at(const char *text, long at)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *owner;
		size_t len;
		long start, count;

		if (subid_line(p, end, &owner, &len, &start, &count) == 0 && start == at)
			return xstrndup(owner, len);
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

char *idmap_describe(const struct idmap *m)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < m->n; i++) {
		const struct idrange *r = &m->v[i];

		if (i)
			buf_adds(&b, ", ");
		if (r->count == 1)
			buf_printf(&b, "%ld -> %ld", r->inside, r->outside);
		else
			buf_printf(&b, "%ld-%ld -> %ld-%ld", r->inside, r->inside + r->count - 1, r->outside,
				   r->outside + r->count - 1);
	}
	if (m->n == 0)
		buf_adds(&b, "the host's own ids");
	return buf_steal(&b);
}
