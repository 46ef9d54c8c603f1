/*
 * weft status: the daemon's version, ids, home and store counters
 * (control op "status").
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"

static const char usage[] = "weft status";

/* The counters of "missing", as weft status names them. */
static void
each_missing(const struct weft_ctlmsg_missing *m,
    void (*cb)(void *, const char *, uint64_t), void *arg)
{
	cb(arg, "records", m->records);
	cb(arg, "files", m->files);
	cb(arg, "designs", m->designs);
	cb(arg, "bytes", m->bytes);
}

static json_t *
str_json(struct weft_ctlmsg_str s)
{
	return s.s != NULL ? out_json_str(s.s, s.n) : json_null();
}

static void
uint_json(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* The network fields (address, listen, network key id, peer counts). */
static void
net_json(json_t *j, const struct weft_ctlmsg_status *st)
{
	json_t	*arr;

	json_object_set_new(j, "address", str_json(st->address));
	json_object_set_new(j, "listen", str_json(st->listen));
	json_object_set_new(j, "network_key_id", str_json(st->network_key_id));
	/* The web UI's address, null when it is off. */
	if (st->has_web)
		json_object_set_new(j, "web", str_json(st->web));
	else
		json_object_set_new(j, "web", json_null());
	uint_json(j, "peers", st->peers);
	uint_json(j, "conns_in", st->conns_in);
	uint_json(j, "conns_out", st->conns_out);
	uint_json(j, "netkey_mismatch", st->netkey_mismatch);
	/* Where others can dial this node: NODEID@IP:PORT each. */
	if ((arr = json_array()) == NULL)
		return;
	for (uint32_t i = 0; i < st->naddresses; i++)
		json_array_append_new(arr, str_json(st->addresses[i]));
	json_object_set_new(j, "addresses", arr);
}

/* Replication's counters. */
static void
sync_json(json_t *j, const struct weft_ctlmsg_sync *sy)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return;
	uint_json(o, "peers", sy->peers);
	uint_json(o, "stored", sy->stored);
	uint_json(o, "dups", sy->dups);
	uint_json(o, "rejected", sy->rejected);
	if (sy->has_blocked)
		uint_json(o, "blocked", sy->blocked);
	uint_json(o, "held", sy->held);
	uint_json(o, "queued", sy->queued);
	uint_json(o, "rounds", sy->rounds);
	uint_json(o, "msgs_in", sy->msgs_in);
	uint_json(o, "msgs_out", sy->msgs_out);
	uint_json(o, "bytes_in", sy->bytes_in);
	uint_json(o, "bytes_out", sy->bytes_out);
	json_object_set_new(j, "sync", o);
}

/* LAN discovery: "on" and, while on, its counters. */
static void
lan_json(json_t *j, const struct weft_ctlmsg_lan *lan)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return;
	json_object_set_new(o, "on", json_boolean(lan->on));
	if (lan->on) {
		uint_json(o, "port", lan->port);
		uint_json(o, "nodes", lan->nodes);
		uint_json(o, "received", lan->received);
		uint_json(o, "rejected", lan->rejected);
		uint_json(o, "opened4", lan->opened4);
		uint_json(o, "opened6", lan->opened6);
		uint_json(o, "accepted", lan->accepted);
		uint_json(o, "sent", lan->sent);
	}
	json_object_set_new(j, "lan", o);
}

static void
lan_human(const struct weft_ctlmsg_lan *lan)
{
	printf("lan          %s", lan->on ? "on" : "off");
	if (lan->on) {
		printf(", %" PRIu64 " node%s heard", lan->nodes,
		    lan->nodes == 1 ? "" : "s");
		printf(" (UDP port %" PRIu64 ")", lan->port);
	}
	putchar('\n');
}

/* The store's disk and file transfer: "disk" and "files". */
static void
disk_json(json_t *j, const struct weft_ctlmsg_status *st)
{
	json_t	*o;

	if ((o = json_object()) != NULL) {
		json_object_set_new(o, "paused",
		    json_boolean(st->disk.paused));
		json_object_set_new(o, "error", str_json(st->disk.error));
		uint_json(o, "free", st->disk.free);
		uint_json(o, "reserve", st->disk.reserve);
		uint_json(o, "failures", st->disk.failures);
		if (st->disk.has_max_store) {
			uint_json(o, "max_store", st->disk.max_store);
			json_object_set_new(o, "at_max",
			    json_boolean(st->disk.at_max));
			uint_json(o, "store_bytes", st->disk.store_bytes);
		}
		json_object_set_new(j, "disk", o);
	}
	if ((o = json_object()) != NULL) {
		uint_json(o, "received", st->files.received);
		uint_json(o, "stored", st->files.stored);
		uint_json(o, "served", st->files.served);
		json_object_set_new(j, "files", o);
	}
}

/* "store full: 3.1 MB free, fetching paused", only while paused. */
static void
disk_human(const struct weft_ctlmsg_disk *disk)
{
	if (disk->has_max_store && disk->at_max)
		printf("disk         store at max-store (%.1f MB of %.1f MB): "
		    "only kept files remain; raise max-store or unwant "
		    "something\n", (double)disk->store_bytes / 1e6,
		    (double)disk->max_store / 1e6);
	if (!disk->paused)
		return;
	printf("disk         store full: %.1f MB free, fetching paused",
	    (double)disk->free / 1e6);
	if (disk->error.s != NULL) {
		printf(" (");
		out_text(stdout, disk->error.s, disk->error.n, true);
		putchar(')');
	}
	putchar('\n');
}

static void
net_human(const struct weft_ctlmsg_status *st)
{
	const struct weft_ctlmsg_sync	*sy = &st->sync;

	/* One line per address others can dial (not 0.0.0.0). */
	for (uint32_t i = 0; i < st->naddresses; i++) {
		printf("%saddress      ", i > 0 ? "\n" : "");
		out_text(stdout, st->addresses[i].s, st->addresses[i].n, true);
	}
	if (st->naddresses == 0) {
		printf("address      ");
		if (st->address.s != NULL)
			out_text(stdout, st->address.s, st->address.n, true);
		else
			printf("(not listening)");
	}
	printf("\nnetwork key  ");
	out_text(stdout, st->network_key_id.s, st->network_key_id.n, true);
	if (st->has_web) {
		printf("\nweb          http://");
		out_text(stdout, st->web.s, st->web.n, true);
		putchar('/');
	}
	printf("\npeers        %" PRIu64, st->peers);
	if (st->netkey_mismatch)
		printf("\nunreachable  %" PRIu64 " dialled node%s: network key "
		    "mismatch (or not a weft node); see 'weft peers'",
		    st->netkey_mismatch, st->netkey_mismatch == 1 ? "" : "s");
	printf("\nsync         %" PRIu64 " peers", sy->peers);
	printf(", %" PRIu64 " records received", sy->stored);
	printf(", %" PRIu64 " held", sy->held);
	if (sy->rejected)
		printf(", %" PRIu64 " rejected", sy->rejected);
	putchar('\n');
}

static void
missing_json_cb(void *arg, const char *k, uint64_t v)
{
	uint_json(arg, k, v);
}

static void
missing_human_cb(void *arg, const char *k, uint64_t v)
{
	bool	*any = arg;

	printf("%s%s", *any ? ", " : "missing      ", k);
	*any = true;
	if (strcmp(k, "bytes") == 0)
		printf(" %.1f MB", (double)v / 1e6);
	else
		printf(" %" PRIu64, v);
}

static int
print_json(const struct weft_ctlmsg_status *st)
{
	json_t	*j, *m;

	j = json_object();
	if (j == NULL)
		return -ENOMEM;
	json_object_set_new(j, "version", str_json(st->version));
	json_object_set_new(j, "home", str_json(st->home));
	json_object_set_new(j, "author", out_json_id(st->author));
	json_object_set_new(j, "node", out_json_id(st->node));
	uint_json(j, "records", st->records);
	uint_json(j, "designs", st->designs);
	uint_json(j, "libs", st->libs);
	uint_json(j, "chunks", st->chunks);
	uint_json(j, "chunk_bytes", st->chunk_bytes);
	uint_json(j, "map_size", st->map_size);
	uint_json(j, "map_used", st->map_used);
	uint_json(j, "uptime_ms", st->uptime_ms);
	if (st->has_reclaimable)
		uint_json(j, "reclaimable", st->reclaimable);
	else
		json_object_set_new(j, "reclaimable", json_null());
	net_json(j, st);
	sync_json(j, &st->sync);
	lan_json(j, &st->lan);
	disk_json(j, st);
	m = json_object();
	if (m != NULL) {
		each_missing(&st->missing, missing_json_cb, m);
		json_object_set_new(j, "missing", m);
	}
	return out_json_print(j);
}

static void
print_human(const struct weft_ctlmsg_status *st)
{
	char		 hex[65];
	uint64_t	 up = st->uptime_ms / 1000;
	bool		 any = false;

	printf("version      ");
	out_text(stdout, st->version.s, st->version.n, true);
	printf("\nhome         ");
	out_text(stdout, st->home.s, st->home.n, true);
	out_hex(hex, st->author);
	printf("\nauthor       %s\n", hex);
	out_hex(hex, st->node);
	printf("node         %s\n", hex);
	net_human(st);
	lan_human(&st->lan);
	printf("records      %" PRIu64 "\n", st->records);
	printf("designs      %" PRIu64 "\n", st->designs);
	printf("libraries    %" PRIu64 "\n", st->libs);
	printf("chunks       %" PRIu64 " (%.1f MB)\n", st->chunks,
	    (double)st->chunk_bytes / 1e6);
	printf("store        %.1f MB used of %.1f MB\n",
	    (double)st->map_used / 1e6, (double)st->map_size / 1e6);
	/* Known once a gc has run ("weft gc --dry-run" counts it). */
	if (st->has_reclaimable)
		printf("reclaimable  %.1f MB (weft gc frees it)\n",
		    (double)st->reclaimable / 1e6);
	disk_human(&st->disk);
	each_missing(&st->missing, missing_human_cb, &any);
	putchar('\n');
	printf("uptime       %" PRIu64 "d %02" PRIu64 ":%02" PRIu64 ":%02"
	    PRIu64 "\n", up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
}

int
cmd_status(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_buf			 req;
	struct weft_pack		 pk;
	const struct weft_obj		*r;
	struct weft_ctlmsg_status	 st;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	weft_buf_init(&req, 64);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_STATUS, 0);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot get status");
		goto out;
	}
	err = weft_ctlmsg_status_decode(r, &st);
	if (err) {
		rc = weft__fail(err, NULL, "malformed status reply");
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json)
		print_json(&st);
	else if (!cli->quiet)
		print_human(&st);
out:
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}
