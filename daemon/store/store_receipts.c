/*
 * Seed receipts (docs/proto/records.md, `receipt`): soft state, kept
 * apart from the records. A receipt is not in `recs` or `info`; only
 * the latest per (design, revision, node) is kept, under `receipts`,
 * and expired ones are pruned. Each node holds at most
 * WEFT_STORE_RECEIPTS_PER_NODE rows (`receipt_nodes` counts them), so
 * a node that signs receipts in bulk fills its own quota, not the store.
 * The receipt kept is a member of the reconciliation scopes of its
 * design (its author's, its libraries'): the one it replaces and the
 * ones pruned leave them, and `receipt_ids` finds a receipt by its id,
 * so a peer can ask for it (and keeps its design's author, whose scope
 * it leaves even when the design went first).
 *
 * Key: design || rev || node; value: ts (be64) || expires (be64) ||
 * id (32) || envelope. `receipt_ids`: id -> that key || the design's
 * author (zero: unknown).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_impl.h"
#include "store_mods.h"

#define RKEY	(3 * ID)
#define RFIXED	(8 + 8 + ID)
#define RIDV	(RKEY + ID)	/* `receipt_ids` value: key || author */

/*
 * What receipt id's `receipt_ids` row says of the author of its design
 * (zero: unknown, or a row from before the author was kept there), and
 * the row deleted: the receipt is leaving.
 */
static int
ids_take(MDB_txn *txn, struct weft_store *s, const uint8_t id[ID],
    uint8_t author[ID], bool *known)
{
	static const uint8_t	zero[ID];
	MDB_val			v;
	int			err;

	*known = false;
	err = db_get(txn, s->dbi[DB_RECEIPT_IDS], id, ID, &v);
	if (err == WEFT_ENOTFOUND)
		return 0;	/* kept before `receipt_ids` was */
	if (err)
		return err;
	if (v.mv_size != RIDV)
		return WEFT_ECORRUPT;
	memcpy(author, (const uint8_t *)v.mv_data + RKEY, ID);
	*known = memcmp(author, zero, ID) != 0;
	return db_del(txn, s->dbi[DB_RECEIPT_IDS], id, ID);
}

static void
rkey(uint8_t k[RKEY], const struct weft_record *r)
{
	memcpy(k, r->design, ID);
	memcpy(k + ID, r->receipt_rev, ID);
	memcpy(k + 2 * ID, r->author, ID);
}

static int
count_get(MDB_txn *txn, struct weft_store *s, const uint8_t node[ID],
    uint64_t *n)
{
	MDB_val	v;
	int	err;

	*n = 0;
	err = db_get(txn, s->dbi[DB_RNODES], node, ID, &v);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (v.mv_size != 8)
		return WEFT_ECORRUPT;
	*n = be64dec(v.mv_data);
	return 0;
}

static int
count_add(MDB_txn *txn, struct weft_store *s, const uint8_t node[ID],
    int delta)
{
	uint8_t		val[8];
	uint64_t	n;
	int		err;

	err = count_get(txn, s, node, &n);
	if (err)
		return err;
	if (delta < 0 && n == 0)
		return WEFT_ECORRUPT;
	n = delta < 0 ? n - 1 : n + 1;
	if (n == 0)
		return db_del(txn, s->dbi[DB_RNODES], node, ID);
	be64enc(val, n);
	return db_put(txn, s->dbi[DB_RNODES], node, ID, val, sizeof(val));
}

int
weft__store_receipt_check(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID], uint64_t now_ms)
{
	struct recinfo	 ri;
	const uint8_t	*p;
	uint8_t		 k[RKEY];
	uint64_t	 ts, n;
	MDB_val		 v;
	int		 err, c;

	/* Stale: it says nothing any more. */
	if (now_ms != 0 && r->expires <= now_ms)
		return WEFT_EEXISTS;
	err = weft__store_info_get(s, txn, r->receipt_rev, &ri);
	if (err == WEFT_ENOTFOUND)
		return WEFT_EMISSING;
	if (err)
		return err;
	if (ri.type != WEFT_REC_REV || memcmp(ri.design, r->design, ID) != 0)
		return WEFT_EBADFIELD;
	rkey(k, r);
	err = db_get(txn, s->dbi[DB_RECEIPTS], k, RKEY, &v);
	if (err == 0) {
		if (v.mv_size < RFIXED)
			return WEFT_ECORRUPT;
		p = v.mv_data;
		ts = be64dec(p);
		c = memcmp(p + 16, id, ID);
		/* Latest by (ts, id) wins. */
		if (ts > r->ts || (ts == r->ts && c >= 0))
			return WEFT_EEXISTS;
		return 0;
	}
	if (err != WEFT_ENOTFOUND)
		return err;
	err = count_get(txn, s, r->author, &n);
	if (err)
		return err;
	/* Over the node's quota: dropped, like a stale one. */
	return n >= WEFT_STORE_RECEIPTS_PER_NODE ? WEFT_EEXISTS : 0;
}

int
weft__store_receipt_put(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID], const uint8_t *env,
    size_t len, struct weft__receipt_gone *gone)
{
	struct recinfo	 ri;
	uint8_t		 k[RKEY], idv[RIDV], *val;
	MDB_val		 v;
	int		 err, fresh;

	if (len > WEFT_RECORD_MAX)
		return WEFT_ETOOBIG;
	rkey(k, r);
	fresh = db_get(txn, s->dbi[DB_RECEIPTS], k, RKEY, &v);
	if (fresh != 0 && fresh != WEFT_ENOTFOUND)
		return fresh;
	gone->any = fresh == 0;
	if (fresh == 0) {
		/* The one it replaces: no longer found by its id. */
		if (v.mv_size < RFIXED)
			return WEFT_ECORRUPT;
		gone->ts = be64dec(v.mv_data);
		memcpy(gone->id, (const uint8_t *)v.mv_data + 16, ID);
		err = ids_take(txn, s, gone->id, gone->author,
		    &gone->has_author);
		if (err)
			return err;
	}
	/*
	 * The author of its design, for the day it leaves that author's
	 * scope, even if the design has gone by then.
	 */
	memcpy(idv, k, RKEY);
	memset(idv + RKEY, 0, ID);
	err = weft__store_info_get(s, txn, r->design, &ri);
	if (err == 0)
		memcpy(idv + RKEY, ri.author, ID);
	else if (err != WEFT_ENOTFOUND)
		return err;
	err = db_put(txn, s->dbi[DB_RECEIPT_IDS], id, ID, idv, RIDV);
	if (err)
		return err;
	val = malloc(RFIXED + len);
	if (val == NULL)
		return -ENOMEM;
	be64enc(val, r->ts);
	be64enc(val + 8, r->expires);
	memcpy(val + 16, id, ID);
	memcpy(val + RFIXED, env, len);
	err = db_put(txn, s->dbi[DB_RECEIPTS], k, RKEY, val, RFIXED + len);
	free(val);
	if (err == 0 && fresh == WEFT_ENOTFOUND)
		err = count_add(txn, s, r->author, 1);
	return err;
}

struct walk {
	const uint8_t		*rev;
	uint64_t		 now_ms;
	weft_store_receipt_cb	*cb;
	void			*arg;
};

static int
walk_txn(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    struct walk *w)
{
	struct weft_store_receipt	 rc;
	MDB_cursor			*c;
	MDB_val				 k, v;
	const uint8_t			*kp, *vp;
	uint8_t				 pfx[2 * ID];
	size_t				 plen = ID;
	int				 err, mrc;

	memcpy(pfx, design, ID);
	if (w->rev != NULL) {
		memcpy(pfx + ID, w->rev, ID);
		plen = 2 * ID;
	}
	mrc = mdb_cursor_open(txn, s->dbi[DB_RECEIPTS], &c);
	if (mrc)
		return weft__store_xlat(mrc);
	err = weft__store_cur_first(c, pfx, plen, &k, &v);
	while (err == 0) {
		if (k.mv_size != RKEY || v.mv_size < RFIXED) {
			err = WEFT_ECORRUPT;
			break;
		}
		kp = k.mv_data;
		vp = v.mv_data;
		memcpy(rc.rev, kp + ID, ID);
		memcpy(rc.node, kp + 2 * ID, ID);
		rc.ts = be64dec(vp);
		rc.expires = be64dec(vp + 8);
		memcpy(rc.id, vp + 16, ID);
		rc.env = vp + RFIXED;
		rc.len = v.mv_size - RFIXED;
		if (rc.expires > w->now_ms) {
			err = w->cb(w->arg, &rc);
			if (err)
				break;
		}
		err = weft__store_cur_step(c, pfx, plen, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft_store_receipts(struct weft_store *s, const uint8_t design[WEFT_ID_BYTES],
    const uint8_t *rev, uint64_t now_ms, weft_store_receipt_cb *cb,
    void *arg)
{
	struct walk	 w = { rev, now_ms, cb, arg };
	MDB_txn		*txn;
	int		 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = walk_txn(s, txn, design, &w);
	weft__store_read_end(s, txn);
	return err;
}

int
weft__store_receipts_prune(struct weft_store *s, MDB_txn *txn,
    uint64_t now_ms, weft__store_receipt_gone_cb *cb, void *arg,
    uint64_t *pruned)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 node[ID], key[RKEY], id[ID], author[ID];
	uint64_t	 ts;
	bool		 known;
	int		 err = 0, rc;

	*pruned = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_RECEIPTS], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != RKEY || v.mv_size < RFIXED) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (be64dec((const uint8_t *)v.mv_data + 8) > now_ms)
			continue;
		memcpy(key, k.mv_data, RKEY);
		memcpy(node, key + 2 * ID, ID);
		ts = be64dec(v.mv_data);
		memcpy(id, (const uint8_t *)v.mv_data + 16, ID);
		err = ids_take(txn, s, id, author, &known);
		if (err == 0)
			err = cb(arg, s, txn, key, known ? author : NULL, ts,
			    id);
		if (err)
			break;
		/* The writes above may have moved the cursor's page. */
		k.mv_size = RKEY;
		k.mv_data = key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc)
			break;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
		err = count_add(txn, s, node, -1);
		if (err)
			break;
		(*pruned)++;
	}
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	return err;
}

int
weft_store_receipt_get(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    uint64_t now_ms, struct weft_buf *out)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_RECEIPT_IDS], id, ID, &v);
	if (err == 0 && v.mv_size != RIDV)
		err = WEFT_ECORRUPT;
	if (err == 0)
		err = db_get(txn, s->dbi[DB_RECEIPTS], v.mv_data, RKEY, &v);
	if (err == 0 && v.mv_size < RFIXED)
		err = WEFT_ECORRUPT;
	/* Replaced (the index is kept with the row) or expired: gone. */
	if (err == 0 && (memcmp((const uint8_t *)v.mv_data + 16, id, ID) != 0 ||
	    (now_ms != 0 && be64dec((const uint8_t *)v.mv_data + 8) <=
	    now_ms)))
		err = WEFT_ENOTFOUND;
	if (err == 0 && out != NULL)
		err = weft_buf_add(out, (const uint8_t *)v.mv_data + RFIXED,
		    v.mv_size - RFIXED);
	weft__store_read_end(s, txn);
	return err;
}

/*
 * The backfill of the scopes (store_open.c): up to max rows after key
 * `after` (NULL: from the first), each given to cb with the author of
 * its design that `receipt_ids` names (NULL: unknown). A row kept before
 * `receipt_ids` was gets its entry here (the author from the design's
 * genesis, if here), so that a peer can ask for it by id. The rows are
 * read first, then cb runs: cb writes to other tables in this txn.
 */
struct rstep {
	uint8_t		key[RKEY];
	uint8_t		id[ID];
	uint64_t	ts;
};

int
weft__store_receipts_step(struct weft_store *s, MDB_txn *txn,
    const uint8_t *after, size_t max, weft__store_receipt_gone_cb *cb,
    void *arg, uint8_t last[RKEY], size_t *n)
{
	struct recinfo	 ri;
	struct rstep	*rows;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 idv[RIDV], author[ID];
	bool		 known;
	int		 rc, err = 0;

	*n = 0;
	rows = calloc(max ? max : 1, sizeof(*rows));
	if (rows == NULL)
		return -ENOMEM;
	rc = mdb_cursor_open(txn, s->dbi[DB_RECEIPTS], &c);
	if (rc) {
		free(rows);
		return weft__store_xlat(rc);
	}
	if (after != NULL) {
		k.mv_size = RKEY;
		k.mv_data = (void *)after;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && memcmp(k.mv_data, after, RKEY) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	} else
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	for (; rc == 0 && *n < max; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != RKEY || v.mv_size < RFIXED) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(rows[*n].key, k.mv_data, RKEY);
		rows[*n].ts = be64dec(v.mv_data);
		memcpy(rows[*n].id, (const uint8_t *)v.mv_data + 16, ID);
		(*n)++;
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	for (size_t i = 0; i < *n && err == 0; i++) {
		known = false;
		err = db_get(txn, s->dbi[DB_RECEIPT_IDS], rows[i].id, ID, &v);
		if (err == 0 && v.mv_size != RIDV)
			err = WEFT_ECORRUPT;
		if (err == 0) {
			memcpy(author, (const uint8_t *)v.mv_data + RKEY, ID);
			known = memcmp(author, (const uint8_t[ID]){ 0 }, ID) !=
			    0;
		} else if (err == WEFT_ENOTFOUND) {
			memcpy(idv, rows[i].key, RKEY);
			memset(idv + RKEY, 0, ID);
			err = weft__store_info_get(s, txn, rows[i].key, &ri);
			if (err == 0)
				memcpy(idv + RKEY, ri.author, ID);
			if (err == 0 || err == WEFT_ENOTFOUND)
				err = db_put(txn, s->dbi[DB_RECEIPT_IDS],
				    rows[i].id, ID, idv, RIDV);
		}
		if (err == 0)
			err = cb(arg, s, txn, rows[i].key, known ? author :
			    NULL, rows[i].ts, rows[i].id);
	}
	if (err == 0 && *n > 0)
		memcpy(last, rows[*n - 1].key, RKEY);
	free(rows);
	return err;
}

/* Rows one drop deletes at most (96 bytes each in memory). */
#define DROP_MAX	(1u << 20)

/*
 * Deletes every receipt of design (NULL: any) signed by node (NULL:
 * any), as the prune does: cb first, with each. The keys are read
 * first, then the rows deleted.
 */
int
weft__store_receipts_drop(struct weft_store *s, MDB_txn *txn,
    const uint8_t *design, const uint8_t *node,
    weft__store_receipt_gone_cb *cb, void *arg, uint64_t *dropped)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		(*keys)[RKEY] = NULL, id[ID], author[ID];
	uint64_t	 ts;
	size_t		 n = 0, cap = 0;
	void		*t;
	bool		 known;
	int		 rc, err = 0;

	*dropped = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_RECEIPTS], &c);
	if (rc)
		return weft__store_xlat(rc);
	if (design != NULL)
		err = weft__store_cur_first(c, design, ID, &k, &v);
	else
		err = weft__store_xlat(mdb_cursor_get(c, &k, &v, MDB_FIRST));
	while (err == 0) {
		if (k.mv_size != RKEY) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (node == NULL || memcmp((const uint8_t *)k.mv_data + 2 * ID,
		    node, ID) == 0) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if (cap > DROP_MAX) {
					err = WEFT_ETOOBIG;
					break;
				}
				t = realloc(keys, cap * RKEY);
				if (t == NULL) {
					err = -ENOMEM;
					break;
				}
				keys = t;
			}
			memcpy(keys[n++], k.mv_data, RKEY);
		}
		if (design != NULL)
			err = weft__store_cur_step(c, design, ID, &k, &v,
			    MDB_NEXT);
		else
			err = weft__store_xlat(mdb_cursor_get(c, &k, &v,
			    MDB_NEXT));
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND)
		err = 0;
	for (size_t i = 0; i < n && err == 0; i++) {
		err = db_get(txn, s->dbi[DB_RECEIPTS], keys[i], RKEY, &v);
		if (err == 0 && v.mv_size < RFIXED)
			err = WEFT_ECORRUPT;
		if (err)
			break;
		memcpy(id, (const uint8_t *)v.mv_data + 16, ID);
		ts = be64dec(v.mv_data);
		err = ids_take(txn, s, id, author, &known);
		if (err == 0)
			err = cb(arg, s, txn, keys[i], known ? author : NULL, ts,
			    id);
		if (err == 0)
			err = db_del(txn, s->dbi[DB_RECEIPTS], keys[i], RKEY);
		if (err == 0)
			err = count_add(txn, s, keys[i] + 2 * ID, -1);
		if (err == 0)
			(*dropped)++;
	}
	free(keys);
	return err;
}
