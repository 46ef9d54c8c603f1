/*
 * Holds (store_hold.c) against the deletions that race a publish (issue
 * 11 part 3): a publish stores its chunks, one of them shared with a
 * design that is then retracted, removed (rm --records) or dropped by
 * rm's gc before the publish commits its revision. The shared chunk must
 * stay while the publish holds it, and the revision commits with all its
 * files; once the hold is ended a deletion takes the chunk, and the
 * revision is then refused at commit (weft_store_record_put_here()
 * gives WEFT_EMISSING and stores nothing).
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

static uint8_t	pk[WEFT_PK_BYTES];
static uint8_t	sk[WEFT_SK_BYTES];
static uint64_t	now = UINT64_C(1700000000000);

struct env {
	struct weft_buf	b;
	uint8_t		id[WEFT_ID_BYTES];
};

static void
sign(struct weft_record *r, struct env *e)
{
	struct weft_buf	body;
	const uint8_t	*bp, *sg;
	size_t		 blen;

	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = now++;
	weft_record_sort(r);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&e->b, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_check(r), 0);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, &e->b), 0);
	assert_int_equal(weft_record_open(e->b.data, e->b.len, &bp, &blen,
	    &sg), 0);
	weft_record_id(bp, blen, e->id);
	weft_buf_release(&body);
	weft_record_release(r);
}

/* The bytes of a chunk of n bytes of value v (static: one at a time). */
static void
chunk_of(uint8_t v, size_t n, struct weft_chunk_put *c, uint8_t *buf)
{
	memset(buf, v, n);
	weft_hash(buf, n, c->id);
	c->data = buf;
	c->len = n;
}

/*
 * A file of the chunks a and b: its chunk list in c (bytes in ib, the
 * caller's to release).
 */
static void
index_of(const uint8_t a[32], const uint8_t b[32], size_t n,
    struct weft_buf *ib, struct weft_chunk_put *c)
{
	struct weft_chunk_ref	refs[2];

	memcpy(refs[0].id, a, 32);
	memcpy(refs[1].id, b, 32);
	refs[0].size = refs[1].size = (uint32_t)n;
	weft_buf_init(ib, WEFT_INDEX_MAX);
	assert_int_equal(weft_index_encode(refs, 2, ib), 0);
	weft_hash(ib->data, ib->len, c->id);
	c->data = ib->data;
	c->len = ib->len;
}

/* A genesis revision with one file (index, 2n bytes). */
static void
rev(const char *title, const uint8_t index[32], size_t n, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
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
	sign(&r, e);
}

static void
retract(const uint8_t target[32], struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.targets.ids = malloc(32);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], target, 32);
	r.targets.n = 1;
	r.reason = strdup("by mistake");
	sign(&r, e);
}

static void
rmdir_all(const char *dir)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Whether record id is stored. */
static int
have(struct weft_store *s, const uint8_t id[32])
{
	struct weft_buf	b;
	int		err;

	weft_buf_init(&b, WEFT_RECORD_MAX);
	err = weft_store_record_get(s, id, &b);
	weft_buf_release(&b);
	return err;
}

enum how { BY_RETRACT, BY_REMOVE, BY_GC_DROP };

#define N	5000

/*
 * Design X (chunks x, sh) is stored; a publish under token stores its
 * file (chunks sh, p and their list); X is deleted (how); with hold, the
 * publish's hold stays on until after the commit, else it is ended
 * before the deletion (as if there were no holds).
 */
static void
race(enum how how, bool hold)
{
	struct weft_store	*s;
	struct weft_store_gc_opts go;
	struct weft_store_gc_stats gs;
	struct weft_chunk_put	 xc[3], pc[3];
	struct weft_buf		 xib, pib;
	struct env		 x, p, ret;
	uint64_t		 token = 0x5eed, gen[2], files;
	uint8_t			 fresh[3];
	uint8_t			*b1, *b2, *b3;
	char			 dir[] = "/tmp/weft-hold-XXXXXX";
	int			 err;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	b1 = malloc(N);
	b2 = malloc(N);
	b3 = malloc(N);
	assert_true(b1 != NULL && b2 != NULL && b3 != NULL);

	/* X: chunks x and sh, its list, its revision. */
	chunk_of('x', N, &xc[0], b1);
	chunk_of('s', N, &xc[1], b2);
	index_of(xc[0].id, xc[1].id, N, &xib, &xc[2]);
	assert_int_equal(weft_store_chunks_put(s, xc, 3), 0);
	rev("X", xc[2].id, N, &x);
	assert_int_equal(weft_store_record_put(s, x.b.data, x.b.len, NULL),
	    0);

	/* The publish: sh (present: met), p (new), their list. */
	chunk_of('s', N, &pc[0], b2);
	chunk_of('p', N, &pc[1], b3);
	index_of(pc[0].id, pc[1].id, N, &pib, &pc[2]);
	assert_int_equal(weft_store_chunks_put_new(s, pc, 3, token, fresh,
	    gen), 0);
	assert_int_equal(fresh[0], 0);
	assert_int_equal(fresh[1], 1);
	assert_int_equal(weft_store_holds(s), 1);
	rev("P", pc[2].id, N, &p);
	if (!hold) {
		weft_store_hold_end(s, token);
		assert_int_equal(weft_store_holds(s), 0);
	}

	/* X goes, with its chunks that no kept design uses. */
	switch (how) {
	case BY_RETRACT:
		retract(x.id, &ret);
		assert_int_equal(weft_store_record_put(s, ret.b.data,
		    ret.b.len, NULL), 0);
		weft_buf_release(&ret.b);
		break;
	case BY_REMOVE:
		assert_int_equal(weft_store_design_remove(s, x.id, now,
		    &files), 0);
		break;
	case BY_GC_DROP:
		memset(&go, 0, sizeof(go));
		go.own = pk;
		go.grace_ms = WEFT_STORE_GC_GRACE_MS;
		go.drop_design = x.id;
		assert_int_equal(weft_store_gc(s, &go, &gs), 0);
		break;
	}
	/* X's own chunk went either way. */
	assert_int_equal(weft_store_chunk_has(s, xc[0].id), WEFT_ENOTFOUND);

	err = weft_store_record_put_here(s, p.b.data, p.b.len, NULL);
	if (hold) {
		/* The shared chunk stayed: the revision commits whole. */
		assert_int_equal(weft_store_chunk_has(s, pc[0].id), 0);
		assert_int_equal(err, 0);
		assert_int_equal(have(s, p.id), 0);
		weft_store_hold_end(s, token);
		assert_int_equal(weft_store_holds(s), 0);
	} else {
		/* Gone: the revision is refused, not stored without it. */
		assert_int_equal(weft_store_chunk_has(s, pc[0].id),
		    WEFT_ENOTFOUND);
		assert_int_equal(err, WEFT_EMISSING);
		assert_int_equal(have(s, p.id),
		    WEFT_ENOTFOUND);
	}
	/* Both ways, the publish's fresh chunk and list are there. */
	assert_int_equal(weft_store_chunk_has(s, pc[1].id), 0);
	assert_int_equal(weft_store_chunk_has(s, pc[2].id), 0);

	weft_buf_release(&x.b);
	weft_buf_release(&p.b);
	weft_buf_release(&xib);
	weft_buf_release(&pib);
	free(b1);
	free(b2);
	free(b3);
	weft_store_close(s);
	rmdir_all(dir);
}

static void
test_retract_held(void **state)
{
	(void)state;
	race(BY_RETRACT, true);
}

static void
test_retract_unheld(void **state)
{
	(void)state;
	race(BY_RETRACT, false);
}

static void
test_remove_held(void **state)
{
	(void)state;
	race(BY_REMOVE, true);
}

static void
test_remove_unheld(void **state)
{
	(void)state;
	race(BY_REMOVE, false);
}

static void
test_gc_drop_held(void **state)
{
	(void)state;
	race(BY_GC_DROP, true);
}

static void
test_gc_drop_unheld(void **state)
{
	(void)state;
	race(BY_GC_DROP, false);
}

/* Tokens hold apart: ending one leaves the other's chunks held. */
static void
test_tokens(void **state)
{
	struct weft_store	*s;
	struct weft_chunk_put	 c;
	uint8_t			 buf[64], fresh;
	uint64_t		 gen[2];
	char			 dir[] = "/tmp/weft-hold-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	chunk_of('a', sizeof(buf), &c, buf);
	assert_int_equal(weft_store_chunks_put_new(s, &c, 1, 1, &fresh, gen),
	    0);
	assert_int_equal(weft_store_chunks_put_new(s, &c, 1, 2, &fresh, gen),
	    0);
	assert_int_equal(weft_store_holds(s), 2);
	weft_store_hold_end(s, 1);
	weft_store_hold_end(s, 1);
	assert_int_equal(weft_store_holds(s), 1);
	weft_store_hold_end(s, 2);
	assert_int_equal(weft_store_holds(s), 0);
	weft_store_close(s);
	rmdir_all(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retract_held),
		cmocka_unit_test(test_retract_unheld),
		cmocka_unit_test(test_remove_held),
		cmocka_unit_test(test_remove_unheld),
		cmocka_unit_test(test_gc_drop_held),
		cmocka_unit_test(test_gc_drop_unheld),
		cmocka_unit_test(test_tokens),
	};

	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(pk, sk);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
