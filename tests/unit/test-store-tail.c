/*
 * The data file's tail (tail_prepare() in daemon/store/store.c, issue
 * 17.4): the pages past the used end are kept in the page cache as single
 * pages before LMDB appends to them, so that a later rewrite of one page
 * stays one page. Checks that the file is extended sparsely and never
 * past the map, that a store so extended reopens with everything in it,
 * and (where /proc/self/io exists) that rewriting a handful of pages
 * after the store grew by appends does not account whole large folios.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

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
#define NBATCH	300
#define NBIG	12	/* batches that grow the store */
#define NMAX	(NBATCH * NBIG + 64)

struct fx {
	char			 dir[64];
	struct weft_store	*s;
	uint8_t			 pk[WEFT_PK_BYTES];
	uint8_t			 sk[WEFT_SK_BYTES];
	struct weft_buf		*env;
	struct weft_slice	*sl;
	int			*res;
	uint8_t			(*ids)[WEFT_ID_BYTES];
	size_t			 n;
};

/* Appends a genesis with random file hashes and a long description. */
static void
add_genesis(struct fx *f, uint64_t ts)
{
	struct weft_record	 r;
	struct weft_buf		 body;
	char			 t[2100];

	assert_true(f->n < NMAX);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, f->pk, WEFT_PK_BYTES);
	r.ts = ts;
	snprintf(t, sizeof(t), "bracket %zu", f->n);
	r.title = strdup(t);
	/* Long, in few words: the records fill pages, not the word index. */
	for (size_t i = 0; i + 1 < sizeof(t); i++)
		t[i] = "printed part for the workshop "[i % 30];
	t[sizeof(t) - 1] = '\0';
	r.description = strdup(t);
	r.license = strdup("MIT");
	r.message = strdup("");
	r.files = calloc(2, sizeof(*r.files));
	assert_non_null(r.files);
	for (int i = 0; i < 2; i++) {
		r.files[i].path = strdup(i ? "b.stl" : "a.stl");
		r.files[i].size = 1000;
		randombytes_buf(r.files[i].hash, WEFT_ID_BYTES);
		randombytes_buf(r.files[i].index, WEFT_ID_BYTES);
	}
	r.nfiles = 2;
	weft_record_sort(&r);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&f->env[f->n], WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, f->sk,
	    &f->env[f->n]), 0);
	weft_record_id(body.data, body.len, f->ids[f->n]);
	weft_buf_release(&body);
	weft_record_release(&r);
	f->sl[f->n].data = f->env[f->n].data;
	f->sl[f->n].len = f->env[f->n].len;
	f->n++;
}

/* Adds k geneses and writes them in one batch. */
static void
put_batch(struct fx *f, size_t k)
{
	size_t	from = f->n;

	for (size_t i = 0; i < k; i++)
		add_genesis(f, TS0 + f->n * 1000);
	assert_int_equal(weft_store_records_put(f->s, f->sl + from, k,
	    f->res + from, NULL), 0);
	for (size_t i = from; i < f->n; i++)
		assert_int_equal(f->res[i], 0);
}

static int64_t
write_bytes(void)
{
	FILE	*fp = fopen("/proc/self/io", "r");
	char	 line[128];
	int64_t	 v = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "write_bytes:", 12) == 0)
			v = strtoll(line + 12, NULL, 10);
	}
	fclose(fp);
	return v;
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->env = calloc(NMAX, sizeof(*f->env));
	f->sl = calloc(NMAX, sizeof(*f->sl));
	f->res = calloc(NMAX, sizeof(*f->res));
	f->ids = calloc(NMAX, sizeof(*f->ids));
	assert_true(f->env && f->sl && f->res && f->ids);
	crypto_sign_keypair(f->pk, f->sk);
	strcpy(f->dir, "/var/tmp/weft-tail-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 p[128];

	weft_store_close(f->s);
	for (size_t i = 0; i < f->n; i++)
		weft_buf_release(&f->env[i]);
	snprintf(p, sizeof(p), "%s/data.mdb", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f->env);
	free(f->sl);
	free(f->res);
	free(f->ids);
	free(f);
	return 0;
}

static void
data_stat(struct fx *f, struct stat *st)
{
	char	p[128];

	snprintf(p, sizeof(p), "%s/data.mdb", f->dir);
	assert_int_equal(stat(p, st), 0);
}

static void
test_tail_sparse_reopen(void **state)
{
	struct fx		*f = *state;
	struct weft_store_stats	 ss;
	struct stat		 st;
	struct weft_buf		 b;

	for (int i = 0; i < 4; i++)
		put_batch(f, NBATCH);
	assert_int_equal(weft_store_stats(f->s, &ss), 0);
	data_stat(f, &st);
	/* A tail past the used end, within the map, not written. */
	assert_true((uint64_t)st.st_size > ss.map_used);
	assert_true((uint64_t)st.st_size <= ss.map_size);
	assert_true((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size);
	/* Reopened, with every record, and writable past the tail. */
	weft_store_close(f->s);
	f->s = NULL;
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	weft_buf_init(&b, WEFT_RECORD_MAX);
	for (size_t i = 0; i < f->n; i++) {
		b.len = 0;
		assert_int_equal(weft_store_record_get(f->s, f->ids[i], &b), 0);
		assert_int_equal(b.len, f->sl[i].len);
		assert_memory_equal(b.data, f->sl[i].data, b.len);
	}
	weft_buf_release(&b);
	for (int i = 0; i < 4; i++)
		put_batch(f, NBATCH);
	assert_int_equal(weft_store_stats(f->s, &ss), 0);
	assert_int_equal(ss.records, f->n);
}

/*
 * After the store grew by appends (LMDB writes runs of new pages with one
 * pwritev), a batch of 8 geneses dirties a few dozen scattered pages:
 * leaves of the tables keyed by id and hash. Accounted as single pages
 * that is well under 1 MiB; as the large folios a multi-page write into
 * an uncached range makes (ext4, Linux 6.16 and later), several MiB.
 */
static void
test_tail_rewrites_single_pages(void **state)
{
	struct fx	*f = *state;
	int64_t		 w0, w1;

	for (int i = 0; i < NBIG; i++)
		put_batch(f, NBATCH);
	w0 = write_bytes();
	if (w0 < 0)
		skip();
	put_batch(f, 8);
	w1 = write_bytes();
	print_message("8 records rewrote %lld bytes\n", (long long)(w1 - w0));
	assert_true(w1 - w0 < (INT64_C(1) << 20));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tail_sparse_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_rewrites_single_pages, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
