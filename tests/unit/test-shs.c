/*
 * Secret handshake state machine: a known-answer transcript from the
 * reference implementation (tests/shs1/gen-vectors.js runs shs1-crypto,
 * the code behind the shs1-test suite), full handshakes in memory, and
 * every way a peer's bytes can be wrong: another network key, another
 * server key, any byte flipped, any prefix, a low-order point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/shs.h"

/* tests/shs1/gen-vectors.js output. */
static const char *V_NETKEY =
    "d4a1cb88a66f02f8db635ce26441cc5dac1b08420ceaac230839b755845a9ffb";
static const char *V_CLIENT_EPH =
    "a83c626bc9c38c8c201878ebb1d5b0b50ac40e8986c78793db1d4ef369fca14e";
static const char *V_SERVER_EPH =
    "483e3c145d7e680a16676925fc045183d2f510cb2f660a1fc517c73762185d43";
static const char *V_MSG1 =
    "8d5944dba57aa66789f99d0e906ee097e00af2f8554b97e3d6986415e646e42c"
    "60346e7c911a5f6ba154129174cafe75b294ac3bbd5549632f48cec6266f8410";
static const char *V_MSG2 =
    "c1bea72b1b06c117aba5ab1ab0cf41f6af08b4426fe0c1ae9db73f39d8f28855"
    "edd03cade80d29de6ea313a74ab369f4732ecb36649066b78b5b2dd664cb0417";
static const char *V_MSG3 =
    "400333ebd454f0181b1f48e3d9f2b5c67e090f37ccc56557a78ebf942327cb56"
    "cf9dfc1f47a0126ccd36d2d4b192c1c2d9346ef2e6fa9bcc8640b38c8f4c6526"
    "1f9f6e8a9e1a4654af28ea5d6e1da55dde00dee318a3dce2e31543e5e87dfabf"
    "3ad7c38229c4c3a96d4a94da906745e8";
static const char *V_MSG4 =
    "aeba35975f00401940f41b42d2fe6c980c1b0681d0dbf61de4458e14f877fe9f"
    "ba984e1e5649b30a050ec1a80ab3346e6cfb72e2173a34d9b0a4add980b28fe7"
    "1f87c00c7cee3610b68be29effc79464";
static const char *V_ENC_KEY =
    "1d4291c6e21c18579acb79255fa15253ab48d9a6bc73dac9c9d61c3df161f8c5";
static const char *V_ENC_NONCE =
    "c1bea72b1b06c117aba5ab1ab0cf41f6af08b4426fe0c1ae";
static const char *V_DEC_KEY =
    "90c75a0595703393f96446cd5e3a4cfe353dd4f9509766336f2c4eeabc218d2d";
static const char *V_DEC_NONCE =
    "8d5944dba57aa66789f99d0e906ee097e00af2f8554b97e3";

struct vec {
	uint8_t			netkey[32];
	uint8_t			client_eph[32];
	uint8_t			server_eph[32];
	uint8_t			msg1[64], msg2[64], msg3[112], msg4[80];
	uint8_t			enc_key[32], enc_nonce[24];
	uint8_t			dec_key[32], dec_nonce[24];
	struct weft_keypair	client;
	struct weft_keypair	server;
};

static void
hex(uint8_t *out, size_t n, const char *s)
{
	assert_int_equal(weft_hex_decode(out, n, s, strlen(s)), 0);
}

static void
keypair_from_seed(struct weft_keypair *kp, uint8_t b)
{
	uint8_t	seed[32];

	memset(seed, b, sizeof(seed));
	kp->sk = sodium_malloc(WEFT_KEY_SK_BYTES);
	assert_non_null(kp->sk);
	assert_int_equal(crypto_sign_seed_keypair(kp->pk, kp->sk, seed), 0);
}

static void
keypair_random(struct weft_keypair *kp)
{
	kp->sk = sodium_malloc(WEFT_KEY_SK_BYTES);
	assert_non_null(kp->sk);
	assert_int_equal(crypto_sign_keypair(kp->pk, kp->sk), 0);
}

static void
keypair_free(struct weft_keypair *kp)
{
	sodium_free(kp->sk);
	kp->sk = NULL;
}

static int
vec_setup(void **state)
{
	struct vec *v;

	v = calloc(1, sizeof(*v));
	assert_non_null(v);
	hex(v->netkey, 32, V_NETKEY);
	hex(v->client_eph, 32, V_CLIENT_EPH);
	hex(v->server_eph, 32, V_SERVER_EPH);
	hex(v->msg1, 64, V_MSG1);
	hex(v->msg2, 64, V_MSG2);
	hex(v->msg3, 112, V_MSG3);
	hex(v->msg4, 80, V_MSG4);
	hex(v->enc_key, 32, V_ENC_KEY);
	hex(v->enc_nonce, 24, V_ENC_NONCE);
	hex(v->dec_key, 32, V_DEC_KEY);
	hex(v->dec_nonce, 24, V_DEC_NONCE);
	keypair_from_seed(&v->client, 1);
	keypair_from_seed(&v->server, 3);
	*state = v;
	return 0;
}

static int
vec_teardown(void **state)
{
	struct vec *v = *state;

	keypair_free(&v->client);
	keypair_free(&v->server);
	free(v);
	return 0;
}

/* Drains s's pending output; asserts it is exactly want. */
static void
expect_out(struct weft_shs *s, const uint8_t *want, size_t n)
{
	struct weft_buf	b;

	weft_buf_init(&b, WEFT_SHS_OUT_MAX);
	assert_int_equal(weft_shs_next_out(s, &b), (int)n);
	assert_int_equal(b.len, n);
	if (n > 0)
		assert_memory_equal(b.data, want, n);
	weft_buf_release(&b);
}

static void
feed_all(struct weft_shs *s, const uint8_t *p, size_t n, int want_err)
{
	size_t	used;

	assert_int_equal(weft_shs_feed(s, p, n, &used), want_err);
	if (want_err == 0)
		assert_int_equal(used, n);
}

static void
init_client(struct weft_shs *s, struct vec *v)
{
	assert_int_equal(weft_shs_init_client(s, v->netkey, &v->client,
	    v->server.pk, v->client_eph), 0);
}

static void
init_server(struct weft_shs *s, struct vec *v)
{
	assert_int_equal(weft_shs_init_server(s, v->netkey, &v->server,
	    v->server_eph), 0);
}

static void
test_vector_client(void **state)
{
	struct vec		*v = *state;
	struct weft_shs		 s;
	struct weft_shs_result	 r;

	init_client(&s, v);
	assert_false(weft_shs_done(&s));
	assert_int_equal(weft_shs_result(&s, &r), WEFT_EUSAGE);
	expect_out(&s, v->msg1, 64);
	expect_out(&s, NULL, 0);
	feed_all(&s, v->msg2, 64, 0);
	expect_out(&s, v->msg3, 112);
	assert_false(weft_shs_done(&s));
	feed_all(&s, v->msg4, 80, 0);
	expect_out(&s, NULL, 0);
	assert_true(weft_shs_done(&s));
	assert_int_equal(weft_shs_result(&s, &r), 0);
	assert_memory_equal(r.remote_pk, v->server.pk, 32);
	assert_memory_equal(r.enc_key, v->enc_key, 32);
	assert_memory_equal(r.enc_nonce, v->enc_nonce, 24);
	assert_memory_equal(r.dec_key, v->dec_key, 32);
	assert_memory_equal(r.dec_nonce, v->dec_nonce, 24);
	/* Ephemeral secrets are gone as soon as key4 is derived. */
	assert_true(sodium_is_zero(s.eph_sk, sizeof(s.eph_sk)));
	assert_true(sodium_is_zero(s.ab, sizeof(s.ab)));
	weft_shs_release(&s);
	assert_false(weft_shs_done(&s));
}

static void
test_vector_server(void **state)
{
	struct vec		*v = *state;
	struct weft_shs		 s;
	struct weft_shs_result	 r;

	init_server(&s, v);
	expect_out(&s, NULL, 0);
	feed_all(&s, v->msg1, 64, 0);
	expect_out(&s, v->msg2, 64);
	feed_all(&s, v->msg3, 112, 0);
	assert_false(weft_shs_done(&s));	/* msg4 still pending */
	expect_out(&s, v->msg4, 80);
	assert_true(weft_shs_done(&s));
	assert_int_equal(weft_shs_result(&s, &r), 0);
	assert_memory_equal(r.remote_pk, v->client.pk, 32);
	/* The server's directions are the client's, swapped. */
	assert_memory_equal(r.enc_key, v->dec_key, 32);
	assert_memory_equal(r.enc_nonce, v->dec_nonce, 24);
	assert_memory_equal(r.dec_key, v->enc_key, 32);
	assert_memory_equal(r.dec_nonce, v->enc_nonce, 24);
	assert_true(sodium_is_zero(s.eph_sk, sizeof(s.eph_sk)));
	assert_true(sodium_is_zero(s.aB, sizeof(s.aB)));
	weft_shs_release(&s);
}

/* Feeding a message before draining the previous output keeps the order. */
static void
test_vector_queued_output(void **state)
{
	struct vec	*v = *state;
	struct weft_shs	 s;
	uint8_t		 both[176];

	init_client(&s, v);
	feed_all(&s, v->msg2, 64, 0);
	memcpy(both, v->msg1, 64);
	memcpy(both + 64, v->msg3, 112);
	expect_out(&s, both, sizeof(both));
	weft_shs_release(&s);

	init_server(&s, v);
	feed_all(&s, v->msg1, 64, 0);
	feed_all(&s, v->msg3, 112, 0);
	memcpy(both, v->msg2, 64);
	memcpy(both + 64, v->msg4, 80);
	expect_out(&s, both, 144);
	assert_true(weft_shs_done(&s));
	weft_shs_release(&s);
}

/* A full output buffer leaves the message pending, not lost. */
static void
test_next_out_too_small(void **state)
{
	struct vec	*v = *state;
	struct weft_shs	 s;
	struct weft_buf	 b;

	init_client(&s, v);
	weft_buf_init(&b, 63);
	assert_int_equal(weft_shs_next_out(&s, &b), WEFT_ETOOBIG);
	assert_int_equal(b.len, 0);
	weft_buf_release(&b);
	expect_out(&s, v->msg1, 64);
	weft_shs_release(&s);
}

/* Bytes after the server's last message are left for the box-stream. */
static void
test_trailing_bytes(void **state)
{
	struct vec	*v = *state;
	struct weft_shs	 s;
	uint8_t		 buf[80 + 10], buf3[112 + 5];
	size_t		 used;

	init_client(&s, v);
	expect_out(&s, v->msg1, 64);
	feed_all(&s, v->msg2, 64, 0);
	memcpy(buf, v->msg4, 80);
	memset(buf + 80, 0xaa, 10);
	assert_int_equal(weft_shs_feed(&s, buf, sizeof(buf), &used), 0);
	assert_int_equal(used, 80);
	expect_out(&s, v->msg3, 112);
	assert_true(weft_shs_done(&s));
	assert_int_equal(weft_shs_feed(&s, buf + 80, 10, &used), 0);
	assert_int_equal(used, 0);
	weft_shs_release(&s);

	/* The server stops after msg3 too. */
	init_server(&s, v);
	feed_all(&s, v->msg1, 64, 0);
	memcpy(buf3, v->msg3, 112);
	memset(buf3 + 112, 0x55, 5);
	assert_int_equal(weft_shs_feed(&s, buf3, sizeof(buf3), &used), 0);
	assert_int_equal(used, 112);
	weft_shs_release(&s);
}

/* After a failure every entry point reports it; nothing completes. */
static void
assert_failed(struct weft_shs *s, int err)
{
	struct weft_shs_result	 r;
	struct weft_buf		 b;
	uint8_t			 byte = 0;
	size_t			 used = 1;

	assert_false(weft_shs_done(s));
	assert_int_equal(weft_shs_result(s, &r), err);
	assert_int_equal(weft_shs_feed(s, &byte, 1, &used), err);
	assert_int_equal(used, 0);
	weft_buf_init(&b, 1024);
	assert_int_equal(weft_shs_next_out(s, &b), err);
	assert_int_equal(b.len, 0);
	weft_buf_release(&b);
	/* Secrets are gone. */
	assert_true(sodium_is_zero(s->eph_sk, sizeof(s->eph_sk)));
	assert_true(sodium_is_zero(s->key4, sizeof(s->key4)));
}

/*
 * Flips each byte of each message in turn (two patterns, one bit and
 * all bits) and checks the receiving side fails with the expected code.
 */
static void
test_flip_every_byte(void **state)
{
	static const uint8_t	 pats[] = { 0x01, 0x80, 0xff };
	struct vec		*v = *state;
	struct weft_shs		 s;
	uint8_t			 m[112];

	for (size_t k = 0; k < sizeof(pats); k++) {
		for (size_t i = 0; i < 64; i++) {
			memcpy(m, v->msg1, 64);
			m[i] ^= pats[k];
			init_server(&s, v);
			feed_all(&s, m, 64, WEFT_EHANDSHAKE);
			assert_failed(&s, WEFT_EHANDSHAKE);

			memcpy(m, v->msg2, 64);
			m[i] ^= pats[k];
			init_client(&s, v);
			expect_out(&s, v->msg1, 64);
			feed_all(&s, m, 64, WEFT_EHANDSHAKE);
			assert_failed(&s, WEFT_EHANDSHAKE);
		}
		for (size_t i = 0; i < 112; i++) {
			memcpy(m, v->msg3, 112);
			m[i] ^= pats[k];
			init_server(&s, v);
			feed_all(&s, v->msg1, 64, 0);
			expect_out(&s, v->msg2, 64);
			feed_all(&s, m, 112, WEFT_EDECRYPT);
			assert_failed(&s, WEFT_EDECRYPT);
		}
		for (size_t i = 0; i < 80; i++) {
			memcpy(m, v->msg4, 80);
			m[i] ^= pats[k];
			init_client(&s, v);
			feed_all(&s, v->msg2, 64, 0);
			feed_all(&s, m, 80, WEFT_EDECRYPT);
			assert_failed(&s, WEFT_EDECRYPT);
		}
	}
}

/*
 * Every proper prefix of a message is buffered without effect, and the
 * rest completes it exactly as one write would.
 */
static void
test_truncate_every_byte(void **state)
{
	struct vec	*v = *state;
	struct weft_shs	 s;

	for (size_t cut = 0; cut < 64; cut++) {
		init_server(&s, v);
		feed_all(&s, v->msg1, cut, 0);
		expect_out(&s, NULL, 0);
		feed_all(&s, v->msg1 + cut, 64 - cut, 0);
		expect_out(&s, v->msg2, 64);
		weft_shs_release(&s);

		init_client(&s, v);
		expect_out(&s, v->msg1, 64);
		feed_all(&s, v->msg2, cut, 0);
		expect_out(&s, NULL, 0);
		feed_all(&s, v->msg2 + cut, 64 - cut, 0);
		expect_out(&s, v->msg3, 112);
		weft_shs_release(&s);
	}
	for (size_t cut = 0; cut < 112; cut++) {
		init_server(&s, v);
		feed_all(&s, v->msg1, 64, 0);
		expect_out(&s, v->msg2, 64);
		feed_all(&s, v->msg3, cut, 0);
		expect_out(&s, NULL, 0);
		assert_false(weft_shs_done(&s));
		feed_all(&s, v->msg3 + cut, 112 - cut, 0);
		expect_out(&s, v->msg4, 80);
		assert_true(weft_shs_done(&s));
		weft_shs_release(&s);
	}
	for (size_t cut = 0; cut < 80; cut++) {
		init_client(&s, v);
		expect_out(&s, v->msg1, 64);
		feed_all(&s, v->msg2, 64, 0);
		expect_out(&s, v->msg3, 112);
		feed_all(&s, v->msg4, cut, 0);
		assert_false(weft_shs_done(&s));
		feed_all(&s, v->msg4 + cut, 80 - cut, 0);
		assert_true(weft_shs_done(&s));
		weft_shs_release(&s);
	}
}

/*
 * Runs a handshake between two fresh states, moving the bytes chunk
 * bytes at a time. Returns the first error or 0.
 */
static int
run(struct weft_shs *c, struct weft_shs *sv, size_t chunk,
    int *failed_side)
{
	struct weft_buf	 b;
	struct weft_shs	*from, *to;
	size_t		 off, n, used;
	int		 err = 0, rounds = 0, moved;

	weft_buf_init(&b, WEFT_SHS_OUT_MAX);
	while (!(weft_shs_done(c) && weft_shs_done(sv)) && rounds++ < 10) {
		moved = 0;
		for (int side = 0; side < 2; side++) {
			from = side == 0 ? c : sv;
			to = side == 0 ? sv : c;
			weft_buf_reset(&b);
			err = weft_shs_next_out(from, &b);
			if (err < 0) {
				*failed_side = side;
				goto out;
			}
			for (off = 0; off < b.len; off += n) {
				n = b.len - off < chunk ? b.len - off : chunk;
				err = weft_shs_feed(to, b.data + off, n,
				    &used);
				if (err) {
					*failed_side = !side;
					goto out;
				}
				assert_int_equal(used, n);
				moved = 1;
			}
		}
		if (!moved)
			break;
	}
	err = 0;
out:
	weft_buf_release(&b);
	return err;
}

static void
test_end_to_end(void **state)
{
	struct weft_keypair	 ck, sk;
	struct weft_shs		 c, s;
	struct weft_shs_result	 cr, sr;
	uint8_t			 netkey[32], ce[32], se[32];
	int			 side;

	(void)state;
	keypair_random(&ck);
	keypair_random(&sk);
	for (size_t chunk = 1; chunk <= 113; chunk += 7) {
		randombytes_buf(netkey, sizeof(netkey));
		randombytes_buf(ce, sizeof(ce));
		randombytes_buf(se, sizeof(se));
		assert_int_equal(weft_shs_init_client(&c, netkey, &ck, sk.pk,
		    ce), 0);
		assert_int_equal(weft_shs_init_server(&s, netkey, &sk, se), 0);
		assert_int_equal(run(&c, &s, chunk, &side), 0);
		assert_true(weft_shs_done(&c));
		assert_true(weft_shs_done(&s));
		assert_int_equal(weft_shs_result(&c, &cr), 0);
		assert_int_equal(weft_shs_result(&s, &sr), 0);
		assert_memory_equal(cr.remote_pk, sk.pk, 32);
		assert_memory_equal(sr.remote_pk, ck.pk, 32);
		assert_memory_equal(cr.enc_key, sr.dec_key, 32);
		assert_memory_equal(cr.enc_nonce, sr.dec_nonce, 24);
		assert_memory_equal(cr.dec_key, sr.enc_key, 32);
		assert_memory_equal(cr.dec_nonce, sr.enc_nonce, 24);
		assert_memory_not_equal(cr.enc_key, cr.dec_key, 32);
		weft_shs_release(&c);
		weft_shs_release(&s);
	}
	keypair_free(&ck);
	keypair_free(&sk);
}

/* A node with another network key fails at the first hello it reads. */
static void
test_wrong_netkey(void **state)
{
	struct weft_keypair	 ck, sk;
	struct weft_shs		 c, s;
	uint8_t			 k1[32], k2[32], e[32];
	struct weft_buf		 b;
	int			 side;

	(void)state;
	keypair_random(&ck);
	keypair_random(&sk);
	randombytes_buf(k1, sizeof(k1));
	memcpy(k2, k1, sizeof(k2));
	k2[31] ^= 1;
	randombytes_buf(e, sizeof(e));

	/* The server rejects the client's hello. */
	assert_int_equal(weft_shs_init_client(&c, k1, &ck, sk.pk, e), 0);
	assert_int_equal(weft_shs_init_server(&s, k2, &sk, e), 0);
	assert_int_equal(run(&c, &s, 64, &side), WEFT_EHANDSHAKE);
	assert_int_equal(side, 1);
	assert_failed(&s, WEFT_EHANDSHAKE);
	assert_false(weft_shs_done(&c));
	weft_shs_release(&c);
	weft_shs_release(&s);

	/* The client rejects a server hello made with another key. */
	assert_int_equal(weft_shs_init_client(&c, k1, &ck, sk.pk, e), 0);
	assert_int_equal(weft_shs_init_client(&s, k2, &sk, ck.pk, e), 0);
	weft_buf_init(&b, 64);
	assert_int_equal(weft_shs_next_out(&s, &b), 64);
	feed_all(&c, b.data, 64, WEFT_EHANDSHAKE);
	assert_failed(&c, WEFT_EHANDSHAKE);
	weft_buf_release(&b);
	weft_shs_release(&c);
	weft_shs_release(&s);
	keypair_free(&ck);
	keypair_free(&sk);
}

/*
 * A client that dials the wrong server key: the real server cannot open
 * msg3 (its aB differs), so neither side completes and the server learns
 * nothing about the client.
 */
static void
test_wrong_server_key(void **state)
{
	struct weft_keypair	 ck, sk, other;
	struct weft_shs		 c, s;
	uint8_t			 netkey[32], e1[32], e2[32];
	int			 side;

	(void)state;
	keypair_random(&ck);
	keypair_random(&sk);
	keypair_random(&other);
	randombytes_buf(netkey, sizeof(netkey));
	randombytes_buf(e1, sizeof(e1));
	randombytes_buf(e2, sizeof(e2));
	assert_int_equal(weft_shs_init_client(&c, netkey, &ck, other.pk, e1),
	    0);
	assert_int_equal(weft_shs_init_server(&s, netkey, &sk, e2), 0);
	assert_int_equal(run(&c, &s, 200, &side), WEFT_EDECRYPT);
	assert_int_equal(side, 1);
	assert_failed(&s, WEFT_EDECRYPT);
	assert_true(sodium_is_zero(s.remote_pk, 32));
	assert_false(weft_shs_done(&c));
	weft_shs_release(&c);
	weft_shs_release(&s);
	keypair_free(&ck);
	keypair_free(&sk);
	keypair_free(&other);
}

/*
 * A hello carrying a low-order point, correctly MACed (the attacker
 * knows the network key): X25519 yields all zeros and the handshake
 * must stop there, on both sides.
 */
static void
test_low_order_point(void **state)
{
	struct vec	*v = *state;
	struct weft_shs	 s;
	uint8_t		 m[64];

	memset(m + 32, 0, 32);
	assert_int_equal(crypto_auth(m, m + 32, 32, v->netkey), 0);
	init_server(&s, v);
	feed_all(&s, m, 64, WEFT_EHANDSHAKE);
	assert_failed(&s, WEFT_EHANDSHAKE);

	init_client(&s, v);
	feed_all(&s, m, 64, WEFT_EHANDSHAKE);
	assert_failed(&s, WEFT_EHANDSHAKE);

	/* u = 1, a point of order 4, is refused the same way. */
	memset(m + 32, 0, 32);
	m[32] = 1;
	assert_int_equal(crypto_auth(m, m + 32, 32, v->netkey), 0);
	init_server(&s, v);
	feed_all(&s, m, 64, WEFT_EHANDSHAKE);
	assert_failed(&s, WEFT_EHANDSHAKE);
}

/* A server key that is not a usable Ed25519 point is refused at init. */
static void
test_bad_server_key(void **state)
{
	struct vec	*v = *state;
	struct weft_shs	 s;
	uint8_t		 pk[32] = { 1 };	/* the identity: small order */

	assert_int_equal(weft_shs_init_client(&s, v->netkey, &v->client, pk,
	    v->client_eph), WEFT_EBADKEY);
	assert_failed(&s, WEFT_EBADKEY);
	weft_shs_release(&s);
	assert_failed(&s, WEFT_EBADKEY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_client),
		cmocka_unit_test(test_vector_server),
		cmocka_unit_test(test_vector_queued_output),
		cmocka_unit_test(test_next_out_too_small),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_truncate_every_byte),
		cmocka_unit_test(test_end_to_end),
		cmocka_unit_test(test_wrong_netkey),
		cmocka_unit_test(test_wrong_server_key),
		cmocka_unit_test(test_low_order_point),
		cmocka_unit_test(test_bad_server_key),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, vec_setup, vec_teardown);
}
