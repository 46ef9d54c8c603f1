/*
 * Fuzzes the peer-protocol decoders of proto/wire.c with what a peer
 * sends inside box-stream: each input is tried as a mux frame
 * (weft_wire_frame_decode()) and as a control message
 * (weft_wire_decode()). A frame that decodes must encode back to the
 * input bytes exactly. A message that decodes must be within its limits,
 * encode, and decode again to the same encoding (unknown keys are
 * ignored, so the input itself need not come back).
 */
#include <errno.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/wire.h"

#include "fuzz.h"

static void
frame_case(const uint8_t *data, size_t size)
{
	static uint8_t		out[WEFT_WIRE_FRAME_MAX];
	struct weft_wire_frame	f;
	size_t			n;
	int			err;

	err = weft_wire_frame_decode(&f, data, size);
	if (err) {
		FUZZ_CHECK(err == WEFT_EPROTO);
		return;
	}
	FUZZ_CHECK(size >= WEFT_WIRE_FRAME_HDR && size <= WEFT_WIRE_FRAME_MAX);
	FUZZ_CHECK(f.len == size - WEFT_WIRE_FRAME_HDR);
	FUZZ_CHECK(f.payload == data + WEFT_WIRE_FRAME_HDR);
	FUZZ_CHECK(weft_wire_frame_encode(&f, out, &n) == 0);
	FUZZ_CHECK(n == size && memcmp(out, data, size) == 0);
}

static void
check_limits(const struct weft_wire_msg *m)
{
	FUZZ_CHECK(weft_wire_type_name(m->type) != NULL);
	switch (m->type) {
	case WEFT_WIRE_HELLO:
		FUZZ_CHECK(m->u.hello.ninterests <= WEFT_WIRE_INTERESTS_MAX);
		FUZZ_CHECK(memchr(m->u.hello.listen, '\0',
		    sizeof(m->u.hello.listen)) != NULL);
		FUZZ_CHECK(memchr(m->u.hello.sw, '\0',
		    sizeof(m->u.hello.sw)) != NULL);
		for (uint32_t i = 0; i < m->u.hello.ninterests; i++)
			FUZZ_CHECK(m->u.hello.interests[i].scope >=
			    WEFT_WIRE_SCOPE_ALL &&
			    m->u.hello.interests[i].scope <=
			    WEFT_WIRE_SCOPE_LIB);
		break;
	case WEFT_WIRE_CLOSE:
		FUZZ_CHECK(memchr(m->u.close, '\0', sizeof(m->u.close)) !=
		    NULL);
		break;
	case WEFT_WIRE_OPEN:
		FUZZ_CHECK(memchr(m->u.open.purpose, '\0',
		    sizeof(m->u.open.purpose)) != NULL);
		break;
	default:
		break;
	}
}

static void
msg_case(const uint8_t *data, size_t size)
{
	static struct weft_wire_msg	m, m2;
	struct weft_buf			b1, b2;
	int				err;

	memset(&m, 0xa5, sizeof(m));
	err = weft_wire_decode(&m, data, size);
	if (err) {
		FUZZ_CHECK(err == WEFT_EPROTO || err == WEFT_EBADFIELD ||
		    err == WEFT_ETOOBIG || err == -ENOMEM);
		return;
	}
	FUZZ_CHECK(size <= WEFT_WIRE_CTL_MAX);
	check_limits(&m);
	weft_buf_init(&b1, WEFT_WIRE_CTL_MAX);
	weft_buf_init(&b2, WEFT_WIRE_CTL_MAX);
	FUZZ_CHECK(weft_wire_encode(&m, &b1) == 0);
	memset(&m2, 0x5a, sizeof(m2));
	FUZZ_CHECK(weft_wire_decode(&m2, b1.data, b1.len) == 0);
	FUZZ_CHECK(m2.type == m.type);
	FUZZ_CHECK(weft_wire_encode(&m2, &b2) == 0);
	FUZZ_CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
	weft_buf_release(&b2);
	weft_buf_release(&b1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	frame_case(data, size);
	msg_case(data, size);
	return 0;
}

static void
emit_msg(fuzz_emit_cb *emit, void *arg, const struct weft_wire_msg *m)
{
	struct weft_buf	b;

	weft_buf_init(&b, WEFT_WIRE_CTL_MAX);
	FUZZ_CHECK(weft_wire_encode(m, &b) == 0);
	emit(weft_wire_type_name(m->type), b.data, b.len, arg);
	weft_buf_release(&b);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const uint8_t		frame[] = {
		0x00, 0x07, WEFT_WIRE_FIRST | WEFT_WIRE_LAST, 'h', 'i',
	};
	static struct weft_wire_msg	m;

	emit("frame", frame, sizeof(frame), arg);

	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_HELLO;
	m.u.hello.version = WEFT_WIRE_VERSION;
	memset(m.u.hello.node, 0x4e, sizeof(m.u.hello.node));
	strcpy(m.u.hello.listen, "127.0.0.1:7420");
	strcpy(m.u.hello.sw, "weft/0.1.0");
	m.u.hello.ninterests = 2;
	m.u.hello.interests[0].scope = WEFT_WIRE_SCOPE_ALL;
	m.u.hello.interests[1].scope = WEFT_WIRE_SCOPE_LIB;
	memset(m.u.hello.interests[1].id, 0x11, WEFT_WIRE_ID_BYTES);
	emit_msg(emit, arg, &m);

	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_PING;
	m.u.ping = 1234567;
	emit_msg(emit, arg, &m);

	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_OPEN;
	m.u.open.ch = 3;
	strcpy(m.u.open.purpose, "records");
	m.u.open.window = WEFT_WIRE_WINDOW_MIN;
	emit_msg(emit, arg, &m);

	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_CLOSE;
	strcpy(m.u.close, "shutting down");
	emit_msg(emit, arg, &m);

	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_WINDOW;
	m.u.window.ch = 3;
	m.u.window.add = 65536;
	emit_msg(emit, arg, &m);
}
