#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_info.h"
#include "podman_probe.h"
#include "tar.h"

#define PROBE_DIR "/.volown-doctor-probe"
#define FILE_LIMIT (4u << 20)
#define NODE_LIMIT 4096u

static const char *str_or(const char *s, const char *fallback)
{
	return s ? s : fallback;
}

static void read_strv(const json_t *arr, struct strv *out)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			strv_push(out, json_string_value(v));
}

int inspect_image(struct engine *e, struct service *s, char **err)
{
	char *ref = engine_escape(e, s->image_ref);
	char *path = xasprintf("/images/%s/json", ref);
	json_t *info = NULL, *config;
	long status = engine_json(e, "GET", path, NULL, &info, err);

	free(ref);
	free(path);
	if (status == 404) {
		free(*err);
		*err = NULL;
		s->image.found = false;
		return 0;
	}
	if (status != 200)
		return -1;
	config = json_object_get(info, "Config");
	s->image.found = true;
	s->image.id = xstrdup(str_or(json_string_value(json_object_get(info, "Id")), s->image_ref));
	s->image.user = xstrdup(str_or(json_string_value(json_object_get(config, "User")), ""));
	s->image.workdir = xstrdup(str_or(json_string_value(json_object_get(config, "WorkingDir")), ""));
	read_strv(json_object_get(config, "Entrypoint"), &s->image.entrypoint);
	read_strv(json_object_get(config, "Cmd"), &s->image.cmd);
	json_decref(info);
	return 0;
}

/* GET the archive of PATH in container ID, keeping at most LIMIT bytes. Returns
 * the HTTP status. */
static long fetch_archive(struct engine *e, const char *id, const char *path, size_t limit,
			  struct buf *out, char **err)
{
	char *q = engine_escape(e, path);
	char *url = xasprintf("/containers/%s/archive?path=%s", id, q);
	long status = engine_request(e, "GET", url, NULL, out, limit, err);

	free(q);
	free(url);
	return status;
}

/* The owner, mode and type of PATH in the container, and whether a directory
 * holds anything. Returns 0 (n->exists says whether it is there) or -1. */
static int read_node(struct engine *e, const char *id, const char *path, struct node *n,
		     bool *nonempty, char **err)
{
	struct buf b = { 0 };
	struct tar_entry t;
	size_t off = 0;
	long status = fetch_archive(e, id, path, NODE_LIMIT, &b, err);

	memset(n, 0, sizeof(*n));
	if (status == 404) {
		buf_free(&b);
		return 0;
	}
	if (status != 200) {
		if (!*err)
			*err = xasprintf("reading \"%s\" in the image: HTTP status %ld", path, status);
		buf_free(&b);
		return -1;
	}
	if (tar_next((const unsigned char *)b.data, b.len, &off, &t) != TAR_ENTRY) {
		*err = xasprintf("reading \"%s\" in the image: the engine sent no usable archive", path);
		buf_free(&b);
		return -1;
	}
	n->exists = true;
	n->is_dir = t.type == '5';
	n->uid = t.uid;
	n->gid = t.gid;
	n->mode = t.mode;
	tar_entry_free(&t);
	if (nonempty) {
		enum tar_result r = tar_next((const unsigned char *)b.data, b.len, &off, &t);

		*nonempty = r == TAR_ENTRY || r == TAR_SHORT;
		if (r == TAR_ENTRY)
			tar_entry_free(&t);
	}
	buf_free(&b);
	return 0;
}

/* The content of a small file of the image, or NULL when there is none. */
static int read_small_file(struct engine *e, const char *id, const char *path, char **out, char **err)
{
	struct buf b = { 0 };
	struct tar_entry t;
	size_t off = 0;
	long status = fetch_archive(e, id, path, FILE_LIMIT, &b, err);

	*out = NULL;
	if (status == 404) {
		buf_free(&b);
		return 0;
	}
	if (status != 200) {
		buf_free(&b);
		return -1;
	}
	if (tar_next((const unsigned char *)b.data, b.len, &off, &t) == TAR_ENTRY && t.type == '0' && t.data)
		*out = xstrndup((const char *)t.data, t.size);
	tar_entry_free(&t);
	buf_free(&b);
	return 0;
}

/* Look up the named volume of M: does it exist? */
static int volume_exists(struct engine *e, const char *name, bool *exists, char **err)
{
	char *q = engine_escape(e, name);
	char *path = xasprintf("/volumes/%s", q);
	json_t *info = NULL;
	long status = engine_json(e, "GET", path, NULL, &info, err);

	free(q);
	free(path);
	json_decref(info);
	if (status == 404) {
		free(*err);
		*err = NULL;
		*exists = false;
		return 0;
	}
	*exists = status == 200;
	return status == 200 ? 0 : -1;
}

/* The body of POST /containers/create for the probe: the image, a command that
 * is never run, and (WITH_VOLUMES) every existing volume mounted read-only without
 * copying. */
static json_t *probe_spec(const struct service *s, bool with_volumes)
{
	json_t *mounts = json_array();

	for (size_t i = 0; with_volumes && i < s->n_mounts; i++) {
		const struct mount *m = &s->mounts[i];
		char *target;

		if (m->type != MOUNT_VOLUME || !m->volume_name || !m->existing.exists)
			continue;
		target = xasprintf(PROBE_DIR "/%zu", i);
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b, s:{s:b}}", "Type", "volume",
							"Source", m->volume_name, "Target", target,
							"ReadOnly", 1, "VolumeOptions", "NoCopy", 1));
		free(target);
	}
	return json_pack("{s:s, s:[s], s:[], s:b, s:{s:s}, s:{s:o}}", "Image", s->image.id,
			 "Entrypoint", PROBE_DIR "/never-run", "Cmd", "NetworkDisabled", 1,
			 "Labels", "volown.doctor.probe", "1", "HostConfig", "Mounts", mounts);
}

static int create_probe(struct engine *e, const struct service *s, bool with_volumes, char **id,
			char **err)
{
	static unsigned counter;
	json_t *spec = probe_spec(s, with_volumes);
	json_t *answer = NULL;
	char *path = xasprintf("/containers/create?name=volown-doctor-probe-%ld-%u", (long)getpid(), counter++);
	long status = engine_json(e, "POST", path, spec, &answer, err);
	const char *cid = json_string_value(json_object_get(answer, "Id"));

	free(path);
	json_decref(spec);
	if (status != 201 || !cid) {
		json_decref(answer);
		if (!*err)
			*err = xasprintf("creating a probe container of %s: HTTP status %ld", s->image_ref, status);
		return -1;
	}
	*id = xstrdup(cid);
	json_decref(answer);
	return 0;
}

static void remove_probe(struct engine *e, const char *id)
{
	char *path = xasprintf("/containers/%s?v=1&force=1", id);
	struct buf b = { 0 };
	char *err = NULL;
	long status = engine_request(e, "DELETE", path, NULL, &b, 4096, &err);

	if (status != 204 && status != 404)
		warnx("could not remove the probe container %.12s: %s", id, err ? err : b.data ? b.data : "");
	free(err);
	buf_free(&b);
	free(path);
}

static void stat_host(const char *path, struct node *n)
{
	struct stat st;

	memset(n, 0, sizeof(*n));
	if (stat(path, &st) < 0)
		return;
	n->exists = true;
	n->is_dir = S_ISDIR(st.st_mode);
	n->uid = (long)st.st_uid;
	n->gid = (long)st.st_gid;
	n->mode = st.st_mode & 07777;
}

static int read_mounts(struct engine *e, const char *id, struct service *s, char **err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount *m = &s->mounts[i];

		if (read_node(e, id, m->target, &m->image_dir, NULL, err) < 0)
			return -1;
		if (m->type == MOUNT_VOLUME && m->existing.exists) {
			char *path = xasprintf(PROBE_DIR "/%zu", i);
			int rc = read_node(e, id, path, &m->existing, &m->existing_nonempty, err);

			free(path);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* On Podman: the volumes' roots from the host, the image's files from the export
 * (see podman_probe.h); the probe mounts no volume, whose first mount would give it
 * to the probe's user. */
static int probe_podman(struct engine *e, const struct engine_info *ei, struct service *s, char **err)
{
	char *id = NULL;
	int rc = 0;

	for (size_t i = 0; i < s->n_mounts && rc == 0; i++) {
		struct mount *m = &s->mounts[i];

		if (m->type == MOUNT_VOLUME && m->existing.exists)
			rc = podman_volume_root(e, ei, m->volume_name, &m->existing, &m->existing_nonempty, err);
	}
	if (rc < 0 || create_probe(e, s, false, &id, err) < 0)
		return -1;
	rc = podman_read_image(e, id, s, err);
	remove_probe(e, id);
	free(id);
	return rc;
}

int probe_service(struct engine *e, const struct project *p, struct service *s, char **err)
{
	char *id = NULL;
	int rc;

	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount *m = &s->mounts[i];

		if (m->type == MOUNT_BIND)
			stat_host(m->source, &m->existing);
		else if (m->type == MOUNT_VOLUME && m->volume_name &&
			 volume_exists(e, m->volume_name, &m->existing.exists, err) < 0)
			return -1;
	}
	if (p->engine && p->engine->kind == ENGINE_PODMAN)
		return probe_podman(e, p->engine, s, err);
	if (create_probe(e, s, true, &id, err) < 0)
		return -1;
	rc = read_small_file(e, id, "/etc/passwd", &s->image.passwd, err);
	if (rc == 0)
		rc = read_small_file(e, id, "/etc/group", &s->image.group, err);
	if (rc == 0)
		rc = read_mounts(e, id, s, err);
	remove_probe(e, id);
	free(id);
	return rc;
}

void image_free(struct image *img)
{
	free(img->id);
	free(img->user);
	free(img->workdir);
	free(img->passwd);
	free(img->group);
	strv_free(&img->entrypoint);
	strv_free(&img->cmd);
	memset(img, 0, sizeof(*img));
}
