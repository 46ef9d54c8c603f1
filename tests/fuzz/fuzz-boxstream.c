/*
 * Fuzzes the box-stream open side (proto/boxstream.c), which reads what
 * a peer sends after the handshake. The first input byte picks a mode,
 * the second seeds the sizes of the pieces the stream is fed in:
 *
 *   0  raw bytes into the open side
 *   1  a stream sealed from messages the input describes (each a 2-byte
 *      length, then its bytes), optionally ended by a goodbye, read back:
 *      every body must come out as sealed, in order, and the end of the
 *      stream must be reported exactly as sent
 *   2  as 1, with one bit of the sealed stream flipped where the input
 *      says: reading must fail, and every body read before must be intact
 *   3  as 1, cut short where the input says: the bodies read must be a
 *      prefix of those sealed, and EOF must then be an error
 *   4  the batch calls the daemon's workers run: sealing the messages as
 *      frames must give the bytes sealing them one by one gives, and
 *      opening those bytes in pieces must give the frames back
 *
 * In mode 0 the batch opener also reads the raw bytes at once, and must
 * agree with the box-by-box reader on every body and on the error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "weft/boxstream.h"
#include "weft/buf.h"
#include "weft/err.h"

#include "fuzz.h"

#define MSGS_MAX	64
#define STREAM_MAX	(MSGS_MAX * WEFT_BOXS_BOX_MAX + WEFT_BOXS_HEADER_BYTES)

static const uint8_t	key[WEFT_BOXS_KEY_BYTES] = { 0x6b, 0x65, 0x79 };
static const uint8_t	nonce[WEFT_BOXS_NONCE_BYTES] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xfe,	/* so the counter carries across all 24 bytes */
};

struct msgs {
	const uint8_t	*p[MSGS_MAX];
	size_t		 n[MSGS_MAX];
	size_t		 count;
	bool		 goodbye;
};

/* What reading a stream gave. */
struct got {
	size_t	 bodies;	/* complete and intact, in order */
	int	 err;		/* the error that stopped it, or 0 */
	bool	 ended;
};

/*
 * Opens stream[0..n) in pieces; each body must equal the next expected
 * message (when m is not NULL).
 */
static void
read_stream(const uint8_t *stream, size_t n, uint8_t split,
    const struct msgs *m, struct got *g)
{
	static uint8_t		body[WEFT_BOXS_BODY_MAX];
	struct weft_boxs	b;
	size_t			off = 0, piece, used;
	uint8_t			x = split;
	int			r;

	memset(g, 0, sizeof(*g));
	weft_boxs_init(&b, key, nonce);
	while (off < n) {
		x = (uint8_t)(x * 29 + 7);
		piece = split == 0 ? n - off : 1 + (size_t)x * 23 % 5000;
		if (piece > n - off)
			piece = n - off;
		r = weft_boxs_open(&b, stream + off, piece, &used, body);
		FUZZ_CHECK(used <= piece);
		off += used;
		if (r < 0) {
			g->err = r;
			FUZZ_CHECK(r == WEFT_EDECRYPT || r == WEFT_EPROTO);
			if (!weft_boxs_ended(&b))
				FUZZ_CHECK(weft_boxs_open(&b, stream, 1,
				    &used, body) == r && used == 0);
			break;
		}
		if (r > 0) {
			FUZZ_CHECK(r <= WEFT_BOXS_BODY_MAX);
			if (m != NULL) {
				FUZZ_CHECK(g->bodies < m->count);
				FUZZ_CHECK((size_t)r == m->n[g->bodies]);
				FUZZ_CHECK(memcmp(body, m->p[g->bodies],
				    (size_t)r) == 0);
			}
			g->bodies++;
			continue;
		}
		if (weft_boxs_ended(&b)) {
			g->ended = true;
			/* Nothing may follow a goodbye. */
			if (off < n) {
				r = weft_boxs_open(&b, stream + off, n - off,
				    &used, body);
				FUZZ_CHECK(r == WEFT_EPROTO && used == 0);
				g->err = r;
			}
			break;
		}
		FUZZ_CHECK(used == piece);
	}
	r = weft_boxs_eof(&b);
	if (g->err == 0 || g->ended)
		FUZZ_CHECK((r == 0) == g->ended);
	weft_boxs_release(&b);
	weft_boxs_release(&b);
}

/* Parses the messages the input describes. */
static void
parse_msgs(struct fuzz_in *in, struct msgs *m)
{
	size_t	want, got;

	m->count = 0;
	m->goodbye = fuzz_byte(in) & 1;
	while (in->n > 0 && m->count < MSGS_MAX) {
		want = (size_t)fuzz_byte(in) << 8;
		want |= fuzz_byte(in);
		want = 1 + want % WEFT_BOXS_BODY_MAX;
		m->p[m->count] = fuzz_take(in, want, &got);
		if (got == 0)
			break;
		m->n[m->count] = got;
		m->count++;
	}
}

static void
seal(const struct msgs *m, struct weft_buf *out)
{
	struct weft_boxs	b;
	size_t			before;

	weft_boxs_init(&b, key, nonce);
	for (size_t i = 0; i < m->count; i++) {
		before = out->len;
		FUZZ_CHECK(weft_boxs_seal(&b, m->p[i], m->n[i], out) == 0);
		FUZZ_CHECK(out->len == before + WEFT_BOXS_HEADER_BYTES +
		    m->n[i]);
	}
	if (m->goodbye) {
		FUZZ_CHECK(weft_boxs_goodbye(&b, out) == 0);
		FUZZ_CHECK(weft_boxs_goodbye(&b, out) == WEFT_EUSAGE);
		FUZZ_CHECK(weft_boxs_seal(&b, (const uint8_t *)"x", 1, out) ==
		    WEFT_EUSAGE);
	}
	weft_boxs_release(&b);
}

/* Mode 0: batch and box by box agree on raw bytes, read at once. */
static void
batch_raw(const uint8_t *p, size_t n)
{
	static uint8_t		body[WEFT_BOXS_BODY_MAX];
	struct weft_boxs	a, b;
	struct weft_buf		out;
	size_t			used, u, off = 0, foff = 0, len;
	int			r, err;

	weft_boxs_init(&a, key, nonce);
	weft_boxs_init(&b, key, nonce);
	weft_buf_init(&out, n + WEFT_BOXS_FRAME_HDR + WEFT_BOXS_BODY_MAX);
	err = weft_boxs_open_frames(&a, p, n, &used, &out);
	FUZZ_CHECK(used <= n && out.len <= n);
	for (;;) {
		r = weft_boxs_open(&b, p + off, n - off, &u, body);
		off += u;
		if (r <= 0)
			break;
		FUZZ_CHECK(out.len - foff >= WEFT_BOXS_FRAME_HDR);
		len = (size_t)out.data[foff] << 8 | out.data[foff + 1];
		FUZZ_CHECK(len == (size_t)r);
		FUZZ_CHECK(memcmp(out.data + foff + WEFT_BOXS_FRAME_HDR, body,
		    len) == 0);
		foff += WEFT_BOXS_FRAME_HDR + len;
	}
	FUZZ_CHECK(foff == out.len);
	FUZZ_CHECK(r == (r < 0 ? err : 0) && (r < 0 || err == 0));
	FUZZ_CHECK(weft_boxs_ended(&a) == weft_boxs_ended(&b));
	if (r == 0)
		FUZZ_CHECK(used == off);
	weft_buf_release(&out);
	weft_boxs_release(&a);
	weft_boxs_release(&b);
}

/* Mode 4: the messages as frames, sealed and opened in batches. */
static void
batch_msgs(const struct msgs *m, const struct weft_buf *stream,
    uint8_t split)
{
	struct weft_boxs	b;
	struct weft_buf		frames, out, back;
	size_t			off = 0, piece, used;
	uint8_t			x = split;

	weft_buf_init(&frames, MSGS_MAX * (WEFT_BOXS_FRAME_HDR +
	    WEFT_BOXS_BODY_MAX));
	for (size_t i = 0; i < m->count; i++) {
		uint8_t	hdr[2] = { (uint8_t)(m->n[i] >> 8),
		    (uint8_t)m->n[i] };

		FUZZ_CHECK(weft_buf_add(&frames, hdr, 2) == 0);
		FUZZ_CHECK(weft_buf_add(&frames, m->p[i], m->n[i]) == 0);
	}
	weft_buf_init(&out, STREAM_MAX);
	weft_boxs_init(&b, key, nonce);
	FUZZ_CHECK(weft_boxs_seal_frames(&b, frames.data, frames.len,
	    m->goodbye, &out) == 0);
	FUZZ_CHECK(out.len == stream->len);
	FUZZ_CHECK(out.len == 0 ||
	    memcmp(out.data, stream->data, out.len) == 0);
	weft_boxs_release(&b);

	weft_buf_init(&back, STREAM_MAX + WEFT_BOXS_FRAME_HDR +
	    WEFT_BOXS_BODY_MAX);
	weft_boxs_init(&b, key, nonce);
	while (off < out.len) {
		x = (uint8_t)(x * 29 + 7);
		piece = split == 0 ? out.len - off : 1 + (size_t)x * 97 % 20000;
		if (piece > out.len - off)
			piece = out.len - off;
		FUZZ_CHECK(weft_boxs_open_frames(&b, out.data + off, piece,
		    &used, &back) == 0);
		FUZZ_CHECK(used == piece);
		off += used;
	}
	FUZZ_CHECK(back.len == frames.len);
	FUZZ_CHECK(back.len == 0 ||
	    memcmp(back.data, frames.data, back.len) == 0);
	FUZZ_CHECK(weft_boxs_ended(&b) == m->goodbye);
	weft_boxs_release(&b);
	weft_buf_release(&frames);
	weft_buf_release(&out);
	weft_buf_release(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	in = { data, size };
	struct msgs	m;
	struct weft_buf	stream;
	struct got	g;
	uint8_t		mode, split;
	size_t		at = 0;

	FUZZ_CHECK(sodium_init() >= 0);
	mode = fuzz_byte(&in) % 5;
	split = fuzz_byte(&in);
	if (mode == 0) {
		read_stream(in.p, in.n, split, NULL, &g);
		batch_raw(in.p, in.n);
		return 0;
	}
	if (mode >= 2) {
		at = (size_t)fuzz_byte(&in) << 16;
		at |= (size_t)fuzz_byte(&in) << 8;
		at |= fuzz_byte(&in);
	}
	parse_msgs(&in, &m);
	weft_buf_init(&stream, STREAM_MAX);
	seal(&m, &stream);
	switch (mode) {
	case 4:
		batch_msgs(&m, &stream, split);
		break;
	case 1:
		read_stream(stream.data, stream.len, split, &m, &g);
		FUZZ_CHECK(g.err == 0 && g.bodies == m.count);
		FUZZ_CHECK(g.ended == m.goodbye);
		break;
	case 2:
		if (stream.len == 0)
			break;
		at %= stream.len * 8;
		stream.data[at / 8] ^= (uint8_t)(1u << (at % 8));
		read_stream(stream.data, stream.len, split, &m, &g);
		FUZZ_CHECK(g.err != 0 && !g.ended);
		break;
	default:
		at %= stream.len + 1;
		read_stream(stream.data, at, split, &m, &g);
		FUZZ_CHECK(g.err == 0 && g.bodies <= m.count);
		FUZZ_CHECK(g.ended == (m.goodbye && at == stream.len));
		break;
	}
	weft_buf_release(&stream);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const uint8_t	raw[] = { 0, 7, 1, 2, 3 };
	static const uint8_t	two[] = {
		1, 40, 1, 0x00, 0x04, 'p', 'i', 'n', 'g', 0x00, 0x02, 'o',
		'k',
	};
	static const uint8_t	flip[] = {
		2, 3, 0x00, 0x01, 0x10, 0, 0x00, 0x05, 'h', 'e', 'l', 'l',
		'o', 0x0f, 0xff,
	};
	static const uint8_t	cut[] = {
		3, 0, 0x00, 0x00, 0x30, 1, 0x00, 0x03, 'a', 'b', 'c',
	};
	static const uint8_t	batch[] = {
		4, 9, 1, 0x00, 0x04, 'p', 'i', 'n', 'g', 0x00, 0x02, 'o',
		'k',
	};
	struct msgs		m = { .count = 2, .goodbye = true };
	struct weft_buf		b;

	emit("raw", raw, sizeof(raw), arg);
	emit("two", two, sizeof(two), arg);
	emit("flip", flip, sizeof(flip), arg);
	emit("cut", cut, sizeof(cut), arg);
	emit("batch", batch, sizeof(batch), arg);

	/* A real sealed stream, for mode 0 to mutate. */
	m.p[0] = (const uint8_t *)"hello";
	m.n[0] = 5;
	m.p[1] = (const uint8_t *)"world!";
	m.n[1] = 6;
	weft_buf_init(&b, 4096);
	FUZZ_CHECK(weft_buf_add(&b, "\0\0", 2) == 0);
	seal(&m, &b);
	emit("sealed", b.data, b.len, arg);
	weft_buf_release(&b);
}
