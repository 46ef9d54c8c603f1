/*
 * weftd: argument parsing, process setup (SIGPIPE, libsodium) and the
 * loop. Everything else lives in struct weft_daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/version.h"

#include "daemon.h"
#include "home.h"
#include "log.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: weftd [--home DIR] [--listen HOST:PORT] "
	    "[--peer NODEID@HOST:PORT]... [--network-key HEX] [-v]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "listen", required_argument, NULL, 'l' },
		{ "peer", required_argument, NULL, 'p' },
		{ "network-key", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct weft_daemon_opts	 opts;
	struct weft_daemon	 d;
	const char		*home_opt = NULL;
	char			 home[PATH_MAX];
	uint8_t			 key[32];
	bool			 verbose = false;
	int			 ch, err;

	memset(&opts, 0, sizeof(opts));
	while ((ch = getopt_long(argc, argv, "hvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			home_opt = optarg;
			break;
		case 'l':
			opts.listen = optarg;
			break;
		case 'p':
			break;
		case 'k':
			if (weft_hex_decode(key, sizeof(key), optarg,
			    strlen(optarg)) != 0) {
				fprintf(stderr, "weftd: network key must be 64 "
				    "hex characters\n");
				return 2;
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("weftd %s\n", WEFT_VERSION_STRING);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("weftd", verbose);
	/*
	 * Two malloc arenas are enough for the loop and the pool's jobs;
	 * glibc's default of eight per core keeps freed job buffers mapped
	 * in every arena a pool thread ever touched.
	 */
	mallopt(M_ARENA_MAX, 2);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		fatalx("cannot initialise libsodium");
	err = weft_home_resolve(home_opt, home, sizeof(home));
	if (err) {
		log_warnc(err, "cannot find the home directory (use --home)");
		return 1;
	}
	opts.home = home;
	if (getenv("WEFT_MAP_SIZE") != NULL)
		opts.map_size = strtoull(getenv("WEFT_MAP_SIZE"), NULL, 10);

	err = weft_daemon_open(&d, uv_default_loop(), &opts);
	if (err)
		return 1;
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	weft_daemon_close(&d);
	if (uv_loop_close(uv_default_loop()) != 0)
		log_warnx("loop closed with handles still open");
	log_info("stopped");
	return 0;
}
