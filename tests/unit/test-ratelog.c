/*
 * The log rate limit (daemon/net/ratelog.c): the first event of a kind
 * in a window is logged in full, the rest only counted, and a new window
 * opens once the summary of the last one is written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "ratelog.h"

static void
test_num(void **state)
{
	char	b[32];

	(void)state;
	assert_string_equal(weft_ratelog_num(0, b), "0");
	assert_string_equal(weft_ratelog_num(999, b), "999");
	assert_string_equal(weft_ratelog_num(1000, b), "1,000");
	assert_string_equal(weft_ratelog_num(48112, b), "48,112");
	assert_string_equal(weft_ratelog_num(1234567, b), "1,234,567");
	assert_string_equal(weft_ratelog_num(UINT64_MAX, b),
	    "18,446,744,073,709,551,615");
}

static void
test_window(void **state)
{
	struct weft_ratelog	r;
	int			full = 0;

	(void)state;
	weft_ratelog_init(&r);
	for (int i = 0; i < 50000; i++)
		full += weft_ratelog_note(&r, WEFT_RATELOG_REFUSED,
		    "127.0.0.1:4000", 1000 + (uint64_t)i / 10);
	assert_int_equal(full, 1);
	assert_int_equal(r.k[WEFT_RATELOG_REFUSED].count, 49999);
	assert_int_equal(r.k[WEFT_RATELOG_REFUSED].total, 50000);
	assert_string_equal(r.k[WEFT_RATELOG_REFUSED].host, "127.0.0.1");
	assert_false(r.k[WEFT_RATELOG_REFUSED].others);
	/* Kinds are separate. */
	assert_true(weft_ratelog_note(&r, WEFT_RATELOG_EVICTED,
	    "[::1]:5", 2000));
	assert_string_equal(r.k[WEFT_RATELOG_EVICTED].host, "::1");
	assert_false(weft_ratelog_note(&r, WEFT_RATELOG_REFUSED,
	    "10.0.0.1:1", 5000));
	assert_true(r.k[WEFT_RATELOG_REFUSED].others);
	/* Not over yet: nothing changes. */
	weft_ratelog_flush(&r, 10999, false);
	assert_int_equal(r.k[WEFT_RATELOG_REFUSED].count, 50000);
	/* Over: summed up and closed; the next event is logged in full. */
	weft_ratelog_flush(&r, 11000, false);
	assert_int_equal(r.k[WEFT_RATELOG_REFUSED].count, 0);
	assert_int_equal(r.k[WEFT_RATELOG_REFUSED].start_ms, 0);
	assert_int_not_equal(r.k[WEFT_RATELOG_EVICTED].start_ms, 0);
	assert_true(weft_ratelog_note(&r, WEFT_RATELOG_REFUSED,
	    "127.0.0.1:4000", 11001));
	weft_ratelog_flush(&r, 11002, true);
	assert_int_equal(r.k[WEFT_RATELOG_EVICTED].start_ms, 0);
	assert_int_equal(r.k[WEFT_RATELOG_REFUSED].total, 50002);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_num),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
