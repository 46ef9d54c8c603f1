/*
 * Actions from the pages (docs/proto/web.md, "Actions"): get a design's
 * files onto this node, follow an author, mirror a library. web.c has
 * checked Origin, token and that we are on loopback; this runs on the
 * thread pool and calls what the control socket's operations call (the
 * store's want and policy functions); web.c then tells fetch and sync
 * on the loop, as ctl/ops_policy.c does. When ctl's operations become a
 * library of their own, these should call them instead.
 */
#include <stdio.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "store.h"
#include "web_impl.h"

static int
form(const struct weft_web_req *rq, const char *key, char *out, size_t n)
{
	return weft_http_form_get((const char *)rq->body, rq->body_len, key,
	    out, n);
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
		/* An author is a key, not a record: all 64 digits. */
		if (strlen(hex) != 64 || weft_hex_decode(id, 32, hex, 64)) {
			weft__web_error(resp, 400, "an author is 64 hex "
			    "characters");
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
