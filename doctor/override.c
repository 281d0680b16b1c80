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

/* A problem volown can fix: not a root whose owner is outside the user namespace. */
static bool volown_fixes(const struct mount *m)
{
	return m->verdict == VERDICT_PROBLEM && mount_owner_changeable(m);
}

static bool needs_override(const struct service *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (volown_fixes(&s->mounts[i]))
			return true;
	return false;
}

static void volown_entrypoint(const struct service *s, struct strv *ep)
{
	strv_push(ep, VOLOWN_IN_CONTAINER);
	strv_push(ep, "--user");
	strv_push(ep, s->who.spec);
	/* The engine's group_add reaches volown, and its drop would replace it. */
	for (size_t i = 0; i < s->group_add.n; i++) {
		strv_push(ep, "--group-add");
		strv_push(ep, s->group_add.v[i]);
	}
	for (size_t i = 0; i < s->n_mounts; i++) {
		if (!volown_fixes(&s->mounts[i]))
			continue;
		strv_push(ep, "--path");
		strv_push(ep, s->mounts[i].target);
	}
	strv_push(ep, "--");
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

static void emit_service(struct out *o, const struct service *s, const char *volown)
{
	struct strv ep = { 0 }, cmd = { 0 }, caps = { 0 };

	volown_entrypoint(s, &ep);
	effective_command(s, &cmd);
	plain(o, s->name);
	start_map(o);
	plain(o, "user");
	scalar(o, "0:0", YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	flow_list(o, "entrypoint", &ep);
	flow_list(o, "command", &cmd);
	volown_missing_caps(s, &caps);
	if (caps.n > 0)
		flow_list(o, "cap_add", &caps);
	emit_volown_mount(o, volown);
	end_map(o);
	strv_free(&ep);
	strv_free(&cmd);
	strv_free(&caps);
}

static void emit_document(struct out *o, const struct project *p, const char *volown, size_t *n)
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
		struct strv cmd = { 0 };

		if (s->error || !needs_override(s))
			continue;
		effective_command(s, &cmd);
		if (cmd.n == 0) {
			warnx("service \"%s\" has no command to hand over to; not in the override", s->name);
		} else if (!volown_suits(s)) {
			warnx("service \"%s\" runs its program as root without the capabilities volown "
			      "needs; not in the override", s->name);
		} else {
			emit_service(o, s, volown);
			(*n)++;
		}
		strv_free(&cmd);
	}
	end_map(o);
	end_map(o);
	yaml_document_end_event_initialize(&ev, 1);
	emit(o, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(o, &ev);
}

static void write_header(FILE *f, const struct project *p, const char *path)
{
	fprintf(f, "# Written by volown doctor. It fixes the owner of the volumes listed with --path,\n"
		   "# as root, then runs each service's original entrypoint and command as its own\n"
		   "# user. Use it on top of your file(s):\n#   docker-compose");
	for (size_t i = 0; i < p->files.n; i++)
		fprintf(f, " -f %s", p->files.v[i]);
	fprintf(f, " -f %s up\n", path);
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
	f = fopen(path, "we");
	if (!f)
		die("cannot write \"%s\": %s", path, strerror(errno));
	write_header(f, p, path);
	if (!yaml_emitter_initialize(&o.em))
		die("cannot initialise libyaml");
	yaml_emitter_set_output_file(&o.em, f);
	yaml_emitter_set_unicode(&o.em, 1);
	yaml_emitter_set_width(&o.em, 100);
	emit_document(&o, p, volown, &n);
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
