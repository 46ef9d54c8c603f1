/*
 * The control plane's ops, each run against a connection whose transport
 * is memory (struct weft_ctl_io: replies are captured, writes complete
 * when the test drains them, no socket) and a real store in a temporary
 * directory; the net is a fake behind struct weft_ctl_net. Every op of
 * the op table is run, for success and its main errors (bad arguments,
 * not found, a busy connection that does not read the next request).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "clock.h"
#include "ctl.h"
#include "ops.h"
#include "space.h"
#include "store.h"

#define REPLIES_MAX	512
#define PENDING_MAX	4096
#define NOW_MS		1760000000000ull

struct reply {
	uint8_t		*bytes;
	size_t		 len;
	struct weft_msg	 msg;
};

struct fx {
	char			 dir[64];
	uv_loop_t		 loop;
	struct weft_store	*store;
	struct weft_space	*space;
	struct weft_clock	 clock;
	struct weft_keypair	 author;
	uint8_t			 node[32];
	uint8_t			 netkey[32];
	struct weft_ctl_env	 env;
	struct weft_ctl		 srv;
	struct weft_ctl_conn	*c;
	bool			 closing;	/* io->close was called */
	bool			 closed;
	struct weft_ctl_write	*pending[PENDING_MAX];
	size_t			 npending;
	struct reply		 rep[REPLIES_MAX];
	size_t			 nrep;
	unsigned		 stops;
	/* The fake net. */
	char			 connected[300];
	uint8_t			 pushed[32];
	uint64_t		 pushed_bytes;
	uint8_t			 peer[32];	/* the one node it knows */
	uint8_t			 forgot[32];
	unsigned		 disconnects;
	bool			 lan_on;
};

/* The memory transport */

static int
mem_write(struct weft_ctl_conn *c, struct weft_ctl_write *w)
{
	struct fx	*f = c->io_arg;
	struct reply	*r;
	uint32_t	 len;

	assert_true(f->npending < PENDING_MAX);
	assert_true(f->nrep < REPLIES_MAX);
	assert_int_equal(weft_ctl_hdr_get(w->data, &len), 0);
	assert_int_equal(len + WEFT_CTL_HDR, w->len);
	r = &f->rep[f->nrep++];
	r->len = len;
	r->bytes = malloc(len);
	assert_non_null(r->bytes);
	memcpy(r->bytes, w->data + WEFT_CTL_HDR, len);
	assert_int_equal(weft_msg_decode(&r->msg, r->bytes, r->len), 0);
	f->pending[f->npending++] = w;
	return 0;
}

static int
mem_read(struct weft_ctl_conn *c, bool on)
{
	(void)c;
	(void)on;
	return 0;
}

static void
mem_close(struct weft_ctl_conn *c)
{
	struct fx	*f = c->io_arg;

	f->closing = true;
}

static const struct weft_ctl_io mem_io = {
	.write = mem_write,
	.read = mem_read,
	.close = mem_close,
};

/*
 * Runs the loop and the client until nothing is left to do: pool jobs
 * end, queued replies are taken (in order), a close completes.
 */
static void
drain(struct fx *f)
{
	struct weft_ctl_write	*w;

	for (;;) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		if (f->npending > 0) {
			w = f->pending[0];
			memmove(&f->pending[0], &f->pending[1],
			    (f->npending - 1) * sizeof(w));
			f->npending--;
			weft__ctl_written(w, f->closing ? UV_ECANCELED : 0);
			continue;
		}
		if (f->closing && !f->closed) {
			f->closed = true;
			weft__ctl_closed(f->c);
			f->c = NULL;
			continue;
		}
		if (!uv_loop_alive(&f->loop))
			break;
		uv_run(&f->loop, UV_RUN_ONCE);
	}
}

static void
conn_open(struct fx *f)
{
	f->closing = f->closed = false;
	f->c = weft__ctl_conn_new(&f->srv, &mem_io, f);
	assert_non_null(f->c);
	assert_true(f->c->reading);
}

/* The fake net */

static struct fx *
fx_of(struct weft_net *n)
{
	return (struct fx *)(void *)n;
}

static void
fake_stats(struct weft_net *n, struct weft_net_stats *st)
{
	(void)n;
	memset(st, 0, sizeof(*st));
	snprintf(st->listen, sizeof(st->listen), "127.0.0.1:7000");
	snprintf(st->addrs[0], sizeof(st->addrs[0]), "127.0.0.1:7000");
	st->naddrs = 1;
	st->peers = 3;
	st->conns_in = 2;
	st->conns_out = 1;
	st->netkey_mismatch = 4;
}

static int
fake_peers(struct weft_net *n, weft_net_peer_fn *fn, void *arg)
{
	struct fx			*f = fx_of(n);
	struct weft_net_peer_info	 p;
	int				 err;

	memset(&p, 0, sizeof(p));
	memcpy(p.node, f->peer, 32);
	p.addr = "127.0.0.1:7001";
	p.out = true;
	p.state = "open";
	p.bytes_in = 10;
	p.bytes_out = 20;
	p.since_ms = NOW_MS;
	p.sw = "weft/test";
	err = fn(arg, &p);
	if (err)
		return err;
	memset(&p, 0, sizeof(p));
	memset(p.node, 0x77, 32);
	p.addr = "example.org:7002";
	p.out = true;
	p.state = "waiting";
	p.waiting = true;
	p.last_err = WEFT_ENETKEY;
	p.retry_ms = 1500;
	return fn(arg, &p);
}

static int
fake_known(struct weft_net *n, weft_net_known_fn *fn, void *arg)
{
	struct fx			*f = fx_of(n);
	struct weft_net_known_info	 k;

	memset(&k, 0, sizeof(k));
	memcpy(k.node, f->peer, 32);
	k.addr = "127.0.0.1:7001";
	k.verified = true;
	k.last_seen = NOW_MS;
	k.fails = 2;
	k.source = "connect";
	k.connected = true;
	return fn(arg, &k);
}

static int
fake_resolve(struct weft_net *n, const char *prefix, uint8_t node[32])
{
	struct fx	*f = fx_of(n);
	char		 hex[65];

	if (strlen(prefix) < 8)
		return WEFT_EUSAGE;
	weft_hex_encode(hex, f->peer, 32);
	if (strncasecmp(hex, prefix, strlen(prefix)) != 0)
		return WEFT_ENOTFOUND;
	memcpy(node, f->peer, 32);
	return 0;
}

static int
fake_connect(struct weft_net *n, const char *peer)
{
	struct fx	*f = fx_of(n);

	snprintf(f->connected, sizeof(f->connected), "%s", peer);
	return 0;
}

static int
fake_disconnect(struct weft_net *n, const uint8_t node[32])
{
	struct fx	*f = fx_of(n);

	if (memcmp(node, f->peer, 32) != 0)
		return WEFT_ENOTFOUND;
	f->disconnects++;
	return 0;
}

static int
fake_forget(struct weft_net *n, const uint8_t node[32])
{
	struct fx	*f = fx_of(n);

	memcpy(f->forgot, node, 32);
	return 0;
}

static int
fake_push(struct weft_net *n, const uint8_t node[32], uint64_t bytes,
    bool burst)
{
	struct fx	*f = fx_of(n);

	(void)burst;
	if (memcmp(node, f->peer, 32) != 0)
		return WEFT_ENOTFOUND;
	memcpy(f->pushed, node, 32);
	f->pushed_bytes = bytes;
	return 0;
}

static void
fake_lan_stats(const struct weft_lan *lan, struct weft_lan_stats *st)
{
	(void)lan;
	memset(st, 0, sizeof(*st));
	st->port = 7420;
	st->nodes = 5;
}

static void
fake_stop(void *arg)
{
	struct fx	*f = arg;

	f->stops++;
}

/* Fixture */

static int
setup(void **state)
{
	struct weft_space_opts	 spo;
	struct weft_ctl_env	*e;
	struct fx		*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-ctl-ops-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(weft_store_open(&f->store, f->dir, NULL), 0);
	weft_space_opts_default(&spo);
	spo.reserve = 0;
	assert_int_equal(weft_space_new(&f->space, f->store, &spo), 0);
	weft_clock_init(&f->clock);
	weft_clock_set(&f->clock, NOW_MS);
	assert_int_equal(weft_key_generate(&f->author), 0);
	memset(f->node, 0x11, 32);
	memset(f->netkey, 0x22, 32);
	memset(f->peer, 0xab, 32);

	e = &f->env;
	e->loop = &f->loop;
	e->store = f->store;
	e->space = f->space;
	e->clock = &f->clock;
	e->author = &f->author;
	e->node = f->node;
	e->network_key = f->netkey;
	e->home = f->dir;
	e->sock_path = "/nonexistent/weftd.sock";
	e->started_ms = NOW_MS - 5000;
	e->net.net = (struct weft_net *)(void *)f;
	e->net.stats = fake_stats;
	e->net.peers = fake_peers;
	e->net.known = fake_known;
	e->net.resolve = fake_resolve;
	e->net.connect = fake_connect;
	e->net.disconnect = fake_disconnect;
	e->net.forget = fake_forget;
	e->net.push = fake_push;
	e->net.lan_stats = fake_lan_stats;
	e->stop = fake_stop;
	e->stop_arg = f;
	weft_ctl_init(&f->srv, e);
	conn_open(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	weft_ctl_stop(&f->srv);
	drain(f);
	assert_null(f->c);
	assert_int_equal(f->srv.nconns, 0);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	for (size_t i = 0; i < f->nrep; i++) {
		weft_msg_release(&f->rep[i].msg);
		free(f->rep[i].bytes);
	}
	weft_key_release(&f->author);
	weft_space_free(f->space);
	weft_store_close(f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Requests and replies */

/* Starts a request map of op with nargs more pairs. */
static void
req_begin(struct weft_pack *pk, struct weft_buf *b, const char *op,
    uint32_t nargs)
{
	weft_buf_init(b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(pk, b);
	weft_pack_map(pk, nargs + 2);
	weft_pack_str(pk, "v");
	weft_pack_uint(pk, WEFT_CTL_VERSION);
	weft_pack_str(pk, "op");
	weft_pack_str(pk, op);
}

/* Frames b (released) into out. */
static size_t
frame(struct weft_buf *b, uint8_t **out)
{
	size_t	n = WEFT_CTL_HDR + b->len;

	*out = malloc(n);
	assert_non_null(*out);
	weft_ctl_hdr_put(*out, (uint32_t)b->len);
	memcpy(*out + WEFT_CTL_HDR, b->data, b->len);
	weft_buf_release(b);
	return n;
}

/* Sends the request in b (released) and runs until all is done. */
static void
send_req(struct fx *f, struct weft_buf *b)
{
	uint8_t	*p;
	size_t	 n;

	n = frame(b, &p);
	assert_non_null(f->c);
	assert_int_equal(weft__ctl_input(f->c, p, n), n);
	free(p);
	drain(f);
}

/* A request with no arguments, or one string or id argument. */
static void
req0(struct fx *f, const char *op)
{
	struct weft_buf		b;
	struct weft_pack	pk;

	req_begin(&pk, &b, op, 0);
	send_req(f, &b);
}

static void
req_str(struct fx *f, const char *op, const char *key, const char *val)
{
	struct weft_buf		b;
	struct weft_pack	pk;

	req_begin(&pk, &b, op, 1);
	weft_pack_str(&pk, key);
	weft_pack_str(&pk, val);
	send_req(f, &b);
}

static void
req_id(struct fx *f, const char *op, const char *key, const uint8_t id[32])
{
	char	hex[65];

	weft_hex_encode(hex, id, 32);
	req_str(f, op, key, hex);
}

static const struct weft_obj *
last(struct fx *f)
{
	assert_true(f->nrep > 0);
	return f->rep[f->nrep - 1].msg.root;
}

static int64_t
status_of(const struct weft_obj *o)
{
	int64_t	v;

	assert_int_equal(weft_obj_int(weft_obj_get(o, "status"), &v), 0);
	return v;
}

/* The last reply is an error err whose line contains what. */
static void
expect_err(struct fx *f, int err, const char *what)
{
	const char	*s;
	size_t		 n;
	char		 line[1024];

	assert_int_equal(status_of(last(f)), err);
	assert_int_equal(weft_obj_str(weft_obj_get(last(f), "error"), &s,
	    &n), 0);
	snprintf(line, sizeof(line), "%.*s", (int)n, s);
	if (strstr(line, what) == NULL)
		fail_msg("error line '%s' lacks '%s'", line, what);
}

static void
expect_ok(struct fx *f)
{
	const char	*s = "";
	size_t		 n = 0;

	if (status_of(last(f)) != 0) {
		(void)weft_obj_str(weft_obj_get(last(f), "error"), &s, &n);
		fail_msg("status %lld: %.*s", (long long)status_of(last(f)),
		    (int)n, s);
	}
}

static void
get_bin32(const struct weft_obj *o, const char *key, uint8_t out[32])
{
	assert_int_equal(weft_obj_binn(weft_obj_get(o, key), out, 32), 0);
}

static uint64_t
get_uint(const struct weft_obj *o, const char *key)
{
	uint64_t	v;

	assert_int_equal(weft_obj_uint(weft_obj_get(o, key), &v), 0);
	return v;
}

static bool
get_bool(const struct weft_obj *o, const char *key)
{
	bool	v;

	assert_int_equal(weft_obj_bool(weft_obj_get(o, key), &v), 0);
	return v;
}

static void
expect_str(const struct weft_obj *o, const char *key, const char *want)
{
	char	s[512];

	assert_int_equal(weft_obj_cstr(weft_obj_get(o, key), s, sizeof(s)),
	    0);
	assert_string_equal(s, want);
}

/* Items of the list reply that ends with the last reply. */
static uint32_t
list_items(struct fx *f, size_t first)
{
	uint32_t	n = 0;

	for (size_t i = first; i < f->nrep; i++) {
		assert_int_equal(status_of(f->rep[i].msg.root), 0);
		n += weft_obj_len(weft_obj_get(f->rep[i].msg.root, "items"));
		assert_int_equal(get_bool(f->rep[i].msg.root, "more"),
		    i + 1 < f->nrep);
	}
	return n;
}

/*
 * Publishes files {a.txt: a, b.bin: b} (sorted by path) titled title,
 * as an update of design when not NULL. Returns the reply.
 */
static const struct weft_obj *
publish(struct fx *f, const char *title, const uint8_t *design,
    const char *a, size_t alen, const uint8_t *bdata, size_t blen)
{
	struct weft_buf		 b;
	struct weft_pack	 pk;
	char			 hex[65];
	size_t			 before;

	req_begin(&pk, &b, "publish", design != NULL ? 4 : 3);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, title);
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "MIT");
	if (design != NULL) {
		weft_hex_encode(hex, design, 32);
		weft_pack_str(&pk, "design");
		weft_pack_str(&pk, hex);
	}
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, 2);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "path");
	weft_pack_str(&pk, "a.txt");
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, alen);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "path");
	weft_pack_str(&pk, "b.bin");
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, blen);
	before = f->nrep;
	send_req(f, &b);
	assert_int_equal(f->nrep, before + 1);
	expect_ok(f);
	assert_int_equal(f->c->state, WEFT_CTL_DATA);
	/* Two data frames: a's bytes with b's first half, then the rest. */
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, "data");
	weft_pack_str(&pk, "data");
	{
		uint8_t	*both = malloc(alen + blen / 2 + 1);

		assert_non_null(both);
		memcpy(both, a, alen);
		memcpy(both + alen, bdata, blen / 2);
		weft_pack_bin(&pk, both, alen + blen / 2);
		free(both);
	}
	send_req(f, &b);
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, "data");
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, bdata + blen / 2, blen - blen / 2);
	send_req(f, &b);
	assert_int_equal(f->nrep, before + 2);
	expect_ok(f);
	assert_int_equal(f->c->state, WEFT_CTL_IDLE);
	return last(f);
}

static uint8_t	big[300 * 1024];

static void
fill_big(void)
{
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 2654435761u >> 13);
}

/* Publishes the standard design; its design id into design. */
static void
publish_one(struct fx *f, uint8_t design[32], uint8_t rev[32])
{
	const struct weft_obj	*r;

	fill_big();
	r = publish(f, "Gear wheel", NULL, "hello\n", 6, big, sizeof(big));
	get_bin32(r, "design", design);
	if (rev != NULL)
		get_bin32(r, "id", rev);
}

/* Tests */

static void
test_status(void **state)
{
	struct fx		*f = *state;
	const struct weft_obj	*r;
	uint8_t			 pk[32];
	char			 hex[65], want[128];

	req0(f, "status");
	assert_int_equal(f->nrep, 1);
	r = last(f);
	expect_ok(f);
	get_bin32(r, "author", pk);
	assert_memory_equal(pk, f->author.pk, 32);
	get_bin32(r, "node", pk);
	assert_memory_equal(pk, f->node, 32);
	assert_int_equal(get_uint(r, "records"), 0);
	assert_int_equal(get_uint(r, "uptime_ms"), 5000);
	/* The net's stats, as the fake filled them. */
	assert_int_equal(get_uint(r, "peers"), 3);
	assert_int_equal(get_uint(r, "conns_in"), 2);
	assert_int_equal(get_uint(r, "conns_out"), 1);
	assert_int_equal(get_uint(r, "netkey_mismatch"), 4);
	expect_str(r, "listen", "127.0.0.1:7000");
	weft_hex_encode(hex, f->node, 32);
	snprintf(want, sizeof(want), "%s@127.0.0.1:7000", hex);
	expect_str(r, "address", want);
	assert_false(get_bool(weft_obj_get(r, "lan"), "on"));
	assert_int_equal(get_uint(weft_obj_get(r, "sync"), "peers"), 0);
	assert_false(get_bool(weft_obj_get(r, "disk"), "paused"));
	assert_true(f->c->reading);

	/* LAN on; the net stopped: no peers, no address. */
	f->env.net.lan = (struct weft_lan *)(void *)f;
	f->env.net.net = NULL;
	req0(f, "status");
	r = last(f);
	expect_ok(f);
	assert_true(get_bool(weft_obj_get(r, "lan"), "on"));
	assert_int_equal(get_uint(weft_obj_get(r, "lan"), "nodes"), 5);
	assert_int_equal(get_uint(r, "peers"), 0);
	assert_int_equal(weft_obj_type(weft_obj_get(r, "address")),
	    WEFT_OBJ_NIL);
	assert_int_equal(weft_obj_type(weft_obj_get(r, "listen")),
	    WEFT_OBJ_NIL);
}

static void
test_dispatch_errors(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	req0(f, "no_such_op");
	expect_err(f, WEFT_EPROTO, "unknown operation 'no_such_op'");
	assert_true(f->closed);

	conn_open(f);
	weft_buf_init(&b, 1024);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "v");
	weft_pack_uint(&pk, WEFT_CTL_VERSION + 1);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, "status");
	send_req(f, &b);
	expect_err(f, WEFT_EVERSION, "control protocol version");
	assert_true(f->closed);

	conn_open(f);
	weft_buf_init(&b, 1024);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 1);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, "status");
	send_req(f, &b);
	expect_err(f, WEFT_EPROTO, "request without 'v' and 'op'");
	assert_true(f->closed);

	/* Not a map at all. */
	conn_open(f);
	weft_buf_init(&b, 1024);
	weft_pack_init(&pk, &b);
	weft_pack_uint(&pk, 7);
	send_req(f, &b);
	expect_err(f, WEFT_EPROTO, "malformed request");
	assert_true(f->closed);
	conn_open(f);
}

/*
 * A connection serves one request at a time: while a pool op runs it
 * reads nothing, so the next request, sent at once, waits for it.
 */
static void
test_busy(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	uint8_t			*p1, *p2, *both;
	size_t			 n1, n2, took;

	req_begin(&pk, &b, "verify", 0);
	n1 = frame(&b, &p1);
	req_begin(&pk, &b, "status", 0);
	n2 = frame(&b, &p2);
	both = malloc(n1 + n2);
	assert_non_null(both);
	memcpy(both, p1, n1);
	memcpy(both + n1, p2, n2);
	took = weft__ctl_input(f->c, both, n1 + n2);
	assert_int_equal(took, n1);
	assert_int_equal(f->c->state, WEFT_CTL_BUSY);
	assert_false(f->c->reading);
	assert_int_equal(f->nrep, 0);
	drain(f);
	assert_int_equal(f->nrep, 1);
	expect_ok(f);
	assert_non_null(weft_obj_get(last(f), "chunks"));
	assert_true(f->c->reading);
	assert_int_equal(weft__ctl_input(f->c, both + n1, n2), n2);
	drain(f);
	assert_int_equal(f->nrep, 2);
	expect_ok(f);
	assert_non_null(weft_obj_get(last(f), "uptime_ms"));
	free(p1);
	free(p2);
	free(both);
}

static void
test_publish_show_log_tree(void **state)
{
	struct fx		*f = *state;
	const struct weft_obj	*r;
	uint8_t			 design[32], rev[32], rev2[32], id[32];
	uint8_t			 unknown[32];

	publish_one(f, design, rev);
	assert_memory_equal(design, rev, 32);	/* a genesis */

	req_id(f, "show", "id", rev);
	expect_ok(f);
	expect_str(last(f), "type", "rev");
	get_bin32(last(f), "design", id);
	assert_memory_equal(id, design, 32);
	req_str(f, "show", "id", "zz");
	expect_err(f, WEFT_EUSAGE, "is not an id");
	memset(unknown, 0xee, 32);
	req_id(f, "show", "id", unknown);
	assert_int_equal(status_of(last(f)), WEFT_ENOTFOUND);
	req0(f, "show");
	expect_err(f, WEFT_EUSAGE, "'id' is required");

	/* An update: same design, a second revision, one head. */
	r = publish(f, "Gear wheel v2", design, "hello\n", 6, big, 1000);
	get_bin32(r, "id", rev2);
	get_bin32(r, "design", id);
	assert_memory_equal(id, design, 32);

	req_id(f, "log", "design", rev2);
	expect_ok(f);
	get_bin32(last(f), "design", id);
	assert_memory_equal(id, design, 32);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "heads")), 1);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "items")), 2);
	req_id(f, "log", "design", unknown);
	assert_int_equal(status_of(last(f)), WEFT_ENOTFOUND);

	req_id(f, "tree", "design", design);
	expect_ok(f);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "sources")), 0);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "remixes")), 0);
	req0(f, "tree");
	expect_err(f, WEFT_EUSAGE, "'design' is required");
}

static void
test_publish_errors(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	req_begin(&pk, &b, "publish", 1);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "t");
	send_req(f, &b);
	expect_err(f, WEFT_EBADFIELD, "'files' must list");
	assert_int_equal(f->c->state, WEFT_CTL_IDLE);

	req_begin(&pk, &b, "publish", 2);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, 2);
	for (int i = 0; i < 2; i++) {
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "path");
		weft_pack_str(&pk, i == 0 ? "z" : "a");
		weft_pack_str(&pk, "size");
		weft_pack_uint(&pk, 1);
	}
	send_req(f, &b);
	expect_err(f, WEFT_EBADPATH, "sorted by path");

	req_begin(&pk, &b, "publish", 3);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "No-Such-License-1.0");
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, 1);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "path");
	weft_pack_str(&pk, "a");
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, 1);
	send_req(f, &b);
	expect_err(f, WEFT_EBADLICENSE, "No-Such-License-1.0");

	req_begin(&pk, &b, "publish", 2);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "");
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, 1);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "path");
	weft_pack_str(&pk, "a");
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, 1);
	send_req(f, &b);
	expect_err(f, WEFT_EBADFIELD, "the title is empty");

	/* More data than announced: refused, and the client is closed. */
	req_begin(&pk, &b, "publish", 2);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, 1);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "path");
	weft_pack_str(&pk, "a");
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, 2);
	send_req(f, &b);
	expect_ok(f);
	weft_buf_init(&b, 1024);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, "data");
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, "abc", 3);
	send_req(f, &b);
	expect_err(f, WEFT_EPROTO, "more data than the files' sizes");
	assert_true(f->closed);

	/* The publish ended with its client: nothing was stored. */
	conn_open(f);
	req0(f, "verify");
	assert_int_equal(get_uint(last(f), "chunks"), 0);
}

static void
test_fork(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	char			 hex[65];
	uint8_t			 design[32], fork[32], id[32], unknown[32];

	publish_one(f, design, NULL);
	req_begin(&pk, &b, "fork", 2);
	weft_hex_encode(hex, design, 32);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "My gear");
	send_req(f, &b);
	expect_ok(f);
	get_bin32(last(f), "id", fork);
	get_bin32(last(f), "design", id);
	assert_memory_equal(id, fork, 32);	/* a new genesis */
	assert_memory_not_equal(fork, design, 32);
	assert_int_equal(f->c->state, WEFT_CTL_IDLE);

	req_id(f, "tree", "design", design);
	expect_ok(f);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "remixes")), 1);

	memset(unknown, 0xee, 32);
	req_id(f, "fork", "design", unknown);
	assert_int_equal(status_of(last(f)), WEFT_ENOTFOUND);
	req_begin(&pk, &b, "fork", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "");
	send_req(f, &b);
	expect_err(f, WEFT_EBADFIELD, "the title is empty");
	req0(f, "fork");
	expect_err(f, WEFT_EUSAGE, "'design' is required");
}

static void
test_get(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b, got;
	struct weft_pack	 pk;
	const struct weft_obj	*files;
	const uint8_t		*p;
	uint8_t			 design[32], unknown[32];
	size_t			 n, first;
	char			 hex[65];

	publish_one(f, design, NULL);
	first = f->nrep;
	req_id(f, "get", "design", design);
	assert_true(f->nrep >= first + 3);
	assert_int_equal(status_of(f->rep[first].msg.root), 0);
	expect_str(f->rep[first].msg.root, "title", "Gear wheel");
	files = weft_obj_get(f->rep[first].msg.root, "files");
	assert_int_equal(weft_obj_len(files), 2);
	expect_str(weft_obj_at(files, 1), "path", "b.bin");
	weft_buf_init(&got, 1024 * 1024);
	for (size_t i = first + 1; i + 1 < f->nrep; i++) {
		assert_int_equal(status_of(f->rep[i].msg.root), 0);
		assert_int_equal(weft_obj_bin(weft_obj_get(f->rep[i].msg.root,
		    "data"), &p, &n), 0);
		assert_int_equal(weft_buf_add(&got, p, n), 0);
	}
	assert_true(get_bool(last(f), "done"));
	assert_int_equal(got.len, 6 + sizeof(big));
	assert_memory_equal(got.data, "hello\n", 6);
	assert_memory_equal(got.data + 6, big, sizeof(big));
	weft_buf_release(&got);
	assert_int_equal(f->c->state, WEFT_CTL_IDLE);
	assert_null(f->c->req);

	memset(unknown, 0xee, 32);
	req_id(f, "get", "design", unknown);
	assert_int_equal(status_of(last(f)), WEFT_ENOTFOUND);
	req_begin(&pk, &b, "get", 2);
	weft_hex_encode(hex, design, 32);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "timeout");
	weft_pack_uint(&pk, 0);
	send_req(f, &b);
	expect_err(f, WEFT_EUSAGE, "timeout must be a positive number");
	req_begin(&pk, &b, "get", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "rev");
	weft_hex_encode(hex, unknown, 32);
	weft_pack_str(&pk, hex);
	send_req(f, &b);
	assert_int_equal(status_of(last(f)), WEFT_ENOTFOUND);
}

/*
 * A revision whose files are not here: get wants them and, with no peer
 * to fetch from, gives up after WEFT_GET_NOPEER_MS (5 s).
 */
static void
test_get_missing(void **state)
{
	struct fx		*f = *state;
	struct weft_record	 r;
	struct weft_buf		 env;
	uint8_t			 id[32];

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.title = strdup("Absent");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	r.files = calloc(1, sizeof(*r.files));
	assert_non_null(r.files);
	r.files[0].path = strdup("x.stl");
	r.files[0].size = 100;
	memset(r.files[0].hash, 1, 32);
	memset(r.files[0].index, 2, 32);
	r.nfiles = 1;
	assert_int_equal(weft__record_make(&f->env, &r, 0, &env), 0);
	weft_record_release(&r);
	assert_int_equal(weft_store_record_put(f->store, env.data, env.len,
	    id), 0);
	weft_buf_release(&env);
	req_id(f, "get", "design", id);
	expect_err(f, WEFT_ENOTFOUND, "no connected peer has the files");
	assert_int_equal(status_of(f->rep[0].msg.root), 0);
	assert_int_equal(f->c->state, WEFT_CTL_IDLE);
	assert_null(f->c->req);
}

static void
test_ls_search(void **state)
{
	struct fx	*f = *state;
	uint8_t		 design[32];
	char		 hex[65];
	size_t		 first;

	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 0);
	publish_one(f, design, NULL);

	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 1);
	assert_null(f->c->req);
	assert_null(f->c->resume);
	weft_hex_encode(hex, f->author.pk, 32);
	first = f->nrep;
	req_str(f, "ls", "author", hex);
	assert_int_equal(list_items(f, first), 1);
	req_str(f, "ls", "author", "nothex");
	expect_err(f, WEFT_EUSAGE, "is not an author id");
	first = f->nrep;
	req_str(f, "ls", "tag", "nosuchtag");
	assert_int_equal(list_items(f, first), 0);

	first = f->nrep;
	req_str(f, "search", "query", "gear");
	assert_int_equal(list_items(f, first), 1);
	first = f->nrep;
	req_str(f, "search", "query", "sprocket");
	assert_int_equal(list_items(f, first), 0);
	req_str(f, "search", "query", "");
	expect_err(f, WEFT_EUSAGE, "the query has no words");
	req_str(f, "search", "query", "!!!");
	expect_err(f, WEFT_EUSAGE, "the query has no words");
}

/* search with a query and a page; ls with a page: n pairs of uint args. */
static void
req_page(struct fx *f, const char *op, const char *query, const char *skey,
    const char *sval, uint32_t n, const char *const *keys,
    const uint64_t *vals)
{
	struct weft_buf		b;
	struct weft_pack	pk;

	req_begin(&pk, &b, op, n + (query != NULL) + (skey != NULL));
	if (query != NULL) {
		weft_pack_str(&pk, "query");
		weft_pack_str(&pk, query);
	}
	if (skey != NULL) {
		weft_pack_str(&pk, skey);
		weft_pack_str(&pk, sval);
	}
	for (uint32_t i = 0; i < n; i++) {
		weft_pack_str(&pk, keys[i]);
		weft_pack_uint(&pk, vals[i]);
	}
	send_req(f, &b);
}

/* The design of the only item of the last (one-frame) list reply. */
static void
only_design(struct fx *f, uint8_t design[32])
{
	const struct weft_obj	*items = weft_obj_get(last(f), "items");

	assert_int_equal(weft_obj_len(items), 1);
	get_bin32(weft_obj_at(items, 0), "design", design);
}

static void
test_search_pages(void **state)
{
	struct fx		*f = *state;
	static const char *const	lim[] = { "limit", "offset" };
	uint64_t		 v[2] = { 1, 0 };
	uint8_t			 d1[32], d2[32], a[32], b[32];
	size_t			 first;
	const struct weft_obj	*r, *it;
	struct weft_buf		 buf;
	struct weft_pack	 pk;

	publish_one(f, d1, NULL);
	weft_clock_set(&f->clock, NOW_MS + 1000);	/* d2 is newer */
	r = publish(f, "Gear box", NULL, "box\n", 4, (const uint8_t *)"xy",
	    2);
	get_bin32(r, "design", d2);

	/* One page at a time, with the count of all matches. */
	first = f->nrep;
	req_page(f, "search", "gear", NULL, NULL, 2, lim, v);
	assert_int_equal(list_items(f, first), 1);
	assert_int_equal(get_uint(last(f), "total"), 2);
	assert_true(get_bool(last(f), "total_exact"));
	only_design(f, a);
	v[1] = 1;
	req_page(f, "search", "gear", NULL, NULL, 2, lim, v);
	only_design(f, b);
	assert_true((memcmp(a, d1, 32) == 0 && memcmp(b, d2, 32) == 0) ||
	    (memcmp(a, d2, 32) == 0 && memcmp(b, d1, 32) == 0));
	assert_null(f->c->req);
	assert_int_equal(f->c->state, WEFT_CTL_IDLE);

	/* Filters: "box" holds only the second; types and licenses. */
	req_page(f, "search", "box", NULL, NULL, 0, NULL, NULL);
	only_design(f, a);
	assert_memory_equal(a, d2, 32);
	first = f->nrep;
	req_page(f, "search", "gear", "type", "bin", 0, NULL, NULL);
	assert_int_equal(list_items(f, first), 2);
	first = f->nrep;
	req_page(f, "search", "gear", "type", "stl", 0, NULL, NULL);
	assert_int_equal(list_items(f, first), 0);
	first = f->nrep;
	req_page(f, "search", "gear", "license", "GPL-3.0-only", 0, NULL,
	    NULL);
	assert_int_equal(list_items(f, first), 0);

	/* Sorts, and arguments of the wrong kind. */
	req_page(f, "search", "gear", "sort", "recent", 2, lim, v);
	only_design(f, a);
	assert_memory_equal(a, d1, 32);		/* the older one, second */
	first = f->nrep;
	req_page(f, "search", "gear", "sort", "likes", 0, NULL, NULL);
	assert_int_equal(list_items(f, first), 2);
	req_page(f, "search", "gear", "sort", "bogus", 0, NULL, NULL);
	expect_err(f, WEFT_EUSAGE, "unknown sort");
	req_page(f, "search", "gear", "limit", "ten", 0, NULL, NULL);
	expect_err(f, WEFT_EBADFIELD, "'limit' must be a whole number");
	assert_null(f->c->req);
	assert_int_equal(f->c->state, WEFT_CTL_IDLE);

	/* ls with a page is one frame with the count; newest first. */
	v[1] = 0;
	first = f->nrep;
	req_page(f, "ls", NULL, "sort", "recent", 2, lim, v);
	assert_int_equal(list_items(f, first), 1);
	assert_int_equal(get_uint(last(f), "total"), 2);
	only_design(f, a);
	assert_memory_equal(a, d2, 32);
	first = f->nrep;
	req_page(f, "ls", NULL, "type", "txt", 0, NULL, NULL);
	assert_int_equal(list_items(f, first), 2);
	req_page(f, "ls", NULL, "sort", "relevance", 1, lim, v);
	expect_err(f, WEFT_EUSAGE, "unknown sort");

	/* The plain stream with short ids, and a bad "short". */
	req_begin(&pk, &buf, "ls", 1);
	weft_pack_str(&pk, "short");
	weft_pack_bool(&pk, true);
	first = f->nrep;
	send_req(f, &buf);
	assert_int_equal(list_items(f, first), 2);
	it = weft_obj_at(weft_obj_get(last(f), "items"), 0);
	assert_true(get_uint(it, "short") >= 8 &&
	    get_uint(it, "short") <= 64);
	assert_null(weft_obj_get(last(f), "total"));
	req_str(f, "ls", "short", "yes");
	expect_err(f, WEFT_EBADFIELD, "'short' must be a boolean");
	assert_null(f->c->req);
	assert_null(f->c->resume);
	assert_int_equal(f->c->state, WEFT_CTL_IDLE);
}

#define OTHER_HEX	"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" \
			"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"

static void
lib_maint(struct fx *f, const char *lhex, const char *action,
    const char *author)
{
	struct weft_buf		b;
	struct weft_pack	pk;

	req_begin(&pk, &b, "library_maint", 3);
	weft_pack_str(&pk, "lib");
	weft_pack_str(&pk, lhex);
	weft_pack_str(&pk, "action");
	weft_pack_str(&pk, action);
	weft_pack_str(&pk, "author");
	weft_pack_str(&pk, author);
	send_req(f, &b);
}

static void
test_library(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	uint8_t			 design[32], lib[32], id[32];
	char			 lhex[65], dhex[65];
	size_t			 first;

	publish_one(f, design, NULL);
	req_str(f, "library_create", "name", "Gears");
	expect_ok(f);
	get_bin32(last(f), "id", lib);
	assert_null(weft_obj_get(last(f), "design"));
	req0(f, "library_create");
	expect_err(f, WEFT_EUSAGE, "a library needs a name");

	weft_hex_encode(lhex, lib, 32);
	weft_hex_encode(dhex, design, 32);
	req_begin(&pk, &b, "library_add", 2);
	weft_pack_str(&pk, "lib");
	weft_pack_str(&pk, lhex);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, dhex);
	send_req(f, &b);
	expect_ok(f);

	first = f->nrep;
	req_id(f, "library_ls", "lib", lib);
	assert_int_equal(list_items(f, first), 1);
	expect_str(f->rep[first].msg.root, "name", "Gears");
	req_id(f, "library_ls", "lib", design);
	expect_err(f, WEFT_ENOTFOUND, "not a library");

	/* A design is no library; a library is no design. */
	req_begin(&pk, &b, "library_add", 2);
	weft_pack_str(&pk, "lib");
	weft_pack_str(&pk, dhex);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, dhex);
	send_req(f, &b);
	expect_err(f, WEFT_ENOTFOUND, "not a library");
	req_begin(&pk, &b, "library_add", 2);
	weft_pack_str(&pk, "lib");
	weft_pack_str(&pk, lhex);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, lhex);
	send_req(f, &b);
	expect_err(f, WEFT_ENOTFOUND, "not a design revision");

	/* Later than the add: the newest entry decides. */
	weft_clock_set(&f->clock, NOW_MS + 1000);
	req_begin(&pk, &b, "library_remove", 2);
	weft_pack_str(&pk, "lib");
	weft_pack_str(&pk, lhex);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, dhex);
	send_req(f, &b);
	expect_ok(f);
	get_bin32(last(f), "id", id);
	first = f->nrep;
	req_id(f, "library_ls", "lib", lib);
	assert_int_equal(list_items(f, first), 0);
	req_str(f, "library_remove", "design", dhex);
	expect_err(f, WEFT_EUSAGE, "'lib' is required");

	/* Maintainers: this node's author, then another and back. */
	req_id(f, "library_maintainers", "lib", lib);
	expect_ok(f);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "maintainers")),
	    1);
	assert_int_equal(get_uint(last(f), "changes"), 0);
	lib_maint(f, lhex, "add", OTHER_HEX);
	expect_ok(f);
	get_bin32(last(f), "id", id);
	assert_int_equal(weft_store_record_type(f->store, id,
	    &(enum weft_record_type){ 0 }), 0);
	req_id(f, "library_maintainers", "lib", lib);
	expect_ok(f);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "maintainers")),
	    2);
	assert_int_equal(get_uint(last(f), "changes"), 1);
	lib_maint(f, lhex, "add", OTHER_HEX);
	expect_err(f, WEFT_EEXISTS, "already a maintainer");
	lib_maint(f, lhex, "grant", OTHER_HEX);
	expect_err(f, WEFT_EUSAGE, "action");
	lib_maint(f, lhex, "remove", OTHER_HEX);
	expect_ok(f);
	lib_maint(f, lhex, "remove", OTHER_HEX);
	expect_err(f, WEFT_ENOTFOUND, "not a maintainer");
	weft_hex_encode(dhex, f->env.author->pk, 32);
	lib_maint(f, lhex, "remove", dhex);
	expect_err(f, WEFT_EDENIED, "the last maintainer");
	req_id(f, "library_maintainers", "lib", design);
	expect_err(f, WEFT_ENOTFOUND, "not a library");
	req0(f, "library_maintainers");
	expect_err(f, WEFT_EUSAGE, "'lib' is required");
}

static void
test_verify(void **state)
{
	struct fx	*f = *state;
	uint8_t		 design[32];

	req0(f, "verify");
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "records"), 0);
	publish_one(f, design, NULL);
	req0(f, "verify");
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "records"), 1);
	assert_true(get_uint(last(f), "chunks") > 2);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "bad")), 0);
	assert_null(f->c->req);
}

/*
 * gc keeps a fresh own design (and its young pending chunks); unwant of
 * a design nothing wants says 0 files; rm frees every chunk of it.
 */
static void
test_gc_rm(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	uint8_t			 design[32];
	uint64_t		 chunks;

	publish_one(f, design, NULL);
	req0(f, "gc");
	expect_ok(f);
	chunks = get_uint(last(f), "chunks");
	assert_true(chunks > 2);
	assert_int_equal(get_uint(last(f), "freed"), 0);
	assert_int_equal(get_uint(last(f), "kept"), chunks);
	req_begin(&pk, &b, "gc", 1);
	weft_pack_str(&pk, "dry_run");
	weft_pack_bool(&pk, true);
	send_req(f, &b);
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "freed"), 0);
	req_begin(&pk, &b, "gc", 1);
	weft_pack_str(&pk, "dry_run");
	weft_pack_uint(&pk, 1);
	send_req(f, &b);
	expect_err(f, WEFT_EBADFIELD, "'dry_run' must be a bool");

	req_id(f, "unwant", "design", design);
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "files"), 0);
	req_str(f, "rm", "design", "eeeeeeeeeeeeeeee");
	assert_int_equal(status_of(last(f)), WEFT_ENOTFOUND);

	req_id(f, "rm", "design", design);
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "freed"), chunks);
	assert_int_equal(get_uint(last(f), "kept"), 0);
	assert_true(get_uint(last(f), "bytes") > 6);
	req0(f, "verify");
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "chunks"), 0);
	assert_int_equal(get_uint(last(f), "records"), 1);
	assert_null(f->c->req);
}

static void
test_policies(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	uint8_t			 design[32], lib[32];
	size_t			 first;

	publish_one(f, design, NULL);
	req_str(f, "library_create", "name", "L");
	get_bin32(last(f), "id", lib);

	req_id(f, "follow", "author", f->author.pk);
	expect_ok(f);
	req_str(f, "follow", "author", "abc");
	expect_err(f, WEFT_EUSAGE, "is not an author id");
	req0(f, "follow");
	expect_err(f, WEFT_EUSAGE, "is required");
	req_id(f, "mirror", "lib", lib);
	expect_ok(f);
	req_id(f, "mirror", "lib", design);
	expect_err(f, WEFT_ENOTFOUND, "not a library");
	req_begin(&pk, &b, "mirror", 1);
	weft_pack_str(&pk, "all");
	weft_pack_bool(&pk, true);
	send_req(f, &b);
	expect_ok(f);
	req_str(f, "mirror", "all", "yes");
	expect_err(f, WEFT_EBADFIELD, "'all' must be a bool");

	first = f->nrep;
	req0(f, "policies");
	assert_int_equal(list_items(f, first), 3);

	req_id(f, "unfollow", "author", f->author.pk);
	expect_ok(f);
	req_id(f, "unmirror", "lib", lib);
	expect_ok(f);
	req_str(f, "unmirror", "lib", "xyz");
	expect_err(f, WEFT_EUSAGE, "is not an id");
	first = f->nrep;
	req0(f, "policies");
	assert_int_equal(list_items(f, first), 1);
	expect_str(weft_obj_at(weft_obj_get(f->rep[first].msg.root,
	    "items"), 0), "kind", "mirror-all");
	/* With its progress: the one design, held whole. */
	assert_int_equal(get_uint(weft_obj_at(weft_obj_get(
	    f->rep[first].msg.root, "items"), 0), "designs"), 1);
	/* Not in force: exit 3, said so. */
	req_id(f, "unfollow", "author", f->author.pk);
	expect_err(f, WEFT_ENOTFOUND, "not followed");
	req_id(f, "unmirror", "lib", lib);
	expect_err(f, WEFT_ENOTFOUND, "not mirrored");
	/* Nothing was kept by a one-off get: no pins. */
	first = f->nrep;
	req0(f, "pins");
	assert_int_equal(list_items(f, first), 0);
}

static void
test_peers(void **state)
{
	struct fx		*f = *state;
	const struct weft_obj	*items;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	char			 hex[65], peer[400];
	uint8_t			 node[32];
	size_t			 first;

	first = f->nrep;
	req0(f, "peers");
	assert_int_equal(list_items(f, first), 2);
	items = weft_obj_get(last(f), "items");
	expect_str(weft_obj_at(items, 0), "state", "open");
	expect_str(weft_obj_at(items, 0), "sw", "weft/test");
	assert_int_equal(weft_obj_type(weft_obj_get(weft_obj_at(items, 0),
	    "listen")), WEFT_OBJ_NIL);
	expect_str(weft_obj_at(items, 1), "state", "waiting");
	assert_int_equal(get_uint(weft_obj_at(items, 1), "retry_ms"), 1500);
	assert_non_null(weft_obj_get(weft_obj_at(items, 1), "error"));

	first = f->nrep;
	req0(f, "known");
	assert_int_equal(list_items(f, first), 1);
	items = weft_obj_get(last(f), "items");
	expect_str(weft_obj_at(items, 0), "source", "connect");
	assert_true(get_bool(weft_obj_at(items, 0), "connected"));

	weft_hex_encode(hex, f->peer, 32);
	snprintf(peer, sizeof(peer), "%s@127.0.0.1:7001", hex);
	req_str(f, "connect", "peer", peer);
	expect_ok(f);
	assert_string_equal(f->connected, peer);
	expect_str(last(f), "address", "127.0.0.1:7001");
	req_str(f, "connect", "peer", "nonsense");
	expect_err(f, WEFT_EUSAGE, "expected NODEID@HOST:PORT");
	weft_hex_encode(hex, f->node, 32);
	snprintf(peer, sizeof(peer), "%s@127.0.0.1:7001", hex);
	req_str(f, "connect", "peer", peer);
	expect_err(f, WEFT_EUSAGE, "that is this node");
	req0(f, "connect");
	expect_err(f, WEFT_EUSAGE, "'peer' is required");

	weft_hex_encode(hex, f->peer, 32);
	req_begin(&pk, &b, "push", 2);
	weft_pack_str(&pk, "node");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "bytes");
	weft_pack_uint(&pk, 4096);
	send_req(f, &b);
	expect_ok(f);
	assert_int_equal(f->pushed_bytes, 4096);
	req_str(f, "push", "node", hex);
	expect_err(f, WEFT_EUSAGE, "push needs 'node'");
	req_begin(&pk, &b, "push", 2);
	weft_pack_str(&pk, "node");
	weft_pack_str(&pk, "77777777777777777777777777777777"
	    "77777777777777777777777777777777");
	weft_pack_str(&pk, "bytes");
	weft_pack_uint(&pk, 1);
	send_req(f, &b);
	expect_err(f, WEFT_ENOTFOUND, "no open connection to that node");

	req_str(f, "forget", "node", "ABABABAB");	/* a prefix, any case */
	expect_ok(f);
	get_bin32(last(f), "node", node);
	assert_memory_equal(node, f->peer, 32);
	assert_memory_equal(f->forgot, f->peer, 32);
	req_str(f, "forget", "node", "abc");
	expect_err(f, WEFT_EUSAGE, "8 or more hex characters");
	req_str(f, "disconnect", "node", "cdcdcdcd");
	expect_err(f, WEFT_ENOTFOUND, "not in the address book");
	req_str(f, "disconnect", "node", hex);
	expect_ok(f);
	assert_int_equal(f->disconnects, 1);
	req0(f, "disconnect");
	expect_err(f, WEFT_EUSAGE, "'node' is required");

	/* Networking off: empty lists, and nothing to act on. */
	f->env.net.net = NULL;
	first = f->nrep;
	req0(f, "peers");
	assert_int_equal(list_items(f, first), 0);
	first = f->nrep;
	req0(f, "known");
	assert_int_equal(list_items(f, first), 0);
	snprintf(peer, sizeof(peer), "%s@127.0.0.1:7001", hex);
	req_str(f, "connect", "peer", peer);
	expect_err(f, WEFT_EUSAGE, "networking is off");
	req_str(f, "forget", "node", hex);
	assert_int_equal(status_of(last(f)), WEFT_ENOTFOUND);
}

static void
test_stop(void **state)
{
	struct fx	*f = *state;

	req0(f, "stop");
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "pid"), (uint64_t)getpid());
	assert_int_equal(f->stops, 1);
}

/* A client that goes away mid-request: its state is freed with it. */
static void
test_close_midway(void **state)
{
	struct fx		*f = *state;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	uint8_t			*p;
	size_t			 n;

	req_begin(&pk, &b, "verify", 0);
	n = frame(&b, &p);
	assert_int_equal(weft__ctl_input(f->c, p, n), n);
	free(p);
	assert_non_null(f->c->req);
	weft__ctl_close(f->c);
	drain(f);
	assert_true(f->closed);
	assert_int_equal(f->srv.nconns, 0);
	conn_open(f);
}

/*
 * The community ops (ops_social.c): a profile with links and an avatar
 * whose EXIF is stripped, names, comments with a reply and an edit,
 * likes counted once per author, a make with a photo; and their errors.
 */
/* Signs r with kp into a stored record; returns its id. */
static void
store_signed(struct fx *f, struct weft_record *r,
    const struct weft_keypair *kp, uint8_t id[32])
{
	struct weft_buf	body, env;

	memcpy(r->author, kp->pk, 32);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	weft_record_sort(r);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, kp->sk, &env),
	    0);
	assert_int_equal(weft_store_record_put(f->store, env.data, env.len,
	    id), 0);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

/*
 * grant, grants, credits, the license check of fork and the license
 * filter of ls: another author's no-derivatives design cannot be forked
 * until that author grants it.
 */
static void
test_license(void **state)
{
	struct fx		*f = *state;
	struct weft_keypair	 other;
	struct weft_record	 r;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	const struct weft_obj	*it;
	uint8_t			 nd[32], gid[32], mine[32], fork[32];
	uint8_t			 x[32];
	char			 ndhex[65], minehex[65], me[65];
	size_t			 first;

	assert_int_equal(weft_key_generate(&other), 0);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = NOW_MS - 1000;
	r.title = strdup("No derivatives");
	r.description = strdup("");
	r.license = strdup("CC-BY-ND-4.0");
	r.message = strdup("");
	r.files = calloc(1, sizeof(*r.files));
	assert_non_null(r.files);
	r.nfiles = 1;
	r.files[0].path = strdup("a.stl");
	r.files[0].size = 1;
	memset(r.files[0].hash, 0x5a, 32);
	memset(r.files[0].index, 0x5b, 32);
	store_signed(f, &r, &other, nd);
	weft_hex_encode(ndhex, nd, 32);
	weft_hex_encode(me, f->author.pk, 32);

	/* Without a grant: refused, naming the parent and why. */
	req_str(f, "fork", "design", ndhex);
	expect_err(f, WEFT_EDENIED, "CC-BY-ND-4.0");
	/* Only the design's author grants it. */
	req_begin(&pk, &b, "grant", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, ndhex);
	weft_pack_str(&pk, "anyone");
	weft_pack_bool(&pk, true);
	send_req(f, &b);
	expect_err(f, WEFT_EDENIED, "only the design's author");
	req_str(f, "grant", "design", ndhex);
	expect_err(f, WEFT_EUSAGE, "give either 'to' or 'anyone'");

	/* The other author's grant to us arrives (as from a peer). */
	weft_record_init(&r);
	r.type = WEFT_REC_GRANT;
	r.ts = NOW_MS - 500;
	memcpy(r.grant_design, nd, 32);
	memcpy(r.grant_to, f->author.pk, 32);
	r.license = strdup("");
	store_signed(f, &r, &other, gid);
	first = f->nrep;
	req_str(f, "grants", "design", ndhex);
	assert_int_equal(list_items(f, first), 1);
	it = weft_obj_at(weft_obj_get(f->rep[first].msg.root, "items"), 0);
	get_bin32(it, "id", x);
	assert_memory_equal(x, gid, 32);
	assert_true(get_bool(it, "valid"));

	req_begin(&pk, &b, "fork", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, ndhex);
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "MIT");
	send_req(f, &b);
	expect_ok(f);
	get_bin32(last(f), "design", fork);

	/* Our own grant, to anyone, on our own design. */
	publish_one(f, mine, NULL);
	weft_hex_encode(minehex, mine, 32);
	req_begin(&pk, &b, "grant", 3);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, minehex);
	weft_pack_str(&pk, "to");
	weft_pack_str(&pk, me);
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "cc-by-4.0");
	send_req(f, &b);
	expect_ok(f);
	req_begin(&pk, &b, "grant", 3);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, minehex);
	weft_pack_str(&pk, "anyone");
	weft_pack_bool(&pk, true);
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "no-such-license");
	send_req(f, &b);
	expect_err(f, WEFT_EBADLICENSE, "no-such-license");

	/* credits: the fork, then the design it remixes. */
	first = f->nrep;
	req_id(f, "credits", "design", fork);
	assert_int_equal(list_items(f, first), 2);
	assert_true(get_bool(f->rep[first].msg.root, "complete"));
	it = weft_obj_at(weft_obj_get(f->rep[first].msg.root, "items"), 1);
	get_bin32(it, "rev", x);
	assert_memory_equal(x, nd, 32);
	req_str(f, "credits", "design", "eeeeeeeeeeeeeeee");
	assert_int_not_equal(status_of(last(f)), 0);

	/* seeds: none, then other's receipt; an expired one never shows. */
	first = f->nrep;
	req_id(f, "seeds", "design", nd);
	assert_int_equal(list_items(f, first), 0);
	get_bin32(f->rep[first].msg.root, "rev", x);
	assert_memory_equal(x, nd, 32);
	weft_record_init(&r);
	r.type = WEFT_REC_RECEIPT;
	r.ts = NOW_MS - 5000;
	r.has_design = true;
	memcpy(r.design, nd, 32);
	memcpy(r.receipt_rev, nd, 32);
	r.expires = NOW_MS - 1;
	store_signed(f, &r, &f->author, x);
	weft_record_init(&r);
	r.type = WEFT_REC_RECEIPT;
	r.ts = NOW_MS - 1000;
	r.has_design = true;
	memcpy(r.design, nd, 32);
	memcpy(r.receipt_rev, nd, 32);
	r.expires = NOW_MS + 1000;
	store_signed(f, &r, &other, x);
	first = f->nrep;
	req_id(f, "seeds", "design", nd);
	assert_int_equal(list_items(f, first), 1);
	it = weft_obj_at(weft_obj_get(f->rep[first].msg.root, "items"), 0);
	get_bin32(it, "node", x);
	assert_memory_equal(x, other.pk, 32);
	assert_false(get_bool(it, "self"));
	req_str(f, "seeds", "design", "eeeeeeeeeeeeeeee");
	assert_int_not_equal(status_of(last(f)), 0);

	/* ls by license and class: MIT (fork, ours), CC-BY-ND (theirs). */
	first = f->nrep;
	req_str(f, "ls", "license", "MIT");
	assert_int_equal(list_items(f, first), 2);
	first = f->nrep;
	req_str(f, "ls", "license", "CC-BY-ND-4.0");
	assert_int_equal(list_items(f, first), 1);
	first = f->nrep;
	req_str(f, "search", "query", "gear");
	assert_int_equal(list_items(f, first), 1);
	req_str(f, "ls", "license", "nonsense-license");
	expect_err(f, WEFT_EBADLICENSE, "nonsense-license");
	weft_key_release(&other);
}

static void
test_social(void **state)
{
	static const uint8_t	 png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0,
		0, 0, 0, 1, 2, 3, 4,
		0, 0, 0, 4, 'e', 'X', 'I', 'f', 'G', 'P', 'S', '!', 1, 2, 3, 4,
		0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
	};
	struct fx		*f = *state;
	const struct weft_obj	*r, *ph;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	const uint8_t		*data;
	size_t			 len, first;
	uint8_t			 design[32], rev[32], c1[32], e1[32];
	char			 hex[65], c1hex[65];

	publish_one(f, design, rev);
	weft_hex_encode(hex, design, 32);

	/* A profile with a link and an avatar; a bad link is refused. */
	req_begin(&pk, &b, "profile_set", 4);
	weft_pack_str(&pk, "name");
	weft_pack_str(&pk, "Ada");
	weft_pack_str(&pk, "links");
	weft_pack_array(&pk, 1);
	weft_pack_str(&pk, "https://example.org/ada");
	weft_pack_str(&pk, "avatar");
	weft_pack_bin(&pk, png, sizeof(png));
	weft_pack_str(&pk, "avatar_name");
	weft_pack_str(&pk, "ada.png");
	send_req(f, &b);
	expect_ok(f);
	req_begin(&pk, &b, "profile_set", 2);
	weft_pack_str(&pk, "name");
	weft_pack_str(&pk, "Ada");
	weft_pack_str(&pk, "links");
	weft_pack_array(&pk, 1);
	weft_pack_str(&pk, "javascript:alert(1)");
	send_req(f, &b);
	expect_err(f, WEFT_EBADFIELD, "not a profile");
	req_str(f, "profile_set", "bio", "no name");
	expect_err(f, WEFT_EUSAGE, "needs a name");
	req0(f, "profile");
	expect_ok(f);
	req0(f, "avatar");
	expect_ok(f);
	r = last(f);
	expect_str(r, "name", "ada.png");
	assert_int_equal(weft_obj_bin(weft_obj_get(r, "data"), &data, &len),
	    0);
	assert_int_equal(len, sizeof(png) - 16);	/* no eXIf */
	req_str(f, "profile", "author", "zzzzzzzz");
	expect_err(f, WEFT_EUSAGE, "not an author id");
	weft_hex_encode(c1hex, f->node, 32);
	req_str(f, "profile", "author", c1hex);
	expect_err(f, WEFT_EUSAGE, "is a node id");
	/* A peer's node id, known to the net before the store keeps it. */
	req_id(f, "follow", "author", f->peer);
	expect_err(f, WEFT_EUSAGE, "is a node id");

	/* names: ours, and "" for an author without a profile. */
	req_begin(&pk, &b, "names", 1);
	weft_pack_str(&pk, "authors");
	weft_pack_array(&pk, 2);
	weft_pack_bin(&pk, f->author.pk, 32);
	weft_pack_bin(&pk, design, 32);
	send_req(f, &b);
	expect_ok(f);
	ph = weft_obj_get(last(f), "names");
	assert_int_equal(weft_obj_len(ph), 2);

	/* A comment, a reply, an edit; the count ignores the edit. */
	req_begin(&pk, &b, "comment", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "text");
	weft_pack_str(&pk, "Nice");
	send_req(f, &b);
	expect_ok(f);
	get_bin32(last(f), "id", c1);
	weft_hex_encode(c1hex, c1, 32);
	req_begin(&pk, &b, "comment", 3);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "text");
	weft_pack_str(&pk, "Nicer");
	weft_pack_str(&pk, "edit");
	weft_pack_str(&pk, c1hex);
	send_req(f, &b);
	expect_ok(f);
	get_bin32(last(f), "id", e1);
	req_begin(&pk, &b, "comment", 3);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "text");
	weft_pack_str(&pk, "Thanks");
	weft_pack_str(&pk, "reply_to");
	weft_pack_str(&pk, hex);		/* not a comment */
	send_req(f, &b);
	expect_err(f, WEFT_ENOTFOUND, "not a comment on this design");
	req_str(f, "comment", "design", hex);
	expect_err(f, WEFT_EUSAGE, "needs text");
	first = f->nrep;
	req_str(f, "comments", "design", hex);
	assert_int_equal(list_items(f, first), 2);

	/* Likes: once per author, "unchanged" the second time. */
	req_begin(&pk, &b, "react", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "value");
	weft_pack_str(&pk, "like");
	send_req(f, &b);
	expect_ok(f);
	req_begin(&pk, &b, "react", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "value");
	weft_pack_str(&pk, "like");
	send_req(f, &b);
	expect_ok(f);
	assert_true(get_bool(last(f), "unchanged"));
	req_begin(&pk, &b, "react", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "value");
	weft_pack_str(&pk, "dislike");
	send_req(f, &b);
	expect_err(f, WEFT_EUSAGE, "a reaction is");

	/* A make: its photo first, then the record. */
	req_begin(&pk, &b, "photo", 2);
	weft_pack_str(&pk, "name");
	weft_pack_str(&pk, "print.png");
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, png, sizeof(png));
	send_req(f, &b);
	expect_ok(f);
	r = last(f);
	req_begin(&pk, &b, "make", 3);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "photos");
	weft_pack_array(&pk, 1);
	weft_pack_map(&pk, 4);
	weft_pack_str(&pk, "path");
	weft_pack_str(&pk, "print.png");
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, get_uint(r, "size"));
	{
		uint8_t	h[32], ix[32];

		get_bin32(r, "hash", h);
		get_bin32(r, "index", ix);
		weft_pack_str(&pk, "hash");
		weft_pack_bin(&pk, h, 32);
		weft_pack_str(&pk, "index");
		weft_pack_bin(&pk, ix, 32);
	}
	weft_pack_str(&pk, "printer");
	weft_pack_str(&pk, "MK4");
	send_req(f, &b);
	expect_ok(f);
	req_begin(&pk, &b, "photo", 2);
	weft_pack_str(&pk, "name");
	weft_pack_str(&pk, "x.gif");
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, "GIF89a", 6);
	send_req(f, &b);
	expect_err(f, WEFT_EBADFIELD, "JPEG, PNG or WebP");
	first = f->nrep;
	req_str(f, "makes", "design", hex);
	assert_int_equal(list_items(f, first), 1);

	/* libraries: none yet, then one holding nothing. */
	first = f->nrep;
	req0(f, "libraries");
	assert_int_equal(list_items(f, first), 0);
	req_str(f, "library_create", "name", "Hooks");
	expect_ok(f);
	first = f->nrep;
	req_str(f, "libraries", "search", "HOOK");
	assert_int_equal(list_items(f, first), 1);
	first = f->nrep;
	req_str(f, "libraries", "search", "gear");
	assert_int_equal(list_items(f, first), 0);

	req_str(f, "social", "design", hex);
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "likes"), 1);
	assert_int_equal(get_uint(last(f), "comments"), 1);
	assert_int_equal(get_uint(last(f), "makes"), 1);
	assert_true(get_bool(last(f), "liked"));
	(void)rev;
	(void)e1;
}

/* Publishes one file at path; the reply's design and rev ids. */
static void
publish_file(struct fx *f, const char *title, const char *path,
    const char *data, uint8_t design[32], uint8_t rev[32])
{
	struct weft_buf		 b;
	struct weft_pack	 pk;
	size_t			 len = strlen(data), before;

	req_begin(&pk, &b, "publish", 3);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, title);
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "MIT");
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, 1);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "path");
	weft_pack_str(&pk, path);
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, len);
	before = f->nrep;
	send_req(f, &b);
	expect_ok(f);
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, "data");
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, data, len);
	send_req(f, &b);
	assert_int_equal(f->nrep, before + 2);
	expect_ok(f);
	get_bin32(last(f), "design", design);
	get_bin32(last(f), "id", rev);
}

/* A 10 x 20 x 30 mm box as ASCII STL, its corners shifted by d mm. */
static char *
box_stl(double d)
{
	static const int	q[12][3] = {
		{ 0, 2, 6 }, { 0, 6, 4 }, { 1, 5, 7 }, { 1, 7, 3 },
		{ 0, 4, 5 }, { 0, 5, 1 }, { 2, 3, 7 }, { 2, 7, 6 },
		{ 0, 1, 3 }, { 0, 3, 2 }, { 4, 6, 7 }, { 4, 7, 5 },
	};
	char	*s = malloc(8192);
	size_t	 n = 0;

	assert_non_null(s);
	n += (size_t)snprintf(s + n, 8192 - n, "solid box\n");
	for (int t = 0; t < 12; t++) {
		n += (size_t)snprintf(s + n, 8192 - n, "facet normal 0 0 0\n"
		    "outer loop\n");
		for (int k = 0; k < 3; k++) {
			int	v = q[t][k];

			n += (size_t)snprintf(s + n, 8192 - n, "vertex %g %g "
			    "%g\n", d + (v & 4 ? 10 : 0), d + (v & 2 ? 20 : 0),
			    d + (v & 1 ? 30 : 0));
		}
		n += (size_t)snprintf(s + n, 8192 - n, "endloop\nendfacet\n");
	}
	snprintf(s + n, 8192 - n, "endsolid box\n");
	return s;
}

/* A page of ls with a fits filter of x, y, z um: how many designs. */
static size_t
fits_count(struct fx *f, uint64_t x, uint64_t y, uint64_t z)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	size_t			first = f->nrep;

	req_begin(&pk, &b, "ls", 1);
	weft_pack_str(&pk, "fits");
	weft_pack_array(&pk, 3);
	weft_pack_uint(&pk, x);
	weft_pack_uint(&pk, y);
	weft_pack_uint(&pk, z);
	send_req(f, &b);
	expect_ok(f);
	return list_items(f, first);
}

/*
 * geom and similar: a published mesh gets a geom record by the author
 * with its facts and a thumbnail; the same box moved is identical; a
 * fork gets facts and is a remix; fit filters; a design without meshes
 * has no facts.
 */
static void
test_geom(void **state)
{
	struct fx		*f = *state;
	struct weft_record	 r;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	const struct weft_obj	*o, *it;
	const uint8_t		*env, *png;
	size_t			 len, first;
	uint8_t			 d1[32], r1[32], d2[32], r2[32], d3[32], x[32];
	char			*stl;

	stl = box_stl(0);
	publish_file(f, "Box", "box.stl", stl, d1, r1);
	free(stl);
	stl = box_stl(5);
	publish_file(f, "Box again", "sub/moved.STL", stl, d2, r2);
	free(stl);
	publish_one(f, d3, NULL);

	/* The geom record of the revision, by the author, with facts. */
	req_id(f, "geom", "id", r1);
	expect_ok(f);
	o = last(f);
	assert_int_equal(weft_obj_bin(weft_obj_get(o, "record"), &env, &len),
	    0);
	assert_null(weft_obj_get(o, "thumbnail"));
	weft_record_init(&r);
	assert_int_equal(weft_record_verify(env, len, &r, NULL), 0);
	assert_int_equal(r.type, WEFT_REC_GEOM);
	assert_memory_equal(r.author, f->author.pk, 32);
	assert_memory_equal(r.on_rev.ids[0], r1, 32);
	assert_int_equal(r.ngfacts, 1);
	assert_string_equal(r.gfacts[0].path, "box.stl");
	assert_string_equal(r.gfacts[0].note, "");
	assert_true(r.gfacts[0].triangles == 12);
	assert_true(r.gfacts[0].box[0] == 10000 &&
	    r.gfacts[0].box[1] == 20000 && r.gfacts[0].box[2] == 30000);
	assert_true(r.gfacts[0].extents[0] == 30000 &&
	    r.gfacts[0].extents[2] == 10000);
	assert_true(r.gfacts[0].area == 220000);
	assert_true(r.gfacts[0].closed && r.gfacts[0].volume == 6000000);
	assert_true(r.gfacts[0].has_key);
	assert_int_equal(r.nfiles, 1);
	weft_record_release(&r);

	/* With the thumbnail: a PNG. */
	req_begin(&pk, &b, "geom", 2);
	weft_pack_str(&pk, "id");
	{
		char	hex[65];

		weft_hex_encode(hex, r1, 32);
		weft_pack_str(&pk, hex);
	}
	weft_pack_str(&pk, "thumbnail");
	weft_pack_bool(&pk, true);
	send_req(f, &b);
	expect_ok(f);
	assert_int_equal(weft_obj_bin(weft_obj_get(last(f), "thumbnail"),
	    &png, &len), 0);
	assert_true(len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);

	/* No mesh, no facts; not a revision. */
	req_id(f, "geom", "id", d3);
	expect_err(f, WEFT_ENOTFOUND, "no geometry facts");
	memset(x, 0xee, 32);
	req_id(f, "geom", "id", x);
	expect_err(f, WEFT_ENOTFOUND, "");

	/* The moved box is identical; the design itself is not listed. */
	first = f->nrep;
	req_id(f, "similar", "design", d1);
	expect_ok(f);
	assert_int_equal(list_items(f, first), 1);
	it = weft_obj_at(weft_obj_get(last(f), "items"), 0);
	get_bin32(it, "design", x);
	assert_memory_equal(x, d2, 32);
	assert_true(get_bool(it, "identical"));
	assert_int_equal(get_uint(it, "score"), 1000000);
	req_id(f, "similar", "design", d3);
	expect_err(f, WEFT_ENOTFOUND, "no geometry facts");
	req_begin(&pk, &b, "similar", 2);
	weft_pack_str(&pk, "design");
	{
		char	hex[65];

		weft_hex_encode(hex, d1, 32);
		weft_pack_str(&pk, hex);
	}
	weft_pack_str(&pk, "min_score");
	weft_pack_uint(&pk, 1000001);
	send_req(f, &b);
	expect_err(f, WEFT_EBADFIELD, "min_score");

	/* A fork gets facts too, and knows whom it remixes. */
	req_id(f, "fork", "design", d1);
	expect_ok(f);
	get_bin32(last(f), "design", x);
	req_id(f, "geom", "id", x);
	expect_ok(f);
	first = f->nrep;
	req_id(f, "similar", "design", x);
	expect_ok(f);
	assert_int_equal(list_items(f, first), 2);
	for (uint32_t i = 0; i < 2; i++) {
		uint8_t	y[32];

		it = weft_obj_at(weft_obj_get(last(f), "items"), i);
		get_bin32(it, "design", y);
		expect_str(it, "relation", memcmp(y, d1, 32) == 0 ? "parent" :
		    "");
	}

	/* Fits: both boxes in 31 x 21 x 11 mm (any order), not 29 x ... */
	assert_int_equal(fits_count(f, 11000, 31000, 21000), 3);
	assert_int_equal(fits_count(f, 29000, 21000, 11000), 0);
	assert_int_equal(fits_count(f, 30000, 20000, 10000), 3);
	req_begin(&pk, &b, "ls", 1);
	weft_pack_str(&pk, "fits");
	weft_pack_array(&pk, 2);
	weft_pack_uint(&pk, 1);
	weft_pack_uint(&pk, 1);
	send_req(f, &b);
	expect_err(f, WEFT_EBADFIELD, "fits");
}

/* A genesis revision by another author (kp), without files. */
static void
other_rev(struct fx *f, const struct weft_keypair *kp, const char *title,
    uint8_t id[32])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = NOW_MS - 2000;
	r.title = strdup(title);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	store_signed(f, &r, kp, id);
}

/*
 * block, unblock, blocks, moderator_add/rm, moderators, label, reports:
 * a block takes a design out of the store and show says why; a blocked
 * author's next record is refused by the store; a moderator's spam label
 * hides, a stranger's (ours, here) is a report.
 */
static void
test_moderation(void **state)
{
	struct fx		*f = *state;
	struct weft_keypair	 other;
	struct weft_record	 r;
	struct weft_buf		 b, body, env;
	struct weft_pack	 pk;
	const struct weft_obj	*it;
	const char		*s;
	size_t			 first, n;
	uint8_t			 mine[32], theirs[32], x[32];
	char			 hex[65], me[65], ohex[65];

	assert_int_equal(weft_key_generate(&other), 0);
	publish_one(f, mine, NULL);
	other_rev(f, &other, "Their gear", theirs);
	weft_hex_encode(hex, theirs, 32);
	weft_hex_encode(me, f->author.pk, 32);
	weft_hex_encode(ohex, other.pk, 32);
	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 2);

	/* Blocks: not our own author, not nothing, not gibberish. */
	req_str(f, "block", "target", me);
	expect_err(f, WEFT_EUSAGE, "own author");
	req0(f, "block");
	expect_err(f, WEFT_EUSAGE, "'target' is required");
	req_str(f, "block", "target", "eeeeeeeeeeeeeeee");
	expect_err(f, WEFT_ENOTFOUND, "eeeeeeeeeeeeeeee");
	req_begin(&pk, &b, "block", 2);
	weft_pack_str(&pk, "target");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "kind");
	weft_pack_str(&pk, "planet");
	send_req(f, &b);
	expect_err(f, WEFT_EUSAGE, "planet");

	/* Their design blocked: out of ls, show says why. */
	req_str(f, "block", "target", hex);
	expect_ok(f);
	assert_int_equal(weft_obj_str(weft_obj_get(last(f), "kind"), &s, &n),
	    0);
	assert_true(n == 6 && memcmp(s, "design", 6) == 0);
	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 1);
	first = f->nrep;
	req0(f, "blocks");
	assert_int_equal(list_items(f, first), 1);
	it = weft_obj_at(weft_obj_get(f->rep[first].msg.root, "items"), 0);
	get_bin32(it, "target", x);
	assert_memory_equal(x, theirs, 32);
	/* The block took it out of the store: show says why. */
	req_id(f, "show", "id", theirs);
	expect_err(f, WEFT_ENOTFOUND, "not kept here: blocked here (design");
	req_id(f, "show", "id", mine);
	expect_ok(f);
	assert_null(weft_obj_get(last(f), "moderation"));
	hex[12] = '\0';
	req_str(f, "unblock", "target", hex);
	expect_ok(f);
	req_str(f, "unblock", "target", hex);
	expect_err(f, WEFT_ENOTFOUND, "not blocked");
	/* Unblocked, it may come back (here as sync would bring it). */
	other_rev(f, &other, "Their gear", x);
	assert_memory_equal(x, theirs, 32);
	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 2);

	/* Their author blocked: the store refuses their next record. */
	req_begin(&pk, &b, "block", 2);
	weft_pack_str(&pk, "target");
	weft_pack_str(&pk, ohex);
	weft_pack_str(&pk, "kind");
	weft_pack_str(&pk, "author");
	send_req(f, &b);
	expect_ok(f);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = NOW_MS - 1500;
	memcpy(r.author, other.pk, 32);
	r.title = strdup("Blocked gear");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, other.sk,
	    &env), 0);
	assert_int_equal(weft_store_record_put(f->store, env.data, env.len,
	    x), WEFT_EBLOCKED);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(&r);
	req_str(f, "unblock", "target", ohex);
	expect_ok(f);
	other_rev(f, &other, "Their gear", x);
	assert_memory_equal(x, theirs, 32);

	/* Labels: ours on their design is a report and changes nothing. */
	req_begin(&pk, &b, "label", 2);
	weft_pack_str(&pk, "target");
	weft_pack_str(&pk, ohex);
	weft_pack_str(&pk, "label");
	weft_pack_str(&pk, "Spam");
	send_req(f, &b);
	expect_err(f, WEFT_EUSAGE, "not a label");
	weft_hex_encode(hex, theirs, 32);
	req_begin(&pk, &b, "label", 3);
	weft_pack_str(&pk, "target");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "label");
	weft_pack_str(&pk, "nsfw");
	weft_pack_str(&pk, "reason");
	weft_pack_str(&pk, "see the photos");
	send_req(f, &b);
	expect_ok(f);
	first = f->nrep;
	req0(f, "reports");
	assert_int_equal(list_items(f, first), 1);
	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 2);

	/* Their spam label on our design hides it once they moderate. */
	weft_record_init(&r);
	r.type = WEFT_REC_LABEL;
	r.ts = NOW_MS - 1000;
	r.label_on = WEFT_LABEL_DESIGN;
	memcpy(r.label_target, mine, 32);
	r.label = strdup("spam");
	r.label_reason = strdup("");
	store_signed(f, &r, &other, x);
	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 2);
	req_str(f, "moderator_add", "author", ohex);
	expect_ok(f);
	first = f->nrep;
	req0(f, "moderators");
	assert_int_equal(list_items(f, first), 1);
	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 1);
	req_id(f, "show", "id", mine);
	expect_ok(f);
	assert_int_equal(weft_obj_str(weft_obj_get(last(f), "moderation"),
	    &s, &n), 0);
	assert_true(n > 8 && memcmp(s, "blocked:", 8) == 0);
	/* Our report stays a report; theirs is not one. */
	first = f->nrep;
	req0(f, "reports");
	assert_int_equal(list_items(f, first), 1);
	req_begin(&pk, &b, "reports", 1);
	weft_pack_str(&pk, "all");
	weft_pack_bool(&pk, true);
	first = f->nrep;
	send_req(f, &b);
	assert_int_equal(list_items(f, first), 2);
	req_str(f, "moderator_rm", "author", ohex);
	expect_ok(f);
	req_str(f, "moderator_rm", "author", ohex);
	assert_int_not_equal(status_of(last(f)), 0);
	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 2);
	weft_key_release(&other);
}

/*
 * retract (ops_retract.c): one revision, then the design with a reason;
 * every lookup of them then says retracted; a comment with its edit;
 * another author's design, an unknown id and a retract are refused.
 */
static void
test_retract(void **state)
{
	struct fx		*f = *state;
	struct weft_keypair	 other;
	struct weft_record	 r;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	const struct weft_obj	*rep;
	uint8_t			 design[32], rev[32], rev2[32], id[32];
	uint8_t			 c1[32], ret[32], theirs[32];
	char			 hex[65], c1hex[65];
	size_t			 first;

	publish_one(f, design, rev);
	rep = publish(f, "Gear wheel v2", design, "hi\n", 3, big, 1000);
	get_bin32(rep, "id", rev2);
	weft_hex_encode(hex, design, 32);

	/* One revision: the design keeps its genesis as its head. */
	req_id(f, "retract", "id", rev2);
	expect_ok(f);
	req_id(f, "log", "design", design);
	expect_ok(f);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "items")), 1);
	assert_int_equal(weft_obj_len(weft_obj_get(last(f), "heads")), 1);
	req_id(f, "show", "id", rev2);
	expect_err(f, WEFT_ERETRACTED, "(no reason given)");

	/* A comment and its edit go together. */
	req_begin(&pk, &b, "comment", 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "text");
	weft_pack_str(&pk, "Nice");
	send_req(f, &b);
	expect_ok(f);
	get_bin32(last(f), "id", c1);
	weft_hex_encode(c1hex, c1, 32);
	req_begin(&pk, &b, "comment", 3);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "text");
	weft_pack_str(&pk, "Nicer");
	weft_pack_str(&pk, "edit");
	weft_pack_str(&pk, c1hex);
	send_req(f, &b);
	expect_ok(f);
	req_id(f, "retract", "id", c1);
	expect_ok(f);
	first = f->nrep;
	req_str(f, "comments", "design", hex);
	assert_int_equal(list_items(f, first), 0);
	req_str(f, "social", "design", hex);
	expect_ok(f);
	assert_int_equal(get_uint(last(f), "comments"), 0);

	/* The design, with a reason: gone from ls and every lookup. */
	req_begin(&pk, &b, "retract", 2);
	weft_pack_str(&pk, "id");
	weft_pack_str(&pk, hex);
	weft_pack_str(&pk, "reason");
	weft_pack_str(&pk, "Held a key");
	send_req(f, &b);
	expect_ok(f);
	get_bin32(last(f), "id", ret);
	req_id(f, "show", "id", design);
	expect_err(f, WEFT_ERETRACTED, "(reason: Held a key)");
	hex[12] = '\0';	/* a prefix */
	req_str(f, "log", "design", hex);
	expect_err(f, WEFT_ERETRACTED, "(reason: Held a key)");
	req_id(f, "get", "design", design);
	assert_int_equal(status_of(last(f)), WEFT_ERETRACTED);
	first = f->nrep;
	req0(f, "ls");
	assert_int_equal(list_items(f, first), 0);
	req_id(f, "retract", "id", design);
	assert_int_equal(status_of(last(f)), WEFT_ERETRACTED);

	/* A retract, another author's design, an unknown id: refused. */
	req_id(f, "retract", "id", ret);
	expect_err(f, WEFT_EUSAGE, "cannot be retracted");
	assert_int_equal(weft_key_generate(&other), 0);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = 1700000000000;
	r.title = strdup("Theirs");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	store_signed(f, &r, &other, theirs);
	req_id(f, "retract", "id", theirs);
	expect_err(f, WEFT_EDENIED, "only the author");
	memset(id, 0xee, 32);
	req_id(f, "retract", "id", id);
	assert_int_equal(status_of(last(f)), WEFT_ENOTFOUND);
	req0(f, "retract");
	expect_err(f, WEFT_EUSAGE, "'id' is required");
	weft_key_release(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_show_log_tree,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ls_search, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_search_pages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_library, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_social, setup, teardown),
		cmocka_unit_test_setup_teardown(test_license, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moderation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_midway, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
