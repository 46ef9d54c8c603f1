/*
 * Box-stream crypto of a connection's bulk bytes on the thread pool, so
 * that one connection can keep two cores busy: the loop moves buffers
 * and runs the protocol, a worker seals what we send and opens what we
 * receive. A struct weft_boxjob is one batch of one direction: the
 * frames of up to WEFT_BOXWORK_TX_MAX bytes to seal, or the ciphertext
 * of one or more reads to open. The box nonce is a counter, so each
 * direction is one in-order pipeline: net.c keeps at most one job per
 * direction in flight, applies its result before starting the next, and
 * queues what comes meanwhile (reads in a capped queue, sends in the
 * session's own capped queues).
 *
 * A batch smaller than WEFT_BOXWORK_MIN costs more as a job (queueing,
 * two thread wake-ups) than its crypto: it runs on the loop, as does any
 * batch while the net's jobs already hold WEFT_BOXWORK_NET_MAX bytes.
 */
#ifndef WEFT_BOXWORK_H
#define WEFT_BOXWORK_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "weft/buf.h"

struct weft_boxs;

/* Batches below this many bytes are done on the loop (BENCHMARKS.md). */
#define WEFT_BOXWORK_MIN	(16u * 1024)
/* Frames sealed per job. */
#define WEFT_BOXWORK_TX_MAX	(128u * 1024)
/* Ciphertext queued behind a running open job, per connection. */
#define WEFT_BOXWORK_RXQ_MAX	(1024u * 1024)
/*
 * Bytes in jobs on the pool, all connections together: libuv's pool (4
 * threads) also runs the store's jobs, which so wait behind at most a
 * few milliseconds of box crypto.
 */
#define WEFT_BOXWORK_NET_MAX	(8u * 1024 * 1024)

struct weft_boxjob;
typedef void	weft_boxjob_done_fn(struct weft_boxjob *);

struct weft_boxjob {
	uv_work_t		 req;
	void			*arg;		/* the caller's */
	struct weft_boxs	*bs;		/* lent for the job's time */
	bool			 seal;		/* else open */
	bool			 goodbye;	/* seal: goodbye box after */
	struct weft_buf		 in;		/* frames, or ciphertext */
	struct weft_buf		 out;		/* ciphertext, or frames */
	size_t			 used;		/* open: bytes of in consumed */
	int			 err;		/* of the crypto */
	size_t			*net_bytes;	/* the net's count, if queued */
	weft_boxjob_done_fn	*done;
};

/*
 * A new job for bs: seal (frames go into j->in, at most
 * WEFT_BOXWORK_TX_MAX bytes) or open (ciphertext, at most
 * WEFT_BOXWORK_RXQ_MAX + a read). NULL when out of memory.
 */
struct weft_boxjob *weft_boxjob_new(struct weft_boxs *bs, bool seal,
	    void *arg);
void	weft_boxjob_free(struct weft_boxjob *j);

/*
 * Runs j: on the pool when it is large enough and the net's jobs hold
 * less than WEFT_BOXWORK_NET_MAX bytes (*net_bytes counts them), then
 * done runs on the loop afterwards and this returns 1; otherwise at once,
 * here, and this returns 0 without calling done (the caller takes the
 * result). Either way the caller owns j afterwards (in done).
 */
int	weft_boxjob_run(uv_loop_t *loop, struct weft_boxjob *j,
	    size_t *net_bytes, weft_boxjob_done_fn *done);

#endif
