/*
 * Shared by the harnesses of the typed control messages (fuzz-ctlmsg-
 * <message>.c, one per decoder of include/weft/ctlmsg.h). The input is
 * a reply body as weft reads it: weft_msg_decode(), then the message's
 * decoder. Properties: the decoder returns 0, WEFT_EPROTO or WEFT_ETOOBIG;
 * what it accepts, the encoder encodes without error, the result decodes
 * again, and encoding that gives the same bytes (a fixed point: weftd
 * and weft agree on every message either can express).
 */
#ifndef WEFT_FUZZ_CTLMSG_H
#define WEFT_FUZZ_CTLMSG_H

#include <string.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "fuzz.h"

typedef void ctlmsg_encode_fn(struct weft_pack *, const void *);
typedef int ctlmsg_decode_fn(const struct weft_obj *, void *);

static inline void
ctlmsg_encode(ctlmsg_encode_fn *enc, const void *msg, struct weft_buf *b)
{
	struct weft_pack	pk;

	weft_buf_init(b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, b);
	enc(&pk, msg);
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
}

/* a and b are two structs of the message's type. */
static inline void
ctlmsg_fuzz(const uint8_t *data, size_t size, ctlmsg_encode_fn *enc,
    ctlmsg_decode_fn *dec, void *a, void *b)
{
	struct weft_msg	 m, m2;
	struct weft_buf	 b1, b2;
	int		 err;

	if (weft_msg_decode(&m, data, size) != 0)
		return;
	err = dec(m.root, a);
	if (err) {
		FUZZ_CHECK(err == WEFT_EPROTO || err == WEFT_ETOOBIG);
		weft_msg_release(&m);
		return;
	}
	ctlmsg_encode(enc, a, &b1);
	FUZZ_CHECK(weft_msg_decode(&m2, b1.data, b1.len) == 0);
	FUZZ_CHECK(dec(m2.root, b) == 0);
	ctlmsg_encode(enc, b, &b2);
	FUZZ_CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
	weft_buf_release(&b2);
	weft_msg_release(&m2);
	weft_buf_release(&b1);
	weft_msg_release(&m);
}

/* Emits the encoding of msg as a seed. */
static inline void
ctlmsg_seed(fuzz_emit_cb *emit, void *arg, const char *name,
    ctlmsg_encode_fn *enc, const void *msg)
{
	struct weft_buf	b;

	ctlmsg_encode(enc, msg, &b);
	emit(name, b.data, b.len, arg);
	weft_buf_release(&b);
}

#endif
