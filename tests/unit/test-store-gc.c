/*
 * store_gc.c: gc keeps every chunk of a kept file (wanted, or of an own
 * record) and young pending chunks, and frees exactly the rest; a
 * design's files can be unwanted. Fresh store per test, on a clock the
 * test sets.
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

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "clock.h"
#include "store.h"

#define T0	1700000000000ull

/* A file: one data chunk and its index. */
struct file {
	uint8_t			 data[3000];
	struct weft_chunk_put	 c;	/* the data chunk */
	struct weft_buf		 idx;
	struct weft_chunk_put	 i;	/* the index */
};

struct fx {
	char			 dir[64];
	struct weft_store	*s;
	struct weft_clock	 clock;
	uint8_t			 pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t			 sk[crypto_sign_SECRETKEYBYTES];
	uint8_t			 opk[crypto_sign_PUBLICKEYBYTES];
	uint8_t			 osk[crypto_sign_SECRETKEYBYTES];
	struct file		 f[4];
};

static void
file_init(struct file *f, int fill)
{
	struct weft_chunk_ref	ref;

	memset(f->data, fill, sizeof(f->data));
	f->c.data = f->data;
	f->c.len = sizeof(f->data);
	weft_hash(f->c.data, f->c.len, f->c.id);
	memcpy(ref.id, f->c.id, WEFT_ID_BYTES);
	ref.size = (uint32_t)f->c.len;
	weft_buf_init(&f->idx, WEFT_INDEX_MAX);
	assert_int_equal(weft_index_encode(&ref, 1, &f->idx), 0);
	f->i.data = f->idx.data;
	f->i.len = f->idx.len;
	weft_hash(f->i.data, f->i.len, f->i.id);
}

static int
setup(void **state)
{
	struct weft_store_opts	 o = { .map_size = 0 };
	struct fx		*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-gc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	weft_clock_set(&f->clock, T0);
	o.clock = &f->clock;
	assert_int_equal(weft_store_open(&f->s, f->dir, &o), 0);
	crypto_sign_keypair(f->pk, f->sk);
	crypto_sign_keypair(f->opk, f->osk);
	for (int i = 0; i < 4; i++)
		file_init(&f->f[i], 'a' + i);
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
	for (int i = 0; i < 4; i++)
		weft_buf_release(&f->f[i].idx);
	free(f);
	return 0;
}

/* Stores a genesis revision by (pk, sk) with file fl; its id in id. */
static void
put_rev(struct fx *f, const uint8_t *pk, const uint8_t *sk,
    const struct file *fl, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body, env;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, pk, WEFT_PK_BYTES);
	r.ts = T0 / 1000;
	r.title = strdup("a design");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	r.files = calloc(1, sizeof(*r.files));
	assert_non_null(r.files);
	r.files[0].path = strdup("part.stl");
	r.files[0].size = fl->c.len;
	weft_hash(fl->data, sizeof(fl->data), r.files[0].hash);
	memcpy(r.files[0].index, fl->i.id, WEFT_ID_BYTES);
	r.nfiles = 1;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, &env), 0);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, id),
	    0);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(&r);
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

static void
put_file(struct fx *f, const struct file *fl)
{
	assert_int_equal(weft_store_chunks_put(f->s, &fl->i, 1), 0);
	assert_int_equal(weft_store_chunks_put(f->s, &fl->c, 1), 0);
}

static int
fetched(struct fx *f, const struct weft_chunk_put *c)
{
	return weft_store_chunk_put_fetched(f->s, c->id, c->data, c->len);
}

static int
gc(struct fx *f, bool dry, struct weft_store_gc_stats *st)
{
	struct weft_store_gc_opts	o = { .own = f->pk,
		.grace_ms = WEFT_STORE_GC_GRACE_MS, .dry_run = dry };

	return weft_store_gc(f->s, &o, st);
}

/*
 * An own design's files, a pinned design's files and a publish that
 * never committed: gc spares the orphans while they are young, then
 * frees exactly them (chunks and bytes), and a dry run counted them.
 */
static void
test_gc_orphans(void **state)
{
	struct fx			*f = *state;
	struct weft_store_gc_stats	 st;
	uint8_t				 own[WEFT_ID_BYTES], other[WEFT_ID_BYTES];
	uint8_t				 fresh[2];
	uint64_t			 gen[2], bytes, before;
	struct weft_chunk_put		 orphan[2] = { f->f[2].i, f->f[2].c };

	/* Own design 0 (published: chunks first, then the revision). */
	put_file(f, &f->f[0]);
	put_rev(f, f->pk, f->sk, &f->f[0], own);
	/* Another author's design 1, pinned (wanted) and complete. */
	put_rev(f, f->opk, f->osk, &f->f[1], other);
	assert_int_equal(weft_store_want_rev(f->s, other), 0);
	put_file(f, &f->f[1]);
	/* A publish of file 2 that died before its revision, its hold too. */
	assert_int_equal(weft_store_chunks_put_new(f->s, orphan, 2, 42, fresh,
	    gen), 0);
	weft_store_hold_end(f->s, 42);
	assert_int_equal(nchunks(f->s, &before), 6);

	/* Young: nothing goes. */
	assert_int_equal(gc(f, false, &st), 0);
	assert_int_equal(st.freed, 0);
	assert_int_equal(st.chunks, 6);
	assert_int_equal(nchunks(f->s, NULL), 6);

	/* Past the grace: a dry run counts the two, deletes nothing. */
	weft_clock_set(&f->clock, T0 + WEFT_STORE_GC_GRACE_MS + 1);
	assert_int_equal(gc(f, true, &st), 0);
	assert_int_equal(st.freed, 2);
	assert_int_equal(st.freed_bytes, f->f[2].i.len + f->f[2].c.len);
	assert_int_equal(weft_store_reclaimable(f->s), st.freed_bytes);
	assert_int_equal(nchunks(f->s, NULL), 6);

	assert_int_equal(gc(f, false, &st), 0);
	assert_int_equal(st.freed, 2);
	assert_int_equal(st.kept, 4);
	assert_int_equal(nchunks(f->s, &bytes), 4);
	assert_int_equal(bytes, before - f->f[2].i.len - f->f[2].c.len);
	assert_int_equal(weft_store_chunk_has(f->s, f->f[2].c.id),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_chunk_has(f->s, f->f[2].i.id),
	    WEFT_ENOTFOUND);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(weft_store_chunk_has(f->s, f->f[i].c.id), 0);
		assert_int_equal(weft_store_chunk_has(f->s, f->f[i].i.id), 0);
	}
	assert_int_equal(weft_store_reclaimable(f->s), 0);

	/* A second run finds nothing more. */
	assert_int_equal(gc(f, false, &st), 0);
	assert_int_equal(st.freed, 0);
	assert_int_equal(st.kept, 4);
}

/*
 * Unwanting a design drops its wanted rows (nothing is missing any
 * more) and gc then frees its chunks at once: they were never pending.
 */
static void
test_unwant_design(void **state)
{
	struct fx			*f = *state;
	struct weft_store_gc_stats	 st;
	struct weft_store_missing	 ms;
	uint8_t				 d1[WEFT_ID_BYTES], d3[WEFT_ID_BYTES];
	uint64_t			 files;

	put_rev(f, f->opk, f->osk, &f->f[1], d1);
	put_rev(f, f->opk, f->osk, &f->f[3], d3);
	assert_int_equal(weft_store_want_rev(f->s, d1), 0);
	assert_int_equal(weft_store_want_rev(f->s, d3), 0);
	/* Design 1 complete, design 3 has its index only. */
	assert_int_equal(fetched(f, &f->f[1].i), 0);
	assert_int_equal(fetched(f, &f->f[1].c), 0);
	assert_int_equal(fetched(f, &f->f[3].i), 0);
	assert_int_equal(weft_store_missing_stats(f->s, &ms), 0);
	assert_int_equal(ms.files, 1);

	assert_int_equal(weft_store_unwant_design(f->s, d3, &files), 0);
	assert_int_equal(files, 1);
	assert_int_equal(weft_store_missing_stats(f->s, &ms), 0);
	assert_int_equal(ms.files, 0);
	assert_int_equal(ms.bytes, 0);
	/* Its chunk is no longer accepted from peers. */
	assert_int_equal(fetched(f, &f->f[3].c), WEFT_EDENIED);
	assert_int_equal(weft_store_unwant_design(f->s, d3, &files), 0);
	assert_int_equal(files, 0);

	assert_int_equal(gc(f, false, &st), 0);
	assert_int_equal(st.freed, 1);
	assert_int_equal(weft_store_chunk_has(f->s, f->f[3].i.id),
	    WEFT_ENOTFOUND);
	assert_int_equal(nchunks(f->s, NULL), 2);

	assert_int_equal(weft_store_unwant_design(f->s, d1, &files), 0);
	assert_int_equal(files, 1);
	assert_int_equal(gc(f, false, &st), 0);
	assert_int_equal(st.freed, 2);
	assert_int_equal(nchunks(f->s, NULL), 0);
}

/* A failed publish's undo still drops its chunks after other writes. */
static void
test_gc_publish_shared(void **state)
{
	struct fx			*f = *state;
	struct weft_store_gc_stats	 st;
	struct weft_chunk_put		 p[2] = { f->f[0].i, f->f[0].c };
	uint8_t				 fresh[2], id[WEFT_ID_BYTES];
	uint64_t			 gen[2];

	/* Two publishes of the same file; the second commits. */
	assert_int_equal(weft_store_chunks_put_new(f->s, p, 2, 1, fresh, gen),
	    0);
	assert_int_equal(weft_store_chunks_put_new(f->s, p, 2, 2, fresh, gen),
	    0);
	put_rev(f, f->pk, f->sk, &f->f[0], id);
	weft_store_hold_end(f->s, 1);
	weft_store_hold_end(f->s, 2);
	weft_clock_set(&f->clock, T0 + 2 * WEFT_STORE_GC_GRACE_MS);
	assert_int_equal(gc(f, false, &st), 0);
	assert_int_equal(st.freed, 0);
	assert_int_equal(nchunks(f->s, NULL), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gc_orphans, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unwant_design, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gc_publish_shared, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
