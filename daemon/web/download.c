/*
 * Downloads (web_impl.h): one file of a revision, or the revision as a
 * zip, streamed chunk by chunk from the store. The zip is "stored" (no
 * compression: models compress, but the point is speed and a known
 * length), with UTF-8 names, a fixed 1980 timestamp and a data
 * descriptor after each file for its CRC-32 (libdeflate's), so the archive is
 * written in one pass and its length is known before the first byte.
 * No ZIP64: a revision of 4 GiB or more is refused (weft get serves it).
 * Last comes CREDITS.md, the text `weft credits --format md` prints and
 * weft get writes, unless the design has a file of that name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "credits_md.h"
#include "ctl_credits.h"
#include "store.h"
#include "web_impl.h"

#define ZIP_LOCAL	30
#define ZIP_DESC	16
#define ZIP_CENTRAL	46
#define ZIP_END		22
#define ZIP_FLAGS	(1u << 3 | 1u << 11)	/* descriptor, UTF-8 */
#define ZIP_DOSDATE	0x0021			/* 1980-01-01 */
#define ZIP_LIMIT	0xffffffffull

struct item {
	char			*name;
	uint64_t		 size;
	struct weft_chunk_ref	*refs;
	size_t			 nrefs;
	uint8_t			*data;		/* or inline, nrefs 1 */
	uint32_t		 crc;
	uint64_t		 offset;	/* of the local header */
};

enum { PH_LOCAL, PH_DATA, PH_DESC, PH_CENTRAL, PH_END, PH_DONE };

struct weft_web_stream {
	bool		 zip;
	struct item	*items;
	size_t		 n;
	size_t		 fi, ci;	/* file, chunk */
	int		 phase;
	uint64_t	 off;		/* bytes produced */
	uint64_t	 cd_off;	/* where the central directory starts */
};

void
weft__web_stream_free(struct weft_web_stream *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->items[i].name);
		free(s->items[i].refs);
		free(s->items[i].data);
	}
	free(s->items);
	free(s);
}

/* Reads a file's index; every chunk must be here. */
static int
item_load(struct weft_store *store, const struct weft_file_ref *f,
    struct item *it)
{
	struct weft_buf	 b;
	uint64_t	 total;
	int		 err;

	weft_buf_init(&b, WEFT_INDEX_MAX);
	err = weft_store_chunk_get(store, f->index, &b);
	if (err == 0)
		err = weft_index_decode(b.data, b.len, &it->refs, &it->nrefs,
		    &total);
	weft_buf_release(&b);
	if (err)
		return err == WEFT_ENOTFOUND ? WEFT_EMISSING : err;
	if (total != f->size)
		return WEFT_ECORRUPT;
	for (size_t i = 0; i < it->nrefs; i++) {
		err = weft_store_chunk_has(store, it->refs[i].id);
		if (err)
			return err == WEFT_ENOTFOUND ? WEFT_EMISSING : err;
	}
	it->size = f->size;
	it->name = strdup(f->path);
	return it->name != NULL ? 0 : -ENOMEM;
}

static int
rev_load(struct weft_store *store, const uint8_t rev[32],
    struct weft_record *r)
{
	struct weft_buf	 b;
	const uint8_t	*body, *sig;
	size_t		 blen;
	int		 err;

	weft_buf_init(&b, WEFT_RECORD_MAX);
	err = weft_store_record_get(store, rev, &b);
	if (err == 0)
		err = weft_record_open(b.data, b.len, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, r);
	if (err == 0 && r->type != WEFT_REC_REV)
		err = WEFT_ENOTFOUND;
	weft_buf_release(&b);
	return err;
}

/*
 * A download reads the design's files: they are in use (max-store evicts
 * the least recently used; one write a minute at most). A failure to
 * note it does not fail the download.
 */
static void
note_use(struct weft_store *store, const uint8_t rev[32],
    const struct weft_record *r)
{
	(void)weft_store_use_touch(store, r->has_design ? r->design : rev);
}

static void
missing(struct weft_web_resp *resp, int err)
{
	if (err == WEFT_EMISSING)
		weft__web_error(resp, 409, "this node does not hold these "
		    "files yet: fetch them first (weft get)");
	else if (err == WEFT_ETOOBIG)
		weft__web_error(resp, 409, "too big for a zip here (4 GiB); "
		    "use weft get");
	else
		weft__web_error(resp, 404, "no such revision or file");
}

int
weft__web_file_stream(struct weft_store *store, const uint8_t rev[32],
    uint32_t n, struct weft_web_resp *resp)
{
	struct weft_record	 r;
	struct weft_web_stream	*s;
	const char		*base;
	int			 err;

	weft_record_init(&r);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	err = rev_load(store, rev, &r);
	if (err == 0 && n >= r.nfiles)
		err = WEFT_ENOTFOUND;
	if (err == 0) {
		s->items = calloc(1, sizeof(*s->items));
		err = s->items != NULL ? 0 : -ENOMEM;
	}
	if (err == 0) {
		s->n = 1;
		err = item_load(store, &r.files[n], &s->items[0]);
	}
	if (err) {
		weft__web_stream_free(s);
		weft_record_release(&r);
		if (err == -ENOMEM)
			return err;
		missing(resp, err);
		return 0;
	}
	note_use(store, rev, &r);
	s->phase = PH_DATA;
	resp->stream = s;
	resp->length = s->items[0].size;
	resp->ctype = "application/octet-stream";
	resp->nocache = false;
	base = strrchr(r.files[n].path, '/');
	base = base != NULL ? base + 1 : r.files[n].path;
	/* Quotes and controls cannot be in a path; a backslash can. */
	snprintf(resp->filename, sizeof(resp->filename), "%s", base);
	for (char *p = resp->filename; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '_';
	weft_record_release(&r);
	return 0;
}

static int
credit_cb(void *arg, const uint8_t *p, size_t n)
{
	struct weft_credits	*cr = arg;
	struct weft_credit	*v;
	struct weft_msg		 m;
	int			 err;

	v = realloc(cr->v, (cr->n + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	cr->v = v;
	err = weft_msg_decode(&m, p, n);
	if (err)
		return err;
	err = weft_credits_item_decode(m.root, &cr->v[cr->n]);
	cr->n++;	/* released either way */
	weft_msg_release(&m);
	return err;
}

/* CREDITS.md of rev as the zip's last item. */
static int
credits_item(struct weft_store *store, const uint8_t rev[32],
    struct item *it)
{
	struct weft_credits	 cr;
	char			*md = NULL;
	size_t			 len = 0;
	FILE			*f;
	int			 err;

	memset(&cr, 0, sizeof(cr));
	err = weft__credits_walk(store, rev, credit_cb, &cr, &cr.complete);
	if (err == 0 && cr.n == 0)
		err = WEFT_ENOTFOUND;
	if (err == 0) {
		f = open_memstream(&md, &len);
		if (f == NULL)
			err = -ENOMEM;
		else {
			weft_credits_write(f, &cr, true);
			if (fclose(f) != 0)
				err = -ENOMEM;
		}
	}
	weft_credits_release(&cr);
	if (err == 0) {
		it->name = strdup("CREDITS.md");
		it->refs = calloc(1, sizeof(*it->refs));
		if (it->name == NULL || it->refs == NULL)
			err = -ENOMEM;
	}
	if (err) {
		free(md);
		return err;
	}
	it->data = (uint8_t *)md;
	it->size = len;
	it->refs[0].size = (uint32_t)len;
	it->nrefs = 1;
	return 0;
}

static int
zip_stream(struct weft_store *store, const uint8_t rev[32],
    struct weft_web_resp *resp)
{
	struct weft_record	 r;
	struct weft_web_stream	*s;
	uint64_t		 off = 0, cd = 0;
	bool			 own = false;
	int			 err;

	weft_record_init(&r);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->zip = true;
	err = rev_load(store, rev, &r);
	if (err == 0) {
		s->items = calloc(r.nfiles + 1, sizeof(*s->items));
		err = s->items != NULL ? 0 : -ENOMEM;
	}
	for (uint32_t i = 0; err == 0 && i < r.nfiles; i++) {
		size_t	nl = strlen(r.files[i].path);

		err = item_load(store, &r.files[i], &s->items[i]);
		s->n++;
		s->items[i].offset = off;
		off += ZIP_LOCAL + nl + r.files[i].size + ZIP_DESC;
		cd += ZIP_CENTRAL + nl;
		if (err == 0 && (r.files[i].size >= ZIP_LIMIT ||
		    off >= ZIP_LIMIT))
			err = WEFT_ETOOBIG;
		if (strcmp(r.files[i].path, "CREDITS.md") == 0)
			own = true;
	}
	if (err == 0 && !own) {
		struct item	*it = &s->items[s->n];

		err = credits_item(store, rev, it);
		if (err == 0) {
			s->n++;
			it->offset = off;
			off += ZIP_LOCAL + strlen(it->name) + it->size +
			    ZIP_DESC;
			cd += ZIP_CENTRAL + strlen(it->name);
			if (off >= ZIP_LIMIT)
				err = WEFT_ETOOBIG;
		} else if (err != -ENOMEM)
			err = 0;	/* no credits: the files alone */
	}
	if (err) {
		weft__web_stream_free(s);
		weft_record_release(&r);
		if (err == -ENOMEM)
			return err;
		missing(resp, err);
		return 0;
	}
	note_use(store, rev, &r);
	s->cd_off = off;
	s->phase = s->n > 0 ? PH_LOCAL : PH_CENTRAL;
	resp->stream = s;
	resp->length = off + cd + ZIP_END;
	resp->ctype = "application/zip";
	resp->nocache = false;
	snprintf(resp->filename, sizeof(resp->filename), "%.100s",
	    r.title != NULL ? r.title : "design");
	for (char *p = resp->filename; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || *p == '/' ||
		    (unsigned char)*p < 0x20)
			*p = '_';
	strncat(resp->filename, ".zip", sizeof(resp->filename) -
	    strlen(resp->filename) - 1);
	weft_record_release(&r);
	return 0;
}

int
weft__web_download(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	uint8_t	rev[32];
	int	err;

	err = weft__web_resolve(rq->store, rq->rt->arg, rev);
	if (err) {
		weft__web_error(resp, 404, "no such revision");
		return 0;
	}
	if (rq->rt->kind == WEFT_ROUTE_ZIP)
		return zip_stream(rq->store, rev, resp);
	return weft__web_file_stream(rq->store, rev, rq->rt->n, resp);
}

static void
le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
le32(uint8_t *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

static int
put_header(struct weft_buf *out, const struct item *it, bool central)
{
	uint8_t	h[ZIP_CENTRAL];
	size_t	nl = strlen(it->name), len;
	int	err;

	memset(h, 0, sizeof(h));
	if (central) {
		le32(h, 0x02014b50);
		le16(h + 4, 20);		/* made by: 2.0, MS-DOS */
		le16(h + 6, 20);		/* needs 2.0 */
		le16(h + 8, ZIP_FLAGS);
		le16(h + 12, 0);
		le16(h + 14, ZIP_DOSDATE);
		le32(h + 16, it->crc);
		le32(h + 20, (uint32_t)it->size);
		le32(h + 24, (uint32_t)it->size);
		le16(h + 28, (uint32_t)nl);
		le32(h + 42, (uint32_t)it->offset);
		len = ZIP_CENTRAL;
	} else {
		le32(h, 0x04034b50);
		le16(h + 4, 20);
		le16(h + 6, ZIP_FLAGS);
		le16(h + 10, 0);
		le16(h + 12, ZIP_DOSDATE);
		le16(h + 26, (uint32_t)nl);
		len = ZIP_LOCAL;
	}
	err = weft_buf_add(out, h, len);
	if (err == 0)
		err = weft_buf_add(out, it->name, nl);
	return err;
}

int
weft__web_stream_next(struct weft_web_stream *s, struct weft_store *store,
    struct weft_buf *out)
{
	struct item	*it;
	uint8_t		 d[ZIP_END];
	size_t		 before = out->len;
	int		 err;

	switch (s->phase) {
	case PH_LOCAL:
		it = &s->items[s->fi];
		it->crc = 0;
		err = put_header(out, it, false);
		if (err)
			return err;
		s->ci = 0;
		s->phase = PH_DATA;
		break;
	case PH_DATA:
		it = &s->items[s->fi];
		if (s->ci < it->nrefs) {
			if (it->data != NULL)
				err = weft_buf_add(out, it->data, it->size);
			else
				err = weft_store_chunk_get(store,
				    it->refs[s->ci].id, out);
			if (err)
				return err;
			if (out->len - before != it->refs[s->ci].size)
				return WEFT_ECORRUPT;
			if (s->zip)
				it->crc = libdeflate_crc32(it->crc,
				    out->data + before, out->len - before);
			s->ci++;
			break;
		}
		if (!s->zip) {
			s->phase = PH_DONE;
			break;
		}
		s->phase = PH_DESC;
		/* FALLTHROUGH */
	case PH_DESC:
		it = &s->items[s->fi];
		le32(d, 0x08074b50);
		le32(d + 4, it->crc);
		le32(d + 8, (uint32_t)it->size);
		le32(d + 12, (uint32_t)it->size);
		err = weft_buf_add(out, d, ZIP_DESC);
		if (err)
			return err;
		s->fi++;
		s->phase = s->fi < s->n ? PH_LOCAL : PH_CENTRAL;
		if (s->phase == PH_CENTRAL)
			s->fi = 0;
		break;
	case PH_CENTRAL:
		while (s->fi < s->n) {
			err = put_header(out, &s->items[s->fi++], true);
			if (err)
				return err;
		}
		s->phase = PH_END;
		/* FALLTHROUGH */
	case PH_END:
		memset(d, 0, sizeof(d));
		le32(d, 0x06054b50);
		le16(d + 8, (uint32_t)s->n);
		le16(d + 10, (uint32_t)s->n);
		le32(d + 12, (uint32_t)(s->off + out->len - before -
		    s->cd_off));
		le32(d + 16, (uint32_t)s->cd_off);
		err = weft_buf_add(out, d, ZIP_END);
		if (err)
			return err;
		s->phase = PH_DONE;
		break;
	default:
		break;
	}
	s->off += out->len - before;
	return s->phase == PH_DONE ? 0 : 1;
}
