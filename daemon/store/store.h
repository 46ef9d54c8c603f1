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
 * A full map grows (doubling, up to 1 TiB) and the write is retried.
 * The on-disk layout is docs/proto/store.md.
 */
#ifndef WEFT_STORE_H
#define WEFT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/record.h"

struct weft_buf;
struct weft_slice;
struct weft_store;

struct weft_clock;

struct weft_store_opts {
	size_t	map_size;	/* initial map size; 0 = default (16 GiB) */
	/* Stamps pending chunks (gc's grace); NULL: the system's clock. */
	const struct weft_clock	*clock;
	/* a pack file of chunk bytes takes no appends past this size;
	   0 = default (64 MiB); tests set it small */
	uint64_t pack_target;
	/* write packs buffered, never with O_DIRECT (tests; weftd:
	   WEFT_PACK_BUFFERED=1) */
	bool	pack_buffered;
	/* a design's last use is written at most this often (store_use.c);
	   0 = default (WEFT_STORE_USE_STEP_MS); tests set it small */
	uint64_t use_step_ms;
};

/*
 * Opens (creating if needed) the environment in directory dir, which must
 * exist. Runs mdb_reader_check. Returns 0, -errno, WEFT_EVERSION (an
 * unknown store format) or WEFT_ECORRUPT; *sp is NULL on failure.
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
 * caller has computed each id from the bytes (weft_hash); the store checks
 * it again before writing. Returns 0, WEFT_EBADHASH (an id does not match
 * its bytes), WEFT_ETOOBIG (a chunk over WEFT_INDEX_MAX) or a store
 * error; nothing is written on error.
 */
int	weft_store_chunks_put(struct weft_store *s,
	    const struct weft_chunk_put *c, size_t n);
/*
 * Like weft_store_chunks_put(), for a caller that has itself just computed
 * every id from exactly these bytes (publish hashes each chunk as it cuts
 * it): the check is not done twice.
 */
int	weft_store_chunks_put_hashed(struct weft_store *s,
	    const struct weft_chunk_put *c, size_t n);
/*
 * Disk (store_disk.c). weft_store_disk_free() gives the bytes free for
 * us (f_bavail) and in all on the filesystem holding the store (total may
 * be NULL); 0 or -errno. weft_store_path() gives the store's directory.
 *
 * weft_store_chunks_put_new() is weft_store_chunks_put_hashed() for a
 * publish that may have to undo its chunks: fresh[i] is set to 1 when
 * chunk i was added by this call and no wanted file lacked it (so only
 * the publish refers to it), 0 otherwise; every chunk gets a pending
 * mark (gc spares it for its grace) bearing token (not 0, one per
 * publish) when fresh; gen[0] and gen[1] get the write generations the
 * call moved the store from and to (both UINT64_MAX when it wrote
 * nothing, e.g. n == 0 or a failure before the commit).
 * weft_store_chunks_drop() deletes, in one transaction, those of the
 * chunks ids[0..n) whose pending mark still bears token: nothing else
 * stored or referred to them since. *dropped and *bytes count what
 * went; the rest is left to gc.
 */
/*
 * The write generations the calling thread's last store write moved the
 * store from and to (as weft_store_chunks_put_new()'s gen), read once:
 * a second call, or one after no write, gives UINT64_MAX twice.
 */
void	weft_store_write_gen(uint64_t gen[2]);
int	weft_store_disk_free(struct weft_store *s, uint64_t *avail,
	    uint64_t *total);
int	weft_store_path(struct weft_store *s, const char **path);
/*
 * How chunk bytes are written (store_pack.c): 1 with O_DIRECT, 0
 * buffered for now (no pack yet), or a negative code: buffered for good,
 * O_DIRECT refused with that code (WEFT_EUSAGE: opts.pack_buffered).
 */
int	weft_store_pack_direct(struct weft_store *s);
int	weft_store_chunks_put_new(struct weft_store *s,
	    const struct weft_chunk_put *c, size_t n, uint64_t token,
	    uint8_t *fresh, uint64_t gen[2]);
int	weft_store_chunks_drop(struct weft_store *s,
	    const uint8_t (*ids)[WEFT_ID_BYTES], size_t n, uint64_t token,
	    size_t *dropped, uint64_t *bytes);
/*
 * Holds (store_hold.c): every chunk weft_store_chunks_put_new() puts under
 * token is held, in memory, until weft_store_hold_end(token): no purge
 * (retraction, rm) and no gc deletes a held chunk, so a publish under way
 * keeps what it stored or met. A publish ends its hold once its revision
 * is committed or its chunks dropped. At most WEFT_STORE_HOLD_MAX tokens
 * hold at once (put_new then fails with WEFT_EBUSY). weft_store_holds()
 * counts the tokens holding.
 */
#define WEFT_STORE_HOLD_MAX	256
void	weft_store_hold_end(struct weft_store *s, uint64_t token);
size_t	weft_store_holds(struct weft_store *s);
/*
 * Compacts the pack files of chunk bytes (store_pack.c): every pack with
 * at least a quarter of its bytes dead (chunks deleted; the newest only
 * when that is 16 MiB too) has its live chunks appended to the newest
 * and is deleted. *freed
 * (may be NULL) gets the bytes of the files deleted. Returns at once
 * when another thread is compacting. weft_store_chunks_drop() runs it.
 * Never call it inside a store callback.
 */
int	weft_store_compact(struct weft_store *s, uint64_t *freed);
/* 0 if present, WEFT_ENOTFOUND if not. */
int	weft_store_chunk_has(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES]);
/* Appends the chunk's bytes to out. 0, WEFT_ENOTFOUND or a buf error. */
int	weft_store_chunk_get(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES], struct weft_buf *out);
/*
 * Appends the whole of file f (its index, then each chunk the index
 * names, read in one transaction) to out, for files of at most max
 * bytes that are read whole (thumbnails, avatars, meshes). 0,
 * WEFT_ETOOBIG (f is larger than max), WEFT_ENOTFOUND (a chunk has not
 * arrived), WEFT_ECORRUPT (the index does not give f's size) or a store
 * or buf error; out is as it was after an error.
 */
int	weft_store_file_read(struct weft_store *s,
	    const struct weft_file_ref *f, uint64_t max, struct weft_buf *out);

/*
 * Verifies a record envelope (weft_record_verify), checks its rights and
 * dependencies against the store, then stores and indexes it in one
 * transaction. Rights: a non-genesis rev is by its design's genesis author,
 * names an existing design whose revisions include every prev; remix_of
 * revisions exist; an entry's library exists and its author is a
 * maintainer (the lib's author always is) and the design exists.
 * Returns 0 (stored), WEFT_EEXISTS (already present, nothing changed),
 * WEFT_EBADSIG, a decode error, WEFT_EDENIED (rights), WEFT_EMISSING
 * (a dependency is absent), WEFT_EBADFIELD (a reference of the wrong kind:
 * a prev of another design, a design id that is no genesis, an entry's lib
 * that is no lib), WEFT_ERETRACTED (its tombstone is here: its author, or
 * for an entry a maintainer, took it back), or a store error. A retract
 * is applied in the same transaction (its targets leave the store, their
 * files are purged). id (if not NULL) gets the id as soon
 * as the envelope is verified, so also with WEFT_EEXISTS.
 */
int	weft_store_record_put(struct weft_store *s, const uint8_t *env,
	    size_t len, uint8_t id[WEFT_ID_BYTES]);
/*
 * weft_store_record_put() for a record whose files this node has just
 * stored (a publish's revision): every file's chunk list and each chunk
 * it lists must be present in the transaction that commits the record,
 * else WEFT_EMISSING and nothing is written (a deletion took them).
 */
int	weft_store_record_put_here(struct weft_store *s, const uint8_t *env,
	    size_t len, uint8_t id[WEFT_ID_BYTES]);
/* Most records weft_store_records_put() takes at once. */
#define WEFT_STORE_BATCH_MAX	16384

/*
 * Batch ingest: the same checks and effects as weft_store_record_put()
 * for each of envs[0..n): every record is checked and stored in order in
 * ONE write transaction, so a record may depend on an earlier one of the
 * batch, and the batch costs one sync. Verification overlaps the write
 * (a helper thread for n >= 16 and the writer verify chunks in order).
 * results[i] gets record i's outcome: 0 (stored), WEFT_EEXISTS (stored
 * already, or earlier in the batch), a verification or decode error,
 * WEFT_EDENIED, WEFT_EMISSING, WEFT_EBADFIELD or WEFT_ERETRACTED; a failed
 * record does not keep the others from being stored. ids (if not NULL) gets each record's
 * id, zeros for an envelope that did not verify. sodium_init() must have
 * been called (the threads use libsodium). Returns 0 when the batch was
 * processed (see results), WEFT_ETOOBIG (n > WEFT_STORE_BATCH_MAX), or a
 * store error or -ENOMEM, in which case nothing was stored and every
 * results[i] holds that error.
 */
int	weft_store_records_put(struct weft_store *s,
	    const struct weft_slice *envs, size_t n, int *results,
	    uint8_t (*ids)[WEFT_ID_BYTES]);

/*
 * The same ingest in two phases, for callers that pipeline batches:
 * verification (the bulk of the CPU) needs no transaction, so one batch
 * can be verified while an earlier one is written.
 *
 * weft_store_batch_new() takes envs[0..n) (1 <= n <= WEFT_STORE_BATCH_MAX;
 * they must outlive the batch) and ids as in weft_store_records_put().
 * weft_store_batch_verify() verifies chunks of the batch until none is
 * left to take; any number of threads may call it at once, before or
 * during weft_store_batch_put(). weft_store_batch_put() (once per batch)
 * verifies what nobody has taken yet, waits for the rest, and checks and
 * stores like weft_store_records_put(), with the same results and
 * return values. weft_store_batch_free() frees the batch, once every
 * call of weft_store_batch_verify() on it has returned.
 */
struct weft_store_batch;
int	weft_store_batch_new(struct weft_store_batch **bp,
	    const struct weft_slice *envs, size_t n,
	    uint8_t (*ids)[WEFT_ID_BYTES]);
void	weft_store_batch_verify(struct weft_store_batch *b);
/* The time receipts in b are judged at (0, the default: none expires). */
void	weft_store_batch_set_now(struct weft_store_batch *b,
	    uint64_t now_ms);
int	weft_store_batch_put(struct weft_store *s,
	    struct weft_store_batch *b, int *results);
void	weft_store_batch_free(struct weft_store_batch *b);

/*
 * An ingest queue, for callers that run several batches at once on
 * several threads (sync's jobs). weft_store_ingest_add() appends a new
 * batch (from one thread, in the order the batches are to be written).
 * weft_store_ingest_run(), on a thread of the caller's, helps verify the
 * oldest batches of the queue one chunk at a time until b is the oldest,
 * then writes b as weft_store_batch_put() does (results and return value
 * alike) while the other running threads go on verifying, and takes b
 * out of the queue; b may then be freed. In the same commit it may write
 * the batches queued after b whose runs are waiting (group commit, at
 * most 4 batches and 8,192 records): their runs then return with their
 * own results without writing; a write that fails fails them all. Every batch added must be run
 * exactly once, in any thread, and the queue freed only once all have
 * returned. The threads running later batches block until the earlier
 * ones were written: the caller must run them on threads that cannot
 * all be taken by later batches (libuv's pool runs work in order).
 */
struct weft_store_ingest;
int	weft_store_ingest_new(struct weft_store_ingest **qp,
	    struct weft_store *s);
void	weft_store_ingest_add(struct weft_store_ingest *q,
	    struct weft_store_batch *b);
int	weft_store_ingest_run(struct weft_store_ingest *q,
	    struct weft_store_batch *b, int *results);
/* Takes b, added but never run, out of the queue (it may then be freed). */
void	weft_store_ingest_cancel(struct weft_store_ingest *q,
	    struct weft_store_batch *b);
void	weft_store_ingest_free(struct weft_store_ingest *q);
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

/*
 * Community records (store_social.c). weft_store_profile() appends the
 * envelope of author's latest profile to out (WEFT_ENOTFOUND if none);
 * weft_store_social_counts() gives a design's likes, comments and makes
 * (0 for one nobody reacted to); weft_store_reaction() whether author's
 * latest reaction to design is a like, and its ts (WEFT_ENOTFOUND if
 * none);
 * weft_store_design_comments() walks the comments on design by (ts, id),
 * data = envelope, edits included (the reader resolves `replaces`).
 */
/*
 * Resolves an author key from a hex prefix (8..64 characters) among the
 * authors of stored records: 0, WEFT_EUSAGE, WEFT_ENOTFOUND or
 * WEFT_EAMBIGUOUS.
 */
int	weft_store_author_resolve(struct weft_store *s, const char *prefix,
	    uint8_t author[WEFT_ID_BYTES]);
int	weft_store_profile(struct weft_store *s,
	    const uint8_t author[WEFT_ID_BYTES], struct weft_buf *out);
/*
 * A design's counts, indexed by enum weft_count_kind (0 for none);
 * weft_store_social_counts() is the first three of them by name.
 */
enum weft_count_kind {
	WEFT_COUNT_LIKES,
	WEFT_COUNT_COMMENTS,
	WEFT_COUNT_MAKES,
	WEFT_COUNT_REMIXES,
	WEFT_COUNT_KINDS
};
#define WEFT_STORE_HAS_COUNTS	1	/* for benches built on older trees */
int	weft_store_design_counts(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES],
	    uint64_t n[WEFT_COUNT_KINDS]);
int	weft_store_social_counts(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], uint64_t *likes,
	    uint64_t *comments, uint64_t *makes);
int	weft_store_reaction(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES],
	    const uint8_t author[WEFT_ID_BYTES], bool *likes, uint64_t *ts);

/*
 * Retraction (store_tomb.c, store_purge.c): a record taken back keeps a
 * tombstone naming the retract that took it back (whose reason is the
 * reason), the retract's signer and ts, and whether the record was here
 * when it was taken back (confirmed: the signer's right was checked;
 * else it is checked when the record comes). weft_store_tomb(): 0 or
 * WEFT_ENOTFOUND (no tombstone: not retracted). weft_store_resolve()
 * resolves prefixes of tombstoned ids too.
 */
/*
 * rm --records: design (a genesis id) leaves this node the way its
 * author's retract would take it out (every revision, every index row,
 * its words and scopes, and the chunks of its files that no kept design
 * shares), but the tombstones it leaves name no retract (all zero: taken
 * out here), so sync never asks for the revisions again and ingest
 * refuses the design's later revisions. *files counts the files its
 * revisions named. WEFT_ENOTFOUND when design is not here, WEFT_EUSAGE
 * when it is no design.
 */
int	weft_store_design_remove(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], uint64_t ts, uint64_t *files);

struct weft_store_tomb {
	uint8_t		retract[WEFT_ID_BYTES];
	uint8_t		signer[WEFT_PK_BYTES];
	uint64_t	ts;
	bool		confirmed;	/* the record was here, rights checked */
};
int	weft_store_tomb(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
	    struct weft_store_tomb *t);
/* Whether tombstone t was left by rm --records (its retract all zero). */
bool	weft_store_tomb_local(const struct weft_store_tomb *t);

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
 * by the walking function. The pointers point into the map and are valid
 * only during the call. The callback runs inside the store's read
 * transaction: it must not call back into the store (a write that grows
 * the map would wait for this very transaction to end).
 */
typedef int weft_store_item_cb(void *arg, const uint8_t id[WEFT_ID_BYTES],
    const uint8_t *data, size_t len);

/*
 * Every revision of a design, oldest first by (ts, id): data = envelope.
 * This and the two walks below return WEFT_ENOTFOUND when design is not a
 * stored design id.
 */
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
/* The comments on design, and its makes (store_social.c, above). */
int	weft_store_design_comments(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb,
	    void *arg);
int	weft_store_design_makes(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb,
	    void *arg);

/*
 * Design summaries: data is a msgpack map, exactly the "Summaries" item of
 * docs/proto/control.md: {design, head, author, title, license, tags,
 * created, updated, revs, heads}, kept up to date at each ingest; the
 * summary of an unknown design is WEFT_ENOTFOUND. weft_store_designs()
 * walks designs oldest first by (created, design); author (32 bytes) and
 * tag (exact, ASCII case-insensitive, against the newest head's tags)
 * filter, and either may be NULL.
 */
int	weft_store_design_summary(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *out);
int	weft_store_designs(struct weft_store *s,
	    const uint8_t *author, const char *tag,
	    weft_store_item_cb *cb, void *arg);
/*
 * The newest designs first by (created, design), at most max of them,
 * with their summaries (the web UI's home page): one read transaction,
 * no walk of the rest. 0 or a store error; a non-zero cb return stops
 * the walk and is returned.
 */
int	weft_store_designs_recent(struct weft_store *s, size_t max,
	    weft_store_item_cb *cb, void *arg);
/*
 * One page of weft_store_designs(): the designs after position pos
 * (created_be64 || design; all zeros to start), at most max of them; pos
 * is left at the last design walked and *more says whether any follow.
 */
#define WEFT_STORE_POS_BYTES	(8 + WEFT_ID_BYTES)
int	weft_store_designs_page(struct weft_store *s,
	    const uint8_t *author, const char *tag,
	    uint8_t pos[WEFT_STORE_POS_BYTES], size_t max, bool *more,
	    weft_store_item_cb *cb, void *arg);
/*
 * Ranked search (store_search.c, docs/proto/store.md "Search"). query is
 * split into words as weft_words_split() does; a design matches when its
 * newest head holds every word (in its title, tags, file names or
 * description), the last one also as a prefix unless exact is set, and
 * passes every filter given (NULL or 0: none): author (32 bytes), tag
 * (ASCII case-insensitive), license (exact SPDX id), type (a file
 * extension, ASCII case-insensitive), lib (holds the design), remix_of
 * (a design it was remixed from, directly), created within since..until
 * (ms, inclusive). Results come best first (BM25 over the fields, each
 * word scored once, ties newest first); offset skips, limit caps (0: all).
 * recent sorts by creation, newest first; by_count by a count (below).
 * With query NULL the designs are listed by creation (oldest first, or
 * newest with recent) through the same filters. info gets the number of
 * matches (exact, or estimated from the share of the walked postings
 * that matched when the walk stopped early) and the number returned, and
 * how many postings the walk read. WEFT_EUSAGE when the query has no
 * words.
 */
/*
 * A geometry filter (store_geom.c): lengths in micrometres, volume in
 * thousandths of mm^3, against the largest extents over a design's
 * meshes (fits: sorted largest first, so a design passes when it fits
 * in some orientation), its volume (only when every mesh is closed), the
 * largest extent (min_size) and its triangles. 0: no bound.
 */
struct weft_store_geom_filter {
	bool		fits_on;
	uint64_t	fits[3];
	uint64_t	max_volume;
	uint64_t	min_size;
	uint64_t	tri_min, tri_max;
};

struct weft_store_query {
	const char	*query;		/* NULL: a listing, no words */
	bool		 exact;
	bool		 recent;	/* newest first instead of best */
	bool		 short_ids;	/* summaries get "short" (below) */
	const uint8_t	*author;
	const char	*tag;
	const char	*license;
	const char	*type;
	const uint8_t	*lib;
	const uint8_t	*remix_of;
	uint64_t	 since, until;
	size_t		 offset, limit;
	/*
	 * by_count: order by the count given (likes, makes or remixes),
	 * highest first, then newest; a listing reads the count-ordered
	 * index, so its first page needs no walk of the rest. counts: each
	 * summary gets "likes", "comments", "makes", "remixes" and, when its
	 * author has a profile, "author_name".
	 */
	bool		 by_count;
	enum weft_count_kind count;
	bool		 counts;
	/*
	 * A filter the store cannot index (license classes): called with a
	 * candidate's summary inside the read transaction (it must not call
	 * the store); false drops the design. NULL: none.
	 */
	bool		(*accept)(void *arg, const uint8_t *summary,
			    size_t len);
	void		*accept_arg;
	/* Geometry (store_geomrow.h): designs without facts fail it. */
	const struct weft_store_geom_filter *geom;
};

struct weft_store_search_info {
	uint64_t	total;
	bool		exact;
	uint64_t	returned;
	uint64_t	scanned;	/* postings walked */
};

int	weft_store_search_page(struct weft_store *s,
	    const struct weft_store_query *q,
	    struct weft_store_search_info *info, weft_store_item_cb *cb,
	    void *arg);
/*
 * The hex digits of id's shortest prefix that no other stored record id
 * shares, at least WEFT_SHORT_MIN (as git shortens ids), into *len.
 */
#define WEFT_SHORT_MIN	8
int	weft_store_short_len(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES], unsigned *len);
/*
 * For a caller that streams every match at its client's pace:
 * weft_store_search_keys() runs the query of weft_store_search_page() but
 * returns, instead of summaries, the matches' positions in order
 * (WEFT_STORE_POS_BYTES each: created_be64 || design) in *keys (malloc'd,
 * the caller frees it; 40 bytes a match, not the output), *n of them;
 * weft_store_search_cards() then gives cb the summaries (with short ids
 * and counts as f asks) of n of those positions, in one short read
 * transaction.
 */
int	weft_store_search_keys(struct weft_store *s,
	    const struct weft_store_query *f,
	    struct weft_store_search_info *info, uint8_t **keys, size_t *n);
int	weft_store_search_cards(struct weft_store *s,
	    const struct weft_store_query *f, const uint8_t *keys, size_t n,
	    weft_store_item_cb *cb, void *arg);
/*
 * The summary of design with its counts and its author's name, as a
 * search page gives it with counts (above), appended to out;
 * WEFT_ENOTFOUND for a design not here.
 */
int	weft_store_design_card(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *out);
/* weft_store_search_page() with no filter and no limit. */
int	weft_store_search(struct weft_store *s, const char *query,
	    weft_store_item_cb *cb, void *arg);

/*
 * Geometry (store_geom.c, docs/proto/store.md "Geometry"). Only a geom
 * record by the author of the revision it describes counts, and per
 * design the newest such record (greatest ts, then id).
 *
 * weft_store_rev_geom(): appends to env the envelope of rev's geom record
 * (by rev's author, the newest); 0 or WEFT_ENOTFOUND.
 * weft_store_design_geom(): the same for design's current geom record.
 */
int	weft_store_rev_geom(struct weft_store *s,
	    const uint8_t rev[WEFT_ID_BYTES], struct weft_buf *env);
int	weft_store_design_geom(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *env);

/* A design like another: see weft_store_geom_similar(). */
enum {
	WEFT_STORE_REL_NONE = 0,
	WEFT_STORE_REL_REMIX_OF,	/* the design asked about remixes it */
	WEFT_STORE_REL_REMIXED_BY,	/* it remixes the design asked about */
};
struct weft_store_similar {
	uint8_t		design[WEFT_ID_BYTES];
	uint8_t		author[WEFT_PK_BYTES];
	uint64_t	created;	/* ts of its genesis, ms */
	bool		identical;	/* an exact key in common */
	double		score;		/* best D2 score, 1 when identical */
	int		relation;	/* WEFT_STORE_REL_* (direct remixes) */
};
/*
 * The designs whose meshes have an exact key in common with design's
 * (identical) or whose similarity signature scores at least min_score
 * against one of design's (found through the signature buckets: an
 * approximate search), identical ones first, then by score, at most max
 * into out (*n of them). design itself is left out. 0, WEFT_ENOTFOUND
 * (design has no geometry facts) or a store error.
 */
int	weft_store_geom_similar(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], double min_score,
	    struct weft_store_similar *out, size_t max, size_t *n);
/*
 * Designs passing f, driven by the fit index (smallest largest-extent
 * first): skips offset, then calls cb with each design's id and summary,
 * at most limit (0: all). *total counts the matches walked; *exact is
 * false when the walk stopped at limit before the end.
 */
int	weft_store_geom_list(struct weft_store *s,
	    const struct weft_store_geom_filter *f, size_t offset,
	    size_t limit, uint64_t *total, bool *exact,
	    weft_store_item_cb *cb, void *arg);

/*
 * Grants (store_grants.c). weft_store_grant_find() says whether grantor
 * granted grantee (or anyone) the right to remix design, and with which
 * license: "" in license (size bytes) when the grant names none, which
 * wins over one that does. weft_store_design_grants() calls cb with every
 * grant of design (whoever signed it): id, envelope; none is not an error.
 */
int	weft_store_grant_find(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES],
	    const uint8_t grantor[WEFT_PK_BYTES],
	    const uint8_t grantee[WEFT_PK_BYTES], bool *granted, char *license,
	    size_t size);
int	weft_store_design_grants(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb,
	    void *arg);

/*
 * Seed receipts (store_receipts.c; docs/proto/records.md, `receipt`):
 * soft state beside the records. Ingest keeps the latest receipt per
 * (design, revision, node) once the revision is here, at most
 * WEFT_STORE_RECEIPTS_PER_NODE per node; each kept one is a member of
 * the scopes of its design (its author's, its libraries'; one replaced
 * or pruned leaves them). weft_store_receipt_get() appends the envelope
 * of receipt id to out (out NULL: only whether it is here), or says
 * WEFT_ENOTFOUND when it is not kept or expired at now_ms (0: never).
 * weft_store_receipts() calls cb with each receipt of design
 * (of revision rev only, unless rev is NULL) that has not expired at
 * now_ms, in (rev, node) order, inside one read transaction (cb must not
 * call into the store; a non-zero return stops the walk and is
 * returned). weft_store_receipts_prune() (store_gc.c) deletes every
 * receipt expired at now_ms, out of its scopes too, and says how many
 * (pruned may be NULL).
 */
#define WEFT_STORE_RECEIPTS_PER_NODE	65536
/*
 * Flood limits (store_limits.c; docs/proto/records.md, "Limits"): per
 * author and design, comments, reactions and makes in any one minute of
 * their ts, and in all. Ingest refuses a record over a cap with
 * WEFT_ELIMIT (not an invalid record: its sender is not penalised).
 */
#define WEFT_STORE_COMMENTS_MINUTE	20
#define WEFT_STORE_COMMENTS_TOTAL	1000
#define WEFT_STORE_REACTIONS_MINUTE	10
#define WEFT_STORE_REACTIONS_TOTAL	200
#define WEFT_STORE_MAKES_MINUTE		5
#define WEFT_STORE_MAKES_TOTAL		50
struct weft_store_receipt {
	uint8_t		 rev[WEFT_ID_BYTES];
	uint8_t		 node[WEFT_PK_BYTES];
	uint8_t		 id[WEFT_ID_BYTES];
	uint64_t	 ts;
	uint64_t	 expires;
	const uint8_t	*env;	/* the envelope, valid during cb */
	size_t		 len;
};
typedef int weft_store_receipt_cb(void *arg,
    const struct weft_store_receipt *rc);
int	weft_store_receipts(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], const uint8_t *rev,
	    uint64_t now_ms, weft_store_receipt_cb *cb, void *arg);
int	weft_store_receipts_prune(struct weft_store *s, uint64_t now_ms,
	    uint64_t *pruned);
int	weft_store_receipt_get(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES], uint64_t now_ms,
	    struct weft_buf *out);
/*
 * The newest head of every design whose files this node holds complete
 * (as weft_store_policy_progress counts a design held) and which has at
 * least one byte of files: cb(arg, design, head) for each, outside any
 * transaction (cb may call into the store; non-zero stops the walk and
 * is returned). O(designs + files). Returns 0 or a store error.
 */
typedef int weft_store_head_cb(void *arg, const uint8_t design[WEFT_ID_BYTES],
    const uint8_t head[WEFT_ID_BYTES]);
int	weft_store_held_heads(struct weft_store *s, weft_store_head_cb *cb,
	    void *arg);

/*
 * The designs a library currently holds (the latest entry per design by
 * (ts, id) is an add): id = design id, data = its summary, in design id
 * order. WEFT_ENOTFOUND when lib is not a stored library.
 */
int	weft_store_lib_designs(struct weft_store *s,
	    const uint8_t lib[WEFT_ID_BYTES], weft_store_item_cb *cb,
	    void *arg);

/*
 * Set reconciliation over the store's records (scope "all": every record,
 * items (ts, id)), for include/weft/recon.h: weft_store_recon_begin()
 * opens a read transaction, and weft_store_recon_set's callbacks, given
 * the returned handle as set_arg, read a consistent snapshot through it
 * in O(log n) page touches per call (plus the records sharing one exact
 * ts; docs/proto/store.md). Keep the handle for one message only: the
 * transaction pins pages. weft_store_recon_end() (NULL is a no-op) ends
 * it. begin returns 0, -ENOMEM or a store error.
 */
struct weft_store_recon;
struct weft_recon_set;
int	weft_store_recon_begin(struct weft_store *s,
	    struct weft_store_recon **rp);
/*
 * The same over one scope (docs/proto/store.md, "Scopes"): kind
 * WEFT_STORE_SCOPE_ALL (id ignored, may be NULL), WEFT_STORE_SCOPE_AUTHOR
 * (id = the author's public key: every record they signed) or
 * WEFT_STORE_SCOPE_LIB (id = a lib record's id: the lib, its entries and
 * the stored revisions of the designs it currently holds). An unknown
 * author or lib is an empty scope. WEFT_EUSAGE for another kind or a
 * NULL id.
 */
enum {
	WEFT_STORE_SCOPE_ALL = 0,
	WEFT_STORE_SCOPE_AUTHOR = 1,
	WEFT_STORE_SCOPE_LIB = 2
};
int	weft_store_recon_begin_scope(struct weft_store *s, int kind,
	    const uint8_t *id, struct weft_store_recon **rp);
void	weft_store_recon_end(struct weft_store_recon *rc);
extern const struct weft_recon_set weft_store_recon_set;

/*
 * Wanted files (docs/proto/store.md, "Files"). A file is wanted by the id
 * of its index (chunk list, WEFT_ID_BYTES); the store then keeps the set
 * of chunk ids that wanted files lack: first the indexes themselves, then,
 * once an index is present, the chunks it lists. Wanting survives
 * restarts. A file whose chunks are all present stops being missing.
 * Every call is one transaction, thread-safe like the rest.
 *
 * weft_store_want_file() wants the file with index id index, size bytes
 * (from the record; used for "bytes missing" until the index arrives).
 * Wanting a wanted file again changes nothing. weft_store_want_rev() wants
 * every file of a stored revision (and knows their design, which
 * weft_store_missing_stats() counts). Both return 0 or a store error;
 * want_rev also WEFT_ENOTFOUND (no such record) or WEFT_EUSAGE (no
 * revision).
 */
int	weft_store_want_file(struct weft_store *s,
	    const uint8_t index[WEFT_ID_BYTES], uint64_t size);
int	weft_store_want_rev(struct weft_store *s,
	    const uint8_t rev[WEFT_ID_BYTES]);

/*
 * The ids of chunks wanted but absent, in batches: absent indexes first
 * (in id order), then absent chunks of present indexes (in id order, each
 * once however many files share it). cursor (WEFT_STORE_CURSOR_BYTES)
 * starts all zeros and is advanced past every id passed to cb, so the
 * next call goes on from there; ids added behind the cursor meanwhile are
 * seen after a restart from zeros. Calls cb(arg, id) for at most max ids;
 * cb runs inside a read transaction and must not call into the store; a
 * non-zero return stops the walk and is returned. Returns the number of
 * ids passed (< max: the walk reached the end) or a store error.
 */
#define WEFT_STORE_CURSOR_BYTES	34
typedef int weft_store_id_cb(void *arg, const uint8_t id[WEFT_ID_BYTES]);
int	weft_store_missing_next(struct weft_store *s,
	    uint8_t cursor[WEFT_STORE_CURSOR_BYTES], weft_store_id_cb *cb,
	    void *arg, size_t max);

/*
 * Stores a chunk fetched from a peer: the id is checked against the bytes
 * first, and the chunk must be wanted (an absent index or an absent chunk
 * of a wanted file), else it is refused: chunks nobody asked for are never
 * stored. A wanted index must decode (weft_index_decode); its absent
 * chunks become wanted. Returns 0 (stored), WEFT_EEXISTS (present
 * already), WEFT_EDENIED (not wanted), WEFT_EBADHASH (id does not match
 * the bytes), WEFT_ETOOBIG (over WEFT_INDEX_MAX), WEFT_EPROTO (a wanted
 * index that does not decode: penalise the peer) or a store error.
 * weft_store_chunks_put() also counts chunks off the wanted set.
 */
int	weft_store_chunk_put_fetched(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES], const uint8_t *data, size_t len);

/*
 * weft_store_chunk_put_fetched() for n chunks (at most
 * WEFT_STORE_FETCHED_MAX) in one write transaction, one commit: each
 * item gets the same checks and its own result in results[i] (0,
 * WEFT_EEXISTS, WEFT_EDENIED, WEFT_EBADHASH, WEFT_ETOOBIG or WEFT_EPROTO;
 * a refused item does not spoil the others; an item whose id appears
 * twice is stored once, then WEFT_EEXISTS). Returns 0, WEFT_EUSAGE (n too
 * big: nothing done) or a store error: then no item was stored and each
 * result that was not a refusal by hash or size holds that error.
 */
#define WEFT_STORE_FETCHED_MAX	65536
struct weft_store_fetched {
	const uint8_t	*id;		/* WEFT_ID_BYTES */
	const uint8_t	*data;
	size_t		 len;
};
int	weft_store_chunks_put_fetched(struct weft_store *s,
	    const struct weft_store_fetched *items, size_t n, int *results);

/*
 * What is missing, for weft status: files wanted and not complete, the
 * distinct designs they belong to (files wanted by weft_store_want_file()
 * count under one unknown design), and the bytes they lack (each absent
 * chunk counted once per file; a file whose index is absent counts its
 * whole size). Walks the incomplete files only. 0 or a store error.
 */
struct weft_store_missing {
	uint64_t	files;
	uint64_t	designs;
	uint64_t	bytes;
};
int	weft_store_missing_stats(struct weft_store *s,
	    struct weft_store_missing *st);

/*
 * Keeping policies, persistent: follow an author (id = author key: keep
 * the files of the author's revisions), mirror a library (id = lib id:
 * keep the files of the designs it holds), mirror all (id NULL: keep
 * every file). Setting a policy wants what it covers among stored designs
 * (each design's newest head) in the same transaction; from then on each
 * record stored is checked against the policies in its ingest transaction
 * (a followed author's revision, a revision of a design in a mirrored
 * library, an entry adding a design to one; everything with mirror all).
 * Clearing a policy keeps what is already wanted. set returns 0 (also
 * when nothing changed), WEFT_EUSAGE (unknown kind, or id NULL for follow
 * or mirror) or a store error; has returns 0 or WEFT_ENOTFOUND; list
 * calls cb(arg, kind, id or NULL) for each, in (kind, id) order, inside a
 * read transaction (cb must not call into the store).
 */
enum weft_store_policy {
	WEFT_STORE_FOLLOW = 1,
	WEFT_STORE_MIRROR,
	WEFT_STORE_MIRROR_ALL,
};
typedef int weft_store_policy_cb(void *arg, int kind,
    const uint8_t *id);
int	weft_store_policy_set(struct weft_store *s, int kind,
	    const uint8_t *id, bool on);
int	weft_store_policy_has(struct weft_store *s, int kind,
	    const uint8_t *id);
int	weft_store_policy_list(struct weft_store *s,
	    weft_store_policy_cb *cb, void *arg);

/*
 * How far a policy (kind, id as for weft_store_policy_set) has come
 * (store_progress.c): the designs it covers and of their newest heads'
 * files the bytes wanted and held; a design is held when all of its
 * head's files are. A file never wanted counts as held when its chunk
 * list is present (the node's own publishes). Walks every covered
 * design: O(designs + files). Returns 0, WEFT_EUSAGE or a store error.
 */
struct weft_store_progress {
	uint64_t	designs;
	uint64_t	designs_held;
	uint64_t	bytes;
	uint64_t	bytes_held;
};
int	weft_store_policy_progress(struct weft_store *s, int kind,
	    const uint8_t *id, struct weft_store_progress *p);
/*
 * Pins: the designs whose files are wanted (by a `weft get`) although no
 * policy keeps them, in design id order, each with its wanted files'
 * bytes and bytes held (designs 1, designs_held 1 when complete). Calls
 * cb inside a read transaction (cb must not call into the store); a
 * non-zero return stops the walk and is returned.
 */
typedef int weft_store_pin_cb(void *arg, const uint8_t design[WEFT_ID_BYTES],
    const struct weft_store_progress *p);
int	weft_store_pins(struct weft_store *s, weft_store_pin_cb *cb,
	    void *arg);

/*
 * gc (store_gc.c): deletes every chunk that no kept file refers to. Kept
 * are the files wanted (followed, mirrored, pinned, being fetched), the
 * files of records by own (the node's author key; NULL: none), and
 * pending chunks (a local publish's before its revision) younger than
 * grace_ms. Runs in short transactions (call it on the thread pool);
 * WEFT_EBUSY while another gc runs. dry_run counts without deleting.
 * weft_store_reclaimable() is what the last dry run found (0 after a
 * gc; UINT64_MAX before either ran).
 */
struct weft_store_gc_opts {
	const uint8_t	*own;
	uint64_t	 grace_ms;
	bool		 dry_run;
	/*
	 * rm: this design's files are not kept as own, nor spared as young
	 * pending chunks (NULL: none); a file another kept one shares stays.
	 */
	const uint8_t	*drop_design;
	/*
	 * max-store's eviction (0: none, a plain gc). Unkept chunks of no
	 * design with a last use (store_use.c) go first, all of them; then
	 * the unkept designs' chunks, least recently used design first,
	 * until the store's chunk bytes are at most evict_to. A chunk that a
	 * kept file or a more recently used design shares stays.
	 */
	uint64_t	 evict_to;
};

/* Designs an eviction names in its stats (the count goes on). */
#define WEFT_STORE_EVICT_LOG	8

struct weft_store_evicted {
	uint8_t		design[WEFT_ID_BYTES];
	uint64_t	last_ms;	/* its last use */
	uint64_t	bytes;		/* freed with it */
};

struct weft_store_gc_stats {
	uint64_t	chunks;		/* chunks looked at */
	uint64_t	kept;
	uint64_t	freed;		/* deleted (dry run: deletable) */
	uint64_t	freed_bytes;
	uint64_t	pending;	/* young pending chunks spared */
	/* Eviction: unkept chunks of no used design; designs evicted. */
	uint64_t	unused_bytes;
	uint64_t	evicted;
	size_t		nev;		/* the first WEFT_STORE_EVICT_LOG */
	struct weft_store_evicted ev[WEFT_STORE_EVICT_LOG];
};

#define WEFT_STORE_GC_GRACE_MS	(60ull * 60 * 1000)

int	weft_store_gc(struct weft_store *s,
	    const struct weft_store_gc_opts *o, struct weft_store_gc_stats *st);
uint64_t weft_store_reclaimable(struct weft_store *s);

/*
 * Last use (store_use.c, docs/proto/store.md "Last use"): when the files
 * of a design were last used here (fetched, got, read for a download,
 * served to a peer), coarse: a design's row is written at most once per
 * WEFT_STORE_USE_STEP_MS (weft_store_opts.use_step_ms), so a busy seeder
 * does not write per chunk.
 * max-store evicts the least recently used unkept designs first
 * (weft_store_gc_opts.evict_to).
 *
 * weft_store_use_touch() notes design as used now, when its last use
 * is a step old: in memory, without waiting for a writer (the loop may
 * call it), written by weft_store_use_flush(), which every gc calls
 * first and weft_store_close() calls (at most 4,096 designs wait; more
 * are dropped until then). weft_store_use_served() does the same for
 * the design that file index id belongs to, when the store knows one
 * (fetched files: a peer asks for a file's index first); 0 also when it
 * knows none. weft_store_use_get(): the last use in ms since the epoch,
 * queued or written, WEFT_ENOTFOUND if none.
 */
#define WEFT_STORE_USE_STEP_MS	(60ull * 1000)
int	weft_store_use_touch(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES]);
int	weft_store_use_served(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES]);
int	weft_store_use_get(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], uint64_t *ms);
int	weft_store_use_flush(struct weft_store *s);

/*
 * weft_store_unwant_design() stops wanting every file wanted for design
 * (its chunks stay until gc): *files counts them; 0 even when none.
 */
int	weft_store_unwant_design(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], uint64_t *files);
/* The same for every design by author (a block). */
int	weft_store_unwant_author(struct weft_store *s,
	    const uint8_t author[WEFT_PK_BYTES], uint64_t *files);
/*
 * get --once: weft_store_rev_wanted() says whether any file of revision
 * rev is wanted; weft_store_unwant_rev() stops wanting its files (*files
 * counts them). WEFT_EUSAGE when rev is no revision.
 */
int	weft_store_rev_wanted(struct weft_store *s,
	    const uint8_t rev[WEFT_ID_BYTES], bool *any);
int	weft_store_unwant_rev(struct weft_store *s,
	    const uint8_t rev[WEFT_ID_BYTES], uint64_t *files);

/*
 * du: what the kept files hold, one item per design (in design id
 * order): the bytes of its kept files that are here (a wanted file's
 * size less what it lacks; an own revision's file whole when its index
 * is here), how many files, whether any is own (by own, the node's
 * author key; NULL: none) or wanted, and the design's author (zeros
 * when its genesis is not here). Wanted files of no known design come
 * under a zero design. *items is malloc'ed (free it). At most
 * WEFT_STORE_DU_MAX files, else WEFT_ETOOBIG. File bytes: a chunk two
 * files share counts for each.
 */
#define WEFT_STORE_DU_MAX	(1u << 24)
struct weft_store_du_item {
	uint8_t		design[WEFT_ID_BYTES];
	uint8_t		author[WEFT_PK_BYTES];
	uint64_t	bytes;
	uint64_t	files;
	bool		own;
	bool		wanted;
};
int	weft_store_du(struct weft_store *s, const uint8_t *own,
	    struct weft_store_du_item **items, size_t *n);

struct weft_store_stats {
	uint64_t	records;
	uint64_t	designs;
	uint64_t	libs;
	uint64_t	chunks;
	uint64_t	chunk_bytes;
	uint64_t	map_size;
	uint64_t	map_used;
	uint64_t	pack_bytes;	/* committed bytes of the pack files */
	uint64_t	pack_live;	/* of which chunks still point at */
};

/*
 * Counts of stored records, designs, libraries and chunks, the bytes of all
 * chunks, the map size and the bytes in use (last page + 1, times the page
 * size), the pack files' committed bytes and their live part (the rest is
 * what compaction may reclaim). Returns 0 or a store error.
 */
int	weft_store_stats(struct weft_store *s, struct weft_store_stats *st);
/* The bytes of all chunks alone (one short read): for max-store. */
int	weft_store_chunk_bytes(struct weft_store *s, uint64_t *bytes);

/*
 * Re-checks every record (signature, id, fields) and every chunk (id ==
 * BLAKE2b-256 of bytes). cb is called for each bad item with kind "record"
 * or "chunk" and the error (WEFT_EBADHASH when the id does not match, else
 * the decode or signature error); counts of checked items go to *records
 * and *chunks (either may be NULL). The walk uses short read transactions
 * and calls cb between them, outside any transaction.
 */
typedef void weft_store_bad_cb(void *arg, const char *kind,
    const uint8_t id[WEFT_ID_BYTES], int err);
int	weft_store_verify(struct weft_store *s, weft_store_bad_cb *cb,
	    void *arg, uint64_t *records, uint64_t *chunks);

/*
 * Every library this node knows of, in id order: cb gets its id, the
 * envelope of its lib record, how many designs it holds now and how
 * many maintainers are in force now (the lib record's, changed by its
 * maint records: weft_store_lib_maint()'s n) (inside one read
 * transaction: cb must not call into the store; a non-zero return stops
 * the walk and is returned).
 */
typedef int weft_store_lib_cb(void *arg, const uint8_t lib[WEFT_ID_BYTES],
    const uint8_t *env, size_t len, uint64_t designs, uint32_t maintainers);
int	weft_store_libs(struct weft_store *s, weft_store_lib_cb *cb,
	    void *arg);

/*
 * The maintainers of library lib in force now (docs/proto/records.md,
 * "maint": the lib record's, changed by its maint records), and what a
 * new maint record needs: the heads of the library's maint records (the
 * newest 64 that no other names in prev) and the greatest ts of the lib
 * record and its maint records (a new one's ts must be greater).
 * WEFT_ENOTFOUND when the lib record is not here.
 */
struct weft_store_maint {
	uint8_t		keys[WEFT_MAINTAINERS_MAX][WEFT_PK_BYTES];
	uint32_t	n;
	uint8_t		heads[WEFT_PREV_MAX][WEFT_ID_BYTES];
	uint32_t	nheads;
	uint32_t	changes;	/* maint records held */
	uint64_t	ts_max;
};
int	weft_store_lib_maint(struct weft_store *s,
	    const uint8_t lib[WEFT_ID_BYTES], struct weft_store_maint *out);

/*
 * The libraries that currently hold design (its latest entry in each is
 * an add; docs/proto/store.md, `design_lib`): the libraries whose scope
 * the design's revisions are in. Calls cb(arg, lib) for each, in lib id
 * order, inside one read transaction (cb must not call into the store);
 * a non-zero return stops the walk and is returned. An unknown design
 * has none. Returns 0 or a store error.
 */
int	weft_store_design_libs(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], weft_store_id_cb *cb,
	    void *arg);

/*
 * The peer address book (daemon/store/store_peers.c; docs/proto/store.md,
 * "peers"): verified peer addresses by node id. The values are opaque
 * to the store (daemon/net/addrbook.c encodes and decodes them).
 */
#define WEFT_STORE_PEER_VAL_MAX	512
#define WEFT_STORE_PEERS_MAX	4096	/* rows read back at most */

struct weft_store_peer {
	uint8_t		node[32];
	uint8_t		val[WEFT_STORE_PEER_VAL_MAX];
	size_t		len;
};

/*
 * Replaces the whole table by the n entries (n <= WEFT_STORE_PEERS_MAX),
 * in one write transaction. Returns 0, WEFT_ETOOBIG or a store error
 * (the table is then unchanged).
 */
int	weft_store_peers_save(struct weft_store *s,
	    const struct weft_store_peer *v, size_t n);

typedef int weft_store_peer_cb(void *arg, const uint8_t node[32],
	    const uint8_t *val, size_t len);

/*
 * Calls cb for each row (at most WEFT_STORE_PEERS_MAX; rows whose key is
 * not 32 bytes are skipped) in one read transaction: val points into the
 * map, valid during the call only, and cb must not call the store. A
 * non-zero return of cb stops the walk and is returned.
 */
int	weft_store_peers_load(struct weft_store *s, weft_store_peer_cb *cb,
	    void *arg);

/*
 * Moderation (store_moderation.c, docs/moderation.md). Blocks are this
 * node's own (not records): an author, a design or a node, by its 32-byte
 * key or id, with when and why. weft_store_block_del() lifts any block of
 * target (WEFT_ENOTFOUND if none); weft_store_block_get() gives its kind.
 * Moderators are the author keys whose labels act here. A verdict says
 * whether a design is blocked or hidden, and why: by a local block or by
 * which moderator's label (on the design itself or on its author, in
 * target); weft_store_target_verdict() judges one target alone.
 * weft_store_labels() walks every stored label (reports_only: only those
 * of authors who are not moderators here): id, envelope.
 */
enum {
	WEFT_BLOCK_AUTHOR = 1,
	WEFT_BLOCK_DESIGN,
	WEFT_BLOCK_NODE,
};
enum {
	WEFT_VERDICT_NONE = 0,
	WEFT_VERDICT_HIDE,
	WEFT_VERDICT_BLOCK,
};
#define WEFT_BLOCK_REASON_MAX	1024
#define WEFT_BLOCKS_MAX		100000	/* rows a walk returns */
#define WEFT_MODERATORS_MAX	1024

struct weft_store_verdict {
	int	 action;		/* WEFT_VERDICT_* */
	bool	 local;			/* a block of this node's */
	uint8_t	 target[WEFT_ID_BYTES];	/* design, author or file */
	bool	 file;			/* target: a file it holds */
	uint8_t	 by[WEFT_PK_BYTES];	/* the moderator, or none */
	char	 label[WEFT_LABEL_MAX + 1];
};

typedef int weft_store_block_cb(void *arg, int kind,
    const uint8_t target[WEFT_ID_BYTES], uint64_t ts, const char *reason,
    size_t rlen);
typedef int weft_store_moderator_cb(void *arg,
    const uint8_t author[WEFT_PK_BYTES], uint64_t ts);

int	weft_store_block_put(struct weft_store *s, int kind,
	    const uint8_t target[WEFT_ID_BYTES], uint64_t ts,
	    const char *reason);
int	weft_store_block_del(struct weft_store *s,
	    const uint8_t target[WEFT_ID_BYTES]);
/*
 * A block's purge (store_blockpurge.c): every stored record of a blocked
 * author (kind WEFT_BLOCK_AUTHOR) or design (WEFT_BLOCK_DESIGN) taken out,
 * with the comments, reactions, makes, grants and geometry records on the
 * designs that go, and the files no kept record names; the seed receipts
 * the blocked key signed (an author's, or a node's: WEFT_BLOCK_NODE, which
 * takes nothing else) or those of the blocked design; *records counts
 * them all. Each id is
 * noted, so that sync does not fetch it again while the block lasts:
 * weft_store_blocked_record() is 0 for such an id (target, if not NULL,
 * set to the author or design blocked), WEFT_ENOTFOUND otherwise. Lifting
 * the block (weft_store_block_del) drops the notes.
 */
int	weft_store_block_purge(struct weft_store *s, int kind,
	    const uint8_t target[WEFT_ID_BYTES], uint64_t *records);
int	weft_store_blocked_record(struct weft_store *s,
	    const uint8_t id[WEFT_ID_BYTES], uint8_t target[WEFT_ID_BYTES]);
int	weft_store_block_get(struct weft_store *s,
	    const uint8_t target[WEFT_ID_BYTES], int *kind);
int	weft_store_blocks(struct weft_store *s, weft_store_block_cb *cb,
	    void *arg);
int	weft_store_moderator_put(struct weft_store *s,
	    const uint8_t author[WEFT_PK_BYTES], uint64_t ts);
int	weft_store_moderator_del(struct weft_store *s,
	    const uint8_t author[WEFT_PK_BYTES]);
int	weft_store_moderators(struct weft_store *s,
	    weft_store_moderator_cb *cb, void *arg);
/*
 * What a trusted moderator's label value does here: WEFT_VERDICT_*.
 * weft_store_label_action_set() overrides the default of one label (at
 * most 32 of them); only at start, before the store is shared.
 */
int	weft_store_label_action(struct weft_store *s, const char *label,
	    size_t n);
int	weft_store_label_action_set(struct weft_store *s, const char *label,
	    size_t n, int action);
/*
 * weft_store_label_policy_apply(), at start once the label actions are
 * set: when the policy (every label's action here and the moderators)
 * differs from the one `meta` says the labels in force were acted on
 * under, notes every target of a trusted moderator's label in force in
 * `label_due` (counted in *due, if not NULL) and records the new
 * policy, in one transaction. Adding or removing a moderator records it
 * too.
 */
int	weft_store_label_policy_apply(struct weft_store *s, size_t *due);
int	weft_store_verdict(struct weft_store *s,
	    const uint8_t design[WEFT_ID_BYTES], struct weft_store_verdict *v);
int	weft_store_target_verdict(struct weft_store *s,
	    const uint8_t target[WEFT_ID_BYTES], struct weft_store_verdict *v);
int	weft_store_labels(struct weft_store *s, bool reports_only,
	    weft_store_item_cb *cb, void *arg);
/*
 * Label verdicts to act on (docs/moderation.md, "Labels that block"):
 * each time a trusted moderator's label comes into force or goes out of
 * it (ingest, a retract, latest-wins), and for every label of a
 * moderator added or removed, its target is noted in `label_due`.
 * weft_store_label_due_take() moves up to max of them (target, and what
 * it is: WEFT_LABEL_AUTHOR, _DESIGN or _FILE) into out, deleting them,
 * and says how many in *n; nothing due costs one read transaction.
 * weft_store_blocked_release() drops the `blocked_recs` rows of target
 * (what a block of it took out or refused), as an unblock does;
 * weft_store_file_designs() calls cb with every design any stored
 * revision of which held the file of content hash.
 */
struct weft_store_label_due {
	uint8_t	target[WEFT_ID_BYTES];
	int	on;
};
/*
 * A batch taken stays noted in `meta` until weft_store_label_due_done()
 * says it was acted on: the next take after a crash puts it back first.
 * At most WEFT_LABELACT_TAKE_MAX are taken at once.
 */
#define WEFT_LABELACT_TAKE_MAX	256
int	weft_store_label_due_take(struct weft_store *s,
	    struct weft_store_label_due *out, size_t max, size_t *n);
int	weft_store_label_due_done(struct weft_store *s);
/*
 * weft_store_on_commit(): cb(arg, events) is called after each write
 * transaction that committed any of the events below, on the thread
 * that wrote and with the store's lock held: it must be quick, must not
 * use the store, and may run on any thread (uv_async_send() is the
 * intended body). NULL stops the calls; once it returns no call of the
 * old cb is under way.
 */
#define WEFT_STORE_EV_LABEL_DUE	0x1u	/* rows were put in label_due */
typedef void weft_store_commit_cb(void *arg, unsigned events);
void	weft_store_on_commit(struct weft_store *s, weft_store_commit_cb *cb,
	    void *arg);
int	weft_store_blocked_release(struct weft_store *s,
	    const uint8_t target[WEFT_ID_BYTES]);
int	weft_store_file_designs(struct weft_store *s,
	    const uint8_t hash[WEFT_ID_BYTES], weft_store_id_cb *cb,
	    void *arg);
/*
 * Every target that is blocked (but nodes) or that a trusted moderator's
 * label hides or blocks, maybe more than once: what ls and search leave
 * out (a design by its id or by its author's key).
 */
int	weft_store_hidden_targets(struct weft_store *s, weft_store_id_cb *cb,
	    void *arg);

#endif
