/*
 * credits: the attribution chain of a revision (docs/licenses.md, CC's
 * TASL: title, author, source, license). Starting from a revision (by
 * default its design's newest head), every revision reached through
 * remix_of is credited once: its title, author, design, license, date,
 * the designs it remixes (the remix_of of it and of every earlier
 * revision of its design) and the change notes (messages) of its
 * history. Walks are capped (CREDITS_NODES_MAX credited revisions,
 * HISTORY_MAX revisions of history and NOTES_MAX notes each) so that a
 * hostile DAG costs bounded work and every item fits a frame; the reply
 * says when a cap cut it short.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "ctl_credits.h"
#include "ops.h"
#include "ops_license.h"
#include "remix.h"
#include "store.h"

#define CREDITS_NODES_MAX	256
#define HISTORY_MAX		1024
#define NOTES_MAX		64	/* change notes per revision */

struct idset {
	uint8_t		(*ids)[WEFT_ID_BYTES];
	size_t		  n, cap;
};

static bool
idset_has(const struct idset *s, const uint8_t id[WEFT_ID_BYTES])
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(s->ids[i], id, WEFT_ID_BYTES) == 0)
			return true;
	return false;
}

/* Adds id unless present or full; returns 1 added, 0 not, <0 error. */
static int
idset_add(struct idset *s, const uint8_t id[WEFT_ID_BYTES])
{
	if (idset_has(s, id) || s->n == s->cap)
		return 0;
	memcpy(s->ids[s->n++], id, WEFT_ID_BYTES);
	return 1;
}

static int
idset_init(struct idset *s, size_t cap)
{
	s->n = 0;
	s->cap = cap;
	s->ids = calloc(cap, WEFT_ID_BYTES);
	return s->ids == NULL ? -ENOMEM : 0;
}

static int
load(struct weft_store *st, const uint8_t id[WEFT_ID_BYTES],
    struct weft_record *r)
{
	struct weft_buf	env;
	int		err;

	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_record_get(st, id, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, r, NULL);
	weft_buf_release(&env);
	if (err == 0 && r->type != WEFT_REC_REV)
		err = WEFT_EUSAGE;
	return err;
}

/*
 * Packs one credited revision. Its history (rev and every earlier
 * revision through prev) gives the parents and the change notes; new
 * parents go into todo.
 */
static int
pack_node(struct weft_store *st, struct weft_pack *pk,
    const uint8_t rev[WEFT_ID_BYTES], struct idset *todo, bool *cut)
{
	struct weft_record	 r, h;
	struct idset		 hist, parents;
	struct weft_buf		 notes;
	struct weft_pack	 npk;
	uint32_t		 nnotes = 0;
	int			 err;

	weft_record_init(&r);
	weft_buf_init(&notes, NOTES_MAX * (WEFT_MESSAGE_MAX + 64));
	weft_pack_init(&npk, &notes);
	hist.ids = parents.ids = NULL;
	err = load(st, rev, &r);
	if (err == WEFT_ENOTFOUND || err == WEFT_EUSAGE) {
		weft_pack_map(pk, 2);
		weft_pack_str(pk, "rev");
		weft_pack_bin(pk, rev, WEFT_ID_BYTES);
		weft_pack_str(pk, "present");
		weft_pack_bool(pk, false);
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	if ((err = idset_init(&hist, HISTORY_MAX)) != 0 ||
	    (err = idset_init(&parents, WEFT_PREV_MAX)) != 0)
		goto out;
	idset_add(&hist, rev);
	for (size_t i = 0; i < hist.n; i++) {
		weft_record_init(&h);
		err = load(st, hist.ids[i], &h);
		if (err) {
			weft_record_release(&h);
			if (err != WEFT_ENOTFOUND)
				goto out;
			err = 0;	/* a gap in the history: skip it */
			continue;
		}
		for (uint32_t k = 0; k < h.prev.n; k++)
			if (idset_add(&hist, h.prev.ids[k]) == 0 &&
			    !idset_has(&hist, h.prev.ids[k]))
				*cut = true;
		for (uint32_t k = 0; k < h.remix_of.n; k++) {
			if (idset_add(&parents, h.remix_of.ids[k]) == 0 &&
			    !idset_has(&parents, h.remix_of.ids[k]))
				*cut = true;
			if (idset_add(todo, h.remix_of.ids[k]) == 0 &&
			    !idset_has(todo, h.remix_of.ids[k]))
				*cut = true;
		}
		if (h.message != NULL && h.message[0] != '\0' &&
		    nnotes == NOTES_MAX)
			*cut = true;
		else if (h.message != NULL && h.message[0] != '\0') {
			weft_pack_map(&npk, 3);
			weft_pack_str(&npk, "rev");
			weft_pack_bin(&npk, hist.ids[i], WEFT_ID_BYTES);
			weft_pack_str(&npk, "ts");
			weft_pack_uint(&npk, h.ts);
			weft_pack_str(&npk, "message");
			weft_pack_str(&npk, h.message);
			nnotes++;
		}
		weft_record_release(&h);
	}
	weft_pack_map(pk, 11);
	weft_pack_str(pk, "rev");
	weft_pack_bin(pk, rev, WEFT_ID_BYTES);
	/* The author's display name, "" without a profile (profiles). */
	weft_pack_str(pk, "name");
	{
		struct weft_buf		pe;
		struct weft_record	pr;

		weft_record_init(&pr);
		weft_buf_init(&pe, WEFT_RECORD_MAX);
		if (weft_store_profile(st, r.author, &pe) == 0 &&
		    weft_record_verify(pe.data, pe.len, &pr, NULL) == 0 &&
		    pr.name != NULL)
			weft_pack_str(pk, pr.name);
		else
			weft_pack_str(pk, "");
		weft_record_release(&pr);
		weft_buf_release(&pe);
	}
	weft_pack_str(pk, "present");
	weft_pack_bool(pk, true);
	weft_pack_str(pk, "design");
	weft_pack_bin(pk, r.has_design ? r.design : rev, WEFT_ID_BYTES);
	weft_pack_str(pk, "title");
	weft_pack_str(pk, r.title);
	weft_pack_str(pk, "author");
	weft_pack_bin(pk, r.author, WEFT_PK_BYTES);
	weft_pack_str(pk, "license");
	weft_pack_str(pk, r.license);
	weft_pack_str(pk, "ts");
	weft_pack_uint(pk, r.ts);
	weft_pack_str(pk, "conflict");
	weft_pack_bool(pk, weft__remix_conflict(st, &r));
	weft_pack_str(pk, "parents");
	weft_pack_array(pk, (uint32_t)parents.n);
	for (size_t i = 0; i < parents.n; i++)
		weft_pack_bin(pk, parents.ids[i], WEFT_ID_BYTES);
	/* Newest first, as the history is walked from rev back. */
	weft_pack_str(pk, "changes");
	weft_pack_array(pk, nnotes);
	err = weft_pack_error(&npk);
	if (err == 0)
		weft_pack_raw(pk, notes.data, notes.len);
out:
	free(hist.ids);
	free(parents.ids);
	weft_buf_release(&notes);
	weft_record_release(&r);
	return err;
}

static int
newest_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	(void)data;
	(void)len;
	memcpy(arg, id, WEFT_ID_BYTES);
	return 1;
}

int
weft__credits_walk(struct weft_store *st, const uint8_t rev[WEFT_ID_BYTES],
    int (*cb)(void *, const uint8_t *, size_t), void *arg, bool *complete)
{
	struct idset		 todo = { NULL, 0, 0 };
	struct weft_buf		 b;
	struct weft_pack	 pk;
	bool			 cut = false;
	int			 err;

	if (idset_init(&todo, CREDITS_NODES_MAX) != 0)
		return -ENOMEM;
	idset_add(&todo, rev);
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	err = 0;
	for (size_t i = 0; i < todo.n && err == 0; i++) {
		weft_buf_reset(&b);
		weft_pack_init(&pk, &b);
		err = pack_node(st, &pk, todo.ids[i], &todo, &cut);
		if (err == 0)
			err = weft_pack_error(&pk);
		if (err == 0)
			err = cb(arg, b.data, b.len);
	}
	weft_buf_release(&b);
	free(todo.ids);
	*complete = !cut;
	return err;
}

static void
op_credits(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_store	*st = c->env->store;
	struct weft_lister	 l;
	struct weft_pack	 pk;
	struct idset		 todo = { NULL, 0, 0 };
	uint8_t			 design[WEFT_ID_BYTES];
	uint8_t			 rev[WEFT_ID_BYTES];
	uint8_t			 rdesign[WEFT_ID_BYTES];
	bool			 cut = false;
	int			 err;

	if (weft__ctl_arg_id(c, req, "design", design, true) != 0)
		goto done;
	err = weft_store_rev_design(st, design, design);
	if (err) {
		weft__ctl_send_err(c, err == WEFT_EUSAGE ? WEFT_ENOTFOUND :
		    err, "not a design");
		goto done;
	}
	err = weft__ctl_arg_id(c, req, "rev", rev, false);
	if (err == WEFT_ENOTFOUND && weft_obj_get(req, "rev") == NULL) {
		err = weft_store_design_heads(st, design, newest_cb, rev);
		if (err == 1)
			err = 0;
		if (err) {
			weft__ctl_send_err(c, err, "cannot read the design");
			goto done;
		}
	} else if (err) {
		goto done;
	} else if (weft_store_rev_design(st, rev, rdesign) != 0 ||
	    memcmp(rdesign, design, WEFT_ID_BYTES) != 0) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND, "that revision is not "
		    "of this design");
		goto done;
	}
	if (idset_init(&todo, CREDITS_NODES_MAX) != 0) {
		weft__ctl_send_err(c, -ENOMEM, "credits");
		goto done;
	}
	idset_add(&todo, rev);
	weft__lister_init(&l, c);
	for (size_t i = 0; i < todo.n && l.err == 0; i++) {
		err = pack_node(st, &l.pk, todo.ids[i], &todo, &cut);
		if (err == 0)
			err = weft__lister_item(&l);
		if (err && l.err == 0)
			l.err = err;
	}
	weft_pack_init(&pk, &l.extra);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, WEFT_ID_BYTES);
	weft_pack_str(&pk, "rev");
	weft_pack_bin(&pk, rev, WEFT_ID_BYTES);
	weft_pack_str(&pk, "complete");
	weft_pack_bool(&pk, !cut);
	l.nextra = 3;
	free(todo.ids);
	weft__lister_finish(&l);
	return;
done:
	free(todo.ids);
	weft__ctl_done(c);
}

const struct weft_ctl_op weft__op_credits = { .name = "credits",
	.fn = op_credits };
