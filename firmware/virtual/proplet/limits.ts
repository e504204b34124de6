/** The firmware's limits, CONTRACT.md §1. */
export const HEAP_POOL_BYTES = 40960;
export const STACK_BYTES = 16384;
export const APP_HEAP_BYTES = 16384;
export const TASK_SLOTS = 4;
export const MAX_INPUTS = 16;
export const MAX_PAYLOAD_BYTES = 16384;
export const MAX_NAME_BYTES = 64;
export const TASK_TIMEOUT_MS = 10000;
export const KEEPALIVE_S = 30;
export const ALIVE_S = 10;
export const METRICS_S = 30;
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_CAP_MS = 8000;
export const ZEPHYR_VERSION = 'v4.0.0';
