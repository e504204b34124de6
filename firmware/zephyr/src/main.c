/*
 * The embedded proplet: boots WAMR, reads its provisioned settings, joins WiFi and serves
 * the Propeller manager over MQTT (CONTRACT.md). The event order below is the contract's
 * boot order (§2.1).
 */
#include <stdbool.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/net_ip.h>

#include <app_version.h>

#include "core/events.h"
#include "core/proplet_settings.h"
#include "credentials.h"
#include "mqtt_client.h"
#include "wasm_handler.h"
#include "wifi_manager.h"

LOG_MODULE_REGISTER(main, LOG_LEVEL_INF);

static proplet_settings settings;

int main(void)
{
	char missing[160];
	char ip[NET_IPV4_ADDR_LEN];
	uint8_t mac[6];

	LOG_INF(EVT_BOOT, APP_VERSION_STRING);
	if (wasm_handler_init() != 0) {
		LOG_ERR("WAMR runtime failed to start");
		return 0;
	}

	credentials_load(&settings);
	if (settings_missing(&settings, IS_ENABLED(CONFIG_WIFI), missing, sizeof(missing)) > 0) {
		/* Nothing else runs until the shell has provisioned the keys and rebooted us. */
		LOG_ERR(EVT_SETTINGS_MISSING, missing);
		return 0;
	}
	LOG_INF(EVT_SETTINGS_LOADED, settings.proplet_id, settings.mqtt_broker_host,
		(unsigned)settings.mqtt_broker_port);
	wasm_handler_set_timeout(settings.task_timeout_ms);

	if (wifi_manager_connect(settings.wifi_ssid, settings.wifi_psk, ip, sizeof(ip), mac) != 0) {
		LOG_ERR("No network interface with an IPv4 address");
		return 0;
	}
	mqtt_client_run(&settings, ip, mac);
	return 0;
}
