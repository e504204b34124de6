/*
 * Topics (topics.h). The input is `<tenant>\n<channel>\n<topic>`: an incoming topic is
 * classified as one of our subscriptions only when it is exactly that topic, every topic
 * we build is classified as what we built it for, and a short buffer is refused whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "topics.h"

/* The next `\n`-separated field, NUL-terminated in its own allocation. */
static char *field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = (size_t)((nl != NULL ? nl : end) - *p);
	char *s = malloc(n + 1);

	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nl != NULL ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const topic_kind kinds[3] = {TOPIC_START, TOPIC_STOP, TOPIC_REGISTRY};
	const uint8_t *p = data;
	const uint8_t *end = data + size;
	char *tenant = field(&p, end);
	char *channel = field(&p, end);
	size_t topic_len = (size_t)(end - p);
	char *topic = malloc(topic_len > 0 ? topic_len : 1);
	char built[TOPIC_BYTES];

	memcpy(topic, p, topic_len);
	topic_kind kind = topic_classify(topic, topic_len, tenant, channel);

	if (kind != TOPIC_UNKNOWN) {
		FUZZ_REQUIRE(topic_build(built, sizeof(built), tenant, channel,
					 topic_subscriptions[kind]));
		FUZZ_REQUIRE(strlen(built) == topic_len && memcmp(built, topic, topic_len) == 0);
	}
	for (size_t i = 0; i < 3; i++) {
		if (topic_build(built, sizeof(built), tenant, channel, topic_subscriptions[i])) {
			FUZZ_REQUIRE(topic_classify(built, strlen(built), tenant, channel) == kinds[i]);
		}
	}

	/* Any capacity: the topic fits whole, or false and still NUL-terminated. */
	size_t cap = size > 0 ? data[size - 1] % TOPIC_BYTES : 0;
	char *tight = malloc(cap > 0 ? cap : 1);
	bool fits = topic_build(tight, cap, tenant, channel, SUFFIX_START);

	FUZZ_REQUIRE(cap == 0 || fuzz_terminated(tight, cap));
	FUZZ_REQUIRE(!fits || strlen(tight) == strlen(tenant) + strlen(channel) + 6 +
						   strlen(SUFFIX_START));

	free(tight);
	free(topic);
	free(channel);
	free(tenant);
	return 0;
}
