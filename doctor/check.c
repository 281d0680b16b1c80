#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "engine_info.h"
#include "image.h"
#include "interrupt.h"
#include "passwd.h"
#include "predict.h"
#include "shared.h"
#include "userswitch.h"

const char *effective_user(const struct service *s)
{
	if (s->user)
		return s->user;
	return s->image.user ? s->image.user : "";
}

void effective_command(const struct service *s, struct strv *out)
{
	strv_append(out, s->has_entrypoint ? &s->entrypoint : &s->image.entrypoint);
	if (s->has_command)
		strv_append(out, &s->command);
	else if (!s->has_entrypoint)
		strv_append(out, &s->image.cmd);
}

static char *build_hint(const struct project *p, const struct service *s)
{
	struct buf b = { 0 };

	buf_adds(&b, "docker-compose");
	/* A built image without image: is named after the project: the command must build
	 * it under the name the doctor looks for. */
	if (!s->has_image_key)
		buf_printf(&b, " -p %s", p->name);
	for (size_t i = 0; i < p->files.n; i++)
		buf_printf(&b, " -f %s", p->files.v[i]);
	buf_printf(&b, " %s %s", s->has_build ? "build" : "pull", s->name);
	return buf_steal(&b);
}

static void resolve_who(struct service *s, const struct pwdb *db)
{
	const char *spec = effective_user(s);

	s->who.spec = xstrdup(spec);
	s->who.origin = xstrdup(s->user ? "service" : *spec ? "image" : "default");
	if (resolve_identity(db, spec, &s->who) == 0 && add_groups(db, &s->group_add, &s->who) == 0)
		s->who.dac_override = s->who.uid == 0 && service_has_cap(s, "DAC_OVERRIDE");
}

/* The same words for every service in the same case, so that the report can group them. */
static void root_warning(struct service *s)
{
	strv_push_owned(&s->warnings,
			xasprintf("the program runs as root (%s)%s, but anything that takes over the "
				  "program has root in the container. If root was chosen only to write to "
				  "the volumes, run the program as its own user and let volown fix the "
				  "owner when the container starts",
				  s->user ? "the compose file's user: says so" : "the image sets no USER",
				  s->who.dac_override ? ": it can write to every mount"
						      : ": without CAP_DAC_OVERRIDE it writes only where "
							"the mode bits let root write"));
}

/* The note for a program whose entrypoint switches user: not judged as root. */
static void switch_warning(struct service *s)
{
	if (!strcmp(s->who.origin, "entrypoint"))
		strv_push_owned(&s->warnings,
				xasprintf("the container starts as root and its command switches to %s "
					  "with %s: the mounts are judged for %s, who runs the program",
					  s->who.spec, s->user_switch, s->who.spec));
	else if (s->who.uid == 0)
		strv_push_owned(&s->warnings,
				xasprintf("the image's entrypoint switches user with %s, so the program may "
					  "not run as root, the user the container starts as: the mounts "
					  "are judged for root, who runs the entrypoint before it switches "
					  "(entrypoints like this one often fix the owner of their data "
					  "directory first), not for the program",
					  s->user_switch));
	else
		strv_push_owned(&s->warnings,
				xasprintf("the image's entrypoint calls %s to switch user, which needs "
					  "root, but the container starts as uid %ld: the switch will fail "
					  "or be skipped, and the program runs as uid %ld",
					  s->user_switch, s->who.uid, s->who.uid));
}

static const struct service *service_named(const struct project *p, const char *name)
{
	for (size_t i = 0; i < p->n_services; i++)
		if (!strcmp(p->services[i].name, name))
			return &p->services[i];
	return NULL;
}

/* volumes_from a service: its container's mounts, as they are, at the same paths. */
static int add_volumes_from(const struct project *p, struct service *s, char **err)
{
	for (size_t i = 0; i < s->volumes_from.n; i++) {
		const char *spec = s->volumes_from.v[i];
		const char *name = strchr(spec, ':') + 1;
		const char *mode = strrchr(spec, ':') + 1;
		char *source = xstrndup(name, (size_t)(mode - 1 - name));
		const struct service *from = service_named(p, source);

		if (strncmp(spec, "service:", 8)) {
			strv_push_owned(&s->warnings,
					xasprintf("volumes_from the container %s is not checked: only "
						  "services of the file are", source));
		} else if (!from) {
			strv_push_owned(&s->warnings,
					xasprintf("volumes_from %s: that service is not checked here "
						  "(--service, or a profile), so its mounts are not either",
						  source));
		} else if (from->error) {
			*err = xasprintf("volumes_from %s: that service could not be checked", source);
			free(source);
			return -1;
		} else {
			for (size_t j = 0; j < from->n_mounts; j++) {
				const struct mount *fm = &from->mounts[j];
				struct mount m = { 0 };

				if (fm->refused || fm->verdict == VERDICT_ERROR)
					continue;
				m.type = fm->type;
				m.source = fm->source ? xstrdup(fm->source) : NULL;
				m.target = xstrdup(fm->target);
				m.volume_name = fm->volume_name ? xstrdup(fm->volume_name) : NULL;
				m.device = fm->device ? xstrdup(fm->device) : NULL;
				m.read_only = fm->read_only || !strcmp(mode, "ro");
				m.nocopy = true;
				m.long_syntax = fm->long_syntax;
				m.tmpfs_mode = m.tmpfs_uid = m.tmpfs_gid = -1;
				m.from_service = xstrdup(from->name);
				m.existing = fm->existing;
				m.root = fm->root;
				s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
				s->mounts[s->n_mounts++] = m;
			}
		}
		free(source);
	}
	return 0;
}

/* What the engine does beyond rootful Docker: the program's ids on the host under a
 * user namespace, and Podman's chown of a volume at its first mount. */
static int engine_facts(struct engine *e, const struct project *p, struct service *s, char **err)
{
	const struct engine_info *ei = p->engine;

	s->engine = ei;
	s->who.host_uid = ei ? engine_host_uid(ei, s->who.uid) : s->who.uid;
	s->who.host_gid = ei ? engine_host_gid(ei, s->who.gid) : s->who.gid;
	for (size_t i = 0; ei && i < s->n_mounts; i++) {
		struct mount *m = &s->mounts[i];

		if (m->type == MOUNT_VOLUME &&
		    engine_volume_chowns(e, ei, m->volume_name ? m->volume_name : "", m->volume_name &&
					 m->existing.exists, &m->chown_first_mount, err) < 0)
			return -1;
	}
	return 0;
}

static void check_service(struct engine *e, const struct project *p, struct service *s)
{
	struct pwdb db;
	struct strv cmd = { 0 };
	char *err = NULL;

	if (interrupt_pending()) {
		s->error = xstrdup("interrupted before it was checked");
		return;
	}
	if (inspect_image(e, s, &err) < 0) {
		s->error = xasprintf("cannot inspect the image %s: %s", s->image_ref, err ? err : "no answer");
		free(err);
		return;
	}
	if (!s->image.found) {
		char *hint = build_hint(p, s);

		s->error = xasprintf("the image %s is not in the engine yet; run `%s` first",
				     s->image_ref, hint);
		free(hint);
		return;
	}
	if (add_volumes_from(p, s, &err) < 0 || probe_service(e, p, s, &err) < 0) {
		s->error = xasprintf("cannot look inside the image %s: %s", s->image_ref,
				     err ? err : "no answer");
		free(err);
		return;
	}
	effective_command(s, &cmd);
	{
		const char *tool = user_switch_tool(&cmd, s->image.entrypoint_text);

		s->user_switch = tool ? xstrdup(tool) : NULL;
	}
	pwdb_parse(&db, s->image.passwd, s->image.group);
	resolve_who(s, &db);
	/* The command names the user it switches to: judge the mounts for that one. */
	if (s->user_switch && !s->who.error && s->who.uid == 0) {
		char *target = user_switch_target(&cmd);

		if (target) {
			struct identity to = { .spec = target, .origin = xstrdup("entrypoint") };

			if (resolve_identity(&db, target, &to) == 0 &&
			    add_groups(&db, &s->group_add, &to) == 0) {
				identity_free(&s->who);
				s->who = to;
			} else {
				identity_free(&to);
			}
		}
	}
	strv_free(&cmd);
	if (s->who.error) {
		s->error = xstrdup(s->who.error);
	} else if (engine_facts(e, p, s, &err) < 0) {
		s->error = xasprintf("cannot ask the engine about the volumes of %s: %s", s->name,
				     err ? err : "no answer");
		free(err);
	} else {
		for (size_t i = 0; i < s->n_mounts; i++) {
			s->mounts[i].chown_host = p->chown_bind_mounts;
			predict_mount(&s->mounts[i], &s->who, &db, p->engine);
		}
		if (s->user_switch)
			switch_warning(s);
		else if (s->who.uid == 0)
			root_warning(s);
	}
	pwdb_free(&db);
}

/* Predict again the mounts of named volumes that services share, now that every
 * service's facts are known, and count the problems. */
static void finish(struct project *p)
{
	predict_shared_volumes(p);
	for (size_t i = 0; i < p->n_services; i++) {
		struct service *s = &p->services[i];
		struct pwdb db;

		if (s->error)
			continue;
		pwdb_parse(&db, s->image.passwd, s->image.group);
		s->n_problems = 0;
		for (size_t j = 0; j < s->n_mounts; j++) {
			struct mount *m = &s->mounts[j];

			if (m->shared)
				predict_mount(m, &s->who, &db, p->engine);
			if (m->verdict == VERDICT_PROBLEM || m->verdict == VERDICT_ERROR)
				s->n_problems++;
		}
		pwdb_free(&db);
	}
}

/* The services in the order compose starts them: each after those it depends on,
 * otherwise in the file's order. */
static size_t *start_order(const struct project *p)
{
	size_t *order = xcalloc(p->n_services ? p->n_services : 1, sizeof(*order));
	bool *placed = xcalloc(p->n_services ? p->n_services : 1, sizeof(*placed));
	size_t n = 0;

	while (n < p->n_services) {
		size_t before = n;

		for (size_t i = 0; i < p->n_services; i++) {
			bool ready = !placed[i];

			for (size_t j = 0; ready && j < p->n_services; j++)
				if (!placed[j] && j != i && starts_before(p, &p->services[j], &p->services[i]))
					ready = false;
			if (ready) {
				placed[i] = true;
				order[n++] = i;
			}
		}
		if (n == before) /* a cycle (compose refuses it): the rest in file order */
			for (size_t i = 0; i < p->n_services; i++)
				if (!placed[i])
					placed[i] = true, order[n++] = i;
	}
	free(placed);
	return order;
}

void check_project(struct engine *e, struct project *p, struct totals *t)
{
	size_t *order = start_order(p);

	memset(t, 0, sizeof(*t));
	for (size_t k = 0; k < p->n_services; k++)
		check_service(e, p, &p->services[order[k]]);
	free(order);
	finish(p);
	for (size_t i = 0; i < p->n_services; i++) {
		struct service *s = &p->services[i];

		t->problems += s->n_problems;
		t->warnings += s->warnings.n;
		t->errors += s->error != NULL;
		for (size_t j = 0; j < s->n_mounts; j++)
			t->notes += s->mounts[j].verdict == VERDICT_IF_WRITTEN;
	}
}
