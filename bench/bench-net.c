/*
 * Transport benchmarks that bench-net.sh runs beside two real weftd:
 *
 *   bench-net raw [MIB]
 *	libsodium's box-stream speed on one core: seal and open MIB MiB in
 *	4096-byte boxes (proto/boxstream.c), the ceiling for bulk transfer.
 *	Prints "raw_seal_open_mbps N".
 *   bench-net hs NODEID@HOST:PORT SECONDS [PROCS]
 *	secret handshakes per second against one weftd: PROCS processes
 *	each connect, run the client side to the end (message 4 verified)
 *	and hang up, for SECONDS. Prints "handshakes_per_s N".
 *
 * Network key: $WEFT_NETWORK_KEY (hex) or the public default.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/boxstream.h"
#include "weft/buf.h"
#include "weft/key.h"
#include "weft/shs.h"

#include "config.h"

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
raw(int argc, char **argv)
{
	struct weft_boxs	 tx, rx;
	struct weft_buf		 out;
	uint8_t			 key[32], nonce[24], body[4096], got[4096];
	size_t			 mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 512;
	size_t			 n = mib * 256, used;
	double			 t0, t1;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(body, sizeof(body));
	weft_boxs_init(&tx, key, nonce);
	weft_boxs_init(&rx, key, nonce);
	weft_buf_init(&out, 2 * WEFT_BOXS_BOX_MAX);
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		weft_buf_reset(&out);
		if (weft_boxs_seal(&tx, body, sizeof(body), &out) != 0 ||
		    weft_boxs_open(&rx, out.data, out.len, &used, got) !=
		    (int)sizeof(got)) {
			fprintf(stderr, "bench-net: box-stream failed\n");
			return 1;
		}
	}
	t1 = now_s();
	printf("raw_seal_open_mbps %.1f\n", (double)n * 4096 / (t1 - t0) / 1e6);
	weft_buf_release(&out);
	weft_boxs_release(&tx);
	weft_boxs_release(&rx);
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One handshake; returns 0 when message 4 verified. */
static int
one_handshake(const struct sockaddr_in *sa, const uint8_t netkey[32],
    const struct weft_keypair *kp, const uint8_t server[32])
{
	struct weft_shs	 s;
	struct weft_buf	 out;
	uint8_t		 eph[32], in[256];
	size_t		 used;
	ssize_t		 r;
	int		 fd, one = 1, rc = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	randombytes_buf(eph, sizeof(eph));
	weft_buf_init(&out, WEFT_SHS_OUT_MAX);
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 ||
	    weft_shs_init_client(&s, netkey, kp, server, eph) != 0)
		goto out;
	while (!weft_shs_done(&s)) {
		weft_buf_reset(&out);
		if (weft_shs_next_out(&s, &out) < 0)
			goto out;
		if (out.len > 0 && write_all(fd, out.data, out.len) != 0)
			goto out;
		if (weft_shs_done(&s))
			break;
		r = read(fd, in, sizeof(in));
		if (r <= 0 || weft_shs_feed(&s, in, (size_t)r, &used) != 0)
			goto out;
	}
	rc = 0;
out:
	weft_shs_release(&s);
	weft_buf_release(&out);
	close(fd);
	return rc;
}

static int
hs_worker(const struct sockaddr_in *sa, const uint8_t netkey[32],
    const uint8_t server[32], double secs, int wfd)
{
	struct weft_keypair	kp;
	unsigned long		ok = 0, bad = 0;
	double			end = now_s() + secs;
	char			line[64];
	int			n;

	if (weft_key_generate(&kp) != 0)
		return 1;
	while (now_s() < end) {
		if (one_handshake(sa, netkey, &kp, server) == 0)
			ok++;
		else
			bad++;
	}
	n = snprintf(line, sizeof(line), "%lu %lu\n", ok, bad);
	if (write(wfd, line, (size_t)n) != n)
		return 1;
	weft_key_release(&kp);
	return 0;
}

static int
hs(int argc, char **argv)
{
	struct sockaddr_in	 sa;
	uint8_t			 netkey[32], server[32];
	const char		*hexkey, *at, *colon;
	char			 host[64];
	double			 secs;
	int			 procs, fds[2];
	unsigned long		 ok = 0, bad = 0, a, b;
	FILE			*f;

	if (argc < 4)
		return 2;
	at = strchr(argv[2], '@');
	colon = strrchr(argv[2], ':');
	if (at == NULL || colon == NULL || at - argv[2] != 64 ||
	    colon - at - 1 >= (long)sizeof(host) ||
	    weft_hex_decode(server, 32, argv[2], 64) != 0)
		return 2;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - at - 1), at + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return 2;
	hexkey = getenv("WEFT_NETWORK_KEY");
	if (hexkey == NULL)
		hexkey = WEFT_NETWORK_KEY_DEFAULT;
	if (weft_hex_decode(netkey, 32, hexkey, strlen(hexkey)) != 0)
		return 2;
	secs = atof(argv[3]);
	procs = argc > 4 ? atoi(argv[4]) : 2;
	if (pipe(fds) != 0)
		return 1;
	for (int i = 0; i < procs; i++) {
		if (fork() == 0) {
			close(fds[0]);
			_exit(hs_worker(&sa, netkey, server, secs, fds[1]));
		}
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (f != NULL && fscanf(f, "%lu %lu", &a, &b) == 2) {
		ok += a;
		bad += b;
	}
	while (wait(NULL) > 0)
		;
	printf("handshakes_per_s %.1f\n", (double)ok / secs);
	printf("handshakes_failed %lu\n", bad);
	return 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc >= 2 && strcmp(argv[1], "raw") == 0)
		return raw(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "hs") == 0 && hs(argc, argv) == 0)
		return 0;
	fprintf(stderr, "usage: bench-net raw [MIB]\n"
	    "       bench-net hs NODEID@HOST:PORT SECONDS [PROCS]\n");
	return 2;
}
