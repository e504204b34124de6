/*
 * Stop messages (task_codec.h task_decode_stop), in every shape: the real manager's
 * {id, broadcast, proplet_id}, upstream's {id, name, state}, and whatever else arrives.
 * Accepted: an id that fits and is the rejection's id too. Refused: a reason, no result.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "task_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[MAX_ID_BYTES + 1];
	task_rejection rej;

	if (task_decode_stop((const char *)data, size, id, &rej)) {
		FUZZ_REQUIRE(size <= MAX_PAYLOAD_BYTES);
		FUZZ_REQUIRE(fuzz_terminated(id, sizeof(id)));
		FUZZ_REQUIRE(rej.id_known && strcmp(rej.id, id) == 0);
	} else {
		FUZZ_REQUIRE(fuzz_terminated(rej.reason, sizeof(rej.reason)) && rej.reason[0] != '\0');
		FUZZ_REQUIRE(!rej.id_known);
	}
	return 0;
}
