/*
 * TCP for the peer protocol, through libuv. Each connection is a struct
 * weft_peer with an embedded uv_tcp_t; its memory is freed only when the
 * handle's close callback has run and no write or connect request is
 * left (p->refs). A write request owns its bytes and write_cb frees them.
 *
 * Flow: bytes read go straight into the session (weft_session_feed) from
 * the net's one read buffer, so an idle connection holds no buffer. Bytes
 * to send are pulled from the session in chunks while the socket's queue
 * is under WEFT_NET_WQ_HIGH; what the session cannot hand over yet stays
 * in its own capped queues, so a peer that stops reading makes the
 * session fail with WEFT_ETOOBIG and is closed, never buffered forever.
 *
 * One timer (WEFT_NET_TICK_MS) runs every session's deadlines (handshake,
 * ping, idle), the grace period of closing connections, and the dials
 * whose backoff has passed.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"

#include "config.h"
#include "clock.h"
#include "log.h"
#include "net.h"
#include "peer.h"
#include "session.h"
#include "fetch.h"
#include "sync.h"
#include "store.h"

struct wreq {
	uv_write_t		 req;
	struct weft_peer	*p;
	uint8_t			*data;
	size_t			 len;
};

/* Filler for weft_net_push(). */
static const uint8_t	zeros[WEFT_NET_PUSH_MSG];

/* The net's own channel applications: their places in the table. */
#define APP_ADDRS	0
#define APP_BENCH	1
#define BENCH_SINKS	4	/* "bench" channels a peer may open */

static void	peer_unref(struct weft_peer *);
static void	net_unref(struct weft_net *);
static void	peer_read_start(struct weft_peer *);
static void	apps_register(struct weft_net *);
static void	apps_down(struct weft_peer *);
static int	apps_refill(struct weft_peer *);
static void	dial(struct weft_net *, struct weft_dial *);
static void	dial_free(struct weft_net *, struct weft_dial *);
static void	sync_kick(struct weft_net *);
static void	book_touch(struct weft_net *);
static void	book_write(struct weft_net *);
static bool	admit(struct weft_net *, struct weft_peer *, bool);

void
weft_net_limits_default(struct weft_net_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->session.handshake_ms = WEFT_NET_HANDSHAKE_MS;
	l->session.ping_ms = WEFT_NET_PING_MS;
	l->session.idle_ms = WEFT_NET_IDLE_MS;
	l->backoff_min_ms = WEFT_NET_BACKOFF_MIN_MS;
	l->backoff_max_ms = WEFT_NET_BACKOFF_MAX_MS;
	l->in_max = WEFT_NET_IN_MAX;
	l->in_group_max = WEFT_NET_IN_GROUP_MAX;
	l->hs_max = WEFT_NET_HS_MAX;
	l->hs_group_max = WEFT_NET_HS_GROUP_MAX;
	l->out_max = WEFT_NET_OUT_MAX;
	l->out_target = WEFT_NET_OUT_TARGET;
	l->sendq_max = WEFT_NET_SENDQ_MAX;
}

/* Addresses */

static int
sockaddr_parse(const char *s, struct sockaddr_storage *sa, char *addr)
{
	char		host[WEFT_NET_ADDR_MAX];
	uint16_t	port;
	int		err;

	err = weft_config_hostport(s, strlen(s), host, sizeof(host), &port);
	if (err)
		return WEFT_EUSAGE;
	memset(sa, 0, sizeof(*sa));
	if (strchr(host, ':') != NULL)
		err = uv_ip6_addr(host, port, (struct sockaddr_in6 *)sa);
	else
		err = uv_ip4_addr(host, port, (struct sockaddr_in *)sa);
	if (err)
		return WEFT_EUSAGE;
	if (addr != NULL)
		snprintf(addr, WEFT_NET_ADDR_MAX, "%s", s);
	return 0;
}

static void
sockaddr_str(const struct sockaddr_storage *sa, char *out, size_t outsz)
{
	char	ip[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		uv_ip6_name(s6, ip, sizeof(ip));
		snprintf(out, outsz, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		uv_ip4_name(s4, ip, sizeof(ip));
		snprintf(out, outsz, "%s:%u", ip, ntohs(s4->sin_port));
	} else {
		snprintf(out, outsz, "?");
	}
}

int
weft_net_parse_peer(const char *s, uint8_t node[32], char *addr)
{
	char		 host[WEFT_HOST_NAME_MAX + 1];
	const char	*at;
	uint16_t	 port;
	bool		 name;

	at = strchr(s, '@');
	if (at == NULL || at - s != 64)
		return WEFT_EUSAGE;
	if (weft_hex_decode(node, 32, s, 64) != 0)
		return WEFT_EUSAGE;
	if (weft_hostport_check(at + 1, strlen(at + 1), host, &port, &name,
	    addr) != 0)
		return WEFT_EUSAGE;
	return 0;
}

/*
 * Points d at addr ("HOST:PORT" as weft_hostport_check() takes it): an
 * IP literal is the socket address at once, a name is resolved by each
 * dial. Returns 0 or WEFT_EUSAGE.
 */
static int
dial_set_addr(struct weft_dial *d, const char *addr)
{
	int	err;

	if (weft_hostport_check(addr, strlen(addr), d->host, &d->port,
	    &d->name, d->addr) != 0)
		return WEFT_EUSAGE;
	if (d->ai != NULL)
		uv_freeaddrinfo(d->ai);
	d->ai = d->ai_next = NULL;
	memset(&d->sa, 0, sizeof(d->sa));
	if (d->name)
		return 0;
	if (strchr(d->host, ':') != NULL)
		err = uv_ip6_addr(d->host, d->port,
		    (struct sockaddr_in6 *)&d->sa);
	else
		err = uv_ip4_addr(d->host, d->port,
		    (struct sockaddr_in *)&d->sa);
	return err ? WEFT_EUSAGE : 0;
}

/* Connections */


static void
peer_unref(struct weft_peer *p)
{
	struct weft_net	*n = p->net;

	if (--p->refs > 0)
		return;
	weft_session_release(&p->sess);
	for (unsigned i = 0; i < WEFT_PEER_APPS; i++)
		free(p->apps[i].state);
	free(p);
	net_unref(n);
}

/* Backoff for the next dial: min * 2^attempts, capped, minus up to half. */
static uint64_t
backoff_ms(const struct weft_net_limits *l, unsigned attempts)
{
	uint64_t	d = l->backoff_min_ms;

	for (unsigned i = 0; i < attempts && d < l->backoff_max_ms; i++)
		d *= 2;
	if (d > l->backoff_max_ms)
		d = l->backoff_max_ms;
	if (d < 2)
		return d;
	/* Jitter, so that nodes restarted together do not dial in step. */
	return d - randombytes_uniform((uint32_t)(d / 2 > UINT32_MAX ?
	    UINT32_MAX : d / 2));
}

static void
peer_close_cb(uv_handle_t *h)
{
	struct weft_peer	*p = h->data;
	struct weft_net		*n = p->net;

	TAILQ_REMOVE(&n->peers.all, p, entry);
	apps_down(p);
	peer_unref(p);
}

static void
refused_close_cb(uv_handle_t *h)
{
	free(h);
}

/*
 * Bookkeeping of the dial that made p, which is closing: a connection
 * that had opened restarts the backoff, a failed attempt (err != 0)
 * doubles it. Losing the duplicate rule or a clean close is no failure.
 */
static void
dial_done(struct weft_net *n, struct weft_peer *p, int err)
{
	struct weft_dial	*d = p->dial;
	struct weft_addr	*e;
	uint64_t		 now = uv_now(n->loop);

	if (d == NULL)
		return;
	d->conn = NULL;
	p->dial = NULL;
	/* TCP did not get through: the name's next address, at once. */
	if (!p->was_open && !p->connected && err != 0 &&
	    d->ai_next != NULL && !n->stopping) {
		d->next_ms = now;
		return;
	}
	if (d->ai != NULL)
		uv_freeaddrinfo(d->ai);
	d->ai = d->ai_next = NULL;
	/* Seen until now: last_seen is when we last knew it was there. */
	e = weft_addrbook_find(&n->book, d->node);
	if (p->was_open && e != NULL && e->verified) {
		e->last_seen = weft_clock_now_ms(n->clock);
		book_touch(n);
	}
	if (d->learned) {
		/* Verified by the handshake with d->node, or not. */
		if (p->was_open || err != 0) {
			if (weft_addrbook_done(&n->book, d->node, p->was_open,
			    now))
				book_touch(n);
		} else if ((e = weft_addrbook_find(&n->book, d->node))) {
			e->dialing = false;	/* lost a duplicate race */
			e->next_ms = now + WEFT_ADDR_RETRY_MS;
		}
		dial_free(n, d);
		return;
	}
	if (p->was_open) {
		d->attempts = 0;
		d->last_err = 0;
	} else if (err != 0) {
		d->attempts++;
		d->last_err = err;
		/* The book's entry for the node counts the failure too. */
		e = weft_addrbook_find(&n->book, d->node);
		if (e != NULL && !e->dialing &&
		    weft_addrbook_done(&n->book, d->node, false, now))
			book_touch(n);
	}
	d->next_ms = now + backoff_ms(&n->limits, d->attempts);
}

static const char *
close_why(const struct weft_peer *p, int err)
{
	if (err == -ETIMEDOUT)
		return weft_session_state(&p->sess) == WEFT_SESSION_OPEN ?
		    "idle timeout" : "handshake timed out";
	if (weft_session_state(&p->sess) == WEFT_SESSION_HANDSHAKE ||
	    !p->was_open)
		return "handshake failed";
	return "connection dropped";
}

/*
 * A handshake that failed at its first message: the listener found no
 * valid hello from us (it closes without a byte, docs/proto/transport.md)
 * or ours from the dialler. Both mean another network key, or something
 * that is not a weft node at all.
 */
static bool
netkey_mismatch(const struct weft_peer *p, int err)
{
	if (err != WEFT_EHANDSHAKE || p->was_open)
		return false;
	if (p->dir == WEFT_PEER_OUT)
		return p->connected && p->bytes_in == 0;
	return p->bytes_out == 0;
}

/*
 * Whether the close of p is logged in full: what strangers can cause at
 * will (an eviction, an inbound handshake that fails or times out) goes
 * through the rate limit, which logs only the first of a window in full.
 */
static bool
close_logged(struct weft_peer *p, int err)
{
	struct weft_net		*n = p->net;
	enum weft_ratelog_kind	 kind;

	if (n->stopping)
		return true;
	if (p->evicted)
		kind = WEFT_RATELOG_EVICTED;
	else if (p->dir != WEFT_PEER_IN || p->was_open)
		return true;
	else if (err == -ETIMEDOUT)
		kind = WEFT_RATELOG_HSTIMEOUT;
	else
		kind = WEFT_RATELOG_HSFAIL;
	return weft_ratelog_note(&n->ratelog, kind, p->addr,
	    uv_now(n->loop));
}

void
weft__net_close(struct weft_peer *p, int err, const char *reason)
{
	struct weft_net		*n = p->net;
	char			 name[WEFT_PEER_NAME_MAX];
	bool			 logged;

	if (p->closing)
		return;
	if (netkey_mismatch(p, err))
		err = WEFT_ENETKEY;
	weft_peer_name(p, name);
	if (!p->draining) {
		if (reason == NULL)
			reason = close_why(p, err);
		logged = close_logged(p, err);
		if (logged && err != 0)
			log_info("peer %s: %s: %s", name, reason,
			    weft_strerror(err));
		else if (logged)
			log_info("peer %s: %s", name, reason);
		weft_peers_remove(&n->peers, p);
		dial_done(n, p, err);
	}
	/*
	 * A session that can still speak says why and goodbye first; the
	 * tick closes the socket if the peer does not take the bytes within
	 * the grace period.
	 */
	if (err == 0 && !p->draining && p->connected &&
	    weft_session_error(&p->sess) == 0 &&
	    weft_session_state(&p->sess) != WEFT_SESSION_HANDSHAKE) {
		weft_session_close(&p->sess, reason);
		p->draining = true;
		p->grace_ms = uv_now(n->loop) + WEFT_NET_GRACE_MS;
		weft__net_flush(p);
		/*
		 * When stopping, the goodbye gets one try: uv_write writes
		 * at once when the socket takes it, which it usually does.
		 */
		if (!n->stopping || p->closing)
			return;
	}
	p->closing = true;
	uv_close((uv_handle_t *)&p->tcp, peer_close_cb);
}

static void
write_cb(uv_write_t *req, int status)
{
	struct wreq		*w = (struct wreq *)req;
	struct weft_peer	*p = w->p;

	p->wq_bytes -= w->len;
	free(w->data);
	free(w);
	if (status < 0 && !p->closing)
		weft__net_close(p, status, "write failed");
	else if (!p->closing)
		weft__net_flush(p);
	peer_unref(p);
}

void
weft_net_useful(struct weft_net *n, uint64_t id)
{
	struct weft_peer	*p;

	if (n == NULL)
		return;
	TAILQ_FOREACH(p, &n->peers.all, entry) {
		if (p->id == id) {
			/* 0 means never. */
			p->useful_ms = uv_now(n->loop) > 0 ?
			    uv_now(n->loop) : 1;
			return;
		}
	}
}

void
weft__net_flush(struct weft_peer *p)
{
	struct weft_buf	 b;
	struct wreq	*w;
	uv_buf_t	 ub;
	int		 err;

	if (apps_refill(p) != 0)
		return;
	while (!p->closing && p->connected && p->wq_bytes < WEFT_NET_WQ_HIGH) {
		weft_buf_init(&b, WEFT_NET_WRITE_CHUNK + 8192);
		err = weft_session_output(&p->sess, &b, WEFT_NET_WRITE_CHUNK);
		if (err) {
			weft_buf_release(&b);
			weft__net_close(p, err, err == WEFT_ETOOBIG ?
			    "send queue over its cap" : NULL);
			return;
		}
		if (b.len == 0) {
			weft_buf_release(&b);
			break;
		}
		w = malloc(sizeof(*w));
		if (w == NULL) {
			weft_buf_release(&b);
			weft__net_close(p, -ENOMEM, "cannot write");
			return;
		}
		w->p = p;
		w->data = weft_buf_detach(&b, &w->len);
		ub = uv_buf_init((char *)w->data, (unsigned)w->len);
		err = uv_write(&w->req, (uv_stream_t *)&p->tcp, &ub, 1,
		    write_cb);
		if (err) {
			free(w->data);
			free(w);
			weft__net_close(p, err, "write failed");
			return;
		}
		p->refs++;
		p->wq_bytes += w->len;
		p->bytes_out += w->len;
	}
	if (p->draining && !p->closing && p->wq_bytes == 0 &&
	    !weft_session_pending(&p->sess)) {
		p->closing = true;
		uv_close((uv_handle_t *)&p->tcp, peer_close_cb);
	}
}

static bool
is_held(const struct weft_net *n, const uint8_t *node)
{
	for (unsigned i = 0; i < n->nheld; i++)
		if (memcmp(n->held[i], node, 32) == 0)
			return true;
	return false;
}

static bool
discover_skip(void *arg, const uint8_t *node)
{
	struct weft_net	*n = arg;

	return weft_peers_find(&n->peers, node) != NULL ||
	    weft_net_dial_find(n, node) != NULL || is_held(n, node);
}

/* A one-shot dial of book entry e (picked: marked dialling). */
static void
dial_entry(struct weft_net *n, struct weft_addr *e)
{
	struct weft_dial	*d;

	d = calloc(1, sizeof(*d));
	if (d == NULL || dial_set_addr(d, e->addr) != 0) {
		free(d);
		if (weft_addrbook_done(&n->book, e->node, false,
		    uv_now(n->loop)))
			book_touch(n);
		return;
	}
	memcpy(d->node, e->node, 32);
	d->learned = true;
	d->source = e->source;
	TAILQ_INSERT_TAIL(&n->dials, d, entry);
	dial(n, d);
}

/* At start: the best entries of the book, up to the outbound target. */
static void
dial_known(struct weft_net *n)
{
	struct weft_addr	*e;
	uint64_t		 now = uv_now(n->loop);

	while (!n->stopping && n->peers.nout < n->limits.out_target &&
	    n->peers.nout < n->limits.out_max) {
		e = weft_addrbook_pick(&n->book, now, discover_skip, n);
		if (e == NULL)
			break;
		dial_entry(n, e);
	}
}

/*
 * Under the outbound target, dials one learnt address a second. The
 * dial is kept only for that attempt: dial_done() tells the book how it
 * went, and only a handshake with the expected node verifies it.
 */
static void
discover(struct weft_net *n, uint64_t now)
{
	struct weft_addr	*e;

	if (n->limits.out_target == 0 || n->stopping ||
	    now < n->next_discover_ms ||
	    n->peers.nout >= n->limits.out_target ||
	    n->peers.nout >= n->limits.out_max)
		return;
	n->next_discover_ms = now + WEFT_NET_DISCOVER_MS;
	e = weft_addrbook_pick(&n->book, now, discover_skip, n);
	if (e != NULL)
		dial_entry(n, e);
}

/* Channel applications (struct weft_net_app) */

int
weft_net_app_add(struct weft_net *n, const struct weft_net_app *app)
{
	for (unsigned i = 0; i < n->napps; i++)
		if (strcmp(n->apps[i]->purpose, app->purpose) == 0)
			return WEFT_EEXISTS;
	if (n->napps == WEFT_PEER_APPS)
		return WEFT_ETOOBIG;
	n->apps[n->napps++] = app;
	return 0;
}

/* The application registered for purpose, or -1. */
static int
app_find(const struct weft_net *n, const char *purpose)
{
	for (unsigned i = 0; i < n->napps; i++)
		if (strcmp(n->apps[i]->purpose, purpose) == 0)
			return (int)i;
	return -1;
}

/* The slot of channel ch in p's table, or -1. */
static int
chan_find(const struct weft_peer *p, uint16_t ch)
{
	for (int i = 0; i < WEFT_PEER_CHANS; i++)
		if (p->chans[i].ch == ch && ch != 0)
			return i;
	return -1;
}

/* Application app holds channel ch from now on: 0 or WEFT_ETOOBIG. */
static int
chan_hold(struct weft_peer *p, unsigned app, uint16_t ch)
{
	int	i;

	for (i = 0; i < WEFT_PEER_CHANS; i++)
		if (p->chans[i].ch == 0)
			break;
	if (i == WEFT_PEER_CHANS)
		return WEFT_ETOOBIG;
	p->chans[i].ch = ch;
	p->chans[i].app = (uint8_t)app;
	return 0;
}

int
weft__net_chan_open(struct weft_peer *p, const char *purpose, uint16_t *ch)
{
	struct weft_mux	*mux = weft_session_mux(&p->sess);
	int		 a, err;

	a = app_find(p->net, purpose);
	if (mux == NULL || a < 0 || !p->apps[a].up)
		return WEFT_ENOTFOUND;
	err = weft_mux_open(mux, purpose, 0, ch);
	if (err)
		return err;
	err = chan_hold(p, (unsigned)a, *ch);
	if (err)
		(void)weft_mux_end(mux, *ch);
	return err;
}

/*
 * Tells each application, in registration order, that p opened, giving
 * it its per-peer state; stops when one closed p.
 */
static void
apps_up(struct weft_peer *p)
{
	const struct weft_net_app	*app;
	struct weft_net			*n = p->net;

	for (unsigned i = 0; i < n->napps; i++) {
		if (p->closing || p->draining)
			return;
		app = n->apps[i];
		if (app->state_size > 0 && p->apps[i].state == NULL) {
			p->apps[i].state = calloc(1, app->state_size);
			if (p->apps[i].state == NULL) {
				weft__net_close(p, -ENOMEM, "cannot set up");
				return;
			}
		}
		p->apps[i].up = true;
		if (app->up != NULL)
			app->up(app->arg, p, p->apps[i].state);
	}
}

/* p closed: tells the applications that were told it opened. */
static void
apps_down(struct weft_peer *p)
{
	const struct weft_net_app	*app;
	struct weft_net			*n = p->net;

	for (unsigned i = 0; i < n->napps; i++) {
		if (!p->apps[i].up)
			continue;
		p->apps[i].up = false;
		app = n->apps[i];
		if (app->down != NULL)
			app->down(app->arg, p, p->apps[i].state);
	}
}

static int
apps_refill(struct weft_peer *p)
{
	const struct weft_net_app	*app;
	struct weft_net			*n = p->net;
	int				 err;

	for (unsigned i = 0; i < n->napps; i++) {
		app = n->apps[i];
		if (!p->apps[i].up || app->refill == NULL)
			continue;
		err = app->refill(app->arg, p, p->apps[i].state);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The application side of the channels, through the table: a channel
 * the peer opens goes to the application registered for its purpose;
 * the messages and the end of a held channel go to its holder. Other
 * purposes are ended at once, as docs/proto/wire.md allows, and messages
 * on channels nobody holds are thrown away.
 */
static int
on_event(struct weft_peer *p, const struct weft_mux_ev *ev)
{
	const struct weft_net_app	*app;
	struct weft_net			*n = p->net;
	struct weft_mux			*mux = weft_session_mux(&p->sess);
	void				*st;
	char				 why[64];
	int				 a, i, err;

	if (mux == NULL)
		return 0;
	switch (ev->type) {
	case WEFT_MUX_EV_OPEN:
		a = app_find(n, (const char *)ev->data);
		if (a < 0 || !p->apps[a].up)
			return weft_mux_end(mux, ev->ch);
		app = n->apps[a];
		if (app->open != NULL && app->open(app->arg, p,
		    p->apps[a].state, ev->ch) != 0)
			return weft_mux_end(mux, ev->ch);
		if (chan_hold(p, (unsigned)a, ev->ch) != 0) {
			if (app->end != NULL)
				app->end(app->arg, p, p->apps[a].state, ev->ch);
			return weft_mux_end(mux, ev->ch);
		}
		return 0;
	case WEFT_MUX_EV_MSG:
		i = chan_find(p, ev->ch);
		if (i >= 0) {
			app = n->apps[p->chans[i].app];
			st = p->apps[p->chans[i].app].state;
		}
		if (i >= 0 && app->data != NULL) {
			err = app->data(app->arg, p, st, ev);
			if (err) {
				snprintf(why, sizeof(why), "bad %s message",
				    app->name);
				weft__net_close(p, err, why);
				return 0;
			}
		}
		/* The window comes back as the message is taken. */
		return weft_mux_consumed(mux, ev->ch, ev->len);
	case WEFT_MUX_EV_END:
		i = chan_find(p, ev->ch);
		if (i >= 0) {
			a = p->chans[i].app;
			p->chans[i].ch = 0;
			app = n->apps[a];
			if (app->end != NULL)
				app->end(app->arg, p, p->apps[a].state, ev->ch);
		}
		return weft_mux_end(mux, ev->ch);
	default:
		return 0;
	}
}

/* Peer addresses (docs/proto/transport.md, "Peer addresses") */

struct addrs_peer {
	uint16_t	in;	/* the peer's "addrs" channel, or 0 */
	uint32_t	got;	/* entries taken from it */
};

static void
addrs_take(void *arg, const uint8_t node[32], const char *addr)
{
	struct weft_peer	*p = arg;
	struct weft_net		*n = p->net;
	struct addrs_peer	*ap = p->apps[APP_ADDRS].state;

	/* At most WEFT_ADDRS_PER_PEER entries from one connection. */
	if (ap->got >= WEFT_ADDRS_PER_PEER)
		return;
	ap->got++;
	(void)weft_addrbook_add(&n->book, node, addr, uv_now(n->loop));
}

/* Only a message that does not decode closes the connection. */
static int
addrs_data(void *arg, struct weft_peer *p, void *st,
    const struct weft_mux_ev *ev)
{
	int	err;

	(void)arg;
	(void)st;
	err = weft_addrs_decode(ev->data, ev->len, addrs_take, p);
	return err == WEFT_EPROTO ? err : 0;
}

/* One channel from the peer. */
static int
addrs_open(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct addrs_peer	*ap = st;

	(void)arg;
	(void)p;
	if (ap->in != 0)
		return WEFT_EBUSY;
	ap->in = ch;
	return 0;
}

static void
addrs_end(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct addrs_peer	*ap = st;

	(void)arg;
	(void)p;
	if (ap->in == ch)
		ap->in = 0;
}

/* The host part of "HOST:PORT" or "[HOST]:PORT", in out. */
static void
addr_host(const char *a, char *out, size_t outsz)
{
	const char	*end;

	if (a[0] == '[' && (end = strchr(a, ']')) != NULL)
		snprintf(out, outsz, "%.*s", (int)(end - a + 1), a);
	else if ((end = strrchr(a, ':')) != NULL)
		snprintf(out, outsz, "%.*s", (int)(end - a), a);
	else
		snprintf(out, outsz, "%s", a);
}

/*
 * Where p can be dialled, as far as we know: the address we dialled it
 * at (the handshake proved it), or the listen address of its HELLO when
 * it is on the host it connected from. Returns false when unknown.
 */
static bool
addrs_of(const struct weft_peer *p, char out[WEFT_ADDR_STR_MAX])
{
	const struct weft_wire_hello	*h = weft_session_hello(&p->sess);
	char				 seen[WEFT_NET_ADDR_MAX];
	char				 said[WEFT_NET_ADDR_MAX];

	if (p->dir == WEFT_PEER_OUT)
		return weft_addr_check(p->addr, strlen(p->addr), out) == 0;
	if (h == NULL || h->listen[0] == '\0' ||
	    weft_addr_check(h->listen, strlen(h->listen), out) != 0)
		return false;
	addr_host(p->addr, seen, sizeof(seen));
	addr_host(out, said, sizeof(said));
	return strcmp(seen, said) == 0;
}

/*
 * Once a connection opens, tells the peer where up to WEFT_ADDRS_MAX of
 * our other peers listen (open connections first, then verified entries
 * of the book), and notes the peer's own listen address as a candidate.
 */
static void
addrs_up(void *arg, struct weft_peer *p, void *st)
{
	struct weft_net		*n = p->net;
	struct weft_mux		*mux = weft_session_mux(&p->sess);
	struct weft_addr_ref	 v[WEFT_ADDRS_MAX];
	char			 a[WEFT_ADDRS_MAX][WEFT_ADDR_STR_MAX];
	struct weft_peer	*q;
	struct weft_buf		 b;
	size_t			 k = 0;
	uint16_t		 ch;
	int			 err;

	(void)arg;
	(void)st;
	if (mux == NULL)
		return;
	if (p->dir == WEFT_PEER_IN && addrs_of(p, a[0]))
		(void)weft_addrbook_add(&n->book, p->node, a[0],
		    uv_now(n->loop));
	TAILQ_FOREACH(q, &n->peers.all, entry) {
		if (k == WEFT_ADDRS_MAX)
			break;
		if (q == p || !q->open || q->closing || q->draining ||
		    !addrs_of(q, a[k]))
			continue;
		v[k].node = q->node;
		v[k].addr = a[k];
		k++;
	}
	for (size_t i = 0; i < n->book.n && k < WEFT_ADDRS_MAX; i++) {
		const struct weft_addr *e = &n->book.v[i];

		/* Host names the user gave us are not for peers. */
		if (!e->verified || memcmp(e->node, p->node, 32) == 0 ||
		    weft_peers_find(&n->peers, e->node) != NULL ||
		    weft_addr_check(e->addr, strlen(e->addr), a[k]) != 0)
			continue;
		v[k].node = e->node;
		v[k].addr = a[k];
		k++;
	}
	if (k == 0)
		return;
	weft_buf_init(&b, WEFT_ADDRS_MSG_MAX);
	err = weft__net_chan_open(p, WEFT_ADDRS_PURPOSE, &ch);
	if (err == 0)
		err = weft_addrs_encode(&b, v, k);
	if (err == 0)
		err = weft_mux_send(mux, ch, b.data, b.len);
	weft_buf_release(&b);
	if (err)
		log_info("peer: cannot send addresses: %s", weft_strerror(err));
}


static const struct weft_net_app addrs_app = {
	.name = "addrs",
	.purpose = WEFT_ADDRS_PURPOSE,
	.state_size = sizeof(struct addrs_peer),
	.up = addrs_up,
	.open = addrs_open,
	.data = addrs_data,
	.end = addrs_end,
};

/*
 * The "bench" sink: channels of purpose "bench" a peer opens (up to
 * BENCH_SINKS) are held and their messages thrown away; and
 * weft_net_push()'s channel the other way.
 */
struct bench_peer {
	unsigned	sinks;		/* channels the peer opened */
	uint16_t	push_ch;	/* weft_net_push()'s channel, or 0 */
	uint64_t	push_left;	/* bytes still to queue there */
};

static int
bench_open(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct bench_peer	*bp = st;

	(void)arg;
	(void)p;
	(void)ch;
	if (bp->sinks == BENCH_SINKS)
		return WEFT_EBUSY;
	bp->sinks++;
	return 0;
}

static void
bench_end(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct bench_peer	*bp = st;

	(void)arg;
	(void)p;
	if (ch == bp->push_ch) {
		bp->push_ch = 0;
		bp->push_left = 0;
	} else if (bp->sinks > 0) {
		bp->sinks--;
	}
}

/* Keeps WEFT_NET_PUSH_AHEAD bytes of a paced push queued. */
static int
bench_refill(void *arg, struct weft_peer *p, void *st)
{
	struct bench_peer	*bp = st;
	struct weft_mux		*mux = weft_session_mux(&p->sess);
	size_t			 len;
	int			 err;

	(void)arg;
	while (mux != NULL && bp->push_left > 0 &&
	    weft_mux_queued(mux, bp->push_ch) < WEFT_NET_PUSH_AHEAD) {
		len = bp->push_left < WEFT_NET_PUSH_MSG ? bp->push_left :
		    WEFT_NET_PUSH_MSG;
		err = weft_mux_send(mux, bp->push_ch, zeros, len);
		if (err) {
			weft__net_close(p, err, "cannot send");
			return err;
		}
		bp->push_left -= len;
	}
	return 0;
}

static const struct weft_net_app bench_app = {
	.name = "bench",
	.purpose = "bench",
	.state_size = sizeof(struct bench_peer),
	.open = bench_open,
	.end = bench_end,
	.refill = bench_refill,
};

int
weft_net_push(struct weft_net *n, const uint8_t node[32], uint64_t bytes,
    bool burst)
{
	struct weft_peer	*p;
	struct weft_mux		*mux;
	struct bench_peer	*bp;
	size_t			 len;
	int			 err;

	p = weft_peers_find(&n->peers, node);
	mux = p != NULL ? weft_session_mux(&p->sess) : NULL;
	if (mux == NULL || p->draining || !p->apps[APP_BENCH].up)
		return WEFT_ENOTFOUND;
	bp = p->apps[APP_BENCH].state;
	if (bp->push_ch == 0) {
		err = weft__net_chan_open(p, "bench", &bp->push_ch);
		if (err)
			return err;
	}
	if (!burst) {
		bp->push_left += bytes;
		weft__net_flush(p);
		return 0;
	}
	while (bytes > 0) {
		len = bytes < WEFT_NET_PUSH_MSG ? bytes : WEFT_NET_PUSH_MSG;
		err = weft_mux_send(mux, bp->push_ch, zeros, len);
		if (err) {
			weft__net_close(p, err, err == WEFT_ETOOBIG ?
			    "send queue over its cap" : "cannot send");
			return err;
		}
		bytes -= len;
	}
	weft__net_flush(p);
	return 0;
}

/* The net's own applications, at fixed places in the table. */
static void
apps_register(struct weft_net *n)
{
	(void)weft_net_app_add(n, &addrs_app);		/* APP_ADDRS */
	(void)weft_net_app_add(n, &bench_app);		/* APP_BENCH */
}
/*
 * Once both HELLOs are exchanged: registers p by node id (which may close
 * it, or an older connection to the same node) and announces it to the
 * channel applications. Runs before the events that came with the HELLO,
 * so that the peer's sync channel finds sync ready. Returns false when p lost and is closing.
 */
static bool
peer_opened(struct weft_peer *p)
{
	struct weft_net	*n = p->net;
	char		 name[WEFT_PEER_NAME_MAX];
	int		 err;

	if (p->was_open || p->closing || p->draining)
		return !p->closing && !p->draining;
	if (weft_session_state(&p->sess) != WEFT_SESSION_OPEN)
		return true;
	/* A node blocked here gets no further than its handshake. */
	if (n->store != NULL && p->has_node &&
	    weft_store_block_get(n->store, p->node, NULL) == 0) {
		weft__net_close(p, WEFT_EBLOCKED, "node is blocked here");
		return false;
	}
	err = weft_peers_admit(&n->peers, p, n->node->pk);
	if (err)
		return false;		/* p lost and is closing */
	if (p->dir == WEFT_PEER_IN && !admit(n, p, true)) {
		p->evicted = true;
		weft__net_close(p, WEFT_EBUSY, "no inbound slot free: every "
		    "inbound peer is protected");
		return false;
	}
	p->was_open = true;
	p->since_ms = weft_clock_now_ms(n->clock);
	p->next_ms = 0;		/* the idle deadlines start now */
	if (p->dial != NULL) {
		p->dial->attempts = 0;
		p->dial->last_err = 0;
	}
	weft_peer_name(p, name);
	log_info("peer %s: connected (%s, %s)", name,
	    p->dir == WEFT_PEER_OUT ? "outbound" : "inbound", p->addr);
	/* We dialled the address and the handshake proved the node. */
	if (p->dir == WEFT_PEER_OUT && p->dial != NULL &&
	    weft_addrbook_seen(&n->book, p->node, p->addr,
	    p->dial->source,
	    uv_now(n->loop), weft_clock_now_ms(n->clock)) == 0)
		book_touch(n);
	apps_up(p);
	return !p->closing && !p->draining;
}

static int
drain_events(struct weft_peer *p)
{
	struct weft_mux_ev	ev;
	int			err;

	while ((err = weft_session_poll(&p->sess, &ev)) == 0) {
		if (!peer_opened(p)) {
			free(ev.data);
			return 0;
		}
		err = on_event(p, &ev);
		free(ev.data);
		if (err)
			return err;
		if (p->closing || p->draining)
			return 0;	/* sync closed it */
	}
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* After the session took input: note what changed, then answer. */
static void
peer_advance(struct weft_peer *p)
{
	struct weft_net	*n = p->net;
	char		 name[WEFT_PEER_NAME_MAX];
	const char	*why;
	int		 err;

	if (p->draining)
		return;
	if (!p->has_node && weft_session_remote(&p->sess) != NULL) {
		memcpy(p->node, weft_session_remote(&p->sess), sizeof(p->node));
		p->has_node = true;
	}
	err = drain_events(p);
	if (n->sync_kick)
		sync_kick(n);
	if (p->closing || p->draining)
		return;
	if (err) {
		weft__net_close(p, err, NULL);
		return;
	}
	if (weft_session_state(&p->sess) == WEFT_SESSION_CLOSED) {
		why = weft_session_reason(&p->sess);
		weft_peer_name(p, name);
		log_info("peer %s: closed by the peer%s%s", name,
		    why[0] != '\0' ? ": " : "", why);
		p->draining = true;	/* nothing to say: close now */
		weft_peers_remove(&n->peers, p);
		dial_done(n, p, p->was_open ? 0 : WEFT_EHANDSHAKE);
		p->closing = true;
		uv_close((uv_handle_t *)&p->tcp, peer_close_cb);
		return;
	}
	if (!peer_opened(p))
		return;
	if (n->sync_kick)
		sync_kick(n);
	weft__net_flush(p);
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct weft_peer	*p = h->data;
	struct weft_net		*n = p->net;

	(void)suggested;
	/*
	 * libuv reads right after this call and runs read_cb before the next
	 * one, so one buffer serves every connection; rbuf_busy only guards
	 * the assumption.
	 */
	if (n->rbuf_busy) {
		buf->base = malloc(WEFT_NET_READ_MAX);
		buf->len = buf->base != NULL ? WEFT_NET_READ_MAX : 0;
		return;
	}
	n->rbuf_busy = true;
	buf->base = (char *)n->rbuf;
	buf->len = sizeof(n->rbuf);
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct weft_peer	*p = s->data;
	struct weft_net		*n = p->net;
	int			 err;

	if (nread > 0 && !p->closing) {
		p->bytes_in += (uint64_t)nread;
		err = weft_session_feed(&p->sess, (const uint8_t *)buf->base,
		    (size_t)nread, uv_now(n->loop));
		if (err)
			weft__net_close(p, err, NULL);
		else
			peer_advance(p);
	} else if (nread < 0 && !p->closing) {
		uv_read_stop(s);
		if (nread == UV_EOF) {
			err = weft_session_eof(&p->sess);
			if (err == 0)
				peer_advance(p);
			else
				weft__net_close(p, err, p->was_open ?
				    "connection closed without goodbye" :
				    "closed during the handshake");
		} else {
			weft__net_close(p, (int)nread, "read failed");
		}
		/* Closing already (draining): stop waiting for the peer. */
		if (!p->closing) {
			p->closing = true;
			uv_close((uv_handle_t *)&p->tcp, peer_close_cb);
		}
	}
	if (buf->base == (char *)n->rbuf)
		n->rbuf_busy = false;
	else
		free(buf->base);
}

static void
peer_read_start(struct weft_peer *p)
{
	int	err;

	err = uv_read_start((uv_stream_t *)&p->tcp, alloc_cb, read_cb);
	if (err)
		weft__net_close(p, err, "cannot read");
}

static struct weft_peer *
peer_new(struct weft_net *n, enum weft_peer_dir dir, const uint8_t *remote)
{
	struct weft_session_cfg	 cfg;
	struct weft_wire_interest *in = NULL;
	struct weft_peer	*p;
	uint8_t			 eph[32];
	int			 err;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.netkey = n->netkey;
	cfg.local = n->node;
	cfg.listen = n->listen[0] != '\0' ? n->listen : NULL;
	cfg.limits = n->limits.session;
	cfg.limits.sendq_max = n->limits.sendq_max;
	/* Our interests for HELLO (docs/proto/sync.md, "Scopes"). */
	if (n->sync != NULL) {
		in = calloc(WEFT_WIRE_INTERESTS_MAX, sizeof(*in));
		if (in == NULL) {
			free(p);
			return NULL;
		}
		cfg.interests = in;
		cfg.ninterests = weft_sync_interests(n->sync, in,
		    WEFT_WIRE_INTERESTS_MAX);
	}
	randombytes_buf(eph, sizeof(eph));
	err = weft_session_init(&p->sess, &cfg, remote, eph,
	    uv_now(n->loop));
	free(in);
	sodium_memzero(eph, sizeof(eph));
	if (err) {
		weft_session_release(&p->sess);
		free(p);
		return NULL;
	}
	err = uv_tcp_init(n->loop, &p->tcp);
	if (err) {
		weft_session_release(&p->sess);
		free(p);
		return NULL;
	}
	p->tcp.data = p;
	p->net = n;
	p->id = ++n->next_id;
	p->dir = dir;
	p->refs = 1;
	p->accepted_ms = uv_now(n->loop);
	n->handles++;
	TAILQ_INSERT_TAIL(&n->peers.all, p, entry);
	if (dir == WEFT_PEER_IN)
		n->peers.nin++;
	else
		n->peers.nout++;
	p->counted = true;
	return p;
}

/*
 * Reads what a new inbound connection sent before we accepted it (a
 * client hello is usually there): a handshake's progress is what decides
 * which one is evicted (evict.h), and under a flood more connections can
 * be accepted in one go than there are handshake slots, before the loop
 * comes round to read. EOF and errors are left to the next read.
 */
static void
read_early(struct weft_peer *p)
{
	struct weft_net		*n = p->net;
	uv_os_fd_t		 fd;
	ssize_t			 r;
	int			 err;

	if (n->rbuf_busy || uv_fileno((uv_handle_t *)&p->tcp, &fd) != 0)
		return;
	r = recv(fd, n->rbuf, sizeof(n->rbuf), MSG_DONTWAIT);
	if (r <= 0)
		return;
	n->rbuf_busy = true;
	p->bytes_in += (uint64_t)r;
	err = weft_session_feed(&p->sess, n->rbuf, (size_t)r,
	    uv_now(n->loop));
	if (err)
		weft__net_close(p, err, NULL);
	else
		peer_advance(p);
	n->rbuf_busy = false;
}

/*
 * Whether an inbound connection that opened is one of the nodes we were
 * told to keep (configuration, weft connect): those are never evicted.
 */
static bool
peer_kept(struct weft_net *n, const struct weft_peer *p)
{
	struct weft_dial	*d;

	if (!p->was_open || !p->has_node)
		return false;
	d = weft_net_dial_find(n, p->node);
	return d != NULL && !d->learned && !d->seed;
}

/*
 * Makes room for the inbound connection np under the caps (evict.h),
 * evicting others as weft_evict_choose() says: when it is accepted, among
 * the handshakes under the handshake caps; when its handshake completed
 * (opening), among the open peers under the total and group caps. So
 * only a peer that completes a handshake can evict an open one. Returns
 * false when np must be refused.
 */
static bool
admit(struct weft_net *n, struct weft_peer *np, bool opening)
{
	struct weft_evict_limits l;
	struct weft_evict_cand	*c = NULL;
	struct weft_peer	**pp = NULL, *p;
	size_t			 k, cap = (size_t)n->peers.nin + 1;
	uint64_t		 now = uv_now(n->loop);
	bool			 ok = false;
	int			 i;

	weft_evict_limits_default(&l);
	l.in_max = opening ? n->limits.in_max : UINT_MAX;
	l.group_max = opening ? n->limits.in_group_max : UINT_MAX;
	l.hs_max = opening ? UINT_MAX : n->limits.hs_max;
	l.hs_group_max = opening ? UINT_MAX : n->limits.hs_group_max;
	c = calloc(cap, sizeof(*c));
	pp = calloc(cap, sizeof(*pp));
	if (c == NULL || pp == NULL)
		goto out;
	k = 0;
	TAILQ_FOREACH(p, &n->peers.all, entry) {
		if (p == np || p->dir != WEFT_PEER_IN || !p->counted ||
		    p->closing || p->draining || p->was_open != opening ||
		    k == cap)
			continue;
		c[k].since_ms = p->accepted_ms;
		c[k].useful_ms = p->useful_ms;
		c[k].group = p->group;
		c[k].progress = weft_evict_progress(p->bytes_in);
		c[k].open = p->was_open;
		c[k].keep = peer_kept(n, p);
		pp[k++] = p;
	}
	/* Each round closes one; a few are enough for every cap. */
	for (int round = 0; round < 4; round++) {
		i = weft_evict_choose(c, k, np->group, &l, now);
		if (i == WEFT_EVICT_ADMIT) {
			ok = true;
			break;
		}
		if (i < 0)
			break;
		p = pp[i];
		p->evicted = true;
		weft__net_close(p, WEFT_EBUSY, "evicted for a new connection");
		c[i] = c[k - 1];
		pp[i] = pp[k - 1];
		k--;
	}
out:
	free(c);
	free(pp);
	return ok;
}

static void	accept_one(struct weft_net *);

/* The next turn of the loop: accept what is pending, which resumes libuv. */
static void
accept_timer_cb(uv_timer_t *t)
{
	struct weft_net	*n = t->data;

	n->accepts = 0;
	n->accept_turn = uv_now(n->loop);
	if (!n->stopping)
		accept_one(n);
}

static void
connection_cb(uv_stream_t *server, int status)
{
	struct weft_net		*n = server->data;

	if (status < 0) {
		log_warnc(status, "cannot accept a peer connection");
		return;
	}
	if (n->accept_turn != uv_now(n->loop)) {
		n->accept_turn = uv_now(n->loop);
		n->accepts = 0;
	}
	/*
	 * Enough for this turn: not accepting makes libuv stop polling the
	 * listener until the timer accepts the pending one next turn.
	 */
	if (++n->accepts > WEFT_NET_ACCEPT_BURST && !n->stopping) {
		uv_timer_start(&n->accept_timer, accept_timer_cb, 0, 0);
		return;
	}
	accept_one(n);
}

static void
accept_one(struct weft_net *n)
{
	uv_stream_t		*server = (uv_stream_t *)&n->listener;
	struct weft_peer	*p;
	struct sockaddr_storage	 sa;
	uv_tcp_t		*refuse;
	int			 len, err;

	p = n->stopping ? NULL : peer_new(n, WEFT_PEER_IN, NULL);
	if (p == NULL) {
		/* Always accept, or libuv stops polling the listener. */
		refuse = malloc(sizeof(*refuse));
		if (refuse == NULL || uv_tcp_init(n->loop, refuse) != 0) {
			free(refuse);
			return;
		}
		(void)uv_accept(server, (uv_stream_t *)refuse);
		uv_close((uv_handle_t *)refuse, refused_close_cb);
		if (!n->stopping)
			log_warnx("cannot set up a peer connection: "
			    "out of memory");
		return;
	}
	err = uv_accept(server, (uv_stream_t *)&p->tcp);
	if (err) {
		weft__net_close(p, err, "cannot accept");
		return;
	}
	p->connected = true;
	len = sizeof(sa);
	if (uv_tcp_getpeername(&p->tcp, (struct sockaddr *)&sa, &len) == 0) {
		sockaddr_str(&sa, p->addr, sizeof(p->addr));
		p->group = weft_evict_group((struct sockaddr *)&sa);
	}
	if (!admit(n, p, false)) {
		if (weft_ratelog_note(&n->ratelog, WEFT_RATELOG_REFUSED,
		    p->addr, uv_now(n->loop)))
			log_info("peer %s: refused: no handshake slot free",
			    p->addr);
		/* Quietly: the refusal is logged above. */
		weft_peers_remove(&n->peers, p);
		p->draining = true;
		p->closing = true;
		uv_close((uv_handle_t *)&p->tcp, peer_close_cb);
		return;
	}
	uv_tcp_nodelay(&p->tcp, 1);
	peer_read_start(p);
	if (!p->closing)
		read_early(p);
	if (!p->closing)
		weft__net_flush(p);
}

static void
connect_cb(uv_connect_t *req, int status)
{
	struct weft_peer	*p = req->data;

	if (!p->closing) {
		if (status < 0) {
			weft__net_close(p, status, "cannot connect");
		} else {
			p->connected = true;
			uv_tcp_nodelay(&p->tcp, 1);
			peer_read_start(p);
			if (!p->closing)
				weft__net_flush(p);
		}
	}
	peer_unref(p);
}

/* An attempt failed before a connection existed (resolving, memory). */
static void
dial_failed(struct weft_net *n, struct weft_dial *d, int err)
{
	uint64_t	now = uv_now(n->loop);

	if (d->ai != NULL)
		uv_freeaddrinfo(d->ai);
	d->ai = d->ai_next = NULL;
	if (d->learned) {
		if (weft_addrbook_done(&n->book, d->node, false, now))
			book_touch(n);
		dial_free(n, d);
		return;
	}
	d->last_err = err;
	d->attempts++;
	d->next_ms = now + backoff_ms(&n->limits, d->attempts);
}

/* A name's resolution in flight; d is NULL once the dial was dropped. */
struct weft__gai {
	uv_getaddrinfo_t	 req;
	struct weft_net		*n;
	struct weft_dial	*d;
};

static void
gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct weft__gai	*g = req->data;
	struct weft_net		*n = g->n;
	struct weft_dial	*d = g->d;

	free(g);
	if (d != NULL)
		d->gai = NULL;
	if (d == NULL || n->stopping) {
		if (res != NULL)
			uv_freeaddrinfo(res);
	} else if (status < 0 || res == NULL) {
		log_info("peer %s: cannot resolve '%s': %s", d->addr, d->host,
		    weft_strerror(status < 0 ? status : UV_EAI_NONAME));
		if (res != NULL)
			uv_freeaddrinfo(res);
		dial_failed(n, d, status < 0 ? status : UV_EAI_NONAME);
	} else if (weft_peers_find(&n->peers, d->node) != NULL ||
	    n->peers.nout >= n->limits.out_max) {
		/* Connected meanwhile, or no room: no attempt, no failure. */
		uv_freeaddrinfo(res);
		if (d->learned) {
			struct weft_addr *e;

			e = weft_addrbook_find(&n->book, d->node);
			if (e != NULL)
				e->dialing = false;
			dial_free(n, d);
		} else {
			d->next_ms = uv_now(n->loop) +
			    n->limits.backoff_min_ms;
		}
	} else {
		d->ai = d->ai_next = res;
		dial(n, d);
	}
	net_unref(n);
}

/* Resolves d's name (every dial: a DynDNS name moves), then dials. */
static void
resolve(struct weft_net *n, struct weft_dial *d)
{
	struct weft__gai	*g;
	struct addrinfo		 hints;
	char			 port[8];
	int			 err;

	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		dial_failed(n, d, -ENOMEM);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(port, sizeof(port), "%u", d->port);
	g->n = n;
	g->d = d;
	g->req.data = g;
	err = uv_getaddrinfo(n->loop, &g->req, gai_cb, d->host, port, &hints);
	if (err) {
		free(g);
		dial_failed(n, d, err);
		return;
	}
	d->gai = g;
	n->handles++;		/* the net outlives the callback */
}

static void
dial(struct weft_net *n, struct weft_dial *d)
{
	struct weft_peer	*p;
	const struct addrinfo	*ai;
	int			 err;

	d->next_ms = UINT64_MAX;
	if (d->name) {
		/* Skip what is neither IPv4 nor IPv6. */
		while ((ai = d->ai_next) != NULL &&
		    ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(d->sa)))
			d->ai_next = ai->ai_next;
		if (ai == NULL) {
			if (d->ai != NULL) {
				/* Every address was tried. */
				dial_failed(n, d, d->last_err != 0 ?
				    d->last_err : UV_EAI_NONAME);
				return;
			}
			resolve(n, d);
			return;
		}
		memset(&d->sa, 0, sizeof(d->sa));
		memcpy(&d->sa, ai->ai_addr, ai->ai_addrlen);
		d->ai_next = ai->ai_next;
	}
	p = peer_new(n, WEFT_PEER_OUT, d->node);
	if (p == NULL) {
		dial_failed(n, d, -ENOMEM);
		return;
	}
	p->dial = d;
	d->conn = p;
	memcpy(p->node, d->node, sizeof(p->node));
	p->has_node = true;
	snprintf(p->addr, sizeof(p->addr), "%s", d->addr);
	p->creq.data = p;
	err = uv_tcp_connect(&p->creq, &p->tcp, (struct sockaddr *)&d->sa,
	    connect_cb);
	if (err) {
		weft__net_close(p, err, "cannot connect");
		return;
	}
	p->refs++;
}

/* Timer */

static void
tick_cb(uv_timer_t *t)
{
	struct weft_net		*n = t->data;
	struct weft_peer	*p, *tmp;
	struct weft_dial	*d, *dtmp;
	uint64_t		 now = uv_now(n->loop);
	int			 err;

	for (p = TAILQ_FIRST(&n->peers.all); p != NULL; p = tmp) {
		tmp = TAILQ_NEXT(p, entry);
		if (p->closing)
			continue;
		if (p->draining) {
			if (now >= p->grace_ms) {
				p->closing = true;
				uv_close((uv_handle_t *)&p->tcp,
				    peer_close_cb);
			}
			continue;
		}
		if (now < p->next_ms)
			continue;
		err = weft_session_tick(&p->sess, now, &p->next_ms);
		if (err)
			weft__net_close(p, err, NULL);
		else
			weft__net_flush(p);
	}
	for (d = TAILQ_FIRST(&n->dials); d != NULL; d = dtmp) {
		dtmp = TAILQ_NEXT(d, entry);
		if (d->conn != NULL || d->gai != NULL || now < d->next_ms ||
		    n->peers.nout >= n->limits.out_max)
			continue;
		if (weft_peers_find(&n->peers, d->node) != NULL)
			continue;
		/* A seed only while we have too few peers. */
		if (d->seed && n->peers.nopen > 0 &&
		    n->peers.nopen >= n->limits.out_target)
			continue;
		dial(n, d);
	}
	discover(n, now);
	weft_ratelog_flush(&n->ratelog, now, false);
	if (n->book_dirty && now >= n->book_due_ms)
		book_write(n);
}

/* Start and stop */

static void
net_unref(struct weft_net *n)
{
	struct weft_dial	*d;

	if (--n->handles > 0 || !n->stopping)
		return;
	while ((d = TAILQ_FIRST(&n->dials)) != NULL) {
		TAILQ_REMOVE(&n->dials, d, entry);
		if (d->ai != NULL)
			uv_freeaddrinfo(d->ai);
		free(d);
	}
	weft_addrbook_release(&n->book);
	sodium_memzero(n->netkey, sizeof(n->netkey));
	free(n);
}

static void
net_handle_close_cb(uv_handle_t *h)
{
	net_unref(h->data);
}

/*
 * Keeps the peers' file descriptors under RLIMIT_NOFILE: raises the soft
 * limit as far as needed and allowed, else lowers the inbound cap.
 */
static void
fd_budget(struct weft_net_limits *l)
{
	struct rlimit	rl;
	rlim_t		need;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	need = (rlim_t)l->in_max + l->hs_max + l->out_max +
	    WEFT_NET_FD_RESERVE;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max >= need ? need : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	need = (rlim_t)l->hs_max + l->out_max + WEFT_NET_FD_RESERVE;
	l->in_max = rl.rlim_cur > need ? (unsigned)(rl.rlim_cur - need) : 0;
	log_warnx("max-inbound lowered to %u: only %llu open files allowed "
	    "(ulimit -n)", l->in_max, (unsigned long long)rl.rlim_cur);
}

int
weft_net_start(struct weft_net **np, uv_loop_t *loop,
    const uint8_t netkey[32], const struct weft_keypair *node,
    const char *listen, const struct weft_net_limits *limits)
{
	struct weft_net		*n;
	struct sockaddr_storage	 sa;
	int			 len, err;

	*np = NULL;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->loop = loop;
	n->node = node;
	memcpy(n->netkey, netkey, sizeof(n->netkey));
	n->limits = *limits;
	fd_budget(&n->limits);
	weft_ratelog_init(&n->ratelog);
	weft_peers_init(&n->peers);
	TAILQ_INIT(&n->dials);
	apps_register(n);
	if (weft_addrbook_init(&n->book, node->pk, WEFT_ADDRBOOK_MAX) != 0) {
		free(n);
		return -ENOMEM;
	}

	uv_timer_init(loop, &n->tick);
	n->tick.data = n;
	n->handles++;
	uv_timer_start(&n->tick, tick_cb, WEFT_NET_TICK_MS, WEFT_NET_TICK_MS);
	uv_timer_init(loop, &n->sync_timer);
	n->sync_timer.data = n;
	n->handles++;
	uv_timer_init(loop, &n->accept_timer);
	n->accept_timer.data = n;
	n->handles++;

	if (listen != NULL) {
		err = sockaddr_parse(listen, &sa, NULL);
		if (err) {
			log_warnx("cannot listen on '%s': not an IP address "
			    "and port", listen);
			goto fail;
		}
		uv_tcp_init(loop, &n->listener);
		n->listener.data = n;
		n->handles++;
		n->listening = true;
		err = uv_tcp_bind(&n->listener, (struct sockaddr *)&sa, 0);
		if (err == 0)
			err = uv_listen((uv_stream_t *)&n->listener, 128,
			    connection_cb);
		if (err) {
			log_warnc(err, "cannot listen on '%s'", listen);
			goto fail;
		}
		len = sizeof(sa);
		err = uv_tcp_getsockname(&n->listener, (struct sockaddr *)&sa,
		    &len);
		if (err) {
			log_warnc(err, "cannot listen on '%s'", listen);
			goto fail;
		}
		sockaddr_str(&sa, n->listen, sizeof(n->listen));
		log_info("listening for peers on %s", n->listen);
	}
	*np = n;
	return 0;
fail:
	weft_net_stop(n);
	return err;
}

void
weft_net_set_clock(struct weft_net *n, const struct weft_clock *c)
{
	n->clock = c;
}

void
weft_net_stop(struct weft_net *n)
{
	struct weft_peer	*p, *tmp;

	if (n == NULL || n->stopping)
		return;
	n->stopping = true;
	/* While stopping, closing never waits for a goodbye to drain. */
	for (p = TAILQ_FIRST(&n->peers.all); p != NULL; p = tmp) {
		tmp = TAILQ_NEXT(p, entry);
		weft__net_close(p, 0, "shutting down");
	}
	weft_ratelog_flush(&n->ratelog, uv_now(n->loop), true);
	/* The book's last state, unless a write is running (it follows). */
	book_write(n);
	if (n->listening)
		uv_close((uv_handle_t *)&n->listener, net_handle_close_cb);
	uv_close((uv_handle_t *)&n->tick, net_handle_close_cb);
	uv_close((uv_handle_t *)&n->sync_timer, net_handle_close_cb);
	uv_close((uv_handle_t *)&n->accept_timer, net_handle_close_cb);
}

/* Dials */

struct weft_dial *
weft_net_dial_find(struct weft_net *n, const uint8_t node[32])
{
	struct weft_dial	*d;

	TAILQ_FOREACH(d, &n->dials, entry)
		if (memcmp(d->node, node, 32) == 0)
			return d;
	return NULL;
}

static void
dial_free(struct weft_net *n, struct weft_dial *d)
{
	TAILQ_REMOVE(&n->dials, d, entry);
	if (!d->learned)
		n->ndials--;
	if (d->gai != NULL)
		d->gai->d = NULL;	/* its callback drops the result */
	if (d->ai != NULL)
		uv_freeaddrinfo(d->ai);
	free(d);
}

/*
 * Stops dialling d: a connection still in its handshake is closed, an
 * open one is left alone (but no longer counts as d's).
 */
static void
dial_drop(struct weft_net *n, struct weft_dial *d)
{
	struct weft_peer	*p = d->conn;

	if (p != NULL) {
		p->dial = NULL;
		d->conn = NULL;
		if (!p->was_open)
			weft__net_close(p, 0, "no longer dialled");
	}
	dial_free(n, d);
}

static void
unhold(struct weft_net *n, const uint8_t node[32])
{
	for (unsigned i = 0; i < n->nheld; i++)
		if (memcmp(n->held[i], node, 32) == 0) {
			memcpy(n->held[i], n->held[--n->nheld], 32);
			return;
		}
}

int
weft_net_connect_from(struct weft_net *n, const char *peer, unsigned source)
{
	struct weft_dial	*d;
	struct weft_addr	*e;
	char			 addr[WEFT_NET_ADDR_MAX];
	uint8_t			 node[32];
	int			 err;

	err = weft_net_parse_peer(peer, node, addr);
	if (err)
		return err;
	if (memcmp(node, n->node->pk, 32) == 0)
		return WEFT_EUSAGE;
	d = weft_net_dial_find(n, node);
	if (d == NULL || d->learned) {
		if (n->ndials >= WEFT_NET_DIALS_MAX)
			return WEFT_ETOOBIG;
	}
	if (d == NULL) {
		d = calloc(1, sizeof(*d));
		if (d == NULL)
			return -ENOMEM;
		memcpy(d->node, node, 32);
		TAILQ_INSERT_TAIL(&n->dials, d, entry);
		n->ndials++;
	} else if (d->learned) {
		/* A one-shot dial of the book becomes one we keep. */
		d->learned = false;
		n->ndials++;
		e = weft_addrbook_find(&n->book, node);
		if (e != NULL)
			e->dialing = false;
	}
	if (d->gai != NULL) {
		d->gai->d = NULL;	/* resolving the old address */
		d->gai = NULL;
	}
	if (dial_set_addr(d, addr) != 0) {
		dial_free(n, d);
		return WEFT_EUSAGE;
	}
	d->source = (uint8_t)source;
	d->seed = source == WEFT_ADDR_SEED;
	d->attempts = 0;
	d->last_err = 0;
	d->next_ms = 0;
	unhold(n, node);
	if (d->conn == NULL && weft_peers_find(&n->peers, node) == NULL &&
	    n->peers.nout < n->limits.out_max && !n->stopping)
		dial(n, d);
	return 0;
}

int
weft_net_connect(struct weft_net *n, const char *peer)
{
	return weft_net_connect_from(n, peer, WEFT_ADDR_CONNECT);
}

int
weft_net_seed(struct weft_net *n, const char *peer)
{
	return weft_net_connect_from(n, peer, WEFT_ADDR_SEED);
}

int
weft_net_learn(struct weft_net *n, const uint8_t node[32],
    const char *ip_port, enum weft_addr_source source)
{
	struct weft_addr	*e;
	int			 err;

	err = weft_addrbook_add_from(&n->book, node, ip_port, source,
	    uv_now(n->loop));
	if (err)
		return err;
	e = weft_addrbook_find(&n->book, node);
	if (e != NULL && !e->dialing && !n->stopping &&
	    !discover_skip(n, node) &&
	    n->peers.nout < n->limits.out_target &&
	    n->peers.nout < n->limits.out_max) {
		e->dialing = true;
		dial_entry(n, e);
	}
	return 0;
}

int
weft_net_forget(struct weft_net *n, const uint8_t node[32])
{
	struct weft_dial	*d;
	bool			 found = false;

	if (weft_addrbook_remove(&n->book, node) == 0) {
		found = true;
		book_touch(n);
	}
	d = weft_net_dial_find(n, node);
	if (d != NULL) {
		found = true;
		dial_drop(n, d);
	}
	return found ? 0 : WEFT_ENOTFOUND;
}

int
weft_net_disconnect(struct weft_net *n, const uint8_t node[32])
{
	struct weft_peer	*p;
	struct weft_dial	*d;

	p = weft_peers_find(&n->peers, node);
	d = weft_net_dial_find(n, node);
	if (p == NULL && d == NULL)
		return WEFT_ENOTFOUND;
	if (!is_held(n, node) && n->nheld < WEFT_NET_HELD_MAX)
		memcpy(n->held[n->nheld++], node, 32);
	if (d != NULL)
		dial_drop(n, d);
	if (p != NULL)
		weft__net_close(p, 0, "disconnected by the user");
	return 0;
}

/* The address book in the store */

struct book_job {
	uv_work_t		 req;
	struct weft_net		*n;
	struct weft_store	*store;
	struct weft_store_peer	*v;
	size_t			 nv;
	int			 err;
};

static void
book_touch(struct weft_net *n)
{
	if (n->store == NULL || n->book_dirty)
		return;
	n->book_dirty = true;
	n->book_due_ms = uv_now(n->loop) + WEFT_NET_PERSIST_MS;
}

static void
book_work_cb(uv_work_t *req)
{
	struct book_job	*j = req->data;

	j->err = weft_store_peers_save(j->store, j->v, j->nv);
}

static void
book_after_cb(uv_work_t *req, int status)
{
	struct book_job	*j = req->data;
	struct weft_net	*n = j->n;

	if (status == 0 && j->err != 0)
		log_warnc(j->err, "cannot save the address book");
	free(j->v);
	free(j);
	n->book_busy = false;
	if (n->stopping)
		book_write(n);	/* what changed while this ran */
	net_unref(n);
}

/*
 * Writes the verified entries to the store in a job on the thread pool:
 * never an fsync on the loop, and changes that come while one runs are
 * written by the next (one job at a time, so they commit in order).
 */
static void
book_write(struct weft_net *n)
{
	struct book_job	*j;
	int		 err;

	if (n->store == NULL || n->book_busy || !n->book_dirty)
		return;
	j = calloc(1, sizeof(*j));
	if (j != NULL)
		j->v = calloc(n->book.n > 0 ? n->book.n : 1, sizeof(*j->v));
	if (j == NULL || j->v == NULL) {
		free(j);
		log_warnx("cannot save the address book: out of memory");
		return;
	}
	for (size_t i = 0; i < n->book.n; i++) {
		const struct weft_addr *e = &n->book.v[i];

		if (!e->verified)
			continue;
		memcpy(j->v[j->nv].node, e->node, 32);
		j->v[j->nv].len = weft_addr_encode(e, j->v[j->nv].val);
		j->nv++;
	}
	j->n = n;
	j->store = n->store;
	j->req.data = j;
	err = uv_queue_work(n->loop, &j->req, book_work_cb, book_after_cb);
	if (err) {
		free(j->v);
		free(j);
		log_warnc(err, "cannot save the address book");
		return;
	}
	n->book_dirty = false;
	n->book_busy = true;
	n->handles++;
}

static int
book_load_cb(void *arg, const uint8_t node[32], const uint8_t *val,
    size_t len)
{
	struct weft_net	*n = arg;
	struct weft_addr e;

	/* A row we cannot read is dropped at the next write. */
	if (weft_addr_decode(node, val, len, &e) != 0 ||
	    weft_addrbook_load(&n->book, &e, uv_now(n->loop)) != 0)
		book_touch(n);
	return 0;
}

int
weft_net_set_store(struct weft_net *n, struct weft_store *s)
{
	int	err;

	n->store = s;
	err = weft_store_peers_load(s, book_load_cb, n);
	if (err)
		log_warnc(err, "cannot load the address book");
	weft_addrbook_sort(&n->book);
	if (n->book.n > 0)
		log_info("address book: %zu known peer%s", n->book.n,
		    n->book.n == 1 ? "" : "s");
	/*
	 * What the user asked for (--peer, config, weft connect) is kept
	 * connected again, whatever the outbound target; the rest is
	 * dialled best first while under it.
	 */
	for (size_t i = 0; i < n->book.n; i++) {
		const struct weft_addr	*e = &n->book.v[i];
		char			 peer[65 + WEFT_NET_ADDR_MAX];

		if (e->source != WEFT_ADDR_CONFIG &&
		    e->source != WEFT_ADDR_CONNECT)
			continue;
		if (weft_net_dial_find(n, e->node) != NULL)
			continue;
		weft_hex_encode(peer, e->node, 32);
		snprintf(peer + 64, sizeof(peer) - 64, "@%.*s",
		    WEFT_NET_ADDR_MAX - 1, e->addr);
		(void)weft_net_connect_from(n, peer, e->source);
	}
	dial_known(n);
	return err;
}

unsigned
weft_net_netkey_mismatches(struct weft_net *n)
{
	struct weft_dial	*d;
	unsigned		 k = 0;

	TAILQ_FOREACH(d, &n->dials, entry)
		if (!d->learned && d->conn == NULL &&
		    d->last_err == WEFT_ENETKEY &&
		    weft_peers_find(&n->peers, d->node) == NULL)
			k++;
	return k;
}

/* Where others can dial us */

static bool
addr_shown(const uv_interface_address_t *ia, int family)
{
	if (ia->address.address4.sin_family != family)
		return false;
	if (family == AF_INET6) {
		const uint8_t *a = ia->address.address6.sin6_addr.s6_addr;

		return !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	}
	return true;
}

size_t
weft_net_addresses(struct weft_net *n, char (*out)[WEFT_NET_ADDR_MAX],
    size_t max)
{
	uv_interface_address_t	*ia;
	const char		*port;
	char			 ip[INET6_ADDRSTRLEN];
	bool			 v6 = n->listen[0] == '[';
	size_t			 k = 0;
	int			 count;

	if (n->listen[0] == '\0' || max == 0)
		return 0;
	if (strncmp(n->listen, "0.0.0.0:", 8) != 0 &&
	    strncmp(n->listen, "[::]:", 5) != 0) {
		snprintf(out[0], WEFT_NET_ADDR_MAX, "%s", n->listen);
		return 1;
	}
	port = strrchr(n->listen, ':') + 1;
	if (uv_interface_addresses(&ia, &count) != 0)
		return 0;
	/* Other hosts' view first; loopback only when there is no other. */
	for (int pass = 0; pass < 2 && k == 0; pass++)
		for (int i = 0; i < count && k < max; i++) {
			int	fam;

			if ((pass == 0) == (ia[i].is_internal != 0))
				continue;
			for (fam = 0; fam < 2; fam++) {
				int f = fam == 0 ? AF_INET : AF_INET6;

				if ((f == AF_INET6 && !v6) ||
				    !addr_shown(&ia[i], f))
					continue;
				if (f == AF_INET) {
					uv_ip4_name(&ia[i].address.address4,
					    ip, sizeof(ip));
					snprintf(out[k], WEFT_NET_ADDR_MAX,
					    "%s:%s", ip, port);
				} else {
					uv_ip6_name(&ia[i].address.address6,
					    ip, sizeof(ip));
					snprintf(out[k], WEFT_NET_ADDR_MAX,
					    "[%s]:%s", ip, port);
				}
				k++;
			}
		}
	uv_free_interface_addresses(ia, count);
	return k;
}

/* Replication: struct weft_sync_io over the connections */

struct sync_work {
	uv_work_t		 req;
	struct weft_net_port	*port;
	weft_sync_job_fn	*fn;
	weft_sync_done_fn	*done;
	void			*job;
	int			 status;
};

static void
sync_timer_cb(uv_timer_t *t)
{
	sync_kick(t->data);
}

/*
 * Runs sync's timers, sends what it queued on any connection, and arms
 * the timer for its next deadline. Never called from inside a call into
 * sync (the io callbacks below only queue), so sync is never re-entered.
 */
static void
sync_kick(struct weft_net *n)
{
	struct weft_peer	*p, *tmp;
	uint64_t		 now, dl = UINT64_MAX, fdl;

	if ((n->sync == NULL && n->fetch == NULL) || n->stopping) {
		n->sync_kick = false;
		return;
	}
	now = uv_now(n->loop);
	if (n->sync != NULL)
		dl = weft_sync_tick(n->sync, now);
	if (n->sync != NULL && n->fetch != NULL) {
		struct weft_sync_stats	ss;

		/*
		 * Records stored from peers may have made files wanted (a
		 * policy at ingest): let fetch look at once, not at its
		 * next rescan.
		 */
		weft_sync_stats(n->sync, &ss);
		if (ss.stored != n->sync_stored) {
			n->sync_stored = ss.stored;
			weft_fetch_kick(n->fetch, now);
		}
	}
	if (n->fetch != NULL) {
		fdl = weft_fetch_tick(n->fetch, now);
		if (fdl < dl)
			dl = fdl;
	}
	for (p = TAILQ_FIRST(&n->peers.all); p != NULL; p = tmp) {
		tmp = TAILQ_NEXT(p, entry);
		if (p->open && !p->closing && !p->draining)
			weft__net_flush(p);
	}
	n->sync_kick = false;
	if (dl == UINT64_MAX)
		uv_timer_stop(&n->sync_timer);
	else
		uv_timer_start(&n->sync_timer, sync_timer_cb,
		    dl > now ? dl - now : 0, 0);
}

/* The peer with handle id, or NULL. */
static struct weft_peer *
net_peer(struct weft_net_port *port, uint64_t id)
{
	struct weft_peer	*p;

	if (port->net == NULL)
		return NULL;
	TAILQ_FOREACH(p, &port->net->peers.all, entry)
		if (p->id == id)
			return p;
	return NULL;
}

/* The open connection with handle id and its mux, or NULL. */
static struct weft_mux *
io_peer_mux(void *arg, uint64_t id, struct weft_peer **pp)
{
	struct weft_net_port	*port = arg;
	struct weft_peer	*p;

	if (port->net == NULL || port->net->stopping)
		return NULL;
	p = net_peer(port, id);
	if (p == NULL || !p->open || p->closing || p->draining)
		return NULL;
	*pp = p;
	return weft_session_mux(&p->sess);
}

/* Opens the peer's sync or files channel for the application. */
static int
io_open(void *arg, uint64_t peer, const char *purpose, uint16_t *ch)
{
	struct weft_peer	*p;
	int			 err;

	if (io_peer_mux(arg, peer, &p) == NULL)
		return WEFT_ENOTFOUND;
	err = weft__net_chan_open(p, purpose, ch);
	if (err == 0)
		p->net->sync_kick = true;
	return err;
}

/* Closes the peer's connection for why, unless it is closing already. */
static void
io_close_peer(struct weft_net_port *port, uint64_t peer, int err,
    const char *why)
{
	struct weft_peer	*p;

	p = net_peer(port, peer);
	if (p == NULL || p->closing)
		return;
	weft__net_close(p, err != 0 ? err : WEFT_EPROTO, why);
}

static int
io_send(void *arg, uint64_t peer, uint16_t ch, const void *msg, size_t len)
{
	struct weft_peer	*p;
	struct weft_mux		*mux;
	int			 err;

	mux = io_peer_mux(arg, peer, &p);
	if (mux == NULL)
		return WEFT_ENOTFOUND;
	err = weft_mux_send(mux, ch, msg, len);
	if (err == 0)
		p->net->sync_kick = true;	/* flushed by the next kick */
	return err;
}

static void
sync_io_close(void *arg, uint64_t peer, int err, const char *reason)
{
	char	why[96];

	snprintf(why, sizeof(why), "sync: %s", reason != NULL ? reason :
	    "misbehaved");
	io_close_peer(arg, peer, err, why);
}

/* An invalid record from a peer; sync bounds how often this runs. */
static void
sync_io_reject(void *arg, uint64_t peer, const uint8_t *id, int err,
    uint64_t suppressed)
{
	struct weft_net_port	*port = arg;
	struct weft_peer	*p;
	char			 name[WEFT_PEER_NAME_MAX];
	char			 hex[2 * 8 + 1], more[48];

	p = net_peer(port, peer);
	if (p == NULL)
		return;
	weft_peer_name(p, name);
	more[0] = '\0';
	if (suppressed > 0)
		snprintf(more, sizeof(more), " (%" PRIu64 " earlier not "
		    "logged)", suppressed);
	if (id == NULL) {
		log_info("peer %s: rejected a record that does not open: "
		    "%s%s", name, weft_strerror(err), more);
		return;
	}
	weft_hex_encode(hex, id, 8);
	log_info("peer %s: rejected record %s: %s%s", name, hex,
	    weft_strerror(err), more);
}

static uint64_t
io_queued(void *arg, uint64_t peer, uint16_t ch)
{
	struct weft_peer	*p;
	struct weft_mux		*mux;

	mux = io_peer_mux(arg, peer, &p);
	return mux != NULL ? weft_mux_queued(mux, ch) : 0;
}

/* The peer delivered a record or chunk we stored: weft_net_useful(). */
static void
io_useful(void *arg, uint64_t peer)
{
	struct weft_net_port	*port = arg;

	weft_net_useful(port->net, peer);
}

static void
sync_work_cb(uv_work_t *req)
{
	struct sync_work	*w = req->data;

	w->status = w->fn(w->job);
}

static void
sync_after_cb(uv_work_t *req, int status)
{
	struct sync_work	*w = req->data;
	struct weft_net_port	*port = w->port;

	w->done(w->job, status == UV_ECANCELED ? status : w->status);
	free(w);
	if (port->net != NULL)
		sync_kick(port->net);
}

static int
io_work(void *arg, weft_sync_job_fn *fn, weft_sync_done_fn *done,
    void *job)
{
	struct weft_net_port	*port = arg;
	struct sync_work	*w;
	int			 err;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->req.data = w;
	w->port = port;
	w->fn = fn;
	w->done = done;
	w->job = job;
	err = uv_queue_work(port->loop, &w->req, sync_work_cb, sync_after_cb);
	if (err) {
		free(w);
		return err;
	}
	return 0;
}

/*
 * io.wake, for sync and fetch: work came from outside the network (a
 * record made here, files made wanted). The caller is inside sync or
 * fetch, which must not be re-entered, so the kick runs on the next turn
 * of the loop, through the timer sync_kick() re-arms anyway.
 */
static void
io_wake(void *arg)
{
	struct weft_net_port	*port = arg;

	if (port->net != NULL && !port->net->stopping)
		uv_timer_start(&port->net->sync_timer, sync_timer_cb, 0, 0);
}

/* Files: struct weft_fetch_io, as sync's but for the "files" channels. */

static void
fetch_io_close(void *arg, uint64_t peer, int err, const char *reason)
{
	io_close_peer(arg, peer, err, reason != NULL ? reason :
	    "files: misbehaved");
}

void
weft_net_fetch_io(struct weft_net_port *port, struct weft_fetch_io *io)
{
	memset(io, 0, sizeof(*io));
	io->arg = port;
	io->open = io_open;
	io->send = io_send;
	io->close = fetch_io_close;
	io->work = io_work;
	io->queued = io_queued;
	io->useful = io_useful;
	io->wake = io_wake;
}

/* "files" channels, to n->fetch. */

static void
fetch_app_up(void *arg, struct weft_peer *p, void *st)
{
	struct weft_net	*n = p->net;

	(void)arg;
	(void)st;
	weft_fetch_peer_up(n->fetch, p->id, p->node, uv_now(n->loop));
	n->sync_kick = true;
}

static int
fetch_app_open(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct weft_net	*n = p->net;
	int		 err;

	(void)arg;
	(void)st;
	err = weft_fetch_on_open(n->fetch, p->id, ch, WEFT_FETCH_PURPOSE);
	if (err == 0)
		n->sync_kick = true;
	return err;
}

static int
fetch_app_data(void *arg, struct weft_peer *p, void *st,
    const struct weft_mux_ev *ev)
{
	struct weft_net	*n = p->net;
	int		 err;

	(void)arg;
	(void)st;
	err = weft_fetch_on_msg(n->fetch, p->id, ev->ch, ev->data, ev->len,
	    uv_now(n->loop));
	n->sync_kick = true;
	return err;
}

static void
fetch_app_end(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct weft_net	*n = p->net;

	(void)arg;
	(void)st;
	weft_fetch_on_end(n->fetch, p->id, ch);
	n->sync_kick = true;
}

static void
fetch_app_down(void *arg, struct weft_peer *p, void *st)
{
	struct weft_net	*n = p->net;

	(void)arg;
	(void)st;
	weft_fetch_peer_down(n->fetch, p->id);
	sync_kick(n);
}

static const struct weft_net_app fetch_app = {
	.name = "files",
	.purpose = WEFT_FETCH_PURPOSE,
	.up = fetch_app_up,
	.open = fetch_app_open,
	.data = fetch_app_data,
	.end = fetch_app_end,
	.down = fetch_app_down,
};

void
weft_net_set_fetch(struct weft_net *n, struct weft_fetch *f)
{
	n->fetch = f;
	if (f != NULL)
		(void)weft_net_app_add(n, &fetch_app);
}

/* "sync" channels, to n->sync. */

static void
sync_app_up(void *arg, struct weft_peer *p, void *st)
{
	const struct weft_wire_interest *sent;
	struct weft_net			*n = p->net;
	uint32_t			 nsent;

	(void)arg;
	(void)st;
	/* The session checked that HELLO's node is the proven key. */
	sent = weft_session_interests(&p->sess, &nsent);
	weft_sync_peer_up_sent(n->sync, p->id, p->node,
	    weft_session_hello(&p->sess), sent, nsent, uv_now(n->loop));
	n->sync_kick = true;
}

static int
sync_app_open(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct weft_net	*n = p->net;
	int		 err;

	(void)arg;
	(void)st;
	err = weft_sync_on_open(n->sync, p->id, ch, WEFT_SYNC_PURPOSE);
	if (err == 0)
		n->sync_kick = true;
	return err;
}

static int
sync_app_data(void *arg, struct weft_peer *p, void *st,
    const struct weft_mux_ev *ev)
{
	struct weft_net	*n = p->net;
	int		 err;

	(void)arg;
	(void)st;
	err = weft_sync_on_msg(n->sync, p->id, ev->ch, ev->data, ev->len,
	    uv_now(n->loop));
	n->sync_kick = true;
	return err;
}

static void
sync_app_end(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct weft_net	*n = p->net;

	(void)arg;
	(void)st;
	weft_sync_on_end(n->sync, p->id, ch);
	n->sync_kick = true;
}

static void
sync_app_down(void *arg, struct weft_peer *p, void *st)
{
	struct weft_net	*n = p->net;

	(void)arg;
	(void)st;
	weft_sync_peer_down(n->sync, p->id);
	sync_kick(n);
}

static const struct weft_net_app sync_app = {
	.name = "sync",
	.purpose = WEFT_SYNC_PURPOSE,
	.up = sync_app_up,
	.open = sync_app_open,
	.data = sync_app_data,
	.end = sync_app_end,
	.down = sync_app_down,
};

void
weft_net_set_sync(struct weft_net *n, struct weft_sync *s)
{
	n->sync = s;
	if (s != NULL)
		(void)weft_net_app_add(n, &sync_app);
}

void
weft_net_sync_io(struct weft_net_port *port, struct weft_sync_io *io)
{
	memset(io, 0, sizeof(*io));
	io->arg = port;
	io->open = io_open;
	io->send = io_send;
	io->close = sync_io_close;
	io->work = io_work;
	io->queued = io_queued;
	io->reject = sync_io_reject;
	io->useful = io_useful;
	io->wake = io_wake;
}
