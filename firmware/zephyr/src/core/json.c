#include "json.h"

#include <string.h>

typedef struct {
	const char *s;
	size_t len;
	size_t pos;
} cursor_t;

static void skip_ws(cursor_t *c)
{
	while (c->pos < c->len) {
		char ch = c->s[c->pos];

		if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
			return;
		}
		c->pos++;
	}
}

static bool is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool scan_string(cursor_t *c)
{
	if (c->pos >= c->len || c->s[c->pos] != '"') {
		return false;
	}
	c->pos++;
	while (c->pos < c->len) {
		unsigned char ch = (unsigned char)c->s[c->pos];

		if (ch == '"') {
			c->pos++;
			return true;
		}
		if (ch < 0x20) {
			return false;
		}
		if (ch == '\\') {
			c->pos++;
			if (c->pos >= c->len) {
				return false;
			}
			char e = c->s[c->pos];

			if (e == 'u') {
				if (c->pos + 4 >= c->len) {
					return false;
				}
				for (int i = 1; i <= 4; i++) {
					if (!is_hex(c->s[c->pos + i])) {
						return false;
					}
				}
				c->pos += 4;
			} else if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') {
				return false;
			}
		}
		c->pos++;
	}
	return false;
}

static bool scan_number(cursor_t *c)
{
	if (c->pos < c->len && c->s[c->pos] == '-') {
		c->pos++;
	}
	if (c->pos >= c->len || !is_digit(c->s[c->pos])) {
		return false;
	}
	if (c->s[c->pos] == '0') {
		c->pos++;
	} else {
		while (c->pos < c->len && is_digit(c->s[c->pos])) {
			c->pos++;
		}
	}
	if (c->pos < c->len && c->s[c->pos] == '.') {
		c->pos++;
		if (c->pos >= c->len || !is_digit(c->s[c->pos])) {
			return false;
		}
		while (c->pos < c->len && is_digit(c->s[c->pos])) {
			c->pos++;
		}
	}
	if (c->pos < c->len && (c->s[c->pos] == 'e' || c->s[c->pos] == 'E')) {
		c->pos++;
		if (c->pos < c->len && (c->s[c->pos] == '+' || c->s[c->pos] == '-')) {
			c->pos++;
		}
		if (c->pos >= c->len || !is_digit(c->s[c->pos])) {
			return false;
		}
		while (c->pos < c->len && is_digit(c->s[c->pos])) {
			c->pos++;
		}
	}
	return true;
}

static bool scan_literal(cursor_t *c, const char *word)
{
	size_t n = strlen(word);

	if (c->len - c->pos < n || memcmp(c->s + c->pos, word, n) != 0) {
		return false;
	}
	c->pos += n;
	return true;
}

static bool scan_value(cursor_t *c, int depth, json_val *out);

static bool scan_container(cursor_t *c, int depth, char close, bool members)
{
	c->pos++;
	skip_ws(c);
	if (c->pos < c->len && c->s[c->pos] == close) {
		c->pos++;
		return true;
	}
	for (;;) {
		json_val ignored;

		if (members) {
			skip_ws(c);
			if (!scan_string(c)) {
				return false;
			}
			skip_ws(c);
			if (c->pos >= c->len || c->s[c->pos] != ':') {
				return false;
			}
			c->pos++;
		}
		if (!scan_value(c, depth + 1, &ignored)) {
			return false;
		}
		skip_ws(c);
		if (c->pos >= c->len) {
			return false;
		}
		if (c->s[c->pos] == ',') {
			c->pos++;
			continue;
		}
		if (c->s[c->pos] == close) {
			c->pos++;
			return true;
		}
		return false;
	}
}

static bool scan_value(cursor_t *c, int depth, json_val *out)
{
	if (depth > JSON_MAX_DEPTH) {
		return false;
	}
	skip_ws(c);
	if (c->pos >= c->len) {
		return false;
	}
	out->start = c->pos;
	bool ok;

	switch (c->s[c->pos]) {
	case '{':
		out->kind = JSON_OBJECT;
		ok = scan_container(c, depth, '}', true);
		break;
	case '[':
		out->kind = JSON_ARRAY;
		ok = scan_container(c, depth, ']', false);
		break;
	case '"':
		out->kind = JSON_STRING;
		ok = scan_string(c);
		break;
	case 't':
		out->kind = JSON_TRUE;
		ok = scan_literal(c, "true");
		break;
	case 'f':
		out->kind = JSON_FALSE;
		ok = scan_literal(c, "false");
		break;
	case 'n':
		out->kind = JSON_NULL;
		ok = scan_literal(c, "null");
		break;
	default:
		out->kind = JSON_NUMBER;
		ok = scan_number(c);
		break;
	}
	out->end = c->pos;
	return ok;
}

bool json_validate(const json_doc *doc, json_val *root)
{
	cursor_t c = {doc->text, doc->len, 0};

	if (!scan_value(&c, 0, root)) {
		return false;
	}
	skip_ws(&c);
	return c.pos == c.len;
}

/* Iteration re-scans an already validated document, so depth and syntax cannot fail. */
static bool next_in(const json_doc *doc, const json_val *container, size_t *cursor,
		    json_val *key, json_val *value)
{
	cursor_t c = {doc->text, container->end - 1, *cursor};

	if (*cursor == 0) {
		c.pos = container->start + 1;
	}
	skip_ws(&c);
	if (c.pos < c.len && doc->text[c.pos] == ',') {
		c.pos++;
		skip_ws(&c);
	}
	if (c.pos >= c.len) {
		return false;
	}
	if (key != NULL) {
		key->kind = JSON_STRING;
		key->start = c.pos;
		scan_string(&c);
		key->end = c.pos;
		skip_ws(&c);
		c.pos++; /* ':' */
	}
	if (!scan_value(&c, 0, value)) {
		return false;
	}
	*cursor = c.pos;
	return true;
}

bool json_array_next(const json_doc *doc, const json_val *arr, size_t *cursor, json_val *elem)
{
	return arr->kind == JSON_ARRAY && next_in(doc, arr, cursor, NULL, elem);
}

bool json_object_next(const json_doc *doc, const json_val *obj, size_t *cursor, json_val *key,
		      json_val *value)
{
	return obj->kind == JSON_OBJECT && next_in(doc, obj, cursor, key, value);
}

bool json_member(const json_doc *doc, const json_val *obj, const char *key, json_val *out)
{
	size_t cursor = 0;
	json_val k;

	while (json_object_next(doc, obj, &cursor, &k, out)) {
		if (json_string_eq(doc, &k, key)) {
			return true;
		}
	}
	return false;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	return ch - 'A' + 10;
}

static size_t put_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static uint32_t read_u16_escape(const char *p)
{
	return (uint32_t)((hex_value(p[0]) << 12) | (hex_value(p[1]) << 8) |
			  (hex_value(p[2]) << 4) | hex_value(p[3]));
}

long json_string(const json_doc *doc, const json_val *v, char *out, size_t cap)
{
	if (v->kind != JSON_STRING || cap == 0) {
		return -1;
	}
	size_t o = 0;
	size_t i = v->start + 1;
	size_t end = v->end - 1;

	while (i < end) {
		char tmp[4];
		size_t n = 1;
		char ch = doc->text[i];

		if (ch != '\\') {
			tmp[0] = ch;
			i++;
		} else {
			char e = doc->text[i + 1];

			i += 2;
			switch (e) {
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'n': tmp[0] = '\n'; break;
			case 'r': tmp[0] = '\r'; break;
			case 't': tmp[0] = '\t'; break;
			case 'u': {
				uint32_t cp = read_u16_escape(doc->text + i);

				i += 4;
				/* A surrogate pair encodes one code point above U+FFFF. */
				if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= end &&
				    doc->text[i] == '\\' && doc->text[i + 1] == 'u') {
					uint32_t lo = read_u16_escape(doc->text + i + 2);

					if (lo >= 0xDC00 && lo <= 0xDFFF) {
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						i += 6;
					}
				}
				n = put_utf8(cp, tmp);
				break;
			}
			default: tmp[0] = e; break;
			}
		}
		if (o + n >= cap) {
			return -1;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	return (long)o;
}

bool json_string_eq(const json_doc *doc, const json_val *v, const char *s)
{
	char buf[256];
	long n = json_string(doc, v, buf, sizeof(buf));

	return n >= 0 && strcmp(buf, s) == 0;
}

bool json_int32_mod(const json_doc *doc, const json_val *v, int32_t *out)
{
	if (v->kind != JSON_NUMBER) {
		return false;
	}
	size_t i = v->start;
	bool negative = doc->text[i] == '-';
	uint32_t acc = 0;

	if (negative) {
		i++;
	}
	for (; i < v->end; i++) {
		char ch = doc->text[i];

		if (!is_digit(ch)) {
			return false;
		}
		/* Unsigned arithmetic wraps modulo 2^32, which is the reduction we want. */
		acc = acc * 10u + (uint32_t)(ch - '0');
	}
	if (negative) {
		acc = 0u - acc;
	}
	*out = (int32_t)acc;
	return true;
}

void jw_init(json_writer *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = cap == 0;
}

static void jw_putc(json_writer *w, char ch)
{
	/* Keep one byte for the terminating NUL. */
	if (w->overflow || w->len + 1 >= w->cap) {
		w->overflow = true;
		return;
	}
	w->buf[w->len++] = ch;
}

void jw_raw(json_writer *w, const char *s)
{
	while (*s != '\0') {
		jw_putc(w, *s++);
	}
}

void jw_str(json_writer *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	jw_putc(w, '"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '"': jw_raw(w, "\\\""); break;
		case '\\': jw_raw(w, "\\\\"); break;
		case '\n': jw_raw(w, "\\n"); break;
		case '\r': jw_raw(w, "\\r"); break;
		case '\t': jw_raw(w, "\\t"); break;
		default:
			if (ch < 0x20) {
				jw_raw(w, "\\u00");
				jw_putc(w, hex[ch >> 4]);
				jw_putc(w, hex[ch & 0xF]);
			} else {
				jw_putc(w, (char)ch);
			}
		}
	}
	jw_putc(w, '"');
}

void jw_uint(json_writer *w, uint32_t v)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0);
	while (n > 0) {
		jw_putc(w, digits[--n]);
	}
}

void jw_key(json_writer *w, const char *key)
{
	jw_str(w, key);
	jw_putc(w, ':');
}

bool jw_finish(json_writer *w)
{
	if (w->cap > 0) {
		w->buf[w->len < w->cap ? w->len : w->cap - 1] = '\0';
	}
	return !w->overflow;
}
