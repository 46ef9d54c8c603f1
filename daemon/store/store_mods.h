/*
 * What the index modules of daemon/store/ offer the layer above them:
 * ingest (store_ingest.c), opening with its format upgrades
 * (store_open.c) and the publish's chunk writes (store_disk.c). Each
 * module calls only the kernel (store_impl.h) and its own functions,
 * never another module's and never ingest: tests/layers/check-store.sh
 * checks it. A module includes this header only for its own prototypes.
 */
#ifndef WEFT_STORE_MODS_H
#define WEFT_STORE_MODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "weft/record.h"

#include "store_impl.h"

/*
 * Ingest indexes (store_index.c), called by the record write after the
 * record's own rows are written, for a revision, an entry and a library.
 * An error leaves the txn half-written: the caller aborts it.
 */
/*
 * weft__store_rev_index() also says whether the design's head changed
 * (*head_changed) and which it is now (head): a new head's summary says
 * "no conflict" until ingest judges it and calls
 * weft__store_summary_conflict() with the head's record hr (a design
 * not here is left alone). weft__store_design_head(): the head of a
 * design, WEFT_ENOTFOUND when it is not here.
 */
int	weft__store_rev_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID],
	    uint8_t head[ID], int *head_changed);
int	weft__store_summary_conflict(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[ID], const struct weft_record *hr,
	    bool conflict);
int	weft__store_design_head(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[ID], uint8_t head[ID]);
/*
 * A retracted design leaves the indexes: its summary, author, tag,
 * revision, head, successor and remix keys (dk: its DKEY). Its records,
 * words and scopes are the caller's.
 */
int	weft__store_design_drop(struct weft_store *s, MDB_txn *txn,
	    const uint8_t dk[DKEY]);
/*
 * A retracted revision r (id, not a genesis) leaves its design: its
 * revision, head and successor keys; its prevs that nothing else follows
 * are heads again; the summary is rewritten (head, the newest head now,
 * *head_changed as in weft__store_rev_index()).
 */
int	weft__store_rev_drop(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID],
	    uint8_t head[ID], int *head_changed);
int	weft__store_entry_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_lib_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * Community records (store_social.c): the profile, comment and reaction
 * indexes, for a record of one of those types.
 */
int	weft__store_social_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * Profile id (ts) of author becomes the latest, unless a later one is
 * (used to put one back in force after a retract).
 */
int	weft__store_profile_set(struct weft_store *s, MDB_txn *txn,
	    const uint8_t author[ID], uint64_t ts, const uint8_t id[ID]);
/* A retracted profile, comment, reaction or make leaves them. */
int	weft__store_social_drop(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * Counts (store_social.c): one more (or less) remix of design; before
 * revision r (id) is indexed, weft__store_counts_rev() counts one remix
 * of each design it is the first of its design to name in remix_of, and
 * for a genesis gives the design its keys in the count-ordered index
 * (counts may come before the design); the index and remix counts built
 * once for a store made before them.
 */
int	weft__store_count_remix(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[ID], int delta);
int	weft__store_counts_rev(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_counts_backfill(struct weft_store *s, MDB_txn *txn);
/*
 * Grants (store_grants.c): weft__store_grant_index() indexes a grant
 * under its design; weft__store_remix_conflict() says whether revision r
 * breaks the license table (docs/licenses.md; parents not stored are not
 * judged).
 */
int	weft__store_grant_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * Seed receipts (store_receipts.c). weft__store_receipt_check(), before
 * anything is written: 0 to store r; WEFT_EEXISTS when it says nothing
 * new (expired at now_ms, 0 for never; a later one of the same node and
 * revision is here; the node's quota is full); WEFT_EMISSING while the
 * revision is not here; WEFT_EBADFIELD when the revision is not of the
 * design r names. weft__store_receipt_put() then keeps it.
 */
int	weft__store_receipt_check(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID],
	    uint64_t now_ms);
struct weft__receipt_gone {
	bool		any;
	uint64_t	ts;
	uint8_t		id[ID];
	bool		has_author;
	uint8_t		author[ID];	/* of its design, if has_author */
};
int	weft__store_receipt_put(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID],
	    const uint8_t *env, size_t len, struct weft__receipt_gone *gone);
/*
 * weft__store_receipt_put() says in gone the receipt it replaced, if
 * any (gone->any): the caller takes it out of its scopes.
 * weft__store_receipts_prune() deletes every receipt expired at now_ms,
 * calling cb with each first (key: design || rev || node; author: of
 * the design when it was kept, NULL if unknown), and counts them in
 * *pruned.
 */
typedef int weft__store_receipt_gone_cb(void *arg, struct weft_store *s,
    MDB_txn *txn, const uint8_t key[3 * ID], const uint8_t *author,
    uint64_t ts, const uint8_t id[ID]);
int	weft__store_receipts_prune(struct weft_store *s, MDB_txn *txn,
	    uint64_t now_ms, weft__store_receipt_gone_cb *cb, void *arg,
	    uint64_t *pruned);
/*
 * weft__store_receipts_drop() deletes every receipt of design (NULL:
 * any) signed by node (NULL: any), giving cb each first as the prune
 * does, and counts them in *dropped (a block's purge).
 */
int	weft__store_receipts_drop(struct weft_store *s, MDB_txn *txn,
	    const uint8_t *design, const uint8_t *node,
	    weft__store_receipt_gone_cb *cb, void *arg, uint64_t *dropped);
/*
 * weft__store_receipts_step() walks up to max `receipts` rows after the
 * key after (NULL: from the first), giving cb each row as the prune
 * does, and writes the `receipt_ids` entry of a row that has none; *n
 * gets the rows walked (fewer than max: the last), last the last key.
 */
int	weft__store_receipts_step(struct weft_store *s, MDB_txn *txn,
	    const uint8_t *after, size_t max, weft__store_receipt_gone_cb *cb,
	    void *arg, uint8_t last[3 * ID], size_t *n);
/*
 * A receipt (ts, id) of design joins (sign 1) or leaves (-1) scope all,
 * the scope of the design's author (author, or NULL: the signer of the
 * design's genesis, if here) and of every library holding the design
 * (store_recon.c; idempotent, like every scope change), so a peer
 * reconciling any of them learns it.
 */
int	weft__store_scopes_receipt(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[ID], const uint8_t *author, uint64_t ts,
	    const uint8_t id[ID], int sign);
/*
 * Flood limits (store_limits.c) on comments, reactions and makes, per
 * author and design: weft__store_limit_check() says 0 or WEFT_ELIMIT
 * (r would go over a cap), before anything is written; for any other
 * type 0. It leaves in n the counts it read (total, r's minute), which
 * weft__store_limit_add() takes to count r once it is written, in the
 * same transaction with nothing of the same author and design between.
 */
int	weft__store_limit_check(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, uint32_t n[2]);
int	weft__store_limit_add(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint32_t n[2]);
int	weft__store_remix_conflict(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, bool *conflict);
/*
 * Last use (store_use.c): weft__store_use_walk() calls cb with each
 * design's last use, after design `after` (NULL: from the first) in
 * design order, as the kernel's walks do (cb's non-zero ends it and is
 * returned). weft__store_use_forget() deletes design's row and those of
 * the file indexes in idx (n of them) that name it.
 */
typedef int weft__store_use_cb(void *arg, const uint8_t design[ID],
    uint64_t ms);
int	weft__store_use_walk(struct weft_store *s, MDB_txn *txn,
	    const uint8_t *after, weft__store_use_cb *cb, void *arg);
int	weft__store_use_forget(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[ID], const uint8_t (*idx)[ID], size_t n);
/*
 * Geometry (store_geom.c): weft__store_geom_index() keeps a geom record
 * and, when it describes a stored revision by that revision's author,
 * makes it its design's current one (unless a newer one is);
 * weft__store_geom_rev() does that for the geom records that came
 * before the revision rev; weft__store_geom_drop() takes geom record r
 * (id) out: its `geom_rev` row, and its design's rows if it is the
 * design's current one (none is then, until another geom record of
 * the design is indexed).
 */
int	weft__store_geom_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_geom_drop(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_geom_rev(struct weft_store *s, MDB_txn *txn,
	    const uint8_t rev[ID]);
/*
 * Wanted files (store_files.c). weft__store_want() makes the file with
 * index id index (size bytes; design, or NULL) wanted, listing what of it
 * is absent; weft__store_policy_apply() wants the files the policies cover
 * after record r (id) was stored and indexed.
 */
/*
 * weft__store_design_kept(): 0 when a policy keeps design (mirror all,
 * its author followed, a mirrored library holds it), WEFT_ENOTFOUND when
 * none does, or a store error.
 */
int	weft__store_design_kept(struct weft_store *s, MDB_txn *txn,
	    const uint8_t design[ID]);
int	weft__store_want(struct weft_store *s, MDB_txn *txn,
	    const uint8_t index[ID], uint64_t size, const uint8_t *design);
int	weft__store_policy_apply(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * The file with index id index is no longer wanted (its records were
 * retracted): its wanted, missing and absent rows go, so that nothing
 * of it is fetched again. 0 also when it was not wanted.
 */
int	weft__store_want_drop(struct weft_store *s, MDB_txn *txn,
	    const uint8_t index[ID]);
/*
 * Chunk id (bytes data) was just stored: if a wanted file lacked it, it
 * no longer does. The caller checked the id; an absent index that does
 * not decode is WEFT_EPROTO.
 */
int	weft__store_chunk_arrived(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], const uint8_t *data, size_t len);
/*
 * weft__store_wanted_walk() calls cb with every wanted file after index
 * `after` (NULL: from the first) in index order: its design (zeros when
 * unknown), size and the bytes it lacks, until cb returns non-zero
 * (returned) or the table ends (0). weft__store_unwant() stops wanting
 * the file (its absent, chunk_file and missing rows go too; the chunks
 * it holds stay for gc): 0 or WEFT_ENOTFOUND when not wanted.
 */
typedef int weft__store_wanted_cb(void *arg, const uint8_t index[ID],
    const uint8_t design[ID], uint64_t size, uint64_t bytes_left);
int	weft__store_wanted_walk(struct weft_store *s, MDB_txn *txn,
	    const uint8_t *after, weft__store_wanted_cb *cb, void *arg);
int	weft__store_unwant(struct weft_store *s, MDB_txn *txn,
	    const uint8_t index[ID]);
/* weft__store_is_wanted(): 0 when index is wanted, else WEFT_ENOTFOUND. */
int	weft__store_is_wanted(struct weft_store *s, MDB_txn *txn,
	    const uint8_t index[ID]);

/*
 * The search index (store_search.c): weft__store_search_rev() brings the
 * terms of revision r's design to those of its newest head, after
 * weft__store_rev_index(); the rebuild empties words, dwords, dnum and
 * wlist and indexes every design's newest head again.
 */
int	weft__store_search_rev(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
/*
 * The rebuild in bounded transactions: begin() empties the tables and
 * marks the rebuild pending (in the caller's transaction); step(), a
 * weft__store_write_cb, indexes the next designs and clears the mark
 * after the last; pending() is 0 while marked, else WEFT_ENOTFOUND.
 * weft__store_rebuild_step: designs a step indexes (tests lower it).
 */
int	weft__store_words_rebuild_begin(struct weft_store *s, MDB_txn *txn);
/* The search tables' step of the upgrade from format 8 to 9. */
int	weft__store_search_upgrade9(struct weft_store *s, MDB_txn *txn);
int	weft__store_words_rebuild_step(struct weft_store *s, MDB_txn *txn,
	    void *arg);
int	weft__store_words_rebuild_pending(struct weft_store *s, MDB_txn *txn);
extern size_t	weft__store_rebuild_step;

/*
 * Format 10 -> 11 (store_index.c): `dsum` values from the control map to
 * the compact form (store_dsum.h), resumably as the word index's rebuild:
 * upgrade11() in the open transaction leaves the mark `dsum_compact`;
 * pending() is 0 while it is there; each step() (a write transaction's
 * callback) rewrites at most weft__store_dsum_step summaries.
 */
int	weft__store_dsum_upgrade11(struct weft_store *s, MDB_txn *txn);
int	weft__store_dsum_upgrade_pending(struct weft_store *s, MDB_txn *txn);
int	weft__store_dsum_upgrade_step(struct weft_store *s, MDB_txn *txn,
	    void *arg);
extern size_t	weft__store_dsum_step;
/*
 * Format 11 -> 12 (store_index.c): each genesis's `drevs` and `dheads`
 * key shortened to its design key, resumably as the summaries' rewrite:
 * upgrade12() in the open transaction leaves the mark `rkey_short`;
 * pending() is 0 while it is there; each step() moves at most
 * weft__store_revs_step keys (whole designs in the passes that shorten).
 */
int	weft__store_revs_upgrade12(struct weft_store *s, MDB_txn *txn);
int	weft__store_revs_upgrade_pending(struct weft_store *s, MDB_txn *txn);
int	weft__store_revs_upgrade_step(struct weft_store *s, MDB_txn *txn,
	    void *arg);
extern size_t	weft__store_revs_step;
/* Tests: steps of that upgrade weft_store_open() runs before it fails. */
extern int	weft__store_revs_stop;
/*
 * The short id length of id, a stored record's id, the way listings find
 * it (`idshare` first); weft_store_short_len() always looks at `info`.
 * Tests compare the two.
 */
int	weft__store_short_len_known(struct weft_store *s,
	    const uint8_t id[ID], unsigned *len);
/* Tests: dsum steps weft_store_open() runs before it fails (-1: all). */
extern int	weft__store_dsum_stop;
/* Tests: steps weft_store_open() runs before it fails (-1: all). */
extern int	weft__store_rebuild_stop;
/*
 * The receipts' scope backfill at open (store_open.c): rows a step
 * (tests lower it), and steps before open fails (tests; -1: all).
 */
extern size_t	weft__store_rscope_step;
extern int	weft__store_rscope_stop;
/* Removes every term of design dk (a retracted design) from the index. */
int	weft__store_search_drop(struct weft_store *s, MDB_txn *txn,
	    const uint8_t dk[DKEY]);

/*
 * A query of several words intersects the design-ordered lists
 * (store_wlist.h) when it expects at most this many matches
 * (store_search.c); tests set it below 0 to compare with the walk of
 * the rarest word's postings.
 */
extern double	weft__store_lists_est_max;

/*
 * Reconciliation aggregates (store_recon.c): add a record (ts, id), and
 * build them once for a store written before they existed.
 */
int	weft__store_ragg_add(struct weft_store *s, MDB_txn *txn, uint64_t ts,
	    const uint8_t *id);
int	weft__store_ragg_backfill(struct weft_store *s, MDB_txn *txn);
/*
 * Batching of the aggregates in one write transaction: between begin
 * and end, aggregate changes are accumulated in memory (bounded; they
 * spill into the txn when the table fills) and flush() applies them to
 * the txn, which must happen before commit. end() drops whatever was not
 * flushed (on abort). begin: 0, -ENOMEM or WEFT_EUSAGE if one is open.
 */
int	weft__store_ragg_batch_begin(struct weft_store *s);
int	weft__store_ragg_batch_flush(struct weft_store *s, MDB_txn *txn);
void	weft__store_ragg_batch_end(struct weft_store *s);
void	weft__store_ragg_batch_free(struct weft_store *s);
/*
 * For tests: how many bytes of the spare batch table are resident
 * (mincore), or SIZE_MAX when that cannot be told. 0 after a batch: its
 * pages are given back.
 */
size_t	weft__store_ragg_spare_resident(struct weft_store *s);
/*
 * Makes room in the batch table for one item of one scope; call it before
 * putting or deleting the item's member key (`recs`, `recon_mem`).
 */
int	weft__store_ragg_reserve(struct weft_store *s, MDB_txn *txn);
/* Deletes the aggregate nodes format 4 kept under sparse nodes. */
int	weft__store_ragg_drop_low(struct weft_store *s, MDB_txn *txn);
/*
 * The same for the words postings (store_search.c): nothing in a write
 * transaction reads `words`, so a batch collects their puts and deletes
 * and applies them sorted, through one cursor.
 */
int	weft__store_words_batch_begin(struct weft_store *s);
int	weft__store_words_batch_flush(struct weft_store *s, MDB_txn *txn);
void	weft__store_words_batch_end(struct weft_store *s);
/*
 * The same for the count changes of reactions (store_social.c): between
 * begin and end, counts_add() changes a table in memory, read through
 * by later changes of the same design; flush() writes each changed
 * design's counts and csort move once, in design order. Nothing may
 * read `scount` or `csort` in the transaction before flush(); end()
 * drops what was not flushed (on abort).
 */
int	weft__store_counts_batch_begin(struct weft_store *s);
int	weft__store_counts_batch_flush(struct weft_store *s, MDB_txn *txn);
void	weft__store_counts_batch_end(struct weft_store *s);

/*
 * The author and library scopes (store_recon.c). weft__store_lib_holds()
 * says whether lib's latest entry for design is an add. After record r
 * (id) was stored and indexed, weft__store_scopes_put() puts it into its
 * scopes; for an entry, was_held is lib_holds() from before the entry was
 * indexed, and a change brings the design's revisions into or out of the
 * library's scope. weft__store_scopes_rebuild() builds both kinds of
 * scope for a store of format 2.
 */
int	weft__store_lib_holds(struct weft_store *s, MDB_txn *txn,
	    const uint8_t lib[ID], const uint8_t design[ID], int *held);
int	weft__store_scopes_put(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID], int was_held);
/*
 * Takes record r (id, a retracted one) out of every scope: all, its
 * author's, and the libraries' it is in; reconciliation stops offering
 * it.
 */
int	weft__store_scopes_drop(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_scopes_rebuild(struct weft_store *s, MDB_txn *txn);
/*
 * weft__store_lib_entries() calls cb with the id and ts of every entry
 * record in lib's scope (every entry of lib held; cb may read, not
 * write); weft__store_lib_design_scope() brings design's records into
 * (sign 1) or out of (-1) lib's scope, and its design_lib key, when the
 * library starts or stops holding it otherwise than by a new entry.
 */
typedef int weft__store_entry_cb(void *arg, uint64_t ts,
    const uint8_t id[ID]);
int	weft__store_lib_entries(struct weft_store *s, MDB_txn *txn,
	    const uint8_t lib[ID], weft__store_entry_cb *cb, void *arg);
int	weft__store_lib_design_scope(struct weft_store *s, MDB_txn *txn,
	    const uint8_t lib[ID], const uint8_t design[ID], int sign);

/*
 * Library maintainers (store_libmaint.c). weft__store_maint_check():
 * the ingest checks of a maint record r (its lib and prevs here, its ts
 * after theirs, at most WEFT_MAINT_PER_LIB per library, its signer a
 * maintainer in the set its prev closure gives): 0, WEFT_EMISSING,
 * WEFT_EBADFIELD, WEFT_ELIMIT, WEFT_EDENIED. weft__store_maint_index()
 * keeps its row. weft__store_maint_in_force(): whether key is a
 * maintainer of lib at time ts (every maint record with ts <= ts
 * applied in (ts, id) order); weft__store_maint_ever(): whether key was
 * ever named one (by the lib record, or as a maint record's signer or
 * added key). Both WEFT_ENOTFOUND when lib is not here.
 */
int	weft__store_maint_check(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r);
int	weft__store_maint_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_maint_in_force(struct weft_store *s, MDB_txn *txn,
	    const uint8_t lib[ID], uint64_t ts,
	    const uint8_t key[WEFT_PK_BYTES], bool *in);
int	weft__store_maint_ever(struct weft_store *s, MDB_txn *txn,
	    const uint8_t lib[ID], const uint8_t key[WEFT_PK_BYTES],
	    bool *ever);
/*
 * Puts the comments, reactions and makes of a store written before they
 * joined their design's author's scope into it, once (marked in meta).
 */
int	weft__store_scopes_social_backfill(struct weft_store *s,
	    MDB_txn *txn);
/*
 * Calls cb with the members (ts, id) of a scope (kind and id as for
 * weft_store_recon_begin_scope()) from the newest, until cb returns
 * non-zero (returned; 1 conventionally: found) or none is left (0).
 * cb must not write.
 */
typedef int weft__store_scope_cb(void *arg, uint64_t ts,
    const uint8_t id[ID]);
int	weft__store_scope_walk_back(struct weft_store *s, MDB_txn *txn,
	    int kind, const uint8_t id[ID], weft__store_scope_cb *cb,
	    void *arg);
/*
 * Brings design (its revisions, community records and grants) into
 * (sign 1) or out of (-1) lib's scope, its `design_lib` row with it.
 */
int	weft__store_scope_design(struct weft_store *s, MDB_txn *txn,
	    const uint8_t lib[ID], const uint8_t design[ID], int sign);

/*
 * Moderation (store_moderation.c): weft__store_mod_check() is WEFT_EBLOCKED
 * when record r (id) is by a blocked author or concerns a blocked design,
 * and then sets by to the blocked author or design;
 * weft__store_label_index() indexes a label under its target unless a
 * later one of the same (author, target, label) is in force, replacing
 * an earlier one (latest wins); weft__store_label_drop() takes label r
 * (id) out of the index, *was saying whether it was in force there.
 */
int	weft__store_mod_check(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID], uint8_t by[ID]);
int	weft__store_label_index(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_label_drop(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID], bool *was);
/*
 * What a block took out or refused (store_moderation.c): _put() notes
 * record id under the blocked author or design target; _release() drops
 * every note of target (its block lifted). weft__store_take_out() (in
 * store_ingest.c) takes out the records ids[0..n) still here as a
 * retract would, without tombstones, and purges their files.
 */
int	weft__store_blocked_put(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], const uint8_t target[ID]);
int	weft__store_blocked_release(struct weft_store *s, MDB_txn *txn,
	    const uint8_t target[ID]);
int	weft__store_take_out(struct weft_store *s, MDB_txn *txn,
	    const uint8_t (*ids)[ID], size_t n, uint64_t *taken);
/*
 * Which designs hold which files (store_moderation.c), for labels on a
 * file: _put() indexes revision r (id; other records are ignored);
 * _walk() calls cb with each design holding file hash key (by 'h'), in
 * id order, or each file hash of design key (by 'd'), in hash order,
 * stopping at its first non-zero
 * return; _backfill() indexes a store written before the table, once.
 */
int	weft__store_file_design_put(struct weft_store *s, MDB_txn *txn,
	    const struct weft_record *r, const uint8_t id[ID]);
int	weft__store_file_design_walk(struct weft_store *s, MDB_txn *txn,
	    int by, const uint8_t key[ID], int (*cb)(void *, const uint8_t *),
	    void *arg);
int	weft__store_file_design_backfill(struct weft_store *s, MDB_txn *txn);
/*
 * The upgrade from format 9 (store_moderation.c): upgrade10() marks the
 * conversion of format 9's keys pending (in the open transaction);
 * step(), a weft__store_write_cb, converts the next
 * weft__store_fd_rebuild_n of them and clears the mark after the last;
 * pending() is 0 while marked, else WEFT_ENOTFOUND.
 */
int	weft__store_fd_upgrade10(struct weft_store *s, MDB_txn *txn);
int	weft__store_fd_rebuild_step(struct weft_store *s, MDB_txn *txn,
	    void *arg);
int	weft__store_fd_rebuild_pending(struct weft_store *s, MDB_txn *txn);
extern size_t	weft__store_fd_rebuild_n;
/* Tests: steps weft_store_open() runs before it fails (-1: all). */
extern int	weft__store_fd_rebuild_stop;

/*
 * Tombstones (store_tomb.c): get (0, WEFT_ENOTFOUND), put (a tombstone
 * already there stays), del.
 */
int	weft__store_tomb_get(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], struct weft_store_tomb *t);
int	weft__store_tomb_put(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID], const struct weft_store_tomb *t);
int	weft__store_tomb_del(struct weft_store *s, MDB_txn *txn,
	    const uint8_t id[ID]);

/*
 * The targeted purge of a retraction (store_purge.c): deletes the chunk
 * lists idx[0..n) and their chunks, except those any file of a record
 * still stored uses; *chunks and *bytes count what went. gone (if not
 * NULL) is called for each of idx no kept file uses, before anything is
 * deleted (a file that goes stops being wanted: its index is still
 * there to read).
 */
typedef int weft__store_purge_cb(struct weft_store *s, MDB_txn *txn,
    const uint8_t index[ID], void *arg);
int	weft__store_purge(struct weft_store *s, MDB_txn *txn,
	    const uint8_t (*idx)[ID], size_t n, weft__store_purge_cb *gone,
	    void *arg, uint64_t *chunks, uint64_t *bytes);

#endif
