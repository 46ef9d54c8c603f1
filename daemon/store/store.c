/*
 * The LMDB store (docs/proto/store.md gives every database's byte layout):
 * the environment, transactions, map growth, chunks and record ingest.
 * One environment, opened MDB_NOTLS with default durability, holds plain
 * databases with composite keys: no DUPSORT, whose cursor paths have known
 * bugs in LMDB 0.9.24. Every public call is one transaction, and every
 * write is checked before it is made: records are verified, then rights
 * and dependencies are checked inside the same write transaction that
 * stores them, so a concurrent writer cannot slip in between.
 *
 * A full map grows: the write is aborted, the map is doubled while no
 * transaction is active in the process (every transaction holds s->lock
 * shared; the resize takes it exclusive), and the write is retried.
 * LMDB's codes are translated to weft's here (weft__store_xlat) and
 * nowhere else. The indexes live in store_index.c, the reconciliation
 * index in store_recon.c, stats and re-checks in store_verify.c.
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

#define STORE_VERSION		5	/* 4: aggregates from level 0;
					   3: records keyed by id, dwords per word;
					   2: no author/lib scopes;
					   1: words keyed without created */
/*
 * The map only reserves address space (the file grows as pages are used),
 * so start large enough that ordinary stores never pay for a resize, which
 * aborts and redoes the write that hit the end.
 */
#define STORE_MAP_DEFAULT	((size_t)16 << 30)
#define STORE_MAP_MAX		((uint64_t)1 << 40)
#define STORE_MAXREADERS	256

#define STORE_VERIFY_PAR_MIN	16	/* smallest batch for 2 threads */

static const char *const db_names[DB_COUNT] = {
	"meta", "recs", "info", "chunks", "drevs", "dheads", "succ",
	"remix", "dsum", "author_design", "tag_design", "words", "dwords", "libs", "lib_entry",
	"recon_agg", "policy", "wanted", "absent", "chunk_file", "missing",
	"recon_mem", "design_lib", "peers", "grants",
};

int
weft__store_xlat(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return WEFT_ENOTFOUND;
	case MDB_MAP_FULL:
		return WEFT_ESTOREFULL;
	case MDB_VERSION_MISMATCH:
		return WEFT_EVERSION;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return WEFT_EBUSY;
	case MDB_TXN_FULL:
	case MDB_BAD_VALSIZE:
		return WEFT_ETOOBIG;
	default:
		break;
	}
	if (rc > 0)
		return -rc;
	/* MDB_PANIC, MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_INVALID, ... */
	return WEFT_ECORRUPT;
}

/* Lock helpers: rwlock failures are broken invariants, not input errors. */
static void
lock_shared(struct weft_store *s)
{
	int	rc;

	rc = pthread_rwlock_rdlock(&s->lock);
	if (rc)
		abort();
}

static void
lock_excl(struct weft_store *s)
{
	int	rc;

	rc = pthread_rwlock_wrlock(&s->lock);
	if (rc)
		abort();
}

static void
lock_release(struct weft_store *s)
{
	pthread_rwlock_unlock(&s->lock);
}

static void
note_map_size(struct weft_store *s)
{
	MDB_envinfo	ei;

	if (mdb_env_info(s->env, &ei) == 0)
		s->map_size = ei.me_mapsize;
}

/* Another process grew the map (MDB_MAP_RESIZED): adopt its size. */
static int
adopt_map_size(struct weft_store *s)
{
	int	rc;

	lock_excl(s);
	rc = mdb_env_set_mapsize(s->env, 0);
	if (rc == 0)
		note_map_size(s);
	lock_release(s);
	return weft__store_xlat(rc);
}

/*
 * Doubles the map unless another writer already grew it since "seen" was
 * read; either way the caller retries its write.
 */
static int
grow_map(struct weft_store *s, uint64_t seen)
{
	int	rc = 0;

	lock_excl(s);
	if (s->map_size == seen) {
		if (seen > STORE_MAP_MAX / 2 || seen > SIZE_MAX / 2) {
			lock_release(s);
			return WEFT_ESTOREFULL;
		}
		rc = mdb_env_set_mapsize(s->env, (size_t)(seen * 2));
		if (rc == 0)
			note_map_size(s);
	}
	lock_release(s);
	return weft__store_xlat(rc);
}

int
weft__store_read_begin(struct weft_store *s, MDB_txn **txn)
{
	int	rc, err;

	for (;;) {
		lock_shared(s);
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
		if (rc == 0)
			return 0;
		lock_release(s);
		if (rc != MDB_MAP_RESIZED)
			return weft__store_xlat(rc);
		err = adopt_map_size(s);
		if (err)
			return err;
	}
}

void
weft__store_read_end(struct weft_store *s, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	lock_release(s);
}

/* What the calling thread's last write bumped s->gen from and to. */
static _Thread_local uint64_t	tl_gen_before, tl_gen_after;

void
weft__store_gen_last(uint64_t *before, uint64_t *after)
{
	*before = tl_gen_before;
	*after = tl_gen_after;
	tl_gen_before = tl_gen_after = UINT64_MAX;
}

/*
 * Runs fn in a write transaction and commits it. fn returns 0 or a weft
 * code; on any error the transaction is aborted, and on WEFT_ESTOREFULL
 * (MDB_MAP_FULL, from fn or from the commit) the map grows and the whole
 * write runs again, so fn must depend only on its arguments and the txn.
 */
int
weft__store_write(struct weft_store *s, weft__store_write_cb *fn, void *arg)
{
	MDB_txn		*txn;
	uint64_t	 seen;
	bool		 bumped = false;
	int		 rc, err;

	tl_gen_before = tl_gen_after = UINT64_MAX;	/* no bump (yet) */
	for (;;) {
		lock_shared(s);
		seen = s->map_size;
		rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		if (rc) {
			lock_release(s);
			if (rc != MDB_MAP_RESIZED)
				return weft__store_xlat(rc);
			err = adopt_map_size(s);
			if (err)
				return err;
			continue;
		}
		memset(s->wcur, 0, sizeof(s->wcur));
		err = fn(s, txn, arg);
		if (err) {
			mdb_txn_abort(txn);
		} else {
			/* Before the commit, while we hold the writer lock. */
			if (!bumped)
				tl_gen_before = s->gen;
			bumped = true;
			tl_gen_after = ++s->gen;
			/* the commit frees txn (and its cursors) */
			err = weft__store_xlat(mdb_txn_commit(txn));
		}
		memset(s->wcur, 0, sizeof(s->wcur));
		lock_release(s);
		if (err != WEFT_ESTOREFULL)
			return err;
		err = grow_map(s, seen);
		if (err)
			return err;
	}
}

/* Cursor walks over the keys that start with a prefix. */
int
weft__store_cur_first(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
    MDB_val *v)
{
	int	rc;

	k->mv_size = plen;
	k->mv_data = (void *)pfx;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc)
		return weft__store_xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

int
weft__store_cur_step(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
    MDB_val *v, MDB_cursor_op op)
{
	int	rc;

	rc = mdb_cursor_get(c, k, v, op);
	if (rc)
		return weft__store_xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

/* The last key starting with pfx: before the prefix's successor. */
int
weft__store_cur_last(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
    MDB_val *v)
{
	uint8_t	succ[64];
	size_t	n = plen;
	int	rc;

	if (plen > sizeof(succ))
		return WEFT_EUSAGE;
	memcpy(succ, pfx, plen);
	while (n > 0 && succ[n - 1] == 0xff)
		n--;
	if (n == 0) {
		rc = mdb_cursor_get(c, k, v, MDB_LAST);
	} else {
		succ[n - 1]++;
		k->mv_size = n;
		k->mv_data = succ;
		rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(c, k, v, MDB_LAST);
		else if (rc == 0)
			rc = mdb_cursor_get(c, k, v, MDB_PREV);
	}
	if (rc)
		return weft__store_xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

int
weft__store_info_get(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct recinfo *ri)
{
	MDB_val		 v;
	const uint8_t	*p;
	int		 err;

	err = db_get(txn, s->dbi[DB_INFO], id, ID, &v);
	if (err)
		return err;
	if (v.mv_size != INFO_LEN)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	ri->type = p[0];
	ri->ts = be64dec(p + 1);
	memcpy(ri->author, p + 9, WEFT_PK_BYTES);
	memcpy(ri->design, p + 9 + WEFT_PK_BYTES, ID);
	return 0;
}

void
weft__store_rec_key(uint8_t k[8 + ID], uint64_t ts, const uint8_t id[ID])
{
	be64enc(k, ts);
	memcpy(k + 8, id, ID);
}

int
weft__store_rec_get(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    MDB_val *v)
{
	struct recinfo	ri;
	uint8_t		k[8 + ID];
	int		err;

	err = weft__store_info_get(s, txn, id, &ri);
	if (err)
		return err;
	weft__store_rec_key(k, ri.ts, id);
	err = db_get(txn, s->dbi[DB_RECORDS], k, sizeof(k), v);
	return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
}

int
weft__store_design_key(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], uint8_t dk[DKEY])
{
	struct recinfo	ri;
	int		err;

	err = weft__store_info_get(s, txn, design, &ri);
	if (err)
		return err;
	if (ri.type != WEFT_REC_REV || memcmp(ri.design, design, ID) != 0)
		return WEFT_ENOTFOUND;
	be64enc(dk, ri.ts);
	memcpy(dk + 8, design, ID);
	return 0;
}

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

/* Deletes database name of an older format, if it is there. */
static int
db_drop_old(MDB_txn *txn, const char *name)
{
	MDB_dbi	dbi;
	int	rc;

	rc = mdb_dbi_open(txn, name, 0, &dbi);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0)
		rc = mdb_drop(txn, dbi, 1);
	return weft__store_xlat(rc);
}

/*
 * Version 3 and older kept envelopes in "records" keyed by id, the
 * (ts, id) order in "all", and each author's records in "by_author"
 * (author || ts || id, which recon_mem's author scopes hold too): move
 * the envelopes to "recs", keyed ts || id (the ts from info), and drop
 * the three old databases.
 */
static int
records_migrate(struct weft_store *s, MDB_txn *txn)
{
	struct recinfo	 ri;
	MDB_dbi		 old;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[8 + ID];
	int		 rc, err = 0;

	rc = mdb_dbi_open(txn, "records", 0, &old);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0)
		rc = mdb_cursor_open(txn, old, &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = weft__store_info_get(s, txn, k.mv_data, &ri);
		if (err) {
			err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
			break;
		}
		weft__store_rec_key(key, ri.ts, k.mv_data);
		err = db_put(txn, s->dbi[DB_RECORDS], key, sizeof(key),
		    v.mv_data, v.mv_size);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err)
		return err;
	if (rc != MDB_NOTFOUND)
		return weft__store_xlat(rc);
	err = weft__store_xlat(mdb_drop(txn, old, 1));
	if (err == 0)
		err = db_drop_old(txn, "all");
	if (err == 0)
		err = db_drop_old(txn, "by_author");
	return err;
}

/*
 * Version 3 and older keyed a design's own indexes by its id: "designs"
 * (design -> summary), "by_design" and "heads" (design || ts || rev),
 * with "design_time" (created || design) for the order. Copy them to
 * dsum, drevs and dheads under DKEY (created from the genesis's info)
 * and drop the four.
 */
static int
designs_migrate(struct weft_store *s, MDB_txn *txn)
{
	static const char *const from[] = { "designs", "by_design", "heads" };
	static const int to[] = { DB_DESIGNS, DB_BY_DESIGN, DB_HEADS };
	MDB_dbi		 old;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[DKEY + 8 + ID], last[ID];
	int		 rc, err = 0, have = 0;

	for (int i = 0; i < 3 && err == 0; i++) {
		rc = mdb_dbi_open(txn, from[i], 0, &old);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc == 0)
			rc = mdb_cursor_open(txn, old, &c);
		if (rc)
			return weft__store_xlat(rc);
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		while (rc == 0) {
			if (k.mv_size != (i == 0 ? ID : 2 * ID + 8)) {
				err = WEFT_ECORRUPT;
				break;
			}
			/* Keys come in design order: look each up once. */
			if (!have || memcmp(last, k.mv_data, ID) != 0) {
				err = weft__store_design_key(s, txn,
				    k.mv_data, key);
				if (err) {
					err = err == WEFT_ENOTFOUND ?
					    WEFT_ECORRUPT : err;
					break;
				}
				memcpy(last, k.mv_data, ID);
				have = 1;
			}
			memcpy(key + DKEY, (uint8_t *)k.mv_data + ID,
			    k.mv_size - ID);
			err = db_put(txn, s->dbi[to[i]], key,
			    DKEY + k.mv_size - ID, v.mv_data, v.mv_size);
			if (err)
				break;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		mdb_cursor_close(c);
		if (err == 0 && rc != MDB_NOTFOUND)
			err = weft__store_xlat(rc);
		if (err == 0)
			err = weft__store_xlat(mdb_drop(txn, old, 1));
	}
	/* design_time: dsum's keys are its keys. */
	return err ? err : db_drop_old(txn, "design_time");
}

static int
open_dbis(struct weft_store *s, MDB_txn *txn, void *arg)
{
	MDB_stat	 st;
	MDB_val		 v;
	uint8_t		 ver[4];
	int		 rc, err;

	(void)arg;
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc)
			return weft__store_xlat(rc);
	}
	err = db_get(txn, s->dbi[DB_META], "version", 7, &v);
	if (err == 0) {
		if (v.mv_size != 4)
			return WEFT_ECORRUPT;
		memcpy(ver, v.mv_data, 4);
		if (ver[0] != 0 || ver[1] != 0 || ver[2] != 0 ||
		    ver[3] < 1 || ver[3] > STORE_VERSION)
			return WEFT_EVERSION;
		/* Up to version 3, records were keyed by id alone. */
		if (ver[3] < 4)
			err = records_migrate(s, txn);
		if (err == 0 && ver[3] < 4)
			err = designs_migrate(s, txn);
		/* Up to version 4, aggregates had levels 0-2 too. */
		if (err == 0 && ver[3] < 5)
			err = weft__store_ragg_drop_low(s, txn);
		if (err == 0)
			err = weft__store_ragg_backfill(s, txn);
		if (err || ver[3] == STORE_VERSION)
			return err;
		/*
		 * Version 1 keyed the word indexes differently, and up to
		 * version 3 dwords held one key per word: rebuild.
		 */
		if (ver[3] < 4)
			err = weft__store_words_rebuild(s, txn);
		/* Version 2 had reconciliation scope "all" only. */
		if (err == 0 && ver[3] < 3)
			err = weft__store_scopes_rebuild(s, txn);
		if (err)
			return err;
		ver[3] = STORE_VERSION;
		return db_put(txn, s->dbi[DB_META], "version", 7, ver, 4);
	}
	if (err != WEFT_ENOTFOUND)
		return err;
	/* No version: only an empty store may be initialised. */
	rc = mdb_stat(txn, s->dbi[DB_RECORDS], &st);
	if (rc)
		return weft__store_xlat(rc);
	if (st.ms_entries != 0)
		return WEFT_ECORRUPT;
	ver[0] = ver[1] = ver[2] = 0;
	ver[3] = STORE_VERSION;
	return db_put(txn, s->dbi[DB_META], "version", 7, ver, 4);
}

int
weft_store_open(struct weft_store **sp, const char *dir,
    const struct weft_store_opts *opts)
{
	struct weft_store	*s;
	size_t			 map_size = STORE_MAP_DEFAULT;
	bool			 retried = false;
	int			 rc, err, dead;

	*sp = NULL;
	if (opts != NULL && opts->map_size != 0)
		map_size = opts->map_size;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	rc = pthread_rwlock_init(&s->lock, NULL);
	if (rc) {
		free(s);
		return -rc;
	}
again:
	rc = mdb_env_create(&s->env);
	if (rc) {
		err = weft__store_xlat(rc);
		goto fail_lock;
	}
	/* + the 7 old databases records_migrate() and designs_migrate() open */
	rc = mdb_env_set_maxdbs(s->env, DB_COUNT + 7);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(s->env, STORE_MAXREADERS);
	if (rc == 0)
		rc = mdb_env_set_mapsize(s->env, map_size);
	/* Default durability: a commit is on disk when it returns. */
	if (rc == 0)
		rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
	/*
	 * A power cut while LMDB created the file (it writes the first
	 * meta pages without a sync): nothing was ever committed, start
	 * again. A failed env must be closed, not opened twice.
	 */
	if (rc == MDB_INVALID && !retried &&
	    weft__store_unfinished(dir) == 1) {
		mdb_env_close(s->env);
		s->env = NULL;
		retried = true;
		goto again;
	}
	if (rc) {
		err = weft__store_xlat(rc);
		goto fail_env;
	}
	rc = mdb_reader_check(s->env, &dead);
	if (rc) {
		err = weft__store_xlat(rc);
		goto fail_env;
	}
	/* The file may be bigger than map_size: LMDB then uses its size. */
	note_map_size(s);
	err = weft__store_write(s, open_dbis, NULL);
	if (err)
		goto fail_env;
	*sp = s;
	return 0;

fail_env:
	mdb_env_close(s->env);
fail_lock:
	pthread_rwlock_destroy(&s->lock);
	free(s);
	return err;
}

void
weft_store_close(struct weft_store *s)
{
	if (s == NULL)
		return;
	weft__store_ragg_batch_free(s);
	mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->lock);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Chunks */

struct chunks_ctx {
	const struct weft_chunk_put	*c;
	size_t				 n;
};

/* Adds to the total of chunk bytes in meta. */
static int
chunk_bytes_add(struct weft_store *s, MDB_txn *txn, uint64_t added)
{
	uint64_t	total = 0;
	uint8_t		be[8];
	MDB_val		v;
	int		err;

	if (added == 0)
		return 0;
	err = db_get(txn, s->dbi[DB_META], "chunk_bytes", 11, &v);
	if (err == 0 && v.mv_size == 8)
		total = be64dec(v.mv_data);
	else if (err == 0)
		return WEFT_ECORRUPT;
	else if (err != WEFT_ENOTFOUND)
		return err;
	be64enc(be, total + added);
	return db_put(txn, s->dbi[DB_META], "chunk_bytes", 11, be, 8);
}

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
		err = db_put(txn, s->dbi[DB_CHUNKS], cc->c[i].id, ID,
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
	return chunk_bytes_add(s, txn, added);
}

int
weft__store_chunk_add(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], const uint8_t *data, size_t len)
{
	int	err;

	err = db_put(txn, s->dbi[DB_CHUNKS], id, ID, data, len);
	if (err)
		return err;
	return chunk_bytes_add(s, txn, len);
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

int
weft_store_chunk_has(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES])
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_has(txn, s->dbi[DB_CHUNKS], id, ID);
	weft__store_read_end(s, txn);
	return err;
}

int
weft__store_copy(struct weft_store *s, int db, const uint8_t id[ID],
    struct weft_buf *out)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[db], id, ID, &v);
	if (err == 0)
		err = weft_buf_add(out, v.mv_data, v.mv_size);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_chunk_get(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    struct weft_buf *out)
{
	return weft__store_copy(s, DB_CHUNKS, id, out);
}

/* ------------------------------------------------------------------ */
/* Records */

struct put_ctx {
	const uint8_t			*env;
	size_t				 len;
	const struct weft_record	*r;
	uint8_t				 id[ID];
};

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
	case WEFT_REC_GRANT:
		return 0;
	default:
		return WEFT_EBADFIELD;
	}
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
	uint8_t				 key[8 + ID];
	int				 err, held;

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
	err = store_put(s, txn, DB_INFO, pc->id, ID, info, sizeof(info));
	if (err)
		return err;
	err = weft__store_ragg_add(s, txn, r->ts, pc->id);
	if (err)
		return err;

	switch (r->type) {
	case WEFT_REC_REV:
		err = weft__store_rev_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		break;
	case WEFT_REC_LIB:
		err = weft__store_lib_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_scopes_put(s, txn, r, pc->id, 0);
		return err;
	case WEFT_REC_GRANT:
		err = weft__store_grant_index(s, txn, r, pc->id);
		if (err == 0)
			err = weft__store_grant_refresh(s, txn, r);
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

int
weft_store_record_get(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    struct weft_buf *out)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_rec_get(s, txn, id, &v);
	if (err == 0)
		err = weft_buf_add(out, v.mv_data, v.mv_size);
	weft__store_read_end(s, txn);
	return err;
}

static int
prefix_match(const MDB_val *k, const uint8_t *lo, size_t nhex)
{
	const uint8_t	*p = k->mv_data;
	size_t		 nb = nhex / 2;

	if (k->mv_size != ID || memcmp(p, lo, nb) != 0)
		return 0;
	return nhex % 2 == 0 || (p[nb] >> 4) == (lo[nb] >> 4);
}

int
weft_store_resolve(struct weft_store *s, const char *prefix,
    uint8_t id[WEFT_ID_BYTES])
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 lo[ID];
	size_t		 n;
	int		 err, rc, x;

	n = strnlen(prefix, 2 * ID + 1);
	if (n < 8 || n > 2 * ID)
		return WEFT_EUSAGE;
	memset(lo, 0, sizeof(lo));
	for (size_t i = 0; i < n; i++) {
		x = weft_hex_digit(prefix[i]);
		if (x < 0)
			return WEFT_EUSAGE;
		lo[i / 2] |= (uint8_t)(i % 2 ? x : x << 4);
	}
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_INFO], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	k.mv_size = ID;
	k.mv_data = lo;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc) {
		err = weft__store_xlat(rc);
	} else if (!prefix_match(&k, lo, n)) {
		err = WEFT_ENOTFOUND;
	} else {
		memcpy(id, k.mv_data, ID);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		if (rc == 0 && prefix_match(&k, lo, n))
			err = WEFT_EAMBIGUOUS;
		else if (rc != 0 && rc != MDB_NOTFOUND)
			err = weft__store_xlat(rc);
	}
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_record_type(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    enum weft_record_type *type)
{
	struct recinfo	 ri;
	MDB_txn		*txn;
	int		 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_info_get(s, txn, id, &ri);
	weft__store_read_end(s, txn);
	if (err == 0)
		*type = (enum weft_record_type)ri.type;
	return err;
}

int
weft_store_rev_design(struct weft_store *s, const uint8_t rev[WEFT_ID_BYTES],
    uint8_t design[WEFT_ID_BYTES])
{
	struct recinfo	 ri;
	MDB_txn		*txn;
	int		 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_info_get(s, txn, rev, &ri);
	weft__store_read_end(s, txn);
	if (err)
		return err;
	if (ri.type != WEFT_REC_REV)
		return WEFT_EUSAGE;
	memcpy(design, ri.design, ID);
	return 0;
}
