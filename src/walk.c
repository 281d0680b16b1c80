/* walk.c — the ownership walk (see walk.h).
 *
 * Safety: every directory is opened relative to its parent's descriptor with
 * O_NOFOLLOW|O_DIRECTORY, every other entry is changed with fchownat(...,
 * AT_SYMLINK_NOFOLLOW), and a directory is changed through its own descriptor after
 * its contents, so a symlink swapped in at any moment is never followed.
 *
 * Bounds: no recursion. Each level keeps only the names of the subdirectories of its
 * current getdents batch. At most WINDOW directory descriptors are open; an older
 * level is closed and later reopened through its child's "..", and must then be the
 * very directory it was (same device and inode), or the walk stops. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define WINDOW 64           /* directory descriptors kept open below the root */
#define BATCH (64 * 1024)   /* getdents buffer */
#define PROGRESS_EVERY 2.0  /* seconds between progress lines */

/* The kernel's struct statx (stable ABI); musl 1.2.3 has no wrapper. */
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct { int64_t sec; uint32_t nsec; int32_t reserved; } atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint64_t spare[13];
};

#define KSTATX_TYPE 0x1u
#define KSTATX_MODE 0x2u
#define KSTATX_NLINK 0x4u
#define KSTATX_UID 0x8u
#define KSTATX_GID 0x10u
#define KSTATX_INO 0x100u
#define KSTATX_MNT_ID 0x1000u
#define WANT (KSTATX_TYPE | KSTATX_MODE | KSTATX_NLINK | KSTATX_UID | KSTATX_GID | KSTATX_INO | KSTATX_MNT_ID)

/* What the walk needs to know of an entry. */
struct entry {
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t nlink, dev, ino, mnt_id;
	bool has_mnt_id;
};

static bool no_statx;

/* One stat call per entry: statx where the kernel has it, else fstatat. */
static int entry_stat(int dirfd, const char *name, int flags, struct entry *e)
{
	if (!no_statx) {
		struct kstatx x;
		if (syscall(SYS_statx, dirfd, name, flags, WANT, &x) == 0) {
			*e = (struct entry){ .mode = x.mode, .uid = x.uid, .gid = x.gid, .nlink = x.nlink,
			                     .dev = makedev(x.dev_major, x.dev_minor), .ino = x.ino,
			                     .mnt_id = x.mnt_id, .has_mnt_id = (x.mask & KSTATX_MNT_ID) != 0 };
			return 0;
		}
		if (errno != ENOSYS)
			return -1;
		no_statx = true;
	}
	struct stat s;
	if (fstatat(dirfd, name, &s, flags) < 0)
		return -1;
	*e = (struct entry){ .mode = s.st_mode, .uid = s.st_uid, .gid = s.st_gid,
	                     .nlink = s.st_nlink, .dev = s.st_dev, .ino = s.st_ino };
	return 0;
}

struct kdirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

struct frame {
	int fd;             /* -1 while released */
	off_t pos;          /* getdents position, saved while released */
	struct entry self;  /* the directory itself, as opened */
	size_t pathlen;     /* its path's length in walker.path */
	char *pend;         /* NUL-separated subdirectory names of the current batch */
	size_t pend_len, pend_off, pend_cap;
	bool eof;
};

struct walker {
	const struct walk_opts *o;
	struct walk_stats *st;
	struct entry root;
	struct frame *frames;
	size_t depth, cap;
	char *path;         /* path of the top frame, for messages */
	size_t path_cap;
	struct timespec start, last;
	bool failed;
	union {
		struct kdirent64 align;
		char bytes[BATCH];
	} buf;
};

static double since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void progress(struct walker *w)
{
	if ((w->st->checked & 4095) != 0 || since(&w->last) < PROGRESS_EVERY)
		return;
	clock_gettime(CLOCK_MONOTONIC, &w->last);
	info("%.*s: %llu entries checked, %llu changed so far (%.0f s)", (int)w->frames[0].pathlen,
	     w->path, (unsigned long long)w->st->checked, (unsigned long long)w->st->changed,
	     since(&w->start));
}

static bool same_mount(const struct walker *w, const struct entry *e)
{
	if (w->o->cross_mounts)
		return true;
	if (e->dev != w->root.dev)
		return false;
	return !(e->has_mnt_id && w->root.has_mnt_id) || e->mnt_id == w->root.mnt_id;
}

static bool needs_change(const struct walker *w, const struct entry *e)
{
	return e->uid != w->o->uid || e->gid != w->o->gid;
}

/* The top frame's path plus `name` (NULL: the directory itself), for messages. */
static const char *entry_path(struct walker *w, const char *name)
{
	struct frame *f = &w->frames[w->depth - 1];
	size_t need = f->pathlen + (name ? strlen(name) + 2 : 1);
	if (need > w->path_cap) {
		char *p = realloc(w->path, need);
		if (!p)
			die(EXIT_VOLOWN, "out of memory");
		w->path = p;
		w->path_cap = need;
	}
	if (!name) {
		w->path[f->pathlen] = '\0';
	} else {
		size_t at = f->pathlen;
		if (at == 0 || w->path[at - 1] != '/')
			w->path[at++] = '/';
		strcpy(w->path + at, name);
	}
	return w->path;
}

/* A change the system refused: fatal, or a warning with --on-error warn. */
static void refused(struct walker *w, const char *what, const char *name)
{
	int err = errno;
	const char *p = entry_path(w, name);
	errno = err;
	warn_errno("%s `%s'", what, p);
	if (w->o->on_error == ON_ERROR_WARN)
		w->st->failed++;
	else
		w->failed = true;
}

static void report_change(struct walker *w, const char *name, const struct entry *e)
{
	if (w->o->dry_run || log_level() >= LOG_VERBOSE)
		printf("%s%s: %lu:%lu -> %lu:%lu\n", w->o->dry_run ? "would change " : "changed ",
		       entry_path(w, name), (unsigned long)e->uid, (unsigned long)e->gid,
		       (unsigned long)w->o->uid, (unsigned long)w->o->gid);
}

/* Changes the owner of a non-directory entry of the top frame. */
static void fix_entry(struct walker *w, const char *name, const struct entry *e)
{
	struct frame *f = &w->frames[w->depth - 1];

	if (!needs_change(w, e))
		return;
	if (e->nlink > 1 && w->o->hardlinks == HARDLINKS_SKIP) {
		warn("`%s' has %llu hard links and may be linked from outside the volume: left "
		     "alone (use --hardlinks change to change it)",
		     entry_path(w, name), (unsigned long long)e->nlink);
		w->st->skipped++;
		return;
	}
	report_change(w, name, e);
	if (w->o->dry_run) {
		w->st->changed++;
		return;
	}
	if (fchownat(f->fd, name, w->o->uid, w->o->gid, AT_SYMLINK_NOFOLLOW) == 0) {
		w->st->changed++;
	} else if (errno != ENOENT) {
		refused(w, "cannot change the owner of", name);
	}
}

static void pend_add(struct frame *f, const char *name)
{
	size_t n = strlen(name) + 1;
	if (f->pend_len + n > f->pend_cap) {
		size_t cap = f->pend_cap ? f->pend_cap * 2 : 256;
		while (cap < f->pend_len + n)
			cap *= 2;
		char *p = realloc(f->pend, cap);
		if (!p)
			die(EXIT_VOLOWN, "out of memory");
		f->pend = p;
		f->pend_cap = cap;
	}
	memcpy(f->pend + f->pend_len, name, n);
	f->pend_len += n;
}

/* One entry of a batch: a subdirectory is queued, anything else is fixed now. */
static void visit(struct walker *w, const char *name, unsigned char type)
{
	struct frame *f = &w->frames[w->depth - 1];
	struct entry e;

	if (type == DT_DIR) {
		pend_add(f, name);
		return;
	}
	if (entry_stat(f->fd, name, AT_SYMLINK_NOFOLLOW, &e) < 0) {
		if (errno != ENOENT)
			refused(w, "cannot stat", name);
		return;
	}
	if (S_ISDIR(e.mode)) { /* the filesystem gave no type */
		pend_add(f, name);
		return;
	}
	w->st->checked++;
	if (!same_mount(w, &e)) {
		verbose("`%s' is another mount: left alone", entry_path(w, name));
		return;
	}
	fix_entry(w, name, &e);
	progress(w);
}

static void read_batch(struct walker *w)
{
	struct frame *f = &w->frames[w->depth - 1];
	long n = syscall(SYS_getdents64, f->fd, w->buf.bytes, sizeof w->buf.bytes);

	f->pend_len = f->pend_off = 0;
	if (n <= 0) {
		if (n < 0)
			refused(w, "cannot read the directory", NULL);
		f->eof = true;
		return;
	}
	for (long off = 0; off < n && !w->failed;) {
		struct kdirent64 *d = (struct kdirent64 *)(w->buf.bytes + off);
		off += d->d_reclen;
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			visit(w, d->d_name, d->d_type);
	}
}

/* Closes a frame's descriptor, remembering where its getdents stopped. */
static void release(struct frame *f)
{
	if (f->fd < 0)
		return;
	f->pos = lseek(f->fd, 0, SEEK_CUR);
	close(f->fd);
	f->fd = -1;
}

/* Out of descriptors (a low RLIMIT_NOFILE): release the oldest open level that is
 * neither the root nor one of the two newest. False when there is none. */
static bool release_oldest(struct walker *w)
{
	for (size_t i = 1; i + 2 < w->depth; i++) {
		if (w->frames[i].fd >= 0) {
			release(&w->frames[i]);
			return true;
		}
	}
	return false;
}

/* openat() that makes room when the process is out of descriptors. */
static int open_dir(struct walker *w, int dirfd, const char *name, int flags)
{
	int fd;
	while ((fd = openat(dirfd, name, flags)) < 0 && errno == EMFILE && release_oldest(w))
		;
	return fd;
}

static bool push(struct walker *w, int fd, const struct entry *self, const char *name)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct frame *fr = realloc(w->frames, cap * sizeof *fr);
		if (!fr)
			die(EXIT_VOLOWN, "out of memory");
		w->frames = fr;
		w->cap = cap;
	}
	size_t pathlen = name ? strlen(entry_path(w, name)) : 0;
	w->frames[w->depth++] = (struct frame){ .fd = fd, .self = *self, .pathlen = pathlen };
	/* keep at most WINDOW descriptors open below the root */
	if (w->depth > WINDOW + 1)
		release(&w->frames[w->depth - 1 - WINDOW]);
	return true;
}

/* A directory that was something else by the time we opened it: a symlink or a
 * file swapped in. Fix that entry itself, never what it points to. */
static void swapped(struct walker *w, const char *name)
{
	struct frame *f = &w->frames[w->depth - 1];
	struct entry e;

	if (entry_stat(f->fd, name, AT_SYMLINK_NOFOLLOW, &e) < 0)
		return; /* gone again */
	w->st->checked++;
	if (S_ISDIR(e.mode) || !same_mount(w, &e)) {
		warn("`%s' changed while it was walked: left alone", entry_path(w, name));
		w->st->skipped++;
		return;
	}
	fix_entry(w, name, &e);
}

/* Opens the next queued subdirectory of the top frame and makes it the top. */
static void descend(struct walker *w)
{
	struct frame *f = &w->frames[w->depth - 1];
	const char *name = f->pend + f->pend_off;
	struct entry e;
	int fd;

	f->pend_off += strlen(name) + 1;
	fd = open_dir(w, f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			swapped(w, name);
		else if (errno != ENOENT)
			refused(w, "cannot open the directory", name);
		return;
	}
	if (entry_stat(fd, "", AT_EMPTY_PATH, &e) < 0) {
		refused(w, "cannot stat", name);
		close(fd);
		return;
	}
	w->st->checked++;
	if (!same_mount(w, &e)) {
		verbose("`%s' is another mount: left alone", entry_path(w, name));
		close(fd);
		return;
	}
	progress(w);
	push(w, fd, &e, name);
}

/* Makes the parent of the top frame usable again after it was released. */
static bool reopen_parent(struct walker *w)
{
	struct frame *child = &w->frames[w->depth - 1], *parent = child - 1;
	struct entry e;

	if (parent->fd >= 0)
		return true;
	parent->fd = open_dir(w, child->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent->fd < 0 || entry_stat(parent->fd, "", AT_EMPTY_PATH, &e) < 0 ||
	    e.dev != parent->self.dev || e.ino != parent->self.ino ||
	    lseek(parent->fd, parent->pos, SEEK_SET) < 0) {
		w->path[parent->pathlen] = '\0';
		warn("`%s' was moved during the walk: stopping here", w->path);
		w->failed = true;
		return false;
	}
	return true;
}

/* The top directory is done: change it (post-order) and pop it. */
static void finish(struct walker *w)
{
	struct frame *f = &w->frames[w->depth - 1];

	if (needs_change(w, &f->self)) {
		report_change(w, NULL, &f->self);
		if (w->o->dry_run)
			w->st->changed++;
		else if (fchown(f->fd, w->o->uid, w->o->gid) == 0)
			w->st->changed++;
		else
			refused(w, "cannot change the owner of", NULL);
	}
	if (w->depth > 1) {
		if (!w->failed)
			reopen_parent(w);
		close(f->fd);
	}
	free(f->pend);
	w->depth--;
}

enum walk_result walk_tree(int rootfd, const char *rootpath, const struct walk_opts *opts,
                           struct walk_stats *stats)
{
	struct walker *w = calloc(1, sizeof *w);
	struct statvfs vfs;
	enum walk_result res;

	if (!w)
		die(EXIT_VOLOWN, "out of memory");
	*stats = (struct walk_stats){ 0 };
	w->o = opts;
	w->st = stats;
	clock_gettime(CLOCK_MONOTONIC, &w->start);
	w->last = w->start;
	if (entry_stat(rootfd, "", AT_EMPTY_PATH, &w->root) < 0)
		die_errno(EXIT_VOLOWN, "cannot stat `%s'", rootpath);
	if (fstatvfs(rootfd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		stats->read_only = true;
		free(w);
		return WALK_OK;
	}
	w->path = strdup(rootpath);
	w->path_cap = strlen(rootpath) + 1;
	push(w, rootfd, &w->root, NULL);
	w->frames[0].pathlen = strlen(rootpath);
	stats->checked = 1;

	while (w->depth > 0) {
		struct frame *f = &w->frames[w->depth - 1];
		if (w->failed) {
			/* unwind without changing anything more */
			if (w->depth > 1 && f->fd >= 0)
				close(f->fd);
			free(f->pend);
			w->depth--;
		} else if (f->pend_off < f->pend_len) {
			descend(w);
		} else if (!f->eof) {
			read_batch(w);
		} else {
			finish(w);
		}
	}
	res = w->failed ? WALK_FAILED : WALK_OK;
	fflush(stdout);
	free(w->frames);
	free(w->path);
	free(w);
	return res;
}
