/*
 * A small JSON reader and writer over caller-owned buffers: no allocation, bounded
 * recursion, so an untrusted 16 KB payload can neither exhaust memory nor the stack.
 *
 * Reading works on spans of the original text: validate the whole document once with
 * json_validate(), then walk objects and arrays with the iterators.
 */
#ifndef PROPLET_CORE_JSON_H
#define PROPLET_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 16

typedef enum {
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
} json_kind;

/* One value: text[start, end) in the document, quotes included for strings. */
typedef struct {
	json_kind kind;
	size_t start;
	size_t end;
} json_val;

typedef struct {
	const char *text;
	size_t len;
} json_doc;

/* True when the text is exactly one JSON value (RFC 8259) with surrounding whitespace. */
bool json_validate(const json_doc *doc, json_val *root);

/* Member `key` of an object (the first one, if repeated). */
bool json_member(const json_doc *doc, const json_val *obj, const char *key, json_val *out);

/* Iterates an array's elements; `*cursor` starts at 0. */
bool json_array_next(const json_doc *doc, const json_val *arr, size_t *cursor, json_val *elem);

/* Iterates an object's members; `*cursor` starts at 0. */
bool json_object_next(const json_doc *doc, const json_val *obj, size_t *cursor, json_val *key,
		      json_val *value);

/*
 * Copies a string value, unescaped, NUL-terminated. Returns its length in bytes, or -1
 * when the value is not a string or does not fit in `cap - 1` bytes.
 */
long json_string(const json_doc *doc, const json_val *v, char *out, size_t cap);

/* True when the string value equals `s` once unescaped (strings of up to 255 bytes). */
bool json_string_eq(const json_doc *doc, const json_val *v, const char *s);

/*
 * An integer literal (no fraction, no exponent) of any size, reduced modulo 2^32 and read
 * as two's complement: the contract's rule for task inputs.
 */
bool json_int32_mod(const json_doc *doc, const json_val *v, int32_t *out);

/* Writer: appends to a fixed buffer and remembers overflow instead of failing each call. */
typedef struct {
	char *buf;
	size_t cap;
	size_t len;
	bool overflow;
} json_writer;

void jw_init(json_writer *w, char *buf, size_t cap);
void jw_raw(json_writer *w, const char *s);
/* A quoted, escaped string. */
void jw_str(json_writer *w, const char *s);
void jw_uint(json_writer *w, uint32_t v);
/* `"key":` */
void jw_key(json_writer *w, const char *key);
/* NUL-terminates; true when everything fitted. */
bool jw_finish(json_writer *w);

#endif
