/*
 * bench-recon: reconciles two in-memory sets of N items (default 100,000)
 * that differ by D (default 100, half on each side) and reports messages,
 * round trips, bytes and time, for the default parameters and a few
 * others (the first line is the default). The target for
 * 100,000 vs 100,000 differing by 100 is < 0.5 s, < 40 KB and <= 4 round
 * trips; round trips count a last message that needs no answer as half.
 *
 *   bench-recon [--items N] [--diff D] [--span MS] [--store DIR]
 *
 * The items' ts are spread at random over MS milliseconds (default a
 * year, about one record every 5 minutes at 100,000); a short span (say
 * 100000: one record per millisecond) shows the cost of dense stretches.
 *
 * With --store, the same sets are also signed as records, stored in two
 * stores under DIR (which must exist and be empty) and reconciled over
 * their LMDB indexes (weft_store_recon_set), a read transaction per
 * message as weftd does; the time is the reconciliation's alone.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"
#include "weft/recon.h"

#include "store.h"
#include "bench.h"

#define BATCH	1000

struct count {
	size_t	have, need;
};


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

/* A side: its set, and for stores the store to open transactions on. */
struct side {
	const struct weft_recon_set	*set;
	void				*arg;
	struct weft_store		*st;
};

static int
feed(struct side *sd, struct weft_recon *r, struct weft_buf *in,
    struct weft_buf *out)
{
	struct weft_store_recon	*rc = NULL;
	int			 err;

	if (sd->st != NULL) {
		err = weft_store_recon_begin(sd->st, &rc);
		if (err)
			return err;
		r->set_arg = rc;
	}
	if (in == NULL)
		err = weft_recon_initiate(r, out);
	else
		err = weft_recon_reconcile(r, in->data, in->len, out);
	weft_store_recon_end(rc);
	return err;
}

static int
run(struct side *sa, struct side *sb, const struct weft_recon_opts *o,
    size_t da, size_t db)
{
	struct weft_recon	a, b, *to;
	struct weft_buf		m1, m2, *in, *out, *t;
	struct count		ca = { 0, 0 }, cb = { 0, 0 };
	uint64_t		msgs = 0, bytes = 0, ab = 0;
	double			t0, t1;
	int			err;

	if (weft_recon_init(&a, sa->set, sa->arg, o, count_cb, &ca) ||
	    weft_recon_init(&b, sb->set, sb->arg, o, count_cb, &cb))
		return WEFT_EUSAGE;
	weft_buf_init(&m1, a.frame_max);
	weft_buf_init(&m2, a.frame_max);
	t0 = now();
	err = feed(sa, &a, NULL, &m1);
	in = &m1;
	out = &m2;
	to = &b;
	while (err == 0 && in->len > 0) {
		msgs++;
		bytes += in->len;
		if (to == &b)
			ab += in->len;
		weft_buf_reset(out);
		err = feed(to == &a ? sa : sb, to, in, out);
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
	printf("%s", sa->st != NULL ? "stores: " : "");
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

/* A signed genesis record at ts; its id goes to id. */
static int
make_env(const uint8_t *pk, const uint8_t *sk, uint64_t ts, size_t i,
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body;
	char			t[48];
	int			err;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, pk, WEFT_PK_BYTES);
	r.ts = ts;
	snprintf(t, sizeof(t), "thing %zu", i);
	r.title = strdup(t);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(env, WEFT_RECORD_MAX);
	err = r.title && r.description && r.license && r.message ? 0 :
	    -ENOMEM;
	if (err == 0)
		err = weft_record_encode_body(&r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, sk, env);
	if (err == 0)
		weft_record_id(body.data, body.len, id);
	weft_buf_release(&body);
	weft_record_release(&r);
	return err;
}

/* Stores the records of items [from, to) of envs (ids checked). */
static int
put_all(struct weft_store *st, struct weft_buf *envs,
    const struct weft_recon_item *items, size_t from, size_t to)
{
	struct weft_slice	sl[BATCH];
	int			res[BATCH];
	uint8_t			ids[BATCH][WEFT_ID_BYTES];
	size_t			k;
	int			err;

	for (size_t i = from; i < to; i += k) {
		k = to - i < BATCH ? to - i : BATCH;
		for (size_t j = 0; j < k; j++) {
			sl[j].data = envs[i + j].data;
			sl[j].len = envs[i + j].len;
		}
		err = weft_store_records_put(st, sl, k, res, ids);
		if (err)
			return err;
		for (size_t j = 0; j < k; j++)
			if (res[j] != 0 || memcmp(ids[j], items[i + j].id,
			    WEFT_ID_BYTES) != 0)
				return res[j] != 0 ? res[j] : WEFT_ECORRUPT;
	}
	return 0;
}

/*
 * Signs all n + da + db items as records (replacing their random ids by
 * record ids), stores common + A's in DIR/a, common + B's in DIR/b.
 */
static int
make_stores(const char *dir, struct weft_recon_item *all, size_t n,
    size_t da, size_t db, struct weft_store **a, struct weft_store **b)
{
	struct weft_buf	*envs;
	uint8_t		 pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];
	char		 p[4096];
	size_t		 tot = n + da + db;
	int		 err = 0;

	envs = calloc(tot, sizeof(*envs));
	if (envs == NULL)
		return -ENOMEM;
	crypto_sign_keypair(pk, sk);
	for (size_t i = 0; i < tot && err == 0; i++)
		err = make_env(pk, sk, all[i].ts, i, &envs[i], all[i].id);
	snprintf(p, sizeof(p), "%s/a", dir);
	if (err == 0 && mkdir(p, 0700) != 0)
		err = -errno;
	if (err == 0)
		err = weft_store_open(a, p, NULL);
	snprintf(p, sizeof(p), "%s/b", dir);
	if (err == 0 && mkdir(p, 0700) != 0)
		err = -errno;
	if (err == 0)
		err = weft_store_open(b, p, NULL);
	if (err == 0)
		err = put_all(*a, envs, all, 0, n + da);
	if (err == 0)
		err = put_all(*b, envs, all, 0, n);
	if (err == 0)
		err = put_all(*b, envs, all, n + da, tot);
	for (size_t i = 0; i < tot; i++)
		weft_buf_release(&envs[i]);
	free(envs);
	return err;
}

int
main(int argc, char **argv)
{
	struct weft_recon_item	*ia, *ib, *all;
	struct weft_recon_vec	 va, vb;
	struct weft_store	*sta = NULL, *stb = NULL;
	struct side		 sa, sb;
	const char		*dir = NULL;
	int			 err;
	struct weft_recon_opts	 o;
	size_t			 n = 100000, d = 100, da, db;
	uint64_t		 span = UINT64_C(31000000000), r;
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
		else if (i + 1 < argc && strcmp(argv[i], "--span") == 0)
			span = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--store") == 0)
			dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench-recon [--items N] "
			    "[--diff D] [--span MS] [--store DIR]\n");
			return 2;
		}
	}
	if (sodium_init() < 0)
		return 1;
	da = d / 2;
	db = d - da;
	ia = calloc(n + da + 1, sizeof(*ia));
	ib = calloc(n + db + 1, sizeof(*ib));
	all = calloc(n + da + db + 1, sizeof(*all));
	if (ia == NULL || ib == NULL || all == NULL)
		return 1;
	if (span == 0) {
		fprintf(stderr, "bench-recon: --span must be > 0\n");
		return 2;
	}
	for (size_t i = 0; i < n + da + db; i++) {
		randombytes_buf(&r, sizeof(r));
		all[i].ts = UINT64_C(1700000000000) + r % span;
		randombytes_buf(all[i].id, sizeof(all[i].id));
	}
	if (dir != NULL) {
		err = make_stores(dir, all, n, da, db, &sta, &stb);
		if (err) {
			fprintf(stderr, "bench-recon: stores: %s\n",
			    weft_strerror(err));
			return 1;
		}
	}
	for (size_t i = 0; i < n + da + db; i++) {
		struct weft_recon_item it = all[i];

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
		sa = (struct side){ &weft_recon_vec_set, &va, NULL };
		sb = (struct side){ &weft_recon_vec_set, &vb, NULL };
		if (run(&sa, &sb, &o, da, db) != 0)
			return 1;
	}
	if (dir != NULL) {
		sa = (struct side){ &weft_store_recon_set, NULL, sta };
		sb = (struct side){ &weft_store_recon_set, NULL, stb };
		if (run(&sa, &sb, NULL, da, db) != 0)
			return 1;
		weft_store_close(sta);
		weft_store_close(stb);
	}
	free(all);
	weft_recon_vec_release(&va);
	weft_recon_vec_release(&vb);
	free(ia);
	free(ib);
	return 0;
}
