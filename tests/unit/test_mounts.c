/* Unit tests for mounts.c: mountinfo lines as a Docker container sees them, and the
 * choice of which mounts --auto takes. */
#include <stdlib.h>

#include "mounts.h"
#include "tap.h"

struct row {
	const char *line;
	const char *mount_point; /* NULL: malformed */
	const char *fstype;
	int taken;
};

static const struct row rows[] = {
	{ "612 553 0:52 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/l,upperdir=/u\n",
	  "/", "overlay", 0 },
	{ "613 612 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n", "/proc", "proc", 0 },
	{ "614 612 0:56 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n", "/dev", "tmpfs", 0 },
	{ "618 614 0:51 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k\n",
	  "/dev/shm", "tmpfs", 0 },
	{ "616 612 0:58 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n", "/sys", "sysfs", 0 },
	{ "619 612 254:0 /var/lib/docker/volumes/v/_data /data/named rw,relatime master:1 - ext4 /dev/vda rw\n",
	  "/data/named", "ext4", 1 },
	{ "620 612 0:60 / /data/tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw\n", "/data/tmp", "tmpfs", 1 },
	{ "621 612 254:0 /srv/ro /data/ro ro,relatime - ext4 /dev/vda rw\n", "/data/ro", "ext4", 0 },
	{ "622 612 254:0 /c/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw\n",
	  "/etc/resolv.conf", "ext4", 0 },
	{ "623 612 254:0 /c/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw\n", "/etc/hostname", "ext4", 0 },
	{ "624 612 254:0 /c/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw\n", "/etc/hosts", "ext4", 0 },
	{ "625 612 254:0 /x /data/with\\040space rw shared:1 master:2 - ext4 /dev/vda rw\n",
	  "/data/with space", "ext4", 1 },
	{ "626 612 254:0 /x /data/back\\134slash rw - ext4 /dev/vda rw\n", "/data/back\\slash", "ext4", 1 },
	{ "627 612 0:61 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n", "/sys/fs/cgroup", "cgroup2", 0 },
	{ "628 612 0:62 / /mnt/cg rw - cgroup2 cgroup rw\n", "/mnt/cg", "cgroup2", 0 },
	{ "629 612 0:63 / /procfoo rw - ext4 /dev/vda rw\n", "/procfoo", "ext4", 1 },
	{ "630 612 0:64 / /data/rofs rw,nosuid,ro - ext4 /dev/vda rw\n", "/data/rofs", "ext4", 0 },
	{ "631 612 0:65 / /data/rox rw,rox - ext4 /dev/vda rw\n", "/data/rox", "ext4", 1 },
	{ "632 612 0:66 / /run rw,nosuid - tmpfs tmpfs rw\n", "/run", "tmpfs", 0 },
	{ "633 612 0:67 / /run/app rw - tmpfs tmpfs rw\n", "/run/app", "tmpfs", 0 },
	{ "634 612 0:68 / /tmp rw - tmpfs tmpfs rw,mode=1777\n", "/tmp", "tmpfs", 0 },
	{ "635 612 0:69 / /var/tmp rw - tmpfs tmpfs rw\n", "/var/tmp", "tmpfs", 0 },
	{ "636 612 254:0 /x /var rw - ext4 /dev/vda rw\n", "/var", "ext4", 0 },
	{ "637 612 254:0 /x /var/lib/app rw - ext4 /dev/vda rw\n", "/var/lib/app", "ext4", 1 },
	{ "638 612 254:0 /x /tmp/app rw - ext4 /dev/vda rw\n", "/tmp/app", "ext4", 1 },
	{ "639 612 254:0 /x /etc rw - ext4 /dev/vda rw\n", "/etc", "ext4", 0 },
	{ "", NULL, NULL, 0 },
	{ "1 2 3:4 / /x rw\n", NULL, NULL, 0 },                 /* no separator */
	{ "1 2 3:4 / /x rw -\n", NULL, NULL, 0 },               /* no fstype */
	{ "1 2 3:4 / relative rw - ext4 x rw\n", NULL, NULL, 0 }, /* mount point not absolute */
	{ "1 2 3:4 /\n", NULL, NULL, 0 },
};

static void test_rows(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char *line = strdup(rows[i].line);
		struct mountinfo m;
		int rc = mountinfo_parse_line(line, &m);
		if (!rows[i].mount_point) {
			ok(rc < 0, "malformed line %zu is rejected", i);
		} else {
			ok(rc == 0, "line %zu parses", i);
			if (rc == 0) {
				is_str(m.mount_point, rows[i].mount_point, "line %zu mount point", i);
				is_str(m.fstype, rows[i].fstype, "line %zu fstype", i);
				const char *why = mounts_exclusion(&m);
				ok((why == NULL) == rows[i].taken, "%s is %s%s%s", rows[i].mount_point,
				   rows[i].taken ? "taken" : "left out", why ? ": " : "", why ? why : "");
			}
		}
		free(line);
	}
}

struct collected {
	char seen[1024];
};

static void collect(const char *mp, const char *why_not, void *ctx)
{
	struct collected *c = ctx;
	size_t n = strlen(c->seen);
	snprintf(c->seen + n, sizeof c->seen - n, "%s%s=%s", n ? " " : "", mp, why_not ? "no" : "yes");
}

static void test_scan_overmount(void)
{
	const char table[] =
		"1 0 0:1 / / rw - overlay overlay rw\n"
		"2 1 0:2 / /data rw - ext4 /dev/vda rw\n"
		"garbage line\n"
		"3 1 0:3 / /data ro - ext4 /dev/vda rw\n"
		"4 1 0:4 / /other rw - tmpfs tmpfs rw\n";
	FILE *fp = fmemopen((void *)table, sizeof table - 1, "r");
	struct collected c = { "" };
	ok(fp && mounts_scan(fp, collect, &c) == 0, "a whole table scans");
	is_str(c.seen, "/=no /data=no /other=yes",
	       "a mount point mounted over is judged by its last mount; garbage is skipped");
	fclose(fp);
}

int main(void)
{
	test_rows();
	test_scan_overmount();
	return tap_done();
}
