/* Just enough of the tar format to read what the engine's archive endpoint sends:
 * the owner, mode and type of the first entries, and the content of small files.
 * ustar headers, with PAX extended headers and GNU long names. Pure. */
#ifndef VOLOWN_DOCTOR_TAR_H
#define VOLOWN_DOCTOR_TAR_H

#include <stddef.h>

struct tar_entry {
	char *name;
	char type; /* '0' file, '5' directory, '2' symlink, ... */
	long uid, gid;
	unsigned mode;
	size_t size;
	const unsigned char *data; /* the whole content, inside the buffer, or NULL when the
				    * buffer ends inside it */
	const unsigned char *part; /* the content's first HAVE bytes, inside the buffer */
	size_t have;		   /* how much of it the buffer holds (less than size: cut) */
};

enum tar_result { TAR_ENTRY = 1, TAR_END = 0, TAR_SHORT = -1, TAR_BAD = -2 };

/* Read the entry at *OFF in BUF[0..LEN) and advance *OFF past it, content included:
 * past LEN when the buffer ends inside a file's content (a reader of a stream skips
 * the rest as it comes). TAR_SHORT means the buffer ends inside the headers (read
 * more, or treat what is known as final); TAR_BAD, a header that is not one, or a
 * size so large that no offset could hold where the entry ends. */
enum tar_result tar_next(const unsigned char *buf, size_t len, size_t *off, struct tar_entry *e);
void tar_entry_free(struct tar_entry *e);

#endif
