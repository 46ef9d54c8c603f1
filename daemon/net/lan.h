/*
 * LAN discovery (docs/proto/lan.md): the UDP side of proto/lan.c. One
 * IPv4 socket sends to every interface's broadcast address and one IPv6
 * socket to the link-local group ff12::7765:6674 on every interface, at
 * start and every 30-60 s; both listen always, on a fixed port bound with
 * address reuse so that several nodes on one host all hear. A valid
 * announcement from another node of the network is dialled at once at
 * the datagram's source address and the announced port, through the net.
 */
#ifndef WEFT_DAEMON_LAN_H
#define WEFT_DAEMON_LAN_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "netstats.h"

struct weft_net;
struct weft_keypair;
struct weft_lan;

#define WEFT_LAN_PORT		7420	/* UDP; env WEFT_LAN_PORT */
#define WEFT_LAN_GROUP6		"ff12::7765:6674"
#define WEFT_LAN_INTERVAL_MS	30000	/* plus up to as much again */
#define WEFT_LAN_IFS_MAX	32	/* interfaces used per family */

/*
 * Opens the sockets on port (0 = WEFT_LAN_PORT) and sends the first
 * announcement, then one every interval_ms plus up to as much again (0 =
 * WEFT_LAN_INTERVAL_MS). net and node are borrowed: stop the LAN before
 * the net. Returns 0 and *lp, or a uv error when neither IPv4 nor IPv6
 * could be bound (nothing is left open then).
 */
int	weft_lan_start(struct weft_lan **lp, uv_loop_t *loop,
	    struct weft_net *net, const struct weft_keypair *node,
	    const uint8_t netkey[32], uint16_t port, uint64_t interval_ms);

/* Closes the sockets and timer; memory goes in the last close callback. */
void	weft_lan_stop(struct weft_lan *l);

void	weft_lan_stats(const struct weft_lan *l, struct weft_lan_stats *st);

#endif
