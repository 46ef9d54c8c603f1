/*
 * How far each keeping policy has come (weft follow, weft mirror without
 * arguments): the designs a policy covers (an author's, a library's, or
 * all), and of their newest heads' files the bytes held and wanted.
 *
 * A file counts as held by its `wanted` row (size - bytes_left) when it
 * has one; a file that was never wanted (the node's own publishes) counts
 * as held when its chunk list is present, since a publish stores every
 * chunk before its revision. A design is held when all its head's files
 * are. The designs are collected first (each walk's callback may not
 * call into the store), then one read transaction reads their heads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"
#include "weft/record.h"

#include "store_mods.h"

struct ids {
	uint8_t	(*v)[ID];
	size_t	 n;
	size_t	 cap;
};

static int
collect_cb(void *arg, const uint8_t id[ID], const uint8_t *data, size_t len)
{
	struct ids	*l = arg;
	uint8_t		(*v)[ID];
	size_t		 cap;

	(void)data;
	(void)len;
	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 64;
		v = realloc(l->v, cap * ID);
		if (v == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n++], id, ID);
	return 0;
}

/* The newest head of design, by the heads index (as want_design). */
static int
newest_head(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    uint8_t head[ID])
{
	struct weft__rev	last;
	uint8_t			dk[DKEY];
	int			err;

	err = weft__store_design_key(s, txn, design, dk);
	if (err == 0)
		err = weft__store_rev_last(s, txn, DB_HEADS, dk, &last);
	if (err == 0)
		memcpy(head, last.id, ID);
	return err;
}

/* Adds one design's newest head to p (and names it in head). */
static int
design_head_progress(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], struct weft_store_progress *p,
    uint8_t head[ID])
{
	struct weft_record	 r;
	const uint8_t		*w;
	uint64_t		 held, bytes_left;
	MDB_val			 v;
	bool			 all = true;
	int			 err;

	err = newest_head(s, txn, design, head);
	if (err == 0)
		err = weft__store_rec_load(s, txn, head, &r);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	if (r.type != WEFT_REC_REV) {
		weft_record_release(&r);
		return WEFT_ECORRUPT;
	}
	for (uint32_t i = 0; i < r.nfiles; i++) {
		const struct weft_file_ref	*f = &r.files[i];

		err = db_get(txn, s->dbi[DB_WANTED], f->index, ID, &v);
		if (err == 0 && v.mv_size >= 16) {
			w = v.mv_data;
			bytes_left = be64dec(w + 8);
			held = bytes_left < f->size ? f->size - bytes_left : 0;
		} else if (err == WEFT_ENOTFOUND) {
			err = weft__store_chunk_has(s, txn, f->index);
			held = err == 0 ? f->size : 0;
			if (err == WEFT_ENOTFOUND)
				err = 0;
		} else if (err == 0) {
			err = WEFT_ECORRUPT;
		}
		if (err)
			break;
		p->bytes += f->size;
		p->bytes_held += held;
		if (held < f->size)
			all = false;
	}
	weft_record_release(&r);
	if (err)
		return err;
	p->designs++;
	if (all)
		p->designs_held++;
	return 0;
}

static int
design_progress(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    struct weft_store_progress *p)
{
	uint8_t	head[ID];

	return design_head_progress(s, txn, design, p, head);
}

int
weft_store_policy_progress(struct weft_store *s, int kind,
    const uint8_t *id, struct weft_store_progress *p)
{
	struct ids	 l;
	MDB_txn		*txn = NULL;
	int		 err;

	memset(p, 0, sizeof(*p));
	memset(&l, 0, sizeof(l));
	switch (kind) {
	case WEFT_STORE_FOLLOW:
		err = id == NULL ? WEFT_EUSAGE :
		    weft_store_designs(s, id, NULL, collect_cb, &l);
		break;
	case WEFT_STORE_MIRROR:
		err = id == NULL ? WEFT_EUSAGE :
		    weft_store_lib_designs(s, id, collect_cb, &l);
		if (err == WEFT_ENOTFOUND)
			err = 0;	/* the library is not here yet */
		break;
	case WEFT_STORE_MIRROR_ALL:
		err = weft_store_designs(s, NULL, NULL, collect_cb, &l);
		break;
	default:
		err = WEFT_EUSAGE;
	}
	if (err == 0 && l.n > 0) {
		err = weft__store_read_begin(s, &txn);
		for (size_t i = 0; err == 0 && i < l.n; i++)
			err = design_progress(s, txn, l.v[i], p);
		if (txn != NULL)
			weft__store_read_end(s, txn);
	}
	free(l.v);
	return err;
}

/* Pins: designs whose files a one-off get wanted, kept by no policy. */

struct pin_row {
	uint8_t		design[ID];
	uint64_t	size;
	uint64_t	held;
};

static int
pin_cmp(const void *a, const void *b)
{
	return memcmp(((const struct pin_row *)a)->design,
	    ((const struct pin_row *)b)->design, ID);
}

static int
pins_rows(struct weft_store *s, MDB_txn *txn, struct pin_row **out,
    size_t *np)
{
	struct pin_row	*v = NULL, *nv;
	MDB_cursor	*c;
	MDB_val		 k, val;
	const uint8_t	*p;
	uint64_t	 left;
	size_t		 n = 0, cap = 0;
	int		 rc, err = 0;

	rc = mdb_cursor_open(txn, s->dbi[DB_WANTED], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
		if (val.mv_size < 24 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				err = -ENOMEM;
				break;
			}
			v = nv;
		}
		p = val.mv_data;
		v[n].size = be64dec(p);
		left = be64dec(p + 8);
		v[n].held = left < v[n].size ? v[n].size - left : 0;
		memcpy(v[n].design, p + 24, ID);
		n++;
	}
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*np = n;
	return 0;
}

int
weft_store_pins(struct weft_store *s, weft_store_pin_cb *cb, void *arg)
{
	static const uint8_t		 zero[ID];
	struct weft_store_progress	 p;
	struct pin_row			*v = NULL;
	MDB_txn				*txn = NULL;
	size_t				 n = 0, i, k;
	int				 err;

	err = weft__store_read_begin(s, &txn);
	if (err == 0)
		err = pins_rows(s, txn, &v, &n);
	if (err == 0 && n > 0)
		qsort(v, n, sizeof(*v), pin_cmp);
	for (i = 0; err == 0 && i < n; i = k) {
		memset(&p, 0, sizeof(p));
		p.designs = 1;
		p.designs_held = 1;
		for (k = i; k < n && memcmp(v[k].design, v[i].design, ID) == 0;
		    k++) {
			p.bytes += v[k].size;
			p.bytes_held += v[k].held;
			if (v[k].held < v[k].size)
				p.designs_held = 0;
		}
		if (memcmp(v[i].design, zero, ID) == 0)
			continue;	/* files wanted without a design */
		err = weft__store_design_kept(s, txn, v[i].design);
		if (err == 0)
			continue;	/* a policy keeps it */
		if (err == WEFT_ENOTFOUND)
			err = cb(arg, v[i].design, &p);
	}
	if (txn != NULL)
		weft__store_read_end(s, txn);
	free(v);
	return err;
}

/* Seed receipts: the newest heads held complete. */
int
weft_store_held_heads(struct weft_store *s, weft_store_head_cb *cb,
    void *arg)
{
	struct weft_store_progress	 p;
	struct ids			 l, heads;
	MDB_txn				*txn = NULL;
	uint8_t				 head[ID];
	size_t				 i, k = 0;
	int				 err;

	memset(&l, 0, sizeof(l));
	err = weft_store_designs(s, NULL, NULL, collect_cb, &l);
	if (err == 0 && l.n > 0)
		err = weft__store_read_begin(s, &txn);
	/* Heads overwrite the designs' slots: l.v[2k] design, [2k+1] head. */
	memset(&heads, 0, sizeof(heads));
	if (err == 0 && l.n > 0) {
		heads.v = calloc(l.n, 2 * ID);
		if (heads.v == NULL)
			err = -ENOMEM;
	}
	for (i = 0; err == 0 && i < l.n; i++) {
		memset(&p, 0, sizeof(p));
		err = design_head_progress(s, txn, l.v[i], &p, head);
		if (err == 0 && p.designs == 1 && p.designs_held == 1 &&
		    p.bytes > 0) {
			memcpy(heads.v[2 * k], l.v[i], ID);
			memcpy(heads.v[2 * k + 1], head, ID);
			k++;
		}
	}
	if (txn != NULL)
		weft__store_read_end(s, txn);
	for (i = 0; err == 0 && i < k; i++)
		err = cb(arg, heads.v[2 * i], heads.v[2 * i + 1]);
	free(heads.v);
	free(l.v);
	return err;
}
