/*
 * Range-based set reconciliation (docs/proto/recon.md). A message is a
 * list of contiguous ranges over the (ts, id) order, each ending at an
 * upper bound and carrying a mode: SKIP (nothing to do), FINGERPRINT
 * (compare; split on mismatch), IDLIST (the sender's id prefixes: answer
 * with the difference), DIFF (the difference: full ids the receiver
 * lacks, and prefixes of those the sender lacks) or IDS (the full ids
 * behind a DIFF's prefixes). Ranges are packed with Negentropy's varints
 * into one bin: a bound is a timestamp delta written as mantissa and
 * power of two (split bounds are rounded so that both are short) and the
 * shortest id prefix that separates two items.
 *
 * The module keeps no state between messages but the done flag: every
 * answer is computed from the message and the set. A message that would
 * exceed the frame limit is cut: the ranges that fit are answered and the
 * rest of the key space is covered by one FINGERPRINT range, which the
 * peer splits again, so any difference is found in more round trips.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/recon.h"

#define IDB		WEFT_RECON_ID_BYTES
#define FPB		WEFT_RECON_FP_BYTES
#define PFB		WEFT_RECON_PREFIX_BYTES
#define LMAX		WEFT_RECON_LIST_MAX
#define CUT		1	/* internal: the frame is full */
#define HEAD_ROOM	8	/* array of 2, version, bin32 header */
#define BOUND_MAX	(3 + 10 + IDB)	/* head, mantissa, prefix */
/* Room kept for the closing SKIP + FINGERPRINT of a cut message. */
#define TAIL_ROOM	(2 * BOUND_MAX + FPB)
#define LEN_INF		63	/* prefix length field of infinity */

enum {
	MODE_SKIP = 0,
	MODE_FP = 1,
	MODE_IDLIST = 2,
	MODE_DIFF = 3,
	MODE_IDS = 4,
};

/* A range bound: (ts, id prefix of len bytes, padded with zeros). */
struct bound {
	uint64_t	ts;
	uint8_t		id[IDB];
	uint8_t		len;
};

/* The answer being built: ranges go to body, one group at a time. */
struct out {
	struct weft_recon	*r;
	struct weft_buf		 body;
	struct weft_buf		 tmp;
	uint32_t		 n;		/* ranges in body */
	bool			 ask;		/* body needs an answer */
	uint64_t		 prev_ts;	/* for the next delta */
	struct bound		 last;		/* upper bound of body */
};

/* A group: ranges committed to the answer together, or not at all. */
struct grp {
	struct weft_buf		*b;
	int			 err;
	uint64_t		 prev_ts;
	struct bound		 last;
	uint32_t		 n;
	bool			 ask;
};

/* Reading the packed ranges of a message. */
struct rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

int
weft_recon_item_cmp(const struct weft_recon_item *a,
    const struct weft_recon_item *b)
{
	int	c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	c = memcmp(a->id, b->id, IDB);
	return (c > 0) - (c < 0);
}

/*
 * Little-endian 64-bit limbs of a sum: one load or store (memcpy), and a
 * byte swap only on a big-endian host. Written byte by byte, GCC at -O2
 * neither inlined the load nor merged the store loop, and the sums of
 * ingest's aggregate nodes cost some 300 instructions each (stop 14).
 */
static inline uint64_t
le64dec(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void
le64enc(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof(v));
}

/*
 * a += b and a -= b mod 2^256, in four 64-bit limbs: ingest adds every
 * record to a dozen aggregate nodes, so this runs a few million times a
 * minute.
 */
void
weft_recon_sum_add(uint8_t a[WEFT_RECON_ID_BYTES],
    const uint8_t b[WEFT_RECON_ID_BYTES])
{
	uint64_t	x, s, t, carry = 0;

	for (int i = 0; i < IDB; i += 8) {
		x = le64dec(a + i);
		s = x + le64dec(b + i);
		t = s + carry;
		carry = (s < x) | (t < s);
		le64enc(a + i, t);
	}
}

void
weft_recon_sum_sub(uint8_t a[WEFT_RECON_ID_BYTES],
    const uint8_t b[WEFT_RECON_ID_BYTES])
{
	uint64_t	x, y, d, borrow = 0, next;

	for (int i = 0; i < IDB; i += 8) {
		x = le64dec(a + i);
		y = le64dec(b + i);
		d = x - y;
		next = (x < y) | (d < borrow);
		le64enc(a + i, d - borrow);
		borrow = next;
	}
}

/* Negentropy's varint: base 128, most significant group first. */
static size_t
varint_enc(uint8_t out[10], uint64_t n)
{
	uint8_t	v[10];
	size_t	k = 0;

	do {
		v[k++] = (uint8_t)(n & 0x7f);
		n >>= 7;
	} while (n != 0);
	for (size_t i = 0; i < k; i++)
		out[i] = (uint8_t)(v[k - 1 - i] | (i + 1 < k ? 0x80 : 0));
	return k;
}

void
weft_recon_fingerprint(const uint8_t sum[WEFT_RECON_ID_BYTES], uint64_t n,
    uint8_t fp[WEFT_RECON_FP_BYTES])
{
	uint8_t	buf[IDB + 10], h[crypto_hash_sha256_BYTES];
	size_t	k;

	memcpy(buf, sum, IDB);
	k = varint_enc(buf + IDB, n);
	crypto_hash_sha256(h, buf, IDB + k);
	memcpy(fp, h, FPB);
}

int
weft_recon_init(struct weft_recon *r, const struct weft_recon_set *set,
    void *set_arg, const struct weft_recon_opts *opts,
    weft_recon_diff_cb *cb, void *cb_arg)
{
	memset(r, 0, sizeof(*r));
	r->set = set;
	r->set_arg = set_arg;
	r->cb = cb;
	r->cb_arg = cb_arg;
	r->buckets = WEFT_RECON_BUCKETS;
	r->list_max = WEFT_RECON_LIST_DEFAULT;
	r->first = WEFT_RECON_FIRST;
	r->frame_max = WEFT_RECON_FRAME_MAX;
	if (opts != NULL) {
		if (opts->buckets != 0)
			r->buckets = opts->buckets;
		if (opts->list_max != 0)
			r->list_max = opts->list_max;
		if (opts->frame_max != 0)
			r->frame_max = opts->frame_max;
		if (opts->first != 0)
			r->first = opts->first;
	}
	if (r->buckets < 2 || r->buckets > 64 || r->list_max < 1 ||
	    r->list_max > LMAX || r->first < 2 || r->first > 128 ||
	    r->frame_max < WEFT_RECON_FRAME_MIN ||
	    r->frame_max > UINT32_MAX)
		return WEFT_EUSAGE;
	return 0;
}

bool
weft_recon_done(const struct weft_recon *r)
{
	return r->done;
}

/* Bounds */

static void
bound_zero(struct bound *b)
{
	memset(b, 0, sizeof(*b));
}

static void
bound_inf(struct bound *b)
{
	memset(b, 0, sizeof(*b));
	b->ts = WEFT_RECON_TS_INF;
}

static int
bound_cmp(const struct bound *a, const struct bound *b)
{
	int	c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	c = memcmp(a->id, b->id, IDB);
	return (c > 0) - (c < 0);
}

static unsigned
ctz64(uint64_t v)
{
	unsigned	k = 0;

	while (k < 63 && (v & 1) == 0) {
		v >>= 1;
		k++;
	}
	return k;
}

/*
 * The shortest bound b with a < b <= c, for items a < c, written after a
 * bound at prev_ts <= a.ts: when the timestamps differ, the ts in
 * (a.ts, c.ts] whose delta from prev_ts has the most trailing zero bits,
 * and no id prefix; else c.ts and the id prefix one byte longer than what
 * a and c share.
 */
static void
bound_between(const struct weft_recon_item *a,
    const struct weft_recon_item *c, uint64_t prev_ts, struct bound *b)
{
	uint64_t	lo, hi, x;
	size_t		p = 0;
	unsigned	k = 0;

	bound_zero(b);
	b->ts = c->ts;
	if (a->ts != c->ts) {
		lo = a->ts - prev_ts;
		hi = c->ts - prev_ts;
		for (x = lo ^ hi; x > 1; x >>= 1)
			k++;
		b->ts = prev_ts + (hi >> k << k);
		return;
	}
	while (p < IDB - 1 && a->id[p] == c->id[p])
		p++;
	b->len = (uint8_t)(p + 1);
	memcpy(b->id, c->id, p + 1);
}

static int
rank_of(struct weft_recon *r, const struct bound *b, uint64_t *rank)
{
	struct weft_recon_item	it;

	if (b->ts == WEFT_RECON_TS_INF)
		return r->set->size(r->set_arg, rank);
	it.ts = b->ts;
	memcpy(it.id, b->id, IDB);
	return r->set->lower_bound(r->set_arg, &it, rank);
}

static int
range_fp(struct weft_recon *r, uint64_t lo, uint64_t hi, uint8_t fp[FPB])
{
	uint8_t	sum[IDB];
	int	err;

	memset(sum, 0, sizeof(sum));
	if (hi > lo) {
		err = r->set->sum(r->set_arg, lo, hi, sum);
		if (err)
			return err;
	}
	weft_recon_fingerprint(sum, hi - lo, fp);
	return 0;
}

/* Collecting up to WEFT_RECON_LIST_MAX ids of a small range. */
struct idvec {
	size_t	n;
	uint8_t	ids[LMAX][IDB];
};

static int
idvec_add(void *arg, const uint8_t id[WEFT_RECON_ID_BYTES])
{
	struct idvec	*v = arg;

	if (v->n == LMAX)
		return WEFT_ECORRUPT;	/* the set gave more than it said */
	memcpy(v->ids[v->n++], id, IDB);
	return 0;
}

static int
range_ids(struct weft_recon *r, uint64_t lo, uint64_t hi, struct idvec *v)
{
	v->n = 0;
	if (hi - lo > LMAX)
		return WEFT_ECORRUPT;
	if (hi == lo)
		return 0;
	return r->set->ids(r->set_arg, lo, hi, idvec_add, v);
}

/* Whether one of n ids (stride bytes apart) starts with the len bytes p. */
static bool
has_prefix(const uint8_t *ids, size_t n, size_t stride, const uint8_t *p,
    size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(ids + i * stride, p, len) == 0)
			return true;
	return false;
}

/* Building answers */

static void
out_init(struct out *o, struct weft_recon *r)
{
	o->r = r;
	weft_buf_init(&o->body, r->frame_max);
	weft_buf_init(&o->tmp, r->frame_max);
	o->n = 0;
	o->ask = false;
	o->prev_ts = 0;
	bound_zero(&o->last);
}

static void
out_release(struct out *o)
{
	weft_buf_release(&o->body);
	weft_buf_release(&o->tmp);
}

static void
put(struct grp *g, const void *p, size_t n)
{
	if (g->err == 0 && n > 0)
		g->err = weft_buf_add(g->b, p, n);
}

static void
put_varint(struct grp *g, uint64_t v)
{
	uint8_t	b[10];

	put(g, b, varint_enc(b, v));
}

/*
 * A range's bound and mode: varint(mode | len << 3 | e << 9), then for a
 * finite bound varint(m) with ts - prev_ts = m << e, then len id bytes.
 */
static void
range_head(struct grp *g, const struct bound *up, int mode)
{
	uint64_t	d, e = 0;

	if (up->ts == WEFT_RECON_TS_INF) {
		put_varint(g, (uint64_t)mode | LEN_INF << 3);
	} else {
		d = up->ts - g->prev_ts;
		if (d != 0)
			e = ctz64(d);
		put_varint(g, (uint64_t)mode | (uint64_t)up->len << 3 |
		    e << 9);
		put_varint(g, d >> e);
		put(g, up->id, up->len);
		g->prev_ts = up->ts;
	}
	g->last = *up;
	g->n++;
	if (mode == MODE_FP || mode == MODE_IDLIST)
		g->ask = true;
}

/* Starts a group whose first range begins at lower (a SKIP fills a gap). */
static void
grp_begin(struct out *o, struct grp *g, const struct bound *lower)
{
	weft_buf_reset(&o->tmp);
	g->b = &o->tmp;
	g->err = 0;
	g->prev_ts = o->prev_ts;
	g->last = o->last;
	g->n = 0;
	g->ask = false;
	if (bound_cmp(&o->last, lower) != 0)
		range_head(g, lower, MODE_SKIP);
}

static int
grp_commit(struct out *o, struct grp *g, size_t reserve)
{
	int	err;

	if (g->err == WEFT_ETOOBIG)
		return CUT;
	if (g->err)
		return g->err;
	if (o->body.len + o->tmp.len + reserve + HEAD_ROOM > o->r->frame_max)
		return CUT;
	err = weft_buf_add(&o->body, o->tmp.data, o->tmp.len);
	if (err)
		return err;
	o->n += g->n;
	o->ask = o->ask || g->ask;
	o->prev_ts = g->prev_ts;
	o->last = g->last;
	return 0;
}

/*
 * Answers a range [lower, upper) holding our ranks [lo, hi) that differs
 * from the peer's: our id prefixes when there are few, else fingerprints
 * of nb sub-ranges of (nearly) equal counts.
 */
static int
emit_split(struct out *o, const struct bound *lower, const struct bound *upper,
    uint64_t lo, uint64_t hi, uint32_t buckets, size_t reserve)
{
	struct weft_recon	*r = o->r;
	struct weft_recon_item	 a, c;
	struct idvec		 v;
	struct bound		 ub;
	struct grp		 g;
	uint8_t			 fp[FPB];
	uint64_t		 m = hi - lo, nb, q, rem, s, e;
	int			 err;

	grp_begin(o, &g, lower);
	if (m <= r->list_max) {
		err = range_ids(r, lo, hi, &v);
		if (err)
			return err;
		range_head(&g, upper, MODE_IDLIST);
		put_varint(&g, v.n);
		for (size_t i = 0; i < v.n; i++)
			put(&g, v.ids[i], PFB);
		return grp_commit(o, &g, reserve);
	}
	nb = m < buckets ? m : buckets;
	q = m / nb;
	rem = m % nb;
	s = lo;
	for (uint64_t i = 0; i < nb; i++) {
		e = s + q + (i < rem ? 1 : 0);
		if (i == nb - 1) {
			ub = *upper;
		} else {
			err = r->set->item_at(r->set_arg, e - 1, &a);
			if (err == 0)
				err = r->set->item_at(r->set_arg, e, &c);
			if (err)
				return err;
			if (weft_recon_item_cmp(&a, &c) >= 0)
				return WEFT_ECORRUPT;
			bound_between(&a, &c, g.prev_ts, &ub);
		}
		err = range_fp(r, s, e, fp);
		if (err)
			return err;
		range_head(&g, &ub, MODE_FP);
		put(&g, fp, FPB);
		s = e;
	}
	return grp_commit(o, &g, reserve);
}

static int
out_finish(struct out *o, struct weft_buf *dst)
{
	struct weft_recon	*r = o->r;
	struct weft_pack	 pk;
	size_t			 start = dst->len;
	int			 err;

	weft_pack_init(&pk, dst);
	weft_pack_array(&pk, 2);
	weft_pack_uint(&pk, WEFT_RECON_VERSION);
	weft_pack_bin(&pk, o->body.data, o->body.len);
	err = weft_pack_error(&pk);
	if (err)
		return err;
	r->msgs_out++;
	r->bytes_out += dst->len - start;
	return 0;
}

int
weft_recon_initiate(struct weft_recon *r, struct weft_buf *out)
{
	struct bound	lower, upper;
	struct out	o;
	uint64_t	n;
	int		err;

	r->done = false;
	err = r->set->size(r->set_arg, &n);
	if (err)
		return err;
	out_init(&o, r);
	bound_zero(&lower);
	bound_inf(&upper);
	err = emit_split(&o, &lower, &upper, 0, n, r->first, 0);
	if (err == CUT)
		err = WEFT_ETOOBIG;	/* cannot happen above the minimum */
	if (err == 0)
		err = out_finish(&o, out);
	out_release(&o);
	return err;
}

/* Receiving */

static int
rd_bytes(struct rd *d, size_t n, const uint8_t **p)
{
	if (d->len - d->off < n)
		return WEFT_EPROTO;
	*p = d->p + d->off;
	d->off += n;
	return 0;
}

static int
rd_varint(struct rd *d, uint64_t *v)
{
	uint8_t	b;

	*v = 0;
	for (int i = 0; i < 10; i++) {
		if (d->off == d->len || *v > UINT64_MAX >> 7)
			return WEFT_EPROTO;
		b = d->p[d->off++];
		*v = *v << 7 | (b & 0x7f);
		if ((b & 0x80) == 0)
			return 0;
	}
	return WEFT_EPROTO;
}

/* A count of at most WEFT_RECON_LIST_MAX items of size bytes, and them. */
static int
rd_list(struct rd *d, size_t size, const uint8_t **p, size_t *n)
{
	uint64_t	k;

	if (rd_varint(d, &k) != 0 || k > LMAX)
		return WEFT_EPROTO;
	*n = (size_t)k;
	return rd_bytes(d, *n * size, p);
}

/* Decodes a range's upper bound and mode; prev_ts is the last bound's. */
static int
rd_head(struct rd *d, uint64_t *prev_ts, struct bound *b, unsigned *mode)
{
	const uint8_t	*p;
	uint64_t	 h, m, e, len;

	if (rd_varint(d, &h) != 0 || h >= 1 << 15)
		return WEFT_EPROTO;
	*mode = h & 7;
	len = h >> 3 & 63;
	e = h >> 9;
	bound_zero(b);
	if (len == LEN_INF) {
		if (e != 0)
			return WEFT_EPROTO;
		b->ts = WEFT_RECON_TS_INF;
		return 0;
	}
	if (len > IDB || rd_varint(d, &m) != 0 || m > UINT64_MAX >> e)
		return WEFT_EPROTO;
	m <<= e;
	if (m >= WEFT_RECON_TS_INF - *prev_ts)
		return WEFT_EPROTO;
	b->ts = *prev_ts + m;
	*prev_ts = b->ts;
	if (rd_bytes(d, len, &p) != 0)
		return WEFT_EPROTO;
	memcpy(b->id, p, len);
	b->len = (uint8_t)len;
	return 0;
}

static int
tell(struct weft_recon *r, enum weft_recon_diff kind, const uint8_t *ids,
    size_t n)
{
	int	err;

	for (size_t i = 0; i < n; i++) {
		err = r->cb(r->cb_arg, kind, ids + i * IDB);
		if (err)
			return err;
	}
	return 0;
}

/* The payload of a DIFF: ids we lack, then prefixes of ids the peer lacks. */
struct diff {
	const uint8_t	*ids, *pfx;
	size_t		 nids, npfx;
};

/* The answer to a DIFF's prefixes: the full ids behind them, if still ours. */
static int
on_diff(struct out *o, const struct bound *lower, const struct bound *upper,
    uint64_t lo, uint64_t hi, const struct diff *df)
{
	struct weft_recon	*r = o->r;
	struct idvec		 ours;
	struct grp		 g;
	uint8_t			 give[LMAX][IDB];
	size_t			 n = 0;
	int			 err;

	if (df->npfx == 0)
		return 0;
	/* The set grew past a list since: compare the range again. */
	if (hi - lo > LMAX)
		return emit_split(o, lower, upper, lo, hi, r->buckets,
		    TAIL_ROOM);
	err = range_ids(r, lo, hi, &ours);
	if (err)
		return err;
	for (size_t i = 0; i < ours.n; i++)
		if (has_prefix(df->pfx, df->npfx, PFB, ours.ids[i], PFB))
			memcpy(give[n++], ours.ids[i], IDB);
	if (n == 0)
		return 0;
	grp_begin(o, &g, lower);
	range_head(&g, upper, MODE_IDS);
	put_varint(&g, n);
	put(&g, give, n * IDB);
	err = grp_commit(o, &g, TAIL_ROOM);
	if (err == 0)
		err = tell(r, WEFT_RECON_HAVE, give[0], n);
	return err;
}

static int
on_idlist(struct out *o, const struct bound *lower, const struct bound *upper,
    uint64_t lo, uint64_t hi, const uint8_t *theirs, size_t k)
{
	struct weft_recon	*r = o->r;
	struct idvec		 ours;
	struct grp		 g;
	uint8_t			 have[LMAX][IDB];
	uint8_t			 need[LMAX][PFB];
	size_t			 nh = 0, nn = 0;
	int			 err;

	/* Too many of ours to list: narrow the range down instead. */
	if (hi - lo > r->list_max)
		return emit_split(o, lower, upper, lo, hi, r->buckets,
		    TAIL_ROOM);
	err = range_ids(r, lo, hi, &ours);
	if (err)
		return err;
	for (size_t i = 0; i < ours.n; i++)
		if (!has_prefix(theirs, k, PFB, ours.ids[i], PFB))
			memcpy(have[nh++], ours.ids[i], IDB);
	for (size_t i = 0; i < k; i++) {
		if (has_prefix(ours.ids[0], ours.n, IDB, theirs + i * PFB,
		    PFB) || has_prefix(need[0], nn, PFB, theirs + i * PFB,
		    PFB))
			continue;
		memcpy(need[nn++], theirs + i * PFB, PFB);
	}
	if (nh == 0 && nn == 0)
		return 0;
	grp_begin(o, &g, lower);
	range_head(&g, upper, MODE_DIFF);
	put_varint(&g, nh);
	put(&g, have, nh * IDB);
	put_varint(&g, nn);
	put(&g, need, nn * PFB);
	if (nn > 0)
		g.ask = true;
	err = grp_commit(o, &g, TAIL_ROOM);
	/* Learn only what the peer will learn too: after the commit. */
	if (err == 0)
		err = tell(r, WEFT_RECON_HAVE, have[0], nh);
	return err;
}

static int
on_fp(struct out *o, const struct bound *lower, const struct bound *upper,
    uint64_t lo, uint64_t hi, const uint8_t *theirs)
{
	uint8_t	ours[FPB];
	int	err;

	err = range_fp(o->r, lo, hi, ours);
	if (err)
		return err;
	if (memcmp(theirs, ours, sizeof(ours)) == 0)
		return 0;
	return emit_split(o, lower, upper, lo, hi, o->r->buckets, TAIL_ROOM);
}

/* One range of a message: its payload read, its answer appended to o. */
struct range {
	struct bound	 lower, upper;
	unsigned	 mode;
	const uint8_t	*p;	/* FP, IDLIST prefixes or IDS */
	size_t		 n;
	struct diff	 df;
};

static int
rd_range(struct rd *d, uint64_t *prev_ts, struct range *rg)
{
	int	err;

	err = rd_head(d, prev_ts, &rg->upper, &rg->mode);
	if (err)
		return err;
	if (bound_cmp(&rg->upper, &rg->lower) <= 0)
		return WEFT_EPROTO;
	switch (rg->mode) {
	case MODE_SKIP:
		return 0;
	case MODE_FP:
		return rd_bytes(d, FPB, &rg->p);
	case MODE_IDLIST:
		return rd_list(d, PFB, &rg->p, &rg->n);
	case MODE_DIFF:
		err = rd_list(d, IDB, &rg->df.ids, &rg->df.nids);
		if (err == 0)
			err = rd_list(d, PFB, &rg->df.pfx, &rg->df.npfx);
		return err;
	case MODE_IDS:
		return rd_list(d, IDB, &rg->p, &rg->n);
	default:
		return WEFT_EPROTO;
	}
}

/* Answers range rg; returns 0, CUT or an error. */
static int
answer(struct out *o, const struct range *rg)
{
	struct weft_recon	*r = o->r;
	uint64_t		 lo, hi;
	int			 err;

	err = rank_of(r, &rg->lower, &lo);
	if (err == 0)
		err = rank_of(r, &rg->upper, &hi);
	if (err == 0 && hi < lo)
		err = WEFT_ECORRUPT;
	if (err)
		return err;
	switch (rg->mode) {
	case MODE_FP:
		return on_fp(o, &rg->lower, &rg->upper, lo, hi, rg->p);
	case MODE_IDLIST:
		return on_idlist(o, &rg->lower, &rg->upper, lo, hi, rg->p,
		    rg->n);
	default:
		return on_diff(o, &rg->lower, &rg->upper, lo, hi, &rg->df);
	}
}

/* Checks a whole message before anything is recorded from it. */
static int
validate(const uint8_t *p, size_t len, bool *ask)
{
	struct range	rg;
	struct rd	d = { p, len, 0 };
	uint64_t	prev_ts = 0;
	int		err;

	*ask = false;
	bound_zero(&rg.lower);
	while (d.off < d.len) {
		if (rg.lower.ts == WEFT_RECON_TS_INF)
			return WEFT_EPROTO;	/* nothing after infinity */
		err = rd_range(&d, &prev_ts, &rg);
		if (err)
			return err;
		if (rg.mode == MODE_FP || rg.mode == MODE_IDLIST ||
		    (rg.mode == MODE_DIFF && rg.df.npfx > 0))
			*ask = true;
		rg.lower = rg.upper;
	}
	return 0;
}

int
weft_recon_reconcile(struct weft_recon *r, const uint8_t *msg, size_t len,
    struct weft_buf *dst)
{
	const struct weft_obj	*root;
	struct weft_msg		 m;
	struct range		 rg;
	struct bound		 cut_lower, upper;
	struct rd		 d;
	struct out		 o;
	struct grp		 g;
	uint64_t		 ver, prev_ts = 0, lo, hi;
	uint8_t			 fp[FPB];
	bool			 ask;
	int			 err, cut = 0;

	if (r->done)
		return WEFT_EPROTO;
	if (len > r->frame_max)
		return WEFT_ETOOBIG;
	err = weft_msg_decode(&m, msg, len);
	if (err)
		return err;
	r->msgs_in++;
	r->bytes_in += len;
	out_init(&o, r);
	root = m.root;
	if (weft_obj_type(root) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(root) != 2 ||
	    weft_obj_uint(weft_obj_at(root, 0), &ver) != 0) {
		err = WEFT_EPROTO;
		goto out;
	}
	if (ver != WEFT_RECON_VERSION) {
		err = WEFT_EVERSION;
		goto out;
	}
	if (weft_obj_bin(weft_obj_at(root, 1), &d.p, &d.len) != 0) {
		err = WEFT_EPROTO;
		goto out;
	}
	d.off = 0;
	err = validate(d.p, d.len, &ask);
	if (err)
		goto out;
	bound_zero(&rg.lower);
	while (d.off < d.len) {
		err = rd_range(&d, &prev_ts, &rg);
		if (err)
			goto out;
		if (rg.mode == MODE_DIFF)
			err = tell(r, WEFT_RECON_NEED, rg.df.ids, rg.df.nids);
		else if (rg.mode == MODE_IDS)
			err = tell(r, WEFT_RECON_NEED, rg.p, rg.n);
		if (err == 0 && !cut && rg.mode != MODE_SKIP &&
		    rg.mode != MODE_IDS)
			err = answer(&o, &rg);
		if (err == CUT) {
			cut = 1;
			cut_lower = rg.lower;
			err = 0;
		}
		if (err)
			goto out;
		rg.lower = rg.upper;
	}
	if (!ask) {
		/* Nothing to answer: the peer's last message. */
		r->done = true;
		goto out;
	}
	if (cut) {
		/* Everything from the cut on, as one fingerprint. */
		bound_inf(&upper);
		err = rank_of(r, &cut_lower, &lo);
		if (err == 0)
			err = rank_of(r, &upper, &hi);
		if (err == 0)
			err = range_fp(r, lo, hi, fp);
		if (err)
			goto out;
		grp_begin(&o, &g, &cut_lower);
		range_head(&g, &upper, MODE_FP);
		put(&g, fp, FPB);
		err = grp_commit(&o, &g, 0);
		if (err == CUT)
			err = WEFT_ETOOBIG;	/* TAIL_ROOM was kept for it */
		if (err)
			goto out;
	}
	/*
	 * Done when the answer asks nothing back: it is the last message
	 * (an empty one says "all equal" to a peer that waits for it).
	 */
	if (!o.ask)
		r->done = true;
	err = out_finish(&o, dst);
out:
	out_release(&o);
	weft_msg_release(&m);
	return err;
}
/* The in-memory set */

static int
item_qcmp(const void *a, const void *b)
{
	return weft_recon_item_cmp(a, b);
}

int
weft_recon_vec_init(struct weft_recon_vec *v,
    const struct weft_recon_item *items, size_t n)
{
	size_t	k = 0;

	memset(v, 0, sizeof(*v));
	v->items = malloc((n ? n : 1) * sizeof(*v->items));
	v->psum = calloc(n + 1, sizeof(*v->psum));
	if (v->items == NULL || v->psum == NULL) {
		weft_recon_vec_release(v);
		return -ENOMEM;
	}
	if (n > 0)
		memcpy(v->items, items, n * sizeof(*items));
	qsort(v->items, n, sizeof(*v->items), item_qcmp);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && weft_recon_item_cmp(&v->items[k - 1],
		    &v->items[i]) == 0)
			continue;
		v->items[k] = v->items[i];
		memcpy(v->psum[k + 1], v->psum[k], IDB);
		weft_recon_sum_add(v->psum[k + 1], v->items[k].id);
		k++;
	}
	v->n = k;
	return 0;
}

void
weft_recon_vec_release(struct weft_recon_vec *v)
{
	free(v->items);
	free(v->psum);
	memset(v, 0, sizeof(*v));
}

static int
vec_size(void *arg, uint64_t *n)
{
	*n = ((struct weft_recon_vec *)arg)->n;
	return 0;
}

static int
vec_lower_bound(void *arg, const struct weft_recon_item *it, uint64_t *rank)
{
	struct weft_recon_vec	*v = arg;
	uint64_t		 lo = 0, hi = v->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (weft_recon_item_cmp(&v->items[mid], it) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*rank = lo;
	return 0;
}

static int
vec_item_at(void *arg, uint64_t rank, struct weft_recon_item *it)
{
	struct weft_recon_vec	*v = arg;

	if (rank >= v->n)
		return WEFT_EUSAGE;
	*it = v->items[rank];
	return 0;
}

static int
vec_sum(void *arg, uint64_t lo, uint64_t hi, uint8_t sum[IDB])
{
	struct weft_recon_vec	*v = arg;

	if (lo > hi || hi > v->n)
		return WEFT_EUSAGE;
	memcpy(sum, v->psum[hi], IDB);
	weft_recon_sum_sub(sum, v->psum[lo]);
	return 0;
}

static int
vec_ids(void *arg, uint64_t lo, uint64_t hi, weft_recon_id_cb *cb,
    void *cb_arg)
{
	struct weft_recon_vec	*v = arg;
	int			 err;

	if (lo > hi || hi > v->n)
		return WEFT_EUSAGE;
	for (uint64_t i = lo; i < hi; i++) {
		err = cb(cb_arg, v->items[i].id);
		if (err)
			return err;
	}
	return 0;
}

const struct weft_recon_set weft_recon_vec_set = {
	vec_size, vec_lower_bound, vec_item_at, vec_sum, vec_ids,
};
