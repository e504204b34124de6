/* Reconnect backoff, CONTRACT.md §5. */
#ifndef PROPLET_CORE_BACKOFF_H
#define PROPLET_CORE_BACKOFF_H

#include <stdint.h>

/*
 * Delay before reconnect attempt `attempt` (1, 2, …):
 * min(RECONNECT_BASE_MS × 2^(attempt−1), RECONNECT_CAP_MS) plus a jitter of up to 10 %
 * drawn from `random` (any 32-bit value), so a fleet does not reconnect in lockstep.
 */
uint32_t backoff_delay_ms(uint32_t attempt, uint32_t random);

#endif
