/* volown — fix the ownership of a container's volumes, drop to the program's user,
 * and exec the program. main() is the product's phases, in order. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fix.h"
#include "init.h"
#include "log.h"
#include "privdrop.h"
#include "run.h"
#include "streams.h"
#include "target.h"

int main(int argc, char **argv)
{
	struct config cfg;
	struct target target;
	int rc;

	if (argc > 1 && strcmp(argv[1], "doctor") == 0)
		run_doctor(argv + 1);

	config_parse(argc, argv, &cfg); /* parse */
	target_resolve(&cfg, &target);	/* resolve */
	rc = fix_paths(&cfg, &target);	/* fix */
	if (rc != 0)
		return rc;
	if (!cfg.command)
		return 0;
	if (cfg.dry_run) {
		info("dry run: not running `%s'", cfg.command[0]);
		return 0;
	}
	if (target.privileged) { /* drop */
		if (!cfg.setuid)
			streams_give(target.id.uid); /* as docker run -u gives them */
		privdrop_apply(&target.id);
	}
	if (cfg.init) /* exec, or supervise */
		init_supervise(&cfg);
	run_command(cfg.command);
}
