/* volown-doctor: review a compose file against the local Docker engine.
 * parse options -> load the compose files -> ask the engine -> predict ->
 * report -> write the override -> exit 0, 1 or 2. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "compose.h"
#include "engine.h"
#include "engine_info.h"
#include "image.h"
#include "interrupt.h"
#include "options.h"
#include "override.h"
#include "report.h"

static struct engine *connect_engine(const struct options *o)
{
	char *err = NULL;
	struct engine *e = engine_open(o->host, &err);

	if (!e) {
		char msg[4096];

		snprintf(msg, sizeof(msg), "%s", err ? err : "cannot reach the Docker engine");
		free(err);
		die("%s", msg);
	}
	return e;
}

static void describe_engine(struct engine *e, struct engine_info *ei)
{
	char *err = NULL;

	if (engine_describe(e, ei, &err) < 0) {
		char msg[4096];

		snprintf(msg, sizeof(msg), "cannot tell which engine answers on %s: %s", engine_where(e),
			 err ? err : "no answer");
		free(err);
		die("%s", msg);
	}
}

/* The static volown that the override mounts: --volown-binary (which must be an
 * executable), else next to this program or on PATH. NULL when not found. */
static char *volown_binary(const struct options *o)
{
	char *path;

	if (!o->volown_binary)
		return find_volown_binary();
	path = realpath(o->volown_binary, NULL);
	if (!path || access(path, X_OK) != 0)
		die("--volown-binary \"%s\" is not an executable file", o->volown_binary);
	return path;
}

static void maybe_write_override(const struct options *o, const struct project *p,
				 const struct totals *t)
{
	size_t n;

	if (!o->override_path)
		return;
	if (t->problems == 0) {
		if (t->errors)
			warnx("%zu service%s could not be checked, so nothing is known to fix: \"%s\" "
			      "not written", t->errors, t->errors == 1 ? "" : "s", o->override_path);
		else
			warnx("no problem to fix: \"%s\" not written", o->override_path);
		return;
	}
	if (!p->volown_binary)
		die("cannot find the static volown binary to mount (looked next to volown-doctor "
		    "and on PATH); name it with --volown-binary PATH");
	n = write_override(p, o->override_path, p->volown_binary);
	if (n == 0)
		warnx("no service can be fixed with volown: \"%s\" not written", o->override_path);
	else
		warnx("wrote \"%s\" for %zu service%s", o->override_path, n, n == 1 ? "" : "s");
	if (t->errors)
		warnx("%zu service%s could not be checked and %s not in it", t->errors,
		      t->errors == 1 ? "" : "s", t->errors == 1 ? "is" : "are");
}

static void load(const struct options *o, struct project *p)
{
	struct compose_opts co = {
		.files = &o->files,
		.project_name = o->project_name,
		.project_directory = o->project_directory,
		.env_file = o->env_file,
		.profiles = &o->profiles,
		.only = &o->services,
	};
	char *err = NULL;

	if (compose_load(&co, p, &err) < 0) {
		char msg[4096];

		/* die() exits: copy the message so that nothing is left allocated */
		snprintf(msg, sizeof(msg), "%s", err ? err : "cannot read the compose files");
		free(err);
		die("%s", msg);
	}
	for (size_t i = 0; i < p->warnings.n; i++)
		warnx("%s", p->warnings.v[i]);
}

static void options_free(struct options *o)
{
	strv_free(&o->files);
	strv_free(&o->services);
	strv_free(&o->profiles);
}

int main(int argc, char **argv)
{
	struct options o;
	struct project p;
	struct engine *e;
	struct engine_info ei;
	struct totals t;

	parse_options(argc, argv, &o);
	interrupt_setup();
	load(&o, &p);
	p.chown_bind_mounts = o.chown_bind_mounts;
	p.volown_binary = volown_binary(&o);
	e = connect_engine(&o);
	describe_engine(e, &ei);
	p.engine = &ei;
	check_project(e, &p, &t);
	if (interrupt_pending()) {
		/* Every probe made so far goes, then the doctor dies of the signal it got. */
		remove_leftover_probes(e);
		engine_close(e);
		project_free(&p);
		engine_info_free(&ei);
		options_free(&o);
		warnx("interrupted: nothing checked is reported");
		interrupt_die();
	}
	remove_leftover_probes(e);
	engine_close(e);
	if (o.format == FORMAT_JSON)
		report_json(stdout, &p, &t);
	else
		report_text(stdout, &p, &t);
	fflush(stdout);
	maybe_write_override(&o, &p, &t);
	project_free(&p);
	engine_info_free(&ei);
	options_free(&o);
	if (t.errors)
		return DOCTOR_CANNOT;
	return t.problems ? DOCTOR_PROBLEMS : DOCTOR_OK;
}
