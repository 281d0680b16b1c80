/* Which compose files make the project, where it lives and what its environment is,
 * as docker-compose 1.29 decides: -f, else COMPOSE_FILE (split at
 * COMPOSE_PATH_SEPARATOR), else the first of docker-compose.yml, docker-compose.yaml,
 * compose.yml, compose.yaml found here or in a parent directory, with its
 * docker-compose.override.yml (or .yaml, or compose.override.y*ml) beside it; the
 * .env of the project directory (or of the current one); the project name from -p,
 * COMPOSE_PROJECT_NAME or the directory. */
#ifndef VOLOWN_DOCTOR_FILES_H
#define VOLOWN_DOCTOR_FILES_H

#include <jansson.h>

#include "util.h"

struct files_opts {
	const struct strv *files;      /* -f, in order */
	const char *project_directory; /* --project-directory, or NULL */
	const char *env_file;	       /* --env-file, or NULL */
	const char *project_name;      /* -p, or NULL */
	const struct strv *profiles;   /* --profile */
};

struct project_env {
	struct strv files;     /* the compose files, as shown to the user */
	char *working_dir;     /* absolute: relative paths of the files resolve here */
	char *name;	       /* the normalised project name */
	json_t *dotenv;	       /* the .env file's KEY -> value (or null) */
	struct strv profiles;  /* --profile, else COMPOSE_PROFILES */
	struct strv warnings;  /* what compose would warn about (several default files) */
};

/* Decide. Returns 0, or -1 with *err set (owned). */
int project_env_find(const struct files_opts *o, struct project_env *pe, char **err);
void project_env_free(struct project_env *pe);

/* A variable of the project's environment: the process's, else the .env file's;
 * NULL when neither sets it. CTX is the struct project_env. */
const char *project_env_lookup(const char *name, void *ctx);

/* Compose's project name from any string: lower case, only [-_a-z0-9]. */
char *normalize_project_name(const char *s);

#endif
