/*
 * Replication of records between peers (sans-I/O, STYLE.md §10: this
 * header and sync.c never include <uv.h>). The network layer (net.c) owns
 * connections and their multiplexers; it tells struct weft_sync about
 * peers coming up and going down and hands it the messages of the channels
 * sync opened or accepted. sync answers through struct weft_sync_io: open
 * a channel, send a message, close a misbehaving peer, run a job on the
 * thread pool. Time comes in as now_ms; the next deadline goes out from
 * weft_sync_tick(). Peers are named by the network layer's 64-bit handle.
 *
 * What it does (docs/proto/sync.md): on a new peer, range-based
 * reconciliation per scope both are interested in (the store's recon
 * index), then batched requests for missing records, verified and stored
 * with weft_store_records_put on the pool; records whose dependencies have
 * not arrived are held (bounded) and retried when they do; new records,
 * local or received, are pushed once to the connected peers interested in
 * them; reconciliation repeats periodically.
 *
 * Memory is bounded: per peer a capped queue of ids to ask for and a
 * small set of ids it is known to have; one capped queue of envelopes
 * waiting to be verified; a capped pool of records held for missing
 * dependencies. Anything dropped at a cap is not lost: it is absent from
 * the store, so the next reconciliation finds it again.
 *
 * The caller re-arms its timer with weft_sync_tick() after calling into
 * sync (a message or a finished job can move the deadline earlier).
 * weft_sync_free() may run only when no job is in flight (after every
 * done callback ran). No io callback may call back into sync before it
 * returns: close() ends the connection later and then calls
 * weft_sync_peer_down(), and work() runs done on a later loop iteration.
 * Peer handles are never reused. The caller hands every message of a
 * sync channel to weft_sync_on_msg() and grants its window back
 * (weft_mux_consumed()) itself.
 */
#ifndef WEFT_SYNC_H
#define WEFT_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/wire.h"

struct weft_buf;
struct weft_store;
struct weft_sync;
struct weft_wire_hello;

typedef int weft_sync_job_fn(void *job);
typedef void weft_sync_done_fn(void *job, int status);

struct weft_sync_io {
	void	*arg;
	/* Opens a channel with purpose on the peer; *ch gets its number. */
	int	(*open)(void *arg, uint64_t peer, const char *purpose,
		    uint16_t *ch);
	/* Queues one message on a channel. WEFT_ETOOBIG: queue full. */
	int	(*send)(void *arg, uint64_t peer, uint16_t ch, const void *msg,
		    size_t len);
	/* Closes the peer's connection, logging the reason. */
	void	(*close)(void *arg, uint64_t peer, int err, const char *reason);
	/*
	 * Runs fn(job) off the loop, then done(job, status) on the loop.
	 * Returns 0, or an error (then neither runs).
	 */
	int	(*work)(void *arg, weft_sync_job_fn *fn, weft_sync_done_fn *done,
		    void *job);
	/*
	 * Optional (may be NULL): unsent bytes queued on the channel, so
	 * that live pushes skip a peer whose queue is filling up.
	 */
	uint64_t (*queued)(void *arg, uint64_t peer, uint16_t ch);
	/*
	 * Optional (may be NULL): logs that the peer sent an invalid record,
	 * id (NULL when the envelope does not even open) and why (err).
	 * Sync calls it at a bounded rate; suppressed counts the rejections
	 * it left out since the last call.
	 */
	void	(*reject)(void *arg, uint64_t peer, const uint8_t *id, int err,
		    uint64_t suppressed);
	/*
	 * Optional (may be NULL): asks the caller to run the tick and send
	 * what was queued soon, after this call returns (never from inside
	 * it): called when work arrives from outside the network, such as
	 * a record made here.
	 */
	void	(*wake)(void *arg);
	/*
	 * Optional (may be NULL): the peer sent a record that was stored
	 * (the net protects such peers from eviction).
	 */
	void	(*useful)(void *arg, uint64_t peer);
};

/* Defaults of struct weft_sync_opts. */
#define WEFT_SYNC_RECONCILE_MS	30000	/* periodic reconciliation */
#define WEFT_SYNC_PENALTY_MAX	3	/* invalid records before closing */
#define WEFT_SYNC_JOBS_MAX	3	/* verify+store batches in flight */
#define WEFT_SYNC_BATCH_MAX	4096	/* records per batch */
#define WEFT_SYNC_QUEUE_BYTES	(32u * 1024 * 1024)	/* awaiting verify */
#define WEFT_SYNC_HELD_MAX	100000	/* records held for dependencies */
#define WEFT_SYNC_HELD_BYTES	(64u * 1024 * 1024)
#define WEFT_SYNC_WANTQ_MAX	262144	/* ids queued per peer */
#define WEFT_SYNC_WANTS_OUT	2	/* unanswered wants per peer */
#define WEFT_SYNC_TIMEOUT_MS	60000	/* want or round unanswered */
#define WEFT_SYNC_RECENT	1024	/* ids a peer is known to have */
#define WEFT_SYNC_LIMITED_MAX	65536	/* ids refused for flood limits */
#define WEFT_SYNC_PUSH_QUEUED	(2u * 1024 * 1024)	/* skip pushes above */
/* Rejection log lines: a burst, then one per interval; per peer and all. */
#define WEFT_SYNC_REJECT_BURST	5
#define WEFT_SYNC_REJECT_MS	1000
#define WEFT_SYNC_REJECT_ALL_BURST	20
#define WEFT_SYNC_REJECT_ALL_MS	250

/* Message limits of docs/proto/sync.md. */
#define WEFT_SYNC_WANT_IDS	256	/* ids in a want or absent */
#define WEFT_SYNC_ENVS_MAX	256	/* envelopes in records or push */
#define WEFT_SYNC_ENVS_BYTES	(960u * 1024)	/* their sum */
#define WEFT_SYNC_PURPOSE	"sync"
#define WEFT_SYNC_INTERESTS_MAX	8	/* configured interests */

struct weft_sync_opts {
	uint64_t	reconcile_ms;
	uint32_t	penalty_max;
	uint32_t	jobs_max;
	uint32_t	batch_max;	/* <= WEFT_STORE_BATCH_MAX */
	uint64_t	queue_bytes;
	uint32_t	held_max;
	uint64_t	held_bytes;
	uint32_t	wantq_max;
	uint64_t	timeout_ms;
	/*
	 * Our interests (docs/proto/sync.md, "Scopes"), sent in HELLO and
	 * "interests" and reconciled: this list, or scope all when
	 * ninterests is 0 (the default), plus one scope per policy (follow:
	 * the author; mirror: the library; mirror all: all). Tests set a
	 * list without all to replicate only some scopes (weftd takes it
	 * from WEFT_SYNC_INTERESTS, see weft_sync_opts_interests()).
	 */
	uint32_t	ninterests;	/* <= WEFT_SYNC_INTERESTS_MAX */
	struct weft_wire_interest interests[WEFT_SYNC_INTERESTS_MAX];
};

/*
 * Parses a list of interests into o->interests: words separated by
 * spaces or commas, each "all", "author:HEX" or "lib:HEX" (64 hex
 * characters). Returns 0, or WEFT_EUSAGE (a bad word, or more than
 * WEFT_SYNC_INTERESTS_MAX; o is unchanged).
 */
int	weft_sync_opts_interests(struct weft_sync_opts *o, const char *spec);

/*
 * Writes our interests (as in struct weft_sync_opts) to out, at most max,
 * for the HELLO. Returns their number (0 if the store fails: no
 * interests is read as all).
 */
uint32_t weft_sync_interests(struct weft_sync *s,
	    struct weft_wire_interest *out, uint32_t max);

/*
 * Our policies changed (weft follow, mirror and their undoing): every
 * peer whose view of our interests is out of date is sent an
 * "interests" message (docs/proto/sync.md), and the scopes shared with
 * it are computed again; then io.wake.
 */
void	weft_sync_interests_changed(struct weft_sync *s, uint64_t now_ms);

/*
 * The "interests" message (docs/proto/sync.md): encode appends
 * {"t": "interests", "interests": [...]} for in[0..n) to out and returns
 * 0, WEFT_EUSAGE (n over WEFT_WIRE_INTERESTS_MAX or an unknown scope) or
 * a buffer error. decode takes one whole message of len bytes and
 * writes its interests to out (room for WEFT_WIRE_INTERESTS_MAX) and
 * their number to *n (0: all); it returns 0, WEFT_EPROTO (anything
 * that is not exactly such a message) or -ENOMEM.
 */
int	weft_sync_interests_encode(struct weft_buf *out,
	    const struct weft_wire_interest *in, uint32_t n);
int	weft_sync_interests_decode(const uint8_t *msg, size_t len,
	    struct weft_wire_interest *out, uint32_t *n);

/* Counters, for logs, weft status and tests. */
struct weft_sync_stats {
	uint64_t	peers;
	uint64_t	stored;		/* records stored from peers */
	uint64_t	dups;		/* received, already present */
	uint64_t	rejected;	/* invalid records received */
	uint64_t	blocked;	/* refused: blocked author, design */
	uint64_t	limited;	/* refused for flood limits */
	uint64_t	held;		/* in the dependency pool now */
	uint64_t	held_dropped;	/* dropped from the pool at its cap */
	uint64_t	queued;		/* awaiting verification now */
	uint64_t	rounds;		/* reconciliations completed */
	uint64_t	msgs_in, msgs_out;
	uint64_t	bytes_in, bytes_out;
};

struct weft_sync_peer_stats {
	uint32_t	penalty;	/* invalid records it sent */
	uint64_t	wantq;		/* ids queued to ask it for */
	uint32_t	wants_out;	/* unanswered wants */
	bool		recon_active;	/* a round we started runs */
};

/*
 * Creates the replication state over store (borrowed; it must outlive
 * s), with the default options; io is copied. Returns 0 or -ENOMEM.
 */
int	weft_sync_new(struct weft_sync **sp, struct weft_store *store,
	    const struct weft_sync_io *io);
void	weft_sync_free(struct weft_sync *s);
/* Fills o with the defaults above. */
void	weft_sync_opts_default(struct weft_sync_opts *o);
/*
 * Replaces the options (call before the first peer comes up). Returns 0
 * or WEFT_EUSAGE (a value out of range; nothing changed).
 */
int	weft_sync_configure(struct weft_sync *s,
	    const struct weft_sync_opts *o);
void	weft_sync_stats(const struct weft_sync *s, struct weft_sync_stats *st);
/*
 * The disk's gate (space.h, borrowed; NULL: none): ingest runs only while
 * it has room, records the store could not take are kept and written
 * later, and rounds start again for what was dropped meanwhile.
 */
struct weft_space;
void	weft_sync_set_space(struct weft_sync *s, struct weft_space *space);
/* Returns 0, or WEFT_ENOTFOUND for a peer sync does not know. */
int	weft_sync_peer_stats(const struct weft_sync *s, uint64_t peer,
	    struct weft_sync_peer_stats *st);
/* Starts a reconciliation with every peer now (e.g. weft sync). */
void	weft_sync_reconcile(struct weft_sync *s, uint64_t now_ms);

/* A peer finished its handshake and both HELLOs were exchanged. */
void	weft_sync_peer_up(struct weft_sync *s, uint64_t peer,
	    const uint8_t node[32], const struct weft_wire_hello *hello,
	    uint64_t now_ms);
/*
 * The same, for a caller that knows the interests our HELLO carried
 * (sent[0..nsent), 0: all). A HELLO is built before the handshake and a
 * policy may change meanwhile: sync starts from what the peer was told,
 * as the peer does, and sends the current interests first if they
 * differ.
 */
void	weft_sync_peer_up_sent(struct weft_sync *s, uint64_t peer,
	    const uint8_t node[32], const struct weft_wire_hello *hello,
	    const struct weft_wire_interest *sent, uint32_t nsent,
	    uint64_t now_ms);
/* The peer's connection is gone; forget everything about it. */
void	weft_sync_peer_down(struct weft_sync *s, uint64_t peer);
/*
 * The peer opened a channel. Returns 0 to accept (sync handles its
 * messages from now on) or WEFT_ENOTFOUND for a purpose it does not serve.
 */
int	weft_sync_on_open(struct weft_sync *s, uint64_t peer, uint16_t ch,
	    const char *purpose);
/*
 * A complete message on a channel sync owns. msg is borrowed for the call.
 * A non-zero return means the peer misbehaved: the caller closes it.
 */
int	weft_sync_on_msg(struct weft_sync *s, uint64_t peer, uint16_t ch,
	    const uint8_t *msg, size_t len, uint64_t now_ms);
/* The channel was ended by either side. */
void	weft_sync_on_end(struct weft_sync *s, uint64_t peer, uint16_t ch);
/* Timers: returns the next deadline in ms (UINT64_MAX for none). */
uint64_t weft_sync_tick(struct weft_sync *s, uint64_t now_ms);
/*
 * A record was stored locally (published here): push it to peers. Then
 * io.wake, so that the pushes go out without waiting for a timer.
 */
void	weft_sync_local_record(struct weft_sync *s, const uint8_t id[32],
	    const uint8_t *env, size_t len);

#endif
