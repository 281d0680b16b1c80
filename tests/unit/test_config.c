/* Unit tests for config.c: the three layers (file, environment, command line) and
 * their precedence; malformed input is tested from outside (it exits 125). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static void clear_env(void)
{
	static const char *const vars[] = { "VOLOWN_USER", "VOLOWN_PATHS", "VOLOWN_POLICY",
		"VOLOWN_CONFIG", "VOLOWN_DRY_RUN", "VOLOWN_QUIET", "VOLOWN_VERBOSE", "VOLOWN_JOBS",
		"VOLOWN_CHMOD", "VOLOWN_AUTO", "VOLOWN_INIT" };
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		unsetenv(vars[i]);
}

static void parse(struct config *cfg, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	optind = 0; /* reset getopt between parses (glibc and musl) */
	config_parse(argc, argv, cfg);
}

static void test_defaults(void)
{
	struct config c;
	clear_env();
	parse(&c, (char *[]){ "volown", NULL });
	ok(c.user == NULL && c.paths.n == 0 && c.policy == POLICY_ALWAYS && !c.dry_run &&
	   c.on_error == ON_ERROR_FAIL && c.hardlinks == HARDLINKS_SKIP && c.command == NULL,
	   "defaults: no user, no path, policy always, fail on error, skip hard links");
}

static void test_command(void)
{
	struct config c;
	clear_env();
	parse(&c, (char *[]){ "volown", "-u", "app", "--", "prog", "--user", "x", NULL });
	is_str(c.user, "app", "-u sets the user");
	ok(c.command && strcmp(c.command[0], "prog") == 0 && strcmp(c.command[1], "--user") == 0,
	   "options after -- belong to the command");
	parse(&c, (char *[]){ "volown", "-p", "/a", "prog", "-p", "/b", NULL });
	ok(c.paths.n == 1 && c.command && strcmp(c.command[1], "-p") == 0,
	   "the first non-option starts the command");
}

static void test_env_and_precedence(void)
{
	struct config c;
	clear_env();
	setenv("VOLOWN_USER", "envuser", 1);
	setenv("VOLOWN_PATHS", "/e1::/e2", 1);
	setenv("VOLOWN_POLICY", "root-mismatch", 1);
	setenv("VOLOWN_DRY_RUN", "yes", 1);
	parse(&c, (char *[]){ "volown", NULL });
	ok(c.user && strcmp(c.user, "envuser") == 0 && c.paths.n == 2 &&
	   strcmp(c.paths.v[1].path, "/e2") == 0 && c.policy == POLICY_ROOT_MISMATCH && c.dry_run,
	   "variables: user, colon-separated paths (empty ignored), policy, boolean");
	parse(&c, (char *[]){ "volown", "--user", "cli", "--path", "/c", "--policy", "always", NULL });
	ok(strcmp(c.user, "cli") == 0 && c.paths.n == 1 && strcmp(c.paths.v[0].path, "/c") == 0 &&
	   c.policy == POLICY_ALWAYS,
	   "options win over variables; --path replaces VOLOWN_PATHS");
	clear_env();
}

static void test_file(void)
{
	struct config c;
	char *conf = tap_temp_file("# a comment\n\n  user = fileuser  \npath=/f1\npath = /f2\n"
	                        "policy = root-mismatch\non-error = warn\nhardlinks = change\n"
	                        "cross-mounts = true\njobs = 3\n");
	clear_env();
	parse(&c, (char *[]){ "volown", "--config", conf, NULL });
	ok(strcmp(c.user, "fileuser") == 0 && c.paths.n == 2 && strcmp(c.paths.v[1].path, "/f2") == 0 &&
	   c.policy == POLICY_ROOT_MISMATCH && c.on_error == ON_ERROR_WARN &&
	   c.hardlinks == HARDLINKS_CHANGE && c.cross_mounts && c.jobs == 3,
	   "the file sets every kind of value, paths repeat");
	setenv("VOLOWN_PATHS", "/env", 1);
	setenv("VOLOWN_USER", "envuser", 1);
	parse(&c, (char *[]){ "volown", "--config", conf, "-u", "cli", NULL });
	ok(strcmp(c.user, "cli") == 0 && c.paths.n == 1 && strcmp(c.paths.v[0].path, "/env") == 0 &&
	   c.policy == POLICY_ROOT_MISMATCH,
	   "options beat variables beat the file");
	clear_env();
	setenv("VOLOWN_CONFIG", conf, 1);
	parse(&c, (char *[]){ "volown", NULL });
	ok(c.user && strcmp(c.user, "fileuser") == 0, "VOLOWN_CONFIG names the file");
	clear_env();
	unlink(conf);
	free(conf);
}

static void test_bool(void)
{
	static const struct { const char *s; int rc; bool v; } rows[] = {
		{ "1", 0, true }, { "true", 0, true }, { "yes", 0, true }, { "on", 0, true },
		{ "0", 0, false }, { "", 0, false }, { "false", 0, false }, { "no", 0, false },
		{ "off", 0, false }, { "2", -1, false }, { "TRUE", -1, false }, { "y", -1, false },
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		bool v = !rows[i].v;
		int rc = config_parse_bool(rows[i].s, &v);
		ok(rc == rows[i].rc && (rc || v == rows[i].v), "boolean `%s'", rows[i].s);
	}
}

/* --path: each row, the paths and settings it gives (errors exit 125: tested from
 * outside, in tests/integration/settings.bats). */
static void test_paths(void)
{
	static const struct {
		const char *s;
		const char *want; /* "path mkdir own_chmod;" per path */
	} rows[] = {
		{ "/a", "/a -1 0;" },
		{ "/a:/b", "/a -1 0;/b -1 0;" },
		{ "/a::/b:", "/a -1 0;/b -1 0;" },
		{ "/run/postgresql:mkdir", "/run/postgresql 1 0;" },
		{ "/a:mkdir=0:/b:mkdir=yes", "/a 0 0;/b 1 0;" },
		{ "/a:chmod=go-rwx:/b:mkdir:chmod=u=rwX,g=rX,o=", "/a -1 1;/b 1 1;" },
		{ "/a:chmod=", "/a -1 1;" },
		{ "/a:chmod=0700:chmod=", "/a -1 1;" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		struct config c;
		char got[512] = "";
		size_t at = 0;
		clear_env();
		parse(&c, (char *[]){ "volown", "--path", (char *)rows[i].s, NULL });
		for (size_t j = 0; j < c.paths.n; j++)
			at += (size_t)snprintf(got + at, sizeof got - at, "%s %d %d;",
					       c.paths.v[j].path, c.paths.v[j].mkdir,
					       c.paths.v[j].own_chmod);
		ok(strcmp(got, rows[i].want) == 0, "--path `%s' -> %s", rows[i].s, got);
	}
	struct config c;
	parse(&c, (char *[]){ "volown", "--path", "/a:chmod=0700:chmod=", NULL });
	ok(c.paths.v[0].chmod.n == 0, "chmod= after chmod=0700: no mode");
}

/* A path's own settings win over --mkdir and --chmod; the others follow those. */
static void test_path_settings(void)
{
	struct config c;
	clear_env();
	parse(&c, (char *[]){ "volown", "--chmod", "g+rX", "--mkdir", "--path",
			      "/data:chmod=go-rwx:mkdir=0", "--path", "/run/pg", "--path",
			      "/plain:chmod=", NULL });
	ok(c.paths.n == 3 && !config_path_mkdir(&c, &c.paths.v[0]) &&
	   config_path_mkdir(&c, &c.paths.v[1]) && config_path_mkdir(&c, &c.paths.v[2]),
	   "mkdir: the path's own, else --mkdir");
	ok(modes_apply(config_path_chmod(&c, &c.paths.v[0]), S_IFDIR | 0755) == 0700 &&
	   modes_apply(config_path_chmod(&c, &c.paths.v[1]), S_IFDIR | 0700) == 0750 &&
	   modes_apply(config_path_chmod(&c, &c.paths.v[2]), S_IFDIR | 0700) == 0700,
	   "chmod: the path's own (chmod= is none), else --chmod");
	setenv("VOLOWN_PATHS", "/var/lib/postgresql/data:chmod=go-rwx:/run/postgresql:mkdir", 1);
	parse(&c, (char *[]){ "volown", NULL });
	ok(c.paths.n == 2 && strcmp(c.paths.v[1].path, "/run/postgresql") == 0 &&
	   c.paths.v[1].mkdir == 1 && c.paths.v[0].own_chmod && !c.paths.v[1].own_chmod,
	   "VOLOWN_PATHS carries each path's settings");
	clear_env();
	char *conf = tap_temp_file("path = /srv/a:chmod=0750\npath = /srv/b:mkdir\n");
	parse(&c, (char *[]){ "volown", "--config", conf, NULL });
	ok(c.paths.n == 2 && c.paths.v[0].own_chmod && c.paths.v[1].mkdir == 1,
	   "the config file carries each path's settings");
	unlink(conf);
	free(conf);
}

int main(void)
{
	test_defaults();
	test_command();
	test_env_and_precedence();
	test_file();
	test_bool();
	test_paths();
	test_path_settings();
	return tap_done();
}
