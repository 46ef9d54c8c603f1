/*
 * The table of learnt peer addresses and the addrs message. The table is
 * a flat array scanned linearly: at most WEFT_ADDRBOOK_MAX entries, and
 * it is touched once per received entry and once per dial, so a scan
 * costs less than keeping an index right.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "addrbook.h"

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
	struct weft_addr	*e;
	char			 canon[WEFT_ADDR_STR_MAX];
	size_t			 i;

	if (weft_addr_check(addr, strlen(addr), canon) != 0 ||
	    memcmp(node, b->self, 32) == 0)
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
	e->added_ms = now_ms;
	e->next_ms = now_ms;
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

void
weft_addrbook_done(struct weft_addrbook *b, const uint8_t node[32],
    bool ok, uint64_t now_ms)
{
	struct weft_addr	*e = weft_addrbook_find(b, node);
	uint64_t		 d = WEFT_ADDR_RETRY_MS;

	if (e == NULL)
		return;
	e->dialing = false;
	if (ok) {
		e->verified = true;
		e->fails = 0;
		e->next_ms = now_ms + d;
		return;
	}
	e->fails++;
	if ((!e->verified && e->fails >= 2) || e->fails >= 5) {
		remove_at(b, (size_t)(e - b->v));
		return;
	}
	for (uint32_t i = 0; i < e->fails && d < WEFT_ADDR_RETRY_MAX_MS; i++)
		d *= 2;
	e->next_ms = now_ms + (d < WEFT_ADDR_RETRY_MAX_MS ? d :
	    WEFT_ADDR_RETRY_MAX_MS);
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
