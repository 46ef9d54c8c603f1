/*
 * store_disk.c: the chunks a publish adds and may have to undo
 * (weft_store_chunks_put_new, weft_store_chunks_drop, the write
 * generation), and the free space of the store's disk. Fresh store per
 * test in a mkdtemp directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"

#include "store.h"


struct fx {
	char			 dir[64];
	struct weft_store	*s;
	uint8_t			 a[4000], b[6000], c[100];
	struct weft_chunk_put	 p[3];
};

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-disk-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	memset(f->a, 'a', sizeof(f->a));
	memset(f->b, 'b', sizeof(f->b));
	memset(f->c, 'c', sizeof(f->c));
	f->p[0].data = f->a;
	f->p[0].len = sizeof(f->a);
	f->p[1].data = f->b;
	f->p[1].len = sizeof(f->b);
	f->p[2].data = f->c;
	f->p[2].len = sizeof(f->c);
	for (int i = 0; i < 3; i++)
		weft_hash(f->p[i].data, f->p[i].len, f->p[i].id);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	weft_store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static uint64_t
nchunks(struct weft_store *s, uint64_t *bytes)
{
	struct weft_store_stats	st;

	assert_int_equal(weft_store_stats(s, &st), 0);
	if (bytes != NULL)
		*bytes = st.chunk_bytes;
	return st.chunks;
}

/* Chunks present before are not fresh; the new ones are, and go again. */
static void
test_put_new_drop(void **state)
{
	struct fx	*f = *state;
	uint8_t		 fresh[3], ids[3][WEFT_ID_BYTES];
	uint64_t	 gen[2], bytes;
	size_t		 dropped;
	size_t		 n = 0;

	assert_int_equal(weft_store_chunks_put(f->s, &f->p[2], 1), 0);
	assert_int_equal(nchunks(f->s, NULL), 1);
	assert_int_equal(weft_store_chunks_put_new(f->s, f->p, 3, 7, fresh, gen),
	    0);
	assert_int_equal(fresh[0], 1);
	assert_int_equal(fresh[1], 1);
	assert_int_equal(fresh[2], 0);
	assert_int_equal(gen[1], gen[0] + 1);
	assert_int_equal(nchunks(f->s, NULL), 3);
	for (int i = 0; i < 3; i++)
		if (fresh[i])
			memcpy(ids[n++], f->p[i].id, WEFT_ID_BYTES);
	assert_int_equal(weft_store_chunks_drop(f->s,
	    (const uint8_t (*)[WEFT_ID_BYTES])ids, n, 7, &dropped,
	    &bytes), 0);
	assert_int_equal(dropped, 2);
	assert_int_equal(bytes, sizeof(f->a) + sizeof(f->b));
	assert_int_equal(nchunks(f->s, &bytes), 1);
	assert_int_equal(bytes, sizeof(f->c));
	assert_int_equal(weft_store_chunk_has(f->s, f->p[2].id), 0);
	assert_int_equal(weft_store_chunk_has(f->s, f->p[0].id),
	    WEFT_ENOTFOUND);
}

/*
 * A chunk another publish met since (or a wanted file listed) is no
 * longer the failed publish's alone: the undo keeps it, drops the rest.
 */
static void
test_drop_spares_shared(void **state)
{
	struct fx	*f = *state;
	uint8_t		 fresh[2], ids[2][WEFT_ID_BYTES];
	uint64_t	 gen[2], bytes;
	size_t		 dropped;

	assert_int_equal(weft_store_chunks_put_new(f->s, f->p, 2, 7, fresh,
	    gen), 0);
	assert_int_equal(fresh[0], 1);
	assert_int_equal(fresh[1], 1);
	/* An unrelated write does not matter any more. */
	assert_int_equal(weft_store_chunks_put(f->s, &f->p[2], 1), 0);
	/* Another publish (token 8) meets chunk 0. */
	assert_int_equal(weft_store_chunks_put_new(f->s, f->p, 1, 8, fresh,
	    gen), 0);
	assert_int_equal(fresh[0], 0);
	memcpy(ids[0], f->p[0].id, WEFT_ID_BYTES);
	memcpy(ids[1], f->p[1].id, WEFT_ID_BYTES);
	/* A wrong token drops nothing. */
	assert_int_equal(weft_store_chunks_drop(f->s,
	    (const uint8_t (*)[WEFT_ID_BYTES])ids, 2, 9, &dropped, &bytes), 0);
	assert_int_equal(dropped, 0);
	assert_int_equal(weft_store_chunks_drop(f->s,
	    (const uint8_t (*)[WEFT_ID_BYTES])ids, 2, 7, &dropped, &bytes), 0);
	assert_int_equal(dropped, 1);
	assert_int_equal(bytes, sizeof(f->b));
	assert_int_equal(weft_store_chunk_has(f->s, f->p[0].id), 0);
	assert_int_equal(weft_store_chunk_has(f->s, f->p[1].id),
	    WEFT_ENOTFOUND);
	assert_int_equal(nchunks(f->s, NULL), 2);
}

/* A chunk a wanted file lacks is not the publish's alone: not fresh. */
static void
test_wanted_not_fresh(void **state)
{
	struct fx		*f = *state;
	struct weft_chunk_ref	 ref;
	struct weft_buf		 idx;
	struct weft_chunk_put	 ip;
	uint8_t			 fresh[1], idx_id[WEFT_ID_BYTES];
	uint64_t		 gen[2];

	memcpy(ref.id, f->p[0].id, WEFT_ID_BYTES);
	ref.size = (uint32_t)f->p[0].len;
	weft_buf_init(&idx, WEFT_INDEX_MAX);
	assert_int_equal(weft_index_encode(&ref, 1, &idx), 0);
	weft_hash(idx.data, idx.len, idx_id);
	assert_int_equal(weft_store_want_file(f->s, idx_id, f->p[0].len), 0);
	memcpy(ip.id, idx_id, WEFT_ID_BYTES);
	ip.data = idx.data;
	ip.len = idx.len;
	/* The index is wanted, so it is not fresh either. */
	assert_int_equal(weft_store_chunks_put_new(f->s, &ip, 1, 7, fresh, gen),
	    0);
	assert_int_equal(fresh[0], 0);
	assert_int_equal(weft_store_chunks_put_new(f->s, f->p, 1, 7, fresh, gen),
	    0);
	assert_int_equal(fresh[0], 0);
	weft_buf_release(&idx);
}

static void
test_disk_free(void **state)
{
	struct fx	*f = *state;
	uint64_t	 avail = 0, total = 0;
	const char	*path = NULL;

	assert_int_equal(weft_store_disk_free(f->s, &avail, &total), 0);
	assert_true(total > 0);
	assert_true(avail <= total);
	assert_int_equal(weft_store_path(f->s, &path), 0);
	assert_string_equal(path, f->dir);
}

/* Writes a data.mdb of page 0 (a meta of txnid txn, or junk) only. */
static void
write_page0(const char *dir, bool junk, uint64_t txn)
{
	uint8_t		 pg[4096];
	uint32_t	 magic = 0xBEEFC0DEu, version = 1;
	char		 path[128];
	FILE		*fp;

	memset(pg, junk ? 'j' : 0, sizeof(pg));
	if (!junk) {
		memcpy(pg + 16, &magic, 4);
		memcpy(pg + 20, &version, 4);
		memcpy(pg + 16 + 4 + 4 + 8 + 8 + 2 * 48 + 8, &txn, 8);
	}
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(pg, 1, sizeof(pg), fp), sizeof(pg));
	assert_int_equal(fclose(fp), 0);
}

/*
 * A power cut during LMDB's creation of the file leaves meta pages of
 * transaction 0 only: the store starts again. Anything else that LMDB
 * cannot open stays an error.
 */
static void
test_unfinished_creation(void **state)
{
	struct fx		*f = *state;
	struct weft_store	*s2;

	weft_store_close(f->s);
	f->s = NULL;
	write_page0(f->dir, false, 0);
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	assert_int_equal(nchunks(f->s, NULL), 0);
	weft_store_close(f->s);
	f->s = NULL;
	write_page0(f->dir, false, 7);
	assert_int_not_equal(weft_store_open(&s2, f->dir, NULL), 0);
	write_page0(f->dir, true, 0);
	assert_int_not_equal(weft_store_open(&s2, f->dir, NULL), 0);
	assert_null(s2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_new_drop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_drop_spares_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wanted_not_fresh, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_disk_free, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unfinished_creation,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
