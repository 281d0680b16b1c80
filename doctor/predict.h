/* From the facts to a prediction: what a mount's root will look like when the
 * service starts, and whether the service's user can write there, in plain words.
 * Pure: the facts are gathered elsewhere. */
#ifndef VOLOWN_DOCTOR_PREDICT_H
#define VOLOWN_DOCTOR_PREDICT_H

#include "model.h"
#include "passwd.h"

struct engine_info;

/* A named volume as containers are created with it, one after the other. */
struct volume_state {
	bool exists, nonempty;
	struct node root;
};

/* One more container created with M on the volume in ST: M's root (*ROOT), how it
 * came to be, and ST after the engine's copy-up (rootful Docker's rule). */
enum origin volume_step(const struct mount *m, struct volume_state *st, struct node *root);

/* Fill M's origin, root, verdict and reason. DB names the ids in the reason. EI is
 * the engine (Podman's volumes, user namespaces), NULL for rootful Docker. A mount
 * from volumes_from or shared with another service has its root and origin set
 * already (its from_service or shared say why). */
void predict_mount(struct mount *m, const struct identity *who, const struct pwdb *db,
		   const struct engine_info *ei);

/* Whether volown, root in the container, may change the owner of M's root: not
 * when its owner or group is outside the engine's user namespace. */
bool mount_owner_changeable(const struct mount *m);

/* Whether M's root is the user's own files on the host: a bind mount, or a named
 * volume bound to a host directory. */
bool mount_holds_host_files(const struct mount *m);
/* Whether M's root is (or will be) a directory: volown fixes only directories. */
bool mount_is_directory(const struct mount *m);

/* "name (uid N)" or "uid N"; owned. */
char *describe_user(const struct pwdb *db, long uid);
/* "name (gid N)" or "gid N"; owned. */
char *describe_group(const struct pwdb *db, long gid);
/* "mailhog (uid 1000, gid 1000)"; owned. */
char *describe_identity(const struct identity *who, const struct pwdb *db);

#endif
