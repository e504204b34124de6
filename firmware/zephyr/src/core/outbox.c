#include "outbox.h"

#include <string.h>

void outbox_init(outbox *o)
{
	memset(o, 0, sizeof(*o));
}

bool outbox_put(outbox *o, uint8_t topic, const char *payload, size_t len)
{
	if (len > OUTBOX_PAYLOAD_BYTES) {
		return false;
	}
	for (size_t i = 0; i < OUTBOX_ENTRIES; i++) {
		outbox_entry *e = &o->entry[i];

		if (!e->used) {
			memset(e, 0, sizeof(*e));
			e->used = true;
			e->topic = topic;
			e->len = (uint16_t)len;
			memcpy(e->payload, payload, len);
			o->order[i] = o->next_order++;
			return true;
		}
	}
	return false;
}

outbox_entry *outbox_next_unsent(outbox *o)
{
	outbox_entry *oldest = NULL;
	uint32_t oldest_order = 0;

	for (size_t i = 0; i < OUTBOX_ENTRIES; i++) {
		outbox_entry *e = &o->entry[i];
		/* Orders are compared by distance so the counter may wrap. */
		uint32_t age = o->next_order - o->order[i];

		if (e->used && !e->sent && (oldest == NULL || age > oldest_order)) {
			oldest = e;
			oldest_order = age;
		}
	}
	return oldest;
}

void outbox_mark_sent(outbox_entry *e, uint16_t message_id)
{
	e->sent = true;
	e->message_id = message_id;
}

bool outbox_ack(outbox *o, uint16_t message_id)
{
	for (size_t i = 0; i < OUTBOX_ENTRIES; i++) {
		outbox_entry *e = &o->entry[i];

		if (e->used && e->sent && e->message_id == message_id) {
			e->used = false;
			return true;
		}
	}
	return false;
}

void outbox_resend_all(outbox *o)
{
	for (size_t i = 0; i < OUTBOX_ENTRIES; i++) {
		outbox_entry *e = &o->entry[i];

		if (e->used && e->sent) {
			e->sent = false;
			e->dup = true;
		}
	}
}

size_t outbox_count(const outbox *o)
{
	size_t n = 0;

	for (size_t i = 0; i < OUTBOX_ENTRIES; i++) {
		n += o->entry[i].used;
	}
	return n;
}
