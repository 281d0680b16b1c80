#include "compose.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "interp.h"
#include "mountspec.h"

#define MAX_DEPTH 64

static const char *const default_names[] = {
	"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml",
};

/* ---- YAML to JSON -------------------------------------------------------- */

static json_t *node_to_json(yaml_document_t *doc, yaml_node_t *node, int depth);

static json_t *scalar_to_json(yaml_node_t *node)
{
	const char *v = (const char *)node->data.scalar.value;
	size_t n = node->data.scalar.length;

	if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n == 0 || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL")))
		return json_null();
	return json_stringn(v, n);
}

/* "<<: *anchor" or "<<: [*a, *b]": keys not already present come from the maps. */
static void apply_merge_key(yaml_document_t *doc, json_t *obj, yaml_node_t *val, int depth)
{
	json_t *src = node_to_json(doc, val, depth + 1);
	size_t i;
	json_t *item;

	if (json_is_object(src)) {
		json_object_update_missing(obj, src);
	} else if (json_is_array(src)) {
		json_array_foreach(src, i, item)
			if (json_is_object(item))
				json_object_update_missing(obj, item);
	}
	json_decref(src);
}

static json_t *mapping_to_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	json_t *obj = json_object();
	yaml_node_t *merge = NULL;

	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		char *key;

		if (!k || !v || k->type != YAML_SCALAR_NODE)
			continue;
		key = xstrndup((const char *)k->data.scalar.value, k->data.scalar.length);
		if (strcmp(key, "<<") == 0 && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			merge = v;
		else
			json_object_set_new(obj, key, node_to_json(doc, v, depth + 1));
		free(key);
	}
	if (merge)
		apply_merge_key(doc, obj, merge, depth);
	return obj;
}

static json_t *node_to_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	json_t *arr;

	if (depth > MAX_DEPTH)
		return json_null();
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return scalar_to_json(node);
	case YAML_SEQUENCE_NODE:
		arr = json_array();
		for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
			yaml_node_t *item = yaml_document_get_node(doc, *i);

			if (item)
				json_array_append_new(arr, node_to_json(doc, item, depth + 1));
		}
		return arr;
	case YAML_MAPPING_NODE:
		return mapping_to_json(doc, node, depth);
	case YAML_NO_NODE:
		break;
	}
	return json_null();
}

json_t *yaml_to_json(const char *text, size_t len, const char *name, char **err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	json_t *tree;

	*err = NULL;
	if (!yaml_parser_initialize(&parser))
		die("cannot initialise libyaml");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		*err = xasprintf("%s:%zu:%zu: %s%s%s", name, parser.problem_mark.line + 1,
				 parser.problem_mark.column + 1, parser.problem ? parser.problem : "syntax error",
				 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return NULL;
	}
	root = yaml_document_get_root_node(&doc);
	tree = root ? node_to_json(&doc, root, 0) : json_object();
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return tree;
}

/* ---- interpolation -------------------------------------------------------- */

int interpolate_tree(json_t *tree, const char *(*lookup)(const char *, void *), void *ctx,
		     const char *name, char **err)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(tree)) {
		json_object_foreach(tree, key, v)
			if (interpolate_tree(v, lookup, ctx, name, err) < 0)
				return -1;
	} else if (json_is_array(tree)) {
		json_array_foreach(tree, i, v)
			if (interpolate_tree(v, lookup, ctx, name, err) < 0)
				return -1;
	} else if (json_is_string(tree)) {
		char *out, *why;

		if (interpolate(json_string_value(tree), lookup, ctx, &out, &why) < 0) {
			*err = xasprintf("%s: %s", name, why);
			free(why);
			return -1;
		}
		json_string_set(tree, out);
		free(out);
	}
	return 0;
}

/* ---- merging -------------------------------------------------------------- */

/* The container path of a volumes: entry, for merging by target. Owned. */
static char *volume_entry_target(const json_t *v)
{
	if (json_is_object(v)) {
		const char *t = json_string_value(json_object_get(v, "target"));

		return t ? resolve_host_path(t, "/", NULL) : xstrdup("");
	}
	if (json_is_string(v)) {
		struct mount m = { 0 };
		char *err = NULL;
		char *t;

		if (parse_short_volume(json_string_value(v), "/", "/", &m, &err) < 0) {
			free(err);
			return xstrdup(json_string_value(v));
		}
		t = m.target;
		free(m.source);
		return t;
	}
	return xstrdup("");
}

static void merge_volumes(json_t *base, const json_t *over)
{
	size_t i, j;
	json_t *o, *b;

	json_array_foreach(over, i, o) {
		char *t = volume_entry_target(o);
		int replaced = 0;

		json_array_foreach(base, j, b) {
			char *bt = volume_entry_target(b);

			if (strcmp(bt, t) == 0) {
				json_array_set(base, j, o);
				replaced = 1;
			}
			free(bt);
			if (replaced)
				break;
		}
		if (!replaced)
			json_array_append(base, o);
		free(t);
	}
}

static void merge_unique(json_t *base, const json_t *over)
{
	size_t i, j;
	json_t *o, *b;

	json_array_foreach(over, i, o) {
		int found = 0;

		json_array_foreach(base, j, b)
			found |= json_equal(b, o);
		if (!found)
			json_array_append(base, o);
	}
}

/* A string or a list, as an array (new reference). */
static json_t *as_list(const json_t *v)
{
	json_t *a;

	if (json_is_array(v))
		return json_incref((json_t *)v);
	a = json_array();
	if (v && !json_is_null(v))
		json_array_append(a, (json_t *)v);
	return a;
}

static void merge_service(json_t *base, const json_t *over)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)over, key, v) {
		json_t *b = json_object_get(base, key);

		if (b && !strcmp(key, "volumes") && json_is_array(b) && json_is_array(v)) {
			merge_volumes(b, v);
		} else if (b && (!strcmp(key, "tmpfs") || !strcmp(key, "cap_add") ||
				 !strcmp(key, "cap_drop"))) {
			json_t *bl = as_list(b), *ol = as_list(v);

			merge_unique(bl, ol);
			json_object_set_new(base, key, bl);
			json_decref(ol);
		} else {
			json_object_set(base, key, v);
		}
	}
}

void compose_merge(json_t *base, const json_t *override)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)override, key, v) {
		json_t *b = json_object_get(base, key);

		if ((!strcmp(key, "services") || !strcmp(key, "volumes")) && json_is_object(b) &&
		    json_is_object(v)) {
			const char *name;
			json_t *sv;

			json_object_foreach(v, name, sv) {
				json_t *bs = json_object_get(b, name);

				if (!strcmp(key, "services") && json_is_object(bs) && json_is_object(sv))
					merge_service(bs, sv);
				else
					json_object_set(b, name, sv);
			}
		} else {
			json_object_set(base, key, v);
		}
	}
}

/* ---- the environment ------------------------------------------------------ */

struct env {
	json_t *dotenv; /* the project directory's .env, KEY -> value */
};

static const char *env_lookup(const char *name, void *ctx)
{
	const struct env *env = ctx;
	const char *v = getenv(name);

	return v ? v : json_string_value(json_object_get(env->dotenv, name));
}

/* KEY=VALUE lines of DIR/.env, as compose v1 reads them. */
static json_t *read_dotenv(const char *dir)
{
	char *path = xasprintf("%s/.env", dir);
	FILE *f = fopen(path, "re");
	json_t *env = json_object();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	free(path);
	if (!f)
		return env;
	while ((n = getline(&line, &cap, f)) > 0) {
		char *eq;

		line[strcspn(line, "\r\n")] = '\0';
		eq = strchr(line, '=');
		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		json_object_set_new(env, line, json_string(eq + 1));
	}
	free(line);
	fclose(f);
	return env;
}

/* ---- loading -------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;

	if (!f)
		die("cannot read the compose file \"%s\": %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f))
		die("cannot read the compose file \"%s\": %s", path, strerror(errno));
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

static void find_default_file(struct strv *files)
{
	for (size_t i = 0; i < sizeof(default_names) / sizeof(default_names[0]); i++) {
		if (access(default_names[i], F_OK) == 0) {
			strv_push(files, default_names[i]);
			return;
		}
	}
	die("no compose file here: none of compose.yaml, compose.yml, docker-compose.yaml, "
	    "docker-compose.yml exists; name one with -f FILE");
}

static char *absolute_dir_of(const char *file)
{
	char *copy = xstrdup(file);
	char *dir = dirname(copy);
	char *abs = realpath(dir, NULL);

	if (!abs)
		die("cannot resolve the directory of \"%s\": %s", file, strerror(errno));
	free(copy);
	return abs;
}

static json_t *load_one(const char *path, struct env *env)
{
	size_t len;
	char *text = read_file(path, &len);
	char *err = NULL;
	json_t *tree = yaml_to_json(text, len, path, &err);

	free(text);
	if (!tree)
		die("%s", err);
	if (!json_is_object(tree))
		die("%s: the top level is not a mapping", path);
	if (interpolate_tree(tree, env_lookup, env, path, &err) < 0)
		die("%s", err);
	return tree;
}

void compose_load(const struct compose_opts *o, struct project *p)
{
	struct env env;
	json_t *tree = NULL;
	const char *name;
	char *err = NULL;

	memset(p, 0, sizeof(*p));
	strv_append(&p->files, o->files);
	if (p->files.n == 0)
		find_default_file(&p->files);
	p->dir = absolute_dir_of(p->files.v[0]);
	env.dotenv = read_dotenv(p->dir);
	for (size_t i = 0; i < p->files.n; i++) {
		json_t *t = load_one(p->files.v[i], &env);

		if (tree) {
			compose_merge(tree, t);
			json_decref(t);
		} else {
			tree = t;
		}
	}
	name = o->project_name ? o->project_name : env_lookup("COMPOSE_PROJECT_NAME", &env);
	if (!name || !*name) {
		char *copy = xstrdup(p->dir);

		p->name = normalize_project_name(basename(copy));
		free(copy);
	} else {
		p->name = normalize_project_name(name);
	}
	if (json_is_string(json_object_get(tree, "version")))
		p->version = xstrdup(json_string_value(json_object_get(tree, "version")));
	if (compose_services(tree, p, o->only, &err) < 0)
		die("%s: %s", p->files.v[0], err);
	json_decref(tree);
	json_decref(env.dotenv);
}

/* ---- services ------------------------------------------------------------- */

static bool truthy(const json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_true(v))
		return true;
	return s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "yes") || !strcmp(s, "on"));
}

/* A command or entrypoint: a list of strings, or one string split like a shell. */
static int read_command(const json_t *v, struct strv *out, const char *what, char **err)
{
	size_t i;
	json_t *item;

	if (json_is_string(v))
		return shell_split(json_string_value(v), out, err);
	if (!json_is_array(v)) {
		*err = xasprintf("%s is neither a string nor a list", what);
		return -1;
	}
	json_array_foreach(v, i, item) {
		if (!json_is_string(item)) {
			*err = xasprintf("%s has an item that is not a string", what);
			return -1;
		}
		strv_push(out, json_string_value(item));
	}
	return 0;
}

/* The engine's name for the named volume KEY. */
static int volume_name(const json_t *top_volumes, const char *key, const struct project *p,
		       const char *service, char **out, char **err)
{
	const json_t *decl;
	const json_t *ext;
	const char *name;

	if (!json_is_object(top_volumes) || !json_object_get(top_volumes, key)) {
		*err = xasprintf("named volume \"%s\" is used in service \"%s\" but no declaration "
				 "was found in the volumes section", key, service);
		return -1;
	}
	decl = json_object_get(top_volumes, key);
	ext = json_object_get(decl, "external");
	name = json_string_value(json_object_get(decl, "name"));
	if (json_is_object(ext) && json_string_value(json_object_get(ext, "name")))
		name = json_string_value(json_object_get(ext, "name"));
	if (name)
		*out = xstrdup(name);
	else if (truthy(ext) || json_is_object(ext))
		*out = xstrdup(key);
	else
		*out = xasprintf("%s_%s", p->name, key);
	return 0;
}

static int read_long_volume(const json_t *v, struct mount *m, const struct project *p, char **err)
{
	const char *type = json_string_value(json_object_get(v, "type"));
	const char *source = json_string_value(json_object_get(v, "source"));
	const char *target = json_string_value(json_object_get(v, "target"));
	const json_t *tmpfs = json_object_get(v, "tmpfs");

	m->long_syntax = true;
	m->tmpfs_mode = m->tmpfs_uid = m->tmpfs_gid = -1;
	if (!target || target[0] != '/') {
		*err = xasprintf("a volume of type \"%s\" has no absolute target", type ? type : "?");
		return -1;
	}
	m->target = resolve_host_path(target, "/", NULL);
	m->read_only = truthy(json_object_get(v, "read_only"));
	m->nocopy = truthy(json_object_get(json_object_get(v, "volume"), "nocopy"));
	if (!type || !strcmp(type, "volume")) {
		m->type = MOUNT_VOLUME;
		m->source = source && *source ? xstrdup(source) : NULL;
	} else if (!strcmp(type, "bind")) {
		m->type = MOUNT_BIND;
		if (!source) {
			*err = xasprintf("the bind mount at \"%s\" has no source", target);
			return -1;
		}
		m->source = resolve_host_path(source, p->dir, getenv("HOME"));
	} else if (!strcmp(type, "tmpfs")) {
		const char *mode = json_string_value(json_object_get(tmpfs, "mode"));

		m->type = MOUNT_TMPFS;
		if (mode && parse_long(mode, 8, &m->tmpfs_mode) < 0) {
			*err = xasprintf("tmpfs mode \"%s\" at \"%s\" is not an octal number", mode, target);
			return -1;
		}
	} else {
		*err = xasprintf("volume type \"%s\" at \"%s\" is not one of volume, bind, tmpfs", type, target);
		return -1;
	}
	return 0;
}

static void add_mount(struct service *s, struct mount *m)
{
	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	s->mounts[s->n_mounts++] = *m;
}

static int read_volumes(const json_t *svc, const json_t *top_volumes, struct service *s,
			const struct project *p, char **err)
{
	const json_t *list = json_object_get(svc, "volumes");
	size_t i;
	json_t *v;

	if (list && !json_is_array(list)) {
		*err = xasprintf("service \"%s\": volumes is not a list", s->name);
		return -1;
	}
	json_array_foreach(list, i, v) {
		struct mount m = { 0 };
		char *why = NULL;
		int rc;

		if (json_is_string(v))
			rc = parse_short_volume(json_string_value(v), p->dir, getenv("HOME"), &m, &why);
		else if (json_is_object(v))
			rc = read_long_volume(v, &m, p, &why);
		else
			rc = -1, why = xstrdup("an entry is neither a string nor a mapping");
		if (rc == 0 && m.type == MOUNT_VOLUME && m.source)
			rc = volume_name(top_volumes, m.source, p, s->name, &m.volume_name, &why);
		if (rc < 0) {
			*err = xasprintf("service \"%s\": volumes: %s", s->name, why);
			free(why);
			return -1;
		}
		add_mount(s, &m);
	}
	return 0;
}

static int read_tmpfs(const json_t *svc, struct service *s, char **err)
{
	json_t *list = as_list(json_object_get(svc, "tmpfs"));
	size_t i;
	json_t *v;
	int rc = 0;

	json_array_foreach(list, i, v) {
		const char *spec = json_string_value(v);
		const char *colon = spec ? strchr(spec, ':') : NULL;
		struct mount m = { .type = MOUNT_TMPFS, .tmpfs_mode = -1, .tmpfs_uid = -1, .tmpfs_gid = -1 };
		char *why = NULL;
		char *path;

		if (!spec || spec[0] != '/') {
			*err = xasprintf("service \"%s\": tmpfs: \"%s\" is not an absolute path", s->name,
					 spec ? spec : "?");
			rc = -1;
			break;
		}
		path = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
		m.target = resolve_host_path(path, "/", NULL);
		free(path);
		if (colon && parse_tmpfs_options(colon + 1, &m, &why) < 0) {
			*err = xasprintf("service \"%s\": tmpfs: %s", s->name, why);
			free(why);
			free(m.target);
			rc = -1;
			break;
		}
		add_mount(s, &m);
	}
	json_decref(list);
	return rc;
}

/* A list of words (cap_add, cap_drop, group_add) into OUT. */
static int read_words(const json_t *svc, const char *key, struct strv *out, const char *service,
		      char **err)
{
	json_t *list = as_list(json_object_get(svc, key));
	size_t i;
	json_t *v;
	int rc = 0;

	json_array_foreach(list, i, v) {
		if (!json_is_string(v)) {
			*err = xasprintf("service \"%s\": %s: item %zu is not a word", service, key, i + 1);
			rc = -1;
			break;
		}
		strv_push(out, json_string_value(v));
	}
	json_decref(list);
	return rc;
}

/* What decides the program's privileges besides its user: capabilities and added
 * groups. */
static int read_privileges(const json_t *svc, struct service *s, char **err)
{
	s->privileged = truthy(json_object_get(svc, "privileged"));
	if (read_words(svc, "cap_add", &s->cap_add, s->name, err) < 0 ||
	    read_words(svc, "cap_drop", &s->cap_drop, s->name, err) < 0)
		return -1;
	return read_words(svc, "group_add", &s->group_add, s->name, err);
}

static int read_service(const char *name, const json_t *svc, const json_t *top, struct service *s,
			const struct project *p, char **err)
{
	const json_t *user = json_object_get(svc, "user");

	s->name = xstrdup(name);
	if (!json_is_object(svc)) {
		*err = xasprintf("service \"%s\" is not a mapping", name);
		return -1;
	}
	s->has_build = json_object_get(svc, "build") != NULL;
	s->has_image_key = json_is_string(json_object_get(svc, "image"));
	if (s->has_image_key)
		s->image_ref = xstrdup(json_string_value(json_object_get(svc, "image")));
	else if (s->has_build)
		s->image_ref = xasprintf("%s_%s", p->name, name);
	else {
		*err = xasprintf("service \"%s\" has neither image nor build", name);
		return -1;
	}
	if (json_is_string(user))
		s->user = xstrdup(json_string_value(user));
	s->has_entrypoint = json_object_get(svc, "entrypoint") && !json_is_null(json_object_get(svc, "entrypoint"));
	s->has_command = json_object_get(svc, "command") && !json_is_null(json_object_get(svc, "command"));
	if (s->has_entrypoint &&
	    read_command(json_object_get(svc, "entrypoint"), &s->entrypoint, "entrypoint", err) < 0)
		return -1;
	if (s->has_command && read_command(json_object_get(svc, "command"), &s->command, "command", err) < 0)
		return -1;
	if (read_privileges(svc, s, err) < 0 || read_volumes(svc, json_object_get(top, "volumes"), s, p, err) < 0)
		return -1;
	return read_tmpfs(svc, s, err);
}

int compose_services(const json_t *tree, struct project *p, const struct strv *only, char **err)
{
	const json_t *services = json_object_get(tree, "services");
	const char *name;
	json_t *svc;

	if (!json_is_object(services)) {
		*err = xstrdup("no services: mapping");
		return -1;
	}
	for (size_t i = 0; only && i < only->n; i++) {
		if (!json_object_get(services, only->v[i])) {
			*err = xasprintf("no service named \"%s\"", only->v[i]);
			return -1;
		}
	}
	json_object_foreach((json_t *)services, name, svc) {
		struct service s = { 0 };

		if (only && only->n > 0 && !strv_contains(only, name))
			continue;
		if (read_service(name, svc, tree, &s, p, err) < 0)
			return -1;
		p->services = xrealloc(p->services, (p->n_services + 1) * sizeof(*p->services));
		p->services[p->n_services++] = s;
	}
	return 0;
}
