/*
 * The "peers" table: the address book's verified entries, written whole
 * by one job on the thread pool (net.c coalesces changes) and read once
 * at start. The table is small (WEFT_ADDRBOOK_MAX rows of a few hundred
 * bytes), so a save empties it and writes every row again: that keeps
 * the table exactly the book, forgotten nodes included, with no diffing.
 */
#include <errno.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"

#include "store_impl.h"

struct save_ctx {
	const struct weft_store_peer	*v;
	size_t				 n;
};

static int
save_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	const struct save_ctx	*c = arg;
	int			 err;

	err = weft__store_xlat(mdb_drop(txn, s->dbi[DB_PEERS], 0));
	for (size_t i = 0; i < c->n && err == 0; i++) {
		if (c->v[i].len == 0 || c->v[i].len > WEFT_STORE_PEER_VAL_MAX)
			return WEFT_ETOOBIG;
		err = db_put(txn, s->dbi[DB_PEERS], c->v[i].node, 32,
		    c->v[i].val, c->v[i].len);
	}
	return err;
}

int
weft_store_peers_save(struct weft_store *s, const struct weft_store_peer *v,
    size_t n)
{
	struct save_ctx	c = { v, n };

	if (n > WEFT_STORE_PEERS_MAX)
		return WEFT_ETOOBIG;
	return weft__store_write(s, save_txn, &c);
}

int
weft_store_peers_load(struct weft_store *s, weft_store_peer_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 rows = 0;
	int		 rc, err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_PEERS], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0 && rows < WEFT_STORE_PEERS_MAX) {
		rows++;
		if (k.mv_size == 32) {
			err = cb(arg, k.mv_data, v.mv_data, v.mv_size);
			if (err)
				break;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}
