/*
 * bench-churn: does chunk storage slow down once many designs have been
 * published and deleted? (issue 11 part 6.) Runs through the store API
 * (daemon/store/store.h), the way weftd's publish does: each design's
 * bytes are cut into chunks (FastCDC), hashed, and stored in batches of
 * 2 MiB with weft_store_chunks_put_new(); a deletion drops a design's
 * chunks in one transaction (weft_store_chunks_drop(), what gc and
 * retraction do), so the network, the control socket and the records
 * are left out: only the chunk store is measured.
 *
 *   bench-churn [--live-mib L] [--factor F] [--publish-mib P]
 *       [--max-design-mib M] [--rounds R] [--seed S] [--dir DIR]
 *	churns a store: publishes designs of random sizes (log-uniform
 *	from 1 KiB to M MiB, default 50) and deletes random live ones
 *	whenever the live data would pass L MiB (default 1024), until F
 *	(default 10) times L has been published; then deletes down to
 *	half of L. Then R rounds (default 3) of: a P MiB publish
 *	(default 512) into a fresh store and the same publish into the
 *	churned store (the churned copy is deleted again after each
 *	round). Prints each publish's rate and the ratio churned/fresh,
 *	the store file's size against its live chunk bytes after the
 *	churn, and the chunk write rate of the first and the last tenth
 *	of the churn. The stores live in a temporary directory under DIR
 *	(default $TMPDIR or /var/tmp), removed at the end.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/chunk.h"
#include "weft/err.h"

#include "store.h"
#include "bench.h"

#define MIB		((uint64_t)1 << 20)
#define BATCH		(2u * 1024 * 1024)	/* as daemon/ctl/publish.c */
#define BATCH_MAXN	(BATCH / WEFT_CHUNK_MIN + 2)

struct design {
	uint8_t		(*ids)[WEFT_ID_BYTES];
	size_t		  n;
	uint64_t	  bytes;
	uint64_t	  token;	/* its publish's, for the drop */
};

struct bench {
	struct weft_store	*s;
	uint64_t		 token;		/* the last publish's */
	double			 put_secs;	/* inside chunks_put_new */
	uint64_t		 put_bytes;
};

static uint64_t	rng_state;
/* The temporary stores, removed by die() too. */
static char	g_top[4096], g_cdir[4200], g_fdir[4200];

static void	rm_store(const char *);

static uint64_t
rng_next(void)
{
	/* splitmix64 */
	uint64_t	z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double
rng_unit(void)
{
	return (double)(rng_next() >> 11) / (double)(UINT64_C(1) << 53);
}

static void
die(const char *what, int err)
{
	fprintf(stderr, "bench-churn: %s: %s\n", what, weft_strerror(err));
	if (g_top[0] != '\0') {
		rm_store(g_cdir);
		rm_store(g_fdir);
		rmdir(g_top);
	}
	exit(1);
}

/* Fills p with n bytes no other design shares (ChaCha20 keyed by tag). */
static void
fill(uint8_t *p, size_t n, uint64_t tag)
{
	uint8_t	seed[randombytes_SEEDBYTES] = { 0 };

	memcpy(seed, &tag, sizeof(tag));
	randombytes_buf_deterministic(p, n, seed);
}

static int
put_batch(struct bench *b, const struct weft_chunk_put *c, size_t n)
{
	uint8_t	fresh[BATCH_MAXN];
	uint64_t gen[2];
	double	t0;
	int	err;

	t0 = now();
	err = weft_store_chunks_put_new(b->s, c, n, b->token, fresh, gen);
	b->put_secs += now() - t0;
	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		b->put_bytes += c[i].len;
	return 0;
}

/* Publishes p[0..n) as one design's chunks; d (if not NULL) gets its ids. */
static int
publish(struct bench *b, const uint8_t *p, size_t n, struct design *d)
{
	struct weft_chunk_put	 c[BATCH_MAXN];
	struct weft_chunker	 ck;
	size_t			 nc = 0, batch = 0, off = 0, k, cap = 0;
	int			 err;

	b->token++;		/* a publish of its own, as weftd's */
	if (d != NULL) {
		cap = n / WEFT_CHUNK_MIN + 2;
		d->ids = malloc(cap * WEFT_ID_BYTES);
		d->n = 0;
		d->bytes = n;
		d->token = b->token;
		if (d->ids == NULL)
			return -ENOMEM;
	}
	weft_chunker_init(&ck);
	while (off < n) {
		k = weft_chunker_scan(&ck, p + off, n - off);
		if (k == 0)
			k = n - off;
		c[nc].data = p + off;
		c[nc].len = k;
		weft_hash(p + off, k, c[nc].id);
		if (d != NULL && d->n < cap)
			memcpy(d->ids[d->n++], c[nc].id, WEFT_ID_BYTES);
		batch += k;
		off += k;
		nc++;
		if (batch >= BATCH || nc == BATCH_MAXN || off == n) {
			err = put_batch(b, c, nc);
			if (err)
				return err;
			nc = 0;
			batch = 0;
		}
	}
	/* Its chunks are put: the publish ends, as weftd's would. */
	weft_store_hold_end(b->s, b->token);
	return 0;
}

static int
drop(struct bench *b, struct design *d)
{
	uint64_t	bytes;
	size_t		dropped;
	int		err;

	err = weft_store_chunks_drop(b->s, (const uint8_t (*)[32])d->ids,
	    d->n, d->token, &dropped, &bytes);
	if (err)
		return err;
	free(d->ids);
	d->ids = NULL;
	return 0;
}

/* Bytes of the store's files (data.mdb and any other) on disk. */
static void
store_size(const char *dir, uint64_t *apparent, uint64_t *allocated)
{
	char		 path[4096];
	struct dirent	*e;
	struct stat	 st;
	DIR		*dp;

	*apparent = *allocated = 0;
	dp = opendir(dir);
	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, "lock.mdb") == 0 || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		*apparent += (uint64_t)st.st_size;
		*allocated += (uint64_t)st.st_blocks * 512;
	}
	closedir(dp);
}

static void
rm_store(const char *dir)
{
	char		 path[4096];
	struct dirent	*e;
	DIR		*dp;

	dp = opendir(dir);
	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path))
			continue;
		unlink(path);
	}
	closedir(dp);
	rmdir(dir);
}

static double
median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-churn [--live-mib L] [--factor F] "
	    "[--publish-mib P] [--max-design-mib M] [--rounds R] "
	    "[--seed S] [--dir DIR]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench		 churn = { 0 }, fresh = { 0 };
	struct weft_store_stats	 st;
	struct design		*live = NULL;
	const char		*base = getenv("TMPDIR");
	char			 top[4096], cdir[4200], fdir[4200];
	uint64_t		 live_mib = 1024, factor = 10, pub_mib = 512;
	uint64_t		 max_mib = 50, seed = 1, tag = 1;
	uint64_t		 limit, passed = 0, live_bytes = 0, sz;
	uint64_t		 app, alloc;
	uint64_t		 tenth_b[2] = { 0 };
	double			 tenth_t[2] = { 0 }, rate_f[16], rate_c[16];
	double			 ratio[16], t0, tc, lo, hi;
	size_t			 nlive = 0, caplive = 0, i;
	uint8_t			*buf, *big;
	int			 rounds = 3, err;

	for (int a = 1; a < argc; a++) {
		if (a + 1 >= argc)
			usage();
		if (strcmp(argv[a], "--live-mib") == 0)
			live_mib = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--factor") == 0)
			factor = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--publish-mib") == 0)
			pub_mib = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--max-design-mib") == 0)
			max_mib = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--rounds") == 0)
			rounds = atoi(argv[++a]);
		else if (strcmp(argv[a], "--seed") == 0)
			seed = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--dir") == 0)
			base = argv[++a];
		else
			usage();
	}
	if (live_mib == 0 || pub_mib == 0 || max_mib == 0 || rounds < 1 ||
	    rounds > 16 || max_mib > live_mib)
		usage();
	if (sodium_init() < 0)
		return 1;
	rng_state = seed;
	if (base == NULL || *base == '\0')
		base = "/var/tmp";
	snprintf(top, sizeof(top), "%s/weft-churn.XXXXXX", base);
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cdir, sizeof(cdir), "%s/churned", top);
	snprintf(fdir, sizeof(fdir), "%s/fresh", top);
	memcpy(g_top, top, sizeof(g_top));
	memcpy(g_cdir, cdir, sizeof(g_cdir));
	memcpy(g_fdir, fdir, sizeof(g_fdir));
	if (mkdir(cdir, 0700) != 0) {
		perror("mkdir");
		return 1;
	}
	buf = malloc(max_mib * MIB);
	big = malloc(pub_mib * MIB);
	if (buf == NULL || big == NULL)
		return 1;
	err = weft_store_open(&churn.s, cdir, NULL);
	if (err)
		die("open", err);

	/* The churn. */
	limit = live_mib * MIB;
	lo = log(1024.0);
	hi = log((double)(max_mib * MIB));
	printf("churn: live <= %llu MiB, %llu MiB to pass through, designs "
	    "1 KiB..%llu MiB (log-uniform)\n", (unsigned long long)live_mib,
	    (unsigned long long)(factor * live_mib),
	    (unsigned long long)max_mib);
	tc = now();
	while (passed < factor * limit) {
		sz = (uint64_t)exp(lo + (hi - lo) * rng_unit());
		while (nlive > 0 && live_bytes + sz > limit) {
			i = (size_t)(rng_next() % nlive);
			live_bytes -= live[i].bytes;
			err = drop(&churn, &live[i]);
			if (err)
				die("drop", err);
			live[i] = live[--nlive];
		}
		if (nlive == caplive) {
			caplive = caplive ? caplive * 2 : 256;
			live = realloc(live, caplive * sizeof(*live));
			if (live == NULL)
				return 1;
		}
		fill(buf, sz, tag++);
		double pt = churn.put_secs;
		uint64_t pb = churn.put_bytes;
		err = publish(&churn, buf, sz, &live[nlive]);
		if (err)
			die("publish", err);
		nlive++;
		live_bytes += sz;
		/* The first and the last tenth of what passes through. */
		int which = passed < factor * limit / 10 ? 0 :
		    passed >= factor * limit * 9 / 10 ? 1 : -1;
		if (which >= 0) {
			tenth_t[which] += churn.put_secs - pt;
			tenth_b[which] += churn.put_bytes - pb;
		}
		passed += sz;
	}
	while (nlive > 0 && live_bytes > limit / 2) {
		i = (size_t)(rng_next() % nlive);
		live_bytes -= live[i].bytes;
		err = drop(&churn, &live[i]);
		if (err)
			die("drop", err);
		live[i] = live[--nlive];
	}
	tc = now() - tc;
	err = weft_store_stats(churn.s, &st);
	if (err)
		die("stats", err);
	store_size(cdir, &app, &alloc);
	printf("churn took %.1f s; chunk writes: first tenth %.1f MB/s, "
	    "last tenth %.1f MB/s\n", tc, tenth_b[0] / tenth_t[0] / 1e6,
	    tenth_b[1] / tenth_t[1] / 1e6);
	printf("after churn: live chunks %.1f MiB (%llu designs), store "
	    "files %.1f MiB (%.2fx live), on disk %.1f MiB (%.2fx), map used "
	    "%.1f MiB\n", st.chunk_bytes / (double)MIB,
	    (unsigned long long)nlive, app / (double)MIB,
	    (double)app / (double)st.chunk_bytes, alloc / (double)MIB,
	    (double)alloc / (double)st.chunk_bytes, st.map_used / (double)MIB);

	/* Fresh against churned, the same bytes, alternating. */
	fill(big, pub_mib * MIB, UINT64_MAX);
	for (int r = 0; r < rounds; r++) {
		struct design d;

		if (mkdir(fdir, 0700) != 0) {
			perror("mkdir");
			return 1;
		}
		err = weft_store_open(&fresh.s, fdir, NULL);
		if (err)
			die("open fresh", err);
		sync();
		t0 = now();
		err = publish(&fresh, big, pub_mib * MIB, NULL);
		if (err)
			die("publish fresh", err);
		rate_f[r] = pub_mib * MIB / (now() - t0) / 1e6;
		weft_store_close(fresh.s);
		rm_store(fdir);

		sync();
		t0 = now();
		err = publish(&churn, big, pub_mib * MIB, &d);
		if (err)
			die("publish churned", err);
		rate_c[r] = pub_mib * MIB / (now() - t0) / 1e6;
		ratio[r] = rate_c[r] / rate_f[r];
		store_size(cdir, &app, &alloc);
		printf("round %d: publish %llu MiB fresh %.1f MB/s, churned "
		    "%.1f MB/s (%.0f%%); churned store files %.1f MiB\n", r + 1,
		    (unsigned long long)pub_mib, rate_f[r], rate_c[r],
		    100 * ratio[r], app / (double)MIB);
		err = drop(&churn, &d);
		if (err)
			die("drop", err);
	}
	err = weft_store_stats(churn.s, &st);
	if (err)
		die("stats", err);
	store_size(cdir, &app, &alloc);
	printf("median: churned at %.0f%% of fresh (target >= 90%%); "
	    "store files %.2fx live after deletion (target <= 1.5x)\n",
	    100 * median(ratio, rounds), (double)app / (double)st.chunk_bytes);
	for (i = 0; i < nlive; i++)
		free(live[i].ids);
	free(live);
	free(buf);
	free(big);
	weft_store_close(churn.s);
	rm_store(cdir);
	rmdir(top);
	return 0;
}
