/* Unit tests of the doctor's judgement: the image's passwd and group, user specs
 * resolved as the engine does, and the predicted root of every kind of mount with
 * whether the user can write there. Table-driven, TAP output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "mountspec.h"
#include "override.h"
#include "userswitch.h"
#include "passwd.h"
#include "predict.h"
#include "tap.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# a comment\n"
			     "mailhog:x:1000:1000:mailhog:/home/mailhog:/bin/sh\n"
			     "broken line\n"
			     "app:x:2000:2000::/app:/sbin/nologin\n";
static const char group[] = "root:x:0:\nmailhog:x:1000:\napp:x:2000:\nshared:x:3000:app,other\n";

static void test_identity(void)
{
	static const struct {
		const char *spec;
		int rc;
		long uid, gid;
		const char *name;
		size_t n_groups;
	} cases[] = {
		{ "", 0, 0, 0, "root", 0 },
		{ "mailhog", 0, 1000, 1000, "mailhog", 0 },
		{ "1000", 0, 1000, 1000, "mailhog", 0 },
		{ "app", 0, 2000, 2000, "app", 1 },
		{ "app:app", 0, 2000, 2000, "app", 0 },
		{ "app:3000", 0, 2000, 3000, "app", 0 },
		{ "1000:1000", 0, 1000, 1000, "mailhog", 0 },
		{ "4242", 0, 4242, 0, NULL, 0 },
		{ "4242:4242", 0, 4242, 4242, NULL, 0 },
		{ "0:shared", 0, 0, 3000, "root", 0 },
		{ "nobody", -1, 0, 0, NULL, 0 },
		{ "mailhog:nogroup", -1, 0, 0, NULL, 0 },
	};
	struct pwdb db;

	pwdb_parse(&db, passwd, group);
	ok(db.n_users == 3 && db.n_groups == 4, "passwd: well-formed lines only");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct identity who = { 0 };
		int rc = resolve_identity(&db, cases[i].spec, &who);

		if (cases[i].rc < 0) {
			ok(rc < 0 && who.error, "user \"%s\" is refused", cases[i].spec);
		} else {
			ok(rc == 0 && who.uid == cases[i].uid && who.gid == cases[i].gid &&
				   who.n_groups == cases[i].n_groups,
			   "user \"%s\" is %ld:%ld with %zu more groups", cases[i].spec, cases[i].uid,
			   cases[i].gid, cases[i].n_groups);
			is_str(who.name, cases[i].name, "user \"%s\": name", cases[i].spec);
		}
		identity_free(&who);
	}
	pwdb_free(&db);
}

#define DIR_(u, g, m) { .exists = true, .is_dir = true, .uid = (u), .gid = (g), .mode = (m) }
#define NONE { 0 }

static void test_prediction(void)
{
	static const struct {
		const char *what;
		enum mount_type type;
		bool long_syntax, nocopy, nonempty, ro;
		long tmode, tuid;
		struct node image_dir, existing;
		const char *user;
		enum origin origin;
		long uid;
		unsigned mode;
		enum verdict verdict;
		bool no_dac; /* root without CAP_DAC_OVERRIDE (cap_drop) */
		int host;    /* 1: --chown-bind-mounts; 2: a volume bound to a host directory */
	} cases[] = {
		{ "the seed: new volume, no directory in the image", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  NONE, NONE, "mailhog", ORIGIN_VOLUME_NEW, 0, 0755, VERDICT_PROBLEM, 0, 0 },
		{ "new volume, the image's directory owned by the user", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  DIR_(1000, 1000, 0755), NONE, "mailhog", ORIGIN_VOLUME_COPIED, 1000, 0755, VERDICT_OK, 0, 0 },
		{ "existing volume with data keeps root", MOUNT_VOLUME, 0, 0, 1, 0, -1, -1,
		  DIR_(1000, 1000, 0755), DIR_(0, 0, 0755), "mailhog", ORIGIN_VOLUME_KEPT, 0, 0755, VERDICT_PROBLEM, 0, 0 },
		{ "existing empty volume is copied into", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  DIR_(1000, 1000, 0700), DIR_(0, 0, 0755), "mailhog", ORIGIN_VOLUME_COPIED, 1000, 0700, VERDICT_OK, 0, 0 },
		{ "existing empty volume, nothing to copy", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  NONE, DIR_(1000, 1000, 0755), "mailhog", ORIGIN_VOLUME_EMPTY_KEPT, 1000, 0755, VERDICT_OK, 0, 0 },
		{ "nocopy: the image's directory is ignored", MOUNT_VOLUME, 1, 1, 0, 0, -1, -1,
		  DIR_(1000, 1000, 0755), NONE, "mailhog", ORIGIN_VOLUME_NEW, 0, 0755, VERDICT_PROBLEM, 0, 0 },
		{ "group-writable directory, user in the group", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  DIR_(0, 3000, 0775), NONE, "app", ORIGIN_VOLUME_COPIED, 0, 0775, VERDICT_OK, 0, 0 },
		{ "group-writable directory, user not in the group", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  DIR_(0, 3000, 0775), NONE, "mailhog", ORIGIN_VOLUME_COPIED, 0, 0775, VERDICT_PROBLEM, 0, 0 },
		{ "owner without search permission", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  DIR_(1000, 1000, 0600), NONE, "mailhog", ORIGIN_VOLUME_COPIED, 1000, 0600, VERDICT_PROBLEM, 0, 0 },
		{ "root writes anywhere", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  NONE, NONE, "root", ORIGIN_VOLUME_NEW, 0, 0755, VERDICT_OK, 0, 0 },
		{ "read-only is not judged", MOUNT_VOLUME, 0, 0, 0, 1, -1, -1,
		  NONE, NONE, "mailhog", ORIGIN_VOLUME_NEW, 0, 0755, VERDICT_READ_ONLY, 0, 0 },
		{ "bind: root-owned host directory, the user's own files", MOUNT_BIND, 0, 0, 0, 0, -1, -1,
		  NONE, DIR_(0, 0, 0755), "mailhog", ORIGIN_BIND_HOST, 0, 0755, VERDICT_IF_WRITTEN, 0, 0 },
		{ "bind: root-owned host directory, --chown-bind-mounts", MOUNT_BIND, 0, 0, 0, 0, -1, -1,
		  NONE, DIR_(0, 0, 0755), "mailhog", ORIGIN_BIND_HOST, 0, 0755, VERDICT_PROBLEM, 0, 1 },
		{ "bind: a root-owned single file, even with --chown-bind-mounts", MOUNT_BIND, 0, 0, 0, 0, -1, -1,
		  NONE, { .exists = true, .mode = 0644 }, "mailhog", ORIGIN_BIND_HOST, 0, 0644, VERDICT_IF_WRITTEN, 0, 1 },
		{ "bind: a root-owned single file that is read-only", MOUNT_BIND, 0, 0, 0, 1, -1, -1,
		  NONE, { .exists = true, .mode = 0644 }, "mailhog", ORIGIN_BIND_HOST, 0, 0644, VERDICT_READ_ONLY, 0, 1 },
		{ "a volume bound to a root-owned host directory with data", MOUNT_VOLUME, 0, 0, 1, 0, -1, -1,
		  NONE, DIR_(0, 0, 0755), "mailhog", ORIGIN_VOLUME_KEPT, 0, 0755, VERDICT_IF_WRITTEN, 0, 2 },
		{ "bind: world-writable host directory", MOUNT_BIND, 0, 0, 0, 0, -1, -1,
		  NONE, DIR_(0, 0, 01777), "4242", ORIGIN_BIND_HOST, 0, 01777, VERDICT_OK, 0, 0 },
		{ "bind, short syntax: missing source is created root-owned", MOUNT_BIND, 0, 0, 0, 0, -1, -1,
		  NONE, NONE, "mailhog", ORIGIN_BIND_CREATED, 0, 0755, VERDICT_IF_WRITTEN, 0, 0 },
		{ "bind, long syntax: missing source is an error", MOUNT_BIND, 1, 0, 0, 0, -1, -1,
		  NONE, NONE, "mailhog", ORIGIN_BIND_MISSING, 0, 0, VERDICT_ERROR, 0, 0 },
		{ "tmpfs: 1777", MOUNT_TMPFS, 0, 0, 0, 0, -1, -1,
		  NONE, NONE, "mailhog", ORIGIN_TMPFS, 0, 01777, VERDICT_OK, 0, 0 },
		{ "tmpfs: mode= applies where the image has no directory", MOUNT_TMPFS, 0, 0, 0, 0, 0700, -1,
		  NONE, NONE, "mailhog", ORIGIN_TMPFS, 0, 0700, VERDICT_PROBLEM, 0, 0 },
		{ "tmpfs: the covered directory's mode wins", MOUNT_TMPFS, 0, 0, 0, 0, 0777, -1,
		  DIR_(1000, 1000, 0755), NONE, "mailhog", ORIGIN_TMPFS, 0, 0755, VERDICT_PROBLEM, 0, 0 },
		{ "tmpfs: uid= makes the user the owner", MOUNT_TMPFS, 0, 0, 0, 0, -1, 1000,
		  DIR_(0, 0, 0755), NONE, "mailhog", ORIGIN_TMPFS, 1000, 0755, VERDICT_OK, 0, 0 },
		{ "root without CAP_DAC_OVERRIDE, another user's directory", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  DIR_(1000, 1000, 0755), NONE, "root", ORIGIN_VOLUME_COPIED, 1000, 0755, VERDICT_PROBLEM, 1, 0 },
		{ "root without CAP_DAC_OVERRIDE, its own directory", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  NONE, NONE, "root", ORIGIN_VOLUME_NEW, 0, 0755, VERDICT_OK, 1, 0 },
		{ "root without CAP_DAC_OVERRIDE, a world-writable tmpfs", MOUNT_TMPFS, 0, 0, 0, 0, -1, -1,
		  NONE, NONE, "root", ORIGIN_TMPFS, 0, 01777, VERDICT_OK, 1, 0 },
		{ "root with CAP_DAC_OVERRIDE, another user's 0500 directory", MOUNT_VOLUME, 0, 0, 0, 0, -1, -1,
		  DIR_(1000, 1000, 0500), NONE, "root", ORIGIN_VOLUME_COPIED, 1000, 0500, VERDICT_OK, 0, 0 },
	};
	struct pwdb db;

	pwdb_parse(&db, passwd, group);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mount m = {
			.type = cases[i].type, .long_syntax = cases[i].long_syntax, .nocopy = cases[i].nocopy,
			.read_only = cases[i].ro, .existing_nonempty = cases[i].nonempty,
			.tmpfs_mode = cases[i].tmode, .tmpfs_uid = cases[i].tuid, .tmpfs_gid = -1,
			.image_dir = cases[i].image_dir, .existing = cases[i].existing,
			.source = "/host/dir", .target = "/data", .volume_name = "p_v",
			.chown_host = cases[i].host == 1, .device = cases[i].host == 2 ? "/host/dev" : NULL,
		};
		struct identity who = { 0 };

		resolve_identity(&db, cases[i].user, &who);
		who.dac_override = who.uid == 0 && !cases[i].no_dac;
		predict_mount(&m, &who, &db, NULL);
		ok(m.origin == cases[i].origin && m.verdict == cases[i].verdict &&
			   (cases[i].verdict == VERDICT_ERROR ||
			    (m.root.uid == cases[i].uid && m.root.mode == cases[i].mode)),
		   "%s: %s", cases[i].what, m.reason);
		free(m.reason);
		identity_free(&who);
	}
	pwdb_free(&db);
}

/* group_add: names through /etc/group, numbers as they are, on top of the user's. */
static void test_group_add(void)
{
	static const struct {
		const char *user, *add[3];
		int rc;
		const char *groups;
	} cases[] = {
		{ "mailhog", { "2000" }, 0, "2000" },
		{ "app", { "mailhog", "42" }, 0, "3000,1000,42" },
		{ "1000:1000", { "shared" }, 0, "3000" },
		{ "4242", { "nosuch" }, -1, "" },
	};
	struct pwdb db;

	pwdb_parse(&db, passwd, group);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct identity who = { 0 };
		struct strv add = { 0 };
		char list[64] = "";
		int rc;

		for (size_t k = 0; k < 3 && cases[i].add[k]; k++)
			strv_push(&add, cases[i].add[k]);
		resolve_identity(&db, cases[i].user, &who);
		rc = add_groups(&db, &add, &who);
		for (size_t k = 0; k < who.n_groups; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%ld", k ? "," : "",
				 who.groups[k]);
		if (cases[i].rc < 0)
			ok(rc < 0 && who.error && strstr(who.error, "group_add"),
			   "user %s, group_add %s: refused (%s)", cases[i].user, cases[i].add[0],
			   who.error ? who.error : "no error");
		else
			is_str(list, cases[i].groups, "user %s with group_add: groups", cases[i].user);
		strv_free(&add);
		identity_free(&who);
	}
	pwdb_free(&db);
}

/* The engine's capability rule, and what volown would miss in such a container. */
static void test_caps(void)
{
	static const struct {
		bool privileged;
		const char *add[3], *drop[3];
		bool dac;
		const char *missing;
	} cases[] = {
		{ 0, { 0 }, { 0 }, 1, "" },
		{ 0, { 0 }, { "ALL" }, 0, "CHOWN FOWNER SETUID SETGID DAC_READ_SEARCH" },
		{ 0, { "CHOWN", "cap_fowner" }, { "all" }, 0, "SETUID SETGID DAC_READ_SEARCH" },
		{ 0, { "DAC_READ_SEARCH" }, { "CAP_DAC_OVERRIDE" }, 0, "" },
		{ 0, { 0 }, { "DAC_OVERRIDE", "SETUID" }, 0, "SETUID DAC_READ_SEARCH" },
		{ 0, { "ALL" }, { "CHOWN" }, 1, "CHOWN" },
		{ 1, { 0 }, { "ALL" }, 1, "" },
		{ 0, { "NET_ADMIN" }, { "NET_RAW" }, 1, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct service s = { .privileged = cases[i].privileged };
		struct strv missing = { 0 };
		char words[128] = "";

		for (size_t k = 0; k < 3; k++) {
			if (cases[i].add[k])
				strv_push(&s.cap_add, cases[i].add[k]);
			if (cases[i].drop[k])
				strv_push(&s.cap_drop, cases[i].drop[k]);
		}
		volown_missing_caps(&s, &missing);
		for (size_t k = 0; k < missing.n; k++)
			snprintf(words + strlen(words), sizeof(words) - strlen(words), "%s%s", k ? " " : "",
				 missing.v[k]);
		ok(service_has_cap(&s, "DAC_OVERRIDE") == cases[i].dac,
		   "case %zu: DAC_OVERRIDE %s", i + 1, cases[i].dac ? "held" : "not held");
		is_str(words, cases[i].missing, "case %zu: volown would miss", i + 1);
		strv_free(&missing);
		strv_free(&s.cap_add);
		strv_free(&s.cap_drop);
	}
}

/* The override never names a path that volown refuses: the doctor's list is volown's
 * (src/paths.c, read here so that a new refused path there fails this test). */
static void test_volown_refuses(void)
{
	FILE *f = fopen("src/paths.c", "r");
	char line[512];
	int in_list = 0, n = 0;
	static const char *const fine[] = { "/var/lib/postgresql", "/data", "/etc/prometheus", "/srv" };

	ok(f != NULL, "src/paths.c can be read (run from the top of the tree)");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = line;

		if (strstr(line, "refused[] = {"))
			in_list = 1;
		else if (in_list && strstr(line, "};"))
			break;
		while (in_list && (p = strchr(p, '"'))) {
			char *end = strchr(p + 1, '"');

			if (!end)
				break;
			*end = '\0';
			ok(volown_refuses(p + 1), "volown refuses %s, and so does the doctor", p + 1);
			n++;
			p = end + 1;
		}
	}
	if (f)
		fclose(f);
	ok(n >= 10, "src/paths.c lists %d refused paths", n);
	ok(volown_refuses("/lib64") && volown_refuses("/libfoo"), "/lib* is refused as volown does");
	ok(volown_refuses("/data:mkdir") && !volown_refuses("/data"),
	   "a target with a colon is left out: --path would read what follows as settings");
	for (size_t i = 0; i < sizeof(fine) / sizeof(*fine); i++)
		ok(!volown_refuses(fine[i]), "%s is not refused", fine[i]);
}

/* Entrypoints that switch user: the tool, and the user when the command names it. */
static void test_user_switch(void)
{
	static const struct {
		const char *cmd, *script, *tool, *target;
	} cases[] = {
		{ "gosu postgres postgres", NULL, "gosu", "postgres" },
		{ "/usr/local/bin/su-exec 1000:1000 app", NULL, "su-exec", "1000:1000" },
		{ "/volown --user mailhog --path /data -- MailHog", NULL, "volown", "mailhog" },
		{ "setpriv --reuid=1000 --regid=1000 --init-groups app", NULL, "setpriv", "1000:1000" },
		{ "chroot --userspec=app:app / app", NULL, "chroot", "app:app" },
		{ "docker-entrypoint.sh postgres", "#!/bin/sh\nexec gosu postgres \"$@\"\n", "gosu", NULL },
		{ "docker-entrypoint.sh redis-server", "#!/bin/sh\nexec su-exec redis \"$0\"\n", "su-exec", NULL },
		{ "MailHog", "#!/bin/sh\necho gosuless; setpriv --dump\n", NULL, NULL },
		{ "chroot /jail app", NULL, NULL, NULL },
		{ "sh -c 'exec gosu app app'", NULL, "gosu", NULL },
		{ "MailHog", "#!/bin/sh\n# MailHog stand-in for volown's tests\necho su done\n", NULL, NULL },
		{ "run.sh", "#!/bin/sh\nset -e\nif [ \"$(id -u)\" = 0 ]; then exec /usr/sbin/gosu app \"$0\"; fi\n",
		  "gosu", NULL },
		{ "run.sh", "#!/bin/sh\nchown app /data && exec su-exec app \"$@\"  # drop\n", "su-exec", NULL },
		{ "run.sh", "#!/bin/sh\necho 'use gosu to drop privileges'\n", NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct strv cmd = { 0 };
		char *err = NULL, *target;
		const char *tool;

		shell_split(cases[i].cmd, &cmd, &err);
		tool = user_switch_tool(&cmd, cases[i].script);
		target = user_switch_target(&cmd);
		is_str(tool, cases[i].tool, "user switch in \"%s\"", cases[i].cmd);
		is_str(target, cases[i].target, "user switched to by \"%s\"", cases[i].cmd);
		free(target);
		free(err);
		strv_free(&cmd);
	}
}

int main(void)
{
	test_identity();
	test_prediction();
	test_group_add();
	test_caps();
	test_volown_refuses();
	test_user_switch();
	return tap_done();
}
