/*
 * Opening and closing the store: the kernel's environment (store.c),
 * then the format check and the upgrades of older formats, which move
 * base rows and rebuild the tables of the index modules, so this file
 * sits above them, beside ingest (docs/DESIGN.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"

#include "store_impl.h"
#include "store_mods.h"

#define STORE_VERSION		12	/* 11: genesis keys of drevs and
					   dheads 80 bytes;
					   10: summaries as control maps,
					   no idshare;
					   9: file_design's 65-byte keys;
					   8: words' postings in `words`;
					   7: no design-ordered lists;
					   6: chunk bytes in LMDB;
					   5: words unranked, no file names;
					   4: aggregates from level 0;
					   3: records keyed by id, dwords per word;
					   2: no author/lib scopes;
					   1: words keyed without created */

/* Deletes database name of an older format, if it is there. */
static int
db_drop_old(MDB_txn *txn, const char *name)
{
	MDB_dbi	dbi;
	int	rc;

	rc = mdb_dbi_open(txn, name, 0, &dbi);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0)
		rc = mdb_drop(txn, dbi, 1);
	return weft__store_xlat(rc);
}

/*
 * Version 3 and older kept envelopes in "records" keyed by id, the
 * (ts, id) order in "all", and each author's records in "by_author"
 * (author || ts || id, which recon_mem's author scopes hold too): move
 * the envelopes to "recs", keyed ts || id (the ts from info), and drop
 * the three old databases.
 */
static int
records_migrate(struct weft_store *s, MDB_txn *txn)
{
	struct recinfo	 ri;
	MDB_dbi		 old;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[8 + ID];
	int		 rc, err = 0;

	rc = mdb_dbi_open(txn, "records", 0, &old);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0)
		rc = mdb_cursor_open(txn, old, &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = weft__store_info_get(s, txn, k.mv_data, &ri);
		if (err) {
			err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
			break;
		}
		weft__store_rec_key(key, ri.ts, k.mv_data);
		err = db_put(txn, s->dbi[DB_RECORDS], key, sizeof(key),
		    v.mv_data, v.mv_size);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err)
		return err;
	if (rc != MDB_NOTFOUND)
		return weft__store_xlat(rc);
	err = weft__store_xlat(mdb_drop(txn, old, 1));
	if (err == 0)
		err = db_drop_old(txn, "all");
	if (err == 0)
		err = db_drop_old(txn, "by_author");
	return err;
}

/*
 * Version 3 and older keyed a design's own indexes by its id: "designs"
 * (design -> summary), "by_design" and "heads" (design || ts || rev),
 * with "design_time" (created || design) for the order. Copy them to
 * dsum, drevs and dheads under DKEY (created from the genesis's info)
 * and drop the four.
 */
static int
designs_migrate(struct weft_store *s, MDB_txn *txn)
{
	static const char *const from[] = { "designs", "by_design", "heads" };
	static const int to[] = { DB_DESIGNS, DB_BY_DESIGN, DB_HEADS };
	MDB_dbi		 old;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[DKEY + 8 + ID], last[ID];
	int		 rc, err = 0, have = 0;

	for (int i = 0; i < 3 && err == 0; i++) {
		rc = mdb_dbi_open(txn, from[i], 0, &old);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc == 0)
			rc = mdb_cursor_open(txn, old, &c);
		if (rc)
			return weft__store_xlat(rc);
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		while (rc == 0) {
			if (k.mv_size != (i == 0 ? ID : 2 * ID + 8)) {
				err = WEFT_ECORRUPT;
				break;
			}
			/* Keys come in design order: look each up once. */
			if (!have || memcmp(last, k.mv_data, ID) != 0) {
				err = weft__store_design_key(s, txn,
				    k.mv_data, key);
				if (err) {
					err = err == WEFT_ENOTFOUND ?
					    WEFT_ECORRUPT : err;
					break;
				}
				memcpy(last, k.mv_data, ID);
				have = 1;
			}
			memcpy(key + DKEY, (uint8_t *)k.mv_data + ID,
			    k.mv_size - ID);
			err = db_put(txn, s->dbi[to[i]], key,
			    DKEY + k.mv_size - ID, v.mv_data, v.mv_size);
			if (err)
				break;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		mdb_cursor_close(c);
		if (err == 0 && rc != MDB_NOTFOUND)
			err = weft__store_xlat(rc);
		if (err == 0)
			err = weft__store_xlat(mdb_drop(txn, old, 1));
	}
	/* design_time: dsum's keys are its keys. */
	return err ? err : db_drop_old(txn, "design_time");
}

/*
 * Seed receipts kept before scope all held them (and any row without
 * its `receipt_ids` entry) join their scopes once, in transactions of
 * weft__store_rscope_step rows, resumably: meta `receipt_scopes` holds
 * the last key done, and is empty when all are (a new store starts so).
 * Joining is idempotent: a step cut short and run again adds nothing
 * twice.
 */
#define RSCOPE_KEY	"receipt_scopes"

size_t	weft__store_rscope_step = 4096;

static int
rscope_cb(void *arg, struct weft_store *s, MDB_txn *txn,
    const uint8_t key[3 * ID], const uint8_t *author, uint64_t ts,
    const uint8_t id[ID])
{
	(void)arg;
	return weft__store_scopes_receipt(s, txn, key, author, ts, id, 1);
}

static int
rscope_step(struct weft_store *s, MDB_txn *txn, void *arg)
{
	bool	*done = arg;
	uint8_t	 after[3 * ID], last[3 * ID];
	size_t	 n;
	MDB_val	 v;
	int	 err, have;

	*done = false;
	err = db_get(txn, s->dbi[DB_META], RSCOPE_KEY, strlen(RSCOPE_KEY),
	    &v);
	if (err == 0 && v.mv_size == 0) {
		*done = true;
		return 0;
	}
	if (err == 0 && v.mv_size != sizeof(after))
		return WEFT_ECORRUPT;
	if (err != 0 && err != WEFT_ENOTFOUND)
		return err;
	have = err == 0;
	if (have)
		memcpy(after, v.mv_data, sizeof(after));
	err = weft__store_receipts_step(s, txn, have ? after : NULL,
	    weft__store_rscope_step, rscope_cb, NULL, last, &n);
	if (err)
		return err;
	if (weft__store_rscope_stop == 0)
		return WEFT_EUSAGE;	/* a test's crash */
	if (weft__store_rscope_stop > 0)
		weft__store_rscope_stop--;
	*done = n < weft__store_rscope_step;
	if (*done)
		return db_put(txn, s->dbi[DB_META], RSCOPE_KEY,
		    strlen(RSCOPE_KEY), "", 0);
	return db_put(txn, s->dbi[DB_META], RSCOPE_KEY, strlen(RSCOPE_KEY),
	    last, sizeof(last));
}

/* Whether the backfill has rows left (a read: no write when done). */
static bool
rscope_pending(struct weft_store *s)
{
	MDB_txn	*txn;
	MDB_val	 v;
	bool	 pending = true;

	if (weft__store_read_begin(s, &txn) != 0)
		return true;	/* the step will say */
	if (db_get(txn, s->dbi[DB_META], RSCOPE_KEY, strlen(RSCOPE_KEY),
	    &v) == 0 && v.mv_size == 0)
		pending = false;
	weft__store_read_end(s, txn);
	return pending;
}

static int
open_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	MDB_stat	 st;
	MDB_val		 v;
	uint8_t		 ver[4];
	int		 rc, err;

	(void)arg;
	err = weft__store_dbis_open(s, txn);
	if (err == 0)
		err = weft__store_packs_open(s, txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_META], "version", 7, &v);
	if (err == 0) {
		if (v.mv_size != 4)
			return WEFT_ECORRUPT;
		memcpy(ver, v.mv_data, 4);
		if (ver[0] != 0 || ver[1] != 0 || ver[2] != 0 ||
		    ver[3] < 1 || ver[3] > STORE_VERSION)
			return WEFT_EVERSION;
		/*
		 * Up to version 6 the chunks' bytes were in LMDB: first, so
		 * that every later step finds them where they are now.
		 */
		if (ver[3] < 7)
			err = weft__store_packs_migrate(s, txn);
		/* Up to version 3, records were keyed by id alone. */
		if (err == 0 && ver[3] < 4)
			err = records_migrate(s, txn);
		if (err == 0 && ver[3] < 4)
			err = designs_migrate(s, txn);
		/* Up to version 4, aggregates had levels 0-2 too. */
		if (err == 0 && ver[3] < 5)
			err = weft__store_ragg_drop_low(s, txn);
		if (err == 0)
			err = weft__store_ragg_backfill(s, txn);
		if (err == 0)
			err = weft__store_counts_backfill(s, txn);
		if (err == 0)
			err = weft__store_file_design_backfill(s, txn);
		if (err == 0)
			err = weft__store_scopes_social_backfill(s, txn);
		if (err || ver[3] == STORE_VERSION)
			return err;
		/*
		 * Up to version 8 `words` held every word's postings, up to
		 * 7 there were no design numbers or design-ordered lists
		 * (up to 5 no ranks, file names or types, and older ones
		 * other keys): rebuild the word index.
		 */
		if (ver[3] < 9)
			err = weft__store_search_upgrade9(s, txn);
		/* Up to version 9 file_design held 65-byte keys. */
		if (err == 0 && ver[3] < 10)
			err = weft__store_fd_upgrade10(s, txn);
		/* Version 2 had reconciliation scope "all" only. */
		if (err == 0 && ver[3] < 3)
			err = weft__store_scopes_rebuild(s, txn);
		/*
		 * Up to version 10 `dsum` held control maps, and there was
		 * no `idshare`: fill it now, and rewrite the summaries
		 * step by step after this transaction.
		 */
		if (err == 0 && ver[3] < 11)
			err = weft__store_idshare_rebuild(s, txn);
		if (err == 0 && ver[3] < 11)
			err = weft__store_dsum_upgrade11(s, txn);
		/*
		 * Up to version 11 a genesis's keys of `drevs` and `dheads`
		 * were long ones: shortened step by step after this
		 * transaction.
		 */
		if (err == 0 && ver[3] < 12)
			err = weft__store_revs_upgrade12(s, txn);
		if (err)
			return err;
		ver[3] = STORE_VERSION;
		return db_put(txn, s->dbi[DB_META], "version", 7, ver, 4);
	}
	if (err != WEFT_ENOTFOUND)
		return err;
	/* No version: only an empty store may be initialised. */
	rc = mdb_stat(txn, s->dbi[DB_RECORDS], &st);
	if (rc)
		return weft__store_xlat(rc);
	if (st.ms_entries != 0)
		return WEFT_ECORRUPT;
	ver[0] = ver[1] = ver[2] = 0;
	ver[3] = STORE_VERSION;
	err = weft__store_counts_backfill(s, txn);	/* marks it */
	if (err == 0)
		err = weft__store_file_design_backfill(s, txn);
	if (err == 0)
		err = weft__store_scopes_social_backfill(s, txn);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_META], RSCOPE_KEY,
		    strlen(RSCOPE_KEY), "", 0);
	if (err)
		return err;
	return db_put(txn, s->dbi[DB_META], "version", 7, ver, 4);
}

int	weft__store_rebuild_stop = -1;
int	weft__store_rscope_stop = -1;

/* 0 while the rebuild of the word index is pending, else ENOTFOUND. */
static int
rebuild_pending(struct weft_store *s)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_words_rebuild_pending(s, txn);
	weft__store_read_end(s, txn);
	return err;
}

int	weft__store_dsum_stop = -1;
int	weft__store_revs_stop = -1;

/* 0 while the short genesis keys' upgrade is pending, else ENOTFOUND. */
static int
revs_pending(struct weft_store *s)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_revs_upgrade_pending(s, txn);
	weft__store_read_end(s, txn);
	return err;
}

/* 0 while the summaries' rewrite is pending, else ENOTFOUND. */
static int
dsum_pending(struct weft_store *s)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_dsum_upgrade_pending(s, txn);
	weft__store_read_end(s, txn);
	return err;
}

/* 0 while file_design's conversion is pending, else ENOTFOUND. */
static int
fd_rebuild_pending(struct weft_store *s)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_fd_rebuild_pending(s, txn);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_open(struct weft_store **sp, const char *dir,
    const struct weft_store_opts *opts)
{
	struct weft_store	*s;
	int			 err;

	*sp = NULL;
	err = weft__store_env_open(&s, dir, opts != NULL ? opts->map_size : 0);
	if (err)
		return err;
	s->clock = opts != NULL ? opts->clock : NULL;
	if (opts != NULL) {
		weft__store_packs_target(s, opts->pack_target);
		weft__store_packs_buffered(s, opts->pack_buffered);
	}
	s->use_step_ms = opts != NULL && opts->use_step_ms != 0 ?
	    opts->use_step_ms : WEFT_STORE_USE_STEP_MS;
	err = weft__store_write(s, open_txn, NULL);
	/* The summaries' rewrite (format 11), if one is due: in steps. */
	while (err == 0 && (err = dsum_pending(s)) == 0) {
		if (weft__store_dsum_stop == 0) {
			err = WEFT_EUSAGE;	/* a test's crash */
			break;
		}
		if (weft__store_dsum_stop > 0)
			weft__store_dsum_stop--;
		err = weft__store_write(s, weft__store_dsum_upgrade_step,
		    NULL);
	}
	if (err == WEFT_ENOTFOUND)
		err = 0;
	/*
	 * drevs' and dheads' genesis keys (format 12): before the word
	 * index's rebuild and file_design's conversion, which read them.
	 */
	while (err == 0 && (err = revs_pending(s)) == 0) {
		if (weft__store_revs_stop == 0) {
			err = WEFT_EUSAGE;	/* a test's crash */
			break;
		}
		if (weft__store_revs_stop > 0)
			weft__store_revs_stop--;
		err = weft__store_write(s, weft__store_revs_upgrade_step,
		    NULL);
	}
	if (err == WEFT_ENOTFOUND)
		err = 0;
	/* The word index's rebuild, if one is due: step by step. */
	while (err == 0 && (err = rebuild_pending(s)) == 0) {
		if (weft__store_rebuild_stop == 0) {
			err = WEFT_EUSAGE;	/* a test's crash */
			break;
		}
		if (weft__store_rebuild_stop > 0)
			weft__store_rebuild_stop--;
		err = weft__store_write(s, weft__store_words_rebuild_step,
		    NULL);
	}
	if (err == WEFT_ENOTFOUND)
		err = 0;
	/* file_design's keys of format 9, if any: step by step. */
	while (err == 0 && (err = fd_rebuild_pending(s)) == 0) {
		if (weft__store_fd_rebuild_stop == 0) {
			err = WEFT_EUSAGE;	/* a test's crash */
			break;
		}
		if (weft__store_fd_rebuild_stop > 0)
			weft__store_fd_rebuild_stop--;
		err = weft__store_write(s, weft__store_fd_rebuild_step, NULL);
	}
	if (err == WEFT_ENOTFOUND)
		err = 0;
	/* Receipts kept before scope all held them: step by step. */
	for (bool done = err != 0 || !rscope_pending(s); err == 0 && !done;)
		err = weft__store_write(s, rscope_step, &done);
	if (err) {
		weft_store_close(s);
		return err;
	}
	*sp = s;
	return 0;
}

void
weft_store_close(struct weft_store *s)
{
	if (s == NULL)
		return;
	/* Uses noted since the last gc; lost only with a crash. */
	(void)weft_store_use_flush(s);
	weft__store_ragg_batch_free(s);
	weft__store_env_close(s);
}
