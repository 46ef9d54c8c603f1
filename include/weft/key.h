/*
 * Ed25519 key pairs (author and node keys) and their text file format:
 *
 *   untrusted comment: <comment>\n
 *   <base64 of the 64-byte libsodium secret key>\n
 *
 * as minisign writes keys, so people can read what a file is. The secret
 * key lives in sodium_malloc()ed memory and is wiped on release. Key ids
 * shown in logs are the first 8 bytes of the public key as %016" PRIX64.
 * This module does no I/O; util/keyfile.c reads and writes the files.
 */
#ifndef WEFT_KEY_H
#define WEFT_KEY_H

#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_KEY_PK_BYTES	32
#define WEFT_KEY_SK_BYTES	64
#define WEFT_KEY_TEXT_MAX	512

struct weft_keypair {
	uint8_t	 pk[WEFT_KEY_PK_BYTES];
	uint8_t	*sk;		/* sodium_malloc, WEFT_KEY_SK_BYTES */
};

/* Creates a fresh key pair. Returns 0 or -ENOMEM. */
int	weft_key_generate(struct weft_keypair *kp);
/* Wipes and frees the secret key; safe on a zeroed or released pair. */
void	weft_key_release(struct weft_keypair *kp);
/*
 * Appends the text form of kp's secret key with the given comment (one
 * line: no CR or LF) to out, in a single append. out then holds secret
 * bytes: wipe them with sodium_memzero() before releasing it. Returns 0,
 * WEFT_EUSAGE (bad comment, no secret key), WEFT_ETOOBIG (the text would
 * exceed WEFT_KEY_TEXT_MAX, or out's cap) or -ENOMEM.
 */
int	weft_key_encode(const struct weft_keypair *kp, const char *comment,
	    struct weft_buf *out);
/*
 * Parses the text form: the comment line, then exactly the base64 line
 * (standard alphabet, padded) with an optional final newline. Checks that
 * the public half embedded in the secret key matches the seed. On success
 * kp holds a new secret key to weft_key_release(); on failure kp->sk is
 * NULL. Returns 0, WEFT_EBADKEY or -ENOMEM.
 */
int	weft_key_decode(const char *text, size_t len, struct weft_keypair *kp);
/* The 64-bit key id for logs. */
uint64_t weft_key_id(const uint8_t pk[WEFT_KEY_PK_BYTES]);

#endif
