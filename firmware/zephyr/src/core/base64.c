#include "base64.h"

static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == '+') {
		return 62;
	}
	if (c == '/') {
		return 63;
	}
	return -1;
}

size_t base64_decoded_max(size_t in_len)
{
	return (in_len + 3) / 4 * 3;
}

long base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap)
{
	size_t data_len = in_len;
	size_t pad = 0;

	while (data_len > 0 && in[data_len - 1] == '=' && pad < 2) {
		data_len--;
		pad++;
	}
	if (pad > 0 && in_len % 4 != 0) {
		return -1;
	}
	/* One leftover character carries only 6 bits: never a whole byte. */
	if (data_len % 4 == 1) {
		return -1;
	}

	size_t out_len = data_len / 4 * 3 + (data_len % 4 == 0 ? 0 : data_len % 4 - 1);

	if (out_len > out_cap) {
		return -1;
	}

	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < data_len; i++) {
		int v = sextet(in[i]);

		if (v < 0) {
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1u;
		}
	}
	return (long)o;
}
