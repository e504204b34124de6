/* The JSON payloads the proplet publishes (CONTRACT.md §3), written into caller buffers. */
#ifndef PROPLET_CORE_MESSAGES_H
#define PROPLET_CORE_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *proplet_id;
	const char *ip;
	const uint8_t *mac; /* 6 bytes */
	const char *version;
} discovery_info;

typedef struct {
	uint32_t used, free, high, total;
	uint32_t running, finished, failed;
} metrics_info;

/* The i32 results of `main`, comma-separated in decimal: "5", "-1,2", "" for none. */
bool format_results_csv(const int32_t *values, size_t n, char *out, size_t cap);

/* {"task_id","results"} or, when `error` is not NULL, {"task_id","results":"","error"}. */
bool msg_result(char *out, size_t cap, const char *task_id, const char *results,
		const char *error);

/* {"status":"alive"|"offline","proplet_id","namespace":"embedded"} */
bool msg_alive(char *out, size_t cap, const char *proplet_id, bool alive);

bool msg_discovery(char *out, size_t cap, const discovery_info *info);

/*
 * control/proplet/metrics in the shape the real manager stores (`handlePropletMetrics`):
 * {proplet_id, namespace, timestamp?, cpu_metrics{}, memory_metrics{rss_bytes,
 * heap_alloc_bytes, heap_sys_bytes, heap_inuse_bytes, heap_free_bytes, heap_high_bytes},
 * tasks{running, finished, failed}}. The heap is WAMR's pool. `timestamp` (RFC 3339) is left
 * out when NULL: without a wall clock the manager stamps the arrival time instead.
 */
bool msg_metrics(char *out, size_t cap, const char *proplet_id, const char *timestamp,
		 const metrics_info *m);

/* What the proplet knows about one task when it ends. */
typedef struct {
	uint32_t run_ms;
} task_metrics_info;

/*
 * control/proplet/task_metrics as the manager reads it (`handleTaskMetrics`):
 * {task_id, proplet_id, timestamp?, metrics{uptime_seconds, thread_count}}.
 */
bool msg_task_metrics(char *out, size_t cap, const char *task_id, const char *proplet_id,
		      const char *timestamp, const task_metrics_info *t);

/* {"app_name":"<image_url>"}: asks the registry for a module. */
bool msg_fetch(char *out, size_t cap, const char *image_url);

#endif
