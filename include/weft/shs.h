/*
 * Secret Handshake v1 (the handshake Scuttlebutt uses), as a sans-I/O
 * state machine: bytes in with weft_shs_feed(), bytes out with
 * weft_shs_next_out(), no sockets, no clock, no global state. The
 * messages have fixed sizes (64, 64, 112, 80 bytes) and are byte-for-byte
 * those of the reference implementation; docs/proto/transport.md gives
 * the derivations. A node that lacks the 32-byte network key cannot
 * complete a handshake or learn either long-term key.
 *
 * Any failure is sticky: the state wipes its secrets and every later
 * call returns the same error. The state holds ephemeral secrets inline;
 * weft_shs_release() wipes them.
 */
#ifndef WEFT_SHS_H
#define WEFT_SHS_H

#include <stddef.h>
#include <stdint.h>

struct weft_buf;
struct weft_keypair;

#define WEFT_SHS_NETKEY_BYTES	32
#define WEFT_SHS_PK_BYTES	32
#define WEFT_SHS_EPH_BYTES	32	/* ephemeral Curve25519 secret */
#define WEFT_SHS_KEY_BYTES	32	/* box-stream key */
#define WEFT_SHS_NONCE_BYTES	24	/* box-stream initial nonce */
#define WEFT_SHS_MSG1_BYTES	64	/* client hello */
#define WEFT_SHS_MSG2_BYTES	64	/* server hello */
#define WEFT_SHS_MSG3_BYTES	112	/* client authenticate */
#define WEFT_SHS_MSG4_BYTES	80	/* server accept */
#define WEFT_SHS_MSG_MAX	WEFT_SHS_MSG3_BYTES
/* At most two messages queue up: a hello and the one answering it. */
#define WEFT_SHS_OUT_MAX	(WEFT_SHS_MSG1_BYTES + WEFT_SHS_MSG3_BYTES)

/* Everything below is private to proto/shs.c; callers only embed it. */
struct weft_shs {
	int		 state;
	int		 err;		/* sticky failure, 0 while healthy */
	const struct weft_keypair *local;	/* borrowed */
	uint8_t		 netkey[WEFT_SHS_NETKEY_BYTES];
	uint8_t		 remote_pk[WEFT_SHS_PK_BYTES];
	uint8_t		 eph_sk[WEFT_SHS_EPH_BYTES];
	uint8_t		 eph_pk[32];
	uint8_t		 remote_eph_pk[32];
	uint8_t		 local_hmac[32];
	uint8_t		 remote_hmac[32];
	uint8_t		 ab[32];	/* X25519(eph, remote eph) */
	uint8_t		 ab_hash[32];	/* sha256(ab) */
	uint8_t		 aB[32];	/* X25519 client eph, server long-term */
	uint8_t		 key3[32];	/* secretbox key of msg3 */
	uint8_t		 key4[32];	/* secretbox key of msg4 */
	uint8_t		 msg3_plain[96];	/* client sig || client pk */
	uint8_t		 in[WEFT_SHS_MSG_MAX];
	size_t		 inlen;
	uint8_t		 out[WEFT_SHS_OUT_MAX];
	size_t		 outlen;
};

/* What a completed handshake yields, from this side's point of view. */
struct weft_shs_result {
	uint8_t	remote_pk[WEFT_SHS_PK_BYTES];	/* peer's Ed25519 key */
	uint8_t	enc_key[WEFT_SHS_KEY_BYTES];	/* box what we send */
	uint8_t	enc_nonce[WEFT_SHS_NONCE_BYTES];
	uint8_t	dec_key[WEFT_SHS_KEY_BYTES];	/* open what we receive */
	uint8_t	dec_nonce[WEFT_SHS_NONCE_BYTES];
};

/*
 * Starts the initiating side. local is borrowed and must stay valid until
 * weft_shs_release(); remote_pk is the Ed25519 key of the server we
 * expect. eph_sk is the ephemeral Curve25519 secret: 32 fresh random
 * bytes (randombytes_buf) in production, fixed bytes in tests. msg1 is
 * ready for weft_shs_next_out() on return.
 * Returns 0, WEFT_EBADKEY (remote_pk is not a usable Ed25519 point) or
 * WEFT_EHANDSHAKE (degenerate eph_sk). On failure s is wiped and refuses
 * all calls with that error.
 */
int	weft_shs_init_client(struct weft_shs *s,
	    const uint8_t netkey[static WEFT_SHS_NETKEY_BYTES],
	    const struct weft_keypair *local,
	    const uint8_t remote_pk[static WEFT_SHS_PK_BYTES],
	    const uint8_t eph_sk[static WEFT_SHS_EPH_BYTES]);

/*
 * Starts the accepting side; as weft_shs_init_client() but any client
 * that knows the network key may authenticate (its key is in the result).
 * Returns 0 or WEFT_EHANDSHAKE, with s as after a failed client init.
 */
int	weft_shs_init_server(struct weft_shs *s,
	    const uint8_t netkey[static WEFT_SHS_NETKEY_BYTES],
	    const struct weft_keypair *local,
	    const uint8_t eph_sk[static WEFT_SHS_EPH_BYTES]);

/*
 * Appends the bytes this side must send now, if any, to out (at most
 * WEFT_SHS_OUT_MAX; one message unless the caller fed the peer's next
 * message before draining). Returns the number of bytes appended (0 when
 * nothing is due), the sticky error, or WEFT_ETOOBIG/-ENOMEM from out
 * (the bytes then stay pending).
 */
int	weft_shs_next_out(struct weft_shs *s, struct weft_buf *out);

/*
 * Consumes up to n bytes of the peer's messages, buffering a partial
 * message, and processes each message as it completes. Stops at the end
 * of the peer's last handshake message: bytes after it (*used < n) belong
 * to the box-stream. *used is set on success and failure.
 * Returns 0, or on a bad message WEFT_EHANDSHAKE (hello MAC: wrong network
 * key; low-order key), WEFT_EDECRYPT (msg3/msg4 box does not open) or
 * WEFT_EBADSIG (signature does not verify); then, and after any earlier
 * failure, s refuses all input with that error.
 */
int	weft_shs_feed(struct weft_shs *s, const uint8_t *p, size_t n,
	    size_t *used);

/* True once both sides' messages are processed and nothing is pending. */
int	weft_shs_done(const struct weft_shs *s);

/*
 * Copies out the keys of a completed handshake. The result holds secrets:
 * wipe it with sodium_memzero() once the box-streams are set up.
 * Returns 0, the sticky error, or WEFT_EUSAGE before weft_shs_done().
 */
int	weft_shs_result(const struct weft_shs *s, struct weft_shs_result *r);

/* Wipes every secret in s. Safe to call twice and after a failed init. */
void	weft_shs_release(struct weft_shs *s);

#endif
