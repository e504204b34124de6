/* WiFi station and DHCPv4 (CONTRACT.md §2.1 `wifi.*`, `dhcp.bound`). */
#ifndef PROPLET_WIFI_MANAGER_H
#define PROPLET_WIFI_MANAGER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Joins `ssid` and waits until DHCP has bound an IPv4 address, written to `ip`; `mac` gets
 * the interface's MAC address. Rejoins by itself whenever the access point drops us.
 */
int wifi_manager_connect(const char *ssid, const char *psk, char *ip, size_t ip_cap,
			 uint8_t mac[6]);

#endif
