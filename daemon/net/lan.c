/*
 * LAN discovery over UDP: the only socket code besides net.c and ctl.c,
 * and all of it is here. Sealing, opening and the replay, rate and dial
 * caps are proto/lan.c's; this file finds the interfaces, moves datagrams
 * and hands the nodes it hears to the net. Datagrams are sent with
 * uv_udp_try_send(): an announcement that cannot go now is dropped, as
 * UDP would, so nothing is ever queued. Each socket reads into its own
 * fixed buffer one byte larger than the largest announcement, so a longer
 * datagram is seen (and dropped) without a read of unbounded size.
 */
#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/lan.h"

#include "clock.h"
#include "lan.h"
#include "log.h"
#include "net.h"

struct lan_sock {
	uv_udp_t	 udp;
	bool		 open;
	bool		 busy;		/* rbuf lent by alloc_cb */
	uint8_t		 rbuf[WEFT_LAN_DATAGRAM_BYTES + 1];
};

struct weft_lan {
	uv_loop_t		*loop;
	struct weft_net		*net;		/* borrowed */
	const struct weft_keypair *node;	/* borrowed */
	uint8_t			 lankey[WEFT_LAN_KEY_BYTES];
	uint16_t		 port;
	uint32_t		 interval_ms;
	struct lan_sock		 s4;
	struct lan_sock		 s6;
	uv_timer_t		 timer;
	unsigned		 handles;	/* open; freed at 0 */
	bool			 stopping;
	struct weft_lan_filter	 filter;
	struct weft_lan_stats	 st;
};

static void
lan_free(struct weft_lan *l)
{
	sodium_memzero(l->lankey, sizeof(l->lankey));
	free(l);
}

static void
handle_close_cb(uv_handle_t *h)
{
	struct weft_lan	*l = h->data;

	if (--l->handles == 0)
		lan_free(l);
}

static void
handle_close(struct weft_lan *l, uv_handle_t *h)
{
	h->data = l;
	uv_close(h, handle_close_cb);
}

/*
 * Hands a node heard on the LAN to the net. This is the one call to
 * change when the net grows weft_net_learn(net, node, ip_port, source),
 * which keeps the address in the address book instead.
 */
static int
lan_dial(struct weft_lan *l, const uint8_t node[32], const char *ip_port)
{
	char	peer[64 + 1 + WEFT_NET_ADDR_MAX];

	/*
	 * Kept dialled like a configured peer, with backoff, so that a node
	 * on the LAN is connected whatever the outbound target; the book
	 * lists it with source "lan" once the handshake verified it.
	 */
	weft_hex_encode(peer, node, 32);
	snprintf(peer + 64, sizeof(peer) - 64, "@%s", ip_port);
	return weft_net_connect_from(l->net, peer, WEFT_ADDR_LAN);
}

/* "IP:PORT", with "[IPv6%ifname]:PORT" for a link-local source. */
static int
source_str(const struct sockaddr *sa, uint16_t port, char *out, size_t outsz)
{
	char	ip[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	int	n;

	if (sa->sa_family == AF_INET) {
		if (uv_ip4_name((const struct sockaddr_in *)sa, ip,
		    sizeof(ip)) != 0)
			return WEFT_EPROTO;
		n = snprintf(out, outsz, "%s:%u", ip, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		if (uv_ip6_name(s6, ip, sizeof(ip)) != 0)
			return WEFT_EPROTO;
		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr)) {
			if (if_indextoname(s6->sin6_scope_id, ifname) == NULL)
				return WEFT_EPROTO;
			n = snprintf(out, outsz, "[%s%%%s]:%u", ip, ifname,
			    port);
		} else {
			n = snprintf(out, outsz, "[%s]:%u", ip, port);
		}
	} else {
		return WEFT_EPROTO;
	}
	if (n < 0 || (size_t)n >= outsz)
		return WEFT_ETOOBIG;
	return 0;
}

static void
on_datagram(struct weft_lan *l, const uint8_t *p, size_t len,
    const struct sockaddr *from)
{
	struct weft_lan_announce a;
	char	addr[WEFT_NET_ADDR_MAX];
	bool	first, dial;
	int	err;

	l->st.received++;
	err = weft_lan_open(p, len, l->lankey, &a);
	if (err) {
		/* Other networks on the LAN are normal: not worth a line. */
		l->st.rejected++;
		return;
	}
	if (from->sa_family == AF_INET)
		l->st.opened4++;
	else
		l->st.opened6++;
	err = weft_lan_filter_check(&l->filter, l->node->pk, &a,
	    weft_clock_now_ms(l->net->clock), &first, &dial);
	if (err == WEFT_EUSAGE)
		return;			/* our own, looped back */
	if (err) {
		log_debug("lan: announcement of %016" PRIX64 " ignored: %s",
		    weft_key_id(a.node), weft_strerror(err));
		return;
	}
	l->st.accepted++;
	err = source_str(from, a.ports[0], addr, sizeof(addr));
	if (err) {
		log_debug("lan: announcement of %016" PRIX64 " from an "
		    "unusable address", weft_key_id(a.node));
		return;
	}
	if (first)
		log_info("lan: found node %016" PRIX64 " at %s",
		    weft_key_id(a.node), addr);
	if (!dial || l->net == NULL)
		return;
	err = lan_dial(l, a.node, addr);
	if (err)
		log_debug("lan: cannot dial %016" PRIX64 " at %s: %s",
		    weft_key_id(a.node), addr, weft_strerror(err));
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct lan_sock	*s = (struct lan_sock *)h;

	(void)suggested;
	if (s->busy) {
		buf->base = NULL;
		buf->len = 0;
		return;
	}
	s->busy = true;
	buf->base = (char *)s->rbuf;
	buf->len = sizeof(s->rbuf);
}

static void
recv_cb(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	struct lan_sock	*s = (struct lan_sock *)u;
	struct weft_lan	*l = u->data;

	if (buf->base != NULL)
		s->busy = false;
	if (nread < 0) {
		log_debug("lan: receive failed: %s", uv_strerror((int)nread));
		return;
	}
	if (nread == 0 || from == NULL || l->stopping)
		return;
	/* Too long for an announcement: dropped unread. */
	if ((flags & UV_UDP_PARTIAL) ||
	    (size_t)nread > WEFT_LAN_DATAGRAM_BYTES) {
		l->st.received++;
		l->st.rejected++;
		return;
	}
	on_datagram(l, s->rbuf, (size_t)nread, from);
}

/* The TCP port to announce, or 0: not listening, or only on loopback. */
static uint16_t
tcp_port(const struct weft_net *n)
{
	const char	*colon;
	unsigned long	 v;

	if (n == NULL || n->listen[0] == '\0')
		return 0;
	if (strncmp(n->listen, "127.", 4) == 0 ||
	    strncmp(n->listen, "[::1]", 5) == 0)
		return 0;
	colon = strrchr(n->listen, ':');
	if (colon == NULL)
		return 0;
	v = strtoul(colon + 1, NULL, 10);
	return v > 0 && v <= 65535 ? (uint16_t)v : 0;
}

/*
 * Joins the IPv6 group on an interface. Done every round for every
 * interface, so that one that appeared, or was removed and made again
 * (a USB adapter, a VPN), is joined too; joining twice is EADDRINUSE.
 */
static void
join6(struct weft_lan *l, const char *name)
{
	char	ifaddr[4 + IF_NAMESIZE];
	int	err;

	if (!l->s6.open)
		return;
	snprintf(ifaddr, sizeof(ifaddr), "::%%%s", name);
	err = uv_udp_set_membership(&l->s6.udp, WEFT_LAN_GROUP6, ifaddr,
	    UV_JOIN_GROUP);
	if (err && err != UV_EADDRINUSE)
		log_debug("lan: cannot join %s on '%s': %s", WEFT_LAN_GROUP6,
		    name, uv_strerror(err));
}

static void
send_to(struct weft_lan *l, uv_udp_t *u, const uint8_t *p, size_t len,
    const struct sockaddr *to)
{
	uv_buf_t	b = uv_buf_init((char *)p, (unsigned)len);
	int		err;

	err = uv_udp_try_send(u, &b, 1, to);
	if (err < 0)
		log_debug("lan: cannot send an announcement: %s",
		    uv_strerror(err));
	else
		l->st.sent++;
}

/*
 * One round: joins the group on interfaces that appeared, then, when
 * listening on TCP, sends one sealed announcement to every interface's
 * IPv4 broadcast address and to the IPv6 group on every interface.
 */
static void
announce(struct weft_lan *l)
{
	struct weft_lan_announce a;
	uv_interface_address_t	*ifs;
	struct sockaddr_in	 bc[WEFT_LAN_IFS_MAX];
	struct sockaddr_in6	 g6;
	char			 sent6[WEFT_LAN_IFS_MAX][IF_NAMESIZE];
	char			 grp[sizeof(WEFT_LAN_GROUP6) + IF_NAMESIZE];
	uint8_t			 dg[WEFT_LAN_DATAGRAM_BYTES];
	unsigned		 nbc = 0, nsent6 = 0;
	uint16_t		 port;
	int			 nifs, len = 0, err;

	err = uv_interface_addresses(&ifs, &nifs);
	if (err) {
		log_debug("lan: cannot list interfaces: %s", uv_strerror(err));
		return;
	}
	port = tcp_port(l->net);
	if (port != 0) {
		err = weft_lan_announce_fill(&a, l->node->pk,
		    weft_clock_now_ms(l->net->clock), &port, 1);
		if (err == 0)
			len = weft_lan_seal(&a, l->node->sk, l->lankey, NULL,
			    dg, sizeof(dg));
		if (len <= 0)
			port = 0;
	}
	for (int i = 0; i < nifs; i++) {
		const uv_interface_address_t *ia = &ifs[i];
		struct sockaddr_in	 b;
		bool			 dup = false;

		if (ia->is_internal)
			continue;
		if (ia->address.address4.sin_family == AF_INET6) {
			/* Once per interface, though it has several. */
			for (unsigned k = 0; k < nsent6 && !dup; k++)
				dup = strcmp(sent6[k], ia->name) == 0;
			if (dup || nsent6 == WEFT_LAN_IFS_MAX)
				continue;
			snprintf(sent6[nsent6++], IF_NAMESIZE, "%s", ia->name);
			join6(l, ia->name);
			if (port == 0 || !l->s6.open)
				continue;
			snprintf(grp, sizeof(grp), "%s%%%s", WEFT_LAN_GROUP6,
			    ia->name);
			if (uv_ip6_addr(grp, l->port, &g6) != 0 ||
			    g6.sin6_scope_id == 0)
				continue;
			send_to(l, &l->s6.udp, dg, (size_t)len,
			    (const struct sockaddr *)&g6);
			continue;
		}
		if (ia->address.address4.sin_family != AF_INET || port == 0 ||
		    !l->s4.open)
			continue;
		memset(&b, 0, sizeof(b));
		b.sin_family = AF_INET;
		b.sin_port = htons(l->port);
		b.sin_addr.s_addr = ia->address.address4.sin_addr.s_addr |
		    ~ia->netmask.netmask4.sin_addr.s_addr;
		/* A /32 has no broadcast address. */
		if (b.sin_addr.s_addr == ia->address.address4.sin_addr.s_addr)
			continue;
		for (unsigned k = 0; k < nbc && !dup; k++)
			dup = bc[k].sin_addr.s_addr == b.sin_addr.s_addr;
		if (dup || nbc == WEFT_LAN_IFS_MAX)
			continue;
		bc[nbc++] = b;
		send_to(l, &l->s4.udp, dg, (size_t)len,
		    (const struct sockaddr *)&b);
	}
	uv_free_interface_addresses(ifs, nifs);
	sodium_memzero(&a, sizeof(a));
}

static void
timer_cb(uv_timer_t *t)
{
	struct weft_lan	*l = t->data;

	announce(l);
	uv_timer_start(&l->timer, timer_cb, l->interval_ms +
	    randombytes_uniform(l->interval_ms + 1), 0);
}

static int
sock_open(struct weft_lan *l, struct lan_sock *s, int af)
{
	struct sockaddr_storage	 sa;
	unsigned		 flags = UV_UDP_REUSEADDR;
	int			 err;

	err = uv_udp_init_ex(l->loop, &s->udp, (unsigned)af);
	if (err)
		return err;
	l->handles++;
	s->udp.data = l;
	s->open = true;
	if (af == AF_INET) {
		err = uv_ip4_addr("0.0.0.0", l->port,
		    (struct sockaddr_in *)&sa);
	} else {
		err = uv_ip6_addr("::", l->port, (struct sockaddr_in6 *)&sa);
		flags |= UV_UDP_IPV6ONLY;
	}
	if (err == 0)
		err = uv_udp_bind(&s->udp, (const struct sockaddr *)&sa, flags);
	if (err == 0 && af == AF_INET)
		err = uv_udp_set_broadcast(&s->udp, 1);
	if (err == 0 && af == AF_INET6)
		err = uv_udp_set_multicast_ttl(&s->udp, 1);
	if (err == 0)
		err = uv_udp_recv_start(&s->udp, alloc_cb, recv_cb);
	if (err) {
		s->open = false;
		handle_close(l, (uv_handle_t *)&s->udp);
	}
	return err;
}

int
weft_lan_start(struct weft_lan **lp, uv_loop_t *loop, struct weft_net *net,
    const struct weft_keypair *node, const uint8_t netkey[32], uint16_t port,
    uint64_t interval_ms)
{
	struct weft_lan	*l;
	int		 err4, err6;

	*lp = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->loop = loop;
	l->net = net;
	l->node = node;
	l->port = port != 0 ? port : WEFT_LAN_PORT;
	if (interval_ms == 0 || interval_ms > UINT32_MAX / 2)
		interval_ms = WEFT_LAN_INTERVAL_MS;
	l->interval_ms = (uint32_t)interval_ms;
	l->st.port = l->port;
	weft_lan_key(l->lankey, netkey);
	err4 = sock_open(l, &l->s4, AF_INET);
	if (err4)
		log_warnx("lan: cannot use UDP port %u on IPv4: %s", l->port,
		    uv_strerror(err4));
	err6 = sock_open(l, &l->s6, AF_INET6);
	if (err6)
		log_warnx("lan: cannot use UDP port %u on IPv6: %s", l->port,
		    uv_strerror(err6));
	if (!l->s4.open && !l->s6.open) {
		/* The failed sockets' close callbacks free l. */
		l->stopping = true;
		if (l->handles == 0)
			lan_free(l);
		return err4;
	}
	uv_timer_init(loop, &l->timer);
	l->handles++;
	l->timer.data = l;
	/* The first announcement goes out as soon as the loop runs. */
	uv_timer_start(&l->timer, timer_cb, 0, 0);
	log_info("lan: discovery on UDP port %u (%s%s%s)", l->port,
	    l->s4.open ? "IPv4 broadcast" : "",
	    l->s4.open && l->s6.open ? ", " : "",
	    l->s6.open ? "IPv6 " WEFT_LAN_GROUP6 : "");
	*lp = l;
	return 0;
}

void
weft_lan_stop(struct weft_lan *l)
{
	if (l == NULL || l->stopping)
		return;
	l->stopping = true;
	l->net = NULL;
	if (l->s4.open)
		handle_close(l, (uv_handle_t *)&l->s4.udp);
	if (l->s6.open)
		handle_close(l, (uv_handle_t *)&l->s6.udp);
	handle_close(l, (uv_handle_t *)&l->timer);
}

void
weft_lan_stats(const struct weft_lan *l, struct weft_lan_stats *st)
{
	*st = l->st;
	st->nodes = l->filter.nnodes;
}
