/*
 * The net's table of channel applications (struct weft_net_app), with two
 * real nets on one loop over 127.0.0.1: registering (a purpose taken, the
 * net's own included, is refused; the table has a cap), and dispatch
 * through the table. An application "probe" registered on both nets is
 * told of the connection with zeroed per-peer state, opens a channel
 * through the table, and gets the channel the other side opened and its
 * message; a channel of a purpose nobody registered never reaches it; a
 * message it refuses closes the connection as "bad probe message", and
 * both sides are told the connection went down.
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

#include <sodium.h>
#include <uv.h>

#include "weft/err.h"
#include "weft/key.h"
#include "weft/mux.h"

#include "net.h"

static const uint8_t	netkey[32] = { 7 };

/* Per-peer state: must come zeroed, and stays the connection's own. */
struct probe_peer {
	uint32_t	magic;		/* 0 when made, then PROBE_MAGIC */
	uint16_t	out;		/* our probe channel */
	uint16_t	in;		/* the peer's */
};

#define PROBE_MAGIC	0x70726f62u

/* What one net's probe saw. */
struct probe {
	struct weft_net_app	 app;
	unsigned		 ups, opens, msgs, ends, downs;
	bool			 zeroed;	/* every state came zeroed */
	bool			 sender;	/* opens a channel when up */
	struct probe_peer	*st;		/* the last state seen */
	char			 last[16];
};

static void
probe_up(void *arg, struct weft_peer *p, void *st)
{
	struct probe		*pr = arg;
	struct probe_peer	*pp = st;
	struct weft_mux		*mux;

	pr->ups++;
	assert_non_null(pp);
	pr->zeroed = pr->zeroed && pp->magic == 0 && pp->out == 0;
	pp->magic = PROBE_MAGIC;
	pr->st = pp;
	if (!pr->sender)
		return;
	assert_int_equal(weft__net_chan_open(p, "probe", &pp->out), 0);
	mux = weft_session_mux(&p->sess);
	assert_int_equal(weft_mux_send(mux, pp->out, "hello", 5), 0);
	/* A purpose nobody registered: the other net ends it. */
	{
		uint16_t	ch;

		assert_int_equal(weft_mux_open(mux, "nobody", 0, &ch), 0);
		assert_int_equal(weft_mux_send(mux, ch, "lost", 4), 0);
	}
}

static int
probe_open(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct probe		*pr = arg;
	struct probe_peer	*pp = st;

	(void)p;
	pr->opens++;
	assert_int_equal(pp->magic, PROBE_MAGIC);
	pp->in = ch;
	return 0;
}

static int
probe_data(void *arg, struct weft_peer *p, void *st,
    const struct weft_mux_ev *ev)
{
	struct probe		*pr = arg;
	struct probe_peer	*pp = st;

	(void)p;
	assert_int_equal(pp->magic, PROBE_MAGIC);
	assert_int_equal(ev->ch, pp->in);
	pr->msgs++;
	snprintf(pr->last, sizeof(pr->last), "%.*s", (int)ev->len,
	    (const char *)ev->data);
	return ev->len == 3 && memcmp(ev->data, "bad", 3) == 0 ?
	    WEFT_EPROTO : 0;
}

static void
probe_end(void *arg, struct weft_peer *p, void *st, uint16_t ch)
{
	struct probe	*pr = arg;

	(void)p;
	(void)st;
	(void)ch;
	pr->ends++;
}

static void
probe_down(void *arg, struct weft_peer *p, void *st)
{
	struct probe		*pr = arg;
	struct probe_peer	*pp = st;

	(void)p;
	assert_int_equal(pp->magic, PROBE_MAGIC);
	pr->downs++;
}

static void
probe_init(struct probe *pr, bool sender)
{
	memset(pr, 0, sizeof(*pr));
	pr->zeroed = true;
	pr->sender = sender;
	pr->app.name = "probe";
	pr->app.purpose = "probe";
	pr->app.state_size = sizeof(struct probe_peer);
	pr->app.arg = pr;
	pr->app.up = probe_up;
	pr->app.open = probe_open;
	pr->app.data = probe_data;
	pr->app.end = probe_end;
	pr->app.down = probe_down;
}

/* Runs the loop until *done or 5 s passed. */
static bool
run_until(uv_loop_t *loop, bool (*done)(void *), void *arg)
{
	uint64_t	end;

	/* The net's tick (WEFT_NET_TICK_MS) wakes the loop at least. */
	uv_update_time(loop);
	end = uv_now(loop) + 5000;
	while (!done(arg) && uv_now(loop) < end)
		uv_run(loop, UV_RUN_ONCE);
	return done(arg);
}

static bool
got_hello(void *arg)
{
	struct probe	*pr = arg;

	return pr->msgs == 1;
}

static bool
both_down(void *arg)
{
	struct probe	**pr = arg;

	return pr[0]->downs == 1 && pr[1]->downs == 1;
}

static void
test_register(void **state)
{
	static const struct weft_net_app	 own = { .purpose = "addrs" };
	static struct weft_net_app		 fill[WEFT_PEER_APPS];
	static char				 names[WEFT_PEER_APPS][8];
	struct weft_net_limits			 l;
	struct weft_keypair			 k;
	struct weft_net				*n;
	struct probe				 pr;
	uv_loop_t				 loop;
	unsigned				 i;

	(void)state;
	assert_int_equal(weft_key_generate(&k), 0);
	weft_net_limits_default(&l);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(weft_net_start(&n, &loop, netkey, &k, NULL, &l), 0);
	probe_init(&pr, false);
	assert_int_equal(weft_net_app_add(n, &pr.app), 0);
	assert_int_equal(weft_net_app_add(n, &pr.app), WEFT_EEXISTS);
	assert_int_equal(weft_net_app_add(n, &own), WEFT_EEXISTS);
	for (i = 0; i < WEFT_PEER_APPS; i++) {
		snprintf(names[i], sizeof(names[i]), "fill%u", i);
		fill[i].name = fill[i].purpose = names[i];
		if (weft_net_app_add(n, &fill[i]) != 0)
			break;
	}
	/* addrs, bench and probe were there: the rest fitted, then no more. */
	assert_int_equal(i, WEFT_PEER_APPS - 3);
	assert_int_equal(weft_net_app_add(n, &fill[i]), WEFT_ETOOBIG);
	weft_net_stop(n);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	weft_key_release(&k);
}

static void
test_dispatch(void **state)
{
	struct weft_net_limits	 l;
	struct weft_keypair	 ka, kb;
	struct weft_net		*a, *b;
	struct weft_peer	*p;
	struct probe		 pa, pb, *both[2] = { &pa, &pb };
	uv_loop_t		 loop;
	char			 peer[64 * 2 + 1 + WEFT_NET_ADDR_MAX];

	(void)state;
	assert_int_equal(weft_key_generate(&ka), 0);
	assert_int_equal(weft_key_generate(&kb), 0);
	weft_net_limits_default(&l);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(weft_net_start(&a, &loop, netkey, &ka,
	    "127.0.0.1:0", &l), 0);
	assert_int_equal(weft_net_start(&b, &loop, netkey, &kb, NULL, &l), 0);
	probe_init(&pa, false);
	probe_init(&pb, true);
	assert_int_equal(weft_net_app_add(a, &pa.app), 0);
	assert_int_equal(weft_net_app_add(b, &pb.app), 0);

	sodium_bin2hex(peer, 65, ka.pk, 32);
	snprintf(peer + 64, sizeof(peer) - 64, "@%s", a->listen);
	assert_int_equal(weft_net_connect(b, peer), 0);
	assert_true(run_until(&loop, got_hello, &pa));
	assert_int_equal(pa.ups, 1);
	assert_int_equal(pb.ups, 1);
	assert_true(pa.zeroed && pb.zeroed);
	assert_int_equal(pa.opens, 1);		/* "nobody" never came */
	assert_string_equal(pa.last, "hello");
	assert_int_equal(pb.opens, 0);
	assert_int_equal(pa.downs + pb.downs, 0);

	/* A message probe refuses closes the connection on both sides. */
	p = weft_peers_find(&b->peers, ka.pk);
	assert_non_null(p);
	assert_int_equal(weft_mux_send(weft_session_mux(&p->sess),
	    pb.st->out, "bad", 3), 0);
	weft__net_flush(p);
	assert_true(run_until(&loop, both_down, both));
	assert_int_equal(pa.msgs, 2);
	assert_null(weft_peers_find(&a->peers, kb.pk));

	weft_net_stop(b);
	weft_net_stop(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	weft_key_release(&ka);
	weft_key_release(&kb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_dispatch),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
