/*
 * Secret Handshake v1, byte-compatible with Scuttlebutt's (secret-handshake
 * in JS, checked against the shs1-test suite). Notation as in the paper
 * and the Scuttlebutt Protocol Guide: a/b are the client's and server's
 * ephemeral Curve25519 keys, A/B their long-term Ed25519 keys, K the
 * network key, and ab, aB, Ab the three X25519 shared secrets.
 *
 * Each state waits for exactly one peer message; output is computed on
 * the transition into the state and queued in s->out until drained, so
 * the order of feed and next_out calls never changes the bytes sent. Every
 * libsodium result is checked: an all-zero X25519 output (a low-order
 * point from the peer) fails the handshake rather than keying a session.
 */
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/shs.h"

enum {
	SHS_WAIT_MSG1 = 1,	/* server */
	SHS_WAIT_MSG2,		/* client */
	SHS_WAIT_MSG3,		/* server */
	SHS_WAIT_MSG4,		/* client */
	SHS_DONE,
	SHS_FAILED
};

static const uint8_t zero_nonce[crypto_secretbox_NONCEBYTES];

/*
 * Wipes all secrets but keeps the error, so the state stays sticky after
 * a failure.
 */
static int
fail(struct weft_shs *s, int err)
{
	sodium_memzero(s, sizeof(*s));
	s->state = SHS_FAILED;
	s->err = err;
	return err;
}

/*
 * Once key4 exists the ephemeral secret and the raw shared secrets are
 * no longer needed; dropping them early limits what a memory disclosure
 * during a stalled handshake could reveal.
 */
static void
forget(struct weft_shs *s)
{
	sodium_memzero(s->eph_sk, sizeof(s->eph_sk));
	sodium_memzero(s->ab, sizeof(s->ab));
	sodium_memzero(s->aB, sizeof(s->aB));
}

static size_t
expected_len(int state)
{
	switch (state) {
	case SHS_WAIT_MSG1:
		return WEFT_SHS_MSG1_BYTES;
	case SHS_WAIT_MSG2:
		return WEFT_SHS_MSG2_BYTES;
	case SHS_WAIT_MSG3:
		return WEFT_SHS_MSG3_BYTES;
	case SHS_WAIT_MSG4:
		return WEFT_SHS_MSG4_BYTES;
	default:
		return 0;
	}
}

/* sha256 over the concatenation of up to four 32..96-byte pieces. */
static void
hash_parts(uint8_t out[static 32], const uint8_t *p1, size_t n1,
    const uint8_t *p2, size_t n2, const uint8_t *p3, size_t n3,
    const uint8_t *p4, size_t n4)
{
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, p1, n1);
	if (p2 != NULL)
		crypto_hash_sha256_update(&h, p2, n2);
	if (p3 != NULL)
		crypto_hash_sha256_update(&h, p3, n3);
	if (p4 != NULL)
		crypto_hash_sha256_update(&h, p4, n4);
	crypto_hash_sha256_final(&h, out);
	sodium_memzero(&h, sizeof(h));
}

/* Starts both sides: ephemeral key pair and our hello MAC. */
static int
init_common(struct weft_shs *s, const uint8_t netkey[static 32],
    const struct weft_keypair *local, const uint8_t eph_sk[static 32])
{
	memset(s, 0, sizeof(*s));
	s->local = local;
	memcpy(s->netkey, netkey, sizeof(s->netkey));
	memcpy(s->eph_sk, eph_sk, sizeof(s->eph_sk));
	if (crypto_scalarmult_base(s->eph_pk, s->eph_sk) != 0)
		return WEFT_EHANDSHAKE;
	if (crypto_auth(s->local_hmac, s->eph_pk, sizeof(s->eph_pk),
	    s->netkey) != 0)
		return WEFT_EHANDSHAKE;
	return 0;
}

/* The hello (msg1 or msg2): hmac_K(eph_pk) || eph_pk. */
static void
put_hello(struct weft_shs *s)
{
	memcpy(s->out + s->outlen, s->local_hmac, 32);
	memcpy(s->out + s->outlen + 32, s->eph_pk, 32);
	s->outlen += 64;
}

/* Checks the peer's hello and derives ab. */
static int
take_hello(struct weft_shs *s, const uint8_t msg[static 64])
{
	if (crypto_auth_verify(msg, msg + 32, 32, s->netkey) != 0)
		return WEFT_EHANDSHAKE;
	memcpy(s->remote_hmac, msg, 32);
	memcpy(s->remote_eph_pk, msg + 32, 32);
	if (crypto_scalarmult(s->ab, s->eph_sk, s->remote_eph_pk) != 0)
		return WEFT_EHANDSHAKE;
	crypto_hash_sha256(s->ab_hash, s->ab, sizeof(s->ab));
	return 0;
}

/*
 * Client, on msg2: prove A to the server. msg3 is
 * secretbox_{sha256(K|ab|aB)}(sign_A(K|B|sha256(ab)) | A), nonce zero;
 * key4 = sha256(K|ab|aB|Ab) is ready for msg4.
 */
static int
client_on_msg2(struct weft_shs *s, const uint8_t msg[static 64])
{
	uint8_t	 B_curve[32], A_curve[32], Ab[32], signed_[96];
	int	 err;

	err = take_hello(s, msg);
	if (err)
		goto out;
	err = WEFT_EBADKEY;
	if (crypto_sign_ed25519_pk_to_curve25519(B_curve, s->remote_pk) != 0)
		goto out;
	err = WEFT_EHANDSHAKE;
	if (crypto_scalarmult(s->aB, s->eph_sk, B_curve) != 0)
		goto out;
	hash_parts(s->key3, s->netkey, 32, s->ab, 32, s->aB, 32, NULL, 0);

	memcpy(signed_, s->netkey, 32);
	memcpy(signed_ + 32, s->remote_pk, 32);
	memcpy(signed_ + 64, s->ab_hash, 32);
	if (crypto_sign_detached(s->msg3_plain, NULL, signed_,
	    sizeof(signed_), s->local->sk) != 0)
		goto out;
	memcpy(s->msg3_plain + 64, s->local->pk, 32);
	if (crypto_secretbox_easy(s->out + s->outlen, s->msg3_plain,
	    sizeof(s->msg3_plain), zero_nonce, s->key3) != 0)
		goto out;
	s->outlen += WEFT_SHS_MSG3_BYTES;

	if (crypto_sign_ed25519_sk_to_curve25519(A_curve, s->local->sk) != 0)
		goto out;
	if (crypto_scalarmult(Ab, A_curve, s->remote_eph_pk) != 0)
		goto out;
	hash_parts(s->key4, s->netkey, 32, s->ab, 32, s->aB, 32, Ab, 32);
	forget(s);
	s->state = SHS_WAIT_MSG4;
	err = 0;
out:
	sodium_memzero(A_curve, sizeof(A_curve));
	sodium_memzero(Ab, sizeof(Ab));
	return err;
}

/* Client, on msg4: the server's signature over K | msg3 plaintext | sha256(ab). */
static int
client_on_msg4(struct weft_shs *s, const uint8_t msg[static 80])
{
	uint8_t	sig[64], signed_[160];

	if (crypto_secretbox_open_easy(sig, msg, WEFT_SHS_MSG4_BYTES,
	    zero_nonce, s->key4) != 0)
		return WEFT_EDECRYPT;
	memcpy(signed_, s->netkey, 32);
	memcpy(signed_ + 32, s->msg3_plain, 96);
	memcpy(signed_ + 128, s->ab_hash, 32);
	if (crypto_sign_verify_detached(sig, signed_, sizeof(signed_),
	    s->remote_pk) != 0)
		return WEFT_EBADSIG;
	s->state = SHS_DONE;
	return 0;
}

/* Server, on msg1: answer with our hello; derive aB and key3. */
static int
server_on_msg1(struct weft_shs *s, const uint8_t msg[static 64])
{
	uint8_t	 B_curve_sk[32];
	int	 err;

	err = take_hello(s, msg);
	if (err)
		goto out;
	err = WEFT_EHANDSHAKE;
	if (crypto_sign_ed25519_sk_to_curve25519(B_curve_sk,
	    s->local->sk) != 0)
		goto out;
	if (crypto_scalarmult(s->aB, B_curve_sk, s->remote_eph_pk) != 0)
		goto out;
	hash_parts(s->key3, s->netkey, 32, s->ab, 32, s->aB, 32, NULL, 0);
	put_hello(s);
	s->state = SHS_WAIT_MSG3;
	err = 0;
out:
	sodium_memzero(B_curve_sk, sizeof(B_curve_sk));
	return err;
}

/*
 * Server, on msg3: open it, check the client's signature, learn A, then
 * accept with msg4 = secretbox_{sha256(K|ab|aB|Ab)}(sign_B(K|msg3 plain|
 * sha256(ab))), nonce zero.
 */
static int
server_on_msg3(struct weft_shs *s, const uint8_t msg[static 112])
{
	uint8_t	 signed_[160], A_curve[32], Ab[32], sig[64];
	int	 err;

	err = WEFT_EDECRYPT;
	if (crypto_secretbox_open_easy(s->msg3_plain, msg,
	    WEFT_SHS_MSG3_BYTES, zero_nonce, s->key3) != 0)
		goto out;
	memcpy(signed_, s->netkey, 32);
	memcpy(signed_ + 32, s->local->pk, 32);
	memcpy(signed_ + 64, s->ab_hash, 32);
	err = WEFT_EBADSIG;
	if (crypto_sign_verify_detached(s->msg3_plain, signed_, 96,
	    s->msg3_plain + 64) != 0)
		goto out;
	memcpy(s->remote_pk, s->msg3_plain + 64, 32);
	err = WEFT_EHANDSHAKE;
	if (crypto_sign_ed25519_pk_to_curve25519(A_curve, s->remote_pk) != 0)
		goto out;
	if (crypto_scalarmult(Ab, s->eph_sk, A_curve) != 0)
		goto out;
	hash_parts(s->key4, s->netkey, 32, s->ab, 32, s->aB, 32, Ab, 32);

	memcpy(signed_, s->netkey, 32);
	memcpy(signed_ + 32, s->msg3_plain, 96);
	memcpy(signed_ + 128, s->ab_hash, 32);
	if (crypto_sign_detached(sig, NULL, signed_, sizeof(signed_),
	    s->local->sk) != 0)
		goto out;
	if (crypto_secretbox_easy(s->out + s->outlen, sig, sizeof(sig),
	    zero_nonce, s->key4) != 0)
		goto out;
	s->outlen += WEFT_SHS_MSG4_BYTES;
	forget(s);
	s->state = SHS_DONE;
	err = 0;
out:
	sodium_memzero(Ab, sizeof(Ab));
	sodium_memzero(A_curve, sizeof(A_curve));
	return err;
}

int
weft_shs_init_client(struct weft_shs *s, const uint8_t netkey[static 32],
    const struct weft_keypair *local, const uint8_t remote_pk[static 32],
    const uint8_t eph_sk[static 32])
{
	uint8_t	B_curve[32];
	int	err;

	err = init_common(s, netkey, local, eph_sk);
	if (err)
		return fail(s, err);
	memcpy(s->remote_pk, remote_pk, sizeof(s->remote_pk));
	/* Refuse an unusable server key now rather than after msg2. */
	if (crypto_sign_ed25519_pk_to_curve25519(B_curve, remote_pk) != 0)
		return fail(s, WEFT_EBADKEY);
	put_hello(s);
	s->state = SHS_WAIT_MSG2;
	return 0;
}

int
weft_shs_init_server(struct weft_shs *s, const uint8_t netkey[static 32],
    const struct weft_keypair *local, const uint8_t eph_sk[static 32])
{
	int	err;

	err = init_common(s, netkey, local, eph_sk);
	if (err)
		return fail(s, err);
	s->state = SHS_WAIT_MSG1;
	return 0;
}

int
weft_shs_next_out(struct weft_shs *s, struct weft_buf *out)
{
	int	err;
	size_t	n;

	if (s->err)
		return s->err;
	if (s->outlen == 0)
		return 0;
	err = weft_buf_add(out, s->out, s->outlen);
	if (err)
		return err;
	n = s->outlen;
	sodium_memzero(s->out, sizeof(s->out));
	s->outlen = 0;
	return (int)n;
}

static int
process(struct weft_shs *s)
{
	switch (s->state) {
	case SHS_WAIT_MSG1:
		return server_on_msg1(s, s->in);
	case SHS_WAIT_MSG2:
		return client_on_msg2(s, s->in);
	case SHS_WAIT_MSG3:
		return server_on_msg3(s, s->in);
	case SHS_WAIT_MSG4:
		return client_on_msg4(s, s->in);
	default:
		return WEFT_EUSAGE;
	}
}

int
weft_shs_feed(struct weft_shs *s, const uint8_t *p, size_t n, size_t *used)
{
	size_t	want, take;
	int	err;

	*used = 0;
	if (s->err)
		return s->err;
	while (*used < n) {
		want = expected_len(s->state);
		if (want == 0)
			break;		/* done: the rest is box-stream */
		take = want - s->inlen;
		if (take > n - *used)
			take = n - *used;
		memcpy(s->in + s->inlen, p + *used, take);
		s->inlen += take;
		*used += take;
		if (s->inlen < want)
			break;
		err = process(s);
		sodium_memzero(s->in, sizeof(s->in));
		s->inlen = 0;
		if (err)
			return fail(s, err);
	}
	return 0;
}

int
weft_shs_done(const struct weft_shs *s)
{
	return s->err == 0 && s->state == SHS_DONE && s->outlen == 0;
}

int
weft_shs_result(const struct weft_shs *s, struct weft_shs_result *r)
{
	uint8_t	h[32];

	if (s->err)
		return s->err;
	if (!weft_shs_done(s))
		return WEFT_EUSAGE;
	/*
	 * Each direction is keyed by the receiver's long-term key and starts
	 * at the receiver's hello MAC, so the two directions never share a
	 * key or nonce.
	 */
	crypto_hash_sha256(h, s->key4, sizeof(s->key4));
	memcpy(r->remote_pk, s->remote_pk, sizeof(r->remote_pk));
	hash_parts(r->enc_key, h, 32, s->remote_pk, 32, NULL, 0, NULL, 0);
	memcpy(r->enc_nonce, s->remote_hmac, sizeof(r->enc_nonce));
	hash_parts(r->dec_key, h, 32, s->local->pk, 32, NULL, 0, NULL, 0);
	memcpy(r->dec_nonce, s->local_hmac, sizeof(r->dec_nonce));
	sodium_memzero(h, sizeof(h));
	return 0;
}

void
weft_shs_release(struct weft_shs *s)
{
	int	err;

	err = s->err;
	sodium_memzero(s, sizeof(*s));
	s->err = err;
	if (err)
		s->state = SHS_FAILED;
}
