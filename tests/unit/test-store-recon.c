/*
 * The store's reconciliation index: the LMDB aggregates must answer
 * exactly what the in-memory set (struct weft_recon_vec) answers for the
 * same (ts, id) items -- size, ranks of random bounds, items of random
 * ranks, id sums and id walks of random ranges -- and a reconciliation
 * between the store and an in-memory set must find exactly their
 * difference. Timestamps repeat often, so ranges split inside one ts.
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

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"
#include "weft/recon.h"

#include "store.h"

#define NREC	1200
#define BATCH	400

struct fx {
	char			 dir[64];
	struct weft_store	*s;
	struct weft_recon_item	 items[NREC];
};

static uint64_t
pick_ts(size_t i)
{
	/* Clusters of equal ts, and a few far apart (high radix levels). */
	if (i % 50 == 0)
		return UINT64_C(1) << (20 + i % 40);
	return UINT64_C(1700000000000) + (i % 97) * 1000 + (i % 3);
}

static int
setup(void **state)
{
	struct fx		*f;
	struct weft_record	 r;
	struct weft_buf		 body, env[BATCH];
	struct weft_slice	 sl[BATCH];
	int			 res[BATCH];
	uint8_t			 ids[BATCH][WEFT_ID_BYTES];
	uint8_t			 pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];
	char			 t[32];

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-srecon-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	crypto_sign_keypair(pk, sk);
	for (size_t b = 0; b < NREC; b += BATCH) {
		for (size_t j = 0; j < BATCH; j++) {
			weft_record_init(&r);
			r.type = WEFT_REC_REV;
			memcpy(r.author, pk, WEFT_PK_BYTES);
			r.ts = pick_ts(b + j);
			snprintf(t, sizeof(t), "thing %zu", b + j);
			r.title = strdup(t);
			r.description = strdup("");
			r.license = strdup("MIT");
			r.message = strdup("");
			weft_buf_init(&body, WEFT_RECORD_MAX);
			weft_buf_init(&env[j], WEFT_RECORD_MAX);
			assert_int_equal(weft_record_encode_body(&r, &body),
			    0);
			assert_int_equal(weft_record_sign(body.data, body.len,
			    sk, &env[j]), 0);
			weft_buf_release(&body);
			weft_record_release(&r);
			sl[j].data = env[j].data;
			sl[j].len = env[j].len;
		}
		assert_int_equal(weft_store_records_put(f->s, sl, BATCH, res,
		    ids), 0);
		for (size_t j = 0; j < BATCH; j++) {
			assert_int_equal(res[j], 0);
			f->items[b + j].ts = pick_ts(b + j);
			memcpy(f->items[b + j].id, ids[j], WEFT_ID_BYTES);
			weft_buf_release(&env[j]);
		}
	}
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

static void
test_same_answers(void **state)
{
	struct fx		*f = *state;
	const struct weft_recon_set *vs = &weft_recon_vec_set;
	const struct weft_recon_set *ss = &weft_store_recon_set;
	struct weft_store_recon	*rc;
	struct weft_recon_vec	 v;
	struct weft_recon_item	 it, a, b;
	struct idlist		 la, lb;
	uint64_t		 n, m, ra, rb, lo, hi;
	uint8_t			 sa[32], sb[32];

	assert_int_equal(weft_recon_vec_init(&v, f->items, NREC), 0);
	assert_int_equal(weft_store_recon_begin(f->s, &rc), 0);
	assert_int_equal(ss->size(rc, &n), 0);
	assert_int_equal(n, NREC);
	for (int i = 0; i < 2000; i++) {
		/* A stored item, or a bound between (possibly mid-ts). */
		it = v.items[randombytes_uniform(NREC)];
		if (i % 2)
			randombytes_buf(it.id, randombytes_uniform(33));
		if (i % 7 == 0)
			it.ts += randombytes_uniform(3);
		assert_int_equal(vs->lower_bound(&v, &it, &ra), 0);
		assert_int_equal(ss->lower_bound(rc, &it, &rb), 0);
		assert_int_equal(ra, rb);

		m = randombytes_uniform(NREC);
		assert_int_equal(vs->item_at(&v, m, &a), 0);
		assert_int_equal(ss->item_at(rc, m, &b), 0);
		assert_int_equal(weft_recon_item_cmp(&a, &b), 0);

		lo = randombytes_uniform(NREC + 1);
		hi = lo + randombytes_uniform((uint32_t)(NREC + 1 - lo));
		assert_int_equal(vs->sum(&v, lo, hi, sa), 0);
		assert_int_equal(ss->sum(rc, lo, hi, sb), 0);
		assert_memory_equal(sa, sb, 32);

		hi = lo + randombytes_uniform(
		    (uint32_t)(NREC + 1 - lo < 64 ? NREC + 1 - lo : 64));
		la.n = lb.n = 0;
		assert_int_equal(vs->ids(&v, lo, hi, collect, &la), 0);
		assert_int_equal(ss->ids(rc, lo, hi, collect, &lb), 0);
		assert_int_equal(la.n, lb.n);
		assert_memory_equal(la.ids, lb.ids, la.n * WEFT_ID_BYTES);
	}
	assert_int_equal(ss->item_at(rc, NREC, &a), WEFT_EUSAGE);
	weft_store_recon_end(rc);
	weft_recon_vec_release(&v);
}

struct tally {
	size_t	have, need;
};

static int
tally_cb(void *arg, enum weft_recon_diff kind, const uint8_t *id)
{
	struct tally	*t = arg;

	(void)id;
	if (kind == WEFT_RECON_HAVE)
		t->have++;
	else
		t->need++;
	return 0;
}

/* The store (A) against a copy missing 20 of its items, with 30 others. */
static void
test_reconcile(void **state)
{
	struct fx		*f = *state;
	struct weft_recon_item	*other;
	struct weft_recon_vec	 v;
	struct weft_store_recon	*rc;
	struct weft_recon	 a, b, *to;
	struct weft_buf		 m1, m2, *in, *out, *t;
	struct tally		 ta = { 0, 0 }, tb = { 0, 0 };
	int			 msgs = 0;

	other = calloc(NREC + 30, sizeof(*other));
	assert_non_null(other);
	memcpy(other, f->items + 20, (NREC - 20) * sizeof(*other));
	for (size_t i = 0; i < 30; i++) {
		other[NREC - 20 + i] = f->items[i * 11];
		randombytes_buf(other[NREC - 20 + i].id, WEFT_ID_BYTES);
	}
	assert_int_equal(weft_recon_vec_init(&v, other, NREC + 10), 0);
	weft_buf_init(&m1, WEFT_RECON_FRAME_MAX);
	weft_buf_init(&m2, WEFT_RECON_FRAME_MAX);
	assert_int_equal(weft_recon_init(&a, &weft_store_recon_set, NULL,
	    NULL, tally_cb, &ta), 0);
	assert_int_equal(weft_recon_init(&b, &weft_recon_vec_set, &v, NULL,
	    tally_cb, &tb), 0);
	/* A fresh read transaction per message, as the daemon would. */
	assert_int_equal(weft_store_recon_begin(f->s, &rc), 0);
	a.set_arg = rc;
	assert_int_equal(weft_recon_initiate(&a, &m1), 0);
	weft_store_recon_end(rc);
	in = &m1;
	out = &m2;
	to = &b;
	while (in->len > 0) {
		assert_true(++msgs < 50);
		weft_buf_reset(out);
		if (to == &a) {
			assert_int_equal(weft_store_recon_begin(f->s, &rc), 0);
			a.set_arg = rc;
		}
		assert_int_equal(weft_recon_reconcile(to, in->data, in->len,
		    out), 0);
		if (to == &a)
			weft_store_recon_end(rc);
		to = to == &a ? &b : &a;
		t = in;
		in = out;
		out = t;
	}
	assert_true(weft_recon_done(&a) && weft_recon_done(&b));
	assert_int_equal(ta.have, 20);
	assert_int_equal(ta.need, 30);
	assert_int_equal(tb.have, 30);
	assert_int_equal(tb.need, 20);
	weft_buf_release(&m1);
	weft_buf_release(&m2);
	weft_recon_vec_release(&v);
	free(other);
}

/*
 * Batch ingest defers the aggregates and applies each node once (and
 * spills when its table fills): it must leave exactly the aggregates
 * that one-by-one ingest leaves, for scope all and the author's scope.
 * Random 60-bit timestamps make most nodes distinct, so the batch spills.
 */
#define NCMP	1800

static void
compare_scope(struct weft_store *a, struct weft_store *b, int kind,
    const uint8_t *id)
{
	const struct weft_recon_set	*rs = &weft_store_recon_set;
	struct weft_store_recon		*ra, *rb;
	struct weft_recon_item		 ia, ib;
	uint8_t				 sa[WEFT_RECON_ID_BYTES];
	uint8_t				 sb[WEFT_RECON_ID_BYTES];
	uint64_t			 na, nb, lo, hi;

	assert_int_equal(weft_store_recon_begin_scope(a, kind, id, &ra), 0);
	assert_int_equal(weft_store_recon_begin_scope(b, kind, id, &rb), 0);
	assert_int_equal(rs->size(ra, &na), 0);
	assert_int_equal(rs->size(rb, &nb), 0);
	assert_int_equal(na, NCMP);
	assert_int_equal(nb, NCMP);
	for (uint64_t r = 0; r < na; r += 7) {
		assert_int_equal(rs->item_at(ra, r, &ia), 0);
		assert_int_equal(rs->item_at(rb, r, &ib), 0);
		assert_true(ia.ts == ib.ts);
		assert_memory_equal(ia.id, ib.id, WEFT_RECON_ID_BYTES);
	}
	for (int i = 0; i < 200; i++) {
		lo = randombytes_uniform(NCMP + 1);
		hi = lo + randombytes_uniform(NCMP + 1 - lo);
		assert_int_equal(rs->sum(ra, lo, hi, sa), 0);
		assert_int_equal(rs->sum(rb, lo, hi, sb), 0);
		assert_memory_equal(sa, sb, WEFT_RECON_ID_BYTES);
	}
	weft_store_recon_end(ra);
	weft_store_recon_end(rb);
}

static void
rm_store(const char *dir)
{
	char	p[128];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	for (int pn = 1; pn < 1000; pn++) {
		snprintf(p, sizeof(p), "%s/pack-%010d", dir, pn);
		unlink(p);
	}
	rmdir(dir);
}

static void
test_batch_equals_single(void **state)
{
	struct weft_store	*a, *b;
	struct weft_record	 r;
	struct weft_buf		 body, *env;
	struct weft_slice	*sl;
	int			*res;
	uint8_t			 pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];
	uint64_t		 ts;
	char			 da[64], db[64], t[32];

	(void)state;
	env = calloc(NCMP, sizeof(*env));
	sl = calloc(NCMP, sizeof(*sl));
	res = calloc(NCMP, sizeof(*res));
	assert_non_null(env);
	assert_non_null(sl);
	assert_non_null(res);
	strcpy(da, "/tmp/weft-srecon-XXXXXX");
	strcpy(db, "/tmp/weft-srecon-XXXXXX");
	assert_non_null(mkdtemp(da));
	assert_non_null(mkdtemp(db));
	assert_int_equal(weft_store_open(&a, da, NULL), 0);
	assert_int_equal(weft_store_open(&b, db, NULL), 0);
	crypto_sign_keypair(pk, sk);
	for (size_t j = 0; j < NCMP; j++) {
		weft_record_init(&r);
		r.type = WEFT_REC_REV;
		memcpy(r.author, pk, WEFT_PK_BYTES);
		randombytes_buf(&ts, sizeof(ts));
		r.ts = j % 5 == 0 ? pick_ts(j) : ts >> 4;
		snprintf(t, sizeof(t), "thing %zu", j);
		r.title = strdup(t);
		r.description = strdup("");
		r.license = strdup("MIT");
		r.message = strdup("");
		weft_buf_init(&body, WEFT_RECORD_MAX);
		weft_buf_init(&env[j], WEFT_RECORD_MAX);
		assert_int_equal(weft_record_encode_body(&r, &body), 0);
		assert_int_equal(weft_record_sign(body.data, body.len, sk,
		    &env[j]), 0);
		weft_buf_release(&body);
		weft_record_release(&r);
		sl[j].data = env[j].data;
		sl[j].len = env[j].len;
		assert_int_equal(weft_store_record_put(b, env[j].data,
		    env[j].len, NULL), 0);
	}
	assert_int_equal(weft_store_records_put(a, sl, NCMP, res, NULL), 0);
	for (size_t j = 0; j < NCMP; j++)
		assert_int_equal(res[j], 0);
	compare_scope(a, b, WEFT_STORE_SCOPE_ALL, NULL);
	compare_scope(a, b, WEFT_STORE_SCOPE_AUTHOR, pk);
	for (size_t j = 0; j < NCMP; j++)
		weft_buf_release(&env[j]);
	weft_store_close(a);
	weft_store_close(b);
	rm_store(da);
	rm_store(db);
	free(env);
	free(sl);
	free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_equals_single),
		cmocka_unit_test_setup_teardown(test_same_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reconcile, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
