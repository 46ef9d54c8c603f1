/*
 * The seed receipt timer (seeding.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "weft/err.h"
#include "weft/key.h"

#include "clock.h"
#include "log.h"
#include "seeder.h"
#include "seeding.h"
#include "sync.h"

static void	arm(struct weft_seeding *sd, uint64_t after_ms);

static void
sweep_work(uv_work_t *w)
{
	struct weft_seeding	*sd = w->data;

	sd->err = weft_seeder_sweep(sd->store, sd->node->pk, sd->node->sk,
	    sd->now_ms, sd->ttl_ms, sd->out);
}

static void
sweep_after(uv_work_t *w, int status)
{
	struct weft_seeding	*sd = w->data;
	struct weft_seeder_out	*out = sd->out;

	sd->busy = false;
	if (status == 0 && sd->err != 0)
		log_warnc(sd->err, "cannot sign seed receipts");
	if (!sd->stopping && status == 0) {
		for (size_t i = 0; i < out->n; i++)
			weft_sync_local_record(sd->sync, out->ids[i],
			    out->envs[i].data, out->envs[i].len);
		if (out->n > 0 || out->pruned > 0)
			log_info("seed receipts: %zu signed, %" PRIu64
			    " expired dropped", out->n, out->pruned);
	}
	/* A full batch: the rest soon. */
	if (!sd->stopping)
		arm(sd, out->n == WEFT_SEEDER_BATCH_MAX ? 1 : sd->sweep_ms);
	weft_seeder_out_release(out);
}

static void
timer_cb(uv_timer_t *t)
{
	struct weft_seeding	*sd = t->data;

	if (sd->busy || sd->stopping)
		return;
	sd->now_ms = weft_clock_now_ms(sd->clock);
	sd->work.data = sd;
	if (uv_queue_work(sd->loop, &sd->work, sweep_work, sweep_after) != 0) {
		arm(sd, sd->sweep_ms);
		return;
	}
	sd->busy = true;
}

static void
arm(struct weft_seeding *sd, uint64_t after_ms)
{
	(void)uv_timer_start(&sd->timer, timer_cb, after_ms, 0);
}

int
weft_seeding_start(struct weft_seeding *sd, uv_loop_t *loop,
    struct weft_store *store, struct weft_sync *sync,
    const struct weft_keypair *node, const struct weft_clock *clock,
    uint64_t ttl_ms, uint64_t sweep_ms)
{
	int	err;

	memset(sd, 0, sizeof(*sd));
	sd->loop = loop;
	sd->store = store;
	sd->sync = sync;
	sd->node = node;
	sd->clock = clock;
	sd->ttl_ms = ttl_ms ? ttl_ms : WEFT_SEEDER_TTL_MS;
	if (sd->ttl_ms > WEFT_RECEIPT_TTL_MAX)
		sd->ttl_ms = WEFT_RECEIPT_TTL_MAX;
	sd->sweep_ms = sweep_ms;
	if (sd->sweep_ms == 0) {
		sd->sweep_ms = sd->ttl_ms / 4;
		if (sd->sweep_ms > WEFT_SEEDER_SWEEP_MS)
			sd->sweep_ms = WEFT_SEEDER_SWEEP_MS;
		if (sd->sweep_ms == 0)
			sd->sweep_ms = 1;
	}
	sd->out = calloc(1, sizeof(*sd->out));
	if (sd->out == NULL)
		return -ENOMEM;
	err = uv_timer_init(loop, &sd->timer);
	if (err) {
		free(sd->out);
		sd->out = NULL;
		return err;
	}
	sd->timer.data = sd;
	sd->started = true;
	/* Not at once: a node starting up has better things to do. */
	arm(sd, sd->sweep_ms < WEFT_SEEDING_FIRST_MS ? sd->sweep_ms :
	    WEFT_SEEDING_FIRST_MS);
	return 0;
}

void
weft_seeding_stop(struct weft_seeding *sd)
{
	if (!sd->started || sd->stopping)
		return;
	sd->stopping = true;
	uv_timer_stop(&sd->timer);
	uv_close((uv_handle_t *)&sd->timer, NULL);
}

void
weft_seeding_close(struct weft_seeding *sd)
{
	free(sd->out);
	sd->out = NULL;
	sd->started = false;
}
