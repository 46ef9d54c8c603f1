/*
 * The grants index: every `grant` record under the design it concerns,
 * so that fork, update and the listings find a design's grants with one
 * prefix walk. Key: design || grant id; value: grantor (32) || anyone
 * (1) || grantee (32) || license (0..64 bytes). A grant counts only when
 * its grantor is the author of the parent revision being remixed; that
 * is decided by the reader, since a grant may arrive before its design.
 *
 * Here too: whether a revision breaks the license table (its design's
 * summary says so, docs/licenses.md). Ingest (store_ingest.c) asks it
 * for each new head, and again for the designs remixed from a design
 * when its author grants something, and sets the summaries' flag
 * through store_index.c: a module calls no other module.
 */
#include <stdio.h>
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/license.h"
#include "weft/record.h"

#include "store_impl.h"
#include "store_mods.h"

#define GVAL_FIXED	(WEFT_PK_BYTES + 1 + WEFT_PK_BYTES)
#define LIC_LEN		(WEFT_LICENSE_MAX + 1)

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
 * Walks design's grants in txn; with cb, calls it with each grant's
 * envelope, else fills the answer of weft_store_grant_find().
 */
static int
grants_walk_txn(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const uint8_t *grantor, const uint8_t *grantee, bool *granted,
    char *license, size_t size, weft_store_item_cb *cb, void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v, rec;
	const uint8_t	*p;
	int		 err, rc;
	bool		 any_terms = false;

	rc = mdb_cursor_open(txn, s->dbi[DB_GRANTS], &c);
	if (rc)
		return weft__store_xlat(rc);
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
	return err;
}

static int
grants_walk(struct weft_store *s, const uint8_t design[ID],
    const uint8_t *grantor, const uint8_t *grantee, bool *granted,
    char *license, size_t size, weft_store_item_cb *cb, void *arg)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = grants_walk_txn(s, txn, design, grantor, grantee, granted,
	    license, size, cb, arg);
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

int
weft__store_remix_conflict(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, bool *conflict)
{
	struct weft_license_parent	 lp[WEFT_PREV_MAX];
	struct weft_record		 p;
	char				 lic[WEFT_PREV_MAX][LIC_LEN];
	char				 glic[WEFT_PREV_MAX][LIC_LEN];
	bool				 granted;
	size_t				 k = 0;
	int				 err = 0;

	*conflict = false;
	if (r->type != WEFT_REC_REV || r->remix_of.n > WEFT_PREV_MAX)
		return 0;
	for (uint32_t i = 0; i < r->remix_of.n; i++) {
		err = weft__store_rec_load(s, txn, r->remix_of.ids[i], &p);
		if (err == WEFT_ENOTFOUND) {
			/* Not here (yet): nothing to judge it by. */
			weft_record_release(&p);
			err = 0;
			continue;
		}
		if (err == 0 && p.type != WEFT_REC_REV)
			err = WEFT_ECORRUPT;
		granted = false;
		glic[k][0] = '\0';
		if (err == 0)
			err = grants_walk_txn(s, txn, p.has_design ? p.design :
			    r->remix_of.ids[i], p.author, r->author, &granted,
			    glic[k], sizeof(glic[k]), NULL, NULL);
		if (err) {
			weft_record_release(&p);
			return err;
		}
		snprintf(lic[k], sizeof(lic[k]), "%s", p.license);
		lp[k].license = lic[k];
		lp[k].free = memcmp(p.author, r->author, WEFT_PK_BYTES) == 0 ||
		    (granted && glic[k][0] == '\0');
		lp[k].grant_license = granted && glic[k][0] != '\0' ?
		    glic[k] : NULL;
		k++;
		weft_record_release(&p);
	}
	*conflict = k > 0 && weft_license_check(lp, k, r->license, NULL,
	    NULL) != 0;
	return 0;
}
