/*
 * gc: deletes the chunks no kept file refers to.
 *
 * Mark, then sweep, in short transactions so that the loop's readers
 * and writers never wait long (LMDB readers never wait at all; writers
 * wait for one sweep batch):
 *
 * 1. A write transaction installs the store's late-id set (s->gc_late):
 *    from then on every chunk stored (weft__store_chunk_add), referred
 *    to by a newly wanted file (weft__store_chunk_ref) or stamped
 *    pending (weft__store_chunk_pend) lands in it, so what changes
 *    after the mark's snapshots is kept.
 * 2. Mark, in read transactions of a bounded batch each: every wanted
 *    file (followed, mirrored, pinned, being fetched) and every file of
 *    a record by the node's own author (revisions, profile avatar, make
 *    photos), index and chunks; every pending chunk younger than the
 *    grace (a publish that has not committed its revision yet).
 * 3. Sweep: the chunk walk in batches; each batch's unmarked ids are
 *    deleted in one write transaction, skipping the late ones, any
 *    that a write made pending again meanwhile and any a publish under
 *    way holds (store_hold.c; rm's drops included: the publish's
 *    revision will need them). Pending rows older than the grace go too
 *    (their chunks are either kept or gone).
 * 4. A write transaction frees the late-id set.
 *
 * A crash anywhere loses nothing kept: only unmarked chunks are ever
 * deleted, each batch commits on its own, and the marks are rebuilt by
 * the next run. Marks are 8-byte id prefixes (weft__idset): a collision
 * only keeps a chunk too many.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store_impl.h"
#include "store_mods.h"

#define GC_BATCH	4096	/* ids per write transaction */
#define GC_SEEN		65536	/* ids a read transaction walks */

struct gc {
	struct weft_store		*s;
	const struct weft_store_gc_opts	*o;
	struct weft_store_gc_stats	*st;
	struct weft__idset		*marks;
	/* rm: the dropped design's chunks, not spared as pending. */
	struct weft__idset		*drops;
	/* Eviction: the chunks of used designs, which the sweep spares. */
	struct weft__idset		*spare;
	bool				 left;	/* some of them stay */
	uint64_t			 now;
	/* The current batch. */
	uint8_t				(*ids)[ID];
	size_t				 n;
	/* The sweep's: what it deletes, pending or not, and what went. */
	uint8_t				(*del)[ID];
	bool				*pend;
	bool				*gone;
	size_t				 seen;
	uint8_t				 last[ID];
	bool				 started;
	/* What the current sweep batch freed. */
	uint64_t			 bfreed;
	uint64_t			 bbytes;
};

/* ------------------------------------------------------------------ */
/* Batches over the kernel's walks */

/*
 * Every walk callback passes each id it visits here, with take set when
 * the id joins the batch: the walk stops (1) when the batch is full or
 * the transaction has seen GC_SEEN ids, and goes on after g->last.
 */
static int
visit(struct gc *g, const uint8_t id[ID], bool take)
{
	if (take)
		memcpy(g->ids[g->n++], id, ID);
	memcpy(g->last, id, ID);
	g->started = true;
	return g->n == GC_BATCH || ++g->seen == GC_SEEN ? 1 : 0;
}

/* Starts a walk's next read transaction with an empty batch. */
static int
step_begin(struct gc *g, MDB_txn **txn)
{
	g->n = 0;
	g->seen = 0;
	return weft__store_read_begin(g->s, txn);
}

static const uint8_t *
step_after(const struct gc *g)
{
	return g->started ? g->last : NULL;
}

/* Adds a file's index and, when the index is here, its chunks to set. */
static int
mark_file_in(struct gc *g, MDB_txn *txn, const uint8_t index[ID],
    struct weft__idset *set)
{
	struct weft_chunk_ref	*refs = NULL;
	uint64_t		 total;
	size_t			 n;
	int			 err;

	err = weft__idset_add(set, index);
	if (err)
		return err;
	err = weft__store_chunk_index(g->s, txn, index, &refs, &n, &total);
	if (err == WEFT_ENOTFOUND || err == WEFT_EPROTO)
		return 0;	/* absent, or not an index: nothing more to keep */
	if (err)
		return err;
	for (size_t i = 0; i < n && err == 0; i++)
		err = weft__idset_add(set, refs[i].id);
	free(refs);
	return err;
}

static int
mark_file(struct gc *g, MDB_txn *txn, const uint8_t index[ID])
{
	return mark_file_in(g, txn, index, g->marks);
}

/* Wanted files. */

static int
wanted_take(void *arg, const uint8_t index[ID], const uint8_t design[ID],
    uint64_t size, uint64_t bytes_left)
{
	(void)design;
	(void)size;
	(void)bytes_left;
	return visit(arg, index, true);
}

static int
mark_wanted(struct gc *g)
{
	MDB_txn	*txn;
	bool	 more;
	int	 err;

	g->started = false;
	do {
		err = step_begin(g, &txn);
		if (err)
			return err;
		err = weft__store_wanted_walk(g->s, txn, step_after(g),
		    wanted_take, g);
		more = err == 1;
		if (more)
			err = 0;
		for (size_t i = 0; err == 0 && i < g->n; i++)
			err = mark_file(g, txn, g->ids[i]);
		weft__store_read_end(g->s, txn);
		if (err)
			return err;
	} while (more);
	return 0;
}

/* Records by the node's own author that carry files. */

static int
own_take(void *arg, const uint8_t id[ID], const struct recinfo *ri)
{
	struct gc	*g = arg;

	bool		 own;

	own = g->o->own != NULL &&
	    memcmp(ri->author, g->o->own, WEFT_PK_BYTES) == 0 &&
	    (ri->type == WEFT_REC_REV || ri->type == WEFT_REC_PROFILE ||
	    ri->type == WEFT_REC_MAKE);
	/*
	 * The design rm drops (a genesis's info names itself): its revisions
	 * are taken too, their files going to the drop set.
	 */
	return visit(g, id, own || (ri->type == WEFT_REC_REV &&
	    g->o->drop_design != NULL &&
	    memcmp(ri->design, g->o->drop_design, ID) == 0));
}

static int
mark_rec(struct gc *g, MDB_txn *txn, const uint8_t id[ID])
{
	struct weft_record	 r;
	bool			 drop;
	int			 err;

	err = weft__store_rec_load(g->s, txn, id, &r);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	drop = g->o->drop_design != NULL && r.type == WEFT_REC_REV &&
	    memcmp(r.has_design ? r.design : id, g->o->drop_design, ID) == 0;
	for (uint32_t i = 0; i < r.nfiles && err == 0; i++)
		err = mark_file_in(g, txn, r.files[i].index,
		    drop ? g->drops : g->marks);
	weft_record_release(&r);
	return err;
}

static int
mark_own(struct gc *g)
{
	MDB_txn	*txn;
	bool	 more;
	int	 err;

	if (g->o->own == NULL && g->o->drop_design == NULL)
		return 0;
	g->started = false;
	do {
		err = step_begin(g, &txn);
		if (err)
			return err;
		err = weft__store_info_walk(g->s, txn, step_after(g), own_take,
		    g);
		more = err == 1;
		if (more)
			err = 0;
		for (size_t i = 0; err == 0 && i < g->n; i++)
			err = mark_rec(g, txn, g->ids[i]);
		weft__store_read_end(g->s, txn);
		if (err)
			return err;
	} while (more);
	return 0;
}

/* Pending chunks young enough to keep. */

static bool
pend_young(const struct gc *g, uint64_t ts)
{
	return ts + g->o->grace_ms > g->now;
}

static int
pend_take(void *arg, const uint8_t id[ID], uint64_t ts, uint64_t token)
{
	struct gc	*g = arg;

	(void)token;
	if (pend_young(g, ts) && !weft__idset_has(g->drops, id)) {
		g->st->pending++;
		if (weft__idset_add(g->marks, id) != 0)
			return -ENOMEM;
	}
	return visit(g, id, false);
}

static int
mark_pending(struct gc *g)
{
	MDB_txn	*txn;
	bool	 more;
	int	 err;

	g->started = false;
	do {
		err = step_begin(g, &txn);
		if (err)
			return err;
		err = weft__store_pending_walk(g->s, txn, step_after(g),
		    pend_take, g);
		more = err == 1;
		if (more)
			err = 0;
		weft__store_read_end(g->s, txn);
		if (err)
			return err;
	} while (more);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sweep */

static int
chunk_take(void *arg, const uint8_t id[ID], size_t len)
{
	struct gc	*g = arg;
	bool		 marked;

	(void)len;
	g->st->chunks++;
	marked = weft__idset_has(g->marks, id);
	if (marked)
		g->st->kept++;
	return visit(g, id, !marked && (g->spare == NULL ||
	    !weft__idset_has(g->spare, id)));
}

/*
 * Deletes the batch's unmarked chunks that are still unreferenced: those
 * neither written during the run nor pending young (unless rm drops
 * them), in one call to the kernel, which writes each pack's row and the
 * byte count once; then the pending rows of those it deleted.
 */
static int
sweep_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct gc	*g = arg;
	uint64_t	 ts, token, len;
	size_t		 nd = 0;
	int		 err;

	/* Set, not added to: the txn may run again after a map growth. */
	g->bfreed = 0;
	g->bbytes = 0;
	for (size_t i = 0; i < g->n; i++) {
		if (weft__store_gc_late_has(s, g->ids[i]) ||
		    weft__store_held(s, g->ids[i]))
			continue;
		err = weft__store_chunk_pending(s, txn, g->ids[i], &ts, &token);
		if (err == 0 && pend_young(g, ts) &&
		    !weft__idset_has(g->drops, g->ids[i]))
			continue;
		if (err && err != WEFT_ENOTFOUND)
			return err;
		if (g->o->dry_run) {
			err = weft__store_chunk_size(s, txn, g->ids[i], &len);
			if (err == WEFT_ENOTFOUND)
				continue;
			if (err)
				return err;
			g->bbytes += len;
			g->bfreed++;
			continue;
		}
		memcpy(g->del[nd], g->ids[i], ID);
		g->pend[nd++] = err == 0;
	}
	if (nd == 0)
		return 0;
	err = weft__store_chunk_del_many(s, txn,
	    (const uint8_t (*)[ID])g->del, nd, g->gone, &g->bbytes);
	for (size_t i = 0; err == 0 && i < nd; i++) {
		if (!g->gone[i])
			continue;
		g->bfreed++;
		if (g->pend[i]) {
			err = weft__store_chunk_unpend(s, txn, g->del[i]);
			if (err == WEFT_ENOTFOUND)
				err = 0;
		}
	}
	return err;
}

static int
sweep(struct gc *g)
{
	MDB_txn	*txn;
	bool	 more;
	int	 err;

	g->started = false;
	do {
		err = step_begin(g, &txn);
		if (err)
			return err;
		err = weft__store_chunk_walk(g->s, txn, step_after(g),
		    chunk_take, g);
		more = err == 1;
		if (more)
			err = 0;
		/* A dry run checks in the same read transaction. */
		if (err == 0 && g->n > 0 && g->o->dry_run)
			err = sweep_txn(g->s, txn, g);
		weft__store_read_end(g->s, txn);
		if (err == 0 && g->n > 0 && !g->o->dry_run)
			err = weft__store_write(g->s, sweep_txn, g);
		if (err)
			return err;
		if (g->n > 0) {
			g->st->freed += g->bfreed;
			g->st->freed_bytes += g->bbytes;
			g->st->kept += g->n - g->bfreed;
		}
	} while (more);
	return 0;
}

/* Pending rows past the grace: their chunks are kept or gone. */
static int
unpend_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct gc	*g = arg;
	uint64_t	 ts, token;
	int		 err;

	for (size_t i = 0; i < g->n; i++) {
		if (weft__store_gc_late_has(s, g->ids[i]))
			continue;
		err = weft__store_chunk_pending(s, txn, g->ids[i], &ts, &token);
		if (err == WEFT_ENOTFOUND || (err == 0 && pend_young(g, ts)))
			continue;
		if (err == 0)
			err = weft__store_chunk_unpend(s, txn, g->ids[i]);
		if (err)
			return err;
	}
	return 0;
}

static int
stale_take(void *arg, const uint8_t id[ID], uint64_t ts, uint64_t token)
{
	struct gc	*g = arg;

	(void)token;
	return visit(g, id, !pend_young(g, ts));
}

static int
unpend_stale(struct gc *g)
{
	MDB_txn	*txn;
	bool	 more;
	int	 err;

	g->started = false;
	do {
		err = step_begin(g, &txn);
		if (err)
			return err;
		err = weft__store_pending_walk(g->s, txn, step_after(g),
		    stale_take, g);
		more = err == 1;
		if (more)
			err = 0;
		weft__store_read_end(g->s, txn);
		if (err == 0 && g->n > 0)
			err = weft__store_write(g->s, unpend_txn, g);
		if (err)
			return err;
	} while (more);
	return 0;
}

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Eviction (max-store): the least recently used unkept designs first */

#define EVICT_IDS_MAX	(1u << 22)	/* chunk ids planned, at most */
#define EVICT_DESIGNS	256		/* designs planned per read txn */

/* A used design, and its share of the chunks that may go. */
struct use {
	uint8_t		design[ID];
	uint64_t	ms;
	size_t		first, n;	/* its chunks in ev->ids */
};

struct evict {
	struct gc	*g;
	struct use	*u;
	size_t		 nu, cu;
	/* Each design's chunks no kept file nor newer design holds. */
	uint8_t		(*ids)[ID];
	bool		*isidx;		/* ids[i] is a file's index */
	size_t		 nids, cids;
};

static int
use_take(void *arg, const uint8_t design[ID], uint64_t ms)
{
	struct evict	*ev = arg;
	struct gc	*g = ev->g;
	void		*p;
	size_t		 c;

	if (ev->nu == ev->cu) {
		if (ev->cu >= EVICT_IDS_MAX)
			return WEFT_ETOOBIG;
		c = ev->cu ? 2 * ev->cu : 256;
		p = realloc(ev->u, c * sizeof(*ev->u));
		if (p == NULL)
			return -ENOMEM;
		ev->u = p;
		ev->cu = c;
	}
	memset(&ev->u[ev->nu], 0, sizeof(ev->u[ev->nu]));
	memcpy(ev->u[ev->nu].design, design, ID);
	ev->u[ev->nu].ms = ms;
	ev->nu++;
	return visit(g, design, false);
}

/* Newest first; equal times by design id. */
static int
use_cmp(const void *a, const void *b)
{
	const struct use	*x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms > y->ms ? -1 : 1;
	return memcmp(x->design, y->design, ID);
}

static int
use_collect(struct gc *g, struct evict *ev)
{
	MDB_txn	*txn;
	bool	 more;
	int	 err;

	g->started = false;
	do {
		err = step_begin(g, &txn);
		if (err)
			return err;
		err = weft__store_use_walk(g->s, txn, step_after(g),
		    use_take, ev);
		more = err == 1;
		if (more)
			err = 0;
		weft__store_read_end(g->s, txn);
		if (err)
			return err;
	} while (more);
	if (ev->nu > 1)
		qsort(ev->u, ev->nu, sizeof(*ev->u), use_cmp);
	return 0;
}

/* Plans id for the current design unless kept or planned already. */
static int
plan_id(struct evict *ev, const uint8_t id[ID], bool isidx)
{
	struct gc	*g = ev->g;
	void		*p, *q;
	size_t		 c;
	int		 err;

	if (weft__idset_has(g->marks, id) || weft__idset_has(g->spare, id))
		return 0;
	err = weft__idset_add(g->spare, id);
	if (err)
		return err;
	if (ev->nids == ev->cids) {
		if (ev->cids >= EVICT_IDS_MAX)
			return WEFT_ETOOBIG;
		c = ev->cids ? 2 * ev->cids : 1024;
		p = realloc(ev->ids, c * sizeof(*ev->ids));
		if (p == NULL)
			return -ENOMEM;
		ev->ids = p;
		q = realloc(ev->isidx, c * sizeof(*ev->isidx));
		if (q == NULL)
			return -ENOMEM;
		ev->isidx = q;
		ev->cids = c;
	}
	memcpy(ev->ids[ev->nids], id, ID);
	ev->isidx[ev->nids] = isidx;
	ev->nids++;
	return 0;
}

/* A revision's files: each index and the chunks it lists. */
static int
plan_rev(struct evict *ev, MDB_txn *txn, const uint8_t rev[ID])
{
	struct gc		*g = ev->g;
	struct weft_chunk_ref	*refs;
	struct weft_record	 r;
	size_t			 n;
	uint64_t		 total;
	int			 err;

	err = weft__store_rec_load(g->s, txn, rev, &r);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	for (uint32_t i = 0; i < r.nfiles && err == 0; i++) {
		/* A kept file's chunks are all marked: no need to read it. */
		if (weft__idset_has(g->marks, r.files[i].index))
			continue;
		err = plan_id(ev, r.files[i].index, true);
		if (err)
			break;
		refs = NULL;
		err = weft__store_chunk_index(g->s, txn, r.files[i].index,
		    &refs, &n, &total);
		if (err == WEFT_ENOTFOUND || err == WEFT_EPROTO) {
			err = 0;
			continue;
		}
		for (size_t j = 0; j < n && err == 0; j++)
			err = plan_id(ev, refs[j].id, false);
		free(refs);
	}
	weft_record_release(&r);
	return err;
}

/* Every revision of design u (drevs). */
static int
plan_design(struct evict *ev, MDB_txn *txn, struct use *u)
{
	struct gc		*g = ev->g;
	struct weft__rev	*revs = NULL;
	uint8_t			 dk[DKEY];
	size_t			 n = 0;
	int			 err;

	u->first = ev->nids;
	err = weft__store_design_key(g->s, txn, u->design, dk);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	err = weft__store_revs_get(g->s, txn, DB_BY_DESIGN, dk, &revs, &n);
	for (size_t i = 0; i < n && err == 0; i++)
		err = plan_rev(ev, txn, revs[i].id);
	free(revs);
	u->n = ev->nids - u->first;
	return err;
}

/*
 * Newest first, each design gets the chunks of its files that no kept
 * file and no newer design holds (g->spare collects them all).
 */
static int
plan(struct evict *ev)
{
	MDB_txn	*txn;
	int	 err = 0;

	for (size_t i = 0; i < ev->nu && err == 0; i += EVICT_DESIGNS) {
		err = weft__store_read_begin(ev->g->s, &txn);
		if (err)
			return err;
		for (size_t j = i; j < ev->nu && j < i + EVICT_DESIGNS &&
		    err == 0; j++)
			err = plan_design(ev, txn, &ev->u[j]);
		weft__store_read_end(ev->g->s, txn);
	}
	return err;
}

static int
forget_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct gc	*g = arg;

	return weft__store_use_forget(s, txn, g->last,
	    (const uint8_t (*)[ID])g->ids, g->n);
}

/* Deletes design u's planned chunks, a batch per write transaction. */
static int
evict_design(struct evict *ev, struct use *u, uint64_t *bytes)
{
	struct gc			*g = ev->g;
	struct weft_store_gc_stats	*st = g->st;
	struct weft_store_evicted	*e;
	uint64_t			 freed = 0;
	int				 err = 0;

	for (size_t i = 0; i < u->n && err == 0; i += g->n) {
		g->n = u->n - i < GC_BATCH ? u->n - i : GC_BATCH;
		memcpy(g->ids, ev->ids[u->first + i], g->n * ID);
		err = weft__store_write(g->s, sweep_txn, g);
		if (err)
			return err;
		st->freed += g->bfreed;
		st->freed_bytes += g->bbytes;
		freed += g->bbytes;
		*bytes = *bytes > g->bbytes ? *bytes - g->bbytes : 0;
	}
	if (freed == 0)
		return 0;	/* nothing of it was here */
	if (st->nev < WEFT_STORE_EVICT_LOG) {
		e = &st->ev[st->nev++];
		memcpy(e->design, u->design, ID);
		e->last_ms = u->ms;
		e->bytes = freed;
	}
	st->evicted++;
	/* Its row goes, with those of its evicted files' indexes. */
	g->n = 0;
	for (size_t i = 0; i < u->n && g->n < GC_BATCH; i++)
		if (ev->isidx[u->first + i])
			memcpy(g->ids[g->n++], ev->ids[u->first + i], ID);
	memcpy(g->last, u->design, ID);
	return weft__store_write(g->s, forget_txn, g);
}

/*
 * After the marks: plans the used designs, sweeps every unkept chunk
 * that none of them holds, then evicts designs oldest first until the
 * chunk bytes are down to o->evict_to.
 */
static int
evict(struct gc *g)
{
	struct evict	ev;
	uint64_t	bytes;
	size_t		i;
	int		err;

	memset(&ev, 0, sizeof(ev));
	ev.g = g;
	err = use_collect(g, &ev);
	if (err == 0)
		err = plan(&ev);
	if (err == 0)
		err = sweep(g);
	if (err)
		goto out;
	g->st->unused_bytes = g->st->freed_bytes;
	err = weft_store_chunk_bytes(g->s, &bytes);
	for (i = ev.nu; err == 0 && i > 0 && bytes > g->o->evict_to; i--)
		err = evict_design(&ev, &ev.u[i - 1], &bytes);
	/* What stays of unkept designs is still reclaimable by a gc. */
	for (; err == 0 && i > 0 && !g->left; i--)
		g->left = ev.u[i - 1].n > 0;
out:
	free(ev.u);
	free(ev.ids);
	free(ev.isidx);
	return err;
}

/* ------------------------------------------------------------------ */

static int
late_on_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	(void)arg;
	return weft__store_gc_late_on(s, txn);
}

static int
late_off_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	(void)arg;
	weft__store_gc_late_off(s, txn);
	return 0;
}

int
weft_store_gc(struct weft_store *s, const struct weft_store_gc_opts *o,
    struct weft_store_gc_stats *st)
{
	struct gc	 g;
	bool		 no = false;
	int		 err, err2;

	memset(st, 0, sizeof(*st));
	if (!atomic_compare_exchange_strong(&s->gc_running, &no, true))
		return WEFT_EBUSY;
	memset(&g, 0, sizeof(g));
	g.s = s;
	g.o = o;
	g.st = st;
	g.now = weft__store_now_ms(s);
	g.marks = weft__idset_new();
	g.drops = weft__idset_new();
	g.ids = malloc(GC_BATCH * sizeof(*g.ids));
	g.del = malloc(GC_BATCH * sizeof(*g.del));
	g.pend = malloc(GC_BATCH * sizeof(*g.pend));
	g.gone = malloc(GC_BATCH * sizeof(*g.gone));
	if (g.marks == NULL || g.drops == NULL || g.ids == NULL ||
	    g.del == NULL || g.pend == NULL || g.gone == NULL) {
		err = -ENOMEM;
		goto out;
	}
	/* The uses noted in memory count for an eviction. */
	err = weft_store_use_flush(s);
	if (err == 0)
		err = weft__store_write(s, late_on_txn, NULL);
	if (err)
		goto out;
	err = mark_wanted(&g);
	if (err == 0)
		err = mark_own(&g);
	if (err == 0)
		err = mark_pending(&g);
	if (err == 0 && o->evict_to != 0 && !o->dry_run) {
		g.spare = weft__idset_new();
		err = g.spare == NULL ? -ENOMEM : evict(&g);
	} else if (err == 0) {
		err = sweep(&g);
	}
	if (err == 0 && !o->dry_run)
		err = unpend_stale(&g);
	err2 = weft__store_write(s, late_off_txn, NULL);
	if (err == 0)
		err = err2;
	if (err == 0)
		atomic_store(&s->gc_reclaimable,
		    o->dry_run ? st->freed_bytes : g.left ? UINT64_MAX : 0);
	/*
	 * What went left dead bytes in the packs: compact the worst now. A
	 * failure leaves them for the next gc or drop; this gc is done.
	 */
	if (err == 0 && !o->dry_run && st->freed > 0)
		(void)weft_store_compact(s, NULL);
out:
	weft__idset_free(g.marks);
	weft__idset_free(g.drops);
	weft__idset_free(g.spare);
	free(g.ids);
	free(g.del);
	free(g.pend);
	free(g.gone);
	atomic_store(&s->gc_running, false);
	return err;
}

uint64_t
weft_store_reclaimable(struct weft_store *s)
{
	return atomic_load(&s->gc_reclaimable);
}

/* ------------------------------------------------------------------ */
/* Unwanting a design's files (rm, unwant) */

#define UNWANT_MAX	(1u << 20)	/* files of one design, at most */

struct unwant {
	const uint8_t		*design;	/* or: */
	const uint8_t		*author;	/* every design by author */
	struct weft_store	*s;
	MDB_txn			*txn;
	uint8_t			 last[ID];	/* the last design judged */
	bool			 last_ok, have_last;
	uint8_t			(*ids)[ID];
	size_t			 n, cap;
	uint64_t		 done;
};

/* Whether the files of design go: it is u's, or by u's author. */
static int
unwant_match(struct unwant *u, const uint8_t design[ID], bool *ok)
{
	struct recinfo	ri;
	int		err;

	if (u->author == NULL) {
		*ok = memcmp(design, u->design, ID) == 0;
		return 0;
	}
	if (u->have_last && memcmp(design, u->last, ID) == 0) {
		*ok = u->last_ok;
		return 0;
	}
	/* The design id is its genesis revision's: its author's. */
	err = weft__store_info_get(u->s, u->txn, design, &ri);
	if (err && err != WEFT_ENOTFOUND)
		return err;
	*ok = err == 0 && memcmp(ri.author, u->author, WEFT_PK_BYTES) == 0;
	memcpy(u->last, design, ID);
	u->last_ok = *ok;
	u->have_last = true;
	return 0;
}

static int
unwant_take(void *arg, const uint8_t index[ID], const uint8_t design[ID],
    uint64_t size, uint64_t bytes_left)
{
	struct unwant	*u = arg;
	void		*p;
	bool		 ok;
	int		 err;

	(void)size;
	(void)bytes_left;
	err = unwant_match(u, design, &ok);
	if (err || !ok)
		return err;
	if (u->n == u->cap) {
		if (u->cap >= UNWANT_MAX)
			return WEFT_ETOOBIG;
		p = realloc(u->ids, (u->cap ? u->cap * 2 : 64) * sizeof(*u->ids));
		if (p == NULL)
			return -ENOMEM;
		u->ids = p;
		u->cap = u->cap ? u->cap * 2 : 64;
	}
	memcpy(u->ids[u->n++], index, ID);
	return 0;
}

static int
unwant_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct unwant	*u = arg;
	int		 err;

	u->done = 0;
	for (size_t i = 0; i < u->n; i++) {
		err = weft__store_unwant(s, txn, u->ids[i]);
		if (err == WEFT_ENOTFOUND)
			continue;
		if (err)
			return err;
		u->done++;
	}
	return 0;
}

static int
unwant_run(struct weft_store *s, const uint8_t *design, const uint8_t *author,
    uint64_t *files)
{
	struct unwant	 u;
	MDB_txn		*txn;
	int		 err;

	memset(&u, 0, sizeof(u));
	u.design = design;
	u.author = author;
	u.s = s;
	*files = 0;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	u.txn = txn;
	err = weft__store_wanted_walk(s, txn, NULL, unwant_take, &u);
	weft__store_read_end(s, txn);
	if (err == 0 && u.n > 0)
		err = weft__store_write(s, unwant_txn, &u);
	if (err == 0)
		*files = u.done;
	free(u.ids);
	return err;
}

int
weft_store_unwant_design(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], uint64_t *files)
{
	return unwant_run(s, design, NULL, files);
}

int
weft_store_unwant_author(struct weft_store *s,
    const uint8_t author[WEFT_PK_BYTES], uint64_t *files)
{
	return unwant_run(s, NULL, author, files);
}

/* ------------------------------------------------------------------ */
/* du: what the kept files hold, by design */

struct du {
	struct weft_store		*s;
	const uint8_t			*own;
	struct weft_store_du_item	*v;
	size_t				 n, cap;
	uint8_t				 last[ID];
	bool				 started;
	size_t				 seen;
	/* Own records of the current read transaction. */
	uint8_t				(*ids)[ID];
	size_t				 nids;
};

static int
du_add(struct du *d, const uint8_t design[ID], uint64_t held, bool own)
{
	void	*p;

	if (d->n == d->cap) {
		if (d->cap >= WEFT_STORE_DU_MAX)
			return WEFT_ETOOBIG;
		p = realloc(d->v, (d->cap ? d->cap * 2 : 256) * sizeof(*d->v));
		if (p == NULL)
			return -ENOMEM;
		d->v = p;
		d->cap = d->cap ? d->cap * 2 : 256;
	}
	memset(&d->v[d->n], 0, sizeof(d->v[d->n]));
	memcpy(d->v[d->n].design, design, ID);
	d->v[d->n].bytes = held;
	d->v[d->n].files = 1;
	d->v[d->n].own = own;
	d->v[d->n].wanted = !own;
	d->n++;
	return 0;
}

static int
du_wanted(void *arg, const uint8_t index[ID], const uint8_t design[ID],
    uint64_t size, uint64_t bytes_left)
{
	struct du	*d = arg;
	int		 err;

	err = du_add(d, design, bytes_left < size ? size - bytes_left : 0,
	    false);
	memcpy(d->last, index, ID);
	d->started = true;
	if (err == 0 && ++d->seen == GC_SEEN)
		return 1;
	return err;
}

static int
du_own_take(void *arg, const uint8_t id[ID], const struct recinfo *ri)
{
	struct du	*d = arg;

	if (ri->type == WEFT_REC_REV &&
	    memcmp(ri->author, d->own, WEFT_PK_BYTES) == 0)
		memcpy(d->ids[d->nids++], id, ID);
	memcpy(d->last, id, ID);
	d->started = true;
	return ++d->seen == GC_SEEN ? 1 : 0;
}

/* The files of own revision id whose index is here count whole. */
static int
du_own_rec(struct du *d, MDB_txn *txn, const uint8_t id[ID])
{
	struct weft_record	 r;
	int			 err;

	err = weft__store_rec_load(d->s, txn, id, &r);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	for (uint32_t i = 0; i < r.nfiles && err == 0; i++) {
		if (weft__store_chunk_has(d->s, txn, r.files[i].index) != 0)
			continue;
		err = du_add(d, r.has_design ? r.design : id, r.files[i].size,
		    true);
	}
	weft_record_release(&r);
	return err;
}

static int
du_cmp(const void *a, const void *b)
{
	return memcmp(((const struct weft_store_du_item *)a)->design,
	    ((const struct weft_store_du_item *)b)->design, ID);
}

int
weft_store_du(struct weft_store *s, const uint8_t *own,
    struct weft_store_du_item **items, size_t *n)
{
	struct du	 d;
	struct recinfo	 ri;
	MDB_txn		*txn;
	size_t		 m;
	bool		 more;
	int		 err;

	*items = NULL;
	*n = 0;
	memset(&d, 0, sizeof(d));
	d.s = s;
	d.own = own;
	do {
		err = weft__store_read_begin(s, &txn);
		if (err)
			goto fail;
		d.seen = 0;
		err = weft__store_wanted_walk(s, txn, d.started ? d.last : NULL,
		    du_wanted, &d);
		weft__store_read_end(s, txn);
		more = err == 1;
		if (more)
			err = 0;
		if (err)
			goto fail;
	} while (more);
	if (own != NULL) {
		d.ids = malloc(GC_SEEN * sizeof(*d.ids));
		if (d.ids == NULL) {
			err = -ENOMEM;
			goto fail;
		}
		d.started = false;
		do {
			err = weft__store_read_begin(s, &txn);
			if (err)
				goto fail;
			d.seen = 0;
			d.nids = 0;
			err = weft__store_info_walk(s, txn,
			    d.started ? d.last : NULL, du_own_take, &d);
			more = err == 1;
			if (more)
				err = 0;
			for (size_t i = 0; err == 0 && i < d.nids; i++)
				err = du_own_rec(&d, txn, d.ids[i]);
			weft__store_read_end(s, txn);
			if (err)
				goto fail;
		} while (more);
	}
	/* One item per design. */
	if (d.n > 0)
		qsort(d.v, d.n, sizeof(*d.v), du_cmp);
	m = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (m > 0 && memcmp(d.v[m - 1].design, d.v[i].design, ID) == 0) {
			d.v[m - 1].bytes += d.v[i].bytes;
			d.v[m - 1].files += d.v[i].files;
			d.v[m - 1].own |= d.v[i].own;
			d.v[m - 1].wanted |= d.v[i].wanted;
			continue;
		}
		d.v[m++] = d.v[i];
	}
	err = weft__store_read_begin(s, &txn);
	if (err)
		goto fail;
	for (size_t i = 0; i < m; i++)
		if (weft__store_info_get(s, txn, d.v[i].design, &ri) == 0)
			memcpy(d.v[i].author, ri.author, WEFT_PK_BYTES);
	weft__store_read_end(s, txn);
	free(d.ids);
	*items = d.v;
	*n = m;
	return 0;
fail:
	free(d.ids);
	free(d.v);
	return err;
}

/* ------------------------------------------------------------------ */
/* A revision's files (get --once) */

struct rev_files {
	struct weft_record	r;
	int			wanted;		/* files wanted */
	uint64_t		done;
};

static int
rev_load(struct weft_store *s, MDB_txn *txn, const uint8_t rev[ID],
    struct weft_record *r)
{
	int	err;

	err = weft__store_rec_load(s, txn, rev, r);
	if (err)
		return err;
	return r->type == WEFT_REC_REV ? 0 : WEFT_EUSAGE;
}

int
weft_store_rev_wanted(struct weft_store *s, const uint8_t rev[WEFT_ID_BYTES],
    bool *any)
{
	struct weft_record	 r;
	MDB_txn			*txn;
	int			 err;

	*any = false;
	weft_record_init(&r);
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = rev_load(s, txn, rev, &r);
	for (uint32_t i = 0; err == 0 && i < r.nfiles; i++) {
		err = weft__store_is_wanted(s, txn, r.files[i].index);
		if (err == 0)
			*any = true;
		if (err == WEFT_ENOTFOUND)
			err = 0;
	}
	weft__store_read_end(s, txn);
	weft_record_release(&r);
	return err;
}

static int
unwant_rev_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct rev_files	*rf = arg;
	int			 err;

	rf->done = 0;
	for (uint32_t i = 0; i < rf->r.nfiles; i++) {
		err = weft__store_unwant(s, txn, rf->r.files[i].index);
		if (err == WEFT_ENOTFOUND)
			continue;
		if (err)
			return err;
		rf->done++;
	}
	return 0;
}

int
weft_store_unwant_rev(struct weft_store *s, const uint8_t rev[WEFT_ID_BYTES],
    uint64_t *files)
{
	struct rev_files	 rf;
	MDB_txn			*txn;
	int			 err;

	*files = 0;
	memset(&rf, 0, sizeof(rf));
	weft_record_init(&rf.r);
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = rev_load(s, txn, rev, &rf.r);
	weft__store_read_end(s, txn);
	if (err == 0)
		err = weft__store_write(s, unwant_rev_txn, &rf);
	if (err == 0)
		*files = rf.done;
	weft_record_release(&rf.r);
	return err;
}

/* An expired receipt leaves the scopes of its design (key[0..ID)). */
static int
receipt_gone_cb(void *arg, struct weft_store *s, MDB_txn *txn,
    const uint8_t key[3 * ID], const uint8_t *author, uint64_t ts,
    const uint8_t id[ID])
{
	(void)arg;
	return weft__store_scopes_receipt(s, txn, key, author, ts, id, -1);
}

struct prune {
	uint64_t	now_ms;
	uint64_t	n;
};

static int
prune_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct prune	*pr = arg;

	return weft__store_receipts_prune(s, txn, pr->now_ms, receipt_gone_cb,
	    NULL, &pr->n);
}

int
weft_store_receipts_prune(struct weft_store *s, uint64_t now_ms,
    uint64_t *pruned)
{
	struct prune	pr = { now_ms, 0 };
	int		err;

	err = weft__store_write(s, prune_txn, &pr);
	if (pruned != NULL)
		*pruned = err == 0 ? pr.n : 0;
	return err;
}
