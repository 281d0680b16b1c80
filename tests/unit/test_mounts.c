/* Unit tests for mounts.c: mountinfo lines as a Docker container sees them, and the
 * choice of which mounts --auto takes. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

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
	{ "613 612 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n", "/proc", "proc",
	  0 },
	{ "614 612 0:56 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n", "/dev", "tmpfs",
	  0 },
	{ "618 614 0:51 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k\n",
	  "/dev/shm", "tmpfs", 0 },
	{ "616 612 0:58 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n", "/sys", "sysfs",
	  0 },
	{ "619 612 254:0 /var/lib/docker/volumes/v/_data /data/named rw,relatime master:1 - ext4 "
	  "/dev/vda rw\n",
	  "/data/named", "ext4", 1 },
	{ "620 612 0:60 / /data/tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw\n",
	  "/data/tmp", "tmpfs", 1 },
	{ "621 612 254:0 /srv/ro /data/ro ro,relatime - ext4 /dev/vda rw\n", "/data/ro", "ext4",
	  0 },
	{ "622 612 254:0 /c/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw\n",
	  "/etc/resolv.conf", "ext4", 0 },
	{ "623 612 254:0 /c/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw\n",
	  "/etc/hostname", "ext4", 0 },
	{ "624 612 254:0 /c/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw\n", "/etc/hosts",
	  "ext4", 0 },
	{ "625 612 254:0 /x /data/with\\040space rw shared:1 master:2 - ext4 /dev/vda rw\n",
	  "/data/with space", "ext4", 1 },
	{ "626 612 254:0 /x /data/back\\134slash rw - ext4 /dev/vda rw\n", "/data/back\\slash",
	  "ext4", 1 },
	{ "627 612 0:61 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n", "/sys/fs/cgroup",
	  "cgroup2", 0 },
	{ "628 612 0:62 / /mnt/cg rw - cgroup2 cgroup rw\n", "/mnt/cg", "cgroup2", 0 },
	{ "629 612 0:63 / /procfoo rw - ext4 /dev/vda rw\n", "/procfoo", "ext4", 1 },
	{ "630 612 0:64 / /data/rofs rw,nosuid,ro - ext4 /dev/vda rw\n", "/data/rofs", "ext4", 0 },
	{ "631 612 0:65 / /data/rox rw,rox - ext4 /dev/vda rw\n", "/data/rox", "ext4", 1 },
	{ "632 612 0:66 / /run rw,nosuid - tmpfs tmpfs rw\n", "/run", "tmpfs", 0 },
	{ "633 612 0:67 / /run/app rw - tmpfs tmpfs rw\n", "/run/app", "tmpfs", 1 },
	{ "633 612 254:0 /var/lib/docker/volumes/pg/_data /run/postgresql rw - ext4 /dev/vda rw\n",
	  "/run/postgresql", "ext4", 1 },
	{ "633 612 254:1 /volumes/pg/_data /var/run/postgresql rw - ext4 /dev/vdb rw\n",
	  "/var/run/postgresql", "ext4", 1 },
	{ "633 612 254:0 /var/lib/docker/volumes/pg/_data /run rw - ext4 /dev/vda rw\n", "/run",
	  "ext4", 0 },
	{ "633 612 254:0 /var/lib/docker/volumes/t/_data /tmp rw - ext4 /dev/vda rw\n", "/tmp",
	  "ext4", 0 },
	{ "633 612 0:70 / /var/run rw - tmpfs tmpfs rw\n", "/var/run", "tmpfs", 0 },
	{ "634 612 0:68 / /tmp rw - tmpfs tmpfs rw,mode=1777\n", "/tmp", "tmpfs", 0 },
	{ "635 612 0:69 / /var/tmp rw - tmpfs tmpfs rw\n", "/var/tmp", "tmpfs", 0 },
	{ "636 612 254:0 /x /var rw - ext4 /dev/vda rw\n", "/var", "ext4", 0 },
	{ "637 612 254:0 /x /var/lib/app rw - ext4 /dev/vda rw\n", "/var/lib/app", "ext4", 1 },
	{ "638 612 254:0 /x /tmp/app rw - ext4 /dev/vda rw\n", "/tmp/app", "ext4", 1 },
	{ "639 612 254:0 /x /etc rw - ext4 /dev/vda rw\n", "/etc", "ext4", 0 },
	/* what a bind mount's source is, by its root field */
	{ "640 612 254:0 / /host rw - ext4 /dev/vda rw\n", "/host", "ext4", 1 }, /* by content */
	{ "640 612 7:0 / /data/pv rw - ext4 /dev/loop0 rw\n", "/data/pv", "ext4", 1 },
	{ "641 612 254:0 /etc /host-etc rw - ext4 /dev/vda rw\n", "/host-etc", "ext4", 0 },
	{ "641 612 254:0 /etc/nginx /conf rw - ext4 /dev/vda rw\n", "/conf", "ext4", 0 },
	{ "641 612 254:0 /usr /host-usr rw - ext4 /dev/vda rw\n", "/host-usr", "ext4", 0 },
	{ "641 612 254:0 /usr/local/share/x /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "641 612 254:0 /boot /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "641 612 254:0 /lib64 /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "641 612 254:0 /library /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 1 },
	{ "641 612 254:0 /etcetera /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 1 },
	{ "641 612 254:0 /var /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "641 612 254:0 /var/lib /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "641 612 254:0 /var/lib/app /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 1 },
	{ "641 612 254:0 /home /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "641 612 254:0 /home/dev/project /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 1 },
	{ "641 612 254:0 /root /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "641 612 254:0 /tmp /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "641 612 254:0 /tmp/build /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 1 },
	{ "641 612 0:22 / /x rw - tmpfs tmpfs rw\n", "/x", "tmpfs", 1 },
	{ "642 612 254:0 /var/lib/docker /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "642 612 254:0 /var/lib/docker/overlay2/ab/merged /x rw - ext4 /dev/vda rw\n", "/x",
	  "ext4", 0 },
	{ "642 612 254:0 /var/lib/docker/volumes /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "642 612 254:0 /var/lib/docker/volumes/v /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "642 612 254:0 /var/lib/docker/volumes/v/_data /x rw - ext4 /dev/vda rw\n", "/x", "ext4",
	  1 },
	{ "642 612 254:0 /var/lib/docker/volumes/v/_data/sub /x rw - ext4 /dev/vda rw\n", "/x",
	  "ext4", 1 },
	{ "642 612 254:0 /var/lib/docker/volumes/../_data /x rw - ext4 /dev/vda rw\n", "/x", "ext4",
	  0 },
	{ "642 612 254:0 /var/lib/docker/containers/c/mounts /x rw - ext4 /dev/vda rw\n", "/x",
	  "ext4", 0 },
	{ "642 612 254:0 /var/lib/dockerish /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 1 },
	{ "643 612 254:0 /var/lib/containers/storage/volumes/v/_data /x rw - ext4 /dev/vda rw\n",
	  "/x", "ext4", 1 },
	{ "643 612 254:0 /var/lib/containers/storage/overlay /x rw - ext4 /dev/vda rw\n", "/x",
	  "ext4", 0 },
	{ "643 612 254:0 /var/lib/containers /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "644 612 254:0 /var/lib/kubelet/pods/u-1/volumes/kubernetes.io~empty-dir/cache /x rw - "
	  "ext4 /dev/vda rw\n",
	  "/x", "ext4", 1 },
	{ "644 612 254:0 /var/lib/kubelet/pods/u-1/volume-subpaths/data/app/0 /x rw - ext4 "
	  "/dev/vda "
	  "rw\n",
	  "/x", "ext4", 1 },
	{ "644 612 254:0 /var/lib/kubelet/pods/u-1 /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "644 612 254:0 /var/lib/kubelet /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "645 612 254:0 /var/lib/containerd /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "645 612 254:0 /var/lib/containerd/io.containerd.grpc.v1.cri /x rw - ext4 /dev/vda rw\n",
	  "/x", "ext4", 0 },
	{ "646 612 0:25 /docker /x rw - tmpfs tmpfs rw\n", "/x", "tmpfs", 1 }, /* by content */
	{ "646 612 254:0 /run/docker /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "646 612 254:0 /run/containerd /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "646 612 254:0 /run /x rw - ext4 /dev/vda rw\n", "/x", "ext4", 0 },
	{ "", NULL, NULL, 0 },
	{ "1 2 3:4 / /x rw\n", NULL, NULL, 0 },			  /* no separator */
	{ "1 2 3:4 / /x rw -\n", NULL, NULL, 0 },		  /* no fstype */
	{ "1 2 3:4 / relative rw - ext4 x rw\n", NULL, NULL, 0 }, /* mount point not absolute */
	{ "1 2 3:4 /\n", NULL, NULL, 0 },
};

static void test_rows(int empty)
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
				is_str(m.mount_point, rows[i].mount_point, "line %zu mount point",
				       i);
				is_str(m.fstype, rows[i].fstype, "line %zu fstype", i);
				bool host;
				const char *why = mounts_exclusion(&m, empty, &host);
				ok((why == NULL) == rows[i].taken, "%s is %s%s%s",
				   rows[i].mount_point, rows[i].taken ? "taken" : "left out",
				   why ? ": " : "", why ? why : "");
			}
		}
		free(line);
	}
}

struct collected {
	char seen[2048];
};

static void collect(const char *mp, const char *why_not, void *ctx)
{
	struct collected *c = ctx;
	size_t n = strlen(c->seen);
	snprintf(c->seen + n, sizeof c->seen - n, "%s%s=%s", n ? " " : "", mp,
		 why_not ? "no" : "yes");
}

/* A directory `top/name' holding `entries' (d: directory, f: file, s: socket). */
static int make_dir(const char *top, const char *name, const char *const *entries)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", top, name);
	if (mkdir(path, 0755) < 0)
		abort();
	for (; *entries; entries++) {
		char e[600];
		snprintf(e, sizeof e, "%s/%s", path, *entries + 1);
		if (strchr(*entries + 1, '/')) { /* a parent first */
			char parent[600];
			snprintf(parent, sizeof parent, "%s", e);
			*strrchr(parent, '/') = '\0';
			mkdir(parent, 0755);
		}
		if (**entries == 'd' && mkdir(e, 0755) < 0)
			abort();
		if (**entries == 'f') {
			FILE *fp = fopen(e, "w");
			if (!fp)
				abort();
			fclose(fp);
		}
		if (**entries == 's') {
			struct sockaddr_un sa = { .sun_family = AF_UNIX };
			int fd = socket(AF_UNIX, SOCK_STREAM, 0);
			if (strlen(e) >= sizeof sa.sun_path)
				abort();
			memcpy(sa.sun_path, e, strlen(e) + 1);
			if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
				abort();
			close(fd);
		}
	}
	return open(path, O_RDONLY | O_DIRECTORY);
}

/* What a directory holds tells a host's tree from a volume. */
static void test_content(const char *top)
{
	static const struct {
		const char *name;
		const char *entries[6];
		const char *why; /* NULL: taken */
	} dirs[] = {
		{ "osroot",
		  { "detc", "dusr", "dproc", "dvar" },
		  "operating system (etc/ and usr/)" },
		{ "etc",
		  { "fpasswd", "fgroup", "fos-release", "fhostname" },
		  "operating system's /etc" },
		{ "usr", { "dbin", "dlib", "dsbin", "dshare" }, "operating system's /usr" },
		{ "docker",
		  { "dcontainers", "dimage", "doverlay2", "dvolumes" },
		  "Docker's data root" },
		{ "containerd", { "dio.containerd.metadata.v1.bolt" }, "containerd's data root" },
		{ "storage", { "doverlay-containers", "doverlay-images" }, "Podman or CRI-O" },
		{ "containers", { "dstorage/overlay-containers" }, "Podman or CRI-O" },
		{ "kubelet", { "dpods", "dplugins", "dplugins_registry" }, "kubelet's data root" },
		{ "run", { "sdocker.sock", "ddocker" }, "engine's socket" },
		{ "rundocker",
		  { "druntime-runc", "dlibnetwork", "dcontainerd" },
		  "Docker's runtime" },
		{ "runcontainerd", { "scontainerd.sock" }, "engine's socket" },
		{ "podman", { "spodman.sock" }, "engine's socket" },
		/* volumes that look a little like those, taken */
		{ "venv", { "dbin", "dlib", "dinclude", "dshare" }, NULL },
		{ "project", { "ddocker", "detc", "fMakefile" }, NULL },
		{ "appsock", { "sapp.sock", "ddata" }, NULL },
		{ "fakesock", { "fdocker.sock" }, NULL }, /* a file, not a socket */
		{ "justetc", { "detc", "fusr" }, NULL },
		{ "empty", { NULL }, NULL },
	};
	char line[] = "700 612 0:99 / /v rw - ext4 /dev/vdz rw\n";
	struct mountinfo m;

	if (mountinfo_parse_line(line, &m) < 0)
		abort();
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		int fd = make_dir(top, dirs[i].name, dirs[i].entries);
		bool host;
		const char *why = mounts_exclusion(&m, fd, &host);
		if (dirs[i].why)
			ok(why && host && strstr(why, dirs[i].why),
			   "a mount holding `%s' is left alone: %s", dirs[i].name,
			   why ? why : "taken");
		else
			ok(!why, "a mount holding `%s' is taken%s%s", dirs[i].name, why ? ": " : "",
			   why ? why : "");
		close(fd);
	}
}

static void test_container(void)
{
	static const struct {
		unsigned long long pidns;
		const char *root_line; /* NULL: no root mount */
		int container;
	} cases[] = {
		{ 4026532200ull, "1 0 0:1 / / rw - overlay overlay rw,lowerdir=/l\n", 1 },
		{ 4026532200ull, "1 0 0:1 / / rw - fuse.fuse-overlayfs fuse-overlayfs rw\n", 1 },
		{ 4026532200ull, "1 0 254:0 /var/lib/docker/vfs/dir/abc / rw - ext4 /dev/vda rw\n",
		  1 },
		{ 4026532200ull, "1 0 0:40 /btrfs/subvolumes/abc / rw - btrfs /dev/vdb rw\n", 1 },
		{ 4026532200ull, "1 0 254:0 / / rw - ext4 /dev/vda rw\n",
		  0 }, /* unshare -p on a host */
		{ 4026532200ull, "1 0 0:2 / / rw - tmpfs rootfs rw\n", 0 },
		{ 4026532200ull, NULL, 0 },
		{ MOUNTS_HOST_PIDNS_INO, "1 0 0:1 / / rw - overlay overlay rw\n",
		  0 }, /* --pid=host */
		{ MOUNTS_HOST_PIDNS_INO, "1 0 254:0 / / rw - ext4 /dev/vda rw\n", 0 },
		{ 0, "1 0 0:1 / / rw - overlay overlay rw\n", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct mountinfo m;
		char *line = cases[i].root_line ? strdup(cases[i].root_line) : NULL;
		if (line && mountinfo_parse_line(line, &m) < 0)
			abort();
		const char *why = mounts_not_container(cases[i].pidns, line ? &m : NULL);
		ok((why == NULL) == cases[i].container, "pid namespace %llu, root %s: %s",
		   cases[i].pidns, line ? m.fstype : "none", why ? why : "a container");
		free(line);
	}
}

static void test_scan_overmount(const char *top)
{
	char table[1024];
	struct collected c = { "" };
	const char *not_container = "unset";
	FILE *fp;
	int n = snprintf(table, sizeof table,
			 "1 0 0:1 / / rw - overlay overlay rw\n"
			 "2 1 0:2 / %s/one rw - ext4 /dev/vda rw\n"
			 "garbage line\n"
			 "3 1 0:3 / %s/one ro - ext4 /dev/vda rw\n"
			 "4 1 0:4 / %s/two rw - tmpfs tmpfs rw\n"
			 "5 1 0:5 / %s/osroot rw - ext4 /dev/vda rw\n"
			 "6 5 0:6 / %s/osroot/tmp/pv rw - ext4 /dev/loop0 rw\n"
			 "7 1 0:7 / %s/two/nested rw - tmpfs tmpfs rw\n",
			 top, top, top, top, top, top);

	mkdir(strcat(strcpy((char[600]){ 0 }, top), "/one"), 0755);
	mkdir(strcat(strcpy((char[600]){ 0 }, top), "/two"), 0755);
	mkdir(strcat(strcpy((char[600]){ 0 }, top), "/two/nested"), 0755);
	fp = fmemopen(table, (size_t)n, "r");
	ok(fp && mounts_scan(fp, 4026532200ull, &not_container, collect, &c) == 0 && !not_container,
	   "a whole table scans, in a container");
	char want[2048];
	snprintf(want, sizeof want,
		 "/=no %s/one=no %s/two=yes %s/osroot=no %s/osroot/tmp/pv=no %s/two/nested=yes",
		 top, top, top, top, top);
	is_str(c.seen, want,
	       "a mount point mounted over is judged by its last mount; garbage is skipped; "
	       "a mount inside one that exposes the host is left alone, inside a volume taken");
	fclose(fp);

	c.seen[0] = '\0';
	fp = fmemopen(table, (size_t)n, "r");
	ok(fp && mounts_scan(fp, MOUNTS_HOST_PIDNS_INO, &not_container, collect, &c) == 1 &&
		   not_container && !c.seen[0],
	   "on a host, nothing is reported, with the reason: %s",
	   not_container ? not_container : "none");
	fclose(fp);
}

int main(void)
{
	char top[] = "/tmp/volown-unit-mounts-XXXXXX";
	char cmd[128];
	int empty;

	if (!mkdtemp(top))
		abort();
	empty = open(top, O_RDONLY | O_DIRECTORY);
	test_rows(empty);
	close(empty);
	test_content(top);
	test_container();
	test_scan_overmount(top);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	if (system(cmd) != 0)
		abort();
	return tap_done();
}
