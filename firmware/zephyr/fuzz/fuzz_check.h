/*
 * Invariants the fuzz targets check besides the sanitizers: a broken one aborts, which
 * libFuzzer records as a crash with the input that caused it.
 */
#ifndef PROPLET_FUZZ_CHECK_H
#define PROPLET_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_REQUIRE(cond)                                                                    \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,  \
				#cond);                                                       \
			abort();                                                              \
		}                                                                             \
	} while (0)

/* True when `s` holds a NUL within its `cap` bytes: a C string that stayed in its array. */
static inline int fuzz_terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

#endif
