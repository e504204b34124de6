/* Base64 (RFC 4648 standard alphabet) decoding for the start message's `file` field. */
#ifndef PROPLET_CORE_BASE64_H
#define PROPLET_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Upper bound of the decoded size of `in_len` base64 characters. */
size_t base64_decoded_max(size_t in_len);

/*
 * Decodes `in` into `out`. Padding is optional, but when present it must end the text and
 * complete a 4-character group; whitespace and other characters are invalid. Returns the
 * decoded length, or -1 when the text is not base64 or `out_cap` is too small.
 */
long base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap);

#endif
