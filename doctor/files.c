#include "files.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dotenv.h"

/* compose 1.29's order: the first one found wins. */
static const char *const default_names[] = {
	"docker-compose.yml",
	"docker-compose.yaml",
	"compose.yml",
	"compose.yaml",
};
static const char *const override_names[] = {
	"docker-compose.override.yml",
	"docker-compose.override.yaml",
	"compose.override.yml",
	"compose.override.yaml",
};

#define N_NAMES 4

char *normalize_project_name(const char *s)
{
	struct buf b = { 0 };

	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
			buf_addc(&b, c);
	}
	return buf_steal(&b);
}

const char *project_env_lookup(const char *name, void *ctx)
{
	const struct project_env *pe = ctx;
	const char *v = getenv(name);

	return v ? v : json_string_value(json_object_get(pe->dotenv, name));
}

static const char *process_getenv(const char *name)
{
	return getenv(name);
}

/* "DIR/NAME" without a leading "./", as compose's os.path.join shows it. */
static char *join(const char *dir, const char *name)
{
	if (!dir || !*dir || !strcmp(dir, ".") || name[0] == '/')
		return xstrdup(name);
	return xasprintf("%s/%s", dir, name);
}

static bool exists(const char *dir, const char *name)
{
	char *p = join(dir, name);
	bool yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

/* The file's directory as os.path.dirname gives it ("" for a bare name). */
static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup("");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Read the .env file PATH into PE. A missing default .env is no error; a missing
 * --env-file is. */
static int read_env_file(const char *path, bool required, struct project_env *pe, char **err)
{
	FILE *f = fopen(path, "re");
	struct buf b = { 0 };
	char chunk[8192];
	size_t n, bad = 0;
	struct stat st;

	if (!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = f ? 0 : errno;

		if (f)
			fclose(f);
		/* compose skips a missing default .env, or one that is not a file */
		if (!required && (f || e == ENOENT || e == ENOTDIR)) {
			pe->dotenv = json_object();
			return 0;
		}
		*err = f ? xasprintf("the env file \"%s\" is not a file", path)
			 : xasprintf("Couldn't find env file: %s: %s", path, strerror(e));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f)) {
		*err = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		fclose(f);
		buf_free(&b);
		return -1;
	}
	fclose(f);
	pe->dotenv = dotenv_parse(b.data ? b.data : "", b.len, process_getenv, &bad);
	if (!pe->dotenv) {
		size_t line, col;

		text_position(b.data, b.len, bad, &line, &col);
		*err = xasprintf("%s:%zu:%zu: %s", path, line, col,
				 b.data[bad] ? "not valid UTF-8" : "a NUL byte");
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return 0;
}

/* Split VALUE at SEP (one or more characters, as Python's str.split). */
static void split_into(const char *value, const char *sep, struct strv *out)
{
	size_t n = strlen(sep);
	const char *p = value;

	if (n == 0) {
		strv_push(out, value);
		return;
	}
	for (;;) {
		const char *hit = strstr(p, sep);

		if (!hit) {
			strv_push(out, p);
			return;
		}
		strv_push_owned(out, xstrndup(p, (size_t)(hit - p)));
		p = hit + n;
	}
}

/* The default file and its override, in DIR or the nearest parent that has one. */
static int find_default(const char *start, struct project_env *pe, char **err)
{
	char *dir = xstrdup(start);

	for (;;) {
		struct strv found = { 0 };
		char *abs, *parent_abs, *parent;

		for (size_t i = 0; i < N_NAMES; i++)
			if (exists(dir, default_names[i]))
				strv_push(&found, default_names[i]);
		if (found.n > 0) {
			struct strv overrides = { 0 };

			if (found.n > 1) {
				char *all = NULL;
				struct buf b = { 0 };

				for (size_t i = 0; i < found.n; i++)
					buf_printf(&b, "%s%s", i ? ", " : "", found.v[i]);
				all = buf_steal(&b);
				strv_push_owned(&pe->warnings,
						xasprintf("found several compose files (%s): using %s, as "
							  "docker-compose does", all, found.v[0]));
				free(all);
			}
			strv_push_owned(&pe->files, join(dir, found.v[0]));
			for (size_t i = 0; i < N_NAMES; i++)
				if (exists(dir, override_names[i]))
					strv_push_owned(&overrides, join(dir, override_names[i]));
			strv_free(&found);
			if (overrides.n > 1) {
				*err = xasprintf("several override files: %s and %s (docker-compose "
						 "refuses to choose)", overrides.v[0], overrides.v[1]);
				strv_free(&overrides);
				free(dir);
				return -1;
			}
			strv_append(&pe->files, &overrides);
			strv_free(&overrides);
			free(dir);
			return 0;
		}
		/* Up one directory, until the root. */
		abs = realpath(*dir ? dir : ".", NULL);
		parent = join(dir, "..");
		parent_abs = realpath(parent, NULL);
		if (!abs || !parent_abs || !strcmp(abs, parent_abs)) {
			free(abs);
			free(parent_abs);
			free(parent);
			free(dir);
			return 1;
		}
		free(abs);
		free(parent_abs);
		free(dir);
		dir = parent;
	}
}

static int resolve_working_dir(const char *dir, struct project_env *pe, char **err)
{
	pe->working_dir = realpath(*dir ? dir : ".", NULL);
	if (!pe->working_dir) {
		*err = xasprintf("cannot resolve the project directory \"%s\": %s", *dir ? dir : ".",
				 strerror(errno));
		return -1;
	}
	return 0;
}

static void project_name(const struct files_opts *o, struct project_env *pe)
{
	const char *given = o->project_name;
	char *base;

	if (!given || !*given)
		given = project_env_lookup("COMPOSE_PROJECT_NAME", pe);
	if (given && *given) {
		pe->name = normalize_project_name(given);
		return;
	}
	base = strrchr(pe->working_dir, '/');
	base = base && base[1] ? base + 1 : pe->working_dir;
	pe->name = normalize_project_name(base);
	if (!*pe->name) {
		free(pe->name);
		pe->name = xstrdup("default");
	}
}

int project_env_find(const struct files_opts *o, struct project_env *pe, char **err)
{
	char *override_dir = NULL, *env_path;
	const char *v;
	int rc;

	memset(pe, 0, sizeof(*pe));
	*err = NULL;
	/* The project directory: --project-directory, else that of the first file named by
	 * -f or by the process's own COMPOSE_FILE. */
	if (o->project_directory && *o->project_directory) {
		override_dir = xstrdup(o->project_directory);
	} else if (o->files->n > 0) {
		override_dir = dirname_of(o->files->v[0]);
	} else if ((v = getenv("COMPOSE_FILE")) && *v) {
		struct strv first = { 0 };
		const char *sep = getenv("COMPOSE_PATH_SEPARATOR");

		split_into(v, sep ? sep : ":", &first);
		override_dir = dirname_of(first.v[0]);
		strv_free(&first);
	}
	if (o->env_file)
		env_path = xstrdup(o->env_file);
	else
		env_path = join(override_dir && *override_dir ? override_dir : ".", ".env");
	rc = read_env_file(env_path, o->env_file != NULL, pe, err);
	free(env_path);
	if (rc < 0)
		goto fail;
	if (o->files->n > 0) {
		strv_append(&pe->files, o->files);
	} else if ((v = project_env_lookup("COMPOSE_FILE", pe)) && *v) {
		const char *sep = project_env_lookup("COMPOSE_PATH_SEPARATOR", pe);

		split_into(v, sep ? sep : ":", &pe->files);
	} else {
		rc = find_default(".", pe, err);
		if (rc > 0 && override_dir && *override_dir)
			rc = find_default(override_dir, pe, err);
		if (rc > 0)
			*err = xstrdup("Can't find a suitable configuration file in this directory or any "
				       "parent: none of docker-compose.yml, docker-compose.yaml, "
				       "compose.yml, compose.yaml (name one with -f FILE)");
		if (rc != 0)
			goto fail;
	}
	if (resolve_working_dir(override_dir && *override_dir ? override_dir : "", pe, err) < 0)
		goto fail;
	if (!(override_dir && *override_dir)) {
		char *dir = dirname_of(pe->files.v[0]);

		free(pe->working_dir);
		pe->working_dir = NULL;
		rc = resolve_working_dir(dir, pe, err);
		free(dir);
		if (rc < 0)
			goto fail;
	}
	project_name(o, pe);
	if (o->profiles && o->profiles->n > 0)
		strv_append(&pe->profiles, o->profiles);
	else if ((v = project_env_lookup("COMPOSE_PROFILES", pe)) && *v)
		split_into(v, ",", &pe->profiles);
	free(override_dir);
	return 0;
fail:
	free(override_dir);
	project_env_free(pe);
	return -1;
}

void project_env_free(struct project_env *pe)
{
	strv_free(&pe->files);
	strv_free(&pe->profiles);
	strv_free(&pe->warnings);
	free(pe->working_dir);
	free(pe->name);
	json_decref(pe->dotenv);
	memset(pe, 0, sizeof(*pe));
}
