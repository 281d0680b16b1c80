/* modes.c — chmod(1) modes (see modes.h). */
#include "modes.h"

#include <string.h>
#include <sys/stat.h>

#define ALL_BITS 07777u
#define RWX_ALL	 (S_IRWXU | S_IRWXG | S_IRWXO)
#define X_ALL	 (S_IXUSR | S_IXGRP | S_IXOTH)

static int parse_octal(const char *s, struct modes *out)
{
	unsigned v = 0;
	size_t len = 0;

	for (; *s; s++, len++) {
		if (*s < '0' || *s > '7' || len >= 5)
			return -1;
		v = v * 8 + (unsigned)(*s - '0');
	}
	if (v > ALL_BITS)
		return -1;
	/* fewer than five digits: a directory's s bits stay unless the mode sets them */
	out->ops[0] = (struct mode_op){
		.affected = ALL_BITS,
		.value = (unsigned short)v,
		.op = '=',
		.mentioned =
			(unsigned short)(len < 5 ? (v & (S_ISUID | S_ISGID)) | S_ISVTX | RWX_ALL
						 : ALL_BITS),
	};
	out->n = 1;
	return 0;
}

static unsigned who_bits(char c)
{
	switch (c) {
	case 'u':
		return S_ISUID | S_IRWXU;
	case 'g':
		return S_ISGID | S_IRWXG;
	case 'o':
		return S_ISVTX | S_IRWXO;
	case 'a':
		return ALL_BITS;
	}
	return 0;
}

static unsigned perm_bits(char c)
{
	switch (c) {
	case 'r':
		return S_IRUSR | S_IRGRP | S_IROTH;
	case 'w':
		return S_IWUSR | S_IWGRP | S_IWOTH;
	case 'x':
		return X_ALL;
	case 's':
		return S_ISUID | S_ISGID;
	case 't':
		return S_ISVTX;
	}
	return 0;
}

/* One operation (op, then permissions or a class to copy) at *sp. */
static int parse_op(const char **sp, unsigned who, struct modes *out)
{
	const char *s = *sp;
	unsigned affected = who ? who : ALL_BITS, value = 0;
	char flag = 0;
	struct mode_op *o;

	if (out->n >= MODES_MAX)
		return -1;
	o = &out->ops[out->n++];
	o->op = *s++;
	if (*s == 'u' || *s == 'g' || *s == 'o') {
		flag = *s++;
		value = who_bits(flag) & RWX_ALL;
	} else {
		for (; *s && strchr("rwxXst", *s); s++) {
			if (*s == 'X')
				flag = 'X';
			else
				value |= perm_bits(*s);
		}
	}
	o->affected = (unsigned short)affected;
	o->value = (unsigned short)value;
	o->mentioned = (unsigned short)(who ? who & value : value);
	o->flag = flag;
	*sp = s;
	return 0;
}

int modes_parse(const char *s, struct modes *out)
{
	*out = (struct modes){ 0 };
	if (!s || !*s)
		return -1;
	if (strcmp(s, "fsgroup") == 0) {
		out->fsgroup = true;
		return 0;
	}
	if (*s >= '0' && *s <= '9')
		return parse_octal(s, out);
	for (;;) {
		unsigned who = 0;
		for (; *s && strchr("ugoa", *s); s++)
			who |= who_bits(*s);
		if (*s != '+' && *s != '-' && *s != '=')
			return -1; /* a clause needs at least one operation */
		while (*s == '+' || *s == '-' || *s == '=')
			if (parse_op(&s, who, out) < 0)
				return -1;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -1;
	}
}

mode_t modes_apply(const struct modes *m, mode_t mode)
{
	bool dir = S_ISDIR(mode);
	unsigned cur = mode & ALL_BITS;

	if (m->fsgroup)
		return (mode_t)(cur | (dir ? S_ISGID | 0770u : 0660u));

	for (unsigned i = 0; i < m->n; i++) {
		const struct mode_op *o = &m->ops[i];
		unsigned keep = (dir ? S_ISUID | S_ISGID : 0) & ~(unsigned)o->mentioned;
		unsigned value = o->value;

		if (o->flag == 'X') {
			if (dir || (cur & X_ALL))
				value |= X_ALL;
		} else if (o->flag) {
			/* copy a class: its rwx bits now, spread to every class */
			value &= cur;
			value = (value & (S_IRUSR | S_IRGRP | S_IROTH) ? perm_bits('r') : 0) |
				(value & (S_IWUSR | S_IWGRP | S_IWOTH) ? perm_bits('w') : 0) |
				(value & X_ALL ? X_ALL : 0);
		}
		value &= o->affected & ~keep;
		switch (o->op) {
		case '=':
			cur = (cur & (~(unsigned)o->affected | keep)) | value;
			break;
		case '+':
			cur |= value;
			break;
		default:
			cur &= ~value;
			break;
		}
	}
	return (mode_t)(cur & ALL_BITS);
}
