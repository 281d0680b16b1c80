/* The image's /etc/passwd and /etc/group, and the engine's rules for turning a
 * `user:` value into the ids the program runs with. Pure functions. */
#ifndef VOLOWN_DOCTOR_PASSWD_H
#define VOLOWN_DOCTOR_PASSWD_H

#include "model.h"

struct pwent {
	char *name;
	long uid, gid;
	char *home;
};

struct grent {
	char *name;
	long gid;
	struct strv members;
};

struct pwdb {
	struct pwent *users;
	size_t n_users;
	struct grent *groups;
	size_t n_groups;
};

/* Parse the text of /etc/passwd and /etc/group (either may be NULL). Lines that
 * are not well formed are skipped, as the C library does. */
void pwdb_parse(struct pwdb *db, const char *passwd, const char *group);
void pwdb_free(struct pwdb *db);

const struct pwent *pwdb_user_by_name(const struct pwdb *db, const char *name);
const struct pwent *pwdb_user_by_uid(const struct pwdb *db, long uid);
const char *pwdb_group_name(const struct pwdb *db, long gid);

/* Resolve SPEC ("", "name", "uid", "name:group", "uid:gid") as the engine does:
 * a number is always an id; a uid without a passwd entry gets gid 0; a name
 * alone adds the groups that list it as a member; "user:group" takes exactly
 * that group. On failure sets who->error and returns -1. */
int resolve_identity(const struct pwdb *db, const char *spec, struct identity *who);
void identity_free(struct identity *who);

/* Add the groups of a service's group_add (names or numbers) to WHO's supplementary
 * groups, as the engine does. On an unknown name sets who->error and returns -1. */
int add_groups(const struct pwdb *db, const struct strv *group_add, struct identity *who);

/* Which permission class applies to WHO on NODE: CLASS_ROOT only for root with
 * CAP_DAC_OVERRIDE; root without it is checked like any user. */
enum perm_class { CLASS_ROOT, CLASS_OWNER, CLASS_GROUP, CLASS_OTHER };
enum perm_class perm_class_of(const struct identity *who, const struct node *n);

/* Whether WHO can create entries in directory N (or write file N). */
bool can_write(const struct identity *who, const struct node *n);

#endif
