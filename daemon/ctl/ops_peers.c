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
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"

#include "ctl.h"
#include "log.h"
#include "ops.h"

static void
pack_opt_str(struct weft_pack *pk, const char *s)
{
	if (s != NULL && s[0] != '\0')
		weft_pack_str(pk, s);
	else
		weft_pack_nil(pk);
}

static void
pack_peer(struct weft_pack *pk, const struct weft_net_peer_info *p)
{
	weft_pack_map(pk, 10);
	weft_pack_str(pk, "node");
	weft_pack_bin(pk, p->node, 32);
	weft_pack_str(pk, "address");
	weft_pack_str(pk, p->addr);
	weft_pack_str(pk, "direction");
	weft_pack_str(pk, p->out ? "out" : "in");
	weft_pack_str(pk, "state");
	weft_pack_str(pk, p->state);
	weft_pack_str(pk, "bytes_in");
	weft_pack_uint(pk, p->bytes_in);
	weft_pack_str(pk, "bytes_out");
	weft_pack_uint(pk, p->bytes_out);
	weft_pack_str(pk, "since");
	weft_pack_uint(pk, p->since_ms);
	weft_pack_str(pk, "listen");
	pack_opt_str(pk, p->listen);
	weft_pack_str(pk, "sw");
	pack_opt_str(pk, p->sw);
	weft_pack_str(pk, "error");
	weft_pack_nil(pk);
}

static void
pack_dial(struct weft_pack *pk, const struct weft_net_peer_info *d)
{
	weft_pack_map(pk, 11);
	weft_pack_str(pk, "node");
	weft_pack_bin(pk, d->node, 32);
	weft_pack_str(pk, "address");
	weft_pack_str(pk, d->addr);
	weft_pack_str(pk, "direction");
	weft_pack_str(pk, "out");
	weft_pack_str(pk, "state");
	weft_pack_str(pk, "waiting");
	weft_pack_str(pk, "bytes_in");
	weft_pack_uint(pk, 0);
	weft_pack_str(pk, "bytes_out");
	weft_pack_uint(pk, 0);
	weft_pack_str(pk, "since");
	weft_pack_uint(pk, 0);
	weft_pack_str(pk, "listen");
	weft_pack_nil(pk);
	weft_pack_str(pk, "sw");
	weft_pack_nil(pk);
	weft_pack_str(pk, "error");
	pack_opt_str(pk, d->last_err != 0 ? weft_strerror(d->last_err) : NULL);
	weft_pack_str(pk, "retry_ms");
	weft_pack_uint(pk, d->retry_ms);
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
	struct weft_lister	*l = arg;
	struct weft_pack	*pk = &l->pk;

	weft_pack_map(pk, 7);
	weft_pack_str(pk, "node");
	weft_pack_bin(pk, e->node, 32);
	weft_pack_str(pk, "address");
	weft_pack_str(pk, e->addr);
	weft_pack_str(pk, "verified");
	weft_pack_bool(pk, e->verified);
	weft_pack_str(pk, "last_seen");
	weft_pack_uint(pk, e->last_seen);
	weft_pack_str(pk, "fails");
	weft_pack_uint(pk, e->fails);
	weft_pack_str(pk, "source");
	weft_pack_str(pk, e->source);
	weft_pack_str(pk, "connected");
	weft_pack_bool(pk, e->connected);
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
