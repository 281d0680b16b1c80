#include "dotenv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct reader {
	const char *s;
	size_t pos, len;
};

/* Python's \s for the ASCII range: space, \t \n \v \f \r and \x1c-\x1f. */
static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* [^\S\r\n]: white space that does not end a line. */
static bool is_hspace(unsigned char c)
{
	return is_space(c) && c != '\r' && c != '\n';
}

static int peek(const struct reader *r)
{
	return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static void skip_hspace(struct reader *r)
{
	while (r->pos < r->len && is_hspace((unsigned char)r->s[r->pos]))
		r->pos++;
}

/* [^\r\n]*(?:\r|\n|\r\n)? — what python-dotenv skips after a line it cannot read. */
static void skip_rest_of_line(struct reader *r)
{
	while (r->pos < r->len && r->s[r->pos] != '\r' && r->s[r->pos] != '\n')
		r->pos++;
	if (r->pos < r->len)
		r->pos++;
}

/* The end of a quoted value that starts at OPEN (the quote), as the regex
 * Q((?:\\Q|[^Q])*)Q matches greedily: the last quote before the first one that no
 * backslash precedes. Returns its offset, or 0 when there is none. */
static size_t closing_quote(const struct reader *r, size_t open)
{
	char q = r->s[open];
	size_t last = 0;

	for (size_t i = open + 1; i < r->len; i++) {
		if (r->s[i] != q)
			continue;
		last = i;
		if (r->s[i - 1] != '\\' || i - 1 == open)
			break; /* this quote cannot be inside: it closes */
	}
	return last;
}

/* Decode the escapes of a quoted value: \\ and \' in single quotes; \\ \' \" \a \b
 * \f \n \r \t \v in double quotes. */
static char *unescape(const char *p, size_t n, bool dq)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		const char *esc = dq ? strchr("\\'\"abfnrtv", p[i + 1]) : strchr("\\'", p[i + 1]);

		if (p[i] == '\\' && i + 1 < n && p[i + 1] && esc) {
			static const char plain[] = "\\'\"\a\b\f\n\r\t\v";

			buf_addc(&b, dq ? plain[esc - "\\'\"abfnrtv"] : p[i + 1]);
			i++;
		} else {
			buf_addc(&b, p[i]);
		}
	}
	return buf_steal(&b);
}

/* An unquoted value: the rest of the line, less " #comment", less trailing space. */
static char *unquoted_value(struct reader *r)
{
	size_t start = r->pos, end, cut;

	while (r->pos < r->len && r->s[r->pos] != '\r' && r->s[r->pos] != '\n')
		r->pos++;
	end = r->pos;
	for (cut = start; cut < end; cut++) {
		size_t j = cut;

		if (!is_space((unsigned char)r->s[cut]))
			continue;
		while (j < end && is_space((unsigned char)r->s[j]))
			j++;
		if (j < end && r->s[j] == '#')
			break;
		cut = j - 1;
	}
	while (cut > start && is_space((unsigned char)r->s[cut - 1]))
		cut--;
	return xstrndup(r->s + start, cut - start);
}

/* The value after "=": NULL when the regex of python-dotenv would not match. */
static char *parse_value(struct reader *r)
{
	int c = peek(r);

	if (c == '\'' || c == '"') {
		size_t close = closing_quote(r, r->pos);
		char *v;

		if (!close)
			return NULL;
		v = unescape(r->s + r->pos + 1, close - r->pos - 1, c == '"');
		r->pos = close + 1;
		return v;
	}
	if (c < 0 || c == '\n' || c == '\r')
		return xstrdup("");
	return unquoted_value(r);
}

/* The key: 'quoted' or [^=#\s]+. NULL when neither is there. */
static char *parse_key(struct reader *r)
{
	size_t start = r->pos;

	if (peek(r) == '\'') {
		size_t end = start + 1;

		while (end < r->len && r->s[end] != '\'')
			end++;
		if (end >= r->len || end == start + 1)
			return NULL;
		r->pos = end + 1;
		return xstrndup(r->s + start + 1, end - start - 1);
	}
	while (r->pos < r->len && r->s[r->pos] != '=' && r->s[r->pos] != '#' &&
	       !is_space((unsigned char)r->s[r->pos]))
		r->pos++;
	return r->pos > start ? xstrndup(r->s + start, r->pos - start) : NULL;
}

/* One binding. Returns false at the end of the text; *key is NULL for a comment or
 * a line that is not a binding. *has_value says whether "=" was there. */
static bool parse_binding(struct reader *r, char **key, char **value)
{
	*key = *value = NULL;
	while (r->pos < r->len && is_space((unsigned char)r->s[r->pos]))
		r->pos++;
	if (r->pos >= r->len)
		return false;
	if (r->len - r->pos > 6 && !memcmp(r->s + r->pos, "export", 6) &&
	    is_hspace((unsigned char)r->s[r->pos + 6])) {
		r->pos += 6;
		skip_hspace(r);
	}
	if (peek(r) != '#') {
		*key = parse_key(r);
		if (!*key)
			goto bad;
	}
	skip_hspace(r);
	if (peek(r) == '=') {
		r->pos++;
		skip_hspace(r);
		*value = parse_value(r);
		if (!*value)
			goto bad;
	}
	/* An optional comment, then the end of the line. */
	{
		size_t save = r->pos;

		skip_hspace(r);
		if (peek(r) == '#') {
			while (r->pos < r->len && r->s[r->pos] != '\r' && r->s[r->pos] != '\n')
				r->pos++;
		} else {
			r->pos = save;
		}
	}
	skip_hspace(r);
	if (peek(r) == '\r' && r->pos + 1 < r->len && r->s[r->pos + 1] == '\n')
		r->pos += 2;
	else if (peek(r) == '\r' || peek(r) == '\n')
		r->pos++;
	else if (peek(r) >= 0)
		goto bad;
	return true;
bad:
	free(*key);
	free(*value);
	*key = *value = NULL;
	skip_rest_of_line(r);
	return true;
}

/* ${NAME} and ${NAME:-default} (NAME: anything but "}" and ":"), from the file's
 * earlier keys, then the environment. */
static char *expand(const char *v, const json_t *seen, dotenv_getenv getenv_fn)
{
	struct buf b = { 0 };

	while (*v) {
		const char *end, *colon, *name_end;
		char *name;
		const json_t *mine;
		const char *found;

		if (v[0] != '$' || v[1] != '{' || !(end = strchr(v + 2, '}'))) {
			buf_addc(&b, *v++);
			continue;
		}
		colon = memchr(v + 2, ':', (size_t)(end - v - 2));
		if (colon && colon[1] != '-') {
			buf_addc(&b, *v++); /* "${A:x}" is no variable for python-dotenv */
			continue;
		}
		name_end = colon ? colon : end;
		name = xstrndup(v + 2, (size_t)(name_end - v - 2));
		mine = json_object_get(seen, name);
		found = mine ? json_string_value(mine) : getenv_fn(name);
		if (mine || found)
			buf_adds(&b, found ? found : "");
		else if (colon)
			buf_add(&b, colon + 2, (size_t)(end - colon - 2));
		free(name);
		v = end + 1;
	}
	return buf_steal(&b);
}

json_t *dotenv_parse(const char *text, size_t len, dotenv_getenv getenv_fn, size_t *err_offset)
{
	struct reader r = { .s = text, .len = len };
	json_t *env;
	char *key, *value;

	if (!utf8_valid(text, len, err_offset))
		return NULL;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		r.pos = 3;
	env = json_object();
	while (parse_binding(&r, &key, &value)) {
		if (key && !strlen(key)) {
			free(key);
			free(value);
			continue;
		}
		if (key) {
			char *expanded = value ? expand(value, env, getenv_fn) : NULL;

			json_object_set_new(env, key, expanded ? json_string(expanded) : json_null());
			free(expanded);
		}
		free(key);
		free(value);
	}
	return env;
}
