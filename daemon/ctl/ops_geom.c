/*
 * Control ops for geometry (docs/proto/control.md): "geom" gives the
 * geom record (mesh facts, fingerprints, thumbnail) of a revision, and
 * the thumbnail's bytes on request; "similar" lists the designs whose
 * geometry is identical or similar to a design's. weft__geom_filter_arg()
 * reads the fit filters of search and ls (ops_search.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "ops_geom.h"
#include "store.h"

#define SIMILAR_MAX	1000		/* "limit" */
#define SIMILAR_DEFAULT	50
#define SCORE_DEFAULT	850000		/* "min_score", millionths */
#define FILTER_MAX	((uint64_t)1 << 50)

/*
 * "geom" {id, thumbnail?}: the geom record of revision id, else (an
 * update that kept the files) its design's current one; with
 * thumbnail: true also the thumbnail's bytes when they are here.
 */
static void
op_geom(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_record	 r;
	struct weft_buf		 env, png, b;
	struct weft_pack	 pk;
	const struct weft_obj	*o;
	const uint8_t		*body, *sig;
	size_t			 blen;
	uint8_t			 id[32], design[32];
	bool			 want = false, has_png = false;
	int			 err;

	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	weft_buf_init(&png, WEFT_THUMB_MAX);
	if (weft__ctl_arg_id(c, req, "id", id, true) != 0)
		goto done;
	o = weft_obj_get(req, "thumbnail");
	if (o != NULL && weft_obj_bool(o, &want) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD,
		    "'thumbnail' must be a boolean");
		goto done;
	}
	err = weft_store_rev_design(c->env->store, id, design);
	if (err) {
		weft__ctl_send_err(c, err == WEFT_EUSAGE ? WEFT_ENOTFOUND :
		    err, "not a design revision");
		goto done;
	}
	err = weft_store_rev_geom(c->env->store, id, &env);
	if (err == WEFT_ENOTFOUND) {
		weft_buf_reset(&env);
		err = weft_store_design_geom(c->env->store, design, &env);
	}
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_ENOTFOUND ?
		    "no geometry facts for this design" :
		    "cannot read the geometry facts");
		goto done;
	}
	if (want) {
		err = weft_record_open(env.data, env.len, &body, &blen, &sig);
		if (err == 0)
			err = weft_record_decode_body(body, blen, &r);
		if (err == 0 && r.nfiles == 1 && weft_store_file_read(
		    c->env->store, &r.files[0], WEFT_THUMB_MAX, &png) == 0)
			has_png = true;
	}
	weft__ctl_reply_begin(&pk, &b, has_png ? 2 : 1);
	weft_pack_str(&pk, "record");
	weft_pack_bin(&pk, env.data, env.len);
	if (has_png) {
		weft_pack_str(&pk, "thumbnail");
		weft_pack_bin(&pk, png.data, png.len);
	}
	if (weft_pack_error(&pk)) {
		weft_buf_release(&b);
		weft__ctl_send_err(c, weft_pack_error(&pk), "geom");
	} else {
		weft__ctl_send(c, &b);
	}
done:
	weft_record_release(&r);
	weft_buf_release(&png);
	weft_buf_release(&env);
	weft__ctl_done(c);
}

/* An optional uint argument up to max; replies on error. */
static int
arg_uint(struct weft_ctl_conn *c, const struct weft_obj *req,
    const char *key, uint64_t max, uint64_t *out)
{
	const struct weft_obj	*o = weft_obj_get(req, key);

	if (o == NULL || weft_obj_type(o) == WEFT_OBJ_NIL)
		return 0;
	if (weft_obj_uint(o, out) != 0 || *out > max) {
		weft__ctl_send_err(c, WEFT_EBADFIELD,
		    "'%s' must be a whole number up to %llu", key,
		    (unsigned long long)max);
		return WEFT_EBADFIELD;
	}
	return 0;
}

static const char *
relation_name(int rel)
{
	switch (rel) {
	case WEFT_STORE_REL_REMIX_OF:
		return "parent";	/* the design asked about remixes it */
	case WEFT_STORE_REL_REMIXED_BY:
		return "remix";		/* it remixes the design asked about */
	default:
		return "";
	}
}

/*
 * "similar" {design, min_score?, limit?}: the designs sharing an exact
 * key with design or whose signatures score min_score (millionths) or
 * more, identical first, each {design, short, author, created,
 * identical, score, relation, summary?} (short: the hex digits of the
 * design's shortest unique id prefix); the first frame says the design's own
 * author and created.
 */
static void
op_similar(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_store_similar	*v = NULL;
	struct weft_lister		 l;
	struct weft_pack		 pk;
	struct weft_buf			 sum;
	uint8_t				 design[32];
	uint64_t			 min = SCORE_DEFAULT;
	uint64_t			 limit = SIMILAR_DEFAULT;
	size_t				 n = 0;
	unsigned			 shortn;
	int				 err;

	if (weft__ctl_arg_design(c, req, "design", design) != 0 ||
	    arg_uint(c, req, "min_score", 1000000, &min) != 0 ||
	    arg_uint(c, req, "limit", SIMILAR_MAX, &limit) != 0) {
		weft__ctl_done(c);
		return;
	}
	if (limit == 0)
		limit = SIMILAR_DEFAULT;
	v = calloc((size_t)limit, sizeof(*v));
	if (v == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "similar");
		weft__ctl_done(c);
		return;
	}
	err = weft_store_geom_similar(c->env->store, design, (double)min / 1e6,
	    v, (size_t)limit, &n);
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_ENOTFOUND ?
		    "no geometry facts for this design" : "similar");
		free(v);
		weft__ctl_done(c);
		return;
	}
	weft__lister_init(&l, c);
	weft_pack_init(&pk, &l.extra);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, 32);
	l.nextra = 1;
	weft_buf_init(&sum, WEFT_CTL_FRAME_MAX);
	for (size_t i = 0; i < n && l.err == 0; i++) {
		weft_buf_reset(&sum);
		err = weft_store_design_summary(c->env->store, v[i].design,
		    &sum);
		if (err != 0 && err != WEFT_ENOTFOUND) {
			l.err = err;
			break;
		}
		if (weft_store_short_len(c->env->store, v[i].design,
		    &shortn) != 0)
			shortn = 64;
		weft_pack_map(&l.pk, err == 0 ? 8 : 7);
		weft_pack_str(&l.pk, "design");
		weft_pack_bin(&l.pk, v[i].design, 32);
		weft_pack_str(&l.pk, "short");
		weft_pack_uint(&l.pk, shortn);
		weft_pack_str(&l.pk, "author");
		weft_pack_bin(&l.pk, v[i].author, 32);
		weft_pack_str(&l.pk, "created");
		weft_pack_uint(&l.pk, v[i].created);
		weft_pack_str(&l.pk, "identical");
		weft_pack_bool(&l.pk, v[i].identical);
		weft_pack_str(&l.pk, "score");
		weft_pack_uint(&l.pk, v[i].score <= 0 ? 0 : v[i].score >= 1 ?
		    1000000 : (uint64_t)(v[i].score * 1e6 + 0.5));
		weft_pack_str(&l.pk, "relation");
		weft_pack_str(&l.pk, relation_name(v[i].relation));
		if (err == 0) {
			weft_pack_str(&l.pk, "summary");
			weft_pack_raw(&l.pk, sum.data, sum.len);
		}
		err = weft__lister_item(&l);
		if (err && l.err == 0)
			l.err = err;
	}
	weft_buf_release(&sum);
	free(v);
	weft__lister_finish(&l);
}

/* "220000" or [x, y, z] um: the box, sorted largest first. */
static int
arg_box(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct weft_store_geom_filter *f)
{
	const struct weft_obj	*o = weft_obj_get(req, "fits");
	uint64_t		 t;

	if (o == NULL || weft_obj_type(o) == WEFT_OBJ_NIL)
		return 0;
	if (weft_obj_type(o) != WEFT_OBJ_ARRAY || weft_obj_len(o) != 3)
		goto bad;
	for (uint32_t i = 0; i < 3; i++)
		if (weft_obj_uint(weft_obj_at(o, i), &f->fits[i]) != 0 ||
		    f->fits[i] == 0 || f->fits[i] > FILTER_MAX)
			goto bad;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (f->fits[j] < f->fits[j + 1]) {
				t = f->fits[j];
				f->fits[j] = f->fits[j + 1];
				f->fits[j + 1] = t;
			}
	f->fits_on = true;
	return 0;
bad:
	weft__ctl_send_err(c, WEFT_EBADFIELD, "'fits' must be three "
	    "lengths in micrometres, each 1 or more");
	return WEFT_EBADFIELD;
}

int
weft__geom_filter_arg(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct weft_store_geom_filter *f, bool *on)
{
	memset(f, 0, sizeof(*f));
	*on = false;
	if (arg_box(c, req, f) != 0 ||
	    arg_uint(c, req, "max_volume", FILTER_MAX, &f->max_volume) != 0 ||
	    arg_uint(c, req, "min_size", FILTER_MAX, &f->min_size) != 0 ||
	    arg_uint(c, req, "triangles_min", UINT32_MAX,
	    &f->tri_min) != 0 ||
	    arg_uint(c, req, "triangles_max", UINT32_MAX, &f->tri_max) != 0)
		return WEFT_EBADFIELD;
	if (f->tri_max != 0 && f->tri_min > f->tri_max) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'triangles_min' is above "
		    "'triangles_max'");
		return WEFT_EUSAGE;
	}
	*on = f->fits_on || f->max_volume != 0 || f->min_size != 0 ||
	    f->tri_min != 0 || f->tri_max != 0;
	return 0;
}

const struct weft_ctl_op weft__op_geom = { .name = "geom", .fn = op_geom };
const struct weft_ctl_op weft__op_similar = { .name = "similar",
	.fn = op_similar };
