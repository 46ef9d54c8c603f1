/*
 * Thumbnails (docs/proto/web.md, "Thumbnails"): GET /thumb/REV is the
 * PNG a 3MF file of the revision carries (geom's reader: the package
 * thumbnail, else Metadata/thumbnail.png, else Bambu's plate_1.png),
 * from the first 3MF in the record's order that has one and whose bytes
 * this node holds; otherwise a redirect to a neutral picture
 * (/static/nothumb.svg), so that a list's image never fails. A revision
 * never changes, so a found thumbnail may be cached for good; a miss is
 * cached for five minutes (the files may come). When the geom helper's
 * publish-time thumbnails arrive, they should be preferred here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/geom.h"
#include "weft/record.h"

#include "store.h"
#include "web_impl.h"

#define THUMB_3MF_MAX	(32u * 1024 * 1024)	/* a 3MF read for it */
#define THUMB_PNG_MAX	(1024u * 1024)		/* the PNG served */
#define THUMB_3MF_TRIED	4			/* 3MF files looked in */

static bool
is_3mf(const char *path)
{
	size_t	n = strlen(path);

	return n > 4 && strcasecmp(path + n - 4, ".3mf") == 0;
}

int
weft__web_thumb_find(struct weft_store *store, const struct weft_record *r,
    struct weft_buf *png)
{
	struct weft_geom_limits	 lim;
	struct weft_buf		 file;
	unsigned		 tried = 0;
	int			 err = WEFT_ENOTFOUND;

	weft_geom_limits_default(&lim);
	for (uint32_t i = 0; i < r->nfiles && tried < THUMB_3MF_TRIED; i++) {
		if (!is_3mf(r->files[i].path))
			continue;
		tried++;
		weft_buf_init(&file, THUMB_3MF_MAX);
		err = weft_store_file_read(store, &r->files[i],
		    THUMB_3MF_MAX, &file);
		if (err == 0)
			err = weft_geom_3mf_thumbnail(file.data, file.len, &lim,
			    THUMB_PNG_MAX, png);
		weft_buf_release(&file);
		if (err == 0)
			return 0;
		if (err == -ENOMEM)
			return err;
		weft_buf_reset(png);
	}
	return err == -ENOMEM ? err : WEFT_ENOTFOUND;
}

int
weft__web_thumb(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	struct weft_record	 r;
	struct weft_buf		 env;
	const uint8_t		*body, *sig;
	size_t			 blen;
	uint8_t			 rev[32];
	int			 err;

	if (weft__web_resolve(rq->store, rq->rt->arg, rev) != 0) {
		weft__web_error(resp, 404, "no such revision");
		return 0;
	}
	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_record_get(rq->store, rev, &env);
	if (err == 0)
		err = weft_record_open(env.data, env.len, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, &r);
	if (err == 0 && r.type != WEFT_REC_REV)
		err = WEFT_ENOTFOUND;
	weft_buf_release(&env);
	if (err == 0) {
		weft_buf_reset(&resp->body);
		err = weft__web_thumb_find(rq->store, &r, &resp->body);
	}
	weft_record_release(&r);
	if (err == -ENOMEM)
		return err;
	if (err) {
		weft_buf_reset(&resp->body);
		resp->status = 302;
		snprintf(resp->location, sizeof(resp->location),
		    "/static/nothumb.svg");
		resp->nocache = false;
		resp->max_age = 300;
		return 0;
	}
	resp->ctype = "image/png";
	resp->nocache = false;
	resp->max_age = 31536000;
	return 0;
}
