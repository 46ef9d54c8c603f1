/*
 * Range-based set reconciliation (docs/proto/recon.md). A message is a
 * list of contiguous ranges over the (ts, id) order, each ending at an
 * upper bound and carrying a mode: SKIP (nothing to do), FINGERPRINT
 * (compare; split on mismatch), IDLIST (the sender's ids: answer with the
 * difference) or DIFF (the difference: learn it). Bounds are encoded as a
 * timestamp delta and the shortest id prefix that separates two items.
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
#define CUT		1	/* internal: the frame is full */
#define HEAD_ROOM	6	/* array header (up to 5 bytes) + version */
/* Room kept for the closing SKIP + FINGERPRINT of a cut message. */
#define TAIL_ROOM	(2 * (9 + 2 + IDB + 1 + 2 + WEFT_RECON_FP_BYTES))

enum {
	MODE_SKIP = 0,
	MODE_FP = 1,
	MODE_IDLIST = 2,
	MODE_DIFF = 3,
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
	uint64_t		 prev_ts;	/* for the next delta */
	struct bound		 last;		/* upper bound of body */
};

/* A group: ranges committed to the answer together, or not at all. */
struct grp {
	struct weft_pack	pk;
	uint64_t		prev_ts;
	struct bound		last;
	uint32_t		n;
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

void
weft_recon_sum_add(uint8_t a[WEFT_RECON_ID_BYTES],
    const uint8_t b[WEFT_RECON_ID_BYTES])
{
	unsigned	c = 0;

	for (int i = 0; i < IDB; i++) {
		c += (unsigned)a[i] + b[i];
		a[i] = (uint8_t)c;
		c >>= 8;
	}
}

void
weft_recon_sum_sub(uint8_t a[WEFT_RECON_ID_BYTES],
    const uint8_t b[WEFT_RECON_ID_BYTES])
{
	int	borrow = 0, d;

	for (int i = 0; i < IDB; i++) {
		d = (int)a[i] - b[i] - borrow;
		borrow = d < 0;
		a[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

void
weft_recon_fingerprint(const uint8_t sum[WEFT_RECON_ID_BYTES], uint64_t n,
    uint8_t fp[WEFT_RECON_FP_BYTES])
{
	uint8_t	buf[IDB + 10], h[crypto_hash_sha256_BYTES], v[10];
	size_t	k = 0;

	do {
		v[k++] = (uint8_t)(n & 0x7f);
		n >>= 7;
	} while (n != 0);
	memcpy(buf, sum, IDB);
	for (size_t i = 0; i < k; i++)
		buf[IDB + i] = (uint8_t)(v[k - 1 - i] | (i + 1 < k ? 0x80 : 0));
	crypto_hash_sha256(h, buf, IDB + k);
	memcpy(fp, h, WEFT_RECON_FP_BYTES);
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
	r->buckets = 8;
	r->list_max = 8;
	r->frame_max = WEFT_RECON_FRAME_MAX;
	if (opts != NULL) {
		if (opts->buckets != 0)
			r->buckets = opts->buckets;
		if (opts->list_max != 0)
			r->list_max = opts->list_max;
		if (opts->frame_max != 0)
			r->frame_max = opts->frame_max;
	}
	if (r->buckets < 2 || r->buckets > 64 || r->list_max < 1 ||
	    r->list_max > WEFT_RECON_LIST_MAX ||
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

/* The shortest bound b with a < b <= c, for items a < c. */
static void
bound_between(const struct weft_recon_item *a,
    const struct weft_recon_item *c, struct bound *b)
{
	size_t	p = 0;

	bound_zero(b);
	b->ts = c->ts;
	if (a->ts != c->ts)
		return;
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
range_fp(struct weft_recon *r, uint64_t lo, uint64_t hi,
    uint8_t fp[WEFT_RECON_FP_BYTES])
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
	uint8_t	ids[WEFT_RECON_LIST_MAX][IDB];
};

static int
idvec_add(void *arg, const uint8_t id[WEFT_RECON_ID_BYTES])
{
	struct idvec	*v = arg;

	if (v->n == WEFT_RECON_LIST_MAX)
		return WEFT_ECORRUPT;	/* the set gave more than it said */
	memcpy(v->ids[v->n++], id, IDB);
	return 0;
}

static int
range_ids(struct weft_recon *r, uint64_t lo, uint64_t hi, struct idvec *v)
{
	v->n = 0;
	if (hi - lo > WEFT_RECON_LIST_MAX)
		return WEFT_ECORRUPT;
	if (hi == lo)
		return 0;
	return r->set->ids(r->set_arg, lo, hi, idvec_add, v);
}

/* Building answers */

static void
out_init(struct out *o, struct weft_recon *r)
{
	o->r = r;
	weft_buf_init(&o->body, r->frame_max);
	weft_buf_init(&o->tmp, r->frame_max);
	o->n = 0;
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
range_head(struct grp *g, const struct bound *up, int mode)
{
	if (up->ts == WEFT_RECON_TS_INF) {
		weft_pack_uint(&g->pk, 0);
	} else {
		weft_pack_uint(&g->pk, up->ts - g->prev_ts + 1);
		g->prev_ts = up->ts;
	}
	weft_pack_bin(&g->pk, up->id, up->len);
	weft_pack_uint(&g->pk, (uint64_t)mode);
	g->last = *up;
	g->n++;
}

/* Starts a group whose first range begins at lower (a SKIP fills a gap). */
static void
grp_begin(struct out *o, struct grp *g, const struct bound *lower)
{
	weft_buf_reset(&o->tmp);
	weft_pack_init(&g->pk, &o->tmp);
	g->prev_ts = o->prev_ts;
	g->last = o->last;
	g->n = 0;
	if (bound_cmp(&o->last, lower) != 0) {
		range_head(g, lower, MODE_SKIP);
		weft_pack_nil(&g->pk);
	}
}

static int
grp_commit(struct out *o, struct grp *g, size_t reserve)
{
	int	err;

	err = weft_pack_error(&g->pk);
	if (err == WEFT_ETOOBIG)
		return CUT;
	if (err)
		return err;
	if (o->body.len + o->tmp.len + reserve + HEAD_ROOM > o->r->frame_max)
		return CUT;
	err = weft_buf_add(&o->body, o->tmp.data, o->tmp.len);
	if (err)
		return err;
	o->n += g->n;
	o->prev_ts = g->prev_ts;
	o->last = g->last;
	return 0;
}

/*
 * Answers a range [lower, upper) holding our ranks [lo, hi) that differs
 * from the peer's: our ids when there are few, else fingerprints of
 * `buckets` sub-ranges of (nearly) equal counts.
 */
static int
emit_split(struct out *o, const struct bound *lower, const struct bound *upper,
    uint64_t lo, uint64_t hi, size_t reserve)
{
	struct weft_recon	*r = o->r;
	struct weft_recon_item	 a, c;
	struct idvec		 v;
	struct bound		 ub;
	struct grp		 g;
	uint8_t			 fp[WEFT_RECON_FP_BYTES];
	uint64_t		 m = hi - lo, nb, q, rem, s, e;
	int			 err;

	grp_begin(o, &g, lower);
	if (m <= r->list_max) {
		err = range_ids(r, lo, hi, &v);
		if (err)
			return err;
		range_head(&g, upper, MODE_IDLIST);
		weft_pack_bin(&g.pk, v.ids, v.n * IDB);
		return grp_commit(o, &g, reserve);
	}
	nb = m < r->buckets ? m : r->buckets;
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
			bound_between(&a, &c, &ub);
		}
		err = range_fp(r, s, e, fp);
		if (err)
			return err;
		range_head(&g, &ub, MODE_FP);
		weft_pack_bin(&g.pk, fp, sizeof(fp));
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
	weft_pack_array(&pk, 1 + 4 * o->n);
	weft_pack_uint(&pk, WEFT_RECON_VERSION);
	weft_pack_raw(&pk, o->body.data, o->body.len);
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
	err = emit_split(&o, &lower, &upper, 0, n, 0);
	if (err == CUT)
		err = WEFT_ETOOBIG;	/* cannot happen above the minimum */
	if (err == 0)
		err = out_finish(&o, out);
	out_release(&o);
	return err;
}

/* Receiving */

static int
get_ids(const struct weft_obj *o, const uint8_t **p, size_t *n)
{
	size_t	len;

	if (weft_obj_bin(o, p, &len) != 0 || len % IDB != 0 ||
	    len / IDB > WEFT_RECON_LIST_MAX)
		return WEFT_EPROTO;
	*n = len / IDB;
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

/* DIFF = [ids the sender has and we lack, ids we have and it lacks]. */
static int
on_diff(struct weft_recon *r, const struct weft_obj *payload)
{
	const uint8_t	*a, *b;
	size_t		 na, nb;
	int		 err;

	if (weft_obj_type(payload) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(payload) != 2)
		return WEFT_EPROTO;
	err = get_ids(weft_obj_at(payload, 0), &a, &na);
	if (err == 0)
		err = get_ids(weft_obj_at(payload, 1), &b, &nb);
	if (err)
		return err;
	err = tell(r, WEFT_RECON_NEED, a, na);
	if (err == 0)
		err = tell(r, WEFT_RECON_HAVE, b, nb);
	return err;
}

static int
id_in(const uint8_t *ids, size_t n, const uint8_t *id)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(ids + i * IDB, id, IDB) == 0)
			return 1;
	return 0;
}

static int
on_idlist(struct out *o, const struct bound *lower, const struct bound *upper,
    uint64_t lo, uint64_t hi, const struct weft_obj *payload)
{
	struct weft_recon	*r = o->r;
	struct idvec		 ours;
	struct grp		 g;
	const uint8_t		*theirs;
	uint8_t			 have[WEFT_RECON_LIST_MAX][IDB];
	uint8_t			 need[WEFT_RECON_LIST_MAX][IDB];
	size_t			 k, nh = 0, nn = 0;
	int			 err;

	err = get_ids(payload, &theirs, &k);
	if (err)
		return err;
	/* Too many of ours to list: narrow the range down instead. */
	if (hi - lo > r->list_max)
		return emit_split(o, lower, upper, lo, hi, TAIL_ROOM);
	err = range_ids(r, lo, hi, &ours);
	if (err)
		return err;
	for (size_t i = 0; i < ours.n; i++)
		if (!id_in(theirs, k, ours.ids[i]))
			memcpy(have[nh++], ours.ids[i], IDB);
	for (size_t i = 0; i < k; i++) {
		if (id_in(ours.ids[0], ours.n, theirs + i * IDB) ||
		    id_in(need[0], nn, theirs + i * IDB))
			continue;
		memcpy(need[nn++], theirs + i * IDB, IDB);
	}
	if (nh == 0 && nn == 0)
		return 0;
	grp_begin(o, &g, lower);
	range_head(&g, upper, MODE_DIFF);
	weft_pack_array(&g.pk, 2);
	weft_pack_bin(&g.pk, have, nh * IDB);
	weft_pack_bin(&g.pk, need, nn * IDB);
	err = grp_commit(o, &g, TAIL_ROOM);
	/* Learn only what the peer will learn too: after the commit. */
	if (err == 0)
		err = tell(r, WEFT_RECON_HAVE, have[0], nh);
	if (err == 0)
		err = tell(r, WEFT_RECON_NEED, need[0], nn);
	return err;
}

static int
on_fp(struct out *o, const struct bound *lower, const struct bound *upper,
    uint64_t lo, uint64_t hi, const struct weft_obj *payload)
{
	uint8_t	theirs[WEFT_RECON_FP_BYTES], ours[WEFT_RECON_FP_BYTES];
	int	err;

	if (weft_obj_binn(payload, theirs, sizeof(theirs)) != 0)
		return WEFT_EPROTO;
	err = range_fp(o->r, lo, hi, ours);
	if (err)
		return err;
	if (memcmp(theirs, ours, sizeof(ours)) == 0)
		return 0;
	return emit_split(o, lower, upper, lo, hi, TAIL_ROOM);
}

/* Decodes the upper bound of range i; prev_ts is the previous bound's. */
static int
get_bound(const struct weft_obj *ots, const struct weft_obj *oid,
    uint64_t *prev_ts, struct bound *b)
{
	const uint8_t	*p;
	uint64_t	 code;
	size_t		 len;

	if (weft_obj_uint(ots, &code) != 0 ||
	    weft_obj_bin(oid, &p, &len) != 0 || len > IDB)
		return WEFT_EPROTO;
	bound_zero(b);
	if (code == 0) {
		if (len != 0)
			return WEFT_EPROTO;
		b->ts = WEFT_RECON_TS_INF;
		return 0;
	}
	if (code - 1 >= WEFT_RECON_TS_INF - *prev_ts)
		return WEFT_EPROTO;
	b->ts = *prev_ts + (code - 1);
	*prev_ts = b->ts;
	memcpy(b->id, p, len);
	b->len = (uint8_t)len;
	return 0;
}

int
weft_recon_reconcile(struct weft_recon *r, const uint8_t *msg, size_t len,
    struct weft_buf *dst)
{
	const struct weft_obj	*root, *payload;
	struct weft_msg		 m;
	struct bound		 lower, upper, cut_lower;
	struct out		 o;
	struct grp		 g;
	uint64_t		 ver, mode, prev_ts = 0, lo, hi;
	uint8_t			 fp[WEFT_RECON_FP_BYTES];
	uint32_t		 alen, nr;
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
	alen = weft_obj_len(root);
	if (weft_obj_type(root) != WEFT_OBJ_ARRAY || alen < 1 ||
	    (alen - 1) % 4 != 0 || weft_obj_uint(weft_obj_at(root, 0), &ver)) {
		err = WEFT_EPROTO;
		goto out;
	}
	if (ver != WEFT_RECON_VERSION) {
		err = WEFT_EVERSION;
		goto out;
	}
	nr = (alen - 1) / 4;
	if (nr == 0) {
		/* The peer is done, and so are we. */
		r->done = true;
		goto out;
	}

	bound_zero(&lower);
	for (uint32_t i = 0; i < nr; i++) {
		err = get_bound(weft_obj_at(root, 1 + 4 * i),
		    weft_obj_at(root, 2 + 4 * i), &prev_ts, &upper);
		if (err == 0 && bound_cmp(&upper, &lower) <= 0)
			err = WEFT_EPROTO;
		if (err == 0 &&
		    weft_obj_uint(weft_obj_at(root, 3 + 4 * i), &mode) != 0)
			err = WEFT_EPROTO;
		if (err)
			goto out;
		if (lower.ts == WEFT_RECON_TS_INF) {
			err = WEFT_EPROTO;	/* nothing after infinity */
			goto out;
		}
		payload = weft_obj_at(root, 4 + 4 * i);
		if (cut || mode == MODE_SKIP || mode == MODE_DIFF) {
			if (mode == MODE_SKIP &&
			    weft_obj_type(payload) != WEFT_OBJ_NIL)
				err = WEFT_EPROTO;
			else if (mode == MODE_DIFF)
				err = on_diff(r, payload);
			else if (mode > MODE_DIFF)
				err = WEFT_EPROTO;
			if (err)
				goto out;
			lower = upper;
			continue;
		}
		err = rank_of(r, &lower, &lo);
		if (err == 0)
			err = rank_of(r, &upper, &hi);
		if (err == 0 && hi < lo)
			err = WEFT_ECORRUPT;
		if (err)
			goto out;
		if (mode == MODE_FP)
			err = on_fp(&o, &lower, &upper, lo, hi, payload);
		else if (mode == MODE_IDLIST)
			err = on_idlist(&o, &lower, &upper, lo, hi, payload);
		else
			err = WEFT_EPROTO;
		if (err == CUT) {
			cut = 1;
			cut_lower = lower;
			err = 0;
		}
		if (err)
			goto out;
		lower = upper;
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
		weft_pack_bin(&g.pk, fp, sizeof(fp));
		err = grp_commit(&o, &g, 0);
		if (err == CUT)
			err = WEFT_ETOOBIG;	/* TAIL_ROOM was kept for it */
		if (err)
			goto out;
	}
	/* Nothing left to compare: say so, and finish. */
	if (o.n == 0)
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
