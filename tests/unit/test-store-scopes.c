/*
 * The store's author and library reconciliation scopes: after random
 * revisions, libraries and entries (adds and removals, in and out of ts
 * order), each scope must answer exactly what the in-memory set (struct
 * weft_recon_vec) answers for the items a model of the records says it
 * holds -- the author's records; a library, its entries and the
 * revisions of the designs it holds -- both during ingest and after a
 * store of format 2 is upgraded at open.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"
#include "weft/recon.h"

#include "store.h"

#define NAUTH	3
#define NLIB	3
#define NOPS	360
#define MAXREC	(NOPS + 16)

struct mrec {
	int		type;
	int		author;
	uint64_t	ts;
	uint8_t		id[WEFT_ID_BYTES];
	int		design;		/* rev: index of its genesis */
	int		lib;		/* entry: index of the lib record */
	int		action;
};

struct fx {
	char			 dir[64];
	struct weft_store	*s;
	uint8_t			 pk[NAUTH][WEFT_PK_BYTES];
	uint8_t			 sk[NAUTH][WEFT_SK_BYTES];
	struct mrec		 rec[MAXREC];
	size_t			 n;
	int			 genesis[MAXREC], ngen;
	int			 libs[NLIB];
	int			 how;	/* put(): 0 any, 1 batch, 2 one */
	bool			 grants;	/* random_ops() adds grants */
};

static uint64_t
pick_ts(void)
{
	/* Repeats often; now and then far off (high radix levels). */
	if (randombytes_uniform(20) == 0)
		return UINT64_C(1) << (20 + randombytes_uniform(40));
	return UINT64_C(1700000000000) + randombytes_uniform(40) * 1000 +
	    randombytes_uniform(2);
}

/*
 * Signs and stores r by author a (and releases it); the model gets it as
 * m. -1 if the store already had it. Half the records go in through the
 * batch path (a batch of one), whose aggregates are deferred to a flush.
 */
static int
put(struct fx *f, struct weft_record *r, int a, struct mrec *m)
{
	struct weft_buf		body, env;
	struct weft_slice	sl;
	int			err, res;

	memcpy(r->author, f->pk[a], WEFT_PK_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, f->sk[a],
	    &env), 0);
	m->type = (int)r->type;
	m->author = a;
	m->ts = r->ts;
	if (f->how == 2 || (f->how == 0 && randombytes_uniform(2) == 0)) {
		err = weft_store_record_put(f->s, env.data, env.len, m->id);
	} else {
		sl.data = env.data;
		sl.len = env.len;
		err = weft_store_records_put(f->s, &sl, 1, &res, &m->id);
		if (err == 0)
			err = res;
	}
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
	/* Equal random fields make an equal record: not a new one. */
	if (err == WEFT_EEXISTS)
		return -1;
	assert_int_equal(err, 0);
	assert_true(f->n < MAXREC);
	f->rec[f->n++] = *m;
	return 0;
}

static void
add_rev(struct fx *f)
{
	struct weft_record	 r;
	struct mrec		 m;
	const struct mrec	*g;
	int			 gi;

	memset(&m, 0, sizeof(m));
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = pick_ts();
	r.title = strdup("thing");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	if (f->ngen == 0 || randombytes_uniform(3) == 0) {
		m.design = (int)f->n;
		if (put(f, &r, (int)randombytes_uniform(NAUTH), &m) == 0)
			f->genesis[f->ngen++] = m.design;
		return;
	}
	gi = f->genesis[randombytes_uniform((uint32_t)f->ngen)];
	g = &f->rec[gi];
	r.has_design = true;
	memcpy(r.design, g->id, WEFT_ID_BYTES);
	r.prev.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.prev.ids);
	memcpy(r.prev.ids[0], g->id, WEFT_ID_BYTES);
	r.prev.n = 1;
	m.design = gi;
	(void)put(f, &r, g->author, &m);
}

static void
add_lib(struct fx *f, int l)
{
	struct weft_record	r;
	struct mrec		m;

	memset(&m, 0, sizeof(m));
	weft_record_init(&r);
	r.type = WEFT_REC_LIB;
	r.ts = pick_ts();
	r.name = strdup("shelf");
	r.description = strdup("");
	r.maintainers.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.maintainers.ids);
	memcpy(r.maintainers.ids[0], f->pk[l % NAUTH], WEFT_ID_BYTES);
	r.maintainers.n = 1;
	f->libs[l] = m.lib = (int)f->n;
	assert_int_equal(put(f, &r, l % NAUTH, &m), 0);
}

static void
add_entry(struct fx *f)
{
	struct weft_record	 r;
	struct mrec		 m;
	int			 l;

	memset(&m, 0, sizeof(m));
	l = (int)randombytes_uniform(NLIB);
	m.lib = f->libs[l];
	m.design = f->genesis[randombytes_uniform((uint32_t)f->ngen)];
	m.action = randombytes_uniform(3) == 0 ? WEFT_ENTRY_REMOVE :
	    WEFT_ENTRY_ADD;
	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	r.ts = pick_ts();
	memcpy(r.lib, f->rec[m.lib].id, WEFT_ID_BYTES);
	memcpy(r.entry_design, f->rec[m.design].id, WEFT_ID_BYTES);
	r.action = (enum weft_entry_action)m.action;
	(void)put(f, &r, l % NAUTH, &m);
}

/*
 * A grant on a design, by anyone: it travels with the design, so the
 * model's default rule (the libs holding m.design) covers it.
 */
static void
add_grant(struct fx *f)
{
	struct weft_record	 r;
	struct mrec		 m;

	memset(&m, 0, sizeof(m));
	m.design = f->genesis[randombytes_uniform((uint32_t)f->ngen)];
	weft_record_init(&r);
	r.type = WEFT_REC_GRANT;
	r.ts = pick_ts();
	memcpy(r.grant_design, f->rec[m.design].id, WEFT_ID_BYTES);
	r.grant_anyone = true;
	r.license = strdup("");
	assert_non_null(r.license);
	(void)put(f, &r, (int)randombytes_uniform(NAUTH), &m);
}

/* Whether lib (a record index) holds design: its latest entry adds. */
static int
holds(const struct fx *f, int lib, int design)
{
	const struct mrec	*best = NULL, *e;
	struct weft_recon_item	 a, b;

	for (size_t i = 0; i < f->n; i++) {
		e = &f->rec[i];
		if (e->type != WEFT_REC_ENTRY || e->lib != lib ||
		    e->design != design)
			continue;
		if (best != NULL) {
			a.ts = e->ts;
			memcpy(a.id, e->id, WEFT_ID_BYTES);
			b.ts = best->ts;
			memcpy(b.id, best->id, WEFT_ID_BYTES);
			if (weft_recon_item_cmp(&a, &b) < 0)
				continue;
		}
		best = e;
	}
	return best != NULL && best->action == WEFT_ENTRY_ADD;
}

static int
in_scope(const struct fx *f, int kind, int who, const struct mrec *m)
{
	if (kind == WEFT_STORE_SCOPE_ALL)
		return 1;
	if (kind == WEFT_STORE_SCOPE_AUTHOR)
		return m->author == who || (m->type == WEFT_REC_REACTION &&
		    f->rec[m->design].author == who);
	switch (m->type) {
	case WEFT_REC_LIB:
		return m == &f->rec[who];
	case WEFT_REC_ENTRY:
		return m->lib == who;
	default:
		return holds(f, who, m->design);
	}
}

struct idlist {
	size_t	n;
	uint8_t	ids[64][WEFT_ID_BYTES];
};

static int
collect(void *arg, const uint8_t id[WEFT_RECON_ID_BYTES])
{
	struct idlist	*l = arg;

	assert_true(l->n < 64);
	memcpy(l->ids[l->n++], id, WEFT_ID_BYTES);
	return 0;
}

/* The store's scope against the model's items of it. */
static void
check_scope(struct fx *f, int kind, int who)
{
	const struct weft_recon_set *vs = &weft_recon_vec_set;
	const struct weft_recon_set *ss = &weft_store_recon_set;
	struct weft_recon_item	 items[MAXREC], it, a, b;
	struct weft_store_recon	*rc;
	struct weft_recon_vec	 v;
	struct idlist		 la, lb;
	uint64_t		 n, ra, rb, lo, hi;
	uint8_t			 sa[32], sb[32];
	const uint8_t		*sid;
	size_t			 k = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (!in_scope(f, kind, who, &f->rec[i]))
			continue;
		items[k].ts = f->rec[i].ts;
		memcpy(items[k++].id, f->rec[i].id, WEFT_ID_BYTES);
	}
	sid = kind == WEFT_STORE_SCOPE_ALL ? NULL :
	    kind == WEFT_STORE_SCOPE_AUTHOR ? f->pk[who] : f->rec[who].id;
	assert_int_equal(weft_recon_vec_init(&v, items, k), 0);
	assert_int_equal(weft_store_recon_begin_scope(f->s, kind, sid, &rc),
	    0);
	assert_int_equal(ss->size(rc, &n), 0);
	assert_int_equal(n, k);
	for (uint64_t r = 0; r < n; r++) {
		assert_int_equal(vs->item_at(&v, r, &a), 0);
		assert_int_equal(ss->item_at(rc, r, &b), 0);
		assert_int_equal(weft_recon_item_cmp(&a, &b), 0);
	}
	assert_int_equal(ss->item_at(rc, n, &a), WEFT_EUSAGE);
	for (int i = 0; i < 200; i++) {
		memset(&it, 0, sizeof(it));
		if (n > 0)
			it = v.items[randombytes_uniform((uint32_t)n)];
		if (i % 2)
			randombytes_buf(it.id, randombytes_uniform(33));
		if (i % 7 == 0)
			it.ts += randombytes_uniform(3);
		assert_int_equal(vs->lower_bound(&v, &it, &ra), 0);
		assert_int_equal(ss->lower_bound(rc, &it, &rb), 0);
		assert_int_equal(ra, rb);

		lo = randombytes_uniform((uint32_t)n + 1);
		hi = lo + randombytes_uniform((uint32_t)(n + 1 - lo));
		assert_int_equal(vs->sum(&v, lo, hi, sa), 0);
		assert_int_equal(ss->sum(rc, lo, hi, sb), 0);
		assert_memory_equal(sa, sb, 32);

		hi = lo + randombytes_uniform(
		    (uint32_t)(n + 1 - lo < 64 ? n + 1 - lo : 64));
		la.n = lb.n = 0;
		assert_int_equal(vs->ids(&v, lo, hi, collect, &la), 0);
		assert_int_equal(ss->ids(rc, lo, hi, collect, &lb), 0);
		assert_int_equal(la.n, lb.n);
		assert_memory_equal(la.ids, lb.ids, la.n * WEFT_ID_BYTES);
	}
	weft_store_recon_end(rc);
	weft_recon_vec_release(&v);
}

static void
check_all_scopes(struct fx *f)
{
	struct weft_store_recon	*rc;
	uint8_t			 nobody[WEFT_ID_BYTES];
	uint64_t		 n;

	check_scope(f, WEFT_STORE_SCOPE_ALL, 0);
	for (int a = 0; a < NAUTH; a++)
		check_scope(f, WEFT_STORE_SCOPE_AUTHOR, a);
	for (int l = 0; l < NLIB; l++)
		check_scope(f, WEFT_STORE_SCOPE_LIB, f->libs[l]);
	/* Scope all still holds everything; an unknown lib is empty. */
	assert_int_equal(weft_store_recon_begin_scope(f->s,
	    WEFT_STORE_SCOPE_ALL, NULL, &rc), 0);
	assert_int_equal(weft_store_recon_set.size(rc, &n), 0);
	assert_int_equal(n, f->n);
	weft_store_recon_end(rc);
	randombytes_buf(nobody, sizeof(nobody));
	assert_int_equal(weft_store_recon_begin_scope(f->s,
	    WEFT_STORE_SCOPE_LIB, nobody, &rc), 0);
	assert_int_equal(weft_store_recon_set.size(rc, &n), 0);
	assert_int_equal(n, 0);
	weft_store_recon_end(rc);
	assert_int_equal(weft_store_recon_begin_scope(f->s, 7, nobody, &rc),
	    WEFT_EUSAGE);
	assert_int_equal(weft_store_recon_begin_scope(f->s,
	    WEFT_STORE_SCOPE_AUTHOR, NULL, &rc), WEFT_EUSAGE);
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-sscope-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	for (int a = 0; a < NAUTH; a++)
		crypto_sign_keypair(f->pk[a], f->sk[a]);
	for (int i = 0; i < 4; i++)
		add_rev(f);
	for (int l = 0; l < NLIB; l++)
		add_lib(f, l);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 p[128];

	weft_store_close(f->s);
	snprintf(p, sizeof(p), "%s/data.mdb", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", f->dir);
	unlink(p);
	for (int pn = 1; pn < 1000; pn++) {
		snprintf(p, sizeof(p), "%s/pack-%010d", f->dir, pn);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
random_ops(struct fx *f, int nops, int check_every)
{
	for (int i = 1; i <= nops; i++) {
		if (f->grants && randombytes_uniform(4) == 0)
			add_grant(f);
		else if (randombytes_uniform(2) == 0)
			add_rev(f);
		else
			add_entry(f);
		if (i % check_every == 0)
			check_all_scopes(f);
	}
}

static void
test_scopes(void **state)
{
	struct fx	*f = *state;

	f->grants = true;
	random_ops(f, NOPS, 90);
}

static int
count_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *v, size_t n)
{
	(void)id;
	(void)v;
	(void)n;
	(*(int *)arg)++;
	return 0;
}

/* Every record reads back, and search finds every design. */
static void
check_reads(struct fx *f)
{
	struct weft_buf	env;
	uint64_t	nr, nc;
	int		n;

	weft_buf_init(&env, WEFT_RECORD_MAX);
	for (size_t i = 0; i < f->n; i++) {
		weft_buf_reset(&env);
		assert_int_equal(weft_store_record_get(f->s, f->rec[i].id,
		    &env), 0);
	}
	weft_buf_release(&env);
	/* One exact word, then an exact word and a prefix (dwords). */
	n = 0;
	assert_int_equal(weft_store_search(f->s, "thing", count_cb, &n), 0);
	assert_int_equal(n, f->ngen);
	n = 0;
	assert_int_equal(weft_store_search(f->s, "thing thi", count_cb, &n),
	    0);
	assert_int_equal(n, f->ngen);
	n = 0;
	assert_int_equal(weft_store_search(f->s, "thing zzz", count_cb, &n),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(weft_store_verify(f->s, NULL, NULL, &nr, &nc), 0);
	assert_int_equal(nr, f->n);
	/* ls, and each design's summary, revisions and heads. */
	n = 0;
	assert_int_equal(weft_store_designs(f->s, NULL, NULL, count_cb, &n),
	    0);
	assert_int_equal(n, f->ngen);
	weft_buf_init(&env, 8192);
	for (int g = 0; g < f->ngen; g++) {
		const uint8_t	*d = f->rec[f->genesis[g]].id;
		int		 want = 0, heads = 0;

		for (size_t i = 0; i < f->n; i++)
			if (f->rec[i].type == WEFT_REC_REV &&
			    f->rec[i].design == f->genesis[g])
				want++;
		weft_buf_reset(&env);
		assert_int_equal(weft_store_design_summary(f->s, d, &env), 0);
		n = 0;
		assert_int_equal(weft_store_design_revs(f->s, d, count_cb,
		    &n), 0);
		assert_int_equal(n, want);
		assert_int_equal(weft_store_design_heads(f->s, d, count_cb,
		    &heads), 0);
		assert_true(heads >= 1);
	}
	weft_buf_release(&env);
}

/*
 * Moves the design tables of format 4 (keyed created || design) back to
 * format 3's: "designs" and "by_design"/"heads" keyed by the design id,
 * and "design_time" for the order.
 */
static void
design_tables_to_format3(MDB_txn *txn)
{
	static const char *const from[] = { "dsum", "drevs", "dheads" };
	static const char *const to[] = { "designs", "by_design", "heads" };
	MDB_dbi		 a, b, dt;
	MDB_cursor	*c;
	MDB_val		 k, v, k2, e = { 0, "" };
	uint8_t		 key[32 + 8 + 32];
	int		 rc;

	assert_int_equal(mdb_dbi_open(txn, "design_time", MDB_CREATE, &dt),
	    0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(mdb_dbi_open(txn, from[i], 0, &a), 0);
		assert_int_equal(mdb_dbi_open(txn, to[i], MDB_CREATE, &b), 0);
		assert_int_equal(mdb_cursor_open(txn, a, &c), 0);
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		while (rc == 0) {
			assert_true(k.mv_size == 40 || k.mv_size == 80);
			memcpy(key, (uint8_t *)k.mv_data + 8, k.mv_size - 8);
			k2.mv_size = k.mv_size - 8;
			k2.mv_data = key;
			/* A genesis's short key (format 12) in full. */
			if (i > 0 && k.mv_size == 40) {
				memcpy(key + 32, k.mv_data, 40);
				k2.mv_size = 72;
			}
			assert_int_equal(mdb_put(txn, b, &k2, &v, 0), 0);
			if (i == 0)
				assert_int_equal(mdb_put(txn, dt, &k, &e, 0),
				    0);
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		assert_int_equal(rc, MDB_NOTFOUND);
		mdb_cursor_close(c);
		assert_int_equal(mdb_drop(txn, a, 1), 0);
	}
}

/*
 * Rewrites the records and word layouts of format 4 as format 3 wrote
 * them: envelopes in "records" keyed by id, the (ts, id) order in
 * "all", and one dwords key per word (created || design || word).
 */
static void
to_format3(MDB_txn *txn)
{
	MDB_dbi		 recs, recs3, all, dw;
	MDB_cursor	*c;
	MDB_val		 k, v, k2, v2;
	uint8_t		 key[40 + 64], *buf;
	size_t		 off, wl, n = 0, cap = 0;
	int		 rc;

	assert_int_equal(mdb_dbi_open(txn, "recs", 0, &recs), 0);
	assert_int_equal(mdb_dbi_open(txn, "records", MDB_CREATE, &recs3), 0);
	assert_int_equal(mdb_dbi_open(txn, "all", MDB_CREATE, &all), 0);
	assert_int_equal(mdb_cursor_open(txn, recs, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		assert_int_equal(k.mv_size, 40);
		k2.mv_size = 32;
		k2.mv_data = (uint8_t *)k.mv_data + 8;
		assert_int_equal(mdb_put(txn, recs3, &k2, &v, 0), 0);
		v2.mv_size = 0;
		v2.mv_data = "";
		assert_int_equal(mdb_put(txn, all, &k, &v2, 0), 0);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	assert_int_equal(mdb_drop(txn, recs, 1), 0);
	design_tables_to_format3(txn);

	/* Collect the packed dwords first, then rewrite them per word. */
	buf = NULL;
	assert_int_equal(mdb_dbi_open(txn, "dwords", 0, &dw), 0);
	assert_int_equal(mdb_cursor_open(txn, dw, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		assert_int_equal(k.mv_size, 40);
		if (n + 2 + 40 + v.mv_size > cap) {
			cap = (cap + 40 + v.mv_size) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		buf[n++] = (uint8_t)(v.mv_size >> 8);
		buf[n++] = (uint8_t)v.mv_size;
		memcpy(buf + n, k.mv_data, 40);
		memcpy(buf + n + 40, v.mv_data, v.mv_size);
		n += 40 + v.mv_size;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	assert_int_equal(mdb_drop(txn, dw, 0), 0);
	for (size_t i = 0; i < n;) {
		size_t vl = (size_t)buf[i] << 8 | buf[i + 1];

		memcpy(key, buf + i + 2, 40);
		/*
		 * Today's value: the design number, then len || word ||
		 * impact, repeated.
		 */
		for (off = 4; off < vl; off += wl + 1) {
			wl = buf[i + 42 + off++];
			memcpy(key + 40, buf + i + 42 + off, wl);
			k.mv_size = 40 + wl;
			k.mv_data = key;
			v.mv_size = 0;
			v.mv_data = "";
			assert_int_equal(mdb_put(txn, dw, &k, &v, 0), 0);
		}
		i += 42 + vl;
	}
	free(buf);
}

/* Opens the store's LMDB directly: dir, the store closed. */
static void
raw_open(const char *dir, MDB_env **env, MDB_txn **txn)
{
	assert_int_equal(mdb_env_create(env), 0);
	assert_int_equal(mdb_env_set_maxdbs(*env, 64), 0);
	assert_int_equal(mdb_env_set_mapsize(*env, 1 << 30), 0);
	assert_int_equal(mdb_env_open(*env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

/* Closes the store and opens its LMDB directly, in a write txn. */
static void
raw_begin(struct fx *f, MDB_env **env, MDB_txn **txn)
{
	weft_store_close(f->s);
	f->s = NULL;
	raw_open(f->dir, env, txn);
}

/* Commits (or aborts) the raw txn, closes it and opens the store again. */
static void
raw_end(struct fx *f, MDB_env *env, MDB_txn *txn, int commit)
{
	if (commit)
		assert_int_equal(mdb_txn_commit(txn), 0);
	else
		mdb_txn_abort(txn);
	mdb_env_close(env);
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
}

static void
set_version(MDB_txn *txn, uint8_t version)
{
	MDB_dbi	dbi;
	MDB_val	k, v;
	uint8_t	ver[4] = { 0, 0, 0, version };

	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	k.mv_size = 7;
	k.mv_data = "version";
	v.mv_size = 4;
	v.mv_data = ver;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
}

/*
 * Turns the store back into format 3 and reopens it: the records and
 * dwords are migrated, and everything reads and reconciles as before.
 */
static void
test_upgrade3(void **state)
{
	struct fx	*f = *state;
	MDB_env		*env;
	MDB_txn		*txn;

	random_ops(f, NOPS / 2, NOPS);
	check_reads(f);
	raw_begin(f, &env, &txn);
	to_format3(txn);
	set_version(txn, 3);
	raw_end(f, env, txn, 1);
	check_reads(f);
	check_all_scopes(f);
	random_ops(f, 60, 60);
	check_reads(f);
	/* The old databases are gone. */
	raw_begin(f, &env, &txn);
	{
		static const char *const gone[] = { "records", "all",
		    "designs", "by_design", "heads", "design_time" };
		MDB_dbi	dbi;

		for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
			assert_int_equal(mdb_dbi_open(txn, gone[i], 0, &dbi),
			    MDB_NOTFOUND);
	}
	raw_end(f, env, txn, 0);
}

/*
 * Turns the store back into format 2 (version 2, no scopes but "all"),
 * the way it would have been written before scopes, and reopens it.
 */
static void
test_upgrade(void **state)
{
	struct fx	*f = *state;
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	random_ops(f, NOPS / 2, NOPS);
	raw_begin(f, &env, &txn);
	to_format3(txn);
	assert_int_equal(mdb_dbi_open(txn, "recon_mem", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_dbi_open(txn, "design_lib", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_dbi_open(txn, "recon_agg", 0, &dbi), 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (((uint8_t *)k.mv_data)[0] != 0)
			assert_int_equal(mdb_cursor_del(c, 0), 0);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	set_version(txn, 2);
	raw_end(f, env, txn, 1);
	check_all_scopes(f);
	check_reads(f);
	/* And ingest goes on from the rebuilt scopes. */
	random_ops(f, 60, 60);
}

/*
 * Format 4 stored aggregate levels 0-2 under every level-3 node; format 5
 * only under those of more than 16 records. Adds them back under the
 * others, the way format 4 wrote them (one node per ts >> 4L, count and
 * id sum), in every scope: opening deletes them, and everything still
 * reads.
 */
static void
add_low_levels(MDB_txn *txn, MDB_dbi agg, const uint8_t *sk, size_t sklen,
    uint64_t ts, const uint8_t *id)
{
	uint8_t	key[33 + 9], val[40];
	MDB_val	k, v;
	int	rc;

	/* Only under a sparse level-3 node: a dense one has them. */
	memcpy(key, sk, sklen);
	key[sklen] = 3;
	for (int j = 0; j < 8; j++)
		key[sklen + 1 + j] = (uint8_t)((ts >> 12) >> (56 - 8 * j));
	k.mv_size = sklen + 9;
	k.mv_data = key;
	assert_int_equal(mdb_get(txn, agg, &k, &v), 0);
	assert_int_equal(v.mv_size, sizeof(val));
	memcpy(val, v.mv_data, sizeof(val));
	for (int j = 0; j < 7; j++)
		assert_int_equal(val[j], 0);
	if (val[7] > 16)
		return;
	for (int l = 0; l < 3; l++) {
		memcpy(key, sk, sklen);
		key[sklen] = (uint8_t)l;
		for (int j = 0; j < 8; j++)
			key[sklen + 1 + j] = (uint8_t)((ts >> (4 * l)) >>
			    (56 - 8 * j));
		k.mv_size = sklen + 9;
		k.mv_data = key;
		rc = mdb_get(txn, agg, &k, &v);
		if (rc == MDB_NOTFOUND) {
			memset(val, 0, sizeof(val));
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(v.mv_size, sizeof(val));
			memcpy(val, v.mv_data, sizeof(val));
		}
		val[7]++;	/* counts stay below 256 here */
		weft_recon_sum_add(val + 8, id);
		v.mv_size = sizeof(val);
		v.mv_data = val;
		assert_int_equal(mdb_put(txn, agg, &k, &v, 0), 0);
	}
}

static size_t
count_low_levels(MDB_txn *txn, MDB_dbi agg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n = 0;
	int		 rc;

	assert_int_equal(mdb_cursor_open(txn, agg, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (((uint8_t *)k.mv_data)[k.mv_size - 9] < 3)
			n++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	return n;
}

static void
test_upgrade4(void **state)
{
	struct fx	*f = *state;
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 agg, recs, mem;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[33 + 8 + WEFT_ID_BYTES], all = 0;
	uint64_t	 ts;
	size_t		 dense;
	int		 rc;

	random_ops(f, NOPS / 2, NOPS);
	raw_begin(f, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "recon_agg", 0, &agg), 0);
	assert_int_equal(mdb_dbi_open(txn, "recs", 0, &recs), 0);
	assert_int_equal(mdb_dbi_open(txn, "recon_mem", 0, &mem), 0);
	/* pick_ts() makes some dense nodes, and they have lower levels. */
	dense = count_low_levels(txn, agg);
	assert_true(dense > 0);
	/* Scope all from recs (ts || id), the others from recon_mem. */
	assert_int_equal(mdb_cursor_open(txn, recs, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		assert_int_equal(k.mv_size, 8 + WEFT_ID_BYTES);
		memcpy(key, k.mv_data, k.mv_size);
		ts = 0;
		for (int j = 0; j < 8; j++)
			ts = ts << 8 | key[j];
		add_low_levels(txn, agg, &all, 1, ts, key + 8);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	assert_int_equal(mdb_cursor_open(txn, mem, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		assert_int_equal(k.mv_size, sizeof(key));
		memcpy(key, k.mv_data, k.mv_size);
		ts = 0;
		for (int j = 0; j < 8; j++)
			ts = ts << 8 | key[33 + j];
		add_low_levels(txn, agg, key, 33, ts, key + 33 + 8);
		/* The puts may move the cursor's page: find the key again. */
		k.mv_size = sizeof(key);
		k.mv_data = key;
		assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_SET_KEY), 0);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	assert_true(count_low_levels(txn, agg) > dense + (size_t)f->n / 4);
	set_version(txn, 4);
	raw_end(f, env, txn, 1);
	check_all_scopes(f);
	check_reads(f);
	/* Only the dense nodes' lower levels are left. */
	raw_begin(f, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "recon_agg", 0, &agg), 0);
	assert_int_equal(count_low_levels(txn, agg), dense);
	raw_end(f, env, txn, 0);
	random_ops(f, 60, 60);
	check_all_scopes(f);
}

/*
 * A library's scope turns dense (more than 16 records in one 4.096 s
 * bucket: the aggregates get levels 0-2 there) when an entry brings in a
 * design with many revisions in one bucket, and sparse again (those
 * levels go) when another entry takes it out, through the batch path and
 * through single puts.
 */
static int
rev_at(struct fx *f, int a, uint64_t ts, int design)
{
	struct weft_record	r;
	struct mrec		m;
	char			t[32];

	memset(&m, 0, sizeof(m));
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts;
	snprintf(t, sizeof(t), "thing %llu", (unsigned long long)ts);
	r.title = strdup(t);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	m.design = design < 0 ? (int)f->n : design;
	if (design >= 0) {
		r.has_design = true;
		memcpy(r.design, f->rec[design].id, WEFT_ID_BYTES);
		r.prev.ids = malloc(WEFT_ID_BYTES);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], f->rec[f->n - 1].id, WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	assert_int_equal(put(f, &r, a, &m), 0);
	if (design < 0)
		f->genesis[f->ngen++] = (int)f->n - 1;
	return (int)f->n - 1;
}

static void
entry_at(struct fx *f, int l, int design, int action, uint64_t ts)
{
	struct weft_record	r;
	struct mrec		m;

	memset(&m, 0, sizeof(m));
	m.lib = f->libs[l];
	m.design = design;
	m.action = action;
	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	r.ts = ts;
	memcpy(r.lib, f->rec[m.lib].id, WEFT_ID_BYTES);
	memcpy(r.entry_design, f->rec[design].id, WEFT_ID_BYTES);
	r.action = (enum weft_entry_action)action;
	assert_int_equal(put(f, &r, l % NAUTH, &m), 0);
}

/* Keys of levels 0-2 in lib l's scope (the store closed meanwhile). */
static size_t
lib_low_levels(struct fx *f, int l)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 agg;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 sk[33];
	size_t		 n = 0;
	int		 rc;

	sk[0] = WEFT_STORE_SCOPE_LIB;
	memcpy(sk + 1, f->rec[f->libs[l]].id, WEFT_ID_BYTES);
	raw_begin(f, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "recon_agg", 0, &agg), 0);
	assert_int_equal(mdb_cursor_open(txn, agg, &c), 0);
	k.mv_size = sizeof(sk);
	k.mv_data = sk;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == sizeof(sk) + 9 &&
	    memcmp(k.mv_data, sk, sizeof(sk)) == 0) {
		if (((uint8_t *)k.mv_data)[sizeof(sk)] < 3)
			n++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	raw_end(f, env, txn, 0);
	return n;
}

static void
test_dense_lib(void **state)
{
	struct fx	*f = *state;
	uint64_t	 t0;
	int		 g;

	for (int l = 0; l < 2; l++) {
		f->how = 1 + l;
		/* Far from pick_ts(): the bucket holds only these. */
		t0 = UINT64_C(1800000000000) + (uint64_t)l * 100000;
		g = rev_at(f, l, t0, -1);
		for (int i = 1; i <= 24; i++)
			(void)rev_at(f, l, t0 + (uint64_t)i * 10, g);
		assert_int_equal(lib_low_levels(f, l), 0);
		entry_at(f, l, g, WEFT_ENTRY_ADD, t0 + 1000);
		check_all_scopes(f);
		assert_true(lib_low_levels(f, l) > 0);
		entry_at(f, l, g, WEFT_ENTRY_REMOVE, t0 + 2000);
		check_all_scopes(f);
		assert_int_equal(lib_low_levels(f, l), 0);
	}
	f->how = 0;
	random_ops(f, 60, 60);
}

/*
 * A store from before the aggregates (no recon_agg keys at all, format
 * 2 otherwise) gets them built from its records at open, dense buckets
 * (24 revisions in one 4.096 s) with their lower levels included.
 */

/*
 * The search index's bytes (docs/proto/store.md, "Search"): a design
 * titled "Gear wheel" with a file "parts/Bolt.STL" has the terms gear and
 * wheel (tf 3, dl 3 + 3 + 1 + 1 + 1 = 9: impact 215), parts, bolt and stl
 * (tf 1: impact 164), then the type term 0x01 "stl" (impact 0); gear's
 * entry counts one design, its largest impact 215, and its posting is
 * gear || 0 || 255 - 215 || ~created || design.
 */
static void
test_search_bytes(void **state)
{
	static const uint8_t	 want[] = {
		4, 'g', 'e', 'a', 'r', 215,
		5, 'w', 'h', 'e', 'e', 'l', 215,
		5, 'p', 'a', 'r', 't', 's', 164,
		4, 'b', 'o', 'l', 't', 164,
		3, 's', 't', 'l', 164,
		4, 0x01, 's', 't', 'l', 0,
	};
	static const uint8_t	 entry[] = { 0, 0, 0, 1, 215 };
	struct fx		*f = *state;
	struct weft_record	 r;
	struct mrec		 m;
	MDB_env			*env;
	MDB_txn			*txn;
	MDB_dbi			 dw, wo;
	MDB_val			 k, v;
	uint8_t			 key[6 + 40] = { 'g', 'e', 'a', 'r', 0 };
	uint8_t			 dk[40];
	uint8_t			 wkey[9] = { 'g', 'e', 'a', 'r', 0 };
	uint8_t			 tkey[6 + 40];
	MDB_stat		 ws;
	MDB_cursor		*wc;
	size_t			 entries = 0;
	uint64_t		 ts;
	uint32_t		 num;
	MDB_dbi			 dn, wl;

	memset(&m, 0, sizeof(m));
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts = pick_ts();
	r.title = strdup("Gear wheel");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	r.files = calloc(1, sizeof(*r.files));
	assert_non_null(r.files);
	r.files[0].path = strdup("parts/Bolt.STL");
	r.files[0].size = 1;
	memset(r.files[0].hash, 1, WEFT_ID_BYTES);
	memset(r.files[0].index, 1, WEFT_ID_BYTES);
	r.nfiles = 1;
	assert_int_equal(put(f, &r, 0, &m), 0);

	raw_begin(f, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "dwords", 0, &dw), 0);
	assert_int_equal(mdb_dbi_open(txn, "words", 0, &wo), 0);
	for (int i = 0; i < 8; i++)
		dk[i] = (uint8_t)(ts >> (56 - 8 * i));
	memcpy(dk + 8, m.id, 32);
	k.mv_size = sizeof(dk);
	k.mv_data = dk;
	assert_int_equal(mdb_get(txn, dw, &k, &v), 0);
	assert_int_equal(v.mv_size, 4 + sizeof(want));
	assert_memory_equal((uint8_t *)v.mv_data + 4, want, sizeof(want));
	/* The design number: dnum names the design, wlist holds it. */
	num = (uint32_t)((uint8_t *)v.mv_data)[0] << 24 |
	    (uint32_t)((uint8_t *)v.mv_data)[1] << 16 |
	    (uint32_t)((uint8_t *)v.mv_data)[2] << 8 |
	    ((uint8_t *)v.mv_data)[3];
	assert_true(num < 128);
	assert_int_equal(mdb_dbi_open(txn, "dnum", 0, &dn), 0);
	assert_int_equal(mdb_dbi_open(txn, "wlist", 0, &wl), 0);
	k.mv_size = 4;
	k.mv_data = v.mv_data;
	assert_int_equal(mdb_get(txn, dn, &k, &v), 0);
	assert_int_equal(v.mv_size, 40);
	assert_memory_equal(v.mv_data, dk, 40);
	/* The only design with "gear": one block, varint(num) || 215. */
	wkey[5] = wkey[6] = wkey[7] = 0;
	wkey[8] = (uint8_t)num;
	k.mv_size = sizeof(wkey);
	k.mv_data = wkey;
	assert_int_equal(mdb_get(txn, wl, &k, &v), 0);
	assert_int_equal(v.mv_size, 2);
	assert_int_equal(((uint8_t *)v.mv_data)[0], num);
	assert_int_equal(((uint8_t *)v.mv_data)[1], 215);
	k.mv_size = 5;
	k.mv_data = key;
	assert_int_equal(mdb_get(txn, wo, &k, &v), 0);
	assert_int_equal(v.mv_size, sizeof(entry));
	assert_memory_equal(v.mv_data, entry, sizeof(entry));
	key[5] = 255 - 215;
	for (int i = 0; i < 8; i++)
		key[6 + i] = (uint8_t)(~ts >> (56 - 8 * i));
	memcpy(key + 14, m.id, 32);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	/* Format 9: a word's postings are its wlist entries only. */
	assert_int_equal(mdb_get(txn, wo, &k, &v), MDB_NOTFOUND);
	/* A type term keeps its posting: 01 "stl" 00 ff ~created design. */
	tkey[0] = 0x01;
	memcpy(tkey + 1, "stl", 3);
	tkey[4] = 0;
	tkey[5] = 0xff;
	memcpy(tkey + 6, key + 6, 8 + 32);
	k.mv_size = sizeof(tkey);
	k.mv_data = tkey;
	assert_int_equal(mdb_get(txn, wo, &k, &v), 0);
	assert_int_equal(v.mv_size, 0);
	k.mv_size = 5;
	k.mv_data = tkey;
	assert_int_equal(mdb_get(txn, wo, &k, &v), 0);
	assert_int_equal(v.mv_size, 5);
	assert_memory_equal(v.mv_data, "\x00\x00\x00\x01\x00", 5);
	/* words holds two entries, the type posting, and nothing else. */
	assert_int_equal(mdb_stat(txn, wo, &ws), 0);
	/* Every other key of words is an entry: term || 0x00. */
	assert_int_equal(mdb_cursor_open(txn, wo, &wc), 0);
	while (mdb_cursor_get(wc, &k, &v, MDB_NEXT) == 0) {
		if (((uint8_t *)k.mv_data)[0] == 0x01 &&
		    k.mv_size == sizeof(tkey))
			continue;
		assert_int_equal(v.mv_size, 5);
		assert_ptr_equal(memchr(k.mv_data, 0, k.mv_size),
		    (uint8_t *)k.mv_data + k.mv_size - 1);
		entries++;
	}
	mdb_cursor_close(wc);
	assert_int_equal(ws.ms_entries, entries + 1);
	raw_end(f, env, txn, 0);
}

/*
 * Short ids against crafted neighbours in `info`: ids that share 11 hex
 * digits need 12; the first and last keys, and an id beyond the last,
 * look one way only.
 */
static void
test_short_ids(void **state)
{
	struct fx	*f = *state;
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 info;
	MDB_val		 k, v;
	uint8_t		 ids[5][32], val[73] = { 0 };
	unsigned	 n;

	memset(ids[0], 0x00, 32);		/* the first */
	memset(ids[1], 0x11, 32);
	memset(ids[2], 0x11, 32);
	ids[2][5] = 0x12;			/* shares 11 digits with 1 */
	memset(ids[3], 0xfe, 32);
	ids[3][31] = 0;				/* the last */
	memset(ids[4], 0xfe, 32);
	ids[4][3] = 0xef;			/* shares 6 with 3 */
	raw_begin(f, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "info", 0, &info), 0);
	for (int i = 0; i < 5; i++) {
		k.mv_size = 32;
		k.mv_data = ids[i];
		v.mv_size = sizeof(val);
		v.mv_data = val;
		assert_int_equal(mdb_put(txn, info, &k, &v, 0), 0);
	}
	raw_end(f, env, txn, 1);
	assert_int_equal(weft_store_short_len(f->s, ids[0], &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(weft_store_short_len(f->s, ids[1], &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(weft_store_short_len(f->s, ids[2], &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(weft_store_short_len(f->s, ids[3], &n), 0);
	assert_int_equal(n, 8);
	ids[3][31] = 1;		/* not stored, after the last: 63 shared */
	assert_int_equal(weft_store_short_len(f->s, ids[3], &n), 0);
	assert_int_equal(n, 64);
	ids[1][31] = 0x10;	/* not stored, between 1 and 2 */
	assert_int_equal(weft_store_short_len(f->s, ids[1], &n), 0);
	assert_int_equal(n, 64);
}

static void
test_backfill(void **state)
{
	struct fx	*f = *state;
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	uint64_t	 t0 = UINT64_C(1800000000000);
	int		 g;

	random_ops(f, NOPS / 4, NOPS);
	g = rev_at(f, 0, t0, -1);
	for (int i = 1; i <= 24; i++)
		(void)rev_at(f, 0, t0 + (uint64_t)i * 10, g);
	raw_begin(f, &env, &txn);
	to_format3(txn);
	static const char *const gone[] = { "recon_agg", "recon_mem",
	    "design_lib" };
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		assert_int_equal(mdb_dbi_open(txn, gone[i], 0, &dbi), 0);
		assert_int_equal(mdb_drop(txn, dbi, 0), 0);
	}
	set_version(txn, 2);
	raw_end(f, env, txn, 1);
	check_all_scopes(f);
	check_reads(f);
	random_ops(f, 60, 60);
	check_all_scopes(f);
}

/*
 * Likes, in batches of many records as sync writes them (their aggregates
 * deferred to one flush), by every author and so also on the liker's own
 * designs: a like joins its signer's scope and its design author's (one
 * scope when they are the same author), and the scopes of the libraries
 * holding its design.
 */
#define LIKE_BATCH	24

struct likes {
	struct weft_buf		env[LIKE_BATCH];
	struct weft_slice	sl[LIKE_BATCH];
	struct mrec		m[LIKE_BATCH];
	int			n;
};

static void
like_add(struct fx *f, struct likes *lk)
{
	struct weft_record	 r;
	struct weft_buf		 body;
	struct mrec		*m = &lk->m[lk->n];
	int			 a = (int)randombytes_uniform(NAUTH);

	memset(m, 0, sizeof(*m));
	m->design = f->genesis[randombytes_uniform((uint32_t)f->ngen)];
	/* A third on the liker's own design. */
	if (randombytes_uniform(3) == 0)
		a = f->rec[m->design].author;
	weft_record_init(&r);
	r.type = WEFT_REC_REACTION;
	r.ts = pick_ts();
	r.has_design = true;
	memcpy(r.design, f->rec[m->design].id, WEFT_ID_BYTES);
	r.value = strdup(randombytes_uniform(4) == 0 ? "" : "like");
	assert_non_null(r.value);
	memcpy(r.author, f->pk[a], WEFT_PK_BYTES);
	m->type = WEFT_REC_REACTION;
	m->author = a;
	m->ts = r.ts;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&lk->env[lk->n], WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, f->sk[a],
	    &lk->env[lk->n]), 0);
	lk->sl[lk->n].data = lk->env[lk->n].data;
	lk->sl[lk->n].len = lk->env[lk->n].len;
	lk->n++;
	weft_buf_release(&body);
	weft_record_release(&r);
}

static void
likes_put(struct fx *f, struct likes *lk)
{
	uint8_t	ids[LIKE_BATCH][WEFT_ID_BYTES];
	int	res[LIKE_BATCH];

	assert_int_equal(weft_store_records_put(f->s, lk->sl, (size_t)lk->n,
	    res, ids), 0);
	for (int i = 0; i < lk->n; i++) {
		/* Equal random likes, and floods of one author's: refused. */
		if (res[i] == WEFT_EEXISTS || res[i] == WEFT_ELIMIT) {
			weft_buf_release(&lk->env[i]);
			continue;
		}
		assert_int_equal(res[i], 0);
		memcpy(lk->m[i].id, ids[i], WEFT_ID_BYTES);
		assert_true(f->n < MAXREC);
		f->rec[f->n++] = lk->m[i];
		weft_buf_release(&lk->env[i]);
	}
	lk->n = 0;
}

static void
test_likes(void **state)
{
	struct fx	*f = *state;
	struct likes	*lk;

	lk = calloc(1, sizeof(*lk));
	assert_non_null(lk);
	random_ops(f, NOPS / 4, NOPS);
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < LIKE_BATCH; i++)
			like_add(f, lk);
		likes_put(f, lk);
		random_ops(f, 8, NOPS);
		check_all_scopes(f);
	}
	free(lk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade3, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade4, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dense_lib, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_search_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_short_ids, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backfill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_likes, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
