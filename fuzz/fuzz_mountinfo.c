/* libFuzzer: mountinfo lines, one at a time and as a whole table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(const char *mount_point, const char *why_not, void *ctx)
{
	if (mount_point[0] != '/')
		abort(); /* only absolute mount points may come out */
	(void)why_not;
	++*(size_t *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct mountinfo m;
	size_t n = 0;
	FILE *fp;

	memcpy(line, data, size);
	line[size] = '\0';
	if (mountinfo_parse_line(line, &m) == 0) {
		if (m.mount_point[0] != '/' || strlen(m.mount_point) > size)
			abort();
		bool host;
		(void)mounts_exclusion(&m, -1, &host);
		(void)mounts_not_container(4026532200ull, &m);
	}
	free(line);
	if (size && (fp = fmemopen((void *)data, size, "r"))) {
		const char *why = NULL;
		mounts_scan(fp, 4026532200ull, &why, count, &n);
		fclose(fp);
	}
	return 0;
}
