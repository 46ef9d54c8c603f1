/*
 * The multiplexer: one per peer connection, between box-stream (below)
 * and the daemon's protocols (above), sans-I/O with an injected clock.
 * It reassembles frames into messages, answers pings, opens, accepts and
 * ends channels, keeps per-channel flow-control windows, and picks the
 * next box to send: control first, then one frame per data channel in
 * turn, so a bulk transfer never starves small messages on other
 * channels. docs/proto/wire.md specifies the rules it enforces.
 *
 * Use: weft_mux_init(), then weft_mux_hello() (our HELLO is the first box
 * we send). Feed every box body received to weft_mux_on_box(); drain
 * weft_mux_poll() for events; send boxes from weft_mux_next_box() until
 * it returns WEFT_ENOTFOUND; call weft_mux_tick() by its deadline. Any
 * error from on_box, next_box or tick is sticky: the connection is over,
 * and weft_mux_release() frees everything it held.
 *
 * Memory is bounded by the limits: at most channels_max data channels,
 * recv_budget bytes of receive windows in total (the peer cannot make us
 * buffer more), chan_queue_max queued bytes per data channel and
 * ctl_queue_max for control replies.
 */
#ifndef WEFT_MUX_H
#define WEFT_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/buf.h"
#include "weft/wire.h"

struct weft_mux_limits {
	uint32_t	channels_max;	/* data channels open at once */
	uint32_t	recv_window;	/* window granted per channel */
	uint64_t	recv_budget;	/* sum of granted windows */
	uint64_t	chan_queue_max;	/* unsent bytes per data channel */
	uint64_t	peer_queue_max;	/* unsent bytes, all data channels
					   together; 0: no limit beyond
					   the per-channel one */
	uint64_t	ctl_queue_max;	/* unsent bytes on channel 0 */
	uint64_t	ping_ms;	/* ping after this long without input */
	uint64_t	timeout_ms;	/* fail after this long without input */
};

#define WEFT_MUX_CHANNELS_MAX	64
#define WEFT_MUX_RECV_WINDOW	WEFT_WIRE_WINDOW_MIN
#define WEFT_MUX_RECV_BUDGET	(16 * 1024 * 1024)
#define WEFT_MUX_CHAN_QUEUE_MAX	(4 * 1024 * 1024)
#define WEFT_MUX_CTL_QUEUE_MAX	(256 * 1024)
#define WEFT_MUX_PING_MS	15000
#define WEFT_MUX_TIMEOUT_MS	60000

/* Fills lim with the defaults above. */
void	weft_mux_limits_default(struct weft_mux_limits *lim);

enum weft_mux_ev_type {
	WEFT_MUX_EV_HELLO = 1,	/* peer's HELLO: weft_mux_peer_hello() */
	WEFT_MUX_EV_CLOSE,	/* peer closes; data = reason */
	WEFT_MUX_EV_OPEN,	/* peer opened ch (accepted); data = purpose */
	WEFT_MUX_EV_MSG,	/* a message on ch */
	WEFT_MUX_EV_END,	/* peer ended ch; call weft_mux_end(ch) */
};

/*
 * An event taken with weft_mux_poll(). data belongs to the caller, who
 * frees it with free(): for MSG the message (NULL when len is 0), for
 * OPEN and CLOSE a NUL-terminated string of len bytes, else NULL.
 */
struct weft_mux_ev {
	enum weft_mux_ev_type	 type;
	uint16_t		 ch;
	uint8_t			*data;
	size_t			 len;
};

/* Private to proto/mux.c; callers embed struct weft_mux. */
struct weft__mux_out;
struct weft__mux_evq;

struct weft__mux_chan {
	uint16_t		 id;		/* 0: free slot (data table) */
	uint8_t			 flags;
	/* sending */
	struct weft__mux_out	*head, *tail;
	uint64_t		 queued;	/* unsent bytes */
	uint64_t		 credit;	/* peer's window left */
	uint32_t		 pwindow;	/* peer's initial window */
	/* receiving */
	uint32_t		 window;	/* granted at open or accept */
	uint64_t		 rcredit;	/* peer may still send */
	uint64_t		 unconsumed;	/* delivered, not consumed */
	uint64_t		 grant;		/* consumed, not yet granted */
	bool			 inmsg;		/* a FIRST frame came */
	struct weft_buf		 rbuf;		/* message being reassembled */
};

struct weft_mux {
	struct weft_mux_limits	 lim;
	int			 err;		/* sticky */
	uint8_t			 flags;
	bool			 initiator;
	struct weft__mux_chan	 ctl;
	struct weft__mux_chan	*chans;		/* lim.channels_max slots */
	uint32_t		 nchans;
	uint32_t		 rr;		/* slot served last */
	uint16_t		 next_id;
	uint64_t		 committed;	/* sum of windows granted */
	struct weft__mux_evq	*ev_head, *ev_tail;
	struct weft_wire_hello	*peer_hello;
	uint64_t		 last_rx;
	uint64_t		 ping_n;
	bool			 ping_sent;
};

/*
 * Prepares a mux. lim may be NULL for the defaults. initiator is true on
 * the side that dialled (its channels are odd, the other side's even).
 * now_ms starts the idle clock. Returns 0, WEFT_EUSAGE (a limit out of
 * range) or -ENOMEM; on failure nothing needs releasing.
 */
int	weft_mux_init(struct weft_mux *mux, const struct weft_mux_limits *lim,
	    bool initiator, uint64_t now_ms);
/* Frees queues, buffers and unpolled events. Safe to call twice. */
void	weft_mux_release(struct weft_mux *mux);

/*
 * Queues our HELLO, which must come before anything else we send (so
 * other calls that send return WEFT_EUSAGE until it is queued). Returns
 * 0, WEFT_EUSAGE (sent already, or a field out of range), or the sticky
 * error.
 */
int	weft_mux_hello(struct weft_mux *mux, const struct weft_wire_hello *h);

/* The peer's HELLO once WEFT_MUX_EV_HELLO was queued, else NULL. */
const struct weft_wire_hello *weft_mux_peer_hello(const struct weft_mux *mux);

/*
 * Opens a data channel for purpose (1..32 printable ASCII characters),
 * granting the peer window bytes (0: lim.recv_window) in which to send on
 * it. Messages may be queued at once; they leave once the peer accepts.
 * Returns 0 and the channel in *ch, WEFT_EUSAGE (no HELLO yet, closing,
 * bad purpose or window), WEFT_ETOOBIG (channels_max or recv_budget
 * reached) or the sticky error.
 */
int	weft_mux_open(struct weft_mux *mux, const char *purpose,
	    uint32_t window, uint16_t *ch);

/*
 * Queues a copy of msg[0..len) on data channel ch. Returns 0, WEFT_ETOOBIG
 * (len over WEFT_WIRE_MSG_MAX, or the channel's queue would pass
 * chan_queue_max: the caller should close the peer), WEFT_ENOTFOUND (no
 * such channel), -EPIPE (the channel is ending), WEFT_EUSAGE, -ENOMEM or
 * the sticky error.
 */
int	weft_mux_send(struct weft_mux *mux, uint16_t ch, const void *msg,
	    size_t len);

/* Unsent bytes queued on ch (0 for a channel that does not exist). */
uint64_t weft_mux_queued(const struct weft_mux *mux, uint16_t ch);

/*
 * Reports that the application is done with a message of len bytes taken
 * from ch, so its window space is granted back to the peer. Call it once
 * per message; after either side ended ch it does nothing. Returns 0,
 * WEFT_ENOTFOUND (no such channel) or WEFT_EUSAGE (more than was
 * delivered).
 */
int	weft_mux_consumed(struct weft_mux *mux, uint16_t ch, size_t len);

/*
 * Ends data channel ch, in both directions: what is queued is sent first,
 * then the end message; messages still arriving are dropped. The channel
 * is gone once both sides have sent their end. Also the answer to
 * WEFT_MUX_EV_END. Returns 0, WEFT_ENOTFOUND or the sticky error; ending
 * twice is not an error.
 */
int	weft_mux_end(struct weft_mux *mux, uint16_t ch);

/*
 * Queues a close with reason (at most WEFT_WIRE_REASON_MAX bytes, no
 * NUL). Queued control messages are still sent, then nothing else;
 * afterwards the caller sends the box-stream goodbye. Returns 0,
 * WEFT_EUSAGE or the sticky error.
 */
int	weft_mux_close(struct weft_mux *mux, const char *reason);

/*
 * Takes one box body received from the peer (1..4096 bytes) at now_ms.
 * Returns 0; WEFT_EPROTO (a malformed frame, a frame on a channel that is
 * not open, FIRST twice, a continuation without FIRST, more than the
 * window, anything but HELLO first, anything after close); WEFT_ETOOBIG
 * (a message over its limit, or control replies past ctl_queue_max);
 * WEFT_EBADFIELD (a malformed control message); WEFT_EVERSION (HELLO of
 * another protocol version); -ENOMEM. Errors are sticky.
 */
int	weft_mux_on_box(struct weft_mux *mux, const uint8_t *body, size_t len,
	    uint64_t now_ms);

/*
 * Takes the oldest event into ev (see struct weft_mux_ev for who frees
 * what). Returns 0, or WEFT_ENOTFOUND when there is none.
 */
int	weft_mux_poll(struct weft_mux *mux, struct weft_mux_ev *ev);

/*
 * Writes the next box body to send into out and its length to *len.
 * Returns 0, WEFT_ENOTFOUND (nothing can be sent now: queues empty, or
 * every waiting channel is out of window), -ENOMEM or the sticky error.
 */
int	weft_mux_next_box(struct weft_mux *mux,
	    uint8_t out[static WEFT_WIRE_FRAME_MAX], size_t *len);

/*
 * Runs the keepalive clock: queues a ping once the peer has been silent
 * for ping_ms, fails once silent for timeout_ms. Sets *next_ms to the
 * time the next call is due. Returns 0, -ETIMEDOUT or the sticky error.
 */
int	weft_mux_tick(struct weft_mux *mux, uint64_t now_ms, uint64_t *next_ms);

#endif
