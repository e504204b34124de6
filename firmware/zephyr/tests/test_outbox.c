#include "check.h"
#include "outbox.h"

static bool put(outbox *o, const char *s)
{
	return outbox_put(o, 1, s, strlen(s));
}

int main(void)
{
	outbox o;
	outbox_entry *e;

	outbox_init(&o);
	CHECK(outbox_next_unsent(&o) == NULL);
	CHECK(outbox_put(&o, 7, "first", 5));
	CHECK(put(&o, "second"));
	CHECK_INT(2, outbox_count(&o));

	/* Oldest first. */
	e = outbox_next_unsent(&o);
	CHECK(e != NULL && e->len == 5 && memcmp(e->payload, "first", 5) == 0);
	CHECK(e != NULL && e->topic == 7);
	outbox_mark_sent(e, 11);
	e = outbox_next_unsent(&o);
	CHECK(e != NULL && memcmp(e->payload, "second", 6) == 0);
	outbox_mark_sent(e, 12);
	CHECK(outbox_next_unsent(&o) == NULL);

	/* A PUBACK removes exactly its entry. */
	CHECK(outbox_ack(&o, 11));
	CHECK(!outbox_ack(&o, 11));
	CHECK(!outbox_ack(&o, 99));
	CHECK_INT(1, outbox_count(&o));

	/* After a loss the unacknowledged entry goes out again, as a duplicate, with its id. */
	CHECK(put(&o, "third"));
	outbox_resend_all(&o);
	e = outbox_next_unsent(&o);
	CHECK(e != NULL && memcmp(e->payload, "second", 6) == 0);
	CHECK(e->dup);
	CHECK_INT(12, e->message_id);
	outbox_mark_sent(e, e->message_id);
	e = outbox_next_unsent(&o);
	CHECK(e != NULL && memcmp(e->payload, "third", 5) == 0);
	CHECK(!e->dup);

	/* Full and oversize are refused, not overwritten. */
	outbox_init(&o);
	for (int i = 0; i < OUTBOX_ENTRIES; i++) {
		CHECK(put(&o, "x"));
	}
	CHECK(!put(&o, "overflow"));
	static char big[OUTBOX_PAYLOAD_BYTES + 1];

	outbox_init(&o);
	CHECK(!outbox_put(&o, 1, big, sizeof(big)));
	CHECK(outbox_put(&o, 1, big, OUTBOX_PAYLOAD_BYTES));

	/* Order survives slot reuse: a later entry in an earlier slot still goes last. */
	outbox_init(&o);
	CHECK(put(&o, "a"));
	CHECK(put(&o, "b"));
	e = outbox_next_unsent(&o);
	outbox_mark_sent(e, 1);
	CHECK(outbox_ack(&o, 1));
	CHECK(put(&o, "c"));
	e = outbox_next_unsent(&o);
	CHECK(e != NULL && e->payload[0] == 'b');
	CHECK_DONE();
}
