/*
 * The store's disk, watched (space.h): a small state machine on the loop
 * thread. States: open (writes go ahead while the disk keeps the reserve
 * free) and paused (by a failed write, or by the reserve). A paused gate
 * lets one probe through when the free space has come back above the
 * reserve, or when its backoff is over; the probe's outcome opens it or
 * doubles the backoff.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"

#include "log.h"
#include "space.h"
#include "store.h"

/* Failed writes logged per window, then one summary line. */
#define FAIL_LOG_BURST		5
#define FAIL_LOG_WINDOW_MS	10000

struct weft_space {
	struct weft_store	*s;
	struct weft_space_opts	 o;
	bool			 paused;
	int			 err;		/* why paused */
	bool			 by_space;	/* the reserve, not a write */
	uint64_t		 want_free;	/* by_space: resume at this */
	uint64_t		 avail_at_fail;
	uint64_t		 avail;
	bool			 have_avail;
	uint64_t		 next_poll;
	uint64_t		 backoff;
	uint64_t		 next_probe;
	uint64_t		 pauses;
	uint64_t		 failures;
	/* the failed-write log's rate limit */
	uint64_t		 flog_start;
	uint32_t		 flog_n;
	uint64_t		 flog_skipped;
	/* max-store */
	uint64_t		 max_store;	/* 0: none */
	uint64_t		 chunk_bytes;
	bool			 at_max;
	bool			 gc_running;	/* asked of the hook */
	uint64_t		 max_next_poll;
	weft_space_gc_fn	*gc_fn;
	void			*gc_arg;
};

void
weft_space_opts_default(struct weft_space_opts *o)
{
	o->reserve = 64u * 1024 * 1024;
	o->poll_ms = 250;
	o->probe_min_ms = 1000;
	o->probe_max_ms = 30000;
}

int
weft_space_new(struct weft_space **sp, struct weft_store *s,
    const struct weft_space_opts *o)
{
	struct weft_space	*g;

	*sp = NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	if (o != NULL)
		g->o = *o;
	else
		weft_space_opts_default(&g->o);
	if (g->o.poll_ms == 0 || g->o.probe_min_ms == 0 ||
	    g->o.probe_max_ms < g->o.probe_min_ms) {
		free(g);
		return WEFT_EUSAGE;
	}
	g->s = s;
	g->backoff = g->o.probe_min_ms;
	*sp = g;
	return 0;
}

void
weft_space_free(struct weft_space *sp)
{
	free(sp);
}

bool
weft_space_is_disk_error(int err)
{
	switch (err) {
	case -ENOSPC:
	case -EDQUOT:
	case -EFBIG:
	case -EIO:
	case -EROFS:
	case WEFT_ESTOREFULL:
		return true;
	default:
		return false;
	}
}

static void
poll_avail(struct weft_space *sp, uint64_t now_ms, bool force)
{
	uint64_t	avail;

	if (!force && sp->have_avail && now_ms < sp->next_poll)
		return;
	sp->next_poll = now_ms + sp->o.poll_ms;
	if (weft_store_disk_free(sp->s, &avail, NULL) == 0) {
		sp->avail = avail;
		sp->have_avail = true;
	}
}

static double
mb(uint64_t bytes)
{
	return (double)bytes / 1e6;
}

static void
resume(struct weft_space *sp)
{
	sp->paused = false;
	sp->by_space = false;
	sp->err = 0;
	sp->backoff = sp->o.probe_min_ms;
	log_info("store writable again (%.1f MB free): fetching and ingest "
	    "resumed", mb(sp->avail));
}

static void
pause_now(struct weft_space *sp, int err, bool by_space, uint64_t now_ms)
{
	const char	*path = "?";

	(void)weft_store_path(sp->s, &path);
	if (!sp->paused) {
		sp->pauses++;
		if (by_space)
			log_warnx("store '%s': %.1f MB free, short of the "
			    "reserve of %.1f MB and %.1f MB to write: fetching "
			    "and ingest paused", path, mb(sp->avail),
			    mb(sp->o.reserve), mb(sp->want_free -
			    sp->o.reserve));
		else
			log_warnx("store '%s': %s (%.1f MB free): fetching "
			    "and ingest paused", path, weft_strerror(err),
			    mb(sp->avail));
		sp->backoff = sp->o.probe_min_ms;
	} else if (sp->backoff < sp->o.probe_max_ms) {
		sp->backoff *= 2;
		if (sp->backoff > sp->o.probe_max_ms)
			sp->backoff = sp->o.probe_max_ms;
	}
	sp->paused = true;
	sp->err = err;
	sp->by_space = by_space;
	sp->next_probe = now_ms + sp->backoff;
}

bool
weft_space_room(struct weft_space *sp, uint64_t need, uint64_t now_ms)
{
	bool	fits;

	if (sp == NULL)
		return true;
	poll_avail(sp, now_ms, false);
	fits = !sp->have_avail || (sp->avail >= sp->o.reserve &&
	    sp->avail - sp->o.reserve >= need);
	if (!sp->paused) {
		if (fits)
			return true;
		sp->want_free = sp->o.reserve + need;
		pause_now(sp, -ENOSPC, true, now_ms);
		return false;
	}
	if (sp->by_space) {
		/* Resume with room for the largest write that paused it. */
		if (!sp->have_avail || sp->avail >= sp->want_free) {
			resume(sp);
			return fits;
		}
		return false;
	}
	/*
	 * Paused by a failed write: try again when the disk has gained room
	 * for this write since then, else when the backoff is over (an
	 * error that space does not explain).
	 */
	if (fits && sp->avail >= sp->avail_at_fail + need &&
	    sp->avail > sp->avail_at_fail)
		return true;
	if (now_ms < sp->next_probe)
		return false;
	if (!fits) {
		pause_now(sp, sp->err, false, now_ms);
		return false;
	}
	/* A probe; until its outcome, no other one. */
	sp->next_probe = now_ms + sp->backoff;
	return true;
}

void
weft_space_failed(struct weft_space *sp, int err, const char *what,
    uint64_t now_ms)
{
	const char	*path = "?";

	if (sp == NULL)
		return;
	sp->failures++;
	poll_avail(sp, now_ms, true);
	(void)weft_store_path(sp->s, &path);
	if (now_ms >= sp->flog_start + FAIL_LOG_WINDOW_MS) {
		if (sp->flog_skipped > 0)
			log_warnx("store '%s': %" PRIu64 " more failed writes "
			    "in the last %d s", path, sp->flog_skipped,
			    FAIL_LOG_WINDOW_MS / 1000);
		sp->flog_start = now_ms;
		sp->flog_n = 0;
		sp->flog_skipped = 0;
	}
	if (sp->flog_n < FAIL_LOG_BURST) {
		sp->flog_n++;
		log_warnx("store '%s': cannot commit %s: %s (%.1f MB free)",
		    path, what, weft_strerror(err), mb(sp->avail));
	} else {
		sp->flog_skipped++;
	}
	if (weft_space_is_disk_error(err)) {
		pause_now(sp, err, false, now_ms);
		sp->avail_at_fail = sp->avail;
	}
}

void
weft_space_stored(struct weft_space *sp, uint64_t now_ms)
{
	if (sp == NULL || !sp->paused)
		return;
	poll_avail(sp, now_ms, true);
	/* Under the reserve, a small write that fit is no reason to go on. */
	if (sp->by_space && sp->have_avail && sp->avail < sp->want_free)
		return;
	resume(sp);
}

void
weft_space_set_max_store(struct weft_space *sp, uint64_t max)
{
	if (sp != NULL)
		sp->max_store = max;
}

void
weft_space_set_gc(struct weft_space *sp, weft_space_gc_fn *fn, void *arg)
{
	if (sp == NULL)
		return;
	sp->gc_fn = fn;
	sp->gc_arg = arg;
}

static void
poll_chunks(struct weft_space *sp)
{
	uint64_t	bytes;

	if (weft_store_chunk_bytes(sp->s, &bytes) == 0)
		sp->chunk_bytes = bytes;
}

static void
max_full_line(struct weft_space *sp)
{
	log_warnx("store at max-store (%.1f MB of %.1f MB): only kept files "
	    "remain; raise max-store or unwant something: fetching files "
	    "paused", mb(sp->chunk_bytes), mb(sp->max_store));
}

bool
weft_space_fetch_room(struct weft_space *sp, uint64_t need_disk,
    uint64_t inflight, uint64_t now_ms)
{
	uint64_t	used, low;

	if (sp == NULL)
		return true;
	if (sp->max_store != 0) {
		poll_chunks(sp);
		used = sp->chunk_bytes + inflight;
		low = sp->max_store - sp->max_store / 16;
		if (sp->at_max) {
			if (sp->gc_running || used >= low) {
				sp->max_next_poll = now_ms + sp->o.poll_ms;
				return false;
			}
			sp->at_max = false;
			log_info("store under max-store again (%.1f MB of "
			    "%.1f MB): fetching files resumed",
			    mb(sp->chunk_bytes), mb(sp->max_store));
		} else if (used >= sp->max_store &&
		    sp->chunk_bytes < low) {
			/* What is on its way fills it: wait for it. */
			return false;
		} else if (used >= sp->max_store) {
			sp->at_max = true;
			sp->pauses++;
			sp->max_next_poll = now_ms + sp->o.poll_ms;
			if (sp->gc_fn == NULL) {
				max_full_line(sp);
				return false;
			}
			log_info("store at max-store (%.1f MB of %.1f MB): "
			    "freeing what no policy keeps", mb(sp->chunk_bytes),
			    mb(sp->max_store));
			sp->gc_running = true;
			sp->gc_fn(sp->gc_arg);
			return false;
		}
	}
	return weft_space_room(sp, need_disk, now_ms);
}

void
weft_space_gc_done(struct weft_space *sp, uint64_t now_ms)
{
	if (sp == NULL || !sp->gc_running)
		return;
	sp->gc_running = false;
	poll_chunks(sp);
	sp->max_next_poll = now_ms;
	if (!sp->at_max)
		return;
	if (sp->chunk_bytes >= sp->max_store - sp->max_store / 16) {
		max_full_line(sp);
		return;
	}
	sp->at_max = false;
	log_info("store under max-store again (%.1f MB of %.1f MB): fetching "
	    "files resumed", mb(sp->chunk_bytes), mb(sp->max_store));
}

uint64_t
weft_space_due(struct weft_space *sp, uint64_t now_ms)
{
	uint64_t	due = UINT64_MAX;

	if (sp == NULL)
		return UINT64_MAX;
	if (sp->at_max) {
		if (sp->max_next_poll <= now_ms)
			sp->max_next_poll = now_ms + sp->o.poll_ms;
		due = sp->max_next_poll;
	}
	if (!sp->paused)
		return due;
	/* Never a time already past: callers re-arm their timers with it. */
	poll_avail(sp, now_ms, false);
	return sp->next_poll < due ? sp->next_poll : due;
}

void
weft_space_stats(struct weft_space *sp, uint64_t now_ms,
    struct weft_space_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (sp == NULL)
		return;
	poll_avail(sp, now_ms, false);
	st->paused = sp->paused;
	st->err = sp->paused ? sp->err : 0;
	st->avail = sp->avail;
	st->reserve = sp->o.reserve;
	st->pauses = sp->pauses;
	st->failures = sp->failures;
	/* Said once the gc freed too little. */
	st->at_max = sp->at_max && !sp->gc_running;
	st->max_store = sp->max_store;
	if (sp->max_store != 0)
		poll_chunks(sp);
	st->chunk_bytes = sp->chunk_bytes;
}

int
weft_space_describe(struct weft_space *sp, int err, char *buf, size_t n)
{
	const char	*path = "?";
	uint64_t	 avail = 0;
	bool		 known = false;

	if (sp != NULL) {
		(void)weft_store_path(sp->s, &path);
		known = weft_store_disk_free(sp->s, &avail, NULL) == 0;
	}
	if (err == WEFT_ESTOREFULL) {
		snprintf(buf, n, "the store '%s' reached its size limit", path);
		return err;
	}
	if (!weft_space_is_disk_error(err) || !known) {
		snprintf(buf, n, "cannot write the store '%s'", path);
		return err;
	}
	/* LMDB reports a short write (a full disk) as EIO: say what it is. */
	if (err == -EIO && avail < sp->o.reserve)
		err = -ENOSPC;
	if (err == -EIO || err == -EROFS)
		snprintf(buf, n, "the disk holding the store '%s' failed a "
		    "write (%.1f MB free)", path, mb(avail));
	else
		snprintf(buf, n, "the disk holding the store '%s' is full "
		    "(%.1f MB free)", path, mb(avail));
	return err;
}
