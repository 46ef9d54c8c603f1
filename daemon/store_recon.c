/*
 * The reconciliation index of the store (scope "all"): aggregates of
 * (count, id sum) per ts prefix, kept in the ingest transaction, and the
 * struct weft_recon_set callbacks that read them in O(log n) page touches
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
#define RAGG_SCOPE_ALL	0x00

static void
ragg_key(uint8_t k[10], int level, uint64_t prefix)
{
	k[0] = RAGG_SCOPE_ALL;
	k[1] = (uint8_t)level;
	be64enc(k + 2, prefix);
}

int
weft__store_ragg_add(struct weft_store *s, MDB_txn *txn, uint64_t ts,
    const uint8_t *id)
{
	uint8_t	k[10], val[RAGG_VAL];
	MDB_val	v;
	int	err;

	for (int l = 0; l < RAGG_LEVELS; l++) {
		ragg_key(k, l, ts >> (4 * l));
		err = db_get(txn, s->dbi[DB_RAGG], k, sizeof(k), &v);
		if (err == WEFT_ENOTFOUND) {
			memset(val, 0, sizeof(val));
		} else if (err) {
			return err;
		} else if (v.mv_size != RAGG_VAL) {
			return WEFT_ECORRUPT;
		} else {
			memcpy(val, v.mv_data, RAGG_VAL);
		}
		be64enc(val, be64dec(val) + 1);
		weft_recon_sum_add(val + 8, id);
		err = db_put(txn, s->dbi[DB_RAGG], k, sizeof(k), val,
		    sizeof(val));
		if (err)
			return err;
	}
	return 0;
}

/*
 * A store written before the reconciliation aggregates existed has
 * records but no aggregates: build them once, from the "all" index.
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
	rc = mdb_cursor_open(txn, s->dbi[DB_ALL], &c);
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

struct weft_store_recon {
	struct weft_store	*s;
	MDB_txn			*txn;
	MDB_cursor		*agg;
	MDB_cursor		*all;
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
	uint8_t		 k0[10];
	uint64_t	 first, last, p;
	MDB_val		 k, v;
	int		 rcode, stop;

	first = level == RAGG_LEVELS - 1 ? 0 : parent << 4;
	last = level == RAGG_LEVELS - 1 ? 15 : first | 15;
	ragg_key(k0, level, first);
	k.mv_size = sizeof(k0);
	k.mv_data = k0;
	rcode = mdb_cursor_get(rc->agg, &k, &v, MDB_SET_RANGE);
	while (rcode == 0) {
		if (k.mv_size != 10 || v.mv_size != RAGG_VAL)
			return WEFT_ECORRUPT;
		if (memcmp(k.mv_data, k0, 2) != 0)
			break;
		p = be64dec((const uint8_t *)k.mv_data + 2);
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

/* Steps through the items of one exact ts in the "all" index. */
static int
ts_first(struct weft_store_recon *rc, uint64_t ts, MDB_val *k)
{
	MDB_val	v;
	uint8_t	key[8];
	int	rcode;

	be64enc(key, ts);
	k->mv_size = 8;
	k->mv_data = key;
	rcode = mdb_cursor_get(rc->all, k, &v, MDB_SET_RANGE);
	if (rcode)
		return weft__store_xlat(rcode);
	if (k->mv_size != 8 + ID)
		return WEFT_ECORRUPT;
	return be64dec(k->mv_data) == ts ? 0 : WEFT_ENOTFOUND;
}

static int
ts_next(struct weft_store_recon *rc, uint64_t ts, MDB_val *k)
{
	MDB_val	v;
	int	rcode;

	rcode = mdb_cursor_get(rc->all, k, &v, MDB_NEXT);
	if (rcode)
		return weft__store_xlat(rcode);
	if (k->mv_size != 8 + ID)
		return WEFT_ECORRUPT;
	return be64dec(k->mv_data) == ts ? 0 : WEFT_ENOTFOUND;
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
		if (memcmp((uint8_t *)k.mv_data + 8, it->id, ID) >= 0)
			return 0;
		a->n++;
		weft_recon_sum_add(a->sum, (uint8_t *)k.mv_data + 8);
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
			memcpy(it->id, (uint8_t *)k.mv_data + 8, ID);
			return 0;
		}
		a->n++;
		weft_recon_sum_add(a->sum, (uint8_t *)k.mv_data + 8);
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
	uint8_t			 key[8 + ID];
	MDB_val			 k, v;
	int			 err, rcode;

	if (lo >= hi)
		return lo == hi ? 0 : WEFT_EUSAGE;
	err = agg_select(rc, lo, &it, &a);
	if (err)
		return err;
	be64enc(key, it.ts);
	memcpy(key + 8, it.id, ID);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rcode = mdb_cursor_get(rc->all, &k, &v, MDB_SET_KEY);
	for (uint64_t i = lo; i < hi; i++) {
		if (rcode)
			return rcode == MDB_NOTFOUND ? WEFT_ECORRUPT :
			    weft__store_xlat(rcode);
		if (k.mv_size != sizeof(key))
			return WEFT_ECORRUPT;
		err = cb(cb_arg, (uint8_t *)k.mv_data + 8);
		if (err)
			return err;
		rcode = mdb_cursor_get(rc->all, &k, &v, MDB_NEXT);
	}
	return 0;
}

const struct weft_recon_set weft_store_recon_set = {
	srec_size, srec_lower_bound, srec_item_at, srec_sum, srec_ids,
};

int
weft_store_recon_begin(struct weft_store *s, struct weft_store_recon **rp)
{
	struct weft_store_recon	*rc;
	int			 err, rcode;

	*rp = NULL;
	rc = calloc(1, sizeof(*rc));
	if (rc == NULL)
		return -ENOMEM;
	rc->s = s;
	err = weft__store_read_begin(s, &rc->txn);
	if (err) {
		free(rc);
		return err;
	}
	rcode = mdb_cursor_open(rc->txn, s->dbi[DB_RAGG], &rc->agg);
	if (rcode == 0)
		rcode = mdb_cursor_open(rc->txn, s->dbi[DB_ALL], &rc->all);
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
	if (rc->all != NULL)
		mdb_cursor_close(rc->all);
	if (rc->agg != NULL)
		mdb_cursor_close(rc->agg);
	weft__store_read_end(rc->s, rc->txn);
	free(rc);
}
