/*
 * search, and ls with filters or pages (docs/proto/control.md): one page
 * of ranked (or listed) design summaries per request, read in one short
 * transaction on the loop, with the number of matches in the first frame
 * and, on request, each design's short id. ls without any of these
 * arguments keeps its paced stream of every design (ops.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "ops_geom.h"
#include "ops_license.h"
#include "store.h"

#define PAGE_LIMIT_MAX	100000		/* "limit" */
#define OFFSET_MAX	10000000	/* "offset" */
#define TYPE_MAX	16

/* Arguments that make ls a page instead of the plain stream. */
static const char *const page_keys[] = {
	"limit", "offset", "sort", "type", "license", "classes", "lib",
	"remix_of", "since", "until", "fits", "max_volume", "min_size",
	"triangles_min", "triangles_max",
};

struct page_req {
	struct weft_store_query	 q;
	char			*query, *tag, *license, *type, *sort;
	uint8_t			 author[32], lib[32], remix_of[32];
	bool			 want_short;
	struct weft_lic_filter	 lf;	/* license and classes */
	struct weft_store_geom_filter gf;	/* fits, volume, size */
};

/* The store's accept hook over a license filter (ops_license.c). */
static bool
lic_accept(void *arg, const uint8_t *summary, size_t len)
{
	return weft__lic_filter_match(arg, summary, len);
}

static void
page_req_free(struct page_req *p)
{
	free(p->query);
	free(p->tag);
	free(p->license);
	free(p->type);
	free(p->sort);
	weft__lic_filter_release(&p->lf);
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

/* Reads the arguments common to search and ls; replies on error. */
static int
page_parse(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct page_req *p, bool search)
{
	const struct weft_obj	*o;
	uint64_t		 limit = 0, offset = 0;
	bool			 geom;
	int			 err;

	memset(p, 0, sizeof(*p));
	if ((search && weft__ctl_arg_str(c, req, "query", 1024,
	    &p->query) != 0) ||
	    weft__ctl_arg_str(c, req, "tag", WEFT_TAG_MAX, &p->tag) != 0 ||
	    weft__ctl_arg_str(c, req, "license", WEFT_LICENSE_MAX,
	    &p->license) != 0 ||
	    weft__ctl_arg_str(c, req, "type", TYPE_MAX, &p->type) != 0 ||
	    weft__ctl_arg_str(c, req, "sort", 16, &p->sort) != 0 ||
	    arg_uint(c, req, "limit", PAGE_LIMIT_MAX, &limit) != 0 ||
	    arg_uint(c, req, "offset", OFFSET_MAX, &offset) != 0 ||
	    arg_uint(c, req, "since", UINT64_MAX, &p->q.since) != 0 ||
	    arg_uint(c, req, "until", UINT64_MAX, &p->q.until) != 0)
		return WEFT_EBADFIELD;
	if (search && (p->query == NULL || p->query[0] == '\0')) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "the query has no words");
		return WEFT_EUSAGE;
	}
	/* A unique prefix names an author, as everywhere else. */
	if (weft_obj_get(req, "author") != NULL) {
		err = weft__ctl_arg_author(c, req, "author", p->author, true);
		if (err)
			return err;
		p->q.author = p->author;
	}
	err = weft__ctl_arg_id(c, req, "lib", p->lib, false);
	if (err == 0)
		p->q.lib = p->lib;
	else if (err != WEFT_ENOTFOUND)
		return err;
	err = weft__ctl_arg_id(c, req, "remix_of", p->remix_of, false);
	if (err == 0)
		p->q.remix_of = p->remix_of;
	else if (err != WEFT_ENOTFOUND)
		return err;
	if (p->sort == NULL || strcmp(p->sort, search ? "relevance" :
	    "oldest") == 0) {
		p->q.recent = false;
	} else if (strcmp(p->sort, "recent") == 0) {
		p->q.recent = true;
	} else if (strcmp(p->sort, "likes") == 0) {
		p->q.by_count = true;
		p->q.count = WEFT_COUNT_LIKES;
	} else if (strcmp(p->sort, "makes") == 0) {
		p->q.by_count = true;
		p->q.count = WEFT_COUNT_MAKES;
	} else if (strcmp(p->sort, "remixes") == 0) {
		p->q.by_count = true;
		p->q.count = WEFT_COUNT_REMIXES;
	} else {
		weft__ctl_send_err(c, WEFT_EUSAGE, "unknown sort '%s'",
		    p->sort);
		return WEFT_EUSAGE;
	}
	o = weft_obj_get(req, "short");
	if (o != NULL && weft_obj_type(o) != WEFT_OBJ_NIL &&
	    weft_obj_bool(o, &p->want_short) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD, "'short' must be a "
		    "boolean");
		return WEFT_EBADFIELD;
	}
	p->q.query = p->query;
	p->q.tag = p->tag;
	p->q.license = p->license;
	/*
	 * A license may be a class (remixable, ...), and "classes" adds
	 * more: the license filter judges both, on each candidate.
	 */
	err = weft__lic_filter_arg(c, req, &p->lf);
	if (err)
		return err;
	if (p->lf.on) {
		p->q.license = NULL;
		p->q.accept = lic_accept;
		p->q.accept_arg = &p->lf;
	}
	if (weft__geom_filter_arg(c, req, &p->gf, &geom) != 0)
		return WEFT_EBADFIELD;
	if (geom)
		p->q.geom = &p->gf;
	p->q.type = p->type;
	p->q.short_ids = p->want_short;
	p->q.counts = true;
	p->q.limit = (size_t)limit;
	p->q.offset = (size_t)offset;
	return 0;
}

struct page_out {
	struct weft_lister		 l;
	struct weft_ctl_conn		*c;
	bool				 want_short;
	bool				 counted;	/* total packed */
	bool				 search;
	struct weft_store_search_info	 info;
};

/* Packs total and total_exact into the lister's extra fields. */
static void
pack_total(struct page_out *o)
{
	struct weft_pack	pk;

	weft_pack_init(&pk, &o->l.extra);
	weft_pack_str(&pk, "total");
	weft_pack_uint(&pk, o->info.total);
	weft_pack_str(&pk, "total_exact");
	weft_pack_bool(&pk, o->info.exact);
	o->l.nextra += 2;
	o->counted = true;
	if (weft_pack_error(&pk) && o->l.err == 0)
		o->l.err = weft_pack_error(&pk);
}

/* Packs one summary, with "short" when asked. */
static int
page_item_cb(void *arg, const uint8_t id[32], const uint8_t *data,
    size_t len)
{
	struct page_out	*o = arg;

	/* A search counts before it emits: the count leads the reply. */
	if (o->search && !o->counted)
		pack_total(o);
	(void)id;
	weft_pack_raw(&o->l.pk, data, len);
	return weft__lister_item(&o->l);
}

/*
 * Every match (no limit) is streamed at the client's pace: the matches'
 * positions are found in one read transaction (40 bytes a match), then
 * their summaries go out STREAM_CHUNK at a time, each chunk read in its
 * own short transaction, and the next only once the client has taken
 * most of what was sent, as the plain ls stream does (ops.c). So neither
 * end holds the whole output.
 */
#define STREAM_CHUNK	1024

struct page_stream {
	struct weft_lister	 l;
	uint8_t			*keys;
	size_t			 n, next;
	bool			 want_short;
};

static void
stream_free(void *arg)
{
	struct page_stream	*st = arg;

	/* The lister's buffers may be released already (by finish). */
	weft_buf_release(&st->l.items);
	weft_buf_release(&st->l.extra);
	free(st->keys);
	free(st);
}

static int
stream_item_cb(void *arg, const uint8_t id[32], const uint8_t *data,
    size_t len)
{
	struct page_stream	*st = arg;

	(void)id;
	weft_pack_raw(&st->l.pk, data, len);
	return weft__lister_item(&st->l);
}

static void
stream_pump(struct weft_ctl_conn *c)
{
	struct page_stream	*st = c->req;
	struct weft_store_query	 q;
	size_t			 k;
	int			 err;

	if (c->closing)
		return;		/* freed with the conn */
	memset(&q, 0, sizeof(q));
	q.short_ids = st->want_short;
	q.counts = true;
	while (st->next < st->n && st->l.err == 0 &&
	    c->wq_bytes <= WEFT_CTL_WQ_PAUSE) {
		k = st->n - st->next < STREAM_CHUNK ? st->n - st->next :
		    STREAM_CHUNK;
		err = weft_store_search_cards(c->env->store, &q,
		    st->keys + st->next * WEFT_STORE_POS_BYTES, k,
		    stream_item_cb, st);
		if (err && st->l.err == 0)
			st->l.err = err;
		st->next += k;
		if (c->closing)
			return;
	}
	if (st->next < st->n && st->l.err == 0)
		return;			/* write_cb resumes */
	weft__lister_finish(&st->l);	/* ends the request: st is freed */
}

static void
page_stream(struct weft_ctl_conn *c, struct page_req *p)
{
	struct page_stream		*st;
	struct weft_store_search_info	 info;
	struct weft_pack		 pk;
	int				 err;

	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "search");
		weft__ctl_done(c);
		return;
	}
	weft__lister_init(&st->l, c);
	st->want_short = p->want_short;
	err = weft_store_search_keys(c->env->store, &p->q, &info, &st->keys,
	    &st->n);
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_EUSAGE ?
		    "the query has no words" : "search");
		stream_free(st);
		weft__ctl_done(c);
		return;
	}
	/* The count leads the reply. */
	weft_pack_init(&pk, &st->l.extra);
	weft_pack_str(&pk, "total");
	weft_pack_uint(&pk, info.total);
	weft_pack_str(&pk, "total_exact");
	weft_pack_bool(&pk, info.exact);
	st->l.nextra = 2;
	weft__ctl_req_set(c, st, stream_free);
	c->resume = stream_pump;
	stream_pump(c);
}

/*
 * A listing filtered by geometry alone walks the fit index (ops_geom.c),
 * smallest first, instead of every design.
 */
static bool
geom_only(const struct weft_store_query *q)
{
	return q->geom != NULL && q->query == NULL && q->author == NULL &&
	    q->tag == NULL && q->license == NULL && q->lib == NULL &&
	    q->remix_of == NULL && q->since == 0 && q->until == 0 &&
	    q->accept == NULL && q->type == NULL && !q->recent;
}

static void
page_run(struct weft_ctl_conn *c, struct page_req *p)
{
	struct page_out	*o;
	int		 err;

	if (p->q.limit == 0) {
		page_stream(c, p);
		return;
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "search");
		weft__ctl_done(c);
		return;
	}
	weft__lister_init(&o->l, c);
	o->c = c;
	o->want_short = p->want_short;
	o->search = p->q.query != NULL;
	if (geom_only(&p->q))
		err = weft_store_geom_list(c->env->store, p->q.geom,
		    p->q.offset, p->q.limit, &o->info.total, &o->info.exact,
		    page_item_cb, o);
	else
		err = weft_store_search_page(c->env->store, &p->q, &o->info,
		    page_item_cb, o);
	if (err == WEFT_EUSAGE && o->l.n == 0 && !o->l.sent) {
		weft__ctl_send_err(c, err, "the query has no words");
		weft_buf_release(&o->l.items);
		weft_buf_release(&o->l.extra);
		weft__ctl_done(c);
		free(o);
		return;
	}
	if (err && o->l.err == 0)
		o->l.err = err;
	if (!o->counted) {
		/*
		 * A listing counts as it walks: the count goes into the
		 * first frame, or the last when an earlier one went out.
		 */
		if (o->l.sent) {
			weft_buf_reset(&o->l.extra);
			o->l.nextra = 0;
			o->l.sent = false;
		}
		pack_total(o);
	}
	weft__lister_finish(&o->l);
	free(o);
}

static void
op_search(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct page_req	p;

	if (page_parse(c, req, &p, true) == 0)
		page_run(c, &p);
	else
		weft__ctl_done(c);
	page_req_free(&p);
}

bool
weft__ls_is_page(const struct weft_obj *req)
{
	for (size_t i = 0; i < sizeof(page_keys) / sizeof(page_keys[0]); i++)
		if (weft_obj_get(req, page_keys[i]) != NULL)
			return true;
	return false;
}

void
weft__op_ls_page(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct page_req	p;

	if (page_parse(c, req, &p, false) == 0)
		page_run(c, &p);
	else
		weft__ctl_done(c);
	page_req_free(&p);
}

const struct weft_ctl_op weft__op_search = { .name = "search",
	.fn = op_search };
