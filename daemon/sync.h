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
 */
#ifndef WEFT_SYNC_H
#define WEFT_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
};

int	weft_sync_new(struct weft_sync **sp, struct weft_store *store,
	    const struct weft_sync_io *io);
void	weft_sync_free(struct weft_sync *s);

/* A peer finished its handshake and both HELLOs were exchanged. */
void	weft_sync_peer_up(struct weft_sync *s, uint64_t peer,
	    const uint8_t node[32], const struct weft_wire_hello *hello,
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
/* A record was stored locally (published here): push it to peers. */
void	weft_sync_local_record(struct weft_sync *s, const uint8_t id[32],
	    const uint8_t *env, size_t len);

#endif
