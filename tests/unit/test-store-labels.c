/*
 * Labels, latest wins (docs/proto/records.md, `label`): of a moderator's
 * labels with one name on one target, only the latest by (ts, id) of
 * those stored is in force, whatever order they arrive in; retracting
 * it puts the one before back in force, and retracting every one of
 * them lifts the label. Labels of other names, or by others, stay.
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

#define TS0	1700000000000ull

struct key {
	uint8_t	pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t	sk[crypto_sign_SECRETKEYBYTES];
};

static void
sign(const struct key *k, struct weft_record *r, struct weft_buf *env)
{
	struct weft_buf	body;

	memcpy(r->author, k->pk, WEFT_PK_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, k->sk, env), 0);
	weft_buf_release(&body);
	weft_record_release(r);
}

static void
put(struct weft_store *s, const struct weft_buf *env, uint8_t *id)
{
	assert_int_equal(weft_store_record_put(s, env->data, env->len, id), 0);
}

static void
label(const struct key *k, uint64_t ts, const uint8_t target[WEFT_ID_BYTES],
    const char *name, const char *reason, struct weft_buf *env)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_LABEL;
	r.ts = ts;
	r.label_on = WEFT_LABEL_DESIGN;
	memcpy(r.label_target, target, WEFT_ID_BYTES);
	r.label = strdup(name);
	r.label_reason = strdup(reason);
	sign(k, &r, env);
}

static void
retract(const struct key *k, uint64_t ts, const uint8_t id[WEFT_ID_BYTES],
    struct weft_buf *env)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.ts = ts;
	r.targets.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], id, WEFT_ID_BYTES);
	r.targets.n = 1;
	r.reason = strdup("");
	sign(k, &r, env);
}

/* The ids of the labels in force (listed), at most 8. */
struct ids {
	size_t	n;
	uint8_t	id[8][WEFT_ID_BYTES];
};

static int
list_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *env,
    size_t len)
{
	struct ids	*l = arg;

	(void)env;
	(void)len;
	assert_true(l->n < 8);
	memcpy(l->id[l->n++], id, WEFT_ID_BYTES);
	return 0;
}

static void
listed(struct weft_store *s, struct ids *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(weft_store_labels(s, false, list_cb, l), 0);
}

static int
action(struct weft_store *s, const uint8_t design[WEFT_ID_BYTES])
{
	struct weft_store_verdict	v;

	assert_int_equal(weft_store_verdict(s, design, &v), 0);
	return v.action;
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

struct world {
	struct key	pub, mod, other;
	uint8_t		design[WEFT_ID_BYTES];
	struct weft_buf	rev;
	/* spam r1 (ts +10), spam r2 (+20), nsfw (+15), spam by other (+30) */
	struct weft_buf	l1, l2, nsfw, rep;
	uint8_t		id1[WEFT_ID_BYTES], id2[WEFT_ID_BYTES];
	uint8_t		idn[WEFT_ID_BYTES], idr[WEFT_ID_BYTES];
};

static void
world_make(struct weft_store *s, struct world *w)
{
	struct weft_record	r;

	crypto_sign_keypair(w->pub.pk, w->pub.sk);
	crypto_sign_keypair(w->mod.pk, w->mod.sk);
	crypto_sign_keypair(w->other.pk, w->other.sk);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0;
	r.title = strdup("labelled");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	sign(&w->pub, &r, &w->rev);
	put(s, &w->rev, w->design);
	label(&w->mod, TS0 + 10, w->design, "spam", "first", &w->l1);
	label(&w->mod, TS0 + 20, w->design, "spam", "changed reason", &w->l2);
	label(&w->mod, TS0 + 15, w->design, "nsfw", "", &w->nsfw);
	label(&w->other, TS0 + 30, w->design, "spam", "", &w->rep);
}

static void
world_free(struct world *w)
{
	weft_buf_release(&w->rev);
	weft_buf_release(&w->l1);
	weft_buf_release(&w->l2);
	weft_buf_release(&w->nsfw);
	weft_buf_release(&w->rep);
}

static bool
has(const struct ids *l, const uint8_t id[WEFT_ID_BYTES])
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->id[i], id, WEFT_ID_BYTES) == 0)
			return true;
	return false;
}

/* The two spam labels in order (reverse: the newer first). */
static void
run(bool reverse)
{
	struct weft_store	*s;
	struct world		 w;
	struct weft_buf		 rt1, rt2;
	struct ids		 l;
	char			 dir[64];

	strcpy(dir, "/tmp/weft-slabels-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	world_make(s, &w);
	assert_int_equal(weft_store_moderator_put(s, w.mod.pk, TS0), 0);
	put(s, reverse ? &w.l2 : &w.l1, reverse ? w.id2 : w.id1);
	put(s, &w.nsfw, w.idn);
	put(s, &w.rep, w.idr);
	put(s, reverse ? &w.l1 : &w.l2, reverse ? w.id1 : w.id2);
	assert_int_equal(action(s, w.design), WEFT_VERDICT_BLOCK);
	/* Only the latest spam of the moderator; the others stay. */
	listed(s, &l);
	assert_int_equal(l.n, 3);
	assert_true(has(&l, w.id2));
	assert_false(has(&l, w.id1));
	assert_true(has(&l, w.idn));
	assert_true(has(&l, w.idr));

	/* The latest taken back: the one before is in force again. */
	retract(&w.mod, TS0 + 40, w.id2, &rt2);
	put(s, &rt2, NULL);
	listed(s, &l);
	assert_int_equal(l.n, 3);
	assert_true(has(&l, w.id1));
	assert_false(has(&l, w.id2));
	assert_int_equal(action(s, w.design), WEFT_VERDICT_BLOCK);

	/* Both taken back: spam is lifted, nsfw still hides. */
	retract(&w.mod, TS0 + 41, w.id1, &rt1);
	put(s, &rt1, NULL);
	listed(s, &l);
	assert_int_equal(l.n, 2);
	assert_false(has(&l, w.id1));
	assert_int_equal(action(s, w.design), WEFT_VERDICT_HIDE);

	weft_buf_release(&rt1);
	weft_buf_release(&rt2);
	world_free(&w);
	weft_store_close(s);
	rm_store(dir);
}

static void
test_latest_in_order(void **state)
{
	(void)state;
	run(false);
}

static void
test_latest_reversed(void **state)
{
	(void)state;
	run(true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_in_order),
		cmocka_unit_test(test_latest_reversed),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
