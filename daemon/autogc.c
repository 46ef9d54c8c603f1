/*
 * The automatic gc (autogc.h): a libuv timer that queues the store's gc
 * on the thread pool and logs what it freed.
 */
#include <string.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "autogc.h"
#include "log.h"
#include "store.h"

static void
autogc_work(uv_work_t *req)
{
	struct weft_autogc		*g = req->data;
	struct weft_store_gc_opts	 o;

	memset(&o, 0, sizeof(o));
	o.own = g->own;
	o.grace_ms = g->grace_ms;
	o.evict_to = g->evict_to;
	g->err = weft_store_gc(g->store, &o, &g->st);
}

/* Says what an eviction took, least recently used first. */
static void
log_evicted(const struct weft_store_gc_stats *st, uint64_t now_ms)
{
	const struct weft_store_evicted	*e;
	char				 hex[2 * WEFT_ID_BYTES + 1];

	if (st->unused_bytes > 0)
		log_info("max-store: freed %llu bytes of files no policy "
		    "keeps and nothing used", (unsigned long long)
		    st->unused_bytes);
	for (size_t i = 0; i < st->nev; i++) {
		e = &st->ev[i];
		weft_hex_encode(hex, e->design, WEFT_ID_BYTES);
		log_info("max-store: evicted the files of design %.16s "
		    "(%llu bytes, last used %llu s ago)", hex,
		    (unsigned long long)e->bytes, (unsigned long long)
		    (now_ms > e->last_ms ? (now_ms - e->last_ms) / 1000 : 0));
	}
	if (st->evicted > st->nev)
		log_info("max-store: evicted %llu designs more",
		    (unsigned long long)(st->evicted - st->nev));
}

static void
autogc_after(uv_work_t *req, int status)
{
	struct weft_autogc	*g = req->data;
	uv_timeval64_t		 tv;

	g->busy = false;
	if (g->done != NULL)
		g->done(g->done_arg);
	if (status != 0)
		return;
	if (g->err == WEFT_EBUSY)
		return;		/* a manual gc runs */
	if (g->err) {
		log_warnc(g->err, "automatic gc failed");
		return;
	}
	if (g->evict_to != 0 && uv_gettimeofday(&tv) == 0)
		log_evicted(&g->st, (uint64_t)tv.tv_sec * 1000 +
		    (uint64_t)tv.tv_usec / 1000);
	if (g->st.freed > 0)
		log_info("automatic gc: freed %llu chunks (%llu bytes), "
		    "kept %llu", (unsigned long long)g->st.freed,
		    (unsigned long long)g->st.freed_bytes,
		    (unsigned long long)g->st.kept);
}

static void
autogc_run(struct weft_autogc *g)
{
	if (g->busy || g->loop == NULL)
		return;
	g->work.data = g;
	if (uv_queue_work(g->loop, &g->work, autogc_work, autogc_after) == 0)
		g->busy = true;
	else if (g->done != NULL)
		g->done(g->done_arg);
}

void
weft_autogc_now(struct weft_autogc *g)
{
	autogc_run(g);
}

void
weft_autogc_set_evict(struct weft_autogc *g, uint64_t evict_to)
{
	g->evict_to = evict_to;
}

void
weft_autogc_on_done(struct weft_autogc *g, void (*done)(void *), void *arg)
{
	g->done = done;
	g->done_arg = arg;
}

static void
autogc_tick(uv_timer_t *t)
{
	struct weft_autogc	*g = t->data;

	if (g->busy)
		return;
	g->work.data = g;
	if (uv_queue_work(g->loop, &g->work, autogc_work, autogc_after) == 0)
		g->busy = true;
}

void
weft_autogc_start(struct weft_autogc *g, uv_loop_t *loop,
    struct weft_store *store, const uint8_t own[32], uint64_t interval_ms,
    uint64_t grace_ms)
{
	memset(g, 0, sizeof(*g));
	g->loop = loop;
	g->store = store;
	memcpy(g->own, own, 32);
	g->grace_ms = grace_ms;
	if (interval_ms == 0 || uv_timer_init(loop, &g->timer) != 0)
		return;
	g->timer.data = g;
	uv_timer_start(&g->timer, autogc_tick, interval_ms, interval_ms);
	g->started = true;
}

void
weft_autogc_stop(struct weft_autogc *g)
{
	if (!g->started)
		return;
	g->started = false;
	uv_close((uv_handle_t *)&g->timer, NULL);
}
