/*
 * Fuzzes weft_key_decode(), the parser of secret key files. A text that
 * decodes must name a consistent key pair (the public key signs what the
 * secret key signs), and encoding that key with the text's own comment
 * must give back the text, with its final newline.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"

#include "fuzz.h"

#define PREFIX		"untrusted comment: "
#define PREFIX_LEN	(sizeof(PREFIX) - 1)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_keypair	 kp;
	struct weft_buf		 b;
	const char		*text = (const char *)data, *nl;
	char			 comment[WEFT_KEY_TEXT_MAX];
	uint8_t			 sig[crypto_sign_BYTES];
	size_t			 clen;
	int			 err;

	FUZZ_CHECK(sodium_init() >= 0);
	err = weft_key_decode(text, size, &kp);
	if (err) {
		FUZZ_CHECK(err == WEFT_EBADKEY || err == -ENOMEM);
		FUZZ_CHECK(kp.sk == NULL);
		weft_key_release(&kp);
		return 0;
	}
	FUZZ_CHECK(kp.sk != NULL);
	FUZZ_CHECK(crypto_sign_detached(sig, NULL, data, size, kp.sk) == 0);
	FUZZ_CHECK(crypto_sign_verify_detached(sig, data, size, kp.pk) == 0);
	(void)weft_key_id(kp.pk);

	nl = memchr(text, '\n', size);
	FUZZ_CHECK(nl != NULL && size >= PREFIX_LEN &&
	    memcmp(text, PREFIX, PREFIX_LEN) == 0);
	clen = (size_t)(nl - text) - PREFIX_LEN;
	memcpy(comment, text + PREFIX_LEN, clen);
	comment[clen] = '\0';
	weft_buf_init(&b, WEFT_KEY_TEXT_MAX);
	err = weft_key_encode(&kp, comment, &b);
	if (memchr(comment, '\r', clen) != NULL) {
		/* Decode tolerates a CR in the comment; encode refuses it. */
		FUZZ_CHECK(err == WEFT_EUSAGE);
	} else {
		FUZZ_CHECK(err == 0);
		FUZZ_CHECK(b.len == size + (text[size - 1] != '\n'));
		FUZZ_CHECK(memcmp(b.data, data, size) == 0);
	}
	sodium_memzero(b.data, b.len);
	weft_buf_release(&b);
	weft_key_release(&kp);
	weft_key_release(&kp);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_keypair	kp;
	struct weft_buf		b;
	uint8_t			seed[crypto_sign_SEEDBYTES];

	FUZZ_CHECK(sodium_init() >= 0);
	memset(seed, 0x42, sizeof(seed));
	kp.sk = sodium_malloc(WEFT_KEY_SK_BYTES);
	FUZZ_CHECK(kp.sk != NULL);
	FUZZ_CHECK(crypto_sign_seed_keypair(kp.pk, kp.sk, seed) == 0);
	weft_buf_init(&b, WEFT_KEY_TEXT_MAX);
	FUZZ_CHECK(weft_key_encode(&kp, "weft author key", &b) == 0);
	emit("author", b.data, b.len, arg);
	emit("no-newline", b.data, b.len - 1, arg);
	weft_buf_reset(&b);
	FUZZ_CHECK(weft_key_encode(&kp, "", &b) == 0);
	emit("empty-comment", b.data, b.len, arg);
	weft_buf_release(&b);
	weft_key_release(&kp);
}
