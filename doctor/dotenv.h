/* .env files as docker-compose 1.29 reads them: python-dotenv 0.21's parser (quotes,
 * `export`, comments after values, escapes) and its ${NAME} / ${NAME:-default}
 * expansion. Pure: the caller reads the file and gives the environment. */
#ifndef VOLOWN_DOCTOR_DOTENV_H
#define VOLOWN_DOCTOR_DOTENV_H

#include <jansson.h>
#include <stddef.h>

/* Returns the value of NAME in the process environment, or NULL. */
typedef const char *(*dotenv_getenv)(const char *name);

/* Parse TEXT (LEN bytes, a UTF-8 byte order mark allowed) into an object KEY ->
 * value: a string, or null for a line that names a key without "=". Lines that are
 * not bindings are skipped, as python-dotenv skips them (with a warning there).
 * Values are expanded: ${NAME} and ${NAME:-default} take NAME from GETENV, or from
 * a key earlier in the file, which wins. Returns NULL and sets *err_offset to the
 * first byte that is not UTF-8. */
json_t *dotenv_parse(const char *text, size_t len, dotenv_getenv getenv_fn, size_t *err_offset);

#endif
