#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "passwd.h"

static void mount_free(struct mount *m)
{
	free(m->source);
	free(m->target);
	free(m->volume_name);
	free(m->reason);
	free(m->device);
	free(m->refused);
	free(m->from_image);
	free(m->from_service);
	free(m->shared);
}

void service_free(struct service *s)
{
	free(s->name);
	free(s->image_ref);
	free(s->user);
	free(s->error);
	strv_free(&s->entrypoint);
	strv_free(&s->command);
	strv_free(&s->warnings);
	strv_free(&s->cap_add);
	strv_free(&s->cap_drop);
	strv_free(&s->group_add);
	strv_free(&s->profiles);
	strv_free(&s->volumes_from);
	strv_free(&s->depends);
	free(s->user_switch);
	for (size_t i = 0; i < s->n_mounts; i++)
		mount_free(&s->mounts[i]);
	free(s->mounts);
	image_free(&s->image);
	identity_free(&s->who);
	memset(s, 0, sizeof(*s));
}

void project_free(struct project *p)
{
	for (size_t i = 0; i < p->n_services; i++)
		service_free(&p->services[i]);
	free(p->services);
	free(p->name);
	free(p->dir);
	free(p->version);
	free(p->volown_binary);
	strv_free(&p->files);
	strv_free(&p->skipped);
	strv_free(&p->warnings);
	memset(p, 0, sizeof(*p));
}
