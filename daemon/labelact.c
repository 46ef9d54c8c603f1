/*
 * Labels that block (labelact.h).
 */
#include <inttypes.h>
#include <string.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "labelact.h"
#include "log.h"
#include "store.h"
#include "sync.h"

struct act {
	struct weft_labelact	*la;
	uint64_t		 files;		/* no longer wanted */
	uint64_t		 records;	/* taken out */
	int			 err;
};

static const char *
on_name(int kind)
{
	return kind == WEFT_BLOCK_AUTHOR ? "author" : "design";
}

/*
 * One author or design whose label verdict may have changed: purged
 * while a label blocks it, its notes released once none does. A local
 * block is `weft block`'s and `weft unblock`'s business.
 */
static int
act_target(struct act *a, const uint8_t target[32], int kind)
{
	struct weft_store		*s = a->la->store;
	struct weft_store_verdict	 v;
	uint64_t			 files = 0, recs = 0;
	char				 hex[17], by[17];
	int				 err;

	err = weft_store_block_get(s, target, NULL);
	if (err == 0)
		return 0;
	if (err != WEFT_ENOTFOUND)
		return err;
	err = kind == WEFT_BLOCK_AUTHOR ? weft_store_target_verdict(s, target,
	    &v) : weft_store_verdict(s, target, &v);
	if (err)
		return err;
	weft_hex_encode(hex, target, 8);
	if (v.action != WEFT_VERDICT_BLOCK) {
		err = weft_store_blocked_release(s, target);
		if (err == 0)
			a->la->released = true;
		return err;
	}
	err = kind == WEFT_BLOCK_AUTHOR ? weft_store_unwant_author(s, target,
	    &files) : weft_store_unwant_design(s, target, &files);
	if (err == 0)
		err = weft_store_block_purge(s, kind, target, &recs);
	weft_hex_encode(by, v.by, 8);
	if (err == 0)
		log_info("moderation: %s %s blocked by moderator %s's label "
		    "%s: records deleted %" PRIu64 ", files no longer kept %"
		    PRIu64, on_name(kind), hex, v.local ? "-" : by, v.label,
		    recs, files);
	a->files += files;
	a->records += recs;
	return err;
}

static int
file_design_cb(void *arg, const uint8_t design[WEFT_ID_BYTES])
{
	struct act	*a = arg;

	/* Each design holding the file, as its own target. */
	a->err = act_target(a, design, WEFT_BLOCK_DESIGN);
	return a->err;
}

static void
act_work(uv_work_t *w)
{
	struct weft_labelact		*la = w->data;
	struct weft_store_label_due	 due[WEFT_LABELACT_BATCH];
	struct weft_store_gc_opts	 o;
	struct weft_store_gc_stats	 st;
	struct act			 a;
	int				 err, done;

	memset(&a, 0, sizeof(a));
	a.la = la;
	la->released = false;
	err = weft_store_label_due_take(la->store, due, WEFT_LABELACT_BATCH,
	    &la->n);
	la->more = err == 0 && la->n == WEFT_LABELACT_BATCH;
	for (size_t i = 0; i < la->n && err == 0; i++) {
		switch (due[i].on) {
		case WEFT_LABEL_AUTHOR:
			err = act_target(&a, due[i].target,
			    WEFT_BLOCK_AUTHOR);
			break;
		case WEFT_LABEL_DESIGN:
			err = act_target(&a, due[i].target,
			    WEFT_BLOCK_DESIGN);
			break;
		case WEFT_LABEL_FILE:
			err = weft_store_file_designs(la->store,
			    due[i].target, file_design_cb, &a);
			break;
		default:
			break;
		}
	}
	/* What no kept design shares goes, as after `weft block`. */
	if (err == 0 && a.files > 0) {
		memset(&o, 0, sizeof(o));
		o.own = la->own;
		o.grace_ms = la->grace_ms;
		err = weft_store_gc(la->store, &o, &st);
		if (err == 0)
			log_info("moderation: label blocks: chunks deleted "
			    "%llu (%llu bytes)", (unsigned long long)st.freed,
			    (unsigned long long)st.freed_bytes);
		if (err == WEFT_EBUSY)
			err = 0;	/* the running gc, or the next */
	}
	/* Acted on (or given up, as logged): not due again after a crash. */
	if (la->n > 0) {
		done = weft_store_label_due_done(la->store);
		if (err == 0)
			err = done;
	}
	la->err = err;
}

static void	arm(struct weft_labelact *la, uint64_t after_ms);

static void
act_after(uv_work_t *w, int status)
{
	struct weft_labelact	*la = w->data;

	la->busy = false;
	if (la->stopping || status != 0)
		return;
	if (la->err)
		log_warnc(la->err, "cannot act on moderators' labels");
	/* What a label no longer blocks comes back from peers now. */
	if (la->released && la->sync != NULL)
		weft_sync_reconcile(la->sync, uv_now(la->loop));
	if (la->more || la->again)
		arm(la, 1);
	la->again = false;
}

static void
tick(uv_timer_t *t)
{
	struct weft_labelact	*la = t->data;

	if (la->busy || la->stopping)
		return;
	la->work.data = la;
	if (uv_queue_work(la->loop, &la->work, act_work, act_after) == 0)
		la->busy = true;
}

static void
arm(struct weft_labelact *la, uint64_t after_ms)
{
	(void)uv_timer_start(&la->timer, tick, after_ms,
	    uv_timer_get_repeat(&la->timer));
}

/* On the loop: a write put rows in label_due. */
static void
woken(uv_async_t *h)
{
	struct weft_labelact	*la = h->data;

	if (la->stopping)
		return;
	if (la->busy)
		la->again = true;	/* the job may have read before them */
	else
		arm(la, 0);
}

/* On the thread that wrote, under the store's lock: only wakes the loop. */
static void
committed(void *arg, unsigned events)
{
	struct weft_labelact	*la = arg;

	if (events & WEFT_STORE_EV_LABEL_DUE)
		(void)uv_async_send(&la->wake);
}

int
weft_labelact_start(struct weft_labelact *la, uv_loop_t *loop,
    struct weft_store *store, struct weft_sync *sync, const uint8_t own[32],
    uint64_t grace_ms, uint64_t interval_ms)
{
	int	err;

	memset(la, 0, sizeof(*la));
	la->loop = loop;
	la->store = store;
	la->sync = sync;
	memcpy(la->own, own, 32);
	la->grace_ms = grace_ms;
	if (interval_ms == 0)
		interval_ms = WEFT_LABELACT_MS;
	err = uv_timer_init(loop, &la->timer);
	if (err)
		return err;
	err = uv_async_init(loop, &la->wake, woken);
	if (err) {
		uv_close((uv_handle_t *)&la->timer, NULL);
		return err;
	}
	la->timer.data = la;
	la->wake.data = la;
	la->started = true;
	weft_store_on_commit(store, committed, la);
	/* At once: what a crash or a policy change left due. */
	(void)uv_timer_start(&la->timer, tick, 0, interval_ms);
	return 0;
}

void
weft_labelact_stop(struct weft_labelact *la)
{
	if (!la->started || la->stopping)
		return;
	la->stopping = true;
	/* No thread calls committed() once this returns. */
	weft_store_on_commit(la->store, NULL, NULL);
	uv_timer_stop(&la->timer);
	uv_close((uv_handle_t *)&la->timer, NULL);
	uv_close((uv_handle_t *)&la->wake, NULL);
}
