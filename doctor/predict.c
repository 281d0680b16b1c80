#include "predict.h"

#include <stdlib.h>
#include <string.h>

#include "engine_info.h"

char *describe_user(const struct pwdb *db, long uid)
{
	const struct pwent *e = pwdb_user_by_uid(db, uid);

	return e ? xasprintf("%s (uid %ld)", e->name, uid) : xasprintf("uid %ld", uid);
}

char *describe_group(const struct pwdb *db, long gid)
{
	const char *name = pwdb_group_name(db, gid);

	return name ? xasprintf("%s (gid %ld)", name, gid) : xasprintf("gid %ld", gid);
}

char *describe_identity(const struct identity *who, const struct pwdb *db)
{
	struct buf b = { 0 };

	(void)db;
	buf_printf(&b, "%s (uid %ld, gid %ld", who->name ? who->name : "a user without a passwd entry",
		   who->uid, who->gid);
	if (who->n_groups > 0) {
		buf_adds(&b, ", also in gid");
		for (size_t i = 0; i < who->n_groups; i++)
			buf_printf(&b, "%s %ld", i ? "," : "", who->groups[i]);
	}
	if (who->uid == 0 && !who->dac_override)
		buf_adds(&b, ", without CAP_DAC_OVERRIDE, so held to the mode bits like any user");
	buf_addc(&b, ')');
	return buf_steal(&b);
}

static void set_root(struct node *r, long uid, long gid, unsigned mode, bool is_dir)
{
	memset(r, 0, sizeof(*r)); /* inside the container's namespace: no id unmapped */
	r->exists = true;
	r->is_dir = is_dir;
	r->uid = uid;
	r->gid = gid;
	r->mode = mode & 07777;
}

/* Podman, measured on 4.3: at a volume's first mount (a new volume, or one created
 * but not mounted yet) it gives the root the image directory's owner and mode, or,
 * where the image has none, the program's uid and gid; later mounts leave the root
 * as it is, empty or not. */
static void predict_podman_volume(struct mount *m, const struct identity *who)
{
	if (m->chown_first_mount && m->image_dir.exists && m->image_dir.is_dir) {
		m->origin = ORIGIN_VOLUME_COPIED;
		set_root(&m->root, m->image_dir.uid, m->image_dir.gid, m->image_dir.mode, true);
	} else if (m->chown_first_mount) {
		m->origin = ORIGIN_VOLUME_CHOWNED;
		set_root(&m->root, who->uid, who->gid, m->existing.exists ? m->existing.mode : 0755, true);
	} else {
		m->origin = m->existing_nonempty ? ORIGIN_VOLUME_KEPT : ORIGIN_VOLUME_EMPTY_KEPT;
		m->root = m->existing;
	}
}

enum origin volume_step(const struct mount *m, struct volume_state *st, struct node *root)
{
	bool image_has_dir = m->image_dir.exists && m->image_dir.is_dir;

	if (st->exists && st->nonempty) {
		*root = st->root;
		return ORIGIN_VOLUME_KEPT;
	}
	if (!m->nocopy && image_has_dir) {
		/* The engine copies the directory, and its owner and mode even when it is empty. */
		set_root(root, m->image_dir.uid, m->image_dir.gid, m->image_dir.mode, true);
		st->exists = true;
		st->nonempty = m->image_dir_nonempty;
		st->root = *root;
		return ORIGIN_VOLUME_COPIED;
	}
	if (st->exists) {
		*root = st->root;
		return ORIGIN_VOLUME_EMPTY_KEPT;
	}
	set_root(root, 0, 0, 0755, true);
	st->exists = true;
	st->root = *root;
	return ORIGIN_VOLUME_NEW;
}

static void predict_volume(struct mount *m)
{
	struct volume_state st = { .exists = m->existing.exists, .nonempty = m->existing_nonempty,
				   .root = m->existing };

	m->origin = volume_step(m, &st, &m->root);
}

/* The host's ids of N as the container sees them through the engine's maps. */
static void to_container(struct node *n, const struct engine_info *ei)
{
	long uid, gid;

	if (!ei || ei->userns == USERNS_NONE || !ei->maps_known || !n->exists)
		return;
	uid = idmap_to_container(&ei->uids, n->uid);
	gid = idmap_to_container(&ei->gids, n->gid);
	n->uid_unmapped = uid < 0;
	n->gid_unmapped = gid < 0;
	if (uid >= 0)
		n->uid = uid;
	if (gid >= 0)
		n->gid = gid;
}

static void predict_bind(struct mount *m, const struct engine_info *ei)
{
	if (m->existing.exists) {
		m->origin = ORIGIN_BIND_HOST;
		m->root = m->existing;
		to_container(&m->root, ei);
	} else if (m->long_syntax) {
		m->origin = ORIGIN_BIND_MISSING;
		memset(&m->root, 0, sizeof(m->root));
	} else {
		m->origin = ORIGIN_BIND_CREATED;
		/* Measured: a remapping engine makes it as the remapped root, a rootless one
		 * as its user: the container's root either way. */
		set_root(&m->root, 0, 0, 0755, true);
	}
}

static void predict_tmpfs(struct mount *m)
{
	unsigned mode = m->tmpfs_mode >= 0 ? (unsigned)m->tmpfs_mode : 01777;

	/* The runtime gives the tmpfs the mode of the directory it covers. */
	if (m->image_dir.exists && m->image_dir.is_dir)
		mode = m->image_dir.mode;
	m->origin = ORIGIN_TMPFS;
	set_root(&m->root, m->tmpfs_uid >= 0 ? m->tmpfs_uid : 0,
		 m->tmpfs_gid >= 0 ? m->tmpfs_gid : 0, mode, true);
}

/* A named volume bound to a host directory (driver_opts o=bind, device=DIR). */
static void explain_device(struct buf *b, const struct mount *m)
{
	switch (m->origin) {
	case ORIGIN_VOLUME_COPIED:
		buf_printf(b, "the volume %s is bound to the host directory %s, which is empty, so when "
			   "the container is created the engine copies the image's %s into it, and gives "
			   "your host directory the owner and mode of the image's", m->volume_name,
			   m->device, m->target);
		break;
	case ORIGIN_VOLUME_KEPT:
		buf_printf(b, "the volume %s is bound to the host directory %s, which holds files, so "
			   "nothing is copied and the host directory's owner and mode decide",
			   m->volume_name, m->device);
		break;
	default:
		buf_printf(b, "the volume %s is bound to the host directory %s, which is empty and the "
			   "image has nothing to copy there, so the host directory's owner and mode decide",
			   m->volume_name, m->device);
		break;
	}
}

/* Why the root looks as it will, in plain words. */
static void explain_origin(struct buf *b, const struct mount *m)
{
	const char *vol = m->source ? m->source : "an anonymous volume";

	if (m->device) {
		explain_device(b, m);
		return;
	}
	if (m->from_image && m->origin == ORIGIN_VOLUME_COPIED) {
		buf_printf(b, "the image %s declares VOLUME %s and no mount of the service covers it, so "
			   "the engine mounts a new anonymous volume there, a copy of the image's directory, "
			   "owner and mode included", m->from_image, m->target);
		return;
	}
	switch (m->origin) {
	case ORIGIN_FROM_SERVICE:
		buf_printf(b, "volumes_from: this is the mount of service %s's container, as that "
			   "container has it (nothing is copied again)", m->from_service);
		break;
	case ORIGIN_VOLUME_KEPT:
		buf_printf(b, "the volume %s already exists and is not empty, so the engine copies "
			   "nothing into it and its root keeps the owner and mode it has now", m->volume_name);
		break;
	case ORIGIN_VOLUME_COPIED:
		buf_printf(b, "%s %s is empty, so when the container is created the engine copies the "
			   "image's %s into it, owner and mode included", m->existing.exists ?
			   "the existing volume" : "the new volume",
			   m->volume_name ? m->volume_name : vol, m->target);
		break;
	case ORIGIN_VOLUME_EMPTY_KEPT:
		buf_printf(b, "the volume %s exists and is empty, but %s, so its root stays as it is",
			   m->volume_name, m->nocopy ? "nocopy is set" :
			   !m->image_dir.exists ? "the image has no such directory to copy" :
			   "Podman copies the image's directory only at a volume's first mount");
		break;
	case ORIGIN_VOLUME_CHOWNED:
		buf_printf(b, "%s %s has not been mounted yet and the image has no such directory, so "
			   "Podman gives its root to the program's uid and gid at its first mount",
			   m->existing.exists ? "the volume" : "the new volume",
			   m->volume_name ? m->volume_name : vol);
		break;
	case ORIGIN_VOLUME_NEW:
		buf_printf(b, "%s%s is new and %s, so the engine creates its root as root:root 0755",
			   m->volume_name ? "the volume " : "", m->volume_name ? m->volume_name : vol,
			   m->nocopy ? "nocopy is set" : "the image has no such directory to copy");
		break;
	case ORIGIN_BIND_HOST:
		buf_printf(b, "the host path %s is mounted as it is", m->source);
		break;
	case ORIGIN_BIND_CREATED:
		buf_printf(b, "the host path %s does not exist, so the engine creates it as root:root 0755",
			   m->source);
		break;
	case ORIGIN_BIND_MISSING:
		buf_printf(b, "the host path %s does not exist, and with the long syntax the engine "
			   "refuses to start the container (bind source path does not exist)", m->source);
		break;
	case ORIGIN_TMPFS:
		buf_printf(b, "a tmpfs is mounted, owned by uid %ld gid %ld%s", m->root.uid, m->root.gid,
			   m->image_dir.exists ? ", with the mode of the image's directory it covers" :
			   m->tmpfs_mode >= 0 ? ", with the mode given" : ", mode 1777 by default");
		break;
	case ORIGIN_NONE:
		break;
	}
}

static const char *class_words(enum perm_class c)
{
	switch (c) {
	case CLASS_ROOT:
		return "is root";
	case CLASS_OWNER:
		return "is the owner";
	case CLASS_GROUP:
		return "is not the owner but is in the group";
	case CLASS_OTHER:
		break;
	}
	return "is neither the owner nor in the group";
}

/* The owner or group of a root, in words: the host's id where it is outside the
 * engine's user namespace. */
static char *describe_owner(const struct pwdb *db, long id, bool unmapped, bool group)
{
	if (unmapped)
		return xasprintf("host %s %ld", group ? "gid" : "uid", id);
	return group ? describe_group(db, id) : describe_user(db, id);
}

bool mount_owner_changeable(const struct mount *m)
{
	return !m->root.uid_unmapped && !m->root.gid_unmapped;
}

/* Where the program's files land on the host, under a user namespace. */
static void explain_host(struct buf *b, const struct mount *m, const struct identity *who,
			 const struct engine_info *ei)
{
	if (!ei || ei->userns == USERNS_NONE)
		return;
	if (m->root.uid_unmapped || m->root.gid_unmapped) {
		buf_adds(b, ". No process in the container, root and volown included, may change the "
			    "owner of a file whose owner or group is outside the engine's user namespace");
		return;
	}
	if (!ei->maps_known || who->host_uid < 0)
		return;
	buf_printf(b, ". On the host, the mount's root belongs to uid %ld gid %ld, and what the program "
		   "writes to uid %ld gid %ld (the engine maps container ids to other host ids)",
		   engine_host_uid(ei, m->root.uid), engine_host_gid(ei, m->root.gid), who->host_uid,
		   who->host_gid);
}

static void explain_access(struct buf *b, const struct mount *m, const struct identity *who,
			   const struct pwdb *db, bool ok)
{
	char *owner = describe_owner(db, m->root.uid, m->root.uid_unmapped, false);
	char *group = describe_owner(db, m->root.gid, m->root.gid_unmapped, true);
	char *user = describe_identity(who, db);
	enum perm_class c = perm_class_of(who, &m->root);
	bool outside = m->root.uid_unmapped || m->root.gid_unmapped;

	buf_printf(b, "; it will be owned by %s, group %s, mode %04o%s. The program runs as %s, which %s",
		   owner, group, m->root.mode,
		   !outside ? "" : m->root.uid_unmapped && m->root.gid_unmapped ?
		   " (both outside the engine's user namespace: the container sees them as 65534)" :
		   m->root.uid_unmapped ? " (the owner is outside the engine's user namespace: the container "
					  "sees it as 65534)" :
		   " (the group is outside the engine's user namespace: the container sees it as 65534)",
		   user, class_words(c));
	if (c == CLASS_ROOT)
		buf_adds(b, ", so it can write anywhere");
	else if (ok)
		buf_adds(b, ", and that class may write here");
	else
		buf_printf(b, ", and mode %04o does not let that class write: the first write fails "
			   "with \"Permission denied\"", m->root.mode);
	free(owner);
	free(group);
	free(user);
}

bool mount_holds_host_files(const struct mount *m)
{
	return m->type == MOUNT_BIND || (m->type == MOUNT_VOLUME && m->device);
}

bool mount_is_directory(const struct mount *m)
{
	/* A missing bind source is created as a directory; a volume or a tmpfs always is one. */
	return m->root.exists ? m->root.is_dir : m->origin != ORIGIN_BIND_MISSING;
}

/* A host path of the user's that the program cannot write: a problem only if the
 * program writes there, and the doctor gives it away only when asked. */
static void explain_host_files(struct buf *b, struct mount *m)
{
	const char *host = m->device ? m->device : m->source;

	if (m->chown_host && mount_is_directory(m)) {
		buf_printf(b, ". You asked with --chown-bind-mounts for the program's user to be given "
			   "the host directory %s, so this counts as a problem", host);
		return;
	}
	m->verdict = VERDICT_IF_WRITTEN;
	buf_printf(b, ". But %s is a path of yours on the host, and a mount without :ro is no proof "
		   "that the program writes there (configuration it only reads is fine): this is a "
		   "problem only if the program writes here", host);
	if (!mount_is_directory(m))
		buf_adds(b, "; it is a single file, which volown never changes");
}

void predict_mount(struct mount *m, const struct identity *who, const struct pwdb *db,
		   const struct engine_info *ei)
{
	struct buf b = { 0 };
	bool ok;

	if (m->refused || (m->device && !m->existing.exists)) {
		m->origin = ORIGIN_NONE;
		memset(&m->root, 0, sizeof(m->root));
		m->verdict = VERDICT_ERROR;
		free(m->reason);
		m->reason = m->refused ? xasprintf("the engine refuses to create the container: %s.", m->refused)
				       : xasprintf("the volume %s is bound to the host directory %s, which "
						   "does not exist: the engine cannot mount it and the "
						   "container does not start.", m->volume_name, m->device);
		return;
	}
	if (m->from_service)
		m->origin = ORIGIN_FROM_SERVICE; /* the root was set from the other service's */
	else if (m->type == MOUNT_VOLUME && m->shared) {
		/* the root was set from every order the services may start in */
	} else if (m->type == MOUNT_VOLUME && ei && ei->kind == ENGINE_PODMAN && !m->device) {
		predict_podman_volume(m, who);
	} else if (m->type == MOUNT_VOLUME) {
		predict_volume(m);
		/* a host directory's own ids, as the container sees them */
		if (m->device && (m->origin == ORIGIN_VOLUME_KEPT || m->origin == ORIGIN_VOLUME_EMPTY_KEPT))
			to_container(&m->root, ei);
	}
	else if (m->type == MOUNT_BIND)
		predict_bind(m, ei);
	else if (m->type == MOUNT_TMPFS)
		predict_tmpfs(m);
	explain_origin(&b, m);
	if (m->shared)
		buf_printf(&b, "; %s", m->shared);
	if (m->origin == ORIGIN_BIND_MISSING) {
		m->verdict = VERDICT_ERROR;
	} else if (m->read_only) {
		m->verdict = VERDICT_READ_ONLY;
		buf_adds(&b, "; it is mounted read-only, so nothing is expected to write there");
	} else {
		ok = can_write(who, &m->root);
		m->verdict = ok ? VERDICT_OK : VERDICT_PROBLEM;
		explain_access(&b, m, who, db, ok);
		explain_host(&b, m, who, ei);
		if (!ok && mount_holds_host_files(m))
			explain_host_files(&b, m);
	}
	buf_addc(&b, '.');
	free(m->reason);
	m->reason = buf_steal(&b);
}
