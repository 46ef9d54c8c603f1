/*
 * Box-stream framing (pull-box-stream compatible). Sealing writes the
 * body box first, because its MAC goes inside the header box, but the
 * header takes nonce n and the body n+1, as the reference does. Opening
 * is incremental: a header is buffered until all 34 bytes are in, then a
 * body of the length it names. Every box is authenticated before a byte
 * of it is handed out, and the counter nonce means a box moved from
 * anywhere else in the stream fails to open.
 */
#include <string.h>

#include <sodium.h>

#include "weft/boxstream.h"
#include "weft/buf.h"
#include "weft/err.h"

#define HDR_PLAIN	(2 + WEFT_BOXS_MAC_BYTES)

enum {
	BOXS_HEADER = 1,	/* reading or sealing: next is a header */
	BOXS_BODY,		/* reading: header opened, body expected */
	BOXS_ENDED,		/* goodbye sent or received */
	BOXS_FAILED
};

/* Adds one to a 24-byte big-endian counter, wrapping at 2^192. */
static void
nonce_inc(uint8_t nonce[static WEFT_BOXS_NONCE_BYTES])
{
	for (size_t i = WEFT_BOXS_NONCE_BYTES; i-- > 0;) {
		if (++nonce[i] != 0)
			break;
	}
}

static int
fail(struct weft_boxs *b, int err)
{
	sodium_memzero(b, sizeof(*b));
	b->state = BOXS_FAILED;
	b->err = err;
	return err;
}

void
weft_boxs_init(struct weft_boxs *b, const uint8_t key[static 32],
    const uint8_t nonce[static 24])
{
	memset(b, 0, sizeof(*b));
	memcpy(b->key, key, sizeof(b->key));
	memcpy(b->nonce, nonce, sizeof(b->nonce));
	b->state = BOXS_HEADER;
}

int
weft_boxs_seal(struct weft_boxs *b, const uint8_t *body, size_t n,
    struct weft_buf *out)
{
	uint8_t	 hdr[HDR_PLAIN], body_nonce[WEFT_BOXS_NONCE_BYTES];
	uint8_t	*dst;
	int	 err;

	if (b->err)
		return b->err;
	if (b->state != BOXS_HEADER || n == 0)
		return WEFT_EUSAGE;
	if (n > WEFT_BOXS_BODY_MAX)
		return WEFT_ETOOBIG;
	err = weft_buf_reserve(out, WEFT_BOXS_HEADER_BYTES + n);
	if (err)
		return err;
	dst = out->data + out->len;

	memcpy(body_nonce, b->nonce, sizeof(body_nonce));
	nonce_inc(body_nonce);
	if (crypto_secretbox_detached(dst + WEFT_BOXS_HEADER_BYTES, hdr + 2,
	    body, n, body_nonce, b->key) != 0)
		return WEFT_EUSAGE;
	hdr[0] = (uint8_t)(n >> 8);
	hdr[1] = (uint8_t)n;
	if (crypto_secretbox_easy(dst, hdr, sizeof(hdr), b->nonce,
	    b->key) != 0)
		return WEFT_EUSAGE;
	out->len += WEFT_BOXS_HEADER_BYTES + n;
	nonce_inc(b->nonce);
	nonce_inc(b->nonce);
	return 0;
}

int
weft_boxs_goodbye(struct weft_boxs *b, struct weft_buf *out)
{
	uint8_t	 zeros[HDR_PLAIN] = { 0 };
	int	 err;

	if (b->err)
		return b->err;
	if (b->state != BOXS_HEADER)
		return WEFT_EUSAGE;
	err = weft_buf_reserve(out, WEFT_BOXS_HEADER_BYTES);
	if (err)
		return err;
	if (crypto_secretbox_easy(out->data + out->len, zeros, sizeof(zeros),
	    b->nonce, b->key) != 0)
		return WEFT_EUSAGE;
	out->len += WEFT_BOXS_HEADER_BYTES;
	/* The nonce is spent; nothing may be sealed under it again. */
	nonce_inc(b->nonce);
	b->state = BOXS_ENDED;
	return 0;
}

/* A complete header box is in b->in: open it, learn the body length. */
static int
open_header(struct weft_boxs *b)
{
	uint8_t	hdr[HDR_PLAIN];
	int	err;

	if (crypto_secretbox_open_easy(hdr, b->in, WEFT_BOXS_HEADER_BYTES,
	    b->nonce, b->key) != 0)
		return WEFT_EDECRYPT;
	nonce_inc(b->nonce);
	if (sodium_is_zero(hdr, sizeof(hdr))) {
		b->state = BOXS_ENDED;
		err = 0;
		goto out;
	}
	b->body_len = (size_t)hdr[0] << 8 | hdr[1];
	err = WEFT_EPROTO;
	if (b->body_len == 0 || b->body_len > WEFT_BOXS_BODY_MAX)
		goto out;
	memcpy(b->body_mac, hdr + 2, sizeof(b->body_mac));
	b->state = BOXS_BODY;
	err = 0;
out:
	sodium_memzero(hdr, sizeof(hdr));
	return err;
}

int
weft_boxs_open(struct weft_boxs *b, const uint8_t *p, size_t n,
    size_t *used, uint8_t body[static WEFT_BOXS_BODY_MAX])
{
	size_t	want, take, len;
	int	err;

	*used = 0;
	if (b->err)
		return b->err;
	if (b->state == BOXS_ENDED)
		return n == 0 ? 0 : WEFT_EPROTO;
	while (*used < n) {
		want = b->state == BOXS_HEADER ? WEFT_BOXS_HEADER_BYTES :
		    b->body_len;
		take = want - b->inlen;
		if (take > n - *used)
			take = n - *used;
		memcpy(b->in + b->inlen, p + *used, take);
		b->inlen += take;
		*used += take;
		if (b->inlen < want)
			break;
		b->inlen = 0;
		if (b->state == BOXS_HEADER) {
			err = open_header(b);
			if (err)
				return fail(b, err);
			if (b->state == BOXS_ENDED)
				return 0;
			continue;
		}
		len = b->body_len;
		if (crypto_secretbox_open_detached(body, b->in, b->body_mac,
		    len, b->nonce, b->key) != 0)
			return fail(b, WEFT_EDECRYPT);
		nonce_inc(b->nonce);
		sodium_memzero(b->in, len);
		b->body_len = 0;
		b->state = BOXS_HEADER;
		return (int)len;
	}
	return 0;
}

int
weft_boxs_seal_frames(struct weft_boxs *b, const uint8_t *frames, size_t n,
    int goodbye, struct weft_buf *out)
{
	size_t	off = 0, len;
	int	err;

	while (off < n) {
		if (n - off < WEFT_BOXS_FRAME_HDR)
			return WEFT_EPROTO;
		len = (size_t)frames[off] << 8 | frames[off + 1];
		off += WEFT_BOXS_FRAME_HDR;
		if (len == 0 || len > WEFT_BOXS_BODY_MAX || len > n - off)
			return WEFT_EPROTO;
		err = weft_boxs_seal(b, frames + off, len, out);
		if (err)
			return err;
		off += len;
	}
	if (goodbye)
		return weft_boxs_goodbye(b, out);
	return 0;
}

int
weft_boxs_open_frames(struct weft_boxs *b, const uint8_t *p, size_t n,
    size_t *used, struct weft_buf *out)
{
	size_t	u;
	int	r, err;

	*used = 0;
	while (*used < n) {
		/* A body is written in place, behind its length. */
		err = weft_buf_reserve(out, WEFT_BOXS_FRAME_HDR +
		    WEFT_BOXS_BODY_MAX);
		if (err)
			return err;
		r = weft_boxs_open(b, p + *used, n - *used, &u,
		    out->data + out->len + WEFT_BOXS_FRAME_HDR);
		*used += u;
		if (r < 0)
			return r;
		if (r > 0) {
			out->data[out->len] = (uint8_t)(r >> 8);
			out->data[out->len + 1] = (uint8_t)r;
			out->len += WEFT_BOXS_FRAME_HDR + (size_t)r;
		} else if (weft_boxs_ended(b) || u == 0) {
			break;
		}
	}
	return 0;
}

int
weft_boxs_ended(const struct weft_boxs *b)
{
	return b->err == 0 && b->state == BOXS_ENDED;
}

int
weft_boxs_eof(struct weft_boxs *b)
{
	if (b->err)
		return b->err;
	if (b->state == BOXS_ENDED)
		return 0;
	return fail(b, WEFT_EPROTO);
}

void
weft_boxs_release(struct weft_boxs *b)
{
	int	err;

	err = b->err;
	sodium_memzero(b, sizeof(*b));
	b->err = err;
	if (err)
		b->state = BOXS_FAILED;
}
