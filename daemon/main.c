/*
 * weftd: argument parsing, process setup (SIGPIPE, libsodium) and the
 * loop. Everything else lives in struct weft_daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
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
	    "[--peer NODEID@HOST:PORT]...\n"
	    "             [--network-key HEX] [-v]\n"
	    "       weftd --version | --help\n"
	    "\n"
	    "The weft daemon: keeps the store of HOME, talks to peers and "
	    "serves the weft\ncommand over HOME/weftd.sock. It runs in the "
	    "foreground and logs to stderr.\n"
	    "\n"
	    "options:\n"
	    "  --home DIR            the node's home (default: $WEFT_HOME, "
	    "else\n"
	    "                        $XDG_DATA_HOME/weft, else "
	    "~/.local/share/weft)\n"
	    "  --listen HOST:PORT    accept peers on this address (overrides "
	    "'listen' in\n"
	    "                        the config); default: do not listen\n"
	    "  --peer NODEID@HOST:PORT\n"
	    "                        keep this peer connected; repeat for "
	    "several\n"
	    "  --network-key HEX     the network's 32-byte key in hex "
	    "(overrides\n"
	    "                        'network_key' in the config)\n"
	    "  -v, --verbose         also log debugging lines\n"
	    "  -V, --version         print the version and exit\n"
	    "  -h, --help            print this help and exit\n"
	    "\n"
	    "configuration: HOME/config (see 'man 5 weft-config'); options "
	    "given here win.\n"
	    "\n"
	    "environment (tests and tuning; times in ms):\n"
	    "  WEFT_HANDSHAKE_TIMEOUT_MS  handshake and HELLO (10000)\n"
	    "  WEFT_PING_INTERVAL_MS      ping a quiet peer after (15000)\n"
	    "  WEFT_IDLE_TIMEOUT_MS       close a silent peer after (60000)\n"
	    "  WEFT_BACKOFF_MIN_MS        first redial delay (1000)\n"
	    "  WEFT_BACKOFF_MAX_MS        longest redial delay (300000)\n"
	    "  WEFT_MAX_INBOUND           inbound connections (128)\n"
	    "  WEFT_MAX_OUTBOUND          outbound connections (32)\n"
	    "  WEFT_OUT_TARGET            dial learnt peers while fewer "
	    "outbound (8)\n"
	    "  WEFT_SENDQ_MAX             bytes queued per peer (8388608)\n"
	    "  WEFT_MAP_SIZE              the store's LMDB map size in bytes\n"
	    "  NOTIFY_SOCKET, JOURNAL_STREAM  set by systemd (readiness, "
	    "log format)\n"
	    "\n"
	    "See weftd(8), weft(1).\n");
}

/* A decimal environment variable into *v; absent leaves *v alone. */
static int
env_u64(const char *name, uint64_t *v)
{
	const char		*s = getenv(name);
	char			*end;
	unsigned long long	 x;

	if (s == NULL)
		return 0;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "weftd: %s must be a decimal number\n", name);
		return -1;
	}
	*v = x;
	return 0;
}

static int
env_limits(struct weft_net_limits *l)
{
	uint64_t	in = l->in_max, out = l->out_max, q = l->sendq_max;
	uint64_t	target = l->out_target;

	if (env_u64("WEFT_HANDSHAKE_TIMEOUT_MS", &l->session.handshake_ms) ||
	    env_u64("WEFT_PING_INTERVAL_MS", &l->session.ping_ms) ||
	    env_u64("WEFT_IDLE_TIMEOUT_MS", &l->session.idle_ms) ||
	    env_u64("WEFT_BACKOFF_MIN_MS", &l->backoff_min_ms) ||
	    env_u64("WEFT_BACKOFF_MAX_MS", &l->backoff_max_ms) ||
	    env_u64("WEFT_MAX_INBOUND", &in) ||
	    env_u64("WEFT_MAX_OUTBOUND", &out) ||
	    env_u64("WEFT_OUT_TARGET", &target) ||
	    env_u64("WEFT_SENDQ_MAX", &q))
		return -1;
	if (in > 65536 || out > 65536 || target > 65536 ||
	    q > SIZE_MAX / 2 ||
	    l->backoff_min_ms == 0 || l->backoff_max_ms <
	    l->backoff_min_ms) {
		fprintf(stderr, "weftd: network limits out of range\n");
		return -1;
	}
	l->in_max = (unsigned)in;
	l->out_max = (unsigned)out;
	l->out_target = (unsigned)target;
	l->sendq_max = (size_t)q;
	return 0;
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
	const char		*peers[WEFT_DAEMON_PEERS_MAX];
	const char		*home_opt = NULL;
	char			 home[PATH_MAX];
	uint8_t			 key[32];
	bool			 verbose = false;
	int			 ch, err;

	memset(&opts, 0, sizeof(opts));
	opts.lan_discovery = true;
	weft_net_limits_default(&opts.net);
	opts.peers = peers;
	while ((ch = getopt_long(argc, argv, "hvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			home_opt = optarg;
			break;
		case 'l':
			opts.listen = optarg;
			break;
		case 'p':
			if (opts.npeers == WEFT_DAEMON_PEERS_MAX) {
				fprintf(stderr, "weftd: at most %d --peer "
				    "options\n", WEFT_DAEMON_PEERS_MAX);
				return 2;
			}
			peers[opts.npeers++] = optarg;
			break;
		case 'k':
			if (weft_hex_decode(key, sizeof(key), optarg,
			    strlen(optarg)) != 0) {
				fprintf(stderr, "weftd: network key must be 64 "
				    "hex characters\n");
				return 2;
			}
			opts.network_key = key;
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
	if (env_limits(&opts.net) != 0)
		return 2;
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
