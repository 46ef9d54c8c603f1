/*
 * The store's community indexes (store_social.c): whatever order the
 * records arrive in, every node ends with the same answers -- the latest
 * profile per author, each author's latest reaction per design and so
 * the like count, the comment count (edits not counted again), the
 * comments in (ts, id) order -- and author prefixes resolve among the
 * authors of stored records.
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

#define NAUTH	4
#define NREC	40

struct env {
	uint8_t	 data[1024];
	size_t	 len;
	uint64_t ts;
	int	 author;
	int	 kind;		/* 0 profile, 1 reaction, 2 comment */
	int	 like;		/* reaction: 1 like, 0 take back */
	int	 edit;		/* comment: replaces an earlier one */
	char	 name[16];
};

static uint8_t	pk[NAUTH][WEFT_PK_BYTES];
static uint8_t	sk[NAUTH][WEFT_SK_BYTES];
static uint8_t	design[WEFT_ID_BYTES];

static void
sign(struct weft_record *r, int a, struct env *e)
{
	struct weft_buf	body, env;

	memcpy(r->author, pk[a], WEFT_PK_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk[a], &env),
	    0);
	assert_true(env.len <= sizeof(e->data));
	memcpy(e->data, env.data, env.len);
	e->len = env.len;
	e->ts = r->ts;
	e->author = a;
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

/* A mixed history: profiles, likes and unlikes, comments and an edit. */
static size_t
history(struct env *v, uint8_t first_comment[WEFT_ID_BYTES])
{
	struct weft_record	r;
	size_t			n = 0;

	for (int i = 0; i < NREC - 2; i++) {
		struct env	*e = &v[n++];
		int		 a = (int)randombytes_uniform(NAUTH);

		memset(e, 0, sizeof(*e));
		weft_record_init(&r);
		/* Few distinct times: ties are broken by id. */
		r.ts = UINT64_C(1700000000000) + randombytes_uniform(6);
		switch (i % 3) {
		case 0:
			r.type = WEFT_REC_PROFILE;
			snprintf(e->name, sizeof(e->name), "n%d", i);
			r.name = strdup(e->name);
			r.bio = strdup("");
			e->kind = 0;
			break;
		case 1:
			r.type = WEFT_REC_REACTION;
			r.has_design = true;
			memcpy(r.design, design, WEFT_ID_BYTES);
			e->like = (int)randombytes_uniform(2);
			r.value = strdup(e->like ? "like" : "");
			e->kind = 1;
			break;
		default:
			r.type = WEFT_REC_COMMENT;
			r.has_design = true;
			memcpy(r.design, design, WEFT_ID_BYTES);
			snprintf(e->name, sizeof(e->name), "hello %d", i);
			r.text = strdup(e->name);
			e->kind = 2;
			break;
		}
		sign(&r, a, e);
	}
	/* A comment by author 0 and its edit. */
	weft_record_init(&r);
	r.type = WEFT_REC_COMMENT;
	r.ts = UINT64_C(1700000000100);
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	r.text = strdup("first");
	memset(&v[n], 0, sizeof(v[n]));
	v[n].kind = 2;
	sign(&r, 0, &v[n]);
	{
		const uint8_t	*body, *sg;
		size_t		 blen;

		assert_int_equal(weft_record_open(v[n].data, v[n].len, &body,
		    &blen, &sg), 0);
		weft_record_id(body, blen, first_comment);
	}
	n++;
	weft_record_init(&r);
	r.type = WEFT_REC_COMMENT;
	r.ts = UINT64_C(1700000000200);
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	r.text = strdup("first, edited");
	r.replaces.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.replaces.ids);
	memcpy(r.replaces.ids[0], first_comment, WEFT_ID_BYTES);
	r.replaces.n = 1;
	memset(&v[n], 0, sizeof(v[n]));
	v[n].kind = 2;
	v[n].edit = 1;
	sign(&r, 0, &v[n]);
	return n + 1;
}

/* The id of v's body, for tie-breaking as the store does. */
static void
env_id(const struct env *e, uint8_t id[WEFT_ID_BYTES])
{
	const uint8_t	*body, *sg;
	size_t		 blen;

	assert_int_equal(weft_record_open(e->data, e->len, &body, &blen, &sg),
	    0);
	weft_record_id(body, blen, id);
}

/* Whether a comes after b: (ts, id). */
static int
later(const struct env *a, const struct env *b)
{
	uint8_t	ia[WEFT_ID_BYTES], ib[WEFT_ID_BYTES];

	if (a->ts != b->ts)
		return a->ts > b->ts;
	env_id(a, ia);
	env_id(b, ib);
	return memcmp(ia, ib, WEFT_ID_BYTES) > 0;
}

struct walk {
	uint64_t	last_ts;
	uint32_t	n;
};

static int
walk_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct walk		*w = arg;
	struct weft_record	 r;

	(void)id;
	assert_int_equal(weft_record_verify(data, len, &r, NULL), 0);
	assert_int_equal(r.type, WEFT_REC_COMMENT);
	assert_true(r.ts >= w->last_ts);
	w->last_ts = r.ts;
	w->n++;
	weft_record_release(&r);
	return 0;
}

static void
check_store(const struct env *v, size_t n, const int *order)
{
	struct weft_store	*s;
	struct weft_record	 r;
	struct weft_buf		 b;
	struct walk		 w = { 0, 0 };
	char			 dir[] = "/tmp/weft-social-XXXXXX";
	uint64_t		 likes, comments, makes, want_likes = 0;
	uint32_t		 ncomments = 0, nedits = 0;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		const struct env *e = &v[order[i]];
		int		  err;

		err = weft_store_record_put(s, e->data, e->len, NULL);
		assert_true(err == 0 || err == WEFT_EEXISTS);
	}
	/* The model: latest per author. */
	for (int a = 0; a < NAUTH; a++) {
		const struct env	*prof = NULL, *react = NULL;

		for (size_t i = 0; i < n; i++) {
			if (v[i].author != a)
				continue;
			if (v[i].kind == 0 && (prof == NULL ||
			    later(&v[i], prof)))
				prof = &v[i];
			if (v[i].kind == 1 && (react == NULL ||
			    later(&v[i], react)))
				react = &v[i];
		}
		weft_buf_init(&b, WEFT_RECORD_MAX);
		if (prof == NULL) {
			assert_int_equal(weft_store_profile(s, pk[a], &b),
			    WEFT_ENOTFOUND);
		} else {
			assert_int_equal(weft_store_profile(s, pk[a], &b), 0);
			assert_int_equal(weft_record_verify(b.data, b.len, &r,
			    NULL), 0);
			assert_string_equal(r.name, prof->name);
			weft_record_release(&r);
		}
		weft_buf_release(&b);
		if (react != NULL && react->like)
			want_likes++;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == 2 && !v[i].edit)
			ncomments++;
		if (v[i].kind == 2 && v[i].edit)
			nedits++;
	}
	assert_int_equal(weft_store_social_counts(s, design, &likes,
	    &comments, &makes), 0);
	assert_int_equal(makes, 0);
	assert_int_equal(likes, want_likes);
	assert_int_equal(comments, ncomments);
	assert_int_equal(weft_store_design_comments(s, design, walk_cb, &w),
	    0);
	assert_int_equal(w.n, ncomments + nedits);
	weft_store_close(s);
	{
		char	cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void
test_any_order(void **state)
{
	struct env	*v;
	uint8_t		 first[WEFT_ID_BYTES];
	int		 order[NREC];
	size_t		 n;

	(void)state;
	v = calloc(NREC, sizeof(*v));
	assert_non_null(v);
	n = history(v, first);
	for (int round = 0; round < 6; round++) {
		for (size_t i = 0; i < n; i++)
			order[i] = (int)i;
		if (round == 1) {	/* newest first */
			for (size_t i = 0; i < n; i++)
				order[i] = (int)(n - 1 - i);
		} else if (round > 1) {
			for (size_t i = n - 1; i > 0; i--) {
				size_t	j = randombytes_uniform(
				    (uint32_t)i + 1);
				int	t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
		}
		check_store(v, n, order);
	}
	free(v);
}

static void
test_author_resolve(void **state)
{
	struct weft_store	*s;
	struct weft_record	 r;
	struct env		 e;
	char			 dir[] = "/tmp/weft-social-XXXXXX";
	char			 hex[65], pfx[10], cmd[128];
	uint8_t			 got[WEFT_ID_BYTES];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	for (int a = 0; a < 2; a++) {
		weft_record_init(&r);
		r.type = WEFT_REC_PROFILE;
		r.ts = 1;
		r.name = strdup("x");
		r.bio = strdup("");
		sign(&r, a, &e);
		assert_int_equal(weft_store_record_put(s, e.data, e.len, NULL),
		    0);
	}
	for (int a = 0; a < 2; a++) {
		weft_hex_encode(hex, pk[a], WEFT_ID_BYTES);
		snprintf(pfx, sizeof(pfx), "%.8s", hex);
		assert_int_equal(weft_store_author_resolve(s, pfx, got), 0);
		assert_memory_equal(got, pk[a], WEFT_ID_BYTES);
		assert_int_equal(weft_store_author_resolve(s, hex, got), 0);
	}
	/* Author 2 has no record here. */
	weft_hex_encode(hex, pk[2], WEFT_ID_BYTES);
	assert_int_equal(weft_store_author_resolve(s, hex, got),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_author_resolve(s, "abc", got), WEFT_EUSAGE);
	assert_int_equal(weft_store_author_resolve(s, "zzzzzzzz", got),
	    WEFT_EUSAGE);
	weft_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_order),
		cmocka_unit_test(test_author_resolve),
	};

	if (sodium_init() < 0)
		return 1;
	for (int a = 0; a < NAUTH; a++)
		crypto_sign_keypair(pk[a], sk[a]);
	randombytes_buf(design, sizeof(design));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
