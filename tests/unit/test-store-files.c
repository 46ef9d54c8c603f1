/*
 * Wanted files and policies in the store: the missing walk (indexes
 * first, then their absent chunks), refusal of chunks nobody asked for,
 * completion by fetched and by locally stored chunks, missing stats, and
 * follow / mirror-all policies applied at ingest and when set, persisted
 * across a reopen. Fresh store per test in a mkdtemp directory.
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
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"

#define TS0	UINT64_C(1700000000000)

struct fx {
	char			 dir[64];
	struct weft_store	*s;
	uint8_t			 pk[2][WEFT_PK_BYTES];
	uint8_t			 sk[2][WEFT_SK_BYTES];
	/* One file: chunks c1, c2, c1 and their index. */
	uint8_t			 c1[3000], c2[5000];
	uint8_t			 id1[WEFT_ID_BYTES], id2[WEFT_ID_BYTES];
	uint8_t			 idx_id[WEFT_ID_BYTES];
	struct weft_buf		 idx;
};

static int
setup(void **state)
{
	struct weft_chunk_ref	refs[3];
	struct fx		*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	for (int i = 0; i < 2; i++)
		crypto_sign_keypair(f->pk[i], f->sk[i]);
	memset(f->c1, 'a', sizeof(f->c1));
	memset(f->c2, 'b', sizeof(f->c2));
	weft_hash(f->c1, sizeof(f->c1), f->id1);
	weft_hash(f->c2, sizeof(f->c2), f->id2);
	memcpy(refs[0].id, f->id1, WEFT_ID_BYTES);
	refs[0].size = sizeof(f->c1);
	memcpy(refs[1].id, f->id2, WEFT_ID_BYTES);
	refs[1].size = sizeof(f->c2);
	refs[2] = refs[0];
	weft_buf_init(&f->idx, WEFT_INDEX_MAX);
	assert_int_equal(weft_index_encode(refs, 3, &f->idx), 0);
	weft_hash(f->idx.data, f->idx.len, f->idx_id);
	*state = f;
	return 0;
}

static void
rm_dir(const char *dir)
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

static int
teardown(void **state)
{
	struct fx	*f = *state;

	weft_store_close(f->s);
	rm_dir(f->dir);
	weft_buf_release(&f->idx);
	free(f);
	return 0;
}

/* A genesis by author a (0 or 1) holding the fixture's file. */
static void
put_rev(struct fx *f, int a, uint64_t ts, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body, env;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, f->pk[a], WEFT_PK_BYTES);
	r.ts = ts;
	r.title = strdup("part");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	r.files = calloc(1, sizeof(*r.files));
	assert_non_null(r.files);
	r.nfiles = 1;
	r.files[0].path = strdup("part.stl");
	r.files[0].size = 2 * sizeof(f->c1) + sizeof(f->c2);
	memset(r.files[0].hash, 7, WEFT_ID_BYTES);
	memcpy(r.files[0].index, f->idx_id, WEFT_ID_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, f->sk[a],
	    &env), 0);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, id),
	    0);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(&r);
}

struct ids {
	size_t	n;
	uint8_t	id[8][WEFT_ID_BYTES];
};

static int
ids_cb(void *arg, const uint8_t id[WEFT_ID_BYTES])
{
	struct ids	*l = arg;

	if (l->n < 8)
		memcpy(l->id[l->n], id, WEFT_ID_BYTES);
	l->n++;
	return 0;
}

static int
missing(struct fx *f, struct ids *l)
{
	uint8_t	cur[WEFT_STORE_CURSOR_BYTES];

	memset(cur, 0, sizeof(cur));
	memset(l, 0, sizeof(*l));
	return weft_store_missing_next(f->s, cur, ids_cb, l, 8);
}

static void
stats_eq(struct fx *f, uint64_t files, uint64_t designs, uint64_t bytes)
{
	struct weft_store_missing	st;

	assert_int_equal(weft_store_missing_stats(f->s, &st), 0);
	assert_int_equal(st.files, files);
	assert_int_equal(st.designs, designs);
	assert_int_equal(st.bytes, bytes);
}

static void
test_want_fetch(void **state)
{
	struct fx		*f = *state;
	struct weft_chunk_put	 cp;
	struct ids		 l;
	uint8_t			 rev[WEFT_ID_BYTES];
	uint8_t			 cur[WEFT_STORE_CURSOR_BYTES];
	uint64_t		 size = 2 * sizeof(f->c1) + sizeof(f->c2);

	put_rev(f, 0, TS0, rev);
	stats_eq(f, 0, 0, 0);
	assert_int_equal(missing(f, &l), 0);
	/* Nobody asked: refused, not stored. */
	assert_int_equal(weft_store_chunk_put_fetched(f->s, f->idx_id,
	    f->idx.data, f->idx.len), WEFT_EDENIED);
	assert_int_equal(weft_store_chunk_has(f->s, f->idx_id),
	    WEFT_ENOTFOUND);

	assert_int_equal(weft_store_want_rev(f->s, rev), 0);
	assert_int_equal(weft_store_want_rev(f->s, rev), 0);
	stats_eq(f, 1, 1, size);
	assert_int_equal(missing(f, &l), 1);
	assert_memory_equal(l.id[0], f->idx_id, WEFT_ID_BYTES);

	/* Bytes that do not match the id. */
	assert_int_equal(weft_store_chunk_put_fetched(f->s, f->idx_id,
	    f->c1, sizeof(f->c1)), WEFT_EBADHASH);
	assert_int_equal(weft_store_chunk_put_fetched(f->s, f->idx_id,
	    f->idx.data, f->idx.len), 0);
	assert_int_equal(weft_store_chunk_put_fetched(f->s, f->idx_id,
	    f->idx.data, f->idx.len), WEFT_EEXISTS);
	/* Now the chunks, each once, in id order; paging by one. */
	assert_int_equal(missing(f, &l), 2);
	assert_true(memcmp(l.id[0], l.id[1], WEFT_ID_BYTES) < 0);
	assert_true(memcmp(l.id[0], f->id1, WEFT_ID_BYTES) == 0 ||
	    memcmp(l.id[1], f->id1, WEFT_ID_BYTES) == 0);
	memset(cur, 0, sizeof(cur));
	memset(&l, 0, sizeof(l));
	assert_int_equal(weft_store_missing_next(f->s, cur, ids_cb, &l, 1),
	    1);
	assert_int_equal(weft_store_missing_next(f->s, cur, ids_cb, &l, 1),
	    1);
	assert_int_equal(weft_store_missing_next(f->s, cur, ids_cb, &l, 1),
	    0);
	assert_int_equal(l.n, 2);
	stats_eq(f, 1, 1, sizeof(f->c1) + sizeof(f->c2));

	assert_int_equal(weft_store_chunk_put_fetched(f->s, f->id1, f->c1,
	    sizeof(f->c1)), 0);
	stats_eq(f, 1, 1, sizeof(f->c2));
	assert_int_equal(missing(f, &l), 1);
	assert_memory_equal(l.id[0], f->id2, WEFT_ID_BYTES);

	/* A locally stored chunk counts too. */
	memcpy(cp.id, f->id2, WEFT_ID_BYTES);
	cp.data = f->c2;
	cp.len = sizeof(f->c2);
	assert_int_equal(weft_store_chunks_put(f->s, &cp, 1), 0);
	stats_eq(f, 0, 0, 0);
	assert_int_equal(missing(f, &l), 0);
}

static void
test_want_present(void **state)
{
	struct fx		*f = *state;
	struct weft_chunk_put	 cp[2];
	struct ids		 l;

	/* The index is here already: only the absent chunk is wanted. */
	memcpy(cp[0].id, f->idx_id, WEFT_ID_BYTES);
	cp[0].data = f->idx.data;
	cp[0].len = f->idx.len;
	memcpy(cp[1].id, f->id1, WEFT_ID_BYTES);
	cp[1].data = f->c1;
	cp[1].len = sizeof(f->c1);
	assert_int_equal(weft_store_chunks_put(f->s, cp, 2), 0);
	assert_int_equal(weft_store_want_file(f->s, f->idx_id, 1), 0);
	stats_eq(f, 1, 1, sizeof(f->c2));
	assert_int_equal(missing(f, &l), 1);
	assert_memory_equal(l.id[0], f->id2, WEFT_ID_BYTES);
	assert_int_equal(weft_store_chunk_put_fetched(f->s, f->id2, f->c2,
	    sizeof(f->c2)), 0);
	stats_eq(f, 0, 0, 0);
}

static int
count_cb(void *arg, int kind, const uint8_t *id)
{
	int	*n = arg;

	(void)id;
	n[kind]++;
	return 0;
}

static void
test_policies(void **state)
{
	struct fx	*f = *state;
	uint8_t		 r0[WEFT_ID_BYTES], r1[WEFT_ID_BYTES];
	int		 n[4] = { 0 };

	assert_int_equal(weft_store_policy_set(f->s, WEFT_STORE_FOLLOW, NULL,
	    true), WEFT_EUSAGE);
	assert_int_equal(weft_store_policy_set(f->s, 9, f->pk[0], true),
	    WEFT_EUSAGE);
	assert_int_equal(weft_store_policy_set(f->s, WEFT_STORE_FOLLOW,
	    f->pk[0], true), 0);
	assert_int_equal(weft_store_policy_has(f->s, WEFT_STORE_FOLLOW,
	    f->pk[0]), 0);
	assert_int_equal(weft_store_policy_has(f->s, WEFT_STORE_FOLLOW,
	    f->pk[1]), WEFT_ENOTFOUND);

	/* Author 1 is not followed; author 0 is, at ingest. */
	put_rev(f, 1, TS0, r1);
	stats_eq(f, 0, 0, 0);
	put_rev(f, 0, TS0 + 1, r0);
	stats_eq(f, 1, 1, 2 * sizeof(f->c1) + sizeof(f->c2));

	/* Reopen: the policy persists. */
	weft_store_close(f->s);
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	assert_int_equal(weft_store_policy_has(f->s, WEFT_STORE_FOLLOW,
	    f->pk[0]), 0);
	assert_int_equal(weft_store_policy_set(f->s, WEFT_STORE_MIRROR_ALL,
	    NULL, true), 0);
	assert_int_equal(weft_store_policy_list(f->s, count_cb, n), 0);
	assert_int_equal(n[WEFT_STORE_FOLLOW], 1);
	assert_int_equal(n[WEFT_STORE_MIRROR_ALL], 1);
	/* Both designs share the file: wanted once, under the first. */
	stats_eq(f, 1, 1, 2 * sizeof(f->c1) + sizeof(f->c2));
	assert_int_equal(weft_store_policy_set(f->s, WEFT_STORE_FOLLOW,
	    f->pk[0], false), 0);
	assert_int_equal(weft_store_policy_has(f->s, WEFT_STORE_FOLLOW,
	    f->pk[0]), WEFT_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_want_fetch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_want_present, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_policies, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
