/*
 * The targeted purge of a retraction: the chunks of the files of the
 * retracted records go, except those a kept file still uses. Candidates
 * are the retracted files' indexes and the chunks they list; every file
 * of every record still stored (revisions, makes' photos, avatars) that
 * is present takes its index and chunks out of the candidates; what is
 * left is deleted through the kernel's chunk calls. The cost is one read
 * of every stored chunk list (32 bytes per chunk of the store) and of
 * the file-bearing records, whatever the size of what is purged.
 * Called by ingest inside the retract's write transaction, after the
 * retracted records' rows are gone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store_impl.h"
#include "store_mods.h"

#define SET_MIN		64
#define SLOT_FREE	0
#define SLOT_USED	1
#define SLOT_GONE	2

/* An open-addressing set of ids (ids are hashes: their bytes spread). */
struct idset {
	uint8_t		(*ids)[ID];
	uint8_t		 *st;
	size_t		  cap;		/* a power of 2 */
	size_t		  n;		/* SLOT_USED */
	size_t		  fill;		/* SLOT_USED + SLOT_GONE */
};

static size_t
slot_of(const struct idset *set, const uint8_t id[ID])
{
	uint64_t	h;

	memcpy(&h, id, sizeof(h));
	return (size_t)h & (set->cap - 1);
}

/* The slot holding id, or SIZE_MAX. */
static size_t
set_find(const struct idset *set, const uint8_t id[ID])
{
	size_t	i;

	if (set->cap == 0)
		return SIZE_MAX;
	for (i = slot_of(set, id); set->st[i] != SLOT_FREE;
	    i = (i + 1) & (set->cap - 1))
		if (set->st[i] == SLOT_USED && memcmp(set->ids[i], id, ID) == 0)
			return i;
	return SIZE_MAX;
}

static int set_add(struct idset *set, const uint8_t id[ID]);

static int
set_grow(struct idset *set)
{
	struct idset	old = *set;
	size_t		cap = old.cap ? old.cap * 2 : SET_MIN;

	if (old.n * 4 < old.cap)
		cap = old.cap;	/* mostly SLOT_GONE: rehash in place */
	set->ids = malloc(cap * ID);
	set->st = calloc(cap, 1);
	if (set->ids == NULL || set->st == NULL) {
		free(set->ids);
		free(set->st);
		*set = old;
		return -ENOMEM;
	}
	set->cap = cap;
	set->n = set->fill = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.st[i] == SLOT_USED)
			(void)set_add(set, old.ids[i]);
	free(old.ids);
	free(old.st);
	return 0;
}

/* Adds id: 1 if it was new, 0 if present, or -ENOMEM. */
static int
set_add(struct idset *set, const uint8_t id[ID])
{
	size_t	i;
	int	err;

	if (set_find(set, id) != SIZE_MAX)
		return 0;
	if ((set->fill + 1) * 4 > set->cap * 3) {
		err = set_grow(set);
		if (err)
			return err;
	}
	for (i = slot_of(set, id); set->st[i] == SLOT_USED;
	    i = (i + 1) & (set->cap - 1))
		continue;
	if (set->st[i] == SLOT_FREE)
		set->fill++;
	set->st[i] = SLOT_USED;
	memcpy(set->ids[i], id, ID);
	set->n++;
	return 1;
}

static void
set_del(struct idset *set, const uint8_t id[ID])
{
	size_t	i = set_find(set, id);

	if (i == SIZE_MAX)
		return;
	set->st[i] = SLOT_GONE;
	set->n--;
}

static void
set_free(struct idset *set)
{
	free(set->ids);
	free(set->st);
	memset(set, 0, sizeof(*set));
}

/*
 * The chunks of index (if present) into (add) or out of (!add) set, and
 * the index itself. A present index that does not decode is corrupt.
 */
static int
index_apply(struct weft_store *s, MDB_txn *txn, struct idset *set,
    const uint8_t index[ID], int add)
{
	struct weft_chunk_ref	*refs = NULL;
	uint64_t		 total;
	size_t			 n = 0;
	int			 err;

	if (add) {
		err = set_add(set, index);
		if (err < 0)
			return err;
	} else {
		set_del(set, index);
	}
	err = weft__store_chunk_index(s, txn, index, &refs, &n, &total);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err == -ENOMEM ? err : WEFT_ECORRUPT;
	for (size_t i = 0; i < n && err >= 0; i++) {
		if (add)
			err = set_add(set, refs[i].id);
		else
			set_del(set, refs[i].id);
	}
	free(refs);
	return err < 0 ? err : 0;
}

/* Every file of every stored record takes its chunks out of cand. */
static int
keep_live(struct weft_store *s, MDB_txn *txn, struct idset *cand)
{
	struct weft_record	 r;
	struct idset		 seen;
	const uint8_t		*body, *sig;
	MDB_cursor		*c;
	MDB_val			 k, v, env;
	size_t			 blen;
	uint8_t			 id[ID], type;
	int			 err = 0, rc;

	memset(&seen, 0, sizeof(seen));
	rc = mdb_cursor_open(txn, s->dbi[DB_INFO], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0 && cand->n > 0) {
		if (k.mv_size != ID || (v.mv_size != INFO_LEN &&
		    v.mv_size != INFO_SHORT)) {
			err = WEFT_ECORRUPT;
			break;
		}
		type = ((const uint8_t *)v.mv_data)[0];
		if (type == WEFT_REC_REV || type == WEFT_REC_MAKE ||
		    type == WEFT_REC_PROFILE) {
			memcpy(id, k.mv_data, ID);
			err = weft__store_rec_get(s, txn, id, &env);
			weft_record_init(&r);
			if (err == 0 && (weft_record_open(env.mv_data,
			    env.mv_size, &body, &blen, &sig) != 0 ||
			    weft_record_decode_body(body, blen, &r) != 0))
				err = WEFT_ECORRUPT;
			for (uint32_t i = 0; err == 0 && i < r.nfiles; i++) {
				err = set_add(&seen, r.files[i].index);
				if (err == 1)
					err = index_apply(s, txn, cand,
					    r.files[i].index, 0);
			}
			weft_record_release(&r);
			if (err < 0)
				break;
			err = 0;
			/* The cursor may not survive the reads: seek again. */
			k.mv_size = ID;
			k.mv_data = id;
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
			if (rc)
				break;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	set_free(&seen);
	if (err)
		return err;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

int
weft__store_purge(struct weft_store *s, MDB_txn *txn,
    const uint8_t (*idx)[ID], size_t n, weft__store_purge_cb *gone,
    void *arg, uint64_t *chunks, uint64_t *bytes)
{
	struct idset	cand;
	uint64_t	len;
	int		err = 0;

	*chunks = 0;
	*bytes = 0;
	memset(&cand, 0, sizeof(cand));
	for (size_t i = 0; i < n && err == 0; i++)
		err = index_apply(s, txn, &cand, idx[i], 1);
	if (err == 0 && cand.n > 0)
		err = keep_live(s, txn, &cand);
	/* What a publish under way holds stays too (store_hold.c). */
	for (size_t i = 0; err == 0 && i < cand.cap; i++)
		if (cand.st[i] == SLOT_USED && weft__store_held(s, cand.ids[i]))
			set_del(&cand, cand.ids[i]);
	/* The files that go, told before their chunk lists do. */
	for (size_t i = 0; err == 0 && gone != NULL && i < n; i++)
		if (set_find(&cand, idx[i]) != SIZE_MAX)
			err = gone(s, txn, idx[i], arg);
	for (size_t i = 0; err == 0 && i < cand.cap; i++) {
		if (cand.st[i] != SLOT_USED)
			continue;
		err = weft__store_chunk_size(s, txn, cand.ids[i], &len);
		if (err == WEFT_ENOTFOUND) {
			err = 0;
			continue;
		}
		if (err)
			break;
		*bytes += len;
		(*chunks)++;
		err = weft__store_chunk_del(s, txn, cand.ids[i]);
	}
	set_free(&cand);
	return err;
}
