/*
 * The daemon's wall clock (daemon/base/clock.c): the system's by default, a
 * fixed time or a callback when a test sets one, and the system's for a
 * NULL clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <time.h>

#include "clock.h"

static uint64_t
now_s(void)
{
	return (uint64_t)time(NULL);
}

static void
test_system(void **state)
{
	struct weft_clock	c;
	uint64_t		before, got, after;

	(void)state;
	weft_clock_init(&c);
	before = now_s();
	got = weft_clock_now_ms(&c);
	after = now_s();
	assert_in_range(got / 1000, before, after);
	got = weft_clock_now_ms(NULL);
	assert_in_range(got / 1000, before, now_s());
}

static void
test_fixed(void **state)
{
	struct weft_clock	c;

	(void)state;
	weft_clock_init(&c);
	weft_clock_set(&c, 1234567);
	assert_int_equal(weft_clock_now_ms(&c), 1234567);
	assert_int_equal(weft_clock_now_ms(&c), 1234567);
	weft_clock_set(&c, 42);
	assert_int_equal(weft_clock_now_ms(&c), 42);
	/* Back to the system's clock. */
	weft_clock_init(&c);
	assert_true(weft_clock_now_ms(&c) / 1000 >= now_s() - 1);
}

static uint64_t
step_cb(void *arg)
{
	uint64_t	*t = arg;

	return (*t)++;
}

static void
test_callback(void **state)
{
	struct weft_clock	c;
	uint64_t		t = 100;

	(void)state;
	weft_clock_init(&c);
	weft_clock_set_cb(&c, step_cb, &t);
	assert_int_equal(weft_clock_now_ms(&c), 100);
	assert_int_equal(weft_clock_now_ms(&c), 101);
	assert_int_equal(t, 102);
	/* A fixed time replaces the callback. */
	weft_clock_set(&c, 7);
	assert_int_equal(weft_clock_now_ms(&c), 7);
	assert_int_equal(t, 102);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
