/*
 * The kernel's header, private to daemon/store/: the environment struct,
 * the database handles, the key and value lengths of docs/proto/store.md,
 * and the kernel's calls (store.c): environment, transactions, map
 * growth, cursor helpers, error translation and the base rows (records,
 * info, chunks). Every file of daemon/store/ includes it; it declares
 * nothing of the index modules (store_mods.h) or of ingest (store.h), so
 * the kernel cannot call up. Every file here returns weft codes: LMDB's
 * are translated by weft__store_xlat().
 */
#ifndef WEFT_STORE_IMPL_H
#define WEFT_STORE_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/record.h"

struct weft_chunk_ref;

#include "clock.h"
#include "store.h"

struct weft_buf;
struct weft__idset;
struct weft__holds;
struct weft_record;

#define INFO_LEN		(1 + 8 + WEFT_PK_BYTES + WEFT_ID_BYTES)
#define INFO_SHORT		(1 + 8 + WEFT_PK_BYTES)	/* design implied */
#define ENTRY_VAL_LEN		(WEFT_ID_BYTES + 8 + 1)
#define LATEST_LEN		(8 + WEFT_ID_BYTES)	/* profiles, reacts */
#define SCOUNT_OLD		24	/* scount without remixes */
#define SCOUNT_LEN		32

#define ID	WEFT_ID_BYTES
/*
 * created_be64 || design: what every key of a design's own indexes
 * (designs, by_design, heads) starts with, so that ingest, which meets
 * designs roughly in creation order, appends instead of dirtying random
 * pages. created is the genesis's ts.
 */
#define DKEY	(8 + ID)
/*
 * A key of `drevs` or `dheads` (format 12): dk || ts || rev (REVKEY
 * bytes), or dk alone for the design's genesis, whose ts is created and
 * rev the design (40 bytes saved a design in each). The short key sorts
 * first among its design's keys whatever the other revisions' ts: read
 * a design's revisions in (ts, rev) order with weft__store_revs_get()
 * and its newest by weft__store_rev_last(), never by key order alone.
 */
#define REVKEY	(DKEY + 8 + ID)

/* Databases of older formats an upgrade opens (store_open.c). */
#define DB_OLD_MAX	7

enum {
	DB_META,
	DB_RECORDS,
	DB_INFO,
	DB_CHUNKS,
	DB_BY_DESIGN,
	DB_HEADS,
	DB_SUCC,
	DB_REMIX,
	DB_DESIGNS,
	DB_AUTHOR_DESIGN,
	DB_TAG_DESIGN,
	DB_WORDS,
	DB_DWORDS,
	DB_LIBS,
	DB_LIB_ENTRY,
	DB_RAGG,
	DB_POLICY,
	DB_WANTED,
	DB_ABSENT,
	DB_CHUNK_FILE,
	DB_MISSING,
	DB_RMEM,
	DB_DESIGN_LIB,
	DB_PEERS,
	DB_PROFILES,
	DB_SOCIAL,
	DB_REACTS,
	DB_SCOUNT,
	DB_GRANTS,
	DB_PENDING,
	DB_CSORT,
	DB_GEOM_REV,		/* rev || geom record: every geom record */
	DB_GEOM_DESIGN,		/* design -> its geom row (store_geomrow.h) */
	DB_GEOM_KEY,		/* exact key || design */
	DB_GEOM_SIM,		/* bucket || design || file -> signature */
	DB_GEOM_FIT,		/* extent0 || design -> extents, volume */
	DB_BLOCKS,
	DB_MODERATORS,
	DB_LABELS,
	DB_TOMBS,
	DB_RECEIPTS,
	DB_RNODES,
	DB_LIMITS,
	DB_PACKS,
	DB_LIB_MAINT,		/* lib || ts || maint id -> signer, op, key */
	DB_LASTUSE,		/* when designs' files were last used */
	DB_BLOCKED_RECS,	/* id -> blocked target (store_moderation.c) */
	DB_FILE_DESIGN,		/* file <-> design (store_moderation.c) */
	DB_DNUM,		/* be32 number -> created || design */
	DB_WLIST,		/* term || 0 || be32 last -> block */
	DB_RECEIPT_IDS,		/* receipt id -> its `receipts` key */
	DB_LABEL_DUE,		/* target -> on: verdicts to act on */
	DB_IDSHARE,		/* ids of info sharing their first 4 bytes */
	DB_DSUM_TMP,		/* dsum while format 11's upgrade rewrites it */
	DB_REVKEY_TMP,		/* drevs, dheads while format 12's upgrade runs */
	DB_COUNT
};

struct weft_store {
	MDB_env			*env;
	MDB_dbi			 dbi[DB_COUNT];
	/*
	 * Held shared by every transaction and exclusively by a map resize,
	 * which LMDB allows only with no transaction active in the process.
	 * map_size changes only under the exclusive lock.
	 */
	pthread_rwlock_t	 lock;
	uint64_t		 map_size;
	/*
	 * Slots the index modules own; the kernel only zeroes them.
	 *
	 * The deferred aggregate deltas of the batch write transaction
	 * running (store_recon.c), NULL otherwise. Only that transaction's
	 * thread touches it, under LMDB's writer lock.
	 */
	struct weft__ragg_batch	*ragg_batch;
	/*
	 * Its table (a few MiB) between batches, kept so that each batch
	 * does not fault in fresh zeroed pages: empty, as end() leaves it.
	 */
	struct weft__ragg_batch	*ragg_spare;
	/*
	 * The running write transaction's cursors for store_put(), opened
	 * on first use; LMDB frees them when the transaction ends, and
	 * weft__store_write() forgets them then. Only the writer uses them.
	 */
	MDB_cursor		*wcur[DB_COUNT];
	/*
	 * The end of the data file's tail that tail_prepare() has put in
	 * the page cache as single pages (bytes). Only the writer uses it,
	 * inside its write transaction.
	 */
	uint64_t		 tail_ready;
	uint64_t		 tail_used;	/* the used end it last saw */
	uint64_t		 tail_grow;	/* the most a commit added */
	/* Likewise the deferred words postings (store_index.c). */
	struct weft__words_batch *words_batch;
	/* Likewise the deferred count changes (store_social.c). */
	struct weft__counts_batch *counts_batch;
	/*
	 * Write generation: bumped by every write transaction just before
	 * its commit (under LMDB's writer lock, so a write transaction reads
	 * it consistently). store_disk.c uses it to learn whether anything
	 * but one publish wrote since it began.
	 */
	uint64_t		 gen;
	/*
	 * Events the running write transaction caused (WEFT_STORE_EV_*),
	 * set by the modules, zeroed by the kernel before each try; after a
	 * commit with any of them, commit_cb gets them (weft_store_on_commit,
	 * set and read under the lock). Only the writer touches events.
	 */
	unsigned		 events;
	weft_store_commit_cb	*commit_cb;
	void			*commit_arg;
	/* The clock that stamps pending chunks (NULL: the system's). */
	const struct weft_clock	*clock;
	/*
	 * While a gc runs: every chunk id added or newly referenced since
	 * it began (weft__store_chunk_add(), weft__store_chunk_ref()), which
	 * its sweep must keep. Set and cleared under LMDB's writer lock,
	 * and only touched by write transactions.
	 */
	struct weft__idset	*gc_late;
	/* A gc runs (one at a time); what the last one found reclaimable. */
	atomic_bool		 gc_running;
	_Atomic uint64_t	 gc_reclaimable;	/* UINT64_MAX: unknown */
	/*
	 * What a moderator's label does, where the config overrides the
	 * defaults (store_moderation.c): set at start, before anything reads
	 * it, then read-only.
	 */
	char			 label_over[32][WEFT_LABEL_MAX + 1];
	uint8_t			 label_act[32];
	size_t			 nlabel_over;
	/* The pack files of chunk bytes (store_pack.c). */
	struct weft__packs	*packs;
	/* A design's last use is written at most this often (store_use.c). */
	uint64_t		 use_step_ms;
	/*
	 * Uses noted by threads that must not wait for a write transaction
	 * (the loop): written by the next gc or at close. Under use_mu.
	 */
	pthread_mutex_t		 use_mu;
	struct weft__use	*use_q;
	size_t			 use_n;
	/* The chunks publishes under way hold (store_hold.c). */
	struct weft__holds	*holds;
};

/* A design's use, queued (struct weft_store's use_q). */
struct weft__use {
	uint8_t		design[WEFT_ID_BYTES];
	uint64_t	ms;
};
#define USE_QUEUE_MAX	4096

/* The fixed facts about a record, kept in DB_INFO. */
struct recinfo {
	uint8_t		type;
	uint64_t	ts;
	uint8_t		author[WEFT_PK_BYTES];
	uint8_t		design[ID];	/* revs only; zero otherwise */
};

typedef int weft__store_write_cb(struct weft_store *s, MDB_txn *txn, void *arg);


/*
 * The environment: weft__store_env_open() creates it in dir (a map of
 * map_size bytes, 0 for the default; an environment whose creation a
 * power cut cut short is started again) with the lock and no database
 * open; weft__store_dbis_open() opens (creating) every database of
 * DB_COUNT in a write txn; weft__store_env_close() frees it all. The
 * format version in meta is the caller's (store_open.c).
 */
int	weft__store_env_open(struct weft_store **sp, const char *dir,
	    size_t map_size);
int	weft__store_dbis_open(struct weft_store *s, MDB_txn *txn);
void	weft__store_env_close(struct weft_store *s);

/*
 * The generations the calling thread's last weft__store_write() bumped
 * the store from and to; both UINT64_MAX when it bumped nothing (fn
 * failed before any commit was tried) or they were read already (each
 * call reads and forgets them).
 */
void	weft__store_gen_last(uint64_t *before, uint64_t *after);

/*
 * A data.mdb in dir that LMDB cannot open (MDB_INVALID) and whose two
 * meta pages are each absent, zero or of transaction 0 was never
 * committed to: a power cut hit LMDB's creation of the environment,
 * which writes the meta pages without a sync. Then the file is deleted
 * (nothing in it was ever acknowledged) and 1 returned; else 0, or
 * -errno if it could not be deleted.
 */
int	weft__store_unfinished(const char *dir);

/* LMDB's codes to weft's (the one place they are translated). */
int	weft__store_xlat(int rc);

/*
 * Transactions. Every transaction holds s->lock shared; read_begin
 * adopts a map grown by another process. weft__store_write() runs fn in
 * a write transaction and commits it: fn returns 0 or a weft code; on
 * error the txn is aborted, and on WEFT_ESTOREFULL the map grows and fn
 * runs again from the start, so fn must depend only on its arguments and
 * the txn.
 */
int	weft__store_read_begin(struct weft_store *s, MDB_txn **txn);
void	weft__store_read_end(struct weft_store *s, MDB_txn *txn);
int	weft__store_write(struct weft_store *s, weft__store_write_cb *fn,
	    void *arg);
/*
 * The same for a write that changes no content, only where chunk bytes
 * are (compaction): the write generation stays, so a publish that may
 * undo its chunks (store_disk.c) is not told that anything came between.
 */
int	weft__store_write_move(struct weft_store *s, weft__store_write_cb *fn,
	    void *arg);

/*
 * Cursor walks over the keys starting with pfx: the first, the next or
 * previous (op), the last. WEFT_ENOTFOUND past the prefix.
 */
int	weft__store_cur_first(MDB_cursor *c, const void *pfx, size_t plen,
	    MDB_val *k, MDB_val *v);
int	weft__store_cur_step(MDB_cursor *c, const void *pfx, size_t plen,
	    MDB_val *k, MDB_val *v, MDB_cursor_op op);
int	weft__store_cur_last(MDB_cursor *c, const void *pfx, size_t plen,
	    MDB_val *k, MDB_val *v);

/*
 * An info value of record id (INFO_LEN bytes, or INFO_SHORT when the
 * design is implied: the id itself for a revision, a genesis; zeros for
 * any other type) into ri. 0 or WEFT_ECORRUPT.
 */
int	weft__store_info_parse(const uint8_t id[WEFT_ID_BYTES], const void *p,
	    size_t n, struct recinfo *ri);
/* A record's DB_INFO facts. 0, WEFT_ENOTFOUND or WEFT_ECORRUPT. */
/*
 * Records are keyed ts_be64 || id (so ingest appends near the newest
 * pages); info (keyed by id) gives the ts. The envelope of record id:
 * 0, WEFT_ENOTFOUND, WEFT_ECORRUPT (info without a record) or a store
 * error. v points into the map, valid until the txn's next write or end.
 */
void	weft__store_rec_key(uint8_t k[8 + WEFT_ID_BYTES], uint64_t ts,
	    const uint8_t id[WEFT_ID_BYTES]);
int	weft__store_rec_get(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[WEFT_ID_BYTES], MDB_val *v);
/*
 * Stored record id, decoded into r (initialised here; the caller
 * releases it after a 0): 0, WEFT_ENOTFOUND, WEFT_ECORRUPT (an envelope
 * or body that does not decode: the store checked it at ingest), -ENOMEM
 * or a store error. After an error r holds nothing.
 */
int	weft__store_rec_load(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[WEFT_ID_BYTES], struct weft_record *r);
/* The same for an id a table named: a missing record is WEFT_ECORRUPT. */
static inline int
weft__store_rec_load_named(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[WEFT_ID_BYTES], struct weft_record *r)
{
	int	err = weft__store_rec_load(s, txn, id, r);

	return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
}
/*
 * The DKEY of design (a stored genesis): 0, WEFT_ENOTFOUND (no such
 * record, or not a genesis) or a store error.
 */
int	weft__store_design_key(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[WEFT_ID_BYTES], uint8_t dk[DKEY]);
int	weft__store_info_get(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], struct recinfo *ri);

/* A revision as a `drevs` or `dheads` key names it. */
struct weft__rev {
	uint64_t	ts;
	uint8_t		id[ID];
};
/* The key of revision (ts, rev) of design dk into key; its length. */
size_t	weft__store_rkey(uint8_t key[REVKEY], const uint8_t dk[DKEY],
	    uint64_t ts, const uint8_t rev[ID]);
/* The revision key k names: 0 or WEFT_ECORRUPT (another length). */
int	weft__store_rkey_dec(const MDB_val *k, struct weft__rev *r);
/*
 * The revisions of design dk in db (DB_BY_DESIGN or DB_HEADS), in (ts,
 * rev) order, into *out (malloc'd, the caller frees; NULL when *n is
 * 0): 0, -ENOMEM, WEFT_ECORRUPT or a store error.
 */
int	weft__store_revs_get(struct weft_store *s, MDB_txn *txn, int db,
	    const uint8_t dk[DKEY], struct weft__rev **out, size_t *n);
/*
 * The last revision of design dk in db by (ts, rev): 0, WEFT_ENOTFOUND
 * (none), WEFT_ECORRUPT or a store error.
 */
int	weft__store_rev_last(struct weft_store *s, MDB_txn *txn, int db,
	    const uint8_t dk[DKEY], struct weft__rev *last);
/*
 * A design's counts from scount (enum weft_count_kind; 0 for none); the
 * display name of author's latest profile into name (size bytes, cut on
 * a character; "" when the profile has none), WEFT_ENOTFOUND if none.
 */
int	weft__store_counts_get(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[ID], uint64_t n[WEFT_COUNT_KINDS]);
int	weft__store_profile_name(struct weft_store *s, MDB_txn *txn,
	    const uint8_t author[ID], char *name, size_t size);
/* Appends the value of id in db to out, in its own read txn. */
int	weft__store_copy(struct weft_store *s, int db, const uint8_t id[ID],
	    struct weft_buf *out);

/*
 * Chunks. These calls are the only code that touches DB_CHUNKS (and the
 * pending marks of DB_PENDING), so that chunk bytes can move out of LMDB
 * by reimplementing exactly them (docs/DESIGN.md, "Chunks").
 *
 * weft__store_chunk_add() stores one chunk known to be absent (through
 * weft__store_chunk_write(), below), counts its bytes and tells a running
 * gc; weft__store_chunk_bytes_add() adds add and subtracts sub (not below
 * 0) from the count of chunk bytes in meta. weft__store_chunk_has() is 0
 * or WEFT_ENOTFOUND; weft__store_chunk_index() reads chunk id and decodes
 * it as a chunk list (*refs to free; WEFT_ENOTFOUND, WEFT_EPROTO when it
 * is not one). weft__store_chunk_stat() counts chunks and their bytes.
 *
 * weft__store_chunk_walk() calls cb with the chunk ids after `after`
 * (NULL: from the first) in id order, with each chunk's length, until cb
 * returns non-zero (returned; 1 conventionally means "enough") or the
 * table ends (0). cb must not write to the store.
 */
int	weft__store_chunk_add(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], const uint8_t *data, size_t len);
int	weft__store_chunk_bytes_add(struct weft_store *s, MDB_txn *txn,
	    uint64_t add, uint64_t sub);
int	weft__store_chunk_has(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID]);
int	weft__store_chunk_index(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], struct weft_chunk_ref **refs, size_t *n,
	    uint64_t *total);
int	weft__store_chunk_stat(struct weft_store *s, MDB_txn *txn,
	    uint64_t *count, uint64_t *bytes);
typedef int weft__store_chunk_cb(void *arg, const uint8_t id[ID],
    size_t len);
int	weft__store_chunk_walk(struct weft_store *s, MDB_txn *txn,
	    const uint8_t *after, weft__store_chunk_cb *cb, void *arg);

/*
 * weft__store_info_walk() walks the DB_INFO rows (every record's fixed
 * facts) after `after` in id order as the chunk walk does.
 */
typedef int weft__store_info_cb(void *arg, const uint8_t id[ID],
    const struct recinfo *ri);
int	weft__store_info_walk(struct weft_store *s, MDB_txn *txn,
	    const uint8_t *after, weft__store_info_cb *cb, void *arg);

/*
 * Pending chunks: chunks a local publish (or profile, photo) stored
 * before the record that refers to them. Each has a row in DB_PENDING,
 * chunk id -> ts_be64 || token_be64: when it was last stored or met by
 * such a write, and the token of the one publish that alone added it (0
 * once anything else stored or referred to it). gc keeps an unreferenced
 * chunk whose row is younger than its grace, and drops it (row and
 * chunk) after; a publish that ends without its record drops the chunks
 * whose token is still its own (store_disk.c).
 *
 * weft__store_chunk_pend() stamps id now with token (0: shared; a row
 * with another token becomes shared); weft__store_chunk_ref() says that
 * a kept file now refers to id (a present chunk): its row becomes
 * shared, and a running gc keeps it. weft__store_chunk_pending() reads
 * a row (WEFT_ENOTFOUND if none); weft__store_chunk_unpend() deletes it.
 * weft__store_pending_walk() walks the rows after `after` as the chunk
 * walk does, cb getting (id, ts, token) through the len argument's
 * place in a struct below.
 */
int	weft__store_chunk_pend(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], uint64_t token);
int	weft__store_chunk_ref(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID]);
int	weft__store_chunk_pending(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], uint64_t *ts, uint64_t *token);
int	weft__store_chunk_unpend(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID]);
typedef int weft__store_pending_cb(void *arg, const uint8_t id[ID],
    uint64_t ts, uint64_t token);
int	weft__store_pending_walk(struct weft_store *s, MDB_txn *txn,
	    const uint8_t *after, weft__store_pending_cb *cb, void *arg);
/* The store's clock (weft_store_opts.clock), in ms since the epoch. */
uint64_t weft__store_now_ms(struct weft_store *s);

/*
 * The running gc's set of late ids (s->gc_late). weft__store_gc_late_on()
 * installs an empty set (keeping one already there: the caller runs one
 * gc at a time, s->gc_running) and _off() frees it,
 * each inside a write transaction; weft__store_gc_late_has() asks it.
 */
int	weft__store_gc_late_on(struct weft_store *s, MDB_txn *txn);
void	weft__store_gc_late_off(struct weft_store *s, MDB_txn *txn);
bool	weft__store_gc_late_has(struct weft_store *s, const uint8_t id[ID]);

/*
 * Holds (store_hold.c, store.h): _init and _free with the environment;
 * weft__store_hold_add() holds id under token (0: nothing), called by
 * write transactions; weft__store_held() says whether any publish holds
 * id.
 */
int	weft__store_holds_init(struct weft_store *s);
void	weft__store_holds_free(struct weft_store *s);
int	weft__store_hold_add(struct weft_store *s, uint64_t token,
	    const uint8_t id[ID]);
bool	weft__store_held(struct weft_store *s, const uint8_t id[ID]);
/*
 * A profile, library entry or label r (id) is being taken back
 * (store_latest.c, ingest level): the latest other one still stored is
 * put back in force (for an entry, of the same library and design; for
 * a label, of the same author, target and label; none: no row), and a
 * design leaves or joins the library's scope when whether the library
 * holds it changed. After r left its module's indexes, before its rows
 * go. Any other type: nothing.
 */
int	weft__store_latest_retract(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * Whether every file of r is here: its chunk list and each chunk it
 * lists. 0, WEFT_EMISSING or a store error.
 */
int	weft__store_files_here(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r);

/*
 * A set of chunk ids by their first 8 bytes (ids are uniform hashes; two
 * ids that share them count as one, which only ever keeps a chunk too
 * many). weft__idset_add() is 0 or -ENOMEM.
 */
struct weft__idset	*weft__idset_new(void);
int	weft__idset_add(struct weft__idset *set, const uint8_t id[ID]);
bool	weft__idset_has(const struct weft__idset *set, const uint8_t id[ID]);
size_t	weft__idset_count(const struct weft__idset *set);
void	weft__idset_free(struct weft__idset *set);

/*
 * Last use (DB_LASTUSE, docs/proto/store.md "Last use"; store_use.c
 * reads it): weft__store_use_touch() stamps design (all zeros: ignored)
 * as used now, unless its row is younger than s->use_step_ms,
 * so that a busy design costs one write a minute; with index, it also
 * records that file index belongs to design (once), for a peer that
 * asks for the index later. 0 or a store error.
 */
#define USE_DESIGN	0x00
#define USE_INDEX	0x01
int	weft__store_use_touch(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[ID], const uint8_t *index);
/*
 * The queue of uses: weft__store_use_queue() notes design used at ms (a
 * full queue drops it: the use is only coarse); _queued() finds design's
 * (0 or WEFT_ENOTFOUND); _take() moves up to max queued uses into out
 * and says how many; _put() writes one as a row unless the row is newer.
 */
void	weft__store_use_queue(struct weft_store *s, const uint8_t design[ID],
	    uint64_t ms);
int	weft__store_use_queued(struct weft_store *s, const uint8_t design[ID],
	    uint64_t *ms);
size_t	weft__store_use_take(struct weft_store *s, struct weft__use *out,
	    size_t max);
int	weft__store_use_put(struct weft_store *s, MDB_txn *txn,
	    const struct weft__use *u);

/*
 * Deletes record id's rows (recs and info); 0 also when it is absent.
 * Its indexes are the caller's. Keeps `idshare` as below.
 */
int	weft__store_rec_del(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID]);

/*
 * `idshare` holds exactly the ids of `info` whose first IDSHARE_PFX bytes
 * another id of `info` has: every other id's short id is 8 hex digits
 * without a look at `info` (store_search.c). weft__store_info_put() puts
 * a record's info (INFO_LEN bytes) and keeps the table; rec_del() too;
 * weft__store_idshare_rebuild() fills it from `info` (the upgrade to
 * format 11).
 */
#define IDSHARE_PFX	4
int	weft__store_info_put(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], const uint8_t *info);
int	weft__store_idshare_rebuild(struct weft_store *s, MDB_txn *txn);

/*
 * Chunk bytes live in pack files, DB_CHUNKS is their index (store_pack.c,
 * docs/proto/store.md "Pack files"); nothing else reads or writes its
 * values. Inside a write txn: weft__store_chunk_write() appends a chunk
 * to the newest pack and indexes it (uncounted: a chunk known absent, or
 * one moved); weft__store_chunk_del() deletes one and uncounts its bytes
 * (0 also when it is absent); weft__store_chunk_del_many() deletes those
 * of ids[0..n) that are here, writing each pack's row and the byte count
 * once: gone[i] (gone may be NULL) says whether ids[i] was here, *bytes
 * (may be NULL) gets the bytes deleted. In any txn: weft__store_chunk_size() its
 * length, weft__store_chunk_val_len() that of a DB_CHUNKS value; weft__store_chunk_read() appends its bytes to out (the pack
 * entry must name id: WEFT_ECORRUPT otherwise); _read_val() the same for
 * a key and value of a cursor on DB_CHUNKS.
 */
int	weft__store_chunk_write(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], const uint8_t *data, size_t len);
int	weft__store_chunk_del(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID]);
int	weft__store_chunk_del_many(struct weft_store *s, MDB_txn *txn,
	    const uint8_t (*ids)[ID], size_t n, bool *gone,
	    uint64_t *bytes);
int	weft__store_chunk_size(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], uint64_t *len);
int	weft__store_chunk_val_len(const MDB_val *v, uint64_t *len);
int	weft__store_chunk_read(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], struct weft_buf *out);
int	weft__store_chunk_read_val(struct weft_store *s, const MDB_val *k,
	    const MDB_val *v, struct weft_buf *out);

/*
 * The packs' life: _init() (env open) opens the directory; _open(), in
 * the open transaction, loads the packs table, truncates each pack to its
 * committed size and deletes pack files without a row; _free() closes it
 * all. _sync() makes the newest pack's bytes durable: weft__store_write()
 * calls it before every commit. _migrate() moves a format-6 store's chunk
 * bytes (values of DB_CHUNKS) into packs, in the open transaction.
 */
int	weft__store_packs_init(struct weft_store *s, const char *dir);
/* Sets the size packs close at (0 keeps the default), before open. */
void	weft__store_packs_target(struct weft_store *s, uint64_t target);
/* Before open: never O_DIRECT (opts.pack_buffered). */
void	weft__store_packs_buffered(struct weft_store *s, bool buffered);
int	weft__store_packs_open(struct weft_store *s, MDB_txn *txn);
void	weft__store_packs_free(struct weft_store *s);
int	weft__store_packs_sync(struct weft_store *s);
/*
 * Around each write transaction: _begin() right after it began takes
 * the packs' writer state; _end() after its commit or abort gives it
 * back: committed, the newest pack's size is its committed size;
 * aborted, what it appended is cut off again (the space back, for a
 * full disk). LMDB lets the next writer begin at the commit, so the
 * writer lock alone does not cover _end().
 */
void	weft__store_packs_begin(struct weft_store *s);
void	weft__store_packs_end(struct weft_store *s, bool committed);
int	weft__store_packs_migrate(struct weft_store *s, MDB_txn *txn);
/* The sums of the packs' committed sizes and live bytes. */
int	weft__store_packs_stat(struct weft_store *s, MDB_txn *txn,
	    uint64_t *bytes, uint64_t *live);

/*
 * Runs fn(arg) holding the store's lock exclusively: no transaction of
 * this process runs meanwhile. Never call it inside a transaction.
 */
void	weft__store_excl(struct weft_store *s, void (*fn)(void *), void *arg);

/* Small helpers, inline: byte order, key prefixes, single-key access. */

/*
 * Big-endian 64-bit fields as one store or load and a byte swap: as byte
 * loops, GCC at -O2 left them loops of eight, a cost in every key the
 * writer builds (stop 14).
 */
static inline void
be64enc(uint8_t *p, uint64_t v)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof(v));
}

static inline uint64_t
be64dec(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline int
prefix_eq(const MDB_val *k, const void *pfx, size_t plen)
{
	return k->mv_size >= plen && memcmp(k->mv_data, pfx, plen) == 0;
}

static inline int
db_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, MDB_val *v)
{
	MDB_val	key = { klen, (void *)k };

	return weft__store_xlat(mdb_get(txn, dbi, &key, v));
}

static inline int
db_has(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
	MDB_val	v;

	return db_get(txn, dbi, k, klen, &v);
}

static inline int
db_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	MDB_val	key = { klen, (void *)k }, val = { vlen, (void *)v };

	return weft__store_xlat(mdb_put(txn, dbi, &key, &val, 0));
}

/*
 * The write transaction's cursor on database i (below), opened on first
 * use. Only inside weft__store_write().
 */
static inline int
store_cursor(struct weft_store *s, MDB_txn *txn, int i, MDB_cursor **cp)
{
	int	rc;

	if (s->wcur[i] == NULL) {
		rc = mdb_cursor_open(txn, s->dbi[i], &s->wcur[i]);
		if (rc) {
			s->wcur[i] = NULL;
			return weft__store_xlat(rc);
		}
	}
	*cp = s->wcur[i];
	return 0;
}

/*
 * db_put() through the write transaction's cursor on database i, which
 * stays on the leaf of its last put: a key that lands on that leaf (an
 * append, as ingest mostly does for keys led by a ts) costs no descent
 * from the root. Only inside weft__store_write().
 */
static inline int
store_put(struct weft_store *s, MDB_txn *txn, int i, const void *k,
    size_t klen, const void *v, size_t vlen)
{
	MDB_val	key = { klen, (void *)k }, val = { vlen, (void *)v };
	int	rc;

	if (s->wcur[i] == NULL) {
		rc = mdb_cursor_open(txn, s->dbi[i], &s->wcur[i]);
		if (rc) {
			s->wcur[i] = NULL;
			return weft__store_xlat(rc);
		}
	}
	return weft__store_xlat(mdb_cursor_put(s->wcur[i], &key, &val, 0));
}

/*
 * store_put() of a key that usually sorts after every key of database
 * i (recs: ingest meets records roughly in time order): when it does,
 * LMDB is told so (MDB_APPEND), which splits a full leaf by moving only
 * the new key to the new page. A plain put splits it at the point that
 * leaves the new page the emptier, which for entries of about 540 bytes
 * (a record) keeps 6 on a page where 7 fit: the table comes out a sixth
 * larger. The look at the last key first keeps an out-of-order key from
 * ever being a failed write operation.
 */
static inline int
store_append(struct weft_store *s, MDB_txn *txn, int i, const void *k,
    size_t klen, const void *v, size_t vlen)
{
	MDB_val		 key = { klen, (void *)k }, val = { vlen, (void *)v };
	MDB_val		 lk, lv;
	MDB_cursor	*c = NULL;
	unsigned	 flags = 0;
	int		 err, rc;

	err = store_cursor(s, txn, i, &c);
	if (err)
		return err;
	rc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
	if (rc == MDB_NOTFOUND ||
	    (rc == 0 && mdb_cmp(txn, s->dbi[i], &key, &lk) > 0))
		flags = MDB_APPEND;
	else if (rc)
		return weft__store_xlat(rc);
	return weft__store_xlat(mdb_cursor_put(c, &key, &val, flags));
}

/*
 * Deletes k if present. The lookup first keeps a missing key from ever
 * being a failed write operation.
 */
static inline int
db_del(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
	MDB_val	key = { klen, (void *)k };
	int	err;

	err = db_has(txn, dbi, k, klen);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	return weft__store_xlat(mdb_del(txn, dbi, &key, NULL));
}

#endif
