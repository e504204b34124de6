/* MQTT topics `m/<tenant_id>/c/<channel_id>/<suffix>` (CONTRACT.md §3). */
#ifndef PROPLET_CORE_TOPICS_H
#define PROPLET_CORE_TOPICS_H

#include <stdbool.h>
#include <stddef.h>

#define TOPIC_BYTES 192

#define SUFFIX_START "control/manager/start"
#define SUFFIX_STOP "control/manager/stop"
#define SUFFIX_REGISTRY_IN "registry/server"
#define SUFFIX_REGISTRY_OUT "registry/proplet"
#define SUFFIX_CREATE "control/proplet/create"
#define SUFFIX_ALIVE "control/proplet/alive"
#define SUFFIX_RESULTS "control/proplet/results"
#define SUFFIX_METRICS "control/proplet/metrics"
#define SUFFIX_TASK_METRICS "control/proplet/task_metrics"

typedef enum {
	TOPIC_START,
	TOPIC_STOP,
	TOPIC_REGISTRY,
	TOPIC_UNKNOWN,
} topic_kind;

/* The subscriptions, in the order the contract requires after every connect. */
extern const char *const topic_subscriptions[3];

bool topic_build(char *out, size_t cap, const char *tenant, const char *channel,
		 const char *suffix);

/* Which of our subscriptions an incoming topic (not NUL-terminated) belongs to. */
topic_kind topic_classify(const char *topic, size_t len, const char *tenant,
			  const char *channel);

#endif
