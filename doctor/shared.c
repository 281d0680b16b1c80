#include "shared.h"

#include <stdlib.h>
#include <string.h>

#include "engine_info.h"
#include "passwd.h"
#include "predict.h"

#define MAX_USERS 6 /* every order of up to 6 services: 720 */

struct user {
	struct service *s;
	struct mount *m;
};

static const struct service *find(const struct project *p, const char *name)
{
	for (size_t i = 0; i < p->n_services; i++)
		if (!strcmp(p->services[i].name, name))
			return &p->services[i];
	return NULL;
}

static bool depends_on(const struct project *p, const struct service *b, const struct service *a,
		       int depth)
{
	if (depth > 64)
		return false;
	for (size_t i = 0; i < b->depends.n; i++) {
		const struct service *d = find(p, b->depends.v[i]);

		if (d == a || (d && d != b && depends_on(p, d, a, depth + 1)))
			return true;
	}
	return false;
}

bool starts_before(const struct project *p, const struct service *a, const struct service *b)
{
	return depends_on(p, b, a, 0);
}

/* Whether the order ORDER[0..n) keeps every dependency. */
static bool order_allowed(const struct project *p, const struct user *u, const size_t *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (starts_before(p, u[order[j]].s, u[order[i]].s))
				return false;
	return true;
}

struct outcome {
	struct node root[MAX_USERS];
	enum origin origin[MAX_USERS];
	bool seen[MAX_USERS]; /* some allowed order gave this service a root */
	bool differs[MAX_USERS];
	struct node worst[MAX_USERS];
	enum origin worst_origin[MAX_USERS];
	size_t worst_first[MAX_USERS]; /* who came first in the worst case */
};

static bool node_equal(const struct node *a, const struct node *b)
{
	return a->exists == b->exists && a->uid == b->uid && a->gid == b->gid && a->mode == b->mode;
}

/* Create the containers in ORDER and record what each one finds. */
static void simulate(const struct user *u, const size_t *order, size_t n, struct outcome *o)
{
	const struct mount *m0 = u[0].m;
	struct volume_state st = { .exists = m0->existing.exists, .nonempty = m0->existing_nonempty,
				   .root = m0->existing };

	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		struct node root = { 0 };
		enum origin origin = volume_step(u[i].m, &st, &root);

		if (!o->seen[i]) {
			o->seen[i] = true;
			o->root[i] = o->worst[i] = root;
			o->origin[i] = o->worst_origin[i] = origin;
			o->worst_first[i] = order[0];
		} else if (!node_equal(&o->root[i], &root)) {
			o->differs[i] = true;
			/* keep the root this service's user cannot write, if one is */
			if (can_write(&u[i].s->who, &o->worst[i]) && !can_write(&u[i].s->who, &root)) {
				o->worst[i] = root;
				o->worst_origin[i] = origin;
				o->worst_first[i] = order[0];
			}
		}
	}
}

/* Every permutation of [0, n) that the dependencies allow. */
static void each_order(const struct project *p, const struct user *u, size_t *order, size_t k, size_t n,
		       struct outcome *o)
{
	if (k == n) {
		if (order_allowed(p, u, order, n))
			simulate(u, order, n, o);
		return;
	}
	for (size_t i = k; i < n; i++) {
		size_t t = order[k];

		order[k] = order[i];
		order[i] = t;
		each_order(p, u, order, k + 1, n, o);
		order[i] = order[k];
		order[k] = t;
	}
}

static void explain(struct user *u, size_t n, size_t i, const struct outcome *o)
{
	struct buf b = { 0 };

	buf_printf(&b, "the volume %s is shared with ", u[i].m->volume_name);
	for (size_t j = 0, k = 0; j < n; j++)
		if (j != i)
			buf_printf(&b, "%s%s", k++ ? ", " : "", u[j].s->name);
	if (o->differs[i])
		buf_printf(&b, ", and these do not depend on each other, so compose creates their "
			   "containers in any order and the first one fills the volume: when %s is first, "
			   "this is what %s finds (its own image's directory is not copied into a volume "
			   "that holds something already)", u[o->worst_first[i]].s->name, u[i].s->name);
	else if (o->worst_first[i] != i)
		buf_printf(&b, "; %s's container is created first and fills it, so the image's directory "
			   "of %s is not what decides", u[o->worst_first[i]].s->name, u[i].s->name);
	else
		buf_adds(&b, "; this service's container is created first and fills it");
	free(u[i].m->shared);
	u[i].m->shared = buf_steal(&b);
	u[i].m->root = o->worst[i];
	u[i].m->origin = o->worst_origin[i];
}

static void predict_one(struct project *p, const char *volume)
{
	struct user u[MAX_USERS];
	size_t n = 0, order[MAX_USERS];
	struct outcome o;

	for (size_t i = 0; i < p->n_services; i++) {
		struct service *s = &p->services[i];

		if (s->error)
			continue;
		for (size_t j = 0; j < s->n_mounts && n < MAX_USERS; j++) {
			struct mount *m = &s->mounts[j];

			if (m->type == MOUNT_VOLUME && m->volume_name && !m->from_service && !m->refused &&
			    !strcmp(m->volume_name, volume)) {
				u[n].s = s;
				u[n++].m = m;
				break;
			}
		}
	}
	if (n < 2)
		return;
	memset(&o, 0, sizeof(o));
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	each_order(p, u, order, 0, n, &o);
	for (size_t i = 0; i < n; i++)
		if (o.seen[i])
			explain(u, n, i, &o);
}

void predict_shared_volumes(struct project *p)
{
	struct strv done = { 0 };

	/* Podman copies or chowns at a volume's first mount only: rootful Docker's rule
	 * below is not its own, and each prediction stays the service's. */
	if (p->engine && p->engine->kind == ENGINE_PODMAN)
		return;

	for (size_t i = 0; i < p->n_services; i++) {
		const struct service *s = &p->services[i];

		for (size_t j = 0; j < s->n_mounts; j++) {
			const struct mount *m = &s->mounts[j];

			if (m->type != MOUNT_VOLUME || !m->volume_name || m->from_service ||
			    strv_contains(&done, m->volume_name))
				continue;
			strv_push(&done, m->volume_name);
			predict_one(p, m->volume_name);
		}
	}
	strv_free(&done);
}
