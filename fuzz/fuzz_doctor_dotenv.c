/* libFuzzer: a .env file as python-dotenv reads it for compose. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotenv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *env(const char *name)
{
	return name[0] == 'H' ? "/home/u" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	size_t bad = 0;
	json_t *vars;

	memcpy(copy, data, size);
	vars = dotenv_parse(copy, size, env, &bad);
	if (!vars && bad >= size)
		abort(); /* a refusal names a byte of the text */
	json_decref(vars);
	free(copy);
	return 0;
}
