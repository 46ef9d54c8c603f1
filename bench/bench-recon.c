/*
 * bench-recon: reconciles two in-memory sets of N items (default 100,000)
 * that differ by D (default 100, half on each side) and reports messages,
 * round trips, bytes and time, for the default parameters and a few
 * others (the first line is the default). The target for
 * 100,000 vs 100,000 differing by 100 is < 0.5 s, < 40 KB and <= 4 round
 * trips; round trips count a last message that needs no answer as half.
 *
 *   bench-recon [--items N] [--diff D]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/recon.h"

struct count {
	size_t	have, need;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
count_cb(void *arg, enum weft_recon_diff kind, const uint8_t *id)
{
	struct count	*c = arg;

	(void)id;
	if (kind == WEFT_RECON_HAVE)
		c->have++;
	else
		c->need++;
	return 0;
}

static int
run(struct weft_recon_vec *va, struct weft_recon_vec *vb,
    const struct weft_recon_opts *o, size_t da, size_t db)
{
	struct weft_recon	a, b, *to;
	struct weft_buf		m1, m2, *in, *out, *t;
	struct count		ca = { 0, 0 }, cb = { 0, 0 };
	uint64_t		msgs = 0, bytes = 0, ab = 0;
	double			t0, t1;
	int			err;

	if (weft_recon_init(&a, &weft_recon_vec_set, va, o, count_cb, &ca) ||
	    weft_recon_init(&b, &weft_recon_vec_set, vb, o, count_cb, &cb))
		return WEFT_EUSAGE;
	weft_buf_init(&m1, a.frame_max);
	weft_buf_init(&m2, a.frame_max);
	t0 = now();
	err = weft_recon_initiate(&a, &m1);
	in = &m1;
	out = &m2;
	to = &b;
	while (err == 0 && in->len > 0) {
		msgs++;
		bytes += in->len;
		if (to == &b)
			ab += in->len;
		weft_buf_reset(out);
		err = weft_recon_reconcile(to, in->data, in->len, out);
		to = to == &a ? &b : &a;
		t = in;
		in = out;
		out = t;
	}
	t1 = now();
	weft_buf_release(&m1);
	weft_buf_release(&m2);
	if (err)
		return err;
	printf("first %3u buckets %2u list %2u: %3llu msgs (%llu round trips), "
	    "%7llu bytes (%llu A->B), %.3f s, A: %zu have %zu need, "
	    "B: %zu have %zu need%s\n", a.first, a.buckets, a.list_max,
	    (unsigned long long)msgs, (unsigned long long)(msgs + 1) / 2,
	    (unsigned long long)bytes, (unsigned long long)ab, t1 - t0,
	    ca.have, ca.need, cb.have, cb.need,
	    ca.have == da && ca.need == db && cb.have == db && cb.need == da ?
	    "" : " MISMATCH");
	return 0;
}

int
main(int argc, char **argv)
{
	struct weft_recon_item	*ia, *ib;
	struct weft_recon_vec	 va, vb;
	struct weft_recon_opts	 o;
	size_t			 n = 100000, d = 100, da, db;
	/* first, buckets, list_max; the first line is the default. */
	static const uint32_t	 params[][3] = {
		{ WEFT_RECON_FIRST, WEFT_RECON_BUCKETS,
		    WEFT_RECON_LIST_DEFAULT },
		{ 16, 8, 8 }, { 64, 8, 8 }, { 128, 8, 8 }, { 32, 6, 8 },
		{ 32, 16, 8 }, { 64, 16, 8 }, { 32, 8, 4 }, { 32, 8, 16 },
	};

	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--items") == 0)
			n = strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--diff") == 0)
			d = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: bench-recon [--items N] "
			    "[--diff D]\n");
			return 2;
		}
	}
	if (sodium_init() < 0)
		return 1;
	da = d / 2;
	db = d - da;
	ia = calloc(n + da + 1, sizeof(*ia));
	ib = calloc(n + db + 1, sizeof(*ib));
	if (ia == NULL || ib == NULL)
		return 1;
	/* A year of records, about one every 5 minutes at 100,000. */
	for (size_t i = 0; i < n + da + db; i++) {
		struct weft_recon_item it;

		it.ts = UINT64_C(1700000000000) +
		    (uint64_t)randombytes_uniform(1000000000) * 31;
		randombytes_buf(it.id, sizeof(it.id));
		if (i < n) {
			ia[i] = it;
			ib[i] = it;
		} else if (i < n + da) {
			ia[i] = it;
		} else {
			ib[i - da] = it;
		}
	}
	if (weft_recon_vec_init(&va, ia, n + da) ||
	    weft_recon_vec_init(&vb, ib, n + db))
		return 1;
	printf("%zu vs %zu items, %zu only in A, %zu only in B\n", n + da,
	    n + db, da, db);
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		memset(&o, 0, sizeof(o));
		o.first = params[i][0];
		o.buckets = params[i][1];
		o.list_max = params[i][2];
		if (run(&va, &vb, &o, da, db) != 0)
			return 1;
	}
	weft_recon_vec_release(&va);
	weft_recon_vec_release(&vb);
	free(ia);
	free(ib);
	return 0;
}
