/* libFuzzer: the config file parser. volown exits 125 on a bad line; here die() and
 * the other log functions are the harness's own, and die() jumps back to the loop, so
 * every input is parsed to its end or to its first error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jmp_buf back;

void die(int code, const char *fmt, ...)
{
	if (code != EXIT_VOLOWN || !fmt)
		abort(); /* a config error is always a usage error */
	longjmp(back, 1);
}

void die_errno(int code, const char *fmt, ...)
{
	die(code, "%s", fmt);
}

void warn(const char *fmt, ...)
{
	(void)fmt;
}

void warn_errno(const char *fmt, ...)
{
	(void)fmt;
}

void info(const char *fmt, ...)
{
	(void)fmt;
}

void verbose(const char *fmt, ...)
{
	(void)fmt;
}

void log_set_level(enum log_level level)
{
	(void)level;
}

enum log_level log_level(void)
{
	return LOG_NORMAL;
}

void report(const char *fmt, ...)
{
	(void)fmt;
}

size_t log_escape(const char *in, size_t len, char *out)
{
	memcpy(out, in, len);
	out[len] = '\0';
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	FILE *fp;

	if (!size || !(fp = fmemopen((void *)data, size, "r")))
		return 0;
	cfg = (struct config){ .log_level = LOG_NORMAL, .paths.layer = -1, .group_add.layer = -1 };
	if (setjmp(back) == 0) {
		config_read_file(&cfg, fp, "fuzz.conf", (size & 1) != 0);
		if (cfg.setuid || (cfg.paths.n && !cfg.paths.v))
			abort();
		for (size_t i = 0; i < cfg.paths.n; i++)
			if (!cfg.paths.v[i].path || cfg.paths.v[i].path[0] != '/' ||
			    cfg.paths.v[i].mkdir < -1 || cfg.paths.v[i].mkdir > 1)
				abort();
	}
	fclose(fp);
	return 0;
}
