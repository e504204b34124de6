/*
 * Registry answers (task_codec.h task_decode_registry): {app_name, data}, upstream's
 * chunked {app_name, chunk_idx, total_chunks, data}, or anything. Accepted: a module that
 * fits the decode buffer and a name that fits its field.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_check.h"
#include "task_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *wasm = malloc(MAX_WASM_BYTES);
	registry_answer answer;

	if (task_decode_registry((const char *)data, size, wasm, MAX_WASM_BYTES, &answer)) {
		FUZZ_REQUIRE(size <= MAX_PAYLOAD_BYTES);
		FUZZ_REQUIRE(answer.wasm_len <= MAX_WASM_BYTES);
		FUZZ_REQUIRE(fuzz_terminated(answer.app_name, sizeof(answer.app_name)));
	}
	free(wasm);
	return 0;
}
