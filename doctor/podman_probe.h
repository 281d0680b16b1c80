/* Reading a service's files on Podman. Podman's archive endpoint gives every file
 * it sends the owner of the container's user (libpod chowns what it copies out),
 * so the doctor reads the image's files from the probe container's export, and an
 * existing volume's root from its directory on the host. */
#ifndef VOLOWN_DOCTOR_PODMAN_PROBE_H
#define VOLOWN_DOCTOR_PODMAN_PROBE_H

#include <stdbool.h>

#include "engine.h"
#include "engine_info.h"
#include "model.h"

/* From the export of container ID: the image's /etc/passwd and /etc/group into
 * S->image, and each mount target's owner, mode and type into its image_dir.
 * Returns 0 or -1 with *err. */
int podman_read_image(struct engine *e, const char *id, struct service *s, char **err);

/* The root of existing volume NAME, seen from the container (through EI's maps):
 * its owner, mode and whether it holds anything. Needs the engine's host: over TCP
 * it fails with the reason in *err. Returns 0 or -1. */
int podman_volume_root(struct engine *e, const struct engine_info *ei, const char *name,
		       struct node *n, bool *nonempty, char **err);

#endif
