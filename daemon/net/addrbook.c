/*
 * The table of learnt peer addresses and the addrs message. The table is
 * a flat array scanned linearly: at most WEFT_ADDRBOOK_MAX entries, and
 * it is touched once per received entry and once per dial, so a scan
 * costs less than keeping an index right.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdbool.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "addrbook.h"

/* Characters of an interface name in an IPv6 zone. */
#define ZONE_CHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

int
weft_addrbook_init(struct weft_addrbook *b, const uint8_t self[32],
    size_t max)
{
	memset(b, 0, sizeof(*b));
	b->v = calloc(max > 0 ? max : 1, sizeof(*b->v));
	if (b->v == NULL)
		return -ENOMEM;
	b->max = max;
	memcpy(b->self, self, 32);
	return 0;
}

void
weft_addrbook_release(struct weft_addrbook *b)
{
	free(b->v);
	memset(b, 0, sizeof(*b));
}

int
weft_addr_check(const char *s, size_t len, char out[WEFT_ADDR_STR_MAX])
{
	char		host[WEFT_ADDR_STR_MAX], ip[INET6_ADDRSTRLEN];
	const char	*colon, *end = s + len;
	unsigned long	port = 0;
	size_t		hl;
	uint8_t		a[16];
	bool		v6;

	if (len == 0 || len >= WEFT_ADDR_STR_MAX || memchr(s, '\0', len))
		return WEFT_EUSAGE;
	v6 = s[0] == '[';
	if (v6) {
		colon = memchr(s, ']', len);
		if (colon == NULL || colon + 1 >= end || colon[1] != ':')
			return WEFT_EUSAGE;
		hl = (size_t)(colon - s - 1);
		memcpy(host, s + 1, hl);
		colon++;
	} else {
		colon = memchr(s, ':', len);
		if (colon == NULL)
			return WEFT_EUSAGE;
		hl = (size_t)(colon - s);
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (colon + 1 >= end || end - (colon + 1) > 5)
		return WEFT_EUSAGE;
	for (const char *p = colon + 1; p < end; p++) {
		if (*p < '0' || *p > '9')
			return WEFT_EUSAGE;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port == 0 || port > 65535 || (colon[1] == '0'))
		return WEFT_EUSAGE;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, a) != 1)
		return WEFT_EUSAGE;
	if (v6) {
		static const uint8_t zero[16];

		if (memcmp(a, zero, 16) == 0 || a[0] == 0xff)
			return WEFT_EUSAGE;	/* unspecified, multicast */
		inet_ntop(AF_INET6, a, ip, sizeof(ip));
		snprintf(out, WEFT_ADDR_STR_MAX, "[%s]:%lu", ip, port);
	} else {
		if ((a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0) ||
		    (a[0] >= 224 && a[0] <= 239) ||
		    (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255))
			return WEFT_EUSAGE;
		inet_ntop(AF_INET, a, ip, sizeof(ip));
		snprintf(out, WEFT_ADDR_STR_MAX, "%s:%lu", ip, port);
	}
	return 0;
}

/* A host name per RFC 1123 (s holds no NUL; len checked). */
static bool
host_name_ok(const char *s, size_t len)
{
	size_t	label = 0;
	bool	digits = true;

	if (len == 0 || len > WEFT_HOST_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char	c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			digits = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (c < '0' || c > '9')
			digits = false;
		if (++label > 63)
			return false;
	}
	/* No empty last label, no hyphen last, no all-numeric top label. */
	return label > 0 && s[len - 1] != '-' && !digits;
}

/*
 * "[fe80::1%eth0]:PORT": a link-local IPv6 literal with its zone (an
 * interface name), as LAN discovery and users give it. Addresses from
 * peers never carry one (weft_addr_check() refuses '%').
 */
static int
zoned_check(const char *s, size_t len, char host[WEFT_HOST_NAME_MAX + 1],
    uint16_t *port, char out[WEFT_HOSTPORT_MAX])
{
	const char	*pct, *rb, *end = s + len;
	char		 ip[INET6_ADDRSTRLEN], canon[INET6_ADDRSTRLEN];
	unsigned long	 p = 0;
	size_t		 zl;
	uint8_t		 a[16];

	pct = memchr(s, '%', len);
	rb = memchr(s, ']', len);
	if (s[0] != '[' || pct == NULL || rb == NULL || pct > rb ||
	    (size_t)(pct - s - 1) >= sizeof(ip))
		return WEFT_EUSAGE;
	zl = (size_t)(rb - pct - 1);
	if (zl == 0 || zl >= IF_NAMESIZE ||
	    strspn(pct + 1, ZONE_CHARS) < zl)
		return WEFT_EUSAGE;
	memcpy(ip, s + 1, (size_t)(pct - s - 1));
	ip[pct - s - 1] = '\0';
	if (inet_pton(AF_INET6, ip, a) != 1 || a[0] != 0xfe ||
	    (a[1] & 0xc0) != 0x80 ||
	    inet_ntop(AF_INET6, a, canon, sizeof(canon)) == NULL)
		return WEFT_EUSAGE;
	if (end - rb < 3 || rb[1] != ':' || end - (rb + 2) > 5 ||
	    rb[2] == '0')
		return WEFT_EUSAGE;
	for (const char *q = rb + 2; q < end; q++) {
		if (*q < '0' || *q > '9')
			return WEFT_EUSAGE;
		p = p * 10 + (unsigned long)(*q - '0');
	}
	if (p == 0 || p > 65535)
		return WEFT_EUSAGE;
	snprintf(host, WEFT_HOST_NAME_MAX + 1, "%s%%%.*s", canon, (int)zl,
	    pct + 1);
	*port = (uint16_t)p;
	if (out != NULL)
		snprintf(out, WEFT_HOSTPORT_MAX, "[%s]:%lu", host, p);
	return 0;
}

int
weft_hostport_check(const char *s, size_t len,
    char host[WEFT_HOST_NAME_MAX + 1], uint16_t *port, bool *name,
    char out[WEFT_HOSTPORT_MAX])
{
	const char	*colon, *end = s + len;
	unsigned long	 p = 0;
	size_t		 hl;
	uint8_t		 a[16];
	char		 ip[WEFT_ADDR_STR_MAX];

	if (len == 0 || len >= WEFT_HOSTPORT_MAX || memchr(s, '\0', len))
		return WEFT_EUSAGE;
	/* IP literals: the strict check, which also canonicalises. */
	if (weft_addr_check(s, len, ip) == 0) {
		colon = strrchr(ip, ':');
		hl = (size_t)(colon - ip);
		if (ip[0] == '[')
			snprintf(host, WEFT_HOST_NAME_MAX + 1, "%.*s",
			    (int)hl - 2, ip + 1);
		else
			snprintf(host, WEFT_HOST_NAME_MAX + 1, "%.*s",
			    (int)hl, ip);
		*port = (uint16_t)strtoul(colon + 1, NULL, 10);
		*name = false;
		if (out != NULL)
			memcpy(out, ip, strlen(ip) + 1);
		return 0;
	}
	if (s[0] == '[') {
		*name = false;
		return zoned_check(s, len, host, port, out);
	}
	colon = NULL;
	for (const char *q = end; q > s; q--)
		if (q[-1] == ':') {
			colon = q - 1;
			break;
		}
	if (colon == NULL || colon == s || end - (colon + 1) < 1 ||
	    end - (colon + 1) > 5 || colon[1] == '0')
		return WEFT_EUSAGE;
	for (const char *q = colon + 1; q < end; q++) {
		if (*q < '0' || *q > '9')
			return WEFT_EUSAGE;
		p = p * 10 + (unsigned long)(*q - '0');
	}
	hl = (size_t)(colon - s);
	if (p == 0 || p > 65535 || !host_name_ok(s, hl))
		return WEFT_EUSAGE;
	/* A dotted quad that inet_pton refused is no name either. */
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, a) == 1)
		return WEFT_EUSAGE;
	for (size_t i = 0; i < hl; i++)
		if (host[i] >= 'A' && host[i] <= 'Z')
			host[i] = (char)(host[i] - 'A' + 'a');
	*port = (uint16_t)p;
	*name = true;
	if (out != NULL)
		snprintf(out, WEFT_HOSTPORT_MAX, "%s:%lu", host, p);
	return 0;
}

const char *
weft_addr_source_name(unsigned source)
{
	switch (source) {
	case WEFT_ADDR_LEARNT:
		return "learnt";
	case WEFT_ADDR_CONFIG:
		return "config";
	case WEFT_ADDR_CONNECT:
		return "connect";
	case WEFT_ADDR_LAN:
		return "lan";
	case WEFT_ADDR_SEED:
		return "seed";
	default:
		return "?";
	}
}

static bool
user_source(unsigned source)
{
	return source == WEFT_ADDR_CONFIG || source == WEFT_ADDR_CONNECT ||
	    source == WEFT_ADDR_SEED;
}

struct weft_addr *
weft_addrbook_find(struct weft_addrbook *b, const uint8_t node[32])
{
	for (size_t i = 0; i < b->n; i++)
		if (memcmp(b->v[i].node, node, 32) == 0)
			return &b->v[i];
	return NULL;
}

static void
remove_at(struct weft_addrbook *b, size_t i)
{
	b->v[i] = b->v[--b->n];
	if (b->cursor >= b->n)
		b->cursor = 0;
}

/* The entry a new candidate may replace, or b->n when none. */
static size_t
victim(const struct weft_addrbook *b)
{
	size_t	best = b->n;

	for (size_t i = 0; i < b->n; i++) {
		const struct weft_addr *e = &b->v[i];

		if (e->verified || e->dialing)
			continue;
		if (best == b->n || e->fails > b->v[best].fails ||
		    (e->fails == b->v[best].fails &&
		    e->added_ms < b->v[best].added_ms))
			best = i;
	}
	return best;
}

int
weft_addrbook_add(struct weft_addrbook *b, const uint8_t node[32],
    const char *addr, uint64_t now_ms)
{
	return weft_addrbook_add_from(b, node, addr, WEFT_ADDR_LEARNT, now_ms);
}

int
weft_addrbook_add_from(struct weft_addrbook *b, const uint8_t node[32],
    const char *addr, unsigned source, uint64_t now_ms)
{
	struct weft_addr	*e;
	char			 canon[WEFT_ADDR_STR_MAX];
	size_t			 i;

	if (weft_addr_check(addr, strlen(addr), canon) != 0 ||
	    memcmp(node, b->self, 32) == 0 ||
	    (source != WEFT_ADDR_LEARNT && source != WEFT_ADDR_LAN))
		return WEFT_EUSAGE;
	e = weft_addrbook_find(b, node);
	if (e != NULL) {
		/* What peers say never overrides what a handshake proved. */
		if (!e->verified && !e->dialing &&
		    strcmp(e->addr, canon) != 0) {
			memcpy(e->addr, canon, sizeof(canon));
			e->fails = 0;
			e->next_ms = now_ms;
		}
		return 0;
	}
	if (b->n < b->max) {
		e = &b->v[b->n++];
	} else {
		i = victim(b);
		if (i == b->n)
			return WEFT_ETOOBIG;
		e = &b->v[i];
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->node, node, 32);
	memcpy(e->addr, canon, sizeof(canon));
	e->source = (uint8_t)source;
	e->added_ms = now_ms;
	e->next_ms = now_ms;
	return 0;
}

/*
 * The entry a verified one may replace: the candidate victim(), else
 * the verified entry not being dialled with most failures, then the
 * oldest last_seen. b->n when none.
 */
static size_t
victim_verified(const struct weft_addrbook *b)
{
	size_t	best = victim(b);

	if (best != b->n)
		return best;
	for (size_t i = 0; i < b->n; i++) {
		const struct weft_addr *e = &b->v[i];

		if (e->dialing)
			continue;
		if (best == b->n || e->fails > b->v[best].fails ||
		    (e->fails == b->v[best].fails &&
		    e->last_seen < b->v[best].last_seen))
			best = i;
	}
	return best;
}

/* A slot for a new entry: a free one, or a victim's. NULL when none. */
static struct weft_addr *
slot_verified(struct weft_addrbook *b)
{
	size_t	i;

	if (b->n < b->max)
		return &b->v[b->n++];
	i = victim_verified(b);
	return i == b->n ? NULL : &b->v[i];
}

static bool
addr_ok(const char *addr, unsigned source, char out[WEFT_HOSTPORT_MAX])
{
	char		host[WEFT_HOST_NAME_MAX + 1];
	uint16_t	port;
	bool		name;

	if (weft_hostport_check(addr, strlen(addr), host, &port, &name,
	    out) != 0)
		return false;
	return !name || user_source(source);
}

int
weft_addrbook_seen(struct weft_addrbook *b, const uint8_t node[32],
    const char *addr, unsigned source, uint64_t now_ms, uint64_t wall_ms)
{
	struct weft_addr	*e;
	char			 canon[WEFT_HOSTPORT_MAX];

	if (source < WEFT_ADDR_LEARNT || source > WEFT_ADDR_SEED ||
	    !addr_ok(addr, source, canon) || memcmp(node, b->self, 32) == 0)
		return WEFT_EUSAGE;
	e = weft_addrbook_find(b, node);
	if (e == NULL) {
		e = slot_verified(b);
		if (e == NULL)
			return WEFT_ETOOBIG;
		memset(e, 0, sizeof(*e));
		memcpy(e->node, node, 32);
		e->added_ms = now_ms;
		e->source = (uint8_t)source;
	} else if (user_source(source) || !user_source(e->source)) {
		e->source = (uint8_t)source;
	}
	memcpy(e->addr, canon, sizeof(canon));
	e->verified = true;
	e->fails = 0;
	e->last_seen = wall_ms;
	e->next_ms = now_ms + WEFT_ADDR_RETRY_MS;
	return 0;
}

int
weft_addrbook_load(struct weft_addrbook *b, const struct weft_addr *in,
    uint64_t now_ms)
{
	struct weft_addr	*e;
	char			 canon[WEFT_HOSTPORT_MAX];

	if (memcmp(in->node, b->self, 32) == 0 ||
	    !addr_ok(in->addr, in->source, canon))
		return WEFT_EUSAGE;
	e = weft_addrbook_find(b, in->node);
	if (e == NULL) {
		e = slot_verified(b);
		if (e == NULL)
			return WEFT_ETOOBIG;
	}
	*e = *in;
	memcpy(e->addr, canon, sizeof(canon));
	e->verified = true;
	e->dialing = false;
	e->added_ms = now_ms;
	e->next_ms = now_ms;
	return 0;
}

int
weft_addrbook_remove(struct weft_addrbook *b, const uint8_t node[32])
{
	struct weft_addr	*e = weft_addrbook_find(b, node);

	if (e == NULL)
		return WEFT_ENOTFOUND;
	remove_at(b, (size_t)(e - b->v));
	return 0;
}

static int
better_first(const void *x, const void *y)
{
	const struct weft_addr	*a = x, *b = y;

	if (a->verified != b->verified)
		return a->verified ? -1 : 1;
	if (a->fails != b->fails)
		return a->fails < b->fails ? -1 : 1;
	if (a->last_seen != b->last_seen)
		return a->last_seen > b->last_seen ? -1 : 1;
	return memcmp(a->node, b->node, 32);
}

void
weft_addrbook_sort(struct weft_addrbook *b)
{
	if (b->n > 1)
		qsort(b->v, b->n, sizeof(*b->v), better_first);
	b->cursor = 0;
}

static void
be32enc(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void
be64enc(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
be_dec(const uint8_t *p, int n)
{
	uint64_t	v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* docs/proto/store.md, "peers": ver, source, fails, last_seen, addr. */
size_t
weft_addr_encode(const struct weft_addr *e, uint8_t out[WEFT_ADDR_REC_MAX])
{
	size_t	alen = strnlen(e->addr, WEFT_HOSTPORT_MAX - 1);

	out[0] = 1;
	out[1] = e->source;
	be32enc(out + 2, e->fails);
	be64enc(out + 6, e->last_seen);
	out[14] = (uint8_t)alen;
	memcpy(out + 15, e->addr, alen);
	return 15 + alen;
}

int
weft_addr_decode(const uint8_t node[32], const uint8_t *val, size_t len,
    struct weft_addr *e)
{
	char	addr[WEFT_HOSTPORT_MAX], canon[WEFT_HOSTPORT_MAX];
	size_t	alen;

	if (len < 16 || len > WEFT_ADDR_REC_MAX || val[0] != 1 ||
	    val[1] < WEFT_ADDR_LEARNT || val[1] > WEFT_ADDR_SEED)
		return WEFT_EPROTO;
	alen = val[14];
	if (alen == 0 || alen >= WEFT_HOSTPORT_MAX || len != 15 + alen ||
	    memchr(val + 15, '\0', alen) != NULL)
		return WEFT_EPROTO;
	memcpy(addr, val + 15, alen);
	addr[alen] = '\0';
	/* Stored canonical: anything else was not written by us. */
	if (!addr_ok(addr, val[1], canon) || strcmp(canon, addr) != 0)
		return WEFT_EPROTO;
	memset(e, 0, sizeof(*e));
	memcpy(e->node, node, 32);
	memcpy(e->addr, addr, alen + 1);
	e->source = val[1];
	e->fails = (uint32_t)be_dec(val + 2, 4);
	e->last_seen = be_dec(val + 6, 8);
	e->verified = true;
	return 0;
}

struct weft_addr *
weft_addrbook_pick(struct weft_addrbook *b, uint64_t now_ms,
    bool (*skip)(void *, const uint8_t *), void *arg)
{
	struct weft_addr	*e;
	size_t			 i;

	for (size_t k = 0; k < b->n; k++) {
		i = (b->cursor + k) % b->n;
		e = &b->v[i];
		if (e->dialing || e->next_ms > now_ms)
			continue;
		if (skip != NULL && skip(arg, e->node))
			continue;
		b->cursor = (i + 1) % b->n;
		e->dialing = true;
		return e;
	}
	return NULL;
}

bool
weft_addrbook_done(struct weft_addrbook *b, const uint8_t node[32],
    bool ok, uint64_t now_ms)
{
	struct weft_addr	*e = weft_addrbook_find(b, node);
	uint64_t		 d = WEFT_ADDR_RETRY_MS;

	if (e == NULL)
		return false;
	e->dialing = false;
	if (ok) {
		e->verified = true;
		e->fails = 0;
		e->next_ms = now_ms + d;
		return true;
	}
	e->fails++;
	/* A candidate goes after two failures; a verified entry stays. */
	if (!e->verified && e->fails >= 2) {
		remove_at(b, (size_t)(e - b->v));
		return false;
	}
	for (uint32_t i = 0; i < e->fails && d < WEFT_ADDR_RETRY_MAX_MS; i++)
		d *= 2;
	e->next_ms = now_ms + (d < WEFT_ADDR_RETRY_MAX_MS ? d :
	    WEFT_ADDR_RETRY_MAX_MS);
	return e->verified;
}

int
weft_addrs_encode(struct weft_buf *out, const struct weft_addr_ref *v,
    size_t n)
{
	struct weft_pack	pk;

	if (n == 0 || n > WEFT_ADDRS_MAX)
		return WEFT_EUSAGE;
	weft_pack_init(&pk, out);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "addrs");
	weft_pack_str(&pk, "addrs");
	weft_pack_array(&pk, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		if (strlen(v[i].addr) >= WEFT_ADDR_STR_MAX)
			return WEFT_EUSAGE;
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "node");
		weft_pack_bin(&pk, v[i].node, 32);
		weft_pack_str(&pk, "addr");
		weft_pack_str(&pk, v[i].addr);
	}
	return weft_pack_error(&pk);
}

static bool
key_is(const struct weft_obj *k, const char *want)
{
	const char	*s;
	size_t		 n;

	return weft_obj_str(k, &s, &n) == 0 && n == strlen(want) &&
	    memcmp(s, want, n) == 0;
}

int
weft_addrs_decode(const uint8_t *msg, size_t len,
    void (*cb)(void *, const uint8_t node[32], const char *addr), void *arg)
{
	struct weft_msg		 m;
	const struct weft_obj	*root, *list, *e;
	const uint8_t		*node;
	const char		*s;
	char			 canon[WEFT_ADDR_STR_MAX];
	size_t			 nl, sl;
	uint32_t		 n;
	int			 err;

	if (len > WEFT_ADDRS_MSG_MAX)
		return WEFT_EPROTO;
	err = weft_msg_decode(&m, msg, len);
	if (err)
		return err == -ENOMEM ? err : WEFT_EPROTO;
	err = WEFT_EPROTO;
	root = m.root;
	if (weft_obj_type(root) != WEFT_OBJ_MAP || weft_obj_len(root) != 2 ||
	    !key_is(weft_obj_get(root, "t"), "addrs"))
		goto out;
	list = weft_obj_get(root, "addrs");
	n = weft_obj_len(list);
	if (weft_obj_type(list) != WEFT_OBJ_ARRAY || n == 0 ||
	    n > WEFT_ADDRS_MAX)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		e = weft_obj_at(list, i);
		if (weft_obj_type(e) != WEFT_OBJ_MAP || weft_obj_len(e) != 2 ||
		    weft_obj_bin(weft_obj_get(e, "node"), &node, &nl) != 0 ||
		    nl != 32 ||
		    weft_obj_str(weft_obj_get(e, "addr"), &s, &sl) != 0)
			goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		e = weft_obj_at(list, i);
		weft_obj_bin(weft_obj_get(e, "node"), &node, &nl);
		weft_obj_str(weft_obj_get(e, "addr"), &s, &sl);
		if (weft_addr_check(s, sl, canon) == 0)
			cb(arg, node, canon);
	}
	err = 0;
out:
	weft_msg_release(&m);
	return err;
}
