/* The event formats produce the contract's lines (CONTRACT.md §2.1) with real arguments. */
#include "check.h"
#include "events.h"
#include "limits.h"

#define LINE(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)

int main(void)
{
	char b[256];

	CHECK_STR("Starting Proplet version=1.0.0", LINE(b, EVT_BOOT, "1.0.0"));
	CHECK_STR("WAMR runtime ready pool=40960 slots=4",
		  LINE(b, EVT_WASM_READY, (unsigned)HEAP_POOL_BYTES, (unsigned)TASK_SLOTS));
	CHECK_STR("Heap pool used=1200 free=39760 high=30000",
		  LINE(b, EVT_HEAP, 1200u, 39760u, 30000u));
	CHECK_STR("Settings loaded proplet_id=p1 broker=10.0.0.2:1883",
		  LINE(b, EVT_SETTINGS_LOADED, "p1", "10.0.0.2", 1883u));
	CHECK_STR("Settings missing keys=proplet_id,api_key (provision with the shell)",
		  LINE(b, EVT_SETTINGS_MISSING, "proplet_id,api_key"));
	CHECK_STR("Connecting ssid=lab", LINE(b, EVT_WIFI_CONNECTING, "lab"));
	CHECK_STR("WiFi connected ssid=lab", LINE(b, EVT_WIFI_CONNECTED, "lab"));
	CHECK_STR("DHCP bound address=10.0.0.9", LINE(b, EVT_DHCP_BOUND, "10.0.0.9"));
	CHECK_STR("Connecting broker=10.0.0.2:1883 client_id=p1 keepalive=30",
		  LINE(b, EVT_MQTT_CONNECTING, "10.0.0.2", 1883u, "p1", 30u));
	CHECK_STR("MQTT connected session_present=1", LINE(b, EVT_MQTT_CONNECTED, 1u));
	CHECK_STR("Subscribed topic=m/t/c/c/registry/server",
		  LINE(b, EVT_MQTT_SUBSCRIBED, "m/t/c/c/registry/server"));
	CHECK_STR("MQTT disconnected reason=connect refused rc=5",
		  LINE(b, EVT_MQTT_DISCONNECTED, "connect refused rc=5"));
	CHECK_STR("Reconnect attempt=3 delay=2150ms", LINE(b, EVT_MQTT_RECONNECT, 3u, 2150u));
	CHECK_STR("Ignoring message topic=x/y", LINE(b, EVT_MQTT_UNKNOWN_TOPIC, "x/y"));
	CHECK_STR("Task for another proplet id=t1 proplet_id=p2",
		  LINE(b, EVT_TASK_IGNORED, "t1", "p2"));
	CHECK_STR("Task received id=t1 name=add wasm_bytes=42 inputs=2",
		  LINE(b, EVT_TASK_RECEIVED, "t1", "add", 42u, 2u));
	CHECK_STR("Task rejected id=- reason=invalid JSON",
		  LINE(b, EVT_TASK_REJECTED, EVT_NO_ID, "invalid JSON"));
	CHECK_STR("Task started id=t1 slot=0", LINE(b, EVT_TASK_STARTED, "t1", 0u));
	CHECK_STR("id=t1 text=hello world", LINE(b, EVT_TASK_LOG, "t1", "hello world"));
	CHECK_STR("Task finished id=t1 results=5", LINE(b, EVT_TASK_FINISHED, "t1", "5"));
	CHECK_STR("Task failed id=t1 error=Exception: unreachable",
		  LINE(b, EVT_TASK_FAILED, "t1", "Exception: unreachable"));
	CHECK_STR("Task stopped id=t1", LINE(b, EVT_TASK_STOPPED, "t1"));
	CHECK_STR("Task watchdog id=t1 after=10000ms", LINE(b, EVT_TASK_WATCHDOG, "t1", 10000u));
	CHECK_DONE();
}
