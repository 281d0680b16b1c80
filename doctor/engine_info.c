#include "engine_info.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"
#define SUBID_LIMIT (1u << 20)

/* The content of a small text file, or NULL (errno set). */
static char *slurp(const char *path)
{
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < SUBID_LIMIT)
		buf_add(&b, chunk, n);
	fclose(f);
	if (!b.data)
		buf_adds(&b, "");
	return buf_steal(&b);
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Docker or Podman, and its version, from GET /version. */
static int identify(struct engine *e, struct engine_info *ei, char **err)
{
	json_t *v = NULL, *c;
	size_t i;
	long status = engine_json(e, "GET", "/version", NULL, &v, err);

	if (status != 200) {
		if (!*err)
			*err = xasprintf("GET /version: HTTP status %ld", status);
		json_decref(v);
		return -1;
	}
	ei->kind = ENGINE_DOCKER;
	json_array_foreach(json_object_get(v, "Components"), i, c) {
		const char *name = jstr(c, "Name");

		if (name && strcmp(name, "Podman Engine") == 0) {
			ei->kind = ENGINE_PODMAN;
			ei->name = xasprintf("Podman %s", jstr(c, "Version") ? jstr(c, "Version") : "?");
		}
	}
	if (!ei->name)
		ei->name = xasprintf("Docker %s", jstr(v, "Version") ? jstr(v, "Version") : "?");
	json_decref(v);
	return 0;
}

/* Podman says itself: /libpod/info's host.security.rootless and host.idMappings. */
static int podman_maps(struct engine *e, struct engine_info *ei, char **err)
{
	json_t *info = NULL, *host, *r;
	const char *keys[] = { "uidmap", "gidmap" };
	struct idmap *maps[] = { &ei->uids, &ei->gids };
	size_t i;
	long status = engine_json(e, "GET", "/libpod/info", NULL, &info, err);

	if (status != 200) {
		if (!*err)
			*err = xasprintf("GET /libpod/info: HTTP status %ld", status);
		json_decref(info);
		return -1;
	}
	host = json_object_get(info, "host");
	if (!json_is_true(json_object_get(json_object_get(host, "security"), "rootless"))) {
		json_decref(info);
		return 0;
	}
	ei->userns = USERNS_ROOTLESS;
	for (int k = 0; k < 2; k++)
		json_array_foreach(json_object_get(json_object_get(host, "idMappings"), keys[k]), i, r)
			idmap_add(maps[k], (long)json_integer_value(json_object_get(r, "container_id")),
				  (long)json_integer_value(json_object_get(r, "host_id")),
				  (long)json_integer_value(json_object_get(r, "size")));
	ei->maps_known = ei->uids.n > 0 && ei->gids.n > 0;
	ei->maps_from = xstrdup(ei->maps_known ? "Podman's /libpod/info"
					       : "Podman's /libpod/info gave no id maps");
	json_decref(info);
	return 0;
}

/* --userns-remap: the data root ends in "UID.GID", the host ids of the container's
 * root; the rest of each range comes from the subordinate id files, if the user
 * whose range starts there is in them, else 65536 ids are assumed (the default). */
static void remap_maps(struct engine_info *ei, const char *root_dir)
{
	const char *last = root_dir ? strrchr(root_dir, '/') : NULL;
	long start[2];
	char dot;
	const char *files[] = { SUBUID_FILE, SUBGID_FILE };
	struct idmap *maps[] = { &ei->uids, &ei->gids };
	struct buf from = { 0 };

	if (!last || sscanf(last + 1, "%ld.%ld%c", &start[0], &start[1], &dot) != 2) {
		ei->maps_from = xasprintf("the engine's data root \"%s\" does not end in UID.GID",
					  root_dir ? root_dir : "");
		return;
	}
	buf_printf(&from, "the data root %s", root_dir);
	for (int k = 0; k < 2; k++) {
		char *text = slurp(files[k]);
		char *owner = text ? subid_owner_at(text, start[k]) : NULL;

		if (owner && subid_append(maps[k], text, owner, -1, 0) > 0 && maps[k]->v[0].outside == start[k]) {
			buf_printf(&from, "%s %s (user %s)", k ? " and" : ",", files[k], owner);
		} else {
			idmap_free(maps[k]);
			idmap_add(maps[k], 0, start[k], 65536);
			buf_printf(&from, "%s 65536 ids assumed from %ld (no range starting there in %s)",
				   k ? " and" : ",", start[k], files[k]);
		}
		free(owner);
		free(text);
	}
	ei->maps_known = true;
	ei->maps_from = buf_steal(&from);
}

/* Rootless Docker runs as the user who owns its socket: the container's root is
 * that user, and the ids from 1 are its subordinate ids. */
static void rootless_docker_maps(struct engine *e, struct engine_info *ei)
{
	const char *sock = engine_socket(e);
	const char *files[] = { SUBUID_FILE, SUBGID_FILE };
	struct idmap *maps[] = { &ei->uids, &ei->gids };
	struct passwd *pw;
	struct stat st;

	if (!sock) {
		ei->maps_from = xstrdup("over TCP the doctor cannot tell which user runs the engine");
		return;
	}
	if (stat(sock, &st) < 0) {
		ei->maps_from = xasprintf("cannot stat the socket %s: %s", sock, strerror(errno));
		return;
	}
	pw = getpwuid(st.st_uid);
	for (int k = 0; k < 2; k++) {
		char *text = slurp(files[k]);
		/* rootlesskit maps 0 to the user's uid and primary gid (the socket's group
		 * is dockerd's --group, not that). */
		long own = k ? (pw ? (long)pw->pw_gid : (long)st.st_gid) : (long)st.st_uid;

		idmap_add(maps[k], 0, own, 1);
		if (!text || subid_append(maps[k], text, pw ? pw->pw_name : NULL, (long)st.st_uid, 1) == 0) {
			ei->maps_from = xasprintf("the socket belongs to uid %ld, who has no subordinate ids "
						  "in %s", (long)st.st_uid, files[k]);
			free(text);
			return;
		}
		free(text);
	}
	ei->maps_known = true;
	ei->maps_from = xasprintf("the socket's owner %s (uid %ld) and /etc/subuid, /etc/subgid",
				  pw ? pw->pw_name : "?", (long)st.st_uid);
}

static int docker_maps(struct engine *e, struct engine_info *ei, char **err)
{
	json_t *info = NULL, *opt;
	size_t i;
	long status = engine_json(e, "GET", "/info", NULL, &info, err);

	if (status != 200) {
		if (!*err)
			*err = xasprintf("GET /info: HTTP status %ld", status);
		json_decref(info);
		return -1;
	}
	json_array_foreach(json_object_get(info, "SecurityOptions"), i, opt) {
		const char *s = json_string_value(opt);

		if (s && (strcmp(s, "name=userns") == 0 || strncmp(s, "name=userns,", 12) == 0))
			ei->userns = USERNS_REMAP;
		else if (s && (strcmp(s, "name=rootless") == 0 || strncmp(s, "name=rootless,", 14) == 0))
			ei->userns = USERNS_ROOTLESS;
	}
	if (ei->userns == USERNS_REMAP)
		remap_maps(ei, jstr(info, "DockerRootDir"));
	else if (ei->userns == USERNS_ROOTLESS)
		rootless_docker_maps(e, ei);
	json_decref(info);
	return 0;
}

int engine_describe(struct engine *e, struct engine_info *ei, char **err)
{
	memset(ei, 0, sizeof(*ei));
	*err = NULL;
	if (identify(e, ei, err) < 0)
		return -1;
	return ei->kind == ENGINE_PODMAN ? podman_maps(e, ei, err) : docker_maps(e, ei, err);
}

void engine_info_free(struct engine_info *ei)
{
	free(ei->name);
	free(ei->maps_from);
	idmap_free(&ei->uids);
	idmap_free(&ei->gids);
	memset(ei, 0, sizeof(*ei));
}

char *engine_info_describe(const struct engine_info *ei)
{
	char *uids, *gids, *s;
	const char *mode = ei->userns == USERNS_REMAP ? "with user-namespace remapping" : "rootless";

	if (ei->userns == USERNS_NONE)
		return xasprintf("%s%s", ei->name, ei->kind == ENGINE_PODMAN ? ", rootful" : "");
	if (!ei->maps_known)
		return xasprintf("%s %s; the id maps are not known: %s", ei->name, mode, ei->maps_from);
	uids = idmap_describe(&ei->uids);
	gids = idmap_describe(&ei->gids);
	s = xasprintf("%s %s: container uids %s, gids %s on the host (from %s)", ei->name, mode, uids,
		      gids, ei->maps_from);
	free(uids);
	free(gids);
	return s;
}

int engine_volume_chowns(struct engine *e, const struct engine_info *ei, const char *name,
			 bool exists, bool *chowns, char **err)
{
	char *q, *path;
	json_t *v = NULL;
	long status;

	*chowns = false;
	if (ei->kind != ENGINE_PODMAN)
		return 0;
	if (!exists) {
		*chowns = true;
		return 0;
	}
	q = engine_escape(e, name);
	path = xasprintf("/libpod/volumes/%s/json", q);
	status = engine_json(e, "GET", path, NULL, &v, err);
	free(q);
	free(path);
	if (status == 200)
		*chowns = json_is_true(json_object_get(v, "NeedsChown"));
	json_decref(v);
	return status == 200 ? 0 : -1;
}

static long host_id(const struct engine_info *ei, const struct idmap *m, long id)
{
	if (ei->userns == USERNS_NONE)
		return id;
	return ei->maps_known ? idmap_to_host(m, id) : -1;
}

long engine_host_uid(const struct engine_info *ei, long id)
{
	return host_id(ei, &ei->uids, id);
}

long engine_host_gid(const struct engine_info *ei, long id)
{
	return host_id(ei, &ei->gids, id);
}
