#include "task_log.h"

#include <zephyr/logging/log.h>

#include "core/events.h"

/* A module of its own so the harness can tell a task's words from the firmware's. */
LOG_MODULE_REGISTER(task, LOG_LEVEL_INF);

void task_log_emit(const char *id, const char *text)
{
	LOG_INF(EVT_TASK_LOG, id, text);
}
