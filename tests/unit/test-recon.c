/*
 * Set reconciliation: two in-memory sets are reconciled through real
 * messages, and both sides must learn exactly the difference, for random
 * sets and random differences (none, one, a hundred, ten thousand,
 * disjoint sets, an empty side), with round trips and bytes within loose
 * O(d log n) bounds; the frame limit must hold and still converge; bad
 * messages are rejected, never crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/recon.h"

#define IDB	WEFT_RECON_ID_BYTES

/* What one side learned. */
struct learned {
	uint8_t	(*have)[IDB];
	uint8_t	(*need)[IDB];
	size_t	 nhave, nneed, cap;
};

struct result {
	uint64_t	msgs;		/* both directions */
	uint64_t	bytes;
	size_t		max_msg;
};

static int
learn_cb(void *arg, enum weft_recon_diff kind, const uint8_t id[IDB])
{
	struct learned	*l = arg;

	if (kind == WEFT_RECON_HAVE) {
		assert_true(l->nhave < l->cap);
		memcpy(l->have[l->nhave++], id, IDB);
	} else {
		assert_int_equal(kind, WEFT_RECON_NEED);
		assert_true(l->nneed < l->cap);
		memcpy(l->need[l->nneed++], id, IDB);
	}
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, IDB);
}

/* Sorts and removes repeats (a cut message may report an id twice). */
static size_t
uniq(uint8_t (*ids)[IDB], size_t n)
{
	size_t	k = 0;

	qsort(ids, n, IDB, id_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && memcmp(ids[k - 1], ids[i], IDB) == 0)
			continue;
		memmove(ids[k++], ids[i], IDB);
	}
	return k;
}

static void
learned_init(struct learned *l, size_t cap)
{
	l->cap = cap + 1;
	l->have = calloc(l->cap, IDB);
	l->need = calloc(l->cap, IDB);
	l->nhave = l->nneed = 0;
	assert_non_null(l->have);
	assert_non_null(l->need);
}

static void
learned_free(struct learned *l)
{
	free(l->have);
	free(l->need);
}

/* Runs A (initiator) against B until both are done. */
static void
reconcile(struct weft_recon_vec *va, struct weft_recon_vec *vb,
    const struct weft_recon_opts *o, struct learned *la, struct learned *lb,
    struct result *res)
{
	struct weft_recon	a, b, *to;
	struct weft_buf		m1, m2, *in, *out, *t;
	size_t			frame;

	assert_int_equal(weft_recon_init(&a, &weft_recon_vec_set, va, o,
	    learn_cb, la), 0);
	assert_int_equal(weft_recon_init(&b, &weft_recon_vec_set, vb, o,
	    learn_cb, lb), 0);
	frame = a.frame_max;
	weft_buf_init(&m1, frame);
	weft_buf_init(&m2, frame);
	memset(res, 0, sizeof(*res));
	assert_int_equal(weft_recon_initiate(&a, &m1), 0);
	in = &m1;
	out = &m2;
	to = &b;
	while (in->len > 0) {
		assert_true(res->msgs < 100000);
		res->msgs++;
		res->bytes += in->len;
		if (in->len > res->max_msg)
			res->max_msg = in->len;
		assert_true(in->len <= frame);
		weft_buf_reset(out);
		assert_int_equal(weft_recon_reconcile(to, in->data, in->len,
		    out), 0);
		to = to == &a ? &b : &a;
		t = in;
		in = out;
		out = t;
	}
	assert_true(weft_recon_done(&a));
	assert_true(weft_recon_done(&b));
	weft_buf_release(&m1);
	weft_buf_release(&m2);
}

static void
rand_item(struct weft_recon_item *it, uint64_t tspan)
{
	it->ts = UINT64_C(1700000000000) + randombytes_uniform(
	    (uint32_t)tspan);
	randombytes_buf(it->id, IDB);
}

static void
check_same(uint8_t (*got)[IDB], size_t ngot, uint8_t (*want)[IDB],
    size_t nwant)
{
	ngot = uniq(got, ngot);
	nwant = uniq(want, nwant);
	assert_int_equal(ngot, nwant);
	for (size_t i = 0; i < ngot; i++)
		assert_memory_equal(got[i], want[i], IDB);
}

/*
 * Sets of n common items plus da items only in A and db only in B;
 * tspan small makes many items share a timestamp (id-prefix bounds).
 */
static void
scenario(size_t n, size_t da, size_t db, uint64_t tspan,
    const struct weft_recon_opts *o, struct result *res)
{
	struct weft_recon_item	*ia, *ib;
	struct weft_recon_vec	 va, vb;
	struct learned		 la, lb;
	uint8_t			(*onlya)[IDB], (*onlyb)[IDB];

	ia = calloc(n + da + 1, sizeof(*ia));
	ib = calloc(n + db + 1, sizeof(*ib));
	onlya = calloc(da + 1, IDB);
	onlyb = calloc(db + 1, IDB);
	assert_non_null(ia);
	assert_non_null(ib);
	assert_non_null(onlya);
	assert_non_null(onlyb);
	for (size_t i = 0; i < n; i++) {
		rand_item(&ia[i], tspan);
		ib[i] = ia[i];
	}
	for (size_t i = 0; i < da; i++) {
		rand_item(&ia[n + i], tspan);
		memcpy(onlya[i], ia[n + i].id, IDB);
	}
	for (size_t i = 0; i < db; i++) {
		rand_item(&ib[n + i], tspan);
		memcpy(onlyb[i], ib[n + i].id, IDB);
	}
	assert_int_equal(weft_recon_vec_init(&va, ia, n + da), 0);
	assert_int_equal(weft_recon_vec_init(&vb, ib, n + db), 0);
	learned_init(&la, 4 * (da + db) + 64);
	learned_init(&lb, 4 * (da + db) + 64);

	reconcile(&va, &vb, o, &la, &lb, res);

	check_same(la.have, la.nhave, onlya, da);
	check_same(la.need, la.nneed, onlyb, db);
	check_same(lb.have, lb.nhave, onlyb, db);
	check_same(lb.need, lb.nneed, onlya, da);

	learned_free(&la);
	learned_free(&lb);
	weft_recon_vec_release(&va);
	weft_recon_vec_release(&vb);
	free(onlya);
	free(onlyb);
	free(ia);
	free(ib);
}

static unsigned
log16(size_t n)
{
	unsigned	k = 1;

	while (n > 16) {
		n /= 16;
		k++;
	}
	return k;
}

/* Loose O(d log n) bounds for the default parameters. */
static void
assert_bounds(const struct result *r, size_t n, size_t d)
{
	unsigned	levels = log16(n + 1);

	assert_true(r->msgs <= 2 * levels + 4);
	assert_true(r->bytes <= 64 + 1200 * (d + 1) * levels);
}

static void
test_equal(void **state)
{
	struct result	r;

	(void)state;
	scenario(0, 0, 0, 1000, NULL, &r);
	assert_true(r.msgs <= 2);
	scenario(1000, 0, 0, 1000000, NULL, &r);
	assert_true(r.msgs <= 2);
	assert_true(r.bytes < 1024);
	scenario(100000, 0, 0, 100000000, NULL, &r);
	assert_true(r.msgs <= 2);
	assert_true(r.bytes < 1024);
}

static void
test_small_diffs(void **state)
{
	struct result	r;

	(void)state;
	scenario(1000, 1, 0, 1000000, NULL, &r);
	assert_bounds(&r, 1000, 1);
	scenario(1000, 0, 1, 1000000, NULL, &r);
	assert_bounds(&r, 1000, 1);
	scenario(100000, 1, 0, 100000000, NULL, &r);
	assert_bounds(&r, 100000, 1);
	scenario(100000, 50, 50, 100000000, NULL, &r);
	assert_bounds(&r, 100000, 100);
	/* What bench-recon measures, against the target. */
	assert_true(r.msgs <= 8);
	assert_true(r.bytes < 40000);
	/* Many items per timestamp: bounds need id prefixes. */
	scenario(20000, 60, 40, 100, NULL, &r);
	assert_bounds(&r, 20000, 100);
}

static void
test_big_diffs(void **state)
{
	struct result	r;

	(void)state;
	scenario(100000, 5000, 5000, 100000000, NULL, &r);
	assert_true(r.bytes <= 64 + 1200 * 10001 * log16(100000));
	/* Disjoint sets: everything goes across, in 64 KiB messages. */
	scenario(0, 20000, 20000, 100000000, NULL, &r);
	assert_true(r.max_msg <= WEFT_RECON_FRAME_MAX);
	assert_true(r.bytes >= 40000 * IDB);
	/* One side empty. */
	scenario(0, 3000, 0, 100000000, NULL, &r);
	scenario(0, 0, 3000, 100000000, NULL, &r);
}

/* A small frame limit forces cut messages; the result is still exact. */
static void
test_frame_limit(void **state)
{
	struct weft_recon_opts	o = { 16, 16, WEFT_RECON_FRAME_MIN, 0 };
	struct weft_recon_opts	wide = { 64, 64, WEFT_RECON_FRAME_MIN, 128 };
	struct result		r;

	(void)state;
	scenario(10000, 2000, 1000, 1000000, &o, &r);
	assert_true(r.max_msg <= WEFT_RECON_FRAME_MIN);
	scenario(0, 5000, 5000, 1000, &wide, &r);
	assert_true(r.max_msg <= WEFT_RECON_FRAME_MIN);
}

static void
test_params(void **state)
{
	struct weft_recon_opts	o;
	struct weft_recon	r;
	struct result		res;
	uint32_t		b[] = { 2, 4, 8, 32, 64 };
	uint32_t		l[] = { 1, 4, 8, 32, 64 };
	uint32_t		f[] = { 2, 128, 0, 3, 64 };

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		o = (struct weft_recon_opts){ b[i], l[i], 0, f[i] };
		scenario(5000, 30, 30, 1000, &o, &res);
	}
	o = (struct weft_recon_opts){ 0, 0, 0, 1 };
	assert_int_equal(weft_recon_init(&r, &weft_recon_vec_set, NULL, &o,
	    learn_cb, NULL), WEFT_EUSAGE);
	o = (struct weft_recon_opts){ 0, 0, 0, 129 };
	assert_int_equal(weft_recon_init(&r, &weft_recon_vec_set, NULL, &o,
	    learn_cb, NULL), WEFT_EUSAGE);
	o = (struct weft_recon_opts){ 1, 0, 0, 0 };
	assert_int_equal(weft_recon_init(&r, &weft_recon_vec_set, NULL, &o,
	    learn_cb, NULL), WEFT_EUSAGE);
	o = (struct weft_recon_opts){ 0, 65, 0, 0 };
	assert_int_equal(weft_recon_init(&r, &weft_recon_vec_set, NULL, &o,
	    learn_cb, NULL), WEFT_EUSAGE);
	o = (struct weft_recon_opts){ 0, 0, 1024, 0 };
	assert_int_equal(weft_recon_init(&r, &weft_recon_vec_set, NULL, &o,
	    learn_cb, NULL), WEFT_EUSAGE);
}

static void
test_fingerprint(void **state)
{
	uint8_t	sum[IDB], fp[WEFT_RECON_FP_BYTES], a[IDB], b[IDB];
	uint8_t	h[32], in[IDB + 2];

	(void)state;
	/* varint(300) = 0x82 0x2c, Negentropy's encoding. */
	memset(sum, 7, sizeof(sum));
	memcpy(in, sum, IDB);
	in[IDB] = 0x82;
	in[IDB + 1] = 0x2c;
	crypto_hash_sha256(h, in, sizeof(in));
	weft_recon_fingerprint(sum, 300, fp);
	assert_memory_equal(fp, h, sizeof(fp));
	/* Sums wrap mod 2^256 and subtraction undoes addition. */
	memset(a, 0xff, sizeof(a));
	memset(b, 0, sizeof(b));
	b[0] = 1;
	weft_recon_sum_add(a, b);
	memset(b, 0, sizeof(b));
	assert_memory_equal(a, b, IDB);
	randombytes_buf(a, sizeof(a));
	randombytes_buf(b, sizeof(b));
	memcpy(sum, a, IDB);
	weft_recon_sum_add(sum, b);
	weft_recon_sum_sub(sum, b);
	assert_memory_equal(sum, a, IDB);
	/* Against byte-wise arithmetic, with carries across the limbs. */
	for (int n = 0; n < 2000; n++) {
		uint8_t	r[IDB];
		int	c = 0;

		randombytes_buf(a, sizeof(a));
		randombytes_buf(b, sizeof(b));
		for (int i = 0; i < IDB; i++) {
			/* Runs of 0xff and 0x00 make carries ripple. */
			if (randombytes_uniform(3) == 0)
				a[i] = n % 2 ? 0xff : 0;
			if (randombytes_uniform(3) == 0)
				b[i] = n % 3 ? 0xff : 0;
		}
		for (int i = 0; i < IDB; i++) {
			c += a[i] + b[i];
			r[i] = (uint8_t)c;
			c >>= 8;
		}
		memcpy(sum, a, IDB);
		weft_recon_sum_add(sum, b);
		assert_memory_equal(sum, r, IDB);
		c = 0;
		for (int i = 0; i < IDB; i++) {
			c = a[i] - b[i] - c;
			r[i] = (uint8_t)c;
			c = c < 0;
		}
		memcpy(sum, a, IDB);
		weft_recon_sum_sub(sum, b);
		assert_memory_equal(sum, r, IDB);
	}
}

/*
 * Byte-exact messages: an empty set's IDLIST up to infinity, the empty
 * answer of an empty set, and a DIFF that asks nothing back.
 */
static void
test_wire(void **state)
{
	struct weft_recon_item	it;
	struct weft_recon_vec	v0, v1;
	struct weft_recon	a, b;
	struct learned		la, lb;
	struct weft_buf		m, out;
	static const uint8_t	first[] = {
	    0x92, 0x02, 0xc4, 0x03, 0x83, 0x7a, 0x00 };
	static const uint8_t	empty[] = { 0x92, 0x02, 0xc4, 0x00 };
	uint8_t			diff[4 + 3 + IDB + 1];

	(void)state;
	rand_item(&it, 1000);
	assert_int_equal(weft_recon_vec_init(&v0, NULL, 0), 0);
	assert_int_equal(weft_recon_vec_init(&v1, &it, 1), 0);
	learned_init(&la, 4);
	learned_init(&lb, 4);
	weft_buf_init(&m, WEFT_RECON_FRAME_MAX);
	weft_buf_init(&out, WEFT_RECON_FRAME_MAX);

	/* Both empty: 2 messages. */
	assert_int_equal(weft_recon_init(&a, &weft_recon_vec_set, &v0, NULL,
	    learn_cb, &la), 0);
	assert_int_equal(weft_recon_init(&b, &weft_recon_vec_set, &v0, NULL,
	    learn_cb, &lb), 0);
	assert_int_equal(weft_recon_initiate(&a, &m), 0);
	assert_int_equal(m.len, sizeof(first));
	assert_memory_equal(m.data, first, sizeof(first));
	assert_int_equal(weft_recon_reconcile(&b, m.data, m.len, &out), 0);
	assert_true(weft_recon_done(&b));
	assert_int_equal(out.len, sizeof(empty));
	assert_memory_equal(out.data, empty, sizeof(empty));
	weft_buf_reset(&m);
	assert_int_equal(weft_recon_reconcile(&a, out.data, out.len, &m), 0);
	assert_int_equal(m.len, 0);
	assert_true(weft_recon_done(&a));
	assert_int_equal(weft_recon_reconcile(&a, out.data, out.len, &m),
	    WEFT_EPROTO);

	/* B has one item: its DIFF is the last message. */
	assert_int_equal(weft_recon_init(&a, &weft_recon_vec_set, &v0, NULL,
	    learn_cb, &la), 0);
	assert_int_equal(weft_recon_init(&b, &weft_recon_vec_set, &v1, NULL,
	    learn_cb, &lb), 0);
	weft_buf_reset(&m);
	weft_buf_reset(&out);
	assert_int_equal(weft_recon_initiate(&a, &m), 0);
	assert_int_equal(weft_recon_reconcile(&b, m.data, m.len, &out), 0);
	assert_true(weft_recon_done(&b));
	memcpy(diff, (const uint8_t []){ 0x92, 0x02, 0xc4, 0x24, 0x83, 0x7b,
	    0x01 }, 7);
	memcpy(diff + 7, it.id, IDB);
	diff[7 + IDB] = 0x00;
	assert_int_equal(out.len, sizeof(diff));
	assert_memory_equal(out.data, diff, sizeof(diff));
	assert_int_equal(lb.nhave, 1);
	weft_buf_reset(&m);
	assert_int_equal(weft_recon_reconcile(&a, out.data, out.len, &m), 0);
	assert_int_equal(m.len, 0);
	assert_true(weft_recon_done(&a));
	assert_int_equal(la.nneed, 1);
	assert_memory_equal(la.need[0], it.id, IDB);

	weft_buf_release(&m);
	weft_buf_release(&out);
	learned_free(&la);
	learned_free(&lb);
	weft_recon_vec_release(&v0);
	weft_recon_vec_release(&v1);
}

/* Garbage, truncations and bit flips: an error or an answer, no crash. */
static void
test_bad_messages(void **state)
{
	struct weft_recon_item	items[300];
	struct weft_recon_vec	v;
	struct weft_recon	a, b;
	struct learned		l;
	struct weft_buf		m, out;
	uint8_t			junk[512];
	int			err;
	/* Version 1; and each EPROTO: version 1's layout; ranges not
	 * increasing; bad mode; short fingerprint; a range after infinity;
	 * a timestamp past 2^64; a list of 65; a prefix of 33 bytes. */
	static const uint8_t	v1[] = { 0x92, 0x01, 0xc4, 0x00 };
	static const uint8_t	bad[][12] = {
		{ 0x91, 0x01 },
		{ 0x92, 0x02, 0xc4, 0x04, 0x00, 0x05, 0x00, 0x00 },
		{ 0x92, 0x02, 0xc4, 0x02, 0x05, 0x01 },
		{ 0x92, 0x02, 0xc4, 0x03, 0x01, 0x01, 0x00 },
		{ 0x92, 0x02, 0xc4, 0x04, 0x83, 0x78, 0x00, 0x01 },
		{ 0x92, 0x02, 0xc4, 0x04, 0x81, 0xfc, 0x00, 0x02 },
		{ 0x92, 0x02, 0xc4, 0x03, 0x02, 0x01, 0x41 },
		{ 0x92, 0x02, 0xc4, 0x03, 0x82, 0x08, 0x01 },
	};
	static const size_t	badlen[] = { 2, 8, 6, 7, 8, 8, 7, 7 };

	(void)state;
	for (size_t i = 0; i < 300; i++)
		rand_item(&items[i], 1000);
	assert_int_equal(weft_recon_vec_init(&v, items, 300), 0);
	learned_init(&l, 100000);
	assert_int_equal(weft_recon_init(&a, &weft_recon_vec_set, &v, NULL,
	    learn_cb, &l), 0);
	weft_buf_init(&m, WEFT_RECON_FRAME_MAX);
	weft_buf_init(&out, WEFT_RECON_FRAME_MAX);
	assert_int_equal(weft_recon_initiate(&a, &m), 0);

	assert_int_equal(weft_recon_init(&b, &weft_recon_vec_set, &v, NULL,
	    learn_cb, &l), 0);
	assert_int_equal(weft_recon_reconcile(&b, v1, sizeof(v1), &out),
	    WEFT_EVERSION);
	for (size_t i = 0; i < sizeof(badlen) / sizeof(badlen[0]); i++) {
		weft_buf_reset(&out);
		assert_int_equal(weft_recon_reconcile(&b, bad[i], badlen[i],
		    &out), WEFT_EPROTO);
		assert_int_equal(out.len, 0);
		assert_int_equal(l.nhave + l.nneed, 0);
	}
	for (size_t cut = 0; cut < m.len; cut++) {
		weft_buf_reset(&out);
		err = weft_recon_reconcile(&b, m.data, cut, &out);
		assert_true(err < 0);
	}
	for (size_t i = 0; i < 2000; i++) {
		uint8_t	*c = malloc(m.len);

		assert_non_null(c);
		memcpy(c, m.data, m.len);
		c[randombytes_uniform((uint32_t)m.len)] ^=
		    (uint8_t)(1 + randombytes_uniform(255));
		weft_buf_reset(&out);
		assert_int_equal(weft_recon_init(&b, &weft_recon_vec_set, &v,
		    NULL, learn_cb, &l), 0);
		(void)weft_recon_reconcile(&b, c, m.len, &out);
		free(c);
		l.nhave = l.nneed = 0;
	}
	for (size_t i = 0; i < 2000; i++) {
		size_t	n = randombytes_uniform(sizeof(junk));

		randombytes_buf(junk, n);
		junk[0] = (uint8_t)(0x90 + randombytes_uniform(16));
		weft_buf_reset(&out);
		(void)weft_recon_reconcile(&b, junk, n, &out);
		l.nhave = l.nneed = 0;
	}
	weft_buf_release(&m);
	weft_buf_release(&out);
	learned_free(&l);
	weft_recon_vec_release(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_small_diffs),
		cmocka_unit_test(test_big_diffs),
		cmocka_unit_test(test_frame_limit),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_bad_messages),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
