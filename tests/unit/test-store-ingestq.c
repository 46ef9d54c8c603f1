/*
 * The ingest queue (weft_store_ingest_*, store_ingest.c) as sync runs it:
 * several threads each add a batch and run it, and the run that writes
 * the oldest batch may write the waiting ones after it in the same
 * commit (group commit). Whatever the grouping, every batch must be
 * written exactly once and in queue order: records that depend on a
 * record of an earlier batch go in, each run gets its own batch's
 * per-record results (a refused record is refused in its own batch
 * only), and the store ends with every record and the right heads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
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

#define NDESIGN		8
#define NBATCH		48
#define BATCH		24
#define NREC		(NBATCH * BATCH)
#define NTHREAD		4
#define TS0		UINT64_C(1700000000000)

static uint8_t			pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];
static struct weft_slice	env[NREC];
static uint8_t			ids[NREC][WEFT_ID_BYTES];
static int			want[NREC];	/* expected result */
static int			res[NREC];

/*
 * Record i: the first NDESIGN are geneses; after them record i updates
 * design i % NDESIGN, its prev the design's record before it (so most
 * prevs are in an earlier batch), except every 50th, whose prev is a
 * random id nobody has (WEFT_EMISSING), and every 70th, a copy of an
 * earlier record (WEFT_EEXISTS).
 */
static void
make(size_t i, const uint8_t *prev, const uint8_t *design)
{
	struct weft_record	r;
	struct weft_buf		body, out;
	char			t[32];

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, pk, WEFT_PK_BYTES);
	r.ts = TS0 + i;
	if (design != NULL) {
		r.has_design = true;
		memcpy(r.design, design, WEFT_ID_BYTES);
		r.prev.ids = malloc(WEFT_ID_BYTES);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], prev, WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	snprintf(t, sizeof(t), "part %zu", i);
	r.title = strdup(t);
	r.description = strdup("");
	r.license = strdup("CC-BY-4.0");
	r.message = strdup("");
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&out, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, &out), 0);
	weft_record_id(body.data, body.len, ids[i]);
	env[i].data = weft_buf_detach(&out, &env[i].len);
	weft_buf_release(&body);
	weft_record_release(&r);
}

static size_t	last[NDESIGN];	/* each design's newest stored record */

static void
plan(void)
{
	uint8_t	nobody[WEFT_ID_BYTES];

	for (size_t i = 0; i < NREC; i++) {
		size_t	d = i % NDESIGN;

		want[i] = 0;
		if (i < NDESIGN) {
			make(i, NULL, NULL);
			last[d] = i;
		} else if (i % 70 == 0) {
			/* A copy of the record before: already there. */
			env[i].len = env[i - 1].len;
			env[i].data = malloc(env[i].len);
			assert_non_null(env[i].data);
			memcpy((void *)env[i].data, env[i - 1].data,
			    env[i].len);
			memcpy(ids[i], ids[i - 1], WEFT_ID_BYTES);
			want[i] = WEFT_EEXISTS;
		} else if (i % 50 == 0) {
			randombytes_buf(nobody, sizeof(nobody));
			make(i, nobody, ids[d]);
			want[i] = WEFT_EMISSING;
		} else {
			make(i, ids[last[d]], ids[d]);
			last[d] = i;
		}
	}
}

struct runner {
	struct weft_store		*s;
	struct weft_store_ingest	*q;
	pthread_mutex_t			 mu;
	size_t				 next;
};

/* As sync's jobs: take the next batch, queue it in order, run it. */
static void *
runner(void *arg)
{
	struct runner		*rn = arg;
	struct weft_store_batch	*b;
	size_t			 k;
	int			 err;

	for (;;) {
		pthread_mutex_lock(&rn->mu);
		k = rn->next++;
		if (k >= NBATCH) {
			pthread_mutex_unlock(&rn->mu);
			break;
		}
		err = weft_store_batch_new(&b, env + k * BATCH, BATCH, NULL);
		if (err == 0)
			weft_store_ingest_add(rn->q, b);
		pthread_mutex_unlock(&rn->mu);
		if (err)
			return (void *)1;
		err = weft_store_ingest_run(rn->q, b, res + k * BATCH);
		weft_store_batch_free(b);
		if (err)
			return (void *)1;
	}
	return NULL;
}

/* Counts the heads, keeping the first's id. */
struct heads {
	uint8_t	id[WEFT_ID_BYTES];
	int	n;
};

static int
head_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct heads	*h = arg;

	(void)data;
	(void)len;
	if (h->n++ == 0)
		memcpy(h->id, id, WEFT_ID_BYTES);
	return 0;
}

/*
 * The reconciliation aggregates of scope kind (sid) hold exactly the
 * records stored: their count, and the sum of their ids over the whole
 * range and over its halves. A group's deferred aggregates are applied
 * once for all its batches.
 */
static void
check_scope(struct weft_store *s, int kind, const uint8_t *sid)
{
	const struct weft_recon_set	*ss = &weft_store_recon_set;
	struct weft_store_recon		*rc;
	uint8_t				 want_sum[WEFT_ID_BYTES];
	uint8_t				 got[WEFT_ID_BYTES], half[WEFT_ID_BYTES];
	uint64_t			 n, stored = 0;

	memset(want_sum, 0, sizeof(want_sum));
	for (size_t i = 0; i < NREC; i++) {
		if (want[i] != 0)
			continue;
		weft_recon_sum_add(want_sum, ids[i]);
		stored++;
	}
	assert_int_equal(weft_store_recon_begin_scope(s, kind, sid, &rc), 0);
	assert_int_equal(ss->size(rc, &n), 0);
	assert_int_equal(n, stored);
	assert_int_equal(ss->sum(rc, 0, n, got), 0);
	assert_memory_equal(got, want_sum, WEFT_ID_BYTES);
	assert_int_equal(ss->sum(rc, 0, n / 2, half), 0);
	assert_int_equal(ss->sum(rc, n / 2, n, got), 0);
	weft_recon_sum_add(got, half);
	assert_memory_equal(got, want_sum, WEFT_ID_BYTES);
	weft_store_recon_end(rc);
}

static void
test_queue(void **state)
{
	struct runner		 rn;
	struct weft_buf		 out;
	pthread_t		 t[NTHREAD];
	void			*rv;
	char			 dir[] = "/tmp/weft-ingestq-XXXXXX";
	char			 cmd[64];
	struct heads		 h;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&rn, 0, sizeof(rn));
	assert_int_equal(weft_store_open(&rn.s, dir, NULL), 0);
	assert_int_equal(weft_store_ingest_new(&rn.q, rn.s), 0);
	pthread_mutex_init(&rn.mu, NULL);
	for (int i = 0; i < NTHREAD; i++)
		assert_int_equal(pthread_create(&t[i], NULL, runner, &rn), 0);
	for (int i = 0; i < NTHREAD; i++) {
		assert_int_equal(pthread_join(t[i], &rv), 0);
		assert_null(rv);
	}
	weft_store_ingest_free(rn.q);
	pthread_mutex_destroy(&rn.mu);

	for (size_t i = 0; i < NREC; i++) {
		if (res[i] != want[i])
			fail_msg("record %zu: result %d, want %d", i, res[i],
			    want[i]);
		weft_buf_init(&out, WEFT_RECORD_MAX);
		assert_int_equal(weft_store_record_get(rn.s, ids[i], &out),
		    want[i] == WEFT_EMISSING ? WEFT_ENOTFOUND : 0);
		weft_buf_release(&out);
	}
	for (size_t d = 0; d < NDESIGN; d++) {
		memset(&h, 0, sizeof(h));
		assert_int_equal(weft_store_design_heads(rn.s, ids[d], head_cb,
		    &h), 0);
		assert_int_equal(h.n, 1);
		assert_memory_equal(h.id, ids[last[d]], WEFT_ID_BYTES);
	}
	check_scope(rn.s, WEFT_STORE_SCOPE_ALL, NULL);
	check_scope(rn.s, WEFT_STORE_SCOPE_AUTHOR, pk);
	weft_store_close(rn.s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue),
	};
	int	rc;

	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(pk, sk);
	plan();
	/* Several runs: the grouping differs with the threads' timing. */
	for (int i = 0; i < 5; i++) {
		rc = cmocka_run_group_tests(tests, NULL, NULL);
		if (rc)
			break;
	}
	for (size_t i = 0; i < NREC; i++)
		free((void *)env[i].data);
	return rc;
}
