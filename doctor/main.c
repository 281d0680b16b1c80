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
#include "options.h"
#include "override.h"
#include "report.h"

static struct engine *connect_engine(const struct options *o)
{
	char *err = NULL;
	struct engine *e = engine_open(o->host, &err);

	if (!e)
		die("%s", err);
	return e;
}

static void describe_engine(struct engine *e, struct engine_info *ei)
{
	char *err = NULL;

	if (engine_describe(e, ei, &err) < 0)
		die("cannot tell which engine answers on %s: %s", engine_where(e), err);
}

static char *volown_binary(const struct options *o)
{
	char *path;

	if (o->volown_binary) {
		path = realpath(o->volown_binary, NULL);
		if (!path || access(path, X_OK) != 0)
			die("--volown-binary \"%s\" is not an executable file", o->volown_binary);
		return path;
	}
	path = find_volown_binary();
	if (!path)
		die("cannot find the static volown binary to mount (looked next to volown-doctor "
		    "and on PATH); name it with --volown-binary PATH");
	return path;
}

static void maybe_write_override(const struct options *o, const struct project *p,
				 const struct totals *t)
{
	char *volown;
	size_t n;

	if (!o->override_path)
		return;
	if (t->problems == 0) {
		warnx("no problem to fix: \"%s\" not written", o->override_path);
		return;
	}
	volown = volown_binary(o);
	n = write_override(p, o->override_path, volown);
	warnx("wrote \"%s\" for %zu service%s", o->override_path, n, n == 1 ? "" : "s");
	free(volown);
}

int main(int argc, char **argv)
{
	struct options o;
	struct compose_opts co;
	struct project p;
	struct engine *e;
	struct engine_info ei;
	struct totals t;

	parse_options(argc, argv, &o);
	co = (struct compose_opts){ .files = &o.files, .project_name = o.project_name, .only = &o.services };
	compose_load(&co, &p);
	e = connect_engine(&o);
	describe_engine(e, &ei);
	p.engine = &ei;
	check_project(e, &p, &t);
	engine_close(e);
	if (o.format == FORMAT_JSON)
		report_json(stdout, &p, &t);
	else
		report_text(stdout, &p, &t);
	fflush(stdout);
	maybe_write_override(&o, &p, &t);
	project_free(&p);
	engine_info_free(&ei);
	strv_free(&o.files);
	strv_free(&o.services);
	if (t.errors)
		return DOCTOR_CANNOT;
	return t.problems ? DOCTOR_PROBLEMS : DOCTOR_OK;
}
