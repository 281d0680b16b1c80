/* Unit tests of the doctor's parsers: interpolation, the short volume syntax,
 * tmpfs options, command strings, project names, tar headers, YAML loading and
 * compose merging. Table-driven, TAP output. */
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "interp.h"
#include "mountspec.h"
#include "tap.h"
#include "tar.h"

static const char *lookup(const char *name, void *ctx)
{
	(void)ctx;
	if (!strcmp(name, "SET"))
		return "value";
	if (!strcmp(name, "EMPTY"))
		return "";
	return NULL;
}

static void test_interpolate(void)
{
	static const struct {
		const char *in, *want; /* want NULL: an error */
	} cases[] = {
		{ "plain", "plain" },
		{ "$SET", "value" },
		{ "${SET}", "value" },
		{ "a${SET}b$SET.c", "avaluebvalue.c" },
		{ "${UNSET}", "" },
		{ "$UNSET-x", "-x" },
		{ "${UNSET:-def}", "def" },
		{ "${UNSET-def}", "def" },
		{ "${EMPTY:-def}", "def" },
		{ "${EMPTY-def}", "" },
		{ "${SET:-def}", "value" },
		{ "$$SET", "$SET" },
		{ "${SET:?needed}", "value" },
		{ "${UNSET:?needed}", NULL },
		{ "${EMPTY:?needed}", NULL },
		{ "${EMPTY?needed}", "" },
		{ "${UNSET", NULL },
		{ "${}", NULL },
		{ "$1", NULL },
		{ "${SET/x}", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL, *err = NULL;
		int rc = interpolate(cases[i].in, lookup, NULL, &out, &err);

		if (cases[i].want)
			is_str(rc == 0 ? out : err, cases[i].want, "interpolate \"%s\"", cases[i].in);
		else
			ok(rc < 0 && err, "interpolate \"%s\" is an error (%s)", cases[i].in, err ? err : "none");
		free(out);
		free(err);
	}
}

static void test_short_volume(void)
{
	static const struct {
		const char *spec;
		int type; /* -1: an error */
		const char *source, *target;
		bool ro, nocopy;
	} cases[] = {
		{ "/data", MOUNT_VOLUME, NULL, "/data", false, false },
		{ "/data:ro", MOUNT_VOLUME, NULL, "/data", true, false },
		{ "store:/data", MOUNT_VOLUME, "store", "/data", false, false },
		{ "store:/data:ro", MOUNT_VOLUME, "store", "/data", true, false },
		{ "store:/data:nocopy", MOUNT_VOLUME, "store", "/data", false, true },
		{ "store:/data:ro,z", MOUNT_VOLUME, "store", "/data", true, false },
		{ "./inbox:/mailhog/inbox", MOUNT_BIND, "/proj/inbox", "/mailhog/inbox", false, false },
		{ "../x/./y:/y/", MOUNT_BIND, "/x/y", "/y", false, false },
		{ "/srv/data:/data:rw", MOUNT_BIND, "/srv/data", "/data", false, false },
		{ "~/d:/d", MOUNT_BIND, "/home/u/d", "/d", false, false },
		{ "store:data", -1, NULL, NULL, false, false },
		{ "a:/b:ro:x", -1, NULL, NULL, false, false },
		{ "store:/data:bogus", -1, NULL, NULL, false, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mount m = { 0 };
		char *err = NULL;
		int rc = parse_short_volume(cases[i].spec, "/proj", "/home/u", &m, &err);

		if (cases[i].type < 0) {
			ok(rc < 0 && err, "volume \"%s\" is an error (%s)", cases[i].spec, err ? err : "none");
		} else {
			ok(rc == 0 && (int)m.type == cases[i].type && m.read_only == cases[i].ro &&
				   m.nocopy == cases[i].nocopy,
			   "volume \"%s\": type, ro, nocopy", cases[i].spec);
			is_str(m.source, cases[i].source, "volume \"%s\": source", cases[i].spec);
			is_str(m.target, cases[i].target, "volume \"%s\": target", cases[i].spec);
		}
		free(m.source);
		free(m.target);
		free(err);
	}
}

static void test_tmpfs_options(void)
{
	static const struct {
		const char *opts;
		long mode, uid, gid;
		bool ro;
		int rc;
	} cases[] = {
		{ "size=64m", -1, -1, -1, false, 0 },
		{ "mode=1770,uid=1000,gid=2000", 01770, 1000, 2000, false, 0 },
		{ "ro,mode=0700", 0700, -1, -1, true, 0 },
		{ "noexec,uid=5", -1, 5, -1, false, 0 },
		{ "uid=abc", -1, -1, -1, false, -1 },
		{ "mode=9", -1, -1, -1, false, -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mount m = { .tmpfs_mode = -1, .tmpfs_uid = -1, .tmpfs_gid = -1 };
		char *err = NULL;
		int rc = parse_tmpfs_options(cases[i].opts, &m, &err);

		if (cases[i].rc < 0)
			ok(rc < 0 && err, "tmpfs \"%s\" is an error", cases[i].opts);
		else
			ok(rc == 0 && m.tmpfs_mode == cases[i].mode && m.tmpfs_uid == cases[i].uid &&
				   m.tmpfs_gid == cases[i].gid && m.read_only == cases[i].ro,
			   "tmpfs \"%s\"", cases[i].opts);
		free(err);
	}
}

static void test_shell_split(void)
{
	static const struct {
		const char *in, *want; /* words joined with '|'; NULL: an error */
	} cases[] = {
		{ "MailHog", "MailHog" },
		{ "  sh -c  'echo a b'  ", "sh|-c|echo a b" },
		{ "a\"b c\"d", "ab cd" },
		{ "echo \"a \\\"q\\\" \\$x\"", "echo|a \"q\" $x" },
		{ "a\\ b c", "a b|c" },
		{ "''", "" },
		{ "", "" },
		{ "'open", NULL },
		{ "\"open", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strv v = { 0 };
		struct buf b = { 0 };
		char *err = NULL;
		int rc = shell_split(cases[i].in, &v, &err);

		for (size_t k = 0; k < v.n; k++)
			buf_printf(&b, "%s%s", k ? "|" : "", v.v[k]);
		if (cases[i].want)
			is_str(rc == 0 ? (b.data ? b.data : "") : err, cases[i].want, "split \"%s\"", cases[i].in);
		else
			ok(rc < 0 && err, "split \"%s\" is an error", cases[i].in);
		strv_free(&v);
		buf_free(&b);
		free(err);
	}
}

static void test_project_name(void)
{
	static const char *const cases[][2] = {
		{ "mailhog", "mailhog" }, { "My App.v2", "myappv2" }, { "volown-doctor_x", "volown-doctor_x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = normalize_project_name(cases[i][0]);

		is_str(got, cases[i][1], "project name \"%s\"", cases[i][0]);
		free(got);
	}
}

/* A ustar header for NAME with the given fields, checksum included. */
static void tar_header(unsigned char *h, const char *name, char type, unsigned mode, long uid,
		       long gid, size_t size)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", mode);
	snprintf((char *)h + 108, 8, "%07lo", (unsigned long)uid);
	snprintf((char *)h + 116, 8, "%07lo", (unsigned long)gid);
	snprintf((char *)h + 124, 12, "%011zo", size);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static void test_tar(void)
{
	unsigned char buf[512 * 8] = { 0 };
	const char pax[] = "16 uid=70000000\n";
	struct tar_entry e;
	size_t off = 0;

	tar_header(buf, "inbox/", '5', 0750, 1000, 1000, 0);
	tar_header(buf + 512, "PaxHeaders/f", 'x', 0644, 0, 0, strlen(pax));
	memcpy(buf + 1024, pax, strlen(pax));
	tar_header(buf + 1536, "inbox/f", '0', 0600, 0, 0, 3);
	memcpy(buf + 2048, "hi\n", 3);

	ok(tar_next(buf, sizeof(buf), &off, &e) == TAR_ENTRY && e.type == '5' && e.uid == 1000 &&
		   e.gid == 1000 && e.mode == 0750 && !strcmp(e.name, "inbox/"),
	   "tar: a directory entry's owner and mode");
	tar_entry_free(&e);
	ok(tar_next(buf, sizeof(buf), &off, &e) == TAR_ENTRY && e.type == '0' && e.uid == 70000000 &&
		   e.size == 3 && e.data && !memcmp(e.data, "hi\n", 3),
	   "tar: a PAX uid overrides the header's, and the content is there");
	tar_entry_free(&e);
	ok(tar_next(buf, sizeof(buf), &off, &e) == TAR_END, "tar: two zero blocks end the archive");
	tar_entry_free(&e);
	off = 0;
	ok(tar_next(buf, 100, &off, &e) == TAR_SHORT, "tar: a cut header is short, not an entry");
	tar_entry_free(&e);
	off = 0;
	buf[100] = 'z';
	ok(tar_next(buf, sizeof(buf), &off, &e) == TAR_BAD, "tar: a mode that is not octal is refused");
	tar_entry_free(&e);
}

static json_t *yaml(const char *text)
{
	char *err = NULL;
	json_t *t = yaml_to_json(text, strlen(text), "test.yaml", &err);

	if (!t) {
		printf("# %s\n", err);
		free(err);
	}
	return t;
}

static void test_yaml(void)
{
	json_t *t = yaml("a: &x {image: i, user: '1000'}\nb:\n  <<: *x\n  user: root\nc: ~\nd: [1, '2']\n");
	char *err = NULL;

	ok(t && !strcmp(json_string_value(json_object_get(json_object_get(t, "b"), "image")), "i"),
	   "yaml: a merge key brings the anchor's keys");
	ok(t && !strcmp(json_string_value(json_object_get(json_object_get(t, "b"), "user")), "root"),
	   "yaml: keys of the mapping win over merged ones");
	ok(t && json_is_null(json_object_get(t, "c")), "yaml: ~ is null");
	ok(t && !strcmp(json_string_value(json_array_get(json_object_get(t, "d"), 0)), "1"),
	   "yaml: scalars stay strings");
	json_decref(t);
	ok(!yaml_to_json("a: [b\n", 6, "bad.yaml", &err) && err && !strncmp(err, "bad.yaml:2:1: ", 14),
	   "yaml: a syntax error names the file, line and column (%s)", err ? err : "none");
	free(err);
}

static void test_merge(void)
{
	json_t *base = yaml("services:\n  s:\n    image: a\n    user: u\n    volumes: ['v:/data', '/cache']\n"
			    "    tmpfs: /run\nvolumes: {v: {}}\n");
	json_t *over = yaml("services:\n  s:\n    image: b\n    volumes: [{type: bind, source: ./d, target: /data}]\n"
			    "    tmpfs: [/tmp, /run]\n  t:\n    image: c\nvolumes: {w: {}}\n");
	json_t *s;

	compose_merge(base, over);
	s = json_object_get(json_object_get(base, "services"), "s");
	is_str(json_string_value(json_object_get(s, "image")), "b", "merge: image is replaced");
	is_str(json_string_value(json_object_get(s, "user")), "u", "merge: user is kept");
	ok(json_array_size(json_object_get(s, "volumes")) == 2 &&
		   json_is_object(json_array_get(json_object_get(s, "volumes"), 0)),
	   "merge: volumes merge by target, the override's entry replaces the same target");
	ok(json_array_size(json_object_get(s, "tmpfs")) == 2, "merge: tmpfs entries are a union");
	ok(json_object_get(json_object_get(base, "services"), "t") != NULL, "merge: new services are added");
	ok(json_object_size(json_object_get(base, "volumes")) == 2, "merge: top-level volumes merge by name");
	json_decref(base);
	json_decref(over);
}

static void test_services(void)
{
	json_t *t = yaml("services:\n  app:\n    build: .\n    entrypoint: /init --x\n    volumes:\n"
			 "      - data:/data:ro\n      - {type: tmpfs, target: /t}\n    tmpfs: /run:uid=7\n"
			 "  ext:\n    image: i\n    volumes: [e:/e]\nvolumes:\n  data:\n  e: {external: true}\n");
	struct project p = { .name = xstrdup("proj"), .dir = xstrdup("/proj") };
	struct strv only = { 0 };
	char *err = NULL;
	int rc = compose_services(t, &p, &only, &err);

	ok(rc == 0 && p.n_services == 2, "services: both read (%s)", err ? err : "");
	if (rc == 0 && p.n_services == 2) {
		struct service *s = &p.services[0];

		is_str(s->image_ref, "proj_app", "services: a built image is named project_service");
		ok(s->has_entrypoint && s->entrypoint.n == 2 && !s->has_command, "services: entrypoint split");
		ok(s->n_mounts == 3 && s->mounts[0].read_only && s->mounts[1].type == MOUNT_TMPFS &&
			   s->mounts[2].tmpfs_uid == 7,
		   "services: volumes and tmpfs in order");
		is_str(s->mounts[0].volume_name, "proj_data", "services: a volume is project-prefixed");
		is_str(p.services[1].mounts[0].volume_name, "e", "services: an external volume is not");
	}
	project_free(&p);
	json_decref(t);
	free(err);
	t = yaml("services:\n  app:\n    image: i\n    volumes: [nope:/x]\n");
	memset(&p, 0, sizeof(p));
	p.name = xstrdup("proj");
	p.dir = xstrdup("/proj");
	err = NULL;
	ok(compose_services(t, &p, &only, &err) < 0 && err && strstr(err, "no declaration"),
	   "services: an undeclared named volume is an error");
	project_free(&p);
	json_decref(t);
	free(err);
}

int main(void)
{
	test_interpolate();
	test_short_volume();
	test_tmpfs_options();
	test_shell_split();
	test_project_name();
	test_tar();
	test_yaml();
	test_merge();
	test_services();
	return tap_done();
}
