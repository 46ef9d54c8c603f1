/*
 * The store's geometry index (store_geom.c): whatever order records
 * arrive in (a geom record before its revision, an older one after a
 * newer one), a design's current geom record is its author's newest; a
 * stranger's geom record about it is kept but never used; similar finds
 * the designs sharing a key with the current record only (not with a
 * replaced one), and the fit listing reads the current facts.
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

#define NREC	8

struct env {
	uint8_t	data[2048];
	size_t	len;
	uint8_t	id[WEFT_ID_BYTES];
};

static uint8_t	pk[3][WEFT_PK_BYTES];
static uint8_t	sk[3][WEFT_SK_BYTES];

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
	weft_record_id(body.data, body.len, e->id);
	weft_buf_release(&body);
	weft_buf_release(&env);
}

static void
rev(int a, const char *title, uint64_t ts, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts;
	r.title = (char *)title;
	r.description = (char *)"";
	r.license = (char *)"MIT";
	r.message = (char *)"";
	sign(&r, a, e);
}

/* A geom record by a about rev of design: key byte k, largest extent. */
static void
geom(int a, const uint8_t design[32], const uint8_t rid[32], uint64_t ts,
    uint8_t k, uint64_t e0, struct env *e)
{
	struct weft_record	r;
	struct weft_geom_fact	f;
	uint8_t			(*ids)[32] = malloc(32);

	assert_non_null(ids);
	memcpy(ids[0], rid, 32);
	memset(&f, 0, sizeof(f));
	f.path = (char *)"part.stl";
	f.format = (char *)"stl";
	f.note = (char *)"";
	f.unit = (char *)"millimeter";
	f.open = (char *)"";
	f.triangles = 12;
	f.box[0] = e0;
	f.box[1] = f.box[2] = 1000;
	f.extents[0] = e0;
	f.extents[1] = f.extents[2] = 1000;
	f.closed = true;
	f.volume = 5;
	f.parts = 1;
	f.has_key = true;
	memset(f.key, k, sizeof(f.key));
	f.has_d2 = f.has_ratio = true;
	for (int i = 0; i < WEFT_GD2_BYTES; i += 2)
		f.d2[i] = 1;
	f.ratio[0] = 100000 * k;	/* apart: not similar */
	f.ratio[1] = 100000;
	weft_record_init(&r);
	r.type = WEFT_REC_GEOM;
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, design, 32);
	r.on_rev.ids = ids;
	r.on_rev.n = 1;
	r.ngfacts = 1;
	r.gfacts = &f;
	sign(&r, a, e);
	free(ids);
}

static int
list_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	uint8_t	(*got)[32] = arg;

	(void)data;
	(void)len;
	memcpy(got[0], id, 32);
	return 0;
}

static void
check_order(const struct env *v, const int *order)
{
	struct weft_store		*s;
	struct weft_store_similar	 out[8];
	struct weft_store_geom_filter	 f;
	struct weft_buf			 b;
	char				 dir[] = "/tmp/test-store-geom.XXXXXX";
	char				 cmd[64];
	uint8_t				 got[1][32];
	uint64_t			 total;
	bool				 exact;
	size_t				 n;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	for (int i = 0; i < NREC; i++)
		assert_int_equal(weft_store_record_put(s, v[order[i]].data,
		    v[order[i]].len, NULL), 0);
	/* D's current record: its author's newest (v[2]), not v[1], v[3]. */
	weft_buf_init(&b, WEFT_RECORD_MAX);
	assert_int_equal(weft_store_design_geom(s, v[0].id, &b), 0);
	assert_true(b.len == v[2].len);
	assert_memory_equal(b.data, v[2].data, b.len);
	weft_buf_reset(&b);
	assert_int_equal(weft_store_rev_geom(s, v[0].id, &b), 0);
	assert_memory_equal(b.data, v[2].data, b.len);
	weft_buf_release(&b);
	/* Key 2 is shared with E; key 1 (replaced) with F; key 3 (the
	 * stranger's) with nobody's current record. */
	assert_int_equal(weft_store_geom_similar(s, v[0].id, 0.99, out, 8,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(out[0].design, v[4].id, 32);
	assert_true(out[0].identical);
	assert_memory_equal(out[0].author, pk[1], 32);
	assert_int_equal(weft_store_geom_similar(s, v[6].id, 0.99, out, 8,
	    &n), 0);
	assert_int_equal(n, 0);
	/* Fits: D is 50 mm long now (it was 10): not in 20 mm. */
	memset(&f, 0, sizeof(f));
	f.fits_on = true;
	f.fits[0] = 20000;
	f.fits[1] = f.fits[2] = 20000;
	memset(got, 0, sizeof(got));
	assert_int_equal(weft_store_geom_list(s, &f, 0, 0, &total, &exact,
	    list_cb, got), 0);
	assert_true(total == 1 && exact);
	assert_memory_equal(got[0], v[6].id, 32);
	f.fits[0] = 60000;
	assert_int_equal(weft_store_geom_list(s, &f, 0, 0, &total, &exact,
	    list_cb, got), 0);
	assert_true(total == 3);
	weft_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_any_order(void **state)
{
	struct env	*v;
	int		 order[NREC];

	(void)state;
	v = calloc(NREC, sizeof(*v));
	assert_non_null(v);
	/* D by 0; its geom records: older key 1, newer key 2; a stranger's
	 * newest (key 3); E by 1 with key 2; F by 2 with key 1, 15 mm. */
	rev(0, "D", 1000, &v[0]);
	geom(0, v[0].id, v[0].id, 1000, 1, 10000, &v[1]);
	geom(0, v[0].id, v[0].id, 2000, 2, 50000, &v[2]);
	geom(1, v[0].id, v[0].id, 3000, 3, 1000, &v[3]);
	rev(1, "E", 1500, &v[4]);
	geom(1, v[4].id, v[4].id, 1500, 2, 40000, &v[5]);
	rev(2, "F", 1600, &v[6]);
	geom(2, v[6].id, v[6].id, 1600, 1, 15000, &v[7]);
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < NREC; i++)
			order[i] = round == 1 ? NREC - 1 - i : i;
		for (int i = NREC - 1; round > 1 && i > 0; i--) {
			int	j = (int)randombytes_uniform((uint32_t)i + 1);
			int	t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		check_order(v, order);
	}
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_order),
	};

	if (sodium_init() < 0)
		return 1;
	for (int a = 0; a < 3; a++)
		crypto_sign_keypair(pk[a], sk[a]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
