#include "override.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "caps.h"
#include "check.h"
#include "predict.h"

struct out {
	yaml_emitter_t em;
	const char *path;
};

static void emit(struct out *o, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(&o->em, ev))
		die("cannot write \"%s\": %s", o->path, o->em.problem ? o->em.problem : strerror(errno));
}

static void scalar(struct out *o, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1, style);
	emit(o, &ev);
}

static void plain(struct out *o, const char *s)
{
	scalar(o, s, YAML_ANY_SCALAR_STYLE);
}

static void start_map(struct out *o)
{
	yaml_event_t ev;

	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	emit(o, &ev);
}

static void end_map(struct out *o)
{
	yaml_event_t ev;

	yaml_mapping_end_event_initialize(&ev);
	emit(o, &ev);
}

static void start_seq(struct out *o, yaml_sequence_style_t style)
{
	yaml_event_t ev;

	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style);
	emit(o, &ev);
}

static void end_seq(struct out *o)
{
	yaml_event_t ev;

	yaml_sequence_end_event_initialize(&ev);
	emit(o, &ev);
}

/* A value compose reads back as S: compose interpolates every value, so each `$' of
 * an entrypoint or command (an image's `sh -c "... $VAR"') is written as `$$'. */
static void value(struct out *o, const char *s, yaml_scalar_style_t style)
{
	struct buf b = { 0 };

	char *escaped;

	for (; *s; s++) {
		if (*s == '$')
			buf_addc(&b, '$');
		buf_addc(&b, *s);
	}
	escaped = buf_steal(&b);
	scalar(o, escaped, style);
	free(escaped);
}

/* key: [a, b, c] with every item quoted, so that no word is read as a number. */
static void flow_list(struct out *o, const char *key, const struct strv *items)
{
	plain(o, key);
	start_seq(o, YAML_FLOW_SEQUENCE_STYLE);
	for (size_t i = 0; i < items->n; i++)
		value(o, items->v[i], YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	end_seq(o);
}

/* The exact names volown refuses to change (src/paths.c, refused[], and "/lib*"):
 * an override that named one would stop the service with 125. And a path with a colon,
 * which --path cannot name: there a colon starts the path's own settings. */
static const char *const volown_refused[] = {
	"/",	 "/proc", "/sys", "/dev", "/etc",   "/usr",   "/bin",	 "/sbin",
	"/boot", "/var",  "/run", "/lib", "/lib32", "/lib64", "/libx32",
};

bool volown_refuses(const char *path)
{
	if (strchr(path, ':'))
		return true;
	if (strncmp(path, "/lib", 4) == 0 && strchr(path + 1, '/') == NULL)
		return true;
	for (size_t i = 0; i < sizeof(volown_refused) / sizeof(*volown_refused); i++)
		if (strcmp(path, volown_refused[i]) == 0)
			return true;
	return false;
}

bool volown_can_fix(const struct mount *m)
{
	/* not a root whose owner is outside the engine's user namespace either */
	return m->verdict == VERDICT_PROBLEM && mount_is_directory(m) && !volown_refuses(m->target) &&
	       mount_owner_changeable(m);
}

void override_spec_free(struct override_spec *o)
{
	strv_free(&o->entrypoint);
	strv_free(&o->command);
	strv_free(&o->cap_add);
	strv_free(&o->paths);
	free(o->why_not);
	memset(o, 0, sizeof(*o));
}

int override_for(const struct service *s, struct override_spec *o)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < s->n_mounts; i++)
		if (volown_can_fix(&s->mounts[i]))
			strv_push(&o->paths, s->mounts[i].target);
	effective_command(s, &o->command);
	if (s->error)
		o->why_not = xasprintf("service \"%s\" could not be checked", s->name);
	else if (o->paths.n == 0)
		o->why_not = xasprintf("service \"%s\" has no mount that volown can fix", s->name);
	else if (o->command.n == 0)
		o->why_not = xasprintf("service \"%s\" has no command to hand over to", s->name);
	else if (!volown_suits(s))
		o->why_not = xasprintf("service \"%s\" runs its program as root without the "
				       "capabilities volown needs", s->name);
	else if (s->user_switch)
		o->why_not = xasprintf("service \"%s\" switches user in its own entrypoint (%s), which "
				       "needs root: volown in front would take root away from it",
				       s->name, s->user_switch);
	if (o->why_not)
		return -1;
	strv_push(&o->entrypoint, VOLOWN_IN_CONTAINER);
	strv_push(&o->entrypoint, "--user");
	strv_push(&o->entrypoint, s->who.spec);
	/* The engine's group_add reaches volown, and its drop would replace it. */
	for (size_t i = 0; i < s->group_add.n; i++) {
		strv_push(&o->entrypoint, "--group-add");
		strv_push(&o->entrypoint, s->group_add.v[i]);
	}
	for (size_t i = 0; i < o->paths.n; i++) {
		strv_push(&o->entrypoint, "--path");
		strv_push(&o->entrypoint, o->paths.v[i]);
	}
	strv_push(&o->entrypoint, "--");
	volown_missing_caps(s, &o->cap_add);
	return 0;
}

static json_t *json_words(const struct strv *v)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

json_t *override_fragment(const struct service *s, const char *volown)
{
	struct override_spec o;
	json_t *frag;

	if (override_for(s, &o) < 0) {
		override_spec_free(&o);
		return NULL;
	}
	frag = json_pack("{s:s, s:o, s:o}", "user", "0:0", "entrypoint", json_words(&o.entrypoint),
			 "command", json_words(&o.command));
	if (o.cap_add.n > 0)
		json_object_set_new(frag, "cap_add", json_words(&o.cap_add));
	if (volown)
		json_object_set_new(frag, "volumes",
				    json_pack("[{s:s, s:s, s:s, s:b}]", "type", "bind", "source", volown,
					      "target", VOLOWN_IN_CONTAINER, "read_only", 1));
	override_spec_free(&o);
	return frag;
}

static void emit_volown_mount(struct out *o, const char *volown)
{
	plain(o, "volumes");
	start_seq(o, YAML_BLOCK_SEQUENCE_STYLE);
	start_map(o);
	plain(o, "type");
	plain(o, "bind");
	plain(o, "source");
	value(o, volown, YAML_ANY_SCALAR_STYLE);
	plain(o, "target");
	plain(o, VOLOWN_IN_CONTAINER);
	plain(o, "read_only");
	plain(o, "true");
	end_map(o);
	end_seq(o);
}

static void emit_service(struct out *o, const struct service *s, const struct override_spec *spec,
			 const char *volown)
{
	plain(o, s->name);
	start_map(o);
	plain(o, "user");
	scalar(o, "0:0", YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	flow_list(o, "entrypoint", &spec->entrypoint);
	flow_list(o, "command", &spec->command);
	if (spec->cap_add.n > 0)
		flow_list(o, "cap_add", &spec->cap_add);
	emit_volown_mount(o, volown);
	end_map(o);
}

static bool service_has_problem(const struct service *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (s->mounts[i].verdict == VERDICT_PROBLEM)
			return true;
	return false;
}

/* Whether S gets a part in the override; says why not when it has problems. */
static bool in_override(const struct service *s, bool say)
{
	struct override_spec spec;
	bool yes;

	if (s->error || !service_has_problem(s))
		return false;
	yes = override_for(s, &spec) == 0;
	if (!yes && say)
		warnx("%s; not in the override", spec.why_not);
	override_spec_free(&spec);
	return yes;
}

static void emit_document(struct out *o, const struct project *p, const char *volown)
{
	yaml_event_t ev;

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(o, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(o, &ev);
	start_map(o);
	if (p->version) {
		plain(o, "version");
		scalar(o, p->version, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	}
	plain(o, "services");
	start_map(o);
	for (size_t i = 0; i < p->n_services; i++) {
		const struct service *s = &p->services[i];
		struct override_spec spec;

		if (!in_override(s, false))
			continue;
		override_for(s, &spec);
		emit_service(o, s, &spec, volown);
		override_spec_free(&spec);
	}
	end_map(o);
	end_map(o);
	yaml_document_end_event_initialize(&ev, 1);
	emit(o, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(o, &ev);
}

/* The files as a docker-compose command line: "docker-compose -f a -f b". */
static void compose_command(FILE *f, const struct project *p, const char *path)
{
	fputs("docker-compose", f);
	if (p->name_given)
		fprintf(f, " -p %s", p->name);
	for (size_t i = 0; i < p->files.n; i++)
		fprintf(f, " -f %s", p->files.v[i]);
	fprintf(f, " -f %s", path);
}

static void write_header(FILE *f, const struct project *p, const char *path)
{
	fprintf(f, "# Written by volown doctor. It fixes the owner of the volumes listed with --path,\n"
		   "# as root, then runs each service's original entrypoint and command as its own\n"
		   "# user. Use it on top of your file(s):\n#   ");
	compose_command(f, p, path);
	fprintf(f, " up\n"
		   "# The container now starts as root (user: \"0:0\", for volown only), so\n"
		   "# `docker-compose exec` runs as root too unless you name the user:\n");
	for (size_t i = 0; i < p->n_services; i++) {
		const struct service *s = &p->services[i];

		if (!in_override(s, false))
			continue;
		fputs("#   ", f);
		compose_command(f, p, path);
		fprintf(f, " exec --user %s %s COMMAND\n", *s->who.spec ? s->who.spec : "0", s->name);
	}
}

size_t write_override(const struct project *p, const char *path, const char *volown)
{
	struct out o = { .path = path };
	size_t n = 0;
	FILE *f;

	for (size_t i = 0; i < p->files.n; i++) {
		char *a = realpath(p->files.v[i], NULL), *b = realpath(path, NULL);
		bool same = a && b && strcmp(a, b) == 0;

		free(a);
		free(b);
		if (same)
			die("--write-override \"%s\" is one of the compose files; it never rewrites "
			    "your own file: name a new one", path);
	}
	for (size_t i = 0; i < p->n_services; i++)
		n += in_override(&p->services[i], true);
	if (n == 0)
		return 0;
	f = fopen(path, "we");
	if (!f)
		die("cannot write \"%s\": %s", path, strerror(errno));
	write_header(f, p, path);
	if (!yaml_emitter_initialize(&o.em))
		die("cannot initialise libyaml");
	yaml_emitter_set_output_file(&o.em, f);
	yaml_emitter_set_unicode(&o.em, 1);
	yaml_emitter_set_width(&o.em, 100);
	emit_document(&o, p, volown);
	yaml_emitter_delete(&o.em);
	if (fclose(f) != 0)
		die("cannot write \"%s\": %s", path, strerror(errno));
	return n;
}

static char *executable_file(const char *path)
{
	return access(path, X_OK) == 0 ? realpath(path, NULL) : NULL;
}

char *find_volown_binary(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *env = getenv("PATH");
	char *found = NULL;

	if (n > 0) {
		char *beside;

		self[n] = '\0';
		beside = xasprintf("%s/volown", dirname(self));
		found = executable_file(beside);
		free(beside);
	}
	if (!found && env) {
		char *copy = xstrdup(env), *save = NULL;

		for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
			char *cand = xasprintf("%s/volown", d);

			found = executable_file(cand);
			free(cand);
		}
		free(copy);
	}
	return found;
}
