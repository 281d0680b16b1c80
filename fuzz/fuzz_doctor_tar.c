/* libFuzzer: the doctor's tar reader on any bytes, as the engine's archive endpoint
 * could send them (PAX records, GNU long names, base-256 numbers, cut transfers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly SIZE bytes: ASan sees any read past the end. */
	unsigned char *buf = malloc(size ? size : 1);
	size_t off = 0, sum = 0;
	struct tar_entry e;
	enum tar_result r;

	memcpy(buf, data, size);
	while ((r = tar_next(buf, size, &off, &e)) == TAR_ENTRY) {
		/* the offset may pass the end (a stream reader skips the rest), the bytes not */
		if (e.have > e.size || (e.data && e.have != e.size) || (e.have && !e.part))
			abort();
		if (e.part && (e.part < buf || e.part + e.have > buf + size))
			abort();
		for (size_t i = 0; i < e.have; i++)
			sum += e.part[i];
		sum += strlen(e.name);
		tar_entry_free(&e);
	}
	if (r != TAR_END && r != TAR_SHORT && r != TAR_BAD)
		abort();
	free(buf);
	return (int)(sum & 0);
}
