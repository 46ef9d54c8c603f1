/*
 * Last use (store.h, docs/proto/store.md "Last use"): when the files of
 * each design were last used here, for max-store's eviction (store_gc.c).
 * The kernel writes the rows (weft__store_use_touch(), called by the
 * files module as fetched files arrive, inside its write transaction);
 * this module reads them, notes uses for the layers above (get,
 * downloads, serving: queued in memory, since the loop must not wait
 * for a writer, and written by the next gc or at close) and forgets
 * evicted designs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"

#include "store_impl.h"
#include "store_mods.h"

/*
 * Whether design's use is due to be noted: no use queued or written, or
 * the last a step old (or in the future: a clock set back).
 */
static int
use_due(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    bool *due)
{
	uint8_t		k[1 + ID];
	MDB_val		v;
	uint64_t	now, then = 0;
	bool		have = false;
	int		err;

	*due = true;
	if (weft__store_use_queued(s, design, &then) == 0)
		have = true;
	k[0] = USE_DESIGN;
	memcpy(k + 1, design, ID);
	err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &v);
	if (err && err != WEFT_ENOTFOUND)
		return err;
	if (err == 0 && v.mv_size == 8 && (!have || be64dec(v.mv_data) >
	    then)) {
		then = be64dec(v.mv_data);
		have = true;
	}
	if (!have)
		return 0;
	now = weft__store_now_ms(s);
	*due = then > now || now - then >= s->use_step_ms;
	return 0;
}

/*
 * Notes design's use when due. The caller may be the loop: the use is
 * queued, not written (no wait for a writer); the next gc writes it.
 */
static int
use_note(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID])
{
	static const uint8_t	zero[ID];
	bool			due;
	int			err;

	if (memcmp(design, zero, ID) == 0)
		return 0;
	err = use_due(s, txn, design, &due);
	if (err == 0 && due)
		weft__store_use_queue(s, design, weft__store_now_ms(s));
	return err;
}

int
weft_store_use_touch(struct weft_store *s, const uint8_t design[ID])
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = use_note(s, txn, design);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_use_served(struct weft_store *s, const uint8_t id[ID])
{
	uint8_t	 k[1 + ID];
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	k[0] = USE_INDEX;
	memcpy(k + 1, id, ID);
	err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &v);
	if (err == 0 && v.mv_size == ID)
		err = use_note(s, txn, v.mv_data);
	weft__store_read_end(s, txn);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

struct flush {
	struct weft__use	*u;
	size_t			 n;
};

static int
flush_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct flush	*f = arg;
	int		 err = 0;

	for (size_t i = 0; i < f->n && err == 0; i++)
		err = weft__store_use_put(s, txn, &f->u[i]);
	return err;
}

int
weft_store_use_flush(struct weft_store *s)
{
	struct flush	f;
	int		err;

	f.u = malloc(USE_QUEUE_MAX * sizeof(*f.u));
	if (f.u == NULL)
		return -ENOMEM;
	f.n = weft__store_use_take(s, f.u, USE_QUEUE_MAX);
	err = f.n > 0 ? weft__store_write(s, flush_txn, &f) : 0;
	free(f.u);
	return err;
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
	/* A queued use is newer than the row (else it were not queued). */
	if (weft__store_use_queued(s, design, ms) == 0)
		return 0;
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
