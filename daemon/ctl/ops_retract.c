/*
 * Taking records back (docs/proto/control.md, "retract"): the op that
 * signs a retract with the node's author key, and the answer every
 * lookup gives for an id that was taken back (weft__ctl_retracted).
 * The store applies the retract when it stores it (the purge included);
 * sync then offers it like any record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "store.h"

int
weft__ctl_retracted(struct weft_ctl_conn *c, const uint8_t id[32])
{
	struct weft_store_tomb	 t;
	struct weft_record	 r;
	struct weft_buf		 env;
	enum weft_record_type	 type;
	char			 hex[17];
	int			 err;

	if (weft_store_record_type(c->env->store, id, &type) == 0)
		return 0;
	if (weft_store_tomb(c->env->store, id, &t) != 0 || !t.confirmed)
		return 0;
	weft_hex_encode(hex, id, 8);
	if (weft_store_tomb_local(&t)) {
		weft__ctl_send_errs(c, WEFT_ERETRACTED, "%s was removed here "
		    "(weft rm --records): it is not fetched again", hex);
		return WEFT_ERETRACTED;
	}
	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_record_get(c->env->store, t.retract, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, &r, NULL);
	weft_hex_encode(hex, id, 8);
	if (err == 0 && r.reason != NULL && r.reason[0] != '\0')
		weft__ctl_send_err(c, WEFT_ERETRACTED, "%s (reason: %s)", hex,
		    r.reason);
	else
		weft__ctl_send_err(c, WEFT_ERETRACTED, "%s (no reason given)",
		    hex);
	weft_record_release(&r);
	weft_buf_release(&env);
	return WEFT_ERETRACTED;
}

/* May this node's author take r back? Replies when not. */
static int
may_take_back(struct weft_ctl_conn *c, const struct weft_record *r)
{
	struct weft_record	lib;
	struct weft_buf		env;
	const uint8_t		*me = c->env->author->pk;
	int			err;

	if (r->type == WEFT_REC_LIB || r->type == WEFT_REC_RETRACT) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "a %s cannot be retracted",
		    weft_record_type_name(r->type));
		return WEFT_EUSAGE;
	}
	if (memcmp(r->author, me, 32) == 0)
		return 0;
	if (r->type == WEFT_REC_ENTRY) {
		weft_record_init(&lib);
		weft_buf_init(&env, WEFT_RECORD_MAX);
		err = weft_store_record_get(c->env->store, r->lib, &env);
		if (err == 0)
			err = weft_record_verify(env.data, env.len, &lib,
			    NULL);
		for (uint32_t i = 0; err == 0 && i < lib.maintainers.n; i++)
			if (memcmp(lib.maintainers.ids[i], me, 32) == 0) {
				weft_record_release(&lib);
				weft_buf_release(&env);
				return 0;
			}
		weft_record_release(&lib);
		weft_buf_release(&env);
		weft__ctl_send_err(c, WEFT_EDENIED, "only a maintainer of the "
		    "library can retract its entries");
		return WEFT_EDENIED;
	}
	weft__ctl_send_err(c, WEFT_EDENIED, "only the author of a %s can "
	    "retract it", weft_record_type_name(r->type));
	return WEFT_EDENIED;
}

/* The targets: id, and for a comment its own edits by the same author. */
struct edits {
	const uint8_t		*of;
	const uint8_t		*author;
	struct weft_id_list	*out;
	int			 err;
};

static int
edit_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct edits		*e = arg;
	struct weft_record	 r;
	uint8_t			(*tmp)[32];

	if (weft_record_verify(data, len, &r, NULL) == 0 &&
	    r.replaces.n == 1 && memcmp(r.replaces.ids[0], e->of, 32) == 0 &&
	    memcmp(r.author, e->author, 32) == 0 &&
	    e->out->n < WEFT_TARGETS_MAX) {
		tmp = realloc(e->out->ids, (e->out->n + 1) * 32);
		if (tmp == NULL) {
			e->err = -ENOMEM;
		} else {
			e->out->ids = tmp;
			memcpy(e->out->ids[e->out->n++], id, 32);
		}
	}
	weft_record_release(&r);
	return e->err;
}

/* retract {id, reason?}: reply {status, id, record} as every put. */
static void
op_retract(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_record	 r, t;
	struct weft_buf		 env;
	struct edits		 e;
	uint8_t			 id[32];
	int			 err;

	weft_record_init(&r);
	weft_record_init(&t);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	if (weft__ctl_arg_id(c, req, "id", id, true) != 0)
		goto out;
	err = weft_store_record_get(c->env->store, id, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, &t, NULL);
	weft_buf_release(&env);
	if (err) {
		weft__ctl_send_err(c, err, "cannot read the record");
		goto out;
	}
	if (may_take_back(c, &t) != 0)
		goto out;
	if (weft__ctl_arg_str(c, req, "reason", WEFT_REASON_MAX,
	    &r.reason) != 0)
		goto out;
	r.targets.ids = malloc(32);
	if (r.targets.ids == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "retract");
		goto out;
	}
	memcpy(r.targets.ids[0], id, 32);
	r.targets.n = 1;
	/* Where the targets travel: with their design, or library. */
	switch (t.type) {
	case WEFT_REC_REV:
		r.has_scope = true;
		memcpy(r.scope, t.has_design ? t.design : id, 32);
		break;
	case WEFT_REC_COMMENT:
		e.of = id;
		e.author = t.author;
		e.out = &r.targets;
		e.err = 0;
		err = weft_store_design_comments(c->env->store, t.design,
		    edit_cb, &e);
		if (err) {
			weft__ctl_send_err(c, err, "cannot read the comments");
			goto out;
		}
		/* FALLTHROUGH */
	case WEFT_REC_REACTION:
	case WEFT_REC_MAKE:
		r.has_scope = true;
		memcpy(r.scope, t.design, 32);
		break;
	case WEFT_REC_GRANT:
		r.has_scope = true;
		memcpy(r.scope, t.grant_design, 32);
		break;
	case WEFT_REC_ENTRY:
		r.has_scope = true;
		memcpy(r.scope, t.lib, 32);
		break;
	default:
		break;
	}
	r.type = WEFT_REC_RETRACT;
	weft_record_sort(&r);
	err = weft_record_check(&r);
	if (err) {
		weft__ctl_send_err(c, err, "not a retract: the reason is at "
		    "most %d bytes of UTF-8, with no control characters but "
		    "tab and newline", WEFT_REASON_MAX);
		goto out;
	}
	err = weft__record_make(c->env, &r, t.ts, &env);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "cannot make the retract");
		goto out;
	}
	weft_record_release(&r);
	weft_record_release(&t);
	weft__put_now(c, &env);
	return;
out:
	weft_record_release(&r);
	weft_record_release(&t);
	weft__ctl_done(c);
}

const struct weft_ctl_op weft__op_retract = {
	.name = "retract",
	.fn = op_retract,
};
