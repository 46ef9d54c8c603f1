/*
 * "seeds": the nodes whose seed receipts say they hold a revision's
 * files complete (docs/proto/records.md, `receipt`), so that a
 * publisher knows when it is safe to switch its own node off.
 */
#include <string.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "store.h"

struct seeds_walk {
	struct weft_lister	*l;
	const uint8_t		*self;
};

/* One item: {node, ts, expires, self}. */
static int
seeds_cb(void *arg, const struct weft_store_receipt *rc)
{
	struct seeds_walk	*w = arg;
	struct weft_pack	*pk = &w->l->pk;

	weft_pack_map(pk, 4);
	weft_pack_str(pk, "node");
	weft_pack_bin(pk, rc->node, WEFT_PK_BYTES);
	weft_pack_str(pk, "ts");
	weft_pack_uint(pk, rc->ts);
	weft_pack_str(pk, "expires");
	weft_pack_uint(pk, rc->expires);
	weft_pack_str(pk, "self");
	weft_pack_bool(pk, memcmp(rc->node, w->self, WEFT_PK_BYTES) == 0);
	return weft__lister_item(w->l);
}

static int
newest_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	(void)data;
	(void)len;
	memcpy(arg, id, WEFT_ID_BYTES);
	return 1;
}

static void
op_seeds(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_store	*st = c->env->store;
	struct weft_lister	 l;
	struct weft_pack	 pk;
	struct seeds_walk	 w;
	uint8_t			 design[WEFT_ID_BYTES];
	uint8_t			 rev[WEFT_ID_BYTES];
	uint8_t			 rdesign[WEFT_ID_BYTES];
	uint64_t		 now;
	int			 err;

	if (weft__ctl_arg_id(c, req, "design", design, true) != 0)
		goto done;
	err = weft_store_rev_design(st, design, design);
	if (err) {
		weft__ctl_send_err(c, err == WEFT_EUSAGE ? WEFT_ENOTFOUND :
		    err, "not a design");
		goto done;
	}
	err = weft__ctl_arg_id(c, req, "rev", rev, false);
	if (err == WEFT_ENOTFOUND && weft_obj_get(req, "rev") == NULL) {
		err = weft_store_design_heads(st, design, newest_cb, rev);
		if (err == 1)
			err = 0;
		if (err) {
			weft__ctl_send_err(c, err, "cannot read the design");
			goto done;
		}
	} else if (err) {
		goto done;
	} else if (weft_store_rev_design(st, rev, rdesign) != 0 ||
	    memcmp(rdesign, design, WEFT_ID_BYTES) != 0) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND, "that revision is not "
		    "of this design");
		goto done;
	}
	now = weft__ctl_now_ms(c->env);
	weft__lister_init(&l, c);
	weft_pack_init(&pk, &l.extra);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, WEFT_ID_BYTES);
	weft_pack_str(&pk, "rev");
	weft_pack_bin(&pk, rev, WEFT_ID_BYTES);
	weft_pack_str(&pk, "now");
	weft_pack_uint(&pk, now);
	l.nextra = 3;
	w.l = &l;
	w.self = c->env->node;
	err = weft_store_receipts(st, design, rev, now, seeds_cb, &w);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
	return;
done:
	weft__ctl_done(c);
}

const struct weft_ctl_op weft__op_seeds = { .name = "seeds",
	.fn = op_seeds };
