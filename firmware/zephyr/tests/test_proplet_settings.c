#include "check.h"
#include "limits.h"
#include "proplet_settings.h"

static bool apply(proplet_settings *s, const char *key, const char *value)
{
	return settings_apply(s, settings_key_from_name(key), value, strlen(value));
}

int main(void)
{
	proplet_settings s;
	char missing[256];

	settings_defaults(&s);
	CHECK_INT(KEEPALIVE_S, s.keepalive_s);
	CHECK_INT(ALIVE_S, s.alive_s);
	CHECK_INT(TASK_TIMEOUT_MS, s.task_timeout_ms);
	CHECK_INT(7, settings_missing(&s, true, missing, sizeof(missing)));
	CHECK_STR("wifi_ssid,proplet_id,api_key,tenant_id,channel_id,mqtt_broker_host,"
		  "mqtt_broker_port",
		  missing);
	/* The virtual board has no radio, so no SSID is needed there. */
	CHECK_INT(6, settings_missing(&s, false, missing, sizeof(missing)));

	CHECK(apply(&s, "proplet_id", "p1"));
	CHECK(apply(&s, "api_key", "k"));
	CHECK(apply(&s, "tenant_id", "t"));
	CHECK(apply(&s, "channel_id", "c"));
	CHECK(apply(&s, "mqtt_broker_host", "192.168.1.2"));
	CHECK_INT(1, settings_missing(&s, false, missing, sizeof(missing)));
	CHECK_STR("mqtt_broker_port", missing);

	/* The settings shell stores strings with their NUL. */
	CHECK(settings_apply(&s, KEY_MQTT_BROKER_PORT, "1883", 5));
	CHECK_INT(1883, s.mqtt_broker_port);
	CHECK_INT(0, settings_missing(&s, false, missing, sizeof(missing)));
	CHECK_STR("", missing);
	CHECK_STR("p1", s.proplet_id);

	/* A bad port counts as missing. */
	CHECK(!apply(&s, "mqtt_broker_port", "70000"));
	CHECK(!apply(&s, "mqtt_broker_port", "18a"));
	CHECK_INT(1, settings_missing(&s, false, missing, sizeof(missing)));

	/* Optional numbers: a bad value keeps the default. */
	CHECK(apply(&s, "keepalive_s", "5"));
	CHECK_INT(5, s.keepalive_s);
	CHECK(!apply(&s, "alive_s", "0"));
	CHECK_INT(ALIVE_S, s.alive_s);
	CHECK(apply(&s, "task_timeout_ms", "2500"));
	CHECK_INT(2500, s.task_timeout_ms);

	/* Too long a value is refused, and an empty one is absent. */
	char longer[80];

	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	CHECK(!apply(&s, "proplet_id", longer));
	CHECK(!apply(&s, "tenant_id", ""));
	CHECK_INT(3, settings_missing(&s, false, missing, sizeof(missing)));
	CHECK_STR("proplet_id,tenant_id,mqtt_broker_port", missing);

	/*
	 * A list that does not fit lists the names that do, whole (found by fuzz_settings with
	 * the two-byte input "\n\n": a 10-byte buffer came out as ",api_key", the first key
	 * dropped and the second written over its remains). The count stays complete.
	 */
	proplet_settings empty;
	char tight[10];

	settings_defaults(&empty);
	CHECK_INT(6, settings_missing(&empty, false, tight, sizeof(tight)));
	CHECK_STR("", tight);
	char eleven[11];

	CHECK_INT(6, settings_missing(&empty, false, eleven, sizeof(eleven)));
	CHECK_STR("proplet_id", eleven);
	char twenty[20];

	CHECK_INT(6, settings_missing(&empty, false, twenty, sizeof(twenty)));
	CHECK_STR("proplet_id,api_key", twenty);

	CHECK_INT(KEY_COUNT, settings_key_from_name("unknown"));
	CHECK_STR("wifi_psk", settings_key_name(KEY_WIFI_PSK));
	CHECK_DONE();
}
