/*
 * The eviction choice (evict.h). Linear scans: the table is capped by
 * max-inbound (128 by default) and the group count is quadratic only in
 * the open candidates left after protection.
 */
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "evict.h"

void
weft_evict_limits_default(struct weft_evict_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->in_max = 128;
	l->group_max = WEFT_EVICT_GROUP_MAX;
	l->hs_max = WEFT_EVICT_HS_MAX;
	l->hs_group_max = WEFT_EVICT_HS_GROUP_MAX;
	l->protect_useful = WEFT_EVICT_PROTECT_USEFUL;
	l->protect_long = WEFT_EVICT_PROTECT_LONG;
	l->useful_window_ms = WEFT_EVICT_USEFUL_MS;
}

static uint64_t
be_bytes(const uint8_t *b, size_t n)
{
	uint64_t	v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

uint64_t
weft_evict_group(const struct sockaddr *sa)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	const uint8_t		*b;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		b = (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		goto v4;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (memcmp(b, mapped, sizeof(mapped)) == 0) {
		b += 12;
		goto v4;
	}
	return be_bytes(b, 8);
v4:
	/* As the 6to4 prefix 2002:AABB:CC00::/40 of a.b.c.0/24. */
	return (uint64_t)0x2002 << 48 | be_bytes(b, 3) << 24;
}

uint8_t
weft_evict_progress(uint64_t bytes_in)
{
	if (bytes_in < 64)
		return 0;
	return bytes_in < 64 + 112 ? 1 : 2;
}

/*
 * The handshake to close: in group (all groups when !in_group) the one
 * with least progress, the oldest of those. -1 when there is none.
 */
static int
pick_handshake(const struct weft_evict_cand *c, size_t n, bool in_group,
    uint64_t group)
{
	int	best = -1;

	for (size_t i = 0; i < n; i++) {
		if (c[i].open || c[i].keep ||
		    (in_group && c[i].group != group))
			continue;
		if (best < 0 || c[i].progress < c[best].progress ||
		    (c[i].progress == c[best].progress &&
		    c[i].since_ms < c[best].since_ms))
			best = (int)i;
	}
	return best;
}

/* The group holding most handshakes (ties: the first seen). */
static uint64_t
busiest_hs_group(const struct weft_evict_cand *c, size_t n)
{
	uint64_t	g = 0;
	size_t		most = 0, k;

	for (size_t i = 0; i < n; i++) {
		if (c[i].open || c[i].keep)
			continue;
		k = 0;
		for (size_t j = 0; j < n; j++)
			if (!c[j].open && !c[j].keep &&
			    c[j].group == c[i].group)
				k++;
		if (k > most) {
			most = k;
			g = c[i].group;
		}
	}
	return g;
}

/*
 * The open connection to close (see evict.h), using left[] as scratch:
 * true while a candidate. -1 when every one is protected.
 */
static int
pick_open(const struct weft_evict_cand *c, size_t n, bool in_group,
    uint64_t group, const struct weft_evict_limits *l, uint64_t now,
    bool *left)
{
	size_t		nleft = 0, k, most, keep;
	int		best;
	bool		idle = false;

	for (size_t i = 0; i < n; i++) {
		left[i] = c[i].open && !c[i].keep &&
		    (!in_group || c[i].group == group);
		nleft += left[i];
	}
	/* Those that most recently delivered what we wanted. */
	for (unsigned r = 0; r < l->protect_useful && nleft > 0; r++) {
		best = -1;
		for (size_t i = 0; i < n; i++)
			if (left[i] && c[i].useful_ms != 0 &&
			    now - c[i].useful_ms <= l->useful_window_ms &&
			    (best < 0 || c[i].useful_ms > c[best].useful_ms))
				best = (int)i;
		if (best < 0)
			break;
		left[best] = false;
		nleft--;
	}
	/* The longest-connected, at most half of the rest. */
	keep = nleft / 2 < l->protect_long ? nleft / 2 : l->protect_long;
	for (size_t r = 0; r < keep; r++) {
		best = -1;
		for (size_t i = 0; i < n; i++)
			if (left[i] && (best < 0 ||
			    c[i].since_ms < c[best].since_ms))
				best = (int)i;
		left[best] = false;
		nleft--;
	}
	if (nleft == 0)
		return -1;
	/* Peers that never delivered anything go first. */
	for (size_t i = 0; i < n; i++)
		if (left[i] && c[i].useful_ms == 0)
			idle = true;
	if (idle)
		for (size_t i = 0; i < n; i++)
			if (c[i].useful_ms != 0)
				left[i] = false;
	/* The most crowded group; ties: the one with the youngest. */
	best = -1;
	most = 0;
	for (size_t i = 0; i < n; i++) {
		if (!left[i])
			continue;
		k = 0;
		for (size_t j = 0; j < n; j++)
			if (left[j] && c[j].group == c[i].group)
				k++;
		if (k > most || (k == most && c[i].since_ms >
		    c[best].since_ms)) {
			most = k;
			best = (int)i;
		}
	}
	/* Its youngest. */
	for (size_t i = 0; i < n; i++)
		if (left[i] && c[i].group == c[best].group &&
		    c[i].since_ms > c[best].since_ms)
			best = (int)i;
	return best;
}

int
weft_evict_choose(const struct weft_evict_cand *c, size_t n,
    uint64_t group, const struct weft_evict_limits *l, uint64_t now)
{
	size_t		ing = 0, hs = 0, hsg = 0;
	bool		gfull, *left;
	int		i;

	for (size_t j = 0; j < n; j++) {
		if (c[j].group == group)
			ing++;
		if (!c[j].open) {
			hs++;
			if (c[j].group == group)
				hsg++;
		}
	}
	if (hsg >= l->hs_group_max || hs >= l->hs_max) {
		gfull = hsg >= l->hs_group_max;
		i = pick_handshake(c, n, true, gfull ? group :
		    busiest_hs_group(c, n));
		if (i < 0)
			i = pick_handshake(c, n, false, 0);
		return i >= 0 ? i : WEFT_EVICT_REFUSE;
	}
	if (n < l->in_max && ing < l->group_max)
		return WEFT_EVICT_ADMIT;
	if (n == 0)
		return WEFT_EVICT_REFUSE;	/* a cap of 0 */
	gfull = ing >= l->group_max;
	if ((left = malloc(n * sizeof(*left))) == NULL)
		return WEFT_EVICT_REFUSE;
	i = pick_open(c, n, gfull, group, l, now, left);
	free(left);
	if (i < 0)
		i = pick_handshake(c, n, gfull, group);
	return i >= 0 ? i : WEFT_EVICT_REFUSE;
}
