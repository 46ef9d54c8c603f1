/*
 * publish (and update) and fork. A publish streams file bytes in "data"
 * frames. Each frame is processed by two jobs on the thread pool at once,
 * one per core: job A feeds the whole-file BLAKE2b-256, job B cuts chunks
 * (FastCDC), hashes them and batches them for the store. Reading from the
 * client pauses while a frame is in flight, which bounds memory to one
 * frame plus one batch whatever the file size. Chunks are committed in
 * batches as they come (they are content-addressed, so a publish that
 * fails leaves only unreferenced chunks); the revision is signed and
 * committed last, and only that commit is acknowledged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "ops.h"
#include "store.h"

/* Chunk bytes collected before one store transaction. */
#define PUB_BATCH_MAX	(8u * 1024 * 1024)

struct weft_pub {
	struct weft_daemon		*d;
	struct weft_record		 rec;
	uint64_t			 min_ts;
	uint64_t			 total;
	uint64_t			 received;

	/* Job A: whole-file hashes. */
	uint32_t			 a_file;
	uint64_t			 a_off;
	crypto_generichash_state	 hs;

	/* Job B: chunks and chunk lists. */
	uint32_t			 b_file;
	uint64_t			 b_off;
	struct weft_chunker		 ck;
	uint8_t				*cur;		/* current chunk */
	size_t				 cur_len;
	struct weft_chunk_ref		*refs;		/* current file */
	size_t				 nrefs;
	size_t				 refs_cap;
	struct weft_buf			 batch;		/* bytes to store */
	struct weft_chunk_put		*puts;
	size_t				 nputs;
	size_t				 puts_cap;
	size_t				*put_off;	/* offsets in batch */

	/* The frame being processed. */
	uint8_t				*frame;
	const uint8_t			*data;
	size_t				 len;
	int				 pending;
	int				 err_a;
	int				 err_b;

	/* Result. */
	struct weft_buf			 env;
	uint8_t				 id[32];
	uint8_t				 design[32];
};

void
weft__pub_free(struct weft_pub *p)
{
	if (p == NULL)
		return;
	weft_record_release(&p->rec);
	free(p->cur);
	free(p->refs);
	weft_buf_release(&p->batch);
	free(p->puts);
	free(p->put_off);
	free(p->frame);
	weft_buf_release(&p->env);
	sodium_memzero(&p->hs, sizeof(p->hs));
	free(p);
}

/* Job A */

/*
 * Feeds len bytes to the whole-file hashes, finishing every file whose
 * size is reached, empty files included.
 */
static void
feed_a(struct weft_pub *p, const uint8_t *data, size_t len)
{
	struct weft_file_ref	*f;
	uint64_t		 take;

	for (;;) {
		while (p->a_file < p->rec.nfiles &&
		    p->a_off == p->rec.files[p->a_file].size) {
			f = &p->rec.files[p->a_file];
			crypto_generichash_final(&p->hs, f->hash, 32);
			p->a_file++;
			p->a_off = 0;
			crypto_generichash_init(&p->hs, NULL, 0, 32);
		}
		if (len == 0 || p->a_file >= p->rec.nfiles)
			break;
		f = &p->rec.files[p->a_file];
		take = f->size - p->a_off;
		if (take > len)
			take = len;
		crypto_generichash_update(&p->hs, data, take);
		p->a_off += take;
		data += take;
		len -= (size_t)take;
	}
}

/* Job B */

static int
batch_flush(struct weft_pub *p)
{
	int	err;

	if (p->nputs == 0)
		return 0;
	for (size_t i = 0; i < p->nputs; i++)
		p->puts[i].data = p->batch.data + p->put_off[i];
	err = weft_store_chunks_put(p->d->store, p->puts, p->nputs);
	p->nputs = 0;
	weft_buf_reset(&p->batch);
	return err;
}

static int
batch_add(struct weft_pub *p, const uint8_t id[32], const uint8_t *data,
    size_t len)
{
	size_t	ncap;
	void	*np, *no;
	int	 err;

	if (p->nputs == p->puts_cap) {
		ncap = p->puts_cap ? p->puts_cap * 2 : 256;
		np = realloc(p->puts, ncap * sizeof(*p->puts));
		if (np == NULL)
			return -ENOMEM;
		p->puts = np;
		no = realloc(p->put_off, ncap * sizeof(*p->put_off));
		if (no == NULL)
			return -ENOMEM;
		p->put_off = no;
		p->puts_cap = ncap;
	}
	p->put_off[p->nputs] = p->batch.len;
	err = weft_buf_add(&p->batch, data, len);
	if (err)
		return err;
	memcpy(p->puts[p->nputs].id, id, 32);
	p->puts[p->nputs].len = len;
	p->nputs++;
	if (p->batch.len >= PUB_BATCH_MAX)
		return batch_flush(p);
	return 0;
}

static int
chunk_emit(struct weft_pub *p)
{
	struct weft_chunk_ref	*r;
	size_t			 ncap;

	if (p->nrefs == p->refs_cap) {
		ncap = p->refs_cap ? p->refs_cap * 2 : 64;
		r = realloc(p->refs, ncap * sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		p->refs = r;
		p->refs_cap = ncap;
	}
	r = &p->refs[p->nrefs++];
	weft_hash(p->cur, p->cur_len, r->id);
	r->size = (uint32_t)p->cur_len;
	p->cur_len = 0;
	return batch_add(p, r->id, p->cur, r->size);
}

/* The file's last chunk, then its chunk list, stored as a chunk too. */
static int
file_end_b(struct weft_pub *p, struct weft_file_ref *f)
{
	struct weft_buf	idx;
	int		err;

	if (p->cur_len > 0) {
		err = chunk_emit(p);
		if (err)
			return err;
	}
	weft_buf_init(&idx, WEFT_INDEX_MAX);
	err = weft_index_encode(p->refs, p->nrefs, &idx);
	if (err == 0) {
		weft_hash(idx.data, idx.len, f->index);
		err = batch_add(p, f->index, idx.data, idx.len);
	}
	weft_buf_release(&idx);
	p->nrefs = 0;
	weft_chunker_init(&p->ck);
	return err;
}

static int
feed_b(struct weft_pub *p, const uint8_t *data, size_t len)
{
	struct weft_file_ref	*f;
	uint64_t		 take;
	size_t			 k, seg;
	int			 err;

	for (;;) {
		while (p->b_file < p->rec.nfiles &&
		    p->b_off == p->rec.files[p->b_file].size) {
			err = file_end_b(p, &p->rec.files[p->b_file]);
			if (err)
				return err;
			p->b_file++;
			p->b_off = 0;
		}
		if (len == 0 || p->b_file >= p->rec.nfiles)
			break;
		f = &p->rec.files[p->b_file];
		take = f->size - p->b_off;
		if (take > len)
			take = len;
		seg = (size_t)take;
		while (seg > 0) {
			k = weft_chunker_scan(&p->ck, data, seg);
			if (k == 0) {
				memcpy(p->cur + p->cur_len, data, seg);
				p->cur_len += seg;
				data += seg;
				p->b_off += seg;
				len -= seg;
				seg = 0;
				break;
			}
			memcpy(p->cur + p->cur_len, data, k);
			p->cur_len += k;
			data += k;
			p->b_off += k;
			len -= k;
			seg -= k;
			err = chunk_emit(p);
			if (err)
				return err;
		}
	}
	return 0;
}

static int
work_a(void *arg)
{
	struct weft_pub	*p = arg;

	feed_a(p, p->data, p->len);
	return 0;
}

static int
work_b(void *arg)
{
	struct weft_pub	*p = arg;

	return feed_b(p, p->data, p->len);
}

/* The end: store the last chunks, then sign and store the revision. */
static int
work_finish(void *arg)
{
	struct weft_pub	*p = arg;
	struct weft_buf	 body;
	int		 err;

	err = batch_flush(p);
	if (err)
		return err;
	memcpy(p->rec.author, p->d->author.pk, WEFT_PK_BYTES);
	p->rec.ts = weft_daemon_now_ms();
	if (p->rec.ts < p->min_ts)
		p->rec.ts = p->min_ts;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&p->env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(&p->rec, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, p->d->author.sk,
		    &p->env);
	weft_buf_release(&body);
	if (err)
		return err;
	err = weft_store_record_put(p->d->store, p->env.data, p->env.len,
	    p->id);
	if (err == 0 && !p->rec.has_design)
		memcpy(p->design, p->id, 32);
	return err;
}

static void
finish_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_pub		*p = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	c->pub = NULL;
	if (status) {
		weft__ctl_send_err(c, status, "cannot publish");
	} else {
		log_info("published revision %02x%02x%02x%02x of design "
		    "%02x%02x%02x%02x (%llu bytes in %u files)", p->id[0],
		    p->id[1], p->id[2], p->id[3], p->design[0], p->design[1],
		    p->design[2], p->design[3], (unsigned long long)p->total,
		    p->rec.nfiles);
		weft__ctl_reply_begin(&pk, &b, 3);
		weft_pack_str(&pk, "id");
		weft_pack_bin(&pk, p->id, 32);
		weft_pack_str(&pk, "design");
		weft_pack_bin(&pk, p->design, 32);
		weft_pack_str(&pk, "record");
		weft_pack_bin(&pk, p->env.data, p->env.len);
		weft__ctl_send(c, &b);
	}
	weft__pub_free(p);
	weft__ctl_done(c);
}

static void
pub_fail(struct weft_ctl_conn *c, int err)
{
	weft__ctl_send_err(c, err, "cannot publish");
	weft__ctl_close(c);
}

static void
pub_finish(struct weft_ctl_conn *c)
{
	int	err;

	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, work_finish, finish_done, c->pub);
	if (err)
		finish_done(c, c->pub, err);
}

static void
frame_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_pub	*p = arg;

	if (status && p->err_a == 0 && p->err_b == 0)
		p->err_b = status;
	if (--p->pending > 0)
		return;
	free(p->frame);
	p->frame = NULL;
	p->received += p->len;
	if (c->closing)
		return;
	if (p->err_a || p->err_b) {
		pub_fail(c, p->err_a ? p->err_a : p->err_b);
		return;
	}
	if (p->received == p->total) {
		pub_finish(c);
		return;
	}
	c->state = WEFT_CTL_DATA;
	weft__ctl_done(c);
	c->state = WEFT_CTL_DATA;
}

void
weft__pub_data(struct weft_ctl_conn *c, const struct weft_obj *msg,
    uint8_t *body, bool *keep)
{
	struct weft_pub	*p = c->pub;
	const char	*op;
	size_t		 oplen;
	int		 err;

	*keep = false;
	if (weft_obj_str(weft_obj_get(msg, "op"), &op, &oplen) != 0 ||
	    oplen != 4 || memcmp(op, "data", 4) != 0 ||
	    weft_obj_bin(weft_obj_get(msg, "data"), &p->data, &p->len) != 0 ||
	    p->len == 0 || p->len > WEFT_CTL_DATA_MAX) {
		pub_fail(c, WEFT_EPROTO);
		return;
	}
	if (p->len > p->total - p->received) {
		weft__ctl_send_err(c, WEFT_EPROTO,
		    "more data than the files' sizes");
		weft__ctl_close(c);
		return;
	}
	/* The jobs read p->data, which points into body: keep it. */
	*keep = true;
	p->frame = body;
	p->pending = 2;
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, work_a, frame_done, p);
	if (err) {
		p->pending = 0;
		p->frame = NULL;
		*keep = false;
		pub_fail(c, err);
		return;
	}
	err = weft__ctl_work(c, work_b, frame_done, p);
	if (err) {
		p->err_b = err;
		frame_done(c, p, err);
	}
}

/* Request */

static int
pub_new(struct weft_ctl_conn *c, struct weft_pub **pp)
{
	struct weft_pub	*p;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->d = c->d;
	weft_record_init(&p->rec);
	p->rec.type = WEFT_REC_REV;
	weft_buf_init(&p->batch, PUB_BATCH_MAX + WEFT_INDEX_MAX);
	weft_buf_init(&p->env, WEFT_RECORD_MAX);
	weft_chunker_init(&p->ck);
	crypto_generichash_init(&p->hs, NULL, 0, 32);
	p->cur = malloc(WEFT_CHUNK_MAX);
	if (p->cur == NULL) {
		weft__pub_free(p);
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
	    &r->message)) != 0)
		return err;
	if (lic != NULL) {
		canon = weft_license_find(lic);
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

void
weft__op_publish(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_pub		*p = NULL;
	struct weft_record	 head;
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
		err = weft_store_rev_design(c->d->store, design, design);
		if (err) {
			weft__ctl_send_err(c, err == WEFT_EUSAGE ?
			    WEFT_ENOTFOUND : err, "not a design");
			goto fail;
		}
		err = design_heads(c->d->store, design, &p->rec.prev, &head,
		    head_id, &p->min_ts);
		if (err) {
			weft__ctl_send_err(c, err, "cannot read the design");
			goto fail;
		}
		if (memcmp(head.author, c->d->author.pk, 32) != 0) {
			weft__ctl_send_err(c, WEFT_EDENIED,
			    "the design is by another author: fork it "
			    "instead");
			goto fail;
		}
		p->rec.has_design = true;
		memcpy(p->rec.design, design, 32);
		memcpy(p->design, design, 32);
	}
	if (pub_meta(c, req, &p->rec, update ? &head : NULL) != 0)
		goto fail;

	files = weft_obj_get(req, "files");
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
		    &p->rec.files[i].path) != 0 ||
		    weft_obj_uint(weft_obj_get(fo, "size"),
		    &p->rec.files[i].size) != 0) {
			weft__ctl_send_err(c, WEFT_EBADFIELD,
			    "file %u needs a 'path' and a 'size'", i);
			goto fail;
		}
		p->rec.nfiles++;
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
	c->pub = p;
	weft__ctl_reply_begin(&pk, &b, 0);
	weft__ctl_send(c, &b);
	if (p->total == 0) {
		feed_a(p, NULL, 0);
		err = feed_b(p, NULL, 0);
		if (err) {
			pub_fail(c, err);
			return;
		}
		pub_finish(c);
		return;
	}
	c->state = WEFT_CTL_DATA;
	return;
fail:
	weft_record_release(&head);
	weft__pub_free(p);
	weft__ctl_done(c);
}

/* fork */

void
weft__op_fork(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_record	 head, r;
	struct weft_buf		 env;
	uint8_t			 design[32], head_id[32];
	uint64_t		 min_ts;
	char			*title = NULL;
	int			 err;

	weft_record_init(&head);
	weft_record_init(&r);
	if (weft__ctl_arg_id(c, req, "design", design, true) != 0)
		goto out;
	err = weft_store_rev_design(c->d->store, design, design);
	if (err == 0)
		err = design_heads(c->d->store, design, NULL, &head, head_id,
		    &min_ts);
	if (err) {
		weft__ctl_send_err(c, err == WEFT_EUSAGE ? WEFT_ENOTFOUND :
		    err, "cannot read the design to fork");
		goto out;
	}
	if (weft__ctl_arg_str(c, req, "title", WEFT_TITLE_MAX, &title) != 0)
		goto out;
	if (title != NULL && title[0] == '\0') {
		weft__ctl_send_err(c, WEFT_EBADFIELD, "the title is empty");
		goto out;
	}
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
		weft__ctl_send_err(c, -ENOMEM, "fork");
		goto out;
	}
	memcpy(r.remix_of.ids[0], head_id, 32);
	r.remix_of.n = 1;
	free(r.message);
	r.message = strdup("");
	if (title != NULL) {
		free(r.title);
		r.title = title;
		title = NULL;
	}
	err = r.message == NULL ? -ENOMEM :
	    weft__record_make(c->d, &r, min_ts, &env);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "cannot fork");
		goto out;
	}
	weft_record_release(&r);
	weft__put_and_reply(c, &env, true);
	return;
out:
	free(title);
	weft_record_release(&head);
	weft_record_release(&r);
	weft__ctl_done(c);
}
