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

static int apply_volume_mode(const char *mode, struct mount *m, char **err)
{
	char *copy = xstrdup(mode), *save = NULL;
	int rc = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "ro") == 0) {
			m->read_only = true;
		} else if (strcmp(tok, "rw") == 0) {
			m->read_only = false;
		} else if (strcmp(tok, "nocopy") == 0) {
			m->nocopy = true;
		} else if (!strcmp(tok, "z") || !strcmp(tok, "Z") || !strcmp(tok, "cached") ||
			   !strcmp(tok, "delegated") || !strcmp(tok, "consistent") ||
			   strstr(tok, "shared") || strstr(tok, "slave") || strstr(tok, "private")) {
			/* no effect on ownership */
		} else {
			*err = xasprintf("unknown volume mode \"%s\"", tok);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

int parse_short_volume(const char *spec, const char *project_dir, const char *home,
		       struct mount *m, char **err)
{
	struct strv parts = { 0 };
	const char *p = spec;
	const char *source = NULL, *target, *mode = NULL;
	int rc = 0;

	*err = NULL;
	for (;;) {
		const char *colon = strchr(p, ':');

		strv_push_owned(&parts, xstrndup(p, colon ? (size_t)(colon - p) : strlen(p)));
		if (!colon)
			break;
		p = colon + 1;
	}
	if (parts.n == 1) {
		target = parts.v[0];
	} else if (parts.n == 2 && parts.v[0][0] == '/' && parts.v[1][0] != '/') {
		target = parts.v[0]; /* "/data:ro" */
		mode = parts.v[1];
	} else if (parts.n == 2) {
		source = parts.v[0];
		target = parts.v[1];
	} else if (parts.n == 3) {
		source = parts.v[0];
		target = parts.v[1];
		mode = parts.v[2];
	} else {
		*err = xasprintf("volume \"%s\" has too many colons", spec);
		strv_free(&parts);
		return -1;
	}
	if (target[0] != '/') {
		*err = xasprintf("volume \"%s\": the container path \"%s\" is not absolute", spec, target);
		strv_free(&parts);
		return -1;
	}
	m->target = resolve_host_path(target, "/", NULL);
	m->long_syntax = false;
	m->tmpfs_mode = m->tmpfs_uid = m->tmpfs_gid = -1;
	if (!source || !*source) {
		m->type = MOUNT_VOLUME;
		m->source = NULL;
	} else if (is_host_path(source)) {
		m->type = MOUNT_BIND;
		m->source = resolve_host_path(source, project_dir, home);
	} else {
		m->type = MOUNT_VOLUME;
		m->source = xstrdup(source);
	}
	if (mode)
		rc = apply_volume_mode(mode, m, err);
	strv_free(&parts);
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

char *normalize_project_name(const char *s)
{
	struct buf b = { 0 };

	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);

		if (isalnum((unsigned char)c) || c == '-' || c == '_')
			buf_addc(&b, c);
	}
	return buf_steal(&b);
}
