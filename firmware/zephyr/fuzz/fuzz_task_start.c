/*
 * Start messages (task_codec.h task_decode_start): whatever arrives, the decoder either
 * accepts a task that keeps every limit of CONTRACT.md §1 or rejects it with a reason, and
 * an error result exactly when the id is known (§4.3). The payload is the exact bytes
 * libFuzzer allocated, with no NUL after them, as the MQTT client hands them over.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "task_codec.h"

static void check_rejection(const task_rejection *rej)
{
	FUZZ_REQUIRE(fuzz_terminated(rej->reason, sizeof(rej->reason)) && rej->reason[0] != '\0');
	FUZZ_REQUIRE(fuzz_terminated(rej->error, sizeof(rej->error)));
	if (rej->id_known) {
		FUZZ_REQUIRE(fuzz_terminated(rej->id, sizeof(rej->id)));
		FUZZ_REQUIRE(strncmp(rej->error, "invalid task: ", 14) == 0);
	} else {
		FUZZ_REQUIRE(rej->error[0] == '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly the firmware's decode buffer, on the heap so ASan sees every byte past it. */
	uint8_t *wasm = malloc(MAX_WASM_BYTES);
	task_start task;
	task_rejection rej;

	if (task_decode_start((const char *)data, size, wasm, MAX_WASM_BYTES, &task, &rej)) {
		FUZZ_REQUIRE(size <= MAX_PAYLOAD_BYTES);
		FUZZ_REQUIRE(fuzz_terminated(task.id, sizeof(task.id)));
		FUZZ_REQUIRE(fuzz_terminated(task.name, sizeof(task.name)));
		FUZZ_REQUIRE(task.n_inputs <= MAX_INPUTS);
		FUZZ_REQUIRE(task.wasm_len <= MAX_WASM_BYTES);
		FUZZ_REQUIRE(task.stack_bytes >= MIN_STACK_OVERRIDE_BYTES &&
			     task.stack_bytes <= MAX_STACK_OVERRIDE_BYTES);
		FUZZ_REQUIRE(task.heap_bytes <= MAX_HEAP_OVERRIDE_BYTES);
		if (task.fetch) {
			FUZZ_REQUIRE(task.wasm_len == 0);
			FUZZ_REQUIRE(fuzz_terminated(task.image_url, sizeof(task.image_url)));
			FUZZ_REQUIRE(task.image_url[0] != '\0');
		}
		/* The decoder keeps no state: the same bytes give the same task. */
		task_start again;

		FUZZ_REQUIRE(task_decode_start((const char *)data, size, wasm, MAX_WASM_BYTES,
					       &again, &rej));
		FUZZ_REQUIRE(strcmp(again.id, task.id) == 0 && again.wasm_len == task.wasm_len &&
			     again.n_inputs == task.n_inputs);
	} else {
		check_rejection(&rej);
	}
	free(wasm);
	return 0;
}
