/*
 * Box-stream state machine: published vectors (from box-stream-c, which
 * tests against pull-box-stream's framing), round trips of every body
 * size fed in pieces, and every way the stream can be damaged: a flipped
 * byte, a reordered, replayed or dropped box, a truncated stream, an
 * out-of-range length, too large a body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "weft/boxstream.h"
#include "weft/buf.h"
#include "weft/err.h"

/*
 * The encryption test of sunrise-choir/box-stream-c (test.c): two 8-byte
 * boxes and the goodbye under one key and starting nonce.
 */
static const uint8_t V_KEY[32] = {
	162, 29, 153, 150, 123, 225, 10, 173, 175, 201, 160, 34, 190, 179,
	158, 14, 176, 105, 232, 238, 97, 66, 133, 194, 250, 148, 199, 7, 34,
	157, 174, 24
};
static const uint8_t V_NONCE[24] = {
	44, 140, 79, 227, 23, 153, 202, 203, 81, 40, 114, 59, 56, 167, 63,
	166, 201, 9, 50, 152, 0, 255, 226, 147
};
static const uint8_t V_PLAIN1[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
static const uint8_t V_PLAIN2[8] = { 7, 6, 5, 4, 3, 2, 1, 0 };
static const uint8_t V_STREAM[] = {
	/* header 1 */
	181, 28, 106, 117, 226, 186, 113, 206, 135, 153, 250, 54, 221, 225,
	178, 211, 144, 190, 14, 102, 102, 246, 118, 54, 195, 34, 174, 182,
	190, 45, 129, 48, 96, 193,
	/* body 1 */
	231, 234, 80, 195, 113, 173, 5, 158,
	/* header 2 */
	227, 230, 249, 230, 176, 170, 49, 34, 220, 29, 156, 118, 225, 243, 7,
	3, 163, 197, 125, 225, 240, 111, 195, 126, 240, 148, 201, 237, 158,
	158, 134, 224, 246, 137,
	/* body 2 */
	22, 134, 141, 191, 19, 113, 211, 114,
	/* goodbye */
	10, 48, 84, 111, 103, 103, 35, 162, 175, 78, 189, 58, 240, 250, 196,
	226, 194, 197, 87, 73, 119, 174, 129, 124, 225, 30, 3, 26, 37, 221,
	87, 213, 153, 123
};
#define BOX1	(34 + 8)	/* offset of box 2 */
#define BOX2	(2 * BOX1)	/* offset of the goodbye */

static uint8_t body[WEFT_BOXS_BODY_MAX];

static void
open_all(struct weft_boxs *b, const uint8_t *p, size_t n, int want)
{
	size_t	used;

	assert_int_equal(weft_boxs_open(b, p, n, &used, body), want);
	if (want >= 0)
		assert_int_equal(used, n);
}

static void
test_vector_seal(void **state)
{
	struct weft_boxs	b;
	struct weft_buf		out;

	(void)state;
	weft_buf_init(&out, 1024);
	weft_boxs_init(&b, V_KEY, V_NONCE);
	assert_int_equal(weft_boxs_seal(&b, V_PLAIN1, 8, &out), 0);
	assert_int_equal(out.len, BOX1);
	assert_int_equal(weft_boxs_seal(&b, V_PLAIN2, 8, &out), 0);
	assert_int_equal(weft_boxs_goodbye(&b, &out), 0);
	assert_int_equal(out.len, sizeof(V_STREAM));
	assert_memory_equal(out.data, V_STREAM, sizeof(V_STREAM));
	/* Nothing may follow the goodbye. */
	assert_int_equal(weft_boxs_seal(&b, V_PLAIN1, 8, &out), WEFT_EUSAGE);
	assert_int_equal(weft_boxs_goodbye(&b, &out), WEFT_EUSAGE);
	assert_int_equal(out.len, sizeof(V_STREAM));
	weft_boxs_release(&b);
	weft_buf_release(&out);
}

static void
test_vector_open(void **state)
{
	struct weft_boxs	b;
	uint8_t			more[sizeof(V_STREAM) + 3];
	size_t			used;

	(void)state;
	memcpy(more, V_STREAM, sizeof(V_STREAM));
	memset(more + sizeof(V_STREAM), 0x42, 3);
	weft_boxs_init(&b, V_KEY, V_NONCE);
	assert_int_equal(weft_boxs_open(&b, more, sizeof(more), &used, body),
	    8);
	assert_int_equal(used, BOX1);
	assert_memory_equal(body, V_PLAIN1, 8);
	assert_int_equal(weft_boxs_open(&b, more + BOX1, sizeof(more) - BOX1,
	    &used, body), 8);
	assert_int_equal(used, BOX1);
	assert_memory_equal(body, V_PLAIN2, 8);
	assert_false(weft_boxs_ended(&b));
	assert_int_equal(weft_boxs_open(&b, more + BOX2, sizeof(more) - BOX2,
	    &used, body), 0);
	assert_int_equal(used, 34);	/* stops at the goodbye */
	assert_true(weft_boxs_ended(&b));
	assert_int_equal(weft_boxs_open(&b, more + BOX2 + 34, 3, &used, body),
	    WEFT_EPROTO);
	assert_int_equal(used, 0);
	assert_int_equal(weft_boxs_eof(&b), 0);
	weft_boxs_release(&b);
}

/* Seals then opens one body of each size 1..4096, fed in odd pieces. */
static void
test_round_trip_all_sizes(void **state)
{
	struct weft_boxs	 s, o;
	struct weft_buf		 out;
	uint8_t			*msg;
	uint8_t			 key[32], nonce[24];
	size_t			 off, n, chunk, used;
	int			 r, got;

	(void)state;
	msg = malloc(WEFT_BOXS_BODY_MAX);
	assert_non_null(msg);
	randombytes_buf(key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	weft_boxs_init(&s, key, nonce);
	weft_boxs_init(&o, key, nonce);
	weft_buf_init(&out, WEFT_BOXS_BOX_MAX);
	for (size_t len = 1; len <= WEFT_BOXS_BODY_MAX; len++) {
		randombytes_buf(msg, len);
		weft_buf_reset(&out);
		assert_int_equal(weft_boxs_seal(&s, msg, len, &out), 0);
		assert_int_equal(out.len, WEFT_BOXS_HEADER_BYTES + len);
		chunk = len % 3 == 0 ? out.len : 1 + len % 37;
		got = 0;
		for (off = 0; off < out.len; off += used) {
			n = out.len - off < chunk ? out.len - off : chunk;
			r = weft_boxs_open(&o, out.data + off, n, &used, body);
			assert_true(r >= 0);
			assert_int_equal(used, n);
			if (r > 0) {
				assert_int_equal(off + n, out.len);
				assert_int_equal(r, (int)len);
				got = 1;
			}
		}
		assert_true(got);
		assert_memory_equal(body, msg, len);
	}
	weft_buf_reset(&out);
	assert_int_equal(weft_boxs_goodbye(&s, &out), 0);
	open_all(&o, out.data, out.len, 0);
	assert_true(weft_boxs_ended(&o));
	weft_buf_release(&out);
	weft_boxs_release(&s);
	weft_boxs_release(&o);
	free(msg);
}

/* Many boxes in one buffer come out one per call. */
static void
test_many_boxes_one_read(void **state)
{
	struct weft_boxs	s, o;
	struct weft_buf		out;
	uint8_t			msg[100];
	size_t			off, used;
	int			r, count = 0;

	(void)state;
	weft_boxs_init(&s, V_KEY, V_NONCE);
	weft_boxs_init(&o, V_KEY, V_NONCE);
	weft_buf_init(&out, 64 * 1024);
	for (int i = 0; i < 50; i++) {
		memset(msg, i, sizeof(msg));
		assert_int_equal(weft_boxs_seal(&s, msg, 1 + i, &out), 0);
	}
	assert_int_equal(weft_boxs_goodbye(&s, &out), 0);
	for (off = 0; !weft_boxs_ended(&o); off += used) {
		r = weft_boxs_open(&o, out.data + off, out.len - off, &used,
		    body);
		if (r == 0)
			break;
		assert_int_equal(r, 1 + count);
		memset(msg, count, sizeof(msg));
		assert_memory_equal(body, msg, r);
		count++;
	}
	assert_int_equal(count, 50);
	assert_true(weft_boxs_ended(&o));
	assert_int_equal(off + used, out.len);
	weft_buf_release(&out);
}

/* The vector's two boxes as frames (u16be length | body). */
static size_t
vector_frames(uint8_t *f)
{
	f[0] = 0;
	f[1] = 8;
	memcpy(f + 2, V_PLAIN1, 8);
	f[10] = 0;
	f[11] = 8;
	memcpy(f + 12, V_PLAIN2, 8);
	return 20;
}

/*
 * Batches (what the daemon's workers run) give the same bytes as box by
 * box: the published stream, and its frames back at every split.
 */
static void
test_frames_vector(void **state)
{
	struct weft_boxs	b;
	struct weft_buf		out;
	uint8_t			f[20];
	size_t			nf, used, cut;

	(void)state;
	nf = vector_frames(f);
	weft_boxs_init(&b, V_KEY, V_NONCE);
	/* Opening needs room for a whole body behind what it has. */
	weft_buf_init(&out, 2 * WEFT_BOXS_BOX_MAX);
	assert_int_equal(weft_boxs_seal_frames(&b, f, nf, 1, &out), 0);
	assert_int_equal(out.len, sizeof(V_STREAM));
	assert_memory_equal(out.data, V_STREAM, sizeof(V_STREAM));
	assert_int_equal(weft_boxs_seal_frames(&b, f, nf, 0, &out),
	    WEFT_EUSAGE);
	weft_boxs_release(&b);

	for (cut = 0; cut <= sizeof(V_STREAM); cut++) {
		weft_buf_reset(&out);
		weft_boxs_init(&b, V_KEY, V_NONCE);
		assert_int_equal(weft_boxs_open_frames(&b, V_STREAM, cut,
		    &used, &out), 0);
		assert_int_equal(used, cut);
		assert_int_equal(weft_boxs_open_frames(&b, V_STREAM + cut,
		    sizeof(V_STREAM) - cut, &used, &out), 0);
		assert_int_equal(used, sizeof(V_STREAM) - cut);
		assert_int_equal(out.len, nf);
		assert_memory_equal(out.data, f, nf);
		assert_true(weft_boxs_ended(&b));
		weft_boxs_release(&b);
	}
	weft_buf_release(&out);
}

/*
 * Malformed frames are refused; bytes after the goodbye are left; a
 * damaged box fails the batch and keeps the frames opened before it.
 */
static void
test_frames_bad(void **state)
{
	static const uint8_t	zero_len[] = { 0, 0 };
	static const uint8_t	too_long[] = { 0x10, 0x01, 1 };
	static const uint8_t	cut[] = { 0, 3, 'a', 'b' };
	static const uint8_t	half[] = { 0 };
	struct weft_boxs	b;
	struct weft_buf		out;
	uint8_t			bad[sizeof(V_STREAM) + 1];
	uint8_t			f[20];
	size_t			used;

	(void)state;
	weft_buf_init(&out, 64 * 1024);
	weft_boxs_init(&b, V_KEY, V_NONCE);
	assert_int_equal(weft_boxs_seal_frames(&b, zero_len,
	    sizeof(zero_len), 0, &out), WEFT_EPROTO);
	assert_int_equal(weft_boxs_seal_frames(&b, too_long,
	    sizeof(too_long), 0, &out), WEFT_EPROTO);
	assert_int_equal(weft_boxs_seal_frames(&b, cut, sizeof(cut), 0,
	    &out), WEFT_EPROTO);
	assert_int_equal(weft_boxs_seal_frames(&b, half, sizeof(half), 0,
	    &out), WEFT_EPROTO);
	assert_int_equal(out.len, 0);
	weft_boxs_release(&b);

	/* A byte after the goodbye is not consumed. */
	memcpy(bad, V_STREAM, sizeof(V_STREAM));
	bad[sizeof(V_STREAM)] = 0;
	weft_boxs_init(&b, V_KEY, V_NONCE);
	assert_int_equal(weft_boxs_open_frames(&b, bad, sizeof(bad), &used,
	    &out), 0);
	assert_int_equal(used, sizeof(V_STREAM));
	assert_true(weft_boxs_ended(&b));
	weft_boxs_release(&b);

	/* The second box's body is damaged: the first box comes out. */
	weft_buf_reset(&out);
	memcpy(bad, V_STREAM, sizeof(V_STREAM));
	bad[BOX1 + 40] ^= 1;
	weft_boxs_init(&b, V_KEY, V_NONCE);
	assert_int_equal(weft_boxs_open_frames(&b, bad, sizeof(V_STREAM),
	    &used, &out), WEFT_EDECRYPT);
	assert_int_equal(out.len, 10);
	vector_frames(f);
	assert_memory_equal(out.data, f, 10);
	assert_int_equal(weft_boxs_open_frames(&b, V_STREAM, 1, &used, &out),
	    WEFT_EDECRYPT);
	weft_boxs_release(&b);
	weft_buf_release(&out);
}

static void
assert_failed(struct weft_boxs *b, int err)
{
	uint8_t	byte = 0;
	size_t	used = 1;

	assert_false(weft_boxs_ended(b));
	assert_int_equal(weft_boxs_open(b, &byte, 1, &used, body), err);
	assert_int_equal(used, 0);
	assert_int_equal(weft_boxs_eof(b), err);
	assert_true(sodium_is_zero(b->key, sizeof(b->key)));
}

/*
 * Flips each byte of the vector stream: the box holding it fails to
 * open, and the bodies before it were delivered intact.
 */
static void
test_flip_every_byte(void **state)
{
	static const uint8_t	pats[] = { 0x01, 0x80, 0xff };
	struct weft_boxs	b;
	uint8_t			m[sizeof(V_STREAM)];
	size_t			off, used;
	int			r, bodies;

	(void)state;
	for (size_t k = 0; k < sizeof(pats); k++) {
		for (size_t i = 0; i < sizeof(V_STREAM); i++) {
			memcpy(m, V_STREAM, sizeof(m));
			m[i] ^= pats[k];
			weft_boxs_init(&b, V_KEY, V_NONCE);
			bodies = 0;
			off = 0;
			for (;;) {
				r = weft_boxs_open(&b, m + off,
				    sizeof(m) - off, &used, body);
				off += used;
				if (r <= 0)
					break;
				bodies++;
			}
			assert_int_equal(r, WEFT_EDECRYPT);
			assert_int_equal(bodies, (int)(i / BOX1));
			assert_failed(&b, WEFT_EDECRYPT);
		}
	}
}

/* Box 2 before box 1, box 1 twice, box 1 dropped: all fail. */
static void
test_reorder_replay_drop(void **state)
{
	struct weft_boxs	b;
	uint8_t			key[32];

	(void)state;
	weft_boxs_init(&b, V_KEY, V_NONCE);
	open_all(&b, V_STREAM + BOX1, BOX1, WEFT_EDECRYPT);
	assert_failed(&b, WEFT_EDECRYPT);

	weft_boxs_init(&b, V_KEY, V_NONCE);
	open_all(&b, V_STREAM, BOX1, 8);
	open_all(&b, V_STREAM, BOX1, WEFT_EDECRYPT);
	assert_failed(&b, WEFT_EDECRYPT);

	/* Header 1 with body 2: the body is sealed under another nonce. */
	weft_boxs_init(&b, V_KEY, V_NONCE);
	open_all(&b, V_STREAM, 34, 0);
	open_all(&b, V_STREAM + BOX1 + 34, 8, WEFT_EDECRYPT);
	assert_failed(&b, WEFT_EDECRYPT);

	/* The goodbye cannot be moved up to end the stream early. */
	weft_boxs_init(&b, V_KEY, V_NONCE);
	open_all(&b, V_STREAM, BOX1, 8);
	open_all(&b, V_STREAM + BOX2, 34, WEFT_EDECRYPT);
	assert_failed(&b, WEFT_EDECRYPT);

	/* Another key. */
	memcpy(key, V_KEY, sizeof(key));
	key[0] ^= 1;
	weft_boxs_init(&b, key, V_NONCE);
	open_all(&b, V_STREAM, BOX1, WEFT_EDECRYPT);
	assert_failed(&b, WEFT_EDECRYPT);
}

/*
 * A stream cut at any byte before the end of the goodbye is reported
 * as truncated at EOF, and never shows a partial body.
 */
static void
test_truncate_every_byte(void **state)
{
	struct weft_boxs	b;
	size_t			off, used;
	int			r, bodies;

	(void)state;
	for (size_t cut = 0; cut < sizeof(V_STREAM); cut++) {
		weft_boxs_init(&b, V_KEY, V_NONCE);
		bodies = 0;
		for (off = 0; off < cut; off += used) {
			r = weft_boxs_open(&b, V_STREAM + off, cut - off,
			    &used, body);
			assert_true(r >= 0);
			if (r > 0)
				bodies++;
		}
		assert_int_equal(bodies, (int)(cut / BOX1));
		assert_false(weft_boxs_ended(&b));
		assert_int_equal(weft_boxs_eof(&b), WEFT_EPROTO);
		assert_failed(&b, WEFT_EPROTO);
	}
}

/* Lengths 0 and 4097 in an authentic header are refused. */
static void
test_bad_length(void **state)
{
	static const size_t	 lens[] = { 0, 4097, 0xffff };
	struct weft_boxs	 b;
	uint8_t			 hdr[18], box[34];

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(hdr, 0x33, sizeof(hdr));
		hdr[0] = (uint8_t)(lens[i] >> 8);
		hdr[1] = (uint8_t)lens[i];
		assert_int_equal(crypto_secretbox_easy(box, hdr, sizeof(hdr),
		    V_NONCE, V_KEY), 0);
		weft_boxs_init(&b, V_KEY, V_NONCE);
		open_all(&b, box, sizeof(box), WEFT_EPROTO);
		assert_failed(&b, WEFT_EPROTO);
	}
}

/* Bodies above 4096 bytes and empty ones are refused, nothing written. */
static void
test_seal_limits(void **state)
{
	struct weft_boxs	 a, b;
	struct weft_buf		 out, out2;
	uint8_t			*big;

	(void)state;
	big = calloc(1, WEFT_BOXS_BODY_MAX + 1);
	assert_non_null(big);
	weft_boxs_init(&a, V_KEY, V_NONCE);
	weft_boxs_init(&b, V_KEY, V_NONCE);
	weft_buf_init(&out, 2 * WEFT_BOXS_BOX_MAX);
	assert_int_equal(weft_boxs_seal(&a, big, WEFT_BOXS_BODY_MAX + 1,
	    &out), WEFT_ETOOBIG);
	assert_int_equal(weft_boxs_seal(&a, big, 0, &out), WEFT_EUSAGE);
	assert_int_equal(out.len, 0);

	/* A full output buffer does not spend a nonce. */
	weft_buf_init(&out2, WEFT_BOXS_BOX_MAX - 1);
	assert_int_equal(weft_boxs_seal(&a, big, WEFT_BOXS_BODY_MAX, &out2),
	    WEFT_ETOOBIG);
	assert_int_equal(out2.len, 0);
	assert_int_equal(weft_boxs_seal(&a, big, WEFT_BOXS_BODY_MAX, &out),
	    0);
	assert_int_equal(out.len, WEFT_BOXS_BOX_MAX);
	assert_int_equal(weft_boxs_seal(&b, big, WEFT_BOXS_BODY_MAX, &out2),
	    WEFT_ETOOBIG);
	weft_buf_release(&out2);
	weft_buf_init(&out2, WEFT_BOXS_BOX_MAX);
	assert_int_equal(weft_boxs_seal(&b, big, WEFT_BOXS_BODY_MAX, &out2),
	    0);
	assert_memory_equal(out.data, out2.data, WEFT_BOXS_BOX_MAX);
	weft_buf_release(&out);
	weft_buf_release(&out2);
	free(big);
}

/*
 * The nonce is one 24-byte big-endian counter: starting at all 0xff, the
 * header uses ff..ff and the body wraps to 00..00; the next header
 * uses 00..01.
 */
static void
test_nonce_carry(void **state)
{
	struct weft_boxs	b;
	struct weft_buf		out;
	uint8_t			n[24], plain[18], one = 0x5a, got;

	(void)state;
	memset(n, 0xff, sizeof(n));
	weft_boxs_init(&b, V_KEY, n);
	weft_buf_init(&out, 1024);
	assert_int_equal(weft_boxs_seal(&b, &one, 1, &out), 0);
	assert_int_equal(weft_boxs_seal(&b, &one, 1, &out), 0);
	assert_int_equal(crypto_secretbox_open_easy(plain, out.data, 34, n,
	    V_KEY), 0);
	assert_int_equal(plain[0], 0);
	assert_int_equal(plain[1], 1);
	memset(n, 0, sizeof(n));
	assert_int_equal(crypto_secretbox_open_detached(&got, out.data + 34,
	    plain + 2, 1, n, V_KEY), 0);
	assert_int_equal(got, one);
	n[23] = 1;
	assert_int_equal(crypto_secretbox_open_easy(plain, out.data + 35, 34,
	    n, V_KEY), 0);

	/* And the open side follows the same carry. */
	memset(n, 0xff, sizeof(n));
	weft_boxs_init(&b, V_KEY, n);
	open_all(&b, out.data, 35, 1);
	open_all(&b, out.data + 35, 35, 1);
	assert_int_equal(body[0], one);
	weft_buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_seal),
		cmocka_unit_test(test_vector_open),
		cmocka_unit_test(test_round_trip_all_sizes),
		cmocka_unit_test(test_many_boxes_one_read),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_reorder_replay_drop),
		cmocka_unit_test(test_truncate_every_byte),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_seal_limits),
		cmocka_unit_test(test_nonce_carry),
		cmocka_unit_test(test_frames_vector),
		cmocka_unit_test(test_frames_bad),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
