#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "engine_info.h"
#include "override.h"

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
	case VERDICT_IF_WRITTEN:
		return "if-written";
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
		[ORIGIN_FROM_SERVICE] = "volumes-from",
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

/* How many services carry the warning W. */
static size_t warning_count(const struct project *p, const char *w)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_services; i++)
		n += strv_contains(&p->services[i].warnings, w);
	return n;
}

/* The distinct warnings that several services share, in order of first sight. */
static void shared_warnings(const struct project *p, struct strv *out)
{
	for (size_t i = 0; i < p->n_services; i++)
		for (size_t j = 0; j < p->services[i].warnings.n; j++) {
			const char *w = p->services[i].warnings.v[j];

			if (!strv_contains(out, w) && warning_count(p, w) > 1)
				strv_push(out, w);
		}
}

static size_t index_of(const struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return i;
	return v->n;
}

static void text_service(FILE *out, const struct project *p, const struct service *s,
			 const struct strv *grouped)
{
	fprintf(out, "\nservice %s (image %s)\n", s->name, s->image_ref);
	if (s->error) {
		print_wrapped(out, s->error, 2, "CANNOT CHECK: ");
		return;
	}
	fprintf(out, "  runs as %s: user \"%s\" from the %s, uid %ld gid %ld\n",
		s->who.name ? s->who.name : "a user without a passwd entry", s->who.spec,
		!strcmp(s->who.origin, "service") ? "compose file" :
		!strcmp(s->who.origin, "image") ? "image" :
		!strcmp(s->who.origin, "entrypoint") ? "entrypoint's switch" : "default (root)",
		s->who.uid, s->who.gid);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount *m = &s->mounts[i];
		char *what = describe_mount(m);

		fprintf(out, "  %s %s  (%s)\n", m->verdict == VERDICT_OK ? "ok     " :
			m->verdict == VERDICT_READ_ONLY ? "ro     " :
			m->verdict == VERDICT_IF_WRITTEN ? "maybe  " :
			m->verdict == VERDICT_ERROR ? "ERROR  " : "PROBLEM", m->target, what);
		print_wrapped(out, m->reason ? m->reason : "", 12, "");
		free(what);
	}
	for (size_t i = 0; i < s->warnings.n; i++) {
		size_t k = index_of(grouped, s->warnings.v[i]);

		if (k < grouped->n)
			fprintf(out, "  WARNING [%zu], shared with other services: see the end\n", k + 1);
		else
			print_wrapped(out, s->warnings.v[i], 2, "WARNING: ");
	}
	{
		struct fixes f;

		advise(p, s, &f);
		if (f.n > 0)
			fprintf(out, "  what to do, in this order (never `user: root` for the program):\n");
		for (size_t i = 0; i < f.n; i++) {
			char *num = xasprintf("%zu. ", i + 1);

			print_wrapped(out, f.v[i].text, 4, num);
			free(num);
		}
		fixes_free(&f);
	}
}

/* Each warning that several services share, once, with their names. */
static void text_grouped(FILE *out, const struct project *p, const struct strv *grouped)
{
	for (size_t k = 0; k < grouped->n; k++) {
		struct buf b = { 0 };
		char *head;
		size_t n = 0;

		for (size_t i = 0; i < p->n_services; i++)
			if (strv_contains(&p->services[i].warnings, grouped->v[k]))
				buf_printf(&b, "%s%s", n++ ? ", " : "", p->services[i].name);
		head = xasprintf("WARNING [%zu] for %zu services (%s): ", k + 1, n, b.data);
		fputc('\n', out);
		print_wrapped(out, grouped->v[k], 0, head);
		free(head);
		buf_free(&b);
	}
}

void report_text(FILE *out, const struct project *p, const struct totals *t)
{
	struct strv grouped = { 0 };

	fprintf(out, "volown doctor: project %s", p->name);
	for (size_t i = 0; i < p->files.n; i++)
		fprintf(out, "%s%s", i ? ", " : " (", p->files.v[i]);
	fprintf(out, ")\n");
	if (p->engine) {
		char *words = engine_info_describe(p->engine);

		print_wrapped(out, words, 0, "engine: ");
		free(words);
	}
	if (p->skipped.n > 0) {
		struct buf b = { 0 };

		for (size_t i = 0; i < p->skipped.n; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", p->skipped.v[i]);
		print_wrapped(out, b.data, 0, "not started by `up`, so not checked (name them with "
			      "--service, or their profile with --profile): ");
		buf_free(&b);
	}
	shared_warnings(p, &grouped);
	for (size_t i = 0; i < p->n_services; i++)
		text_service(out, p, &p->services[i], &grouped);
	text_grouped(out, p, &grouped);
	strv_free(&grouped);
	fprintf(out, "\n%zu problem%s, %zu warning%s", t->problems, t->problems == 1 ? "" : "s",
		t->warnings, t->warnings == 1 ? "" : "s");
	if (t->notes)
		fprintf(out, ", %zu host path%s that matter%s only if the program writes there",
			t->notes, t->notes == 1 ? "" : "s", t->notes == 1 ? "s" : "");
	if (t->errors)
		fprintf(out, ", %zu service%s not checked", t->errors, t->errors == 1 ? "" : "s");
	fprintf(out, ".\n");
}

static json_t *json_strv(const struct strv *v)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_text(v->v[i]));
	return a;
}

static void put(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v ? v : json_null());
}

static json_t *json_node(const struct node *n)
{
	char mode[8];
	json_t *o;

	if (!n->exists)
		return json_null();
	snprintf(mode, sizeof(mode), "%04o", n->mode);
	o = json_object();
	put(o, "uid", json_integer(n->uid));
	put(o, "gid", json_integer(n->gid));
	put(o, "mode", json_string(mode));
	put(o, "directory", json_boolean(n->is_dir));
	if (n->uid_unmapped || n->gid_unmapped) {
		put(o, "uid_unmapped", json_boolean(n->uid_unmapped));
		put(o, "gid_unmapped", json_boolean(n->gid_unmapped));
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

static json_t *json_mount(const struct mount *m, bool judged, const struct engine_info *ei)
{
	json_t *o = json_object();

	put(o, "type", json_string(type_name(m->type)));
	put(o, "source", json_text(m->source));
	put(o, "volume_name", json_text(m->volume_name));
	put(o, "target", json_text(m->target));
	put(o, "read_only", json_boolean(m->read_only));
	put(o, "nocopy", json_boolean(m->nocopy));
	/* where the mount comes from: the file, the image's VOLUME, or another service */
	put(o, "from", json_string(m->from_image ? "image" : m->from_service ? "volumes_from" : "file"));
	if (m->from_service)
		put(o, "from_service", json_text(m->from_service));
	if (m->device)
		put(o, "device", json_text(m->device));
	if (!judged)
		return o;
	put(o, "image_dir", json_node(&m->image_dir));
	put(o, "existing", json_node(&m->existing));
	if (m->type == MOUNT_VOLUME && m->existing.exists)
		put(o, "existing_empty", json_boolean(!m->existing_nonempty));
	put(o, "origin", json_string(origin_name(m->origin)));
	put(o, "predicted", json_node(&m->root));
	put(o, "verdict", json_string(verdict_name(m->verdict)));
	put(o, "reason", json_text(m->reason ? m->reason : ""));
	if (m->shared)
		put(o, "shared", json_text(m->shared));
	json_host_owner(o, m, ei);
	return o;
}

static json_t *json_user(const struct identity *w)
{
	json_t *groups = json_array(), *o = json_object();

	for (size_t i = 0; i < w->n_groups; i++)
		json_array_append_new(groups, json_integer(w->groups[i]));
	put(o, "spec", json_text(w->spec));
	put(o, "from", json_text(w->origin));
	put(o, "name", json_text(w->name));
	put(o, "uid", json_integer(w->uid));
	put(o, "gid", json_integer(w->gid));
	put(o, "groups", groups);
	put(o, "dac_override", json_boolean(w->dac_override));
	put(o, "host_uid", json_id(w->host_uid));
	put(o, "host_gid", json_id(w->host_gid));
	return o;
}

/* A fix with its structured fields beside its text. */
static json_t *json_fix(const struct service *s, const struct fix *x, json_t *frag)
{
	json_t *o = json_object();

	put(o, "kind", json_string(x->kind));
	put(o, "service", json_text(s->name));
	put(o, "paths", json_strv(&x->paths));
	put(o, "command", json_text(x->command));
	put(o, "option", json_text(x->option));
	put(o, "override", x->override && frag ? json_incref(frag) : NULL);
	put(o, "text", json_text(x->text));
	return o;
}

/* The service as the doctor read it from the compose files, before asking the engine. */
static json_t *json_compose(const struct service *s)
{
	json_t *o = json_object();

	put(o, "image", json_text(s->has_image_key ? s->image_ref : NULL));
	put(o, "build", json_boolean(s->has_build));
	put(o, "user", json_text(s->user));
	put(o, "entrypoint", s->has_entrypoint ? json_strv(&s->entrypoint) : NULL);
	put(o, "command", s->has_command ? json_strv(&s->command) : NULL);
	put(o, "privileged", json_boolean(s->privileged));
	put(o, "cap_add", json_strv(&s->cap_add));
	put(o, "cap_drop", json_strv(&s->cap_drop));
	put(o, "group_add", json_strv(&s->group_add));
	put(o, "volumes_from", json_strv(&s->volumes_from));
	put(o, "profiles", json_strv(&s->profiles));
	return o;
}

static json_t *json_service(const struct project *p, const struct service *s)
{
	json_t *o = json_object();
	json_t *mounts = json_array(), *fixes = json_array();
	struct strv cmd = { 0 };

	put(o, "name", json_text(s->name));
	put(o, "image", json_text(s->image_ref));
	put(o, "error", json_text(s->error));
	put(o, "status", json_string(s->error ? "error" : s->n_problems ? "problems" : "ok"));
	put(o, "compose", json_compose(s));
	for (size_t i = 0; i < s->n_mounts; i++)
		json_array_append_new(mounts, json_mount(&s->mounts[i], !s->error, p->engine));
	put(o, "mounts", mounts);
	if (s->error) {
		json_decref(fixes);
		return o;
	}
	effective_command(s, &cmd);
	put(o, "user", json_user(&s->who));
	put(o, "user_switch", json_text(s->user_switch));
	put(o, "image_entrypoint", json_strv(&s->image.entrypoint));
	put(o, "image_cmd", json_strv(&s->image.cmd));
	put(o, "command", json_strv(&cmd));
	put(o, "warnings", json_strv(&s->warnings));
	{
		struct fixes f;
		json_t *frag = override_fragment(s, p->volown_binary);

		advise(p, s, &f);
		for (size_t i = 0; i < f.n; i++)
			json_array_append_new(fixes, json_fix(s, &f.v[i], frag));
		fixes_free(&f);
		json_decref(frag);
	}
	put(o, "fixes", fixes);
	strv_free(&cmd);
	return o;
}

void report_json(FILE *out, const struct project *p, const struct totals *t)
{
	json_t *services = json_array();
	json_t *doc = json_object();

	for (size_t i = 0; i < p->n_services; i++)
		json_array_append_new(services, json_service(p, &p->services[i]));
	put(doc, "schema", json_string("volown-doctor/1"));
	put(doc, "project", json_text(p->name));
	put(doc, "files", json_strv(&p->files));
	put(doc, "status", json_string(t->errors ? "error" : t->problems ? "problems" : "ok"));
	put(doc, "error", NULL);
	put(doc, "problems", json_integer((json_int_t)t->problems));
	put(doc, "warnings", json_integer((json_int_t)t->warnings));
	put(doc, "notes", json_integer((json_int_t)t->notes));
	put(doc, "errors", json_integer((json_int_t)t->errors));
	put(doc, "skipped", json_strv(&p->skipped));
	put(doc, "services", services);
	if (p->engine)
		put(doc, "engine", json_engine(p->engine));
	json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(doc);
}
