/* From the facts to a prediction: what a mount's root will look like when the
 * service starts, and whether the service's user can write there, in plain words.
 * Pure: the facts are gathered elsewhere. */
#ifndef VOLOWN_DOCTOR_PREDICT_H
#define VOLOWN_DOCTOR_PREDICT_H

#include "model.h"
#include "passwd.h"

struct engine_info;

/* Fill M's origin, root, verdict and reason. DB names the ids in the reason. EI is
 * the engine (Podman's volumes, user namespaces), NULL for rootful Docker. */
void predict_mount(struct mount *m, const struct identity *who, const struct pwdb *db,
		   const struct engine_info *ei);

/* Whether volown, root in the container, may change the owner of M's root: not
 * when its owner or group is outside the engine's user namespace. */
bool mount_owner_changeable(const struct mount *m);

/* "name (uid N)" or "uid N"; owned. */
char *describe_user(const struct pwdb *db, long uid);
/* "name (gid N)" or "gid N"; owned. */
char *describe_group(const struct pwdb *db, long gid);
/* "mailhog (uid 1000, gid 1000)"; owned. */
char *describe_identity(const struct identity *who, const struct pwdb *db);

#endif
