/*
 * store_gc.c: gc keeps every chunk of a kept file (wanted, or of an own
 * record) and young pending chunks, and frees exactly the rest; a
 * design's files can be unwanted. Fresh store per test, on a clock the
 * test sets. Under max-store, eviction takes the least recently used
 * unkept designs first.
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
#define NFILES	6

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
	struct file		 f[NFILES];
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
	for (int i = 0; i < NFILES; i++)
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
	for (int i = 0; i < NFILES; i++)
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

/* Design d (files fl) fetched at ms, then unwanted: used, not kept. */
static void
fetch_unkept(struct fx *f, const uint8_t d[WEFT_ID_BYTES],
    const struct file *fl, uint64_t ms)
{
	uint64_t	files, use;

	weft_clock_set(&f->clock, ms);
	assert_int_equal(weft_store_want_rev(f->s, d), 0);
	assert_int_equal(fetched(f, &fl->i), 0);
	assert_int_equal(fetched(f, &fl->c), 0);
	assert_int_equal(weft_store_unwant_design(f->s, d, &files), 0);
	assert_int_equal(files, 1);
	assert_int_equal(weft_store_use_get(f->s, d, &use), 0);
	assert_int_equal(use, ms);
}

static bool
has(struct fx *f, const struct file *fl)
{
	bool	c = weft_store_chunk_has(f->s, fl->c.id) == 0;
	bool	i = weft_store_chunk_has(f->s, fl->i.id) == 0;

	assert_true(c == i);
	return c;
}

static int
evict(struct fx *f, uint64_t to, struct weft_store_gc_stats *st)
{
	struct weft_store_gc_opts	o = { .own = NULL,
		.grace_ms = WEFT_STORE_GC_GRACE_MS, .evict_to = to };

	return weft_store_gc(f->s, &o, st);
}

/*
 * Four unkept designs used in a known order (B, A, D, C), D sharing B's
 * file, one kept (pinned) design and an orphan of no design: eviction
 * frees the orphan first, then A (B's file stays: D, newer, holds it)
 * and stops under its target; a second eviction takes D then C, oldest
 * first, and never the kept design. Uses are stamped at most once a
 * step, and an evicted design's row goes.
 */
static void
test_evict_lru(void **state)
{
	struct fx			*f = *state;
	struct weft_store_gc_stats	 st;
	uint8_t				 a[WEFT_ID_BYTES], b[WEFT_ID_BYTES];
	uint8_t				 c[WEFT_ID_BYTES], d[WEFT_ID_BYTES];
	uint8_t				 k[WEFT_ID_BYTES];
	uint64_t			 use, bytes, filelen;
	const uint64_t			 min = 60 * 1000;

	put_rev(f, f->opk, f->osk, &f->f[0], a);
	put_rev(f, f->opk, f->osk, &f->f[1], b);
	put_rev(f, f->opk, f->osk, &f->f[2], c);
	put_rev(f, f->pk, f->sk, &f->f[1], d);	/* shares b's file */
	put_rev(f, f->pk, f->sk, &f->f[3], k);
	fetch_unkept(f, b, &f->f[1], T0);
	fetch_unkept(f, a, &f->f[0], T0 + 2 * min);
	fetch_unkept(f, c, &f->f[2], T0 + 6 * min);
	/* d read (a get of files already here) between a and c. */
	weft_clock_set(&f->clock, T0 + 4 * min);
	assert_int_equal(weft_store_use_touch(f->s, d), 0);
	/* Within a step a touch writes nothing; after one it does. */
	weft_clock_set(&f->clock, T0 + 4 * min + 30 * 1000);
	assert_int_equal(weft_store_use_touch(f->s, d), 0);
	assert_int_equal(weft_store_use_get(f->s, d, &use), 0);
	assert_int_equal(use, T0 + 4 * min);
	assert_int_equal(weft_store_use_get(f->s, k, &use), WEFT_ENOTFOUND);
	/* k pinned and complete; file 4 an orphan past its grace. */
	assert_int_equal(weft_store_want_rev(f->s, k), 0);
	put_file(f, &f->f[3]);
	put_file(f, &f->f[4]);
	weft_clock_set(&f->clock, T0 + 2 * WEFT_STORE_GC_GRACE_MS);
	assert_int_equal(nchunks(f->s, &bytes), 10);
	filelen = f->f[0].c.len + f->f[0].i.len;

	/* Just more than the orphan must go: then a, and no more. */
	assert_int_equal(evict(f, bytes - filelen - 1, &st), 0);
	assert_int_equal(st.unused_bytes, filelen);
	assert_int_equal(st.freed, 4);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.nev, 1);
	assert_memory_equal(st.ev[0].design, a, WEFT_ID_BYTES);
	assert_int_equal(st.ev[0].last_ms, T0 + 2 * min);
	assert_int_equal(st.ev[0].bytes, filelen);
	assert_false(has(f, &f->f[4]));
	assert_false(has(f, &f->f[0]));
	assert_true(has(f, &f->f[1]));
	assert_true(has(f, &f->f[2]));
	assert_true(has(f, &f->f[3]));
	assert_int_equal(weft_store_use_get(f->s, a, &use), WEFT_ENOTFOUND);
	assert_int_equal(weft_store_use_get(f->s, b, &use), 0);
	assert_int_equal(nchunks(f->s, &bytes), 6);
	/* Unkept files stay: how much a gc would free is not known. */
	assert_int_equal(weft_store_reclaimable(f->s), UINT64_MAX);

	/* Down to the kept design alone: d (with b's file), then c. */
	assert_int_equal(evict(f, 1, &st), 0);
	assert_int_equal(st.unused_bytes, 0);
	assert_int_equal(st.evicted, 2);
	assert_memory_equal(st.ev[0].design, d, WEFT_ID_BYTES);
	assert_memory_equal(st.ev[1].design, c, WEFT_ID_BYTES);
	assert_false(has(f, &f->f[1]));
	assert_false(has(f, &f->f[2]));
	assert_true(has(f, &f->f[3]));
	assert_int_equal(nchunks(f->s, &bytes), 2);
	assert_int_equal(bytes, f->f[3].c.len + f->f[3].i.len);

	/* Nothing unkept is left: a third frees nothing. */
	assert_int_equal(evict(f, 1, &st), 0);
	assert_int_equal(st.freed, 0);
	assert_true(has(f, &f->f[3]));
	assert_int_equal(weft_store_reclaimable(f->s), 0);
}

/* A design used within the target stays: eviction stops there. */
static void
test_evict_enough(void **state)
{
	struct fx			*f = *state;
	struct weft_store_gc_stats	 st;
	uint8_t				 a[WEFT_ID_BYTES], b[WEFT_ID_BYTES];
	uint64_t			 bytes;

	put_rev(f, f->opk, f->osk, &f->f[0], a);
	put_rev(f, f->opk, f->osk, &f->f[1], b);
	fetch_unkept(f, a, &f->f[0], T0);
	fetch_unkept(f, b, &f->f[1], T0 + 120 * 1000);
	assert_int_equal(nchunks(f->s, &bytes), 4);
	/* Under the target already: nothing goes, unlike a plain gc. */
	assert_int_equal(evict(f, bytes, &st), 0);
	assert_int_equal(st.freed, 0);
	assert_int_equal(nchunks(f->s, NULL), 4);
	assert_int_equal(gc(f, false, &st), 0);
	assert_int_equal(st.freed, 4);
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
		cmocka_unit_test_setup_teardown(test_evict_lru, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_evict_enough, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
