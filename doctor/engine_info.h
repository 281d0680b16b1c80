/* Which engine answers, and how it maps ids: Docker or Podman; rootful, rootless,
 * or with user-namespace remapping; and the maps from container ids to host ids. */
#ifndef VOLOWN_DOCTOR_ENGINE_INFO_H
#define VOLOWN_DOCTOR_ENGINE_INFO_H

#include <stdbool.h>

#include "engine.h"
#include "idmap.h"

enum engine_kind { ENGINE_DOCKER, ENGINE_PODMAN };

enum userns_mode {
	USERNS_NONE,	 /* container ids are host ids */
	USERNS_REMAP,	 /* dockerd --userns-remap */
	USERNS_ROOTLESS, /* rootless Docker or rootless Podman */
};

struct engine_info {
	enum engine_kind kind;
	char *name; /* "Docker 20.10.24+dfsg1", "Podman 4.3.1" */
	enum userns_mode userns;
	bool maps_known;	 /* with a user namespace: the maps below were learned */
	struct idmap uids, gids; /* container -> host; empty without a user namespace */
	char *maps_from;	 /* how they were learned, or why they could not be */
};

/* Ask the engine (GET /version, /info, Podman's /libpod/info) and read the
 * subordinate id files where the engine does not say. Returns 0 or -1 with *err. */
int engine_describe(struct engine *e, struct engine_info *ei, char **err);
void engine_info_free(struct engine_info *ei);

/* One line for the report: "Podman 4.3.1, rootless: container ids 0 -> 1001, ..." (owned). */
char *engine_info_describe(const struct engine_info *ei);

/* Whether the engine gives named volume NAME's root to the container's user when a
 * container first mounts it: Podman does for a new volume and one not mounted yet
 * (its NeedsChown), Docker never. EXISTS: the volume exists now. Returns 0 or -1. */
int engine_volume_chowns(struct engine *e, const struct engine_info *ei, const char *name,
			 bool exists, bool *chowns, char **err);

/* The host uid (gid) of container uid (gid) ID: ID without a user namespace, -1
 * when it has none or the maps are not known. */
long engine_host_uid(const struct engine_info *ei, long id);
long engine_host_gid(const struct engine_info *ei, long id);

#endif
