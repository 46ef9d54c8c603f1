/*
 * The eviction choice (daemon/net/evict.c) as a pure function: address
 * groups, handshake slots taken from the least advanced and oldest,
 * open slots from the youngest of the most crowded group, and the peers
 * that are never evicted (configured, recently useful, longest up).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <string.h>

#include "evict.h"

#define G1	0x100
#define G2	0x200
#define NOW	1000000

static struct weft_evict_limits lim;

static void
limits(unsigned in_max, unsigned group_max, unsigned hs_max,
    unsigned hs_group_max)
{
	weft_evict_limits_default(&lim);
	lim.in_max = in_max;
	lim.group_max = group_max;
	lim.hs_max = hs_max;
	lim.hs_group_max = hs_group_max;
}

static struct weft_evict_cand
open_(uint64_t group, uint64_t since)
{
	struct weft_evict_cand	c = { .since_ms = since, .group = group,
				    .open = true, .progress = 2 };

	return c;
}

static struct weft_evict_cand
hs(uint64_t group, uint64_t since, uint8_t progress)
{
	struct weft_evict_cand	c = { .since_ms = since, .group = group,
				    .progress = progress };

	return c;
}

static uint64_t
group_of(const char *ip)
{
	struct sockaddr_in	v4 = { .sin_family = AF_INET };
	struct sockaddr_in6	v6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, ip, &v4.sin_addr) == 1)
		return weft_evict_group((struct sockaddr *)&v4);
	assert_int_equal(inet_pton(AF_INET6, ip, &v6.sin6_addr), 1);
	return weft_evict_group((struct sockaddr *)&v6);
}

static void
test_groups(void **state)
{
	(void)state;
	assert_true(group_of("203.0.113.7") == group_of("203.0.113.250"));
	assert_true(group_of("203.0.113.7") != group_of("203.0.114.7"));
	assert_true(group_of("203.0.113.7") == group_of("::ffff:203.0.113.9"));
	assert_true(group_of("127.0.0.1") == group_of("127.0.0.2"));
	assert_true(group_of("2001:db8:1:2::1") ==
	    group_of("2001:db8:1:2:ffff::9"));
	assert_true(group_of("2001:db8:1:2::1") != group_of("2001:db8:1:3::1"));
	assert_true(group_of("2001:db8:1:2::1") != group_of("203.0.113.7"));
	assert_int_equal(weft_evict_group(NULL), 0);
	assert_int_equal(weft_evict_progress(0), 0);
	assert_int_equal(weft_evict_progress(63), 0);
	assert_int_equal(weft_evict_progress(64), 1);
	assert_int_equal(weft_evict_progress(175), 1);
	assert_int_equal(weft_evict_progress(176), 2);
}

static void
test_admit(void **state)
{
	struct weft_evict_cand	c[3];

	(void)state;
	limits(4, 3, 2, 2);
	assert_int_equal(weft_evict_choose(NULL, 0, G1, &lim, NOW),
	    WEFT_EVICT_ADMIT);
	c[0] = open_(G1, 1);
	c[1] = open_(G1, 2);
	c[2] = hs(G2, 3, 0);
	assert_int_equal(weft_evict_choose(c, 3, G2, &lim, NOW),
	    WEFT_EVICT_ADMIT);
	/* A cap of 0 refuses. */
	limits(0, 3, 2, 2);
	assert_int_equal(weft_evict_choose(NULL, 0, G1, &lim, NOW),
	    WEFT_EVICT_REFUSE);
}

/* Handshake slots: least progress first, then the oldest, never open. */
static void
test_handshake_slots(void **state)
{
	struct weft_evict_cand	c[6];

	(void)state;
	limits(100, 100, 10, 3);
	c[0] = open_(G1, 1);
	c[1] = hs(G1, 5, 1);		/* honest, hello sent */
	c[2] = hs(G1, 6, 0);		/* idle */
	c[3] = hs(G1, 7, 0);		/* idle, younger */
	assert_int_equal(weft_evict_choose(c, 4, G1, &lim, NOW), 2);
	/* Equal progress: the oldest. */
	c[2].progress = 1;
	c[3].progress = 1;
	assert_int_equal(weft_evict_choose(c, 4, G1, &lim, NOW), 1);
	/* The group's slots are full but another group's are not. */
	assert_int_equal(weft_evict_choose(c, 4, G2, &lim, NOW),
	    WEFT_EVICT_ADMIT);
	/* All handshake slots full: from the busiest group. */
	limits(100, 100, 4, 3);
	c[4] = hs(G2, 1, 0);		/* older, but its group is small */
	assert_int_equal(weft_evict_choose(c, 5, G2, &lim, NOW), 1);
	c[5] = hs(G2, 2, 0);
	limits(100, 100, 5, 3);
	assert_int_equal(weft_evict_choose(c, 6, 0x300, &lim, NOW), 1);
}

/* Total cap: the youngest of the most crowded group. */
static void
test_crowded_group(void **state)
{
	struct weft_evict_cand	c[20];
	size_t			n = 0;

	(void)state;
	limits(20, 20, 10, 10);
	lim.protect_long = 0;
	for (int i = 0; i < 6; i++)
		c[n++] = open_(G1, 100 + (uint64_t)i);
	for (int i = 0; i < 14; i++)
		c[n++] = open_(0x1000 + (uint64_t)i, 10 + (uint64_t)i);
	/* G1 holds 6, every other group 1: G1's youngest (since 105). */
	assert_int_equal(weft_evict_choose(c, n, G2, &lim, NOW), 5);
	/* Peers that delivered something are kept over those that did not. */
	for (int i = 0; i < 6; i++)
		c[i].useful_ms = NOW - 20 * 60 * 1000;	/* long ago */
	assert_int_equal(weft_evict_choose(c, n, G2, &lim, NOW), 19);
}

/* Group cap: evicts in the new connection's own group. */
static void
test_group_cap(void **state)
{
	struct weft_evict_cand	c[8];
	size_t			n = 0;

	(void)state;
	limits(100, 4, 10, 10);
	lim.protect_long = 0;
	c[n++] = open_(G2, 1);
	c[n++] = open_(G2, 2);
	c[n++] = open_(G2, 3);
	c[n++] = open_(G1, 10);
	c[n++] = open_(G1, 11);
	c[n++] = open_(G1, 12);
	c[n++] = open_(G1, 13);
	assert_int_equal(weft_evict_choose(c, n, G1, &lim, NOW), 6);
	assert_int_equal(weft_evict_choose(c, n, G2, &lim, NOW),
	    WEFT_EVICT_ADMIT);
}

/*
 * The Sybil case: one honest peer connected first, then slots filled by
 * peers from its own address. The honest one is never chosen: longest
 * up, and recently useful; configured peers never.
 */
static void
test_protected(void **state)
{
	struct weft_evict_cand	c[130];
	size_t			n = 0;
	int			k;

	(void)state;
	limits(128, 128, 8, 8);
	c[n++] = open_(G1, 1);			/* honest, first */
	c[n] = open_(G1, 500);			/* honest, useful */
	c[n++].useful_ms = NOW - 1000;
	c[n] = open_(G1, 600);			/* configured */
	c[n++].keep = true;
	for (; n < 128; n++)
		c[n] = open_(G1, 1000 + (uint64_t)n);
	for (int round = 0; round < 200; round++) {
		k = weft_evict_choose(c, n, G1, &lim, NOW);
		assert_true(k >= 3);
		/* The youngest of the rest. */
		for (size_t i = 3; i < n; i++)
			assert_true(c[i].since_ms <= c[k].since_ms);
		/* A new Sybil takes its place. */
		c[k] = open_(G1, 5000 + (uint64_t)round);
	}
	/* Everything protected: refuse. */
	limits(3, 3, 8, 8);
	assert_int_equal(weft_evict_choose(c, 3, G1, &lim, NOW), 0);
	c[0].keep = c[1].keep = true;
	assert_int_equal(weft_evict_choose(c, 3, G1, &lim, NOW),
	    WEFT_EVICT_REFUSE);
	/* Only handshakes besides: the least advanced one goes. */
	c[2] = hs(G1, 7, 1);
	assert_int_equal(weft_evict_choose(c, 3, G1, &lim, NOW), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_handshake_slots),
		cmocka_unit_test(test_crowded_group),
		cmocka_unit_test(test_group_cap),
		cmocka_unit_test(test_protected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
