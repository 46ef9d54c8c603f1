/*
 * Removal labels and the label policy (docs/moderation.md): a
 * moderator's "weft.not/L" withdraws their own L on the target by the
 * latest-wins rule, in either order of arrival, and nobody else's; a
 * start under another label policy makes every label in force of a
 * moderator due again; a batch of due targets taken but not acted on
 * when the process died is due again at the next take.
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

static void
store_tmp(char dir[64], struct weft_store **s)
{
	strcpy(dir, "/tmp/weft-smodpol-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(s, dir, NULL), 0);
}

static void
design_make(struct weft_store *s, const struct key *k, uint8_t id[32])
{
	struct weft_record	r;
	struct weft_buf		env;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0;
	r.title = strdup("labelled");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	sign(k, &r, &env);
	put(s, &env, id);
	weft_buf_release(&env);
}

static void
label_put(struct weft_store *s, const struct key *k, uint64_t ts,
    const uint8_t target[32], const char *name, uint8_t id[32])
{
	struct weft_buf	env;

	label(k, ts, target, name, "", &env);
	put(s, &env, id);
	weft_buf_release(&env);
}

static size_t
due_count(struct weft_store *s)
{
	struct weft_store_label_due	due[64];
	size_t				n, all = 0;

	do {
		assert_int_equal(weft_store_label_due_take(s, due, 64, &n),
		    0);
		assert_int_equal(weft_store_label_due_done(s), 0);
		all += n;
	} while (n > 0);
	return all;
}

static void
test_label_base(void **state)
{
	char	b[WEFT_LABEL_MAX + 1], out[WEFT_LABEL_MAX + 1];
	size_t	n;

	(void)state;
	assert_int_equal(weft_label_base("weft.not/spam", 13, b, &n), 1);
	assert_string_equal(b, "spam");
	assert_int_equal(n, 4);
	assert_int_equal(weft_label_base("weft.not/org.example_needs-review",
	    33, b, &n), 1);
	assert_string_equal(b, "org.example/needs-review");
	assert_int_equal(weft_label_base("spam", 4, b, &n), 0);
	assert_string_equal(b, "spam");
	/* Names no label, or a removal: an ordinary namespaced label. */
	assert_int_equal(weft_label_base("weft.not/spamx", 14, b, &n), 0);
	assert_string_equal(b, "weft.not/spamx");
	assert_int_equal(weft_label_base("weft.not/weft.not_spam", 22, b, &n),
	    0);
	assert_int_equal(weft_label_base("weft.not/", 9, b, &n),
	    WEFT_EBADFIELD);
	assert_int_equal(weft_label_base("-spam", 5, b, &n), WEFT_EBADFIELD);
	assert_int_equal(weft_label_removal("stolen-design", 13, out), 0);
	assert_string_equal(out, "weft.not/stolen-design");
	assert_int_equal(weft_label_removal("org.example/a_b", 15, out), 0);
	assert_string_equal(out, "weft.not/org.example_a_b");
	assert_int_equal(weft_label_base(out, strlen(out), b, &n), 1);
	assert_string_equal(b, "org.example/a_b");
	assert_int_equal(weft_label_removal("weft.not/spam", 13, out),
	    WEFT_EBADFIELD);
	assert_int_equal(weft_label_removal("weft.not/x", 10, out),
	    WEFT_EBADFIELD);
	assert_int_equal(weft_label_removal("bogus", 5, out), WEFT_EBADFIELD);
	/* 55 bytes can be withdrawn, 56 cannot. */
	memset(b, 'a', 55);
	memcpy(b, "a.b/", 4);
	assert_int_equal(weft_label_removal(b, 55, out), 0);
	assert_int_equal(strlen(out), 64);
	memset(b, 'a', 56);
	memcpy(b, "a.b/", 4);
	assert_int_equal(weft_label_removal(b, 56, out), WEFT_EBADFIELD);
	/* A removal never acts, whatever the config would say. */
}

/* order: 0 label then removal, 1 removal then label. */
static void
removal_run(int order)
{
	struct weft_store	*s;
	struct key		 pub, mod, mod2, other;
	uint8_t			 d[32], l[32], rm[32], l2[32], rmo[32], x[32];
	struct weft_buf		 rt;
	char			 dir[64];

	store_tmp(dir, &s);
	crypto_sign_keypair(pub.pk, pub.sk);
	crypto_sign_keypair(mod.pk, mod.sk);
	crypto_sign_keypair(mod2.pk, mod2.sk);
	crypto_sign_keypair(other.pk, other.sk);
	design_make(s, &pub, d);
	assert_int_equal(weft_store_moderator_put(s, mod.pk, TS0), 0);
	assert_int_equal(weft_store_moderator_put(s, mod2.pk, TS0), 0);
	if (order == 0) {
		label_put(s, &mod, TS0 + 10, d, "spam", l);
		assert_int_equal(action(s, d), WEFT_VERDICT_BLOCK);
		label_put(s, &mod, TS0 + 20, d, "weft.not/spam", rm);
	} else {
		label_put(s, &mod, TS0 + 20, d, "weft.not/spam", rm);
		label_put(s, &mod, TS0 + 10, d, "spam", l);
	}
	/* The newer removal is in force, whatever came first. */
	assert_int_equal(action(s, d), WEFT_VERDICT_NONE);
	/* A removal by a stranger, or by another moderator, changes nothing. */
	label_put(s, &mod2, TS0 + 30, d, "nsfw", l2);
	label_put(s, &other, TS0 + 40, d, "weft.not/nsfw", x);
	assert_int_equal(action(s, d), WEFT_VERDICT_HIDE);
	label_put(s, &mod, TS0 + 41, d, "weft.not/nsfw", rmo);
	assert_int_equal(action(s, d), WEFT_VERDICT_HIDE);
	/* A newer label replaces the removal. */
	label_put(s, &mod, TS0 + 50, d, "spam", x);
	assert_int_equal(action(s, d), WEFT_VERDICT_BLOCK);
	retract(&mod, TS0 + 60, x, &rt);
	put(s, &rt, NULL);
	weft_buf_release(&rt);
	/* Taken back: the removal before it is in force again. */
	assert_int_equal(action(s, d), WEFT_VERDICT_HIDE);
	/* The removal taken back: the label it withdrew is. */
	retract(&mod, TS0 + 61, rm, &rt);
	put(s, &rt, NULL);
	weft_buf_release(&rt);
	assert_int_equal(action(s, d), WEFT_VERDICT_BLOCK);
	weft_store_close(s);
	rm_store(dir);
}

static void
test_removal_after(void **state)
{
	(void)state;
	removal_run(0);
}

static void
test_removal_before(void **state)
{
	(void)state;
	removal_run(1);
}

static void
test_removal_no_action(void **state)
{
	struct weft_store	*s;
	char			 dir[64];

	(void)state;
	store_tmp(dir, &s);
	/* A store that never recorded a policy: recorded, nothing due. */
	assert_int_equal(weft_store_label_policy_apply(s, NULL), 0);
	assert_int_equal(due_count(s), 0);
	assert_int_equal(weft_store_label_action_set(s, "weft.not/spam", 13,
	    WEFT_VERDICT_BLOCK), WEFT_EUSAGE);
	assert_int_equal(weft_store_label_action(s, "weft.not/spam", 13),
	    WEFT_VERDICT_NONE);
	weft_store_close(s);
	rm_store(dir);
}

static void
test_policy(void **state)
{
	struct weft_store	*s;
	struct key		 pub, mod, other;
	uint8_t			 d[32], l[32];
	size_t			 n;
	char			 dir[64];

	(void)state;
	store_tmp(dir, &s);
	crypto_sign_keypair(pub.pk, pub.sk);
	crypto_sign_keypair(mod.pk, mod.sk);
	crypto_sign_keypair(other.pk, other.sk);
	design_make(s, &pub, d);
	assert_int_equal(weft_store_moderator_put(s, mod.pk, TS0), 0);
	label_put(s, &mod, TS0 + 10, d, "nsfw", l);
	label_put(s, &other, TS0 + 11, d, "spam", l);
	assert_int_equal(due_count(s), 1);
	/* The policy the moderator was added under: nothing to redo. */
	assert_int_equal(weft_store_label_policy_apply(s, &n), 0);
	assert_int_equal(n, 0);
	weft_store_close(s);

	/* Started again with nsfw blocking: the moderator's label is due. */
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	assert_int_equal(weft_store_label_action_set(s, "nsfw", 4,
	    WEFT_VERDICT_BLOCK), 0);
	assert_int_equal(weft_store_label_policy_apply(s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(action(s, d), WEFT_VERDICT_BLOCK);
	assert_int_equal(weft_store_label_policy_apply(s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(due_count(s), 1);
	weft_store_close(s);

	/* The same again: nothing. Back to the default: due again. */
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	assert_int_equal(weft_store_label_action_set(s, "nsfw", 4,
	    WEFT_VERDICT_BLOCK), 0);
	assert_int_equal(weft_store_label_policy_apply(s, &n), 0);
	assert_int_equal(n, 0);
	weft_store_close(s);
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	assert_int_equal(weft_store_label_policy_apply(s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(action(s, d), WEFT_VERDICT_HIDE);
	weft_store_close(s);
	rm_store(dir);
}

static void
test_due_crash(void **state)
{
	struct weft_store		*s;
	struct weft_store_label_due	 due[8];
	struct key			 pub, mod;
	uint8_t				 d[32], l[32];
	size_t				 n;
	char				 dir[64];

	(void)state;
	store_tmp(dir, &s);
	crypto_sign_keypair(pub.pk, pub.sk);
	crypto_sign_keypair(mod.pk, mod.sk);
	design_make(s, &pub, d);
	assert_int_equal(weft_store_moderator_put(s, mod.pk, TS0), 0);
	label_put(s, &mod, TS0 + 10, d, "spam", l);
	assert_int_equal(weft_store_label_due_take(s, due, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(due[0].target, d, 32);
	/* Cut here, before weft_store_label_due_done(). */
	weft_store_close(s);
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	assert_int_equal(weft_store_label_due_take(s, due, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(due[0].target, d, 32);
	assert_int_equal(due[0].on, WEFT_LABEL_DESIGN);
	assert_int_equal(weft_store_label_due_done(s), 0);
	assert_int_equal(weft_store_label_due_take(s, due, 8, &n), 0);
	assert_int_equal(n, 0);
	weft_store_close(s);
	rm_store(dir);
}

static void
commit_cb(void *arg, unsigned events)
{
	unsigned	*n = arg;

	if (events & WEFT_STORE_EV_LABEL_DUE)
		(*n)++;
}

/* The commit hook: told of writes that made labels due, only those. */
static void
test_due_wakes(void **state)
{
	struct weft_store	*s;
	struct key		 pub, mod, other;
	uint8_t			 d[32], l[32];
	unsigned		 n = 0;
	char			 dir[64];

	(void)state;
	store_tmp(dir, &s);
	crypto_sign_keypair(pub.pk, pub.sk);
	crypto_sign_keypair(mod.pk, mod.sk);
	crypto_sign_keypair(other.pk, other.sk);
	weft_store_on_commit(s, commit_cb, &n);
	design_make(s, &pub, d);
	assert_int_equal(n, 0);
	assert_int_equal(weft_store_moderator_put(s, mod.pk, TS0), 0);
	label_put(s, &other, TS0 + 10, d, "spam", l);
	assert_int_equal(n, 0);		/* a report */
	label_put(s, &mod, TS0 + 11, d, "spam", l);
	assert_int_equal(n, 1);
	weft_store_on_commit(s, NULL, NULL);
	label_put(s, &mod, TS0 + 12, d, "weft.not/spam", l);
	assert_int_equal(n, 1);
	weft_store_close(s);
	rm_store(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_base),
		cmocka_unit_test(test_removal_after),
		cmocka_unit_test(test_removal_before),
		cmocka_unit_test(test_removal_no_action),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_due_crash),
		cmocka_unit_test(test_due_wakes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
