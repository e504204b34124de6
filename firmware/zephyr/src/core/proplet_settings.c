#include "proplet_settings.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"

static const char *const names[KEY_COUNT] = {
	[KEY_WIFI_SSID] = "wifi_ssid",
	[KEY_WIFI_PSK] = "wifi_psk",
	[KEY_PROPLET_ID] = "proplet_id",
	[KEY_API_KEY] = "api_key",
	[KEY_TENANT_ID] = "tenant_id",
	[KEY_CHANNEL_ID] = "channel_id",
	[KEY_MQTT_BROKER_HOST] = "mqtt_broker_host",
	[KEY_MQTT_BROKER_PORT] = "mqtt_broker_port",
	[KEY_KEEPALIVE_S] = "keepalive_s",
	[KEY_ALIVE_S] = "alive_s",
	[KEY_TASK_TIMEOUT_MS] = "task_timeout_ms",
};

static const settings_key required[] = {
	KEY_WIFI_SSID,	KEY_PROPLET_ID,		  KEY_API_KEY,		KEY_TENANT_ID,
	KEY_CHANNEL_ID, KEY_MQTT_BROKER_HOST, KEY_MQTT_BROKER_PORT,
};

void settings_defaults(proplet_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->keepalive_s = KEEPALIVE_S;
	s->alive_s = ALIVE_S;
	s->task_timeout_ms = TASK_TIMEOUT_MS;
}

settings_key settings_key_from_name(const char *name)
{
	for (int k = 0; k < KEY_COUNT; k++) {
		if (strcmp(names[k], name) == 0) {
			return (settings_key)k;
		}
	}
	return KEY_COUNT;
}

const char *settings_key_name(settings_key key)
{
	return key < KEY_COUNT ? names[key] : "";
}

static bool copy_text(char *dst, size_t cap, const char *value, size_t len)
{
	if (len == 0 || len >= cap) {
		return false;
	}
	memcpy(dst, value, len);
	dst[len] = '\0';
	return true;
}

static bool parse_decimal(const char *value, size_t len, uint32_t min, uint32_t max,
			  uint32_t *out)
{
	uint64_t n = 0;

	if (len == 0 || len > 10) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (value[i] < '0' || value[i] > '9') {
			return false;
		}
		n = n * 10u + (uint64_t)(value[i] - '0');
	}
	if (n < min || n > max) {
		return false;
	}
	*out = (uint32_t)n;
	return true;
}

bool settings_apply(proplet_settings *s, settings_key key, const char *value, size_t len)
{
	uint32_t n = 0;
	bool ok;

	if (len > 0 && value[len - 1] == '\0') {
		len--;
	}
	switch (key) {
	case KEY_WIFI_SSID:
		ok = copy_text(s->wifi_ssid, sizeof(s->wifi_ssid), value, len);
		break;
	case KEY_WIFI_PSK:
		ok = copy_text(s->wifi_psk, sizeof(s->wifi_psk), value, len);
		break;
	case KEY_PROPLET_ID:
		ok = copy_text(s->proplet_id, sizeof(s->proplet_id), value, len);
		break;
	case KEY_API_KEY:
		ok = copy_text(s->api_key, sizeof(s->api_key), value, len);
		break;
	case KEY_TENANT_ID:
		ok = copy_text(s->tenant_id, sizeof(s->tenant_id), value, len);
		break;
	case KEY_CHANNEL_ID:
		ok = copy_text(s->channel_id, sizeof(s->channel_id), value, len);
		break;
	case KEY_MQTT_BROKER_HOST:
		ok = copy_text(s->mqtt_broker_host, sizeof(s->mqtt_broker_host), value, len);
		break;
	case KEY_MQTT_BROKER_PORT:
		ok = parse_decimal(value, len, 1, 65535, &n);
		s->mqtt_broker_port = ok ? (uint16_t)n : 0;
		break;
	case KEY_KEEPALIVE_S:
		/* MQTT carries the keep-alive in 16 bits. */
		ok = parse_decimal(value, len, 1, 65535, &s->keepalive_s);
		break;
	case KEY_ALIVE_S:
		ok = parse_decimal(value, len, 1, 86400, &s->alive_s);
		break;
	case KEY_TASK_TIMEOUT_MS:
		ok = parse_decimal(value, len, 1, 86400000, &s->task_timeout_ms);
		break;
	default:
		return false;
	}
	if (ok) {
		s->present |= 1u << key;
	} else {
		s->present &= ~(1u << key);
	}
	return ok;
}

size_t settings_missing(const proplet_settings *s, bool needs_wifi, char *out, size_t cap)
{
	size_t count = 0;
	size_t len = 0;
	/* Once a name does not fit, none after it is written: the list stays whole names. */
	bool full = cap == 0;

	if (cap > 0) {
		out[0] = '\0';
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		settings_key k = required[i];

		if ((k == KEY_WIFI_SSID && !needs_wifi) || (s->present & (1u << k)) != 0) {
			continue;
		}
		count++;
		if (full) {
			continue;
		}
		int w = snprintf(out + len, cap - len, count == 1 ? "%s" : ",%s", names[k]);

		if (w > 0 && len + (size_t)w < cap) {
			len += (size_t)w;
		} else {
			/* snprintf wrote what fitted of the name: cut it off again. */
			out[len] = '\0';
			full = true;
		}
	}
	return count;
}
