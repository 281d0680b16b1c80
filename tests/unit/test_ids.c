/* Unit tests for ids.c: the user spec, passwd and group parsing, gosu's semantics.
 * Each case is a row: spec -> uid, gid, groups, home (or an error). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ids.h"
#include "tap.h"

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"  daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin  \n"
	"\n"
	"mailhog:x:1000:1000:MailHog:/home/mailhog:/bin/sh\n"
	"multi:x:1001:1001::/home/multi:/bin/sh\n"
	"1002:x:1003:1003::/home/numeric-name:/bin/sh\n"
	"nohome:x:1004:1004::\n"
	"short:x:1005\n"
	"garbage:x:abc:def:::\n"
	"neg:x:-5:0::/:/bin/sh\n"
	"huge:x:4294967295:0::/:/bin/sh\n"
	"badgid:x:1006:-1::/:/bin/sh\n"
	"mailhog:x:2000:2000:duplicate, never reached:/nope:/bin/sh\n";

static const char group[] =
	"root:x:0:\n"
	"daemon:x:1:\n"
	"mailhog:x:1000:\n"
	"multi:x:1001:\n"
	"audio:x:29:multi,other\n"
	"video:x:44:other,multi\n"
	"staff:x:50:multisuffix,premulti\n"
	"users:x:100:mailhog\n"
	"1000:x:4242:\n"
	"neggroup:x:-7:multi\n"
	"#wheel:x:0:multi,mailhog\n"
	"  # docker:x:999:multi\n";

struct row {
	const char *spec;
	int ok;
	unsigned uid, gid;
	const char *groups; /* space-separated, "" for none */
	const char *home;
};

static const struct row rows[] = {
	{ "root", 1, 0, 0, "", "/root" },
	{ "0", 1, 0, 0, "", "/root" },
	{ "", 1, 0, 0, "", "/root" },               /* empty: the default uid's entry */
	{ ":", 1, 0, 0, "", "/root" },
	{ "0:", 1, 0, 0, "", "/root" },
	{ ":0", 1, 0, 0, "", "/root" },
	{ "mailhog", 1, 1000, 1000, "100", "/home/mailhog" },
	{ "1000", 1, 1000, 1000, "100", "/home/mailhog" },
	{ "+1000", 1, 1000, 1000, "100", "/home/mailhog" },
	{ "01000", 1, 1000, 1000, "100", "/home/mailhog" },
	{ "mailhog:mailhog", 1, 1000, 1000, "", "/home/mailhog" },
	{ "mailhog:daemon", 1, 1000, 1, "", "/home/mailhog" },
	{ "mailhog:1000", 1, 1000, 1000, "", "/home/mailhog" }, /* numeric gid, not group "1000" */
	{ "mailhog:77", 1, 1000, 77, "", "/home/mailhog" },
	{ "multi", 1, 1001, 1001, "29 44", "/home/multi" },
	{ "1002", 1, 1002, 0, "", "/" },            /* a number is never a name */
	{ "1003", 1, 1003, 1003, "", "/home/numeric-name" },
	{ "nohome", 1, 1004, 1004, "", "" },
	{ "short", 0, 0, 0, NULL, NULL },   /* no gid field: gosu says 0, volown refuses */
	{ "1005", 0, 0, 0, NULL, NULL },
	{ "garbage", 0, 0, 0, NULL, NULL }, /* uid "abc": gosu says 0 (root) */
	{ "12345", 1, 12345, 0, "", "/" },          /* no entry: default gid, HOME / */
	{ "12345:54321", 1, 12345, 54321, "", "/" },
	{ "12345:daemon", 1, 12345, 1, "", "/" },
	{ "2147483647", 1, 2147483647u, 0, "", "/" },
	{ "-0", 1, 0, 0, "", "/root" },
	{ "0day", 0, 0, 0, NULL, NULL },
	{ "nosuch", 0, 0, 0, NULL, NULL },
	{ " 1", 0, 0, 0, NULL, NULL },
	{ "0x10", 0, 0, 0, NULL, NULL },
	{ "-1", 0, 0, 0, NULL, NULL },
	{ "2147483648", 0, 0, 0, NULL, NULL },
	{ "99999999999999999999", 0, 0, 0, NULL, NULL }, /* not a number: an unknown name */
	{ "root:nosuch", 0, 0, 0, NULL, NULL },
	{ "1:-1", 0, 0, 0, NULL, NULL },
	{ "0:99999999999999999999", 0, 0, 0, NULL, NULL },
	{ "mailhog:daemon:extra", 1, 1000, 1, "", "/home/mailhog" }, /* gosu ignores the rest */
	{ "neg", 0, 0, 0, NULL, NULL },     /* an entry's id out of range: never -1 to setresuid */
	{ "huge", 0, 0, 0, NULL, NULL },
	{ "badgid", 0, 0, 0, NULL, NULL },
	{ "0:neggroup", 0, 0, 0, NULL, NULL },
};

static void groups_str(const struct identity *id, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < id->ngroups && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%u", i ? " " : "", (unsigned)id->groups[i]);
}

static void test_rows(const char *pw, const char *gr)
{
	struct id_defaults def = { .uid = 0, .gid = 0 };
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const struct row *r = &rows[i];
		struct identity id;
		char err[256], groups[256];
		int rc = ids_resolve(r->spec, &def, pw, gr, &id, err, sizeof err);
		if (!r->ok) {
			ok(rc < 0 && err[0], "`%s' is an error (%s)", r->spec, rc < 0 ? err : "accepted");
			continue;
		}
		ok(rc == 0, "`%s' resolves%s%s", r->spec, rc ? ": " : "", rc ? err : "");
		if (rc)
			continue;
		groups_str(&id, groups, sizeof groups);
		ok(id.uid == r->uid && id.gid == r->gid, "`%s' is %u:%u (got %u:%u)", r->spec, r->uid,
		   r->gid, (unsigned)id.uid, (unsigned)id.gid);
		is_str(groups, r->groups, "`%s' supplementary groups", r->spec);
		is_str(id.home, r->home, "`%s' home", r->spec);
		ids_free(&id);
	}
}

/* Entries gosu reads as root: volown refuses each one that matches, naming the file
 * and the line; entries that do not match are never read. */
static void test_bad_entries(void)
{
	static const char pw_bytes[] = "app\0evil:x:0:0::/:/bin/sh\n" /* a NUL inside a name */
				       "app:x:1000:1000::/home/app:/bin/sh\n"
				       "nouid:x::1000::/:/bin/sh\n"
				       "nogid:x:1001:::/:/bin/sh\n"
				       "spacey:x: 1002:1002::/:/bin/sh\n"
				       "cut:x:1003\n"
				       "bare\n"
				       "member:x:1004:1004::/:/bin/sh\n"
				       "ok:x:1005:1005::/:/bin/sh\n";
	static const char gr_bytes[] = "app\0x:x:0:\n"
				       "app:x:1000:\n"
				       "broken:x::member\n"
				       "words:x:twelve:\n"
				       "fine:x:77:ok,app\n";
	static const struct {
		const char *spec;
		int ok;
		unsigned uid, gid;
		const char *groups, *err; /* err: what the message must name */
	} cases[] = {
		{ "app", 1, 1000, 1000, "77", NULL }, /* gosu gives 1000 too */
		{ "app:app", 1, 1000, 1000, "", NULL },
		{ "0", 1, 0, 0, "", NULL },	     /* by number: the NUL line is a uid-0 line */
		{ "nouid", 0, 0, 0, NULL, ":3: the entry of `nouid' has no valid uid" },
		{ "nogid", 0, 0, 0, NULL, ":4: the entry of `nogid' has no valid gid" },
		{ "spacey", 0, 0, 0, NULL, ":5: the entry of `spacey' has no valid uid" },
		{ "cut", 0, 0, 0, NULL, ":6: the entry of `cut' has no valid gid" },
		{ "bare", 0, 0, 0, NULL, ":7: the entry of `bare' has no valid uid" },
		{ "1002", 1, 1002, 0, "", NULL },    /* no valid entry has that uid */
		{ "member", 0, 0, 0, NULL, ":3: the entry of `broken' has no valid gid" },
		{ "ok:words", 0, 0, 0, NULL, ":4: the entry of `words' has no valid gid" },
		{ "ok:fine", 1, 1005, 77, "", NULL },
		{ "ok", 1, 1005, 1005, "77", NULL },
	};
	struct id_defaults def = { .uid = 0, .gid = 0 };
	char pw[] = "/tmp/volown-unit-XXXXXX", gr[] = "/tmp/volown-unit-XXXXXX";
	int pfd = mkstemp(pw), gfd = mkstemp(gr);

	if (pfd < 0 || gfd < 0 || write(pfd, pw_bytes, sizeof pw_bytes - 1) < 0 ||
	    write(gfd, gr_bytes, sizeof gr_bytes - 1) < 0)
		abort();
	close(pfd);
	close(gfd);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct identity id;
		char err[512], groups[256];
		int rc = ids_resolve(cases[i].spec, &def, pw, gr, &id, err, sizeof err);
		if (!cases[i].ok) {
			ok(rc < 0 && strstr(err, cases[i].err) && strstr(err, "volown-unit-"),
			   "`%s' is refused, naming the file and line (%s)", cases[i].spec,
			   rc < 0 ? err : "accepted");
			continue;
		}
		ok(rc == 0, "`%s' resolves%s%s", cases[i].spec, rc ? ": " : "", rc ? err : "");
		if (rc)
			continue;
		groups_str(&id, groups, sizeof groups);
		ok(id.uid == cases[i].uid && id.gid == cases[i].gid, "`%s' is %u:%u (got %u:%u)",
		   cases[i].spec, cases[i].uid, cases[i].gid, (unsigned)id.uid, (unsigned)id.gid);
		is_str(groups, cases[i].groups, "`%s' supplementary groups", cases[i].spec);
		ids_free(&id);
	}
	{
		struct identity id;
		char err[512];
		gid_t gid;
		ok(ids_resolve("ok", &def, pw, gr, &id, err, sizeof err) == 0 &&
			   ids_group_add("words", gr, &id, &gid, err, sizeof err) < 0 &&
			   strstr(err, ":4: the entry of `words' has no valid gid"),
		   "--group-add of an entry without a valid gid is refused (%s)", err);
		ids_free(&id);
	}
	unlink(pw);
	unlink(gr);
}

/* A passwd or group that exists but cannot be read is an error, not an empty file (that
 * would give a numeric user gid 0 without a word). */
static void test_unreadable_files(void)
{
	struct id_defaults def = { .uid = 0, .gid = 0 };
	struct identity id;
	char err[256];
	char *gr = tap_temp_file("");

	ok(ids_resolve("1000", &def, "/", gr, &id, err, sizeof err) < 0 &&
		   strstr(err, "cannot read `/': Is a directory"),
	   "a passwd that is a directory is refused (%s)", err);
	ok(ids_resolve("1000:1000", &def, "/nonexistent", "/", &id, err, sizeof err) < 0 &&
		   strstr(err, "cannot read `/'"),
	   "a group that is a directory is refused (%s)", err);
	unlink(gr);
	free(gr);
}

static void test_missing_files(void)
{
	struct id_defaults def = { .uid = 0, .gid = 7 };
	struct identity id;
	char err[256];
	ok(ids_resolve("1000:1000", &def, "/nonexistent/passwd", "/nonexistent/group", &id, err,
	               sizeof err) == 0 && id.uid == 1000 && id.gid == 1000 && id.ngroups == 0,
	   "numeric ids work without passwd and group files");
	ids_free(&id);
	ok(ids_resolve("1000", &def, "/nonexistent/passwd", "/nonexistent/group", &id, err,
	               sizeof err) == 0 && id.gid == 7,
	   "a bare uid without passwd keeps the default gid");
	ids_free(&id);
	ok(ids_resolve("mailhog", &def, "/nonexistent/passwd", "/nonexistent/group", &id, err,
	               sizeof err) < 0,
	   "a name without a passwd file is an error");
}

static void test_numbers(void)
{
	static const struct { const char *s; int ok; long long v; } nums[] = {
		{ "0", 1, 0 }, { "+0", 1, 0 }, { "-0", 1, 0 }, { "42", 1, 42 }, { "007", 1, 7 },
		{ "9223372036854775807", 1, 9223372036854775807LL },
		{ "-9223372036854775808", 1, -9223372036854775807LL - 1 },
		{ "9223372036854775808", 0, 0 }, { "", 0, 0 }, { "+", 0, 0 }, { "-", 0, 0 },
		{ " 1", 0, 0 }, { "1 ", 0, 0 }, { "1e3", 0, 0 }, { "0x1", 0, 0 }, { "++1", 0, 0 },
	};
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		long long v = -1;
		int got = ids_parse_number(nums[i].s, &v);
		ok(got == nums[i].ok && (!got || v == nums[i].v), "number `%s' -> %s", nums[i].s,
		   nums[i].ok ? "ok" : "rejected");
	}
}

static void test_long_line(void)
{
	size_t n = 200000;
	char *big = malloc(n + 100);
	memset(big, 'a', n);
	strcpy(big + n, ":x:3000:3000::/home/big:/bin/sh\n");
	char *pw = tap_temp_file(big), *gr = tap_temp_file("");
	struct id_defaults def = { 0, 0 };
	struct identity id;
	char err[256];
	big[n] = '\0';
	ok(ids_resolve(big, &def, pw, gr, &id, err, sizeof err) == 0 && id.uid == 3000,
	   "a 200000-byte user name on a long passwd line resolves");
	ids_free(&id);
	unlink(pw);
	unlink(gr);
	free(pw);
	free(gr);
	free(big);
}

/* --group-add on top of a resolved spec: spec, the words added, the groups after. */
static void test_group_add(const char *pw, const char *gr)
{
	static const struct {
		const char *spec, *add[4];
		const char *groups; /* NULL: the last word is refused */
	} cases[] = {
		{ "mailhog", { "audio", "4242", "+7" }, "100 29 4242 7" },
		{ "multi", { "audio", "29", "multi" }, "29 44 1001" }, /* each once */
		{ "mailhog:daemon", { "1002", "0" }, "1002 0" },       /* numbers are gids */
		{ "mailhog", { "nosuch" }, NULL },
		{ "mailhog", { "2147483648" }, NULL },
		{ "mailhog", { "-1" }, NULL },
		{ "mailhog", { "" }, NULL },
	};
	struct id_defaults def = { .uid = 0, .gid = 0 };

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct identity id;
		char err[256], groups[256];
		gid_t gid;
		int rc = ids_resolve(cases[i].spec, &def, pw, gr, &id, err, sizeof err);

		for (size_t k = 0; rc == 0 && k < 4 && cases[i].add[k]; k++)
			rc = ids_group_add(cases[i].add[k], gr, &id, &gid, err, sizeof err);
		if (!cases[i].groups) {
			ok(rc < 0 && err[0], "`%s' + `%s' is refused (%s)", cases[i].spec,
			   cases[i].add[0], rc < 0 ? err : "accepted");
			continue;
		}
		groups_str(&id, groups, sizeof groups);
		ok(rc == 0, "`%s' with --group-add resolves%s%s", cases[i].spec, rc ? ": " : "",
		   rc ? err : "");
		is_str(groups, cases[i].groups, "`%s' with --group-add: groups", cases[i].spec);
		ids_free(&id);
	}
}

int main(void)
{
	char *pw = tap_temp_file(passwd), *gr = tap_temp_file(group);
	test_rows(pw, gr);
	test_group_add(pw, gr);
	test_bad_entries();
	test_missing_files();
	test_unreadable_files();
	test_numbers();
	test_long_line();
	unlink(pw);
	unlink(gr);
	free(pw);
	free(gr);
	return tap_done();
}
