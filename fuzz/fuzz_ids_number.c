/* libFuzzer: numeric ids of a user spec. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	long long v;

	memcpy(s, data, size);
	s[size] = '\0';
	/* accepted: [+-]digits only (Go's strconv.Atoi, as gosu) */
	if (ids_parse_number(s, &v)) {
		const char *p = s + (*s == '+' || *s == '-');
		if (!*p || strspn(p, "0123456789") != strlen(p))
			abort();
	}
	free(s);
	return 0;
}
