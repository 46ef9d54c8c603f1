/*
 * weft_net_learn(), the entry point for addresses heard outside the
 * addrs message (LAN discovery), and the address book's store, with two
 * real nets on one loop over 127.0.0.1: a learnt address is dialled at
 * once and verified only by a handshake with the expected node (a wrong
 * node id there stays unverified and fails); a net given a store writes
 * its verified entries when it stops, and a new net reads them back and
 * dials them at once.
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

#include "weft/err.h"
#include "weft/key.h"

#include "net.h"
#include "store.h"

static const uint8_t	netkey[32] = { 7 };

struct wait {
	struct weft_net	*n;
	const uint8_t	*node;
	bool		 want_verified;	/* else: want a failure */
	bool		 done;
};

static void
check_cb(uv_timer_t *t)
{
	struct wait		*w = t->data;
	struct weft_addr	*e = weft_addrbook_find(&w->n->book, w->node);

	if (w->want_verified)
		w->done = e != NULL && e->verified &&
		    weft_peers_find(&w->n->peers, w->node) != NULL;
	else
		w->done = e == NULL || e->fails > 0;
	if (w->done)
		uv_stop(t->loop);
}

/* Runs the loop until w is done or 5 s passed. */
static bool
run_until(uv_loop_t *loop, struct wait *w)
{
	uv_timer_t	t;
	uint64_t	end = uv_now(loop) + 5000;

	uv_timer_init(loop, &t);
	t.data = w;
	uv_timer_start(&t, check_cb, 10, 10);
	while (!w->done && uv_now(loop) < end)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return w->done;
}

static int
count_cb(void *arg, const uint8_t node[32], const uint8_t *val, size_t len)
{
	struct weft_addr	e;
	int			*n = arg;

	assert_int_equal(weft_addr_decode(node, val, len, &e), 0);
	assert_int_equal(e.source, WEFT_ADDR_LAN);
	(*n)++;
	return 0;
}

static void
test_learn(void **state)
{
	struct weft_net_limits	 l;
	struct weft_keypair	 ka, kb, kc;
	struct weft_net		*a, *b;
	struct weft_store	*s;
	struct wait		 w;
	uv_loop_t		 loop;
	char			 dir[] = "/tmp/weft-net-learn.XXXXXX";
	char			 cmd[64];
	int			 rows = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	assert_int_equal(weft_key_generate(&ka), 0);
	assert_int_equal(weft_key_generate(&kb), 0);
	assert_int_equal(weft_key_generate(&kc), 0);
	weft_net_limits_default(&l);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(weft_net_start(&a, &loop, netkey, &ka,
	    "127.0.0.1:0", &l), 0);
	assert_int_equal(weft_net_start(&b, &loop, netkey, &kb, NULL, &l), 0);
	assert_int_equal(weft_net_set_store(b, s), 0);

	/* Not an IP literal, or our own node: refused. */
	assert_int_equal(weft_net_learn(b, ka.pk, "localhost:1",
	    WEFT_ADDR_LAN), WEFT_EUSAGE);
	assert_int_equal(weft_net_learn(b, kb.pk, a->listen, WEFT_ADDR_LAN),
	    WEFT_EUSAGE);
	/* c's id at a's address: the handshake fails, nothing verified. */
	assert_int_equal(weft_net_learn(b, kc.pk, a->listen, WEFT_ADDR_LAN),
	    0);
	assert_non_null(weft_net_dial_find(b, kc.pk));	/* dialled at once */
	memset(&w, 0, sizeof(w));
	w.n = b;
	w.node = kc.pk;
	assert_true(run_until(&loop, &w));
	assert_null(weft_peers_find(&b->peers, kc.pk));
	assert_true(weft_addrbook_find(&b->book, kc.pk) == NULL ||
	    !weft_addrbook_find(&b->book, kc.pk)->verified);
	/* a's own id there: connected and verified, source kept. */
	assert_int_equal(weft_net_learn(b, ka.pk, a->listen, WEFT_ADDR_LAN),
	    0);
	memset(&w, 0, sizeof(w));
	w.n = b;
	w.node = ka.pk;
	w.want_verified = true;
	assert_true(run_until(&loop, &w));
	assert_int_equal(weft_addrbook_find(&b->book, ka.pk)->source,
	    WEFT_ADDR_LAN);
	assert_true(weft_addrbook_find(&b->book, ka.pk)->last_seen > 0);

	/* Stopping writes the book (one verified row), off the loop. */
	weft_net_stop(b);
	for (int i = 0; i < 500 && rows == 0; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(10000);
		assert_int_equal(weft_store_peers_load(s, count_cb, &rows), 0);
	}
	assert_int_equal(rows, 1);

	/* A new net reads it back and dials a at once. */
	assert_int_equal(weft_net_start(&b, &loop, netkey, &kb, NULL, &l), 0);
	assert_int_equal(weft_net_set_store(b, s), 0);
	assert_non_null(weft_addrbook_find(&b->book, ka.pk));
	assert_non_null(weft_net_dial_find(b, ka.pk));
	memset(&w, 0, sizeof(w));
	w.n = b;
	w.node = ka.pk;
	w.want_verified = true;
	assert_true(run_until(&loop, &w));

	weft_net_stop(b);
	weft_net_stop(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	weft_store_close(s);
	weft_key_release(&ka);
	weft_key_release(&kb);
	weft_key_release(&kc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
