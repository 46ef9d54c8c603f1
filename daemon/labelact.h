/*
 * Labels that block (docs/moderation.md): woken when a trusted
 * moderator's label came into force or went out of it (the store's
 * `label_due`), it acts on its target on the thread pool as `weft
 * block` and `weft unblock` do. A target that a label now blocks loses
 * its stored records (weft_store_block_purge(): an author's or design's,
 * with what is on the design, geometry included) and its files (no
 * longer wanted, then a gc); one that no label blocks any more gets
 * back what was taken (its `blocked_recs` notes dropped, then a
 * reconciliation round fetches the records from peers). A local block
 * of the target is left to `weft unblock`. One job at a time.
 */
#ifndef WEFT_LABELACT_H
#define WEFT_LABELACT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

struct weft_store;
struct weft_sync;

/*
 * label_due is read when a write puts rows in it (the store's commit
 * hook wakes the loop), and every WEFT_LABELACT_MS as a safety net (a
 * wake-up lost to a stop, rows another process wrote).
 */
#define WEFT_LABELACT_MS	10000
#define WEFT_LABELACT_BATCH	64	/* targets a job acts on */

struct weft_labelact {
	uv_loop_t		*loop;
	struct weft_store	*store;
	struct weft_sync	*sync;
	uint8_t			 own[32];	/* this node's author, for gc */
	uint64_t		 grace_ms;
	uv_timer_t		 timer;
	uv_async_t		 wake;		/* label_due gained rows */
	uv_work_t		 work;
	bool			 started;
	bool			 busy;		/* a job runs on the pool */
	bool			 again;		/* woken while busy */
	bool			 stopping;
	int			 err;
	/* What the last job did. */
	size_t			 n;
	bool			 released;
	bool			 more;
};

/*
 * Starts the timer (every interval_ms; 0: WEFT_LABELACT_MS) and the
 * wake-up (weft_store_on_commit(): the store must have no other commit
 * hook). Borrows.
 */
int	weft_labelact_start(struct weft_labelact *la, uv_loop_t *loop,
	    struct weft_store *store, struct weft_sync *sync,
	    const uint8_t own[32], uint64_t grace_ms, uint64_t interval_ms);
/*
 * Stops the timer and the wake-up; a job in flight ends without
 * reconciling.
 */
void	weft_labelact_stop(struct weft_labelact *la);

#endif
