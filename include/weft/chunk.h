/*
 * Files: content-defined chunking, chunk ids, chunk lists (docs/PROTOCOL.md
 * "Files"). The chunker is FastCDC with normalised chunking: boundaries
 * depend only on content, so an edit in the middle of a file changes only
 * the chunks around it. Its parameters and gear table are part of the
 * format and frozen: changing them changes every index id.
 *
 * A chunk id is BLAKE2b-256 of the chunk's bytes. A file's index (chunk
 * list) is a msgpack array of [id (bin 32), size (uint)] pairs, stored and
 * fetched like a chunk under its own BLAKE2b-256 id.
 */
#ifndef WEFT_CHUNK_H
#define WEFT_CHUNK_H

#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_CHUNK_MIN		(16 * 1024)
#define WEFT_CHUNK_AVG		(64 * 1024)
#define WEFT_CHUNK_MAX		(256 * 1024)
#define WEFT_INDEX_MAX		(16 * 1024 * 1024)	/* encoded index */
/*
 * Chunks in one index. Every chunk but the last has more than MIN bytes,
 * so any file up to 4 GiB fits; the cap keeps a decoded index within the
 * object limit of weft_msg_decode().
 */
#define WEFT_INDEX_REFS_MAX	(256 * 1024)
#define WEFT_HASH_BYTES		32

/* Streaming chunker state; embed it and weft_chunker_init() it. */
struct weft_chunker {
	uint64_t	fp;	/* gear fingerprint */
	size_t		len;	/* bytes in the current chunk so far */
};

void	weft_chunker_init(struct weft_chunker *c);

/*
 * Scans p[0..n) as the continuation of the current chunk. Returns k in
 * 1..n when the current chunk ends after p[k-1] (the state is then reset
 * for the next chunk), or 0 when all n bytes belong to the current chunk
 * and no boundary was found. The bytes after a file's last boundary form
 * its final chunk (if any).
 */
size_t	weft_chunker_scan(struct weft_chunker *c, const uint8_t *p, size_t n);

/* BLAKE2b-256 (unkeyed) of p[0..n), as chunk and index ids use. */
void	weft_hash(const uint8_t *p, size_t n, uint8_t out[WEFT_HASH_BYTES]);

struct weft_chunk_ref {
	uint8_t		id[WEFT_HASH_BYTES];
	uint32_t	size;	/* 1..WEFT_CHUNK_MAX */
};

/*
 * Appends the encoding of an index to out. Returns 0, WEFT_EUSAGE (a size
 * outside 1..WEFT_CHUNK_MAX), WEFT_ETOOBIG (more than WEFT_INDEX_REFS_MAX
 * refs, or out's cap) or -ENOMEM.
 */
int	weft_index_encode(const struct weft_chunk_ref *refs, size_t n,
	    struct weft_buf *out);

/*
 * Decodes an index, strictly (canonical encoding, sizes 1..WEFT_CHUNK_MAX).
 * *refs is malloc'd (NULL when n is 0) and the caller frees it; *total gets
 * the sum of sizes. Returns 0, WEFT_EPROTO, WEFT_ETOOBIG or -ENOMEM.
 */
int	weft_index_decode(const uint8_t *p, size_t len,
	    struct weft_chunk_ref **refs, size_t *n, uint64_t *total);

#endif
