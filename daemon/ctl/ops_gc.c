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

#include <sodium.h>
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
	bool				 records;	/* rm --records */
	uint64_t			 now_ms;
	uint64_t			 rec_files;
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
		if (err == 0 && j->records)
			err = weft_store_design_remove(j->store, j->design,
			    j->now_ms, &j->rec_files);
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
	weft__ctl_reply_begin(&pk, &b, j->records ? 7 : j->rm ? 6 : 5);
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
	if (j->records) {
		weft_pack_str(&pk, "records");
		weft_pack_bool(&pk, true);
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
	struct gc_job		*j = arg;
	const struct weft_obj	*o;
	int			 err;

	err = design_prepare(c, req, j, true);
	if (err)
		return err;
	o = weft_obj_get(req, "records");
	if (o != NULL && weft_obj_bool(o, &j->records) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD,
		    "'records' must be a bool");
		return WEFT_EBADFIELD;
	}
	j->now_ms = weft__ctl_now_ms(c->env);
	return 0;
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

/*
 * du: what the kept files hold, grouped by design, author, library or
 * the policy that keeps each design; rows by bytes, largest first, at
 * most DU_ROWS of them ("more" says when there were others: "total"
 * counts them all).
 */
#define DU_ROWS		1000
#define DU_LIBS		64	/* libraries counted per design */

enum { DU_DESIGN, DU_AUTHOR, DU_LIBRARY, DU_POLICY };

struct du_row {
	char		key[65];	/* hex id, a policy, or "" */
	uint64_t	designs, files, bytes;
};

struct du_job {
	struct weft_store		*store;
	uint8_t				 own[32];
	bool				 has_own;
	int				 by;
	struct du_row			*rows;
	size_t				 n, cap;
	uint64_t			 total;
	/* The libraries of the design at hand. */
	uint8_t				 libs[DU_LIBS][32];
	size_t				 nlibs;
};

static void
du_hex(char out[65], const uint8_t id[32])
{
	static const char	hx[] = "0123456789abcdef";

	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hx[id[i] >> 4];
		out[2 * i + 1] = hx[id[i] & 15];
	}
	out[64] = '\0';
}

static int
du_row_add(struct du_job *j, const char *key,
    const struct weft_store_du_item *it)
{
	struct du_row	*r;
	void		*p;

	/* Rows are few for author, library and policy: a linear look. */
	for (size_t i = 0; j->by != DU_DESIGN && i < j->n; i++)
		if (strcmp(j->rows[i].key, key) == 0) {
			j->rows[i].designs++;
			j->rows[i].files += it->files;
			j->rows[i].bytes += it->bytes;
			return 0;
		}
	if (j->n == j->cap) {
		p = realloc(j->rows, (j->cap ? j->cap * 2 : 64) * sizeof(*r));
		if (p == NULL)
			return -ENOMEM;
		j->rows = p;
		j->cap = j->cap ? j->cap * 2 : 64;
	}
	r = &j->rows[j->n++];
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->designs = 1;
	r->files = it->files;
	r->bytes = it->bytes;
	return 0;
}

static int
du_lib_cb(void *arg, const uint8_t lib[32])
{
	struct du_job	*j = arg;

	if (j->nlibs < DU_LIBS)
		memcpy(j->libs[j->nlibs++], lib, 32);
	return 0;
}

/* Which policy keeps a design (the first that does, in this order). */
static const char *
du_policy(struct du_job *j, const struct weft_store_du_item *it)
{
	static const uint8_t	zero[32];

	/* Thumbnails and avatars: wanted with their records, no design. */
	if (!it->own && memcmp(it->design, zero, 32) == 0)
		return "metadata";
	if (it->own)
		return "own";
	if (weft_store_policy_has(j->store, WEFT_STORE_FOLLOW,
	    it->author) == 0)
		return "follow";
	if (weft_store_policy_has(j->store, WEFT_STORE_MIRROR_ALL,
	    NULL) == 0)
		return "mirror-all";
	for (size_t i = 0; i < j->nlibs; i++)
		if (weft_store_policy_has(j->store, WEFT_STORE_MIRROR,
		    j->libs[i]) == 0)
			return "mirror";
	return "pin";
}

static int
du_row_cmp(const void *a, const void *b)
{
	const struct du_row	*x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int
du_work(void *arg)
{
	struct du_job			*j = arg;
	struct weft_store_du_item	*v;
	static const uint8_t		 zero[32];
	char				 key[65];
	size_t				 n;
	int				 err;

	err = weft_store_du(j->store, j->has_own ? j->own : NULL, &v, &n);
	if (err)
		return err;
	for (size_t i = 0; err == 0 && i < n; i++) {
		j->total += v[i].bytes;
		j->nlibs = 0;
		if (j->by == DU_LIBRARY || (j->by == DU_POLICY && !v[i].own))
			err = weft_store_design_libs(j->store, v[i].design,
			    du_lib_cb, j);
		if (err)
			break;
		switch (j->by) {
		case DU_DESIGN:
			if (memcmp(v[i].design, zero, 32) == 0)
				key[0] = '\0';
			else
				du_hex(key, v[i].design);
			err = du_row_add(j, key, &v[i]);
			break;
		case DU_AUTHOR:
			if (memcmp(v[i].author, zero, 32) == 0)
				key[0] = '\0';
			else
				du_hex(key, v[i].author);
			err = du_row_add(j, key, &v[i]);
			break;
		case DU_LIBRARY:
			if (j->nlibs == 0)
				err = du_row_add(j, "", &v[i]);
			for (size_t l = 0; err == 0 && l < j->nlibs; l++) {
				du_hex(key, j->libs[l]);
				err = du_row_add(j, key, &v[i]);
			}
			break;
		default:
			err = du_row_add(j, du_policy(j, &v[i]), &v[i]);
			break;
		}
	}
	free(v);
	if (err == 0 && j->n > 1)
		qsort(j->rows, j->n, sizeof(*j->rows), du_row_cmp);
	return err;
}

/*
 * The hex digits a row's key needs: a design's or library's shortest
 * unique id prefix, as ls prints ids; an author's 8, as every author is
 * shown; 0 for a policy or no key.
 */
static unsigned
du_short(const struct du_job *j, const char *key)
{
	uint8_t		id[32];
	unsigned	n;

	if (strlen(key) != 64)
		return 0;
	if (j->by == DU_AUTHOR)
		return 8;
	if (sodium_hex2bin(id, sizeof(id), key, 64, NULL, NULL, NULL) != 0 ||
	    weft_store_short_len(j->store, id, &n) != 0)
		return 64;
	return n;
}

static void
du_reply(struct weft_ctl_conn *c, void *arg)
{
	struct du_job		*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	size_t			 n = j->n < DU_ROWS ? j->n : DU_ROWS;

	weft__ctl_reply_begin(&pk, &b, 3);
	weft_pack_str(&pk, "total");
	weft_pack_uint(&pk, j->total);
	weft_pack_str(&pk, "more");
	weft_pack_bool(&pk, j->n > n);
	weft_pack_str(&pk, "rows");
	weft_pack_array(&pk, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		weft_pack_map(&pk, 5);
		weft_pack_str(&pk, "key");
		weft_pack_str(&pk, j->rows[i].key);
		weft_pack_str(&pk, "short");
		weft_pack_uint(&pk, du_short(j, j->rows[i].key));
		weft_pack_str(&pk, "designs");
		weft_pack_uint(&pk, j->rows[i].designs);
		weft_pack_str(&pk, "files");
		weft_pack_uint(&pk, j->rows[i].files);
		weft_pack_str(&pk, "bytes");
		weft_pack_uint(&pk, j->rows[i].bytes);
	}
	weft__ctl_send(c, &b);
}

static void
du_release(void *arg)
{
	struct du_job	*j = arg;

	free(j->rows);
}

static int
du_prepare(struct weft_ctl_conn *c, const struct weft_obj *req, void *arg)
{
	static const char *const	 names[] = {
		"design", "author", "library", "policy", NULL
	};
	struct du_job			*j = arg;
	const struct weft_obj		*o;
	const char			*s;
	size_t				 n;

	j->by = DU_DESIGN;
	o = weft_obj_get(req, "by");
	if (o != NULL) {
		j->by = -1;
		if (weft_obj_str(o, &s, &n) == 0)
			for (int i = 0; names[i] != NULL; i++)
				if (strlen(names[i]) == n &&
				    memcmp(names[i], s, n) == 0)
					j->by = i;
		if (j->by < 0) {
			weft__ctl_send_err(c, WEFT_EUSAGE, "'by' must be "
			    "design, author, library or policy");
			return WEFT_EUSAGE;
		}
	}
	j->store = c->env->store;
	if (c->env->author != NULL) {
		memcpy(j->own, c->env->author->pk, 32);
		j->has_own = true;
	}
	return 0;
}

const struct weft_ctl_op weft__op_du = {
	.name = "du", .flags = WEFT_OP_POOL, .req_size = sizeof(struct du_job),
	.prepare = du_prepare, .release = du_release, .work = du_work,
	.reply = du_reply, .what = "du failed",
};
