/*
 * A peer connection as a state machine: secret handshake (proto/shs.c),
 * then box-stream (proto/boxstream.c) carrying the multiplexer's frames
 * (proto/mux.c). The first box each side sends is its HELLO; the peer's
 * HELLO must name the node key the handshake authenticated. Nothing here
 * does I/O or reads a clock: the daemon's net.c moves the bytes and
 * passes the time in.
 */#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/boxstream.h"
#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/mux.h"
#include "weft/shs.h"
#include "weft/version.h"
#include "weft/wire.h"

#include "session.h"

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
	if (cfg->listen != NULL) {
		if (strlen(cfg->listen) >= sizeof(s->listen))
			return fail(s, WEFT_EUSAGE);
		memcpy(s->listen, cfg->listen, strlen(cfg->listen) + 1);
	}
	if (cfg->ninterests > WEFT_WIRE_INTERESTS_MAX)
		return fail(s, WEFT_EUSAGE);
	if (cfg->ninterests > 0) {
		s->interests = calloc(cfg->ninterests, sizeof(*s->interests));
		if (s->interests == NULL)
			return fail(s, -ENOMEM);
		memcpy(s->interests, cfg->interests,
		    cfg->ninterests * sizeof(*s->interests));
		s->ninterests = cfg->ninterests;
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
	free(s->interests);
	s->interests = NULL;
	s->ninterests = 0;
	if (s->tx != NULL) {
		weft_boxs_release(&s->tx[0]);
		weft_boxs_release(&s->tx[1]);
		free(s->tx);
	}
	s->tx = NULL;
	s->rx = NULL;
	if (s->has_mux)
		weft_mux_release(&s->mux);
	s->has_mux = false;
	s->state = WEFT_SESSION_CLOSED;
}

/* Handshake to box-stream */

/* Our HELLO: node, listen address, software, interests. */
static int
start_mux(struct weft_session *s, uint64_t now_ms)
{
	struct weft_mux_limits	 lim;
	struct weft_wire_hello	*h;
	int			 err;

	weft_mux_limits_default(&lim);
	lim.ping_ms = s->limits.ping_ms;
	lim.timeout_ms = s->limits.idle_ms;
	if (s->limits.sendq_max != 0) {
		/*
		 * The peer's send queue: no channel may hold more than the
		 * cap, and all of them together twice that; a peer that
		 * stops reading runs into it and is closed.
		 */
		lim.chan_queue_max = s->limits.sendq_max;
		lim.peer_queue_max = 2 * s->limits.sendq_max;
	}
	err = weft_mux_init(&s->mux, &lim, s->initiator, now_ms);
	if (err)
		return err;
	s->has_mux = true;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	h->version = WEFT_WIRE_VERSION;
	memcpy(h->node, s->local->pk, sizeof(h->node));
	snprintf(h->listen, sizeof(h->listen), "%s", s->listen);
	snprintf(h->sw, sizeof(h->sw), "weft/%s", WEFT_VERSION_STRING);
	h->ninterests = s->ninterests;
	if (s->ninterests > 0)
		memcpy(h->interests, s->interests,
		    s->ninterests * sizeof(*s->interests));
	err = weft_mux_hello(&s->mux, h);
	free(h);
	return err;
}

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
	return start_mux(s, now_ms);
}

static int
feed_boxes(struct weft_session *s, const uint8_t *p, size_t n,
    uint64_t now_ms)
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
			err = weft_mux_on_box(&s->mux, body, (size_t)r,
			    now_ms);
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
		err = feed_boxes(s, p, n, now_ms);
		if (err)
			return fail(s, err);
	}
	return 0;
}

int
weft_session_poll(struct weft_session *s, struct weft_mux_ev *ev)
{
	const struct weft_wire_hello	*h;
	int				 err;

	for (;;) {
		if (s->err)
			return s->err;
		if (!s->has_mux)
			return WEFT_ENOTFOUND;
		err = weft_mux_poll(&s->mux, ev);
		if (err)
			return err;
		switch (ev->type) {
		case WEFT_MUX_EV_HELLO:
			h = weft_mux_peer_hello(&s->mux);
			/* The HELLO must name the key the handshake proved. */
			if (h == NULL || sodium_memcmp(h->node, s->remote,
			    sizeof(s->remote)) != 0)
				return fail(s, WEFT_EPROTO);
			if (s->state == WEFT_SESSION_HELLO)
				s->state = WEFT_SESSION_OPEN;
			free(ev->data);
			continue;
		case WEFT_MUX_EV_CLOSE:
			snprintf(s->reason, sizeof(s->reason), "%s",
			    ev->data != NULL ? (char *)ev->data : "");
			free(ev->data);
			s->peer_said_bye = true;
			s->state = WEFT_SESSION_CLOSED;
			continue;
		default:
			/* After our own close the application is done. */
			if (s->bye_queued) {
				free(ev->data);
				continue;
			}
			return 0;
		}
	}
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
	uint8_t	box[WEFT_WIRE_FRAME_MAX];
	size_t	len;
	int	err;

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
	while (out->len < want && !s->bye_sent) {
		err = weft_mux_next_box(&s->mux, box, &len);
		if (err == WEFT_ENOTFOUND)
			break;
		if (err)
			return fail(s, err);
		err = weft_boxs_seal(s->tx, box, len, out);
		if (err)
			return err;
	}
	if (s->bye_queued && !s->bye_sent && out->len < want) {
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
	return s->bye_queued && !s->bye_sent;
}

int
weft_session_tick(struct weft_session *s, uint64_t now_ms, uint64_t *next)
{
	uint64_t	due;
	int		err;

	*next = UINT64_MAX;
	if (s->err)
		return s->err;
	if (s->state == WEFT_SESSION_CLOSED)
		return 0;
	if (s->state != WEFT_SESSION_OPEN) {
		if (s->limits.handshake_ms == 0)
			return 0;
		due = s->start_ms + s->limits.handshake_ms;
		if (now_ms >= due)
			return fail(s, -ETIMEDOUT);
		*next = due;
		return 0;
	}
	/* Keepalive: the mux pings a quiet peer and gives up on a silent one. */
	err = weft_mux_tick(&s->mux, now_ms, next);
	if (err)
		return fail(s, err);
	return 0;
}

void
weft_session_close(struct weft_session *s, const char *reason)
{
	char	r[WEFT_SESSION_REASON_MAX];

	if (s->state == WEFT_SESSION_CLOSED || s->err)
		return;
	s->state = WEFT_SESSION_CLOSED;
	weft_shs_release(&s->shs);
	if (s->tx == NULL)
		return;
	/* The mux refuses a reason with a NUL or too long: cut it. */
	snprintf(r, sizeof(r), "%s", reason);
	/* If the mux cannot queue it, the goodbye alone ends the stream. */
	weft_mux_close(&s->mux, r);
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

const struct weft_wire_hello *
weft_session_hello(const struct weft_session *s)
{
	return s->has_mux && s->state != WEFT_SESSION_HELLO ?
	    weft_mux_peer_hello(&s->mux) : NULL;
}

const struct weft_wire_interest *
weft_session_interests(const struct weft_session *s, uint32_t *n)
{
	*n = s->ninterests;
	return s->interests;
}

struct weft_mux *
weft_session_mux(struct weft_session *s)
{
	return s->state == WEFT_SESSION_OPEN && s->err == 0 ? &s->mux : NULL;
}

const char *
weft_session_reason(const struct weft_session *s)
{
	return s->reason;
}
