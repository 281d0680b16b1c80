/* libFuzzer: the --chmod parser, and applying what it accepts to every file type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct modes m;

	memcpy(s, data, size);
	s[size] = '\0';
	if (modes_parse(s, &m) == 0) {
		if ((m.n == 0 && !m.fsgroup) || m.n > MODES_MAX)
			abort();
		for (unsigned mode = 0; mode < 010000; mode += 0111) {
			if (modes_apply(&m, S_IFREG | mode) & ~07777u)
				abort();
			if (modes_apply(&m, S_IFDIR | mode) & ~07777u)
				abort();
		}
	}
	free(s);
	return 0;
}
