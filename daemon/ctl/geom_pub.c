/*
 * Geometry at publish: once a revision is stored, its mesh files (by
 * extension: .stl, .obj, .3mf) are read back from the store one at a
 * time, on the thread pool, and libweft_geom computes their facts and
 * fingerprints; the first one that has triangles gives the thumbnail (a
 * 3MF's own, else rendered). They go out as a `geom` record signed by the
 * author (docs/proto/records.md), with the thumbnail's chunks stored
 * first. A file that cannot be read gets a note in the record; nothing
 * here can fail the publish, whose revision is already committed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/geom.h"
#include "weft/key.h"
#include "weft/record.h"

#include "ctl.h"
#include "geom_pub.h"
#include "store.h"

/* A mesh file larger than this is noted, not read (memory). */
#define GEOM_READ_MAX	((uint64_t)256 << 20)
#define THUMB_SIZE	256
#define THUMB_PATH	"thumbnail.png"

bool
weft__geom_is_mesh(const char *path)
{
	const char	*dot = strrchr(path, '.');

	return dot != NULL && (strcasecmp(dot, ".stl") == 0 ||
	    strcasecmp(dot, ".obj") == 0 || strcasecmp(dot, ".3mf") == 0);
}

/* round(x * scale), saturating, for x >= 0. */
static uint64_t
fixed(double x, double scale)
{
	double	v = x * scale;

	if (!(v > 0))
		return 0;
	if (v >= 18446744073709549568.0)
		return UINT64_MAX;
	return (uint64_t)(v + 0.5);
}

static char *
note_of(const struct weft_geom_mesh *m, int err)
{
	char	buf[WEFT_GNOTE_MAX + 1];

	if (m->note.what == NULL)
		snprintf(buf, sizeof(buf), "%s", weft_strerror(err));
	else if (m->note.where > 0)
		snprintf(buf, sizeof(buf), "%s (%s %llu)", m->note.what,
		    m->format == WEFT_GEOM_STL && !m->ascii ? "triangle" :
		    "line", (unsigned long long)m->note.where);
	else
		snprintf(buf, sizeof(buf), "%s", m->note.what);
	return strdup(buf);
}

/* The fact of one decoded mesh. */
static int
fact_fill(struct weft_geom_fact *g, const struct weft_geom_facts *f,
    const struct weft_geom_print *p, const char *unit)
{
	char	open[WEFT_GNOTE_MAX + 1] = "";

	g->unit = strdup(unit != NULL ? unit : "millimeter");
	g->triangles = f->triangles;
	for (int i = 0; i < 3; i++) {
		g->box[i] = fixed(f->max[i] - f->min[i], 1000);
		g->extents[i] = fixed(f->extents[i], 1000);
	}
	g->area = fixed(f->area, 100);
	g->closed = f->closed;
	if (f->closed) {
		g->volume = fixed(f->volume, 1000);
	} else {
		snprintf(open, sizeof(open), "%s (%llu edges)",
		    f->open_why != NULL ? f->open_why : "open mesh",
		    (unsigned long long)f->open_edges);
	}
	g->open = strdup(open);
	g->parts = f->parts;
	g->has_key = p->has_key;
	if (p->has_key) {
		memcpy(g->key, p->key[0], 32);
		memcpy(g->key + 32, p->key[1], 32);
	}
	g->has_d2 = true;
	for (int i = 0; i < WEFT_GEOM_D2_BINS; i++) {
		g->d2[2 * i] = (uint8_t)(p->d2[i] >> 8);
		g->d2[2 * i + 1] = (uint8_t)p->d2[i];
	}
	g->has_ratio = true;
	for (int i = 0; i < 2; i++)
		g->ratio[i] = (uint32_t)fixed(p->ratio[i] < 1 ? p->ratio[i] :
		    1, 1e6);
	return g->unit == NULL || g->open == NULL ? -ENOMEM : 0;
}

/*
 * Reads, decodes and analyses one mesh file into g; the first good mesh
 * also gives the thumbnail (png empty until then).
 */
static int
fact_one(struct weft_store *s, const struct weft_file_ref *f,
    struct weft_geom_fact *g, struct weft_buf *png)
{
	struct weft_geom_mesh	 m;
	struct weft_geom_facts	 facts;
	struct weft_geom_print	 pr;
	struct weft_buf		 b;
	int			 fmt, err;

	memcpy(g->hash, f->hash, 32);
	g->path = strdup(f->path);
	fmt = weft_geom_format_guess(f->path, NULL, 0);
	g->format = strdup(weft_geom_format_name(fmt));
	if (g->path == NULL || g->format == NULL)
		return -ENOMEM;
	weft_geom_mesh_init(&m, NULL);
	weft_buf_init(&b, GEOM_READ_MAX);
	if (f->size > GEOM_READ_MAX) {
		g->note = strdup("too large to read here");
		err = 0;
		goto out;
	}
	err = weft_store_file_read(s, f, GEOM_READ_MAX, &b);
	if (err)
		goto out;
	err = weft_geom_decode(&m, fmt, b.data, b.len);
	if (err == -ENOMEM)
		goto out;
	if (err) {
		g->note = note_of(&m, err);
		err = 0;
		goto out;
	}
	err = weft_geom_analyze(&m, &facts, &pr);
	if (err == WEFT_EPROTO) {
		g->note = strdup("no triangle has an area");
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	err = fact_fill(g, &facts, &pr, m.unit);
	if (err == 0 && png->len == 0) {
		int	terr = WEFT_ENOTFOUND;

		if (fmt == WEFT_GEOM_3MF)
			terr = weft_geom_3mf_thumbnail(b.data, b.len, NULL,
			    WEFT_THUMB_MAX, png);
		if (terr) {
			png->len = 0;
			terr = weft_geom_render_png(&m, THUMB_SIZE, png);
		}
		if (terr)
			png->len = 0;	/* no thumbnail is no failure */
	}
out:
	if (err == 0 && g->note == NULL)
		g->note = strdup("");
	if (err == 0 && g->unit == NULL)
		g->unit = strdup("");
	if (err == 0 && g->open == NULL)
		g->open = strdup("");
	if (err == 0 && (g->note == NULL || g->unit == NULL ||
	    g->open == NULL))
		err = -ENOMEM;
	weft_buf_release(&b);
	weft_geom_mesh_release(&m);
	return err;
}

/* Cuts the thumbnail into chunks and stores them; fills ref. */
static int
thumb_store(struct weft_store *s, const struct weft_buf *png,
    struct weft_file_ref *ref)
{
	struct weft_chunk_ref	 refs[WEFT_THUMB_MAX / WEFT_CHUNK_MIN + 1];
	struct weft_chunk_put	 puts[WEFT_THUMB_MAX / WEFT_CHUNK_MIN + 2];
	struct weft_chunker	 ck;
	struct weft_buf		 index;
	size_t			 off = 0, k, n = 0;
	int			 err;

	weft_chunker_init(&ck);
	while (off < png->len) {
		k = weft_chunker_scan(&ck, png->data + off, png->len - off);
		if (k == 0)
			k = png->len - off;
		if (n == sizeof(refs) / sizeof(refs[0]))
			return WEFT_ETOOBIG;
		weft_hash(png->data + off, k, refs[n].id);
		refs[n].size = (uint32_t)k;
		puts[n].data = png->data + off;
		puts[n].len = k;
		memcpy(puts[n].id, refs[n].id, 32);
		n++;
		off += k;
	}
	weft_buf_init(&index, WEFT_INDEX_MAX);
	err = weft_index_encode(refs, n, &index);
	if (err == 0) {
		weft_hash(index.data, index.len, ref->index);
		memcpy(puts[n].id, ref->index, 32);
		puts[n].data = index.data;
		puts[n].len = index.len;
		weft_hash(png->data, png->len, ref->hash);
		ref->size = png->len;
		err = weft_store_chunks_put(s, puts, n + 1);
	}
	weft_buf_release(&index);
	return err;
}

int
weft__geom_publish(const struct weft_ctl_env *e,
    const struct weft_record *rev, const uint8_t id[32],
    const uint8_t design[32], uint64_t ts, struct weft_buf *env,
    uint8_t gid[32])
{
	struct weft_record	 r;
	struct weft_buf		 png, body;
	uint32_t		 n = 0;
	int			 err = 0;

	weft_record_init(&r);
	weft_buf_init(&png, WEFT_THUMB_MAX);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	for (uint32_t i = 0; i < rev->nfiles; i++)
		if (weft__geom_is_mesh(rev->files[i].path))
			n++;
	if (n == 0) {
		err = WEFT_ENOTFOUND;
		goto out;
	}
	if (n > WEFT_GFILES_MAX)
		n = WEFT_GFILES_MAX;
	r.type = WEFT_REC_GEOM;
	r.has_design = true;
	memcpy(r.design, design, 32);
	r.on_rev.ids = calloc(1, 32);
	r.gfacts = calloc(n, sizeof(*r.gfacts));
	if (r.on_rev.ids == NULL || r.gfacts == NULL) {
		err = -ENOMEM;
		goto out;
	}
	r.on_rev.n = 1;
	memcpy(r.on_rev.ids[0], id, 32);
	/* Files are sorted by path in the revision, as facts must be. */
	for (uint32_t i = 0; i < rev->nfiles && r.ngfacts < n; i++) {
		if (!weft__geom_is_mesh(rev->files[i].path))
			continue;
		err = fact_one(e->store, &rev->files[i], &r.gfacts[r.ngfacts],
		    &png);
		r.ngfacts++;
		if (err)
			goto out;
	}
	if (png.len > 0 && png.len <= WEFT_THUMB_MAX) {
		r.files = calloc(1, sizeof(*r.files));
		if (r.files == NULL) {
			err = -ENOMEM;
			goto out;
		}
		r.files[0].path = strdup(THUMB_PATH);
		if (r.files[0].path == NULL) {
			err = -ENOMEM;
			goto out;
		}
		r.nfiles = 1;
		err = thumb_store(e->store, &png, &r.files[0]);
		if (err)
			goto out;
	}
	memcpy(r.author, e->author->pk, WEFT_PK_BYTES);
	r.ts = ts;
	err = weft_record_encode_body(&r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, e->author->sk,
		    env);
	if (err == 0)
		err = weft_store_record_put(e->store, env->data, env->len,
		    gid);
out:
	weft_buf_release(&body);
	weft_buf_release(&png);
	weft_record_release(&r);
	return err;
}
