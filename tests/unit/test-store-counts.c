/*
 * Counts and the count-ordered index (store_social.c, store_search.c):
 * remixes are counted once per (parent design, remix design) pair,
 * likes that come before their design still sort it, a listing by likes
 * or remixes comes highest first (ties and the designs with none newest
 * first) and reads about a page of keys, a search can sort its matches
 * by a count, and summaries carry the counts and the author's name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "store.h"

#define NAUTH	4
#define NDES	5
#define TS0	UINT64_C(1700000000000)

static uint8_t	pk[NAUTH][WEFT_PK_BYTES];
static uint8_t	sk[NAUTH][WEFT_SK_BYTES];
static uint8_t	des[NDES][WEFT_ID_BYTES];

static void
put(struct weft_store *s, struct weft_record *r, int a,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_buf	body, env;
	uint8_t		tmp[WEFT_ID_BYTES];

	memcpy(r->author, pk[a], WEFT_PK_BYTES);
	weft_record_sort(r);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk[a], &env),
	    0);
	weft_record_id(body.data, body.len, id != NULL ? id : tmp);
	assert_int_equal(weft_store_record_put(s, env.data, env.len, NULL),
	    0);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

/* Design i: a genesis by author 0, "gear i", created TS0 + i. */
static void
genesis(struct weft_record *r, int i)
{
	char	t[32];

	weft_record_init(r);
	r->type = WEFT_REC_REV;
	r->ts = TS0 + (uint64_t)i;
	snprintf(t, sizeof(t), "gear %d", i);
	r->title = strdup(t);
	r->license = strdup("CC-BY-4.0");
	r->message = strdup("");
}

static void
react(struct weft_store *s, int a, int d, uint64_t ts, bool like)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REACTION;
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, des[d], WEFT_ID_BYTES);
	r.value = strdup(like ? "like" : "");
	put(s, &r, a, NULL);
}

struct got {
	int		 d[NDES];
	uint64_t	 likes[NDES], remixes[NDES];
	char		 name[NDES][16];
	size_t		 n;
};

static int
got_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct got	*g = arg;
	struct weft_msg	 m;
	int		 d = -1;

	for (int i = 0; i < NDES; i++)
		if (memcmp(id, des[i], WEFT_ID_BYTES) == 0)
			d = i;
	assert_true(d >= 0);
	assert_true(g->n < NDES);
	assert_int_equal(weft_msg_decode(&m, data, len), 0);
	g->d[g->n] = d;
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "likes"),
	    &g->likes[g->n]), 0);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "remixes"),
	    &g->remixes[g->n]), 0);
	assert_non_null(weft_obj_get(m.root, "makes"));
	assert_non_null(weft_obj_get(m.root, "comments"));
	assert_non_null(weft_obj_get(m.root, "title"));
	if (weft_obj_get(m.root, "author_name") != NULL)
		assert_int_equal(weft_obj_cstr(weft_obj_get(m.root,
		    "author_name"), g->name[g->n], sizeof(g->name[0])), 0);
	g->n++;
	weft_msg_release(&m);
	return 0;
}

/* A page by count kind k; the designs in order into g. */
static void
page(struct weft_store *s, const char *query, enum weft_count_kind k,
    size_t offset, size_t limit, struct got *g,
    struct weft_store_search_info *info)
{
	struct weft_store_query	q;

	memset(&q, 0, sizeof(q));
	memset(g, 0, sizeof(*g));
	q.query = query;
	q.by_count = true;
	q.count = k;
	q.counts = true;
	q.offset = offset;
	q.limit = limit;
	assert_int_equal(weft_store_search_page(s, &q, info, got_cb, g), 0);
}

static void
test_counts_sort(void **state)
{
	struct weft_store		*s;
	struct weft_store_search_info	 info;
	struct weft_record		 r;
	struct got			 g;
	uint8_t				 rev4[WEFT_ID_BYTES], rev1[WEFT_ID_BYTES];
	uint64_t			 n[WEFT_COUNT_KINDS];
	char				 dir[] = "/tmp/weft-counts-XXXXXX";
	char				 cmd[64];
	static const int		 want1[] = { 1, 2, 3, 4, 0 };
	static const int		 want2[] = { 2, 1, 3, 4, 0 };

	(void)state;
	for (int a = 0; a < NAUTH; a++)
		crypto_sign_keypair(pk[a], sk[a]);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);

	/* Design 2's id first, so its likes can come before it. */
	genesis(&r, 2);
	{
		struct weft_buf	body;

		memcpy(r.author, pk[0], WEFT_PK_BYTES);
		weft_buf_init(&body, WEFT_RECORD_MAX);
		assert_int_equal(weft_record_encode_body(&r, &body), 0);
		weft_record_id(body.data, body.len, des[2]);
		weft_buf_release(&body);
		weft_record_release(&r);
	}
	react(s, 1, 2, TS0 + 10, true);
	react(s, 2, 2, TS0 + 10, true);
	for (int i = 0; i < NDES; i++) {
		genesis(&r, i);
		put(s, &r, 0, des[i]);
		if (i == 1)
			memcpy(rev1, des[1], WEFT_ID_BYTES);
	}
	/* Design 1: three likes; design 3: one. */
	for (int a = 1; a < NAUTH; a++)
		react(s, a, 1, TS0 + 20, true);
	react(s, 1, 3, TS0 + 20, true);
	/* Design 4 remixes design 1, twice: one remix. */
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0 + 30;
	r.has_design = true;
	memcpy(r.design, des[4], WEFT_ID_BYTES);
	r.prev.ids = malloc(WEFT_ID_BYTES);
	r.remix_of.ids = malloc(2 * WEFT_ID_BYTES);
	assert_non_null(r.prev.ids);
	assert_non_null(r.remix_of.ids);
	memcpy(r.prev.ids[0], des[4], WEFT_ID_BYTES);
	r.prev.n = 1;
	memcpy(r.remix_of.ids[0], rev1, WEFT_ID_BYTES);
	r.remix_of.n = 1;
	r.title = strdup("gear 4");
	r.license = strdup("CC-BY-4.0");
	r.message = strdup("a remix");
	put(s, &r, 0, rev4);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0 + 31;
	r.has_design = true;
	memcpy(r.design, des[4], WEFT_ID_BYTES);
	r.prev.ids = malloc(WEFT_ID_BYTES);
	r.remix_of.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.prev.ids);
	assert_non_null(r.remix_of.ids);
	memcpy(r.prev.ids[0], rev4, WEFT_ID_BYTES);
	r.prev.n = 1;
	memcpy(r.remix_of.ids[0], rev1, WEFT_ID_BYTES);
	r.remix_of.n = 1;
	r.title = strdup("gear 4");
	r.license = strdup("CC-BY-4.0");
	r.message = strdup("again");
	put(s, &r, 0, NULL);
	/* A name for author 0. */
	weft_record_init(&r);
	r.type = WEFT_REC_PROFILE;
	r.ts = TS0 + 40;
	r.name = strdup("Ada");
	r.bio = strdup("");
	put(s, &r, 0, NULL);

	assert_int_equal(weft_store_design_counts(s, des[1], n), 0);
	assert_int_equal(n[WEFT_COUNT_LIKES], 3);
	assert_int_equal(n[WEFT_COUNT_REMIXES], 1);
	assert_int_equal(weft_store_design_counts(s, des[2], n), 0);
	assert_int_equal(n[WEFT_COUNT_LIKES], 2);
	assert_int_equal(n[WEFT_COUNT_REMIXES], 0);

	/* Listing by likes: 1 (3), 2 (2), 3 (1), then 4, 0 newest first. */
	page(s, NULL, WEFT_COUNT_LIKES, 0, 2, &g, &info);
	assert_int_equal(g.n, 2);
	assert_int_equal(info.total, NDES);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.d[i], want1[i]);
	assert_int_equal(g.likes[0], 3);
	assert_int_equal(g.remixes[0], 1);
	assert_string_equal(g.name[0], "Ada");
	/* The first page reads a page of keys, not every design. */
	assert_true(info.scanned <= 2);
	page(s, NULL, WEFT_COUNT_LIKES, 2, 10, &g, &info);
	assert_int_equal(g.n, 3);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.d[i], want1[i + 2]);
	/* Filtered, a full page counts the rest through a listing. */
	{
		struct weft_store_query	q;

		memset(&q, 0, sizeof(q));
		memset(&g, 0, sizeof(g));
		q.by_count = true;
		q.count = WEFT_COUNT_LIKES;
		q.counts = true;
		q.limit = 2;
		q.author = pk[0];
		assert_int_equal(weft_store_search_page(s, &q, &info, got_cb,
		    &g), 0);
		assert_int_equal(g.n, 2);
		assert_int_equal(g.d[0], 1);
		assert_int_equal(info.total, NDES);
		assert_true(info.exact);
		q.author = pk[1];	/* no designs */
		memset(&g, 0, sizeof(g));
		assert_int_equal(weft_store_search_page(s, &q, &info, got_cb,
		    &g), 0);
		assert_int_equal(g.n, 0);
		assert_int_equal(info.total, 0);
	}
	/* By remixes: design 1 first. */
	page(s, NULL, WEFT_COUNT_REMIXES, 0, 1, &g, &info);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.d[0], 1);
	/* A search sorted by likes. */
	page(s, "gear", WEFT_COUNT_LIKES, 0, 0, &g, &info);
	assert_int_equal(g.n, NDES);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.d[i], want1[i]);

	/* Author 3 takes back a like: 1 and 2 tie at 2, newest first. */
	react(s, 3, 1, TS0 + 50, false);
	page(s, NULL, WEFT_COUNT_LIKES, 0, 0, &g, &info);
	assert_int_equal(g.n, NDES);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.d[i], want2[i]);
	assert_int_equal(g.likes[1], 2);
	/* Makes index nothing yet: every design, newest first. */
	page(s, NULL, WEFT_COUNT_MAKES, 0, 0, &g, &info);
	assert_int_equal(g.n, NDES);
	assert_int_equal(g.d[0], 4);
	assert_int_equal(g.d[4], 0);

	/* Reopened, the index is kept, not built again. */
	weft_store_close(s);
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	page(s, NULL, WEFT_COUNT_LIKES, 0, 0, &g, &info);
	assert_int_equal(g.n, NDES);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.d[i], want2[i]);
	weft_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_counts_sort),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
