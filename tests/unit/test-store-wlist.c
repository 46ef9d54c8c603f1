/*
 * Design-ordered lists (store_wlist.h): a query of several words that
 * intersects the lists finds exactly what the walk of the rarest word's
 * postings finds, in the same order, with the same pages and filters,
 * after new heads changed designs' words and after blocks removed
 * designs; and a store of format 7 (no lists, no design numbers) is
 * upgraded at open and answers the same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_mods.h"
#include "store_wlist.h"

#define NDES	1500
#define NREV	300

static const char *const vocab[] = {
	"gear", "hook", "bracket", "mount", "clip", "box", "lid", "knob",
	"gears", "hinge", "hold", "holder", "stand", "case",
};
#define NVOCAB	(sizeof(vocab) / sizeof(vocab[0]))

static uint8_t	pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];
static uint8_t	gid[NDES][WEFT_ID_BYTES];
static uint64_t	gts[NDES];

static const char *
word(void)
{
	return vocab[randombytes_uniform(NVOCAB)];
}

/* A revision of design d (a genesis when prev is NULL). */
static void
make(struct weft_slice *e, uint64_t ts, const uint8_t *design,
    const uint8_t *prev, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body, env;
	char			t[128], d[128];
	int			nt = 1 + (int)randombytes_uniform(4);

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts;
	memcpy(r.author, pk, WEFT_PK_BYTES);
	t[0] = '\0';
	for (int i = 0; i < nt; i++) {
		strcat(t, word());
		strcat(t, " ");
	}
	snprintf(d, sizeof(d), "%s %s", word(), word());
	r.title = strdup(t);
	r.description = strdup(d);
	r.license = strdup(randombytes_uniform(2) ? "CC0-1.0" : "MIT");
	r.message = strdup("");
	r.tags = calloc(1, sizeof(*r.tags));
	assert_non_null(r.tags);
	r.tags[0] = strdup(word());
	r.ntags = 1;
	if (randombytes_uniform(3) > 0) {
		/* A file: its name's words and a type term. */
		r.files = calloc(1, sizeof(*r.files));
		assert_non_null(r.files);
		r.files[0].path = strdup(randombytes_uniform(2) ?
		    "part.stl" : "box.scad");
		r.files[0].size = 1;
		memset(r.files[0].hash, 1, WEFT_ID_BYTES);
		memset(r.files[0].index, 1, WEFT_ID_BYTES);
		r.nfiles = 1;
	}
	if (design != NULL) {
		r.has_design = true;
		memcpy(r.design, design, WEFT_ID_BYTES);
		r.prev.ids = malloc(WEFT_ID_BYTES);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], prev, WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, &env), 0);
	e->data = weft_buf_detach(&env, &e->len);
	if (id != NULL)
		weft_record_id(body.data, body.len, id);
	weft_buf_release(&body);
	weft_record_release(&r);
}

/* The author's retract of design (its genesis) into e. */
static void
retract(struct weft_slice *e, const uint8_t design[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body, env;

	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.ts = UINT64_C(1800000000000);
	memcpy(r.author, pk, WEFT_PK_BYTES);
	r.targets.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], design, WEFT_ID_BYTES);
	r.targets.n = 1;
	r.reason = strdup("test");
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, &env), 0);
	e->data = weft_buf_detach(&env, &e->len);
	weft_buf_release(&body);
	weft_record_release(&r);
}

struct ids {
	uint8_t	(*id)[WEFT_ID_BYTES];
	size_t	 n, cap;
};

static int
ids_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct ids	*r = arg;

	(void)data;
	(void)len;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->id = realloc(r->id, r->cap * WEFT_ID_BYTES);
		assert_non_null(r->id);
	}
	memcpy(r->id[r->n++], id, WEFT_ID_BYTES);
	return 0;
}

static const char *const queries[] = {
	"gear hook", "gear hook bracket", "hook gear", "gear hoo",
	"box lid knob", "hold", "holder hinge", "clip mount case",
	"gear gea", "stand box", "stand holder hook clip", "knob zzz",
	"hinge h", "gears gear",
};
#define NQ	(sizeof(queries) / sizeof(queries[0]))

/* The results of query i under variant v (filters, sort, page). */
static void
run(struct weft_store *s, size_t i, int v, struct ids *r,
    struct weft_store_search_info *info)
{
	struct weft_store_query	q;

	memset(&q, 0, sizeof(q));
	q.query = queries[i];
	switch (v) {
	case 0:
		break;
	case 1:
		q.limit = 20;
		break;
	case 2:
		q.limit = 7;
		q.offset = 14;
		break;
	case 3:
		q.recent = true;
		q.limit = 20;
		break;
	case 4:
		q.license = "MIT";
		break;
	case 5:
		q.tag = "box";
		q.limit = 5;
		break;
	case 6:
		q.since = gts[NDES / 3];
		q.until = gts[2 * NDES / 3];
		break;
	case 7:
		q.exact = true;
		break;
	case 8:
		q.type = "stl";
		break;
	case 9:
		q.type = "scad";
		q.limit = 5;
		q.offset = 5;
		break;
	}
	r->n = 0;
	memset(info, 0, sizeof(*info));
	assert_int_equal(weft_store_search_page(s, &q, info, ids_cb, r), 0);
}

#define NVAR	10

/* Lists and the walk of postings give the same pages, in one order. */
static void
check_same(struct weft_store *s)
{
	struct weft_store_search_info	a, b;
	struct ids			ra = { 0 }, rb = { 0 };
	uint64_t			nonempty = 0;

	for (size_t i = 0; i < NQ; i++) {
		for (int v = 0; v < NVAR; v++) {
			weft__store_lists_est_max = 1e18;
			run(s, i, v, &ra, &a);
			weft__store_lists_est_max = -1;
			run(s, i, v, &rb, &b);
			if (ra.n != rb.n)
				print_error("query '%s' variant %d: %zu vs "
				    "%zu\n", queries[i], v, ra.n, rb.n);
			assert_int_equal(ra.n, rb.n);
			for (size_t j = 0; j < ra.n; j++)
				if (memcmp(ra.id[j], rb.id[j],
				    WEFT_ID_BYTES) != 0)
					fail_msg("query '%s' variant %d: "
					    "result %zu differs", queries[i],
					    v, j);
			/* Every match is found: the count is exact. */
			if (a.exact)
				assert_true(a.total >= ra.n);
			if (b.exact && a.exact)
				assert_int_equal(a.total, b.total);
			nonempty += ra.n;
		}
	}
	assert_true(nonempty > 1000);
	weft__store_lists_est_max = 50000.0;
	free(ra.id);
	free(rb.id);
}

static void
put_all(struct weft_store *s, struct weft_slice *e, size_t n)
{
	int	*res = calloc(n, sizeof(*res));

	assert_non_null(res);
	assert_int_equal(weft_store_records_put(s, e, n, res, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], 0);
	for (size_t i = 0; i < n; i++)
		free((void *)e[i].data);
	free(res);
}

static void
build(struct weft_store *s)
{
	struct weft_slice	*e;
	uint8_t			 prev[WEFT_ID_BYTES];

	e = calloc(NDES, sizeof(*e));
	assert_non_null(e);
	for (size_t i = 0; i < NDES; i++) {
		gts[i] = UINT64_C(1700000000000) + 1000 * i;
		make(&e[i], gts[i], NULL, NULL, gid[i]);
	}
	put_all(s, e, NDES);
	free(e);
	/* New heads: their designs' words change (or stay). */
	e = calloc(NREV, sizeof(*e));
	assert_non_null(e);
	for (size_t i = 0; i < NREV; i++) {
		size_t	d = (i * 7) % NDES;

		memcpy(prev, gid[d], WEFT_ID_BYTES);
		make(&e[i], gts[d] + 500, gid[d], prev, NULL);
	}
	put_all(s, e, NREV);
	free(e);
}

static void
rm_dir(const char *dir)
{
	char	cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_lists_same(void **state)
{
	struct weft_store		*s;
	struct weft_store_query		 q;
	struct weft_store_search_info	 info;
	struct ids			 r = { 0 };
	char				 dir[] = "/tmp/weft-wlist-XXXXXX";
	uint8_t				 some[WEFT_ID_BYTES];
	struct weft_slice		 env;
	size_t				 before;
	bool				 found = false;

	(void)state;
	crypto_sign_keypair(pk, sk);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	build(s);
	memset(&q, 0, sizeof(q));
	q.query = "gear hook";
	assert_int_equal(weft_store_search_page(s, &q, &info, ids_cb, &r), 0);
	assert_true(r.n > 10);
	check_same(s);

	/* A retracted design leaves both indexes (and its number). */
	for (size_t d = 0; d < NDES; d++)
		if (memcmp(gid[d], r.id[0], WEFT_ID_BYTES) == 0)
			found = true;
	assert_true(found);
	memcpy(some, r.id[0], WEFT_ID_BYTES);
	before = r.n;
	retract(&env, some);
	assert_int_equal(weft_store_record_put(s, env.data, env.len, NULL), 0);
	free((void *)env.data);
	r.n = 0;
	assert_int_equal(weft_store_search_page(s, &q, &info, ids_cb, &r), 0);
	assert_int_equal(r.n, before - 1);
	for (size_t j = 0; j < r.n; j++)
		assert_memory_not_equal(r.id[j], some, WEFT_ID_BYTES);
	check_same(s);
	free(r.id);
	weft_store_close(s);
	rm_dir(dir);
}

/* The lists path reads few blocks when two common words rarely meet. */
static void
test_lists_skip(void **state)
{
	struct weft_store		*s;
	struct weft_store_query		 q;
	struct weft_store_search_info	 info;
	struct weft_slice		*e;
	struct weft_record		 rr;
	struct ids			 r = { 0 };
	char				 dir[] = "/tmp/weft-wlist-XXXXXX";
	char				 t[64];
	size_t				 n = 6000;

	(void)state;
	crypto_sign_keypair(pk, sk);
	e = calloc(n, sizeof(*e));
	assert_non_null(e);
	for (size_t i = 0; i < n; i++) {
		struct weft_buf	body, env;

		/* alpha: the first half; beta: the second and 12 of the
		 * first, spread over it. */
		snprintf(t, sizeof(t), "%s%s %zu", i < n / 2 ? "alpha" :
		    "beta", i < n / 2 && i % 250 == 0 ? " beta" : "", i);
		weft_record_init(&rr);
		rr.type = WEFT_REC_REV;
		rr.ts = UINT64_C(1700000000000) + i;
		memcpy(rr.author, pk, WEFT_PK_BYTES);
		rr.title = strdup(t);
		rr.license = strdup("MIT");
		rr.message = strdup("");
		weft_buf_init(&body, WEFT_RECORD_MAX);
		weft_buf_init(&env, WEFT_RECORD_MAX);
		assert_int_equal(weft_record_encode_body(&rr, &body), 0);
		assert_int_equal(weft_record_sign(body.data, body.len, sk,
		    &env), 0);
		e[i].data = weft_buf_detach(&env, &e[i].len);
		weft_buf_release(&body);
		weft_record_release(&rr);
	}
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	put_all(s, e, n);
	free(e);
	memset(&q, 0, sizeof(q));
	q.query = "alpha beta";
	q.limit = 20;
	assert_int_equal(weft_store_search_page(s, &q, &info, ids_cb, &r), 0);
	assert_int_equal(r.n, 12);
	assert_int_equal(info.total, 12);
	assert_true(info.exact);
	/* 12 meetings: a few dozen positions of the driver, not 3,000. */
	assert_true(info.scanned < 100);
	free(r.id);
	weft_store_close(s);
	rm_dir(dir);
}

/* Closes nothing: turns the LMDB of dir back into format 7. */
static void
to_format7(const char *dir)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dw, meta, dbi;
	MDB_cursor	*c;
	MDB_val		 k, v, v2;
	uint8_t		*buf;
	uint8_t		 ver[4] = { 0, 0, 0, 7 };
	int		 rc;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 1 << 30), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	/* dwords without the design number in front. */
	assert_int_equal(mdb_dbi_open(txn, "dwords", 0, &dw), 0);
	assert_int_equal(mdb_cursor_open(txn, dw, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		assert_true(v.mv_size > 4);
		buf = malloc(v.mv_size - 4);
		assert_non_null(buf);
		memcpy(buf, (uint8_t *)v.mv_data + 4, v.mv_size - 4);
		v2.mv_size = v.mv_size - 4;
		v2.mv_data = buf;
		assert_int_equal(mdb_cursor_put(c, &k, &v2, MDB_CURRENT), 0);
		free(buf);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	assert_int_equal(mdb_dbi_open(txn, "dnum", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_dbi_open(txn, "wlist", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	k.mv_size = 9;
	k.mv_data = "dnum_next";
	assert_int_equal(mdb_del(txn, meta, &k, NULL), 0);
	k.mv_size = 7;
	k.mv_data = "version";
	v.mv_size = 4;
	v.mv_data = ver;
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* The size of the rebuild's mark in meta, -1 when none. */
static int
rebuild_mark(const char *dir)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 meta;
	MDB_val		 k, v;
	int		 n = -1;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	k.mv_size = 13;
	k.mv_data = "words_rebuild";
	if (mdb_get(txn, meta, &k, &v) == 0)
		n = (int)v.mv_size;
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return n;
}

static void
test_upgrade7(void **state)
{
	struct weft_store		*s;
	struct weft_store_search_info	 info;
	struct ids			 before[NQ][NVAR], r = { 0 };
	char				 dir[] = "/tmp/weft-wlist-XXXXXX";

	(void)state;
	crypto_sign_keypair(pk, sk);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	build(s);
	memset(before, 0, sizeof(before));
	/* The walk of postings reads format 7's tables only. */
	weft__store_lists_est_max = -1;
	for (size_t i = 0; i < NQ; i++)
		for (int v = 0; v < NVAR; v++)
			run(s, i, v, &before[i][v], &info);
	weft_store_close(s);
	to_format7(dir);
	/*
	 * The upgrade rebuilds in steps of 100 designs, each its own
	 * transaction: cut short after 3 (as by a crash), the store goes
	 * on from there at the next open.
	 */
	weft__store_rebuild_step = 100;
	weft__store_rebuild_stop = 3;
	assert_int_equal(weft_store_open(&s, dir, NULL), WEFT_EUSAGE);
	assert_null(s);
	assert_int_equal(rebuild_mark(dir), 40);
	weft__store_rebuild_stop = -1;
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	weft__store_rebuild_step = 20000;
	weft__store_lists_est_max = 1e18;
	for (size_t i = 0; i < NQ; i++) {
		for (int v = 0; v < NVAR; v++) {
			run(s, i, v, &r, &info);
			assert_int_equal(r.n, before[i][v].n);
			if (r.n > 0)
				assert_memory_equal(r.id, before[i][v].id,
				    r.n * WEFT_ID_BYTES);
			free(before[i][v].id);
		}
	}
	weft__store_lists_est_max = 50000.0;
	check_same(s);
	free(r.id);
	weft_store_close(s);
	assert_int_equal(rebuild_mark(dir), -1);
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	weft_store_close(s);
	rm_dir(dir);
}

/*
 * Turns the LMDB of dir back into format 8: every word's postings in
 * `words` again (term || 0x00 || 255 - impact || ~created || design,
 * from `dwords`), version 8. Returns the postings put.
 */
static size_t
to_format8(const char *dir)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dw, wo, meta;
	MDB_cursor	*c;
	MDB_val		 k, v, wk, wv = { 0, "" };
	uint8_t		 key[65 + 2 + 40];
	uint8_t		 ver[4] = { 0, 0, 0, 8 };
	const uint8_t	*p;
	size_t		 off, tl, n = 0;
	int		 rc;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 1 << 30), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "dwords", 0, &dw), 0);
	assert_int_equal(mdb_dbi_open(txn, "words", 0, &wo), 0);
	assert_int_equal(mdb_cursor_open(txn, dw, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		assert_int_equal(k.mv_size, 40);
		p = v.mv_data;
		for (off = 4; off < v.mv_size; off += tl + 1) {
			tl = p[off++];
			assert_true(off + tl < v.mv_size);
			if (p[off] == 0x01)
				continue;	/* a type term kept its own */
			memcpy(key, p + off, tl);
			key[tl] = 0;
			key[tl + 1] = (uint8_t)(255 - p[off + tl]);
			for (int i = 0; i < 8; i++)
				key[tl + 2 + i] = (uint8_t)~((uint8_t *)
				    k.mv_data)[i];
			memcpy(key + tl + 10, (uint8_t *)k.mv_data + 8, 32);
			wk.mv_size = tl + 42;
			wk.mv_data = key;
			assert_int_equal(mdb_put(txn, wo, &wk, &wv, 0), 0);
			n++;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	k.mv_size = 7;
	k.mv_data = "version";
	v.mv_size = 4;
	v.mv_data = ver;
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	return n;
}

/* The postings of words in `words` (keys longer than an entry). */
static size_t
word_postings(const char *dir)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 wo;
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n = 0;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "words", 0, &wo), 0);
	assert_int_equal(mdb_cursor_open(txn, wo, &c), 0);
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
		if (((uint8_t *)k.mv_data)[0] != 0x01 &&
		    memchr(k.mv_data, 0, k.mv_size) !=
		    (uint8_t *)k.mv_data + k.mv_size - 1)
			n++;
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return n;
}

/*
 * Format 8 -> 9: the upgrade drops the words' postings from `words`
 * (resumably, in steps) and every query answers as before, walk and
 * lists alike.
 */
static void
test_upgrade8(void **state)
{
	struct weft_store		*s;
	struct weft_store_search_info	 info;
	struct ids			 before[NQ][NVAR], r = { 0 };
	char				 dir[] = "/tmp/weft-wlist-XXXXXX";

	(void)state;
	crypto_sign_keypair(pk, sk);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	build(s);
	memset(before, 0, sizeof(before));
	weft__store_lists_est_max = -1;
	for (size_t i = 0; i < NQ; i++)
		for (int v = 0; v < NVAR; v++)
			run(s, i, v, &before[i][v], &info);
	weft_store_close(s);
	assert_int_equal(word_postings(dir), 0);
	assert_true(to_format8(dir) > 1000);
	assert_true(word_postings(dir) > 1000);
	weft__store_rebuild_step = 100;
	weft__store_rebuild_stop = 3;
	assert_int_equal(weft_store_open(&s, dir, NULL), WEFT_EUSAGE);
	assert_null(s);
	assert_int_equal(rebuild_mark(dir), 40);
	weft__store_rebuild_stop = -1;
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	weft__store_rebuild_step = 20000;
	for (int lists = 0; lists < 2; lists++) {
		weft__store_lists_est_max = lists ? 1e18 : -1;
		for (size_t i = 0; i < NQ; i++) {
			for (int v = 0; v < NVAR; v++) {
				run(s, i, v, &r, &info);
				assert_int_equal(r.n, before[i][v].n);
				if (r.n > 0)
					assert_memory_equal(r.id,
					    before[i][v].id,
					    r.n * WEFT_ID_BYTES);
			}
		}
	}
	for (size_t i = 0; i < NQ; i++)
		for (int v = 0; v < NVAR; v++)
			free(before[i][v].id);
	weft__store_lists_est_max = 50000.0;
	check_same(s);
	free(r.id);
	weft_store_close(s);
	assert_int_equal(rebuild_mark(dir), -1);
	assert_int_equal(word_postings(dir), 0);
	rm_dir(dir);
}

static int
vec_put(struct weft_store *s, MDB_txn *txn, void *arg)
{
	static const uint32_t	nums[] = { 300, 3, 130 };
	int			err = 0;

	(void)arg;
	for (size_t i = 0; i < 3 && err == 0; i++)
		err = wlist_set(s, txn, (const uint8_t *)"zz", 2,
		    nums[i], 7);
	return err;
}

/* The block vector of docs/proto/store.md, and blocks a decoder refuses. */
static void
test_block_bytes(void **state)
{
	static const uint8_t	 want[] = { 3, 7, 0x7f, 7, 0xaa, 1, 7 };
	static const struct {
		uint8_t	v[12];
		size_t	n;
		uint8_t	last;
	} bad[] = {
		{ { 0 }, 0, 0 },			/* empty */
		{ { 3 }, 1, 3 },			/* no impact */
		{ { 0x83 }, 1, 3 },			/* cut varint */
		{ { 3, 7, 0, 7 }, 4, 3 },		/* no rise */
		{ { 3, 7 }, 2, 4 },			/* last differs */
		{ { 0x80, 0x80, 0x80, 0x80, 0x80, 1, 7 }, 7, 0 }, /* long */
		{ { 0xff, 0xff, 0xff, 0xff, 0x7f, 7 }, 6, 0 },	/* > 2^32 */
	};
	struct weft_store	*s;
	MDB_txn			*txn;
	MDB_val			 k, v;
	uint8_t			 key[2 + 1 + 4] = {
		'z', 'z', 0, 0, 0, 1, 0x2c,
	};
	uint8_t			 big[2 * (WL_MAX + 1)];
	uint32_t		 num[WL_MAX];
	uint8_t			 imp[WL_MAX];
	size_t			 n;
	char			 dir[] = "/tmp/weft-wlist-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	assert_int_equal(weft__store_write(s, vec_put, NULL), 0);
	assert_int_equal(weft__store_read_begin(s, &txn), 0);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	assert_int_equal(mdb_get(txn, s->dbi[DB_WLIST], &k, &v), 0);
	assert_int_equal(v.mv_size, sizeof(want));
	assert_memory_equal(v.mv_data, want, sizeof(want));
	assert_int_equal(wlist_decode(&k, 3, &v, num, imp, &n),
	    0);
	assert_int_equal(n, 3);
	assert_int_equal(num[2], 300);
	weft__store_read_end(s, txn);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		key[3] = key[4] = key[5] = 0;
		key[6] = bad[i].last;
		v.mv_size = bad[i].n;
		v.mv_data = (void *)bad[i].v;
		assert_int_equal(wlist_decode(&k, 3, &v, num, imp,
		    &n), WEFT_ECORRUPT);
	}
	/* 129 designs: one too many for a block. */
	for (size_t i = 0; i < WL_MAX + 1; i++) {
		big[2 * i] = 1;
		big[2 * i + 1] = 7;
	}
	key[6] = WL_MAX + 1;
	v.mv_size = 2 * (WL_MAX + 1);
	v.mv_data = big;
	assert_int_equal(wlist_decode(&k, 3, &v, num, imp, &n),
	    WEFT_ECORRUPT);
	v.mv_size = 2 * WL_MAX;
	key[6] = WL_MAX;
	assert_int_equal(wlist_decode(&k, 3, &v, num, imp, &n),
	    0);
	assert_int_equal(n, WL_MAX);
	weft_store_close(s);
	rm_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_lists_same),
		cmocka_unit_test(test_lists_skip),
		cmocka_unit_test(test_upgrade7),
		cmocka_unit_test(test_upgrade8),
		cmocka_unit_test(test_block_bytes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
