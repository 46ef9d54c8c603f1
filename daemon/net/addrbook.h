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
 *
 * Verified entries are the node's lasting memory of the network: they
 * are written to the store (weft_addr_encode, docs/proto/store.md,
 * "peers") and loaded again at start. A verified entry is never dropped
 * for failing (its retry delay grows to WEFT_ADDR_RETRY_MAX_MS); only a
 * newly verified address pushes out the worst verified one when the
 * table is full, or `weft forget` removes it. Entries the user gave
 * (config, connect, seed) may name a host (resolved on every dial);
 * entries from peers or the LAN are IP literals only.
 */
#ifndef WEFT_ADDRBOOK_H
#define WEFT_ADDRBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_ADDRBOOK_MAX	1000	/* entries in the table */
#define WEFT_ADDR_STR_MAX	64	/* "[IPv6]:65535" and NUL */
#define WEFT_HOST_NAME_MAX	253	/* RFC 1123 host name */
/* "HOST:PORT" with a host name: 253 + ":65535" + NUL. */
#define WEFT_HOSTPORT_MAX	(WEFT_HOST_NAME_MAX + 7)
/* One persisted entry (weft_addr_encode): 15 bytes and the address. */
#define WEFT_ADDR_REC_MAX	(15 + WEFT_HOSTPORT_MAX)
#define WEFT_ADDRS_MAX		32	/* entries in one addrs message */
#define WEFT_ADDRS_MSG_MAX	8192	/* bytes of one addrs message */
#define WEFT_ADDRS_PER_PEER	256	/* entries taken from one connection */
#define WEFT_ADDRS_PURPOSE	"addrs"
/* Delays before dialling an entry again, in ms. */
#define WEFT_ADDR_RETRY_MS	30000
#define WEFT_ADDR_RETRY_MAX_MS	(60 * 60 * 1000)

/* Where an address came from (persisted: the values are fixed). */
enum weft_addr_source {
	WEFT_ADDR_LEARNT = 1,	/* a peer's addrs message, or its HELLO */
	WEFT_ADDR_CONFIG = 2,	/* --peer or the config file's "peer =" */
	WEFT_ADDR_CONNECT = 3,	/* weft connect */
	WEFT_ADDR_LAN = 4,	/* LAN discovery */
	WEFT_ADDR_SEED = 5,	/* the config file's "seed =" */
};

struct weft_addr {
	uint8_t		node[32];
	/* Canonical IP:PORT, or HOST:PORT for the user's own sources. */
	char		addr[WEFT_HOSTPORT_MAX];
	bool		verified;
	bool		dialing;
	uint8_t		source;		/* enum weft_addr_source */
	uint32_t	fails;		/* in a row */
	uint64_t	added_ms;
	uint64_t	next_ms;	/* no dial before */
	uint64_t	last_seen;	/* wall clock ms, last open or close */
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
 * Checks that s[0..len) is "HOST:PORT" where HOST is an IPv4 literal,
 * "[IPv6]" or a host name (RFC 1123: at most 253 characters, labels of
 * 1..63 letters, digits and hyphens, no hyphen first or last, the last
 * label not all digits), port 1..65535 without leading zeros. Writes the
 * host (without brackets, names in lower case) to host and the port to
 * *port, and the canonical "HOST:PORT" to out when out is not NULL.
 * *name tells whether HOST is a name that needs resolving. Returns 0 or
 * WEFT_EUSAGE.
 */
int	weft_hostport_check(const char *s, size_t len,
	    char host[WEFT_HOST_NAME_MAX + 1], uint16_t *port, bool *name,
	    char out[WEFT_HOSTPORT_MAX]);

/* The word for a source ("learnt", "config", ...), or "?". */
const char *weft_addr_source_name(unsigned source);

/*
 * Adds node at addr (checked with weft_addr_check) as a candidate, or
 * updates the address of a known unverified entry that is not being
 * dialled. Returns 0, WEFT_EUSAGE (bad address, or our own node) or
 * WEFT_ETOOBIG (the table is full of entries that may not be replaced).
 */
int	weft_addrbook_add(struct weft_addrbook *b, const uint8_t node[32],
	    const char *addr, uint64_t now_ms);
/* The same with the source of the address (WEFT_ADDR_LEARNT or _LAN). */
int	weft_addrbook_add_from(struct weft_addrbook *b, const uint8_t node[32],
	    const char *addr, unsigned source, uint64_t now_ms);

/*
 * A handshake with node succeeded at addr, which we dialled (an address
 * of weft_hostport_check's form; IP literal unless source is CONFIG,
 * CONNECT or SEED): the entry is added or updated, verified, its
 * failures cleared and last_seen set to wall_ms. An entry found with
 * another source keeps the user's source over LEARNT and LAN. When the
 * table is full the worst entry goes: an unverified one if any, else the
 * verified one with most failures, then the oldest last_seen. Returns 0
 * or WEFT_EUSAGE (bad address, our own node).
 */
int	weft_addrbook_seen(struct weft_addrbook *b, const uint8_t node[32],
	    const char *addr, unsigned source, uint64_t now_ms,
	    uint64_t wall_ms);

/*
 * Adds a verified entry loaded from the store (due at once). Returns 0,
 * WEFT_EUSAGE (our own node, or bad address) or WEFT_ETOOBIG (full).
 */
int	weft_addrbook_load(struct weft_addrbook *b, const struct weft_addr *e,
	    uint64_t now_ms);

/* Removes node's entry. Returns 0 or WEFT_ENOTFOUND. */
int	weft_addrbook_remove(struct weft_addrbook *b, const uint8_t node[32]);

/*
 * Orders the table best first (verified, then fewest failures, then
 * latest last_seen) and restarts picking at the first entry, so that the
 * next picks take the best entries.
 */
void	weft_addrbook_sort(struct weft_addrbook *b);

/*
 * The persisted form of a verified entry (docs/proto/store.md, "peers"):
 * encode writes it to out (WEFT_ADDR_REC_MAX bytes) and returns its
 * length; decode is total: it fills e (node from the key) from exactly
 * len bytes, or returns WEFT_EPROTO for anything the format does not
 * allow (version, source, sizes, an address weft_hostport_check refuses,
 * a host name from a peer or the LAN).
 */
size_t	weft_addr_encode(const struct weft_addr *e,
	    uint8_t out[WEFT_ADDR_REC_MAX]);
int	weft_addr_decode(const uint8_t node[32], const uint8_t *val,
	    size_t len, struct weft_addr *e);

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
 * are ignored. Returns true when a verified entry changed (it is to be
 * persisted again).
 */
bool	weft_addrbook_done(struct weft_addrbook *b, const uint8_t node[32],
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
