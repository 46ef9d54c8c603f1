/*
 * struct weft_daemon: everything one weftd instance owns: the loop it runs
 * on, the store, the keys, the control server and its clients. There is no
 * global state, so tests may run several daemons in one process.
 */
#ifndef WEFT_DAEMON_H
#define WEFT_DAEMON_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "seeding.h"
#include "labelact.h"

#include "weft/key.h"

#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "autogc.h"
#include "net.h"

#define WEFT_DAEMON_PATH_MAX	4096
#define WEFT_DAEMON_PEERS_MAX	64	/* --peer options */

struct weft_store;
struct weft_sync;
struct weft_fetch;
struct weft_lan;
struct weft_space;
struct weft_web;

struct weft_daemon_opts {
	const char	*home;		/* resolved, absolute */
	const char	*listen;	/* HOST:PORT, may be NULL */
	size_t		 map_size;	/* 0 = store default */
	/* 32 bytes, NULL = the public network's (main.c reads config). */
	const uint8_t	*network_key;
	const char	*const *peers;	/* NODEID@HOST:PORT to keep dialled */
	size_t		 npeers;
	/* NODEID@HOST:PORT to bootstrap from (config "seed ="). */
	const char	*const *seeds;
	size_t		 nseeds;
	bool		 lan_discovery;	/* announce and listen on the LAN */
	const struct weft_clock *clock;	/* copied; NULL: the system's */
	/* Tuning for tests (0 or NULL: the defaults). */
	uint16_t	 lan_port;	/* UDP port of LAN discovery */
	uint64_t	 lan_interval_ms;	/* between announcements */
	uint64_t	 sync_reconcile_ms;	/* between reconciliations */
	uint64_t	 receipt_ttl_ms;	/* seed receipts live this long */
	uint64_t	 receipt_sweep_ms;	/* and are signed this often */
	const char	*sync_interests;	/* weft_sync_opts_interests() */
	uint64_t	 store_reserve;	/* bytes kept free on the disk */
	uint64_t	 gc_grace_ms;	/* pending chunks spared; 0: 1 h */
	uint64_t	 gc_interval_ms;	/* automatic gc; 0: 1 h */
	uint64_t	 use_step_ms;	/* last use written; 0: 1 min */
	bool		 store_reserve_set;
	bool		 pack_buffered;	/* no O_DIRECT for packs (tests) */
	uint64_t	 max_store;	/* chunk bytes at most; 0: none */
	struct weft_net_limits net;	/* weft_net_limits_default() */
	/* Policies the config file asks for, turned on at every start. */
	const uint8_t	(*follow)[32];	/* authors */
	size_t		 nfollow;
	const uint8_t	(*mirror)[32];	/* libraries */
	size_t		 nmirror;
	bool		 mirror_all;
	/* label-action lines of the config: "LABEL:ACTION" (checked). */
	const char	(*label_action)[WEFT_CONFIG_LABEL_MAX];
	size_t		 nlabel_action;
	/* The web UI: IP:PORT, or NULL for none; files of the 3D view. */
	const char	*web;
	const char	*web_assets;	/* a directory, or NULL */
	const char	*web_password;	/* crypto_pwhash_str(), or NULL */
	uint64_t	 web_link_ms;	/* a slicer link's life; 0: default */
};

struct weft_daemon {
	uv_loop_t		*loop;
	struct weft_store	*store;
	struct weft_keypair	 author;
	struct weft_keypair	 node;
	char			 home[WEFT_DAEMON_PATH_MAX];
	char			 sock_path[WEFT_DAEMON_PATH_MAX];
	int			 lock_fd;
	struct weft_ctl		 ctl;		/* the control socket */
	struct weft_ctl_env	 ctl_env;	/* what ctl is lent */
	uv_signal_t		 sigint;
	uv_signal_t		 sigterm;
	struct weft_clock	 clock;		/* times that leave the process */
	uint64_t		 started_ms;
	uint64_t		 gc_grace_ms;	/* gc spares younger pending */
	bool			 stopping;
	uint8_t			 network_key[32];
	struct weft_net		*net;		/* NULL once stopped */
	struct weft_net_port	 net_port;	/* sync's and fetch's way in */
	struct weft_sync	*sync;		/* replication, freed last */
	struct weft_fetch	*fetch;		/* file transfer, or NULL */
	struct weft_lan		*lan;		/* LAN discovery, or NULL */
	struct weft_space	*space;		/* the store's disk (space.h) */
	struct weft_web		*web;		/* the web UI, or NULL */
	char			 web_addr[64];	/* its address, or "" */
	struct weft_autogc	 autogc;	/* the automatic gc */
	struct weft_seeding	 seeding;	/* seed receipts we sign */
	struct weft_labelact	 labelact;	/* labels that block */
};

/*
 * Prepares the home (0700, keys 0600 created on first start), takes the
 * home's lock (a second weftd on the same home fails with WEFT_EBUSY),
 * opens the store and starts serving the control socket on loop.
 * On failure everything opened so far is closed again.
 */
int	weft_daemon_open(struct weft_daemon *d, uv_loop_t *loop,
	    const struct weft_daemon_opts *opts);
/* Starts a clean shutdown: stops accepting, closes clients and signals. */
void	weft_daemon_stop(struct weft_daemon *d);
/* Releases what open acquired; call after the loop has run dry. */
void	weft_daemon_close(struct weft_daemon *d);

/* Milliseconds since the epoch, from the daemon's clock (clock.h). */
uint64_t weft_daemon_now_ms(const struct weft_daemon *d);

#endif
