/*
 * Peer messages: frames and control messages. Known-answer vectors made
 * with python3-msgpack (an independent encoder), a round trip of every
 * message type, every malformed field, and every byte of every encoded
 * message flipped and truncated: decoding must fail or give a message
 * that is itself valid, and never crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/wire.h"

/*
 * msgpack.packb({"t": "hello", "v": 1, "node": bytes(range(32)),
 *   "listen": "127.0.0.1:7420", "sw": "weft/0.1.0", "interests": [
 *   {"scope": "all"}, {"scope": "author", "id": b"\xaa" * 32},
 *   {"scope": "lib", "id": b"\x55" * 32}]}, use_bin_type=True)
 */
static const char HELLO_HEX[] =
    "86a174a568656c6c6fa17601a46e6f6465c420000102030405060708090a0b0c0d"
    "0e0f101112131415161718191a1b1c1d1e1fa66c697374656eae3132372e302e30"
    "2e313a37343230a27377aa776566742f302e312e30a9696e746572657374739381"
    "a573636f7065a3616c6c82a573636f7065a6617574686f72a26964c420aaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa82a573636f"
    "7065a36c6962a26964c420555555555555555555555555555555555555555555"
    "5555555555555555555555";
/* {"t": "window", "ch": 7, "add": 70000} */
static const char WINDOW_HEX[] = "83a174a677696e646f77a2636807a3616464ce00011170";
/*
 * {"zzz": [1, 2, {"a": None}], "window": 1056768, "ch": 3, "t": "open",
 *  "purpose": "chunks", "extra": b"\0"}: other key order, unknown keys.
 */
static const char OPEN_HEX[] =
    "86a37a7a7a93010281a161c0a677696e646f77ce00102000a2636803a174a46f70"
    "656ea7707572706f7365a66368756e6b73a56578747261c40100";

static uint8_t *
unhex(const char *s, size_t *n)
{
	uint8_t	*p;

	*n = strlen(s) / 2;
	p = malloc(*n);
	assert_non_null(p);
	assert_int_equal(weft_hex_decode(p, *n, s, strlen(s)), 0);
	return p;
}

static void
hello_sample(struct weft_wire_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->version = WEFT_WIRE_VERSION;
	for (int i = 0; i < 32; i++)
		h->node[i] = (uint8_t)i;
	strcpy(h->listen, "127.0.0.1:7420");
	strcpy(h->sw, "weft/0.1.0");
	h->ninterests = 3;
	h->interests[0].scope = WEFT_WIRE_SCOPE_ALL;
	h->interests[1].scope = WEFT_WIRE_SCOPE_AUTHOR;
	memset(h->interests[1].id, 0xaa, 32);
	h->interests[2].scope = WEFT_WIRE_SCOPE_LIB;
	memset(h->interests[2].id, 0x55, 32);
}

/* One valid message of each type. */
static int
sample(enum weft_wire_type t, struct weft_wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = t;
	switch (t) {
	case WEFT_WIRE_HELLO:
		hello_sample(&m->u.hello);
		break;
	case WEFT_WIRE_PING:
		m->u.ping = 42;
		break;
	case WEFT_WIRE_PONG:
		m->u.pong = UINT64_MAX;
		break;
	case WEFT_WIRE_CLOSE:
		strcpy(m->u.close, "shutting down");
		break;
	case WEFT_WIRE_OPEN:
		m->u.open.ch = 65535;
		strcpy(m->u.open.purpose, "chunks");
		m->u.open.window = WEFT_WIRE_WINDOW_MAX;
		break;
	case WEFT_WIRE_ACCEPT:
		m->u.accept.ch = 1;
		m->u.accept.window = WEFT_WIRE_WINDOW_MIN;
		break;
	case WEFT_WIRE_WINDOW:
		m->u.window.ch = 300;
		m->u.window.add = 1;
		break;
	case WEFT_WIRE_END:
		m->u.end.ch = 2;
		break;
	}
	return 0;
}

static void
encode(const struct weft_wire_msg *m, struct weft_buf *b)
{
	weft_buf_init(b, WEFT_WIRE_CTL_MAX);
	assert_int_equal(weft_wire_encode(m, b), 0);
}

static void
test_hello_vector(void **state)
{
	struct weft_wire_msg	m, d;
	struct weft_buf		b;
	uint8_t			*v;
	size_t			 n;

	(void)state;
	v = unhex(HELLO_HEX, &n);
	sample(WEFT_WIRE_HELLO, &m);
	encode(&m, &b);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, v, n);
	assert_int_equal(weft_wire_decode(&d, v, n), 0);
	assert_int_equal(d.type, WEFT_WIRE_HELLO);
	assert_memory_equal(&d.u.hello, &m.u.hello, sizeof(d.u.hello));
	weft_buf_release(&b);
	free(v);
}

static void
test_other_vectors(void **state)
{
	struct weft_wire_msg	m;
	struct weft_buf		b;
	uint8_t			*v;
	size_t			 n;

	(void)state;
	v = unhex(WINDOW_HEX, &n);
	memset(&m, 0, sizeof(m));
	m.type = WEFT_WIRE_WINDOW;
	m.u.window.ch = 7;
	m.u.window.add = 70000;
	encode(&m, &b);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, v, n);
	weft_buf_release(&b);
	free(v);

	/* Key order is free and unknown keys are ignored. */
	v = unhex(OPEN_HEX, &n);
	assert_int_equal(weft_wire_decode(&m, v, n), 0);
	assert_int_equal(m.type, WEFT_WIRE_OPEN);
	assert_int_equal(m.u.open.ch, 3);
	assert_string_equal(m.u.open.purpose, "chunks");
	assert_int_equal(m.u.open.window, 1056768);
	free(v);
}

static void
test_frame_vectors(void **state)
{
	struct weft_wire_frame	f;
	uint8_t			out[WEFT_WIRE_FRAME_MAX], in[WEFT_WIRE_FRAME_MAX];
	size_t			n;
	static const uint8_t	v[] = { 0x01, 0x02, 0x01, 'a', 'b', 'c' };
	static const uint8_t	empty[] = { 0x00, 0x09, 0x03 };

	(void)state;
	f.ch = 0x0102;
	f.flags = WEFT_WIRE_FIRST;
	f.payload = (const uint8_t *)"abc";
	f.len = 3;
	assert_int_equal(weft_wire_frame_encode(&f, out, &n), 0);
	assert_int_equal(n, sizeof(v));
	assert_memory_equal(out, v, n);
	memset(&f, 0, sizeof(f));
	assert_int_equal(weft_wire_frame_decode(&f, v, sizeof(v)), 0);
	assert_int_equal(f.ch, 0x0102);
	assert_int_equal(f.flags, WEFT_WIRE_FIRST);
	assert_int_equal(f.len, 3);
	assert_memory_equal(f.payload, "abc", 3);

	/* The empty message: FIRST|LAST and nothing else. */
	assert_int_equal(weft_wire_frame_decode(&f, empty, 3), 0);
	assert_int_equal(f.ch, 9);
	assert_int_equal(f.len, 0);
	for (int fl = 0; fl < 256; fl++) {
		uint8_t e[3] = { 0, 9, (uint8_t)fl };
		uint8_t g[4] = { 0, 9, (uint8_t)fl, 'x' };

		assert_int_equal(weft_wire_frame_decode(&f, e, 3) == 0,
		    fl == 3);
		assert_int_equal(weft_wire_frame_decode(&f, g, 4) == 0,
		    fl <= 3);
	}
	f.flags = WEFT_WIRE_FIRST;
	f.len = 0;
	assert_int_equal(weft_wire_frame_encode(&f, out, &n), WEFT_EUSAGE);
	f.flags = 4;
	f.len = 1;
	assert_int_equal(weft_wire_frame_encode(&f, out, &n), WEFT_EUSAGE);

	/* Sizes: 3..4096 bytes. */
	memset(in, 0, sizeof(in));
	in[2] = 3;
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(weft_wire_frame_decode(&f, in, k),
		    WEFT_EPROTO);
	assert_int_equal(weft_wire_frame_decode(&f, in, 4096), 0);
	assert_int_equal(f.len, WEFT_WIRE_PAYLOAD_MAX);
	assert_int_equal(weft_wire_frame_decode(&f, in, 4097), WEFT_EPROTO);
	f.flags = 3;
	f.payload = in;
	f.len = WEFT_WIRE_PAYLOAD_MAX + 1;
	assert_int_equal(weft_wire_frame_encode(&f, out, &n), WEFT_EUSAGE);
}

static void
test_round_trip(void **state)
{
	struct weft_wire_msg	m, d;
	struct weft_buf		b, b2;

	(void)state;
	for (int t = WEFT_WIRE_HELLO; t <= WEFT_WIRE_END; t++) {
		sample((enum weft_wire_type)t, &m);
		encode(&m, &b);
		assert_int_equal(weft_wire_decode(&d, b.data, b.len), 0);
		assert_int_equal(d.type, t);
		assert_string_equal(weft_wire_type_name(d.type),
		    weft_wire_type_name(m.type));
		encode(&d, &b2);
		assert_int_equal(b.len, b2.len);
		assert_memory_equal(b.data, b2.data, b.len);
		weft_buf_release(&b);
		weft_buf_release(&b2);
	}
	assert_null(weft_wire_type_name(0));
	assert_null(weft_wire_type_name(WEFT_WIRE_END + 1));

	/* A hello at its limits: nil listen, 256 interests. */
	sample(WEFT_WIRE_HELLO, &m);
	memset(m.u.hello.listen, 0, sizeof(m.u.hello.listen));
	memset(m.u.hello.sw, 'x', WEFT_WIRE_SW_MAX);
	m.u.hello.ninterests = WEFT_WIRE_INTERESTS_MAX;
	for (int i = 0; i < WEFT_WIRE_INTERESTS_MAX; i++) {
		m.u.hello.interests[i].scope = WEFT_WIRE_SCOPE_LIB;
		memset(m.u.hello.interests[i].id, i, 32);
	}
	encode(&m, &b);
	assert_true(b.len < WEFT_WIRE_CTL_MAX);
	assert_int_equal(weft_wire_decode(&d, b.data, b.len), 0);
	assert_memory_equal(&d.u.hello, &m.u.hello, sizeof(d.u.hello));
	weft_buf_release(&b);

	/* A close with an empty reason and one of the maximum length. */
	m.type = WEFT_WIRE_CLOSE;
	m.u.close[0] = '\0';
	encode(&m, &b);
	assert_int_equal(weft_wire_decode(&d, b.data, b.len), 0);
	assert_string_equal(d.u.close, "");
	weft_buf_release(&b);
	memset(m.u.close, 'r', WEFT_WIRE_REASON_MAX);
	m.u.close[WEFT_WIRE_REASON_MAX] = '\0';
	encode(&m, &b);
	assert_int_equal(weft_wire_decode(&d, b.data, b.len), 0);
	assert_string_equal(d.u.close, m.u.close);
	weft_buf_release(&b);
}

/* The encoder refuses what the decoder would refuse. */
static void
test_encode_refuses(void **state)
{
	struct weft_wire_msg	m;
	struct weft_buf		b;

	(void)state;
	weft_buf_init(&b, WEFT_WIRE_CTL_MAX);
#define REFUSE(t, stmt) do {						\
	sample(t, &m);							\
	stmt;								\
	assert_int_equal(weft_wire_encode(&m, &b), WEFT_EUSAGE);	\
} while (0)
	REFUSE(WEFT_WIRE_HELLO, m.u.hello.sw[0] = '\0');
	REFUSE(WEFT_WIRE_HELLO, strcpy(m.u.hello.listen, "a b"));
	REFUSE(WEFT_WIRE_HELLO, m.u.hello.ninterests = 257);
	REFUSE(WEFT_WIRE_HELLO, m.u.hello.interests[1].scope = 0);
	REFUSE(WEFT_WIRE_HELLO, m.u.hello.interests[1].scope = 4);
	REFUSE(WEFT_WIRE_OPEN, m.u.open.ch = 0);
	REFUSE(WEFT_WIRE_OPEN, m.u.open.purpose[0] = '\0');
	REFUSE(WEFT_WIRE_OPEN, strcpy(m.u.open.purpose, "a\tb"));
	REFUSE(WEFT_WIRE_OPEN, m.u.open.window = WEFT_WIRE_WINDOW_MIN - 1);
	REFUSE(WEFT_WIRE_OPEN, m.u.open.window = WEFT_WIRE_WINDOW_MAX + 1);
	REFUSE(WEFT_WIRE_ACCEPT, m.u.accept.window = 0);
	REFUSE(WEFT_WIRE_WINDOW, m.u.window.add = 0);
	REFUSE(WEFT_WIRE_WINDOW, m.u.window.ch = 0);
	REFUSE(WEFT_WIRE_END, m.u.end.ch = 0);
	REFUSE(0, (void)0);
	REFUSE(WEFT_WIRE_END + 1, (void)0);
#undef REFUSE
	assert_int_equal(b.len, 0);
	weft_buf_release(&b);
}

/*
 * Builds {"t": t, ...} with the given fields through weft_pack. Each
 * field is (key, kind, value); kinds: 'u' uint, 's' str, 'b' bin of n
 * bytes, 'n' nil, 'i' negative int, 'B' bool.
 */
struct field {
	const char	*key;
	char		 kind;
	uint64_t	 u;
	const char	*s;
};

static int
decode_fields(const char *t, const struct field *fs, size_t nf)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	struct weft_wire_msg	m;
	uint8_t			zero[64] = { 0 };
	int			err;

	weft_buf_init(&b, WEFT_WIRE_CTL_MAX + 1024);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, (uint32_t)nf + (t != NULL));
	if (t != NULL) {
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, t);
	}
	for (size_t i = 0; i < nf; i++) {
		weft_pack_str(&pk, fs[i].key);
		switch (fs[i].kind) {
		case 'u':
			weft_pack_uint(&pk, fs[i].u);
			break;
		case 's':
			weft_pack_str(&pk, fs[i].s);
			break;
		case 'b':
			weft_pack_bin(&pk, zero, fs[i].u);
			break;
		case 'n':
			weft_pack_nil(&pk);
			break;
		case 'i':
			weft_pack_int(&pk, -1);
			break;
		case 'B':
			weft_pack_bool(&pk, true);
			break;
		case 'a':	/* array of u interests {scope: s} */
			weft_pack_array(&pk, (uint32_t)fs[i].u);
			for (uint64_t k = 0; k < fs[i].u; k++) {
				weft_pack_map(&pk, 1);
				weft_pack_str(&pk, "scope");
				weft_pack_str(&pk, fs[i].s);
			}
			break;
		}
	}
	assert_int_equal(weft_pack_error(&pk), 0);
	err = weft_wire_decode(&m, b.data, b.len);
	weft_buf_release(&b);
	return err;
}

#define F(k, kind, u, s)	{ k, kind, u, s }
#define DECODE(t, ...) decode_fields(t, (const struct field[]){ __VA_ARGS__ }, \
    sizeof((const struct field[]){ __VA_ARGS__ }) / sizeof(struct field))

static void
test_decode_fields(void **state)
{
	(void)state;
	/* Baselines that decode. */
	assert_int_equal(DECODE("ping", F("n", 'u', 0, NULL)), 0);
	assert_int_equal(DECODE("end", F("ch", 'u', 65535, NULL)), 0);
	assert_int_equal(DECODE("close", F("reason", 's', 0, "")), 0);
	assert_int_equal(DECODE("hello", F("v", 'u', 9, NULL),
	    F("node", 'b', 32, NULL), F("listen", 'n', 0, NULL),
	    F("sw", 's', 0, "x y"), F("interests", 'a', 256, "all")), 0);

	/* Type and structure. */
	assert_int_equal(decode_fields(NULL, (const struct field[]){
	    F("n", 'u', 0, NULL) }, 1), WEFT_EPROTO);
	assert_int_equal(DECODE("pingx", F("n", 'u', 0, NULL)), WEFT_EPROTO);
	assert_int_equal(DECODE("", F("n", 'u', 0, NULL)), WEFT_EPROTO);
	assert_int_equal(DECODE("ping", F("t", 's', 0, "pong")), WEFT_EPROTO);

	/* ping, pong: n a uint. */
	assert_int_equal(DECODE("ping", F("m", 'u', 0, NULL)), WEFT_EBADFIELD);
	assert_int_equal(DECODE("pong", F("n", 'i', 0, NULL)), WEFT_EBADFIELD);
	assert_int_equal(DECODE("pong", F("n", 's', 0, "1")), WEFT_EBADFIELD);
	assert_int_equal(DECODE("pong", F("n", 'n', 0, NULL)), WEFT_EBADFIELD);

	/* close: reason a str of at most 256 bytes without NUL. */
	assert_int_equal(DECODE("close", F("reason", 'b', 3, NULL)),
	    WEFT_EBADFIELD);
	assert_int_equal(DECODE("close", F("why", 's', 0, "x")),
	    WEFT_EBADFIELD);
	{
		char	long_reason[WEFT_WIRE_REASON_MAX + 2];

		memset(long_reason, 'r', sizeof(long_reason) - 1);
		long_reason[sizeof(long_reason) - 1] = '\0';
		assert_int_equal(DECODE("close", F("reason", 's', 0,
		    long_reason)), WEFT_EBADFIELD);
		long_reason[WEFT_WIRE_REASON_MAX] = '\0';
		assert_int_equal(DECODE("close", F("reason", 's', 0,
		    long_reason)), 0);
	}

	/* open: ch 1..65535, purpose 1..32 printable, window in range. */
#define OPEN(ch, purpose, window) DECODE("open", F("ch", 'u', ch, NULL), \
    F("purpose", 's', 0, purpose), F("window", 'u', window, NULL))
	assert_int_equal(OPEN(1, "x", WEFT_WIRE_WINDOW_MIN), 0);
	assert_int_equal(OPEN(0, "x", WEFT_WIRE_WINDOW_MIN), WEFT_EBADFIELD);
	assert_int_equal(OPEN(65536, "x", WEFT_WIRE_WINDOW_MIN),
	    WEFT_EBADFIELD);
	assert_int_equal(OPEN(1, "", WEFT_WIRE_WINDOW_MIN), WEFT_EBADFIELD);
	assert_int_equal(OPEN(1, "a b", WEFT_WIRE_WINDOW_MIN), WEFT_EBADFIELD);
	assert_int_equal(OPEN(1, "\x7f", WEFT_WIRE_WINDOW_MIN),
	    WEFT_EBADFIELD);
	assert_int_equal(OPEN(1, "0123456789abcdef0123456789abcdef",
	    WEFT_WIRE_WINDOW_MIN), 0);
	assert_int_equal(OPEN(1, "0123456789abcdef0123456789abcdefg",
	    WEFT_WIRE_WINDOW_MIN), WEFT_EBADFIELD);
	assert_int_equal(OPEN(1, "x", WEFT_WIRE_WINDOW_MIN - 1),
	    WEFT_EBADFIELD);
	assert_int_equal(OPEN(1, "x", WEFT_WIRE_WINDOW_MAX + 1),
	    WEFT_EBADFIELD);
	assert_int_equal(OPEN(1, "x", UINT64_MAX), WEFT_EBADFIELD);
	assert_int_equal(DECODE("open", F("ch", 'u', 1, NULL),
	    F("window", 'u', WEFT_WIRE_WINDOW_MIN, NULL)), WEFT_EBADFIELD);
#undef OPEN

	/* accept, window, end. */
	assert_int_equal(DECODE("accept", F("ch", 'u', 1, NULL),
	    F("window", 'u', WEFT_WIRE_WINDOW_MIN, NULL)), 0);
	assert_int_equal(DECODE("accept", F("ch", 'u', 1, NULL),
	    F("window", 'u', 100, NULL)), WEFT_EBADFIELD);
	assert_int_equal(DECODE("accept", F("window", 'u',
	    WEFT_WIRE_WINDOW_MIN, NULL)), WEFT_EBADFIELD);
	assert_int_equal(DECODE("window", F("ch", 'u', 1, NULL),
	    F("add", 'u', 0, NULL)), WEFT_EBADFIELD);
	assert_int_equal(DECODE("window", F("ch", 'u', 1, NULL),
	    F("add", 'u', WEFT_WIRE_WINDOW_MAX + 1, NULL)), WEFT_EBADFIELD);
	assert_int_equal(DECODE("window", F("ch", 'B', 1, NULL),
	    F("add", 'u', 1, NULL)), WEFT_EBADFIELD);
	assert_int_equal(DECODE("end", F("ch", 'i', 0, NULL)), WEFT_EBADFIELD);
	assert_int_equal(DECODE("end", F("ch", 'u', 0, NULL)), WEFT_EBADFIELD);

	/* hello: every field. */
#define HELLO(v, node, listen, sw, interests) DECODE("hello", v, node,	\
    listen, sw, interests)
#define V	F("v", 'u', 1, NULL)
#define NODE	F("node", 'b', 32, NULL)
#define LISTEN	F("listen", 's', 0, "[::1]:7420")
#define SW	F("sw", 's', 0, "weft/0.1.0")
#define INT	F("interests", 'a', 1, "author")
	assert_int_equal(HELLO(V, NODE, LISTEN, SW,
	    F("interests", 'a', 0, "")), 0);
	assert_int_equal(HELLO(F("v", 'i', 0, NULL), NODE, LISTEN, SW,
	    F("interests", 'a', 0, "")),
	    WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, F("node", 'b', 31, NULL), LISTEN, SW,
	    F("interests", 'a', 0, "")), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, F("node", 's', 0, "x"), LISTEN, SW,
	    F("interests", 'a', 0, "")), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, NODE, F("listen", 's', 0, ""), SW,
	    F("interests", 'a', 0, "")), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, NODE, F("listen", 'u', 1, NULL), SW,
	    F("interests", 'a', 0, "")), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, NODE, F("listenx", 'n', 0, NULL), SW,
	    F("interests", 'a', 0, "")), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, NODE, LISTEN, F("sw", 's', 0, ""),
	    F("interests", 'a', 0, "")), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, NODE, LISTEN, F("sw", 'n', 0, NULL),
	    F("interests", 'a', 0, "")), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, NODE, LISTEN, SW,
	    F("interests", 'a', 257, "all")), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, NODE, LISTEN, SW,
	    F("interests", 'u', 0, NULL)), WEFT_EBADFIELD);
	/* author and lib need an id, all must have none. */
	assert_int_equal(HELLO(V, NODE, LISTEN, SW, INT), WEFT_EBADFIELD);
	assert_int_equal(HELLO(V, NODE, LISTEN, SW,
	    F("interests", 'a', 1, "everything")), WEFT_EBADFIELD);
#undef V
#undef NODE
#undef LISTEN
#undef SW
#undef INT
#undef HELLO
}

/* Interest maps with ids, which decode_fields() cannot build. */
static void
test_decode_interests(void **state)
{
	static const struct {
		const char	*scope;
		int		 idlen;	/* -1: no id, -2: id is a str */
		int		 want;
	} cases[] = {
		{ "all", -1, 0 },
		{ "all", 32, WEFT_EBADFIELD },
		{ "author", 32, 0 },
		{ "author", 31, WEFT_EBADFIELD },
		{ "author", 33, WEFT_EBADFIELD },
		{ "author", -2, WEFT_EBADFIELD },
		{ "lib", 32, 0 },
		{ "lib", -1, WEFT_EBADFIELD },
		{ "Lib", 32, WEFT_EBADFIELD },
	};
	uint8_t			id[33] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct weft_buf		b;
		struct weft_pack	pk;
		struct weft_wire_msg	m;

		weft_buf_init(&b, 4096);
		weft_pack_init(&pk, &b);
		weft_pack_map(&pk, 6);
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, "hello");
		weft_pack_str(&pk, "v");
		weft_pack_uint(&pk, 1);
		weft_pack_str(&pk, "node");
		weft_pack_bin(&pk, id, 32);
		weft_pack_str(&pk, "listen");
		weft_pack_nil(&pk);
		weft_pack_str(&pk, "sw");
		weft_pack_str(&pk, "w");
		weft_pack_str(&pk, "interests");
		weft_pack_array(&pk, 1);
		weft_pack_map(&pk, cases[i].idlen == -1 ? 2 : 3);
		weft_pack_str(&pk, "scope");
		weft_pack_str(&pk, cases[i].scope);
		weft_pack_str(&pk, "later");	/* unknown: ignored */
		weft_pack_uint(&pk, 7);
		if (cases[i].idlen == -2) {
			weft_pack_str(&pk, "id");
			weft_pack_str(&pk, "x");
		} else if (cases[i].idlen >= 0) {
			weft_pack_str(&pk, "id");
			weft_pack_bin(&pk, id, (size_t)cases[i].idlen);
		}
		assert_int_equal(weft_pack_error(&pk), 0);
		assert_int_equal(weft_wire_decode(&m, b.data, b.len),
		    cases[i].want);
		weft_buf_release(&b);
	}
}

static void
test_decode_garbage(void **state)
{
	static const uint8_t	notmap[] = { 0x92, 0xa1, 't', 0x01 };
	static const uint8_t	trailing[] = { 0x81, 0xa1, 't', 0xa3, 'e',
	    'n', 'd', 0x00 };
	static const uint8_t	dup[] = { 0x83, 0xa1, 't', 0xa3, 'e', 'n',
	    'd', 0xa2, 'c', 'h', 0x01, 0xa2, 'c', 'h', 0x02 };
	static const uint8_t	flt[] = { 0x82, 0xa1, 't', 0xa4, 'p', 'i',
	    'n', 'g', 0xa1, 'n', 0xca, 0, 0, 0, 0 };
	struct weft_wire_msg	m;
	uint8_t			*big;

	(void)state;
	assert_int_equal(weft_wire_decode(&m, notmap, sizeof(notmap)),
	    WEFT_EPROTO);
	assert_int_equal(weft_wire_decode(&m, trailing, sizeof(trailing)),
	    WEFT_EPROTO);
	assert_int_equal(weft_wire_decode(&m, dup, sizeof(dup)), WEFT_EPROTO);
	assert_int_equal(weft_wire_decode(&m, flt, sizeof(flt)), WEFT_EPROTO);
	assert_int_equal(weft_wire_decode(&m, notmap, 0), WEFT_EPROTO);
	big = calloc(1, WEFT_WIRE_CTL_MAX + 1);
	assert_non_null(big);
	assert_int_equal(weft_wire_decode(&m, big, WEFT_WIRE_CTL_MAX + 1),
	    WEFT_ETOOBIG);
	free(big);
}

/*
 * Decodes p; if that works the result must itself encode (it is a valid
 * message) and decode to the same bytes.
 */
static void
decode_total(const uint8_t *p, size_t n)
{
	struct weft_wire_msg	*m, *d;
	struct weft_buf		 b;
	int			 err;

	m = malloc(sizeof(*m));
	d = malloc(sizeof(*d));
	assert_non_null(m);
	assert_non_null(d);
	err = weft_wire_decode(m, p, n);
	if (err == 0) {
		encode(m, &b);
		assert_int_equal(weft_wire_decode(d, b.data, b.len), 0);
		assert_int_equal(d->type, m->type);
		weft_buf_release(&b);
	} else {
		assert_true(err == WEFT_EPROTO || err == WEFT_EBADFIELD ||
		    err == WEFT_ETOOBIG);
	}
	free(m);
	free(d);
}

static void
test_flip_every_byte(void **state)
{
	struct weft_wire_msg	m;
	struct weft_buf		b;
	uint8_t			*p;

	(void)state;
	for (int t = WEFT_WIRE_HELLO; t <= WEFT_WIRE_END; t++) {
		sample((enum weft_wire_type)t, &m);
		encode(&m, &b);
		p = malloc(b.len);
		assert_non_null(p);
		for (size_t i = 0; i < b.len; i++) {
			for (int bit = 0; bit <= 8; bit++) {
				memcpy(p, b.data, b.len);
				p[i] ^= bit < 8 ? (uint8_t)(1u << bit) : 0xff;
				decode_total(p, b.len);
			}
		}
		free(p);
		weft_buf_release(&b);
	}
}

static void
test_truncate_every_byte(void **state)
{
	struct weft_wire_msg	m, d;
	struct weft_buf		b;
	uint8_t			*p;

	(void)state;
	for (int t = WEFT_WIRE_HELLO; t <= WEFT_WIRE_END; t++) {
		sample((enum weft_wire_type)t, &m);
		encode(&m, &b);
		for (size_t n = 0; n < b.len; n++) {
			/* A copy of exactly n bytes, so ASan sees overreads. */
			p = malloc(n ? n : 1);
			assert_non_null(p);
			memcpy(p, b.data, n);
			assert_int_not_equal(weft_wire_decode(&d, p, n), 0);
			free(p);
		}
		weft_buf_release(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_vector),
		cmocka_unit_test(test_other_vectors),
		cmocka_unit_test(test_frame_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_decode_interests),
		cmocka_unit_test(test_decode_garbage),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_truncate_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
