#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_info.h"
#include "podman_probe.h"
#include "check.h"
#include "interrupt.h"
#include "mountspec.h"
#include "tar.h"

#define PROBE_DIR "/.volown-doctor-probe"
#define FILE_LIMIT (4u << 20)
#define NODE_LIMIT 4096u
#define SCRIPT_LIMIT (64u << 10)

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
	read_strv(json_object_get(config, "Env"), &s->image.env);
	{
		const char *key;
		json_t *v;

		json_object_foreach(json_object_get(config, "Volumes"), key, v)
			strv_push(&s->image.volumes, key);
	}
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

/* Whether a 404 from the engine says that the container itself is gone, not the path. */
static bool container_gone(const struct buf *b)
{
	return b->data && strstr(b->data, "No such container");
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
	if (nonempty)
		*nonempty = false;
	if (status == 404 && container_gone(&b)) {
		*err = xasprintf("the probe container %.12s was removed while it was read (by another "
				 "program?), so \"%s\" could not be looked at", id, path);
		buf_free(&b);
		return -1;
	}
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

/* The content of a small file of the image (its first LIMIT bytes), or NULL when
 * there is none. */
static int read_small_file(struct engine *e, const char *id, const char *path, size_t limit,
			   bool partial_ok, char **out, char **err)
{
	struct buf b = { 0 };
	struct tar_entry t;
	size_t off = 0;
	long status = fetch_archive(e, id, path, limit, &b, err);

	*out = NULL;
	if (status == 404 && container_gone(&b)) {
		*err = xasprintf("the probe container %.12s was removed while it was read (by another "
				 "program?), so \"%s\" could not be looked at", id, path);
		buf_free(&b);
		return -1;
	}
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
	if (tar_next((const unsigned char *)b.data, b.len, &off, &t) == TAR_ENTRY && t.type == '0') {
		if (t.have == t.size || partial_ok)
			*out = xstrndup((const char *)t.part, t.have);
		else
			*err = xasprintf("\"%s\" in the image is larger than %zu bytes", path, limit);
	}
	if (*err) {
		tar_entry_free(&t);
		buf_free(&b);
		return -1;
	}
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
static json_t *probe_spec(const struct project *p, const struct service *s, bool with_volumes,
			  const char *run)
{
	json_t *mounts = json_array();

	for (size_t i = 0; with_volumes && i < s->n_mounts; i++) {
		const struct mount *m = &s->mounts[i];
		char *target;

		if (m->type != MOUNT_VOLUME || !m->volume_name || !m->existing.exists || m->device ||
		    m->from_service)
			continue;
		target = xasprintf(PROBE_DIR "/%zu", i);
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b, s:{s:b}}", "Type", "volume",
							"Source", m->volume_name, "Target", target,
							"ReadOnly", 1, "VolumeOptions", "NoCopy", 1));
		free(target);
	}
	return json_pack("{s:s, s:[s], s:[], s:b, s:{s:s, s:s, s:s}, s:{s:o}}", "Image", s->image.id,
			 "Entrypoint", PROBE_DIR "/never-run", "Cmd", "NetworkDisabled", 1, "Labels",
			 "volown.doctor.probe", "1", "volown.doctor.project", p->name, "volown.doctor.run",
			 run, "HostConfig", "Mounts", mounts);
}

/* This run's probes that may exist on the engine: removed before the doctor ends,
 * whatever ends it. */
static struct strv live_probes;

/* 16 hex digits that no other run shares. */
static const char *run_id(void)
{
	static char id[17];
	unsigned char r[8];

	if (!id[0]) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			memcpy(r, &ts.tv_nsec, 4);
			memcpy(r + 4, &(pid_t){ getpid() }, 4);
		}
		for (size_t i = 0; i < sizeof(r); i++)
			snprintf(id + 2 * i, 3, "%02x", r[i]);
	}
	return id;
}

static void forget_probe(const char *name)
{
	for (size_t i = 0; i < live_probes.n; i++) {
		if (!strcmp(live_probes.v[i], name)) {
			free(live_probes.v[i]);
			live_probes.v[i] = live_probes.v[--live_probes.n];
			live_probes.v[live_probes.n] = NULL;
			return;
		}
	}
}

/* Remove the probe NAME (with its anonymous volumes), even while a signal is pending. */
static void remove_probe(struct engine *e, const char *name)
{
	char *path = xasprintf("/containers/%s?v=1&force=1", name);
	struct buf b = { 0 };
	char *err = NULL;
	long status;

	interrupt_hold();
	status = engine_request(e, "DELETE", path, NULL, &b, 4096, &err);
	interrupt_release();
	/* 409 "removal ... already in progress": someone else removes it, it goes all the same */
	if (status == 204 || status == 404 || (status == 409 && b.data && strstr(b.data, "in progress")))
		forget_probe(name);
	else
		warnx("could not remove the probe container %s: %s", name,
		      err ? err : b.data ? b.data : "no answer");
	free(err);
	buf_free(&b);
	free(path);
}

void remove_leftover_probes(struct engine *e)
{
	while (live_probes.n > 0) {
		size_t before = live_probes.n;
		char *name = xstrdup(live_probes.v[live_probes.n - 1]);

		remove_probe(e, name);
		if (live_probes.n == before)
			forget_probe(name); /* could not: said so, go on with the others */
		free(name);
	}
	strv_free(&live_probes);
}

static int create_probe(struct engine *e, const struct project *p, const struct service *s,
			bool with_volumes, char **name, char **err)
{
	static unsigned counter;
	json_t *spec = probe_spec(p, s, with_volumes, run_id());
	json_t *answer = NULL;
	char *path;
	long status;

	*name = xasprintf("volown-probe-%s-%s-%u", p->name, run_id(), counter++);
	/* Known before the engine answers: a signal during the request still removes it. */
	strv_push(&live_probes, *name);
	path = xasprintf("/containers/create?name=%s", *name);
	status = engine_json(e, "POST", path, spec, &answer, err);
	free(path);
	json_decref(spec);
	json_decref(answer);
	if (status != 201) {
		if (!*err)
			*err = xasprintf("creating a probe container of %s: HTTP status %ld", s->image_ref, status);
		remove_probe(e, *name);
		free(*name);
		*name = NULL;
		return -1;
	}
	return 0;
}

/* Whether the probe NAME is still there: a 404 read from it means what it says. */
static int probe_still_there(struct engine *e, const char *name, char **err)
{
	char *path = xasprintf("/containers/%s/json", name);
	json_t *info = NULL;
	long status = engine_json(e, "GET", path, NULL, &info, err);

	free(path);
	json_decref(info);
	if (status == 200)
		return 0;
	free(*err);
	*err = status == 404 ? xasprintf("the probe container %s was removed while it was read (by "
					 "another program?): what it showed cannot be trusted", name)
			     : xasprintf("the probe container %s could not be looked up (HTTP status %ld)",
					 name, status);
	return -1;
}

static void stat_host(const char *path, struct node *n, bool *nonempty)
{
	struct stat st;

	memset(n, 0, sizeof(*n));
	if (nonempty)
		*nonempty = false;
	if (stat(path, &st) < 0)
		return;
	n->exists = true;
	n->is_dir = S_ISDIR(st.st_mode);
	n->uid = (long)st.st_uid;
	n->gid = (long)st.st_gid;
	n->mode = st.st_mode & 07777;
	if (nonempty && n->is_dir) {
		DIR *d = opendir(path);
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				*nonempty = true;
		if (d)
			closedir(d);
	}
}

static int read_mounts(struct engine *e, const char *id, struct service *s, char **err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount *m = &s->mounts[i];

		if (m->refused)
			continue;
		if (read_node(e, id, m->target, &m->image_dir, &m->image_dir_nonempty, err) < 0)
			return -1;
		if (m->type == MOUNT_VOLUME && m->existing.exists && !m->device && !m->from_service) {
			char *path = xasprintf(PROBE_DIR "/%zu", i);
			int rc = read_node(e, id, path, &m->existing, &m->existing_nonempty, err);

			free(path);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* The image's VOLUMEs that no mount of the service covers: anonymous volumes. */
static void add_image_volumes(struct service *s)
{
	for (size_t i = 0; i < s->image.volumes.n; i++) {
		char *target = resolve_host_path(s->image.volumes.v[i], "/", NULL);
		bool covered = false;
		struct mount m = { .type = MOUNT_VOLUME, .tmpfs_mode = -1, .tmpfs_uid = -1, .tmpfs_gid = -1 };

		for (size_t j = 0; j < s->n_mounts && !covered; j++)
			covered = !strcmp(s->mounts[j].target, target);
		if (covered) {
			free(target);
			continue;
		}
		m.target = target;
		m.from_image = xstrdup(s->image_ref);
		s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
		s->mounts[s->n_mounts++] = m;
	}
}

/* The start of the script that the service's command runs first, if it is one. */
static int read_entrypoint(struct engine *e, const char *id, struct service *s, char **err)
{
	struct strv cmd = { 0 }, dirs = { 0 };
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int rc = 0;

	effective_command(s, &cmd);
	if (cmd.n == 0)
		goto out;
	for (size_t i = 0; i < s->image.env.n; i++)
		if (!strncmp(s->image.env.v[i], "PATH=", 5))
			path = s->image.env.v[i] + 5;
	if (strchr(cmd.v[0], '/')) {
		strv_push(&dirs, "");
	} else {
		char *copy = xstrdup(path), *save = NULL;

		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			strv_push_owned(&dirs, xasprintf("%s/", d));
		free(copy);
	}
	for (size_t i = 0; i < dirs.n && !s->image.entrypoint_text && rc == 0; i++) {
		char *file = xasprintf("%s%s", dirs.v[i], cmd.v[0]);

		if (file[0] == '/')
			rc = read_small_file(e, id, file, SCRIPT_LIMIT, true, &s->image.entrypoint_text, err);
		free(file);
	}
out:
	strv_free(&cmd);
	strv_free(&dirs);
	return rc;
}

/* On Podman: the volumes' roots from the host, the image's files from the export
 * (see podman_probe.h); the probe mounts no volume, whose first mount would give it
 * to the probe's user. */
static int probe_podman(struct engine *e, const struct project *p, const struct engine_info *ei,
			struct service *s, char **err)
{
	char *id = NULL;
	int rc = 0;

	for (size_t i = 0; i < s->n_mounts && rc == 0; i++) {
		struct mount *m = &s->mounts[i];

		if (m->type == MOUNT_VOLUME && m->existing.exists && !m->device && !m->from_service)
			rc = podman_volume_root(e, ei, m->volume_name, &m->existing, &m->existing_nonempty, err);
	}
	if (rc < 0 || create_probe(e, p, s, false, &id, err) < 0)
		return -1;
	rc = podman_read_image(e, id, s, err);
	if (rc == 0)
		rc = probe_still_there(e, id, err);
	remove_probe(e, id);
	free(id);
	return rc;
}

int probe_service(struct engine *e, const struct project *p, struct service *s, char **err)
{
	char *name = NULL;
	int rc;

	add_image_volumes(s);
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount *m = &s->mounts[i];

		if (m->from_service)
			continue; /* as the other service's container has it */
		if (m->type == MOUNT_BIND && !m->refused)
			stat_host(m->source, &m->existing, NULL);
		else if (m->device)
			stat_host(m->device, &m->existing, &m->existing_nonempty);
		else if (m->type == MOUNT_VOLUME && m->volume_name &&
			 volume_exists(e, m->volume_name, &m->existing.exists, err) < 0)
			return -1;
	}
	if (p->engine && p->engine->kind == ENGINE_PODMAN)
		return probe_podman(e, p, p->engine, s, err);
	if (create_probe(e, p, s, true, &name, err) < 0)
		return -1;
	rc = read_small_file(e, name, "/etc/passwd", FILE_LIMIT, false, &s->image.passwd, err);
	if (rc == 0)
		rc = read_small_file(e, name, "/etc/group", FILE_LIMIT, false, &s->image.group, err);
	if (rc == 0)
		rc = read_mounts(e, name, s, err);
	if (rc == 0)
		rc = read_entrypoint(e, name, s, err);
	/* Anything read as missing is only true if the probe was there all along. */
	if (rc == 0)
		rc = probe_still_there(e, name, err);
	remove_probe(e, name);
	free(name);
	return rc;
}

void image_free(struct image *img)
{
	free(img->id);
	free(img->user);
	free(img->workdir);
	free(img->passwd);
	free(img->group);
	free(img->entrypoint_text);
	strv_free(&img->volumes);
	strv_free(&img->env);
	strv_free(&img->entrypoint);
	strv_free(&img->cmd);
	memset(img, 0, sizeof(*img));
}
