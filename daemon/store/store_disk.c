/*
 * The store and its disk: free space on the filesystem that holds it,
 * and undoing the chunks of a publish that failed (store.h, "Disk").
 *
 * A publish commits its chunks in batches before its revision, so one
 * that fails (disk full, client gone) would leave chunks no record
 * references. weft_store_chunks_put_new() tells the publish which chunks
 * it added that nothing else wanted, and stamps every chunk of it with a
 * pending mark (store_impl.h) carrying the publish's token: a mark that
 * keeps gc off until the revision is in, and that any other writer or
 * reference (another publish that met the chunk, a wanted file that
 * lists it) turns shared. weft_store_chunks_drop() deletes, in one
 * transaction, the chunks whose mark still bears the token: nothing else
 * can have come to rely on them. Whatever stays (a crash, a shared
 * chunk) is an orphan gc collects once its mark is older than its grace.
 * Until the publish ends, every chunk it put is held (store_hold.c): no
 * purge or gc deletes it, even one another design shared and lost.
 *
 * A stored chunk a wanted file lacked goes to the files module, so this
 * file sits above the index modules, beside ingest (docs/DESIGN.md).
 */
#include <sys/statvfs.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/chunk.h"
#include "weft/err.h"

#include "store_impl.h"
#include "store_mods.h"

int
weft_store_disk_free(struct weft_store *s, uint64_t *avail, uint64_t *total)
{
	struct statvfs	 vfs;
	const char	*path;
	int		 rc;

	rc = mdb_env_get_path(s->env, &path);
	if (rc)
		return weft__store_xlat(rc);
	if (statvfs(path, &vfs) != 0)
		return -errno;
	*avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (total != NULL)
		*total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	return 0;
}

int
weft_store_path(struct weft_store *s, const char **path)
{
	return weft__store_xlat(mdb_env_get_path(s->env, path));
}

struct put_new_ctx {
	const struct weft_chunk_put	*c;
	size_t				 n;
	uint8_t				*fresh;
	uint64_t			 token;
};

/* Whether a wanted file lacks id (as an index or as a chunk). */
static int
is_absent(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID])
{
	uint8_t	k[1 + ID];
	int	err;

	for (uint8_t kind = 0; kind < 2; kind++) {
		k[0] = kind;
		memcpy(k + 1, id, ID);
		err = db_has(txn, s->dbi[DB_ABSENT], k, sizeof(k));
		if (err != WEFT_ENOTFOUND)
			return err;	/* 0: absent (wanted); or an error */
	}
	return WEFT_ENOTFOUND;
}

static int
put_new_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct put_new_ctx	*pc = arg;
	int			 err;

	for (size_t i = 0; i < pc->n; i++) {
		pc->fresh[i] = 0;
		/* Held, added or met, until the publish ends (store.h). */
		err = weft__store_hold_add(s, pc->token, pc->c[i].id);
		if (err)
			return err;
		err = weft__store_chunk_has(s, txn, pc->c[i].id);
		if (err == 0) {
			/* Present: ours too now, so shared (or kept). */
			err = weft__store_chunk_pend(s, txn, pc->c[i].id, 0);
			if (err)
				return err;
			continue;
		}
		if (err != WEFT_ENOTFOUND)
			return err;
		err = is_absent(s, txn, pc->c[i].id);
		if (err == WEFT_ENOTFOUND)
			pc->fresh[i] = 1;
		else if (err)
			return err;
		err = weft__store_chunk_add(s, txn, pc->c[i].id,
		    pc->c[i].data, pc->c[i].len);
		if (err == 0)
			err = weft__store_chunk_pend(s, txn, pc->c[i].id,
			    pc->fresh[i] ? pc->token : 0);
		if (err)
			return err;
		if (!pc->fresh[i]) {
			err = weft__store_chunk_arrived(s, txn, pc->c[i].id,
			    pc->c[i].data, pc->c[i].len);
			if (err)
				return err;
		}
	}
	return 0;
}

int
weft_store_chunks_put_new(struct weft_store *s,
    const struct weft_chunk_put *c, size_t n, uint64_t token,
    uint8_t *fresh, uint64_t gen[2])
{
	struct put_new_ctx	pc = { c, n, fresh, token };
	int			err;

	gen[0] = gen[1] = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		fresh[i] = 0;
		if (c[i].len > WEFT_INDEX_MAX)
			return WEFT_ETOOBIG;
	}
	if (n == 0)
		return 0;
	err = weft__store_write(s, put_new_txn, &pc);
	weft__store_gen_last(&gen[0], &gen[1]);
	if (err)
		memset(fresh, 0, n);
	return err;
}

struct drop_ctx {
	const uint8_t	(*ids)[ID];
	size_t		  n;
	uint64_t	  token;
	size_t		  dropped;
	uint64_t	  bytes;
};

static int
drop_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct drop_ctx	*dc = arg;
	uint64_t	 ts, token, len;
	int		 err;

	dc->dropped = 0;
	dc->bytes = 0;
	for (size_t i = 0; i < dc->n; i++) {
		/* Only what this publish alone still holds. */
		err = weft__store_chunk_pending(s, txn, dc->ids[i], &ts,
		    &token);
		if (err == WEFT_ENOTFOUND || (err == 0 && token != dc->token))
			continue;
		if (err)
			return err;
		err = weft__store_chunk_size(s, txn, dc->ids[i], &len);
		if (err == 0) {
			/* Uncounts its bytes too. */
			err = weft__store_chunk_del(s, txn, dc->ids[i]);
			if (err == 0) {
				dc->bytes += len;
				dc->dropped++;
			}
		}
		if (err && err != WEFT_ENOTFOUND)
			return err;
		err = weft__store_chunk_unpend(s, txn, dc->ids[i]);
		if (err)
			return err;
	}
	return 0;
}

int
weft_store_chunks_drop(struct weft_store *s, const uint8_t (*ids)[ID],
    size_t n, uint64_t token, size_t *dropped, uint64_t *bytes)
{
	struct drop_ctx	dc = { ids, n, token, 0, 0 };
	int		err;

	*dropped = 0;
	*bytes = 0;
	if (n == 0 || token == 0)
		return 0;
	err = weft__store_write(s, drop_txn, &dc);
	if (err == 0) {
		*dropped = dc.dropped;
		*bytes = dc.bytes;
		/*
		 * Dead bytes in the packs: compact the worst. A failure
		 * leaves them for the next drop; the drop itself is done.
		 */
		(void)weft_store_compact(s, NULL);
	}
	return err;
}

void
weft_store_write_gen(uint64_t gen[2])
{
	weft__store_gen_last(&gen[0], &gen[1]);
}
