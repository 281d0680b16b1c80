#include "compose.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "interp.h"
#include "merge.h"
#include "mountspec.h"
#include "yamldoc.h"

/* One compose file, read and interpolated. */
struct cfile {
	char *path;	/* as shown */
	bool v1;	/* the version-1 format: the top level is the services */
	json_t *config; /* services, volumes, ... interpolated (for v1: the services) */
};

struct loader {
	struct project_env pe;
	struct cfile main; /* the first file, which extends: without file: reads */
	char *main_abs;
	bool v1;
	int extends_depth;
};

json_t *yaml_to_json(const char *text, size_t len, const char *name, char **err)
{
	return yaml_load(text, len, name, YAML_MAX_VALUES, err);
}

/* ---- reading and interpolating one file ---------------------------------- */

static char *read_text(const char *path, size_t *len, char **err)
{
	FILE *f = fopen(path, "re");
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;

	if (!f) {
		*err = xasprintf("cannot read the compose file \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f)) {
		*err = xasprintf("cannot read the compose file \"%s\": %s", path, strerror(errno));
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "a mapping";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "a number";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

/* Python's truth of a value (the version: key is looked at so). */
static bool py_truthy(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return true;
}

/* compose's ConfigFile.version: no version: (or an empty one) means the version-1
 * format unless services, networks or volumes are there; a mapping named version
 * is a version-1 service; otherwise a string matching [1-3]+(.N)?, not 1.x. */
static int file_version(const json_t *tree, const char *path, bool *v1, char **err)
{
	const json_t *version = json_object_get(tree, "version");
	const char *s;

	if (!py_truthy(version)) {
		*v1 = !py_truthy(json_object_get(tree, "services")) &&
		      !py_truthy(json_object_get(tree, "networks")) &&
		      !py_truthy(json_object_get(tree, "volumes"));
		return 0;
	}
	if (json_is_object(version)) {
		*v1 = true;
		return 0;
	}
	if (!json_is_string(version)) {
		*err = xasprintf("Version in \"%s\" is invalid - it should be a string (quote it: "
				 "version: \"3.8\").", path);
		return -1;
	}
	s = json_string_value(version);
	{
		const char *p = s;

		while (*p >= '1' && *p <= '3')
			p++;
		if (p == s || (*p == '.' && !isdigit((unsigned char)p[1]))) {
			*err = xasprintf("Version \"%s\" in \"%s\" is invalid.", s, path);
			return -1;
		}
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				;
		if (*p) {
			*err = xasprintf("Version \"%s\" in \"%s\" is invalid.", s, path);
			return -1;
		}
	}
	if (s[0] == '1') {
		*err = xasprintf("Version in \"%s\" is invalid: version 1 files have no version key "
				 "(and are deprecated); use version: \"3\" or remove it.", path);
		return -1;
	}
	*v1 = false;
	return 0;
}

/* One section (services, volumes, ...): every entry a mapping or null, each of its
 * values interpolated. A new object. */
static json_t *interpolate_section(const json_t *section, const char *what, const char *path,
				   struct loader *L, char **err)
{
	json_t *out = json_object();
	const char *name;
	json_t *entry;

	if (!section || json_is_null(section))
		return out;
	if (!json_is_object(section)) {
		*err = xasprintf("In file '%s', %s must be a mapping, not %s.", path, what,
				 json_type_name(section));
		json_decref(out);
		return NULL;
	}
	json_object_foreach((json_t *)section, name, entry) {
		json_t *done = json_object();
		const char *key;
		json_t *v;

		if (!json_is_object(entry) && !json_is_null(entry)) {
			*err = xasprintf("In file '%s', %s '%s' must be a mapping not %s.", path, what, name,
					 json_type_name(entry));
			json_decref(done);
			json_decref(out);
			return NULL;
		}
		json_object_foreach(entry, key, v) {
			char *why = NULL;
			json_t *iv = interpolate_json(v, project_env_lookup, &L->pe, &why);

			if (!iv) {
				*err = xasprintf("%s: %s \"%s\", option \"%s\": %s", path, what, name, key, why);
				free(why);
				json_decref(done);
				json_decref(out);
				return NULL;
			}
			json_object_set_new(done, key, iv);
		}
		json_object_set_new(out, name, done);
	}
	return out;
}

static int load_file(struct loader *L, const char *path, struct cfile *cf, char **err)
{
	static const char *const sections[] = { "volumes", "networks", "secrets", "configs" };
	size_t len;
	char *text = read_text(path, &len, err);
	json_t *tree;

	memset(cf, 0, sizeof(*cf));
	if (!text)
		return -1;
	tree = yaml_to_json(text, len, path, err);
	free(text);
	if (!tree)
		return -1;
	if (!json_is_object(tree)) {
		*err = xasprintf("Top level object in '%s' needs to be a mapping, not %s.", path,
				 json_type_name(tree));
		json_decref(tree);
		return -1;
	}
	if (file_version(tree, path, &cf->v1, err) < 0) {
		json_decref(tree);
		return -1;
	}
	cf->path = xstrdup(path);
	if (cf->v1) {
		if (!json_is_object(json_object_get(tree, "version")))
			json_object_del(tree, "version");
		cf->config = interpolate_section(tree, "service", path, L, err);
	} else {
		json_t *services = interpolate_section(json_object_get(tree, "services"), "service", path, L, err);

		cf->config = json_object();
		if (services)
			json_object_set_new(cf->config, "services", services);
		for (size_t i = 0; services && i < sizeof(sections) / sizeof(*sections); i++) {
			json_t *sec = interpolate_section(json_object_get(tree, sections[i]),
							  sections[i], path, L, err);

			if (!sec) {
				services = NULL;
				break;
			}
			json_object_set_new(cf->config, sections[i], sec);
		}
		if (json_is_string(json_object_get(tree, "version")))
			json_object_set(cf->config, "version", json_object_get(tree, "version"));
		if (!services) {
			json_decref(cf->config);
			cf->config = NULL;
		}
	}
	json_decref(tree);
	if (!cf->config) {
		free(cf->path);
		cf->path = NULL;
		return -1;
	}
	return 0;
}

static void cfile_free(struct cfile *cf)
{
	free(cf->path);
	json_decref(cf->config);
	memset(cf, 0, sizeof(*cf));
}

static const json_t *cfile_services(const struct cfile *cf)
{
	return cf->v1 ? cf->config : json_object_get(cf->config, "services");
}

/* ---- conversions compose applies after interpolation --------------------- */

/* to_boolean: a boolean, or a string y/yes/true/on or n/no/false/off in any case. */
static int want_bool(const json_t *v, const char *where, bool *out, char **err)
{
	static const char *const yes[] = { "y", "yes", "true", "on" };
	static const char *const no[] = { "n", "no", "false", "off" };
	const char *s;

	*out = false;
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	s = json_string_value(v);
	if (!s) {
		*err = xasprintf("%s contains an invalid type, it should be a boolean", where);
		return -1;
	}
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	*err = xasprintf("Error while attempting to convert %s to appropriate type: \"%s\" is not a "
			 "valid boolean value", where, s);
	return -1;
}

/* A string, or (when OR_LIST) a list of strings; NULL means not given. */
static int want_strings(const json_t *v, const char *where, bool or_single, bool numbers_too,
			struct strv *out, char **err)
{
	size_t i;
	json_t *item;

	if (!v)
		return 0;
	if (or_single && json_is_string(v)) {
		strv_push(out, json_string_value(v));
		return 0;
	}
	if (!json_is_array(v)) {
		*err = xasprintf("%s contains an invalid type, it should be %s", where,
				 or_single ? "a string, or an array" : "an array");
		return -1;
	}
	json_array_foreach(v, i, item) {
		char *t = (json_is_string(item) || (numbers_too && json_is_number(item)))
				  ? json_scalar_text(item)
				  : NULL;

		if (!t) {
			*err = xasprintf("%s contains %s, which is an invalid type, it should be a string",
					 where, json_type_name(item));
			return -1;
		}
		strv_push_owned(out, t);
	}
	return 0;
}

/* ---- merging files and resolving extends ---------------------------------- */

static json_t *merge_files(const json_t *base, const json_t *over, bool v1)
{
	json_t *out = json_object();
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)base, name, v) {
		const json_t *o = json_object_get(over, name);
		json_t *m = merge_service(v, o, v1);
		const json_t *ext = o && json_object_get(o, "extends") ? json_object_get(o, "extends")
								       : json_object_get(v, "extends");

		if (ext)
			json_object_set_new(m, "extends", json_deep_copy(ext));
		json_object_set_new(out, name, m);
	}
	json_object_foreach((json_t *)over, name, v) {
		if (json_object_get(base, name))
			continue;
		{
			json_t *m = merge_service(NULL, v, v1);

			if (json_object_get(v, "extends"))
				json_object_set_new(m, "extends", json_deep_copy(json_object_get(v, "extends")));
			json_object_set_new(out, name, m);
		}
	}
	return out;
}

/* os.path.abspath(os.path.join(DIR, os.path.expanduser(PATH))). Owned. */
static char *expand_path(const char *dir, const char *path)
{
	return resolve_host_path(path, dir, getenv("HOME"));
}

static char *dir_of(const char *abs)
{
	const char *slash = strrchr(abs, '/');

	return slash && slash != abs ? xstrndup(abs, (size_t)(slash - abs)) : xstrdup("/");
}

/* compose's process_service: paths made absolute against DIR. A new object. */
static json_t *process_service(const json_t *svc, const char *dir, char **err)
{
	json_t *out = json_deep_copy(svc);
	json_t *v = json_object_get(out, "env_file");
	size_t i;
	json_t *item;

	if (v) {
		struct strv files = { 0 };
		json_t *list = json_array();

		if (want_strings(v, "env_file", true, false, &files, err) < 0) {
			json_decref(list);
			json_decref(out);
			return NULL;
		}
		for (i = 0; i < files.n; i++) {
			char *abs = expand_path(dir, files.v[i]);

			json_array_append_new(list, json_string_nocheck(abs));
			free(abs);
		}
		strv_free(&files);
		json_object_set_new(out, "env_file", list);
	}
	v = json_object_get(out, "volumes");
	if (json_is_array(v) && !json_object_get(out, "volume_driver")) {
		json_array_foreach(v, i, item) {
			const char *type = json_string_value(json_object_get(item, "type"));
			const char *src = json_string_value(json_object_get(item, "source"));

			if (json_is_object(item) && type && !strcmp(type, "bind") && src &&
			    (src[0] == '.' || src[0] == '~')) {
				char *abs = expand_path(dir, src);

				json_object_set_new(item, "source", json_string_nocheck(abs));
				free(abs);
			} else if (json_is_string(item)) {
				const char *s = json_string_value(item);
				const char *colon = strchr(s, ':');

				if (colon && (s[0] == '.' || s[0] == '~')) {
					char *host = xstrndup(s, (size_t)(colon - s));
					char *abs = expand_path(dir, host);
					char *joined = xasprintf("%s%s", abs, colon);

					json_array_set_new(v, i, json_string_nocheck(joined));
					free(joined);
					free(abs);
					free(host);
				}
			}
		}
	}
	v = json_object_get(out, "build");
	if (json_is_string(v) || json_is_string(json_object_get(v, "context"))) {
		const char *ctx = json_is_string(v) ? json_string_value(v)
						    : json_string_value(json_object_get(v, "context"));

		if (!strstr(ctx, "://") && strncmp(ctx, "github.com/", 11) && strncmp(ctx, "git@", 4)) {
			char *abs = expand_path(dir, ctx);

			if (json_is_string(v))
				json_object_set_new(out, "build", json_string_nocheck(abs));
			else
				json_object_set_new(v, "context", json_string_nocheck(abs));
			free(abs);
		}
	}
	return out;
}

static json_t *resolve_extends(struct loader *L, const char *file, const char *dir, const char *name,
			       const json_t *svc, struct strv *seen, char **err);

/* The service NAME of the file at PATH (read again when it is not the first file). */
static json_t *extended_service(struct loader *L, const char *path, const char *name, char **err)
{
	struct cfile other;
	const json_t *svc;
	json_t *copy = NULL;

	if (!strcmp(path, L->main_abs)) {
		svc = json_object_get(cfile_services(&L->main), name);
		if (!svc)
			*err = xasprintf("Cannot extend service '%s' in %s: Service not found", name, path);
		return svc ? json_deep_copy(svc) : NULL;
	}
	if (load_file(L, path, &other, err) < 0)
		return NULL;
	if (other.v1 != L->v1) {
		*err = xasprintf("Version mismatch: file %s specifies version %s but extension file %s "
				 "uses version %s", L->main.path, L->v1 ? "1" : "3", path, other.v1 ? "1" : "3");
	} else if (!(svc = json_object_get(cfile_services(&other), name))) {
		*err = xasprintf("Cannot extend service '%s' in %s: Service not found", name, path);
	} else {
		copy = json_deep_copy(svc);
	}
	cfile_free(&other);
	return copy;
}

static const char *const not_extendable[] = { "links", "volumes_from", "depends_on" };

static json_t *resolve_extends(struct loader *L, const char *file, const char *dir, const char *name,
			       const json_t *svc, struct strv *seen, char **err)
{
	const json_t *ext = json_object_get(svc, "extends");
	const char *base_name, *base_file;
	char *path, *signature, *base_dir;
	json_t *base, *resolved, *processed, *merged;

	if (!ext)
		return json_deep_copy(svc);
	base_name = json_is_string(ext) ? json_string_value(ext) : json_string_value(json_object_get(ext, "service"));
	base_file = json_is_object(ext) ? json_string_value(json_object_get(ext, "file")) : NULL;
	if (!base_name || (json_is_object(ext) && json_object_get(ext, "file") && !base_file)) {
		*err = xasprintf("service \"%s\": extends must be a service name or a mapping with "
				 "service: and, maybe, file:", name);
		return NULL;
	}
	signature = xasprintf("%s:%s", file, name);
	if (strv_contains(seen, signature) || ++L->extends_depth > 64) {
		*err = xasprintf("Circular reference: service \"%s\" of %s extends itself", name, file);
		free(signature);
		return NULL;
	}
	path = base_file ? expand_path(dir, base_file) : xstrdup(file);
	base = extended_service(L, path, base_name, err);
	if (!base) {
		free(signature);
		free(path);
		return NULL;
	}
	strv_push_owned(seen, signature);
	base_dir = dir_of(path);
	resolved = resolve_extends(L, path, base_dir, base_name, base, seen, err);
	json_decref(base);
	processed = resolved ? process_service(resolved, base_dir, err) : NULL;
	json_decref(resolved);
	free(base_dir);
	if (!processed) {
		free(path);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(not_extendable) / sizeof(*not_extendable); i++) {
		if (json_object_get(processed, not_extendable[i])) {
			*err = xasprintf("Cannot extend service '%s' in %s: services with '%s' cannot be "
					 "extended", base_name, path, not_extendable[i]);
			json_decref(processed);
			free(path);
			return NULL;
		}
	}
	merged = merge_service(processed, svc, L->v1);
	json_decref(processed);
	free(path);
	return merged;
}

/* ---- volumes ------------------------------------------------------------- */

/* The top-level volumes of every file, a later file's declaration replacing an
 * earlier one's, as compose's load_mapping does. */
static json_t *merged_volumes(const struct cfile *files, size_t n, char **err)
{
	json_t *out = json_object();

	for (size_t i = 0; i < n; i++) {
		const json_t *vols = files[i].v1 ? NULL : json_object_get(files[i].config, "volumes");
		const char *name;
		json_t *decl;

		json_object_foreach((json_t *)vols, name, decl) {
			json_t *copy = json_is_object(decl) ? json_deep_copy(decl) : json_object();
			const json_t *ext = json_object_get(copy, "external");
			bool external = false;

			if (json_is_object(ext)) {
				external = true;
			} else if (ext && want_bool(ext, "volumes.external", &external, err) < 0) {
				json_decref(copy);
				json_decref(out);
				return NULL;
			}
			json_object_set_new(copy, "external", json_boolean(external));
			json_object_set_new(out, name, copy);
		}
	}
	return out;
}

/* The engine's name for the named volume KEY, and the host directory it is bound
 * to (driver_opts o=bind, device=DIR, local driver). */
static int volume_name(const json_t *decls, const char *key, const struct project *p,
		       const char *service, struct mount *m, char **err)
{
	const json_t *decl = json_object_get(decls, key);
	const json_t *ext, *opts;
	const char *name, *driver, *o, *device;

	if (!decl) {
		*err = xasprintf("Named volume \"%s\" is used in service \"%s\" but no declaration "
				 "was found in the volumes section.", key, service);
		return -1;
	}
	ext = json_object_get(decl, "external");
	name = json_string_value(json_object_get(decl, "name"));
	if (json_is_object(ext) && json_string_value(json_object_get(ext, "name")))
		name = json_string_value(json_object_get(ext, "name"));
	if (name)
		m->volume_name = xstrdup(name);
	else if (json_is_true(ext) || json_is_object(ext))
		m->volume_name = xstrdup(key);
	else
		m->volume_name = xasprintf("%s_%s", p->name, key);
	driver = json_string_value(json_object_get(decl, "driver"));
	opts = json_object_get(decl, "driver_opts");
	o = json_string_value(json_object_get(opts, "o"));
	device = json_string_value(json_object_get(opts, "device"));
	if ((!driver || !strcmp(driver, "local")) && o && device) {
		bool bind = false;
		char *words = xstrdup(o), *save = NULL;

		for (char *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save))
			bind |= !strcmp(w, "bind") || !strcmp(w, "rbind");
		free(words);
		if (bind) {
			char *cwd = getcwd(NULL, 0);

			/* compose makes o=bind's device absolute against the current directory */
			m->device = !strcmp(o, "bind") ? resolve_host_path(device, cwd ? cwd : "/", getenv("HOME"))
						       : xstrdup(device);
			free(cwd);
		}
	}
	return 0;
}

static int read_long_volume(const json_t *v, struct mount *m, const struct project *p, const char *svc,
			    char **err)
{
	static const char *const known[] = { "type", "source", "target", "read_only", "consistency",
					     "bind", "volume", "tmpfs", NULL };
	const char *type = json_string_value(json_object_get(v, "type"));
	const json_t *source = json_object_get(v, "source");
	const char *target = json_string_value(json_object_get(v, "target"));
	char *where = xasprintf("services.%s.volumes.read_only", svc);
	const char *key;
	json_t *item;
	int rc;

	m->long_syntax = true;
	m->tmpfs_mode = m->tmpfs_uid = m->tmpfs_gid = -1;
	json_object_foreach((json_t *)v, key, item) {
		bool ok = strncmp(key, "x-", 2) == 0;

		for (size_t i = 0; known[i] && !ok; i++)
			ok = !strcmp(key, known[i]);
		if (!ok) {
			*err = xasprintf("services.%s.volumes contains unsupported option: '%s'", svc, key);
			free(where);
			return -1;
		}
	}
	{
		/* the options of each type: compose 1.29's schema allows only these */
		static const struct {
			const char *key, *allowed;
		} sub[] = { { "bind", "propagation" }, { "volume", "nocopy" }, { "tmpfs", "size" } };

		for (size_t i = 0; i < sizeof(sub) / sizeof(*sub); i++) {
			const json_t *o = json_object_get(v, sub[i].key);

			if (o && !json_is_object(o)) {
				*err = xasprintf("services.%s.volumes.%s contains an invalid type, it should be "
						 "an object", svc, sub[i].key);
				free(where);
				return -1;
			}
			json_object_foreach((json_t *)o, key, item) {
				if (strcmp(key, sub[i].allowed) && strncmp(key, "x-", 2)) {
					*err = xasprintf("services.%s.volumes contains unsupported option: '%s'",
							 svc, key);
					free(where);
					return -1;
				}
			}
		}
	}
	if (!type) {
		*err = xasprintf("services.%s.volumes: an entry has no type: (volume, bind or tmpfs)", svc);
		free(where);
		return -1;
	}
	if (source && !json_is_string(source)) {
		*err = xasprintf("services.%s.volumes.source contains an invalid type, it should be a "
				 "string", svc);
		free(where);
		return -1;
	}
	rc = want_bool(json_object_get(v, "read_only"), where, &m->read_only, err);
	free(where);
	if (rc == 0) {
		where = xasprintf("services.%s.volumes.volume.nocopy", svc);
		rc = want_bool(json_object_get(json_object_get(v, "volume"), "nocopy"), where, &m->nocopy, err);
		free(where);
	}
	if (rc < 0)
		return -1;
	m->target = target ? xstrdup(target) : xstrdup("");
	if (!target || target[0] != '/')
		m->refused = xasprintf("invalid mount path: \"%s\" is not absolute", target ? target : "");
	else {
		free(m->target);
		m->target = resolve_host_path(target, "/", NULL);
	}
	if (!strcmp(type, "volume")) {
		m->type = MOUNT_VOLUME;
		m->source = json_string_length(source) ? xstrdup(json_string_value(source)) : NULL;
	} else if (!strcmp(type, "bind")) {
		m->type = MOUNT_BIND;
		if (!json_string_length(source)) {
			m->source = xstrdup("");
			if (!m->refused)
				m->refused = xstrdup("invalid mount config for type \"bind\": field Source must not be empty");
		} else if (json_string_value(source)[0] != '/') {
			m->source = xstrdup(json_string_value(source));
			if (!m->refused)
				m->refused = xasprintf("invalid mount config for type \"bind\": invalid mount "
						       "path: '%s' mount path must be absolute", m->source);
		} else {
			m->source = resolve_host_path(json_string_value(source), "/", NULL);
		}
	} else if (!strcmp(type, "tmpfs")) {
		m->type = MOUNT_TMPFS;
		if (json_string_length(source)) {
			*err = xstrdup("tmpfs mounts can not specify a source");
			return -1;
		}
	} else {
		m->type = MOUNT_VOLUME;
		if (!m->refused)
			m->refused = xasprintf("mount type \"%s\" is not one of volume, bind, tmpfs", type);
	}
	(void)p;
	return 0;
}

static void add_mount(struct service *s, struct mount *m)
{
	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	s->mounts[s->n_mounts++] = *m;
}

static void mount_clear(struct mount *m)
{
	free(m->source);
	free(m->target);
	free(m->volume_name);
	free(m->device);
	free(m->refused);
	memset(m, 0, sizeof(*m));
}

static int read_volumes(const json_t *svc, const json_t *decls, struct service *s,
			const struct project *p, bool v1, char **err)
{
	const json_t *list = json_object_get(svc, "volumes");
	size_t i;
	json_t *v;

	if (list && !json_is_array(list)) {
		*err = xasprintf("services.%s.volumes contains an invalid type, it should be an array", s->name);
		return -1;
	}
	json_array_foreach(list, i, v) {
		struct mount m = { 0 };
		char *why = NULL;
		int rc;

		if (json_is_string(v))
			rc = parse_short_volume(json_string_value(v), p->dir, getenv("HOME"), &m, &why);
		else if (json_is_object(v))
			rc = read_long_volume(v, &m, p, s->name, &why);
		else
			rc = -1, why = xasprintf("services.%s.volumes contains %s, which is an invalid type",
						 s->name, json_type_name(v));
		/* The version-1 format has no volumes section: a name is the volume itself. */
		if (rc == 0 && m.type == MOUNT_VOLUME && m.source && v1)
			m.volume_name = xstrdup(m.source);
		else if (rc == 0 && m.type == MOUNT_VOLUME && m.source)
			rc = volume_name(decls, m.source, p, s->name, &m, &why);
		for (size_t j = 0; rc == 0 && j < s->n_mounts; j++) {
			if (s->mounts[j].type != MOUNT_TMPFS && !strcmp(s->mounts[j].target, m.target)) {
				why = xasprintf("Duplicate mount points: [%s]", m.target);
				rc = -1;
			}
		}
		if (rc < 0) {
			*err = why && !strncmp(why, "services.", 9) ? why
				   : xasprintf("service \"%s\": volumes: %s", s->name, why ? why : "?");
			if (*err != why)
				free(why);
			mount_clear(&m);
			return -1;
		}
		add_mount(s, &m);
	}
	return 0;
}

static int read_tmpfs(const json_t *svc, struct service *s, char **err)
{
	struct strv list = { 0 };
	char *where = xasprintf("services.%s.tmpfs", s->name);
	int rc = want_strings(json_object_get(svc, "tmpfs"), where, true, false, &list, err);

	free(where);
	for (size_t i = 0; rc == 0 && i < list.n; i++) {
		const char *spec = list.v[i];
		const char *colon = strchr(spec, ':');
		struct mount m = { .type = MOUNT_TMPFS, .tmpfs_mode = -1, .tmpfs_uid = -1, .tmpfs_gid = -1 };
		char *why = NULL;
		char *path = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);

		if (path[0] != '/') {
			m.target = path;
			m.refused = xasprintf("invalid tmpfs mount path: \"%s\" is not absolute", spec);
		} else {
			m.target = resolve_host_path(path, "/", NULL);
			free(path);
			if (colon && parse_tmpfs_options(colon + 1, &m, &why) < 0) {
				m.refused = why;
				why = NULL;
			}
		}
		add_mount(s, &m);
	}
	strv_free(&list);
	return rc;
}

/* volumes_from: "service[:mode]", "container:name[:mode]" or "service:name:mode". */
static int read_volumes_from(const json_t *svc, const json_t *all, struct service *s, bool v1, char **err)
{
	struct strv list = { 0 };
	char *where = xasprintf("services.%s.volumes_from", s->name);
	int rc = want_strings(json_object_get(svc, "volumes_from"), where, false, false, &list, err);

	free(where);
	for (size_t i = 0; rc == 0 && i < list.n; i++) {
		struct strv parts = { 0 };
		const char *type = "service", *source, *mode = "rw";
		char *copy = xstrdup(list.v[i]), *save = NULL;

		for (char *w = strtok_r(copy, ":", &save); w; w = strtok_r(NULL, ":", &save))
			strv_push(&parts, w);
		free(copy);
		if (parts.n == 0 || parts.n > 3 || (v1 && parts.n > 2)) {
			*err = xasprintf("volume_from %s has incorrect format, should be one of "
					 "'<service name>[:<mode>]' or 'container:<container name>[:<mode>]'",
					 list.v[i]);
			rc = -1;
		} else {
			source = parts.v[0];
			if (parts.n == 2 && !v1 && !strcmp(parts.v[0], "container"))
				type = "container", source = parts.v[1];
			else if (parts.n == 2)
				mode = parts.v[1];
			else if (parts.n == 3)
				type = parts.v[0], source = parts.v[1], mode = parts.v[2];
			if (v1 && !json_object_get(all, source))
				type = "container";
			if (strcmp(type, "service") && strcmp(type, "container")) {
				*err = xasprintf("Unknown volumes_from type '%s' in '%s'", type, list.v[i]);
				rc = -1;
			} else if (!strcmp(type, "service") && !json_object_get(all, source)) {
				*err = xasprintf("Service \"%s\" mounts volumes from \"%s\", which is not the "
						 "name of a service or container.", s->name, source);
				rc = -1;
			} else {
				strv_push_owned(&s->volumes_from, xasprintf("%s:%s:%s", type, source, mode));
				if (!strcmp(type, "service"))
					strv_push(&s->depends, source);
			}
		}
		strv_free(&parts);
	}
	strv_free(&list);
	return rc;
}

/* The services compose starts before S: depends_on, links, network_mode, pid, ipc. */
static void read_depends(const json_t *svc, struct service *s)
{
	const json_t *d = json_object_get(svc, "depends_on");
	const char *key;
	json_t *v;
	size_t i;
	static const char *const modes[] = { "network_mode", "pid", "ipc" };

	if (json_is_object(d)) {
		json_object_foreach((json_t *)d, key, v)
			strv_push(&s->depends, key);
	} else {
		json_array_foreach(d, i, v)
			if (json_is_string(v))
				strv_push(&s->depends, json_string_value(v));
	}
	json_array_foreach(json_object_get(svc, "links"), i, v) {
		const char *l = json_string_value(v);

		if (l)
			strv_push_owned(&s->depends, xstrndup(l, strcspn(l, ":")));
	}
	for (i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		const char *m = json_string_value(json_object_get(svc, modes[i]));

		if (m && !strncmp(m, "service:", 8))
			strv_push(&s->depends, m + 8);
	}
}

/* A command or entrypoint: a list of strings, or one string split like a shell. */
static int read_command(const json_t *v, struct strv *out, const char *where, char **err)
{
	size_t i;
	json_t *item;

	if (json_is_string(v))
		return shell_split(json_string_value(v), out, err);
	if (!json_is_array(v)) {
		*err = xasprintf("%s contains an invalid type, it should be a string, or an array", where);
		return -1;
	}
	json_array_foreach(v, i, item) {
		if (!json_is_string(item)) {
			*err = xasprintf("%s contains %s, which is an invalid type, it should be a string",
					 where, json_type_name(item));
			return -1;
		}
		strv_push(out, json_string_value(item));
	}
	return 0;
}

static int read_string(const json_t *svc, const char *key, const char *svc_name, char **out, char **err)
{
	const json_t *v = json_object_get(svc, key);

	if (!v)
		return 0;
	if (!json_is_string(v)) {
		*err = xasprintf("services.%s.%s contains an invalid type, it should be a string", svc_name, key);
		return -1;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int read_privileges(const json_t *svc, struct service *s, char **err)
{
	char *w = xasprintf("services.%s.privileged", s->name);
	int rc = want_bool(json_object_get(svc, "privileged"), w, &s->privileged, err);

	free(w);
	if (rc < 0)
		return -1;
	w = xasprintf("services.%s.cap_add", s->name);
	rc = want_strings(json_object_get(svc, "cap_add"), w, false, false, &s->cap_add, err);
	free(w);
	if (rc < 0)
		return -1;
	w = xasprintf("services.%s.cap_drop", s->name);
	rc = want_strings(json_object_get(svc, "cap_drop"), w, false, false, &s->cap_drop, err);
	free(w);
	if (rc < 0)
		return -1;
	w = xasprintf("services.%s.group_add", s->name);
	rc = want_strings(json_object_get(svc, "group_add"), w, false, true, &s->group_add, err);
	free(w);
	return rc;
}

/* env_file: each must be a file (compose reads them at load time). */
static int check_env_files(const json_t *svc, char **err)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(svc, "env_file"), i, v) {
		const char *path = json_string_value(v);
		struct stat st;

		if (!path)
			continue;
		if (stat(path, &st) < 0) {
			*err = xasprintf("Couldn't find env file: %s", path);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			*err = xasprintf("%s is not a file.", path);
			return -1;
		}
	}
	return 0;
}

static int read_service(const char *name, const json_t *svc, const json_t *all, const json_t *decls,
			struct service *s, const struct project *p, bool v1, char **err)
{
	const json_t *ep = json_object_get(svc, "entrypoint"), *cmd = json_object_get(svc, "command");
	char *where;
	int rc;

	s->name = xstrdup(name);
	s->has_build = json_object_get(svc, "build") != NULL;
	if (read_string(svc, "image", name, &s->image_ref, err) < 0 ||
	    read_string(svc, "user", name, &s->user, err) < 0)
		return -1;
	s->has_image_key = s->image_ref != NULL;
	if (!s->image_ref && s->has_build) {
		for (const char *c = name; *c; c++) {
			if (isupper((unsigned char)*c)) {
				*err = xasprintf("Service '%s' contains uppercase characters which are not "
						 "valid as part of an image name. Either use a lowercase service "
						 "name or use the `image` field to set a custom name for the "
						 "service image.", name);
				return -1;
			}
		}
		s->image_ref = xasprintf("%s_%s", p->name, name);
	} else if (!s->image_ref) {
		*err = xasprintf("Service %s has neither an image nor a build context specified. At "
				 "least one must be provided.", name);
		return -1;
	}
	s->has_entrypoint = ep && !json_is_null(ep);
	s->has_command = cmd && !json_is_null(cmd);
	where = xasprintf("services.%s.entrypoint", name);
	rc = s->has_entrypoint ? read_command(ep, &s->entrypoint, where, err) : 0;
	free(where);
	if (rc < 0)
		return -1;
	where = xasprintf("services.%s.command", name);
	rc = s->has_command ? read_command(cmd, &s->command, where, err) : 0;
	free(where);
	if (rc < 0)
		return -1;
	where = xasprintf("services.%s.profiles", name);
	rc = want_strings(json_object_get(svc, "profiles"), where, false, false, &s->profiles, err);
	free(where);
	if (rc < 0 || check_env_files(svc, err) < 0 || read_privileges(svc, s, err) < 0 ||
	    read_volumes(svc, decls, s, p, v1, err) < 0 || read_tmpfs(svc, s, err) < 0 ||
	    read_volumes_from(svc, all, s, v1, err) < 0)
		return -1;
	read_depends(svc, s);
	return 0;
}

static bool service_enabled(const struct service *s, const struct strv *profiles)
{
	if (s->profiles.n == 0)
		return true;
	for (size_t i = 0; i < s->profiles.n; i++)
		if (strv_contains(profiles, s->profiles.v[i]))
			return true;
	return false;
}

/* Build one service from its merged definition; add it to P or to its skipped list. */
static int build_service(struct loader *L, const char *name, const json_t *def, const json_t *all,
			 const json_t *decls, struct project *p, const struct strv *only, char **err)
{
	struct strv seen = { 0 };
	json_t *resolved, *processed;
	struct service s = { 0 };
	int rc;

	L->extends_depth = 0;
	resolved = resolve_extends(L, L->main_abs, p->dir, name, def, &seen, err);
	strv_free(&seen);
	if (!resolved)
		return -1;
	processed = process_service(resolved, p->dir, err);
	json_decref(resolved);
	if (!processed)
		return -1;
	rc = read_service(name, processed, all, decls, &s, p, L->v1, err);
	json_decref(processed);
	if (rc < 0) {
		char *e = *err;

		*err = xasprintf("%s: %s", L->main.path, e);
		free(e);
		service_free(&s);
		return -1;
	}
	if ((only->n > 0 && !strv_contains(only, name)) ||
	    (only->n == 0 && !service_enabled(&s, &L->pe.profiles))) {
		if (only->n == 0) {
			struct buf b = { 0 };

			buf_printf(&b, "%s (profiles:", name);
			for (size_t i = 0; i < s.profiles.n; i++)
				buf_printf(&b, " %s", s.profiles.v[i]);
			buf_addc(&b, ')');
			strv_push_owned(&p->skipped, buf_steal(&b));
		}
		service_free(&s);
		return 0;
	}
	p->services = xrealloc(p->services, (p->n_services + 1) * sizeof(*p->services));
	p->services[p->n_services++] = s;
	return 0;
}

static int build_services(struct loader *L, const json_t *services, const json_t *decls,
			  struct project *p, const struct strv *only, char **err)
{
	const char *name;
	json_t *def;

	for (size_t i = 0; only && i < only->n; i++) {
		if (!json_object_get(services, only->v[i])) {
			*err = xasprintf("No such service: %s", only->v[i]);
			return -1;
		}
	}
	json_object_foreach((json_t *)services, name, def)
		if (build_service(L, name, def, services, decls, p, only, err) < 0)
			return -1;
	return 0;
}

int compose_services(const json_t *tree, struct project *p, const struct strv *only, char **err)
{
	struct loader L = { 0 };
	struct strv none = { 0 };
	json_t *decls;
	int rc;

	*err = NULL;
	L.main.config = (json_t *)tree;
	L.main.path = xstrdup("compose.yaml");
	L.main_abs = xasprintf("%s/compose.yaml", p->dir);
	L.pe.dotenv = json_object();
	decls = merged_volumes(&L.main, 1, err);
	if (!decls) {
		free(L.main_abs);
		free(L.main.path);
		json_decref(L.pe.dotenv);
		return -1;
	}
	if (!json_is_object(json_object_get(tree, "services"))) {
		*err = xstrdup("no services: mapping");
		rc = -1;
	} else {
		rc = build_services(&L, json_object_get(tree, "services"), decls, p, only ? only : &none, err);
	}
	json_decref(decls);
	json_decref(L.pe.dotenv);
	free(L.main_abs);
	free(L.main.path);
	return rc;
}

int compose_load(const struct compose_opts *o, struct project *p, char **err)
{
	struct files_opts fo = { .files = o->files, .project_directory = o->project_directory,
				 .env_file = o->env_file, .project_name = o->project_name,
				 .profiles = o->profiles };
	struct loader L = { 0 };
	struct cfile *files = NULL;
	json_t *services = NULL, *decls = NULL;
	size_t n = 0;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	*err = NULL;
	if (project_env_find(&fo, &L.pe, err) < 0)
		return -1;
	p->name = xstrdup(L.pe.name);
	p->name_given = o->project_name != NULL;
	p->dir = xstrdup(L.pe.working_dir);
	strv_append(&p->files, &L.pe.files);
	strv_append(&p->warnings, &L.pe.warnings);
	files = xcalloc(L.pe.files.n, sizeof(*files));
	for (n = 0; n < L.pe.files.n; n++) {
		if (load_file(&L, L.pe.files.v[n], &files[n], err) < 0)
			goto out;
		if (n > 0 && files[n].v1 != files[0].v1) {
			*err = xasprintf("Version mismatch: file %s specifies version %s but extension file "
					 "%s uses version %s", files[0].path, files[0].v1 ? "1" : "3",
					 files[n].path, files[n].v1 ? "1" : "3");
			n++;
			goto out;
		}
	}
	L.main = files[0];
	L.v1 = files[0].v1;
	L.main_abs = realpath(files[0].path, NULL);
	if (!L.main_abs)
		L.main_abs = xstrdup(files[0].path);
	if (json_is_string(json_object_get(files[0].config, "version")))
		p->version = xstrdup(json_string_value(json_object_get(files[0].config, "version")));
	services = json_deep_copy(cfile_services(&files[0]));
	for (size_t i = 1; i < n; i++) {
		json_t *m = merge_files(services, cfile_services(&files[i]), L.v1);

		json_decref(services);
		services = m;
	}
	decls = merged_volumes(files, n, err);
	if (!decls)
		goto out;
	rc = build_services(&L, services, decls, p, o->only, err);
out:
	json_decref(services);
	json_decref(decls);
	for (size_t i = 0; i < n; i++)
		cfile_free(&files[i]);
	free(files);
	free(L.main_abs);
	project_env_free(&L.pe);
	if (rc < 0)
		project_free(p);
	return rc;
}
