/*
 * The values of `dsum` (since format 11): a design's summary in a compact
 * positional form, and the control socket's "Summaries" map built from it
 * and its key (created || design) on read. Inline, as store_wlist.h is,
 * because three modules read summaries (store_index.c writes them,
 * store_search.c and store_geom.c list them) and modules do not call one
 * another. Layout: docs/proto/store.md ("dsum").
 *
 *   flags(1)       bit 0: conflict; bit 1: the head is the design itself
 *                  (no head field); bit 2: updated is before created;
 *                  the other bits are zero
 *   head(32)       unless bit 1
 *   author(32)
 *   varint         updated - created (created - updated with bit 2)
 *   varint revs, varint heads
 *   varint n, n bytes: title; the same for license
 *   varint count, then count times varint n, n bytes: the tags
 *
 * Varints are LEB128 (7 bits a byte, low first), at most 10 bytes. A
 * value never begins with a msgpack map (0x80-0x8f, 0xde), which is how
 * the upgrade tells the summaries of older formats (dsum_is_map()).
 */
#ifndef WEFT_STORE_DSUM_H
#define WEFT_STORE_DSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "store_impl.h"

#define DSUM_CONFLICT	0x01
#define DSUM_HEADISD	0x02
#define DSUM_BACKWARD	0x04
#define DSUM_FLAGS	0x07
#define DSUM_MAX	8192	/* bytes of a value, and of its map */
#define DSUM_TAGS_MAX	1024

/* A decoded summary; the pointers point into the value decoded. */
struct dsum {
	const uint8_t	*design;
	const uint8_t	*head;
	const uint8_t	*author;
	const uint8_t	*title, *license, *tags;
	size_t		 title_len, license_len, tags_len;
	uint32_t	 ntags;
	uint64_t	 created, updated, revs, heads;
	bool		 conflict;
};

static inline int
dsum_is_map(const uint8_t *p, size_t n)
{
	return n > 0 && ((p[0] & 0xf0) == 0x80 || p[0] == 0xde);
}

static inline int
dsum_varint_put(struct weft_buf *b, uint64_t v)
{
	uint8_t	tmp[10];
	size_t	n = 0;

	do {
		tmp[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			tmp[n] |= 0x80;
		n++;
	} while (v != 0);
	return weft_buf_add(b, tmp, n);
}

/* Reads a varint at *off of p (n bytes); WEFT_ECORRUPT if malformed. */
static inline int
dsum_varint_get(const uint8_t *p, size_t n, size_t *off, uint64_t *v)
{
	uint64_t	x = 0;
	unsigned	shift = 0;

	for (size_t i = 0; i < 10; i++) {
		if (*off >= n)
			return WEFT_ECORRUPT;
		if (i == 9 && p[*off] > 1)
			return WEFT_ECORRUPT;	/* beyond 2^64 - 1 */
		x |= (uint64_t)(p[*off] & 0x7f) << shift;
		shift += 7;
		if ((p[(*off)++] & 0x80) == 0) {
			*v = x;
			return 0;
		}
	}
	return WEFT_ECORRUPT;
}

/* A varint length and that many bytes at *off. */
static inline int
dsum_bytes_get(const uint8_t *p, size_t n, size_t *off, const uint8_t **s,
    size_t *len)
{
	uint64_t	l;
	int		err;

	err = dsum_varint_get(p, n, off, &l);
	if (err)
		return err;
	if (l > n - *off)
		return WEFT_ECORRUPT;
	*s = p + *off;
	*len = (size_t)l;
	*off += (size_t)l;
	return 0;
}

static inline int
dsum_bytes_put(struct weft_buf *b, const void *s, size_t n)
{
	int	err;

	err = dsum_varint_put(b, n);
	return err ? err : weft_buf_add(b, s, n);
}

/*
 * Writes the fixed part of a summary of design into b (reset first), up
 * to the tag count; the caller then adds each of the ntags tags with
 * dsum_bytes_put().
 */
static inline int
dsum_encode(struct weft_buf *b, const uint8_t design[ID],
    const uint8_t head[ID], const uint8_t author[WEFT_PK_BYTES],
    const char *title, size_t title_len, const char *license,
    size_t license_len, uint64_t created, uint64_t updated, uint64_t revs,
    uint64_t heads, bool conflict, uint32_t ntags)
{
	uint8_t	flags = conflict ? DSUM_CONFLICT : 0;
	int	err;

	if (memcmp(head, design, ID) == 0)
		flags |= DSUM_HEADISD;
	if (updated < created)
		flags |= DSUM_BACKWARD;
	weft_buf_reset(b);
	err = weft_buf_add(b, &flags, 1);
	if (err == 0 && !(flags & DSUM_HEADISD))
		err = weft_buf_add(b, head, ID);
	if (err == 0)
		err = weft_buf_add(b, author, WEFT_PK_BYTES);
	if (err == 0)
		err = dsum_varint_put(b, updated < created ? created - updated :
		    updated - created);
	if (err == 0)
		err = dsum_varint_put(b, revs);
	if (err == 0)
		err = dsum_varint_put(b, heads);
	if (err == 0)
		err = dsum_bytes_put(b, title, title_len);
	if (err == 0)
		err = dsum_bytes_put(b, license, license_len);
	if (err == 0)
		err = dsum_varint_put(b, ntags);
	return err;
}

/*
 * Decodes the value p (n bytes) of dsum key dk into d, whose pointers
 * point into p and dk. 0 or WEFT_ECORRUPT: total over any bytes.
 */
static inline int
dsum_decode(const uint8_t dk[DKEY], const uint8_t *p, size_t n,
    struct dsum *d)
{
	const uint8_t	*t;
	uint64_t	 delta, cnt;
	size_t		 off = 1, tl;
	int		 err;

	if (n < 1 + WEFT_PK_BYTES || n > DSUM_MAX || (p[0] & ~DSUM_FLAGS))
		return WEFT_ECORRUPT;
	d->design = dk + 8;
	d->created = be64dec(dk);
	d->conflict = (p[0] & DSUM_CONFLICT) != 0;
	if (p[0] & DSUM_HEADISD) {
		d->head = d->design;
	} else {
		if (n < 1 + ID + WEFT_PK_BYTES)
			return WEFT_ECORRUPT;
		d->head = p + off;
		off += ID;
	}
	d->author = p + off;
	off += WEFT_PK_BYTES;
	err = dsum_varint_get(p, n, &off, &delta);
	if (err == 0)
		err = dsum_varint_get(p, n, &off, &d->revs);
	if (err == 0)
		err = dsum_varint_get(p, n, &off, &d->heads);
	if (err == 0)
		err = dsum_bytes_get(p, n, &off, &d->title, &d->title_len);
	if (err == 0)
		err = dsum_bytes_get(p, n, &off, &d->license,
		    &d->license_len);
	if (err == 0)
		err = dsum_varint_get(p, n, &off, &cnt);
	if (err)
		return err;
	/* updated is a uint64 too: no wrapping either way. */
	if ((p[0] & DSUM_BACKWARD) ? delta > d->created :
	    delta > UINT64_MAX - d->created)
		return WEFT_ECORRUPT;
	d->updated = p[0] & DSUM_BACKWARD ? d->created - delta :
	    d->created + delta;
	if (cnt > DSUM_TAGS_MAX)
		return WEFT_ECORRUPT;
	d->ntags = (uint32_t)cnt;
	d->tags = p + off;
	for (uint32_t i = 0; i < d->ntags; i++) {
		err = dsum_bytes_get(p, n, &off, &t, &tl);
		if (err)
			return err;
	}
	d->tags_len = (size_t)(p + off - d->tags);
	return off == n ? 0 : WEFT_ECORRUPT;
}

/*
 * The next tag of a decoded summary: *off starts at 0 and walks
 * d->tags (checked by dsum_decode()).
 */
static inline void
dsum_tag_next(const struct dsum *d, size_t *off, const char **s, size_t *n)
{
	const uint8_t	*t = d->tags;

	*n = 0;
	(void)dsum_bytes_get(d->tags, d->tags_len, off, &t, n);
	*s = (const char *)t;
}

/* msgpack's shortest forms, as msgpack-c (and so weft_pack_*) writes them. */
static inline uint8_t *
dsum_mp_str(uint8_t *w, const void *p, size_t n)
{
	if (n < 32) {
		*w++ = (uint8_t)(0xa0 | n);
	} else if (n < 256) {
		*w++ = 0xd9;
		*w++ = (uint8_t)n;
	} else {
		*w++ = 0xda;		/* n < 65536: n <= DSUM_MAX */
		*w++ = (uint8_t)(n >> 8);
		*w++ = (uint8_t)n;
	}
	memcpy(w, p, n);
	return w + n;
}

static inline uint8_t *
dsum_mp_uint(uint8_t *w, uint64_t v)
{
	int	n;

	if (v < 128) {
		*w++ = (uint8_t)v;
		return w;
	}
	if (v < 256) {
		*w++ = 0xcc;
		n = 1;
	} else if (v < 65536) {
		*w++ = 0xcd;
		n = 2;
	} else if (v < (UINT64_C(1) << 32)) {
		*w++ = 0xce;
		n = 4;
	} else {
		*w++ = 0xcf;
		n = 8;
	}
	for (int i = n - 1; i >= 0; i--)
		*w++ = (uint8_t)(v >> (8 * i));
	return w;
}

/* A key (a literal of fewer than 32 bytes) and a bin 8 of n bytes. */
static inline uint8_t *
dsum_mp_keybin(uint8_t *w, const char *key, const uint8_t *p, size_t n)
{
	w = dsum_mp_str(w, key, strlen(key));
	*w++ = 0xc4;
	*w++ = (uint8_t)n;
	memcpy(w, p, n);
	return w + n;
}

/*
 * Appends the "Summaries" map of d (docs/proto/control.md) to b, with a
 * map header for extra more keys, which the caller packs after it: the
 * bytes weft_pack_map/_str/_bin/_array/_uint/_bool would write, written
 * at once (packing a listing's maps field by field cost more than the
 * rest of a hit). 0, WEFT_ETOOBIG or -ENOMEM.
 */
static inline int
dsum_pack(struct weft_buf *b, const struct dsum *d, uint32_t extra)
{
	const char	*t;
	size_t		 off = 0, tn;
	uint32_t	 nk = (d->conflict ? 11 : 10) + extra;
	uint8_t		*w;
	int		 err;

	err = weft_buf_reserve(b, 256 + d->title_len + d->license_len +
	    d->tags_len + 3 * (size_t)d->ntags);
	if (err)
		return err;
	w = b->data + b->len;
	if (nk < 16) {
		*w++ = (uint8_t)(0x80 | nk);
	} else {
		*w++ = 0xde;		/* extra is a few keys */
		*w++ = (uint8_t)(nk >> 8);
		*w++ = (uint8_t)nk;
	}
	w = dsum_mp_keybin(w, "design", d->design, ID);
	w = dsum_mp_keybin(w, "head", d->head, ID);
	w = dsum_mp_keybin(w, "author", d->author, WEFT_PK_BYTES);
	w = dsum_mp_str(w, "title", 5);
	w = dsum_mp_str(w, d->title, d->title_len);
	w = dsum_mp_str(w, "license", 7);
	w = dsum_mp_str(w, d->license, d->license_len);
	w = dsum_mp_str(w, "tags", 4);
	if (d->ntags < 16) {
		*w++ = (uint8_t)(0x90 | d->ntags);
	} else {
		*w++ = 0xdc;		/* ntags <= DSUM_TAGS_MAX */
		*w++ = (uint8_t)(d->ntags >> 8);
		*w++ = (uint8_t)d->ntags;
	}
	for (uint32_t i = 0; i < d->ntags; i++) {
		dsum_tag_next(d, &off, &t, &tn);
		w = dsum_mp_str(w, t, tn);
	}
	w = dsum_mp_str(w, "created", 7);
	w = dsum_mp_uint(w, d->created);
	w = dsum_mp_str(w, "updated", 7);
	w = dsum_mp_uint(w, d->updated);
	w = dsum_mp_str(w, "revs", 4);
	w = dsum_mp_uint(w, d->revs);
	w = dsum_mp_str(w, "heads", 5);
	w = dsum_mp_uint(w, d->heads);
	if (d->conflict) {
		w = dsum_mp_str(w, "conflict", 8);
		*w++ = 0xc3;
	}
	b->len = (size_t)(w - b->data);
	return 0;
}

/*
 * The summary map of design dk into out (reset first), from its dsum
 * value. WEFT_ECORRUPT when it is missing or malformed.
 */
static inline int
dsum_map_get(MDB_txn *txn, MDB_dbi dbi, const uint8_t dk[DKEY],
    struct weft_buf *out)
{
	struct dsum	d;
	MDB_val		v;
	int		err;

	err = db_get(txn, dbi, dk, DKEY, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	err = dsum_decode(dk, v.mv_data, v.mv_size, &d);
	if (err)
		return err;
	weft_buf_reset(out);
	return dsum_pack(out, &d, 0);
}

#endif
