#include "mqtt_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/mqtt.h>
#include <zephyr/net/socket.h>
#include <zephyr/random/random.h>

#include <app_version.h>

#include "core/backoff.h"
#include "core/events.h"
#include "core/limits.h"
#include "core/messages.h"
#include "core/outbox.h"
#include "core/task_codec.h"
#include "core/topics.h"
#include "wasm_handler.h"

LOG_MODULE_REGISTER(mqtt, LOG_LEVEL_INF);

#define CONNACK_TIMEOUT_MS 10000
/* How long the loop may sleep in poll(): task results and watchdogs are handled in between. */
#define LOOP_TICK_MS 100
#define RX_BUF_BYTES 512
#define TX_BUF_BYTES 1536
#define REASON_BYTES 48

static const proplet_settings *cfg;
static const char *device_ip;
static const uint8_t *device_mac;

static struct mqtt_client client;
static struct sockaddr_storage broker;
static uint8_t rx_buf[RX_BUF_BYTES];
static uint8_t tx_buf[TX_BUF_BYTES];
static struct mqtt_utf8 username;
static struct mqtt_utf8 password;
static struct mqtt_topic will_topic;
static struct mqtt_utf8 will_message;
static char will_payload[160];

static char topic_alive[TOPIC_BYTES];
static char topic_create[TOPIC_BYTES];
static char topic_results[TOPIC_BYTES];
static char topic_metrics[TOPIC_BYTES];
static char topic_fetch[TOPIC_BYTES];
static char topic_task_metrics[TOPIC_BYTES];
static char topic_subscribed[ARRAY_SIZE(topic_subscriptions)][TOPIC_BYTES];

/* A received publish is read whole into here before it is parsed. */
static char payload_buf[MAX_PAYLOAD_BYTES + 1];

static outbox pending;
static uint16_t next_message_id;

/* What the event callback saw, for the loop to act on. */
static struct {
	bool connack;
	uint8_t connack_rc;
	bool session_present;
	bool lost;
	int lost_result;
	uint16_t subscribe_ids[ARRAY_SIZE(topic_subscriptions)];
	size_t subacks;
	int64_t last_rx_ms;
} link;

static uint16_t message_id(void)
{
	next_message_id++;
	if (next_message_id == 0) {
		next_message_id = 1;
	}
	return next_message_id;
}

void mqtt_client_enqueue(enum outgoing_topic topic, const char *payload, size_t len)
{
	if (!outbox_put(&pending, (uint8_t)topic, payload, len)) {
		LOG_ERR("Outbox full, dropping a message of %u bytes", (unsigned)len);
	}
}

static int publish(const char *topic, const char *payload, size_t len, uint16_t id, bool dup)
{
	struct mqtt_publish_param param = {0};

	param.message.topic.topic.utf8 = (const uint8_t *)topic;
	param.message.topic.topic.size = strlen(topic);
	param.message.topic.qos = MQTT_QOS_1_AT_LEAST_ONCE;
	param.message.payload.data = (uint8_t *)payload;
	param.message.payload.len = len;
	param.message_id = id;
	param.dup_flag = dup ? 1 : 0;
	param.retain_flag = 0;
	return mqtt_publish(&client, &param);
}

static int publish_text(const char *topic, const char *payload)
{
	return publish(topic, payload, strlen(payload), message_id(), false);
}

static void log_topic(const char *fmt_topic, size_t len)
{
	char topic[TOPIC_BYTES];
	size_t n = len < sizeof(topic) - 1 ? len : sizeof(topic) - 1;

	memcpy(topic, fmt_topic, n);
	topic[n] = '\0';
	LOG_WRN(EVT_MQTT_UNKNOWN_TOPIC, topic);
}

/* Reads (or drains) the payload of a PUBLISH; must run inside the event callback. */
static void on_publish(struct mqtt_client *c, const struct mqtt_publish_param *p)
{
	const char *topic = (const char *)p->message.topic.topic.utf8;
	size_t topic_len = p->message.topic.topic.size;
	size_t len = p->message.payload.len;
	topic_kind kind = topic_classify(topic, topic_len, cfg->tenant_id, cfg->channel_id);
	bool oversize = len > MAX_PAYLOAD_BYTES;

	if (oversize) {
		/* The contract discards it unread: the bytes only leave the socket. */
		size_t left = len;

		while (left > 0) {
			size_t chunk = left < sizeof(payload_buf) ? left : sizeof(payload_buf);

			if (mqtt_readall_publish_payload(c, (uint8_t *)payload_buf, chunk) < 0) {
				return;
			}
			left -= chunk;
		}
	} else if (mqtt_readall_publish_payload(c, (uint8_t *)payload_buf, len) < 0) {
		return;
	}
	payload_buf[oversize ? 0 : len] = '\0';

	if (p->message.topic.qos == MQTT_QOS_1_AT_LEAST_ONCE) {
		struct mqtt_puback_param ack = {.message_id = p->message_id};

		mqtt_publish_qos1_ack(c, &ack);
	}

	task_address other;

	if ((kind == TOPIC_START || kind == TOPIC_STOP) && !oversize &&
	    task_for_other_proplet(payload_buf, len, cfg->proplet_id, &other)) {
		/* The manager publishes every start and stop to the whole channel. */
		LOG_INF(EVT_TASK_IGNORED, other.task_id, other.proplet_id);
		return;
	}

	switch (kind) {
	case TOPIC_START:
	case TOPIC_STOP:
		if (oversize) {
			wasm_handler_on_oversize(len);
		} else if (kind == TOPIC_START) {
			wasm_handler_on_start(payload_buf, len);
		} else {
			wasm_handler_on_stop(payload_buf, len);
		}
		break;
	case TOPIC_REGISTRY:
		if (oversize || !wasm_handler_on_registry(payload_buf, len)) {
			log_topic(topic, topic_len);
		}
		break;
	default:
		log_topic(topic, topic_len);
		break;
	}
}

static void on_event(struct mqtt_client *c, const struct mqtt_evt *evt)
{
	link.last_rx_ms = k_uptime_get();
	switch (evt->type) {
	case MQTT_EVT_CONNACK:
		link.connack = true;
		link.connack_rc = evt->param.connack.return_code;
		link.session_present = evt->param.connack.session_present_flag != 0;
		break;
	case MQTT_EVT_DISCONNECT:
		if (!link.lost) {
			link.lost = true;
			link.lost_result = evt->result;
		}
		break;
	case MQTT_EVT_PUBLISH:
		on_publish(c, &evt->param.publish);
		break;
	case MQTT_EVT_PUBACK:
		outbox_ack(&pending, evt->param.puback.message_id);
		break;
	case MQTT_EVT_SUBACK:
		for (size_t i = 0; i < ARRAY_SIZE(topic_subscriptions); i++) {
			if (link.subscribe_ids[i] == evt->param.suback.message_id) {
				LOG_INF(EVT_MQTT_SUBSCRIBED, topic_subscribed[i]);
				link.subacks++;
			}
		}
		break;
	default:
		break;
	}
}

/* The socket error or broker close behind a lost connection, in the contract's words. */
static void loss_reason(int result, char *reason, size_t cap)
{
	if (result == -ENOTCONN || result == 0) {
		snprintf(reason, cap, "closed by broker");
	} else {
		snprintf(reason, cap, "socket error %d", result < 0 ? -result : result);
	}
}

static int resolve_broker(void)
{
	struct zsock_addrinfo hints = {
		.ai_family = AF_INET,
		.ai_socktype = SOCK_STREAM,
	};
	struct zsock_addrinfo *found = NULL;
	char port[8];

	snprintf(port, sizeof(port), "%u", cfg->mqtt_broker_port);
	if (zsock_getaddrinfo(cfg->mqtt_broker_host, port, &hints, &found) != 0 || found == NULL) {
		return -EHOSTUNREACH;
	}
	memcpy(&broker, found->ai_addr, found->ai_addrlen);
	zsock_freeaddrinfo(found);
	return 0;
}

static void client_setup(void)
{
	mqtt_client_init(&client);
	client.broker = &broker;
	client.evt_cb = on_event;
	client.client_id.utf8 = (const uint8_t *)cfg->proplet_id;
	client.client_id.size = strlen(cfg->proplet_id);
	username.utf8 = (const uint8_t *)cfg->proplet_id;
	username.size = strlen(cfg->proplet_id);
	password.utf8 = (const uint8_t *)cfg->api_key;
	password.size = strlen(cfg->api_key);
	client.user_name = &username;
	client.password = &password;
	client.protocol_version = MQTT_VERSION_3_1_1;
	client.keepalive = (uint16_t)cfg->keepalive_s;
	/* A persistent session keeps our subscriptions and QoS 1 traffic across losses. */
	client.clean_session = 0;
	client.rx_buf = rx_buf;
	client.rx_buf_size = sizeof(rx_buf);
	client.tx_buf = tx_buf;
	client.tx_buf_size = sizeof(tx_buf);
	client.transport.type = MQTT_TRANSPORT_NON_SECURE;

	msg_alive(will_payload, sizeof(will_payload), cfg->proplet_id, false);
	will_topic.topic.utf8 = (const uint8_t *)topic_alive;
	will_topic.topic.size = strlen(topic_alive);
	will_topic.qos = MQTT_QOS_1_AT_LEAST_ONCE;
	will_message.utf8 = (const uint8_t *)will_payload;
	will_message.size = strlen(will_payload);
	client.will_topic = &will_topic;
	client.will_message = &will_message;
	client.will_retain = 0;
}

static int subscribe_all(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(topic_subscriptions); i++) {
		struct mqtt_topic topic = {
			.topic = {(const uint8_t *)topic_subscribed[i], strlen(topic_subscribed[i])},
			.qos = MQTT_QOS_1_AT_LEAST_ONCE,
		};
		struct mqtt_subscription_list list = {
			.list = &topic,
			.list_count = 1,
			.message_id = message_id(),
		};

		link.subscribe_ids[i] = list.message_id;
		int rc = mqtt_subscribe(&client, &list);

		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}

static const char *topic_for(uint8_t kind)
{
	switch (kind) {
	case OUT_FETCH:
		return topic_fetch;
	case OUT_TASK_METRICS:
		return topic_task_metrics;
	default:
		return topic_results;
	}
}

static int flush_outbox(void)
{
	outbox_entry *e;

	while ((e = outbox_next_unsent(&pending)) != NULL) {
		/* A retransmission keeps its packet identifier (MQTT 3.1.1 §4.4). */
		uint16_t id = e->dup ? e->message_id : message_id();
		int rc = publish(topic_for(e->topic), e->payload, e->len, id, e->dup);

		if (rc < 0) {
			return rc;
		}
		outbox_mark_sent(e, id);
	}
	return 0;
}

void mqtt_client_task_ended(const char *task_id, uint32_t run_ms)
{
	char payload[OUTBOX_PAYLOAD_BYTES];
	task_metrics_info t = {run_ms};

	if (msg_task_metrics(payload, sizeof(payload), task_id, cfg->proplet_id, NULL, &t)) {
		mqtt_client_enqueue(OUT_TASK_METRICS, payload, strlen(payload));
	}
}

static int publish_discovery(void)
{
	char payload[OUTBOX_PAYLOAD_BYTES];
	discovery_info info = {cfg->proplet_id, device_ip, device_mac, APP_VERSION_STRING};

	msg_discovery(payload, sizeof(payload), &info);
	return publish_text(topic_create, payload);
}

static int publish_alive(void)
{
	char payload[160];

	msg_alive(payload, sizeof(payload), cfg->proplet_id, true);
	return publish_text(topic_alive, payload);
}

static int publish_metrics(void)
{
	char payload[400];
	metrics_info m;

	wasm_handler_metrics(&m);
	/* No wall clock on the board (no SNTP): the manager stamps the arrival time. */
	msg_metrics(payload, sizeof(payload), cfg->proplet_id, NULL, &m);
	return publish_text(topic_metrics, payload);
}

/* Waits up to `ms` for the socket, then lets the client read what arrived. */
static int pump(int ms)
{
	struct zsock_pollfd fd = {
		.fd = client.transport.tcp.sock,
		.events = ZSOCK_POLLIN,
	};
	int rc = zsock_poll(&fd, 1, ms);

	if (rc < 0) {
		return -errno;
	}
	if (rc > 0 && (fd.revents & (ZSOCK_POLLIN | ZSOCK_POLLERR | ZSOCK_POLLHUP | ZSOCK_POLLNVAL))) {
		rc = mqtt_input(&client);
		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}

/* Keeps the loop's other duties going while it waits without a connection. */
static void idle(uint32_t ms)
{
	int64_t until = k_uptime_get() + ms;

	while (k_uptime_get() < until) {
		wasm_handler_poll();
		k_msleep(LOOP_TICK_MS);
	}
}

/*
 * One connection, from CONNECT until it is lost. Returns true when a CONNACK accepted it;
 * `reason` says how it ended.
 */
static bool session(char *reason, size_t cap)
{
	memset(&link, 0, sizeof(link));
	LOG_INF(EVT_MQTT_CONNECTING, cfg->mqtt_broker_host, (unsigned)cfg->mqtt_broker_port,
		cfg->proplet_id, (unsigned)cfg->keepalive_s);

	int rc = resolve_broker();

	if (rc == 0) {
		client_setup();
		rc = mqtt_connect(&client);
	}
	if (rc < 0) {
		loss_reason(rc, reason, cap);
		return false;
	}

	int64_t deadline = k_uptime_get() + CONNACK_TIMEOUT_MS;

	while (!link.connack && !link.lost && k_uptime_get() < deadline) {
		rc = pump(LOOP_TICK_MS);
		if (rc < 0 && !link.lost) {
			link.lost = true;
			link.lost_result = rc;
		}
		wasm_handler_poll();
	}
	if (!link.connack || link.connack_rc != MQTT_CONNECTION_ACCEPTED) {
		if (link.connack) {
			snprintf(reason, cap, "connect refused rc=%u", link.connack_rc);
		} else {
			loss_reason(link.lost ? link.lost_result : -ETIMEDOUT, reason, cap);
		}
		mqtt_abort(&client);
		return false;
	}

	LOG_INF(EVT_MQTT_CONNECTED, link.session_present ? 1u : 0u);
	rc = subscribe_all();

	bool announced = false;
	int64_t next_alive = 0;
	int64_t next_metrics = 0;
	int64_t keepalive_ms = (int64_t)cfg->keepalive_s * 1000;

	while (rc >= 0 && !link.lost) {
		rc = pump(LOOP_TICK_MS);
		if (rc < 0 || link.lost) {
			break;
		}
		int64_t now = k_uptime_get();

		/* The broker answers a PINGREQ within the keep-alive; 1.5 × is MQTT's own limit. */
		if (now - link.last_rx_ms > keepalive_ms * 3 / 2) {
			snprintf(reason, cap, "keepalive timeout");
			mqtt_abort(&client);
			outbox_resend_all(&pending);
			return true;
		}
		rc = mqtt_live(&client);
		if (rc == -EAGAIN) {
			rc = 0;
		}
		if (rc >= 0 && !announced && link.subacks == ARRAY_SIZE(topic_subscriptions)) {
			announced = true;
			rc = publish_discovery();
			next_alive = now;
			next_metrics = now + METRICS_S * 1000;
		}
		if (rc >= 0 && announced && now >= next_alive) {
			next_alive = now + (int64_t)cfg->alive_s * 1000;
			rc = publish_alive();
		}
		if (rc >= 0 && announced && now >= next_metrics) {
			next_metrics = now + METRICS_S * 1000;
			rc = publish_metrics();
		}
		wasm_handler_poll();
		if (rc >= 0) {
			rc = flush_outbox();
		}
	}
	loss_reason(link.lost ? link.lost_result : rc, reason, cap);
	mqtt_abort(&client);
	outbox_resend_all(&pending);
	return true;
}

void mqtt_client_run(const proplet_settings *settings, const char *ip, const uint8_t mac[6])
{
	cfg = settings;
	device_ip = ip;
	device_mac = mac;
	outbox_init(&pending);
	topic_build(topic_alive, TOPIC_BYTES, cfg->tenant_id, cfg->channel_id, SUFFIX_ALIVE);
	topic_build(topic_create, TOPIC_BYTES, cfg->tenant_id, cfg->channel_id, SUFFIX_CREATE);
	topic_build(topic_results, TOPIC_BYTES, cfg->tenant_id, cfg->channel_id, SUFFIX_RESULTS);
	topic_build(topic_metrics, TOPIC_BYTES, cfg->tenant_id, cfg->channel_id, SUFFIX_METRICS);
	topic_build(topic_task_metrics, TOPIC_BYTES, cfg->tenant_id, cfg->channel_id,
		    SUFFIX_TASK_METRICS);
	topic_build(topic_fetch, TOPIC_BYTES, cfg->tenant_id, cfg->channel_id,
		    SUFFIX_REGISTRY_OUT);
	for (size_t i = 0; i < ARRAY_SIZE(topic_subscriptions); i++) {
		topic_build(topic_subscribed[i], TOPIC_BYTES, cfg->tenant_id, cfg->channel_id,
			    topic_subscriptions[i]);
	}

	uint32_t attempt = 0;
	char reason[REASON_BYTES];

	for (;;) {
		if (session(reason, sizeof(reason))) {
			attempt = 0;
		}
		LOG_WRN(EVT_MQTT_DISCONNECTED, reason);
		attempt++;
		uint32_t delay = backoff_delay_ms(attempt, sys_rand32_get());

		LOG_INF(EVT_MQTT_RECONNECT, (unsigned)attempt, (unsigned)delay);
		idle(delay);
	}
}
