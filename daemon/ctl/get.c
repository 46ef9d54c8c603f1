/*
 * get: streams the files of a revision to the client as "data" frames.
 * Chunks are copied out of short read transactions one frame at a time,
 * and the stream pauses while more than WEFT_CTL_WQ_PAUSE bytes wait to be
 * written, so a slow client costs a few MiB, never a whole file. The
 * client checks each file's hash; the daemon checks each chunk list.
 *
 * When chunks are missing, the revision's files are first made wanted in
 * the store (so the transfer survives a restart) and fetch is kicked; a
 * timer then sends progress frames every WEFT_GET_PROGRESS_MS until every
 * chunk is present (then the data streams as above), or nothing arrived
 * for the stall timeout, or no peer was connected for WEFT_GET_NOPEER_MS.
 * With "once", files that nothing wanted before the get are unwanted
 * again once they have streamed, so the next gc frees them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "fetch.h"
#include "log.h"
#include "store.h"

#define WEFT_GET_PROGRESS_MS	250
#define WEFT_GET_STALL_MS	60000	/* default "timeout" */
#define WEFT_GET_NOPEER_MS	5000

struct weft_getter {
	struct weft_record	 rec;
	uint32_t		 file;		/* next file to open */
	struct weft_chunk_ref	*refs;		/* chunks of the open file */
	size_t			 nrefs;
	size_t			 ref;		/* next chunk to send */
	bool			 open;		/* a file is open */
	struct weft_buf		 data;
	/* fetching missing chunks first */
	struct weft_ctl_conn	*c;
	uint8_t			 rev[32];
	uv_timer_t		 timer;
	bool			 timer_on;	/* initialised: close to free */
	uint64_t		 total;		/* bytes of all files */
	uint64_t		 have;		/* of them present */
	uint64_t		 start_ms, start_have;
	uint64_t		 progress_ms;	/* last time have grew */
	uint64_t		 peer_ms;	/* last time a peer was up */
	uint64_t		 stall_ms;
	bool			 fetching;	/* not streaming yet */
	/* "once": files this get made wanted are unwanted when done. */
	bool			 once;
	bool			 once_unwant;
	bool			 ending;	/* the unwant runs: no more */
};

static void
getter_close_cb(uv_handle_t *h)
{
	struct weft_getter	*g = h->data;

	weft_record_release(&g->rec);
	free(g->refs);
	weft_buf_release(&g->data);
	free(g);
}

static void
getter_free(struct weft_getter *g)
{
	if (g == NULL)
		return;
	if (g->timer_on) {
		/* The timer's memory is g's: free it in the close callback. */
		g->timer.data = g;
		uv_close((uv_handle_t *)&g->timer, getter_close_cb);
		return;
	}
	weft_record_release(&g->rec);
	free(g->refs);
	weft_buf_release(&g->data);
	free(g);
}

/* The request's state (c->req), freed when it ends or the conn goes. */
static void
getter_free_req(void *arg)
{
	getter_free(arg);
}

static int
unwant_files(void *arg)
{
	struct weft_getter	*g = arg;
	uint64_t		 n;

	return weft_store_unwant_rev(g->c->env->store, g->rev, &n);
}

static void	get_end(struct weft_ctl_conn *, int);

static void
unwant_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_getter	*g = arg;

	if (c->closing || c->req != g)
		return;
	if (status)
		log_warnc(status, "get --once: cannot unwant the files");
	get_end(c, 0);
}

static void
get_end(struct weft_ctl_conn *c, int err)
{
	struct weft_getter	*g = c->req;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	/*
	 * get --once of files nothing kept before: they are no longer
	 * wanted, so the next gc frees them. A failed get leaves them
	 * wanted, so that a rerun resumes.
	 */
	if (err == 0 && g->once_unwant) {
		g->once_unwant = false;
		err = weft__ctl_work(c, unwant_files, unwant_done, g);
		if (err == 0) {
			/*
			 * The worker reads g: neither the drained write
			 * queue (get_resume) nor the timer may end the
			 * request, and free g, before unwant_done.
			 */
			g->ending = true;
			if (g->timer_on)
				uv_timer_stop(&g->timer);
			return;
		}
	}
	if (err == WEFT_ENOTFOUND && g->timer_on) {
		weft__ctl_send_err(c, err, "no connected peer has the files");
	} else if (err == -ETIMEDOUT) {
		weft__ctl_send_err(c, err, "no progress fetching the files");
	} else if (err) {
		weft__ctl_send_err(c, err, "cannot read file '%s'",
		    g->file > 0 ? g->rec.files[g->file - 1].path : "");
	} else {
		weft__ctl_reply_begin(&pk, &b, 1);
		weft_pack_str(&pk, "done");
		weft_pack_bool(&pk, true);
		weft__ctl_send(c, &b);
	}
	weft__ctl_done(c);	/* frees g */
}

/* Loads the chunk list of the next file and checks it against the file. */
static int
file_open(struct weft_store *s, struct weft_getter *g)
{
	struct weft_file_ref	*f = &g->rec.files[g->file];
	struct weft_buf		 idx;
	uint8_t			 id[32];
	uint64_t		 total;
	int			 err;

	free(g->refs);
	g->refs = NULL;
	weft_buf_init(&idx, WEFT_INDEX_MAX);
	err = weft_store_chunk_get(s, f->index, &idx);
	if (err == 0) {
		weft_hash(idx.data, idx.len, id);
		if (memcmp(id, f->index, 32) != 0)
			err = WEFT_EBADHASH;
	}
	if (err == 0)
		err = weft_index_decode(idx.data, idx.len, &g->refs,
		    &g->nrefs, &total);
	if (err == 0 && total != f->size)
		err = WEFT_EBADHASH;
	weft_buf_release(&idx);
	if (err)
		return err;
	g->ref = 0;
	g->file++;
	g->open = true;
	return 0;
}

/* Sends data frames until the client's queue is full or all is sent. */
static void	get_resume(struct weft_ctl_conn *);

static void
get_pump(struct weft_ctl_conn *c)
{
	struct weft_getter	*g = c->req;
	struct weft_store	*s = c->env->store;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	size_t			 before;
	int			 err;

	while (!c->closing && c->wq_bytes <= WEFT_CTL_WQ_PAUSE) {
		weft_buf_reset(&g->data);
		for (;;) {
			if (!g->open || g->ref == g->nrefs) {
				g->open = false;
				if (g->file == g->rec.nfiles)
					break;
				err = file_open(s, g);
				if (err) {
					get_end(c, err);
					return;
				}
				continue;
			}
			if (g->data.len + g->refs[g->ref].size >
			    WEFT_CTL_DATA_MAX)
				break;
			before = g->data.len;
			err = weft_store_chunk_get(s, g->refs[g->ref].id,
			    &g->data);
			if (err == 0 && g->data.len - before !=
			    g->refs[g->ref].size)
				err = WEFT_EBADHASH;
			if (err) {
				get_end(c, err);
				return;
			}
			g->ref++;
		}
		if (g->data.len == 0) {
			get_end(c, 0);
			return;
		}
		weft__ctl_reply_begin(&pk, &b, 1);
		weft_pack_str(&pk, "data");
		weft_pack_bin(&pk, g->data.data, g->data.len);
		if (weft_pack_error(&pk)) {
			weft_buf_release(&b);
			get_end(c, weft_pack_error(&pk));
			return;
		}
		if (weft__ctl_send(c, &b) != 0)
			return;
	}
}

/*
 * Bytes of the revision's files present in the store: a file whose chunk
 * list is absent counts as nothing; otherwise its present chunks count.
 */
static int
rev_have(struct weft_store *s, const struct weft_record *rec,
    uint64_t *have, bool *complete)
{
	struct weft_chunk_ref	*refs;
	struct weft_buf		 idx;
	uint64_t		 total;
	size_t			 n;
	int			 err;

	*have = 0;
	*complete = true;
	weft_buf_init(&idx, WEFT_INDEX_MAX);
	for (uint32_t i = 0; i < rec->nfiles; i++) {
		weft_buf_reset(&idx);
		err = weft_store_chunk_get(s, rec->files[i].index, &idx);
		if (err == WEFT_ENOTFOUND) {
			*complete = false;
			continue;
		}
		if (err == 0)
			err = weft_index_decode(idx.data, idx.len, &refs, &n,
			    &total);
		if (err) {
			weft_buf_release(&idx);
			return err;
		}
		for (size_t k = 0; k < n; k++) {
			if (weft_store_chunk_has(s, refs[k].id) == 0)
				*have += refs[k].size;
			else
				*complete = false;
		}
		free(refs);
	}
	weft_buf_release(&idx);
	return 0;
}

static void
send_progress(struct weft_ctl_conn *c, uint64_t now,
    const struct weft_fetch_stats *st)
{
	struct weft_getter	*g = c->req;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	uint64_t		 rate = 0;

	if (c->wq_bytes > WEFT_CTL_WQ_PAUSE)
		return;		/* a client that does not read gets none */
	if (now > g->start_ms)
		rate = (g->have - g->start_have) * 1000 / (now - g->start_ms);
	weft__ctl_reply_begin(&pk, &b, 1);
	weft_pack_str(&pk, "progress");
	weft_pack_map(&pk, 4);
	weft_pack_str(&pk, "bytes");
	weft_pack_uint(&pk, g->have);
	weft_pack_str(&pk, "total");
	weft_pack_uint(&pk, g->total);
	weft_pack_str(&pk, "rate");
	weft_pack_uint(&pk, rate);
	weft_pack_str(&pk, "peers");
	weft_pack_uint(&pk, st != NULL ? st->active : 0);
	weft__ctl_send(c, &b);
}

static void
get_timer_cb(uv_timer_t *t)
{
	struct weft_getter	*g = t->data;
	struct weft_ctl_conn	*c = g->c;
	struct weft_fetch_stats	 st, *stp = NULL;
	uint64_t		 now = uv_now(c->env->loop), have;
	bool			 complete;
	int			 err;

	if (c->closing || g->ending)
		return;
	if (c->env->fetch != NULL) {
		weft_fetch_stats(c->env->fetch, now, &st);
		stp = &st;
		if (st.peers > 0)
			g->peer_ms = now;
	}
	err = rev_have(c->env->store, &g->rec, &have, &complete);
	if (err) {
		get_end(c, err);
		return;
	}
	if (have > g->have)
		g->progress_ms = now;
	g->have = have;
	send_progress(c, now, stp);
	if (c->closing)
		return;
	if (complete) {
		uv_timer_stop(&g->timer);
		g->fetching = false;
		get_pump(c);
	} else if (now - g->peer_ms >= WEFT_GET_NOPEER_MS) {
		get_end(c, WEFT_ENOTFOUND);
	} else if (now - g->progress_ms >= g->stall_ms) {
		get_end(c, -ETIMEDOUT);
	}
}

static int
want_files(void *arg)
{
	struct weft_getter	*g = arg;
	bool			 any;
	int			 err;

	if (g->once) {
		err = weft_store_rev_wanted(g->c->env->store, g->rev, &any);
		if (err)
			return err;
		g->once_unwant = !any;
	}
	return weft_store_want_rev(g->c->env->store, g->rev);
}

static void
want_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_getter	*g = arg;
	uint64_t		 now;
	int			 err;

	if (c->closing || c->req != g)
		return;
	if (status) {
		weft__ctl_send_err(c, status, "cannot want the files");
		weft__ctl_done(c);	/* frees g */
		return;
	}
	now = uv_now(c->env->loop);
	if (c->env->fetch != NULL)
		weft_fetch_wanted(c->env->fetch, now);	/* the wants go out now */
	g->start_ms = g->progress_ms = g->peer_ms = now;
	g->start_have = g->have;
	err = uv_timer_init(c->env->loop, &g->timer);
	if (err == 0) {
		g->timer_on = true;
		g->timer.data = g;
		err = uv_timer_start(&g->timer, get_timer_cb,
		    WEFT_GET_PROGRESS_MS, WEFT_GET_PROGRESS_MS);
	}
	if (err)
		get_end(c, err);
}

/*
 * Starts streaming, or, when chunks are missing, wants the files and
 * waits for them. Takes g; the request is over or in progress after.
 */
static void
get_start(struct weft_ctl_conn *c, struct weft_getter *g)
{
	bool	complete;
	int	err;

	weft__ctl_req_set(c, g, getter_free_req);
	c->resume = get_resume;
	g->c = c;
	for (uint32_t i = 0; i < g->rec.nfiles; i++)
		g->total += g->rec.files[i].size;
	err = rev_have(c->env->store, &g->rec, &g->have, &complete);
	if (err) {
		get_end(c, err);
		return;
	}
	/*
	 * Got: its files are in use (max-store evicts the least recently
	 * used); a write at most once a minute (store.h).
	 */
	if (weft_store_use_touch(c->env->store, g->rec.has_design ?
	    g->rec.design : g->rev) != 0)
		log_warnx("get: cannot note the design's use");
	if (complete) {
		get_pump(c);
		return;
	}
	g->fetching = true;
	err = weft__ctl_work(c, want_files, want_done, g);
	if (err)
		get_end(c, err);
}

/* The write queue drained: stream on, unless still fetching. */
static void
get_resume(struct weft_ctl_conn *c)
{
	struct weft_getter	*g = c->req;

	if (!g->fetching && !g->ending)
		get_pump(c);
}

struct newest {
	uint8_t	id[32];
	bool	found;
};

static int
newest_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct newest	*n = arg;

	(void)data;
	(void)len;
	memcpy(n->id, id, 32);
	n->found = true;
	return 1;	/* heads come newest first: stop at the first */
}

static void
op_get(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_getter	*g;
	struct weft_buf		 env, b;
	struct weft_pack	 pk;
	struct newest		 nw;
	uint8_t			 design[32], rev[32], rdesign[32];
	unsigned		 shortn;
	int			 err;

	weft_buf_init(&env, WEFT_RECORD_MAX);
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "get");
		goto out;
	}
	weft_record_init(&g->rec);
	weft_buf_init(&g->data, WEFT_CTL_DATA_MAX);
	if (weft__ctl_arg_id(c, req, "design", design, true) != 0)
		goto out;
	g->stall_ms = WEFT_GET_STALL_MS;
	if (weft_obj_get(req, "timeout") != NULL &&
	    (weft_obj_uint(weft_obj_get(req, "timeout"), &g->stall_ms) != 0 ||
	    g->stall_ms == 0)) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "timeout must be a "
		    "positive number of milliseconds");
		goto out;
	}
	if (weft_obj_get(req, "once") != NULL &&
	    weft_obj_bool(weft_obj_get(req, "once"), &g->once) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD, "'once' must be a bool");
		goto out;
	}
	err = weft_store_rev_design(c->env->store, design, design);
	if (err) {
		weft__ctl_send_err(c, err == WEFT_EUSAGE ? WEFT_ENOTFOUND :
		    err, "not a design");
		goto out;
	}
	err = weft__ctl_arg_id(c, req, "rev", rev, false);
	if (err == WEFT_ENOTFOUND && weft_obj_get(req, "rev") == NULL) {
		memset(&nw, 0, sizeof(nw));
		err = weft_store_design_heads(c->env->store, design, newest_cb,
		    &nw);
		if (err == 1)
			err = 0;
		if (err == 0 && !nw.found)
			err = WEFT_ENOTFOUND;
		if (err) {
			weft__ctl_send_err(c, err, "design has no head");
			goto out;
		}
		memcpy(rev, nw.id, 32);
	} else if (err) {
		goto out;
	} else if (weft_store_rev_design(c->env->store, rev, rdesign) != 0 ||
	    memcmp(rdesign, design, 32) != 0) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND,
		    "revision is not part of that design");
		goto out;
	}
	memcpy(g->rev, rev, 32);
	err = weft_store_record_get(c->env->store, rev, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, &g->rec, NULL);
	if (err) {
		weft__ctl_send_err(c, err, "cannot read the revision");
		goto out;
	}
	if (weft_store_short_len(c->env->store, rev, &shortn) != 0)
		shortn = 64;
	weft__ctl_reply_begin(&pk, &b, 5);
	weft_pack_str(&pk, "rev");
	weft_pack_bin(&pk, rev, 32);
	weft_pack_str(&pk, "short");
	weft_pack_uint(&pk, shortn);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, 32);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, g->rec.title);
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, g->rec.nfiles);
	for (uint32_t i = 0; i < g->rec.nfiles; i++) {
		weft_pack_map(&pk, 3);
		weft_pack_str(&pk, "path");
		weft_pack_str(&pk, g->rec.files[i].path);
		weft_pack_str(&pk, "size");
		weft_pack_uint(&pk, g->rec.files[i].size);
		weft_pack_str(&pk, "hash");
		weft_pack_bin(&pk, g->rec.files[i].hash, 32);
	}
	if (weft_pack_error(&pk)) {
		weft_buf_release(&b);
		weft__ctl_send_err(c, weft_pack_error(&pk), "get");
		goto out;
	}
	weft_buf_release(&env);
	if (weft__ctl_send(c, &b) != 0) {
		getter_free(g);
		return;
	}
	get_start(c, g);
	return;
out:
	weft_buf_release(&env);
	getter_free(g);
	weft__ctl_done(c);
}

const struct weft_ctl_op weft__op_get = { .name = "get", .fn = op_get };
