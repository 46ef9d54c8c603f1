/*
 * A peer connection as a state machine: secret handshake (proto/shs.c),
 * then box-stream (proto/boxstream.c) carrying the peer messages. The
 * first box each side sends is its HELLO; the peer's HELLO must name the
 * node key the handshake authenticated. Nothing here does I/O or reads a
 * clock: the daemon's net.c moves the bytes and passes the time in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/boxstream.h"
#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"
#include "weft/shs.h"
#include "weft/version.h"

#include "session.h"

#define HELLO_VERSION	1

static int
fail(struct weft_session *s, int err)
{
	if (s->err == 0)
		s->err = err;
	s->state = WEFT_SESSION_CLOSED;
	weft_shs_release(&s->shs);
	return s->err;
}

int
weft_session_init(struct weft_session *s, const struct weft_session_cfg *cfg,
    const uint8_t *remote_pk, const uint8_t eph_sk[static 32],
    uint64_t now_ms)
{
	int	err;

	memset(s, 0, sizeof(*s));
	s->state = WEFT_SESSION_HANDSHAKE;
	s->limits = cfg->limits;
	s->local = cfg->local;
	s->start_ms = now_ms;
	s->last_rx_ms = now_ms;
	weft_buf_init(&s->ctlq, WEFT_SESSION_CTLQ_MAX);
	if (cfg->listen != NULL) {
		if (strlen(cfg->listen) >= sizeof(s->listen))
			return fail(s, WEFT_EUSAGE);
		memcpy(s->listen, cfg->listen, strlen(cfg->listen) + 1);
	}
	if (remote_pk != NULL) {
		s->initiator = true;
		memcpy(s->remote, remote_pk, WEFT_SHS_PK_BYTES);
		err = weft_shs_init_client(&s->shs, cfg->netkey, cfg->local,
		    remote_pk, eph_sk);
	} else {
		err = weft_shs_init_server(&s->shs, cfg->netkey, cfg->local,
		    eph_sk);
	}
	if (err)
		return fail(s, err);
	return 0;
}

void
weft_session_release(struct weft_session *s)
{
	weft_shs_release(&s->shs);
	if (s->tx != NULL) {
		weft_boxs_release(&s->tx[0]);
		weft_boxs_release(&s->tx[1]);
		free(s->tx);
	}
	s->tx = NULL;
	s->rx = NULL;
	weft_buf_release(&s->ctlq);
	s->ctlq_off = 0;
	if (s->state != WEFT_SESSION_CLOSED)
		s->state = WEFT_SESSION_CLOSED;
}

/* Messages */

/* Queues one encoded message (at most one box body). */
static int
queue_msg(struct weft_session *s, const struct weft_buf *m)
{
	uint8_t	hdr[2];
	int	err;

	if (m->len == 0 || m->len > WEFT_BOXS_BODY_MAX)
		return WEFT_ETOOBIG;
	hdr[0] = (uint8_t)(m->len >> 8);
	hdr[1] = (uint8_t)m->len;
	err = weft_buf_reserve(&s->ctlq, 2 + m->len);
	if (err)
		return err;
	weft_buf_add(&s->ctlq, hdr, 2);
	weft_buf_add(&s->ctlq, m->data, m->len);
	return 0;
}

static int
send_hello(struct weft_session *s)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	int			err;

	weft_buf_init(&b, WEFT_SESSION_MSG_MAX);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 6);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "hello");
	weft_pack_str(&pk, "v");
	weft_pack_uint(&pk, HELLO_VERSION);
	weft_pack_str(&pk, "node");
	weft_pack_bin(&pk, s->local->pk, WEFT_KEY_PK_BYTES);
	weft_pack_str(&pk, "listen");
	if (s->listen[0] != '\0')
		weft_pack_str(&pk, s->listen);
	else
		weft_pack_nil(&pk);
	weft_pack_str(&pk, "sw");
	weft_pack_str(&pk, "weft/" WEFT_VERSION_STRING);
	weft_pack_str(&pk, "interests");
	weft_pack_array(&pk, 0);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = queue_msg(s, &b);
	weft_buf_release(&b);
	return err;
}

static int
send_ping(struct weft_session *s, const char *t, uint64_t n)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	int			err;

	weft_buf_init(&b, 64);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, t);
	weft_pack_str(&pk, "n");
	weft_pack_uint(&pk, n);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = queue_msg(s, &b);
	weft_buf_release(&b);
	return err;
}

static int
send_close(struct weft_session *s, const char *reason)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	size_t			n;
	int			err;

	n = strlen(reason);
	if (n > WEFT_SESSION_REASON_MAX - 1)
		n = WEFT_SESSION_REASON_MAX - 1;
	weft_buf_init(&b, 512);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "close");
	weft_pack_str(&pk, "reason");
	weft_pack_strn(&pk, reason, n);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = queue_msg(s, &b);
	weft_buf_release(&b);
	return err;
}

/* An optional string field into out; nil and absent give "". */
static int
opt_str(const struct weft_obj *m, const char *key, char *out, size_t outsz)
{
	const struct weft_obj	*o;

	out[0] = '\0';
	o = weft_obj_get(m, key);
	if (o == NULL || weft_obj_type(o) == WEFT_OBJ_NIL)
		return 0;
	return weft_obj_cstr(o, out, outsz) == 0 ? 0 : WEFT_EPROTO;
}

static int
on_hello(struct weft_session *s, const struct weft_obj *m)
{
	uint8_t		node[WEFT_SHS_PK_BYTES];
	uint64_t	v;

	if (weft_obj_uint(weft_obj_get(m, "v"), &v) != 0 ||
	    weft_obj_binn(weft_obj_get(m, "node"), node, sizeof(node)) != 0)
		return WEFT_EPROTO;
	if (v != HELLO_VERSION)
		return WEFT_EVERSION;
	/* The HELLO must name the key the handshake proved. */
	if (sodium_memcmp(node, s->remote, sizeof(node)) != 0)
		return WEFT_EPROTO;
	if (opt_str(m, "listen", s->hello.listen,
	    sizeof(s->hello.listen)) != 0 ||
	    opt_str(m, "sw", s->hello.sw, sizeof(s->hello.sw)) != 0)
		return WEFT_EPROTO;
	s->hello.version = v;
	s->state = WEFT_SESSION_OPEN;
	return 0;
}

static bool
str_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int
on_body(struct weft_session *s, const uint8_t *body, size_t len)
{
	struct weft_msg	 msg;
	const char	*t;
	size_t		 tn;
	uint64_t	 n;
	int		 err;

	err = weft_msg_decode(&msg, body, len);
	if (err)
		return err == -ENOMEM ? err : WEFT_EPROTO;
	if (weft_obj_str(weft_obj_get(msg.root, "t"), &t, &tn) != 0) {
		err = WEFT_EPROTO;
		goto out;
	}
	if (s->state == WEFT_SESSION_HELLO) {
		/* The first box must be the HELLO. */
		err = str_is(t, tn, "hello") ? on_hello(s, msg.root) :
		    WEFT_EPROTO;
	} else if (str_is(t, tn, "ping")) {
		err = weft_obj_uint(weft_obj_get(msg.root, "n"), &n);
		if (err == 0)
			err = send_ping(s, "pong", n);
		else
			err = WEFT_EPROTO;
	} else if (str_is(t, tn, "pong")) {
		err = weft_obj_uint(weft_obj_get(msg.root, "n"), &n) == 0 ?
		    0 : WEFT_EPROTO;
	} else if (str_is(t, tn, "close")) {
		err = opt_str(msg.root, "reason", s->reason, sizeof(s->reason));
		s->peer_said_bye = true;
	} else {
		err = WEFT_EPROTO;
	}
out:
	weft_msg_release(&msg);
	return err;
}

/* Handshake to box-stream */

static int
establish(struct weft_session *s, uint64_t now_ms)
{
	struct weft_shs_result	r;
	int			err;

	err = weft_shs_result(&s->shs, &r);
	if (err)
		return err;
	s->tx = calloc(2, sizeof(*s->tx));
	if (s->tx == NULL) {
		sodium_memzero(&r, sizeof(r));
		return -ENOMEM;
	}
	s->rx = &s->tx[1];
	weft_boxs_init(s->tx, r.enc_key, r.enc_nonce);
	weft_boxs_init(s->rx, r.dec_key, r.dec_nonce);
	memcpy(s->remote, r.remote_pk, sizeof(s->remote));
	sodium_memzero(&r, sizeof(r));
	weft_shs_release(&s->shs);
	s->has_remote = true;
	s->state = WEFT_SESSION_HELLO;
	s->last_rx_ms = now_ms;
	return send_hello(s);
}

static int
feed_boxes(struct weft_session *s, const uint8_t *p, size_t n)
{
	uint8_t	body[WEFT_BOXS_BODY_MAX];
	size_t	used;
	int	r, err;

	while (n > 0) {
		r = weft_boxs_open(s->rx, p, n, &used, body);
		if (r < 0)
			return r;
		p += used;
		n -= used;
		if (r > 0) {
			/* After its close message only the goodbye may come. */
			if (s->peer_said_bye)
				return WEFT_EPROTO;
			err = on_body(s, body, (size_t)r);
			if (err)
				return err;
		} else if (weft_boxs_ended(s->rx)) {
			s->peer_said_bye = true;
			if (n > 0)
				return WEFT_EPROTO;
		}
	}
	return 0;
}

int
weft_session_feed(struct weft_session *s, const uint8_t *p, size_t n,
    uint64_t now_ms)
{
	size_t	used;
	int	err;

	if (s->err)
		return s->err;
	if (n == 0)
		return 0;
	/* After our own goodbye the peer's last words are of no use. */
	if (s->state == WEFT_SESSION_CLOSED)
		return 0;
	s->last_rx_ms = now_ms;
	if (s->state == WEFT_SESSION_HANDSHAKE) {
		err = weft_shs_feed(&s->shs, p, n, &used);
		if (err)
			return fail(s, err);
		p += used;
		n -= used;
		if (weft_shs_done(&s->shs)) {
			err = establish(s, now_ms);
			if (err)
				return fail(s, err);
		} else if (n > 0) {
			/* A client must wait for message 4 before boxing. */
			return fail(s, WEFT_EPROTO);
		}
	}
	if (n > 0) {
		err = feed_boxes(s, p, n);
		if (err)
			return fail(s, err);
	}
	if (s->peer_said_bye)
		s->state = WEFT_SESSION_CLOSED;
	return 0;
}

int
weft_session_eof(struct weft_session *s)
{
	if (s->err)
		return s->err;
	if (s->peer_said_bye || (s->rx != NULL && weft_boxs_ended(s->rx))) {
		s->state = WEFT_SESSION_CLOSED;
		return 0;
	}
	if (s->state == WEFT_SESSION_HANDSHAKE)
		return fail(s, WEFT_EHANDSHAKE);
	return fail(s, WEFT_EPROTO);
}

int
weft_session_output(struct weft_session *s, struct weft_buf *out,
    size_t want)
{
	const uint8_t	*m;
	size_t		 len;
	int		 err;

	if (s->err)
		return s->err;
	if (s->state == WEFT_SESSION_HANDSHAKE) {
		err = weft_shs_next_out(&s->shs, out);
		if (err < 0)
			return err == WEFT_ETOOBIG || err == -ENOMEM ? err :
			    fail(s, err);
		/* The server is done once message 4 is out. */
		if (weft_shs_done(&s->shs)) {
			err = establish(s, s->last_rx_ms);
			if (err)
				return fail(s, err);
		}
	}
	if (s->tx == NULL)
		return 0;
	while (out->len < want && s->ctlq_off < s->ctlq.len) {
		m = s->ctlq.data + s->ctlq_off;
		len = (size_t)m[0] << 8 | m[1];
		err = weft_boxs_seal(s->tx, m + 2, len, out);
		if (err)
			return err;
		s->ctlq_off += 2 + len;
	}
	if (s->ctlq_off == s->ctlq.len && s->ctlq.len > 0) {
		/* Drained: give the memory back while the peer is idle. */
		weft_buf_release(&s->ctlq);
		s->ctlq_off = 0;
	}
	if (s->bye_queued && !s->bye_sent && s->ctlq.len == 0 &&
	    out->len < want) {
		err = weft_boxs_goodbye(s->tx, out);
		if (err)
			return err;
		s->bye_sent = true;
	}
	return 0;
}

bool
weft_session_pending(const struct weft_session *s)
{
	if (s->err)
		return false;
	if (s->state == WEFT_SESSION_HANDSHAKE)
		return true;
	return s->ctlq_off < s->ctlq.len || (s->bye_queued && !s->bye_sent);
}

int
weft_session_tick(struct weft_session *s, uint64_t now_ms, uint64_t *next)
{
	const struct weft_session_limits *l = &s->limits;
	uint64_t	 due, quiet;
	int		 err;

	*next = UINT64_MAX;
	if (s->err)
		return s->err;
	if (s->state == WEFT_SESSION_CLOSED)
		return 0;
	if (s->state != WEFT_SESSION_OPEN) {
		if (l->handshake_ms == 0)
			return 0;
		due = s->start_ms + l->handshake_ms;
		if (now_ms >= due)
			return fail(s, -ETIMEDOUT);
		*next = due;
		return 0;
	}
	quiet = now_ms - s->last_rx_ms;
	if (l->idle_ms != 0) {
		if (quiet >= l->idle_ms)
			return fail(s, -ETIMEDOUT);
		*next = s->last_rx_ms + l->idle_ms;
	}
	if (l->ping_ms != 0) {
		due = (s->last_ping_ms > s->last_rx_ms ? s->last_ping_ms :
		    s->last_rx_ms) + l->ping_ms;
		if (now_ms >= due) {
			err = send_ping(s, "ping", ++s->ping_n);
			if (err)
				return fail(s, err);
			s->last_ping_ms = now_ms;
			due = now_ms + l->ping_ms;
		}
		if (due < *next)
			*next = due;
	}
	return 0;
}

void
weft_session_close(struct weft_session *s, const char *reason)
{
	if (s->state == WEFT_SESSION_CLOSED || s->err)
		return;
	s->state = WEFT_SESSION_CLOSED;
	weft_shs_release(&s->shs);
	if (s->tx == NULL)
		return;
	/* If the queue is full, the goodbye alone still ends the stream. */
	send_close(s, reason);
	s->bye_queued = true;
}

enum weft_session_state
weft_session_state(const struct weft_session *s)
{
	return s->state;
}

int
weft_session_error(const struct weft_session *s)
{
	return s->err;
}

const uint8_t *
weft_session_remote(const struct weft_session *s)
{
	return s->has_remote ? s->remote : NULL;
}

const struct weft_session_hello *
weft_session_hello(const struct weft_session *s)
{
	return s->hello.version != 0 ? &s->hello : NULL;
}

const char *
weft_session_reason(const struct weft_session *s)
{
	return s->reason;
}
