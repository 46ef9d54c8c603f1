/*
 * Fuzzes the secret handshake state machines (proto/shs.c) with a
 * peer's bytes. The first input byte picks a mode, the second seeds the
 * sizes of the pieces the rest is fed in:
 *
 *   0  a server fed raw bytes
 *   1  a client fed raw bytes
 *   2  a server fed a real msg1, then raw bytes (as msg3 and after)
 *   3  a client fed a real msg2, then raw bytes (as msg4 and after)
 *   4  a full handshake whose four messages are XORed with the input:
 *      it must complete, with matching keys, exactly when the mask is
 *      zero, and otherwise fail at the first altered message
 *   5  a full handshake with ephemeral secrets taken from the input
 *   6  a client whose expected server key comes from the input
 *
 * Every failure must be sticky: later calls return the same error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/shs.h"

#include "fuzz.h"

static const uint8_t	 netkey[WEFT_SHS_NETKEY_BYTES] = {
	0xd4, 0xa1, 0xcb, 0x88, 0xa6, 0x6f, 0x02, 0xf8, 0xdb, 0x63, 0x5c,
	0xe2, 0x64, 0x41, 0xcc, 0x5d, 0xac, 0x1b, 0x08, 0x42, 0x0c, 0xea,
	0xac, 0x23, 0x08, 0x39, 0xb7, 0x55, 0x84, 0x5a, 0x9f, 0xfb,
};
static const uint8_t	 client_eph[32] = { 0x0c, 1, 2, 3 };
static const uint8_t	 server_eph[32] = { 0x5e, 4, 5, 6 };
static struct weft_keypair client, server;

static void
fixture(void)
{
	static bool	ready;
	uint8_t		seed[32];

	if (ready)
		return;
	FUZZ_CHECK(sodium_init() >= 0);
	client.sk = sodium_malloc(WEFT_KEY_SK_BYTES);
	server.sk = sodium_malloc(WEFT_KEY_SK_BYTES);
	FUZZ_CHECK(client.sk != NULL && server.sk != NULL);
	memset(seed, 0xc1, sizeof(seed));
	FUZZ_CHECK(crypto_sign_seed_keypair(client.pk, client.sk, seed) == 0);
	memset(seed, 0x5e, sizeof(seed));
	FUZZ_CHECK(crypto_sign_seed_keypair(server.pk, server.sk, seed) == 0);
	ready = true;
}

static bool
shs_error(int err)
{
	return err == WEFT_EHANDSHAKE || err == WEFT_EDECRYPT ||
	    err == WEFT_EBADSIG || err == WEFT_EBADKEY;
}

/* A failed state refuses everything with its error. */
static void
check_sticky(struct weft_shs *s, int err)
{
	struct weft_buf			b;
	struct weft_shs_result		r;
	size_t				used = 1;

	FUZZ_CHECK(shs_error(err));
	FUZZ_CHECK(weft_shs_feed(s, (const uint8_t *)"x", 1, &used) == err);
	FUZZ_CHECK(used == 0);
	weft_buf_init(&b, WEFT_SHS_OUT_MAX);
	FUZZ_CHECK(weft_shs_next_out(s, &b) == err && b.len == 0);
	weft_buf_release(&b);
	FUZZ_CHECK(weft_shs_result(s, &r) == err);
	FUZZ_CHECK(!weft_shs_done(s));
}

/* Moves s's pending output to wire; returns the error, if any. */
static int
drain(struct weft_shs *s, struct weft_buf *wire)
{
	int	n;

	n = weft_shs_next_out(s, wire);
	if (n < 0)
		return n;
	FUZZ_CHECK(n <= WEFT_SHS_OUT_MAX);
	return 0;
}

/*
 * Feeds p[0..n) in pieces of pseudo-random sizes, moving the output to
 * wire after each unless wire is NULL (the output then stays pending).
 * Returns 0 or the first error; *rest gets the bytes the handshake left
 * for the box-stream.
 */
static int
feed(struct weft_shs *s, const uint8_t *p, size_t n, uint8_t split,
    struct weft_buf *wire, size_t *rest)
{
	size_t	off = 0, piece, used;
	uint8_t	x = split;
	int	err;

	*rest = 0;
	while (off < n) {
		x = (uint8_t)(x * 37 + 11);
		piece = split == 0 ? n - off : 1 + (size_t)x % 97;
		if (piece > n - off)
			piece = n - off;
		err = weft_shs_feed(s, p + off, piece, &used);
		FUZZ_CHECK(used <= piece);
		if (err) {
			check_sticky(s, err);
			return err;
		}
		off += used;
		if (wire != NULL)
			FUZZ_CHECK(drain(s, wire) == 0);
		if (used < piece) {
			/* Only a finished handshake leaves bytes unread. */
			FUZZ_CHECK(weft_shs_done(s));
			*rest = n - off;
			return 0;
		}
	}
	return 0;
}

static void
raw(struct weft_shs *s, const uint8_t *prefix, size_t plen,
    const uint8_t *p, size_t n, uint8_t split)
{
	struct weft_buf	wire;
	size_t		rest;
	int		err = 0;

	weft_buf_init(&wire, 4096);
	if (plen > 0) {
		err = feed(s, prefix, plen, split, &wire, &rest);
		FUZZ_CHECK(err == 0 && rest == 0);
	}
	(void)feed(s, p, n, split, &wire, &rest);
	weft_buf_release(&wire);
}

/* Relays src's output to dst through mask; returns dst's error. */
static int
relay(struct weft_shs *src, struct weft_shs *dst, const uint8_t *mask,
    size_t masklen, size_t *pos, size_t msglen, uint8_t split)
{
	struct weft_buf	wire;
	size_t		rest;
	int		err;

	weft_buf_init(&wire, WEFT_SHS_OUT_MAX);
	FUZZ_CHECK(drain(src, &wire) == 0);
	FUZZ_CHECK(wire.len == msglen);
	for (size_t i = 0; i < wire.len; i++, (*pos)++)
		if (*pos < masklen)
			wire.data[i] ^= mask[*pos];
	/* What dst answers stays pending for the next relay. */
	err = feed(dst, wire.data, wire.len, split, NULL, &rest);
	FUZZ_CHECK(rest == 0);
	weft_buf_release(&wire);
	return err;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	uint8_t	acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void
handshake(const uint8_t *mask, size_t masklen, uint8_t split,
    const uint8_t *ce, const uint8_t *se)
{
	static const size_t	 sizes[4] = {
		WEFT_SHS_MSG1_BYTES, WEFT_SHS_MSG2_BYTES,
		WEFT_SHS_MSG3_BYTES, WEFT_SHS_MSG4_BYTES,
	};
	struct weft_shs		 c, s, *from, *to;
	struct weft_shs_result	 rc, rs;
	size_t			 pos = 0, start;
	int			 err;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	err = weft_shs_init_client(&c, netkey, &client, server.pk, ce);
	if (err == 0)
		err = weft_shs_init_server(&s, netkey, &server, se);
	if (err) {
		FUZZ_CHECK(err == WEFT_EHANDSHAKE);
		weft_shs_release(&c);
		weft_shs_release(&s);
		return;
	}
	for (int k = 0; k < 4; k++) {
		from = k % 2 == 0 ? &c : &s;
		to = k % 2 == 0 ? &s : &c;
		start = pos;
		err = relay(from, to, mask, masklen, &pos, sizes[k], split);
		if (start >= masklen || all_zero(mask + start,
		    (masklen < pos ? masklen : pos) - start)) {
			/* An untouched message must be accepted. */
			FUZZ_CHECK(err == 0);
		} else {
			/* An altered one must be refused, at once. */
			FUZZ_CHECK(err != 0);
			goto out;
		}
	}
	FUZZ_CHECK(weft_shs_done(&c) && weft_shs_done(&s));
	FUZZ_CHECK(weft_shs_result(&c, &rc) == 0);
	FUZZ_CHECK(weft_shs_result(&s, &rs) == 0);
	FUZZ_CHECK(memcmp(rc.remote_pk, server.pk, 32) == 0);
	FUZZ_CHECK(memcmp(rs.remote_pk, client.pk, 32) == 0);
	FUZZ_CHECK(memcmp(rc.enc_key, rs.dec_key, 32) == 0);
	FUZZ_CHECK(memcmp(rc.dec_key, rs.enc_key, 32) == 0);
	FUZZ_CHECK(memcmp(rc.enc_nonce, rs.dec_nonce, 24) == 0);
	FUZZ_CHECK(memcmp(rc.dec_nonce, rs.enc_nonce, 24) == 0);
	FUZZ_CHECK(memcmp(rc.enc_key, rc.dec_key, 32) != 0);
out:
	weft_shs_release(&c);
	weft_shs_release(&s);
	weft_shs_release(&s);
}

/* A real msg1 (which 1) or msg2 (which 2) for modes 2 and 3. */
static void
real_hello(int which, uint8_t out[64])
{
	struct weft_shs	c, s;
	struct weft_buf	b;
	size_t		used;

	weft_buf_init(&b, WEFT_SHS_OUT_MAX);
	FUZZ_CHECK(weft_shs_init_client(&c, netkey, &client, server.pk,
	    client_eph) == 0);
	FUZZ_CHECK(weft_shs_next_out(&c, &b) == 64);
	if (which == 2) {
		FUZZ_CHECK(weft_shs_init_server(&s, netkey, &server,
		    server_eph) == 0);
		FUZZ_CHECK(weft_shs_feed(&s, b.data, 64, &used) == 0);
		weft_buf_reset(&b);
		FUZZ_CHECK(weft_shs_next_out(&s, &b) == 64);
		weft_shs_release(&s);
	}
	memcpy(out, b.data, 64);
	weft_buf_release(&b);
	weft_shs_release(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	 in = { data, size };
	struct weft_shs	 s;
	const uint8_t	*p;
	uint8_t		 hello[64], mode, split;
	size_t		 n;
	int		 err;

	fixture();
	mode = fuzz_byte(&in) % 7;
	split = fuzz_byte(&in);
	switch (mode) {
	case 0:
	case 2:
		FUZZ_CHECK(weft_shs_init_server(&s, netkey, &server,
		    server_eph) == 0);
		if (mode == 2)
			real_hello(1, hello);
		raw(&s, hello, mode == 2 ? 64 : 0, in.p, in.n, split);
		break;
	case 1:
	case 3:
		FUZZ_CHECK(weft_shs_init_client(&s, netkey, &client,
		    server.pk, client_eph) == 0);
		if (mode == 3) {
			/* The same client eph makes the real msg2 fit. */
			real_hello(2, hello);
		}
		raw(&s, hello, mode == 3 ? 64 : 0, in.p, in.n, split);
		break;
	case 4:
		handshake(in.p, in.n, split, client_eph, server_eph);
		return 0;
	case 5:
		if (in.n < 64)
			return 0;
		handshake(NULL, 0, split, in.p, in.p + 32);
		return 0;
	default:
		p = fuzz_take(&in, 32, &n);
		if (n < 32)
			return 0;
		err = weft_shs_init_client(&s, netkey, &client, p,
		    client_eph);
		if (err) {
			FUZZ_CHECK(err == WEFT_EBADKEY ||
			    err == WEFT_EHANDSHAKE);
			check_sticky(&s, err);
			weft_shs_release(&s);
			return 0;
		}
		raw(&s, NULL, 0, in.p, in.n, split);
		break;
	}
	weft_shs_release(&s);
	weft_shs_release(&s);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	uint8_t	in[2 + 320];

	fixture();
	memset(in, 0, sizeof(in));
	for (uint8_t mode = 0; mode < 7; mode++) {
		char	name[16];

		in[0] = mode;
		in[1] = (uint8_t)(mode * 40);
		snprintf(name, sizeof(name), "mode%u", mode);
		emit(name, in, mode == 4 || mode == 5 ? sizeof(in) : 2 + 112,
		    arg);
	}
	in[0] = 4;
	in[2 + 64 + 64 + 5] = 0x80;
	emit("mode4-msg3", in, sizeof(in), arg);
}
