/*
 * weftd: argument parsing, the configuration, process setup (SIGPIPE,
 * libsodium) and the loop. Everything else lives in struct weft_daemon.
 *
 * main() alone turns argv, the environment and HOME/config into struct
 * weft_daemon_opts, with this precedence: flags over environment over the
 * file over the defaults (repeatable keys: --peer adds to the file's peer
 * lines). All of it is checked before anything is created, bound or
 * opened; --check-config stops there and prints what it would run with.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/version.h"

#include "config.h"
#include "daemon.h"
#include "home.h"
#include "keyfile.h"
#include "log.h"

static void
usage(FILE *f)
{
	const struct weft_config_key	*k;

	fprintf(f, "usage: weftd [--home DIR] [--listen HOST:PORT] "
	    "[--peer NODEID@HOST:PORT]...\n"
	    "             [--network-key HEX] [--web HOST:PORT|off] "
	    "[-n | --check-config] [-v]\n"
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
	    "  --web HOST:PORT|off   serve the web UI here (default "
	    WEFT_WEB_LISTEN_DEFAULT ";\n"
	    "                        a taken port: the next free one)\n"
	    "  --peer NODEID@HOST:PORT\n"
	    "                        keep this peer connected; repeat for "
	    "several (adds\n"
	    "                        to the config's 'peer' lines)\n"
	    "  --network-key HEX     the network's 32-byte key in hex "
	    "(overrides\n"
	    "                        'network-key' in the config)\n"
	    "  -n, --check-config    check the configuration, print what "
	    "weftd would run\n"
	    "                        with and exit; creates and binds "
	    "nothing\n"
	    "  -v, --verbose         also log debugging lines\n"
	    "  -V, --version         print the version and exit\n"
	    "  -h, --help            print this help and exit\n"
	    "\n"
	    "configuration: HOME/config (see 'man 5 weft-config'); flags "
	    "override the\nenvironment, which overrides the file.\n"
	    "\n"
	    "environment (times in ms):\n");
	for (size_t i = 0; i < WEFT_CFG_NKEYS; i++) {
		k = &weft_config_keys[i];
		if (k->env != NULL)
			fprintf(f, "  %-26s %s (%s)\n", k->env, k->help,
			    k->def != NULL ? k->def : "none");
	}
	fprintf(f, "  %-26s %s (%s)\n", "WEFT_LAN_PORT",
	    "UDP port of LAN discovery", "7420");
	fprintf(f, "  %-26s %s (%s)\n", "WEFT_LAN_INTERVAL_MS",
	    "announce every this plus up to as much", "30000");
	fprintf(f, "  %-26s %s\n", "WEFT_STORE_RESERVE",
	    "bytes kept free on the store's disk (67108864)");
	fprintf(f, "  %-26s %s\n", "WEFT_PACK_BUFFERED",
	    "1: write chunk packs without O_DIRECT (tests; 0)");
	fprintf(f, "  %-26s %s\n", "WEFT_GC_GRACE_MS",
	    "gc spares a publish's chunks this long (3600000)");
	fprintf(f, "  %-26s %s\n", "WEFT_GC_INTERVAL_MS",
	    "run gc automatically this often (3600000)");
	fprintf(f, "  %-26s %s\n", "WEFT_USE_STEP_MS",
	    "note a design's last use at most this often (60000)");
	fprintf(f, "  %-26s %s\n", "WEFT_WEB_ASSETS",
	    "the 3D view's files (scripts/build-web)");
	fprintf(f, "  %-26s %s\n", "WEFT_SYNC_RECONCILE_MS",
	    "reconcile with each peer this often (tests)");
	fprintf(f, "  %-26s %s\n", "WEFT_RECEIPT_TTL_MS",
	    "seed receipts live this long (tests; 86400000)");
	fprintf(f, "  %-26s %s\n", "WEFT_RECEIPT_SWEEP_MS",
	    "sign due seed receipts this often (tests; 600000)");
	fprintf(f, "  %-26s %s\n", "WEFT_SYNC_INTERESTS",
	    "narrow our interests, e.g. 'author:HEX lib:HEX' (tests)");
	fprintf(f, "  NOTIFY_SOCKET, JOURNAL_STREAM  set by systemd "
	    "(readiness, log format)\n"
	    "\n"
	    "See weftd(8), weft(1), weft-config(5).\n");
}

/*
 * The 3D view's files (scripts/build-web): $WEFT_WEB_ASSETS, else the
 * installed directory; NULL when neither holds them.
 */
static const char *
web_assets(void)
{
	static char	 path[PATH_MAX];
	const char	*dir = getenv("WEFT_WEB_ASSETS");

	if (dir == NULL || dir[0] == '\0')
		dir = WEFT_WEB_ASSETS_DIR;
	if (snprintf(path, sizeof(path), "%s/viewer.js", dir) >=
	    (int)sizeof(path) || access(path, R_OK) != 0)
		return NULL;
	snprintf(path, sizeof(path), "%s", dir);
	return path;
}

/* The environment's values over the file's. Returns 0 or 2 (usage). */
static int
apply_env(struct weft_config *cfg)
{
	const struct weft_config_key	*k;
	const char			*v, *msg;

	for (size_t i = 0; i < WEFT_CFG_NKEYS; i++) {
		k = &weft_config_keys[i];
		if (k->env == NULL)
			continue;
		v = getenv(k->env);
		if (v == NULL)
			continue;
		if (weft_config_set(cfg, k, v, &msg) != 0) {
			fprintf(stderr, "weftd: %s='%s': %s\n", k->env, v,
			    msg);
			return 2;
		}
	}
	return 0;
}

/* What no single line can say wrong. Returns 0 or 1. */
static int
check_whole(const struct weft_config *cfg, const char *path)
{
	if (cfg->num[WEFT_CFG_BACKOFF_MIN_MS] >
	    cfg->num[WEFT_CFG_BACKOFF_MAX_MS]) {
		fprintf(stderr, "weftd: %s: backoff-min-ms (%" PRIu64 ") is "
		    "larger than backoff-max-ms (%" PRIu64 ")\n", path,
		    cfg->num[WEFT_CFG_BACKOFF_MIN_MS],
		    cfg->num[WEFT_CFG_BACKOFF_MAX_MS]);
		return 1;
	}
	return 0;
}

/* An unsigned decimal of the environment in [lo, hi]; unset leaves *v. */
static int
env_num(const char *name, uint64_t lo, uint64_t hi, uint64_t *v)
{
	const char		*s = getenv(name);
	char			*end;
	unsigned long long	 x;

	if (s == NULL)
		return 0;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    x < lo || x > hi) {
		fprintf(stderr, "weftd: %s='%s': expected a number from "
		    "%" PRIu64 " to %" PRIu64 "\n", name, s, lo, hi);
		return 2;
	}
	*v = x;
	return 0;
}

/*
 * The environment variables for tests and benchmarks that are no config
 * keys (weftd --help lists them). Returns 0 or 2 (usage).
 */
static int
tuning_env(struct weft_daemon_opts *o)
{
	uint64_t	port = 0, buffered = 0;

	if (env_num("WEFT_LAN_PORT", 1, 65535, &port) != 0 ||
	    env_num("WEFT_LAN_INTERVAL_MS", 1, 24ull * 3600 * 1000,
	    &o->lan_interval_ms) != 0 ||
	    env_num("WEFT_SYNC_RECONCILE_MS", 1, 24ull * 3600 * 1000,
	    &o->sync_reconcile_ms) != 0 ||
	    env_num("WEFT_RECEIPT_TTL_MS", 2, 30ull * 24 * 3600 * 1000,
	    &o->receipt_ttl_ms) != 0 ||
	    env_num("WEFT_RECEIPT_SWEEP_MS", 1, 24ull * 3600 * 1000,
	    &o->receipt_sweep_ms) != 0)
		return 2;
	o->store_reserve = UINT64_MAX;
	if (env_num("WEFT_STORE_RESERVE", 0, UINT64_MAX - 1,
	    &o->store_reserve) != 0)
		return 2;
	o->store_reserve_set = o->store_reserve != UINT64_MAX;
	if (env_num("WEFT_PACK_BUFFERED", 0, 1, &buffered) != 0)
		return 2;
	o->pack_buffered = buffered != 0;
	if (env_num("WEFT_GC_GRACE_MS", 1, UINT64_MAX / 4,
	    &o->gc_grace_ms) != 0 ||
	    env_num("WEFT_GC_INTERVAL_MS", 1, UINT64_MAX / 4,
	    &o->gc_interval_ms) != 0 ||
	    env_num("WEFT_USE_STEP_MS", 1, UINT64_MAX / 4,
	    &o->use_step_ms) != 0)
		return 2;
	o->lan_port = (uint16_t)port;
	o->sync_interests = getenv("WEFT_SYNC_INTERESTS");
	return 0;
}

static void
to_limits(const struct weft_config *cfg, struct weft_net_limits *l)
{
	weft_net_limits_default(l);
	l->session.handshake_ms = cfg->num[WEFT_CFG_HANDSHAKE_TIMEOUT_MS];
	l->session.ping_ms = cfg->num[WEFT_CFG_PING_INTERVAL_MS];
	l->session.idle_ms = cfg->num[WEFT_CFG_IDLE_TIMEOUT_MS];
	l->backoff_min_ms = cfg->num[WEFT_CFG_BACKOFF_MIN_MS];
	l->backoff_max_ms = cfg->num[WEFT_CFG_BACKOFF_MAX_MS];
	l->in_max = (unsigned)cfg->num[WEFT_CFG_MAX_INBOUND];
	l->in_group_max = (unsigned)cfg->num[WEFT_CFG_MAX_INBOUND_GROUP];
	l->hs_max = (unsigned)cfg->num[WEFT_CFG_MAX_HANDSHAKES];
	l->hs_group_max = (unsigned)cfg->num[WEFT_CFG_MAX_HANDSHAKES_GROUP];
	l->out_max = (unsigned)cfg->num[WEFT_CFG_MAX_OUTBOUND];
	l->out_target = (unsigned)cfg->num[WEFT_CFG_OUT_TARGET];
	l->sendq_max = (size_t)cfg->num[WEFT_CFG_SEND_QUEUE_MAX];
}

/*
 * --check-config: the home and key files, if they exist, must be usable
 * (nothing is created). Returns 0 or 1 after one error line.
 */
static int
check_home(const char *home)
{
	static const char *const keys[] = { "author.key", "node.key" };
	struct weft_keypair	 kp;
	struct stat		 st;
	char			 path[PATH_MAX + 16];
	int			 err;

	err = weft_home_check(home);
	if (err == -ENOENT)
		return 0;
	if (err == WEFT_EHOMEMODE) {
		fprintf(stderr, "weftd: home '%s' is accessible by others: "
		    "run 'chmod 700 %s'\n", home, home);
		return 1;
	}
	if (err) {
		fprintf(stderr, "weftd: cannot use home '%s': %s\n", home,
		    weft_strerror(err));
		return 1;
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", home, keys[i]);
		if (lstat(path, &st) != 0 && errno == ENOENT)
			continue;
		err = weft_keyfile_load(path, &kp);
		if (err == 0) {
			weft_key_release(&kp);
			continue;
		}
		if (err == WEFT_EKEYMODE)
			fprintf(stderr, "weftd: key file '%s' is readable by "
			    "other users: run 'chmod 600 %s'\n", path, path);
		else
			fprintf(stderr, "weftd: cannot load key file '%s': "
			    "%s\n", path, weft_strerror(err));
		return 1;
	}
	return 0;
}

/* --check-config's report: one "key = value" per value. */
static void
print_config(const struct weft_config *cfg, const char *home,
    const char *const *peers, size_t npeers)
{
	const struct weft_config_key	*k;
	char				 v[WEFT_CONFIG_PEER_MAX];
	size_t				 n;

	printf("home = %s\n", home);
	printf("network-key-id = %016" PRIX64 "%s\n",
	    weft_key_id(cfg->network_key),
	    cfg->has_network_key ? "" :
	    " (the public network)");
	for (size_t i = 0; i < WEFT_CFG_NKEYS; i++) {
		k = &weft_config_keys[i];
		if (i == WEFT_CFG_NETWORK_KEY)
			continue;
		if (i == WEFT_CFG_PEER) {
			for (size_t j = 0; j < npeers; j++)
				printf("peer = %s\n", peers[j]);
			continue;
		}
		n = weft_config_count(cfg, k);
		if (n == 0 && k->repeat == 1)
			printf("%s = (none)\n", k->name);
		for (size_t j = 0; j < n; j++)
			if (weft_config_format(cfg, k, j, v, sizeof(v)) == 0)
				printf("%s = %s\n", k->name, v);
	}
	printf("configuration OK\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "listen", required_argument, NULL, 'l' },
		{ "web", required_argument, NULL, 'w' },
		{ "peer", required_argument, NULL, 'p' },
		{ "network-key", required_argument, NULL, 'k' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* Static: the config holds kilobytes of peer lines. */
	static struct weft_config	 cfg;
	static const char		*peers[2 * WEFT_CONFIG_PEERS_MAX];
	static const char		*seeds[WEFT_CONFIG_PEERS_MAX];
	static const char		*flag_peers[WEFT_DAEMON_PEERS_MAX];
	struct weft_config_error	 ce;
	struct weft_daemon_opts		 opts;
	struct weft_daemon		 d;
	const char			*home_opt = NULL, *listen = NULL;
	const char			*web = NULL;
	const char			*netkey = NULL, *msg;
	char				 home[PATH_MAX], path[PATH_MAX + 8];
	size_t				 nflag = 0;
	bool				 verbose = false, check = false;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, "hnvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			home_opt = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'w':
			web = optarg;
			break;
		case 'p':
			if (nflag == WEFT_DAEMON_PEERS_MAX) {
				fprintf(stderr, "weftd: at most %d --peer "
				    "options\n", WEFT_DAEMON_PEERS_MAX);
				return 2;
			}
			flag_peers[nflag++] = optarg;
			break;
		case 'k':
			netkey = optarg;
			break;
		case 'n':
			check = true;
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

	/* Defaults, then the file, the environment and the flags. */
	err = weft_home_resolve(home_opt, home, sizeof(home));
	if (err) {
		log_warnc(err, "cannot find the home directory (use --home)");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/" WEFT_CONFIG_FILE, home);
	err = weft_config_load(&cfg, path, &ce);
	if (err == WEFT_EUSAGE || (err == WEFT_ETOOBIG && ce.msg != NULL)) {
		if (ce.line > 0)
			fprintf(stderr, "weftd: %s:%d: %s\n", path, ce.line,
			    ce.msg);
		else
			fprintf(stderr, "weftd: %s: %s\n", path, ce.msg);
		return 1;
	}
	if (err && err != -ENOENT) {
		log_warnc(err, "cannot read '%s'", path);
		return 1;
	}
	rc = apply_env(&cfg);
	if (rc)
		return rc;
	if (netkey != NULL && weft_config_set(&cfg,
	    &weft_config_keys[WEFT_CFG_NETWORK_KEY], netkey, &msg) != 0) {
		fprintf(stderr, "weftd: --network-key: %s\n", msg);
		return 2;
	}
	if (listen != NULL && weft_config_set(&cfg,
	    &weft_config_keys[WEFT_CFG_LISTEN], listen, &msg) != 0) {
		fprintf(stderr, "weftd: --listen '%s': %s\n", listen, msg);
		return 2;
	}
	if (web != NULL && weft_config_set(&cfg,
	    &weft_config_keys[WEFT_CFG_WEB], web, &msg) != 0) {
		fprintf(stderr, "weftd: --web '%s': %s\n", web, msg);
		return 2;
	}
	for (size_t i = 0; i < nflag; i++) {
		if (weft_config_peer_check(flag_peers[i],
		    strlen(flag_peers[i])) != 0) {
			fprintf(stderr, "weftd: --peer '%s': expected "
			    "NODEID@HOST:PORT (64 hex, '@', a host name or "
			    "IP, ':', a port)\n", flag_peers[i]);
			return 2;
		}
	}
	if (check_whole(&cfg, path) != 0)
		return 1;

	memset(&opts, 0, sizeof(opts));
	opts.home = home;
	opts.network_key = cfg.network_key;
	opts.listen = cfg.listen[0] != '\0' ? cfg.listen : NULL;
	for (size_t i = 0; i < cfg.npeers; i++)
		peers[opts.npeers++] = cfg.peers[i];
	for (size_t i = 0; i < nflag; i++)
		peers[opts.npeers++] = flag_peers[i];
	opts.peers = peers;
	for (size_t i = 0; i < cfg.nseeds; i++)
		seeds[opts.nseeds++] = cfg.seeds[i];
	opts.seeds = seeds;
	opts.lan_discovery = cfg.num[WEFT_CFG_LAN_DISCOVERY] != 0;
	opts.web = strcmp(cfg.web, "off") != 0 ? cfg.web : NULL;
	opts.web_assets = web_assets();
	opts.web_password = cfg.web_password[0] != '\0' ?
	    cfg.web_password : NULL;
	opts.web_link_ms = cfg.num[WEFT_CFG_WEB_LINK_MS];
	if (cfg.set[WEFT_CFG_MAP_SIZE])
		opts.map_size = (size_t)cfg.num[WEFT_CFG_MAP_SIZE];
	if (cfg.set[WEFT_CFG_MAX_STORE])
		opts.max_store = cfg.num[WEFT_CFG_MAX_STORE];
	to_limits(&cfg, &opts.net);
	opts.follow = (const uint8_t (*)[32])cfg.follow;
	opts.nfollow = cfg.nfollow;
	opts.mirror = (const uint8_t (*)[32])cfg.mirror;
	opts.nmirror = cfg.nmirror;
	opts.mirror_all = cfg.mirror_all;
	opts.label_action = (const char (*)[WEFT_CONFIG_LABEL_MAX])
	    cfg.label_action;
	opts.nlabel_action = cfg.nlabel_action;
	rc = tuning_env(&opts);
	if (rc)
		return rc;

	if (check) {
		if (sodium_init() < 0)
			fatalx("cannot initialise libsodium");
		if (check_home(home) != 0)
			return 1;
		print_config(&cfg, home, peers, opts.npeers);
		return 0;
	}

	/*
	 * Two malloc arenas are enough for the loop and the pool's jobs;
	 * glibc's default of eight per core keeps freed job buffers mapped
	 * in every arena a pool thread ever touched.
	 */
	mallopt(M_ARENA_MAX, 2);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		fatalx("cannot initialise libsodium");
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
