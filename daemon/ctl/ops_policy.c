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
#include "daemon.h"
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
policy_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct policy_job	*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (status) {
		weft__ctl_send_err(c, status, "cannot change the policy");
	} else {
		/* The policy may have made files wanted: fetch them now. */
		if (j->on && c->d->fetch != NULL)
			weft_fetch_wanted(c->d->fetch, uv_now(c->d->loop));
		/*
		 * Our interests follow the policies: connected peers hear of
		 * the change and reconcile what it adds at once.
		 */
		if (c->d->sync != NULL)
			weft_sync_interests_changed(c->d->sync,
			    uv_now(c->d->loop));
		weft__ctl_reply_begin(&pk, &b, 0);
		weft__ctl_send(c, &b);
	}
	free(j);
	weft__ctl_done(c);
}

static void
policy_run(struct weft_ctl_conn *c, struct policy_job *j)
{
	int	err;

	j->store = c->d->store;
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, policy_work, policy_done, j);
	if (err)
		policy_done(c, j, err);
}

static void
op_follow_common(struct weft_ctl_conn *c, const struct weft_obj *req,
    bool on)
{
	struct policy_job	*j;
	char			*hex = NULL;

	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "follow");
		weft__ctl_done(c);
		return;
	}
	if (weft__ctl_arg_str(c, req, "author", 64, &hex) != 0)
		goto fail;
	if (hex == NULL || weft_hex_decode(j->id, 32, hex, strlen(hex)) != 0) {
		weft__ctl_send_err(c, WEFT_EUSAGE,
		    "an author is 64 hex characters");
		goto fail;
	}
	free(hex);
	j->kind = WEFT_STORE_FOLLOW;
	j->has_id = true;
	j->on = on;
	policy_run(c, j);
	return;
fail:
	free(hex);
	free(j);
	weft__ctl_done(c);
}

void
weft__op_follow(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	op_follow_common(c, req, true);
}

void
weft__op_unfollow(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	op_follow_common(c, req, false);
}

static void
op_mirror_common(struct weft_ctl_conn *c, const struct weft_obj *req,
    bool on)
{
	struct policy_job	*j;
	enum weft_record_type	 type;
	bool			 all = false;

	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "mirror");
		weft__ctl_done(c);
		return;
	}
	if (weft_obj_get(req, "all") != NULL &&
	    weft_obj_bool(weft_obj_get(req, "all"), &all) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD, "'all' must be a bool");
		goto fail;
	}
	if (all) {
		j->kind = WEFT_STORE_MIRROR_ALL;
	} else {
		if (weft__ctl_arg_id(c, req, "lib", j->id, true) != 0)
			goto fail;
		if (weft_store_record_type(c->d->store, j->id, &type) != 0 ||
		    type != WEFT_REC_LIB) {
			weft__ctl_send_err(c, WEFT_ENOTFOUND,
			    "not a library");
			goto fail;
		}
		j->kind = WEFT_STORE_MIRROR;
		j->has_id = true;
	}
	j->on = on;
	policy_run(c, j);
	return;
fail:
	free(j);
	weft__ctl_done(c);
}

void
weft__op_mirror(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	op_mirror_common(c, req, true);
}

void
weft__op_unmirror(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	op_mirror_common(c, req, false);
}

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

void
weft__op_policies(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	l;
	int			err;

	(void)req;
	weft__lister_init(&l, c);
	err = weft_store_policy_list(c->d->store, policy_list_cb, &l);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
}
