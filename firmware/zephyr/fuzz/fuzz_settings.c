/*
 * The settings parser (proplet_settings.h), fed as Zephyr's settings subsystem feeds it
 * (credentials.c): a sequence of `<name>=<value>` records, one per `\n`, as stored under
 * `proplet/`. Every field stays a C string in its array, numbers stay in their ranges, a
 * key is present exactly when its last value was usable, and the list of missing keys is a
 * whole-name prefix of the complete list, whatever buffer it is written into.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "proplet_settings.h"

static void check_fields(const proplet_settings *s)
{
	FUZZ_REQUIRE(fuzz_terminated(s->wifi_ssid, sizeof(s->wifi_ssid)));
	FUZZ_REQUIRE(fuzz_terminated(s->wifi_psk, sizeof(s->wifi_psk)));
	FUZZ_REQUIRE(fuzz_terminated(s->proplet_id, sizeof(s->proplet_id)));
	FUZZ_REQUIRE(fuzz_terminated(s->api_key, sizeof(s->api_key)));
	FUZZ_REQUIRE(fuzz_terminated(s->tenant_id, sizeof(s->tenant_id)));
	FUZZ_REQUIRE(fuzz_terminated(s->channel_id, sizeof(s->channel_id)));
	FUZZ_REQUIRE(fuzz_terminated(s->mqtt_broker_host, sizeof(s->mqtt_broker_host)));
	FUZZ_REQUIRE(s->keepalive_s >= 1 && s->keepalive_s <= 65535);
	FUZZ_REQUIRE(s->alive_s >= 1 && s->alive_s <= 86400);
	FUZZ_REQUIRE(s->task_timeout_ms >= 1 && s->task_timeout_ms <= 86400000);
	FUZZ_REQUIRE((s->present & (1u << KEY_MQTT_BROKER_PORT)) == 0 || s->mqtt_broker_port >= 1);
	FUZZ_REQUIRE(s->present >> KEY_COUNT == 0);
}

static void check_missing(const proplet_settings *s, const uint8_t *data, size_t size)
{
	char full[256];
	bool wifi = size > 0 && (data[0] & 1) != 0;
	size_t count = settings_missing(s, wifi, full, sizeof(full));
	size_t commas = 0;

	for (const char *c = full; *c != '\0'; c++) {
		commas += *c == ',';
	}
	FUZZ_REQUIRE(count == 0 ? full[0] == '\0' : commas + 1 == count);

	size_t cap = size > 1 ? data[1] % (strlen(full) + 2) : 0;
	char *tight = malloc(cap > 0 ? cap : 1);

	FUZZ_REQUIRE(settings_missing(s, wifi, tight, cap) == count);
	if (cap > 0) {
		size_t n = strnlen(tight, cap);

		FUZZ_REQUIRE(n < cap);
		FUZZ_REQUIRE(n == 0 || (strncmp(full, tight, n) == 0 &&
				     (full[n] == '\0' || full[n] == ',')));
	}
	free(tight);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	proplet_settings s;
	const uint8_t *p = data;
	const uint8_t *end = data + size;

	settings_defaults(&s);
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *rec_end = nl != NULL ? nl : end;
		const uint8_t *eq = memchr(p, '=', (size_t)(rec_end - p));
		size_t name_len = (size_t)((eq != NULL ? eq : rec_end) - p);
		char *name = malloc(name_len + 1);

		memcpy(name, p, name_len);
		name[name_len] = '\0';
		settings_key key = settings_key_from_name(name);

		FUZZ_REQUIRE(key <= KEY_COUNT);
		if (key != KEY_COUNT) {
			FUZZ_REQUIRE(strcmp(settings_key_name(key), name) == 0);

			/* The value in its own allocation: the parser may read only `len` bytes. */
			const uint8_t *v = eq != NULL ? eq + 1 : rec_end;
			size_t len = (size_t)(rec_end - v);
			char *value = malloc(len > 0 ? len : 1);

			memcpy(value, v, len);
			bool ok = settings_apply(&s, key, value, len);

			FUZZ_REQUIRE(ok == ((s.present & (1u << key)) != 0));
			free(value);
		}
		free(name);
		check_fields(&s);
		p = nl != NULL ? nl + 1 : end;
	}
	check_missing(&s, data, size);
	return 0;
}
