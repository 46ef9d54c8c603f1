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
 *   scount    design -> likes || comments || makes be64 each
 *
 * "Latest" is the greatest (ts, id), so every node ends with the same
 * answer whatever order the records came in. A comment that edits an
 * earlier one (replaces) is not counted again.
 */
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "store.h"
#include "store_mods.h"

#define LATEST_LEN	(8 + ID)
#define REACT_LEN	(8 + ID + 1)
#define SCOUNT_LEN	24
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

/* Adds d[i] to a design's counts: likes, comments, makes. */
static int
count_add(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    int dlikes, int dcomments, int dmakes)
{
	MDB_val		v;
	uint8_t		val[SCOUNT_LEN];
	uint64_t	n[3] = { 0, 0, 0 };
	int		d[3] = { dlikes, dcomments, dmakes };
	int		err;

	err = db_get(txn, s->dbi[DB_SCOUNT], design, ID, &v);
	if (err == 0) {
		if (v.mv_size != SCOUNT_LEN)
			return WEFT_ECORRUPT;
		for (int i = 0; i < 3; i++)
			n[i] = be64dec((const uint8_t *)v.mv_data + 8 * i);
	} else if (err != WEFT_ENOTFOUND)
		return err;
	for (int i = 0; i < 3; i++) {
		if (d[i] < 0 && n[i] == 0)
			return WEFT_ECORRUPT;
		n[i] += (uint64_t)(int64_t)d[i];
		be64enc(val + 8 * i, n[i]);
	}
	return db_put(txn, s->dbi[DB_SCOUNT], design, ID, val, sizeof(val));
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
	return db_put(txn, s->dbi[DB_SOCIAL], key, sizeof(key), "", 0);
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
	MDB_val	v;
	uint8_t	key[2 * ID], val[REACT_LEN];
	int	err, was = 0, now = r->value[0] != '\0';

	err = social_put(s, txn, r, id, 'r');
	if (err)
		return err;
	memcpy(key, r->design, ID);
	memcpy(key + ID, r->author, ID);
	err = db_get(txn, s->dbi[DB_REACTS], key, sizeof(key), &v);
	if (err == 0) {
		if (v.mv_size != REACT_LEN)
			return WEFT_ECORRUPT;
		if (!is_later(r->ts, id, v.mv_data))
			return 0;
		was = ((const uint8_t *)v.mv_data)[8 + ID] == 1;
	} else if (err != WEFT_ENOTFOUND)
		return err;
	be64enc(val, r->ts);
	memcpy(val + 8, id, ID);
	val[8 + ID] = (uint8_t)now;
	err = db_put(txn, s->dbi[DB_REACTS], key, sizeof(key), val,
	    sizeof(val));
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
weft_store_social_counts(struct weft_store *s, const uint8_t design[ID],
    uint64_t *likes, uint64_t *comments, uint64_t *makes)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	*likes = *comments = *makes = 0;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_SCOUNT], design, ID, &v);
	if (err == 0) {
		if (v.mv_size == SCOUNT_LEN) {
			*likes = be64dec(v.mv_data);
			*comments = be64dec((const uint8_t *)v.mv_data + 8);
			*makes = be64dec((const uint8_t *)v.mv_data + 16);
		} else
			err = WEFT_ECORRUPT;
	} else if (err == WEFT_ENOTFOUND)
		err = 0;
	weft__store_read_end(s, txn);
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

/*
 * Record r (id) was retracted: it leaves the indexes. A reaction or a
 * profile that was its author's latest leaves no latest behind (the
 * earlier ones stay superseded): taking back a like unlikes.
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
	return err;
}
