/* ids.c — user spec to ids, with gosu's semantics (see ids.h). */
#include "ids.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_MAX 2147483647LL

/* One line of passwd or group split at ':', fields past the end are "". */
#define MAX_FIELDS 7
struct fields {
	const char *f[MAX_FIELDS];
};

bool ids_parse_number(const char *s, long long *out)
{
	const char *p = s;
	bool neg = false;
	unsigned long long v = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p == '\0')
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (v > (ULLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > (unsigned long long)LLONG_MAX + (neg ? 1 : 0))
			return false;
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return true;
}

/* A number in a passwd/group field; like gosu, anything else counts as 0. */
static long long field_number(const char *s)
{
	long long v;
	return ids_parse_number(s, &v) ? v : 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Trims the line in place and splits it; false for an empty line, and for a comment
 * line when `comments` (gosu skips them in group, not in passwd). */
static bool split_line(char *line, struct fields *out, bool comments)
{
	char *end = line + strlen(line);
	while (end > line && is_space(end[-1]))
		*--end = '\0';
	while (is_space(*line))
		line++;
	if (*line == '\0' || (comments && *line == '#'))
		return false;
	for (int i = 0; i < MAX_FIELDS; i++) {
		out->f[i] = line;
		if (line == NULL) {
			out->f[i] = "";
			continue;
		}
		char *colon = strchr(line, ':');
		if (colon)
			*colon = '\0';
		line = colon ? colon + 1 : NULL;
	}
	return true;
}

/* Calls `match` on every non-empty line of `path` until it returns true. */
typedef bool (*line_fn)(const struct fields *f, void *ctx);

static int scan_file(const char *path, bool comments, line_fn fn, void *ctx)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	struct fields f;

	if (!fp)
		return 0; /* a missing file is an empty file, as gosu reads it */
	while (getline(&line, &cap, fp) != -1) {
		if (split_line(line, &f, comments) && fn(&f, ctx))
			break;
	}
	free(line);
	fclose(fp);
	return 0;
}

/* The user part of the spec, parsed once. */
struct want {
	const char *name;
	bool empty;
	bool numeric;
	long long id;
};

static void want_parse(const char *s, struct want *w)
{
	w->name = s;
	w->empty = *s == '\0';
	w->numeric = !w->empty && ids_parse_number(s, &w->id);
}

struct user_match {
	struct want want;
	long long default_uid;
	bool found;
	long long uid, gid;
	char *name, *home;
};

static bool match_user(const struct fields *f, void *ctx)
{
	struct user_match *m = ctx;
	long long uid = field_number(f->f[2]);
	bool hit;

	if (m->want.empty)
		hit = uid == m->default_uid;
	else if (m->want.numeric)
		hit = uid == m->want.id;
	else
		hit = strcmp(f->f[0], m->want.name) == 0;
	if (!hit)
		return false;
	m->found = true;
	m->uid = uid;
	m->gid = field_number(f->f[3]);
	m->name = strdup(f->f[0]);
	m->home = strdup(f->f[5]);
	return true; /* first match wins */
}

struct group_match {
	struct want want;   /* explicit group, or empty: membership search */
	const char *member; /* user name whose memberships we collect */
	bool found;
	long long gid;
	gid_t *groups;
	size_t ngroups, cap;
	bool oom;
};

static bool lists_member(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && memcmp(p, name, n) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static bool add_group(struct group_match *m, gid_t gid)
{
	if (m->ngroups == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		gid_t *g = realloc(m->groups, cap * sizeof *g);
		if (!g) {
			m->oom = true;
			return false;
		}
		m->groups = g;
		m->cap = cap;
	}
	m->groups[m->ngroups++] = gid;
	return true;
}

static bool match_group(const struct fields *f, void *ctx)
{
	struct group_match *m = ctx;
	long long gid = field_number(f->f[2]);

	if (m->want.empty) {
		if (m->member && *f->f[3] && lists_member(f->f[3], m->member) && gid >= 0 &&
		    gid <= ID_MAX)
			return !add_group(m, (gid_t)gid);
		return false;
	}
	if (m->want.numeric ? gid == m->want.id : strcmp(f->f[0], m->want.name) == 0) {
		m->found = true;
		m->gid = gid;
		return true;
	}
	return false;
}

static bool in_range(long long id)
{
	return id >= 0 && id <= ID_MAX;
}

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		goto fail;                          \
	} while (0)

int ids_resolve(const char *spec, const struct id_defaults *def, const char *passwd_path,
		const char *group_path, struct identity *out, char *err, size_t errlen)
{
	struct user_match um = { .default_uid = def->uid };
	struct group_match gm = { 0 };
	char *user_part = strdup(spec);
	char *group_part;

	memset(out, 0, sizeof *out);
	if (!user_part)
		FAIL("out of memory");
	group_part = strchr(user_part, ':');
	if (group_part) {
		*group_part++ = '\0';
		group_part[strcspn(group_part, ":")] = '\0'; /* "u:g:more": gosu reads u and g */
	} else {
		group_part = "";
	}

	want_parse(user_part, &um.want);
	want_parse(group_part, &gm.want);
	out->uid = def->uid;
	out->gid = def->gid;

	scan_file(passwd_path, false, match_user, &um);
	if (um.found) {
		/* gosu does not check these; a uid_t of -1 would mean "unchanged" to setresuid */
		if (!in_range(um.uid) || !in_range(um.gid))
			FAIL("the passwd entry of `%s' has an id out of range (0-2147483647)",
			     user_part);
		out->uid = (uid_t)um.uid;
		out->gid = (gid_t)um.gid;
		out->home = um.home;
		um.home = NULL;
	} else if (!um.want.empty) {
		if (!um.want.numeric)
			FAIL("unknown user `%s': no such entry in %s", user_part, passwd_path);
		if (!in_range(um.want.id))
			FAIL("user id `%s' is out of range (0-2147483647)", user_part);
		out->uid = (uid_t)um.want.id;
	}

	if (!gm.want.empty || um.found) {
		gm.member = um.found ? um.name : NULL;
		scan_file(group_path, true, match_group, &gm);
		if (gm.oom)
			FAIL("out of memory");
		if (!gm.want.empty) {
			if (gm.found) {
				if (!in_range(gm.gid))
					FAIL("the group entry of `%s' has an id out of range "
					     "(0-2147483647)",
					     group_part);
				out->gid = (gid_t)gm.gid;
			} else if (!gm.want.numeric) {
				FAIL("unknown group `%s': no such entry in %s", group_part,
				     group_path);
			} else if (!in_range(gm.want.id)) {
				FAIL("group id `%s' is out of range (0-2147483647)", group_part);
			} else {
				out->gid = (gid_t)gm.want.id;
			}
		} else {
			out->groups = gm.groups;
			out->ngroups = gm.ngroups;
			gm.groups = NULL;
		}
	}
	if (!out->home && !(out->home = strdup("/")))
		FAIL("out of memory");
	free(gm.groups);
	free(um.name);
	free(user_part);
	return 0;
fail:
	free(gm.groups);
	free(um.name);
	free(um.home);
	free(user_part);
	ids_free(out);
	return -1;
}

int ids_group_add(const char *word, const char *group_path, struct identity *id, gid_t *added,
		  char *err, size_t errlen)
{
	struct group_match gm = { 0 };
	long long gid;
	gid_t *g;

	want_parse(word, &gm.want);
	if (gm.want.empty) {
		snprintf(err, errlen, "an empty group name");
		return -1;
	}
	gid = gm.want.id;
	if (!gm.want.numeric) {
		scan_file(group_path, true, match_group, &gm);
		if (!gm.found) {
			snprintf(err, errlen, "unknown group `%s': no such entry in %s", word,
				 group_path);
			return -1;
		}
		gid = gm.gid;
	}
	if (!in_range(gid)) {
		snprintf(err, errlen, "group id %lld is out of range (0-2147483647)", gid);
		return -1;
	}
	*added = (gid_t)gid;
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->groups[i] == (gid_t)gid)
			return 0;
	if (!(g = realloc(id->groups, (id->ngroups + 1) * sizeof *g))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	id->groups = g;
	id->groups[id->ngroups++] = (gid_t)gid;
	return 0;
}

void ids_free(struct identity *id)
{
	free(id->groups);
	free(id->home);
	id->groups = NULL;
	id->home = NULL;
	id->ngroups = 0;
}
