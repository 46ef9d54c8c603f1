/*
 * The store's disk, watched: a gate for the work that writes what peers
 * send (fetching chunks, ingesting records). A full disk (ENOSPC, EDQUOT,
 * EFBIG), an I/O error (EIO: LMDB 0.9.24 turns a short pwrite into it) or
 * a map at its cap (WEFT_ESTOREFULL) pauses that work instead of letting
 * it ask peers for the same bytes again and again; free space below a
 * reserve pauses it before anything fails. While paused, the free space
 * is looked at every poll_ms, and a write is tried again (a probe) once
 * the space grew back above the reserve, or else after a backoff
 * (probe_min_ms doubling to probe_max_ms) for errors that space does not
 * explain. The first write that succeeds resumes everything. Every
 * change of state is logged in one line, and every failed write too, at
 * a bounded rate.
 *
 * A second reason pauses fetching alone (not ingest): max-store, a cap on
 * the store's chunk bytes (weft-config(5)). No more is asked for while
 * the chunk bytes and the bytes on their way reach it; when the chunk
 * bytes alone come within a sixteenth of it, fetching stops, the gc
 * hook runs once
 * (weftd's gc frees what no policy keeps) and, if the store is still at
 * the cap when weft_space_gc_done() says it ran, one line says only kept
 * files remain. Fetching resumes when the chunk bytes fall a sixteenth
 * of max-store below it (an unwant or rm and a gc, or a raised limit).
 *
 * Runs on the loop thread only; the clock comes in as now_ms.
 */
#ifndef WEFT_SPACE_H
#define WEFT_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_store;
struct weft_space;

struct weft_space_opts {
	uint64_t	reserve;	/* bytes kept free on the disk */
	uint64_t	poll_ms;	/* free space looked at this often */
	uint64_t	probe_min_ms;	/* first backoff after a failure */
	uint64_t	probe_max_ms;	/* and its cap */
};

/* 64 MiB reserve, 250 ms polls, backoff 1 s doubling to 30 s. */
void	weft_space_opts_default(struct weft_space_opts *o);

/* 0, WEFT_EUSAGE (poll_ms or probe_min_ms 0, max < min) or -ENOMEM. */
int	weft_space_new(struct weft_space **sp, struct weft_store *s,
	    const struct weft_space_opts *o);
void	weft_space_free(struct weft_space *sp);

/* max-store in bytes (0: none), set before fetching starts. */
void	weft_space_set_max_store(struct weft_space *sp, uint64_t max);
/* Called when the store reaches max-store, to free what no policy keeps. */
typedef void weft_space_gc_fn(void *arg);
void	weft_space_set_gc(struct weft_space *sp, weft_space_gc_fn *fn,
	    void *arg);
/*
 * May fetching start on more file bytes? weft_space_room() for the disk
 * (need_disk bytes), and max-store: false while the store's chunk bytes
 * and inflight (bytes received or asked for, not yet stored) reach it.
 */
bool	weft_space_fetch_room(struct weft_space *sp, uint64_t need_disk,
	    uint64_t inflight, uint64_t now_ms);
/* The gc the hook asked for has ended: looks at the store again. */
void	weft_space_gc_done(struct weft_space *sp, uint64_t now_ms);

/* Whether err means the disk (or the map) cannot take more writes. */
bool	weft_space_is_disk_error(int err);

/*
 * May a write of about need bytes start? False while paused (until a
 * probe is due) or when the disk's free space minus need would fall
 * below the reserve (which pauses). True for a probe, whose outcome the
 * caller reports with weft_space_failed() or weft_space_stored().
 */
bool	weft_space_room(struct weft_space *sp, uint64_t need, uint64_t now_ms);
/*
 * A store write for what (a short noun: "fetched chunks") failed with
 * err: logged (rate-limited), and a disk error pauses the gate.
 */
void	weft_space_failed(struct weft_space *sp, int err, const char *what,
	    uint64_t now_ms);
/* A store write succeeded: resumes a paused gate. */
void	weft_space_stored(struct weft_space *sp, uint64_t now_ms);
/*
 * While paused, the next time room() may answer differently, always
 * after now_ms (the free space is looked at again when due); UINT64_MAX
 * when not paused.
 */
uint64_t weft_space_due(struct weft_space *sp, uint64_t now_ms);

struct weft_space_stats {
	bool		paused;
	int		err;		/* why (a disk error), when paused */
	uint64_t	avail;		/* bytes free, last looked at */
	uint64_t	reserve;
	uint64_t	pauses;		/* since start */
	uint64_t	failures;	/* failed writes reported */
	bool		at_max;		/* paused by max-store, after a gc */
	uint64_t	max_store;	/* 0: no limit */
	uint64_t	chunk_bytes;	/* last looked at, with max-store */
};

/* Looks at the free space again (for status) and fills st. */
void	weft_space_stats(struct weft_space *sp, uint64_t now_ms,
	    struct weft_space_stats *st);

/*
 * Says what a failed store write's err means for the user, into buf (size
 * n), without the error's text: "the disk holding the store '/home/u/
 * .local/share/weft/store' is full (3.1 MB free)". Returns the code to
 * report with it: err, or -ENOSPC for an EIO on a disk that has no room
 * left (LMDB 0.9.24 reports a short write as EIO). Looks at the free
 * space now; for any err.
 */
int	weft_space_describe(struct weft_space *sp, int err, char *buf,
	    size_t n);

#endif
