#include "interp.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int is_name_start(char c)
{
	return c == '_' || isalpha((unsigned char)c);
}

static int is_name_char(char c)
{
	return c == '_' || isalnum((unsigned char)c);
}

static size_t name_len(const char *s)
{
	size_t n = 0;

	if (!is_name_start(s[0]))
		return 0;
	while (is_name_char(s[n]))
		n++;
	return n;
}

/* Expand the inside of ${...} (without the braces) into B. */
static int expand_braced(const char *inner, interp_lookup lookup, void *ctx,
			 struct buf *b, char **err)
{
	size_t n = name_len(inner);
	const char *op = inner + n;
	char *name;
	const char *val;
	int colon;

	if (n == 0) {
		*err = xasprintf("invalid interpolation format: \"${%s}\"", inner);
		return -1;
	}
	name = xstrndup(inner, n);
	val = lookup(name, ctx);
	colon = op[0] == ':';
	if (*op == '\0') {
		buf_adds(b, val ? val : "");
	} else if ((colon && op[1] == '-') || op[0] == '-') {
		const char *def = op + (colon ? 2 : 1);
		int use_default = !val || (colon && !*val);

		buf_adds(b, use_default ? def : val);
	} else if ((colon && op[1] == '?') || op[0] == '?') {
		const char *msg = op + (colon ? 2 : 1);

		if (!val || (colon && !*val)) {
			*err = xasprintf("required variable %s is missing a value: %s", name, msg);
			free(name);
			return -1;
		}
		buf_adds(b, val);
	} else {
		*err = xasprintf("invalid interpolation format: \"${%s}\"", inner);
		free(name);
		return -1;
	}
	free(name);
	return 0;
}

int interpolate(const char *in, interp_lookup lookup, void *ctx, char **out, char **err)
{
	struct buf b = { 0 };
	const char *p = in;

	*err = NULL;
	while (*p) {
		if (*p != '$') {
			buf_addc(&b, *p++);
			continue;
		}
		if (p[1] == '$') {
			buf_addc(&b, '$');
			p += 2;
		} else if (p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			char *inner;
			int rc;

			if (!end) {
				*err = xasprintf("invalid interpolation format: \"%s\" has no closing brace", p);
				buf_free(&b);
				return -1;
			}
			inner = xstrndup(p + 2, (size_t)(end - p - 2));
			rc = expand_braced(inner, lookup, ctx, &b, err);
			free(inner);
			if (rc < 0) {
				buf_free(&b);
				return -1;
			}
			p = end + 1;
		} else if (name_len(p + 1) > 0) {
			size_t n = name_len(p + 1);
			char *name = xstrndup(p + 1, n);
			const char *val = lookup(name, ctx);

			buf_adds(&b, val ? val : "");
			free(name);
			p += 1 + n;
		} else {
			*err = xasprintf("invalid interpolation format: \"%s\"", p);
			buf_free(&b);
			return -1;
		}
	}
	*out = buf_steal(&b);
	return 0;
}

json_t *interpolate_json(const json_t *v, interp_lookup lookup, void *ctx, char **err)
{
	const char *key;
	json_t *item, *copy, *out;
	size_t i;

	*err = NULL;
	if (json_is_string(v)) {
		char *s;

		if (interpolate(json_string_value(v), lookup, ctx, &s, err) < 0)
			return NULL;
		out = json_string_nocheck(s);
		free(s);
		return out;
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, key, item) {
			copy = interpolate_json(item, lookup, ctx, err);
			if (!copy) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, key, copy);
		}
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, item) {
			copy = interpolate_json(item, lookup, ctx, err);
			if (!copy) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, copy);
		}
		return out;
	}
	return json_deep_copy(v);
}
