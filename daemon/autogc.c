/*
 * The automatic gc (autogc.h): a libuv timer that queues the store's gc
 * on the thread pool and logs what it freed.
 */
#include <string.h>

#include <uv.h>

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
	g->err = weft_store_gc(g->store, &o, &g->st);
}

static void
autogc_after(uv_work_t *req, int status)
{
	struct weft_autogc	*g = req->data;

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
