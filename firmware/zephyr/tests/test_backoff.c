#include "backoff.h"
#include "check.h"
#include "limits.h"

int main(void)
{
	/* Without jitter: 500, 1000, 2000, 4000, 8000, then the cap. */
	CHECK_INT(500, backoff_delay_ms(1, 0));
	CHECK_INT(1000, backoff_delay_ms(2, 0));
	CHECK_INT(2000, backoff_delay_ms(3, 0));
	CHECK_INT(4000, backoff_delay_ms(4, 0));
	CHECK_INT(8000, backoff_delay_ms(5, 0));
	CHECK_INT(8000, backoff_delay_ms(6, 0));
	CHECK_INT(8000, backoff_delay_ms(7, 0));
	CHECK_INT(8000, backoff_delay_ms(1000000, 0));

	/* Jitter stays within 10 % for every attempt and every random value. */
	for (uint32_t n = 1; n <= 12; n++) {
		uint32_t base = backoff_delay_ms(n, 0);
		uint32_t randoms[] = {1, 7, 49, 50, 51, 799, 800, 801, 0x7fffffffu, 0xffffffffu};

		for (size_t i = 0; i < sizeof(randoms) / sizeof(randoms[0]); i++) {
			uint32_t d = backoff_delay_ms(n, randoms[i]);

			CHECK(d >= base);
			CHECK(d <= base + base / 10);
		}
	}
	/* The largest jitter is reachable: 10 % of the capped delay. */
	CHECK_INT(RECONNECT_CAP_MS + RECONNECT_CAP_MS / 10,
		  backoff_delay_ms(9, RECONNECT_CAP_MS / 10));
	CHECK_DONE();
}
