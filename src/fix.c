/* fix.c — the fix phase (see fix.h). */
#include "fix.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mounts.h"
#include "paths.h"
#include "setuid.h"
#include "walk.h"

/* Stopping during the fix: SIGTERM (docker stop), SIGINT and SIGQUIT stop the walk
 * at the next entry, leaving each root as it was (the next start finishes the job);
 * volown then exits 128+N without running the command. As PID 1 with no handler, it
 * would ignore them and the engine would wait out its timeout, then kill. */
static volatile sig_atomic_t stop_signal;
static const struct {
	int sig;
	const char *name;
} stop_signals[] = { { SIGTERM, "SIGTERM" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" } };
#define NSTOP (sizeof stop_signals / sizeof *stop_signals)

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* No SA_RESTART: a wait (the setuid lock) returns at once with EINTR. */
static void catch_stops(struct sigaction old[NSTOP])
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSTOP; i++)
		if (sigaction(stop_signals[i].sig, &sa, &old[i]) < 0)
			die_errno(EXIT_VOLOWN, "cannot catch %s", stop_signals[i].name);
}

/* The command starts with the dispositions volown was given, an ignored one included. */
static void restore_stops(const struct sigaction old[NSTOP])
{
	for (size_t i = 0; i < NSTOP; i++)
		if (sigaction(stop_signals[i].sig, &old[i], NULL) < 0)
			die_errno(EXIT_VOLOWN, "cannot restore %s", stop_signals[i].name);
}

static noreturn void stopped(const char *path, const struct walk_stats *s)
{
	const char *name = "a signal";
	for (size_t i = 0; i < NSTOP; i++)
		if (stop_signals[i].sig == stop_signal)
			name = stop_signals[i].name;
	if (!path)
		die(128 + stop_signal, "stopped by %s before running the command", name);
	die(128 + stop_signal,
	    "stopped by %s while fixing `%s' (%llu entries checked, %llu changed): its root is "
	    "left as it was, so the next start finishes the fix",
	    name, path, (unsigned long long)s->checked, (unsigned long long)s->changed);
}

static noreturn void path_failed(const char *path, enum path_status st, const struct opened_path *p)
{
	if (st == PATH_ERROR)
		die_errno(EXIT_VOLOWN, "cannot open `%s'", path);
	if (st == PATH_MISSING) {
		bool part = p->detail && strcmp(p->detail, path) != 0;
		die(EXIT_VOLOWN,
		    "`%s': %s%s%sno such file or directory; --mkdir creates it (or `%s:mkdir' "
		    "for this path alone)",
		    path, part ? "`" : "", part ? p->detail : "", part ? "' " : "", path);
	}
	if (p->detail && strcmp(p->detail, path) != 0)
		die(EXIT_VOLOWN, "`%s': `%s' %s", path, p->detail, path_status_text(st));
	if (st == PATH_UNTRUSTED || st == PATH_REFUSED)
		die(EXIT_VOLOWN, "`%s' %s", path, path_status_text(st));
	die(EXIT_VOLOWN, "`%s': %s", path, path_status_text(st));
}

/* Not root: nothing can be changed, but say early if the program cannot write. */
static int check_writable(const char *path)
{
	if (access(path, W_OK | X_OK) == 0)
		return 0;
	warn_errno("`%s' is not writable by uid %lu", path, (unsigned long)getuid());
	warn("to fix it, run the container as root (user: root) with volown --user USER as its "
	     "entrypoint, or create the directory owned by the user in the Dockerfile "
	     "(RUN mkdir -p DIR && chown USER DIR) before the volume is first used");
	return EXIT_VOLOWN;
}

/* Milliseconds since t0. */
static unsigned long long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (unsigned long long)((t1.tv_sec - t0->tv_sec) * 1000 +
				    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The root's owner, group and (with --chmod) mode are what the walk would give it:
 * since the root is changed last, an earlier run finished. */
static bool root_is_right(const struct opened_path *p, const struct walk_opts *o)
{
	struct stat st;
	if (fstat(p->fd, &st) < 0 || st.st_uid != o->uid || st.st_gid != o->gid)
		return false;
	return (st.st_mode & 07777) == modes_apply(&o->chmod, st.st_mode);
}

/* Opens `path` (with mkdir, creating it); exits 125 on a configured path that cannot
 * be opened, returns false (said with -v) for a discovered one. */
static bool open_path(const char *path, bool discovered, bool mkdir, const struct config *cfg,
		      const struct target *t, struct opened_path *p)
{
	struct path_create mk = { .chown = t->privileged, .uid = t->id.uid, .gid = t->id.gid };
	enum path_status st = path_open(path, mkdir && !cfg->dry_run ? &mk : NULL, p);

	if (st == PATH_MISSING && mkdir && cfg->dry_run) {
		info("%s: missing, would be created (--mkdir)", path);
		path_close(p);
		return false;
	}
	if (st != PATH_OK && discovered) {
		verbose("--auto: %s left alone: %s", path, path_status_text(st));
		path_close(p);
		return false;
	}
	if (st != PATH_OK)
		path_failed(path, st, p);
	if (p->created)
		info("%s: created %u missing director%s (--mkdir)", path, p->created,
		     p->created == 1 ? "y" : "ies");
	return true;
}

/* Fixes one path; returns 0 or EXIT_VOLOWN, and clears *complete when something was
 * left as it was. */
static int fix_one(const struct path_spec *ps, bool discovered, const struct config *cfg,
		   const struct target *t, bool *complete)
{
	const char *path = ps->path;
	struct opened_path p;
	struct walk_stats s;
	struct timespec t0;
	struct walk_opts o = { .stop = &stop_signal,
			       .uid = t->id.uid,
			       .gid = t->id.gid,
			       .cross_mounts = cfg->cross_mounts,
			       .dry_run = cfg->dry_run,
			       .on_error = cfg->on_error,
			       .hardlinks = cfg->hardlinks,
			       .jobs = cfg->jobs,
			       .chmod = *config_path_chmod(cfg, ps) };
	enum walk_result res;

	if (!open_path(path, discovered, config_path_mkdir(cfg, ps), cfg, t, &p)) {
		*complete = false;
		return 0;
	}
	if (!t->privileged) {
		int rc = check_writable(p.resolved);
		path_close(&p);
		return rc;
	}
	if (cfg->policy == POLICY_ROOT_MISMATCH && root_is_right(&p, &o)) {
		info("%s: root already right (%lu:%lu), walk skipped (--policy root-mismatch)",
		     path, (unsigned long)t->id.uid, (unsigned long)t->id.gid);
		path_close(&p);
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	res = walk_tree(p.fd, path, &o, &s);
	if (res == WALK_STOPPED)
		stopped(path, &s);
	if (s.incomplete || s.read_only)
		*complete = false;
	if (s.read_only) {
		warn("`%s' is on a read-only filesystem: left alone", path);
	} else {
		unsigned long long ms = elapsed_ms(&t0);
		info("%s: %llu %s checked, %llu %s%s in %llu.%03llu s", path,
		     (unsigned long long)s.checked, s.checked == 1 ? "entry" : "entries",
		     (unsigned long long)s.changed, cfg->dry_run ? "would change" : "changed",
		     s.skipped || s.failed ? " (some left alone, see above)" : "", ms / 1000,
		     ms % 1000);
	}
	path_close(&p);
	if (res != WALK_OK) {
		warn("`%s' was not fully fixed", path);
		return EXIT_VOLOWN;
	}
	return 0;
}

/* The paths of this run: the configured ones, then (--auto) every writable volume. A
 * path given twice is done once, with the settings it had first. */
struct plan {
	struct path_spec *paths;
	size_t n;
	size_t configured; /* paths[0..configured) were given; the rest were discovered */
};

static void plan_add(struct plan *pl, const struct path_spec *ps)
{
	for (size_t i = 0; i < pl->n; i++)
		if (strcmp(pl->paths[i].path, ps->path) == 0)
			return;
	struct path_spec *p = realloc(pl->paths, (pl->n + 1) * sizeof *p);
	if (!p)
		die(EXIT_VOLOWN, "out of memory");
	pl->paths = p;
	p[pl->n] = *ps;
	if (!(p[pl->n].path = strdup(ps->path)))
		die(EXIT_VOLOWN, "out of memory");
	pl->n++;
}

static void add_auto(const char *mount_point, const char *why_not, void *ctx)
{
	if (why_not) {
		verbose("--auto: %s left alone: %s", mount_point, why_not);
		return;
	}
	verbose("--auto: %s is a writable volume", mount_point);
	plan_add(ctx, &(struct path_spec){ .path = (char *)mount_point, .mkdir = -1 });
}

static void plan_auto(struct plan *pl)
{
	static const char mountinfo[] = "/proc/self/mountinfo";
	const char *not_container = NULL;
	FILE *fp = fopen(mountinfo, "re");
	int rc;

	if (!fp)
		die_errno(EXIT_VOLOWN, "--auto: cannot read `%s' (is /proc mounted?)", mountinfo);
	rc = mounts_scan(fp, mounts_pid_namespace(), &not_container, add_auto, pl);
	fclose(fp);
	if (rc < 0)
		die(EXIT_VOLOWN, "--auto: out of memory reading `%s'", mountinfo);
	if (not_container)
		die(EXIT_VOLOWN,
		    "--auto: this is not a container (%s), and every mount of a host is the "
		    "host's own: refusing to look for volumes here; name them with --path",
		    not_container);
	if (pl->n == pl->configured)
		info("--auto: no writable volume is mounted in this container");
}

int fix_paths(const struct config *cfg, const struct target *t)
{
	struct plan pl = { 0 };
	struct sigaction old[NSTOP];
	bool complete = true;
	int rc = 0, lock = -1;

	if (!cfg->paths.n && !cfg->auto_mounts && !cfg->setuid)
		return 0; /* nothing to fix: nothing to catch either (start-up is measured) */
	catch_stops(old);
	if (cfg->setuid && (lock = setuid_claim(&stop_signal)) < 0) {
		if (stop_signal)
			stopped(NULL, NULL);
		verbose("setuid mode: this container's volumes were fixed by an earlier run");
		restore_stops(old);
		return 0;
	}
	for (size_t i = 0; i < cfg->paths.n; i++)
		plan_add(&pl, &cfg->paths.v[i]);
	pl.configured = pl.n;
	if (cfg->auto_mounts)
		plan_auto(&pl);
	for (size_t i = 0; i < pl.n && rc == 0; i++)
		rc = fix_one(&pl.paths[i], i >= pl.configured, cfg, t, &complete);
	for (size_t i = 0; i < pl.n; i++)
		free(pl.paths[i].path);
	free(pl.paths);
	if (lock >= 0) {
		if (rc == 0 && complete)
			setuid_complete(lock); /* only a complete run spares the next ones */
		else
			close(lock);
	}
	restore_stops(old);
	if (stop_signal) /* it came after the last walk: the command is not started */
		stopped(NULL, NULL);
	return rc;
}
