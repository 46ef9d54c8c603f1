/*
 * bench-fdesign: what the queries over `file_design` cost (issue 14.6):
 * labels on files act through it.
 *
 *   bench-fdesign DIR [DESIGNS] [LABELS]
 *	stores DESIGNS geneses (default 20,000) of 1 to 3 files each, one
 *	in ten sharing a file with the design before it, into a fresh
 *	store in DIR (which must not hold one), then LABELS (default
 *	1,000) "nsfw" labels by a trusted moderator on files of those
 *	designs, and prints the CPU time (whole process) of: the verdict
 *	of every design (weft_store_verdict: the walk of a design's
 *	files), the designs of every labelled file (weft_store_file_designs:
 *	the walk by hash), and weft_store_hidden_targets() (what ls and
 *	search leave out), each the median of 5 runs; and the ingest's
 *	CPU time. Deterministic in its counts; builds in older trees too,
 *	to compare in the same run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "bench.h"

#define TS0	UINT64_C(1700000000000)
#define ID	WEFT_ID_BYTES
#define RUNS	5

static uint8_t	pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];
static uint8_t	mpk[WEFT_PK_BYTES], msk[WEFT_SK_BYTES];

static void
die(const char *what, int err)
{
	fprintf(stderr, "bench-fdesign: %s: %s\n", what, weft_strerror(err));
	exit(1);
}

static void
put(struct weft_store *s, struct weft_record *r, const uint8_t *key,
    uint8_t id[ID])
{
	struct weft_buf		body, env;
	struct weft_slice	sl;
	int			err, res = 0;

	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, key, &env);
	if (err)
		die("encode", err);
	weft_record_id(body.data, body.len, id);
	sl.data = env.data;
	sl.len = env.len;
	err = weft_store_records_put(s, &sl, 1, &res, NULL);
	if (err || (res != 0 && res != WEFT_EEXISTS))
		die("put", err ? err : res);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

static char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		die("strdup", -ENOMEM);
	return p;
}

static int
count_cb(void *arg, const uint8_t id[ID])
{
	(void)id;
	(*(size_t *)arg)++;
	return 0;
}

static int
dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	struct weft_store		*s;
	struct weft_store_verdict	 v;
	struct weft_record		 r;
	uint8_t				(*design)[ID], (*hash)[ID];
	uint8_t				 lid[ID];
	size_t				 nd = 20000, nl = 1000, nh = 0, n;
	double				 t, cpu[3][RUNS];
	char				 path[32];
	int				 err;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: bench-fdesign DIR [DESIGNS] "
		    "[LABELS]\n");
		return 2;
	}
	if (argc > 2)
		nd = strtoul(argv[2], NULL, 10);
	if (argc > 3)
		nl = strtoul(argv[3], NULL, 10);
	if (sodium_init() < 0 || nd == 0 || nl > nd)
		return 2;
	design = calloc(nd, ID);
	hash = calloc(3 * nd, ID);
	if (design == NULL || hash == NULL)
		die("calloc", -ENOMEM);
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(mpk, msk);
	err = weft_store_open(&s, argv[1], NULL);
	if (err)
		die(argv[1], err);

	t = cpu_now();
	for (size_t i = 0; i < nd; i++) {
		uint32_t	nf = 1 + (uint32_t)(i * 2654435761u >> 7) % 3;

		weft_record_init(&r);
		r.type = WEFT_REC_REV;
		r.ts = TS0 + i * 1000;
		memcpy(r.author, pk, WEFT_PK_BYTES);
		r.title = xstrdup("bracket");
		r.license = xstrdup("CC-BY-4.0");
		r.message = xstrdup("");
		r.description = xstrdup("");
		r.files = calloc(nf, sizeof(*r.files));
		if (r.files == NULL)
			die("calloc", -ENOMEM);
		for (uint32_t f = 0; f < nf; f++) {
			snprintf(path, sizeof(path), "part-%u.stl", f);
			r.files[f].path = xstrdup(path);
			r.files[f].size = 1000 + f;
			if (f == 0 && i % 10 == 1 && nh > 0) {
				/* shared with the design before */
				memcpy(r.files[f].hash, hash[nh - 1], ID);
				continue;
			}
			randombytes_buf(hash[nh], ID);
			memcpy(r.files[f].hash, hash[nh++], ID);
		}
		for (uint32_t f = 0; f < nf; f++)
			randombytes_buf(r.files[f].index, ID);
		r.nfiles = nf;
		weft_record_sort(&r);
		put(s, &r, sk, design[i]);
	}
	printf("ingest of %zu designs (%zu files): %.2f CPU-s\n", nd, nh,
	    cpu_now() - t);

	err = weft_store_moderator_put(s, mpk, TS0);
	if (err)
		die("moderator", err);
	for (size_t i = 0; i < nl; i++) {
		weft_record_init(&r);
		r.type = WEFT_REC_LABEL;
		r.ts = TS0 + nd * 1000 + i;
		memcpy(r.author, mpk, WEFT_PK_BYTES);
		r.label_on = WEFT_LABEL_FILE;
		memcpy(r.label_target, hash[i * (nh / nl)], ID);
		r.label = xstrdup("nsfw");
		r.label_reason = xstrdup("");
		put(s, &r, msk, lid);
	}

	for (int run = 0; run < RUNS; run++) {
		t = cpu_now();
		n = 0;
		for (size_t i = 0; i < nd; i++) {
			err = weft_store_verdict(s, design[i], &v);
			if (err)
				die("verdict", err);
			n += v.action != WEFT_VERDICT_NONE;
		}
		cpu[0][run] = cpu_now() - t;
		if (run == 0)
			printf("verdicts: %zu of %zu designs hidden\n", n, nd);
		t = cpu_now();
		n = 0;
		for (size_t i = 0; i < nl; i++) {
			err = weft_store_file_designs(s, hash[i * (nh / nl)],
			    count_cb, &n);
			if (err)
				die("file designs", err);
		}
		cpu[1][run] = cpu_now() - t;
		if (run == 0)
			printf("designs of the %zu labelled files: %zu\n", nl,
			    n);
		t = cpu_now();
		n = 0;
		err = weft_store_hidden_targets(s, count_cb, &n);
		if (err)
			die("hidden", err);
		cpu[2][run] = cpu_now() - t;
		if (run == 0)
			printf("hidden targets: %zu\n", n);
	}
	for (int q = 0; q < 3; q++)
		qsort(cpu[q], RUNS, sizeof(double), dcmp);
	printf("verdict of every design: %.2f us a design (CPU, median of "
	    "%d)\n", 1e6 * cpu[0][RUNS / 2] / (double)nd, RUNS);
	printf("designs of a labelled file: %.2f us a file\n",
	    1e6 * cpu[1][RUNS / 2] / (double)nl);
	printf("hidden targets: %.2f ms\n", 1e3 * cpu[2][RUNS / 2]);
	weft_store_close(s);
	free(design);
	free(hash);
	return 0;
}
