/* From the facts to a prediction: what a mount's root will look like when the
 * service starts, and whether the service's user can write there, in plain words.
 * Pure: the facts are gathered elsewhere. */
#ifndef VOLOWN_DOCTOR_PREDICT_H
#define VOLOWN_DOCTOR_PREDICT_H

#include "model.h"
#include "passwd.h"

/* Fill M's origin, root, verdict and reason. DB names the ids in the reason. */
void predict_mount(struct mount *m, const struct identity *who, const struct pwdb *db);

/* "name (uid N)" or "uid N"; owned. */
char *describe_user(const struct pwdb *db, long uid);
/* "name (gid N)" or "gid N"; owned. */
char *describe_group(const struct pwdb *db, long gid);
/* "mailhog (uid 1000, gid 1000)"; owned. */
char *describe_identity(const struct identity *who, const struct pwdb *db);

#endif
