#include "topics.h"

#include <stdio.h>
#include <string.h>

const char *const topic_subscriptions[3] = {SUFFIX_START, SUFFIX_STOP, SUFFIX_REGISTRY_IN};

bool topic_build(char *out, size_t cap, const char *tenant, const char *channel,
		 const char *suffix)
{
	int n = snprintf(out, cap, "m/%s/c/%s/%s", tenant, channel, suffix);

	return n >= 0 && (size_t)n < cap;
}

topic_kind topic_classify(const char *topic, size_t len, const char *tenant,
			  const char *channel)
{
	static const topic_kind kinds[3] = {TOPIC_START, TOPIC_STOP, TOPIC_REGISTRY};
	char expected[TOPIC_BYTES];

	for (size_t i = 0; i < 3; i++) {
		if (topic_build(expected, sizeof(expected), tenant, channel,
				topic_subscriptions[i]) &&
		    strlen(expected) == len && memcmp(expected, topic, len) == 0) {
			return kinds[i];
		}
	}
	return TOPIC_UNKNOWN;
}
