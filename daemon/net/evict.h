/*
 * Which inbound connection to close for a new one, sans-I/O (after
 * Bitcoin Core's SelectNodeToEvict, written anew). Inbound connections
 * are capped in total, per address group (an IPv4 /24, an IPv6 /64) and,
 * tighter, while still in the handshake. A new connection over a cap
 * evicts one instead of being refused:
 *
 * - handshake slots full: the handshake that made least progress, oldest
 *   first (in the new one's group when that group is full, else in the
 *   group holding most handshakes). Idle connections can thus never keep
 *   out a peer that is completing its handshake, even from their address.
 * - total or group cap full: among open connections (in the new one's
 *   group when that group is full), after protecting configured peers,
 *   (net.c asks this only once the new one completed its handshake, with
 *   the open peers as candidates, so a bare connection never evicts an
 *   open peer; at accept it asks with the handshakes only),
 *   the few that most recently delivered something we wanted and the
 *   longest-connected few, those that never delivered anything go first;
 *   of them the youngest of the most crowded group. With no open
 *   candidate a handshake goes as above; with none at all the new
 *   connection is refused.
 */
#ifndef WEFT_EVICT_H
#define WEFT_EVICT_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the choice knows of one inbound connection. */
struct weft_evict_cand {
	uint64_t	since_ms;	/* accepted (loop time) */
	uint64_t	useful_ms;	/* last delivered what we wanted; 0 */
	uint64_t	group;		/* weft_evict_group() */
	uint8_t		progress;	/* handshake: weft_evict_progress() */
	bool		open;		/* the handshake completed */
	bool		keep;		/* a configured peer: never evicted */
};

struct weft_evict_limits {
	unsigned	in_max;		/* inbound connections, any state */
	unsigned	group_max;	/* of them from one address group */
	unsigned	hs_max;		/* inbound still in the handshake */
	unsigned	hs_group_max;	/* of them from one address group */
	unsigned	protect_useful;	/* most recently useful kept */
	unsigned	protect_long;	/* longest-connected kept, at most */
	uint64_t	useful_window_ms; /* "recently" useful */
};

#define WEFT_EVICT_GROUP_MAX	32	/* connections per address group */
#define WEFT_EVICT_HS_MAX	32	/* handshakes in all */
#define WEFT_EVICT_HS_GROUP_MAX	8	/* handshakes per address group */
#define WEFT_EVICT_PROTECT_USEFUL 4
#define WEFT_EVICT_PROTECT_LONG	8
#define WEFT_EVICT_USEFUL_MS	(10 * 60 * 1000)

#define WEFT_EVICT_ADMIT	(-1)	/* under every cap */
#define WEFT_EVICT_REFUSE	(-2)	/* full, and nothing may go */

void	weft_evict_limits_default(struct weft_evict_limits *l);

/*
 * The address group of sa: IPv4 a.b.c.d is its /24, IPv6 its /64
 * (IPv4-mapped ::ffff:a.b.c.d as IPv4). Any other family is group 0.
 */
uint64_t weft_evict_group(const struct sockaddr *sa);

/*
 * Handshake progress from the bytes an inbound connection sent: 0 before
 * a whole client hello (64 bytes), 1 before the client's authenticate
 * (112 more), 2 after.
 */
uint8_t	weft_evict_progress(uint64_t bytes_in);

/*
 * The n inbound connections c (n may be 0) and a new one from group:
 * returns WEFT_EVICT_ADMIT, WEFT_EVICT_REFUSE, or the index in c of the
 * connection to close first. The caller closes it and asks again (one
 * eviction may not be enough when several caps are full).
 */
int	weft_evict_choose(const struct weft_evict_cand *c, size_t n,
	    uint64_t group, const struct weft_evict_limits *l, uint64_t now);

#endif
