/*
 * Chunk bytes in pack files, part of the store's kernel (store.c is the
 * rest): the chunks table (DB_CHUNKS) is their index, chunk id to pack,
 * offset and length, and the packs table (DB_PACKS) holds each pack's
 * committed size and live bytes. docs/proto/store.md, "Pack files", gives
 * the byte layout.
 *
 * Why: LMDB keeps large values in runs of overflow pages, and once many
 * are freed and rewritten its freelist fragments and its file never
 * shrinks (issue 11 part 6). A pack is only ever appended to; a pack with
 * much dead space is compacted (its live chunks appended to the newest
 * pack, then the file deleted), so the files track the live data.
 *
 * Crash guarantees, as before: a chunk is acknowledged only when its bytes
 * and its index entry are both durable. The bytes are written into the
 * newest pack inside the write transaction that indexes them, and
 * weft__store_write() calls weft__store_packs_sync() (fdatasync) before
 * it commits; a new pack's file and directory entry are synced when it is
 * created. Bytes past a pack's committed size (a write that was aborted or
 * cut by a crash) belong to nothing: the next write overwrites them, and
 * weft__store_packs_open() truncates them. A pack file with no row (its
 * creating write never committed, or a compaction deleted its row and was
 * cut before the unlink) is deleted at open.
 *
 * Direct writes (issue 17.3): where the file system takes O_DIRECT, a
 * transaction's appends are staged in an aligned buffer (STAGE_CAP) and
 * written from it with O_DIRECT when it fills and before the commit's
 * fdatasync, so the chunk bytes go from our memory to the disk without a
 * copy into the page cache and its writeback. A direct write covers
 * whole blocks, [floor(start, DIO_ALIGN), ceil(end, DIO_ALIGN)): the
 * first block's bytes before the start (committed, or flushed earlier in
 * the transaction) are kept in the buffer and written again unchanged,
 * the last block is padded with zeros. The padding lies past the pack's
 * committed size, so it is bytes that belong to nothing, as above. Where
 * O_DIRECT is refused (at fcntl or at the first write: EINVAL), packs
 * are written as before, buffered, one pwritev per entry.
 *
 * Threads: the writer's state (p->w*) is touched only inside write
 * transactions, which LMDB runs one at a time. Readers find a pack's file
 * descriptor in a small cache under p->mu, or open it for one read; a
 * cached descriptor is closed only under the store's exclusive lock
 * (weft__store_excl), when no transaction is running, so a reader that
 * found a location in its snapshot can always read it.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"

#include "store_impl.h"

/* Disk space chunk writes leave free (for the writes that free space). */
#define PACK_RESERVE	(2u * 1024 * 1024)
#define PACK_MAGIC	"weftpack"
#define PACK_VERSION	1
#define PACK_HDR	16			/* magic, version, number */
#define ENTRY_HDR	(ID + 4)		/* id, be32 length */
#define LOC_LEN		16		/* be32 pack, be64 off, be32 len */
#define ROW_LEN		16			/* be64 size, be64 live */
/* A pack is closed for appends once it reaches this size. */
#define PACK_TARGET	((uint64_t)64 << 20)
/* Compact a pack when at least 1/PACK_DEAD_DIV of it is dead. */
#define PACK_DEAD_DIV	4
#define PACK_FDS	32			/* cached read descriptors */
#define PACK_NAME	"pack-%010" PRIu32
#define PACK_NAME_LEN	15
/* Compaction reads a pack in pieces of this size (more for a big entry). */
#define COMPACT_BUF	((size_t)4 << 20)
/* Direct writes: their alignment, and the staging buffer's size. */
#define DIO_ALIGN	((uint64_t)4096)
#define STAGE_CAP	((size_t)8 << 20)

/* The packs whose write transaction this thread is in (holds wmu). */
static _Thread_local struct weft__packs	*tl_writer;

struct pack_fd {
	uint32_t	no;
	int		fd;
};

struct weft__packs {
	int		 dirfd;
	pthread_mutex_t	 mu;		/* guards cache, ncache */
	struct pack_fd	 cache[PACK_FDS];
	size_t		 ncache;
	pthread_mutex_t	 compacting;	/* one compaction at a time */
	uint64_t	 target;	/* PACK_TARGET unless a test says */
	/*
	 * The writer's: only between weft__store_packs_begin() and _end(),
	 * under wmu. LMDB lets the next writer in at the commit, before
	 * the last one's _end(): without wmu, an abort's truncation could
	 * cut off what the next transaction had just appended.
	 */
	pthread_mutex_t	 wmu;
	uint32_t	 wno;		/* newest pack, 0 for none */
	int		 wfd;		/* it, read-write; -1 for none */
	uint64_t	 wtail;		/* where the next entry goes */
	uint64_t	 wsynced;	/* bytes of wfd known durable */
	uint64_t	 wcommit;	/* its size as last committed */
	/*
	 * Direct writes. wdirect: wfd has O_DIRECT. wflushed: bytes of
	 * wfd written to the file; [wflushed, wtail) are staged only.
	 * stage[0..wtail - sbase) holds the pack's bytes from sbase (a
	 * multiple of DIO_ALIGN) when sload, else it is loaded first.
	 */
	bool		 buffered;	/* a test said: no O_DIRECT */
	bool		 dio_off;	/* O_DIRECT refused: never again */
	int		 dio_err;	/* why (weft_store_pack_direct) */
	bool		 wdirect;
	bool		 sload;
	uint64_t	 wflushed;
	uint64_t	 sbase;
	uint8_t		*stage;		/* DIO_ALIGN-aligned, STAGE_CAP */
};

static void
be32enc(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
be32dec(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

struct loc {
	uint32_t	no;
	uint64_t	off;	/* of the entry's header */
	uint32_t	len;	/* of the chunk's bytes */
};

static int
loc_dec(const MDB_val *v, struct loc *l)
{
	const uint8_t	*p = v->mv_data;

	if (v->mv_size != LOC_LEN)
		return WEFT_ECORRUPT;
	l->no = be32dec(p);
	l->off = be64dec(p + 4);
	l->len = be32dec(p + 12);
	if (l->no == 0 || l->off < PACK_HDR || l->len > WEFT_INDEX_MAX)
		return WEFT_ECORRUPT;
	return 0;
}

struct row {
	uint64_t	size;
	uint64_t	live;
};

static int
row_get(struct weft_store *s, MDB_txn *txn, uint32_t no, struct row *r)
{
	uint8_t	 k[4];
	MDB_val	 v;
	int	 err;

	be32enc(k, no);
	err = db_get(txn, s->dbi[DB_PACKS], k, 4, &v);
	if (err)
		return err;
	if (v.mv_size != ROW_LEN)
		return WEFT_ECORRUPT;
	r->size = be64dec(v.mv_data);
	r->live = be64dec((const uint8_t *)v.mv_data + 8);
	return 0;
}

static int
row_put(struct weft_store *s, MDB_txn *txn, uint32_t no, const struct row *r)
{
	uint8_t	k[4], v[ROW_LEN];

	be32enc(k, no);
	be64enc(v, r->size);
	be64enc(v + 8, r->live);
	return db_put(txn, s->dbi[DB_PACKS], k, 4, v, ROW_LEN);
}

static void
pack_name(char name[PACK_NAME_LEN + 1], uint32_t no)
{
	snprintf(name, PACK_NAME_LEN + 1, PACK_NAME, no);
}

/* The pack number of a file name "pack-NNNNNNNNNN", or 0. */
static uint32_t
pack_parse(const char *name)
{
	uint64_t	no = 0;

	if (strlen(name) != PACK_NAME_LEN || strncmp(name, "pack-", 5) != 0)
		return 0;
	for (const char *c = name + 5; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return 0;
		no = no * 10 + (uint64_t)(*c - '0');
	}
	return no > UINT32_MAX ? 0 : (uint32_t)no;
}

static int
full_pwritev(int fd, struct iovec *iov, int n, uint64_t off)
{
	ssize_t	w;

	while (n > 0) {
		w = pwritev(fd, iov, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		off += (uint64_t)w;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Reads exactly n bytes or fails: a short file is WEFT_ECORRUPT. */
static int
full_preadv(int fd, struct iovec *iov, int n, uint64_t off)
{
	ssize_t	r;

	while (n > 0) {
		r = preadv(fd, iov, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return WEFT_ECORRUPT;
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

static int
pack_open(struct weft__packs *p, uint32_t no, int flags)
{
	char	name[PACK_NAME_LEN + 1];
	int	fd;

	pack_name(name, no);
	fd = openat(p->dirfd, name, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == ENOENT ? WEFT_ECORRUPT : -errno;
	return fd;
}

/*
 * A descriptor to read pack no: a cached one (*own false) or one the
 * caller closes (*own true). Called inside a transaction.
 */
static int
pack_rfd(struct weft__packs *p, uint32_t no, bool *own)
{
	int	fd;

	*own = false;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->ncache; i++) {
		if (p->cache[i].no == no) {
			fd = p->cache[i].fd;
			pthread_mutex_unlock(&p->mu);
			return fd;
		}
	}
	fd = pack_open(p, no, O_RDONLY);
	if (fd >= 0) {
		if (p->ncache < PACK_FDS) {
			p->cache[p->ncache].no = no;
			p->cache[p->ncache++].fd = fd;
		} else {
			*own = true;
		}
	}
	pthread_mutex_unlock(&p->mu);
	return fd;
}

/* Forgets (and closes) pack no's cached descriptor: no txn may run. */
static void
pack_uncache(struct weft__packs *p, uint32_t no)
{
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->ncache; i++) {
		if (p->cache[i].no == no) {
			close(p->cache[i].fd);
			p->cache[i] = p->cache[--p->ncache];
			break;
		}
	}
	pthread_mutex_unlock(&p->mu);
}

static void
packs_reset(struct weft__packs *p)
{
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->ncache; i++)
		close(p->cache[i].fd);
	p->ncache = 0;
	pthread_mutex_unlock(&p->mu);
	if (p->wfd >= 0)
		close(p->wfd);
	p->wfd = -1;
	p->wno = 0;
	p->wtail = p->wsynced = p->wcommit = p->wflushed = 0;
	p->wdirect = p->sload = false;
}

int
weft__store_packs_init(struct weft_store *s, const char *dir)
{
	struct weft__packs	*p;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->wfd = -1;
	p->target = PACK_TARGET;
	p->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dirfd < 0) {
		free(p);
		return -errno;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->compacting, NULL);
	pthread_mutex_init(&p->wmu, NULL);
	s->packs = p;
	return 0;
}

void
weft__store_packs_target(struct weft_store *s, uint64_t target)
{
	if (target != 0)
		s->packs->target = target;
}

void
weft__store_packs_buffered(struct weft_store *s, bool buffered)
{
	s->packs->buffered = buffered;
	if (buffered) {
		s->packs->dio_off = true;
		s->packs->dio_err = 0;
	}
}

int
weft_store_pack_direct(struct weft_store *s)
{
	struct weft__packs	*p = s->packs;
	int			 rc;

	pthread_mutex_lock(&p->wmu);
	if (p->dio_off)
		rc = p->dio_err != 0 ? p->dio_err : WEFT_EUSAGE;
	else
		rc = p->wdirect ? 1 : 0;
	pthread_mutex_unlock(&p->wmu);
	return rc;
}

/*
 * Turns O_DIRECT on for the writer's descriptor, unless it was refused
 * before: then (or if the file system refuses it now) packs are written
 * buffered, for the rest of the store's life.
 */
static void
dio_start(struct weft__packs *p)
{
	int	fl;

	p->wdirect = false;
	p->sload = false;
	if (p->dio_off || p->wfd < 0)
		return;
	fl = fcntl(p->wfd, F_GETFL);
	if (fl < 0 || fcntl(p->wfd, F_SETFL, fl | O_DIRECT) != 0) {
		p->dio_off = true;
		p->dio_err = -errno;
		return;
	}
	p->wdirect = true;
}

/* O_DIRECT refused at a write (err): back to buffered writes. */
static int
dio_stop(struct weft__packs *p, int err)
{
	int	fl;

	p->dio_off = true;
	p->dio_err = err;
	p->wdirect = false;
	fl = fcntl(p->wfd, F_GETFL);
	if (fl < 0 || fcntl(p->wfd, F_SETFL, fl & ~O_DIRECT) != 0)
		return -errno;
	return 0;
}

void
weft__store_packs_free(struct weft_store *s)
{
	struct weft__packs	*p = s->packs;

	if (p == NULL)
		return;
	packs_reset(p);
	free(p->stage);
	close(p->dirfd);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->compacting);
	pthread_mutex_destroy(&p->wmu);
	free(p);
	s->packs = NULL;
}

/* Whether no is in the sorted list nos[0..n). */
static bool
has_no(const uint32_t *nos, size_t n, uint32_t no)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (nos[mid] == no)
			return true;
		if (nos[mid] < no)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Deletes every pack file of the directory that has no row. */
static int
orphans_delete(struct weft__packs *p, const uint32_t *nos, size_t n)
{
	struct dirent	*e;
	uint32_t	 no;
	DIR		*d;
	int		 fd, err = 0;

	fd = dup(p->dirfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		no = pack_parse(e->d_name);
		if (no == 0 || has_no(nos, n, no))
			continue;
		if (unlinkat(p->dirfd, e->d_name, 0) != 0 && errno != ENOENT) {
			err = -errno;
			break;
		}
	}
	closedir(d);
	return err;
}

int
weft__store_packs_open(struct weft_store *s, MDB_txn *txn)
{
	struct weft__packs	*p = s->packs;
	struct row		 r;
	struct stat		 st;
	MDB_cursor		*c;
	MDB_val			 k, v;
	uint32_t		*nos = NULL, no, *tmp;
	size_t			 n = 0, cap = 0;
	char			 name[PACK_NAME_LEN + 1];
	int			 rc, err = 0, fd;

	packs_reset(p);
	rc = mdb_cursor_open(txn, s->dbi[DB_PACKS], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 4 || v.mv_size != ROW_LEN) {
			err = WEFT_ECORRUPT;
			break;
		}
		no = be32dec(k.mv_data);
		r.size = be64dec(v.mv_data);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(nos, cap * sizeof(*nos));
			if (tmp == NULL) {
				err = -ENOMEM;
				break;
			}
			nos = tmp;
		}
		nos[n++] = no;	/* keys are big-endian: ascending */
		/* Bytes past the committed size belong to nothing. */
		pack_name(name, no);
		if (fstatat(p->dirfd, name, &st, 0) == 0 &&
		    (uint64_t)st.st_size > r.size) {
			fd = openat(p->dirfd, name, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || ftruncate(fd, (off_t)r.size) != 0)
				err = -errno;
			if (fd >= 0)
				close(fd);
			if (err)
				break;
		}
		p->wno = no;
		p->wtail = p->wsynced = p->wcommit = p->wflushed = r.size;
	}
	mdb_cursor_close(c);
	if (err == 0 && rc != MDB_NOTFOUND)
		err = weft__store_xlat(rc);
	if (err == 0)
		err = orphans_delete(p, nos, n);
	free(nos);
	if (err == 0 && p->wno != 0) {
		fd = pack_open(p, p->wno, O_RDWR);
		if (fd < 0)
			err = fd;
		else
			p->wfd = fd;
	}
	if (err)
		packs_reset(p);
	else
		dio_start(p);
	return err;
}

/* Writes stage[0..n) at off (all aligned) with O_DIRECT, whole. */
static int
dio_write(struct weft__packs *p, size_t n, uint64_t off)
{
	size_t	at = 0;
	ssize_t	w;

	while (at < n) {
		w = pwrite(p->wfd, p->stage + at, n - at, (off_t)(off + at));
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* A short direct write ends on a block, or we cannot go on. */
		if (w == 0 || (uint64_t)w % DIO_ALIGN != 0)
			return -EIO;
		at += (size_t)w;
	}
	return 0;
}

/*
 * Writes the staged bytes [wflushed, wtail) to the file: with O_DIRECT,
 * from the block holding wflushed to the end of the block holding wtail
 * (zeros past wtail); then keeps only the last partial block staged.
 * Where the first direct write is refused (EINVAL), writes them buffered
 * and stops direct writes.
 */
static int
stage_flush(struct weft__packs *p)
{
	struct iovec	iov;
	uint64_t	len = p->wtail - p->sbase, keep;
	size_t		n;
	int		err;

	if (p->wtail <= p->wflushed)
		return 0;
	n = (size_t)((len + DIO_ALIGN - 1) / DIO_ALIGN * DIO_ALIGN);
	memset(p->stage + len, 0, n - (size_t)len);
	err = dio_write(p, n, p->sbase);
	if (err == -EINVAL) {
		err = dio_stop(p, err);
		if (err)
			return err;
		iov.iov_base = p->stage + (p->wflushed - p->sbase);
		iov.iov_len = (size_t)(p->wtail - p->wflushed);
		err = full_pwritev(p->wfd, &iov, 1, p->wflushed);
		if (err == 0)
			p->wflushed = p->wtail;
		return err;
	}
	if (err)
		return err;
	keep = len / DIO_ALIGN * DIO_ALIGN;
	memmove(p->stage, p->stage + keep, (size_t)(len - keep));
	p->sbase += keep;
	p->wflushed = p->wtail;
	return 0;
}

/*
 * Makes the stage hold the pack's bytes from the block holding wtail:
 * read back once (after an open, a new pack or an abort).
 */
static int
stage_load(struct weft__packs *p)
{
	uint64_t	base;
	ssize_t		r;

	if (p->stage == NULL &&
	    posix_memalign((void **)&p->stage, DIO_ALIGN, STAGE_CAP) != 0) {
		p->stage = NULL;
		return -ENOMEM;
	}
	if (p->sload)
		return 0;
	base = p->wtail / DIO_ALIGN * DIO_ALIGN;
	while (base < p->wtail) {
		/* One aligned block: a direct read may end at the EOF. */
		r = pread(p->wfd, p->stage, DIO_ALIGN, (off_t)base);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if ((uint64_t)r < p->wtail - base)
			return WEFT_ECORRUPT;
		break;
	}
	p->sbase = base;
	p->wflushed = p->wtail;
	p->sload = true;
	return 0;
}

/*
 * Appends len bytes to the stage, writing it out whenever it is full;
 * once direct writes are refused, the rest goes buffered.
 */
static int
stage_add(struct weft__packs *p, const uint8_t *data, size_t len)
{
	struct iovec	iov;
	size_t		used, k;
	int		err;

	while (len > 0) {
		if (!p->wdirect) {
			iov.iov_base = (void *)data;
			iov.iov_len = len;
			err = full_pwritev(p->wfd, &iov, 1, p->wtail);
			if (err == 0)
				p->wtail = p->wflushed = p->wtail + len;
			return err;
		}
		used = (size_t)(p->wtail - p->sbase);
		if (used == STAGE_CAP) {
			err = stage_flush(p);
			if (err)
				return err;
			continue;
		}
		k = STAGE_CAP - used < len ? STAGE_CAP - used : len;
		memcpy(p->stage + used, data, k);
		p->wtail += k;
		data += k;
		len -= k;
	}
	return 0;
}

/* Appends iov[0..n) at wtail: staged for a direct write, or buffered. */
static int
pack_append(struct weft__packs *p, struct iovec *iov, int n)
{
	uint64_t	total = 0;
	int		err;

	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (!p->wdirect) {
		err = full_pwritev(p->wfd, iov, n, p->wtail);
		if (err == 0)
			p->wtail = p->wflushed = p->wtail + total;
		return err;
	}
	err = stage_load(p);
	for (int i = 0; i < n && err == 0; i++)
		err = stage_add(p, iov[i].iov_base, iov[i].iov_len);
	return err;
}

/* Starts pack wno + 1: created, its header and directory entry synced. */
static int
pack_roll(struct weft__packs *p)
{
	uint8_t		hdr[PACK_HDR];
	struct iovec	iov = { hdr, PACK_HDR };
	uint32_t	no = p->wno + 1;
	char		name[PACK_NAME_LEN + 1];
	int		fd, err;

	if (no == 0)
		return WEFT_ESTOREFULL;
	/* The finished pack's bytes are durable before the commit too. */
	if (p->wdirect) {
		err = stage_flush(p);
		if (err)
			return err;
	}
	if (p->wfd >= 0 && p->wtail > p->wsynced) {
		if (fdatasync(p->wfd) != 0)
			return -errno;
		p->wsynced = p->wtail;
	}
	pack_name(name, no);
	fd = openat(p->dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -errno;
	memcpy(hdr, PACK_MAGIC, 8);
	be32enc(hdr + 8, PACK_VERSION);
	be32enc(hdr + 12, no);
	err = full_pwritev(fd, &iov, 1, 0);
	if (err == 0 && (fdatasync(fd) != 0 || fsync(p->dirfd) != 0))
		err = -errno;
	if (err) {
		close(fd);
		unlinkat(p->dirfd, name, 0);
		return err;
	}
	if (p->wfd >= 0)
		close(p->wfd);
	p->wfd = fd;
	p->wno = no;
	p->wtail = p->wsynced = p->wcommit = p->wflushed = PACK_HDR;
	dio_start(p);
	return 0;
}

/*
 * Appends one entry to the newest pack and indexes it under id (which
 * the caller knows absent, or moves): the bytes are synced before the
 * transaction commits (weft__store_packs_sync).
 */
int
weft__store_chunk_write(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], const uint8_t *data, size_t len)
{
	struct weft__packs	*p = s->packs;
	struct iovec		 iov[2];
	struct row		 r;
	struct statvfs		 vfs;
	uint8_t			 hdr[ENTRY_HDR], loc[LOC_LEN];
	uint64_t		 at;
	int			 err;

	if (len > WEFT_INDEX_MAX)
		return WEFT_ETOOBIG;
	/*
	 * Leave the disk PACK_RESERVE free: a full disk must still take
	 * the small LMDB write that drops what a failed publish stored.
	 */
	if (p->wfd >= 0 && fstatvfs(p->wfd, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < PACK_RESERVE + len)
		return -ENOSPC;
	if (p->wno == 0 || (p->wtail + ENTRY_HDR + len > p->target &&
	    p->wtail > PACK_HDR)) {
		err = pack_roll(p);
		if (err)
			return err;
	}
	memcpy(hdr, id, ID);
	be32enc(hdr + ID, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = ENTRY_HDR;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	at = p->wtail;
	err = pack_append(p, iov, len ? 2 : 1);
	if (err)
		return err;
	be32enc(loc, p->wno);
	be64enc(loc + 4, at);
	be32enc(loc + 12, (uint32_t)len);
	err = db_put(txn, s->dbi[DB_CHUNKS], id, ID, loc, LOC_LEN);
	if (err)
		return err;
	err = row_get(s, txn, p->wno, &r);
	if (err == WEFT_ENOTFOUND) {
		r.size = PACK_HDR;
		r.live = 0;
	} else if (err) {
		return err;
	}
	r.size = p->wtail;
	r.live += ENTRY_HDR + len;
	return row_put(s, txn, p->wno, &r);
}

void
weft__store_packs_begin(struct weft_store *s)
{
	if (s->packs == NULL)
		return;
	pthread_mutex_lock(&s->packs->wmu);
	tl_writer = s->packs;
}

/*
 * An aborted transaction's appends: the staged ones are dropped, those
 * written to the file are cut off again (the space back, for a full
 * disk). Where the cut fails they stay, as dead bytes before the next.
 */
static void
pack_unwind(struct weft__packs *p)
{
	p->sload = false;
	/* Also after a failed direct write, which may have grown the file. */
	if (ftruncate(p->wfd, (off_t)p->wcommit) != 0) {
		p->wtail = p->wflushed;
		return;
	}
	p->wtail = p->wflushed = p->wcommit;
	if (p->wsynced > p->wcommit)
		p->wsynced = p->wcommit;
}

void
weft__store_packs_end(struct weft_store *s, bool committed)
{
	struct weft__packs	*p = s->packs;

	if (p == NULL)
		return;
	if (p->wfd < 0) {
		/* no pack yet */
	} else if (committed) {
		p->wcommit = p->wtail;
	} else if (p->wtail > p->wcommit) {
		pack_unwind(p);
	}
	tl_writer = NULL;
	pthread_mutex_unlock(&p->wmu);
}

int
weft__store_packs_sync(struct weft_store *s)
{
	struct weft__packs	*p = s->packs;
	int			 err;

	if (p == NULL || p->wfd < 0 || p->wtail <= p->wsynced)
		return 0;
	if (p->wdirect) {
		err = stage_flush(p);
		if (err)
			return err;
	}
	if (fdatasync(p->wfd) != 0)
		return -errno;
	p->wsynced = p->wtail;
	return 0;
}

static int
loc_get(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct loc *l)
{
	MDB_val	v;
	int	err;

	err = db_get(txn, s->dbi[DB_CHUNKS], id, ID, &v);
	if (err)
		return err;
	return loc_dec(&v, l);
}

int
weft__store_chunk_val_len(const MDB_val *v, uint64_t *len)
{
	struct loc	l;
	int		err;

	err = loc_dec(v, &l);
	if (err == 0)
		*len = l.len;
	return err;
}

int
weft__store_chunk_size(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], uint64_t *len)
{
	struct loc	l;
	int		err;

	err = loc_get(s, txn, id, &l);
	if (err == 0)
		*len = l.len;
	return err;
}

int
weft__store_chunk_del(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID])
{
	struct loc	l;
	struct row	r;
	MDB_val		k = { ID, (void *)id };
	int		err;

	err = loc_get(s, txn, id, &l);
	if (err)
		return err == WEFT_ENOTFOUND ? 0 : err;
	err = weft__store_xlat(mdb_del(txn, s->dbi[DB_CHUNKS], &k, NULL));
	if (err)
		return err;
	err = row_get(s, txn, l.no, &r);
	if (err == 0) {
		r.live = r.live > ENTRY_HDR + l.len ?
		    r.live - ENTRY_HDR - l.len : 0;
		err = row_put(s, txn, l.no, &r);
	}
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
	return weft__store_chunk_bytes_add(s, txn, 0, l.len);
}

/* Dead bytes per pack, gathered by a batch delete (at most DEL_PACKS). */
#define DEL_PACKS	64

struct del_dead {
	uint32_t	no;
	uint64_t	dead;
};

/* Writes the packs' rows once for the dead bytes gathered in d[0..n). */
static int
del_rows(struct weft_store *s, MDB_txn *txn, const struct del_dead *d,
    size_t n)
{
	struct row	r;
	int		err;

	for (size_t i = 0; i < n; i++) {
		err = row_get(s, txn, d[i].no, &r);
		if (err)
			return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
		r.live = r.live > d[i].dead ? r.live - d[i].dead : 0;
		err = row_put(s, txn, d[i].no, &r);
		if (err)
			return err;
	}
	return 0;
}

int
weft__store_chunk_del_many(struct weft_store *s, MDB_txn *txn,
    const uint8_t (*ids)[ID], size_t n, bool *gone, uint64_t *bytes)
{
	struct del_dead	 d[DEL_PACKS];
	struct loc	 l;
	MDB_val		 k;
	uint64_t	 total = 0;
	size_t		 nd = 0, j;
	int		 err = 0;

	for (size_t i = 0; i < n && err == 0; i++) {
		if (gone != NULL)
			gone[i] = false;
		err = loc_get(s, txn, ids[i], &l);
		if (err == WEFT_ENOTFOUND) {
			err = 0;
			continue;
		}
		if (err)
			break;
		k.mv_size = ID;
		k.mv_data = (void *)ids[i];
		err = weft__store_xlat(mdb_del(txn, s->dbi[DB_CHUNKS], &k,
		    NULL));
		if (err)
			break;
		for (j = 0; j < nd && d[j].no != l.no; j++)
			;
		if (j == nd) {
			if (nd == DEL_PACKS) {
				err = del_rows(s, txn, d, nd);
				nd = j = 0;
			}
			d[nd].no = l.no;
			d[nd].dead = 0;
			nd++;
		}
		d[j].dead += ENTRY_HDR + l.len;
		total += l.len;
		if (gone != NULL)
			gone[i] = true;
	}
	if (err == 0)
		err = del_rows(s, txn, d, nd);
	if (err == 0 && total > 0)
		err = weft__store_chunk_bytes_add(s, txn, 0, total);
	if (err == 0 && bytes != NULL)
		*bytes = total;
	return err;
}

/* Appends the bytes at l to out, checking the entry names id. */
static int
loc_read(struct weft_store *s, const struct loc *l, const uint8_t id[ID],
    struct weft_buf *out)
{
	struct iovec	iov[2];
	uint8_t		hdr[ENTRY_HDR];
	bool		own;
	int		fd, err;

	err = weft_buf_reserve(out, l->len);
	if (err)
		return err;
	/*
	 * Only the writer's own transaction can name bytes still staged
	 * (a reader sees committed ones, written before the commit).
	 */
	if (tl_writer == s->packs && s->packs->wdirect &&
	    l->no == s->packs->wno &&
	    l->off + ENTRY_HDR + l->len > s->packs->wflushed) {
		err = stage_flush(s->packs);
		if (err)
			return err;
	}
	fd = pack_rfd(s->packs, l->no, &own);
	if (fd < 0)
		return fd;
	iov[0].iov_base = hdr;
	iov[0].iov_len = ENTRY_HDR;
	iov[1].iov_base = out->data + out->len;
	iov[1].iov_len = l->len;
	err = full_preadv(fd, iov, l->len ? 2 : 1, l->off);
	if (own)
		close(fd);
	if (err)
		return err;
	if (memcmp(hdr, id, ID) != 0 || be32dec(hdr + ID) != l->len)
		return WEFT_ECORRUPT;
	out->len += l->len;
	return 0;
}

int
weft__store_chunk_read(struct weft_store *s, MDB_txn *txn,
    const uint8_t id[ID], struct weft_buf *out)
{
	struct loc	l;
	int		err;

	err = loc_get(s, txn, id, &l);
	if (err)
		return err;
	return loc_read(s, &l, id, out);
}

int
weft__store_chunk_read_val(struct weft_store *s, const MDB_val *k,
    const MDB_val *v, struct weft_buf *out)
{
	struct loc	l;
	int		err;

	if (k->mv_size != ID)
		return WEFT_ECORRUPT;
	err = loc_dec(v, &l);
	if (err)
		return err;
	return loc_read(s, &l, k->mv_data, out);
}

int
weft__store_packs_stat(struct weft_store *s, MDB_txn *txn, uint64_t *bytes,
    uint64_t *live)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	*bytes = *live = 0;
	rc = mdb_cursor_open(txn, s->dbi[DB_PACKS], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != ROW_LEN) {
			rc = MDB_CORRUPTED;
			break;
		}
		*bytes += be64dec(v.mv_data);
		*live += be64dec((const uint8_t *)v.mv_data + 8);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

/* ------------------------------------------------------------------ */
/* The upgrade from format 6: chunk bytes from LMDB into packs. */

int
weft__store_packs_migrate(struct weft_store *s, MDB_txn *txn)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 id[ID];
	int		 rc, err = 0;

	rc = mdb_cursor_open(txn, s->dbi[DB_CHUNKS], &c);
	if (rc)
		return weft__store_xlat(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) {
		if (k.mv_size != ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(id, k.mv_data, ID);
		/* Rewrites the value; the old one is read first. */
		err = weft__store_chunk_write(s, txn, id, v.mv_data, v.mv_size);
		if (err)
			break;
		/* The next id: after this one. */
		for (int i = ID - 1; i >= 0; i--)
			if (++id[i] != 0)
				break;
		k.mv_size = ID;
		k.mv_data = id;
		if (memcmp(id, (uint8_t [ID]){ 0 }, ID) == 0)
			break;	/* id was all 0xff: the last */
	}
	mdb_cursor_close(c);
	if (err)
		return err;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
}

/* ------------------------------------------------------------------ */
/* Compaction */

struct compact_ctx {
	uint32_t	 no;
	uint64_t	 base;		/* pack offset of buf[0] */
	const uint8_t	*buf;
	size_t		 n;		/* whole entries in buf */
	bool		 last;
	bool		 gone;		/* the row was deleted */
	uint64_t	 moved;
};

static int
compact_txn(struct weft_store *s, MDB_txn *txn, void *arg)
{
	struct compact_ctx	*cc = arg;
	struct loc		 l;
	struct row		 r;
	const uint8_t		*e;
	uint32_t		 len;
	uint8_t			 k[4];
	size_t			 at = 0;
	int			 err;

	cc->gone = false;
	cc->moved = 0;
	/*
	 * The writer's pack: close it, so that the moves (and every other
	 * write) go to a new one. Entries appended to it since the pass
	 * read its size are not moved, so its row stays (live > 0).
	 */
	if (s->packs->wno == cc->no) {
		err = pack_roll(s->packs);
		if (err)
			return err;
	}
	while (at < cc->n) {
		e = cc->buf + at;
		len = be32dec(e + ID);
		err = loc_get(s, txn, e, &l);
		if (err == 0 && l.no == cc->no && l.off == cc->base + at &&
		    l.len == len) {
			err = weft__store_chunk_write(s, txn, e, e + ENTRY_HDR,
			    len);
			if (err)
				return err;
			cc->moved += ENTRY_HDR + len;
		} else if (err && err != WEFT_ENOTFOUND) {
			return err;
		}
		at += ENTRY_HDR + len;
	}
	err = row_get(s, txn, cc->no, &r);
	if (err)
		return err;
	r.live = r.live > cc->moved ? r.live - cc->moved : 0;
	if (!cc->last || r.live != 0)
		return row_put(s, txn, cc->no, &r);
	be32enc(k, cc->no);
	cc->gone = true;
	return db_del(txn, s->dbi[DB_PACKS], k, 4);
}

struct uncache_ctx {
	struct weft__packs	*p;
	uint32_t		 no;
	int			 err;
};

static void
uncache_unlink(void *arg)
{
	struct uncache_ctx	*uc = arg;
	char			 name[PACK_NAME_LEN + 1];

	pack_uncache(uc->p, uc->no);
	pack_name(name, uc->no);
	uc->err = 0;
	if (unlinkat(uc->p->dirfd, name, 0) != 0 && errno != ENOENT)
		uc->err = -errno;
}

/* Moves pack no's live chunks to the newest pack and deletes it. */
static int
compact_one(struct weft_store *s, uint32_t no, uint64_t size,
    uint64_t *freed)
{
	struct weft__packs	*p = s->packs;
	struct compact_ctx	 cc = { .no = no };
	struct uncache_ctx	 uc = { p, no, 0 };
	struct iovec		 iov;
	uint8_t			*buf, *nb;
	uint64_t		 off = PACK_HDR, want;
	size_t			 cap = COMPACT_BUF, have, at, len;
	int			 fd, err = 0;

	buf = malloc(cap);
	if (buf == NULL)
		return -ENOMEM;
	fd = pack_open(p, no, O_RDONLY);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	while (err == 0) {
		want = size - off < cap ? size - off : cap;
		iov.iov_base = buf;
		iov.iov_len = (size_t)want;
		if (want > 0)
			err = full_preadv(fd, &iov, 1, off);
		if (err)
			break;
		have = (size_t)want;
		/* Whole entries only. */
		for (at = 0; at + ENTRY_HDR <= have; at += ENTRY_HDR + len) {
			len = be32dec(buf + at + ID);
			if (len > WEFT_INDEX_MAX) {
				err = WEFT_ECORRUPT;
				break;
			}
			if (at + ENTRY_HDR + len > have)
				break;
		}
		if (err)
			break;
		if (at == 0 && have > 0) {
			/* One entry bigger than the buffer. */
			if (have < ENTRY_HDR || off + ENTRY_HDR +
			    be32dec(buf + ID) > size) {
				err = WEFT_ECORRUPT;
				break;
			}
			cap = ENTRY_HDR + be32dec(buf + ID);
			nb = realloc(buf, cap);
			if (nb == NULL) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			continue;
		}
		cc.base = off;
		cc.buf = buf;
		cc.n = at;
		cc.last = off + at >= size;
		if (!cc.last && at < have && off + have >= size &&
		    have - at < ENTRY_HDR) {
			err = WEFT_ECORRUPT;	/* a torn entry at the end */
			break;
		}
		err = weft__store_write_move(s, compact_txn, &cc);
		off += at;
		if (err || cc.last)
			break;
	}
	close(fd);
	free(buf);
	if (err || !cc.gone)
		return err;
	weft__store_excl(s, uncache_unlink, &uc);
	if (uc.err == 0 && freed != NULL)
		*freed += size;
	return uc.err;
}

/*
 * One pass: compacts every pack with a quarter dead (the newest only
 * when that is a quarter of p->target too).
 * *ncand gets how many there were. Under p->compacting.
 */
static int
compact_pass(struct weft_store *s, uint64_t *freed, size_t *ncand)
{
	struct { uint32_t no; uint64_t size; } *cand = NULL, *tmp;
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 k, v;
	uint64_t		 size, live;
	size_t			 n = 0, cap = 0;
	int			 rc, err;

	*ncand = 0;
	err = weft__store_read_begin(s, &txn);
	if (err)
		goto out;
	rc = mdb_cursor_open(txn, s->dbi[DB_PACKS], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		err = weft__store_xlat(rc);
		goto out;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 4 || v.mv_size != ROW_LEN) {
			rc = MDB_CORRUPTED;
			break;
		}
		size = be64dec(v.mv_data);
		live = be64dec((const uint8_t *)v.mv_data + 8);
		if (size < PACK_HDR + live ||
		    (size - PACK_HDR - live) * PACK_DEAD_DIV < size)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(cand, cap * sizeof(*cand));
			if (tmp == NULL) {
				rc = ENOMEM;
				break;
			}
			cand = tmp;
		}
		cand[n].no = be32dec(k.mv_data);
		cand[n++].size = size;
	}
	/*
	 * The newest pack takes appends: compact it only when its dead
	 * bytes are worth a pack of their own (compact_txn closes it).
	 */
	if ((rc == 0 || rc == MDB_NOTFOUND) && n > 0 &&
	    mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 4 &&
	    v.mv_size == ROW_LEN && cand[n - 1].no == be32dec(k.mv_data)) {
		size = be64dec(v.mv_data);
		live = be64dec((const uint8_t *)v.mv_data + 8);
		if ((size - PACK_HDR - live) * PACK_DEAD_DIV < s->packs->target)
			n--;
	}
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	err = rc == MDB_NOTFOUND ? 0 : weft__store_xlat(rc);
	*ncand = n;
	for (size_t i = 0; i < n && err == 0; i++)
		err = compact_one(s, cand[i].no, cand[i].size, freed);
out:
	free(cand);
	return err;
}

/*
 * Passes until none finds a candidate: the newest pack of one pass,
 * skipped then, may be a candidate of the next once the moves started
 * another. The packs a pass writes are all live, so a few passes do.
 */
int
weft_store_compact(struct weft_store *s, uint64_t *freed)
{
	struct weft__packs	*p = s->packs;
	uint64_t		 f = 0;
	size_t			 n = 1;
	int			 err = 0;

	if (pthread_mutex_trylock(&p->compacting) != 0) {
		if (freed != NULL)
			*freed = 0;
		return 0;	/* another thread is at it */
	}
	for (int pass = 0; pass < 4 && n > 0 && err == 0; pass++)
		err = compact_pass(s, &f, &n);
	pthread_mutex_unlock(&p->compacting);
	if (freed != NULL)
		*freed = f;
	return err;
}
