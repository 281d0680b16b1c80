/* What the engine knows: an image's configuration, and — through a container that
 * is created, never started, and removed — the image's /etc/passwd, /etc/group,
 * each mount target inside the image, and the roots of existing named volumes. */
#ifndef VOLOWN_DOCTOR_IMAGE_H
#define VOLOWN_DOCTOR_IMAGE_H

#include "engine.h"
#include "model.h"

/* Read the image S->image_ref into S->image. Returns 0 (S->image.found says
 * whether the engine has it), or -1 with *err set. */
int inspect_image(struct engine *e, struct service *s, char **err);

/* Gather every mount's facts for S, whose image was found. Returns 0 or -1. */
int probe_service(struct engine *e, const struct project *p, struct service *s, char **err);

/* Remove the probe containers that this run made and that are still there (after
 * a signal). */
void remove_leftover_probes(struct engine *e);

void image_free(struct image *img);

#endif
