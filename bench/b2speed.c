/*
 * b2speed: libsodium's single-core BLAKE2b-256 throughput, the reference
 * the publish benchmark compares against. Hashes 1 MiB buffers for about
 * a second (at least 512 MiB) and prints MB/s (10^6 bytes per second).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "bench.h"

int
main(void)
{
	crypto_generichash_state	 st;
	unsigned char			 out[32];
	unsigned char			*buf;
	size_t				 len = 1 << 20, total = 0;
	double				 t0, t;

	if (sodium_init() < 0)
		return 1;
	buf = malloc(len);
	if (buf == NULL)
		return 1;
	randombytes_buf(buf, len);
	crypto_generichash_init(&st, NULL, 0, 32);
	t0 = now();
	do {
		crypto_generichash_update(&st, buf, len);
		total += len;
		t = now() - t0;
	} while (total < (512u << 20) || t < 1.0);
	crypto_generichash_final(&st, out, 32);
	printf("%.1f\n", (double)total / t / 1e6);
	free(buf);
	return 0;
}
