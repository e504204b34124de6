/*
 * Base64 decoding (base64.h). Any text decodes to at most base64_decoded_max() bytes or is
 * refused; a buffer one byte short is refused, never overrun. Any bytes, encoded with and
 * without padding, decode back to themselves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "fuzz_check.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* A reference encoder (RFC 4648 §4); `pad` chooses the optional `=` padding. */
static size_t encode(const uint8_t *in, size_t n, char *out, int pad)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;

		if (left > 1) {
			v |= (uint32_t)in[i + 1] << 8;
		}
		if (left > 2) {
			v |= in[i + 2];
		}
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		if (left > 1) {
			out[o++] = alphabet[(v >> 6) & 63];
		} else if (pad) {
			out[o++] = '=';
		}
		if (left > 2) {
			out[o++] = alphabet[v & 63];
		} else if (pad) {
			out[o++] = '=';
		}
	}
	return o;
}

static void decode_any(const uint8_t *data, size_t size)
{
	size_t cap = base64_decoded_max(size);
	uint8_t *out = malloc(cap > 0 ? cap : 1);
	long n = base64_decode((const char *)data, size, out, cap);

	FUZZ_REQUIRE(n >= -1 && n <= (long)cap);
	if (n > 0) {
		uint8_t *again = malloc((size_t)n);

		FUZZ_REQUIRE(base64_decode((const char *)data, size, again, (size_t)n) == n);
		FUZZ_REQUIRE(memcmp(again, out, (size_t)n) == 0);
		FUZZ_REQUIRE(base64_decode((const char *)data, size, again, (size_t)n - 1) == -1);
		free(again);
	}
	free(out);
}

static void round_trip(const uint8_t *data, size_t size)
{
	char *text = malloc(size / 3 * 4 + 4);
	uint8_t *back = malloc(size > 0 ? size : 1);

	for (int pad = 0; pad <= 1; pad++) {
		size_t len = encode(data, size, text, pad);

		FUZZ_REQUIRE(base64_decoded_max(len) >= size);
		FUZZ_REQUIRE(base64_decode(text, len, back, size) == (long)size);
		FUZZ_REQUIRE(memcmp(back, data, size) == 0);
	}
	free(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode_any(data, size);
	round_trip(data, size);
	return 0;
}
