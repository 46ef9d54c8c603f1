/*
 * Seed receipts in the reconciliation scopes (docs/proto/store.md,
 * "Scopes"): a receipt kept is a member of its design's author scope and
 * can be read by its id; the one a later receipt of the same node and
 * revision replaces leaves the scope and is no longer found; an expired
 * one is not served, and once pruned it leaves the scope too, even when
 * its design was taken back first. Scope all holds them too, in (ts, id)
 * order among the records, and a store whose receipts are in no scope
 * (kept before) gets them back at open, step by step.
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
#include "weft/recon.h"

#include "store.h"
#include "store_impl.h"
#include "store_mods.h"

#define TS0	1700000000000ull
#define LIFE	1000ull

struct key {
	uint8_t	pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t	sk[crypto_sign_SECRETKEYBYTES];
};

static void
put(struct weft_store *s, const struct key *k, struct weft_record *r,
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_buf	body;

	memcpy(r->author, k->pk, WEFT_PK_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, k->sk, env), 0);
	weft_buf_release(&body);
	weft_record_release(r);
	assert_int_equal(weft_store_record_put(s, env->data, env->len, id), 0);
}

static void
receipt(struct weft_store *s, const struct key *node, uint64_t ts,
    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_RECEIPT;
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	memcpy(r.receipt_rev, design, WEFT_ID_BYTES);
	r.expires = ts + LIFE;
	put(s, node, &r, env, id);
}

struct idlist {
	size_t	n;
	uint8_t	ids[8][WEFT_ID_BYTES];
};

static int
collect(void *arg, const uint8_t id[WEFT_RECON_ID_BYTES])
{
	struct idlist	*l = arg;

	assert_true(l->n < 8);
	memcpy(l->ids[l->n++], id, WEFT_ID_BYTES);
	return 0;
}

/* The members of scope kind of id. */
static void
scope_members(struct weft_store *s, int kind, const uint8_t *id,
    struct idlist *l)
{
	const struct weft_recon_set	*rs = &weft_store_recon_set;
	struct weft_store_recon		*rc;
	uint64_t			 n;

	memset(l, 0, sizeof(*l));
	assert_int_equal(weft_store_recon_begin_scope(s, kind, id, &rc), 0);
	assert_int_equal(rs->size(rc, &n), 0);
	assert_true(n <= 8);
	assert_int_equal(rs->ids(rc, 0, n, collect, l), 0);
	weft_store_recon_end(rc);
}

/* The members of the author scope of pk. */
static void
members(struct weft_store *s, const uint8_t pk[WEFT_PK_BYTES],
    struct idlist *l)
{
	scope_members(s, WEFT_STORE_SCOPE_AUTHOR, pk, l);
}

static bool
in(const struct idlist *l, const uint8_t id[WEFT_ID_BYTES])
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->ids[i], id, WEFT_ID_BYTES) == 0)
			return true;
	return false;
}

static void
test_receipt_scope(void **state)
{
	struct weft_store	*s;
	struct weft_record	 r;
	struct weft_buf		 env[4], got;
	struct key		 pub, node;
	struct idlist		 l;
	uint8_t			 design[WEFT_ID_BYTES], r1[WEFT_ID_BYTES];
	uint8_t			 r2[WEFT_ID_BYTES];
	uint64_t		 pruned;
	char			 dir[64], p[128];

	(void)state;
	strcpy(dir, "/tmp/weft-sreceipts-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	crypto_sign_keypair(pub.pk, pub.sk);
	crypto_sign_keypair(node.pk, node.sk);

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0;
	r.title = strdup("seeded");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	put(s, &pub, &r, &env[0], design);
	members(s, pub.pk, &l);
	assert_int_equal(l.n, 1);

	/* Kept: in the design author's scope, found by its id. */
	receipt(s, &node, TS0 + 10, design, &env[1], r1);
	members(s, pub.pk, &l);
	assert_int_equal(l.n, 2);
	assert_true(in(&l, design));
	assert_true(in(&l, r1));
	weft_buf_init(&got, WEFT_RECORD_MAX);
	assert_int_equal(weft_store_receipt_get(s, r1, TS0 + 10, &got), 0);
	assert_int_equal(got.len, env[1].len);
	assert_memory_equal(got.data, env[1].data, got.len);
	/* Not a record. */
	weft_buf_reset(&got);
	assert_int_equal(weft_store_record_get(s, r1, &got), WEFT_ENOTFOUND);

	/* Replaced by the same node's later one: it leaves the set. */
	receipt(s, &node, TS0 + 20, design, &env[2], r2);
	members(s, pub.pk, &l);
	assert_int_equal(l.n, 2);
	assert_true(in(&l, r2));
	assert_false(in(&l, r1));
	assert_int_equal(weft_store_receipt_get(s, r1, 0, NULL),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_receipt_get(s, r2, 0, NULL), 0);

	/* Expired: not served; pruned: out of the set, and gone. */
	assert_int_equal(weft_store_receipt_get(s, r2, TS0 + 20 + LIFE - 1,
	    NULL), 0);
	assert_int_equal(weft_store_receipt_get(s, r2, TS0 + 20 + LIFE,
	    NULL), WEFT_ENOTFOUND);
	assert_int_equal(weft_store_receipts_prune(s, TS0 + 20 + LIFE - 1,
	    &pruned), 0);
	assert_int_equal(pruned, 0);
	members(s, pub.pk, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(weft_store_receipts_prune(s, TS0 + 20 + LIFE,
	    &pruned), 0);
	assert_int_equal(pruned, 1);
	members(s, pub.pk, &l);
	assert_int_equal(l.n, 1);
	assert_true(in(&l, design));
	assert_int_equal(weft_store_receipt_get(s, r2, 0, NULL),
	    WEFT_ENOTFOUND);

	/* An old one stored again (it is not expired at put): back in. */
	assert_int_equal(weft_store_record_put(s, env[1].data, env[1].len,
	    NULL), 0);
	members(s, pub.pk, &l);
	assert_int_equal(l.n, 2);
	assert_true(in(&l, r1));

	/*
	 * The design is taken back while r1 lives: pruned later, r1 still
	 * leaves its author's scope (the author was kept with its id).
	 */
	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.ts = TS0 + 30;
	r.targets.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], design, WEFT_ID_BYTES);
	r.targets.n = 1;
	r.reason = strdup("gone");
	put(s, &pub, &r, &env[3], NULL);
	weft_buf_reset(&got);
	assert_int_equal(weft_store_record_get(s, design, &got),
	    WEFT_ENOTFOUND);
	members(s, pub.pk, &l);
	assert_true(in(&l, r1));
	assert_int_equal(weft_store_receipts_prune(s, TS0 + 10 + LIFE,
	    &pruned), 0);
	assert_int_equal(pruned, 1);
	members(s, pub.pk, &l);
	assert_false(in(&l, r1));

	weft_buf_release(&got);
	for (int i = 0; i < 4; i++)
		weft_buf_release(&env[i]);
	weft_store_close(s);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	for (int pn = 1; pn < 100; pn++) {
		snprintf(p, sizeof(p), "%s/pack-%010d", dir, pn);
		unlink(p);
	}
	assert_int_equal(rmdir(dir), 0);
}

static void
rm_store(const char *dir)
{
	char	p[128];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	for (int pn = 1; pn < 100; pn++) {
		snprintf(p, sizeof(p), "%s/pack-%010d", dir, pn);
		unlink(p);
	}
	assert_int_equal(rmdir(dir), 0);
}

static void
entry(struct weft_store *s, const struct key *k, uint64_t ts,
    const uint8_t lib[WEFT_ID_BYTES], const uint8_t design[WEFT_ID_BYTES],
    enum weft_entry_action action, struct weft_buf *env)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	r.ts = ts;
	memcpy(r.lib, lib, WEFT_ID_BYTES);
	memcpy(r.entry_design, design, WEFT_ID_BYTES);
	r.action = action;
	put(s, k, &r, env, NULL);
}

/*
 * A library's scope: a receipt of a design already held joins it, the
 * receipts of a design added later come with it, one replaced leaves it,
 * and they all go with the design when it is removed.
 */
static void
test_receipt_lib_scope(void **state)
{
	struct weft_store	*s;
	struct weft_record	 r;
	struct weft_buf		 env[6];
	struct key		 pub, node;
	struct idlist		 l;
	uint8_t			 design[WEFT_ID_BYTES], lib[WEFT_ID_BYTES];
	uint8_t			 r1[WEFT_ID_BYTES], r2[WEFT_ID_BYTES];
	char			 dir[64];

	(void)state;
	strcpy(dir, "/tmp/weft-sreceipts-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	crypto_sign_keypair(pub.pk, pub.sk);
	crypto_sign_keypair(node.pk, node.sk);

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0;
	r.title = strdup("shelved");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	put(s, &pub, &r, &env[0], design);
	weft_record_init(&r);
	r.type = WEFT_REC_LIB;
	r.ts = TS0 + 1;
	r.name = strdup("shelf");
	r.description = strdup("");
	r.maintainers.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.maintainers.ids);
	memcpy(r.maintainers.ids[0], pub.pk, WEFT_ID_BYTES);
	r.maintainers.n = 1;
	put(s, &pub, &r, &env[1], lib);

	/* Kept before the design joins: it comes with the design. */
	receipt(s, &node, TS0 + 10, design, &env[2], r1);
	scope_members(s, WEFT_STORE_SCOPE_LIB, lib, &l);
	assert_false(in(&l, r1));
	entry(s, &pub, TS0 + 11, lib, design, WEFT_ENTRY_ADD, &env[3]);
	scope_members(s, WEFT_STORE_SCOPE_LIB, lib, &l);
	assert_true(in(&l, design));
	assert_true(in(&l, r1));

	/* Replaced while held: the new one in, the old one out. */
	receipt(s, &node, TS0 + 20, design, &env[4], r2);
	scope_members(s, WEFT_STORE_SCOPE_LIB, lib, &l);
	assert_true(in(&l, r2));
	assert_false(in(&l, r1));

	/* The design removed: its receipt leaves with it. */
	entry(s, &pub, TS0 + 21, lib, design, WEFT_ENTRY_REMOVE, &env[5]);
	scope_members(s, WEFT_STORE_SCOPE_LIB, lib, &l);
	assert_false(in(&l, design));
	assert_false(in(&l, r2));
	/* Still in the design author's. */
	members(s, pub.pk, &l);
	assert_true(in(&l, r2));

	for (int i = 0; i < 6; i++)
		weft_buf_release(&env[i]);
	weft_store_close(s);
	rm_store(dir);
}

/* The whole of scope all, in order, with its size and sum checked. */
#define ALLN	64

struct biglist {
	size_t	n;
	uint8_t	ids[ALLN][WEFT_ID_BYTES];
};

static int
collect_big(void *arg, const uint8_t id[WEFT_RECON_ID_BYTES])
{
	struct biglist	*l = arg;

	assert_true(l->n < ALLN);
	memcpy(l->ids[l->n++], id, WEFT_ID_BYTES);
	return 0;
}

static void
all_members(struct weft_store *s, struct biglist *l)
{
	const struct weft_recon_set	*rs = &weft_store_recon_set;
	struct weft_store_recon		*rc;
	struct weft_recon_item		 it;
	uint8_t				 sum[WEFT_ID_BYTES];
	uint8_t				 want[WEFT_ID_BYTES] = { 0 };
	uint64_t			 n, rank;

	memset(l, 0, sizeof(*l));
	assert_int_equal(weft_store_recon_begin(s, &rc), 0);
	assert_int_equal(rs->size(rc, &n), 0);
	assert_true(n <= ALLN);
	assert_int_equal(rs->ids(rc, 0, n, collect_big, l), 0);
	assert_int_equal(l->n, n);
	/* Every item by its rank, and back. */
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(rs->item_at(rc, i, &it), 0);
		assert_memory_equal(it.id, l->ids[i], WEFT_ID_BYTES);
		assert_int_equal(rs->lower_bound(rc, &it, &rank), 0);
		assert_int_equal(rank, i);
		weft_recon_sum_add(want, l->ids[i]);
	}
	assert_int_equal(rs->sum(rc, 0, n, sum), 0);
	assert_memory_equal(sum, want, WEFT_ID_BYTES);
	weft_store_recon_end(rc);
}

static bool
big_in(const struct biglist *l, const uint8_t id[WEFT_ID_BYTES])
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->ids[i], id, WEFT_ID_BYTES) == 0)
			return true;
	return false;
}

/* A store from before: every receipt out of its scopes, no mark. */
static int
unscope_cb(void *arg, struct weft_store *s, MDB_txn *txn,
    const uint8_t key[3 * WEFT_ID_BYTES], const uint8_t *author,
    uint64_t ts, const uint8_t id[WEFT_ID_BYTES])
{
	(void)arg;
	return weft__store_scopes_receipt(s, txn, key, author, ts, id, -1);
}

static int
unscope_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	uint8_t	last[3 * WEFT_ID_BYTES];
	size_t	n;
	int	err;

	(void)arg;
	err = weft__store_receipts_step(s, txn, NULL, 1000, unscope_cb, NULL,
	    last, &n);
	if (err == 0)
		err = db_del(txn, s->dbi[DB_META], "receipt_scopes", 14);
	return err;
}

#define NRC	40

/*
 * Scope all: the receipts of 40 nodes, kept 1 ms apart around a
 * revision (one dense 4.096 s bucket), are its members in (ts, id)
 * order; a replaced one and the pruned ones leave it. A store whose
 * receipts are in no scope gets them back at open, 8 a step, after a
 * first open cut short.
 */
static void
test_receipt_all_scope(void **state)
{
	struct weft_store	*s;
	struct weft_record	 r;
	struct weft_buf		 env[NRC + 3];
	struct key		 pub, node[NRC];
	struct biglist		 l, before;
	uint8_t			 design[WEFT_ID_BYTES], rid[NRC][WEFT_ID_BYTES];
	uint8_t			 late[WEFT_ID_BYTES], com[WEFT_ID_BYTES];
	uint64_t		 pruned;
	char			 dir[64];

	(void)state;
	strcpy(dir, "/tmp/weft-sreceipts-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	crypto_sign_keypair(pub.pk, pub.sk);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0 + 20;
	r.title = strdup("everywhere");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	put(s, &pub, &r, &env[0], design);
	for (int i = 0; i < NRC; i++) {
		crypto_sign_keypair(node[i].pk, node[i].sk);
		receipt(s, &node[i], TS0 + 21 + (uint64_t)i, design,
		    &env[1 + i], rid[i]);
	}
	/* A record after them, in the same bucket. */
	weft_record_init(&r);
	r.type = WEFT_REC_COMMENT;
	r.ts = TS0 + 21 + NRC;
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	r.text = strdup("nice");
	put(s, &pub, &r, &env[NRC + 1], com);

	all_members(s, &l);
	assert_int_equal(l.n, NRC + 2);
	assert_memory_equal(l.ids[0], design, WEFT_ID_BYTES);
	for (int i = 0; i < NRC; i++)
		assert_memory_equal(l.ids[1 + i], rid[i], WEFT_ID_BYTES);
	assert_memory_equal(l.ids[NRC + 1], com, WEFT_ID_BYTES);

	/* Replaced: the old one leaves, the new one joins. */
	receipt(s, &node[0], TS0 + 100, design, &env[NRC + 2], late);
	all_members(s, &l);
	assert_int_equal(l.n, NRC + 2);
	assert_false(big_in(&l, rid[0]));
	assert_true(big_in(&l, late));
	memcpy(&before, &l, sizeof(l));

	/* Kept before scope all held them: back at open, resumably. */
	assert_int_equal(weft__store_write(s, unscope_txn, NULL), 0);
	all_members(s, &l);
	assert_int_equal(l.n, 2);
	weft_store_close(s);
	weft__store_rscope_step = 8;
	weft__store_rscope_stop = 2;
	assert_int_equal(weft_store_open(&s, dir, NULL), WEFT_EUSAGE);
	assert_null(s);
	weft__store_rscope_stop = -1;
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	weft__store_rscope_step = 4096;
	all_members(s, &l);
	assert_int_equal(l.n, before.n);
	assert_memory_equal(l.ids, before.ids, l.n * WEFT_ID_BYTES);

	/* Expired and pruned: only the records are left. */
	assert_int_equal(weft_store_receipts_prune(s, TS0 + 100 + LIFE,
	    &pruned), 0);
	assert_int_equal(pruned, NRC);
	all_members(s, &l);
	assert_int_equal(l.n, 2);
	assert_memory_equal(l.ids[0], design, WEFT_ID_BYTES);
	assert_memory_equal(l.ids[1], com, WEFT_ID_BYTES);

	for (int i = 0; i < NRC + 3; i++)
		weft_buf_release(&env[i]);
	weft_store_close(s);
	rm_store(dir);
}

/*
 * A block's purge takes the seed receipts too: those a blocked node (or
 * author key) signed, out of every scope and noted, and those of a
 * blocked design.
 */
static void
test_receipt_block(void **state)
{
	struct weft_store	*s;
	struct weft_record	 r;
	struct weft_buf		 env[4];
	struct key		 pub, n1, n2;
	struct idlist		 l;
	struct biglist		 all;
	uint8_t			 design[WEFT_ID_BYTES], r1[WEFT_ID_BYTES];
	uint8_t			 r2[WEFT_ID_BYTES], t[WEFT_ID_BYTES];
	uint64_t		 n;
	char			 dir[64];

	(void)state;
	strcpy(dir, "/tmp/weft-sreceipts-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	crypto_sign_keypair(pub.pk, pub.sk);
	crypto_sign_keypair(n1.pk, n1.sk);
	crypto_sign_keypair(n2.pk, n2.sk);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0;
	r.title = strdup("blocked");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	put(s, &pub, &r, &env[0], design);
	receipt(s, &n1, TS0 + 10, design, &env[1], r1);
	receipt(s, &n2, TS0 + 11, design, &env[2], r2);

	/* n1 blocked: its receipt goes, n2's stays. */
	assert_int_equal(weft_store_block_put(s, WEFT_BLOCK_NODE, n1.pk, TS0,
	    NULL), 0);
	assert_int_equal(weft_store_block_purge(s, WEFT_BLOCK_NODE, n1.pk,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(weft_store_receipt_get(s, r1, 0, NULL),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_receipt_get(s, r2, 0, NULL), 0);
	assert_int_equal(weft_store_blocked_record(s, r1, t), 0);
	assert_memory_equal(t, n1.pk, WEFT_ID_BYTES);
	members(s, pub.pk, &l);
	assert_false(in(&l, r1));
	assert_true(in(&l, r2));
	all_members(s, &all);
	assert_false(big_in(&all, r1));
	assert_true(big_in(&all, r2));

	/* The design blocked: its receipts go with it. */
	assert_int_equal(weft_store_block_put(s, WEFT_BLOCK_DESIGN, design,
	    TS0, NULL), 0);
	assert_int_equal(weft_store_block_purge(s, WEFT_BLOCK_DESIGN, design,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(weft_store_receipt_get(s, r2, 0, NULL),
	    WEFT_ENOTFOUND);
	all_members(s, &all);
	assert_int_equal(all.n, 0);
	members(s, pub.pk, &l);
	assert_int_equal(l.n, 0);

	for (int i = 0; i < 3; i++)
		weft_buf_release(&env[i]);
	weft_store_close(s);
	rm_store(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receipt_scope),
		cmocka_unit_test(test_receipt_lib_scope),
		cmocka_unit_test(test_receipt_all_scope),
		cmocka_unit_test(test_receipt_block),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
