/*
 * The LMDB store (docs/proto/store.md gives every database's byte layout).
 * One environment, opened MDB_NOTLS with default durability, holds plain
 * databases with composite keys: no DUPSORT, whose cursor paths have known
 * bugs in LMDB 0.9.24. Every public call is one transaction, and every
 * write is checked before it is made: records are verified, then rights
 * and dependencies are checked inside the same write transaction that
 * stores them, so a concurrent writer cannot slip in between.
 *
 * A full map grows: the write is aborted, the map is doubled while no
 * transaction is active in the process (every transaction holds s->lock
 * shared; the resize takes it exclusive), and the write is retried.
 * LMDB's codes are translated to weft's here and nowhere else.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"
#include "weft/recon.h"

#include "store.h"

#define STORE_VERSION		1
#define STORE_MAP_DEFAULT	((size_t)1 << 30)
#define STORE_MAP_MAX		((uint64_t)1 << 40)
#define STORE_MAXREADERS	256
#define STORE_VERIFY_BATCH	256
#define STORE_VERIFY_PAR_MIN	16	/* smallest batch verified by 2 threads */
#define SUMMARY_MAX		8192

#define WORD_MAX		64	/* bytes; longer words are cut */
#define WORD_MIN		2
#define WORDS_MAX		256	/* per design */

#define INFO_LEN		(1 + 8 + WEFT_PK_BYTES + WEFT_ID_BYTES)
#define ENTRY_VAL_LEN		(WEFT_ID_BYTES + 8 + 1)

#define ID	WEFT_ID_BYTES

enum {
	DB_META,
	DB_RECORDS,
	DB_INFO,
	DB_CHUNKS,
	DB_BY_DESIGN,
	DB_HEADS,
	DB_SUCC,
	DB_REMIX,
	DB_BY_AUTHOR,
	DB_ALL,
	DB_DESIGNS,
	DB_DESIGN_TIME,
	DB_AUTHOR_DESIGN,
	DB_TAG_DESIGN,
	DB_WORDS,
	DB_DWORDS,
	DB_LIBS,
	DB_LIB_ENTRY,
	DB_RAGG,
	DB_COUNT
};

static const char *const db_names[DB_COUNT] = {
	"meta", "records", "info", "chunks", "by_design", "heads", "succ",
	"remix", "by_author", "all", "designs", "design_time",
	"author_design", "tag_design", "words", "dwords", "libs", "lib_entry",
	"recon_agg",
};

struct weft_store {
	MDB_env			*env;
	MDB_dbi			 dbi[DB_COUNT];
	/*
	 * Held shared by every transaction and exclusively by a map resize,
	 * which LMDB allows only with no transaction active in the process.
	 * map_size changes only under the exclusive lock.
	 */
	pthread_rwlock_t	 lock;
	uint64_t		 map_size;
};

/* The fixed facts about a record, kept in DB_INFO. */
struct recinfo {
	uint8_t		type;
	uint64_t	ts;
	uint8_t		author[WEFT_PK_BYTES];
	uint8_t		design[ID];	/* revs only; zero otherwise */
};

struct wordset {
	size_t		n;
	uint8_t		len[WORDS_MAX];
	uint8_t		w[WORDS_MAX][WORD_MAX];
};

typedef int write_fn(struct weft_store *s, MDB_txn *txn, void *arg);

static int
xlat(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return WEFT_ENOTFOUND;
	case MDB_MAP_FULL:
		return WEFT_ESTOREFULL;
	case MDB_VERSION_MISMATCH:
		return WEFT_EVERSION;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return WEFT_EBUSY;
	case MDB_TXN_FULL:
	case MDB_BAD_VALSIZE:
		return WEFT_ETOOBIG;
	default:
		break;
	}
	if (rc > 0)
		return -rc;
	/* MDB_PANIC, MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_INVALID, ... */
	return WEFT_ECORRUPT;
}

static void
be64enc(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
be64dec(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static int
prefix_eq(const MDB_val *k, const void *pfx, size_t plen)
{
	return k->mv_size >= plen && memcmp(k->mv_data, pfx, plen) == 0;
}

/* Lock helpers: rwlock failures are broken invariants, not input errors. */
static void
lock_shared(struct weft_store *s)
{
	int	rc;

	rc = pthread_rwlock_rdlock(&s->lock);
	if (rc)
		abort();
}

static void
lock_excl(struct weft_store *s)
{
	int	rc;

	rc = pthread_rwlock_wrlock(&s->lock);
	if (rc)
		abort();
}

static void
lock_release(struct weft_store *s)
{
	pthread_rwlock_unlock(&s->lock);
}

static void
note_map_size(struct weft_store *s)
{
	MDB_envinfo	ei;

	if (mdb_env_info(s->env, &ei) == 0)
		s->map_size = ei.me_mapsize;
}

/* Another process grew the map (MDB_MAP_RESIZED): adopt its size. */
static int
adopt_map_size(struct weft_store *s)
{
	int	rc;

	lock_excl(s);
	rc = mdb_env_set_mapsize(s->env, 0);
	if (rc == 0)
		note_map_size(s);
	lock_release(s);
	return xlat(rc);
}

/*
 * Doubles the map unless another writer already grew it since "seen" was
 * read; either way the caller retries its write.
 */
static int
grow_map(struct weft_store *s, uint64_t seen)
{
	int	rc = 0;

	lock_excl(s);
	if (s->map_size == seen) {
		if (seen > STORE_MAP_MAX / 2 || seen > SIZE_MAX / 2) {
			lock_release(s);
			return WEFT_ESTOREFULL;
		}
		rc = mdb_env_set_mapsize(s->env, (size_t)(seen * 2));
		if (rc == 0)
			note_map_size(s);
	}
	lock_release(s);
	return xlat(rc);
}

static int
read_begin(struct weft_store *s, MDB_txn **txn)
{
	int	rc, err;

	for (;;) {
		lock_shared(s);
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
		if (rc == 0)
			return 0;
		lock_release(s);
		if (rc != MDB_MAP_RESIZED)
			return xlat(rc);
		err = adopt_map_size(s);
		if (err)
			return err;
	}
}

static void
read_end(struct weft_store *s, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	lock_release(s);
}

/*
 * Runs fn in a write transaction and commits it. fn returns 0 or a weft
 * code; on any error the transaction is aborted, and on WEFT_ESTOREFULL
 * (MDB_MAP_FULL, from fn or from the commit) the map grows and the whole
 * write runs again, so fn must depend only on its arguments and the txn.
 */
static int
store_write(struct weft_store *s, write_fn *fn, void *arg)
{
	MDB_txn		*txn;
	uint64_t	 seen;
	int		 rc, err;

	for (;;) {
		lock_shared(s);
		seen = s->map_size;
		rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		if (rc) {
			lock_release(s);
			if (rc != MDB_MAP_RESIZED)
				return xlat(rc);
			err = adopt_map_size(s);
			if (err)
				return err;
			continue;
		}
		err = fn(s, txn, arg);
		if (err)
			mdb_txn_abort(txn);
		else
			err = xlat(mdb_txn_commit(txn));	/* frees txn */
		lock_release(s);
		if (err != WEFT_ESTOREFULL)
			return err;
		err = grow_map(s, seen);
		if (err)
			return err;
	}
}

static int
db_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, MDB_val *v)
{
	MDB_val	key = { klen, (void *)k };

	return xlat(mdb_get(txn, dbi, &key, v));
}

static int
db_has(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
	MDB_val	v;

	return db_get(txn, dbi, k, klen, &v);
}

static int
db_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	MDB_val	key = { klen, (void *)k }, val = { vlen, (void *)v };

	return xlat(mdb_put(txn, dbi, &key, &val, 0));
}

/*
 * Deletes k if present. The lookup first keeps a missing key from ever
 * being a failed write operation.
 */
static int
db_del(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
	MDB_val	key = { klen, (void *)k };
	int	err;

	err = db_has(txn, dbi, k, klen);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	return xlat(mdb_del(txn, dbi, &key, NULL));
}

/* Cursor walks over the keys that start with a prefix. */
static int
cur_first(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
    MDB_val *v)
{
	int	rc;

	k->mv_size = plen;
	k->mv_data = (void *)pfx;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc)
		return xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

static int
cur_step(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
    MDB_val *v, MDB_cursor_op op)
{
	int	rc;

	rc = mdb_cursor_get(c, k, v, op);
	if (rc)
		return xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

/* The last key starting with pfx: before the prefix's successor. */
static int
cur_last(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
    MDB_val *v)
{
	uint8_t	succ[64];
	size_t	n = plen;
	int	rc;

	if (plen > sizeof(succ))
		return WEFT_EUSAGE;
	memcpy(succ, pfx, plen);
	while (n > 0 && succ[n - 1] == 0xff)
		n--;
	if (n == 0) {
		rc = mdb_cursor_get(c, k, v, MDB_LAST);
	} else {
		succ[n - 1]++;
		k->mv_size = n;
		k->mv_data = succ;
		rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(c, k, v, MDB_LAST);
		else if (rc == 0)
			rc = mdb_cursor_get(c, k, v, MDB_PREV);
	}
	if (rc)
		return xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

static int
info_get(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct recinfo *ri)
{
	MDB_val		 v;
	const uint8_t	*p;
	int		 err;

	err = db_get(txn, s->dbi[DB_INFO], id, ID, &v);
	if (err)
		return err;
	if (v.mv_size != INFO_LEN)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	ri->type = p[0];
	ri->ts = be64dec(p + 1);
	memcpy(ri->author, p + 9, WEFT_PK_BYTES);
	memcpy(ri->design, p + 9 + WEFT_PK_BYTES, ID);
	return 0;
}

/* A dependency: absent is WEFT_EMISSING, a non-revision WEFT_EBADFIELD. */
static int
dep_rev(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct recinfo *ri)
{
	int	err;

	err = info_get(s, txn, id, ri);
	if (err == WEFT_ENOTFOUND)
		return WEFT_EMISSING;
	if (err)
		return err;
	return ri->type == WEFT_REC_REV ? 0 : WEFT_EBADFIELD;
}

/* Words: maximal runs of ASCII letters, digits and bytes >= 0x80. */
static int
word_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static uint8_t
fold(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

static void
words_add(struct wordset *ws, const uint8_t *w, size_t n, int dedup)
{
	uint8_t	tmp[WORD_MAX];

	if (n < WORD_MIN || ws->n == WORDS_MAX)
		return;
	if (n > WORD_MAX)
		n = WORD_MAX;
	for (size_t i = 0; i < n; i++)
		tmp[i] = fold(w[i]);
	if (dedup) {
		for (size_t i = 0; i < ws->n; i++)
			if (ws->len[i] == n && memcmp(ws->w[i], tmp, n) == 0)
				return;
	}
	memcpy(ws->w[ws->n], tmp, n);
	ws->len[ws->n] = (uint8_t)n;
	ws->n++;
}

static void
words_split(struct wordset *ws, const char *text, int dedup)
{
	const uint8_t	*p = (const uint8_t *)text;
	size_t		 i = 0, start;

	if (text == NULL)
		return;
	while (p[i] != '\0') {
		if (!word_char(p[i])) {
			i++;
			continue;
		}
		start = i;
		while (p[i] != '\0' && word_char(p[i]))
			i++;
		words_add(ws, p + start, i - start, dedup);
	}
}

static void
words_of_rev(struct wordset *ws, const struct weft_record *r)
{
	ws->n = 0;
	words_split(ws, r->title, 1);
	words_split(ws, r->description, 1);
	for (uint32_t i = 0; i < r->ntags; i++)
		words_split(ws, r->tags[i], 1);
}

/* tag_design key: lowercase(tag) || 0x00 || created_be64 || design. */
static size_t
tag_key(uint8_t *k, const char *tag, size_t n, uint64_t created,
    const uint8_t design[ID])
{
	for (size_t i = 0; i < n; i++)
		k[i] = fold((uint8_t)tag[i]);
	k[n] = 0;
	be64enc(k + n + 1, created);
	memcpy(k + n + 9, design, ID);
	return n + 9 + ID;
}

/* ------------------------------------------------------------------ */
/* Open and close */

static int	ragg_add(struct weft_store *, MDB_txn *, uint64_t,
		    const uint8_t *);

/*
 * A store written before the reconciliation aggregates existed has
 * records but no aggregates: build them once, from the "all" index.
 */
static int
ragg_backfill(struct weft_store *s, MDB_txn *txn)
{
	MDB_stat	 st;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[8 + ID];
	int		 rc, err;

	rc = mdb_stat(txn, s->dbi[DB_RAGG], &st);
	if (rc)
		return xlat(rc);
	if (st.ms_entries != 0)
		return 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_ALL], &c);
	if (rc)
		return xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != sizeof(key)) {
			mdb_cursor_close(c);
			return WEFT_ECORRUPT;
		}
		/* Copy: the puts below may move the page the key is on. */
		memcpy(key, k.mv_data, sizeof(key));
		err = ragg_add(s, txn, be64dec(key), key + 8);
		if (err) {
			mdb_cursor_close(c);
			return err;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : xlat(rc);
}

static int
open_dbis(struct weft_store *s, MDB_txn *txn, void *arg)
{
	MDB_stat	 st;
	MDB_val		 v;
	uint8_t		 ver[4];
	int		 rc, err;

	(void)arg;
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc)
			return xlat(rc);
	}
	err = db_get(txn, s->dbi[DB_META], "version", 7, &v);
	if (err == 0) {
		if (v.mv_size != 4)
			return WEFT_ECORRUPT;
		memcpy(ver, v.mv_data, 4);
		if (ver[0] != 0 || ver[1] != 0 || ver[2] != 0 ||
		    ver[3] != STORE_VERSION)
			return WEFT_EVERSION;
		return ragg_backfill(s, txn);
	}
	if (err != WEFT_ENOTFOUND)
		return err;
	/* No version: only an empty store may be initialised. */
	rc = mdb_stat(txn, s->dbi[DB_RECORDS], &st);
	if (rc)
		return xlat(rc);
	if (st.ms_entries != 0)
		return WEFT_ECORRUPT;
	ver[0] = ver[1] = ver[2] = 0;
	ver[3] = STORE_VERSION;
	return db_put(txn, s->dbi[DB_META], "version", 7, ver, 4);
}

int
weft_store_open(struct weft_store **sp, const char *dir,
    const struct weft_store_opts *opts)
{
	struct weft_store	*s;
	size_t			 map_size = STORE_MAP_DEFAULT;
	int			 rc, err, dead;

	*sp = NULL;
	if (opts != NULL && opts->map_size != 0)
		map_size = opts->map_size;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	rc = pthread_rwlock_init(&s->lock, NULL);
	if (rc) {
		free(s);
		return -rc;
	}
	rc = mdb_env_create(&s->env);
	if (rc) {
		err = xlat(rc);
		goto fail_lock;
	}
	rc = mdb_env_set_maxdbs(s->env, DB_COUNT);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(s->env, STORE_MAXREADERS);
	if (rc == 0)
		rc = mdb_env_set_mapsize(s->env, map_size);
	/* Default durability: a commit is on disk when it returns. */
	if (rc == 0)
		rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
	if (rc) {
		err = xlat(rc);
		goto fail_env;
	}
	rc = mdb_reader_check(s->env, &dead);
	if (rc) {
		err = xlat(rc);
		goto fail_env;
	}
	/* The file may be bigger than map_size: LMDB then uses its size. */
	note_map_size(s);
	err = store_write(s, open_dbis, NULL);
	if (err)
		goto fail_env;
	*sp = s;
	return 0;

fail_env:
	mdb_env_close(s->env);
fail_lock:
	pthread_rwlock_destroy(&s->lock);
	free(s);
	return err;
}

void
weft_store_close(struct weft_store *s)
{
	if (s == NULL)
		return;
	mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->lock);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Chunks */

struct chunks_ctx {
	const struct weft_chunk_put	*c;
	size_t				 n;
};

static int
chunks_put_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct chunks_ctx	*cc = arg;
	uint64_t		 added = 0, total = 0;
	uint8_t			 be[8];
	MDB_val			 v;
	int			 err;

	for (size_t i = 0; i < cc->n; i++) {
		err = db_has(txn, s->dbi[DB_CHUNKS], cc->c[i].id, ID);
		if (err == 0)
			continue;
		if (err != WEFT_ENOTFOUND)
			return err;
		err = db_put(txn, s->dbi[DB_CHUNKS], cc->c[i].id, ID,
		    cc->c[i].data, cc->c[i].len);
		if (err)
			return err;
		added += cc->c[i].len;
	}
	if (added == 0)
		return 0;
	err = db_get(txn, s->dbi[DB_META], "chunk_bytes", 11, &v);
	if (err == 0 && v.mv_size == 8)
		total = be64dec(v.mv_data);
	else if (err == 0)
		return WEFT_ECORRUPT;
	else if (err != WEFT_ENOTFOUND)
		return err;
	be64enc(be, total + added);
	return db_put(txn, s->dbi[DB_META], "chunk_bytes", 11, be, 8);
}

int
weft_store_chunks_put(struct weft_store *s, const struct weft_chunk_put *c,
    size_t n)
{
	struct chunks_ctx	cc = { c, n };
	uint8_t			h[WEFT_HASH_BYTES];

	/* Verify before writing, and outside the transaction. */
	for (size_t i = 0; i < n; i++) {
		if (c[i].len > WEFT_INDEX_MAX)
			return WEFT_ETOOBIG;
		weft_hash(c[i].data, c[i].len, h);
		if (memcmp(h, c[i].id, ID) != 0)
			return WEFT_EBADHASH;
	}
	if (n == 0)
		return 0;
	return store_write(s, chunks_put_txn, &cc);
}

int
weft_store_chunks_put_hashed(struct weft_store *s,
    const struct weft_chunk_put *c, size_t n)
{
	struct chunks_ctx	cc = { c, n };

	for (size_t i = 0; i < n; i++)
		if (c[i].len > WEFT_INDEX_MAX)
			return WEFT_ETOOBIG;
	if (n == 0)
		return 0;
	return store_write(s, chunks_put_txn, &cc);
}

int
weft_store_chunk_has(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES])
{
	MDB_txn	*txn;
	int	 err;

	err = read_begin(s, &txn);
	if (err)
		return err;
	err = db_has(txn, s->dbi[DB_CHUNKS], id, ID);
	read_end(s, txn);
	return err;
}

static int
get_copy(struct weft_store *s, int db, const uint8_t id[ID],
    struct weft_buf *out)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[db], id, ID, &v);
	if (err == 0)
		err = weft_buf_add(out, v.mv_data, v.mv_size);
	read_end(s, txn);
	return err;
}

int
weft_store_chunk_get(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    struct weft_buf *out)
{
	return get_copy(s, DB_CHUNKS, id, out);
}

/* ------------------------------------------------------------------ */
/* Records */

struct put_ctx {
	const uint8_t			*env;
	size_t				 len;
	const struct weft_record	*r;
	uint8_t				 id[ID];
};

/* The parts of a stored summary that an update needs. */
struct summary_old {
	struct weft_buf		 raw;	/* copy: the map value may move */
	struct weft_msg		 msg;
	int			 have_msg;
	uint8_t			 head[ID];
	uint8_t			 author[WEFT_PK_BYTES];
	uint64_t		 created, revs, heads;
	const struct weft_obj	*tags;
};

static int
summary_encode(struct weft_buf *out, const uint8_t design[ID],
    const uint8_t head[ID], const uint8_t author[WEFT_PK_BYTES],
    const struct weft_record *hr, uint64_t created, uint64_t revs,
    uint64_t heads)
{
	struct weft_pack	pk;

	weft_pack_init(&pk, out);
	weft_pack_map(&pk, 10);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, ID);
	weft_pack_str(&pk, "head");
	weft_pack_bin(&pk, head, ID);
	weft_pack_str(&pk, "author");
	weft_pack_bin(&pk, author, WEFT_PK_BYTES);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, hr->title ? hr->title : "");
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, hr->license ? hr->license : "");
	weft_pack_str(&pk, "tags");
	weft_pack_array(&pk, hr->ntags);
	for (uint32_t i = 0; i < hr->ntags; i++)
		weft_pack_str(&pk, hr->tags[i]);
	weft_pack_str(&pk, "created");
	weft_pack_uint(&pk, created);
	weft_pack_str(&pk, "updated");
	weft_pack_uint(&pk, hr->ts);
	weft_pack_str(&pk, "revs");
	weft_pack_uint(&pk, revs);
	weft_pack_str(&pk, "heads");
	weft_pack_uint(&pk, heads);
	return weft_pack_error(&pk);
}

static int
summary_load(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    struct summary_old *so)
{
	const struct weft_obj	*root;
	MDB_val			 v;
	int			 err;

	err = db_get(txn, s->dbi[DB_DESIGNS], design, ID, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	err = weft_buf_add(&so->raw, v.mv_data, v.mv_size);
	if (err)
		return err;
	err = weft_msg_decode(&so->msg, so->raw.data, so->raw.len);
	if (err)
		return WEFT_ECORRUPT;
	so->have_msg = 1;
	root = so->msg.root;
	if (weft_obj_binn(weft_obj_get(root, "head"), so->head, ID) ||
	    weft_obj_binn(weft_obj_get(root, "author"), so->author,
	    WEFT_PK_BYTES) ||
	    weft_obj_uint(weft_obj_get(root, "created"), &so->created) ||
	    weft_obj_uint(weft_obj_get(root, "revs"), &so->revs) ||
	    weft_obj_uint(weft_obj_get(root, "heads"), &so->heads))
		return WEFT_ECORRUPT;
	so->tags = weft_obj_get(root, "tags");
	if (weft_obj_type(so->tags) != WEFT_OBJ_ARRAY)
		return WEFT_ECORRUPT;
	return 0;
}

/* Decodes a stored record's body into r (released by the caller). */
static int
record_load(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct weft_record *r)
{
	const uint8_t	*body, *sig;
	size_t		 blen;
	MDB_val		 v;
	int		 err;

	err = db_get(txn, s->dbi[DB_RECORDS], id, ID, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	err = weft_record_open(v.mv_data, v.mv_size, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, r);
	return err ? WEFT_ECORRUPT : 0;
}

static int
words_unindex(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID])
{
	struct wordset	*ws;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[WORD_MAX + 1 + ID];
	size_t		 wl;
	int		 err, rc;

	ws = malloc(sizeof(*ws));
	if (ws == NULL)
		return -ENOMEM;
	ws->n = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_DWORDS], &c);
	if (rc) {
		free(ws);
		return xlat(rc);
	}
	/* Collect first: deleting under a live cursor is not worth it. */
	err = cur_first(c, design, ID, &k, &v);
	while (err == 0) {
		wl = k.mv_size - ID;
		if (wl < 1 || wl > WORD_MAX || ws->n == WORDS_MAX) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(ws->w[ws->n], (uint8_t *)k.mv_data + ID, wl);
		ws->len[ws->n++] = (uint8_t)wl;
		err = cur_step(c, design, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err != WEFT_ENOTFOUND)
		goto out;
	err = 0;
	for (size_t i = 0; i < ws->n && err == 0; i++) {
		wl = ws->len[i];
		memcpy(key, ws->w[i], wl);
		key[wl] = 0;
		memcpy(key + wl + 1, design, ID);
		err = db_del(txn, s->dbi[DB_WORDS], key, wl + 1 + ID);
		if (err)
			break;
		memcpy(key, design, ID);
		memcpy(key + ID, ws->w[i], wl);
		err = db_del(txn, s->dbi[DB_DWORDS], key, ID + wl);
	}
out:
	free(ws);
	return err;
}

static int
words_index(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const struct weft_record *hr)
{
	struct wordset	*ws;
	uint8_t		 key[WORD_MAX + 1 + ID];
	size_t		 wl;
	int		 err = 0;

	ws = malloc(sizeof(*ws));
	if (ws == NULL)
		return -ENOMEM;
	words_of_rev(ws, hr);
	for (size_t i = 0; i < ws->n && err == 0; i++) {
		wl = ws->len[i];
		memcpy(key, ws->w[i], wl);
		key[wl] = 0;
		memcpy(key + wl + 1, design, ID);
		err = db_put(txn, s->dbi[DB_WORDS], key, wl + 1 + ID, "", 0);
		if (err)
			break;
		memcpy(key, design, ID);
		memcpy(key + ID, ws->w[i], wl);
		err = db_put(txn, s->dbi[DB_DWORDS], key, ID + wl, "", 0);
	}
	free(ws);
	return err;
}

/*
 * Brings the summary, tag and word indexes of design up to date after
 * rev r (id) was stored. "removed" prevs stopped being heads; is_head
 * says whether r itself is one.
 */
static int
design_update(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    const struct weft_record *r, const uint8_t id[ID], uint64_t removed,
    int is_head)
{
	struct summary_old	 so;
	struct weft_record	 loaded;
	const struct weft_record *hr;
	struct weft_buf		 sum;
	MDB_cursor		*c;
	MDB_val			 k, v;
	uint8_t			 head[ID], key[WEFT_TAG_MAX + 9 + ID];
	uint8_t			 key2[WEFT_PK_BYTES + 8 + ID];
	const uint8_t		*author;
	uint64_t		 created, revs, heads;
	int			 genesis = !r->has_design, changed, err, rc;
	const char		*ts;
	size_t			 tn;

	memset(&so, 0, sizeof(so));
	weft_buf_init(&so.raw, SUMMARY_MAX);
	weft_record_init(&loaded);
	weft_buf_init(&sum, SUMMARY_MAX);

	if (genesis) {
		author = r->author;
		created = r->ts;
		revs = 1;
		heads = is_head ? 1 : 0;
		be64enc(key, created);
		memcpy(key + 8, design, ID);
		err = db_put(txn, s->dbi[DB_DESIGN_TIME], key, 8 + ID, "", 0);
		if (err)
			goto out;
		memcpy(key2, author, WEFT_PK_BYTES);
		be64enc(key2 + WEFT_PK_BYTES, created);
		memcpy(key2 + WEFT_PK_BYTES + 8, design, ID);
		err = db_put(txn, s->dbi[DB_AUTHOR_DESIGN], key2,
		    sizeof(key2), "", 0);
		if (err)
			goto out;
	} else {
		err = summary_load(s, txn, design, &so);
		if (err)
			goto out;
		author = so.author;
		created = so.created;
		revs = so.revs + 1;
		if (so.heads + (is_head ? 1 : 0) < removed) {
			err = WEFT_ECORRUPT;
			goto out;
		}
		heads = so.heads + (is_head ? 1 : 0) - removed;
	}

	/* The newest head by (ts, id) is the last heads key of design. */
	rc = mdb_cursor_open(txn, s->dbi[DB_HEADS], &c);
	if (rc) {
		err = xlat(rc);
		goto out;
	}
	err = cur_last(c, design, ID, &k, &v);
	if (err == 0 && k.mv_size != ID + 8 + ID)
		err = WEFT_ECORRUPT;
	if (err == 0)
		memcpy(head, (uint8_t *)k.mv_data + ID + 8, ID);
	mdb_cursor_close(c);
	if (err) {
		/* Every design has a head: a DAG has a maximal element. */
		err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
		goto out;
	}

	if (memcmp(head, id, ID) == 0) {
		hr = r;
	} else {
		err = record_load(s, txn, head, &loaded);
		if (err)
			goto out;
		hr = &loaded;
	}

	changed = genesis || memcmp(head, so.head, ID) != 0;
	if (changed && !genesis) {
		err = words_unindex(s, txn, design);
		if (err)
			goto out;
		for (uint32_t i = 0; i < weft_obj_len(so.tags); i++) {
			err = weft_obj_str(weft_obj_at(so.tags, i), &ts, &tn);
			if (err || tn == 0 || tn > WEFT_TAG_MAX) {
				err = WEFT_ECORRUPT;
				goto out;
			}
			err = db_del(txn, s->dbi[DB_TAG_DESIGN], key,
			    tag_key(key, ts, tn, created, design));
			if (err)
				goto out;
		}
	}
	if (changed) {
		err = words_index(s, txn, design, hr);
		if (err)
			goto out;
		for (uint32_t i = 0; i < hr->ntags; i++) {
			tn = strlen(hr->tags[i]);
			if (tn == 0 || tn > WEFT_TAG_MAX) {
				err = WEFT_EBADFIELD;
				goto out;
			}
			err = db_put(txn, s->dbi[DB_TAG_DESIGN], key,
			    tag_key(key, hr->tags[i], tn, created, design),
			    "", 0);
			if (err)
				goto out;
		}
	}

	err = summary_encode(&sum, design, head, author, hr, created, revs,
	    heads);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_DESIGNS], design, ID, sum.data,
		    sum.len);
out:
	weft_buf_release(&sum);
	weft_record_release(&loaded);
	if (so.have_msg)
		weft_msg_release(&so.msg);
	weft_buf_release(&so.raw);
	return err;
}

static int
rev_check(struct weft_store *s, MDB_txn *txn, const struct weft_record *r)
{
	struct recinfo	gi, pi;
	int		err;

	if (r->has_design) {
		err = dep_rev(s, txn, r->design, &gi);
		if (err)
			return err;
		/* design must name a genesis: its own design. */
		if (memcmp(gi.design, r->design, ID) != 0)
			return WEFT_EBADFIELD;
		if (memcmp(gi.author, r->author, WEFT_PK_BYTES) != 0)
			return WEFT_EDENIED;
		if (r->prev.n == 0)
			return WEFT_EBADFIELD;
		for (uint32_t i = 0; i < r->prev.n; i++) {
			err = dep_rev(s, txn, r->prev.ids[i], &pi);
			if (err)
				return err;
			if (memcmp(pi.design, r->design, ID) != 0)
				return WEFT_EBADFIELD;
		}
	} else if (r->prev.n != 0) {
		return WEFT_EBADFIELD;
	}
	for (uint32_t i = 0; i < r->remix_of.n; i++) {
		err = dep_rev(s, txn, r->remix_of.ids[i], &pi);
		if (err)
			return err;
	}
	return 0;
}

static int
rev_index(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t id[ID])
{
	struct recinfo	 pi;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 design[ID], key[ID + 8 + ID];
	uint64_t	 removed = 0;
	int		 is_head, err, rc;

	memcpy(design, r->has_design ? r->design : id, ID);

	memcpy(key, design, ID);
	be64enc(key + ID, r->ts);
	memcpy(key + ID + 8, id, ID);
	err = db_put(txn, s->dbi[DB_BY_DESIGN], key, sizeof(key), "", 0);
	if (err)
		return err;

	for (uint32_t i = 0; i < r->prev.n; i++) {
		memcpy(key, r->prev.ids[i], ID);
		memcpy(key + ID, id, ID);
		err = db_put(txn, s->dbi[DB_SUCC], key, 2 * ID, "", 0);
		if (err)
			return err;
		err = info_get(s, txn, r->prev.ids[i], &pi);
		if (err)
			return err;
		memcpy(key, design, ID);
		be64enc(key + ID, pi.ts);
		memcpy(key + ID + 8, r->prev.ids[i], ID);
		err = db_has(txn, s->dbi[DB_HEADS], key, sizeof(key));
		if (err == WEFT_ENOTFOUND)
			continue;
		if (err)
			return err;
		err = db_del(txn, s->dbi[DB_HEADS], key, sizeof(key));
		if (err)
			return err;
		removed++;
	}

	/*
	 * r is a head unless a stored revision already names it as prev.
	 * Ingest requires prevs to be present, so today that cannot happen,
	 * but the succ index keeps heads right if that rule is relaxed.
	 */
	rc = mdb_cursor_open(txn, s->dbi[DB_SUCC], &c);
	if (rc)
		return xlat(rc);
	err = cur_first(c, id, ID, &k, &v);
	mdb_cursor_close(c);
	if (err != 0 && err != WEFT_ENOTFOUND)
		return err;
	is_head = err == WEFT_ENOTFOUND;
	if (is_head) {
		memcpy(key, design, ID);
		be64enc(key + ID, r->ts);
		memcpy(key + ID + 8, id, ID);
		err = db_put(txn, s->dbi[DB_HEADS], key, sizeof(key), "", 0);
		if (err)
			return err;
	}

	for (uint32_t i = 0; i < r->remix_of.n; i++) {
		err = info_get(s, txn, r->remix_of.ids[i], &pi);
		if (err)
			return err;
		if (memcmp(pi.design, design, ID) == 0)
			continue;
		memcpy(key, pi.design, ID);
		memcpy(key + ID, design, ID);
		err = db_has(txn, s->dbi[DB_REMIX], key, 2 * ID);
		if (err == 0)
			continue;
		if (err != WEFT_ENOTFOUND)
			return err;
		err = db_put(txn, s->dbi[DB_REMIX], key, 2 * ID,
		    r->remix_of.ids[i], ID);
		if (err)
			return err;
	}

	return design_update(s, txn, design, r, id, removed, is_head);
}

static int
entry_check(struct weft_store *s, MDB_txn *txn, const struct weft_record *r)
{
	const uint8_t	*p;
	MDB_val		 v;
	size_t		 n;
	int		 err, ok = 0;

	err = db_get(txn, s->dbi[DB_LIBS], r->lib, ID, &v);
	if (err == WEFT_ENOTFOUND) {
		err = db_has(txn, s->dbi[DB_RECORDS], r->lib, ID);
		return err == 0 ? WEFT_EBADFIELD : WEFT_EMISSING;
	}
	if (err)
		return err;
	if (v.mv_size < WEFT_PK_BYTES || v.mv_size % WEFT_PK_BYTES != 0)
		return WEFT_ECORRUPT;
	p = v.mv_data;
	n = v.mv_size / WEFT_PK_BYTES;
	for (size_t i = 0; i < n && !ok; i++)
		ok = memcmp(p + i * WEFT_PK_BYTES, r->author,
		    WEFT_PK_BYTES) == 0;
	if (!ok)
		return WEFT_EDENIED;
	err = db_has(txn, s->dbi[DB_DESIGNS], r->entry_design, ID);
	if (err == WEFT_ENOTFOUND) {
		err = db_has(txn, s->dbi[DB_RECORDS], r->entry_design, ID);
		return err == 0 ? WEFT_EBADFIELD : WEFT_EMISSING;
	}
	return err;
}

static int
entry_index(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t id[ID])
{
	const uint8_t	*p;
	uint8_t		 key[2 * ID], val[ENTRY_VAL_LEN];
	uint64_t	 ts;
	MDB_val		 v;
	int		 err;

	memcpy(key, r->lib, ID);
	memcpy(key + ID, r->entry_design, ID);
	err = db_get(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), &v);
	if (err == 0) {
		if (v.mv_size != ENTRY_VAL_LEN)
			return WEFT_ECORRUPT;
		p = v.mv_data;
		ts = be64dec(p + ID);
		/* The latest entry by (ts, id) wins. */
		if (ts > r->ts || (ts == r->ts && memcmp(p, id, ID) > 0))
			return 0;
	} else if (err != WEFT_ENOTFOUND) {
		return err;
	}
	memcpy(val, id, ID);
	be64enc(val + ID, r->ts);
	val[ID + 8] = (uint8_t)r->action;
	return db_put(txn, s->dbi[DB_LIB_ENTRY], key, sizeof(key), val,
	    sizeof(val));
}

static int
lib_index(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t id[ID])
{
	uint8_t	*val;
	size_t	 n = 1 + r->maintainers.n;
	int	 err;

	val = malloc(n * WEFT_PK_BYTES);
	if (val == NULL)
		return -ENOMEM;
	memcpy(val, r->author, WEFT_PK_BYTES);
	for (uint32_t i = 0; i < r->maintainers.n; i++)
		memcpy(val + (1 + i) * WEFT_PK_BYTES, r->maintainers.ids[i],
		    WEFT_PK_BYTES);
	err = db_put(txn, s->dbi[DB_LIBS], id, ID, val, n * WEFT_PK_BYTES);
	free(val);
	return err;
}

/*
 * Reconciliation aggregates (docs/proto/store.md): a radix-16 tree over
 * the 64-bit ts. The node of level L (0..15) and prefix p = ts >> 4L holds
 * the count and the id sum of the records whose ts has that prefix, under
 * the key scope || L || be64(p). A record adds itself to one node per
 * level, in the write transaction that stores it.
 */
#define RAGG_LEVELS	16
#define RAGG_VAL	(8 + ID)
#define RAGG_SCOPE_ALL	0x00

static void
ragg_key(uint8_t k[10], int level, uint64_t prefix)
{
	k[0] = RAGG_SCOPE_ALL;
	k[1] = (uint8_t)level;
	be64enc(k + 2, prefix);
}

static int
ragg_add(struct weft_store *s, MDB_txn *txn, uint64_t ts,
    const uint8_t *id)
{
	uint8_t	k[10], val[RAGG_VAL];
	MDB_val	v;
	int	err;

	for (int l = 0; l < RAGG_LEVELS; l++) {
		ragg_key(k, l, ts >> (4 * l));
		err = db_get(txn, s->dbi[DB_RAGG], k, sizeof(k), &v);
		if (err == WEFT_ENOTFOUND) {
			memset(val, 0, sizeof(val));
		} else if (err) {
			return err;
		} else if (v.mv_size != RAGG_VAL) {
			return WEFT_ECORRUPT;
		} else {
			memcpy(val, v.mv_data, RAGG_VAL);
		}
		be64enc(val, be64dec(val) + 1);
		weft_recon_sum_add(val + 8, id);
		err = db_put(txn, s->dbi[DB_RAGG], k, sizeof(k), val,
		    sizeof(val));
		if (err)
			return err;
	}
	return 0;
}

/*
 * The checks of ingest, made before anything is written: presence,
 * rights and dependencies. Only reads, so a failure leaves the txn usable.
 */
static int
record_check(struct weft_store *s, MDB_txn *txn, const struct put_ctx *pc)
{
	int	err;

	err = db_has(txn, s->dbi[DB_RECORDS], pc->id, ID);
	if (err == 0)
		return WEFT_EEXISTS;
	if (err != WEFT_ENOTFOUND)
		return err;

	switch (pc->r->type) {
	case WEFT_REC_REV:
		return rev_check(s, txn, pc->r);
	case WEFT_REC_LIB:
		return 0;
	case WEFT_REC_ENTRY:
		return entry_check(s, txn, pc->r);
	default:
		return WEFT_EBADFIELD;
	}
}

/*
 * Stores and indexes a checked record. Any error here leaves the txn
 * half-written: the caller must abort it.
 */
static int
record_write(struct weft_store *s, MDB_txn *txn, const struct put_ctx *pc)
{
	const struct weft_record	*r = pc->r;
	uint8_t				 info[INFO_LEN];
	uint8_t				 key[WEFT_PK_BYTES + 8 + ID];
	int				 err;

	err = db_put(txn, s->dbi[DB_RECORDS], pc->id, ID, pc->env, pc->len);
	if (err)
		return err;
	memset(info, 0, sizeof(info));
	info[0] = (uint8_t)r->type;
	be64enc(info + 1, r->ts);
	memcpy(info + 9, r->author, WEFT_PK_BYTES);
	if (r->type == WEFT_REC_REV)
		memcpy(info + 9 + WEFT_PK_BYTES,
		    r->has_design ? r->design : pc->id, ID);
	err = db_put(txn, s->dbi[DB_INFO], pc->id, ID, info, sizeof(info));
	if (err)
		return err;
	memcpy(key, r->author, WEFT_PK_BYTES);
	be64enc(key + WEFT_PK_BYTES, r->ts);
	memcpy(key + WEFT_PK_BYTES + 8, pc->id, ID);
	err = db_put(txn, s->dbi[DB_BY_AUTHOR], key, sizeof(key), "", 0);
	if (err)
		return err;
	be64enc(key, r->ts);
	memcpy(key + 8, pc->id, ID);
	err = db_put(txn, s->dbi[DB_ALL], key, 8 + ID, "", 0);
	if (err)
		return err;
	err = ragg_add(s, txn, r->ts, pc->id);
	if (err)
		return err;

	switch (r->type) {
	case WEFT_REC_REV:
		return rev_index(s, txn, r, pc->id);
	case WEFT_REC_LIB:
		return lib_index(s, txn, r, pc->id);
	default:
		return entry_index(s, txn, r, pc->id);
	}
}

static int
record_put_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct put_ctx	*pc = arg;
	int		 err;

	err = record_check(s, txn, pc);
	if (err)
		return err;
	return record_write(s, txn, pc);
}

int
weft_store_record_put(struct weft_store *s, const uint8_t *env, size_t len,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	struct put_ctx		pc;
	int			err;

	weft_record_init(&r);
	err = weft_record_verify(env, len, &r, pc.id);
	if (err)
		goto out;
	if (id != NULL)
		memcpy(id, pc.id, ID);
	pc.env = env;
	pc.len = len;
	pc.r = &r;
	err = store_write(s, record_put_txn, &pc);
out:
	weft_record_release(&r);
	return err;
}

/* ------------------------------------------------------------------ */
/* Batch ingest */

struct batch {
	const struct weft_slice	*envs;
	struct weft_record	*recs;
	uint8_t			(*ids)[ID];
	int			*vres;		/* verification, per record */
	int			*results;
	size_t			 n;
};

struct verify_part {
	struct batch	*b;
	size_t		 from, to;
};

static void
verify_range(struct batch *b, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		b->vres[i] = weft_record_verify(b->envs[i].data,
		    b->envs[i].len, &b->recs[i], b->ids[i]);
}

static void *
verify_thread(void *arg)
{
	struct verify_part	*vp = arg;

	verify_range(vp->b, vp->from, vp->to);
	return NULL;
}

/*
 * Signature checks dominate ingest, so a batch is verified by two threads,
 * each taking one half. Records are independent here: dependencies are
 * checked later, in order, inside the write transaction. Small batches,
 * or a failed pthread_create, run on the calling thread alone.
 */
static void
batch_verify(struct batch *b)
{
	struct verify_part	vp;
	pthread_t		t;
	size_t			half = b->n / 2;
	int			rc;

	if (b->n < STORE_VERIFY_PAR_MIN) {
		verify_range(b, 0, b->n);
		return;
	}
	vp.b = b;
	vp.from = half;
	vp.to = b->n;
	rc = pthread_create(&t, NULL, verify_thread, &vp);
	if (rc) {
		verify_range(b, 0, b->n);
		return;
	}
	verify_range(b, 0, half);
	pthread_join(t, NULL);
}

/* The per-record outcomes of the checks; anything else fails the batch. */
static int
logical_error(int err)
{
	return err == WEFT_EEXISTS || err == WEFT_EMISSING ||
	    err == WEFT_EDENIED || err == WEFT_EBADFIELD;
}

/*
 * Checks and stores each verified record in order, so that a record may
 * depend on an earlier one of the same batch. A record that fails its
 * checks is skipped before anything of it is written: LMDB requires
 * aborting the transaction after a failed write, and the checks keep
 * writes from failing for any reason but the store's own (full map, I/O),
 * which fail the whole batch. Runs again from the start after map growth.
 */
static int
batch_put_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct batch	*b = arg;
	struct put_ctx	 pc;
	int		 err;

	for (size_t i = 0; i < b->n; i++) {
		b->results[i] = b->vres[i];
		if (b->vres[i])
			continue;
		pc.env = b->envs[i].data;
		pc.len = b->envs[i].len;
		pc.r = &b->recs[i];
		memcpy(pc.id, b->ids[i], ID);
		err = record_check(s, txn, &pc);
		if (logical_error(err)) {
			b->results[i] = err;
			continue;
		}
		if (err)
			return err;
		err = record_write(s, txn, &pc);
		if (err)
			return err;
	}
	return 0;
}

int
weft_store_records_put(struct weft_store *s, const struct weft_slice *envs,
    size_t n, int *results, uint8_t (*ids)[WEFT_ID_BYTES])
{
	struct batch	b;
	int		err = -ENOMEM;

	if (n == 0)
		return 0;
	if (n > WEFT_STORE_BATCH_MAX)
		return WEFT_ETOOBIG;
	memset(&b, 0, sizeof(b));
	b.envs = envs;
	b.n = n;
	b.results = results;
	b.recs = calloc(n, sizeof(*b.recs));
	b.vres = calloc(n, sizeof(*b.vres));
	b.ids = ids != NULL ? ids : calloc(n, sizeof(*b.ids));
	if (b.recs == NULL || b.vres == NULL || b.ids == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		weft_record_init(&b.recs[i]);
		memset(b.ids[i], 0, ID);
	}
	batch_verify(&b);
	err = store_write(s, batch_put_txn, &b);
out:
	if (err) {
		for (size_t i = 0; i < n; i++)
			results[i] = err;
	}
	if (b.recs != NULL) {
		for (size_t i = 0; i < n; i++)
			weft_record_release(&b.recs[i]);
	}
	if (ids == NULL)
		free(b.ids);
	free(b.vres);
	free(b.recs);
	return err;
}

int
weft_store_record_get(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    struct weft_buf *out)
{
	return get_copy(s, DB_RECORDS, id, out);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
prefix_match(const MDB_val *k, const uint8_t *lo, size_t nhex)
{
	const uint8_t	*p = k->mv_data;
	size_t		 nb = nhex / 2;

	if (k->mv_size != ID || memcmp(p, lo, nb) != 0)
		return 0;
	return nhex % 2 == 0 || (p[nb] >> 4) == (lo[nb] >> 4);
}

int
weft_store_resolve(struct weft_store *s, const char *prefix,
    uint8_t id[WEFT_ID_BYTES])
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 lo[ID];
	size_t		 n;
	int		 err, rc, x;

	n = strnlen(prefix, 2 * ID + 1);
	if (n < 8 || n > 2 * ID)
		return WEFT_EUSAGE;
	memset(lo, 0, sizeof(lo));
	for (size_t i = 0; i < n; i++) {
		x = hexval(prefix[i]);
		if (x < 0)
			return WEFT_EUSAGE;
		lo[i / 2] |= (uint8_t)(i % 2 ? x : x << 4);
	}
	err = read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_RECORDS], &c);
	if (rc) {
		read_end(s, txn);
		return xlat(rc);
	}
	k.mv_size = ID;
	k.mv_data = lo;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc) {
		err = xlat(rc);
	} else if (!prefix_match(&k, lo, n)) {
		err = WEFT_ENOTFOUND;
	} else {
		memcpy(id, k.mv_data, ID);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		if (rc == 0 && prefix_match(&k, lo, n))
			err = WEFT_EAMBIGUOUS;
		else if (rc != 0 && rc != MDB_NOTFOUND)
			err = xlat(rc);
	}
	mdb_cursor_close(c);
	read_end(s, txn);
	return err;
}

int
weft_store_record_type(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    enum weft_record_type *type)
{
	struct recinfo	 ri;
	MDB_txn		*txn;
	int		 err;

	err = read_begin(s, &txn);
	if (err)
		return err;
	err = info_get(s, txn, id, &ri);
	read_end(s, txn);
	if (err == 0)
		*type = (enum weft_record_type)ri.type;
	return err;
}

int
weft_store_rev_design(struct weft_store *s, const uint8_t rev[WEFT_ID_BYTES],
    uint8_t design[WEFT_ID_BYTES])
{
	struct recinfo	 ri;
	MDB_txn		*txn;
	int		 err;

	err = read_begin(s, &txn);
	if (err)
		return err;
	err = info_get(s, txn, rev, &ri);
	read_end(s, txn);
	if (err)
		return err;
	if (ri.type != WEFT_REC_REV)
		return WEFT_EUSAGE;
	memcpy(design, ri.design, ID);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Walks */

/*
 * Walks the keys of db starting with pfx (plen bytes), forward or
 * backward; for each, the id at key offset idoff is looked up in vdb and
 * cb gets (id, value). Missing values are corruption.
 */
static int
walk(struct weft_store *s, int db, const uint8_t *pfx, size_t plen,
    size_t idoff, int vdb, int backward, weft_store_item_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v, val;
	uint8_t		 id[ID];
	int		 err, rc, stopped = 0;

	err = read_begin(s, &txn);
	if (err)
		return err;
	err = db_has(txn, s->dbi[DB_DESIGNS], pfx, ID);
	if (err)
		goto out;
	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc) {
		err = xlat(rc);
		goto out;
	}
	if (backward)
		err = cur_last(c, pfx, plen, &k, &v);
	else
		err = cur_first(c, pfx, plen, &k, &v);
	while (err == 0) {
		if (k.mv_size != idoff + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(id, (uint8_t *)k.mv_data + idoff, ID);
		err = db_get(txn, s->dbi[vdb], id, ID, &val);
		if (err) {
			err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
			break;
		}
		err = cb(arg, id, val.mv_data, val.mv_size);
		if (err) {
			stopped = 1;
			break;
		}
		err = cur_step(c, pfx, plen, &k, &v,
		    backward ? MDB_PREV : MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND && !stopped)
		err = 0;
out:
	read_end(s, txn);
	return err;
}

int
weft_store_design_revs(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb, void *arg)
{
	return walk(s, DB_BY_DESIGN, design, ID, ID + 8, DB_RECORDS, 0, cb,
	    arg);
}

int
weft_store_design_heads(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb, void *arg)
{
	return walk(s, DB_HEADS, design, ID, ID + 8, DB_RECORDS, 1, cb, arg);
}

int
weft_store_design_remixes(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], weft_store_item_cb *cb, void *arg)
{
	return walk(s, DB_REMIX, design, ID, ID, DB_RECORDS, 0, cb, arg);
}

int
weft_store_design_summary(struct weft_store *s,
    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *out)
{
	return get_copy(s, DB_DESIGNS, design, out);
}

static int
emit_summary(struct weft_store *s, MDB_txn *txn, const uint8_t design[ID],
    weft_store_item_cb *cb, void *arg)
{
	MDB_val	v;
	int	err;

	err = db_get(txn, s->dbi[DB_DESIGNS], design, ID, &v);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	return cb(arg, design, v.mv_data, v.mv_size);
}

int
weft_store_designs(struct weft_store *s, const uint8_t *author,
    const char *tag, weft_store_item_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 pfx[WEFT_TAG_MAX + 1], ak[WEFT_PK_BYTES + 8 + ID];
	const uint8_t	*kp;
	size_t		 plen, tn = 0;
	int		 db, err, rc, skip, stopped = 0;

	if (tag != NULL) {
		tn = strlen(tag);
		if (tn == 0 || tn > WEFT_TAG_MAX)
			return 0;	/* no stored tag can match */
		for (size_t i = 0; i < tn; i++)
			pfx[i] = fold((uint8_t)tag[i]);
		pfx[tn] = 0;
		plen = tn + 1;
		db = DB_TAG_DESIGN;
	} else if (author != NULL) {
		memcpy(pfx, author, WEFT_PK_BYTES);
		plen = WEFT_PK_BYTES;
		db = DB_AUTHOR_DESIGN;
	} else {
		plen = 0;
		db = DB_DESIGN_TIME;
	}

	err = read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc) {
		read_end(s, txn);
		return xlat(rc);
	}
	if (plen == 0) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		err = xlat(rc);
	} else {
		err = cur_first(c, pfx, plen, &k, &v);
	}
	/* Every key of the three databases ends in created_be64 || design. */
	while (err == 0) {
		if (k.mv_size != plen + 8 + ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		kp = (const uint8_t *)k.mv_data + plen;
		skip = 0;
		if (tag != NULL && author != NULL) {
			memcpy(ak, author, WEFT_PK_BYTES);
			memcpy(ak + WEFT_PK_BYTES, kp, 8 + ID);
			err = db_has(txn, s->dbi[DB_AUTHOR_DESIGN], ak,
			    sizeof(ak));
			if (err == WEFT_ENOTFOUND)
				skip = 1;
			else if (err)
				break;
		}
		if (!skip) {
			err = emit_summary(s, txn, kp + 8, cb, arg);
			if (err) {
				stopped = 1;
				break;
			}
		}
		if (plen == 0)
			err = xlat(mdb_cursor_get(c, &k, &v, MDB_NEXT));
		else
			err = cur_step(c, pfx, plen, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	read_end(s, txn);
	return err == WEFT_ENOTFOUND && !stopped ? 0 : err;
}

struct cand {
	uint64_t	created;
	uint8_t		design[ID];
};

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand	*x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return memcmp(x->design, y->design, ID);
}

/* Does design hold word w (exactly, or as a prefix)? */
static int
design_has_word(struct weft_store *s, MDB_txn *txn, MDB_cursor *c,
    const uint8_t design[ID], const uint8_t *w, size_t wl, int prefix)
{
	uint8_t	key[ID + WORD_MAX];
	MDB_val	k, v;

	memcpy(key, design, ID);
	memcpy(key + ID, w, wl);
	if (!prefix)
		return db_has(txn, s->dbi[DB_DWORDS], key, ID + wl);
	return cur_first(c, key, ID + wl, &k, &v);
}

static int
search_collect(struct weft_store *s, MDB_txn *txn, const struct wordset *q,
    struct cand **out, size_t *nout)
{
	MDB_cursor	*c = NULL, *dc = NULL;
	MDB_val		 k, v;
	struct cand	*cv = NULL, *tmp;
	struct recinfo	 ri;
	uint8_t		 pfx[WORD_MAX + 1];
	const uint8_t	*d;
	size_t		 n = 0, cap = 0, plen;
	int		 err, rc, ok;

	/* The first word drives; it is a prefix only when it is the last. */
	plen = q->len[0];
	memcpy(pfx, q->w[0], plen);
	if (q->n > 1)
		pfx[plen++] = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_WORDS], &c);
	if (rc == 0)
		rc = mdb_cursor_open(txn, s->dbi[DB_DWORDS], &dc);
	if (rc) {
		err = xlat(rc);
		goto out;
	}
	err = cur_first(c, pfx, plen, &k, &v);
	while (err == 0) {
		if (k.mv_size < ID + 1 + WORD_MIN) {
			err = WEFT_ECORRUPT;
			break;
		}
		d = (const uint8_t *)k.mv_data + k.mv_size - ID;
		ok = 1;
		for (size_t i = 1; i < q->n && ok; i++) {
			err = design_has_word(s, txn, dc, d, q->w[i], q->len[i],
			    i == q->n - 1);
			if (err == WEFT_ENOTFOUND)
				ok = 0;
			else if (err)
				goto out;
		}
		if (ok) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				tmp = realloc(cv, cap * sizeof(*cv));
				if (tmp == NULL) {
					err = -ENOMEM;
					goto out;
				}
				cv = tmp;
			}
			err = info_get(s, txn, d, &ri);
			if (err) {
				err = err == WEFT_ENOTFOUND ? WEFT_ECORRUPT :
				    err;
				goto out;
			}
			cv[n].created = ri.ts;
			memcpy(cv[n].design, d, ID);
			n++;
		}
		err = cur_step(c, pfx, plen, &k, &v, MDB_NEXT);
	}
	if (err == WEFT_ENOTFOUND)
		err = 0;
out:
	if (dc != NULL)
		mdb_cursor_close(dc);
	if (c != NULL)
		mdb_cursor_close(c);
	if (err) {
		free(cv);
		return err;
	}
	*out = cv;
	*nout = n;
	return 0;
}

int
weft_store_search(struct weft_store *s, const char *query,
    weft_store_item_cb *cb, void *arg)
{
	struct wordset	*q;
	struct cand	*cv = NULL;
	MDB_txn		*txn;
	size_t		 n = 0;
	int		 err;

	q = malloc(sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->n = 0;
	words_split(q, query, 0);
	if (q->n == 0) {
		free(q);
		return WEFT_EUSAGE;
	}
	err = read_begin(s, &txn);
	if (err)
		goto out;
	err = search_collect(s, txn, q, &cv, &n);
	if (err == 0 && n > 0) {
		/* Oldest design first, once each (a prefix may hit twice). */
		qsort(cv, n, sizeof(*cv), cand_cmp);
		for (size_t i = 0; i < n && err == 0; i++) {
			if (i > 0 && cand_cmp(&cv[i - 1], &cv[i]) == 0)
				continue;
			err = emit_summary(s, txn, cv[i].design, cb, arg);
		}
	}
	read_end(s, txn);
out:
	free(cv);
	free(q);
	return err;
}

int
weft_store_lib_designs(struct weft_store *s, const uint8_t lib[WEFT_ID_BYTES],
    weft_store_item_cb *cb, void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	const uint8_t	*p;
	int		 err, rc, stopped = 0;

	err = read_begin(s, &txn);
	if (err)
		return err;
	err = db_has(txn, s->dbi[DB_LIBS], lib, ID);
	if (err)
		goto out;
	rc = mdb_cursor_open(txn, s->dbi[DB_LIB_ENTRY], &c);
	if (rc) {
		err = xlat(rc);
		goto out;
	}
	err = cur_first(c, lib, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != 2 * ID || v.mv_size != ENTRY_VAL_LEN) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = v.mv_data;
		if (p[ID + 8] == WEFT_ENTRY_ADD) {
			err = emit_summary(s, txn,
			    (const uint8_t *)k.mv_data + ID, cb, arg);
			if (err) {
				stopped = 1;
				break;
			}
		}
		err = cur_step(c, lib, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err == WEFT_ENOTFOUND && !stopped)
		err = 0;
out:
	read_end(s, txn);
	return err;
}

/* ------------------------------------------------------------------ */
/* Stats and verification */

int
weft_store_stats(struct weft_store *s, struct weft_store_stats *st)
{
	MDB_txn		*txn;
	MDB_stat	 ms;
	MDB_envinfo	 ei;
	MDB_val		 v;
	int		 err, rc;

	memset(st, 0, sizeof(*st));
	err = read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_stat(txn, s->dbi[DB_RECORDS], &ms);
	if (rc)
		goto fail;
	st->records = ms.ms_entries;
	rc = mdb_stat(txn, s->dbi[DB_DESIGNS], &ms);
	if (rc)
		goto fail;
	st->designs = ms.ms_entries;
	rc = mdb_stat(txn, s->dbi[DB_LIBS], &ms);
	if (rc)
		goto fail;
	st->libs = ms.ms_entries;
	rc = mdb_stat(txn, s->dbi[DB_CHUNKS], &ms);
	if (rc)
		goto fail;
	st->chunks = ms.ms_entries;
	err = db_get(txn, s->dbi[DB_META], "chunk_bytes", 11, &v);
	if (err == 0 && v.mv_size == 8)
		st->chunk_bytes = be64dec(v.mv_data);
	else if (err == 0)
		err = WEFT_ECORRUPT;
	else if (err == WEFT_ENOTFOUND)
		err = 0;
	rc = mdb_env_info(s->env, &ei);
	if (rc == 0)
		rc = mdb_env_stat(s->env, &ms);
	if (rc)
		goto fail;
	st->map_size = ei.me_mapsize;
	st->map_used = ((uint64_t)ei.me_last_pgno + 1) * ms.ms_psize;
	read_end(s, txn);
	return err;
fail:
	read_end(s, txn);
	return xlat(rc);
}

struct bad_item {
	uint8_t	id[ID];
	int	err;
};

static int
check_item(int db, const MDB_val *k, const MDB_val *v)
{
	struct weft_record	r;
	uint8_t			id[ID];
	int			err;

	if (k->mv_size != ID)
		return WEFT_ECORRUPT;
	if (db == DB_CHUNKS) {
		weft_hash(v->mv_data, v->mv_size, id);
		return memcmp(id, k->mv_data, ID) ? WEFT_EBADHASH : 0;
	}
	weft_record_init(&r);
	err = weft_record_verify(v->mv_data, v->mv_size, &r, id);
	weft_record_release(&r);
	if (err)
		return err;
	return memcmp(id, k->mv_data, ID) ? WEFT_EBADHASH : 0;
}

/*
 * Checks every value of db in batches, each in its own short read txn,
 * so a big store never pins old pages for the whole walk; cb runs between
 * batches, outside any transaction.
 */
static int
verify_db(struct weft_store *s, int db, const char *kind,
    weft_store_bad_cb *cb, void *arg, uint64_t *count)
{
	struct bad_item	 bad[STORE_VERIFY_BATCH];
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 last[511];	/* LMDB's longest key */
	size_t		 n, nbad, cl, lastlen = 0;
	int		 started = 0, done, err, rc;

	*count = 0;
	do {
		err = read_begin(s, &txn);
		if (err)
			return err;
		rc = mdb_cursor_open(txn, s->dbi[db], &c);
		if (rc) {
			read_end(s, txn);
			return xlat(rc);
		}
		if (!started) {
			rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		} else {
			k.mv_size = lastlen;
			k.mv_data = last;
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
			if (rc == 0 && k.mv_size == lastlen &&
			    memcmp(k.mv_data, last, lastlen) == 0)
				rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		n = nbad = 0;
		while (rc == 0 && n < STORE_VERIFY_BATCH) {
			err = check_item(db, &k, &v);
			if (err) {
				memset(bad[nbad].id, 0, ID);
				cl = k.mv_size < ID ? k.mv_size : ID;
				memcpy(bad[nbad].id, k.mv_data, cl);
				bad[nbad++].err = err;
			}
			lastlen = k.mv_size < sizeof(last) ? k.mv_size :
			    sizeof(last);
			memcpy(last, k.mv_data, lastlen);
			started = 1;
			n++;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		done = rc != 0;
		mdb_cursor_close(c);
		read_end(s, txn);
		*count += n;
		for (size_t i = 0; i < nbad; i++)
			if (cb != NULL)
				cb(arg, kind, bad[i].id, bad[i].err);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return xlat(rc);
	} while (!done);
	return 0;
}

int
weft_store_verify(struct weft_store *s, weft_store_bad_cb *cb, void *arg,
    uint64_t *records, uint64_t *chunks)
{
	uint64_t	nr = 0, nc = 0;
	int		err;

	err = verify_db(s, DB_RECORDS, "record", cb, arg, &nr);
	if (err == 0)
		err = verify_db(s, DB_CHUNKS, "chunk", cb, arg, &nc);
	if (records != NULL)
		*records = nr;
	if (chunks != NULL)
		*chunks = nc;
	return err;
}

/* ------------------------------------------------------------------ */
/* Reconciliation over the aggregates */

struct weft_store_recon {
	struct weft_store	*s;
	MDB_txn			*txn;
	MDB_cursor		*agg;
	MDB_cursor		*all;
};

struct acc {
	uint64_t	n;
	uint8_t		sum[ID];
};

static void
acc_add_val(struct acc *a, const uint8_t *val)
{
	a->n += be64dec(val);
	weft_recon_sum_add(a->sum, val + 8);
}

/*
 * Walks the children of node (level + 1, parent) at level, in order: the
 * (at most 16) keys scope || level || be64(parent << 4 | j). cb returns 1
 * to stop, 0 to go on. At the top level the parent is the whole range.
 */
typedef int child_fn(void *arg, uint64_t prefix, const uint8_t *val);

static int
ragg_children(struct weft_store_recon *rc, int level, uint64_t parent,
    child_fn *fn, void *arg)
{
	uint8_t		 k0[10];
	uint64_t	 first, last, p;
	MDB_val		 k, v;
	int		 rcode, stop;

	first = level == RAGG_LEVELS - 1 ? 0 : parent << 4;
	last = level == RAGG_LEVELS - 1 ? 15 : first | 15;
	ragg_key(k0, level, first);
	k.mv_size = sizeof(k0);
	k.mv_data = k0;
	rcode = mdb_cursor_get(rc->agg, &k, &v, MDB_SET_RANGE);
	while (rcode == 0) {
		if (k.mv_size != 10 || v.mv_size != RAGG_VAL)
			return WEFT_ECORRUPT;
		if (memcmp(k.mv_data, k0, 2) != 0)
			break;
		p = be64dec((const uint8_t *)k.mv_data + 2);
		if (p > last)
			break;
		stop = fn(arg, p, v.mv_data);
		if (stop)
			return stop < 0 ? stop : 0;
		rcode = mdb_cursor_get(rc->agg, &k, &v, MDB_NEXT);
	}
	return rcode == 0 || rcode == MDB_NOTFOUND ? 0 : xlat(rcode);
}

/* Count and sum of every item below (ts, id). */
struct below {
	struct acc	*a;
	uint64_t	 target;
	int		 found;
};

static int
below_child(void *arg, uint64_t prefix, const uint8_t *val)
{
	struct below	*b = arg;

	if (prefix >= b->target) {
		b->found = prefix == b->target;
		return 1;
	}
	acc_add_val(b->a, val);
	return 0;
}

/* Steps through the items of one exact ts in the "all" index. */
static int
ts_first(struct weft_store_recon *rc, uint64_t ts, MDB_val *k)
{
	MDB_val	v;
	uint8_t	key[8];
	int	rcode;

	be64enc(key, ts);
	k->mv_size = 8;
	k->mv_data = key;
	rcode = mdb_cursor_get(rc->all, k, &v, MDB_SET_RANGE);
	if (rcode)
		return xlat(rcode);
	if (k->mv_size != 8 + ID)
		return WEFT_ECORRUPT;
	return be64dec(k->mv_data) == ts ? 0 : WEFT_ENOTFOUND;
}

static int
ts_next(struct weft_store_recon *rc, uint64_t ts, MDB_val *k)
{
	MDB_val	v;
	int	rcode;

	rcode = mdb_cursor_get(rc->all, k, &v, MDB_NEXT);
	if (rcode)
		return xlat(rcode);
	if (k->mv_size != 8 + ID)
		return WEFT_ECORRUPT;
	return be64dec(k->mv_data) == ts ? 0 : WEFT_ENOTFOUND;
}

static int
agg_below(struct weft_store_recon *rc, const struct weft_recon_item *it,
    struct acc *a)
{
	struct below	b = { a, 0, 0 };
	uint64_t	parent = 0;
	MDB_val		k;
	int		err;

	memset(a, 0, sizeof(*a));
	if (it->ts == WEFT_RECON_TS_INF) {
		b.target = 16;	/* past every top-level node */
		return ragg_children(rc, RAGG_LEVELS - 1, 0, below_child, &b);
	}
	for (int l = RAGG_LEVELS - 1; l >= 0; l--) {
		b.target = it->ts >> (4 * l);
		b.found = 0;
		err = ragg_children(rc, l, parent, below_child, &b);
		if (err)
			return err;
		if (!b.found)
			return 0;	/* nothing inside: all counted */
		parent = b.target;
	}
	/* Items of exactly this ts with a smaller id. */
	err = ts_first(rc, it->ts, &k);
	while (err == 0) {
		if (memcmp((uint8_t *)k.mv_data + 8, it->id, ID) >= 0)
			return 0;
		a->n++;
		weft_recon_sum_add(a->sum, (uint8_t *)k.mv_data + 8);
		err = ts_next(rc, it->ts, &k);
	}
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* The item of a rank, and the count and sum of the items before it. */
struct pick {
	struct acc	*a;
	uint64_t	 rank;
	uint64_t	 chosen;
	int		 found;
};

static int
pick_child(void *arg, uint64_t prefix, const uint8_t *val)
{
	struct pick	*p = arg;
	uint64_t	 n = be64dec(val);

	if (p->a->n + n > p->rank) {
		p->chosen = prefix;
		p->found = 1;
		return 1;
	}
	acc_add_val(p->a, val);
	return 0;
}

static int
agg_select(struct weft_store_recon *rc, uint64_t rank,
    struct weft_recon_item *it, struct acc *a)
{
	struct pick	p = { a, rank, 0, 0 };
	uint64_t	parent = 0;
	MDB_val		k;
	int		err;

	memset(a, 0, sizeof(*a));
	for (int l = RAGG_LEVELS - 1; l >= 0; l--) {
		p.found = 0;
		err = ragg_children(rc, l, parent, pick_child, &p);
		if (err)
			return err;
		if (!p.found)
			return l == RAGG_LEVELS - 1 ? WEFT_EUSAGE :
			    WEFT_ECORRUPT;
		parent = p.chosen;
	}
	err = ts_first(rc, parent, &k);
	while (err == 0) {
		if (a->n == rank) {
			it->ts = parent;
			memcpy(it->id, (uint8_t *)k.mv_data + 8, ID);
			return 0;
		}
		a->n++;
		weft_recon_sum_add(a->sum, (uint8_t *)k.mv_data + 8);
		err = ts_next(rc, parent, &k);
	}
	/* The aggregates promised more items of this ts than there are. */
	return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
}

static int
srec_size(void *arg, uint64_t *n)
{
	struct weft_recon_item	inf;
	struct acc		a;
	int			err;

	memset(&inf, 0, sizeof(inf));
	inf.ts = WEFT_RECON_TS_INF;
	err = agg_below(arg, &inf, &a);
	if (err == 0)
		*n = a.n;
	return err;
}

static int
srec_lower_bound(void *arg, const struct weft_recon_item *it,
    uint64_t *rank)
{
	struct acc	a;
	int		err;

	err = agg_below(arg, it, &a);
	if (err == 0)
		*rank = a.n;
	return err;
}

static int
srec_item_at(void *arg, uint64_t rank, struct weft_recon_item *it)
{
	struct acc	a;

	return agg_select(arg, rank, it, &a);
}

/* The sum of the items before rank r (all of them for r = size). */
static int
sum_before(struct weft_store_recon *rc, uint64_t r, struct acc *a)
{
	struct weft_recon_item	it;
	int			err;

	err = agg_select(rc, r, &it, a);
	if (err != WEFT_EUSAGE)
		return err;
	memset(&it, 0, sizeof(it));
	it.ts = WEFT_RECON_TS_INF;
	err = agg_below(rc, &it, a);
	if (err == 0 && a->n != r)
		err = WEFT_EUSAGE;
	return err;
}

static int
srec_sum(void *arg, uint64_t lo, uint64_t hi, uint8_t sum[ID])
{
	struct acc	a, b;
	int		err;

	if (lo > hi)
		return WEFT_EUSAGE;
	err = sum_before(arg, hi, &b);
	if (err == 0)
		err = sum_before(arg, lo, &a);
	if (err)
		return err;
	memcpy(sum, b.sum, ID);
	weft_recon_sum_sub(sum, a.sum);
	return 0;
}

static int
srec_ids(void *arg, uint64_t lo, uint64_t hi, weft_recon_id_cb *cb,
    void *cb_arg)
{
	struct weft_store_recon	*rc = arg;
	struct weft_recon_item	 it;
	struct acc		 a;
	uint8_t			 key[8 + ID];
	MDB_val			 k, v;
	int			 err, rcode;

	if (lo >= hi)
		return lo == hi ? 0 : WEFT_EUSAGE;
	err = agg_select(rc, lo, &it, &a);
	if (err)
		return err;
	be64enc(key, it.ts);
	memcpy(key + 8, it.id, ID);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rcode = mdb_cursor_get(rc->all, &k, &v, MDB_SET_KEY);
	for (uint64_t i = lo; i < hi; i++) {
		if (rcode)
			return rcode == MDB_NOTFOUND ? WEFT_ECORRUPT :
			    xlat(rcode);
		if (k.mv_size != sizeof(key))
			return WEFT_ECORRUPT;
		err = cb(cb_arg, (uint8_t *)k.mv_data + 8);
		if (err)
			return err;
		rcode = mdb_cursor_get(rc->all, &k, &v, MDB_NEXT);
	}
	return 0;
}

const struct weft_recon_set weft_store_recon_set = {
	srec_size, srec_lower_bound, srec_item_at, srec_sum, srec_ids,
};

int
weft_store_recon_begin(struct weft_store *s, struct weft_store_recon **rp)
{
	struct weft_store_recon	*rc;
	int			 err, rcode;

	*rp = NULL;
	rc = calloc(1, sizeof(*rc));
	if (rc == NULL)
		return -ENOMEM;
	rc->s = s;
	err = read_begin(s, &rc->txn);
	if (err) {
		free(rc);
		return err;
	}
	rcode = mdb_cursor_open(rc->txn, s->dbi[DB_RAGG], &rc->agg);
	if (rcode == 0)
		rcode = mdb_cursor_open(rc->txn, s->dbi[DB_ALL], &rc->all);
	if (rcode) {
		weft_store_recon_end(rc);
		return xlat(rcode);
	}
	*rp = rc;
	return 0;
}

void
weft_store_recon_end(struct weft_store_recon *rc)
{
	if (rc == NULL)
		return;
	if (rc->all != NULL)
		mdb_cursor_close(rc->all);
	if (rc->agg != NULL)
		mdb_cursor_close(rc->agg);
	read_end(rc->s, rc->txn);
	free(rc);
}
