/*
 * The store: one LMDB environment under the node's home, opened only by
 * weftd. It holds records, chunks and the indexes the CLI needs. This is
 * the only module that includes <lmdb.h>; LMDB's codes are translated here
 * (MDB_NOTFOUND -> WEFT_ENOTFOUND, MDB_MAP_FULL is handled by growing the
 * map, positive errno e -> -e).
 *
 * Every function is synchronous and thread-safe: the daemon runs writes on
 * libuv's thread pool (the env is opened MDB_NOTLS) and short reads on the
 * loop thread. Each call is one transaction; nothing is held between calls,
 * and results are copied out before the transaction ends. Writes commit
 * with LMDB's default durability: a 0 return means the data is on disk.
 */
#ifndef WEFT_STORE_H
#define WEFT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/record.h"

struct weft_buf;
struct weft_store;

struct weft_store_opts {
	size_t	map_size;	/* initial map size; 0 = default (1 GiB) */
};

/*
 * Opens (creating if needed) the environment in directory dir, which must
 * exist. Runs mdb_reader_check. Returns 0, -errno or WEFT_ECORRUPT.
 */
int	weft_store_open(struct weft_store **sp, const char *dir,
	    const struct weft_store_opts *opts);
/* Closes the environment; NULL is a no-op. No call may be in flight. */
void	weft_store_close(struct weft_store *s);

/* Chunks: content-addressed blobs (file chunks and chunk lists). */
struct weft_chunk_put {
	uint8_t		 id[WEFT_ID_BYTES];
	const uint8_t	*data;
	size_t		 len;
};

/*
 * Stores n chunks in one transaction, skipping ids already present. The
 * caller has computed each id from the bytes (weft_hash). Returns 0 or an
 * error; nothing is written on error.
 */
int	weft_store_chunks_put(struct weft_store *s,
	    const struct weft_chunk_put *c, size_t n);
/* 0 if present, WEFT_ENOTFOUND if not. */
int	weft_store_chunk_has(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES]);
/* Appends the chunk's bytes to out. 0, WEFT_ENOTFOUND or a buf error. */
int	weft_store_chunk_get(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES], struct weft_buf *out);

/*
 * Verifies a record envelope (weft_record_verify), checks its rights and
 * dependencies against the store, then stores and indexes it in one
 * transaction. Rights: a non-genesis rev is by its design's genesis author,
 * names an existing design whose revisions include every prev; remix_of
 * revisions exist; an entry's library exists and its author is a
 * maintainer (the lib's author always is) and the design exists.
 * Returns 0 (stored), WEFT_EEXISTS (already present, nothing changed),
 * WEFT_EBADSIG, a decode error, WEFT_EDENIED (rights), WEFT_EMISSING
 * (a dependency is absent), or a store error. id (if not NULL) gets the id.
 */
int	weft_store_record_put(struct weft_store *s, const uint8_t *env,
	    size_t len, uint8_t id[WEFT_ID_BYTES]);
/* Appends the envelope of record id to out. 0 or WEFT_ENOTFOUND. */
int	weft_store_record_get(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES], struct weft_buf *out);

/*
 * Resolves a hex id or unique prefix (8..64 hex characters, either case)
 * among record ids. Returns 0, WEFT_EUSAGE (not hex, or under 8
 * characters), WEFT_ENOTFOUND or WEFT_EAMBIGUOUS.
 */
int	weft_store_resolve(struct weft_store *s, const char *prefix,
	    uint8_t id[WEFT_ID_BYTES]);

/* The type of a stored record. 0 or WEFT_ENOTFOUND. */
int	weft_store_record_type(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES], enum weft_record_type *type);

/*
 * The design a revision belongs to (the genesis' id, itself for a genesis).
 * Returns 0, WEFT_ENOTFOUND, or WEFT_EUSAGE if id is no revision.
 */
int	weft_store_rev_design(struct weft_store *s,
	    const uint8_t rev[WEFT_ID_BYTES], uint8_t design[WEFT_ID_BYTES]);

/*
 * Called once per item; a non-zero return stops the walk and is returned
 * by the walking function. The pointers are valid only during the call.
 */
typedef int weft_store_item_cb(void *arg, const uint8_t id[WEFT_ID_BYTES],
    const uint8_t *data, size_t len);

/* Every revision of a design, oldest first by (ts, id): data = envelope. */
int	weft_store_design_revs(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb,
	    void *arg);
/* The heads of a design, newest first by (ts, id): data = envelope. */
int	weft_store_design_heads(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb,
	    void *arg);
/*
 * Genesis revisions of designs remixed from any revision of design:
 * id = the remix's design id, data = its genesis envelope.
 */
int	weft_store_design_remixes(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb,
	    void *arg);

/*
 * Design summaries: data is a msgpack map, exactly the "ls" item of
 * docs/PROTOCOL.md: {design, head, author, title, license, tags, created,
 * updated, revs, heads}, kept up to date at each ingest. ls walks designs
 * oldest first; author and tag (either may be NULL) filter.
 */
int	weft_store_design_summary(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *out);
int	weft_store_designs(struct weft_store *s,
	    const uint8_t *author, const char *tag,
	    weft_store_item_cb *cb, void *arg);
/*
 * Full-text search over titles, descriptions and tags of every design's
 * latest head: the query is split into words (letters and digits, folded
 * to lower case); a design matches when it contains every word (the last
 * one as a prefix). Calls cb with summaries, like weft_store_designs().
 */
int	weft_store_search(struct weft_store *s, const char *query,
	    weft_store_item_cb *cb, void *arg);

/*
 * The designs a library currently holds (the latest entry per design by
 * (ts, id) is an add): id = design id, data = its summary.
 */
int	weft_store_lib_designs(struct weft_store *s,
	    const uint8_t lib[WEFT_ID_BYTES], weft_store_item_cb *cb,
	    void *arg);

struct weft_store_stats {
	uint64_t	records;
	uint64_t	designs;
	uint64_t	libs;
	uint64_t	chunks;
	uint64_t	chunk_bytes;
	uint64_t	map_size;
	uint64_t	map_used;
};

int	weft_store_stats(struct weft_store *s, struct weft_store_stats *st);

/*
 * Re-checks every record (signature, id, fields) and every chunk (id ==
 * BLAKE2b-256 of bytes). cb is called for each bad item with kind "record"
 * or "chunk" and the error; counts go to *records and *chunks.
 */
typedef void weft_store_bad_cb(void *arg, const char *kind,
    const uint8_t id[WEFT_ID_BYTES], int err);
int	weft_store_verify(struct weft_store *s, weft_store_bad_cb *cb,
	    void *arg, uint64_t *records, uint64_t *chunks);

#endif
