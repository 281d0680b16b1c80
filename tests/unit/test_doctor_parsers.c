/* Unit tests of the doctor's parsers: interpolation, the short volume syntax,
 * tmpfs options, command strings, project names, tar headers, YAML loading and
 * compose merging. Table-driven, TAP output. */
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "dotenv.h"
#include "files.h"
#include "merge.h"
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
		int type; /* -1: compose refuses the text */
		const char *source, *target;
		bool ro, nocopy, refused; /* refused: the engine refuses to create the container */
	} cases[] = {
		{ "/data", MOUNT_VOLUME, NULL, "/data", false, false, false },
		/* compose 1.29 reads "/data:ro" as a bind of /data at "ro": the engine refuses it */
		{ "/data:ro", MOUNT_BIND, "/data", "ro", false, false, true },
		{ "store:/data", MOUNT_VOLUME, "store", "/data", false, false, false },
		{ "store:/data:ro", MOUNT_VOLUME, "store", "/data", true, false, false },
		{ "store:/data:nocopy", MOUNT_VOLUME, "store", "/data", false, true, false },
		{ "store:/data:ro,z", MOUNT_VOLUME, "store", "/data", true, false, false },
		{ "store:/data:ro,rw", MOUNT_VOLUME, "store", "/data", true, false, true },
		{ "./inbox:/mailhog/inbox", MOUNT_BIND, "/proj/inbox", "/mailhog/inbox", false, false, false },
		{ "./inbox:/i:nocopy", MOUNT_BIND, "/proj/inbox", "/i", false, true, true },
		{ "../x/./y:/y/", MOUNT_BIND, "/x/y", "/y", false, false, false },
		{ "/srv/data:/data:rw", MOUNT_BIND, "/srv/data", "/data", false, false, false },
		{ "/srv/data:/data:rshared,cached", MOUNT_BIND, "/srv/data", "/data", false, false, false },
		{ "~/d:/d", MOUNT_BIND, "/home/u/d", "/d", false, false, false },
		{ ":/d", MOUNT_BIND, ".", "/d", false, false, true },
		{ "store:data", MOUNT_VOLUME, "store", "data", false, false, true },
		{ "store:/data:bogus", MOUNT_VOLUME, "store", "/data", false, false, true },
		{ "a:/b:ro:x", -1, NULL, NULL, false, false, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mount m = { 0 };
		char *err = NULL;
		int rc = parse_short_volume(cases[i].spec, "/proj", "/home/u", &m, &err);

		if (cases[i].type < 0) {
			ok(rc < 0 && err, "volume \"%s\" is an error (%s)", cases[i].spec, err ? err : "none");
		} else {
			ok(rc == 0 && (int)m.type == cases[i].type && m.read_only == cases[i].ro &&
				   m.nocopy == cases[i].nocopy && !!m.refused == cases[i].refused,
			   "volume \"%s\": type, ro, nocopy, refused (%s)", cases[i].spec,
			   m.refused ? m.refused : "accepted");
			is_str(m.source, cases[i].source, "volume \"%s\": source", cases[i].spec);
			is_str(m.target, cases[i].target, "volume \"%s\": target", cases[i].spec);
		}
		free(m.source);
		free(m.target);
		free(m.refused);
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
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size & 077777777777ULL);
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

/* PAX records that do not fit their own length, and sizes that would wrap the sums:
 * read in a buffer of exactly the archive's size, so that ASan sees any byte past it. */
static void test_tar_hostile(void)
{
	static const char *const records[] = {
		"2 ",				/* the record length wrapped, memchr read past the end */
		"1 ", "0 \n", "3 a\n", "99999999999999999999 uid=1\n", "12 uid=-5\n", "8 uid=7\n",
		"6 a=b",			/* no newline at its end */
	};

	for (size_t i = 0; i < sizeof(records) / sizeof(*records); i++) {
		size_t n = strlen(records[i]), total = 512 + 512 + 512 + 512;
		unsigned char *buf = calloc(1, total);
		struct tar_entry e;
		size_t off = 0;
		enum tar_result r;

		tar_header(buf, "PaxHeaders/f", 'x', 0644, 0, 0, n);
		memcpy(buf + 512, records[i], n);
		tar_header(buf + 1024, "f", '5', 0755, 1000, 1000, 0);
		r = tar_next(buf, total, &off, &e);
		ok(r == TAR_ENTRY && e.uid == (strcmp(records[i], "8 uid=7\n") ? 1000 : 7) && off <= total,
		   "tar: the PAX record \"%.*s\" is applied or ignored, the entry read", (int)strcspn(records[i], "\n"),
		   records[i]);
		tar_entry_free(&e);
		free(buf);
	}
	{
		/* a size of 2^63 in base 256, and a file that goes on past the buffer */
		unsigned char *buf = calloc(1, 1024);
		struct tar_entry e;
		size_t off = 0;

		tar_header(buf, "big", '0', 0644, 0, 0, 0);
		memset(buf + 124, 0, 12);
		buf[124] = 0x80;
		buf[128] = 0x7f;
		for (int k = 129; k < 136; k++)
			buf[k] = 0xff;
		ok(tar_next(buf, 1024, &off, &e) == TAR_ENTRY && e.have == 512 && !e.data &&
			   e.part == buf + 512 && off > 1024,
		   "tar: a huge size keeps what the buffer holds, and the offset goes past it");
		tar_entry_free(&e);
		ok(tar_next(buf, 1024, &off, &e) == TAR_SHORT, "tar: then nothing more");
		tar_entry_free(&e);
		off = 0;
		tar_header(buf, "PaxHeaders/big", 'x', 0644, 0, 0, 0);
		memset(buf + 124, 0, 12);
		buf[124] = 0x80;
		buf[131] = 0x01; /* 2^32 */
		ok(tar_next(buf, 1024, &off, &e) == TAR_SHORT, "tar: a PAX header larger than the buffer is short");
		tar_entry_free(&e);
		off = 0;
		for (int k = 125; k < 136; k++)
			buf[k] = 0xff;
		ok(tar_next(buf, 1024, &off, &e) == TAR_BAD, "tar: a size past 2^64 is refused");
		tar_entry_free(&e);
		free(buf);
	}
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
	ok(t && json_integer_value(json_array_get(json_object_get(t, "d"), 0)) == 1 &&
		   !strcmp(json_string_value(json_array_get(json_object_get(t, "d"), 1)), "2"),
	   "yaml: a plain 1 is a number, a quoted '2' a string");
	json_decref(t);
	ok(!yaml_to_json("a: [b\n", 6, "bad.yaml", &err) && err && !strncmp(err, "bad.yaml:2:1: ", 14),
	   "yaml: a syntax error names the file, line and column (%s)", err ? err : "none");
	free(err);
}

/* PyYAML's YAML 1.1 types, which compose sees: each plain scalar as JSON. */
static void test_yaml_types(void)
{
	static const struct {
		const char *scalar, *json;
	} cases[] = {
		{ "yes", "true" },	{ "TRUE", "true" },	 { "On", "true" },	{ "off", "false" },
		{ "NO", "false" },	{ "y", "\"y\"" },	 { "tRue", "\"tRue\"" }, { "~", "null" },
		{ "", "null" },		{ "Null", "null" },	 { "0", "0" },		{ "010", "8" },
		{ "0x1F", "31" },	{ "0b101", "5" },	 { "1_000", "1000" },	{ "-42", "-42" },
		{ "1:30", "90" },	{ "8080:80", "\"8080:80\"" }, { "1000:1000", "\"1000:1000\"" },
		{ "09", "\"09\"" },	{ "1.5", "1.5" },	 { "3.", "3.0" },	{ ".5", "0.5" },
		{ "1e5", "\"1e5\"" },	{ "1.0e+5", "100000.0" }, { "'yes'", "\"yes\"" },
		{ "\"1\"", "\"1\"" },	{ "3.8", "3.8" },	 { "1e16", "\"1e16\"" },
		{ "1.0e+16", "1e+16" },	{ "0.00001", "1e-05" },	 { "0.0001", "0.0001" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = xasprintf("k: %s\n", cases[i].scalar);
		char *err = NULL;
		json_t *t = yaml_to_json(text, strlen(text), "t.yaml", &err);
		json_t *v = json_object_get(t, "k");
		char *got = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
		char *shown = got;

		/* reals: compare what Python prints */
		if (json_is_real(v)) {
			shown = json_scalar_text(v);
			free(got);
		}
		is_str(shown, cases[i].json, "yaml: \"%s\" is %s%s", cases[i].scalar, cases[i].json,
		       err ? err : "");
		free(shown);
		json_decref(t);
		free(text);
		free(err);
	}
}

/* What compose refuses, and the alias bomb, at their line and column. */
static void test_yaml_refused(void)
{
	static const struct {
		const char *text, *error; /* the start of the message after "t.yaml:" */
	} cases[] = {
		{ "a: 1\n---\nb: 2\n", "2:1: expected a single document" },
		{ "a: 1\nb: \"x\xff\"\n", "2:6: invalid leading UTF-8 octet" },
		{ "a: 1\nbb: x\x01\n", "2:6: control characters are not allowed" },
		{ "a: &a [1, *a]\n", "1:4: an alias refers to the node that contains it" },
		{ "a: [*nope]\n", "1:5: found undefined alias" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;
		json_t *t = yaml_to_json(cases[i].text, strlen(cases[i].text), "t.yaml", &err);

		ok(!t && err && !strncmp(err, "t.yaml:", 7) && !strncmp(err + 7, cases[i].error, strlen(cases[i].error)),
		   "yaml refused: %s (%s)", cases[i].error, err ? err : "accepted");
		json_decref(t);
		free(err);
	}
	{
		/* a NUL byte in the middle of the text */
		static const char nul[] = "a: 1\nb: x\0y\n";
		char *err = NULL;
		json_t *t = yaml_to_json(nul, sizeof(nul) - 1, "t.yaml", &err);

		ok(!t && err && !strncmp(err, "t.yaml:2:5: ", 12), "yaml refused: a NUL byte at 2:5 (%s)",
		   err ? err : "accepted");
		free(err);
	}
	{
		/* nine levels of nine references: refused at once, nothing expanded */
		struct buf b = { 0 };
		char *err = NULL;
		json_t *t;

		buf_adds(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
		for (int l = 1; l < 10; l++) {
			buf_printf(&b, "a%d: &a%d [", l, l);
			for (int k = 0; k < 9; k++)
				buf_printf(&b, "%s*a%d", k ? ", " : "", l - 1);
			buf_adds(&b, "]\n");
		}
		t = yaml_to_json(b.data, b.len, "t.yaml", &err);
		ok(!t && err && strstr(err, "alias bomb"), "yaml: an alias bomb is refused (%s)", err ? err : "accepted");
		free(err);
		/* the same under x- keys: compose never reads them, neither does the doctor */
		{
			char *x = xasprintf("%s", b.data);
			struct buf c = { 0 };

			for (char *line = strtok(x, "\n"); line; line = strtok(NULL, "\n"))
				buf_printf(&c, "x-%s\n", line);
			buf_adds(&c, "services: {s: {image: i}}\n");
			err = NULL;
			t = yaml_to_json(c.data, c.len, "t.yaml", &err);
			ok(t && !err && json_object_size(t) == 1, "yaml: a bomb under x- keys is never expanded");
			json_decref(t);
			free(err);
			free(x);
			buf_free(&c);
		}
		buf_free(&b);
	}
}

static void test_merge(void)
{
	json_t *base = yaml("image: a\nuser: u\nvolumes: ['v:/data', '/cache', './x:/b:ro']\ntmpfs: /run\n"
			    "cap_add: [B, A]\nx-mine: 1\nenvironment: [A=1, B=2]\n");
	json_t *over = yaml("image: b\nvolumes: [{type: bind, source: ./d, target: /data}, 'w:/a']\n"
			    "tmpfs: [/tmp, /run]\ncap_add: [A, C]\nenvironment: {B: '3'}\n");
	json_t *m = merge_service(base, over, false);
	json_t *vols = json_object_get(m, "volumes");

	is_str(json_string_value(json_object_get(m, "image")), "b", "merge: image is replaced");
	is_str(json_string_value(json_object_get(m, "user")), "u", "merge: user is kept");
	ok(json_array_size(vols) == 4 && !strcmp(json_string_value(json_array_get(vols, 0)), "w:/a") &&
		   !strcmp(json_string_value(json_array_get(vols, 1)), "./x:/b:ro") &&
		   !strcmp(json_string_value(json_array_get(vols, 2)), "/cache") &&
		   json_is_object(json_array_get(vols, 3)),
	   "merge: volumes merge by target, the override's entry replacing, sorted by target");
	ok(json_array_size(json_object_get(m, "tmpfs")) == 3, "merge: tmpfs lists are concatenated");
	{
		char *caps = json_dumps(json_object_get(m, "cap_add"), JSON_COMPACT);

		is_str(caps, "[\"A\",\"B\",\"C\"]", "merge: cap_add is the sorted union");
		free(caps);
	}
	ok(!json_object_get(m, "x-mine"), "merge: keys compose does not know are dropped");
	is_str(json_string_value(json_object_get(json_object_get(m, "environment"), "B")), "3",
	       "merge: environment merges key by key");
	json_decref(m);
	{
		json_t *b = yaml("build: .\n"), *o = yaml("image: x\n");

		m = merge_service(b, o, true);
		ok(m && !json_object_get(m, "build") && json_object_get(m, "image"),
		   "merge, version 1: image replaces build");
		json_decref(m);
		json_decref(b);
		json_decref(o);
	}
	json_decref(base);
	json_decref(over);
}

/* .env as python-dotenv 0.21 reads it. */
static const char *dotenv_env(const char *name)
{
	return !strcmp(name, "FROM_ENV") ? "env" : NULL;
}

static void test_dotenv(void)
{
	static const struct {
		const char *text, *key, *value; /* value NULL: the key is absent; "(null)": set without "=" */
	} cases[] = {
		{ "A=1\n", "A", "1" },
		{ "export A=1\n", "A", "1" },
		{ "A = 1 \n", "A", "1" },
		{ "A=1 # a comment\n", "A", "1" },
		{ "A=1#not a comment\n", "A", "1#not a comment" },
		{ "A='a b' # c\n", "A", "a b" },
		{ "A=\"x\\ny\"\n", "A", "x\ny" },
		{ "A='x\\ny'\n", "A", "x\\ny" },
		{ "A=\"it\\'s\"\n", "A", "it's" },
		{ "A=\"x\" junk\n", "A", NULL },
		{ "# A=1\n", "A", NULL },
		{ "A\n", "A", "(null)" },
		{ "A=\n", "A", "" },
		{ "A=${FROM_ENV}-${NOPE:-d}\n", "A", "env-d" },
		{ "B=b\nA=${B}$B\n", "A", "b$B" },
		{ "A=\"multi\nline\"\n", "A", "multi\nline" },
		{ "\xef\xbb\xbf" "A=bom\n", "A", "bom" },
		{ "A=1\r\nB=2\r\n", "B", "2" },
		{ "'A'=q\n", "A", "q" },
		{ "A=1\nA=2\n", "A", "2" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t bad = 0;
		json_t *env = dotenv_parse(cases[i].text, strlen(cases[i].text), dotenv_env, &bad);
		json_t *v = json_object_get(env, cases[i].key);
		const char *got = !v ? NULL : json_is_null(v) ? "(null)" : json_string_value(v);

		is_str(got, cases[i].value, ".env case %zu: %s", i + 1, cases[i].key);
		json_decref(env);
	}
	{
		size_t bad = 0;
		json_t *env = dotenv_parse("A=1\nB=\xc3\x28\n", 10, dotenv_env, &bad);

		ok(!env && bad == 6, ".env: invalid UTF-8 is refused at its byte (%zu)", bad);
	}
}

static void test_services(void)
{
	json_t *t = yaml("services:\n  app:\n    build: /proj\n    entrypoint: /init --x\n    volumes:\n"
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
	test_tar_hostile();
	test_yaml();
	test_yaml_types();
	test_yaml_refused();
	test_merge();
	test_dotenv();
	test_services();
	return tap_done();
}
