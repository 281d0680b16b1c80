#include "advice.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "check.h"
#include "engine_info.h"
#include "override.h"
#include "predict.h"

#define OVERRIDE_NAME "volown.override.yaml"

static struct fix *add(struct fixes *f, const char *kind, char *text)
{
	struct fix *x;

	f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
	x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->text = text;
	return x;
}

static bool is_problem(const struct mount *m)
{
	return m->verdict == VERDICT_PROBLEM;
}

static char *join(const struct strv *v, const char *sep)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < v->n; i++)
		buf_printf(&b, "%s%s", i ? sep : "", v->v[i]);
	return buf_steal(&b);
}

char *doctor_command(const struct project *p)
{
	struct buf b = { 0 };

	buf_adds(&b, "volown doctor");
	if (p->name_given)
		buf_printf(&b, " -p %s", p->name);
	for (size_t i = 0; i < p->files.n; i++)
		buf_printf(&b, " -f %s", p->files.v[i]);
	if (p->chown_bind_mounts)
		buf_adds(&b, " --chown-bind-mounts");
	return buf_steal(&b);
}

/* "docker-compose [-p NAME] -f FILE... -f volown.override.yaml up". Owned. */
static char *compose_up(const struct project *p)
{
	struct buf b = { 0 };

	buf_adds(&b, "docker-compose");
	if (p->name_given)
		buf_printf(&b, " -p %s", p->name);
	for (size_t i = 0; i < p->files.n; i++)
		buf_printf(&b, " -f %s", p->files.v[i]);
	buf_adds(&b, " -f " OVERRIDE_NAME " up");
	return buf_steal(&b);
}

static void advise_no_volume(const struct service *s, struct fixes *f)
{
	struct strv targets = { 0 };
	char *words;
	struct fix *x;

	for (size_t i = 0; i < s->n_mounts; i++)
		if (is_problem(&s->mounts[i]))
			strv_push(&targets, s->mounts[i].target);
	words = join(&targets, ", ");
	x = add(f, "no-volume",
		xasprintf("Ask first whether %s needs a mount at all: if the data need not outlive the "
			  "container (a local mail catcher, a cache), drop the mount and let the program "
			  "write inside the container, in a directory its user owns (its home, /tmp).",
			  words));
	x->paths = targets;
	free(words);
}

/* The capabilities the override adds back for volown, in words, if any. */
static void explain_caps(const struct service *s, const struct strv *missing, struct buf *b)
{
	char *words;

	if (missing->n == 0)
		return;
	words = join(missing, " ");
	buf_printf(b, " The service's capabilities lack what volown needs for the fix and the drop, "
		   "so the override adds back with cap_add: %s. The program holds none of them: volown "
		   "clears every capability set before it runs %s.", words, s->who.spec);
	free(words);
}

/* The problems volown cannot fix, and why: "volown cannot fix X: why." each. */
static void explain_unfixable(const struct service *s, struct buf *b)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount *m = &s->mounts[i];

		if (!is_problem(m) || volown_can_fix(m))
			continue;
		buf_printf(b, "%svolown cannot fix %s: ", b->len ? " " : "", m->target);
		if (!mount_owner_changeable(m))
			buf_adds(b, "its owner is outside the engine's user namespace, and no process in the "
				    "container, root included, may change it. Change it on the host (below); the "
				    "override leaves it out.");
		else if (!mount_is_directory(m))
			buf_adds(b, "it is a single file, and volown changes directories only; the override "
				    "leaves it out.");
		else
			buf_adds(b, "volown refuses to change a system directory; the override leaves it out.");
	}
}

static void advise_volown(const struct project *p, const struct service *s, struct fixes *f)
{
	struct override_spec o;
	struct buf b = { 0 };
	struct fix *x;
	char *doctor, *up, *words, *paths;

	if (override_for(s, &o) < 0) {
		if (o.paths.n == 0 && o.command.n > 0) {
			explain_unfixable(s, &b);
			add(f, "volown", buf_steal(&b));
		} else if (s->user_switch && o.paths.n > 0) {
			add(f, "volown",
			    xasprintf("volown in front is no fix here: the image's entrypoint switches user "
				      "itself (%s), which needs root, and volown would take root away "
				      "before it runs. Let the entrypoint fix the owner (as the official "
				      "images' entrypoints do for their data directory), or use the "
				      "Dockerfile (below).", s->user_switch));
		} else if (!volown_suits(s)) {
			words = join(&o.paths, ", ");
			add(f, "volown",
			    xasprintf("volown is no fix here: the program runs as root in a container "
				      "without the capabilities volown needs (cap_drop), and adding them for "
				      "volown would give them to the program too. Run the program as its own "
				      "user (user:) and use volown then, or give %s to root (below).", words));
			free(words);
		}
		override_spec_free(&o);
		return;
	}
	doctor = doctor_command(p);
	up = compose_up(p);
	words = join(&o.command, " ");
	paths = join(&o.paths, " --path ");
	buf_printf(&b, "Let volown fix the owner when the container starts, then run the original "
		   "program as %s: `%s --write-override " OVERRIDE_NAME "` writes a compose override "
		   "that mounts volown read-only, starts it as root with `--user %s --path %s --` and "
		   "hands over to the image's own command `%s` (setting entrypoint: in compose drops "
		   "the image's CMD, so the override restates both); then `%s`. No image is rebuilt.",
		   *s->who.spec ? s->who.spec : "root", doctor, s->who.spec, paths, words, up);
	{
		struct buf why = { 0 };

		explain_unfixable(s, &why);
		if (why.len)
			buf_printf(&b, " %s", why.data);
		buf_free(&why);
	}
	explain_caps(s, &o.cap_add, &b);
	if (s->group_add.n > 0) {
		char *groups = join(&s->group_add, " ");

		buf_printf(&b, " The engine gives group_add's groups (%s) to volown, and its drop "
			   "would replace them, so the override restates them with --group-add.", groups);
		free(groups);
	}
	buf_printf(&b, " With the override the container starts as root, so `docker-compose exec` "
		   "does too: use `docker-compose exec --user %s %s ...`.",
		   *s->who.spec ? s->who.spec : "0", s->name);
	x = add(f, "volown", buf_steal(&b));
	x->command = xasprintf("%s --write-override " OVERRIDE_NAME, doctor);
	x->paths = o.paths;
	o.paths = (struct strv){ 0 };
	x->override = true;
	free(doctor);
	free(up);
	free(words);
	free(paths);
	override_spec_free(&o);
}

/* The host chown that gives PATH to the program: "`chown 1000:1000 PATH` (the ids
 * inside the container are the host's ids)", or under a user namespace the host ids
 * that the program's ids are, and for a rootless engine how the user may do it
 * without root (owned). */
static char *host_chown(const struct service *s, const char *path)
{
	const struct engine_info *ei = s->engine;
	struct buf b = { 0 };

	buf_printf(&b, "`chown %ld:%ld %s`", s->who.host_uid, s->who.host_gid, path);
	if (s->who.host_uid == s->who.uid && s->who.host_gid == s->who.gid) {
		buf_adds(&b, " (the ids inside the container are the host's ids)");
		return buf_steal(&b);
	}
	buf_printf(&b, " (the engine's user namespace makes them uid %ld and gid %ld in the container)",
		   s->who.uid, s->who.gid);
	if (ei && ei->userns == USERNS_ROOTLESS && ei->kind == ENGINE_PODMAN)
		buf_printf(&b, ", or as the user who runs Podman, without root: `podman unshare chown "
			   "%ld:%ld %s`", s->who.uid, s->who.gid, path);
	else if (ei && ei->userns == USERNS_ROOTLESS)
		buf_printf(&b, ", or as the user who runs the engine, without root: `docker run --rm "
			   "--user 0 -v %s:/x --entrypoint chown %s %ld:%ld /x`", path, s->image_ref,
			   s->who.uid, s->who.gid);
	return buf_steal(&b);
}

/* Option 3 for one mount, where it applies. */

/* The host's id for a container id: the engine's map's, else the same (not known). */
static long host_id(long host, long container)
{
	return host >= 0 ? host : container;
}

static void one_path(struct fix *x, const char *target)
{
	strv_push(&x->paths, target);
}

/* Option 3 for one problem mount, where it applies. */
static void advise_mount(const struct service *s, const struct mount *m, struct fixes *f)
{
	struct fix *x;

	if (m->type == MOUNT_VOLUME && m->nocopy) {
		return; /* nocopy: nothing from the image ever reaches the volume */
	} else if (m->type == MOUNT_VOLUME && m->device) {
		x = add(f, "host-chown",
			xasprintf("The volume %s is bound to the host directory %s: on the host, `chown "
				  "%ld:%ld %s` (the ids inside the container are the host's ids).",
				  m->volume_name, m->device, host_id(s->who.host_uid, s->who.uid),
				  host_id(s->who.host_gid, s->who.gid), m->device));
		x->command = xasprintf("chown %ld:%ld %s", host_id(s->who.host_uid, s->who.uid),
				       host_id(s->who.host_gid, s->who.gid), m->device);
	} else if (m->type == MOUNT_VOLUME && m->origin == ORIGIN_VOLUME_KEPT) {
		x = add(f, "dockerfile",
			xasprintf("A `mkdir`+`chown` of %s in the Dockerfile would not help %s: the "
				  "volume already holds data, and the engine copies the image's directory "
				  "only into an empty volume. Fix its owner once (option 2 does it at every "
				  "start), or remove the volume if its data may go.",
				  m->target, m->volume_name ? m->volume_name : "this volume"));
	} else if (m->type == MOUNT_VOLUME) {
		x = add(f, "dockerfile",
			xasprintf("If you build the image: before USER, `RUN mkdir -p %s && chown %ld:%ld "
				  "%s`. A new or empty volume then takes that owner, because the engine "
				  "copies the image's directory into it when the container is created; a "
				  "volume that already holds data keeps its owner.",
				  m->target, s->who.uid, s->who.gid, m->target));
		x->command = xasprintf("RUN mkdir -p %s && chown %ld:%ld %s", m->target, s->who.uid,
				       s->who.gid, m->target);
	} else if (m->type == MOUNT_BIND && s->who.host_uid < 0) {
		x = add(f, "host-chown",
			xasprintf("On the host, give %s to the host ids that the program's uid %ld and gid "
				  "%ld are under the engine's user namespace (the doctor could not learn "
				  "them).", m->source, s->who.uid, s->who.gid));
	} else if (m->type == MOUNT_BIND) {
		char *chown = host_chown(s, m->source);

		if (m->existing.exists)
			x = add(f, "host-chown", xasprintf("On the host, give %s to the program's ids: %s.",
							   m->source, chown));
		else
			x = add(f, "host-chown",
				xasprintf("Create %s on the host before starting (`mkdir -p %s`), owned by "
					  "the program's ids: %s.", m->source, m->source, chown));
		x->command = m->existing.exists
				     ? xasprintf("chown %ld:%ld %s", s->who.host_uid, s->who.host_gid, m->source)
				     : xasprintf("mkdir -p %s && chown %ld:%ld %s", m->source, s->who.host_uid,
						 s->who.host_gid, m->source);
		free(chown);
	} else {
		x = add(f, "tmpfs-options",
			xasprintf("Give the tmpfs at %s to the program's ids with its options: "
				  "`%s:uid=%ld,gid=%ld`.", m->target, m->target, s->who.uid, s->who.gid));
		x->command = xasprintf("%s:uid=%ld,gid=%ld", m->target, s->who.uid, s->who.gid);
	}
	one_path(x, m->target);
}

/* A host path of the user's that the program cannot write: what to do if, and only
 * if, the program writes there. */
static void advise_if_written(const struct project *p, const struct service *s,
			      const struct mount *m, struct fixes *f)
{
	const char *host = m->device ? m->device : m->source;
	long uid = host_id(s->who.host_uid, s->who.uid), gid = host_id(s->who.host_gid, s->who.gid);
	struct fix *x;

	if (mount_is_directory(m)) {
		char *doctor = doctor_command(p);

		x = add(f, "bind-if-written",
			xasprintf("Only if the program writes to %s: `chown %ld:%ld %s` on the host, or "
				  "let the override do it at every start with `%s --chown-bind-mounts "
				  "--write-override " OVERRIDE_NAME "` (it then gives your directory %s to "
				  "uid %ld). If the program only reads it, say so with :ro.",
				  m->target, uid, gid, host,
				  p->chown_bind_mounts ? "volown doctor" : doctor, host, uid));
		x->option = xstrdup("--chown-bind-mounts");
		free(doctor);
	} else {
		x = add(f, "bind-if-written",
			xasprintf("Only if the program writes to the file %s: `chown %ld:%ld %s` on the "
				  "host (volown never changes a single file). If the program only reads it, "
				  "say so with :ro.", m->target, uid, gid, host));
	}
	x->command = xasprintf("chown %ld:%ld %s", uid, gid, host);
	one_path(x, m->target);
}

void advise(const struct project *p, const struct service *s, struct fixes *out)
{
	bool any_problem = false;

	memset(out, 0, sizeof(*out));
	if (s->error)
		return;
	for (size_t i = 0; i < s->n_mounts; i++)
		any_problem |= is_problem(&s->mounts[i]);
	if (any_problem) {
		advise_no_volume(s, out);
		advise_volown(p, s, out);
	}
	/* A missing long-syntax bind source only needs creating. */
	for (size_t i = 0; i < s->n_mounts; i++)
		if (is_problem(&s->mounts[i]) || s->mounts[i].verdict == VERDICT_ERROR)
			advise_mount(s, &s->mounts[i], out);
	/* Then the user's own host paths, which matter only if the program writes there. */
	for (size_t i = 0; i < s->n_mounts; i++)
		if (s->mounts[i].verdict == VERDICT_IF_WRITTEN)
			advise_if_written(p, s, &s->mounts[i], out);
}

void fixes_free(struct fixes *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].text);
		free(f->v[i].command);
		free(f->v[i].option);
		strv_free(&f->v[i].paths);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}
