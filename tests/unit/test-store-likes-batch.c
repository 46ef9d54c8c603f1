/*
 * Count changes of reactions coalesced per batch (store_social.c,
 * weft__store_counts_batch_*): a like, an unlike and a like again of one
 * design in one batch leave one like; every design a batch changes moves
 * in the count-ordered index; likes before their design's genesis in the
 * same batch, a retraction after its like, an older reaction after a
 * newer one and more designs than the batch table holds all come out as
 * if the records had been stored one at a time; the flood caps hold
 * inside a batch.
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
#include "weft/pack.h"
#include "weft/record.h"

#include "store.h"

#define NAUTH	8
#define NDES	5
#define TS0	UINT64_C(1700000000000)
#define NMANY	5000	/* designs: more than the batch table's 4,096 */

static uint8_t	pk[NAUTH][WEFT_PK_BYTES];
static uint8_t	sk[NAUTH][WEFT_SK_BYTES];
static uint8_t	des[NDES][WEFT_ID_BYTES];

/* Signs r by author a into sl (malloc'ed), its id into id if not NULL. */
static void
sign(struct weft_record *r, int a, struct weft_slice *sl,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_buf	body, env;
	uint8_t		tmp[WEFT_ID_BYTES];

	memcpy(r->author, pk[a], WEFT_PK_BYTES);
	weft_record_sort(r);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk[a], &env),
	    0);
	weft_record_id(body.data, body.len, id != NULL ? id : tmp);
	sl->data = weft_buf_detach(&env, &sl->len);
	weft_buf_release(&body);
	weft_record_release(r);
}

/* Design i: a genesis by author 0, "gear i", created TS0 + i. */
static void
genesis(struct weft_slice *sl, int i)
{
	struct weft_record	r;
	char			t[32];

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0 + (uint64_t)i;
	snprintf(t, sizeof(t), "gear %d", i);
	r.title = strdup(t);
	r.license = strdup("CC-BY-4.0");
	r.message = strdup("");
	sign(&r, 0, sl, des[i]);
}

static void
react(struct weft_slice *sl, int a, const uint8_t design[WEFT_ID_BYTES],
    uint64_t ts, bool like, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REACTION;
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	r.value = strdup(like ? "like" : "");
	sign(&r, a, sl, id);
}

static void
retract(struct weft_slice *sl, int a, const uint8_t target[WEFT_ID_BYTES],
    uint64_t ts)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.ts = ts;
	r.targets.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], target, WEFT_ID_BYTES);
	r.targets.n = 1;
	r.reason = strdup("by mistake");
	sign(&r, a, sl, NULL);
}

static void
slices_free(struct weft_slice *sl, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)sl[i].data);
}

struct got {
	int		 d[NDES];
	uint64_t	 likes[NDES];
	size_t		 n;
};

static int
got_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct got	*g = arg;
	struct weft_msg	 m;
	int		 d = -1;

	for (int i = 0; i < NDES; i++)
		if (memcmp(id, des[i], WEFT_ID_BYTES) == 0)
			d = i;
	assert_true(d >= 0);
	assert_true(g->n < NDES);
	assert_int_equal(weft_msg_decode(&m, data, len), 0);
	g->d[g->n] = d;
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "likes"),
	    &g->likes[g->n]), 0);
	g->n++;
	weft_msg_release(&m);
	return 0;
}

/* Every design by likes, highest first, into g. */
static void
by_likes(struct weft_store *s, struct got *g)
{
	struct weft_store_search_info	info;
	struct weft_store_query		q;

	memset(&q, 0, sizeof(q));
	memset(g, 0, sizeof(*g));
	q.by_count = true;
	q.count = WEFT_COUNT_LIKES;
	q.counts = true;
	assert_int_equal(weft_store_search_page(s, &q, &info, got_cb, g), 0);
	assert_int_equal(g->n, NDES);
}

static uint64_t
likes(struct weft_store *s, const uint8_t design[WEFT_ID_BYTES])
{
	uint64_t	n[WEFT_COUNT_KINDS];

	assert_int_equal(weft_store_design_counts(s, design, n), 0);
	return n[WEFT_COUNT_LIKES];
}

static struct weft_store *
store_new(char *dir)
{
	struct weft_store	*s;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	return s;
}

static void
store_gone(struct weft_store *s, const char *dir)
{
	char	cmd[64];

	weft_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Puts sl[0..n) as one batch; every record must be stored. */
static void
put_batch(struct weft_store *s, const struct weft_slice *sl, size_t n)
{
	int	*res = calloc(n, sizeof(*res));

	assert_non_null(res);
	assert_int_equal(weft_store_records_put(s, sl, n, res, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], 0);
	free(res);
}

static void
test_one_batch(void **state)
{
	struct weft_store	*s, *ref;
	struct weft_slice	 g[NDES], b[16];
	struct got		 got, want;
	uint8_t			 like2[WEFT_ID_BYTES];
	char			 dir[] = "/tmp/weft-likesb-XXXXXX";
	char			 dir2[] = "/tmp/weft-likesr-XXXXXX";
	size_t			 n = 0;
	static const int	 order[] = { 4, 1, 3, 0, 2 };

	(void)state;
	s = store_new(dir);
	ref = store_new(dir2);
	for (int i = 0; i < NDES; i++)
		genesis(&g[i], i);
	/* Designs 0-3 are stored; 4's genesis comes inside the batch. */
	put_batch(s, g, NDES - 1);
	put_batch(ref, g, NDES - 1);

	/* Design 0: like, unlike, like again by one author: one like. */
	react(&b[n++], 1, des[0], TS0 + 10, true, NULL);
	react(&b[n++], 1, des[0], TS0 + 11, false, NULL);
	react(&b[n++], 1, des[0], TS0 + 12, true, NULL);
	/* Design 1: two likes. */
	react(&b[n++], 1, des[1], TS0 + 10, true, NULL);
	react(&b[n++], 2, des[1], TS0 + 10, true, NULL);
	/* Design 4: a like before its genesis, one after. */
	react(&b[n++], 2, des[4], TS0 + 10, true, NULL);
	b[n++] = g[NDES - 1];
	react(&b[n++], 3, des[4], TS0 + 10, true, NULL);
	/* Design 2: a like taken back in the same batch. */
	react(&b[n++], 2, des[2], TS0 + 20, true, like2);
	retract(&b[n++], 2, like2, TS0 + 21);
	/* Design 3: a like, then an older unlike that changes nothing. */
	react(&b[n++], 3, des[3], TS0 + 30, true, NULL);
	react(&b[n++], 3, des[3], TS0 + 29, false, NULL);
	/* Design 0 again after the run was flushed by the retraction. */
	react(&b[n++], 4, des[0], TS0 + 40, true, NULL);
	react(&b[n++], 4, des[0], TS0 + 41, false, NULL);

	put_batch(s, b, n);
	assert_int_equal(likes(s, des[0]), 1);
	assert_int_equal(likes(s, des[1]), 2);
	assert_int_equal(likes(s, des[2]), 0);
	assert_int_equal(likes(s, des[3]), 1);
	assert_int_equal(likes(s, des[4]), 2);
	/* Both designs of two likes moved up in csort: 4 (newer), 1, ... */
	by_likes(s, &got);
	for (int i = 0; i < NDES; i++)
		assert_int_equal(got.d[i], order[i]);

	/* The same records one at a time: the same counts and order. */
	for (size_t i = 0; i < n; i++)
		put_batch(ref, &b[i], 1);
	by_likes(ref, &want);
	assert_memory_equal(&got, &want, sizeof(got));

	slices_free(b, n);	/* design 4's genesis with them */
	slices_free(g, NDES - 1);
	store_gone(ref, dir2);
	store_gone(s, dir);
}

/* Random likes and unlikes in one batch against the same one by one. */
static void
test_random_batch(void **state)
{
	struct weft_store	*s, *ref;
	struct weft_slice	 g[NDES], b[400];
	struct got		 got, want;
	int			 res[400], res1[400];
	char			 dir[] = "/tmp/weft-likesb-XXXXXX";
	char			 dir2[] = "/tmp/weft-likesr-XXXXXX";
	size_t			 n = sizeof(b) / sizeof(b[0]);

	(void)state;
	s = store_new(dir);
	ref = store_new(dir2);
	for (int i = 0; i < NDES; i++)
		genesis(&g[i], i);
	put_batch(s, g, NDES);
	put_batch(ref, g, NDES);
	/* Unique times in random order, spread over the minute caps. */
	for (size_t i = 0; i < n; i++)
		react(&b[i], (int)randombytes_uniform(NAUTH),
		    des[randombytes_uniform(NDES)],
		    TS0 + 100 + (uint64_t)randombytes_uniform(100) * 60000 + i,
		    randombytes_uniform(3) != 0, NULL);
	/* Two batches, so the second starts from stored counts. */
	assert_int_equal(weft_store_records_put(s, b, n / 2, res, NULL), 0);
	assert_int_equal(weft_store_records_put(s, b + n / 2, n - n / 2,
	    res + n / 2, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(weft_store_records_put(ref, &b[i], 1,
		    &res1[i], NULL), 0);
		assert_int_equal(res[i], res1[i]);
		assert_true(res[i] == 0 || res[i] == WEFT_ELIMIT);
	}
	by_likes(s, &got);
	by_likes(ref, &want);
	assert_memory_equal(&got, &want, sizeof(got));
	for (int i = 0; i < NDES; i++)
		assert_int_equal(likes(s, des[i]), likes(ref, des[i]));
	slices_free(b, n);
	slices_free(g, NDES);
	store_gone(ref, dir2);
	store_gone(s, dir);
}

/* More designs in one batch than its table holds: flushed midway. */
static void
test_many_designs(void **state)
{
	struct weft_store	*s;
	struct weft_slice	*b;
	uint8_t			(*d)[WEFT_ID_BYTES];
	char			 dir[] = "/tmp/weft-likesb-XXXXXX";
	size_t			 n = 0;

	(void)state;
	s = store_new(dir);
	b = calloc(2 * NMANY, sizeof(*b));
	d = calloc(NMANY, sizeof(*d));
	assert_non_null(b);
	assert_non_null(d);
	/* Designs not stored (yet): their likes are counted all the same. */
	for (size_t i = 0; i < NMANY; i++) {
		randombytes_buf(d[i], WEFT_ID_BYTES);
		react(&b[n++], (int)(i % NAUTH), d[i], TS0 + i, true, NULL);
		if (i % 7 == 0)
			react(&b[n++], (int)((i + 1) % NAUTH), d[i], TS0 + i,
			    true, NULL);
	}
	/* The first designs again, after the table was flushed. */
	for (size_t i = 0; i < 64; i++)
		react(&b[n++], (int)(i % NAUTH), d[i], TS0 + NMANY + i,
		    false, NULL);
	put_batch(s, b, n);
	for (size_t i = 0; i < NMANY; i++)
		assert_int_equal(likes(s, d[i]),
		    i < 64 ? (i % 7 == 0) : 1 + (i % 7 == 0));
	slices_free(b, n);
	free(b);
	free(d);
	store_gone(s, dir);
}

/* The per-minute flood cap holds inside a batch and across batches. */
static void
test_limits(void **state)
{
	struct weft_store	*s;
	struct weft_slice	 b[WEFT_STORE_REACTIONS_MINUTE + 4];
	uint8_t			 d[WEFT_ID_BYTES];
	char			 dir[] = "/tmp/weft-likesb-XXXXXX";
	int			 res[WEFT_STORE_REACTIONS_MINUTE + 4];
	size_t			 n = WEFT_STORE_REACTIONS_MINUTE + 2;

	(void)state;
	s = store_new(dir);
	randombytes_buf(d, sizeof(d));
	/* TS0 + 0..13 ms: all in one minute. */
	for (size_t i = 0; i < n + 2; i++)
		react(&b[i], 1, d, TS0 + i, i % 2 == 0, NULL);
	assert_int_equal(weft_store_records_put(s, b, n, res, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], i < WEFT_STORE_REACTIONS_MINUTE ? 0 :
		    WEFT_ELIMIT);
	assert_int_equal(weft_store_records_put(s, &b[n], 1, res, NULL), 0);
	assert_int_equal(res[0], WEFT_ELIMIT);
	free((void *)b[n + 1].data);
	react(&b[n + 1], 1, d, TS0 + 60000, true, NULL);
	assert_int_equal(weft_store_records_put(s, &b[n + 1], 1, res, NULL),
	    0);
	assert_int_equal(res[0], 0);
	/* Latest (the 10th, an unlike) then the next minute's like. */
	assert_int_equal(likes(s, d), 1);
	slices_free(b, n + 2);
	store_gone(s, dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_one_batch),
		cmocka_unit_test(test_random_batch),
		cmocka_unit_test(test_many_designs),
		cmocka_unit_test(test_limits),
	};

	if (sodium_init() < 0)
		return 1;
	for (int a = 0; a < NAUTH; a++)
		crypto_sign_keypair(pk[a], sk[a]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
