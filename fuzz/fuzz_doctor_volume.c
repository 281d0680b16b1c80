/* libFuzzer: the short volume syntax, tmpfs options and command strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mountspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void mount_free(struct mount *m)
{
	free(m->source);
	free(m->target);
	free(m->refused);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *err = NULL;
	struct mount m = { 0 };
	struct strv words = { 0 };

	memcpy(in, data, size);
	in[size] = '\0';
	if (parse_short_volume(in, "/project", "/home/u", &m, &err) == 0) {
		if (!m.target || (m.type == MOUNT_BIND && !m.source))
			abort();
		if (m.target[0] == '/' && m.refused == NULL && strstr(m.target, "//"))
			abort(); /* an accepted target is clean */
	} else if (!err) {
		abort();
	}
	mount_free(&m);
	free(err);
	err = NULL;
	memset(&m, 0, sizeof(m));
	m.tmpfs_mode = m.tmpfs_uid = m.tmpfs_gid = -1;
	parse_tmpfs_options(in, &m, &err);
	free(err);
	err = NULL;
	shell_split(in, &words, &err);
	strv_free(&words);
	free(err);
	free(in);
	return 0;
}
