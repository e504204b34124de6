#include "wifi_manager.h"

#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/dhcpv4.h>
#include <zephyr/net/net_if.h>
#include <zephyr/net/net_mgmt.h>
#include <zephyr/net/wifi_mgmt.h>

#include "core/events.h"

LOG_MODULE_REGISTER(wifi, LOG_LEVEL_INF);

#define WIFI_EVENTS (NET_EVENT_WIFI_CONNECT_RESULT | NET_EVENT_WIFI_DISCONNECT_RESULT)
#define REJOIN_DELAY K_SECONDS(2)

static struct net_if *iface;
static struct wifi_connect_req_params params;
static struct net_mgmt_event_callback wifi_cb;
static struct net_mgmt_event_callback ipv4_cb;
static K_SEM_DEFINE(joined, 0, 1);
static K_SEM_DEFINE(bound, 0, 1);
static const char *joined_ssid;

static int request_join(void)
{
	LOG_INF(EVT_WIFI_CONNECTING, joined_ssid);
	return net_mgmt(NET_REQUEST_WIFI_CONNECT, iface, &params, sizeof(params));
}

static void rejoin(struct k_work *work)
{
	ARG_UNUSED(work);
	request_join();
}

static K_WORK_DELAYABLE_DEFINE(rejoin_work, rejoin);

/* Zephyr v4.1 hands events over as uint32_t (v4.2 widens them to 64 bits). */
static void on_wifi_event(struct net_mgmt_event_callback *cb, uint32_t event,
			  struct net_if *event_iface)
{
	ARG_UNUSED(event_iface);
	const struct wifi_status *status = (const struct wifi_status *)cb->info;

	if (event == NET_EVENT_WIFI_CONNECT_RESULT) {
		if (status != NULL && status->status == 0) {
			LOG_INF(EVT_WIFI_CONNECTED, joined_ssid);
			net_dhcpv4_start(iface);
			k_sem_give(&joined);
		} else {
			k_work_reschedule(&rejoin_work, REJOIN_DELAY);
		}
	} else if (event == NET_EVENT_WIFI_DISCONNECT_RESULT) {
		k_work_reschedule(&rejoin_work, REJOIN_DELAY);
	}
}

static void on_ipv4_event(struct net_mgmt_event_callback *cb, uint32_t event,
			  struct net_if *event_iface)
{
	ARG_UNUSED(cb);
	ARG_UNUSED(event_iface);
	if (event == NET_EVENT_IPV4_DHCP_BOUND) {
		k_sem_give(&bound);
	}
}

int wifi_manager_connect(const char *ssid, const char *psk, char *ip, size_t ip_cap,
			 uint8_t mac[6])
{
	iface = net_if_get_first_wifi();
	if (iface == NULL) {
		iface = net_if_get_default();
	}
	if (iface == NULL) {
		return -ENODEV;
	}
	memcpy(mac, net_if_get_link_addr(iface)->addr, 6);

	net_mgmt_init_event_callback(&wifi_cb, on_wifi_event, WIFI_EVENTS);
	net_mgmt_add_event_callback(&wifi_cb);
	net_mgmt_init_event_callback(&ipv4_cb, on_ipv4_event, NET_EVENT_IPV4_DHCP_BOUND);
	net_mgmt_add_event_callback(&ipv4_cb);

	joined_ssid = ssid;
	params.ssid = (const uint8_t *)ssid;
	params.ssid_length = strlen(ssid);
	params.psk = (const uint8_t *)psk;
	params.psk_length = strlen(psk);
	params.security = params.psk_length > 0 ? WIFI_SECURITY_TYPE_PSK : WIFI_SECURITY_TYPE_NONE;
	params.channel = WIFI_CHANNEL_ANY;
	params.band = WIFI_FREQ_BAND_2_4_GHZ;
	params.mfp = WIFI_MFP_OPTIONAL;
	params.timeout = SYS_FOREVER_MS;

	if (request_join() != 0) {
		k_work_reschedule(&rejoin_work, REJOIN_DELAY);
	}
	k_sem_take(&joined, K_FOREVER);
	k_sem_take(&bound, K_FOREVER);

	struct in_addr *addr = net_if_ipv4_get_global_addr(iface, NET_ADDR_PREFERRED);

	if (addr == NULL || net_addr_ntop(AF_INET, addr, ip, ip_cap) == NULL) {
		return -EADDRNOTAVAIL;
	}
	LOG_INF(EVT_DHCP_BOUND, ip);
	return 0;
}
