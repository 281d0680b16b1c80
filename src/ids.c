/* ids.c — user spec to ids, with gosu's semantics (see ids.h). */
#include "ids.h"
#include "fmt.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_MAX 2147483647LL

/* One line of passwd or group split at ':' into byte ranges: the line is read by its
 * length, so a NUL byte inside it is just a byte (it can never end a name early). */
#define MAX_FIELDS 7
struct field {
	const char *p;
	size_t n;
};
struct fields {
	struct field f[MAX_FIELDS];
	unsigned count; /* fields present on the line */
	unsigned lineno;
};

bool ids_parse_number(const char *s, long long *out)
{
	return ids_parse_number_n(s, strlen(s), out);
}

bool ids_parse_number_n(const char *s, size_t len, long long *out)
{
	const char *p = s, *end = s + len;
	bool neg = false;
	unsigned long long v = 0;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (p == end)
		return false;
	for (; p < end; p++) {
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

/* The id in field `i`, if it is there and a number. */
static bool field_id(const struct fields *f, unsigned i, long long *out)
{
	return i < f->count && ids_parse_number_n(f->f[i].p, f->f[i].n, out);
}

static bool field_is(const struct field *f, const char *s)
{
	return f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

/* A copy of a field (NUL-terminated for messages; a NUL inside it stays a byte). */
static char *field_dup(const struct field *f)
{
	char *s = malloc(f->n + 1);
	if (s) {
		memcpy(s, f->p, f->n);
		s[f->n] = '\0';
	}
	return s;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Trims the line and splits it; false for an empty line, and for a comment line when
 * `comments` (gosu skips them in group, not in passwd). */
static bool split_line(const char *line, size_t len, struct fields *out, bool comments)
{
	const char *end = line + len;
	while (end > line && is_space(end[-1]))
		end--;
	while (line < end && is_space(*line))
		line++;
	if (line == end || (comments && *line == '#'))
		return false;
	out->count = 0;
	for (unsigned i = 0; i < MAX_FIELDS; i++)
		out->f[i] = (struct field){ "", 0 };
	for (const char *p = line; out->count < MAX_FIELDS;) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *stop = colon ? colon : end;
		out->f[out->count++] = (struct field){ p, (size_t)(stop - p) };
		if (!colon)
			break;
		p = colon + 1;
	}
	return true;
}

/* Calls `fn` on every non-empty line of `path` until it returns nonzero; returns that
 * value (-1: an error the callback keeps), or SCAN_UNREADABLE with the reason in err
 * when the file exists but cannot be read: never taken for an empty file, which would
 * give a numeric user gid 0. */
typedef int (*line_fn)(const struct fields *f, void *ctx);
#define SCAN_UNREADABLE (-2)

static int scan_file(const char *path, bool comments, line_fn fn, void *ctx, char *err,
		     size_t errlen)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct fields f = { .lineno = 0 };
	int rc = 0;

	if (!fp) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0; /* a missing file is an empty file, as gosu reads it */
		fmt_to(err, errlen, "cannot read `%s': %s", path, strerror(errno));
		return SCAN_UNREADABLE;
	}
	while (rc == 0 && (len = getline(&line, &cap, fp)) != -1) {
		f.lineno++;
		if (split_line(line, (size_t)len, &f, comments))
			rc = fn(&f, ctx);
	}
	if (rc == 0 && ferror(fp)) {
		fmt_to(err, errlen, "cannot read `%s': %s", path, strerror(errno));
		rc = SCAN_UNREADABLE;
	}
	free(line);
	fclose(fp);
	return rc;
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

/* A matched entry whose id field is missing, empty or not a number: gosu reads it as
 * 0 (root); volown refuses it. */
struct bad_entry {
	const char *file;
	unsigned lineno;
	const char *what; /* "uid", "gid" */
	char *name;
};

static int bad_entry(struct bad_entry *b, const char *file, const struct fields *f,
		     const char *what)
{
	b->file = file;
	b->lineno = f->lineno;
	b->what = what;
	b->name = field_dup(&f->f[0]);
	return -1;
}

struct user_match {
	struct want want;
	long long default_uid;
	const char *file;
	bool found;
	long long uid, gid;
	char *name, *home;
	size_t name_len; /* a name may hold a NUL byte */
	bool oom;
	struct bad_entry bad;
};

static int match_user(const struct fields *f, void *ctx)
{
	struct user_match *m = ctx;
	long long uid;
	bool has_uid = field_id(f, 2, &uid);

	if (m->want.empty || m->want.numeric) {
		if (!has_uid || uid != (m->want.empty ? m->default_uid : m->want.id))
			return 0;
	} else if (!field_is(&f->f[0], m->want.name)) {
		return 0;
	}
	if (!has_uid)
		return bad_entry(&m->bad, m->file, f, "uid");
	if (!field_id(f, 3, &m->gid))
		return bad_entry(&m->bad, m->file, f, "gid");
	m->found = true;
	m->uid = uid;
	m->name = field_dup(&f->f[0]);
	m->name_len = f->f[0].n;
	m->home = field_dup(&f->f[5]);
	if (!m->name || !m->home) {
		m->oom = true;
		return -1;
	}
	return 1; /* first match wins */
}

struct group_match {
	struct want want;   /* explicit group, or empty: membership search */
	const char *member; /* user name whose memberships we collect */
	size_t member_len;
	const char *file;
	bool found;
	long long gid;
	gid_t *groups;
	size_t ngroups, cap;
	bool oom;
	struct bad_entry bad;
};

static bool lists_member(const struct field *list, const char *name, size_t n)
{
	const char *p = list->p, *end = list->p + list->n;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t len = comma ? (size_t)(comma - p) : (size_t)(end - p);
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

static bool in_range(long long id)
{
	return id >= 0 && id <= ID_MAX;
}

static int match_group(const struct fields *f, void *ctx)
{
	struct group_match *m = ctx;
	long long gid;
	bool has_gid = field_id(f, 2, &gid);

	if (m->want.empty) {
		if (!m->member || !lists_member(&f->f[3], m->member, m->member_len))
			return 0;
		if (!has_gid)
			return bad_entry(&m->bad, m->file, f, "gid");
		if (in_range(gid) && !add_group(m, (gid_t)gid))
			return -1;
		return 0;
	}
	if (m->want.numeric ? !has_gid || gid != m->want.id : !field_is(&f->f[0], m->want.name))
		return 0;
	if (!has_gid)
		return bad_entry(&m->bad, m->file, f, "gid");
	m->found = true;
	m->gid = gid;
	return 1;
}

#define FAIL(...)                                 \
	do {                                      \
		fmt_to(err, errlen, __VA_ARGS__); \
		goto fail;                        \
	} while (0)

/* The reason for a matched entry without a usable id, into err; frees its name. */
static void bad_entry_text(struct bad_entry *b, char *err, size_t errlen)
{
	fmt_to(err, errlen,
	       "%s:%u: the entry of `%s' has no valid %s (empty, missing or not a number); "
	       "refusing to read it as 0",
	       b->file, b->lineno, b->name ? b->name : "", b->what);
	free(b->name);
	b->name = NULL;
}

int ids_resolve(const char *spec, const struct id_defaults *def, const char *passwd_path,
		const char *group_path, struct identity *out, char *err, size_t errlen)
{
	struct user_match um = { .default_uid = def->uid, .file = passwd_path };
	struct group_match gm = { .file = group_path };
	char *user_part = strdup(spec);
	int rc;
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

	rc = scan_file(passwd_path, false, match_user, &um, err, errlen);
	if (rc == SCAN_UNREADABLE)
		goto fail;
	if (rc < 0) {
		if (um.oom)
			FAIL("out of memory");
		bad_entry_text(&um.bad, err, errlen);
		goto fail;
	}
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
		gm.member_len = um.name_len;
		rc = scan_file(group_path, true, match_group, &gm, err, errlen);
		if (rc == SCAN_UNREADABLE)
			goto fail;
		if (rc < 0 && !gm.oom) {
			bad_entry_text(&gm.bad, err, errlen);
			goto fail;
		}
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
	struct group_match gm = { .file = group_path };
	long long gid;
	gid_t *g;

	want_parse(word, &gm.want);
	if (gm.want.empty) {
		fmt_to(err, errlen, "an empty group name");
		return -1;
	}
	gid = gm.want.id;
	if (!gm.want.numeric) {
		int rc = scan_file(group_path, true, match_group, &gm, err, errlen);
		if (rc == SCAN_UNREADABLE)
			return -1;
		if (rc < 0) {
			bad_entry_text(&gm.bad, err, errlen);
			return -1;
		}
		if (!gm.found) {
			fmt_to(err, errlen, "unknown group `%s': no such entry in %s", word,
			       group_path);
			return -1;
		}
		gid = gm.gid;
	}
	if (!in_range(gid)) {
		fmt_to(err, errlen, "group id %lld is out of range (0-2147483647)", gid);
		return -1;
	}
	*added = (gid_t)gid;
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->groups[i] == (gid_t)gid)
			return 0;
	if (!(g = realloc(id->groups, (id->ngroups + 1) * sizeof *g))) {
		fmt_to(err, errlen, "out of memory");
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
