/* mounts.c — the container's writable volumes, from mountinfo (see mounts.h).
 *
 * A mountinfo line (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent dev root mount-point options [optional...] - fstype source super-options
 *
 * --auto takes a mount when it is a writable directory the container's engine put
 * there for it: a named or anonymous volume, a tmpfs, a bind mount of a project's
 * directory, a whole filesystem (a Kubernetes PersistentVolume). It never takes what
 * exposes the host: a bind mount whose source is a system directory, a directory
 * everyone shares, or an engine's state (by the root field), nor a directory that
 * holds an operating system, an engine's state or its socket (by what is in it). And
 * it looks for volumes only in a container (mounts_not_container): on a host, every
 * mount is the host's. */
#include "mounts.h"
#include "paths.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The engine's own files, bind-mounted into every container. */
static const char *const engine_files[] = { "/etc/hosts", "/etc/hostname", "/etc/resolv.conf" };

/* Kernel and runtime filesystems, never volumes. */
static const char *const pseudo_fs[] = {
	"proc",	   "sysfs",	  "cgroup", "cgroup2",	"devpts",    "mqueue",	 "securityfs",
	"debugfs", "tracefs",	  "bpf",    "fusectl",	"configfs",  "pstore",	 "hugetlbfs",
	"autofs",  "binfmt_misc", "nsfs",   "efivarfs", "selinuxfs", "devtmpfs",
};

/* "\040" and friends back to bytes, in place. */
static void unescape(char *s)
{
	char *out = s;
	for (char *in = s; *in; in++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') << 6 | (in[2] - '0') << 3 | (in[3] - '0'));
			in += 3;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
}

static void strip_newline(char *s)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '\n')
		s[n - 1] = '\0';
}

/* The next space-separated field, or NULL. */
static char *field(char **cursor)
{
	char *s = *cursor, *end;
	if (!s || !*s)
		return NULL;
	end = strchr(s, ' ');
	if (end) {
		*end = '\0';
		*cursor = end + 1;
	} else {
		end = s + strlen(s);
		if (end > s && end[-1] == '\n')
			end[-1] = '\0';
		*cursor = NULL;
	}
	return s;
}

int mountinfo_parse_line(char *line, struct mountinfo *m)
{
	char *cur = line, *f;

	for (int i = 0; i < 3; i++) /* id, parent, major:minor */
		if (!field(&cur))
			return -1;
	if (!(m->root = field(&cur)) || !(m->mount_point = field(&cur)) ||
	    !(m->options = field(&cur)))
		return -1;
	do { /* optional fields, up to the "-" separator */
		if (!(f = field(&cur)))
			return -1;
	} while (strcmp(f, "-") != 0);
	if (!(m->fstype = field(&cur)))
		return -1;
	m->source = field(&cur);
	if (!m->source)
		m->source = m->fstype + strlen(m->fstype); /* "" */
	strip_newline(m->fstype);
	strip_newline(m->source);
	unescape(m->root);
	unescape(m->mount_point);
	unescape(m->source);
	return m->mount_point[0] == '/' ? 0 : -1;
}

static bool has_option(const char *options, const char *opt)
{
	size_t n = strlen(opt);
	for (const char *p = options; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* `path' is `dir' or below it. */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* ---- is this a container? ---- */

/* Root filesystems that only container images have. */
static const char *const image_fs[] = { "overlay", "fuse.fuse-overlayfs", "fuse-overlayfs",
					"aufs" };

const char *mounts_not_container(unsigned long long pidns_ino, const struct mountinfo *root)
{
	if (pidns_ino == 0)
		return "its PID namespace cannot be read from /proc/self/ns/pid";
	if (pidns_ino == MOUNTS_HOST_PIDNS_INO)
		return "it runs in the host's first PID namespace";
	if (!root)
		return "mountinfo has no root filesystem";
	for (size_t i = 0; i < COUNT(image_fs); i++)
		if (strcmp(root->fstype, image_fs[i]) == 0)
			return NULL;
	if (strcmp(root->root, "/") != 0)
		return NULL; /* a directory of another filesystem: vfs, btrfs, devicemapper */
	return "its root filesystem is a whole filesystem, as a host's is, not a container "
	       "image's";
}

unsigned long long mounts_pid_namespace(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

const char *mounts_not_container_here(void)
{
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *root_line = NULL;
	size_t cap = 0;
	struct mountinfo m, rootm;
	const char *why;

	if (!fp)
		return "/proc/self/mountinfo cannot be read";
	while (getline(&line, &cap, fp) != -1) { /* the last mount at "/" */
		char *copy = strdup(line);
		if (copy && mountinfo_parse_line(copy, &m) == 0 &&
		    strcmp(m.mount_point, "/") == 0) {
			free(root_line);
			root_line = copy;
			rootm = m;
		} else {
			free(copy);
		}
	}
	fclose(fp);
	free(line);
	why = mounts_not_container(mounts_pid_namespace(), root_line ? &rootm : NULL);
	free(root_line);
	return why;
}

/* ---- mounts that expose the host, by where their source lies ---- */

/* Bind mounts of these, or of anything below them, are the host's own system. */
static const char *const host_trees[] = { "/etc",   "/usr",    "/bin",	"/sbin", "/lib", "/lib32",
					  "/lib64", "/libx32", "/boot", "/proc", "/sys", "/dev" };

/* Bind mounts of these directories themselves hold everyone's files. */
static const char *const host_dirs[] = { "/var",     "/var/lib", "/var/log", "/var/cache", "/run",
					 "/var/run", "/tmp",	 "/var/tmp", "/home",	   "/root",
					 "/opt",     "/srv",	 "/mnt",     "/media" };

/* The engines' state: never a volume, but for the directories where they keep
 * volumes (shell patterns, one component per `*'). */
static const struct {
	const char *dir;
	const char *volumes[2];
} engine_dirs[] = {
	{ "/var/lib/docker", { "volumes/*/_data" } },
	{ "/var/lib/containers", { "storage/volumes/*/_data" } },
	{ "/var/lib/kubelet", { "pods/*/volumes/*/*", "pods/*/volume-subpaths/*/*/*" } },
	{ "/var/lib/containerd", { NULL } },
	{ "/var/lib/cri-o", { NULL } },
	{ "/run/docker", { NULL } },
	{ "/var/run/docker", { NULL } },
	{ "/run/containerd", { NULL } },
	{ "/var/run/containerd", { NULL } },
	{ "/run/containers", { NULL } },
	{ "/run/podman", { NULL } },
	{ "/run/crio", { NULL } },
	{ "/var/run/crio", { NULL } },
};

/* `rest' (a path below an engine's directory, without a leading slash) starts with
 * the components of `pattern', where `*' stands for any one name (not . nor ..). */
static bool starts_with_pattern(const char *rest, const char *pattern)
{
	while (*pattern) {
		size_t p = strcspn(pattern, "/"), r = strcspn(rest, "/");
		bool any = p == 1 && pattern[0] == '*';
		if (r == 0 || (any ? (rest[0] == '.' && (r == 1 || (r == 2 && rest[1] == '.')))
				   : r != p || memcmp(rest, pattern, p) != 0))
			return false;
		pattern += p + (pattern[p] == '/');
		rest += r + (rest[r] == '/');
	}
	return true;
}

static const char *engine_state(const char *root)
{
	for (size_t i = 0; i < COUNT(engine_dirs); i++) {
		if (!under(root, engine_dirs[i].dir))
			continue;
		const char *rest = root + strlen(engine_dirs[i].dir);
		for (size_t k = 0; *rest && k < COUNT(engine_dirs[i].volumes); k++)
			if (engine_dirs[i].volumes[k] &&
			    starts_with_pattern(rest + 1, engine_dirs[i].volumes[k]))
				return NULL; /* a volume the engine made */
		return "a bind mount of a container engine's own state";
	}
	return NULL;
}

/* Why the source directory of `m' (its root field) is the host's own, or NULL. */
static const char *host_source(const struct mountinfo *m)
{
	for (size_t i = 0; i < COUNT(host_trees); i++)
		if (under(m->root, host_trees[i]))
			return "a bind mount of the host's system directories";
	for (size_t i = 0; i < COUNT(host_dirs); i++)
		if (strcmp(m->root, host_dirs[i]) == 0)
			return "a bind mount of one of the host's shared directories";
	return engine_state(m->root);
}

/* ---- mounts that expose the host, by what they hold ---- */

/* Entries that only a host's tree holds, all of them at once: the first character
 * of each is its type (d directory, f regular file, s socket, e anything). */
static const struct {
	const char *what;
	const char *entries[4];
} host_markers[] = {
	{ "it holds an operating system (etc/ and usr/)", { "detc", "dusr" } },
	{ "it holds an operating system's /etc", { "fpasswd", "fgroup", "eos-release" } },
	{ "it holds an operating system's /usr", { "dbin", "dlib", "dsbin", "dshare" } },
	{ "it holds Docker's data root", { "dcontainers", "dimage" } },
	{ "it holds containerd's data root", { "dio.containerd.metadata.v1.bolt" } },
	{ "it holds containerd's data root", { "dio.containerd.content.v1.content" } },
	{ "it holds containerd's runtime state", { "dio.containerd.runtime.v2.task" } },
	{ "it holds the container storage of Podman or CRI-O", { "doverlay-containers" } },
	{ "it holds the container storage of Podman or CRI-O", { "dstorage/overlay-containers" } },
	{ "it holds the kubelet's data root", { "dpods", "dplugins" } },
	{ "it holds Docker's runtime state", { "druntime-runc", "dlibnetwork" } },
	{ "it holds a container engine's socket", { "sdocker.sock" } },
	{ "it holds a container engine's socket", { "scontainerd.sock" } },
	{ "it holds a container engine's socket", { "scontainerd/containerd.sock" } },
	{ "it holds a container engine's socket", { "spodman.sock" } },
	{ "it holds a container engine's socket", { "scrio.sock" } },
	{ "it holds a container engine's socket", { "scri-dockerd.sock" } },
	{ "it holds a container engine's socket", { "sdockershim.sock" } },
};

static bool has_entry(int dirfd, const char *typed)
{
	struct stat st;

	if (fstatat(dirfd, typed + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	switch (typed[0]) {
	case 'd':
		return S_ISDIR(st.st_mode);
	case 'f':
		return S_ISREG(st.st_mode);
	case 's':
		return S_ISSOCK(st.st_mode);
	default:
		return true;
	}
}

static const char *host_content(int dirfd)
{
	for (size_t i = 0; i < COUNT(host_markers); i++) {
		bool all = true;
		for (size_t k = 0; all && k < COUNT(host_markers[i].entries); k++)
			all = !host_markers[i].entries[k] ||
			      has_entry(dirfd, host_markers[i].entries[k]);
		if (all)
			return host_markers[i].what;
	}
	return NULL;
}

/* The container's scratch space, shared by every user: mounts exactly there are left
 * alone (a volume mounted below them is judged like any other). */
static const char *const scratch[] = { "/tmp", "/var/tmp", "/run", "/var/run" };

const char *mounts_exclusion(const struct mountinfo *m, int dirfd, bool *host)
{
	const char *why;

	*host = false;
	if (strcmp(m->mount_point, "/") == 0)
		return "the container's root filesystem";
	if (under(m->mount_point, "/proc") || under(m->mount_point, "/sys") ||
	    under(m->mount_point, "/dev"))
		return "a kernel filesystem (/proc, /sys, /dev)";
	for (size_t i = 0; i < COUNT(engine_files); i++)
		if (strcmp(m->mount_point, engine_files[i]) == 0)
			return "a file the engine manages";
	for (size_t i = 0; i < COUNT(pseudo_fs); i++)
		if (strcmp(m->fstype, pseudo_fs[i]) == 0)
			return "a kernel filesystem";
	for (size_t i = 0; i < COUNT(scratch); i++)
		if (strcmp(m->mount_point, scratch[i]) == 0)
			return "scratch space for every user (/tmp, /var/tmp, /run)";
	if (path_is_refused(m->mount_point, -1))
		return "a system directory";
	if (has_option(m->options, "ro"))
		return "mounted read-only";
	if ((why = host_source(m)) || (dirfd >= 0 && (why = host_content(dirfd)))) {
		*host = true;
		return why;
	}
	if (dirfd < 0)
		return "not a directory";
	return NULL;
}

/* The last mount at each mount point, in the order the mount points first appear. */
struct seen {
	char *line; /* owns what m points into */
	struct mountinfo m;
	const char *why_not;
	bool host; /* left alone because it exposes the host */
};

static int remember(struct seen **all, size_t *n, size_t *cap, const char *line)
{
	struct seen s = { .line = strdup(line) };
	size_t i;

	if (!s.line)
		return -1;
	if (mountinfo_parse_line(s.line, &s.m) < 0) {
		free(s.line);
		return 0;
	}
	for (i = 0; i < *n && strcmp((*all)[i].m.mount_point, s.m.mount_point) != 0; i++)
		;
	if (i < *n) { /* a later mount hides an earlier one */
		free((*all)[i].line);
		(*all)[i] = s;
		return 0;
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct seen *a = realloc(*all, c * sizeof *a);
		if (!a) {
			free(s.line);
			return -1;
		}
		*all = a;
		*cap = c;
	}
	(*all)[(*n)++] = s;
	return 0;
}

/* A mount inside one that exposes the host (the host's /tmp/x below a bind mount of its
 * /, say) is the host's too. */
static const char *inside_host(const struct seen *all, size_t n, const char *mount_point)
{
	for (size_t i = 0; i < n; i++)
		if (all[i].host && strcmp(all[i].m.mount_point, mount_point) != 0 &&
		    under(mount_point, all[i].m.mount_point))
			return "inside a mount that exposes the host";
	return NULL;
}

static void judge(struct seen *s)
{
	int fd = open(s->m.mount_point, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	s->why_not = mounts_exclusion(&s->m, fd, &s->host);
	if (fd >= 0)
		close(fd);
}

int mounts_scan(FILE *fp, unsigned long long pidns_ino, const char **not_container, mount_fn fn,
		void *ctx)
{
	struct seen *all = NULL;
	const struct mountinfo *root = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	char *line = NULL;
	int rc = 0;

	while (rc == 0 && getline(&line, &lcap, fp) != -1)
		rc = remember(&all, &n, &cap, line);
	free(line);
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].m.mount_point, "/") == 0)
			root = &all[i].m;
	*not_container = rc == 0 ? mounts_not_container(pidns_ino, root) : NULL;
	if (*not_container)
		rc = 1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		judge(&all[i]);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *why = all[i].why_not;
		if (!all[i].host)
			why = inside_host(all, n, all[i].m.mount_point) ?: why;
		fn(all[i].m.mount_point, why, ctx);
	}
	for (size_t i = 0; i < n; i++)
		free(all[i].line);
	free(all);
	return rc;
}
