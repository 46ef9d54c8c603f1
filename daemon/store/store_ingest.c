/*
 * Ingest: chunks and records into the store. Every write is checked
 * before it is made: records are verified, then rights and dependencies
 * are checked inside the same write transaction that stores them, so a
 * concurrent writer cannot slip in between. A stored record is then
 * handed to each index module in turn (store_index.c, store_recon.c,
 * store_files.c), inside the same transaction; a stored chunk to the
 * files module. This file sits above the index modules, which sit above
 * the kernel (store.c): calls go down only (docs/DESIGN.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store_impl.h"
#include "store_mods.h"

#define STORE_VERIFY_PAR_MIN	16	/* smallest batch for 2 threads */

/* ------------------------------------------------------------------ */
/* Chunks */

struct chunks_ctx {
	const struct weft_chunk_put	*c;
	size_t				 n;
};

/* Adds to the total of chunk bytes in meta. */

static int
chunks_put_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct chunks_ctx	*cc = arg;
	int			 err;

	for (size_t i = 0; i < cc->n; i++) {
		/*
		 * Its record comes next, in another transaction: until then
		 * a pending mark keeps gc off (store_impl.h).
		 */
		err = weft__store_chunk_pend(s, txn, cc->c[i].id, 0);
		if (err)
			return err;
		err = weft__store_chunk_has(s, txn, cc->c[i].id);
		if (err == 0)
			continue;
		if (err != WEFT_ENOTFOUND)
			return err;
		err = weft__store_chunk_add(s, txn, cc->c[i].id,
		    cc->c[i].data, cc->c[i].len);
		if (err)
			return err;
		/* A chunk some wanted file lacks: it is no longer absent. */
		err = weft__store_chunk_arrived(s, txn, cc->c[i].id,
		    cc->c[i].data, cc->c[i].len);
		if (err)
			return err;
	}
	return 0;
}

int
weft_store_chunks_put(struct weft_store *s, const struct weft_chunk_put *c,
    size_t n)
{
	struct chunks_ctx	cc = { c, n };
	uint8_t			h[WEFT_HASH_BYTES];

	/* Verify before writing, and outside the transaction. */
	for (size_t i = 0; i < n; i++) {
		if (c[i].len > WEFT_INDEX_MAX)
			return WEFT_ETOOBIG;
		weft_hash(c[i].data, c[i].len, h);
		if (memcmp(h, c[i].id, ID) != 0)
			return WEFT_EBADHASH;
	}
	if (n == 0)
		return 0;
	return weft__store_write(s, chunks_put_txn, &cc);
}

int
weft_store_chunks_put_hashed(struct weft_store *s,
    const struct weft_chunk_put *c, size_t n)
{
	struct chunks_ctx	cc = { c, n };

	for (size_t i = 0; i < n; i++)
		if (c[i].len > WEFT_INDEX_MAX)
			return WEFT_ETOOBIG;
	if (n == 0)
		return 0;
	return weft__store_write(s, chunks_put_txn, &cc);
}

/* ------------------------------------------------------------------ */
/* Records */

struct put_ctx {
	const uint8_t			*env;
	size_t				 len;
	const struct weft_record	*r;
	uint8_t				 id[ID];
	uint64_t			 now_ms;	/* receipts; 0: none */
	uint32_t			 lim[2];	/* the limits read */
	bool				 files_here;	/* put_here */
};


/* A dependency: absent is WEFT_EMISSING, a non-revision WEFT_EBADFIELD. */
static int
dep_rev(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct recinfo *ri)
{
	int	err;

	err = weft__store_info_get(s, txn, id, ri);
	if (err == WEFT_ENOTFOUND)
		return WEFT_EMISSING;
	if (err)
		return err;
	return ri->type == WEFT_REC_REV ? 0 : WEFT_EBADFIELD;
}

static int
rev_check(struct weft_store *s, MDB_txn *txn, const struct weft_record *r)
{
	struct recinfo	gi, pi;
	int		err;

	if (r->has_design) {
		err = dep_rev(s, txn, r->design, &gi);
		if (err)
			return err;
		/* design must name a genesis: its own design. */
		if (memcmp(gi.design, r->design, ID) != 0)
			return WEFT_EBADFIELD;
		if (memcmp(gi.author, r->author, WEFT_PK_BYTES) != 0)
			return WEFT_EDENIED;
		if (r->prev.n == 0)
			return WEFT_EBADFIELD;
		for (uint32_t i = 0; i < r->prev.n; i++) {
			err = dep_rev(s, txn, r->prev.ids[i], &pi);
			if (err)
				return err;
			if (memcmp(pi.design, r->design, ID) != 0)
				return WEFT_EBADFIELD;
		}
	} else if (r->prev.n != 0) {
		return WEFT_EBADFIELD;
	}
	for (uint32_t i = 0; i < r->remix_of.n; i++) {
		err = dep_rev(s, txn, r->remix_of.ids[i], &pi);
		if (err)
			return err;
	}
	return 0;
}

/*
 * An entry: its lib and design here, its signer one who was ever a
 * maintainer of the lib (else a stranger's: refused). An entry by one
 * not in force at its ts is stored but does not count (record_write),
 * so that every node holds the same records whatever order the lib's
 * maint records came in (store_libmaint.c).
 */
static int
entry_check(struct weft_store *s, MDB_txn *txn, const struct weft_record *r)
{
	uint8_t		 dk[DKEY];
	bool		 ever;
	int		 err;

	err = weft__store_maint_ever(s, txn, r->lib, r->author, &ever);
	if (err == WEFT_ENOTFOUND) {
		err = db_has(txn, s->dbi[DB_INFO], r->lib, ID);
		return err == 0 ? WEFT_EBADFIELD : WEFT_EMISSING;
	}
	if (err)
		return err;
	if (!ever)
		return WEFT_EDENIED;
	err = weft__store_design_key(s, txn, r->entry_design, dk);
	if (err == WEFT_ENOTFOUND) {
		err = db_has(txn, s->dbi[DB_INFO], r->entry_design, ID);
		return err == 0 ? WEFT_EBADFIELD : WEFT_EMISSING;
	}
	return err;
}

/*
 * Was signer a maintainer of lib at time ts? 0 yes, WEFT_EDENIED no (or
 * no lib).
 */
static int
lib_maintainer(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    uint64_t ts, const uint8_t signer[WEFT_PK_BYTES])
{
	bool	in;
	int	err;

	err = weft__store_maint_in_force(s, txn, lib, ts, signer, &in);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_EDENIED : err;
	return in ? 0 : WEFT_EDENIED;
}

/*
 * May signer take back record r at time ts? Its author may; one who was
 * a maintainer of an entry's library at ts may take the entry back. 0,
 * WEFT_EDENIED or a store error.
 */
static int
may_retract(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t signer[WEFT_PK_BYTES], uint64_t ts)
{
	if (r->type == WEFT_REC_LIB || r->type == WEFT_REC_RETRACT ||
	    r->type == WEFT_REC_MAINT)
		return WEFT_EBADFIELD;
	if (memcmp(r->author, signer, WEFT_PK_BYTES) == 0)
		return 0;
	if (r->type == WEFT_REC_ENTRY)
		return lib_maintainer(s, txn, r->lib, ts, signer);
	return WEFT_EDENIED;
}

/*
 * A record that arrives with a tombstone (its own, or its design's for
 * a later revision) is refused when the tombstone's signer could take it
 * back: WEFT_ERETRACTED. A tombstone by anyone else took back nothing.
 */
static int
tomb_check(struct weft_store *s, MDB_txn *txn, const struct put_ctx *pc)
{
	const struct weft_record	*r = pc->r;
	struct weft_store_tomb		 t;
	int				 err;

	err = weft__store_tomb_get(s, txn, pc->id, &t);
	if (err == 0) {
		err = may_retract(s, txn, r, t.signer, t.ts);
		if (err == 0)
			return WEFT_ERETRACTED;
		if (err != WEFT_EDENIED && err != WEFT_EBADFIELD)
			return err;
	} else if (err != WEFT_ENOTFOUND) {
		return err;
	}
	if (r->type != WEFT_REC_REV || !r->has_design)
		return 0;
	err = weft__store_tomb_get(s, txn, r->design, &t);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	return memcmp(t.signer, r->author, WEFT_PK_BYTES) == 0 ?
	    WEFT_ERETRACTED : 0;
}

/*
 * A retract: every target this node holds must be one its signer may
 * take back (targets not here are judged when they come).
 */
static int
retract_check(struct weft_store *s, MDB_txn *txn, const struct weft_record *r)
{
	struct weft_record	tr;
	struct recinfo		ti;
	int			err = 0;

	for (uint32_t i = 0; i < r->targets.n && err == 0; i++) {
		err = weft__store_info_get(s, txn, r->targets.ids[i], &ti);
		if (err == WEFT_ENOTFOUND) {
			err = 0;
			continue;
		}
		if (err)
			break;
		if (ti.type == WEFT_REC_LIB || ti.type == WEFT_REC_RETRACT ||
		    ti.type == WEFT_REC_MAINT)
			return WEFT_EBADFIELD;
		if (memcmp(ti.author, r->author, WEFT_PK_BYTES) == 0)
			continue;
		if (ti.type != WEFT_REC_ENTRY)
			return WEFT_EDENIED;
		weft_record_init(&tr);
		err = weft__store_rec_load_named(s, txn, r->targets.ids[i],
		    &tr);
		if (err == 0)
			err = may_retract(s, txn, &tr, r->author, r->ts);
		weft_record_release(&tr);
	}
	return err;
}

/*
 * The checks of ingest, made before anything is written: presence,
 * rights and dependencies. Only reads (but for the note of a blocked
 * record, which fails only as the store fails), so a failure leaves the
 * txn usable.
 */
static int
record_check(struct weft_store *s, MDB_txn *txn, struct put_ctx *pc)
{
	uint8_t	by[ID];
	int	err;

	err = db_has(txn, s->dbi[DB_INFO], pc->id, ID);
	if (err == 0)
		return WEFT_EEXISTS;
	if (err != WEFT_ENOTFOUND)
		return err;
	/*
	 * Nothing of a blocked author or design enters the store, and a
	 * refused record is noted, so that sync does not ask for it again
	 * while the block lasts (store_blockpurge.c).
	 */
	err = weft__store_mod_check(s, txn, pc->r, pc->id, by);
	if (err == WEFT_EBLOCKED) {
		err = weft__store_blocked_put(s, txn, pc->id, by);
		return err ? err : WEFT_EBLOCKED;
	}
	if (err == 0)
		err = tomb_check(s, txn, pc);
	if (err)
		return err;

	switch (pc->r->type) {
	case WEFT_REC_REV:
		return rev_check(s, txn, pc->r);
	case WEFT_REC_LIB:
		return 0;
	case WEFT_REC_ENTRY:
		return entry_check(s, txn, pc->r);
	case WEFT_REC_COMMENT:
	case WEFT_REC_REACTION:
	case WEFT_REC_MAKE:
		/* What they name may come later; a flood is capped. */
		return weft__store_limit_check(s, txn, pc->r, pc->lim);
	case WEFT_REC_PROFILE:
	case WEFT_REC_GRANT:
	case WEFT_REC_GEOM:
	case WEFT_REC_LABEL:
		return 0;	/* what they name may come later */
	case WEFT_REC_RETRACT:
		return retract_check(s, txn, pc->r);
	case WEFT_REC_MAINT:
		return weft__store_maint_check(s, txn, pc->r);
	case WEFT_REC_RECEIPT:
		return weft__store_receipt_check(s, txn, pc->r, pc->id,
		    pc->now_ms);
	default:
		return WEFT_EBADFIELD;
	}
}

/*
 * Judges design's head (id head; its record hr, or NULL to load it)
 * against the license table and sets the summary's conflict flag.
 */
static int
head_judge(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const uint8_t head[ID], const struct weft_record *hr)
{
	struct weft_record	loaded;
	bool			conflict;
	int			err = 0;

	weft_record_init(&loaded);
	if (hr == NULL) {
		err = weft__store_rec_load_named(s, txn, head, &loaded);
		hr = &loaded;
	}
	if (err == 0)
		err = weft__store_remix_conflict(s, txn, hr, &conflict);
	if (err == 0)
		err = weft__store_summary_conflict(s, txn, design, hr,
		    conflict);
	weft_record_release(&loaded);
	return err;
}

/*
 * A grant by the author of the design it concerns may settle (or, never,
 * raise) a conflict of the designs remixed from it: judge their heads
 * again. Any other grant changes nothing, so a stranger's grants cost no
 * more than their own index key.
 */
static int
grant_refresh(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *grant)
{
	const uint8_t	*design = grant->grant_design;
	struct recinfo	 di;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 remix[ID], head[ID];
	int		 err, rc;

	err = weft__store_info_get(s, txn, design, &di);
	if (err == WEFT_ENOTFOUND)
		return 0;	/* the design is not here: no remix of it is */
	if (err)
		return err;
	if (di.type != WEFT_REC_REV ||
	    memcmp(di.author, grant->author, WEFT_PK_BYTES) != 0)
		return 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_REMIX], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, design, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != 2 * ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(remix, (const uint8_t *)k.mv_data + ID, ID);
		err = weft__store_design_head(s, txn, remix, head);
		if (err == 0)
			err = head_judge(s, txn, remix, head, NULL);
		if (err)
			break;
		err = weft__store_cur_step(c, design, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* ------------------------------------------------------------------ */
/* Retraction */

/* The file indexes of the records a retract takes back, to purge. */
struct idxlist {
	uint8_t	(*ids)[ID];
	size_t	  n, cap;
};

static int
idx_add(struct idxlist *l, const struct weft_record *r)
{
	uint8_t	(*tmp)[ID];
	size_t	  cap;

	for (uint32_t i = 0; i < r->nfiles; i++) {
		if (l->n == l->cap) {
			cap = l->cap ? 2 * l->cap : 16;
			tmp = realloc(l->ids, cap * ID);
			if (tmp == NULL)
				return -ENOMEM;
			l->ids = tmp;
			l->cap = cap;
		}
		memcpy(l->ids[l->n++], r->files[i].index, ID);
	}
	return 0;
}

/*
 * One record (id, decoded in r) taken back: out of its indexes and
 * scopes, its files listed for the purge, its rows deleted. Revisions
 * are the design's (design_retract), whose indexes go at once.
 */
static int
record_retract(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    const struct weft_record *r, struct idxlist *files)
{
	uint8_t	key[2 * ID];
	int	err = 0;

	switch (r->type) {
	case WEFT_REC_PROFILE:
		/* The latest profile still stored back in force. */
		err = weft__store_social_drop(s, txn, r, id);
		if (err == 0)
			err = weft__store_latest_retract(s, txn, r, id);
		break;
	case WEFT_REC_COMMENT:
	case WEFT_REC_REACTION:
	case WEFT_REC_MAKE:
		err = weft__store_social_drop(s, txn, r, id);
		break;
	case WEFT_REC_GRANT:
		memcpy(key, r->grant_design, ID);
		memcpy(key + ID, id, ID);
		err = db_del(txn, s->dbi[DB_GRANTS], key, sizeof(key));
		/* The remixes that relied on it are judged without it. */
		if (err == 0)
			err = grant_refresh(s, txn, r);
		break;
	case WEFT_REC_ENTRY:
		/* The entry in force gives way; the scope follows. */
		err = weft__store_latest_retract(s, txn, r, id);
		break;
	case WEFT_REC_LABEL:
		/* Out of force; the latest other one back (moderation). */
		err = weft__store_latest_retract(s, txn, r, id);
		break;
	case WEFT_REC_GEOM:
		err = weft__store_geom_drop(s, txn, r, id);
		break;
	default:
		break;
	}
	if (err == 0)
		err = weft__store_scopes_drop(s, txn, r, id);
	if (err == 0)
		err = idx_add(files, r);
	return err;
}

/*
 * A design taken back: every revision, its indexes, words, scopes and
 * rows; the revisions' files listed for the purge. Each revision gets a
 * tombstone (t) of its own, so that none is fetched or served again
 * (none when t is NULL: a block's purge, which its block row stops).
 */
static int
design_retract(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const struct weft_store_tomb *t, struct idxlist *files)
{
	struct weft_record	 r;
	struct idxlist		 revs = { NULL, 0, 0 };
	struct weft_record	 one;
	struct weft__rev	*rv = NULL;
	uint8_t			 dk[DKEY];
	size_t			 n = 0;
	int			 err;

	err = weft__store_design_key(s, txn, design, dk);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	/* The revision ids first: the walk must not see the deletes. */
	weft_record_init(&one);
	one.nfiles = 1;
	one.files = calloc(1, sizeof(*one.files));
	if (one.files == NULL)
		err = -ENOMEM;
	if (err == 0)
		err = weft__store_revs_get(s, txn, DB_BY_DESIGN, dk, &rv, &n);
	for (size_t i = 0; i < n && err == 0; i++) {
		memcpy(one.files[0].index, rv[i].id, ID);
		err = idx_add(&revs, &one);
	}
	free(rv);
	weft_record_release(&one);
	if (err)
		goto out;
	err = weft__store_search_drop(s, txn, dk);
	for (size_t i = 0; i < revs.n && err == 0; i++) {
		weft_record_init(&r);
		err = weft__store_rec_load_named(s, txn, revs.ids[i], &r);
		if (err == 0)
			err = record_retract(s, txn, revs.ids[i], &r, files);
		if (err == 0 && t != NULL)
			err = weft__store_tomb_put(s, txn, revs.ids[i], t);
		weft_record_release(&r);
	}
	/* The indexes read the revisions: before the rows go. */
	if (err == 0)
		err = weft__store_design_drop(s, txn, dk);
	for (size_t i = 0; i < revs.n && err == 0; i++)
		err = weft__store_rec_del(s, txn, revs.ids[i]);
out:
	free(revs.ids);
	return err;
}

/*
 * One revision (not a genesis) taken back: out of its design, whose head
 * may change (and is judged and indexed again), then as any record.
 */
static int
rev_retract(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct idxlist *files)
{
	struct weft_record	r, hr;
	uint8_t			head[ID], dk[DKEY];
	int			err, changed;

	weft_record_init(&r);
	weft_record_init(&hr);
	err = weft__store_rec_load_named(s, txn, id, &r);
	if (err == 0)
		err = weft__store_rev_drop(s, txn, &r, id, head, &changed);
	if (err == 0 && changed)
		err = head_judge(s, txn, r.design, head, NULL);
	/* The words of the new head, from none (it may be the genesis). */
	if (err == 0 && changed)
		err = weft__store_design_key(s, txn, r.design, dk);
	if (err == 0 && changed)
		err = weft__store_search_drop(s, txn, dk);
	if (err == 0 && changed)
		err = weft__store_rec_load_named(s, txn, head, &hr);
	if (err == 0 && changed)
		err = weft__store_search_rev(s, txn, &hr, head);
	if (err == 0)
		err = record_retract(s, txn, id, &r, files);
	if (err == 0)
		err = weft__store_rec_del(s, txn, id);
	weft_record_release(&hr);
	weft_record_release(&r);
	return err;
}

static int
unwant(struct weft_store *s, MDB_txn *txn, const uint8_t index[ID],
    void *arg)
{
	(void)arg;
	return weft__store_want_drop(s, txn, index);
}

/*
 * Applies retract r (id), stored and checked: a tombstone for every
 * target, every target here taken back, then the purge of their files.
 */
static int
retract_apply(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t id[ID])
{
	struct weft_store_tomb	 t;
	struct weft_record	 tr;
	struct recinfo		 ti;
	struct idxlist		 files = { NULL, 0, 0 };
	const uint8_t		*target;
	uint64_t		 nchunks, nbytes;
	int			 err = 0;

	memcpy(t.retract, id, ID);
	memcpy(t.signer, r->author, WEFT_PK_BYTES);
	t.ts = r->ts;
	t.confirmed = false;
	for (uint32_t i = 0; i < r->targets.n && err == 0; i++) {
		target = r->targets.ids[i];
		err = weft__store_info_get(s, txn, target, &ti);
		if (err && err != WEFT_ENOTFOUND)
			break;
		/* Confirmed when here: retract_check() judged the right. */
		t.confirmed = err == 0;
		err = weft__store_tomb_put(s, txn, target, &t);
		if (err || !t.confirmed)
			continue;
		if (ti.type == WEFT_REC_REV &&
		    memcmp(ti.design, target, ID) == 0) {
			err = design_retract(s, txn, target, &t, &files);
			continue;
		}
		if (ti.type == WEFT_REC_REV) {
			err = rev_retract(s, txn, target, &files);
			continue;
		}
		weft_record_init(&tr);
		err = weft__store_rec_load_named(s, txn, target, &tr);
		if (err == 0)
			err = record_retract(s, txn, target, &tr, &files);
		if (err == 0)
			err = weft__store_rec_del(s, txn, target);
		weft_record_release(&tr);
	}
	/* A file a kept design also names stays wanted. */
	if (err == 0 && files.n > 0)
		err = weft__store_purge(s, txn,
		    (const uint8_t (*)[ID])files.ids, files.n, unwant, NULL,
		    &nchunks, &nbytes);
	free(files.ids);
	return err;
}

/*
 * A block's purge (store_blockpurge.c): each record of ids[0..n) still
 * here taken out as a retract would take it (a design's genesis takes
 * the whole design), without a tombstone, then the files no kept record
 * names purged. *taken counts the records of the list taken out.
 */
int
weft__store_take_out(struct weft_store *s, MDB_txn *txn,
    const uint8_t (*ids)[ID], size_t n, uint64_t *taken)
{
	struct weft_record	 tr;
	struct recinfo		 ti;
	struct idxlist		 files = { NULL, 0, 0 };
	uint64_t		 nchunks, nbytes;
	int			 err = 0;

	*taken = 0;
	for (size_t i = 0; i < n && err == 0; i++) {
		err = weft__store_info_get(s, txn, ids[i], &ti);
		if (err == WEFT_ENOTFOUND) {
			err = 0;	/* went with its design */
			continue;
		}
		if (err)
			break;
		(*taken)++;
		if (ti.type == WEFT_REC_REV &&
		    memcmp(ti.design, ids[i], ID) == 0) {
			err = design_retract(s, txn, ids[i], NULL, &files);
			continue;
		}
		if (ti.type == WEFT_REC_REV) {
			err = rev_retract(s, txn, ids[i], &files);
			continue;
		}
		weft_record_init(&tr);
		err = weft__store_rec_load_named(s, txn, ids[i], &tr);
		if (err == 0)
			err = record_retract(s, txn, ids[i], &tr, &files);
		if (err == 0)
			err = weft__store_rec_del(s, txn, ids[i]);
		weft_record_release(&tr);
	}
	if (err == 0 && files.n > 0)
		err = weft__store_purge(s, txn,
		    (const uint8_t (*)[ID])files.ids, files.n, unwant, NULL,
		    &nchunks, &nbytes);
	free(files.ids);
	return err;
}

/*
 * rm --records (store.h): the design taken out as its author's retract
 * would take it, under local tombstones (retract all zero), and with it
 * the records that name it: its comments, makes and reactions (found
 * in `social`) and the entries of every library that has one for it
 * (found among the library's scope members), each under a local
 * tombstone signed for by its own author, so that sync never fetches
 * it again.
 */

/* Ids of the records naming a design, collected before any delete. */
static int
ids_push(struct idxlist *l, const uint8_t id[ID])
{
	struct weft_record	one;
	struct weft_file_ref	f;
	int			err;

	weft_record_init(&one);
	memset(&f, 0, sizeof(f));
	memcpy(f.index, id, ID);
	one.files = &f;
	one.nfiles = 1;
	err = idx_add(l, &one);
	one.files = NULL;
	one.nfiles = 0;
	return err;
}

static int
naming_social(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    struct idxlist *ids)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_SOCIAL], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (err = weft__store_cur_first(c, design, ID, &k, &v); err == 0;
	    err = weft__store_cur_step(c, design, ID, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ID + 1 + 8 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = ids_push(ids, (const uint8_t *)k.mv_data + ID + 1 + 8);
		if (err)
			break;
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* The entries for design of lib (one that has an entry row for it). */
static int
naming_lib(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    const uint8_t design[ID], struct idxlist *ids)
{
	struct weft_record	 r;
	struct recinfo		 ri;
	MDB_cursor		*c;
	MDB_val			 k, v;
	uint8_t			 pfx[1 + ID], id[ID];
	int			 err, rc;

	pfx[0] = WEFT_STORE_SCOPE_LIB;
	memcpy(pfx + 1, lib, ID);
	rc = mdb_cursor_open(txn, s->dbi[DB_RMEM], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (err = weft__store_cur_first(c, pfx, sizeof(pfx), &k, &v);
	    err == 0; err = weft__store_cur_step(c, pfx, sizeof(pfx), &k, &v,
	    MDB_NEXT)) {
		if (k.mv_size != sizeof(pfx) + 8 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(id, (const uint8_t *)k.mv_data + sizeof(pfx) + 8, ID);
		err = weft__store_info_get(s, txn, id, &ri);
		if (err == WEFT_ENOTFOUND)
			continue;
		if (err)
			break;
		if (ri.type != WEFT_REC_ENTRY)
			continue;
		weft_record_init(&r);
		err = weft__store_rec_load_named(s, txn, id, &r);
		if (err == 0 && memcmp(r.entry_design, design, ID) == 0)
			err = ids_push(ids, id);
		weft_record_release(&r);
		if (err)
			break;
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

static int
naming_entries(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    struct idxlist *ids)
{
	struct idxlist	 libs = { NULL, 0, 0 };
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[2 * ID];
	int		 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_LIBS], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	err = 0;
	for (; rc == 0 && err == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(key, k.mv_data, ID);
		memcpy(key + ID, design, ID);
		err = db_has(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key));
		if (err == 0)
			err = ids_push(&libs, key);
		else if (err == WEFT_ENOTFOUND)
			err = 0;
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	for (size_t i = 0; i < libs.n && err == 0; i++)
		err = naming_lib(s, txn, libs.ids[i], design, ids);
	free(libs.ids);
	return err;
}

/*
 * Every record naming design (comments, makes, reactions, library
 * entries) taken out under a local tombstone signed for by its author;
 * the files of makes go to files for the purge. Oldest first within
 * each kind, so that an older reaction or entry is seldom put back in
 * force only to go next.
 */
static int
remove_naming(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    uint64_t ts, struct idxlist *files, uint64_t *n)
{
	struct idxlist		 ids = { NULL, 0, 0 };
	struct weft_store_tomb	 t;
	struct weft_record	 r;
	int			 err;

	err = naming_social(s, txn, design, &ids);
	if (err == 0)
		err = naming_entries(s, txn, design, &ids);
	memset(&t, 0, sizeof(t));
	t.ts = ts;
	t.confirmed = true;
	for (size_t i = 0; i < ids.n && err == 0; i++) {
		weft_record_init(&r);
		err = weft__store_rec_load_named(s, txn, ids.ids[i], &r);
		if (err == 0) {
			memcpy(t.signer, r.author, WEFT_PK_BYTES);
			err = record_retract(s, txn, ids.ids[i], &r, files);
		}
		if (err == 0)
			err = weft__store_tomb_put(s, txn, ids.ids[i], &t);
		if (err == 0)
			err = weft__store_rec_del(s, txn, ids.ids[i]);
		weft_record_release(&r);
	}
	*n = ids.n;
	free(ids.ids);
	return err;
}
struct remove_ctx {
	const uint8_t	*design;
	uint64_t	 ts;
	uint64_t	 revs;
	uint64_t	 naming;
};

static int
remove_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct remove_ctx	*rc = arg;
	struct weft_store_tomb	 t;
	struct recinfo		 ri;
	struct idxlist		 files = { NULL, 0, 0 };
	uint64_t		 nchunks, nbytes;
	size_t			 nmake;
	int			 err;

	err = weft__store_info_get(s, txn, rc->design, &ri);
	if (err)
		return err;
	if (ri.type != WEFT_REC_REV || memcmp(ri.design, rc->design, ID) != 0)
		return WEFT_EUSAGE;
	memset(&t, 0, sizeof(t));
	memcpy(t.signer, ri.author, WEFT_PK_BYTES);
	t.ts = rc->ts;
	t.confirmed = true;
	/* Before the design: their counts still have a design to move. */
	err = remove_naming(s, txn, rc->design, rc->ts, &files, &rc->naming);
	nmake = files.n;
	if (err == 0)
		err = design_retract(s, txn, rc->design, &t, &files);
	if (err == 0)
		err = weft__store_tomb_put(s, txn, rc->design, &t);
	rc->revs = files.n - nmake;
	/* A file a kept design also names stays wanted. */
	if (err == 0 && files.n > 0)
		err = weft__store_purge(s, txn,
		    (const uint8_t (*)[ID])files.ids, files.n, unwant, NULL,
		    &nchunks, &nbytes);
	free(files.ids);
	return err;
}

int
weft_store_design_remove(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], uint64_t ts, uint64_t *files)
{
	struct remove_ctx	rc = { design, ts, 0, 0 };
	int			err;

	*files = 0;
	err = weft__store_write(s, remove_txn, &rc);
	if (err == 0)
		*files = rc.revs;
	return err;
}

/* ------------------------------------------------------------------ */
/* Library maintainers changed */

struct rj_entry {
	uint8_t		design[ID];
	uint8_t		id[ID];
	uint64_t	ts;
	uint8_t		action;
	bool		valid;
};

struct rj_list {
	struct weft_store	*s;
	MDB_txn			*txn;
	const uint8_t		*lib;
	struct rj_entry		*e;
	size_t			 n, cap;
};

static int
rj_cb(void *arg, uint64_t ts, const uint8_t id[ID])
{
	struct rj_list		*l = arg;
	struct rj_entry		*tmp;
	struct weft_record	 r;
	size_t			 cap;
	int			 err;

	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 64;
		tmp = realloc(l->e, cap * sizeof(*tmp));
		if (tmp == NULL)
			return -ENOMEM;
		l->e = tmp;
		l->cap = cap;
	}
	weft_record_init(&r);
	err = weft__store_rec_load_named(l->s, l->txn, id, &r);
	if (err == 0 && r.type != WEFT_REC_ENTRY)
		err = WEFT_ECORRUPT;
	if (err == 0) {
		struct rj_entry *e = &l->e[l->n];

		memcpy(e->design, r.entry_design, ID);
		memcpy(e->id, id, ID);
		e->ts = ts;
		e->action = (uint8_t)r.action;
		err = lib_maintainer(l->s, l->txn, l->lib, ts, r.author);
		e->valid = err == 0;
		if (err == WEFT_EDENIED)
			err = 0;
		if (err == 0)
			l->n++;
	}
	weft_record_release(&r);
	return err;
}

/* By design, then newest (ts, id) first. */
static int
rj_cmp(const void *a, const void *b)
{
	const struct rj_entry	*x = a, *y = b;
	int			 c;

	c = memcmp(x->design, y->design, ID);
	if (c)
		return c;
	if (x->ts != y->ts)
		return x->ts > y->ts ? -1 : 1;
	return -memcmp(x->id, y->id, ID);
}

/*
 * One design of lib whose latest counting entry is now best (NULL:
 * none counts): its `lib_entry` row, its scope and, for a new add, the
 * mirror policy's wants.
 */
static int
rj_design(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    const uint8_t design[ID], const struct rj_entry *best)
{
	struct weft_record	 r;
	uint8_t			 key[2 * ID], val[ENTRY_VAL_LEN];
	MDB_val			 v;
	int			 err, held, now;

	memcpy(key, lib, ID);
	memcpy(key + ID, design, ID);
	err = db_get(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), &v);
	if (err && err != WEFT_ENOTFOUND)
		return err;
	if (err == 0 && best != NULL && v.mv_size == ENTRY_VAL_LEN &&
	    memcmp(v.mv_data, best->id, ID) == 0)
		return 0;	/* unchanged */
	if (err == WEFT_ENOTFOUND && best == NULL)
		return 0;
	err = weft__store_lib_holds(s, txn, lib, design, &held);
	if (err)
		return err;
	if (best == NULL) {
		err = db_del(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key));
		now = 0;
	} else {
		memcpy(val, best->id, ID);
		be64enc(val + ID, best->ts);
		val[ID + 8] = best->action;
		err = db_put(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), val,
		    sizeof(val));
		now = best->action == WEFT_ENTRY_ADD;
	}
	if (err || now == held)
		return err;
	err = weft__store_lib_design_scope(s, txn, lib, design,
	    now ? 1 : -1);
	if (err || !now)
		return err;
	weft_record_init(&r);
	err = weft__store_rec_load_named(s, txn, best->id, &r);
	if (err == 0)
		err = weft__store_policy_apply(s, txn, &r, best->id);
	weft_record_release(&r);
	return err;
}

/*
 * The maintainers of lib changed: every entry of it is judged again by
 * the maintainers in force at its ts, and each design's latest counting
 * entry decides whether the library holds it (store_libmaint.c).
 */
static int
lib_rejudge(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID])
{
	struct rj_list	l = { s, txn, lib, NULL, 0, 0 };
	size_t		i, j;
	int		err;

	err = weft__store_lib_entries(s, txn, lib, rj_cb, &l);
	if (err == 0 && l.n > 1)
		qsort(l.e, l.n, sizeof(*l.e), rj_cmp);
	for (i = 0; i < l.n && err == 0; i = j) {
		const struct rj_entry *best = NULL;

		for (j = i; j < l.n && memcmp(l.e[j].design, l.e[i].design,
		    ID) == 0; j++)
			if (best == NULL && l.e[j].valid)
				best = &l.e[j];
		err = rj_design(s, txn, lib, l.e[i].design, best);
	}
	free(l.e);
	return err;
}

/*
 * A seed receipt: kept, and in the scopes of its design in place of the
 * one it replaces (docs/proto/store.md, "Scopes").
 */
static int
receipt_write(struct weft_store *s, MDB_txn *txn, const struct put_ctx *pc)
{
	struct weft__receipt_gone	gone;
	int				err;

	err = weft__store_receipt_put(s, txn, pc->r, pc->id, pc->env, pc->len,
	    &gone);
	if (err == 0 && gone.any)
		err = weft__store_scopes_receipt(s, txn, pc->r->design,
		    gone.has_author ? gone.author : NULL, gone.ts, gone.id,
		    -1);
	if (err == 0)
		err = weft__store_scopes_receipt(s, txn, pc->r->design, NULL,
		    pc->r->ts, pc->id, 1);
	return err;
}

/*
 * Stores and indexes a checked record. Any error here leaves the txn
 * half-written: the caller must abort it.
 */
static int
record_write(struct weft_store *s, MDB_txn *txn, const struct put_ctx *pc)
{
	const struct weft_record	*r = pc->r;
	uint8_t				 info[INFO_LEN];
	uint8_t				 key[8 + ID], head[ID];
	int				 err, held, changed;

	/* Soft state, beside the records (store_receipts.c). */
	if (r->type == WEFT_REC_RECEIPT)
		return receipt_write(s, txn, pc);
	weft__store_rec_key(key, r->ts, pc->id);
	err = weft__store_ragg_reserve(s, txn);
	if (err)
		return err;
	err = store_append(s, txn, DB_RECORDS, key, 8 + ID, pc->env,
	    pc->len);
	if (err)
		return err;
	memset(info, 0, sizeof(info));
	info[0] = (uint8_t)r->type;
	be64enc(info + 1, r->ts);
	memcpy(info + 9, r->author, WEFT_PK_BYTES);
	if (r->type == WEFT_REC_REV)
		memcpy(info + 9 + WEFT_PK_BYTES,
		    r->has_design ? r->design : pc->id, ID);
	else if (r->type == WEFT_REC_COMMENT ||
	    r->type == WEFT_REC_REACTION || r->type == WEFT_REC_MAKE ||
	    r->type == WEFT_REC_GEOM)
		memcpy(info + 9 + WEFT_PK_BYTES, r->design, ID);
	else if (r->type == WEFT_REC_MAINT)
		memcpy(info + 9 + WEFT_PK_BYTES, r->lib, ID);
	err = weft__store_info_put(s, txn, pc->id, info);
	if (err)
		return err;
	err = weft__store_ragg_add(s, txn, r->ts, pc->id);
	if (err)
		return err;

	switch (r->type) {
	case WEFT_REC_REV:
		err = weft__store_counts_rev(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_rev_index(s, txn, r, pc->id, head,
			    &changed);
		/* A new head says "no conflict" until judged. */
		if (err == 0 && changed && (memcmp(head, pc->id, ID) != 0 ||
		    r->remix_of.n > 0))
			err = head_judge(s, txn, r->has_design ? r->design :
			    pc->id, head, memcmp(head, pc->id, ID) == 0 ? r :
			    NULL);
		if (err == 0)
			err = weft__store_search_rev(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		if (err == 0)
			err = weft__store_geom_rev(s, txn, pc->id);
		if (err == 0)
			err = weft__store_file_design_put(s, txn, r, pc->id);
		break;
	case WEFT_REC_LIB:
		err = weft__store_lib_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		return err;
	case WEFT_REC_PROFILE:
	case WEFT_REC_COMMENT:
	case WEFT_REC_REACTION:
	case WEFT_REC_MAKE:
		err = weft__store_social_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_limit_add(s, txn, r, pc->lim);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		/* An avatar is small: every node that keeps the profile
		 * fetches it. */
		if (err == 0 && r->type == WEFT_REC_PROFILE && r->nfiles == 1)
			err = weft__store_want(s, txn, r->files[0].index,
			    r->files[0].size, NULL);
		if (err)
			return err;
		break;	/* a make's photos: where the policies say */
	case WEFT_REC_GEOM:
		err = weft__store_geom_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		/* A thumbnail is small: fetched wherever its record is. */
		if (err == 0 && r->nfiles == 1)
			err = weft__store_want(s, txn, r->files[0].index,
			    r->files[0].size, NULL);
		break;
	case WEFT_REC_RETRACT:
		err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		if (err == 0)
			err = retract_apply(s, txn, r, pc->id);
		return err;
	case WEFT_REC_GRANT:
		err = weft__store_grant_index(s, txn, r, pc->id);
		if (err == 0)
			err = grant_refresh(s, txn, r);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		break;
	case WEFT_REC_LABEL:
		err = weft__store_label_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		if (err)
			return err;
		break;
	case WEFT_REC_MAINT:
		err = weft__store_maint_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		if (err == 0)
			err = lib_rejudge(s, txn, r->lib);
		return err;
	default:
		err = lib_maintainer(s, txn, r->lib, r->ts, r->author);
		if (err == WEFT_EDENIED) {
			/* Kept and offered, but its signer was not in force. */
			err = weft__store_lib_holds(s, txn, r->lib,
			    r->entry_design, &held);
			if (err == 0)
				err = weft__store_scopes_put(s, txn, r, pc->id,
				    held);
			return err;
		}
		if (err == 0)
			err = weft__store_lib_holds(s, txn, r->lib,
			    r->entry_design, &held);
		if (err == 0)
			err = weft__store_entry_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, held);
		break;
	}
	if (err)
		return err;
	return weft__store_policy_apply(s, txn, r, pc->id);
}

static int
record_put_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct put_ctx	*pc = arg;
	int		 err;

	err = record_check(s, txn, pc);
	if (err == 0 && pc->files_here)
		err = weft__store_files_here(s, txn, pc->r);
	if (err)
		return err;
	return record_write(s, txn, pc);
}

static int
record_put(struct weft_store *s, const uint8_t *env, size_t len,
    uint8_t id[WEFT_ID_BYTES], bool files_here)
{
	struct weft_record	r;
	struct put_ctx		pc;
	int			err;

	weft_record_init(&r);
	err = weft_record_verify(env, len, &r, pc.id);
	if (err)
		goto out;
	if (id != NULL)
		memcpy(id, pc.id, ID);
	pc.env = env;
	pc.len = len;
	pc.r = &r;
	pc.now_ms = 0;
	pc.files_here = files_here;
	err = weft__store_write(s, record_put_txn, &pc);
out:
	weft_record_release(&r);
	return err;
}

int
weft_store_record_put(struct weft_store *s, const uint8_t *env, size_t len,
    uint8_t id[WEFT_ID_BYTES])
{
	return record_put(s, env, len, id, false);
}

int
weft_store_record_put_here(struct weft_store *s, const uint8_t *env,
    size_t len, uint8_t id[WEFT_ID_BYTES])
{
	return record_put(s, env, len, id, true);
}

/* ------------------------------------------------------------------ */
/* Batch ingest */

/*
 * Signature checks dominate ingest, so they overlap the write: a helper
 * thread and the writer verify the batch in chunks of VCHUNK records,
 * taken in order, while the writer checks and stores, in order, each
 * record whose chunk is verified. The writer verifies a chunk itself
 * whenever the next record is not verified yet and a chunk is left, so
 * two cores stay busy until the batch is verified, and a batch without
 * a helper (small, or pthread_create failed) runs on the writer alone.
 * Records are independent here: dependencies are checked in order,
 * inside the write transaction.
 */
#define VCHUNK	32

struct weft_store_batch {
	const struct weft_slice	*envs;
	struct weft_record	*recs;
	uint8_t			(*ids)[ID];
	int			*vres;		/* verification, per record */
	int			*results;
	size_t			 n;
	/* Under mu: the next chunk to take, the verified chunks. */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	size_t			 next;
	uint8_t			*vdone;
	int			 own_ids;
	int			 sync_init;	/* mu and cv exist */
	uint64_t		 now_ms;	/* receipts expire; 0: never */
	/* Under the ingest queue's mu (weft_store_ingest_*). */
	struct weft_store_batch	*qnext;
	int			 helpers;	/* threads verifying it */
	int			*qresults;	/* its run's; NULL: not yet */
	int			 grouped;	/* written by an earlier run */
	int			 gdone;		/* that write ended (gerr) */
	int			 gerr;
};

static void
verify_range(struct weft_store_batch *b, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		b->vres[i] = weft_record_verify(b->envs[i].data,
		    b->envs[i].len, &b->recs[i], b->ids[i]);
}

/* Takes and verifies one chunk: 0, or 1 if none was left. */
static int
verify_chunk(struct weft_store_batch *b)
{
	size_t	c, to;

	pthread_mutex_lock(&b->mu);
	c = b->next;
	if (c * VCHUNK < b->n)
		b->next++;
	pthread_mutex_unlock(&b->mu);
	if (c * VCHUNK >= b->n)
		return 1;
	to = (c + 1) * VCHUNK < b->n ? (c + 1) * VCHUNK : b->n;
	verify_range(b, c * VCHUNK, to);
	pthread_mutex_lock(&b->mu);
	b->vdone[c] = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	return 0;
}

/* Returns once record i is verified, verifying chunks meanwhile. */
static void
verified_wait(struct weft_store_batch *b, size_t i)
{
	size_t	c = i / VCHUNK;
	int	done;

	for (;;) {
		pthread_mutex_lock(&b->mu);
		done = b->vdone[c];
		pthread_mutex_unlock(&b->mu);
		if (done || verify_chunk(b) != 0)
			break;
	}
	/* No chunk left: the helper holds the one of record i. */
	pthread_mutex_lock(&b->mu);
	while (!b->vdone[c])
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

/* The per-record outcomes of the checks; anything else fails the batch. */
static int
logical_error(int err)
{
	return err == WEFT_EEXISTS || err == WEFT_EMISSING ||
	    err == WEFT_EDENIED || err == WEFT_EBADFIELD ||
	    err == WEFT_EBLOCKED || err == WEFT_ERETRACTED ||
	    err == WEFT_ELIMIT;
}

/*
 * Checks and stores each verified record in order, so that a record may
 * depend on an earlier one of the same batch. A record that fails its
 * checks is skipped before anything of it is written: LMDB requires
 * aborting the transaction after a failed write, and the checks keep
 * writes from failing for any reason but the store's own (full map, I/O),
 * which fail the whole batch. Runs again from the start after map growth
 * (verification results stay).
 */
static int
batch_records(struct weft_store *s, MDB_txn *txn,
    struct weft_store_batch *b)
{
	struct put_ctx	 pc;
	int		 err;

	for (size_t i = 0; i < b->n; i++) {
		if (i % VCHUNK == 0)
			verified_wait(b, i);
		b->results[i] = b->vres[i];
		if (b->vres[i])
			continue;
		/*
		 * A run of reactions changes counts in memory; anything else
		 * may read or change them, so it comes after they are written.
		 */
		if (b->recs[i].type != WEFT_REC_REACTION) {
			err = weft__store_counts_batch_flush(s, txn);
			if (err)
				return err;
		}
		pc.env = b->envs[i].data;
		pc.len = b->envs[i].len;
		pc.r = &b->recs[i];
		pc.now_ms = b->now_ms;
		pc.files_here = false;
		memcpy(pc.id, b->ids[i], ID);
		err = record_check(s, txn, &pc);
		if (logical_error(err)) {
			b->results[i] = err;
			continue;
		}
		if (err)
			return err;
		err = record_write(s, txn, &pc);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The tables of deferred writes (aggregates, word postings, counts) of
 * one write transaction: begun before its first batch, flushed after its
 * last, so that the batches of a group share them (a node, posting list
 * or count that several of its batches change is written once).
 */
static int
deferred_begin(struct weft_store *s)
{
	int	err;

	err = weft__store_ragg_batch_begin(s);
	if (err)
		return err;
	err = weft__store_words_batch_begin(s);
	if (err == 0)
		err = weft__store_counts_batch_begin(s);
	if (err) {
		weft__store_words_batch_end(s);
		weft__store_ragg_batch_end(s);
	}
	return err;
}

static int
deferred_flush(struct weft_store *s, MDB_txn *txn)
{
	int	err;

	err = weft__store_counts_batch_flush(s, txn);
	if (err == 0)
		err = weft__store_words_batch_flush(s, txn);
	if (err == 0)
		err = weft__store_ragg_batch_flush(s, txn);
	return err;
}

static void
deferred_end(struct weft_store *s)
{
	weft__store_counts_batch_end(s);
	weft__store_words_batch_end(s);
	weft__store_ragg_batch_end(s);
}

/*
 * Checks and stores each verified record in order, so that a record may
 * depend on an earlier one of the same batch. A record that fails its
 * checks is skipped before anything of it is written: LMDB requires
 * aborting the transaction after a failed write, and the checks keep
 * writes from failing for any reason but the store's own (full map, I/O),
 * which fail the whole batch. Runs again from the start after map growth
 * (verification results stay).
 */
static int
batch_put_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	int	err;

	/* The aggregates and word postings are applied at the end. */
	err = deferred_begin(s);
	if (err)
		return err;
	err = batch_records(s, txn, arg);
	if (err == 0)
		err = deferred_flush(s, txn);
	deferred_end(s);
	return err;
}

int
weft_store_batch_new(struct weft_store_batch **bp,
    const struct weft_slice *envs, size_t n, uint8_t (*ids)[WEFT_ID_BYTES])
{
	struct weft_store_batch	*b;

	*bp = NULL;
	if (n == 0 || n > WEFT_STORE_BATCH_MAX)
		return WEFT_ETOOBIG;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->envs = envs;
	b->n = n;
	b->recs = calloc(n, sizeof(*b->recs));
	b->vres = calloc(n, sizeof(*b->vres));
	b->vdone = calloc((n + VCHUNK - 1) / VCHUNK, 1);
	b->own_ids = ids == NULL;
	b->ids = ids != NULL ? ids : calloc(n, sizeof(*b->ids));
	if (b->recs == NULL || b->vres == NULL || b->vdone == NULL ||
	    b->ids == NULL) {
		weft_store_batch_free(b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		weft_record_init(&b->recs[i]);
		memset(b->ids[i], 0, ID);
	}
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->sync_init = 1;
	*bp = b;
	return 0;
}

void
weft_store_batch_set_now(struct weft_store_batch *b, uint64_t now_ms)
{
	b->now_ms = now_ms;
}

void
weft_store_batch_verify(struct weft_store_batch *b)
{
	while (verify_chunk(b) == 0)
		continue;
}

int
weft_store_batch_put(struct weft_store *s, struct weft_store_batch *b,
    int *results)
{
	int	err;

	b->results = results;
	err = weft__store_write(s, batch_put_txn, b);
	if (err) {
		for (size_t i = 0; i < b->n; i++)
			results[i] = err;
	}
	return err;
}

void
weft_store_batch_free(struct weft_store_batch *b)
{
	if (b == NULL)
		return;
	if (b->sync_init) {
		pthread_cond_destroy(&b->cv);
		pthread_mutex_destroy(&b->mu);
	}
	if (b->recs != NULL) {
		for (size_t i = 0; i < b->n; i++)
			weft_record_release(&b->recs[i]);
	}
	if (b->own_ids)
		free(b->ids);
	free(b->vdone);
	free(b->vres);
	free(b->recs);
	free(b);
}

static void *
verify_thread(void *arg)
{
	weft_store_batch_verify(arg);
	return NULL;
}

int
weft_store_records_put(struct weft_store *s, const struct weft_slice *envs,
    size_t n, int *results, uint8_t (*ids)[WEFT_ID_BYTES])
{
	struct weft_store_batch	*b;
	pthread_t		 t;
	int			 err, helper = 0;

	if (n == 0)
		return 0;
	err = weft_store_batch_new(&b, envs, n, ids);
	if (err) {
		for (size_t i = 0; i < n; i++)
			results[i] = err;
		return err;
	}
	if (n >= STORE_VERIFY_PAR_MIN)
		helper = pthread_create(&t, NULL, verify_thread, b) == 0;
	err = weft_store_batch_put(s, b, results);
	if (helper)
		pthread_join(t, NULL);
	weft_store_batch_free(b);
	return err;
}

/*
 * The ingest queue: batches in the order they are to be written. A
 * thread running a batch helps verify the oldest batches (its own
 * included) one chunk at a time until its batch is the oldest, then
 * writes it while the others go on verifying, its own chunks included.
 * So no core idles while a batch is written, and writing starts as soon
 * as the first chunk of the first batch is verified.
 */
struct weft_store_ingest {
	struct weft_store	*s;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct weft_store_batch	*head, *tail;
};

int
weft_store_ingest_new(struct weft_store_ingest **qp, struct weft_store *s)
{
	struct weft_store_ingest	*q;

	*qp = NULL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->s = s;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	*qp = q;
	return 0;
}

void
weft_store_ingest_free(struct weft_store_ingest *q)
{
	if (q == NULL)
		return;
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

void
weft_store_ingest_add(struct weft_store_ingest *q, struct weft_store_batch *b)
{
	pthread_mutex_lock(&q->mu);
	b->qnext = NULL;
	if (q->tail != NULL)
		q->tail->qnext = b;
	else
		q->head = b;
	q->tail = b;
	pthread_mutex_unlock(&q->mu);
}

/* Takes b out of the queue once no helper is inside it. */
static void
ingest_remove(struct weft_store_ingest *q, struct weft_store_batch *b)
{
	struct weft_store_batch	**pp, *prev = NULL;

	pthread_mutex_lock(&q->mu);
	for (pp = &q->head; *pp != NULL && *pp != b; pp = &(*pp)->qnext)
		prev = *pp;
	if (*pp == b) {
		*pp = b->qnext;
		if (q->tail == b)
			q->tail = prev;
	}
	while (b->helpers > 0)
		pthread_cond_wait(&q->cv, &q->mu);
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void
weft_store_ingest_cancel(struct weft_store_ingest *q,
    struct weft_store_batch *b)
{
	ingest_remove(q, b);
}

/* Has b chunks nobody took yet? */
static int
batch_unclaimed(struct weft_store_batch *b)
{
	int	left;

	pthread_mutex_lock(&b->mu);
	left = b->next * VCHUNK < b->n;
	pthread_mutex_unlock(&b->mu);
	return left;
}

/*
 * Group commit: the run that writes the oldest batch goes on, in the same
 * write transaction, with the batches queued after it whose runs are
 * waiting (up to INGEST_GROUP_MAX batches and INGEST_GROUP_RECS records),
 * so that one commit writes the leaves and syncs of several batches: the
 * writer is ingest's bottleneck, and a commit costs by the leaves it
 * dirties, which several batches share (issue 17.4, stop 13). Each batch
 * keeps its own per-record results; a failed write fails the group.
 * 12,288 records let the batches of all three sync jobs share a commit:
 * 17% fewer pages dirtied per record than 8,192 at 200,000 records,
 * for about a third more dirty pages held until the commit (stop 15).
 */
#define INGEST_GROUP_MAX	4
#define INGEST_GROUP_RECS	12288

struct ingest_group {
	struct weft_store_ingest	*q;
	struct weft_store_batch		*m[INGEST_GROUP_MAX];
	size_t				 n;
	size_t				 recs;
};

/* Adds the batch after the group's last to it, if it may: 1 if added. */
static int
group_extend(struct ingest_group *g)
{
	struct weft_store_batch	*x;
	int			 added = 0;

	if (g->n == INGEST_GROUP_MAX)
		return 0;
	pthread_mutex_lock(&g->q->mu);
	x = g->m[g->n - 1]->qnext;
	if (x != NULL && x->qresults != NULL && !x->grouped &&
	    g->recs + x->n <= INGEST_GROUP_RECS) {
		x->grouped = 1;
		x->results = x->qresults;
		g->m[g->n++] = x;
		g->recs += x->n;
		added = 1;
	}
	pthread_mutex_unlock(&g->q->mu);
	return added;
}

/*
 * Writes the group's batches in queue order in one transaction, taking in
 * the next batch whenever one is done. The deferred writes are flushed
 * once for the group, not once per batch (stop 14). Run again from the
 * start after map growth: the batches taken so far stay in the group.
 */
static int
group_put_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct ingest_group	*g = arg;
	int			 err;

	err = deferred_begin(s);
	if (err)
		return err;
	for (size_t i = 0; err == 0 && (i < g->n || group_extend(g)); i++)
		err = batch_records(s, txn, g->m[i]);
	if (err == 0)
		err = deferred_flush(s, txn);
	deferred_end(s);
	return err;
}

int
weft_store_ingest_run(struct weft_store_ingest *q,
    struct weft_store_batch *b, int *results)
{
	struct ingest_group	 g;
	struct weft_store_batch	*x;
	int			 err;

	pthread_mutex_lock(&q->mu);
	b->qresults = results;
	while (q->head != b && !b->gdone) {
		/* The oldest batch, up to ours, with a chunk to take. */
		for (x = q->head; x != NULL; x = x->qnext) {
			if (batch_unclaimed(x))
				break;
			if (x == b) {
				x = NULL;
				break;
			}
		}
		if (x == NULL) {
			pthread_cond_wait(&q->cv, &q->mu);
			continue;
		}
		x->helpers++;
		pthread_mutex_unlock(&q->mu);
		(void)verify_chunk(x);
		pthread_mutex_lock(&q->mu);
		x->helpers--;
		pthread_cond_broadcast(&q->cv);
	}
	if (b->gdone) {
		/* An earlier run wrote it and took it out of the queue. */
		err = b->gerr;
		pthread_mutex_unlock(&q->mu);
		return err;
	}
	pthread_mutex_unlock(&q->mu);

	memset(&g, 0, sizeof(g));
	g.q = q;
	g.m[0] = b;
	g.n = 1;
	g.recs = b->n;
	b->results = results;
	err = weft__store_write(q->s, group_put_txn, &g);
	/*
	 * The others first, while b still heads the queue: none of their
	 * runs may see its batch at the head before it is marked done.
	 */
	for (size_t i = g.n; i-- > 0;) {
		x = g.m[i];
		if (err) {
			for (size_t j = 0; j < x->n; j++)
				x->results[j] = err;
		}
		ingest_remove(q, x);
		if (x == b)
			break;
		pthread_mutex_lock(&q->mu);
		x->gerr = err;
		x->gdone = 1;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
	return err;
}
