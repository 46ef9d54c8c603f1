/*
 * A library's maintainers (docs/proto/records.md, "maint"):
 *
 * library_maintainers {lib}: the maintainers in force, each with the
 * display name of their latest profile ("" when none), and how many
 * maint records changed the set.
 *
 * library_maint {lib, action: "add"|"remove", author}: signs a maint
 * record by this node's author, who must be a maintainer in force, that
 * adds or removes author (a key prefix as elsewhere; node ids refused).
 * Its prev are the library's maint heads here and its ts runs after
 * them. The last maintainer cannot be removed. A put op: the reply is
 * {id, record}.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "store.h"

/* The library argument: a stored lib record. Replies on failure. */
static int
arg_lib(struct weft_ctl_conn *c, const struct weft_obj *req, uint8_t lib[32],
    struct weft_store_maint *m)
{
	enum weft_record_type	type;
	int			err;

	err = weft__ctl_arg_id(c, req, "lib", lib, true);
	if (err)
		return err;
	err = weft_store_record_type(c->env->store, lib, &type);
	if (err == 0 && type != WEFT_REC_LIB)
		err = WEFT_ENOTFOUND;
	if (err == 0)
		err = weft_store_lib_maint(c->env->store, lib, m);
	if (err)
		weft__ctl_send_err(c, err, "not a library");
	return err;
}

static bool
maint_has(const struct weft_store_maint *m, const uint8_t key[32])
{
	for (uint32_t i = 0; i < m->n; i++)
		if (memcmp(m->keys[i], key, 32) == 0)
			return true;
	return false;
}

static void
op_library_maintainers(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_store_maint	*m;
	struct weft_record	 r;
	struct weft_buf		 b, env;
	struct weft_pack	 pk;
	uint8_t			 lib[32];
	int			 err = 0;

	m = malloc(sizeof(*m));
	if (m == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "library_maintainers");
		goto done;
	}
	if (arg_lib(c, req, lib, m) != 0)
		goto done;
	weft__ctl_reply_begin(&pk, &b, 3);
	weft_pack_str(&pk, "lib");
	weft_pack_bin(&pk, lib, 32);
	weft_pack_str(&pk, "changes");
	weft_pack_uint(&pk, m->changes);
	weft_pack_str(&pk, "maintainers");
	weft_pack_array(&pk, m->n);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	for (uint32_t i = 0; i < m->n && err == 0; i++) {
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "key");
		weft_pack_bin(&pk, m->keys[i], 32);
		weft_pack_str(&pk, "name");
		env.len = 0;
		err = weft_store_profile(c->env->store, m->keys[i], &env);
		if (err == WEFT_ENOTFOUND) {
			weft_pack_str(&pk, "");
			err = 0;
			continue;
		}
		if (err == 0)
			err = weft_record_verify(env.data, env.len, &r, NULL);
		if (err == 0)
			weft_pack_str(&pk, r.name);
		weft_record_release(&r);
	}
	weft_buf_release(&env);
	if (err == 0)
		err = weft_pack_error(&pk);
	if (err) {
		weft_buf_release(&b);
		weft__ctl_send_err(c, err, "cannot read the maintainers");
	} else {
		weft__ctl_send(c, &b);
	}
done:
	free(m);
	weft__ctl_done(c);
}

static int
library_maint_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	struct weft_put_job	*j = arg;
	struct weft_store_maint	*m;
	struct weft_record	 r;
	const uint8_t		*me = c->env->author->pk;
	uint8_t			 lib[32], key[32];
	char			*action = NULL;
	int			 err;

	weft_record_init(&r);
	m = malloc(sizeof(*m));
	if (m == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "library_maint");
		return -ENOMEM;
	}
	err = arg_lib(c, req, lib, m);
	if (err)
		goto out;
	err = weft__ctl_arg_str(c, req, "action", 8, &action);
	if (err)
		goto out;
	if (action == NULL || (strcmp(action, "add") != 0 &&
	    strcmp(action, "remove") != 0)) {
		err = WEFT_EUSAGE;
		weft__ctl_send_err(c, err, "action is \"add\" or \"remove\"");
		goto out;
	}
	err = weft__ctl_arg_author(c, req, "author", key, true);
	if (err)
		goto out;
	r.action = strcmp(action, "add") == 0 ? WEFT_ENTRY_ADD :
	    WEFT_ENTRY_REMOVE;
	if (!maint_has(m, me)) {
		err = WEFT_EDENIED;
		weft__ctl_send_err(c, err, "only a maintainer of the library "
		    "can change its maintainers");
	} else if (r.action == WEFT_ENTRY_ADD && maint_has(m, key)) {
		err = WEFT_EEXISTS;
		weft__ctl_send_err(c, err, "already a maintainer");
	} else if (r.action == WEFT_ENTRY_ADD &&
	    m->n >= WEFT_MAINTAINERS_MAX) {
		err = WEFT_ELIMIT;
		weft__ctl_send_err(c, err, "a library has at most %d "
		    "maintainers", WEFT_MAINTAINERS_MAX);
	} else if (r.action == WEFT_ENTRY_REMOVE && !maint_has(m, key)) {
		err = WEFT_ENOTFOUND;
		weft__ctl_send_err(c, err, "not a maintainer of the library");
	} else if (r.action == WEFT_ENTRY_REMOVE && m->n == 1) {
		err = WEFT_EDENIED;
		weft__ctl_send_err(c, err, "the last maintainer cannot be "
		    "removed");
	}
	if (err)
		goto out;
	r.type = WEFT_REC_MAINT;
	memcpy(r.lib, lib, 32);
	memcpy(r.maint_key, key, 32);
	if (m->nheads > 0) {
		r.prev.ids = malloc((size_t)m->nheads * 32);
		if (r.prev.ids == NULL) {
			err = -ENOMEM;
			weft__ctl_send_err(c, err, "library_maint");
			goto out;
		}
		memcpy(r.prev.ids, m->heads, (size_t)m->nheads * 32);
		r.prev.n = m->nheads;
		weft_record_sort(&r);
	}
	j->store = c->env->store;
	err = weft__record_make(c->env, &r, m->ts_max + 1, &j->env);
	if (err)
		weft__ctl_send_err(c, err, "cannot change the maintainers");
out:
	free(action);
	free(m);
	weft_record_release(&r);
	return err;
}

const struct weft_ctl_op weft__op_library_maintainers = {
	.name = "library_maintainers", .fn = op_library_maintainers,
};
const struct weft_ctl_op weft__op_library_maint = {
	WEFT_PUT_OP("library_maint", library_maint_prepare),
};
