/*
 * Credits: fetching the attribution chain and writing it in CC's TASL
 * form (title, author, source, license) with each remix's change notes
 * (CC BY 4.0 section 3(a)(1)(B): indicate modifications and keep earlier
 * notes). Authors are shown by key prefix: names come from profiles,
 * which nothing signs yet, and a key is what identifies an author.
 * Every string from a record is escaped (out_text) before it is written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/license.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "credits.h"
#include "ctl_client.h"
#include "output.h"

int
weft__credits_get(struct weft_ctl_client *c, const char *design,
    const char *rev, struct weft_credits *cr)
{
	const struct weft_obj	*r, *items;
	struct weft_credit	*v;
	bool			 first = true;
	int			 err;

	memset(cr, 0, sizeof(*cr));
	err = weft_ctl_client_op(c, &r, WEFT_CTL_OP_CREDITS,
	    WEFT_CTL_ARG_DESIGN, design, WEFT_CTL_ARG_REV, rev,
	    (const char *)NULL);
	for (;;) {
		if (err)
			return err;
		if (first) {
			if (weft_obj_binn(weft_obj_get(r, "design"), cr->design,
			    32) != 0 ||
			    weft_obj_binn(weft_obj_get(r, "rev"), cr->rev,
			    32) != 0 ||
			    weft_obj_bool(weft_obj_get(r, "complete"),
			    &cr->complete) != 0)
				return WEFT_EPROTO;
			first = false;
		}
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY ||
		    cr->n + weft_obj_len(items) > 4096)
			return WEFT_EPROTO;
		v = realloc(cr->v, (cr->n + weft_obj_len(items) + 1) *
		    sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		cr->v = v;
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			err = weft_credits_item_decode(weft_obj_at(items, i),
			    &cr->v[cr->n]);
			cr->n++;	/* released either way */
			if (err)
				return err;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(c, &r);
	}
	return cr->n > 0 ? 0 : WEFT_EPROTO;
}

void
weft__credits_release(struct weft_credits *cr)
{
	weft_credits_release(cr);
}

void
weft__credits_md(FILE *f, const struct weft_credits *cr)
{
	weft_credits_write(f, cr, true);
}

void
weft__credits_text(FILE *f, const struct weft_credits *cr)
{
	weft_credits_write(f, cr, false);
}

json_t *
weft__credits_json(const struct weft_credits *cr)
{
	const struct weft_license_info	*li;
	json_t				*j, *a, *o, *p, *n;

	j = json_object();
	json_object_set_new(j, "design", out_json_id(cr->design));
	json_object_set_new(j, "rev", out_json_id(cr->rev));
	json_object_set_new(j, "complete", json_boolean(cr->complete));
	a = json_array();
	for (uint32_t i = 0; i < cr->n; i++) {
		const struct weft_credit *c = &cr->v[i];

		o = json_object();
		json_object_set_new(o, "rev", out_json_id(c->rev));
		json_object_set_new(o, "present", json_boolean(c->present));
		if (c->present) {
			json_object_set_new(o, "design",
			    out_json_id(c->design));
			json_object_set_new(o, "title",
			    out_json_str(c->title, strlen(c->title)));
			json_object_set_new(o, "author",
			    out_json_id(c->author));
			json_object_set_new(o, "name", out_json_str(
			    c->name ? c->name : "", c->name ?
			    strlen(c->name) : 0));
			json_object_set_new(o, "license",
			    out_json_str(c->license, strlen(c->license)));
			li = weft_license_info(c->license);
			json_object_set_new(o, "license_url", li != NULL &&
			    li->url[0] != '\0' ? json_string(li->url) :
			    json_null());
			out_json_date(o, "date", c->ts);
			json_object_set_new(o, "license_conflict",
			    json_boolean(c->conflict));
			p = json_array();
			for (uint32_t k = 0; k < c->nparents; k++)
				json_array_append_new(p,
				    out_json_id(c->parents[k]));
			json_object_set_new(o, "remix_of", p);
			p = json_array();
			for (uint32_t k = c->nnotes; k-- > 0;) {
				n = json_object();
				json_object_set_new(n, "rev",
				    out_json_id(c->notes[k].rev));
				out_json_date(n, "date", c->notes[k].ts);
				json_object_set_new(n, "message",
				    out_json_str(c->notes[k].message,
				    strlen(c->notes[k].message)));
				json_array_append_new(p, n);
			}
			json_object_set_new(o, "changes", p);
		}
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "credits", a);
	return j;
}
