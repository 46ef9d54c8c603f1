/*
 * The daemon's wall clock, as an object the daemon holds and hands to
 * the layers that stamp times (records, the address book, peers' "since",
 * LAN announcements), so that a test can set the time (c-toxcore's
 * mono_time does the same). Loop time (uv_now) stays libuv's: this is
 * only for times that leave the process or outlive it. No code outside
 * clock.c reads the system's real-time clock.
 *
 * Like log.h, every layer of the daemon may include this header.
 */
#ifndef WEFT_CLOCK_H
#define WEFT_CLOCK_H

#include <stdint.h>

typedef uint64_t weft_clock_now_cb(void *arg);

struct weft_clock {
	weft_clock_now_cb	*now;	/* NULL: the system's clock */
	void			*arg;
	uint64_t		 fixed_ms;	/* weft_clock_set(): not 0 */
};

/* The system's real-time clock. */
void	 weft_clock_init(struct weft_clock *c);

/*
 * For tests: from now on c reads ms (a fixed time, moved only by another
 * call), or, with now not NULL, whatever now(arg) says.
 */
void	 weft_clock_set(struct weft_clock *c, uint64_t ms);
void	 weft_clock_set_cb(struct weft_clock *c, weft_clock_now_cb *now,
	    void *arg);

/*
 * Milliseconds since the epoch. A NULL clock is the system's, so that a
 * module used without a daemon (a benchmark, a unit test) needs none.
 */
uint64_t weft_clock_now_ms(const struct weft_clock *c);

#endif
