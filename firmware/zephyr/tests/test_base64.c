#include "base64.h"
#include "check.h"

static long decode(const char *text, uint8_t *out, size_t cap)
{
	return base64_decode(text, strlen(text), out, cap);
}

int main(void)
{
	uint8_t out[64];

	CHECK_INT(0, decode("", out, sizeof(out)));
	CHECK_INT(6, decode("Zm9vYmFy", out, sizeof(out)));
	CHECK(memcmp(out, "foobar", 6) == 0);
	CHECK_INT(4, decode("Zm9vYg==", out, sizeof(out)));
	CHECK(memcmp(out, "foob", 4) == 0);
	CHECK_INT(5, decode("Zm9vYmE=", out, sizeof(out)));
	CHECK(memcmp(out, "fooba", 5) == 0);
	/* Padding is optional. */
	CHECK_INT(4, decode("Zm9vYg", out, sizeof(out)));
	CHECK(memcmp(out, "foob", 4) == 0);

	/* The WebAssembly magic and version, as a manager would send them. */
	CHECK_INT(8, decode("AGFzbQEAAAA=", out, sizeof(out)));
	CHECK(memcmp(out, "\0asm\1\0\0\0", 8) == 0);
	/* Both extra characters of the alphabet. */
	CHECK_INT(3, decode("+/+/", out, sizeof(out)));
	CHECK_INT(0xfb, out[0]);
	CHECK_INT(0xff, out[1]);
	CHECK_INT(0xbf, out[2]);

	/* Not base64. */
	CHECK_INT(-1, decode("Zm9v!mFy", out, sizeof(out)));
	CHECK_INT(-1, decode("Zm9v YmFy", out, sizeof(out)));
	CHECK_INT(-1, decode("Zm9vY", out, sizeof(out)));
	CHECK_INT(-1, decode("Zm=9", out, sizeof(out)));
	CHECK_INT(-1, decode("Zm9vYg=", out, sizeof(out)));
	CHECK_INT(-1, decode("Zm9vY===", out, sizeof(out)));
	CHECK_INT(-1, decode("-_8=", out, sizeof(out)));
	/* Does not fit. */
	CHECK_INT(-1, decode("Zm9vYmFy", out, 5));

	CHECK_INT(3, base64_decoded_max(4));
	CHECK_INT(6, base64_decoded_max(6));
	CHECK_DONE();
}
