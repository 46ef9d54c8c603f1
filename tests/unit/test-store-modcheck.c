/*
 * Ingest's moderation check (store_moderation.c) skips its walks while no
 * verdict can exist (no local block, and no label or no moderator): this
 * checks that every way a verdict comes into being still stops a record
 * at ingest, in batches as sync writes them, and that what no verdict
 * concerns goes in. Each step fails if the shortcut answered "nothing"
 * where a block or a trusted label exists, or refused where none does.
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

#define TS0	UINT64_C(1700000000000)

struct key {
	uint8_t	pk[WEFT_PK_BYTES];
	uint8_t	sk[WEFT_SK_BYTES];
};

struct env {
	uint8_t	data[2048];
	size_t	len;
	uint8_t	id[WEFT_ID_BYTES];
};

static void
sign(struct weft_record *r, const struct key *k, struct env *e)
{
	struct weft_buf	body, env;

	memcpy(r->author, k->pk, WEFT_PK_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, k->sk, &env),
	    0);
	assert_true(env.len <= sizeof(e->data));
	memcpy(e->data, env.data, env.len);
	e->len = env.len;
	weft_record_id(body.data, body.len, e->id);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

static void
genesis(const struct key *k, uint64_t ts, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts;
	r.title = strdup("bracket");
	r.license = strdup("CC-BY-4.0");
	r.message = strdup("");
	r.description = strdup("");
	assert_non_null(r.title);
	sign(&r, k, e);
}

static void
like(const struct key *k, const uint8_t design[WEFT_ID_BYTES], uint64_t ts,
    struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REACTION;
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	r.value = strdup("like");
	sign(&r, k, e);
}

static void
label(const struct key *k, const uint8_t target[WEFT_ID_BYTES],
    const char *value, uint64_t ts, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_LABEL;
	r.ts = ts;
	r.label_on = WEFT_LABEL_AUTHOR;
	memcpy(r.label_target, target, WEFT_ID_BYTES);
	r.label = strdup(value);
	r.label_reason = strdup("");
	sign(&r, k, e);
}

/* Ingests e as sync does (a batch of one) and returns its result. */
static int
put(struct weft_store *s, const struct env *e)
{
	struct weft_slice	sl = { e->data, e->len };
	int			res = 0;

	assert_int_equal(weft_store_records_put(s, &sl, 1, &res, NULL), 0);
	return res;
}

static void
test_modcheck(void **state)
{
	struct weft_store	*s;
	struct key		 owner, a, b, mod;
	struct env		 d, e;
	char			 dir[] = "/tmp/weft-modcheck-XXXXXX";
	char			 cmd[64];
	uint64_t		 ts = TS0;

	(void)state;
	crypto_sign_keypair(owner.pk, owner.sk);
	crypto_sign_keypair(a.pk, a.sk);
	crypto_sign_keypair(b.pk, b.sk);
	crypto_sign_keypair(mod.pk, mod.sk);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	genesis(&owner, ts++, &d);
	assert_int_equal(put(s, &d), 0);

	/* Nothing moderated: a like goes in. */
	like(&a, d.id, ts++, &e);
	assert_int_equal(put(s, &e), 0);

	/* A spam label on a by one this node does not trust: nothing. */
	label(&mod, a.pk, "spam", ts++, &e);
	assert_int_equal(put(s, &e), 0);
	like(&a, d.id, ts++, &e);
	assert_int_equal(put(s, &e), 0);

	/* Trusted now: a's next like is refused. */
	assert_int_equal(weft_store_moderator_put(s, mod.pk, ts++), 0);
	like(&a, d.id, ts++, &e);
	assert_int_equal(put(s, &e), WEFT_EBLOCKED);
	like(&b, d.id, ts++, &e);
	assert_int_equal(put(s, &e), 0);

	/* No moderator, but a local block of b: b is refused, a is not. */
	assert_int_equal(weft_store_moderator_del(s, mod.pk), 0);
	assert_int_equal(weft_store_block_put(s, WEFT_BLOCK_AUTHOR, b.pk, ts++,
	    "flood"), 0);
	like(&b, d.id, ts++, &e);
	assert_int_equal(put(s, &e), WEFT_EBLOCKED);
	like(&a, d.id, ts++, &e);
	assert_int_equal(put(s, &e), 0);

	/* A block of the design stops likes of it from anyone. */
	assert_int_equal(weft_store_block_del(s, b.pk), 0);
	assert_int_equal(weft_store_block_put(s, WEFT_BLOCK_DESIGN, d.id,
	    ts++, "x"), 0);
	like(&b, d.id, ts++, &e);
	assert_int_equal(put(s, &e), WEFT_EBLOCKED);

	/* Nothing left: in again. */
	assert_int_equal(weft_store_block_del(s, d.id), 0);
	like(&b, d.id, ts++, &e);
	assert_int_equal(put(s, &e), 0);

	weft_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modcheck),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
