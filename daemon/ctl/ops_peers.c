/*
 * The control operations on peers (docs/proto/control.md): peers, known
 * (the address book), connect, disconnect, forget, and push (a bench
 * aid). They read the net's tables from above: the net never calls them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"

#include "ctl.h"
#include "log.h"
#include "ops.h"

/* A HELLO's string, or nil when there is none or it is empty. */
static struct weft_ctlmsg_str
opt_str(const char *s)
{
	return weft_ctlmsg_cstr(s != NULL && s[0] != '\0' ? s : NULL);
}

static void
pack_peer(struct weft_pack *pk, const struct weft_net_peer_info *p)
{
	struct weft_ctlmsg_peer	it;

	memset(&it, 0, sizeof(it));
	memcpy(it.node, p->node, 32);
	it.address = weft_ctlmsg_cstr(p->addr);
	it.direction = weft_ctlmsg_cstr(p->out ? "out" : "in");
	it.state = weft_ctlmsg_cstr(p->state);
	it.bytes_in = p->bytes_in;
	it.bytes_out = p->bytes_out;
	it.since = p->since_ms;
	it.listen = opt_str(p->listen);
	it.sw = opt_str(p->sw);
	weft_ctlmsg_peer_encode(pk, &it);
}

static void
pack_dial(struct weft_pack *pk, const struct weft_net_peer_info *d)
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
	it.retry_ms = d->retry_ms;
	weft_ctlmsg_peer_encode(pk, &it);
}

static int
peer_cb(void *arg, const struct weft_net_peer_info *p)
{
	struct weft_lister	*l = arg;

	if (p->waiting)
		pack_dial(&l->pk, p);
	else
		pack_peer(&l->pk, p);
	return weft__lister_item(l);
}

static void
op_peers(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_ctl_net	*cn = &c->env->net;
	struct weft_lister		 l;

	(void)req;
	weft__lister_init(&l, c);
	if (cn->net != NULL)
		(void)cn->peers(cn->net, peer_cb, &l);
	weft__lister_finish(&l);
}

static void
op_connect(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_ctl_net *cn = &c->env->net;
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
	if (memcmp(node, c->env->node, 32) == 0) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "that is this node");
		goto out;
	}
	if (cn->net == NULL) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "networking is off");
		goto out;
	}
	err = cn->connect(cn->net, peer);
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

static void
op_push(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_ctl_net *cn = &c->env->net;
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
	err = cn->net != NULL ? cn->push(cn->net, node, bytes, burst) :
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

/* Parses the "node" argument; replies with the error itself. */
static int
arg_node(struct weft_ctl_conn *c, const struct weft_obj *req,
    uint8_t node[32])
{
	const struct weft_ctl_net *cn = &c->env->net;
	char		*hex = NULL;
	int		 err;

	if (weft__ctl_arg_str(c, req, "node", 64, &hex) != 0)
		return WEFT_EUSAGE;
	if (hex == NULL) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'node' is required");
		return WEFT_EUSAGE;
	}
	err = cn->net != NULL ? cn->resolve(cn->net, hex, node) :
	    WEFT_ENOTFOUND;
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

static int
known_cb(void *arg, const struct weft_net_known_info *e)
{
	struct weft_lister		*l = arg;
	struct weft_ctlmsg_known	 k;

	memset(&k, 0, sizeof(k));
	memcpy(k.node, e->node, 32);
	k.address = weft_ctlmsg_cstr(e->addr);
	k.verified = e->verified;
	k.last_seen = e->last_seen;
	k.fails = e->fails;
	k.source = weft_ctlmsg_cstr(e->source);
	k.connected = e->connected;
	weft_ctlmsg_known_encode(&l->pk, &k);
	return weft__lister_item(l);
}

static void
op_known(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_ctl_net	*cn = &c->env->net;
	struct weft_lister		 l;

	(void)req;
	weft__lister_init(&l, c);
	if (cn->net != NULL)
		(void)cn->known(cn->net, known_cb, &l);
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

static void
op_forget(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	uint8_t	node[32];
	char	hex[17];

	if (arg_node(c, req, node) != 0)
		goto done;
	if (c->env->net.forget(c->env->net.net, node) != 0) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND, "no known peer");
		goto done;
	}
	snprintf(hex, sizeof(hex), "%016" PRIX64, weft_key_id(node));
	log_info("peer %s: forgotten", hex);
	reply_node(c, node);
done:
	weft__ctl_done(c);
}

static void
op_disconnect(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	uint8_t	node[32];

	if (arg_node(c, req, node) != 0)
		goto done;
	if (c->env->net.disconnect(c->env->net.net, node) != 0) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND, "not connected to that "
		    "node, nor dialling it");
		goto done;
	}
	reply_node(c, node);
done:
	weft__ctl_done(c);
}

const struct weft_ctl_op weft__op_peers = { .name = "peers", .fn = op_peers };
const struct weft_ctl_op weft__op_connect = { .name = "connect",
	.fn = op_connect };
const struct weft_ctl_op weft__op_push = { .name = "push", .fn = op_push };
const struct weft_ctl_op weft__op_known = { .name = "known", .fn = op_known };
const struct weft_ctl_op weft__op_forget = { .name = "forget",
	.fn = op_forget };
const struct weft_ctl_op weft__op_disconnect = { .name = "disconnect",
	.fn = op_disconnect };
