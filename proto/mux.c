/*
 * The multiplexer (docs/proto/wire.md, "Channels" and "Flow control").
 * Channel state lives in a fixed table of lim.channels_max slots found by
 * linear search: the table is small, and a fixed table is what bounds a
 * peer. Outgoing messages are copied into per-channel queues and cut into
 * frames only when next_box() is called, so a window update or a small
 * message queued later still overtakes the rest of a bulk message.
 *
 * Window accounting is in "units": a data message of n bytes costs
 * n + WEFT_WIRE_MSG_COST, charged as its frames pass (the extra on the
 * FIRST frame). The charge bounds what a stream of empty messages can
 * make the receiver hold in event records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/mux.h"
#include "weft/wire.h"

/* struct weft__mux_chan flags */
#define CH_LOCAL	0x01	/* we opened it */
#define CH_PEER_OPEN	0x02	/* peer knows it: open received or accepted */
#define CH_END_WANT	0x04	/* application called weft_mux_end() */
#define CH_END_SENT	0x08
#define CH_END_RCVD	0x10

/* struct weft_mux flags */
#define MUX_HELLO_SENT	0x01
#define MUX_HELLO_RCVD	0x02
#define MUX_CLOSE_SENT	0x04
#define MUX_CLOSE_RCVD	0x08

/*
 * Room taken at once for a message of more than one frame: a chunk of
 * average size and its header (WEFT_CHUNK_AVG) fit without a realloc.
 */
#define MSG_RESERVE	(64 * 1024 + 256)

struct weft__mux_out {
	struct weft__mux_out	*next;
	size_t			 len;
	size_t			 off;		/* bytes already framed */
	bool			 started;	/* FIRST frame sent */
	uint8_t			 data[];
};

struct weft__mux_evq {
	struct weft__mux_evq	*next;
	struct weft_mux_ev	 ev;
};

void
weft_mux_limits_default(struct weft_mux_limits *lim)
{
	lim->channels_max = WEFT_MUX_CHANNELS_MAX;
	lim->recv_window = WEFT_MUX_RECV_WINDOW;
	lim->recv_budget = WEFT_MUX_RECV_BUDGET;
	lim->chan_queue_max = WEFT_MUX_CHAN_QUEUE_MAX;
	lim->peer_queue_max = 0;
	lim->ctl_queue_max = WEFT_MUX_CTL_QUEUE_MAX;
	lim->ping_ms = WEFT_MUX_PING_MS;
	lim->timeout_ms = WEFT_MUX_TIMEOUT_MS;
}

static int
fail(struct weft_mux *mux, int err)
{
	if (mux->err == 0)
		mux->err = err;
	return mux->err;
}

static void
queue_drop(struct weft__mux_chan *c)
{
	struct weft__mux_out	*o, *next;

	for (o = c->head; o != NULL; o = next) {
		next = o->next;
		free(o);
	}
	c->head = c->tail = NULL;
	c->queued = 0;
}

static int
queue_add(struct weft__mux_chan *c, const void *p, size_t len, uint64_t max)
{
	struct weft__mux_out	*o;

	if (len > max || c->queued > max - len)
		return WEFT_ETOOBIG;
	o = malloc(sizeof(*o) + len);
	if (o == NULL)
		return -ENOMEM;
	o->next = NULL;
	o->len = len;
	o->off = 0;
	o->started = false;
	if (len > 0)
		memcpy(o->data, p, len);
	if (c->tail != NULL)
		c->tail->next = o;
	else
		c->head = o;
	c->tail = o;
	c->queued += len;
	return 0;
}

/* Encodes m and queues it on channel 0. */
static int
queue_ctl(struct weft_mux *mux, const struct weft_wire_msg *m)
{
	struct weft_buf	b;
	int		err;

	weft_buf_init(&b, WEFT_WIRE_CTL_MAX);
	err = weft_wire_encode(m, &b);
	if (err == 0)
		err = queue_add(&mux->ctl, b.data, b.len,
		    mux->lim.ctl_queue_max);
	weft_buf_release(&b);
	return err;
}

static int
queue_ch_msg(struct weft_mux *mux, enum weft_wire_type t, uint16_t ch,
    uint32_t v)
{
	struct weft_wire_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = t;
	switch (t) {
	case WEFT_WIRE_ACCEPT:
		m.u.accept.ch = ch;
		m.u.accept.window = v;
		break;
	case WEFT_WIRE_WINDOW:
		m.u.window.ch = ch;
		m.u.window.add = v;
		break;
	default:
		m.u.end.ch = ch;
		break;
	}
	return queue_ctl(mux, &m);
}

static int
ev_push(struct weft_mux *mux, enum weft_mux_ev_type type, uint16_t ch,
    uint8_t *data, size_t len)
{
	struct weft__mux_evq	*q;

	q = malloc(sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->next = NULL;
	q->ev.type = type;
	q->ev.ch = ch;
	q->ev.data = data;
	q->ev.len = len;
	if (mux->ev_tail != NULL)
		mux->ev_tail->next = q;
	else
		mux->ev_head = q;
	mux->ev_tail = q;
	return 0;
}

/* An event carrying a copy of the string s. */
static int
ev_push_str(struct weft_mux *mux, enum weft_mux_ev_type type, uint16_t ch,
    const char *s)
{
	size_t	 n = strlen(s);
	uint8_t	*d;
	int	 err;

	d = malloc(n + 1);
	if (d == NULL)
		return -ENOMEM;
	memcpy(d, s, n + 1);
	err = ev_push(mux, type, ch, d, n);
	if (err)
		free(d);
	return err;
}

static struct weft__mux_chan *
chan_find(struct weft_mux *mux, uint16_t id)
{
	if (id == 0)
		return NULL;
	for (uint32_t i = 0; i < mux->lim.channels_max; i++) {
		if (mux->chans[i].id == id)
			return &mux->chans[i];
	}
	return NULL;
}

static bool
chan_room(const struct weft_mux *mux, uint32_t window)
{
	return mux->nchans < mux->lim.channels_max &&
	    mux->committed + window <= mux->lim.recv_budget;
}

/* Takes a free slot, or returns NULL when chan_room() was false. */
static struct weft__mux_chan *
chan_alloc(struct weft_mux *mux, uint16_t id, uint32_t window)
{
	struct weft__mux_chan	*c = NULL;

	if (!chan_room(mux, window))
		return NULL;
	for (uint32_t i = 0; i < mux->lim.channels_max && c == NULL; i++) {
		if (mux->chans[i].id == 0)
			c = &mux->chans[i];
	}
	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->window = window;
	c->rcredit = window;
	weft_buf_init(&c->rbuf, WEFT_WIRE_MSG_MAX);
	mux->committed += window;
	mux->nchans++;
	return c;
}

static void
chan_free(struct weft_mux *mux, struct weft__mux_chan *c)
{
	queue_drop(c);
	weft_buf_release(&c->rbuf);
	mux->committed -= c->window;
	mux->nchans--;
	memset(c, 0, sizeof(*c));
}

int
weft_mux_init(struct weft_mux *mux, const struct weft_mux_limits *lim,
    bool initiator, uint64_t now_ms)
{
	memset(mux, 0, sizeof(*mux));
	if (lim != NULL)
		mux->lim = *lim;
	else
		weft_mux_limits_default(&mux->lim);
	lim = &mux->lim;
	if (lim->channels_max < 1 || lim->channels_max > 32767 ||
	    lim->recv_window < WEFT_WIRE_WINDOW_MIN ||
	    lim->recv_window > WEFT_WIRE_WINDOW_MAX ||
	    lim->recv_budget < lim->recv_window ||
	    lim->chan_queue_max < 1 ||
	    lim->ctl_queue_max < WEFT_WIRE_CTL_MAX ||
	    lim->ping_ms < 1 || lim->timeout_ms <= lim->ping_ms)
		return WEFT_EUSAGE;
	mux->chans = calloc(lim->channels_max, sizeof(*mux->chans));
	if (mux->chans == NULL)
		return -ENOMEM;
	mux->initiator = initiator;
	mux->next_id = initiator ? 1 : 2;
	weft_buf_init(&mux->ctl.rbuf, WEFT_WIRE_CTL_MAX);
	mux->last_rx = now_ms;
	return 0;
}

void
weft_mux_release(struct weft_mux *mux)
{
	struct weft__mux_evq	*q, *next;

	if (mux->chans != NULL) {
		for (uint32_t i = 0; i < mux->lim.channels_max; i++) {
			if (mux->chans[i].id != 0)
				chan_free(mux, &mux->chans[i]);
		}
		free(mux->chans);
		mux->chans = NULL;
	}
	queue_drop(&mux->ctl);
	weft_buf_release(&mux->ctl.rbuf);
	for (q = mux->ev_head; q != NULL; q = next) {
		next = q->next;
		free(q->ev.data);
		free(q);
	}
	mux->ev_head = mux->ev_tail = NULL;
	free(mux->peer_hello);
	mux->peer_hello = NULL;
}

/* May the application queue control messages now? */
static int
may_send(const struct weft_mux *mux)
{
	if (mux->err)
		return mux->err;
	if (!(mux->flags & MUX_HELLO_SENT) || (mux->flags & MUX_CLOSE_SENT))
		return WEFT_EUSAGE;
	return 0;
}

int
weft_mux_hello(struct weft_mux *mux, const struct weft_wire_hello *h)
{
	struct weft_wire_msg	*m;
	int			 err;

	if (mux->err)
		return mux->err;
	if (mux->flags & MUX_HELLO_SENT)
		return WEFT_EUSAGE;
	m = malloc(sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->type = WEFT_WIRE_HELLO;
	m->u.hello = *h;
	err = queue_ctl(mux, m);
	free(m);
	if (err)
		return err;
	mux->flags |= MUX_HELLO_SENT;
	return 0;
}

const struct weft_wire_hello *
weft_mux_peer_hello(const struct weft_mux *mux)
{
	return mux->peer_hello;
}

/* The next unused channel id of our parity, or 0 if all are taken. */
static uint16_t
next_id(struct weft_mux *mux)
{
	uint16_t	id = mux->next_id;

	for (uint32_t i = 0; i < 32768; i++) {
		uint16_t cand = id;

		id = (uint16_t)(id + 2);
		if (id == 0 || id == 1)		/* wrapped past 65535 */
			id = mux->initiator ? 1 : 2;
		if (chan_find(mux, cand) == NULL) {
			mux->next_id = id;
			return cand;
		}
	}
	return 0;
}

int
weft_mux_open(struct weft_mux *mux, const char *purpose, uint32_t window,
    uint16_t *ch)
{
	struct weft_wire_msg	 m;
	struct weft__mux_chan	*c;
	uint16_t		 id;
	int			 err;

	err = may_send(mux);
	if (err)
		return err;
	if (window == 0)
		window = mux->lim.recv_window;
	if (strlen(purpose) > WEFT_WIRE_PURPOSE_MAX)
		return WEFT_EUSAGE;
	if (!chan_room(mux, window))
		return WEFT_ETOOBIG;
	id = next_id(mux);
	if (id == 0)
		return WEFT_ETOOBIG;
	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_OPEN;
	m.u.open.ch = id;
	m.u.open.window = window;
	memcpy(m.u.open.purpose, purpose, strlen(purpose) + 1);
	/* Encoding checks purpose and window before the slot is taken. */
	err = queue_ctl(mux, &m);
	if (err)
		return err;
	c = chan_alloc(mux, id, window);
	if (c == NULL)
		return WEFT_ETOOBIG;
	c->flags = CH_LOCAL;
	*ch = id;
	return 0;
}

int
weft_mux_send(struct weft_mux *mux, uint16_t ch, const void *msg, size_t len)
{
	struct weft__mux_chan	*c;
	int			 err;

	err = may_send(mux);
	if (err)
		return err;
	c = chan_find(mux, ch);
	if (c == NULL)
		return WEFT_ENOTFOUND;
	if (c->flags & (CH_END_WANT | CH_END_SENT | CH_END_RCVD))
		return -EPIPE;
	if (len > WEFT_WIRE_MSG_MAX)
		return WEFT_ETOOBIG;
	if (mux->lim.peer_queue_max != 0) {
		uint64_t	total = 0;

		/* At most channels_max slots: cheaper than keeping a sum. */
		for (uint32_t i = 0; i < mux->lim.channels_max; i++)
			total += mux->chans[i].queued;
		if (len > mux->lim.peer_queue_max ||
		    total > mux->lim.peer_queue_max - len)
			return WEFT_ETOOBIG;
	}
	return queue_add(c, msg, len, mux->lim.chan_queue_max);
}

uint64_t
weft_mux_queued(const struct weft_mux *mux, uint16_t ch)
{
	if (ch == 0)
		return mux->ctl.queued;
	for (uint32_t i = 0; i < mux->lim.channels_max; i++) {
		if (mux->chans[i].id == ch)
			return mux->chans[i].queued;
	}
	return 0;
}

int
weft_mux_consumed(struct weft_mux *mux, uint16_t ch, size_t len)
{
	struct weft__mux_chan	*c;
	uint64_t		 cost;

	c = chan_find(mux, ch);
	if (c == NULL)
		return WEFT_ENOTFOUND;
	/* Once either side ended the channel, no more window is granted. */
	if (c->flags & (CH_END_SENT | CH_END_RCVD))
		return 0;
	if (len > WEFT_WIRE_MSG_MAX)
		return WEFT_EUSAGE;
	cost = (uint64_t)len + WEFT_WIRE_MSG_COST;
	if (cost > c->unconsumed)
		return WEFT_EUSAGE;
	c->unconsumed -= cost;
	c->grant += cost;
	return 0;
}

int
weft_mux_end(struct weft_mux *mux, uint16_t ch)
{
	struct weft__mux_chan	*c;

	if (mux->err)
		return mux->err;
	c = chan_find(mux, ch);
	if (c == NULL)
		return WEFT_ENOTFOUND;
	c->flags |= CH_END_WANT;
	return 0;
}

int
weft_mux_close(struct weft_mux *mux, const char *reason)
{
	struct weft_wire_msg	m;
	size_t			n;
	int			err;

	err = may_send(mux);
	if (err)
		return err;
	n = strlen(reason);
	if (n > WEFT_WIRE_REASON_MAX)
		return WEFT_EUSAGE;
	m.type = WEFT_WIRE_CLOSE;
	memcpy(m.u.close, reason, n + 1);
	err = queue_ctl(mux, &m);
	if (err)
		return err;
	/* Nothing but what channel 0 holds leaves after a close. */
	mux->flags |= MUX_CLOSE_SENT;
	for (uint32_t i = 0; i < mux->lim.channels_max; i++)
		queue_drop(&mux->chans[i]);
	return 0;
}

int
weft_mux_poll(struct weft_mux *mux, struct weft_mux_ev *ev)
{
	struct weft__mux_evq	*q = mux->ev_head;

	if (q == NULL)
		return WEFT_ENOTFOUND;
	mux->ev_head = q->next;
	if (mux->ev_head == NULL)
		mux->ev_tail = NULL;
	*ev = q->ev;
	free(q);
	return 0;
}

/* The peer opens channels of the other parity than ours. */
static bool
peer_parity(const struct weft_mux *mux, uint16_t ch)
{
	return (ch & 1) == (mux->initiator ? 0 : 1);
}

static int
on_open(struct weft_mux *mux, const struct weft_wire_msg *m)
{
	struct weft__mux_chan	*c;
	uint16_t		 ch = m->u.open.ch;
	int			 err;

	if (!peer_parity(mux, ch) || chan_find(mux, ch) != NULL)
		return WEFT_EPROTO;
	/*
	 * Refusing is an end without an accept; no state is kept, so the
	 * peer's answering end finds no channel and is ignored (on_end()).
	 */
	if ((mux->flags & MUX_CLOSE_SENT) ||
	    !chan_room(mux, mux->lim.recv_window))
		return queue_ch_msg(mux, WEFT_WIRE_END, ch, 0);
	err = queue_ch_msg(mux, WEFT_WIRE_ACCEPT, ch, mux->lim.recv_window);
	if (err)
		return err;
	c = chan_alloc(mux, ch, mux->lim.recv_window);
	if (c == NULL)
		return WEFT_ETOOBIG;
	c->flags = CH_PEER_OPEN;
	c->credit = c->pwindow = m->u.open.window;
	return ev_push_str(mux, WEFT_MUX_EV_OPEN, ch, m->u.open.purpose);
}

static int
on_end(struct weft_mux *mux, uint16_t ch)
{
	struct weft__mux_chan	*c;

	c = chan_find(mux, ch);
	if (c == NULL)
		return 0;
	if (c->flags & CH_END_RCVD)
		return WEFT_EPROTO;
	c->flags |= CH_END_RCVD;
	/* The peer reads nothing more: drop what we had for it. */
	queue_drop(c);
	weft_buf_release(&c->rbuf);
	c->inmsg = false;
	if (c->flags & CH_END_SENT) {
		chan_free(mux, c);
		return 0;
	}
	if (c->flags & CH_END_WANT)
		return 0;
	return ev_push(mux, WEFT_MUX_EV_END, ch, NULL, 0);
}

static int
on_hello(struct weft_mux *mux, const struct weft_wire_msg *m)
{
	if (m->u.hello.version != WEFT_WIRE_VERSION)
		return WEFT_EVERSION;
	mux->peer_hello = malloc(sizeof(*mux->peer_hello));
	if (mux->peer_hello == NULL)
		return -ENOMEM;
	*mux->peer_hello = m->u.hello;
	mux->flags |= MUX_HELLO_RCVD;
	return ev_push(mux, WEFT_MUX_EV_HELLO, 0, NULL, 0);
}

static int
on_ctl(struct weft_mux *mux, const struct weft_wire_msg *m)
{
	struct weft_wire_msg	 r;
	struct weft__mux_chan	*c;

	if (!(mux->flags & MUX_HELLO_RCVD))
		return m->type == WEFT_WIRE_HELLO ? on_hello(mux, m) :
		    WEFT_EPROTO;
	switch (m->type) {
	case WEFT_WIRE_HELLO:
		return WEFT_EPROTO;
	case WEFT_WIRE_PING:
		if (mux->flags & MUX_CLOSE_SENT)
			return 0;
		r.type = WEFT_WIRE_PONG;
		r.u.pong = m->u.ping;
		return queue_ctl(mux, &r);
	case WEFT_WIRE_PONG:
		return 0;
	case WEFT_WIRE_CLOSE:
		mux->flags |= MUX_CLOSE_RCVD;
		return ev_push_str(mux, WEFT_MUX_EV_CLOSE, 0, m->u.close);
	case WEFT_WIRE_OPEN:
		return on_open(mux, m);
	case WEFT_WIRE_ACCEPT:
		c = chan_find(mux, m->u.accept.ch);
		if (c == NULL || !(c->flags & CH_LOCAL) ||
		    (c->flags & CH_PEER_OPEN))
			return WEFT_EPROTO;
		c->flags |= CH_PEER_OPEN;
		c->credit = c->pwindow = m->u.accept.window;
		return 0;
	case WEFT_WIRE_WINDOW:
		c = chan_find(mux, m->u.window.ch);
		/* A grant returns units we spent: never past the window. */
		if (c == NULL || !(c->flags & CH_PEER_OPEN) ||
		    c->credit + m->u.window.add > c->pwindow)
			return WEFT_EPROTO;
		c->credit += m->u.window.add;
		return 0;
	case WEFT_WIRE_END:
		return on_end(mux, m->u.end.ch);
	}
	return WEFT_EPROTO;
}

/*
 * Checks a frame against the reassembly state of c. Appends its payload
 * unless discard. Returns 1 when it completed a message, 0 when not, or
 * an error.
 */
static int
reassemble(struct weft__mux_chan *c, const struct weft_wire_frame *f,
    bool discard)
{
	int	err;

	if (f->flags & WEFT_WIRE_FIRST) {
		if (c->inmsg)
			return WEFT_EPROTO;
		c->inmsg = true;
	} else if (!c->inmsg) {
		return WEFT_EPROTO;
	}
	if (!discard && f->len > 0) {
		/*
		 * A message of more than one frame: room for MSG_RESERVE
		 * at once, not a realloc (and a copy of all so far) at
		 * every doubling from 4 KiB; detach trims what is unused.
		 */
		if ((f->flags & WEFT_WIRE_FIRST) &&
		    !(f->flags & WEFT_WIRE_LAST) && c->rbuf.len == 0) {
			err = weft_buf_reserve(&c->rbuf,
			    c->rbuf.max < MSG_RESERVE ? c->rbuf.max :
			    MSG_RESERVE);
			if (err)
				return err;
		}
		/* The cap applies before anything past it is buffered. */
		err = weft_buf_add(&c->rbuf, f->payload, f->len);
		if (err)
			return err;
	}
	if (!(f->flags & WEFT_WIRE_LAST))
		return 0;
	c->inmsg = false;
	return 1;
}

static int
on_ctl_frame(struct weft_mux *mux, const struct weft_wire_frame *f)
{
	struct weft_wire_msg	*m;
	int			 err;

	err = reassemble(&mux->ctl, f, false);
	if (err <= 0)
		return err;
	m = malloc(sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	err = weft_wire_decode(m, mux->ctl.rbuf.data, mux->ctl.rbuf.len);
	weft_buf_release(&mux->ctl.rbuf);
	if (err == 0)
		err = on_ctl(mux, m);
	free(m);
	return err;
}

static int
on_data_frame(struct weft_mux *mux, const struct weft_wire_frame *f)
{
	struct weft__mux_chan	*c;
	uint64_t		 cost;
	uint8_t			*data;
	size_t			 len, cap;
	bool			 discard;
	int			 err;

	if (!(mux->flags & MUX_HELLO_RCVD))
		return WEFT_EPROTO;
	c = chan_find(mux, f->ch);
	if (c == NULL || !(c->flags & CH_PEER_OPEN) ||
	    (c->flags & CH_END_RCVD))
		return WEFT_EPROTO;
	cost = f->len + ((f->flags & WEFT_WIRE_FIRST) ? WEFT_WIRE_MSG_COST : 0);
	if (cost > c->rcredit)
		return WEFT_EPROTO;
	/* After our end, frames still in flight are checked, then dropped. */
	discard = (c->flags & CH_END_SENT) != 0;
	err = reassemble(c, f, discard);
	if (err < 0)
		return err;
	c->rcredit -= cost;
	if (err == 0 || discard)
		return 0;
	len = c->rbuf.len;
	cap = c->rbuf.cap;
	data = weft_buf_detach(&c->rbuf, &len);
	/*
	 * Queued messages hold no more than twice their bytes, as when
	 * the buffer only doubled: a shrinking realloc does not copy.
	 */
	if (cap > 2 * len && len > 0) {
		uint8_t	*q = realloc(data, len);

		if (q != NULL)
			data = q;
	}
	err = ev_push(mux, WEFT_MUX_EV_MSG, c->id, data, len);
	if (err) {
		free(data);
		return err;
	}
	c->unconsumed += len + WEFT_WIRE_MSG_COST;
	return 0;
}

int
weft_mux_on_box(struct weft_mux *mux, const uint8_t *body, size_t len,
    uint64_t now_ms)
{
	struct weft_wire_frame	f;
	int			err;

	if (mux->err)
		return mux->err;
	if (mux->flags & MUX_CLOSE_RCVD)
		return fail(mux, WEFT_EPROTO);
	err = weft_wire_frame_decode(&f, body, len);
	if (err)
		return fail(mux, err);
	if (f.ch == 0)
		err = on_ctl_frame(mux, &f);
	else
		err = on_data_frame(mux, &f);
	if (err)
		return fail(mux, err);
	mux->last_rx = now_ms;
	mux->ping_sent = false;
	return 0;
}

/*
 * Window updates and ends become control messages only when a box is
 * about to be sent, so that many weft_mux_consumed() calls in a row
 * cost one update, and an end follows the last queued frame.
 */
static int
flush_pending(struct weft_mux *mux)
{
	struct weft__mux_chan	*c;
	int			 err;

	for (uint32_t i = 0; i < mux->lim.channels_max; i++) {
		c = &mux->chans[i];
		if (c->id == 0 || (c->flags & CH_END_SENT))
			continue;
		if (c->grant > 0 && !(c->flags & CH_END_RCVD)) {
			err = queue_ch_msg(mux, WEFT_WIRE_WINDOW, c->id,
			    (uint32_t)c->grant);
			if (err)
				return err;
			c->rcredit += c->grant;
			c->grant = 0;
		}
		if ((c->flags & CH_END_WANT) && c->head == NULL) {
			err = queue_ch_msg(mux, WEFT_WIRE_END, c->id, 0);
			if (err)
				return err;
			c->flags |= CH_END_SENT;
			weft_buf_release(&c->rbuf);
			if (c->flags & CH_END_RCVD)
				chan_free(mux, c);
		}
	}
	return 0;
}

/*
 * Cuts the next frame of c's head message into out, or returns
 * WEFT_ENOTFOUND when the window does not allow one. Channel 0 is not
 * flow-controlled (metered false).
 */
static int
take_frame(struct weft__mux_chan *c, bool metered, uint8_t *out, size_t *n)
{
	struct weft__mux_out	*o = c->head;
	struct weft_wire_frame	 f;
	uint64_t		 extra, room;
	size_t			 left, take;
	int			 err;

	if (o == NULL)
		return WEFT_ENOTFOUND;
	extra = (metered && !o->started) ? WEFT_WIRE_MSG_COST : 0;
	left = o->len - o->off;
	take = left < WEFT_WIRE_PAYLOAD_MAX ? left : WEFT_WIRE_PAYLOAD_MAX;
	if (metered) {
		if (c->credit < extra)
			return WEFT_ENOTFOUND;
		room = c->credit - extra;
		if (take > room)
			take = (size_t)room;
		if (take == 0 && left > 0)
			return WEFT_ENOTFOUND;
	}
	f.ch = c->id;
	f.flags = (o->started ? 0 : WEFT_WIRE_FIRST) |
	    (take == left ? WEFT_WIRE_LAST : 0);
	f.payload = o->data + o->off;
	f.len = take;
	err = weft_wire_frame_encode(&f, out, n);
	if (err)
		return err;
	o->off += take;
	o->started = true;
	c->queued -= take;
	if (metered)
		c->credit -= take + extra;
	if (take == left) {
		c->head = o->next;
		if (c->head == NULL)
			c->tail = NULL;
		free(o);
	}
	return 0;
}

int
weft_mux_next_box(struct weft_mux *mux,
    uint8_t out[static WEFT_WIRE_FRAME_MAX], size_t *len)
{
	struct weft__mux_chan	*c;
	uint32_t		 max = mux->lim.channels_max, i;
	int			 err;

	if (mux->err)
		return mux->err;
	if (!(mux->flags & MUX_CLOSE_SENT)) {
		err = flush_pending(mux);
		if (err)
			return fail(mux, err);
	}
	err = take_frame(&mux->ctl, false, out, len);
	if (err != WEFT_ENOTFOUND)
		return err ? fail(mux, err) : 0;
	if (mux->flags & MUX_CLOSE_SENT)
		return WEFT_ENOTFOUND;
	/* Round robin, one frame per turn, starting after the last served. */
	for (uint32_t k = 1; k <= max; k++) {
		i = (mux->rr + k) % max;
		c = &mux->chans[i];
		if (c->id == 0 || !(c->flags & CH_PEER_OPEN) ||
		    (c->flags & (CH_END_SENT | CH_END_RCVD)))
			continue;
		err = take_frame(c, true, out, len);
		if (err == WEFT_ENOTFOUND)
			continue;
		if (err)
			return fail(mux, err);
		mux->rr = i;
		return 0;
	}
	return WEFT_ENOTFOUND;
}

int
weft_mux_tick(struct weft_mux *mux, uint64_t now_ms, uint64_t *next_ms)
{
	struct weft_wire_msg	m;
	uint64_t		idle;
	bool			pinging;
	int			err;

	if (mux->err)
		return mux->err;
	idle = now_ms > mux->last_rx ? now_ms - mux->last_rx : 0;
	if (idle >= mux->lim.timeout_ms)
		return fail(mux, -ETIMEDOUT);
	pinging = !mux->ping_sent && may_send(mux) == 0;
	if (pinging && idle >= mux->lim.ping_ms) {
		m.type = WEFT_WIRE_PING;
		m.u.ping = ++mux->ping_n;
		err = queue_ctl(mux, &m);
		if (err)
			return fail(mux, err);
		mux->ping_sent = true;
		pinging = false;
	}
	*next_ms = mux->last_rx + mux->lim.timeout_ms;
	if (pinging)
		*next_ms = mux->last_rx + mux->lim.ping_ms;
	return 0;
}
