/*
 * Actions from the pages (docs/proto/web.md, "Actions"): get a design's
 * files onto this node, follow an author, mirror a library, like a
 * design or take the like back, comment on it. web.c has checked
 * Origin, token and that we may act (loopback or a login); this runs on the
 * thread pool and calls what the control socket's operations call (the
 * store's want and policy functions); web.c then tells fetch and sync
 * on the loop, as ctl/ops_policy.c does. When ctl's operations become a
 * library of their own, these should call them instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "social_make.h"
#include "store.h"
#include "web_impl.h"

static int
form(const struct weft_web_req *rq, const char *key, char *out, size_t n)
{
	return weft_http_form_get((const char *)rq->body, rq->body_len, key,
	    out, n);
}

/*
 * like, unlike, comment: a record signed by this node's author, made as
 * the control ops make it (ctl/social_make.c), then stored; web.c hands
 * it to sync on the loop.
 */
static int
social(const struct weft_web_req *rq, struct weft_web_resp *resp,
    const char *act, const uint8_t id[32])
{
	struct weft_buf	 env;
	uint8_t		 design[32];
	char		 back[80], *text = NULL;
	bool		 unchanged = false;
	int		 n, err;

	if (rq->ctl == NULL) {
		weft__web_error(resp, 503, "this node cannot sign here");
		return 0;
	}
	err = weft_store_rev_design(rq->store, id, design);
	if (err) {
		weft__web_error(resp, 404, "not a design");
		return 0;
	}
	if (strcmp(act, "comment") == 0) {
		text = malloc(WEFT_COMMENT_MAX + 1);
		if (text == NULL)
			return -ENOMEM;
		n = form(rq, "text", text, WEFT_COMMENT_MAX + 1);
		if (n <= 0) {
			free(text);
			weft__web_error(resp, 400, "a comment needs text (at "
			    "most 8192 bytes)");
			return 0;
		}
		err = weft__comment_make(rq->ctl, id, text, NULL, NULL, &env);
		free(text);
		if (err != 0 && err != -ENOMEM) {
			weft_buf_release(&env);
			weft__web_error(resp, 400, "not a comment: its text is "
			    "UTF-8 with no control characters but tab and "
			    "newline");
			return 0;
		}
	} else
		err = weft__like_make(rq->ctl, design, strcmp(act, "like") ==
		    0, &env, &unchanged);
	if (err == 0 && !unchanged) {
		err = weft_store_record_put(rq->store, env.data, env.len,
		    resp->record_id);
		if (err == 0) {
			weft_buf_release(&resp->record);
			resp->record = env;
			weft_buf_init(&env, 0);
			resp->stored = true;
		}
	}
	weft_buf_release(&env);
	if (err)
		return err;
	weft_hex_encode(back, design, 32);
	snprintf(resp->location, sizeof(resp->location), "/d/%s#%s", back,
	    strcmp(act, "comment") == 0 ? "comments" : "counts");
	resp->status = 303;
	return 0;
}

int
weft__web_action(const struct weft_web_req *rq, struct weft_web_resp *resp)
{
	const char	*act = rq->rt->arg;
	char		 hex[80], back[80];
	uint8_t		 id[32], design[32];
	int		 err;

	if (form(rq, "id", hex, sizeof(hex)) <= 0) {
		weft__web_error(resp, 400, "the form names no id");
		return 0;
	}
	if (strcmp(act, "mirror") == 0 && strcmp(hex, "all") == 0) {
		err = weft_store_policy_set(rq->store, WEFT_STORE_MIRROR_ALL,
		    NULL, true);
		snprintf(resp->location, sizeof(resp->location), "/status");
		goto done;
	}
	if (strcmp(act, "follow") == 0) {
		/* An author is a key, or a unique prefix of one. */
		if (weft__web_author(rq->store, hex, id) != 0) {
			weft__web_error(resp, 400, "no such author: give a "
			    "key or a unique prefix of 8 or more hex digits");
			return 0;
		}
		err = weft_store_policy_set(rq->store, WEFT_STORE_FOLLOW, id,
		    true);
		weft_hex_encode(back, id, 32);
		snprintf(resp->location, sizeof(resp->location), "/a/%s",
		    back);
		goto done;
	}
	err = weft__web_resolve(rq->store, hex, id);
	if (err) {
		weft__web_error(resp, 404, "no such record");
		return 0;
	}
	if (strcmp(act, "like") == 0 || strcmp(act, "unlike") == 0 ||
	    strcmp(act, "comment") == 0)
		return social(rq, resp, act, id);
	weft_hex_encode(back, id, 32);
	if (strcmp(act, "mirror") == 0) {
		err = weft_store_policy_set(rq->store, WEFT_STORE_MIRROR, id,
		    true);
		snprintf(resp->location, sizeof(resp->location), "/l/%s",
		    back);
	} else {
		/* get: the revision's files become wanted; fetch does it. */
		err = weft_store_rev_design(rq->store, id, design);
		if (err == 0)
			err = weft_store_want_rev(rq->store, id);
		weft_hex_encode(back, design, 32);
		snprintf(resp->location, sizeof(resp->location), "/d/%s",
		    back);
	}
done:
	if (err == WEFT_EUSAGE || err == WEFT_ENOTFOUND) {
		resp->location[0] = '\0';
		weft__web_error(resp, 404, "not something this action takes");
		return 0;
	}
	if (err)
		return err;
	resp->status = 303;
	resp->poke = true;
	return 0;
}
