#include "check.h"
#include "topics.h"

static topic_kind classify(const char *topic)
{
	return topic_classify(topic, strlen(topic), "ten", "chan");
}

int main(void)
{
	char buf[TOPIC_BYTES];

	CHECK(topic_build(buf, sizeof(buf), "ten", "chan", SUFFIX_RESULTS));
	CHECK_STR("m/ten/c/chan/control/proplet/results", buf);
	CHECK(!topic_build(buf, 10, "ten", "chan", SUFFIX_RESULTS));

	CHECK_STR("control/manager/start", topic_subscriptions[0]);
	CHECK_STR("control/manager/stop", topic_subscriptions[1]);
	CHECK_STR("registry/server", topic_subscriptions[2]);

	CHECK_INT(TOPIC_START, classify("m/ten/c/chan/control/manager/start"));
	CHECK_INT(TOPIC_STOP, classify("m/ten/c/chan/control/manager/stop"));
	CHECK_INT(TOPIC_REGISTRY, classify("m/ten/c/chan/registry/server"));
	CHECK_INT(TOPIC_UNKNOWN, classify("m/ten/c/other/control/manager/start"));
	CHECK_INT(TOPIC_UNKNOWN, classify("m/ten/c/chan/control/manager/start/x"));
	/* Incoming topics are not NUL-terminated: only `len` bytes count. */
	CHECK_INT(TOPIC_START,
		  topic_classify("m/ten/c/chan/control/manager/startGARBAGE", 34, "ten", "chan"));
	CHECK_DONE();
}
