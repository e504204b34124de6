#include "task_codec.h"

#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "json.h"

static void reject(task_rejection *rej, const char *reason, bool with_result)
{
	snprintf(rej->reason, sizeof(rej->reason), "%s", reason);
	rej->error[0] = '\0';
	if (with_result) {
		/* §4.3: the published error always reads `invalid task: <reason>`. */
		if (strncmp(reason, "invalid task: ", 14) == 0) {
			snprintf(rej->error, sizeof(rej->error), "%s", reason);
		} else {
			snprintf(rej->error, sizeof(rej->error), "invalid task: %s", reason);
		}
	} else {
		rej->id_known = false;
	}
}

void task_reject_oversize(size_t len, task_rejection *rej)
{
	char reason[REJECT_REASON_BYTES];

	rej->id_known = false;
	rej->id[0] = '\0';
	snprintf(reason, sizeof(reason), "payload too large (%zu > %d bytes)", len,
		 MAX_PAYLOAD_BYTES);
	reject(rej, reason, false);
}

/* Reads the id every message starts with; on failure the rejection carries no id. */
static bool read_id(const json_doc *doc, const json_val *root, char id[MAX_ID_BYTES + 1],
		    task_rejection *rej)
{
	json_val v;

	rej->id_known = false;
	rej->id[0] = '\0';
	if (root->kind != JSON_OBJECT || !json_member(doc, root, "id", &v) ||
	    v.kind != JSON_STRING) {
		reject(rej, "missing id", false);
		return false;
	}
	if (json_string(doc, &v, id, MAX_ID_BYTES + 1) < 0) {
		reject(rej, "id too long", false);
		return false;
	}
	rej->id_known = true;
	memcpy(rej->id, id, MAX_ID_BYTES + 1);
	return true;
}

static bool parse_root(const char *payload, size_t len, json_doc *doc, json_val *root,
		       task_rejection *rej)
{
	doc->text = payload;
	doc->len = len;
	rej->id_known = false;
	rej->id[0] = '\0';
	if (len > MAX_PAYLOAD_BYTES) {
		task_reject_oversize(len, rej);
		return false;
	}
	if (!json_validate(doc, root)) {
		reject(rej, "invalid JSON", false);
		return false;
	}
	return true;
}

/* A decimal string within [min, max]; anything else leaves the default in place. */
static void read_size_override(const json_doc *doc, const json_val *env, const char *key,
			       uint32_t min, uint32_t max, uint32_t *value)
{
	json_val v;
	char text[8];

	if (!json_member(doc, env, key, &v) || json_string(doc, &v, text, sizeof(text)) <= 0) {
		return;
	}
	uint32_t n = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return;
		}
		n = n * 10u + (uint32_t)(*p - '0');
	}
	if (n >= min && n <= max) {
		*value = n;
	}
}

/*
 * One input: a JSON number or a JSON string holding a decimal integer (the real manager
 * sends strings, `task.FlexStrings`), signed or unsigned 32-bit, kept as a two's-complement
 * i32. Fractions, exponents, signs other than a leading '-', spaces and values outside
 * [-2^31, 2^32 - 1] are refused rather than guessed at.
 */
static bool read_input(const json_doc *doc, const json_val *v, int32_t *out)
{
	char text[16];
	size_t n;

	if (v->kind == JSON_STRING) {
		long len = json_string(doc, v, text, sizeof(text));

		if (len <= 0) {
			return false;
		}
		n = (size_t)len;
	} else if (v->kind == JSON_NUMBER) {
		n = v->end - v->start;
		if (n >= sizeof(text)) {
			return false;
		}
		memcpy(text, doc->text + v->start, n);
		text[n] = '\0';
	} else {
		return false;
	}

	bool negative = text[0] == '-';
	size_t i = negative ? 1 : 0;
	uint64_t magnitude = 0;

	if (i == n || n - i > 10) {
		return false;
	}
	for (; i < n; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return false;
		}
		magnitude = magnitude * 10u + (uint64_t)(text[i] - '0');
	}
	if (negative ? magnitude > 2147483648u : magnitude > 4294967295u) {
		return false;
	}
	uint32_t bits = (uint32_t)magnitude;

	*out = (int32_t)(negative ? 0u - bits : bits);
	return true;
}

bool task_decode_start(const char *payload, size_t len, uint8_t *wasm, size_t wasm_cap,
		       task_start *out, task_rejection *rej)
{
	json_doc doc;
	json_val root, v;

	memset(out, 0, sizeof(*out));
	if (!parse_root(payload, len, &doc, &root, rej) || !read_id(&doc, &root, out->id, rej)) {
		return false;
	}
	if (!json_member(&doc, &root, "name", &v) || v.kind != JSON_STRING) {
		reject(rej, "invalid task: missing name", true);
		return false;
	}
	if (json_string(&doc, &v, out->name, sizeof(out->name)) < 0) {
		reject(rej, "name too long", true);
		return false;
	}

	json_val file, url, inputs;
	bool has_file = json_member(&doc, &root, "file", &file) && file.kind == JSON_STRING;
	bool has_url = json_member(&doc, &root, "image_url", &url) && url.kind == JSON_STRING &&
		       url.end - url.start > 2;

	if (!has_file && !has_url) {
		reject(rej, "invalid task: missing file or image_url", true);
		return false;
	}
	if (json_member(&doc, &root, "inputs", &inputs) && inputs.kind != JSON_NULL) {
		size_t cursor = 0;
		json_val elem;
		size_t count = 0;

		if (inputs.kind != JSON_ARRAY) {
			reject(rej, "invalid task: inputs must be a list", true);
			return false;
		}
		while (json_array_next(&doc, &inputs, &cursor, &elem)) {
			int32_t x;

			if (!read_input(&doc, &elem, &x)) {
				char reason[REJECT_REASON_BYTES];

				snprintf(reason, sizeof(reason),
					 "invalid task: input %zu is not a 32-bit integer", count);
				reject(rej, reason, true);
				return false;
			}
			if (count < MAX_INPUTS) {
				out->inputs[count] = x;
			}
			count++;
		}
		if (count > MAX_INPUTS) {
			reject(rej, "invalid task: more than 16 inputs", true);
			return false;
		}
		out->n_inputs = count;
	}
	if (has_file) {
		/* Base64 needs no JSON escapes (JSON encoders leave it as is): decode the raw text. */
		long n = base64_decode(payload + file.start + 1, file.end - file.start - 2, wasm,
				       wasm_cap);

		if (n < 0) {
			reject(rej, "invalid task: bad base64 in file", true);
			return false;
		}
		out->wasm_len = (size_t)n;
	} else {
		if (json_string(&doc, &url, out->image_url, sizeof(out->image_url)) < 0) {
			reject(rej, "invalid task: image_url too long", true);
			return false;
		}
		out->fetch = true;
	}

	out->stack_bytes = STACK_BYTES;
	out->heap_bytes = APP_HEAP_BYTES;
	if (json_member(&doc, &root, "env", &v) && v.kind == JSON_OBJECT) {
		read_size_override(&doc, &v, "PROPLET_STACK_SIZE", MIN_STACK_OVERRIDE_BYTES,
				   MAX_STACK_OVERRIDE_BYTES, &out->stack_bytes);
		read_size_override(&doc, &v, "PROPLET_HEAP_SIZE", 0, MAX_HEAP_OVERRIDE_BYTES,
				   &out->heap_bytes);
	}
	return true;
}

/* A string value's text, unescaped when it fits, else its raw characters cut to fit. */
static void copy_cut(const json_doc *doc, const json_val *v, char *out, size_t cap)
{
	if (json_string(doc, v, out, cap) >= 0) {
		return;
	}
	size_t n = v->end - v->start - 2;

	if (n > cap - 1) {
		n = cap - 1;
	}
	memcpy(out, doc->text + v->start + 1, n);
	out[n] = '\0';
}

bool task_for_other_proplet(const char *payload, size_t len, const char *self,
			    task_address *out)
{
	json_doc doc = {payload, len};
	json_val root, v;

	if (len > MAX_PAYLOAD_BYTES || !json_validate(&doc, &root) || root.kind != JSON_OBJECT ||
	    !json_member(&doc, &root, "proplet_id", &v) || v.kind != JSON_STRING ||
	    v.end - v.start <= 2) {
		return false;
	}
	/* A proplet id longer than MAX_ID_BYTES cannot be ours. */
	char named[MAX_ID_BYTES + 1];

	if (json_string(&doc, &v, named, sizeof(named)) >= 0 && strcmp(named, self) == 0) {
		return false;
	}
	copy_cut(&doc, &v, out->proplet_id, sizeof(out->proplet_id));
	if (json_member(&doc, &root, "id", &v) && v.kind == JSON_STRING) {
		copy_cut(&doc, &v, out->task_id, sizeof(out->task_id));
	} else {
		snprintf(out->task_id, sizeof(out->task_id), "-");
	}
	return true;
}

bool task_decode_stop(const char *payload, size_t len, char id[MAX_ID_BYTES + 1],
		      task_rejection *rej)
{
	json_doc doc;
	json_val root;

	return parse_root(payload, len, &doc, &root, rej) && read_id(&doc, &root, id, rej);
}

bool task_decode_registry(const char *payload, size_t len, uint8_t *wasm, size_t wasm_cap,
			  registry_answer *out)
{
	json_doc doc = {payload, len};
	json_val root, name, data;

	if (len > MAX_PAYLOAD_BYTES || !json_validate(&doc, &root) ||
	    !json_member(&doc, &root, "app_name", &name) ||
	    json_string(&doc, &name, out->app_name, sizeof(out->app_name)) < 0 ||
	    !json_member(&doc, &root, "data", &data) || data.kind != JSON_STRING) {
		return false;
	}
	long n = base64_decode(payload + data.start + 1, data.end - data.start - 2, wasm,
			       wasm_cap);

	if (n < 0) {
		return false;
	}
	out->wasm_len = (size_t)n;
	return true;
}
