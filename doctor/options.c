#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VOLOWN_VERSION
#define VOLOWN_VERSION "unknown"
#endif

enum {
	OPT_SERVICE = 256,
	OPT_FORMAT,
	OPT_OVERRIDE,
	OPT_VOLOWN,
	OPT_VERSION,
	OPT_CHOWN_BINDS,
	OPT_PROFILE,
	OPT_PROJECT_DIR,
	OPT_ENV_FILE,
};

static const char usage[] =
	"Usage: volown doctor [-f FILE]... [-p NAME] [--profile NAME]... [--service NAME]...\n"
	"                     [--project-directory DIR] [--env-file FILE] [--format text|json]\n"
	"                     [--write-override FILE] [--volown-binary PATH] [--chown-bind-mounts]\n"
	"                     [-H HOST]\n"
	"\n"
	"Review a compose file against the local Docker engine: for every service and\n"
	"every mount, predict who will own the mount when the service starts and whether\n"
	"the service's user can write there; propose fixes; optionally write a compose\n"
	"override that puts volown in front of the original entrypoint and command.\n"
	"\n"
	"  -f, --file FILE          compose file (repeatable, merged in order; default: as\n"
	"                           docker-compose: COMPOSE_FILE, else docker-compose.yml,\n"
	"                           -.yaml, compose.yml, compose.yaml here or in a parent,\n"
	"                           with its docker-compose.override.yml)\n"
	"  -p, --project-name NAME  project name (default: COMPOSE_PROJECT_NAME, else the\n"
	"                           project directory's name)\n"
	"      --profile NAME       also check the services of this profile (repeatable;\n"
	"                           default: COMPOSE_PROFILES)\n"
	"      --service NAME       check only this service, whatever its profiles (repeatable)\n"
	"      --project-directory DIR  the project directory (default: the first file's)\n"
	"      --env-file FILE      the .env file (default: .env of the project directory)\n"
	"      --format text|json   output format (default text; json: schema volown-doctor/1)\n"
	"      --write-override FILE  write a compose override that applies volown\n"
	"      --volown-binary PATH   static volown to mount (default: next to this program,\n"
	"                           else on PATH)\n"
	"  -H, --host HOST          the engine: unix://PATH or tcp://HOST:PORT (default:\n"
	"                           DOCKER_HOST, else unix:///var/run/docker.sock); TLS\n"
	"                           as the docker CLI: DOCKER_TLS_VERIFY, DOCKER_CERT_PATH\n"
	"      --chown-bind-mounts  bind-mounted host directories the program cannot write\n"
	"                           are problems, and the override gives them to the\n"
	"                           program's user (your own files: only if it writes there)\n"
	"  -h, --help               show this help\n"
	"      --version            show the version\n"
	"\n"
	"Exit status: 0 no problem, 1 problems found, 2 could not check.\n";

static void usage_error(const char *msg, const char *arg)
{
	die("%s%s%s%s (try 'volown doctor --help')", msg, arg ? " \"" : "", arg ? arg : "",
	    arg ? "\"" : "");
}

void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "project-name", required_argument, NULL, 'p' },
		{ "service", required_argument, NULL, OPT_SERVICE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "write-override", required_argument, NULL, OPT_OVERRIDE },
		{ "volown-binary", required_argument, NULL, OPT_VOLOWN },
		{ "host", required_argument, NULL, 'H' },
		{ "chown-bind-mounts", no_argument, NULL, OPT_CHOWN_BINDS },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "project-directory", required_argument, NULL, OPT_PROJECT_DIR },
		{ "env-file", required_argument, NULL, OPT_ENV_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	/* An error before --format json is read is still reported as JSON. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--format=json") ||
		    (!strcmp(argv[i], "--format") && i + 1 < argc && !strcmp(argv[i + 1], "json")))
			die_as_json(true);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:p:H:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			strv_push(&o->files, optarg);
			break;
		case 'p':
			o->project_name = optarg;
			break;
		case OPT_SERVICE:
			strv_push(&o->services, optarg);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o->format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->format = FORMAT_JSON, die_as_json(true);
			else
				usage_error("--format must be text or json, not", optarg);
			break;
		case OPT_OVERRIDE:
			o->override_path = optarg;
			break;
		case OPT_VOLOWN:
			o->volown_binary = optarg;
			break;
		case 'H':
			o->host = optarg;
			break;
		case OPT_CHOWN_BINDS:
			o->chown_bind_mounts = true;
			break;
		case OPT_PROFILE:
			strv_push(&o->profiles, optarg);
			break;
		case OPT_PROJECT_DIR:
			o->project_directory = optarg;
			break;
		case OPT_ENV_FILE:
			o->env_file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case OPT_VERSION:
			printf("volown-doctor %s\n", VOLOWN_VERSION);
			exit(0);
		case ':':
			usage_error("an option needs a value:", argv[optind - 1]);
			break;
		default:
			usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument", argv[optind]);
}
