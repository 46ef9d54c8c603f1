/*
 * The HTML pages (docs/proto/web.md lists them). Server-rendered, no
 * script needed; every string from a record goes through html.c. Each
 * page reads the store in short calls (one read transaction each) on a
 * thread of the pool.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"
#include "weft/version.h"

#include "html.h"
#include "store.h"
#include "web_impl.h"

#define RECENT_SHOWN	20
#define REVS_SHOWN	200
#define REMIXES_SHOWN	200

static int
add(struct weft_buf *b, const char *s)
{
	return weft_buf_add(b, s, strlen(s));
}

static void
page_begin(struct weft_buf *b, const char *title, const char *q)
{
	add(b, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">"
	    "<meta name=\"referrer\" content=\"same-origin\">"
	    "<title>");
	weft_html_escs(b, title);
	add(b, " \xe2\x80\x94 weft</title>"
	    "<link rel=\"stylesheet\" href=\"/static/style.css\">"
	    "<link rel=\"icon\" href=\"/static/favicon.svg\">"
	    "</head>\n<body><header><a class=\"brand\" href=\"/\">weft</a>"
	    "<form class=\"search\" action=\"/search\" method=\"get\">"
	    "<input type=\"search\" name=\"q\" placeholder=\"Search designs\" "
	    "value=\"");
	weft_html_escs(b, q != NULL ? q : "");
	add(b, "\"><button>Search</button></form>"
	    "<nav><a href=\"/search\">Browse</a> "
	    "<a href=\"/status\">Status</a></nav></header>\n<main>\n");
}

static void
page_end(struct weft_buf *b, const struct weft_web_snap *snap)
{
	char	hex[65];

	weft_hex_encode(hex, snap->node, 32);
	add(b, "</main>\n<footer>weft " WEFT_VERSION_STRING " \xc2\xb7 node "
	    "<code>");
	weft_buf_add(b, hex, 16);
	add(b, "</code>");
	/* A non-loopback UI with a web-password: log in or out. */
	if (snap->session) {
		add(b, " \xc2\xb7 <form class=\"act\" method=\"post\" "
		    "action=\"/logout\"><input type=\"hidden\" "
		    "name=\"token\" value=\"");
		add(b, snap->token);
		add(b, "\"><button id=\"logout\">Log out</button></form>");
	} else if (snap->can_login)
		add(b, " \xc2\xb7 <a id=\"login\" href=\"/login\">Log in"
		    "</a>");
	add(b, "</footer></body></html>\n");
}

static void
short_id(struct weft_buf *b, const uint8_t id[32])
{
	char	hex[65];

	weft_hex_encode(hex, id, 32);
	weft_buf_add(b, hex, 12);
}

static void
full_id(struct weft_buf *b, const uint8_t id[32])
{
	char	hex[65];

	weft_hex_encode(hex, id, 32);
	weft_buf_add(b, hex, 64);
}

static void
date(struct weft_buf *b, uint64_t ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		s[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(s, sizeof(s), "?");
	add(b, s);
}

static void
size_str(struct weft_buf *b, uint64_t n)
{
	const char	*u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double		 v = (double)n;
	size_t		 i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		weft_buf_printf(b, "%" PRIu64 " B", n);
	else
		weft_buf_printf(b, "%.1f %s", v, u[i]);
}

/* What a license id means, for the few most designs use. */
static const char *
license_meaning(const char *id)
{
	static const struct {
		const char *id, *text;
	} t[] = {
		{ "CC0-1.0", "public domain: anything goes" },
		{ "CC-BY-4.0", "remix and sell, crediting the author" },
		{ "CC-BY-SA-4.0", "remix and sell, crediting the author, "
		    "remixes under the same license" },
		{ "CC-BY-NC-4.0", "remix, crediting the author, not for "
		    "commercial use" },
		{ "CC-BY-NC-SA-4.0", "remix, crediting the author, not for "
		    "commercial use, remixes under the same license" },
		{ "CC-BY-ND-4.0", "share unchanged, crediting the author" },
		{ "MIT", "do anything, keep the notice" },
		{ "GPL-3.0-or-later", "remixes stay free (copyleft)" },
		{ "CERN-OHL-S-2.0", "open hardware, strongly reciprocal" },
		{ "all-rights-reserved", "look, don't remix" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].id, id) == 0)
			return t[i].text;
	return NULL;
}

static void
design_card(struct weft_buf *b, const struct weft_web_summary *s)
{
	/* A 3MF's own thumbnail (thumb.c); none: the image is not shown. */
	add(b, "<li class=\"card\"><a class=\"thumb\" href=\"/d/");
	full_id(b, s->design);
	add(b, "\" tabindex=\"-1\"><img src=\"/thumb/");
	full_id(b, s->head);
	add(b, "\" alt=\"\" loading=\"lazy\" width=\"64\" height=\"64\">"
	    "</a><a class=\"title\" href=\"/d/");
	full_id(b, s->design);
	add(b, "\">");
	weft_html_escs(b, s->title);
	add(b, "</a><span class=\"meta\">by <a href=\"/a/");
	full_id(b, s->author);
	add(b, "\"><code>");
	short_id(b, s->author);
	add(b, "</code></a> \xc2\xb7 ");
	weft_html_escs(b, s->license);
	if (s->conflict)
		add(b, " <strong class=\"conflict\">license conflict</strong>");
	add(b, " \xc2\xb7 ");
	date(b, s->updated);
	add(b, "</span>");
	if (s->ntags > 0) {
		add(b, "<span class=\"tags\">");
		for (size_t i = 0; i < s->ntags; i++) {
			add(b, "<a class=\"tag\" href=\"/search?tag=");
			weft_html_url_esc(b, s->tags[i], strlen(s->tags[i]));
			add(b, "\">");
			weft_html_escs(b, s->tags[i]);
			add(b, "</a>");
		}
		add(b, "</span>");
	}
	add(b, "</li>\n");
}

/* Lists of summaries collected by walks. */
struct cards {
	struct weft_buf		*b;
	struct weft_web_hidden	 hidden;
	size_t			 skip, max, n;
	bool			 more;
};

static int
cards_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct cards		*c = arg;
	struct weft_web_summary	 s;

	(void)id;
	if (weft__web_summary_decode(data, len, &s) != 0 ||
	    weft__web_hidden_has(&c->hidden, s.design, s.author))
		return 0;
	if (c->skip > 0) {
		c->skip--;
		return 0;
	}
	if (c->n == c->max) {
		c->more = true;
		return 1;
	}
	design_card(c->b, &s);
	c->n++;
	return 0;
}

static int
page_home(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	struct weft_buf		*b = &resp->body;
	struct weft_store_stats	 st;
	struct cards		 c;
	int			 err;

	memset(&c, 0, sizeof(c));
	c.b = b;
	(void)weft__web_hidden_load(rq->store, &c.hidden);
	c.max = RECENT_SHOWN;
	err = weft_store_stats(rq->store, &st);
	if (err)
		memset(&st, 0, sizeof(st));
	page_begin(b, "Home", NULL);
	add(b, "<section class=\"status\"><h2>This node</h2><p>");
	weft_buf_printf(b, "%" PRIu64 " designs, %" PRIu64 " libraries, "
	    "%" PRIu64 " records; %u peers connected.",
	    st.designs, st.libs, st.records, rq->snap->peers_open);
	add(b, " <a href=\"/status\">Status</a></p></section>\n");
	add(b, "<section><h2>Recent designs</h2><ul class=\"cards\" "
	    "id=\"recent\">\n");
	err = weft_store_designs_recent(rq->store, RECENT_SHOWN, cards_cb, &c);
	weft__web_hidden_free(&c.hidden);
	if (c.n == 0)
		add(b, "<li class=\"empty\">No designs yet: publish one with "
		    "<code>weft publish</code>.</li>\n");
	add(b, "</ul><p><a href=\"/search\">All designs</a></p></section>\n");
	page_end(b, rq->snap);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

static void
pager(struct weft_buf *b, const char *base, unsigned page, bool more)
{
	if (page == 0 && !more)
		return;
	add(b, "<nav class=\"pager\">");
	if (page > 0) {
		add(b, "<a rel=\"prev\" href=\"");
		add(b, base);
		weft_buf_printf(b, "page=%u\">Previous</a> ", page - 1);
	}
	if (more) {
		add(b, "<a rel=\"next\" href=\"");
		add(b, base);
		weft_buf_printf(b, "page=%u\">Next</a>", page + 1);
	}
	add(b, "</nav>\n");
}

static unsigned
query_page(const struct weft_web_req *rq)
{
	char		 s[16];
	unsigned long	 v;
	char		*end;

	if (weft_http_form_get(rq->query, rq->query_len, "page", s,
	    sizeof(s)) <= 0)
		return 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > 100000)
		return 0;
	return (unsigned)v;
}

static int
page_search(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	struct weft_buf	*b = &resp->body;
	struct weft_buf	 base;
	struct cards	 c;
	struct weft_store_query		f;
	struct weft_store_search_info	info;
	char		 q[256] = "", tag[WEFT_TAG_MAX + 1] = "", author[65] = "";
	uint8_t		 aid[32];
	unsigned	 page = query_page(rq);
	bool		 has_author = false;
	int		 err = 0;

	(void)weft_http_form_get(rq->query, rq->query_len, "q", q, sizeof(q));
	(void)weft_http_form_get(rq->query, rq->query_len, "tag", tag,
	    sizeof(tag));
	(void)weft_http_form_get(rq->query, rq->query_len, "author", author,
	    sizeof(author));
	if (q[0] == '\0' && tag[0] == '\0' && author[0] == '\0')
		page_begin(b, "All designs", NULL);
	else
		page_begin(b, q[0] != '\0' ? q : "Designs", q);
	add(b, "<h1>");
	if (q[0] != '\0') {
		add(b, "Designs matching \xe2\x80\x9c");
		weft_html_escs(b, q);
		add(b, "\xe2\x80\x9d");
	} else {
		add(b, "Designs");
	}
	if (tag[0] != '\0') {
		add(b, " tagged ");
		weft_html_escs(b, tag);
	}
	add(b, "</h1>\n<form class=\"filters\" action=\"/search\" "
	    "method=\"get\"><input name=\"q\" placeholder=\"words\" value=\"");
	weft_html_escs(b, q);
	add(b, "\"><input name=\"tag\" placeholder=\"tag\" value=\"");
	weft_html_escs(b, tag);
	add(b, "\"><input name=\"author\" placeholder=\"author id\" "
	    "value=\"");
	weft_html_escs(b, author);
	add(b, "\"><button>Filter</button></form>\n<ul class=\"cards\" "
	    "id=\"results\">\n");
	memset(&c, 0, sizeof(c));
	c.b = b;
	(void)weft__web_hidden_load(rq->store, &c.hidden);
	c.max = WEFT_WEB_PAGE_SIZE;
	c.skip = (size_t)page * WEFT_WEB_PAGE_SIZE;
	if (author[0] != '\0') {
		err = weft__web_author(rq->store, author, aid);
		has_author = err == 0;
	}
	if (author[0] != '\0' && !has_author) {
		add(b, "<li class=\"empty\">No such author.</li>\n");
		err = 0;
	} else if (q[0] != '\0') {
		/* One page (and one more to know if there is a next). */
		memset(&f, 0, sizeof(f));
		f.query = q;
		f.author = has_author ? aid : NULL;
		f.tag = tag[0] != '\0' ? tag : NULL;
		f.offset = c.skip;
		f.limit = c.max + 1;
		c.skip = 0;
		err = weft_store_search_page(rq->store, &f, &info, cards_cb,
		    &c);
		if (err == WEFT_EUSAGE) {
			add(b, "<li class=\"empty\">Search for words of two "
			    "letters or more.</li>\n");
			err = 0;
		}
	} else {
		err = weft_store_designs(rq->store, has_author ? aid : NULL,
		    tag[0] != '\0' ? tag : NULL, cards_cb, &c);
	}
	weft__web_hidden_free(&c.hidden);
	if (err == 1 || err == WEFT_ENOTFOUND)
		err = 0;
	if (c.n == 0 && err == 0)
		add(b, "<li class=\"empty\">Nothing found.</li>\n");
	add(b, "</ul>\n");
	weft_buf_init(&base, 1024);
	add(&base, "/search?");
	if (q[0] != '\0') {
		add(&base, "q=");
		weft_html_url_esc(&base, q, strlen(q));
		add(&base, "&amp;");
	}
	if (tag[0] != '\0') {
		add(&base, "tag=");
		weft_html_url_esc(&base, tag, strlen(tag));
		add(&base, "&amp;");
	}
	if (has_author) {
		add(&base, "author=");
		full_id(&base, aid);
		add(&base, "&amp;");
	}
	weft_buf_add(&base, "", 1);
	if (base.data != NULL)
		pager(b, (const char *)base.data, page, c.more);
	weft_buf_release(&base);
	page_end(b, rq->snap);
	return err;
}

/* The design page */

struct env_list {
	struct weft_buf		*envs;	/* each: u32 len || bytes */
	uint8_t			 (*ids)[32];
	size_t			 n, max;
};

static int
env_list_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct env_list	*l = arg;
	uint32_t	 n32 = (uint32_t)len;

	if (l->n == l->max)
		return 1;
	memcpy(l->ids[l->n], id, 32);
	if (weft_buf_add(l->envs, &n32, sizeof(n32)) != 0 ||
	    weft_buf_add(l->envs, data, len) != 0)
		return 1;
	l->n++;
	return 0;
}

/* The i-th envelope of a list, walking from the start. */
static void
env_at(const struct env_list *l, size_t i, const uint8_t **p, size_t *n)
{
	size_t		off = 0;
	uint32_t	n32;

	for (size_t k = 0;; k++) {
		memcpy(&n32, l->envs->data + off, sizeof(n32));
		if (k == i) {
			*p = l->envs->data + off + sizeof(n32);
			*n = n32;
			return;
		}
		off += sizeof(n32) + n32;
	}
}

static bool
previewable(const char *path)
{
	const char	*dot = strrchr(path, '.');

	return dot != NULL && (strcasecmp(dot, ".stl") == 0 ||
	    strcasecmp(dot, ".obj") == 0 || strcasecmp(dot, ".3mf") == 0);
}

static const char *
base_name(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/*
 * A button for an action (actions.c): a form POST carrying the session
 * token; only where actions are allowed (loopback, or logged in).
 */
static void
act_form(struct weft_buf *b, const struct weft_web_req *rq, const char *act,
    const uint8_t *id, const char *label)
{
	if (!rq->snap->writable)
		return;
	add(b, "<form class=\"act\" method=\"post\" action=\"/act/");
	add(b, act);
	add(b, "\"><input type=\"hidden\" name=\"token\" value=\"");
	add(b, rq->snap->token);
	add(b, "\"><input type=\"hidden\" name=\"id\" value=\"");
	if (id != NULL)
		full_id(b, id);
	else
		add(b, "all");
	add(b, "\"><button class=\"act-");
	add(b, act);
	add(b, "\">");
	add(b, label);
	add(b, "</button></form>\n");
}

/*
 * "Open in a slicer": a POST that mints a capability URL for this one
 * file (web.c) and sends the browser to the slicer's URL scheme. Bambu
 * Studio opens 3MF only; PrusaSlicer takes only its own sites' URLs,
 * so for it there is the download beside.
 */
static void
slicer_form(struct weft_buf *b, const struct weft_web_req *rq,
    const uint8_t head[32], uint32_t i, const char *name)
{
	const char	*dot = strrchr(name, '.');

	add(b, "<form class=\"slicer\" method=\"post\" "
	    "action=\"/act/handoff\"><input type=\"hidden\" name=\"token\" "
	    "value=\"");
	add(b, rq->snap->token);
	add(b, "\"><input type=\"hidden\" name=\"rev\" value=\"");
	full_id(b, head);
	weft_buf_printf(b, "\"><input type=\"hidden\" name=\"n\" "
	    "value=\"%u\"><input type=\"hidden\" name=\"name\" value=\"", i);
	weft_html_escs(b, name);
	add(b, "\"><select name=\"slicer\" aria-label=\"slicer\">"
	    "<option value=\"orca\">OrcaSlicer</option>");
	if (dot != NULL && strcasecmp(dot, ".3mf") == 0)
		add(b, "<option value=\"bambu\">Bambu Studio</option>");
	add(b, "<option value=\"cura\">Cura</option></select>"
	    "<button>Open</button></form>");
}

static void
design_files(struct weft_buf *b, const struct weft_web_req *rq,
    const uint8_t head[32], const struct weft_record *r)
{
	bool	preview = false;

	add(b, "<section><h2>Files</h2><p><a class=\"button\" "
	    "href=\"/zip/");
	full_id(b, head);
	add(b, "/design.zip\" download>Download all (zip)</a></p>\n"
	    "<table class=\"files\"><tr><th>File</th><th>Size</th><th></th>"
	    "</tr>\n");
	for (uint32_t i = 0; i < r->nfiles; i++) {
		const char	*name = base_name(r->files[i].path);

		add(b, "<tr><td class=\"path\">");
		weft_html_escs(b, r->files[i].path);
		add(b, "</td><td>");
		size_str(b, r->files[i].size);
		add(b, "</td><td><a href=\"/f/");
		full_id(b, head);
		weft_buf_printf(b, "/%u/", i);
		weft_html_url_esc(b, name, strlen(name));
		add(b, "\" download>Download</a>");
		if (previewable(r->files[i].path) && rq->snap->writable)
			slicer_form(b, rq, head, i, name);
		if (previewable(r->files[i].path)) {
			if (rq->snap->assets) {
				add(b, " <button class=\"view\" "
				    "data-src=\"/f/");
				full_id(b, head);
				weft_buf_printf(b, "/%u/", i);
				weft_html_url_esc(b, name, strlen(name));
				add(b, "\">3D view</button>");
			}
			preview = true;
		}
		add(b, "</td></tr>\n");
	}
	add(b, "</table>\n");
	if (preview && rq->snap->assets)
		add(b, "<div id=\"viewer\" class=\"viewer\" hidden></div>"
		    "<script type=\"module\" src=\"/assets/viewer.js\">"
		    "</script>\n");
	else if (preview)
		add(b, "<p class=\"note\">The 3D view is not installed on this "
		    "node (scripts/build-web).</p>\n");
	if (preview && rq->snap->writable)
		add(b, "<p class=\"note\">Open sends the slicer a link to that "
		    "one file, good for one download within a few minutes. "
		    "PrusaSlicer opens links of its own sites only: download "
		    "the file and open it there.</p>\n");
	add(b, "</section>\n");
}

/* One line for another design: a link with its title. */
static void
design_link(struct weft_buf *b, struct weft_store *store,
    const uint8_t design[32])
{
	struct weft_buf		 sb;
	struct weft_web_summary	 s;

	weft_buf_init(&sb, WEFT_RECORD_MAX);
	add(b, "<li><a href=\"/d/");
	full_id(b, design);
	add(b, "\">");
	if (weft_store_design_summary(store, design, &sb) == 0 &&
	    weft__web_summary_decode(sb.data, sb.len, &s) == 0)
		weft_html_escs(b, s.title);
	else
		short_id(b, design);
	add(b, "</a></li>\n");
	weft_buf_release(&sb);
}

static int
lib_id_cb(void *arg, const uint8_t id[32])
{
	struct env_list	*l = arg;

	if (l->n == l->max)
		return 1;
	memcpy(l->ids[l->n++], id, 32);
	return 0;
}

static void
design_tree(struct weft_buf *b, const struct weft_web_req *rq,
    const uint8_t design[32], const struct weft_record *head)
{
	struct weft_buf	 envs;
	struct env_list	 l;
	uint8_t		 d[32];

	add(b, "<section class=\"tree\"><h2>Remix tree</h2>\n");
	if (head->remix_of.n > 0) {
		add(b, "<h3>Remixed from</h3><ul class=\"sources\">\n");
		for (uint32_t i = 0; i < head->remix_of.n; i++) {
			if (weft_store_rev_design(rq->store,
			    head->remix_of.ids[i], d) == 0)
				design_link(b, rq->store, d);
		}
		add(b, "</ul>\n");
	}
	add(b, "<p class=\"this\">This design</p>\n");
	weft_buf_init(&envs, WEFT_WEB_PAGE_MAX);
	memset(&l, 0, sizeof(l));
	l.envs = &envs;
	l.max = REMIXES_SHOWN;
	l.ids = calloc(l.max, 32);
	if (l.ids != NULL) {
		(void)weft_store_design_remixes(rq->store, design, env_list_cb,
		    &l);
		if (l.n > 0) {
			add(b, "<h3>Remixes</h3><ul class=\"remixes\">\n");
			for (size_t i = 0; i < l.n; i++)
				design_link(b, rq->store, l.ids[i]);
			add(b, "</ul>\n");
		}
	}
	add(b, "</section>\n");
	free(l.ids);
	weft_buf_release(&envs);
}

static void
design_revs(struct weft_buf *b, const struct env_list *l)
{
	struct weft_record	 r;
	const uint8_t		*p, *body, *sig;
	size_t			 n, blen;

	add(b, "<section><h2>Revisions</h2><ol class=\"revs\" "
	    "reversed>\n");
	for (size_t i = l->n; i-- > 0;) {
		env_at(l, i, &p, &n);
		weft_record_init(&r);
		if (weft_record_open(p, n, &body, &blen, &sig) == 0 &&
		    weft_record_decode_body(body, blen, &r) == 0) {
			add(b, "<li><code>");
			short_id(b, l->ids[i]);
			add(b, "</code> ");
			date(b, r.ts);
			add(b, " ");
			weft_html_escs(b, r.message != NULL &&
			    r.message[0] != '\0' ? r.message :
			    r.title != NULL ? r.title : "");
			add(b, "</li>\n");
		}
		weft_record_release(&r);
	}
	add(b, "</ol></section>\n");
}

/* Comments and makes shown on a design page at most. */
#define COMMENTS_SHOWN	100
#define MAKES_SHOWN	50

/*
 * An author as a link: the display name of their latest profile (which
 * a stranger wrote: escaped) and always the key prefix, since names are
 * not unique.
 */
static void
who(struct weft_buf *b, struct weft_store *store, const uint8_t author[32])
{
	struct weft_buf		env;
	struct weft_record	r;

	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	add(b, "<a class=\"who\" href=\"/a/");
	full_id(b, author);
	add(b, "\">");
	if (weft_store_profile(store, author, &env) == 0 &&
	    weft_record_verify(env.data, env.len, &r, NULL) == 0 &&
	    r.name != NULL) {
		weft_html_escs(b, r.name);
		add(b, " ");
	}
	add(b, "<code>");
	short_id(b, author);
	add(b, "</code></a>");
	weft_record_release(&r);
	weft_buf_release(&env);
}

/* Decodes the i-th envelope of l into r (initialised here). */
static int
env_record(const struct env_list *l, size_t i, struct weft_record *r)
{
	const uint8_t	*p, *body, *sig;
	size_t		 n, blen;
	int		 err;

	weft_record_init(r);
	env_at(l, i, &p, &n);
	err = weft_record_open(p, n, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, r);
	return err;
}

/*
 * The comments, oldest first: an edit (a comment that replaces an
 * earlier one by the same author) is shown in its place, marked.
 */
static void
design_comments(struct weft_buf *b, const struct weft_web_req *rq,
    const struct env_list *l, const uint8_t design[32])
{
	struct weft_record	*v;
	int			*shown_by;
	bool			*hidden;
	size_t			 n = l->n;

	add(b, "<section class=\"comments\" id=\"comments\"><h2>Comments"
	    "</h2>\n");
	v = calloc(n ? n : 1, sizeof(*v));
	shown_by = calloc(n ? n : 1, sizeof(*shown_by));
	hidden = calloc(n ? n : 1, sizeof(*hidden));
	if (v == NULL || shown_by == NULL || hidden == NULL)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		shown_by[i] = -1;
		if (env_record(l, i, &v[i]) != 0)
			hidden[i] = true;
	}
	for (size_t i = 0; i < n; i++) {
		if (hidden[i] || v[i].replaces.n == 0)
			continue;
		for (size_t k = 0; k < n; k++)
			if (!hidden[k] && memcmp(l->ids[k],
			    v[i].replaces.ids[0], 32) == 0 &&
			    memcmp(v[k].author, v[i].author, 32) == 0) {
				shown_by[k] = (int)i;
				hidden[i] = true;
			}
	}
	if (l->n == 0)
		add(b, "<p class=\"none\">No comments yet.</p>\n");
	add(b, "<ol class=\"comment-list\">\n");
	for (size_t i = 0; i < n; i++) {
		const struct weft_record *t;

		if (hidden[i])
			continue;
		t = shown_by[i] >= 0 ? &v[shown_by[i]] : &v[i];
		add(b, "<li class=\"comment\"><p class=\"meta\">");
		who(b, rq->store, v[i].author);
		add(b, " &middot; ");
		date(b, v[i].ts);
		if (shown_by[i] >= 0)
			add(b, " &middot; edited");
		if (v[i].parent.n == 1) {
			add(b, " &middot; in reply to <code>");
			short_id(b, v[i].parent.ids[0]);
			add(b, "</code>");
		}
		add(b, "</p><div class=\"text\">");
		weft_html_text(b, t->text, strlen(t->text));
		add(b, "</div></li>\n");
	}
	add(b, "</ol>\n");
	/* A new comment, signed by this node's author (actions.c). */
	if (rq->snap->writable) {
		add(b, "<form class=\"comment-form\" method=\"post\" "
		    "action=\"/act/comment\"><input type=\"hidden\" "
		    "name=\"token\" value=\"");
		add(b, rq->snap->token);
		add(b, "\"><input type=\"hidden\" name=\"id\" value=\"");
		full_id(b, design);
		add(b, "\"><label for=\"comment-text\">Add a comment</label>"
		    "<textarea id=\"comment-text\" name=\"text\" rows=\"3\" "
		    "maxlength=\"8192\" required></textarea>"
		    "<button class=\"act-comment\">Comment</button></form>\n");
	}
	add(b, "</section>\n");
	for (size_t i = 0; v != NULL && i < l->n; i++)
		weft_record_release(&v[i]);
	free(v);
	free(shown_by);
	free(hidden);
}

/* The makes: who printed which revision, on what, and how it went. */
static void
design_makes(struct weft_buf *b, const struct weft_web_req *rq,
    const struct env_list *l)
{
	struct weft_record	r;

	add(b, "<section class=\"makes\" id=\"makes\"><h2>Makes</h2>\n");
	if (l->n == 0)
		add(b, "<p class=\"none\">Nobody has shown a print yet.</p>\n");
	add(b, "<ol class=\"make-list\">\n");
	for (size_t i = 0; i < l->n; i++) {
		if (env_record(l, i, &r) != 0 || r.type != WEFT_REC_MAKE) {
			weft_record_release(&r);
			continue;
		}
		add(b, "<li class=\"make\"><p class=\"meta\">");
		who(b, rq->store, r.author);
		add(b, " &middot; ");
		date(b, r.ts);
		add(b, " &middot; revision <code>");
		short_id(b, r.on_rev.ids[0]);
		add(b, "</code></p>");
		if (r.printer[0] != '\0' || r.material[0] != '\0') {
			add(b, "<p>");
			weft_html_escs(b, r.printer);
			if (r.printer[0] != '\0' && r.material[0] != '\0')
				add(b, ", ");
			weft_html_escs(b, r.material);
			add(b, "</p>");
		}
		if (r.text[0] != '\0') {
			add(b, "<div class=\"text\">");
			weft_html_text(b, r.text, strlen(r.text));
			add(b, "</div>");
		}
		add(b, "<p class=\"photos\">");
		for (uint32_t k = 0; k < r.nfiles; k++) {
			add(b, k ? ", " : "Photos: ");
			weft_html_escs(b, r.files[k].path);
		}
		add(b, "</p></li>\n");
		weft_record_release(&r);
	}
	add(b, "</ol></section>\n");
}

static int
page_design(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	struct weft_buf		*b = &resp->body;
	struct weft_buf		 sb, hb, envs;
	struct weft_web_summary	 s;
	struct weft_record	 r;
	struct env_list		 revs, libs, cmts;
	const uint8_t		*body, *sig;
	const char		*meaning;
	uint64_t		 likes, ncomments, nmakes;
	uint8_t			 id[32], design[32];
	char			 why[WEFT_REASON_MAX + 64];
	size_t			 blen;
	int			 err;

	weft_record_init(&r);
	weft_buf_init(&sb, WEFT_RECORD_MAX);
	weft_buf_init(&hb, WEFT_RECORD_MAX);
	weft_buf_init(&envs, WEFT_WEB_PAGE_MAX);
	memset(&revs, 0, sizeof(revs));
	memset(&libs, 0, sizeof(libs));
	memset(&cmts, 0, sizeof(cmts));
	err = weft__web_resolve(rq->store, rq->rt->arg, id);
	if (err == 0)
		err = weft_store_rev_design(rq->store, id, design);
	if (err == 0)
		err = weft_store_design_summary(rq->store, design, &sb);
	if (err == 0)
		err = weft__web_summary_decode(sb.data, sb.len, &s);
	if (err == 0)
		err = weft_store_record_get(rq->store, s.head, &hb);
	if (err == 0)
		err = weft_record_open(hb.data, hb.len, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, &r);
	if (err == WEFT_ENOTFOUND && weft__web_resolve(rq->store,
	    rq->rt->arg, id) == 0 && weft__web_gone(rq->store, id, why,
	    sizeof(why)) == 0) {
		/* Taken back: gone, and the page says why. */
		weft__web_error(resp, 410, why);
		err = 0;
		goto out;
	}
	if (err) {
		weft__web_error(resp, err == WEFT_EAMBIGUOUS ? 400 : 404,
		    err == WEFT_EAMBIGUOUS ? "that id prefix names several "
		    "records" : "no such design");
		err = 0;
		goto out;
	}
	page_begin(b, s.title, NULL);
	add(b, "<article class=\"design\"><h1 id=\"title\">");
	weft_html_escs(b, s.title);
	add(b, "</h1>\n");
	for (uint32_t i = 0; i < r.nfiles; i++) {
		size_t	pl = strlen(r.files[i].path);

		/* A 3MF may carry a thumbnail (thumb.c). */
		if (pl > 4 && strcasecmp(r.files[i].path + pl - 4,
		    ".3mf") == 0) {
			add(b, "<img class=\"thumb-big\" id=\"thumb\" "
			    "src=\"/thumb/");
			full_id(b, s.head);
			add(b, "\" alt=\"\" width=\"256\" height=\"256\">\n");
			break;
		}
	}
	add(b, "<dl class=\"facts\"><dt>Author</dt><dd>");
	who(b, rq->store, s.author);
	add(b, "</dd><dt>License</dt><dd>");
	weft_html_escs(b, s.license);
	if (s.conflict)
		add(b, " <strong class=\"conflict\">license conflict: its "
		    "parents do not allow this license</strong>");
	meaning = license_meaning(s.license);
	if (meaning != NULL) {
		add(b, " <span class=\"meaning\">(");
		add(b, meaning);
		add(b, ")</span>");
	}
	add(b, "</dd><dt>Updated</dt><dd>");
	date(b, s.updated);
	add(b, "</dd><dt>Design id</dt><dd><code>");
	full_id(b, s.design);
	add(b, "</code></dd>");
	if (s.ntags > 0) {
		add(b, "<dt>Tags</dt><dd class=\"tags\">");
		for (size_t i = 0; i < s.ntags; i++) {
			add(b, "<a class=\"tag\" href=\"/search?tag=");
			weft_html_url_esc(b, s.tags[i], strlen(s.tags[i]));
			add(b, "\">");
			weft_html_escs(b, s.tags[i]);
			add(b, "</a> ");
		}
		add(b, "</dd>");
	}
	if (weft_store_social_counts(rq->store, s.design, &likes, &ncomments,
	    &nmakes) == 0) {
		char	line[96];

		snprintf(line, sizeof(line), "%llu like%s &middot; %llu "
		    "comment%s &middot; %llu make%s",
		    (unsigned long long)likes, likes == 1 ? "" : "s",
		    (unsigned long long)ncomments, ncomments == 1 ? "" : "s",
		    (unsigned long long)nmakes, nmakes == 1 ? "" : "s");
		add(b, "<dt>People</dt><dd id=\"counts\">");
		add(b, line);
		add(b, "</dd>");
	}
	add(b, "</dl>\n<p class=\"actions\">");
	act_form(b, rq, "get", s.head, "Keep the files on this node");
	act_form(b, rq, "follow", s.author, "Follow the author");
	if (rq->snap->writable) {
		bool		mine = false;
		uint64_t	ts;

		if (weft_store_reaction(rq->store, s.design,
		    rq->snap->author, &mine, &ts) != 0)
			mine = false;
		act_form(b, rq, mine ? "unlike" : "like", s.design,
		    mine ? "Unlike" : "Like");
	}
	add(b, "</p>\n");
	if (r.description != NULL && r.description[0] != '\0') {
		add(b, "<section class=\"description\" id=\"description\">");
		weft_html_text(b, r.description, strlen(r.description));
		add(b, "</section>\n");
	}
	design_files(b, rq, s.head, &r);
	design_tree(b, rq, s.design, &r);

	revs.envs = &envs;
	revs.max = REVS_SHOWN;
	revs.ids = calloc(revs.max, 32);
	if (revs.ids != NULL && weft_store_design_revs(rq->store, s.design,
	    env_list_cb, &revs) >= 0)
		design_revs(b, &revs);

	libs.max = 64;
	libs.ids = calloc(libs.max, 32);
	if (libs.ids != NULL && weft_store_design_libs(rq->store, s.design,
	    lib_id_cb, &libs) >= 0 && libs.n > 0) {
		add(b, "<section><h2>In libraries</h2><ul>\n");
		for (size_t i = 0; i < libs.n; i++) {
			add(b, "<li><a href=\"/l/");
			full_id(b, libs.ids[i]);
			add(b, "\"><code>");
			short_id(b, libs.ids[i]);
			add(b, "</code></a></li>\n");
		}
		add(b, "</ul></section>\n");
	}
	weft_buf_reset(&envs);
	cmts.envs = &envs;
	cmts.max = COMMENTS_SHOWN;
	cmts.ids = calloc(cmts.max, 32);
	if (cmts.ids != NULL && weft_store_design_comments(rq->store,
	    s.design, env_list_cb, &cmts) >= 0)
		design_comments(b, rq, &cmts, s.design);
	free(cmts.ids);
	memset(&cmts, 0, sizeof(cmts));
	weft_buf_reset(&envs);
	cmts.envs = &envs;
	cmts.max = MAKES_SHOWN;
	cmts.ids = calloc(cmts.max, 32);
	if (cmts.ids != NULL && weft_store_design_makes(rq->store,
	    s.design, env_list_cb, &cmts) >= 0)
		design_makes(b, rq, &cmts);
	add(b, "</article>\n");
	page_end(b, rq->snap);
out:
	free(cmts.ids);
	free(revs.ids);
	free(libs.ids);
	weft_record_release(&r);
	weft_buf_release(&envs);
	weft_buf_release(&hb);
	weft_buf_release(&sb);
	return err;
}

static int
page_author(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	struct weft_buf	*b = &resp->body;
	struct cards	 c;
	uint8_t		 aid[32];
	int		 err;

	if (weft__web_author(rq->store, rq->rt->arg, aid) != 0) {
		weft__web_error(resp, 404, "no such author: give a key or a "
		    "unique prefix of 8 or more hex digits");
		return 0;
	}
	page_begin(b, "Author", NULL);
	add(b, "<h1>Designs by <code>");
	short_id(b, aid);
	add(b, "</code></h1><p class=\"note\">Author <code>");
	full_id(b, aid);
	add(b, "</code></p>\n");
	act_form(b, rq, "follow", aid, "Follow this author");
	add(b, "<ul class=\"cards\" id=\"results\">\n");
	memset(&c, 0, sizeof(c));
	c.b = b;
	(void)weft__web_hidden_load(rq->store, &c.hidden);
	c.max = 1000;
	err = weft_store_designs(rq->store, aid, NULL, cards_cb, &c);
	weft__web_hidden_free(&c.hidden);
	if (c.n == 0)
		add(b, "<li class=\"empty\">No designs by this author here."
		    "</li>\n");
	add(b, "</ul>\n");
	page_end(b, rq->snap);
	return err == 1 || err == WEFT_ENOTFOUND ? 0 : err;
}

static int
page_library(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	struct weft_buf		*b = &resp->body;
	struct weft_buf		 lb;
	struct weft_record	 r;
	struct cards		 c;
	const uint8_t		*body, *sig;
	uint8_t			 id[32];
	size_t			 blen;
	int			 err;

	weft_record_init(&r);
	weft_buf_init(&lb, WEFT_RECORD_MAX);
	err = weft__web_resolve(rq->store, rq->rt->arg, id);
	if (err == 0)
		err = weft_store_record_get(rq->store, id, &lb);
	if (err == 0)
		err = weft_record_open(lb.data, lb.len, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, &r);
	if (err == 0 && r.type != WEFT_REC_LIB)
		err = WEFT_ENOTFOUND;
	if (err) {
		weft__web_error(resp, 404, "no such library");
		err = 0;
		goto out;
	}
	page_begin(b, r.name != NULL ? r.name : "Library", NULL);
	add(b, "<h1>");
	weft_html_escs(b, r.name != NULL ? r.name : "");
	add(b, "</h1><p class=\"note\">Library <code>");
	full_id(b, id);
	add(b, "</code></p>\n");
	act_form(b, rq, "mirror", id, "Mirror this library");
	add(b, "<ul class=\"cards\" id=\"results\">\n");
	memset(&c, 0, sizeof(c));
	c.b = b;
	(void)weft__web_hidden_load(rq->store, &c.hidden);
	c.max = 1000;
	err = weft_store_lib_designs(rq->store, id, cards_cb, &c);
	weft__web_hidden_free(&c.hidden);
	if (c.n == 0)
		add(b, "<li class=\"empty\">This library is empty.</li>\n");
	add(b, "</ul>\n");
	page_end(b, rq->snap);
	if (err == 1 || err == WEFT_ENOTFOUND)
		err = 0;
out:
	weft_record_release(&r);
	weft_buf_release(&lb);
	return err;
}

static int
page_status(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	const struct weft_web_snap	*sn = rq->snap;
	struct weft_buf			*b = &resp->body;
	struct weft_store_stats		 st;

	if (weft_store_stats(rq->store, &st) != 0)
		memset(&st, 0, sizeof(st));
	page_begin(b, "Status", NULL);
	add(b, "<h1>Status</h1>\n<dl class=\"facts\" id=\"status\">"
	    "<dt>Node</dt><dd><code>");
	full_id(b, sn->node);
	add(b, "</code></dd><dt>Author</dt><dd><a href=\"/a/");
	full_id(b, sn->author);
	add(b, "\"><code>");
	full_id(b, sn->author);
	add(b, "</code></a></dd><dt>Version</dt><dd>" WEFT_VERSION_STRING
	    "</dd><dt>Peer address</dt><dd>");
	weft_html_escs(b, sn->listen[0] != '\0' ? sn->listen :
	    "not listening");
	add(b, "</dd><dt>Web UI</dt><dd>");
	weft_html_escs(b, sn->web);
	weft_buf_printf(b, "</dd><dt>Designs</dt><dd>%" PRIu64 "</dd>"
	    "<dt>Libraries</dt><dd>%" PRIu64 "</dd>"
	    "<dt>Records</dt><dd>%" PRIu64 "</dd>"
	    "<dt>Stored file data</dt><dd>", st.designs, st.libs, st.records);
	size_str(b, st.chunk_bytes);
	weft_buf_printf(b, "</dd><dt>Uptime</dt><dd>%" PRIu64 " s</dd></dl>\n",
	    sn->uptime_ms / 1000);
	weft_buf_printf(b, "<h2>Peers</h2><p>%u open (%u in, %u out)</p>\n",
	    sn->peers_open, sn->conns_in, sn->conns_out);
	add(b, "<table class=\"peers\" id=\"peers\"><tr><th>Node</th>"
	    "<th>Address</th><th>Direction</th><th>State</th></tr>\n");
	for (size_t i = 0; i < sn->npeers; i++) {
		add(b, "<tr><td><code>");
		short_id(b, sn->peers[i].node);
		add(b, "</code></td><td>");
		weft_html_escs(b, sn->peers[i].addr);
		add(b, "</td><td>");
		add(b, sn->peers[i].out ? "out" : "in");
		add(b, "</td><td>");
		weft_html_escs(b, sn->peers[i].state);
		add(b, "</td></tr>\n");
	}
	add(b, "</table>\n");
	page_end(b, rq->snap);
	return 0;
}

/*
 * The login form of a non-loopback UI (web.c checks the password): a
 * plain POST, its Origin checked; ?failed=1 after a wrong one.
 */
static int
page_login(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	const struct weft_web_snap	*sn = rq->snap;
	struct weft_buf			*b = &resp->body;
	char				 f[4];

	page_begin(b, "Log in", NULL);
	add(b, "<h1>Log in</h1>\n");
	if (sn->loopback)
		add(b, "<p>No login here: on a loopback address these pages "
		    "act without one.</p>\n");
	else if (!sn->can_login)
		add(b, "<p>This web UI is read-only: no <code>web-password"
		    "</code> is set on this node.</p>\n");
	else if (sn->session)
		add(b, "<p>You are logged in.</p>\n");
	else {
		if (weft_http_form_get(rq->query, rq->query_len, "failed",
		    f, sizeof(f)) > 0)
			add(b, "<p class=\"error\" id=\"login-failed\">"
			    "Wrong password.</p>\n");
		add(b, "<form method=\"post\" action=\"/login\" "
		    "id=\"login-form\"><label>Password <input "
		    "type=\"password\" name=\"password\" "
		    "autocomplete=\"current-password\" maxlength=\"256\" "
		    "required autofocus></label> <button>Log in</button>"
		    "</form>\n<p>A login lasts 12 hours in this browser. "
		    "The password crosses the network as typed: use this "
		    "on a network you trust, or behind a TLS proxy.</p>\n");
	}
	page_end(b, sn);
	return 0;
}

void
weft__web_error(struct weft_web_resp *resp, int status, const char *msg)
{
	struct weft_buf	*b = &resp->body;

	weft_buf_reset(b);
	resp->status = status;
	resp->ctype = "text/html; charset=utf-8";
	add(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Error \xe2\x80\x94 weft</title><link rel=\"stylesheet\" "
	    "href=\"/static/style.css\"></head><body><header><a "
	    "class=\"brand\" href=\"/\">weft</a></header><main><h1>");
	weft_buf_printf(b, "%d", status);
	add(b, "</h1><p class=\"error\">");
	weft_html_escs(b, msg);
	add(b, "</p></main></body></html>\n");
}

int
weft__web_page(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	int	err;

	resp->ctype = "text/html; charset=utf-8";
	switch (rq->rt->kind) {
	case WEFT_ROUTE_HOME:
		err = page_home(rq, resp);
		break;
	case WEFT_ROUTE_SEARCH:
		err = page_search(rq, resp);
		break;
	case WEFT_ROUTE_DESIGN:
		err = page_design(rq, resp);
		break;
	case WEFT_ROUTE_AUTHOR:
		err = page_author(rq, resp);
		break;
	case WEFT_ROUTE_LIBRARY:
		err = page_library(rq, resp);
		break;
	case WEFT_ROUTE_STATUS:
		err = page_status(rq, resp);
		break;
	case WEFT_ROUTE_LOGIN:
		err = page_login(rq, resp);
		break;
	default:
		weft__web_error(resp, 404, "no such page");
		return 0;
	}
	/* A page over the cap, or a store error: say so, never half a page. */
	if (err == 0 && resp->body.len + 64 >= WEFT_WEB_PAGE_MAX)
		err = WEFT_ETOOBIG;
	return err;
}
