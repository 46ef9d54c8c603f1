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

#define AUTHOR_PREFIX	16

void
weft__credits_release(struct weft_credits *cr)
{
	for (uint32_t i = 0; i < cr->n; i++) {
		struct weft_credit *c = &cr->v[i];

		free(c->title);
		free(c->name);
		free(c->license);
		free(c->parents);
		for (uint32_t k = 0; k < c->nnotes; k++)
			free(c->notes[k].message);
		free(c->notes);
	}
	free(cr->v);
	memset(cr, 0, sizeof(*cr));
}

static int
read_item(const struct weft_obj *o, struct weft_credit *c)
{
	const struct weft_obj	*a, *n;

	memset(c, 0, sizeof(*c));
	if (weft_obj_binn(weft_obj_get(o, "rev"), c->rev, 32) != 0 ||
	    weft_obj_bool(weft_obj_get(o, "present"), &c->present) != 0)
		return WEFT_EPROTO;
	if (!c->present)
		return 0;
	if (weft_obj_binn(weft_obj_get(o, "design"), c->design, 32) != 0 ||
	    weft_obj_binn(weft_obj_get(o, "author"), c->author, 32) != 0 ||
	    weft_obj_strdup(weft_obj_get(o, "title"), &c->title) != 0 ||
	    weft_obj_strdup(weft_obj_get(o, "license"), &c->license) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "ts"), &c->ts) != 0 ||
	    weft_obj_bool(weft_obj_get(o, "conflict"), &c->conflict) != 0)
		return WEFT_EPROTO;
	/* Older daemons send no name. */
	if (weft_obj_get(o, "name") != NULL &&
	    weft_obj_strdup(weft_obj_get(o, "name"), &c->name) != 0)
		return WEFT_EPROTO;
	a = weft_obj_get(o, "parents");
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(a) > WEFT_PREV_MAX)
		return WEFT_EPROTO;
	if (weft_obj_len(a) > 0) {
		c->parents = calloc(weft_obj_len(a), 32);
		if (c->parents == NULL)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < weft_obj_len(a); i++) {
		if (weft_obj_binn(weft_obj_at(a, i), c->parents[i], 32) != 0)
			return WEFT_EPROTO;
		c->nparents++;
	}
	a = weft_obj_get(o, "changes");
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY || weft_obj_len(a) > 1024)
		return WEFT_EPROTO;
	if (weft_obj_len(a) > 0) {
		c->notes = calloc(weft_obj_len(a), sizeof(*c->notes));
		if (c->notes == NULL)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < weft_obj_len(a); i++) {
		n = weft_obj_at(a, i);
		if (weft_obj_binn(weft_obj_get(n, "rev"), c->notes[i].rev,
		    32) != 0 ||
		    weft_obj_uint(weft_obj_get(n, "ts"),
		    &c->notes[i].ts) != 0 ||
		    weft_obj_strdup(weft_obj_get(n, "message"),
		    &c->notes[i].message) != 0)
			return WEFT_EPROTO;
		c->nnotes++;
	}
	return 0;
}

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
			err = read_item(weft_obj_at(items, i), &cr->v[cr->n]);
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

static const struct weft_credit *
find(const struct weft_credits *cr, const uint8_t rev[32])
{
	for (uint32_t i = 0; i < cr->n; i++)
		if (memcmp(cr->v[i].rev, rev, 32) == 0)
			return &cr->v[i];
	return NULL;
}

static void
put(FILE *f, const char *s)
{
	out_text(f, s, strlen(s), true);
}

/* "CC-BY-4.0 (https://...)" or the id alone. */
static void
put_license(FILE *f, const char *id)
{
	const struct weft_license_info	*li = weft_license_info(id);

	if (strcmp(id, WEFT_LICENSE_ARR) == 0)
		fputs("all rights reserved", f);
	else if (strcmp(id, "NOASSERTION") == 0)
		fputs("no license stated (NOASSERTION)", f);
	else if (li != NULL && li->url[0] != '\0')
		fprintf(f, "%s (%s)", li->id, li->url);
	else {
		put(f, id);
		fputs(" (https://spdx.org/licenses/", f);
		put(f, id);
		fputs(".html)", f);
	}
}

static void
put_source(FILE *f, const struct weft_credit *c, bool md)
{
	char	d[65], r[65];

	out_hex(d, c->design);
	out_hex(r, c->rev);
	fprintf(f, md ? "`weft:%s@%s`" : "weft:%s@%s", d, r);
}

/* "Ada (1a2b3c4d)": the name (escaped) when there is one, always the key. */
static void
put_author(FILE *f, const struct weft_credit *c, bool md)
{
	char	hex[65];

	out_hex(hex, c->author);
	if (c->name != NULL && c->name[0] != '\0') {
		put(f, c->name);
		fputs(" (", f);
	}
	fprintf(f, md ? "`%.*s`" : "%.*s", AUTHOR_PREFIX, hex);
	if (c->name != NULL && c->name[0] != '\0')
		fputc(')', f);
}

static void
put_ref(FILE *f, const struct weft_credits *cr, const uint8_t rev[32],
    bool md)
{
	const struct weft_credit	*p = find(cr, rev);
	char				 hex[65];

	if (p != NULL && p->present) {
		fputc('"', f);
		put(f, p->title);
		fputs("\" (", f);
		put_source(f, p, md);
		fputc(')', f);
	} else {
		out_hex(hex, rev);
		fprintf(f, md ? "revision `%s` (not on this node)" :
		    "revision %s (not on this node)", hex);
	}
}

static void
write_credits(FILE *f, const struct weft_credits *cr, bool md)
{
	const struct weft_credit	*top = &cr->v[0];
	char				 date[OUT_DATE_MAX];

	if (md)
		fputs("# Credits\n\n", f);
	if (top->present) {
		fputs(md ? "Credits for **\"" : "Credits for \"", f);
		put(f, top->title);
		fputs(md ? "\"** (" : "\" (", f);
		put_source(f, top, md);
		fputs(")", f);
		if (cr->n > 1)
			fputs(md ? ", a remix. Every work it builds on is "
			    "listed below in TASL form (title, author, source, "
			    "license), with the changes made to it." :
			    ", a remix: every work it builds on, with title, "
			    "author, source, license and changes.", f);
		fputs(md ? "\n\n" : "\n\n", f);
	}
	for (uint32_t i = 0; i < cr->n; i++) {
		const struct weft_credit *c = &cr->v[i];

		if (!c->present) {
			fputs(md ? "- " : "", f);
			put_ref(f, cr, c->rev, md);
			fputs("\n\n", f);
			continue;
		}
		/* The TASL line. */
		fputs(md ? "- **\"" : "\"", f);
		put(f, c->title);
		fputs(md ? "\"** by " : "\" by ", f);
		put_author(f, c, md);
		fputs(md ? ", source " : ", ", f);
		put_source(f, c, md);
		fputs(md ? ", licensed under " : ", ", f);
		put_license(f, c->license);
		if (c->conflict)
			fputs(md ? " (**license conflict**: its parents do not "
			    "allow this license)" : " [license conflict]", f);
		fputs("\n", f);
		out_date(date, c->ts);
		fprintf(f, md ? "  - published %.10s\n" :
		    "    published %.10s\n", date);
		for (uint32_t k = 0; k < c->nparents; k++) {
			fputs(md ? "  - remix of " : "    remix of ", f);
			put_ref(f, cr, c->parents[k], md);
			fputs("\n", f);
		}
		/* Oldest change first. */
		for (uint32_t k = c->nnotes; k-- > 0;) {
			out_date(date, c->notes[k].ts);
			fprintf(f, md ? "  - changed %.10s by " :
			    "    changed %.10s by ", date);
			put_author(f, c, md);
			fputs(": ", f);
			put(f, c->notes[k].message);
			fputs("\n", f);
		}
		fputs(md ? "\n" : "\n", f);
	}
	if (!cr->complete)
		fputs(md ? "_The chain was cut short: it is longer than weft "
		    "lists._\n" : "(the chain was cut short: it is longer "
		    "than weft lists)\n", f);
}

void
weft__credits_md(FILE *f, const struct weft_credits *cr)
{
	write_credits(f, cr, true);
}

void
weft__credits_text(FILE *f, const struct weft_credits *cr)
{
	write_credits(f, cr, false);
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
