/*
 * The store's private header, shared by the files of daemon/store/ and
 * nothing else: the environment struct, the database handles, the key and
 * value lengths of docs/proto/store.md, and the weft__store_* helpers the
 * files share. store.c holds the environment, transactions, map growth,
 * chunks and record ingest; store_index.c the indexes ingest maintains
 * and the queries over them; store_recon.c the reconciliation index;
 * store_verify.c stats and the full re-check. Like store.c, every file
 * here returns weft codes: LMDB's are translated by weft__store_xlat().
 */
#ifndef WEFT_STORE_IMPL_H
#define WEFT_STORE_IMPL_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "weft/record.h"

#include "store.h"

struct weft_buf;

#define INFO_LEN		(1 + 8 + WEFT_PK_BYTES + WEFT_ID_BYTES)
#define ENTRY_VAL_LEN		(WEFT_ID_BYTES + 8 + 1)

#define ID	WEFT_ID_BYTES
/*
 * created_be64 || design: what every key of a design's own indexes
 * (designs, by_design, heads) starts with, so that ingest, which meets
 * designs roughly in creation order, appends instead of dirtying random
 * pages. created is the genesis's ts.
 */
#define DKEY	(8 + ID)

enum {
	DB_META,
	DB_RECORDS,
	DB_INFO,
	DB_CHUNKS,
	DB_BY_DESIGN,
	DB_HEADS,
	DB_SUCC,
	DB_REMIX,
	DB_DESIGNS,
	DB_AUTHOR_DESIGN,
	DB_TAG_DESIGN,
	DB_WORDS,
	DB_DWORDS,
	DB_LIBS,
	DB_LIB_ENTRY,
	DB_RAGG,
	DB_POLICY,
	DB_WANTED,
	DB_ABSENT,
	DB_CHUNK_FILE,
	DB_MISSING,
	DB_RMEM,
	DB_DESIGN_LIB,
	DB_PEERS,
	DB_GRANTS,
	DB_COUNT
};

struct weft_store {
	MDB_env			*env;
	MDB_dbi			 dbi[DB_COUNT];
	/*
	 * Held shared by every transaction and exclusively by a map resize,
	 * which LMDB allows only with no transaction active in the process.
	 * map_size changes only under the exclusive lock.
	 */
	pthread_rwlock_t	 lock;
	uint64_t		 map_size;
	/*
	 * The deferred aggregate deltas of the batch write transaction
	 * running (store_recon.c), NULL otherwise. Only that transaction's
	 * thread touches it, under LMDB's writer lock.
	 */
	struct weft__ragg_batch	*ragg_batch;
	/*
	 * Its table (a few MiB) between batches, kept so that each batch
	 * does not fault in fresh zeroed pages: empty, as end() leaves it.
	 */
	struct weft__ragg_batch	*ragg_spare;
	/*
	 * The running write transaction's cursors for store_put(), opened
	 * on first use; LMDB frees them when the transaction ends, and
	 * weft__store_write() forgets them then. Only the writer uses them.
	 */
	MDB_cursor		*wcur[DB_COUNT];
	/* Likewise the deferred words postings (store_index.c). */
	struct weft__words_batch *words_batch;
	/*
	 * Write generation: bumped by every write transaction just before
	 * its commit (under LMDB's writer lock, so a write transaction reads
	 * it consistently). store_disk.c uses it to learn whether anything
	 * but one publish wrote since it began.
	 */
	uint64_t		 gen;
};

/* The fixed facts about a record, kept in DB_INFO. */
struct recinfo {
	uint8_t		type;
	uint64_t	ts;
	uint8_t		author[WEFT_PK_BYTES];
	uint8_t		design[ID];	/* revs only; zero otherwise */
};

typedef int weft__store_write_cb(struct weft_store *s, MDB_txn *txn, void *arg);


/*
 * The generations the calling thread's last weft__store_write() bumped
 * the store from and to; both UINT64_MAX when it bumped nothing (fn
 * failed before any commit was tried) or they were read already (each
 * call reads and forgets them).
 */
void	weft__store_gen_last(uint64_t *before, uint64_t *after);

/*
 * A data.mdb in dir that LMDB cannot open (MDB_INVALID) and whose two
 * meta pages are each absent, zero or of transaction 0 was never
 * committed to: a power cut hit LMDB's creation of the environment,
 * which writes the meta pages without a sync. Then the file is deleted
 * (nothing in it was ever acknowledged) and 1 returned; else 0, or
 * -errno if it could not be deleted.
 */
int	weft__store_unfinished(const char *dir);

/* LMDB's codes to weft's (the one place they are translated). */
int	weft__store_xlat(int rc);

/*
 * Transactions. Every transaction holds s->lock shared; read_begin
 * adopts a map grown by another process. weft__store_write() runs fn in
 * a write transaction and commits it: fn returns 0 or a weft code; on
 * error the txn is aborted, and on WEFT_ESTOREFULL the map grows and fn
 * runs again from the start, so fn must depend only on its arguments and
 * the txn.
 */
int	weft__store_read_begin(struct weft_store *s, MDB_txn **txn);
void	weft__store_read_end(struct weft_store *s, MDB_txn *txn);
int	weft__store_write(struct weft_store *s, weft__store_write_cb *fn,
	    void *arg);

/*
 * Cursor walks over the keys starting with pfx: the first, the next or
 * previous (op), the last. WEFT_ENOTFOUND past the prefix.
 */
int	weft__store_cur_first(MDB_cursor *c, const void *pfx, size_t plen,
	    MDB_val *k, MDB_val *v);
int	weft__store_cur_step(MDB_cursor *c, const void *pfx, size_t plen,
	    MDB_val *k, MDB_val *v, MDB_cursor_op op);
int	weft__store_cur_last(MDB_cursor *c, const void *pfx, size_t plen,
	    MDB_val *k, MDB_val *v);

/* A record's DB_INFO facts. 0, WEFT_ENOTFOUND or WEFT_ECORRUPT. */
/*
 * Records are keyed ts_be64 || id (so ingest appends near the newest
 * pages); info (keyed by id) gives the ts. The envelope of record id:
 * 0, WEFT_ENOTFOUND, WEFT_ECORRUPT (info without a record) or a store
 * error. v points into the map, valid until the txn's next write or end.
 */
void	weft__store_rec_key(uint8_t k[8 + WEFT_ID_BYTES], uint64_t ts,
	    const uint8_t id[WEFT_ID_BYTES]);
int	weft__store_rec_get(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[WEFT_ID_BYTES], MDB_val *v);
/*
 * The DKEY of design (a stored genesis): 0, WEFT_ENOTFOUND (no such
 * record, or not a genesis) or a store error.
 */
int	weft__store_design_key(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[WEFT_ID_BYTES], uint8_t dk[DKEY]);
int	weft__store_info_get(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], struct recinfo *ri);
/* Appends the value of id in db to out, in its own read txn. */
int	weft__store_copy(struct weft_store *s, int db, const uint8_t id[ID],
	    struct weft_buf *out);

/*
 * Ingest indexes (store_index.c), called by the record write after the
 * record's own rows are written, for a revision, an entry and a library.
 * An error leaves the txn half-written: the caller aborts it.
 */
int	weft__store_rev_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * store_grants.c: whether revision r breaks the license table (parents
 * not stored are not judged); after a grant arrived, re-judging the
 * summaries of every design remixed from the granted one (only when the
 * grant is by that design's author: any other grant changes nothing, so
 * a stranger's grants cost no more than their own index key).
 */
int	weft__store_remix_conflict(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, bool *conflict);
int	weft__store_grant_refresh(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *grant);
/* store_index.c: rewrites design's summary (the conflict flag may change). */
int	weft__store_summary_refresh(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[WEFT_ID_BYTES]);
/* Indexes a grant under its design (store_grants.c). */
int	weft__store_grant_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[WEFT_ID_BYTES]);
int	weft__store_entry_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_lib_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * Wanted files (store_files.c). weft__store_want() makes the file with
 * index id index (size bytes; design, or NULL) wanted, listing what of it
 * is absent; weft__store_policy_apply() wants the files the policies cover
 * after record r (id) was stored and indexed. weft__store_chunk_add()
 * (store.c) stores one chunk known to be absent and counts its bytes.
 */
int	weft__store_want(struct weft_store *s, MDB_txn *txn,
	    const uint8_t index[ID], uint64_t size, const uint8_t *design);
int	weft__store_policy_apply(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_chunk_add(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], const uint8_t *data, size_t len);
/*
 * Chunk id (bytes data) was just stored: if a wanted file lacked it, it
 * no longer does. The caller checked the id; an absent index that does
 * not decode is WEFT_EPROTO.
 */
int	weft__store_chunk_arrived(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], const uint8_t *data, size_t len);

/* Empties words and dwords and indexes every design's head again. */
int	weft__store_words_rebuild(struct weft_store *s, MDB_txn *txn);

/*
 * Reconciliation aggregates (store_recon.c): add a record (ts, id), and
 * build them once for a store written before they existed.
 */
int	weft__store_ragg_add(struct weft_store *s, MDB_txn *txn, uint64_t ts,
	    const uint8_t *id);
int	weft__store_ragg_backfill(struct weft_store *s, MDB_txn *txn);
/*
 * Batching of the aggregates in one write transaction: between begin
 * and end, aggregate changes are accumulated in memory (bounded; they
 * spill into the txn when the table fills) and flush() applies them to
 * the txn, which must happen before commit. end() drops whatever was not
 * flushed (on abort). begin: 0, -ENOMEM or WEFT_EUSAGE if one is open.
 */
int	weft__store_ragg_batch_begin(struct weft_store *s);
int	weft__store_ragg_batch_flush(struct weft_store *s, MDB_txn *txn);
void	weft__store_ragg_batch_end(struct weft_store *s);
void	weft__store_ragg_batch_free(struct weft_store *s);
/*
 * For tests: how many bytes of the spare batch table are resident
 * (mincore), or SIZE_MAX when that cannot be told. 0 after a batch: its
 * pages are given back.
 */
size_t	weft__store_ragg_spare_resident(struct weft_store *s);
/*
 * Makes room in the batch table for one item of one scope; call it before
 * putting or deleting the item's member key (`recs`, `recon_mem`).
 */
int	weft__store_ragg_reserve(struct weft_store *s, MDB_txn *txn);
/* Deletes the aggregate nodes format 4 kept under sparse nodes. */
int	weft__store_ragg_drop_low(struct weft_store *s, MDB_txn *txn);
/*
 * The same for the words postings (store_index.c): nothing in a write
 * transaction reads `words`, so a batch collects their puts and deletes
 * and applies them sorted, through one cursor.
 */
int	weft__store_words_batch_begin(struct weft_store *s);
int	weft__store_words_batch_flush(struct weft_store *s, MDB_txn *txn);
void	weft__store_words_batch_end(struct weft_store *s);

/*
 * The author and library scopes (store_recon.c). weft__store_lib_holds()
 * says whether lib's latest entry for design is an add. After record r
 * (id) was stored and indexed, weft__store_scopes_put() puts it into its
 * scopes; for an entry, was_held is lib_holds() from before the entry was
 * indexed, and a change brings the design's revisions into or out of the
 * library's scope. weft__store_scopes_rebuild() builds both kinds of
 * scope for a store of format 2.
 */
int	weft__store_lib_holds(struct weft_store *s, MDB_txn *txn,
	    const uint8_t lib[ID], const uint8_t design[ID], int *held);
int	weft__store_scopes_put(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID], int was_held);
int	weft__store_scopes_rebuild(struct weft_store *s, MDB_txn *txn);

/* Small helpers, inline: byte order, key prefixes, single-key access. */

static inline void
be64enc(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint64_t
be64dec(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline int
prefix_eq(const MDB_val *k, const void *pfx, size_t plen)
{
	return k->mv_size >= plen && memcmp(k->mv_data, pfx, plen) == 0;
}

static inline int
db_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, MDB_val *v)
{
	MDB_val	key = { klen, (void *)k };

	return weft__store_xlat(mdb_get(txn, dbi, &key, v));
}

static inline int
db_has(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
	MDB_val	v;

	return db_get(txn, dbi, k, klen, &v);
}

static inline int
db_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	MDB_val	key = { klen, (void *)k }, val = { vlen, (void *)v };

	return weft__store_xlat(mdb_put(txn, dbi, &key, &val, 0));
}

/*
 * db_put() through the write transaction's cursor on database i, which
 * stays on the leaf of its last put: a key that lands on that leaf (an
 * append, as ingest mostly does for keys led by a ts) costs no descent
 * from the root. Only inside weft__store_write().
 */
static inline int
store_put(struct weft_store *s, MDB_txn *txn, int i, const void *k,
    size_t klen, const void *v, size_t vlen)
{
	MDB_val	key = { klen, (void *)k }, val = { vlen, (void *)v };
	int	rc;

	if (s->wcur[i] == NULL) {
		rc = mdb_cursor_open(txn, s->dbi[i], &s->wcur[i]);
		if (rc) {
			s->wcur[i] = NULL;
			return weft__store_xlat(rc);
		}
	}
	return weft__store_xlat(mdb_cursor_put(s->wcur[i], &key, &val, 0));
}

/*
 * Deletes k if present. The lookup first keeps a missing key from ever
 * being a failed write operation.
 */
static inline int
db_del(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
	MDB_val	key = { klen, (void *)k };
	int	err;

	err = db_has(txn, dbi, k, klen);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	return weft__store_xlat(mdb_del(txn, dbi, &key, NULL));
}

#endif
