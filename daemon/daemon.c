/*
 * Startup and shutdown of one weftd instance. Order matters: the home is
 * created and checked first, then the lock is taken (so a second weftd on
 * the same home stops before touching anything), then keys, the store and
 * last the control socket, so a client that can connect finds a complete
 * daemon; then the service manager is told it is ready (notify.c).
 * Shutdown runs in reverse from a signal handler or the "stop" control
 * op, on the loop.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/key.h"

#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "home.h"
#include "keyfile.h"
#include "lan.h"
#include "log.h"
#include "net.h"
#include "notify.h"
#include "store.h"
#include "fetch.h"
#include "seeding.h"
#include "space.h"
#include "sync.h"
#include "web.h"

static int
path_join(char *out, size_t outsz, const char *dir, const char *name)
{
	int	n;

	n = snprintf(out, outsz, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= outsz)
		return -ENAMETOOLONG;
	return 0;
}

/* One weftd per home: an exclusive flock on home/weftd.lock. */
static int
take_lock(struct weft_daemon *d)
{
	char	path[WEFT_DAEMON_PATH_MAX];
	int	fd, err;

	err = path_join(path, sizeof(path), d->home, "weftd.lock");
	if (err)
		return err;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		err = -errno;
		log_warnc(err, "cannot open lock file '%s'", path);
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		err = errno == EWOULDBLOCK ? WEFT_EBUSY : -errno;
		close(fd);
		if (err == WEFT_EBUSY)
			log_warnx("another weftd is already running on home "
			    "'%s'", d->home);
		else
			log_warnc(err, "cannot lock '%s'", path);
		return err;
	}
	d->lock_fd = fd;
	return 0;
}

static int
load_key(struct weft_daemon *d, const char *name, const char *comment,
    struct weft_keypair *kp)
{
	char	path[WEFT_DAEMON_PATH_MAX];
	bool	created = false;
	int	err;

	err = path_join(path, sizeof(path), d->home, name);
	if (err)
		return err;
	err = weft_keyfile_ensure(path, kp, comment, &created);
	if (err == WEFT_EKEYMODE) {
		log_warnx("key file '%s' is readable by other users: "
		    "run 'chmod 600 %s'", path, path);
		return err;
	}
	if (err) {
		log_warnc(err, "cannot load key file '%s'", path);
		return err;
	}
	log_info("%s %s key %016" PRIX64, created ? "created" : "loaded",
	    comment, weft_key_id(kp->pk));
	return 0;
}

/* The seeds of opts (config "seed =", or an invite's). */
static int
start_seeds(struct weft_daemon *d, const struct weft_daemon_opts *opts)
{
	const char	*const *seeds = opts->seeds;
	size_t		 n = opts->nseeds;
	int		 err;

	for (size_t i = 0; i < n; i++) {
		err = weft_net_seed(d->net, seeds[i]);
		if (err) {
			log_warnc(err, "cannot use seed '%s' (expected "
			    "NODEID@HOST:PORT)", seeds[i]);
			return err;
		}
	}
	return 0;
}

/*
 * The network: main.c turned flags, environment and the config file into
 * opts (network key, listen address, peers, seeds, limits).
 */
static int
start_net(struct weft_daemon *d, const struct weft_daemon_opts *opts)
{
	struct weft_config	def;
	int			err;

	if (opts->network_key != NULL) {
		memcpy(d->network_key, opts->network_key,
		    sizeof(d->network_key));
	} else {
		weft_config_init(&def);
		memcpy(d->network_key, def.network_key,
		    sizeof(d->network_key));
	}
	err = weft_net_start(&d->net, d->loop, d->network_key, &d->node,
	    opts->listen, &opts->net);
	if (err)
		return err;
	d->net_port.net = d->net;
	weft_net_set_clock(d->net, &d->clock);
	weft_net_set_sync(d->net, d->sync);
	weft_net_set_fetch(d->net, d->fetch);
	log_info("network key %016" PRIX64, weft_key_id(d->network_key));
	for (size_t i = 0; i < opts->npeers; i++) {
		err = weft_net_connect_from(d->net, opts->peers[i],
		    WEFT_ADDR_CONFIG);
		if (err) {
			log_warnc(err, "cannot use peer '%s' (expected "
			    "NODEID@HOST:PORT)", opts->peers[i]);
			return err;
		}
	}
	err = start_seeds(d, opts);
	if (err)
		return err;
	/* The peers of earlier runs, dialled at once; not fatal. */
	(void)weft_net_set_store(d->net, d->store);
	return 0;
}

/*
 * The web UI is a convenience too: a node whose port range is taken runs
 * without it, and says so.
 */
static void
start_web(struct weft_daemon *d, const struct weft_daemon_opts *opts)
{
	struct weft_web_env	env;
	int			err;

	memset(&env, 0, sizeof(env));
	env.loop = d->loop;
	env.store = d->store;
	env.net = d->net;
	env.fetch = d->fetch;
	env.sync = d->sync;
	env.node = d->node.pk;
	env.author = d->author.pk;
	env.started_ms = uv_now(d->loop);
	env.assets = opts->web_assets;
	env.password = opts->web_password;
	env.link_ms = opts->web_link_ms;
	env.ctl = &d->ctl_env;
	err = weft_web_start(&d->web, &env, opts->web);
	if (err) {
		log_warnc(err, "the web UI is off");
		return;
	}
	snprintf(d->web_addr, sizeof(d->web_addr), "%s",
	    weft_web_address(d->web));
}

/*
 * LAN discovery is a convenience: a node that cannot bind its UDP port
 * still runs, without it.
 */
static void
start_lan(struct weft_daemon *d, const struct weft_daemon_opts *opts)
{
	int	err;

	err = weft_lan_start(&d->lan, d->loop, d->net, &d->node,
	    d->network_key, opts->lan_port, opts->lan_interval_ms);
	if (err)
		log_warnc(err, "LAN discovery is off");
}

/*
 * The policies the config file names are turned on at every start (and
 * stay on in the store; removing the line does not turn them off).
 */
static int
apply_policies(struct weft_daemon *d, const struct weft_daemon_opts *opts)
{
	int	err = 0;

	for (size_t i = 0; err == 0 && i < opts->nfollow; i++)
		err = weft_store_policy_set(d->store, WEFT_STORE_FOLLOW,
		    opts->follow[i], true);
	for (size_t i = 0; err == 0 && i < opts->nmirror; i++)
		err = weft_store_policy_set(d->store, WEFT_STORE_MIRROR,
		    opts->mirror[i], true);
	if (err == 0 && opts->mirror_all)
		err = weft_store_policy_set(d->store, WEFT_STORE_MIRROR_ALL,
		    NULL, true);
	if (err)
		log_warnc(err, "cannot apply the config file's follow and "
		    "mirror lines");
	return err;
}

/* The config's label-action lines, over the defaults (docs/moderation.md). */
static int
apply_label_actions(struct weft_daemon *d,
    const struct weft_daemon_opts *opts)
{
	size_t	n;
	int	act, err = 0;

	for (size_t i = 0; err == 0 && i < opts->nlabel_action; i++) {
		act = weft_config_label_action(opts->label_action[i], &n);
		err = act < 0 ? WEFT_EUSAGE : weft_store_label_action_set(
		    d->store, opts->label_action[i], n, act);
	}
	if (err) {
		log_warnc(err, "cannot apply the config file's label-action "
		    "lines");
		return err;
	}
	/* Labels stored under another policy are acted on again. */
	err = weft_store_label_policy_apply(d->store, &n);
	if (err)
		log_warnc(err, "cannot act on the label policy");
	else if (n > 0)
		log_info("moderation: the label policy changed: %zu labels "
		    "to act on again", n);
	return err;
}

/* The "stop" control op: as SIGTERM. */
static void
ctl_stop_cb(void *arg)
{
	weft_daemon_stop(arg);
}

/*
 * What the control plane is lent: the store, replication, keys, and the
 * net through its control calls (netstats.h); net and lan are cleared
 * when they stop, before the control plane's last clients are gone.
 */
static void
ctl_env_fill(struct weft_daemon *d)
{
	struct weft_ctl_env	*e = &d->ctl_env;

	memset(e, 0, sizeof(*e));
	e->loop = d->loop;
	e->store = d->store;
	e->sync = d->sync;
	e->fetch = d->fetch;
	e->space = d->space;
	e->clock = &d->clock;
	e->author = &d->author;
	e->node = d->node.pk;
	e->network_key = d->network_key;
	e->home = d->home;
	e->sock_path = d->sock_path;
	e->started_ms = d->started_ms;
	e->net.net = d->net;
	e->net.stats = weft_net_stats;
	e->net.peers = weft_net_peers_each;
	e->net.known = weft_net_known_each;
	e->net.resolve = weft_net_node_resolve;
	e->net.connect = weft_net_connect;
	e->net.disconnect = weft_net_disconnect;
	e->net.forget = weft_net_forget;
	e->net.push = weft_net_push;
	e->net.lan = d->lan;
	e->net.lan_stats = weft_lan_stats;
	e->web = d->web_addr;
	e->gc_grace_ms = d->gc_grace_ms;
	e->stop = ctl_stop_cb;
	e->stop_arg = d;
}

/*
 * max-store (space.h): the store reached it; evict what nothing keeps,
 * least recently used first (weft_autogc_set_evict()).
 */
static void
max_store_gc(void *arg)
{
	struct weft_daemon	*d = arg;

	if (d->autogc.loop == NULL) {
		weft_space_gc_done(d->space, weft_daemon_now_ms(d));
		return;
	}
	weft_autogc_now(&d->autogc);
}

static void
max_store_gc_done(void *arg)
{
	struct weft_daemon	*d = arg;

	weft_space_gc_done(d->space, weft_daemon_now_ms(d));
}

/* Chunk bytes without O_DIRECT are no fault: a debug line says so. */
static void
pack_direct_log(struct weft_store *s, const char *dir)
{
	int	rc = weft_store_pack_direct(s);

	if (rc == WEFT_EUSAGE)
		log_debug("store '%s': packs written buffered "
		    "(WEFT_PACK_BUFFERED)", dir);
	else if (rc < 0)
		log_debug("store '%s': packs written buffered, O_DIRECT "
		    "refused: %s", dir, weft_strerror(rc));
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	struct weft_daemon	*d = s->data;

	log_info("received signal %d, shutting down", signum);
	weft_daemon_stop(d);
}

int
weft_daemon_open(struct weft_daemon *d, uv_loop_t *loop,
    const struct weft_daemon_opts *opts)
{
	struct weft_store_opts	 so;
	struct weft_sync_io	 sio;
	struct weft_fetch_io	 fio;
	struct weft_sync_opts	 syo;
	struct weft_space_opts	 spo;
	char			 dir[WEFT_DAEMON_PATH_MAX];
	struct stat		 st;
	char			 why[WEFT_HOME_MAX + 128];
	int			 err;

	memset(d, 0, sizeof(*d));
	d->loop = loop;
	d->lock_fd = -1;
	if (opts->clock != NULL)
		d->clock = *opts->clock;
	else
		weft_clock_init(&d->clock);
	d->started_ms = weft_daemon_now_ms(d);
	if (strlen(opts->home) >= sizeof(d->home))
		return -ENAMETOOLONG;
	snprintf(d->home, sizeof(d->home), "%s", opts->home);

	err = weft_home_create(d->home);
	if (err == WEFT_EHOMEMODE && weft_home_check_st(d->home, &st) ==
	    WEFT_EHOMEMODE) {
		weft_home_why(d->home, &st, why, sizeof(why));
		log_warnx("cannot use home: %s", why);
		return err;
	}
	if (err) {
		log_warnc(err, "cannot use home '%s'", d->home);
		return err;
	}
	err = take_lock(d);
	if (err)
		return err;
	err = load_key(d, "author.key", "author", &d->author);
	if (err)
		goto fail;
	err = load_key(d, "node.key", "node", &d->node);
	if (err)
		goto fail;

	err = path_join(dir, sizeof(dir), d->home, "store");
	if (err)
		goto fail;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		err = -errno;
		log_warnc(err, "cannot create '%s'", dir);
		goto fail;
	}
	memset(&so, 0, sizeof(so));
	so.map_size = opts->map_size;
	so.clock = &d->clock;
	so.use_step_ms = opts->use_step_ms;
	so.pack_buffered = opts->pack_buffered;
	err = weft_store_open(&d->store, dir, &so);
	if (err) {
		log_warnc(err, "cannot open store '%s'", dir);
		goto fail;
	}
	pack_direct_log(d->store, dir);
	err = apply_label_actions(d, opts);
	if (err == 0)
		err = apply_policies(d, opts);
	if (err)
		goto fail;

	/*
	 * The disk's gate for fetching and ingest (space.h); tests on small
	 * disks lower the reserve (WEFT_STORE_RESERVE, read by main.c).
	 */
	weft_space_opts_default(&spo);
	if (opts->store_reserve_set)
		spo.reserve = opts->store_reserve;
	err = weft_space_new(&d->space, d->store, &spo);
	if (err) {
		log_warnc(err, "cannot watch the store's disk");
		goto fail;
	}
	/* max-store: at the cap, the gate asks the automatic gc to run. */
	weft_space_set_max_store(d->space, opts->max_store);
	weft_space_set_gc(d->space, max_store_gc, d);

	/* Replication talks through the net, which finds it at d->sync. */
	d->net_port.loop = d->loop;
	weft_net_sync_io(&d->net_port, &sio);
	err = weft_sync_new(&d->sync, d->store, &sio);
	if (err) {
		log_warnc(err, "cannot set up replication");
		goto fail;
	}
	weft_sync_opts_default(&syo);
	if (opts->sync_reconcile_ms != 0)
		syo.reconcile_ms = opts->sync_reconcile_ms;
	/* Tests narrow our interests (sync.h, weft_sync_opts_interests). */
	if (opts->sync_interests != NULL &&
	    weft_sync_opts_interests(&syo, opts->sync_interests) != 0)
		log_warnx("WEFT_SYNC_INTERESTS is not a list of interests, "
		    "ignored");
	if (weft_sync_configure(d->sync, &syo) != 0)
		log_warnx("WEFT_SYNC_RECONCILE_MS out of range, ignored");

	/* File transfer too; it shares sync's timer in the net. */
	weft_net_fetch_io(&d->net_port, &fio);
	err = weft_fetch_new(&d->fetch, d->store, &fio, NULL);
	if (err) {
		log_warnc(err, "cannot set up file transfer");
		goto fail;
	}
	weft_fetch_set_space(d->fetch, d->space);
	weft_sync_set_space(d->sync, d->space);

	err = start_net(d, opts);
	if (err)
		goto fail;
	err = weft_seeding_start(&d->seeding, d->loop, d->store, d->sync,
	    &d->node, &d->clock, opts->receipt_ttl_ms,
	    opts->receipt_sweep_ms);
	if (err) {
		log_warnc(err, "cannot start signing seed receipts");
		goto fail;
	}
	if (opts->lan_discovery)
		start_lan(d, opts);

	err = path_join(d->sock_path, sizeof(d->sock_path), d->home,
	    WEFT_CTL_SOCK);
	if (err)
		goto fail;
	d->gc_grace_ms = opts->gc_grace_ms != 0 ? opts->gc_grace_ms :
	    WEFT_STORE_GC_GRACE_MS;
	ctl_env_fill(d);
	err = weft_ctl_start(&d->ctl, &d->ctl_env);
	if (err)
		goto fail;
	if (opts->web != NULL)
		start_web(d, opts);
	weft_autogc_start(&d->autogc, loop, d->store, d->author.pk,
	    opts->gc_interval_ms != 0 ? opts->gc_interval_ms :
	    WEFT_AUTOGC_INTERVAL_MS, d->gc_grace_ms);
	weft_autogc_on_done(&d->autogc, max_store_gc_done, d);
	err = weft_labelact_start(&d->labelact, loop, d->store, d->sync,
	    d->author.pk, d->gc_grace_ms, 0);
	if (err) {
		log_warnc(err, "cannot start acting on moderators' labels");
		goto fail;
	}
	/* Down to the gate's low mark (space.h), least recently used first. */
	if (opts->max_store != 0)
		weft_autogc_set_evict(&d->autogc, opts->max_store -
		    opts->max_store / 16);

	uv_signal_init(loop, &d->sigint);
	uv_signal_init(loop, &d->sigterm);
	d->sigint.data = d;
	d->sigterm.data = d;
	uv_signal_start(&d->sigint, signal_cb, SIGINT);
	uv_signal_start(&d->sigterm, signal_cb, SIGTERM);
	log_info("serving '%s'", d->sock_path);
	/* Type=notify: the socket and the listener are up. */
	err = weft_notify("READY=1\nSTATUS=serving");
	if (err)
		log_warnc(err, "cannot notify the service manager");
	return 0;
fail:
	weft_daemon_stop(d);
	weft_daemon_close(d);
	return err;
}

void
weft_daemon_stop(struct weft_daemon *d)
{
	int	err;

	if (d->stopping)
		return;
	d->stopping = true;
	err = weft_notify("STOPPING=1");
	if (err)
		log_warnc(err, "cannot notify the service manager");
	weft_ctl_stop(&d->ctl);
	weft_autogc_stop(&d->autogc);
	weft_seeding_stop(&d->seeding);
	weft_labelact_stop(&d->labelact);
	weft_web_stop(d->web);
	d->web = NULL;
	d->web_addr[0] = '\0';
	/* The LAN dials through the net: it goes first. */
	weft_lan_stop(d->lan);
	d->lan = NULL;
	d->ctl_env.net.lan = NULL;
	d->net_port.net = NULL;
	d->ctl_env.net.net = NULL;
	weft_net_stop(d->net);
	d->net = NULL;
	if (uv_is_active((uv_handle_t *)&d->sigint) ||
	    d->sigint.loop != NULL) {
		uv_close((uv_handle_t *)&d->sigint, NULL);
		uv_close((uv_handle_t *)&d->sigterm, NULL);
	}
}

void
weft_daemon_close(struct weft_daemon *d)
{
	/* The loop ran dry: no sync job or sweep is in flight. */
	weft_seeding_close(&d->seeding);
	weft_sync_free(d->sync);
	d->sync = NULL;
	weft_fetch_free(d->fetch);
	d->fetch = NULL;
	weft_space_free(d->space);
	d->space = NULL;
	weft_store_close(d->store);
	d->store = NULL;
	weft_key_release(&d->author);
	weft_key_release(&d->node);
	if (d->lock_fd != -1)
		close(d->lock_fd);
	d->lock_fd = -1;
}

uint64_t
weft_daemon_now_ms(const struct weft_daemon *d)
{
	return weft_clock_now_ms(&d->clock);
}
