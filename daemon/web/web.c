/*
 * The web server (web.h): libuv TCP on the daemon's loop, one request per
 * connection (Connection: close), every request checked (Host, then for
 * POST the Origin and the session token) before it is routed. Rendering
 * runs on the thread pool; streamed downloads read one chunk at a time on
 * the loop and queue the next only while the socket's write queue is
 * below WEB_WQ_MAX, so a slow client holds at most that much of a file.
 */
#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"

#include "html.h"
#include "fetch.h"
#include "log.h"
#include "net.h"
#include "peer.h"
#include "sync.h"
#include "web_impl.h"

#define WEB_CONNS_MAX		64		/* open at once */
#define WEB_READ_MAX		(16 * 1024)	/* one read's buffer */
#define WEB_WQ_MAX		(1024 * 1024)	/* queued to one socket */
#define WEB_PIECE_MAX		(512 * 1024)	/* one write of a download */
#define WEB_REQ_TIMEOUT_MS	10000		/* to send a request */
#define WEB_IDLE_TIMEOUT_MS	60000		/* a stalled download */
#define WEB_HANDOFFS_MAX	64		/* capability URLs alive */
#define WEB_HANDOFF_MS		(10 * 60 * 1000)	/* their life */
#define WEB_SESSIONS_MAX	16		/* browsers logged in */
#define WEB_SESSION_MS		(12 * 3600 * 1000)	/* a login's life */
#define WEB_PASSWORD_MAX	256		/* bytes of a password */
#define WEB_COOKIE		"weft_session"

/*
 * A capability URL for a slicer (/h/TOKEN/NAME): slicers send no cookie
 * and no token of ours, so the URL itself is the permission, for one
 * file and a few minutes.
 */
struct web_handoff {
	char		token[WEFT_WEB_TOKEN_HEX + 1];	/* "" = free */
	char		rev[65];
	uint32_t	n;
	uint64_t	expires;	/* loop time */
};

/*
 * A browser logged in to a non-loopback UI (web-password): its cookie is
 * 256 random bits; only their BLAKE2b hash is kept, compared in constant
 * time.
 */
struct web_session {
	uint8_t		hash[32];
	uint64_t	expires;	/* loop time; 0 = free */
};

struct web_conn;
TAILQ_HEAD(web_conns, web_conn);

struct weft_web {
	uv_loop_t		*loop;
	struct weft_web_env	 env;
	uv_tcp_t		 tcp;
	bool			 listening;
	bool			 stopping;
	unsigned		 refs;		/* listener + connections */
	char			 addr[WEFT_WEB_ADDR_MAX];
	char			 hosts[3][WEFT_WEB_ADDR_MAX + 16];
	size_t			 nhosts;
	bool			 loopback;
	char			 token[WEFT_WEB_TOKEN_HEX + 1];
	struct web_conns	 conns;
	unsigned		 nconns;
	uint64_t		 refused;
	struct web_handoff	 handoffs[WEB_HANDOFFS_MAX];
	char			 password[128];	/* a pwhash, or "" */
	struct web_session	 sessions[WEB_SESSIONS_MAX];
	bool			 login_busy;	/* one check at a time */
};

struct web_conn {
	TAILQ_ENTRY(web_conn)	 entry;
	struct weft_web		*w;
	uv_tcp_t		 tcp;
	uv_timer_t		 timer;
	uv_work_t		 work;
	unsigned		 refs;		/* tcp, timer */
	bool			 closing;
	bool			 busy;		/* work queued */
	bool			 head_only;
	struct weft_http_req	 req;
	struct weft_web_route	 rt;
	struct weft_web_snap	 snap;
	struct weft_web_resp	 resp;
	int			 render_err;
	size_t			 wq;		/* bytes queued */
	bool			 streaming;
	bool			 last_queued;	/* nothing more to write */
	bool			 authed;	/* may act (loopback, login) */
	bool			 session;	/* logged in, not loopback */
	bool			 login;		/* checking a password */
	bool			 login_ok;
	char			*password;	/* the one to check */
};

struct web_write {
	uv_write_t		 req;
	struct web_conn		*c;
	uint8_t			*data;
	size_t			 len;
};

static void	conn_close(struct web_conn *);
static void	stream_pump(struct web_conn *);
static void	timer_cb(uv_timer_t *);
static void	render_work(uv_work_t *);
static void	render_done(uv_work_t *, int);

static void
web_unref(struct weft_web *w)
{
	if (--w->refs == 0)
		free(w);
}

static void
conn_closed_cb(uv_handle_t *h)
{
	struct web_conn	*c = h->data;
	struct weft_web	*w = c->w;

	if (--c->refs > 0)
		return;
	if (c->busy)
		return;		/* after_work frees it */
	weft__web_resp_release(&c->resp);
	free(c->password);
	free(c);
	web_unref(w);
}

static void
conn_close(struct web_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	TAILQ_REMOVE(&c->w->conns, c, entry);
	c->w->nconns--;
	uv_close((uv_handle_t *)&c->timer, conn_closed_cb);
	uv_close((uv_handle_t *)&c->tcp, conn_closed_cb);
}

static void
write_cb(uv_write_t *req, int status)
{
	struct web_write	*wr = req->data;
	struct web_conn		*c = wr->c;

	c->wq -= wr->len;
	free(wr->data);
	free(wr);
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	if (c->streaming && !c->last_queued) {
		uv_timer_again(&c->timer);
		stream_pump(c);
		return;
	}
	if (c->last_queued && c->wq == 0)
		conn_close(c);
}

/* Queues p[0..n) (taken: freed when written). */
static int
conn_write(struct web_conn *c, uint8_t *p, size_t n)
{
	struct web_write	*wr;
	uv_buf_t		 b;
	int			 err;

	wr = calloc(1, sizeof(*wr));
	if (wr == NULL) {
		free(p);
		return -ENOMEM;
	}
	wr->c = c;
	wr->data = p;
	wr->len = n;
	wr->req.data = wr;
	b = uv_buf_init((char *)p, (unsigned)n);
	err = uv_write(&wr->req, (uv_stream_t *)&c->tcp, &b, 1, write_cb);
	if (err) {
		free(p);
		free(wr);
		return err;
	}
	c->wq += n;
	return 0;
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 302: return "Found";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 421: return "Misdirected Request";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/*
 * The headers every reply carries: no inline script anywhere, no framing,
 * no sniffing, no referrer leaving the node.
 */
#define CSP	"default-src 'none'; script-src 'self'; style-src 'self'; " \
		"img-src 'self' data:; connect-src 'self'; " \
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static int
head_build(struct web_conn *c, struct weft_buf *h)
{
	struct weft_web_resp	*r = &c->resp;
	uint64_t		 len;
	int			 err;

	len = r->stream != NULL ? r->length : r->body.len;
	err = weft_buf_printf(h, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %" PRIu64 "\r\n"
	    "Connection: close\r\n"
	    "Content-Security-Policy: " CSP "\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n"
	    "Cache-Control: %s%" PRIu32 "\r\n",
	    r->status, status_text(r->status),
	    r->ctype != NULL ? r->ctype : "text/plain; charset=utf-8", len,
	    r->nocache ? "no-store" : "max-age=",
	    r->nocache ? 0 : r->max_age > 0 ? r->max_age : 3600);
	if (err == 0 && r->filename[0] != '\0')
		err = weft_buf_printf(h, "Content-Disposition: attachment; "
		    "filename=\"%s\"\r\n", r->filename);
	if (err == 0 && r->location[0] != '\0')
		err = weft_buf_printf(h, "Location: %s\r\n", r->location);
	if (err == 0 && r->cookie[0] != '\0')
		err = weft_buf_printf(h, "Set-Cookie: %s\r\n", r->cookie);
	if (err == 0)
		err = weft_buf_add(h, "\r\n", 2);
	return err;
}

/* Sends c->resp: headers, then the body or the first pieces of a stream. */
static void
resp_send(struct web_conn *c)
{
	struct weft_buf	 h;
	uint8_t		*p;
	size_t		 n;
	int		 err;

	weft_buf_init(&h, 8192 + c->resp.body.len);
	err = head_build(c, &h);
	if (err == 0 && !c->head_only && c->resp.stream == NULL)
		err = weft_buf_add(&h, c->resp.body.data, c->resp.body.len);
	if (err) {
		weft_buf_release(&h);
		conn_close(c);
		return;
	}
	p = weft_buf_detach(&h, &n);
	if (c->resp.stream == NULL || c->head_only)
		c->last_queued = true;
	err = conn_write(c, p, n);
	if (err) {
		conn_close(c);
		return;
	}
	if (!c->last_queued) {
		c->streaming = true;
		stream_pump(c);
	}
}

static void
stream_pump(struct web_conn *c)
{
	struct weft_buf	 b;
	uint8_t		*p;
	size_t		 n;
	int		 rc;

	while (!c->closing && !c->last_queued && c->wq < WEB_WQ_MAX) {
		/* Pieces of a few chunks: fewer writes, fewer allocations. */
		weft_buf_init(&b, WEB_PIECE_MAX + 2 * WEFT_CHUNK_MAX);
		/* At once: growing by doubling copied each piece twice. */
		if (weft_buf_reserve(&b, WEB_PIECE_MAX + WEFT_CHUNK_MAX)) {
			weft_buf_release(&b);
			conn_close(c);
			return;
		}
		do {
			rc = weft__web_stream_next(c->resp.stream,
			    c->w->env.store, &b);
		} while (rc == 1 && b.len < WEB_PIECE_MAX);
		if (rc < 0) {
			/* Headers are gone: all we can do is cut it short. */
			log_warnc(rc, "web: a download stopped");
			weft_buf_release(&b);
			conn_close(c);
			return;
		}
		if (rc == 0)
			c->last_queued = true;
		if (b.len == 0) {
			weft_buf_release(&b);
			if (c->last_queued && c->wq == 0)
				conn_close(c);
			continue;
		}
		p = weft_buf_detach(&b, &n);
		if (conn_write(c, p, n) != 0) {
			conn_close(c);
			return;
		}
	}
}

static void
send_error(struct web_conn *c, int status, const char *msg)
{
	weft__web_resp_release(&c->resp);
	weft__web_resp_init(&c->resp);
	weft__web_error(&c->resp, status, msg);
	resp_send(c);
}

/* Copies the net's state for the renderers; on the loop. */
static void
snap_fill(struct weft_web *w, const struct web_conn *c,
    struct weft_web_snap *s)
{
	struct weft_net		*n = w->env.net;
	struct weft_peer	*p;

	memset(s, 0, sizeof(*s));
	memcpy(s->node, w->env.node, 32);
	memcpy(s->author, w->env.author, 32);
	s->uptime_ms = uv_now(w->loop) - w->env.started_ms;
	snprintf(s->web, sizeof(s->web), "%s", w->addr);
	s->assets = w->env.assets != NULL;
	s->writable = c->authed;
	s->loopback = w->loopback;
	s->session = c->session;
	s->can_login = !w->loopback && w->password[0] != '\0';
	memcpy(s->token, w->token, sizeof(s->token));
	if (n == NULL)
		return;
	snprintf(s->listen, sizeof(s->listen), "%.63s", n->listen);
	s->peers_open = n->peers.nopen;
	s->conns_in = n->peers.nin;
	s->conns_out = n->peers.nout;
	TAILQ_FOREACH(p, &n->peers.all, entry) {
		struct weft_web_peer	*q;

		if (!p->has_node || p->closing)
			continue;
		if (s->npeers == WEFT_WEB_PEERS_SHOWN)
			break;
		q = &s->peers[s->npeers++];
		memcpy(q->node, p->node, 32);
		snprintf(q->addr, sizeof(q->addr), "%.63s", p->addr);
		q->out = p->dir == WEFT_PEER_OUT;
		snprintf(q->state, sizeof(q->state), "%s",
		    weft_peer_state(p));
	}
}

/* Forgets the password a login carried; idempotent. */
static void
login_end(struct web_conn *c)
{
	if (c->password != NULL) {
		sodium_memzero(c->password, strlen(c->password));
		free(c->password);
		c->password = NULL;
	}
	if (c->login)
		c->w->login_busy = false;
	c->login = false;
}

/* The session whose cookie this request carries, or NULL. */
static struct web_session *
session_find(struct web_conn *c)
{
	struct weft_web	*w = c->w;
	char		 v[80];
	uint8_t		 h[32];
	uint64_t	 now = uv_now(w->loop);

	if (w->password[0] == '\0' || weft_http_cookie_get(c->req.cookie,
	    WEB_COOKIE, v, sizeof(v)) != 64)
		return NULL;
	crypto_generichash(h, sizeof(h), (const uint8_t *)v, 64, NULL, 0);
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session	*s = &w->sessions[i];

		if (s->expires > now && sodium_memcmp(s->hash, h, 32) == 0)
			return s;
	}
	return NULL;
}

/*
 * After the password check (on the pool): a new session and its cookie,
 * or back to the form. A full table drops the session nearest its end.
 */
static void
login_finish(struct web_conn *c)
{
	struct weft_web		*w = c->w;
	struct web_session	*s = &w->sessions[0];
	uint8_t			 rnd[32];
	char			 v[65];
	uint64_t		 now = uv_now(w->loop);

	weft__web_resp_release(&c->resp);
	weft__web_resp_init(&c->resp);
	c->resp.status = 303;
	if (!c->login_ok) {
		log_warnx("web: a login with a wrong password");
		snprintf(c->resp.location, sizeof(c->resp.location),
		    "/login?failed=1");
		resp_send(c);
		return;
	}
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		if (w->sessions[i].expires <= now) {
			s = &w->sessions[i];
			break;
		}
		if (w->sessions[i].expires < s->expires)
			s = &w->sessions[i];
	}
	randombytes_buf(rnd, sizeof(rnd));
	weft_hex_encode(v, rnd, sizeof(rnd));
	crypto_generichash(s->hash, sizeof(s->hash), (const uint8_t *)v, 64,
	    NULL, 0);
	s->expires = now + WEB_SESSION_MS;
	sodium_memzero(rnd, sizeof(rnd));
	snprintf(c->resp.cookie, sizeof(c->resp.cookie), WEB_COOKIE "=%s; "
	    "Path=/; Max-Age=%d; HttpOnly; SameSite=Strict", v,
	    WEB_SESSION_MS / 1000);
	sodium_memzero(v, sizeof(v));
	snprintf(c->resp.location, sizeof(c->resp.location), "/");
	log_info("web: a browser logged in");
	resp_send(c);
}

/*
 * POST /login (Origin checked): queues the password check on the pool,
 * one at a time, so a guesser gets a few tries a second at most.
 */
static void
login_start(struct web_conn *c)
{
	struct weft_web	*w = c->w;
	char		*pw;
	int		 n, err;

	if (w->loopback || w->password[0] == '\0') {
		send_error(c, 403, w->loopback ? "no login here: on this "
		    "address the pages act without one" : "no web-password "
		    "is set: this web UI is read-only");
		return;
	}
	if (w->login_busy) {
		send_error(c, 503, "another login is being checked; try "
		    "again");
		return;
	}
	pw = malloc(WEB_PASSWORD_MAX + 1);
	if (pw == NULL) {
		send_error(c, 503, "busy");
		return;
	}
	n = weft_http_form_get((const char *)c->req.body, c->req.body_len,
	    "password", pw, WEB_PASSWORD_MAX + 1);
	if (n <= 0) {
		free(pw);
		send_error(c, 400, "the form has no password (or one over "
		    "256 bytes)");
		return;
	}
	c->password = pw;
	c->login = true;
	c->login_ok = false;
	w->login_busy = true;
	c->work.data = c;
	err = uv_queue_work(w->loop, &c->work, render_work, render_done);
	if (err) {
		login_end(c);
		send_error(c, 503, "busy");
		return;
	}
	c->busy = true;
}

/* POST /logout (token checked): the session ends, the cookie too. */
static void
logout(struct web_conn *c)
{
	struct web_session	*s = session_find(c);

	if (s != NULL)
		memset(s, 0, sizeof(*s));
	weft__web_resp_release(&c->resp);
	weft__web_resp_init(&c->resp);
	c->resp.status = 303;
	snprintf(c->resp.cookie, sizeof(c->resp.cookie), WEB_COOKIE "=; "
	    "Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	snprintf(c->resp.location, sizeof(c->resp.location), "/");
	resp_send(c);
}

static void
render_work(uv_work_t *req)
{
	struct web_conn		*c = req->data;
	struct weft_web_req	 rq;
	const char		*path;
	size_t			 plen;

	memset(&rq, 0, sizeof(rq));
	rq.store = c->w->env.store;
	rq.snap = &c->snap;
	rq.rt = &c->rt;
	rq.assets = c->w->env.assets;
	rq.body = c->req.body;
	rq.body_len = c->req.body_len;
	rq.ctl = c->w->env.ctl;
	weft_http_req_path(&c->req, &path, &plen, &rq.query, &rq.query_len);
	if (c->login) {
		/* Argon2id takes a while and memory: never on the loop. */
		c->login_ok = crypto_pwhash_str_verify(c->w->password,
		    c->password, strlen(c->password)) == 0;
		return;
	}
	switch (c->rt.kind) {
	case WEFT_ROUTE_API_STATUS:
	case WEFT_ROUTE_API_DESIGNS:
	case WEFT_ROUTE_API_SEARCH:
	case WEFT_ROUTE_API_DESIGN:
	case WEFT_ROUTE_API_LIBRARY:
	case WEFT_ROUTE_API_PEERS:
		c->render_err = weft__web_api(&rq, &c->resp);
		break;
	case WEFT_ROUTE_THUMB:
		c->render_err = weft__web_thumb(&rq, &c->resp);
		break;
	case WEFT_ROUTE_FILE:
	case WEFT_ROUTE_ZIP:
		c->render_err = weft__web_download(&rq, &c->resp);
		break;
	case WEFT_ROUTE_ACTION:
		c->render_err = weft__web_action(&rq, &c->resp);
		break;
	case WEFT_ROUTE_ASSET:
		c->render_err = weft__web_asset(rq.assets, c->rt.arg,
		    &c->resp);
		if (c->render_err == WEFT_ENOTFOUND) {
			weft__web_error(&c->resp, 404, "no such file");
			c->render_err = 0;
		}
		break;
	default:
		c->render_err = weft__web_page(&rq, &c->resp);
		break;
	}
}

static void
render_done(uv_work_t *req, int status)
{
	struct web_conn	*c = req->data;

	bool		 login = c->login;

	c->busy = false;
	login_end(c);
	if (login && !c->closing && status == 0) {
		login_finish(c);
		return;
	}
	if (c->closing) {
		if (c->refs == 0) {
			struct weft_web	*w = c->w;

			weft__web_resp_release(&c->resp);
			login_end(c);
			free(c);
			web_unref(w);
		}
		return;
	}
	if (status != 0 || c->render_err < 0) {
		send_error(c, 500, "the page could not be made");
		return;
	}
	if (c->resp.stored && c->w->env.sync != NULL)
		/* As ctl's weft__put_reply: a record of ours, to peers. */
		weft_sync_local_record(c->w->env.sync, c->resp.record_id,
		    c->resp.record.data, c->resp.record.len);
	if (c->resp.poke) {
		/* As ctl/ops_policy.c: fetch what is now wanted, now. */
		if (c->w->env.fetch != NULL)
			weft_fetch_wanted(c->w->env.fetch, uv_now(c->w->loop));
		if (c->w->env.sync != NULL)
			weft_sync_interests_changed(c->w->env.sync,
			    uv_now(c->w->loop));
	}
	resp_send(c);
}

/* The slicers' URL schemes (docs/proto/web.md, "Slicers"). */
static const char *
slicer_scheme(const char *name)
{
	if (strcmp(name, "orca") == 0)
		return "orcaslicer://open?file=";
	if (strcmp(name, "bambu") == 0)
		return "bambustudio://open?file=";
	if (strcmp(name, "cura") == 0)
		return "cura://open?file=";
	return NULL;
}

/*
 * POST /act/handoff (checked already): mints a capability URL for file n
 * of rev and sends the browser to the slicer's scheme with it.
 */
static void
handoff_mint(struct web_conn *c)
{
	struct weft_web		*w = c->w;
	struct web_handoff	*h = NULL, *oldest = &w->handoffs[0];
	const char		*body = (const char *)c->req.body, *scheme;
	char			 rev[80], n[16], slicer[16], name[128];
	char			 url[512];
	uint8_t			 rnd[WEFT_WEB_TOKEN_HEX / 2];
	uint64_t		 now = uv_now(w->loop);
	struct weft_buf		 loc;
	char			*end;
	unsigned long		 v;

	if (weft_http_form_get(body, c->req.body_len, "rev", rev,
	    sizeof(rev)) != 64 || weft_http_form_get(body, c->req.body_len,
	    "n", n, sizeof(n)) <= 0 || weft_http_form_get(body,
	    c->req.body_len, "slicer", slicer, sizeof(slicer)) <= 0 ||
	    weft_http_form_get(body, c->req.body_len, "name", name,
	    sizeof(name)) <= 0 || (scheme = slicer_scheme(slicer)) == NULL) {
		send_error(c, 400, "a handoff names rev, n, name and slicer");
		return;
	}
	for (size_t i = 0; i < 64; i++)
		if (weft_hex_digit(rev[i]) < 0) {
			send_error(c, 400, "rev is 64 hex characters");
			return;
		}
	v = strtoul(n, &end, 10);
	if (*end != '\0' || v > UINT32_MAX) {
		send_error(c, 400, "n is a file's number");
		return;
	}
	for (size_t i = 0; i < WEB_HANDOFFS_MAX; i++) {
		struct web_handoff	*e = &w->handoffs[i];

		if (e->token[0] == '\0' || e->expires <= now) {
			h = e;
			break;
		}
		if (e->expires < oldest->expires)
			oldest = e;
	}
	if (h == NULL)
		h = oldest;
	randombytes_buf(rnd, sizeof(rnd));
	weft_hex_encode(h->token, rnd, sizeof(rnd));
	memcpy(h->rev, rev, 65);
	h->n = (uint32_t)v;
	h->expires = now + (w->env.link_ms > 0 ? w->env.link_ms :
	    WEB_HANDOFF_MS);

	/* The file's URL, percent-encoded once as the file= value. */
	weft_buf_init(&loc, sizeof(c->resp.location) - 1);
	snprintf(url, sizeof(url), "http://%s/h/%s/", w->addr, h->token);
	weft_buf_printf(&loc, "%s", scheme);
	{
		struct weft_buf	u;

		weft_buf_init(&u, sizeof(url) + 3 * sizeof(name));
		weft_buf_printf(&u, "%s", url);
		weft_html_url_esc(&u, name, strlen(name));
		if (weft_html_url_esc(&loc, (const char *)u.data, u.len) != 0) {
			weft_buf_release(&u);
			weft_buf_release(&loc);
			send_error(c, 400, "the file name is too long");
			return;
		}
		weft_buf_release(&u);
	}
	weft__web_resp_release(&c->resp);
	weft__web_resp_init(&c->resp);
	c->resp.status = 303;
	memcpy(c->resp.location, loc.data, loc.len);
	c->resp.location[loc.len] = '\0';
	weft_buf_release(&loc);
	resp_send(c);
}

/* GET /h/TOKEN/NAME: the file, if the token is alive; else 404. */
static bool
handoff_find(struct web_conn *c)
{
	struct weft_web	*w = c->w;
	uint64_t	 now = uv_now(w->loop);

	for (size_t i = 0; i < WEB_HANDOFFS_MAX; i++) {
		struct web_handoff	*e = &w->handoffs[i];

		if (e->token[0] == '\0' || e->expires <= now ||
		    !weft_http_token_ok(c->rt.arg, e->token))
			continue;
		c->rt.kind = WEFT_ROUTE_FILE;
		memcpy(c->rt.arg, e->rev, 65);
		c->rt.n = e->n;
		/*
		 * One use: a GET spends it (a HEAD does not, so a slicer
		 * may look before it fetches).
		 */
		if (c->req.method == WEFT_HTTP_GET)
			e->token[0] = '\0';
		return true;
	}
	return false;
}

/* Answers a complete request. */
static void
conn_dispatch(struct web_conn *c)
{
	struct weft_web	*w = c->w;
	const char	*path, *query, *hosts[3];
	size_t		 plen, qlen;
	int		 err;

	uv_read_stop((uv_stream_t *)&c->tcp);
	/* From now on the timer only catches a stalled client. */
	uv_timer_start(&c->timer, timer_cb, WEB_IDLE_TIMEOUT_MS,
	    WEB_IDLE_TIMEOUT_MS);
	weft__web_resp_init(&c->resp);
	/* DNS rebinding: only our own names for this address. */
	for (size_t i = 0; i < w->nhosts; i++)
		hosts[i] = w->hosts[i];
	if (c->req.nhosts != 1 ||
	    !weft_http_host_ok(c->req.host, hosts, w->nhosts)) {
		send_error(c, 421, "this server answers only to its own "
		    "address");
		return;
	}
	weft_http_req_path(&c->req, &path, &plen, &query, &qlen);
	err = weft_web_route(path, plen, &c->rt);
	if (err) {
		send_error(c, 404, "no such page");
		return;
	}
	c->head_only = c->req.method == WEFT_HTTP_HEAD;
	c->session = !w->loopback && session_find(c) != NULL;
	c->authed = w->loopback || c->session;
	if (c->rt.kind == WEFT_ROUTE_ACTION ||
	    c->rt.kind == WEFT_ROUTE_LOGOUT) {
		if (c->req.method != WEFT_HTTP_POST) {
			send_error(c, 405, "actions need a form's POST");
			return;
		}
	} else if (c->rt.kind == WEFT_ROUTE_LOGIN &&
	    c->req.method == WEFT_HTTP_POST) {
		if (!weft_http_origin_ok(c->req.origin, c->req.host)) {
			send_error(c, 403, "refused: the request did not come "
			    "from this node's own pages");
			return;
		}
		login_start(c);
		return;
	} else if (c->req.method != WEFT_HTTP_GET &&
	    c->req.method != WEFT_HTTP_HEAD) {
		send_error(c, 405, "only GET and HEAD here");
		return;
	}
	if (c->req.method == WEFT_HTTP_POST) {
		char	tok[WEFT_WEB_TOKEN_HEX + 2];

		if (!c->authed) {
			send_error(c, 403, w->password[0] != '\0' ?
			    "log in first (/login): this node's web UI is "
			    "read-only on this address without it" :
			    "this node's web UI is read-only on this address");
			return;
		}
		if (!weft_http_origin_ok(c->req.origin, c->req.host)) {
			send_error(c, 403, "refused: the request did not come "
			    "from this node's own pages");
			return;
		}
		if (weft_http_form_get((const char *)c->req.body,
		    c->req.body_len, "token", tok, sizeof(tok)) < 0 ||
		    !weft_http_token_ok(tok, w->token)) {
			send_error(c, 403, "refused: the page's token is "
			    "missing or stale; reload the page");
			return;
		}
		if (c->rt.kind == WEFT_ROUTE_LOGOUT) {
			logout(c);
			return;
		}
		if (strcmp(c->rt.arg, "handoff") == 0) {
			handoff_mint(c);
			return;
		}
	}
	if (c->rt.kind == WEFT_ROUTE_HANDOFF && !handoff_find(c)) {
		send_error(c, 404, "this link has expired: open the design's "
		    "page again");
		return;
	}
	if (c->rt.kind == WEFT_ROUTE_STATIC) {
		err = weft__web_static(c->rt.arg, &c->resp);
		if (err) {
			send_error(c, 404, "no such file");
			return;
		}
		resp_send(c);
		return;
	}
	snap_fill(w, c, &c->snap);
	c->work.data = c;
	err = uv_queue_work(w->loop, &c->work, render_work, render_done);
	if (err) {
		send_error(c, 503, "busy");
		return;
	}
	c->busy = true;
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	buf->base = malloc(WEB_READ_MAX);
	buf->len = buf->base != NULL ? WEB_READ_MAX : 0;
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct web_conn	*c = s->data;
	int		 rc;

	if (nread < 0) {
		free(buf->base);
		conn_close(c);
		return;
	}
	if (nread == 0) {
		free(buf->base);
		return;
	}
	rc = weft_http_req_feed(&c->req, buf->base, (size_t)nread);
	free(buf->base);
	if (rc == 0)
		return;
	if (rc == 1) {
		conn_dispatch(c);
		return;
	}
	uv_read_stop(s);
	weft__web_resp_init(&c->resp);
	if (rc == WEFT_ETOOBIG)
		send_error(c, 431, "request too large");
	else
		send_error(c, 400, "not an HTTP request");
}

static void
timer_cb(uv_timer_t *t)
{
	conn_close(t->data);
}

static void
connection_cb(uv_stream_t *server, int status)
{
	struct weft_web	*w = server->data;
	struct web_conn	*c;

	if (status < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	c->w = w;
	uv_tcp_init(w->loop, &c->tcp);
	uv_timer_init(w->loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	c->refs = 2;
	w->refs++;
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	w->nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	if (w->nconns > WEB_CONNS_MAX) {
		w->refused++;
		conn_close(c);
		return;
	}
	weft_http_req_init(&c->req);
	uv_tcp_nodelay(&c->tcp, 1);
	uv_timer_start(&c->timer, timer_cb, WEB_REQ_TIMEOUT_MS,
	    WEB_IDLE_TIMEOUT_MS);
	if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) != 0)
		conn_close(c);
}

/* The Host values a browser sends for addr ("127.0.0.1:7421"). */
static void
hosts_fill(struct weft_web *w, const struct sockaddr_storage *ss)
{
	char	ip[48];
	int	port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		uv_ip6_name(a, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
		snprintf(w->addr, sizeof(w->addr), "[%.46s]:%d", ip, port);
		w->loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
	} else {
		const struct sockaddr_in *a = (const void *)ss;

		uv_ip4_name(a, ip, sizeof(ip));
		port = ntohs(a->sin_port);
		snprintf(w->addr, sizeof(w->addr), "%.46s:%d", ip, port);
		w->loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	snprintf(w->hosts[0], sizeof(w->hosts[0]), "%s", w->addr);
	w->nhosts = 1;
	if (w->loopback) {
		snprintf(w->hosts[1], sizeof(w->hosts[1]), "localhost:%d",
		    port);
		w->nhosts = 2;
	}
}

static void
listener_closed_cb(uv_handle_t *h)
{
	web_unref(h->data);
}

int
weft_web_start(struct weft_web **wp, const struct weft_web_env *env,
    const char *listen)
{
	struct weft_web		*w;
	struct sockaddr_storage	 ss;
	char			 host[WEFT_WEB_ADDR_MAX];
	const char		*colon;
	uint8_t			 rnd[WEFT_WEB_TOKEN_HEX / 2];
	int			 port, err, namelen;
	size_t			 hlen;

	*wp = NULL;
	colon = strrchr(listen, ':');
	if (colon == NULL)
		return UV_EINVAL;
	hlen = (size_t)(colon - listen);
	if (hlen > 0 && listen[0] == '[' && listen[hlen - 1] == ']') {
		listen++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return UV_EINVAL;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	/* Port 0: the kernel picks a free one (weft status shows it). */
	port = atoi(colon + 1);
	if (port < 0 || port > 65535 || colon[1] < '0' || colon[1] > '9')
		return UV_EINVAL;
	memset(&ss, 0, sizeof(ss));
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0)
		return UV_EINVAL;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return UV_ENOMEM;
	w->loop = env->loop;
	w->env = *env;
	if (env->password != NULL) {
		if (strlen(env->password) >= sizeof(w->password)) {
			free(w);
			return UV_EINVAL;
		}
		snprintf(w->password, sizeof(w->password), "%s",
		    env->password);
	}
	w->env.password = NULL;
	TAILQ_INIT(&w->conns);
	randombytes_buf(rnd, sizeof(rnd));
	weft_hex_encode(w->token, rnd, sizeof(rnd));
	uv_tcp_init(w->loop, &w->tcp);
	w->tcp.data = w;
	w->refs = 1;
	for (int i = 0; i <= WEFT_WEB_PORT_TRIES && port + i <= 65535;
	    i++) {
		if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port =
			    htons((uint16_t)(port + i));
		else
			((struct sockaddr_in *)&ss)->sin_port =
			    htons((uint16_t)(port + i));
		err = uv_tcp_bind(&w->tcp, (struct sockaddr *)&ss, 0);
		if (err == 0)
			err = uv_listen((uv_stream_t *)&w->tcp, 128,
			    connection_cb);
		if (err != UV_EADDRINUSE || port == 0)
			break;
		log_warnx("web: port %d is taken, trying %d", port + i,
		    port + i + 1);
		/*
		 * libuv reports EADDRINUSE from uv_listen and leaves the
		 * socket unbound, so the same handle binds the next port.
		 */
	}
	if (err) {
		log_warnc(err, "web: cannot listen on '%s'", listen);
		uv_close((uv_handle_t *)&w->tcp, listener_closed_cb);
		return err;
	}
	namelen = sizeof(ss);
	uv_tcp_getsockname(&w->tcp, (struct sockaddr *)&ss, &namelen);
	hosts_fill(w, &ss);
	w->listening = true;
	log_info("web UI on http://%s/%s", w->addr, w->loopback ? "" :
	    w->password[0] != '\0' ? " (not loopback: actions after a "
	    "login with the web-password)" :
	    " (read-only: not a loopback address)");
	if (env->assets == NULL)
		log_info("web: the 3D view's files are not installed "
		    "(scripts/build-web); pages are served without it");
	*wp = w;
	return 0;
}

void
weft_web_stop(struct weft_web *w)
{
	struct web_conn	*c;

	if (w == NULL || w->stopping)
		return;
	w->stopping = true;
	w->env.net = NULL;
	w->env.fetch = NULL;
	w->env.sync = NULL;
	while ((c = TAILQ_FIRST(&w->conns)) != NULL)
		conn_close(c);
	uv_close((uv_handle_t *)&w->tcp, listener_closed_cb);
}

const char *
weft_web_address(const struct weft_web *w)
{
	return w->addr;
}

void
weft_web_set_net(struct weft_web *w, struct weft_net *net)
{
	if (w != NULL)
		w->env.net = net;
}
