/*
 * A query of two common words that rarely meet (store_search.c): the
 * page cannot fill early, so the driver's walk reads past 2,048
 * postings and checks each candidate for the other word; the answer is
 * every design holding both words, each once, with an exact count,
 * also when the other word is a prefix.
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
#include "weft/record.h"

#include "store.h"
#include "store_mods.h"

#define NA	3000	/* "alpha" */
#define NB	3000	/* "beta" */
#define NBOTH	12	/* of them, both */

static uint8_t	pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];

static void
make(struct weft_slice *e, int i, const char *title)
{
	struct weft_record	r;
	struct weft_buf		body, env;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = UINT64_C(1700000000000) + (uint64_t)i;
	memcpy(r.author, pk, WEFT_PK_BYTES);
	r.title = strdup(title);
	r.license = strdup("CC0-1.0");
	r.message = strdup("");
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, &env), 0);
	e->data = weft_buf_detach(&env, &e->len);
	weft_buf_release(&body);
	weft_record_release(&r);
}

struct seen {
	int	n;
	int	both;
};

static int
cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct seen	*sn = arg;

	(void)id;
	sn->n++;
	/* Titles "both N": the summary holds the title. */
	for (size_t i = 0; i + 4 <= len; i++) {
		if (memcmp(data + i, "both", 4) == 0) {
			sn->both++;
			break;
		}
	}
	return 0;
}

static void
test_rare_meeting(void **state)
{
	struct weft_store		*s;
	struct weft_store_query		 q;
	struct weft_store_search_info	 info;
	struct weft_slice		*e;
	struct seen			 sn;
	int				*res;
	char				 dir[] = "/tmp/weft-walk-XXXXXX";
	char				 t[64], cmd[64];
	size_t				 n = 0;

	(void)state;
	crypto_sign_keypair(pk, sk);
	e = calloc(NA + NB, sizeof(*e));
	res = calloc(NA + NB, sizeof(*res));
	assert_non_null(e);
	assert_non_null(res);
	for (int i = 0; i < NA + NB - NBOTH; i++) {
		if (i < NBOTH)
			snprintf(t, sizeof(t), "alpha beta both %d", i);
		else if (i < NA)
			snprintf(t, sizeof(t), "alpha %d", i);
		else
			snprintf(t, sizeof(t), "beta %d", i);
		make(&e[n++], i, t);
	}
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	assert_int_equal(weft_store_records_put(s, e, n, res, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], 0);

	/*
	 * The walk of postings itself (a query this selective otherwise
	 * intersects the design-ordered lists: test-store-wlist).
	 */
	weft__store_lists_est_max = -1;
	memset(&q, 0, sizeof(q));
	q.query = "alpha beta";
	q.limit = 20;
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(weft_store_search_page(s, &q, &info, cb, &sn), 0);
	assert_int_equal(sn.n, NBOTH);
	assert_int_equal(sn.both, NBOTH);
	assert_int_equal(info.total, NBOTH);
	assert_true(info.exact);
	/* The walk read on (no early stop with so few matches). */
	assert_true(info.scanned > 2048);
	/* A prefix of the other word, too ("bet" stands for "beta"). */
	q.query = "alpha bet";
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(weft_store_search_page(s, &q, &info, cb, &sn), 0);
	assert_int_equal(sn.n, NBOTH);
	assert_int_equal(sn.both, NBOTH);

	weft_store_close(s);
	for (size_t i = 0; i < n; i++)
		free((void *)e[i].data);
	free(e);
	free(res);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * "about N" of a prefix: 25 designs hold both "gear" and "gearbox", 5
 * "gearing" only. A first page of "gea" stops early; its count is the
 * 30 designs, exact, not the 55 postings (nor an estimate from them).
 */
static void
test_prefix_count(void **state)
{
	struct weft_store		*s;
	struct weft_store_query		 q;
	struct weft_store_search_info	 info;
	struct weft_slice		 e[30];
	struct seen			 sn;
	int				 res[30];
	char				 dir[] = "/tmp/weft-walk-XXXXXX";
	char				 t[64], cmd[64];

	(void)state;
	crypto_sign_keypair(pk, sk);
	for (int i = 0; i < 30; i++) {
		if (i < 25)
			snprintf(t, sizeof(t), "Gear gearbox %d", i);
		else
			snprintf(t, sizeof(t), "Gearing %d", i);
		make(&e[i], i, t);
	}
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	assert_int_equal(weft_store_records_put(s, e, 30, res, NULL), 0);
	for (size_t i = 0; i < 30; i++)
		assert_int_equal(res[i], 0);
	memset(&q, 0, sizeof(q));
	q.query = "gea";
	q.limit = 5;
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(weft_store_search_page(s, &q, &info, cb, &sn), 0);
	assert_int_equal(sn.n, 5);
	assert_true(info.scanned < 30);		/* it stopped early */
	assert_int_equal(info.total, 30);
	assert_true(info.exact);
	/* The whole walk counts the same. */
	q.limit = 0;
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(weft_store_search_page(s, &q, &info, cb, &sn), 0);
	assert_int_equal(sn.n, 30);
	assert_int_equal(info.total, 30);
	assert_true(info.exact);
	weft_store_close(s);
	for (size_t i = 0; i < 30; i++)
		free((void *)e[i].data);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_rare_meeting),
		cmocka_unit_test(test_prefix_count),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
