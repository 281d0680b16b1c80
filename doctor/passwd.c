#include "passwd.h"

#include <stdlib.h>
#include <string.h>

#include "mountspec.h"

/* Split LINE at ':' into at most MAX fields; returns the count. LINE is modified. */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

/* Call FN for every line of TEXT, with a writable copy. */
static void for_each_line(const char *text, void (*fn)(struct pwdb *, char *), struct pwdb *db)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);

		if (line[0] != '#' && line[0] != '\0')
			fn(db, line);
		free(line);
		p = nl ? nl + 1 : NULL;
	}
}

static void add_user(struct pwdb *db, char *line)
{
	char *f[7];
	struct pwent e;

	if (split_fields(line, f, 7) < 7)
		return;
	if (parse_long(f[2], 10, &e.uid) < 0 || parse_long(f[3], 10, &e.gid) < 0)
		return;
	e.name = xstrdup(f[0]);
	e.home = xstrdup(f[5]);
	db->users = xrealloc(db->users, (db->n_users + 1) * sizeof(*db->users));
	db->users[db->n_users++] = e;
}

static void add_group(struct pwdb *db, char *line)
{
	char *f[4], *save = NULL;
	struct grent g = { 0 };

	if (split_fields(line, f, 4) < 4)
		return;
	if (parse_long(f[2], 10, &g.gid) < 0)
		return;
	g.name = xstrdup(f[0]);
	for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
		strv_push(&g.members, m);
	db->groups = xrealloc(db->groups, (db->n_groups + 1) * sizeof(*db->groups));
	db->groups[db->n_groups++] = g;
}

void pwdb_parse(struct pwdb *db, const char *passwd, const char *group)
{
	memset(db, 0, sizeof(*db));
	for_each_line(passwd, add_user, db);
	for_each_line(group, add_group, db);
}

void pwdb_free(struct pwdb *db)
{
	for (size_t i = 0; i < db->n_users; i++) {
		free(db->users[i].name);
		free(db->users[i].home);
	}
	for (size_t i = 0; i < db->n_groups; i++) {
		free(db->groups[i].name);
		strv_free(&db->groups[i].members);
	}
	free(db->users);
	free(db->groups);
	memset(db, 0, sizeof(*db));
}

const struct pwent *pwdb_user_by_name(const struct pwdb *db, const char *name)
{
	for (size_t i = 0; i < db->n_users; i++)
		if (strcmp(db->users[i].name, name) == 0)
			return &db->users[i];
	return NULL;
}

const struct pwent *pwdb_user_by_uid(const struct pwdb *db, long uid)
{
	for (size_t i = 0; i < db->n_users; i++)
		if (db->users[i].uid == uid)
			return &db->users[i];
	return NULL;
}

static const struct grent *group_by_name(const struct pwdb *db, const char *name)
{
	for (size_t i = 0; i < db->n_groups; i++)
		if (strcmp(db->groups[i].name, name) == 0)
			return &db->groups[i];
	return NULL;
}

const char *pwdb_group_name(const struct pwdb *db, long gid)
{
	for (size_t i = 0; i < db->n_groups; i++)
		if (db->groups[i].gid == gid)
			return db->groups[i].name;
	return NULL;
}

static void add_gid(struct identity *who, long gid)
{
	who->groups = xrealloc(who->groups, (who->n_groups + 1) * sizeof(*who->groups));
	who->groups[who->n_groups++] = gid;
}

static void add_supplementary(const struct pwdb *db, struct identity *who)
{
	for (size_t i = 0; i < db->n_groups; i++) {
		const struct grent *g = &db->groups[i];

		if (strv_contains(&g->members, who->name) && g->gid != who->gid)
			add_gid(who, g->gid);
	}
}

int add_groups(const struct pwdb *db, const struct strv *group_add, struct identity *who)
{
	for (size_t i = 0; i < group_add->n; i++) {
		const char *word = group_add->v[i];
		const struct grent *g;
		long gid;

		if (parse_long(word, 10, &gid) == 0) {
			add_gid(who, gid);
		} else if ((g = group_by_name(db, word))) {
			add_gid(who, g->gid);
		} else {
			who->error = xasprintf("group_add: group \"%s\" is not in the image's "
					       "/etc/group: the engine will refuse to start the container",
					       word);
			return -1;
		}
	}
	return 0;
}

static int resolve_user_part(const struct pwdb *db, const char *user, struct identity *who)
{
	const struct pwent *e;
	long uid;

	if (parse_long(user, 10, &uid) == 0) {
		e = pwdb_user_by_uid(db, uid);
		who->uid = uid;
		who->gid = e ? e->gid : 0;
		who->name = e ? xstrdup(e->name) : NULL;
		return 0;
	}
	e = pwdb_user_by_name(db, user);
	if (!e) {
		who->error = xasprintf("user \"%s\" is not in the image's /etc/passwd: "
				       "the engine will refuse to start the container", user);
		return -1;
	}
	who->uid = e->uid;
	who->gid = e->gid;
	who->name = xstrdup(e->name);
	return 0;
}

int resolve_identity(const struct pwdb *db, const char *spec, struct identity *who)
{
	const char *colon = strchr(spec, ':');
	char *user = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	int rc = 0;

	who->uid = who->gid = 0;
	who->error = NULL;
	if (*user == '\0') {
		who->name = xstrdup("root");
	} else if (resolve_user_part(db, user, who) < 0) {
		rc = -1;
	}
	/* "1000:" (an unset ${GID}) is "1000": the engine takes the group of the passwd
	 * entry, or gid 0 without one, and the supplementary groups as for "1000". */
	if (rc == 0 && colon && colon[1]) {
		const struct grent *g;
		long gid;

		if (parse_long(colon + 1, 10, &gid) == 0) {
			who->gid = gid;
		} else if ((g = group_by_name(db, colon + 1))) {
			who->gid = g->gid;
		} else {
			who->error = xasprintf("group \"%s\" is not in the image's /etc/group: "
					       "the engine will refuse to start the container", colon + 1);
			rc = -1;
		}
	} else if (rc == 0 && who->name && *user) {
		add_supplementary(db, who);
	}
	free(user);
	return rc;
}

void identity_free(struct identity *who)
{
	free(who->spec);
	free(who->origin);
	free(who->name);
	free(who->groups);
	free(who->error);
	memset(who, 0, sizeof(*who));
}

static bool in_group(const struct identity *who, long gid)
{
	if (who->gid == gid)
		return true;
	for (size_t i = 0; i < who->n_groups; i++)
		if (who->groups[i] == gid)
			return true;
	return false;
}

enum perm_class perm_class_of(const struct identity *who, const struct node *n)
{
	/* In a user namespace, root's CAP_DAC_OVERRIDE covers only files whose owner and
	 * group are both inside it, and an id outside it matches no one. */
	if (who->uid == 0 && who->dac_override && !n->uid_unmapped && !n->gid_unmapped)
		return CLASS_ROOT;
	if (who->uid == n->uid && !n->uid_unmapped)
		return CLASS_OWNER;
	if (in_group(who, n->gid) && !n->gid_unmapped)
		return CLASS_GROUP;
	return CLASS_OTHER;
}

bool can_write(const struct identity *who, const struct node *n)
{
	unsigned need = n->is_dir ? 03 : 02; /* write, and search for a directory */

	switch (perm_class_of(who, n)) {
	case CLASS_ROOT:
		return true;
	case CLASS_OWNER:
		return ((n->mode >> 6) & need) == need;
	case CLASS_GROUP:
		return ((n->mode >> 3) & need) == need;
	case CLASS_OTHER:
		break;
	}
	return (n->mode & need) == need;
}
