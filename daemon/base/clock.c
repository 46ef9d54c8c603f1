/*
 * The daemon's wall clock (clock.h): the system's, or one a test set.
 */
#include <time.h>

#include "clock.h"

void
weft_clock_init(struct weft_clock *c)
{
	c->now = NULL;
	c->arg = NULL;
	c->fixed_ms = 0;
}

void
weft_clock_set(struct weft_clock *c, uint64_t ms)
{
	c->now = NULL;
	c->arg = NULL;
	c->fixed_ms = ms;
}

void
weft_clock_set_cb(struct weft_clock *c, weft_clock_now_cb *now, void *arg)
{
	c->now = now;
	c->arg = arg;
	c->fixed_ms = 0;
}

uint64_t
weft_clock_now_ms(const struct weft_clock *c)
{
	struct timespec	ts;

	if (c != NULL && c->now != NULL)
		return c->now(c->arg);
	if (c != NULL && c->fixed_ms != 0)
		return c->fixed_ms;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
