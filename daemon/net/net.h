/*
 * The peer transport: the only code in weftd that touches TCP sockets.
 * It listens, dials the peers it was told about (configuration, --peer,
 * `weft connect`, seeds) and redials them with exponential backoff and
 * jitter (host names are resolved again on every dial, and each address
 * they resolve to is tried in order), keeps the address book (verified
 * addresses persisted in the store, redialled at once on start),
 * moves bytes between the sockets and each connection's sans-I/O
 * session (session.c), and enforces every bound: inbound and outbound
 * connection caps, handshake and idle timeouts (one periodic timer checks
 * every session's deadlines), a byte cap on each peer's send queue, and
 * no read buffer kept per connection (reads go into one buffer of the
 * net, parsed before the next read). The table of connections and the
 * "one connection per node pair" rule live in peer.c.
 */
#ifndef WEFT_NET_H
#define WEFT_NET_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "addrbook.h"
#include "evict.h"
#include "netstats.h"
#include "peer.h"
#include "ratelog.h"
#include "session.h"

struct weft_clock;
struct weft_store;
struct weft_keypair;
struct weft_sync;
struct weft_sync_io;
struct weft_fetch;
struct weft_fetch_io;

#define WEFT_NET_IN_MAX		128	/* inbound connections, any state */
/* Of them from one address group (IPv4 /24, IPv6 /64), and handshakes. */
#define WEFT_NET_IN_GROUP_MAX	WEFT_EVICT_GROUP_MAX
#define WEFT_NET_HS_MAX		WEFT_EVICT_HS_MAX
#define WEFT_NET_HS_GROUP_MAX	WEFT_EVICT_HS_GROUP_MAX
/* File descriptors kept free of peers (control clients, store, LAN). */
#define WEFT_NET_FD_RESERVE	(256 + 64)
/*
 * Connections accepted per turn of the loop at most: libuv accepts for as
 * long as connections are pending, which under a flood would starve the
 * reads, timers and control clients and pile up closing connections.
 */
#define WEFT_NET_ACCEPT_BURST	16
#define WEFT_NET_OUT_MAX	32	/* outbound connections, any state */
/* Dial learnt addresses while fewer outbound connections (0: never). */
#define WEFT_NET_OUT_TARGET	8
#define WEFT_NET_DISCOVER_MS	1000	/* one learnt dial at most this often */
#define WEFT_NET_DIALS_MAX	256	/* peers we keep dialling */
#define WEFT_NET_HANDSHAKE_MS	10000
#define WEFT_NET_PING_MS	15000
#define WEFT_NET_IDLE_MS	60000
#define WEFT_NET_BACKOFF_MIN_MS	1000
#define WEFT_NET_BACKOFF_MAX_MS	(5 * 60 * 1000)
#define WEFT_NET_SENDQ_MAX	(8u * 1024 * 1024)	/* per peer */
#define WEFT_NET_TICK_MS	100	/* deadline resolution */
#define WEFT_NET_GRACE_MS	2000	/* to flush a goodbye */
#define WEFT_NET_READ_MAX	(64u * 1024)
/* Bytes taken from a session per write, and the socket queue's mark. */
#define WEFT_NET_WRITE_CHUNK	(64u * 1024)
#define WEFT_NET_WQ_HIGH	(256u * 1024)
/* The book is written to the store at most this often (and at stop). */
#define WEFT_NET_PERSIST_MS	2000
#define WEFT_NET_HELD_MAX	64	/* nodes disconnected by the user */
/* weft_net_push(): message size, and how far it queues ahead. */
#define WEFT_NET_PUSH_MSG	(64u * 1024)
#define WEFT_NET_PUSH_AHEAD	(1024u * 1024)

/* Tunables; weft_net_limits_default() fills in the constants above. */
struct weft_net_limits {
	struct weft_session_limits session;
	uint64_t	backoff_min_ms;
	uint64_t	backoff_max_ms;
	unsigned	in_max;
	unsigned	in_group_max;	/* inbound per address group */
	unsigned	hs_max;		/* inbound still in the handshake */
	unsigned	hs_group_max;	/* of them per address group */
	unsigned	out_max;
	unsigned	out_target;	/* WEFT_NET_OUT_TARGET */
	size_t		sendq_max;
};

struct weft__gai;
struct weft_mux_ev;

/*
 * A channel application: what runs on the data channels of a purpose
 * (docs/proto/wire.md), as c-toxcore's networking_registerhandler() does
 * for packet ids. The net keeps a table of them; it routes a channel the
 * peer opens with purpose to the application registered for it (open()
 * may still refuse: the channel is ended), and every message and the end
 * of a channel an application holds to it, with no knowledge of what
 * any application does. Each application has per-peer state of
 * state_size bytes (zeroed; NULL when 0), made when the connection
 * opens and freed with the connection. Every callback is optional.
 *
 * up: the connection opened (both HELLOs in), in registration order,
 *     until one closes it. down: it closed (from the handle's close
 *     callback), for those told up.
 * open: the peer opened channel ch with this purpose: 0 takes it.
 * data: a message on a channel the application holds; the net hands the
 *     window back after it. An error closes the connection ("bad <name>
 *     message"). Without data, messages are thrown away.
 * end: a channel it held ended (either side); the net ends it too.
 * refill: the net is about to take output from the session: queue more
 *     (a paced sender). An error stops that write (the application
 *     closed the connection).
 */
struct weft_net_app {
	const char	*name;		/* in logs */
	const char	*purpose;	/* of the channels it takes */
	size_t		 state_size;
	void		*arg;
	void		(*up)(void *arg, struct weft_peer *p, void *st);
	int		(*open)(void *arg, struct weft_peer *p, void *st,
			    uint16_t ch);
	int		(*data)(void *arg, struct weft_peer *p, void *st,
			    const struct weft_mux_ev *ev);
	void		(*end)(void *arg, struct weft_peer *p, void *st,
			    uint16_t ch);
	void		(*down)(void *arg, struct weft_peer *p, void *st);
	int		(*refill)(void *arg, struct weft_peer *p, void *st);
};

/*
 * A node we dial: one we keep a connection to (config, connect; a seed
 * only while we have fewer than out_target open connections), dialling
 * again after failures, or a one-shot dial of an address book entry
 * (learned; freed once that attempt ends).
 */
struct weft_dial {
	TAILQ_ENTRY(weft_dial)	 entry;
	uint8_t			 node[32];
	char			 addr[WEFT_NET_ADDR_MAX];	/* HOST:PORT */
	char			 host[WEFT_HOST_NAME_MAX + 1];
	uint16_t		 port;
	bool			 name;		/* host is resolved per dial */
	struct sockaddr_storage	 sa;		/* of the current attempt */
	struct addrinfo		*ai;		/* what host resolved to */
	struct addrinfo		*ai_next;	/* tried next, or NULL */
	struct weft__gai	*gai;		/* resolution in flight */
	unsigned		 attempts;	/* failures since last open */
	uint64_t		 next_ms;	/* loop time of the next dial */
	struct weft_peer	*conn;		/* our connection in progress */
	int			 last_err;	/* of the last failed attempt */
	bool			 learned;	/* from the address book, once */
	bool			 seed;		/* only under out_target */
	uint8_t			 source;	/* enum weft_addr_source */
};

TAILQ_HEAD(weft_dials, weft_dial);

struct weft_net {
	uv_loop_t		*loop;
	const struct weft_clock	*clock;		/* borrowed; NULL: system */
	const struct weft_keypair *node;	/* borrowed from the daemon */
	uint8_t			 netkey[32];
	struct weft_net_limits	 limits;
	struct weft_ratelog	 ratelog;	/* what strangers cause */
	char			 listen[WEFT_NET_ADDR_MAX];	/* bound, or "" */
	uv_tcp_t		 listener;
	bool			 listening;
	uv_timer_t		 accept_timer;	/* resumes deferred accepts */
	uint64_t		 accept_turn;	/* loop time of this turn */
	unsigned		 accepts;	/* in this turn */
	uv_timer_t		 tick;
	struct weft_peers	 peers;
	struct weft_dials	 dials;		/* kept and one-shot */
	unsigned		 ndials;	/* kept ones */
	unsigned		 handles;	/* open handles, net freed at 0 */
	uint64_t		 next_id;	/* of the next connection */
	bool			 stopping;
	struct weft_addrbook	 book;		/* learnt peer addresses */
	uint64_t		 next_discover_ms;
	bool			 rbuf_busy;
	uint8_t			 rbuf[WEFT_NET_READ_MAX];
	struct weft_sync	*sync;		/* borrowed; NULL: no replication */
	uv_timer_t		 sync_timer;	/* weft_sync_tick()'s deadline */
	bool			 sync_kick;	/* kick once the input is handled */
	struct weft_fetch	*fetch;		/* borrowed; NULL: no files */
	uint64_t		 sync_stored;	/* sync's count at the last kick */
	struct weft_store	*store;		/* borrowed, or NULL */
	bool			 book_dirty;	/* to be written to the store */
	uint64_t		 book_due_ms;	/* write no sooner */
	bool			 book_busy;	/* a write job is running */
	/* `weft disconnect`: not dialled again in this run. */
	uint8_t			 held[WEFT_NET_HELD_MAX][32];
	unsigned		 nheld;
	/* The channel applications, by registration (weft_net_app_add). */
	const struct weft_net_app *apps[WEFT_PEER_APPS];
	unsigned		 napps;
};

void	weft_net_limits_default(struct weft_net_limits *l);

/*
 * Registers a channel application (borrowed until the net is freed),
 * before any connection opens; weft_net_start() registers the net's own
 * ("addrs", "bench"). Returns 0, WEFT_EEXISTS (its purpose is taken) or
 * WEFT_ETOOBIG (WEFT_PEER_APPS registered).
 */
int	weft_net_app_add(struct weft_net *n, const struct weft_net_app *app);

/*
 * Opens a channel of purpose to p for the application registered for
 * purpose, which then holds it: 0, WEFT_ENOTFOUND (no such application,
 * or it was not told p opened) or an error from the mux.
 */
int	weft__net_chan_open(struct weft_peer *p, const char *purpose,
	    uint16_t *ch);

/*
 * Creates the net on loop and, when listen ("HOST:PORT", IP literal; port
 * 0 picks a free one) is not NULL, listens there. netkey (32 bytes) is
 * copied, node is borrowed until the net is freed. Returns 0 and *np, or
 * WEFT_EUSAGE (bad address) or a uv error from bind/listen; nothing is
 * left open on failure.
 */
int	weft_net_start(struct weft_net **np, uv_loop_t *loop,
	    const uint8_t netkey[32], const struct weft_keypair *node,
	    const char *listen, const struct weft_net_limits *limits);

/*
 * Stops listening and dialling and closes every connection. The memory
 * is freed once the loop has run the close callbacks. NULL is a no-op.
 */
void	weft_net_stop(struct weft_net *n);

/*
 * The wall clock for times that outlive the process (the address book's
 * last_seen, a peer's "since"): c is borrowed until the net is freed.
 * Without one the net reads the system's clock.
 */
void	weft_net_set_clock(struct weft_net *n, const struct weft_clock *c);

/*
 * Adds the peer ("NODEID@HOST:PORT") to the nodes kept connected, or
 * updates its address, clears its backoff and dials it now unless a
 * connection to it exists. Returns 0, WEFT_EUSAGE (malformed, or our own
 * node id) or WEFT_ETOOBIG (WEFT_NET_DIALS_MAX reached). The book records
 * the address with source (WEFT_ADDR_CONFIG or WEFT_ADDR_CONNECT) once a
 * handshake succeeded there.
 */
int	weft_net_connect(struct weft_net *n, const char *peer);
int	weft_net_connect_from(struct weft_net *n, const char *peer,
	    unsigned source);

/*
 * A seed ("NODEID@HOST:PORT"): dialled at start, and again with backoff
 * whenever fewer than out_target connections are open; it tells us of
 * other nodes (the addrs message) and is listed in the book with source
 * "seed" once a handshake succeeded. Returns as weft_net_connect().
 */
int	weft_net_seed(struct weft_net *n, const char *peer);

/*
 * A candidate address for node from elsewhere (LAN discovery:
 * WEFT_ADDR_LAN; or WEFT_ADDR_LEARNT): ip_port is an IP literal
 * ("IP:PORT", "[IPv6]:PORT"). It goes into the book unverified, and is
 * dialled soon (at the next tick) if we are under the outbound target;
 * only a handshake with node there verifies it. Returns 0 or as
 * weft_addrbook_add_from().
 */
int	weft_net_learn(struct weft_net *n, const uint8_t node[32],
	    const char *ip_port, enum weft_addr_source source);

/*
 * Gives the net the store for its address book: loads the verified
 * entries written by an earlier run, dials the best of them at once (up
 * to out_target), and from now on writes the book back (coalesced, on
 * the thread pool; and once more when the net stops). Call once, after
 * weft_net_set_sync() and weft_net_set_fetch(). s must stay open until
 * the loop has run dry after weft_net_stop(). Returns 0 or a store error
 * (the book then starts empty, still persisted).
 */
int	weft_net_set_store(struct weft_net *n, struct weft_store *s);

/*
 * Forgets node: removes it from the address book (and the store, at the
 * next write) and from the nodes dialled; an open connection stays open.
 * Returns 0 or WEFT_ENOTFOUND (neither in the book nor dialled).
 */
int	weft_net_forget(struct weft_net *n, const uint8_t node[32]);

/*
 * Closes the connection to node and stops dialling it for this run (its
 * book entry is kept, held). Returns 0 or WEFT_ENOTFOUND (neither
 * connected nor dialled).
 */
int	weft_net_disconnect(struct weft_net *n, const uint8_t node[32]);

/*
 * How many of the nodes we keep dialling have no connection and failed
 * their last attempt with WEFT_ENETKEY (for weft status).
 */
unsigned weft_net_netkey_mismatches(struct weft_net *n);

/*
 * The addresses others can dial us at, as "IP:PORT" strings: the listen
 * address, or, when listening on 0.0.0.0 or [::], every address of the
 * machine's interfaces of that family ([::] also takes IPv4) that is not
 * loopback or link-local, with the port; loopback ones only when there is
 * no other. Returns how many were written to out (at most max), 0 when
 * not listening.
 */
size_t	weft_net_addresses(struct weft_net *n,
	    char (*out)[WEFT_NET_ADDR_MAX], size_t max);

/* The dial target of node, or NULL. */
struct weft_dial *weft_net_dial_find(struct weft_net *n,
	    const uint8_t node[32]);

/*
 * Sends bytes of filler to the open connection of node on a data channel
 * of purpose "bench", which the receiver reads and throws away (for
 * benchmarks and tests of the send cap). Paced, the bytes are queued as
 * the channel drains; with burst, all at once, so that a peer that does
 * not read passes the send queue's cap and is closed. Returns 0,
 * WEFT_ENOTFOUND (no open connection to node), WEFT_ETOOBIG (burst: the
 * peer was closed at its cap) or an error from the mux.
 */
int	weft_net_push(struct weft_net *n, const uint8_t node[32],
	    uint64_t bytes, bool burst);

/*
 * Hands the open connections to replication: from now on every peer that
 * opens is announced to s (weft_sync_peer_up), its "sync" channels are
 * routed to s, and its close is announced (weft_sync_peer_down, from the
 * handle's close callback). s is borrowed and must outlive the net's
 * memory (free it after the loop has run dry). Call it right after
 * weft_net_start(), before any connection can open.
 */
void	weft_net_set_sync(struct weft_net *n, struct weft_sync *s);

/*
 * Where replication's io reaches the net: replication is made before the
 * net and outlives it, so its io holds this, which its owner (the daemon)
 * points at the running net and clears when it stops the net.
 */
struct weft_net_port {
	uv_loop_t		*loop;
	struct weft_net		*net;	/* NULL before start and after stop */
};

/*
 * Fills io with the network's side of replication, for weft_sync_new():
 * peers are the connections' 64-bit ids, jobs run on port's loop's thread
 * pool. Everything goes through port->net, so the calls fail harmlessly
 * (WEFT_ENOTFOUND) while the net is not running. port is borrowed for
 * the life of the io.
 */
void	weft_net_sync_io(struct weft_net_port *port, struct weft_sync_io *io);

/*
 * File transfer, alongside sync and in the same way: peers that open are
 * announced to f, "files" channels are routed to it, its timers run with
 * sync's, and weft_net_fetch_io() fills
 * its io for weft_fetch_new(). Call set right after weft_net_start().
 */
void	weft_net_set_fetch(struct weft_net *n, struct weft_fetch *f);
void	weft_net_fetch_io(struct weft_net_port *port,
	    struct weft_fetch_io *io);

/*
 * Closes the connection: with a reason (a session that can still speak),
 * a close message and goodbye go out first; err (0 for a clean close) is
 * logged with the reason as "peer <id or addr>: <reason>: <error>".
 */
void	weft__net_close(struct weft_peer *p, int err, const char *reason);

/*
 * The connection with id delivered something this node wanted (a record
 * stored, a chunk stored): such peers are protected from eviction for a
 * while. Unknown ids are ignored.
 */
void	weft_net_useful(struct weft_net *n, uint64_t id);

/* Sends what the session has queued, up to the socket queue's mark. */
void	weft__net_flush(struct weft_peer *p);

#endif
