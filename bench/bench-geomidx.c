/*
 * bench-geomidx: `weft similar` and fit queries over a geometry index of
 * N designs (default 1,000,000), beside a full scan of the same tables
 * in the same run (what the queries would cost without their indexes).
 *
 *   bench-geomidx [DESIGNS] [DIR]     (default 1000000, $TMPDIR or /tmp)
 *
 * A fresh store in DIR gets 21 real designs through the store's ingest
 * (a revision and its signed geom record each): the design asked about,
 * ten re-uploads of it (identical key, D2 within a few percent) and ten
 * designs with other keys and close signatures. The other DESIGNS rows
 * are written straight into the geometry tables with LMDB, as
 * docs/proto/store.md "Geometry" lays them out (geom_sim, geom_key,
 * geom_fit), from a seeded model: D2 histograms are Gaussian bumps
 * (mean bin ~ N(20, 5), width 3..8 bins), ratios r0 ~ U(0.05, 1),
 * r1 ~ U(0.01, r0); largest extents log-uniform 5..400 mm, the others
 * 0.2..1 and 0.05..1 of the one before; volumes 10..60 % of the box;
 * triangles log-uniform 100..2,000,000. Each query runs 5 times; the
 * median wall time is printed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/record.h"

#include "bench.h"
#include "store.h"

#define RUNS	5
#define D2N	64

static uint64_t	rng = 0x9e3779b97f4a7c15;

static uint64_t
next(void)
{
	uint64_t	z = (rng += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

static double
unif(double a, double b)
{
	return a + (b - a) * (double)(next() >> 11) / 9007199254740992.0;
}

static double
gauss(void)
{
	double	u = unif(1e-12, 1), v = unif(0, 1);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void
be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void
be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* A D2 histogram: a bump at mu of width sd, 16,384 counts in all. */
static void
d2_make(double mu, double sd, uint8_t out[2 * D2N])
{
	double		w[D2N], sum = 0;
	unsigned	c[D2N], tot = 0;
	int		top = 0;

	for (int i = 0; i < D2N; i++) {
		w[i] = exp(-0.5 * ((i - mu) / sd) * ((i - mu) / sd)) + 1e-3;
		sum += w[i];
	}
	for (int i = 0; i < D2N; i++) {
		c[i] = (unsigned)(16384 * w[i] / sum);
		tot += c[i];
		if (c[i] > c[top])
			top = i;
	}
	c[top] += 16384 - tot;
	for (int i = 0; i < D2N; i++) {
		out[2 * i] = (uint8_t)(c[i] >> 8);
		out[2 * i + 1] = (uint8_t)c[i];
	}
}

/* The bucket of docs/proto/store.md "Geometry". */
static void
bucket(const uint8_t *d2, uint32_t r0, uint32_t r1, uint8_t b[3])
{
	double	s = 0, w = 0, m;
	int	c;

	for (int i = 0; i < D2N; i++) {
		unsigned x = (unsigned)d2[2 * i] << 8 | d2[2 * i + 1];

		s += (double)i * x;
		w += x;
	}
	m = w > 0 ? s / w : -1;
	c = (int)floor(m);
	b[0] = (uint8_t)(c < 0 ? 0 : c > 255 ? 255 : c);
	c = (int)floor(r0 / 1e6 * 20);
	b[1] = (uint8_t)(c < 0 ? 0 : c > 20 ? 20 : c);
	c = (int)floor(r1 / 1e6 * 20);
	b[2] = (uint8_t)(c < 0 ? 0 : c > 20 ? 20 : c);
}

struct shape {
	uint8_t		key[64];
	uint8_t		d2[128];
	uint32_t	ratio[2];
	uint64_t	e[3], volume, triangles;
};

static void
shape_random(struct shape *sh)
{
	double	mu = 20 + 5 * gauss(), sd = unif(3, 8), r0 = unif(0.05, 1);
	double	e0 = exp(unif(log(5), log(400)));

	for (int i = 0; i < 64; i++)
		sh->key[i] = (uint8_t)next();
	d2_make(mu < 2 ? 2 : mu > 60 ? 60 : mu, sd, sh->d2);
	sh->ratio[0] = (uint32_t)(r0 * 1e6);
	sh->ratio[1] = (uint32_t)(unif(0.01, r0) * 1e6);
	sh->e[0] = (uint64_t)(e0 * 1000);
	sh->e[1] = (uint64_t)(sh->e[0] * unif(0.2, 1));
	sh->e[2] = (uint64_t)(sh->e[1] * unif(0.05, 1));
	sh->volume = (uint64_t)((double)sh->e[0] * sh->e[1] / 1e6 *
	    sh->e[2] * unif(0.1, 0.6));
	sh->triangles = (uint64_t)exp(unif(log(100), log(2000000)));
}

/* Signs and stores a genesis revision and its geom record for sh. */
static void
design_put(struct weft_store *s, const struct weft_keypair *k,
    const char *title, const struct shape *sh, uint64_t ts,
    uint8_t design[32])
{
	struct weft_record	 r, g;
	struct weft_geom_fact	 f;
	struct weft_buf		 body, env;
	uint8_t			 gid[32];
	int			 err;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, k->pk, 32);
	r.ts = ts;
	r.title = (char *)title;
	r.description = (char *)"";
	r.license = (char *)"MIT";
	r.message = (char *)"";
	r.nfiles = 1;
	r.files = calloc(1, sizeof(*r.files));
	r.files[0].path = (char *)"part.stl";
	r.files[0].size = 84 + 50 * sh->triangles;
	randombytes_buf(r.files[0].hash, 32);
	randombytes_buf(r.files[0].index, 32);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(&r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, k->sk, &env);
	if (err == 0)
		err = weft_store_record_put(s, env.data, env.len, design);
	if (err) {
		fprintf(stderr, "bench-geomidx: rev: %s\n", weft_strerror(err));
		exit(1);
	}
	memset(&f, 0, sizeof(f));
	f.path = r.files[0].path;
	memcpy(f.hash, r.files[0].hash, 32);
	f.format = (char *)"stl";
	f.note = (char *)"";
	f.unit = (char *)"millimeter";
	f.open = (char *)"";
	f.triangles = sh->triangles;
	memcpy(f.box, sh->e, sizeof(f.box));
	memcpy(f.extents, sh->e, sizeof(f.extents));
	f.area = 100;
	f.closed = true;
	f.volume = sh->volume;
	f.parts = 1;
	f.has_key = f.has_d2 = f.has_ratio = true;
	memcpy(f.key, sh->key, 64);
	memcpy(f.d2, sh->d2, 128);
	memcpy(f.ratio, sh->ratio, sizeof(f.ratio));
	weft_record_init(&g);
	g.type = WEFT_REC_GEOM;
	memcpy(g.author, k->pk, 32);
	g.ts = ts;
	g.has_design = true;
	memcpy(g.design, design, 32);
	g.on_rev.n = 1;
	g.on_rev.ids = (uint8_t (*)[32])design;
	g.ngfacts = 1;
	g.gfacts = &f;
	weft_buf_reset(&body);
	weft_buf_reset(&env);
	err = weft_record_encode_body(&g, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, k->sk, &env);
	if (err == 0)
		err = weft_store_record_put(s, env.data, env.len, gid);
	if (err) {
		fprintf(stderr, "bench-geomidx: geom: %s\n",
		    weft_strerror(err));
		exit(1);
	}
	free(r.files);
	weft_buf_release(&body);
	weft_buf_release(&env);
}

static void
check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "bench-geomidx: %s: %s\n", what,
		    mdb_strerror(rc));
		exit(1);
	}
}

/* The synthetic rows, straight into LMDB. */
static void
rows_fill(const char *dir, size_t n)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 sim, key, fit;
	MDB_val		 k, v;
	struct shape	 sh;
	uint8_t		 sk[3 + 32 + 1], sv[136], kk[64], fk[40], fv[32];
	uint8_t		 design[32];

	check(mdb_env_create(&env), "env");
	check(mdb_env_set_maxdbs(env, 64), "maxdbs");
	check(mdb_env_set_mapsize(env, (size_t)16 << 30), "mapsize");
	check(mdb_env_open(env, dir, MDB_NOSYNC, 0600), "open");
	for (size_t i = 0; i < n; i++) {
		if (i % 100000 == 0) {
			if (i > 0)
				check(mdb_txn_commit(txn), "commit");
			check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
			check(mdb_dbi_open(txn, "geom_sim", 0, &sim), "sim");
			check(mdb_dbi_open(txn, "geom_key", 0, &key), "key");
			check(mdb_dbi_open(txn, "geom_fit", 0, &fit), "fit");
		}
		shape_random(&sh);
		for (int j = 0; j < 32; j++)
			design[j] = (uint8_t)next();
		bucket(sh.d2, sh.ratio[0], sh.ratio[1], sk);
		memcpy(sk + 3, design, 32);
		sk[35] = 0;
		memcpy(sv, sh.d2, 128);
		be32(sv + 128, sh.ratio[0]);
		be32(sv + 132, sh.ratio[1]);
		k.mv_data = sk;
		k.mv_size = sizeof(sk);
		v.mv_data = sv;
		v.mv_size = sizeof(sv);
		check(mdb_put(txn, sim, &k, &v, 0), "put sim");
		for (int g = 0; g < 2; g++) {
			memcpy(kk, sh.key + 32 * g, 32);
			memcpy(kk + 32, design, 32);
			k.mv_data = kk;
			k.mv_size = 64;
			v.mv_data = (void *)"";
			v.mv_size = 0;
			check(mdb_put(txn, key, &k, &v, 0), "put key");
		}
		be64(fk, sh.e[0]);
		memcpy(fk + 8, design, 32);
		be64(fv, sh.e[1]);
		be64(fv + 8, sh.e[2]);
		be64(fv + 16, sh.volume);
		be64(fv + 24, sh.triangles);
		k.mv_data = fk;
		k.mv_size = sizeof(fk);
		v.mv_data = fv;
		v.mv_size = sizeof(fv);
		check(mdb_put(txn, fit, &k, &v, 0), "put fit");
	}
	check(mdb_txn_commit(txn), "commit");
	mdb_env_sync(env, 1);
	mdb_env_close(env);
}

/* Full scans, as a query without its index would read. */
static size_t
scan(const char *dir, const char *name, const struct shape *q,
    const struct weft_store_geom_filter *f)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 hits = 0;
	int		 rc;

	check(mdb_env_create(&env), "env");
	check(mdb_env_set_maxdbs(env, 64), "maxdbs");
	check(mdb_env_open(env, dir, MDB_RDONLY, 0600), "open");
	check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "begin");
	check(mdb_dbi_open(txn, name, 0, &dbi), "dbi");
	check(mdb_cursor_open(txn, dbi, &c), "cursor");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t	*p = v.mv_data;

		if (q != NULL) {
			double l1 = 0;

			for (int i = 0; i < D2N; i++) {
				int a = q->d2[2 * i] << 8 | q->d2[2 * i + 1];
				int b = p[2 * i] << 8 | p[2 * i + 1];

				l1 += abs(a - b);
			}
			hits += l1 / 16384 < 0.3;
		} else {
			const uint8_t	*kp = k.mv_data;
			uint64_t	 e0 = 0, e1 = 0, e2 = 0;

			for (int i = 0; i < 8; i++) {
				e0 = e0 << 8 | kp[i];
				e1 = e1 << 8 | p[i];
				e2 = e2 << 8 | p[8 + i];
			}
			hits += e0 <= f->fits[0] && e1 <= f->fits[1] &&
			    e2 <= f->fits[2];
		}
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return hits;
}

static int
dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
count_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	(void)id;
	(void)data;
	(void)len;
	(*(size_t *)arg)++;
	return 0;
}

static void
fit_query(struct weft_store *s, const char *name, uint64_t x, uint64_t y,
    uint64_t z, uint64_t maxvol, size_t limit)
{
	struct weft_store_geom_filter	f;
	double				t[RUNS], t0;
	uint64_t			total;
	bool				exact;
	size_t				n = 0;

	memset(&f, 0, sizeof(f));
	f.fits_on = true;
	f.fits[0] = x;
	f.fits[1] = y;
	f.fits[2] = z;
	f.max_volume = maxvol;
	for (int r = 0; r < RUNS; r++) {
		n = 0;
		t0 = now();
		if (weft_store_geom_list(s, &f, 0, limit, &total, &exact,
		    count_cb, &n) != 0) {
			fprintf(stderr, "bench-geomidx: fit query failed\n");
			exit(1);
		}
		t[r] = now() - t0;
	}
	qsort(t, RUNS, sizeof(t[0]), dcmp);
	printf("fit %-28s %8.2f ms  (%zu listed, %llu matched%s)\n", name,
	    t[RUNS / 2] * 1e3, n, (unsigned long long)total,
	    exact ? "" : ", stopped at the page");
}

int
main(int argc, char **argv)
{
	struct weft_store		*s;
	struct weft_keypair		 k;
	struct weft_store_similar	 out[50];
	struct weft_store_geom_filter	 f;
	struct shape			 q, o;
	const char			*tmp = getenv("TMPDIR");
	char				 dir[4096], cmd[4200], title[64];
	uint8_t				 qd[32], d[32];
	double				 t[RUNS], t0, tscan;
	size_t				 n = 1000000, got = 0, ident = 0, hits;

	if (argc > 1)
		n = strtoul(argv[1], NULL, 10);
	snprintf(dir, sizeof(dir), "%s/bench-geomidx.XXXXXX", argc > 2 ?
	    argv[2] : tmp != NULL ? tmp : "/tmp");
	if (sodium_init() < 0 || mkdtemp(dir) == NULL) {
		perror("bench-geomidx");
		return 1;
	}
	if (weft_store_open(&s, dir, NULL) != 0)
		return 1;
	shape_random(&q);
	d2_make(18, 5, q.d2);
	q.ratio[0] = 600000;
	q.ratio[1] = 250000;
	weft_key_generate(&k);
	design_put(s, &k, "The one asked about", &q, 1700000000000, qd);
	for (int i = 0; i < 20; i++) {
		o = q;
		if (i >= 10)	/* a close shape with another key */
			for (int j = 0; j < 64; j++)
				o.key[j] = (uint8_t)next();
		d2_make(18 + unif(-0.5, 0.5), 5 + unif(-0.3, 0.3), o.d2);
		o.ratio[0] = q.ratio[0] + (uint32_t)unif(0, 20000);
		weft_key_generate(&k);
		snprintf(title, sizeof(title), "Design %d", i);
		design_put(s, &k, title, &o, 1700000000001 + i, d);
	}
	weft_store_close(s);
	t0 = now();
	rows_fill(dir, n);
	printf("designs           %zu synthetic + 21 real, rows written in "
	    "%.1f s\n", n, now() - t0);
	if (weft_store_open(&s, dir, NULL) != 0)
		return 1;

	for (int r = 0; r < RUNS; r++) {
		t0 = now();
		if (weft_store_geom_similar(s, qd, 0.85, out, 50, &got) != 0) {
			fprintf(stderr, "bench-geomidx: similar failed\n");
			return 1;
		}
		t[r] = now() - t0;
	}
	printf("similar runs     ");
	for (int r = 0; r < RUNS; r++)
		printf(" %.2f", t[r] * 1e3);
	printf(" ms\n");
	qsort(t, RUNS, sizeof(t[0]), dcmp);
	for (size_t i = 0; i < got; i++)
		ident += out[i].identical;
	printf("similar           %8.2f ms  (%zu found, %zu identical)\n",
	    t[RUNS / 2] * 1e3, got, ident);
	t0 = now();
	hits = scan(dir, "geom_sim", &q, NULL);
	tscan = now() - t0;
	printf("scan geom_sim     %8.2f ms  (every signature's L1; %zu "
	    "close): %.0f x similar\n", tscan * 1e3, hits,
	    tscan / t[RUNS / 2]);

	fit_query(s, "220x220x250, page of 20", 250000, 220000, 220000, 0,
	    20);
	fit_query(s, "60x40x20, page of 20", 60000, 40000, 20000, 0, 20);
	fit_query(s, "300x300x3 (flat), page of 20", 300000, 300000, 3000,
	    0, 20);
	fit_query(s, "60x40x20 <= 1 cm3, page", 60000, 40000, 20000,
	    1000000, 20);
	fit_query(s, "20x20x20, all", 20000, 20000, 20000, 0, 0);
	fit_query(s, "220x220x250, all (count)", 250000, 220000, 220000, 0,
	    0);
	memset(&f, 0, sizeof(f));
	f.fits[0] = 60000;
	f.fits[1] = 40000;
	f.fits[2] = 20000;
	t0 = now();
	hits = scan(dir, "geom_fit", NULL, &f);
	printf("scan geom_fit     %8.2f ms  (60x40x20 by every row: %zu)\n",
	    (now() - t0) * 1e3, hits);
	weft_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench-geomidx: could not remove %s\n", dir);
	return 0;
}
