/*
 * The JSON API under /api/ (docs/proto/web.md): the data of the control
 * socket's replies, with ids as 64 lowercase hex and times in ms since
 * the epoch. jansson writes the JSON (escaping included), as for the
 * CLI's --json.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"
#include "weft/version.h"

#include "store.h"
#include "web_impl.h"

#define API_LIST_MAX	1000

static json_t *
hex_id(const uint8_t id[32])
{
	char	hex[65];

	weft_hex_encode(hex, id, 32);
	return json_string(hex);
}

/* A string from a record: invalid UTF-8 becomes U+FFFD (jansson needs it). */
static json_t *
str(const char *s)
{
	json_t	*j = json_string(s);

	return j != NULL ? j : json_string("\xef\xbf\xbd");
}

static json_t *
summary_json(const struct weft_web_summary *s)
{
	json_t	*o = json_object(), *tags = json_array();

	json_object_set_new(o, "design", hex_id(s->design));
	json_object_set_new(o, "head", hex_id(s->head));
	json_object_set_new(o, "author", hex_id(s->author));
	json_object_set_new(o, "title", str(s->title));
	json_object_set_new(o, "license", str(s->license));
	for (size_t i = 0; i < s->ntags; i++)
		json_array_append_new(tags, str(s->tags[i]));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "created", json_integer((json_int_t)s->created));
	json_object_set_new(o, "updated", json_integer((json_int_t)s->updated));
	json_object_set_new(o, "revs", json_integer((json_int_t)s->revs));
	json_object_set_new(o, "heads", json_integer((json_int_t)s->heads));
	return o;
}

struct list {
	json_t			*items;
	struct weft_web_hidden	 hidden;
	size_t			 skip, max, n;
	bool			 more;
};

static int
list_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct list		*l = arg;
	struct weft_web_summary	 s;

	(void)id;
	if (weft__web_summary_decode(data, len, &s) != 0 ||
	    weft__web_hidden_has(&l->hidden, s.design, s.author))
		return 0;
	if (l->skip > 0) {
		l->skip--;
		return 0;
	}
	if (l->n == l->max) {
		l->more = true;
		return 1;
	}
	json_array_append_new(l->items, summary_json(&s));
	l->n++;
	return 0;
}

static unsigned
qnum(const struct weft_web_req *rq, const char *key, unsigned def,
    unsigned max)
{
	char		 s[16];
	unsigned long	 v;
	char		*end;

	if (weft_http_form_get(rq->query, rq->query_len, key, s,
	    sizeof(s)) <= 0)
		return def;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return def;
	return (unsigned)v;
}

static json_t *
api_list(const struct weft_web_req *rq, bool search, int *status)
{
	struct list	 l;
	struct weft_store_query		f;
	struct weft_store_search_info	info;
	json_t		*o;
	char		 q[256] = "", tag[WEFT_TAG_MAX + 1] = "", author[65] = "";
	uint8_t		 aid[32];
	unsigned	 page, limit;
	bool		 bad_author;
	int		 err;

	(void)weft_http_form_get(rq->query, rq->query_len, "q", q, sizeof(q));
	(void)weft_http_form_get(rq->query, rq->query_len, "tag", tag,
	    sizeof(tag));
	(void)weft_http_form_get(rq->query, rq->query_len, "author", author,
	    sizeof(author));
	limit = qnum(rq, "limit", WEFT_WEB_PAGE_SIZE, API_LIST_MAX);
	page = qnum(rq, "page", 0, 1000000);
	memset(&l, 0, sizeof(l));
	l.items = json_array();
	(void)weft__web_hidden_load(rq->store, &l.hidden);
	l.max = limit;
	l.skip = (size_t)page * limit;
	bad_author = author[0] != '\0' &&
	    weft__web_author(rq->store, author, aid) != 0;
	err = bad_author ? WEFT_EUSAGE : 0;
	if (err == 0 && search) {
		/* One page (and one more to know if there is a next). */
		memset(&f, 0, sizeof(f));
		f.query = q;
		f.author = author[0] != '\0' ? aid : NULL;
		f.tag = tag[0] != '\0' ? tag : NULL;
		f.offset = l.skip;
		f.limit = l.max + 1;
		l.skip = 0;
		err = weft_store_search_page(rq->store, &f, &info, list_cb,
		    &l);
	} else if (err == 0) {
		err = weft_store_designs(rq->store, author[0] != '\0' ?
		    aid : NULL, tag[0] != '\0' ? tag : NULL, list_cb, &l);
	}
	weft__web_hidden_free(&l.hidden);
	if (err == 1 || err == WEFT_ENOTFOUND)
		err = 0;
	if (err == WEFT_EUSAGE) {
		json_decref(l.items);
		*status = 400;
		return json_pack("{s:s}", "error", !bad_author ?
		    "q needs a word of two letters or more" :
		    "no such author: give a key or a unique prefix of 8 "
		    "or more hex digits");
	}
	if (err) {
		json_decref(l.items);
		return NULL;
	}
	o = json_object();
	json_object_set_new(o, "items", l.items);
	json_object_set_new(o, "page", json_integer(page));
	json_object_set_new(o, "more", json_boolean(l.more));
	return o;
}

static json_t *
rec_json(const uint8_t id[32], const struct weft_record *r)
{
	json_t	*o = json_object(), *a;

	json_object_set_new(o, "id", hex_id(id));
	json_object_set_new(o, "type", json_string(
	    weft_record_type_name(r->type)));
	json_object_set_new(o, "author", hex_id(r->author));
	json_object_set_new(o, "ts", json_integer((json_int_t)r->ts));
	if (r->type == WEFT_REC_REV) {
		json_object_set_new(o, "title", str(r->title != NULL ?
		    r->title : ""));
		json_object_set_new(o, "description", r->description != NULL ?
		    str(r->description) : json_null());
		json_object_set_new(o, "license", str(r->license != NULL ?
		    r->license : ""));
		json_object_set_new(o, "message", r->message != NULL ?
		    str(r->message) : json_null());
		a = json_array();
		for (uint32_t i = 0; i < r->ntags; i++)
			json_array_append_new(a, str(r->tags[i]));
		json_object_set_new(o, "tags", a);
		a = json_array();
		for (uint32_t i = 0; i < r->prev.n; i++)
			json_array_append_new(a, hex_id(r->prev.ids[i]));
		json_object_set_new(o, "prev", a);
		a = json_array();
		for (uint32_t i = 0; i < r->remix_of.n; i++)
			json_array_append_new(a, hex_id(r->remix_of.ids[i]));
		json_object_set_new(o, "remix_of", a);
		a = json_array();
		for (uint32_t i = 0; i < r->nfiles; i++) {
			char	h[65];

			weft_hex_encode(h, r->files[i].hash, 32);
			json_array_append_new(a, json_pack("{s:o,s:I,s:s}",
			    "path", str(r->files[i].path),
			    "size", (json_int_t)r->files[i].size, "hash", h));
		}
		json_object_set_new(o, "files", a);
	} else if (r->type == WEFT_REC_LIB) {
		json_object_set_new(o, "name", str(r->name != NULL ?
		    r->name : ""));
	}
	return o;
}

static int
decode_env(const uint8_t *p, size_t n, struct weft_record *r)
{
	const uint8_t	*body, *sig;
	size_t		 blen;
	int		 err;

	err = weft_record_open(p, n, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, r);
	return err;
}

static int
revs_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	json_t			*a = arg;
	struct weft_record	 r;

	if (json_array_size(a) >= API_LIST_MAX)
		return 1;
	weft_record_init(&r);
	if (decode_env(data, len, &r) == 0)
		json_array_append_new(a, rec_json(id, &r));
	weft_record_release(&r);
	return 0;
}

static int
remix_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	(void)data;
	(void)len;
	if (json_array_size(arg) >= API_LIST_MAX)
		return 1;
	json_array_append_new(arg, hex_id(id));
	return 0;
}

static json_t *
api_design(const struct weft_web_req *rq, int *status)
{
	struct weft_buf		 sb;
	struct weft_web_summary	 s;
	uint8_t			 id[32], design[32];
	char			 why[WEFT_REASON_MAX + 64];
	json_t			*o = NULL, *revs, *remixes;
	int			 err;

	weft_buf_init(&sb, WEFT_RECORD_MAX);
	err = weft__web_resolve(rq->store, rq->rt->arg, id);
	if (err == 0)
		err = weft_store_rev_design(rq->store, id, design);
	if (err == 0)
		err = weft_store_design_summary(rq->store, design, &sb);
	if (err == 0)
		err = weft__web_summary_decode(sb.data, sb.len, &s);
	weft_buf_release(&sb);
	if (err == WEFT_ENOTFOUND && weft__web_resolve(rq->store,
	    rq->rt->arg, id) == 0 && weft__web_gone(rq->store, id, why,
	    sizeof(why)) == 0) {
		*status = 410;
		return json_pack("{s:s}", "error", why);
	}
	if (err) {
		*status = err == WEFT_EAMBIGUOUS ? 400 : 404;
		return json_pack("{s:s}", "error", err == WEFT_EAMBIGUOUS ?
		    "ambiguous id prefix" : "no such design");
	}
	o = summary_json(&s);
	revs = json_array();
	remixes = json_array();
	(void)weft_store_design_revs(rq->store, design, revs_cb, revs);
	(void)weft_store_design_remixes(rq->store, design, remix_cb, remixes);
	json_object_set_new(o, "revisions", revs);
	json_object_set_new(o, "remixes", remixes);
	return o;
}

static json_t *
api_library(const struct weft_web_req *rq, int *status)
{
	struct weft_buf		 lb;
	struct weft_record	 r;
	struct list		 l;
	uint8_t			 id[32];
	json_t			*o;
	int			 err;

	weft_record_init(&r);
	weft_buf_init(&lb, WEFT_RECORD_MAX);
	err = weft__web_resolve(rq->store, rq->rt->arg, id);
	if (err == 0)
		err = weft_store_record_get(rq->store, id, &lb);
	if (err == 0)
		err = decode_env(lb.data, lb.len, &r);
	if (err == 0 && r.type != WEFT_REC_LIB)
		err = WEFT_ENOTFOUND;
	if (err) {
		weft_record_release(&r);
		weft_buf_release(&lb);
		*status = 404;
		return json_pack("{s:s}", "error", "no such library");
	}
	o = rec_json(id, &r);
	memset(&l, 0, sizeof(l));
	l.items = json_array();
	(void)weft__web_hidden_load(rq->store, &l.hidden);
	l.max = API_LIST_MAX;
	(void)weft_store_lib_designs(rq->store, id, list_cb, &l);
	weft__web_hidden_free(&l.hidden);
	json_object_set_new(o, "designs", l.items);
	weft_record_release(&r);
	weft_buf_release(&lb);
	return o;
}

static json_t *
api_status(const struct weft_web_req *rq)
{
	const struct weft_web_snap	*sn = rq->snap;
	struct weft_store_stats		 st;
	json_t				*o;

	if (weft_store_stats(rq->store, &st) != 0)
		memset(&st, 0, sizeof(st));
	o = json_object();
	json_object_set_new(o, "version", json_string(WEFT_VERSION_STRING));
	json_object_set_new(o, "node", hex_id(sn->node));
	json_object_set_new(o, "author", hex_id(sn->author));
	json_object_set_new(o, "records", json_integer((json_int_t)st.records));
	json_object_set_new(o, "designs", json_integer((json_int_t)st.designs));
	json_object_set_new(o, "libs", json_integer((json_int_t)st.libs));
	json_object_set_new(o, "chunks", json_integer((json_int_t)st.chunks));
	json_object_set_new(o, "chunk_bytes",
	    json_integer((json_int_t)st.chunk_bytes));
	json_object_set_new(o, "uptime_ms",
	    json_integer((json_int_t)sn->uptime_ms));
	json_object_set_new(o, "listen", sn->listen[0] != '\0' ?
	    json_string(sn->listen) : json_null());
	json_object_set_new(o, "web", json_string(sn->web));
	json_object_set_new(o, "peers", json_integer(sn->peers_open));
	json_object_set_new(o, "conns_in", json_integer(sn->conns_in));
	json_object_set_new(o, "conns_out", json_integer(sn->conns_out));
	return o;
}

static json_t *
api_peers(const struct weft_web_req *rq)
{
	const struct weft_web_snap	*sn = rq->snap;
	json_t				*a = json_array();

	for (size_t i = 0; i < sn->npeers; i++)
		json_array_append_new(a, json_pack("{s:o,s:s,s:s,s:s}",
		    "node", hex_id(sn->peers[i].node),
		    "address", sn->peers[i].addr,
		    "direction", sn->peers[i].out ? "out" : "in",
		    "state", sn->peers[i].state));
	return json_pack("{s:o}", "items", a);
}

int
weft__web_api(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	json_t	*o;
	char	*s;
	int	 status = 200, err;

	switch (rq->rt->kind) {
	case WEFT_ROUTE_API_STATUS:
		o = api_status(rq);
		break;
	case WEFT_ROUTE_API_DESIGNS:
		o = api_list(rq, false, &status);
		break;
	case WEFT_ROUTE_API_SEARCH:
		o = api_list(rq, true, &status);
		break;
	case WEFT_ROUTE_API_DESIGN:
		o = api_design(rq, &status);
		break;
	case WEFT_ROUTE_API_LIBRARY:
		o = api_library(rq, &status);
		break;
	case WEFT_ROUTE_API_PEERS:
		o = api_peers(rq);
		break;
	default:
		status = 404;
		o = json_pack("{s:s}", "error", "no such endpoint");
		break;
	}
	if (o == NULL)
		return WEFT_EPROTO;
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH);
	json_decref(o);
	if (s == NULL)
		return -ENOMEM;
	resp->status = status;
	resp->ctype = "application/json";
	err = weft_buf_add(&resp->body, s, strlen(s));
	if (err == 0)
		err = weft_buf_add(&resp->body, "\n", 1);
	free(s);
	return err;
}
