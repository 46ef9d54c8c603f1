/*
 * The grants index: every `grant` record under the design it concerns,
 * so that fork, update and the listings find a design's grants with one
 * prefix walk. Key: design || grant id; value: grantor (32) || anyone
 * (1) || grantee (32) || license (0..64 bytes). A grant counts only when
 * its grantor is the author of the parent revision being remixed; that
 * is decided by the reader, since a grant may arrive before its design.
 */
#include <stdio.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/record.h"

#include "store_impl.h"

#define GVAL_FIXED	(WEFT_PK_BYTES + 1 + WEFT_PK_BYTES)

int
weft__store_grant_index(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	uint8_t	key[2 * ID], val[GVAL_FIXED + WEFT_LICENSE_MAX];
	size_t	llen = strlen(r->license);

	if (llen > WEFT_LICENSE_MAX)
		return WEFT_EBADFIELD;
	memcpy(key, r->grant_design, ID);
	memcpy(key + ID, id, ID);
	memcpy(val, r->author, WEFT_PK_BYTES);
	val[WEFT_PK_BYTES] = r->grant_anyone ? 1 : 0;
	memcpy(val + WEFT_PK_BYTES + 1, r->grant_to, WEFT_PK_BYTES);
	memcpy(val + GVAL_FIXED, r->license, llen);
	return db_put(txn, s->dbi[DB_GRANTS], key, sizeof(key), val,
	    GVAL_FIXED + llen);
}

/*
 * Walks design's grants; with cb, calls it with each grant's envelope,
 * else fills the answer of weft_store_grant_find().
 */
static int
grants_walk(struct weft_store *s, const uint8_t design[ID],
    const uint8_t *grantor, const uint8_t *grantee, bool *granted,
    char *license, size_t size, weft_store_item_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v, rec;
	const uint8_t	*p;
	int		 err, rc;
	bool		 any_terms = false;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_GRANTS], &c);
	if (rc) {
		err = weft__store_xlat(rc);
		goto out;
	}
	err = weft__store_cur_first(c, design, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != 2 * ID || v.mv_size < GVAL_FIXED ||
		    v.mv_size > GVAL_FIXED + WEFT_LICENSE_MAX) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = v.mv_data;
		if (cb != NULL) {
			err = weft__store_rec_get(s, txn,
			    (const uint8_t *)k.mv_data + ID, &rec);
			if (err == 0)
				err = cb(arg, (const uint8_t *)k.mv_data + ID,
				    rec.mv_data, rec.mv_size);
			if (err)
				break;
		} else if (memcmp(p, grantor, WEFT_PK_BYTES) == 0 &&
		    (p[WEFT_PK_BYTES] == 1 || memcmp(p + WEFT_PK_BYTES + 1,
		    grantee, WEFT_PK_BYTES) == 0)) {
			/* A grant without terms beats one naming a license. */
			if (v.mv_size == GVAL_FIXED) {
				*granted = true;
				license[0] = '\0';
				any_terms = true;
			} else if (!*granted || (!any_terms &&
			    license[0] == '\0')) {
				*granted = true;
				snprintf(license, size, "%.*s",
				    (int)(v.mv_size - GVAL_FIXED),
				    (const char *)p + GVAL_FIXED);
			}
		}
		err = weft__store_cur_step(c, design, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND)
		err = 0;
out:
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_grant_find(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES],
    const uint8_t grantor[WEFT_PK_BYTES],
    const uint8_t grantee[WEFT_PK_BYTES], bool *granted, char *license,
    size_t size)
{
	*granted = false;
	if (size == 0)
		return WEFT_ETOOBIG;
	license[0] = '\0';
	return grants_walk(s, design, grantor, grantee, granted, license,
	    size, NULL, NULL);
}

int
weft_store_design_grants(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb, void *arg)
{
	return grants_walk(s, design, NULL, NULL, NULL, NULL, 0, cb, arg);
}
