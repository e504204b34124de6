/*
 * Decoding of the manager's messages (start, stop, registry answer) and the rejection rules
 * of CONTRACT.md §4.1 and §4.3. Checks run in this order, the first failing one wins (the
 * virtual board's model, firmware/virtual/proplet/taskMessage.ts, keeps the same order):
 * payload size, JSON syntax, id (missing / too long), name (missing / too long), file or
 * image_url present, inputs being integers, number of inputs, base64 of file. The task
 * table's checks (id in use, free slot) come after, in wasm_handler.c.
 */
#ifndef PROPLET_CORE_TASK_CODEC_H
#define PROPLET_CORE_TASK_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

#define REJECT_REASON_BYTES 96

/* Why a message was not used: `reason` is logged as task.rejected; when `id_known`, the
 * error result `error` is published for that id as well. */
typedef struct {
	bool id_known;
	char id[MAX_ID_BYTES + 1];
	char reason[REJECT_REASON_BYTES];
	char error[REJECT_REASON_BYTES];
} task_rejection;

typedef struct {
	char id[MAX_ID_BYTES + 1];
	char name[MAX_NAME_BYTES + 1];
	/* Decoded module; 0 bytes when the module is to be fetched by image_url. */
	size_t wasm_len;
	bool fetch;
	char image_url[MAX_IMAGE_URL_BYTES + 1];
	int32_t inputs[MAX_INPUTS];
	size_t n_inputs;
	uint32_t stack_bytes;
	uint32_t heap_bytes;
} task_start;

typedef struct {
	char app_name[MAX_IMAGE_URL_BYTES + 1];
	size_t wasm_len;
} registry_answer;

/* Decodes a start message; the module is written to `wasm` (MAX_WASM_BYTES suffice). */
bool task_decode_start(const char *payload, size_t len, uint8_t *wasm, size_t wasm_cap,
		       task_start *out, task_rejection *rej);

/*
 * Whom a start or stop message is for. The real manager names the proplet it scheduled the
 * task on in `proplet_id` and publishes to every proplet on the channel; a broadcast names
 * none. Upstream's proplets ignore a message addressed to another proplet, and so does ours.
 */
typedef struct {
	/* The message's task id, or "-" when it has none (for the log line). */
	char task_id[MAX_ID_BYTES + 1];
	/* The proplet named, cut to MAX_ID_BYTES. */
	char proplet_id[MAX_ID_BYTES + 1];
} task_address;

/*
 * True when the payload is a JSON object whose `proplet_id` is a non-empty string other than
 * `self`; `out` then says which task and proplet. False for everything else (no or empty
 * `proplet_id`, not JSON, oversize): such a message goes on to the decoders below.
 */
bool task_for_other_proplet(const char *payload, size_t len, const char *self,
			    task_address *out);

/* Decodes a stop message: only its id matters (the manager's `{id, broadcast, proplet_id}`
 * and upstream firmware's `{id, name, state}` both qualify). */
bool task_decode_stop(const char *payload, size_t len, char id[MAX_ID_BYTES + 1],
		      task_rejection *rej);

/* Decodes a registry answer `{"app_name","data"}`; false when it is unusable. */
bool task_decode_registry(const char *payload, size_t len, uint8_t *wasm, size_t wasm_cap,
			  registry_answer *out);

/* The rejection for a payload over MAX_PAYLOAD_BYTES, which is discarded unread. */
void task_reject_oversize(size_t len, task_rejection *rej);

#endif
