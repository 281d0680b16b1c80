/* The doctor's data model: a compose project reduced to what decides whether a
 * service can write to its mounts, plus the facts learned from the engine and the
 * prediction made from them. */
#ifndef VOLOWN_DOCTOR_MODEL_H
#define VOLOWN_DOCTOR_MODEL_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

enum mount_type { MOUNT_VOLUME, MOUNT_BIND, MOUNT_TMPFS };

/* What is at a path: in the image, on the host, or the root of a volume. */
struct node {
	bool exists;
	bool is_dir;
	long uid, gid;
	unsigned mode; /* permission bits only (07777) */
	/* Seen from a container in a user namespace, the owner (group) is outside it:
	 * uid (gid) is then the host's, and no one in the container, root included,
	 * matches it, bypasses its mode bits or may change it. */
	bool uid_unmapped, gid_unmapped;
};

/* Where the predicted owner and mode of a mount's root come from. */
enum origin {
	ORIGIN_NONE,
	ORIGIN_VOLUME_KEPT,       /* a non-empty existing volume keeps its root */
	ORIGIN_VOLUME_COPIED,     /* an empty volume takes the image directory's */
	ORIGIN_VOLUME_EMPTY_KEPT, /* an empty existing volume, nothing to copy */
	ORIGIN_VOLUME_NEW,        /* a new volume with nothing to copy: root 0755 */
	ORIGIN_VOLUME_CHOWNED,    /* Podman: a volume's first mount gives it to the user */
	ORIGIN_BIND_HOST,         /* the host directory as it is */
	ORIGIN_BIND_CREATED,      /* the engine creates the missing host directory */
	ORIGIN_BIND_MISSING,      /* long syntax: the engine refuses to start */
	ORIGIN_TMPFS,             /* a fresh tmpfs */
	ORIGIN_FROM_SERVICE,      /* volumes_from: as the other service's container has it */
};

enum verdict {
	VERDICT_OK,
	VERDICT_PROBLEM,
	VERDICT_READ_ONLY,  /* mounted read-only: not expected to be written */
	VERDICT_ERROR,      /* the service will not even start */
	VERDICT_IF_WRITTEN, /* the user's own host files, not writable by the program:
			     * a problem only if the program writes there */
};

struct mount {
	enum mount_type type;
	char *source;      /* volume key in the file, host path, or NULL (anonymous, tmpfs) */
	char *target;      /* absolute path in the container */
	char *volume_name; /* the engine's name of a named volume */
	bool read_only;
	bool nocopy;
	bool long_syntax;
	char *device;	 /* a named volume bound to this host directory (driver_opts o=bind) */
	bool chown_host; /* --chown-bind-mounts: the program may be given this host directory */
	long tmpfs_mode, tmpfs_uid, tmpfs_gid; /* -1: not given */
	char *refused;	     /* why the engine refuses to create the container with it, or NULL */
	char *from_image;    /* a VOLUME of the image (an anonymous volume): the image's name */
	char *from_service;  /* volumes_from: the service whose container has this mount */
	char *shared;	     /* why another service decides this volume's root, or NULL */

	/* Facts. */
	struct node image_dir;  /* the target inside the image */
	struct node existing;   /* the existing volume's root, or the bind source */
	bool existing_nonempty; /* the existing volume holds something */
	bool chown_first_mount; /* Podman: its root goes to the user when first mounted */
	bool image_dir_nonempty; /* the image's directory holds something */

	/* Prediction. */
	enum origin origin;
	struct node root; /* the mount's root when the service starts */
	enum verdict verdict;
	char *reason; /* plain words */
};

/* Whom the program runs as. */
struct identity {
	char *spec;   /* the user as written ("mailhog", "1000:1000"), "" for root by default */
	char *origin; /* "service", "image" or "default" */
	char *name;   /* the passwd name, or NULL */
	long uid, gid;
	long host_uid, host_gid; /* the same on the host (user namespaces); -1: not known */
	long *groups; /* supplementary groups, group_add's included */
	size_t n_groups;
	bool dac_override; /* uid 0 with CAP_DAC_OVERRIDE: no permission check applies */
	char *error; /* why the spec could not be resolved, or NULL */
};

struct image {
	bool found;
	char *id;
	char *user; /* Config.User */
	struct strv entrypoint, cmd;
	char *workdir;
	struct strv volumes; /* Config.Volumes: the image's VOLUMEs */
	struct strv env;     /* Config.Env */
	char *passwd, *group; /* the image's files, NULL when absent */
	char *entrypoint_text; /* the entrypoint's script (its first bytes), or NULL */
};

struct engine_info;

struct service {
	char *name;
	char *image_ref; /* image: or the name compose gives a built image */
	bool has_build;
	bool has_image_key;
	char *user; /* user: or NULL */
	bool has_entrypoint, has_command;
	struct strv entrypoint, command;
	bool privileged;
	struct strv cap_add, cap_drop; /* as written: "CHOWN", "CAP_CHOWN", "ALL" */
	struct strv group_add;	       /* names or numbers */
	struct strv profiles;	       /* the service's profiles: */
	struct strv volumes_from;      /* "service:NAME:MODE" or "container:NAME:MODE" */
	struct strv depends;	       /* the services compose starts before this one */
	struct mount *mounts;
	size_t n_mounts;

	struct image image;
	struct identity who;
	const struct engine_info *engine; /* what runs it (not owned) */
	char *user_switch; /* the image's entrypoint changes user (gosu, su-exec, ...): how */
	char *error; /* why the service could not be checked, or NULL */
	struct strv warnings;
	size_t n_problems;
};

struct project {
	char *name;
	bool name_given; /* by -p: commands shown to the user must repeat it */
	char *dir;     /* the directory of the first file */
	char *version; /* the file's version:, or NULL */
	struct strv files;
	bool chown_bind_mounts; /* --chown-bind-mounts */
	char *volown_binary;	/* the static volown to mount, or NULL when not found */
	struct service *services;
	size_t n_services;
	const struct engine_info *engine; /* what answered the doctor (not owned) */
	struct strv skipped;  /* services that `up` does not start (profiles), "name (p1, p2)" */
	struct strv warnings; /* about the files themselves */
};

void service_free(struct service *s);
void project_free(struct project *p);

#endif
