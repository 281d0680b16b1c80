#include "yamldoc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

enum { NODE_NEW = 0, NODE_BUSY, NODE_DONE };

struct loader {
	yaml_document_t *doc;
	const char *name;
	const char *text;
	size_t len;
	json_t **memo;	/* the value of each node, shared by every alias of it */
	char *state;	/* NODE_NEW, NODE_BUSY while its children are read, NODE_DONE */
	size_t n_nodes;
	char *err;
};

static void fail_at(struct loader *L, yaml_mark_t mark, const char *what)
{
	if (!L->err)
		L->err = xasprintf("%s:%zu:%zu: %s", L->name, mark.line + 1, mark.column + 1, what);
}

/* ---- scalars ------------------------------------------------------------- */

static bool one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

static const char *const true_words[] = { "yes", "Yes", "YES", "true", "True", "TRUE",
					  "on",	 "On",	"ON",  NULL };
static const char *const false_words[] = { "no",    "No",    "NO", "false", "False", "FALSE",
					   "off",   "Off",   "OFF", NULL };
static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };

/* Past the digits of BASE and underscores at P. */
static const char *skip_digits(const char *p, int base)
{
	for (;; p++) {
		int d = *p >= '0' && *p <= '9'		? *p - '0'
			: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
			: *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
						 : 99;

		if (d >= base && *p != '_')
			return p;
	}
}

/* Past "(:[0-5]?[0-9])+" at P, or NULL when P does not start so. */
static const char *sexagesimal_tail(const char *p)
{
	int groups = 0;

	while (*p == ':' && isdigit((unsigned char)p[1])) {
		p++;
		if (isdigit((unsigned char)p[1]) && *p <= '5')
			p += 2;
		else
			p++;
		groups++;
	}
	return groups ? p : NULL;
}

/* The value of a base-60 number "a:b:c[.frac]" (already known well-formed). */
static double sexagesimal(const char *p)
{
	double v = 0;

	for (;;) {
		double part = 0;

		for (; isdigit((unsigned char)*p) || *p == '_'; p++)
			if (*p != '_')
				part = part * 10 + (*p - '0');
		v = v * 60 + part;
		if (*p != ':')
			break;
		p++;
	}
	if (*p == '.') {
		double scale = 0.1;

		for (p++; *p; p++) {
			if (*p != '_') {
				v += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	return v;
}

static char *without_underscores(const char *s)
{
	char *out = xstrdup(s), *w = out;

	for (; *s; s++)
		if (*s != '_')
			*w++ = *s;
	*w = '\0';
	return out;
}

/* YAML 1.1's int, as PyYAML's resolver writes it: [-+]? then 0b[0-1_]+, 0[0-7_]+,
 * 0, [1-9][0-9_]*, 0x[0-9a-fA-F_]+ or [1-9][0-9_]*(:[0-5]?[0-9])+. NULL: not one. */
static json_t *yaml_int(const char *s)
{
	bool negative = *s == '-';
	const char *p = s + (*s == '-' || *s == '+');
	const char *body, *end;
	int base;
	char *clean;
	long long n;
	json_t *v;

	if (p[0] == '0' && (p[1] == 'b' || p[1] == 'x')) {
		base = p[1] == 'b' ? 2 : 16;
		body = p + 2;
		end = skip_digits(body, base);
		if (end == body || *end)
			return NULL;
	} else if (p[0] == '0') {
		base = 8;
		body = p + 1;
		if (*skip_digits(body, 8))
			return NULL;
	} else if (p[0] >= '1' && p[0] <= '9') {
		base = 10;
		body = p;
		end = skip_digits(p, 10);
		if (*end == ':') {
			end = sexagesimal_tail(end);
			if (!end || *end)
				return NULL;
			{
				double big = sexagesimal(p);

				if (big >= 9.2e18) /* Python's int has no bound; jansson's does */
					return json_real(negative ? -big : big);
				n = (long long)big;
			}
			return json_integer(negative ? -n : n);
		}
		if (*end)
			return NULL;
	} else {
		return NULL;
	}
	clean = without_underscores(body);
	errno = 0;
	n = *clean ? strtoll(clean, NULL, base) : 0;
	v = errno == ERANGE ? json_real(negative ? -strtod(clean, NULL) : strtod(clean, NULL))
			    : json_integer(negative ? -n : n);
	free(clean);
	return v;
}

/* YAML 1.1's float, as PyYAML's resolver writes it: [-+]?[0-9][0-9_]*\.[0-9_]*(exp)?,
 * \.[0-9][0-9_]*(exp)?, [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*, [-+]?\.inf, \.nan
 * (exp: [eE][-+][0-9]+). NULL: not one. */
static json_t *yaml_float(const char *s)
{
	bool signed_ = *s == '-' || *s == '+';
	bool negative = *s == '-';
	const char *p = s + signed_;
	const char *end;
	char *clean;
	double v;

	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return json_real(negative ? -HUGE_VAL : HUGE_VAL);
	if (!signed_ && (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")))
		return json_string(s); /* jansson holds no NaN: PyYAML's nan is kept as its text */
	if (isdigit((unsigned char)*p)) {
		end = skip_digits(p, 10);
		if (*end == ':') {
			end = sexagesimal_tail(end);
			if (!end || *end != '.' || *skip_digits(end + 1, 10))
				return NULL;
			v = sexagesimal(p);
			return json_real(negative ? -v : v);
		}
		if (*end != '.')
			return NULL;
		end = skip_digits(end + 1, 10);
	} else if (!signed_ && *p == '.' && isdigit((unsigned char)p[1])) {
		end = skip_digits(p + 1, 10);
	} else {
		return NULL;
	}
	if (*end == 'e' || *end == 'E') {
		if ((end[1] != '-' && end[1] != '+') || !isdigit((unsigned char)end[2]))
			return NULL;
		for (end += 2; isdigit((unsigned char)*end); end++)
			;
	}
	if (*end)
		return NULL;
	clean = without_underscores(s);
	v = strtod(clean, NULL);
	free(clean);
	return json_real(v);
}

static bool has_tag(const yaml_node_t *node, const char *tag)
{
	return node->tag && strcmp((const char *)node->tag, tag) == 0;
}

static json_t *scalar_to_json(struct loader *L, yaml_node_t *node)
{
	const char *v = (const char *)node->data.scalar.value;
	size_t n = node->data.scalar.length;
	json_t *typed;

	if (strlen(v) != n) {
		fail_at(L, node->start_mark, "a NUL character in a value");
		return NULL;
	}
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		/* Quoted: a string, unless tagged otherwise (!!int "5"). */
		if (has_tag(node, YAML_INT_TAG) && (typed = yaml_int(v)))
			return typed;
		if (has_tag(node, YAML_BOOL_TAG) && one_of(v, true_words))
			return json_true();
		if (has_tag(node, YAML_BOOL_TAG) && one_of(v, false_words))
			return json_false();
		if (has_tag(node, YAML_NULL_TAG))
			return json_null();
		return json_stringn(v, n);
	}
	if (!has_tag(node, YAML_STR_TAG) && !has_tag(node, YAML_INT_TAG) &&
	    !has_tag(node, YAML_FLOAT_TAG) && !has_tag(node, YAML_BOOL_TAG) &&
	    !has_tag(node, YAML_NULL_TAG))
		return json_stringn(v, n); /* another explicit tag */
	if (one_of(v, null_words))
		return json_null();
	if (one_of(v, true_words))
		return json_true();
	if (one_of(v, false_words))
		return json_false();
	if ((typed = yaml_int(v)) || (typed = yaml_float(v)))
		return typed;
	return json_stringn(v, n);
}

/* ---- collections --------------------------------------------------------- */

static json_t *node_to_json(struct loader *L, int index, int depth);

/* "<<: *anchor" or "<<: [*a, *b]": keys not already present come from the maps,
 * the first map named winning, as PyYAML merges them. */
static int apply_merge_key(struct loader *L, json_t *obj, yaml_node_t *key, int value, int depth)
{
	json_t *src = node_to_json(L, value, depth + 1);
	size_t i;
	json_t *item;

	if (!src)
		return -1;
	if (json_is_object(src)) {
		json_object_update_missing(obj, src);
	} else if (json_is_array(src)) {
		json_array_foreach(src, i, item) {
			if (!json_is_object(item)) {
				fail_at(L, key->start_mark, "a merge key (<<) names something that is not a mapping");
				json_decref(src);
				return -1;
			}
			json_object_update_missing(obj, item);
		}
	} else {
		fail_at(L, key->start_mark, "a merge key (<<) names something that is not a mapping");
		json_decref(src);
		return -1;
	}
	json_decref(src);
	return 0;
}

/* The text of a scalar key, or NULL (with an error) for another kind of key. */
static char *key_text(struct loader *L, yaml_node_t *k)
{
	json_t *typed;
	char *s;

	if (k->type != YAML_SCALAR_NODE) {
		fail_at(L, k->start_mark, "a mapping key that is not a scalar");
		return NULL;
	}
	if (strlen((const char *)k->data.scalar.value) != k->data.scalar.length) {
		fail_at(L, k->start_mark, "a NUL character in a key");
		return NULL;
	}
	typed = scalar_to_json(L, k);
	if (!typed)
		return NULL;
	/* PyYAML's key is typed too (1: and "1": differ there); JSON keys are text. */
	if (json_is_string(typed))
		s = xstrdup(json_string_value(typed));
	else
		s = xstrndup((const char *)k->data.scalar.value, k->data.scalar.length);
	json_decref(typed);
	return s;
}

static json_t *mapping_to_json(struct loader *L, yaml_node_t *node, int depth)
{
	json_t *obj = json_object();
	yaml_node_pair_t *merges[64];
	size_t n_merges = 0;

	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
		char *key;
		json_t *v;

		if (!k) {
			fail_at(L, node->start_mark, "a mapping without its key");
			goto fail;
		}
		if (k->type == YAML_SCALAR_NODE && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    k->data.scalar.length == 2 && !memcmp(k->data.scalar.value, "<<", 2)) {
			if (n_merges == sizeof(merges) / sizeof(*merges)) {
				fail_at(L, k->start_mark, "too many merge keys (<<) in one mapping");
				goto fail;
			}
			merges[n_merges++] = p;
			continue;
		}
		key = key_text(L, k);
		if (!key)
			goto fail;
		/* The top level's extension fields are never read: not even converted. */
		if (depth == 0 && strncmp(key, "x-", 2) == 0) {
			free(key);
			continue;
		}
		v = node_to_json(L, p->value, depth + 1);
		if (!v) {
			free(key);
			goto fail;
		}
		json_object_set_new(obj, key, v);
		free(key);
	}
	/* PyYAML: a later "<<" wins over an earlier one; the node's own keys over both. */
	for (size_t i = n_merges; i-- > 0;)
		if (apply_merge_key(L, obj, yaml_document_get_node(L->doc, merges[i]->key),
				    merges[i]->value, depth) < 0)
			goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static json_t *sequence_to_json(struct loader *L, yaml_node_t *node, int depth)
{
	json_t *arr = json_array();

	for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
		json_t *v = node_to_json(L, *i, depth + 1);

		if (!v) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, v);
	}
	return arr;
}

/* The value of node INDEX (1-based), converted once and shared by every alias. */
static json_t *node_to_json(struct loader *L, int index, int depth)
{
	yaml_node_t *node = yaml_document_get_node(L->doc, index);
	size_t i = (size_t)index - 1;
	json_t *v;

	if (!node || (size_t)index > L->n_nodes) {
		if (!L->err)
			L->err = xasprintf("%s: a reference to a node that does not exist", L->name);
		return NULL;
	}
	if (L->state[i] == NODE_DONE)
		return json_incref(L->memo[i]);
	if (L->state[i] == NODE_BUSY) {
		fail_at(L, node->start_mark, "an alias refers to the node that contains it");
		return NULL;
	}
	if (depth > YAML_MAX_DEPTH) {
		fail_at(L, node->start_mark, "mappings and lists nested too deeply");
		return NULL;
	}
	L->state[i] = NODE_BUSY;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		v = scalar_to_json(L, node);
		break;
	case YAML_SEQUENCE_NODE:
		v = sequence_to_json(L, node, depth);
		break;
	case YAML_MAPPING_NODE:
		v = mapping_to_json(L, node, depth);
		break;
	default:
		v = json_null();
		break;
	}
	if (!v)
		return NULL;
	/* The top-level mapping differs from the same node elsewhere (x- keys dropped). */
	if (depth > 0) {
		L->memo[i] = json_incref(v);
		L->state[i] = NODE_DONE;
	} else {
		L->state[i] = NODE_NEW;
	}
	return v;
}

/* ---- the stream ---------------------------------------------------------- */

static char *parser_error(const yaml_parser_t *parser, const char *name, const char *text, size_t len)
{
	const char *problem = parser->problem ? parser->problem : "not valid YAML";
	size_t line, col;

	if (parser->error == YAML_READER_ERROR) {
		/* The reader knows the byte offset, not the line. */
		text_position(text, len, parser->problem_offset, &line, &col);
		if (parser->problem_value >= 0)
			return xasprintf("%s:%zu:%zu: %s (byte 0x%02x)", name, line, col, problem,
					 (unsigned)parser->problem_value & 0xff);
		return xasprintf("%s:%zu:%zu: %s", name, line, col, problem);
	}
	return xasprintf("%s:%zu:%zu: %s%s%s", name, parser->problem_mark.line + 1,
			 parser->problem_mark.column + 1, problem, parser->context ? " " : "",
			 parser->context ? parser->context : "");
}

/* Whether the stream holds another document after the first: compose refuses that. */
static char *second_document(yaml_parser_t *parser, const char *name, const char *text, size_t len)
{
	yaml_document_t next;
	yaml_node_t *root;
	char *err = NULL;

	if (!yaml_parser_load(parser, &next))
		return parser_error(parser, name, text, len);
	root = yaml_document_get_root_node(&next);
	if (root)
		err = xasprintf("%s:%zu:%zu: expected a single document in the stream, but found "
				"another document (compose reads one document per file)",
				name, next.start_mark.line + 1, next.start_mark.column + 1);
	yaml_document_delete(&next);
	return err;
}

json_t *yaml_load(const char *text, size_t len, const char *name, size_t max_values, char **err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct loader L = { .doc = &doc, .name = name, .text = text, .len = len };
	json_t *tree = NULL;

	*err = NULL;
	if (!yaml_parser_initialize(&parser))
		die("cannot initialise libyaml");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		*err = parser_error(&parser, name, text, len);
		yaml_parser_delete(&parser);
		return NULL;
	}
	root = yaml_document_get_root_node(&doc);
	L.n_nodes = (size_t)(doc.nodes.top - doc.nodes.start);
	L.memo = xcalloc(L.n_nodes ? L.n_nodes : 1, sizeof(*L.memo));
	L.state = xcalloc(L.n_nodes ? L.n_nodes : 1, 1);
	if (root) {
		tree = node_to_json(&L, 1, 0);
		*err = L.err;
	} else {
		tree = json_null(); /* an empty file */
	}
	if (tree && !*err)
		*err = second_document(&parser, name, text, len);
	if (tree && !*err && json_expanded_size(tree, max_values) > max_values)
		*err = xasprintf("%s: its anchors and aliases expand to more than %zu values (an "
				 "\"alias bomb\"?); not read", name, max_values);
	for (size_t i = 0; i < L.n_nodes; i++)
		json_decref(L.memo[i]);
	free(L.memo);
	free(L.state);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (*err) {
		json_decref(tree);
		return NULL;
	}
	return tree;
}

size_t json_expanded_size(const json_t *tree, size_t limit)
{
	size_t n = 1;
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(tree)) {
		json_object_foreach((json_t *)tree, key, v) {
			if (n > limit)
				break;
			n += json_expanded_size(v, limit - n + 1);
		}
	} else if (json_is_array(tree)) {
		json_array_foreach(tree, i, v) {
			if (n > limit)
				break;
			n += json_expanded_size(v, limit - n + 1);
		}
	}
	return n;
}
