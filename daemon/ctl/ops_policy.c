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

static int
policy_list_cb(void *arg, int kind, const uint8_t *id)
{
	struct weft_lister		*l = arg;
	struct weft_ctlmsg_policy	 p;

	memset(&p, 0, sizeof(p));
	p.kind = kind == WEFT_STORE_FOLLOW ? WEFT_CTLMSG_FOLLOW :
	    kind == WEFT_STORE_MIRROR ? WEFT_CTLMSG_MIRROR :
	    WEFT_CTLMSG_MIRROR_ALL;
	if (id != NULL && p.kind != WEFT_CTLMSG_MIRROR_ALL)
		memcpy(p.id, id, 32);
	weft_ctlmsg_policy_encode(&l->pk, &p);
	return weft__lister_item(l);
}

static void
op_policies(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	l;
	int			err;

	(void)req;
	weft__lister_init(&l, c);
	err = weft_store_policy_list(c->env->store, policy_list_cb, &l);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
}

const struct weft_ctl_op weft__op_policies = { .name = "policies",
	.fn = op_policies };
