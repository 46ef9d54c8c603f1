/*
 * The automatic gc: every interval, weftd runs the store's gc on the
 * thread pool, which collects the leftovers of interrupted publishes
 * (pending chunks past their grace) and whatever nothing keeps any
 * more (with max-store it evicts: weft_autogc_set_evict()). One run at
 * a time; a run that meets a manual `weft gc` skips.
 */
#ifndef WEFT_AUTOGC_H
#define WEFT_AUTOGC_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "store.h"

#define WEFT_AUTOGC_INTERVAL_MS	(60ull * 60 * 1000)

struct weft_autogc {
	uv_loop_t			*loop;
	struct weft_store		*store;
	uv_timer_t			 timer;
	uv_work_t			 work;
	uint8_t				 own[32];
	uint64_t			 grace_ms;
	uint64_t			 evict_to;	/* 0: plain gc */
	bool				 started;
	bool				 busy;
	struct weft_store_gc_stats	 st;
	int				 err;
	void				(*done)(void *);
	void				*done_arg;
};

/* Starts the timer (interval_ms > 0); own is the node's author key. */
void	weft_autogc_start(struct weft_autogc *g, uv_loop_t *loop,
	    struct weft_store *store, const uint8_t own[32],
	    uint64_t interval_ms, uint64_t grace_ms);
/*
 * Runs a gc now (unless one runs already: then its end counts); done,
 * when set, is called on the loop thread when the run (or the one met)
 * ends, whatever it freed.
 */
void	weft_autogc_now(struct weft_autogc *g);
void	weft_autogc_on_done(struct weft_autogc *g, void (*done)(void *),
	    void *arg);
/*
 * With max-store (evict_to, 0: none), every run evicts instead (store.h,
 * weft_store_gc_opts.evict_to): what no policy keeps and no design used
 * goes, then unkept designs least recently used first down to evict_to;
 * what it evicted is logged.
 */
void	weft_autogc_set_evict(struct weft_autogc *g, uint64_t evict_to);
/* Closes the timer; a run in flight ends before the loop runs dry. */
void	weft_autogc_stop(struct weft_autogc *g);

#endif
