/*
 * The license rules beyond the table rows (which license-row checks):
 * several parents, grants, own designs, the default choice, classes and
 * parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "weft/err.h"
#include "weft/license.h"

#define P(l)		{ (l), false, NULL }
#define FREE(l)		{ (l), true, NULL }
#define GRANT(l, g)	{ (l), false, (g) }
#define N(a)		(sizeof(a) / sizeof((a)[0]))

static void
test_parse(void **state)
{
	(void)state;
	assert_string_equal(weft_license_parse("cc-by-sa-4.0"),
	    "CC-BY-SA-4.0");
	assert_string_equal(weft_license_parse("All-Rights-Reserved"),
	    WEFT_LICENSE_ARR);
	assert_string_equal(weft_license_parse("ARR"), WEFT_LICENSE_ARR);
	assert_string_equal(weft_license_parse(WEFT_LICENSE_ARR),
	    WEFT_LICENSE_ARR);
	assert_null(weft_license_parse("LicenseRef-Mine"));
	assert_null(weft_license_parse(NULL));
	assert_int_equal(weft_license_class_parse("remixable"),
	    WEFT_LIC_REMIXABLE);
	assert_int_equal(weft_license_class_parse("commercial-ok"),
	    WEFT_LIC_COMMERCIAL);
	assert_int_equal(weft_license_class_parse("share-alike"),
	    WEFT_LIC_SHAREALIKE);
	assert_int_equal(weft_license_class_parse("no-derivatives"),
	    WEFT_LIC_NODERIV);
	assert_int_equal(weft_license_class_parse("Remixable"), 0);
	assert_int_equal(weft_license_classes("Zlib"), 0);
	assert_int_equal(weft_license_classes("CC-BY-NC-ND-4.0"),
	    WEFT_LIC_NODERIV);
}

/* The laundering examples are all refused, with a reason. */
static void
test_laundering(void **state)
{
	static const char *const pairs[][2] = {
		{ "CC-BY-ND-4.0", "MIT" },
		{ "CC-BY-NC-4.0", "CC-BY-4.0" },
		{ "CC-BY-SA-4.0", "CC0-1.0" },
		{ "CC-BY-4.0", "MIT" },
		{ "GPL-3.0-only", "GPL-2.0-only" },
		{ "GPL-2.0-only", "GPL-3.0-only" },
		{ WEFT_LICENSE_ARR, "MIT" },
		{ "NOASSERTION", "MIT" },
		{ "Zlib", "Zlib" },
	};
	const char	*why;

	(void)state;
	for (size_t i = 0; i < N(pairs); i++) {
		why = NULL;
		assert_false(weft_license_allows(pairs[i][0], pairs[i][1],
		    &why));
		assert_non_null(why);
	}
}

static void
test_two_parents(void **state)
{
	struct weft_license_parent	 by_sa[] = { P("CC-BY-4.0"),
					     P("CC-BY-SA-4.0") };
	struct weft_license_parent	 sa_nc[] = { P("CC-BY-SA-4.0"),
					     P("CC-BY-NC-4.0") };
	struct weft_license_parent	 sa_gpl[] = { P("CC-BY-SA-4.0"),
					     P("GPL-3.0-or-later") };
	struct weft_license_parent	 mit_nc[] = { P("MIT"),
					     P("CC-BY-NC-SA-4.0") };
	const char			*ids[64], *why;
	size_t				 bad;

	(void)state;
	assert_string_equal(weft_license_default(by_sa, 2), "CC-BY-SA-4.0");
	assert_int_equal(weft_license_check(by_sa, 2, "CC-BY-4.0", &bad,
	    &why), WEFT_EDENIED);
	assert_int_equal(bad, 1);
	assert_non_null(why);
	assert_null(weft_license_default(sa_nc, 2));
	assert_int_equal(weft_license_allowed(sa_nc, 2, ids, 64), 0);
	/* BY-SA 4.0 goes one way into GPLv3 only. */
	assert_string_equal(weft_license_default(sa_gpl, 2), "GPL-3.0-only");
	assert_int_equal(weft_license_allowed(sa_gpl, 2, ids, 64), 1);
	assert_string_equal(weft_license_default(mit_nc, 2),
	    "CC-BY-NC-SA-4.0");
}

static void
test_default(void **state)
{
	struct weft_license_parent	 mit[] = { P("MIT") };
	struct weft_license_parent	 cc0[] = { P("CC0-1.0") };
	struct weft_license_parent	 by3[] = { P("CC-BY-3.0") };
	struct weft_license_parent	 sa3[] = { P("CC-BY-SA-3.0") };
	struct weft_license_parent	 noa[] = { P("NOASSERTION") };
	struct weft_license_parent	 nd[] = { P("CC-BY-ND-4.0") };
	struct weft_license_parent	 own_nd[] = { FREE("CC-BY-ND-4.0") };
	struct weft_license_parent	 own_mit[] = { FREE("MIT") };

	(void)state;
	/* A parent's own license wins among equals. */
	assert_string_equal(weft_license_default(mit, 1), "MIT");
	assert_string_equal(weft_license_default(cc0, 1), "CC0-1.0");
	assert_string_equal(weft_license_default(by3, 1), "CC-BY-3.0");
	assert_string_equal(weft_license_default(sa3, 1), "CC-BY-SA-3.0");
	assert_string_equal(weft_license_default(noa, 1), "NOASSERTION");
	assert_null(weft_license_default(nd, 1));
	assert_null(weft_license_default(NULL, 0));
	/* One's own design: anything goes, the default keeps its license. */
	assert_string_equal(weft_license_default(own_nd, 1), "CC-BY-ND-4.0");
	assert_string_equal(weft_license_default(own_mit, 1), "MIT");
	assert_int_equal(weft_license_check(own_nd, 1, "CC0-1.0", NULL,
	    NULL), 0);
}

static void
test_grants(void **state)
{
	struct weft_license_parent	 g[] = { GRANT("CC-BY-ND-4.0",
					     "CC-BY-4.0") };
	struct weft_license_parent	 g2[] = { GRANT("CC-BY-SA-4.0",
					     "MIT") };
	struct weft_license_parent	 any[] = { FREE(WEFT_LICENSE_ARR) };
	const char			*ids[8];

	(void)state;
	assert_int_equal(weft_license_check(g, 1, "CC-BY-4.0", NULL, NULL),
	    0);
	assert_int_equal(weft_license_check(g, 1, "MIT", NULL, NULL),
	    WEFT_EDENIED);
	assert_string_equal(weft_license_default(g, 1), "CC-BY-4.0");
	assert_int_equal(weft_license_allowed(g, 1, ids, 8), 1);
	/* A grant adds to what the license allows. */
	assert_int_equal(weft_license_check(g2, 1, "MIT", NULL, NULL), 0);
	assert_int_equal(weft_license_check(g2, 1, "CC-BY-SA-4.0", NULL,
	    NULL), 0);
	assert_string_equal(weft_license_default(g2, 1), "MIT");
	assert_int_equal(weft_license_check(any, 1, "MIT", NULL, NULL), 0);
}

static void
test_table(void **state)
{
	const struct weft_license_info	*li;
	size_t				 n = 0;

	(void)state;
	for (size_t i = 0; (li = weft_license_info_at(i)) != NULL; i++) {
		/* Every id is one a record may carry, in its spelling. */
		assert_string_equal(weft_license_parse(li->id), li->id);
		assert_true(li->tier <= 9);
		/* A license always allows itself, unless it allows nothing. */
		if (li->classes & WEFT_LIC_NODERIV)
			assert_false(weft_license_allows(li->id, li->id,
			    NULL));
		else
			assert_true(weft_license_allows(li->id, li->id,
			    NULL));
		n++;
	}
	assert_int_equal(n, 43);
	assert_null(weft_license_info("Zlib"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_laundering),
		cmocka_unit_test(test_two_parents),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
