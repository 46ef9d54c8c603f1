/*
 * Comments and likes made by this node's author (social_make.h): the
 * record, its checks and its signature, for ops_social.c and the web.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "social_make.h"
#include "store.h"

static int
one_id(struct weft_id_list *l, const uint8_t *id)
{
	if (id == NULL)
		return 0;
	l->ids = malloc(32);
	if (l->ids == NULL)
		return -ENOMEM;
	memcpy(l->ids[0], id, 32);
	l->n = 1;
	return 0;
}

int
weft__comment_make(const struct weft_ctl_env *env, const uint8_t id[32],
    const char *text, const uint8_t *parent, const uint8_t *replaces,
    struct weft_buf *out)
{
	struct weft_record	r;
	int			err;

	weft_buf_init(out, 0);
	weft_record_init(&r);
	err = weft_store_rev_design(env->store, id, r.design);
	if (err) {
		err = err == WEFT_EUSAGE ? WEFT_ENOTFOUND : err;
		goto out;
	}
	r.has_design = true;
	if (memcmp(id, r.design, 32) != 0 && (err = one_id(&r.on_rev,
	    id)) != 0)
		goto out;
	if (text == NULL || text[0] == '\0') {
		err = WEFT_EUSAGE;
		goto out;
	}
	r.text = strdup(text);
	if (r.text == NULL) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = one_id(&r.parent, parent)) != 0 ||
	    (err = one_id(&r.replaces, replaces)) != 0)
		goto out;
	r.type = WEFT_REC_COMMENT;
	err = weft_record_check(&r);
	if (err == 0) {
		weft_buf_release(out);
		err = weft__record_make(env, &r, 0, out);
	}
out:
	weft_record_release(&r);
	return err;
}

int
weft__like_make(const struct weft_ctl_env *env, const uint8_t design[32],
    bool like, struct weft_buf *out, bool *unchanged)
{
	struct weft_record	r;
	uint64_t		last = 0;
	bool			likes = false;
	int			err;

	weft_buf_init(out, 0);
	*unchanged = false;
	weft_record_init(&r);
	memcpy(r.design, design, 32);
	r.has_design = true;
	r.type = WEFT_REC_REACTION;
	r.value = strdup(like ? "like" : "");
	if (r.value == NULL) {
		err = -ENOMEM;
		goto out;
	}
	err = weft_store_reaction(env->store, design, env->author->pk,
	    &likes, &last);
	if (err != 0 && err != WEFT_ENOTFOUND)
		goto out;
	err = 0;
	if (likes == like) {
		/* Nothing changes: sign nothing. */
		*unchanged = true;
		goto out;
	}
	err = weft_record_check(&r);
	if (err == 0) {
		weft_buf_release(out);
		err = weft__record_make(env, &r, last + 1, out);
	}
out:
	weft_record_release(&r);
	return err;
}
