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

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether P, in TEXT, is inside a shell comment: a '#' that starts a word before it
 * on its line. */
static bool in_comment(const char *text, const char *p)
{
	const char *line = p;

	while (line > text && line[-1] != '\n')
		line--;
	for (const char *q = line; q < p; q++)
		if (*q == '#' && (q == line || blank(q[-1])))
			return true;
	return false;
}

/* Whether the token that starts at T is where a shell runs a command: first on its
 * line, after ; | & ( ` or { , or after exec, then, do, else, !, nohup or env. */
static bool command_position(const char *text, const char *t)
{
	static const char *const before[] = { "exec", "then", "do", "else", "!", "nohup", "env" };
	const char *q = t, *w;

	while (q > text && blank(q[-1]))
		q--;
	if (q == text || q[-1] == '\n' || strchr(";|&(`{", q[-1]))
		return true;
	for (w = q; w > text && !blank(w[-1]) && w[-1] != '\n'; w--)
		;
	for (size_t i = 0; i < sizeof(before) / sizeof(*before); i++)
		if ((size_t)(q - w) == strlen(before[i]) && !strncmp(w, before[i], (size_t)(q - w)))
			return command_position(text, w);
	return false;
}

/* Whether TEXT runs WORD as a command (its name, or a path that ends with it), not in
 * a comment, followed on its line by THEN when given. */
static bool has_word(const char *text, const char *word, const char *then)
{
	size_t n = strlen(word);

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
		const char *eol, *t = p;

		if ((p > text && word_char(p[-1])) || word_char(p[n]))
			continue;
		/* the token: WORD itself, or a path to it */
		while (t > text && !blank(t[-1]) && t[-1] != '\n' && !strchr(";|&(`{'\"", t[-1]))
			t--;
		if (t != p && p[-1] != '/')
			continue;
		if (in_comment(text, p) || !command_position(text, t))
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

	/* The command as one line (gosu USER ...), each of its words as a script of its own
	 * (sh -c 'exec gosu USER ...'), and the script it starts. */
	for (size_t i = 0; i < cmd->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", cmd->v[i]);
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools) && !found; i++) {
		if ((b.data && has_word(b.data, tools[i].word, tools[i].then)) ||
		    (script && has_word(script, tools[i].word, tools[i].then)))
			found = tools[i].word;
		for (size_t k = 1; k < cmd->n && !found; k++)
			if (has_word(cmd->v[k], tools[i].word, tools[i].then))
				found = tools[i].word;
	}
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
