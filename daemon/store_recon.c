/*
 * The reconciliation index of the store: aggregates of (count, id sum)
 * per ts prefix for each scope (all records, one author's, one
 * library's), kept in the ingest transaction, and the struct
 * weft_recon_set callbacks that read them in O(log n) page touches
 * (docs/proto/store.md). A handle from weft_store_recon_begin() holds one
 * read transaction, so every callback sees the same snapshot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/recon.h"

#include "store_impl.h"

/*
 * Reconciliation aggregates (docs/proto/store.md): a radix-16 tree over
 * the 64-bit ts. The node of level L (0..15) and prefix p = ts >> 4L holds
 * the count and the id sum of the records whose ts has that prefix, under
 * the key scope || L || be64(p). A record adds itself to one node per
 * level, in the write transaction that stores it.
 */
#define RAGG_LEVELS	16
#define RAGG_VAL	(8 + ID)
#define SCOPE_MAX	(1 + ID)	/* kind || author or lib id */
#define RAGG_KEY_MAX	(SCOPE_MAX + 1 + 8)
#define MEM_KEY_LEN	(SCOPE_MAX + 8 + ID)

/* The key prefix of a scope: 0x00 alone for all, else kind || id. */
static size_t
scope_key(uint8_t sk[SCOPE_MAX], int kind, const uint8_t *id)
{
	sk[0] = (uint8_t)kind;
	if (kind == WEFT_STORE_SCOPE_ALL)
		return 1;
	memcpy(sk + 1, id, ID);
	return SCOPE_MAX;
}

static size_t
ragg_key(uint8_t k[RAGG_KEY_MAX], const uint8_t *sk, size_t sklen,
    int level, uint64_t prefix)
{
	memcpy(k, sk, sklen);
	k[sklen] = (uint8_t)level;
	be64enc(k + sklen + 1, prefix);
	return sklen + 9;
}

/*
 * The aggregate deltas of one batch write transaction, per node key:
 * an open-addressing table of RAGG_BATCH_SLOTS slots, applied to the
 * tree in key order by weft__store_ragg_batch_flush(), and earlier
 * whenever it is RAGG_BATCH_FILL full, so its size is bounded whatever
 * the batch holds. Records of a batch are close in time, so most of
 * them share the upper nodes: each is read and written once per flush
 * instead of once per record.
 */
#define RAGG_BATCH_SLOTS	(1u << 15)
#define RAGG_BATCH_FILL		(RAGG_BATCH_SLOTS / 4 * 3)

struct ragg_slot {
	uint8_t		key[RAGG_KEY_MAX];
	uint8_t		klen;		/* 0: empty */
	int64_t		dn;		/* count delta */
	uint8_t		sum[ID];	/* id sum delta, mod 2^256 */
};

struct weft__ragg_batch {
	struct ragg_slot	*slots;
	uint32_t		*used;		/* indexes of the full slots */
	size_t			 nused;
};

int
weft__store_ragg_batch_begin(struct weft_store *s)
{
	struct weft__ragg_batch	*b;

	if (s->ragg_batch != NULL)
		return WEFT_EUSAGE;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->slots = calloc(RAGG_BATCH_SLOTS, sizeof(*b->slots));
	b->used = calloc(RAGG_BATCH_FILL, sizeof(*b->used));
	if (b->slots == NULL || b->used == NULL) {
		free(b->slots);
		free(b->used);
		free(b);
		return -ENOMEM;
	}
	s->ragg_batch = b;
	return 0;
}

void
weft__store_ragg_batch_end(struct weft_store *s)
{
	struct weft__ragg_batch	*b = s->ragg_batch;

	if (b == NULL)
		return;
	free(b->slots);
	free(b->used);
	free(b);
	s->ragg_batch = NULL;
}

/* LMDB's default key order: bytes, then the shorter first. */
static int
slot_cmp(const void *a, const void *b)
{
	const struct ragg_slot	*x = *(const struct ragg_slot *const *)a;
	const struct ragg_slot	*y = *(const struct ragg_slot *const *)b;
	size_t			 n = x->klen < y->klen ? x->klen : y->klen;
	int			 c;

	c = memcmp(x->key, y->key, n);
	if (c != 0)
		return c;
	return (x->klen > y->klen) - (x->klen < y->klen);
}

/*
 * Applies one node's delta. A count that would go below 0 is corrupt
 * (one-by-one ingest would have met it at 0); a node whose count ends
 * at 0 is deleted, as one-by-one ingest would have.
 */
static int
ragg_apply(MDB_cursor *c, const struct ragg_slot *e)
{
	static const uint8_t	zero[ID];
	uint8_t			val[RAGG_VAL];
	uint64_t		n;
	MDB_val			k, v;
	int			rc, had;

	/*
	 * One cursor for the whole flush, in key order: LMDB skips the
	 * descent from the root when the key lies on the cursor's page.
	 */
	k.mv_size = e->klen;
	k.mv_data = (void *)e->key;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == MDB_NOTFOUND) {
		had = 0;
		memset(val, 0, sizeof(val));
	} else if (rc) {
		return weft__store_xlat(rc);
	} else if (v.mv_size != RAGG_VAL) {
		return WEFT_ECORRUPT;
	} else {
		had = 1;
		memcpy(val, v.mv_data, RAGG_VAL);
	}
	n = be64dec(val);
	if (e->dn < 0 && (uint64_t)-e->dn > n)
		return WEFT_ECORRUPT;
	if (e->dn == 0 && memcmp(e->sum, zero, ID) == 0)
		return 0;	/* nothing changed */
	n += (uint64_t)e->dn;
	if (n == 0)
		return had ? weft__store_xlat(mdb_cursor_del(c, 0)) : 0;
	be64enc(val, n);
	weft_recon_sum_add(val + 8, e->sum);
	k.mv_size = e->klen;
	k.mv_data = (void *)e->key;
	v.mv_size = sizeof(val);
	v.mv_data = val;
	/* Found: the cursor is on the key, so MDB_CURRENT overwrites it. */
	return weft__store_xlat(mdb_cursor_put(c, &k, &v,
	    had ? MDB_CURRENT : 0));
}

int
weft__store_ragg_batch_flush(struct weft_store *s, MDB_txn *txn)
{
	struct weft__ragg_batch	 *b = s->ragg_batch;
	struct ragg_slot	**order;
	MDB_cursor		 *c;
	int			  err = 0, rc;

	if (b == NULL || b->nused == 0)
		return 0;
	order = malloc(b->nused * sizeof(*order));
	if (order == NULL)
		return -ENOMEM;
	rc = mdb_cursor_open(txn, s->dbi[DB_RAGG], &c);
	if (rc) {
		free(order);
		return weft__store_xlat(rc);
	}
	for (size_t i = 0; i < b->nused; i++)
		order[i] = &b->slots[b->used[i]];
	/* In key order, so the puts walk the tree's pages in order. */
	qsort(order, b->nused, sizeof(*order), slot_cmp);
	for (size_t i = 0; i < b->nused && err == 0; i++)
		err = ragg_apply(c, order[i]);
	mdb_cursor_close(c);
	free(order);
	for (size_t i = 0; i < b->nused; i++)
		memset(&b->slots[b->used[i]], 0, sizeof(b->slots[0]));
	b->nused = 0;
	return err;
}

/* Adds the delta of one item to node k in the batch table. */
static int
ragg_defer(struct weft_store *s, MDB_txn *txn, const uint8_t *k,
    size_t klen, const uint8_t *id, int sign)
{
	struct weft__ragg_batch	*b = s->ragg_batch;
	struct ragg_slot	*e;
	uint64_t		 x, y = 0;
	uint32_t		 h;
	int			 err;

	/*
	 * Hash the level and prefix (the last 9 bytes) and the start of
	 * the scope's id: enough to spread the nodes of one batch, and far
	 * cheaper than every byte of a 42-byte key (the whole key is still
	 * compared).
	 */
	x = be64dec(k + klen - 8) ^ (uint64_t)k[klen - 9] << 58;
	if (klen >= 9 + 1 + 8)
		memcpy(&y, k + 1, 8);
	x = (x ^ y) * UINT64_C(0x9e3779b97f4a7c15);
	h = (uint32_t)(x >> 32);
	for (;;) {
		h &= RAGG_BATCH_SLOTS - 1;
		e = &b->slots[h];
		if (e->klen == 0)
			break;
		if (e->klen == klen && memcmp(e->key, k, klen) == 0)
			goto found;
		h++;
	}
	if (b->nused == RAGG_BATCH_FILL) {
		err = weft__store_ragg_batch_flush(s, txn);
		if (err)
			return err;
		return ragg_defer(s, txn, k, klen, id, sign);
	}
	memcpy(e->key, k, klen);
	e->klen = (uint8_t)klen;
	b->used[b->nused++] = (uint32_t)(e - b->slots);
found:
	if (sign > 0) {
		e->dn++;
		weft_recon_sum_add(e->sum, id);
	} else {
		e->dn--;
		weft_recon_sum_sub(e->sum, id);
	}
	return 0;
}

/*
 * Adds (sign > 0) or subtracts (sign < 0) the item (ts, id) to the 16
 * nodes of scope sk. A node whose count drops to 0 is deleted, so the
 * tree of a scope holds exactly the nodes of its items. Inside a batch
 * (s->ragg_batch) the change is only recorded, for the flush.
 */
static int
ragg_update(struct weft_store *s, MDB_txn *txn, const uint8_t *sk,
    size_t sklen, uint64_t ts, const uint8_t *id, int sign)
{
	uint8_t		k[RAGG_KEY_MAX], val[RAGG_VAL];
	uint64_t	n;
	size_t		klen;
	MDB_val		v;
	int		err;

	for (int l = 0; l < RAGG_LEVELS; l++) {
		klen = ragg_key(k, sk, sklen, l, ts >> (4 * l));
		if (s->ragg_batch != NULL) {
			err = ragg_defer(s, txn, k, klen, id, sign);
			if (err)
				return err;
			continue;
		}
		err = db_get(txn, s->dbi[DB_RAGG], k, klen, &v);
		if (err == WEFT_ENOTFOUND) {
			if (sign < 0)
				return WEFT_ECORRUPT;
			memset(val, 0, sizeof(val));
		} else if (err) {
			return err;
		} else if (v.mv_size != RAGG_VAL) {
			return WEFT_ECORRUPT;
		} else {
			memcpy(val, v.mv_data, RAGG_VAL);
		}
		n = be64dec(val);
		if (sign > 0) {
			be64enc(val, n + 1);
			weft_recon_sum_add(val + 8, id);
		} else {
			if (n == 0)
				return WEFT_ECORRUPT;
			be64enc(val, n - 1);
			weft_recon_sum_sub(val + 8, id);
		}
		if (sign < 0 && n == 1)
			err = db_del(txn, s->dbi[DB_RAGG], k, klen);
		else
			err = db_put(txn, s->dbi[DB_RAGG], k, klen, val,
			    sizeof(val));
		if (err)
			return err;
	}
	return 0;
}

int
weft__store_ragg_add(struct weft_store *s, MDB_txn *txn, uint64_t ts,
    const uint8_t *id)
{
	uint8_t	sk[SCOPE_MAX];
	size_t	sklen;

	sklen = scope_key(sk, WEFT_STORE_SCOPE_ALL, NULL);
	return ragg_update(s, txn, sk, sklen, ts, id, 1);
}

/*
 * Puts (ts, item) into (sign > 0) or takes it out of (sign < 0) the
 * author or library scope kind/sid: its `recon_mem` key and its
 * aggregates. Idempotent: an item already in (out of) the scope changes
 * nothing, so the aggregates stay exact whatever the ingest order.
 * sign 2 puts an item known to be in no scope (a record being stored)
 * without looking first.
 */
static int
scope_update(struct weft_store *s, MDB_txn *txn, int kind,
    const uint8_t *sid, uint64_t ts, const uint8_t *item, int sign)
{
	uint8_t	sk[SCOPE_MAX], mk[MEM_KEY_LEN];
	size_t	sklen;
	int	err;

	sklen = scope_key(sk, kind, sid);
	memcpy(mk, sk, sklen);
	be64enc(mk + sklen, ts);
	memcpy(mk + sklen + 8, item, ID);
	if (sign == 2) {
		/* A record being stored: not in any scope yet. */
		err = db_put(txn, s->dbi[DB_RMEM], mk, sizeof(mk), "", 0);
		if (err)
			return err;
		return ragg_update(s, txn, sk, sklen, ts, item, 1);
	}
	err = db_has(txn, s->dbi[DB_RMEM], mk, sizeof(mk));
	if (err != 0 && err != WEFT_ENOTFOUND)
		return err;
	if ((err == 0) == (sign > 0))
		return 0;
	if (sign > 0)
		err = db_put(txn, s->dbi[DB_RMEM], mk, sizeof(mk), "", 0);
	else
		err = db_del(txn, s->dbi[DB_RMEM], mk, sizeof(mk));
	if (err)
		return err;
	return ragg_update(s, txn, sk, sklen, ts, item, sign);
}

int
weft__store_lib_holds(struct weft_store *s, MDB_txn *txn,
    const uint8_t lib[ID], const uint8_t design[ID], int *held)
{
	uint8_t	key[2 * ID];
	MDB_val	v;
	int	err;

	*held = 0;
	memcpy(key, lib, ID);
	memcpy(key + ID, design, ID);
	err = db_get(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), &v);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (v.mv_size != ENTRY_VAL_LEN)
		return WEFT_ECORRUPT;
	*held = ((const uint8_t *)v.mv_data)[ID + 8] == WEFT_ENTRY_ADD;
	return 0;
}

/* Puts every stored revision of design into (out of) lib's scope. */
static int
scope_design(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    const uint8_t design[ID], int sign)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[DKEY + 8 + ID], dl[2 * ID], dk[DKEY];
	int		 rc, err;

	memcpy(dl, design, ID);
	memcpy(dl + ID, lib, ID);
	if (sign > 0)
		err = db_put(txn, s->dbi[DB_DESIGN_LIB], dl, sizeof(dl),
		    "", 0);
	else
		err = db_del(txn, s->dbi[DB_DESIGN_LIB], dl, sizeof(dl));
	if (err)
		return err;
	err = weft__store_design_key(s, txn, design, dk);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;	/* no revisions */
	rc = mdb_cursor_open(txn, s->dbi[DB_BY_DESIGN], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, dk, DKEY, &k, &v);
	while (err == 0) {
		if (k.mv_size != sizeof(key)) {
			err = WEFT_ECORRUPT;
			break;
		}
		/* Copy: the writes below may move the page the key is on. */
		memcpy(key, k.mv_data, sizeof(key));
		err = scope_update(s, txn, WEFT_STORE_SCOPE_LIB, lib,
		    be64dec(key + DKEY), key + DKEY + 8, sign);
		if (err)
			break;
		k.mv_size = sizeof(key);
		k.mv_data = key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc) {
			err = weft__store_xlat(rc);
			break;
		}
		err = weft__store_cur_step(c, dk, DKEY, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* Puts revision rev (ts) into the scope of every library holding design. */
static int
scope_rev(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    uint64_t ts, const uint8_t rev[ID])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[2 * ID];
	int		 rc, err;

	rc = mdb_cursor_open(txn, s->dbi[DB_DESIGN_LIB], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, design, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != sizeof(key)) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(key, k.mv_data, sizeof(key));
		err = scope_update(s, txn, WEFT_STORE_SCOPE_LIB, key + ID,
		    ts, rev, 1);
		if (err)
			break;
		k.mv_size = sizeof(key);
		k.mv_data = key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc) {
			err = weft__store_xlat(rc);
			break;
		}
		err = weft__store_cur_step(c, design, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft__store_scopes_put(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID], int was_held)
{
	int	err, held;

	err = scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR, r->author, r->ts,
	    id, 2);
	if (err)
		return err;
	switch (r->type) {
	case WEFT_REC_REV:
		return scope_rev(s, txn, r->has_design ? r->design : id,
		    r->ts, id);
	case WEFT_REC_LIB:
		return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, id, r->ts,
		    id, 1);
	case WEFT_REC_ENTRY:
		err = scope_update(s, txn, WEFT_STORE_SCOPE_LIB, r->lib, r->ts,
		    id, 1);
		if (err == 0)
			err = weft__store_lib_holds(s, txn, r->lib,
			    r->entry_design, &held);
		if (err || held == was_held)
			return err;
		return scope_design(s, txn, r->lib, r->entry_design,
		    held ? 1 : -1);
	default:
		return WEFT_EBADFIELD;
	}
}

/*
 * Builds the author and library scopes of a store written before them
 * (format 2): every record joins its author's scope, libs and entries
 * their library's (an entry's lib is read from its envelope), then each
 * design a library holds brings in its revisions.
 */
int
weft__store_scopes_rebuild(struct weft_store *s, MDB_txn *txn)
{
	struct weft_record	 r;
	MDB_cursor		*c;
	MDB_val			 k, v, ev;
	const uint8_t		*body, *sig, *p;
	uint8_t			 id[ID], info[INFO_LEN], key[2 * ID];
	size_t			 blen;
	int			 rc, err;

	rc = mdb_cursor_open(txn, s->dbi[DB_INFO], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != ID || v.mv_size != INFO_LEN) {
			err = WEFT_ECORRUPT;
			goto out;
		}
		memcpy(id, k.mv_data, ID);
		memcpy(info, v.mv_data, INFO_LEN);
		err = scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR, info + 9,
		    be64dec(info + 1), id, 1);
		if (err == 0 && info[0] == WEFT_REC_LIB)
			err = scope_update(s, txn, WEFT_STORE_SCOPE_LIB, id,
			    be64dec(info + 1), id, 1);
		if (err == 0 && info[0] == WEFT_REC_ENTRY) {
			err = weft__store_rec_get(s, txn, id, &ev);
			if (err == 0)
				err = weft_record_open(ev.mv_data, ev.mv_size,
				    &body, &blen, &sig);
			if (err == 0) {
				err = weft_record_decode_body(body, blen, &r);
				if (err == 0)
					err = scope_update(s, txn,
					    WEFT_STORE_SCOPE_LIB, r.lib,
					    be64dec(info + 1), id, 1);
				weft_record_release(&r);
			}
			if (err == WEFT_EPROTO || err == WEFT_EBADFIELD)
				err = WEFT_ECORRUPT;
		}
		if (err)
			goto out;
		k.mv_size = ID;
		k.mv_data = id;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (rc != MDB_NOTFOUND) {
		err = weft__store_xlat(rc);
		goto out;
	}
	mdb_cursor_close(c);

	rc = mdb_cursor_open(txn, s->dbi[DB_LIB_ENTRY], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != sizeof(key) || v.mv_size != ENTRY_VAL_LEN) {
			err = WEFT_ECORRUPT;
			goto out;
		}
		memcpy(key, k.mv_data, sizeof(key));
		p = v.mv_data;
		if (p[ID + 8] == WEFT_ENTRY_ADD) {
			err = scope_design(s, txn, key, key + ID, 1);
			if (err)
				goto out;
		}
		k.mv_size = sizeof(key);
		k.mv_data = key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	err = rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
out:
	mdb_cursor_close(c);
	return err;
}

/*
 * A store written before the reconciliation aggregates existed has
 * records but no aggregates: build them once, from the records' keys.
 */
int
weft__store_ragg_backfill(struct weft_store *s, MDB_txn *txn)
{
	MDB_stat	 st;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[8 + ID];
	int		 rc, err;

	rc = mdb_stat(txn, s->dbi[DB_RAGG], &st);
	if (rc)
		return weft__store_xlat(rc);
	if (st.ms_entries != 0)
		return 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_RECORDS], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != sizeof(key)) {
			mdb_cursor_close(c);
			return WEFT_ECORRUPT;
		}
		/* Copy: the puts below may move the page the key is on. */
		memcpy(key, k.mv_data, sizeof(key));
		err = weft__store_ragg_add(s, txn, be64dec(key), key + 8);
		if (err) {
			mdb_cursor_close(c);
			return err;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

/* ------------------------------------------------------------------ */
/* Reconciliation over the aggregates */

/*
 * One snapshot of one scope. The items of one exact ts are read from
 * mem: `all` (keys ts || id, mpfx 0) for scope all, `recon_mem` (keys
 * scope || ts || id, mpfx = sklen) for the others.
 */
struct weft_store_recon {
	struct weft_store	*s;
	MDB_txn			*txn;
	MDB_cursor		*agg;
	MDB_cursor		*mem;
	uint8_t			 sk[SCOPE_MAX];
	size_t			 sklen;
	size_t			 mpfx;
};

struct acc {
	uint64_t	n;
	uint8_t		sum[ID];
};

static void
acc_add_val(struct acc *a, const uint8_t *val)
{
	a->n += be64dec(val);
	weft_recon_sum_add(a->sum, val + 8);
}

/*
 * Walks the children of node (level + 1, parent) at level, in order: the
 * (at most 16) keys scope || level || be64(parent << 4 | j). cb returns 1
 * to stop, 0 to go on. At the top level the parent is the whole range.
 */
typedef int child_fn(void *arg, uint64_t prefix, const uint8_t *val);

static int
ragg_children(struct weft_store_recon *rc, int level, uint64_t parent,
    child_fn *fn, void *arg)
{
	uint8_t		 k0[RAGG_KEY_MAX];
	uint64_t	 first, last, p;
	size_t		 klen;
	MDB_val		 k, v;
	int		 rcode, stop;

	first = level == RAGG_LEVELS - 1 ? 0 : parent << 4;
	last = level == RAGG_LEVELS - 1 ? 15 : first | 15;
	klen = ragg_key(k0, rc->sk, rc->sklen, level, first);
	k.mv_size = klen;
	k.mv_data = k0;
	rcode = mdb_cursor_get(rc->agg, &k, &v, MDB_SET_RANGE);
	while (rcode == 0) {
		/* Scope all's keys are shorter: test the prefix first. */
		if (k.mv_size < rc->sklen + 1 ||
		    memcmp(k.mv_data, k0, rc->sklen + 1) != 0)
			break;
		if (k.mv_size != klen || v.mv_size != RAGG_VAL)
			return WEFT_ECORRUPT;
		p = be64dec((const uint8_t *)k.mv_data + rc->sklen + 1);
		if (p > last)
			break;
		stop = fn(arg, p, v.mv_data);
		if (stop)
			return stop < 0 ? stop : 0;
		rcode = mdb_cursor_get(rc->agg, &k, &v, MDB_NEXT);
	}
	if (rcode == 0 || rcode == MDB_NOTFOUND)
		return 0;
	return weft__store_xlat(rcode);
}

/* Count and sum of every item below (ts, id). */
struct below {
	struct acc	*a;
	uint64_t	 target;
	int		 found;
};

static int
below_child(void *arg, uint64_t prefix, const uint8_t *val)
{
	struct below	*b = arg;

	if (prefix >= b->target) {
		b->found = prefix == b->target;
		return 1;
	}
	acc_add_val(b->a, val);
	return 0;
}

/*
 * A mem key of the scope: WEFT_ENOTFOUND past the scope, ECORRUPT for a
 * key of the wrong size. Its ts and id are at mpfx and mpfx + 8.
 */
static int
mem_check(const struct weft_store_recon *rc, const MDB_val *k)
{
	if (k->mv_size < rc->mpfx ||
	    memcmp(k->mv_data, rc->sk, rc->mpfx) != 0)
		return WEFT_ENOTFOUND;
	return k->mv_size == rc->mpfx + 8 + ID ? 0 : WEFT_ECORRUPT;
}

static uint64_t
mem_ts(const struct weft_store_recon *rc, const MDB_val *k)
{
	return be64dec((const uint8_t *)k->mv_data + rc->mpfx);
}

static const uint8_t *
mem_id(const struct weft_store_recon *rc, const MDB_val *k)
{
	return (const uint8_t *)k->mv_data + rc->mpfx + 8;
}

/* Steps through the items of one exact ts of the scope. */
static int
ts_first(struct weft_store_recon *rc, uint64_t ts, MDB_val *k)
{
	MDB_val	v;
	uint8_t	key[SCOPE_MAX + 8];
	int	rcode, err;

	memcpy(key, rc->sk, rc->mpfx);
	be64enc(key + rc->mpfx, ts);
	k->mv_size = rc->mpfx + 8;
	k->mv_data = key;
	rcode = mdb_cursor_get(rc->mem, k, &v, MDB_SET_RANGE);
	if (rcode)
		return weft__store_xlat(rcode);
	err = mem_check(rc, k);
	if (err)
		return err;
	return mem_ts(rc, k) == ts ? 0 : WEFT_ENOTFOUND;
}

static int
ts_next(struct weft_store_recon *rc, uint64_t ts, MDB_val *k)
{
	MDB_val	v;
	int	rcode, err;

	rcode = mdb_cursor_get(rc->mem, k, &v, MDB_NEXT);
	if (rcode)
		return weft__store_xlat(rcode);
	err = mem_check(rc, k);
	if (err)
		return err;
	return mem_ts(rc, k) == ts ? 0 : WEFT_ENOTFOUND;
}

static int
agg_below(struct weft_store_recon *rc, const struct weft_recon_item *it,
    struct acc *a)
{
	struct below	b = { a, 0, 0 };
	uint64_t	parent = 0;
	MDB_val		k;
	int		err;

	memset(a, 0, sizeof(*a));
	if (it->ts == WEFT_RECON_TS_INF) {
		b.target = 16;	/* past every top-level node */
		return ragg_children(rc, RAGG_LEVELS - 1, 0, below_child, &b);
	}
	for (int l = RAGG_LEVELS - 1; l >= 0; l--) {
		b.target = it->ts >> (4 * l);
		b.found = 0;
		err = ragg_children(rc, l, parent, below_child, &b);
		if (err)
			return err;
		if (!b.found)
			return 0;	/* nothing inside: all counted */
		parent = b.target;
	}
	/* Items of exactly this ts with a smaller id. */
	err = ts_first(rc, it->ts, &k);
	while (err == 0) {
		if (memcmp(mem_id(rc, &k), it->id, ID) >= 0)
			return 0;
		a->n++;
		weft_recon_sum_add(a->sum, mem_id(rc, &k));
		err = ts_next(rc, it->ts, &k);
	}
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* The item of a rank, and the count and sum of the items before it. */
struct pick {
	struct acc	*a;
	uint64_t	 rank;
	uint64_t	 chosen;
	int		 found;
};

static int
pick_child(void *arg, uint64_t prefix, const uint8_t *val)
{
	struct pick	*p = arg;
	uint64_t	 n = be64dec(val);

	if (p->a->n + n > p->rank) {
		p->chosen = prefix;
		p->found = 1;
		return 1;
	}
	acc_add_val(p->a, val);
	return 0;
}

static int
agg_select(struct weft_store_recon *rc, uint64_t rank,
    struct weft_recon_item *it, struct acc *a)
{
	struct pick	p = { a, rank, 0, 0 };
	uint64_t	parent = 0;
	MDB_val		k;
	int		err;

	memset(a, 0, sizeof(*a));
	for (int l = RAGG_LEVELS - 1; l >= 0; l--) {
		p.found = 0;
		err = ragg_children(rc, l, parent, pick_child, &p);
		if (err)
			return err;
		if (!p.found)
			return l == RAGG_LEVELS - 1 ? WEFT_EUSAGE :
			    WEFT_ECORRUPT;
		parent = p.chosen;
	}
	err = ts_first(rc, parent, &k);
	while (err == 0) {
		if (a->n == rank) {
			it->ts = parent;
			memcpy(it->id, mem_id(rc, &k), ID);
			return 0;
		}
		a->n++;
		weft_recon_sum_add(a->sum, mem_id(rc, &k));
		err = ts_next(rc, parent, &k);
	}
	/* The aggregates promised more items of this ts than there are. */
	return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
}

static int
srec_size(void *arg, uint64_t *n)
{
	struct weft_recon_item	inf;
	struct acc		a;
	int			err;

	memset(&inf, 0, sizeof(inf));
	inf.ts = WEFT_RECON_TS_INF;
	err = agg_below(arg, &inf, &a);
	if (err == 0)
		*n = a.n;
	return err;
}

static int
srec_lower_bound(void *arg, const struct weft_recon_item *it,
    uint64_t *rank)
{
	struct acc	a;
	int		err;

	err = agg_below(arg, it, &a);
	if (err == 0)
		*rank = a.n;
	return err;
}

static int
srec_item_at(void *arg, uint64_t rank, struct weft_recon_item *it)
{
	struct acc	a;

	return agg_select(arg, rank, it, &a);
}

/* The sum of the items before rank r (all of them for r = size). */
static int
sum_before(struct weft_store_recon *rc, uint64_t r, struct acc *a)
{
	struct weft_recon_item	it;
	int			err;

	err = agg_select(rc, r, &it, a);
	if (err != WEFT_EUSAGE)
		return err;
	memset(&it, 0, sizeof(it));
	it.ts = WEFT_RECON_TS_INF;
	err = agg_below(rc, &it, a);
	if (err == 0 && a->n != r)
		err = WEFT_EUSAGE;
	return err;
}

static int
srec_sum(void *arg, uint64_t lo, uint64_t hi, uint8_t sum[ID])
{
	struct acc	a, b;
	int		err;

	if (lo > hi)
		return WEFT_EUSAGE;
	err = sum_before(arg, hi, &b);
	if (err == 0)
		err = sum_before(arg, lo, &a);
	if (err)
		return err;
	memcpy(sum, b.sum, ID);
	weft_recon_sum_sub(sum, a.sum);
	return 0;
}

static int
srec_ids(void *arg, uint64_t lo, uint64_t hi, weft_recon_id_cb *cb,
    void *cb_arg)
{
	struct weft_store_recon	*rc = arg;
	struct weft_recon_item	 it;
	struct acc		 a;
	uint8_t			 key[MEM_KEY_LEN];
	MDB_val			 k, v;
	int			 err, rcode;

	if (lo >= hi)
		return lo == hi ? 0 : WEFT_EUSAGE;
	err = agg_select(rc, lo, &it, &a);
	if (err)
		return err;
	memcpy(key, rc->sk, rc->mpfx);
	be64enc(key + rc->mpfx, it.ts);
	memcpy(key + rc->mpfx + 8, it.id, ID);
	k.mv_size = rc->mpfx + 8 + ID;
	k.mv_data = key;
	rcode = mdb_cursor_get(rc->mem, &k, &v, MDB_SET_KEY);
	for (uint64_t i = lo; i < hi; i++) {
		if (rcode)
			return rcode == MDB_NOTFOUND ? WEFT_ECORRUPT :
			    weft__store_xlat(rcode);
		/* The aggregates count more items than the scope holds. */
		if (mem_check(rc, &k) != 0)
			return WEFT_ECORRUPT;
		err = cb(cb_arg, mem_id(rc, &k));
		if (err)
			return err;
		rcode = mdb_cursor_get(rc->mem, &k, &v, MDB_NEXT);
	}
	return 0;
}

const struct weft_recon_set weft_store_recon_set = {
	srec_size, srec_lower_bound, srec_item_at, srec_sum, srec_ids,
};

int
weft_store_recon_begin(struct weft_store *s, struct weft_store_recon **rp)
{
	return weft_store_recon_begin_scope(s, WEFT_STORE_SCOPE_ALL, NULL, rp);
}

int
weft_store_recon_begin_scope(struct weft_store *s, int kind,
    const uint8_t *id, struct weft_store_recon **rp)
{
	struct weft_store_recon	*rc;
	int			 err, rcode;

	*rp = NULL;
	if (kind != WEFT_STORE_SCOPE_ALL && kind != WEFT_STORE_SCOPE_AUTHOR &&
	    kind != WEFT_STORE_SCOPE_LIB)
		return WEFT_EUSAGE;
	if (kind != WEFT_STORE_SCOPE_ALL && id == NULL)
		return WEFT_EUSAGE;
	rc = calloc(1, sizeof(*rc));
	if (rc == NULL)
		return -ENOMEM;
	rc->s = s;
	rc->sklen = scope_key(rc->sk, kind, id);
	rc->mpfx = kind == WEFT_STORE_SCOPE_ALL ? 0 : rc->sklen;
	err = weft__store_read_begin(s, &rc->txn);
	if (err) {
		free(rc);
		return err;
	}
	rcode = mdb_cursor_open(rc->txn, s->dbi[DB_RAGG], &rc->agg);
	if (rcode == 0)
		rcode = mdb_cursor_open(rc->txn,
		    s->dbi[kind == WEFT_STORE_SCOPE_ALL ? DB_RECORDS : DB_RMEM],
		    &rc->mem);
	if (rcode) {
		weft_store_recon_end(rc);
		return weft__store_xlat(rcode);
	}
	*rp = rc;
	return 0;
}

void
weft_store_recon_end(struct weft_store_recon *rc)
{
	if (rc == NULL)
		return;
	if (rc->mem != NULL)
		mdb_cursor_close(rc->mem);
	if (rc->agg != NULL)
		mdb_cursor_close(rc->agg);
	weft__store_read_end(rc->s, rc->txn);
	free(rc);
}
