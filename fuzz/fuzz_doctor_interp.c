/* libFuzzer: compose's variable interpolation of one string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *lookup(const char *name, void *ctx)
{
	(void)ctx;
	if (name[0] == 'E')
		return "";
	return name[0] == 'S' ? "set $$ ${X}" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *out = NULL, *err = NULL;

	memcpy(in, data, size);
	in[size] = '\0';
	if (interpolate(in, lookup, NULL, &out, &err) == 0) {
		if (!out || err)
			abort();
	} else if (!err || out) {
		abort(); /* an error always says why */
	}
	free(out);
	free(err);
	free(in);
	return 0;
}
