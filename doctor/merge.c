#include "merge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The service keys compose 1.29 knows (ALLOWED_KEYS): the others are dropped by a merge. */
static const char *const allowed_keys[] = {
	"cap_add", "cap_drop", "cgroup_parent", "command", "cpu_count", "cpu_percent", "cpu_period",
	"cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "detach",
	"device_cgroup_rules", "devices", "dns", "dns_search", "dns_opt", "domainname",
	"entrypoint", "env_file", "environment", "extra_hosts", "group_add", "hostname",
	"healthcheck", "image", "ipc", "isolation", "labels", "links", "mac_address", "mem_limit",
	"mem_reservation", "memswap_limit", "mem_swappiness", "net", "oom_score_adj",
	"oom_kill_disable", "pid", "ports", "privileged", "read_only", "restart", "runtime",
	"secrets", "security_opt", "shm_size", "pids_limit", "stdin_open", "stop_signal",
	"sysctls", "tty", "user", "userns_mode", "volume_driver", "volumes", "volumes_from",
	"working_dir",
	/* and the rest of ALLOWED_KEYS */
	"blkio_config", "build", "container_name", "credential_spec", "dockerfile", "init",
	"log_driver", "log_opt", "logging", "network_mode", "platform", "profiles", "scale",
	"stop_grace_period", "configs", "depends_on", "deploy", "expose", "external_links",
	"networks", "storage_opt", "ulimits", "tmpfs", NULL,
};

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

/* Python's repr() of a float: the shortest digits that read back as D, in fixed
 * notation for exponents from -4 to 15, else as 1.5e+16. */
static char *python_repr(double d)
{
	char digits[32], *e, *mant;
	struct buf b = { 0 };
	int exp = 0, p;

	if (d != d)
		return xstrdup("nan");
	if (d == HUGE_VAL || d == -HUGE_VAL)
		return xstrdup(d < 0 ? "-inf" : "inf");
	for (p = 1; p <= 17; p++) {
		snprintf(digits, sizeof(digits), "%.*e", p - 1, d);
		if (strtod(digits, NULL) == d)
			break;
	}
	e = strchr(digits, 'e');
	exp = atoi(e + 1);
	*e = '\0';
	mant = digits;
	if (*mant == '-') {
		buf_addc(&b, '-');
		mant++;
	}
	/* the significant digits without the dot */
	{
		char sig[24];
		size_t n = 0;

		for (const char *q = mant; *q && n < sizeof(sig) - 1; q++)
			if (*q != '.')
				sig[n++] = *q;
		sig[n] = '\0';
		if (exp >= -4 && exp < 16) {
			if (exp < 0) {
				buf_adds(&b, "0.");
				for (int z = 0; z < -exp - 1; z++)
					buf_addc(&b, '0');
				buf_adds(&b, sig);
			} else {
				for (int k = 0; k <= exp; k++)
					buf_addc(&b, (size_t)k < n ? sig[k] : '0');
				buf_addc(&b, '.');
				if ((size_t)exp + 1 < n)
					buf_adds(&b, sig + exp + 1);
				else
					buf_addc(&b, '0');
			}
		} else {
			buf_addc(&b, sig[0]);
			if (n > 1) {
				buf_addc(&b, '.');
				buf_adds(&b, sig + 1);
			}
			buf_printf(&b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		}
	}
	return buf_steal(&b);
}

char *json_scalar_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_true(v))
		return xstrdup("True");
	if (json_is_false(v))
		return xstrdup("False");
	if (json_is_real(v))
		return python_repr(json_real_value(v));
	return NULL;
}

char *volume_merge_key(const json_t *entry)
{
	const char *s, *colon, *mode;

	if (json_is_object(entry)) {
		const char *t = json_string_value(json_object_get(entry, "target"));

		return xstrdup(t ? t : "");
	}
	s = json_string_value(entry);
	if (!s)
		return xstrdup("");
	colon = strchr(s, ':');
	if (!colon)
		return xstrdup(s);
	mode = strrchr(colon + 1, ':');
	return mode ? xstrndup(colon + 1, (size_t)(mode - colon - 1)) : xstrdup(colon + 1);
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* merge_path_mappings: by container path, the override's entry winning, sorted. */
static json_t *merge_paths(const json_t *base, const json_t *over)
{
	json_t *byk = json_object(), *out = json_array();
	const json_t *lists[2] = { base, over };
	struct strv keys = { 0 };
	const char *key;
	json_t *v;
	size_t i;

	for (int l = 0; l < 2; l++) {
		json_array_foreach(lists[l], i, v) {
			char *k = volume_merge_key(v);

			json_object_set(byk, k, v);
			free(k);
		}
	}
	json_object_foreach(byk, key, v)
		strv_push(&keys, key);
	if (keys.n)
		qsort(keys.v, keys.n, sizeof(*keys.v), compare_keys);
	for (i = 0; i < keys.n; i++)
		json_array_append(out, json_object_get(byk, keys.v[i]));
	strv_free(&keys);
	json_decref(byk);
	return out;
}

/* merge_unique_items_lists: sorted(set(str(x) for x in base + override)). */
static json_t *merge_unique(const json_t *base, const json_t *over)
{
	json_t *set = json_object(), *out = json_array(), *v;
	const json_t *lists[2] = { base, over };
	struct strv keys = { 0 };
	const char *key;
	size_t i;

	for (int l = 0; l < 2; l++) {
		json_array_foreach(lists[l], i, v) {
			char *t = json_scalar_text(v);

			if (t)
				json_object_set_new(set, t, json_null());
			free(t);
		}
	}
	json_object_foreach(set, key, v)
		strv_push(&keys, key);
	if (keys.n)
		qsort(keys.v, keys.n, sizeof(*keys.v), compare_keys);
	for (i = 0; i < keys.n; i++)
		json_array_append_new(out, json_string(keys.v[i]));
	strv_free(&keys);
	json_decref(set);
	return out;
}

/* to_list: a string becomes a one-item list; null, an empty one. New reference. */
static json_t *to_list(const json_t *v)
{
	json_t *a;

	if (json_is_array(v))
		return json_deep_copy(v);
	a = json_array();
	if (v && !json_is_null(v))
		json_array_append_new(a, json_deep_copy(v));
	return a;
}

static json_t *concat(const json_t *base, const json_t *over)
{
	json_t *out = to_list(base), *o = to_list(over);

	json_array_extend(out, o);
	json_decref(o);
	return out;
}

/* A list of "KEY=VALUE" (or "KEY"), or a mapping, as a mapping (parse_environment,
 * parse_labels, depends_on). */
static json_t *to_mapping(const json_t *v, bool depends_on)
{
	json_t *out = json_object(), *item;
	size_t i;

	if (json_is_object(v)) {
		json_decref(out);
		return json_deep_copy(v);
	}
	json_array_foreach(v, i, item) {
		const char *s = json_string_value(item);
		const char *eq;

		if (!s)
			continue;
		if (depends_on) {
			json_object_set_new(out, s, json_pack("{s:s}", "condition", "service_started"));
			continue;
		}
		eq = strchr(s, '=');
		if (eq) {
			char *k = xstrndup(s, (size_t)(eq - s));

			json_object_set_new(out, k, json_string(eq + 1));
			free(k);
		} else {
			json_object_set_new(out, s, json_null());
		}
	}
	return out;
}

static json_t *merge_mapping(const json_t *base, const json_t *over, bool depends_on)
{
	json_t *out = to_mapping(base, depends_on), *o = to_mapping(over, depends_on);

	json_object_update(out, o);
	json_decref(o);
	return out;
}

/* build as a mapping: a string is its context. */
static json_t *build_dict(const json_t *b)
{
	if (json_is_string(b))
		return json_pack("{s:O}", "context", b);
	return json_is_object(b) ? json_deep_copy(b) : json_object();
}

static const char *const unique_keys[] = { "cap_add",	   "cap_drop",	  "expose",
					   "external_links", "volumes_from", "device_cgroup_rules",
					   "profiles",	   NULL };
static const char *const concat_keys[] = { "dns", "dns_search", "env_file", "tmpfs", NULL };
static const char *const mapping_keys[] = { "environment", "labels",	 "ulimits", "sysctls",
					    "depends_on",  "storage_opt", "extra_hosts", NULL };

json_t *merge_service(const json_t *base, const json_t *override, bool v1)
{
	json_t *out = json_object();
	json_t *empty = json_object();
	const char *const *k;

	if (!json_is_object(base))
		base = empty;
	if (!json_is_object(override))
		override = empty;
	for (k = allowed_keys; *k; k++) {
		const json_t *b = json_object_get(base, *k), *o = json_object_get(override, *k);
		json_t *v;

		if (!b && !o)
			continue;
		if (!strcmp(*k, "volumes") || !strcmp(*k, "devices"))
			v = merge_paths(json_is_array(b) ? b : NULL, json_is_array(o) ? o : NULL);
		else if (in_list(*k, unique_keys))
			v = merge_unique(json_is_array(b) ? b : NULL, json_is_array(o) ? o : NULL);
		else if (in_list(*k, concat_keys))
			v = concat(b, o);
		else if (in_list(*k, mapping_keys))
			v = merge_mapping(b, o, !strcmp(*k, "depends_on"));
		else if (!strcmp(*k, "build") && !v1)
			v = NULL; /* below */
		else
			v = json_deep_copy(o ? o : b);
		if (v)
			json_object_set_new(out, *k, v);
	}
	if (v1) {
		/* image: and build: replace each other, the override's first. */
		json_object_del(out, "image");
		json_object_del(out, "build");
		if (json_object_get(override, "image"))
			json_object_set_new(out, "image", json_deep_copy(json_object_get(override, "image")));
		else if (json_object_get(override, "build"))
			json_object_set_new(out, "build", json_deep_copy(json_object_get(override, "build")));
		else if (json_object_get(base, "image"))
			json_object_set_new(out, "image", json_deep_copy(json_object_get(base, "image")));
		else if (json_object_get(base, "build"))
			json_object_set_new(out, "build", json_deep_copy(json_object_get(base, "build")));
	} else if (json_object_get(base, "build") || json_object_get(override, "build")) {
		json_t *b = build_dict(json_object_get(base, "build"));
		json_t *o = build_dict(json_object_get(override, "build"));

		json_object_update(b, o);
		json_decref(o);
		json_object_set_new(out, "build", b);
	}
	json_decref(empty);
	return out;
}
