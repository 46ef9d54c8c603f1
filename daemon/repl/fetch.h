/*
 * File transfer between peers (sans-I/O, STYLE.md §10: this header and
 * fetch.c never include <uv.h>), in the shape of sync.h: the network layer
 * tells struct weft_fetch about peers coming and going, hands it the
 * messages of its "files" channels, and fetch answers through struct
 * weft_fetch_io. Time comes in as now_ms; the next deadline goes out from
 * weft_fetch_tick(). The messages are docs/proto/files-transfer.md.
 *
 * Requesting: the set of chunks to get lives in the store (wanted files,
 * weft_store_missing_next), so a restart or a dropped connection loses
 * nothing; fetch keeps a bounded window of it in memory, spreads "want"s
 * over every connected peer (an adaptive number outstanding per peer),
 * learns from "none" who lacks what, asks elsewhere after a timeout or a
 * disconnect, checks every chunk against its id and stores them in
 * batches on the thread pool (weft_store_chunk_put_fetched, which refuses
 * chunks nobody wants). A peer that sends a wrong chunk is never asked for
 * that chunk again and is closed after WEFT_FETCH_BAD_MAX of them.
 *
 * Serving: "want"s from a peer are queued (bounded) and answered from the
 * store in order, each chunk read in its own short read transaction; when
 * io.send reports a full queue (WEFT_ETOOBIG) serving pauses and resumes
 * on the next tick or weft_fetch_drained().
 *
 * The rules of sync.h hold here too: the caller re-arms its timer with
 * weft_fetch_tick() after each call into fetch; no io callback calls back
 * into fetch before it returns (close() ends the connection later and
 * then calls weft_fetch_peer_down(); work() runs done later); peer
 * handles are never reused; the caller grants each message's window back
 * itself. Unlike sync, weft_fetch_free() may run with a store job in
 * flight: the job's done callback then only frees the job.
 */
#ifndef WEFT_FETCH_H
#define WEFT_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_store;
struct weft_fetch;

#define WEFT_FETCH_PURPOSE	"files"
/* Ids in one "want" or "none". */
#define WEFT_FETCH_IDS_MAX	64
/* Ids a requester may have unanswered on one channel. */
#define WEFT_FETCH_OUTSTANDING_MAX	256
/* Bytes of chunk data in one "chunk" message (a part of a big index). */
#define WEFT_FETCH_PART_MAX	(1024 * 1024)
/* Unsent bytes on a serving channel above which serving pauses. */
#define WEFT_FETCH_SERVE_QUEUED	(2u * 1024 * 1024)
/* Wrong chunks after which a peer is closed. */
#define WEFT_FETCH_BAD_MAX	3

typedef int weft_fetch_job_fn(void *job);
typedef void weft_fetch_done_fn(void *job, int status);

/* The same shape as struct weft_sync_io, so net can fill both alike. */
struct weft_fetch_io {
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
	int	(*work)(void *arg, weft_fetch_job_fn *fn,
		    weft_fetch_done_fn *done, void *job);
	/*
	 * Optional (may be NULL): unsent bytes queued on the channel.
	 * Serving pauses while more than WEFT_FETCH_SERVE_QUEUED wait.
	 */
	uint64_t (*queued)(void *arg, uint64_t peer, uint16_t ch);
	/*
	 * Optional (may be NULL): the peer sent a chunk that was stored
	 * (the net protects such peers from eviction).
	 */
	void	(*useful)(void *arg, uint64_t peer);
	/*
	 * Optional (may be NULL): asks the caller to run the tick and send
	 * what was queued soon, after this call returns (never from inside
	 * it): called when work arrives from outside the network, such as
	 * a record made here.
	 */
	void	(*wake)(void *arg);
};

/* Tunables; weft_fetch_opts_default() fills them in. */
struct weft_fetch_opts {
	uint32_t	window_min;	/* outstanding per peer at first */
	uint32_t	window_max;	/* and at most (<= OUTSTANDING_MAX) */
	uint64_t	timeout_ms;	/* ask elsewhere after this long */
	uint64_t	rescan_ms;	/* look at the store's wants again */
	uint64_t	retry_ms;	/* ask again who said "none" */
	uint32_t	table_max;	/* wanted ids held in memory */
	uint32_t	serve_max;	/* ids queued per serving channel */
	size_t		batch_bytes;	/* chunk bytes per store job */
};

void	weft_fetch_opts_default(struct weft_fetch_opts *o);

/*
 * Creates the module. store and io are borrowed until weft_fetch_free();
 * opts may be NULL for the defaults. Returns 0, WEFT_EUSAGE (opts out of
 * range) or -ENOMEM.
 */
int	weft_fetch_new(struct weft_fetch **fp, struct weft_store *store,
	    const struct weft_fetch_io *io, const struct weft_fetch_opts *opts);
/*
 * Frees everything. A store job still running keeps its own memory and
 * is freed by its done callback, which must still run (io.work's rule).
 */
void	weft_fetch_free(struct weft_fetch *f);

/* A peer is connected: fetch opens its "files" channel to it. */
void	weft_fetch_peer_up(struct weft_fetch *f, uint64_t peer,
	    const uint8_t node[32], uint64_t now_ms);
/* The peer is gone: what was asked of it is asked elsewhere. */
void	weft_fetch_peer_down(struct weft_fetch *f, uint64_t peer);
/*
 * The peer opened a channel. Returns 0 to accept a "files" channel (fetch
 * serves it) or WEFT_ENOTFOUND for another purpose.
 */
int	weft_fetch_on_open(struct weft_fetch *f, uint64_t peer, uint16_t ch,
	    const char *purpose);
/*
 * A complete message on a channel fetch owns; msg is borrowed for the
 * call. A non-zero return means the peer misbehaved (a malformed message,
 * an answer to nothing asked, too many wants): the caller closes it.
 */
int	weft_fetch_on_msg(struct weft_fetch *f, uint64_t peer, uint16_t ch,
	    const uint8_t *msg, size_t len, uint64_t now_ms);
/* The channel was ended by either side. */
void	weft_fetch_on_end(struct weft_fetch *f, uint64_t peer, uint16_t ch);
/* The peer's send queue has room again (optional: tick retries too). */
void	weft_fetch_drained(struct weft_fetch *f, uint64_t peer,
	    uint64_t now_ms);
/* Timers and paused work: returns the next deadline (UINT64_MAX: none). */
uint64_t weft_fetch_tick(struct weft_fetch *f, uint64_t now_ms);
/*
 * New files are wanted (weft get, a policy): look at the store's missing
 * chunks again from the start, at once.
 */
void	weft_fetch_kick(struct weft_fetch *f, uint64_t now_ms);

/*
 * Files were made wanted from outside the network (a get, a policy):
 * weft_fetch_kick(), then io.wake so that the requests go out now.
 */
void	weft_fetch_wanted(struct weft_fetch *f, uint64_t now_ms);

struct weft_fetch_stats {
	uint32_t	peers;		/* with a "files" channel */
	uint32_t	active;		/* sent a chunk in the last 5 s */
	uint32_t	wanted;		/* ids held in memory, not yet stored */
	uint32_t	inflight;	/* of them asked and unanswered */
	uint64_t	chunks;		/* stored since start */
	uint64_t	bytes;		/* their bytes */
	uint64_t	bad;		/* wrong chunks received */
	uint64_t	served;		/* chunk bytes sent to peers */
	uint64_t	received;	/* chunk bytes received, kept or not */
};

/*
 * The disk's gate (space.h, borrowed; NULL: none): fetch asks peers for
 * chunks and stores them only while it has room, keeps the bytes of a
 * batch the store could not take, and reports every write's outcome.
 */
struct weft_space;
void	weft_fetch_set_space(struct weft_fetch *f, struct weft_space *space);

/* Counters for progress and status. */
void	weft_fetch_stats(const struct weft_fetch *f, uint64_t now_ms,
	    struct weft_fetch_stats *st);

#endif
