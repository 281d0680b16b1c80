/* privdrop.c — the privilege drop (see privdrop.h). */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static void set_ids(const struct identity *id)
{
	if (setgroups(id->ngroups, id->groups) < 0)
		die_errno(EXIT_VOLOWN, "setgroups to %zu groups failed", id->ngroups);
	if (setresgid(id->gid, id->gid, id->gid) < 0)
		die_errno(EXIT_VOLOWN, "setresgid(%lu) failed", (unsigned long)id->gid);
	if (setresuid(id->uid, id->uid, id->uid) < 0)
		die_errno(EXIT_VOLOWN, "setresuid(%lu) failed", (unsigned long)id->uid);
}

/* After setresuid() away from 0 the kernel clears the permitted and effective sets;
 * the inheritable and ambient sets are ours to clear. */
static void clear_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die_errno(EXIT_VOLOWN, "clearing the ambient capabilities failed");
	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &hdr, data) < 0)
		die_errno(EXIT_VOLOWN, "clearing the capabilities failed");
}

static void verify_caps_clear(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		die_errno(EXIT_VOLOWN, "reading the capabilities back failed");
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			die(EXIT_VOLOWN,
			    "capabilities are still held after the drop; refusing to go on");
}

/* The supplementary groups are exactly the identity's (the kernel keeps them sorted). */
static void verify_groups(const struct identity *id)
{
	int n = getgroups(0, NULL);
	gid_t *got = n > 0 ? calloc((size_t)n, sizeof *got) : NULL;
	bool same;

	if (n < 0 || (n > 0 && (!got || (n = getgroups(n, got)) < 0)))
		die_errno(EXIT_VOLOWN, "reading the groups back failed");
	same = (size_t)n == id->ngroups;
	for (size_t i = 0; same && i < id->ngroups; i++) {
		same = false;
		for (int k = 0; k < n && !same; k++)
			same = got[k] == id->groups[i];
	}
	free(got);
	if (!same)
		die(EXIT_VOLOWN,
		    "the supplementary groups did not take (%d held, %zu wanted); refusing to go "
		    "on",
		    n, id->ngroups);
}

static void verify(const struct identity *id)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0)
		die_errno(EXIT_VOLOWN, "reading the ids back failed");
	if (r != id->uid || e != id->uid || s != id->uid || rg != id->gid || eg != id->gid ||
	    sg != id->gid)
		die(EXIT_VOLOWN, "the ids did not take: uid %lu/%lu/%lu, gid %lu/%lu/%lu",
		    (unsigned long)r, (unsigned long)e, (unsigned long)s, (unsigned long)rg,
		    (unsigned long)eg, (unsigned long)sg);
	verify_groups(id);
	if (id->uid == 0)
		return;
	verify_caps_clear();
	if (setuid(0) == 0 || seteuid(0) == 0)
		die(EXIT_VOLOWN,
		    "root could be regained after dropping to uid %lu; refusing to go on",
		    (unsigned long)id->uid);
	if (id->gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
		die(EXIT_VOLOWN,
		    "gid 0 could be regained after dropping to gid %lu; refusing to go on",
		    (unsigned long)id->gid);
}

void privdrop_apply(const struct identity *id)
{
	set_ids(id);
	if (id->uid != 0)
		clear_capabilities();
	verify(id);
	if (setenv("HOME", id->home, 1) < 0)
		die_errno(EXIT_VOLOWN, "setting HOME to `%s' failed", id->home);
}
