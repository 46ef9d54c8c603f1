/*
 * Peer addresses learnt from other nodes (sans-I/O, no <uv.h>): a
 * bounded table of candidate NODEID@IP:PORT pairs, and the "addrs"
 * message that carries them between peers (docs/proto/transport.md,
 * "Peer addresses"). Only IP literals are ever accepted (peer-supplied
 * host names are never resolved). An address is a candidate until a
 * handshake with the expected node id succeeded there (the dialler's
 * secret handshake proves the key), then it is verified; a candidate
 * that fails twice is forgotten, a verified one after five failures in
 * a row. When the table is full a new candidate replaces the unverified
 * one that failed most, or else the oldest unverified one; verified
 * entries are never pushed out by what peers say.
 */
#ifndef WEFT_ADDRBOOK_H
#define WEFT_ADDRBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_ADDRBOOK_MAX	1000	/* entries in the table */
#define WEFT_ADDR_STR_MAX	64	/* "[IPv6]:65535" and NUL */
#define WEFT_ADDRS_MAX		32	/* entries in one addrs message */
#define WEFT_ADDRS_MSG_MAX	8192	/* bytes of one addrs message */
#define WEFT_ADDRS_PER_PEER	256	/* entries taken from one connection */
#define WEFT_ADDRS_PURPOSE	"addrs"
/* Delays before dialling an entry again, in ms. */
#define WEFT_ADDR_RETRY_MS	30000
#define WEFT_ADDR_RETRY_MAX_MS	(60 * 60 * 1000)

struct weft_addr {
	uint8_t		node[32];
	char		addr[WEFT_ADDR_STR_MAX];	/* canonical IP:PORT */
	bool		verified;
	bool		dialing;
	uint32_t	fails;		/* in a row */
	uint64_t	added_ms;
	uint64_t	next_ms;	/* no dial before */
};

struct weft_addrbook {
	struct weft_addr	*v;
	size_t			 n;
	size_t			 max;
	size_t			 cursor;	/* where pick starts */
	uint8_t			 self[32];
};

/* Prepares an empty table of at most max entries. Returns 0 or -ENOMEM. */
int	weft_addrbook_init(struct weft_addrbook *b, const uint8_t self[32],
	    size_t max);
void	weft_addrbook_release(struct weft_addrbook *b);

/*
 * Checks that s[0..len) is "IPv4:PORT" or "[IPv6]:PORT", an IP literal
 * that is neither unspecified nor multicast, port 1..65535, and writes
 * its canonical form to out. Returns 0 or WEFT_EUSAGE.
 */
int	weft_addr_check(const char *s, size_t len,
	    char out[WEFT_ADDR_STR_MAX]);

/*
 * Adds node at addr (checked with weft_addr_check) as a candidate, or
 * updates the address of a known unverified entry that is not being
 * dialled. Returns 0, WEFT_EUSAGE (bad address, or our own node) or
 * WEFT_ETOOBIG (the table is full of entries that may not be replaced).
 */
int	weft_addrbook_add(struct weft_addrbook *b, const uint8_t node[32],
	    const char *addr, uint64_t now_ms);

/* The entry of node, or NULL. */
struct weft_addr *weft_addrbook_find(struct weft_addrbook *b,
	    const uint8_t node[32]);

/*
 * The next entry to dial at now_ms: not being dialled, due, and not
 * skipped by skip(arg, node) (e.g. a node already connected); it is then
 * marked dialling. Entries are taken in turn. NULL when none.
 */
struct weft_addr *weft_addrbook_pick(struct weft_addrbook *b,
	    uint64_t now_ms, bool (*skip)(void *, const uint8_t *), void *arg);

/*
 * The dial of node ended: ok when the handshake with node succeeded
 * (the entry is verified), else a failure (see above). Unknown nodes
 * are ignored.
 */
void	weft_addrbook_done(struct weft_addrbook *b, const uint8_t node[32],
	    bool ok, uint64_t now_ms);

/* One entry of an addrs message. */
struct weft_addr_ref {
	const uint8_t	*node;
	const char	*addr;
};

/*
 * Appends {"t": "addrs", "addrs": [{"node", "addr"}...]} with the n
 * (1..WEFT_ADDRS_MAX) entries to out. Returns 0, WEFT_EUSAGE or an error
 * of out.
 */
int	weft_addrs_encode(struct weft_buf *out, const struct weft_addr_ref *v,
	    size_t n);

/*
 * Decodes an addrs message and calls cb(arg, node, addr) for each entry
 * whose address passes weft_addr_check (others are skipped: the sender
 * may see the network differently). Returns 0, or WEFT_EPROTO for a
 * message that breaks the format (size, types, 1..32 entries, exactly
 * the keys listed) or -ENOMEM.
 */
int	weft_addrs_decode(const uint8_t *msg, size_t len,
	    void (*cb)(void *, const uint8_t node[32], const char *addr),
	    void *arg);

#endif
