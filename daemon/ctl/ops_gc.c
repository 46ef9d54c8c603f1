/*
 * Taking space back: gc, rm and unwant (docs/proto/control.md). gc walks
 * every chunk, so it runs on the thread pool, in short transactions
 * (store_gc.c) that leave the loop's reads free; one runs at a time (a
 * second gets WEFT_EBUSY). rm DESIGN unwants the design's files and runs
 * gc without keeping that design as our own; unwant only stops keeping
 * (and fetching) the files, gc takes them later.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"

#include "ctl.h"
#include "log.h"
#include "ops.h"
#include "store.h"

struct gc_job {
	struct weft_store		*store;
	uint8_t				 own[32];
	bool				 has_own;
	uint64_t			 grace_ms;
	bool				 dry_run;
	bool				 rm;	/* rm or unwant: design set */
	bool				 collect;
	uint8_t				 design[32];
	uint64_t			 files;
	struct weft_store_gc_stats	 st;
};

static int
gc_work(void *arg)
{
	struct gc_job			*j = arg;
	struct weft_store_gc_opts	 o;
	int				 err;

	if (j->rm) {
		err = weft_store_unwant_design(j->store, j->design, &j->files);
		if (err || !j->collect)
			return err;
	}
	memset(&o, 0, sizeof(o));
	o.own = j->has_own ? j->own : NULL;
	o.grace_ms = j->grace_ms;
	o.dry_run = j->dry_run;
	o.drop_design = j->rm ? j->design : NULL;
	return weft_store_gc(j->store, &o, &j->st);
}

static void
gc_reply(struct weft_ctl_conn *c, void *arg)
{
	struct gc_job		*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (j->rm && !j->collect) {
		weft__ctl_reply_begin(&pk, &b, 1);
		weft_pack_str(&pk, "files");
		weft_pack_uint(&pk, j->files);
		weft__ctl_send(c, &b);
		return;
	}
	if (!j->dry_run && j->st.freed > 0)
		log_info("gc: freed %llu chunks (%llu bytes), kept %llu",
		    (unsigned long long)j->st.freed,
		    (unsigned long long)j->st.freed_bytes,
		    (unsigned long long)j->st.kept);
	weft__ctl_reply_begin(&pk, &b, j->rm ? 6 : 5);
	weft_pack_str(&pk, "chunks");
	weft_pack_uint(&pk, j->st.chunks);
	weft_pack_str(&pk, "kept");
	weft_pack_uint(&pk, j->st.kept);
	weft_pack_str(&pk, "freed");
	weft_pack_uint(&pk, j->st.freed);
	weft_pack_str(&pk, "bytes");
	weft_pack_uint(&pk, j->st.freed_bytes);
	weft_pack_str(&pk, "pending");
	weft_pack_uint(&pk, j->st.pending);
	if (j->rm) {
		weft_pack_str(&pk, "files");
		weft_pack_uint(&pk, j->files);
	}
	weft__ctl_send(c, &b);
}

static void
gc_own(struct weft_ctl_conn *c, struct gc_job *j)
{
	j->store = c->env->store;
	j->grace_ms = c->env->gc_grace_ms != 0 ? c->env->gc_grace_ms :
	    WEFT_STORE_GC_GRACE_MS;
	if (c->env->author != NULL) {
		memcpy(j->own, c->env->author->pk, 32);
		j->has_own = true;
	}
}

static int
gc_prepare(struct weft_ctl_conn *c, const struct weft_obj *req, void *arg)
{
	struct gc_job		*j = arg;
	const struct weft_obj	*o;

	o = weft_obj_get(req, "dry_run");
	if (o != NULL && weft_obj_bool(o, &j->dry_run) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD,
		    "'dry_run' must be a bool");
		return WEFT_EBADFIELD;
	}
	gc_own(c, j);
	return 0;
}

static int
design_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct gc_job *j, bool collect)
{
	int	err;

	err = weft__ctl_arg_design(c, req, "design", j->design);
	if (err)
		return err;
	gc_own(c, j);
	j->rm = true;
	j->collect = collect;
	return 0;
}

static int
rm_prepare(struct weft_ctl_conn *c, const struct weft_obj *req, void *arg)
{
	return design_prepare(c, req, arg, true);
}

static int
unwant_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	return design_prepare(c, req, arg, false);
}

#define GC_OP(opname, prep, whatmsg)					\
	.name = (opname), .flags = WEFT_OP_POOL,			\
	.req_size = sizeof(struct gc_job), .prepare = (prep),		\
	.work = gc_work, .reply = gc_reply, .what = (whatmsg)

const struct weft_ctl_op weft__op_gc = {
	GC_OP("gc", gc_prepare, "gc failed"),
};
const struct weft_ctl_op weft__op_rm = {
	GC_OP("rm", rm_prepare, "cannot remove the design's files"),
};
const struct weft_ctl_op weft__op_unwant = {
	GC_OP("unwant", unwant_prepare, "cannot unwant the design"),
};
