/*
 * Replication (daemon/repl/sync.c) in a simulator: N struct weft_sync, each
 * over its own real store in a mkdtemp directory, joined by in-memory
 * links that deliver messages in order, with a virtual clock; io->work
 * queues jobs that the simulator loop runs (fn, then done, as the
 * daemon's thread pool would). Covers convergence (pairs, a chain, a ring
 * of ten, a late joiner), a misbehaving peer's invalid records, records
 * held for their dependencies, reconciliation scoped to one author or
 * one library, and decoders fed garbage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"
#include "weft/wire.h"

#include "store.h"
#include "sync.h"

#define TS0		UINT64_C(1700000000000)
#define NODES_MAX	32
#define EVIL		1000	/* scripted peers have handles from here */

struct author {
	uint8_t	pk[WEFT_PK_BYTES];
	uint8_t	sk[WEFT_SK_BYTES];
};

enum ev_kind { EV_OPEN = 1, EV_MSG, EV_DOWN };

struct ev {
	STAILQ_ENTRY(ev) entry;
	enum ev_kind	 kind;
	int		 from, to;
	uint16_t	 ch;
	size_t		 len;
	uint8_t		 data[];
};

struct simjob {
	STAILQ_ENTRY(simjob) entry;
	weft_sync_job_fn	*fn;
	weft_sync_done_fn	*done;
	void			*job;
};

struct sim;

struct node {
	struct sim		*sim;
	int			 idx;
	char			 dir[64];
	struct weft_store	*st;
	struct weft_sync	*sy;
	uint64_t		 closes;	/* peers it closed */
	int			 last_close_err;
};

struct link {
	bool		up;
	int		dialler;
	uint16_t	next_odd, next_even;
};

struct sim {
	struct node		 n[NODES_MAX];
	int			 nn;
	struct link		 l[NODES_MAX][NODES_MAX];
	STAILQ_HEAD(, ev)	 evs;
	STAILQ_HEAD(, simjob)	 jobs;
	uint64_t		 now;
	uint64_t		 errs;	/* on_msg errors */
	/* What nodes sent to the scripted peer EVIL. */
	struct weft_buf		 evil_out[8];
	int			 nevil_out;
	uint16_t		 evil_ch;
};

static struct sim *g_sim;

static uint64_t
hnd(int idx)
{
	return (uint64_t)idx + 1;
}

static void
enqueue(struct sim *sim, enum ev_kind kind, int from, int to, uint16_t ch,
    const void *data, size_t len)
{
	struct ev	*e;

	e = malloc(sizeof(*e) + len);
	assert_non_null(e);
	e->kind = kind;
	e->from = from;
	e->to = to;
	e->ch = ch;
	e->len = len;
	if (len > 0)
		memcpy(e->data, data, len);
	STAILQ_INSERT_TAIL(&sim->evs, e, entry);
}

static int
io_open(void *arg, uint64_t peer, const char *purpose, uint16_t *ch)
{
	struct node	*n = arg;
	struct sim	*sim = n->sim;
	struct link	*l;
	int		 j;

	assert_string_equal(purpose, "sync");
	if (peer >= EVIL) {
		*ch = sim->evil_ch = 2;
		return 0;
	}
	j = (int)peer - 1;
	l = &sim->l[n->idx < j ? n->idx : j][n->idx < j ? j : n->idx];
	if (!l->up)
		return -ENOTCONN;
	if (l->dialler == n->idx) {
		*ch = l->next_odd;
		l->next_odd += 2;
	} else {
		*ch = l->next_even;
		l->next_even += 2;
	}
	enqueue(sim, EV_OPEN, n->idx, j, *ch, purpose, strlen(purpose) + 1);
	return 0;
}

static struct link *
link_of(struct sim *sim, int a, int b)
{
	return &sim->l[a < b ? a : b][a < b ? b : a];
}

static int
io_send(void *arg, uint64_t peer, uint16_t ch, const void *msg, size_t len)
{
	struct node	*n = arg;
	struct sim	*sim = n->sim;

	assert_true(len <= WEFT_WIRE_MSG_MAX);
	if (peer >= EVIL) {
		if (sim->nevil_out < 8) {
			weft_buf_init(&sim->evil_out[sim->nevil_out],
			    WEFT_WIRE_MSG_MAX);
			assert_int_equal(weft_buf_add(
			    &sim->evil_out[sim->nevil_out], msg, len), 0);
			sim->nevil_out++;
		}
		return 0;
	}
	if (!link_of(sim, n->idx, (int)peer - 1)->up)
		return -EPIPE;
	enqueue(sim, EV_MSG, n->idx, (int)peer - 1, ch, msg, len);
	return 0;
}

static void
io_close(void *arg, uint64_t peer, int err, const char *reason)
{
	struct node	*n = arg;

	(void)reason;
	n->closes++;
	n->last_close_err = err;
	if (peer < EVIL)
		enqueue(n->sim, EV_DOWN, n->idx, (int)peer - 1, 0, NULL, 0);
}

static int
io_work(void *arg, weft_sync_job_fn *fn, weft_sync_done_fn *done, void *job)
{
	struct node	*n = arg;
	struct simjob	*j;

	j = calloc(1, sizeof(*j));
	assert_non_null(j);
	j->fn = fn;
	j->done = done;
	j->job = job;
	STAILQ_INSERT_TAIL(&n->sim->jobs, j, entry);
	return 0;
}

static void
sim_link_down(struct sim *sim, int a, int b)
{
	struct link	*l = link_of(sim, a, b);

	if (!l->up)
		return;
	l->up = false;
	weft_sync_peer_down(sim->n[a].sy, hnd(b));
	weft_sync_peer_down(sim->n[b].sy, hnd(a));
}

/* Each side gets the other's HELLO, with its interests, as net.c sends. */
static void
sim_connect(struct sim *sim, int a, int b)
{
	struct link		*l = link_of(sim, a, b);
	struct weft_wire_hello	*h;
	uint8_t			 node[32];

	h = calloc(1, sizeof(*h));
	assert_non_null(h);
	l->up = true;
	l->dialler = a;
	l->next_odd = 1;
	l->next_even = 2;
	memset(node, b, sizeof(node));
	h->ninterests = weft_sync_interests(sim->n[b].sy, h->interests,
	    WEFT_WIRE_INTERESTS_MAX);
	weft_sync_peer_up(sim->n[a].sy, hnd(b), node, h, sim->now);
	memset(node, a, sizeof(node));
	h->ninterests = weft_sync_interests(sim->n[a].sy, h->interests,
	    WEFT_WIRE_INTERESTS_MAX);
	weft_sync_peer_up(sim->n[b].sy, hnd(a), node, h, sim->now);
	free(h);
}

/* Runs events and jobs until none is left. Returns the steps taken. */
static uint64_t
sim_drain(struct sim *sim)
{
	struct ev	*e;
	struct simjob	*j;
	uint64_t	 steps = 0;
	int		 rc;

	for (;;) {
		assert_true(++steps < 10000000);
		e = STAILQ_FIRST(&sim->evs);
		if (e != NULL) {
			STAILQ_REMOVE_HEAD(&sim->evs, entry);
			if (e->kind == EV_DOWN)
				sim_link_down(sim, e->from, e->to);
			else if (!link_of(sim, e->from, e->to)->up)
				;
			else if (e->kind == EV_OPEN)
				(void)weft_sync_on_open(sim->n[e->to].sy,
				    hnd(e->from), e->ch, (char *)e->data);
			else {
				rc = weft_sync_on_msg(sim->n[e->to].sy,
				    hnd(e->from), e->ch, e->data, e->len,
				    sim->now);
				if (rc != 0) {
					sim->errs++;
					enqueue(sim, EV_DOWN, e->to, e->from,
					    0, NULL, 0);
				}
			}
			free(e);
			continue;
		}
		j = STAILQ_FIRST(&sim->jobs);
		if (j == NULL)
			break;
		STAILQ_REMOVE_HEAD(&sim->jobs, entry);
		j->done(j->job, j->fn(j->job));
		free(j);
	}
	return steps;
}

/* Drains, then moves the clock through deadlines for ms of virtual time. */
static void
sim_run(struct sim *sim, uint64_t ms)
{
	uint64_t	end = sim->now + ms, dl, d;

	for (;;) {
		sim_drain(sim);
		dl = UINT64_MAX;
		for (int i = 0; i < sim->nn; i++) {
			d = weft_sync_tick(sim->n[i].sy, sim->now);
			dl = d < dl ? d : dl;
		}
		if (!STAILQ_EMPTY(&sim->evs) || !STAILQ_EMPTY(&sim->jobs))
			continue;
		if (dl == UINT64_MAX || dl > end)
			break;
		sim->now = dl > sim->now ? dl : sim->now + 1;
	}
	sim->now = end;
}

static const struct weft_sync_io sim_io_tmpl = {
	.open = io_open,
	.send = io_send,
	.close = io_close,
	.work = io_work,
};

static void
sim_add_nodes(struct sim *sim, int n)
{
	struct weft_sync_io	io = sim_io_tmpl;

	for (int i = 0; i < n; i++) {
		struct node *nd = &sim->n[sim->nn];

		nd->sim = sim;
		nd->idx = sim->nn;
		strcpy(nd->dir, "/tmp/weft-sync-XXXXXX");
		assert_non_null(mkdtemp(nd->dir));
		assert_int_equal(weft_store_open(&nd->st, nd->dir, NULL), 0);
		io.arg = nd;
		assert_int_equal(weft_sync_new(&nd->sy, nd->st, &io), 0);
		sim->nn++;
	}
}

static int
setup(void **state)
{
	struct sim	*sim;

	sim = calloc(1, sizeof(*sim));
	assert_non_null(sim);
	STAILQ_INIT(&sim->evs);
	STAILQ_INIT(&sim->jobs);
	sim->now = 1000;
	g_sim = sim;
	*state = sim;
	return 0;
}

static int
teardown(void **state)
{
	struct sim	*sim = *state;
	struct ev	*e;
	char		 p[128];

	sim_drain(sim);
	while ((e = STAILQ_FIRST(&sim->evs)) != NULL) {
		STAILQ_REMOVE_HEAD(&sim->evs, entry);
		free(e);
	}
	for (int i = 0; i < sim->nn; i++) {
		weft_sync_free(sim->n[i].sy);
		weft_store_close(sim->n[i].st);
		snprintf(p, sizeof(p), "%s/data.mdb", sim->n[i].dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/lock.mdb", sim->n[i].dir);
		unlink(p);
		for (int pn = 1; pn < 1000; pn++) {
			snprintf(p, sizeof(p), "%s/pack-%010d", sim->n[i].dir, pn);
			unlink(p);
		}
		rmdir(sim->n[i].dir);
	}
	for (int i = 0; i < sim->nevil_out; i++)
		weft_buf_release(&sim->evil_out[i]);
	free(sim);
	return 0;
}

/* ---- records ---- */

static void
author_new(struct author *a)
{
	crypto_sign_keypair(a->pk, a->sk);
}

/* Signs body into env (initialised here) and returns the id in id. */
static void
sign_body(const struct author *a, const struct weft_buf *body,
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	weft_buf_init(env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_sign(body->data, body->len, a->sk, env),
	    0);
	weft_record_id(body->data, body->len, id);
}

/*
 * A revision (genesis when design is NULL) into env; path, if not NULL,
 * names one file.
 */
static void
make_rev(const struct author *a, uint64_t ts, const uint8_t *design,
    const uint8_t *prev, const char *title, const char *path,
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	if (design != NULL) {
		r.has_design = true;
		memcpy(r.design, design, WEFT_ID_BYTES);
		r.prev.ids = calloc(1, WEFT_ID_BYTES);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], prev, WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	r.title = strdup(title);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	if (path != NULL) {
		r.files = calloc(1, sizeof(*r.files));
		assert_non_null(r.files);
		r.files[0].path = strdup(path);
		r.files[0].size = 1;
		r.nfiles = 1;
	}
	weft_buf_init(&body, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	sign_body(a, &body, env, id);
	weft_buf_release(&body);
	weft_record_release(&r);
}

static void
make_lib(const struct author *a, uint64_t ts, struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body;

	weft_record_init(&r);
	r.type = WEFT_REC_LIB;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	r.name = strdup("lib");
	r.description = strdup("");
	r.maintainers.ids = calloc(1, WEFT_ID_BYTES);
	assert_non_null(r.maintainers.ids);
	memcpy(r.maintainers.ids[0], a->pk, WEFT_ID_BYTES);
	r.maintainers.n = 1;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	sign_body(a, &body, env, id);
	weft_buf_release(&body);
	weft_record_release(&r);
}

static void
make_entry(const struct author *a, uint64_t ts,
    const uint8_t lib[WEFT_ID_BYTES], const uint8_t design[WEFT_ID_BYTES],
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body;

	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	memcpy(r.lib, lib, WEFT_ID_BYTES);
	memcpy(r.entry_design, design, WEFT_ID_BYTES);
	r.action = WEFT_ENTRY_ADD;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	sign_body(a, &body, env, id);
	weft_buf_release(&body);
	weft_record_release(&r);
}

/* Stores n fresh genesis revisions at node i (as if published there). */
static void
publish_n(struct sim *sim, int i, const struct author *a, int n,
    uint64_t ts, bool announce)
{
	struct weft_buf	 env;
	uint8_t		 id[WEFT_ID_BYTES];
	char		 title[64];

	for (int k = 0; k < n; k++) {
		snprintf(title, sizeof(title), "design %d/%d/%" PRIu64, i, k,
		    ts);
		make_rev(a, ts + (uint64_t)k, NULL, NULL, title, NULL, &env,
		    id);
		assert_int_equal(weft_store_record_put(sim->n[i].st, env.data,
		    env.len, NULL), 0);
		if (announce)
			weft_sync_local_record(sim->n[i].sy, id, env.data,
			    env.len);
		weft_buf_release(&env);
	}
}

static uint64_t
nrecords(struct sim *sim, int i)
{
	struct weft_store_stats	st;

	assert_int_equal(weft_store_stats(sim->n[i].st, &st), 0);
	return st.records;
}

static bool
has(struct sim *sim, int i, const uint8_t id[WEFT_ID_BYTES])
{
	enum weft_record_type	t;

	return weft_store_record_type(sim->n[i].st, id, &t) == 0;
}

/* ---- convergence ---- */

static void
test_pair_disjoint(void **state)
{
	struct sim		*sim = *state;
	struct author		 a, b;
	struct weft_sync_stats	 st;

	author_new(&a);
	author_new(&b);
	sim_add_nodes(sim, 2);
	publish_n(sim, 0, &a, 300, TS0, false);
	publish_n(sim, 1, &b, 700, TS0 + 50, false);
	sim_connect(sim, 0, 1);
	sim_run(sim, 1000);
	assert_int_equal(nrecords(sim, 0), 1000);
	assert_int_equal(nrecords(sim, 1), 1000);
	assert_int_equal(sim->errs, 0);
	weft_sync_stats(sim->n[1].sy, &st);
	assert_int_equal(st.stored, 300);
	assert_int_equal(st.rejected, 0);
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.stored, 700);
	/* Converged: a later round finds nothing and fetches nothing. */
	sim_run(sim, 2 * WEFT_SYNC_RECONCILE_MS);
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.stored, 700);
	assert_true(st.rounds >= 2);
	/* Stored but never announced: the periodic round carries it. */
	publish_n(sim, 1, &b, 1, TS0 + 9000, false);
	sim_drain(sim);
	assert_int_equal(nrecords(sim, 0), 1000);
	sim_run(sim, WEFT_SYNC_RECONCILE_MS + 1000);
	assert_int_equal(nrecords(sim, 0), 1001);
}

/* Node i is interested in one scope only (no "all"). */
static void
interest_only(struct sim *sim, int i, enum weft_wire_scope scope,
    const uint8_t id[WEFT_ID_BYTES])
{
	struct weft_sync_opts	o;

	weft_sync_opts_default(&o);
	o.ninterests = 1;
	o.interests[0].scope = scope;
	memcpy(o.interests[0].id, id, WEFT_ID_BYTES);
	assert_int_equal(weft_sync_configure(sim->n[i].sy, &o), 0);
}

/*
 * Two nodes interested in author a only reconcile a's scope: each gets
 * the other's records of a and nothing of b or c.
 */
static void
test_scope_author(void **state)
{
	struct sim		*sim = *state;
	struct author		 a, b, c;
	struct weft_sync_stats	 st;

	author_new(&a);
	author_new(&b);
	author_new(&c);
	sim_add_nodes(sim, 2);
	interest_only(sim, 0, WEFT_WIRE_SCOPE_AUTHOR, a.pk);
	interest_only(sim, 1, WEFT_WIRE_SCOPE_AUTHOR, a.pk);
	publish_n(sim, 0, &a, 50, TS0, false);
	publish_n(sim, 0, &b, 30, TS0 + 5, false);
	publish_n(sim, 1, &a, 40, TS0 + 20, false);
	publish_n(sim, 1, &c, 20, TS0 + 7, false);
	sim_connect(sim, 0, 1);
	sim_run(sim, 1000);
	assert_int_equal(sim->errs, 0);
	assert_int_equal(nrecords(sim, 0), 90 + 30);
	assert_int_equal(nrecords(sim, 1), 90 + 20);
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.stored, 40);
	assert_true(st.rounds >= 1);
	weft_sync_stats(sim->n[1].sy, &st);
	assert_int_equal(st.stored, 50);
	/* Later rounds stay in the scope. */
	sim_run(sim, 2 * WEFT_SYNC_RECONCILE_MS);
	assert_int_equal(nrecords(sim, 0), 120);
	assert_int_equal(nrecords(sim, 1), 110);
}

/*
 * A node interested in one library only, against one interested in
 * everything: it gets the lib, its entry and the revisions of the design
 * the library holds, and nothing else; the other gets nothing.
 */
static void
test_scope_lib(void **state)
{
	struct sim		*sim = *state;
	struct author		 a;
	struct weft_buf		 env;
	uint8_t			 lib[WEFT_ID_BYTES], d1[WEFT_ID_BYTES];
	uint8_t			 r2[WEFT_ID_BYTES], d2[WEFT_ID_BYTES];
	uint8_t			 e[WEFT_ID_BYTES];
	uint8_t			 lib2[WEFT_ID_BYTES];

	author_new(&a);
	sim_add_nodes(sim, 2);
	make_lib(&a, TS0, &env, lib);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env.data,
	    env.len, NULL), 0);
	weft_buf_release(&env);
	make_lib(&a, TS0 + 1, &env, lib2);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env.data,
	    env.len, NULL), 0);
	weft_buf_release(&env);
	make_rev(&a, TS0 + 2, NULL, NULL, "held", NULL, &env, d1);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env.data,
	    env.len, NULL), 0);
	weft_buf_release(&env);
	make_rev(&a, TS0 + 3, d1, d1, "held 2", NULL, &env, r2);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env.data,
	    env.len, NULL), 0);
	weft_buf_release(&env);
	make_rev(&a, TS0 + 4, NULL, NULL, "not held", NULL, &env, d2);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env.data,
	    env.len, NULL), 0);
	weft_buf_release(&env);
	make_entry(&a, TS0 + 5, lib, d1, &env, e);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env.data,
	    env.len, NULL), 0);
	weft_buf_release(&env);
	publish_n(sim, 0, &a, 10, TS0 + 100, false);

	interest_only(sim, 1, WEFT_WIRE_SCOPE_LIB, lib);
	sim_connect(sim, 1, 0);
	sim_run(sim, 1000);
	assert_int_equal(sim->errs, 0);
	assert_int_equal(nrecords(sim, 1), 4);
	assert_true(has(sim, 1, lib) && has(sim, 1, d1) && has(sim, 1, r2) &&
	    has(sim, 1, e));
	assert_false(has(sim, 1, d2) || has(sim, 1, lib2));
	assert_int_equal(nrecords(sim, 0), 16);
}

/* A round finding more than the want queue holds is followed by more. */
static void
test_wantq_overflow(void **state)
{
	struct sim		*sim = *state;
	struct author		 a;
	struct weft_sync_opts	 o;

	author_new(&a);
	sim_add_nodes(sim, 2);
	weft_sync_opts_default(&o);
	o.wantq_max = 10;
	assert_int_equal(weft_sync_configure(sim->n[1].sy, &o), 0);
	publish_n(sim, 0, &a, 100, TS0, false);
	sim_connect(sim, 0, 1);
	sim_drain(sim);		/* no periodic round: the clock stands */
	assert_int_equal(nrecords(sim, 1), 100);
	assert_int_equal(sim->errs, 0);
}

/* Small batches, one job and the smallest queue: backpressure holds. */
static void
test_backpressure(void **state)
{
	struct sim		*sim = *state;
	struct author		 a;
	struct weft_sync_opts	 o;
	struct weft_sync_stats	 st;

	author_new(&a);
	sim_add_nodes(sim, 2);
	weft_sync_opts_default(&o);
	o.batch_max = 16;
	o.jobs_max = 1;
	o.queue_bytes = WEFT_RECORD_MAX;
	assert_int_equal(weft_sync_configure(sim->n[1].sy, &o), 0);
	publish_n(sim, 0, &a, 1500, TS0, false);
	sim_connect(sim, 1, 0);
	sim_run(sim, 1000);
	assert_int_equal(nrecords(sim, 1), 1500);
	weft_sync_stats(sim->n[1].sy, &st);
	assert_int_equal(st.stored, 1500);
	assert_int_equal(st.queued, 0);
	assert_int_equal(sim->errs, 0);
}

static void
test_chain(void **state)
{
	struct sim	*sim = *state;
	struct author	 a, b, c;

	author_new(&a);
	author_new(&b);
	author_new(&c);
	sim_add_nodes(sim, 3);
	publish_n(sim, 0, &a, 40, TS0, false);
	publish_n(sim, 1, &b, 5, TS0 + 1000, false);
	publish_n(sim, 2, &c, 25, TS0 + 2000, false);
	sim_connect(sim, 0, 1);
	sim_connect(sim, 1, 2);
	sim_run(sim, 1000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(nrecords(sim, i), 70);
	/* Live: a record published at A reaches C through B at once. */
	publish_n(sim, 0, &a, 1, TS0 + 5000, true);
	publish_n(sim, 2, &c, 1, TS0 + 6000, true);
	sim_drain(sim);
	for (int i = 0; i < 3; i++)
		assert_int_equal(nrecords(sim, i), 72);
	assert_int_equal(sim->errs, 0);
}

static void
test_ring10(void **state)
{
	struct sim		*sim = *state;
	struct author		 a[10];
	struct weft_sync_stats	 st;
	uint64_t		 msgs = 0;

	sim_add_nodes(sim, 10);
	for (int i = 0; i < 10; i++) {
		author_new(&a[i]);
		publish_n(sim, i, &a[i], 3, TS0 + (uint64_t)i * 100, false);
	}
	for (int i = 0; i < 10; i++)
		sim_connect(sim, i, (i + 1) % 10);
	sim_run(sim, 1000);
	for (int i = 0; i < 10; i++)
		assert_int_equal(nrecords(sim, i), 30);
	for (int i = 0; i < 10; i++)
		weft_sync_stats(sim->n[i].sy, &st), msgs += st.msgs_out;
	/* Each publishes; pushes alone carry them around (no clock). */
	for (int i = 0; i < 10; i++)
		publish_n(sim, i, &a[i], 1, TS0 + 10000 + (uint64_t)i, true);
	sim_drain(sim);
	for (int i = 0; i < 10; i++)
		assert_int_equal(nrecords(sim, i), 40);
	assert_int_equal(sim->errs, 0);
}

/*
 * 32 nodes, a ring plus random chords (degree 4 on average): one new
 * record reaches all by pushes alone, each node sending few messages.
 */
static void
test_random32(void **state)
{
	struct sim		*sim = *state;
	struct author		 a;
	struct weft_sync_stats	 st;
	uint64_t		 before[32], most = 0, d;
	uint32_t		 x = 12345;
	int			 i, j;

	author_new(&a);
	sim_add_nodes(sim, 32);
	for (i = 0; i < 32; i++)
		sim_connect(sim, i, (i + 1) % 32);
	for (i = 0; i < 32; i++) {
		x = x * 1103515245 + 12345;
		j = (int)((x >> 16) % 32);
		if (j != i && !link_of(sim, i, j)->up)
			sim_connect(sim, i, j);
	}
	sim_run(sim, 1000);
	for (i = 0; i < 32; i++) {
		weft_sync_stats(sim->n[i].sy, &st);
		before[i] = st.msgs_out;
	}
	publish_n(sim, 0, &a, 1, TS0, true);
	sim_drain(sim);
	for (i = 0; i < 32; i++) {
		assert_int_equal(nrecords(sim, i), 1);
		weft_sync_stats(sim->n[i].sy, &st);
		d = st.msgs_out - before[i];
		most = d > most ? d : most;
	}
	/* A push to each neighbour that lacks it, nothing more. */
	assert_true(most <= 8);
	assert_int_equal(sim->errs, 0);
}

static void
test_late_joiner(void **state)
{
	struct sim	*sim = *state;
	struct author	 a, d;

	author_new(&a);
	author_new(&d);
	sim_add_nodes(sim, 4);
	sim_connect(sim, 0, 1);
	sim_connect(sim, 1, 2);
	publish_n(sim, 0, &a, 20, TS0, true);
	publish_n(sim, 3, &d, 7, TS0 + 10, false);
	sim_run(sim, 1000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(nrecords(sim, i), 20);
	/* Node 2 goes down; records published meanwhile reach it later. */
	sim_link_down(sim, 1, 2);
	publish_n(sim, 0, &a, 10, TS0 + 1000, true);
	sim_run(sim, 1000);
	assert_int_equal(nrecords(sim, 1), 30);
	assert_int_equal(nrecords(sim, 2), 20);
	sim_connect(sim, 2, 1);
	sim_connect(sim, 3, 2);
	sim_run(sim, 1000);
	for (int i = 0; i < 4; i++)
		assert_int_equal(nrecords(sim, i), 37);
	assert_int_equal(sim->errs, 0);
}

/* ---- a scripted peer ---- */

/* Node 0 with a scripted peer EVIL whose channel is 3. */
static void
evil_up(struct sim *sim)
{
	struct weft_wire_hello	h;
	uint8_t			node[32];

	memset(&h, 0, sizeof(h));
	memset(node, 0xee, sizeof(node));
	weft_sync_peer_up(sim->n[0].sy, EVIL, node, &h, sim->now);
	assert_int_equal(weft_sync_on_open(sim->n[0].sy, EVIL, 3, "sync"), 0);
	assert_int_equal(weft_sync_on_open(sim->n[0].sy, EVIL, 5, "sync"),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_sync_on_open(sim->n[0].sy, EVIL, 5, "files"),
	    WEFT_ENOTFOUND);
}

static void
push_msg(struct weft_buf *out, struct weft_buf *envs, size_t n)
{
	struct weft_pack	pk;

	weft_buf_init(out, WEFT_WIRE_MSG_MAX);
	weft_pack_init(&pk, out);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "push");
	weft_pack_str(&pk, "envs");
	weft_pack_array(&pk, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		weft_pack_bin(&pk, envs[i].data, envs[i].len);
	assert_int_equal(weft_pack_error(&pk), 0);
}

static int
evil_send(struct sim *sim, const struct weft_buf *m)
{
	return weft_sync_on_msg(sim->n[0].sy, EVIL, 3, m->data, m->len,
	    sim->now);
}

/* Replaces the first occurrence of from by to (same length) in b. */
static void
patch(struct weft_buf *b, const char *from, const char *to)
{
	size_t	n = strlen(from);

	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, from, n) == 0) {
			memcpy(b->data + i, to, n);
			return;
		}
	fail_msg("'%s' not found", from);
}

static void
test_invalid(void **state)
{
	struct sim			*sim = *state;
	struct author			 good, bad;
	struct weft_buf			 env[8], body, m;
	struct weft_record		 r;
	uint8_t				 id[8][WEFT_ID_BYTES];
	struct weft_sync_peer_stats	 ps;
	struct weft_sync_stats		 st;
	const uint8_t			*b, *sig;
	size_t				 blen;

	author_new(&good);
	author_new(&bad);
	sim_add_nodes(sim, 1);
	evil_up(sim);

	make_lib(&good, TS0, &env[0], id[0]);
	make_rev(&good, TS0 + 1, NULL, NULL, "genesis", NULL, &env[1], id[1]);
	/* 2: forged: a valid record with one signature byte flipped. */
	make_rev(&good, TS0 + 2, NULL, NULL, "forged", NULL, &env[2], id[2]);
	env[2].data[env[2].len - 1] ^= 0x01;
	/* 3: an entry by someone who is no maintainer of the library. */
	make_entry(&bad, TS0 + 3, id[0], id[1], &env[3], id[3]);
	/* 4: a revision of good's design by another author. */
	make_rev(&bad, TS0 + 4, id[1], id[1], "hijack", NULL, &env[4], id[4]);
	/*
	 * 5: a path escaping its folder. The encoder refuses it, so encode
	 * "aa/x.stl", patch the bytes to "../x.stl" and sign that body.
	 */
	make_rev(&bad, TS0 + 5, NULL, NULL, "escape", "aa/x.stl", &env[5],
	    id[5]);
	assert_int_equal(weft_record_open(env[5].data, env[5].len, &b, &blen,
	    &sig), 0);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	assert_int_equal(weft_buf_add(&body, b, blen), 0);
	patch(&body, "aa/x.stl", "../x.stl");
	weft_buf_release(&env[5]);
	sign_body(&bad, &body, &env[5], id[5]);
	weft_buf_release(&body);
	assert_int_equal(weft_record_verify(env[5].data, env[5].len, &r,
	    NULL), WEFT_EBADPATH);
	weft_record_release(&r);
	/* 6: a valid record after all that. */
	make_rev(&good, TS0 + 6, NULL, NULL, "valid too", NULL, &env[6],
	    id[6]);

	push_msg(&m, env, 7);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);

	assert_true(has(sim, 0, id[0]));
	assert_true(has(sim, 0, id[1]));
	assert_true(has(sim, 0, id[6]));
	for (int i = 2; i <= 5; i++)
		assert_false(has(sim, 0, id[i]));
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.stored, 3);
	assert_int_equal(st.rejected, 4);
	assert_int_equal(weft_sync_peer_stats(sim->n[0].sy, EVIL, &ps), 0);
	assert_int_equal(ps.penalty, 4);
	/* Over the threshold (3): closed, once. */
	assert_int_equal(sim->n[0].closes, 1);
	assert_int_equal(sim->n[0].last_close_err, WEFT_EDENIED);
	for (int i = 0; i < 7; i++)
		weft_buf_release(&env[i]);
}

/* A peer below the threshold is kept: one bad record is not enough. */
static void
test_invalid_below_threshold(void **state)
{
	struct sim	*sim = *state;
	struct author	 good;
	struct weft_buf	 env[2], m;
	uint8_t		 id[2][WEFT_ID_BYTES];

	author_new(&good);
	sim_add_nodes(sim, 1);
	evil_up(sim);
	make_rev(&good, TS0, NULL, NULL, "forged", NULL, &env[0], id[0]);
	env[0].data[env[0].len - 10] ^= 0x40;
	make_rev(&good, TS0 + 1, NULL, NULL, "fine", NULL, &env[1], id[1]);
	push_msg(&m, env, 2);
	assert_int_equal(evil_send(sim, &m), 0);
	sim_drain(sim);
	assert_false(has(sim, 0, id[0]));
	assert_true(has(sim, 0, id[1]));
	assert_int_equal(sim->n[0].closes, 0);
	/* The same valid record again costs a lookup, no new ingest. */
	weft_buf_release(&m);
	push_msg(&m, &env[1], 1);
	assert_int_equal(evil_send(sim, &m), 0);
	assert_true(STAILQ_EMPTY(&sim->jobs));
	weft_buf_release(&m);
	weft_buf_release(&env[0]);
	weft_buf_release(&env[1]);
}

/* A seed receipt signed by node n (docs/proto/records.md). */
static void
make_receipt(const struct author *n, uint64_t ts, uint64_t expires,
    const uint8_t design[WEFT_ID_BYTES], const uint8_t rev[WEFT_ID_BYTES],
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body;

	weft_record_init(&r);
	r.type = WEFT_REC_RECEIPT;
	memcpy(r.author, n->pk, WEFT_PK_BYTES);
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	memcpy(r.receipt_rev, rev, WEFT_ID_BYTES);
	r.expires = expires;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	sign_body(n, &body, env, id);
	weft_buf_release(&body);
	weft_record_release(&r);
}

struct seen {
	int		n;
	uint8_t		node[4][WEFT_PK_BYTES];
	uint64_t	ts[4];
};

static int
seen_cb(void *arg, const struct weft_store_receipt *rc)
{
	struct seen	*sn = arg;

	assert_true(sn->n < 4);
	memcpy(sn->node[sn->n], rc->node, WEFT_PK_BYTES);
	sn->ts[sn->n++] = rc->ts;
	return 0;
}

/*
 * Receipts: a valid one is kept (the latest per node and revision); a
 * forged one (bad signature) and one naming a revision of another design
 * cost the sender a penalty each; an expired one and an older one are
 * dropped without penalty; one for a revision not here waits for it.
 */
static void
test_receipts(void **state)
{
	struct sim			*sim = *state;
	struct author			 pub, node, node2;
	struct weft_buf			 env[10], m;
	uint8_t				 id[10][WEFT_ID_BYTES];
	struct weft_sync_peer_stats	 ps;
	struct weft_sync_stats		 st;
	struct seen			 sn;

	author_new(&pub);
	author_new(&node);
	author_new(&node2);
	sim_add_nodes(sim, 1);
	evil_up(sim);
	make_rev(&pub, TS0, NULL, NULL, "one", NULL, &env[0], id[0]);
	make_rev(&pub, TS0 + 1, NULL, NULL, "two", NULL, &env[1], id[1]);
	/* 2: valid; 3: a later one of the same node and revision. */
	make_receipt(&node, TS0 + 10, TS0 + 10 + 86400000, id[0], id[0],
	    &env[2], id[2]);
	make_receipt(&node, TS0 + 20, TS0 + 20 + 86400000, id[0], id[0],
	    &env[3], id[3]);
	/* 4: forged: one signature byte flipped. */
	make_receipt(&node2, TS0 + 10, TS0 + 10 + 86400000, id[0], id[0],
	    &env[4], id[4]);
	env[4].data[env[4].len - 1] ^= 0x01;
	/* 5: design one, but the revision of design two. */
	make_receipt(&node2, TS0 + 11, TS0 + 11 + 86400000, id[0], id[1],
	    &env[5], id[5]);
	/* 6: expired before the simulation's clock (1000 ms). */
	make_receipt(&node2, 100, 500, id[1], id[1], &env[6], id[6]);
	/* 7: older than 3: dropped. */
	make_receipt(&node, TS0 + 15, TS0 + 15 + 86400000, id[0], id[0],
	    &env[7], id[7]);

	push_msg(&m, env, 8);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(weft_store_receipts(sim->n[0].st, id[0], NULL, 0,
	    seen_cb, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_memory_equal(sn.node[0], node.pk, WEFT_PK_BYTES);
	assert_true(sn.ts[0] == TS0 + 20);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(weft_store_receipts(sim->n[0].st, id[1], NULL, 0,
	    seen_cb, &sn), 0);
	assert_int_equal(sn.n, 0);
	/* Receipts are not records: never in the record set. */
	assert_false(has(sim, 0, id[2]));
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.rejected, 2);
	assert_int_equal(weft_sync_peer_stats(sim->n[0].sy, EVIL, &ps), 0);
	assert_int_equal(ps.penalty, 2);
	assert_int_equal(sim->n[0].closes, 0);

	/* 8: the revision (9) is not here yet: held, kept when it comes. */
	make_rev(&pub, TS0 + 2, NULL, NULL, "three", NULL, &env[9], id[9]);
	make_receipt(&node2, TS0 + 30, TS0 + 30 + 86400000, id[9], id[9],
	    &env[8], id[8]);
	push_msg(&m, &env[8], 1);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.held, 1);
	push_msg(&m, &env[9], 1);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(weft_store_receipts(sim->n[0].st, id[9], NULL, 0,
	    seen_cb, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_memory_equal(sn.node[0], node2.pk, WEFT_PK_BYTES);
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.rejected, 2);
	for (int i = 0; i < 10; i++)
		weft_buf_release(&env[i]);
}

/* A comment by a on design (no revision, parent or edit). */
static void
make_comment(const struct author *a, uint64_t ts,
    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct weft_buf		body;

	weft_record_init(&r);
	r.type = WEFT_REC_COMMENT;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	r.text = strdup("spam");
	weft_buf_init(&body, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	sign_body(a, &body, env, id);
	weft_buf_release(&body);
	weft_record_release(&r);
}

/*
 * Flood limits: one author's comments on one design beyond the cap of
 * one minute are refused, costing the relaying peer no penalty and
 * never asked for again; another author, or the next minute, is not
 * held back.
 */
static void
test_flood_limit(void **state)
{
	struct sim			*sim = *state;
	enum { N = WEFT_STORE_COMMENTS_MINUTE + 5 };
	struct author			 a, b;
	struct weft_buf			 env[N + 2], m;
	uint8_t				 id[N + 2][WEFT_ID_BYTES];
	uint8_t				 design[WEFT_ID_BYTES];
	struct weft_sync_peer_stats	 ps;
	struct weft_sync_stats		 st;
	int				 i, stored = 0;

	author_new(&a);
	author_new(&b);
	memset(design, 0xd0, sizeof(design));
	sim_add_nodes(sim, 1);
	evil_up(sim);
	/* All within one minute: TS0 is 20 s into its minute. */
	for (i = 0; i < N; i++)
		make_comment(&a, TS0 + (uint64_t)i, design, &env[i], id[i]);
	make_comment(&b, TS0 + 1, design, &env[N], id[N]);
	make_comment(&a, TS0 + 60000, design, &env[N + 1], id[N + 1]);
	push_msg(&m, env, N + 2);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);
	for (i = 0; i < N; i++)
		stored += has(sim, 0, id[i]);
	assert_int_equal(stored, WEFT_STORE_COMMENTS_MINUTE);
	assert_true(has(sim, 0, id[N]));
	assert_true(has(sim, 0, id[N + 1]));
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.limited, 5);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(weft_sync_peer_stats(sim->n[0].sy, EVIL, &ps), 0);
	assert_int_equal(ps.penalty, 0);
	assert_int_equal(sim->n[0].closes, 0);
	/* Pushed again: remembered, not verified again. */
	push_msg(&m, &env[N - 1], 1);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	assert_true(STAILQ_EMPTY(&sim->jobs));
	for (i = 0; i < N + 2; i++)
		weft_buf_release(&env[i]);
}

/* Ids of the last want node 0 sent to EVIL. */
static bool
evil_wanted(struct sim *sim, const uint8_t id[WEFT_ID_BYTES])
{
	struct weft_msg	 m;
	const uint8_t	*ids;
	size_t		 n;
	bool		 found = false;

	for (int i = 0; i < sim->nevil_out; i++) {
		assert_int_equal(weft_msg_decode(&m, sim->evil_out[i].data,
		    sim->evil_out[i].len), 0);
		if (weft_obj_bin(weft_obj_get(m.root, "ids"), &ids, &n) == 0)
			for (size_t k = 0; k + WEFT_ID_BYTES <= n;
			    k += WEFT_ID_BYTES)
				found |= memcmp(ids + k, id,
				    WEFT_ID_BYTES) == 0;
		weft_msg_release(&m);
	}
	return found;
}

static void
test_held(void **state)
{
	struct sim		*sim = *state;
	struct author		 a;
	struct weft_buf		 env[3], m;
	uint8_t			 id[3][WEFT_ID_BYTES];
	struct weft_sync_stats	 st;

	author_new(&a);
	sim_add_nodes(sim, 1);
	evil_up(sim);
	make_rev(&a, TS0, NULL, NULL, "g", NULL, &env[0], id[0]);
	make_rev(&a, TS0 + 1, id[0], id[0], "u1", NULL, &env[1], id[1]);
	make_rev(&a, TS0 + 2, id[0], id[1], "u2", NULL, &env[2], id[2]);
	/* The newest first, then the middle one: both wait for genesis. */
	push_msg(&m, &env[2], 1);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);
	push_msg(&m, &env[1], 1);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.held, 2);
	assert_int_equal(st.stored, 0);
	assert_false(has(sim, 0, id[1]));
	assert_false(has(sim, 0, id[2]));
	/* It asked the sender for the missing genesis. */
	assert_true(evil_wanted(sim, id[0]));
	assert_int_equal(sim->n[0].closes, 0);
	/* The genesis comes: all three are stored. */
	push_msg(&m, &env[0], 1);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);
	for (int i = 0; i < 3; i++)
		assert_true(has(sim, 0, id[i]));
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.stored, 3);
	/* The want it sent was never answered: the peer is closed. */
	sim_run(sim, WEFT_SYNC_TIMEOUT_MS + 1000);
	assert_int_equal(sim->n[0].closes, 1);
	assert_int_equal(sim->n[0].last_close_err, WEFT_EPROTO);
	for (int i = 0; i < 3; i++)
		weft_buf_release(&env[i]);
}

/* The pool is capped: the oldest held record goes, the rest stay. */
static void
test_held_pool_cap(void **state)
{
	struct sim		*sim = *state;
	struct author		 a;
	struct weft_buf		 env[4], m;
	uint8_t			 id[4][WEFT_ID_BYTES];
	struct weft_sync_opts	 o;
	struct weft_sync_stats	 st;

	author_new(&a);
	sim_add_nodes(sim, 1);
	weft_sync_opts_default(&o);
	o.held_max = 2;
	assert_int_equal(weft_sync_configure(sim->n[0].sy, &o), 0);
	o.batch_max = WEFT_STORE_BATCH_MAX + 1;
	assert_int_equal(weft_sync_configure(sim->n[0].sy, &o), WEFT_EUSAGE);
	evil_up(sim);
	make_rev(&a, TS0, NULL, NULL, "g", NULL, &env[0], id[0]);
	for (int i = 1; i < 4; i++)
		make_rev(&a, TS0 + (uint64_t)i, id[0], id[0], "u", NULL,
		    &env[i], id[i]);
	for (int i = 1; i < 4; i++) {
		push_msg(&m, &env[i], 1);
		assert_int_equal(evil_send(sim, &m), 0);
		weft_buf_release(&m);
		sim_drain(sim);
	}
	weft_sync_stats(sim->n[0].sy, &st);
	assert_int_equal(st.held, 2);
	assert_int_equal(st.held_dropped, 1);
	push_msg(&m, &env[0], 1);
	assert_int_equal(evil_send(sim, &m), 0);
	weft_buf_release(&m);
	sim_drain(sim);
	/* The oldest was dropped (to be refetched); the others stored. */
	assert_false(has(sim, 0, id[1]));
	assert_true(has(sim, 0, id[2]));
	assert_true(has(sim, 0, id[3]));
	for (int i = 0; i < 4; i++)
		weft_buf_release(&env[i]);
}

/* A rev pushed before its prev by a real node is stored after it. */
static void
test_held_sim(void **state)
{
	struct sim	*sim = *state;
	struct author	 a;
	struct weft_buf	 env[2];
	uint8_t		 id[2][WEFT_ID_BYTES];

	author_new(&a);
	sim_add_nodes(sim, 2);
	sim_connect(sim, 0, 1);
	sim_run(sim, 100);
	make_rev(&a, TS0, NULL, NULL, "g", NULL, &env[0], id[0]);
	make_rev(&a, TS0 + 1, id[0], id[0], "u1", NULL, &env[1], id[1]);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env[0].data,
	    env[0].len, NULL), 0);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env[1].data,
	    env[1].len, NULL), 0);
	/* Only the update is announced: node 1 must ask for the genesis. */
	weft_sync_local_record(sim->n[0].sy, id[1], env[1].data, env[1].len);
	sim_drain(sim);
	assert_true(has(sim, 1, id[0]));
	assert_true(has(sim, 1, id[1]));
	assert_int_equal(sim->errs, 0);
	weft_buf_release(&env[0]);
	weft_buf_release(&env[1]);
}

/* ---- decoders ---- */

static void
msg_recon(struct weft_buf *out)
{
	struct weft_pack	pk;
	static const uint8_t	m[] = { 0x92, 0x02, 0xc4, 0x00 };

	weft_buf_init(out, 4096);
	weft_pack_init(&pk, out);
	weft_pack_map(&pk, 4);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "recon");
	weft_pack_str(&pk, "r");
	weft_pack_uint(&pk, 7);
	weft_pack_str(&pk, "i");
	weft_pack_bool(&pk, true);
	weft_pack_str(&pk, "m");
	weft_pack_bin(&pk, m, sizeof(m));
	assert_int_equal(weft_pack_error(&pk), 0);
}

static void
msg_want(struct weft_buf *out, const uint8_t id[WEFT_ID_BYTES])
{
	struct weft_pack	pk;

	weft_buf_init(out, 4096);
	weft_pack_init(&pk, out);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "want");
	weft_pack_str(&pk, "ids");
	weft_pack_bin(&pk, id, WEFT_ID_BYTES);
	assert_int_equal(weft_pack_error(&pk), 0);
}

/*
 * Every single-byte flip and every truncation of m, each to a fresh
 * peer: never a crash (sanitizers watch), truncations always refused.
 */
static void
mangle(struct sim *sim, const struct weft_buf *m, bool valid)
{
	uint8_t		*p, node[32] = { 0 };
	uint64_t	 h = EVIL + 100;

	p = malloc(m->len);
	assert_non_null(p);
	for (size_t i = 0; i <= m->len; i++) {
		memcpy(p, m->data, m->len);
		weft_sync_peer_up(sim->n[0].sy, h, node, NULL, sim->now);
		assert_int_equal(weft_sync_on_open(sim->n[0].sy, h, 3, "sync"),
		    0);
		if (i == m->len) {
			if (valid)
				assert_int_equal(weft_sync_on_msg(sim->n[0].sy,
				    h, 3, p, m->len, sim->now), 0);
		} else {
			assert_int_not_equal(weft_sync_on_msg(sim->n[0].sy, h,
			    3, p, i, sim->now), 0);
			for (int bit = 0; bit < 8; bit += 7) {
				p[i] ^= (uint8_t)(1u << bit);
				(void)weft_sync_on_msg(sim->n[0].sy, h, 3, p,
				    m->len, sim->now);
				p[i] ^= (uint8_t)(1u << bit);
			}
		}
		sim_drain(sim);
		weft_sync_peer_down(sim->n[0].sy, h);
		h++;
	}
	free(p);
}

static void
test_garbage(void **state)
{
	struct sim		*sim = *state;
	struct author		 a;
	struct weft_buf		 env, m;
	uint8_t			 id[WEFT_ID_BYTES];
	static const uint8_t	 junk[][8] = {
		{ 0x80 }, { 0x81, 0xa1, 't', 0xa3, 'f', 'o', 'o' },
		{ 0x90 }, { 0xc0 }, { 0x81, 0xa1, 't', 0x01 },
	};
	static const size_t	 junklen[] = { 1, 7, 1, 1, 4 };

	author_new(&a);
	sim_add_nodes(sim, 1);
	make_rev(&a, TS0, NULL, NULL, "g", NULL, &env, id);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env.data,
	    env.len, NULL), 0);

	msg_recon(&m);
	mangle(sim, &m, true);
	weft_buf_release(&m);
	msg_want(&m, id);
	mangle(sim, &m, true);
	weft_buf_release(&m);
	push_msg(&m, &env, 1);
	mangle(sim, &m, true);
	weft_buf_release(&m);
	weft_buf_release(&env);

	/* Structurally wrong messages are errors. */
	weft_sync_peer_up(sim->n[0].sy, EVIL + 1, id, NULL, sim->now);
	assert_int_equal(weft_sync_on_open(sim->n[0].sy, EVIL + 1, 3, "sync"), 0);
	for (size_t i = 0; i < sizeof(junklen) / sizeof(junklen[0]); i++)
		assert_int_not_equal(weft_sync_on_msg(sim->n[0].sy, EVIL + 1, 3,
		    junk[i], junklen[i], sim->now), 0);
	/* A records message answering nothing, a message on another channel. */
	{
		struct weft_pack	pk;

		weft_buf_init(&m, 4096);
		weft_pack_init(&pk, &m);
		weft_pack_map(&pk, 3);
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, "records");
		weft_pack_str(&pk, "envs");
		weft_pack_array(&pk, 0);
		weft_pack_str(&pk, "absent");
		weft_pack_bin(&pk, id, 0);
		assert_int_equal(weft_pack_error(&pk), 0);
		assert_int_equal(weft_sync_on_msg(sim->n[0].sy, EVIL + 1, 3, m.data,
		    m.len, sim->now), WEFT_EPROTO);
		assert_int_equal(weft_sync_on_msg(sim->n[0].sy, EVIL + 1, 9, m.data,
		    m.len, sim->now), WEFT_EPROTO);
		weft_buf_release(&m);
	}
	weft_sync_peer_down(sim->n[0].sy, EVIL + 1);
}

/* A want over the limit, and a want answered with records. */
static void
test_want_answer(void **state)
{
	struct sim		*sim = *state;
	struct author		 a;
	struct weft_buf		 env, m;
	struct weft_pack	 pk;
	struct weft_msg		 msg;
	uint8_t			 id[WEFT_ID_BYTES], *many;
	const uint8_t		*e, *abs;
	size_t			 el, nabs;

	author_new(&a);
	sim_add_nodes(sim, 1);
	evil_up(sim);
	make_rev(&a, TS0, NULL, NULL, "g", NULL, &env, id);
	assert_int_equal(weft_store_record_put(sim->n[0].st, env.data,
	    env.len, NULL), 0);
	many = calloc(WEFT_SYNC_WANT_IDS + 1, WEFT_ID_BYTES);
	assert_non_null(many);
	memcpy(many, id, WEFT_ID_BYTES);
	weft_buf_init(&m, 65536);
	weft_pack_init(&pk, &m);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "want");
	weft_pack_str(&pk, "ids");
	weft_pack_bin(&pk, many, (WEFT_SYNC_WANT_IDS + 1) * WEFT_ID_BYTES);
	assert_int_equal(evil_send(sim, &m), WEFT_EPROTO);
	weft_buf_reset(&m);
	weft_pack_init(&pk, &m);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "want");
	weft_pack_str(&pk, "ids");
	weft_pack_bin(&pk, many, 2 * WEFT_ID_BYTES);	/* id, then all zeros */
	for (int i = 0; i < sim->nevil_out; i++)
		weft_buf_release(&sim->evil_out[i]);
	sim->nevil_out = 0;
	assert_int_equal(evil_send(sim, &m), 0);
	/* The answer: our record, and the unknown id as absent. */
	assert_true(sim->nevil_out >= 1);
	{
		struct weft_buf *r = &sim->evil_out[sim->nevil_out - 1];

		assert_int_equal(weft_msg_decode(&msg, r->data, r->len), 0);
		assert_int_equal(weft_obj_bin(weft_obj_at(weft_obj_get(msg.root,
		    "envs"), 0), &e, &el), 0);
		assert_int_equal(el, env.len);
		assert_memory_equal(e, env.data, el);
		assert_int_equal(weft_obj_bin(weft_obj_get(msg.root, "absent"),
		    &abs, &nabs), 0);
		assert_int_equal(nabs, WEFT_ID_BYTES);
		assert_memory_equal(abs, many + WEFT_ID_BYTES, WEFT_ID_BYTES);
		weft_msg_release(&msg);
	}
	free(many);
	weft_buf_release(&m);
	weft_buf_release(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pair_disjoint, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scope_author, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scope_lib, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wantq_overflow, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring10, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random32, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_late_joiner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_below_threshold,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_pool_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_held_sim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_want_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
