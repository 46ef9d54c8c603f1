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
#include "weft/err.h"
#include "weft/pack.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"

static const char usage[] = "weft status";

static const char *const counters[] = {
	"records", "designs", "libs", "chunks", "chunk_bytes", "map_size",
	"map_used", "uptime_ms",
};
#define NCOUNTERS	(sizeof(counters) / sizeof(counters[0]))

/* The network fields (address, listen, network key id, peer counts). */
static const char *const net_strs[] = { "address", "listen",
    "network_key_id", "web" };
static const char *const net_uints[] = { "peers", "conns_in", "conns_out",
    "netkey_mismatch" };

/* Where others can dial this node: "addresses", NODEID@IP:PORT each. */
static void
addresses_json(json_t *j, const struct weft_obj *r)
{
	const struct weft_obj	*a = weft_obj_get(r, "addresses");
	const char		*s;
	size_t			 n;
	json_t			*arr;

	if (weft_obj_type(a) != WEFT_OBJ_ARRAY || (arr = json_array()) == NULL)
		return;
	for (uint32_t i = 0; i < weft_obj_len(a); i++)
		if (weft_obj_str(weft_obj_at(a, i), &s, &n) == 0)
			json_array_append_new(arr, out_json_str(s, n));
	json_object_set_new(j, "addresses", arr);
}

static void
net_json(json_t *j, const struct weft_obj *r)
{
	const char	*s;
	size_t		 n;
	uint64_t	 v;

	for (size_t i = 0; i < sizeof(net_strs) / sizeof(net_strs[0]); i++) {
		if (weft_obj_str(weft_obj_get(r, net_strs[i]), &s, &n) == 0)
			json_object_set_new(j, net_strs[i], out_json_str(s, n));
		else
			json_object_set_new(j, net_strs[i], json_null());
	}
	for (size_t i = 0; i < 4; i++)
		if (weft_obj_uint(weft_obj_get(r, net_uints[i]), &v) == 0)
			json_object_set_new(j, net_uints[i],
			    json_integer((json_int_t)v));
	addresses_json(j, r);
}

/* Replication's counters, a "sync" map of uints, copied as they come. */
static void
sync_json(json_t *j, const struct weft_obj *r)
{
	const struct weft_obj	*m = weft_obj_get(r, "sync");
	const char		*k;
	char			 key[64];
	size_t			 n;
	uint64_t		 v;
	json_t			*o;

	if (weft_obj_len(m) == 0 || (o = json_object()) == NULL)
		return;
	for (uint32_t i = 0; i < weft_obj_len(m); i++)
		if (weft_obj_str(weft_obj_key_at(m, i), &k, &n) == 0 &&
		    n < sizeof(key) &&
		    weft_obj_uint(weft_obj_val_at(m, i), &v) == 0) {
			snprintf(key, sizeof(key), "%.*s", (int)n, k);
			json_object_set_new(o, key, json_integer((json_int_t)v));
		}
	json_object_set_new(j, "sync", o);
}

/*
 * LAN discovery: a "lan" map with "on" and, while on, uint counters,
 * copied as they come (absent from older daemons: no key).
 */
static void
lan_json(json_t *j, const struct weft_obj *r)
{
	const struct weft_obj	*m = weft_obj_get(r, "lan");
	const char		*k;
	char			 key[64];
	size_t			 n;
	uint64_t		 v;
	bool			 on;
	json_t			*o;

	if (weft_obj_bool(weft_obj_get(m, "on"), &on) != 0 ||
	    (o = json_object()) == NULL)
		return;
	json_object_set_new(o, "on", json_boolean(on));
	for (uint32_t i = 0; i < weft_obj_len(m); i++)
		if (weft_obj_str(weft_obj_key_at(m, i), &k, &n) == 0 &&
		    n < sizeof(key) &&
		    weft_obj_uint(weft_obj_val_at(m, i), &v) == 0) {
			snprintf(key, sizeof(key), "%.*s", (int)n, k);
			json_object_set_new(o, key, json_integer((json_int_t)v));
		}
	json_object_set_new(j, "lan", o);
}

static void
lan_human(const struct weft_obj *r)
{
	const struct weft_obj	*m = weft_obj_get(r, "lan");
	uint64_t		 v;
	bool			 on;

	if (weft_obj_bool(weft_obj_get(m, "on"), &on) != 0)
		return;
	printf("lan          %s", on ? "on" : "off");
	if (on && weft_obj_uint(weft_obj_get(m, "nodes"), &v) == 0)
		printf(", %" PRIu64 " node%s heard", v, v == 1 ? "" : "s");
	if (on && weft_obj_uint(weft_obj_get(m, "port"), &v) == 0)
		printf(" (UDP port %" PRIu64 ")", v);
	putchar('\n');
}

/* The store's disk and file transfer: "disk" and "files" as they come. */
static void
disk_json(json_t *j, const struct weft_obj *r)
{
	const struct weft_obj	*m;
	const char		*s;
	size_t			 n;
	uint64_t		 v;
	bool			 b;
	json_t			*o;

	m = weft_obj_get(r, "disk");
	if (weft_obj_len(m) > 0 && (o = json_object()) != NULL) {
		if (weft_obj_bool(weft_obj_get(m, "paused"), &b) == 0)
			json_object_set_new(o, "paused", json_boolean(b));
		if (weft_obj_str(weft_obj_get(m, "error"), &s, &n) == 0)
			json_object_set_new(o, "error", out_json_str(s, n));
		else
			json_object_set_new(o, "error", json_null());
		if (weft_obj_uint(weft_obj_get(m, "free"), &v) == 0)
			json_object_set_new(o, "free",
			    json_integer((json_int_t)v));
		if (weft_obj_uint(weft_obj_get(m, "reserve"), &v) == 0)
			json_object_set_new(o, "reserve",
			    json_integer((json_int_t)v));
		if (weft_obj_uint(weft_obj_get(m, "failures"), &v) == 0)
			json_object_set_new(o, "failures",
			    json_integer((json_int_t)v));
		json_object_set_new(j, "disk", o);
	}
	m = weft_obj_get(r, "files");
	if (weft_obj_len(m) > 0 && (o = json_object()) != NULL) {
		static const char *const keys[] = { "received", "stored",
		    "served" };

		for (size_t i = 0; i < 3; i++)
			if (weft_obj_uint(weft_obj_get(m, keys[i]), &v) == 0)
				json_object_set_new(o, keys[i],
				    json_integer((json_int_t)v));
		json_object_set_new(j, "files", o);
	}
}

/* "store full: 3.1 MB free, fetching paused", only while paused. */
static void
disk_human(const struct weft_obj *r)
{
	const struct weft_obj	*m = weft_obj_get(r, "disk");
	const char		*s;
	size_t			 n;
	uint64_t		 v = 0;
	bool			 b = false;

	if (weft_obj_bool(weft_obj_get(m, "paused"), &b) != 0 || !b)
		return;
	(void)weft_obj_uint(weft_obj_get(m, "free"), &v);
	printf("disk         store full: %.1f MB free, fetching paused",
	    (double)v / 1e6);
	if (weft_obj_str(weft_obj_get(m, "error"), &s, &n) == 0) {
		printf(" (");
		out_text(stdout, s, n, true);
		putchar(')');
	}
	putchar('\n');
}

static void
net_human(const struct weft_obj *r)
{
	const struct weft_obj	*m, *a = weft_obj_get(r, "addresses");
	const char		*s;
	size_t			 n;
	uint64_t		 v;
	bool			 any = false;

	/* One line per address others can dial (not 0.0.0.0). */
	for (uint32_t i = 0; weft_obj_type(a) == WEFT_OBJ_ARRAY &&
	    i < weft_obj_len(a); i++) {
		if (weft_obj_str(weft_obj_at(a, i), &s, &n) != 0)
			continue;
		printf("%saddress      ", any ? "\n" : "");
		out_text(stdout, s, n, true);
		any = true;
	}
	if (!any) {
		printf("address      ");
		if (weft_obj_str(weft_obj_get(r, "address"), &s, &n) == 0)
			out_text(stdout, s, n, true);
		else
			printf("(not listening)");
	}
	if (weft_obj_str(weft_obj_get(r, "network_key_id"), &s, &n) == 0) {
		printf("\nnetwork key  ");
		out_text(stdout, s, n, true);
	}
	if (weft_obj_str(weft_obj_get(r, "web"), &s, &n) == 0) {
		printf("\nweb          http://");
		out_text(stdout, s, n, true);
		putchar('/');
	}
	if (weft_obj_uint(weft_obj_get(r, "peers"), &v) == 0)
		printf("\npeers        %" PRIu64, v);
	if (weft_obj_uint(weft_obj_get(r, "netkey_mismatch"), &v) == 0 && v)
		printf("\nunreachable  %" PRIu64 " dialled node%s: network key "
		    "mismatch (or not a weft node); see 'weft peers'", v,
		    v == 1 ? "" : "s");
	m = weft_obj_get(r, "sync");
	if (weft_obj_uint(weft_obj_get(m, "peers"), &v) == 0) {
		printf("\nsync         %" PRIu64 " peers", v);
		if (weft_obj_uint(weft_obj_get(m, "stored"), &v) == 0)
			printf(", %" PRIu64 " records received", v);
		if (weft_obj_uint(weft_obj_get(m, "held"), &v) == 0)
			printf(", %" PRIu64 " held", v);
		if (weft_obj_uint(weft_obj_get(m, "rejected"), &v) == 0 && v)
			printf(", %" PRIu64 " rejected", v);
	}
	putchar('\n');
}

/*
 * What the node still lacks (records, designs, bytes): a "missing" map of
 * counters, or top-level "missing_*" counters. Each is shown as it comes,
 * so new counters need no CLI change. cb gets (name, len, value).
 */
static void
each_missing(const struct weft_obj *r,
    void (*cb)(void *, const char *, size_t, uint64_t), void *arg)
{
	const struct weft_obj	*m = weft_obj_get(r, "missing");
	const char		*k;
	size_t			 n;
	uint64_t		 v;

	for (uint32_t i = 0; i < weft_obj_len(m); i++)
		if (weft_obj_str(weft_obj_key_at(m, i), &k, &n) == 0 &&
		    weft_obj_uint(weft_obj_val_at(m, i), &v) == 0)
			cb(arg, k, n, v);
	for (uint32_t i = 0; i < weft_obj_len(r); i++)
		if (weft_obj_str(weft_obj_key_at(r, i), &k, &n) == 0 &&
		    n > 8 && memcmp(k, "missing_", 8) == 0 &&
		    weft_obj_uint(weft_obj_val_at(r, i), &v) == 0)
			cb(arg, k + 8, n - 8, v);
}

static void
missing_json_cb(void *arg, const char *k, size_t n, uint64_t v)
{
	char	key[64];

	snprintf(key, sizeof(key), "%.*s", (int)n, k);
	json_object_set_new(arg, key, json_integer((json_int_t)v));
}

struct missing_line {
	bool	any;
};

static void
missing_human_cb(void *arg, const char *k, size_t n, uint64_t v)
{
	struct missing_line	*ml = arg;

	printf("%s", ml->any ? ", " : "missing      ");
	ml->any = true;
	out_text(stdout, k, n, true);
	if (n == 5 && memcmp(k, "bytes", 5) == 0)
		printf(" %.1f MB", (double)v / 1e6);
	else
		printf(" %" PRIu64, v);
}

static int
print_json(const struct weft_obj *r, const uint8_t author[32],
    const uint8_t node[32], const uint64_t val[NCOUNTERS])
{
	const char	*s;
	size_t		 n;
	json_t		*j, *m;

	j = json_object();
	if (j == NULL)
		return -ENOMEM;
	weft_obj_str(weft_obj_get(r, "version"), &s, &n);
	json_object_set_new(j, "version", out_json_str(s, n));
	weft_obj_str(weft_obj_get(r, "home"), &s, &n);
	json_object_set_new(j, "home", out_json_str(s, n));
	json_object_set_new(j, "author", out_json_id(author));
	json_object_set_new(j, "node", out_json_id(node));
	for (size_t i = 0; i < NCOUNTERS; i++)
		json_object_set_new(j, counters[i],
		    json_integer((json_int_t)val[i]));
	net_json(j, r);
	sync_json(j, r);
	lan_json(j, r);
	disk_json(j, r);
	m = json_object();
	if (m != NULL) {
		each_missing(r, missing_json_cb, m);
		json_object_set_new(j, "missing", m);
	}
	return out_json_print(j);
}

static void
print_human(const struct weft_obj *r, const uint8_t author[32],
    const uint8_t node[32], const uint64_t val[NCOUNTERS])
{
	const char	*s;
	size_t		 n;
	char		 hex[65];
	uint64_t	 up = val[7] / 1000;
	struct missing_line ml;

	weft_obj_str(weft_obj_get(r, "version"), &s, &n);
	printf("version      ");
	out_text(stdout, s, n, true);
	weft_obj_str(weft_obj_get(r, "home"), &s, &n);
	printf("\nhome         ");
	out_text(stdout, s, n, true);
	out_hex(hex, author);
	printf("\nauthor       %s\n", hex);
	out_hex(hex, node);
	printf("node         %s\n", hex);
	net_human(r);
	lan_human(r);
	printf("records      %" PRIu64 "\n", val[0]);
	printf("designs      %" PRIu64 "\n", val[1]);
	printf("libraries    %" PRIu64 "\n", val[2]);
	printf("chunks       %" PRIu64 " (%.1f MB)\n", val[3],
	    (double)val[4] / 1e6);
	printf("store        %.1f MB used of %.1f MB\n", (double)val[6] / 1e6,
	    (double)val[5] / 1e6);
	disk_human(r);
	memset(&ml, 0, sizeof(ml));
	each_missing(r, missing_human_cb, &ml);
	if (ml.any)
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
	const char			*s;
	size_t				 n;
	uint8_t				 author[32], node[32];
	uint64_t			 val[NCOUNTERS];
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(usage);
	rc = weft__home(cli);
	if (rc)
		return rc;
	rc = weft_ctl_client_connect(&c, cli);
	if (rc)
		return rc;
	weft_buf_init(&req, 64);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, "status", 0);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot get status");
		goto out;
	}
	err = weft_obj_binn(weft_obj_get(r, "author"), author, 32);
	if (err == 0)
		err = weft_obj_binn(weft_obj_get(r, "node"), node, 32);
	if (err == 0)
		err = weft_obj_str(weft_obj_get(r, "version"), &s, &n);
	if (err == 0)
		err = weft_obj_str(weft_obj_get(r, "home"), &s, &n);
	for (size_t i = 0; err == 0 && i < NCOUNTERS; i++)
		err = weft_obj_uint(weft_obj_get(r, counters[i]), &val[i]);
	if (err) {
		rc = weft__fail(WEFT_EPROTO, NULL, "malformed status reply");
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json)
		print_json(r, author, node, val);
	else if (!cli->quiet)
		print_human(r, author, node, val);
out:
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}
