/* libFuzzer: a user spec against generated passwd and group files. The input is
 * SPEC \0 PASSWD \0 GROUP; the files are memfds read through /proc/self/fd. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *take(const uint8_t **p, const uint8_t *end, size_t *len)
{
	const uint8_t *start = *p, *nul = memchr(start, 0, (size_t)(end - start));
	*len = (size_t)((nul ? nul : end) - start);
	*p = nul ? nul + 1 : end;
	return start;
}

static int file_of(const uint8_t *d, size_t n, char *path, size_t len)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, d, n) != (ssize_t)n)
		abort();
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *s, *pw, *gr;
	size_t sl, pl, gl;
	char ppath[64], gpath[64], err[256];
	struct id_defaults def = { .uid = 0, .gid = 0 };
	struct identity id;

	s = take(&p, end, &sl);
	pw = take(&p, end, &pl);
	gr = take(&p, end, &gl);
	char *spec = strndup((const char *)s, sl);
	int pfd = file_of(pw, pl, ppath, sizeof ppath), gfd = file_of(gr, gl, gpath, sizeof gpath);
	if (ids_resolve(spec, &def, ppath, gpath, &id, err, sizeof err) == 0) {
		if (!id.home || id.uid > 2147483647u || id.gid > 2147483647u)
			abort();
		ids_free(&id);
	} else if (err[0] == '\0') {
		abort(); /* an error always says why */
	}
	close(pfd);
	close(gfd);
	free(spec);
	return 0;
}
