/* config.h — every setting of one run, from the command line and the environment,
 * gathered once into one struct that the phases only read. */
#ifndef VOLOWN_CONFIG_H
#define VOLOWN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "modes.h"

enum policy { POLICY_ALWAYS, POLICY_ROOT_MISMATCH };
enum on_error { ON_ERROR_FAIL, ON_ERROR_WARN };
enum hardlinks { HARDLINKS_SKIP, HARDLINKS_CHANGE };

/* A repeatable setting's values, and which layer they came from (a later layer
 * replaces them; -1: none yet). */
struct list {
	char **v;
	size_t n;
	int layer;
};

/* A tree to fix, with its own settings: `--path DIR:mkdir:chmod=MODE' (`mkdir=BOOL';
 * `chmod=' alone: no mode change). Its own settings win over --mkdir and --chmod,
 * which hold for the paths without them. */
struct path_spec {
	char *path;
	int mkdir;	    /* -1: as --mkdir says; 0 or 1: this path's own */
	bool own_chmod;	    /* chmod below is this path's own (no operation: no change) */
	struct modes chmod; /* parsed, when own_chmod */
};

/* The paths, and which layer they came from, as struct list. */
struct path_list {
	struct path_spec *v;
	size_t n;
	int layer;
};

struct config {
	const char *user;	/* the user spec; NULL when none was given */
	struct list group_add;	/* --group-add: more supplementary groups, names or gids */
	struct path_list paths; /* the trees to fix */
	enum policy policy;
	enum on_error on_error;
	enum hardlinks hardlinks;
	bool cross_mounts;
	bool dry_run;
	enum log_level log_level; /* from quiet and verbose, once every layer is read */
	bool quiet, verbose;
	bool auto_mounts;	 /* --auto: every writable volume of the container */
	bool mkdir;		 /* --mkdir: create missing paths owned by the user */
	struct modes chmod;	 /* --chmod MODE, parsed; no operation when not given */
	unsigned jobs;		 /* --jobs N; 0: one per online CPU */
	bool init;		 /* --init: stay as PID 1 and supervise the command */
	bool init_group;	 /* --init-group: signal the command's process group */
	const char *config_file; /* --config FILE */
	bool setuid;		 /* setuid mode: settings from /etc/volown.conf alone */
	char **command;		 /* NULL-terminated; NULL when there is no command */
};

/* Parses argv (options win) over the VOLOWN_* variables. Exits 0 after --help or
 * --version, 125 on a usage error, with a message naming the option or variable. */
void config_parse(int argc, char **argv, struct config *cfg);

/* Reads `key = value` lines from fp (named `file` in messages) into cfg; with setuid,
 * only the keys allowed in setuid mode. Exits 125 naming the file and line on error. */
void config_read_file(struct config *cfg, FILE *fp, const char *file, bool setuid);

/* Sets the log level from quiet and verbose, once every layer has been read. */
void config_settle_log_level(struct config *cfg);

/* Helpers shared with the unit tests. */
int config_parse_bool(const char *s, bool *out);
int config_parse_policy(const char *s, enum policy *out);

/* What holds for path `p': its own setting, else the run's. */
bool config_path_mkdir(const struct config *cfg, const struct path_spec *p);
const struct modes *config_path_chmod(const struct config *cfg, const struct path_spec *p);

#endif
