/* mounts.c — the container's writable volumes, from mountinfo (see mounts.h).
 *
 * A mountinfo line (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent dev root mount-point options [optional...] - fstype source super-options */
#include "mounts.h"
#include "paths.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

	for (int i = 0; i < 4; i++) /* id, parent, major:minor, root */
		if (!field(&cur))
			return -1;
	if (!(m->mount_point = field(&cur)) || !(m->options = field(&cur)))
		return -1;
	do { /* optional fields, up to the "-" separator */
		if (!(f = field(&cur)))
			return -1;
	} while (strcmp(f, "-") != 0);
	if (!(m->fstype = field(&cur)))
		return -1;
	size_t n = strlen(m->fstype);
	if (n && m->fstype[n - 1] == '\n')
		m->fstype[n - 1] = '\0';
	unescape(m->mount_point);
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

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const char *mounts_exclusion(const struct mountinfo *m)
{
	struct stat st;

	if (strcmp(m->mount_point, "/") == 0)
		return "the container's root filesystem";
	if (under(m->mount_point, "/proc") || under(m->mount_point, "/sys") ||
	    under(m->mount_point, "/dev"))
		return "a kernel filesystem (/proc, /sys, /dev)";
	for (size_t i = 0; i < sizeof engine_files / sizeof *engine_files; i++)
		if (strcmp(m->mount_point, engine_files[i]) == 0)
			return "a file the engine manages";
	for (size_t i = 0; i < sizeof pseudo_fs / sizeof *pseudo_fs; i++)
		if (strcmp(m->fstype, pseudo_fs[i]) == 0)
			return "a kernel filesystem";
	if (path_is_refused(m->mount_point, -1))
		return "a system directory";
	if (strcmp(m->mount_point, "/tmp") == 0 || strcmp(m->mount_point, "/var/tmp") == 0 ||
	    under(m->mount_point, "/run"))
		return "scratch space for every user (/tmp, /var/tmp, /run)";
	if (has_option(m->options, "ro"))
		return "mounted read-only";
	if (lstat(m->mount_point, &st) == 0 && !S_ISDIR(st.st_mode))
		return "not a directory";
	return NULL;
}

struct seen {
	char *mount_point;
	const char *why_not;
};

int mounts_scan(FILE *fp, mount_fn fn, void *ctx)
{
	struct seen *all = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	int rc = 0;

	while (getline(&line, &lcap, fp) != -1) {
		struct mountinfo m;
		if (mountinfo_parse_line(line, &m) < 0)
			continue;
		size_t i;
		for (i = 0; i < n && strcmp(all[i].mount_point, m.mount_point) != 0; i++)
			;
		if (i == n) {
			if (n == cap) {
				struct seen *a =
					realloc(all, (cap = cap ? cap * 2 : 32) * sizeof *a);
				if (!a) {
					rc = -1;
					break;
				}
				all = a;
			}
			if (!(all[n].mount_point = strdup(m.mount_point))) {
				rc = -1;
				break;
			}
			n++;
		}
		all[i].why_not = mounts_exclusion(&m); /* a later mount hides an earlier one */
	}
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			fn(all[i].mount_point, all[i].why_not, ctx);
		free(all[i].mount_point);
	}
	free(all);
	free(line);
	return rc;
}
