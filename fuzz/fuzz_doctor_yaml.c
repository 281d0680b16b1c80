/* libFuzzer: a compose file's YAML as the doctor loads it (typed scalars, anchors
 * shared, merge keys, the expansion cap), then interpolated as compose does. */
#include <stdint.h>
#include <stdlib.h>

#include "interp.h"
#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *lookup(const char *name, void *ctx)
{
	(void)ctx;
	return name[0] == 'A' ? "value" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	json_t *tree = yaml_load((const char *)data, size, "fuzz.yaml", 2000, &err);

	if (!tree == !err)
		abort(); /* exactly one of a tree or an error */
	if (tree) {
		json_t *done;

		if (json_expanded_size(tree, 2000) > 2000)
			abort(); /* the cap held */
		done = interpolate_json(tree, lookup, NULL, &err);
		json_decref(done);
		json_decref(tree);
	}
	free(err);
	return 0;
}
