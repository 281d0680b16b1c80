#include "mountspec.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int parse_long(const char *s, int base, long *out)
{
	char *end;
	long v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, base);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int is_host_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

/* Append the path components of P to the stack of components in OUT. */
static void push_components(struct strv *parts, const char *p)
{
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (parts->n > 0) {
				free(parts->v[--parts->n]);
				parts->v[parts->n] = NULL;
			}
		} else {
			strv_push_owned(parts, xstrndup(p, n));
		}
		p += n;
		if (*p == '/')
			p++;
	}
}

char *resolve_host_path(const char *path, const char *dir, const char *home)
{
	struct strv parts = { 0 };
	struct buf b = { 0 };

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		push_components(&parts, home ? home : "/");
		path++;
	} else if (path[0] != '/') {
		push_components(&parts, dir);
	}
	push_components(&parts, path);
	for (size_t i = 0; i < parts.n; i++) {
		buf_addc(&b, '/');
		buf_adds(&b, parts.v[i]);
	}
	if (b.len == 0)
		buf_addc(&b, '/');
	strv_free(&parts);
	return buf_steal(&b);
}

/* The engine's check of a bind's or volume's mode ("ro,z"): each word known, at most
 * one of each kind, nocopy only for a volume. NULL when it accepts MODE, else why not. */
static char *engine_mode_check(const char *mode, enum mount_type type, struct mount *m)
{
	static const char *const kinds[][7] = {
		{ "rw", "ro", NULL },
		{ "z", "Z", NULL },
		{ "shared", "rshared", "slave", "rslave", "private", "rprivate", NULL },
		{ "nocopy", NULL },
		{ "consistent", "cached", "delegated", NULL },
	};
	int count[5] = { 0 };
	char *copy = xstrdup(mode), *save = NULL, *why = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok && !why; tok = strtok_r(NULL, ",", &save)) {
		int kind = -1;

		for (int k = 0; k < 5 && kind < 0; k++)
			for (int w = 0; kinds[k][w]; w++)
				if (!strcmp(tok, kinds[k][w]))
					kind = k;
		if (kind < 0 || ++count[kind] > 1)
			why = xasprintf("invalid mode: %s", mode);
		else if (kind == 0)
			m->read_only = !strcmp(tok, "ro");
		else if (kind == 3)
			m->nocopy = true;
	}
	if (!why && count[3] && type != MOUNT_VOLUME)
		why = xasprintf("invalid mode: %s (nocopy is for volumes only)", mode);
	free(copy);
	return why;
}

/* Python's os.path.normpath of an absolute or relative path (a leading "//" kept
 * as one "/": the engine cleans it so). */
static char *normpath(const char *p)
{
	struct strv parts = { 0 };
	struct buf b = { 0 };
	size_t ups = 0;
	bool abs = p[0] == '/';

	push_components(&parts, p);
	if (!abs) {
		/* resolve_host_path drops leading ".."; a relative path keeps them */
		for (const char *q = p; q[0] == '.' && q[1] == '.' && (q[2] == '/' || !q[2]); q += 3) {
			ups++;
			if (!q[2])
				break;
		}
	}
	if (abs)
		buf_addc(&b, '/');
	for (size_t i = 0; i < ups; i++)
		buf_adds(&b, i ? "/.." : "..");
	for (size_t i = 0; i < parts.n; i++) {
		if (b.len && b.data[b.len - 1] != '/')
			buf_addc(&b, '/');
		buf_adds(&b, parts.v[i]);
	}
	if (b.len == 0)
		buf_addc(&b, '.');
	strv_free(&parts);
	return buf_steal(&b);
}

int parse_short_volume(const char *spec, const char *project_dir, const char *home,
		       struct mount *m, char **err)
{
	const char *colon = strchr(spec, ':');
	char *host = NULL, *container, *mode = NULL, *last;
	int rc = 0;

	*err = NULL;
	m->long_syntax = false;
	m->tmpfs_mode = m->tmpfs_uid = m->tmpfs_gid = -1;
	if (!colon) {
		/* An anonymous volume. */
		m->type = MOUNT_VOLUME;
		m->source = NULL;
		container = normpath(spec);
	} else {
		/* compose: HOST:CONTAINER[:MODE], HOST made absolute when it starts with "."
		 * or "~"; more than three parts is an error. */
		const char *rest = colon + 1;

		host = xstrndup(spec, (size_t)(colon - spec));
		last = strrchr(rest, ':');
		if (last && strchr(rest, ':') != last) {
			*err = xasprintf("volume \"%s\" has an incorrect format, should be "
					 "external:internal[:mode]", spec);
			free(host);
			return -1;
		}
		container = last ? xstrndup(rest, (size_t)(last - rest)) : xstrdup(rest);
		mode = last ? xstrdup(last + 1) : NULL;
		if (*host && !is_host_path(host)) {
			m->type = MOUNT_VOLUME;
			m->source = xstrdup(host);
		} else {
			m->type = MOUNT_BIND;
			m->source = *host ? resolve_host_path(host, project_dir, home) : normpath(host);
		}
		{
			char *clean = normpath(container);

			free(container);
			container = clean;
		}
	}
	m->target = container;
	if (container[0] != '/')
		m->refused = xasprintf("invalid mount path: \"%s\" (in \"%s\") is not absolute",
				       container, spec);
	else if (m->type == MOUNT_BIND && m->source[0] != '/')
		m->refused = xasprintf("invalid mount path: \"%s\" (in \"%s\") is not absolute",
				       m->source, spec);
	if (mode && !m->refused)
		m->refused = engine_mode_check(mode, m->type, m);
	free(host);
	free(mode);
	return rc;
}

int parse_tmpfs_options(const char *opts, struct mount *m, char **err)
{
	char *copy = xstrdup(opts), *save = NULL;
	int rc = 0;

	*err = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		long v;

		if (!eq) {
			if (strcmp(tok, "ro") == 0)
				m->read_only = true;
			continue; /* noexec, nosuid, ... */
		}
		*eq = '\0';
		if (!strcmp(tok, "mode") || !strcmp(tok, "uid") || !strcmp(tok, "gid")) {
			int base = strcmp(tok, "mode") == 0 ? 8 : 10;

			if (parse_long(eq + 1, base, &v) < 0) {
				*err = xasprintf("tmpfs option %s=\"%s\" is not a number", tok, eq + 1);
				rc = -1;
				break;
			}
			if (tok[0] == 'm')
				m->tmpfs_mode = v & 07777;
			else if (tok[0] == 'u')
				m->tmpfs_uid = v;
			else
				m->tmpfs_gid = v;
		}
	}
	free(copy);
	return rc;
}

/* One shell word starting at *P; advances *P. Returns -1 on an open quote. */
static int next_word(const char **pp, struct buf *w)
{
	const char *p = *pp;

	while (*p && !isspace((unsigned char)*p)) {
		if (*p == '\'') {
			const char *end = strchr(p + 1, '\'');

			if (!end)
				return -1;
			buf_add(w, p + 1, (size_t)(end - p - 1));
			p = end + 1;
		} else if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1] && strchr("\\\"$`\n", p[1]))
					p++;
				buf_addc(w, *p++);
			}
			if (*p != '"')
				return -1;
			p++;
		} else if (*p == '\\' && p[1]) {
			buf_addc(w, p[1]);
			p += 2;
		} else {
			buf_addc(w, *p++);
		}
	}
	*pp = p;
	return 0;
}

int shell_split(const char *s, struct strv *out, char **err)
{
	const char *p = s;

	*err = NULL;
	for (;;) {
		struct buf w = { 0 };

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		if (next_word(&p, &w) < 0) {
			buf_free(&w);
			*err = xasprintf("command \"%s\" has an unclosed quote", s);
			return -1;
		}
		strv_push_owned(out, buf_steal(&w));
	}
}

