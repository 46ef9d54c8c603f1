/*
 * The table of peer connections and the "one connection per node pair"
 * rule. Open connections are found by node id with a linear scan: the
 * table holds at most WEFT_NET_IN_MAX + WEFT_NET_OUT_MAX connections, so
 * a scan is as fast as a hash and has nothing to get wrong. The control
 * operations read it through netstats.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"

#include "log.h"
#include "net.h"
#include "peer.h"

void
weft_peers_init(struct weft_peers *t)
{
	memset(t, 0, sizeof(*t));
	TAILQ_INIT(&t->all);
}

struct weft_peer *
weft_peers_find(struct weft_peers *t, const uint8_t node[32])
{
	struct weft_peer	*p;

	TAILQ_FOREACH(p, &t->all, entry)
		if (p->open && memcmp(p->node, node, 32) == 0)
			return p;
	return NULL;
}

bool
weft_peer_keep_new(const uint8_t local[32], const uint8_t remote[32],
    bool old_out, bool new_out)
{
	bool	local_smaller;

	if (old_out == new_out)
		return true;
	local_smaller = memcmp(local, remote, 32) < 0;
	/* Keep the connection whose dialler has the smaller id. */
	return new_out == local_smaller;
}

int
weft_peers_admit(struct weft_peers *t, struct weft_peer *p,
    const uint8_t local[32])
{
	struct weft_peer	*old;

	if (memcmp(p->node, local, 32) == 0) {
		weft__net_close(p, 0, "connected to itself");
		return WEFT_EUSAGE;
	}
	old = weft_peers_find(t, p->node);
	if (old != NULL) {
		if (!weft_peer_keep_new(local, p->node,
		    old->dir == WEFT_PEER_OUT, p->dir == WEFT_PEER_OUT)) {
			weft__net_close(p, 0, "duplicate connection");
			return WEFT_EEXISTS;
		}
		weft__net_close(old, 0, "duplicate connection");
	}
	p->open = true;
	t->nopen++;
	return 0;
}

void
weft_peers_remove(struct weft_peers *t, struct weft_peer *p)
{
	if (p->open) {
		p->open = false;
		t->nopen--;
	}
	if (p->counted) {
		p->counted = false;
		if (p->dir == WEFT_PEER_IN)
			t->nin--;
		else
			t->nout--;
	}
}

const char *
weft_peer_name(const struct weft_peer *p, char buf[WEFT_PEER_NAME_MAX])
{
	if (p->has_node)
		snprintf(buf, WEFT_PEER_NAME_MAX, "%016" PRIX64,
		    weft_key_id(p->node));
	else
		snprintf(buf, WEFT_PEER_NAME_MAX, "%.*s",
		    WEFT_PEER_NAME_MAX - 1, p->addr[0] != '\0' ? p->addr : "?");
	return buf;
}

const char *
weft_peer_state(const struct weft_peer *p)
{
	if (p->closing || p->draining)
		return "closing";
	if (p->open)
		return "open";
	if (!p->connected)
		return "connecting";
	return "handshake";
}
