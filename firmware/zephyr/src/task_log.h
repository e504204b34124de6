/* The `task` log module: what WASM tasks print through `proplet_log` (CONTRACT.md §2.1). */
#ifndef PROPLET_TASK_LOG_H
#define PROPLET_TASK_LOG_H

void task_log_emit(const char *id, const char *text);

#endif
