/*
 * LAN discovery announcements (docs/proto/lan.md), sans-I/O: the sealed
 * datagram a node broadcasts to say "I am NODE and listen on these TCP
 * ports", and the filter that decides which announcements a listener
 * acts on. No sockets, no clock, no randomness of its own: callers pass
 * now_ms and the random bytes (weft_lan_announce_fill() and
 * weft_lan_seal() draw them from randombytes_buf() when asked to).
 *
 * Datagram: "weft" 0x01 nonce[24] secretbox(k_lan, body || sig), where
 * k_lan is derived from the network key with crypto_kdf and sig is the
 * node key's Ed25519 signature over "weft/lan/v1" || body. A stranger
 * sees only that a weft node spoke; a node of another network cannot
 * open it; a member cannot forge another node's.
 */
#ifndef WEFT_LAN_H
#define WEFT_LAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEFT_LAN_VERSION	1
#define WEFT_LAN_KEY_BYTES	32
#define WEFT_LAN_RAND_BYTES	16	/* the announcement's own nonce */
#define WEFT_LAN_PORTS_MAX	4
/*
 * magic 4, version 1, nonce 24, MAC 16, body 65, sig 64: one size for
 * every announcement, so the length says nothing about the sender.
 */
#define WEFT_LAN_DATAGRAM_BYTES	174

/* The filter's bounds (weft_lan_filter_check). */
#define WEFT_LAN_WINDOW_MS	(5 * 60 * 1000)	/* most |ts - now| */
#define WEFT_LAN_SEEN_MAX	256	/* nonces remembered */
#define WEFT_LAN_NODES_MAX	64	/* nodes remembered, LRU */
#define WEFT_LAN_REDIAL_MS	10000	/* a dial per node, at most */
/* Announcements acted on: WEFT_LAN_RATE_MS apart, WEFT_LAN_BURST at once. */
#define WEFT_LAN_RATE_MS	100
#define WEFT_LAN_BURST		20

struct weft_lan_announce {
	uint8_t		 node[32];	/* the node key */
	uint64_t	 ts_ms;		/* sender's clock, epoch ms */
	uint8_t		 rand[WEFT_LAN_RAND_BYTES];
	uint16_t	 ports[WEFT_LAN_PORTS_MAX];	/* TCP, none 0 */
	unsigned	 nports;	/* 1..WEFT_LAN_PORTS_MAX */
};

/* A node the filter has heard, most recently heard kept. */
struct weft_lan_node {
	uint8_t		 node[32];
	uint64_t	 last_ts;	/* newest announcement's ts_ms */
	uint64_t	 heard_ms;	/* our clock when it was heard */
	uint64_t	 dialled_ms;	/* our clock at the last dial */
};

/* Replay, rate and dial state of one listener. Zero it to start. */
struct weft_lan_filter {
	struct weft_lan_node	 nodes[WEFT_LAN_NODES_MAX];
	unsigned		 nnodes;
	uint8_t		 seen[WEFT_LAN_SEEN_MAX][WEFT_LAN_RAND_BYTES];
	unsigned		 nseen;
	unsigned		 seen_next;	/* ring position */
	uint64_t		 tat_ms;	/* rate cap (GCRA) */
	uint64_t		 found;		/* *first answers */
};

/*
 * Derives the 32-byte LAN key from the network key:
 * crypto_kdf_derive_from_key(k_lan, 32, 1, "weft-lan", netkey).
 */
void	weft_lan_key(uint8_t lankey[WEFT_LAN_KEY_BYTES],
	    const uint8_t netkey[32]);

/*
 * Fills a with node, now_ms and the given ports, and a fresh random
 * nonce from randombytes_buf(). Returns 0 or WEFT_EUSAGE (no port, too
 * many, or a port 0).
 */
int	weft_lan_announce_fill(struct weft_lan_announce *a,
	    const uint8_t node[32], uint64_t now_ms, const uint16_t *ports,
	    unsigned nports);

/*
 * Signs a with sk (the 64-byte libsodium secret key whose public half
 * must be a->node) and seals it under lankey into out. box_nonce (24
 * bytes) is used as the secretbox nonce; NULL draws a random one, which
 * is what every caller except a test vector must do. Returns the
 * datagram's length (WEFT_LAN_DATAGRAM_BYTES), WEFT_EUSAGE (a bad
 * announcement, or sk does not belong to a->node) or WEFT_ETOOBIG
 * (outsz too small).
 */
int	weft_lan_seal(const struct weft_lan_announce *a, const uint8_t *sk,
	    const uint8_t lankey[WEFT_LAN_KEY_BYTES],
	    const uint8_t *box_nonce, uint8_t *out, size_t outsz);

/*
 * Opens a datagram: a total function of any len bytes. On success a
 * holds the announcement, whose signature by a->node was verified; on
 * failure a is zeroed. Returns 0, WEFT_EPROTO (not a weft announcement,
 * not WEFT_LAN_DATAGRAM_BYTES long, or a malformed body), WEFT_EVERSION
 * (another version), WEFT_EDECRYPT (not sealed with lankey: another
 * network) or WEFT_EBADSIG (forged).
 */
int	weft_lan_open(const uint8_t *p, size_t len,
	    const uint8_t lankey[WEFT_LAN_KEY_BYTES],
	    struct weft_lan_announce *a);

/*
 * Decides whether to act on an opened announcement heard at now_ms by
 * the node self. Returns 0 (act on it) or:
 *   WEFT_EUSAGE	it is our own (looped back), nothing recorded;
 *   WEFT_EDENIED	ts_ms more than WEFT_LAN_WINDOW_MS from now_ms;
 *   WEFT_EEXISTS	a replay: its nonce was seen, or it is not newer than
 *			the last one from that node (the same announcement
 *			heard over IPv4 and IPv6 is one of these);
 *   WEFT_EBUSY		over the rate cap (WEFT_LAN_RATE_MS, _BURST).
 * On 0 the node is remembered (the least recently heard one is forgotten
 * when WEFT_LAN_NODES_MAX are), *first says it was not known before and
 * *dial that it was not dialled in the last WEFT_LAN_REDIAL_MS (the dial
 * is then recorded as done at now_ms).
 */
int	weft_lan_filter_check(struct weft_lan_filter *f,
	    const uint8_t self[32], const struct weft_lan_announce *a,
	    uint64_t now_ms, bool *first, bool *dial);

#endif
