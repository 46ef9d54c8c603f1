/*
 * Tombstones (docs/proto/store.md, `tombs`): one key per record taken
 * back, kept after the record and its files are gone, so that the record
 * is never fetched, accepted or served again and a lookup of its id can
 * say it was retracted, by which retract (whose reason is the reason).
 * The value names the retract's signer, against whom a record that
 * arrives later is judged (store_ingest.c).
 */
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"

#include "store.h"
#include "store_mods.h"

#define TOMB_LEN	(ID + WEFT_PK_BYTES + 8 + 1)

bool
weft_store_tomb_local(const struct weft_store_tomb *t)
{
	static const uint8_t	zero[ID];

	return memcmp(t->retract, zero, ID) == 0;
}

int
weft__store_tomb_get(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], struct weft_store_tomb *t)
{
	const uint8_t	*p;
	MDB_val		 v;
	int		 err;

	err = db_get(txn, s->dbi[DB_TOMBS], id, ID, &v);
	if (err)
		return err;
	if (v.mv_size != TOMB_LEN)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	memcpy(t->retract, p, ID);
	memcpy(t->signer, p + ID, WEFT_PK_BYTES);
	t->ts = be64dec(p + ID + WEFT_PK_BYTES);
	t->confirmed = p[ID + WEFT_PK_BYTES + 8] == 1;
	return 0;
}

int
weft__store_tomb_put(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], const struct weft_store_tomb *t)
{
	struct weft_store_tomb	old;
	uint8_t			v[TOMB_LEN];
	int			err;

	/*
	 * The first retract of a record stays its tombstone, but one made
	 * before the record came is confirmed once it is taken back here.
	 */
	err = weft__store_tomb_get(s, txn, id, &old);
	if (err == 0) {
		if (old.confirmed || !t->confirmed)
			return 0;
		old.confirmed = true;
		t = &old;
	} else if (err != WEFT_ENOTFOUND) {
		return err;
	}
	memcpy(v, t->retract, ID);
	memcpy(v + ID, t->signer, WEFT_PK_BYTES);
	be64enc(v + ID + WEFT_PK_BYTES, t->ts);
	v[ID + WEFT_PK_BYTES + 8] = t->confirmed ? 1 : 0;
	return db_put(txn, s->dbi[DB_TOMBS], id, ID, v, sizeof(v));
}

int
weft__store_tomb_del(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID])
{
	return db_del(txn, s->dbi[DB_TOMBS], id, ID);
}

int
weft_store_tomb(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    struct weft_store_tomb *t)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_tomb_get(s, txn, id, t);
	weft__store_read_end(s, txn);
	return err;
}
