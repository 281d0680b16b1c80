/* Loading compose files: YAML (libyaml) into a JSON tree (jansson), variable
 * interpolation, merging several files in order, and the services and mounts
 * that the doctor checks. */
#ifndef VOLOWN_DOCTOR_COMPOSE_H
#define VOLOWN_DOCTOR_COMPOSE_H

#include <jansson.h>

#include "model.h"

/* Parse the YAML text TEXT (named NAME in messages) into a JSON tree: mappings
 * become objects, sequences arrays, scalars strings (plain empty, "~" and "null"
 * become null). Anchors, aliases and "<<" merge keys are resolved. Returns NULL
 * with *err set ("NAME:LINE:COLUMN: problem") on a syntax error. */
json_t *yaml_to_json(const char *text, size_t len, const char *name, char **err);

/* Interpolate every string value of TREE in place with LOOKUP (see interp.h).
 * Returns 0, or -1 with *err set. */
int interpolate_tree(json_t *tree, const char *(*lookup)(const char *, void *), void *ctx,
		     const char *name, char **err);

/* Merge OVERRIDE into BASE as compose does for the keys the doctor reads:
 * scalars and lists replace, a service's volumes merge by target, tmpfs by value,
 * the top-level volumes by name. */
void compose_merge(json_t *base, const json_t *override);

/* Options for compose_load. */
struct compose_opts {
	const struct strv *files;  /* -f, in order; empty: look for the default names */
	const char *project_name;  /* --project-name, or NULL */
	const struct strv *only;   /* --service, or empty for all */
};

/* Load the project. Dies (exit 2) with the file, line and column on errors. */
void compose_load(const struct compose_opts *o, struct project *p);

/* Turn a merged tree into P's services (P's name and dir are already set). */
int compose_services(const json_t *tree, struct project *p, const struct strv *only, char **err);

#endif
