/*
 * Library maintainers (docs/proto/records.md, "maint"; docs/proto/
 * store.md, `lib_maint`): the maint records of each library, and the
 * maintainers in force, which are a function of the records held and
 * never of the order they came in.
 *
 * The set starts as the lib record's maintainers. Every maint record of
 * the library, in ascending (ts, id), is then applied when its signer is
 * in the set at that point: an add puts its key in (up to 64 keys), a
 * remove takes it out unless it is the last. The maintainers in force at
 * time t are the set after every record with ts <= t. A maint record is
 * stored only when its signer is in the set its own past gives (the same
 * replay over its prev closure), so a stranger's change is refused at
 * once; whether a stored one counts is the replay's business.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_impl.h"
#include "store_mods.h"

#define MKEY_LEN	(ID + 8 + ID)		/* lib || ts || id */
#define MVAL_LEN	(WEFT_PK_BYTES + 1 + WEFT_PK_BYTES)

struct mset {
	uint8_t		k[WEFT_MAINTAINERS_MAX][WEFT_PK_BYTES];
	uint32_t	n;
};

static int
mset_find(const struct mset *m, const uint8_t key[WEFT_PK_BYTES])
{
	for (uint32_t i = 0; i < m->n; i++)
		if (memcmp(m->k[i], key, WEFT_PK_BYTES) == 0)
			return (int)i;
	return -1;
}

static void
mset_add(struct mset *m, const uint8_t key[WEFT_PK_BYTES])
{
	if (mset_find(m, key) >= 0 || m->n == WEFT_MAINTAINERS_MAX)
		return;
	memcpy(m->k[m->n++], key, WEFT_PK_BYTES);
}

static void
mset_del(struct mset *m, const uint8_t key[WEFT_PK_BYTES])
{
	int	i = mset_find(m, key);

	if (i < 0 || m->n <= 1)
		return;		/* the last maintainer stays */
	memmove(m->k[i], m->k[i + 1], (m->n - (uint32_t)i - 1) *
	    WEFT_PK_BYTES);
	m->n--;
}

static int
idcmp(const void *a, const void *b)
{
	return memcmp(a, b, ID);
}

/* The lib record's maintainers (its author first, then the list). */
static int
mset_init(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    struct mset *m)
{
	const uint8_t	*p;
	MDB_val		 v;
	int		 err;

	m->n = 0;
	err = db_get(txn, s->dbi[DB_LIBS], lib, ID, &v);
	if (err)
		return err;
	if (v.mv_size < WEFT_PK_BYTES || v.mv_size % WEFT_PK_BYTES != 0)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	for (size_t i = 0; i < v.mv_size / WEFT_PK_BYTES; i++)
		mset_add(m, p + i * WEFT_PK_BYTES);
	return 0;
}

/*
 * The replay: the set after every maint record of lib with ts <= upto,
 * only those in only[0..nonly) (sorted) when only is not NULL.
 * WEFT_ENOTFOUND when the lib is not here.
 */
static int
replay(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    uint64_t upto, const uint8_t (*only)[ID], size_t nonly, struct mset *m)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	const uint8_t	*kp, *vp;
	int		 err, rc;

	err = mset_init(s, txn, lib, m);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_LIB_MAINT], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, lib, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != MKEY_LEN || v.mv_size != MVAL_LEN) {
			err = WEFT_ECORRUPT;
			break;
		}
		kp = k.mv_data;
		vp = v.mv_data;
		if (be64dec(kp + ID) > upto)
			break;
		if ((only == NULL || bsearch(kp + ID + 8, only, nonly, ID,
		    idcmp) != NULL) && mset_find(m, vp) >= 0) {
			if (vp[WEFT_PK_BYTES] == WEFT_ENTRY_ADD)
				mset_add(m, vp + WEFT_PK_BYTES + 1);
			else
				mset_del(m, vp + WEFT_PK_BYTES + 1);
		}
		err = weft__store_cur_step(c, lib, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

int
weft__store_maint_in_force(struct weft_store *s, MDB_txn *txn,
    const uint8_t lib[ID], uint64_t ts, const uint8_t key[WEFT_PK_BYTES],
    bool *in)
{
	struct mset	m;
	int		err;

	*in = false;
	err = replay(s, txn, lib, ts, NULL, 0, &m);
	if (err)
		return err;
	*in = mset_find(&m, key) >= 0;
	return 0;
}

/* How many maintainers of lib are in force now. */
static int
maint_in_force_n(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    uint32_t *n)
{
	struct mset	m;
	int		err;

	*n = 0;
	err = replay(s, txn, lib, UINT64_MAX, NULL, 0, &m);
	if (err == 0)
		*n = m.n;
	return err;
}

int
weft__store_maint_ever(struct weft_store *s, MDB_txn *txn,
    const uint8_t lib[ID], const uint8_t key[WEFT_PK_BYTES], bool *ever)
{
	struct mset	 m;
	MDB_cursor	*c;
	MDB_val		 k, v;
	const uint8_t	*vp;
	int		 err, rc;

	*ever = false;
	err = mset_init(s, txn, lib, &m);
	if (err)
		return err;
	if (mset_find(&m, key) >= 0) {
		*ever = true;
		return 0;
	}
	rc = mdb_cursor_open(txn, s->dbi[DB_LIB_MAINT], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, lib, ID, &k, &v);
	while (err == 0 && !*ever) {
		if (v.mv_size != MVAL_LEN) {
			err = WEFT_ECORRUPT;
			break;
		}
		vp = v.mv_data;
		*ever = memcmp(vp, key, WEFT_PK_BYTES) == 0 ||
		    (vp[WEFT_PK_BYTES] == WEFT_ENTRY_ADD &&
		    memcmp(vp + WEFT_PK_BYTES + 1, key, WEFT_PK_BYTES) == 0);
		err = weft__store_cur_step(c, lib, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* How many maint records of lib are here. */
static int
maint_count(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    size_t *n)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 err, rc;

	*n = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_LIB_MAINT], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, lib, ID, &k, &v);
	while (err == 0) {
		(*n)++;
		err = weft__store_cur_step(c, lib, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* The prev list of the stored maint record id into r. */
static int
maint_load(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct weft_record *r)
{
	int	err;

	err = weft__store_rec_load(s, txn, id, r);
	if (err == 0 && r->type != WEFT_REC_MAINT)
		err = WEFT_ECORRUPT;
	return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
}

struct idvec {
	uint8_t	(*ids)[ID];
	size_t	  n, cap;
};

static bool
idvec_has(const struct idvec *a, const uint8_t id[ID])
{
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(a->ids[i], id, ID) == 0)
			return true;
	return false;
}

static int
idvec_push(struct idvec *a, const uint8_t id[ID])
{
	uint8_t	(*tmp)[ID];
	size_t	  cap;

	if (a->n == a->cap) {
		if (a->cap >= WEFT_MAINT_PER_LIB)
			return WEFT_ECORRUPT;	/* more than can be here */
		cap = a->cap ? 2 * a->cap : 16;
		tmp = realloc(a->ids, cap * ID);
		if (tmp == NULL)
			return -ENOMEM;
		a->ids = tmp;
		a->cap = cap;
	}
	memcpy(a->ids[a->n++], id, ID);
	return 0;
}

/* Every ancestor of r (its prev closure) into anc, sorted. */
static int
ancestors(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    struct idvec *anc)
{
	struct weft_record	pr;
	size_t			i;
	int			err = 0;

	for (uint32_t j = 0; j < r->prev.n && err == 0; j++)
		err = idvec_push(anc, r->prev.ids[j]);
	for (i = 0; i < anc->n && err == 0; i++) {
		weft_record_init(&pr);
		err = maint_load(s, txn, anc->ids[i], &pr);
		for (uint32_t j = 0; err == 0 && j < pr.prev.n; j++)
			if (!idvec_has(anc, pr.prev.ids[j]))
				err = idvec_push(anc, pr.prev.ids[j]);
		weft_record_release(&pr);
	}
	if (err == 0 && anc->n > 1)
		qsort(anc->ids, anc->n, ID, idcmp);
	return err;
}

int
weft__store_maint_check(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r)
{
	struct recinfo	ri;
	struct idvec	anc = { NULL, 0, 0 };
	struct mset	m;
	size_t		n;
	int		err;

	err = db_has(txn, s->dbi[DB_LIBS], r->lib, ID);
	if (err == WEFT_ENOTFOUND) {
		err = db_has(txn, s->dbi[DB_INFO], r->lib, ID);
		return err == 0 ? WEFT_EBADFIELD : WEFT_EMISSING;
	}
	if (err == 0)
		err = weft__store_info_get(s, txn, r->lib, &ri);
	if (err)
		return err;
	/* Its clock runs after the library's and its past's. */
	if (ri.ts >= r->ts)
		return WEFT_EBADFIELD;
	for (uint32_t i = 0; i < r->prev.n; i++) {
		err = weft__store_info_get(s, txn, r->prev.ids[i], &ri);
		if (err == WEFT_ENOTFOUND)
			return WEFT_EMISSING;
		if (err)
			return err;
		if (ri.type != WEFT_REC_MAINT ||
		    memcmp(ri.design, r->lib, ID) != 0 || ri.ts >= r->ts)
			return WEFT_EBADFIELD;
	}
	err = maint_count(s, txn, r->lib, &n);
	if (err)
		return err;
	if (n >= WEFT_MAINT_PER_LIB)
		return WEFT_ELIMIT;
	err = ancestors(s, txn, r, &anc);
	if (err == 0 && anc.n == 0)	/* no past: the lib record's */
		err = mset_init(s, txn, r->lib, &m);
	else if (err == 0)
		err = replay(s, txn, r->lib, UINT64_MAX,
		    (const uint8_t (*)[ID])anc.ids, anc.n, &m);
	free(anc.ids);
	if (err)
		return err;
	return mset_find(&m, r->author) >= 0 ? 0 : WEFT_EDENIED;
}

int
weft__store_maint_index(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	uint8_t	k[MKEY_LEN], v[MVAL_LEN];

	memcpy(k, r->lib, ID);
	be64enc(k + ID, r->ts);
	memcpy(k + ID + 8, id, ID);
	memcpy(v, r->author, WEFT_PK_BYTES);
	v[WEFT_PK_BYTES] = (uint8_t)r->action;
	memcpy(v + WEFT_PK_BYTES + 1, r->maint_key, WEFT_PK_BYTES);
	return db_put(txn, s->dbi[DB_LIB_MAINT], k, sizeof(k), v, sizeof(v));
}

/* ------------------------------------------------------------------ */
/* What the control socket asks */

static int
lib_maint_txn(struct weft_store *s, MDB_txn *txn,
    const uint8_t lib[WEFT_ID_BYTES], struct weft_store_maint *out)
{
	struct weft_record	 pr;
	struct idvec		 all = { NULL, 0, 0 }, named = { NULL, 0, 0 };
	struct recinfo		 ri;
	struct mset		 m;
	MDB_cursor		*c;
	MDB_val			 k, v;
	int			 err, rc;

	memset(out, 0, sizeof(*out));
	err = replay(s, txn, lib, UINT64_MAX, NULL, 0, &m);
	if (err == 0)
		err = weft__store_info_get(s, txn, lib, &ri);
	if (err)
		return err;
	memcpy(out->keys, m.k, m.n * WEFT_PK_BYTES);
	out->n = m.n;
	out->ts_max = ri.ts;
	rc = mdb_cursor_open(txn, s->dbi[DB_LIB_MAINT], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, lib, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != MKEY_LEN) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (be64dec((const uint8_t *)k.mv_data + ID) > out->ts_max)
			out->ts_max = be64dec((const uint8_t *)k.mv_data + ID);
		err = idvec_push(&all, (const uint8_t *)k.mv_data + ID + 8);
		if (err == 0)
			err = weft__store_cur_step(c, lib, ID, &k, &v,
			    MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND)
		err = 0;
	out->changes = (uint32_t)all.n;
	/* The heads: records no other names in prev. */
	for (size_t i = 0; i < all.n && err == 0; i++) {
		weft_record_init(&pr);
		err = maint_load(s, txn, all.ids[i], &pr);
		for (uint32_t j = 0; err == 0 && j < pr.prev.n; j++)
			if (!idvec_has(&named, pr.prev.ids[j]))
				err = idvec_push(&named, pr.prev.ids[j]);
		weft_record_release(&pr);
	}
	/* Newest last in all (ts order): keep the newest 64 heads. */
	for (size_t i = all.n; i-- > 0 && err == 0;)
		if (!idvec_has(&named, all.ids[i]) &&
		    out->nheads < WEFT_PREV_MAX)
			memcpy(out->heads[out->nheads++], all.ids[i], ID);
	free(all.ids);
	free(named.ids);
	return err;
}

int
weft_store_lib_maint(struct weft_store *s, const uint8_t lib[WEFT_ID_BYTES],
    struct weft_store_maint *out)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = lib_maint_txn(s, txn, lib, out);
	weft__store_read_end(s, txn);
	return err;
}

/*
 * Every library (weft_store_libs(), store.h): here, beside the replay that
 * gives each one's maintainers in force.
 */
int
weft_store_libs(struct weft_store *s, weft_store_lib_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c, *e;
	MDB_val		 k, v, ek, ev, env;
	uint64_t	 designs;
	uint32_t	 maint;
	int		 err, rc;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_LIBS], &c);
	if (rc == 0) {
		rc = mdb_cursor_open(txn, s->dbi[DB_LIB_ENTRY], &e);
		if (rc)
			mdb_cursor_close(c);
	}
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	err = weft__store_xlat(rc);
	while (err == 0) {
		uint8_t	lib[ID];

		if (k.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(lib, k.mv_data, ID);
		/* The designs it holds: entries whose latest is an add. */
		designs = 0;
		err = weft__store_cur_first(e, lib, ID, &ek, &ev);
		while (err == 0) {
			if (ev.mv_size != ENTRY_VAL_LEN) {
				err = WEFT_ECORRUPT;
				break;
			}
			if (((const uint8_t *)ev.mv_data)[ID + 8] ==
			    WEFT_ENTRY_ADD)
				designs++;
			err = weft__store_cur_step(e, lib, ID, &ek, &ev,
			    MDB_NEXT);
		}
		if (err == WEFT_ENOTFOUND)
			err = maint_in_force_n(s, txn, lib, &maint);
		if (err == 0)
			err = weft__store_rec_get(s, txn, lib, &env);
		if (err == WEFT_ENOTFOUND)
			err = WEFT_ECORRUPT;
		if (err == 0)
			err = cb(arg, lib, env.mv_data, env.mv_size, designs,
			    maint);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		err = weft__store_xlat(rc);
	}
	mdb_cursor_close(e);
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	return err == WEFT_ENOTFOUND ? 0 : err;
}
