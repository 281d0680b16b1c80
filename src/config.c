/* config.c — command line and environment into one struct config. */
#include "config.h"
#include "fmt.h"
#include "ids.h"
#include "setuid.h"

#include <getopt.h>
#include <stdint.h>
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
	"      --group-add GROUP    one more supplementary group for the command, a name or\n"
	"                           a gid, as docker run --group-add gives it; repeatable\n"
	"                           (VOLOWN_GROUP_ADD, comma-separated)\n"
	"  -p, --path DIR[:mkdir][:chmod=MODE]\n"
	"                           a tree to fix, and its own settings, which win over\n"
	"                           --mkdir and --chmod; repeatable (VOLOWN_PATHS, colon-\n"
	"                           separated: /pgdata:chmod=go-rwx:/run/postgresql:mkdir)\n"
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
	"                           container, from /proc/self/mountinfo; refused outside a\n"
	"                           container, never a mount of the host's (VOLOWN_AUTO=1)\n"
	"      --mkdir              create a missing path, owned by the user (VOLOWN_MKDIR=1)\n"
	"      --chmod MODE         also set modes, chmod-style: u+rwX, g+rwX,g+s, 0750;\n"
	"                           or fsgroup: Kubernetes' fsGroup rule (VOLOWN_CHMOD)\n"
	"  -j, --jobs N             walk with N threads; default: one per CPU (VOLOWN_JOBS)\n"
	"      --init               stay as PID 1: forward signals to the command, reap\n"
	"                           zombies (VOLOWN_INIT=1)\n"
	"      --init-group         --init, signalling the command's whole process group\n"
	"                           (VOLOWN_INIT_GROUP=1)\n"
	"      --config FILE        read settings from FILE, key = value lines (VOLOWN_CONFIG)\n"
	"  -n, --dry-run            print what would change, change nothing (VOLOWN_DRY_RUN=1)\n"
	"  -q, --quiet              no summary lines (VOLOWN_QUIET=1)\n"
	"  -v, --verbose            say what is done and why (VOLOWN_VERBOSE=1)\n"
	"  -h, --help               this text\n"
	"  -V, --version            the version and the architecture\n"
	"\n"
	"The config file holds the same settings as `key = value' lines (user, path,\n"
	"policy, chmod, auto, init, on-error, ...); options beat variables beat the file.\n"
	"\n"
	"Setuid mode: installed root:root 4755 and started by a non-root user, volown\n"
	"takes no option and no variable, reads /etc/volown.conf (root's own), fixes its\n"
	"paths for the calling user once per container, then drops every privilege.\n"
	"\n"
	"Exit status: the command's own; 125 when volown failed before running it;\n"
	"126 when the command cannot be executed; 127 when it was not found; 128+N when\n"
	"signal N (SIGTERM, SIGINT, SIGQUIT) stopped the fix.\n"
	"With no COMMAND: 0 when every path was fixed, 125 otherwise.\n";

/* The architecture this binary was compiled for, by Debian's name (as the release
 * files are named), from the compiler's own predefined macros. */
#if defined(__x86_64__) && defined(__ILP32__)
#define ARCH "x32"
#elif defined(__x86_64__)
#define ARCH "amd64"
#elif defined(__aarch64__)
#define ARCH "arm64"
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define ARCH "armhf"
#elif defined(__arm__)
#define ARCH "armel"
#elif defined(__i386__)
#define ARCH "i386"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define ARCH "ppc64el"
#elif defined(__powerpc64__)
#define ARCH "ppc64"
#elif defined(__s390x__)
#define ARCH "s390x"
#elif defined(__riscv) && defined(__LP64__)
#define ARCH "riscv64"
#else
#define ARCH "unknown"
#endif

/* Every setting, once: its config-file key (the long option is --key), its variable,
 * its short option, whether it takes a value, how it is applied, and whether the root-
 * owned /etc/volown.conf may set it in setuid mode. */
struct origin {
	int layer;	  /* 0 config file, 1 environment, 2 command line */
	const char *name; /* for messages: "--policy", "VOLOWN_POLICY", "FILE:3: policy" */
};

typedef void (*setter)(struct config *cfg, const char *value, const struct origin *from);

struct setting {
	const char *key;
	const char *env;
	int short_opt;
	bool takes_value;
	setter set;
	bool setuid_ok;
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

static bool to_bool(const char *s, const struct origin *from)
{
	bool b = false;
	if (config_parse_bool(s, &b) < 0)
		die(EXIT_VOLOWN, "%s: `%s' is not a boolean (use 1 or 0)", from->name, s);
	return b;
}

static char *copy(const char *s)
{
	char *c = strdup(s);
	if (!c)
		die(EXIT_VOLOWN, "out of memory");
	return c;
}

static void set_user(struct config *cfg, const char *v, const struct origin *from)
{
	(void)from;
	cfg->user = copy(v); /* "" is gosu's "the current user", not "no user" */
}

static void list_push(struct list *l, char *item)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v)
		die(EXIT_VOLOWN, "out of memory");
	l->v = v;
	l->v[l->n++] = item;
}

/* A repeatable setting: the values of a later layer replace those of an earlier one;
 * within a layer they add up. Its variable holds a list split at `sep', empty entries
 * ignored. */
static void list_set(struct list *l, const char *v, const struct origin *from, const char *sep)
{
	if (from->layer != l->layer) {
		l->n = 0;
		l->layer = from->layer;
	}
	if (from->layer != 1) {
		list_push(l, copy(v));
		return;
	}
	char *all = copy(v);
	for (char *save = NULL, *p = strtok_r(all, sep, &save); p; p = strtok_r(NULL, sep, &save))
		list_push(l, p);
}

/* A mode, chmod(1)-style; "" is none. */
static void to_modes(struct modes *m, const char *v, const struct origin *from)
{
	*m = (struct modes){ 0 };
	if (*v && modes_parse(v, m) < 0)
		die(EXIT_VOLOWN, "%s: `%s' is not a mode (e.g. u+rwX, g+rwX,g+s, 0750, fsgroup)",
		    from->name, v);
}

/* One setting of path `p': mkdir, mkdir=BOOL, chmod=MODE. */
static void path_setting(struct path_spec *p, const char *item, const struct origin *from)
{
	const char *v = strchr(item, '=');
	size_t klen = v ? (size_t)(v++ - item) : strlen(item);
	char name[512];
	struct origin in = { from->layer, name };

	fmt_to(name, sizeof name, "%s: `%s' %.*s", from->name, p->path, (int)klen, item);
	if (klen == 5 && strncmp(item, "mkdir", 5) == 0) {
		p->mkdir = !v || to_bool(v, &in);
	} else if (klen == 5 && strncmp(item, "chmod", 5) == 0 && v) {
		p->own_chmod = true;
		to_modes(&p->chmod, v, &in);
	} else {
		die(EXIT_VOLOWN, "%s: `%s': unknown setting `%s' (expected mkdir or chmod=MODE)",
		    from->name, p->path, item);
	}
}

/* Items separated by `:', empty ones ignored: one starting with `/' is a path, any
 * other a setting of the path before it. A later layer replaces an earlier one's
 * paths, as with struct list. */
static void set_path(struct config *cfg, const char *v, const struct origin *from)
{
	struct path_list *l = &cfg->paths;
	char *all = copy(v), *save = NULL;

	if (from->layer != l->layer) {
		l->n = 0;
		l->layer = from->layer;
	}
	for (char *item = strtok_r(all, ":", &save); item; item = strtok_r(NULL, ":", &save)) {
		if (item[0] == '/') {
			struct path_spec *p = realloc(l->v, (l->n + 1) * sizeof *p);
			if (!p)
				die(EXIT_VOLOWN, "out of memory");
			l->v = p;
			l->v[l->n++] = (struct path_spec){ .path = copy(item), .mkdir = -1 };
		} else if (l->n == 0) {
			die(EXIT_VOLOWN,
			    "%s: `%s' is not an absolute path (settings follow one: "
			    "DIR:mkdir:chmod=MODE)",
			    from->name, item);
		} else {
			path_setting(&l->v[l->n - 1], item, from);
		}
	}
	free(all);
}

bool config_path_mkdir(const struct config *cfg, const struct path_spec *p)
{
	return p->mkdir < 0 ? cfg->mkdir : p->mkdir != 0;
}

const struct modes *config_path_chmod(const struct config *cfg, const struct path_spec *p)
{
	return p->own_chmod ? &p->chmod : &cfg->chmod;
}

static void set_group_add(struct config *cfg, const char *v, const struct origin *from)
{
	list_set(&cfg->group_add, v, from, ",");
}

static void set_policy(struct config *cfg, const char *v, const struct origin *from)
{
	if (config_parse_policy(v, &cfg->policy) < 0)
		die(EXIT_VOLOWN, "%s: unknown policy `%s' (expected always or root-mismatch)",
		    from->name, v);
}

static void set_on_error(struct config *cfg, const char *v, const struct origin *from)
{
	int i = LOOKUP(v, on_error_names);
	if (i < 0)
		die(EXIT_VOLOWN, "%s: unknown value `%s' (expected fail or warn)", from->name, v);
	cfg->on_error = (enum on_error)i;
}

static void set_hardlinks(struct config *cfg, const char *v, const struct origin *from)
{
	int i = LOOKUP(v, hardlinks_names);
	if (i < 0)
		die(EXIT_VOLOWN, "%s: unknown value `%s' (expected skip or change)", from->name, v);
	cfg->hardlinks = (enum hardlinks)i;
}

static void set_chmod(struct config *cfg, const char *v, const struct origin *from)
{
	to_modes(&cfg->chmod, v, from);
}

static void set_jobs(struct config *cfg, const char *v, const struct origin *from)
{
	long long n;
	if (*v < '0' || *v > '9' || !ids_parse_number(v, &n) || n < 1 || n > 1024)
		die(EXIT_VOLOWN, "%s: `%s' is not a number of jobs (1-1024)", from->name, v);
	cfg->jobs = (unsigned)n;
}

static void set_config(struct config *cfg, const char *v, const struct origin *from)
{
	(void)from;
	cfg->config_file = *v ? copy(v) : NULL;
}

#define BOOL_SETTER(fn, field)                                                       \
	static void fn(struct config *cfg, const char *v, const struct origin *from) \
	{                                                                            \
		cfg->field = to_bool(v, from);                                       \
	}
BOOL_SETTER(set_cross_mounts, cross_mounts)
BOOL_SETTER(set_auto, auto_mounts)
BOOL_SETTER(set_mkdir, mkdir)
BOOL_SETTER(set_init, init)
/* --init-group only means something under --init, so it asks for it */
static void set_init_group(struct config *cfg, const char *v, const struct origin *from)
{
	cfg->init_group = to_bool(v, from);
	cfg->init |= cfg->init_group;
}
BOOL_SETTER(set_dry_run, dry_run)

/* quiet and verbose are kept apart, so that a later layer can turn either off
 * (VOLOWN_QUIET=0 over a file's quiet = 1); verbose wins when both are on. */
BOOL_SETTER(set_quiet, quiet)
BOOL_SETTER(set_verbose, verbose)

void config_settle_log_level(struct config *cfg)
{
	cfg->log_level = cfg->verbose ? LOG_VERBOSE : cfg->quiet ? LOG_QUIET : LOG_NORMAL;
	log_set_level(cfg->log_level);
}

static const struct setting settings[] = {
	{ "user", "VOLOWN_USER", 'u', true, set_user, false },
	{ "path", "VOLOWN_PATHS", 'p', true, set_path, true },
	{ "group-add", "VOLOWN_GROUP_ADD", 0, true, set_group_add, false },
	{ "policy", "VOLOWN_POLICY", 0, true, set_policy, true },
	{ "cross-mounts", "VOLOWN_CROSS_MOUNTS", 0, false, set_cross_mounts, true },
	{ "on-error", "VOLOWN_ON_ERROR", 0, true, set_on_error, true },
	{ "hardlinks", "VOLOWN_HARDLINKS", 0, true, set_hardlinks, false },
	{ "auto", "VOLOWN_AUTO", 0, false, set_auto, false },
	{ "mkdir", "VOLOWN_MKDIR", 0, false, set_mkdir, true },
	{ "chmod", "VOLOWN_CHMOD", 0, true, set_chmod, true },
	{ "jobs", "VOLOWN_JOBS", 'j', true, set_jobs, true },
	{ "init", "VOLOWN_INIT", 0, false, set_init, true },
	{ "init-group", "VOLOWN_INIT_GROUP", 0, false, set_init_group, true },
	{ "config", "VOLOWN_CONFIG", 0, true, set_config, false },
	{ "dry-run", "VOLOWN_DRY_RUN", 'n', false, set_dry_run, false },
	{ "quiet", "VOLOWN_QUIET", 'q', false, set_quiet, true },
	{ "verbose", "VOLOWN_VERBOSE", 'v', false, set_verbose, true },
};

#define NSETTINGS (sizeof settings / sizeof *settings)
#define OPT_BASE  256 /* getopt value of a setting without a short option: OPT_BASE + index */

static const struct setting *find_key(const char *key)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].key, key) == 0)
			return &settings[i];
	return NULL;
}

/* ---- layer 1: the environment ---- */

static void parse_env(struct config *cfg)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *v = getenv(settings[i].env);
		struct origin from = { 1, settings[i].env };
		if (v && (*v || settings[i].set == set_path))
			settings[i].set(cfg, v, &from);
	}
}

/* ---- layer 0: the config file ---- */

static char *trim(char *s)
{
	char *end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One "key = value" line; `#` starts a comment line. */
static void parse_line(struct config *cfg, char *line, const char *file, unsigned lineno,
		       bool setuid)
{
	char where[512];
	char *s = trim(line), *eq, *key, *value;
	const struct setting *set;

	if (*s == '\0' || *s == '#')
		return;
	if (!(eq = strchr(s, '=')))
		die(EXIT_VOLOWN, "%s:%u: expected `key = value', got `%s'", file, lineno, s);
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!(set = find_key(key)) || set->set == set_config)
		die(EXIT_VOLOWN, "%s:%u: unknown key `%s'", file, lineno, key);
	if (setuid && !set->setuid_ok)
		die(EXIT_VOLOWN, "%s:%u: `%s' is not allowed when volown runs setuid", file, lineno,
		    key);
	fmt_to(where, sizeof where, "%s:%u: %s", file, lineno, key);
	set->set(cfg, value, &(struct origin){ 0, where });
}

void config_read_file(struct config *cfg, FILE *fp, const char *file, bool setuid)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;

	while (getline(&line, &cap, fp) != -1)
		parse_line(cfg, line, file, ++lineno, setuid);
	if (ferror(fp))
		die_errno(EXIT_VOLOWN, "cannot read `%s'", file);
	free(line);
}

static void parse_file(struct config *cfg, const char *file)
{
	FILE *fp = fopen(file, "re");
	if (!fp)
		die_errno(EXIT_VOLOWN, "cannot open the config file `%s'", file);
	config_read_file(cfg, fp, file, false);
	fclose(fp);
}

/* ---- layer 2: the command line ---- */

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

struct arg {
	const struct setting *set;
	const char *value;
	const char *name;
};

/* Collects the options (applied later, after the file and the environment) and
 * sets cfg->command. Returns the number of options in args. */
static size_t parse_args(int argc, char **argv, struct config *cfg, struct arg *args)
{
	struct option opts[NSETTINGS + 3];
	char shorts[64] = "+:hV";
	size_t n = 0, ns = strlen(shorts);
	int c;

	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		int val = s->short_opt ? s->short_opt : OPT_BASE + (int)i;
		opts[i] = (struct option){ s->key, s->takes_value ? required_argument : no_argument,
					   NULL, val };
		if (s->short_opt) {
			shorts[ns++] = (char)s->short_opt;
			if (s->takes_value)
				shorts[ns++] = ':';
		}
	}
	opts[NSETTINGS] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[NSETTINGS + 1] = (struct option){ "version", no_argument, NULL, 'V' };
	opts[NSETTINGS + 2] = (struct option){ 0 };
	shorts[ns] = '\0';

	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		const struct setting *s = NULL;
		if (c == 'h') {
			fputs(usage_text, stdout);
			exit(0);
		} else if (c == 'V') {
			puts("volown " VOLOWN_VERSION " (" ARCH ")");
			exit(0);
		} else if (c == ':') {
			die(EXIT_VOLOWN, "option `%s' needs a value (see volown --help)",
			    option_name(argc, argv));
		} else if (c >= OPT_BASE && c < OPT_BASE + (int)NSETTINGS) {
			s = &settings[c - OPT_BASE];
		} else {
			for (size_t i = 0; i < NSETTINGS && !s; i++)
				if (settings[i].short_opt == c)
					s = &settings[i];
		}
		if (!s)
			die(EXIT_VOLOWN, "unknown option `%s' (see volown --help)",
			    option_name(argc, argv));
		args[n++] = (struct arg){ s, s->takes_value ? optarg : "1", argv[optind - 1] };
	}
	if (optind < argc)
		cfg->command = argv + optind;
	return n;
}

static void apply_args(struct config *cfg, const struct arg *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[64];
		fmt_to(name, sizeof name, "--%s", args[i].set->key);
		args[i].set->set(cfg, args[i].value, &(struct origin){ 2, name });
	}
}

void config_parse(int argc, char **argv, struct config *cfg)
{
	struct arg *args = calloc((size_t)argc + 1, sizeof *args);
	size_t nargs;

	if (setuid_mode()) {
		free(args);
		setuid_config(argc, argv, cfg);
		return;
	}
	if (!args)
		die(EXIT_VOLOWN, "out of memory");
	*cfg = (struct config){ .log_level = LOG_NORMAL, .paths.layer = -1, .group_add.layer = -1 };
	nargs = parse_args(argc, argv, cfg, args);
	/* which file: the command line's --config, else VOLOWN_CONFIG */
	for (size_t i = 0; i < nargs; i++)
		if (args[i].set->set == set_config)
			cfg->config_file = args[i].value;
	if (!cfg->config_file && getenv("VOLOWN_CONFIG") && *getenv("VOLOWN_CONFIG"))
		cfg->config_file = getenv("VOLOWN_CONFIG");
	if (cfg->config_file)
		parse_file(cfg, cfg->config_file); /* options beat variables beat the file */
	parse_env(cfg);
	apply_args(cfg, args, nargs);
	free(args);
	config_settle_log_level(cfg);
}
