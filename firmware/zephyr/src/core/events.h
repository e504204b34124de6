/*
 * Every console event of CONTRACT.md §2.1, as the printf format its message is logged with.
 *
 * Convention (checked by firmware/contract.test.ts): the event `a.b` is the macro `EVT_A_B`;
 * its format equals the contract's message text with each `<…>` placeholder written as one
 * printf conversion. Each macro is logged exactly once, with the contract's level, from a
 * source file registered under the contract's module. `boot.banner` is Zephyr's own banner
 * (CONFIG_BOOT_BANNER) and has no macro here.
 *
 * Only string (%s) and unsigned (%u) / signed (%d) conversions are used, so the same text
 * can be formatted on the host in the unit tests.
 */
#ifndef PROPLET_CORE_EVENTS_H
#define PROPLET_CORE_EVENTS_H

/* module main */
#define EVT_BOOT "Starting Proplet version=%s"
#define EVT_SETTINGS_LOADED "Settings loaded proplet_id=%s broker=%s:%u"
#define EVT_SETTINGS_MISSING "Settings missing keys=%s (provision with the shell)"

/* module wifi */
#define EVT_WIFI_CONNECTING "Connecting ssid=%s"
#define EVT_WIFI_CONNECTED "WiFi connected ssid=%s"
#define EVT_DHCP_BOUND "DHCP bound address=%s"

/* module mqtt */
#define EVT_MQTT_CONNECTING "Connecting broker=%s:%u client_id=%s keepalive=%u"
#define EVT_MQTT_CONNECTED "MQTT connected session_present=%u"
#define EVT_MQTT_SUBSCRIBED "Subscribed topic=%s"
#define EVT_MQTT_DISCONNECTED "MQTT disconnected reason=%s"
#define EVT_MQTT_RECONNECT "Reconnect attempt=%u delay=%ums"
#define EVT_MQTT_UNKNOWN_TOPIC "Ignoring message topic=%s"
#define EVT_TASK_IGNORED "Task for another proplet id=%s proplet_id=%s"

/* module wasm */
#define EVT_WASM_READY "WAMR runtime ready pool=%u slots=%u"
#define EVT_HEAP "Heap pool used=%u free=%u high=%u"
#define EVT_TASK_RECEIVED "Task received id=%s name=%s wasm_bytes=%u inputs=%u"
#define EVT_TASK_REJECTED "Task rejected id=%s reason=%s"
#define EVT_TASK_STARTED "Task started id=%s slot=%u"
#define EVT_TASK_FINISHED "Task finished id=%s results=%s"
#define EVT_TASK_FAILED "Task failed id=%s error=%s"
#define EVT_TASK_STOPPED "Task stopped id=%s"
#define EVT_TASK_WATCHDOG "Task watchdog id=%s after=%ums"

/* module task */
#define EVT_TASK_LOG "id=%s text=%s"

/* `Task rejected id=-` when the message carries no usable id. */
#define EVT_NO_ID "-"

#endif
