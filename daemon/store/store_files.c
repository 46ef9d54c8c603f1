/*
 * Wanted files and keeping policies. A file is wanted by its index (chunk
 * list) id; the store then tracks which of its chunks are absent, so that
 * the fetcher can ask peers for exactly those, and refuses any fetched
 * chunk that no wanted file needs: chunks nobody asked for are never
 * stored. Policies (follow an author, mirror a library, mirror all) make
 * files wanted when records arrive, inside the ingest transaction, and
 * when the policy is set. Layout and rules: docs/proto/store.md, "Files".
 *
 * Invariants, kept in every write transaction: a wanted index is absent
 * (kind 0 key in "absent") or present with its absent chunks listed
 * (kind 1 keys, and chunk || index keys in "chunk_file"); a wanted file
 * with anything absent has a "missing" key design || index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "store_impl.h"
#include "store_mods.h"

#define WANT_VAL	(8 + 8 + 8 + ID)	/* size, bytes_left, left, design */
#define LEFT_NOINDEX	UINT64_MAX
#define ABS_INDEX	0
#define ABS_CHUNK	1

struct want {
	uint64_t	size;
	uint64_t	bytes_left;
	uint64_t	left;		/* absent chunks; LEFT_NOINDEX */
	uint8_t		design[ID];
};

static void
want_enc(uint8_t v[WANT_VAL], const struct want *w)
{
	be64enc(v, w->size);
	be64enc(v + 8, w->bytes_left);
	be64enc(v + 16, w->left);
	memcpy(v + 24, w->design, ID);
}

static int
want_get(struct weft_store *s, MDB_txn *txn, const uint8_t index[ID],
    struct want *w)
{
	const uint8_t	*p;
	MDB_val		 v;
	int		 err;

	err = db_get(txn, s->dbi[DB_WANTED], index, ID, &v);
	if (err)
		return err;
	if (v.mv_size != WANT_VAL)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	w->size = be64dec(p);
	w->bytes_left = be64dec(p + 8);
	w->left = be64dec(p + 16);
	memcpy(w->design, p + 24, ID);
	return 0;
}

static int
want_put(struct weft_store *s, MDB_txn *txn, const uint8_t index[ID],
    const struct want *w)
{
	uint8_t	v[WANT_VAL];

	want_enc(v, w);
	return db_put(txn, s->dbi[DB_WANTED], index, ID, v, sizeof(v));
}

static void
abs_key(uint8_t k[1 + ID], int kind, const uint8_t id[ID])
{
	k[0] = (uint8_t)kind;
	memcpy(k + 1, id, ID);
}

static void
pair_key(uint8_t k[2 * ID], const uint8_t a[ID], const uint8_t b[ID])
{
	memcpy(k, a, ID);
	memcpy(k + ID, b, ID);
}

/* The file stopped missing: drop its design || index key. */
static int
want_done(struct weft_store *s, MDB_txn *txn, const uint8_t index[ID],
    const struct want *w)
{
	uint8_t	k[2 * ID];

	pair_key(k, w->design, index);
	return db_del(txn, s->dbi[DB_MISSING], k, sizeof(k));
}

/*
 * The index of a wanted file is present (bytes idx): list its absent
 * chunks and count them. w->left was LEFT_NOINDEX.
 */
static int
want_expand(struct weft_store *s, MDB_txn *txn, const uint8_t index[ID],
    const uint8_t *idx, size_t len, struct want *w)
{
	struct weft_chunk_ref	*refs = NULL;
	uint8_t			 k[2 * ID], ak[1 + ID], sz[4];
	uint64_t		 total;
	size_t			 n;
	int			 err;

	err = weft_index_decode(idx, len, &refs, &n, &total);
	if (err)
		return err == -ENOMEM ? err : WEFT_EPROTO;
	w->left = 0;
	w->bytes_left = 0;
	for (size_t i = 0; i < n; i++) {
		err = weft__store_chunk_has(s, txn, refs[i].id);
		if (err == 0) {
			/* Kept now: a running gc or an undo must spare it. */
			err = weft__store_chunk_ref(s, txn, refs[i].id);
			if (err)
				goto out;
			continue;
		}
		if (err != WEFT_ENOTFOUND)
			goto out;
		pair_key(k, refs[i].id, index);
		err = db_has(txn, s->dbi[DB_CHUNK_FILE], k, sizeof(k));
		if (err == 0)
			continue;	/* the same chunk twice in one file */
		if (err != WEFT_ENOTFOUND)
			goto out;
		err = db_put(txn, s->dbi[DB_CHUNK_FILE], k, sizeof(k), "", 0);
		if (err)
			goto out;
		abs_key(ak, ABS_CHUNK, refs[i].id);
		sz[0] = (uint8_t)(refs[i].size >> 24);
		sz[1] = (uint8_t)(refs[i].size >> 16);
		sz[2] = (uint8_t)(refs[i].size >> 8);
		sz[3] = (uint8_t)refs[i].size;
		err = db_put(txn, s->dbi[DB_ABSENT], ak, sizeof(ak), sz, 4);
		if (err)
			goto out;
		w->left++;
		w->bytes_left += refs[i].size;
	}
	err = 0;
out:
	free(refs);
	return err;
}

int
weft__store_want(struct weft_store *s, MDB_txn *txn, const uint8_t index[ID],
    uint64_t size, const uint8_t *design)
{
	struct weft_buf	idx;
	struct want	w;
	uint8_t		k[2 * ID], ak[1 + ID], sz[8];
	int		err;

	err = want_get(s, txn, index, &w);
	if (err == 0)
		return 0;
	if (err != WEFT_ENOTFOUND)
		return err;
	memset(&w, 0, sizeof(w));
	w.size = size;
	if (design != NULL)
		memcpy(w.design, design, ID);
	weft_buf_init(&idx, WEFT_INDEX_MAX);
	err = weft__store_chunk_read(s, txn, index, &idx);
	if (err == 0)
		err = weft__store_chunk_ref(s, txn, index);
	if (err == 0) {
		err = want_expand(s, txn, index, idx.data, idx.len, &w);
		if (err == WEFT_EPROTO) {
			/* A bad stored index: nothing of it can be fetched. */
			w.left = 0;
			w.bytes_left = 0;
			err = 0;
		}
	} else if (err == WEFT_ENOTFOUND) {
		w.left = LEFT_NOINDEX;
		w.bytes_left = size;
		abs_key(ak, ABS_INDEX, index);
		be64enc(sz, size);
		err = db_put(txn, s->dbi[DB_ABSENT], ak, sizeof(ak), sz, 8);
	}
	weft_buf_release(&idx);
	if (err)
		return err;
	if (w.left != 0) {
		pair_key(k, w.design, index);
		err = db_put(txn, s->dbi[DB_MISSING], k, sizeof(k), "", 0);
		if (err)
			return err;
	}
	return want_put(s, txn, index, &w);
}

int
weft_store_file_read(struct weft_store *s, const struct weft_file_ref *f,
    uint64_t max, struct weft_buf *out)
{
	struct weft_chunk_ref	*refs = NULL;
	struct weft_buf		 idx;
	MDB_txn			*txn;
	uint64_t		 total;
	size_t			 n = 0, before = out->len;
	int			 err;

	if (f->size > max || f->size > SIZE_MAX - before)
		return WEFT_ETOOBIG;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	weft_buf_init(&idx, WEFT_INDEX_MAX);
	err = weft__store_chunk_read(s, txn, f->index, &idx);
	if (err == 0 && weft_index_decode(idx.data, idx.len, &refs, &n,
	    &total) != 0)
		err = WEFT_ECORRUPT;
	if (err == 0 && total != f->size)
		err = WEFT_ECORRUPT;
	if (err == 0)
		err = weft_buf_reserve(out, (size_t)f->size);
	for (size_t i = 0; i < n && err == 0; i++)
		err = weft__store_chunk_read(s, txn, refs[i].id, out);
	if (err == 0 && out->len - before != f->size)
		err = WEFT_ECORRUPT;
	weft__store_read_end(s, txn);
	weft_buf_release(&idx);
	free(refs);
	if (err)
		out->len = before;
	return err;
}

/* Wants every file of revision rev (a stored record). */
static int
want_rev(struct weft_store *s, MDB_txn *txn, const uint8_t rev[ID])
{
	struct weft_record	r;
	int			err;

	err = weft__store_rec_load(s, txn, rev, &r);
	if (err)
		return err;
	if (r.type != WEFT_REC_REV) {
		weft_record_release(&r);
		return WEFT_EUSAGE;
	}
	for (uint32_t i = 0; i < r.nfiles && err == 0; i++)
		err = weft__store_want(s, txn, r.files[i].index, r.files[i].size,
		    r.has_design ? r.design : rev);
	weft_record_release(&r);
	return err;
}

/* Wants the files of design's newest head. */
static int
want_design(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID])
{
	struct weft__rev	head;
	uint8_t			dk[DKEY];
	int			err;

	err = weft__store_design_key(s, txn, design, dk);
	if (err == 0)
		err = weft__store_rev_last(s, txn, DB_HEADS, dk, &head);
	if (err)
		return err;
	return want_rev(s, txn, head.id);
}

/* ------------------------------------------------------------------ */
/* Policies */

static int
policy_key(uint8_t k[1 + ID], int kind, const uint8_t *id, size_t *klen)
{
	switch (kind) {
	case WEFT_STORE_FOLLOW:
	case WEFT_STORE_MIRROR:
		if (id == NULL)
			return WEFT_EUSAGE;
		memcpy(k + 1, id, ID);
		*klen = 1 + ID;
		break;
	case WEFT_STORE_MIRROR_ALL:
		*klen = 1;
		break;
	default:
		return WEFT_EUSAGE;
	}
	k[0] = (uint8_t)kind;
	return 0;
}

static int
policy_has(struct weft_store *s, MDB_txn *txn, int kind, const uint8_t *id)
{
	uint8_t	k[1 + ID];
	size_t	klen;
	int	err;

	err = policy_key(k, kind, id, &klen);
	if (err)
		return err;
	return db_has(txn, s->dbi[DB_POLICY], k, klen);
}

/* Is design in a mirrored library (its latest entry there an add)? */
static int
design_mirrored(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID])
{
	MDB_cursor	*c;
	MDB_val		 k, v, e;
	uint8_t		 pk = WEFT_STORE_MIRROR, key[2 * ID];
	int		 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_POLICY], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, &pk, 1, &k, &v);
	while (err == 0) {
		if (k.mv_size != 1 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		pair_key(key, (uint8_t *)k.mv_data + 1, design);
		err = db_get(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), &e);
		if (err == 0 && e.mv_size == ENTRY_VAL_LEN &&
		    ((uint8_t *)e.mv_data)[ID + 8] == WEFT_ENTRY_ADD)
			break;
		if (err && err != WEFT_ENOTFOUND)
			break;
		err = weft__store_cur_step(c, &pk, 1, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err;
}

/*
 * A make's photos are kept where its design's files are: under mirror
 * all (err is policy_has()'s answer for it), a mirror of a library that
 * holds the design, or a follow of the design's author.
 */
static int
make_apply(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    int err)
{
	struct recinfo	ri;

	if (err == WEFT_ENOTFOUND)
		err = design_mirrored(s, txn, r->design);
	if (err == WEFT_ENOTFOUND) {
		err = weft__store_info_get(s, txn, r->design, &ri);
		if (err == 0)
			err = policy_has(s, txn, WEFT_STORE_FOLLOW, ri.author);
	}
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	for (uint32_t i = 0; i < r->nfiles && err == 0; i++)
		err = weft__store_want(s, txn, r->files[i].index,
		    r->files[i].size, r->design);
	return err;
}

int
weft__store_design_kept(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID])
{
	struct recinfo	ri;
	int		err;

	err = policy_has(s, txn, WEFT_STORE_MIRROR_ALL, NULL);
	if (err != WEFT_ENOTFOUND)
		return err;
	err = weft__store_info_get(s, txn, design, &ri);
	if (err == 0)
		err = policy_has(s, txn, WEFT_STORE_FOLLOW, ri.author);
	if (err == 0 || (err != WEFT_ENOTFOUND))
		return err;
	return design_mirrored(s, txn, design);
}

int
weft__store_policy_apply(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	const uint8_t	*design;
	int		 err;

	err = policy_has(s, txn, WEFT_STORE_MIRROR_ALL, NULL);
	if (err && err != WEFT_ENOTFOUND)
		return err;
	if (r->type == WEFT_REC_ENTRY) {
		if (r->action != WEFT_ENTRY_ADD)
			return 0;
		if (err == WEFT_ENOTFOUND)
			err = policy_has(s, txn, WEFT_STORE_MIRROR, r->lib);
		if (err)
			return err == WEFT_ENOTFOUND ? 0 : err;
		return want_design(s, txn, r->entry_design);
	}
	if (r->type == WEFT_REC_MAKE)
		return make_apply(s, txn, r, err);
	if (r->type != WEFT_REC_REV || r->nfiles == 0)
		return 0;
	design = r->has_design ? r->design : id;
	if (err == WEFT_ENOTFOUND)
		err = policy_has(s, txn, WEFT_STORE_FOLLOW, r->author);
	if (err == WEFT_ENOTFOUND)
		err = design_mirrored(s, txn, design);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	for (uint32_t i = 0; i < r->nfiles && err == 0; i++)
		err = weft__store_want(s, txn, r->files[i].index,
		    r->files[i].size, design);
	return err;
}

struct policy_ctx {
	int		 kind;
	const uint8_t	*id;
	bool		 on;
};

/* Wants what a newly set policy covers among the stored designs. */
static int
policy_backfill(struct weft_store *s, MDB_txn *txn, int kind,
    const uint8_t *id)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 d[ID];
	size_t		 plen, dlen;
	int		 db, err, rc;

	switch (kind) {
	case WEFT_STORE_FOLLOW:
		db = DB_AUTHOR_DESIGN;	/* author || created || design */
		plen = WEFT_PK_BYTES;
		dlen = WEFT_PK_BYTES + 8 + ID;
		break;
	case WEFT_STORE_MIRROR:
		db = DB_LIB_ENTRY;	/* lib || design */
		plen = ID;
		dlen = 2 * ID;
		break;
	default:
		db = DB_DESIGNS;	/* created || design */
		plen = 0;
		dlen = DKEY;
		break;
	}
	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc)
		return weft__store_xlat(rc);
	if (plen == 0)
		err = weft__store_xlat(mdb_cursor_get(c, &k, &v, MDB_FIRST));
	else
		err = weft__store_cur_first(c, id, plen, &k, &v);
	while (err == 0) {
		if (k.mv_size != dlen) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(d, (uint8_t *)k.mv_data + dlen - ID, ID);
		if (kind != WEFT_STORE_MIRROR || (v.mv_size == ENTRY_VAL_LEN &&
		    ((uint8_t *)v.mv_data)[ID + 8] == WEFT_ENTRY_ADD)) {
			err = want_design(s, txn, d);
			if (err)
				break;
		}
		if (plen == 0)
			err = weft__store_xlat(mdb_cursor_get(c, &k, &v,
			    MDB_NEXT));
		else
			err = weft__store_cur_step(c, id, plen, &k, &v,
			    MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

static int
policy_set_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct policy_ctx	*pc = arg;
	uint8_t			 k[1 + ID];
	size_t			 klen;
	int			 err;

	err = policy_key(k, pc->kind, pc->id, &klen);
	if (err)
		return err;
	if (!pc->on)
		return db_del(txn, s->dbi[DB_POLICY], k, klen);
	err = db_has(txn, s->dbi[DB_POLICY], k, klen);
	if (err == 0)
		return 0;
	if (err != WEFT_ENOTFOUND)
		return err;
	err = db_put(txn, s->dbi[DB_POLICY], k, klen, "", 0);
	if (err)
		return err;
	return policy_backfill(s, txn, pc->kind, pc->id);
}

int
weft_store_policy_set(struct weft_store *s, int kind,
    const uint8_t *id, bool on)
{
	struct policy_ctx	pc = { kind, id, on };
	uint8_t			k[1 + ID];
	size_t			klen;
	int			err;

	err = policy_key(k, kind, id, &klen);
	if (err)
		return err;
	return weft__store_write(s, policy_set_txn, &pc);
}

int
weft_store_policy_has(struct weft_store *s, int kind, const uint8_t *id)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = policy_has(s, txn, kind, id);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_policy_list(struct weft_store *s, weft_store_policy_cb *cb,
    void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	const uint8_t	*p;
	int		 err, rc;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_POLICY], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		p = k.mv_data;
		if (k.mv_size != 1 && k.mv_size != 1 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = cb(arg, p[0], k.mv_size == 1 ? NULL : p + 1);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}

/* ------------------------------------------------------------------ */
/* Wanted files */

struct want_ctx {
	const uint8_t	*id;
	uint64_t	 size;
	const uint8_t	*data;
	size_t		 len;
};

static int
want_file_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct want_ctx	*wc = arg;

	return weft__store_want(s, txn, wc->id, wc->size, NULL);
}

int
weft_store_want_file(struct weft_store *s, const uint8_t index[WEFT_ID_BYTES],
    uint64_t size)
{
	struct want_ctx	wc = { index, size, NULL, 0 };

	return weft__store_write(s, want_file_txn, &wc);
}

static int
want_rev_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct want_ctx	*wc = arg;

	return want_rev(s, txn, wc->id);
}

int
weft_store_want_rev(struct weft_store *s, const uint8_t rev[WEFT_ID_BYTES])
{
	struct want_ctx	wc = { rev, 0, NULL, 0 };

	return weft__store_write(s, want_rev_txn, &wc);
}

int
weft_store_missing_next(struct weft_store *s,
    uint8_t cursor[WEFT_STORE_CURSOR_BYTES], weft_store_id_cb *cb, void *arg,
    size_t max)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n = 0;
	int		 err, rc;

	if (max == 0)
		return 0;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_ABSENT], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	if (cursor[0] == 0) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	} else {
		k.mv_size = 1 + ID;
		k.mv_data = cursor + 1;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == 1 + ID &&
		    memcmp(k.mv_data, cursor + 1, 1 + ID) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	while (rc == 0 && n < max) {
		if (k.mv_size != 1 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		cursor[0] = 1;
		memcpy(cursor + 1, k.mv_data, 1 + ID);
		n++;
		err = cb(arg, (uint8_t *)k.mv_data + 1);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err ? err : (int)n;
}

/* A wanted index arrived: list what it needs, maybe completing it. */
static int
index_arrived(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    const uint8_t *data, size_t len)
{
	struct want	w;
	int		err;

	err = want_get(s, txn, id, &w);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	if (w.left != LEFT_NOINDEX)
		return 0;
	err = want_expand(s, txn, id, data, len, &w);
	/* A file of the design arrives: it is in use (and whose it is). */
	if (err == 0)
		err = weft__store_use_touch(s, txn, w.design, id);
	if (err)
		return err;
	if (w.left == 0) {
		err = want_done(s, txn, id, &w);
		if (err)
			return err;
	}
	return want_put(s, txn, id, &w);
}

/* A wanted chunk arrived: count it off every file that needs it. */
static int
chunk_arrived(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    size_t len)
{
	struct want	 w;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 (*idx)[ID] = NULL, (*tmp)[ID];
	size_t		 n = 0, cap = 0;
	int		 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_CHUNK_FILE], &c);
	if (rc)
		return weft__store_xlat(rc);
	/* Collect first: the deletes below would move the cursor. */
	err = weft__store_cur_first(c, id, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != 2 * ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			tmp = realloc(idx, cap * sizeof(*idx));
			if (tmp == NULL) {
				err = -ENOMEM;
				break;
			}
			idx = tmp;
		}
		memcpy(idx[n++], (uint8_t *)k.mv_data + ID, ID);
		err = weft__store_cur_step(c, id, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err != WEFT_ENOTFOUND)
		goto out;
	err = 0;
	for (size_t i = 0; i < n && err == 0; i++) {
		uint8_t	key[2 * ID];

		pair_key(key, id, idx[i]);
		err = db_del(txn, s->dbi[DB_CHUNK_FILE], key, sizeof(key));
		if (err == 0)
			err = want_get(s, txn, idx[i], &w);
		if (err)
			break;
		if (w.left == 0 || w.left == LEFT_NOINDEX) {
			err = WEFT_ECORRUPT;
			break;
		}
		w.left--;
		w.bytes_left = w.bytes_left > len ? w.bytes_left - len : 0;
		if (w.left == 0) {
			w.bytes_left = 0;
			err = want_done(s, txn, idx[i], &w);
			if (err == 0)
				err = weft__store_use_touch(s, txn, w.design,
				    NULL);
		}
		if (err == 0)
			err = want_put(s, txn, idx[i], &w);
	}
out:
	free(idx);
	return err;
}

int
weft__store_chunk_arrived(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], const uint8_t *data, size_t len)
{
	uint8_t	k[1 + ID];
	int	err;

	abs_key(k, ABS_INDEX, id);
	err = db_has(txn, s->dbi[DB_ABSENT], k, sizeof(k));
	if (err == 0)
		err = db_del(txn, s->dbi[DB_ABSENT], k, sizeof(k));
	if (err == 0)
		err = index_arrived(s, txn, id, data, len);
	if (err && err != WEFT_ENOTFOUND)
		return err;
	abs_key(k, ABS_CHUNK, id);
	err = db_has(txn, s->dbi[DB_ABSENT], k, sizeof(k));
	if (err == 0)
		err = db_del(txn, s->dbi[DB_ABSENT], k, sizeof(k));
	if (err == 0)
		err = chunk_arrived(s, txn, id, len);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/*
 * One fetched chunk in a write transaction: a refusal (EEXISTS, EDENIED,
 * EPROTO) is decided before any write, so it leaves the txn usable; any
 * other error leaves it to be aborted.
 */
static int
put_fetched_one(struct weft_store *s, MDB_txn *txn,
    const struct want_ctx *wc)
{
	uint8_t		 ik[1 + ID], ck[1 + ID];
	int		 ierr, cerr, err;

	err = weft__store_chunk_has(s, txn, wc->id);
	if (err == 0)
		return WEFT_EEXISTS;
	if (err != WEFT_ENOTFOUND)
		return err;
	abs_key(ik, ABS_INDEX, wc->id);
	abs_key(ck, ABS_CHUNK, wc->id);
	ierr = db_has(txn, s->dbi[DB_ABSENT], ik, sizeof(ik));
	cerr = db_has(txn, s->dbi[DB_ABSENT], ck, sizeof(ck));
	if (ierr && ierr != WEFT_ENOTFOUND)
		return ierr;
	if (cerr && cerr != WEFT_ENOTFOUND)
		return cerr;
	if (ierr && cerr)
		return WEFT_EDENIED;	/* nobody asked for it */
	/* Checked before any write: a bad index is refused whole. */
	if (ierr == 0) {
		struct weft_chunk_ref	*refs = NULL;
		uint64_t		 total;
		size_t			 n;

		err = weft_index_decode(wc->data, wc->len, &refs, &n, &total);
		free(refs);
		if (err)
			return err == -ENOMEM ? err : WEFT_EPROTO;
	}
	err = weft__store_chunk_add(s, txn, wc->id, wc->data, wc->len);
	if (err)
		return err;
	return weft__store_chunk_arrived(s, txn, wc->id, wc->data, wc->len);
}

static int
put_fetched_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	return put_fetched_one(s, txn, arg);
}

/* A refusal of one item, as opposed to an error that spoils the txn. */
static bool
fetched_refused(int err)
{
	return err == WEFT_EEXISTS || err == WEFT_EDENIED ||
	    err == WEFT_EPROTO || err == WEFT_EBADHASH || err == WEFT_ETOOBIG;
}

struct batch_ctx {
	const struct weft_store_fetched	*items;
	size_t				 n;
	int				*results;
	const bool			*ok;	/* size and hash checked */
};

static int
put_batch_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct batch_ctx	*bc = arg;
	struct want_ctx		 wc;
	int			 err;

	for (size_t i = 0; i < bc->n; i++) {
		if (!bc->ok[i])
			continue;	/* results[i] set by the caller */
		wc.id = bc->items[i].id;
		wc.size = 0;
		wc.data = bc->items[i].data;
		wc.len = bc->items[i].len;
		err = put_fetched_one(s, txn, &wc);
		if (err && !fetched_refused(err))
			return err;
		bc->results[i] = err;
	}
	return 0;
}

int
weft_store_chunks_put_fetched(struct weft_store *s,
    const struct weft_store_fetched *items, size_t n, int *results)
{
	struct batch_ctx	 bc;
	uint8_t			 h[WEFT_HASH_BYTES];
	bool			*ok;
	size_t			 nok = 0;
	int			 err;

	if (n > WEFT_STORE_FETCHED_MAX)
		return WEFT_EUSAGE;
	if (n == 0)
		return 0;
	ok = calloc(n, sizeof(*ok));
	if (ok == NULL)
		return -ENOMEM;
	/* Hashing needs no transaction: do it before taking the writer. */
	for (size_t i = 0; i < n; i++) {
		if (items[i].len > WEFT_INDEX_MAX) {
			results[i] = WEFT_ETOOBIG;
			continue;
		}
		weft_hash(items[i].data, items[i].len, h);
		if (memcmp(h, items[i].id, ID) != 0) {
			results[i] = WEFT_EBADHASH;
			continue;
		}
		ok[i] = true;
		nok++;
	}
	err = 0;
	if (nok > 0) {
		bc.items = items;
		bc.n = n;
		bc.results = results;
		bc.ok = ok;
		err = weft__store_write(s, put_batch_txn, &bc);
	}
	if (err) {
		for (size_t i = 0; i < n; i++)
			if (ok[i])
				results[i] = err;
	}
	free(ok);
	return err;
}

int
weft_store_chunk_put_fetched(struct weft_store *s,
    const uint8_t id[WEFT_ID_BYTES], const uint8_t *data, size_t len)
{
	struct want_ctx	wc = { id, 0, data, len };
	uint8_t		h[WEFT_HASH_BYTES];

	if (len > WEFT_INDEX_MAX)
		return WEFT_ETOOBIG;
	weft_hash(data, len, h);
	if (memcmp(h, id, ID) != 0)
		return WEFT_EBADHASH;
	return weft__store_write(s, put_fetched_txn, &wc);
}

int
weft_store_missing_stats(struct weft_store *s, struct weft_store_missing *st)
{
	struct want	 w;
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 last[ID];
	int		 err = 0, rc, first = 1;

	memset(st, 0, sizeof(*st));
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_MISSING], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != 2 * ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = want_get(s, txn, (uint8_t *)k.mv_data + ID, &w);
		if (err) {
			err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
			break;
		}
		st->files++;
		st->bytes += w.bytes_left;
		if (first || memcmp(last, k.mv_data, ID) != 0)
			st->designs++;
		first = 0;
		memcpy(last, k.mv_data, ID);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err;
}

/* ------------------------------------------------------------------ */
/* Walking and dropping wanted files (gc, rm, unwant) */

int
weft__store_wanted_walk(struct weft_store *s, MDB_txn *txn,
    const uint8_t *after, weft__store_wanted_cb *cb, void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	struct want	 w;
	const uint8_t	*p;
	int		 err = 0, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_WANTED], &c);
	if (rc)
		return weft__store_xlat(rc);
	if (after == NULL) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	} else {
		k.mv_size = ID;
		k.mv_data = (void *)after;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == ID &&
		    memcmp(k.mv_data, after, ID) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	while (rc == 0) {
		if (k.mv_size != ID || v.mv_size != WANT_VAL) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = v.mv_data;
		w.size = be64dec(p);
		w.bytes_left = be64dec(p + 8);
		memcpy(w.design, p + 24, ID);
		err = cb(arg, k.mv_data, w.design, w.size, w.bytes_left);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	return err;
}

/* Drops chunk's absent key when no wanted file needs it any more. */
static int
absent_chunk_drop(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 ak[1 + ID];
	int		 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_CHUNK_FILE], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, id, ID, &k, &v);
	mdb_cursor_close(c);
	if (err != WEFT_ENOTFOUND)
		return err;
	abs_key(ak, ABS_CHUNK, id);
	err = db_del(txn, s->dbi[DB_ABSENT], ak, sizeof(ak));
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft__store_unwant(struct weft_store *s, MDB_txn *txn, const uint8_t index[ID])
{
	struct weft_chunk_ref	*refs = NULL;
	struct want		 w;
	uint8_t			 k[2 * ID], ak[1 + ID];
	uint64_t		 total;
	size_t			 n = 0;
	int			 err;

	err = want_get(s, txn, index, &w);
	if (err)
		return err;
	if (w.left == LEFT_NOINDEX) {
		abs_key(ak, ABS_INDEX, index);
		err = db_del(txn, s->dbi[DB_ABSENT], ak, sizeof(ak));
		if (err && err != WEFT_ENOTFOUND)
			return err;
	} else if (w.left != 0 &&
	    weft__store_chunk_index(s, txn, index, &refs, &n, &total) == 0) {
		for (size_t i = 0; i < n; i++) {
			pair_key(k, refs[i].id, index);
			err = db_del(txn, s->dbi[DB_CHUNK_FILE], k, sizeof(k));
			if (err == WEFT_ENOTFOUND)
				continue;
			if (err == 0)
				err = absent_chunk_drop(s, txn, refs[i].id);
			if (err) {
				free(refs);
				return err;
			}
		}
		free(refs);
	}
	pair_key(k, w.design, index);
	err = db_del(txn, s->dbi[DB_MISSING], k, sizeof(k));
	if (err && err != WEFT_ENOTFOUND)
		return err;
	return db_del(txn, s->dbi[DB_WANTED], index, ID);
}

int
weft__store_is_wanted(struct weft_store *s, MDB_txn *txn,
    const uint8_t index[ID])
{
	return db_has(txn, s->dbi[DB_WANTED], index, ID);
}

int
weft__store_want_drop(struct weft_store *s, MDB_txn *txn,
    const uint8_t index[ID])
{
	int	err;

	err = weft__store_unwant(s, txn, index);
	return err == WEFT_ENOTFOUND ? 0 : err;
}
