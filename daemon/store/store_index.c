/*
 * The indexes record ingest maintains, and the queries over them: a
 * design's revisions, heads and remixes; its summary (rewritten at each
 * revision, so that listings read one value per design); designs by time,
 * author and tag; and each library's latest entry per design (the words
 * for search are store_search.c's). The writers run inside the
 * ingest transaction (store_ingest.c) after the record's checks have passed;
 * each query is one read transaction. Layouts: docs/proto/store.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "store_dsum.h"
#include "store_impl.h"
#include "store_mods.h"

#define SUMMARY_MAX		DSUM_MAX
static uint8_t
fold(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

/* tag_design key: lowercase(tag) || 0x00 || created_be64 || design. */
static size_t
tag_key(uint8_t *k, const char *tag, size_t n, uint64_t created,
    const uint8_t design[ID])
{
	for (size_t i = 0; i < n; i++)
		k[i] = fold((uint8_t)tag[i]);
	k[n] = 0;
	be64enc(k + n + 1, created);
	memcpy(k + n + 9, design, ID);
	return n + 9 + ID;
}

/* A stored summary, for an update. */
struct summary_old {
	struct weft_buf		 raw;	/* copy: the map value may move */
	struct dsum		 d;
	uint8_t			 head[ID];
	uint8_t			 author[WEFT_PK_BYTES];
	uint64_t		 created, revs, heads;
	bool			 conflict;
	bool			 have;
};

/* The compact dsum value (store_dsum.h) of a design whose head is hr. */
static int
summary_encode(struct weft_buf *out, const uint8_t design[ID],
    const uint8_t head[ID], const uint8_t author[WEFT_PK_BYTES],
    const struct weft_record *hr, uint64_t created, uint64_t revs,
    uint64_t heads, bool conflict)
{
	const char	*title = hr->title ? hr->title : "";
	const char	*license = hr->license ? hr->license : "";
	int		 err;

	err = dsum_encode(out, design, head, author, title, strlen(title),
	    license, strlen(license), created, hr->ts, revs, heads, conflict,
	    hr->ntags);
	for (uint32_t i = 0; err == 0 && i < hr->ntags; i++)
		err = dsum_bytes_put(out, hr->tags[i], strlen(hr->tags[i]));
	return err;
}

static int
summary_load(struct weft_store *s, MDB_txn *txn, const uint8_t dk[DKEY],
    struct summary_old *so)
{
	MDB_val	v;
	int	err;

	err = db_get(txn, s->dbi[DB_DESIGNS], dk, DKEY, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	err = weft_buf_add(&so->raw, v.mv_data, v.mv_size);
	if (err)
		return err;
	err = dsum_decode(dk, so->raw.data, so->raw.len, &so->d);
	if (err)
		return err;
	so->have = true;
	memcpy(so->head, so->d.head, ID);
	memcpy(so->author, so->d.author, WEFT_PK_BYTES);
	so->created = so->d.created;
	so->revs = so->d.revs;
	so->heads = so->d.heads;
	so->conflict = so->d.conflict;
	return 0;
}

/* created_be64 || design: the design part of the index keys. */
static void
dkey(uint8_t k[DKEY], uint64_t created, const uint8_t design[ID])
{
	be64enc(k, created);
	memcpy(k + 8, design, ID);
}

/* Do tags a and b (n bytes each) fold to the same tag_design key? */
static int
tag_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold((uint8_t)a[i]) != fold((uint8_t)b[i]))
			return 0;
	return 1;
}

/*
 * Brings the tag_design keys of design from the old head's tags (old,
 * its decoded summary; NULL for none) to those of hr, touching only the
 * tags that differ.
 */
static int
tags_update(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    uint64_t created, const struct dsum *old, const struct weft_record *hr)
{
	uint8_t		 key[WEFT_TAG_MAX + 9 + ID];
	const char	*ts;
	size_t		 tn, n, off, offj, nold = old != NULL ? old->ntags : 0;
	uint32_t	 i, j;
	int		 err, keep;

	for (i = 0; i < hr->ntags; i++) {
		n = strlen(hr->tags[i]);
		if (n == 0 || n > WEFT_TAG_MAX)
			return WEFT_EBADFIELD;
	}
	for (i = 0, off = 0; i < nold; i++) {
		dsum_tag_next(old, &off, &ts, &tn);
		if (tn == 0 || tn > WEFT_TAG_MAX)
			return WEFT_ECORRUPT;
		keep = 0;
		for (j = 0; j < hr->ntags && !keep; j++)
			keep = strlen(hr->tags[j]) == tn &&
			    tag_eq(hr->tags[j], ts, tn);
		if (keep)
			continue;
		err = db_del(txn, s->dbi[DB_TAG_DESIGN], key,
		    tag_key(key, ts, tn, created, design));
		if (err)
			return err;
	}
	for (i = 0; i < hr->ntags; i++) {
		n = strlen(hr->tags[i]);
		keep = 0;
		for (j = 0, offj = 0; j < nold && !keep; j++) {
			dsum_tag_next(old, &offj, &ts, &tn);
			keep = tn == n && tag_eq(hr->tags[i], ts, tn);
		}
		if (keep)
			continue;
		err = store_put(s, txn, DB_TAG_DESIGN, key,
		    tag_key(key, hr->tags[i], n, created, design), "", 0);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Brings the summary, tag and word indexes of design up to date after
 * rev r (id) was stored. "removed" prevs stopped being heads; is_head
 * says whether r itself is one.
 */
static int
design_update(struct weft_store *s, MDB_txn *txn, const uint8_t dk[DKEY],
    const struct weft_record *r, const uint8_t id[ID], uint64_t removed,
    int is_head, uint8_t head[ID], int *head_changed)
{
	const uint8_t		*design = dk + 8;
	struct summary_old	 so;
	struct weft_record	 loaded;
	const struct weft_record *hr;
	struct weft_buf		 sum;
	struct weft__rev	 last;
	uint8_t			 key2[WEFT_PK_BYTES + 8 + ID];
	const uint8_t		*author;
	uint64_t		 created, revs, heads;
	int			 genesis = !r->has_design, changed, err;

	memset(&so, 0, sizeof(so));
	weft_buf_init(&so.raw, SUMMARY_MAX);
	weft_record_init(&loaded);
	weft_buf_init(&sum, SUMMARY_MAX);

	if (genesis) {
		author = r->author;
		created = r->ts;
		revs = 1;
		heads = is_head ? 1 : 0;
		memcpy(key2, author, WEFT_PK_BYTES);
		be64enc(key2 + WEFT_PK_BYTES, created);
		memcpy(key2 + WEFT_PK_BYTES + 8, design, ID);
		err = store_put(s, txn, DB_AUTHOR_DESIGN, key2,
		    sizeof(key2), "", 0);
		if (err)
			goto out;
	} else {
		err = summary_load(s, txn, dk, &so);
		if (err)
			goto out;
		author = so.author;
		created = so.created;
		revs = so.revs + 1;
		if (so.heads + (is_head ? 1 : 0) < removed) {
			err = WEFT_ECORRUPT;
			goto out;
		}
		heads = so.heads + (is_head ? 1 : 0) - removed;
	}

	/* The newest head by (ts, id). */
	err = weft__store_rev_last(s, txn, DB_HEADS, dk, &last);
	if (err == 0)
		memcpy(head, last.id, ID);
	if (err) {
		/* Every design has a head: a DAG has a maximal element. */
		err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
		goto out;
	}

	if (memcmp(head, id, ID) == 0) {
		hr = r;
	} else {
		err = weft__store_rec_load_named(s, txn, head, &loaded);
		if (err)
			goto out;
		hr = &loaded;
	}

	changed = genesis || memcmp(head, so.head, ID) != 0;
	if (changed) {
		err = tags_update(s, txn, design, created,
		    genesis ? NULL : &so.d, hr);
		if (err)
			goto out;
	}

	/*
	 * A new head is judged against the license table by ingest, which
	 * sets the flag (weft__store_summary_conflict()); an old one keeps
	 * its judgement.
	 */
	*head_changed = changed;
	err = summary_encode(&sum, design, head, author, hr, created, revs,
	    heads, changed ? false : so.conflict);
	if (err == 0)
		err = store_put(s, txn, DB_DESIGNS, dk, DKEY, sum.data,
		    sum.len);
out:
	weft_buf_release(&sum);
	weft_record_release(&loaded);
	weft_buf_release(&so.raw);
	return err;
}

int
weft__store_design_head(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], uint8_t head[ID])
{
	struct summary_old	 so;
	uint8_t			 dk[DKEY];
	int			 err;

	memset(&so, 0, sizeof(so));
	weft_buf_init(&so.raw, SUMMARY_MAX);
	err = weft__store_design_key(s, txn, design, dk);
	if (err == 0)
		err = summary_load(s, txn, dk, &so);
	if (err == 0)
		memcpy(head, so.head, ID);
	weft_buf_release(&so.raw);
	return err;
}

int
weft__store_summary_conflict(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], const struct weft_record *hr, bool conflict)
{
	struct summary_old	 so;
	struct weft_buf		 sum;
	uint8_t			 dk[DKEY];
	int			 err;

	memset(&so, 0, sizeof(so));
	weft_buf_init(&so.raw, SUMMARY_MAX);
	weft_buf_init(&sum, SUMMARY_MAX);
	err = weft__store_design_key(s, txn, design, dk);
	if (err == WEFT_ENOTFOUND) {
		err = 0;	/* not here: nothing to flag */
		goto out;
	}
	if (err == 0)
		err = summary_load(s, txn, dk, &so);
	if (err || so.conflict == conflict)
		goto out;
	err = summary_encode(&sum, design, so.head, so.author, hr,
	    so.created, so.revs, so.heads, conflict);
	if (err == 0)
		err = store_put(s, txn, DB_DESIGNS, dk, DKEY, sum.data,
		    sum.len);
out:
	weft_buf_release(&sum);
	weft_buf_release(&so.raw);
	return err;
}

int
weft__store_rev_index(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID], uint8_t head[ID],
    int *head_changed)
{
	struct recinfo	 pi;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 dk[DKEY], key[REVKEY];
	const uint8_t	*design = dk + 8;
	uint64_t	 removed = 0;
	size_t		 klen;
	int		 is_head, err, rc;

	/* The design's keys start with its created || design. */
	if (r->has_design) {
		err = weft__store_design_key(s, txn, r->design, dk);
		if (err)
			return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	} else {
		dkey(dk, r->ts, id);
	}

	klen = weft__store_rkey(key, dk, r->ts, id);
	err = store_put(s, txn, DB_BY_DESIGN, key, klen, "", 0);
	if (err)
		return err;

	for (uint32_t i = 0; i < r->prev.n; i++) {
		memcpy(key, r->prev.ids[i], ID);
		memcpy(key + ID, id, ID);
		err = store_put(s, txn, DB_SUCC, key, 2 * ID, "", 0);
		if (err)
			return err;
		err = weft__store_info_get(s, txn, r->prev.ids[i], &pi);
		if (err)
			return err;
		klen = weft__store_rkey(key, dk, pi.ts, r->prev.ids[i]);
		err = db_has(txn, s->dbi[DB_HEADS], key, klen);
		if (err == WEFT_ENOTFOUND)
			continue;
		if (err)
			return err;
		err = db_del(txn, s->dbi[DB_HEADS], key, klen);
		if (err)
			return err;
		removed++;
	}

	/*
	 * r is a head unless a stored revision already names it as prev.
	 * Ingest requires prevs to be present, so today that cannot happen,
	 * but the succ index keeps heads right if that rule is relaxed.
	 */
	rc = mdb_cursor_open(txn, s->dbi[DB_SUCC], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, id, ID, &k, &v);
	mdb_cursor_close(c);
	if (err != 0 && err != WEFT_ENOTFOUND)
		return err;
	is_head = err == WEFT_ENOTFOUND;
	if (is_head) {
		klen = weft__store_rkey(key, dk, r->ts, id);
		err = store_put(s, txn, DB_HEADS, key, klen, "", 0);
		if (err)
			return err;
	}

	for (uint32_t i = 0; i < r->remix_of.n; i++) {
		err = weft__store_info_get(s, txn, r->remix_of.ids[i], &pi);
		if (err)
			return err;
		if (memcmp(pi.design, design, ID) == 0)
			continue;
		memcpy(key, pi.design, ID);
		memcpy(key + ID, design, ID);
		err = db_has(txn, s->dbi[DB_REMIX], key, 2 * ID);
		if (err == 0)
			continue;
		if (err != WEFT_ENOTFOUND)
			return err;
		err = db_put(txn, s->dbi[DB_REMIX], key, 2 * ID,
		    r->remix_of.ids[i], ID);
		if (err)
			return err;
	}

	return design_update(s, txn, dk, r, id, removed, is_head, head,
	    head_changed);
}

int
weft__store_entry_index(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	const uint8_t	*p;
	uint8_t		 key[2 * ID], val[ENTRY_VAL_LEN];
	uint64_t	 ts;
	MDB_val		 v;
	int		 err;

	memcpy(key, r->lib, ID);
	memcpy(key + ID, r->entry_design, ID);
	err = db_get(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), &v);
	if (err == 0) {
		if (v.mv_size != ENTRY_VAL_LEN)
			return WEFT_ECORRUPT;
		p = v.mv_data;
		ts = be64dec(p + ID);
		/* The latest entry by (ts, id) wins. */
		if (ts > r->ts || (ts == r->ts && memcmp(p, id, ID) > 0))
			return 0;
	} else if (err != WEFT_ENOTFOUND) {
		return err;
	}
	memcpy(val, id, ID);
	be64enc(val + ID, r->ts);
	val[ID + 8] = (uint8_t)r->action;
	return db_put(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), val,
	    sizeof(val));
}

int
weft__store_lib_index(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	uint8_t	*val;
	size_t	 n = 1 + r->maintainers.n;
	int	 err;

	val = malloc(n * WEFT_PK_BYTES);
	if (val == NULL)
		return -ENOMEM;
	memcpy(val, r->author, WEFT_PK_BYTES);
	for (uint32_t i = 0; i < r->maintainers.n; i++)
		memcpy(val + (1 + i) * WEFT_PK_BYTES, r->maintainers.ids[i],
		    WEFT_PK_BYTES);
	err = db_put(txn, s->dbi[DB_LIBS], id, ID, val, n * WEFT_PK_BYTES);
	free(val);
	return err;
}

/* ------------------------------------------------------------------ */
/* Walks */

/*
 * The revisions (drevs) or heads (dheads) of design, oldest first or
 * newest first, in (ts, id) order whatever their keys' (format 12); cb
 * gets each one's (id, envelope). WEFT_ENOTFOUND when design is not a
 * stored design; missing records are corruption.
 */
static int
walk_revs(struct weft_store *s, int db, const uint8_t design[ID],
    int backward, weft_store_item_cb *cb, void *arg)
{
	struct weft__rev	*rv = NULL;
	MDB_txn			*txn;
	MDB_val			 val;
	const uint8_t		*id;
	uint8_t			 dk[DKEY];
	size_t			 n = 0;
	int			 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_design_key(s, txn, design, dk);
	if (err == 0)
		err = weft__store_revs_get(s, txn, db, dk, &rv, &n);
	for (size_t i = 0; i < n && err == 0; i++) {
		id = rv[backward ? n - 1 - i : i].id;
		err = weft__store_rec_get(s, txn, id, &val);
		if (err == WEFT_ENOTFOUND)
			err = WEFT_ECORRUPT;
		if (err == 0)
			err = cb(arg, id, val.mv_data, val.mv_size);
	}
	free(rv);
	weft__store_read_end(s, txn);
	return err;
}

/*
 * Walks the keys of db for design, forward or backward: db's keys start
 * with the design's DKEY and end in ts || rev, or, with !by_dk, start
 * with design and end in another design id (remix). For each, cb gets
 * (id, envelope) of the record whose id ends the key. WEFT_ENOTFOUND
 * when design is not a stored design; missing records are corruption.
 */
static int
walk(struct weft_store *s, int db, const uint8_t design[ID], int by_dk,
    int backward, weft_store_item_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v, val;
	uint8_t		 dk[DKEY], id[ID];
	const uint8_t	*pfx = by_dk ? dk : design;
	size_t		 plen = by_dk ? DKEY : ID;
	size_t		 idoff = by_dk ? DKEY + 8 : ID;
	int		 err, rc, stopped = 0;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_design_key(s, txn, design, dk);
	if (err)
		goto out;
	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc) {
		err = weft__store_xlat(rc);
		goto out;
	}
	if (backward)
		err = weft__store_cur_last(c, pfx, plen, &k, &v);
	else
		err = weft__store_cur_first(c, pfx, plen, &k, &v);
	while (err == 0) {
		if (k.mv_size != idoff + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(id, (uint8_t *)k.mv_data + idoff, ID);
		err = weft__store_rec_get(s, txn, id, &val);
		if (err) {
			err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
			break;
		}
		err = cb(arg, id, val.mv_data, val.mv_size);
		if (err) {
			stopped = 1;
			break;
		}
		err = weft__store_cur_step(c, pfx, plen, &k, &v,
		    backward ? MDB_PREV : MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND && !stopped)
		err = 0;
out:
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_design_revs(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb, void *arg)
{
	return walk_revs(s, DB_BY_DESIGN, design, 0, cb, arg);
}

int
weft_store_design_heads(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb, void *arg)
{
	return walk_revs(s, DB_HEADS, design, 1, cb, arg);
}

int
weft_store_design_remixes(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb, void *arg)
{
	return walk(s, DB_REMIX, design, 0, 0, cb, arg);
}

int
weft_store_design_summary(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *out)
{
	struct weft_buf	 map;
	MDB_txn		*txn;
	uint8_t		 dk[DKEY];
	int		 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	weft_buf_init(&map, DSUM_MAX);
	err = weft__store_design_key(s, txn, design, dk);
	if (err == 0)
		err = dsum_map_get(txn, s->dbi[DB_DESIGNS], dk, &map);
	if (err == 0)
		err = weft_buf_add(out, map.data, map.len);
	weft__store_read_end(s, txn);
	weft_buf_release(&map);
	return err;
}

/*
 * cb gets the summary of the design of DKEY dk, built in map (a scratch
 * buffer the walk keeps).
 */
static int
emit_summary_dk(struct weft_store *s, MDB_txn *txn, const uint8_t dk[DKEY],
    struct weft_buf *map, weft_store_item_cb *cb, void *arg)
{
	int	err;

	err = dsum_map_get(txn, s->dbi[DB_DESIGNS], dk, map);
	if (err)
		return err;
	return cb(arg, dk + 8, map->data, map->len);
}

static int
emit_summary(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    struct weft_buf *map, weft_store_item_cb *cb, void *arg)
{
	uint8_t	dk[DKEY];
	int	err;

	err = weft__store_design_key(s, txn, design, dk);
	/* A design taken back leaves its libraries' lists. */
	if (err == WEFT_ENOTFOUND && db_has(txn, s->dbi[DB_TOMBS], design,
	    ID) == 0)
		return 0;
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	return emit_summary_dk(s, txn, dk, map, cb, arg);
}

/*
 * Walks the designs of ls in (created, design) order, after the position
 * *pos (created_be64 || design) when given, calling cb for at most max
 * of them; *pos is left at the last one walked and *more says whether
 * the walk stopped before the end.
 */
static int
designs_walk(struct weft_store *s, const uint8_t *author, const char *tag,
    uint8_t *pos, size_t max, bool *more, weft_store_item_cb *cb, void *arg)
{
	uint8_t		 seek[WEFT_TAG_MAX + 1 + 8 + ID];
	size_t		 n = 0;
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 pfx[WEFT_TAG_MAX + 1], ak[WEFT_PK_BYTES + 8 + ID];
	const uint8_t	*kp;
	struct weft_buf	 map;
	size_t		 plen, tn = 0;
	int		 db, err, rc, skip, stopped = 0;

	if (tag != NULL) {
		tn = strlen(tag);
		if (tn == 0 || tn > WEFT_TAG_MAX)
			return 0;	/* no stored tag can match */
		for (size_t i = 0; i < tn; i++)
			pfx[i] = fold((uint8_t)tag[i]);
		pfx[tn] = 0;
		plen = tn + 1;
		db = DB_TAG_DESIGN;
	} else if (author != NULL) {
		memcpy(pfx, author, WEFT_PK_BYTES);
		plen = WEFT_PK_BYTES;
		db = DB_AUTHOR_DESIGN;
	} else {
		plen = 0;
		db = DB_DESIGNS;	/* its values are the summaries */
	}

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	weft_buf_init(&map, DSUM_MAX);
	if (more != NULL)
		*more = false;
	if (pos != NULL && more != NULL && *more == false && max > 0 &&
	    memcmp(pos, (uint8_t[8 + ID]){ 0 }, 8 + ID) != 0) {
		/* Resume: the first key after pfx || pos. */
		memcpy(seek, pfx, plen);
		memcpy(seek + plen, pos, 8 + ID);
		k.mv_data = seek;
		k.mv_size = plen + 8 + ID;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == plen + 8 + ID &&
		    memcmp(k.mv_data, seek, plen + 8 + ID) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		err = weft__store_xlat(rc);
		if (err == 0 && (k.mv_size < plen ||
		    memcmp(k.mv_data, pfx, plen) != 0))
			err = WEFT_ENOTFOUND;
	} else if (plen == 0) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		err = weft__store_xlat(rc);
	} else {
		err = weft__store_cur_first(c, pfx, plen, &k, &v);
	}
	/* Every key of the three databases ends in created_be64 || design. */
	while (err == 0) {
		if (k.mv_size != plen + 8 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		kp = (const uint8_t *)k.mv_data + plen;
		if (n == max) {
			if (more != NULL)
				*more = true;
			break;
		}
		skip = 0;
		if (tag != NULL && author != NULL) {
			memcpy(ak, author, WEFT_PK_BYTES);
			memcpy(ak + WEFT_PK_BYTES, kp, 8 + ID);
			err = db_has(txn, s->dbi[DB_AUTHOR_DESIGN], ak,
			    sizeof(ak));
			if (err == WEFT_ENOTFOUND)
				skip = 1;
			else if (err)
				break;
		}
		if (!skip) {
			err = emit_summary_dk(s, txn, kp, &map, cb, arg);
			if (err) {
				stopped = 1;
				break;
			}
			n++;
		}
		if (pos != NULL)
			memcpy(pos, kp, 8 + ID);
		if (plen == 0)
			err = weft__store_xlat(mdb_cursor_get(c, &k, &v,
			    MDB_NEXT));
		else
			err = weft__store_cur_step(c, pfx, plen, &k, &v,
			    MDB_NEXT);
	}
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	weft_buf_release(&map);
	return err == WEFT_ENOTFOUND && !stopped ? 0 : err;
}

int
weft_store_designs(struct weft_store *s, const uint8_t *author,
    const char *tag, weft_store_item_cb *cb, void *arg)
{
	return designs_walk(s, author, tag, NULL, SIZE_MAX, NULL, cb, arg);
}

int
weft_store_designs_page(struct weft_store *s, const uint8_t *author,
    const char *tag, uint8_t pos[WEFT_STORE_POS_BYTES], size_t max,
    bool *more, weft_store_item_cb *cb, void *arg)
{
	*more = false;
	return designs_walk(s, author, tag, pos, max, more, cb, arg);
}

int
weft_store_designs_recent(struct weft_store *s, size_t max,
    weft_store_item_cb *cb, void *arg)
{
	struct weft_buf	 map;
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n = 0;
	int		 err, rc;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_DESIGNS], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	weft_buf_init(&map, DSUM_MAX);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	while (rc == 0 && n < max) {
		if (k.mv_size != 8 + ID) {
			rc = MDB_CORRUPTED;
			break;
		}
		err = emit_summary_dk(s, txn, k.mv_data, &map, cb, arg);
		if (err)
			break;
		n++;
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	}
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	weft_buf_release(&map);
	if (err)
		return err;
	return rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

int
weft_store_lib_designs(struct weft_store *s, const uint8_t lib[WEFT_ID_BYTES],
    weft_store_item_cb *cb, void *arg)
{
	struct weft_buf	 map;
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	const uint8_t	*p;
	int		 err, rc, stopped = 0;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	weft_buf_init(&map, DSUM_MAX);
	err = db_has(txn, s->dbi[DB_LIBS], lib, ID);
	if (err)
		goto out;
	rc = mdb_cursor_open(txn, s->dbi[DB_LIB_ENTRY], &c);
	if (rc) {
		err = weft__store_xlat(rc);
		goto out;
	}
	err = weft__store_cur_first(c, lib, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != 2 * ID || v.mv_size != ENTRY_VAL_LEN) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = v.mv_data;
		if (p[ID + 8] == WEFT_ENTRY_ADD) {
			err = emit_summary(s, txn,
			    (const uint8_t *)k.mv_data + ID, &map, cb, arg);
			if (err) {
				stopped = 1;
				break;
			}
		}
		err = weft__store_cur_step(c, lib, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND && !stopped)
		err = 0;
out:
	weft__store_read_end(s, txn);
	weft_buf_release(&map);
	return err;
}

/* Deletes every key of db that starts with pfx (plen bytes). */
static int
del_prefix(struct weft_store *s, MDB_txn *txn, int db, const uint8_t *pfx,
    size_t plen)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc)
		return weft__store_xlat(rc);
	/* Sought again after each delete: the plainest walk that is sure. */
	while ((err = weft__store_cur_first(c, pfx, plen, &k, &v)) == 0) {
		rc = mdb_cursor_del(c, 0);
		if (rc) {
			err = weft__store_xlat(rc);
			break;
		}
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* The succ and remix keys a revision of a dropped design put. */
static int
drop_rev_keys(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const uint8_t rev[ID])
{
	struct weft_record	r;
	struct recinfo		pi;
	uint8_t			key[2 * ID];
	int			err;

	weft_record_init(&r);
	err = del_prefix(s, txn, DB_SUCC, rev, ID);
	if (err == 0)
		err = weft__store_rec_load_named(s, txn, rev, &r);
	for (uint32_t i = 0; err == 0 && i < r.remix_of.n; i++) {
		err = weft__store_info_get(s, txn, r.remix_of.ids[i], &pi);
		if (err == WEFT_ENOTFOUND) {
			err = 0;
			continue;
		}
		memcpy(key, pi.design, ID);
		memcpy(key + ID, design, ID);
		if (err == 0)
			err = db_del(txn, s->dbi[DB_REMIX], key, sizeof(key));
	}
	weft_record_release(&r);
	return err;
}

int
weft__store_design_drop(struct weft_store *s, MDB_txn *txn,
    const uint8_t dk[DKEY])
{
	const uint8_t		*design = dk + 8;
	struct summary_old	 so;
	struct weft_record	 none;
	struct weft__rev	*rv = NULL;
	size_t			 n = 0;
	uint8_t			 key2[WEFT_PK_BYTES + DKEY];
	int			 err;

	memset(&so, 0, sizeof(so));
	weft_buf_init(&so.raw, SUMMARY_MAX);
	weft_record_init(&none);
	err = summary_load(s, txn, dk, &so);
	if (err == WEFT_ECORRUPT && db_has(txn, s->dbi[DB_DESIGNS], dk,
	    DKEY) == WEFT_ENOTFOUND)
		err = 0;	/* dropped already */
	else if (err == 0)
		err = tags_update(s, txn, design, so.created, &so.d, &none);
	if (err == 0 && so.have) {
		memcpy(key2, so.author, WEFT_PK_BYTES);
		memcpy(key2 + WEFT_PK_BYTES, dk, DKEY);
		err = db_del(txn, s->dbi[DB_AUTHOR_DESIGN], key2,
		    sizeof(key2));
	}
	if (err == 0)
		err = db_del(txn, s->dbi[DB_DESIGNS], dk, DKEY);
	/* Each revision's succ and remix keys, then the revisions. */
	if (err == 0)
		err = weft__store_revs_get(s, txn, DB_BY_DESIGN, dk, &rv, &n);
	for (size_t i = 0; i < n && err == 0; i++)
		err = drop_rev_keys(s, txn, design, rv[i].id);
	free(rv);
	if (err == 0)
		err = del_prefix(s, txn, DB_BY_DESIGN, dk, DKEY);
	if (err == 0)
		err = del_prefix(s, txn, DB_HEADS, dk, DKEY);
	if (err == 0)
		err = del_prefix(s, txn, DB_REMIX, design, ID);
	weft_record_release(&none);
	weft_buf_release(&so.raw);
	return err;
}

int
weft__store_rev_drop(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID], uint8_t head[ID],
    int *head_changed)
{
	struct summary_old	 so;
	struct weft_record	 hr;
	struct weft_buf		 sum;
	struct recinfo		 pi, ri;
	struct weft__rev	*hv = NULL;
	MDB_cursor		*c = NULL;
	MDB_val			 k, v;
	uint8_t			 dk[DKEY], key[REVKEY];
	size_t			 heads = 0, klen;
	int			 err, rc;

	memset(&so, 0, sizeof(so));
	weft_buf_init(&so.raw, SUMMARY_MAX);
	weft_buf_init(&sum, SUMMARY_MAX);
	weft_record_init(&hr);
	*head_changed = 0;
	err = weft__store_design_key(s, txn, r->design, dk);
	if (err == 0)
		err = summary_load(s, txn, dk, &so);
	if (err == 0)
		err = weft__store_info_get(s, txn, id, &ri);
	if (err)
		goto out;
	klen = weft__store_rkey(key, dk, ri.ts, id);
	err = db_del(txn, s->dbi[DB_BY_DESIGN], key, klen);
	if (err == 0)
		err = db_del(txn, s->dbi[DB_HEADS], key, klen);
	if (err == 0)
		err = del_prefix(s, txn, DB_SUCC, id, ID);
	/* A prev that no other revision follows is a head again. */
	for (uint32_t i = 0; i < r->prev.n && err == 0; i++) {
		memcpy(key, r->prev.ids[i], ID);
		memcpy(key + ID, id, ID);
		err = db_del(txn, s->dbi[DB_SUCC], key, 2 * ID);
		if (err == 0)
			err = weft__store_info_get(s, txn, r->prev.ids[i], &pi);
		if (err == WEFT_ENOTFOUND) {
			err = 0;
			continue;
		}
		rc = err ? 0 : mdb_cursor_open(txn, s->dbi[DB_SUCC], &c);
		if (rc)
			err = weft__store_xlat(rc);
		if (err)
			break;
		err = weft__store_cur_first(c, r->prev.ids[i], ID, &k, &v);
		mdb_cursor_close(c);
		if (err != WEFT_ENOTFOUND)
			continue;
		klen = weft__store_rkey(key, dk, pi.ts, r->prev.ids[i]);
		err = db_put(txn, s->dbi[DB_HEADS], key, klen, "", 0);
	}
	if (err)
		goto out;
	/* The heads now: their number and the newest. */
	err = weft__store_revs_get(s, txn, DB_HEADS, dk, &hv, &heads);
	if (err)
		goto out;
	if (heads > 0)
		memcpy(head, hv[heads - 1].id, ID);
	free(hv);
	err = heads == 0 || so.revs < 2 ? WEFT_ECORRUPT : 0;
	if (err == 0)
		err = weft__store_rec_load_named(s, txn, head, &hr);
	if (err)
		goto out;
	*head_changed = memcmp(head, so.head, ID) != 0;
	if (*head_changed)
		err = tags_update(s, txn, dk + 8, so.created, &so.d, &hr);
	if (err == 0)
		err = summary_encode(&sum, dk + 8, head, so.author, &hr,
		    so.created, so.revs - 1, heads,
		    *head_changed ? false : so.conflict);
	if (err == 0)
		err = store_put(s, txn, DB_DESIGNS, dk, DKEY, sum.data,
		    sum.len);
out:
	weft_record_release(&hr);
	weft_buf_release(&sum);
	weft_buf_release(&so.raw);
	return err;
}

/* ------------------------------------------------------------------ */
/* Format 11: compact summaries */

/*
 * The upgrade to format 11 rewrites the summaries of `dsum` from the
 * control map they were (store_dsum.h) in bounded write transactions, as
 * the word index's rebuild does, and in two passes so that the table
 * comes out as small as a new one (shorter values written in place
 * would leave every leaf a third full): begin() leaves the mark
 * `dsum_compact` in `meta`; while it is empty or 'c' || dsum key, each
 * step() appends the compact values of at most weft__store_dsum_step
 * summaries after that key to `dsum_tmp`, and the step that finds no
 * more empties `dsum` and sets 'm'; while it is 'm' [|| key], each step
 * appends as many of `dsum_tmp` after the key back to `dsum`, and the
 * last empties `dsum_tmp` and deletes the mark. A crash between steps
 * leaves the mark: the next open goes on from there.
 */
#define DSUM_MARK	"dsum_compact"
#define DSUM_MARKLEN	12

size_t	weft__store_dsum_step = 20000;

/*
 * Begins a two-pass upgrade: empties its temporary table tmp and puts
 * its mark (empty) in `meta`, in the open transaction.
 */
static int
twopass_begin(struct weft_store *s, MDB_txn *txn, int tmp, const char *mark,
    size_t marklen)
{
	int	rc;

	rc = mdb_drop(txn, s->dbi[tmp], 0);
	if (rc)
		return weft__store_xlat(rc);
	return db_put(txn, s->dbi[DB_META], mark, marklen, "", 0);
}

int
weft__store_dsum_upgrade11(struct weft_store *s, MDB_txn *txn)
{
	return twopass_begin(s, txn, DB_DSUM_TMP, DSUM_MARK, DSUM_MARKLEN);
}

int
weft__store_dsum_upgrade_pending(struct weft_store *s, MDB_txn *txn)
{
	return db_has(txn, s->dbi[DB_META], DSUM_MARK, DSUM_MARKLEN);
}

/* The compact value of the summary map p (n bytes) of dk, into out. */
static int
dsum_from_map(const uint8_t dk[DKEY], const uint8_t *p, size_t n,
    struct weft_buf *out)
{
	struct weft_msg		 msg;
	const struct weft_obj	*root, *tags;
	const char		*title, *license, *t;
	size_t			 tl, ll, tn;
	uint8_t			 design[ID], head[ID], author[WEFT_PK_BYTES];
	uint64_t		 created, updated, revs, heads;
	bool			 conflict = false;
	int			 err;

	if (weft_msg_decode(&msg, p, n) != 0)
		return WEFT_ECORRUPT;
	root = msg.root;
	tags = weft_obj_get(root, "tags");
	err = 0;
	if (weft_obj_binn(weft_obj_get(root, "design"), design, ID) ||
	    weft_obj_binn(weft_obj_get(root, "head"), head, ID) ||
	    weft_obj_binn(weft_obj_get(root, "author"), author,
	    WEFT_PK_BYTES) ||
	    weft_obj_str(weft_obj_get(root, "title"), &title, &tl) ||
	    weft_obj_str(weft_obj_get(root, "license"), &license, &ll) ||
	    weft_obj_uint(weft_obj_get(root, "created"), &created) ||
	    weft_obj_uint(weft_obj_get(root, "updated"), &updated) ||
	    weft_obj_uint(weft_obj_get(root, "revs"), &revs) ||
	    weft_obj_uint(weft_obj_get(root, "heads"), &heads) ||
	    weft_obj_type(tags) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(tags) > DSUM_TAGS_MAX ||
	    memcmp(design, dk + 8, ID) != 0 || created != be64dec(dk) ||
	    (weft_obj_get(root, "conflict") != NULL &&
	    weft_obj_bool(weft_obj_get(root, "conflict"), &conflict)))
		err = WEFT_ECORRUPT;

	if (err == 0)
		err = dsum_encode(out, design, head, author, title, tl, license,
		    ll, created, updated, revs, heads, conflict,
		    (uint32_t)weft_obj_len(tags));
	for (size_t i = 0; err == 0 && i < weft_obj_len(tags); i++) {
		err = weft_obj_str(weft_obj_at(tags, i), &t, &tn);
		if (err)
			err = WEFT_ECORRUPT;
		else
			err = dsum_bytes_put(out, t, tn);
	}
	weft_msg_release(&msg);
	return err;
}

/*
 * Appends key k (klen bytes) and value v (vlen) to the end of c's table
 * (the keys of an upgrade's copy come in order).
 */
static int
cur_append(MDB_cursor *c, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	MDB_val	key = { klen, (void *)k }, val = { vlen, (void *)v };

	return weft__store_xlat(mdb_cursor_put(c, &key, &val, MDB_APPEND));
}

/*
 * One step of a pass: from db `from` after after (NULL: from the first)
 * to the end of db `to`, compacting maps; *last gets the last key moved,
 * *done whether `from` has no more.
 */
static int
dsum_pass(struct weft_store *s, MDB_txn *txn, int from, int to,
    const uint8_t *after, uint8_t last[DKEY], bool *done)
{
	struct weft_buf	 out;
	MDB_cursor	*c, *w;
	MDB_val		 k, v;
	size_t		 n = 0;
	int		 err = 0, rc;

	*done = false;
	rc = mdb_cursor_open(txn, s->dbi[from], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_open(txn, s->dbi[to], &w);
	if (rc) {
		mdb_cursor_close(c);
		return weft__store_xlat(rc);
	}
	weft_buf_init(&out, DSUM_MAX);
	if (after == NULL) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	} else {
		k.mv_size = DKEY;
		k.mv_data = (void *)after;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == DKEY &&
		    memcmp(k.mv_data, after, DKEY) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	while (rc == 0 && n < weft__store_dsum_step) {
		if (k.mv_size != DKEY) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(last, k.mv_data, DKEY);
		if (dsum_is_map(v.mv_data, v.mv_size)) {
			err = dsum_from_map(last, v.mv_data, v.mv_size, &out);
			if (err == 0)
				err = cur_append(w, last, DKEY, out.data,
				    out.len);
		} else {
			err = cur_append(w, last, DKEY, v.mv_data, v.mv_size);
		}
		if (err)
			break;
		n++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(w);
	mdb_cursor_close(c);
	weft_buf_release(&out);
	if (err)
		return err;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return weft__store_xlat(rc);
	*done = rc == MDB_NOTFOUND;
	return 0;
}

int
weft__store_dsum_upgrade_step(struct weft_store *s, MDB_txn *txn, void *arg)
{
	MDB_val	 v;
	uint8_t	 mark[1 + DKEY], last[DKEY];
	size_t	 mlen;
	bool	 done, back;
	int	 err, rc;

	(void)arg;
	err = db_get(txn, s->dbi[DB_META], DSUM_MARK, DSUM_MARKLEN, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	mlen = v.mv_size;
	if (mlen > 0)
		memcpy(mark, v.mv_data, mlen < sizeof(mark) ? mlen : 1);
	if (mlen != 0 && !(mlen == 1 + DKEY && mark[0] == 'c') &&
	    !(mark[0] == 'm' && (mlen == 1 || mlen == 1 + DKEY)))
		return WEFT_ECORRUPT;
	if (mlen == 1 + DKEY)
		memcpy(mark + 1, (const uint8_t *)v.mv_data + 1, DKEY);
	back = mlen > 0 && mark[0] == 'm';
	err = dsum_pass(s, txn, back ? DB_DSUM_TMP : DB_DESIGNS,
	    back ? DB_DESIGNS : DB_DSUM_TMP, mlen > 1 ? mark + 1 : NULL, last,
	    &done);
	if (err)
		return err;
	if (done) {
		rc = mdb_drop(txn, s->dbi[back ? DB_DSUM_TMP : DB_DESIGNS], 0);
		if (rc)
			return weft__store_xlat(rc);
		if (back)
			return db_del(txn, s->dbi[DB_META], DSUM_MARK,
			    DSUM_MARKLEN);
		return db_put(txn, s->dbi[DB_META], DSUM_MARK, DSUM_MARKLEN,
		    "m", 1);
	}
	mark[0] = back ? 'm' : 'c';
	memcpy(mark + 1, last, DKEY);
	return db_put(txn, s->dbi[DB_META], DSUM_MARK, DSUM_MARKLEN, mark,
	    sizeof(mark));
}

/* ------------------------------------------------------------------ */
/* Format 12: short genesis keys in drevs and dheads */

/*
 * The upgrade to format 12 writes each genesis's key of `drevs` and
 * `dheads` (dk || created || design) as dk alone, in bounded write
 * transactions and in two passes per table so that the tables come out
 * as dense as new ones (shorter keys written in place would leave the
 * leaves half full). upgrade12() empties `rkey_tmp` and leaves the mark
 * `rkey_short` in `meta`, a phase byte and a key: 'a' (or empty) copies
 * `drevs` to `rkey_tmp`, whole designs at a time after the design key
 * held, the genesis's key shortened (appended first of its design);
 * the step that finds no more empties `drevs` and sets 'b', which
 * appends `rkey_tmp` back after the key held; then 'c' and 'd' do the
 * same for `dheads`, 'e' and 'f' for `info` (values whose design is
 * implied cut short), 'g' and 'h' for `recs` (as they are: appended,
 * its leaves come out full, see store_append()), and the last step
 * empties `rkey_tmp` and deletes the mark. A crash between steps
 * leaves the mark: the next open goes on from there.
 */
#define REVS_MARK	"rkey_short"
#define REVS_MARKLEN	10

size_t	weft__store_revs_step = 20000;

int
weft__store_revs_upgrade12(struct weft_store *s, MDB_txn *txn)
{
	return twopass_begin(s, txn, DB_REVKEY_TMP, REVS_MARK, REVS_MARKLEN);
}

int
weft__store_revs_upgrade_pending(struct weft_store *s, MDB_txn *txn)
{
	return db_has(txn, s->dbi[DB_META], REVS_MARK, REVS_MARKLEN);
}

enum { PASS_COPY, PASS_SHORTEN, PASS_INFO };

/*
 * One step of a pass from db `from` to the end of db `to`, after key
 * after (alen bytes; none when 0): PASS_SHORTEN, whole designs after
 * the design after names, each genesis's key shortened; PASS_INFO,
 * `info` values whose design is implied cut to INFO_SHORT; PASS_COPY,
 * keys and values as they are. *last (*llen bytes) gets the last design
 * or key moved, *done whether `from` has no more.
 */
static int
revs_pass(struct weft_store *s, MDB_txn *txn, int from, int to, int mode,
    const uint8_t *after, size_t alen, uint8_t last[REVKEY], size_t *llen,
    bool *done)
{
	static const uint8_t	 zero[ID];
	MDB_cursor		*c, *w;
	MDB_val			 k, v;
	const uint8_t		*iv;
	uint8_t			 dk[DKEY], g[REVKEY];
	size_t			 n = 0, vlen;
	int			 err = 0, rc;

	*done = false;
	*llen = 0;
	rc = mdb_cursor_open(txn, s->dbi[from], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_open(txn, s->dbi[to], &w);
	if (rc) {
		mdb_cursor_close(c);
		return weft__store_xlat(rc);
	}
	if (alen == 0) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	} else {
		k.mv_size = alen;
		k.mv_data = (void *)after;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		/* Past the key held, or every key of the design held. */
		while (rc == 0 && (mode == PASS_SHORTEN ?
		    prefix_eq(&k, after, alen) : k.mv_size == alen &&
		    memcmp(k.mv_data, after, alen) == 0))
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	while (rc == 0 && err == 0 && n < weft__store_revs_step) {
		if (k.mv_size > REVKEY) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (mode != PASS_SHORTEN) {
			memcpy(last, k.mv_data, k.mv_size);
			*llen = k.mv_size;
			vlen = v.mv_size;
			iv = v.mv_data;
			if (mode == PASS_INFO && (k.mv_size != ID ||
			    (vlen != INFO_LEN && vlen != INFO_SHORT)))
				err = WEFT_ECORRUPT;
			/* A genesis names itself, most others nothing. */
			else if (mode == PASS_INFO && vlen == INFO_LEN &&
			    memcmp(iv + INFO_SHORT, iv[0] == WEFT_REC_REV ?
			    last : zero, ID) == 0)
				vlen = INFO_SHORT;
			if (err == 0)
				err = cur_append(w, last, *llen, iv, vlen);
			n++;
			if (err == 0)
				rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		if (k.mv_size != DKEY && k.mv_size != REVKEY) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(dk, k.mv_data, DKEY);
		memcpy(g, dk, DKEY);
		memcpy(g + DKEY, dk, DKEY);	/* created || design again */
		err = db_has(txn, s->dbi[from], g, REVKEY);
		if (err == 0)
			err = cur_append(w, dk, DKEY, "", 0);
		else if (err == WEFT_ENOTFOUND)
			err = 0;
		while (err == 0 && rc == 0 && prefix_eq(&k, dk, DKEY)) {
			if (k.mv_size != DKEY && k.mv_size != REVKEY)
				err = WEFT_ECORRUPT;
			else if (k.mv_size != REVKEY ||
			    memcmp(k.mv_data, g, REVKEY) != 0)
				err = cur_append(w, k.mv_data, k.mv_size,
				    "", 0);
			n++;
			if (err == 0)
				rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		memcpy(last, dk, DKEY);
		*llen = DKEY;
	}
	mdb_cursor_close(w);
	mdb_cursor_close(c);
	if (err)
		return err;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return weft__store_xlat(rc);
	*done = rc == MDB_NOTFOUND;
	return 0;
}

int
weft__store_revs_upgrade_step(struct weft_store *s, MDB_txn *txn, void *arg)
{
	static const char	 next[] = "bcdefgh";
	static const int	 dbs[] = { DB_BY_DESIGN, DB_HEADS, DB_INFO,
				    DB_RECORDS };
	MDB_val			 v;
	uint8_t			 mark[1 + REVKEY], last[REVKEY];
	size_t			 mlen, llen, klen;
	bool			 done, back;
	int			 err, rc, db;

	(void)arg;
	err = db_get(txn, s->dbi[DB_META], REVS_MARK, REVS_MARKLEN, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	mlen = v.mv_size;
	if (mlen > sizeof(mark))
		return WEFT_ECORRUPT;
	memcpy(mark, v.mv_data, mlen);
	if (mlen == 0)
		mark[0] = 'a';
	if (mark[0] < 'a' || mark[0] > 'h')
		return WEFT_ECORRUPT;
	back = (mark[0] - 'a') % 2 == 1;
	db = dbs[(mark[0] - 'a') / 2];
	klen = mlen > 1 ? mlen - 1 : 0;
	if (klen != 0 && (db == DB_INFO ? klen != ID : db == DB_RECORDS ?
	    klen != 8 + ID : klen != DKEY && !(back && klen == REVKEY)))
		return WEFT_ECORRUPT;
	err = revs_pass(s, txn, back ? DB_REVKEY_TMP : db,
	    back ? db : DB_REVKEY_TMP, back || db == DB_RECORDS ? PASS_COPY :
	    db == DB_INFO ? PASS_INFO : PASS_SHORTEN, mark + 1, klen, last,
	    &llen, &done);
	if (err)
		return err;
	if (done) {
		rc = mdb_drop(txn, s->dbi[back ? DB_REVKEY_TMP : db], 0);
		if (rc)
			return weft__store_xlat(rc);
		if (mark[0] == 'h')
			return db_del(txn, s->dbi[DB_META], REVS_MARK,
			    REVS_MARKLEN);
		return db_put(txn, s->dbi[DB_META], REVS_MARK, REVS_MARKLEN,
		    &next[mark[0] - 'a'], 1);
	}
	memcpy(mark + 1, last, llen);
	return db_put(txn, s->dbi[DB_META], REVS_MARK, REVS_MARKLEN, mark,
	    1 + llen);
}
