/* The doctor's command line, parsed once into one struct. */
#ifndef VOLOWN_DOCTOR_OPTIONS_H
#define VOLOWN_DOCTOR_OPTIONS_H

#include <stdbool.h>

#include "util.h"

enum format { FORMAT_TEXT, FORMAT_JSON };

struct options {
	struct strv files;
	char *project_name;
	struct strv services;
	enum format format;
	char *override_path;
	char *volown_binary;
	char *host; /* -H: the engine, over DOCKER_HOST */
	bool chown_bind_mounts; /* the user's own host directories may be given away */
	struct strv profiles;	/* --profile */
	char *project_directory;
	char *env_file;
};

/* Parse ARGV; exits 0 after --help or --version, 2 on a usage error. */
void parse_options(int argc, char **argv, struct options *o);

#endif
