#include "credentials.h"

#include <zephyr/settings/settings.h>

static proplet_settings loaded;

/* Called by settings_load_subtree() once per stored `proplet/<key>`. */
static int on_set(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg)
{
	settings_key k = settings_key_from_name(key);
	char value[sizeof(loaded.mqtt_broker_host) + 1];

	if (k == KEY_COUNT) {
		return 0;
	}
	if (len > sizeof(value)) {
		/* Too long for its field: the key counts as absent. */
		settings_apply(&loaded, k, "", 0);
		return 0;
	}
	ssize_t n = read_cb(cb_arg, value, len);

	if (n < 0) {
		return (int)n;
	}
	settings_apply(&loaded, k, value, (size_t)n);
	return 0;
}

SETTINGS_STATIC_HANDLER_DEFINE(proplet, SETTINGS_ROOT, NULL, on_set, NULL, NULL);

int credentials_load(proplet_settings *out)
{
	settings_defaults(&loaded);
	int rc = settings_subsys_init();

	if (rc == 0) {
		rc = settings_load_subtree(SETTINGS_ROOT);
	}
	*out = loaded;
	return rc;
}
