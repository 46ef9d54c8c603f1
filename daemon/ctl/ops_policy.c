/*
 * Keeping policies from the CLI: follow and unfollow an author, mirror
 * and unmirror a library or everything, and list them. The store applies
 * a policy to what it holds in the same transaction that records it, and
 * to every record it stores afterwards; setting one can touch many
 * designs, so it runs on the thread pool. Our replication interests
 * derive from the policies, so a change is announced to peers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "fetch.h"
#include "log.h"
#include "ops.h"
#include "store.h"
#include "sync.h"

struct policy_job {
	struct weft_store	*store;
	int			 kind;
	uint8_t			 id[32];
	bool			 has_id;
	bool			 on;
};

static int
policy_work(void *arg)
{
	struct policy_job	*j = arg;

	return weft_store_policy_set(j->store, j->kind,
	    j->has_id ? j->id : NULL, j->on);
}

static void
policy_reply(struct weft_ctl_conn *c, void *arg)
{
	struct policy_job	*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	/* The policy may have made files wanted: fetch them now. */
	if (j->on && c->env->fetch != NULL)
		weft_fetch_wanted(c->env->fetch, uv_now(c->env->loop));
	/*
	 * Our interests follow the policies: connected peers hear of the
	 * change and reconcile what it adds at once.
	 */
	if (c->env->sync != NULL)
		weft_sync_interests_changed(c->env->sync,
		    uv_now(c->env->loop));
	weft__ctl_reply_begin(&pk, &b, 0);
	weft__ctl_send(c, &b);
}

/*
 * unfollow and unmirror of a policy not in force: replies "not found"
 * (a read of one key on the loop) and returns true.
 */
static bool
not_in_force(struct weft_ctl_conn *c, const struct policy_job *j,
    const char *what)
{
	int	err;

	err = weft_store_policy_has(c->env->store, j->kind,
	    j->has_id ? j->id : NULL);
	if (err == 0)
		return false;
	weft__ctl_send_err(c, err, "%s", what);
	return true;
}

static int
follow_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct policy_job *j, bool on)
{
	int	err;

	err = weft__ctl_arg_author(c, req, "author", j->id, true);
	if (err)
		return err;
	j->store = c->env->store;
	j->kind = WEFT_STORE_FOLLOW;
	j->has_id = true;
	j->on = on;
	if (!on && not_in_force(c, j, "this author is not followed"))
		return WEFT_ENOTFOUND;
	return 0;
}

static int
mirror_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct policy_job *j, bool on)
{
	enum weft_record_type	 type;
	bool			 all = false;
	int			 err;

	if (weft_obj_get(req, "all") != NULL &&
	    weft_obj_bool(weft_obj_get(req, "all"), &all) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD, "'all' must be a bool");
		return WEFT_EBADFIELD;
	}
	if (all) {
		j->kind = WEFT_STORE_MIRROR_ALL;
	} else {
		err = weft__ctl_arg_id(c, req, "lib", j->id, true);
		if (err)
			return err;
		if (weft_store_record_type(c->env->store, j->id, &type) != 0 ||
		    type != WEFT_REC_LIB) {
			weft__ctl_send_err(c, WEFT_ENOTFOUND,
			    "not a library");
			return WEFT_ENOTFOUND;
		}
		j->kind = WEFT_STORE_MIRROR;
		j->has_id = true;
	}
	j->store = c->env->store;
	j->on = on;
	if (!on && not_in_force(c, j, all ? "everything is not mirrored" :
	    "this library is not mirrored"))
		return WEFT_ENOTFOUND;
	return 0;
}

static int
follow_on(struct weft_ctl_conn *c, const struct weft_obj *req, void *j)
{
	return follow_prepare(c, req, j, true);
}

static int
follow_off(struct weft_ctl_conn *c, const struct weft_obj *req, void *j)
{
	return follow_prepare(c, req, j, false);
}

static int
mirror_on(struct weft_ctl_conn *c, const struct weft_obj *req, void *j)
{
	return mirror_prepare(c, req, j, true);
}

static int
mirror_off(struct weft_ctl_conn *c, const struct weft_obj *req, void *j)
{
	return mirror_prepare(c, req, j, false);
}

#define POLICY_OP(opname, prep)						\
	.name = (opname), .flags = WEFT_OP_POOL,			\
	.req_size = sizeof(struct policy_job), .prepare = (prep),	\
	.work = policy_work, .reply = policy_reply,			\
	.what = "cannot change the policy"

const struct weft_ctl_op weft__op_follow = { POLICY_OP("follow", follow_on) };
const struct weft_ctl_op weft__op_unfollow = {
	POLICY_OP("unfollow", follow_off),
};
const struct weft_ctl_op weft__op_mirror = { POLICY_OP("mirror", mirror_on) };
const struct weft_ctl_op weft__op_unmirror = {
	POLICY_OP("unmirror", mirror_off),
};

/*
 * policies and pins: the list with each policy's progress. Walking the
 * designs a policy covers can take a while on a big store, so the list
 * and the progress are read on the thread pool and sent from the loop.
 */
#define POLICIES_MAX	4096

struct policy_item {
	int				kind;	/* 0: a pin */
	bool				has_id;
	uint8_t				id[32];
	struct weft_store_progress	progress;
};

struct policies_job {
	struct weft_store	*store;
	struct policy_item	*v;
	size_t			 n;
	size_t			 cap;
};

static int
policies_collect_cb(void *arg, int kind, const uint8_t *id)
{
	struct policies_job	*j = arg;
	struct policy_item	*v;
	size_t			 cap;

	if (j->n >= POLICIES_MAX)
		return WEFT_ETOOBIG;
	if (j->n == j->cap) {
		cap = j->cap ? 2 * j->cap : 16;
		v = realloc(j->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		j->v = v;
		j->cap = cap;
	}
	memset(&j->v[j->n], 0, sizeof(j->v[j->n]));
	j->v[j->n].kind = kind;
	j->v[j->n].has_id = id != NULL;
	if (id != NULL)
		memcpy(j->v[j->n].id, id, 32);
	j->n++;
	return 0;
}

static int
pins_collect_cb(void *arg, const uint8_t design[32],
    const struct weft_store_progress *p)
{
	struct policies_job	*j = arg;
	int			 err;

	err = policies_collect_cb(j, 0, design);
	if (err == 0)
		j->v[j->n - 1].progress = *p;
	return err;
}

static int
pins_work(void *arg)
{
	struct policies_job	*j = arg;

	return weft_store_pins(j->store, pins_collect_cb, j);
}

static int
policies_work(void *arg)
{
	struct policies_job	*j = arg;
	struct policy_item	*it;
	int			 err;

	err = weft_store_policy_list(j->store, policies_collect_cb, j);
	for (size_t i = 0; err == 0 && i < j->n; i++) {
		it = &j->v[i];
		err = weft_store_policy_progress(j->store, it->kind,
		    it->has_id ? it->id : NULL, &it->progress);
	}
	return err;
}

static void
policies_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct policies_job		*j = arg;
	struct policy_item		*it;
	struct weft_ctlmsg_policy	 p;
	struct weft_lister		 l;

	weft__lister_init(&l, c);
	l.err = status;
	for (size_t i = 0; status == 0 && i < j->n; i++) {
		it = &j->v[i];
		if (it->kind == 0) {
			/* A pin: {design, bytes, bytes_held}. */
			weft_pack_map(&l.pk, 3);
			weft_pack_str(&l.pk, "design");
			weft_pack_bin(&l.pk, it->id, 32);
			weft_pack_str(&l.pk, "bytes");
			weft_pack_uint(&l.pk, it->progress.bytes);
			weft_pack_str(&l.pk, "bytes_held");
			weft_pack_uint(&l.pk, it->progress.bytes_held);
		} else {
			memset(&p, 0, sizeof(p));
			p.kind = it->kind == WEFT_STORE_FOLLOW ?
			    WEFT_CTLMSG_FOLLOW : it->kind == WEFT_STORE_MIRROR ?
			    WEFT_CTLMSG_MIRROR : WEFT_CTLMSG_MIRROR_ALL;
			if (it->has_id && p.kind != WEFT_CTLMSG_MIRROR_ALL)
				memcpy(p.id, it->id, 32);
			p.has_progress = true;
			p.designs = it->progress.designs;
			p.designs_held = it->progress.designs_held;
			p.bytes = it->progress.bytes;
			p.bytes_held = it->progress.bytes_held;
			weft_ctlmsg_policy_encode(&l.pk, &p);
		}
		if (weft__lister_item(&l) != 0)
			break;
	}
	free(j->v);
	free(j);
	weft__lister_finish(&l);	/* ends the request */
}

static void
policies_run(struct weft_ctl_conn *c, weft_ctl_work_fn *fn)
{
	struct policies_job	*j;
	int			 err;

	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "policies");
		weft__ctl_done(c);
		return;
	}
	j->store = c->env->store;
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, fn, policies_done, j);
	if (err)
		policies_done(c, j, err);
}

static void
op_policies(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	(void)req;
	policies_run(c, policies_work);
}

static void
op_pins(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	(void)req;
	policies_run(c, pins_work);
}

const struct weft_ctl_op weft__op_policies = { .name = "policies",
	.fn = op_policies };
const struct weft_ctl_op weft__op_pins = { .name = "pins", .fn = op_pins };
