/*
 * Last use (store.h, docs/proto/store.md "Last use"): when the files of
 * each design were last used here, for max-store's eviction (store_gc.c).
 * The kernel writes the rows (weft__store_use_touch(), called by the
 * files module as fetched files arrive); this module reads them, stamps
 * designs for the layers above (get, downloads, serving) and forgets
 * evicted ones.
 */
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"

#include "store_impl.h"
#include "store_mods.h"

/* Whether design's row is due a write (absent, or a step old). */
static int
use_due(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    bool *due)
{
	uint8_t		k[1 + ID];
	MDB_val		v;
	uint64_t	now, then;
	int		err;

	*due = true;
	k[0] = USE_DESIGN;
	memcpy(k + 1, design, ID);
	err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &v);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (v.mv_size != 8)
		return 0;
	then = be64dec(v.mv_data);
	now = weft__store_now_ms(s);
	*due = then > now || now - then >= s->use_step_ms;
	return 0;
}

static int
touch_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	return weft__store_use_touch(s, txn, arg, NULL);
}

int
weft_store_use_touch(struct weft_store *s, const uint8_t design[ID])
{
	MDB_txn	*txn;
	bool	 due;
	int	 err;

	/* Most calls find a fresh row: a read, no write. */
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = use_due(s, txn, design, &due);
	weft__store_read_end(s, txn);
	if (err || !due)
		return err;
	return weft__store_write(s, touch_txn, (void *)design);
}

int
weft_store_use_served(struct weft_store *s, const uint8_t id[ID])
{
	uint8_t	 k[1 + ID], design[ID];
	MDB_txn	*txn;
	MDB_val	 v;
	bool	 due = false;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	k[0] = USE_INDEX;
	memcpy(k + 1, id, ID);
	err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &v);
	if (err == 0 && v.mv_size == ID) {
		memcpy(design, v.mv_data, ID);
		err = use_due(s, txn, design, &due);
	}
	weft__store_read_end(s, txn);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err || !due)
		return err;
	return weft__store_write(s, touch_txn, design);
}

int
weft_store_use_get(struct weft_store *s, const uint8_t design[ID],
    uint64_t *ms)
{
	uint8_t	 k[1 + ID];
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	*ms = 0;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	k[0] = USE_DESIGN;
	memcpy(k + 1, design, ID);
	err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &v);
	if (err == 0 && v.mv_size != 8)
		err = WEFT_ECORRUPT;
	if (err == 0)
		*ms = be64dec(v.mv_data);
	weft__store_read_end(s, txn);
	return err;
}

int
weft__store_use_walk(struct weft_store *s, MDB_txn *txn,
    const uint8_t *after, weft__store_use_cb *cb, void *arg)
{
	const uint8_t	 pfx = USE_DESIGN;
	uint8_t		 k0[1 + ID];
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_LASTUSE], &c);
	if (rc)
		return weft__store_xlat(rc);
	if (after == NULL) {
		err = weft__store_cur_first(c, &pfx, 1, &k, &v);
	} else {
		k0[0] = USE_DESIGN;
		memcpy(k0 + 1, after, ID);
		k.mv_data = k0;
		k.mv_size = sizeof(k0);
		err = weft__store_xlat(mdb_cursor_get(c, &k, &v,
		    MDB_SET_RANGE));
		if (err == 0 && k.mv_size == sizeof(k0) &&
		    memcmp(k.mv_data, k0, sizeof(k0)) == 0)
			err = weft__store_cur_step(c, &pfx, 1, &k, &v,
			    MDB_NEXT);
		else if (err == 0 && !prefix_eq(&k, &pfx, 1))
			err = WEFT_ENOTFOUND;
	}
	while (err == 0) {
		if (k.mv_size != 1 + ID || v.mv_size != 8) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = cb(arg, (const uint8_t *)k.mv_data + 1,
		    be64dec(v.mv_data));
		if (err)
			break;
		err = weft__store_cur_step(c, &pfx, 1, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft__store_use_forget(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], const uint8_t (*idx)[ID], size_t n)
{
	uint8_t	k[1 + ID];
	MDB_val	v;
	int	err;

	k[0] = USE_DESIGN;
	memcpy(k + 1, design, ID);
	err = db_del(txn, s->dbi[DB_LASTUSE], k, sizeof(k));
	for (size_t i = 0; err == 0 && i < n; i++) {
		k[0] = USE_INDEX;
		memcpy(k + 1, idx[i], ID);
		err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &v);
		if (err == 0 && v.mv_size == ID &&
		    memcmp(v.mv_data, design, ID) == 0)
			err = db_del(txn, s->dbi[DB_LASTUSE], k, sizeof(k));
		else if (err == 0 || err == WEFT_ENOTFOUND)
			err = 0;
	}
	return err;
}
