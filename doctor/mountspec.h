/* The string syntaxes of a compose file that carry structure: the short volume
 * syntax, tmpfs options, shell-like command strings and project names. Pure
 * functions, no I/O. */
#ifndef VOLOWN_DOCTOR_MOUNTSPEC_H
#define VOLOWN_DOCTOR_MOUNTSPEC_H

#include "model.h"

/* Parse "[SOURCE:]TARGET[:MODE]" into M as compose 1.29 does (fields it does not know
 * are left as they are): SOURCE is a bind when it is empty or starts with "/", "."
 * or "~" (PROJECT_DIR resolves relative paths; HOME resolves "~"), else a volume;
 * "/data:ro" is a bind of /data at "ro", as for compose. Returns -1 with *err set
 * (owned) when compose refuses the text; what only the engine refuses (a relative
 * container path, a bad MODE) is set in M->refused. */
int parse_short_volume(const char *spec, const char *project_dir, const char *home,
		       struct mount *m, char **err);

/* Parse tmpfs options ("size=64m,mode=1770,uid=1000") into M's tmpfs fields.
 * Returns 0, or -1 with *err set. */
int parse_tmpfs_options(const char *opts, struct mount *m, char **err);

/* Split a command string as compose does (POSIX shell words, no expansion).
 * Returns 0, or -1 with *err set when a quote is not closed. */
int shell_split(const char *s, struct strv *out, char **err);

/* Resolve PATH against DIR (when relative) and HOME (when it starts with "~"), and
 * drop "." and ".." components and doubled slashes. */
char *resolve_host_path(const char *path, const char *dir, const char *home);

/* Parse an octal or decimal id or mode. Returns 0, or -1 when S is not a number. */
int parse_long(const char *s, int base, long *out);

#endif
