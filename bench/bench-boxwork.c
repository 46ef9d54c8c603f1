/*
 * bench-boxwork: where a box-stream batch is worth a job on the thread
 * pool (stop 13's boxwork.c, not kept: DESIGN.md). For batches of frames
 * from 1 KiB to 256 KiB it seals the same bytes two ways, one batch
 * after the other as a connection's pipeline does:
 *   loop: weft_boxs_seal_frames() on the loop thread;
 *   job:  uv_queue_work() with a job per batch, its buffers allocated
 *         per job as boxwork.c does, the next queued from the completion
 *         of the last.
 * and prints, per batch, the wall time and the loop thread's CPU time
 * (what the loop still spends: with a job, queueing and the completion;
 * inline, the crypto). A job pays when its loop time is well below the
 * crypto's.
 *
 *   bench-boxwork [--mib N]	(default 64 MiB per size and way)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <uv.h>

#include "weft/boxstream.h"
#include "weft/buf.h"

#include "bench.h"

static const uint8_t	key[32] = { 1 };
static const uint8_t	nonce[24] = { 2 };

struct run {
	uv_loop_t		*loop;
	struct weft_boxs	 bs;
	const uint8_t		*frames;
	size_t			 len;
	size_t			 left;	/* batches */
};

struct job {
	uv_work_t		 req;
	struct run		*r;
	struct weft_buf		 in;
	struct weft_buf		 out;
	int			 err;
};

static double
thread_cpu(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void	next(struct run *);

static void
work(uv_work_t *req)
{
	struct job	*j = req->data;

	j->err = weft_buf_reserve(&j->out, j->in.len + j->in.len / 8);
	if (j->err == 0)
		j->err = weft_boxs_seal_frames(&j->r->bs, j->in.data,
		    j->in.len, 0, &j->out);
}

static void
after(uv_work_t *req, int status)
{
	struct job	*j = req->data;
	struct run	*r = j->r;

	if (status != 0 || j->err != 0) {
		fprintf(stderr, "seal failed\n");
		exit(1);
	}
	weft_buf_release(&j->in);
	weft_buf_release(&j->out);
	free(j);
	next(r);
}

static void
next(struct run *r)
{
	struct job	*j;

	if (r->left == 0)
		return;
	r->left--;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		exit(1);
	j->r = r;
	j->req.data = j;
	weft_buf_init(&j->in, r->len);
	weft_buf_init(&j->out, 2 * r->len + 4096);
	if (weft_buf_add(&j->in, r->frames, r->len) != 0 ||
	    uv_queue_work(r->loop, &j->req, work, after) != 0)
		exit(1);
}

/* Frames of up to 4096 bytes filling len bytes. */
static uint8_t *
make_frames(size_t len)
{
	uint8_t	*f = malloc(len);
	size_t	 off = 0, n;

	if (f == NULL)
		exit(1);
	randombytes_buf(f, len);
	while (off < len) {
		n = len - off - 2;
		if (n > WEFT_BOXS_BODY_MAX)
			n = WEFT_BOXS_BODY_MAX;
		f[off] = (uint8_t)(n >> 8);
		f[off + 1] = (uint8_t)n;
		off += 2 + n;
	}
	return f;
}

int
main(int argc, char **argv)
{
	static const size_t	sizes[] = { 1024, 2048, 4098, 8196, 16392,
	    32784, 65568, 131136, 262272 };
	size_t			total = (size_t)64 << 20;
	struct weft_buf		out;
	struct run		r;
	double			w0, c0, wl, cl, wj, cj;
	size_t			n;

	if (argc == 3 && strcmp(argv[1], "--mib") == 0)
		total = (size_t)strtoul(argv[2], NULL, 10) << 20;
	if (sodium_init() < 0)
		return 1;
	printf("%9s %8s | %10s %10s | %10s %10s %12s\n", "batch", "batches",
	    "loop: wall", "loop CPU", "job: wall", "loop CPU",
	    "(us/batch)");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.len = sizes[i] - 2;	/* an even number of full frames */
		r.frames = make_frames(r.len);
		n = total / r.len;
		if (n < 64)
			n = 64;

		weft_boxs_init(&r.bs, key, nonce);
		weft_buf_init(&out, 2 * r.len + 4096);
		w0 = now();
		c0 = thread_cpu();
		for (size_t k = 0; k < n; k++) {
			weft_buf_reset(&out);
			if (weft_boxs_seal_frames(&r.bs, r.frames, r.len, 0,
			    &out) != 0)
				return 1;
		}
		cl = thread_cpu() - c0;
		wl = now() - w0;
		weft_buf_release(&out);

		r.loop = uv_default_loop();
		r.left = n;
		weft_boxs_init(&r.bs, key, nonce);
		w0 = now();
		c0 = thread_cpu();
		next(&r);
		uv_run(r.loop, UV_RUN_DEFAULT);
		cj = thread_cpu() - c0;
		wj = now() - w0;
		printf("%9zu %8zu | %10.1f %10.1f | %10.1f %10.1f\n", r.len, n,
		    wl / (double)n * 1e6, cl / (double)n * 1e6,
		    wj / (double)n * 1e6, cj / (double)n * 1e6);
		free((void *)r.frames);
	}
	printf("(microseconds per batch; a job pays off where its loop CPU "
	    "is well below the loop way's)\n");
	return 0;
}
