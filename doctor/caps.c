#include "caps.h"

#include <string.h>
#include <strings.h>

/* The engine's default set (Docker 20.10, without --privileged). */
static const char *const default_caps[] = {
	"CHOWN",   "DAC_OVERRIDE", "FSETID",	       "FOWNER",
	"MKNOD",   "NET_RAW",	   "SETGID",	       "SETUID",
	"SETFCAP", "SETPCAP",	   "NET_BIND_SERVICE", "SYS_CHROOT",
	"KILL",	   "AUDIT_WRITE",
};

/* What volown does as root before it drops: chown, chmod of others' entries, read
 * others' directories, and the drop itself. */
static const char *const volown_caps[] = { "CHOWN", "FOWNER", "SETUID", "SETGID" };

/* Whether the word W of a cap_add or cap_drop list names CAP: case does not matter
 * and the CAP_ prefix is optional, as for the engine. */
static bool names(const char *w, const char *cap)
{
	if (strncasecmp(w, "CAP_", 4) == 0)
		w += 4;
	return strcasecmp(w, cap) == 0;
}

static bool listed(const struct strv *v, const char *cap)
{
	for (size_t i = 0; i < v->n; i++)
		if (names(v->v[i], cap))
			return true;
	return false;
}

static bool is_default(const char *cap)
{
	for (size_t i = 0; i < sizeof(default_caps) / sizeof(*default_caps); i++)
		if (!strcmp(default_caps[i], cap))
			return true;
	return false;
}

/* The engine's rule: ALL in cap_add gives every capability but the dropped ones; ALL
 * in cap_drop gives only the added ones; otherwise the default set, less the dropped
 * ones, plus the added ones. */
bool service_has_cap(const struct service *s, const char *cap)
{
	if (s->privileged)
		return true;
	if (listed(&s->cap_add, "ALL"))
		return !listed(&s->cap_drop, cap);
	if (listed(&s->cap_drop, "ALL"))
		return listed(&s->cap_add, cap);
	return (is_default(cap) && !listed(&s->cap_drop, cap)) || listed(&s->cap_add, cap);
}

void volown_missing_caps(const struct service *s, struct strv *out)
{
	for (size_t i = 0; i < sizeof(volown_caps) / sizeof(*volown_caps); i++)
		if (!service_has_cap(s, volown_caps[i]))
			strv_push(out, volown_caps[i]);
	if (!service_has_cap(s, "DAC_OVERRIDE") && !service_has_cap(s, "DAC_READ_SEARCH"))
		strv_push(out, "DAC_READ_SEARCH");
}

bool volown_suits(const struct service *s)
{
	struct strv missing = { 0 };
	bool ok;

	volown_missing_caps(s, &missing);
	ok = s->who.uid != 0 || missing.n == 0;
	strv_free(&missing);
	return ok;
}
