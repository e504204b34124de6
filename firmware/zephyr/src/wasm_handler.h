/*
 * The WASM handler: WAMR on one global heap pool, a table of TASK_SLOTS tasks, each run in
 * its own thread (CONTRACT.md §4). All functions are called from the MQTT thread; the task
 * threads only report back through the handler's own queue.
 */
#ifndef PROPLET_WASM_HANDLER_H
#define PROPLET_WASM_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/messages.h"

/* Starts WAMR on the global pool and registers the host functions; logs wasm.ready, heap. */
int wasm_handler_init(void);

/* The watchdog for every task from now on (setting `task_timeout_ms`). */
void wasm_handler_set_timeout(uint32_t task_timeout_ms);

/* Incoming manager messages; `payload` holds at most MAX_PAYLOAD_BYTES. */
void wasm_handler_on_start(const char *payload, size_t len);
void wasm_handler_on_stop(const char *payload, size_t len);
/* False when the answer matches no pending fetch. */
bool wasm_handler_on_registry(const char *payload, size_t len);
/* A start or stop payload over MAX_PAYLOAD_BYTES, discarded unread. */
void wasm_handler_on_oversize(size_t len);

/* Ends the tasks whose threads are done and fires due watchdogs; call often. */
void wasm_handler_poll(void);

void wasm_handler_metrics(metrics_info *out);

#endif
