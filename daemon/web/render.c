/*
 * What pages.c, api.c and download.c share: responses, id resolution and
 * the design summaries of the store (docs/proto/control.md, "Summaries").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "store.h"
#include "web_impl.h"

void
weft__web_resp_init(struct weft_web_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 200;
	resp->nocache = true;
	weft_buf_init(&resp->body, WEFT_WEB_PAGE_MAX);
	weft_buf_init(&resp->record, 0);
}

void
weft__web_resp_release(struct weft_web_resp *resp)
{
	weft_buf_release(&resp->body);
	weft_buf_release(&resp->record);
	weft__web_stream_free(resp->stream);
	resp->stream = NULL;
}

int
weft__web_resolve(struct weft_store *store, const char *hex, uint8_t id[32])
{
	int	err;

	err = weft_store_resolve(store, hex, id);
	/* What moderation hides or blocks is not served, as ls hides it. */
	if (err == 0 && weft__web_moderated(store, id))
		err = WEFT_ENOTFOUND;
	return err;
}

int
weft__web_gone(struct weft_store *store, const uint8_t id[32], char *why,
    size_t cap)
{
	struct weft_store_tomb	 t;
	struct weft_record	 r;
	struct weft_buf		 env;
	int			 err;

	if (weft_store_tomb(store, id, &t) != 0 || !t.confirmed)
		return WEFT_ENOTFOUND;
	if (weft_store_tomb_local(&t)) {
		snprintf(why, cap, "removed from this node (weft rm --records)");
		return 0;
	}
	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_record_get(store, t.retract, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, &r, NULL);
	if (err == 0 && r.reason != NULL && r.reason[0] != '\0')
		snprintf(why, cap, "retracted (reason: %s)", r.reason);
	else
		snprintf(why, cap, "retracted (no reason given)");
	weft_record_release(&r);
	weft_buf_release(&env);
	return 0;
}

int
weft__web_author(struct weft_store *store, const char *s, uint8_t author[32])
{
	/* A whole key names an author even before any record of theirs. */
	if (strlen(s) == 64 && weft_hex_decode(author, 32, s, 64) == 0)
		return 0;
	return weft_store_author_resolve(store, s, author);
}

static void
copy_str(const struct weft_obj *o, char *out, size_t outsz)
{
	if (o == NULL || weft_obj_cstr(o, out, outsz) != 0)
		out[0] = '\0';
}

int
weft__web_summary_decode(const uint8_t *p, size_t n,
    struct weft_web_summary *s)
{
	struct weft_msg		 m;
	const struct weft_obj	*tags, *t;
	int			 err;

	memset(s, 0, sizeof(*s));
	err = weft_msg_decode(&m, p, n);
	if (err)
		return err;
	err = WEFT_EPROTO;
	if (weft_obj_type(m.root) != WEFT_OBJ_MAP)
		goto out;
	if (weft_obj_binn(weft_obj_get(m.root, "design"), s->design, 32) ||
	    weft_obj_binn(weft_obj_get(m.root, "head"), s->head, 32) ||
	    weft_obj_binn(weft_obj_get(m.root, "author"), s->author, 32))
		goto out;
	/* A title longer than the field is shown cut (cstr fails: empty). */
	copy_str(weft_obj_get(m.root, "title"), s->title, sizeof(s->title));
	copy_str(weft_obj_get(m.root, "license"), s->license,
	    sizeof(s->license));
	tags = weft_obj_get(m.root, "tags");
	if (tags != NULL && weft_obj_type(tags) == WEFT_OBJ_ARRAY) {
		for (uint32_t i = 0; i < weft_obj_len(tags) &&
		    s->ntags < WEFT_TAGS_MAX; i++) {
			t = weft_obj_at(tags, i);
			copy_str(t, s->tags[s->ntags], sizeof(s->tags[0]));
			if (s->tags[s->ntags][0] != '\0')
				s->ntags++;
		}
	}
	(void)weft_obj_uint(weft_obj_get(m.root, "created"), &s->created);
	(void)weft_obj_uint(weft_obj_get(m.root, "updated"), &s->updated);
	(void)weft_obj_uint(weft_obj_get(m.root, "revs"), &s->revs);
	(void)weft_obj_uint(weft_obj_get(m.root, "heads"), &s->heads);
	/* Written only when true (docs/proto/store.md, summaries). */
	(void)weft_obj_bool(weft_obj_get(m.root, "conflict"), &s->conflict);
	err = 0;
out:
	weft_msg_release(&m);
	return err;
}
