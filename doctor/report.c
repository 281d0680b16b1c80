#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "engine_info.h"

static const char *type_name(enum mount_type t)
{
	return t == MOUNT_VOLUME ? "volume" : t == MOUNT_BIND ? "bind" : "tmpfs";
}

static const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_OK:
		return "ok";
	case VERDICT_PROBLEM:
		return "problem";
	case VERDICT_READ_ONLY:
		return "read-only";
	case VERDICT_ERROR:
		return "error";
	}
	return "?";
}

static const char *origin_name(enum origin o)
{
	static const char *const names[] = {
		[ORIGIN_NONE] = "none",
		[ORIGIN_VOLUME_KEPT] = "volume-kept",
		[ORIGIN_VOLUME_COPIED] = "volume-copied-from-image",
		[ORIGIN_VOLUME_EMPTY_KEPT] = "volume-empty-kept",
		[ORIGIN_VOLUME_NEW] = "volume-new",
		[ORIGIN_VOLUME_CHOWNED] = "volume-chowned-to-user",
		[ORIGIN_BIND_HOST] = "bind-host",
		[ORIGIN_BIND_CREATED] = "bind-created",
		[ORIGIN_BIND_MISSING] = "bind-missing",
		[ORIGIN_TMPFS] = "tmpfs",
	};

	return names[o];
}

/* "volume mailhog-storage (seed_mailhog-storage)", "bind /srv/x", "tmpfs". */
static char *describe_mount(const struct mount *m)
{
	if (m->type == MOUNT_VOLUME && m->volume_name)
		return xasprintf("volume %s (%s)", m->source, m->volume_name);
	if (m->type == MOUNT_VOLUME)
		return xstrdup("anonymous volume");
	if (m->type == MOUNT_BIND)
		return xasprintf("bind %s", m->source);
	return xstrdup("tmpfs");
}

/* Print TEXT after FIRST, wrapped at 88 columns, continuation lines aligned. */
static void print_wrapped(FILE *out, const char *text, int indent, const char *first)
{
	int margin = indent + (int)strlen(first);
	int col = fprintf(out, "%*s%s", indent, "", first);
	const char *p = text;
	int at_start = 1;

	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (!at_start && col + 1 + (int)n > 88) {
			fprintf(out, "\n%*s", margin, "");
			col = margin;
		} else if (!at_start) {
			col += fprintf(out, " ");
		}
		col += fprintf(out, "%.*s", (int)n, p);
		p += n;
		at_start = 0;
	}
	fputc('\n', out);
}

static void text_service(FILE *out, const struct project *p, const struct service *s)
{
	fprintf(out, "\nservice %s (image %s)\n", s->name, s->image_ref);
	if (s->error) {
		print_wrapped(out, s->error, 2, "CANNOT CHECK: ");
		return;
	}
	fprintf(out, "  runs as %s: user \"%s\" from the %s, uid %ld gid %ld\n",
		s->who.name ? s->who.name : "a user without a passwd entry", s->who.spec,
		!strcmp(s->who.origin, "service") ? "compose file" :
		!strcmp(s->who.origin, "image") ? "image" : "default (root)",
		s->who.uid, s->who.gid);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount *m = &s->mounts[i];
		char *what = describe_mount(m);

		fprintf(out, "  %s %s  (%s)\n", m->verdict == VERDICT_OK ? "ok     " :
			m->verdict == VERDICT_READ_ONLY ? "ro     " :
			m->verdict == VERDICT_ERROR ? "ERROR  " : "PROBLEM", m->target, what);
		print_wrapped(out, m->reason, 12, "");
		free(what);
	}
	for (size_t i = 0; i < s->warnings.n; i++)
		print_wrapped(out, s->warnings.v[i], 2, "WARNING: ");
	if (s->n_problems > 0) {
		struct fixes f;

		advise(s, &p->files, &f);
		fprintf(out, "  what to do, in this order (never `user: root` for the program):\n");
		for (size_t i = 0; i < f.n; i++) {
			char *num = xasprintf("%zu. ", i + 1);

			print_wrapped(out, f.v[i].text, 4, num);
			free(num);
		}
		fixes_free(&f);
	}
}

void report_text(FILE *out, const struct project *p, const struct totals *t)
{
	fprintf(out, "volown doctor: project %s", p->name);
	for (size_t i = 0; i < p->files.n; i++)
		fprintf(out, "%s%s", i ? ", " : " (", p->files.v[i]);
	fprintf(out, ")\n");
	if (p->engine) {
		char *words = engine_info_describe(p->engine);

		print_wrapped(out, words, 0, "engine: ");
		free(words);
	}
	for (size_t i = 0; i < p->n_services; i++)
		text_service(out, p, &p->services[i]);
	fprintf(out, "\n%zu problem%s, %zu warning%s", t->problems, t->problems == 1 ? "" : "s",
		t->warnings, t->warnings == 1 ? "" : "s");
	if (t->errors)
		fprintf(out, ", %zu service%s not checked", t->errors, t->errors == 1 ? "" : "s");
	fprintf(out, ".\n");
}

static json_t *json_strv(const struct strv *v)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static json_t *json_node(const struct node *n)
{
	char mode[8];
	json_t *o;

	if (!n->exists)
		return json_null();
	snprintf(mode, sizeof(mode), "%04o", n->mode);
	o = json_pack("{s:I, s:I, s:s, s:b}", "uid", (json_int_t)n->uid, "gid", (json_int_t)n->gid,
		      "mode", mode, "directory", n->is_dir);
	if (n->uid_unmapped || n->gid_unmapped) {
		json_object_set_new(o, "uid_unmapped", json_boolean(n->uid_unmapped));
		json_object_set_new(o, "gid_unmapped", json_boolean(n->gid_unmapped));
	}
	return o;
}

/* A container id's host id, or null when it has none or it is not known. */
static json_t *json_id(long id)
{
	return id < 0 ? json_null() : json_integer(id);
}

static json_t *json_idmap(const struct idmap *m)
{
	json_t *a = json_array();

	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "container", (json_int_t)m->v[i].inside,
						   "host", (json_int_t)m->v[i].outside, "count",
						   (json_int_t)m->v[i].count));
	return a;
}

static json_t *json_engine(const struct engine_info *ei)
{
	static const char *const modes[] = { [USERNS_NONE] = "none", [USERNS_REMAP] = "remap",
					      [USERNS_ROOTLESS] = "rootless" };
	bool maps = ei->userns != USERNS_NONE && ei->maps_known;

	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s?}", "kind",
			 ei->kind == ENGINE_PODMAN ? "podman" : "docker", "name", ei->name, "userns",
			 modes[ei->userns], "uid_map", maps ? json_idmap(&ei->uids) : json_null(),
			 "gid_map", maps ? json_idmap(&ei->gids) : json_null(), "maps_from", ei->maps_from);
}

/* The host ids of the predicted root of M, under a user namespace with known maps. */
static void json_host_owner(json_t *o, const struct mount *m, const struct engine_info *ei)
{
	long uid, gid;

	if (!ei || ei->userns == USERNS_NONE || !m->root.exists)
		return;
	uid = m->root.uid_unmapped ? m->root.uid : engine_host_uid(ei, m->root.uid);
	gid = m->root.gid_unmapped ? m->root.gid : engine_host_gid(ei, m->root.gid);
	json_object_set_new(o, "host_owner", json_pack("{s:o, s:o}", "uid", json_id(uid), "gid", json_id(gid)));
}

static json_t *json_mount(const struct mount *m, const struct engine_info *ei)
{
	json_t *o = json_pack("{s:s, s:s?, s:s?, s:s, s:b, s:b, s:o, s:o, s:s, s:o, s:s, s:s}",
			      "type", type_name(m->type), "source", m->source,
			      "volume_name", m->volume_name, "target", m->target,
			      "read_only", m->read_only, "nocopy", m->nocopy,
			      "image_dir", json_node(&m->image_dir), "existing", json_node(&m->existing),
			      "origin", origin_name(m->origin), "predicted", json_node(&m->root),
			      "verdict", verdict_name(m->verdict), "reason", m->reason ? m->reason : "");

	if (m->type == MOUNT_VOLUME && m->existing.exists)
		json_object_set_new(o, "existing_empty", json_boolean(!m->existing_nonempty));
	json_host_owner(o, m, ei);
	return o;
}

static json_t *json_user(const struct identity *w)
{
	json_t *groups = json_array();

	for (size_t i = 0; i < w->n_groups; i++)
		json_array_append_new(groups, json_integer(w->groups[i]));
	return json_pack("{s:s, s:s, s:s?, s:I, s:I, s:o, s:b, s:o, s:o}", "spec", w->spec, "from",
			 w->origin, "name", w->name, "uid", (json_int_t)w->uid, "gid",
			 (json_int_t)w->gid, "groups", groups, "dac_override", w->dac_override,
			 "host_uid", json_id(w->host_uid), "host_gid", json_id(w->host_gid));
}

static json_t *json_service(const struct project *p, const struct service *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s?}", "name", s->name, "image", s->image_ref,
			      "error", s->error);
	json_t *mounts = json_array(), *fixes = json_array();
	struct strv cmd = { 0 };

	json_object_set_new(o, "status", json_string(s->error ? "error" : s->n_problems ? "problems" : "ok"));
	if (s->error) {
		json_decref(mounts);
		json_decref(fixes);
		return o;
	}
	effective_command(s, &cmd);
	json_object_set_new(o, "user", json_user(&s->who));
	json_object_set_new(o, "image_entrypoint", json_strv(&s->image.entrypoint));
	json_object_set_new(o, "image_cmd", json_strv(&s->image.cmd));
	json_object_set_new(o, "command", json_strv(&cmd));
	for (size_t i = 0; i < s->n_mounts; i++)
		json_array_append_new(mounts, json_mount(&s->mounts[i], p->engine));
	json_object_set_new(o, "mounts", mounts);
	json_object_set_new(o, "warnings", json_strv(&s->warnings));
	if (s->n_problems > 0) {
		struct fixes f;

		advise(s, &p->files, &f);
		for (size_t i = 0; i < f.n; i++)
			json_array_append_new(fixes, json_pack("{s:s, s:s}", "kind", f.v[i].kind, "text", f.v[i].text));
		fixes_free(&f);
	}
	json_object_set_new(o, "fixes", fixes);
	strv_free(&cmd);
	return o;
}

void report_json(FILE *out, const struct project *p, const struct totals *t)
{
	json_t *services = json_array();
	json_t *doc;

	for (size_t i = 0; i < p->n_services; i++)
		json_array_append_new(services, json_service(p, &p->services[i]));
	doc = json_pack("{s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:o}", "schema", "volown-doctor/1",
			"project", p->name, "files", json_strv(&p->files),
			"status", t->errors ? "error" : t->problems ? "problems" : "ok",
			"problems", (json_int_t)t->problems, "warnings", (json_int_t)t->warnings,
			"errors", (json_int_t)t->errors, "services", services);
	if (p->engine)
		json_object_set_new(doc, "engine", json_engine(p->engine));
	json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(doc);
}
