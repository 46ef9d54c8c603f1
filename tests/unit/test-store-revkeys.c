/*
 * The keys of `drevs` and `dheads` (format 12): a genesis's key is its
 * design key alone (40 bytes), every other revision's the long one; the
 * walks over them still give (ts, id) order when a revision is older
 * than its genesis; a design taken out leaves none; and a store of
 * format 11 (long keys only) upgraded at open, cut short twice and
 * resumed, has the short keys, the short `info` values of format 11
 * for the records written before it, `recs` rewritten with full leaves,
 * denser tables and the same answers; and `recs` filled by appends.
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

#define NDES	600
#define T0	UINT64_C(1700000000000)

static uint8_t	pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];

static void
rm_dir(const char *dir)
{
	char	cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A revision of a design (a genesis when design is NULL). */
static void
make(struct weft_slice *e, uint64_t ts, const uint8_t *design,
    const uint8_t *prev, uint8_t id[WEFT_ID_BYTES], unsigned i)
{
	struct weft_record	r;
	struct weft_buf		body, env;
	char			t[64];

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts;
	memcpy(r.author, pk, WEFT_PK_BYTES);
	snprintf(t, sizeof(t), "Design %u%s %llu", i, design ? " again" : "",
	    (unsigned long long)ts);
	r.title = strdup(t);
	r.description = strdup("");
	r.license = strdup(i % 3 ? "CC0-1.0" : "MIT");
	r.message = strdup("");
	r.ntags = i % 3;
	r.tags = calloc(3, sizeof(*r.tags));
	assert_non_null(r.tags);
	for (uint32_t j = 0; j < r.ntags; j++) {
		snprintf(t, sizeof(t), "Tag%c%u", 'a' + j, (i + j) % 7);
		r.tags[j] = strdup(t);
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
put1(struct weft_store *s, uint64_t ts, const uint8_t *design,
    const uint8_t *prev, uint8_t id[WEFT_ID_BYTES], unsigned i)
{
	struct weft_slice	e;

	make(&e, ts, design, prev, id, i);
	put_all(s, &e, 1);
}

/* The ids a walk gives, one after another. */
static int
ids_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	(void)data;
	(void)len;
	return weft_buf_add(arg, id, WEFT_ID_BYTES);
}

static int
cat_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	(void)id;
	return weft_buf_add(arg, data, len);
}

/*
 * The keys of table name in dir: count, how many of 40 bytes (of
 * `info`: how many values of 41 bytes), pages.
 */
static void
census(const char *dir, const char *name, size_t *n, size_t *nshort,
    size_t *pages)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_cursor	*c;
	MDB_stat	 st;
	MDB_val		 k, v;
	int		 rc;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 128), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	*n = *nshort = *pages = 0;
	if (mdb_dbi_open(txn, name, 0, &dbi) == 0) {
		assert_int_equal(mdb_stat(txn, dbi, &st), 0);
		*pages = st.ms_leaf_pages + st.ms_branch_pages;
		assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			(*n)++;
			if (strcmp(name, "info") == 0) {
				assert_true(v.mv_size == 41 ||
				    v.mv_size == 73);
				*nshort += v.mv_size == 41;
				continue;
			}
			assert_true(k.mv_size == 40 || k.mv_size == 80);
			*nshort += k.mv_size == 40;
		}
		assert_int_equal(rc, MDB_NOTFOUND);
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

/*
 * How full the leaves of `recs` are: the bytes its entries take there
 * (node header, key, value, pointer) over the leaves' room, in percent.
 */
static double
recs_fill(const char *dir, size_t *perleaf)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_cursor	*c;
	MDB_stat	 st;
	MDB_val		 k, v;
	double		 bytes = 0;
	int		 rc;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 128), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "recs", 0, &dbi), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	assert_int_equal(st.ms_overflow_pages, 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		bytes += 8 + k.mv_size + v.mv_size + 2;
	mdb_cursor_close(c);
	*perleaf = st.ms_entries / st.ms_leaf_pages;
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 100 * bytes / ((double)st.ms_leaf_pages * (st.ms_psize - 16));
}

/* The upgrade's mark: its first byte (0 empty, -1 none) and its size. */
static int
mark(const char *dir, int *phase)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 meta;
	MDB_val		 k, v;
	int		 len = -1;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 128), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	k.mv_size = 10;
	k.mv_data = "rkey_short";
	*phase = -1;
	if (mdb_get(txn, meta, &k, &v) == 0) {
		len = (int)v.mv_size;
		*phase = len > 0 ? *(uint8_t *)v.mv_data : 0;
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return len;
}

/*
 * Turns the LMDB of dir (the store closed) back into format 11: every
 * short key of drevs and dheads written long (dk || created || design),
 * in key order into a fresh table as format 11's ingest left them.
 */
static void
to_format11(const char *dir)
{
	static const char *const names[] = { "drevs", "dheads" };
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi, meta;
	MDB_cursor	*c;
	MDB_val		 k, v, e = { 0, "" };
	uint8_t		 ver[4] = { 0, 0, 0, 11 }, (*keys)[80], (*iv)[73];
	size_t		 n, cap = 4096;
	int		 rc;

	keys = malloc(cap * sizeof(*keys));
	iv = malloc(cap * sizeof(*iv));
	assert_non_null(keys);
	assert_non_null(iv);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 128), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 1 << 30), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(mdb_dbi_open(txn, names[i], 0, &dbi), 0);
		assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
		n = 0;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			assert_true(n < cap);
			memcpy(keys[n], k.mv_data, 40);
			if (k.mv_size == 40)
				memcpy(keys[n] + 40, k.mv_data, 40);
			else
				memcpy(keys[n] + 40,
				    (uint8_t *)k.mv_data + 40, 40);
			n++;
		}
		mdb_cursor_close(c);
		assert_int_equal(mdb_drop(txn, dbi, 0), 0);
		for (size_t j = 0; j < n; j++) {
			k.mv_size = 80;
			k.mv_data = keys[j];
			assert_int_equal(mdb_put(txn, dbi, &k, &e, 0), 0);
		}
	}
	/* Every info value 73 bytes, as before format 11. */
	assert_int_equal(mdb_dbi_open(txn, "info", 0, &dbi), 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
	n = 0;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		assert_true(n < cap);
		assert_int_equal(k.mv_size, 32);
		assert_true(v.mv_size == 41 || v.mv_size == 73);
		memcpy(keys[n], k.mv_data, 32);
		memcpy(iv[n], v.mv_data, v.mv_size);
		if (v.mv_size == 41 && iv[n][0] == WEFT_REC_REV)
			memcpy(iv[n] + 41, k.mv_data, 32);
		else if (v.mv_size == 41)
			memset(iv[n] + 41, 0, 32);
		n++;
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	for (size_t j = 0; j < n; j++) {
		k.mv_size = 32;
		k.mv_data = keys[j];
		v.mv_size = 73;
		v.mv_data = iv[j];
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	k.mv_size = 7;
	k.mv_data = "version";
	v.mv_size = 4;
	v.mv_data = ver;
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(keys);
	free(iv);
}

/* A genesis, a revision older than it and one newer: keys and orders. */
static void
test_keys(void **state)
{
	struct weft_store	*s;
	struct weft_buf		 ids;
	uint8_t			 g[ID], old[ID], young[ID], solo[ID];
	uint64_t		 files;
	char			 dir[] = "/tmp/weft-revkeys-XXXXXX";
	size_t			 n, nshort, pages;

	(void)state;
	crypto_sign_keypair(pk, sk);
	assert_non_null(mkdtemp(dir));
	weft_buf_init(&ids, 1 << 16);
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	put1(s, T0, NULL, NULL, g, 1);
	put1(s, T0 + 5, NULL, NULL, solo, 2);
	weft_store_close(s);
	/* Two geneses: one short key each in both tables. */
	census(dir, "drevs", &n, &nshort, &pages);
	assert_int_equal(n, 2);
	assert_int_equal(nshort, 2);
	census(dir, "dheads", &n, &nshort, &pages);
	assert_int_equal(n, 2);
	assert_int_equal(nshort, 2);

	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	put1(s, T0 - 500, g, g, old, 3);	/* older than its genesis */
	put1(s, T0 + 500, g, g, young, 4);
	weft_store_close(s);
	census(dir, "drevs", &n, &nshort, &pages);
	assert_int_equal(n, 4);
	assert_int_equal(nshort, 2);
	census(dir, "dheads", &n, &nshort, &pages);
	assert_int_equal(n, 3);			/* old, young; solo */
	assert_int_equal(nshort, 1);		/* solo's */

	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	/* Oldest first by (ts, id): old, then the genesis, then young. */
	assert_int_equal(weft_store_design_revs(s, g, ids_cb, &ids), 0);
	assert_int_equal(ids.len, 3 * ID);
	assert_memory_equal(ids.data, old, ID);
	assert_memory_equal(ids.data + ID, g, ID);
	assert_memory_equal(ids.data + 2 * ID, young, ID);
	/* Heads newest first. */
	weft_buf_reset(&ids);
	assert_int_equal(weft_store_design_heads(s, g, ids_cb, &ids), 0);
	assert_int_equal(ids.len, 2 * ID);
	assert_memory_equal(ids.data, young, ID);
	assert_memory_equal(ids.data + ID, old, ID);
	weft_buf_reset(&ids);
	assert_int_equal(weft_store_design_heads(s, solo, ids_cb, &ids), 0);
	assert_int_equal(ids.len, ID);
	assert_memory_equal(ids.data, solo, ID);

	/* A design taken out leaves none of its keys. */
	assert_int_equal(weft_store_design_remove(s, g, T0 + 9000, &files),
	    0);
	weft_store_close(s);
	census(dir, "drevs", &n, &nshort, &pages);
	assert_int_equal(n, 1);
	assert_int_equal(nshort, 1);
	census(dir, "dheads", &n, &nshort, &pages);
	assert_int_equal(n, 1);
	assert_int_equal(nshort, 1);
	weft_buf_release(&ids);
	rm_dir(dir);
}

/* Every answer that reads the two tables, one after another, into out. */
static void
answers(struct weft_store *s, uint8_t (*gid)[ID], struct weft_buf *out)
{
	struct weft_store_query		q;
	struct weft_store_search_info	info;

	weft_buf_reset(out);
	for (unsigned i = 0; i < NDES; i++) {
		assert_int_equal(weft_store_design_revs(s, gid[i], ids_cb,
		    out), 0);
		assert_int_equal(weft_store_design_heads(s, gid[i], ids_cb,
		    out), 0);
	}
	assert_int_equal(weft_store_designs(s, NULL, NULL, cat_cb, out), 0);
	assert_int_equal(weft_store_designs(s, NULL, "tagb3", cat_cb, out),
	    0);
	memset(&q, 0, sizeof(q));
	q.query = "again";
	assert_int_equal(weft_store_search_page(s, &q, &info, cat_cb, out),
	    0);
}

static void
test_upgrade(void **state)
{
	struct weft_store	*s;
	struct weft_slice	*e;
	struct weft_buf		 before, after;
	uint8_t			 (*gid)[ID];
	char			 dir[] = "/tmp/weft-revkeys-XXXXXX";
	size_t			 n, nshort, p11, ph11, pages, nrev = 0,
				 nheads = 0, hshort;
	int			 phase, err, seen[8] = { 0 };
	size_t			 ninfo, ishort, pi11;
	double			 fill;

	(void)state;
	crypto_sign_keypair(pk, sk);
	assert_non_null(mkdtemp(dir));
	gid = calloc(NDES, ID);
	e = calloc(NDES, sizeof(*e));
	assert_non_null(gid);
	assert_non_null(e);
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	for (unsigned i = 0; i < NDES; i++)
		make(&e[i], T0 + 1000 * i, NULL, NULL, gid[i], i);
	put_all(s, e, NDES);
	/*
	 * Records met in time order are appended: full leaves of `recs`
	 * (a plain put splits a full leaf where the new one is the
	 * emptier: 89% here, 80% for records of 500 bytes).
	 */
	weft_store_close(s);
	fill = recs_fill(dir, &n);
	print_message("recs: %.1f%% full, %zu records a leaf\n", fill, n);
	assert_true(fill > 93.0);
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	/* Every third design a newer revision, every fifth an older one. */
	for (unsigned i = 0; i < NDES; i++) {
		if (i % 3 == 0)
			make(&e[nrev++], T0 + 1000 * i + 500, gid[i], gid[i],
			    NULL, i + 1);
		if (i % 5 == 0)
			make(&e[nrev++], T0 + 1000 * i - 300, gid[i], gid[i],
			    NULL, i + 2);
	}
	put_all(s, e, nrev);
	free(e);
	weft_buf_init(&before, 1 << 24);
	weft_buf_init(&after, 1 << 24);
	answers(s, gid, &before);
	weft_store_close(s);
	census(dir, "drevs", &n, &nshort, &pages);
	assert_int_equal(n, NDES + nrev);
	assert_int_equal(nshort, NDES);
	census(dir, "dheads", &nheads, &hshort, &pages);
	/* A design with a revision has no genesis head. */
	assert_int_equal(hshort, NDES - (NDES / 3 + NDES / 5 -
	    NDES / 15));

	to_format11(dir);
	census(dir, "drevs", &n, &nshort, &p11);
	assert_int_equal(n, NDES + nrev);
	assert_int_equal(nshort, 0);
	census(dir, "dheads", &n, &nshort, &ph11);
	assert_int_equal(nshort, 0);
	census(dir, "info", &ninfo, &ishort, &pi11);
	assert_int_equal(ninfo, NDES + nrev);
	assert_int_equal(ishort, 0);
	assert_int_equal(mark(dir, &phase), -1);

	/*
	 * Steps of 100 keys (whole designs in the first passes), cut short
	 * as by a crash after 3, then after every single step: the mark
	 * goes through the four phases in order, each more than once.
	 */
	weft__store_revs_step = 100;
	weft__store_revs_stop = 3;
	assert_int_equal(weft_store_open(&s, dir, NULL), WEFT_EUSAGE);
	assert_null(s);
	assert_int_equal(mark(dir, &phase), 1 + 40);
	assert_int_equal(phase, 'a');
	census(dir, "rkey_tmp", &n, &nshort, &pages);
	assert_true(n >= 300 && n < 310);	/* whole designs */
	assert_true(nshort > 0 && nshort < n);
	census(dir, "drevs", &n, &nshort, &pages);
	assert_int_equal(n, NDES + nrev);	/* untouched yet */
	for (int last = 'a', len; last != -1; last = phase) {
		weft__store_revs_stop = 1;
		err = weft_store_open(&s, dir, NULL);
		len = mark(dir, &phase);
		if (phase == -1) {
			assert_int_equal(err, 0);
			weft_store_close(s);
			break;
		}
		assert_int_equal(err, WEFT_EUSAGE);
		assert_true(phase == last || phase == last + 1);
		/* A new phase starts without a key. */
		assert_int_equal(len == 1, phase != last);
		seen[phase - 'a']++;
	}
	for (int i = 0; i < 8; i++)
		assert_true(seen[i] >= 2);
	weft__store_revs_stop = -1;
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	weft__store_revs_step = 20000;
	assert_int_equal(mark(dir, &phase), -1);
	answers(s, gid, &after);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.data, before.data, before.len);
	weft_store_close(s);
	census(dir, "drevs", &n, &nshort, &pages);
	assert_int_equal(n, NDES + nrev);
	assert_int_equal(nshort, NDES);
	assert_true(pages < p11);
	census(dir, "dheads", &n, &nshort, &pages);
	assert_int_equal(n, nheads);
	assert_int_equal(nshort, hshort);
	assert_true(pages < ph11);
	/* The geneses' info values without their design again. */
	census(dir, "info", &n, &nshort, &pages);
	assert_int_equal(n, NDES + nrev);
	assert_int_equal(nshort, NDES);
	assert_true(pages < pi11);
	/* recs rewritten in key order: full leaves whatever came before. */
	assert_true(recs_fill(dir, &n) > 93.0);
	census(dir, "rkey_tmp", &n, &nshort, &pages);
	assert_int_equal(n, 0);
	weft_buf_release(&before);
	weft_buf_release(&after);
	free(gid);
	rm_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_upgrade),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
