/*
 * Credits as people read them (CREDITS.md, `weft credits`): the items of
 * the control op "credits" (docs/proto/control.md) decoded, and written
 * as Markdown or plain text. Shared by weft (cli/credits.c) and weftd's
 * web UI (the CREDITS.md inside a zip), so the two are the same text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weft/err.h"
#include "weft/buf.h"
#include "weft/license.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "credits_md.h"

#define AUTHOR_PREFIX	16

void
weft_credits_release(struct weft_credits *cr)
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

int
weft_credits_item_decode(const struct weft_obj *o, struct weft_credit *c)
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

static const struct weft_credit *
find(const struct weft_credits *cr, const uint8_t rev[32])
{
	for (uint32_t i = 0; i < cr->n; i++)
		if (memcmp(cr->v[i].rev, rev, 32) == 0)
			return &cr->v[i];
	return NULL;
}

/* As the CLI's out_text(), one line: controls become '?'. */
static void
put(FILE *f, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		unsigned char	c = p[i];

		if (c == '\n' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		else if (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			i++;	/* a C1 control such as CSI, in UTF-8 */
			c = '?';
		}
		putc(c, f);
	}
}

/* The UTC date of ms since the epoch, "YYYY-MM-DD". */
static void
put_date(FILE *f, uint64_t ms)
{
	struct tm	tm;
	time_t		t;
	char		s[16];

	if (ms > UINT64_C(253402300799999))
		ms = UINT64_C(253402300799999);
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d", &tm) == 0)
		snprintf(s, sizeof(s), "0000-00-00");
	fputs(s, f);
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

	weft_hex_encode(d, c->design, 32);
	weft_hex_encode(r, c->rev, 32);
	fprintf(f, md ? "`weft:%s@%s`" : "weft:%s@%s", d, r);
}

/* "Ada (1a2b3c4d)": the name (escaped) when there is one, always the key. */
static void
put_author(FILE *f, const struct weft_credit *c, bool md)
{
	char	hex[65];

	weft_hex_encode(hex, c->author, 32);
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
		weft_hex_encode(hex, rev, 32);
		fprintf(f, md ? "revision `%s` (not on this node)" :
		    "revision %s (not on this node)", hex);
	}
}

void
weft_credits_write(FILE *f, const struct weft_credits *cr, bool md)
{
	const struct weft_credit	*top = &cr->v[0];

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
		fputs(md ? "  - published " : "    published ", f);
		put_date(f, c->ts);
		fputs("\n", f);
		for (uint32_t k = 0; k < c->nparents; k++) {
			fputs(md ? "  - remix of " : "    remix of ", f);
			put_ref(f, cr, c->parents[k], md);
			fputs("\n", f);
		}
		/* Oldest change first. */
		for (uint32_t k = c->nnotes; k-- > 0;) {
			fputs(md ? "  - changed " : "    changed ", f);
			put_date(f, c->notes[k].ts);
			fputs(" by ", f);
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
