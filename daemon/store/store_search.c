/*
 * The search index and ranked search (docs/proto/store.md, "Search").
 *
 * Ingest side: each design's newest head gives a set of terms (the
 * folded words of its title, tags, file names and description, and one
 * type term per file extension), each with an 8-bit impact, BM25's term
 * frequency part computed once at ingest with fixed parameters. `words`
 * holds, per term, an entry (how many designs hold it, the largest
 * impact ever stored), and for a type term its postings, newest design
 * first; a word's postings are its `wlist` entries only (store_wlist.h:
 * by design number, 128 to a key). `dwords` holds each design's terms
 * with their impacts, to remove them at the next head and to score the
 * other words of a query. `words` changes are batched and applied
 * sorted, as before.
 *
 * Query side: the rarest query term drives, its postings (a word's read
 * from its list by impact: pstream) are merged in score order (idf x impact) across its expansions (a prefix's words);
 * each candidate is checked for the other terms and the filters and
 * scored; the walk stops as soon as no later posting can enter the
 * requested page (max-score pruning), so the first page of a common word
 * reads a few hundred postings, not all of them.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"
#include "weft/words.h"

#include "store_dsum.h"
#include "store_geomrow.h"
#include "store_impl.h"
#include "store_mods.h"
#include "store_wlist.h"

#define TERM_MAX	(WEFT_WORD_MAX + 1)	/* a word, or 0x01 || ext */
#define TERMS_MAX	256			/* per design */
#define TYPE_TAG	0x01
#define EXT_MAX		16
#define SUMMARY_OUT_MAX	DSUM_MAX	/* a summary's map (store_dsum.h) */

/* BM25 parameters, fixed at ingest (docs/proto/store.md). */
#define BM25_K1		1.2
#define BM25_B		0.75
#define BM25_AVGDL	32.0
#define BOOST_TITLE	3
#define BOOST_TAG	2
#define BOOST_FILE	1
#define BOOST_DESC	1

struct term {
	uint8_t		len;
	uint8_t		impact;
	uint16_t	tf;		/* weighted count, capped */
	uint8_t		w[TERM_MAX];
};

struct termset {
	size_t		n;
	uint32_t	dl;		/* weighted words, all fields */
	struct term	t[TERMS_MAX];
};

static struct term *
terms_find(struct termset *ts, const uint8_t *w, size_t n)
{
	for (size_t i = 0; i < ts->n; i++)
		if (ts->t[i].len == n && memcmp(ts->t[i].w, w, n) == 0)
			return &ts->t[i];
	return NULL;
}

static void
terms_add(struct termset *ts, const uint8_t *w, size_t n, unsigned boost)
{
	struct term	*t;

	if (boost > 0 && ts->dl < UINT32_MAX - boost)
		ts->dl += boost;
	t = terms_find(ts, w, n);
	if (t != NULL) {
		t->tf = t->tf + boost > UINT16_MAX ? UINT16_MAX :
		    (uint16_t)(t->tf + boost);
		return;
	}
	if (ts->n == TERMS_MAX)
		return;
	t = &ts->t[ts->n++];
	memcpy(t->w, w, n);
	t->len = (uint8_t)n;
	t->tf = (uint16_t)boost;
	t->impact = 0;
}

struct split_arg {
	struct termset	*ts;
	unsigned	 boost;
};

static int
split_cb(void *arg, const uint8_t *w, size_t n)
{
	struct split_arg	*a = arg;

	terms_add(a->ts, w, n, a->boost);
	return 0;
}

static void
terms_text(struct termset *ts, const char *s, unsigned boost)
{
	struct split_arg	a = { ts, boost };

	if (s != NULL)
		weft_words_split(s, strlen(s), split_cb, &a);
}

/*
 * The type term of a file path: 0x01 || its extension (after the last
 * '.' of the last component, 1..16 ASCII letters and digits, folded to
 * lower case). 0 when the path has none.
 */
static size_t
type_term(uint8_t out[1 + EXT_MAX], const char *path)
{
	const char	*base = strrchr(path, '/'), *dot;
	size_t		 n;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return 0;
	n = strlen(dot + 1);
	if (n == 0 || n > EXT_MAX)
		return 0;
	out[0] = TYPE_TAG;
	for (size_t i = 0; i < n; i++) {
		char	c = dot[1 + i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
		out[1 + i] = (uint8_t)c;
	}
	return 1 + n;
}

/* 0x01 || ext for a --type filter; 0 when ext is not a valid one. */
static size_t
type_filter_term(uint8_t out[1 + EXT_MAX], const char *ext)
{
	char	p[2 + EXT_MAX + 1];
	size_t	n = strlen(ext);

	if (n == 0 || n > EXT_MAX)
		return 0;
	p[0] = 'x';
	p[1] = '.';
	memcpy(p + 2, ext, n + 1);
	return type_term(out, p);
}

/* BM25's term frequency part, scaled to 1..255 (docs/proto/store.md). */
static uint8_t
impact_of(unsigned tf, uint32_t dl)
{
	double	norm, f;
	long	q;

	norm = BM25_K1 * (1.0 - BM25_B + BM25_B * (double)dl / BM25_AVGDL);
	f = (double)tf / ((double)tf + norm);	/* in (0, 1) */
	q = 1 + (long)(254.0 * f);
	return q > 255 ? 255 : (uint8_t)q;
}

static void
terms_of_rev(struct termset *ts, const struct weft_record *r)
{
	uint8_t	tt[1 + EXT_MAX];
	size_t	n;

	ts->n = 0;
	ts->dl = 0;
	terms_text(ts, r->title, BOOST_TITLE);
	for (uint32_t i = 0; i < r->ntags; i++)
		terms_text(ts, r->tags[i], BOOST_TAG);
	for (uint32_t i = 0; i < r->nfiles; i++)
		terms_text(ts, r->files[i].path, BOOST_FILE);
	terms_text(ts, r->description, BOOST_DESC);
	for (size_t i = 0; i < ts->n; i++)
		ts->t[i].impact = impact_of(ts->t[i].tf, ts->dl);
	/* Type terms: filters only, never scored (impact 0). */
	for (uint32_t i = 0; i < r->nfiles; i++) {
		n = type_term(tt, r->files[i].path);
		if (n > 0)
			terms_add(ts, tt, n, 0);
	}
}

static void
dkey(uint8_t k[DKEY], uint64_t created, const uint8_t design[ID])
{
	be64enc(k, created);
	memcpy(k + 8, design, ID);
}

/*
 * dwords value: be32 design number || (len(1) || term || impact(1)),
 * repeated. *terms: the pairs alone.
 */
static int
dwords_split(const MDB_val *v, uint32_t *num, MDB_val *terms)
{
	const uint8_t	*p = v->mv_data;

	if (v->mv_size < 4)
		return WEFT_ECORRUPT;
	*num = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	terms->mv_data = (uint8_t *)v->mv_data + 4;
	terms->mv_size = v->mv_size - 4;
	return 0;
}

static int
dwords_parse(const MDB_val *dv, struct termset *ts, uint32_t *num)
{
	const uint8_t	*p;
	size_t		 n, off = 0, tl;
	MDB_val		 tv;
	int		 err;

	ts->n = 0;
	err = dwords_split(dv, num, &tv);
	if (err)
		return err;
	p = tv.mv_data;
	n = tv.mv_size;
	while (off < n) {
		tl = p[off++];
		if (tl < WEFT_WORD_MIN || tl > TERM_MAX || tl + 1 > n - off ||
		    ts->n == TERMS_MAX)
			return WEFT_ECORRUPT;
		memcpy(ts->t[ts->n].w, p + off, tl);
		ts->t[ts->n].len = (uint8_t)tl;
		ts->t[ts->n].impact = p[off + tl];
		ts->n++;
		off += tl + 1;
	}
	return 0;
}

/* Key of the posting of term t for design dk. */
#define WKEY_MAX	(TERM_MAX + 2 + DKEY)

static size_t
posting_key(uint8_t *k, const uint8_t *w, size_t wl, uint8_t impact,
    const uint8_t dk[DKEY])
{
	memcpy(k, w, wl);
	k[wl] = 0;
	k[wl + 1] = (uint8_t)(255 - impact);
	be64enc(k + wl + 2, ~be64dec(dk));
	memcpy(k + wl + 10, dk + 8, ID);
	return wl + 2 + DKEY;
}

/*
 * Deferred changes to `words` of a batch: postings put or deleted, and
 * term entries' counts changed. At most WB_MAX; applied sorted by key
 * (then in the order they were made) through one cursor.
 */
#define WB_MAX		(1u << 16)

enum { WP_DEL, WP_PUT, WP_DF };

struct wpost {
	uint8_t		key[WKEY_MAX];
	uint8_t		klen;
	uint8_t		kind;
	int8_t		delta;	/* WP_DF: +1 or -1 */
	uint8_t		impact;	/* WP_DF: of the posting put, or 0 */
	uint32_t	seq;
};

struct weft__words_batch {
	struct wpost	*v;
	uint32_t	 n;
};

int
weft__store_words_batch_begin(struct weft_store *s)
{
	struct weft__words_batch	*b;

	if (s->words_batch != NULL)
		return WEFT_EUSAGE;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	s->words_batch = b;
	return 0;
}

void
weft__store_words_batch_end(struct weft_store *s)
{
	if (s->words_batch == NULL)
		return;
	free(s->words_batch->v);
	free(s->words_batch);
	s->words_batch = NULL;
}

static int
wpost_cmp(const void *a, const void *b)
{
	const struct wpost	*x = a, *y = b;
	size_t			 n = x->klen < y->klen ? x->klen : y->klen;
	int			 c;

	c = memcmp(x->key, y->key, n);
	if (c == 0)
		c = (x->klen > y->klen) - (x->klen < y->klen);
	if (c == 0)
		c = (x->seq > y->seq) - (x->seq < y->seq);
	return c;
}

/* Adds delta to the count of the term entry k, raising its max impact. */
static int
df_apply(MDB_cursor *c, const uint8_t *key, size_t klen, long delta,
    uint8_t impact)
{
	MDB_val		k = { klen, (void *)key }, v;
	uint8_t		val[5];
	long		df = 0;
	uint8_t		mx = 0;
	int		rc;

	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == 0) {
		if (v.mv_size != 5)
			return MDB_CORRUPTED;
		df = (long)(((uint32_t)((uint8_t *)v.mv_data)[0] << 24) |
		    ((uint32_t)((uint8_t *)v.mv_data)[1] << 16) |
		    ((uint32_t)((uint8_t *)v.mv_data)[2] << 8) |
		    ((uint8_t *)v.mv_data)[3]);
		mx = ((uint8_t *)v.mv_data)[4];
	} else if (rc != MDB_NOTFOUND) {
		return rc;
	}
	df += delta;
	if (df < 0 || df > (long)UINT32_MAX)
		return MDB_CORRUPTED;
	if (df == 0)
		return rc == 0 ? mdb_cursor_del(c, 0) : 0;
	if (impact > mx)
		mx = impact;
	val[0] = (uint8_t)(df >> 24);
	val[1] = (uint8_t)(df >> 16);
	val[2] = (uint8_t)(df >> 8);
	val[3] = (uint8_t)df;
	val[4] = mx;
	k.mv_size = klen;
	k.mv_data = (void *)key;
	v.mv_size = 5;
	v.mv_data = val;
	return mdb_cursor_put(c, &k, &v, 0);
}

static int
wpost_apply(MDB_cursor *c, const struct wpost *p)
{
	MDB_val	k = { p->klen, (void *)p->key }, v = { 0, "" };
	int	rc;

	if (p->kind == WP_PUT)
		return mdb_cursor_put(c, &k, &v, 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_del(c, 0);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
weft__store_words_batch_flush(struct weft_store *s, MDB_txn *txn)
{
	struct weft__words_batch	*b = s->words_batch;
	struct wpost			*p;
	MDB_cursor			*c;
	long				 delta;
	uint8_t				 imp;
	uint32_t			 i, j;
	int				 rc = 0;

	if (b == NULL || b->n == 0)
		return 0;
	qsort(b->v, b->n, sizeof(*b->v), wpost_cmp);
	rc = mdb_cursor_open(txn, s->dbi[DB_WORDS], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (i = 0; i < b->n && rc == 0; i = j) {
		p = &b->v[i];
		for (j = i + 1; j < b->n && b->v[j].klen == p->klen &&
		    memcmp(b->v[j].key, p->key, p->klen) == 0; j++)
			;
		if (p->kind == WP_DF) {
			/* Every change of this key is a count change. */
			delta = 0;
			imp = 0;
			for (uint32_t m = i; m < j; m++) {
				delta += b->v[m].delta;
				if (b->v[m].impact > imp)
					imp = b->v[m].impact;
			}
			if (delta != 0 || imp != 0)
				rc = df_apply(c, p->key, p->klen, delta, imp);
		} else {
			rc = wpost_apply(c, &b->v[j - 1]);	/* last wins */
		}
	}
	mdb_cursor_close(c);
	b->n = 0;
	return weft__store_xlat(rc);
}

static int
words_change(struct weft_store *s, MDB_txn *txn, const uint8_t *k,
    size_t klen, int kind, int delta, uint8_t impact)
{
	struct weft__words_batch	*b = s->words_batch;
	struct wpost			*p, one;
	MDB_cursor			*c;
	int				 err, rc;

	if (b == NULL) {
		memcpy(one.key, k, klen);
		one.klen = (uint8_t)klen;
		one.kind = (uint8_t)kind;
		rc = mdb_cursor_open(txn, s->dbi[DB_WORDS], &c);
		if (rc)
			return weft__store_xlat(rc);
		rc = kind == WP_DF ? df_apply(c, k, klen, delta, impact) :
		    wpost_apply(c, &one);
		mdb_cursor_close(c);
		return weft__store_xlat(rc);
	}
	if (b->v == NULL) {
		b->v = malloc(WB_MAX * sizeof(*b->v));
		if (b->v == NULL)
			return -ENOMEM;
	}
	if (b->n == WB_MAX) {
		err = weft__store_words_batch_flush(s, txn);
		if (err)
			return err;
	}
	p = &b->v[b->n];
	memcpy(p->key, k, klen);
	p->klen = (uint8_t)klen;
	p->kind = (uint8_t)kind;
	p->delta = (int8_t)delta;
	p->impact = impact;
	p->seq = b->n++;
	return 0;
}

/*
 * Posts the changes from the terms old to the terms cur of design dk: a
 * term gone loses its posting and one from its count, a new one gains
 * both, a term whose impact changed moves its posting. A posting is the
 * design's `wlist` entry, and for a type term its `words` key too.
 */
static int
terms_diff(struct weft_store *s, MDB_txn *txn, const uint8_t dk[DKEY],
    uint32_t num, struct termset *old, struct termset *cur)
{
	uint8_t		 key[WKEY_MAX];
	struct term	*t, *o;
	int		 err = 0;

	for (size_t i = 0; i < old->n && err == 0; i++) {
		t = &old->t[i];
		o = terms_find(cur, t->w, t->len);
		if (o != NULL && o->impact == t->impact)
			continue;
		/* The entry's key, term || 0x00, heads the posting's. */
		posting_key(key, t->w, t->len, t->impact, dk);
		if (t->w[0] == TYPE_TAG)
			err = words_change(s, txn, key, t->len + 2u + DKEY,
			    WP_DEL, 0, 0);
		if (err == 0 && o == NULL)
			err = words_change(s, txn, key, t->len + 1u, WP_DF,
			    -1, 0);
		if (err == 0 && o == NULL)
			err = wlist_del(s, txn, t->w, t->len, num);
	}
	for (size_t i = 0; i < cur->n && err == 0; i++) {
		t = &cur->t[i];
		o = terms_find(old, t->w, t->len);
		if (o != NULL && o->impact == t->impact)
			continue;
		posting_key(key, t->w, t->len, t->impact, dk);
		if (t->w[0] == TYPE_TAG)
			err = words_change(s, txn, key, t->len + 2u + DKEY,
			    WP_PUT, 0, 0);
		if (err == 0)
			err = words_change(s, txn, key, t->len + 1u, WP_DF,
			    o == NULL ? 1 : 0, t->impact);
		if (err == 0)
			err = wlist_set(s, txn, t->w, t->len, num,
			    t->impact);
	}
	return err;
}

static int
search_update(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    uint64_t created, const struct weft_record *hr, int fresh)
{
	struct termset	*old, *cur;
	MDB_val		 v, tv;
	uint8_t		 dk[DKEY], *packed;
	size_t		 plen = 4;
	uint32_t	 num = 0;
	int		 err = 0, had = 0, same = 0;

	old = malloc(2 * sizeof(*old) + 4 + TERMS_MAX * (2 + TERM_MAX));
	if (old == NULL)
		return -ENOMEM;
	cur = old + 1;
	packed = (uint8_t *)(cur + 1);	/* number first, set below */
	old->n = 0;
	terms_of_rev(cur, hr);
	for (size_t i = 0; i < cur->n; i++) {
		packed[plen++] = cur->t[i].len;
		memcpy(packed + plen, cur->t[i].w, cur->t[i].len);
		plen += cur->t[i].len;
		packed[plen++] = cur->t[i].impact;
	}
	dkey(dk, created, design);
	if (!fresh) {
		/* Compared now: v points into the map until the next write. */
		err = db_get(txn, s->dbi[DB_DWORDS], dk, DKEY, &v);
		if (err == 0) {
			had = 1;
			err = dwords_split(&v, &num, &tv);
			same = err == 0 && tv.mv_size == plen - 4 &&
			    memcmp(tv.mv_data, packed + 4, plen - 4) == 0;
			if (err == 0)
				err = dwords_parse(&v, old, &num);
		} else if (err == WEFT_ENOTFOUND) {
			err = 0;
		}
	}
	/* A design has a number while it has terms. */
	if (err == 0 && !same && !had && cur->n > 0)
		err = dnum_new(s, txn, dk, &num);
	if (err == 0 && !same)
		err = terms_diff(s, txn, dk, num, old, cur);
	if (err == 0 && !same) {
		packed[0] = (uint8_t)(num >> 24);
		packed[1] = (uint8_t)(num >> 16);
		packed[2] = (uint8_t)(num >> 8);
		packed[3] = (uint8_t)num;
		if (cur->n == 0 && had)
			err = db_del(txn, s->dbi[DB_DWORDS], dk, DKEY);
		if (err == 0 && cur->n == 0 && had)
			err = dnum_del(s, txn, num);
		else if (err == 0 && cur->n > 0)
			err = store_put(s, txn, DB_DWORDS, dk, DKEY, packed,
			    plen);
	}
	free(old);
	return err;
}

/* The newest head of design dk (by (ts, id) in `dheads`) into head. */
static int
newest_head(struct weft_store *s, MDB_txn *txn, const uint8_t dk[DKEY],
    uint8_t head[ID])
{
	struct weft__rev	last;
	int			err;

	err = weft__store_rev_last(s, txn, DB_HEADS, dk, &last);
	if (err == 0)
		memcpy(head, last.id, ID);
	/* Every design has a head: a DAG has a maximal element. */
	return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
}

/* Indexes design dk from its newest head; r (id) may be that head. */
static int
search_design(struct weft_store *s, MDB_txn *txn, const uint8_t dk[DKEY],
    const struct weft_record *r, const uint8_t *id, int fresh)
{
	struct weft_record	loaded;
	uint8_t			head[ID];
	int			err;

	err = newest_head(s, txn, dk, head);
	if (err)
		return err;
	if (r != NULL && memcmp(head, id, ID) == 0)
		return search_update(s, txn, dk + 8, be64dec(dk), r, fresh);
	weft_record_init(&loaded);
	err = weft__store_rec_load_named(s, txn, head, &loaded);
	if (err == 0)
		err = search_update(s, txn, dk + 8, be64dec(dk), &loaded,
		    fresh);
	weft_record_release(&loaded);
	return err;
}

int
weft__store_search_rev(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	uint8_t	dk[DKEY];
	int	err;

	if (!r->has_design) {
		/* A genesis is its design's only revision so far. */
		dkey(dk, r->ts, id);
		return search_update(s, txn, id, r->ts, r, 1);
	}
	err = weft__store_design_key(s, txn, r->design, dk);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	/* Unchanged terms (a head that kept its text) write nothing. */
	return search_design(s, txn, dk, r, id, 0);
}

int
weft__store_search_drop(struct weft_store *s, MDB_txn *txn,
    const uint8_t dk[DKEY])
{
	struct termset	*old, *cur;
	MDB_val		 v;
	uint32_t	 num;
	int		 err;

	err = db_get(txn, s->dbi[DB_DWORDS], dk, DKEY, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	old = malloc(2 * sizeof(*old));
	if (old == NULL)
		return -ENOMEM;
	cur = old + 1;
	cur->n = 0;
	cur->dl = 0;
	err = dwords_parse(&v, old, &num);
	if (err == 0)
		err = terms_diff(s, txn, dk, num, old, cur);
	if (err == 0)
		err = db_del(txn, s->dbi[DB_DWORDS], dk, DKEY);
	if (err == 0)
		err = dnum_del(s, txn, num);
	free(old);
	return err;
}

/*
 * The rebuild of the word index (an upgrade) runs in bounded write
 * transactions: begin() empties the tables and leaves the mark
 * `words_rebuild` in `meta`, the dsum key to go on after (empty: from
 * the start); each step() indexes at most WEFT_REBUILD_STEP designs
 * after it and moves it, or deletes it at the end. A crash between
 * steps leaves the mark: the next open goes on from there.
 */
#define REBUILD_MARK	"words_rebuild"
#define REBUILD_MARKLEN	13

size_t	weft__store_rebuild_step = 20000;

int
weft__store_words_rebuild_begin(struct weft_store *s, MDB_txn *txn)
{
	int	rc, err;

	rc = mdb_drop(txn, s->dbi[DB_WORDS], 0);
	if (rc == 0)
		rc = mdb_drop(txn, s->dbi[DB_DWORDS], 0);
	if (rc)
		return weft__store_xlat(rc);
	err = wlist_clear(s, txn);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_META], REBUILD_MARK,
		    REBUILD_MARKLEN, "", 0);
	return err;
}

/*
 * Format 8 -> 9: `words` loses the postings of words, which `wlist`
 * holds too (a type term keeps its postings). The resumable rebuild
 * writes exactly that, and numbers the designs in creation order.
 */
int
weft__store_search_upgrade9(struct weft_store *s, MDB_txn *txn)
{
	return weft__store_words_rebuild_begin(s, txn);
}

int
weft__store_words_rebuild_pending(struct weft_store *s, MDB_txn *txn)
{
	return db_has(txn, s->dbi[DB_META], REBUILD_MARK, REBUILD_MARKLEN);
}

int
weft__store_words_rebuild_step(struct weft_store *s, MDB_txn *txn,
    void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 dk[DKEY];
	size_t		 done = 0;
	int		 err = 0, rc, own;

	(void)arg;
	err = db_get(txn, s->dbi[DB_META], REBUILD_MARK, REBUILD_MARKLEN, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	if (v.mv_size != 0 && v.mv_size != DKEY)
		return WEFT_ECORRUPT;
	memcpy(dk, v.mv_data, v.mv_size);
	rc = mdb_cursor_open(txn, s->dbi[DB_DESIGNS], &c);
	if (rc)
		return weft__store_xlat(rc);
	/* Postings sorted in batches, as ingest writes them. */
	own = s->words_batch == NULL;
	if (own && (err = weft__store_words_batch_begin(s)) != 0) {
		mdb_cursor_close(c);
		return err;
	}
	if (v.mv_size == 0) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	} else {
		k.mv_size = DKEY;
		k.mv_data = dk;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == DKEY &&
		    memcmp(k.mv_data, dk, DKEY) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	while (rc == 0 && done < weft__store_rebuild_step) {
		if (k.mv_size != DKEY) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(dk, k.mv_data, DKEY);
		err = search_design(s, txn, dk, NULL, NULL, 1);
		if (err)
			break;
		done++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	if (err == 0 && own)
		err = weft__store_words_batch_flush(s, txn);
	if (own)
		weft__store_words_batch_end(s);
	if (err)
		return err;
	if (rc == MDB_NOTFOUND)
		return db_del(txn, s->dbi[DB_META], REBUILD_MARK,
		    REBUILD_MARKLEN);
	return db_put(txn, s->dbi[DB_META], REBUILD_MARK, REBUILD_MARKLEN, dk,
	    DKEY);
}

/* Query side */

#define QTERMS_MAX	16	/* words of a query */
#define EXP_MAX		32	/* words a prefix expands to, most common */
#define EXP_SCAN	4096	/* words a prefix may look at */
#define PREFIX_W	0.5	/* weight of a word a prefix only begins */

struct expn {
	uint8_t		 w[TERM_MAX];
	uint8_t		 len;
	uint8_t		 maximp;
	uint32_t	 df;
	double		 idf;		/* weight: word_weight() */
	MDB_cursor	*c;		/* driver only */
	bool		 live;
	double		 head;		/* score of the cursor's posting */
	uint8_t		 dk[DKEY];
	/* A word's postings, read from its list by impact (pstream). */
	struct pstream	*ps;
};

struct qterm {
	uint8_t		w[TERM_MAX];
	uint8_t		len;
	bool		prefix;
	bool		scored;		/* false: a type filter */
	bool		truncated;	/* a prefix with more than EXP_MAX */
	size_t		nexp;
	struct expn	exp[EXP_MAX];
	uint64_t	dfsum;
	double		idf;		/* of the term: all its words as one */
	double		ub;		/* most it adds to a score */
};

struct hit {
	double		score;
	uint64_t	seq;
	uint64_t	count;		/* by_count */
	uint8_t		dk[DKEY];
};

struct query {
	struct weft_store		*s;
	MDB_txn				*txn;
	const struct weft_store_query	*f;
	uint64_t			 ndesigns;
	struct qterm			*t;
	size_t				 nt;
	size_t				 drv;
	uint8_t				 tagpfx[WEFT_TAG_MAX + 1];
	size_t				 taglen;
	MDB_cursor			*infocur;	/* short ids */
	struct weft_buf			 out;		/* a summary */
	uint8_t				 name_of[WEFT_PK_BYTES];
	char				 name[WEFT_PNAME_MAX + 1];
	bool				 name_ok;
	/* weft_store_search_keys(): positions instead of summaries */
	bool				 collect;
	bool				 count_only;	/* emit nothing */
	uint8_t				*keys;
	size_t				 nkeys, keycap;
	/* results */
	struct hit			*h;
	size_t				 nh, cap, k;	/* k 0: keep all */
	uint64_t			 matched, scanned;
	/* designs seen, when the driver has several words */
	struct seen_slot		*seen;
	size_t				 nseen, seencap;
};

static double
idf_of(uint64_t n, uint64_t df)
{
	if (df > n)
		n = df;
	return log(1.0 + ((double)(n - df) + 0.5) / ((double)df + 0.5));
}

static int
entry_parse(const MDB_val *v, uint32_t *df, uint8_t *maximp)
{
	const uint8_t	*p = v->mv_data;

	if (v->mv_size != 5)
		return WEFT_ECORRUPT;
	*df = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
	*maximp = p[4];
	return 0;
}

static void
expn_set(struct expn *e, const uint8_t *w, size_t n, uint32_t df,
    uint8_t mx)
{
	memcpy(e->w, w, n);
	e->len = (uint8_t)n;
	e->df = df;
	e->maximp = mx;
}

/* The weight of a word of term t: its idf, halved for a longer word. */
static double
word_weight(const struct qterm *t, size_t wl)
{
	return wl == t->len ? t->idf : t->idf * PREFIX_W;
}

/* Keeps the EXP_MAX most common words: replaces the rarest when full. */
static void
expn_offer(struct qterm *t, const uint8_t *w, size_t n,
    uint32_t df, uint8_t mx)
{
	size_t	lo = 0;

	if (t->nexp < EXP_MAX) {
		expn_set(&t->exp[t->nexp++], w, n, df, mx);
		return;
	}
	t->truncated = true;
	for (size_t i = 1; i < t->nexp; i++)
		if (t->exp[i].df < t->exp[lo].df)
			lo = i;
	if (df > t->exp[lo].df)
		expn_set(&t->exp[lo], w, n, df, mx);
}

/* Finds the words of query term t: itself, or every word it begins. */
static int
qterm_expand(struct query *q, struct qterm *t)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 seek[TERM_MAX + 1];
	const uint8_t	*kp;
	uint32_t	 df;
	uint8_t		 mx;
	size_t		 wl, looked = 0;
	int		 err, rc;

	t->nexp = 0;
	if (!t->prefix) {
		memcpy(seek, t->w, t->len);
		seek[t->len] = 0;
		err = db_get(q->txn, q->s->dbi[DB_WORDS], seek, t->len + 1u,
		    &v);
		if (err == WEFT_ENOTFOUND)
			return 0;
		if (err == 0)
			err = entry_parse(&v, &df, &mx);
		if (err == 0)
			expn_set(&t->exp[t->nexp++], t->w, t->len, df, mx);
		return err;
	}
	rc = mdb_cursor_open(q->txn, q->s->dbi[DB_WORDS], &c);
	if (rc)
		return weft__store_xlat(rc);
	memcpy(seek, t->w, t->len);
	k.mv_data = seek;
	k.mv_size = t->len;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	err = 0;
	while (rc == 0 && looked < EXP_SCAN) {
		kp = k.mv_data;
		if (k.mv_size < t->len || memcmp(kp, t->w, t->len) != 0)
			break;
		/* Every word's entry comes before its postings. */
		kp = memchr(k.mv_data, 0, k.mv_size);
		wl = kp != NULL ? (size_t)(kp - (const uint8_t *)k.mv_data) : 0;
		if (kp == NULL || wl + 1 != k.mv_size || wl > TERM_MAX) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = entry_parse(&v, &df, &mx);
		if (err)
			break;
		expn_offer(t, k.mv_data, wl, df, mx);
		looked++;
		/* Past this word's postings: word || 0x01. */
		memcpy(seek, k.mv_data, wl);
		seek[wl] = 1;
		k.mv_data = seek;
		k.mv_size = wl + 1;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	}
	if (looked == EXP_SCAN)
		t->truncated = true;
	mdb_cursor_close(c);
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	return err;
}

/*
 * A word's postings in the order of the key `words` held for them up to
 * format 8: impact, highest first, then newest design first (created
 * descending, then design id ascending). They are its `wlist` entries,
 * by design number: a first pass over the list counts the designs of
 * each impact; then each fill takes the next impacts down, at least
 * PS_CHUNK designs (or one whole impact), in one more pass, looks their
 * numbers up in `dnum` and sorts them. A first page reads two passes
 * and one chunk; the memory is one chunk.
 */
#define PS_CHUNK	2048

struct pent {
	uint8_t		dk[DKEY];
	uint8_t		imp;
};

struct pstream {
	MDB_cursor	*wc;		/* wlist */
	MDB_cursor	*dc;		/* dnum */
	uint8_t		 pfx[TERM_MAX + 1];
	size_t		 plen;
	uint64_t	 hist[256];	/* designs of each impact */
	int		 next;		/* highest impact not yet read */
	struct pent	*v;
	size_t		 n, i, cap;
};

static void
pstream_free(struct pstream *ps)
{
	if (ps == NULL)
		return;
	if (ps->wc != NULL)
		mdb_cursor_close(ps->wc);
	if (ps->dc != NULL)
		mdb_cursor_close(ps->dc);
	free(ps->v);
	free(ps);
}

/*
 * One pass over the word's blocks: counts (lo > hi) or collects the
 * designs whose impact is within lo..hi.
 */
static int
pstream_pass(struct pstream *ps, int lo, int hi)
{
	MDB_val		 k, v;
	uint32_t	 num[WL_MAX];
	uint8_t		 imp[WL_MAX];
	size_t		 n;
	int		 err;

	err = weft__store_cur_first(ps->wc, ps->pfx, ps->plen, &k, &v);
	while (err == 0) {
		err = wlist_decode(&k, ps->plen, &v, num, imp, &n);
		for (size_t j = 0; j < n && err == 0; j++) {
			if (lo > hi) {
				ps->hist[imp[j]]++;
				continue;
			}
			if (imp[j] < lo || imp[j] > hi)
				continue;
			if (ps->n == ps->cap)
				return WEFT_ECORRUPT;	/* counted fewer */
			ps->v[ps->n].imp = imp[j];
			err = dnum_get(ps->dc, num[j], ps->v[ps->n].dk);
			ps->n++;
		}
		if (err == 0)
			err = weft__store_cur_step(ps->wc, ps->pfx, ps->plen,
			    &k, &v, MDB_NEXT);
	}
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* Impact first, then newest, then by design id. */
static int
pent_cmp(const void *a, const void *b)
{
	const struct pent	*x = a, *y = b;
	int			 c;

	if (x->imp != y->imp)
		return x->imp > y->imp ? -1 : 1;
	c = memcmp(x->dk, y->dk, 8);
	if (c != 0)
		return -c;
	return memcmp(x->dk + 8, y->dk + 8, ID);
}

/* Reads the next chunk of impacts; ps->n 0: none left. */
static int
pstream_fill(struct pstream *ps)
{
	struct pent	*nv;
	uint64_t	 want = 0;
	int		 hi, lo;
	int		 err;

	ps->n = ps->i = 0;
	while (ps->next >= 0 && ps->hist[ps->next] == 0)
		ps->next--;
	if (ps->next < 0)
		return 0;
	hi = lo = ps->next;
	want = ps->hist[lo];
	while (lo > 0 && want < PS_CHUNK) {
		lo--;
		want += ps->hist[lo];
	}
	if (want > ps->cap) {
		nv = realloc(ps->v, want * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		ps->v = nv;
		ps->cap = want;
	}
	err = pstream_pass(ps, lo, hi);
	if (err)
		return err;
	if (ps->n != want)
		return WEFT_ECORRUPT;
	qsort(ps->v, ps->n, sizeof(*ps->v), pent_cmp);
	ps->next = lo - 1;
	return 0;
}

static int
pstream_open(struct query *q, struct expn *e)
{
	struct pstream	*ps;
	int		 rc, err;

	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return -ENOMEM;
	e->ps = ps;
	memcpy(ps->pfx, e->w, e->len);
	ps->pfx[e->len] = 0;
	ps->plen = e->len + 1u;
	ps->next = 255;
	rc = mdb_cursor_open(q->txn, q->s->dbi[DB_WLIST], &ps->wc);
	if (rc == 0)
		rc = mdb_cursor_open(q->txn, q->s->dbi[DB_DNUM], &ps->dc);
	if (rc)
		return weft__store_xlat(rc);
	err = pstream_pass(ps, 1, 0);	/* count */
	if (err == 0)
		err = pstream_fill(ps);
	return err;
}

/* Moves the driver's cursor of e to its next posting. */
static int
expn_step(struct query *q, struct expn *e, MDB_cursor_op op)
{
	MDB_val		 k, v;
	const uint8_t	*kp;
	uint8_t		 pfx[TERM_MAX + 1];
	int		 err;

	if (e->w[0] != TYPE_TAG) {
		/* A word: its list, by impact. */
		if (op == MDB_FIRST)
			err = pstream_open(q, e);
		else if (++e->ps->i == e->ps->n)
			err = pstream_fill(e->ps);
		else
			err = 0;
		if (err)
			return err;
		e->live = e->ps->i < e->ps->n;
		if (!e->live)
			return 0;
		memcpy(e->dk, e->ps->v[e->ps->i].dk, DKEY);
		e->head = e->idf * e->ps->v[e->ps->i].imp;
		return 0;
	}
	/* A type term: its postings in `words`. */
	memcpy(pfx, e->w, e->len);
	pfx[e->len] = 0;
	if (op == MDB_FIRST) {
		err = weft__store_cur_first(e->c, pfx, e->len + 1u, &k, &v);
		/* The first key is the word's entry. */
		if (err == 0)
			err = weft__store_cur_step(e->c, pfx, e->len + 1u, &k,
			    &v, MDB_NEXT);
	} else {
		err = weft__store_cur_step(e->c, pfx, e->len + 1u, &k, &v,
		    MDB_NEXT);
	}
	if (err == WEFT_ENOTFOUND) {
		e->live = false;
		return 0;
	}
	if (err)
		return err;
	if (k.mv_size != e->len + 2u + DKEY)
		return WEFT_ECORRUPT;
	kp = (const uint8_t *)k.mv_data + e->len + 1;
	be64enc(e->dk, ~be64dec(kp + 1));
	memcpy(e->dk + 8, kp + 9, ID);
	e->head = e->idf * (255 - kp[0]);	/* 0 for a type term */
	e->live = true;
	return 0;
}

/* The best contribution of term t to the design whose terms are dv. */
static int
term_score(const struct qterm *t, const MDB_val *dv, double *out,
    bool *found)
{
	const uint8_t	*p = dv->mv_data;
	size_t		 off = 0, tl;
	double		 best = 0, sc;
	bool		 any = false;

	while (off < dv->mv_size) {
		tl = p[off++];
		if (tl + 1 > dv->mv_size - off)
			return WEFT_ECORRUPT;
		if ((tl == t->len || (t->prefix && tl > t->len)) &&
		    memcmp(p + off, t->w, t->len) == 0) {
			any = true;
			if (!t->scored)
				break;
			sc = word_weight(t, tl) * p[off + tl];
			if (sc > best)
				best = sc;
		}
		off += tl + 1;
	}
	*out = best;
	*found = any;
	return 0;
}

/* Leading hex digits a and b (n bytes each) share. */
static unsigned
hex_common(const uint8_t *a, const uint8_t *b, size_t n)
{
	unsigned	d = 0;

	for (size_t i = 0; i < n; i++, d += 2) {
		if (a[i] == b[i])
			continue;
		return (a[i] >> 4) == (b[i] >> 4) ? d + 1 : d;
	}
	return d;
}

/* Raises *best to what k shares with id. */
static void
short_near(const MDB_val *k, const uint8_t id[ID], unsigned *best)
{
	unsigned	d;

	if (k->mv_size != ID || memcmp(k->mv_data, id, ID) == 0)
		return;
	d = hex_common(k->mv_data, id, ID);
	if (d > *best)
		*best = d;
}

/* The short id length of id, with c a cursor on `info`. */
static int
short_len_cur(MDB_cursor *c, const uint8_t id[ID], unsigned *len)
{
	MDB_val		 k, v;
	unsigned	 best = 0;
	int		 rc;

	/*
	 * The ids next to id in `info` share the longest prefixes: one
	 * descent, then steps either way.
	 */
	k.mv_size = ID;
	k.mv_data = (void *)id;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND) {
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
		if (rc == 0)
			short_near(&k, id, &best);
	} else if (rc == 0 && (k.mv_size != ID ||
	    memcmp(k.mv_data, id, ID) != 0)) {
		short_near(&k, id, &best);	/* the one after */
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
		if (rc == 0)
			short_near(&k, id, &best);
	} else if (rc == 0) {
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
		if (rc == 0) {
			short_near(&k, id, &best);
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		} else if (rc == MDB_NOTFOUND) {
			k.mv_size = ID;		/* id is the first */
			k.mv_data = (void *)id;
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		}
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		if (rc == 0)
			short_near(&k, id, &best);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return weft__store_xlat(rc);
	*len = best + 1 < WEFT_SHORT_MIN ? WEFT_SHORT_MIN :
	    best + 1 > 2 * ID ? 2 * ID : best + 1;
	return 0;
}


/*
 * The short id length of id, a key of `info` (c a cursor on it): an id
 * whose first IDSHARE_PFX bytes no other id of `info` has (not in
 * `idshare`: almost every id) shares at most 7 hex digits with its
 * neighbours, so its length is WEFT_SHORT_MIN without a look at `info`.
 */
static int
short_len_known(struct weft_store *s, MDB_txn *txn, MDB_cursor *c,
    const uint8_t id[ID], unsigned *len)
{
	int	err;

	err = db_has(txn, s->dbi[DB_IDSHARE], id, ID);
	if (err == WEFT_ENOTFOUND) {
		*len = WEFT_SHORT_MIN;
		return 0;
	}
	return err ? err : short_len_cur(c, id, len);
}

static int
short_len_q(struct query *q, const uint8_t id[ID], unsigned *len)
{
	return short_len_known(q->s, q->txn, q->infocur, id, len);
}

/* The decoded summary of dk, pointing into the map. */
static int
dsum_get(struct query *q, const uint8_t dk[DKEY], struct dsum *d)
{
	MDB_val	v;
	int	err;

	err = db_get(q->txn, q->s->dbi[DB_DESIGNS], dk, DKEY, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	return dsum_decode(dk, v.mv_data, v.mv_size, d);
}

/* 0 if the summary of dk has this license, else WEFT_ENOTFOUND. */
static int
license_is(struct query *q, const uint8_t dk[DKEY], const char *license)
{
	struct dsum	d;
	int		err;

	err = dsum_get(q, dk, &d);
	if (err)
		return err;
	return d.license_len == strlen(license) &&
	    memcmp(d.license, license, d.license_len) == 0 ? 0 :
	    WEFT_ENOTFOUND;
}

/*
 * cb gets the summary of design dk; with short ids or counts asked, as
 * the same map with more keys after its own: "short" (the digits of its
 * short id), then "likes", "comments", "makes", "remixes" and, when its
 * author has a profile, "author_name".
 */
/* The most bytes of "short", the counts and "author_name" but its value's. */
#define TAIL_MAX	(6 + 9 + WEFT_COUNT_KINDS * (9 + 9) + 12 + 2)

static int
emit_hit(struct query *q, const uint8_t dk[DKEY], weft_store_item_cb *cb,
    void *arg)
{
	const struct weft_store_query	*f = q->f;
	static const char *const	 cnames[WEFT_COUNT_KINDS] = {
		[WEFT_COUNT_LIKES] = "likes",
		[WEFT_COUNT_COMMENTS] = "comments",
		[WEFT_COUNT_MAKES] = "makes",
		[WEFT_COUNT_REMIXES] = "remixes",
	};
	struct dsum			 d;
	uint64_t			 n[WEFT_COUNT_KINDS];
	unsigned			 slen = 0;
	uint32_t			 extra = 0;
	uint8_t				*w;
	int				 err;

	if (q->count_only)
		return 0;
	if (q->collect) {
		if (q->nkeys == q->keycap) {
			size_t	 cap = q->keycap ? 2 * q->keycap : 1024;
			uint8_t	*nk = realloc(q->keys, cap * DKEY);

			if (nk == NULL)
				return -ENOMEM;
			q->keys = nk;
			q->keycap = cap;
		}
		memcpy(q->keys + q->nkeys++ * DKEY, dk, DKEY);
		return 0;
	}
	err = dsum_get(q, dk, &d);
	if (err)
		return err;
	if (f->short_ids) {
		err = short_len_q(q, dk + 8, &slen);
		if (err)
			return err;
		extra++;
	}
	if (f->counts) {
		err = weft__store_counts_get(q->s, q->txn, dk + 8, n);
		if (err)
			return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
		extra += WEFT_COUNT_KINDS;
		/* One author's designs often come in a row. */
		if (!q->name_ok ||
		    memcmp(q->name_of, d.author, WEFT_PK_BYTES) != 0) {
			err = weft__store_profile_name(q->s, q->txn,
			    d.author, q->name, sizeof(q->name));
			if (err == WEFT_ENOTFOUND)
				err = 0;
			if (err)
				return err;
			memcpy(q->name_of, d.author, WEFT_PK_BYTES);
			q->name_ok = true;
		}
		if (q->name[0] != '\0')
			extra++;
	}
	weft_buf_reset(&q->out);
	err = dsum_pack(&q->out, &d, extra);
	if (err)
		return err;
	/*
	 * The keys after the summary's own, written at once as dsum_pack()
	 * does (weft_pack_str/_uint per key cost as much as the summary).
	 */
	err = weft_buf_reserve(&q->out, TAIL_MAX + strlen(q->name));
	if (err)
		return err;
	w = q->out.data + q->out.len;
	if (f->short_ids) {
		w = dsum_mp_str(w, "short", 5);
		w = dsum_mp_uint(w, slen);
	}
	if (f->counts) {
		for (size_t i = 0; i < WEFT_COUNT_KINDS; i++) {
			w = dsum_mp_str(w, cnames[i], strlen(cnames[i]));
			w = dsum_mp_uint(w, n[i]);
		}
		if (q->name[0] != '\0') {
			w = dsum_mp_str(w, "author_name", 11);
			w = dsum_mp_str(w, q->name, strlen(q->name));
		}
	}
	q->out.len = (size_t)(w - q->out.data);
	return cb(arg, dk + 8, q->out.data, q->out.len);
}

#define SKIP_AUTHOR	1	/* the walk is over the author's designs */
#define SKIP_TAG	2	/* the walk is over the tag's designs */

/* Filters other than words; 0 keeps, WEFT_ENOTFOUND drops. */
static int
filters_check(struct query *q, const uint8_t dk[DKEY], int skip)
{
	const struct weft_store_query	*f = q->f;
	uint8_t				 k[WEFT_TAG_MAX + 1 + DKEY];
	uint64_t			 created = be64dec(dk);
	int				 err;

	if ((f->since != 0 && created < f->since) ||
	    (f->until != 0 && created > f->until))
		return WEFT_ENOTFOUND;
	if (f->author != NULL && !(skip & SKIP_AUTHOR)) {
		memcpy(k, f->author, WEFT_PK_BYTES);
		memcpy(k + WEFT_PK_BYTES, dk, DKEY);
		err = db_has(q->txn, q->s->dbi[DB_AUTHOR_DESIGN], k,
		    WEFT_PK_BYTES + DKEY);
		if (err)
			return err;
	}
	if (f->tag != NULL && !(skip & SKIP_TAG)) {
		memcpy(k, q->tagpfx, q->taglen);
		memcpy(k + q->taglen, dk, DKEY);
		err = db_has(q->txn, q->s->dbi[DB_TAG_DESIGN], k,
		    q->taglen + DKEY);
		if (err)
			return err;
	}
	if (f->lib != NULL) {
		memcpy(k, dk + 8, ID);
		memcpy(k + ID, f->lib, ID);
		err = db_has(q->txn, q->s->dbi[DB_DESIGN_LIB], k, 2 * ID);
		if (err)
			return err;
	}
	if (f->remix_of != NULL) {
		memcpy(k, f->remix_of, ID);
		memcpy(k + ID, dk + 8, ID);
		err = db_has(q->txn, q->s->dbi[DB_REMIX], k, 2 * ID);
		if (err)
			return err;
	}
	if (f->license != NULL) {
		err = license_is(q, dk, f->license);
		if (err)
			return err;
	}
	if (f->geom != NULL) {
		err = geom_filter_check(q->s, q->txn, dk + 8, f->geom);
		if (err)
			return err;
	}
	if (f->accept != NULL) {
		err = dsum_map_get(q->txn, q->s->dbi[DB_DESIGNS], dk, &q->out);
		if (err)
			return err;
		if (!f->accept(f->accept_arg, q->out.data, q->out.len))
			return WEFT_ENOTFOUND;
	}
	return 0;
}

/* Is x ranked before y? Higher score, then earlier found. */
static bool
hit_before(const struct hit *x, const struct hit *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	return x->seq < y->seq;
}

static int
hit_cmp(const void *a, const void *b)
{
	return hit_before(a, b) ? -1 : hit_before(b, a) ? 1 : 0;
}

/* Heap of the k best, the worst at the root. */
static void
heap_sift(struct hit *h, size_t n, size_t i)
{
	struct hit	tmp;
	size_t		l, w;

	for (;;) {
		l = 2 * i + 1;
		w = i;
		if (l < n && hit_before(&h[w], &h[l]))
			w = l;
		if (l + 1 < n && hit_before(&h[w], &h[l + 1]))
			w = l + 1;
		if (w == i)
			return;
		tmp = h[i];
		h[i] = h[w];
		h[w] = tmp;
		i = w;
	}
}

static int
hit_add(struct query *q, const struct hit *x)
{
	struct hit	*nh, tmp;
	size_t		 i, p;

	if (q->k > 0 && q->nh == q->k) {
		if (!hit_before(x, &q->h[0]))
			return 0;
		q->h[0] = *x;
		heap_sift(q->h, q->nh, 0);
		return 0;
	}
	if (q->nh == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 256;
		nh = realloc(q->h, q->cap * sizeof(*nh));
		if (nh == NULL)
			return -ENOMEM;
		q->h = nh;
	}
	q->h[q->nh++] = *x;
	if (q->k == 0)
		return 0;
	/* Sift up: the worst stays at the root. */
	for (i = q->nh - 1; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!hit_before(&q->h[p], &q->h[i]))
			break;
		tmp = q->h[p];
		q->h[p] = q->h[i];
		q->h[i] = tmp;
	}
	return 0;
}

struct seen_slot {
	uint8_t		id[ID];
	bool		used;
};

/* Was the design seen already? Adds it. */
static int
seen_test_add(struct query *q, const uint8_t design[ID], bool *was)
{
	struct seen_slot	*nv;
	uint64_t		 h;
	size_t			 i, cap;

	if (2 * (q->nseen + 1) > q->seencap) {
		cap = q->seencap ? 2 * q->seencap : 1024;
		nv = calloc(cap, sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		for (size_t j = 0; j < q->seencap; j++) {
			if (!q->seen[j].used)
				continue;
			memcpy(&h, q->seen[j].id, 8);
			for (i = h & (cap - 1); nv[i].used; i = (i + 1) &
			    (cap - 1))
				;
			nv[i] = q->seen[j];
		}
		free(q->seen);
		q->seen = nv;
		q->seencap = cap;
	}
	/* Ids are hashes, but chosen by their authors: compare whole. */
	memcpy(&h, design, 8);
	for (i = h & (q->seencap - 1); q->seen[i].used;
	    i = (i + 1) & (q->seencap - 1)) {
		if (memcmp(q->seen[i].id, design, ID) == 0) {
			*was = true;
			return 0;
		}
	}
	memcpy(q->seen[i].id, design, ID);
	q->seen[i].used = true;
	q->nseen++;
	*was = false;
	return 0;
}

/* Scores candidate dk found through the driver with score dscore. */
static int
candidate(struct query *q, const uint8_t dk[DKEY], double dscore)
{
	struct hit	 h;
	MDB_val		 dv;
	uint32_t	 num;
	double		 sc;
	bool		 found, was;
	int		 err;

	q->scanned++;
	if (q->t[q->drv].nexp > 1) {
		/* The first sighting scores best: postings come in order. */
		err = seen_test_add(q, dk + 8, &was);
		if (err || was)
			return err;
	}
	h.score = dscore;
	if (q->nt > 1) {
		err = db_get(q->txn, q->s->dbi[DB_DWORDS], dk, DKEY, &dv);
		if (err)
			return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
		err = dwords_split(&dv, &num, &dv);
		if (err)
			return err;
		for (size_t i = 0; i < q->nt; i++) {
			if (i == q->drv)
				continue;
			err = term_score(&q->t[i], &dv, &sc, &found);
			if (err)
				return err;
			if (!found)
				return 0;
			h.score += sc;
		}
	}
	err = filters_check(q, dk, 0);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	q->matched++;
	h.seq = q->scanned;
	memcpy(h.dk, dk, DKEY);
	return hit_add(q, &h);
}

/* Walks the driver's postings in score order. *done: walked them all. */
static int
drive(struct query *q, bool *done)
{
	struct qterm	*d = &q->t[q->drv];
	struct expn	*best;
	double		 rest = 0;
	int		 err = 0, rc;

	for (size_t i = 0; i < q->nt; i++)
		if (i != q->drv)
			rest += q->t[i].ub;
	for (size_t i = 0; i < d->nexp; i++) {
		d->exp[i].c = NULL;
		d->exp[i].ps = NULL;
	}
	for (size_t i = 0; i < d->nexp && err == 0; i++) {
		if (d->exp[i].w[0] == TYPE_TAG) {
			rc = mdb_cursor_open(q->txn, q->s->dbi[DB_WORDS],
			    &d->exp[i].c);
			if (rc) {
				d->exp[i].c = NULL;
				err = weft__store_xlat(rc);
				break;
			}
		}
		err = expn_step(q, &d->exp[i], MDB_FIRST);
	}
	*done = false;
	while (err == 0) {
		best = NULL;
		for (size_t i = 0; i < d->nexp; i++)
			if (d->exp[i].live && (best == NULL ||
			    d->exp[i].head > best->head))
				best = &d->exp[i];
		if (best == NULL) {
			*done = true;
			break;
		}
		/* Nothing later can beat the k-th: stop (max-score). */
		if (q->k > 0 && q->nh == q->k &&
		    best->head + rest <= q->h[0].score)
			break;
		err = candidate(q, best->dk, best->head);
		if (err == 0)
			err = expn_step(q, best, MDB_NEXT);
	}
	for (size_t i = 0; i < d->nexp; i++) {
		if (d->exp[i].c != NULL)
			mdb_cursor_close(d->exp[i].c);
		pstream_free(d->exp[i].ps);
		d->exp[i].c = NULL;
		d->exp[i].ps = NULL;
	}
	return err;
}

/*
 * Several words: intersect the words' design-ordered lists (`wlist`,
 * store_wlist.h) instead of walking the rarest word's postings with a
 * `dwords` lookup each. Used when the matches expected (the driver's
 * dfsum times the other words' shares of the designs, as if
 * independent) are few; every match is then found, so the count is
 * exact. Ties are broken as drive() finds them: by the driver's own
 * score, then newest design first.
 */
double	weft__store_lists_est_max = 50000.0;

struct lterm {
	struct wl_cur	*c;		/* one per expansion */
	size_t			 n;
	uint32_t		 at;
	bool			 live;
};

struct lmatch {
	uint32_t	num;
	double		score, dscore;
	uint8_t		dk[DKEY];
};

static bool
lists_fit(const struct query *q)
{
	double	est, n = q->ndesigns > 0 ? (double)q->ndesigns : 1;
	size_t	scored = 0;

	for (size_t i = 0; i < q->nt; i++) {
		if (q->t[i].truncated)
			return false;
		if (q->t[i].scored)
			scored++;
	}
	if (scored < 2)
		return false;
	est = (double)q->t[q->drv].dfsum;
	for (size_t i = 0; i < q->nt; i++)
		if (i != q->drv)
			est *= (double)q->t[i].dfsum > n ? 1 :
			    (double)q->t[i].dfsum / n;
	return est <= weft__store_lists_est_max;
}

/* Moves term t to its first design numbered at least x. */
static int
lterm_seek(struct lterm *t, uint32_t x)
{
	int	err;

	t->live = false;
	for (size_t j = 0; j < t->n; j++) {
		struct wl_cur	*c = &t->c[j];

		if (!c->live)
			continue;
		if (c->n == 0 || c->num[c->i] < x) {
			err = wl_seek(c, x);
			if (err)
				return err;
			if (!c->live)
				continue;
		}
		if (!t->live || c->num[c->i] < t->at)
			t->at = c->num[c->i];
		t->live = true;
	}
	return 0;
}

/* The best weight x impact of term qt among its words at t->at. */
static double
lterm_score(const struct qterm *qt, const struct lterm *t)
{
	double	best = 0, sc;

	for (size_t j = 0; j < t->n; j++) {
		const struct wl_cur	*c = &t->c[j];

		if (!c->live || c->num[c->i] != t->at)
			continue;
		sc = qt->exp[j].idf * c->imp[c->i];
		if (sc > best)
			best = sc;
	}
	return best;
}

static int
lmatch_cmp(const void *a, const void *b)
{
	const struct lmatch	*x = a, *y = b;
	int			 c;

	if (x->dscore != y->dscore)
		return x->dscore > y->dscore ? -1 : 1;
	c = memcmp(x->dk, y->dk, 8);	/* newest first */
	if (c != 0)
		return -c;
	return memcmp(x->dk + 8, y->dk + 8, ID);
}

/*
 * The designs holding any word of t (its expansions): a merge of their
 * lists, for counts of at most UNION_COUNT_MAX postings.
 */
#define UNION_COUNT_MAX	200000

static int
union_count(struct query *q, const struct qterm *t, uint64_t *out)
{
	struct wl_cur	*c;
	uint64_t	 n = 0;
	uint32_t	 x = 0, low;
	bool		 any;
	int		 err = 0;

	c = calloc(t->nexp, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	for (size_t j = 0; j < t->nexp && err == 0; j++)
		err = wl_open(&c[j], q->txn, q->s, t->exp[j].w,
		    t->exp[j].len);
	while (err == 0) {
		any = false;
		low = 0;
		for (size_t j = 0; j < t->nexp && err == 0; j++) {
			err = wl_seek(&c[j], x);
			if (err || !c[j].live)
				continue;
			if (!any || c[j].num[c[j].i] < low)
				low = c[j].num[c[j].i];
			any = true;
		}
		if (err || !any)
			break;
		n++;
		if (low == UINT32_MAX)
			break;
		x = low + 1;
	}
	for (size_t j = 0; j < t->nexp; j++)
		wl_close(&c[j]);
	free(c);
	if (err == 0)
		*out = n;
	return err;
}

static int
lists_run(struct query *q)
{
	struct lterm	*lt;
	struct lmatch	*m = NULL, *nm;
	struct hit	 h;
	MDB_cursor	*dc = NULL;
	size_t		 nm_n = 0, nm_cap = 0, kept = 0;
	uint32_t	 x = 0;
	bool		 again;
	int		 err = 0, rc;

	lt = calloc(q->nt, sizeof(*lt));
	if (lt == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < q->nt && err == 0; i++) {
		lt[i].c = calloc(q->t[i].nexp, sizeof(*lt[i].c));
		if (lt[i].c == NULL) {
			err = -ENOMEM;
			break;
		}
		for (size_t j = 0; j < q->t[i].nexp && err == 0; j++) {
			err = wl_open(&lt[i].c[j], q->txn, q->s,
			    q->t[i].exp[j].w, q->t[i].exp[j].len);
			if (err == 0)
				lt[i].n++;
		}
	}
	/* Leapfrog: every list moves to the largest number seen. */
	while (err == 0) {
		err = lterm_seek(&lt[q->drv], x);
		if (err || !lt[q->drv].live)
			break;
		q->scanned++;
		x = lt[q->drv].at;
		again = false;
		for (size_t i = 0; i < q->nt && err == 0 && !again; i++) {
			if (i == q->drv)
				continue;
			err = lterm_seek(&lt[i], x);
			if (err == 0 && !lt[i].live)
				goto walked;
			if (err == 0 && lt[i].at > x) {
				x = lt[i].at;
				again = true;
			}
		}
		if (err || again)
			continue;
		if (nm_n == nm_cap) {
			nm_cap = nm_cap ? 2 * nm_cap : 256;
			nm = realloc(m, nm_cap * sizeof(*m));
			if (nm == NULL) {
				err = -ENOMEM;
				break;
			}
			m = nm;
		}
		m[nm_n].num = x;
		m[nm_n].dscore = lterm_score(&q->t[q->drv], &lt[q->drv]);
		m[nm_n].score = 0;
		for (size_t i = 0; i < q->nt; i++)
			m[nm_n].score += i == q->drv ? m[nm_n].dscore :
			    lterm_score(&q->t[i], &lt[i]);
		nm_n++;
		if (x == UINT32_MAX)
			break;
		x++;
	}
walked:
	for (size_t i = 0; i < q->nt; i++) {
		for (size_t j = 0; j < lt[i].n; j++)
			wl_close(&lt[i].c[j]);
		free(lt[i].c);
	}
	free(lt);
	if (err == 0 && nm_n > 0) {
		rc = mdb_cursor_open(q->txn, q->s->dbi[DB_DNUM], &dc);
		if (rc)
			err = weft__store_xlat(rc);
	}
	/* The filters, then the order drive() would have found them in. */
	for (size_t i = 0; i < nm_n && err == 0; i++) {
		err = dnum_get(dc, m[i].num, m[i].dk);
		if (err == 0)
			err = filters_check(q, m[i].dk, 0);
		if (err == 0)
			m[kept++] = m[i];
		else if (err == WEFT_ENOTFOUND)
			err = 0;
	}
	if (dc != NULL)
		mdb_cursor_close(dc);
	if (err == 0 && kept > 1)
		qsort(m, kept, sizeof(*m), lmatch_cmp);
	for (size_t i = 0; i < kept && err == 0; i++) {
		q->matched++;
		h.score = m[i].score;
		h.seq = i + 1;
		h.count = 0;
		memcpy(h.dk, m[i].dk, DKEY);
		err = hit_add(q, &h);
	}
	free(m);
	return err;
}

struct qsplit {
	struct query	*q;
	size_t		 last;		/* term of the last word */
	bool		 lastdup;	/* it was said before */
};

static int
qsplit_cb(void *arg, const uint8_t *w, size_t n)
{
	struct qsplit	*a = arg;
	struct query	*q = a->q;

	for (size_t i = 0; i < q->nt; i++)
		if (q->t[i].len == n && memcmp(q->t[i].w, w, n) == 0) {
			a->last = i;
			a->lastdup = true;
			return 0;
		}
	if (q->nt == QTERMS_MAX)
		return 0;
	memcpy(q->t[q->nt].w, w, n);
	q->t[q->nt].len = (uint8_t)n;
	q->t[q->nt].scored = true;
	a->last = q->nt++;
	a->lastdup = false;
	return 0;
}

/* Newest design first, then by design id. */
static int
hit_recent_cmp(const void *a, const void *b)
{
	const struct hit	*x = a, *y = b;

	return -memcmp(x->dk, y->dk, DKEY);
}

/* The higher count first, then newest. */
static int
hit_count_cmp(const void *a, const void *b)
{
	const struct hit	*x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return -memcmp(x->dk, y->dk, DKEY);
}

#define LIST_COUNT_MAX	20000	/* designs a listing checks to count */

/*
 * A listing without words: walks the designs by creation, oldest or
 * (recent) newest first, over the smallest index that fits: the type
 * term's postings (newest first), the tag's or the author's designs, or
 * every design; checks the other filters. After a full page it goes on
 * counting, at most LIST_COUNT_MAX designs, then estimates.
 */
static int
list_walk(struct query *q, const struct qterm *type,
    struct weft_store_search_info *info, weft_store_item_cb *cb, void *arg)
{
	const struct weft_store_query	*f = q->f;
	MDB_cursor			*c;
	MDB_val				 k, v;
	uint8_t				 pfx[TERM_MAX + 2], dk[DKEY];
	const uint8_t			*kp;
	size_t				 plen = 0;
	uint64_t			 checked = 0, size = 0, past = 0;
	uint32_t			 df;
	uint8_t				 mx;
	bool				 filtered, backward, inv = false;
	int				 db, skip = 0, err, rc;

	if (type != NULL) {
		/* Type postings: impact 0, newest first. */
		db = DB_WORDS;
		memcpy(pfx, type->w, type->len);
		pfx[type->len] = 0;
		err = db_get(q->txn, q->s->dbi[DB_WORDS], pfx, type->len + 1u,
		    &v);
		if (err == WEFT_ENOTFOUND)
			return 0;
		if (err == 0)
			err = entry_parse(&v, &df, &mx);
		if (err)
			return err;
		size = df;
		pfx[type->len + 1] = 255;
		plen = type->len + 2u;
		inv = true;
	} else if (f->tag != NULL) {
		db = DB_TAG_DESIGN;
		memcpy(pfx, q->tagpfx, q->taglen);
		plen = q->taglen;
		skip = SKIP_TAG;
	} else if (f->author != NULL) {
		db = DB_AUTHOR_DESIGN;
		memcpy(pfx, f->author, WEFT_PK_BYTES);
		plen = WEFT_PK_BYTES;
		skip = SKIP_AUTHOR;
	} else {
		db = DB_DESIGNS;
		size = q->ndesigns;
	}
	filtered = (f->tag != NULL && !(skip & SKIP_TAG)) ||
	    (f->author != NULL && !(skip & SKIP_AUTHOR)) ||
	    f->license != NULL || f->lib != NULL || f->remix_of != NULL ||
	    f->since != 0 || f->until != 0 || f->accept != NULL ||
	    f->geom != NULL;
	backward = inv ? !f->recent : f->recent;
	rc = mdb_cursor_open(q->txn, q->s->dbi[db], &c);
	if (rc)
		return weft__store_xlat(rc);
	if (plen == 0)
		err = weft__store_xlat(mdb_cursor_get(c, &k, &v, backward ?
		    MDB_LAST : MDB_FIRST));
	else if (backward)
		err = weft__store_cur_last(c, pfx, plen, &k, &v);
	else
		err = weft__store_cur_first(c, pfx, plen, &k, &v);
	info->exact = true;
	while (err == 0) {
		if (k.mv_size != plen + DKEY) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (f->limit > 0 && info->returned == f->limit) {
			/* The page is full: count on, within bounds. */
			if (!filtered && size > 0)
				break;
			if (past++ == LIST_COUNT_MAX) {
				info->exact = false;
				break;
			}
		}
		kp = (const uint8_t *)k.mv_data + plen;
		if (inv)
			be64enc(dk, ~be64dec(kp));
		else
			memcpy(dk, kp, 8);
		memcpy(dk + 8, kp + 8, ID);
		checked++;
		err = filtered ? filters_check(q, dk, skip) : 0;
		if (err == 0) {
			q->matched++;
			if (q->matched > f->offset && (f->limit == 0 ||
			    info->returned < f->limit)) {
				err = emit_hit(q, dk, cb, arg);
				info->returned++;
			}
		} else if (err == WEFT_ENOTFOUND) {
			err = 0;
		}
		if (err)
			break;
		if (plen == 0)
			err = weft__store_xlat(mdb_cursor_get(c, &k, &v,
			    backward ? MDB_PREV : MDB_NEXT));
		else
			err = weft__store_cur_step(c, pfx, plen, &k, &v,
			    backward ? MDB_PREV : MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND)
		err = 0;
	if (!filtered && size > 0)
		info->total = size;
	else if (info->exact || size == 0)
		info->total = q->matched;	/* exact, or at least */
	else
		info->total = (uint64_t)((double)q->matched * (double)size /
		    (double)checked);
	if (info->total < q->matched)
		info->total = q->matched;
	info->scanned = checked;
	return err;
}

/* The csort kind of a count: 'l', 'm', 'x' (store_social.c). */
static uint8_t
count_index_kind(enum weft_count_kind k)
{
	switch (k) {
	case WEFT_COUNT_LIKES:
		return 'l';
	case WEFT_COUNT_MAKES:
		return 'm';
	case WEFT_COUNT_REMIXES:
		return 'x';
	default:
		return 0;
	}
}

/* 0 if design dk holds type term t, else WEFT_ENOTFOUND. */
static int
type_check(struct query *q, const struct qterm *t, const uint8_t dk[DKEY])
{
	MDB_val		dv;
	uint32_t	num;
	double		sc;
	bool		found;
	int		err;

	err = db_get(q->txn, q->s->dbi[DB_DWORDS], dk, DKEY, &dv);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	err = dwords_split(&dv, &num, &dv);
	if (err == 0)
		err = term_score(t, &dv, &sc, &found);
	if (err)
		return err;
	return found ? 0 : WEFT_ENOTFOUND;
}

/*
 * A listing by a count (likes, makes, remixes), highest first: the
 * count-ordered index `csort` from its end (the highest count, then the
 * newest design), then the designs with none of that count, newest
 * first (`dsum` backwards, skipping those with a count). The first page
 * reads about a page of keys; the count of a filtered listing is then
 * list_walk()'s (bounded, over the smallest index).
 */
static int
count_walk(struct query *q, const struct qterm *type,
    struct weft_store_search_info *info, weft_store_item_cb *cb, void *arg)
{
	const struct weft_store_query	*f = q->f;
	MDB_cursor			*c = NULL;
	MDB_val				 k, v;
	uint8_t				 pfx[1], dk[DKEY];
	uint64_t			 n[WEFT_COUNT_KINDS], checked = 0;
	bool				 filtered, full = false;
	int				 phase, err = 0, rc;

	pfx[0] = count_index_kind(f->count);
	if (pfx[0] == 0)
		return WEFT_EUSAGE;
	filtered = type != NULL || f->tag != NULL || f->author != NULL ||
	    f->license != NULL || f->lib != NULL || f->remix_of != NULL ||
	    f->since != 0 || f->until != 0 || f->accept != NULL;
	info->exact = true;
	for (phase = 0; phase < 2 && err == 0; phase++) {
		rc = mdb_cursor_open(q->txn, q->s->dbi[phase == 0 ? DB_CSORT :
		    DB_DESIGNS], &c);
		if (rc)
			return weft__store_xlat(rc);
		if (phase == 0)
			err = weft__store_cur_last(c, pfx, 1, &k, &v);
		else
			err = weft__store_xlat(mdb_cursor_get(c, &k, &v,
			    MDB_LAST));
		while (err == 0) {
			if (k.mv_size != (phase == 0 ? 1u + 8 + DKEY : DKEY)) {
				err = WEFT_ECORRUPT;
				break;
			}
			if (f->limit > 0 && info->returned == f->limit) {
				full = true;
				break;
			}
			memcpy(dk, (const uint8_t *)k.mv_data +
			    (phase == 0 ? 9 : 0), DKEY);
			if (phase == 1) {
				err = weft__store_counts_get(q->s, q->txn,
				    dk + 8, n);
				if (err)
					break;
				if (n[f->count] > 0)
					goto next;	/* listed already */
			}
			checked++;
			err = filtered ? filters_check(q, dk, 0) : 0;
			if (err == 0 && type != NULL)
				err = type_check(q, type, dk);
			if (err == 0) {
				q->matched++;
				if (q->matched > f->offset && (f->limit == 0 ||
				    info->returned < f->limit)) {
					err = emit_hit(q, dk, cb, arg);
					info->returned++;
				}
			} else if (err == WEFT_ENOTFOUND)
				err = 0;
			if (err)
				break;
next:
			if (phase == 0)
				err = weft__store_cur_step(c, pfx, 1, &k, &v,
				    MDB_PREV);
			else
				err = weft__store_xlat(mdb_cursor_get(c, &k,
				    &v, MDB_PREV));
		}
		mdb_cursor_close(c);
		if (err == WEFT_ENOTFOUND)
			err = 0;
		if (full)
			break;
	}
	info->scanned = checked;
	if (!filtered) {
		info->total = q->ndesigns;
	} else if (full && err == 0) {
		/*
		 * The page is full: the count is the listing's, by creation
		 * over the smallest index (list_walk(): bounded, perhaps an
		 * estimate), not a walk of the rest of this order.
		 */
		struct weft_store_query		 f2 = *f;
		struct weft_store_search_info	 i2;
		const struct weft_store_query	*f0 = q->f;
		uint64_t			 m0 = q->matched;

		f2.by_count = false;
		f2.offset = 0;
		f2.limit = 1;
		memset(&i2, 0, sizeof(i2));
		q->f = &f2;
		q->matched = 0;
		q->count_only = true;
		err = list_walk(q, type, &i2, NULL, NULL);
		q->count_only = false;
		q->f = f0;
		q->matched = m0;
		info->total = i2.total > m0 ? i2.total : m0;
		info->exact = i2.exact;
	} else {
		info->total = q->matched;
	}
	return err;
}

struct keys_out {
	uint8_t		*keys;
	size_t		 n;
};

static int
search_run(struct weft_store *s, const struct weft_store_query *f,
    struct weft_store_search_info *info, weft_store_item_cb *cb, void *arg,
    struct keys_out *ko)
{
	struct query	 q;
	struct qsplit	 qs;
	MDB_stat	 st;
	struct qterm	*t;
	uint8_t		 tt[1 + EXT_MAX];
	size_t		 tn, from;
	bool		 done = false;
	int		 err, rc;

	memset(info, 0, sizeof(*info));
	memset(&q, 0, sizeof(q));
	q.s = s;
	q.f = f;
	q.collect = ko != NULL;
	weft_buf_init(&q.out, SUMMARY_OUT_MAX + 256);
	q.t = calloc(QTERMS_MAX + 1, sizeof(*q.t));
	if (q.t == NULL)
		return -ENOMEM;
	qs.q = &q;
	qs.last = 0;
	qs.lastdup = false;
	if (f->query != NULL)
		weft_words_split(f->query, strlen(f->query), qsplit_cb, &qs);
	if (q.nt == 0 && f->query != NULL) {
		free(q.t);
		return WEFT_EUSAGE;
	}
	/* The last word is a prefix, unless it was said before. */
	if (q.nt > 0)
		q.t[qs.last].prefix = !f->exact && !qs.lastdup;
	if (f->type != NULL) {
		tn = type_filter_term(tt, f->type);
		if (tn == 0) {
			free(q.t);
			return 0;	/* no stored type can match */
		}
		t = &q.t[q.nt++];
		memcpy(t->w, tt, tn);
		t->len = (uint8_t)tn;
	}
	if (f->tag != NULL) {
		tn = strlen(f->tag);
		if (tn == 0 || tn > WEFT_TAG_MAX) {
			free(q.t);
			return 0;
		}
		for (size_t i = 0; i < tn; i++) {
			uint8_t	c = (uint8_t)f->tag[i];

			q.tagpfx[i] = (c >= 'A' && c <= 'Z') ?
			    (uint8_t)(c - 'A' + 'a') : c;
		}
		q.tagpfx[tn] = 0;
		q.taglen = tn + 1;
	}
	if (f->by_count && count_index_kind(f->count) == 0) {
		free(q.t);
		return WEFT_EUSAGE;
	}
	q.k = f->limit > 0 && !f->recent && !f->by_count ?
	    f->offset + f->limit : 0;
	if (q.k > 0 && q.k < f->offset) {	/* overflow */
		free(q.t);
		return WEFT_EUSAGE;
	}

	err = weft__store_read_begin(s, &q.txn);
	if (err) {
		free(q.t);
		return err;
	}
	rc = mdb_stat(q.txn, s->dbi[DB_DESIGNS], &st);
	if (rc) {
		err = weft__store_xlat(rc);
		goto out;
	}
	q.ndesigns = st.ms_entries;
	if (f->short_ids) {
		rc = mdb_cursor_open(q.txn, s->dbi[DB_INFO], &q.infocur);
		if (rc) {
			err = weft__store_xlat(rc);
			goto out;
		}
	}
	if (f->query == NULL) {
		t = f->type != NULL ? &q.t[q.nt - 1] : NULL;
		err = f->by_count ? count_walk(&q, t, info, cb, arg) :
		    list_walk(&q, t, info, cb, arg);
		goto out;
	}
	for (size_t i = 0; i < q.nt && err == 0; i++) {
		t = &q.t[i];
		err = qterm_expand(&q, t);
		if (err)
			break;
		if (t->nexp == 0)
			goto out;	/* a word no design has */
		for (size_t j = 0; j < t->nexp; j++)
			t->dfsum += t->exp[j].df;
		t->idf = t->scored ? idf_of(q.ndesigns, t->dfsum) : 0;
		for (size_t j = 0; j < t->nexp; j++) {
			t->exp[j].idf = word_weight(t, t->exp[j].len);
			if (t->exp[j].idf * t->exp[j].maximp > t->ub)
				t->ub = t->exp[j].idf * t->exp[j].maximp;
		}
		if (t->truncated && t->idf * PREFIX_W * 255 > t->ub)
			t->ub = t->idf * PREFIX_W * 255;
		if (i == 0 || t->dfsum < q.t[q.drv].dfsum)
			q.drv = i;
	}
	if (err)
		goto out;
	if (lists_fit(&q)) {
		err = lists_run(&q);
		done = true;
	} else {
		err = drive(&q, &done);
	}
	if (err)
		goto out;
	info->total = q.matched;
	info->exact = done;
	info->scanned = q.scanned;
	if (!done && q.scanned > 0) {
		/* Estimated from the share of the driver's postings matched. */
		double	est = (double)q.matched *
		    (double)q.t[q.drv].dfsum / (double)q.scanned;

		info->total = est > (double)q.matched ? (uint64_t)est :
		    q.matched;
	}
	if (q.nt == 1 && f->author == NULL &&
	    f->tag == NULL && f->lib == NULL && f->remix_of == NULL &&
	    f->license == NULL && f->since == 0 && f->until == 0 &&
	    f->accept == NULL && f->geom == NULL) {
		if (q.t[0].nexp == 1) {
			info->total = q.t[0].dfsum;	/* every posting */
			info->exact = true;
		} else if (!done && !q.t[0].truncated &&
		    q.t[0].dfsum <= UNION_COUNT_MAX) {
			/*
			 * A prefix's words: a design holding two of them
			 * is one match, which dfsum and the estimate
			 * count twice. Few: count them.
			 */
			err = union_count(&q, &q.t[0], &info->total);
			if (err)
				goto out;
			info->exact = true;
		}
	}
	for (size_t i = 0; f->by_count && i < q.nh && err == 0; i++) {
		uint64_t	n[WEFT_COUNT_KINDS];

		err = weft__store_counts_get(s, q.txn, q.h[i].dk + 8, n);
		q.h[i].count = n[f->count];
	}
	if (err)
		goto out;
	if (q.nh > 1)
		qsort(q.h, q.nh, sizeof(*q.h), f->by_count ? hit_count_cmp :
		    f->recent ? hit_recent_cmp : hit_cmp);
	from = f->offset < q.nh ? f->offset : q.nh;
	for (size_t i = from; i < q.nh && err == 0; i++) {
		if (f->limit > 0 && info->returned == f->limit)
			break;
		err = emit_hit(&q, q.h[i].dk, cb, arg);
		info->returned++;
	}
out:
	if (q.infocur != NULL)
		mdb_cursor_close(q.infocur);
	weft__store_read_end(s, q.txn);
	weft_buf_release(&q.out);
	free(q.h);
	free(q.seen);
	free(q.t);
	if (ko != NULL && err == 0) {
		ko->keys = q.keys;
		ko->n = q.nkeys;
	} else
		free(q.keys);
	return err;
}

int
weft_store_search_page(struct weft_store *s,
    const struct weft_store_query *f, struct weft_store_search_info *info,
    weft_store_item_cb *cb, void *arg)
{
	return search_run(s, f, info, cb, arg, NULL);
}

int
weft_store_search_keys(struct weft_store *s,
    const struct weft_store_query *f, struct weft_store_search_info *info,
    uint8_t **keys, size_t *n)
{
	struct keys_out	ko = { NULL, 0 };
	int		err;

	err = search_run(s, f, info, NULL, NULL, &ko);
	*keys = ko.keys;
	*n = ko.n;
	return err;
}

int
weft_store_search_cards(struct weft_store *s,
    const struct weft_store_query *f, const uint8_t *keys, size_t n,
    weft_store_item_cb *cb, void *arg)
{
	struct query	q;
	int		err, rc;

	memset(&q, 0, sizeof(q));
	q.s = s;
	q.f = f;
	weft_buf_init(&q.out, SUMMARY_OUT_MAX + 256);
	err = weft__store_read_begin(s, &q.txn);
	if (err)
		return err;
	if (f->short_ids) {
		rc = mdb_cursor_open(q.txn, s->dbi[DB_INFO], &q.infocur);
		if (rc)
			err = weft__store_xlat(rc);
	}
	for (size_t i = 0; i < n && err == 0; i++) {
		err = emit_hit(&q, keys + i * DKEY, cb, arg);
		/* A design gone since (it cannot be, today): skipped. */
		if (err == WEFT_ECORRUPT &&
		    db_has(q.txn, s->dbi[DB_DESIGNS], keys + i * DKEY,
		    DKEY) == WEFT_ENOTFOUND)
			err = 0;
	}
	if (q.infocur != NULL)
		mdb_cursor_close(q.infocur);
	weft__store_read_end(s, q.txn);
	weft_buf_release(&q.out);
	return err;
}

int
weft_store_search(struct weft_store *s, const char *query,
    weft_store_item_cb *cb, void *arg)
{
	struct weft_store_query		f;
	struct weft_store_search_info	info;

	memset(&f, 0, sizeof(f));
	f.query = query;
	return weft_store_search_page(s, &f, &info, cb, arg);
}

struct card {
	struct weft_buf	*out;
};

static int
card_cb(void *arg, const uint8_t id[ID], const uint8_t *data, size_t len)
{
	struct card	*cd = arg;

	(void)id;
	return weft_buf_add(cd->out, data, len);
}

int
weft_store_design_card(struct weft_store *s, const uint8_t design[ID],
    struct weft_buf *out)
{
	struct weft_store_query	f;
	struct query		q;
	struct card		cd = { out };
	uint8_t			dk[DKEY];
	int			err;

	memset(&f, 0, sizeof(f));
	f.counts = true;
	memset(&q, 0, sizeof(q));
	q.s = s;
	q.f = &f;
	weft_buf_init(&q.out, SUMMARY_OUT_MAX + 256);
	err = weft__store_read_begin(s, &q.txn);
	if (err)
		return err;
	err = weft__store_design_key(s, q.txn, design, dk);
	if (err == 0)
		err = emit_hit(&q, dk, card_cb, &cd);
	weft__store_read_end(s, q.txn);
	weft_buf_release(&q.out);
	return err;
}

/* Both short-id entry points in one read transaction: known = idshare. */
static int
short_len_read(struct weft_store *s, const uint8_t id[ID], unsigned *len,
    bool known)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	int		 err, rc;

	*len = 2 * ID;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_INFO], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	err = known ? short_len_known(s, txn, c, id, len) :
	    short_len_cur(c, id, len);
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_short_len(struct weft_store *s, const uint8_t id[ID],
    unsigned *len)
{
	return short_len_read(s, id, len, false);
}

int
weft__store_short_len_known(struct weft_store *s, const uint8_t id[ID],
    unsigned *len)
{
	return short_len_read(s, id, len, true);
}
