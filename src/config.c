/* config.c — command line and environment into one struct config. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"Usage: volown [OPTIONS] [--] [COMMAND [ARG]...]\n"
	"       volown doctor [DOCTOR OPTIONS]\n"
	"\n"
	"Fix the ownership of a container's volumes, drop to the program's user, and\n"
	"exec the program. With no COMMAND, fix and exit.\n"
	"\n"
	"Options (each has an environment variable; the option wins):\n"
	"  -u, --user USER[:GROUP]  target user, as gosu reads it: a number is always an\n"
	"                           id; USER alone adds its groups from /etc/group\n"
	"                           (VOLOWN_USER)\n"
	"  -p, --path DIR           a tree to fix; repeatable (VOLOWN_PATHS, colon-separated)\n"
	"      --policy POLICY      always: check every entry (default);\n"
	"                           root-mismatch: skip a path whose root is already right\n"
	"                           (VOLOWN_POLICY)\n"
	"      --cross-mounts       also walk filesystems mounted inside a path\n"
	"                           (VOLOWN_CROSS_MOUNTS=1)\n"
	"      --on-error MODE      fail: a refused chown exits 125 (default);\n"
	"                           warn: report it and go on (VOLOWN_ON_ERROR)\n"
	"      --hardlinks MODE     skip: leave multiply-linked files alone, with a warning\n"
	"                           (default); change: change them too (VOLOWN_HARDLINKS)\n"
	"      --auto               also fix every writable volume mounted into the\n"
	"                           container, from /proc/self/mountinfo (VOLOWN_AUTO=1)\n"
	"      --mkdir              create a missing path, owned by the user (VOLOWN_MKDIR=1)\n"
	"      --chmod MODE         also set modes, chmod-style: u+rwX, g+rwX,g+s, 0750\n"
	"                           (VOLOWN_CHMOD)\n"
	"  -j, --jobs N             walk with N threads; default: one per CPU (VOLOWN_JOBS)\n"
	"      --init               stay as PID 1: forward signals to the command, reap\n"
	"                           zombies (VOLOWN_INIT=1)\n"
	"      --init-group         with --init, signal the command's whole process group\n"
	"                           (VOLOWN_INIT_GROUP=1)\n"
	"      --config FILE        read settings from FILE, key = value lines (VOLOWN_CONFIG)\n"
	"  -n, --dry-run            print what would change, change nothing (VOLOWN_DRY_RUN=1)\n"
	"  -q, --quiet              no summary lines (VOLOWN_QUIET=1)\n"
	"  -v, --verbose            say what is done and why (VOLOWN_VERBOSE=1)\n"
	"  -h, --help               this text\n"
	"  -V, --version            the version\n"
	"\n"
	"Exit status: the command's own; 125 when volown failed before running it;\n"
	"126 when the command cannot be executed; 127 when it was not found.\n"
	"With no COMMAND: 0 when every path was fixed, 125 otherwise.\n";

enum {
	OPT_POLICY = 256,
	OPT_CROSS_MOUNTS,
	OPT_ON_ERROR,
	OPT_HARDLINKS,
	OPT_AUTO,
	OPT_MKDIR,
	OPT_CHMOD,
	OPT_INIT,
	OPT_INIT_GROUP,
	OPT_CONFIG,
};

static const struct option long_options[] = {
	{ "user", required_argument, NULL, 'u' },
	{ "path", required_argument, NULL, 'p' },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "cross-mounts", no_argument, NULL, OPT_CROSS_MOUNTS },
	{ "on-error", required_argument, NULL, OPT_ON_ERROR },
	{ "hardlinks", required_argument, NULL, OPT_HARDLINKS },
	{ "auto", no_argument, NULL, OPT_AUTO },
	{ "mkdir", no_argument, NULL, OPT_MKDIR },
	{ "chmod", required_argument, NULL, OPT_CHMOD },
	{ "jobs", required_argument, NULL, 'j' },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "init-group", no_argument, NULL, OPT_INIT_GROUP },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int config_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "", "0", "false", "no", "off" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (strcmp(s, yes[i]) == 0)
			return *out = true, 0;
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (strcmp(s, no[i]) == 0)
			return *out = false, 0;
	return -1;
}

/* Maps `s` to the index of its name in `names`, or -1. */
static int lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

#define LOOKUP(s, names) lookup((s), (names), sizeof(names) / sizeof *(names))

static const char *const policy_names[] = { "always", "root-mismatch" };
static const char *const on_error_names[] = { "fail", "warn" };
static const char *const hardlinks_names[] = { "skip", "change" };

int config_parse_policy(const char *s, enum policy *out)
{
	int i = LOOKUP(s, policy_names);
	if (i < 0)
		return -1;
	*out = (enum policy)i;
	return 0;
}

static void set_policy(struct config *cfg, const char *s, const char *from)
{
	if (config_parse_policy(s, &cfg->policy) < 0)
		die(EXIT_VOLOWN, "%s: unknown policy `%s' (expected always or root-mismatch)", from, s);
}

static void set_on_error(struct config *cfg, const char *s, const char *from)
{
	int i = LOOKUP(s, on_error_names);
	if (i < 0)
		die(EXIT_VOLOWN, "%s: unknown value `%s' (expected fail or warn)", from, s);
	cfg->on_error = (enum on_error)i;
}

static void set_hardlinks(struct config *cfg, const char *s, const char *from)
{
	int i = LOOKUP(s, hardlinks_names);
	if (i < 0)
		die(EXIT_VOLOWN, "%s: unknown value `%s' (expected skip or change)", from, s);
	cfg->hardlinks = (enum hardlinks)i;
}

static void add_path(struct config *cfg, char *path)
{
	char **p = realloc(cfg->paths, (cfg->npaths + 1) * sizeof *p);
	if (!p)
		die(EXIT_VOLOWN, "out of memory");
	cfg->paths = p;
	cfg->paths[cfg->npaths++] = path;
}

/* VOLOWN_PATHS: colon-separated; empty entries are ignored. */
static void env_paths(struct config *cfg, const char *value)
{
	char *copy = strdup(value);
	if (!copy)
		die(EXIT_VOLOWN, "out of memory");
	for (char *save = NULL, *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save))
		add_path(cfg, p);
}

static void set_jobs(struct config *cfg, const char *s, const char *from)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || n < 1 || n > 1024)
		die(EXIT_VOLOWN, "%s: `%s' is not a number of jobs (1-1024)", from, s);
	cfg->jobs = (unsigned)n;
}

static bool env_bool(const char *name)
{
	const char *v = getenv(name);
	bool b = false;
	if (v && config_parse_bool(v, &b) < 0)
		die(EXIT_VOLOWN, "%s: `%s' is not a boolean (use 1 or 0)", name, v);
	return b;
}

static void parse_env(struct config *cfg)
{
	const char *v;

	if ((v = getenv("VOLOWN_USER")) && *v)
		cfg->user = v;
	if ((v = getenv("VOLOWN_PATHS")))
		env_paths(cfg, v);
	if ((v = getenv("VOLOWN_POLICY")) && *v)
		set_policy(cfg, v, "VOLOWN_POLICY");
	if ((v = getenv("VOLOWN_ON_ERROR")) && *v)
		set_on_error(cfg, v, "VOLOWN_ON_ERROR");
	if ((v = getenv("VOLOWN_HARDLINKS")) && *v)
		set_hardlinks(cfg, v, "VOLOWN_HARDLINKS");
	if ((v = getenv("VOLOWN_CHMOD")) && *v)
		cfg->chmod = v;
	if ((v = getenv("VOLOWN_JOBS")) && *v)
		set_jobs(cfg, v, "VOLOWN_JOBS");
	if ((v = getenv("VOLOWN_CONFIG")) && *v)
		cfg->config_file = v;
	cfg->auto_mounts = env_bool("VOLOWN_AUTO");
	cfg->mkdir = env_bool("VOLOWN_MKDIR");
	cfg->init = env_bool("VOLOWN_INIT");
	cfg->init_group = env_bool("VOLOWN_INIT_GROUP");
	cfg->cross_mounts = env_bool("VOLOWN_CROSS_MOUNTS");
	cfg->dry_run = env_bool("VOLOWN_DRY_RUN");
	if (env_bool("VOLOWN_QUIET"))
		cfg->log_level = LOG_QUIET;
	if (env_bool("VOLOWN_VERBOSE"))
		cfg->log_level = LOG_VERBOSE;
}

/* The option getopt_long() just stopped at, for a message. */
static const char *option_name(int argc, char **argv)
{
	static char shortopt[3] = "-?";
	if (optopt > 0 && optopt < 128) {
		shortopt[1] = (char)optopt;
		return shortopt;
	}
	return optind - 1 < argc && argv[optind - 1] ? argv[optind - 1] : "?";
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	bool cli_paths = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:u:p:j:nqvhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'u':
			cfg->user = optarg;
			break;
		case 'p':
			if (!cli_paths) /* the command line replaces VOLOWN_PATHS */
				cfg->npaths = 0;
			cli_paths = true;
			add_path(cfg, optarg);
			break;
		case OPT_POLICY:
			set_policy(cfg, optarg, "--policy");
			break;
		case OPT_CROSS_MOUNTS:
			cfg->cross_mounts = true;
			break;
		case OPT_ON_ERROR:
			set_on_error(cfg, optarg, "--on-error");
			break;
		case OPT_HARDLINKS:
			set_hardlinks(cfg, optarg, "--hardlinks");
			break;
		case OPT_AUTO:
			cfg->auto_mounts = true;
			break;
		case OPT_MKDIR:
			cfg->mkdir = true;
			break;
		case OPT_CHMOD:
			cfg->chmod = optarg;
			break;
		case 'j':
			set_jobs(cfg, optarg, "--jobs");
			break;
		case OPT_INIT:
			cfg->init = true;
			break;
		case OPT_INIT_GROUP:
			cfg->init_group = true;
			break;
		case OPT_CONFIG:
			cfg->config_file = optarg;
			break;
		case 'n':
			cfg->dry_run = true;
			break;
		case 'q':
			cfg->log_level = LOG_QUIET;
			break;
		case 'v':
			cfg->log_level = LOG_VERBOSE;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			puts("volown " VOLOWN_VERSION);
			exit(0);
		case ':':
			die(EXIT_VOLOWN, "option `%s' needs a value (see volown --help)",
			    option_name(argc, argv));
		default:
			die(EXIT_VOLOWN, "unknown option `%s' (see volown --help)", option_name(argc, argv));
		}
	}
	if (optind < argc)
		cfg->command = argv + optind;
}

void config_parse(int argc, char **argv, struct config *cfg)
{
	*cfg = (struct config){ .log_level = LOG_NORMAL };
	parse_env(cfg);
	parse_args(argc, argv, cfg);
	log_set_level(cfg->log_level);
}

/* Settings that are parsed but whose feature has not landed yet: refuse them rather
 * than silently ignore them. Each line goes away with its feature. */
void config_check_supported(const struct config *cfg)
{
	const char *missing = cfg->auto_mounts ? "--auto"
	                      : cfg->mkdir     ? "--mkdir"
	                      : cfg->chmod     ? "--chmod"
	                      : cfg->config_file ? "--config"
	                                       : NULL;
	if (missing)
		die(EXIT_VOLOWN, "%s is not supported by this build yet", missing);
}
