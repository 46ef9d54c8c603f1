/*
 * License rules for remixes, on top of the store: the parents of a remix
 * (the revisions its remix_of names), what each lets the remixer do
 * (own design, grants, the license table of proto/license.c) and the
 * check fork and update run before they sign (docs/licenses.md).
 */
#ifndef WEFT_CTL_REMIX_H
#define WEFT_CTL_REMIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/license.h"
#include "weft/record.h"

struct weft_ctl_conn;
struct weft_obj;
struct weft_store;

struct weft_remix_parent {
	uint8_t		rev[WEFT_ID_BYTES];
	uint8_t		design[WEFT_ID_BYTES];
	uint8_t		author[WEFT_PK_BYTES];
	char		license[WEFT_LICENSE_MAX + 1];
	char		grant_license[WEFT_LICENSE_MAX + 1];
	bool		present;	/* the revision is in the store */
	bool		own;		/* by the remixer's author */
	bool		granted;	/* a grant lets the remixer remix */
};

/*
 * Loads the parents named by ids (remix_of revisions) for a remix by
 * author `me`: their licenses, authors and designs, and the grants that
 * apply. A revision the store lacks is left with present false. out has
 * room for ids->n entries. Returns 0 or a store error.
 */
int	weft__remix_parents(struct weft_store *s,
	    const struct weft_id_list *ids, const uint8_t me[WEFT_PK_BYTES],
	    struct weft_remix_parent *out);

/* The license table's view of the present parents; returns how many. */
size_t	weft__remix_rules(const struct weft_remix_parent *p, size_t n,
	    struct weft_license_parent *lp);

/*
 * Checks (and, when *license is NULL, chooses) the license of a remix
 * of parents p[0..n). On refusal replies to c with what refuses, why and
 * which licenses are allowed, and returns WEFT_EDENIED. *license is then
 * a canonical id with static lifetime or the caller's string.
 */
int	weft__remix_check(struct weft_ctl_conn *c,
	    const struct weft_remix_parent *p, size_t n, const char **license);

/*
 * Adds id to l, kept sorted and without duplicates (a record's remix_of
 * order). Returns 0, WEFT_ETOOBIG (WEFT_PREV_MAX) or -ENOMEM.
 */
int	weft__remix_add(struct weft_id_list *l,
	    const uint8_t id[WEFT_ID_BYTES]);

/*
 * Reads the optional array of ids under key in req (designs, whose newest
 * head is taken, or revisions) into l. Replies on failure.
 */
int	weft__remix_arg(struct weft_ctl_conn *c, const struct weft_obj *req,
	    const char *key, struct weft_id_list *l);

/*
 * The check of a remix about to be signed: r's remix_of and author. Runs
 * weft__remix_check() on its parents (replies on refusal). 0 when r
 * remixes nothing.
 */
int	weft__remix_license(struct weft_ctl_conn *c,
	    const struct weft_record *r, const char **license);

/*
 * True when a stored revision breaks the license table: its license is
 * not one every present parent allows (grants and own parents honoured).
 */
bool	weft__remix_conflict(struct weft_store *s,
	    const struct weft_record *r);
/* The same for an envelope (false if it does not decode). */
bool	weft__remix_conflict_env(struct weft_store *s, const uint8_t *env,
	    size_t len);

#endif
