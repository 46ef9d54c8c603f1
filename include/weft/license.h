/*
 * License compatibility for remixes (docs/licenses.md holds the table,
 * its sources and the reasoning; tests/unit/test-license-row.c checks
 * this code against that table row by row).
 *
 * A remix of parents P1..Pn may carry license L when every parent allows
 * L. A parent by the remixer's own author, or covered by a grant without
 * terms, allows anything; a grant naming a license adds that license to
 * what the parent allows. Pure code: no I/O, no allocation.
 */
#ifndef WEFT_LICENSE_H
#define WEFT_LICENSE_H

#include <stdbool.h>
#include <stddef.h>

/* "All rights reserved", spelt as an SPDX LicenseRef. */
#define WEFT_LICENSE_ARR	"LicenseRef-All-Rights-Reserved"

/* License classes (bits). */
#define WEFT_LIC_REMIXABLE	0x01	/* grants the right to adapt */
#define WEFT_LIC_COMMERCIAL	0x02	/* commercial use allowed */
#define WEFT_LIC_SHAREALIKE	0x04	/* adaptations keep it */
#define WEFT_LIC_NODERIV	0x08	/* no adaptations without a grant */

struct weft_license_info {
	const char	*id;	/* canonical spelling */
	const char	*name;
	const char	*url;
	unsigned	 classes;
	unsigned	 tier;	/* 0 least restrictive .. 9 most */
};

/*
 * What a parent contributes to the rule: its license; free when the
 * remixer is its author or holds a grant without terms; grant_license
 * (or NULL) when a grant names a license.
 */
struct weft_license_parent {
	const char	*license;
	bool		 free;
	const char	*grant_license;
};

/* The table entry for a canonical id, or NULL when weft's table lacks it. */
const struct weft_license_info *weft_license_info(const char *id);
/* The i-th table entry (table order), or NULL past the end. */
const struct weft_license_info *weft_license_info_at(size_t i);

/*
 * Maps user input to a canonical license id: any SPDX id in any case, or
 * "all-rights-reserved" / "ARR" for WEFT_LICENSE_ARR. NULL if unknown.
 */
const char *weft_license_parse(const char *input);

/*
 * Parses a class name ("remixable", "commercial-ok", "share-alike",
 * "no-derivatives") into its bit. 0 when name is no class.
 */
unsigned	weft_license_class_parse(const char *name);
/* The classes of a canonical id (0 for ids weft's table lacks). */
unsigned	weft_license_classes(const char *id);

/*
 * True when a remix of a single parent under parent_lic may carry
 * child_lic (both canonical ids). *why (if not NULL) gets a static
 * sentence saying what the parent's license requires.
 */
bool	weft_license_allows(const char *parent_lic, const char *child_lic,
	    const char **why);

/*
 * Checks child against every parent. Returns 0 when allowed; otherwise
 * WEFT_EDENIED with *bad the index of the first parent that refuses and
 * *why its reason.
 */
int	weft_license_check(const struct weft_license_parent *p, size_t n,
	    const char *child, size_t *bad, const char **why);

/*
 * The table licenses every parent allows, in table order, written to
 * out[0..max). Returns how many there are (which may exceed max).
 */
size_t	weft_license_allowed(const struct weft_license_parent *p,
	    size_t n, const char **out, size_t max);

/*
 * The least restrictive license every parent allows (lowest tier; among
 * equals a parent's own license, then table order), or NULL when the
 * parents' licenses cannot be combined. With no parents, NULL.
 */
const char *weft_license_default(const struct weft_license_parent *p,
	    size_t n);

#endif
