/*
 * One side of a secret handshake over stdin/stdout, speaking the protocol
 * of the shs1-test suite (npm shs1-test): the suite runs this program,
 * plays the other side, and checks every byte we write. Built twice:
 * shs1-client (argv: network key, server public key, in hex) and
 * shs1-server (argv: network key, server secret key, server public key).
 * On success it writes the handshake messages, then the outcome:
 * encryption key and nonce, decryption key and nonce. On any bad message
 * it exits 1 at once without writing anything more.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/shs.h"

static int
write_all(const uint8_t *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
hex_arg(uint8_t *out, size_t n, const char *s)
{
	return weft_hex_decode(out, n, s, strlen(s));
}

static int
run(struct weft_shs *s)
{
	struct weft_shs_result	 r;
	struct weft_buf		 b;
	uint8_t			 in[WEFT_SHS_MSG_MAX];
	ssize_t			 n;
	size_t			 used;
	int			 err = 0;

	weft_buf_init(&b, WEFT_SHS_OUT_MAX);
	for (;;) {
		weft_buf_reset(&b);
		err = weft_shs_next_out(s, &b);
		if (err < 0)
			goto out;
		if (write_all(b.data, b.len) != 0) {
			err = -EPIPE;
			goto out;
		}
		if (weft_shs_done(s))
			break;
		n = read(STDIN_FILENO, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n == 0 ? WEFT_EPROTO : -errno;
			goto out;
		}
		err = weft_shs_feed(s, in, (size_t)n, &used);
		if (err)
			goto out;
	}
	err = weft_shs_result(s, &r);
	if (err)
		goto out;
	if (write_all(r.enc_key, sizeof(r.enc_key)) != 0 ||
	    write_all(r.enc_nonce, sizeof(r.enc_nonce)) != 0 ||
	    write_all(r.dec_key, sizeof(r.dec_key)) != 0 ||
	    write_all(r.dec_nonce, sizeof(r.dec_nonce)) != 0)
		err = -EPIPE;
	sodium_memzero(&r, sizeof(r));
out:
	weft_buf_release(&b);
	return err;
}

int
main(int argc, char **argv)
{
	struct weft_keypair	 kp = { .sk = NULL };
	struct weft_shs		 s;
	uint8_t			 netkey[32], eph[32];
#ifndef SHS1_SERVER
	uint8_t			 server_pk[32];
#endif
	int			 err;

	if (sodium_init() < 0)
		return 2;
	kp.sk = sodium_malloc(WEFT_KEY_SK_BYTES);
	if (kp.sk == NULL)
		return 2;
	randombytes_buf(eph, sizeof(eph));
#ifdef SHS1_SERVER
	if (argc != 4 || hex_arg(netkey, 32, argv[1]) != 0 ||
	    hex_arg(kp.sk, 64, argv[2]) != 0 ||
	    hex_arg(kp.pk, 32, argv[3]) != 0) {
		fprintf(stderr, "usage: shs1-server NETKEY SK PK (hex)\n");
		return 2;
	}
	err = weft_shs_init_server(&s, netkey, &kp, eph);
#else
	if (argc != 3 || hex_arg(netkey, 32, argv[1]) != 0 ||
	    hex_arg(server_pk, 32, argv[2]) != 0) {
		fprintf(stderr, "usage: shs1-client NETKEY SERVER_PK (hex)\n");
		return 2;
	}
	crypto_sign_keypair(kp.pk, kp.sk);
	err = weft_shs_init_client(&s, netkey, &kp, server_pk, eph);
#endif
	sodium_memzero(eph, sizeof(eph));
	if (err == 0)
		err = run(&s);
	weft_shs_release(&s);
	sodium_free(kp.sk);
	if (err) {
		fprintf(stderr, "shs1: %s\n", weft_strerror(err));
		return 1;
	}
	return 0;
}
