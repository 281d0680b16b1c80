/* walk.c — the ownership walk (see walk.h).
 *
 * Safety: every directory is opened relative to its parent's descriptor with
 * O_NOFOLLOW|O_DIRECTORY and changed through that descriptor after its contents.
 * Every other entry that needs a change is opened O_PATH|O_NOFOLLOW (which opens no
 * device and no FIFO, and gives the symlink itself), checked to be the very inode
 * that was stat'ed and, unless --hardlinks change, still singly linked, and changed
 * through that descriptor. So a symlink or a hard link swapped in at any moment is
 * never followed, and a mode is never set through a symlink.
 *
 * Threads: each worker walks a subtree depth-first with its own stack of frames.
 * When a worker is idle, a busy one gives it a whole subtree: it opens (and checks) a
 * pending subdirectory of its shallowest open level and queues the descriptor. Every
 * directory has a node that counts what is still pending in it: its own scan (1),
 * plus each subdirectory opened and not finished. Whoever takes a count to zero
 * changes that directory (post-order: the root is the very last) and takes one off
 * its parent's count. A parent reached that way is reopened through the child's ".."
 * and must be the very directory it was (device and inode), or the walk stops.
 *
 * Bounds: no recursion. A level keeps only the names of the subdirectories of its
 * current getdents batch; a node keeps only its name. Each worker keeps at most
 * `window` descriptors open below its subtree; an older level is closed and later
 * reopened through its child's "..", and must then be the very directory it was. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "log.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6; the same number on every architecture */
#endif

#define WINDOW		  64		/* most directory descriptors a worker keeps open */
#define FD_BUDGET	  256		/* directory descriptors of all workers together */
#define BATCH		  (64 * 1024)	/* getdents buffer */
#define SMALL_BATCH	  4096		/* getdents read when a level may hold few names */
#define NAME_BUDGET	  (1024 * 1024) /* bytes of pending names, all workers together */
#define MIN_NAMES	  (16 * 1024)	/* ... but at least this much per worker */
#define LEVEL_FLOOR	  1024 /* bytes of names any level may hold, while the worker's ... */
#define NAME_CEILING	  (2 * 1024 * 1024) /* ... are below this; beyond, one name a level */
#define MAX_OPEN_DIRS	  12288		    /* directories being walked at once: the depth bound */
#define PATH_SHOWN	  8192		    /* the longest path a message shows (its end) */
#define PROGRESS_EVERY_MS 2000		    /* between progress lines */

/* The kernel's struct statx (stable ABI); musl 1.2.3 has no wrapper. */
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct {
		int64_t sec;
		uint32_t nsec;
		int32_t reserved;
	} atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint64_t spare[13];
};

#define KSTATX_TYPE   0x1u
#define KSTATX_MODE   0x2u
#define KSTATX_NLINK  0x4u
#define KSTATX_UID    0x8u
#define KSTATX_GID    0x10u
#define KSTATX_INO    0x100u
#define KSTATX_MNT_ID 0x1000u
#define WANT                                                                               \
	(KSTATX_TYPE | KSTATX_MODE | KSTATX_NLINK | KSTATX_UID | KSTATX_GID | KSTATX_INO | \
	 KSTATX_MNT_ID)

#define LOAD(p)	    __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define ADD(p, v)   __atomic_add_fetch((p), (v), __ATOMIC_ACQ_REL)
#define SUB(p, v)   __atomic_sub_fetch((p), (v), __ATOMIC_ACQ_REL)

/* A 64-bit counter for them, 8-aligned on i386 too: there a uint64_t member may be only
 * 4-aligned, and an atomic on one that straddles two cache lines is a split lock, some
 * 17 ms each where the kernel mitigates them. */
typedef uint64_t atomic64 __attribute__((aligned(8)));

/* A lock and a wait on futexes: the few lines pthread's would cost kilobytes of the
 * static binary. lock: 0 free, 1 taken, 2 taken with waiters. */
static void futex(int *addr, int op, int val)
{
	syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void lock(int *l)
{
	int c = 0;
	if (__atomic_compare_exchange_n(l, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		futex(l, FUTEX_WAIT, 2);
		c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
	}
}

static void unlock(int *l)
{
	if (__atomic_fetch_sub(l, 1, __ATOMIC_RELEASE) != 1) {
		STORE(l, 0);
		futex(l, FUTEX_WAKE, 1);
	}
}

/* What the walk needs to know of an entry. */
struct entry {
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t nlink, dev, ino, mnt_id;
	bool has_mnt_id;
};

static bool no_statx, no_fchmodat2;

/* statx's mount ids are used only when they agree with the kernel's own word for the
 * root (/proc/self/fdinfo): qemu-user 7.2 sets STATX_MNT_ID but gives 0, and kernels
 * before 5.8 have none. Otherwise each opened entry's mount id is read from fdinfo. */
static bool statx_mnt_ids;

/* One stat call per entry: statx where the kernel has it, else fstatat. */
static int entry_stat(int dirfd, const char *name, int flags, struct entry *e)
{
	if (!LOAD(&no_statx)) {
		struct kstatx x;
		if (syscall(SYS_statx, dirfd, name, flags, WANT, &x) == 0) {
			*e = (struct entry){ .mode = x.mode,
					     .uid = x.uid,
					     .gid = x.gid,
					     .nlink = x.nlink,
					     .dev = makedev(x.dev_major, x.dev_minor),
					     .ino = x.ino,
					     .mnt_id = x.mnt_id,
					     .has_mnt_id = (x.mask & KSTATX_MNT_ID) != 0 &&
							   LOAD(&statx_mnt_ids) };
			return 0;
		}
		if (errno != ENOSYS)
			return -1;
		STORE(&no_statx, true);
	}
	struct stat s;
	if (fstatat(dirfd, name, &s, flags) < 0)
		return -1;
	*e = (struct entry){ .mode = s.st_mode,
			     .uid = s.st_uid,
			     .gid = s.st_gid,
			     .nlink = s.st_nlink,
			     .dev = s.st_dev,
			     .ino = s.st_ino };
	return 0;
}

/* The mount id of what `fd' holds, from /proc/self/fdinfo; -1 when it cannot be read. */
static int fd_mnt_id(int fd, uint64_t *out)
{
	char path[40], buf[512];
	const char *p;
	ssize_t n;
	int info;

	fmt_to(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	info = open(path, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return -1;
	n = read(info, buf, sizeof buf - 1);
	close(info);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(p = strstr(buf, "\nmnt_id:")))
		return -1;
	p += 8;
	*out = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		*out = *out * 10 + (uint64_t)(*p - '0');
	return 0;
}

/* Where statx gives no mount id that can be trusted, the one of the open `fd'. */
static void fill_mnt_id(int fd, struct entry *e)
{
	if (!e->has_mnt_id && fd_mnt_id(fd, &e->mnt_id) == 0)
		e->has_mnt_id = true;
}

/* Sets the mode of the non-symlink open (O_PATH) at `fd`. */
static int chmod_fd(int fd, mode_t mode)
{
	char proc[40];
	if (!LOAD(&no_fchmodat2)) {
		if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno != ENOSYS)
			return -1;
		STORE(&no_fchmodat2, true);
	}
	/* before Linux 6.6 an O_PATH descriptor is changed through /proc, as musl does */
	fmt_to(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return chmod(proc, mode);
}

struct kdirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* A directory of the tree, from when it is opened until it has been changed. */
struct node {
	struct node *parent;
	unsigned long pending; /* its own scan + its subdirectories not finished (atomic) */
	int fd;		       /* the root's descriptor; -1 for every other directory */
	struct entry self;     /* as it was when opened */
	char name[];	       /* the root: its path; others: the name in the parent */
};

/* One level of a worker's depth-first walk. Its subdirectories are opened one after
 * the other from `pend', the names of those its current batch held (as many as the
 * worker's budget for names allows: a batch is read only up to where they fit, and the
 * next one from there, so memory does not grow with the depth). */
struct frame {
	int fd;		 /* -1 while released */
	off_t pos;	 /* where the next batch starts, when `positioned' is false */
	bool positioned; /* the descriptor's offset is where the next batch starts */
	struct node *node;
	char *pend; /* NUL-separated subdirectory names of the current batch */
	size_t pend_len, pend_off, pend_cap;
	bool eof;
};

/* A subtree given away: its open directory and its node. */
struct task {
	int fd;
	struct node *node;
};

/* What the workers share. */
struct shared {
	const struct walk_opts *o;
	struct entry root;
	const char *rootname;
	unsigned window; /* descriptors each worker keeps open */
	int lock;	 /* guards the queue and what follows it */
	int wake;	 /* bumped for each subtree queued, and at the end */
	struct task *queue;
	unsigned qlen, reserved, idle;
	unsigned wanted;	   /* idle - qlen - reserved; read without the lock */
	bool done;		   /* the root has been changed */
	bool failed;		   /* stop: change nothing more (atomic) */
	bool incomplete;	   /* something was left wrong: keep the root as it is (atomic) */
	atomic64 checked, changed; /* for the progress lines (atomic) */
	unsigned long open_dirs;   /* nodes alive: directories being walked (atomic) */
	size_t name_budget;	   /* bytes of pending names each worker may hold */
	int progress_lock;
	struct timespec start;
	uint64_t last; /* milliseconds since start of the last progress line */
};

struct worker {
	struct shared *sh;
	pthread_t thread;
	struct walk_stats st;
	uint64_t told_checked, told_changed; /* already added to the shared counters */
	struct frame *frames;
	size_t depth, cap;
	size_t names; /* bytes held in the frames' `pend' buffers */
	char *path;   /* for messages */
	size_t path_cap;
	union {
		struct kdirent64 align;
		char bytes[BATCH];
	} buf;
};

static bool stopped(struct shared *sh)
{
	return LOAD(&sh->failed) || (sh->o->stop && *sh->o->stop);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		die(EXIT_VOLOWN, "out of memory");
	return p;
}

/* Milliseconds since t. */
static uint64_t since_ms(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)((now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000);
}

static void progress(struct worker *w)
{
	struct shared *sh = w->sh;
	uint64_t checked, changed;

	if (w->st.checked - w->told_checked < 16) /* cheap: a clock read per 16 stat calls */
		return;
	checked = ADD(&sh->checked, w->st.checked - w->told_checked);
	changed = ADD(&sh->changed, w->st.changed - w->told_changed);
	w->told_checked = w->st.checked;
	w->told_changed = w->st.changed;
	int free_lock = 0;
	if (!__atomic_compare_exchange_n(&sh->progress_lock, &free_lock, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	uint64_t t = since_ms(&sh->start);
	if (t - sh->last >= PROGRESS_EVERY_MS) {
		sh->last = t;
		info("%s: %llu entries checked, %llu changed so far (%llu s)", sh->rootname,
		     (unsigned long long)checked, (unsigned long long)changed,
		     (unsigned long long)(t + 500) / 1000);
	}
	STORE(&sh->progress_lock, 0);
}

static bool same_mount(const struct shared *sh, const struct entry *e)
{
	if (sh->o->cross_mounts)
		return true;
	if (e->dev != sh->root.dev)
		return false;
	return !(e->has_mnt_id && sh->root.has_mnt_id) || e->mnt_id == sh->root.mnt_id;
}

static bool owner_wrong(const struct shared *sh, const struct entry *e)
{
	return e->uid != sh->o->uid || e->gid != sh->o->gid;
}

/* What the kernel leaves of a non-directory's mode when its owner changes: no
 * set-user-ID, and no set-group-ID where group execute makes it one. */
static mode_t after_chown(mode_t mode)
{
	mode &= ~(mode_t)S_ISUID;
	if (mode & S_IXGRP)
		mode &= ~(mode_t)S_ISGID;
	return mode;
}

/* The mode `e` should end with. A non-directory that changes owner keeps no set-ID
 * bit, as with chown(1); --chmod applies to what is left. The fsgroup preset applies
 * the kubelet's rule to the mode as it was, set-ID bits included, as the kubelet does.
 * A symlink keeps its own. */
static mode_t target_mode(const struct shared *sh, const struct entry *e)
{
	mode_t mode = e->mode;

	if (S_ISLNK(mode))
		return mode & 07777;
	if (!S_ISDIR(mode) && owner_wrong(sh, e) && !sh->o->chmod.fsgroup)
		mode = after_chown(mode);
	return modes_apply(&sh->o->chmod, mode);
}

static bool needs_change(const struct shared *sh, const struct entry *e)
{
	return owner_wrong(sh, e) || target_mode(sh, e) != (e->mode & 07777);
}

/* The path of `n` plus `name` (NULL: `n` itself), for messages: the root's path, and
 * at most PATH_SHOWN bytes of what follows it, its end (where the entry's name is). */
static const char *path_of(struct worker *w, const struct node *n, const char *name)
{
	const struct node *p, *q;
	size_t tail = name ? strlen(name) + 1 : 0, parts = 0, k, len;
	bool cut = false;
	char *at;

	for (p = n; p->parent; p = p->parent, parts++) {
		k = strlen(p->name) + 1;
		if (tail + k > PATH_SHOWN) {
			cut = true;
			break;
		}
		tail += k;
	}
	while (p->parent) /* the root */
		p = p->parent;
	len = strlen(p->name) + (cut ? 4 : 0) + tail + 1;
	if (len > w->path_cap) {
		free(w->path);
		w->path = xmalloc(len);
		w->path_cap = len;
	}
	at = w->path + len - 1;
	*at = '\0';
	if (name) {
		k = strlen(name);
		at -= k;
		memcpy(at, name, k);
		*--at = '/';
	}
	for (q = n; parts > 0; q = q->parent, parts--) {
		k = strlen(q->name);
		at -= k;
		memcpy(at, q->name, k);
		*--at = '/';
	}
	if (cut) {
		at -= 4;
		memcpy(at, "/...", 4);
	}
	k = strlen(p->name);
	at -= k;
	memcpy(at, p->name, k);
	return at;
}

/* A change the system refused: fatal, or a warning with --on-error warn. */
static void refused(struct worker *w, const char *what, const struct node *n, const char *name)
{
	int err = errno;
	const char *p = path_of(w, n, name);
	errno = err;
	warn_errno("%s `%s'", what, p);
	STORE(&w->sh->incomplete, true);
	if (w->sh->o->on_error == ON_ERROR_WARN)
		w->st.failed++;
	else
		STORE(&w->sh->failed, true);
}

static void report_change(struct worker *w, const struct node *n, const char *name,
			  const struct entry *e)
{
	const struct walk_opts *o = w->sh->o;
	mode_t want = target_mode(w->sh, e);
	char modes[40] = "";

	if (!o->dry_run && log_level() < LOG_VERBOSE)
		return;
	if (want != (e->mode & 07777))
		fmt_to(modes, sizeof modes, ", mode %04o -> %04o", (unsigned)(e->mode & 07777),
		       (unsigned)want);
	report("%s%s: %lu:%lu -> %lu:%lu%s", o->dry_run ? "would change " : "changed ",
	       path_of(w, n, name), (unsigned long)e->uid, (unsigned long)e->gid,
	       (unsigned long)o->uid, (unsigned long)o->gid, modes);
}

/* Changes owner and mode of what `fd` holds (`e`, as just stat'ed through it).
 * `dir`: a directory open for reading; else an O_PATH descriptor. */
static void change(struct worker *w, int fd, const struct entry *e, bool dir, const struct node *n,
		   const char *name)
{
	const struct walk_opts *o = w->sh->o;
	mode_t want = target_mode(w->sh, e), now = e->mode & 07777;

	if (owner_wrong(w->sh, e)) {
		int rc = dir ? fchown(fd, o->uid, o->gid)
			     : fchownat(fd, "", o->uid, o->gid, AT_EMPTY_PATH);
		if (rc < 0) {
			refused(w, "cannot change the owner of", n, name);
			return;
		}
		if (!dir)
			now = after_chown(now);
	}
	if (want != now && !S_ISLNK(e->mode) && (dir ? fchmod(fd, want) : chmod_fd(fd, want)) < 0) {
		refused(w, "cannot change the mode of", n, name);
		return;
	}
	w->st.changed++;
}

/* Closes a level's descriptor; it is reopened through "..", and read on from `pos'. */
static void release(struct frame *f)
{
	if (f->positioned)
		f->pos = lseek(f->fd, 0, SEEK_CUR);
	f->positioned = false;
	close(f->fd);
	f->fd = -1;
}

/* Out of descriptors (a low RLIMIT_NOFILE): release the oldest open level that is
 * neither the subtree's own, nor `keep`, nor one of the two newest. */
static bool release_oldest(struct worker *w, const struct frame *keep)
{
	for (size_t i = 1; i + 2 < w->depth; i++) {
		struct frame *f = &w->frames[i];
		if (f->fd >= 0 && f != keep) {
			release(f);
			return true;
		}
	}
	return false;
}

/* openat() that makes room when the process is out of descriptors. */
static int open_at(struct worker *w, const struct frame *keep, int dirfd, const char *name,
		   int flags)
{
	int fd;
	while ((fd = openat(dirfd, name, flags | O_CLOEXEC)) < 0 && errno == EMFILE &&
	       release_oldest(w, keep))
		;
	return fd;
}

/* Changes a non-directory entry `name` of frame `f`, stat'ed as `e`. */
static void fix_entry(struct worker *w, struct frame *f, const char *name, const struct entry *e)
{
	const struct walk_opts *o = w->sh->o;
	bool skip_links = o->hardlinks == HARDLINKS_SKIP;
	struct entry now;
	int fd;

	if (!needs_change(w->sh, e))
		return;
	if (e->nlink > 1 && skip_links) {
		warn("`%s' has %llu hard links and may be linked from outside the volume: left "
		     "alone (use --hardlinks change to change it)",
		     path_of(w, f->node, name), (unsigned long long)e->nlink);
		w->st.skipped++;
		return;
	}
	fd = open_at(w, f, f->fd, name, O_PATH | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			refused(w, "cannot open", f->node, name);
		return;
	}
	if (entry_stat(fd, "", AT_EMPTY_PATH, &now) < 0 || now.ino != e->ino || now.dev != e->dev ||
	    S_ISDIR(now.mode) || (now.nlink > 1 && skip_links)) {
		warn("`%s' changed while it was walked: left alone", path_of(w, f->node, name));
		STORE(&w->sh->incomplete, true);
		w->st.skipped++;
	} else {
		fill_mnt_id(fd, &now);
		if (!same_mount(w->sh, &now)) {
			verbose("`%s' is another mount: left alone", path_of(w, f->node, name));
		} else {
			report_change(w, f->node, name, &now);
			if (o->dry_run)
				w->st.changed++;
			else
				change(w, fd, &now, false, f->node, name);
		}
	}
	close(fd);
}

/* Keeps a subdirectory's name for later; false when the worker's budget for names has
 * no room for it. Whatever the budget, a level may hold LEVEL_FLOOR bytes of names
 * (fewer batches read again, deep down) as long as the worker holds less than
 * NAME_CEILING in all; and always one name, so that the walk goes on. */
static bool pend_add(struct worker *w, struct frame *f, const char *name)
{
	size_t n = strlen(name) + 1, need = f->pend_len + n;

	if (need > f->pend_cap) {
		size_t others = w->names - f->pend_cap, cap = f->pend_cap ? f->pend_cap * 2 : 256;
		size_t room = w->sh->name_budget > others ? w->sh->name_budget - others : 0;
		while (cap < need)
			cap *= 2;
		if (room < LEVEL_FLOOR && others + LEVEL_FLOOR <= NAME_CEILING)
			room = LEVEL_FLOOR;
		if (cap > room)
			cap = room;
		if (cap < need) {
			if (f->pend_len > 0)
				return false;
			cap = need;
		}
		char *p = realloc(f->pend, cap);
		if (!p)
			die(EXIT_VOLOWN, "out of memory");
		w->names += cap - f->pend_cap;
		f->pend = p;
		f->pend_cap = cap;
	}
	memcpy(f->pend + f->pend_len, name, n);
	f->pend_len += n;
	return true;
}

/* One entry of a batch: a subdirectory is kept for later, anything else is fixed now.
 * False when a subdirectory's name does not fit: the batch stops before it. */
static bool visit(struct worker *w, struct frame *f, const char *name, unsigned char type)
{
	struct entry e;

	if (type == DT_DIR)
		return pend_add(w, f, name);
	if (entry_stat(f->fd, name, AT_SYMLINK_NOFOLLOW, &e) < 0) {
		if (errno != ENOENT)
			refused(w, "cannot stat", f->node, name);
		return true;
	}
	if (S_ISDIR(e.mode)) /* the filesystem gave no type */
		return pend_add(w, f, name);
	w->st.checked++;
	if (!same_mount(w->sh, &e)) {
		verbose("`%s' is another mount: left alone", path_of(w, f->node, name));
		return true;
	}
	fix_entry(w, f, name, &e);
	progress(w); /* a batch can be long on a slow filesystem */
	return true;
}

/* Reads the next batch of `f' and visits it, up to where the names of its
 * subdirectories fit in the worker's budget (the next batch starts there). */
static void read_batch(struct worker *w, struct frame *f)
{
	size_t room = w->sh->name_budget - (w->names - f->pend_cap);
	size_t want = room < BATCH / 4 ? SMALL_BATCH : BATCH;
	off_t last = -1; /* the offset after the last entry visited */
	long n;

	f->pend_len = f->pend_off = 0;
	if (!f->positioned) {
		if (lseek(f->fd, f->pos, SEEK_SET) < 0) {
			refused(w, "cannot read the directory", f->node, NULL);
			f->eof = true;
			return;
		}
		f->positioned = true;
	}
	n = syscall(SYS_getdents64, f->fd, w->buf.bytes, want);
	if (n <= 0) {
		if (n < 0)
			refused(w, "cannot read the directory", f->node, NULL);
		f->eof = true;
		return;
	}
	for (long off = 0; off < n && !stopped(w->sh);) {
		struct kdirent64 *d = (struct kdirent64 *)(w->buf.bytes + off);
		off += d->d_reclen;
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0 &&
		    !visit(w, f, d->d_name, d->d_type) && last >= 0) {
			f->pos = last; /* the rest of the batch is read again later */
			f->positioned = false;
			return;
		}
		last = d->d_off;
	}
}

static struct node *node_new(struct shared *sh, struct node *parent, const char *name,
			     const struct entry *self, int fd)
{
	size_t len = strlen(name);
	struct node *n = xmalloc(sizeof *n + len + 1);

	*n = (struct node){ .parent = parent, .pending = 1, .fd = fd, .self = *self };
	memcpy(n->name, name, len + 1);
	if (parent)
		ADD(&parent->pending, 1);
	ADD(&sh->open_dirs, 1);
	return n;
}

static void push(struct worker *w, int fd, struct node *n)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct frame *fr = realloc(w->frames, cap * sizeof *fr);
		if (!fr)
			die(EXIT_VOLOWN, "out of memory");
		w->frames = fr;
		w->cap = cap;
	}
	w->frames[w->depth++] = (struct frame){ .fd = fd, .node = n, .positioned = true };
	/* keep at most `window` descriptors open below the subtree's own */
	if (w->depth > w->sh->window + 1) {
		struct frame *old = &w->frames[w->depth - 1 - w->sh->window];
		if (old->fd >= 0)
			release(old);
	}
}

/* A directory that was something else by the time we opened it: a symlink or a
 * file swapped in. Fix that entry itself, never what it points to. */
static void swapped(struct worker *w, struct frame *f, const char *name)
{
	struct entry e;

	if (entry_stat(f->fd, name, AT_SYMLINK_NOFOLLOW, &e) < 0)
		return; /* gone again */
	w->st.checked++;
	if (S_ISDIR(e.mode) || !same_mount(w->sh, &e)) {
		warn("`%s' changed while it was walked: left alone", path_of(w, f->node, name));
		STORE(&w->sh->incomplete, true);
		w->st.skipped++;
		return;
	}
	fix_entry(w, f, name, &e);
}

/* Opens the next queued subdirectory of `f`: its descriptor and new node, or -1. */
static int open_child(struct worker *w, struct frame *f, struct node **out)
{
	const char *name = f->pend + f->pend_off;
	struct entry e;
	int fd;

	f->pend_off += strlen(name) + 1;
	if (LOAD(&w->sh->open_dirs) >= MAX_OPEN_DIRS) {
		/* memory stays bounded whatever the tree: deeper than this, nothing is done;
		 * the path is not fixed, as when a change is refused */
		warn("`%s' is below %u nested directories: left alone", path_of(w, f->node, name),
		     MAX_OPEN_DIRS);
		STORE(&w->sh->incomplete, true);
		if (w->sh->o->on_error == ON_ERROR_WARN)
			w->st.skipped++;
		else
			STORE(&w->sh->failed, true);
		return -1;
	}
	fd = open_at(w, f, f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			swapped(w, f, name);
		else if (errno != ENOENT)
			refused(w, "cannot open the directory", f->node, name);
		return -1;
	}
	if (entry_stat(fd, "", AT_EMPTY_PATH, &e) < 0) {
		refused(w, "cannot stat", f->node, name);
		close(fd);
		return -1;
	}
	fill_mnt_id(fd, &e);
	w->st.checked++;
	if (!same_mount(w->sh, &e)) {
		verbose("`%s' is another mount: left alone", path_of(w, f->node, name));
		close(fd);
		return -1;
	}
	*out = node_new(w->sh, f->node, name, &e, -1);
	return fd;
}

/* Reopens `n` through "..", from the descriptor of one of its subdirectories. */
static int reopen_parent(struct worker *w, const struct frame *keep, int childfd,
			 const struct node *n)
{
	struct entry e;
	int fd = open_at(w, keep, childfd, "..", O_RDONLY | O_DIRECTORY);

	if (fd >= 0 && entry_stat(fd, "", AT_EMPTY_PATH, &e) == 0 && e.dev == n->self.dev &&
	    e.ino == n->self.ino)
		return fd;
	if (fd >= 0)
		close(fd);
	warn("`%s' was moved during the walk: stopping here", path_of(w, n, NULL));
	STORE(&w->sh->failed, true);
	return -1;
}

/* The root has been changed: every worker may go. */
static void all_done(struct shared *sh)
{
	lock(&sh->lock);
	sh->done = true;
	sh->wake++;
	unlock(&sh->lock);
	futex(&sh->wake, FUTEX_WAKE, INT_MAX);
}

/* Nothing is pending in `n` any more: change it, then go on up while it was the last
 * thing its parent waited for. `fd` is n's directory (closed here unless it is the
 * root's), or -1 once the walk has stopped. */
static void complete(struct worker *w, struct node *n, int fd)
{
	for (;;) {
		struct node *p = n->parent;
		bool last;
		int pfd = -1;

		if (fd >= 0 && !stopped(w->sh) && needs_change(w->sh, &n->self) && !p &&
		    LOAD(&w->sh->incomplete)) {
			/* a right root means a finished run (--policy root-mismatch): not this one
			 */
			warn("`%s' left as it is, since entries below it are not fixed",
			     w->sh->rootname);
		} else if (fd >= 0 && !stopped(w->sh) && needs_change(w->sh, &n->self)) {
			report_change(w, n, NULL, &n->self);
			if (w->sh->o->dry_run)
				w->st.changed++;
			else
				change(w, fd, &n->self, true, n, NULL);
		}
		last = p && SUB(&p->pending, 1) == 0;
		if (last && fd >= 0 && !stopped(w->sh))
			pfd = p->fd >= 0 ? p->fd : reopen_parent(w, NULL, fd, p);
		if (fd >= 0 && fd != n->fd)
			close(fd);
		free(n);
		SUB(&w->sh->open_dirs, 1);
		if (!p)
			all_done(w->sh);
		if (!last)
			return;
		n = p;
		fd = pfd;
	}
}

/* The top level's scan is over: pop it; change it if nothing else is pending in it. */
static void end_frame(struct worker *w)
{
	struct frame *f = &w->frames[w->depth - 1];
	struct node *n = f->node;
	int fd = f->fd;

	free(f->pend);
	w->names -= f->pend_cap;
	if (w->depth > 1 && f[-1].fd < 0 && fd >= 0 && !stopped(w->sh)) {
		f[-1].fd = reopen_parent(w, f, fd, f[-1].node);
		if (f[-1].fd >= 0 && lseek(f[-1].fd, f[-1].pos, SEEK_SET) < 0) {
			refused(w, "cannot read the directory", f[-1].node, NULL);
			STORE(&w->sh->failed, true);
		}
	}
	w->depth--;
	if (SUB(&n->pending, 1) == 0)
		complete(w, n, fd);
	else if (fd >= 0 && fd != n->fd)
		close(fd);
}

/* How many idle workers still wait for a subtree; under the lock. */
static void update_wanted(struct shared *sh)
{
	unsigned busy = sh->qlen + sh->reserved;
	STORE(&sh->wanted, sh->idle > busy ? sh->idle - busy : 0);
}

/* Takes a place in the queue for a subtree, if an idle worker wants one. */
static bool reserve(struct shared *sh)
{
	bool ok;
	lock(&sh->lock);
	ok = sh->idle > sh->qlen + sh->reserved;
	if (ok)
		sh->reserved++;
	update_wanted(sh);
	unlock(&sh->lock);
	return ok;
}

static void give(struct shared *sh, int fd, struct node *n)
{
	lock(&sh->lock);
	sh->reserved--;
	if (fd >= 0) {
		sh->queue[sh->qlen++] = (struct task){ fd, n };
		sh->wake++;
	}
	update_wanted(sh);
	unlock(&sh->lock);
	if (fd >= 0)
		futex(&sh->wake, FUTEX_WAKE, 1);
}

/* Waits for a subtree to walk; false when the whole walk is over. */
static bool take(struct shared *sh, struct task *t)
{
	bool got;
	lock(&sh->lock);
	sh->idle++;
	update_wanted(sh);
	while (sh->qlen == 0 && !sh->done) {
		int seen = sh->wake;
		unlock(&sh->lock);
		futex(&sh->wake, FUTEX_WAIT, seen);
		lock(&sh->lock);
	}
	sh->idle--;
	got = sh->qlen > 0;
	if (got)
		*t = sh->queue[--sh->qlen];
	update_wanted(sh);
	unlock(&sh->lock);
	return got;
}

/* An idle worker wants work: give it a subdirectory of the shallowest open level
 * that has one pending. False when there was nothing to give. */
static bool share(struct worker *w)
{
	size_t from = w->depth > w->sh->window + 1 ? w->depth - 1 - w->sh->window : 1;

	for (size_t i = 0; i < w->depth; i = i ? i + 1 : from) {
		struct frame *f = &w->frames[i];
		struct node *n = NULL;
		if (f->fd < 0 || f->pend_off >= f->pend_len)
			continue;
		if (!reserve(w->sh))
			return false;
		int fd = open_child(w, f, &n);
		give(w->sh, fd, n);
		return true;
	}
	return false;
}

/* Walks one subtree depth-first, handing parts of it to idle workers. */
static void walk_subtree(struct worker *w, const struct task *t)
{
	push(w, t->fd, t->node);
	while (w->depth > 0) {
		struct frame *f = &w->frames[w->depth - 1];
		if (stopped(w->sh)) {
			end_frame(w); /* unwind without changing anything more */
		} else if (LOAD(&w->sh->wanted) > 0 && share(w)) {
			continue;
		} else if (f->pend_off < f->pend_len) {
			struct node *n;
			int fd = open_child(w, f, &n);
			if (fd >= 0)
				push(w, fd, n);
		} else if (!f->eof) {
			read_batch(w, f);
		} else {
			end_frame(w);
		}
		progress(w);
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct task t;
	while (take(w->sh, &t))
		walk_subtree(w, &t);
	return NULL;
}

/* Threads, and descriptors each may keep open, within RLIMIT_NOFILE. */
static void plan(const struct walk_opts *o, unsigned *jobs, unsigned *window)
{
	struct rlimit rl;
	cpu_set_t cpus;
	unsigned long budget = FD_BUDGET;
	unsigned n = o->jobs;

	/* the CPUs this process may run on (a container's cpuset), not all the host's */
	if (!n)
		n = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? (unsigned)CPU_COUNT(&cpus) : 1;

	if (n > WALK_MAX_JOBS)
		n = WALK_MAX_JOBS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur / 2 < budget)
		budget = rl.rlim_cur / 2;
	if (n > budget / 4) /* room for at least a few levels each */
		n = budget / 4 ? (unsigned)(budget / 4) : 1;
	*jobs = n;
	*window = (unsigned)(budget / (2 * n));
	if (*window > WINDOW)
		*window = WINDOW;
	if (*window < 2)
		*window = 2;
}

/* Decides where the mount ids come from (see statx_mnt_ids) by the root's. Without
 * either source, a bind mount of another directory of the same filesystem could not
 * be told apart: the walk is refused, unless --cross-mounts asks for every mount. */
static void trust_mount_ids(int rootfd, const char *rootpath, const struct walk_opts *opts,
			    struct entry *root)
{
	uint64_t id;
	bool fdinfo = fd_mnt_id(rootfd, &id) == 0;

	if (root->has_mnt_id && (!fdinfo || root->mnt_id == id))
		return;
	STORE(&statx_mnt_ids, false);
	root->has_mnt_id = fdinfo;
	root->mnt_id = fdinfo ? id : 0;
	if (!fdinfo && !opts->cross_mounts)
		die(EXIT_VOLOWN,
		    "cannot tell the mounts inside `%s' apart (statx gives no mount id and "
		    "/proc/self/fdinfo cannot be read): refusing to walk it (--cross-mounts "
		    "walks every mount)",
		    rootpath);
}

enum walk_result walk_tree(int rootfd, const char *rootpath, const struct walk_opts *opts,
			   struct walk_stats *stats)
{
	struct shared sh = { .o = opts, .rootname = rootpath };
	struct statvfs vfs;
	struct worker **w;
	unsigned jobs, started = 1;

	*stats = (struct walk_stats){ 0 };
	STORE(&statx_mnt_ids, true);
	if (entry_stat(rootfd, "", AT_EMPTY_PATH, &sh.root) < 0)
		die_errno(EXIT_VOLOWN, "cannot stat `%s'", rootpath);
	trust_mount_ids(rootfd, rootpath, opts, &sh.root);
	if (fstatvfs(rootfd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		stats->read_only = true;
		return WALK_OK;
	}
	plan(opts, &jobs, &sh.window);
	sh.name_budget = NAME_BUDGET / jobs > MIN_NAMES ? NAME_BUDGET / jobs : MIN_NAMES;
	clock_gettime(CLOCK_MONOTONIC, &sh.start);
	sh.queue = xmalloc(jobs * sizeof *sh.queue);
	w = xmalloc(jobs * sizeof *w);
	for (unsigned i = 0; i < jobs; i++) {
		if (!(w[i] = calloc(1, sizeof **w)))
			die(EXIT_VOLOWN, "out of memory");
		w[i]->sh = &sh;
	}
	/* the other workers wait for subtrees; this thread walks from the root */
	for (; started < jobs; started++) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		int err = pthread_create(&w[started]->thread, &attr, work, w[started]);
		pthread_attr_destroy(&attr);
		if (err)
			break; /* fewer threads: still correct */
	}
	/* the root's name in messages, without trailing slashes */
	size_t rl = strlen(rootpath);
	while (rl > 1 && rootpath[rl - 1] == '/')
		rl--;
	char *name = xmalloc(rl + 1);
	memcpy(name, rootpath, rl);
	name[rl] = '\0';
	w[0]->st.checked = 1;
	walk_subtree(w[0], &(struct task){ rootfd, node_new(&sh, NULL, name, &sh.root, rootfd) });
	free(name);
	work(w[0]);
	for (unsigned i = 0; i < jobs; i++) {
		if (i > 0 && i < started)
			pthread_join(w[i]->thread, NULL);
		stats->checked += w[i]->st.checked;
		stats->changed += w[i]->st.changed;
		stats->skipped += w[i]->st.skipped;
		stats->failed += w[i]->st.failed;
		free(w[i]->frames);
		free(w[i]->path);
		free(w[i]);
	}
	fflush(stdout);
	free(w);
	free(sh.queue);
	stats->incomplete = sh.incomplete || sh.failed;
	if (opts->stop && *opts->stop)
		return WALK_STOPPED;
	return sh.failed ? WALK_FAILED : WALK_OK;
}
