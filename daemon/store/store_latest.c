/*
 * What is in force after a retract (issue 11 part 3 gaps), for the
 * records of which only the latest counts and whose earlier ones live
 * in no table of their own module: an author's profiles, a library's
 * entries for a design, and a moderator's labels of one name on one
 * target. Ingest calls it (store_ingest.c,
 * record_retract()) after the retracted record left its indexes and
 * before its rows go; it finds the latest record still stored among the
 * reconciliation scope's members (store_recon.c) and puts it back in
 * force (latest-wins among those not taken back). For an entry, when
 * that changes whether the library holds the design, the design joins
 * or leaves the library's scope, so that reconciliation in that scope
 * and the library's listing follow on every node that applies the
 * retract. Like ingest, this file may call every module.
 */
#include <string.h>

#include <lmdb.h>

#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_impl.h"
#include "store_mods.h"

struct latest {
	struct weft_store	*s;
	MDB_txn			*txn;
	const uint8_t		*gone;		/* the record taken back */
	uint8_t			 type;
	const uint8_t		*lib;		/* entries: lib, design */
	const uint8_t		*design;
	const uint8_t		*target;	/* labels: target, label */
	const char		*label;
	/* The answer. */
	uint8_t			 id[ID];
	uint64_t		 ts;
	uint8_t			 action;
};

/* Labels a and b are one: the same, or a removal and what it withdraws. */
static bool
label_same(const char *a, const char *b)
{
	char	ba[WEFT_LABEL_MAX + 1], bb[WEFT_LABEL_MAX + 1];
	size_t	na, nb;

	if (weft_label_base(a, strlen(a), ba, &na) < 0 ||
	    weft_label_base(b, strlen(b), bb, &nb) < 0)
		return strcmp(a, b) == 0;
	return na == nb && memcmp(ba, bb, na) == 0;
}

static int
latest_cb(void *arg, uint64_t ts, const uint8_t id[ID])
{
	struct latest		*l = arg;
	struct weft_record	 r;
	struct recinfo		 ri;
	const uint8_t		*body, *sig;
	MDB_val			 env;
	size_t			 blen;
	bool			 match;
	int			 err;

	if (memcmp(id, l->gone, ID) == 0)
		return 0;
	err = weft__store_info_get(l->s, l->txn, id, &ri);
	if (err == WEFT_ENOTFOUND || (err == 0 && ri.type != l->type))
		return 0;
	if (err)
		return err;
	if (l->type == WEFT_REC_ENTRY || l->type == WEFT_REC_LABEL) {
		err = weft__store_rec_get(l->s, l->txn, id, &env);
		if (err)
			return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
		weft_record_init(&r);
		if (weft_record_open(env.mv_data, env.mv_size, &body, &blen,
		    &sig) != 0 || weft_record_decode_body(body, blen,
		    &r) != 0) {
			weft_record_release(&r);
			return WEFT_ECORRUPT;
		}
		if (l->type == WEFT_REC_LABEL)
			match = memcmp(r.label_target, l->target, ID) == 0 &&
			    label_same(r.label, l->label);
		else
			match = memcmp(r.lib, l->lib, ID) == 0 &&
			    memcmp(r.entry_design, l->design, ID) == 0;
		l->action = (uint8_t)r.action;
		weft_record_release(&r);
		if (!match)
			return 0;
	}
	memcpy(l->id, id, ID);
	l->ts = ts;
	return 1;
}

static int
profile_retract(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	struct latest	l;
	int		err;

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.txn = txn;
	l.gone = id;
	l.type = WEFT_REC_PROFILE;
	err = weft__store_scope_walk_back(s, txn, WEFT_STORE_SCOPE_AUTHOR,
	    r->author, latest_cb, &l);
	if (err == 1)
		err = weft__store_profile_set(s, txn, r->author, l.ts, l.id);
	return err;
}

static int
entry_retract(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	struct latest	l;
	uint8_t		key[2 * ID], val[ENTRY_VAL_LEN];
	MDB_val		v;
	int		err, was, held;

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
	memset(&l, 0, sizeof(l));
	l.s = s;
	l.txn = txn;
	l.gone = id;
	l.type = WEFT_REC_ENTRY;
	l.lib = r->lib;
	l.design = r->entry_design;
	err = weft__store_scope_walk_back(s, txn, WEFT_STORE_SCOPE_LIB, r->lib,
	    latest_cb, &l);
	if (err == 1) {
		memcpy(val, l.id, ID);
		be64enc(val + ID, l.ts);
		val[ID + 8] = l.action;
		err = db_put(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), val,
		    sizeof(val));
	}
	if (err == 0)
		err = weft__store_lib_holds(s, txn, r->lib, r->entry_design,
		    &held);
	if (err || held == was)
		return err;
	return weft__store_scope_design(s, txn, r->lib, r->entry_design,
	    held ? 1 : -1);
}

/*
 * A label in force taken back: the latest other label of the same
 * (author, target, label) still stored, if any, is in force again.
 */
static int
label_retract(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	struct weft_record	 lr;
	struct latest		 l;
	const uint8_t		*body, *sig;
	MDB_val			 env;
	size_t			 blen;
	bool			 was;
	int			 err;

	err = weft__store_label_drop(s, txn, r, id, &was);
	if (err || !was)
		return err;
	memset(&l, 0, sizeof(l));
	l.s = s;
	l.txn = txn;
	l.gone = id;
	l.type = WEFT_REC_LABEL;
	l.target = r->label_target;
	l.label = r->label;
	err = weft__store_scope_walk_back(s, txn, WEFT_STORE_SCOPE_AUTHOR,
	    r->author, latest_cb, &l);
	if (err != 1)
		return err;
	err = weft__store_rec_get(s, txn, l.id, &env);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	weft_record_init(&lr);
	if (weft_record_open(env.mv_data, env.mv_size, &body, &blen,
	    &sig) != 0 || weft_record_decode_body(body, blen, &lr) != 0)
		err = WEFT_ECORRUPT;
	else
		err = weft__store_label_index(s, txn, &lr, l.id);
	weft_record_release(&lr);
	return err;
}

int
weft__store_latest_retract(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	switch (r->type) {
	case WEFT_REC_PROFILE:
		return profile_retract(s, txn, r, id);
	case WEFT_REC_ENTRY:
		return entry_retract(s, txn, r, id);
	case WEFT_REC_LABEL:
		return label_retract(s, txn, r, id);
	default:
		return 0;
	}
}
