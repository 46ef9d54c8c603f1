/*
 * Scope membership queries for live gossip (daemon/repl/sync.c): which
 * libraries hold a design now, read from `design_lib`, the table the
 * ingest transaction keeps for the library scopes (docs/proto/store.md,
 * "Scopes"). Sync asks only for a peer that is interested in some
 * library and not in everything, so the common push costs no query.
 */
#include <lmdb.h>

#include "weft/err.h"

#include "store_impl.h"

int
weft_store_design_libs(struct weft_store *s, const uint8_t design[ID],
    weft_store_id_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc, err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_DESIGN_LIB], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	err = weft__store_cur_first(c, design, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != 2 * ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = cb(arg, (const uint8_t *)k.mv_data + ID);
		if (err)
			break;
		err = weft__store_cur_step(c, design, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err == WEFT_ENOTFOUND ? 0 : err;
}
