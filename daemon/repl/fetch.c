/*
 * File transfer between peers: the requester and the server of the "files"
 * channel (docs/proto/files-transfer.md), sans-I/O.
 *
 * Invariants. A wanted id is in the table at most once and in one state:
 * IDLE (on the idle list, to be asked), ASKED (of one peer, with a
 * deadline) or STORING (its bytes wait in the batch or a store job). Each
 * peer keeps a FIFO of the ids it was asked and has not answered; servers
 * answer in order, so every answer must match the head of that FIFO, and
 * anything else is an answer to nothing: a protocol error. A timed-out id
 * goes back to IDLE but stays in the slow peer's FIFO (its answer is still
 * welcome), so the peer's limit of outstanding ids is never exceeded.
 * At most JOBS_MAX store jobs run at a time; chunk bytes are copied out
 * of the message into the batch, and the batch is bounded: above twice
 * batch_bytes nothing more is asked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "fetch.h"
#include "space.h"
#include "store.h"

#define NIL		UINT32_MAX
#define NO_MAX		8	/* peers remembered per id as lacking it */
#define BAD_PEERS_MAX	4	/* peers never to ask again for an id */
#define ACTIVE_MS	5000
#define STALL_FACTOR	4	/* head unanswered this many timeouts: close */
#define BLOCKED_MS	10
#define WALK_MAX	1024	/* idle ids looked at per peer fill */
/*
 * Store jobs in flight: a second one hashes its batch on another pool
 * thread while the first writes (the store serialises the writes). Ids
 * in two jobs never depend on each other: chunks are asked only once
 * their index is stored.
 */
#define JOBS_MAX	2

enum want_state {
	W_FREE = 0,
	W_IDLE,
	W_ASKED,
	W_STORING,
};

struct want {
	uint8_t		id[32];
	uint8_t		state;
	uint8_t		nno;		/* used slots of no[] */
	uint8_t		nbad;
	uint8_t		no_next;	/* slot overwritten next */
	uint32_t	hnext;		/* hash chain */
	uint32_t	prev, next;	/* idle list, or free list (next) */
	uint64_t	peer;		/* ASKED: of whom */
	uint64_t	deadline;
	uint64_t	no[NO_MAX];
	uint64_t	bad[BAD_PEERS_MAX];
};

struct asked {
	uint8_t		id[32];
	uint64_t	at;
};

/* A "files" channel the peer opened: we serve it. */
struct serve {
	bool		 open;
	uint16_t	 ch;
	uint8_t		(*q)[32];	/* ring of ids to answer */
	uint32_t	 qhead, qn;
	uint8_t		 none[WEFT_FETCH_IDS_MAX][32];	/* to send */
	uint32_t	 nnone;
	bool		 cur;		/* a chunk is being sent */
	uint8_t		 cur_id[32];
	struct weft_buf	 data;
	size_t		 off;
};

struct fpeer {
	struct fpeer	*next;
	uint64_t	 h;
	bool		 up;
	bool		 has_out;
	uint16_t	 out;		/* our request channel */
	struct asked	*fifo;		/* ring, WEFT_FETCH_OUTSTANDING_MAX */
	uint32_t	 fhead, fn;
	uint32_t	 window;
	uint32_t	 nbad;
	uint64_t	 last_chunk;
	bool		 has_part;	/* reassembling a big chunk */
	uint8_t		 part_id[32];
	uint64_t	 part_size;
	struct weft_buf	 part;
	struct serve	 srv;
};

struct item {
	uint8_t		 id[32];
	uint64_t	 peer;		/* who sent it */
	uint8_t		*data;
	size_t		 len;
	int		 result;
};

struct job {
	struct weft_fetch	*f;	/* NULL once the fetch is freed */
	struct weft_store	*s;
	struct item		*items;
	size_t			 n;
	size_t			 bytes;
};

struct weft_fetch {
	struct weft_store	*s;
	struct weft_space	*space;		/* the disk's gate, or NULL */
	struct weft_fetch_io	 io;
	struct weft_fetch_opts	 o;
	uint64_t		 now;
	struct fpeer		*peers;
	/* the table of wanted ids */
	struct want		*w;
	uint32_t		*buckets;
	uint32_t		 nbuckets;	/* a power of two */
	uint32_t		 nw;
	uint32_t		 free_head;
	uint32_t		 idle_head, idle_tail;
	uint8_t			 cursor[WEFT_STORE_CURSOR_BYTES];
	bool			 scan_more;	/* the store may hold more */
	uint64_t		 next_rescan;
	uint64_t		 next_retry;
	/*
	 * No ASKED id's deadline is earlier: the tick walks the table for
	 * timed-out ids only from then on, not on every message (the
	 * table is 4096 wants, some 700 KB, and a mirror kicks the tick
	 * once per chunk received or sent).
	 */
	uint64_t		 next_deadline;
	/* chunks waiting to be stored */
	struct item		*batch;
	size_t			 nbatch, batch_cap;
	size_t			 batch_bytes;
	struct job		*jobs[JOBS_MAX];	/* in flight */
	uint32_t		 njobs;
	size_t			 job_bytes;
	bool			 blocked;	/* a server waits for room */
	struct weft_buf		 msg;
	struct weft_fetch_stats	 st;
};

void
weft_fetch_opts_default(struct weft_fetch_opts *o)
{
	o->window_min = 32;
	o->window_max = 128;
	o->timeout_ms = 20000;
	o->rescan_ms = 2000;
	o->retry_ms = 10000;
	o->table_max = 4096;
	o->serve_max = WEFT_FETCH_OUTSTANDING_MAX;
	o->batch_bytes = 8u * 1024 * 1024;
}

/* Table of wanted ids. */

static uint32_t
id_hash(const struct weft_fetch *f, const uint8_t id[32])
{
	uint32_t	h;

	memcpy(&h, id, sizeof(h));	/* ids are hashes already */
	return h & (f->nbuckets - 1);
}

static struct want *
want_find(struct weft_fetch *f, const uint8_t id[32])
{
	uint32_t	i;

	for (i = f->buckets[id_hash(f, id)]; i != NIL; i = f->w[i].hnext)
		if (memcmp(f->w[i].id, id, 32) == 0)
			return &f->w[i];
	return NULL;
}

static uint32_t
want_index(const struct weft_fetch *f, const struct want *w)
{
	return (uint32_t)(w - f->w);
}

static void
idle_push(struct weft_fetch *f, struct want *w, bool front)
{
	uint32_t	i = want_index(f, w);

	w->state = W_IDLE;
	if (front) {
		w->prev = NIL;
		w->next = f->idle_head;
		if (f->idle_head != NIL)
			f->w[f->idle_head].prev = i;
		else
			f->idle_tail = i;
		f->idle_head = i;
	} else {
		w->next = NIL;
		w->prev = f->idle_tail;
		if (f->idle_tail != NIL)
			f->w[f->idle_tail].next = i;
		else
			f->idle_head = i;
		f->idle_tail = i;
	}
}

static void
idle_unlink(struct weft_fetch *f, struct want *w)
{
	if (w->prev != NIL)
		f->w[w->prev].next = w->next;
	else
		f->idle_head = w->next;
	if (w->next != NIL)
		f->w[w->next].prev = w->prev;
	else
		f->idle_tail = w->prev;
	w->prev = w->next = NIL;
}

static struct want *
want_add(struct weft_fetch *f, const uint8_t id[32])
{
	struct want	*w;
	uint32_t	 i, b;

	if (f->free_head == NIL)
		return NULL;
	i = f->free_head;
	w = &f->w[i];
	f->free_head = w->next;
	memset(w, 0, sizeof(*w));
	memcpy(w->id, id, 32);
	b = id_hash(f, id);
	w->hnext = f->buckets[b];
	f->buckets[b] = i;
	f->nw++;
	idle_push(f, w, false);
	return w;
}

static void
want_remove(struct weft_fetch *f, struct want *w)
{
	uint32_t	 i = want_index(f, w);
	uint32_t	*pp;

	if (w->state == W_IDLE)
		idle_unlink(f, w);
	for (pp = &f->buckets[id_hash(f, w->id)]; *pp != i;
	    pp = &f->w[*pp].hnext)
		;
	*pp = w->hnext;
	w->state = W_FREE;
	w->next = f->free_head;
	f->free_head = i;
	f->nw--;
}

static bool
want_refuses(const struct want *w, uint64_t peer)
{
	for (uint8_t i = 0; i < w->nno; i++)
		if (w->no[i] == peer)
			return true;
	for (uint8_t i = 0; i < w->nbad; i++)
		if (w->bad[i] == peer)
			return true;
	return false;
}

static void
want_note_no(struct want *w, uint64_t peer)
{
	if (want_refuses(w, peer))
		return;
	if (w->nno < NO_MAX) {
		w->no[w->nno++] = peer;
		return;
	}
	w->no[w->no_next] = peer;
	w->no_next = (uint8_t)((w->no_next + 1) % NO_MAX);
}

/* Puts an ASKED id back to be asked (elsewhere: who failed is noted). */
static void
want_retry(struct weft_fetch *f, struct want *w, uint64_t peer, bool front)
{
	if (w->state != W_ASKED || w->peer != peer)
		return;
	want_note_no(w, peer);
	idle_push(f, w, front);
}

/* Peers. */

static struct fpeer *
peer_find(struct weft_fetch *f, uint64_t h)
{
	struct fpeer	*p;

	for (p = f->peers; p != NULL; p = p->next)
		if (p->h == h)
			return p;
	return NULL;
}

static struct fpeer *
peer_get(struct weft_fetch *f, uint64_t h)
{
	struct fpeer	*p;

	p = peer_find(f, h);
	if (p != NULL)
		return p;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->fifo = calloc(WEFT_FETCH_OUTSTANDING_MAX, sizeof(*p->fifo));
	if (p->fifo == NULL) {
		free(p);
		return NULL;
	}
	p->h = h;
	p->window = f->o.window_min;
	weft_buf_init(&p->part, WEFT_INDEX_MAX);
	weft_buf_init(&p->srv.data, WEFT_INDEX_MAX);
	p->next = f->peers;
	f->peers = p;
	return p;
}

static void
serve_reset(struct serve *sv)
{
	free(sv->q);
	sv->q = NULL;
	sv->qhead = sv->qn = 0;
	sv->nnone = 0;
	sv->cur = false;
	sv->open = false;
	weft_buf_release(&sv->data);
}

/* Puts back everything asked of p and forgets its request channel. */
static void
peer_requests_drop(struct weft_fetch *f, struct fpeer *p)
{
	struct asked	*a;
	struct want	*w;

	for (uint32_t i = 0; i < p->fn; i++) {
		a = &p->fifo[(p->fhead + i) % WEFT_FETCH_OUTSTANDING_MAX];
		w = want_find(f, a->id);
		if (w != NULL)
			want_retry(f, w, p->h, true);
	}
	p->fhead = p->fn = 0;
	p->has_out = false;
	p->has_part = false;
	weft_buf_release(&p->part);
}

static void
peer_free(struct weft_fetch *f, struct fpeer *p)
{
	struct fpeer	**pp;

	peer_requests_drop(f, p);
	serve_reset(&p->srv);
	for (pp = &f->peers; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	free(p->fifo);
	free(p);
}

/* Messages: docs/proto/files-transfer.md. */

static int
send_ids(struct weft_fetch *f, uint64_t peer, uint16_t ch, const char *t,
    const uint8_t (*ids)[32], uint32_t n)
{
	struct weft_pack	pk;

	weft_buf_reset(&f->msg);
	weft_pack_init(&pk, &f->msg);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, t);
	weft_pack_str(&pk, "ids");
	weft_pack_array(&pk, n);
	for (uint32_t i = 0; i < n; i++)
		weft_pack_bin(&pk, ids[i], 32);
	if (weft_pack_error(&pk))
		return weft_pack_error(&pk);
	return f->io.send(f->io.arg, peer, ch, f->msg.data, f->msg.len);
}

/* Decodes the "ids" array of a want or none into ids; *n its length. */
static int
decode_ids(const struct weft_obj *o, uint8_t ids[][32], uint32_t *n)
{
	uint32_t	len = weft_obj_len(o);

	if (weft_obj_type(o) != WEFT_OBJ_ARRAY || len == 0 ||
	    len > WEFT_FETCH_IDS_MAX)
		return WEFT_EPROTO;
	for (uint32_t i = 0; i < len; i++)
		if (weft_obj_binn(weft_obj_at(o, i), ids[i], 32) != 0)
			return WEFT_EPROTO;
	*n = len;
	return 0;
}

/* Storing. */

static void	job_start(struct weft_fetch *f);
static void	fill_all(struct weft_fetch *f);

/*
 * On the pool: checks every chunk against its id and stores the whole
 * batch in one transaction, one commit.
 */
static int
job_run(void *arg)
{
	struct job			*j = arg;
	struct weft_store_fetched	*v;
	int				*res;
	int				 err;

	v = calloc(j->n, sizeof(*v));
	res = calloc(j->n, sizeof(*res));
	if (v == NULL || res == NULL) {
		free(v);
		free(res);
		return -ENOMEM;
	}
	for (size_t i = 0; i < j->n; i++) {
		v[i].id = j->items[i].id;
		v[i].data = j->items[i].data;
		v[i].len = j->items[i].len;
	}
	err = weft_store_chunks_put_fetched(j->s, v, j->n, res);
	for (size_t i = 0; i < j->n; i++)
		j->items[i].result = res[i];
	free(v);
	free(res);
	return err;
}

static void
items_free(struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].data);
	free(items);
}

static void
refill(struct weft_fetch *f, bool restart);

/*
 * p sent bytes that are not what it was asked for: never ask it for that
 * id again, and close it after WEFT_FETCH_BAD_MAX. Returns
 * WEFT_EBADHASH once it is to be closed.
 */
static int
penalise(struct weft_fetch *f, struct fpeer *p, struct want *w)
{
	if (p != NULL && p->nbad >= WEFT_FETCH_BAD_MAX)
		return 0;	/* closed already: the rest is not counted */
	f->st.bad++;
	if (p == NULL)
		return 0;
	if (w != NULL) {
		if (w->nbad < BAD_PEERS_MAX)
			w->bad[w->nbad++] = p->h;
		want_retry(f, w, p->h, true);
	}
	p->nbad++;
	return p->nbad >= WEFT_FETCH_BAD_MAX ? WEFT_EBADHASH : 0;
}

/*
 * Puts the items of a job that could not be stored back at the front of
 * the batch, to be written when the disk has room. 0, or -ENOMEM (then
 * the job is left as it was).
 */
static int
batch_return(struct weft_fetch *f, struct job *j)
{
	struct item	*v;
	size_t		 cap = f->nbatch + j->n;

	v = malloc((cap ? cap : 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	memcpy(v, j->items, j->n * sizeof(*v));
	if (f->nbatch > 0)
		memcpy(v + j->n, f->batch, f->nbatch * sizeof(*v));
	free(f->batch);
	free(j->items);
	j->items = NULL;
	f->batch = v;
	f->nbatch = f->batch_cap = cap;
	f->batch_bytes += j->bytes;
	return 0;
}

static void
job_done(void *arg, int status)
{
	struct job		*j = arg;
	struct weft_fetch	*f = j->f;
	struct want		*w;
	struct fpeer		*p;
	bool			 stored = false;

	if (f == NULL) {
		items_free(j->items, j->n);
		free(j);
		return;
	}
	for (uint32_t i = 0; i < f->njobs; i++) {
		if (f->jobs[i] == j) {
			f->jobs[i] = f->jobs[--f->njobs];
			break;
		}
	}
	f->job_bytes -= j->bytes;
	if (weft_space_is_disk_error(status)) {
		/*
		 * The disk is full or failing: keep the bytes (asking a peer
		 * for them again would cost it and us the same again) and
		 * pause until the gate lets a write through.
		 */
		weft_space_failed(f->space, status, "fetched chunks", f->now);
		if (batch_return(f, j) == 0) {
			free(j);
			return;
		}
	} else if (status == 0) {
		weft_space_stored(f->space, f->now);
	}
	for (size_t i = 0; i < j->n; i++) {
		w = want_find(f, j->items[i].id);
		if (status == 0 && j->items[i].result == 0) {
			f->st.chunks++;
			f->st.bytes += j->items[i].len;
			if (f->io.useful != NULL)
				f->io.useful(f->io.arg, j->items[i].peer);
			stored = true;
		}
		if (w == NULL)
			continue;
		if (status == 0 && (j->items[i].result == WEFT_EPROTO ||
		    j->items[i].result == WEFT_EBADHASH ||
		    j->items[i].result == WEFT_ETOOBIG)) {
			/*
			 * Bytes that are not the chunk asked for, or a chunk
			 * list with the right id that is no index.
			 */
			p = peer_find(f, j->items[i].peer);
			if (w->state == W_STORING)
				idle_push(f, w, true);
			if (penalise(f, p, w) != 0)
				f->io.close(f->io.arg, p->h,
				    j->items[i].result, j->items[i].result ==
				    WEFT_EPROTO ? "files: sent a malformed "
				    "chunk list" : "files: sent wrong chunks");
			continue;
		}
		if (status == 0 && (j->items[i].result == 0 ||
		    j->items[i].result == WEFT_EEXISTS ||
		    j->items[i].result == WEFT_EDENIED))
			want_remove(f, w);
		else
			idle_push(f, w, false);	/* a store error: later */
	}
	items_free(j->items, j->n);
	free(j);
	/* A stored chunk list makes its chunks wanted: look again. */
	if (stored)
		refill(f, true);
	job_start(f);
	fill_all(f);
}

/*
 * File bytes received or asked for and not stored yet: the chunks asked
 * for count at the average chunk size (their sizes are not known yet).
 */
static uint64_t
inflight_bytes(const struct weft_fetch *f)
{
	const struct fpeer	*p;
	uint64_t		 n;

	n = (uint64_t)f->batch_bytes + f->job_bytes;
	for (p = f->peers; p != NULL; p = p->next)
		n += (uint64_t)p->fn * WEFT_CHUNK_AVG;
	return n;
}

static void
job_start(struct weft_fetch *f)
{
	struct job	*j;
	int		 err;

	if (f->njobs == JOBS_MAX || f->nbatch == 0)
		return;
	if (!weft_space_room(f->space, f->batch_bytes, f->now))
		return;		/* paused: the tick tries again */
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return;
	j->f = f;
	j->s = f->s;
	j->items = f->batch;
	j->n = f->nbatch;
	err = f->io.work(f->io.arg, job_run, job_done, j);
	if (err) {
		free(j);
		return;		/* the batch stays; tick tries again */
	}
	j->bytes = f->batch_bytes;
	f->jobs[f->njobs++] = j;
	f->job_bytes += f->batch_bytes;
	f->batch = NULL;
	f->nbatch = f->batch_cap = 0;
	f->batch_bytes = 0;
}

/* Queues verified bytes for the store; data is copied. */
static int
batch_add(struct weft_fetch *f, struct want *w, uint64_t peer,
    const uint8_t *data, size_t len)
{
	struct item	*v;
	uint8_t		*copy;

	if (f->nbatch == f->batch_cap) {
		v = realloc(f->batch, (f->batch_cap * 2 + 16) * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		f->batch = v;
		f->batch_cap = f->batch_cap * 2 + 16;
	}
	copy = malloc(len);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, data, len);
	v = &f->batch[f->nbatch++];
	memcpy(v->id, w->id, 32);
	v->peer = peer;
	v->data = copy;
	v->len = len;
	v->result = 0;
	f->batch_bytes += len;
	if (w->state == W_IDLE)
		idle_unlink(f, w);
	w->state = W_STORING;
	/* An idle store takes any batch; a second job, a fair one. */
	if (f->njobs == 0 || f->batch_bytes >= f->o.batch_bytes / 4)
		job_start(f);
	return 0;
}

/* Requesting. */

static int
refill_cb(void *arg, const uint8_t id[32])
{
	struct weft_fetch	*f = arg;

	if (want_find(f, id) != NULL)
		return 0;
	if (want_add(f, id) == NULL)
		return 1;
	return 0;
}

/*
 * Tops the table up from the store's missing chunks, continuing after the
 * cursor; restart begins again from the first missing id.
 */
static void
refill(struct weft_fetch *f, bool restart)
{
	uint32_t	room;
	int		n;

	if (restart) {
		memset(f->cursor, 0, sizeof(f->cursor));
		f->scan_more = true;
	}
	if (!f->scan_more || f->nw > f->o.table_max / 2)
		return;
	room = f->o.table_max - f->nw;
	n = weft_store_missing_next(f->s, f->cursor, refill_cb, f, room);
	if (n >= 0 && (uint32_t)n < room)
		f->scan_more = false;
}

/* Asks p for idle ids up to its window. */
static void
fill_peer(struct weft_fetch *f, struct fpeer *p)
{
	uint8_t		 ids[WEFT_FETCH_IDS_MAX][32];
	struct want	*w, *taken[WEFT_FETCH_IDS_MAX];
	struct asked	*a;
	uint32_t	 i, next, n, walked;
	int		 err;

	if (!p->up || !p->has_out)
		return;
	for (;;) {
		if (f->batch_bytes + f->job_bytes >= 2 * f->o.batch_bytes)
			return;
		/*
		 * Ask only for what the disk can take, keeping its reserve,
		 * and what max-store allows (counting what is on its way).
		 */
		if (!weft_space_fetch_room(f->space, 2 * f->o.batch_bytes,
		    inflight_bytes(f), f->now))
			return;
		n = 0;
		walked = 0;
		for (i = f->idle_head; i != NIL && walked < WALK_MAX &&
		    n < WEFT_FETCH_IDS_MAX && p->fn + n < p->window; i = next) {
			w = &f->w[i];
			next = w->next;
			walked++;
			if (want_refuses(w, p->h))
				continue;
			taken[n] = w;
			memcpy(ids[n], w->id, 32);
			n++;
		}
		if (n == 0)
			return;
		err = send_ids(f, p->h, p->out, "want",
		    (const uint8_t (*)[32])ids, n);
		if (err)
			return;
		for (i = 0; i < n; i++) {
			w = taken[i];
			idle_unlink(f, w);
			w->state = W_ASKED;
			w->peer = p->h;
			w->deadline = f->now + f->o.timeout_ms;
			if (w->deadline < f->next_deadline)
				f->next_deadline = w->deadline;
			a = &p->fifo[(p->fhead + p->fn) %
			    WEFT_FETCH_OUTSTANDING_MAX];
			memcpy(a->id, w->id, 32);
			a->at = f->now;
			p->fn++;
		}
	}
}

static void
fill_all(struct weft_fetch *f)
{
	refill(f, false);
	for (struct fpeer *p = f->peers; p != NULL; p = p->next)
		fill_peer(f, p);
}

/* Takes the answer for id off p's FIFO; WEFT_EPROTO if it was not next. */
static int
fifo_pop(struct fpeer *p, const uint8_t id[32])
{
	if (p->fn == 0 || memcmp(p->fifo[p->fhead].id, id, 32) != 0)
		return WEFT_EPROTO;
	p->fhead = (p->fhead + 1) % WEFT_FETCH_OUTSTANDING_MAX;
	p->fn--;
	return 0;
}

/* A whole chunk from p: check it, then queue it for the store. */
static int
got_chunk(struct weft_fetch *f, struct fpeer *p, const uint8_t id[32],
    const uint8_t *data, size_t len)
{
	struct want	*w;
	uint8_t		 h[32];
	int		 err;

	err = fifo_pop(p, id);
	if (err)
		return err;
	if (p->nbad >= WEFT_FETCH_BAD_MAX)
		return WEFT_EBADHASH;	/* being closed: ignore it */
	w = want_find(f, id);
	/*
	 * Bytes for an id we still want are checked against it by the store
	 * job, off the loop, which penalises p if they are wrong; the rest
	 * are checked here.
	 */
	if (w == NULL || w->state == W_STORING) {
		weft_hash(data, len, h);
		if (sodium_memcmp(h, id, 32) != 0)
			return penalise(f, p, w);
		return 0;
	}
	p->last_chunk = f->now;
	if (p->window < f->o.window_max)
		p->window++;
	return batch_add(f, w, p->h, data, len);
}

static int
on_chunk(struct weft_fetch *f, struct fpeer *p, const struct weft_obj *m)
{
	const uint8_t	*data;
	uint8_t		 id[32];
	uint64_t	 size, off;
	size_t		 len;
	int		 err;

	if (weft_obj_binn(weft_obj_get(m, "id"), id, 32) != 0 ||
	    weft_obj_uint(weft_obj_get(m, "size"), &size) != 0 ||
	    weft_obj_uint(weft_obj_get(m, "off"), &off) != 0 ||
	    weft_obj_bin(weft_obj_get(m, "data"), &data, &len) != 0)
		return WEFT_EPROTO;
	if (size == 0 || size > WEFT_INDEX_MAX || len == 0 ||
	    len > WEFT_FETCH_PART_MAX || off > size || len > size - off)
		return WEFT_EPROTO;
	f->st.received += len;
	if (p->fn == 0 || memcmp(p->fifo[p->fhead].id, id, 32) != 0)
		return WEFT_EPROTO;	/* nobody asked for it (now) */
	if (p->has_part) {
		if (memcmp(p->part_id, id, 32) != 0 ||
		    p->part_size != size || off != p->part.len)
			return WEFT_EPROTO;
	} else if (off != 0) {
		return WEFT_EPROTO;
	}
	if (off == 0 && len == size)
		return got_chunk(f, p, id, data, len);
	if (!p->has_part) {
		p->has_part = true;
		memcpy(p->part_id, id, 32);
		p->part_size = size;
		weft_buf_reset(&p->part);
	}
	err = weft_buf_add(&p->part, data, len);
	if (err)
		return err;
	if (p->part.len < size)
		return 0;
	p->has_part = false;
	err = got_chunk(f, p, id, p->part.data, p->part.len);
	weft_buf_release(&p->part);
	return err;
}

static int
on_none(struct weft_fetch *f, struct fpeer *p, const struct weft_obj *m)
{
	uint8_t		 ids[WEFT_FETCH_IDS_MAX][32];
	struct want	*w;
	uint32_t	 n;
	int		 err;

	err = decode_ids(weft_obj_get(m, "ids"), ids, &n);
	if (err)
		return err;
	if (p->has_part)
		return WEFT_EPROTO;
	for (uint32_t i = 0; i < n; i++) {
		err = fifo_pop(p, ids[i]);
		if (err)
			return err;
		w = want_find(f, ids[i]);
		if (w == NULL)
			continue;
		want_note_no(w, p->h);
		if (w->state == W_ASKED && w->peer == p->h)
			idle_push(f, w, true);
	}
	return 0;
}

/* Serving. */

static int
serve_flush_none(struct weft_fetch *f, struct fpeer *p)
{
	struct serve	*sv = &p->srv;
	int		 err;

	if (sv->nnone == 0)
		return 0;
	err = send_ids(f, p->h, sv->ch, "none",
	    (const uint8_t (*)[32])sv->none, sv->nnone);
	if (err)
		return err;
	sv->nnone = 0;
	return 0;
}

/* Sends the next part of the current chunk. */
static int
serve_part(struct weft_fetch *f, struct fpeer *p)
{
	struct serve		*sv = &p->srv;
	struct weft_pack	 pk;
	size_t			 n;
	int			 err;

	n = sv->data.len - sv->off;
	if (n > WEFT_FETCH_PART_MAX)
		n = WEFT_FETCH_PART_MAX;
	weft_buf_reset(&f->msg);
	weft_pack_init(&pk, &f->msg);
	weft_pack_map(&pk, 5);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "chunk");
	weft_pack_str(&pk, "id");
	weft_pack_bin(&pk, sv->cur_id, 32);
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, sv->data.len);
	weft_pack_str(&pk, "off");
	weft_pack_uint(&pk, sv->off);
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, sv->data.data + sv->off, n);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = f->io.send(f->io.arg, p->h, sv->ch, f->msg.data,
		    f->msg.len);
	if (err)
		return err;
	sv->off += n;
	f->st.served += n;
	if (sv->off == sv->data.len) {
		sv->cur = false;
		weft_buf_release(&sv->data);
	}
	return 0;
}

/*
 * Answers queued wants in order until the queue is empty or the channel
 * is full (then f->blocked: the tick or weft_fetch_drained resumes).
 */
static void
serve_pump(struct weft_fetch *f, struct fpeer *p)
{
	struct serve	*sv = &p->srv;
	const uint8_t	*id;
	int		 err;

	while (sv->open) {
		if (f->io.queued != NULL && f->io.queued(f->io.arg, p->h,
		    sv->ch) > WEFT_FETCH_SERVE_QUEUED) {
			f->blocked = true;
			return;
		}
		if (sv->cur) {
			err = serve_flush_none(f, p);
			if (err == 0)
				err = serve_part(f, p);
		} else if (sv->qn == 0 || sv->nnone == WEFT_FETCH_IDS_MAX) {
			err = serve_flush_none(f, p);
			if (err == 0 && sv->qn == 0)
				return;
		} else {
			id = sv->q[sv->qhead];
			weft_buf_reset(&sv->data);
			err = weft_store_chunk_get(f->s, id, &sv->data);
			/*
			 * Served: a file's index (asked for first) marks
			 * its design used, at most once a minute.
			 */
			if (err == 0)
				(void)weft_store_use_served(f->s, id);
			if (err == 0) {
				memcpy(sv->cur_id, id, 32);
				sv->cur = true;
				sv->off = 0;
			} else {
				/* Missing, or unreadable: we lack it. */
				memcpy(sv->none[sv->nnone++], id, 32);
				err = 0;
			}
			sv->qhead = (sv->qhead + 1) % f->o.serve_max;
			sv->qn--;
		}
		if (err == WEFT_ETOOBIG) {
			f->blocked = true;
			return;
		}
		if (err)
			return;	/* the connection is going away */
	}
}

static int
on_want(struct weft_fetch *f, struct fpeer *p, const struct weft_obj *m)
{
	uint8_t		 ids[WEFT_FETCH_IDS_MAX][32];
	struct serve	*sv = &p->srv;
	uint32_t	 n;
	int		 err;

	err = decode_ids(weft_obj_get(m, "ids"), ids, &n);
	if (err)
		return err;
	if (sv->qn + n > f->o.serve_max)
		return WEFT_ETOOBIG;
	if (sv->q == NULL) {
		sv->q = calloc(f->o.serve_max, sizeof(*sv->q));
		if (sv->q == NULL)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		memcpy(sv->q[(sv->qhead + sv->qn++) % f->o.serve_max], ids[i],
		    32);
	serve_pump(f, p);
	return 0;
}

/* The interface. */

int
weft_fetch_new(struct weft_fetch **fp, struct weft_store *store,
    const struct weft_fetch_io *io, const struct weft_fetch_opts *opts)
{
	struct weft_fetch	*f;

	*fp = NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	if (opts != NULL)
		f->o = *opts;
	else
		weft_fetch_opts_default(&f->o);
	if (f->o.window_min == 0 || f->o.window_max < f->o.window_min ||
	    f->o.window_max > WEFT_FETCH_OUTSTANDING_MAX ||
	    f->o.table_max == 0 || f->o.table_max > (1u << 20) ||
	    f->o.serve_max < WEFT_FETCH_IDS_MAX ||
	    f->o.serve_max > (1u << 16) || f->o.timeout_ms == 0 ||
	    f->o.rescan_ms == 0 || f->o.retry_ms == 0 ||
	    f->o.batch_bytes == 0) {
		free(f);
		return WEFT_EUSAGE;
	}
	f->s = store;
	f->io = *io;
	for (f->nbuckets = 16; f->nbuckets < f->o.table_max; f->nbuckets *= 2)
		;
	f->w = calloc(f->o.table_max, sizeof(*f->w));
	f->buckets = malloc(f->nbuckets * sizeof(*f->buckets));
	if (f->w == NULL || f->buckets == NULL) {
		free(f->w);
		free(f->buckets);
		free(f);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < f->nbuckets; i++)
		f->buckets[i] = NIL;
	for (uint32_t i = 0; i < f->o.table_max; i++)
		f->w[i].next = i + 1 < f->o.table_max ? i + 1 : NIL;
	f->free_head = 0;
	f->idle_head = f->idle_tail = NIL;
	f->scan_more = true;
	weft_buf_init(&f->msg, WEFT_FETCH_PART_MAX + 256);
	*fp = f;
	return 0;
}

void
weft_fetch_free(struct weft_fetch *f)
{
	if (f == NULL)
		return;
	while (f->peers != NULL)
		peer_free(f, f->peers);
	for (uint32_t i = 0; i < f->njobs; i++)
		f->jobs[i]->f = NULL;
	items_free(f->batch, f->nbatch);
	weft_buf_release(&f->msg);
	free(f->w);
	free(f->buckets);
	free(f);
}

void
weft_fetch_peer_up(struct weft_fetch *f, uint64_t peer,
    const uint8_t node[32], uint64_t now_ms)
{
	struct fpeer	*p;

	(void)node;
	f->now = now_ms;
	p = peer_get(f, peer);
	if (p == NULL)
		return;
	p->up = true;
	if (!p->has_out && f->io.open(f->io.arg, peer, WEFT_FETCH_PURPOSE,
	    &p->out) == 0)
		p->has_out = true;
	fill_all(f);
}

void
weft_fetch_peer_down(struct weft_fetch *f, uint64_t peer)
{
	struct fpeer	*p;

	p = peer_find(f, peer);
	if (p == NULL)
		return;
	peer_free(f, p);
	fill_all(f);
}

int
weft_fetch_on_open(struct weft_fetch *f, uint64_t peer, uint16_t ch,
    const char *purpose)
{
	struct fpeer	*p;

	if (strcmp(purpose, WEFT_FETCH_PURPOSE) != 0)
		return WEFT_ENOTFOUND;
	p = peer_get(f, peer);
	if (p == NULL)
		return -ENOMEM;
	if (p->srv.open)
		return WEFT_EBUSY;	/* one serving channel per peer */
	weft_buf_init(&p->srv.data, WEFT_INDEX_MAX);
	p->srv.open = true;
	p->srv.ch = ch;
	return 0;
}

int
weft_fetch_on_msg(struct weft_fetch *f, uint64_t peer, uint16_t ch,
    const uint8_t *msg, size_t len, uint64_t now_ms)
{
	struct weft_msg	 m;
	struct fpeer	*p;
	const char	*t;
	size_t		 tn;
	int		 err;

	f->now = now_ms;
	p = peer_find(f, peer);
	if (p == NULL)
		return WEFT_EPROTO;
	err = weft_msg_decode(&m, msg, len);
	if (err)
		return err;
	if (weft_obj_type(m.root) != WEFT_OBJ_MAP ||
	    weft_obj_str(weft_obj_get(m.root, "t"), &t, &tn) != 0) {
		err = WEFT_EPROTO;
	} else if (p->srv.open && ch == p->srv.ch) {
		if (tn == 4 && memcmp(t, "want", 4) == 0)
			err = on_want(f, p, m.root);
		else
			err = WEFT_EPROTO;
	} else if (p->has_out && ch == p->out) {
		if (tn == 5 && memcmp(t, "chunk", 5) == 0)
			err = on_chunk(f, p, m.root);
		else if (tn == 4 && memcmp(t, "none", 4) == 0)
			err = on_none(f, p, m.root);
		else
			err = WEFT_EPROTO;
		if (err == 0)
			fill_all(f);
	} else {
		err = WEFT_EPROTO;
	}
	weft_msg_release(&m);
	return err;
}

void
weft_fetch_on_end(struct weft_fetch *f, uint64_t peer, uint16_t ch)
{
	struct fpeer	*p;

	p = peer_find(f, peer);
	if (p == NULL)
		return;
	if (p->srv.open && p->srv.ch == ch) {
		serve_reset(&p->srv);
	} else if (p->has_out && p->out == ch) {
		peer_requests_drop(f, p);
		fill_all(f);
	}
}

void
weft_fetch_drained(struct weft_fetch *f, uint64_t peer, uint64_t now_ms)
{
	struct fpeer	*p;

	f->now = now_ms;
	p = peer_find(f, peer);
	if (p != NULL)
		serve_pump(f, p);
}

void
weft_fetch_kick(struct weft_fetch *f, uint64_t now_ms)
{
	f->now = now_ms;
	refill(f, true);
	fill_all(f);
}

void
weft_fetch_wanted(struct weft_fetch *f, uint64_t now_ms)
{
	weft_fetch_kick(f, now_ms);
	if (f->io.wake != NULL)
		f->io.wake(f->io.arg);
}

uint64_t
weft_fetch_tick(struct weft_fetch *f, uint64_t now_ms)
{
	struct fpeer	*p, *next;
	struct want	*w;
	uint64_t	 due = UINT64_MAX;

	f->now = now_ms;
	/*
	 * Ask elsewhere what a peer did not answer in time. next_deadline
	 * is a lower bound (an id answered since leaves it early): before
	 * it nothing can have timed out.
	 */
	if (f->next_deadline <= now_ms) {
		for (uint32_t i = 0; i < f->o.table_max; i++) {
			w = &f->w[i];
			if (w->state != W_ASKED)
				continue;
			if (w->deadline <= now_ms) {
				p = peer_find(f, w->peer);
				if (p != NULL && p->window > f->o.window_min)
					p->window = p->window / 2 >
					    f->o.window_min ? p->window / 2 :
					    f->o.window_min;
				want_retry(f, w, w->peer, true);
			} else if (w->deadline < due) {
				due = w->deadline;
			}
		}
		f->next_deadline = due;
	} else {
		due = f->next_deadline;
	}
	/* A peer that answers nothing for long is closed. */
	for (p = f->peers; p != NULL; p = next) {
		next = p->next;
		if (p->fn > 0 && p->fifo[p->fhead].at + STALL_FACTOR *
		    f->o.timeout_ms <= now_ms) {
			f->io.close(f->io.arg, p->h, -ETIMEDOUT,
			    "files: requests unanswered");
			continue;
		}
		if (p->up && !p->has_out && f->io.open(f->io.arg, p->h,
		    WEFT_FETCH_PURPOSE, &p->out) == 0)
			p->has_out = true;
	}
	/*
	 * Peers that lacked an id may have it by now, and wants may have
	 * been added to the store (a policy at ingest): look again now and
	 * then.
	 */
	if (f->next_retry <= now_ms) {
		for (uint32_t i = 0; i < f->o.table_max; i++)
			f->w[i].nno = 0;
		f->next_retry = now_ms + f->o.retry_ms;
	}
	if (f->next_rescan <= now_ms) {
		refill(f, true);
		f->next_rescan = now_ms + f->o.rescan_ms;
	}
	if (f->next_rescan < due)
		due = f->next_rescan;
	if (f->next_retry < due)
		due = f->next_retry;
	f->blocked = false;
	for (p = f->peers; p != NULL; p = p->next)
		serve_pump(f, p);
	if (f->blocked && now_ms + BLOCKED_MS < due)
		due = now_ms + BLOCKED_MS;
	job_start(f);
	fill_all(f);
	if (weft_space_due(f->space, now_ms) < due)
		due = weft_space_due(f->space, now_ms);
	return due;
}

void
weft_fetch_set_space(struct weft_fetch *f, struct weft_space *space)
{
	f->space = space;
}

void
weft_fetch_stats(const struct weft_fetch *f, uint64_t now_ms,
    struct weft_fetch_stats *st)
{
	const struct fpeer	*p;

	*st = f->st;
	st->peers = st->active = 0;
	for (p = f->peers; p != NULL; p = p->next) {
		if (!p->up || !p->has_out)
			continue;
		st->peers++;
		if (p->last_chunk != 0 && p->last_chunk + ACTIVE_MS > now_ms)
			st->active++;
	}
	st->wanted = f->nw;
	st->inflight = 0;
	for (uint32_t i = 0; i < f->o.table_max; i++)
		if (f->w[i].state == W_ASKED)
			st->inflight++;
}
