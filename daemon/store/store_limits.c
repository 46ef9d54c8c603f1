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

static int
count_get(struct weft_store *s, MDB_txn *txn, const uint8_t k[LKEY],
    uint32_t *n)
{
	const uint8_t	*p;
	MDB_val		 v;
	int		 err;

	*n = 0;
	err = db_get(txn, s->dbi[DB_LIMITS], k, LKEY, &v);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (v.mv_size != 4)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	*n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

static int
count_put(struct weft_store *s, MDB_txn *txn, const uint8_t k[LKEY],
    uint32_t n)
{
	uint8_t	v[4];

	v[0] = (uint8_t)(n >> 24);
	v[1] = (uint8_t)(n >> 16);
	v[2] = (uint8_t)(n >> 8);
	v[3] = (uint8_t)n;
	return db_put(txn, s->dbi[DB_LIMITS], k, LKEY, v, sizeof(v));
}

int
weft__store_limit_check(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, uint32_t n[2])
{
	const struct cap	*c = cap_of(r);
	uint8_t			 k[LKEY];
	int			 err;

	n[0] = n[1] = 0;
	if (c == NULL)
		return 0;
	lkey(k, c, r, TOTAL);
	err = count_get(s, txn, k, &n[0]);
	if (err)
		return err;
	if (n[0] >= c->total)
		return WEFT_ELIMIT;
	lkey(k, c, r, r->ts / 60000);
	err = count_get(s, txn, k, &n[1]);
	if (err)
		return err;
	return n[1] >= c->per_minute ? WEFT_ELIMIT : 0;
}

int
weft__store_limit_add(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint32_t n[2])
{
	const struct cap	*c = cap_of(r);
	uint8_t			 k[LKEY];
	int			 err;

	if (c == NULL)
		return 0;
	lkey(k, c, r, TOTAL);
	err = count_put(s, txn, k, n[0] + 1);
	if (err)
		return err;
	lkey(k, c, r, r->ts / 60000);
	return count_put(s, txn, k, n[1] + 1);
}
