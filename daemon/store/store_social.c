/*
 * Community records (docs/proto/records.md: profile, comment, reaction):
 * the tables ingest keeps for them, and the queries that read them
 * (layout in docs/proto/store.md, "Community"):
 *
 *   profiles  author -> ts || id                   the latest profile
 *   social    design || kind || ts || id -> ""     comments ('c'),
 *                                                  reactions ('r') and
 *                                                  makes ('m') of it
 *   reacts    design || author -> ts || id || v    each author's latest
 *                                                  reaction (v 1 = like)
 *   scount    design -> likes || comments || makes || remixes be64
 *                                                  each (values of 24
 *                                                  bytes: no remixes)
 *   csort     kind || count be64 || created be64 || design -> ""
 *                                                  designs by a count
 *                                                  ('l' likes, 'm'
 *                                                  makes, 'x' remixes),
 *                                                  counts above 0 only
 *
 * "Latest" is the greatest (ts, id), so every node ends with the same
 * answer whatever order the records came in. A comment that edits an
 * earlier one (replaces) is not counted again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_mods.h"

#define REACT_LEN	(8 + ID + 1)
#define CSORT_KEY	(1 + 8 + DKEY)
#define SOCIAL_KEY	(ID + 1 + 8 + ID)

/* True if (ts, id) comes after the (ts || id) stored in old. */
static int
is_later(uint64_t ts, const uint8_t id[ID], const uint8_t *old)
{
	uint64_t	ots = be64dec(old);

	if (ts != ots)
		return ts > ots;
	return memcmp(id, old + 8, ID) > 0;
}

/* The csort kind of count i, or 0 for a count no index sorts by. */
static uint8_t
csort_kind(size_t i)
{
	static const uint8_t kinds[WEFT_COUNT_KINDS] = {
		[WEFT_COUNT_LIKES] = 'l',
		[WEFT_COUNT_MAKES] = 'm',
		[WEFT_COUNT_REMIXES] = 'x',
	};

	return kinds[i];
}

static void
csort_key(uint8_t k[CSORT_KEY], uint8_t kind, uint64_t n,
    const uint8_t dk[DKEY])
{
	k[0] = kind;
	be64enc(k + 1, n);
	memcpy(k + 9, dk, DKEY);
}

/* Moves design dk in the csort index of count i from n0 to n1. */
static int
csort_move(struct weft_store *s, MDB_txn *txn, size_t i,
    const uint8_t dk[DKEY], uint64_t n0, uint64_t n1)
{
	uint8_t	k[CSORT_KEY];
	int	err = 0;

	if (csort_kind(i) == 0 || n0 == n1)
		return 0;
	if (n0 > 0) {
		csort_key(k, csort_kind(i), n0, dk);
		err = db_del(txn, s->dbi[DB_CSORT], k, sizeof(k));
	}
	if (err == 0 && n1 > 0) {
		csort_key(k, csort_kind(i), n1, dk);
		err = db_put(txn, s->dbi[DB_CSORT], k, sizeof(k), "", 0);
	}
	return err;
}

/*
 * Writes a design's counts n, which were was, and moves it in the
 * count-ordered index if it has a design key (sorted; dk).
 */
static int
counts_write(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const uint64_t was[WEFT_COUNT_KINDS], const uint64_t n[WEFT_COUNT_KINDS],
    bool sorted, const uint8_t dk[DKEY])
{
	uint8_t	val[SCOUNT_LEN];
	int	err = 0;

	for (size_t i = 0; i < WEFT_COUNT_KINDS; i++)
		be64enc(val + 8 * i, n[i]);
	for (size_t i = 0; sorted && i < WEFT_COUNT_KINDS && err == 0; i++)
		err = csort_move(s, txn, i, dk, was[i], n[i]);
	if (err)
		return err;
	return db_put(txn, s->dbi[DB_SCOUNT], design, ID, val, sizeof(val));
}

/*
 * The count changes of a run of reactions in one batch, applied once per
 * design when the run ends (weft__store_counts_batch_flush()): a design
 * liked a hundred times in a batch is read, written and moved in csort
 * once, not a hundred times. An open-addressing table of at most
 * CB_MAX designs (then it is flushed), in cap = 2 x CB_MAX slots.
 */
#define CB_MAX	4096
#define CB_CAP	(2 * CB_MAX)

struct cb_ent {
	uint8_t		design[ID];
	uint8_t		dk[DKEY];
	uint64_t	was[WEFT_COUNT_KINDS];	/* as stored */
	uint64_t	n[WEFT_COUNT_KINDS];	/* now */
	bool		used;
	bool		sorted;			/* has a design key */
};

struct weft__counts_batch {
	struct cb_ent	*e;		/* CB_CAP slots */
	struct cb_ent	**order;	/* the used slots, to sort */
	size_t		 n;
};

int
weft__store_counts_batch_begin(struct weft_store *s)
{
	struct weft__counts_batch	*b;

	if (s->counts_batch != NULL)
		return WEFT_EUSAGE;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->e = calloc(CB_CAP, sizeof(*b->e));
	b->order = calloc(CB_MAX, sizeof(*b->order));
	if (b->e == NULL || b->order == NULL) {
		free(b->e);
		free(b->order);
		free(b);
		return -ENOMEM;
	}
	s->counts_batch = b;
	return 0;
}

void
weft__store_counts_batch_end(struct weft_store *s)
{
	if (s->counts_batch == NULL)
		return;
	free(s->counts_batch->e);
	free(s->counts_batch->order);
	free(s->counts_batch);
	s->counts_batch = NULL;
}

static int
cb_cmp(const void *a, const void *b)
{
	const struct cb_ent	*x = *(struct cb_ent *const *)a;
	const struct cb_ent	*y = *(struct cb_ent *const *)b;

	return memcmp(x->design, y->design, ID);
}

/*
 * Writes the batch's changed counts in design order and empties it;
 * nothing to do outside a batch. Anything that reads counts or csort
 * must come after (batch_put_txn() flushes before any record that is
 * not a reaction).
 */
int
weft__store_counts_batch_flush(struct weft_store *s, MDB_txn *txn)
{
	struct weft__counts_batch	*b = s->counts_batch;
	struct cb_ent			*e;
	int				 err = 0;

	if (b == NULL || b->n == 0)
		return 0;
	qsort(b->order, b->n, sizeof(b->order[0]), cb_cmp);
	for (size_t i = 0; i < b->n && err == 0; i++) {
		e = b->order[i];
		if (memcmp(e->was, e->n, sizeof(e->n)) != 0)
			err = counts_write(s, txn, e->design, e->was, e->n,
			    e->sorted, e->dk);
	}
	for (size_t i = 0; i < b->n; i++)
		b->order[i]->used = false;
	b->n = 0;
	return err;
}

/* The batch's entry for design, read from the store when new. */
static int
cb_get(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    struct cb_ent **ep)
{
	struct weft__counts_batch	*b = s->counts_batch;
	struct cb_ent			*e;
	size_t				 h;
	int				 err;

	if (b->n == CB_MAX) {
		err = weft__store_counts_batch_flush(s, txn);
		if (err)
			return err;
	}
	/* Ids are hashes: their first bytes are as good as any hash. */
	h = (size_t)be64dec(design) & (CB_CAP - 1);
	for (;;) {
		e = &b->e[h];
		if (!e->used)
			break;
		if (memcmp(e->design, design, ID) == 0) {
			*ep = e;
			return 0;
		}
		h = (h + 1) & (CB_CAP - 1);
	}
	err = weft__store_counts_get(s, txn, design, e->was);
	if (err)
		return err;
	err = weft__store_design_key(s, txn, design, e->dk);
	if (err && err != WEFT_ENOTFOUND)
		return err;
	e->sorted = err == 0;
	memcpy(e->design, design, ID);
	memcpy(e->n, e->was, sizeof(e->n));
	e->used = true;
	b->order[b->n++] = e;
	*ep = e;
	return 0;
}

/*
 * Adds d[i] to a design's counts and moves it in the count-ordered
 * index; a design not stored yet gets its index keys when its genesis
 * comes (weft__store_counts_design_new()). In a batch, the change waits
 * in the batch's table.
 */
static int
counts_add(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const int d[WEFT_COUNT_KINDS])
{
	struct cb_ent	*e;
	uint8_t		 dk[DKEY];
	uint64_t	 n[WEFT_COUNT_KINDS], was[WEFT_COUNT_KINDS];
	bool		 sorted = false;
	int		 err;

	if (s->counts_batch != NULL) {
		err = cb_get(s, txn, design, &e);
		if (err)
			return err;
		for (size_t i = 0; i < WEFT_COUNT_KINDS; i++)
			if (d[i] < 0 && e->n[i] < (uint64_t)-(int64_t)d[i])
				return WEFT_ECORRUPT;
		for (size_t i = 0; i < WEFT_COUNT_KINDS; i++)
			e->n[i] += (uint64_t)(int64_t)d[i];
		return 0;
	}
	err = weft__store_counts_get(s, txn, design, n);
	if (err)
		return err;
	memcpy(was, n, sizeof(was));
	for (size_t i = 0; i < WEFT_COUNT_KINDS; i++) {
		if (d[i] < 0 && n[i] == 0)
			return WEFT_ECORRUPT;
		n[i] += (uint64_t)(int64_t)d[i];
		if (d[i] != 0 && csort_kind(i) != 0)
			sorted = true;
	}
	if (sorted) {
		err = weft__store_design_key(s, txn, design, dk);
		if (err == WEFT_ENOTFOUND) {
			sorted = false;
			err = 0;
		}
		if (err)
			return err;
	}
	return counts_write(s, txn, design, was, n, sorted, dk);
}

/* Adds to a design's likes, comments and makes. */
static int
count_add(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    int dlikes, int dcomments, int dmakes)
{
	int	d[WEFT_COUNT_KINDS] = { 0 };

	d[WEFT_COUNT_LIKES] = dlikes;
	d[WEFT_COUNT_COMMENTS] = dcomments;
	d[WEFT_COUNT_MAKES] = dmakes;
	return counts_add(s, txn, design, d);
}

int
weft__store_count_remix(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], int delta)
{
	int	d[WEFT_COUNT_KINDS] = { 0 };

	d[WEFT_COUNT_REMIXES] = delta;
	return counts_add(s, txn, design, d);
}

/* Gives design dk its keys in the count-ordered index. */
static int
counts_design_new(struct weft_store *s, MDB_txn *txn, const uint8_t dk[DKEY])
{
	uint64_t	n[WEFT_COUNT_KINDS];
	int		err;

	err = weft__store_counts_get(s, txn, dk + 8, n);
	for (size_t i = 0; i < WEFT_COUNT_KINDS && err == 0; i++)
		err = csort_move(s, txn, i, dk, 0, n[i]);
	return err;
}

int
weft__store_counts_rev(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	struct recinfo	 pi;
	uint8_t		 key[2 * ID], dk[DKEY], seen[WEFT_PREV_MAX][ID];
	const uint8_t	*design = r->has_design ? r->design : id;
	size_t		 nseen = 0;
	bool		 dup;
	int		 err;

	/* remix: parent design || design, written after this. */
	for (uint32_t i = 0; i < r->remix_of.n; i++) {
		err = weft__store_info_get(s, txn, r->remix_of.ids[i], &pi);
		if (err)
			return err;
		if (memcmp(pi.design, design, ID) == 0)
			continue;
		dup = false;
		for (size_t j = 0; j < nseen && !dup; j++)
			dup = memcmp(seen[j], pi.design, ID) == 0;
		if (dup || nseen == WEFT_PREV_MAX)
			continue;
		memcpy(seen[nseen++], pi.design, ID);
		memcpy(key, pi.design, ID);
		memcpy(key + ID, design, ID);
		err = db_has(txn, s->dbi[DB_REMIX], key, 2 * ID);
		if (err == 0)
			continue;
		if (err != WEFT_ENOTFOUND)
			return err;
		err = weft__store_count_remix(s, txn, pi.design, 1);
		if (err)
			return err;
	}
	if (r->has_design)
		return 0;
	be64enc(dk, r->ts);
	memcpy(dk + 8, id, ID);
	return counts_design_new(s, txn, dk);
}

/*
 * Stores made before the count-ordered index (no "counts" key in meta):
 * the index is built from scount, and remixes are counted from the remix
 * table, once.
 */
int
weft__store_counts_backfill(struct weft_store *s, MDB_txn *txn)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 dk[DKEY], last[ID];
	uint64_t	 n[WEFT_COUNT_KINDS];
	int		 err, rc, d[WEFT_COUNT_KINDS] = { 0 };

	err = db_has(txn, s->dbi[DB_META], "counts", 6);
	if (err != WEFT_ENOTFOUND)
		return err;
	err = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_SCOUNT], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = weft__store_counts_get(s, txn, k.mv_data, n);
		if (err == 0)
			err = weft__store_design_key(s, txn, k.mv_data, dk);
		for (size_t i = 0; i < WEFT_COUNT_KINDS && err == 0; i++)
			err = csort_move(s, txn, i, dk, 0, n[i]);
		if (err == WEFT_ENOTFOUND)
			err = 0;
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	if (err)
		return err;
	/* remix: parent design || remix design; one count per pair. */
	rc = mdb_cursor_open(txn, s->dbi[DB_REMIX], &c);
	if (rc)
		return weft__store_xlat(rc);
	d[WEFT_COUNT_REMIXES] = 1;
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != 2 * ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(last, k.mv_data, ID);
		err = counts_add(s, txn, last, d);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	if (err)
		return err;
	return db_put(txn, s->dbi[DB_META], "counts", 6, "\x01", 1);
}

static int
social_put(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t id[ID], uint8_t kind)
{
	uint8_t	key[SOCIAL_KEY];

	memcpy(key, r->design, ID);
	key[ID] = kind;
	be64enc(key + ID + 1, r->ts);
	memcpy(key + ID + 1 + 8, id, ID);
	return store_put(s, txn, DB_SOCIAL, key, sizeof(key), "", 0);
}

static int
index_profile(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t id[ID])
{
	MDB_val	v;
	uint8_t	val[LATEST_LEN];
	int	err;

	err = db_get(txn, s->dbi[DB_PROFILES], r->author, ID, &v);
	if (err == 0) {
		if (v.mv_size != LATEST_LEN)
			return WEFT_ECORRUPT;
		if (!is_later(r->ts, id, v.mv_data))
			return 0;
	} else if (err != WEFT_ENOTFOUND)
		return err;
	be64enc(val, r->ts);
	memcpy(val + 8, id, ID);
	return db_put(txn, s->dbi[DB_PROFILES], r->author, ID, val,
	    sizeof(val));
}

static int
index_reaction(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	uint8_t		 key[2 * ID], val[REACT_LEN];
	int		 err, rc, was = 0, now = r->value[0] != '\0';

	err = social_put(s, txn, r, id, 'r');
	if (err)
		return err;
	memcpy(key, r->design, ID);
	memcpy(key + ID, r->author, ID);
	/*
	 * Read and written through the transaction's cursor: the put finds
	 * the key on the leaf the read left it on, without a descent.
	 */
	err = store_cursor(s, txn, DB_REACTS, &c);
	if (err)
		return err;
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == 0) {
		if (v.mv_size != REACT_LEN)
			return WEFT_ECORRUPT;
		if (!is_later(r->ts, id, v.mv_data))
			return 0;
		was = ((const uint8_t *)v.mv_data)[8 + ID] == 1;
	} else if (rc != MDB_NOTFOUND)
		return weft__store_xlat(rc);
	be64enc(val, r->ts);
	memcpy(val + 8, id, ID);
	val[8 + ID] = (uint8_t)now;
	k.mv_size = sizeof(key);
	k.mv_data = key;
	v.mv_size = sizeof(val);
	v.mv_data = val;
	err = weft__store_xlat(mdb_cursor_put(c, &k, &v, 0));
	if (err || was == now)
		return err;
	return count_add(s, txn, r->design, now - was, 0, 0);
}

int
weft__store_social_index(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	int	err;

	switch (r->type) {
	case WEFT_REC_PROFILE:
		return index_profile(s, txn, r, id);
	case WEFT_REC_COMMENT:
		err = social_put(s, txn, r, id, 'c');
		if (err == 0 && r->replaces.n == 0)
			err = count_add(s, txn, r->design, 0, 1, 0);
		return err;
	case WEFT_REC_MAKE:
		err = social_put(s, txn, r, id, 'm');
		if (err == 0)
			err = count_add(s, txn, r->design, 0, 0, 1);
		return err;
	case WEFT_REC_REACTION:
		return index_reaction(s, txn, r, id);
	default:
		return WEFT_EUSAGE;
	}
}

int
weft_store_profile(struct weft_store *s, const uint8_t author[ID],
    struct weft_buf *out)
{
	MDB_txn	*txn;
	MDB_val	 v, env;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_PROFILES], author, ID, &v);
	if (err == 0 && v.mv_size != LATEST_LEN)
		err = WEFT_ECORRUPT;
	if (err == 0) {
		err = weft__store_rec_get(s, txn,
		    (const uint8_t *)v.mv_data + 8, &env);
		if (err == WEFT_ENOTFOUND)
			err = WEFT_ECORRUPT;
	}
	if (err == 0)
		err = weft_buf_add(out, env.mv_data, env.mv_size);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_design_counts(struct weft_store *s, const uint8_t design[ID],
    uint64_t n[WEFT_COUNT_KINDS])
{
	MDB_txn	*txn;
	int	 err;

	memset(n, 0, WEFT_COUNT_KINDS * sizeof(n[0]));
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_counts_get(s, txn, design, n);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_social_counts(struct weft_store *s, const uint8_t design[ID],
    uint64_t *likes, uint64_t *comments, uint64_t *makes)
{
	uint64_t	n[WEFT_COUNT_KINDS];
	int		err;

	err = weft_store_design_counts(s, design, n);
	*likes = n[WEFT_COUNT_LIKES];
	*comments = n[WEFT_COUNT_COMMENTS];
	*makes = n[WEFT_COUNT_MAKES];
	return err;
}

int
weft_store_reaction(struct weft_store *s, const uint8_t design[ID],
    const uint8_t author[ID], bool *likes, uint64_t *ts)
{
	MDB_txn	*txn;
	MDB_val	 v;
	uint8_t	 key[2 * ID];
	int	 err;

	*likes = false;
	*ts = 0;
	memcpy(key, design, ID);
	memcpy(key + ID, author, ID);
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_REACTS], key, sizeof(key), &v);
	if (err == 0) {
		if (v.mv_size == REACT_LEN) {
			*likes = ((const uint8_t *)v.mv_data)[8 + ID] == 1;
			*ts = be64dec(v.mv_data);
		} else
			err = WEFT_ECORRUPT;
	}
	weft__store_read_end(s, txn);
	return err;
}

static int
social_walk(struct weft_store *s, const uint8_t design[ID], uint8_t kind,
    weft_store_item_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v, env;
	uint8_t		 pfx[ID + 1], id[ID];
	int		 err, rc;

	memcpy(pfx, design, ID);
	pfx[ID] = kind;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_SOCIAL], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	err = weft__store_cur_first(c, pfx, sizeof(pfx), &k, &v);
	while (err == 0) {
		if (k.mv_size != SOCIAL_KEY) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(id, (const uint8_t *)k.mv_data + ID + 1 + 8, ID);
		err = weft__store_rec_get(s, txn, id, &env);
		if (err) {
			err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
			break;
		}
		err = cb(arg, id, env.mv_data, env.mv_size);
		if (err)
			break;
		err = weft__store_cur_step(c, pfx, sizeof(pfx), &k, &v,
		    MDB_NEXT);
	}
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft_store_design_comments(struct weft_store *s, const uint8_t design[ID],
    weft_store_item_cb *cb, void *arg)
{
	return social_walk(s, design, 'c', cb, arg);
}

int
weft_store_design_makes(struct weft_store *s, const uint8_t design[ID],
    weft_store_item_cb *cb, void *arg)
{
	return social_walk(s, design, 'm', cb, arg);
}

/* Whether the author in an author-scope key (0x01 || author ...) has the
 * nhex hex digits of lo as its prefix. */
static int
author_match(const MDB_val *k, const uint8_t *lo, size_t nhex)
{
	const uint8_t	*p = k->mv_data;
	size_t		 nb = nhex / 2;

	if (k->mv_size < 1 + ID || p[0] != WEFT_STORE_SCOPE_AUTHOR ||
	    memcmp(p + 1, lo, nb) != 0)
		return 0;
	return nhex % 2 == 0 || (p[1 + nb] >> 4) == (lo[nb] >> 4);
}

/*
 * Authors are those with a record here: the author scopes of recon_mem
 * (0x01 || author || ts || id) hold every one, each many times, so the
 * second match is looked for after the last key of the first author.
 */
int
weft_store_author_resolve(struct weft_store *s, const char *prefix,
    uint8_t author[ID])
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 lo[ID], key[1 + ID];
	size_t		 n;
	int		 err, rc, x, i;

	n = strnlen(prefix, 2 * ID + 1);
	if (n < 8 || n > 2 * ID)
		return WEFT_EUSAGE;
	memset(lo, 0, sizeof(lo));
	for (size_t j = 0; j < n; j++) {
		x = weft_hex_digit(prefix[j]);
		if (x < 0)
			return WEFT_EUSAGE;
		lo[j / 2] |= (uint8_t)(j % 2 ? x : x << 4);
	}
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_RMEM], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	key[0] = WEFT_STORE_SCOPE_AUTHOR;
	memcpy(key + 1, lo, ID);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc) {
		err = weft__store_xlat(rc);
	} else if (!author_match(&k, lo, n)) {
		err = WEFT_ENOTFOUND;
	} else {
		memcpy(author, (const uint8_t *)k.mv_data + 1, ID);
		/* The next author: this one plus 1, as a number. */
		memcpy(key + 1, author, ID);
		for (i = ID; i >= 1 && ++key[i] == 0; i--)
			;
		if (i == 0)
			goto out;	/* author was ff...ff: none after */
		k.mv_size = sizeof(key);
		k.mv_data = key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && author_match(&k, lo, n))
			err = WEFT_EAMBIGUOUS;
		else if (rc != 0 && rc != MDB_NOTFOUND)
			err = weft__store_xlat(rc);
	}
out:
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}

int
weft__store_profile_set(struct weft_store *s, MDB_txn *txn,
    const uint8_t author[ID], uint64_t ts, const uint8_t id[ID])
{
	MDB_val	v;
	uint8_t	val[LATEST_LEN];
	int	err;

	err = db_get(txn, s->dbi[DB_PROFILES], author, ID, &v);
	if (err == 0) {
		if (v.mv_size != LATEST_LEN)
			return WEFT_ECORRUPT;
		if (!is_later(ts, id, v.mv_data))
			return 0;
	} else if (err != WEFT_ENOTFOUND)
		return err;
	be64enc(val, ts);
	memcpy(val + 8, id, ID);
	return db_put(txn, s->dbi[DB_PROFILES], author, ID, val, sizeof(val));
}

/*
 * The latest reaction of author to design still indexed (the one taken
 * back has left social already) back in force in reacts, counted: the
 * design's reactions walked from the newest, each id's info read until
 * one by author. None: no row.
 */
static int
reaction_restore(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const uint8_t author[ID])
{
	struct weft_record	 r;
	struct recinfo		 ri;
	const uint8_t		*body, *sig, *p;
	MDB_cursor		*c;
	MDB_val			 k, v, env;
	size_t			 blen;
	uint8_t			 pfx[ID + 1], key[2 * ID], val[REACT_LEN];
	int			 err, rc, like;

	memcpy(pfx, design, ID);
	pfx[ID] = 'r';
	rc = mdb_cursor_open(txn, s->dbi[DB_SOCIAL], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_last(c, pfx, sizeof(pfx), &k, &v);
	for (; err == 0; err = weft__store_cur_step(c, pfx, sizeof(pfx), &k,
	    &v, MDB_PREV)) {
		if (k.mv_size != SOCIAL_KEY) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = (const uint8_t *)k.mv_data + ID + 1;
		err = weft__store_info_get(s, txn, p + 8, &ri);
		if (err == WEFT_ENOTFOUND)
			continue;
		if (err)
			break;
		if (memcmp(ri.author, author, WEFT_PK_BYTES) == 0)
			break;
	}
	if (err) {
		mdb_cursor_close(c);
		return err == WEFT_ENOTFOUND ? 0 : err;
	}
	memcpy(val, p, 8 + ID);
	mdb_cursor_close(c);
	err = weft__store_rec_get(s, txn, val + 8, &env);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	weft_record_init(&r);
	if (weft_record_open(env.mv_data, env.mv_size, &body, &blen,
	    &sig) != 0 || weft_record_decode_body(body, blen, &r) != 0 ||
	    r.type != WEFT_REC_REACTION) {
		weft_record_release(&r);
		return WEFT_ECORRUPT;
	}
	like = r.value[0] != '\0';
	weft_record_release(&r);
	val[8 + ID] = (uint8_t)like;
	memcpy(key, design, ID);
	memcpy(key + ID, author, ID);
	err = db_put(txn, s->dbi[DB_REACTS], key, sizeof(key), val,
	    sizeof(val));
	if (err == 0 && like)
		err = count_add(s, txn, design, 1, 0, 0);
	return err;
}

/*
 * Record r (id) was retracted: it leaves the indexes. A reaction that
 * was its author's latest gives way to the latest one still stored
 * (latest-wins among those not taken back), counted again: taking back
 * a like unlikes unless an earlier like stands. A profile that was the
 * latest leaves no row: ingest finds the one to put back in force
 * (store_latest.c, weft__store_profile_set()).
 */
int
weft__store_social_drop(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	uint8_t	key[SOCIAL_KEY];
	MDB_val	v;
	int	err, kind;

	if (r->type == WEFT_REC_PROFILE) {
		err = db_get(txn, s->dbi[DB_PROFILES], r->author, ID, &v);
		if (err)
			return err == WEFT_ENOTFOUND ? 0 : err;
		if (v.mv_size != LATEST_LEN)
			return WEFT_ECORRUPT;
		if (memcmp((const uint8_t *)v.mv_data + 8, id, ID) != 0)
			return 0;
		return db_del(txn, s->dbi[DB_PROFILES], r->author, ID);
	}
	kind = r->type == WEFT_REC_COMMENT ? 'c' :
	    r->type == WEFT_REC_MAKE ? 'm' : 'r';
	memcpy(key, r->design, ID);
	key[ID] = (uint8_t)kind;
	be64enc(key + ID + 1, r->ts);
	memcpy(key + ID + 1 + 8, id, ID);
	err = db_has(txn, s->dbi[DB_SOCIAL], key, sizeof(key));
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	err = db_del(txn, s->dbi[DB_SOCIAL], key, sizeof(key));
	if (err)
		return err;
	if (kind == 'c')
		return r->replaces.n == 0 ?
		    count_add(s, txn, r->design, 0, -1, 0) : 0;
	if (kind == 'm')
		return count_add(s, txn, r->design, 0, 0, -1);
	memcpy(key, r->design, ID);
	memcpy(key + ID, r->author, ID);
	err = db_get(txn, s->dbi[DB_REACTS], key, 2 * ID, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	if (v.mv_size != REACT_LEN)
		return WEFT_ECORRUPT;
	if (memcmp((const uint8_t *)v.mv_data + 8, id, ID) != 0)
		return 0;
	kind = ((const uint8_t *)v.mv_data)[8 + ID] == 1;
	err = db_del(txn, s->dbi[DB_REACTS], key, 2 * ID);
	if (err == 0 && kind)
		err = count_add(s, txn, r->design, -1, 0, 0);
	if (err == 0)
		err = reaction_restore(s, txn, r->design, r->author);
	return err;
}
