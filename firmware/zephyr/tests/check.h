/*
 * A tiny assertion runner for the host tests: each failed check prints where it was and
 * what was expected and seen, the test goes on, and CHECK_DONE() makes the exit status
 * (0 = all passed) that ctest reads.
 */
#ifndef PROPLET_TESTS_CHECK_H
#define PROPLET_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		check_count++;                                                                \
		if (!(cond)) {                                                                \
			check_failures++;                                                     \
			fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                             \
	} while (0)

#define CHECK_INT(expected, actual)                                                           \
	do {                                                                                  \
		long long e_ = (long long)(expected);                                         \
		long long a_ = (long long)(actual);                                           \
		check_count++;                                                                \
		if (e_ != a_) {                                                               \
			check_failures++;                                                     \
			fprintf(stderr, "%s:%d: %s: expected %lld, saw %lld\n", __FILE__,     \
				__LINE__, #actual, e_, a_);                                   \
		}                                                                             \
	} while (0)

#define CHECK_STR(expected, actual)                                                           \
	do {                                                                                  \
		const char *e_ = (expected);                                                  \
		const char *a_ = (actual);                                                    \
		check_count++;                                                                \
		if (a_ == NULL || strcmp(e_, a_) != 0) {                                      \
			check_failures++;                                                     \
			fprintf(stderr, "%s:%d: %s: expected \"%s\", saw \"%s\"\n", __FILE__, \
				__LINE__, #actual, e_, a_ == NULL ? "(null)" : a_);           \
		}                                                                             \
	} while (0)

#define CHECK_DONE()                                                                          \
	do {                                                                                  \
		printf("%d checks, %d failed\n", check_count, check_failures);                \
		return check_failures == 0 ? 0 : 1;                                           \
	} while (0)

#endif
