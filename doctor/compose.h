/* Loading a compose project as docker-compose 1.29 loads it: which files (files.h),
 * their YAML (yaml.h), interpolation from the environment and .env, several files
 * merged and extends resolved (merge.h), the version-1 format, profiles, and then
 * the services and mounts that the doctor checks. */
#ifndef VOLOWN_DOCTOR_COMPOSE_H
#define VOLOWN_DOCTOR_COMPOSE_H

#include <jansson.h>

#include "model.h"

/* Options for compose_load. */
struct compose_opts {
	const struct strv *files;      /* -f, in order; empty: compose's default files */
	const char *project_name;      /* -p, or NULL */
	const char *project_directory; /* --project-directory, or NULL */
	const char *env_file;	       /* --env-file, or NULL */
	const struct strv *profiles;   /* --profile */
	const struct strv *only;       /* --service, or empty for every enabled service */
};

/* Load the project into P. Returns 0, or -1 with *err set (owned): what compose
 * itself would refuse, with the file, and the line and column where known. */
int compose_load(const struct compose_opts *o, struct project *p, char **err);

/* Parse the YAML text TEXT (named NAME in messages) as a compose file: yaml_load with
 * the doctor's limit. For the tests and the fuzzers. */
json_t *yaml_to_json(const char *text, size_t len, const char *name, char **err);

/* Turn the merged services of a spec-format file (TREE: "services", "volumes") into
 * P's services (P's name and dir are already set). For the tests. */
int compose_services(const json_t *tree, struct project *p, const struct strv *only, char **err);

#endif
