/* target.c — the identity of the run (see target.h). */
#include "target.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "setuid.h"

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
		if (t->privileged && (cfg->command || cfg->npaths || cfg->auto_mounts))
			die(EXIT_VOLOWN,
			    "no user given: say who the command runs as with --user USER[:GROUP] "
			    "or VOLOWN_USER");
		if (ids_resolve("", &def, "/etc/passwd", "/etc/group", &t->id, err, sizeof err) < 0)
			die(EXIT_VOLOWN, "%s", err);
		/* without --user, keep our own ids exactly */
		t->id.uid = def.uid;
		t->id.gid = def.gid;
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
}
