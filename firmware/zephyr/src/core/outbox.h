/*
 * Messages waiting to be published at QoS 1 (results, fetch requests). A message stays here
 * until the broker's PUBACK, so results produced while the broker is away, or sent but not
 * acknowledged before a loss, are published after the reconnect (CONTRACT.md §5). Zephyr's
 * MQTT library keeps no such store itself.
 */
#ifndef PROPLET_CORE_OUTBOX_H
#define PROPLET_CORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OUTBOX_ENTRIES 8
#define OUTBOX_PAYLOAD_BYTES 640

typedef struct {
	bool used;
	bool sent;
	/* Set when the entry goes out again after a reconnect (MQTT DUP flag). */
	bool dup;
	uint16_t message_id;
	/* The caller's tag for the topic to publish on. */
	uint8_t topic;
	uint16_t len;
	char payload[OUTBOX_PAYLOAD_BYTES];
} outbox_entry;

typedef struct {
	outbox_entry entry[OUTBOX_ENTRIES];
	/* Entries are sent in the order they were queued. */
	uint32_t order[OUTBOX_ENTRIES];
	uint32_t next_order;
} outbox;

void outbox_init(outbox *o);

/* Queues a payload for `topic`; false when it is too large or the outbox is full. */
bool outbox_put(outbox *o, uint8_t topic, const char *payload, size_t len);

/* The oldest entry not sent on the current connection, or NULL. */
outbox_entry *outbox_next_unsent(outbox *o);

void outbox_mark_sent(outbox_entry *e, uint16_t message_id);

/* Drops the entry acknowledged by a PUBACK; false when no entry has that id. */
bool outbox_ack(outbox *o, uint16_t message_id);

/* After a reconnect: everything unacknowledged goes out again, flagged DUP if it went before. */
void outbox_resend_all(outbox *o);

size_t outbox_count(const outbox *o);

#endif
