/*
 * The spare table of the reconciliation aggregates gives its pages back
 * after each batch (issue 16, F12): kept resident, the pages that
 * batches hashed into made a receiving node's RssAnon creep up for
 * hours. Ingests a few batches of records with spread-out timestamps,
 * then asks mincore() how much of the spare table is resident.
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
#include "store_impl.h"
#include "store_mods.h"

#define NREC	2000
#define BATCH	500

static void
make(struct weft_buf *env, const uint8_t *sk, const uint8_t *pk, int i)
{
	struct weft_record	r;
	struct weft_buf		body;
	char			title[32];

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, pk, 32);
	/* Hours apart: every record lands in other aggregate nodes. */
	r.ts = UINT64_C(1700000000000) + (uint64_t)i * 3600 * 1000 * 7;
	snprintf(title, sizeof(title), "design %d", i);
	r.title = strdup(title);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	assert_non_null(r.title);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, env), 0);
	weft_buf_release(&body);
	weft_record_release(&r);
}

static void
test_spare_pages_given_back(void **state)
{
	static struct weft_buf	env[BATCH];
	struct weft_slice	sl[BATCH];
	struct weft_store	*s;
	uint8_t			pk[32], sk[64], ids[BATCH][32];
	int			res[BATCH];
	char			dir[] = "/tmp/weft-ragg-XXXXXX", p[64];
	size_t			resident;

	(void)state;
	assert_true(sodium_init() >= 0);
	crypto_sign_keypair(pk, sk);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	for (int b = 0; b < NREC / BATCH; b++) {
		for (int i = 0; i < BATCH; i++) {
			make(&env[i], sk, pk, b * BATCH + i);
			sl[i].data = env[i].data;
			sl[i].len = env[i].len;
		}
		assert_int_equal(weft_store_records_put(s, sl, BATCH, res, ids),
		    0);
		for (int i = 0; i < BATCH; i++) {
			assert_int_equal(res[i], 0);
			weft_buf_release(&env[i]);
		}
	}
	resident = weft__store_ragg_spare_resident(s);
	assert_true(resident != SIZE_MAX);
	/* The table is 13.6 MB; at most its edge pages may stay. */
	printf("spare table resident: %zu bytes\n", resident);
	assert_true(resident <= 2 * 4096);
	weft_store_close(s);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	for (int pn = 1; pn < 1000; pn++) {
		snprintf(p, sizeof(p), "%s/pack-%010d", dir, pn);
		unlink(p);
	}
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_spare_pages_given_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
