/*
 * Frames and control messages of the peer protocol (docs/proto/wire.md).
 * The encoder checks every field against the same rules as the decoder,
 * so anything weft sends is something weft accepts. The decoder reads
 * through weft_msg (bounded pre-walk, no duplicate keys), requires every
 * known key with its exact type and range, and ignores keys it does not
 * know so that later versions can add fields.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/wire.h"

static const char *const type_names[] = {
	[WEFT_WIRE_HELLO] = "hello",
	[WEFT_WIRE_PING] = "ping",
	[WEFT_WIRE_PONG] = "pong",
	[WEFT_WIRE_CLOSE] = "close",
	[WEFT_WIRE_OPEN] = "open",
	[WEFT_WIRE_ACCEPT] = "accept",
	[WEFT_WIRE_WINDOW] = "window",
	[WEFT_WIRE_END] = "end",
};

static const char *const scope_names[] = {
	[WEFT_WIRE_SCOPE_ALL] = "all",
	[WEFT_WIRE_SCOPE_AUTHOR] = "author",
	[WEFT_WIRE_SCOPE_LIB] = "lib",
};

#define NTYPES	(sizeof(type_names) / sizeof(type_names[0]))
#define NSCOPES	(sizeof(scope_names) / sizeof(scope_names[0]))

const char *
weft_wire_type_name(enum weft_wire_type t)
{
	if ((unsigned)t == 0 || (unsigned)t >= NTYPES)
		return NULL;
	return type_names[t];
}

int
weft_wire_frame_decode(struct weft_wire_frame *f, const uint8_t *p, size_t n)
{
	if (n < WEFT_WIRE_FRAME_HDR || n > WEFT_WIRE_FRAME_MAX)
		return WEFT_EPROTO;
	if (p[2] & ~(WEFT_WIRE_FIRST | WEFT_WIRE_LAST))
		return WEFT_EPROTO;
	if (n == WEFT_WIRE_FRAME_HDR &&
	    p[2] != (WEFT_WIRE_FIRST | WEFT_WIRE_LAST))
		return WEFT_EPROTO;
	f->ch = (uint16_t)(p[0] << 8 | p[1]);
	f->flags = p[2];
	f->payload = p + WEFT_WIRE_FRAME_HDR;
	f->len = n - WEFT_WIRE_FRAME_HDR;
	return 0;
}

int
weft_wire_frame_encode(const struct weft_wire_frame *f,
    uint8_t out[static WEFT_WIRE_FRAME_MAX], size_t *n)
{
	if (f->len > WEFT_WIRE_PAYLOAD_MAX ||
	    (f->flags & ~(WEFT_WIRE_FIRST | WEFT_WIRE_LAST)) ||
	    (f->len == 0 && f->flags != (WEFT_WIRE_FIRST | WEFT_WIRE_LAST)))
		return WEFT_EUSAGE;
	out[0] = (uint8_t)(f->ch >> 8);
	out[1] = (uint8_t)f->ch;
	out[2] = f->flags;
	if (f->len > 0)
		memcpy(out + WEFT_WIRE_FRAME_HDR, f->payload, f->len);
	*n = WEFT_WIRE_FRAME_HDR + f->len;
	return 0;
}

/* Field rules shared by the encoder and the decoder. */

/* Printable ASCII, min..max bytes; space allowed only if sp. */
static bool
ascii_ok(const char *s, size_t n, size_t min, size_t max, bool sp)
{
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x7e || c < 0x20 || (c == 0x20 && !sp))
			return false;
	}
	return true;
}

static bool
ch_ok(uint64_t ch)
{
	return ch >= 1 && ch <= WEFT_WIRE_CH_MAX;
}

static bool
window_ok(uint64_t w)
{
	return w >= WEFT_WIRE_WINDOW_MIN && w <= WEFT_WIRE_WINDOW_MAX;
}

static bool
add_ok(uint64_t w)
{
	return w >= 1 && w <= WEFT_WIRE_WINDOW_MAX;
}

static bool
reason_ok(const char *s, size_t n)
{
	return n <= WEFT_WIRE_REASON_MAX && memchr(s, 0, n) == NULL;
}

static bool
hello_ok(const struct weft_wire_hello *h)
{
	size_t	n;

	n = strnlen(h->listen, sizeof(h->listen));
	if (n == sizeof(h->listen) ||
	    (n > 0 && !ascii_ok(h->listen, n, 1, WEFT_WIRE_LISTEN_MAX, false)))
		return false;
	n = strnlen(h->sw, sizeof(h->sw));
	if (n == sizeof(h->sw) || !ascii_ok(h->sw, n, 1, WEFT_WIRE_SW_MAX, true))
		return false;
	if (h->ninterests > WEFT_WIRE_INTERESTS_MAX)
		return false;
	for (uint32_t i = 0; i < h->ninterests; i++) {
		if ((unsigned)h->interests[i].scope == 0 ||
		    (unsigned)h->interests[i].scope >= NSCOPES)
			return false;
	}
	return true;
}

static bool
msg_ok(const struct weft_wire_msg *m)
{
	size_t	n;

	switch (m->type) {
	case WEFT_WIRE_HELLO:
		return hello_ok(&m->u.hello);
	case WEFT_WIRE_PING:
	case WEFT_WIRE_PONG:
		return true;
	case WEFT_WIRE_CLOSE:
		n = strnlen(m->u.close, sizeof(m->u.close));
		return n < sizeof(m->u.close);
	case WEFT_WIRE_OPEN:
		n = strnlen(m->u.open.purpose, sizeof(m->u.open.purpose));
		return ch_ok(m->u.open.ch) && window_ok(m->u.open.window) &&
		    ascii_ok(m->u.open.purpose, n, 1, WEFT_WIRE_PURPOSE_MAX,
		    false);
	case WEFT_WIRE_ACCEPT:
		return ch_ok(m->u.accept.ch) && window_ok(m->u.accept.window);
	case WEFT_WIRE_WINDOW:
		return ch_ok(m->u.window.ch) && add_ok(m->u.window.add);
	case WEFT_WIRE_END:
		return ch_ok(m->u.end.ch);
	}
	return false;
}

static void
pack_hello(struct weft_pack *pk, const struct weft_wire_hello *h)
{
	weft_pack_map(pk, 6);
	weft_pack_str(pk, "t");
	weft_pack_str(pk, "hello");
	weft_pack_str(pk, "v");
	weft_pack_uint(pk, h->version);
	weft_pack_str(pk, "node");
	weft_pack_bin(pk, h->node, sizeof(h->node));
	weft_pack_str(pk, "listen");
	if (h->listen[0] == '\0')
		weft_pack_nil(pk);
	else
		weft_pack_str(pk, h->listen);
	weft_pack_str(pk, "sw");
	weft_pack_str(pk, h->sw);
	weft_pack_str(pk, "interests");
	weft_pack_array(pk, h->ninterests);
	for (uint32_t i = 0; i < h->ninterests; i++) {
		const struct weft_wire_interest *in = &h->interests[i];

		weft_pack_map(pk, in->scope == WEFT_WIRE_SCOPE_ALL ? 1 : 2);
		weft_pack_str(pk, "scope");
		weft_pack_str(pk, scope_names[in->scope]);
		if (in->scope != WEFT_WIRE_SCOPE_ALL) {
			weft_pack_str(pk, "id");
			weft_pack_bin(pk, in->id, sizeof(in->id));
		}
	}
}

/* {t, ch} followed by one more uint field, or none when key is NULL. */
static void
pack_ch(struct weft_pack *pk, const char *t, uint16_t ch, const char *key,
    uint64_t v)
{
	weft_pack_map(pk, key != NULL ? 3 : 2);
	weft_pack_str(pk, "t");
	weft_pack_str(pk, t);
	weft_pack_str(pk, "ch");
	weft_pack_uint(pk, ch);
	if (key != NULL) {
		weft_pack_str(pk, key);
		weft_pack_uint(pk, v);
	}
}

int
weft_wire_encode(const struct weft_wire_msg *m, struct weft_buf *out)
{
	struct weft_pack	pk;

	if (!msg_ok(m))
		return WEFT_EUSAGE;
	weft_pack_init(&pk, out);
	switch (m->type) {
	case WEFT_WIRE_HELLO:
		pack_hello(&pk, &m->u.hello);
		break;
	case WEFT_WIRE_PING:
	case WEFT_WIRE_PONG:
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, type_names[m->type]);
		weft_pack_str(&pk, "n");
		weft_pack_uint(&pk,
		    m->type == WEFT_WIRE_PING ? m->u.ping : m->u.pong);
		break;
	case WEFT_WIRE_CLOSE:
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, "close");
		weft_pack_str(&pk, "reason");
		weft_pack_str(&pk, m->u.close);
		break;
	case WEFT_WIRE_OPEN:
		weft_pack_map(&pk, 4);
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, "open");
		weft_pack_str(&pk, "ch");
		weft_pack_uint(&pk, m->u.open.ch);
		weft_pack_str(&pk, "purpose");
		weft_pack_str(&pk, m->u.open.purpose);
		weft_pack_str(&pk, "window");
		weft_pack_uint(&pk, m->u.open.window);
		break;
	case WEFT_WIRE_ACCEPT:
		pack_ch(&pk, "accept", m->u.accept.ch, "window",
		    m->u.accept.window);
		break;
	case WEFT_WIRE_WINDOW:
		pack_ch(&pk, "window", m->u.window.ch, "add", m->u.window.add);
		break;
	case WEFT_WIRE_END:
		pack_ch(&pk, "end", m->u.end.ch, NULL, 0);
		break;
	}
	return weft_pack_error(&pk);
}

/* Decoding: each helper returns 0 or WEFT_EBADFIELD. */

static int
get_uint(const struct weft_obj *root, const char *key, uint64_t *v)
{
	return weft_obj_uint(weft_obj_get(root, key), v);
}

static int
get_ch(const struct weft_obj *root, uint16_t *ch)
{
	uint64_t	v;

	if (get_uint(root, "ch", &v) || !ch_ok(v))
		return WEFT_EBADFIELD;
	*ch = (uint16_t)v;
	return 0;
}

static int
get_window(const struct weft_obj *root, const char *key, uint32_t *w)
{
	uint64_t	v;

	if (get_uint(root, key, &v) || !window_ok(v))
		return WEFT_EBADFIELD;
	*w = (uint32_t)v;
	return 0;
}

/* A str of printable ASCII, copied with its NUL into out[0..max]. */
static int
get_ascii(const struct weft_obj *o, char *out, size_t min, size_t max,
    bool sp)
{
	const char	*s;
	size_t		 n;

	if (weft_obj_str(o, &s, &n) || !ascii_ok(s, n, min, max, sp))
		return WEFT_EBADFIELD;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int
decode_interest(const struct weft_obj *o, struct weft_wire_interest *in)
{
	const struct weft_obj	*id;
	const char		*s;
	size_t			 n;

	if (weft_obj_type(o) != WEFT_OBJ_MAP ||
	    weft_obj_str(weft_obj_get(o, "scope"), &s, &n))
		return WEFT_EBADFIELD;
	memset(in, 0, sizeof(*in));
	for (size_t i = 1; i < NSCOPES; i++) {
		if (strlen(scope_names[i]) == n &&
		    memcmp(scope_names[i], s, n) == 0)
			in->scope = (enum weft_wire_scope)i;
	}
	if (in->scope == 0)
		return WEFT_EBADFIELD;
	id = weft_obj_get(o, "id");
	if (in->scope == WEFT_WIRE_SCOPE_ALL)
		return id == NULL ? 0 : WEFT_EBADFIELD;
	return weft_obj_binn(id, in->id, sizeof(in->id));
}

static int
decode_hello(const struct weft_obj *root, struct weft_wire_hello *h)
{
	const struct weft_obj	*o;
	int			 err;

	if (get_uint(root, "v", &h->version))
		return WEFT_EBADFIELD;
	if (weft_obj_binn(weft_obj_get(root, "node"), h->node,
	    sizeof(h->node)))
		return WEFT_EBADFIELD;
	o = weft_obj_get(root, "listen");
	if (weft_obj_type(o) == WEFT_OBJ_NIL)
		h->listen[0] = '\0';
	else if (get_ascii(o, h->listen, 1, WEFT_WIRE_LISTEN_MAX, false))
		return WEFT_EBADFIELD;
	if (get_ascii(weft_obj_get(root, "sw"), h->sw, 1, WEFT_WIRE_SW_MAX,
	    true))
		return WEFT_EBADFIELD;
	o = weft_obj_get(root, "interests");
	if (weft_obj_type(o) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(o) > WEFT_WIRE_INTERESTS_MAX)
		return WEFT_EBADFIELD;
	h->ninterests = weft_obj_len(o);
	for (uint32_t i = 0; i < h->ninterests; i++) {
		err = decode_interest(weft_obj_at(o, i), &h->interests[i]);
		if (err)
			return err;
	}
	return 0;
}

static int
decode_body(const struct weft_obj *root, struct weft_wire_msg *m)
{
	const struct weft_obj	*o;
	const char		*s;
	size_t			 n;

	switch (m->type) {
	case WEFT_WIRE_HELLO:
		return decode_hello(root, &m->u.hello);
	case WEFT_WIRE_PING:
		return get_uint(root, "n", &m->u.ping);
	case WEFT_WIRE_PONG:
		return get_uint(root, "n", &m->u.pong);
	case WEFT_WIRE_CLOSE:
		o = weft_obj_get(root, "reason");
		if (weft_obj_str(o, &s, &n) || !reason_ok(s, n))
			return WEFT_EBADFIELD;
		memcpy(m->u.close, s, n);
		m->u.close[n] = '\0';
		return 0;
	case WEFT_WIRE_OPEN:
		if (get_ch(root, &m->u.open.ch) ||
		    get_ascii(weft_obj_get(root, "purpose"), m->u.open.purpose,
		    1, WEFT_WIRE_PURPOSE_MAX, false) ||
		    get_window(root, "window", &m->u.open.window))
			return WEFT_EBADFIELD;
		return 0;
	case WEFT_WIRE_ACCEPT:
		if (get_ch(root, &m->u.accept.ch) ||
		    get_window(root, "window", &m->u.accept.window))
			return WEFT_EBADFIELD;
		return 0;
	case WEFT_WIRE_WINDOW: {
		uint64_t	add;

		if (get_ch(root, &m->u.window.ch) ||
		    get_uint(root, "add", &add) || !add_ok(add))
			return WEFT_EBADFIELD;
		m->u.window.add = (uint32_t)add;
		return 0;
	}
	case WEFT_WIRE_END:
		return get_ch(root, &m->u.end.ch);
	}
	return WEFT_EPROTO;
}

int
weft_wire_decode(struct weft_wire_msg *m, const uint8_t *p, size_t n)
{
	struct weft_msg		 msg;
	const struct weft_obj	*root;
	const char		*t;
	size_t			 tlen;
	int			 err;

	if (n > WEFT_WIRE_CTL_MAX)
		return WEFT_ETOOBIG;
	err = weft_msg_decode(&msg, p, n);
	if (err)
		return err;
	root = msg.root;
	err = WEFT_EPROTO;
	if (weft_obj_type(root) != WEFT_OBJ_MAP ||
	    weft_obj_str(weft_obj_get(root, "t"), &t, &tlen))
		goto out;
	memset(m, 0, sizeof(*m));
	for (size_t i = 1; i < NTYPES; i++) {
		if (strlen(type_names[i]) == tlen &&
		    memcmp(type_names[i], t, tlen) == 0)
			m->type = (enum weft_wire_type)i;
	}
	if (m->type == 0)
		goto out;
	err = decode_body(root, m);
out:
	weft_msg_release(&msg);
	return err;
}
