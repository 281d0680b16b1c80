#include "advice.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "check.h"
#include "engine_info.h"
#include "predict.h"

static void add(struct fixes *f, const char *kind, char *text)
{
	f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
	f->v[f->n].kind = kind;
	f->v[f->n].text = text;
	f->n++;
}

static bool is_problem(const struct mount *m)
{
	return m->verdict == VERDICT_PROBLEM;
}

/* "a, b and c" of the problem mounts' targets. */
static char *problem_targets(const struct service *s, const char *sep)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < s->n_mounts; i++) {
		if (!is_problem(&s->mounts[i]))
			continue;
		if (b.len)
			buf_adds(&b, sep);
		buf_adds(&b, s->mounts[i].target);
	}
	return buf_steal(&b);
}

static char *join_words(const struct strv *v)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < v->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", v->v[i]);
	return buf_steal(&b);
}

static void advise_no_volume(const struct service *s, struct fixes *f)
{
	char *targets = problem_targets(s, ", ");

	add(f, "no-volume",
	    xasprintf("Ask first whether %s needs a mount at all: if the data need not outlive the "
		      "container (a local mail catcher, a cache), drop the mount and let the program "
		      "write inside the container, in a directory its user owns (its home, /tmp).",
		      targets));
	free(targets);
}

/* The capabilities the override adds back for volown, in words, if any. */
static void explain_caps(const struct service *s, struct buf *b)
{
	struct strv missing = { 0 };
	char *words;

	volown_missing_caps(s, &missing);
	if (missing.n > 0) {
		words = join_words(&missing);
		buf_printf(b, " The service's capabilities lack what volown needs for the fix and "
			   "the drop, so the override adds back with cap_add: %s. The program holds "
			   "none of them: volown clears every capability set before it runs %s.",
			   words, s->who.spec);
		free(words);
	}
	strv_free(&missing);
}

/* The problem mounts whose owner is outside the engine's user namespace: volown
 * cannot change it. Their targets, "" when none (owned). */
static char *unchangeable_targets(const struct service *s)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < s->n_mounts; i++)
		if (is_problem(&s->mounts[i]) && !mount_owner_changeable(&s->mounts[i]))
			buf_printf(&b, "%s%s", b.len ? ", " : "", s->mounts[i].target);
	buf_adds(&b, "");
	return buf_steal(&b);
}

/* The targets of the problems volown can fix, joined by SEP ("" when none; owned). */
static char *fixable_targets(const struct service *s, const char *sep)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < s->n_mounts; i++)
		if (is_problem(&s->mounts[i]) && mount_owner_changeable(&s->mounts[i]))
			buf_printf(&b, "%s%s", b.len ? sep : "", s->mounts[i].target);
	buf_adds(&b, "");
	return buf_steal(&b);
}

static void advise_volown(const struct service *s, const struct strv *files, struct fixes *f)
{
	struct strv cmd = { 0 };
	char *targets = fixable_targets(s, " --path ");
	char *outside = unchangeable_targets(s);
	char *words;
	struct buf b = { 0 };

	if (*outside)
		add(f, "volown",
		    xasprintf("volown cannot fix %s: its owner is outside the engine's user namespace, and "
			      "no process in the container, root included, may change it. Change it on the "
			      "host (below)%s.", outside, *targets ? "; the override leaves it out" : ""));
	free(outside);
	if (!*targets) {
		free(targets);
		return;
	}
	if (!volown_suits(s)) {
		add(f, "volown",
		    xasprintf("volown is no fix here: the program runs as root in a container "
			      "without the capabilities volown needs (cap_drop), and adding them for "
			      "volown would give them to the program too. Run the program as its own "
			      "user (user:) and use volown then, or give %s to root (below).",
			      targets));
		free(targets);
		return;
	}
	effective_command(s, &cmd);
	words = join_words(&cmd);
	buf_printf(&b, "Let volown fix the owner when the container starts, then run the original "
		   "program as %s: `volown doctor", *s->who.spec ? s->who.spec : "root");
	for (size_t i = 0; i < files->n; i++)
		buf_printf(&b, " -f %s", files->v[i]);
	buf_printf(&b, " --write-override volown.override.yaml` writes a compose override that "
		   "mounts volown read-only, starts it as root with `--user %s --path %s --` and "
		   "hands over to the image's own command `%s` (setting entrypoint: in compose drops "
		   "the image's CMD, so the override restates both); then `docker-compose",
		   s->who.spec, targets, words);
	for (size_t i = 0; i < files->n; i++)
		buf_printf(&b, " -f %s", files->v[i]);
	buf_adds(&b, " -f volown.override.yaml up`. No image is rebuilt.");
	explain_caps(s, &b);
	if (s->group_add.n > 0) {
		char *groups = join_words(&s->group_add);

		buf_printf(&b, " The engine gives group_add's groups (%s) to volown, and its drop "
			   "would replace them, so the override restates them with --group-add.",
			   groups);
		free(groups);
	}
	add(f, "volown", buf_steal(&b));
	free(words);
	free(targets);
	strv_free(&cmd);
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
static void advise_mount(const struct service *s, const struct mount *m, struct fixes *f)
{
	if (m->type == MOUNT_VOLUME && m->nocopy) {
		return; /* nocopy: nothing from the image ever reaches the volume */
	} else if (m->type == MOUNT_VOLUME && m->origin == ORIGIN_VOLUME_KEPT) {
		add(f, "dockerfile",
		    xasprintf("A `mkdir`+`chown` of %s in the Dockerfile would not help %s: the volume "
			      "already holds data, and the engine copies the image's directory only into "
			      "an empty volume. Fix its owner once (option 2 does it at every start), or "
			      "remove the volume if its data may go.", m->target, m->volume_name));
	} else if (m->type == MOUNT_VOLUME) {
		add(f, "dockerfile",
		    xasprintf("If you build the image: before USER, `RUN mkdir -p %s && chown %ld:%ld %s`. "
			      "A new or empty volume then takes that owner, because the engine copies the "
			      "image's directory into it when the container is created; a volume that "
			      "already holds data keeps its owner.", m->target, s->who.uid, s->who.gid,
			      m->target));
	} else if (m->type == MOUNT_BIND && s->who.host_uid < 0) {
		add(f, "host-chown",
		    xasprintf("On the host, give %s to the host ids that the program's uid %ld and gid %ld "
			      "are under the engine's user namespace (the doctor could not learn them).",
			      m->source, s->who.uid, s->who.gid));
	} else if (m->type == MOUNT_BIND) {
		char *chown = host_chown(s, m->source);

		if (m->existing.exists)
			add(f, "host-chown", xasprintf("On the host, give %s to the program's ids: %s.",
						       m->source, chown));
		else
			add(f, "host-chown", xasprintf("Create %s on the host before starting (`mkdir -p %s`), "
						       "owned by the program's ids: %s.", m->source,
						       m->source, chown));
		free(chown);
	} else {
		add(f, "tmpfs-options",
		    xasprintf("Give the tmpfs at %s to the program's ids with its options: "
			      "`%s:uid=%ld,gid=%ld`.", m->target, m->target, s->who.uid, s->who.gid));
	}
}

void advise(const struct service *s, const struct strv *files, struct fixes *out)
{
	bool any_problem = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->n_mounts; i++)
		any_problem |= is_problem(&s->mounts[i]);
	if (any_problem) {
		advise_no_volume(s, out);
		advise_volown(s, files, out);
	}
	/* A missing long-syntax bind source only needs creating. */
	for (size_t i = 0; i < s->n_mounts; i++)
		if (is_problem(&s->mounts[i]) || s->mounts[i].verdict == VERDICT_ERROR)
			advise_mount(s, &s->mounts[i], out);
}

void fixes_free(struct fixes *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].text);
	free(f->v);
	memset(f, 0, sizeof(*f));
}
