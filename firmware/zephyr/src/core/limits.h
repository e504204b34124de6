/*
 * The firmware's limits, CONTRACT.md §1. The harness and the virtual board rely on these
 * exact values; change them only together with the contract.
 */
#ifndef PROPLET_CORE_LIMITS_H
#define PROPLET_CORE_LIMITS_H

#define HEAP_POOL_BYTES 40960
#define STACK_BYTES 16384
#define APP_HEAP_BYTES 16384
#define TASK_SLOTS 4
#define MAX_INPUTS 16
#define MAX_PAYLOAD_BYTES 16384
#define MAX_NAME_BYTES 64
#define MAX_ID_BYTES 64
#define TASK_TIMEOUT_MS 10000
#define KEEPALIVE_S 30
#define ALIVE_S 10
#define METRICS_S 30
#define RECONNECT_BASE_MS 500
#define RECONNECT_CAP_MS 8000

/* Per-task overrides carried in a start message's env (CONTRACT.md §1). */
#define MIN_STACK_OVERRIDE_BYTES 1024
#define MAX_STACK_OVERRIDE_BYTES 16384
#define MAX_HEAP_OVERRIDE_BYTES 16384

/* A module arrives base64-encoded inside a payload of at most MAX_PAYLOAD_BYTES, so its
 * decoded size can never exceed three quarters of that. */
#define MAX_WASM_BYTES (MAX_PAYLOAD_BYTES / 4 * 3)

/* Our own bounds for texts the contract leaves open. */
#define MAX_IMAGE_URL_BYTES 255
#define MAX_RESULTS_TEXT_BYTES 255
#define MAX_LOG_TEXT_BYTES 255
#define MAX_ERROR_TEXT_BYTES 191

#endif
