/*
 * The JSON reader and writer (json.h). Reader: any bytes either fail validation or give a
 * tree whose every value lies inside the document, iterates to an end, unescapes into at
 * most its own raw length, and is found again by key. Writer: any C string, written with
 * jw_str, is valid JSON that reads back as the same string, and a too-small buffer is
 * reported, never overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "json.h"

static void walk(const json_doc *doc, const json_val *v, int depth)
{
	FUZZ_REQUIRE(depth <= JSON_MAX_DEPTH);
	FUZZ_REQUIRE(v->start < v->end && v->end <= doc->len);

	size_t cursor = 0;
	size_t count = 0;
	json_val key, value;

	switch (v->kind) {
	case JSON_OBJECT:
		while (json_object_next(doc, v, &cursor, &key, &value)) {
			FUZZ_REQUIRE(key.kind == JSON_STRING);
			FUZZ_REQUIRE(key.start > v->start && value.end < v->end);
			FUZZ_REQUIRE(++count <= doc->len);
			walk(doc, &key, depth + 1);
			walk(doc, &value, depth + 1);

			/* The first member with this key comes no later than this one. */
			char name[256];
			long n = json_string(doc, &key, name, sizeof(name));
			json_val found;

			if (n >= 0 && strlen(name) == (size_t)n) {
				FUZZ_REQUIRE(json_member(doc, v, name, &found));
				FUZZ_REQUIRE(found.start <= value.start);
			}
		}
		break;
	case JSON_ARRAY:
		while (json_array_next(doc, v, &cursor, &value)) {
			FUZZ_REQUIRE(value.start > v->start && value.end < v->end);
			FUZZ_REQUIRE(++count <= doc->len);
			walk(doc, &value, depth + 1);
		}
		break;
	case JSON_STRING: {
		size_t raw = v->end - v->start - 2;
		char *out = malloc(raw + 1);
		char small[8];

		/* An escape never unescapes to more bytes than it takes in the text. */
		long n = json_string(doc, v, out, raw + 1);

		FUZZ_REQUIRE(n >= 0 && (size_t)n <= raw);
		long m = json_string(doc, v, small, sizeof(small));

		FUZZ_REQUIRE(m == (n < (long)sizeof(small) ? n : -1));
		FUZZ_REQUIRE(m < 0 || memcmp(small, out, (size_t)m + 1) == 0);
		free(out);
		break;
	}
	case JSON_NUMBER: {
		int32_t x;

		(void)json_int32_mod(doc, v, &x);
		break;
	}
	default:
		break;
	}
}

static void read_back(const uint8_t *data, size_t size)
{
	json_doc doc = {(const char *)data, size};
	json_val root;

	if (json_validate(&doc, &root)) {
		walk(&doc, &root, 0);
	}
}

static void write_back(const uint8_t *data, size_t size)
{
	/* The input up to its first NUL, as the C string the writer takes. */
	size_t len = strnlen((const char *)data, size);
	char *s = malloc(len + 1);

	memcpy(s, data, len);
	s[len] = '\0';

	/* Quotes plus at most six bytes (\u00XX) per input byte, plus the NUL. */
	size_t cap = len * 6 + 3;
	char *buf = malloc(cap);
	json_writer w;

	jw_init(&w, buf, cap);
	jw_str(&w, s);
	FUZZ_REQUIRE(jw_finish(&w));

	json_doc doc = {buf, strlen(buf)};
	json_val v;
	char *back = malloc(len + 1);

	FUZZ_REQUIRE(json_validate(&doc, &v) && v.kind == JSON_STRING);
	FUZZ_REQUIRE(json_string(&doc, &v, back, len + 1) == (long)len);
	FUZZ_REQUIRE(memcmp(back, s, len + 1) == 0);

	/* A buffer too small by any amount: overflow reported, the NUL inside the buffer. */
	size_t small = size > 0 ? data[0] % (doc.len + 1) : 0;
	char *tight = malloc(small > 0 ? small : 1);

	jw_init(&w, tight, small);
	jw_str(&w, s);
	FUZZ_REQUIRE(!jw_finish(&w));
	FUZZ_REQUIRE(small == 0 || fuzz_terminated(tight, small));

	free(tight);
	free(back);
	free(buf);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_back(data, size);
	write_back(data, size);
	return 0;
}
