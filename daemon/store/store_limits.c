/*
 * Flood limits on community records (docs/proto/records.md, "Limits"):
 * per author and design, at most so many comments, reactions and makes
 * in any one minute of their `ts`, and at most so many in all. A record
 * over a cap is not stored (WEFT_ELIMIT): a flood fills the flooder's
 * own quota on each design, not the store. Counts live in `limits`,
 * keyed kind (1) || author || design || be64(minute), the total under
 * minute 2^64 - 1; value be32 count.
 */
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/record.h"

#include "store_impl.h"
#include "store_mods.h"

#define LKEY		(1 + 2 * ID + 8)
#define TOTAL		UINT64_MAX

struct cap {
	uint8_t		type;
	uint8_t		kind;
	uint32_t	per_minute;
	uint32_t	total;
};

static const struct cap caps[] = {
	{ WEFT_REC_COMMENT,	'c', WEFT_STORE_COMMENTS_MINUTE,
	    WEFT_STORE_COMMENTS_TOTAL },
	{ WEFT_REC_REACTION,	'r', WEFT_STORE_REACTIONS_MINUTE,
	    WEFT_STORE_REACTIONS_TOTAL },
	{ WEFT_REC_MAKE,	'm', WEFT_STORE_MAKES_MINUTE,
	    WEFT_STORE_MAKES_TOTAL },
};

static const struct cap *
cap_of(const struct weft_record *r)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (caps[i].type == r->type)
			return &caps[i];
	return NULL;
}

static void
lkey(uint8_t k[LKEY], const struct cap *c, const struct weft_record *r,
    uint64_t minute)
{
	k[0] = c->kind;
	memcpy(k + 1, r->author, ID);
	memcpy(k + 1 + ID, r->design, ID);
	be64enc(k + 1 + 2 * ID, minute);
}

/*
 * Through the write transaction's cursor on `limits`: a record's two keys
 * share kind, author and design and mostly a leaf, which its check reads
 * and its write then changes, and LMDB looks for a key on the cursor's
 * page before it descends from the root again.
 */
static int
count_get(MDB_cursor *c, const uint8_t k[LKEY], uint32_t *n)
{
	const uint8_t	*p;
	MDB_val		 key, v;
	int		 rc;

	*n = 0;
	key.mv_size = LKEY;
	key.mv_data = (void *)k;
	rc = mdb_cursor_get(c, &key, &v, MDB_SET_KEY);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return weft__store_xlat(rc);
	if (v.mv_size != 4)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	*n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

static int
count_put(MDB_cursor *c, const uint8_t k[LKEY], uint32_t n)
{
	uint8_t	b[4];
	MDB_val	key, v;

	b[0] = (uint8_t)(n >> 24);
	b[1] = (uint8_t)(n >> 16);
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	key.mv_size = LKEY;
	key.mv_data = (void *)k;
	v.mv_size = sizeof(b);
	v.mv_data = b;
	return weft__store_xlat(mdb_cursor_put(c, &key, &v, 0));
}

static int
counts_read(MDB_cursor *c, const struct cap *cap,
    const struct weft_record *r, uint32_t n[2])
{
	uint8_t	k[LKEY];
	int	err;

	lkey(k, cap, r, TOTAL);
	err = count_get(c, k, &n[0]);
	if (err)
		return err;
	if (n[0] >= cap->total)
		return WEFT_ELIMIT;
	lkey(k, cap, r, r->ts / 60000);
	err = count_get(c, k, &n[1]);
	if (err)
		return err;
	return n[1] >= cap->per_minute ? WEFT_ELIMIT : 0;
}

static int
counts_write(MDB_cursor *c, const struct cap *cap,
    const struct weft_record *r, const uint32_t n[2])
{
	uint8_t	k[LKEY];
	int	err;

	lkey(k, cap, r, TOTAL);
	err = count_put(c, k, n[0] + 1);
	if (err)
		return err;
	lkey(k, cap, r, r->ts / 60000);
	return count_put(c, k, n[1] + 1);
}

int
weft__store_limit_check(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, uint32_t n[2])
{
	const struct cap	*c = cap_of(r);
	MDB_cursor		*cur = NULL;
	int			 err;

	n[0] = n[1] = 0;
	if (c == NULL)
		return 0;
	err = store_cursor(s, txn, DB_LIMITS, &cur);
	if (err)
		return err;
	return counts_read(cur, c, r, n);
}

int
weft__store_limit_add(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint32_t n[2])
{
	const struct cap	*c = cap_of(r);
	MDB_cursor		*cur = NULL;
	int			 err;

	if (c == NULL)
		return 0;
	err = store_cursor(s, txn, DB_LIMITS, &cur);
	if (err)
		return err;
	return counts_write(cur, c, r, n);
}
