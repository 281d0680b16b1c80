#include "podman_probe.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tar.h"
#include "util.h"

#define FILE_LIMIT (4u << 20)

struct want {
	char *name;	/* the path without its leading "/" */
	struct node *node; /* its owner, mode and type, or NULL */
	char **content; /* a small file's content, or NULL */
	bool found;
};

struct scan {
	struct want *w;
	size_t n, left;
	struct buf pending; /* the start of the archive not read yet */
	size_t skip;	    /* bytes of an entry's content still to pass over */
};

/* "./etc/passwd", "/etc/passwd", "etc/" -> "etc/passwd", "etc" (owned). */
static char *normal(const char *name)
{
	size_t n;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	n = strlen(name);
	while (n > 0 && name[n - 1] == '/')
		n--;
	return xstrndup(name, n);
}

static struct want *wanted(struct scan *s, const char *name)
{
	char *n = normal(name);
	struct want *w = NULL;

	for (size_t i = 0; i < s->n && !w; i++)
		if (!s->w[i].found && strcmp(s->w[i].name, n) == 0)
			w = &s->w[i];
	free(n);
	return w;
}

static void take(struct scan *s, struct want *w, const struct tar_entry *t)
{
	if (w->node) {
		memset(w->node, 0, sizeof(*w->node));
		w->node->exists = true;
		w->node->is_dir = t->type == '5';
		w->node->uid = t->uid;
		w->node->gid = t->gid;
		w->node->mode = t->mode;
	}
	if (w->content && (t->type == '0' || t->type == '7') && t->data)
		*w->content = xstrndup((const char *)t->data, t->size);
	w->found = true;
	s->left--;
}

/* Drop the first OFF bytes of what is pending; past its end, skip them as they come. */
static void consume(struct scan *s, size_t off)
{
	if (off >= s->pending.len) {
		s->skip = off - s->pending.len;
		s->pending.len = 0;
		return;
	}
	memmove(s->pending.data, s->pending.data + off, s->pending.len - off);
	s->pending.len -= off;
}

static int eat(const void *p, size_t n, void *ctx)
{
	struct scan *s = ctx;
	const unsigned char *q = p;
	size_t k = s->skip < n ? s->skip : n;

	s->skip -= k;
	buf_add(&s->pending, q + k, n - k);
	while (s->left > 0 && s->skip == 0) {
		size_t off = 0;
		struct tar_entry t;
		enum tar_result r = tar_next((const unsigned char *)s->pending.data, s->pending.len, &off, &t);
		struct want *w;

		if (r == TAR_SHORT)
			return 0;
		if (r != TAR_ENTRY)
			return r == TAR_END ? 1 : -1;
		w = wanted(s, t.name);
		/* A wanted file: wait until its content is here, if it is small. */
		if (w && w->content && (t.type == '0' || t.type == '7') && !t.data && t.size <= FILE_LIMIT) {
			tar_entry_free(&t);
			return 0;
		}
		if (w)
			take(s, w, &t);
		tar_entry_free(&t);
		consume(s, off);
	}
	return s->left == 0 ? 1 : 0;
}

static void want(struct scan *s, const char *path, struct node *node, char **content)
{
	s->w = xrealloc(s->w, (s->n + 1) * sizeof(*s->w));
	s->w[s->n++] = (struct want){ .name = normal(path), .node = node, .content = content };
	s->left++;
}

int podman_read_image(struct engine *e, const char *id, struct service *s, char **err)
{
	struct scan sc = { 0 };
	char *path = xasprintf("/containers/%s/export", id);
	long status;

	want(&sc, "/etc/passwd", NULL, &s->image.passwd);
	want(&sc, "/etc/group", NULL, &s->image.group);
	for (size_t i = 0; i < s->n_mounts; i++) {
		memset(&s->mounts[i].image_dir, 0, sizeof(s->mounts[i].image_dir));
		want(&sc, s->mounts[i].target, &s->mounts[i].image_dir, NULL);
	}
	status = engine_stream(e, path, eat, &sc, err);
	if (status != 200 && !*err)
		*err = xasprintf("GET %s: HTTP status %ld", path, status);
	for (size_t i = 0; i < sc.n; i++)
		free(sc.w[i].name);
	free(sc.w);
	buf_free(&sc.pending);
	free(path);
	return status == 200 ? 0 : -1;
}

int podman_volume_root(struct engine *e, const struct engine_info *ei, const char *name,
		       struct node *n, bool *nonempty, char **err)
{
	char *q = engine_escape(e, name);
	char *path = xasprintf("/libpod/volumes/%s/json", q);
	json_t *v = NULL;
	const char *dir;
	struct stat st;
	DIR *d;
	long status = engine_json(e, "GET", path, NULL, &v, err);
	int rc = -1;

	free(q);
	free(path);
	memset(n, 0, sizeof(*n));
	dir = json_string_value(json_object_get(v, "Mountpoint"));
	if (status != 200 || !dir) {
		if (!*err)
			*err = xasprintf("GET /libpod/volumes/%s/json: HTTP status %ld, no Mountpoint", name, status);
	} else if (!engine_socket(e)) {
		*err = xasprintf("the volume %s exists, and over TCP the doctor cannot read its owner on "
				 "Podman, whose archive API gives every file the container user's owner; run "
				 "the doctor on the engine's host, over its unix socket", name);
	} else if (lstat(dir, &st) < 0) {
		*err = xasprintf("the volume %s: cannot stat its directory \"%s\": %s", name, dir, strerror(errno));
	} else {
		long uid = ei->userns == USERNS_NONE ? (long)st.st_uid : idmap_to_container(&ei->uids, (long)st.st_uid);
		long gid = ei->userns == USERNS_NONE ? (long)st.st_gid : idmap_to_container(&ei->gids, (long)st.st_gid);

		n->exists = true;
		n->is_dir = S_ISDIR(st.st_mode);
		n->mode = st.st_mode & 07777;
		n->uid = uid < 0 ? (long)st.st_uid : uid;
		n->gid = gid < 0 ? (long)st.st_gid : gid;
		n->uid_unmapped = uid < 0;
		n->gid_unmapped = gid < 0;
		*nonempty = true; /* unless it can be read and holds nothing */
		if ((d = opendir(dir))) {
			struct dirent *de;

			*nonempty = false;
			while ((de = readdir(d)))
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
					*nonempty = true;
			closedir(d);
		}
		rc = 0;
	}
	json_decref(v);
	return rc;
}
