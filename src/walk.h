/* walk.h — fix the ownership (and, with --chmod, the modes) of one tree: post-order,
 * descriptor-relative, never through a symlink, on one filesystem, with bounded memory
 * and descriptors, on several threads. */
#ifndef VOLOWN_WALK_H
#define VOLOWN_WALK_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "modes.h"

struct walk_opts {
	uid_t uid;
	gid_t gid;
	bool cross_mounts;
	bool dry_run;
	enum on_error on_error;
	enum hardlinks hardlinks;
	unsigned jobs;	    /* threads; 0: one per online CPU (at most WALK_MAX_JOBS) */
	struct modes chmod; /* modes to set; chmod.n == 0: modes are left alone */
	const volatile sig_atomic_t *stop; /* when it turns nonzero, stop: change nothing
					      more (the root is left as it was) */
};

#define WALK_MAX_JOBS 64

struct walk_stats {
	uint64_t checked; /* entries looked at, the root included */
	uint64_t changed; /* entries whose owner, group or mode was changed (or would be) */
	uint64_t skipped; /* entries left alone on purpose: hard links, races, refusals */
	uint64_t failed;  /* changes the system refused (with --on-error warn) */
	bool read_only;	  /* the filesystem is read-only: nothing was changed */
	bool incomplete;  /* something was left as it was: the root is unchanged */
};

enum walk_result {
	WALK_OK = 0,
	WALK_FAILED,  /* a change was refused, or the tree moved under us; reported */
	WALK_STOPPED, /* opts->stop turned nonzero: stopped, the root left as it was */
};

/* Walks the directory open at `rootfd` (which stays open), named `rootpath` in
 * messages. The root itself is changed last, after every other entry. */
enum walk_result walk_tree(int rootfd, const char *rootpath, const struct walk_opts *opts,
			   struct walk_stats *stats);

#endif
