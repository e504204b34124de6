#include "messages.h"

#include <stdio.h>

#include "json.h"
#include "limits.h"

bool format_results_csv(const int32_t *values, size_t n, char *out, size_t cap)
{
	size_t len = 0;

	if (cap == 0) {
		return false;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + len, cap - len, i == 0 ? "%ld" : ",%ld", (long)values[i]);

		if (w < 0 || (size_t)w >= cap - len) {
			return false;
		}
		len += (size_t)w;
	}
	return true;
}

/* One string member, after `before` (the object's "{" or a ","). */
static void jw_member_str(json_writer *w, const char *before, const char *key, const char *value)
{
	jw_raw(w, before);
	jw_key(w, key);
	jw_str(w, value);
}

bool msg_result(char *out, size_t cap, const char *task_id, const char *results,
		const char *error)
{
	json_writer w;

	jw_init(&w, out, cap);
	jw_member_str(&w, "{", "task_id", task_id);
	jw_member_str(&w, ",", "results", error != NULL ? "" : results);
	if (error != NULL) {
		jw_member_str(&w, ",", "error", error);
	}
	jw_raw(&w, "}");
	return jw_finish(&w);
}

bool msg_alive(char *out, size_t cap, const char *proplet_id, bool alive)
{
	json_writer w;

	jw_init(&w, out, cap);
	jw_member_str(&w, "{", "status", alive ? "alive" : "offline");
	jw_member_str(&w, ",", "proplet_id", proplet_id);
	jw_raw(&w, ",\"namespace\":\"embedded\"}");
	return jw_finish(&w);
}

bool msg_discovery(char *out, size_t cap, const discovery_info *info)
{
	json_writer w;
	char hostname[32];

	snprintf(hostname, sizeof(hostname), "proplet-%02x%02x%02x", info->mac[3], info->mac[4],
		 info->mac[5]);
	jw_init(&w, out, cap);
	jw_member_str(&w, "{", "proplet_id", info->proplet_id);
	jw_raw(&w, ",\"namespace\":\"embedded\",\"metadata\":{"
		   "\"description\":\"Propeller embedded proplet\","
		   "\"tags\":[\"esp32s3\",\"zephyr\",\"wamr\"],\"location\":\"\"");
	jw_member_str(&w, ",", "ip", info->ip);
	jw_raw(&w, ",\"environment\":\"embedded\",\"os\":\"zephyr\"");
	jw_member_str(&w, ",", "hostname", hostname);
	jw_raw(&w, ",\"cpu_arch\":\"xtensa\",");
	jw_key(&w, "total_memory_bytes");
	jw_uint(&w, HEAP_POOL_BYTES);
	jw_member_str(&w, ",", "proplet_version", info->version);
	jw_raw(&w, ",\"wasm_runtime\":\"wamr\"}}");
	return jw_finish(&w);
}

static void jw_field_uint(json_writer *w, const char *key, uint32_t v, bool last)
{
	jw_key(w, key);
	jw_uint(w, v);
	jw_raw(w, last ? "}" : ",");
}

static void jw_timestamp(json_writer *w, const char *timestamp)
{
	if (timestamp != NULL) {
		jw_member_str(w, ",", "timestamp", timestamp);
	}
}

bool msg_metrics(char *out, size_t cap, const char *proplet_id, const char *timestamp,
		 const metrics_info *m)
{
	json_writer w;

	jw_init(&w, out, cap);
	jw_member_str(&w, "{", "proplet_id", proplet_id);
	jw_raw(&w, ",\"namespace\":\"embedded\"");
	jw_timestamp(&w, timestamp);
	/* No CPU accounting on the board: an empty object, which the manager stores as zeros. */
	jw_raw(&w, ",\"cpu_metrics\":{},\"memory_metrics\":{");
	/* The pool is all the memory a task can have: resident, allocated and in use alike. */
	jw_field_uint(&w, "rss_bytes", m->used, false);
	jw_field_uint(&w, "heap_alloc_bytes", m->used, false);
	jw_field_uint(&w, "heap_sys_bytes", m->total, false);
	jw_field_uint(&w, "heap_inuse_bytes", m->used, false);
	jw_field_uint(&w, "heap_free_bytes", m->free, false);
	jw_field_uint(&w, "heap_high_bytes", m->high, true);
	jw_raw(&w, ",\"tasks\":{");
	jw_field_uint(&w, "running", m->running, false);
	jw_field_uint(&w, "finished", m->finished, false);
	jw_field_uint(&w, "failed", m->failed, true);
	jw_raw(&w, "}");
	return jw_finish(&w);
}

bool msg_task_metrics(char *out, size_t cap, const char *task_id, const char *proplet_id,
		      const char *timestamp, const task_metrics_info *t)
{
	json_writer w;

	jw_init(&w, out, cap);
	jw_member_str(&w, "{", "task_id", task_id);
	jw_member_str(&w, ",", "proplet_id", proplet_id);
	jw_timestamp(&w, timestamp);
	jw_raw(&w, ",\"metrics\":{");
	/* The manager reads whole seconds; a task runs in one thread of its own. */
	jw_field_uint(&w, "uptime_seconds", t->run_ms / 1000u, false);
	jw_field_uint(&w, "thread_count", 1, true);
	jw_raw(&w, "}");
	return jw_finish(&w);
}

bool msg_fetch(char *out, size_t cap, const char *image_url)
{
	json_writer w;

	jw_init(&w, out, cap);
	jw_member_str(&w, "{", "app_name", image_url);
	jw_raw(&w, "}");
	return jw_finish(&w);
}
