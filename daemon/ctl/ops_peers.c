/*
 * The control operations on peers (docs/proto/control.md): peers, known
 * (the address book), connect, disconnect, forget, and push (a bench
 * aid). They read the net's tables from above: the net never calls them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"

#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "net.h"
#include "ops.h"
#include "peer.h"

/* A HELLO's string, or nil when there is none or it is empty. */
static struct weft_ctlmsg_str
opt_str(const char *s)
{
	return weft_ctlmsg_cstr(s != NULL && s[0] != '\0' ? s : NULL);
}

static void
pack_peer(struct weft_pack *pk, const struct weft_peer *p)
{
	const struct weft_wire_hello	*h = weft_session_hello(&p->sess);
	struct weft_ctlmsg_peer		 it;

	memset(&it, 0, sizeof(it));
	memcpy(it.node, p->node, 32);
	it.address = weft_ctlmsg_cstr(p->addr);
	it.direction = weft_ctlmsg_cstr(p->dir == WEFT_PEER_OUT ? "out" :
	    "in");
	it.state = weft_ctlmsg_cstr(weft_peer_state(p));
	it.bytes_in = p->bytes_in;
	it.bytes_out = p->bytes_out;
	it.since = p->since_ms;
	it.listen = opt_str(h != NULL ? h->listen : NULL);
	it.sw = opt_str(h != NULL ? h->sw : NULL);
	weft_ctlmsg_peer_encode(pk, &it);
}

static void
pack_dial(struct weft_pack *pk, const struct weft_dial *d, uint64_t now)
{
	struct weft_ctlmsg_peer	it;

	memset(&it, 0, sizeof(it));
	memcpy(it.node, d->node, 32);
	it.address = weft_ctlmsg_cstr(d->addr);
	it.direction = weft_ctlmsg_cstr("out");
	it.state = weft_ctlmsg_cstr("waiting");
	it.error = opt_str(d->last_err != 0 ? weft_strerror(d->last_err) :
	    NULL);
	it.has_retry = true;
	it.retry_ms = d->next_ms > now ? d->next_ms - now : 0;
	weft_ctlmsg_peer_encode(pk, &it);
}

void
weft__op_peers(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_net		*n = c->d->net;
	struct weft_lister	 l;
	struct weft_peer	*p;
	struct weft_dial	*d;

	(void)req;
	weft__lister_init(&l, c);
	if (n == NULL) {
		weft__lister_finish(&l);
		return;
	}
	/* Inbound connections still in the handshake have no name yet. */
	TAILQ_FOREACH(p, &n->peers.all, entry) {
		if (!p->has_node || p->closing)
			continue;
		pack_peer(&l.pk, p);
		if (weft__lister_item(&l) != 0)
			break;
	}
	TAILQ_FOREACH(d, &n->dials, entry) {
		if (d->conn != NULL || d->learned ||
		    weft_peers_find(&n->peers, d->node))
			continue;
		pack_dial(&l.pk, d, uv_now(n->loop));
		if (weft__lister_item(&l) != 0)
			break;
	}
	weft__lister_finish(&l);
}

void
weft__op_connect(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_net		*n = c->d->net;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	char			*peer;
	uint8_t			 node[32];
	char			 addr[WEFT_NET_ADDR_MAX];
	int			 err;

	if (weft__ctl_arg_str(c, req, "peer", 64 + 1 + WEFT_NET_ADDR_MAX,
	    &peer) != 0)
		goto done;
	if (peer == NULL) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'peer' is required");
		goto done;
	}
	err = weft_net_parse_peer(peer, node, addr);
	if (err) {
		weft__ctl_send_err(c, err, "expected NODEID@HOST:PORT (64 "
		    "hex, '@', a host name, IPv4 address or [IPv6] address, "
		    "':' and a port)");
		goto out;
	}
	if (memcmp(node, c->d->node.pk, 32) == 0) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "that is this node");
		goto out;
	}
	if (n == NULL) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "networking is off");
		goto out;
	}
	err = weft_net_connect(n, peer);
	if (err) {
		weft__ctl_send_err(c, err, "cannot connect to '%s'", peer);
		goto out;
	}
	weft__ctl_reply_begin(&pk, &b, 2);
	weft_pack_str(&pk, "node");
	weft_pack_bin(&pk, node, 32);
	weft_pack_str(&pk, "address");
	weft_pack_str(&pk, addr);
	weft__ctl_send(c, &b);
out:
	free(peer);
done:
	weft__ctl_done(c);
}

void
weft__op_push(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_net		*n = c->d->net;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	const struct weft_obj	*o;
	char			*hex = NULL;
	uint8_t			 node[32];
	uint64_t		 bytes;
	bool			 burst = false;
	int			 err;

	if (weft__ctl_arg_str(c, req, "node", 64, &hex) != 0)
		goto done;
	if (hex == NULL || weft_hex_decode(node, 32, hex, strlen(hex)) != 0 ||
	    weft_obj_uint(weft_obj_get(req, "bytes"), &bytes) != 0) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "push needs 'node' (64 hex) "
		    "and 'bytes'");
		goto done;
	}
	o = weft_obj_get(req, "burst");
	if (o != NULL && weft_obj_bool(o, &burst) != 0) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'burst' must be a bool");
		goto done;
	}
	err = n != NULL ? weft_net_push(n, node, bytes, burst) :
	    WEFT_ENOTFOUND;
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_ENOTFOUND ?
		    "no open connection to that node" : "push");
		goto done;
	}
	weft__ctl_reply_begin(&pk, &b, 1);
	weft_pack_str(&pk, "bytes");
	weft_pack_uint(&pk, bytes);
	weft__ctl_send(c, &b);
done:
	free(hex);
	weft__ctl_done(c);
}

/* known, forget, disconnect */

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

/*
 * The node a hex prefix (8..64 characters, either case) names among the
 * book, the dials and the open connections. Returns 0, WEFT_EUSAGE,
 * WEFT_ENOTFOUND or WEFT_EAMBIGUOUS.
 */
static int
node_resolve(struct weft_net *n, const char *prefix, uint8_t node[32])
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

/* Parses the "node" argument; replies with the error itself. */
static int
arg_node(struct weft_ctl_conn *c, const struct weft_obj *req,
    uint8_t node[32])
{
	struct weft_net	*n = c->d->net;
	char		*hex = NULL;
	int		 err;

	if (weft__ctl_arg_str(c, req, "node", 64, &hex) != 0)
		return WEFT_EUSAGE;
	if (hex == NULL) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'node' is required");
		return WEFT_EUSAGE;
	}
	err = n != NULL ? node_resolve(n, hex, node) : WEFT_ENOTFOUND;
	if (err == WEFT_EUSAGE)
		weft__ctl_send_err(c, err, "expected a node id or a prefix of "
		    "8 or more hex characters");
	else if (err == WEFT_ENOTFOUND)
		weft__ctl_send_err(c, err, "not in the address book, dialled "
		    "or connected (see weft peers --known)");
	else if (err == WEFT_EAMBIGUOUS)
		weft__ctl_send_err(c, err, "the prefix names more than one "
		    "node; give more of it");
	free(hex);
	return err;
}

static void
pack_known(struct weft_pack *pk, struct weft_net *n,
    const struct weft_addr *e)
{
	struct weft_ctlmsg_known	k;

	memset(&k, 0, sizeof(k));
	memcpy(k.node, e->node, 32);
	k.address = weft_ctlmsg_cstr(e->addr);
	k.verified = e->verified;
	k.last_seen = e->last_seen;
	k.fails = e->fails;
	k.source = weft_ctlmsg_cstr(weft_addr_source_name(e->source));
	k.connected = weft_peers_find(&n->peers, e->node) != NULL;
	weft_ctlmsg_known_encode(pk, &k);
}

void
weft__op_known(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_net		*n = c->d->net;
	struct weft_lister	 l;

	(void)req;
	weft__lister_init(&l, c);
	for (size_t i = 0; n != NULL && i < n->book.n; i++) {
		pack_known(&l.pk, n, &n->book.v[i]);
		if (weft__lister_item(&l) != 0)
			break;
	}
	weft__lister_finish(&l);
}

static void
reply_node(struct weft_ctl_conn *c, const uint8_t node[32])
{
	struct weft_buf		b;
	struct weft_pack	pk;

	weft__ctl_reply_begin(&pk, &b, 1);
	weft_pack_str(&pk, "node");
	weft_pack_bin(&pk, node, 32);
	weft__ctl_send(c, &b);
}

void
weft__op_forget(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	uint8_t	node[32];
	char	hex[17];

	if (arg_node(c, req, node) != 0)
		goto done;
	if (weft_net_forget(c->d->net, node) != 0) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND, "no known peer");
		goto done;
	}
	snprintf(hex, sizeof(hex), "%016" PRIX64, weft_key_id(node));
	log_info("peer %s: forgotten", hex);
	reply_node(c, node);
done:
	weft__ctl_done(c);
}

void
weft__op_disconnect(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	uint8_t	node[32];

	if (arg_node(c, req, node) != 0)
		goto done;
	if (weft_net_disconnect(c->d->net, node) != 0) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND, "not connected to that "
		    "node, nor dialling it");
		goto done;
	}
	reply_node(c, node);
done:
	weft__ctl_done(c);
}
