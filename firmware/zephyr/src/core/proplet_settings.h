/*
 * The provisioned settings under `proplet/` (CONTRACT.md §2.2): which keys exist, which are
 * required, how their string values are read. Zephyr's settings subsystem feeds values in
 * through credentials.c; this part is host-tested.
 */
#ifndef PROPLET_CORE_PROPLET_SETTINGS_H
#define PROPLET_CORE_PROPLET_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SETTINGS_ROOT "proplet"

typedef enum {
	KEY_WIFI_SSID,
	KEY_WIFI_PSK,
	KEY_PROPLET_ID,
	KEY_API_KEY,
	KEY_TENANT_ID,
	KEY_CHANNEL_ID,
	KEY_MQTT_BROKER_HOST,
	KEY_MQTT_BROKER_PORT,
	KEY_KEEPALIVE_S,
	KEY_ALIVE_S,
	KEY_TASK_TIMEOUT_MS,
	KEY_COUNT,
} settings_key;

typedef struct {
	char wifi_ssid[33];
	char wifi_psk[65];
	char proplet_id[65];
	char api_key[129];
	char tenant_id[65];
	char channel_id[65];
	char mqtt_broker_host[129];
	uint16_t mqtt_broker_port;
	uint32_t keepalive_s;
	uint32_t alive_s;
	uint32_t task_timeout_ms;
	/* Bit k set: key k holds a usable value. */
	uint32_t present;
} proplet_settings;

/* Empty settings with the §1 defaults for the optional keys. */
void settings_defaults(proplet_settings *s);

/* The key named `name` (without the `proplet/` prefix), or KEY_COUNT. */
settings_key settings_key_from_name(const char *name);

const char *settings_key_name(settings_key key);

/*
 * Stores one value as read from flash. A trailing NUL (the settings shell stores one) is
 * ignored. Returns false, leaving the key absent, when the value is too long or not a
 * valid number for a numeric key.
 */
bool settings_apply(proplet_settings *s, settings_key key, const char *value, size_t len);

/*
 * Lists the missing required keys, comma-separated in key order, into `out`. `wifi_ssid` is
 * required only when `needs_wifi`. Returns the number of missing keys.
 */
size_t settings_missing(const proplet_settings *s, bool needs_wifi, char *out, size_t cap);

#endif
