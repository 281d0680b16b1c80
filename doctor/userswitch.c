#include "userswitch.h"

#include <stdbool.h>
#include <string.h>

/* Each tool, as a word that must stand alone (and what must follow it, if anything). */
static const struct {
	const char *word;
	const char *then; /* a word that must follow on the same line, or NULL */
} tools[] = {
	{ "gosu", NULL },	  { "su-exec", NULL },	    { "setpriv", "--reuid" },
	{ "setpriv", "--regid" }, { "chroot", "--userspec" }, { "runuser", NULL },
	{ "s6-setuidgid", NULL }, { "setuidgid", NULL },	    { "chpst", "-u" },
	{ "volown", NULL },	  { "su", NULL },
};

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '.';
}

/* Whether TEXT holds WORD as a word (not inside a longer one, a path's last part
 * allowed: /usr/sbin/gosu), followed on its line by THEN when given. */
static bool has_word(const char *text, const char *word, const char *then)
{
	size_t n = strlen(word);

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
		const char *eol;

		if ((p > text && word_char(p[-1])) || word_char(p[n]))
			continue;
		if (!then)
			return true;
		eol = strchr(p, '\n');
		for (const char *q = strstr(p + n, then); q && (!eol || q < eol); q = strstr(q + 1, then))
			if (!word_char(q[-1]) && !word_char(q[strlen(then)]))
				return true;
	}
	return false;
}

const char *user_switch_tool(const struct strv *cmd, const char *script)
{
	struct buf b = { 0 };
	const char *found = NULL;

	for (size_t i = 0; i < cmd->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", cmd->v[i]);
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools) && !found; i++)
		if ((b.data && has_word(b.data, tools[i].word, tools[i].then)) ||
		    (script && has_word(script, tools[i].word, tools[i].then)))
			found = tools[i].word;
	buf_free(&b);
	return found;
}

static const char *base(const char *w)
{
	const char *slash = strrchr(w, '/');

	return slash ? slash + 1 : w;
}

/* The value of OPT in ARGV from I on: "OPT VALUE" or "OPT=VALUE". */
static const char *option(const struct strv *cmd, size_t i, const char *opt)
{
	size_t n = strlen(opt);

	for (; i < cmd->n; i++) {
		if (!strcmp(cmd->v[i], "--"))
			break;
		if (!strcmp(cmd->v[i], opt) && i + 1 < cmd->n)
			return cmd->v[i + 1];
		if (!strncmp(cmd->v[i], opt, n) && cmd->v[i][n] == '=')
			return cmd->v[i] + n + 1;
	}
	return NULL;
}

char *user_switch_target(const struct strv *cmd)
{
	for (size_t i = 0; i < cmd->n; i++) {
		const char *w = base(cmd->v[i]);
		const char *u, *g;

		if ((!strcmp(w, "gosu") || !strcmp(w, "su-exec") || !strcmp(w, "s6-setuidgid") ||
		     !strcmp(w, "setuidgid")) && i + 1 < cmd->n && cmd->v[i + 1][0] != '-')
			return xstrdup(cmd->v[i + 1]);
		if (!strcmp(w, "volown") && ((u = option(cmd, i + 1, "--user")) || (u = option(cmd, i + 1, "-u"))))
			return xstrdup(u);
		if ((!strcmp(w, "runuser") || !strcmp(w, "chpst")) && (u = option(cmd, i + 1, "-u")))
			return xstrdup(u);
		if (!strcmp(w, "chroot") && (u = option(cmd, i + 1, "--userspec")))
			return xstrdup(u);
		if (!strcmp(w, "setpriv") && (u = option(cmd, i + 1, "--reuid"))) {
			g = option(cmd, i + 1, "--regid");
			return g ? xasprintf("%s:%s", u, g) : xstrdup(u);
		}
	}
	return NULL;
}
