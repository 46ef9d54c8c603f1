/*
 * Design numbers and design-ordered posting lists (docs/proto/store.md,
 * "Design-ordered lists"), inline so that the search module, which keeps
 * them in step with `words`, uses them without calling another module
 * (tests/layers/check-store.sh): beside the impact-ordered postings of `words`,
 * each term's designs in the order of a 4-byte design number, packed up
 * to WL_MAX to a key, so that a query of several words intersects sorted
 * lists, skipping whole blocks, instead of looking up every posting of
 * its rarest word in `dwords`.
 *
 * `dnum` maps a number to the design's DKEY; the number itself is kept
 * at the head of the design's `dwords` value (store_search.c), and a
 * design has one exactly while it has terms. New numbers come from the
 * counter `dnum_next` in `meta`, so a new design's postings append.
 */
#ifndef WEFT_STORE_WLIST_H
#define WEFT_STORE_WLIST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"

#include "store_impl.h"

/*
 * A design with terms has a number (`dnum`, kept first in its `dwords`
 * value); `wlist` holds each term's designs by number, up to WL_MAX to
 * a block keyed term || 0x00 || be32(its last number). wlist_set() puts
 * or changes the posting of design num, wlist_del() removes it;
 * wlist_clear() empties both tables. A struct wl_cur walks one term's
 * list: wl_seek() moves it to its first design numbered at least target
 * (live false past the end); targets never go down.
 */
#define WL_MAX		128
#define WL_TERM_MAX	65	/* TERM_MAX of store_search.c */

struct wl_cur {
	MDB_cursor	*c;
	uint8_t		 key[WL_TERM_MAX + 1 + 4];
	size_t		 plen;
	uint32_t	 num[WL_MAX];
	uint8_t		 imp[WL_MAX];
	size_t		 n, i;		/* the block, the position in it */
	bool		 live;
	uint64_t	 blocks;	/* blocks read */
};

#define WL_VAL_MAX	(WL_MAX * 6)
#define WL_KEY_MAX	(WL_TERM_MAX + 1 + 4)

static inline void
be32enc(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t
be32dec(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline int
dnum_new(struct weft_store *s, MDB_txn *txn,
    const uint8_t dk[DKEY], uint32_t *num)
{
	MDB_val		v;
	uint8_t		nb[4];
	uint32_t	n = 0;
	int		err;

	err = db_get(txn, s->dbi[DB_META], "dnum_next", 9, &v);
	if (err == 0) {
		if (v.mv_size != 4)
			return WEFT_ECORRUPT;
		n = be32dec(v.mv_data);
	} else if (err != WEFT_ENOTFOUND) {
		return err;
	}
	if (n == UINT32_MAX)
		return WEFT_ESTOREFULL;	/* rebuilt by the next upgrade */
	be32enc(nb, n + 1);
	err = db_put(txn, s->dbi[DB_META], "dnum_next", 9, nb, 4);
	if (err)
		return err;
	be32enc(nb, n);
	*num = n;
	return store_put(s, txn, DB_DNUM, nb, 4, dk, DKEY);
}

static inline int
dnum_del(struct weft_store *s, MDB_txn *txn, uint32_t num)
{
	uint8_t	nb[4];

	be32enc(nb, num);
	return db_del(txn, s->dbi[DB_DNUM], nb, 4);
}

static inline int
dnum_get(MDB_cursor *c, uint32_t num, uint8_t dk[DKEY])
{
	MDB_val	k, v;
	uint8_t	nb[4];
	int	rc;

	be32enc(nb, num);
	k.mv_size = 4;
	k.mv_data = nb;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == MDB_NOTFOUND)
		return WEFT_ECORRUPT;	/* a posting names it */
	if (rc)
		return weft__store_xlat(rc);
	if (v.mv_size != DKEY)
		return WEFT_ECORRUPT;
	memcpy(dk, v.mv_data, DKEY);
	return 0;
}

static inline int
wlist_clear(struct weft_store *s, MDB_txn *txn)
{
	int	rc, err;

	rc = mdb_drop(txn, s->dbi[DB_DNUM], 0);
	if (rc == 0)
		rc = mdb_drop(txn, s->dbi[DB_WLIST], 0);
	if (rc)
		return weft__store_xlat(rc);
	err = db_del(txn, s->dbi[DB_META], "dnum_next", 9);
	return err;
}

/*
 * Decodes block v of key k (prefix plen bytes, then be32 last) into
 * num/imp: varint(number - previous, the first from 0) || impact(1),
 * repeated, numbers strictly rising, the last equal to the key's.
 */
static inline int
wlist_decode(const MDB_val *k, size_t plen, const MDB_val *v,
    uint32_t num[WL_MAX], uint8_t imp[WL_MAX], size_t *n)
{
	const uint8_t	*p = v->mv_data;
	size_t		 off = 0, m = 0;
	uint64_t	 cur = 0, d;
	unsigned	 sh;

	if (k->mv_size != plen + 4 || v->mv_size == 0 ||
	    v->mv_size > WL_VAL_MAX)
		return WEFT_ECORRUPT;
	while (off < v->mv_size) {
		if (m == WL_MAX)
			return WEFT_ECORRUPT;
		d = 0;
		for (sh = 0;; sh += 7) {
			if (off == v->mv_size || sh > 28)
				return WEFT_ECORRUPT;
			d |= (uint64_t)(p[off] & 0x7f) << sh;
			if (!(p[off++] & 0x80))
				break;
		}
		if ((m > 0 && d == 0) || off == v->mv_size)
			return WEFT_ECORRUPT;
		cur += d;
		if (cur > UINT32_MAX)
			return WEFT_ECORRUPT;
		num[m] = (uint32_t)cur;
		imp[m++] = p[off++];
	}
	if (num[m - 1] != be32dec((const uint8_t *)k->mv_data + plen))
		return WEFT_ECORRUPT;
	*n = m;
	return 0;
}

static inline size_t
wl_encode(uint8_t *out, const uint32_t *num, const uint8_t *imp, size_t n)
{
	size_t		off = 0;
	uint32_t	prev = 0, d;

	for (size_t i = 0; i < n; i++) {
		d = num[i] - prev;
		prev = num[i];
		while (d >= 0x80) {
			out[off++] = (uint8_t)(d | 0x80);
			d >>= 7;
		}
		out[off++] = (uint8_t)d;
		out[off++] = imp[i];
	}
	return off;
}

struct wl_op {
	MDB_cursor	*c;
	uint8_t		 key[WL_KEY_MAX];
	size_t		 plen;
	uint32_t	 num[WL_MAX + 1];
	uint8_t		 imp[WL_MAX + 1];
	size_t		 n;
	uint8_t		 val[WL_VAL_MAX + 6];
};

static inline int
wl_put(struct wl_op *o, const uint32_t *num, const uint8_t *imp, size_t n)
{
	MDB_val	k, v;

	be32enc(o->key + o->plen, num[n - 1]);
	k.mv_size = o->plen + 4;
	k.mv_data = o->key;
	v.mv_size = wl_encode(o->val, num, imp, n);
	v.mv_data = o->val;
	return mdb_cursor_put(o->c, &k, &v, 0);
}

static inline int
wl_del(struct wl_op *o, uint32_t last)
{
	MDB_val	k, v;
	int	rc;

	be32enc(o->key + o->plen, last);
	k.mv_size = o->plen + 4;
	k.mv_data = o->key;
	rc = mdb_cursor_get(o->c, &k, &v, MDB_SET_KEY);
	return rc ? rc : mdb_cursor_del(o->c, 0);
}

/*
 * Positions o at the block that holds or would hold num: the first block
 * of the term whose last number is at least num (*found 1), else its
 * last block (*found 2) or none (*found 0). The block is decoded.
 */
static inline int
wl_find(struct wl_op *o, uint32_t num, int *found)
{
	MDB_val	k, v;
	int	rc, err;

	*found = 0;
	o->n = 0;
	be32enc(o->key + o->plen, num);
	k.mv_size = o->plen + 4;
	k.mv_data = o->key;
	rc = mdb_cursor_get(o->c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && prefix_eq(&k, o->key, o->plen)) {
		*found = 1;
	} else if (rc == 0 || rc == MDB_NOTFOUND) {
		/* The term's last block, if any, is the key before. */
		if (rc == 0)
			rc = mdb_cursor_get(o->c, &k, &v, MDB_PREV);
		else
			rc = mdb_cursor_get(o->c, &k, &v, MDB_LAST);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc)
			return weft__store_xlat(rc);
		if (!prefix_eq(&k, o->key, o->plen))
			return 0;
		*found = 2;
	} else {
		return weft__store_xlat(rc);
	}
	err = wlist_decode(&k, o->plen, &v, o->num, o->imp, &o->n);
	if (err)
		*found = 0;
	return err;
}

static inline int
wl_cursor(struct weft_store *s, MDB_txn *txn, MDB_cursor **c)
{
	int	rc;

	if (s->wcur[DB_WLIST] == NULL) {
		rc = mdb_cursor_open(txn, s->dbi[DB_WLIST], &s->wcur[DB_WLIST]);
		if (rc) {
			s->wcur[DB_WLIST] = NULL;
			return weft__store_xlat(rc);
		}
	}
	*c = s->wcur[DB_WLIST];
	return 0;
}

static inline int
wl_begin(struct weft_store *s, MDB_txn *txn, struct wl_op *o,
    const uint8_t *term, size_t tl)
{
	if (tl == 0 || tl > WL_TERM_MAX)
		return WEFT_EUSAGE;
	memcpy(o->key, term, tl);
	o->key[tl] = 0;
	o->plen = tl + 1;
	return wl_cursor(s, txn, &o->c);
}

static inline int
wlist_set(struct weft_store *s, MDB_txn *txn,
    const uint8_t *term, size_t tl, uint32_t num, uint8_t impact)
{
	struct wl_op	o;
	uint32_t	last;
	size_t		i, h;
	int		found, err, rc;

	err = wl_begin(s, txn, &o, term, tl);
	if (err == 0)
		err = wl_find(&o, num, &found);
	if (err)
		return err;
	if (found == 0) {
		o.num[0] = num;
		o.imp[0] = impact;
		return weft__store_xlat(wl_put(&o, o.num, o.imp, 1));
	}
	last = o.num[o.n - 1];
	for (i = 0; i < o.n && o.num[i] < num; i++)
		;
	if (i < o.n && o.num[i] == num) {
		if (o.imp[i] == impact)
			return 0;
		o.imp[i] = impact;
		return weft__store_xlat(wl_put(&o, o.num, o.imp, o.n));
	}
	if (found == 2 && o.n == WL_MAX) {
		/* The last block is full: a new one after it. */
		o.num[0] = num;
		o.imp[0] = impact;
		return weft__store_xlat(wl_put(&o, o.num, o.imp, 1));
	}
	memmove(o.num + i + 1, o.num + i, (o.n - i) * sizeof(*o.num));
	memmove(o.imp + i + 1, o.imp + i, o.n - i);
	o.num[i] = num;
	o.imp[i] = impact;
	o.n++;
	rc = 0;
	if (found == 2)		/* appended: the key's last changes */
		rc = wl_del(&o, last);
	if (rc == 0 && o.n > WL_MAX) {
		/* Split: the first half under its own last number. */
		h = o.n / 2;
		rc = wl_put(&o, o.num, o.imp, h);
		if (rc == 0)
			rc = wl_put(&o, o.num + h, o.imp + h, o.n - h);
	} else if (rc == 0) {
		rc = wl_put(&o, o.num, o.imp, o.n);
	}
	return weft__store_xlat(rc);
}

static inline int
wlist_del(struct weft_store *s, MDB_txn *txn,
    const uint8_t *term, size_t tl, uint32_t num)
{
	struct wl_op	o;
	uint32_t	last;
	size_t		i;
	int		found, err, rc;

	err = wl_begin(s, txn, &o, term, tl);
	if (err == 0)
		err = wl_find(&o, num, &found);
	if (err || found != 1)
		return err;
	for (i = 0; i < o.n && o.num[i] != num; i++)
		;
	if (i == o.n)
		return 0;
	last = o.num[o.n - 1];
	memmove(o.num + i, o.num + i + 1, (o.n - i - 1) * sizeof(*o.num));
	memmove(o.imp + i, o.imp + i + 1, o.n - i - 1);
	o.n--;
	if (o.n == 0 || num == last) {
		rc = wl_del(&o, last);
		if (rc == 0 && o.n > 0)
			rc = wl_put(&o, o.num, o.imp, o.n);
	} else {
		rc = wl_put(&o, o.num, o.imp, o.n);
	}
	return weft__store_xlat(rc);
}

/* Query side */

static inline int
wl_open(struct wl_cur *wc, MDB_txn *txn,
    struct weft_store *s, const uint8_t *term, size_t tl)
{
	int	rc;

	memset(wc, 0, sizeof(*wc));
	if (tl == 0 || tl > WL_TERM_MAX)
		return WEFT_EUSAGE;
	memcpy(wc->key, term, tl);
	wc->key[tl] = 0;
	wc->plen = tl + 1;
	rc = mdb_cursor_open(txn, s->dbi[DB_WLIST], &wc->c);
	if (rc) {
		wc->c = NULL;
		return weft__store_xlat(rc);
	}
	wc->live = true;
	wc->n = 0;
	return 0;
}

static inline void
wl_close(struct wl_cur *wc)
{
	if (wc->c != NULL)
		mdb_cursor_close(wc->c);
	wc->c = NULL;
}

static inline int
wl_load(struct wl_cur *wc, const MDB_val *k, const MDB_val *v)
{
	wc->i = 0;
	wc->blocks++;
	return wlist_decode(k, wc->plen, v, wc->num, wc->imp,
	    &wc->n);
}

static inline int
wl_seek(struct wl_cur *wc, uint32_t target)
{
	MDB_val	k, v;
	bool	have;
	int	rc, err;

	if (!wc->live)
		return 0;
	if (wc->n == 0 || target > wc->num[wc->n - 1]) {
		have = false;
		if (wc->n > 0) {
			/* The next block first: a walk reads them all. */
			rc = mdb_cursor_get(wc->c, &k, &v, MDB_NEXT);
			if (rc == MDB_NOTFOUND || (rc == 0 &&
			    !prefix_eq(&k, wc->key, wc->plen))) {
				wc->live = false;
				return 0;
			}
			if (rc)
				return weft__store_xlat(rc);
			have = k.mv_size == wc->plen + 4 &&
			    be32dec((uint8_t *)k.mv_data + wc->plen) >= target;
		}
		if (!have) {
			be32enc(wc->key + wc->plen, target);
			k.mv_size = wc->plen + 4;
			k.mv_data = wc->key;
			rc = mdb_cursor_get(wc->c, &k, &v, MDB_SET_RANGE);
			if (rc == MDB_NOTFOUND || (rc == 0 &&
			    !prefix_eq(&k, wc->key, wc->plen))) {
				wc->live = false;
				return 0;
			}
			if (rc)
				return weft__store_xlat(rc);
		}
		err = wl_load(wc, &k, &v);
		if (err)
			return err;
	}
	while (wc->num[wc->i] < target)
		wc->i++;	/* the block's last is at least target */
	return 0;
}

#endif
