/*
 * weft peers [--known], weft connect, weft forget and weft disconnect
 * (control ops "peers", "known", "connect", "forget", "disconnect").
 *
 * connect hands the address to the daemon, which keeps dialling it with
 * backoff from then on, and then watches the peer list until the node's
 * connection is open (exit 0) or the first attempt failed (exit 1, with
 * the daemon's reason), so a script knows at once whether the address
 * works.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"

static const char peers_usage[] = "weft peers [--known]";
static const char forget_usage[] = "weft forget NODEID";
static const char disconnect_usage[] = "weft disconnect NODEID";
static const char connect_usage[] =
    "weft connect [--timeout SECONDS] NODEID@HOST:PORT";

#define CONNECT_WAIT_S	30
#define POLL_MS		50

/* A str or nil as JSON. */
static json_t *
str_json(struct weft_ctlmsg_str s)
{
	return s.s != NULL ? out_json_str(s.s, s.n) : json_null();
}

static json_t *
item_json(const struct weft_ctlmsg_peer *it)
{
	json_t	*j;

	j = json_object();
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "node", out_json_id(it->node));
	json_object_set_new(j, "address", str_json(it->address));
	json_object_set_new(j, "direction", str_json(it->direction));
	json_object_set_new(j, "state", str_json(it->state));
	json_object_set_new(j, "bytes_in",
	    json_integer((json_int_t)it->bytes_in));
	json_object_set_new(j, "bytes_out",
	    json_integer((json_int_t)it->bytes_out));
	if (it->since != 0)
		out_json_date(j, "since", it->since);
	else
		json_object_set_new(j, "since", json_null());
	json_object_set_new(j, "listen", str_json(it->listen));
	json_object_set_new(j, "sw", str_json(it->sw));
	json_object_set_new(j, "error", str_json(it->error));
	return j;
}

static void
item_line(const struct weft_ctlmsg_peer *it)
{
	char	hex[65], date[OUT_DATE_MAX];

	out_hex(hex, it->node);
	printf("%s %-3.*s %-10.*s ", hex, (int)it->direction.n,
	    it->direction.s, (int)it->state.n, it->state.s);
	out_text(stdout, it->address.s, it->address.n, true);
	if (it->since != 0) {
		out_date(date, it->since);
		printf("  in %" PRIu64 " out %" PRIu64 " since %s",
		    it->bytes_in, it->bytes_out, date);
	}
	if (it->error.s != NULL) {
		printf("  (");
		out_text(stdout, it->error.s, it->error.n, true);
		printf(")");
	}
	putchar('\n');
}

typedef int item_fn(void *arg, const struct weft_ctlmsg_peer *it);
typedef int obj_fn(void *arg, const struct weft_obj *o);

/* Runs a list op and calls fn for each item. Returns 0 or an error. */
static int
each_item(struct weft_ctl_client *c, const char *op, obj_fn *fn, void *arg)
{
	const struct weft_obj	*r, *items;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	int			 err;

	weft_buf_init(&req, 64);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, op, 0);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(c, &req, &r);
	weft_buf_release(&req);
	while (err == 0) {
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY)
			return WEFT_EPROTO;
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			err = fn(arg, weft_obj_at(items, i));
			if (err)
				return err;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(c, &r);
	}
	return err;
}

/* Runs the "peers" op and calls fn for each item. Returns 0 or an error. */
static int
each_peer(struct weft_ctl_client *c, item_fn *fn, void *arg)
{
	const struct weft_obj	*r, *items;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	struct weft_ctlmsg_peer	 it;
	int			 err;

	weft_buf_init(&req, 64);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_PEERS, 0);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(c, &req, &r);
	weft_buf_release(&req);
	while (err == 0) {
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY)
			return WEFT_EPROTO;
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			err = weft_ctlmsg_peer_decode(weft_obj_at(items, i),
			    &it);
			if (err == 0)
				err = fn(arg, &it);
			if (err)
				return err;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(c, &r);
	}
	return err;
}

struct print_ctx {
	struct weft_cli	*cli;
	json_t		*arr;
};

static int
print_cb(void *arg, const struct weft_ctlmsg_peer *it)
{
	struct print_ctx	*pc = arg;
	char			 hex[65];

	if (pc->cli->json) {
		if (json_array_append_new(pc->arr, item_json(it)) != 0)
			return -ENOMEM;
	} else if (pc->cli->quiet) {
		out_hex(hex, it->node);
		puts(hex);
	} else {
		item_line(it);
	}
	return 0;
}

static int
known_cb(void *arg, const struct weft_obj *o)
{
	struct print_ctx		*pc = arg;
	struct weft_ctlmsg_known	 it;
	char				 hex[65], date[OUT_DATE_MAX];
	json_t				*j;
	int				 err;

	err = weft_ctlmsg_known_decode(o, &it);
	if (err)
		return err;
	out_hex(hex, it.node);
	if (pc->cli->json) {
		j = json_object();
		if (j == NULL)
			return -ENOMEM;
		json_object_set_new(j, "node", out_json_id(it.node));
		json_object_set_new(j, "address",
		    out_json_str(it.address.s, it.address.n));
		json_object_set_new(j, "verified",
		    json_boolean(it.verified));
		json_object_set_new(j, "connected",
		    json_boolean(it.connected));
		if (it.last_seen != 0)
			out_json_date(j, "last_seen", it.last_seen);
		else
			json_object_set_new(j, "last_seen", json_null());
		json_object_set_new(j, "fails",
		    json_integer((json_int_t)it.fails));
		json_object_set_new(j, "source",
		    out_json_str(it.source.s, it.source.n));
		if (json_array_append_new(pc->arr, j) != 0)
			return -ENOMEM;
		return 0;
	}
	if (pc->cli->quiet) {
		puts(hex);
		return 0;
	}
	printf("%s %-10s ", hex, it.verified ? "verified" : "unverified");
	out_text(stdout, it.address.s, it.address.n, true);
	if (it.last_seen != 0) {
		out_date(date, it.last_seen);
		printf("  seen %s", date);
	} else {
		printf("  never seen");
	}
	printf("  fails %" PRIu64 "  from ", it.fails);
	out_text(stdout, it.source.s, it.source.n, true);
	if (it.connected)
		printf("  connected");
	putchar('\n');
	return 0;
}

int
cmd_peers(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ "known",	no_argument,	NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct print_ctx		 pc;
	bool				 known = false;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == 'k') {
			known = true;
			continue;
		}
		rc = weft__opt(cli, ch, argv, peers_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(peers_usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	pc.cli = cli;
	pc.arr = cli->json ? json_array() : NULL;
	if (known)
		err = each_item(&c, WEFT_CTL_OP_KNOWN, known_cb, &pc);
	else
		err = each_peer(&c, print_cb, &pc);
	if (err) {
		json_decref(pc.arr);
		rc = (err == WEFT_EPROTO || err == WEFT_ETOOBIG) &&
		    c.error[0] == '\0' ?
		    weft__bad_reply(err, known ? "known" : "peers") :
		    weft__fail(err, c.error, "cannot list peers");
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json)
		out_json_print(pc.arr);
out:
	weft_ctl_client_close(&c);
	return rc;
}

/* connect */

struct watch {
	uint8_t		 node[32];
	bool		 done;
	bool		 failed;
	json_t		*json;
	char		 error[256];
	char		 addr[80];
};

static int
watch_cb(void *arg, const struct weft_ctlmsg_peer *it)
{
	struct watch	*w = arg;

	if (memcmp(it->node, w->node, 32) != 0 || w->done)
		return 0;
	if (weft_ctlmsg_str_eq(it->state, "open")) {
		w->done = true;
		w->json = item_json(it);
		snprintf(w->addr, sizeof(w->addr), "%.*s",
		    (int)it->address.n, it->address.s);
	} else if (weft_ctlmsg_str_eq(it->state, "waiting") &&
	    it->error.s != NULL) {
		w->done = true;
		w->failed = true;
		snprintf(w->error, sizeof(w->error), "%.*s",
		    (int)it->error.n, it->error.s);
	}
	return 0;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int
cmd_connect(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ "timeout",	required_argument,	NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	struct watch			 w;
	char				 hex[65];
	unsigned long			 wait_s = CONNECT_WAIT_S;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hqt:", opts, NULL)) != -1) {
		if (ch == 't') {
			rc = weft__opt_seconds(optarg, 0, &wait_s);
			if (rc)
				return rc;
			continue;
		}
		rc = weft__opt(cli, ch, argv, connect_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind + 1 != argc)
		return weft__usage(connect_usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	memset(&w, 0, sizeof(w));
	err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_CONNECT, "peer",
	    argv[optind], NULL);
	if (err == 0 &&
	    weft_obj_binn(weft_obj_get(r, "node"), w.node, 32) != 0)
		err = WEFT_EPROTO;
	if (err) {
		rc = (err == WEFT_EPROTO || err == WEFT_ETOOBIG) &&
		    c.error[0] == '\0' ?
		    weft__bad_reply(err, "connect") :
		    weft__fail(err, c.error, "cannot connect to '%s'",
		    argv[optind]);
		goto out;
	}
	for (unsigned long t = 0; t <= wait_s * 1000; t += POLL_MS) {
		err = each_peer(&c, watch_cb, &w);
		if (err || w.done)
			break;
		sleep_ms(POLL_MS);
	}
	out_hex(hex, w.node);
	if (err) {
		rc = weft__fail(err, c.error, "cannot list peers");
	} else if (!w.done) {
		rc = weft__fail(-ETIMEDOUT, NULL, "no connection to '%s' "
		    "after %lu s; weftd keeps trying", hex, wait_s);
	} else if (w.failed) {
		rc = weft__fail(WEFT_EHANDSHAKE, w.error, "cannot connect to "
		    "'%s' (weftd keeps trying)", argv[optind]);
	} else {
		rc = WEFT_EXIT_OK;
		if (cli->json) {
			out_json_print(w.json);
			w.json = NULL;
		} else if (!cli->quiet) {
			printf("connected to %s at ", hex);
			out_text(stdout, w.addr, strlen(w.addr), true);
			putchar('\n');
		}
	}
	json_decref(w.json);
out:
	weft_ctl_client_close(&c);
	return rc;
}

/* forget and disconnect: one node id (or a prefix of 8+ hex) each. */
static int
node_cmd(struct weft_cli *cli, int argc, char **argv, const char *usage,
    const char *op, const char *done)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	uint8_t				 node[32];
	char				 hex[65];
	json_t				*j;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind + 1 != argc)
		return weft__usage(usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	err = weft_ctl_client_op(&c, &r, op, WEFT_CTL_ARG_NODE, argv[optind],
	    NULL);
	if (err == 0 && weft_obj_binn(weft_obj_get(r, "node"), node, 32) != 0)
		err = WEFT_EPROTO;
	if (err) {
		rc = (err == WEFT_EPROTO || err == WEFT_ETOOBIG) &&
		    c.error[0] == '\0' ?
		    weft__bad_reply(err, op) :
		    weft__fail(err, c.error, "cannot %s '%s'", op,
		    argv[optind]);
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		j = json_object();
		if (j != NULL)
			json_object_set_new(j, "node", out_json_id(node));
		out_json_print(j);
	} else if (!cli->quiet) {
		out_hex(hex, node);
		printf("%s %s\n", done, hex);
	}
out:
	weft_ctl_client_close(&c);
	return rc;
}

int
cmd_forget(struct weft_cli *cli, int argc, char **argv)
{
	return node_cmd(cli, argc, argv, forget_usage, WEFT_CTL_OP_FORGET,
	    "forgot");
}

int
cmd_disconnect(struct weft_cli *cli, int argc, char **argv)
{
	return node_cmd(cli, argc, argv, disconnect_usage,
	    WEFT_CTL_OP_DISCONNECT, "disconnected");
}
