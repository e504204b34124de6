/*
 * The proplet's MQTT client (CONTRACT.md §3, §5): MQTT 3.1.1 with keep-alive, persistent
 * session, QoS 1, the offline will, discovery and alive messages, and reconnection with
 * capped exponential backoff that subscribes again after every CONNACK.
 */
#ifndef PROPLET_MQTT_CLIENT_H
#define PROPLET_MQTT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/proplet_settings.h"

/* Where a queued message goes. */
enum outgoing_topic {
	OUT_RESULTS,
	OUT_FETCH,
	OUT_TASK_METRICS,
};

/* Runs the client for ever: connects, serves the manager, reconnects after every loss. */
void mqtt_client_run(const proplet_settings *settings, const char *ip, const uint8_t mac[6]);

/*
 * Queues a QoS 1 message; it is published as soon as the broker is connected, and again
 * after a reconnect until acknowledged.
 */
void mqtt_client_enqueue(enum outgoing_topic topic, const char *payload, size_t len);

/* Queues the task's control/proplet/task_metrics message (CONTRACT.md §3) when it ends. */
void mqtt_client_task_ended(const char *task_id, uint32_t run_ms);

#endif
