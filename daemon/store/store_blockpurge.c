/*
 * A block takes out what is already stored (docs/moderation.md, "What a
 * block does"): weft_store_block_purge() deletes the records of a blocked
 * author or design, as a retract would, and the files no kept record
 * names. The ids of what a block took out or refused are kept in
 * `blocked_recs` (docs/proto/store.md):
 *
 *   blocked_recs   id -> target        the author or design blocked
 *
 * so that sync never asks for them again while the block lasts (they
 * left our reconciliation sets with the records, but a peer's sets still
 * hold them). Lifting a block drops its rows: the records come back by
 * sync, as any record this node lacks. The rows are the moderation
 * module's (store_moderation.c); this file is of the upper level, as
 * ingest, whose take-out it calls (tests/layers/check-store.sh).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"

#include "store.h"
#include "store_mods.h"

/* Records one purge takes out at most (32 bytes each in memory). */
#define PURGE_MAX	(1u << 22)

/* The ids to take out, in the order they go. */
struct purge {
	int		 kind;
	const uint8_t	*target;
	uint8_t		(*ids)[ID];
	size_t		 n, cap;
	uint64_t	 taken;
};

static int
ids_add(struct purge *p, const uint8_t id[ID])
{
	void	*t;
	size_t	 cap;

	if (p->n == p->cap) {
		if (p->cap >= PURGE_MAX)
			return WEFT_ETOOBIG;
		cap = p->cap ? p->cap * 2 : 64;
		t = realloc(p->ids, cap * ID);
		if (t == NULL)
			return -ENOMEM;
		p->ids = t;
		p->cap = cap;
	}
	memcpy(p->ids[p->n++], id, ID);
	return 0;
}

/*
 * Adds the ids of the keys of db that start with pfx (plen bytes), each
 * klen long with the id at off.
 */
static int
ids_prefix(struct weft_store *s, MDB_txn *txn, struct purge *p, int db,
    const uint8_t *pfx, size_t plen, size_t klen, size_t off)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc, err;

	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, pfx, plen, &k, &v);
	while (err == 0) {
		if (k.mv_size != klen) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = ids_add(p, (const uint8_t *)k.mv_data + off);
		if (err == 0)
			err = weft__store_cur_step(c, pfx, plen, &k, &v,
			    MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/*
 * What goes with a design: the comments, reactions and makes on it (by
 * anyone: they are not stored for a blocked design) and its grants, then
 * the design itself, which takes every revision.
 */
static int
ids_design(struct weft_store *s, MDB_txn *txn, struct purge *p,
    const uint8_t design[ID])
{
	int	err;

	err = ids_prefix(s, txn, p, DB_SOCIAL, design, ID, ID + 1 + 8 + ID,
	    ID + 1 + 8);
	if (err == 0)
		err = ids_prefix(s, txn, p, DB_GRANTS, design, ID, 2 * ID, ID);
	if (err == 0)
		err = ids_add(p, design);
	return err;
}

/*
 * The geometry records in the scope of author (kind || author || ts ||
 * id) that are on design (NULL: any): a design's geom records, by
 * anyone, are in the scope of its genesis's author.
 */
static int
ids_geom(struct weft_store *s, MDB_txn *txn, struct purge *p,
    const uint8_t author[ID], const uint8_t *design)
{
	struct recinfo	 ri;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 pfx[1 + ID], id[ID];
	int		 rc, err;

	pfx[0] = WEFT_STORE_SCOPE_AUTHOR;
	memcpy(pfx + 1, author, ID);
	rc = mdb_cursor_open(txn, s->dbi[DB_RMEM], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, pfx, sizeof(pfx), &k, &v);
	while (err == 0) {
		if (k.mv_size != sizeof(pfx) + 8 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(id, (const uint8_t *)k.mv_data + sizeof(pfx) + 8, ID);
		err = weft__store_info_get(s, txn, id, &ri);
		if (err == 0 && ri.type == WEFT_REC_GEOM && (design == NULL ||
		    memcmp(ri.design, design, ID) == 0))
			err = ids_add(p, id);
		if (err == 0 || err == WEFT_ENOTFOUND)
			err = weft__store_cur_step(c, pfx, sizeof(pfx), &k, &v,
			    MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/*
 * An author's records, from their scope's member keys (kind || author ||
 * ts || id): those they signed (labels on them are there too, and stay),
 * each of their designs with what goes with it, and every geometry
 * record of their scope (theirs, and anyone's on their designs).
 */
static int
ids_author(struct weft_store *s, MDB_txn *txn, struct purge *p,
    struct purge *own, const uint8_t author[ID])
{
	struct recinfo	 ri;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 pfx[1 + ID], id[ID];
	size_t		 mkey = 1 + ID + 8 + ID;
	int		 rc, err;

	pfx[0] = WEFT_STORE_SCOPE_AUTHOR;
	memcpy(pfx + 1, author, ID);
	rc = mdb_cursor_open(txn, s->dbi[DB_RMEM], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, pfx, sizeof(pfx), &k, &v);
	while (err == 0) {
		if (k.mv_size != mkey) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(id, (const uint8_t *)k.mv_data + 1 + ID + 8, ID);
		err = weft__store_info_get(s, txn, id, &ri);
		if (err == 0 && memcmp(ri.author, author, ID) == 0 &&
		    ri.type != WEFT_REC_GEOM)
			err = ids_add(own, id);
		else if (err == 0 && ri.type == WEFT_REC_GEOM)
			err = ids_add(p, id);
		if (err == 0 || err == WEFT_ENOTFOUND)
			err = weft__store_cur_step(c, pfx, sizeof(pfx), &k, &v,
			    MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err != WEFT_ENOTFOUND)
		return err;
	err = 0;
	/*
	 * Each of their designs (a genesis), with what goes with it, before
	 * their own records: what is on a design goes while it is there.
	 */
	for (size_t i = 0; i < own->n && err == 0; i++) {
		memcpy(id, own->ids[i], ID);
		err = weft__store_info_get(s, txn, id, &ri);
		if (err == 0 && ri.type == WEFT_REC_REV &&
		    memcmp(ri.design, id, ID) == 0)
			err = ids_design(s, txn, p, id);
	}
	for (size_t i = 0; i < own->n && err == 0; i++)
		err = ids_add(p, own->ids[i]);
	return err;
}

/*
 * A seed receipt the block takes out: out of its scopes, and noted, as
 * ingest notes one it refuses for the block.
 */
static int
receipt_gone(void *arg, struct weft_store *s, MDB_txn *txn,
    const uint8_t key[3 * ID], const uint8_t *author, uint64_t ts,
    const uint8_t id[ID])
{
	struct purge	*p = arg;
	int		 err;

	err = weft__store_scopes_receipt(s, txn, key, author, ts, id, -1);
	if (err == 0)
		err = weft__store_blocked_put(s, txn, id, p->target);
	return err;
}

static int
purge_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct purge	*p = arg, own;
	struct recinfo	 ri;
	uint64_t	 receipts;
	int		 err;

	/* Runs again from the start when the map grew. */
	p->n = 0;
	p->taken = 0;
	/*
	 * The seed receipts a blocked key signed (an author's or a node's),
	 * or those of a blocked design, first: while the design is here.
	 */
	err = weft__store_receipts_drop(s, txn,
	    p->kind == WEFT_BLOCK_DESIGN ? p->target : NULL,
	    p->kind == WEFT_BLOCK_DESIGN ? NULL : p->target, receipt_gone, p,
	    &receipts);
	if (err)
		return err;
	p->taken += receipts;
	if (p->kind == WEFT_BLOCK_NODE)
		return 0;
	if (p->kind == WEFT_BLOCK_AUTHOR) {
		memset(&own, 0, sizeof(own));
		err = ids_author(s, txn, p, &own, p->target);
		free(own.ids);
	} else {
		/* Its geometry records, by anyone, then the design. */
		err = weft__store_info_get(s, txn, p->target, &ri);
		if (err == 0)
			err = ids_geom(s, txn, p, ri.author, p->target);
		else if (err == WEFT_ENOTFOUND)
			err = 0;
		if (err == 0)
			err = ids_design(s, txn, p, p->target);
	}
	for (size_t i = 0; i < p->n && err == 0; i++)
		err = weft__store_blocked_put(s, txn, p->ids[i], p->target);
	if (err == 0)
		err = weft__store_take_out(s, txn,
		    (const uint8_t (*)[ID])p->ids, p->n, &receipts);
	p->taken += receipts;
	return err;
}

int
weft_store_block_purge(struct weft_store *s, int kind,
    const uint8_t target[WEFT_ID_BYTES], uint64_t *records)
{
	struct purge	p;
	int		err;

	*records = 0;
	if (kind != WEFT_BLOCK_AUTHOR && kind != WEFT_BLOCK_DESIGN &&
	    kind != WEFT_BLOCK_NODE)
		return WEFT_EUSAGE;
	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.target = target;
	err = weft__store_write(s, purge_txn, &p);
	if (err == 0)
		*records = p.taken;
	free(p.ids);
	return err;
}
