/*
 * What the net shows the control plane, in the shape of OpenBSD ntpd's
 * control.c: the net fills plain structs (its counters, one line per
 * peer, one per address book entry) and the control plane packs them,
 * so daemon/ctl/ never sees a connection, a dial or the book. No <uv.h>
 * here and no net internals: only the types and calls ctl needs.
 */
#ifndef WEFT_NETSTATS_H
#define WEFT_NETSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addrbook.h"

struct weft_net;

#define WEFT_NET_ADDR_MAX	WEFT_HOSTPORT_MAX	/* HOST:PORT and NUL */
#define WEFT_NET_LISTEN_ADDRS	16	/* weft_net_addresses() at most */

/* The net as `weft status` shows it. */
struct weft_net_stats {
	char		listen[WEFT_NET_ADDR_MAX];	/* bound, or "" */
	/* Where others can dial us (weft_net_addresses()). */
	char		addrs[WEFT_NET_LISTEN_ADDRS][WEFT_NET_ADDR_MAX];
	size_t		naddrs;
	unsigned	peers;		/* open connections */
	unsigned	conns_in;
	unsigned	conns_out;
	unsigned	netkey_mismatch; /* weft_net_netkey_mismatches() */
};

/*
 * One line of `weft peers`: an open connection, or a node we keep
 * dialling that has none (waiting). Strings are borrowed: valid until the
 * callback returns.
 */
struct weft_net_peer_info {
	uint8_t		 node[32];
	const char	*addr;		/* HOST:PORT */
	bool		 out;		/* we dialled it */
	const char	*state;		/* weft_peer_state(), or "waiting" */
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 since_ms;	/* wall clock it opened; 0: waiting */
	const char	*listen;	/* from its HELLO, or NULL */
	const char	*sw;		/* from its HELLO, or NULL */
	bool		 waiting;	/* a dial with no connection */
	int		 last_err;	/* waiting: the last attempt's error */
	uint64_t	 retry_ms;	/* waiting: until the next attempt */
};

/* One address book entry (`weft peers --known`); addr is borrowed. */
struct weft_net_known_info {
	uint8_t		 node[32];
	const char	*addr;
	bool		 verified;
	uint64_t	 last_seen;
	uint32_t	 fails;
	const char	*source;	/* weft_addr_source_name() */
	bool		 connected;	/* an open connection to node */
};

/* LAN discovery's counters (lan.c), for `weft status`. */
struct weft_lan_stats {
	uint64_t	received;	/* datagrams read */
	uint64_t	rejected;	/* did not open: other network, junk */
	uint64_t	opened4;	/* opened, by the family they came by */
	uint64_t	opened6;
	uint64_t	accepted;	/* acted on (weft_lan_filter_check) */
	uint64_t	sent;		/* datagrams sent */
	unsigned	nodes;		/* nodes heard, now remembered */
	uint16_t	port;		/* the UDP port */
};

/* A callback's nonzero return stops the walk and is returned. */
typedef int weft_net_peer_fn(void *arg, const struct weft_net_peer_info *p);
typedef int weft_net_known_fn(void *arg,
	    const struct weft_net_known_info *k);

void	weft_net_stats(struct weft_net *n, struct weft_net_stats *st);

/*
 * Calls fn for every open connection whose node is known (inbound ones
 * still in the handshake have no name yet), then for every node dialled
 * that has neither a connection in progress nor an open one. Returns 0
 * or fn's first nonzero return.
 */
int	weft_net_peers_each(struct weft_net *n, weft_net_peer_fn *fn,
	    void *arg);

/* Calls fn for every address book entry; returns as above. */
int	weft_net_known_each(struct weft_net *n, weft_net_known_fn *fn,
	    void *arg);

/*
 * The node a hex prefix (8..64 characters, either case) names among the
 * book, the dials and the open connections. Returns 0, WEFT_EUSAGE,
 * WEFT_ENOTFOUND or WEFT_EAMBIGUOUS.
 */
int	weft_net_node_resolve(struct weft_net *n, const char *prefix,
	    uint8_t node[32]);

/*
 * Parses "NODEID@HOST:PORT" (64 hex; HOST an IPv4 literal, "[IPv6]" or a
 * host name, see weft_hostport_check()). Returns 0 or WEFT_EUSAGE. addr
 * gets the canonical "HOST:PORT" (WEFT_NET_ADDR_MAX bytes).
 */
int	weft_net_parse_peer(const char *s, uint8_t node[32], char *addr);

#endif
