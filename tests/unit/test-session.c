/*
 * daemon/net/session.c: two sessions wired back to back in memory on a
 * virtual clock. Handshake and HELLO, data on a channel, close and
 * goodbye, every kind of bad input the issue names (wrong network key,
 * wrong expected node key, truncated, replayed and tampered handshakes,
 * tampered boxes, random bytes), the timeouts; and the rule that picks
 * one connection per node pair (daemon/net/peer.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/mux.h"

#include "peer.h"
#include "session.h"

#define HS_MS	1000
#define PING_MS	5000
#define IDLE_MS	20000

struct pair {
	struct weft_keypair	ka, kb;
	uint8_t			netkey[32];
	struct weft_session	a, b;	/* a dials b */
	uint64_t		now;
};

static void
cfg_for(struct weft_session_cfg *cfg, const uint8_t *netkey,
    const struct weft_keypair *k, const char *listen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->netkey = netkey;
	cfg->local = k;
	cfg->listen = listen;
	cfg->limits.handshake_ms = HS_MS;
	cfg->limits.ping_ms = PING_MS;
	cfg->limits.idle_ms = IDLE_MS;
	cfg->limits.sendq_max = 4u * 1024 * 1024;
}

static int
setup(void **state)
{
	struct pair	*p;

	p = calloc(1, sizeof(*p));
	assert_non_null(p);
	assert_int_equal(weft_key_generate(&p->ka), 0);
	assert_int_equal(weft_key_generate(&p->kb), 0);
	randombytes_buf(p->netkey, sizeof(p->netkey));
	p->now = 1000;
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair	*p = *state;

	weft_session_release(&p->a);
	weft_session_release(&p->b);
	weft_key_release(&p->ka);
	weft_key_release(&p->kb);
	free(p);
	return 0;
}

/* Starts a (client, expecting expect_pk) and b (server, netkey_b). */
static void
start(struct pair *p, const uint8_t *netkey_b, const uint8_t *expect_pk)
{
	struct weft_session_cfg	cfg;
	uint8_t			eph[32];

	randombytes_buf(eph, sizeof(eph));
	cfg_for(&cfg, p->netkey, &p->ka, "127.0.0.1:1");
	assert_int_equal(weft_session_init(&p->a, &cfg,
	    expect_pk != NULL ? expect_pk : p->kb.pk, eph, p->now), 0);
	randombytes_buf(eph, sizeof(eph));
	cfg_for(&cfg, netkey_b != NULL ? netkey_b : p->netkey, &p->kb, NULL);
	assert_int_equal(weft_session_init(&p->b, &cfg, NULL, eph, p->now), 0);
}

/* Moves bytes from s to t once; returns how many moved, or t's error. */
static int
move(struct weft_session *s, struct weft_session *t, uint64_t now)
{
	struct weft_buf	b;
	int		err;

	weft_buf_init(&b, 1 << 20);
	err = weft_session_output(s, &b, 256 * 1024);
	if (err == 0 && b.len > 0)
		err = weft_session_feed(t, b.data, b.len, now);
	if (err == 0)
		err = (int)b.len;
	weft_buf_release(&b);
	return err;
}

/* Runs both directions until quiet; returns the first error. */
static int
pump(struct pair *p)
{
	int	x, y;

	for (int i = 0; i < 10000; i++) {
		x = move(&p->a, &p->b, p->now);
		if (x < 0)
			return x;
		y = move(&p->b, &p->a, p->now);
		if (y < 0)
			return y;
		if (x == 0 && y == 0)
			return 0;
	}
	fail_msg("sessions never went quiet");
	return -1;
}

static void
drain(struct weft_session *s)
{
	struct weft_mux_ev	ev;

	while (weft_session_poll(s, &ev) == 0)
		free(ev.data);
}

static void
open_both(struct pair *p)
{
	start(p, NULL, NULL);
	assert_int_equal(pump(p), 0);
	drain(&p->a);
	drain(&p->b);
	assert_int_equal(weft_session_state(&p->a), WEFT_SESSION_OPEN);
	assert_int_equal(weft_session_state(&p->b), WEFT_SESSION_OPEN);
}

static void
test_open(void **state)
{
	struct pair			*p = *state;
	const struct weft_wire_hello	*h;

	open_both(p);
	assert_memory_equal(weft_session_remote(&p->a), p->kb.pk, 32);
	assert_memory_equal(weft_session_remote(&p->b), p->ka.pk, 32);
	h = weft_session_hello(&p->b);
	assert_non_null(h);
	assert_string_equal(h->listen, "127.0.0.1:1");
	assert_string_equal(h->sw, "weft/0.1.0");
	h = weft_session_hello(&p->a);
	assert_non_null(h);
	assert_string_equal(h->listen, "");
	assert_non_null(weft_session_mux(&p->a));
}

static void
test_data(void **state)
{
	struct pair		*p = *state;
	struct weft_mux_ev	 ev;
	uint8_t			*msg;
	uint16_t		 ch;
	size_t			 got = 0;
	bool			 opened = false;

	open_both(p);
	msg = malloc(300000);
	assert_non_null(msg);
	randombytes_buf(msg, 300000);
	assert_int_equal(weft_mux_open(weft_session_mux(&p->a), "bench", 0,
	    &ch), 0);
	assert_int_equal(weft_mux_send(weft_session_mux(&p->a), ch, msg,
	    300000), 0);
	assert_int_equal(pump(p), 0);
	while (weft_session_poll(&p->b, &ev) == 0) {
		if (ev.type == WEFT_MUX_EV_OPEN) {
			assert_string_equal((char *)ev.data, "bench");
			opened = true;
		} else if (ev.type == WEFT_MUX_EV_MSG) {
			assert_int_equal(ev.len, 300000);
			assert_memory_equal(ev.data, msg, 300000);
			got += ev.len;
		}
		free(ev.data);
	}
	assert_true(opened);
	assert_int_equal(got, 300000);
	free(msg);
}

static void
test_close(void **state)
{
	struct pair	*p = *state;

	open_both(p);
	weft_session_close(&p->a, "bye now");
	assert_true(weft_session_pending(&p->a));
	assert_int_equal(move(&p->a, &p->b, p->now) > 0, 1);
	assert_false(weft_session_pending(&p->a));
	drain(&p->b);
	assert_int_equal(weft_session_state(&p->b), WEFT_SESSION_CLOSED);
	assert_int_equal(weft_session_error(&p->b), 0);
	assert_string_equal(weft_session_reason(&p->b), "bye now");
	assert_int_equal(weft_session_eof(&p->b), 0);
}

static void
test_eof_without_goodbye(void **state)
{
	struct pair	*p = *state;

	open_both(p);
	assert_int_equal(weft_session_eof(&p->b), WEFT_EPROTO);
	assert_int_equal(weft_session_state(&p->b), WEFT_SESSION_CLOSED);
	/* Sticky. */
	assert_int_equal(weft_session_feed(&p->b, (const uint8_t *)"x", 1,
	    p->now), WEFT_EPROTO);
}

static void
test_wrong_network_key(void **state)
{
	struct pair	*p = *state;
	uint8_t		 other[32];

	randombytes_buf(other, sizeof(other));
	start(p, other, NULL);
	assert_int_equal(pump(p), WEFT_EHANDSHAKE);
	assert_int_equal(weft_session_state(&p->b), WEFT_SESSION_CLOSED);
	assert_null(weft_session_remote(&p->b));
	/* The client learns nothing more than an end of file. */
	assert_int_equal(weft_session_eof(&p->a), WEFT_EHANDSHAKE);
}

static void
test_wrong_node_key(void **state)
{
	struct pair		*p = *state;
	struct weft_keypair	 k;
	int			 err;

	assert_int_equal(weft_key_generate(&k), 0);
	start(p, NULL, k.pk);
	err = pump(p);
	weft_key_release(&k);
	assert_int_equal(err, WEFT_EDECRYPT);
	assert_int_equal(weft_session_error(&p->b), WEFT_EDECRYPT);
	assert_int_not_equal(weft_session_state(&p->a), WEFT_SESSION_OPEN);
}

static void
test_truncated_handshake(void **state)
{
	struct pair	*p = *state;
	struct weft_buf	 b;

	for (size_t cut = 0; cut < 64; cut += 7) {
		start(p, NULL, NULL);
		weft_buf_init(&b, 4096);
		assert_int_equal(weft_session_output(&p->a, &b, 4096), 0);
		assert_int_equal(b.len, 64);
		assert_int_equal(weft_session_feed(&p->b, b.data, cut, p->now),
		    0);
		assert_int_equal(weft_session_eof(&p->b), WEFT_EHANDSHAKE);
		weft_buf_release(&b);
		weft_session_release(&p->a);
		weft_session_release(&p->b);
	}
}

/* Flips each byte of the client's first and third messages in turn. */
static void
test_tampered_handshake(void **state)
{
	struct pair	*p = *state;
	struct weft_buf	 m1, m2, m3;
	int		 err;

	for (size_t i = 0; i < 64 + 112; i += 5) {
		start(p, NULL, NULL);
		weft_buf_init(&m1, 4096);
		weft_buf_init(&m2, 4096);
		weft_buf_init(&m3, 4096);
		assert_int_equal(weft_session_output(&p->a, &m1, 4096), 0);
		if (i < 64)
			m1.data[i] ^= 0x01;
		err = weft_session_feed(&p->b, m1.data, m1.len, p->now);
		if (i < 64) {
			assert_int_equal(err, WEFT_EHANDSHAKE);
			goto next;
		}
		assert_int_equal(err, 0);
		assert_int_equal(weft_session_output(&p->b, &m2, 4096), 0);
		assert_int_equal(weft_session_feed(&p->a, m2.data, m2.len,
		    p->now), 0);
		assert_int_equal(weft_session_output(&p->a, &m3, 4096), 0);
		assert_int_equal(m3.len, 112);
		m3.data[i - 64] ^= 0x80;
		err = weft_session_feed(&p->b, m3.data, m3.len, p->now);
		assert_true(err == WEFT_EDECRYPT || err == WEFT_EBADSIG);
next:
		assert_int_equal(weft_session_state(&p->b),
		    WEFT_SESSION_CLOSED);
		weft_buf_release(&m1);
		weft_buf_release(&m2);
		weft_buf_release(&m3);
		weft_session_release(&p->a);
		weft_session_release(&p->b);
	}
}

/* A recorded client handshake replayed to a fresh server fails. */
static void
test_replayed_handshake(void **state)
{
	struct pair	*p = *state;
	struct weft_buf	 m1, m2, m3, r2;
	uint8_t		 eph[32];
	struct weft_session_cfg cfg;

	start(p, NULL, NULL);
	weft_buf_init(&m1, 4096);
	weft_buf_init(&m2, 4096);
	weft_buf_init(&m3, 4096);
	weft_buf_init(&r2, 4096);
	assert_int_equal(weft_session_output(&p->a, &m1, 4096), 0);
	assert_int_equal(weft_session_feed(&p->b, m1.data, m1.len, p->now), 0);
	assert_int_equal(weft_session_output(&p->b, &m2, 4096), 0);
	assert_int_equal(weft_session_feed(&p->a, m2.data, m2.len, p->now), 0);
	assert_int_equal(weft_session_output(&p->a, &m3, 4096), 0);
	weft_session_release(&p->b);

	randombytes_buf(eph, sizeof(eph));
	cfg_for(&cfg, p->netkey, &p->kb, NULL);
	assert_int_equal(weft_session_init(&p->b, &cfg, NULL, eph, p->now), 0);
	assert_int_equal(weft_session_feed(&p->b, m1.data, m1.len, p->now), 0);
	assert_int_equal(weft_session_output(&p->b, &r2, 4096), 0);
	assert_int_equal(weft_session_feed(&p->b, m3.data, m3.len, p->now),
	    WEFT_EDECRYPT);
	assert_null(weft_session_remote(&p->b));
	weft_buf_release(&m1);
	weft_buf_release(&m2);
	weft_buf_release(&m3);
	weft_buf_release(&r2);
}

static void
test_tampered_box(void **state)
{
	struct pair		*p = *state;
	struct weft_buf		 b;
	uint16_t		 ch;

	open_both(p);
	assert_int_equal(weft_mux_open(weft_session_mux(&p->a), "bench", 0,
	    &ch), 0);
	weft_buf_init(&b, 1 << 16);
	assert_int_equal(weft_session_output(&p->a, &b, 1 << 16), 0);
	assert_true(b.len > 34);
	b.data[b.len - 1] ^= 0x10;
	assert_int_equal(weft_session_feed(&p->b, b.data, b.len, p->now),
	    WEFT_EDECRYPT);
	assert_int_equal(weft_session_state(&p->b), WEFT_SESSION_CLOSED);
	/* Sticky, and no output any more. */
	weft_buf_reset(&b);
	assert_int_equal(weft_session_output(&p->b, &b, 4096), WEFT_EDECRYPT);
	assert_int_equal(b.len, 0);
	weft_buf_release(&b);
}

static void
test_random_bytes(void **state)
{
	struct pair	*p = *state;
	uint8_t		 junk[5000];
	int		 err;

	/* Before the handshake: the hello MAC fails. */
	start(p, NULL, NULL);
	randombytes_buf(junk, sizeof(junk));
	assert_int_equal(weft_session_feed(&p->b, junk, sizeof(junk), p->now),
	    WEFT_EHANDSHAKE);
	weft_session_release(&p->a);
	weft_session_release(&p->b);

	/* After it: the first box header does not open. */
	open_both(p);
	err = weft_session_feed(&p->b, junk, sizeof(junk), p->now);
	assert_true(err == WEFT_EDECRYPT || err == WEFT_EPROTO);
	assert_int_equal(weft_session_state(&p->b), WEFT_SESSION_CLOSED);
}

static void
test_handshake_timeout(void **state)
{
	struct pair	*p = *state;
	uint64_t	 next;

	start(p, NULL, NULL);
	assert_int_equal(weft_session_tick(&p->b, p->now + HS_MS - 1, &next),
	    0);
	assert_int_equal(next, p->now + HS_MS);
	assert_int_equal(weft_session_tick(&p->b, p->now + HS_MS, &next),
	    -ETIMEDOUT);
	assert_int_equal(weft_session_state(&p->b), WEFT_SESSION_CLOSED);
}

static void
test_keepalive(void **state)
{
	struct pair	*p = *state;
	uint64_t	 next;

	open_both(p);
	/* Quiet for the ping interval: a pings, b answers, a hears it. */
	p->now += PING_MS;
	assert_int_equal(weft_session_tick(&p->a, p->now, &next), 0);
	assert_true(move(&p->a, &p->b, p->now) > 0);
	assert_true(move(&p->b, &p->a, p->now) > 0);
	assert_int_equal(weft_session_tick(&p->a, p->now + IDLE_MS - 1,
	    &next), 0);
	/* Now b stops answering: a gives up after the idle timeout. */
	for (int i = 0; i < 10 && weft_session_error(&p->a) == 0; i++) {
		p->now += PING_MS;
		weft_session_tick(&p->a, p->now, &next);
	}
	assert_int_equal(weft_session_error(&p->a), -ETIMEDOUT);
}

static void
test_keep_rule(void **state)
{
	uint8_t	lo[32], hi[32];

	(void)state;
	memset(lo, 0x11, 32);
	memset(hi, 0x22, 32);
	/* We are lo: keep what we dialled; we are hi: keep what lo dialled. */
	assert_true(weft_peer_keep_new(lo, hi, false, true));
	assert_false(weft_peer_keep_new(lo, hi, true, false));
	assert_true(weft_peer_keep_new(hi, lo, true, false));
	assert_false(weft_peer_keep_new(hi, lo, false, true));
	/*
	 * Both sides agree: lo holds the one it dialled (old, out) and
	 * meets hi's (new, in); hi holds lo's (old, in) and meets its own
	 * (new, out). Both keep the old one, the one lo dialled.
	 */
	assert_int_equal(weft_peer_keep_new(lo, hi, true, false),
	    weft_peer_keep_new(hi, lo, false, true));
	/* Same direction: the newer one. */
	assert_true(weft_peer_keep_new(lo, hi, true, true));
	assert_true(weft_peer_keep_new(hi, lo, false, false));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof_without_goodbye,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_network_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_node_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncated_handshake,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_handshake, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replayed_handshake, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tampered_box, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_random_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_handshake_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, setup,
		    teardown),
		cmocka_unit_test(test_keep_rule),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
