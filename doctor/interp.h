/* Compose's variable interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?error}, ${VAR?error}, and $$ for a literal dollar sign. */
#ifndef VOLOWN_DOCTOR_INTERP_H
#define VOLOWN_DOCTOR_INTERP_H

#include <jansson.h>

/* Returns the value of NAME, or NULL when it is not set. */
typedef const char *(*interp_lookup)(const char *name, void *ctx);

/* On success returns 0 and sets *out (owned). On failure returns -1 and sets *err
 * (owned) to a message that names the offending text. */
int interpolate(const char *in, interp_lookup lookup, void *ctx, char **out, char **err);

/* A copy of V (never sharing anything with it) whose strings are interpolated;
 * numbers, booleans and null are copied as they are, and mapping keys are not
 * interpolated, as compose does. NULL with *err set on the first error. */
json_t *interpolate_json(const json_t *v, interp_lookup lookup, void *ctx, char **err);

#endif
