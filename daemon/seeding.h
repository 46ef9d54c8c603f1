/*
 * The daemon's seed receipt timer (docs/proto/records.md, `receipt`):
 * every sweep interval, a sweep of repl/seeder.c on the thread pool
 * signs the receipts due with the node key; on the loop, sync pushes
 * them to the interested peers. One sweep at a time.
 */
#ifndef WEFT_SEEDING_H
#define WEFT_SEEDING_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

struct weft_clock;
struct weft_keypair;
struct weft_seeder_out;
struct weft_store;
struct weft_sync;

#define WEFT_SEEDING_FIRST_MS	60000

struct weft_seeding {
	uv_loop_t		*loop;
	struct weft_store	*store;
	struct weft_sync	*sync;
	const struct weft_keypair *node;
	const struct weft_clock	*clock;
	uint64_t		 ttl_ms;
	uint64_t		 sweep_ms;
	uv_timer_t		 timer;
	uv_work_t		 work;
	bool			 started;
	bool			 busy;		/* a sweep runs on the pool */
	bool			 stopping;
	uint64_t		 now_ms;	/* of the running sweep */
	int			 err;
	struct weft_seeder_out	*out;
};

/*
 * Starts the timer: receipts live ttl_ms (0: WEFT_SEEDER_TTL_MS), a sweep
 * runs every sweep_ms (0: the smaller of WEFT_SEEDER_SWEEP_MS and a
 * quarter of ttl_ms), the first one sweep_ms after start, or a minute
 * (WEFT_SEEDING_FIRST_MS) if that is sooner. Borrows
 * everything. Returns 0 or a libuv or allocation error.
 */
int	weft_seeding_start(struct weft_seeding *sd, uv_loop_t *loop,
	    struct weft_store *store, struct weft_sync *sync,
	    const struct weft_keypair *node, const struct weft_clock *clock,
	    uint64_t ttl_ms, uint64_t sweep_ms);
/* Stops the timer; a sweep in flight ends without pushing. */
void	weft_seeding_stop(struct weft_seeding *sd);
/* Frees what is left, once the loop ran dry. */
void	weft_seeding_close(struct weft_seeding *sd);

#endif
