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
struct weft_lic_filter {
	bool		on;
	char		license[WEFT_LICENSE_MAX + 1];
	unsigned	classes;
};

/*
 * Reads "license" (an id, or a class name) and "classes" (class names
 * joined by commas) from req into f. Replies on failure.
 */
int	weft__lic_filter_arg(struct weft_ctl_conn *c,
	    const struct weft_obj *req, struct weft_lic_filter *f);
/* Whether a design summary (msgpack, as stored) passes f. */
bool	weft__lic_filter_match(const struct weft_lic_filter *f,
	    const uint8_t *summary, size_t len);


#endif
