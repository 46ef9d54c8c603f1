/*
 * Store statistics and the full re-check of every record and chunk
 * (weft verify --store). The re-check walks in short read transactions
 * of STORE_VERIFY_BATCH items, so a big store never pins old pages for
 * the whole walk, and reports bad items between transactions.
 */
#include <errno.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store_impl.h"

#define STORE_VERIFY_BATCH	256

/* ------------------------------------------------------------------ */
/* Stats and verification */

int
weft_store_stats(struct weft_store *s, struct weft_store_stats *st)
{
	MDB_txn		*txn;
	MDB_stat	 ms;
	MDB_envinfo	 ei;
	int		 err, rc;

	memset(st, 0, sizeof(*st));
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_stat(txn, s->dbi[DB_RECORDS], &ms);
	if (rc)
		goto fail;
	st->records = ms.ms_entries;
	rc = mdb_stat(txn, s->dbi[DB_DESIGNS], &ms);
	if (rc)
		goto fail;
	st->designs = ms.ms_entries;
	rc = mdb_stat(txn, s->dbi[DB_LIBS], &ms);
	if (rc)
		goto fail;
	st->libs = ms.ms_entries;
	err = weft__store_chunk_stat(s, txn, &st->chunks, &st->chunk_bytes);
	if (err == 0)
		err = weft__store_packs_stat(s, txn, &st->pack_bytes,
		    &st->pack_live);
	rc = mdb_env_info(s->env, &ei);
	if (rc == 0)
		rc = mdb_env_stat(s->env, &ms);
	if (rc)
		goto fail;
	st->map_size = ei.me_mapsize;
	st->map_used = ((uint64_t)ei.me_last_pgno + 1) * ms.ms_psize;
	weft__store_read_end(s, txn);
	return err;
fail:
	weft__store_read_end(s, txn);
	return weft__store_xlat(rc);
}

int
weft_store_chunk_bytes(struct weft_store *s, uint64_t *bytes)
{
	MDB_txn		*txn;
	uint64_t	 count;
	int		 err;

	*bytes = 0;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_chunk_stat(s, txn, &count, bytes);
	weft__store_read_end(s, txn);
	return err;
}

struct bad_item {
	uint8_t	id[ID];
	int	err;
};

static int
check_item(struct weft_store *s, int db, const MDB_val *k, const MDB_val *v,
    struct weft_buf *b)
{
	struct weft_record	r;
	uint8_t			id[ID];
	int			err;

	if (db == DB_CHUNKS) {
		/* The bytes are in a pack: the index only says where. */
		weft_buf_reset(b);
		err = weft__store_chunk_read_val(s, k, v, b);
		if (err)
			return err == -ENOMEM ? err : WEFT_ECORRUPT;
		weft_hash(b->data, b->len, id);
		return memcmp(id, k->mv_data, ID) ? WEFT_EBADHASH : 0;
	}
	/* Records: ts || id, and the ts must be the record's. */
	if (k->mv_size != 8 + ID)
		return WEFT_ECORRUPT;
	weft_record_init(&r);
	err = weft_record_verify(v->mv_data, v->mv_size, &r, id);
	if (err == 0 && r.ts != be64dec(k->mv_data))
		err = WEFT_ECORRUPT;
	weft_record_release(&r);
	if (err)
		return err;
	return memcmp(id, (const uint8_t *)k->mv_data + 8, ID) ?
	    WEFT_EBADHASH : 0;
}

/*
 * Checks every value of db in batches, each in its own short read txn,
 * so a big store never pins old pages for the whole walk; cb runs between
 * batches, outside any transaction.
 */
static int
verify_db_buf(struct weft_store *s, int db, const char *kind,
    weft_store_bad_cb *cb, void *arg, uint64_t *count,
    struct weft_buf *cb_buf)
{
	struct bad_item	 bad[STORE_VERIFY_BATCH];
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 last[511];	/* LMDB's longest key */
	size_t		 n, nbad, cl, lastlen = 0;
	int		 started = 0, done, err, rc;

	*count = 0;
	do {
		err = weft__store_read_begin(s, &txn);
		if (err)
			return err;
		rc = mdb_cursor_open(txn, s->dbi[db], &c);
		if (rc) {
			weft__store_read_end(s, txn);
			return weft__store_xlat(rc);
		}
		if (!started) {
			rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		} else {
			k.mv_size = lastlen;
			k.mv_data = last;
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
			if (rc == 0 && k.mv_size == lastlen &&
			    memcmp(k.mv_data, last, lastlen) == 0)
				rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		n = nbad = 0;
		while (rc == 0 && n < STORE_VERIFY_BATCH) {
			err = check_item(s, db, &k, &v, cb_buf);
			if (err) {
				memset(bad[nbad].id, 0, ID);
				/* The id ends the key of both kinds. */
				cl = k.mv_size < ID ? k.mv_size : ID;
				memcpy(bad[nbad].id, (const uint8_t *)k.mv_data +
				    k.mv_size - cl, cl);
				bad[nbad++].err = err;
			}
			lastlen = k.mv_size < sizeof(last) ? k.mv_size :
			    sizeof(last);
			memcpy(last, k.mv_data, lastlen);
			started = 1;
			n++;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		done = rc != 0;
		mdb_cursor_close(c);
		weft__store_read_end(s, txn);
		*count += n;
		for (size_t i = 0; i < nbad; i++)
			if (cb != NULL)
				cb(arg, kind, bad[i].id, bad[i].err);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return weft__store_xlat(rc);
	} while (!done);
	return 0;
}

static int
verify_db(struct weft_store *s, int db, const char *kind,
    weft_store_bad_cb *cb, void *arg, uint64_t *count)
{
	struct weft_buf	b;
	int		err;

	weft_buf_init(&b, WEFT_INDEX_MAX);
	err = verify_db_buf(s, db, kind, cb, arg, count, &b);
	weft_buf_release(&b);
	return err;
}

int
weft_store_verify(struct weft_store *s, weft_store_bad_cb *cb, void *arg,
    uint64_t *records, uint64_t *chunks)
{
	uint64_t	nr = 0, nc = 0;
	int		err;

	err = verify_db(s, DB_RECORDS, "record", cb, arg, &nr);
	if (err == 0)
		err = verify_db(s, DB_CHUNKS, "chunk", cb, arg, &nc);
	if (records != NULL)
		*records = nr;
	if (chunks != NULL)
		*chunks = nc;
	return err;
}
