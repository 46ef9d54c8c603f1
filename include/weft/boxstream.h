/*
 * Box-stream: the framing Scuttlebutt runs after the secret handshake,
 * byte-compatible with pull-box-stream, as a sans-I/O state machine. One
 * struct weft_boxs serves one direction: seal what we send with the
 * handshake's encryption key and nonce, open what we receive with its
 * decryption key and nonce (struct weft_shs_result).
 *
 * Each box is a 34-byte header box, secretbox(len:u16be | body MAC) under
 * nonce n, then the body (1..4096 bytes, MAC stripped) under nonce n+1;
 * the next box starts at n+2. The stream ends with the goodbye box, a
 * header box of 18 zero bytes. The nonce is a 24-byte big-endian counter
 * that only moves forward, so no nonce is used twice under one key.
 *
 * The open side fails on any box that does not authenticate, including
 * a tampered, reordered, replayed or dropped box; the failure is sticky
 * and the connection must be closed. The state holds the key inline;
 * weft_boxs_release() wipes it.
 */
#ifndef WEFT_BOXSTREAM_H
#define WEFT_BOXSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_BOXS_KEY_BYTES	32
#define WEFT_BOXS_NONCE_BYTES	24
#define WEFT_BOXS_MAC_BYTES	16
#define WEFT_BOXS_HEADER_BYTES	34	/* MAC 16 | len 2 | body MAC 16 */
#define WEFT_BOXS_BODY_MAX	4096
#define WEFT_BOXS_BOX_MAX	(WEFT_BOXS_HEADER_BYTES + WEFT_BOXS_BODY_MAX)

/* Everything below is private to proto/boxstream.c; callers embed it. */
struct weft_boxs {
	int		state;
	int		err;		/* sticky failure, 0 while healthy */
	uint8_t		key[WEFT_BOXS_KEY_BYTES];
	uint8_t		nonce[WEFT_BOXS_NONCE_BYTES];	/* next header's */
	size_t		body_len;	/* of the box being read */
	uint8_t		body_mac[WEFT_BOXS_MAC_BYTES];
	size_t		inlen;
	uint8_t		in[WEFT_BOXS_BODY_MAX];	/* a partial header or body */
};

/*
 * Prepares one direction with a key and initial nonce from the handshake
 * (enc_* to seal, dec_* to open).
 */
void	weft_boxs_init(struct weft_boxs *b,
	    const uint8_t key[static WEFT_BOXS_KEY_BYTES],
	    const uint8_t nonce[static WEFT_BOXS_NONCE_BYTES]);

/*
 * Seals a body of 1..WEFT_BOXS_BODY_MAX bytes, appending
 * WEFT_BOXS_HEADER_BYTES + n bytes to out. Longer messages must be split
 * by the caller. Returns 0, WEFT_ETOOBIG (n > 4096), WEFT_EUSAGE (n == 0
 * or the goodbye was sent), or WEFT_ETOOBIG/-ENOMEM from out; on any
 * error nothing is appended and the nonce does not move.
 */
int	weft_boxs_seal(struct weft_boxs *b, const uint8_t *body, size_t n,
	    struct weft_buf *out);

/*
 * Appends the goodbye box (WEFT_BOXS_HEADER_BYTES) to out; afterwards
 * weft_boxs_seal() refuses. Returns 0, WEFT_EUSAGE (sent already) or an
 * error from out.
 */
int	weft_boxs_goodbye(struct weft_boxs *b, struct weft_buf *out);

/*
 * Consumes up to n bytes of the peer's stream and stops after the first
 * box that completes: its body is copied to body and its length (1..4096)
 * returned. Returns 0 when all n bytes were consumed without completing
 * a box, or when the goodbye box arrived (weft_boxs_ended() is then true;
 * bytes after it are not consumed). *used is always set.
 * Errors: WEFT_EDECRYPT (a box does not authenticate: tampered,
 * reordered, replayed or wrong key) or WEFT_EPROTO (header length 0 or
 * above 4096), after which every call returns that error; and
 * WEFT_EPROTO for bytes offered after the goodbye.
 */
int	weft_boxs_open(struct weft_boxs *b, const uint8_t *p, size_t n,
	    size_t *used, uint8_t body[static WEFT_BOXS_BODY_MAX]);

/* True once the peer's goodbye box has been opened. */
int	weft_boxs_ended(const struct weft_boxs *b);

/*
 * Tells the open side that the transport reached end of file. Returns 0
 * after a goodbye box, otherwise WEFT_EPROTO: the stream was truncated,
 * mid-box or between boxes, and what arrived may be incomplete.
 */
int	weft_boxs_eof(struct weft_boxs *b);

/*
 * Batches, for running box-stream on a worker thread (daemon/net/
 * boxwork.c): a "frame" is a box body in the clear preceded by its
 * length, u16 big-endian, 1..WEFT_BOXS_BODY_MAX. Neither call touches
 * anything but b, the input and out, so one thread may run either while
 * others work, as long as no other call uses b meanwhile.
 */
#define WEFT_BOXS_FRAME_HDR	2

/*
 * Seals the n bytes of frames, box by box in order, and with goodbye the
 * goodbye box after them, appending to out. Returns 0, WEFT_EPROTO
 * (frames malformed: a length of 0 or over 4096, or cut short), or an
 * error of weft_boxs_seal()/weft_boxs_goodbye(); after an error out may
 * hold the boxes sealed before it, and b must not be used again.
 */
int	weft_boxs_seal_frames(struct weft_boxs *b, const uint8_t *frames,
	    size_t n, int goodbye, struct weft_buf *out);

/*
 * Opens every box that the n bytes of p complete, appending each body as
 * a frame to out (at most n bytes are appended; out->max must leave room
 * for n + WEFT_BOXS_FRAME_HDR + WEFT_BOXS_BODY_MAX, as a body is opened in
 * place); stops after the goodbye box. *used says how many bytes were
 * consumed (fewer than n only after the goodbye or an error). Returns 0
 * or an error of weft_boxs_open() (sticky), or WEFT_ETOOBIG/-ENOMEM from
 * out; out keeps the frames opened before an error.
 */
int	weft_boxs_open_frames(struct weft_boxs *b, const uint8_t *p, size_t n,
	    size_t *used, struct weft_buf *out);

/* Wipes the key and any buffered bytes. Safe to call twice. */
void	weft_boxs_release(struct weft_boxs *b);

#endif
