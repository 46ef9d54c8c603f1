/*
 * publish (and update) and fork. A publish streams file bytes in "data"
 * frames. Each frame is processed by two jobs on the thread pool at once,
 * one per core: the hash job feeds the whole-file BLAKE2b-256, the chunk
 * job cuts chunks (FastCDC), hashes them and batches them for the store
 * job. Reading from the client pauses while PUB_FRAMES frames are held,
 * and the chunk job while the store's queue is full, which bounds memory
 * whatever the file size. The chunk job hands its batches to the loop,
 * which alone queues them for the store job.
 * Chunks are committed in batches as they come; the revision is signed
 * and committed last, and only that commit is acknowledged.
 *
 * A publish that fails (a full disk, a client gone mid-way) removes the
 * chunks it added that nothing else refers to: each batch is stored with
 * weft_store_chunks_put_new(), which names them and marks them pending
 * under the publish's random token, and when the publish ends without
 * its revision pub_free() deletes those whose mark still bears the token
 * in one write transaction (store_disk.c). The rest (shared since, or
 * left by a crash) gc collects when their marks are old. Until it ends,
 * the publish holds every chunk it put (store_hold.c), so that no purge
 * (retract, rm) or gc deletes one a design being removed shared, and its
 * revision is committed only if all its files are still there
 * (weft_store_record_put_here()). Failed writes are logged and pause
 * fetching and ingest like theirs (space.h); a full disk's error names
 * the disk and its free space.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/license.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "geom_pub.h"
#include "log.h"
#include "ops.h"
#include "remix.h"
#include "space.h"
#include "store.h"
#include "sync.h"

/*
 * The pipeline's bounds: data frames held (each at most 1 MiB), chunk
 * bytes per store transaction, and filled batches waiting for the writer
 * (ready[0] is the one being written). With the batch being filled and
 * two spares they cap a publish at PUB_FRAMES MiB + (PUB_READY + 3)
 * batches, whatever the file size. 8 MiB batches with a queue of two
 * make a quarter of the commits (and syncs) of 2 MiB ones with four, for
 * about 15 MiB more (docs/BENCHMARKS.md, "Publish's pipeline, stop 15").
 *
 * Any values of at least 1 are safe, whatever one frame holds: the chunk
 * job starts while the queue has room for one batch and pauses, in the
 * middle of its frame if need be, when it has filled all the room it was
 * given, so it never ships into a full queue and never waits for one.
 * (Until stop 15 it ran only while PUB_READY - 2 slots were free and
 * shipped as many batches as its frame filled: PUB_READY 2 never ran it
 * and stalled every publish, a batch smaller than a frame failed it.)
 * The tests build a weftd with other values (tests/CMakeLists.txt).
 */
#ifndef PUB_FRAMES
#define PUB_FRAMES	8
#endif
#ifndef PUB_BATCH
#define PUB_BATCH	(8u * 1024 * 1024)
#endif
#ifndef PUB_READY
#define PUB_READY	2
#endif

_Static_assert(PUB_FRAMES >= 1, "publish needs a frame to read into");
_Static_assert(PUB_BATCH >= 1, "publish needs batches to store");
_Static_assert(PUB_READY >= 1, "publish needs room for a filled batch");
_Static_assert((uint64_t)PUB_BATCH + WEFT_CHUNK_MAX + WEFT_INDEX_MAX <=
    SIZE_MAX / 2, "a batch's buffer must be allocatable");

struct pub_frame {
	uint8_t		*body;		/* the frame, owned */
	const uint8_t	*data;		/* its "data" bytes */
	size_t		 len;
};

/* Chunks for one store transaction; ids are computed, bytes copied. */
struct pub_batch {
	struct weft_buf		 data;
	struct weft_chunk_put	*puts;
	size_t			*off;
	size_t			 n;
	size_t			 cap;
};

struct weft_pub {
	const struct weft_ctl_env	*ctl_env;
	struct weft_record		 rec;
	uint64_t			 min_ts;
	uint64_t			 total;
	uint64_t			 received;

	/* Frames k, frames_freed <= k < frames_in, sit in slot k % N. */
	struct pub_frame		 frames[PUB_FRAMES];
	uint64_t			 frames_in;
	uint64_t			 frames_freed;
	uint64_t			 hash_next;	/* next frame for the hash job */
	uint64_t			 chunk_next;	/* next frame for the chunk job */
	bool				 hash_busy;
	bool				 chunk_busy;
	bool				 store_busy;
	bool				 finishing;
	int				 err;

	/* The hash job: whole-file hashes. */
	uint32_t			 hash_file;
	uint64_t			 hash_off;
	crypto_generichash_state	 hs;

	/* The chunk job: chunks and chunk lists, cut straight into cur. */
	uint32_t			 chunk_file;
	uint64_t			 chunk_off;
	struct weft_chunker		 ck;
	size_t				 chunk_start;	/* in cur->data */
	struct weft_chunk_ref		*refs;		/* current file */
	size_t				 nrefs;
	size_t				 refs_cap;
	struct pub_batch		*cur;
	const struct pub_frame		*chunk_in;	/* NULL: no bytes */
	size_t				 chunk_pos;	/* into its frame */
	bool				 chunk_paused;	/* at chunk_pos */
	/*
	 * What the running chunk job filled, for the loop to queue: at
	 * most out_room batches, the room the queue had when it started
	 * (it shares nothing else with the loop, which may take batches
	 * off ready[] meanwhile). out_spare is its to fill next.
	 */
	struct pub_batch		*out[PUB_READY];
	unsigned			 nout;
	unsigned			 out_room;
	struct pub_batch		*out_spare;

	/* Filled batches, oldest first; ready[0] is being written. */
	struct pub_batch		*ready[PUB_READY];
	unsigned			 nready;
	struct pub_batch		*spare;

	/*
	 * Chunks this publish added that only it refers to (job W and
	 * finish append, one at a time).
	 */
	uint8_t				(*fresh)[32];
	size_t				 nfresh;
	size_t				 fresh_cap;
	bool				 published;
	/* Names this publish's pending chunks in the store (not 0). */
	uint64_t			 token;

	/* The geom record of the revision (geom_pub.c), when it has one. */
	struct weft_buf			 genv;
	uint8_t				 gid[32];
	bool				 has_geom;

	/* A new design whose files an own design already has exactly. */
	bool				 allow_dup;	/* "duplicate": true */
	bool				 has_dup;
	uint8_t				 dup[32];

	/* Result. */
	struct weft_buf			 env;
	uint8_t				 id[32];
	uint8_t				 design[32];
};

static void	pub_pump(struct weft_ctl_conn *, struct weft_pub *);

/*
 * The reply for a publish that failed with err: a store write that failed
 * is logged and pauses fetching (space.h), and a full disk's error says
 * which disk and how much is free.
 */
static void
pub_send_err(struct weft_ctl_conn *c, int err)
{
	const struct weft_ctl_env *env = c->env;
	char			 why[4096 + 128];

	if (err == WEFT_EMISSING) {
		weft__ctl_send_err(c, err, "cannot publish: chunks it stored "
		    "were deleted meanwhile; publish again");
		return;
	}
	if (!weft_space_is_disk_error(err)) {
		weft__ctl_send_err(c, err, "cannot publish");
		return;
	}
	weft_space_failed(env->space, err, "a publish",
	    weft__ctl_now_ms(env));
	err = weft_space_describe(env->space, err, why, sizeof(why));
	weft__ctl_send_err(c, err, "%s", why);
}

static struct pub_batch *
batch_new(void)
{
	struct pub_batch	*b;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	/* Room for a full batch, one more chunk and the largest index. */
	weft_buf_init(&b->data, PUB_BATCH + WEFT_CHUNK_MAX + WEFT_INDEX_MAX);
	if (weft_buf_reserve(&b->data, PUB_BATCH + WEFT_CHUNK_MAX) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

static void
batch_free(struct pub_batch *b)
{
	if (b == NULL)
		return;
	weft_buf_release(&b->data);
	free(b->puts);
	free(b->off);
	free(b);
}

/* Deleting a failed publish's chunks, on the pool. */
struct pub_drop {
	uv_work_t		 req;
	struct weft_store	*store;
	uint8_t			(*ids)[32];
	size_t			 n;
	uint64_t		 token;
	size_t			 dropped;
	uint64_t		 bytes;
	int			 err;
};

static void
drop_work(uv_work_t *req)
{
	struct pub_drop	*j = req->data;

	j->err = weft_store_chunks_drop(j->store, (const uint8_t (*)[32])j->ids,
	    j->n, j->token, &j->dropped, &j->bytes);
}

static void
drop_after(uv_work_t *req, int status)
{
	struct pub_drop	*j = req->data;

	if (status == 0 && j->err == 0)
		log_info("a publish failed: removed the %zu chunks (%.1f MB) "
		    "it had stored", j->dropped, (double)j->bytes / 1e6);
	else
		log_warnc(status ? status : j->err, "a publish failed: its "
		    "%zu chunks stay in the store", j->n);
	free(j->ids);
	free(j);
}

/*
 * A publish that ends without its revision: delete the chunks only it
 * added and nothing else met or refers to since (their pending marks
 * still bear its token; p->fresh goes to the job). Any other chunk it
 * stored is left to gc, which takes it once its mark is old.
 */
static void
pub_undo(struct weft_pub *p)
{
	struct pub_drop	*j;

	if (p->published || p->nfresh == 0)
		return;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return;
	j->req.data = j;
	j->store = p->ctl_env->store;
	j->ids = p->fresh;
	j->n = p->nfresh;
	j->token = p->token;
	if (uv_queue_work(p->ctl_env->loop, &j->req, drop_work, drop_after) != 0) {
		free(j);
		return;
	}
	p->fresh = NULL;
	p->nfresh = 0;
}

static void
pub_free(struct weft_pub *p)
{
	if (p == NULL)
		return;
	pub_undo(p);
	/*
	 * After the revision's commit (or the undo's queueing): a purge
	 * or gc may take what the publish no longer needs.
	 */
	weft_store_hold_end(p->ctl_env->store, p->token);
	free(p->fresh);
	weft_record_release(&p->rec);
	for (uint64_t k = p->frames_freed; k < p->frames_in; k++)
		free(p->frames[k % PUB_FRAMES].body);
	free(p->refs);
	batch_free(p->cur);
	for (unsigned i = 0; i < p->nready; i++)
		batch_free(p->ready[i]);
	for (unsigned i = 0; i < p->nout; i++)
		batch_free(p->out[i]);
	batch_free(p->out_spare);
	batch_free(p->spare);
	weft_buf_release(&p->env);
	weft_buf_release(&p->genv);
	sodium_memzero(&p->hs, sizeof(p->hs));
	free(p);
}

/* The hash job */

/*
 * Feeds len bytes to the whole-file hashes, finishing every file whose
 * size is reached, empty files included.
 */
static void
hash_feed(struct weft_pub *p, const uint8_t *data, size_t len)
{
	struct weft_file_ref	*f;
	uint64_t		 take;

	for (;;) {
		while (p->hash_file < p->rec.nfiles &&
		    p->hash_off == p->rec.files[p->hash_file].size) {
			f = &p->rec.files[p->hash_file];
			crypto_generichash_final(&p->hs, f->hash, 32);
			p->hash_file++;
			p->hash_off = 0;
			crypto_generichash_init(&p->hs, NULL, 0, 32);
		}
		if (len == 0 || p->hash_file >= p->rec.nfiles)
			break;
		f = &p->rec.files[p->hash_file];
		take = f->size - p->hash_off;
		if (take > len)
			take = len;
		crypto_generichash_update(&p->hs, data, take);
		p->hash_off += take;
		data += take;
		len -= (size_t)take;
	}
}

/* The chunk job */

/* Records the chunk or chunk list that ends at cur->data.len. */
static int
batch_note(struct weft_pub *p, const uint8_t id[32], size_t off)
{
	struct pub_batch	*b = p->cur;
	size_t			 ncap;
	void			*np;

	if (b->n == b->cap) {
		ncap = b->cap ? b->cap * 2 : 128;
		np = realloc(b->puts, ncap * sizeof(*b->puts));
		if (np == NULL)
			return -ENOMEM;
		b->puts = np;
		np = realloc(b->off, ncap * sizeof(*b->off));
		if (np == NULL)
			return -ENOMEM;
		b->off = np;
		b->cap = ncap;
	}
	memcpy(b->puts[b->n].id, id, 32);
	b->puts[b->n].len = b->data.len - off;
	b->off[b->n] = off;
	b->n++;
	return 0;
}

/*
 * Hands the current batch to the loop (p->out) and starts a new one.
 * Returns 1 when the room the job was given is full: the job pauses
 * before what it was about to add, and runs again once the writer has
 * taken a batch off the queue.
 */
static int
batch_ship(struct weft_pub *p)
{
	struct pub_batch	*b;

	if (p->nout >= p->out_room)
		return 1;
	b = p->out_spare;
	p->out_spare = NULL;
	if (b == NULL)
		b = batch_new();
	if (b == NULL)
		return -ENOMEM;
	p->out[p->nout++] = p->cur;
	p->cur = b;
	p->chunk_start = 0;
	return 0;
}

/*
 * Called where a chunk or a chunk list is about to start in the batch: a
 * full batch is shipped first. So a chunk never spans two batches, and a
 * batch holds at most PUB_BATCH bytes, one chunk and one chunk list
 * beyond (started below PUB_BATCH), which batch_new() made room for.
 */
static int
batch_room(struct weft_pub *p)
{
	if (p->cur->data.len < PUB_BATCH ||
	    p->chunk_start != p->cur->data.len)
		return 0;
	return batch_ship(p);
}

static int
chunk_emit(struct weft_pub *p)
{
	struct pub_batch	*b = p->cur;
	struct weft_chunk_ref	*r;
	size_t			 ncap;
	int			 err;

	if (p->nrefs == p->refs_cap) {
		ncap = p->refs_cap ? p->refs_cap * 2 : 64;
		r = realloc(p->refs, ncap * sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		p->refs = r;
		p->refs_cap = ncap;
	}
	r = &p->refs[p->nrefs++];
	r->size = (uint32_t)(b->data.len - p->chunk_start);
	weft_hash(b->data.data + p->chunk_start, r->size, r->id);
	err = batch_note(p, r->id, p->chunk_start);
	p->chunk_start = b->data.len;
	return err;
}

/* The file's last chunk, then its chunk list, stored as a chunk too. */
static int
chunk_file_end(struct weft_pub *p, struct weft_file_ref *f)
{
	size_t	off;
	int	err;

	if (p->cur->data.len > p->chunk_start) {
		err = chunk_emit(p);
		if (err)
			return err;
	}
	off = p->cur->data.len;
	err = weft_index_encode(p->refs, p->nrefs, &p->cur->data);
	if (err)
		return err;
	weft_hash(p->cur->data.data + off, p->cur->data.len - off, f->index);
	err = batch_note(p, f->index, off);
	p->chunk_start = p->cur->data.len;
	p->nrefs = 0;
	weft_chunker_init(&p->ck);
	return err;
}

/*
 * Cuts the job's input from p->chunk_pos on into chunks, copying them
 * once, into the batch, and ends every file whose size is reached (empty
 * ones too). Returns 0 when all of it is cut, 1 when it paused for room
 * in the queue (p->chunk_pos and the chunker say where it stopped), or
 * an error.
 */
static int
chunk_feed(struct weft_pub *p, const uint8_t *data, size_t len)
{
	struct weft_file_ref	*f;
	uint64_t		 take;
	size_t			 k, n, seg;
	int			 err;

	data += p->chunk_pos;
	len -= p->chunk_pos;
	for (;;) {
		while (p->chunk_file < p->rec.nfiles &&
		    p->chunk_off == p->rec.files[p->chunk_file].size) {
			err = batch_room(p);
			if (err)
				return err;
			err = chunk_file_end(p, &p->rec.files[p->chunk_file]);
			if (err)
				return err;
			p->chunk_file++;
			p->chunk_off = 0;
		}
		if (len == 0 || p->chunk_file >= p->rec.nfiles)
			break;
		f = &p->rec.files[p->chunk_file];
		take = f->size - p->chunk_off;
		if (take > len)
			take = len;
		seg = (size_t)take;
		while (seg > 0) {
			err = batch_room(p);
			if (err)
				return err;
			k = weft_chunker_scan(&p->ck, data, seg);
			n = k ? k : seg;
			err = weft_buf_add(&p->cur->data, data, n);
			if (err)
				return err;
			data += n;
			p->chunk_off += n;
			p->chunk_pos += n;
			len -= n;
			seg -= n;
			if (k > 0) {
				err = chunk_emit(p);
				if (err)
					return err;
			}
		}
	}
	p->chunk_pos = 0;
	return 0;
}

static int
hash_work(void *arg)
{
	struct weft_pub		*p = arg;
	struct pub_frame	*f = &p->frames[p->hash_next % PUB_FRAMES];

	hash_feed(p, f->data, f->len);
	return 0;
}

/* Cuts p->chunk_in, or ends the empty files left when it is NULL. */
static int
chunk_work(void *arg)
{
	struct weft_pub		*p = arg;
	const struct pub_frame	*f = p->chunk_in;
	int			 err;

	err = chunk_feed(p, f ? f->data : NULL, f ? f->len : 0);
	p->chunk_paused = err == 1;
	return err == 1 ? 0 : err;
}

static int
store_work(void *arg)
{
	struct weft_pub		*p = arg;
	struct pub_batch	*b = p->ready[0];
	uint8_t			*fresh;
	uint64_t		 gen[2];
	size_t			 k = 0, ncap;
	void			*np;
	int			 err;

	fresh = malloc(b->n ? b->n : 1);
	if (fresh == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++)
		b->puts[i].data = b->data.data + b->off[i];
	err = weft_store_chunks_put_new(p->ctl_env->store, b->puts, b->n,
	    p->token, fresh, gen);
	for (size_t i = 0; i < b->n; i++)
		k += fresh[i];
	if (p->nfresh + k > p->fresh_cap) {
		ncap = p->fresh_cap ? p->fresh_cap : 256;
		while (ncap < p->nfresh + k)
			ncap *= 2;
		np = realloc(p->fresh, ncap * sizeof(*p->fresh));
		if (np == NULL) {
			/* Cannot undo them: gc takes them after the grace. */
			free(fresh);
			return err ? err : -ENOMEM;
		}
		p->fresh = np;
		p->fresh_cap = ncap;
	}
	for (size_t i = 0; i < b->n; i++)
		if (fresh[i])
			memcpy(p->fresh[p->nfresh++], b->puts[i].id, 32);
	free(fresh);
	return err;
}

static int	same_files(struct weft_pub *p);

/*
 * The revision's mesh facts and thumbnail, as a geom record signed at
 * the revision's time: never a reason to fail the publish, whose
 * revision is committed (a store error is logged, facts are missing).
 */
static void
geom_add(struct weft_pub *p)
{
	int	err;

	weft_buf_init(&p->genv, WEFT_RECORD_MAX);
	err = weft__geom_publish(p->ctl_env, &p->rec, p->id, p->design,
	    p->rec.ts, &p->genv, p->gid);
	if (err == 0)
		p->has_geom = true;
	else if (err != WEFT_ENOTFOUND)
		log_warnc(err, "no geometry facts for revision "
		    "%02x%02x%02x%02x", p->id[0], p->id[1], p->id[2], p->id[3]);
}

/* The end: sign and store the revision. */
static int
finish_work(void *arg)
{
	struct weft_pub	*p = arg;
	struct weft_buf	 body;
	int		 err;

	/*
	 * A copy of one of our designs adds no chunk: only then read the
	 * author's designs, so that publishing new content never pays.
	 */
	if (!p->rec.has_design && !p->allow_dup && p->nfresh == 0) {
		err = same_files(p);
		if (err != WEFT_ENOTFOUND)
			return err == 0 ? WEFT_EEXISTS : err;
	}

	memcpy(p->rec.author, p->ctl_env->author->pk, WEFT_PK_BYTES);
	p->rec.ts = weft__ctl_now_ms(p->ctl_env);
	if (p->rec.ts < p->min_ts)
		p->rec.ts = p->min_ts;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&p->env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(&p->rec, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, p->ctl_env->author->sk,
		    &p->env);
	weft_buf_release(&body);
	if (err)
		return err;
	/* Its files must still be here: a deletion may have raced us. */
	err = weft_store_record_put_here(p->ctl_env->store, p->env.data,
	    p->env.len, p->id);
	if (err == 0)
		p->published = true;
	if (err == 0 && !p->rec.has_design)
		memcpy(p->design, p->id, 32);
	if (err == 0)
		geom_add(p);
	return err;
}

static void
finish_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_pub		*p = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (status == WEFT_EEXISTS && p->has_dup) {
		char	hex[65];

		weft_hex_encode(hex, p->dup, 32);
		weft__ctl_send_errs(c, status, "these files are already your "
		    "design %s: change it with 'weft update %.8s', or publish "
		    "a copy with --yes", hex, hex);
	} else if (status) {
		pub_send_err(c, status);
	} else {
		log_info("published revision %02x%02x%02x%02x of design "
		    "%02x%02x%02x%02x (%llu bytes in %u files)", p->id[0],
		    p->id[1], p->id[2], p->id[3], p->design[0], p->design[1],
		    p->design[2], p->design[3], (unsigned long long)p->total,
		    p->rec.nfiles);
		if (c->env->sync != NULL)
			weft_sync_local_record(c->env->sync, p->id, p->env.data,
			    p->env.len);
		if (c->env->sync != NULL && p->has_geom)
			weft_sync_local_record(c->env->sync, p->gid,
			    p->genv.data, p->genv.len);
		weft__ctl_reply_begin(&pk, &b, 3);
		weft_pack_str(&pk, "id");
		weft_pack_bin(&pk, p->id, 32);
		weft_pack_str(&pk, "design");
		weft_pack_bin(&pk, p->design, 32);
		weft_pack_str(&pk, "record");
		weft_pack_bin(&pk, p->env.data, p->env.len);
		weft__ctl_send(c, &b);
	}
	weft__ctl_done(c);	/* frees p */
}

static void
hash_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_pub	*p = arg;

	p->hash_busy = false;
	p->hash_next++;
	if (status && p->err == 0)
		p->err = status;
	pub_pump(c, p);
}

static void
chunk_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_pub	*p = arg;

	p->chunk_busy = false;
	/* What it filled joins the queue (there was room when it started). */
	for (unsigned i = 0; i < p->nout; i++)
		p->ready[p->nready++] = p->out[i];
	p->nout = 0;
	if (p->chunk_in != NULL && !p->chunk_paused)
		p->chunk_next++;
	if (status && p->err == 0)
		p->err = status;
	pub_pump(c, p);
}

static void
store_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_pub		*p = arg;
	struct pub_batch	*b = p->ready[0];

	p->store_busy = false;
	memmove(&p->ready[0], &p->ready[1], (p->nready - 1) * sizeof(b));
	p->nready--;
	b->n = 0;
	weft_buf_reset(&b->data);
	if (p->spare == NULL)
		p->spare = b;
	else
		batch_free(b);
	if (status && p->err == 0)
		p->err = status;
	pub_pump(c, p);
}

static bool
pub_idle(const struct weft_pub *p)
{
	return !p->hash_busy && !p->chunk_busy && !p->store_busy;
}

/* Every byte received and cut, every file's chunk list made. */
static bool
cut_all(const struct weft_pub *p)
{
	return p->received == p->total && !p->chunk_busy &&
	    !p->chunk_paused && p->chunk_next == p->frames_in &&
	    p->chunk_file == p->rec.nfiles;
}

/*
 * Runs on the loop after every event of a publish: frees frames both jobs
 * are done with, starts whatever job has input and room, paces reading,
 * and once all bytes are hashed, cut and written, finishes.
 */
static void
pub_pump(struct weft_ctl_conn *c, struct weft_pub *p)
{
	uint64_t	done;
	int		err;

	if (c->closing)
		return;
	if (p->err) {
		/*
		 * No more frames: after a failure the ring is no longer freed,
		 * and the reply waits for the jobs still running.
		 */
		weft__ctl_read(c, false);
		if (pub_idle(p)) {
			pub_send_err(c, p->err);
			weft__ctl_close(c);
		}
		return;
	}
	done = p->hash_next < p->chunk_next ? p->hash_next : p->chunk_next;
	while (p->frames_freed < done) {
		free(p->frames[p->frames_freed % PUB_FRAMES].body);
		p->frames[p->frames_freed % PUB_FRAMES].body = NULL;
		p->frames_freed++;
	}
	if (!p->hash_busy && p->hash_next < p->frames_in) {
		err = weft__ctl_work(c, hash_work, hash_done, p);
		if (err) {
			p->err = err;
			return pub_pump(c, p);
		}
		p->hash_busy = true;
	}
	/*
	 * The chunk job runs while the queue has room for one batch, on the
	 * next frame, or on none to end the empty files of a publish that
	 * has no bytes. It ships at most the room it is given, pausing if it
	 * must: with the store job draining the queue, it always runs again.
	 */
	if (!p->chunk_busy && p->nready < PUB_READY &&
	    (p->chunk_next < p->frames_in || (p->received == p->total &&
	    p->chunk_file < p->rec.nfiles))) {
		p->chunk_in = p->chunk_next < p->frames_in ?
		    &p->frames[p->chunk_next % PUB_FRAMES] : NULL;
		p->out_room = PUB_READY - p->nready;
		if (p->out_spare == NULL) {
			p->out_spare = p->spare;
			p->spare = NULL;
		}
		err = weft__ctl_work(c, chunk_work, chunk_done, p);
		if (err) {
			p->err = err;
			return pub_pump(c, p);
		}
		p->chunk_busy = true;
	}
	/*
	 * All bytes cut: the last partial batch goes to the writer too, once
	 * its queue has room (a slow store, say on a full disk, may still
	 * hold every slot: store_done() pumps again).
	 */
	if (cut_all(p) && p->cur != NULL && p->cur->n > 0 &&
	    p->nready < PUB_READY) {
		p->ready[p->nready++] = p->cur;
		p->cur = NULL;
	}
	if (!p->store_busy && p->nready > 0) {
		err = weft__ctl_work(c, store_work, store_done, p);
		if (err) {
			p->err = err;
			return pub_pump(c, p);
		}
		p->store_busy = true;
	}
	if (p->received < p->total) {
		weft__ctl_read(c, p->frames_in - p->frames_freed < PUB_FRAMES);
		return;
	}
	if (!p->finishing && pub_idle(p) && p->nready == 0 && cut_all(p) &&
	    (p->cur == NULL || p->cur->n == 0) &&
	    p->hash_next == p->frames_in) {
		p->finishing = true;
		err = weft__ctl_work(c, finish_work, finish_done, p);
		if (err)
			finish_done(c, p, err);
	}
}

static void
pub_fail(struct weft_ctl_conn *c, int err)
{
	weft__ctl_send_err(c, err, "cannot publish");
	weft__ctl_close(c);
}

/* The request's state: a closed conn frees it (pub_undo runs). */
static void
pub_free_req(void *arg)
{
	pub_free(arg);
}

static void
pub_data(struct weft_ctl_conn *c, const struct weft_obj *msg,
    uint8_t *body, bool *keep)
{
	struct weft_pub		*p = c->req;
	struct pub_frame	*f;
	const uint8_t		*data;
	const char		*op;
	size_t			 oplen, len;

	*keep = false;
	if (weft_obj_str(weft_obj_get(msg, "op"), &op, &oplen) != 0 ||
	    oplen != strlen(WEFT_CTL_OP_DATA) ||
	    memcmp(op, WEFT_CTL_OP_DATA, oplen) != 0 ||
	    weft_obj_bin(weft_obj_get(msg, "data"), &data, &len) != 0 ||
	    len == 0 || len > WEFT_CTL_DATA_MAX) {
		pub_fail(c, WEFT_EPROTO);
		return;
	}
	/* Failed already: frames read before reading paused are dropped. */
	if (p->err)
		return;
	if (len > p->total - p->received) {
		weft__ctl_send_err(c, WEFT_EPROTO,
		    "more data than the files' sizes");
		weft__ctl_close(c);
		return;
	}
	if (p->frames_in - p->frames_freed >= PUB_FRAMES) {
		/* Reading is paused while the ring is full; cannot happen. */
		pub_fail(c, WEFT_EBUSY);
		return;
	}
	/* The jobs read the data where it is, in the frame: keep it. */
	*keep = true;
	f = &p->frames[p->frames_in % PUB_FRAMES];
	f->body = body;
	f->data = data;
	f->len = len;
	p->frames_in++;
	p->received += len;
	if (p->received == p->total)
		c->state = WEFT_CTL_BUSY;
	pub_pump(c, p);
}

/* Request */

static int
pub_new(struct weft_ctl_conn *c, struct weft_pub **pp)
{
	struct weft_pub	*p;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	do
		randombytes_buf(&p->token, sizeof(p->token));
	while (p->token == 0);
	p->ctl_env = c->env;
	weft_record_init(&p->rec);
	p->rec.type = WEFT_REC_REV;
	weft_buf_init(&p->env, WEFT_RECORD_MAX);
	weft_chunker_init(&p->ck);
	crypto_generichash_init(&p->hs, NULL, 0, 32);
	p->cur = batch_new();
	if (p->cur == NULL) {
		pub_free(p);
		return -ENOMEM;
	}
	*pp = p;
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int
file_cmp(const void *a, const void *b)
{
	const struct weft_file_ref	*x = a, *y = b;

	return strcmp(x->path, y->path);
}

/* The newest head of a design, decoded; its id and ts too. */
struct head_pick {
	struct weft_buf	env;
	uint8_t		id[32];
	uint64_t	max_ts;
	uint32_t	n;
	uint8_t		(*ids)[32];
	uint32_t	cap;
};

static int
head_pick_cb(void *arg, const uint8_t id[32], const uint8_t *data,
    size_t len)
{
	struct head_pick	*h = arg;
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;
	int			 err;

	if (h->n >= h->cap)
		return WEFT_ETOOBIG;
	memcpy(h->ids[h->n++], id, 32);
	weft_record_init(&r);
	err = weft_record_open(data, len, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, &r);
	if (err == 0 && r.ts + 1 > h->max_ts)
		h->max_ts = r.ts + 1;
	weft_record_release(&r);
	/* Heads come newest first: the first one is the newest. */
	if (h->n == 1) {
		memcpy(h->id, id, 32);
		weft_buf_reset(&h->env);
		return weft_buf_add(&h->env, data, len);
	}
	return 0;
}

/*
 * Reads a design's heads: all their ids (sorted), the newest one decoded
 * into *head, and the smallest ts a successor may have.
 */
static int
design_heads(struct weft_store *s, const uint8_t design[32],
    struct weft_id_list *prev, struct weft_record *head, uint8_t head_id[32],
    uint64_t *min_ts)
{
	struct head_pick	 h;
	int			 err;

	memset(&h, 0, sizeof(h));
	weft_buf_init(&h.env, WEFT_RECORD_MAX);
	h.cap = WEFT_PREV_MAX;
	h.ids = calloc(h.cap, 32);
	if (h.ids == NULL)
		return -ENOMEM;
	err = weft_store_design_heads(s, design, head_pick_cb, &h);
	if (err == 0 && h.n == 0)
		err = WEFT_ENOTFOUND;
	if (err == 0)
		err = weft_record_verify(h.env.data, h.env.len, head, NULL);
	if (err == 0 && prev != NULL) {
		qsort(h.ids, h.n, 32, id_cmp);
		prev->ids = h.ids;
		prev->n = h.n;
		h.ids = NULL;
	}
	if (err == 0) {
		memcpy(head_id, h.id, 32);
		*min_ts = h.max_ts;
	}
	free(h.ids);
	weft_buf_release(&h.env);
	return err;
}

/* Collects design ids (weft_store_designs callback). */
struct id_vec {
	uint8_t		(*v)[32];
	size_t		 n;
	size_t		 cap;
};

static int
id_vec_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct id_vec	*l = arg;
	uint8_t		(*v)[32];

	(void)data;
	(void)len;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		v = realloc(l->v, l->cap * 32);
		if (v == NULL)
			return -ENOMEM;
		l->v = v;
	}
	memcpy(l->v[l->n++], id, 32);
	return 0;
}

/*
 * Is there a design by the same author whose newest head has exactly
 * these files (paths and hashes)? 0 with p->dup set, WEFT_ENOTFOUND, or
 * an error. Runs on the pool; reads each of the author's designs.
 */
static int
same_files(struct weft_pub *p)
{
	struct weft_record	 head;
	struct id_vec		 l;
	uint8_t			 head_id[32];
	uint64_t		 min_ts;
	bool			 same;
	int			 err;

	memset(&l, 0, sizeof(l));
	err = weft_store_designs(p->ctl_env->store, p->ctl_env->author->pk, NULL,
	    id_vec_cb, &l);
	for (size_t i = 0; err == 0 && i < l.n; i++) {
		weft_record_init(&head);
		err = design_heads(p->ctl_env->store, l.v[i], NULL, &head, head_id,
		    &min_ts);
		same = err == 0 && head.nfiles == p->rec.nfiles;
		for (uint32_t k = 0; same && k < head.nfiles; k++)
			same = strcmp(head.files[k].path,
			    p->rec.files[k].path) == 0 &&
			    memcmp(head.files[k].hash, p->rec.files[k].hash,
			    32) == 0;
		weft_record_release(&head);
		if (err == WEFT_ENOTFOUND)
			err = 0;	/* gone meanwhile */
		if (err == 0 && same) {
			memcpy(p->dup, l.v[i], 32);
			p->has_dup = true;
			free(l.v);
			return 0;
		}
	}
	free(l.v);
	return err ? err : WEFT_ENOTFOUND;
}

static void
dedup_tags(struct weft_record *r)
{
	uint32_t	n = 0;

	for (uint32_t i = 0; i < r->ntags; i++) {
		if (n > 0 && strcmp(r->tags[n - 1], r->tags[i]) == 0) {
			free(r->tags[i]);
			continue;
		}
		r->tags[n++] = r->tags[i];
	}
	r->ntags = n;
}

static char *
xstrdup_or(char *s, const char *dflt)
{
	return s != NULL ? s : strdup(dflt);
}

/* Takes the metadata arguments; absent ones come from *from if given. */
static int
pub_meta(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct weft_record *r, struct weft_record *from)
{
	const struct weft_obj	*tags;
	char			*lic = NULL;
	const char		*canon;
	int			 err;

	if ((err = weft__ctl_arg_str(c, req, "title", WEFT_TITLE_MAX,
	    &r->title)) != 0 ||
	    (err = weft__ctl_arg_str(c, req, "description", WEFT_DESC_MAX,
	    &r->description)) != 0 ||
	    (err = weft__ctl_arg_str(c, req, "license", WEFT_LICENSE_MAX,
	    &lic)) != 0 ||
	    (err = weft__ctl_arg_str(c, req, "message", WEFT_MESSAGE_MAX,
	    &r->message)) != 0) {
		/* lic is ours until it is replaced by its canonical id. */
		free(lic);
		return err;
	}
	if (lic != NULL) {
		canon = weft_license_parse(lic);
		if (canon == NULL) {
			weft__ctl_send_err(c, WEFT_EBADLICENSE, "license '%s'",
			    lic);
			free(lic);
			return WEFT_EBADLICENSE;
		}
		free(lic);
		r->license = strdup(canon);
	} else if (from != NULL) {
		r->license = strdup(from->license);
	} else {
		r->license = strdup("NOASSERTION");
	}
	if (r->title == NULL && from != NULL)
		r->title = strdup(from->title);
	if (r->title == NULL || r->title[0] == '\0') {
		weft__ctl_send_err(c, WEFT_EBADFIELD, "the title is empty");
		return WEFT_EBADFIELD;
	}
	r->description = r->description ? r->description :
	    strdup(from ? from->description : "");
	r->message = xstrdup_or(r->message, "");
	tags = weft_obj_get(req, "tags");
	if (tags != NULL && weft_obj_type(tags) != WEFT_OBJ_NIL) {
		if (weft_obj_type(tags) != WEFT_OBJ_ARRAY ||
		    weft_obj_len(tags) > WEFT_TAGS_MAX) {
			weft__ctl_send_err(c, WEFT_EBADFIELD,
			    "'tags' must be an array of at most %d strings",
			    WEFT_TAGS_MAX);
			return WEFT_EBADFIELD;
		}
		r->tags = calloc(weft_obj_len(tags) + 1, sizeof(char *));
		if (r->tags == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < weft_obj_len(tags); i++) {
			if (weft_obj_strdup(weft_obj_at(tags, i),
			    &r->tags[i]) != 0) {
				weft__ctl_send_err(c, WEFT_EBADFIELD,
				    "'tags' must be strings");
				return WEFT_EBADFIELD;
			}
			r->ntags++;
		}
	} else if (from != NULL && from->ntags > 0) {
		r->tags = calloc(from->ntags, sizeof(char *));
		if (r->tags == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < from->ntags; i++) {
			r->tags[i] = strdup(from->tags[i]);
			if (r->tags[i] == NULL)
				return -ENOMEM;
			r->ntags++;
		}
	}
	if (r->license == NULL || r->description == NULL ||
	    r->message == NULL)
		return -ENOMEM;
	return 0;
}

/*
 * An update without "files": a revision with new metadata and the
 * newest head's files, signed and stored at once (no data frames).
 */
static void
pub_meta_only(struct weft_ctl_conn *c, struct weft_pub *p,
    struct weft_record *head)
{
	struct weft_buf	env;
	int		err;

	p->rec.files = head->files;
	p->rec.nfiles = head->nfiles;
	head->files = NULL;
	head->nfiles = 0;
	weft_record_sort(&p->rec);
	dedup_tags(&p->rec);
	err = weft_record_check(&p->rec);
	if (err == 0)
		err = weft__record_make(c->env, &p->rec, p->min_ts, &env);
	else
		weft_buf_init(&env, 0);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "cannot update");
		weft__ctl_done(c);	/* frees p */
		return;
	}
	weft__put_now(c, &env);		/* p is freed when it is done */
}

static void
op_publish(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_pub		*p = NULL;
	struct weft_record	 head;
	const char		*lic;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	const struct weft_obj	*files, *fo;
	uint8_t			 design[32], head_id[32];
	bool			 update;
	int			 err;

	weft_record_init(&head);
	err = pub_new(c, &p);
	if (err) {
		weft__ctl_send_err(c, err, "cannot publish");
		goto fail;
	}
	update = weft_obj_get(req, "design") != NULL;
	if (update) {
		if (weft__ctl_arg_id(c, req, "design", design, true) != 0)
			goto fail;
		err = weft_store_rev_design(c->env->store, design, design);
		if (err) {
			weft__ctl_send_err(c, err == WEFT_EUSAGE ?
			    WEFT_ENOTFOUND : err, "not a design");
			goto fail;
		}
		err = design_heads(c->env->store, design, &p->rec.prev, &head,
		    head_id, &p->min_ts);
		if (err) {
			weft__ctl_send_err(c, err, "cannot read the design");
			goto fail;
		}
		if (memcmp(head.author, c->env->author->pk, 32) != 0) {
			weft__ctl_send_err(c, WEFT_EDENIED,
			    "the design is by another author: fork it "
			    "instead");
			goto fail;
		}
		p->rec.has_design = true;
		memcpy(p->rec.design, design, 32);
		memcpy(p->design, design, 32);
		/* A remix stays one: the head's parents carry forward. */
		for (uint32_t i = 0; i < head.remix_of.n; i++)
			if (weft__remix_add(&p->rec.remix_of,
			    head.remix_of.ids[i]) != 0) {
				weft__ctl_send_err(c, -ENOMEM, "update");
				goto fail;
			}
		if (weft__remix_arg(c, req, "remix_of", &p->rec.remix_of) != 0)
			goto fail;
	}
	if (pub_meta(c, req, &p->rec, update ? &head : NULL) != 0)
		goto fail;
	if (weft_obj_get(req, "duplicate") != NULL &&
	    weft_obj_bool(weft_obj_get(req, "duplicate"), &p->allow_dup) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD,
		    "'duplicate' must be a boolean");
		goto fail;
	}
	/* The license is set by now: the check only checks it. */
	memcpy(p->rec.author, c->env->author->pk, 32);
	lic = p->rec.license;
	if (weft__remix_license(c, &p->rec, &lic) != 0)
		goto fail;

	files = weft_obj_get(req, "files");
	if (update && files == NULL) {
		pub_meta_only(c, p, &head);
		weft_record_release(&head);
		return;
	}
	if (weft_obj_type(files) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(files) == 0 || weft_obj_len(files) > WEFT_FILES_MAX) {
		weft__ctl_send_err(c, WEFT_EBADFIELD,
		    "'files' must list 1 to %d files", WEFT_FILES_MAX);
		goto fail;
	}
	p->rec.files = calloc(weft_obj_len(files), sizeof(*p->rec.files));
	if (p->rec.files == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "cannot publish");
		goto fail;
	}
	for (uint32_t i = 0; i < weft_obj_len(files); i++) {
		fo = weft_obj_at(files, i);
		if (weft_obj_strdup(weft_obj_get(fo, "path"),
		    &p->rec.files[i].path) == 0)
			p->rec.nfiles++;	/* released with the record */
		if (p->rec.files[i].path == NULL ||
		    weft_obj_uint(weft_obj_get(fo, "size"),
		    &p->rec.files[i].size) != 0) {
			weft__ctl_send_err(c, WEFT_EBADFIELD,
			    "file %u needs a 'path' and a 'size'", i);
			goto fail;
		}
		if (p->rec.files[i].size > WEFT_FILE_SIZE_MAX ||
		    p->total + p->rec.files[i].size < p->total) {
			weft__ctl_send_err(c, WEFT_ETOOBIG, "file '%s'",
			    p->rec.files[i].path);
			goto fail;
		}
		p->total += p->rec.files[i].size;
	}
	/* Records list files sorted by path; the bytes follow that order. */
	for (uint32_t i = 1; i < p->rec.nfiles; i++) {
		if (file_cmp(&p->rec.files[i - 1], &p->rec.files[i]) >= 0) {
			weft__ctl_send_err(c, WEFT_EBADPATH,
			    "files must be sorted by path, without duplicates "
			    "('%s')", p->rec.files[i].path);
			goto fail;
		}
	}
	/*
	 * Tags may come in any order and twice; a record holds them sorted
	 * and unique. Files are already in order, so sorting keeps them.
	 */
	weft_record_sort(&p->rec);
	dedup_tags(&p->rec);
	/* Check every field now, before any byte is sent. */
	err = weft_record_check(&p->rec);
	if (err) {
		weft__ctl_send_err(c, err, "cannot publish");
		goto fail;
	}
	weft_record_release(&head);
	weft__ctl_req_set(c, p, pub_free_req);
	c->data = pub_data;
	weft__ctl_reply_begin(&pk, &b, 0);
	weft__ctl_send(c, &b);
	if (p->total == 0) {
		/*
		 * Only empty files: finish them (the chunk job makes their
		 * lists), store the lists, sign.
		 */
		hash_feed(p, NULL, 0);
		c->state = WEFT_CTL_BUSY;
		pub_pump(c, p);
		return;
	}
	c->state = WEFT_CTL_DATA;
	return;
fail:
	weft_record_release(&head);
	pub_free(p);
	weft__ctl_done(c);
}

/* fork */

static int
fork_prepare(struct weft_ctl_conn *c, const struct weft_obj *req, void *arg)
{
	struct weft_put_job	*j = arg;
	struct weft_record	 head, r;
	uint8_t			 design[32], head_id[32];
	uint64_t		 min_ts;
	char			*title = NULL, *lic = NULL;
	const char		*license;
	int			 err;

	weft_record_init(&head);
	weft_record_init(&r);
	err = weft__ctl_arg_id(c, req, "design", design, true);
	if (err)
		goto out;
	err = weft_store_rev_design(c->env->store, design, design);
	if (err == 0)
		err = design_heads(c->env->store, design, NULL, &head, head_id,
		    &min_ts);
	if (err) {
		weft__ctl_send_err(c, err == WEFT_EUSAGE ? WEFT_ENOTFOUND :
		    err, "cannot read the design to fork");
		goto out;
	}
	err = weft__ctl_arg_str(c, req, "title", WEFT_TITLE_MAX, &title);
	if (err)
		goto out;
	if (title != NULL && title[0] == '\0') {
		err = WEFT_EBADFIELD;
		weft__ctl_send_err(c, err, "the title is empty");
		goto out;
	}
	err = weft__ctl_arg_str(c, req, "license", WEFT_LICENSE_MAX, &lic);
	if (err)
		goto out;
	if (lic != NULL && weft_license_parse(lic) == NULL) {
		err = WEFT_EBADLICENSE;
		weft__ctl_send_err(c, err, "license '%s'", lic);
		goto out;
	}
	license = lic != NULL ? weft_license_parse(lic) : NULL;
	/* The fork takes the source head's fields and files by reference. */
	r = head;
	weft_record_init(&head);
	r.has_design = false;
	free(r.prev.ids);
	r.prev.ids = NULL;
	r.prev.n = 0;
	free(r.remix_of.ids);
	r.remix_of.ids = malloc(32);
	if (r.remix_of.ids == NULL) {
		r.remix_of.n = 0;
		err = -ENOMEM;
		weft__ctl_send_err(c, err, "fork");
		goto out;
	}
	memcpy(r.remix_of.ids[0], head_id, 32);
	r.remix_of.n = 1;
	/* More parents (weft fork A --also B): their newest heads. */
	err = weft__remix_arg(c, req, "also", &r.remix_of);
	if (err)
		goto out;
	memcpy(r.author, c->env->author->pk, 32);
	err = weft__remix_license(c, &r, &license);
	if (err)
		goto out;
	if (license != NULL) {
		free(r.license);
		r.license = strdup(license);
		if (r.license == NULL) {
			err = -ENOMEM;
			weft__ctl_send_err(c, err, "fork");
			goto out;
		}
	}
	free(r.message);
	r.message = strdup("");
	if (title != NULL) {
		free(r.title);
		r.title = title;
		title = NULL;
	}
	j->store = c->env->store;
	j->genesis = true;
	err = r.message == NULL ? -ENOMEM :
	    weft__record_make(c->env, &r, min_ts, &j->env);
	if (err)
		weft__ctl_send_err(c, err, "cannot fork");
out:
	free(lic);
	free(title);
	weft_record_release(&head);
	weft_record_release(&r);
	return err;
}

const struct weft_ctl_op weft__op_publish = { .name = "publish",
	.fn = op_publish };
/*
 * A fork is a put op whose work also makes the fork's geom record, from
 * the files when this node has them (they are shared by reference).
 */
struct fork_job {
	struct weft_put_job		 put;	/* first: fork_prepare's */
	const struct weft_ctl_env	*env;
	struct weft_buf			 genv;
	uint8_t				 gid[32];
	bool				 has_geom;
};

static int
fork_prepare_job(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	struct fork_job	*j = arg;

	j->env = c->env;
	return fork_prepare(c, req, &j->put);
}

static int
fork_work(void *arg)
{
	struct fork_job		*j = arg;
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;
	int			 err;

	err = weft__put_work(&j->put);
	if (err)
		return err;
	weft_record_init(&r);
	weft_buf_init(&j->genv, WEFT_RECORD_MAX);
	err = weft_record_open(j->put.env.data, j->put.env.len, &body, &blen,
	    &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, &r);
	if (err == 0)
		err = weft__geom_publish(j->env, &r, j->put.id, j->put.id,
		    r.ts, &j->genv, j->gid);
	if (err == 0)
		j->has_geom = true;
	else if (err != WEFT_ENOTFOUND)
		log_warnc(err, "no geometry facts for fork %02x%02x%02x%02x",
		    j->put.id[0], j->put.id[1], j->put.id[2], j->put.id[3]);
	weft_record_release(&r);
	return 0;	/* the fork is stored: facts are extra */
}

static void
fork_reply(struct weft_ctl_conn *c, void *arg)
{
	struct fork_job	*j = arg;

	weft__put_reply(c, &j->put);
	if (c->env->sync != NULL && j->has_geom)
		weft_sync_local_record(c->env->sync, j->gid, j->genv.data,
		    j->genv.len);
}

static void
fork_release(void *arg)
{
	struct fork_job	*j = arg;

	weft__put_release(&j->put);
	weft_buf_release(&j->genv);
}

const struct weft_ctl_op weft__op_fork = {
	.name = "fork", .flags = WEFT_OP_POOL,
	.req_size = sizeof(struct fork_job), .prepare = fork_prepare_job,
	.release = fork_release, .work = fork_work, .reply = fork_reply,
	.what = "cannot store record",
};
