/*
 * Moderation (docs/moderation.md): this node's blocks and moderators,
 * the labels ingest indexes, and the verdicts they give (layout in
 * docs/proto/store.md, "Moderation"):
 *
 *   blocks      target -> kind || ts || reason     local, not a record
 *   moderators  author -> ts                       whom this node trusts
 *   labels      target || author || id -> on || label
 *                                                  every label stored
 *
 * A target is blocked when this node blocked it, or when a moderator it
 * trusts labelled it with a label whose action is "block"; hidden when
 * such a label's action is "hide". A design is also blocked or hidden
 * through its author, and through any file it holds (by content hash,
 * below). Labels by anyone else are reports: stored, listed
 * by weft_store_reports(), and of no effect.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_mods.h"
#include "store_fdesign.h"

#define BLOCK_FIXED	(1 + 8)
#define LKEY		(ID + WEFT_PK_BYTES + ID)

/*
 * What a trusted moderator's label does here unless the config says
 * otherwise (docs/moderation.md).
 */
static const struct {
	const char	*label;
	int		 action;
} label_actions[] = {
	{ "spam", WEFT_VERDICT_BLOCK },
	{ "illegal", WEFT_VERDICT_BLOCK },
	{ "stolen-design", WEFT_VERDICT_BLOCK },
	{ "nsfw", WEFT_VERDICT_HIDE },
	{ "copyright", WEFT_VERDICT_HIDE },
};

int
weft_store_label_action_set(struct weft_store *s, const char *label,
    size_t n, int action)
{
	char	base[WEFT_LABEL_MAX + 1];
	size_t	i, bn;

	/* A removal withdraws a label and never acts itself. */
	if (weft_label_base(label, n, base, &bn) != 0 ||
	    action < WEFT_VERDICT_NONE || action > WEFT_VERDICT_BLOCK)
		return WEFT_EUSAGE;
	for (i = 0; i < s->nlabel_over; i++)
		if (strlen(s->label_over[i]) == n &&
		    memcmp(s->label_over[i], label, n) == 0)
			break;
	if (i == sizeof(s->label_act))
		return WEFT_ETOOBIG;
	memcpy(s->label_over[i], label, n);
	s->label_over[i][n] = '\0';
	s->label_act[i] = (uint8_t)action;
	if (i == s->nlabel_over)
		s->nlabel_over++;
	return 0;
}

int
weft_store_label_action(struct weft_store *s, const char *label, size_t n)
{
	const size_t	np = sizeof(WEFT_LABEL_NOT) - 1;
	char		base[WEFT_LABEL_MAX + 1];
	size_t		bn;

	if (n > np && memcmp(label, WEFT_LABEL_NOT, np) == 0 &&
	    weft_label_base(label, n, base, &bn) == 1)
		return WEFT_VERDICT_NONE;
	for (size_t i = 0; i < s->nlabel_over; i++)
		if (strlen(s->label_over[i]) == n &&
		    memcmp(s->label_over[i], label, n) == 0)
			return s->label_act[i];
	for (size_t i = 0; i < sizeof(label_actions) /
	    sizeof(label_actions[0]); i++)
		if (n == strlen(label_actions[i].label) &&
		    memcmp(label, label_actions[i].label, n) == 0)
			return label_actions[i].action;
	return WEFT_VERDICT_NONE;
}

/*
 * The verdict on target alone: a local block, else the strongest label
 * of a trusted moderator. v is left alone when there is none and only
 * raised otherwise, so that calls for a design and its author combine.
 */
static int
target_verdict(struct weft_store *s, MDB_txn *txn, const uint8_t target[ID],
    struct weft_store_verdict *v)
{
	const uint8_t	*p;
	MDB_cursor	*c;
	MDB_val		 k, val;
	int		 err, rc, act;
	size_t		 n;

	err = db_get(txn, s->dbi[DB_BLOCKS], target, ID, &val);
	if (err == 0) {
		if (val.mv_size < BLOCK_FIXED)
			return WEFT_ECORRUPT;
		v->action = WEFT_VERDICT_BLOCK;
		v->local = true;
		memcpy(v->target, target, ID);
		v->label[0] = '\0';
		return 0;
	}
	if (err != WEFT_ENOTFOUND)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_LABELS], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, target, ID, &k, &val);
	while (err == 0) {
		if (k.mv_size != LKEY || val.mv_size < 2 ||
		    val.mv_size > 1 + WEFT_LABEL_MAX) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = k.mv_data;
		n = val.mv_size - 1;
		act = weft_store_label_action(s,
		    (const char *)val.mv_data + 1, n);
		if (act > v->action) {
			err = db_has(txn, s->dbi[DB_MODERATORS], p + ID,
			    WEFT_PK_BYTES);
			if (err == 0) {
				v->action = act;
				v->local = false;
				memcpy(v->target, target, ID);
				memcpy(v->by, p + ID, WEFT_PK_BYTES);
				memcpy(v->label, (const char *)val.mv_data + 1,
				    n);
				v->label[n] = '\0';
			} else if (err != WEFT_ENOTFOUND)
				break;
		}
		err = weft__store_cur_step(c, target, ID, &k, &val, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* A file's verdict raises the design's (file_verdict's walk). */
struct file_arg {
	struct weft_store		*s;
	MDB_txn				*txn;
	struct weft_store_verdict	*v;
};

static int
file_cb(void *arg, const uint8_t *hash)
{
	struct file_arg	*a = arg;
	int		 before = a->v->action, err;

	err = target_verdict(a->s, a->txn, hash, a->v);
	if (err)
		return err;
	if (a->v->action > before)
		a->v->file = true;
	/* Nothing is stronger than a block: stop there. */
	return a->v->action == WEFT_VERDICT_BLOCK ? 1 : 0;
}

/* The verdict on the files design holds (labels on file hashes). */
static int
file_verdict(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    struct weft_store_verdict *v)
{
	struct file_arg	a = { s, txn, v };
	int		err;

	err = weft__store_file_design_walk(s, txn, 'd', design, file_cb, &a);
	return err == 1 ? 0 : err;
}

/*
 * The verdict on design (id design, by author, NULL if not known yet):
 * the design's own, raised by its author's and by its files'.
 */
static int
design_verdict(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const uint8_t *author, struct weft_store_verdict *v)
{
	struct recinfo	ri;
	MDB_val		val;
	int		err;

	memset(v, 0, sizeof(*v));
	err = target_verdict(s, txn, design, v);
	if (err || v->action == WEFT_VERDICT_BLOCK)
		return err;
	if (author == NULL) {
		err = weft__store_info_get(s, txn, design, &ri);
		if (err == WEFT_ENOTFOUND) {
			/* Taken out by a block: that block's verdict. */
			err = db_get(txn, s->dbi[DB_BLOCKED_RECS], design, ID,
			    &val);
			if (err == 0 && val.mv_size != ID)
				return WEFT_ECORRUPT;
			if (err == 0)
				err = target_verdict(s, txn, val.mv_data, v);
			else if (err == WEFT_ENOTFOUND)
				err = 0;
			if (err || v->action == WEFT_VERDICT_BLOCK)
				return err;
			return file_verdict(s, txn, design, v);
		}
		if (err)
			return err;
		author = ri.author;
	}
	err = target_verdict(s, txn, author, v);
	if (err || v->action == WEFT_VERDICT_BLOCK)
		return err;
	return file_verdict(s, txn, design, v);
}

/*
 * 1 if no target can have a verdict in txn: no local block, and no label
 * or no moderator to trust one (target_verdict() would find nothing for
 * any target); else 0, or an error. Ingest asks before each record, so
 * that a node without moderation does not walk a design's files for
 * every like (issue 17.4).
 */
static int
verdicts_none(struct weft_store *s, MDB_txn *txn)
{
	MDB_stat	st;
	int		rc;

	rc = mdb_stat(txn, s->dbi[DB_BLOCKS], &st);
	if (rc)
		return weft__store_xlat(rc);
	if (st.ms_entries != 0)
		return 0;
	rc = mdb_stat(txn, s->dbi[DB_LABELS], &st);
	if (rc)
		return weft__store_xlat(rc);
	if (st.ms_entries == 0)
		return 1;
	rc = mdb_stat(txn, s->dbi[DB_MODERATORS], &st);
	if (rc)
		return weft__store_xlat(rc);
	return st.ms_entries == 0;
}

int
weft__store_mod_check(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID], uint8_t by[ID])
{
	struct weft_store_verdict	v;
	const uint8_t			*design = NULL;
	int				err;

	err = verdicts_none(s, txn);
	if (err)
		return err > 0 ? 0 : err;
	memset(&v, 0, sizeof(v));
	err = target_verdict(s, txn, r->author, &v);
	if (err == 0 && v.action == WEFT_VERDICT_BLOCK) {
		memcpy(by, v.target, ID);
		return WEFT_EBLOCKED;
	}
	switch (r->type) {
	case WEFT_REC_REV:
		design = r->has_design ? r->design : id;
		/* A revision holding a file a moderator blocks. */
		for (uint32_t i = 0; err == 0 && i < r->nfiles; i++) {
			err = target_verdict(s, txn, r->files[i].hash, &v);
			if (err == 0 && v.action == WEFT_VERDICT_BLOCK) {
				memcpy(by, r->files[i].hash, ID);
				return WEFT_EBLOCKED;
			}
		}
		break;
	case WEFT_REC_COMMENT:
	case WEFT_REC_REACTION:
	case WEFT_REC_MAKE:
		design = r->design;
		break;
	case WEFT_REC_GRANT:
		design = r->grant_design;
		break;
	case WEFT_REC_ENTRY:
		design = r->entry_design;
		break;
	default:
		break;
	}
	if (err == 0 && design != NULL)
		err = design_verdict(s, txn, design, NULL, &v);
	if (err == 0 && v.action == WEFT_VERDICT_BLOCK) {
		memcpy(by, v.target, ID);
		return WEFT_EBLOCKED;
	}
	return err;
}

/*
 * A trusted moderator's label on target came into force or went out of
 * it: the verdict on target may have changed, and the daemon acts on it
 * (weft_store_label_due_take(): purges what a block label now blocks,
 * releases what one no longer does). Nothing for anyone else's label.
 */
static int
due_put(struct weft_store *s, MDB_txn *txn, const uint8_t *author,
    const uint8_t target[ID], int on)
{
	uint8_t	v = (uint8_t)on;
	int	err;

	if (author != NULL) {
		err = db_has(txn, s->dbi[DB_MODERATORS], author,
		    WEFT_PK_BYTES);
		if (err == WEFT_ENOTFOUND)
			return 0;
		if (err)
			return err;
	}
	s->events |= WEFT_STORE_EV_LABEL_DUE;
	return db_put(txn, s->dbi[DB_LABEL_DUE], target, ID, &v, 1);
}

/*
 * Latest wins per (moderator, target, label) (docs/proto/records.md,
 * `label`): `labels` holds, for each, only the label in force, the
 * latest by (ts, id) of those stored. A label older than the one in
 * force is stored as a record but not indexed; a newer one replaces it.
 * The walk reads the rows of (target, author) first and deletes after.
 */
#define LABEL_ROWS_MAX	64	/* rows of one (target, author) read */

int
weft__store_label_index(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	struct recinfo	 ri;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[LKEY], val[1 + WEFT_LABEL_MAX];
	uint8_t		 old[LABEL_ROWS_MAX][LKEY];
	char		 base[WEFT_LABEL_MAX + 1], rb[WEFT_LABEL_MAX + 1];
	size_t		 n = strlen(r->label), nold = 0, bn, rbn;
	int		 rc, err, newer = 0;

	/* A removal counts as the label it withdraws (latest-wins). */
	if (weft_label_base(r->label, n, base, &bn) < 0)
		return WEFT_EBADFIELD;
	memcpy(key, r->label_target, ID);
	memcpy(key + ID, r->author, WEFT_PK_BYTES);
	memcpy(key + ID + WEFT_PK_BYTES, id, ID);
	rc = mdb_cursor_open(txn, s->dbi[DB_LABELS], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, key, ID + WEFT_PK_BYTES, &k, &v);
	while (err == 0) {
		if (k.mv_size != LKEY || v.mv_size < 2 ||
		    v.mv_size > 1 + WEFT_LABEL_MAX) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (weft_label_base((const char *)v.mv_data + 1,
		    v.mv_size - 1, rb, &rbn) < 0) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (rbn == bn && memcmp(rb, base, bn) == 0) {
			err = weft__store_info_get(s, txn,
			    (const uint8_t *)k.mv_data + ID + WEFT_PK_BYTES,
			    &ri);
			if (err)
				break;
			if (ri.ts > r->ts || (ri.ts == r->ts &&
			    memcmp((const uint8_t *)k.mv_data + ID +
			    WEFT_PK_BYTES, id, ID) >= 0))
				newer = 1;
			else if (nold < LABEL_ROWS_MAX)
				memcpy(old[nold++], k.mv_data, LKEY);
		}
		err = weft__store_cur_step(c, key, ID + WEFT_PK_BYTES, &k, &v,
		    MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err != WEFT_ENOTFOUND)
		return err == 0 ? WEFT_ECORRUPT : err;
	/* A newer one is in force: this one is kept, not applied. */
	if (newer)
		return 0;
	for (size_t i = 0; i < nold; i++) {
		err = db_del(txn, s->dbi[DB_LABELS], old[i], LKEY);
		if (err)
			return err;
	}
	val[0] = (uint8_t)r->label_on;
	memcpy(val + 1, r->label, n);
	err = db_put(txn, s->dbi[DB_LABELS], key, LKEY, val, 1 + n);
	if (err == 0)
		err = due_put(s, txn, r->author, r->label_target, r->label_on);
	return err;
}

int
weft__store_label_drop(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID], bool *was)
{
	uint8_t	key[LKEY];
	int	err;

	memcpy(key, r->label_target, ID);
	memcpy(key + ID, r->author, WEFT_PK_BYTES);
	memcpy(key + ID + WEFT_PK_BYTES, id, ID);
	err = db_has(txn, s->dbi[DB_LABELS], key, LKEY);
	*was = err == 0;
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err == 0)
		err = db_del(txn, s->dbi[DB_LABELS], key, LKEY);
	if (err == 0)
		err = due_put(s, txn, r->author, r->label_target, r->label_on);
	return err;
}

/*
 * A moderator added or removed: the targets of their labels in force
 * are due. The rows are read first, then written (another table).
 */
static int
due_author(struct weft_store *s, MDB_txn *txn,
    const uint8_t author[WEFT_PK_BYTES])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 t[ID];
	int		 rc, err = 0;

	rc = mdb_cursor_open(txn, s->dbi[DB_LABELS], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && err == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != LKEY || v.mv_size < 2) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (memcmp((const uint8_t *)k.mv_data + ID, author,
		    WEFT_PK_BYTES) != 0)
			continue;
		memcpy(t, k.mv_data, ID);
		/* Another table: the cursor on labels holds. */
		err = due_put(s, txn, NULL, t, ((const uint8_t *)v.mv_data)[0]);
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	return err;
}

struct due_take {
	struct weft_store_label_due	*out;
	size_t				 max, n;
};

/*
 * The batch taken is kept in `meta` (DOING_KEY: target || on each)
 * until weft_store_label_due_done(): one still there at the next take
 * was cut short by a crash, and is due again.
 */
#define DOING_KEY	"label_doing"
#define DOING_ROW	(ID + 1)

static int
doing_restore(struct weft_store *s, MDB_txn *txn)
{
	uint8_t		rows[WEFT_LABELACT_TAKE_MAX * DOING_ROW];
	MDB_val		v;
	size_t		n;
	int		err;

	err = db_get(txn, s->dbi[DB_META], DOING_KEY, strlen(DOING_KEY), &v);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (v.mv_size % DOING_ROW != 0 || v.mv_size > sizeof(rows))
		return WEFT_ECORRUPT;
	n = v.mv_size / DOING_ROW;
	/* Copied out first: the puts may move the page. */
	memcpy(rows, v.mv_data, v.mv_size);
	for (size_t i = 0; i < n && err == 0; i++)
		err = db_put(txn, s->dbi[DB_LABEL_DUE], rows + i * DOING_ROW,
		    ID, rows + i * DOING_ROW + ID, 1);
	return err;
}

static int
due_take_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct due_take	*d = arg;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 rows[WEFT_LABELACT_TAKE_MAX * DOING_ROW];
	int		 rc, err;

	d->n = 0;
	err = doing_restore(s, txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_LABEL_DUE], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 &&
	    d->n < d->max; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ID || v.mv_size != 1) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(d->out[d->n].target, k.mv_data, ID);
		d->out[d->n].on = ((const uint8_t *)v.mv_data)[0];
		d->n++;
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	for (size_t i = 0; i < d->n && err == 0; i++) {
		memcpy(rows + i * DOING_ROW, d->out[i].target, ID);
		rows[i * DOING_ROW + ID] = (uint8_t)d->out[i].on;
		err = db_del(txn, s->dbi[DB_LABEL_DUE], d->out[i].target, ID);
	}
	if (err == 0 && d->n > 0)
		err = db_put(txn, s->dbi[DB_META], DOING_KEY,
		    strlen(DOING_KEY), rows, d->n * DOING_ROW);
	return err;
}

static int
doing_del(struct weft_store *s, MDB_txn *txn, void *arg)
{
	int	err;

	(void)arg;
	err = db_del(txn, s->dbi[DB_META], DOING_KEY, strlen(DOING_KEY));
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft_store_label_due_done(struct weft_store *s)
{
	return weft__store_write(s, doing_del, NULL);
}

int
weft_store_label_due_take(struct weft_store *s,
    struct weft_store_label_due *out, size_t max, size_t *n)
{
	struct due_take	 d = { out, max, 0 };
	MDB_txn		*txn;
	MDB_stat	 st;
	MDB_val		 v;
	int		 err, rc;

	*n = 0;
	if (max > WEFT_LABELACT_TAKE_MAX)
		max = d.max = WEFT_LABELACT_TAKE_MAX;
	/* The common case, nothing due, costs a read. */
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_stat(txn, s->dbi[DB_LABEL_DUE], &st);
	err = rc ? weft__store_xlat(rc) : db_get(txn, s->dbi[DB_META],
	    DOING_KEY, strlen(DOING_KEY), &v);
	weft__store_read_end(s, txn);
	if (err && err != WEFT_ENOTFOUND)
		return err;
	if ((st.ms_entries == 0 && err == WEFT_ENOTFOUND) || max == 0)
		return 0;
	err = weft__store_write(s, due_take_txn, &d);
	if (err == 0)
		*n = d.n;
	return err;
}

static int
release_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	return weft__store_blocked_release(s, txn, arg);
}

int
weft_store_blocked_release(struct weft_store *s,
    const uint8_t target[WEFT_ID_BYTES])
{
	return weft__store_write(s, release_txn, (void *)target);
}

int
weft_store_file_designs(struct weft_store *s,
    const uint8_t hash[WEFT_ID_BYTES], weft_store_id_cb *cb, void *arg)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_file_design_walk(s, txn, 'h', hash, cb, arg);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_verdict(struct weft_store *s, const uint8_t design[WEFT_ID_BYTES],
    struct weft_store_verdict *v)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = design_verdict(s, txn, design, NULL, v);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_target_verdict(struct weft_store *s,
    const uint8_t target[WEFT_ID_BYTES], struct weft_store_verdict *v)
{
	MDB_txn	*txn;
	int	 err;

	memset(v, 0, sizeof(*v));
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = target_verdict(s, txn, target, v);
	weft__store_read_end(s, txn);
	return err;
}

/* ------------------------------------------------------------------ */
/* Blocks and moderators: small tables written by the control socket */

struct block_put {
	int		 kind;
	const uint8_t	*target;
	uint64_t	 ts;
	const char	*reason;
	bool		 del;
};

static int
block_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	const struct block_put	*b = arg;
	uint8_t			 val[BLOCK_FIXED +
				    WEFT_BLOCK_REASON_MAX];
	size_t			 n = b->reason ? strlen(b->reason) : 0;
	int			 err;

	if (b->del) {
		err = db_has(txn, s->dbi[DB_BLOCKS], b->target, ID);
		if (err)
			return err;
		err = db_del(txn, s->dbi[DB_BLOCKS], b->target, ID);
		if (err == 0)
			err = weft__store_blocked_release(s, txn, b->target);
		return err;
	}
	if (n > WEFT_BLOCK_REASON_MAX)
		return WEFT_ETOOBIG;
	val[0] = (uint8_t)b->kind;
	be64enc(val + 1, b->ts);
	if (n > 0)
		memcpy(val + BLOCK_FIXED, b->reason, n);
	return db_put(txn, s->dbi[DB_BLOCKS], b->target, ID, val,
	    BLOCK_FIXED + n);
}

int
weft_store_block_put(struct weft_store *s, int kind,
    const uint8_t target[WEFT_ID_BYTES], uint64_t ts, const char *reason)
{
	struct block_put	b = { kind, target, ts, reason, false };

	if (kind < WEFT_BLOCK_AUTHOR || kind > WEFT_BLOCK_NODE)
		return WEFT_EUSAGE;
	return weft__store_write(s, block_txn, &b);
}

int
weft_store_block_del(struct weft_store *s,
    const uint8_t target[WEFT_ID_BYTES])
{
	struct block_put	b = { 0, target, 0, NULL, true };

	return weft__store_write(s, block_txn, &b);
}

int
weft_store_block_get(struct weft_store *s,
    const uint8_t target[WEFT_ID_BYTES], int *kind)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_BLOCKS], target, ID, &v);
	if (err == 0 && v.mv_size < BLOCK_FIXED)
		err = WEFT_ECORRUPT;
	if (err == 0 && kind != NULL)
		*kind = ((const uint8_t *)v.mv_data)[0];
	weft__store_read_end(s, txn);
	return err;
}

/* Calls cb with every row of db (at most max), in key order. */
static int
table_walk(struct weft_store *s, int db, size_t klen, size_t vmin,
    size_t max, int (*cb)(void *, const MDB_val *, const MDB_val *),
    void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 rows = 0;
	int		 rc, err = 0;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0 && rows++ < max) {
		if (k.mv_size != klen || v.mv_size < vmin) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = cb(arg, &k, &v);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}

struct blocks_arg {
	weft_store_block_cb	*cb;
	void			*arg;
};

static int
blocks_row(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct blocks_arg	*a = arg;
	const uint8_t		*p = v->mv_data;

	if (v->mv_size > BLOCK_FIXED + WEFT_BLOCK_REASON_MAX)
		return WEFT_ECORRUPT;
	return a->cb(a->arg, p[0], k->mv_data, be64dec(p + 1),
	    (const char *)p + BLOCK_FIXED, v->mv_size - BLOCK_FIXED);
}

int
weft_store_blocks(struct weft_store *s, weft_store_block_cb *cb, void *arg)
{
	struct blocks_arg	a = { cb, arg };

	return table_walk(s, DB_BLOCKS, ID, BLOCK_FIXED, WEFT_BLOCKS_MAX,
	    blocks_row, &a);
}

/* ------------------------------------------------------------------ */
/*
 * The label policy (docs/moderation.md, "Changing the policy"): what
 * each label does here and whom this node trusts. `meta` keeps a digest
 * of the policy the labels in force were last acted on under
 * (POLICY_KEY); a start under another makes every label in force of a
 * moderator due again, in the transaction that writes the new digest,
 * so that a crash before it commits leaves the old digest (and the work
 * to do at the next start) and one after leaves the due rows.
 */
#define POLICY_KEY	"label_policy"
#define POLICY_DOMAIN	"weft/label-policy/v1"

static void
policy_label(crypto_generichash_state *st, const char *label, int act)
{
	uint8_t	a = (uint8_t)act;

	crypto_generichash_update(st, (const uint8_t *)label,
	    strlen(label) + 1);
	crypto_generichash_update(st, &a, 1);
}

/*
 * BLAKE2b-256 of the domain, each default label and its action here,
 * each override in bytewise order of label, each followed by a NUL and
 * the action byte, then "\0" and the moderators' keys in key order.
 */
static int
policy_digest(struct weft_store *s, MDB_txn *txn, uint8_t out[ID])
{
	crypto_generichash_state	 st;
	const char			*prev = NULL, *next;
	MDB_cursor			*c;
	MDB_val				 k, v;
	uint8_t				 sep = 0;
	size_t				 ni = 0;
	int				 rc;

	crypto_generichash_init(&st, NULL, 0, ID);
	crypto_generichash_update(&st, (const uint8_t *)POLICY_DOMAIN,
	    strlen(POLICY_DOMAIN));
	for (size_t i = 0; i < sizeof(label_actions) /
	    sizeof(label_actions[0]); i++)
		policy_label(&st, label_actions[i].label,
		    weft_store_label_action(s, label_actions[i].label,
		    strlen(label_actions[i].label)));
	/* At most 32 overrides: the next one up each time. */
	for (size_t j = 0; j < s->nlabel_over; j++) {
		next = NULL;
		for (size_t i = 0; i < s->nlabel_over; i++)
			if ((prev == NULL || strcmp(s->label_over[i],
			    prev) > 0) && (next == NULL ||
			    strcmp(s->label_over[i], next) < 0)) {
				next = s->label_over[i];
				ni = i;
			}
		if (next == NULL)
			break;
		policy_label(&st, next, s->label_act[ni]);
		prev = next;
	}
	crypto_generichash_update(&st, &sep, 1);
	rc = mdb_cursor_open(txn, s->dbi[DB_MODERATORS], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		crypto_generichash_update(&st, k.mv_data, k.mv_size);
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return weft__store_xlat(rc);
	crypto_generichash_final(&st, out, ID);
	return 0;
}

static int
policy_put(struct weft_store *s, MDB_txn *txn)
{
	uint8_t	d[ID];
	int	err;

	err = policy_digest(s, txn, d);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_META], POLICY_KEY,
		    strlen(POLICY_KEY), d, ID);
	return err;
}

struct policy_arg {
	size_t	due;
};

/* Every label in force of a trusted moderator is due. */
static int
policy_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct policy_arg	*a = arg;
	MDB_cursor		*c;
	MDB_val			 k, v;
	uint8_t			 d[ID], t[ID];
	int			 rc, err;

	a->due = 0;
	err = policy_digest(s, txn, d);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_META], POLICY_KEY, strlen(POLICY_KEY),
	    &v);
	if (err == 0 && v.mv_size == ID && memcmp(v.mv_data, d, ID) == 0)
		return 0;
	if (err && err != WEFT_ENOTFOUND)
		return err;
	err = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_LABELS], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && err == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != LKEY || v.mv_size < 2) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = db_has(txn, s->dbi[DB_MODERATORS],
		    (const uint8_t *)k.mv_data + ID, WEFT_PK_BYTES);
		if (err == WEFT_ENOTFOUND) {
			err = 0;
			continue;
		}
		if (err)
			break;
		memcpy(t, k.mv_data, ID);
		/* Another table: the cursor on labels holds. */
		err = due_put(s, txn, NULL, t, ((const uint8_t *)v.mv_data)[0]);
		a->due++;
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_META], POLICY_KEY,
		    strlen(POLICY_KEY), d, ID);
	return err;
}

int
weft_store_label_policy_apply(struct weft_store *s, size_t *due)
{
	struct policy_arg	a = { 0 };
	int			err;

	err = weft__store_write(s, policy_txn, &a);
	if (due != NULL)
		*due = err == 0 ? a.due : 0;
	return err;
}

struct mod_put {
	const uint8_t	*author;
	uint64_t	 ts;
	bool		 del;
};

static int
mod_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	const struct mod_put	*m = arg;
	uint8_t			 val[8];
	int			 err;

	if (m->del) {
		err = db_has(txn, s->dbi[DB_MODERATORS], m->author,
		    WEFT_PK_BYTES);
		if (err == 0)
			err = db_del(txn, s->dbi[DB_MODERATORS], m->author,
			    WEFT_PK_BYTES);
	} else {
		be64enc(val, m->ts);
		err = db_put(txn, s->dbi[DB_MODERATORS], m->author,
		    WEFT_PK_BYTES, val, sizeof(val));
	}
	/* What their labels say now counts, or no longer does. */
	if (err == 0)
		err = due_author(s, txn, m->author);
	return err ? err : policy_put(s, txn);
}

int
weft_store_moderator_put(struct weft_store *s,
    const uint8_t author[WEFT_PK_BYTES], uint64_t ts)
{
	struct mod_put	m = { author, ts, false };

	return weft__store_write(s, mod_txn, &m);
}

int
weft_store_moderator_del(struct weft_store *s,
    const uint8_t author[WEFT_PK_BYTES])
{
	struct mod_put	m = { author, 0, true };

	return weft__store_write(s, mod_txn, &m);
}

struct mods_arg {
	weft_store_moderator_cb	*cb;
	void			*arg;
};

static int
mods_row(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct mods_arg	*a = arg;

	return a->cb(a->arg, k->mv_data, be64dec(v->mv_data));
}

int
weft_store_moderators(struct weft_store *s, weft_store_moderator_cb *cb,
    void *arg)
{
	struct mods_arg	a = { cb, arg };

	return table_walk(s, DB_MODERATORS, WEFT_PK_BYTES, 8,
	    WEFT_MODERATORS_MAX, mods_row, &a);
}

int
weft_store_labels(struct weft_store *s, bool reports_only,
    weft_store_item_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v, rec;
	const uint8_t	*p;
	int		 rc, err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_LABELS], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != LKEY) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = k.mv_data;
		err = reports_only ? db_has(txn, s->dbi[DB_MODERATORS],
		    p + ID, WEFT_PK_BYTES) : WEFT_ENOTFOUND;
		if (err == 0) {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		if (err != WEFT_ENOTFOUND)
			break;
		err = weft__store_rec_get(s, txn, p + ID + WEFT_PK_BYTES,
		    &rec);
		if (err == 0)
			err = cb(arg, p + ID + WEFT_PK_BYTES, rec.mv_data,
			    rec.mv_size);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_hidden_targets(struct weft_store *s, weft_store_id_cb *cb,
    void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	const uint8_t	*p;
	int		 rc, err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_BLOCKS], &c);
	if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		p = v.mv_data;
		if (k.mv_size != ID || v.mv_size < BLOCK_FIXED) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (p[0] != WEFT_BLOCK_NODE && (err = cb(arg, k.mv_data)) != 0)
			break;
	}
	if (c != NULL)
		mdb_cursor_close(c);
	c = NULL;
	if (err == 0 && rc == MDB_NOTFOUND) {
		rc = mdb_cursor_open(txn, s->dbi[DB_LABELS], &c);
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	}
	for (; err == 0 && rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		p = k.mv_data;
		if (k.mv_size != LKEY || v.mv_size < 2) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (weft_store_label_action(s, (const char *)v.mv_data + 1,
		    v.mv_size - 1) == WEFT_VERDICT_NONE)
			continue;
		err = db_has(txn, s->dbi[DB_MODERATORS], p + ID,
		    WEFT_PK_BYTES);
		if (err == WEFT_ENOTFOUND) {
			err = 0;
			continue;
		}
		/* A label on a file names every design holding it. */
		if (err == 0 && ((const uint8_t *)v.mv_data)[0] ==
		    WEFT_LABEL_FILE)
			err = weft__store_file_design_walk(s, txn, 'h', p, cb,
			    arg);
		else if (err == 0)
			err = cb(arg, p);
	}
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	if (c != NULL)
		mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}

/* ------------------------------------------------------------------ */
/*
 * What a block took out or refused (store_blockpurge.c, docs/proto/
 * store.md): blocked_recs, id -> the author or design blocked.
 */

/* Rows one unblock drops at most (in memory: 32 bytes each). */
#define BLOCKED_ROWS_MAX	(1u << 23)

int
weft__store_blocked_put(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], const uint8_t target[ID])
{
	return db_put(txn, s->dbi[DB_BLOCKED_RECS], id, ID, target, ID);
}

int
weft_store_blocked_record(struct weft_store *s,
    const uint8_t id[WEFT_ID_BYTES], uint8_t target[WEFT_ID_BYTES])
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_BLOCKED_RECS], id, ID, &v);
	if (err == 0 && v.mv_size != ID)
		err = WEFT_ECORRUPT;
	if (err == 0 && target != NULL)
		memcpy(target, v.mv_data, ID);
	weft__store_read_end(s, txn);
	return err;
}

/*
 * The ids are read first and deleted after the walk: a cursor that
 * deletes as it walks is what LMDB 0.9.24 gets wrong (PITFALLS.md).
 */
int
weft__store_blocked_release(struct weft_store *s, MDB_txn *txn,
    const uint8_t target[ID])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		(*ids)[ID] = NULL;
	void		*t;
	size_t		 n = 0, cap = 0;
	int		 rc, err = 0;

	rc = mdb_cursor_open(txn, s->dbi[DB_BLOCKED_RECS], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	for (; rc == 0 && err == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ID || v.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (memcmp(v.mv_data, target, ID) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (cap > BLOCKED_ROWS_MAX) {
				err = WEFT_ETOOBIG;
				break;
			}
			t = realloc(ids, cap * ID);
			if (t == NULL) {
				err = -ENOMEM;
				break;
			}
			ids = t;
		}
		memcpy(ids[n++], k.mv_data, ID);
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	for (size_t i = 0; i < n && err == 0; i++)
		err = db_del(txn, s->dbi[DB_BLOCKED_RECS], ids[i], ID);
	free(ids);
	return err;
}

/* ------------------------------------------------------------------ */
/*
 * Labels on files (docs/moderation.md): a trusted moderator's label on a
 * file's content hash acts on every design that holds the file. The
 * `file_design` table (docs/proto/store.md) says which designs those
 * are, and which files a design holds (format 10):
 *
 *   file_design   'F' || design || lo[8] -> hash x 1..32, sorted
 *                                     the files of a design, in blocks
 *                 'H' || hash[0..8) || design[0..8) -> ""
 *                                     designs that may hold a file
 *
 * written for each revision stored (every revision's files count, not
 * only the head's), and built once for a store written before it. A
 * design's hashes are stored once, whatever the number of its revisions
 * naming them, sorted, in blocks that split past 32 at a change of the
 * hashes' first 8 bytes, each keyed by those 8 bytes of its first hash
 * (the first block by 8 zero bytes): a hash's block is the last whose
 * key is at most its first 8 bytes, so a lookup reads one block. An 'H'
 * key only points at the designs to look at, whose block then says
 * whether they hold the file (an 8-byte prefix can be shared by chance,
 * never on purpose without about 2^64 hashes). Rows of a design taken
 * out stay: they name a design no longer here, which a lookup then does
 * not find.
 *
 * Format 9 had 65-byte keys 'h' || hash || design and 'd' || design ||
 * hash, after every key of format 10 in key order; the upgrade converts
 * and deletes them in bounded steps at open
 * (weft__store_fd_rebuild_step()).
 */

#define FD_META		"fd_rebuild"

size_t	weft__store_fd_rebuild_n = 20000;
int	weft__store_fd_rebuild_stop = -1;

/*
 * The block of design where hash belongs (the last whose key is at most
 * 'F' || design || hash[0..8)), through c: 0 with k, v on it,
 * WEFT_ENOTFOUND when the design has no block.
 */
static int
fblock(MDB_cursor *c, const uint8_t design[ID], const uint8_t hash[ID],
    MDB_val *k, MDB_val *v)
{
	uint8_t	key[FD_FKEY];
	int	rc;

	key[0] = 'F';
	memcpy(key + 1, design, ID);
	memcpy(key + 1 + ID, hash, FD_PFX);
	k->mv_size = sizeof(key);
	k->mv_data = key;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == 0 && k->mv_size == FD_FKEY &&
	    memcmp(k->mv_data, key, FD_FKEY) == 0)
		goto found;
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, k, v, MDB_LAST);
	else if (rc == 0)
		rc = mdb_cursor_get(c, k, v, MDB_PREV);
	if (rc)
		return weft__store_xlat(rc);
	if (!prefix_eq(k, key, 1 + ID))
		return WEFT_ENOTFOUND;
found:
	return fval_ok(k, v) ? 0 : WEFT_ECORRUPT;
}

/*
 * Puts the n sorted hashes of blk under key: split in two at a change
 * of the 8-byte prefix nearest the middle when more than FD_BLOCK, the
 * second half under that prefix.
 */
static int
fblock_put(struct weft_store *s, MDB_txn *txn, uint8_t key[FD_FKEY],
    const uint8_t *blk, size_t n)
{
	size_t	m = 0;
	int	err;

	if (n > FD_BLOCK) {
		for (size_t d = 0; d < n / 2 && m == 0; d++) {
			if (memcmp(blk + (n / 2 - d - 1) * ID,
			    blk + (n / 2 - d) * ID, FD_PFX) != 0)
				m = n / 2 - d;
			else if (n / 2 + d + 1 < n && memcmp(blk +
			    (n / 2 + d) * ID, blk + (n / 2 + d + 1) * ID,
			    FD_PFX) != 0)
				m = n / 2 + d + 1;
		}
		/* No prefix changes: 2^64 work per hash to get here. */
		if (m == 0 && n > FD_BLOCK_MAX)
			return WEFT_ETOOBIG;
	}
	if (m == 0)
		return db_put(txn, s->dbi[DB_FILE_DESIGN], key, FD_FKEY, blk,
		    n * ID);
	err = db_put(txn, s->dbi[DB_FILE_DESIGN], key, FD_FKEY, blk, m * ID);
	if (err)
		return err;
	memcpy(key + 1 + ID, blk + m * ID, FD_PFX);
	return db_put(txn, s->dbi[DB_FILE_DESIGN], key, FD_FKEY, blk + m * ID,
	    (n - m) * ID);
}

/* Notes that design holds a file of content hash (idempotent). */
static int
fd_add(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const uint8_t hash[ID])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 blk[(FD_BLOCK_MAX + 1) * ID], key[FD_FKEY];
	uint8_t		 hk[FD_HKEY];
	size_t		 n = 0, at = 0;
	bool		 has = false;
	int		 rc, err;

	rc = mdb_cursor_open(txn, s->dbi[DB_FILE_DESIGN], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = fblock(c, design, hash, &k, &v);
	if (err == 0) {
		memcpy(key, k.mv_data, FD_FKEY);
		at = fval_find(&v, hash, &has);
		n = v.mv_size / ID;
		memcpy(blk, v.mv_data, v.mv_size);
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND) {
		/* A design's first block is keyed by 8 zero bytes. */
		key[0] = 'F';
		memcpy(key + 1, design, ID);
		memset(key + 1 + ID, 0, FD_PFX);
		err = 0;
	}
	if (err || has)
		return err;
	memmove(blk + (at + 1) * ID, blk + at * ID, (n - at) * ID);
	memcpy(blk + at * ID, hash, ID);
	err = fblock_put(s, txn, key, blk, n + 1);
	if (err)
		return err;
	hk[0] = 'H';
	memcpy(hk + 1, hash, FD_PFX);
	memcpy(hk + 1 + FD_PFX, design, FD_PFX);
	return db_put(txn, s->dbi[DB_FILE_DESIGN], hk, sizeof(hk), "", 0);
}

int
weft__store_file_design_put(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	const uint8_t	*design = r->has_design ? r->design : id;
	int		 err = 0;

	if (r->type != WEFT_REC_REV)
		return 0;
	for (uint32_t i = 0; i < r->nfiles && err == 0; i++)
		err = fd_add(s, txn, design, r->files[i].hash);
	return err;
}

/* The design's files, in hash order: its blocks, in key order. */
static int
walk_design(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    int (*cb)(void *, const uint8_t *), void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 pfx[1 + ID];
	int		 rc, err;

	pfx[0] = 'F';
	memcpy(pfx + 1, design, ID);
	rc = mdb_cursor_open(txn, s->dbi[DB_FILE_DESIGN], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (err = weft__store_cur_first(c, pfx, sizeof(pfx), &k, &v);
	    err == 0; err = weft__store_cur_step(c, pfx, sizeof(pfx), &k, &v,
	    MDB_NEXT)) {
		if (!fval_ok(&k, &v)) {
			err = WEFT_ECORRUPT;
			break;
		}
		for (size_t i = 0; i < v.mv_size && err == 0; i += ID)
			err = cb(arg, (const uint8_t *)v.mv_data + i);
		if (err)
			break;
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/*
 * Past the blocks of design (whose 'F' key c is on) to the next key led
 * by pfx: WEFT_ENOTFOUND when there is none. A design's blocks beyond
 * the one a hash needs are skipped with one seek.
 */
static int
next_design(MDB_cursor *c, const uint8_t pfx[1 + FD_PFX],
    const uint8_t design[ID], MDB_val *k, MDB_val *v)
{
	uint8_t	skip[FD_FKEY];
	int	rc;

	skip[0] = 'F';
	memcpy(skip + 1, design, ID);
	memset(skip + 1 + ID, 0xff, FD_PFX);
	k->mv_size = sizeof(skip);
	k->mv_data = skip;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == 0 && k->mv_size == FD_FKEY &&
	    memcmp(k->mv_data, skip, FD_FKEY) == 0)
		rc = mdb_cursor_get(c, k, v, MDB_NEXT);
	if (rc)
		return weft__store_xlat(rc);
	return prefix_eq(k, pfx, 1 + FD_PFX) ? 0 : WEFT_ENOTFOUND;
}

/*
 * The designs whose ids begin with pfx8 and that hold hash, in id
 * order, through c (a cursor on the table). Each design's blocks are
 * read forward from its first (most designs have one) up to the one
 * the hash belongs in.
 */
static int
walk_candidates(MDB_cursor *c, const uint8_t pfx8[FD_PFX],
    const uint8_t hash[ID], int (*cb)(void *, const uint8_t *), void *arg)
{
	MDB_val	 k, v, blk;
	uint8_t	 pfx[1 + FD_PFX], design[ID];
	bool	 has;
	int	 err;

	pfx[0] = 'F';
	memcpy(pfx + 1, pfx8, FD_PFX);
	err = weft__store_cur_first(c, pfx, sizeof(pfx), &k, &v);
	while (err == 0) {
		/* k is the design's first block. */
		if (!fval_ok(&k, &v))
			return WEFT_ECORRUPT;
		memcpy(design, (const uint8_t *)k.mv_data + 1, ID);
		blk = v;
		for (;;) {
			err = weft__store_cur_step(c, pfx, sizeof(pfx), &k, &v,
			    MDB_NEXT);
			if (err || memcmp((const uint8_t *)k.mv_data + 1,
			    design, ID) != 0)
				break;
			if (!fval_ok(&k, &v))
				return WEFT_ECORRUPT;
			if (memcmp((const uint8_t *)k.mv_data + 1 + ID, hash,
			    FD_PFX) > 0) {
				err = next_design(c, pfx, design, &k, &v);
				break;
			}
			blk = v;
		}
		if (err != 0 && err != WEFT_ENOTFOUND)
			return err;
		(void)fval_find(&blk, hash, &has);
		if (has) {
			int	cerr = cb(arg, design);

			if (cerr)
				return cerr;
		}
	}
	return err == WEFT_ENOTFOUND ? 0 : err;
}

static int
walk_hash(struct weft_store *s, MDB_txn *txn, const uint8_t hash[ID],
    int (*cb)(void *, const uint8_t *), void *arg)
{
	MDB_cursor	*c, *d = NULL;
	MDB_val		 k, v;
	uint8_t		 pfx[1 + FD_PFX], p8[FD_PFX];
	int		 rc, err;

	pfx[0] = 'H';
	memcpy(pfx + 1, hash, FD_PFX);
	rc = mdb_cursor_open(txn, s->dbi[DB_FILE_DESIGN], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_open(txn, s->dbi[DB_FILE_DESIGN], &d);
	if (rc) {
		mdb_cursor_close(c);
		return weft__store_xlat(rc);
	}
	for (err = weft__store_cur_first(c, pfx, sizeof(pfx), &k, &v);
	    err == 0; err = weft__store_cur_step(c, pfx, sizeof(pfx), &k, &v,
	    MDB_NEXT)) {
		if (k.mv_size != FD_HKEY) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(p8, (const uint8_t *)k.mv_data + 1 + FD_PFX, FD_PFX);
		err = walk_candidates(d, p8, hash, cb, arg);
		if (err)
			break;
	}
	mdb_cursor_close(d);
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft__store_file_design_walk(struct weft_store *s, MDB_txn *txn, int by,
    const uint8_t key[ID], int (*cb)(void *, const uint8_t *), void *arg)
{
	if (by == 'd')	/* the callers' names for the two walks */
		return walk_design(s, txn, key, cb, arg);
	return walk_hash(s, txn, key, cb, arg);
}

/* One stored revision's files, for the backfill. */
static int
backfill_cb(void *arg, const uint8_t id[ID], const struct recinfo *ri)
{
	struct weft_store	*s = ((void **)arg)[0];
	MDB_txn			*txn = ((void **)arg)[1];
	struct weft_record	 r;
	int			 err;

	if (ri->type != WEFT_REC_REV)
		return 0;
	err = weft__store_rec_load(s, txn, id, &r);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	err = weft__store_file_design_put(s, txn, &r, id);
	weft_record_release(&r);
	return err;
}

int
weft__store_file_design_backfill(struct weft_store *s, MDB_txn *txn)
{
	void	*arg[2] = { s, txn };
	int	 err;

	err = db_has(txn, s->dbi[DB_META], "file_design", 11);
	if (err != WEFT_ENOTFOUND)
		return err;
	err = weft__store_info_walk(s, txn, NULL, backfill_cb, arg);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_META], "file_design", 11, "", 0);
	return err;
}

/* ------------------------------------------------------------------ */
/* The upgrade from format 9: 65-byte keys to blocks and prefixes. */

int
weft__store_fd_upgrade10(struct weft_store *s, MDB_txn *txn)
{
	return db_put(txn, s->dbi[DB_META], FD_META, strlen(FD_META), "", 0);
}

int
weft__store_fd_rebuild_pending(struct weft_store *s, MDB_txn *txn)
{
	return db_has(txn, s->dbi[DB_META], FD_META, strlen(FD_META));
}

/*
 * The first weft__store_fd_rebuild_n format-9 keys, copied into keys
 * (*n of them): they are all the keys from "d" on ('F' and 'H' come
 * before), and a step deletes those it converted.
 */
static int
old_keys(struct weft_store *s, MDB_txn *txn, uint8_t (*keys)[FD_OLDKEY],
    size_t *n)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	*n = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_FILE_DESIGN], &c);
	if (rc)
		return weft__store_xlat(rc);
	k.mv_size = 1;
	k.mv_data = "d";
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && *n < weft__store_fd_rebuild_n;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != FD_OLDKEY || v.mv_size != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(keys[(*n)++], k.mv_data, FD_OLDKEY);
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

int
weft__store_fd_rebuild_step(struct weft_store *s, MDB_txn *txn, void *arg)
{
	uint8_t		(*keys)[FD_OLDKEY];
	const uint8_t	*k;
	size_t		 n;
	int		 err;

	(void)arg;
	if (weft__store_fd_rebuild_n == 0)
		return WEFT_EUSAGE;
	keys = malloc(weft__store_fd_rebuild_n * FD_OLDKEY);
	if (keys == NULL)
		return -ENOMEM;
	err = old_keys(s, txn, keys, &n);
	for (size_t i = 0; i < n && err == 0; i++) {
		k = keys[i];
		if (k[0] == 'd')
			err = fd_add(s, txn, k + 1, k + 1 + ID);
		else if (k[0] == 'h')
			err = fd_add(s, txn, k + 1 + ID, k + 1);
		else
			err = WEFT_ECORRUPT;
		if (err == 0)
			err = db_del(txn, s->dbi[DB_FILE_DESIGN], k, FD_OLDKEY);
	}
	if (err == 0 && n < weft__store_fd_rebuild_n)
		err = db_del(txn, s->dbi[DB_META], FD_META, strlen(FD_META));
	free(keys);
	return err;
}
