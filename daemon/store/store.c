/*
 * The store's kernel (docs/proto/store.md gives every database's byte
 * layout): the LMDB environment, the lock that guards map growth,
 * transactions, cursor helpers, error translation, and the base rows
 * every other file of daemon/store/ reads: records, their info, chunks.
 * It knows nothing of the index modules or of ingest, which sit above it
 * (docs/DESIGN.md, "The store inside"); nothing here calls up.
 *
 * One environment, opened MDB_NOTLS with default durability, holds plain
 * databases with composite keys: no DUPSORT, whose cursor paths have
 * known bugs in LMDB 0.9.24. Every public call is one transaction.
 *
 * A full map grows: the write is aborted, the map is doubled while no
 * transaction is active in the process (every transaction holds s->lock
 * shared; the resize takes it exclusive), and the write is retried.
 * LMDB's codes are translated to weft's here (weft__store_xlat) and
 * nowhere else.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store_impl.h"

/*
 * The map only reserves address space (the file grows as pages are used),
 * so start large enough that ordinary stores never pay for a resize, which
 * aborts and redoes the write that hit the end.
 */
#define STORE_MAP_DEFAULT	((size_t)16 << 30)
#define STORE_MAP_MAX		((uint64_t)1 << 40)
#define STORE_MAXREADERS	256

static const char *const db_names[DB_COUNT] = {
	"meta", "recs", "info", "chunks", "drevs", "dheads", "succ",
	"remix", "dsum", "author_design", "tag_design", "words", "dwords", "libs", "lib_entry",
	"recon_agg", "policy", "wanted", "absent", "chunk_file", "missing",
	"recon_mem", "design_lib", "peers", "profiles", "social", "reacts",
	"scount", "grants", "pending", "csort", "geom_rev", "geom_design",
	"geom_key", "geom_sim", "geom_fit", "blocks", "moderators", "labels",
	"tombs",
	"receipts", "receipt_nodes", "limits",
	"packs", "lib_maint",
	"lastuse", "blocked_recs", "file_design",
	"dnum", "wlist", "receipt_ids", "label_due", "idshare",
	"dsum_tmp", "rkey_tmp",
};

int
weft__store_xlat(int rc)
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
	return weft__store_xlat(rc);
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
	return weft__store_xlat(rc);
}

int
weft__store_read_begin(struct weft_store *s, MDB_txn **txn)
{
	int	rc, err;

	for (;;) {
		lock_shared(s);
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
		if (rc == 0)
			return 0;
		lock_release(s);
		if (rc != MDB_MAP_RESIZED)
			return weft__store_xlat(rc);
		err = adopt_map_size(s);
		if (err)
			return err;
	}
}

void
weft__store_read_end(struct weft_store *s, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	lock_release(s);
}

/* What the calling thread's last write bumped s->gen from and to. */
static _Thread_local uint64_t	tl_gen_before, tl_gen_after;

void
weft__store_gen_last(uint64_t *before, uint64_t *after)
{
	*before = tl_gen_before;
	*after = tl_gen_after;
	tl_gen_before = tl_gen_after = UINT64_MAX;
}

/*
 * Keeps the pages just past the used end of data.mdb in the page cache as
 * single 4 KiB pages, before a commit writes them (issue 17.4, stop 15).
 * LMDB appends a commit's new pages with one pwritev per run of up to 64,
 * and on this kernel (ext4 with large folios, Linux 6.16 and later) a
 * multi-page write into uncached file range makes a folio as large as the
 * write; LMDB later rewrites each of those pages alone (a leaf of a
 * random-keyed table, reused from the free list), and every such 4 KiB
 * pwrite then dirties, copies and accounts the whole folio: 3-4 times
 * the CPU and wall time of a page write, and /proc's write_bytes 50
 * times the bytes (docs/BENCHMARKS.md, "Ingest at a million, stop 15").
 * A page of the tail read through LMDB's map first (MDB_NORDAHEAD: one
 * page per fault, no read-around) is cached as a single page, which the
 * later pwritev fills in place. So: extend the file sparsely (an
 * ftruncate, which only ever grows it and never past the map; LMDB reads
 * nothing past its last page) and touch each new page of the margin.
 * Called inside the write transaction, before its commit appends: only
 * the writer runs it. Best effort: a failure leaves the tail as it was.
 */
#define TAIL_MARGIN_MIN	(UINT64_C(4) << 20)
#define TAIL_MARGIN_MAX	(UINT64_C(256) << 20)

static void
tail_prepare(struct weft_store *s)
{
	MDB_envinfo		 ei;
	MDB_stat		 ms;
	struct stat		 st;
	const volatile uint8_t	*map;
	void			*p;
	uint64_t		 used, margin, want, from;
	int			 fd;

	if (mdb_env_info(s->env, &ei) != 0 || mdb_env_stat(s->env, &ms) != 0 ||
	    mdb_env_get_fd(s->env, &fd) != 0 || ms.ms_psize == 0)
		return;
	used = ((uint64_t)ei.me_last_pgno + 1) * ms.ms_psize;
	/* A quarter of the file, or twice the most a commit added. */
	if (used > s->tail_used && used - s->tail_used > s->tail_grow)
		s->tail_grow = used - s->tail_used;
	s->tail_used = used;
	margin = used / 4;
	if (margin < 2 * s->tail_grow)
		margin = 2 * s->tail_grow;
	if (margin < TAIL_MARGIN_MIN)
		margin = TAIL_MARGIN_MIN;
	if (margin > TAIL_MARGIN_MAX)
		margin = TAIL_MARGIN_MAX;
	want = used + margin;
	if (want > (uint64_t)ei.me_mapsize)
		want = (uint64_t)ei.me_mapsize;
	want -= want % ms.ms_psize;
	/* Half the margin left: not worth a call yet. */
	if (s->tail_ready >= used + margin / 2 || want <= used)
		return;
	from = s->tail_ready > used ? s->tail_ready : used;
	if (fstat(fd, &st) != 0)
		return;
	if ((uint64_t)st.st_size < want && ftruncate(fd, (off_t)want) != 0)
		return;
	/*
	 * Through a map of our own: LMDB does not say where its map is.
	 * The page cache is the file's, whichever map faults a page in.
	 */
	p = mmap(NULL, (size_t)(want - from), PROT_READ, MAP_SHARED, fd,
	    (off_t)from);
	if (p == MAP_FAILED)
		return;
	(void)madvise(p, (size_t)(want - from), MADV_RANDOM);
	map = p;
	for (uint64_t off = 0; off < want - from; off += ms.ms_psize)
		(void)map[off];
	munmap(p, (size_t)(want - from));
	s->tail_ready = want;
}

/*
 * Runs fn in a write transaction and commits it. fn returns 0 or a weft
 * code; on any error the transaction is aborted, and on WEFT_ESTOREFULL
 * (MDB_MAP_FULL, from fn or from the commit) the map grows and the whole
 * write runs again, so fn must depend only on its arguments and the txn.
 */
static int
write_run(struct weft_store *s, weft__store_write_cb *fn, void *arg,
    bool bump)
{
	MDB_txn		*txn;
	uint64_t	 seen;
	bool		 bumped = false;
	int		 rc, err;

	/* A move leaves what the thread's last write bumped as it was. */
	if (bump)
		tl_gen_before = tl_gen_after = UINT64_MAX; /* none (yet) */
	for (;;) {
		lock_shared(s);
		seen = s->map_size;
		rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		if (rc) {
			lock_release(s);
			if (rc != MDB_MAP_RESIZED)
				return weft__store_xlat(rc);
			err = adopt_map_size(s);
			if (err)
				return err;
			continue;
		}
		memset(s->wcur, 0, sizeof(s->wcur));
		s->events = 0;
		weft__store_packs_begin(s);
		err = fn(s, txn, arg);
		/* Chunk bytes are durable before the index names them. */
		if (err == 0)
			err = weft__store_packs_sync(s);
		if (err) {
			mdb_txn_abort(txn);
		} else {
			/* Before the commit, while we hold the writer lock. */
			if (bump && !bumped)
				tl_gen_before = s->gen;
			if (bump) {
				bumped = true;
				tl_gen_after = ++s->gen;
			}
			tail_prepare(s);
			/* the commit frees txn (and its cursors) */
			err = weft__store_xlat(mdb_txn_commit(txn));
		}
		weft__store_packs_end(s, err == 0);
		memset(s->wcur, 0, sizeof(s->wcur));
		/* Under the lock: weft_store_on_commit() may be clearing it. */
		if (err == 0 && s->events != 0 && s->commit_cb != NULL)
			s->commit_cb(s->commit_arg, s->events);
		lock_release(s);
		if (err != WEFT_ESTOREFULL)
			return err;
		err = grow_map(s, seen);
		if (err)
			return err;
	}
}

void
weft__store_excl(struct weft_store *s, void (*fn)(void *), void *arg)
{
	lock_excl(s);
	fn(arg);
	lock_release(s);
}

void
weft_store_on_commit(struct weft_store *s, weft_store_commit_cb *cb,
    void *arg)
{
	/* No write is between its commit and its call to the old one. */
	lock_excl(s);
	s->commit_cb = cb;
	s->commit_arg = arg;
	lock_release(s);
}

int
weft__store_write(struct weft_store *s, weft__store_write_cb *fn, void *arg)
{
	return write_run(s, fn, arg, true);
}

int
weft__store_write_move(struct weft_store *s, weft__store_write_cb *fn,
    void *arg)
{
	return write_run(s, fn, arg, false);
}

/* Cursor walks over the keys that start with a prefix. */
int
weft__store_cur_first(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
    MDB_val *v)
{
	int	rc;

	k->mv_size = plen;
	k->mv_data = (void *)pfx;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc)
		return weft__store_xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

int
weft__store_cur_step(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
    MDB_val *v, MDB_cursor_op op)
{
	int	rc;

	rc = mdb_cursor_get(c, k, v, op);
	if (rc)
		return weft__store_xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

/* The last key starting with pfx: before the prefix's successor. */
int
weft__store_cur_last(MDB_cursor *c, const void *pfx, size_t plen, MDB_val *k,
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
		return weft__store_xlat(rc);
	return prefix_eq(k, pfx, plen) ? 0 : WEFT_ENOTFOUND;
}

int
weft__store_info_get(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct recinfo *ri)
{
	MDB_val		 v;
	int		 err;

	err = db_get(txn, s->dbi[DB_INFO], id, ID, &v);
	if (err)
		return err;
	return weft__store_info_parse(id, v.mv_data, v.mv_size, ri);
}

int
weft__store_info_parse(const uint8_t id[ID], const void *p, size_t n,
    struct recinfo *ri)
{
	const uint8_t	*b = p;

	if (n != INFO_LEN && n != INFO_SHORT)
		return WEFT_ECORRUPT;
	ri->type = b[0];
	ri->ts = be64dec(b + 1);
	memcpy(ri->author, b + 9, WEFT_PK_BYTES);
	if (n == INFO_LEN)
		memcpy(ri->design, b + 9 + WEFT_PK_BYTES, ID);
	else if (ri->type == WEFT_REC_REV)
		memcpy(ri->design, id, ID);
	else
		memset(ri->design, 0, ID);
	return 0;
}

void
weft__store_rec_key(uint8_t k[8 + ID], uint64_t ts, const uint8_t id[ID])
{
	be64enc(k, ts);
	memcpy(k + 8, id, ID);
}

int
weft__store_rec_get(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    MDB_val *v)
{
	struct recinfo	ri;
	uint8_t		k[8 + ID];
	int		err;

	err = weft__store_info_get(s, txn, id, &ri);
	if (err)
		return err;
	weft__store_rec_key(k, ri.ts, id);
	err = db_get(txn, s->dbi[DB_RECORDS], k, sizeof(k), v);
	return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
}

int
weft__store_rec_load(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct weft_record *r)
{
	const uint8_t	*body, *sig;
	size_t		 blen;
	MDB_val		 v;
	int		 err;

	weft_record_init(r);
	err = weft__store_rec_get(s, txn, id, &v);
	if (err)
		return err;
	err = weft_record_open(v.mv_data, v.mv_size, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, r);
	if (err) {
		weft_record_release(r);
		return err == -ENOMEM ? err : WEFT_ECORRUPT;
	}
	return 0;
}

/* Is k another id of info that shares id's first IDSHARE_PFX bytes? */
static int
id_twin(const MDB_val *k, const uint8_t id[ID])
{
	return k->mv_size == ID && memcmp(k->mv_data, id, IDSHARE_PFX) == 0 &&
	    memcmp(k->mv_data, id, ID) != 0;
}

/*
 * The twins of id (a key of info) among its neighbours in info, with c a
 * cursor on info: copied to tw (up to 2), their count in *n.
 */
static int
id_twins(MDB_cursor *c, const uint8_t id[ID], uint8_t tw[2][ID], int *n)
{
	MDB_val	k, v;
	int	rc;

	*n = 0;
	k.mv_size = ID;
	k.mv_data = (void *)id;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	if (rc == 0) {
		if (id_twin(&k, id))
			memcpy(tw[(*n)++], k.mv_data, ID);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);	/* id again */
	} else if (rc == MDB_NOTFOUND) {
		k.mv_size = ID;		/* id is the first */
		k.mv_data = (void *)id;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	}
	if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	if (rc == 0 && id_twin(&k, id))
		memcpy(tw[(*n)++], k.mv_data, ID);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

/* drevs and dheads keys (format 12): see store_impl.h, REVKEY. */
size_t
weft__store_rkey(uint8_t key[REVKEY], const uint8_t dk[DKEY], uint64_t ts,
    const uint8_t rev[ID])
{
	memcpy(key, dk, DKEY);
	if (ts == be64dec(dk) && memcmp(rev, dk + 8, ID) == 0)
		return DKEY;
	be64enc(key + DKEY, ts);
	memcpy(key + DKEY + 8, rev, ID);
	return REVKEY;
}

int
weft__store_rkey_dec(const MDB_val *k, struct weft__rev *r)
{
	const uint8_t	*p = k->mv_data;

	if (k->mv_size == REVKEY)
		p += DKEY;
	else if (k->mv_size != DKEY)
		return WEFT_ECORRUPT;
	r->ts = be64dec(p);
	memcpy(r->id, p + 8, ID);
	return 0;
}

/* Orders revisions by (ts, id). */
static int
rev_cmp(const struct weft__rev *a, const struct weft__rev *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return memcmp(a->id, b->id, ID);
}

int
weft__store_revs_get(struct weft_store *s, MDB_txn *txn, int db,
    const uint8_t dk[DKEY], struct weft__rev **out, size_t *n)
{
	struct weft__rev	*v = NULL, g;
	MDB_cursor		*c;
	MDB_val			 k, d;
	size_t			 cap = 0, i;
	void			*p;
	int			 err, rc;

	*out = NULL;
	*n = 0;
	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, dk, DKEY, &k, &d);
	while (err == 0) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 4;
			p = realloc(v, cap * sizeof(*v));
			if (p == NULL) {
				err = -ENOMEM;
				break;
			}
			v = p;
		}
		err = weft__store_rkey_dec(&k, &v[*n]);
		if (err)
			break;
		/* Only the first key may be the short one. */
		if (k.mv_size == DKEY && *n != 0) {
			err = WEFT_ECORRUPT;
			break;
		}
		(*n)++;
		err = weft__store_cur_step(c, dk, DKEY, &k, &d, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err != WEFT_ENOTFOUND) {
		free(v);
		*n = 0;
		return err;
	}
	/* The genesis's short key came first: move it to its place. */
	if (*n > 1 && rev_cmp(&v[0], &v[1]) > 0) {
		g = v[0];
		for (i = 1; i < *n && rev_cmp(&v[i], &g) < 0; i++)
			v[i - 1] = v[i];
		v[i - 1] = g;
	}
	*out = v;
	return 0;
}

int
weft__store_rev_last(struct weft_store *s, MDB_txn *txn, int db,
    const uint8_t dk[DKEY], struct weft__rev *last)
{
	struct weft__rev	 g;
	MDB_cursor		*c;
	MDB_val			 k, v;
	int			 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_last(c, dk, DKEY, &k, &v);
	if (err == 0)
		err = weft__store_rkey_dec(&k, last);
	mdb_cursor_close(c);
	if (err || k.mv_size == DKEY)
		return err;
	/* A short genesis key sorts first but may be the newest. */
	err = db_has(txn, s->dbi[db], dk, DKEY);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	g.ts = be64dec(dk);
	memcpy(g.id, dk + 8, ID);
	if (rev_cmp(&g, last) > 0)
		*last = g;
	return 0;
}

int
weft__store_info_put(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    const uint8_t *info)
{
	static const uint8_t	zero[ID];
	const uint8_t		*d = info + INFO_SHORT;
	uint8_t			 tw[2][ID];
	size_t			 len = INFO_LEN;
	int			 n, err;

	/* A genesis names itself, most others nothing: implied. */
	if (memcmp(d, info[0] == WEFT_REC_REV ? id : zero, ID) == 0)
		len = INFO_SHORT;
	err = store_put(s, txn, DB_INFO, id, ID, info, len);
	if (err == 0)
		err = id_twins(s->wcur[DB_INFO], id, tw, &n);
	if (err || n == 0)
		return err;
	for (int i = 0; i < n && err == 0; i++)
		err = db_put(txn, s->dbi[DB_IDSHARE], tw[i], ID, "", 0);
	if (err == 0)
		err = db_put(txn, s->dbi[DB_IDSHARE], id, ID, "", 0);
	return err;
}

/*
 * Takes id (in idshare) out of info: a twin of it that has no other twin
 * leaves idshare.
 */
static int
info_del_shared(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID])
{
	MDB_cursor	*c;
	uint8_t		 tw[2][ID], tw2[2][ID];
	int		 n, n2, err, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_INFO], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = id_twins(c, id, tw, &n);
	if (err == 0)
		err = db_del(txn, s->dbi[DB_INFO], id, ID);
	if (err == 0)
		err = db_del(txn, s->dbi[DB_IDSHARE], id, ID);
	for (int i = 0; i < n && err == 0; i++) {
		err = id_twins(c, tw[i], tw2, &n2);
		if (err == 0 && n2 == 0)
			err = db_del(txn, s->dbi[DB_IDSHARE], tw[i], ID);
	}
	mdb_cursor_close(c);
	return err;
}

int
weft__store_rec_del(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID])
{
	struct recinfo	ri;
	uint8_t		k[8 + ID];
	int		err;

	err = weft__store_info_get(s, txn, id, &ri);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	weft__store_rec_key(k, ri.ts, id);
	err = db_del(txn, s->dbi[DB_RECORDS], k, sizeof(k));
	if (err)
		return err;
	/* An id no other shares a prefix with has no twin to recheck. */
	err = db_has(txn, s->dbi[DB_IDSHARE], id, ID);
	if (err == WEFT_ENOTFOUND)
		return db_del(txn, s->dbi[DB_INFO], id, ID);
	return err ? err : info_del_shared(s, txn, id);
}

int
weft__store_idshare_rebuild(struct weft_store *s, MDB_txn *txn)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 prev[ID];
	bool		 have = false, prev_in = false;
	int		 err = 0, rc;

	rc = mdb_drop(txn, s->dbi[DB_IDSHARE], 0);
	if (rc == 0)
		rc = mdb_cursor_open(txn, s->dbi[DB_INFO], &c);
	if (rc)
		return weft__store_xlat(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0 && err == 0) {
		if (k.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		if (have && id_twin(&k, prev)) {
			if (!prev_in)
				err = db_put(txn, s->dbi[DB_IDSHARE], prev, ID,
				    "", 0);
			if (err == 0)
				err = db_put(txn, s->dbi[DB_IDSHARE],
				    k.mv_data, ID, "", 0);
			prev_in = true;
		} else {
			prev_in = false;
		}
		memcpy(prev, k.mv_data, ID);
		have = true;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err)
		return err;
	return rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

int
weft__store_design_key(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], uint8_t dk[DKEY])
{
	struct recinfo	ri;
	int		err;

	err = weft__store_info_get(s, txn, design, &ri);
	if (err)
		return err;
	if (ri.type != WEFT_REC_REV || memcmp(ri.design, design, ID) != 0)
		return WEFT_ENOTFOUND;
	be64enc(dk, ri.ts);
	memcpy(dk + 8, design, ID);
	return 0;
}

int
weft__store_dbis_open(struct weft_store *s, MDB_txn *txn)
{
	int	rc;

	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc)
			return weft__store_xlat(rc);
	}
	return 0;
}

int
weft__store_env_open(struct weft_store **sp, const char *dir, size_t map_size)
{
	struct weft_store	*s;
	bool			 retried = false;
	int			 rc, err, dead;

	*sp = NULL;
	if (map_size == 0)
		map_size = STORE_MAP_DEFAULT;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	rc = pthread_rwlock_init(&s->lock, NULL);
	if (rc) {
		free(s);
		return -rc;
	}
	rc = pthread_mutex_init(&s->use_mu, NULL);
	if (rc) {
		pthread_rwlock_destroy(&s->lock);
		free(s);
		return -rc;
	}
	atomic_init(&s->gc_running, false);
	atomic_init(&s->gc_reclaimable, UINT64_MAX);
again:
	rc = mdb_env_create(&s->env);
	if (rc) {
		err = weft__store_xlat(rc);
		goto fail_lock;
	}
	rc = mdb_env_set_maxdbs(s->env, DB_COUNT + DB_OLD_MAX);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(s->env, STORE_MAXREADERS);
	if (rc == 0)
		rc = mdb_env_set_mapsize(s->env, map_size);
	/*
	 * Default durability: a commit is on disk when it returns. No
	 * read-around on faults: the tables are read at random, and a page
	 * faulted in alone stays a single page in the cache, which keeps
	 * LMDB's later rewrites of it to one page (tail_prepare()).
	 */
	if (rc == 0)
		rc = mdb_env_open(s->env, dir, MDB_NOTLS | MDB_NORDAHEAD,
		    0600);
	/*
	 * A power cut while LMDB created the file (it writes the first
	 * meta pages without a sync): nothing was ever committed, start
	 * again. A failed env must be closed, not opened twice.
	 */
	if (rc == MDB_INVALID && !retried &&
	    weft__store_unfinished(dir) == 1) {
		mdb_env_close(s->env);
		s->env = NULL;
		retried = true;
		goto again;
	}
	if (rc) {
		err = weft__store_xlat(rc);
		goto fail_env;
	}
	rc = mdb_reader_check(s->env, &dead);
	if (rc) {
		err = weft__store_xlat(rc);
		goto fail_env;
	}
	/* The file may be bigger than map_size: LMDB then uses its size. */
	note_map_size(s);
	err = weft__store_packs_init(s, dir);
	if (err)
		goto fail_env;
	err = weft__store_holds_init(s);
	if (err) {
		weft__store_packs_free(s);
		goto fail_env;
	}
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
weft__store_env_close(struct weft_store *s)
{
	if (s == NULL)
		return;
	weft__store_holds_free(s);
	weft__store_packs_free(s);
	mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->lock);
	pthread_mutex_destroy(&s->use_mu);
	free(s->use_q);
	free(s);
}

/*
 * LMDB's meta page (lmdb 0.9 mdb.c): a 16-byte page header, then
 * MDB_meta: mm_magic u32, mm_version u32, mm_address, mm_mapsize, two
 * MDB_db of 48 bytes, mm_last_pg, mm_txnid (host order, 64-bit).
 */
#define META_MAGIC	0xBEEFC0DEu
#define META_VERSION	1u
#define META_TXNID_OFF	(16 + 4 + 4 + 8 + 8 + 2 * 48 + 8)

/*
 * Whether page i of the file (pg bytes each) is either absent, all zero,
 * or a meta page of a transaction id 0: what LMDB's creation of a new
 * environment (mdb_env_init_meta, written without a sync) leaves.
 */
static bool
meta_unfinished(int fd, size_t pg, int i)
{
	uint8_t		 buf[65536];
	uint32_t	 magic, version;
	uint64_t	 txnid;
	ssize_t		 n;
	bool		 zero = true;

	if (pg > sizeof(buf) || pg < META_TXNID_OFF + 8)
		return false;
	n = pread(fd, buf, pg, (off_t)(pg * (size_t)i));
	if (n < 0)
		return false;
	for (ssize_t k = 0; k < n; k++)
		zero = zero && buf[k] == 0;
	if (zero)
		return true;
	if ((size_t)n != pg)
		return false;
	memcpy(&magic, buf + 16, 4);
	memcpy(&version, buf + 20, 4);
	memcpy(&txnid, buf + META_TXNID_OFF, 8);
	return magic == META_MAGIC && version == META_VERSION && txnid == 0;
}

int
weft__store_unfinished(const char *dir)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	long		 pg = sysconf(_SC_PAGESIZE);
	bool		 yes;
	int		 fd;

	if (pg <= 0 || snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	yes = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    meta_unfinished(fd, (size_t)pg, 0) &&
	    meta_unfinished(fd, (size_t)pg, 1);
	close(fd);
	if (!yes)
		return 0;
	if (unlink(path) != 0)
		return -errno;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Chunks */

/* Adds to (and subtracts from) the total of chunk bytes in meta. */
int
weft__store_chunk_bytes_add(struct weft_store *s, MDB_txn *txn, uint64_t add,
    uint64_t sub)
{
	uint64_t	total = 0;
	uint8_t		be[8];
	MDB_val		v;
	int		err;

	if (add == 0 && sub == 0)
		return 0;
	err = db_get(txn, s->dbi[DB_META], "chunk_bytes", 11, &v);
	if (err == 0 && v.mv_size == 8)
		total = be64dec(v.mv_data);
	else if (err == 0)
		return WEFT_ECORRUPT;
	else if (err != WEFT_ENOTFOUND)
		return err;
	total += add;
	total = total > sub ? total - sub : 0;
	be64enc(be, total);
	return db_put(txn, s->dbi[DB_META], "chunk_bytes", 11, be, 8);
}

int
weft__store_chunk_add(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], const uint8_t *data, size_t len)
{
	int	err;

	err = weft__store_chunk_write(s, txn, id, data, len);
	if (err)
		return err;
	if (s->gc_late != NULL) {
		err = weft__idset_add(s->gc_late, id);
		if (err)
			return err;
	}
	return weft__store_chunk_bytes_add(s, txn, len, 0);
}

int
weft__store_chunk_has(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID])
{
	return db_has(txn, s->dbi[DB_CHUNKS], id, ID);
}

int
weft__store_chunk_index(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], struct weft_chunk_ref **refs, size_t *n,
    uint64_t *total)
{
	struct weft_buf	b;
	int		err;

	*refs = NULL;
	*n = 0;
	weft_buf_init(&b, WEFT_INDEX_MAX);
	err = weft__store_chunk_read(s, txn, id, &b);
	if (err == 0) {
		err = weft_index_decode(b.data, b.len, refs, n, total);
		if (err && err != -ENOMEM)
			err = WEFT_EPROTO;
	}
	weft_buf_release(&b);
	return err;
}

int
weft__store_chunk_stat(struct weft_store *s, MDB_txn *txn, uint64_t *count,
    uint64_t *bytes)
{
	MDB_stat	ms;
	MDB_val		v;
	int		err;

	err = weft__store_xlat(mdb_stat(txn, s->dbi[DB_CHUNKS], &ms));
	if (err)
		return err;
	*count = ms.ms_entries;
	*bytes = 0;
	err = db_get(txn, s->dbi[DB_META], "chunk_bytes", 11, &v);
	if (err == 0 && v.mv_size == 8)
		*bytes = be64dec(v.mv_data);
	else if (err == 0)
		return WEFT_ECORRUPT;
	else if (err != WEFT_ENOTFOUND)
		return err;
	return 0;
}

/* Walks the keys of database db after `after` (NULL: all), in order. */
static int
id_walk(struct weft_store *s, MDB_txn *txn, int db, const uint8_t *after,
    int (*fn)(void *, const MDB_val *, const MDB_val *), void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc, err = 0;

	rc = mdb_cursor_open(txn, s->dbi[db], &c);
	if (rc)
		return weft__store_xlat(rc);
	if (after == NULL) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	} else {
		k.mv_size = ID;
		k.mv_data = (void *)after;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == ID &&
		    memcmp(k.mv_data, after, ID) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	while (rc == 0) {
		if (k.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = fn(arg, &k, &v);
		if (err)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	mdb_cursor_close(c);
	return err;
}

struct chunk_walk {
	weft__store_chunk_cb	*cb;
	weft__store_pending_cb	*pcb;
	void			*arg;
};

static int
chunk_walk_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct chunk_walk	*w = arg;
	uint64_t		 len;
	int			 err;

	/* The value is where the bytes are in the packs: its length. */
	err = weft__store_chunk_val_len(v, &len);
	if (err)
		return err;
	return w->cb(w->arg, k->mv_data, (size_t)len);
}

int
weft__store_chunk_walk(struct weft_store *s, MDB_txn *txn,
    const uint8_t *after, weft__store_chunk_cb *cb, void *arg)
{
	struct chunk_walk	w = { cb, NULL, arg };

	return id_walk(s, txn, DB_CHUNKS, after, chunk_walk_one, &w);
}

struct info_walk {
	weft__store_info_cb	*cb;
	void			*arg;
};

static int
info_walk_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct info_walk	*w = arg;
	struct recinfo		 ri;
	int			 err;

	if (k->mv_size != ID)
		return WEFT_ECORRUPT;
	err = weft__store_info_parse(k->mv_data, v->mv_data, v->mv_size, &ri);
	if (err)
		return err;
	return w->cb(w->arg, k->mv_data, &ri);
}

int
weft__store_info_walk(struct weft_store *s, MDB_txn *txn,
    const uint8_t *after, weft__store_info_cb *cb, void *arg)
{
	struct info_walk	w = { cb, arg };

	return id_walk(s, txn, DB_INFO, after, info_walk_one, &w);
}

/* ------------------------------------------------------------------ */
/* Pending chunks */

#define PEND_VAL	16	/* ts_be64 || token_be64 */

uint64_t
weft__store_now_ms(struct weft_store *s)
{
	return weft_clock_now_ms(s->clock);
}

int
weft__store_chunk_pending(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], uint64_t *ts, uint64_t *token)
{
	MDB_val	v;
	int	err;

	err = db_get(txn, s->dbi[DB_PENDING], id, ID, &v);
	if (err)
		return err;
	if (v.mv_size != PEND_VAL)
		return WEFT_ECORRUPT;
	*ts = be64dec(v.mv_data);
	*token = be64dec((const uint8_t *)v.mv_data + 8);
	return 0;
}

int
weft__store_chunk_pend(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], uint64_t token)
{
	uint64_t	ts, old;
	uint8_t		v[PEND_VAL];
	int		err;

	err = weft__store_chunk_pending(s, txn, id, &ts, &old);
	if (err == 0 && old != token)
		token = 0;		/* a second writer: shared */
	else if (err && err != WEFT_ENOTFOUND)
		return err;
	be64enc(v, weft__store_now_ms(s));
	be64enc(v + 8, token);
	if (s->gc_late != NULL) {
		err = weft__idset_add(s->gc_late, id);
		if (err)
			return err;
	}
	return db_put(txn, s->dbi[DB_PENDING], id, ID, v, sizeof(v));
}

int
weft__store_chunk_ref(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID])
{
	uint64_t	ts, token;
	uint8_t		v[PEND_VAL];
	int		err;

	if (s->gc_late != NULL) {
		err = weft__idset_add(s->gc_late, id);
		if (err)
			return err;
	}
	err = weft__store_chunk_pending(s, txn, id, &ts, &token);
	if (err == WEFT_ENOTFOUND || (err == 0 && token == 0))
		return 0;
	if (err)
		return err;
	be64enc(v, ts);
	be64enc(v + 8, 0);
	return db_put(txn, s->dbi[DB_PENDING], id, ID, v, sizeof(v));
}

int
weft__store_chunk_unpend(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID])
{
	return db_del(txn, s->dbi[DB_PENDING], id, ID);
}

static int
pending_walk_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct chunk_walk	*w = arg;
	const uint8_t		*p = v->mv_data;

	if (v->mv_size != PEND_VAL)
		return WEFT_ECORRUPT;
	return w->pcb(w->arg, k->mv_data, be64dec(p), be64dec(p + 8));
}

int
weft__store_pending_walk(struct weft_store *s, MDB_txn *txn,
    const uint8_t *after, weft__store_pending_cb *cb, void *arg)
{
	struct chunk_walk	w = { NULL, cb, arg };

	return id_walk(s, txn, DB_PENDING, after, pending_walk_one, &w);
}

/* ------------------------------------------------------------------ */
/* Id sets (open addressing on the ids' first 8 bytes; 0 marks empty) */

struct weft__idset {
	uint64_t	*v;
	size_t		 cap;	/* a power of two */
	size_t		 n;
};

static uint64_t
idset_key(const uint8_t id[ID])
{
	uint64_t	k;

	memcpy(&k, id, 8);
	return k == 0 ? 1 : k;
}

struct weft__idset *
weft__idset_new(void)
{
	struct weft__idset	*set;

	set = calloc(1, sizeof(*set));
	if (set == NULL)
		return NULL;
	set->cap = 1024;
	set->v = calloc(set->cap, sizeof(*set->v));
	if (set->v == NULL) {
		free(set);
		return NULL;
	}
	return set;
}

static void
idset_put(uint64_t *v, size_t cap, uint64_t k)
{
	size_t	i = (size_t)(k * 0x9e3779b97f4a7c15ull) & (cap - 1);

	while (v[i] != 0 && v[i] != k)
		i = (i + 1) & (cap - 1);
	v[i] = k;
}

int
weft__idset_add(struct weft__idset *set, const uint8_t id[ID])
{
	uint64_t	*nv, k = idset_key(id);

	if (weft__idset_has(set, id))
		return 0;
	if ((set->n + 1) * 2 > set->cap) {
		nv = calloc(set->cap * 2, sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < set->cap; i++)
			if (set->v[i] != 0)
				idset_put(nv, set->cap * 2, set->v[i]);
		free(set->v);
		set->v = nv;
		set->cap *= 2;
	}
	idset_put(set->v, set->cap, k);
	set->n++;
	return 0;
}

bool
weft__idset_has(const struct weft__idset *set, const uint8_t id[ID])
{
	uint64_t	k = idset_key(id);
	size_t		i = (size_t)(k * 0x9e3779b97f4a7c15ull) &
			    (set->cap - 1);

	while (set->v[i] != 0) {
		if (set->v[i] == k)
			return true;
		i = (i + 1) & (set->cap - 1);
	}
	return false;
}

size_t
weft__idset_count(const struct weft__idset *set)
{
	return set->n;
}

void
weft__idset_free(struct weft__idset *set)
{
	if (set == NULL)
		return;
	free(set->v);
	free(set);
}

int
weft__store_gc_late_on(struct weft_store *s, MDB_txn *txn)
{
	(void)txn;
	if (s->gc_late != NULL)
		return 0;	/* the txn runs again after a map growth */
	s->gc_late = weft__idset_new();
	return s->gc_late == NULL ? -ENOMEM : 0;
}

void
weft__store_gc_late_off(struct weft_store *s, MDB_txn *txn)
{
	(void)txn;
	weft__idset_free(s->gc_late);
	s->gc_late = NULL;
}

bool
weft__store_gc_late_has(struct weft_store *s, const uint8_t id[ID])
{
	return s->gc_late != NULL && weft__idset_has(s->gc_late, id);
}

int
weft_store_chunk_has(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES])
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_chunk_has(s, txn, id);
	weft__store_read_end(s, txn);
	return err;
}

int
weft__store_copy(struct weft_store *s, int db, const uint8_t id[ID],
    struct weft_buf *out)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[db], id, ID, &v);
	if (err == 0)
		err = weft_buf_add(out, v.mv_data, v.mv_size);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_chunk_get(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    struct weft_buf *out)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_chunk_read(s, txn, id, out);
	weft__store_read_end(s, txn);
	return err;
}

/* ------------------------------------------------------------------ */
/* Records */

int
weft_store_record_get(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    struct weft_buf *out)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_rec_get(s, txn, id, &v);
	if (err == 0)
		err = weft_buf_add(out, v.mv_data, v.mv_size);
	weft__store_read_end(s, txn);
	return err;
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

/* The one key of dbi that starts with the n hex digits in lo. */
static int
resolve_in(MDB_txn *txn, MDB_dbi dbi, const uint8_t lo[ID], size_t n,
    uint8_t id[ID])
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 err = 0, rc;

	rc = mdb_cursor_open(txn, dbi, &c);
	if (rc)
		return weft__store_xlat(rc);
	k.mv_size = ID;
	k.mv_data = (void *)lo;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc) {
		err = weft__store_xlat(rc);
	} else if (!prefix_match(&k, lo, n)) {
		err = WEFT_ENOTFOUND;
	} else {
		memcpy(id, k.mv_data, ID);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		if (rc == 0 && prefix_match(&k, lo, n))
			err = WEFT_EAMBIGUOUS;
		else if (rc != 0 && rc != MDB_NOTFOUND)
			err = weft__store_xlat(rc);
	}
	mdb_cursor_close(c);
	return err;
}

int
weft_store_resolve(struct weft_store *s, const char *prefix,
    uint8_t id[WEFT_ID_BYTES])
{
	MDB_txn		*txn;
	uint8_t		 lo[ID];
	size_t		 n;
	int		 err, x;

	n = strnlen(prefix, 2 * ID + 1);
	if (n < 8 || n > 2 * ID)
		return WEFT_EUSAGE;
	memset(lo, 0, sizeof(lo));
	for (size_t i = 0; i < n; i++) {
		x = weft_hex_digit(prefix[i]);
		if (x < 0)
			return WEFT_EUSAGE;
		lo[i / 2] |= (uint8_t)(i % 2 ? x : x << 4);
	}
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = resolve_in(txn, s->dbi[DB_INFO], lo, n, id);
	/* A record taken back is still named by its tombstone. */
	if (err == WEFT_ENOTFOUND)
		err = resolve_in(txn, s->dbi[DB_TOMBS], lo, n, id);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_record_type(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    enum weft_record_type *type)
{
	struct recinfo	 ri;
	MDB_txn		*txn;
	int		 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_info_get(s, txn, id, &ri);
	weft__store_read_end(s, txn);
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

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = weft__store_info_get(s, txn, rev, &ri);
	weft__store_read_end(s, txn);
	if (err)
		return err;
	if (ri.type != WEFT_REC_REV)
		return WEFT_EUSAGE;
	memcpy(design, ri.design, ID);
	return 0;
}

/* A design's counts from its scount value (24 or 32 bytes). */
static int
counts_parse(const MDB_val *v, uint64_t n[WEFT_COUNT_KINDS])
{
	if (v->mv_size != SCOUNT_LEN && v->mv_size != SCOUNT_OLD)
		return WEFT_ECORRUPT;
	for (size_t i = 0; i < WEFT_COUNT_KINDS; i++)
		n[i] = 8 * (i + 1) <= v->mv_size ?
		    be64dec((const uint8_t *)v->mv_data + 8 * i) : 0;
	return 0;
}

int
weft__store_counts_get(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], uint64_t n[WEFT_COUNT_KINDS])
{
	MDB_val	v;
	int	err;

	memset(n, 0, WEFT_COUNT_KINDS * sizeof(n[0]));
	err = db_get(txn, s->dbi[DB_SCOUNT], design, ID, &v);
	if (err == WEFT_ENOTFOUND)
		return 0;
	return err ? err : counts_parse(&v, n);
}

int
weft__store_profile_name(struct weft_store *s, MDB_txn *txn,
    const uint8_t author[ID], char *name, size_t size)
{
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen, n;
	MDB_val			 v, env;
	int			 err;

	name[0] = '\0';
	err = db_get(txn, s->dbi[DB_PROFILES], author, ID, &v);
	if (err)
		return err;
	if (v.mv_size != LATEST_LEN)
		return WEFT_ECORRUPT;
	err = weft__store_rec_get(s, txn, (const uint8_t *)v.mv_data + 8,
	    &env);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	weft_record_init(&r);
	err = weft_record_open(env.mv_data, env.mv_size, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, &r);
	if (err == 0 && r.type == WEFT_REC_PROFILE && r.name != NULL) {
		n = strlen(r.name);
		if (n >= size)
			n = size - 1;
		/* Cut on a character boundary. */
		while (n > 0 && ((unsigned char)r.name[n] & 0xc0) == 0x80)
			n--;
		memcpy(name, r.name, n);
		name[n] = '\0';
	}
	weft_record_release(&r);
	return err ? WEFT_ECORRUPT : 0;
}

/* ------------------------------------------------------------------ */
/* Last use */

int
weft__store_use_touch(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], const uint8_t *index)
{
	static const uint8_t	 zero[ID];
	uint8_t			 k[1 + ID], v[8];
	MDB_val			 old;
	uint64_t		 now, then;
	int			 err;

	if (memcmp(design, zero, ID) == 0)
		return 0;
	if (index != NULL) {
		k[0] = USE_INDEX;
		memcpy(k + 1, index, ID);
		err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &old);
		if (err == WEFT_ENOTFOUND)
			err = db_put(txn, s->dbi[DB_LASTUSE], k, sizeof(k),
			    design, ID);
		if (err)
			return err;
	}
	now = weft__store_now_ms(s);
	k[0] = USE_DESIGN;
	memcpy(k + 1, design, ID);
	err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &old);
	if (err == 0 && old.mv_size == sizeof(v)) {
		then = be64dec(old.mv_data);
		/* A clock set back rewrites it. */
		if (then <= now && now - then < s->use_step_ms)
			return 0;
	} else if (err && err != WEFT_ENOTFOUND) {
		return err;
	}
	be64enc(v, now);
	return db_put(txn, s->dbi[DB_LASTUSE], k, sizeof(k), v, sizeof(v));
}

void
weft__store_use_queue(struct weft_store *s, const uint8_t design[ID],
    uint64_t ms)
{
	size_t	i;

	pthread_mutex_lock(&s->use_mu);
	for (i = 0; i < s->use_n; i++)
		if (memcmp(s->use_q[i].design, design, ID) == 0)
			break;
	if (i == s->use_n && s->use_q == NULL)
		s->use_q = malloc(USE_QUEUE_MAX * sizeof(*s->use_q));
	if (i < s->use_n) {
		if (ms > s->use_q[i].ms)
			s->use_q[i].ms = ms;
	} else if (s->use_q != NULL && s->use_n < USE_QUEUE_MAX) {
		memcpy(s->use_q[s->use_n].design, design, ID);
		s->use_q[s->use_n++].ms = ms;
	}
	pthread_mutex_unlock(&s->use_mu);
}

int
weft__store_use_queued(struct weft_store *s, const uint8_t design[ID],
    uint64_t *ms)
{
	int	err = WEFT_ENOTFOUND;

	pthread_mutex_lock(&s->use_mu);
	for (size_t i = 0; i < s->use_n; i++) {
		if (memcmp(s->use_q[i].design, design, ID) == 0) {
			*ms = s->use_q[i].ms;
			err = 0;
			break;
		}
	}
	pthread_mutex_unlock(&s->use_mu);
	return err;
}

size_t
weft__store_use_take(struct weft_store *s, struct weft__use *out, size_t max)
{
	size_t	n;

	pthread_mutex_lock(&s->use_mu);
	n = s->use_n < max ? s->use_n : max;
	if (n > 0)
		memcpy(out, s->use_q + s->use_n - n, n * sizeof(*out));
	s->use_n -= n;
	pthread_mutex_unlock(&s->use_mu);
	return n;
}

int
weft__store_use_put(struct weft_store *s, MDB_txn *txn,
    const struct weft__use *u)
{
	uint8_t	k[1 + ID], v[8];
	MDB_val	old;
	int	err;

	k[0] = USE_DESIGN;
	memcpy(k + 1, u->design, ID);
	err = db_get(txn, s->dbi[DB_LASTUSE], k, sizeof(k), &old);
	if (err == 0 && old.mv_size == sizeof(v) &&
	    be64dec(old.mv_data) >= u->ms)
		return 0;
	if (err && err != WEFT_ENOTFOUND)
		return err;
	be64enc(v, u->ms);
	return db_put(txn, s->dbi[DB_LASTUSE], k, sizeof(k), v, sizeof(v));
}
