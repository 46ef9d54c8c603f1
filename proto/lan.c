/*
 * LAN announcements: seal, open and the replay/rate filter. The datagram
 * has one fixed layout (docs/proto/lan.md) whose length follows from the
 * number of ports, so opening is a sequence of exact length checks. The
 * signature is inside the box: an outsider cannot even test a guessed
 * node key against it (ssb-lan appends it outside). Every temporary copy
 * of the plaintext is wiped, since it names the node.
 */
#include <string.h>

#include <sodium.h>

#include "weft/err.h"
#include "weft/lan.h"

#define MAGIC		"weft"
#define MAGIC_LEN	4
#define HDR_LEN		(MAGIC_LEN + 1 + crypto_secretbox_NONCEBYTES)
/* node, ts, rand, n, the port slots */
#define BODY_LEN	(57 + 2 * WEFT_LAN_PORTS_MAX)
#define PLAIN_LEN	(BODY_LEN + crypto_sign_BYTES)
#define SIG_DOMAIN	"weft/lan/v1"
#define SIG_DOMAIN_LEN	(sizeof(SIG_DOMAIN) - 1)
#define KDF_CONTEXT	"weft-lan"
#define KDF_SUBKEY_ID	1

_Static_assert(HDR_LEN + crypto_secretbox_MACBYTES + PLAIN_LEN ==
    WEFT_LAN_DATAGRAM_BYTES, "datagram size");
_Static_assert(sizeof(KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES,
    "kdf context");

void
weft_lan_key(uint8_t lankey[WEFT_LAN_KEY_BYTES], const uint8_t netkey[32])
{
	_Static_assert(crypto_kdf_KEYBYTES == 32, "kdf key size");
	crypto_kdf_derive_from_key(lankey, WEFT_LAN_KEY_BYTES, KDF_SUBKEY_ID,
	    KDF_CONTEXT, netkey);
}

static bool
ports_ok(const uint16_t *ports, unsigned nports)
{
	if (nports == 0 || nports > WEFT_LAN_PORTS_MAX)
		return false;
	for (unsigned i = 0; i < nports; i++)
		if (ports[i] == 0)
			return false;
	return true;
}

int
weft_lan_announce_fill(struct weft_lan_announce *a, const uint8_t node[32],
    uint64_t now_ms, const uint16_t *ports, unsigned nports)
{
	if (!ports_ok(ports, nports))
		return WEFT_EUSAGE;
	memset(a, 0, sizeof(*a));
	memcpy(a->node, node, 32);
	a->ts_ms = now_ms;
	randombytes_buf(a->rand, sizeof(a->rand));
	memcpy(a->ports, ports, nports * sizeof(ports[0]));
	a->nports = nports;
	return 0;
}

/* The body's BODY_LEN bytes into out; unused port slots are zero. */
static void
body_encode(const struct weft_lan_announce *a, uint8_t *out)
{
	size_t	off = 0;

	memcpy(out, a->node, 32);
	off += 32;
	for (int i = 7; i >= 0; i--)
		out[off++] = (uint8_t)(a->ts_ms >> (8 * i));
	memcpy(out + off, a->rand, WEFT_LAN_RAND_BYTES);
	off += WEFT_LAN_RAND_BYTES;
	out[off++] = (uint8_t)a->nports;
	for (unsigned i = 0; i < WEFT_LAN_PORTS_MAX; i++) {
		uint16_t port = i < a->nports ? a->ports[i] : 0;

		out[off++] = (uint8_t)(port >> 8);
		out[off++] = (uint8_t)port;
	}
}

/* The signed message: the domain, then the body. */
static size_t
sig_message(const uint8_t *body, size_t len, uint8_t *out)
{
	memcpy(out, SIG_DOMAIN, SIG_DOMAIN_LEN);
	memcpy(out + SIG_DOMAIN_LEN, body, len);
	return SIG_DOMAIN_LEN + len;
}

int
weft_lan_seal(const struct weft_lan_announce *a, const uint8_t *sk,
    const uint8_t lankey[WEFT_LAN_KEY_BYTES], const uint8_t *box_nonce,
    uint8_t *out, size_t outsz)
{
	uint8_t	plain[PLAIN_LEN], msg[SIG_DOMAIN_LEN + BODY_LEN];
	size_t	mlen;

	if (!ports_ok(a->ports, a->nports))
		return WEFT_EUSAGE;
	/* libsodium's secret key ends with its public key. */
	if (memcmp(sk + 32, a->node, 32) != 0)
		return WEFT_EUSAGE;
	if (outsz < WEFT_LAN_DATAGRAM_BYTES)
		return WEFT_ETOOBIG;
	body_encode(a, plain);
	mlen = sig_message(plain, BODY_LEN, msg);
	crypto_sign_detached(plain + BODY_LEN, NULL, msg, mlen, sk);
	memcpy(out, MAGIC, MAGIC_LEN);
	out[MAGIC_LEN] = WEFT_LAN_VERSION;
	if (box_nonce != NULL)
		memcpy(out + MAGIC_LEN + 1, box_nonce,
		    crypto_secretbox_NONCEBYTES);
	else
		randombytes_buf(out + MAGIC_LEN + 1,
		    crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + HDR_LEN, plain, PLAIN_LEN,
	    out + MAGIC_LEN + 1, lankey);
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(msg, sizeof(msg));
	return WEFT_LAN_DATAGRAM_BYTES;
}

/* Parses an opened, authenticated body of BODY_LEN bytes. */
static int
body_decode(const uint8_t *p, struct weft_lan_announce *a)
{
	size_t	off = 0;

	memset(a, 0, sizeof(*a));
	memcpy(a->node, p, 32);
	off += 32;
	for (int i = 0; i < 8; i++)
		a->ts_ms = (a->ts_ms << 8) | p[off++];
	memcpy(a->rand, p + off, WEFT_LAN_RAND_BYTES);
	off += WEFT_LAN_RAND_BYTES;
	a->nports = p[off++];
	if (a->nports == 0 || a->nports > WEFT_LAN_PORTS_MAX)
		return WEFT_EPROTO;
	/* The ports in use are not 0; the slots after them are. */
	for (unsigned i = 0; i < WEFT_LAN_PORTS_MAX; i++) {
		uint16_t port = (uint16_t)(p[off] << 8 | p[off + 1]);

		off += 2;
		if ((port == 0) != (i >= a->nports))
			return WEFT_EPROTO;
		if (i < a->nports)
			a->ports[i] = port;
	}
	return 0;
}

int
weft_lan_open(const uint8_t *p, size_t len,
    const uint8_t lankey[WEFT_LAN_KEY_BYTES], struct weft_lan_announce *a)
{
	uint8_t	plain[PLAIN_LEN], msg[SIG_DOMAIN_LEN + BODY_LEN];
	size_t	mlen;
	int	err;

	memset(a, 0, sizeof(*a));
	if (len < MAGIC_LEN + 1 || memcmp(p, MAGIC, MAGIC_LEN) != 0)
		return WEFT_EPROTO;
	if (p[MAGIC_LEN] != WEFT_LAN_VERSION)
		return WEFT_EVERSION;
	if (len != WEFT_LAN_DATAGRAM_BYTES)
		return WEFT_EPROTO;
	if (crypto_secretbox_open_easy(plain, p + HDR_LEN,
	    len - HDR_LEN, p + MAGIC_LEN + 1, lankey) != 0)
		return WEFT_EDECRYPT;
	err = body_decode(plain, a);
	if (err)
		goto out;
	mlen = sig_message(plain, BODY_LEN, msg);
	if (crypto_sign_verify_detached(plain + BODY_LEN, msg, mlen,
	    a->node) != 0)
		err = WEFT_EBADSIG;
out:
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(msg, sizeof(msg));
	if (err)
		sodium_memzero(a, sizeof(*a));
	return err;
}

/* Filter */

static struct weft_lan_node *
node_find(struct weft_lan_filter *f, const uint8_t node[32])
{
	for (unsigned i = 0; i < f->nnodes; i++)
		if (memcmp(f->nodes[i].node, node, 32) == 0)
			return &f->nodes[i];
	return NULL;
}

static bool
seen_has(const struct weft_lan_filter *f, const uint8_t rand[16])
{
	for (unsigned i = 0; i < f->nseen; i++)
		if (memcmp(f->seen[i], rand, WEFT_LAN_RAND_BYTES) == 0)
			return true;
	return false;
}

static void
seen_add(struct weft_lan_filter *f, const uint8_t rand[16])
{
	memcpy(f->seen[f->seen_next], rand, WEFT_LAN_RAND_BYTES);
	f->seen_next = (f->seen_next + 1) % WEFT_LAN_SEEN_MAX;
	if (f->nseen < WEFT_LAN_SEEN_MAX)
		f->nseen++;
}

/* A slot for a new node: a free one, or the least recently heard. */
static struct weft_lan_node *
node_slot(struct weft_lan_filter *f)
{
	struct weft_lan_node	*old;

	if (f->nnodes < WEFT_LAN_NODES_MAX)
		return &f->nodes[f->nnodes++];
	old = &f->nodes[0];
	for (unsigned i = 1; i < f->nnodes; i++)
		if (f->nodes[i].heard_ms < old->heard_ms)
			old = &f->nodes[i];
	return old;
}

int
weft_lan_filter_check(struct weft_lan_filter *f, const uint8_t self[32],
    const struct weft_lan_announce *a, uint64_t now_ms, bool *first,
    bool *dial)
{
	struct weft_lan_node	*n;
	uint64_t		 tat;

	*first = false;
	*dial = false;
	if (memcmp(a->node, self, 32) == 0)
		return WEFT_EUSAGE;
	if (a->ts_ms > UINT64_MAX - WEFT_LAN_WINDOW_MS ||
	    now_ms > UINT64_MAX - WEFT_LAN_WINDOW_MS ||
	    a->ts_ms > now_ms + WEFT_LAN_WINDOW_MS ||
	    a->ts_ms + WEFT_LAN_WINDOW_MS < now_ms)
		return WEFT_EDENIED;
	n = node_find(f, a->node);
	if (seen_has(f, a->rand) || (n != NULL && a->ts_ms <= n->last_ts))
		return WEFT_EEXISTS;
	/*
	 * The generic cell rate algorithm: tat is when the bucket would be
	 * empty; an announcement fits while tat is at most a burst ahead.
	 */
	tat = f->tat_ms > now_ms ? f->tat_ms : now_ms;
	if (tat - now_ms > (uint64_t)(WEFT_LAN_BURST - 1) * WEFT_LAN_RATE_MS)
		return WEFT_EBUSY;
	f->tat_ms = tat + WEFT_LAN_RATE_MS;

	seen_add(f, a->rand);
	if (n == NULL) {
		n = node_slot(f);
		memset(n, 0, sizeof(*n));
		memcpy(n->node, a->node, 32);
		f->found++;
		*first = true;
	}
	n->last_ts = a->ts_ms;
	n->heard_ms = now_ms;
	if (*first || now_ms - n->dialled_ms >= WEFT_LAN_REDIAL_MS) {
		n->dialled_ms = now_ms;
		*dial = true;
	}
	return 0;
}
