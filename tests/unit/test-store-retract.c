/*
 * Retraction in the store (store_ingest.c, store_tomb.c, store_purge.c):
 * a stranger's retract of a stored record is refused; the author's
 * retract of a design removes it and its revisions, keeps tombstones,
 * purges the chunks only it used and keeps a chunk another design's file
 * shares; the records are refused when offered again (alone and in a
 * batch, where the others of the batch are still stored); a retract of
 * a record not yet here refuses it when it comes if the retract's signer
 * is its author, and takes nothing when the signer is a stranger.
 * rm --records (weft_store_design_remove) takes a design out the same
 * way under local tombstones (no retract), and what it took is refused
 * when offered again, a later revision of the design too.
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

static uint8_t	pk[2][WEFT_PK_BYTES];
static uint8_t	sk[2][WEFT_SK_BYTES];
static uint64_t	now = UINT64_C(1700000000000);

struct env {
	struct weft_buf	b;
	uint8_t		id[WEFT_ID_BYTES];
};

static void
sign(struct weft_record *r, int a, struct env *e)
{
	struct weft_buf	body;
	const uint8_t	*bp, *sg;
	size_t		 blen;

	memcpy(r->author, pk[a], WEFT_PK_BYTES);
	r->ts = now++;
	weft_record_sort(r);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&e->b, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_check(r), 0);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk[a], &e->b),
	    0);
	assert_int_equal(weft_record_open(e->b.data, e->b.len, &bp, &blen,
	    &sg), 0);
	weft_record_id(bp, blen, e->id);
	weft_buf_release(&body);
	weft_record_release(r);
}

/* A chunk of n bytes of value v, stored; its id in id. */
static void
chunk(struct weft_store *s, uint8_t v, size_t n, uint8_t id[32])
{
	struct weft_chunk_put	c;
	uint8_t			*p = malloc(n);

	assert_non_null(p);
	memset(p, v, n);
	weft_hash(p, n, id);
	memcpy(c.id, id, 32);
	c.data = p;
	c.len = n;
	assert_int_equal(weft_store_chunks_put(s, &c, 1), 0);
	free(p);
}

/* A file of the chunks a and b (n bytes each), stored: its index id. */
static void
file2(struct weft_store *s, const uint8_t a[32], const uint8_t b[32],
    size_t n, uint8_t index[32])
{
	struct weft_chunk_ref	refs[2];
	struct weft_chunk_put	c;
	struct weft_buf		ib;

	memcpy(refs[0].id, a, 32);
	memcpy(refs[1].id, b, 32);
	refs[0].size = refs[1].size = (uint32_t)n;
	weft_buf_init(&ib, WEFT_INDEX_MAX);
	assert_int_equal(weft_index_encode(refs, 2, &ib), 0);
	weft_hash(ib.data, ib.len, index);
	memcpy(c.id, index, 32);
	c.data = ib.data;
	c.len = ib.len;
	assert_int_equal(weft_store_chunks_put(s, &c, 1), 0);
	weft_buf_release(&ib);
}

/* A revision by author a with one file (index, 2n bytes). */
static void
rev(int a, const uint8_t *design, const uint8_t *prev, const char *title,
    const uint8_t index[32], size_t n, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	if (design != NULL) {
		r.has_design = true;
		memcpy(r.design, design, 32);
		r.prev.ids = malloc(32);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], prev, 32);
		r.prev.n = 1;
	}
	r.title = strdup(title);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	r.files = calloc(1, sizeof(*r.files));
	assert_non_null(r.files);
	r.nfiles = 1;
	r.files[0].path = strdup("part.stl");
	r.files[0].size = 2 * n;
	memset(r.files[0].hash, 0x11, 32);
	memcpy(r.files[0].index, index, 32);
	sign(&r, a, e);
}

static void
retract(int a, const uint8_t target[32], const uint8_t *scope,
    struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.targets.ids = malloc(32);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], target, 32);
	r.targets.n = 1;
	if (scope != NULL) {
		r.has_scope = true;
		memcpy(r.scope, scope, 32);
	}
	r.reason = strdup("by mistake");
	sign(&r, a, e);
}

static int
put(struct weft_store *s, struct env *e)
{
	return weft_store_record_put(s, e->b.data, e->b.len, NULL);
}

static int
count_cb(void *arg, const uint8_t id[32], const uint8_t *d, size_t n)
{
	(void)id;
	(void)d;
	(void)n;
	(*(int *)arg)++;
	return 0;
}

static void
test_retract(void **state)
{
	struct weft_store	*s;
	struct weft_store_tomb	 t;
	struct weft_slice	 sl[2];
	struct weft_buf		 out;
	struct env		 d1, d1b, d2, bad, ret, late, early, stray;
	struct env		 sret;
	uint8_t			 a1[32], a2[32], sh[32], b1[32];
	uint8_t			 ia[32], ia2[32], ib[32];
	char			 dir[] = "/tmp/weft-retract-XXXXXX";
	int			 res[2], n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);

	/* d1 (two revisions) and d2 share the chunk sh. */
	chunk(s, 'a', 5000, a1);
	chunk(s, 'c', 5000, a2);
	chunk(s, 's', 5000, sh);
	chunk(s, 'b', 5000, b1);
	file2(s, a1, sh, 5000, ia);
	file2(s, a2, sh, 5000, ia2);
	file2(s, sh, b1, 5000, ib);
	rev(0, NULL, NULL, "Leaky", ia, 5000, &d1);
	rev(0, d1.id, d1.id, "Leaky v2", ia2, 5000, &d1b);
	rev(0, NULL, NULL, "Kept", ib, 5000, &d2);
	assert_int_equal(put(s, &d1), 0);
	assert_int_equal(put(s, &d1b), 0);
	assert_int_equal(put(s, &d2), 0);

	/* A stranger may not take d1 back: nothing changes. */
	retract(1, d1.id, d1.id, &bad);
	assert_int_equal(put(s, &bad), WEFT_EDENIED);
	assert_int_equal(weft_store_tomb(s, d1.id, &t), WEFT_ENOTFOUND);
	assert_int_equal(weft_store_chunk_has(s, a1), 0);

	/* Its author may: the design, both revisions and their files go. */
	retract(0, d1.id, d1.id, &ret);
	assert_int_equal(put(s, &ret), 0);
	weft_buf_init(&out, WEFT_RECORD_MAX);
	assert_int_equal(weft_store_record_get(s, d1.id, &out),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_record_get(s, d1b.id, &out),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_design_summary(s, d1.id, &out),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_record_get(s, ret.id, &out), 0);
	weft_buf_release(&out);
	assert_int_equal(weft_store_tomb(s, d1.id, &t), 0);
	assert_memory_equal(t.retract, ret.id, 32);
	assert_memory_equal(t.signer, pk[0], 32);
	assert_true(t.confirmed);
	assert_int_equal(weft_store_tomb(s, d1b.id, &t), 0);
	assert_true(t.confirmed);
	for (const uint8_t *c = a1; c != NULL; c = c == a1 ? a2 :
	    c == a2 ? ia : c == ia ? ia2 : NULL)
		assert_int_equal(weft_store_chunk_has(s, c), WEFT_ENOTFOUND);
	/* The shared chunk and d2's file stay. */
	assert_int_equal(weft_store_chunk_has(s, sh), 0);
	assert_int_equal(weft_store_chunk_has(s, b1), 0);
	assert_int_equal(weft_store_chunk_has(s, ib), 0);
	n = 0;
	assert_int_equal(weft_store_designs(s, NULL, NULL, count_cb, &n), 0);
	assert_int_equal(n, 1);

	/* Offered again: refused, alone and in a batch beside a good one. */
	assert_int_equal(put(s, &d1), WEFT_ERETRACTED);
	assert_int_equal(put(s, &d1b), WEFT_ERETRACTED);
	rev(1, NULL, NULL, "Fine", ib, 5000, &stray);
	sl[0].data = d1b.b.data;
	sl[0].len = d1b.b.len;
	sl[1].data = stray.b.data;
	sl[1].len = stray.b.len;
	assert_int_equal(weft_store_records_put(s, sl, 2, res, NULL), 0);
	assert_int_equal(res[0], WEFT_ERETRACTED);
	assert_int_equal(res[1], 0);

	/*
	 * Two designs name one file, wanted and incomplete (its index is
	 * here, a chunk is not): retracting one keeps the file wanted.
	 */
	{
		struct weft_store_missing	m;
		struct env			e3, e4, r3;
		uint8_t				x[32], ix[32];

		memset(x, 0x77, 32);	/* a chunk not here */
		file2(s, x, sh, 5000, ix);
		rev(0, NULL, NULL, "Both A", ix, 5000, &e3);
		rev(0, NULL, NULL, "Both B", ix, 5000, &e4);
		assert_int_equal(put(s, &e3), 0);
		assert_int_equal(put(s, &e4), 0);
		assert_int_equal(weft_store_want_rev(s, e3.id), 0);
		assert_int_equal(weft_store_missing_stats(s, &m), 0);
		assert_int_equal(m.files, 1);
		retract(0, e3.id, e3.id, &r3);
		assert_int_equal(put(s, &r3), 0);
		assert_int_equal(weft_store_missing_stats(s, &m), 0);
		assert_int_equal(m.files, 1);
		assert_int_equal(weft_store_chunk_has(s, ix), 0);
		/* The last one taken back: the file is no longer wanted. */
		weft_buf_release(&r3.b);
		retract(0, e4.id, e4.id, &r3);
		assert_int_equal(put(s, &r3), 0);
		assert_int_equal(weft_store_missing_stats(s, &m), 0);
		assert_int_equal(m.files, 0);
		assert_int_equal(weft_store_chunk_has(s, ix), WEFT_ENOTFOUND);
		assert_int_equal(weft_store_chunk_has(s, sh), 0);
		weft_buf_release(&r3.b);
		weft_buf_release(&e3.b);
		weft_buf_release(&e4.b);
	}

	/* A retract before its target: the author's refuses it later. */
	rev(0, NULL, NULL, "Early", ib, 5000, &early);
	retract(0, early.id, NULL, &sret);
	assert_int_equal(put(s, &sret), 0);
	assert_int_equal(weft_store_tomb(s, early.id, &t), 0);
	assert_false(t.confirmed);
	assert_int_equal(put(s, &early), WEFT_ERETRACTED);
	weft_buf_release(&sret.b);
	/* A stranger's takes nothing: the record is stored when it comes. */
	rev(0, NULL, NULL, "Late", ib, 5000, &late);
	retract(1, late.id, NULL, &sret);
	assert_int_equal(put(s, &sret), 0);
	assert_int_equal(put(s, &late), 0);

	weft_store_close(s);
	weft_buf_release(&d1.b);
	weft_buf_release(&d1b.b);
	weft_buf_release(&d2.b);
	weft_buf_release(&bad.b);
	weft_buf_release(&ret.b);
	weft_buf_release(&early.b);
	weft_buf_release(&late.b);
	weft_buf_release(&stray.b);
	weft_buf_release(&sret.b);
	{
		char	cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void
test_design_remove(void **state)
{
	struct weft_store	*s;
	struct weft_store_tomb	 t;
	struct weft_buf		 out;
	struct env		 d1, d1b, d1c, d2;
	uint8_t			 a1[32], a2[32], sh[32], b1[32], zero[32];
	uint8_t			 ia[32], ia2[32], ib[32], nope[32];
	char			 dir[] = "/tmp/weft-rmrec-XXXXXX";
	char			 cmd[64];
	uint64_t		 files;
	int			 n;

	(void)state;
	memset(zero, 0, sizeof(zero));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	chunk(s, 'a', 5000, a1);
	chunk(s, 'c', 5000, a2);
	chunk(s, 's', 5000, sh);
	chunk(s, 'b', 5000, b1);
	file2(s, a1, sh, 5000, ia);
	file2(s, a2, sh, 5000, ia2);
	file2(s, sh, b1, 5000, ib);
	rev(0, NULL, NULL, "Gone", ia, 5000, &d1);
	rev(0, d1.id, d1.id, "Gone v2", ia2, 5000, &d1b);
	rev(0, NULL, NULL, "Stays", ib, 5000, &d2);
	assert_int_equal(put(s, &d1), 0);
	assert_int_equal(put(s, &d1b), 0);
	assert_int_equal(put(s, &d2), 0);

	/* Not a design, or not here. */
	assert_int_equal(weft_store_design_remove(s, d1b.id, now, &files),
	    WEFT_EUSAGE);
	memset(nope, 0x42, 32);
	assert_int_equal(weft_store_design_remove(s, nope, now, &files),
	    WEFT_ENOTFOUND);

	assert_int_equal(weft_store_design_remove(s, d1.id, now, &files), 0);
	assert_int_equal(files, 2);
	weft_buf_init(&out, WEFT_RECORD_MAX);
	assert_int_equal(weft_store_record_get(s, d1.id, &out),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_record_get(s, d1b.id, &out),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_design_summary(s, d1.id, &out),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_design_summary(s, d2.id, &out), 0);
	weft_buf_release(&out);
	for (const uint8_t *id = d1.id; id != NULL;
	    id = id == d1.id ? d1b.id : NULL) {
		assert_int_equal(weft_store_tomb(s, id, &t), 0);
		assert_true(weft_store_tomb_local(&t));
		assert_memory_equal(t.retract, zero, 32);
		assert_memory_equal(t.signer, pk[0], 32);
		assert_int_equal(t.ts, now);
		assert_true(t.confirmed);
	}
	assert_int_equal(weft_store_tomb(s, d2.id, &t), WEFT_ENOTFOUND);
	/* Its own chunks go, the shared one stays. */
	assert_int_equal(weft_store_chunk_has(s, a1), WEFT_ENOTFOUND);
	assert_int_equal(weft_store_chunk_has(s, ia2), WEFT_ENOTFOUND);
	assert_int_equal(weft_store_chunk_has(s, sh), 0);
	assert_int_equal(weft_store_chunk_has(s, ib), 0);
	n = 0;
	assert_int_equal(weft_store_designs(s, NULL, NULL, count_cb, &n), 0);
	assert_int_equal(n, 1);

	/* Not taken again: the records, nor a later revision. */
	assert_int_equal(put(s, &d1), WEFT_ERETRACTED);
	assert_int_equal(put(s, &d1b), WEFT_ERETRACTED);
	rev(0, d1.id, d1b.id, "Gone v3", ib, 5000, &d1c);
	assert_int_equal(put(s, &d1c), WEFT_ERETRACTED);

	weft_store_close(s);
	weft_buf_release(&d1.b);
	weft_buf_release(&d1b.b);
	weft_buf_release(&d1c.b);
	weft_buf_release(&d2.b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retract),
		cmocka_unit_test(test_design_remove),
	};

	if (sodium_init() < 0)
		return 1;
	for (int i = 0; i < 2; i++)
		crypto_sign_keypair(pk[i], sk[i]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
