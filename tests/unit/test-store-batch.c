/*
 * Batch ingest (weft_store_records_put): per-record results, records that
 * depend on earlier ones of the same batch, failures that leave the rest
 * of the batch stored, duplicates, map growth in the middle of a batch,
 * and batches big enough to be verified by two threads. Each test gets a
 * fresh store in its own mkdtemp directory.
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
#include "weft/pack.h"
#include "weft/record.h"

#include "store.h"

#define TS0	UINT64_C(1700000000000)
#define NMAX	600

struct author {
	uint8_t	pk[WEFT_PK_BYTES];
	uint8_t	sk[WEFT_SK_BYTES];
};

struct fx {
	char			 dir[64];
	struct weft_store	*s;
	struct weft_buf		 env[NMAX];
	struct weft_slice	 sl[NMAX];
	int			 res[NMAX];
	uint8_t			 ids[NMAX][WEFT_ID_BYTES];
	size_t			 n;
};

/* The description of the next add_rev() (then reset), "" when NULL. */
static char	*next_desc;

/* Appends a revision (genesis when design is NULL) to the batch. */
static uint8_t *
add_rev(struct fx *f, const struct author *a, uint64_t ts,
    const uint8_t *design, const uint8_t *prev, const char *title)
{
	struct weft_record	r;
	struct weft_buf		body;
	struct weft_buf		*env = &f->env[f->n];

	assert_true(f->n < NMAX);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	if (design != NULL) {
		r.has_design = true;
		memcpy(r.design, design, WEFT_ID_BYTES);
		r.prev.ids = calloc(1, WEFT_ID_BYTES);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], prev, WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	r.title = strdup(title);
	r.description = next_desc != NULL ? next_desc : strdup("");
	next_desc = NULL;
	r.license = strdup("MIT");
	r.message = strdup("");
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, a->sk, env), 0);
	weft_record_id(body.data, body.len, f->ids[f->n]);
	weft_buf_release(&body);
	weft_record_release(&r);
	f->sl[f->n].data = env->data;
	f->sl[f->n].len = env->len;
	return f->ids[f->n++];
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-batch-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 p[128];

	weft_store_close(f->s);
	for (size_t i = 0; i < f->n; i++)
		weft_buf_release(&f->env[i]);
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

static uint64_t
summary_revs(struct weft_store *s, const uint8_t design[WEFT_ID_BYTES])
{
	struct weft_buf	b;
	struct weft_msg	m;
	uint64_t	revs = 0;

	weft_buf_init(&b, 8192);
	assert_int_equal(weft_store_design_summary(s, design, &b), 0);
	assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "revs"), &revs),
	    0);
	weft_msg_release(&m);
	weft_buf_release(&b);
	return revs;
}

static int
count_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *v,
    size_t n)
{
	(void)id;
	(void)v;
	(void)n;
	(*(int *)arg)++;
	return 0;
}

static int
search_n(struct weft_store *s, const char *q)
{
	int	n = 0;

	assert_int_equal(weft_store_search(s, q, count_cb, &n), 0);
	return n;
}

/*
 * Word postings are applied at the end of a batch, sorted: words a later
 * revision of the same batch drops or brings back end up as the newest
 * head says, and a batch with more postings than the table holds
 * (65,536) flushes on the way and still indexes every word.
 */
static void
test_words(void **state)
{
	struct fx	*f = *state;
	struct author	 a;
	uint8_t		 g[WEFT_ID_BYTES], u1[WEFT_ID_BYTES];
	char		 q[32];
	size_t		 off;

	crypto_sign_keypair(a.pk, a.sk);
	memcpy(g, add_rev(f, &a, TS0, NULL, NULL, "alpha beta"),
	    WEFT_ID_BYTES);
	memcpy(u1, add_rev(f, &a, TS0 + 1, g, g, "beta gamma"),
	    WEFT_ID_BYTES);
	add_rev(f, &a, TS0 + 2, g, u1, "alpha delta");
	add_rev(f, &a, TS0 + 3, NULL, NULL, "beta");
	/* 300 designs of 240 words each: 72,000 postings. */
	for (int d = 0; d < 300; d++) {
		next_desc = malloc(240 * 12);
		assert_non_null(next_desc);
		off = 0;
		for (int w = 0; w < 240; w++)
			off += (size_t)sprintf(next_desc + off, "w%dx%d ", d,
			    w);
		add_rev(f, &a, TS0 + 10 + (uint64_t)d, NULL, NULL, "part");
	}
	assert_int_equal(weft_store_records_put(f->s, f->sl, f->n, f->res,
	    NULL), 0);
	for (size_t i = 0; i < f->n; i++)
		assert_int_equal(f->res[i], 0);
	assert_int_equal(search_n(f->s, "alpha"), 1);
	assert_int_equal(search_n(f->s, "delta"), 1);
	assert_int_equal(search_n(f->s, "gamma"), 0);
	assert_int_equal(search_n(f->s, "beta"), 1);	/* the other one */
	assert_int_equal(search_n(f->s, "part"), 300);
	for (int d = 0; d < 300; d += 37) {
		snprintf(q, sizeof(q), "w%dx%d", d, d % 240);
		assert_int_equal(search_n(f->s, q), 1);
		snprintf(q, sizeof(q), "part w%dx239", d);
		assert_int_equal(search_n(f->s, q), 1);
	}
	assert_int_equal(search_n(f->s, "w299x239"), 1);
}

/* A chain genesis -> u1 -> u2 inside one batch: each depends on the last. */
static void
test_chain(void **state)
{
	struct fx		*f = *state;
	struct author		 a;
	struct weft_store_stats	 st;
	uint8_t			 g[WEFT_ID_BYTES], u1[WEFT_ID_BYTES];
	uint8_t			 out[NMAX][WEFT_ID_BYTES];

	crypto_sign_keypair(a.pk, a.sk);
	memcpy(g, add_rev(f, &a, TS0, NULL, NULL, "bracket"), WEFT_ID_BYTES);
	memcpy(u1, add_rev(f, &a, TS0 + 1, g, g, "bracket v2"),
	    WEFT_ID_BYTES);
	add_rev(f, &a, TS0 + 2, g, u1, "bracket v3");
	assert_int_equal(weft_store_records_put(f->s, f->sl, f->n, f->res,
	    out), 0);
	for (size_t i = 0; i < f->n; i++) {
		assert_int_equal(f->res[i], 0);
		assert_memory_equal(out[i], f->ids[i], WEFT_ID_BYTES);
	}
	assert_int_equal(summary_revs(f->s, g), 3);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.designs, 1);

	/* The same batch again: everything exists, nothing changes. */
	assert_int_equal(weft_store_records_put(f->s, f->sl, f->n, f->res,
	    NULL), 0);
	for (size_t i = 0; i < f->n; i++)
		assert_int_equal(f->res[i], WEFT_EEXISTS);
	assert_int_equal(summary_revs(f->s, g), 3);
}

/* Bad records get their own codes and the good ones around them land. */
static void
test_mixed(void **state)
{
	struct fx		*f = *state;
	struct author		 a, b;
	struct weft_store_stats	 st;
	struct weft_buf		 got;
	uint8_t			 g[WEFT_ID_BYTES], ghost[WEFT_ID_BYTES];
	uint8_t			*bad;
	int			 want[8];

	crypto_sign_keypair(a.pk, a.sk);
	crypto_sign_keypair(b.pk, b.sk);
	randombytes_buf(ghost, sizeof(ghost));

	memcpy(g, add_rev(f, &a, TS0, NULL, NULL, "base"), WEFT_ID_BYTES);
	want[0] = 0;
	/* Another author may not add revisions. */
	add_rev(f, &b, TS0 + 1, g, g, "hijack");
	want[1] = WEFT_EDENIED;
	/* A prev nobody has. */
	add_rev(f, &a, TS0 + 2, g, ghost, "orphan");
	want[2] = WEFT_EMISSING;
	/* A broken signature. */
	add_rev(f, &a, TS0 + 3, NULL, NULL, "tampered");
	bad = (uint8_t *)f->env[3].data;
	bad[f->env[3].len - 1] ^= 1;
	want[3] = WEFT_EBADSIG;
	/* A duplicate of the first record, later in the same batch. */
	f->sl[4] = f->sl[0];
	memcpy(f->ids[4], f->ids[0], WEFT_ID_BYTES);
	weft_buf_init(&f->env[4], 16);
	f->n++;
	want[4] = WEFT_EEXISTS;
	/* Not msgpack at all. */
	f->sl[5].data = (const uint8_t *)"junk";
	f->sl[5].len = 4;
	weft_buf_init(&f->env[5], 16);
	f->n++;
	want[5] = WEFT_EPROTO;
	/* A good update after all that. */
	add_rev(f, &a, TS0 + 6, g, g, "base v2");
	want[6] = 0;

	assert_int_equal(weft_store_records_put(f->s, f->sl, f->n, f->res,
	    NULL), 0);
	for (size_t i = 0; i < f->n; i++)
		assert_int_equal(f->res[i], want[i]);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.records, 2);
	assert_int_equal(summary_revs(f->s, g), 2);
	weft_buf_init(&got, WEFT_RECORD_MAX);
	assert_int_equal(weft_store_record_get(f->s, f->ids[6], &got), 0);
	assert_int_equal(got.len, f->sl[6].len);
	assert_memory_equal(got.data, f->sl[6].data, got.len);
	weft_buf_release(&got);
	assert_int_equal(weft_store_record_get(f->s, f->ids[1], &got),
	    WEFT_ENOTFOUND);
}

/*
 * A batch large enough for two verifying threads, in a map so small that
 * it must grow during the transaction: the batch is retried whole and
 * every record lands exactly once.
 */
static void
test_big_growth(void **state)
{
	struct fx		*f = *state;
	struct weft_store_opts	 o = { .map_size = 64 * 1024 };
	struct weft_store_stats	 st;
	struct author		 a;
	uint8_t			 g[WEFT_ID_BYTES], prev[WEFT_ID_BYTES];
	char			 t[32];

	weft_store_close(f->s);
	f->s = NULL;
	assert_int_equal(weft_store_open(&f->s, f->dir, &o), 0);
	crypto_sign_keypair(a.pk, a.sk);
	for (size_t i = 0; i < 400; i++) {
		snprintf(t, sizeof(t), "design %zu", i);
		add_rev(f, &a, TS0 + i, NULL, NULL, t);
	}
	/* Updates of design 7, each naming the previous revision. */
	memcpy(g, f->ids[7], WEFT_ID_BYTES);
	memcpy(prev, g, WEFT_ID_BYTES);
	for (size_t i = 0; i < 100; i++) {
		snprintf(t, sizeof(t), "design 7 v%zu", i + 2);
		memcpy(prev, add_rev(f, &a, TS0 + 1000 + i, g, prev, t),
		    WEFT_ID_BYTES);
	}
	assert_int_equal(weft_store_records_put(f->s, f->sl, f->n, f->res,
	    NULL), 0);
	for (size_t i = 0; i < f->n; i++)
		assert_int_equal(f->res[i], 0);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.records, 500);
	assert_int_equal(st.designs, 400);
	assert_true(st.map_size > 64 * 1024);
	assert_int_equal(summary_revs(f->s, g), 101);
}

static void
test_limits(void **state)
{
	struct fx		*f = *state;
	static struct weft_slice sl[WEFT_STORE_BATCH_MAX + 1];
	static int		 res[WEFT_STORE_BATCH_MAX + 1];

	assert_int_equal(weft_store_records_put(f->s, sl, 0, res, NULL), 0);
	assert_int_equal(weft_store_records_put(f->s, sl,
	    WEFT_STORE_BATCH_MAX + 1, res, NULL), WEFT_ETOOBIG);
	/* Empty envelopes are rejected one by one, not as a batch. */
	assert_int_equal(weft_store_records_put(f->s, sl, 20, res, NULL), 0);
	for (size_t i = 0; i < 20; i++)
		assert_true(res[i] < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_growth, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
