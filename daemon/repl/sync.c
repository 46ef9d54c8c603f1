/*
 * Record replication, sans-I/O (daemon/repl/sync.h, docs/proto/sync.md).
 *
 * Per peer: one "sync" channel we open and send on, the channel the peer
 * opened (we accept and read it), an initiator and a responder
 * reconciliation round, a queue of ids to ask it for, the wants it has
 * not answered yet (answered in order), and a small set of ids it is
 * known to have. Globally: a map of the ids in flight (asked of a peer,
 * queued for verification, or held for a dependency) so that nothing is
 * asked twice; the queue of envelopes awaiting verification, cut into
 * batches run by io->work; the pool of records held for dependencies.
 *
 * Invariant: an id is in s->flight while it is asked, queued, in a job or
 * held, and removed when its fate is known, so "not in the store and not
 * in flight" means "ask for it".
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/recon.h"
#include "weft/record.h"
#include "weft/wire.h"

#include "space.h"
#include "store.h"
#include "sync.h"
#include "sync_impl.h"

/* ---- id map ---- */

static size_t
idmap_hash(const struct idmap *m, const uint8_t id[WEFT_ID_BYTES])
{
	uint8_t		h[crypto_shorthash_BYTES];
	uint64_t	v = 0;

	crypto_shorthash(h, id, WEFT_ID_BYTES, m->key);
	for (size_t i = 0; i < sizeof(v); i++)
		v = v << 8 | h[i];
	return (size_t)v & (m->cap - 1);
}

static struct slot *
idmap_find(const struct idmap *m, const uint8_t id[WEFT_ID_BYTES])
{
	size_t	i;

	if (m->cap == 0)
		return NULL;
	for (i = idmap_hash(m, id);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].state == 0)
			return NULL;
		if (memcmp(m->slots[i].id, id, WEFT_ID_BYTES) == 0)
			return &m->slots[i];
	}
}

static int
idmap_grow(struct idmap *m)
{
	struct idmap	 nm = *m;
	size_t		 i, j;

	nm.cap = m->cap ? m->cap * 2 : 64;
	nm.slots = calloc(nm.cap, sizeof(*nm.slots));
	if (nm.slots == NULL)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].state == 0)
			continue;
		for (j = idmap_hash(&nm, m->slots[i].id); nm.slots[j].state;
		    j = (j + 1) & (nm.cap - 1))
			;
		nm.slots[j] = m->slots[i];
	}
	free(m->slots);
	*m = nm;
	return 0;
}

/* Inserts or overwrites. 0 or -ENOMEM. */
static int
idmap_put(struct idmap *m, const uint8_t id[WEFT_ID_BYTES], uint8_t state,
    uint64_t peer)
{
	struct slot	*sl;
	size_t		 i;
	int		 err;

	sl = idmap_find(m, id);
	if (sl == NULL) {
		if ((m->n + 1) * 4 > m->cap * 3) {
			err = idmap_grow(m);
			if (err)
				return err;
		}
		for (i = idmap_hash(m, id); m->slots[i].state;
		    i = (i + 1) & (m->cap - 1))
			;
		sl = &m->slots[i];
		memcpy(sl->id, id, WEFT_ID_BYTES);
		m->n++;
	}
	sl->state = state;
	sl->peer = peer;
	return 0;
}

/* Removes id if present (backward-shift deletion, no tombstones). */
static void
idmap_del(struct idmap *m, const uint8_t id[WEFT_ID_BYTES])
{
	struct slot	*sl;
	size_t		 i, j, k;

	sl = idmap_find(m, id);
	if (sl == NULL)
		return;
	i = (size_t)(sl - m->slots);
	m->slots[i].state = 0;
	m->n--;
	for (j = (i + 1) & (m->cap - 1); m->slots[j].state;
	    j = (j + 1) & (m->cap - 1)) {
		k = idmap_hash(m, m->slots[j].id);
		/* Move j into the hole at i unless k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j].state = 0;
		i = j;
	}
}

static void
idmap_release(struct idmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

/* ---- id deque ---- */

static int
idq_grow(struct idq *q, size_t max)
{
	uint8_t	(*ids)[WEFT_ID_BYTES];
	size_t	 cap, i;

	if (q->n < q->cap)
		return 0;
	if (q->n >= max)
		return WEFT_ETOOBIG;
	cap = q->cap ? q->cap * 2 : 256;
	if (cap > max)
		cap = max;
	ids = malloc(cap * WEFT_ID_BYTES);
	if (ids == NULL)
		return -ENOMEM;
	for (i = 0; i < q->n; i++)
		memcpy(ids[i], q->ids[(q->head + i) % q->cap], WEFT_ID_BYTES);
	free(q->ids);
	q->ids = ids;
	q->cap = cap;
	q->head = 0;
	return 0;
}

static int
idq_push(struct idq *q, const uint8_t id[WEFT_ID_BYTES], bool front, size_t max)
{
	int	err;

	err = idq_grow(q, max);
	if (err)
		return err;
	if (front) {
		q->head = (q->head + q->cap - 1) % q->cap;
		memcpy(q->ids[q->head], id, WEFT_ID_BYTES);
	} else
		memcpy(q->ids[(q->head + q->n) % q->cap], id, WEFT_ID_BYTES);
	q->n++;
	return 0;
}

static void
idq_pop(struct idq *q, uint8_t id[WEFT_ID_BYTES])
{
	memcpy(id, q->ids[q->head], WEFT_ID_BYTES);
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

static void
idq_release(struct idq *q)
{
	free(q->ids);
	memset(q, 0, sizeof(*q));
}

/* ---- peers ---- */

struct peer *
weft__sync_peer_find(const struct weft_sync *s, uint64_t h)
{
	struct peer	*p;

	TAILQ_FOREACH(p, &s->peers, entry)
		if (p->h == h)
			return p;
	return NULL;
}

/* Remembers that p has id, forgetting the oldest id beyond the cap. */
static void
peer_recent_add(struct peer *p, const uint8_t id[WEFT_ID_BYTES])
{
	if (idmap_find(&p->recent, id) != NULL)
		return;
	if (p->recent.n >= WEFT_SYNC_RECENT)
		idmap_del(&p->recent, p->ring[p->ring_pos]);
	if (idmap_put(&p->recent, id, FL_RECENT, 0) != 0)
		return;
	memcpy(p->ring[p->ring_pos], id, WEFT_ID_BYTES);
	p->ring_pos = (p->ring_pos + 1) % WEFT_SYNC_RECENT;
}

void
weft__sync_peer_free(struct weft_sync *s, struct peer *p)
{
	uint32_t	i, k;
	struct slot	*sl;

	/* Ids asked of this peer are free to be asked elsewhere. */
	for (i = 0; i < p->wants_n; i++) {
		struct want *w = &p->wants[(p->wants_head + i) %
		    WEFT_SYNC_WANTS_OUT];

		for (k = 0; k < w->n; k++) {
			sl = idmap_find(&s->flight, w->ids[k]);
			if (sl != NULL && sl->state == FL_ASKED &&
			    sl->peer == p->h)
				idmap_del(&s->flight, w->ids[k]);
		}
		free(w->ids);
	}
	idq_release(&p->wantq);
	idmap_release(&p->recent);
	free(p->ring);
	free(p->theirs);
	free(p->ours);
	free(p->prev);
	free(p);
}

/* ---- messages out ---- */

int
weft__sync_send_out(struct weft_sync *s, struct peer *p)
{
	int	err;

	if (!p->has_out || p->dead)
		return WEFT_ENOTFOUND;
	err = s->io.send(s->io.arg, p->h, p->ch_out, s->out.data, s->out.len);
	if (err == 0) {
		s->st.msgs_out++;
		s->st.bytes_out += s->out.len;
	}
	return err;
}

void
weft__sync_peer_close(struct weft_sync *s, struct peer *p, int err,
    const char *why)
{
	if (p->dead)
		return;
	p->dead = true;
	s->io.close(s->io.arg, p->h, err, why);
}

static int
send_recon(struct weft_sync *s, struct peer *p, uint64_t round, bool ini,
    const struct scope *sc, const struct weft_buf *m)
{
	struct weft_pack	pk;
	uint8_t			sb[1 + WEFT_ID_BYTES];

	weft_buf_reset(&s->out);
	weft_pack_init(&pk, &s->out);
	/* Scope all is the message of version 1, without "s". */
	weft_pack_map(&pk, sc->kind == WEFT_STORE_SCOPE_ALL ? 4 : 5);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "recon");
	weft_pack_str(&pk, "r");
	weft_pack_uint(&pk, round);
	weft_pack_str(&pk, "i");
	weft_pack_bool(&pk, ini);
	weft_pack_str(&pk, "m");
	weft_pack_bin(&pk, m->data, m->len);
	if (sc->kind != WEFT_STORE_SCOPE_ALL) {
		sb[0] = sc->kind;
		memcpy(sb + 1, sc->id, WEFT_ID_BYTES);
		weft_pack_str(&pk, "s");
		weft_pack_bin(&pk, sb, sizeof(sb));
	}
	if (weft_pack_error(&pk))
		return weft_pack_error(&pk);
	return weft__sync_send_out(s, p);
}

/* ---- reconciliation ---- */

static int
recon_diff(void *arg, enum weft_recon_diff kind,
    const uint8_t id[WEFT_ID_BYTES])
{
	struct peer	*p = arg;

	if (kind == WEFT_RECON_NEED &&
	    idq_push(&p->wantq, id, false, p->wantq_max) == WEFT_ETOOBIG)
		p->wantq_full = true;
	return 0;
}

static void
round_done(struct weft_sync *s, struct peer *p)
{
	s->st.rounds++;
	if (p->lead)
		p->next_recon_ms = s->now_ms + s->o.reconcile_ms;
}

static int
scope_begin(struct weft_sync *s, const struct scope *sc,
    struct weft_store_recon **rc)
{
	return weft_store_recon_begin_scope(s->store, sc->kind, sc->id, rc);
}

/*
 * Starts the round we lead on scope p->scopes[p->ini_scope]. On failure
 * no round runs (ini_active false).
 */
static void
recon_scope_start(struct weft_sync *s, struct peer *p)
{
	struct weft_store_recon	*rc;
	const struct scope	*sc = &p->scopes[p->ini_scope];
	int			 err;

	p->ini_active = false;
	err = weft_recon_init(&p->ini, &weft_store_recon_set, NULL, NULL,
	    recon_diff, p);
	if (err)
		return;
	err = scope_begin(s, sc, &rc);
	if (err)
		return;
	p->ini.set_arg = rc;
	weft_buf_reset(&s->rbuf);
	err = weft_recon_initiate(&p->ini, &s->rbuf);
	weft_store_recon_end(rc);
	p->ini.set_arg = NULL;
	if (err)
		return;
	p->ini_round++;
	err = send_recon(s, p, p->ini_round, true, sc, &s->rbuf);
	if (err)
		return;
	p->ini_active = true;
	p->ini_start_ms = s->now_ms;
	p->next_recon_ms = UINT64_MAX;
}

/*
 * Starts a round we lead, over each shared scope in turn, or notes that
 * another is due after this one.
 */
void
weft__sync_recon_start(struct weft_sync *s, struct peer *p)
{
	if (p->dead || !p->has_out || p->nscopes == 0)
		return;
	if (p->ini_active) {
		p->ini_redo = true;
		return;
	}
	p->ini_redo = false;
	/* On failure, try again a period later rather than at every tick. */
	p->next_recon_ms = s->now_ms + s->o.reconcile_ms;
	p->ini_scope = 0;
	recon_scope_start(s, p);
}

static bool
scope_eq(const struct scope *a, const struct scope *b)
{
	return a->kind == b->kind && (a->kind == WEFT_STORE_SCOPE_ALL ||
	    memcmp(a->id, b->id, WEFT_ID_BYTES) == 0);
}

static bool
scope_in(const struct scope *v, uint32_t n, const struct scope *sc)
{
	for (uint32_t i = 0; i < n; i++)
		if (scope_eq(&v[i], sc))
			return true;
	return false;
}

bool
weft__sync_scope_shared(const struct peer *p, const struct scope *sc)
{
	return scope_in(p->scopes, p->nscopes, sc);
}

/*
 * One reconciliation message of the peer, for our initiator round
 * (ini == false: the peer answers) or its round (ini == true).
 */
static int
on_recon(struct weft_sync *s, struct peer *p, uint64_t round, bool ini,
    const struct scope *sc, const uint8_t *m, size_t len)
{
	struct weft_store_recon	*rc;
	struct weft_recon	*r;
	int			 err;

	if (ini) {
		if (!p->resp_active || round != p->resp_round) {
			/*
			 * Only a scope both sides are interested in, or were
			 * until our last change of interests: the peer may
			 * have started the round before it heard of it.
			 */
			if (!weft__sync_scope_shared(p, sc) &&
			    !scope_in(p->prev, p->nprev, sc))
				return WEFT_EPROTO;
			err = weft_recon_init(&p->resp, &weft_store_recon_set,
			    NULL, NULL, recon_diff, p);
			if (err)
				return err;
			p->resp_active = true;
			p->resp_round = round;
			p->resp_scope = *sc;
		} else if (!scope_eq(sc, &p->resp_scope)) {
			return WEFT_EPROTO;
		}
		r = &p->resp;
	} else {
		/* An answer to a round we abandoned (timeout): ignore it. */
		if (!p->ini_active || round != p->ini_round)
			return 0;
		if (!scope_eq(sc, &p->scopes[p->ini_scope]))
			return WEFT_EPROTO;
		r = &p->ini;
	}
	err = scope_begin(s, sc, &rc);
	if (err)
		return 0;	/* our store's trouble, not the peer's */
	r->set_arg = rc;
	weft_buf_reset(&s->rbuf);
	err = weft_recon_reconcile(r, m, len, &s->rbuf);
	weft_store_recon_end(rc);
	r->set_arg = NULL;
	if (err) {
		if (ini)
			p->resp_active = false;
		else
			p->ini_active = false;
		return err;
	}
	if (s->rbuf.len > 0) {
		err = send_recon(s, p, round, !ini, sc, &s->rbuf);
		if (err == WEFT_ETOOBIG)
			return err;
	}
	if (weft_recon_done(r)) {
		if (ini)
			p->resp_active = false;
		else if (p->ini_scope + 1 < p->nscopes) {
			/* The same round goes on with the next scope. */
			p->ini_scope++;
			recon_scope_start(s, p);
			if (p->ini_active)
				return 0;
			p->next_recon_ms = s->now_ms + s->o.reconcile_ms;
		} else {
			p->ini_active = false;
			if (p->ini_redo)
				weft__sync_recon_start(s, p);
		}
		round_done(s, p);
	}
	return 0;
}

/* ---- wants ---- */

static bool
have_record(struct weft_sync *s, const uint8_t id[WEFT_ID_BYTES])
{
	enum weft_record_type	t;

	/* A seed receipt is in the scopes too (docs/proto/sync.md). */
	return weft_store_record_type(s->store, id, &t) == 0 ||
	    weft_store_receipt_get(s->store, id, 0, NULL) == 0;
}

/*
 * Taken back here by its own signer's retract (a tombstone made while
 * the record was stored, so the right to take it back was checked):
 * never asked for again. A tombstone of a record never seen here is not
 * enough, or a stranger's retract could keep a record from coming.
 */
static bool
retracted(struct weft_sync *s, const uint8_t id[WEFT_ID_BYTES])
{
	struct weft_store_tomb	t;

	return weft_store_tomb(s->store, id, &t) == 0 && t.confirmed;
}

/*
 * Taken out or refused here for a block that lasts: not asked for (the
 * peer's sets still hold it, so every round finds it missing here).
 */
static bool
blocked(struct weft_sync *s, const uint8_t id[WEFT_ID_BYTES])
{
	return weft_store_blocked_record(s->store, id, NULL) == 0;
}

/* Sends p as many wants as it may have outstanding, capacity allowing. */
static void
peer_pump(struct weft_sync *s, struct peer *p)
{
	struct weft_pack	 pk;
	struct want		*w;
	uint8_t			 id[WEFT_ID_BYTES];
	int			 err;

	while (p->has_out && !p->dead && p->wantq.n > 0 &&
	    p->wants_n < WEFT_SYNC_WANTS_OUT &&
	    s->queue_bytes < s->o.queue_bytes) {
		w = &p->wants[(p->wants_head + p->wants_n) %
		    WEFT_SYNC_WANTS_OUT];
		w->ids = malloc(WEFT_SYNC_WANT_IDS * WEFT_ID_BYTES);
		if (w->ids == NULL)
			return;
		w->n = 0;
		while (w->n < WEFT_SYNC_WANT_IDS && p->wantq.n > 0) {
			idq_pop(&p->wantq, id);
			if (idmap_find(&s->flight, id) != NULL)
				continue;
			if (have_record(s, id) || retracted(s, id) ||
			    blocked(s, id))
				continue;
			/* Over a flood limit here: not worth asking again. */
			if (idmap_find(&s->limited, id) != NULL)
				continue;
			memcpy(w->ids[w->n++], id, WEFT_ID_BYTES);
		}
		if (w->n == 0) {
			free(w->ids);
			w->ids = NULL;
			return;
		}
		weft_buf_reset(&s->out);
		weft_pack_init(&pk, &s->out);
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, "want");
		weft_pack_str(&pk, "ids");
		weft_pack_bin(&pk, w->ids, (size_t)w->n * WEFT_ID_BYTES);
		err = weft_pack_error(&pk);
		if (err == 0)
			err = weft__sync_send_out(s, p);
		if (err) {
			/* The ids stay unasked; a later round finds them. */
			free(w->ids);
			w->ids = NULL;
			return;
		}
		for (uint32_t k = 0; k < w->n; k++)
			(void)idmap_put(&s->flight, w->ids[k], FL_ASKED, p->h);
		w->sent_ms = s->now_ms;
		p->wants_n++;
	}
}


/*
 * Once the ids a round found are all fetched, a round whose ids did not
 * all fit in the queue is followed by another, for the rest.
 */
static void
peer_refill(struct weft_sync *s, struct peer *p)
{
	if (p->wantq_full && p->wantq.n == 0 && p->wants_n == 0 &&
	    !p->ini_active) {
		p->wantq_full = false;
		weft__sync_recon_start(s, p);
	}
}

/* ---- verify+store jobs ---- */

static int
job_run(void *arg)
{
	struct job		*j = arg;
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;
	enum weft_record_type	 t;
	const uint8_t		*cand[2 + 2 * WEFT_PREV_MAX];
	size_t			 nc, i, k;
	int			 err;

	/* Helps verify the batches before it, then writes its own. */
	err = weft_store_ingest_run(j->s->ingest, j->b, j->res);
	weft_store_batch_free(j->b);
	j->b = NULL;
	if (err)
		return err;
	/* Which dependencies are missing: the ids to ask for. */
	for (i = 0; i < j->n; i++) {
		struct pend *p = j->p[i];

		p->ndeps = 0;
		if (j->res[i] != WEFT_EMISSING)
			continue;
		if (weft_record_open(p->env, p->len, &body, &blen, &sig) != 0)
			continue;
		if (weft_record_decode_body(body, blen, &r) != 0) {
			weft_record_release(&r);
			continue;
		}
		nc = 0;
		if (r.type == WEFT_REC_REV) {
			if (r.has_design)
				cand[nc++] = r.design;
			for (k = 0; k < r.prev.n; k++)
				cand[nc++] = r.prev.ids[k];
			for (k = 0; k < r.remix_of.n; k++)
				cand[nc++] = r.remix_of.ids[k];
		} else if (r.type == WEFT_REC_ENTRY) {
			cand[nc++] = r.lib;
			cand[nc++] = r.entry_design;
		} else if (r.type == WEFT_REC_MAINT) {
			cand[nc++] = r.lib;
			for (k = 0; k < r.prev.n; k++)
				cand[nc++] = r.prev.ids[k];
		} else if (r.type == WEFT_REC_RECEIPT) {
			cand[nc++] = r.receipt_rev;
		}
		for (k = 0; k < nc && p->ndeps < DEPS_MAX; k++)
			if (weft_store_record_type(j->s->store, cand[k], &t) ==
			    WEFT_ENOTFOUND)
				memcpy(p->deps[p->ndeps++], cand[k],
				    WEFT_ID_BYTES);
		weft_record_release(&r);
	}
	return 0;
}

static void
job_free(struct job *j)
{
	free(j->p);
	free(j->sl);
	free(j->res);
	free(j->ids);
	free(j);
}

static bool
is_invalid(int err)
{
	switch (err) {
	case WEFT_EBADSIG:
	case WEFT_EDENIED:
	case WEFT_EBADPATH:
	case WEFT_EBADFIELD:
	case WEFT_EBADLICENSE:
	case WEFT_EPROTO:
	case WEFT_ETOOBIG:
		return true;
	default:
		return false;
	}
}

static void
penalise(struct weft_sync *s, uint64_t h)
{
	struct peer	*p;

	s->st.rejected++;
	p = weft__sync_peer_find(s, h);
	if (p == NULL)
		return;
	p->penalty++;
	if (p->penalty >= s->o.penalty_max)
		weft__sync_peer_close(s, p, WEFT_EDENIED,
		    "sent invalid records");
}

/* Adds to b the tokens of the intervals of ms passed, up to burst. */
static void
bucket_fill(struct bucket *b, uint64_t now_ms, uint32_t burst, uint64_t ms)
{
	uint64_t	add;

	if (now_ms <= b->last_ms)
		return;
	add = (now_ms - b->last_ms) / ms;
	if (add >= burst - b->tokens) {
		b->tokens = burst;
		b->last_ms = now_ms;
	} else {
		b->tokens += (uint32_t)add;
		b->last_ms += add * ms;
	}
}

/*
 * Peer h sent an invalid record (id NULL: its envelope does not open):
 * says so through io->reject, at a bounded rate per peer and over all
 * peers (a hostile node may reconnect under fresh keys), then penalises
 * the peer.
 */
static void
reject(struct weft_sync *s, uint64_t h, const uint8_t *id, int err)
{
	struct peer	*p;

	p = weft__sync_peer_find(s, h);
	if (s->io.reject != NULL && p != NULL) {
		bucket_fill(&p->rlog, s->now_ms, WEFT_SYNC_REJECT_BURST,
		    WEFT_SYNC_REJECT_MS);
		bucket_fill(&s->rlog, s->now_ms, WEFT_SYNC_REJECT_ALL_BURST,
		    WEFT_SYNC_REJECT_ALL_MS);
	}
	if (s->io.reject != NULL && p != NULL && p->rlog.tokens > 0 &&
	    s->rlog.tokens > 0) {
		p->rlog.tokens--;
		s->rlog.tokens--;
		s->io.reject(s->io.arg, h, id, err, s->rlog_skipped);
		s->rlog_skipped = 0;
	} else
		s->rlog_skipped++;
	penalise(s, h);
}

/* Holds p for its dependencies and asks for them. */
static void
hold(struct weft_sync *s, struct pend *p)
{
	struct pend	*old;
	struct peer	*src, *q;

	TAILQ_INSERT_TAIL(&s->held, p, entry);
	s->held_n++;
	s->held_bytes += p->len;
	(void)idmap_put(&s->flight, p->id, FL_HELD, p->peer);
	/*
	 * Over the cap the oldest go; they are not in the store, so the next
	 * reconciliation with a peer that has them asks for them again.
	 */
	while (s->held_n > s->o.held_max || s->held_bytes > s->o.held_bytes) {
		old = TAILQ_FIRST(&s->held);
		TAILQ_REMOVE(&s->held, old, entry);
		s->held_n--;
		s->held_bytes -= old->len;
		s->st.held_dropped++;
		idmap_del(&s->flight, old->id);
		if (old == p)
			p = NULL;
		free(old);
	}
	if (p == NULL)
		return;
	src = weft__sync_peer_find(s, p->peer);
	for (uint8_t k = 0; k < p->ndeps; k++) {
		if (src != NULL && !src->dead) {
			(void)idq_push(&src->wantq, p->deps[k], true,
			    s->o.wantq_max);
			continue;
		}
		TAILQ_FOREACH(q, &s->peers, entry)
			(void)idq_push(&q->wantq, p->deps[k], true,
			    s->o.wantq_max);
	}
}

/*
 * Moves held records that waited for one of the ids in done to the front
 * of the queue, oldest first, so that a chain goes in in order.
 */
static void
release_held(struct weft_sync *s, const struct idmap *done)
{
	struct pendq	 tmp;
	struct pend	*p, *next;
	bool		 hit;

	TAILQ_INIT(&tmp);
	for (p = TAILQ_FIRST(&s->held); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		hit = p->ndeps == 0;
		for (uint8_t k = 0; k < p->ndeps && !hit; k++)
			hit = idmap_find(done, p->deps[k]) != NULL;
		if (!hit)
			continue;
		TAILQ_REMOVE(&s->held, p, entry);
		s->held_n--;
		s->held_bytes -= p->len;
		TAILQ_INSERT_TAIL(&tmp, p, entry);
		s->queue_n++;
		s->queue_bytes += p->len;
		(void)idmap_put(&s->flight, p->id, FL_QUEUED, p->peer);
	}
	TAILQ_CONCAT(&tmp, &s->queue, entry);
	TAILQ_CONCAT(&s->queue, &tmp, entry);
}

/*
 * What push filtering needs of a record, from its body: type, author,
 * and ref, the library of a lib (itself) or an entry, or the design of
 * a revision. ok is false for a body that does not decode.
 */
struct fact {
	bool		ok;
	uint8_t		type;
	uint8_t		author[WEFT_ID_BYTES];
	uint8_t		ref[WEFT_ID_BYTES];
	/* A receipt: the author of its design, when the store has it. */
	bool		has_dauthor;
	uint8_t		dauthor[WEFT_ID_BYTES];
};

/* The author of design (its genesis record), when the store has it. */
static bool
design_author(struct weft_sync *s, const uint8_t design[WEFT_ID_BYTES],
    uint8_t author[WEFT_ID_BYTES])
{
	struct weft_record	 r;
	struct weft_buf		 b;
	const uint8_t		*body, *sig;
	size_t			 blen;
	bool			 ok = false;

	weft_buf_init(&b, WEFT_RECORD_MAX);
	weft_record_init(&r);
	if (weft_store_record_get(s->store, design, &b) == 0 &&
	    weft_record_open(b.data, b.len, &body, &blen, &sig) == 0 &&
	    weft_record_decode_body(body, blen, &r) == 0 &&
	    r.type == WEFT_REC_REV) {
		memcpy(author, r.author, WEFT_ID_BYTES);
		ok = true;
	}
	weft_record_release(&r);
	weft_buf_release(&b);
	return ok;
}

static void
fact_get(const struct pend *p, struct fact *f)
{
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;

	memset(f, 0, sizeof(*f));
	if (weft_record_open(p->env, p->len, &body, &blen, &sig) != 0)
		return;
	if (weft_record_decode_body(body, blen, &r) == 0) {
		f->ok = true;
		f->type = (uint8_t)r.type;
		memcpy(f->author, r.author, WEFT_ID_BYTES);
		if (r.type == WEFT_REC_LIB)
			memcpy(f->ref, p->id, WEFT_ID_BYTES);
		else if (r.type == WEFT_REC_ENTRY ||
		    r.type == WEFT_REC_MAINT)
			memcpy(f->ref, r.lib, WEFT_ID_BYTES);
		else if (r.type == WEFT_REC_REV)
			memcpy(f->ref, r.has_design ? r.design : p->id,
			    WEFT_ID_BYTES);
		else if (r.type == WEFT_REC_COMMENT ||
		    r.type == WEFT_REC_REACTION || r.type == WEFT_REC_MAKE ||
		    r.type == WEFT_REC_GEOM || r.type == WEFT_REC_RECEIPT)
			memcpy(f->ref, r.design, WEFT_ID_BYTES);
		else if (r.type == WEFT_REC_GRANT)
			memcpy(f->ref, r.grant_design, WEFT_ID_BYTES);
	}
	weft_record_release(&r);
}

/* Whether one interest covers a record, short of the store's help. */
static bool
fact_covered(const struct weft_wire_interest *in, const struct fact *f)
{
	switch (in->scope) {
	case WEFT_WIRE_SCOPE_ALL:
		return true;
	case WEFT_WIRE_SCOPE_AUTHOR:
		/* A receipt is signed by a node: its design's author counts. */
		if (f->ok && f->type == WEFT_REC_RECEIPT)
			return f->has_dauthor && memcmp(in->id, f->dauthor,
			    WEFT_ID_BYTES) == 0;
		/* What others put on a design goes to its author's too. */
		if (f->ok && f->has_dauthor && memcmp(in->id, f->dauthor,
		    WEFT_ID_BYTES) == 0)
			return true;
		return f->ok && memcmp(in->id, f->author, WEFT_ID_BYTES) == 0;
	case WEFT_WIRE_SCOPE_LIB:
		/* Records on a design: the store says which libs hold it. */
		return f->ok && (f->type == WEFT_REC_LIB ||
		    f->type == WEFT_REC_ENTRY || f->type == WEFT_REC_MAINT) &&
		    memcmp(in->id, f->ref, WEFT_ID_BYTES) == 0;
	}
	return false;
}

/* The filtered peers, and the row of one record: want[j] for peer j. */
struct filter {
	struct peer	**fq;
	size_t		  nf;
	uint8_t		 *want;
};

/* One library holding a revision's design: the peers that name it. */
static int
filter_lib(void *arg, const uint8_t lib[WEFT_ID_BYTES])
{
	struct filter		*fl = arg;
	const struct peer	*q;

	for (size_t j = 0; j < fl->nf; j++) {
		q = fl->fq[j];
		for (uint32_t i = 0; i < q->ntheirs && !fl->want[j]; i++)
			if (q->theirs[i].scope == WEFT_WIRE_SCOPE_LIB &&
			    memcmp(q->theirs[i].id, lib, WEFT_ID_BYTES) == 0)
				fl->want[j] = 1;
	}
	return 0;
}

/*
 * For the peers not interested in everything, fq[0..nf), which records
 * of list[0..n) each wants: want[k * nf + j] for record k and peer j
 * (NULL when out of memory: they get none, reconciliation covers them).
 * A record is wanted when one of the peer's interests covers it: all;
 * author, its signer; lib L, the lib record L, an entry of L or a
 * revision of a design L holds now (the store's design_lib, the same
 * table that puts revisions into L's reconciliation scope). Only a
 * revision meeting a lib interest costs a store query, one per record.
 */
static uint8_t *
filter_make(struct weft_sync *s, struct pend **list, size_t n,
    struct peer **fq, size_t nf)
{
	struct filter	 fl = { fq, nf, NULL };
	struct fact	 f;
	uint8_t		*want;
	bool		 libs;

	want = calloc(n, nf);
	if (want == NULL)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		fact_get(list[k], &f);
		if (f.ok && (f.type == WEFT_REC_RECEIPT ||
		    f.type == WEFT_REC_COMMENT || f.type == WEFT_REC_REACTION ||
		    f.type == WEFT_REC_MAKE || f.type == WEFT_REC_GEOM))
			f.has_dauthor = design_author(s, f.ref, f.dauthor);
		fl.want = want + k * nf;
		libs = false;
		for (size_t j = 0; j < nf; j++) {
			for (uint32_t i = 0; i < fq[j]->ntheirs; i++) {
				if (fact_covered(&fq[j]->theirs[i], &f)) {
					fl.want[j] = 1;
					break;
				}
				if (fq[j]->theirs[i].scope ==
				    WEFT_WIRE_SCOPE_LIB && f.ok &&
				    (f.type == WEFT_REC_REV ||
				    f.type == WEFT_REC_COMMENT ||
				    f.type == WEFT_REC_REACTION ||
				    f.type == WEFT_REC_MAKE ||
				    f.type == WEFT_REC_GRANT ||
				    f.type == WEFT_REC_GEOM ||
				    f.type == WEFT_REC_RECEIPT))
					libs = true;
			}
		}
		/* On a store error the lib peers miss it: recon finds it. */
		if (libs)
			(void)weft_store_design_libs(s->store, f.ref, filter_lib,
			    &fl);
	}
	return want;
}

/*
 * True when q sent us p, is known to have it, or is not interested in
 * it (p is record k of the filter want of nf columns, for q->frow >= 0).
 */
static bool
skip_push(const struct peer *q, const struct pend *p, const uint8_t *want,
    size_t nf, size_t k)
{
	if (p->origin != OR_LOCAL && p->peer == q->h)
		return true;
	if (q->frow >= 0 && !want[k * nf + (size_t)q->frow])
		return true;
	return idmap_find(&q->recent, p->id) != NULL;
}

/*
 * Pushes the envelopes of list[0..n) to every peer that lacks them and
 * is interested in them. A peer interested in all costs no filtering.
 */
static void
gossip(struct weft_sync *s, struct pend **list, size_t n)
{
	struct weft_pack	 pk;
	struct peer		*q, **fq = NULL;
	uint8_t			*want = NULL;
	size_t			 i, k, cnt, bytes, nf = 0;

	TAILQ_FOREACH(q, &s->peers, entry) {
		q->frow = -1;
		if (!q->dead && q->has_out && !q->their_all)
			q->frow = (int32_t)nf++;
	}
	if (nf > 0) {
		fq = calloc(nf, sizeof(*fq));
		if (fq != NULL) {
			TAILQ_FOREACH(q, &s->peers, entry)
				if (q->frow >= 0)
					fq[q->frow] = q;
			want = filter_make(s, list, n, fq, nf);
		}
	}
	TAILQ_FOREACH(q, &s->peers, entry) {
		if (q->dead || !q->has_out || (q->frow >= 0 && want == NULL))
			continue;
		for (i = 0; i < n;) {
			if (s->io.queued != NULL && s->io.queued(s->io.arg,
			    q->h, q->ch_out) > WEFT_SYNC_PUSH_QUEUED)
				break;	/* reconciliation will cover it */
			cnt = bytes = 0;
			for (k = i; k < n && cnt < WEFT_SYNC_ENVS_MAX; k++) {
				if (skip_push(q, list[k], want, nf, k))
					continue;
				if (bytes + list[k]->len > WEFT_SYNC_ENVS_BYTES)
					break;
				bytes += list[k]->len;
				cnt++;
			}
			if (cnt > 0) {
				weft_buf_reset(&s->out);
				weft_pack_init(&pk, &s->out);
				weft_pack_map(&pk, 2);
				weft_pack_str(&pk, "t");
				weft_pack_str(&pk, "push");
				weft_pack_str(&pk, "envs");
				weft_pack_array(&pk, (uint32_t)cnt);
				for (size_t m = i; m < k; m++) {
					if (skip_push(q, list[m], want, nf, m))
						continue;
					weft_pack_bin(&pk, list[m]->env,
					    list[m]->len);
					peer_recent_add(q, list[m]->id);
				}
				if (weft_pack_error(&pk) == 0)
					(void)weft__sync_send_out(s, q);
			}
			i = k;
		}
	}
	free(want);
	free(fq);
}

static void job_start(struct weft_sync *);

/*
 * A record the store refused for a flood limit (store.h): valid, so its
 * sender is not penalised, but neither fetched nor taken again while
 * remembered (WEFT_SYNC_LIMITED_MAX ids, then forgotten at once).
 */
static void
limited_add(struct weft_sync *s, const uint8_t id[WEFT_ID_BYTES])
{
	s->st.limited++;
	if (s->limited.n >= WEFT_SYNC_LIMITED_MAX)
		idmap_release(&s->limited);
	(void)idmap_put(&s->limited, id, FL_RECENT, 0);
}

/*
 * The store could not take a job's records (a full or failing disk):
 * they go back to the front of the queue in their order, still in
 * flight, to be written when the disk's gate lets a write through.
 */
static void
job_return(struct weft_sync *s, struct job *j)
{
	for (size_t i = j->n; i-- > 0;) {
		TAILQ_INSERT_HEAD(&s->queue, j->p[i], entry);
		s->queue_n++;
		s->queue_bytes += j->p[i]->len;
		j->p[i] = NULL;
	}
}

static void
job_done(void *arg, int status)
{
	struct job	*j = arg;
	struct weft_sync *s = j->s;
	struct idmap	 done = { .key = s->hkey };
	struct pend	**fwd;
	struct peer	*q;
	size_t		 i, nfwd = 0;
	bool		 fetched = false;
	uint64_t	 fetch_from = 0;
	int		 res;

	s->jobs--;
	if (weft_space_is_disk_error(status)) {
		weft_space_failed(s->space, status, "received records",
		    s->now_ms);
		job_return(s, j);
		job_free(j);
		weft__sync_pump(s);
		return;
	}
	if (status == 0 && s->space != NULL) {
		weft_space_stored(s->space, s->now_ms);
		if (s->redo_rounds &&
		    weft_space_due(s->space, s->now_ms) == UINT64_MAX) {
			/* What was dropped while paused: look for it now. */
			s->redo_rounds = false;
			TAILQ_FOREACH(q, &s->peers, entry)
				weft__sync_recon_start(s, q);
		}
	}
	fwd = calloc(j->n ? j->n : 1, sizeof(*fwd));
	for (i = 0; i < j->n; i++) {
		struct pend *p = j->p[i];

		res = status ? status : j->res[i];
		if (res == WEFT_EMISSING) {
			hold(s, p);
			j->p[i] = NULL;
			continue;
		}
		idmap_del(&s->flight, p->id);
		if (res == 0) {
			s->st.stored++;
			if (s->io.useful != NULL)
				s->io.useful(s->io.arg, p->peer);
			(void)idmap_put(&done, p->id, FL_RECENT, 0);
			if (p->origin == OR_PUSH && fwd != NULL)
				fwd[nfwd++] = p;
			else if (p->origin == OR_FETCH) {
				fetched = true;
				fetch_from = p->peer;
			}
			continue;
		}
		if (res == WEFT_EEXISTS)
			s->st.dups++;
		else if (res == WEFT_ELIMIT)
			limited_add(s, p->id);
		else if (res == WEFT_EBLOCKED)
			s->st.blocked++;
		else if (status == 0 && is_invalid(res))
			reject(s, p->peer, p->id, res);
		/*
		 * A retracted record pushed unasked: the peer offers what
		 * its author took back. One we asked for (a peer that has
		 * not heard of the retract yet) costs nothing more.
		 */
		else if (status == 0 && res == WEFT_ERETRACTED &&
		    p->origin == OR_PUSH)
			reject(s, p->peer, p->id, res);
	}
	if (done.n > 0)
		release_held(s, &done);
	if (nfwd > 0)
		gossip(s, fwd, nfwd);
	/*
	 * Records fetched for catch-up are not pushed (they may be many);
	 * a round with the other peers tells them what they lack.
	 */
	if (fetched)
		TAILQ_FOREACH(q, &s->peers, entry)
			if (q->h != fetch_from)
				weft__sync_recon_start(s, q);
	for (i = 0; i < j->n; i++)
		free(j->p[i]);
	free(fwd);
	idmap_release(&done);
	job_free(j);
	job_start(s);
	weft__sync_pump(s);
}

/* Starts verify+store jobs while there is work and room for them. */
static void
job_start(struct weft_sync *s)
{
	struct job	*j;
	struct pend	*p;
	size_t		 n, bytes;
	int		 err;

	while (s->jobs < s->o.jobs_max && !TAILQ_EMPTY(&s->queue)) {
		/* Records and their indexes: twice their bytes or so. */
		if (!weft_space_room(s->space, 2 * (s->queue_bytes <
		    4u * 1024 * 1024 ? s->queue_bytes : 4u * 1024 * 1024),
		    s->now_ms))
			return;		/* paused: the tick tries again */
		j = calloc(1, sizeof(*j));
		if (j == NULL)
			return;
		n = s->queue_n < s->o.batch_max ? s->queue_n : s->o.batch_max;
		j->s = s;
		j->p = calloc(n, sizeof(*j->p));
		j->sl = calloc(n, sizeof(*j->sl));
		j->res = calloc(n, sizeof(*j->res));
		j->ids = calloc(n, WEFT_ID_BYTES);
		if (j->p == NULL || j->sl == NULL || j->res == NULL ||
		    j->ids == NULL) {
			job_free(j);
			return;
		}
		bytes = 0;
		while (j->n < n && (p = TAILQ_FIRST(&s->queue)) != NULL) {
			/* Split so that one job does not pin all the queue. */
			if (j->n > 0 && bytes + p->len > 16u * 1024 * 1024)
				break;
			TAILQ_REMOVE(&s->queue, p, entry);
			s->queue_n--;
			s->queue_bytes -= p->len;
			bytes += p->len;
			j->p[j->n] = p;
			j->sl[j->n].data = p->env;
			j->sl[j->n].len = p->len;
			j->n++;
		}
		/* Queued before it can run: the queue's order is ours. */
		err = weft_store_batch_new(&j->b, j->sl, j->n, j->ids);
		if (err == 0) {
			/* Receipts expired by now are dropped. */
			weft_store_batch_set_now(j->b, s->now_ms);
			weft_store_ingest_add(s->ingest, j->b);
			err = s->io.work(s->io.arg, job_run, job_done, j);
			if (err)
				weft_store_ingest_cancel(s->ingest, j->b);
		}
		if (err) {
			weft_store_batch_free(j->b);
			/* Put them back; the next event tries again. */
			while (j->n > 0) {
				p = j->p[--j->n];
				TAILQ_INSERT_HEAD(&s->queue, p, entry);
				s->queue_n++;
				s->queue_bytes += p->len;
			}
			job_free(j);
			return;
		}
		s->jobs++;
	}
}

void
weft__sync_pump(struct weft_sync *s)
{
	struct peer	*p;

	job_start(s);
	TAILQ_FOREACH(p, &s->peers, entry) {
		peer_refill(s, p);
		peer_pump(s, p);
	}
}

/*
 * Takes one envelope from peer p: a duplicate costs a lookup (id from
 * the body hash, then the flight map and the store), anything else is
 * queued for verification. Returns 0, or -ENOMEM.
 */
static int
take_env(struct weft_sync *s, struct peer *p, const uint8_t *env,
    size_t len, uint8_t origin, const uint8_t id[WEFT_ID_BYTES])
{
	struct pend	*pe;
	struct slot	*sl;

	peer_recent_add(p, id);
	sl = idmap_find(&s->flight, id);
	if (sl != NULL && !(sl->state == FL_ASKED && sl->peer == p->h)) {
		s->st.dups++;
		return 0;
	}
	if (sl == NULL && (have_record(s, id) ||
	    idmap_find(&s->limited, id) != NULL)) {
		s->st.dups++;
		return 0;
	}
	/* Pushes beyond twice the cap are dropped: reconciliation refetches. */
	if (origin == OR_PUSH && s->queue_bytes > 2 * s->o.queue_bytes) {
		if (weft_space_due(s->space, s->now_ms) != UINT64_MAX)
			s->redo_rounds = true;
		return 0;
	}
	pe = malloc(sizeof(*pe) + len);
	if (pe == NULL)
		return -ENOMEM;
	memcpy(pe->id, id, WEFT_ID_BYTES);
	pe->peer = p->h;
	pe->origin = origin;
	pe->ndeps = 0;
	pe->len = len;
	memcpy(pe->env, env, len);
	TAILQ_INSERT_TAIL(&s->queue, pe, entry);
	s->queue_n++;
	s->queue_bytes += len;
	return idmap_put(&s->flight, id, FL_QUEUED, p->h);
}

/* The id of an envelope, from its body; WEFT_EPROTO if it does not open. */
static int
env_id(const uint8_t *env, size_t len, uint8_t id[WEFT_ID_BYTES])
{
	const uint8_t	*body, *sig;
	size_t		 blen;
	int		 err;

	err = weft_record_open(env, len, &body, &blen, &sig);
	if (err)
		return err;
	weft_record_id(body, blen, id);
	return 0;
}

/* ---- messages in ---- */

/* The keys of a message are exactly t plus the given ones. */
int
weft__sync_check_keys(const struct weft_obj *root, const char *const *keys,
    size_t n)
{
	const char	*k;
	size_t		 kl, i;
	uint32_t	 j;

	if (weft_obj_len(root) != n + 1)
		return WEFT_EPROTO;
	for (j = 0; j < n + 1; j++) {
		if (weft_obj_str(weft_obj_key_at(root, j), &k, &kl) != 0)
			return WEFT_EPROTO;
		if (kl == 1 && k[0] == 't')
			continue;
		for (i = 0; i < n; i++)
			if (strlen(keys[i]) == kl && memcmp(keys[i], k, kl) == 0)
				break;
		if (i == n)
			return WEFT_EPROTO;
	}
	return 0;
}

/* An array of 1..WEFT_SYNC_ENVS_MAX bins (0.. when empty_ok). */
static int
check_envs(const struct weft_obj *a, bool empty_ok)
{
	const uint8_t	*e;
	size_t		 el, total = 0;
	uint32_t	 n, i;

	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EPROTO;
	n = weft_obj_len(a);
	if (n > WEFT_SYNC_ENVS_MAX || (n == 0 && !empty_ok))
		return WEFT_EPROTO;
	for (i = 0; i < n; i++) {
		if (weft_obj_bin(weft_obj_at(a, i), &e, &el) != 0)
			return WEFT_EPROTO;
		if (el == 0 || el > WEFT_RECORD_MAX)
			return WEFT_EPROTO;
		total += el;
	}
	if (total > WEFT_SYNC_ENVS_BYTES)
		return WEFT_ETOOBIG;
	return 0;
}

/* A bin of 32-byte ids, min..WEFT_SYNC_WANT_IDS of them. */
static int
check_ids(const struct weft_obj *o, size_t min, const uint8_t **ids,
    size_t *n)
{
	size_t	len;

	if (weft_obj_bin(o, ids, &len) != 0 || len % WEFT_ID_BYTES != 0)
		return WEFT_EPROTO;
	*n = len / WEFT_ID_BYTES;
	if (*n < min || *n > WEFT_SYNC_WANT_IDS)
		return WEFT_EPROTO;
	return 0;
}

static int
on_want(struct weft_sync *s, struct peer *p, const struct weft_obj *root)
{
	static const char *const keys[] = { "ids" };
	struct weft_pack	 pk;
	struct weft_buf		 envs, rec;
	uint8_t			 absent[WEFT_SYNC_WANT_IDS][WEFT_ID_BYTES];
	const uint8_t		*ids;
	size_t			 n, i, nabs = 0;
	uint32_t		 nenv = 0;
	int			 err;

	err = weft__sync_check_keys(root, keys, 1);
	if (err == 0)
		err = check_ids(weft_obj_get(root, "ids"), 1, &ids, &n);
	if (err)
		return err;
	weft_buf_init(&envs, WEFT_SYNC_ENVS_BYTES + WEFT_SYNC_ENVS_MAX * 5);
	weft_buf_init(&rec, WEFT_RECORD_MAX);
	weft_pack_init(&pk, &envs);
	for (i = 0; i < n; i++) {
		weft_buf_reset(&rec);
		err = weft_store_record_get(s->store, ids + i * WEFT_ID_BYTES,
		    &rec);
		/* Else a seed receipt, unless it expired (sync.md). */
		if (err == WEFT_ENOTFOUND)
			err = weft_store_receipt_get(s->store,
			    ids + i * WEFT_ID_BYTES, s->now_ms, &rec);
		if (err == WEFT_ENOTFOUND) {
			memcpy(absent[nabs++], ids + i * WEFT_ID_BYTES,
			    WEFT_ID_BYTES);
			continue;
		}
		if (err)
			break;	/* the rest are cut; the peer asks again */
		/* envs.len counts headers too, so the sum stays in bounds. */
		if (nenv > 0 && envs.len + rec.len + 5 > WEFT_SYNC_ENVS_BYTES)
			break;
		weft_pack_bin(&pk, rec.data, rec.len);
		nenv++;
		peer_recent_add(p, ids + i * WEFT_ID_BYTES);
	}
	err = weft_pack_error(&pk);
	if (err)
		goto out;
	weft_buf_reset(&s->out);
	weft_pack_init(&pk, &s->out);
	weft_pack_map(&pk, 3);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "records");
	weft_pack_str(&pk, "envs");
	weft_pack_array(&pk, nenv);
	weft_pack_raw(&pk, envs.data, envs.len);
	weft_pack_str(&pk, "absent");
	weft_pack_bin(&pk, absent, nabs * WEFT_ID_BYTES);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft__sync_send_out(s, p);
	/* Not answering would stall the peer: a full queue closes it. */
out:
	weft_buf_release(&rec);
	weft_buf_release(&envs);
	return err;
}

static int
on_records(struct weft_sync *s, struct peer *p, const struct weft_obj *root)
{
	static const char *const keys[] = { "envs", "absent" };
	const struct weft_obj	*a;
	struct want		*w;
	const uint8_t		*abs, *e;
	size_t			 nabs, el, i, k;
	uint32_t		 n;
	uint8_t			(*got)[WEFT_ID_BYTES] = NULL;
	bool			 seen;
	struct slot		*sl;
	int			 err;

	err = weft__sync_check_keys(root, keys, 2);
	if (err == 0)
		err = check_envs(a = weft_obj_get(root, "envs"), true);
	if (err == 0)
		err = check_ids(weft_obj_get(root, "absent"), 0, &abs, &nabs);
	if (err)
		return err;
	if (p->wants_n == 0)
		return WEFT_EPROTO;	/* an answer to nothing */
	w = &p->wants[p->wants_head];
	n = weft_obj_len(a);
	if (n + nabs > w->n)
		return WEFT_EPROTO;
	got = calloc(n ? n : 1, WEFT_ID_BYTES);
	if (got == NULL)
		return -ENOMEM;
	/* Every envelope and absent id must be one we asked for. */
	for (i = 0; i < n; i++) {
		(void)weft_obj_bin(weft_obj_at(a, (uint32_t)i), &e, &el);
		if (env_id(e, el, got[i]) != 0) {
			memset(got[i], 0, WEFT_ID_BYTES);
			continue;
		}
		for (k = 0; k < w->n; k++)
			if (memcmp(w->ids[k], got[i], WEFT_ID_BYTES) == 0)
				break;
		if (k == w->n) {
			err = WEFT_EPROTO;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		(void)weft_obj_bin(weft_obj_at(a, (uint32_t)i), &e, &el);
		if (sodium_is_zero(got[i], WEFT_ID_BYTES)) {
			/* It does not even open. */
			reject(s, p->h, NULL, WEFT_EPROTO);
			continue;
		}
		err = take_env(s, p, e, el, OR_FETCH, got[i]);
		if (err)
			goto out;
	}
	/*
	 * Asked ids neither sent nor absent were cut by the size limit: ask
	 * again first. Absent ones are forgotten (another peer may have them).
	 */
	for (k = w->n; k-- > 0;) {
		sl = idmap_find(&s->flight, w->ids[k]);
		if (sl == NULL || sl->state != FL_ASKED || sl->peer != p->h)
			continue;
		idmap_del(&s->flight, w->ids[k]);
		seen = false;
		for (i = 0; i < nabs && !seen; i++)
			seen = memcmp(abs + i * WEFT_ID_BYTES, w->ids[k],
			    WEFT_ID_BYTES) == 0;
		if (!seen)
			(void)idq_push(&p->wantq, w->ids[k], true,
			    s->o.wantq_max);
	}
	free(w->ids);
	w->ids = NULL;
	p->wants_head = (p->wants_head + 1) % WEFT_SYNC_WANTS_OUT;
	p->wants_n--;
out:
	free(got);
	return err;
}

static int
on_push(struct weft_sync *s, struct peer *p, const struct weft_obj *root)
{
	static const char *const keys[] = { "envs" };
	const struct weft_obj	*a;
	const uint8_t		*e;
	uint8_t			 id[WEFT_ID_BYTES];
	size_t			 el;
	uint32_t		 i;
	int			 err;

	err = weft__sync_check_keys(root, keys, 1);
	if (err == 0)
		err = check_envs(a = weft_obj_get(root, "envs"), false);
	if (err)
		return err;
	for (i = 0; i < weft_obj_len(a); i++) {
		(void)weft_obj_bin(weft_obj_at(a, i), &e, &el);
		if (env_id(e, el, id) != 0) {
			reject(s, p->h, NULL, WEFT_EPROTO);
			continue;
		}
		err = take_env(s, p, e, el, OR_PUSH, id);
		if (err)
			return err;
	}
	return 0;
}

static int
on_recon_msg(struct weft_sync *s, struct peer *p, const struct weft_obj *root)
{
	static const char *const keys[] = { "r", "i", "m", "s" };
	const struct weft_obj *so;
	const uint8_t	*m, *sb;
	struct scope	 sc;
	size_t		 ml, sl;
	uint64_t	 round;
	bool		 ini;
	int		 err;

	/* "s" is optional: without it the scope is all. */
	so = weft_obj_get(root, "s");
	err = weft__sync_check_keys(root, keys, so != NULL ? 4 : 3);
	if (err)
		return err;
	if (weft_obj_uint(weft_obj_get(root, "r"), &round) != 0 ||
	    weft_obj_bool(weft_obj_get(root, "i"), &ini) != 0 ||
	    weft_obj_bin(weft_obj_get(root, "m"), &m, &ml) != 0)
		return WEFT_EPROTO;
	if (ml > WEFT_RECON_FRAME_MAX)
		return WEFT_ETOOBIG;
	memset(&sc, 0, sizeof(sc));
	sc.kind = WEFT_STORE_SCOPE_ALL;
	if (so != NULL) {
		if (weft_obj_bin(so, &sb, &sl) != 0 ||
		    sl != 1 + WEFT_ID_BYTES ||
		    (sb[0] != WEFT_STORE_SCOPE_AUTHOR &&
		    sb[0] != WEFT_STORE_SCOPE_LIB))
			return WEFT_EPROTO;
		sc.kind = sb[0];
		memcpy(sc.id, sb + 1, WEFT_ID_BYTES);
	}
	return on_recon(s, p, round, ini, &sc, m, ml);
}

/* ---- the interface ---- */

void
weft_sync_opts_default(struct weft_sync_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->reconcile_ms = WEFT_SYNC_RECONCILE_MS;
	o->penalty_max = WEFT_SYNC_PENALTY_MAX;
	o->jobs_max = WEFT_SYNC_JOBS_MAX;
	o->batch_max = WEFT_SYNC_BATCH_MAX;
	o->queue_bytes = WEFT_SYNC_QUEUE_BYTES;
	o->held_max = WEFT_SYNC_HELD_MAX;
	o->held_bytes = WEFT_SYNC_HELD_BYTES;
	o->wantq_max = WEFT_SYNC_WANTQ_MAX;
	o->timeout_ms = WEFT_SYNC_TIMEOUT_MS;
}

int
weft_sync_configure(struct weft_sync *s, const struct weft_sync_opts *o)
{
	if (o->reconcile_ms == 0 || o->penalty_max == 0 || o->jobs_max == 0 ||
	    o->batch_max == 0 || o->batch_max > WEFT_STORE_BATCH_MAX ||
	    o->queue_bytes < WEFT_RECORD_MAX || o->held_max == 0 ||
	    o->held_bytes < WEFT_RECORD_MAX || o->wantq_max == 0 ||
	    o->timeout_ms == 0 || o->ninterests > WEFT_SYNC_INTERESTS_MAX)
		return WEFT_EUSAGE;
	for (uint32_t i = 0; i < o->ninterests; i++)
		if (o->interests[i].scope < WEFT_WIRE_SCOPE_ALL ||
		    o->interests[i].scope > WEFT_WIRE_SCOPE_LIB)
			return WEFT_EUSAGE;
	s->o = *o;
	return 0;
}

int
weft_sync_new(struct weft_sync **sp, struct weft_store *store,
    const struct weft_sync_io *io)
{
	struct weft_sync	*s;

	*sp = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->store = store;
	s->io = *io;
	if (weft_store_ingest_new(&s->ingest, store) != 0) {
		free(s);
		return -ENOMEM;
	}
	weft_sync_opts_default(&s->o);
	randombytes_buf(s->hkey, sizeof(s->hkey));
	TAILQ_INIT(&s->peers);
	TAILQ_INIT(&s->queue);
	TAILQ_INIT(&s->held);
	s->flight.key = s->hkey;
	s->limited.key = s->hkey;
	s->rlog.tokens = WEFT_SYNC_REJECT_ALL_BURST;
	weft_buf_init(&s->out, MSG_MAX);
	weft_buf_init(&s->rbuf, WEFT_RECON_FRAME_MAX);
	*sp = s;
	return 0;
}

static void
pendq_free(struct pendq *q)
{
	struct pend	*p;

	while ((p = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, p, entry);
		free(p);
	}
}

void
weft_sync_free(struct weft_sync *s)
{
	struct peer	*p;

	if (s == NULL)
		return;
	while ((p = TAILQ_FIRST(&s->peers)) != NULL) {
		TAILQ_REMOVE(&s->peers, p, entry);
		weft__sync_peer_free(s, p);
	}
	pendq_free(&s->queue);
	pendq_free(&s->held);
	idmap_release(&s->flight);
	idmap_release(&s->limited);
	weft_buf_release(&s->out);
	weft_buf_release(&s->rbuf);
	weft_store_ingest_free(s->ingest);
	free(s);
}

void
weft_sync_stats(const struct weft_sync *s, struct weft_sync_stats *st)
{
	const struct peer	*p;

	*st = s->st;
	st->peers = 0;
	TAILQ_FOREACH(p, &s->peers, entry)
		st->peers++;
	st->held = s->held_n;
	st->queued = s->queue_n;
}

int
weft_sync_peer_stats(const struct weft_sync *s, uint64_t peer,
    struct weft_sync_peer_stats *st)
{
	const struct peer	*p;

	p = weft__sync_peer_find(s, peer);
	if (p == NULL)
		return WEFT_ENOTFOUND;
	st->penalty = p->penalty;
	st->wantq = p->wantq.n;
	st->wants_out = p->wants_n;
	st->recon_active = p->ini_active;
	return 0;
}

void
weft_sync_peer_down(struct weft_sync *s, uint64_t peer)
{
	struct peer	*p;

	p = weft__sync_peer_find(s, peer);
	if (p == NULL)
		return;
	TAILQ_REMOVE(&s->peers, p, entry);
	weft__sync_peer_free(s, p);
	weft__sync_pump(s);
}

int
weft_sync_on_open(struct weft_sync *s, uint64_t peer, uint16_t ch,
    const char *purpose)
{
	struct peer	*p;

	if (strcmp(purpose, WEFT_SYNC_PURPOSE) != 0)
		return WEFT_ENOTFOUND;
	p = weft__sync_peer_find(s, peer);
	if (p == NULL || p->has_in)
		return WEFT_ENOTFOUND;	/* one channel per direction */
	p->has_in = true;
	p->ch_in = ch;
	return 0;
}

void
weft_sync_on_end(struct weft_sync *s, uint64_t peer, uint16_t ch)
{
	struct peer	*p;

	p = weft__sync_peer_find(s, peer);
	if (p == NULL)
		return;
	if (p->has_in && p->ch_in == ch)
		p->has_in = false;
	/* Without our channel nothing can be sent: the peer is done. */
	if (p->has_out && p->ch_out == ch)
		p->has_out = false;
}

int
weft_sync_on_msg(struct weft_sync *s, uint64_t peer, uint16_t ch,
    const uint8_t *msg, size_t len, uint64_t now_ms)
{
	struct weft_msg	 m;
	struct peer	*p;
	const char	*t;
	size_t		 tl;
	int		 err;

	s->now_ms = now_ms;
	p = weft__sync_peer_find(s, peer);
	if (p == NULL || p->dead)
		return 0;
	if (!(p->has_in && p->ch_in == ch) && !(p->has_out && p->ch_out == ch))
		return WEFT_EPROTO;
	s->st.msgs_in++;
	s->st.bytes_in += len;
	if (len > MSG_MAX)
		return WEFT_ETOOBIG;
	err = weft_msg_decode(&m, msg, len);
	if (err)
		return err == -ENOMEM ? 0 : WEFT_EPROTO;
	if (weft_obj_type(m.root) != WEFT_OBJ_MAP ||
	    weft_obj_str(weft_obj_get(m.root, "t"), &t, &tl) != 0) {
		err = WEFT_EPROTO;
		goto out;
	}
	if (tl == 5 && memcmp(t, "recon", 5) == 0)
		err = on_recon_msg(s, p, m.root);
	else if (tl == 4 && memcmp(t, "want", 4) == 0)
		err = on_want(s, p, m.root);
	else if (tl == 7 && memcmp(t, "records", 7) == 0)
		err = on_records(s, p, m.root);
	else if (tl == 4 && memcmp(t, "push", 4) == 0)
		err = on_push(s, p, m.root);
	else if (tl == 9 && memcmp(t, "interests", 9) == 0)
		err = weft__sync_on_interests(s, p, m.root);
	else
		err = WEFT_EPROTO;
out:
	weft_msg_release(&m);
	if (err == -ENOMEM)
		err = 0;	/* ours, not the peer's fault */
	weft__sync_pump(s);
	return err;
}

uint64_t
weft_sync_tick(struct weft_sync *s, uint64_t now_ms)
{
	struct peer	*p, *next;
	uint64_t	 dl = UINT64_MAX, t;

	s->now_ms = now_ms;
	for (p = TAILQ_FIRST(&s->peers); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (p->dead)
			continue;
		if (p->wants_n > 0 && now_ms - p->wants[p->wants_head].sent_ms >=
		    s->o.timeout_ms) {
			weft__sync_peer_close(s, p, WEFT_EPROTO,
			    "want unanswered");
			continue;
		}
		if (p->ini_active && now_ms - p->ini_start_ms >=
		    s->o.timeout_ms) {
			/* Abandoned; late answers to it are ignored. */
			p->ini_active = false;
			p->next_recon_ms = now_ms;
		}
		if (!p->ini_active && p->next_recon_ms <= now_ms)
			weft__sync_recon_start(s, p);
		if (p->wants_n > 0) {
			t = p->wants[p->wants_head].sent_ms + s->o.timeout_ms;
			dl = t < dl ? t : dl;
		}
		if (p->ini_active) {
			t = p->ini_start_ms + s->o.timeout_ms;
			dl = t < dl ? t : dl;
		} else if (p->next_recon_ms < dl)
			dl = p->next_recon_ms;
	}
	weft__sync_pump(s);
	if (weft_space_due(s->space, now_ms) < dl)
		dl = weft_space_due(s->space, now_ms);
	return dl;
}

void
weft_sync_set_space(struct weft_sync *s, struct weft_space *space)
{
	s->space = space;
}

void
weft_sync_reconcile(struct weft_sync *s, uint64_t now_ms)
{
	struct peer	*p;

	s->now_ms = now_ms;
	TAILQ_FOREACH(p, &s->peers, entry)
		weft__sync_recon_start(s, p);
}

void
weft_sync_local_record(struct weft_sync *s, const uint8_t id[32],
    const uint8_t *env, size_t len)
{
	struct idmap	 done = { .key = s->hkey };
	struct pend	*pe;

	if (len == 0 || len > WEFT_RECORD_MAX)
		return;
	pe = malloc(sizeof(*pe) + len);
	if (pe == NULL)
		return;
	memcpy(pe->id, id, WEFT_ID_BYTES);
	pe->peer = 0;
	pe->origin = OR_LOCAL;
	pe->ndeps = 0;
	pe->len = len;
	memcpy(pe->env, env, len);
	gossip(s, &pe, 1);
	free(pe);
	/* Records held for this one can go now. */
	if (idmap_put(&done, id, FL_RECENT, 0) == 0)
		release_held(s, &done);
	idmap_release(&done);
	weft__sync_pump(s);
	if (s->io.wake != NULL)
		s->io.wake(s->io.arg);
}
