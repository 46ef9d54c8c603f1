/*
 * max-store in the store's gate (space.h): fetching may go on while the
 * chunk bytes and the bytes on their way stay under it; what is on its
 * way alone only holds it back; chunk bytes within a sixteenth of it
 * stop it, call the gc hook once and keep it stopped after the gc until
 * room comes back (here: a raised limit); no limit, no stop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/chunk.h"
#include "weft/err.h"

#include "space.h"
#include "store.h"

#define MB	(1024u * 1024)

static int	gc_calls;

static void
gc_hook(void *arg)
{
	(void)arg;
	gc_calls++;
}

/* n chunks of 250000 bytes, each of value v + i. */
static void
chunks(struct weft_store *s, uint8_t v, int n)
{
	struct weft_chunk_put	c;
	uint8_t			*p = malloc(250000);

	assert_non_null(p);
	for (int i = 0; i < n; i++) {
		memset(p, v + i, 250000);
		weft_hash(p, 250000, c.id);
		c.data = p;
		c.len = 250000;
		assert_int_equal(weft_store_chunks_put(s, &c, 1), 0);
	}
	free(p);
}

static void
test_max_store(void **state)
{
	struct weft_store	*s;
	struct weft_space	*sp;
	struct weft_space_opts	 o;
	struct weft_space_stats	 st;
	char			 dir[] = "/tmp/weft-spacemax-XXXXXX";
	char			 cmd[64];
	uint64_t		 now = 1000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	weft_space_opts_default(&o);
	o.reserve = 0;
	assert_int_equal(weft_space_new(&sp, s, &o), 0);
	weft_space_set_gc(sp, gc_hook, NULL);

	/* No limit: always room. */
	chunks(s, 0, 2);
	assert_true(weft_space_fetch_room(sp, 0, 100 * MB, now));

	/* 1 MiB: 500000 bytes here; 1 MiB on its way only holds it back. */
	weft_space_set_max_store(sp, MB);
	assert_true(weft_space_fetch_room(sp, 0, 0, now));
	assert_false(weft_space_fetch_room(sp, 0, MB, now));
	assert_int_equal(gc_calls, 0);
	weft_space_stats(sp, now, &st);
	assert_false(st.at_max);
	assert_int_equal(st.chunk_bytes, 500000);
	assert_int_equal(weft_space_due(sp, now), UINT64_MAX);

	/* 1250000 bytes here: at max-store, the gc is asked for once. */
	chunks(s, 10, 3);
	assert_false(weft_space_fetch_room(sp, 0, 0, now));
	assert_int_equal(gc_calls, 1);
	assert_false(weft_space_fetch_room(sp, 0, 0, now + 1));
	assert_int_equal(gc_calls, 1);
	/* Not said while the gc runs. */
	weft_space_stats(sp, now, &st);
	assert_false(st.at_max);
	weft_space_gc_done(sp, now + 2);
	assert_false(weft_space_fetch_room(sp, 0, 0, now + 3));
	assert_int_equal(gc_calls, 1);
	weft_space_stats(sp, now, &st);
	assert_true(st.at_max);
	assert_int_equal(st.max_store, MB);
	assert_int_equal(st.chunk_bytes, 1250000);
	/* The fetch tick comes back to look. */
	assert_true(weft_space_due(sp, now + 3) > now + 3);
	assert_true(weft_space_due(sp, now + 3) != UINT64_MAX);

	/* A raised limit: room again. */
	weft_space_set_max_store(sp, 2 * MB);
	assert_true(weft_space_fetch_room(sp, 0, 0, now + 4));
	weft_space_stats(sp, now, &st);
	assert_false(st.at_max);

	weft_space_free(sp);
	weft_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_store),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
