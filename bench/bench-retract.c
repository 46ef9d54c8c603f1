/*
 * bench-retract: how long the retraction of a large design takes (the
 * purge of its files), beside storing and reading those files in the
 * same run. Target (issue 11): a 1 GiB design purged in under 1 s.
 *
 *   bench-retract [--mib N] [--kept-mib K] [--dir DIR]
 *	makes a fresh store (in DIR, default a temporary directory under
 *	/tmp, removed at the end) and times:
 *	- store: N MiB of random bytes cut into content-defined chunks as
 *	  publish cuts them, hashed and stored (4 files of N/4 MiB, one
 *	  chunk list each), in batches of 64 chunks as publish stores them;
 *	- read: every chunk of the design read back through the store;
 *	- retract: the author's retract of the design, stored through
 *	  weft_store_record_put() (checks, tombstones, index removal and
 *	  the purge of every chunk in one write transaction).
 *	The big design also names the one file of a second design of K MiB
 *	(default 64), so the purge has a kept file to honour: it deletes the
 *	N MiB and keeps the K. Prints each
 *	time, MB/s, and retract's time as a share of store and read.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "bench.h"

#define NFILES		4
#define BATCH		64
#define BUF_BYTES	(16u << 20)

static uint8_t	pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];
static uint64_t	ts = UINT64_C(1700000000000);

static void
die(const char *what, int err)
{
	fprintf(stderr, "bench-retract: %s: %s\n", what, weft_strerror(err));
	exit(1);
}

struct file {
	struct weft_chunk_ref	*refs;
	size_t			 n, cap;
	uint64_t		 size;
	uint8_t			 index[32];
};

/* Chunks waiting for one batch put, their bytes in one buffer. */
struct batch {
	struct weft_chunk_put	 put[BATCH];
	uint8_t			*bytes;
	size_t			 n, used;
};

static void
flush(struct weft_store *s, struct batch *b)
{
	int	err;

	if (b->n == 0)
		return;
	err = weft_store_chunks_put_hashed(s, b->put, b->n);
	if (err)
		die("store chunks", err);
	b->n = 0;
	b->used = 0;
}

static void
add_chunk(struct weft_store *s, struct batch *b, struct file *f,
    const uint8_t *p, size_t len)
{
	struct weft_chunk_ref	*tmp;

	if (b->n == BATCH || b->used + len > (size_t)BATCH * WEFT_CHUNK_MAX)
		flush(s, b);
	memcpy(b->bytes + b->used, p, len);
	weft_hash(p, len, b->put[b->n].id);
	b->put[b->n].data = b->bytes + b->used;
	b->put[b->n].len = len;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 1024;
		tmp = realloc(f->refs, f->cap * sizeof(*f->refs));
		if (tmp == NULL)
			die("memory", -ENOMEM);
		f->refs = tmp;
	}
	memcpy(f->refs[f->n].id, b->put[b->n].id, 32);
	f->refs[f->n].size = (uint32_t)len;
	f->n++;
	f->size += len;
	b->used += len;
	b->n++;
}

/* A file of mib MiB of random bytes, cut and stored; its index too. */
static void
make_file(struct weft_store *s, struct batch *b, uint8_t *buf,
    uint64_t bytes, struct file *f)
{
	struct weft_chunker	 ck;
	struct weft_chunk_put	 ip;
	struct weft_buf		 ib;
	uint8_t			*cur;
	size_t			 curlen = 0, n, k, off;
	uint64_t		 left = bytes;

	cur = malloc(WEFT_CHUNK_MAX);
	if (cur == NULL)
		die("memory", -ENOMEM);
	memset(f, 0, sizeof(*f));
	weft_chunker_init(&ck);
	while (left > 0) {
		n = left < BUF_BYTES ? (size_t)left : BUF_BYTES;
		randombytes_buf(buf, n);
		left -= n;
		for (off = 0; off < n; off += k) {
			k = weft_chunker_scan(&ck, buf + off, n - off);
			if (k == 0) {
				memcpy(cur + curlen, buf + off, n - off);
				curlen += n - off;
				k = n - off;
				continue;
			}
			memcpy(cur + curlen, buf + off, k);
			add_chunk(s, b, f, cur, curlen + k);
			curlen = 0;
		}
	}
	if (curlen > 0)
		add_chunk(s, b, f, cur, curlen);
	flush(s, b);
	free(cur);
	weft_buf_init(&ib, WEFT_INDEX_MAX);
	if (weft_index_encode(f->refs, f->n, &ib) != 0)
		die("index", WEFT_ETOOBIG);
	weft_hash(ib.data, ib.len, f->index);
	memcpy(ip.id, f->index, 32);
	ip.data = ib.data;
	ip.len = ib.len;
	if (weft_store_chunks_put(s, &ip, 1) != 0)
		die("store index", WEFT_ECORRUPT);
	weft_buf_release(&ib);
}

/* Signs r as the bench author and stores it; its id in id. */
static void
put_record(struct weft_store *s, struct weft_record *r, uint8_t id[32])
{
	struct weft_buf	body, env;
	int		err;

	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = ts++;
	weft_record_sort(r);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, sk, &env);
	if (err == 0)
		err = weft_store_record_put(s, env.data, env.len, id);
	if (err)
		die("record", err);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

static void
design(struct weft_store *s, const char *title, struct file *files,
    size_t n, uint8_t id[32])
{
	struct weft_record	r;
	char			path[32];

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.title = strdup(title);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	r.files = calloc(n, sizeof(*r.files));
	if (r.title == NULL || r.files == NULL)
		die("memory", -ENOMEM);
	r.nfiles = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "part%zu.bin", i);
		r.files[i].path = strdup(path);
		r.files[i].size = files[i].size;
		memset(r.files[i].hash, 0x5a, 32);	/* not checked here */
		memcpy(r.files[i].index, files[i].index, 32);
	}
	put_record(s, &r, id);
}

int
main(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "mib", required_argument, NULL, 'm' },
		{ "kept-mib", required_argument, NULL, 'k' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct weft_store	*s;
	struct weft_record	 r;
	struct weft_buf		 out;
	struct batch		 b;
	struct file		 big[NFILES + 1];
	char			 tmpl[] = "/tmp/weft-bench-retract-XXXXXX";
	const char		*dir = NULL;
	uint8_t			*buf, did[32], kid[32], rid[32];
	uint64_t		 mib = 1024, kmib = 64, bytes = 0, left;
	size_t			 nchunks = 0;
	double			 t0, t_store, t_read, t_retract;
	int			 ch, own = 0, err;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			mib = strtoull(optarg, NULL, 10);
			break;
		case 'k':
			kmib = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench-retract [--mib N] "
			    "[--kept-mib K] [--dir DIR]\n");
			return 2;
		}
	}
	if (sodium_init() < 0 || mib < NFILES)
		return 2;
	crypto_sign_keypair(pk, sk);
	if (dir == NULL) {
		dir = mkdtemp(tmpl);
		own = 1;
		if (dir == NULL)
			die("mkdtemp", -errno);
	}
	err = weft_store_open(&s, dir, NULL);
	if (err)
		die("open", err);
	buf = malloc(BUF_BYTES);
	b.bytes = malloc((size_t)BATCH * WEFT_CHUNK_MAX);
	b.n = b.used = 0;
	if (buf == NULL || b.bytes == NULL)
		die("memory", -ENOMEM);

	/* store: the big design's files. */
	t0 = now();
	left = mib << 20;
	for (int i = 0; i < NFILES; i++) {
		make_file(s, &b, buf, i == NFILES - 1 ? left :
		    (mib << 20) / NFILES, &big[i]);
		left -= big[i].size;
		bytes += big[i].size;
		nchunks += big[i].n + 1;
	}
	t_store = now() - t0;
	/* The kept design, whose file the big one names too. */
	make_file(s, &b, buf, kmib << 20, &big[NFILES]);
	design(s, "kept", &big[NFILES], 1, kid);
	design(s, "big", big, NFILES + 1, did);

	/* read: every chunk of the big design. */
	weft_buf_init(&out, WEFT_CHUNK_MAX);
	t0 = now();
	for (int i = 0; i < NFILES; i++)
		for (size_t j = 0; j < big[i].n; j++) {
			out.len = 0;
			err = weft_store_chunk_get(s, big[i].refs[j].id, &out);
			if (err)
				die("read", err);
		}
	t_read = now() - t0;
	weft_buf_release(&out);

	/* retract: the design, purge included. */
	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.has_scope = true;
	memcpy(r.scope, did, 32);
	r.targets.ids = malloc(32);
	if (r.targets.ids == NULL)
		die("memory", -ENOMEM);
	memcpy(r.targets.ids[0], did, 32);
	r.targets.n = 1;
	r.reason = strdup("bench");
	t0 = now();
	put_record(s, &r, rid);
	t_retract = now() - t0;

	/* The kept design's shared file survived; the rest went. */
	if (weft_store_chunk_has(s, big[NFILES].refs[0].id) != 0 ||
	    weft_store_chunk_has(s, big[NFILES].index) != 0 ||
	    weft_store_chunk_has(s, big[0].refs[0].id) != WEFT_ENOTFOUND ||
	    weft_store_chunk_has(s, big[NFILES - 1].index) != WEFT_ENOTFOUND)
		die("purge", WEFT_ECORRUPT);

	printf("design: %.0f MiB in %zu chunks, and a file of %llu MiB a "
	    "kept design shares\n", (double)bytes / (1 << 20), nchunks,
	    (unsigned long long)kmib);
	printf("store    %8.3f s  %8.1f MB/s\n", t_store,
	    (double)bytes / 1e6 / t_store);
	printf("read     %8.3f s  %8.1f MB/s\n", t_read,
	    (double)bytes / 1e6 / t_read);
	printf("retract  %8.3f s  %8.1f MB/s purged (%.1f%% of store, "
	    "%.1f%% of read)\n", t_retract,
	    (double)bytes / 1e6 / t_retract,
	    100 * t_retract / t_store, 100 * t_retract / t_read);

	weft_store_close(s);
	free(buf);
	free(b.bytes);
	for (int i = 0; i <= NFILES; i++)
		free(big[i].refs);
	if (own) {
		char	cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench-retract: cannot remove %s\n",
			    dir);
	}
	return 0;
}
