/*
 * The net's side of the control plane's reads (netstats.h): counters,
 * the lines of `weft peers` and `weft peers --known`, and resolving a
 * node id prefix, each filled from the net's own tables on the loop.
 */
#include <sys/queue.h>

#include <string.h>

#include <uv.h>

#include "weft/err.h"
#include "weft/key.h"

#include "addrbook.h"
#include "net.h"
#include "netstats.h"
#include "peer.h"
#include "session.h"

void
weft_net_stats(struct weft_net *n, struct weft_net_stats *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->listen, n->listen, sizeof(st->listen));
	st->naddrs = weft_net_addresses(n, st->addrs, WEFT_NET_LISTEN_ADDRS);
	st->peers = n->peers.nopen;
	st->conns_in = n->peers.nin;
	st->conns_out = n->peers.nout;
	st->netkey_mismatch = weft_net_netkey_mismatches(n);
}

static const char *
opt_str(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

int
weft_net_peers_each(struct weft_net *n, weft_net_peer_fn *fn, void *arg)
{
	struct weft_net_peer_info	 pi;
	const struct weft_wire_hello	*h;
	struct weft_peer		*p;
	struct weft_dial		*d;
	uint64_t			 now = uv_now(n->loop);
	int				 err;

	TAILQ_FOREACH(p, &n->peers.all, entry) {
		if (!p->has_node || p->closing)
			continue;
		h = weft_session_hello(&p->sess);
		memset(&pi, 0, sizeof(pi));
		memcpy(pi.node, p->node, 32);
		pi.addr = p->addr;
		pi.out = p->dir == WEFT_PEER_OUT;
		pi.state = weft_peer_state(p);
		pi.bytes_in = p->bytes_in;
		pi.bytes_out = p->bytes_out;
		pi.since_ms = p->since_ms;
		pi.listen = opt_str(h != NULL ? h->listen : NULL);
		pi.sw = opt_str(h != NULL ? h->sw : NULL);
		err = fn(arg, &pi);
		if (err)
			return err;
	}
	TAILQ_FOREACH(d, &n->dials, entry) {
		if (d->conn != NULL || d->learned ||
		    weft_peers_find(&n->peers, d->node))
			continue;
		memset(&pi, 0, sizeof(pi));
		memcpy(pi.node, d->node, 32);
		pi.addr = d->addr;
		pi.out = true;
		pi.state = "waiting";
		pi.waiting = true;
		pi.last_err = d->last_err;
		pi.retry_ms = d->next_ms > now ? d->next_ms - now : 0;
		err = fn(arg, &pi);
		if (err)
			return err;
	}
	return 0;
}

int
weft_net_known_each(struct weft_net *n, weft_net_known_fn *fn, void *arg)
{
	struct weft_net_known_info	 ki;
	const struct weft_addr		*e;
	int				 err;

	for (size_t i = 0; i < n->book.n; i++) {
		e = &n->book.v[i];
		memset(&ki, 0, sizeof(ki));
		memcpy(ki.node, e->node, 32);
		ki.addr = e->addr;
		ki.verified = e->verified;
		ki.last_seen = e->last_seen;
		ki.fails = e->fails;
		ki.source = weft_addr_source_name(e->source);
		ki.connected = weft_peers_find(&n->peers, e->node) != NULL;
		err = fn(arg, &ki);
		if (err)
			return err;
	}
	return 0;
}

struct node_match {
	const char	*hex;
	size_t		 len;
	uint8_t		 node[32];
	unsigned	 n;		/* distinct nodes matched */
};

static void
match_one(struct node_match *m, const uint8_t node[32])
{
	char	hex[65];

	weft_hex_encode(hex, node, 32);
	if (strncmp(hex, m->hex, m->len) != 0)
		return;
	if (m->n > 0 && memcmp(m->node, node, 32) == 0)
		return;
	memcpy(m->node, node, 32);
	m->n++;
}

int
weft_net_node_resolve(struct weft_net *n, const char *prefix,
    uint8_t node[32])
{
	struct node_match	 m;
	struct weft_dial	*d;
	struct weft_peer	*p;
	char			 low[65];
	size_t			 len = strlen(prefix);

	if (len < 8 || len > 64)
		return WEFT_EUSAGE;
	for (size_t i = 0; i < len; i++) {
		char	ch = prefix[i];

		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return WEFT_EUSAGE;
		low[i] = ch;
	}
	low[len] = '\0';
	memset(&m, 0, sizeof(m));
	m.hex = low;
	m.len = len;
	for (size_t i = 0; i < n->book.n && m.n < 2; i++)
		match_one(&m, n->book.v[i].node);
	TAILQ_FOREACH(d, &n->dials, entry)
		match_one(&m, d->node);
	TAILQ_FOREACH(p, &n->peers.all, entry)
		if (p->open)
			match_one(&m, p->node);
	if (m.n == 0)
		return WEFT_ENOTFOUND;
	if (m.n > 1)
		return WEFT_EAMBIGUOUS;
	memcpy(node, m.node, 32);
	return 0;
}
