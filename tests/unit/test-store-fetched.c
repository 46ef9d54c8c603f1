/*
 * weft_store_chunks_put_fetched(): chunks from peers stored a batch per
 * transaction, each with its own result. Refusals (not wanted, wrong
 * bytes, an index that does not decode, present already, a repeated id)
 * leave the rest of the batch stored; an index and its chunks in one
 * batch complete the file; usage errors store nothing. Fresh store per
 * test in a mkdtemp directory.
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

#include "store.h"


struct fx {
	char			 dir[64];
	struct weft_store	*s;
	/* One file: chunks c1, c2, c1 and their index. */
	uint8_t			 c1[3000], c2[5000], junk[100];
	uint8_t			 id1[WEFT_ID_BYTES], id2[WEFT_ID_BYTES];
	uint8_t			 idx_id[WEFT_ID_BYTES], junk_id[WEFT_ID_BYTES];
	struct weft_buf		 idx;
};

static int
setup(void **state)
{
	struct weft_chunk_ref	refs[3];
	struct fx		*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-fetched-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	memset(f->c1, 'a', sizeof(f->c1));
	memset(f->c2, 'b', sizeof(f->c2));
	memset(f->junk, 'j', sizeof(f->junk));
	weft_hash(f->c1, sizeof(f->c1), f->id1);
	weft_hash(f->c2, sizeof(f->c2), f->id2);
	weft_hash(f->junk, sizeof(f->junk), f->junk_id);
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

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	weft_store_close(f->s);
	weft_buf_release(&f->idx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
item(struct weft_store_fetched *it, const uint8_t *id, const uint8_t *data,
    size_t len)
{
	it->id = id;
	it->data = data;
	it->len = len;
}

static void
missing_eq(struct fx *f, uint64_t files, uint64_t bytes)
{
	struct weft_store_missing	st;

	assert_int_equal(weft_store_missing_stats(f->s, &st), 0);
	assert_int_equal(st.files, files);
	assert_int_equal(st.bytes, bytes);
}

/* Index and chunks in one batch, among refused items. */
static void
test_batch_results(void **state)
{
	struct fx			*f = *state;
	struct weft_store_fetched	 it[7];
	int				 res[7];
	uint64_t			 size;

	size = 2 * sizeof(f->c1) + sizeof(f->c2);
	assert_int_equal(weft_store_want_file(f->s, f->idx_id, size), 0);
	missing_eq(f, 1, size);
	item(&it[0], f->idx_id, f->idx.data, f->idx.len);
	item(&it[1], f->junk_id, f->junk, sizeof(f->junk));	/* unasked */
	item(&it[2], f->id1, f->c2, sizeof(f->c2));	/* wrong bytes */
	item(&it[3], f->id1, f->c1, sizeof(f->c1));
	item(&it[4], f->id1, f->c1, sizeof(f->c1));	/* twice */
	item(&it[5], f->id2, f->c2, sizeof(f->c2));
	item(&it[6], f->idx_id, f->idx.data, f->idx.len);
	memset(res, 0x55, sizeof(res));
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 7, res), 0);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], WEFT_EDENIED);
	assert_int_equal(res[2], WEFT_EBADHASH);
	assert_int_equal(res[3], 0);
	assert_int_equal(res[4], WEFT_EEXISTS);
	assert_int_equal(res[5], 0);
	assert_int_equal(res[6], WEFT_EEXISTS);
	assert_int_equal(weft_store_chunk_has(f->s, f->idx_id), 0);
	assert_int_equal(weft_store_chunk_has(f->s, f->id1), 0);
	assert_int_equal(weft_store_chunk_has(f->s, f->id2), 0);
	assert_int_equal(weft_store_chunk_has(f->s, f->junk_id),
	    WEFT_ENOTFOUND);
	missing_eq(f, 0, 0);
	/* Everything again: present, or still not wanted. */
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 7, res), 0);
	assert_int_equal(res[0], WEFT_EEXISTS);
	assert_int_equal(res[1], WEFT_EDENIED);
	assert_int_equal(res[2], WEFT_EBADHASH);
	assert_int_equal(res[3], WEFT_EEXISTS);
	assert_int_equal(res[5], WEFT_EEXISTS);
}

/* Chunks come only after their index made them wanted. */
static void
test_batch_unasked(void **state)
{
	struct fx			*f = *state;
	struct weft_store_fetched	 it[3];
	int				 res[3];

	item(&it[0], f->id1, f->c1, sizeof(f->c1));
	item(&it[1], f->id2, f->c2, sizeof(f->c2));
	item(&it[2], f->idx_id, f->idx.data, f->idx.len);
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 3, res), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(res[i], WEFT_EDENIED);
	assert_int_equal(weft_store_want_file(f->s, f->idx_id, 1), 0);
	/* The index arrives last in the batch: its chunks were not wanted. */
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 3, res), 0);
	assert_int_equal(res[0], WEFT_EDENIED);
	assert_int_equal(res[1], WEFT_EDENIED);
	assert_int_equal(res[2], 0);
	missing_eq(f, 1, sizeof(f->c1) + sizeof(f->c2));	/* each once */
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 2, res), 0);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], 0);
	missing_eq(f, 0, 0);
}

/* A wanted "index" that does not decode is refused; the rest stored. */
static void
test_batch_bad_index(void **state)
{
	struct fx			*f = *state;
	struct weft_store_fetched	 it[2];
	uint8_t				 c3[64], id3[WEFT_ID_BYTES];
	int				 res[2];

	memset(c3, 'c', sizeof(c3));
	weft_hash(c3, sizeof(c3), id3);
	assert_int_equal(weft_store_want_file(f->s, f->junk_id, 100), 0);
	assert_int_equal(weft_store_want_file(f->s, id3, 1), 0);
	item(&it[0], f->junk_id, f->junk, sizeof(f->junk));
	item(&it[1], f->idx_id, f->idx.data, f->idx.len);
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 2, res), 0);
	assert_int_equal(res[0], WEFT_EPROTO);
	assert_int_equal(res[1], WEFT_EDENIED);
	assert_int_equal(weft_store_chunk_has(f->s, f->junk_id),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_want_file(f->s, f->idx_id, 1), 0);
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 2, res), 0);
	assert_int_equal(res[0], WEFT_EPROTO);
	assert_int_equal(res[1], 0);
	assert_int_equal(weft_store_chunk_has(f->s, f->idx_id), 0);
}

/* Sizes: nothing, too many, too big an item. */
static void
test_batch_limits(void **state)
{
	struct fx			*f = *state;
	struct weft_store_fetched	 it[2];
	uint8_t				*big;
	int				 res[2] = { 7, 7 };

	memset(it, 0, sizeof(it));
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 0, res), 0);
	assert_int_equal(res[0], 7);
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it,
	    WEFT_STORE_FETCHED_MAX + 1, res), WEFT_EUSAGE);
	assert_int_equal(res[0], 7);
	big = calloc(1, WEFT_INDEX_MAX + 1);
	assert_non_null(big);
	assert_int_equal(weft_store_want_file(f->s, f->idx_id, 1), 0);
	item(&it[0], f->idx_id, big, WEFT_INDEX_MAX + 1);
	item(&it[1], f->idx_id, f->idx.data, f->idx.len);
	assert_int_equal(weft_store_chunks_put_fetched(f->s, it, 2, res), 0);
	assert_int_equal(res[0], WEFT_ETOOBIG);
	assert_int_equal(res[1], 0);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_results, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_unasked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_bad_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_limits, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
