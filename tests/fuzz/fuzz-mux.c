/*
 * Fuzzes the multiplexer (proto/mux.c) as a peer drives it: the input is
 * a script of steps, each a byte choosing what happens next:
 *
 *   0-3  a box body from the peer: 2-byte length, then its bytes
 *   4    poll every event; messages are consumed, ends answered
 *   5    drain what the mux sends; every box must be a valid frame
 *   6    open a channel and send a message: 2-byte length, its bytes
 *   7    advance the clock by 0..255 seconds and tick
 *
 * Errors must be sticky, events well formed, and the boxes the mux
 * writes decodable whatever the peer did.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/mux.h"
#include "weft/wire.h"

#include "fuzz.h"

#define STEPS_MAX	512

static bool
mux_error(int err)
{
	return err == WEFT_EPROTO || err == WEFT_ETOOBIG ||
	    err == WEFT_EBADFIELD || err == WEFT_EVERSION || err == -ENOMEM ||
	    err == -ETIMEDOUT;
}

static void
hello_of(struct weft_wire_hello *h, uint8_t node)
{
	memset(h, 0, sizeof(*h));
	h->version = WEFT_WIRE_VERSION;
	memset(h->node, node, sizeof(h->node));
	strcpy(h->sw, "weft/fuzz");
	h->ninterests = 1;
	h->interests[0].scope = WEFT_WIRE_SCOPE_ALL;
}

static void
poll_all(struct weft_mux *mux)
{
	struct weft_mux_ev	ev;

	while (weft_mux_poll(mux, &ev) == 0) {
		switch (ev.type) {
		case WEFT_MUX_EV_HELLO:
			FUZZ_CHECK(weft_mux_peer_hello(mux) != NULL);
			FUZZ_CHECK(ev.data == NULL);
			break;
		case WEFT_MUX_EV_OPEN:
		case WEFT_MUX_EV_CLOSE:
			FUZZ_CHECK(ev.data != NULL);
			FUZZ_CHECK(strlen((char *)ev.data) == ev.len);
			break;
		case WEFT_MUX_EV_MSG:
			FUZZ_CHECK(ev.len <= WEFT_WIRE_MSG_MAX);
			FUZZ_CHECK((ev.data == NULL) == (ev.len == 0));
			(void)weft_mux_consumed(mux, ev.ch, ev.len);
			break;
		case WEFT_MUX_EV_END:
			(void)weft_mux_end(mux, ev.ch);
			break;
		default:
			FUZZ_CHECK(!"unknown event type");
		}
		free(ev.data);
	}
}

static void
drain(struct weft_mux *mux)
{
	static uint8_t		box[WEFT_WIRE_FRAME_MAX];
	struct weft_wire_frame	f;
	size_t			len;
	int			err;

	for (int i = 0; i < 64; i++) {
		err = weft_mux_next_box(mux, box, &len);
		if (err == WEFT_ENOTFOUND)
			return;
		if (err) {
			FUZZ_CHECK(mux_error(err));
			return;
		}
		FUZZ_CHECK(len >= WEFT_WIRE_FRAME_HDR &&
		    len <= WEFT_WIRE_FRAME_MAX);
		FUZZ_CHECK(weft_wire_frame_decode(&f, box, len) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in = { data, size };
	struct weft_mux		 mux;
	struct weft_wire_hello	 h;
	const uint8_t		*p;
	uint8_t			*box;
	uint64_t		 now = 1000, next;
	size_t			 want, n;
	uint16_t		 ch;
	int			 err, sticky = 0;

	FUZZ_CHECK(weft_mux_init(&mux, NULL, fuzz_byte(&in) & 1, now) == 0);
	hello_of(&h, 0x11);
	FUZZ_CHECK(weft_mux_hello(&mux, &h) == 0);
	for (int step = 0; step < STEPS_MAX && in.n > 0; step++) {
		uint8_t	op = fuzz_byte(&in) % 8;

		switch (op) {
		case 4:
			poll_all(&mux);
			continue;
		case 5:
			drain(&mux);
			continue;
		case 6:
			want = (size_t)fuzz_byte(&in) << 8;
			want |= fuzz_byte(&in);
			p = fuzz_take(&in, want, &n);
			err = weft_mux_open(&mux, "fuzz", 0, &ch);
			if (err == 0)
				(void)weft_mux_send(&mux, ch, p, n);
			continue;
		case 7:
			now += (uint64_t)fuzz_byte(&in) * 1000;
			err = weft_mux_tick(&mux, now, &next);
			if (err) {
				FUZZ_CHECK(mux_error(err));
				sticky = err;
				goto out;
			}
			continue;
		default:
			break;
		}
		want = (size_t)fuzz_byte(&in) << 8;
		want |= fuzz_byte(&in);
		want = 1 + want % WEFT_WIRE_FRAME_MAX;
		p = fuzz_take(&in, want, &n);
		if (n == 0)
			break;
		/* An exact-size copy, so ASan sees any read past the end. */
		box = malloc(n);
		FUZZ_CHECK(box != NULL);
		memcpy(box, p, n);
		err = weft_mux_on_box(&mux, box, n, now);
		free(box);
		if (err) {
			FUZZ_CHECK(mux_error(err));
			sticky = err;
			break;
		}
	}
	if (sticky) {
		FUZZ_CHECK(weft_mux_on_box(&mux, (const uint8_t *)"\0\0\3x", 4,
		    now) == sticky);
	}
out:
	poll_all(&mux);
	drain(&mux);
	weft_mux_release(&mux);
	weft_mux_release(&mux);
	return 0;
}

/* Appends a step delivering one frame on ch with payload p[0..n). */
static void
put_box(struct weft_buf *b, uint16_t ch, uint8_t flags, const uint8_t *p,
    size_t n)
{
	uint8_t	hdr[3 + WEFT_WIRE_FRAME_HDR];
	size_t	len = WEFT_WIRE_FRAME_HDR + n;

	hdr[0] = 0;
	hdr[1] = (uint8_t)((len - 1) >> 8);
	hdr[2] = (uint8_t)(len - 1);
	hdr[3] = (uint8_t)(ch >> 8);
	hdr[4] = (uint8_t)ch;
	hdr[5] = flags;
	FUZZ_CHECK(weft_buf_add(b, hdr, sizeof(hdr)) == 0);
	FUZZ_CHECK(weft_buf_add(b, p, n) == 0);
}

static void
put_msg(struct weft_buf *b, const struct weft_wire_msg *m)
{
	struct weft_buf	enc;

	weft_buf_init(&enc, WEFT_WIRE_CTL_MAX);
	FUZZ_CHECK(weft_wire_encode(m, &enc) == 0);
	put_box(b, 0, WEFT_WIRE_FIRST | WEFT_WIRE_LAST, enc.data, enc.len);
	weft_buf_release(&enc);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static struct weft_wire_msg	m;
	struct weft_buf			b;
	static const uint8_t		steps[] = { 4, 5, 7, 20, 4, 5 };

	weft_buf_init(&b, 16384);
	FUZZ_CHECK(weft_buf_add(&b, "\1", 1) == 0);	/* initiator */
	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_HELLO;
	hello_of(&m.u.hello, 0x22);
	put_msg(&b, &m);
	emit("hello", b.data, b.len, arg);

	/* The peer (not the initiator) opens channel 2 and sends on it. */
	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_OPEN;
	m.u.open.ch = 2;
	strcpy(m.u.open.purpose, "records");
	m.u.open.window = WEFT_WIRE_WINDOW_MIN;
	put_msg(&b, &m);
	put_box(&b, 2, WEFT_WIRE_FIRST, (const uint8_t *)"hello ", 6);
	put_box(&b, 2, WEFT_WIRE_LAST, (const uint8_t *)"world", 5);
	FUZZ_CHECK(weft_buf_add(&b, steps, sizeof(steps)) == 0);
	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_PING;
	m.u.ping = 7;
	put_msg(&b, &m);
	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_END;
	m.u.end.ch = 2;
	put_msg(&b, &m);
	FUZZ_CHECK(weft_buf_add(&b, "\4\5\6\0\3abc\5", 9) == 0);
	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_CLOSE;
	strcpy(m.u.close, "bye");
	put_msg(&b, &m);
	FUZZ_CHECK(weft_buf_add(&b, "\4\5", 2) == 0);
	emit("session", b.data, b.len, arg);
	weft_buf_release(&b);
}
