/*
 * Ed25519 key pairs and their minisign-like text form. The secret key is
 * libsodium's 64 bytes (seed || public key) in sodium_malloc()ed memory;
 * every temporary copy of secret bytes here is wiped before returning.
 * Nothing in this file prints or logs key material.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"

#define COMMENT_PREFIX		"untrusted comment: "
#define COMMENT_PREFIX_LEN	(sizeof(COMMENT_PREFIX) - 1)
#define SK_B64_LEN							\
	(sodium_base64_ENCODED_LEN(WEFT_KEY_SK_BYTES,			\
	    sodium_base64_VARIANT_ORIGINAL) - 1)

int
weft_key_generate(struct weft_keypair *kp)
{
	kp->sk = sodium_malloc(WEFT_KEY_SK_BYTES);
	if (kp->sk == NULL)
		return -ENOMEM;
	crypto_sign_keypair(kp->pk, kp->sk);
	return 0;
}

void
weft_key_release(struct weft_keypair *kp)
{
	/* sodium_free() wipes the memory before unmapping it. */
	sodium_free(kp->sk);
	kp->sk = NULL;
	sodium_memzero(kp->pk, sizeof(kp->pk));
}

int
weft_key_encode(const struct weft_keypair *kp, const char *comment,
    struct weft_buf *out)
{
	char	text[WEFT_KEY_TEXT_MAX];
	size_t	clen, len;
	int	err;

	if (kp->sk == NULL)
		return WEFT_EUSAGE;
	clen = strlen(comment);
	if (strchr(comment, '\n') != NULL || strchr(comment, '\r') != NULL)
		return WEFT_EUSAGE;
	len = COMMENT_PREFIX_LEN + clen + 1 + SK_B64_LEN + 1;
	if (len > sizeof(text))
		return WEFT_ETOOBIG;

	/*
	 * Build the whole text on the stack and append it in one call, so
	 * that out is allocated once and no realloc leaves a stray copy of
	 * the secret behind in freed memory.
	 */
	memcpy(text, COMMENT_PREFIX, COMMENT_PREFIX_LEN);
	memcpy(text + COMMENT_PREFIX_LEN, comment, clen);
	text[COMMENT_PREFIX_LEN + clen] = '\n';
	sodium_bin2base64(text + COMMENT_PREFIX_LEN + clen + 1,
	    SK_B64_LEN + 1, kp->sk, WEFT_KEY_SK_BYTES,
	    sodium_base64_VARIANT_ORIGINAL);
	text[len - 1] = '\n';
	err = weft_buf_add(out, text, len);
	sodium_memzero(text, sizeof(text));
	return err;
}

int
weft_key_decode(const char *text, size_t len, struct weft_keypair *kp)
{
	uint8_t		 seed[crypto_sign_SEEDBYTES];
	uint8_t		 pk[WEFT_KEY_PK_BYTES];
	uint8_t		*sk = NULL, *sk2 = NULL;
	const char	*nl, *b64, *end, *b64_end;
	size_t		 b64_len, bin_len;
	int		 err = WEFT_EBADKEY;

	kp->sk = NULL;
	if (len > WEFT_KEY_TEXT_MAX || len < COMMENT_PREFIX_LEN ||
	    memcmp(text, COMMENT_PREFIX, COMMENT_PREFIX_LEN) != 0)
		return WEFT_EBADKEY;
	nl = memchr(text, '\n', len);
	if (nl == NULL || memchr(text, '\0', (size_t)(nl - text)) != NULL)
		return WEFT_EBADKEY;

	/* The key line, with an optional final newline and nothing else. */
	b64 = nl + 1;
	end = text + len;
	if (end > b64 && end[-1] == '\n')
		end--;
	b64_len = (size_t)(end - b64);
	if (b64_len != SK_B64_LEN)
		return WEFT_EBADKEY;
	/* The same key written out again must fit: count its newline. */
	if (end == text + len && len + 1 > WEFT_KEY_TEXT_MAX)
		return WEFT_EBADKEY;
	/*
	 * libsodium 1.0.18 decodes bytes 0x80..0xff as if they were
	 * digits; only the 65 characters of the alphabet make one key
	 * have one text.
	 */
	for (size_t i = 0; i < b64_len; i++) {
		unsigned char	c = (unsigned char)b64[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		    c == '='))
			return WEFT_EBADKEY;
	}

	sk = sodium_malloc(WEFT_KEY_SK_BYTES);
	sk2 = sodium_malloc(WEFT_KEY_SK_BYTES);
	if (sk == NULL || sk2 == NULL) {
		err = -ENOMEM;
		goto out;
	}
	if (sodium_base642bin(sk, WEFT_KEY_SK_BYTES, b64, b64_len, NULL,
	    &bin_len, &b64_end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != WEFT_KEY_SK_BYTES || b64_end != end)
		goto out;

	/* The public half must be the one the seed derives. */
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	if (crypto_sign_seed_keypair(pk, sk2, seed) != 0)
		goto out;
	if (sodium_memcmp(pk, sk + crypto_sign_SEEDBYTES,
	    WEFT_KEY_PK_BYTES) != 0)
		goto out;

	memcpy(kp->pk, pk, WEFT_KEY_PK_BYTES);
	kp->sk = sk;
	sk = NULL;
	err = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_free(sk2);
	sodium_free(sk);
	return err;
}

uint64_t
weft_key_id(const uint8_t pk[WEFT_KEY_PK_BYTES])
{
	uint64_t	id = 0;

	/* Big-endian, so "%016" PRIX64 shows the first 8 bytes in order. */
	for (int i = 0; i < 8; i++)
		id = id << 8 | pk[i];
	return id;
}
