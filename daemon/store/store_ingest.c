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
	uint64_t		 added = 0;
	int			 err;

	for (size_t i = 0; i < cc->n; i++) {
		err = db_has(txn, s->dbi[DB_CHUNKS], cc->c[i].id, ID);
		if (err == 0)
			continue;
		if (err != WEFT_ENOTFOUND)
			return err;
		err = weft__store_chunk_write(s, txn, cc->c[i].id,
		    cc->c[i].data, cc->c[i].len);
		if (err)
			return err;
		/* A chunk some wanted file lacks: it is no longer absent. */
		err = weft__store_chunk_arrived(s, txn, cc->c[i].id,
		    cc->c[i].data, cc->c[i].len);
		if (err)
			return err;
		added += cc->c[i].len;
	}
	return weft__store_chunk_bytes_add(s, txn, added, 0);
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

static int
entry_check(struct weft_store *s, MDB_txn *txn, const struct weft_record *r)
{
	const uint8_t	*p;
	MDB_val		 v;
	uint8_t		 dk[DKEY];
	size_t		 n;
	int		 err, ok = 0;

	err = db_get(txn, s->dbi[DB_LIBS], r->lib, ID, &v);
	if (err == WEFT_ENOTFOUND) {
		err = db_has(txn, s->dbi[DB_INFO], r->lib, ID);
		return err == 0 ? WEFT_EBADFIELD : WEFT_EMISSING;
	}
	if (err)
		return err;
	if (v.mv_size < WEFT_PK_BYTES || v.mv_size % WEFT_PK_BYTES != 0)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	n = v.mv_size / WEFT_PK_BYTES;
	for (size_t i = 0; i < n && !ok; i++)
		ok = memcmp(p + i * WEFT_PK_BYTES, r->author,
		    WEFT_PK_BYTES) == 0;
	if (!ok)
		return WEFT_EDENIED;
	err = weft__store_design_key(s, txn, r->entry_design, dk);
	if (err == WEFT_ENOTFOUND) {
		err = db_has(txn, s->dbi[DB_INFO], r->entry_design, ID);
		return err == 0 ? WEFT_EBADFIELD : WEFT_EMISSING;
	}
	return err;
}

/*
 * The checks of ingest, made before anything is written: presence,
 * rights and dependencies. Only reads, so a failure leaves the txn usable.
 */
static int
record_check(struct weft_store *s, MDB_txn *txn, const struct put_ctx *pc)
{
	int	err;

	err = db_has(txn, s->dbi[DB_INFO], pc->id, ID);
	if (err == 0)
		return WEFT_EEXISTS;
	if (err != WEFT_ENOTFOUND)
		return err;

	switch (pc->r->type) {
	case WEFT_REC_REV:
		return rev_check(s, txn, pc->r);
	case WEFT_REC_LIB:
		return 0;
	case WEFT_REC_ENTRY:
		return entry_check(s, txn, pc->r);
	case WEFT_REC_PROFILE:
	case WEFT_REC_COMMENT:
	case WEFT_REC_REACTION:
	case WEFT_REC_MAKE:
	case WEFT_REC_GRANT:
		return 0;	/* what they name may come later */
	default:
		return WEFT_EBADFIELD;
	}
}

/* Decodes the stored record id (verified when it came in) into r. */
static int
record_load(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct weft_record *r)
{
	const uint8_t	*body, *sig;
	size_t		 blen;
	MDB_val		 v;
	int		 err;

	err = weft__store_rec_get(s, txn, id, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	err = weft_record_open(v.mv_data, v.mv_size, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, r);
	return err ? WEFT_ECORRUPT : 0;
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
		err = record_load(s, txn, head, &loaded);
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

	weft__store_rec_key(key, r->ts, pc->id);
	err = weft__store_ragg_reserve(s, txn);
	if (err)
		return err;
	err = store_put(s, txn, DB_RECORDS, key, 8 + ID, pc->env, pc->len);
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
	    r->type == WEFT_REC_REACTION || r->type == WEFT_REC_MAKE)
		memcpy(info + 9 + WEFT_PK_BYTES, r->design, ID);
	err = store_put(s, txn, DB_INFO, pc->id, ID, info, sizeof(info));
	if (err)
		return err;
	err = weft__store_ragg_add(s, txn, r->ts, pc->id);
	if (err)
		return err;

	switch (r->type) {
	case WEFT_REC_REV:
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
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		/* An avatar is small: every node that keeps the profile
		 * fetches it. */
		if (err == 0 && r->type == WEFT_REC_PROFILE && r->nfiles == 1)
			err = weft__store_want(s, txn, r->files[0].index,
			    r->files[0].size, NULL);
		if (err)
			return err;
		break;	/* a make's photos: where the policies say */
	case WEFT_REC_GRANT:
		err = weft__store_grant_index(s, txn, r, pc->id);
		if (err == 0)
			err = grant_refresh(s, txn, r);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		break;
	default:
		err = weft__store_lib_holds(s, txn, r->lib, r->entry_design,
		    &held);
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
	if (err)
		return err;
	return record_write(s, txn, pc);
}

int
weft_store_record_put(struct weft_store *s, const uint8_t *env, size_t len,
    uint8_t id[WEFT_ID_BYTES])
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
	err = weft__store_write(s, record_put_txn, &pc);
out:
	weft_record_release(&r);
	return err;
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
	/* Under the ingest queue's mu (weft_store_ingest_*). */
	struct weft_store_batch	*qnext;
	int			 helpers;	/* threads verifying it */
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
	    err == WEFT_EDENIED || err == WEFT_EBADFIELD;
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
	struct weft_store_batch *b = arg;
	struct put_ctx	 pc;
	int		 err;

	/* The aggregates and word postings are applied at the end. */
	err = weft__store_ragg_batch_begin(s);
	if (err)
		return err;
	err = weft__store_words_batch_begin(s);
	if (err) {
		weft__store_ragg_batch_end(s);
		return err;
	}
	for (size_t i = 0; i < b->n; i++) {
		if (i % VCHUNK == 0)
			verified_wait(b, i);
		b->results[i] = b->vres[i];
		if (b->vres[i])
			continue;
		pc.env = b->envs[i].data;
		pc.len = b->envs[i].len;
		pc.r = &b->recs[i];
		memcpy(pc.id, b->ids[i], ID);
		err = record_check(s, txn, &pc);
		if (logical_error(err)) {
			b->results[i] = err;
			continue;
		}
		if (err)
			goto out;
		err = record_write(s, txn, &pc);
		if (err)
			goto out;
	}
	err = weft__store_words_batch_flush(s, txn);
	if (err == 0)
		err = weft__store_ragg_batch_flush(s, txn);
out:
	weft__store_words_batch_end(s);
	weft__store_ragg_batch_end(s);
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

int
weft_store_ingest_run(struct weft_store_ingest *q,
    struct weft_store_batch *b, int *results)
{
	struct weft_store_batch	*x;
	int			 err;

	pthread_mutex_lock(&q->mu);
	while (q->head != b) {
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
	pthread_mutex_unlock(&q->mu);

	err = weft_store_batch_put(q->s, b, results);
	ingest_remove(q, b);	/* the head: found at once */
	return err;
}
