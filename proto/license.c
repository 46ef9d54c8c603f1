/*
 * The license compatibility table (docs/licenses.md). Each license has a
 * family (which rule applies) and a version; the rules below say, for a
 * parent license, which licenses a remix may carry. A license not in the
 * table (any other SPDX id) is unknown: as a parent it allows only
 * NOASSERTION and all rights reserved, as a child it is allowed only by
 * parents that allow anything (CC0) or any license but a few.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "weft/err.h"
#include "weft/license.h"
#include "weft/record.h"

enum fam {
	F_CC0 = 1,
	F_PERMISSIVE,	/* MIT, BSD, CERN-OHL-P: keep the notice */
	F_APACHE,	/* permissive, but not into GPLv2 */
	F_BY,
	F_BYSA,
	F_BYNC,
	F_BYNCSA,
	F_ND,		/* BY-ND, BY-NC-ND */
	F_GPL2,
	F_GPL2P,
	F_GPL3,
	F_GPL3P,
	F_LGPL21,
	F_LGPL21P,
	F_LGPL3,
	F_LGPL3P,
	F_OHLW,
	F_OHLS,
	F_TAPR,
	F_ARR,
	F_NOASSERT,
};

#define R	WEFT_LIC_REMIXABLE
#define C	WEFT_LIC_COMMERCIAL
#define S	WEFT_LIC_SHAREALIKE
#define N	WEFT_LIC_NODERIV

struct entry {
	struct weft_license_info	info;
	enum fam			fam;
	unsigned			ver;	/* 20, 25, 30, 40 for CC */
};

#define CCURL	"https://creativecommons.org/licenses/"
#define CC(id, nm, path, v, cl, t, f)					\
	{ { id, nm, CCURL path "/", cl, t }, f, v }
#define CCSET(EL, el, nm, cl, t, f)					\
	CC("CC-" EL "-4.0", nm " 4.0", el "/4.0", 40, cl, t, f),	\
	CC("CC-" EL "-3.0", nm " 3.0", el "/3.0", 30, cl, t, f),	\
	CC("CC-" EL "-2.5", nm " 2.5", el "/2.5", 25, cl, t, f),	\
	CC("CC-" EL "-2.0", nm " 2.0", el "/2.0", 20, cl, t, f)

static const struct entry table[] = {
	{ { "CC0-1.0", "CC0 1.0 Universal",
	    "https://creativecommons.org/publicdomain/zero/1.0/", R | C, 0 },
	    F_CC0, 0 },
	{ { "MIT", "MIT License", "https://spdx.org/licenses/MIT.html",
	    R | C, 1 }, F_PERMISSIVE, 0 },
	{ { "BSD-2-Clause", "BSD 2-Clause License",
	    "https://spdx.org/licenses/BSD-2-Clause.html", R | C, 1 },
	    F_PERMISSIVE, 0 },
	{ { "BSD-3-Clause", "BSD 3-Clause License",
	    "https://spdx.org/licenses/BSD-3-Clause.html", R | C, 1 },
	    F_PERMISSIVE, 0 },
	{ { "Apache-2.0", "Apache License 2.0",
	    "https://www.apache.org/licenses/LICENSE-2.0", R | C, 1 },
	    F_APACHE, 0 },
	{ { "CERN-OHL-P-2.0", "CERN Open Hardware Licence v2 Permissive",
	    "https://ohwr.org/cern_ohl_p_v2.txt", R | C, 1 },
	    F_PERMISSIVE, 0 },
	CCSET("BY", "by", "Creative Commons Attribution", R | C, 2, F_BY),
	{ { "LGPL-3.0-or-later", "GNU LGPL v3.0 or later",
	    "https://www.gnu.org/licenses/lgpl-3.0.html", R | C | S, 3 },
	    F_LGPL3P, 0 },
	{ { "LGPL-3.0-only", "GNU LGPL v3.0 only",
	    "https://www.gnu.org/licenses/lgpl-3.0.html", R | C | S, 3 },
	    F_LGPL3, 0 },
	{ { "LGPL-2.1-or-later", "GNU LGPL v2.1 or later",
	    "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html",
	    R | C | S, 3 }, F_LGPL21P, 0 },
	{ { "LGPL-2.1-only", "GNU LGPL v2.1 only",
	    "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html",
	    R | C | S, 3 }, F_LGPL21, 0 },
	{ { "CERN-OHL-W-2.0",
	    "CERN Open Hardware Licence v2 Weakly Reciprocal",
	    "https://ohwr.org/cern_ohl_w_v2.txt", R | C | S, 3 },
	    F_OHLW, 0 },
	CCSET("BY-SA", "by-sa", "Creative Commons Attribution-ShareAlike",
	    R | C | S, 4, F_BYSA),
	{ { "GPL-3.0-or-later", "GNU GPL v3.0 or later",
	    "https://www.gnu.org/licenses/gpl-3.0.html", R | C | S, 4 },
	    F_GPL3P, 0 },
	{ { "GPL-3.0-only", "GNU GPL v3.0 only",
	    "https://www.gnu.org/licenses/gpl-3.0.html", R | C | S, 4 },
	    F_GPL3, 0 },
	{ { "GPL-2.0-or-later", "GNU GPL v2.0 or later",
	    "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
	    R | C | S, 4 }, F_GPL2P, 0 },
	{ { "GPL-2.0-only", "GNU GPL v2.0 only",
	    "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
	    R | C | S, 4 }, F_GPL2, 0 },
	{ { "CERN-OHL-S-2.0",
	    "CERN Open Hardware Licence v2 Strongly Reciprocal",
	    "https://ohwr.org/cern_ohl_s_v2.txt", R | C | S, 4 },
	    F_OHLS, 0 },
	{ { "TAPR-OHL-1.0", "TAPR Open Hardware License v1.0",
	    "https://tapr.org/the-tapr-open-hardware-license/", R | C | S,
	    4 }, F_TAPR, 0 },
	CCSET("BY-NC", "by-nc", "Creative Commons Attribution-NonCommercial",
	    R, 5, F_BYNC),
	CCSET("BY-NC-SA", "by-nc-sa",
	    "Creative Commons Attribution-NonCommercial-ShareAlike", R | S,
	    6, F_BYNCSA),
	CCSET("BY-ND", "by-nd", "Creative Commons Attribution-NoDerivatives",
	    C | N, 7, F_ND),
	CCSET("BY-NC-ND", "by-nc-nd",
	    "Creative Commons Attribution-NonCommercial-NoDerivatives", N, 7,
	    F_ND),
	{ { "NOASSERTION", "no license stated", "", 0, 8 }, F_NOASSERT, 0 },
	{ { WEFT_LICENSE_ARR, "all rights reserved", "", N, 9 }, F_ARR, 0 },
};

#define NTABLE	(sizeof(table) / sizeof(table[0]))

static const struct entry *
find(const char *id)
{
	if (id == NULL)
		return NULL;
	for (size_t i = 0; i < NTABLE; i++)
		if (strcmp(table[i].info.id, id) == 0)
			return &table[i];
	return NULL;
}

const struct weft_license_info *
weft_license_info(const char *id)
{
	const struct entry	*e = find(id);

	return e != NULL ? &e->info : NULL;
}

const struct weft_license_info *
weft_license_info_at(size_t i)
{
	return i < NTABLE ? &table[i].info : NULL;
}

const char *
weft_license_parse(const char *input)
{
	if (input == NULL)
		return NULL;
	if (strcasecmp(input, "all-rights-reserved") == 0 ||
	    strcasecmp(input, "arr") == 0)
		return WEFT_LICENSE_ARR;
	return weft_license_find(input);
}

unsigned
weft_license_class_parse(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "remixable") == 0)
		return WEFT_LIC_REMIXABLE;
	if (strcmp(name, "commercial-ok") == 0)
		return WEFT_LIC_COMMERCIAL;
	if (strcmp(name, "share-alike") == 0)
		return WEFT_LIC_SHAREALIKE;
	if (strcmp(name, "no-derivatives") == 0)
		return WEFT_LIC_NODERIV;
	return 0;
}

unsigned
weft_license_classes(const char *id)
{
	const struct entry	*e = find(id);

	return e != NULL ? e->info.classes : 0;
}

static bool
is(const struct entry *e, enum fam f)
{
	return e != NULL && e->fam == f;
}

static bool
is_id(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static bool
has_by(const struct entry *c)
{
	return c != NULL && (c->fam == F_BY || c->fam == F_BYSA ||
	    c->fam == F_BYNC || c->fam == F_BYNCSA || c->fam == F_ND);
}

static bool
has_nc(const struct entry *c)
{
	return c != NULL && (c->fam == F_BYNC || c->fam == F_BYNCSA ||
	    (c->fam == F_ND && strstr(c->info.id, "-NC-") != NULL));
}

static bool
any_gpl(const struct entry *c)
{
	return is(c, F_GPL2) || is(c, F_GPL2P) || is(c, F_GPL3) ||
	    is(c, F_GPL3P);
}

static bool
any_lgpl(const struct entry *c)
{
	return is(c, F_LGPL21) || is(c, F_LGPL21P) || is(c, F_LGPL3) ||
	    is(c, F_LGPL3P);
}

/* The rule of one parent license; cid is the child's canonical id. */
static bool
rule(const struct entry *p, const char *cid, const char **why)
{
	const struct entry	*c = find(cid);
	bool			 known = weft_license_find(cid) != NULL ||
				     c != NULL;

	*why = NULL;
	if (p == NULL) {
		*why = "weft's table does not know this license, so a "
		    "remix may only carry NOASSERTION or all rights reserved";
		return is(c, F_NOASSERT) || is(c, F_ARR);
	}
	switch (p->fam) {
	case F_CC0:
		return known;
	case F_PERMISSIVE:
		*why = "it permits any license that keeps its notice, so not "
		    "CC0 or NOASSERTION";
		return known && !is(c, F_CC0) && !is(c, F_NOASSERT);
	case F_APACHE:
		*why = "it permits any license that keeps its notice, except "
		    "CC0, NOASSERTION and the GPL/LGPL version 2 family "
		    "(FSF: Apache-2.0 is incompatible with GPLv2)";
		return known && !is(c, F_CC0) && !is(c, F_NOASSERT) &&
		    !is(c, F_GPL2) && !is(c, F_GPL2P) && !is(c, F_LGPL21) &&
		    !is(c, F_LGPL21P);
	case F_BY:
		*why = p->ver == 40 ?
		    "its adaptations must keep attribution: a Creative "
		    "Commons BY license, a GPL/LGPL, CERN-OHL-S/W, TAPR-OHL "
		    "or all rights reserved" :
		    "its adaptations must keep attribution: a Creative "
		    "Commons BY license or all rights reserved";
		if (has_by(c) || is(c, F_ARR))
			return true;
		return p->ver == 40 && (any_gpl(c) || any_lgpl(c) ||
		    is(c, F_OHLS) || is(c, F_OHLW) || is(c, F_TAPR));
	case F_BYSA:
		*why = p->ver == 40 ?
		    "it is share-alike: the remix must carry CC-BY-SA 4.0 or "
		    "GPL-3.0-only (CC's one-way declaration)" :
		    "it is share-alike: the remix must carry CC-BY-SA of the "
		    "same or a later version";
		if (is(c, F_BYSA) && c->ver >= p->ver)
			return true;
		return p->ver == 40 && is_id(cid, "GPL-3.0-only");
	case F_BYNC:
		*why = "it is non-commercial: the remix must carry a Creative "
		    "Commons NC license or all rights reserved";
		return has_nc(c) || is(c, F_ARR);
	case F_BYNCSA:
		*why = "it is non-commercial and share-alike: the remix must "
		    "carry CC-BY-NC-SA of the same or a later version";
		return is(c, F_BYNCSA) && c->ver >= p->ver;
	case F_ND:
		*why = "it allows no derivatives";
		return false;
	case F_ARR:
		*why = "all rights are reserved";
		return false;
	case F_NOASSERT:
		*why = "it states no license, so a remix may only carry "
		    "NOASSERTION or all rights reserved (or ask for a grant)";
		return is(c, F_NOASSERT) || is(c, F_ARR);
	case F_GPL2:
		*why = "GPL-2.0-only derivatives must carry GPL-2.0-only";
		return is_id(cid, "GPL-2.0-only");
	case F_GPL2P:
		*why = "GPL-2.0-or-later derivatives must carry GPL version "
		    "2 or 3";
		return any_gpl(c);
	case F_GPL3:
		*why = "GPL-3.0-only derivatives must carry GPL-3.0-only";
		return is_id(cid, "GPL-3.0-only");
	case F_GPL3P:
		*why = "GPL-3.0-or-later derivatives must carry GPL version 3";
		return is(c, F_GPL3) || is(c, F_GPL3P);
	case F_LGPL21:
		*why = "LGPL-2.1-only derivatives must carry LGPL-2.1-only or "
		    "a GPL (LGPL-2.1 section 3)";
		return is(c, F_LGPL21) || any_gpl(c);
	case F_LGPL21P:
		*why = "LGPL-2.1-or-later derivatives must carry an LGPL of "
		    "version 2.1 or later, or a GPL";
		return any_lgpl(c) || any_gpl(c);
	case F_LGPL3:
		*why = "LGPL-3.0-only derivatives must carry LGPL-3.0-only or "
		    "GPL-3.0-only";
		return is(c, F_LGPL3) || is_id(cid, "GPL-3.0-only");
	case F_LGPL3P:
		*why = "LGPL-3.0-or-later derivatives must carry LGPL or GPL "
		    "version 3";
		return is(c, F_LGPL3) || is(c, F_LGPL3P) || is(c, F_GPL3) ||
		    is(c, F_GPL3P);
	case F_OHLW:
		*why = "CERN-OHL-W modifications must carry CERN-OHL-W or "
		    "CERN-OHL-S";
		return is(c, F_OHLW) || is(c, F_OHLS);
	case F_OHLS:
		*why = "CERN-OHL-S modifications must carry CERN-OHL-S";
		return is(c, F_OHLS);
	case F_TAPR:
		*why = "TAPR-OHL modifications must carry TAPR-OHL-1.0";
		return is(c, F_TAPR);
	}
	return false;
}

bool
weft_license_allows(const char *parent_lic, const char *child_lic,
    const char **why)
{
	const char	*w;
	bool		 ok;

	ok = rule(find(parent_lic), child_lic, &w);
	if (why != NULL)
		*why = w;
	return ok;
}

static bool
parent_allows(const struct weft_license_parent *p, const char *child,
    const char **why)
{
	*why = NULL;
	if (p->free)
		return true;
	if (p->grant_license != NULL && strcmp(p->grant_license, child) == 0)
		return true;
	return weft_license_allows(p->license, child, why);
}

int
weft_license_check(const struct weft_license_parent *p, size_t n,
    const char *child, size_t *bad, const char **why)
{
	const char	*w;

	for (size_t i = 0; i < n; i++) {
		if (!parent_allows(&p[i], child, &w)) {
			if (bad != NULL)
				*bad = i;
			if (why != NULL)
				*why = w;
			return WEFT_EDENIED;
		}
	}
	return 0;
}

size_t
weft_license_allowed(const struct weft_license_parent *p, size_t n,
    const char **out, size_t max)
{
	size_t	k = 0;

	for (size_t i = 0; i < NTABLE; i++) {
		if (weft_license_check(p, n, table[i].info.id, NULL,
		    NULL) != 0)
			continue;
		if (k < max)
			out[k] = table[i].info.id;
		k++;
	}
	return k;
}

/*
 * The best table license for the default, honouring free parents only
 * when strict is false: a parent the remixer may relicense at will still
 * suggests its own license rather than CC0.
 */
static const struct entry *
pick(const struct weft_license_parent *p, size_t n, bool strict)
{
	const struct entry	*best = NULL;
	const char		*w;
	bool			 best_own = false, own, ok;

	for (size_t i = 0; i < NTABLE; i++) {
		const struct entry *e = &table[i];

		ok = true;
		for (size_t j = 0; ok && j < n; j++) {
			if (strict && p[j].free)
				ok = weft_license_allows(p[j].license,
				    e->info.id, &w);
			else
				ok = parent_allows(&p[j], e->info.id, &w);
		}
		if (!ok)
			continue;
		own = false;
		for (size_t j = 0; j < n; j++)
			if (p[j].license != NULL &&
			    strcmp(p[j].license, e->info.id) == 0)
				own = true;
		if (best == NULL || e->info.tier < best->info.tier ||
		    (e->info.tier == best->info.tier && own && !best_own)) {
			best = e;
			best_own = own;
		}
	}
	return best;
}

const char *
weft_license_default(const struct weft_license_parent *p, size_t n)
{
	const struct entry	*best;

	if (n == 0)
		return NULL;
	best = pick(p, n, true);
	if (best != NULL)
		return best->info.id;
	/* Free parents with licenses that allow no remix: keep theirs. */
	for (size_t j = 0; j < n; j++) {
		if (p[j].license != NULL &&
		    weft_license_check(p, n, p[j].license, NULL, NULL) == 0)
			return p[j].license;
	}
	best = pick(p, n, false);
	return best != NULL ? best->info.id : NULL;
}
