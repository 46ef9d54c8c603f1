/*
 * bench-floor: the CPU that moving file bytes between two weftd costs at
 * the least, whatever the rest of the code does. Every byte a mirror
 * fetches is sealed into box-stream by the sender, opened by the
 * receiver, and hashed by the receiver to check the chunk against its id
 * (BLAKE2b-256); box-stream's 4 KiB boxes and BLAKE2b chunk ids are fixed
 * by the protocol. This measures those three on one core and prints the
 * best time two cores could move MIB MiB in, were nothing else done (no
 * reads, writes, copies, syscalls or LMDB).
 *
 * The receiver must also store the bytes. The second figure adds the CPU
 * (user and system) of writing them into a file in 64 KiB writes, then
 * fdatasync: what any store costs at the least on this machine, with no
 * index and no copy but the kernel's.
 *
 *   bench-floor [--mib N]	(default 200; the file goes in $TMPDIR or
 *				 /var/tmp, and is removed)
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/boxstream.h"
#include "weft/buf.h"
#include "weft/chunk.h"
#include "bench.h"

#define TOTAL	((size_t)256 << 20)	/* bytes per measurement */
#define CHUNK	((size_t)64 << 10)	/* FastCDC's average chunk */



/*
 * CPU seconds to write TOTAL bytes into a new file and sync it, from a
 * buffer larger than the caches, as received bytes would be.
 */
#define RING	((size_t)64 << 20)

static double
write_cpu(void)
{
	const char	*dir = getenv("TMPDIR");
	char		 path[4096];
	uint8_t		*ring;
	double		 c0;
	int		 fd;

	ring = malloc(RING);
	if (ring == NULL)
		exit(1);
	randombytes_buf(ring, RING);

	snprintf(path, sizeof(path), "%s/bench-floor-XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/var/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	c0 = cpu_now();
	for (size_t n = 0; n < TOTAL; n += CHUNK)
		if (pwrite(fd, ring + n % RING, CHUNK, (off_t)n) !=
		    (ssize_t)CHUNK) {
			perror("pwrite");
			exit(1);
		}
	if (fdatasync(fd) != 0) {
		perror("fdatasync");
		exit(1);
	}
	c0 = cpu_now() - c0;
	close(fd);
	unlink(path);
	free(ring);
	return c0;
}

int
main(int argc, char **argv)
{
	struct weft_boxs	 tx, rx;
	struct weft_buf		 out;
	static uint8_t		 body[WEFT_BOXS_BODY_MAX];
	static uint8_t		 got[WEFT_BOXS_BODY_MAX];
	uint8_t			 key[WEFT_BOXS_KEY_BYTES];
	uint8_t			 nonce[WEFT_BOXS_NONCE_BYTES], id[32];
	uint8_t			*chunk;
	double			 mib = 200, t0, tseal = 0, topen = 0;
	double			 thash, twrite;
	size_t			 used, n;

	if (argc == 3 && strcmp(argv[1], "--mib") == 0)
		mib = strtod(argv[2], NULL);
	else if (argc != 1) {
		fprintf(stderr, "usage: bench-floor [--mib N]\n");
		return 2;
	}
	if (sodium_init() < 0 || mib <= 0)
		return 1;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(body, sizeof(body));
	weft_boxs_init(&tx, key, nonce);
	weft_boxs_init(&rx, key, nonce);
	weft_buf_init(&out, 2 * WEFT_BOXS_BOX_MAX);

	/* Seal and open box by box, timed apart. */
	for (n = 0; n < TOTAL; n += sizeof(body)) {
		weft_buf_reset(&out);
		t0 = now();
		if (weft_boxs_seal(&tx, body, sizeof(body), &out) != 0)
			return 1;
		tseal += now() - t0;
		t0 = now();
		if (weft_boxs_open(&rx, out.data, out.len, &used, got) !=
		    (int)sizeof(body) || used != out.len)
			return 1;
		topen += now() - t0;
	}
	weft_boxs_release(&tx);
	weft_boxs_release(&rx);
	weft_buf_release(&out);

	chunk = malloc(CHUNK);
	if (chunk == NULL)
		return 1;
	randombytes_buf(chunk, CHUNK);
	t0 = now();
	for (n = 0; n < TOTAL; n += CHUNK) {
		chunk[0] = (uint8_t)n;
		weft_hash(chunk, CHUNK, id);
	}
	thash = now() - t0;
	free(chunk);
	twrite = write_cpu();

	{
		double	mb = (double)TOTAL / 1e6;
		double	per = (tseal + topen + thash) / ((double)TOTAL /
			    (1 << 20));	/* core-s per MiB */
		double	best = per * mib / 2;

		printf("one core: box-stream seal %.0f MB/s, open %.0f MB/s, "
		    "BLAKE2b-256 (64 KiB chunks) %.0f MB/s\n", mb / tseal,
		    mb / topen, mb / thash);
		printf("floor for %.0f MiB: %.3f core-s; on 2 cores at best "
		    "%.3f s, %.0f MB/s\n", mib, per * mib, best,
		    mib * (1 << 20) / 1e6 / best);
		per = (tseal + topen + thash + twrite) / ((double)TOTAL /
		    (1 << 20));
		best = per * mib / 2;
		printf("writing into a file: %.0f MB/s of CPU; with it, the "
		    "floor for %.0f MiB: %.3f core-s; on 2 cores at best "
		    "%.3f s, %.0f MB/s\n", mb / twrite, mib, per * mib, best,
		    mib * (1 << 20) / 1e6 / best);
	}
	return 0;
}
