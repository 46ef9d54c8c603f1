/*
 * Log lines an attacker cannot multiply: events that a stranger can cause
 * at will (refused, evicted, failed and timed-out inbound connections)
 * are logged one by one only for the first of each kind in a window of
 * WEFT_RATELOG_MS; the rest are counted and summed up in one line per
 * kind when the window ends ("refused 48,111 more connections from
 * 127.0.0.1 in the last 10 s"). So at most 2 lines per kind per window,
 * whatever the flood, and every event is in a count.
 */
#ifndef WEFT_RATELOG_H
#define WEFT_RATELOG_H

#include <stdbool.h>
#include <stdint.h>

#define WEFT_RATELOG_MS		10000
#define WEFT_RATELOG_HOST	64	/* an address without its port */

enum weft_ratelog_kind {
	WEFT_RATELOG_REFUSED,
	WEFT_RATELOG_EVICTED,
	WEFT_RATELOG_HSFAIL,
	WEFT_RATELOG_HSTIMEOUT,
	WEFT_RATELOG_NKINDS
};

struct weft_ratelog_kind_st {
	uint64_t	start_ms;	/* of the window; 0: none open */
	uint64_t	count;		/* counted, not logged, in it */
	uint64_t	total;		/* since start, logged or not */
	char		host[WEFT_RATELOG_HOST];	/* the first one's */
	bool		others;		/* other hosts in the window */
};

struct weft_ratelog {
	struct weft_ratelog_kind_st k[WEFT_RATELOG_NKINDS];
};

void	weft_ratelog_init(struct weft_ratelog *r);

/*
 * One event of kind from addr ("HOST:PORT" or "[IPv6]:PORT") at now:
 * returns true when the caller logs it in full now (the window's first),
 * false when it was counted for the summary.
 */
bool	weft_ratelog_note(struct weft_ratelog *r, enum weft_ratelog_kind kind,
	    const char *addr, uint64_t now);

/*
 * Logs the summary of each window that is over at now (all of them with
 * force, as when stopping) and closes it.
 */
void	weft_ratelog_flush(struct weft_ratelog *r, uint64_t now, bool force);

/* "48,112": n with thousands separators into out (32 bytes). */
const char *weft_ratelog_num(uint64_t n, char out[32]);

#endif
