/*
 * bench-gc: how long weft gc takes on a big store, and how long a
 * status probe waits meanwhile.
 *
 *   bench-gc [--designs N] [--chunks K] [--orphans M] [--size B] [--evict]
 *	builds a store in a temporary directory holding N designs (by 16
 *	other authors, kept under mirror all) of one file each, an index
 *	and K data chunks of B bytes (defaults 100000, 8, 64: 900,000 kept
 *	chunks), fetched as weftd fetches them, and M orphans (default
 *	100,000) as an interrupted publish leaves them (chunks with old
 *	pending marks). Then, in one run:
 *	  - a plain LMDB cursor walk over the chunks table (keys and values),
 *	    the floor any gc's sweep pays;
 *	  - weft_store_gc() on a thread, while the main thread probes what
 *	    weft status reads from the store (weft_store_stats() and
 *	    weft_store_missing_stats(), as status does on the loop) every
 *	    millisecond, keeping the worst and the 99th percentile latency.
 *	Checks that gc freed exactly the orphans and kept every other chunk.
 *	With --evict the gc is max-store's eviction (evict_to 1: every
 *	unkept chunk may go), which also plans every design with a last
 *	use (all of them: fetching notes it) before it sweeps.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "clock.h"
#include "store.h"
#include "bench.h"

#define T0		UINT64_C(1700000000000)
#define NAUTHORS	16
#define CHUNK_MAX	4096
#define KMAX		64

struct bench {
	size_t			 designs, k, orphans, size;
	uint8_t			 salt[16];
	uint8_t			 pk[NAUTHORS][crypto_sign_PUBLICKEYBYTES];
	uint8_t			 sk[NAUTHORS][crypto_sign_SECRETKEYBYTES];
	struct weft_clock	 clock;
	struct weft_store	*s;
	char			 dir[64];
};

static void __attribute__((noreturn))
die(const char *what, int err)
{
	fprintf(stderr, "bench-gc: %s: %s\n", what, weft_strerror(err));
	exit(1);
}

/* Data chunk j of design i (or orphan i when j == KMAX). */
static void
chunk_fill(const struct bench *b, uint8_t *out, size_t i, size_t j)
{
	memset(out, 0, b->size);
	memcpy(out, b->salt, 16);
	memcpy(out + 16, &i, sizeof(i));
	memcpy(out + 24, &j, sizeof(j));
}

/* The index of design i's file, into idx; its id into id. */
static void
index_make(const struct bench *b, size_t i, struct weft_buf *idx,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_chunk_ref	refs[KMAX];
	uint8_t			c[CHUNK_MAX];
	int			err;

	for (size_t j = 0; j < b->k; j++) {
		chunk_fill(b, c, i, j);
		weft_hash(c, b->size, refs[j].id);
		refs[j].size = (uint32_t)b->size;
	}
	idx->len = 0;
	err = weft_index_encode(refs, b->k, idx);
	if (err)
		die("index", err);
	weft_hash(idx->data, idx->len, id);
}

static void
rev_make(const struct bench *b, size_t i, const uint8_t index[WEFT_ID_BYTES],
    struct weft_buf *env)
{
	struct weft_record	r;
	struct weft_buf		body;
	char			title[32];
	int			err;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, b->pk[i % NAUTHORS], WEFT_PK_BYTES);
	r.ts = T0 + i;
	snprintf(title, sizeof(title), "design %zu", i);
	r.title = strdup(title);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	r.files = calloc(1, sizeof(*r.files));
	if (r.files == NULL)
		die("records", -ENOMEM);
	r.files[0].path = strdup("part.stl");
	r.files[0].size = b->k * b->size;
	memcpy(r.files[0].hash, index, WEFT_ID_BYTES);
	memcpy(r.files[0].index, index, WEFT_ID_BYTES);
	r.nfiles = 1;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(&r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, b->sk[i % NAUTHORS],
		    env);
	if (err)
		die("sign", err);
	weft_buf_release(&body);
	weft_record_release(&r);
}

/* Stores designs [from, to): their records, then their chunks. */
static void
designs_put(struct bench *b, size_t from, size_t to)
{
	struct weft_slice	*sl;
	struct weft_buf		*envs, *idxs, idx;
	struct weft_store_fetched *it;
	uint8_t			(*ids)[WEFT_ID_BYTES], *data;
	int			*res;
	size_t			 n = to - from, per = b->k + 1, m;
	int			 err;

	sl = calloc(n, sizeof(*sl));
	envs = calloc(n, sizeof(*envs));
	ids = calloc(n, sizeof(*ids));
	res = calloc(n * per, sizeof(*res));
	it = calloc(n * per, sizeof(*it));
	data = malloc(n * b->k * b->size);
	if (!sl || !envs || !ids || !res || !it || !data)
		die("designs", -ENOMEM);
	weft_buf_init(&idx, WEFT_INDEX_MAX);
	m = 0;
	for (size_t i = 0; i < n; i++) {
		index_make(b, from + i, &idx, ids[i]);
		rev_make(b, from + i, ids[i], &envs[i]);
		sl[i].data = envs[i].data;
		sl[i].len = envs[i].len;
	}
	err = weft_store_records_put(b->s, sl, n, res, NULL);
	if (err)
		die("records_put", err);
	for (size_t i = 0; i < n; i++)
		if (res[i] != 0)
			die("record", res[i]);
	/* The indexes first (they list the chunks), then the chunks. */
	idxs = calloc(n, sizeof(*idxs));
	if (idxs == NULL)
		die("indexes", -ENOMEM);
	for (size_t i = 0; i < n; i++) {
		weft_buf_init(&idxs[i], WEFT_INDEX_MAX);
		index_make(b, from + i, &idxs[i], ids[i]);
		it[i].id = ids[i];
		it[i].data = idxs[i].data;
		it[i].len = idxs[i].len;
	}
	err = weft_store_chunks_put_fetched(b->s, it, n, res);
	for (size_t i = 0; err == 0 && i < n; i++)
		if (res[i] != 0)
			err = res[i];
	if (err)
		die("index put", err);
	for (size_t i = 0; i < n; i++)
		weft_buf_release(&idxs[i]);
	free(idxs);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < b->k; j++) {
			uint8_t	*c = data + (i * b->k + j) * b->size;

			chunk_fill(b, c, from + i, j);
			it[m].id = (uint8_t *)malloc(WEFT_ID_BYTES);
			if (it[m].id == NULL)
				die("ids", -ENOMEM);
			weft_hash(c, b->size, (uint8_t *)it[m].id);
			it[m].data = c;
			it[m].len = b->size;
			m++;
		}
	err = weft_store_chunks_put_fetched(b->s, it, m, res);
	if (err)
		die("chunks put", err);
	for (size_t i = 0; i < m; i++) {
		if (res[i] != 0)
			die("chunk", res[i]);
		free((void *)it[i].id);
	}
	weft_buf_release(&idx);
	for (size_t i = 0; i < n; i++)
		weft_buf_release(&envs[i]);
	free(sl);
	free(envs);
	free(ids);
	free(res);
	free(it);
	free(data);
}

static void
orphans_put(struct bench *b)
{
	struct weft_chunk_put	*p;
	uint8_t			*data;
	size_t			 batch = 8192;
	int			 err;

	p = calloc(batch, sizeof(*p));
	data = malloc(batch * b->size);
	if (p == NULL || data == NULL)
		die("orphans", -ENOMEM);
	for (size_t i = 0; i < b->orphans; i += batch) {
		size_t	n = b->orphans - i < batch ? b->orphans - i : batch;

		for (size_t j = 0; j < n; j++) {
			chunk_fill(b, data + j * b->size, i + j, KMAX);
			p[j].data = data + j * b->size;
			p[j].len = b->size;
			weft_hash(p[j].data, p[j].len, p[j].id);
		}
		err = weft_store_chunks_put(b->s, p, n);
		if (err)
			die("orphans put", err);
	}
	free(p);
	free(data);
}

/* A plain LMDB walk of the chunks table, keys and values touched. */
static double
plain_walk(const char *dir, uint64_t *n)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint64_t	 sum = 0;
	double		 t;

	*n = 0;
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 64) ||
	    mdb_env_open(env, dir, MDB_RDONLY, 0600) ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) ||
	    mdb_dbi_open(txn, "chunks", 0, &dbi) ||
	    mdb_cursor_open(txn, dbi, &c))
		die("plain walk", WEFT_ECORRUPT);
	t = now();
	while (mdb_cursor_get(c, &k, &v, *n ? MDB_NEXT : MDB_FIRST) == 0) {
		sum += ((const uint8_t *)k.mv_data)[0] +
		    ((const uint8_t *)v.mv_data)[v.mv_size - 1];
		(*n)++;
	}
	t = now() - t;
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	if (sum == 0 && *n > 0)
		fprintf(stderr, "(sum 0)\n");
	return t;
}

struct gc_run {
	struct weft_store		*s;
	struct weft_store_gc_stats	 st;
	int				 err;
	double				 secs;
	bool				 evict;
	volatile int			 done;
};

static void *
gc_thread(void *arg)
{
	struct gc_run			*g = arg;
	struct weft_store_gc_opts	 o;
	double				 t = now();

	memset(&o, 0, sizeof(o));
	o.grace_ms = WEFT_STORE_GC_GRACE_MS;
	o.evict_to = g->evict ? 1 : 0;
	g->err = weft_store_gc(g->s, &o, &g->st);
	g->secs = now() - t;
	__atomic_store_n(&g->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct bench		 b;
	struct weft_store_opts	 so;
	struct weft_store_stats	 st;
	struct weft_store_missing ms;
	struct gc_run		 g;
	pthread_t		 th;
	double			 t, walk, *lat, worst = 0;
	size_t			 nlat = 0, cap = 1 << 20, step = 4096;
	uint64_t		 walked;
	char			 cmd[128];
	bool			 evict = false;
	int			 err;

	memset(&b, 0, sizeof(b));
	b.designs = 100000;
	b.k = 8;
	b.orphans = 100000;
	b.size = 64;
	for (int i = 1; i < argc; i += 2) {
		if (strcmp(argv[i], "--evict") == 0) {
			evict = true;
			i--;
			continue;
		}
		if (i + 1 == argc) {
			fprintf(stderr, "bench-gc: %s needs a value\n",
			    argv[i]);
			return 2;
		}
		if (strcmp(argv[i], "--designs") == 0)
			b.designs = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--chunks") == 0)
			b.k = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--orphans") == 0)
			b.orphans = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--size") == 0)
			b.size = strtoul(argv[i + 1], NULL, 10);
		else {
			fprintf(stderr, "usage: bench-gc [--designs N] "
			    "[--chunks K] [--orphans M] [--size B] "
			    "[--evict]\n");
			return 2;
		}
	}
	if (b.k < 1 || b.k > KMAX || b.size < 32 || b.size > CHUNK_MAX ||
	    b.designs < 1) {
		fprintf(stderr, "bench-gc: 1 <= K <= %d, 32 <= B <= %d\n",
		    KMAX, CHUNK_MAX);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(b.salt, sizeof(b.salt));
	for (int i = 0; i < NAUTHORS; i++)
		crypto_sign_keypair(b.pk[i], b.sk[i]);
	strcpy(b.dir, "/tmp/weft-bench-gc-XXXXXX");
	if (mkdtemp(b.dir) == NULL)
		die("mkdtemp", -errno);
	weft_clock_set(&b.clock, T0);
	memset(&so, 0, sizeof(so));
	so.clock = &b.clock;
	err = weft_store_open(&b.s, b.dir, &so);
	if (err)
		die("open", err);
	err = weft_store_policy_set(b.s, WEFT_STORE_MIRROR_ALL, NULL, true);
	if (err)
		die("mirror all", err);

	t = now();
	for (size_t i = 0; i < b.designs; i += step)
		designs_put(&b, i, i + step < b.designs ? i + step : b.designs);
	orphans_put(&b);
	err = weft_store_stats(b.s, &st);
	if (err)
		die("stats", err);
	printf("built: %zu designs, %llu chunks (%zu orphans) of %zu bytes, "
	    "map %.0f MB, in %.1f s\n", b.designs,
	    (unsigned long long)st.chunks, b.orphans, b.size,
	    (double)st.map_used / 1e6, now() - t);
	weft_store_close(b.s);

	/* The floor: a plain walk of the same table, page cache warm. */
	plain_walk(b.dir, &walked);
	walk = plain_walk(b.dir, &walked);
	printf("plain LMDB walk of %llu chunks: %.3f s\n",
	    (unsigned long long)walked, walk);

	/* Past the orphans' grace. */
	weft_clock_set(&b.clock, T0 + 2 * WEFT_STORE_GC_GRACE_MS);
	err = weft_store_open(&b.s, b.dir, &so);
	if (err)
		die("reopen", err);
	lat = malloc(cap * sizeof(*lat));
	if (lat == NULL)
		die("lat", -ENOMEM);
	memset(&g, 0, sizeof(g));
	g.s = b.s;
	g.evict = evict;
	if (pthread_create(&th, NULL, gc_thread, &g) != 0)
		die("thread", -errno);
	while (!__atomic_load_n(&g.done, __ATOMIC_SEQ_CST)) {
		t = now();
		err = weft_store_stats(b.s, &st);
		if (err == 0)
			err = weft_store_missing_stats(b.s, &ms);
		if (err)
			die("probe", err);
		t = now() - t;
		if (nlat < cap)
			lat[nlat++] = t;
		if (t > worst)
			worst = t;
		usleep(1000);
	}
	pthread_join(th, NULL);
	if (g.err)
		die("gc", g.err);
	qsort(lat, nlat, sizeof(*lat), dbl_cmp);
	printf("%s: %.3f s, looked at %llu chunks, freed %llu (%llu bytes), "
	    "kept %llu\n", evict ? "gc (evict)" : "gc", g.secs,
	    (unsigned long long)g.st.chunks,
	    (unsigned long long)g.st.freed,
	    (unsigned long long)g.st.freed_bytes,
	    (unsigned long long)g.st.kept);
	printf("gc / plain walk: %.1fx\n", g.secs / walk);
	printf("status probes during gc: %zu, worst %.2f ms, p99 %.2f ms\n",
	    nlat, worst * 1e3, nlat ? lat[nlat * 99 / 100] * 1e3 : 0.0);
	err = weft_store_stats(b.s, &st);
	if (err)
		die("stats", err);
	if (g.st.freed != b.orphans ||
	    st.chunks != b.designs * (b.k + 1)) {
		fprintf(stderr, "bench-gc: WRONG: freed %llu of %zu orphans, "
		    "%llu chunks left\n", (unsigned long long)g.st.freed,
		    b.orphans, (unsigned long long)st.chunks);
		return 1;
	}
	printf("check: freed exactly the orphans, kept the rest\n");
	free(lat);
	weft_store_close(b.s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b.dir);
	return system(cmd) == 0 ? 0 : 1;
}
