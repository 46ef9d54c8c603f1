/*
 * bench-ingest: how fast the store ingests signed records, against how
 * fast this machine can check Ed25519 signatures on both cores (the
 * replication target: ingest >= 75% of the 2-core verify rate).
 *
 *   bench-ingest [--records N] [--batch B] [--jobs J] [--rounds R]
 *       [--spacing MS] [--serial]
 *	generates N records (revision geneses with 1-3 file refs, and about
 *	one update in ten), then R rounds (default 3) of: libsodium's verify
 *	rate with 2 threads on those records, and an ingest of them in
 *	batches of B into a fresh store in a temporary directory, the way
 *	weftd's sync runs it (J jobs, default WEFT_SYNC_JOBS_MAX, sharing a
 *	weft_store_ingest queue). Prints records/s and the
 *	ratio per round, and the median ratio. Records are MS ms apart
 *	(default 1000; 1 is a bulk import). Each round also measures the
 *	floor: the same verification with only the two puts no store can
 *	do without, in plain LMDB (floor_rate()). --serial adds a first,
 *	uncounted round through weft_store_records_put(), one batch at a
 *	time, for comparison.
 *   bench-ingest --designs N --home DIR
 *	leaves a weftd home behind (author.key, node.key, store/) whose
 *	store holds N designs (geneses only) by the home's author, for
 *	benchmarking ls.
 *   bench-ingest --reactions M --home DIR [--batch B] [--jobs J] [--chunk C]
 *	adds M likes to the designs of that home's store (issue 12's
 *	benchmark), in batches of B (default WEFT_SYNC_BATCH_MAX, as weftd's
 *	sync writes them): 4,096 authors, each like of a design drawn so that a
 *	few designs get most (index = N x u^3, u uniform), signed on two
 *	threads; then the 2-core Ed25519 verify rate of those records, their
 *	ingest through the same pipeline as weftd's sync, and the verify
 *	rate again; prints the ingest rate against the mean verify rate.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/record.h"

#include "home.h"
#include "keyfile.h"
#include "store.h"
#include "sync.h"
#include "bench.h"

#define TS0		UINT64_C(1700000000000)
#define NAUTHORS	16
#define NREACTORS	4096	/* --reactions: authors who like */
#define TS_REACT	(TS0 + UINT64_C(100000000000000))
#define DOMAIN		"weft/record/v1"

struct gen {
	size_t			 n;
	uint64_t		 spacing;	/* ms between records */
	int			 designs_mode;	/* one author, all geneses first */
	uint8_t			 pk[NREACTORS][WEFT_PK_BYTES];
	uint8_t			*sk[NREACTORS];
	/* --reactions: the designs of the store, and which each likes. */
	uint8_t			(*designs)[WEFT_ID_BYTES];
	size_t			 ndesigns;
	uint32_t		*liked;
	size_t			 react_from;	/* like of g->env[0] */
	/* Plan: what record i is, decided up front so threads can sign. */
	uint32_t		*author;	/* author index */
	int64_t			*design;	/* -1: genesis, else record index */
	int64_t			*prev;
	struct weft_slice	*env;
	uint8_t			(*id)[WEFT_ID_BYTES];
};

static const char *const words[] = {
	"bracket", "mount", "hinge", "gear", "enclosure", "clip", "hook",
	"spool", "holder", "adapter", "fan", "duct", "knob", "case", "stand",
	"raspberry", "pi", "benchy", "vase", "planter", "organizer", "tray",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))



static void
die(const char *what, int err)
{
	fprintf(stderr, "bench-ingest: %s: %s\n", what, weft_strerror(err));
	exit(1);
}

static char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		die("strdup", -ENOMEM);
	return p;
}

/* Builds and signs record i of the plan. Deterministic in i. */
static void
make_record(struct gen *g, size_t i)
{
	struct weft_record	 r;
	struct weft_buf		 body, env;
	uint32_t		 h = (uint32_t)(i * 2654435761u);
	char			 t[128];
	uint32_t		 nf = 1 + h % 3, a = g->author[i];
	int			 err;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, g->pk[a], WEFT_PK_BYTES);
	r.ts = TS0 + (uint64_t)i * g->spacing;
	if (g->design[i] >= 0) {
		r.has_design = true;
		memcpy(r.design, g->id[g->design[i]], WEFT_ID_BYTES);
		r.prev.ids = malloc(WEFT_ID_BYTES);
		if (r.prev.ids == NULL)
			die("malloc", -ENOMEM);
		memcpy(r.prev.ids[0], g->id[g->prev[i]], WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	snprintf(t, sizeof(t), "%s %s %zu", words[h % NWORDS],
	    words[(h >> 8) % NWORDS], i);
	r.title = xstrdup(t);
	r.description = xstrdup("A part for the workshop, printed in PETG.");
	r.license = xstrdup("CC-BY-4.0");
	r.message = xstrdup(g->design[i] >= 0 ? "tweaks" : "");
	r.tags = calloc(1, sizeof(*r.tags));
	r.files = calloc(nf, sizeof(*r.files));
	if (r.tags == NULL || r.files == NULL)
		die("calloc", -ENOMEM);
	r.tags[0] = xstrdup(words[(h >> 16) % NWORDS]);
	r.ntags = 1;
	for (uint32_t f = 0; f < nf; f++) {
		snprintf(t, sizeof(t), "part-%u.stl", f);
		r.files[f].path = xstrdup(t);
		r.files[f].size = 1000 + h % 100000 + f;
		randombytes_buf(r.files[f].hash, WEFT_ID_BYTES);
		randombytes_buf(r.files[f].index, WEFT_ID_BYTES);
	}
	r.nfiles = nf;
	weft_record_sort(&r);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(&r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, g->sk[a], &env);
	if (err)
		die("encode", err);
	weft_record_id(body.data, body.len, g->id[i]);
	g->env[i].data = weft_buf_detach(&env, &g->env[i].len);
	weft_buf_release(&body);
	weft_record_release(&r);
}

/*
 * Updates depend on earlier ids, so signing runs in waves: all geneses of
 * a stretch first (two threads), then its updates.
 */
struct span {
	struct gen	*g;
	size_t		 from, to;
	int		 updates;	/* 0: geneses only, 1: updates only */
};

static void *
sign_span(void *arg)
{
	struct span	*sp = arg;

	for (size_t i = sp->from; i < sp->to; i++)
		if ((sp->g->design[i] >= 0) == sp->updates)
			make_record(sp->g, i);
	return NULL;
}

static void
run2(void *(*fn)(void *), struct span *a, struct span *b)
{
	pthread_t	t;

	if (pthread_create(&t, NULL, fn, b) != 0) {
		fn(b);
		fn(a);
		return;
	}
	fn(a);
	pthread_join(t, NULL);
}

static void
generate(struct gen *g)
{
	size_t	*last;		/* newest revision of each genesis */
	size_t	 ngen = 0;
	uint32_t r;
	struct span a, b;

	g->author = calloc(g->n, sizeof(*g->author));
	g->design = calloc(g->n, sizeof(*g->design));
	g->prev = calloc(g->n, sizeof(*g->prev));
	g->env = calloc(g->n, sizeof(*g->env));
	g->id = calloc(g->n, sizeof(*g->id));
	last = calloc(g->n, sizeof(*last));
	if (!g->author || !g->design || !g->prev || !g->env || !g->id ||
	    !last)
		die("calloc", -ENOMEM);
	/* About one update in ten, of a random earlier design. */
	for (size_t i = 0; i < g->n; i++) {
		r = randombytes_uniform(10);
		g->author[i] = g->designs_mode ? 0 :
		    randombytes_uniform(NAUTHORS);
		g->design[i] = -1;
		if (!g->designs_mode && ngen > 0 && r == 0) {
			size_t d = last[randombytes_uniform((uint32_t)ngen)];

			g->design[i] = g->design[d] >= 0 ? g->design[d] :
			    (int64_t)d;
			g->author[i] = g->author[d];
		}
		last[ngen++] = i;
	}
	/*
	 * last[] maps a genesis slot to its newest revision; rebuild it in
	 * record order so that each update names the one before it.
	 */
	for (size_t i = 0; i < g->n; i++)
		last[i] = i;
	for (size_t i = 0; i < g->n; i++) {
		if (g->design[i] < 0)
			continue;
		g->prev[i] = (int64_t)last[g->design[i]];
		last[g->design[i]] = i;
	}
	free(last);
	a = (struct span){ g, 0, g->n / 2, 0 };
	b = (struct span){ g, g->n / 2, g->n, 0 };
	run2(sign_span, &a, &b);
	/* Updates after every genesis: chains of updates are signed in order. */
	a.updates = 1;
	sign_span(&a);
	b.updates = 1;
	sign_span(&b);
}

/* Builds and signs like i of the plan (--reactions). */
static void
make_reaction(struct gen *g, size_t i)
{
	struct weft_record	 r;
	struct weft_buf		 body, env;
	uint32_t		 a = g->author[i];
	int			 err;

	weft_record_init(&r);
	r.type = WEFT_REC_REACTION;
	memcpy(r.author, g->pk[a], WEFT_PK_BYTES);
	r.ts = TS_REACT + g->react_from + i;
	r.has_design = true;
	memcpy(r.design, g->designs[g->liked[i]], WEFT_ID_BYTES);
	r.value = xstrdup("like");
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(&r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, g->sk[a], &env);
	if (err)
		die("encode", err);
	weft_record_id(body.data, body.len, g->id[i]);
	g->env[i].data = weft_buf_detach(&env, &g->env[i].len);
	weft_buf_release(&body);
	weft_record_release(&r);
}

static void *
react_span(void *arg)
{
	struct span	*sp = arg;

	for (size_t i = sp->from; i < sp->to; i++)
		make_reaction(sp->g, i);
	return NULL;
}

/*
 * Signs likes from .. from + g->n of the plan (--reactions) into
 * g->env[0 ..]: like i is signed at TS_REACT + i. The arrays are those
 * of one chunk, allocated at the first call.
 */
static void
generate_reactions(struct gen *g, size_t from)
{
	struct span	a, b;
	double		u;

	if (g->env == NULL) {
		g->author = calloc(g->n, sizeof(*g->author));
		g->liked = calloc(g->n, sizeof(*g->liked));
		g->env = calloc(g->n, sizeof(*g->env));
		g->id = calloc(g->n, sizeof(*g->id));
	}
	if (!g->author || !g->liked || !g->env || !g->id)
		die("calloc", -ENOMEM);
	g->react_from = from;
	for (size_t i = 0; i < g->n; i++) {
		g->author[i] = randombytes_uniform(NREACTORS);
		u = (double)randombytes_uniform(1u << 30) / (double)(1u << 30);
		g->liked[i] = (uint32_t)((double)g->ndesigns * u * u * u);
	}
	a = (struct span){ g, 0, g->n / 2, 0 };
	b = (struct span){ g, g->n / 2, g->n, 0 };
	run2(react_span, &a, &b);
}

static int
design_collect(void *arg, const uint8_t id[WEFT_ID_BYTES],
    const uint8_t *data, size_t len)
{
	struct gen	*g = arg;
	void		*p;
	static size_t	 cap;

	(void)data;
	(void)len;
	if (g->ndesigns == cap) {
		cap = cap ? 2 * cap : 4096;
		p = realloc(g->designs, cap * WEFT_ID_BYTES);
		if (p == NULL)
			die("realloc", -ENOMEM);
		g->designs = p;
	}
	memcpy(g->designs[g->ndesigns++], id, WEFT_ID_BYTES);
	return 0;
}

/* Pure Ed25519 verification, as the store's verify calls it. */
struct vspan {
	struct gen	*g;
	size_t		 from, to;
	size_t		 bad;
};

static void *
verify_span(void *arg)
{
	struct vspan	*vs = arg;
	uint8_t		*m;
	const uint8_t	*body, *sig;
	size_t		 blen;

	m = malloc(WEFT_RECORD_MAX + sizeof(DOMAIN));
	if (m == NULL)
		die("malloc", -ENOMEM);
	for (size_t i = vs->from; i < vs->to; i++) {
		if (weft_record_open(vs->g->env[i].data, vs->g->env[i].len,
		    &body, &blen, &sig) != 0) {
			vs->bad++;
			continue;
		}
		memcpy(m, DOMAIN, sizeof(DOMAIN) - 1);
		memcpy(m + sizeof(DOMAIN) - 1, body, blen);
		if (crypto_sign_verify_detached(sig, m,
		    sizeof(DOMAIN) - 1 + blen,
		    vs->g->pk[vs->g->author[i]]) != 0)
			vs->bad++;
	}
	free(m);
	return NULL;
}

static double
verify_rate(struct gen *g)
{
	struct vspan	a = { g, 0, g->n / 2, 0 }, b = { g, g->n / 2, g->n, 0 };
	pthread_t	t;
	double		t0, t1;

	t0 = now();
	if (pthread_create(&t, NULL, verify_span, &b) != 0)
		die("pthread_create", -EAGAIN);
	verify_span(&a);
	pthread_join(t, NULL);
	t1 = now();
	if (a.bad + b.bad != 0)
		die("verify", WEFT_EBADSIG);
	return (double)g->n / (t1 - t0);
}

/* weft_record_verify (decode, checks, signature) with two threads. */
static void *
decode_span(void *arg)
{
	struct vspan		*vs = arg;
	struct weft_record	 r;

	for (size_t i = vs->from; i < vs->to; i++) {
		weft_record_init(&r);
		if (weft_record_verify(vs->g->env[i].data, vs->g->env[i].len,
		    &r, NULL) != 0)
			vs->bad++;
		weft_record_release(&r);
	}
	return NULL;
}

static double
decode_rate(struct gen *g)
{
	struct vspan	a = { g, 0, g->n / 2, 0 }, b = { g, g->n / 2, g->n, 0 };
	pthread_t	t;
	double		t0, t1;

	t0 = now();
	if (pthread_create(&t, NULL, decode_span, &b) != 0)
		die("pthread_create", -EAGAIN);
	decode_span(&a);
	pthread_join(t, NULL);
	t1 = now();
	if (a.bad + b.bad != 0)
		die("verify", WEFT_EBADSIG);
	return (double)g->n / (t1 - t0);
}

static void
ingest(struct weft_store *s, struct gen *g, size_t batch, double *secs)
{
	int	*res;
	double	 t0;
	int	 err;

	res = calloc(batch, sizeof(*res));
	if (res == NULL)
		die("calloc", -ENOMEM);
	t0 = now();
	for (size_t i = 0; i < g->n; i += batch) {
		size_t	k = g->n - i < batch ? g->n - i : batch;

		err = weft_store_records_put(s, g->env + i, k, res, NULL);
		if (err)
			die("ingest", err);
		for (size_t j = 0; j < k; j++)
			if (res[j] != 0)
				die("record", res[j]);
	}
	*secs = now() - t0;
	free(res);
}

/*
 * The floor of any store of these records: the same verification
 * (weft_record_verify on two threads, in chunks taken in order, the
 * writer verifying too whenever its next record is not verified yet),
 * but storing a record is only the two puts no store can do without
 * (the envelope under ts || id, and its ts and author under its id, for
 * lookups and dependency checks), in a plain LMDB environment with one
 * synced commit per batch. No indexes, no checks of rights: the ratio
 * no design of the store's indexes could beat on this machine.
 */
#define FCHUNK	32

struct floor_ctx {
	struct gen	*g;
	uint64_t	*ts;
	uint8_t		(*ids)[WEFT_ID_BYTES];
	uint8_t		*done;
	size_t		 nchunks;
	size_t		 next;
	int		 bad;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
};

/* Verifies the next chunk: 0, or 1 if none is left. */
static int
floor_chunk(struct floor_ctx *f)
{
	struct weft_record	r;
	size_t			c, to;
	int			bad = 0;

	pthread_mutex_lock(&f->mu);
	c = f->next < f->nchunks ? f->next++ : f->nchunks;
	pthread_mutex_unlock(&f->mu);
	if (c == f->nchunks)
		return 1;
	to = (c + 1) * FCHUNK < f->g->n ? (c + 1) * FCHUNK : f->g->n;
	for (size_t i = c * FCHUNK; i < to; i++) {
		if (weft_record_verify(f->g->env[i].data, f->g->env[i].len,
		    &r, f->ids[i]) != 0)
			bad = 1;
		f->ts[i] = r.ts;
		weft_record_release(&r);
	}
	pthread_mutex_lock(&f->mu);
	f->bad |= bad;
	f->done[c] = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static void *
floor_helper(void *arg)
{
	while (floor_chunk(arg) == 0)
		;
	return NULL;
}

static void
floor_wait(struct floor_ctx *f, size_t c)
{
	int	done;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		done = f->done[c];
		pthread_mutex_unlock(&f->mu);
		if (done || floor_chunk(f) != 0)
			break;
	}
	pthread_mutex_lock(&f->mu);
	while (!f->done[c])
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

static void
lmdb_die(const char *what, int rc)
{
	fprintf(stderr, "bench-ingest: %s: %s\n", what, mdb_strerror(rc));
	exit(1);
}

static double
floor_rate(struct gen *g, const char *dir, size_t batch)
{
	struct floor_ctx	 f;
	MDB_env			*env;
	MDB_txn			*txn = NULL;
	MDB_dbi			 recs, info;
	MDB_val			 k, v;
	pthread_t		 t;
	uint8_t			 key[8 + WEFT_ID_BYTES];
	uint8_t			 val[8 + WEFT_PK_BYTES];
	double			 t0, t1;
	int			 rc;

	memset(&f, 0, sizeof(f));
	f.g = g;
	f.nchunks = (g->n + FCHUNK - 1) / FCHUNK;
	f.ts = calloc(g->n, sizeof(*f.ts));
	f.ids = calloc(g->n, sizeof(*f.ids));
	f.done = calloc(f.nchunks, 1);
	if (f.ts == NULL || f.ids == NULL || f.done == NULL)
		die("calloc", -ENOMEM);
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.cv, NULL);
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 2)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t)1 << 34)) != 0 ||
	    (rc = mdb_env_open(env, dir, 0, 0600)) != 0)
		lmdb_die(dir, rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "recs", MDB_CREATE, &recs)) != 0 ||
	    (rc = mdb_dbi_open(txn, "info", MDB_CREATE, &info)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		lmdb_die("open", rc);
	txn = NULL;

	t0 = now();
	if (pthread_create(&t, NULL, floor_helper, &f) != 0)
		die("pthread_create", -EAGAIN);
	for (size_t i = 0; i < g->n; i++) {
		if (i % FCHUNK == 0)
			floor_wait(&f, i / FCHUNK);
		if (txn == NULL && (rc = mdb_txn_begin(env, NULL, 0, &txn)))
			lmdb_die("txn", rc);
		for (int j = 0; j < 8; j++)
			key[j] = (uint8_t)(f.ts[i] >> (56 - 8 * j));
		memcpy(key + 8, f.ids[i], WEFT_ID_BYTES);
		k.mv_size = sizeof(key);
		k.mv_data = key;
		v.mv_size = g->env[i].len;
		v.mv_data = (void *)g->env[i].data;
		if ((rc = mdb_put(txn, recs, &k, &v, MDB_NOOVERWRITE)) != 0)
			lmdb_die("put", rc);
		memcpy(val, key, 8);
		memcpy(val + 8, g->pk[g->author[i]], WEFT_PK_BYTES);
		k.mv_size = WEFT_ID_BYTES;
		k.mv_data = f.ids[i];
		v.mv_size = sizeof(val);
		v.mv_data = val;
		if ((rc = mdb_put(txn, info, &k, &v, MDB_NOOVERWRITE)) != 0)
			lmdb_die("put", rc);
		if ((i + 1) % batch == 0 || i + 1 == g->n) {
			if ((rc = mdb_txn_commit(txn)) != 0)
				lmdb_die("commit", rc);
			txn = NULL;
		}
	}
	pthread_join(t, NULL);
	t1 = now();
	if (f.bad)
		die("verify", WEFT_EBADSIG);
	mdb_env_close(env);
	pthread_mutex_destroy(&f.mu);
	pthread_cond_destroy(&f.cv);
	free(f.ts);
	free(f.ids);
	free(f.done);
	return (double)g->n / (t1 - t0);
}

/*
 * Ingest as weftd's sync runs it (sync.c: WEFT_SYNC_JOBS_MAX jobs on the
 * pool, through a weft_store_ingest queue): each job takes the next
 * batch, adds it to the queue, and runs it: it helps verify the oldest
 * batches until its own is the oldest, then writes it while the other
 * jobs go on verifying.
 */
struct pipe {
	struct weft_store	*s;
	struct weft_store_ingest *q;
	struct gen		*g;
	size_t			 batch;
	pthread_mutex_t		 mu;
	size_t			 next;		/* next batch to take */
};

static void *
pipe_job(void *arg)
{
	struct pipe		*pp = arg;
	struct weft_store_batch	*b;
	size_t			 k, i, n;
	int			*res, err;

	res = calloc(pp->batch, sizeof(*res));
	if (res == NULL)
		die("calloc", -ENOMEM);
	for (;;) {
		/* Take and queue under the lock: the queue keeps this order. */
		pthread_mutex_lock(&pp->mu);
		k = pp->next++;
		i = k * pp->batch;
		if (i >= pp->g->n) {
			pthread_mutex_unlock(&pp->mu);
			break;
		}
		n = pp->g->n - i < pp->batch ? pp->g->n - i : pp->batch;
		err = weft_store_batch_new(&b, pp->g->env + i, n, NULL);
		if (err)
			die("batch", err);
		weft_store_ingest_add(pp->q, b);
		pthread_mutex_unlock(&pp->mu);
		err = weft_store_ingest_run(pp->q, b, res);
		if (err)
			die("ingest", err);
		for (size_t j = 0; j < n; j++)
			if (res[j] != 0)
				die("record", res[j]);
		weft_store_batch_free(b);
	}
	free(res);
	return NULL;
}

static void
ingest_pipe(struct weft_store *s, struct gen *g, size_t batch, int jobs,
    double *secs)
{
	struct pipe	pp;
	pthread_t	t[16];
	double		t0;
	int		n = 0;

	memset(&pp, 0, sizeof(pp));
	pp.s = s;
	pp.g = g;
	pp.batch = batch;
	pthread_mutex_init(&pp.mu, NULL);
	if (weft_store_ingest_new(&pp.q, s) != 0)
		die("ingest queue", -ENOMEM);
	t0 = now();
	for (int i = 1; i < jobs; i++)
		if (pthread_create(&t[n], NULL, pipe_job, &pp) == 0)
			n++;
	pipe_job(&pp);
	while (n > 0)
		pthread_join(t[--n], NULL);
	*secs = now() - t0;
	weft_store_ingest_free(pp.q);
	pthread_mutex_destroy(&pp.mu);
}

static void
rm_store(const char *dir)
{
	char	p[4200];

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

static int
dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * --reactions signs and ingests its likes a chunk at a time, so that its
 * memory stays bounded whatever M (5,000,000 likes of ~200 bytes each
 * would hold a gigabyte of envelopes): each chunk is generated, then
 * ingested, and only the ingest is timed.
 */
#define REACT_CHUNK	262144
static size_t	react_chunk = REACT_CHUNK;	/* --chunk */

/* The bytes this process has had written to storage (/proc/self/io). */
static uint64_t
io_written(void)
{
	FILE		*f = fopen("/proc/self/io", "r");
	char		 line[128];
	unsigned long long v = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "write_bytes: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* RssAnon of this process, in kB (/proc/self/status). */
static unsigned long
rss_anon_kb(void)
{
	FILE		*f = fopen("/proc/self/status", "r");
	char		 line[128];
	unsigned long	 v = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "RssAnon: %lu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void
react_chunk_free(struct gen *g)
{
	for (size_t i = 0; i < g->n; i++)
		free((void *)g->env[i].data);
	memset(g->env, 0, g->n * sizeof(*g->env));
}

static int
count_bytes(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	(void)id;
	(void)data;
	*(size_t *)arg += len;
	return 0;
}

/*
 * The first page of `weft ls --sort likes` (issue 12: < 50 ms), in
 * process: the median of 11 runs, wall and CPU ms.
 */
static void
likes_page(struct weft_store *s)
{
	struct weft_store_query		 f;
	struct weft_store_search_info	 info;
	double				 wall[11], cpu[11], t0, c0;
	size_t				 bytes;
	int				 err;

	for (int r = 0; r < 11; r++) {
		memset(&f, 0, sizeof(f));
		f.by_count = true;
		f.count = WEFT_COUNT_LIKES;
		f.counts = true;
		f.limit = 20;
		f.short_ids = true;
		bytes = 0;
		t0 = now();
		c0 = cpu_now();
		err = weft_store_search_page(s, &f, &info, count_bytes,
		    &bytes);
		cpu[r] = (cpu_now() - c0) * 1000;
		wall[r] = (now() - t0) * 1000;
		if (err)
			die("ls --sort likes", err);
	}
	qsort(wall, 11, sizeof(wall[0]), dcmp);
	qsort(cpu, 11, sizeof(cpu[0]), dcmp);
	printf("first page of ls --sort likes --limit 20 (in process, median "
	    "of 11): %.2f ms wall, %.2f ms CPU, %llu returned (target < 50 "
	    "ms)\n", wall[5], cpu[5], (unsigned long long)info.returned);
}

/* --reactions: likes into an existing home's store (issue 12). */
static void
react_main(struct gen *g, const char *dir, size_t batch, int jobs)
{
	struct weft_store	*s;
	double			 t0, v0, v1, secs, cpu, vcpu, csecs, ccpu;
	double			 gsecs = 0;
	uint64_t		 io0, io;
	size_t			 total = g->n, chunk, from;
	int			 err;

	for (int a = 0; a < NREACTORS; a++) {
		g->sk[a] = malloc(WEFT_SK_BYTES);
		if (g->sk[a] == NULL)
			die("malloc", -ENOMEM);
		crypto_sign_keypair(g->pk[a], g->sk[a]);
	}
	err = weft_store_open(&s, dir, NULL);
	if (err)
		die(dir, err);
	err = weft_store_designs(s, NULL, NULL, design_collect, g);
	if (err)
		die("designs", err);
	if (g->ndesigns == 0)
		die("designs", WEFT_ENOTFOUND);
	chunk = total < react_chunk ? total : react_chunk;
	g->n = chunk;
	generate_reactions(g, 0);
	/* The verify rate: of the first chunk before, the last after. */
	vcpu = cpu_now();
	v0 = verify_rate(g);
	vcpu = cpu_now() - vcpu;
	secs = cpu = 0;
	io = 0;
	for (from = 0; from < total; from += chunk) {
		g->n = total - from < chunk ? total - from : chunk;
		if (from > 0) {
			t0 = now();
			react_chunk_free(g);
			generate_reactions(g, from);
			gsecs += now() - t0;
		}
		io0 = io_written();
		ccpu = cpu_now();
		ingest_pipe(s, g, batch, jobs, &csecs);
		ccpu = cpu_now() - ccpu;
		io += io_written() - io0;
		secs += csecs;
		cpu += ccpu;
		/* As the store grows (issue 17.4): against the first verify. */
		if (total > chunk)
			printf("likes %zu..%zu: %.0f likes/s, %.0f%% of the "
			    "first verify rate; CPU per like %.1f us, CPU ratio "
			    "%.0f%%; RssAnon %lu kB\n", from, from + g->n,
			    (double)g->n / csecs, 100.0 * ((double)g->n /
			    csecs) / v0, 1e6 * ccpu / (double)g->n, 100.0 *
			    (vcpu / (double)chunk) / (ccpu / (double)g->n),
			    rss_anon_kb());
		fflush(stdout);
	}
	t0 = cpu_now();
	v1 = verify_rate(g);
	vcpu = (vcpu / (double)chunk + (cpu_now() - t0) / (double)g->n) / 2;
	react_chunk_free(g);
	likes_page(s);
	weft_store_close(s);
	printf("generated %zu likes of %zu designs by %d authors, in chunks "
	    "of %zu (2 threads signing; %.2f s after the first)\n", total,
	    g->ndesigns, NREACTORS, chunk, gsecs);
	printf("ed25519 verify, 2 threads: %.0f records/s before (first "
	    "chunk), %.0f after (last)\n", v0, v1);
	printf("ingest of likes (%d jobs as weftd, batches of %zu): %.0f "
	    "records/s (%.2f s, %.2f CPU-s), %.0f%% of the mean verify rate "
	    "(target >= 75%%)\n", jobs, batch, (double)total / secs, secs,
	    cpu, 100.0 * ((double)total / secs) / ((v0 + v1) / 2));
	/*
	 * On a loaded machine the rates swing with the share of the cores
	 * each phase gets; CPU time per record swings much less. Its ratio
	 * is the rate ratio two idle cores would give if ingest kept both
	 * busy (its writer is one thread: an upper bound).
	 */
	printf("CPU per like: ingest %.1f us, verify %.1f us; CPU ratio "
	    "%.0f%%\n", 1e6 * cpu / (double)total, 1e6 * vcpu,
	    100.0 * vcpu / (cpu / (double)total));
	printf("written to storage during ingest: %.0f bytes per like; "
	    "RssAnon at the end %lu kB\n", (double)io / (double)total,
	    rss_anon_kb());
	for (int a = 0; a < NREACTORS; a++) {
		sodium_memzero(g->sk[a], WEFT_SK_BYTES);
		free(g->sk[a]);
		g->sk[a] = NULL;
	}
	g->n = chunk;	/* what main frees */
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-ingest [--records N] [--batch B] "
	    "[--jobs J] [--rounds R] [--spacing MS] [--serial]\n"
	    "       bench-ingest --designs N --home DIR [--batch B]\n"
	    "       bench-ingest --reactions M --home DIR [--batch B] "
	    "[--jobs J] [--chunk C]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct gen		 g;
	struct weft_store	*s;
	struct weft_keypair	 author, node;
	const char		*home = NULL;
	char			 dir[WEFT_HOME_MAX + 64], tmp[64];
	size_t			 batch = 1000;
	double			 t0, tgen, vrate, secs, ratio[16], cpu;
	double			 frate, fratio[16], vcpu, cratio[16];
	char			 jobsdesc[64];
	int			 err, jobs = WEFT_SYNC_JOBS_MAX, rounds = 3;
	int			 serial = 0, batch_set = 0;
	size_t			 nreact = 0;

	memset(&g, 0, sizeof(g));
	g.n = 100000;
	g.spacing = 1000;
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--records") == 0)
			g.n = strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--designs") == 0) {
			g.n = strtoul(argv[++i], NULL, 10);
			g.designs_mode = 1;
		} else if (i + 1 < argc && strcmp(argv[i], "--reactions") ==
		    0) {
			nreact = strtoul(argv[++i], NULL, 10);
			g.n = nreact;
		} else if (i + 1 < argc && strcmp(argv[i], "--batch") == 0) {
			batch = strtoul(argv[++i], NULL, 10);
			batch_set = 1;
		}
		else if (i + 1 < argc && strcmp(argv[i], "--chunk") == 0) {
			react_chunk = strtoul(argv[++i], NULL, 10);
			if (react_chunk == 0)
				usage();
		} else if (i + 1 < argc && strcmp(argv[i], "--jobs") == 0)
			jobs = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--spacing") == 0)
			g.spacing = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--serial") == 0)
			serial = 1;
		else if (i + 1 < argc && strcmp(argv[i], "--home") == 0)
			home = argv[++i];
		else
			usage();
	}
	/* Likes come in weftd's sync batches unless told otherwise. */
	if (nreact > 0 && !batch_set)
		batch = WEFT_SYNC_BATCH_MAX;
	if (g.n == 0 || batch == 0 || batch > WEFT_STORE_BATCH_MAX ||
	    jobs < 1 || jobs > 16 || rounds < 1 || rounds > 16 ||
	    (home != NULL) != (g.designs_mode != 0 || nreact > 0) ||
	    (g.designs_mode && nreact > 0))
		usage();
	if (sodium_init() < 0)
		return 1;

	memset(&author, 0, sizeof(author));
	memset(&node, 0, sizeof(node));
	if (home != NULL) {
		err = weft_home_create(home);
		if (err)
			die(home, err);
		snprintf(dir, sizeof(dir), "%s/author.key", home);
		err = weft_keyfile_ensure(dir, &author, "author", NULL);
		if (err)
			die(dir, err);
		snprintf(dir, sizeof(dir), "%s/node.key", home);
		err = weft_keyfile_ensure(dir, &node, "node", NULL);
		if (err)
			die(dir, err);
		snprintf(dir, sizeof(dir), "%s/store", home);
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			die(dir, -errno);
		memcpy(g.pk[0], author.pk, WEFT_PK_BYTES);
		g.sk[0] = author.sk;
	} else {
		for (int a = 0; a < NAUTHORS; a++) {
			g.sk[a] = malloc(WEFT_SK_BYTES);
			if (g.sk[a] == NULL)
				die("malloc", -ENOMEM);
			crypto_sign_keypair(g.pk[a], g.sk[a]);
		}
		strcpy(tmp, "/tmp/bench-ingest-XXXXXX");
		if (mkdtemp(tmp) == NULL)
			die("mkdtemp", -errno);
		snprintf(dir, sizeof(dir), "%s", tmp);
	}

	snprintf(jobsdesc, sizeof(jobsdesc), "%d jobs as weftd", jobs);
	if (nreact > 0) {
		react_main(&g, dir, batch, jobs);
		goto done;
	}
	t0 = now();
	generate(&g);
	tgen = now() - t0;
	printf("generated %zu records in %.2f s (2 threads signing)\n", g.n,
	    tgen);

	if (home != NULL) {
		err = weft_store_open(&s, dir, NULL);
		if (err)
			die(dir, err);
		ingest(s, &g, batch, &secs);
		weft_store_close(s);
		printf("ingest, batches of %zu: %.0f records/s (%.2f s)\n",
		    batch, (double)g.n / secs, secs);
		printf("home '%s' holds %zu records\n", home, g.n);
		goto done;
	}
	printf("weft_record_verify (decode + verify), 2 threads: "
	    "%.0f records/s\n", decode_rate(&g));
	/*
	 * Rounds: the verify rate, then an ingest into a fresh store, so
	 * each ratio compares figures taken seconds apart on a shared,
	 * noisy machine; the median round is the result.
	 */
	for (int r = 0; r < rounds; r++) {
		vcpu = cpu_now();
		vrate = verify_rate(&g);
		vcpu = cpu_now() - vcpu;
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			die(dir, -errno);
		err = weft_store_open(&s, dir, NULL);
		if (err)
			die(dir, err);
		cpu = cpu_now();
		if (r == 0 && serial)
			ingest(s, &g, batch, &secs);
		else
			ingest_pipe(s, &g, batch, jobs, &secs);
		cpu = cpu_now() - cpu;
		weft_store_close(s);
		rm_store(dir);
		ratio[r] = 100.0 * ((double)g.n / secs) / vrate;
		printf("round %d: ed25519 verify, 2 threads: %.0f records/s; "
		    "ingest (%s, batches of %zu): %.0f records/s (%.2f s, "
		    "%.2f CPU-s), %.0f%%\n", r + 1, vrate,
		    r == 0 && serial ? "one batch at a time" : jobsdesc,
		    batch, (double)g.n / secs, secs, cpu, ratio[r]);
		/* As for likes: CPU per record swings less than rates. */
		cratio[r] = 100.0 * (vcpu / 2.0) / cpu;
		printf("round %d: CPU per record: ingest %.1f us, verify "
		    "%.1f us; CPU ratio %.0f%%\n", r + 1,
		    1e6 * cpu / (double)g.n, 1e6 * vcpu / (2.0 * (double)g.n),
		    cratio[r]);
		if (r == 0 && serial) {
			serial = 0;
			r--;	/* not a round of the result */
			continue;
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			die(dir, -errno);
		frate = floor_rate(&g, dir, batch);
		rm_store(dir);
		fratio[r] = 100.0 * frate / vrate;
		printf("round %d: floor (verify, then only the envelope and "
		    "an id key in plain LMDB): %.0f records/s, %.0f%%\n",
		    r + 1, frate, fratio[r]);
	}
	qsort(ratio, (size_t)rounds, sizeof(ratio[0]), dcmp);
	qsort(fratio, (size_t)rounds, sizeof(fratio[0]), dcmp);
	qsort(cratio, (size_t)rounds, sizeof(cratio[0]), dcmp);
	printf("CPU ratio, median of %d rounds: %.0f%%\n", rounds,
	    cratio[rounds / 2]);
	printf("ratio to 2-core verify, median of %d rounds: %.0f%% "
	    "(target >= 75%%); floor %.0f%%\n", rounds, ratio[rounds / 2],
	    fratio[rounds / 2]);
done:
	for (size_t i = 0; g.env != NULL && i < g.n; i++)
		free((void *)g.env[i].data);
	free(g.designs);
	free(g.liked);
	if (home == NULL)
		for (int a = 0; a < NAUTHORS; a++)
			free(g.sk[a]);
	weft_key_release(&author);
	weft_key_release(&node);
	free(g.author);
	free(g.design);
	free(g.prev);
	free(g.env);
	free(g.id);
	return 0;
}
