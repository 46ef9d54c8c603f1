/*
 * A library entry taken back (issue 11 part 3 gaps): the entry in force
 * for its (library, design) becomes the latest one still stored
 * (latest-wins among the entries not taken back), and when that changes
 * whether the library holds the design, the design's revisions and
 * community records leave (or join) the library's scope, so that
 * reconciliation in that scope, and the library's listing, follow on
 * every node that applies the retract.
 */
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_impl.h"
#include "store_mods.h"

/*
 * The latest entry of lib for design still stored but for gone, found
 * among lib's scope members (docs/proto/store.md, rmem: 0x02 || lib ||
 * ts || id) from the newest: into val (ENTRY_VAL_LEN). WEFT_ENOTFOUND
 * when there is none.
 */
static int
entry_latest(struct weft_store *s, MDB_txn *txn, const uint8_t lib[ID],
    const uint8_t design[ID], const uint8_t gone[ID],
    uint8_t val[ENTRY_VAL_LEN])
{
	struct weft_record	 r;
	struct recinfo		 ri;
	const uint8_t		*p, *body, *sig;
	MDB_cursor		*c;
	MDB_val			 k, v, env;
	size_t			 blen;
	uint8_t			 pfx[1 + ID], id[ID];
	bool			 match;
	int			 err, rc;

	pfx[0] = WEFT_STORE_SCOPE_LIB;
	memcpy(pfx + 1, lib, ID);
	rc = mdb_cursor_open(txn, s->dbi[DB_RMEM], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_last(c, pfx, sizeof(pfx), &k, &v);
	for (; err == 0; err = weft__store_cur_step(c, pfx, sizeof(pfx), &k,
	    &v, MDB_PREV)) {
		if (k.mv_size != sizeof(pfx) + 8 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = (const uint8_t *)k.mv_data + sizeof(pfx);
		if (memcmp(p + 8, gone, ID) == 0)
			continue;
		memcpy(id, p + 8, ID);
		err = weft__store_info_get(s, txn, id, &ri);
		if (err == WEFT_ENOTFOUND)
			continue;
		if (err)
			break;
		if (ri.type != WEFT_REC_ENTRY)
			continue;
		err = weft__store_rec_get(s, txn, id, &env);
		if (err)
			break;
		weft_record_init(&r);
		if (weft_record_open(env.mv_data, env.mv_size, &body, &blen,
		    &sig) != 0 || weft_record_decode_body(body, blen, &r) != 0) {
			weft_record_release(&r);
			err = WEFT_ECORRUPT;
			break;
		}
		match = memcmp(r.lib, lib, ID) == 0 &&
		    memcmp(r.entry_design, design, ID) == 0;
		if (match) {
			memcpy(val, id, ID);
			be64enc(val + ID, r.ts);
			val[ID + 8] = (uint8_t)r.action;
		}
		weft_record_release(&r);
		if (match)
			break;
	}
	mdb_cursor_close(c);
	return err;
}

int
weft__store_entry_retract(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	uint8_t	key[2 * ID], val[ENTRY_VAL_LEN];
	MDB_val	v;
	int	err, was, held;

	err = weft__store_lib_holds(s, txn, r->lib, r->entry_design, &was);
	if (err)
		return err;
	memcpy(key, r->lib, ID);
	memcpy(key + ID, r->entry_design, ID);
	err = db_get(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), &v);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (v.mv_size != ENTRY_VAL_LEN)
		return WEFT_ECORRUPT;
	if (memcmp(v.mv_data, id, ID) != 0)
		return 0;	/* not the one in force: nothing changes */
	err = db_del(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key));
	if (err)
		return err;
	err = entry_latest(s, txn, r->lib, r->entry_design, id, val);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), val,
		    sizeof(val));
	else if (err == WEFT_ENOTFOUND)
		err = 0;
	if (err == 0)
		err = weft__store_lib_holds(s, txn, r->lib, r->entry_design,
		    &held);
	if (err || held == was)
		return err;
	return weft__store_scope_design(s, txn, r->lib, r->entry_design,
	    held ? 1 : -1);
}
