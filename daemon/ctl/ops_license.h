/*
 * The license filter of ls and search (ops_license.c); the ops for
 * grants and credits (ops_license.c, credits.c) are declared in ctl.h.
 */
#ifndef WEFT_OPS_LICENSE_H
#define WEFT_OPS_LICENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/record.h"

struct weft_ctl_conn;
struct weft_obj;

/*
 * A license filter for ls and search: an exact license id and/or classes
 * (WEFT_LIC_* bits, all required). A design whose head breaks the table
 * (summary "conflict") never matches a class.
 */
/*
 * The designs and authors moderation hides here (ops_moderation.c): a
 * sorted set of 32-byte keys, loaded per request.
 */
struct weft_mod_hidden {
	uint8_t		(*keys)[32];
	size_t		  n;
};

struct weft_lic_filter {
	bool		on;
	char		license[WEFT_LICENSE_MAX + 1];
	unsigned	classes;
	/* Left out whatever the license: hidden or blocked designs. */
	struct weft_mod_hidden	hidden;
};

/*
 * Reads "license" (an id, or a class name) and "classes" (class names
 * joined by commas) from req into f. Replies on failure.
 */
int	weft__lic_filter_arg(struct weft_ctl_conn *c,
	    const struct weft_obj *req, struct weft_lic_filter *f);
/* Frees what weft__lic_filter_arg() loaded into f. */
void	weft__lic_filter_release(struct weft_lic_filter *f);
/* Whether a design summary (msgpack, as stored) passes f. */
bool	weft__lic_filter_match(const struct weft_lic_filter *f,
	    const uint8_t *summary, size_t len);

/*
 * Moderation (ops_moderation.c): loads the hidden set of this node's
 * store into h (an empty set on error, which is logged), frees it, and
 * says whether design (by author) is in it.
 */
struct weft_store;
void	weft__mod_hidden_load(struct weft_store *s,
	    struct weft_mod_hidden *h);
void	weft__mod_hidden_free(struct weft_mod_hidden *h);
bool	weft__mod_hidden_has(const struct weft_mod_hidden *h,
	    const uint8_t design[32], const uint8_t *author);
/*
 * Why moderation hides or blocks design, in one line for show: 0 and the
 * line in why, or WEFT_ENOTFOUND when it does neither.
 */
int	weft__mod_why(struct weft_store *s, const uint8_t design[32],
	    char *why, size_t size);

#endif
