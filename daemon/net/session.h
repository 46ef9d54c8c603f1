/*
 * One peer connection's protocol state, sans-I/O (STYLE.md §10): the
 * secret handshake, then box-stream in both directions, then the
 * multiplexer (proto/mux.c) with the peer messages of docs/proto/wire.md
 * inside the boxes. Bytes from the socket go in with weft_session_feed(),
 * bytes for the socket come out of weft_session_output(), time comes in
 * as now_ms and the next deadline goes out of weft_session_tick(). No
 * sockets, no clock, no <uv.h>.
 *
 * Memory: while handshaking a session holds only the handshake state
 * (about 1 KiB, inline). The box-stream states (about 8 KiB) and the
 * mux's tables are allocated when the handshake completes and freed by
 * weft_session_release(), which also wipes every key.
 *
 * Any error is sticky: the session is then WEFT_SESSION_CLOSED and the
 * caller drops the connection. A peer that says goodbye (close message
 * and goodbye box) also leaves it CLOSED, with weft_session_error() 0.
 */
#ifndef WEFT_SESSION_H
#define WEFT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/mux.h"
#include "weft/shs.h"
#include "weft/wire.h"

struct weft_boxs;
struct weft_keypair;

#define WEFT_SESSION_LISTEN_MAX	64	/* "[IPv6]:65535" and NUL */
#define WEFT_SESSION_REASON_MAX	(WEFT_WIRE_REASON_MAX + 1)

enum weft_session_state {
	WEFT_SESSION_HANDSHAKE = 1,	/* secret handshake in progress */
	WEFT_SESSION_HELLO,		/* boxes flow, peer's HELLO not yet in */
	WEFT_SESSION_OPEN,		/* both HELLOs exchanged */
	WEFT_SESSION_CLOSED,		/* failed, or either side said goodbye */
};

/* Timeouts in ms (0 disables the handshake one) and the send cap. */
struct weft_session_limits {
	uint64_t	handshake_ms;	/* TCP accept/connect to HELLO received */
	uint64_t	ping_ms;	/* nothing received this long: ping */
	uint64_t	idle_ms;	/* nothing received this long: close */
	uint64_t	sendq_max;	/* unsent bytes per data channel */
};

struct weft_session_cfg {
	const uint8_t		*netkey;	/* 32 bytes, copied */
	const struct weft_keypair *local;	/* borrowed, outlives s */
	const char		*listen;	/* ours for HELLO, or NULL */
	struct weft_session_limits limits;
	/* Ours for HELLO (copied; at most WEFT_WIRE_INTERESTS_MAX). */
	const struct weft_wire_interest *interests;
	uint32_t		 ninterests;
};

/* Private to daemon/net/session.c; callers embed it. */
struct weft_session {
	enum weft_session_state	 state;
	int			 err;
	bool			 initiator;
	bool			 peer_said_bye;
	bool			 bye_queued;	/* close + goodbye queued */
	bool			 bye_sent;
	bool			 has_mux;
	struct weft_session_limits limits;
	char			 listen[WEFT_SESSION_LISTEN_MAX];
	struct weft_wire_interest *interests;	/* NULL if none */
	uint32_t		 ninterests;
	const struct weft_keypair *local;
	struct weft_shs		 shs;
	struct weft_boxs	*tx;	/* NULL until the handshake is done */
	struct weft_boxs	*rx;
	uint8_t			 remote[WEFT_SHS_PK_BYTES];
	bool			 has_remote;
	struct weft_mux		 mux;
	char			 reason[WEFT_SESSION_REASON_MAX];
	uint64_t		 start_ms;
	uint64_t		 last_rx_ms;
};

/*
 * Starts a session at now_ms. With remote_pk (the node we dial, 32
 * bytes) this side is the handshake's client, without it the server.
 * eph_sk is 32 fresh random bytes (fixed in tests). cfg is copied except
 * cfg->local, which is borrowed. Returns 0, WEFT_EBADKEY (remote_pk is
 * not a usable key), WEFT_EHANDSHAKE or WEFT_EUSAGE (listen too long);
 * on failure s needs only weft_session_release().
 */
int	weft_session_init(struct weft_session *s,
	    const struct weft_session_cfg *cfg, const uint8_t *remote_pk,
	    const uint8_t eph_sk[static 32], uint64_t now_ms);

/* Wipes keys and frees what the session allocated. Safe to call twice. */
void	weft_session_release(struct weft_session *s);

/*
 * Consumes all n bytes received from the peer at now_ms; then drain
 * weft_session_poll(). Returns 0 or the sticky error: WEFT_EHANDSHAKE,
 * WEFT_EDECRYPT, WEFT_EBADSIG (handshake), WEFT_EDECRYPT (a box does not
 * open), WEFT_EPROTO, WEFT_ETOOBIG, WEFT_EBADFIELD or WEFT_EVERSION (what
 * the mux rejects: docs/proto/wire.md), -ENOMEM.
 */
int	weft_session_feed(struct weft_session *s, const uint8_t *p, size_t n,
	    uint64_t now_ms);

/*
 * Takes the next event for the application: WEFT_MUX_EV_OPEN, _MSG and
 * _END as weft_mux_poll() gives them (the caller frees ev->data). The
 * HELLO and the peer's close are handled here: after the peer's HELLO
 * (which must name the node key the handshake proved) the session is
 * OPEN, after its close message CLOSED. Returns 0, WEFT_ENOTFOUND when
 * there is nothing more, or the sticky error (WEFT_EPROTO: the HELLO
 * names another node).
 */
int	weft_session_poll(struct weft_session *s, struct weft_mux_ev *ev);

/*
 * Tells the session the peer closed its side of the TCP stream. Returns
 * 0 after a goodbye (the session is CLOSED), else WEFT_EPROTO (truncated
 * stream) or WEFT_EHANDSHAKE (closed during the handshake), sticky.
 */
int	weft_session_eof(struct weft_session *s);

/*
 * Appends bytes to send to out until out->len reaches want or nothing is
 * due (whole boxes only, so out may pass want by one box). Returns 0 or
 * the sticky error, or WEFT_ETOOBIG/-ENOMEM from out.
 */
int	weft_session_output(struct weft_session *s, struct weft_buf *out,
	    size_t want);

/* True when weft_session_output() has bytes to give. */
bool	weft_session_pending(const struct weft_session *s);

/*
 * Runs the timers at now_ms: fails the session with -ETIMEDOUT when the
 * handshake (to the peer's HELLO) or the idle timeout passed; the mux
 * queues a ping when it is due.
 * Sets *next to the next deadline (UINT64_MAX when there is none).
 * Returns 0 or the sticky error.
 */
int	weft_session_tick(struct weft_session *s, uint64_t now_ms,
	    uint64_t *next);

/*
 * Queues a close message with reason (cut at 256 bytes) and the goodbye
 * box. Once they are out, weft_session_pending() turns false and the
 * caller closes the socket. Before the box-stream is up there is nothing
 * to say goodbye with: the session just becomes CLOSED.
 */
void	weft_session_close(struct weft_session *s, const char *reason);

enum weft_session_state weft_session_state(const struct weft_session *s);
/* The sticky error, 0 while healthy or after a clean goodbye. */
int	weft_session_error(const struct weft_session *s);
/* The peer's node key once the handshake is done, else NULL. */
const uint8_t *weft_session_remote(const struct weft_session *s);
/* The peer's HELLO once it arrived (state OPEN or later), else NULL. */
const struct weft_wire_hello *weft_session_hello(const struct weft_session *s);
/*
 * The interests our HELLO carries (those of struct weft_session_cfg),
 * their number in *n; valid until weft_session_release().
 */
const struct weft_wire_interest *weft_session_interests(
	    const struct weft_session *s, uint32_t *n);
/*
 * The multiplexer, for opening channels and sending on them, while the
 * session is OPEN; else NULL. Its errors are the session's: after one,
 * close the connection.
 */
struct weft_mux *weft_session_mux(struct weft_session *s);
/* The reason the peer gave in its close message, "" if none. */
const char *weft_session_reason(const struct weft_session *s);

#endif
