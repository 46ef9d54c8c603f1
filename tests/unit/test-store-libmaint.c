/*
 * Library maintainers (docs/proto/records.md, "maint";
 * daemon/store/store_libmaint.c): the maintainers in force and what the
 * library holds are the same whatever order a node receives the lib,
 * maint and entry records in. Every order of six records is ingested
 * into a fresh store, each record offered again (as reconciliation
 * would) until the store takes it; then the set in force, the library's
 * designs and its scope must be the one answer. Also: forged changes
 * are refused, an entry retraction by a removed maintainer too.
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
#include "weft/record.h"

#include "store.h"

#define T0	UINT64_C(1700000000000)

enum { KA, KB, KC, KS, NKEYS };	/* A owns the lib, S is a stranger */

struct env {
	uint8_t		data[4096];
	size_t		len;
	uint8_t		id[WEFT_ID_BYTES];
};

static uint8_t	pk[NKEYS][WEFT_PK_BYTES];
static uint8_t	sk[NKEYS][WEFT_SK_BYTES];

static void
keys(void)
{
	uint8_t	seed[32];

	for (int i = 0; i < NKEYS; i++) {
		memset(seed, 0x70 + i, sizeof(seed));
		assert_int_equal(crypto_sign_seed_keypair(pk[i], sk[i], seed),
		    0);
	}
}

/* Signs r by key k (and releases r) into e. */
static void
sign(struct weft_record *r, int k, struct env *e)
{
	struct weft_buf	body, env;

	memcpy(r->author, pk[k], WEFT_PK_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, sizeof(e->data));
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk[k], &env),
	    0);
	weft_record_id(body.data, body.len, e->id);
	memcpy(e->data, env.data, env.len);
	e->len = env.len;
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

static void
genesis(int k, uint64_t ts, const char *title, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts;
	r.title = strdup(title);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	sign(&r, k, e);
}

static void
lib(int k, uint64_t ts, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_LIB;
	r.ts = ts;
	r.name = strdup("Shelf");
	r.description = strdup("");
	r.maintainers.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.maintainers.ids);
	memcpy(r.maintainers.ids[0], pk[k], WEFT_PK_BYTES);
	r.maintainers.n = 1;
	sign(&r, k, e);
}

static void
maint(int k, uint64_t ts, const struct env *l, const struct env *prev,
    int action, int who, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_MAINT;
	r.ts = ts;
	memcpy(r.lib, l->id, WEFT_ID_BYTES);
	if (prev != NULL) {
		r.prev.ids = malloc(WEFT_ID_BYTES);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], prev->id, WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	r.action = action;
	memcpy(r.maint_key, pk[who], WEFT_PK_BYTES);
	sign(&r, k, e);
}

static void
entry(int k, uint64_t ts, const struct env *l, const struct env *d,
    int action, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	r.ts = ts;
	memcpy(r.lib, l->id, WEFT_ID_BYTES);
	memcpy(r.entry_design, d->id, WEFT_ID_BYTES);
	r.action = action;
	sign(&r, k, e);
}

static void
retract(int k, uint64_t ts, const struct env *l, const struct env *t,
    struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.ts = ts;
	r.has_scope = true;
	memcpy(r.scope, l->id, WEFT_ID_BYTES);
	r.targets.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], t->id, WEFT_ID_BYTES);
	r.targets.n = 1;
	r.reason = strdup("");
	sign(&r, k, e);
}

static struct weft_store *
store_new(char dir[64])
{
	struct weft_store	*s;

	/* 720 stores: on tmpfs, where their syncs cost nothing, if here. */
	snprintf(dir, 64, "%s/weft-libmaint-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	return s;
}

static void
store_gone(struct weft_store *s, const char *dir)
{
	char	p[128];

	weft_store_close(s);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	for (int pn = 1; pn < 10; pn++) {
		snprintf(p, sizeof(p), "%s/pack-%010d", dir, pn);
		unlink(p);
	}
	rmdir(dir);
}

static int
put(struct weft_store *s, const struct env *e)
{
	return weft_store_record_put(s, e->data, e->len, NULL);
}

struct seen {
	uint8_t	ids[8][WEFT_ID_BYTES];
	size_t	n;
};

static int
seen_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct seen	*sn = arg;

	(void)data;
	(void)len;
	assert_true(sn->n < 8);
	memcpy(sn->ids[sn->n++], id, WEFT_ID_BYTES);
	return 0;
}

static int
libs_cb(void *arg, const uint8_t lib[WEFT_ID_BYTES])
{
	struct seen	*sn = arg;

	assert_true(sn->n < 8);
	memcpy(sn->ids[sn->n++], lib, WEFT_ID_BYTES);
	return 0;
}

static bool
seen_has(const struct seen *sn, const uint8_t id[WEFT_ID_BYTES])
{
	for (size_t i = 0; i < sn->n; i++)
		if (memcmp(sn->ids[i], id, WEFT_ID_BYTES) == 0)
			return true;
	return false;
}

/* Which designs the library lists and which it holds in its scope. */
static void
holds(struct weft_store *s, const struct env *l, const struct env *d,
    bool want)
{
	struct seen	sn = { .n = 0 };
	struct seen	dl = { .n = 0 };

	assert_int_equal(weft_store_lib_designs(s, l->id, seen_cb, &sn), 0);
	assert_int_equal(seen_has(&sn, d->id), want);
	assert_int_equal(weft_store_design_libs(s, d->id, libs_cb, &dl), 0);
	assert_int_equal(seen_has(&dl, l->id), want);
}

/*
 * The story: A makes the library and adds D1; A adds B (M1); B adds D2
 * (E1); A removes B (M2); B adds D3 after (E2); B, on a fork that never
 * saw M2, adds C (M3). Whatever the order: A alone is in force, the
 * library holds D1 and D2, not D3.
 */
static void
test_every_order(void **state)
{
	struct env	d1, d2, d3, l, m1, m2, m3, e0, e1, e2;
	const struct env *set[6];
	int		perm[6] = { 0, 1, 2, 3, 4, 5 };
	size_t		orders = 0;

	(void)state;
	genesis(KA, T0 + 1, "one", &d1);
	genesis(KB, T0 + 2, "two", &d2);
	genesis(KB, T0 + 3, "three", &d3);
	lib(KA, T0 + 5, &l);
	entry(KA, T0 + 6, &l, &d1, WEFT_ENTRY_ADD, &e0);
	maint(KA, T0 + 10, &l, NULL, WEFT_ENTRY_ADD, KB, &m1);
	entry(KB, T0 + 20, &l, &d2, WEFT_ENTRY_ADD, &e1);
	maint(KA, T0 + 30, &l, &m1, WEFT_ENTRY_REMOVE, KB, &m2);
	entry(KB, T0 + 40, &l, &d3, WEFT_ENTRY_ADD, &e2);
	maint(KB, T0 + 50, &l, &m1, WEFT_ENTRY_ADD, KC, &m3);
	set[0] = &l;
	set[1] = &m1;
	set[2] = &e1;
	set[3] = &m2;
	set[4] = &e2;
	set[5] = &m3;
	for (;;) {
		struct weft_store_maint	 m;
		struct weft_store	*s;
		bool			 done[6] = { false };
		size_t			 left = 6, pass;
		char			 dir[64];
		int			 err;

		s = store_new(dir);
		assert_int_equal(put(s, &d1), 0);
		assert_int_equal(put(s, &d2), 0);
		assert_int_equal(put(s, &d3), 0);
		/* Offered in this order, again and again, until all are in. */
		for (pass = 0; left > 0; pass++) {
			assert_true(pass < 6);
			for (int i = 0; i < 6; i++) {
				if (done[perm[i]])
					continue;
				err = put(s, set[perm[i]]);
				if (err == 0) {
					done[perm[i]] = true;
					left--;
					continue;
				}
				/*
				 * Not yet: its library or past is missing,
				 * or its signer is not known as a
				 * maintainer yet.
				 */
				assert_true(err == WEFT_EMISSING ||
				    err == WEFT_EDENIED);
			}
		}
		assert_int_equal(put(s, &e0), 0);
		assert_int_equal(weft_store_lib_maint(s, l.id, &m), 0);
		assert_int_equal(m.n, 1);
		assert_memory_equal(m.keys[0], pk[KA], WEFT_PK_BYTES);
		assert_int_equal(m.changes, 3);
		assert_int_equal(m.nheads, 2);	/* m2 and m3 */
		assert_true(m.ts_max == T0 + 50);
		holds(s, &l, &d1, true);
		holds(s, &l, &d2, true);
		holds(s, &l, &d3, false);
		store_gone(s, dir);
		orders++;

		/* Next permutation (lexicographic). */
		int i = 4, j = 5;

		while (i >= 0 && perm[i] > perm[i + 1])
			i--;
		if (i < 0)
			break;
		while (perm[j] < perm[i])
			j--;
		int t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
		for (int a = i + 1, b = 5; a < b; a++, b--) {
			t = perm[a];
			perm[a] = perm[b];
			perm[b] = t;
		}
	}
	assert_int_equal(orders, 720);
}

/* What is refused at once, and what is kept but changes nothing. */
static void
test_refused(void **state)
{
	struct weft_store_maint	 m;
	struct weft_store	*s;
	struct env		 d1, l, m1, m2, x, e0, e1;
	char			 dir[64];

	(void)state;
	s = store_new(dir);
	genesis(KA, T0 + 1, "one", &d1);
	lib(KA, T0 + 5, &l);
	assert_int_equal(put(s, &d1), 0);
	/* Before its library: asked for, not refused. */
	maint(KA, T0 + 10, &l, NULL, WEFT_ENTRY_ADD, KB, &m1);
	assert_int_equal(put(s, &m1), WEFT_EMISSING);
	assert_int_equal(put(s, &l), 0);
	/* A stranger cannot change it, nor add to it. */
	maint(KS, T0 + 11, &l, NULL, WEFT_ENTRY_ADD, KS, &x);
	assert_int_equal(put(s, &x), WEFT_EDENIED);
	entry(KS, T0 + 11, &l, &d1, WEFT_ENTRY_ADD, &x);
	assert_int_equal(put(s, &x), WEFT_EDENIED);
	/* Its clock runs after the library's, and after its past's. */
	maint(KA, T0 + 5, &l, NULL, WEFT_ENTRY_ADD, KB, &x);
	assert_int_equal(put(s, &x), WEFT_EBADFIELD);
	/* A prev not here is waited for. */
	maint(KA, T0 + 40, &l, &m1, WEFT_ENTRY_ADD, KC, &x);
	assert_int_equal(put(s, &x), WEFT_EMISSING);
	assert_int_equal(put(s, &m1), 0);
	maint(KA, T0 + 10, &l, &m1, WEFT_ENTRY_ADD, KC, &x);
	assert_int_equal(put(s, &x), WEFT_EBADFIELD);
	/* Not a maint record as prev. */
	maint(KA, T0 + 40, &l, &d1, WEFT_ENTRY_ADD, KC, &x);
	assert_int_equal(put(s, &x), WEFT_EBADFIELD);
	/* B adds D1, then A removes B. */
	entry(KB, T0 + 20, &l, &d1, WEFT_ENTRY_ADD, &e1);
	assert_int_equal(put(s, &e1), 0);
	holds(s, &l, &d1, true);
	maint(KA, T0 + 30, &l, &m1, WEFT_ENTRY_REMOVE, KB, &m2);
	assert_int_equal(put(s, &m2), 0);
	holds(s, &l, &d1, true);
	/* B, having seen the removal, cannot add anyone. */
	maint(KB, T0 + 40, &l, &m2, WEFT_ENTRY_ADD, KC, &x);
	assert_int_equal(put(s, &x), WEFT_EDENIED);
	/* Nor take back an entry after the removal; before, it could. */
	entry(KA, T0 + 6, &l, &d1, WEFT_ENTRY_ADD, &e0);
	retract(KB, T0 + 45, &l, &e0, &x);
	assert_int_equal(put(s, &x), 0);	/* e0 not here yet */
	assert_int_equal(put(s, &e0), 0);	/* so it stands */
	retract(KB, T0 + 46, &l, &e0, &x);
	assert_int_equal(put(s, &x), WEFT_EDENIED);
	retract(KB, T0 + 25, &l, &e0, &x);
	assert_int_equal(put(s, &x), 0);
	assert_int_equal(weft_store_record_type(s, e0.id,
	    &(enum weft_record_type){ 0 }), WEFT_ENOTFOUND);
	/* A maint record cannot be retracted. */
	retract(KA, T0 + 47, &l, &m2, &x);
	assert_int_equal(put(s, &x), WEFT_EBADFIELD);
	/* The last maintainer stays: a removal of A changes nothing. */
	maint(KA, T0 + 50, &l, &m2, WEFT_ENTRY_REMOVE, KA, &x);
	assert_int_equal(put(s, &x), 0);
	assert_int_equal(weft_store_lib_maint(s, l.id, &m), 0);
	assert_int_equal(m.n, 1);
	assert_memory_equal(m.keys[0], pk[KA], WEFT_PK_BYTES);
	assert_int_equal(m.nheads, 1);
	assert_memory_equal(m.heads[0], x.id, WEFT_ID_BYTES);
	assert_int_equal(weft_store_lib_maint(s, d1.id, &m), WEFT_ENOTFOUND);
	store_gone(s, dir);
}

/* Two maintainers racing: both adds count; of two removals, the first. */
static void
test_race(void **state)
{
	struct weft_store_maint	 m;
	struct weft_store	*s;
	struct env		 l, m1, ab, ac, ra, rb;
	char			 dir[64];

	(void)state;
	s = store_new(dir);
	lib(KA, T0, &l);
	maint(KA, T0 + 1, &l, NULL, WEFT_ENTRY_ADD, KB, &m1);
	maint(KA, T0 + 5, &l, &m1, WEFT_ENTRY_ADD, KC, &ac);
	maint(KB, T0 + 5, &l, &m1, WEFT_ENTRY_ADD, KS, &ab);
	/* B removes A at +7, A removes B at +6: A's comes first. */
	maint(KB, T0 + 7, &l, &m1, WEFT_ENTRY_REMOVE, KA, &ra);
	maint(KA, T0 + 6, &l, &m1, WEFT_ENTRY_REMOVE, KB, &rb);
	assert_int_equal(put(s, &l), 0);
	assert_int_equal(put(s, &m1), 0);
	assert_int_equal(put(s, &ra), 0);
	assert_int_equal(put(s, &ac), 0);
	assert_int_equal(put(s, &rb), 0);
	assert_int_equal(put(s, &ab), 0);
	assert_int_equal(weft_store_lib_maint(s, l.id, &m), 0);
	/* A, C (A's add) and S (B's add, before B was removed) */
	assert_int_equal(m.n, 3);
	assert_memory_equal(m.keys[0], pk[KA], WEFT_PK_BYTES);
	assert_int_equal(m.nheads, 4);
	store_gone(s, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_every_order),
	};

	if (sodium_init() < 0)
		return 1;
	keys();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
