/* A named volume that several services mount: the container the engine creates
 * first fills a new or empty volume with its image's directory, and the others find
 * it so. compose creates services that do not depend on each other in parallel, so
 * then any of them may be first. Pure: works on the facts already gathered. */
#ifndef VOLOWN_DOCTOR_SHARED_H
#define VOLOWN_DOCTOR_SHARED_H

#include "model.h"

/* For every named volume that two or more checked services mount (not through
 * volumes_from), set each such mount's root, origin and `shared` reason from every
 * order the engine may create the containers in, the worst root winning. Services
 * are ordered by their `depends` (depends_on, links, volumes_from, network_mode). */
void predict_shared_volumes(struct project *p);

/* Whether service A is started before service B (B depends on A, directly or not). */
bool starts_before(const struct project *p, const struct service *a, const struct service *b);

#endif
