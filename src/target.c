/* target.c — the identity of the run (see target.h). */
#include "target.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "setuid.h"

/* Whether this process already has `gid' (without root, no group can be gained). */
static bool holds_group(gid_t gid)
{
	int n = getgroups(0, NULL);
	gid_t *own;
	bool found = gid == getegid();

	if (found || n <= 0)
		return found;
	if (!(own = calloc((size_t)n, sizeof *own)))
		die(EXIT_VOLOWN, "out of memory");
	n = getgroups(n, own);
	for (int i = 0; i < n && !found; i++)
		found = own[i] == gid;
	free(own);
	return found;
}

/* --group-add: the groups docker run --group-add would give, on top of the user's. */
static void add_groups(const struct config *cfg, struct target *t)
{
	char err[512];

	for (size_t i = 0; i < cfg->group_add.n; i++) {
		const char *word = cfg->group_add.v[i];
		gid_t gid;

		if (ids_group_add(word, "/etc/group", &t->id, &gid, err, sizeof err) < 0)
			die(EXIT_VOLOWN, "--group-add `%s': %s", word, err);
		if (!t->privileged && !holds_group(gid))
			die(EXIT_VOLOWN,
			    "--group-add `%s': volown runs as %lu, not root, and is not in that "
			    "group: run the container as root (user: root) and let volown drop to "
			    "the user",
			    word, (unsigned long)getuid());
	}
}

void target_resolve(const struct config *cfg, struct target *t)
{
	struct id_defaults def = { .uid = getuid(), .gid = getgid() };
	char err[512];

	memset(t, 0, sizeof *t);
	t->privileged = geteuid() == 0;
	if (cfg->setuid) {
		setuid_identity(&t->id); /* the caller, never anyone else */
		return;
	}
	if (!cfg->user) {
		if (t->privileged && (cfg->command || cfg->paths.n || cfg->auto_mounts))
			die(EXIT_VOLOWN,
			    "no user given: say who the command runs as with --user USER[:GROUP] "
			    "or VOLOWN_USER");
		if (ids_resolve("", &def, "/etc/passwd", "/etc/group", &t->id, err, sizeof err) < 0)
			die(EXIT_VOLOWN, "%s", err);
		/* without --user, keep our own ids exactly */
		t->id.uid = def.uid;
		t->id.gid = def.gid;
		add_groups(cfg, t);
		return;
	}
	if (ids_resolve(cfg->user, &def, "/etc/passwd", "/etc/group", &t->id, err, sizeof err) < 0)
		die(EXIT_VOLOWN, "--user `%s': %s", cfg->user, err);
	if (!t->privileged && (t->id.uid != def.uid || t->id.gid != def.gid))
		die(EXIT_VOLOWN,
		    "--user `%s' is %lu:%lu, but volown runs as %lu:%lu, not root: run the "
		    "container as root (user: root) and let volown drop to the user",
		    cfg->user, (unsigned long)t->id.uid, (unsigned long)t->id.gid,
		    (unsigned long)def.uid, (unsigned long)def.gid);
	add_groups(cfg, t);
}
