/* Unit tests for fmt.c: every conversion volown's messages use, each compared with the
 * C library's own snprintf on the same arguments (the reference), truncation included. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "tap.h"

/* Formats with both and compares result and returned length, at every buffer size up to
 * the whole length + 1, so that truncation is checked too. */
#define SAME(...)                                                                          \
	do {                                                                               \
		char want[512], got[512];                                                  \
		int wn = snprintf(want, sizeof want, __VA_ARGS__);                         \
		size_t gn = fmt_to(got, sizeof got, __VA_ARGS__);                           \
		bool cut_ok = true;                                                        \
		for (size_t sz = 0; sz <= (size_t)wn + 1 && cut_ok; sz++) {                \
			char w2[512], g2[512];                                             \
			memset(w2, 'X', sizeof w2);                                        \
			memset(g2, 'X', sizeof g2);                                        \
			snprintf(w2, sz, __VA_ARGS__);                                     \
			fmt_to(g2, sz, __VA_ARGS__);                                        \
			cut_ok = memcmp(w2, g2, sizeof w2) == 0;                           \
		}                                                                          \
		ok(wn >= 0 && (size_t)wn == gn && strcmp(want, got) == 0 && cut_ok,       \
		   "%s -> `%s' (libc `%s')", #__VA_ARGS__, got, want);                     \
	} while (0)

int main(void)
{
	SAME("plain text, no conversion");
	SAME("%s", "");
	SAME("%s and %s", "one", "two");
	SAME("`%s': %s", "/data/with space", "no such file or directory");
	SAME("%.*s|", 3, "abcdef");
	SAME("%.*s|", 0, "abcdef");
	SAME("%.*s|", 10, "abc");
	SAME("%d %d %d", 0, -1, INT_MIN);
	SAME("%d", INT_MAX);
	SAME("%ld %ld", LONG_MIN, LONG_MAX);
	SAME("%lld %lld", LLONG_MIN, LLONG_MAX);
	SAME("%u %u", 0u, UINT_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%llu", ULLONG_MAX);
	SAME("%zu %zu", (size_t)0, SIZE_MAX);
	SAME("%04o -> %04o", 0u, 07777u);
	SAME("%04o", 02755u);
	SAME("%o", 8u);
	SAME("%#x %#x", 0u, 0x80000000u);
	SAME("%x", 0xdeadbeefu);
	SAME("/proc/self/fd/%d", 123);
	SAME("%llu.%03llu s", 12ULL, 7ULL);
	SAME("%s:%u: %s", "/etc/volown.conf", 42u, "path");
	SAME("100%% %c", 'x');
	SAME("%s%s%s", "", "a", "");
	{
		static const char long_name[] = "a very long name, longer than a small buffer";
		SAME("cannot open `%s': %s", long_name, "Permission denied");
	}
	{
		char small[8];
		size_t n = fmt_to(small, sizeof small, "%s", "0123456789");
		ok(n == 10 && strcmp(small, "0123456") == 0, "a result too long is cut, its length kept");
		ok(fmt_to(NULL, 0, "%d", 12345) == 5, "size 0 writes nothing and measures");
	}
	return tap_done();
}
