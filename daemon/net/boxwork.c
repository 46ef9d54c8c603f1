/*
 * Box-stream batches on the thread pool (boxwork.h). The worker touches
 * the job and the box-stream state lent to it, nothing else; the loop
 * does not use that state until done has run, and the connection holds a
 * reference for the job, so a close in the meantime frees nothing the
 * worker reads.
 */
#include <stdlib.h>

#include <sodium.h>

#include "weft/boxstream.h"
#include "weft/err.h"

#include "boxwork.h"

struct weft_boxjob *
weft_boxjob_new(struct weft_boxs *bs, bool seal, void *arg)
{
	struct weft_boxjob	*j;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->bs = bs;
	j->seal = seal;
	j->arg = arg;
	if (seal) {
		/* Frames up to the cap, plus the last one that passes it. */
		weft_buf_init(&j->in, WEFT_BOXWORK_TX_MAX +
		    WEFT_BOXS_FRAME_HDR + WEFT_BOXS_BODY_MAX);
		/*
		 * Each frame of 2 + n bytes (n >= 1) grows to 34 + n, then
		 * the goodbye.
		 */
		weft_buf_init(&j->out, j->in.max + (j->in.max / 3 + 1) *
		    (WEFT_BOXS_HEADER_BYTES - WEFT_BOXS_FRAME_HDR) +
		    WEFT_BOXS_HEADER_BYTES);
	} else {
		weft_buf_init(&j->in, WEFT_BOXWORK_RXQ_MAX + 2 * 64 * 1024);
		weft_buf_init(&j->out, j->in.max + WEFT_BOXS_FRAME_HDR +
		    WEFT_BOXS_BODY_MAX);
	}
	return j;
}

void
weft_boxjob_free(struct weft_boxjob *j)
{
	if (j == NULL)
		return;
	/* Received bytes in the clear: wipe them as the session does. */
	if (!j->seal && j->out.data != NULL)
		sodium_memzero(j->out.data, j->out.len);
	weft_buf_release(&j->in);
	weft_buf_release(&j->out);
	free(j);
}

static void
boxjob_crypt(struct weft_boxjob *j)
{
	if (j->seal) {
		/* Room for full frames; smaller ones grow the buffer. */
		j->err = weft_buf_reserve(&j->out, j->in.len + (j->in.len /
		    (WEFT_BOXS_FRAME_HDR + WEFT_BOXS_BODY_MAX) + 1) *
		    WEFT_BOXS_HEADER_BYTES);
		if (j->err == 0)
			j->err = weft_boxs_seal_frames(j->bs, j->in.data,
			    j->in.len, j->goodbye, &j->out);
	} else {
		j->err = weft_buf_reserve(&j->out, j->in.len +
		    WEFT_BOXS_FRAME_HDR + WEFT_BOXS_BODY_MAX);
		if (j->err == 0)
			j->err = weft_boxs_open_frames(j->bs, j->in.data,
			    j->in.len, &j->used, &j->out);
	}
}

static void
work_cb(uv_work_t *req)
{
	boxjob_crypt(req->data);
}

static void
after_cb(uv_work_t *req, int status)
{
	struct weft_boxjob	*j = req->data;

	*j->net_bytes -= j->in.len;
	j->net_bytes = NULL;
	/* Cancelled (never the case once queued here): do it now. */
	if (status != 0)
		boxjob_crypt(j);
	j->done(j);
}

int
weft_boxjob_run(uv_loop_t *loop, struct weft_boxjob *j, size_t *net_bytes,
    weft_boxjob_done_fn *done)
{
	if (j->in.len >= WEFT_BOXWORK_MIN &&
	    *net_bytes + j->in.len <= WEFT_BOXWORK_NET_MAX) {
		j->req.data = j;
		j->done = done;
		j->net_bytes = net_bytes;
		if (uv_queue_work(loop, &j->req, work_cb, after_cb) == 0) {
			*net_bytes += j->in.len;
			return 1;
		}
		j->net_bytes = NULL;
	}
	boxjob_crypt(j);
	return 0;
}
