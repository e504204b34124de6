#include "backoff.h"

#include "limits.h"

uint32_t backoff_delay_ms(uint32_t attempt, uint32_t random)
{
	uint32_t delay = RECONNECT_CAP_MS;

	/* Past 2^5 the cap has long been reached; stopping there also avoids overflow. */
	if (attempt >= 1 && attempt <= 6) {
		uint32_t grown = RECONNECT_BASE_MS << (attempt - 1);

		delay = grown < RECONNECT_CAP_MS ? grown : RECONNECT_CAP_MS;
	} else if (attempt == 0) {
		delay = RECONNECT_BASE_MS;
	}
	return delay + random % (delay / 10 + 1);
}
