/*
 * Range-based set reconciliation (Aljoscha Meyer's method, in the style of
 * Negentropy): two nodes find which items each lacks in O(d log n) bytes
 * for sets of n items differing by d. Items are (ts, 32-byte id) pairs
 * ordered by ts, then id. Messages are msgpack, byte-exact in
 * docs/proto/recon.md, and never longer than the frame limit.
 *
 * Sans-I/O: struct weft_recon reads the local set only through the
 * callbacks of struct weft_recon_set (ranks, items, id sums), so the same
 * code runs over an in-memory sorted array (struct weft_recon_vec, below)
 * and over the store's LMDB index. Each side feeds the other's message to
 * weft_recon_reconcile() and sends what comes out, until a side is done:
 * a side is done once it sends or receives a message that asks nothing
 * back (an empty one when all it was asked about matched). Both sides
 * learn their differences (the weft_recon_diff_cb) as they are found.
 */
#ifndef WEFT_RECON_H
#define WEFT_RECON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_RECON_VERSION	2
#define WEFT_RECON_ID_BYTES	32
#define WEFT_RECON_FP_BYTES	8	/* fingerprint, see recon.md */
#define WEFT_RECON_PREFIX_BYTES	8	/* id prefix in IDLIST and DIFF */
#define WEFT_RECON_LIST_MAX	64	/* ids in one list, by protocol */
/* Defaults of struct weft_recon_opts (docs/proto/recon.md, bench-recon). */
#define WEFT_RECON_FIRST	32
#define WEFT_RECON_BUCKETS	8
#define WEFT_RECON_LIST_DEFAULT	8
#define WEFT_RECON_FRAME_MIN	(8 * 1024)
#define WEFT_RECON_FRAME_MAX	(64 * 1024)	/* default frame limit */
#define WEFT_RECON_TS_INF	UINT64_MAX	/* reserved: no item has it */

struct weft_recon_item {
	uint64_t	ts;
	uint8_t		id[WEFT_RECON_ID_BYTES];
};

typedef int weft_recon_id_cb(void *arg, const uint8_t id[WEFT_RECON_ID_BYTES]);

/*
 * The local set, sorted by (ts, id), seen by rank: items have ranks
 * 0..size-1. Every callback returns 0 or a negative error, which
 * reconciliation returns unchanged.
 */
struct weft_recon_set {
	/* Number of items. */
	int	(*size)(void *arg, uint64_t *n);
	/* The rank of the first item >= it (size if none). */
	int	(*lower_bound)(void *arg, const struct weft_recon_item *it,
		    uint64_t *rank);
	/* The item of a rank < size. */
	int	(*item_at)(void *arg, uint64_t rank,
		    struct weft_recon_item *it);
	/* Sum of the ids of ranks [lo, hi) as little-endian 256-bit
	 * integers, mod 2^256, written little-endian. */
	int	(*sum)(void *arg, uint64_t lo, uint64_t hi,
		    uint8_t sum[WEFT_RECON_ID_BYTES]);
	/* Calls cb with the ids of ranks [lo, hi) in order; a non-zero
	 * return of cb stops the walk and is returned. */
	int	(*ids)(void *arg, uint64_t lo, uint64_t hi,
		    weft_recon_id_cb *cb, void *cb_arg);
};

enum weft_recon_diff {
	WEFT_RECON_HAVE = 1,	/* we have it, the peer does not */
	WEFT_RECON_NEED,	/* the peer has it, we do not */
};

/*
 * A difference found. An id is reported once, except that a message cut
 * short by the frame limit can make a range be compared again, so
 * callers should tolerate repeats. A non-zero return aborts the call.
 */
typedef int weft_recon_diff_cb(void *arg, enum weft_recon_diff kind,
    const uint8_t id[WEFT_RECON_ID_BYTES]);

/* Zero fields take the defaults. */
struct weft_recon_opts {
	uint32_t	buckets;	/* sub-ranges of a split: 2..64 */
	uint32_t	list_max;	/* list ranges up to: 1..LIST_MAX */
	size_t		frame_max;	/* WEFT_RECON_FRAME_MIN.., 64 KiB */
	uint32_t	first;		/* ranges of the first message: 2..128 */
};

struct weft_recon {
	const struct weft_recon_set	*set;
	void				*set_arg;
	weft_recon_diff_cb		*cb;
	void				*cb_arg;
	uint32_t			 buckets;
	uint32_t			 list_max;
	uint32_t			 first;
	size_t				 frame_max;
	bool				 done;
	/* Statistics, for tests and logs. */
	uint64_t			 msgs_out, bytes_out;
	uint64_t			 msgs_in, bytes_in;
};

/*
 * Prepares r over a set; opts may be NULL (defaults). Returns 0 or
 * WEFT_EUSAGE (options out of range). Nothing needs releasing.
 */
int	weft_recon_init(struct weft_recon *r, const struct weft_recon_set *set,
	    void *set_arg, const struct weft_recon_opts *opts,
	    weft_recon_diff_cb *cb, void *cb_arg);

/*
 * The initiator's first message, appended to out (which must be empty
 * and may hold frame_max bytes). Returns 0, a set error, or a buf error.
 */
int	weft_recon_initiate(struct weft_recon *r, struct weft_buf *out);

/*
 * Processes one message of the peer and appends the answer to out
 * (empty on entry). out->len == 0 afterwards means there is nothing to
 * send; weft_recon_done() says whether reconciliation is complete (it
 * also becomes true when out holds a last message, one that asks nothing
 * back, which must still be sent: the peer finishes on it without
 * answering). Returns 0, WEFT_EPROTO (a malformed message, or
 * one after completion), WEFT_ETOOBIG (over the frame limit),
 * WEFT_EVERSION, a callback's error or a buf error. The set may change
 * between calls; each call reads it once, consistently, if the set's
 * callbacks do (the store's run in one read transaction).
 */
int	weft_recon_reconcile(struct weft_recon *r, const uint8_t *msg,
	    size_t len, struct weft_buf *out);

bool	weft_recon_done(const struct weft_recon *r);

/*
 * The fingerprint of a range: the first 8 bytes of SHA-256(sum || n),
 * sum being the 32-byte little-endian id sum and n the count as a
 * Negentropy varint (7 bits per byte, most significant group first, the
 * high bit set on every byte but the last).
 */
void	weft_recon_fingerprint(const uint8_t sum[WEFT_RECON_ID_BYTES],
	    uint64_t n, uint8_t fp[WEFT_RECON_FP_BYTES]);

/* a += b mod 2^256 and a -= b mod 2^256, little-endian. */
void	weft_recon_sum_add(uint8_t a[WEFT_RECON_ID_BYTES],
	    const uint8_t b[WEFT_RECON_ID_BYTES]);
void	weft_recon_sum_sub(uint8_t a[WEFT_RECON_ID_BYTES],
	    const uint8_t b[WEFT_RECON_ID_BYTES]);

/* -1, 0, 1 as a sorts before, with, after b by (ts, id). */
int	weft_recon_item_cmp(const struct weft_recon_item *a,
	    const struct weft_recon_item *b);

/*
 * An in-memory set: a sorted, de-duplicated copy of items with prefix
 * sums, so every callback is O(1) or O(log n). weft_recon_vec_set is its
 * callback table; pass the vec as set_arg.
 */
struct weft_recon_vec {
	struct weft_recon_item	*items;
	uint8_t			(*psum)[WEFT_RECON_ID_BYTES];	/* n + 1 */
	uint64_t		 n;
};

/* Copies, sorts and de-duplicates items. Returns 0 or -ENOMEM. */
int	weft_recon_vec_init(struct weft_recon_vec *v,
	    const struct weft_recon_item *items, size_t n);
void	weft_recon_vec_release(struct weft_recon_vec *v);
extern const struct weft_recon_set weft_recon_vec_set;

#endif
