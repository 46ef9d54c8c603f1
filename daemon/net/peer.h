/*
 * struct weft_peer is one TCP connection to another node, in any state
 * from connecting to closing; struct weft_peers is the table of them,
 * where open connections are found by node id. The table holds at most
 * one open connection per node: when a second one opens, both nodes keep
 * the connection dialled by the node with the smaller node id and close
 * the other, so they agree without talking about it (the rule is
 * weft_peer_keep_new()). net.c does all socket I/O; this file owns the
 * table; netstats.c reads it for the control operations.
 */
#ifndef WEFT_PEER_H
#define WEFT_PEER_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "weft/pack.h"

#include "addrbook.h"
#include "session.h"

struct weft_ctl_conn;
struct weft_dial;
struct weft_net;

#define WEFT_PEER_NAME_MAX	80
/* Channel applications a net may register (struct weft_net_app). */
#define WEFT_PEER_APPS		8
/*
 * Channels the applications hold on one connection at most, all
 * together; each application caps its own (one each way for sync, files
 * and addrs; 4 bench sinks and the push), so the table does not fill.
 */
#define WEFT_PEER_CHANS		16

/* One channel application's part of a connection (net.c). */
struct weft_peer_app {
	void		*state;		/* its per-peer state, or NULL */
	bool		 up;		/* told that the connection opened */
};

/* A channel an application holds: who gets its messages and end. */
struct weft_peer_chan {
	uint16_t	 ch;		/* 0: a free slot */
	uint8_t		 app;		/* index in the net's table */
};

enum weft_peer_dir {
	WEFT_PEER_IN = 1,	/* it dialled us */
	WEFT_PEER_OUT,		/* we dialled it */
};

struct weft_peer {
	TAILQ_ENTRY(weft_peer)	 entry;		/* in weft_peers.all */
	struct weft_net		*net;
	uv_tcp_t		 tcp;
	uv_connect_t		 creq;
	struct weft_session	 sess;
	enum weft_peer_dir	 dir;
	struct weft_dial	*dial;		/* outbound: who dialled */
	uint8_t			 node[32];	/* once known */
	bool			 has_node;
	uint64_t		 id;		/* handle, never reused */
	bool			 counted;	/* in nin/nout */
	char			 addr[WEFT_HOSTPORT_MAX];	/* remote */
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	uint64_t		 since_ms;	/* wall clock when it opened */
	uint64_t		 accepted_ms;	/* loop time it was set up */
	uint64_t		 useful_ms;	/* loop time last useful; 0 */
	uint64_t		 group;		/* weft_evict_group() */
	bool			 evicted;	/* closed for a new one */
	uint64_t		 next_ms;	/* session deadline, loop time */
	uint64_t		 grace_ms;	/* closing: hard close after */
	size_t			 wq_bytes;	/* in the socket's queue */
	unsigned		 refs;		/* handle, connect, writes */
	bool			 connected;	/* TCP is up */
	bool			 open;		/* registered by node id */
	bool			 draining;	/* goodbye queued, then close */
	bool			 closing;	/* uv_close called */
	bool			 was_open;
	/* By the net's table of channel applications, and their channels. */
	struct weft_peer_app	 apps[WEFT_PEER_APPS];
	struct weft_peer_chan	 chans[WEFT_PEER_CHANS];
};

TAILQ_HEAD(weft_peer_list, weft_peer);

struct weft_peers {
	struct weft_peer_list	 all;	/* every connection until closed */
	unsigned		 nin;
	unsigned		 nout;
	unsigned		 nopen;
};

void	weft_peers_init(struct weft_peers *t);

/* The open connection to node, or NULL. */
struct weft_peer *weft_peers_find(struct weft_peers *t,
	    const uint8_t node[32]);

/*
 * The "one connection per node pair" rule, the same on both nodes. local
 * is our node id, remote the peer's; old_out and new_out tell whether we
 * dialled the open connection and the new one. Returns true when the new
 * connection is kept (and the old one closed). Connections in opposite
 * directions: keep the one the smaller node id dialled. In the same
 * direction the dialler gave up on the old one (it only dials when it has
 * no connection), so the new one is kept.
 */
bool	weft_peer_keep_new(const uint8_t local[32], const uint8_t remote[32],
	    bool old_out, bool new_out);

/*
 * Registers p, whose session just opened, by its node id. Applies the
 * rule above against an open connection to the same node and closes the
 * loser. Returns 0 when p is now open, or WEFT_EEXISTS when p lost (it is
 * being closed) or WEFT_EUSAGE for a connection to ourselves (closed).
 */
int	weft_peers_admit(struct weft_peers *t, struct weft_peer *p,
	    const uint8_t local[32]);

/*
 * Takes p out of the open table and the counts (it is being closed; it
 * leaves the list in its close callback). Idempotent.
 */
void	weft_peers_remove(struct weft_peers *t, struct weft_peer *p);

/* "1A2B3C4D5E6F7081" (key id) once the node is known, else the address. */
const char *weft_peer_name(const struct weft_peer *p,
	    char buf[WEFT_PEER_NAME_MAX]);

/* The state word `weft peers` shows. */
const char *weft_peer_state(const struct weft_peer *p);

#endif
