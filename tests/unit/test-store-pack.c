/*
 * store_pack.c: chunk bytes in pack files. Compaction brings the files
 * back near the live bytes after deletions and keeps every live chunk;
 * open truncates bytes past a pack's committed size and deletes pack
 * files without a row; a format-6 store (chunk bytes in LMDB) is
 * migrated. Packs are made small (opts.pack_target) so that a test
 * spans many. Fresh store per test in a mkdtemp directory under
 * /var/tmp (a disk file system: tmpfs may differ on O_DIRECT). Every
 * test runs twice: with packs written with O_DIRECT where the file
 * system takes it, and buffered (opts.pack_buffered).
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"

#include "store.h"
#include "store_impl.h"

/* The publish token of every chunk these tests put (gc undo marks). */
#define TOKEN	7

#define NCHUNK		120
#define CSZ		8000
#define TARGET		(64 * 1024)

struct fx {
	char			 dir[64];
	bool			 direct;	/* O_DIRECT expected */
	struct weft_store	*s;
	struct weft_store_opts	 o;
	uint8_t			 data[NCHUNK][CSZ];
	struct weft_chunk_put	 p[NCHUNK];
};

/* Whether the file system of dir takes O_DIRECT writes. */
static bool
dio_works(const char *dir)
{
	char	 path[128];
	void	*buf;
	int	 fd;
	bool	 ok;

	snprintf(path, sizeof(path), "%s/probe", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_DIRECT, 0600);
	if (fd < 0)
		return false;
	assert_int_equal(posix_memalign(&buf, 4096, 4096), 0);
	memset(buf, 0, 4096);
	ok = pwrite(fd, buf, 4096, 0) == 4096;
	free(buf);
	close(fd);
	unlink(path);
	return ok;
}

static int
setup_with(void **state, bool buffered)
{
	struct fx	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/var/tmp/weft-pack-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->o.pack_target = TARGET;
	f->o.pack_buffered = buffered;
	f->direct = !buffered && dio_works(f->dir);
	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	for (int i = 0; i < NCHUNK; i++) {
		randombytes_buf(f->data[i], CSZ);
		f->p[i].data = f->data[i];
		f->p[i].len = CSZ;
		weft_hash(f->data[i], CSZ, f->p[i].id);
	}
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, false);
}

static int
setup_buffered(void **state)
{
	return setup_with(state, true);
}

/*
 * Bytes n pack files may hold past their committed sizes: a direct
 * write pads its last block with zeros (truncated at the next open).
 */
static uint64_t
slack(const struct fx *f, int n)
{
	return f->direct ? (uint64_t)n * 4095 : 0;
}

/* The store writes the way the fixture expects. */
static void
check_mode(struct fx *f)
{
	int	rc = weft_store_pack_direct(f->s);

	if (f->direct)
		assert_int_equal(rc, 1);
	else if (f->o.pack_buffered)
		assert_int_equal(rc, WEFT_EUSAGE);
	else
		assert_true(rc != 1);
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	weft_store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The pack files in dir: how many, and their bytes. */
static int
packs(const char *dir, uint64_t *bytes)
{
	struct dirent	*e;
	struct stat	 st;
	char		 p[512];
	DIR		*d;
	int		 n = 0;

	*bytes = 0;
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "pack-", 5) != 0 ||
		    strlen(e->d_name) > 64)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(p, &st), 0);
		*bytes += (uint64_t)st.st_size;
		n++;
	}
	closedir(d);
	return n;
}

/* The name of the newest pack file. */
static void
newest(const char *dir, char *out, size_t len)
{
	struct dirent	*e;
	char		 best[300] = "";
	DIR		*d;

	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "pack-", 5) == 0 &&
		    strlen(e->d_name) < 64 && strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", e->d_name);
	closedir(d);
	assert_true(best[0] != '\0');
	snprintf(out, len, "%s/%s", dir, best);
}

static void
check_chunk(struct weft_store *s, const struct weft_chunk_put *c, bool have)
{
	struct weft_buf	b;

	weft_buf_init(&b, WEFT_INDEX_MAX);
	if (!have) {
		assert_int_equal(weft_store_chunk_get(s, c->id, &b),
		    WEFT_ENOTFOUND);
		assert_int_equal(weft_store_chunk_has(s, c->id),
		    WEFT_ENOTFOUND);
	} else {
		assert_int_equal(weft_store_chunk_get(s, c->id, &b), 0);
		assert_int_equal(b.len, c->len);
		assert_memory_equal(b.data, c->data, c->len);
	}
	weft_buf_release(&b);
}

static void
verify_clean(struct weft_store *s, uint64_t want_chunks)
{
	uint64_t	nr, nc;

	assert_int_equal(weft_store_verify(s, NULL, NULL, &nr, &nc), 0);
	assert_int_equal(nc, want_chunks);
}

/*
 * 120 chunks of 8 KB in packs of 64 KiB, dropped two in three: the
 * drops compact, so the pack files end within 1.5x the live bytes (plus
 * the newest pack, which is never compacted), and every live chunk reads
 * back the same, also after a reopen.
 */
static void
test_compact(void **state)
{
	struct fx		*f = *state;
	struct weft_store_stats	 st;
	uint8_t			 fresh[NCHUNK], ids[NCHUNK][32];
	uint64_t		 gen[2], bytes0, bytes1, live, dbytes;
	size_t			 nd = 0, dropped;
	int			 n0, n1;

	for (int i = 0; i < NCHUNK; i += 10) {
		assert_int_equal(weft_store_chunks_put_new(f->s, &f->p[i], 10,
		    TOKEN, fresh, gen), 0);
		for (int j = 0; j < 10; j++)
			assert_int_equal(fresh[j], 1);
	}
	n0 = packs(f->dir, &bytes0);
	assert_true(n0 >= 14);
	assert_true(bytes0 >= (uint64_t)NCHUNK * CSZ);
	for (int i = 0; i < NCHUNK; i++)
		if (i % 3 != 0)
			memcpy(ids[nd++], f->p[i].id, 32);
	assert_int_equal(weft_store_chunks_drop(f->s,
	    (const uint8_t (*)[32])ids, nd, TOKEN, &dropped, &dbytes), 0);
	assert_int_equal(dropped, nd);
	assert_int_equal(dbytes, (uint64_t)nd * CSZ);
	n1 = packs(f->dir, &bytes1);
	live = (uint64_t)(NCHUNK - nd) * CSZ;
	assert_true(n1 < n0);
	assert_true(bytes1 <= live * 3 / 2 + TARGET);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.chunks, NCHUNK - nd);
	assert_int_equal(st.chunk_bytes, live);
	assert_true(bytes1 >= st.pack_bytes);
	assert_true(bytes1 <= st.pack_bytes + slack(f, n1));
	check_mode(f);
	assert_int_equal(st.pack_live, live + (NCHUNK - nd) * 36);
	for (int i = 0; i < NCHUNK; i++)
		check_chunk(f->s, &f->p[i], i % 3 == 0);
	verify_clean(f->s, NCHUNK - nd);

	/* Nothing more to do: a second compaction frees nothing. */
	assert_int_equal(weft_store_compact(f->s, &dbytes), 0);
	assert_int_equal(dbytes, 0);

	weft_store_close(f->s);
	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	for (int i = 0; i < NCHUNK; i++)
		check_chunk(f->s, &f->p[i], i % 3 == 0);
	/* Stored again after the drop: a fresh copy, readable. */
	assert_int_equal(weft_store_chunks_put(f->s, &f->p[1], 1), 0);
	check_chunk(f->s, &f->p[1], true);
	verify_clean(f->s, NCHUNK - nd + 1);
}

/*
 * The newest pack, mostly dead once a design's chunks went: it is closed
 * and compacted too, not kept at its high-water mark until the next pack
 * fills. The next write goes to the new pack.
 */
static void
test_compact_newest(void **state)
{
	struct fx	*f = *state;
	struct stat	 st;
	char		 p1[256];
	uint8_t		 fresh[5];
	uint64_t	 gen[2], bytes, dbytes;
	size_t		 dropped;

	assert_int_equal(weft_store_chunks_put_new(f->s, f->p, 5, TOKEN, fresh,
	    gen), 0);
	assert_int_equal(packs(f->dir, &bytes), 1);
	snprintf(p1, sizeof(p1), "%s/pack-0000000001", f->dir);
	assert_int_equal(stat(p1, &st), 0);
	/* Three of five: 24 KB dead, more than a quarter of 64 KiB. */
	assert_int_equal(weft_store_chunks_drop(f->s,
	    (const uint8_t (*)[32])f->p[0].id, 1, TOKEN, &dropped, &dbytes),
	    0);
	weft_store_write_gen(gen);
	assert_int_equal(weft_store_chunks_put_new(f->s, &f->p[5], 1, TOKEN, fresh,
	    gen), 0);
	{
		uint8_t	ids[3][32];

		memcpy(ids[0], f->p[1].id, 32);
		memcpy(ids[1], f->p[2].id, 32);
		memcpy(ids[2], f->p[5].id, 32);
		assert_int_equal(weft_store_chunks_drop(f->s,
		    (const uint8_t (*)[32])ids, 3, TOKEN, &dropped, &dbytes),
		    0);
		assert_int_equal(dropped, 3);
	}
	assert_int_equal(stat(p1, &st), -1);
	assert_int_equal(packs(f->dir, &bytes), 1);
	assert_true(bytes <= 16 + 2 * (36 + CSZ) + slack(f, 1));
	check_chunk(f->s, &f->p[3], true);
	check_chunk(f->s, &f->p[4], true);
	for (int i = 0; i < 6; i++)
		if (i != 3 && i != 4)
			check_chunk(f->s, &f->p[i], false);
	assert_int_equal(weft_store_chunks_put(f->s, &f->p[6], 1), 0);
	check_chunk(f->s, &f->p[6], true);
	verify_clean(f->s, 3);
}

/*
 * What a crash leaves: bytes past the newest pack's committed size (a
 * write whose commit never happened) and a pack file no row names (a
 * pack created by such a write). Open truncates the first and deletes
 * the second; the chunks stay, and the next write lands where the
 * garbage was.
 */
static void
test_recover(void **state)
{
	struct fx		*f = *state;
	struct weft_store_stats	 stats;
	struct stat		 st0, st1;
	char			 path[512], orphan[256];
	uint8_t			 junk[5000];
	int			 fd;

	assert_int_equal(weft_store_chunks_put(f->s, f->p, 3), 0);
	weft_store_close(f->s);
	f->s = NULL;
	newest(f->dir, path, sizeof(path));
	assert_int_equal(stat(path, &st0), 0);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	memset(junk, 0xa5, sizeof(junk));
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	snprintf(orphan, sizeof(orphan), "%s/pack-0000000999", f->dir);
	fd = open(orphan, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, 100), 100);
	close(fd);

	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	assert_int_equal(stat(path, &st1), 0);
	/* Cut back to the committed size (a direct write's padding too). */
	assert_int_equal(weft_store_stats(f->s, &stats), 0);
	assert_int_equal((uint64_t)st1.st_size, stats.pack_bytes);
	assert_true(st1.st_size <= st0.st_size);
	assert_true((uint64_t)st1.st_size + slack(f, 1) >=
	    (uint64_t)st0.st_size);
	assert_int_equal(access(orphan, F_OK), -1);
	for (int i = 0; i < 3; i++)
		check_chunk(f->s, &f->p[i], true);
	assert_int_equal(weft_store_chunks_put(f->s, &f->p[3], 1), 0);
	check_chunk(f->s, &f->p[3], true);
	verify_clean(f->s, 4);
}

/* A damaged pack entry (its header names another chunk) is not served. */
static void
test_bad_entry(void **state)
{
	struct fx	*f = *state;
	struct weft_buf	 b;
	char		 path[512];
	uint8_t		 x;
	int		 fd;

	assert_int_equal(weft_store_chunks_put(f->s, f->p, 1), 0);
	weft_store_close(f->s);
	f->s = NULL;
	newest(f->dir, path, sizeof(path));
	/* The first entry's id starts right after the 16-byte header. */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &x, 1, 16), 1);
	x ^= 1;
	assert_int_equal(pwrite(fd, &x, 1, 16), 1);
	close(fd);
	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	weft_buf_init(&b, WEFT_INDEX_MAX);
	assert_int_equal(weft_store_chunk_get(f->s, f->p[0].id, &b),
	    WEFT_ECORRUPT);
	weft_buf_release(&b);
}

/* Writes raw values into an LMDB database of the closed store. */
static void
poke(const char *dir, const char *name, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k = { klen, (void *)key }, v = { vlen, (void *)val };

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/*
 * A format-6 store kept chunk bytes as the values of "chunks": opening
 * it moves them into a pack, indexes them, and they read and verify.
 */
static void
test_migrate(void **state)
{
	struct fx		*f = *state;
	struct weft_store_stats	 st;
	uint8_t			 ver[4] = { 0, 0, 0, 6 }, be[8] = { 0 };
	uint64_t		 total = 0, bytes;

	weft_store_close(f->s);
	f->s = NULL;
	for (int i = 0; i < 5; i++) {
		poke(f->dir, "chunks", f->p[i].id, 32, f->data[i], CSZ);
		total += CSZ;
	}
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(total >> (56 - 8 * i));
	poke(f->dir, "meta", "chunk_bytes", 11, be, 8);
	poke(f->dir, "meta", "version", 7, ver, 4);
	assert_int_equal(packs(f->dir, &bytes), 0);

	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	assert_true(packs(f->dir, &bytes) >= 1);
	assert_true(bytes >= total);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.chunks, 5);
	assert_int_equal(st.chunk_bytes, total);
	for (int i = 0; i < 5; i++)
		check_chunk(f->s, &f->p[i], true);
	verify_clean(f->s, 5);
	/* Once: a reopen finds format 7 and changes nothing. */
	weft_store_close(f->s);
	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	for (int i = 0; i < 5; i++)
		check_chunk(f->s, &f->p[i], true);
}

/*
 * A writer whose transaction aborts after appending to the newest pack,
 * beside one whose transactions commit: LMDB lets the next writer in at
 * the abort, before the aborted one cuts its bytes off the pack again
 * (weft__store_packs_end). Unless the packs' writer state is held from
 * begin to end, that cut can take what the committing writer has just
 * appended, or later writes can overwrite it: its chunks would read
 * back wrong. Every committed chunk reads back, and the store verifies.
 */
#define RACE_N		400
#define RACE_SZ		2000

struct race {
	struct weft_store	*s;
	uint8_t			 data[RACE_N][RACE_SZ];
	struct weft_chunk_put	 p[RACE_N];
	int			 err;
	volatile int		 done;
};

static int
abort_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	uint8_t	 data[RACE_SZ], id[32];
	int	 err;

	(void)arg;
	randombytes_buf(data, sizeof(data));
	weft_hash(data, sizeof(data), id);
	err = weft__store_chunk_add(s, txn, id, data, sizeof(data));
	return err ? err : WEFT_EUSAGE;		/* abort: cut it off */
}

static void *
race_abort(void *arg)
{
	struct race	*r = arg;

	while (!r->done)
		(void)weft__store_write(r->s, abort_txn, NULL);
	return NULL;
}

static void
test_race_abort(void **state)
{
	struct fx	*f = *state;
	struct race	*r;
	pthread_t	 t;

	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->s = f->s;
	for (int i = 0; i < RACE_N; i++) {
		randombytes_buf(r->data[i], RACE_SZ);
		r->p[i].data = r->data[i];
		r->p[i].len = RACE_SZ;
		weft_hash(r->data[i], RACE_SZ, r->p[i].id);
	}
	assert_int_equal(pthread_create(&t, NULL, race_abort, r), 0);
	for (int i = 0; i < RACE_N && r->err == 0; i++)
		r->err = weft_store_chunks_put(f->s, &r->p[i], 1);
	r->done = 1;
	pthread_join(t, NULL);
	assert_int_equal(r->err, 0);
	for (int i = 0; i < RACE_N; i++)
		check_chunk(f->s, &r->p[i], true);
	verify_clean(f->s, RACE_N);
	free(r);
}

/*
 * Appends of odd sizes across many commits, into packs big enough that
 * a transaction's appends overflow the 8 MiB stage (and one entry is
 * bigger than it), with aborted transactions between: every chunk reads
 * back byte-exact, also after a reopen, and the store verifies.
 */
#define ODD_N	48

struct odd {
	uint8_t		*data[ODD_N];
	size_t		 len[ODD_N];
	uint8_t		 id[ODD_N][32];
	size_t		 from, to;	/* the chunks of the next txn */
	int		 fail;		/* abort after appending */
};

static int
odd_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct odd	*o = arg;
	int		 err;

	for (size_t i = o->from; i < o->to; i++) {
		err = weft__store_chunk_add(s, txn, o->id[i], o->data[i],
		    o->len[i]);
		if (err)
			return err;
	}
	return o->fail ? WEFT_EUSAGE : 0;
}

static void
odd_check(struct weft_store *s, struct odd *o, size_t n, bool have)
{
	struct weft_buf	b;

	for (size_t i = 0; i < n; i++) {
		weft_buf_init(&b, WEFT_INDEX_MAX);
		if (have) {
			assert_int_equal(weft_store_chunk_get(s, o->id[i], &b),
			    0);
			assert_int_equal(b.len, o->len[i]);
			assert_memory_equal(b.data, o->data[i], o->len[i]);
		} else {
			assert_int_equal(weft_store_chunk_get(s, o->id[i], &b),
			    WEFT_ENOTFOUND);
		}
		weft_buf_release(&b);
	}
}

static void
test_odd_sizes(void **state)
{
	static const size_t	sizes[] = { 1, 4095, 4096, 4097, 4060, 12345,
	    65536 - 36, 65536, 200001, 262144, 3, 511, 513, 8191 };
	struct fx		*f = *state;
	struct odd		*o, *junk;
	uint64_t		 total = 0;

	weft_store_close(f->s);
	f->o.pack_target = (uint64_t)32 << 20;
	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	o = calloc(1, sizeof(*o));
	junk = calloc(1, sizeof(*junk));
	assert_non_null(o);
	assert_non_null(junk);
	for (size_t i = 0; i < ODD_N; i++) {
		o->len[i] = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		if (i == 20)
			o->len[i] = (9u << 20) + 77;	/* over the stage */
		if (i >= 30 && i < 40)
			o->len[i] = 1000003;	/* 10 MB in one txn */
		o->data[i] = malloc(o->len[i]);
		assert_non_null(o->data[i]);
		randombytes_buf(o->data[i], o->len[i]);
		o->data[i][0] = (uint8_t)i;	/* 1-byte chunks differ too */
		weft_hash(o->data[i], o->len[i], o->id[i]);
		junk->len[i] = o->len[i] + 1;
		junk->data[i] = malloc(junk->len[i]);
		assert_non_null(junk->data[i]);
		randombytes_buf(junk->data[i], junk->len[i]);
		junk->data[i][0] = (uint8_t)i;
		weft_hash(junk->data[i], junk->len[i], junk->id[i]);
		total += o->len[i];
	}
	junk->fail = 1;
	/* Commits of 1, 2, 3... chunks, an abort of as many after each. */
	for (size_t at = 0, k = 1; at < ODD_N; at += k, k = k % 5 + 1) {
		o->from = junk->from = at;
		o->to = junk->to = at + k < ODD_N ? at + k : ODD_N;
		if (at >= 30 && at < 40)
			o->to = junk->to = 40;
		assert_int_equal(weft__store_write(f->s, odd_txn, o), 0);
		assert_int_equal(weft__store_write(f->s, odd_txn, junk),
		    WEFT_EUSAGE);
		odd_check(f->s, o, o->to, true);
		k = o->to - at;
	}
	check_mode(f);
	odd_check(f->s, junk, ODD_N, false);
	verify_clean(f->s, ODD_N);
	weft_store_close(f->s);
	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	odd_check(f->s, o, ODD_N, true);
	verify_clean(f->s, ODD_N);
	{
		struct weft_store_stats	st;
		uint64_t		bytes;

		assert_int_equal(weft_store_stats(f->s, &st), 0);
		assert_int_equal(st.chunk_bytes, total);
		/* After the open, no padding is left. */
		packs(f->dir, &bytes);
		assert_int_equal(bytes, st.pack_bytes);
	}
	for (size_t i = 0; i < ODD_N; i++) {
		free(o->data[i]);
		free(junk->data[i]);
	}
	free(o);
	free(junk);
}

/*
 * A transaction reads a chunk it has just written (store_files.c reads
 * an index it may have added): the bytes still staged for a direct write
 * read back the same.
 */
struct txn_read {
	const struct weft_chunk_put	*p;
	size_t				 n;
};

static int
txn_read_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct txn_read	*t = arg;
	struct weft_buf	 b;
	int		 err = 0;

	for (size_t i = 0; i < t->n && err == 0; i++) {
		err = weft__store_chunk_add(s, txn, t->p[i].id, t->p[i].data,
		    t->p[i].len);
		weft_buf_init(&b, WEFT_INDEX_MAX);
		for (size_t j = 0; j <= i && err == 0; j++) {
			b.len = 0;
			err = weft__store_chunk_read(s, txn, t->p[j].id, &b);
			if (err == 0 && (b.len != t->p[j].len ||
			    memcmp(b.data, t->p[j].data, b.len) != 0))
				err = WEFT_ECORRUPT;
		}
		weft_buf_release(&b);
	}
	return err;
}

static void
test_txn_read(void **state)
{
	struct fx	*f = *state;
	struct txn_read	 t = { f->p, 7 };

	assert_int_equal(weft__store_write(f->s, txn_read_txn, &t), 0);
	for (int i = 0; i < 7; i++)
		check_chunk(f->s, &f->p[i], true);
	verify_clean(f->s, 7);
}

/*
 * A file system that takes O_DIRECT at fcntl but refuses the writes
 * (EINVAL): this program's pwrite() stands in for libc's and refuses
 * every write on a descriptor with O_DIRECT while refuse_direct is set.
 */
static volatile int	refuse_direct;

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	int	fl;

	if (refuse_direct) {
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_DIRECT)) {
			errno = EINVAL;
			return -1;
		}
	}
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

/*
 * The first direct write refused: the staged bytes go out buffered, and
 * so does every later append; nothing is lost, the store says why, and
 * the next open tries O_DIRECT again.
 */
static void
test_refused(void **state)
{
	struct fx	*f = *state;

	if (!f->direct)
		skip();
	refuse_direct = 1;
	assert_int_equal(weft_store_chunks_put(f->s, f->p, 3), 0);
	assert_int_equal(weft_store_pack_direct(f->s), -EINVAL);
	for (int i = 3; i < 39; i += 9)
		assert_int_equal(weft_store_chunks_put(f->s, &f->p[i], 9), 0);
	assert_int_equal(weft_store_pack_direct(f->s), -EINVAL);
	refuse_direct = 0;
	for (int i = 0; i < 39; i++)
		check_chunk(f->s, &f->p[i], true);
	verify_clean(f->s, 39);
	weft_store_close(f->s);
	assert_int_equal(weft_store_open(&f->s, f->dir, &f->o), 0);
	assert_int_equal(weft_store_pack_direct(f->s), 1);
	assert_int_equal(weft_store_chunks_put(f->s, &f->p[39], 2), 0);
	for (int i = 0; i < 41; i++)
		check_chunk(f->s, &f->p[i], true);
	verify_clean(f->s, 41);
}

int
main(void)
{
#define BOTH(t)							\
	cmocka_unit_test_setup_teardown(t, setup, teardown),		\
	cmocka_unit_test_setup_teardown(t, setup_buffered, teardown)
	const struct CMUnitTest tests[] = {
		BOTH(test_compact),
		BOTH(test_compact_newest),
		BOTH(test_recover),
		BOTH(test_bad_entry),
		BOTH(test_migrate),
		BOTH(test_race_abort),
		BOTH(test_odd_sizes),
		BOTH(test_txn_read),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
