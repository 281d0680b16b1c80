#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "engine_info.h"
#include "image.h"
#include "passwd.h"
#include "predict.h"

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

static void root_warning(struct service *s)
{
	char *cause = s->user ? xasprintf("the compose file sets user: %s", s->user)
			      : xstrdup("the image sets no USER");

	strv_push_owned(&s->warnings,
			xasprintf("the program runs as root (%s)%s, but anything that takes over the "
				  "program has root in the container. If root was chosen only to write to "
				  "the volumes, run the program as its own user and let volown fix the "
				  "owner when the container starts",
				  cause, s->who.dac_override ? ": it can write to every mount"
							     : ": without CAP_DAC_OVERRIDE it writes "
							       "only where the mode bits let root write"));
	free(cause);
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
	char *err = NULL;

	if (inspect_image(e, s, &err) < 0) {
		s->error = xasprintf("cannot inspect the image %s: %s", s->image_ref, err);
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
	if (probe_service(e, p, s, &err) < 0) {
		s->error = xasprintf("cannot look inside the image %s: %s", s->image_ref, err);
		free(err);
		return;
	}
	pwdb_parse(&db, s->image.passwd, s->image.group);
	resolve_who(s, &db);
	if (s->who.error) {
		s->error = xstrdup(s->who.error);
	} else if (engine_facts(e, p, s, &err) < 0) {
		s->error = xasprintf("cannot ask the engine about the volumes of %s: %s", s->name, err);
		free(err);
	} else {
		for (size_t i = 0; i < s->n_mounts; i++) {
			predict_mount(&s->mounts[i], &s->who, &db, p->engine);
			if (s->mounts[i].verdict == VERDICT_PROBLEM || s->mounts[i].verdict == VERDICT_ERROR)
				s->n_problems++;
		}
		if (s->who.uid == 0)
			root_warning(s);
	}
	pwdb_free(&db);
}

void check_project(struct engine *e, struct project *p, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < p->n_services; i++) {
		struct service *s = &p->services[i];

		check_service(e, p, s);
		t->problems += s->n_problems;
		t->warnings += s->warnings.n;
		t->errors += s->error != NULL;
	}
}
