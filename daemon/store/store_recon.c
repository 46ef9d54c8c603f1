/*
 * The reconciliation index of the store: aggregates of (count, id sum)
 * per ts prefix for each scope (all records, one author's, one
 * library's), kept in the ingest transaction, and the struct
 * weft_recon_set callbacks that read them in O(log n) page touches
 * (docs/proto/store.md). A handle from weft_store_recon_begin() holds one
 * read transaction, so every callback sees the same snapshot.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/recon.h"

#include "store_impl.h"
#include "store_mods.h"

/*
 * Reconciliation aggregates (docs/proto/store.md): a radix-16 tree over
 * the 64-bit ts. The node of level L (0..15) and prefix p = ts >> 4L holds
 * the count and the id sum of the records whose ts has that prefix, under
 * the key scope || L || be64(p). A record adds itself to one node per
 * level, in the write transaction that stores it.
 *
 * Levels below RAGG_LMIN exist only under the dense nodes of level
 * RAGG_LMIN, those of more than RAGG_DENSE records: a sparse node's
 * records are read from the scope's member keys instead (at most
 * RAGG_DENSE of them, in one 4.096 s bucket). Records mostly come less
 * often than one per 256 ms, and then the nodes of levels 0-2 would hold
 * one record each: a key per record per level for nothing.
 */
#define RAGG_LEVELS	16
#define RAGG_LMIN	3
#define RAGG_DENSE	16
#define BUCKET_SHIFT	(4 * RAGG_LMIN)
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

/*
 * The `recon_mem` prefix of a scope's member keys: kind || id, and for
 * scope all, whose records are the keys of `recs`, 0x00 || 32 zero
 * bytes: its members that are not records (seed receipts).
 */
static void
mem_prefix(uint8_t mp[SCOPE_MAX], const uint8_t *sk, size_t sklen)
{
	memset(mp, 0, SCOPE_MAX);
	memcpy(mp, sk, sklen);
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
 * instead of once per record. Likes by thousands of authors touch some
 * 13 nodes of each author's scope: a group commit of 16,384 likes by
 * 4,096 authors holds about 65,000 nodes, so the table (104 bytes a
 * slot, 13.6 MB of address space whose pages go back when it empties)
 * takes them in one flush; at 2^15 slots a batch of 4,096 such likes
 * was flushed four times (stop 14).
 */
#define RAGG_BATCH_SLOTS	(1u << 17)
#define RAGG_BATCH_FILL		(RAGG_BATCH_SLOTS / 4 * 3)

struct ragg_slot {
	uint8_t		key[RAGG_KEY_MAX];
	uint8_t		klen;		/* 0: empty */
	int64_t		dn;		/* count delta */
	uint8_t		sum[ID];	/* id sum delta, mod 2^256 */
	/* Level RAGG_LMIN, set by the flush: the count before and after. */
	uint64_t	n0, n1;
};

/*
 * The nodes of levels below RAGG_LMIN are not in the table: most items
 * fall in sparse nodes, which have none. Each item is listed instead,
 * with its level-RAGG_LMIN slot, and the flush applies the items of the
 * nodes that were dense before and after.
 */
#define RAGG_LOW_MAX		RAGG_BATCH_FILL

struct ragg_low {
	uint64_t	ts;
	uint8_t		id[ID];
	uint32_t	top;		/* slot of its level-3 node */
	int32_t		sign;
};

struct weft__ragg_batch {
	struct ragg_slot	*slots;
	uint32_t		*used;		/* indexes of the full slots */
	size_t			 nused;
	struct ragg_low		*low;
	size_t			 nlow;
};

static void
ragg_batch_release(struct weft__ragg_batch *b)
{
	if (b == NULL)
		return;
	free(b->slots);
	free(b->used);
	free(b->low);
	free(b);
}

int
weft__store_ragg_batch_begin(struct weft_store *s)
{
	struct weft__ragg_batch	*b;

	if (s->ragg_batch != NULL)
		return WEFT_EUSAGE;
	if (s->ragg_spare != NULL) {
		s->ragg_batch = s->ragg_spare;
		s->ragg_spare = NULL;
		return 0;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->slots = calloc(RAGG_BATCH_SLOTS, sizeof(*b->slots));
	b->used = calloc(RAGG_BATCH_FILL, sizeof(*b->used));
	b->low = calloc(RAGG_LOW_MAX, sizeof(*b->low));
	if (b->slots == NULL || b->used == NULL || b->low == NULL) {
		ragg_batch_release(b);
		return -ENOMEM;
	}
	s->ragg_batch = b;
	return 0;
}

/* Empties the table: only its used slots were written. */
static void
ragg_batch_clear(struct weft__ragg_batch *b)
{
	for (size_t i = 0; i < b->nused; i++)
		memset(&b->slots[b->used[i]], 0, sizeof(b->slots[0]));
	b->nused = 0;
	b->nlow = 0;
}

/*
 * The spare table is all zeros again: hand its pages back (they read as
 * zeros when next touched). Kept as they were, the pages that batches
 * hashed into stayed resident, and a node receiving records for hours
 * grew its RssAnon towards the whole 3.4 MB table (red team F12).
 */
static void
ragg_batch_drop_pages(struct weft__ragg_batch *b)
{
	uintptr_t	lo, hi, pg = (uintptr_t)sysconf(_SC_PAGESIZE);

	lo = ((uintptr_t)b->slots + pg - 1) & ~(pg - 1);
	hi = ((uintptr_t)(b->slots + RAGG_BATCH_SLOTS)) & ~(pg - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void
weft__store_ragg_batch_end(struct weft_store *s)
{
	struct weft__ragg_batch	*b = s->ragg_batch;

	if (b == NULL)
		return;
	s->ragg_batch = NULL;
	ragg_batch_clear(b);
	if (s->ragg_spare == NULL) {
		ragg_batch_drop_pages(b);
		s->ragg_spare = b;
		return;
	}
	ragg_batch_release(b);
}

size_t
weft__store_ragg_spare_resident(struct weft_store *s)
{
	struct weft__ragg_batch	*b = s->ragg_spare;
	uintptr_t		 lo, hi, pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	unsigned char		*vec;
	size_t			 n, res = 0;

	if (b == NULL)
		return 0;
	lo = ((uintptr_t)b->slots + pg - 1) & ~(pg - 1);
	hi = ((uintptr_t)(b->slots + RAGG_BATCH_SLOTS)) & ~(pg - 1);
	if (hi <= lo)
		return 0;
	n = (hi - lo) / pg;
	vec = malloc(n);
	if (vec == NULL || mincore((void *)lo, hi - lo, vec) != 0) {
		free(vec);
		return SIZE_MAX;
	}
	for (size_t i = 0; i < n; i++)
		res += (vec[i] & 1) ? pg : 0;
	free(vec);
	return res;
}

void
weft__store_ragg_batch_free(struct weft_store *s)
{
	weft__store_ragg_batch_end(s);
	ragg_batch_release(s->ragg_spare);
	s->ragg_spare = NULL;
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
 * Applies one node's delta: count += dn, sum += dsum. A count that would
 * go below 0 is corrupt (one-by-one ingest would have met it at 0); a
 * node whose count ends at 0 is deleted, as one-by-one ingest would
 * have. The counts before and after go to *n0 and *n1 (may be NULL).
 */
static int
ragg_apply(MDB_cursor *c, const uint8_t *key, size_t klen, int64_t dn,
    const uint8_t *dsum, uint64_t *n0, uint64_t *n1)
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
	k.mv_size = klen;
	k.mv_data = (void *)key;
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
	if (n0 != NULL)
		*n0 = n;
	if (n1 != NULL)
		*n1 = n;
	if (dn < 0 && (uint64_t)-dn > n)
		return WEFT_ECORRUPT;
	if (dn == 0 && memcmp(dsum, zero, ID) == 0)
		return 0;	/* nothing changed */
	n += (uint64_t)dn;
	if (n1 != NULL)
		*n1 = n;
	if (n == 0)
		return had ? weft__store_xlat(mdb_cursor_del(c, 0)) : 0;
	be64enc(val, n);
	weft_recon_sum_add(val + 8, dsum);
	k.mv_size = klen;
	k.mv_data = (void *)key;
	v.mv_size = sizeof(val);
	v.mv_data = val;
	/* Found: the cursor is on the key, so MDB_CURRENT overwrites it. */
	return weft__store_xlat(mdb_cursor_put(c, &k, &v,
	    had ? MDB_CURRENT : 0));
}

/*
 * The member keys of scope sk: `recs` (ts || id) for scope all, else
 * `recon_mem` (sk || ts || id). *mpfx is the length of the scope prefix.
 */
static MDB_dbi
mem_dbi(struct weft_store *s, const uint8_t *sk, size_t *mpfx)
{
	*mpfx = sk[0] == WEFT_STORE_SCOPE_ALL ? 0 : SCOPE_MAX;
	return s->dbi[sk[0] == WEFT_STORE_SCOPE_ALL ? DB_RECORDS : DB_RMEM];
}

/*
 * Writes the nodes of levels [lo, hi) of the members of scope sk whose ts
 * lies in [from, to], from the members themselves (the txn's): they come
 * in (ts, id) order, so each node's members are consecutive, and one
 * running sum per level is written out when its prefix ends. *seen gets
 * the number of members.
 */
static int
ragg_build_one(MDB_txn *txn, MDB_dbi dbi, const uint8_t *mp, size_t mpfx,
    MDB_cursor *agg, const uint8_t *sk, size_t sklen, int lo, int hi,
    uint64_t from, uint64_t to, uint64_t *seen);

/*
 * Scope all has two kinds of members: records (`recs`) and receipts
 * (`recon_mem` under 0x00 || 32 zero bytes). Node values add up, so its
 * nodes are built from each in turn.
 */
static int
ragg_build(struct weft_store *s, MDB_txn *txn, MDB_cursor *agg,
    const uint8_t *sk, size_t sklen, int lo, int hi, uint64_t from,
    uint64_t to, uint64_t *seen)
{
	uint8_t		mp[SCOPE_MAX];
	uint64_t	more = 0;
	size_t		mpfx;
	MDB_dbi		dbi;
	int		err;

	dbi = mem_dbi(s, sk, &mpfx);
	err = ragg_build_one(txn, dbi, sk, mpfx, agg, sk, sklen, lo, hi, from,
	    to, seen);
	if (err || sk[0] != WEFT_STORE_SCOPE_ALL)
		return err;
	mem_prefix(mp, sk, sklen);
	err = ragg_build_one(txn, s->dbi[DB_RMEM], mp, SCOPE_MAX, agg, sk,
	    sklen, lo, hi, from, to, &more);
	*seen += more;
	return err;
}

static int
ragg_build_one(MDB_txn *txn, MDB_dbi dbi, const uint8_t *mp, size_t mpfx,
    MDB_cursor *agg, const uint8_t *sk, size_t sklen, int lo, int hi,
    uint64_t from, uint64_t to, uint64_t *seen)
{
	struct {
		uint64_t	prefix;
		int64_t		n;
		uint8_t		sum[ID];
	}		 cur[RAGG_LEVELS];
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[SCOPE_MAX + 8], nk[RAGG_KEY_MAX];
	uint64_t	 ts = 0;
	size_t		 klen;
	int		 rc, err = 0, more;

	*seen = 0;
	rc = mdb_cursor_open(txn, dbi, &c);
	if (rc)
		return weft__store_xlat(rc);
	memset(cur, 0, sizeof(cur));
	memcpy(key, mp, mpfx);
	be64enc(key + mpfx, from);
	k.mv_size = mpfx + 8;
	k.mv_data = key;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	for (;;) {
		if (rc != 0 && rc != MDB_NOTFOUND) {
			err = weft__store_xlat(rc);
			break;
		}
		more = rc == 0 && k.mv_size >= mpfx &&
		    memcmp(k.mv_data, mp, mpfx) == 0;
		if (more && k.mv_size != mpfx + 8 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (more) {
			ts = be64dec((const uint8_t *)k.mv_data + mpfx);
			more = ts <= to;
		}
		for (int l = lo; l < hi && err == 0; l++) {
			if (cur[l].n > 0 && (!more ||
			    ts >> (4 * l) != cur[l].prefix)) {
				klen = ragg_key(nk, sk, sklen, l,
				    cur[l].prefix);
				err = ragg_apply(agg, nk, klen, cur[l].n,
				    cur[l].sum, NULL, NULL);
				cur[l].n = 0;
				memset(cur[l].sum, 0, ID);
			}
			if (more) {
				cur[l].prefix = ts >> (4 * l);
				cur[l].n++;
				weft_recon_sum_add(cur[l].sum,
				    (const uint8_t *)k.mv_data + mpfx + 8);
			}
		}
		if (err || !more)
			break;
		(*seen)++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err;
}

/*
 * Level RAGG_LMIN node (sk, bucket) became dense: builds its nodes of
 * levels 0 .. RAGG_LMIN-1 from the scope's members in the bucket, which
 * the txn holds already. n: the node's count, which they must match.
 */
static int
ragg_low_build(struct weft_store *s, MDB_txn *txn, MDB_cursor *agg,
    const uint8_t *sk, size_t sklen, uint64_t bucket, uint64_t n)
{
	uint64_t	from = bucket << BUCKET_SHIFT, seen;
	int		err;

	err = ragg_build(s, txn, agg, sk, sklen, 0, RAGG_LMIN, from,
	    from | ((UINT64_C(1) << BUCKET_SHIFT) - 1), &seen);
	if (err == 0 && seen != n)
		err = WEFT_ECORRUPT;
	return err;
}

/* Level RAGG_LMIN node (sk, bucket) became sparse: deletes its subtree. */
static int
ragg_low_clear(MDB_cursor *agg, const uint8_t *sk, size_t sklen,
    uint64_t bucket)
{
	uint8_t		key[RAGG_KEY_MAX];
	size_t		klen;
	MDB_val		k, v;
	int		rc, shift;

	for (int l = 0; l < RAGG_LMIN; l++) {
		shift = 4 * (RAGG_LMIN - l);
		klen = ragg_key(key, sk, sklen, l, bucket << shift);
		for (;;) {
			/* The first key left in the range, after deletes. */
			k.mv_size = klen;
			k.mv_data = key;
			rc = mdb_cursor_get(agg, &k, &v, MDB_SET_RANGE);
			if (rc != 0 || k.mv_size != klen ||
			    memcmp(k.mv_data, key, sklen + 1) != 0 ||
			    be64dec((const uint8_t *)k.mv_data + sklen + 1) >>
			    shift != bucket)
				break;
			rc = mdb_cursor_del(agg, 0);
			if (rc)
				break;
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			return weft__store_xlat(rc);
	}
	return 0;
}

/*
 * After level RAGG_LMIN node (sk, bucket) went from n0 to n1 records:
 * builds or deletes its lower levels if it became dense or sparse.
 * Returns 1 if it was dense before and after (its lower levels take
 * the deltas as they are), else 0, or an error.
 */
static int
ragg_low_fix(struct weft_store *s, MDB_txn *txn, MDB_cursor *agg,
    const uint8_t *sk, size_t sklen, uint64_t bucket, uint64_t n0,
    uint64_t n1)
{
	int	err;

	if (n0 > RAGG_DENSE && n1 > RAGG_DENSE)
		return 1;
	if (n0 <= RAGG_DENSE && n1 > RAGG_DENSE)
		err = ragg_low_build(s, txn, agg, sk, sklen, bucket, n1);
	else if (n0 > RAGG_DENSE)
		err = ragg_low_clear(agg, sk, sklen, bucket);
	else
		err = 0;
	return err;
}

static int
ragg_apply_slot(MDB_cursor *c, struct ragg_slot *e)
{
	return ragg_apply(c, e->key, e->klen, e->dn, e->sum, &e->n0, &e->n1);
}

/* Low items by their level-RAGG_LMIN node, then ts. */
static int
low_cmp(const void *a, const void *b)
{
	const struct ragg_low	*x = *(const struct ragg_low *const *)a;
	const struct ragg_low	*y = *(const struct ragg_low *const *)b;

	if (x->top != y->top)
		return (x->top > y->top) - (x->top < y->top);
	return (x->ts > y->ts) - (x->ts < y->ts);
}

/*
 * Applies the lower levels of the items under nodes dense before and
 * after: per level, the items (sorted by node, then ts) fall into runs
 * of one node each.
 */
static int
ragg_low_apply(struct weft__ragg_batch *b, MDB_cursor *c)
{
	struct ragg_low		**v;
	const struct ragg_slot	 *top;
	uint8_t			  key[RAGG_KEY_MAX], sum[ID];
	uint64_t		  p;
	size_t			  n = 0, sklen, klen, j;
	int64_t			  dn;
	int			  err = 0;

	v = malloc((b->nlow + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->nlow; i++) {
		top = &b->slots[b->low[i].top];
		if (top->n0 > RAGG_DENSE && top->n1 > RAGG_DENSE)
			v[n++] = &b->low[i];
	}
	qsort(v, n, sizeof(*v), low_cmp);
	for (int l = 0; l < RAGG_LMIN && err == 0; l++) {
		for (size_t i = 0; i < n && err == 0; i = j) {
			top = &b->slots[v[i]->top];
			sklen = (size_t)top->klen - 9;
			p = v[i]->ts >> (4 * l);
			dn = 0;
			memset(sum, 0, sizeof(sum));
			for (j = i; j < n && v[j]->top == v[i]->top &&
			    v[j]->ts >> (4 * l) == p; j++) {
				dn += v[j]->sign;
				if (v[j]->sign > 0)
					weft_recon_sum_add(sum, v[j]->id);
				else
					weft_recon_sum_sub(sum, v[j]->id);
			}
			klen = ragg_key(key, top->key, sklen, l, p);
			err = ragg_apply(c, key, klen, dn, sum, NULL, NULL);
		}
	}
	free(v);
	return err;
}

/*
 * Applies the table in key order (levels RAGG_LMIN and up), then the
 * lower levels of the items under a level-RAGG_LMIN node that was dense
 * before and after: one that turned dense was built from the members,
 * which already hold the batch's records; one that turned sparse lost
 * its lower levels.
 */
int
weft__store_ragg_batch_flush(struct weft_store *s, MDB_txn *txn)
{
	struct weft__ragg_batch	 *b = s->ragg_batch;
	struct ragg_slot	**order, *e;
	MDB_cursor		 *c;
	size_t			  sklen;
	int			  err = 0, rc, dense;

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
	for (size_t i = 0; i < b->nused && err == 0; i++) {
		e = order[i];
		sklen = (size_t)e->klen - 9;
		err = ragg_apply_slot(c, e);
		if (err == 0 && e->key[sklen] == RAGG_LMIN) {
			dense = ragg_low_fix(s, txn, c, e->key, sklen,
			    be64dec(e->key + sklen + 1), e->n0, e->n1);
			err = dense < 0 ? dense : 0;
		}
	}
	if (err == 0)
		err = ragg_low_apply(b, c);
	mdb_cursor_close(c);
	free(order);
	ragg_batch_clear(b);
	return err;
}

/* The slot of node k, or NULL; *hp: where it would go. */
static struct ragg_slot *
ragg_find(struct weft__ragg_batch *b, const uint8_t *k, size_t klen,
    uint32_t *hp)
{
	struct ragg_slot	*e;
	uint64_t		 x, y = 0;
	uint32_t		 h;

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
			return e;
		h++;
	}
	if (hp != NULL)
		*hp = h;
	return NULL;
}

/*
 * Makes room in the batch table for one item's nodes in one scope,
 * flushing it if needed. Called before an item joins or leaves a
 * scope's members, so that a flush never sees members whose deltas are
 * still to come (it builds dense nodes' lower levels from the members).
 */
int
weft__store_ragg_reserve(struct weft_store *s, MDB_txn *txn)
{
	struct weft__ragg_batch	*b = s->ragg_batch;

	if (b == NULL || (b->nused + RAGG_LEVELS <= RAGG_BATCH_FILL &&
	    b->nlow < RAGG_LOW_MAX))
		return 0;
	return weft__store_ragg_batch_flush(s, txn);
}

/* Adds the delta of one item to node k in the batch table, slot *hp. */
static int
ragg_defer(struct weft__ragg_batch *b, const uint8_t *k, size_t klen,
    const uint8_t *id, int sign, uint32_t *hp)
{
	struct ragg_slot	*e;
	uint32_t		 h;

	e = ragg_find(b, k, klen, &h);
	if (e == NULL) {
		/* weft__store_ragg_reserve() made room. */
		if (b->nused == RAGG_BATCH_FILL)
			return WEFT_EUSAGE;
		e = &b->slots[h];
		memcpy(e->key, k, klen);
		e->klen = (uint8_t)klen;
		b->used[b->nused++] = h;
	}
	*hp = (uint32_t)(e - b->slots);
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
 * Adds (sign > 0) or subtracts (sign < 0) the item (ts, id) to the nodes
 * of scope sk, after its member key was put (deleted). A node whose
 * count drops to 0 is deleted, so the tree of a scope holds exactly the
 * nodes of its items. Inside a batch (s->ragg_batch) the change is only
 * recorded, for the flush.
 */
static int
ragg_update(struct weft_store *s, MDB_txn *txn, const uint8_t *sk,
    size_t sklen, uint64_t ts, const uint8_t *id, int sign)
{
	struct weft__ragg_batch	*b = s->ragg_batch;
	struct ragg_low		*lo;
	uint8_t			 k[RAGG_KEY_MAX], d[ID];
	uint64_t		 n0 = 0, n1 = 0;
	uint32_t		 h = 0;
	size_t			 klen;
	MDB_cursor		*c;
	int			 err = 0, rc, dense;

	if (b != NULL) {
		for (int l = RAGG_LEVELS - 1; l >= RAGG_LMIN && err == 0;
		    l--) {
			klen = ragg_key(k, sk, sklen, l, ts >> (4 * l));
			err = ragg_defer(b, k, klen, id, sign, &h);
		}
		if (err)
			return err;
		/* weft__store_ragg_reserve() made room. */
		if (b->nlow == RAGG_LOW_MAX)
			return WEFT_EUSAGE;
		lo = &b->low[b->nlow++];
		lo->ts = ts;
		memcpy(lo->id, id, ID);
		lo->top = h;	/* the last deferred: level RAGG_LMIN */
		lo->sign = sign > 0 ? 1 : -1;
		return 0;
	}
	memset(d, 0, sizeof(d));
	if (sign > 0)
		weft_recon_sum_add(d, id);
	else
		weft_recon_sum_sub(d, id);
	rc = mdb_cursor_open(txn, s->dbi[DB_RAGG], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (int l = RAGG_LMIN; l < RAGG_LEVELS && err == 0; l++) {
		klen = ragg_key(k, sk, sklen, l, ts >> (4 * l));
		err = ragg_apply(c, k, klen, sign > 0 ? 1 : -1, d,
		    l == RAGG_LMIN ? &n0 : NULL, l == RAGG_LMIN ? &n1 : NULL);
	}
	dense = err ? err : ragg_low_fix(s, txn, c, sk, sklen,
	    ts >> BUCKET_SHIFT, n0, n1);
	for (int l = 0; l < RAGG_LMIN && dense == 1; l++) {
		klen = ragg_key(k, sk, sklen, l, ts >> (4 * l));
		err = ragg_apply(c, k, klen, sign > 0 ? 1 : -1, d, NULL,
		    NULL);
		if (err)
			dense = err;
	}
	mdb_cursor_close(c);
	return dense < 0 ? dense : 0;
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
	mem_prefix(mk, sk, sklen);
	be64enc(mk + SCOPE_MAX, ts);
	memcpy(mk + SCOPE_MAX + 8, item, ID);
	err = weft__store_ragg_reserve(s, txn);
	if (err)
		return err;
	if (sign == 2) {
		/* A record being stored: not in any scope yet. */
		err = store_put(s, txn, DB_RMEM, mk, sizeof(mk), "", 0);
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
		err = store_put(s, txn, DB_RMEM, mk, sizeof(mk), "", 0);
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

/*
 * Calls fn for each key of database db that starts with pfx (plen bytes,
 * 0: every key), in order; a key of another length than klen is corrupt.
 * fn gets a copy of the key and the value, which stays valid only until
 * fn writes: fn may write to the txn, db included, as the walk finds its
 * key again before each step. Returns 0 or the first error.
 */
typedef int each_fn(struct weft_store *s, MDB_txn *txn, const uint8_t *key,
    const MDB_val *v, void *arg);

static int
each_key(struct weft_store *s, MDB_txn *txn, int db, const uint8_t *pfx,
    size_t plen, size_t klen, each_fn *fn, void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[2 * ID + DKEY];
	int		 rc, err;

	if (klen > sizeof(key))
		return WEFT_EUSAGE;
	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc)
		return weft__store_xlat(rc);
	if (plen > 0) {
		err = weft__store_cur_first(c, pfx, plen, &k, &v);
	} else {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		err = weft__store_xlat(rc);
	}
	while (err == 0) {
		if (k.mv_size != klen) {
			err = WEFT_ECORRUPT;
			break;
		}
		/* Copy: fn's writes may move the page the key is on. */
		memcpy(key, k.mv_data, klen);
		err = fn(s, txn, key, &v, arg);
		if (err)
			break;
		k.mv_size = klen;
		k.mv_data = key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc) {
			err = rc == MDB_NOTFOUND ? WEFT_ECORRUPT :
			    weft__store_xlat(rc);
			break;
		}
		if (plen > 0) {
			err = weft__store_cur_step(c, pfx, plen, &k, &v,
			    MDB_NEXT);
		} else {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			err = weft__store_xlat(rc);
		}
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

struct scope_arg {
	const uint8_t	*lib;
	const uint8_t	*rev;
	uint64_t	 ts;
	int		 sign;
};

/* A `social` key (design || kind || ts || id): the same for it. */
static int
design_social_cb(struct weft_store *s, MDB_txn *txn, const uint8_t *key,
    const MDB_val *v, void *arg)
{
	struct scope_arg	*a = arg;

	(void)v;
	return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, a->lib,
	    be64dec(key + ID + 1), key + ID + 1 + 8, a->sign);
}

/* A `grants` key (design || grant): the grant goes with its design. */
static int
design_grant_cb(struct weft_store *s, MDB_txn *txn, const uint8_t *key,
    const MDB_val *v, void *arg)
{
	struct scope_arg	*a = arg;
	struct recinfo		 gi;
	int			 err;

	(void)v;
	err = weft__store_info_get(s, txn, key + ID, &gi);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, a->lib, gi.ts,
	    key + ID, a->sign);
}

/* A `receipts` key (design || rev || node): its receipt goes along. */
static int
design_receipt_cb(struct weft_store *s, MDB_txn *txn, const uint8_t *key,
    const MDB_val *v, void *arg)
{
	struct scope_arg	*a = arg;
	const uint8_t		*p = v->mv_data;

	(void)key;
	if (v->mv_size < 8 + 8 + ID)
		return WEFT_ECORRUPT;
	return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, a->lib, be64dec(p),
	    p + 16, a->sign);
}

/*
 * Puts every stored revision of design, every comment and reaction on
 * it, every grant of it and every seed receipt of it into (out of) lib's
 * scope.
 */
static int
scope_design(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    const uint8_t design[ID], int sign)
{
	struct scope_arg	 a = { lib, NULL, 0, sign };
	struct weft__rev	*rv = NULL;
	uint8_t			 dl[2 * ID], dk[DKEY];
	size_t			 n = 0;
	int			 err;

	memcpy(dl, design, ID);
	memcpy(dl + ID, lib, ID);
	if (sign > 0)
		err = db_put(txn, s->dbi[DB_DESIGN_LIB], dl, sizeof(dl),
		    "", 0);
	else
		err = db_del(txn, s->dbi[DB_DESIGN_LIB], dl, sizeof(dl));
	if (err)
		return err;
	/* The comments and reactions on the design go with it. */
	err = each_key(s, txn, DB_SOCIAL, design, ID, ID + 1 + 8 + ID,
	    design_social_cb, &a);
	if (err == 0)
		err = each_key(s, txn, DB_GRANTS, design, ID, 2 * ID,
		    design_grant_cb, &a);
	if (err == 0)
		err = each_key(s, txn, DB_RECEIPTS, design, ID, 3 * ID,
		    design_receipt_cb, &a);
	if (err)
		return err;
	err = weft__store_design_key(s, txn, design, dk);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;	/* no revisions */
	/* Its revisions (drevs keys of both lengths, format 12). */
	err = weft__store_revs_get(s, txn, DB_BY_DESIGN, dk, &rv, &n);
	for (size_t i = 0; i < n && err == 0; i++)
		err = scope_update(s, txn, WEFT_STORE_SCOPE_LIB, lib, rv[i].ts,
		    rv[i].id, sign);
	free(rv);
	return err;
}

int
weft__store_lib_design_scope(struct weft_store *s, MDB_txn *txn,
    const uint8_t lib[ID], const uint8_t design[ID], int sign)
{
	return scope_design(s, txn, lib, design, sign);
}

int
weft__store_lib_entries(struct weft_store *s, MDB_txn *txn,
    const uint8_t lib[ID], weft__store_entry_cb *cb, void *arg)
{
	struct recinfo	 ri;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 sk[SCOPE_MAX];
	const uint8_t	*kp;
	size_t		 sklen;
	int		 err, rc;

	sklen = scope_key(sk, WEFT_STORE_SCOPE_LIB, lib);
	rc = mdb_cursor_open(txn, s->dbi[DB_RMEM], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, sk, sklen, &k, &v);
	while (err == 0) {
		if (k.mv_size != MEM_KEY_LEN) {
			err = WEFT_ECORRUPT;
			break;
		}
		kp = k.mv_data;
		err = weft__store_info_get(s, txn, kp + sklen + 8, &ri);
		if (err == 0 && ri.type == WEFT_REC_ENTRY)
			err = cb(arg, be64dec(kp + sklen), kp + sklen + 8);
		/* Not a record: a seed receipt (store_receipts.c). */
		if (err == WEFT_ENOTFOUND)
			err = 0;
		if (err)
			break;
		err = weft__store_cur_step(c, sk, sklen, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft__store_scope_walk_back(struct weft_store *s, MDB_txn *txn, int kind,
    const uint8_t id[ID], weft__store_scope_cb *cb, void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 sk[SCOPE_MAX], item[ID];
	uint64_t	 ts;
	size_t		 sklen;
	int		 err, rc;

	sklen = scope_key(sk, kind, id);
	rc = mdb_cursor_open(txn, s->dbi[DB_RMEM], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (err = weft__store_cur_last(c, sk, sklen, &k, &v); err == 0;
	    err = weft__store_cur_step(c, sk, sklen, &k, &v, MDB_PREV)) {
		if (k.mv_size != sklen + 8 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		ts = be64dec((const uint8_t *)k.mv_data + sklen);
		memcpy(item, (const uint8_t *)k.mv_data + sklen + 8, ID);
		/* cb only reads: the cursor stays valid. */
		err = cb(arg, ts, item);
		if (err)
			break;
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft__store_scope_design(struct weft_store *s, MDB_txn *txn,
    const uint8_t lib[ID], const uint8_t design[ID], int sign)
{
	return scope_design(s, txn, lib, design, sign);
}

/* A `design_lib` key (design || lib): the revision joins that lib. */
static int
rev_lib_cb(struct weft_store *s, MDB_txn *txn, const uint8_t *key,
    const MDB_val *v, void *arg)
{
	struct scope_arg	*a = arg;

	(void)v;
	return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, key + ID, a->ts,
	    a->rev, a->sign);
}

/* Puts revision rev (ts) into the scope of every library holding design. */
static int
scope_rev(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    uint64_t ts, const uint8_t rev[ID])
{
	struct scope_arg	a = { NULL, rev, ts, 1 };

	return each_key(s, txn, DB_DESIGN_LIB, design, ID, 2 * ID,
	    rev_lib_cb, &a);
}

/*
 * A comment, reaction, make or geometry record on design (id, ts) joins
 * (sign 1) or leaves (-1) the scope of the design's author, so that a
 * follower gets what others made of the author's designs (issue 12.7);
 * nothing while the design is not here (its genesis brings it in).
 */
static int
scope_on_design(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    uint64_t ts, const uint8_t id[ID], int sign)
{
	struct recinfo	ri;
	int		err;

	err = weft__store_info_get(s, txn, design, &ri);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	return scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR, ri.author, ts,
	    id, sign);
}

/*
 * scope_on_design() for a record being stored (r, id): in no scope yet,
 * so it joins its design author's without the look that makes joining
 * idempotent, unless that author signed it too (it has just joined the
 * scope of its signer, the same scope).
 */
static int
scope_new_on_design(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	struct recinfo	ri;
	int		err;

	err = weft__store_info_get(s, txn, r->design, &ri);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (memcmp(ri.author, r->author, WEFT_PK_BYTES) == 0)
		return 0;
	return scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR, ri.author, r->ts,
	    id, 2);
}

int
weft__store_scopes_receipt(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], const uint8_t *author, uint64_t ts,
    const uint8_t id[ID], int sign)
{
	struct scope_arg	a = { NULL, id, ts, sign };
	int			err;

	/* Scope all: a member of `recon_mem` (it is not in `recs`). */
	err = scope_update(s, txn, WEFT_STORE_SCOPE_ALL, NULL, ts, id, sign);
	if (err)
		return err;
	if (author != NULL)
		err = scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR, author, ts,
		    id, sign);
	else
		err = scope_on_design(s, txn, design, ts, id, sign);
	if (err == 0)
		err = each_key(s, txn, DB_DESIGN_LIB, design, ID, 2 * ID,
		    rev_lib_cb, &a);
	return err;
}

/* A `social` key (design || kind || ts || id): into its author's scope. */
static int
social_author_cb(struct weft_store *s, MDB_txn *txn, const uint8_t *key,
    const MDB_val *v, void *arg)
{
	(void)v;
	(void)arg;
	return scope_on_design(s, txn, key, be64dec(key + ID + 1),
	    key + ID + 1 + 8, 1);
}

/*
 * What others put on designs stored before the author scope held it:
 * once, marked in `meta` (a new store marks it at once).
 */
int
weft__store_scopes_social_backfill(struct weft_store *s, MDB_txn *txn)
{
	int	err;

	err = db_has(txn, s->dbi[DB_META], "author_social", 13);
	if (err != WEFT_ENOTFOUND)
		return err;
	err = weft__store_ragg_batch_begin(s);
	if (err)
		return err;
	err = each_key(s, txn, DB_SOCIAL, NULL, 0, ID + 1 + 8 + ID,
	    social_author_cb, NULL);
	if (err == 0)
		err = weft__store_ragg_batch_flush(s, txn);
	weft__store_ragg_batch_end(s);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_META], "author_social", 13, "", 0);
	return err;
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
		/* A genesis brings what is on the design into its scope. */
		if (!r->has_design)
			err = each_key(s, txn, DB_SOCIAL, id, ID,
			    ID + 1 + 8 + ID, social_author_cb, NULL);
		if (err)
			return err;
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
	case WEFT_REC_MAINT:
		return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, r->lib, r->ts,
		    id, 1);
	case WEFT_REC_PROFILE:
		return 0;	/* its author's scope only */
	case WEFT_REC_COMMENT:
	case WEFT_REC_REACTION:
	case WEFT_REC_MAKE:
	case WEFT_REC_GEOM:
		/*
		 * With the design: into the scope of every lib holding it,
		 * and into its author's.
		 */
		err = scope_new_on_design(s, txn, r, id);
		if (err)
			return err;
		return scope_rev(s, txn, r->design, r->ts, id);
	case WEFT_REC_GRANT:
		/* A grant travels with the design it concerns. */
		return scope_rev(s, txn, r->grant_design, r->ts, id);
	case WEFT_REC_LABEL:
		/* A label travels with the design or author it concerns. */
		if (r->label_on == WEFT_LABEL_AUTHOR)
			return scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR,
			    r->label_target, r->ts, id, 1);
		if (r->label_on == WEFT_LABEL_DESIGN)
			return scope_rev(s, txn, r->label_target, r->ts, id);
		return 0;
	case WEFT_REC_RETRACT:
		/*
		 * Where what it takes back went: with its design, or into
		 * its library's scope (a scope that is neither adds none).
		 */
		if (!r->has_scope)
			return 0;
		err = scope_rev(s, txn, r->scope, r->ts, id);
		if (err == 0)
			err = db_has(txn, s->dbi[DB_LIBS], r->scope, ID);
		if (err == WEFT_ENOTFOUND)
			return 0;
		if (err)
			return err;
		return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, r->scope,
		    r->ts, id, 1);
	default:
		return WEFT_EBADFIELD;
	}
}

int
weft__store_scopes_drop(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	struct scope_arg	 a = { NULL, id, r->ts, -1 };
	const uint8_t		*design = NULL;
	uint8_t			 sk[SCOPE_MAX];
	size_t			 sklen;
	int			 err;

	err = weft__store_ragg_reserve(s, txn);
	if (err)
		return err;
	sklen = scope_key(sk, WEFT_STORE_SCOPE_ALL, NULL);
	err = ragg_update(s, txn, sk, sklen, r->ts, id, -1);
	if (err == 0)
		err = scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR, r->author,
		    r->ts, id, -1);
	if (err)
		return err;
	switch (r->type) {
	case WEFT_REC_REV:
		design = r->has_design ? r->design : id;
		break;
	case WEFT_REC_COMMENT:
	case WEFT_REC_REACTION:
	case WEFT_REC_MAKE:
	case WEFT_REC_GEOM:
		design = r->design;
		err = scope_on_design(s, txn, design, r->ts, id, -1);
		if (err)
			return err;
		break;
	case WEFT_REC_GRANT:
		design = r->grant_design;
		break;
	case WEFT_REC_LABEL:
		/* Out of the scope of what it named (a retract, a block). */
		if (r->label_on == WEFT_LABEL_AUTHOR)
			return scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR,
			    r->label_target, r->ts, id, -1);
		if (r->label_on != WEFT_LABEL_DESIGN)
			return 0;
		design = r->label_target;
		break;
	case WEFT_REC_ENTRY:
		return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, r->lib,
		    r->ts, id, -1);
	case WEFT_REC_LIB:
		return scope_update(s, txn, WEFT_STORE_SCOPE_LIB, id, r->ts,
		    id, -1);
	default:
		return 0;
	}
	return each_key(s, txn, DB_DESIGN_LIB, design, ID, 2 * ID,
	    rev_lib_cb, &a);
}

/* A record of `info` joins its author's scope, and its lib's. */
static int
rebuild_info_cb(struct weft_store *s, MDB_txn *txn, const uint8_t *id,
    const MDB_val *v, void *arg)
{
	struct weft_record	 r;
	MDB_val			 ev;
	const uint8_t		*body, *sig;
	uint8_t			 info[INFO_LEN];
	size_t			 blen;
	int			 err;

	(void)arg;
	if (v->mv_size != INFO_LEN && v->mv_size != INFO_SHORT)
		return WEFT_ECORRUPT;
	memcpy(info, v->mv_data, INFO_SHORT);	/* type, ts, author */
	err = scope_update(s, txn, WEFT_STORE_SCOPE_AUTHOR, info + 9,
	    be64dec(info + 1), id, 1);
	if (err == 0 && info[0] == WEFT_REC_LIB)
		err = scope_update(s, txn, WEFT_STORE_SCOPE_LIB, id,
		    be64dec(info + 1), id, 1);
	if (err == 0 && (info[0] == WEFT_REC_ENTRY ||
	    info[0] == WEFT_REC_MAINT)) {
		err = weft__store_rec_get(s, txn, id, &ev);
		if (err == 0)
			err = weft_record_open(ev.mv_data, ev.mv_size, &body,
			    &blen, &sig);
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
	return err;
}

/* A `lib_entry` key (lib || design) that adds brings in the revisions. */
static int
rebuild_entry_cb(struct weft_store *s, MDB_txn *txn, const uint8_t *key,
    const MDB_val *v, void *arg)
{
	(void)arg;
	if (v->mv_size != ENTRY_VAL_LEN)
		return WEFT_ECORRUPT;
	if (((const uint8_t *)v->mv_data)[ID + 8] != WEFT_ENTRY_ADD)
		return 0;
	return scope_design(s, txn, key, key + ID, 1);
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
	int	err;

	err = each_key(s, txn, DB_INFO, NULL, 0, ID, rebuild_info_cb, NULL);
	if (err == 0)
		err = each_key(s, txn, DB_LIB_ENTRY, NULL, 0, 2 * ID,
		    rebuild_entry_cb, NULL);
	return err;
}

/*
 * A store written before the reconciliation aggregates existed has
 * records but no aggregates: build them once, from the records' keys in
 * one pass (levels RAGG_LMIN and up), then give each dense
 * level-RAGG_LMIN node its lower levels, as ingest would have left them.
 */
int
weft__store_ragg_backfill(struct weft_store *s, MDB_txn *txn)
{
	MDB_stat	 st;
	MDB_cursor	*agg;
	MDB_val		 k, v;
	uint8_t		 sk[1] = { WEFT_STORE_SCOPE_ALL };
	uint8_t		 key[RAGG_KEY_MAX];
	uint64_t	 seen;
	size_t		 klen;
	int		 rc, err;

	rc = mdb_stat(txn, s->dbi[DB_RAGG], &st);
	if (rc)
		return weft__store_xlat(rc);
	if (st.ms_entries != 0)
		return 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_RAGG], &agg);
	if (rc)
		return weft__store_xlat(rc);
	err = ragg_build(s, txn, agg, sk, sizeof(sk), RAGG_LMIN, RAGG_LEVELS,
	    0, UINT64_MAX, &seen);
	/* The level-RAGG_LMIN keys of scope all, in order. */
	klen = ragg_key(key, sk, sizeof(sk), RAGG_LMIN, 0);
	k.mv_size = klen;
	k.mv_data = key;
	rc = err ? 0 : mdb_cursor_get(agg, &k, &v, MDB_SET_RANGE);
	while (err == 0 && rc == 0 && k.mv_size == klen &&
	    memcmp(k.mv_data, key, sizeof(sk) + 1) == 0) {
		if (v.mv_size != RAGG_VAL) {
			err = WEFT_ECORRUPT;
			break;
		}
		/* Copy: the lower levels' puts may move the cursor. */
		memcpy(key, k.mv_data, klen);
		if (be64dec(v.mv_data) > RAGG_DENSE)
			err = ragg_low_build(s, txn, agg, sk, sizeof(sk),
			    be64dec(key + sizeof(sk) + 1), be64dec(v.mv_data));
		if (err)
			break;
		k.mv_size = klen;
		k.mv_data = key;
		rc = mdb_cursor_get(agg, &k, &v, MDB_SET_KEY);
		if (rc == MDB_NOTFOUND)
			err = WEFT_ECORRUPT;	/* it was just there */
		else if (rc == 0)
			rc = mdb_cursor_get(agg, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(agg);
	if (err)
		return err;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

/*
 * Format 4 kept levels 0 .. RAGG_LMIN-1 under every node: deletes them
 * under the sparse ones. The level-RAGG_LMIN count of the last subtree
 * seen is kept, as its nodes come together in key order per level.
 */
int
weft__store_ragg_drop_low(struct weft_store *s, MDB_txn *txn)
{
	MDB_cursor	*c;
	MDB_val		 k, v, tv;
	uint8_t		 key[RAGG_KEY_MAX], top[RAGG_KEY_MAX];
	uint8_t		 last[RAGG_KEY_MAX];
	size_t		 klen, sklen, lastlen = 0;
	uint64_t	 n = 0;
	int		 rc, err = 0, l;

	rc = mdb_cursor_open(txn, s->dbi[DB_RAGG], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		klen = k.mv_size;
		if (klen != 1 + 9 && klen != SCOPE_MAX + 9) {
			err = WEFT_ECORRUPT;
			break;
		}
		sklen = klen - 9;
		l = ((const uint8_t *)k.mv_data)[sklen];
		if (l >= RAGG_LMIN) {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		memcpy(key, k.mv_data, klen);
		memcpy(top, key, sklen);
		top[sklen] = RAGG_LMIN;
		be64enc(top + sklen + 1, be64dec(key + sklen + 1) >>
		    4 * (RAGG_LMIN - l));
		if (lastlen != klen || memcmp(last, top, klen) != 0) {
			err = db_get(txn, s->dbi[DB_RAGG], top, klen, &tv);
			if (err == 0 && tv.mv_size != RAGG_VAL)
				err = WEFT_ECORRUPT;
			if (err)	/* a subtree has its top node */
				break;
			n = be64dec(tv.mv_data);
			memcpy(last, top, klen);
			lastlen = klen;
		}
		if (n > RAGG_DENSE) {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		/* Delete, then find the next key from the copy. */
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
		k.mv_size = klen;
		k.mv_data = key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(c);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	return rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

/* ------------------------------------------------------------------ */
/* Reconciliation over the aggregates */

/*
 * One snapshot of one scope. The items of one exact ts are read from
 * its member keys: `recs` (keys ts || id, mpfx 0) and, for the receipts
 * in it, `recon_mem` under 0x00 || 32 zero bytes for scope all;
 * `recon_mem` (keys scope || ts || id, mpfx = sklen) for the others.
 * nmem says how many of mem[] there are: 2 only for scope all with
 * receipts, so that a scope of records alone costs one cursor.
 */
#define MEM_MAX	2

struct weft_store_recon {
	struct weft_store	*s;
	MDB_txn			*txn;
	MDB_cursor		*agg;
	MDB_cursor		*mem[MEM_MAX];
	uint8_t			 mp[MEM_MAX][SCOPE_MAX];
	size_t			 mpfx[MEM_MAX];
	int			 nmem;
	uint8_t			 sk[SCOPE_MAX];
	size_t			 sklen;
};

/*
 * A walk over the member keys of a snapshot in (ts, id) order, merging
 * its cursors: k[i] is where cursor i stands (ok[i] when on a member),
 * cur the one holding the smallest.
 */
struct mwalk {
	MDB_val	k[MEM_MAX];
	int	ok[MEM_MAX];
	int	cur;
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
	uint64_t	 n;		/* the count of the node found */
	int		 found;
};

static int
below_child(void *arg, uint64_t prefix, const uint8_t *val)
{
	struct below	*b = arg;

	if (prefix >= b->target) {
		b->found = prefix == b->target;
		b->n = be64dec(val);
		return 1;
	}
	acc_add_val(b->a, val);
	return 0;
}

/*
 * After an operation (rcode) of cursor i: whether it stands on a member
 * key of its prefix (w->ok[i]); ECORRUPT for a key of the wrong size.
 */
static int
mw_set(const struct weft_store_recon *rc, struct mwalk *w, int i, int rcode)
{
	const MDB_val	*k = &w->k[i];

	w->ok[i] = 0;
	if (rcode == MDB_NOTFOUND)
		return 0;
	if (rcode)
		return weft__store_xlat(rcode);
	if (k->mv_size < rc->mpfx[i] ||
	    memcmp(k->mv_data, rc->mp[i], rc->mpfx[i]) != 0)
		return 0;
	if (k->mv_size != rc->mpfx[i] + 8 + ID)
		return WEFT_ECORRUPT;
	w->ok[i] = 1;
	return 0;
}

/* The current member: the smallest (ts, id) of those the cursors hold. */
static int
mw_pick(const struct weft_store_recon *rc, struct mwalk *w)
{
	const uint8_t	*a, *b;

	w->cur = -1;
	for (int i = 0; i < rc->nmem; i++) {
		if (!w->ok[i])
			continue;
		if (w->cur >= 0) {
			a = (const uint8_t *)w->k[i].mv_data + rc->mpfx[i];
			b = (const uint8_t *)w->k[w->cur].mv_data +
			    rc->mpfx[w->cur];
			if (memcmp(a, b, 8 + ID) >= 0)
				continue;
		}
		w->cur = i;
	}
	return w->cur < 0 ? WEFT_ENOTFOUND : 0;
}

/* To the first member at or after (ts, id) (id NULL: zeros). */
static int
mw_seek(const struct weft_store_recon *rc, struct mwalk *w, uint64_t ts,
    const uint8_t *id)
{
	uint8_t	key[SCOPE_MAX + 8 + ID];
	MDB_val	v;
	size_t	m;
	int	err;

	for (int i = 0; i < rc->nmem; i++) {
		m = rc->mpfx[i];
		memcpy(key, rc->mp[i], m);
		be64enc(key + m, ts);
		if (id != NULL)
			memcpy(key + m + 8, id, ID);
		else
			memset(key + m + 8, 0, ID);
		w->k[i].mv_size = m + 8 + ID;
		w->k[i].mv_data = key;
		err = mw_set(rc, w, i, mdb_cursor_get(rc->mem[i], &w->k[i], &v,
		    MDB_SET_RANGE));
		if (err)
			return err;
	}
	return mw_pick(rc, w);
}

static int
mw_next(const struct weft_store_recon *rc, struct mwalk *w)
{
	MDB_val	v;
	int	i = w->cur, err;

	if (i < 0)
		return WEFT_ENOTFOUND;
	err = mw_set(rc, w, i, mdb_cursor_get(rc->mem[i], &w->k[i], &v,
	    MDB_NEXT));
	if (err)
		return err;
	return mw_pick(rc, w);
}

static uint64_t
mem_ts(const struct weft_store_recon *rc, const struct mwalk *w)
{
	return be64dec((const uint8_t *)w->k[w->cur].mv_data +
	    rc->mpfx[w->cur]);
}

static const uint8_t *
mem_id(const struct weft_store_recon *rc, const struct mwalk *w)
{
	return (const uint8_t *)w->k[w->cur].mv_data + rc->mpfx[w->cur] + 8;
}

/*
 * Steps through the items of the scope whose ts >> shift is p, in order:
 * one exact ts (shift 0, under a dense node), or the bucket of a sparse
 * level-RAGG_LMIN node (shift BUCKET_SHIFT).
 */
static int
span_first(struct weft_store_recon *rc, uint64_t p, int shift,
    struct mwalk *w)
{
	int	err;

	err = mw_seek(rc, w, p << shift, NULL);
	if (err)
		return err;
	return mem_ts(rc, w) >> shift == p ? 0 : WEFT_ENOTFOUND;
}

static int
span_next(struct weft_store_recon *rc, uint64_t p, int shift,
    struct mwalk *w)
{
	int	err;

	err = mw_next(rc, w);
	if (err)
		return err;
	return mem_ts(rc, w) >> shift == p ? 0 : WEFT_ENOTFOUND;
}

/*
 * The levels a query descends: down to 0 under a dense level-RAGG_LMIN
 * node, then through the items of one exact ts; under a sparse one,
 * through the items of its bucket.
 */
static int
agg_below(struct weft_store_recon *rc, const struct weft_recon_item *it,
    struct acc *a)
{
	struct below	b = { a, 0, 0, 0 };
	struct mwalk	w;
	uint64_t	parent = 0;
	int		err, l, shift = 0;

	memset(a, 0, sizeof(*a));
	if (it->ts == WEFT_RECON_TS_INF) {
		b.target = 16;	/* past every top-level node */
		return ragg_children(rc, RAGG_LEVELS - 1, 0, below_child, &b);
	}
	for (l = RAGG_LEVELS - 1; l >= 0; l--) {
		b.target = it->ts >> (4 * l);
		b.found = 0;
		err = ragg_children(rc, l, parent, below_child, &b);
		if (err)
			return err;
		if (!b.found)
			return 0;	/* nothing inside: all counted */
		parent = b.target;
		if (l == RAGG_LMIN && b.n <= RAGG_DENSE) {
			shift = BUCKET_SHIFT;
			break;
		}
	}
	/* The items of that span that come before (ts, id). */
	err = span_first(rc, parent, shift, &w);
	while (err == 0) {
		if (mem_ts(rc, &w) > it->ts || (mem_ts(rc, &w) == it->ts &&
		    memcmp(mem_id(rc, &w), it->id, ID) >= 0))
			return 0;
		a->n++;
		weft_recon_sum_add(a->sum, mem_id(rc, &w));
		err = span_next(rc, parent, shift, &w);
	}
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* The item of a rank, and the count and sum of the items before it. */
struct pick {
	struct acc	*a;
	uint64_t	 rank;
	uint64_t	 chosen;
	uint64_t	 n;		/* the count of the node chosen */
	int		 found;
};

static int
pick_child(void *arg, uint64_t prefix, const uint8_t *val)
{
	struct pick	*p = arg;
	uint64_t	 n = be64dec(val);

	if (p->a->n + n > p->rank) {
		p->chosen = prefix;
		p->n = n;
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
	struct pick	p = { a, rank, 0, 0, 0 };
	struct mwalk	w;
	uint64_t	parent = 0;
	int		err, shift = 0;

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
		if (l == RAGG_LMIN && p.n <= RAGG_DENSE) {
			shift = BUCKET_SHIFT;
			break;
		}
	}
	err = span_first(rc, parent, shift, &w);
	while (err == 0) {
		if (a->n == rank) {
			it->ts = mem_ts(rc, &w);
			memcpy(it->id, mem_id(rc, &w), ID);
			return 0;
		}
		a->n++;
		weft_recon_sum_add(a->sum, mem_id(rc, &w));
		err = span_next(rc, parent, shift, &w);
	}
	/* The aggregates promised more items in this span than there are. */
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
	struct mwalk		 w;
	int			 err;

	if (lo >= hi)
		return lo == hi ? 0 : WEFT_EUSAGE;
	err = agg_select(rc, lo, &it, &a);
	if (err)
		return err;
	err = mw_seek(rc, &w, it.ts, it.id);
	if (err == 0 && (mem_ts(rc, &w) != it.ts ||
	    memcmp(mem_id(rc, &w), it.id, ID) != 0))
		err = WEFT_ECORRUPT;
	for (uint64_t i = lo; i < hi; i++) {
		/* The aggregates count more items than the scope holds. */
		if (err)
			return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
		err = cb(cb_arg, mem_id(rc, &w));
		if (err)
			return err;
		err = mw_next(rc, &w);
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
	MDB_val			 k, v;
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
	err = weft__store_read_begin(s, &rc->txn);
	if (err) {
		free(rc);
		return err;
	}
	rcode = mdb_cursor_open(rc->txn, s->dbi[DB_RAGG], &rc->agg);
	if (rcode == 0)
		rcode = mdb_cursor_open(rc->txn, mem_dbi(s, rc->sk,
		    &rc->mpfx[0]), &rc->mem[0]);
	memcpy(rc->mp[0], rc->sk, rc->mpfx[0]);
	rc->nmem = 1;
	/* Scope all's receipts, if it has any. */
	if (rcode == 0 && kind == WEFT_STORE_SCOPE_ALL) {
		mem_prefix(rc->mp[1], rc->sk, rc->sklen);
		rc->mpfx[1] = SCOPE_MAX;
		rcode = mdb_cursor_open(rc->txn, s->dbi[DB_RMEM], &rc->mem[1]);
		if (rcode == 0) {
			err = weft__store_cur_first(rc->mem[1], rc->mp[1],
			    SCOPE_MAX, &k, &v);
			if (err == 0)
				rc->nmem = 2;
			else if (err != WEFT_ENOTFOUND) {
				weft_store_recon_end(rc);
				return err;
			}
		}
	}
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
	for (int i = 0; i < MEM_MAX; i++)
		if (rc->mem[i] != NULL)
			mdb_cursor_close(rc->mem[i]);
	if (rc->agg != NULL)
		mdb_cursor_close(rc->agg);
	weft__store_read_end(rc->s, rc->txn);
	free(rc);
}
