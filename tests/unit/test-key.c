/*
 * Key pairs and their text form: round trip, and rejection of every kind
 * of damaged key text (wrong comment line, bad base64, wrong length,
 * halves that do not belong together).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"

/* Encodes a fresh key with comment "test key" into b. */
static void
encode_fresh(struct weft_keypair *kp, struct weft_buf *b)
{
	weft_buf_init(b, WEFT_KEY_TEXT_MAX);
	assert_int_equal(weft_key_generate(kp), 0);
	assert_int_equal(weft_key_encode(kp, "test key", b), 0);
}

static int
decode(const void *p, size_t len)
{
	struct weft_keypair	kp;
	int			err;

	memset(&kp, 0xa5, sizeof(kp));
	err = weft_key_decode(p, len, &kp);
	if (err)
		assert_null(kp.sk);
	else
		weft_key_release(&kp);
	return err;
}

static void
test_round_trip(void **state)
{
	struct weft_keypair	kp, kp2;
	struct weft_buf		b;
	uint8_t			sig[crypto_sign_BYTES];

	(void)state;
	encode_fresh(&kp, &b);
	assert_true(b.len > 20);
	assert_memory_equal(b.data, "untrusted comment: test key\n", 28);
	assert_int_equal(b.data[b.len - 1], '\n');
	assert_int_equal(weft_key_decode((char *)b.data, b.len, &kp2), 0);
	assert_memory_equal(kp2.pk, kp.pk, WEFT_KEY_PK_BYTES);
	assert_memory_equal(kp2.sk, kp.sk, WEFT_KEY_SK_BYTES);
	assert_int_equal(weft_key_id(kp.pk), weft_key_id(kp2.pk));

	/* The decoded key signs for the original public key. */
	crypto_sign_detached(sig, NULL, (const uint8_t *)"m", 1, kp2.sk);
	assert_int_equal(crypto_sign_verify_detached(sig,
	    (const uint8_t *)"m", 1, kp.pk), 0);

	/* Without the final newline it still parses. */
	assert_int_equal(decode(b.data, b.len - 1), 0);

	weft_key_release(&kp2);
	assert_null(kp2.sk);
	weft_key_release(&kp2);
	weft_key_release(&kp);
	sodium_memzero(b.data, b.len);
	weft_buf_release(&b);
}

/*
 * Known answer, computed with PyNaCl: the key whose seed is the bytes
 * 0..31, as a file.
 */
static void
test_known_key(void **state)
{
	static const char	text[] = "untrusted comment: kat\n"
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3Rjn"
	    "S8CZZ+TWMJulDV8d3IZkElUxuA==\n";
	struct weft_keypair	kp;
	struct weft_buf		b;
	char			hex[2 * WEFT_KEY_PK_BYTES + 1];

	(void)state;
	assert_int_equal(weft_key_decode(text, sizeof(text) - 1, &kp), 0);
	weft_hex_encode(hex, kp.pk, sizeof(kp.pk));
	assert_string_equal(hex, "03a107bff3ce10be1d70dd18e74bc099"
	    "67e4d6309ba50d5f1ddc8664125531b8");
	for (int i = 0; i < 32; i++)
		assert_int_equal(kp.sk[i], i);
	assert_true(weft_key_id(kp.pk) == 0x03A107BFF3CE10BEULL);
	weft_buf_init(&b, WEFT_KEY_TEXT_MAX);
	assert_int_equal(weft_key_encode(&kp, "kat", &b), 0);
	assert_int_equal(b.len, sizeof(text) - 1);
	assert_memory_equal(b.data, text, b.len);
	weft_buf_release(&b);
	weft_key_release(&kp);
}

static void
test_key_id(void **state)
{
	uint8_t	pk[WEFT_KEY_PK_BYTES] = { 0x01, 0x23, 0x45, 0x67, 0x89,
	    0xab, 0xcd, 0xef, 0xff };

	(void)state;
	assert_true(weft_key_id(pk) == 0x0123456789abcdefULL);
}

static void
test_encode_bad_comment(void **state)
{
	struct weft_keypair	kp;
	struct weft_buf		b;
	char			longc[WEFT_KEY_TEXT_MAX];

	(void)state;
	weft_buf_init(&b, WEFT_KEY_TEXT_MAX);
	assert_int_equal(weft_key_generate(&kp), 0);
	assert_int_equal(weft_key_encode(&kp, "two\nlines", &b), WEFT_EUSAGE);
	assert_int_equal(weft_key_encode(&kp, "cr\r", &b), WEFT_EUSAGE);
	memset(longc, 'x', sizeof(longc) - 1);
	longc[sizeof(longc) - 1] = '\0';
	assert_int_equal(weft_key_encode(&kp, longc, &b), WEFT_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(weft_key_encode(&kp, "", &b), 0);
	assert_int_equal(decode(b.data, b.len), 0);
	weft_key_release(&kp);
	sodium_memzero(b.data, b.len);
	weft_buf_release(&b);
}

static void
test_tampered(void **state)
{
	struct weft_keypair	 kp;
	struct weft_buf		 b;
	char			 t[WEFT_KEY_TEXT_MAX + 8];
	size_t			 len, nl;

	(void)state;
	encode_fresh(&kp, &b);
	len = b.len;
	memcpy(t, b.data, len);
	nl = (size_t)((char *)memchr(t, '\n', len) - t);

	/* Missing or misspelled comment line. */
	assert_int_equal(decode(t + nl + 1, len - nl - 1), WEFT_EBADKEY);
	t[0] = 'U';
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	t[0] = 'u';
	assert_int_equal(decode(t, nl), WEFT_EBADKEY);
	assert_int_equal(decode(t, 0), WEFT_EBADKEY);

	/* Characters outside the alphabet, or an altered character. */
	t[nl + 5] = '*';
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	t[nl + 5] = b.data[nl + 5] == 'A' ? 'B' : 'A';
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	memcpy(t, b.data, len);
	t[len - 3] = 'A';		/* padding '=' replaced */
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	memcpy(t, b.data, len);

	/* URL-safe alphabet is not the format. */
	for (size_t i = nl + 1; i < len; i++) {
		if (t[i] == '+')
			t[i] = '-';
		else if (t[i] == '/')
			t[i] = '_';
	}
	if (memcmp(t, b.data, len) != 0)
		assert_int_equal(decode(t, len), WEFT_EBADKEY);
	memcpy(t, b.data, len);

	/* Trailing garbage, an extra blank line, CRLF. */
	memcpy(t + len, "x", 1);
	assert_int_equal(decode(t, len + 1), WEFT_EBADKEY);
	memcpy(t + len, "\n", 1);
	assert_int_equal(decode(t, len + 1), WEFT_EBADKEY);
	t[len - 1] = '\r';
	t[len] = '\n';
	assert_int_equal(decode(t, len + 1), WEFT_EBADKEY);

	/* A NUL inside the comment line. */
	memcpy(t, b.data, len);
	t[20] = '\0';
	assert_int_equal(decode(t, len), WEFT_EBADKEY);

	/* Oversized input. */
	assert_int_equal(decode(t, WEFT_KEY_TEXT_MAX + 1), WEFT_EBADKEY);

	weft_key_release(&kp);
	sodium_memzero(t, sizeof(t));
	sodium_memzero(b.data, b.len);
	weft_buf_release(&b);
}

/* Text form of arbitrary 64-byte (or other length) key material. */
static size_t
text_of(char *t, size_t tsz, const uint8_t *bin, size_t n)
{
	size_t	len = strlen("untrusted comment: x\n");

	memcpy(t, "untrusted comment: x\n", len);
	sodium_bin2base64(t + len, tsz - len, bin, n,
	    sodium_base64_VARIANT_ORIGINAL);
	len += strlen(t + len);
	t[len++] = '\n';
	return len;
}

static void
test_wrong_length(void **state)
{
	uint8_t	bin[WEFT_KEY_SK_BYTES + 3];
	char	t[WEFT_KEY_TEXT_MAX];
	size_t	len;

	(void)state;
	randombytes_buf(bin, sizeof(bin));
	len = text_of(t, sizeof(t), bin, 63);
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	len = text_of(t, sizeof(t), bin, 65);
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	len = text_of(t, sizeof(t), bin, 66);
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	len = text_of(t, sizeof(t), bin, 32);
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	len = text_of(t, sizeof(t), bin, 0);
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
}

static void
test_mismatched_halves(void **state)
{
	struct weft_keypair	a, b;
	uint8_t			mixed[WEFT_KEY_SK_BYTES];
	char			t[WEFT_KEY_TEXT_MAX];
	size_t			len;

	(void)state;
	assert_int_equal(weft_key_generate(&a), 0);
	assert_int_equal(weft_key_generate(&b), 0);
	/* Seed of a, public key of b. */
	memcpy(mixed, a.sk, 32);
	memcpy(mixed + 32, b.pk, 32);
	len = text_of(t, sizeof(t), mixed, sizeof(mixed));
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	/* One flipped bit in the public half. */
	memcpy(mixed, a.sk, WEFT_KEY_SK_BYTES);
	mixed[63] ^= 1;
	len = text_of(t, sizeof(t), mixed, sizeof(mixed));
	assert_int_equal(decode(t, len), WEFT_EBADKEY);
	/* And the untouched key passes through the same helper. */
	len = text_of(t, sizeof(t), a.sk, WEFT_KEY_SK_BYTES);
	assert_int_equal(decode(t, len), 0);
	sodium_memzero(mixed, sizeof(mixed));
	sodium_memzero(t, sizeof(t));
	weft_key_release(&a);
	weft_key_release(&b);
}

static void
test_garbage(void **state)
{
	uint8_t	t[WEFT_KEY_TEXT_MAX];
	size_t	len;

	(void)state;
	memcpy(t, "untrusted comment: ", 19);
	for (int i = 0; i < 5000; i++) {
		len = 19 + randombytes_uniform(sizeof(t) - 19 + 1);
		randombytes_buf(t + 19, len - 19);
		assert_int_equal(decode(t, len), WEFT_EBADKEY);
	}
}

static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_known_key),
		cmocka_unit_test(test_key_id),
		cmocka_unit_test(test_encode_bad_comment),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_wrong_length),
		cmocka_unit_test(test_mismatched_halves),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
