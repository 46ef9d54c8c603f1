/*
 * Unit tests for cli/help.c: the edit distance, "did you mean" for
 * commands and license ids, the table's entries (every one complete, no
 * option without a sentence) and the wrapped output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft/record.h"

#include "help.h"

static void
test_distance(void **state)
{
	char	longs[100];

	(void)state;
	assert_int_equal(weft_help_distance("", "", 9), 0);
	assert_int_equal(weft_help_distance("publish", "publish", 9), 0);
	assert_int_equal(weft_help_distance("publsh", "publish", 9), 1);
	assert_int_equal(weft_help_distance("pubilsh", "publish", 9), 1);
	assert_int_equal(weft_help_distance("PUBLISH", "publish", 9), 0);
	assert_int_equal(weft_help_distance("kitten", "sitting", 9), 3);
	assert_int_equal(weft_help_distance("abc", "", 9), 3);
	/* Capped, and too long a string is "far". */
	assert_int_equal(weft_help_distance("kitten", "sitting", 2), 2);
	memset(longs, 'a', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	assert_int_equal(weft_help_distance(longs, longs, 5), 5);
}

static void
test_suggest_command(void **state)
{
	static const char *const cmds[] = { "init", "id", "status", "stop",
	    "publish", "ls", "mirror", "unmirror", "library" };
	const size_t	n = sizeof(cmds) / sizeof(cmds[0]);

	(void)state;
	assert_string_equal(weft_help_suggest("publsh", cmds, n), "publish");
	assert_string_equal(weft_help_suggest("stauts", cmds, n), "status");
	assert_string_equal(weft_help_suggest("lss", cmds, n), "ls");
	assert_string_equal(weft_help_suggest("mirorr", cmds, n), "mirror");
	assert_string_equal(weft_help_suggest("libr", cmds, n), "library");
	assert_null(weft_help_suggest("xyzzy", cmds, n));
	assert_null(weft_help_suggest("", cmds, n));
}

static void
test_suggest_license(void **state)
{
	const char	*s[3];
	size_t		 n;

	(void)state;
	n = weft_help_license_suggest("CC-BY-4", s, 3);
	assert_int_equal(n, 1);
	assert_string_equal(s[0], "CC-BY-4.0");
	n = weft_help_license_suggest("gpl-3.0", s, 3);
	assert_int_equal(n, 2);
	assert_string_equal(s[0], "GPL-3.0-only");
	assert_string_equal(s[1], "GPL-3.0-or-later");
	/* Newest version first among completions of one length. */
	n = weft_help_license_suggest("CC-BY-NC-SA", s, 3);
	assert_int_equal(n, 3);
	assert_string_equal(s[0], "CC-BY-NC-SA-4.0");
	assert_string_equal(s[1], "CC-BY-NC-SA-3.0");
	n = weft_help_license_suggest("mti", s, 3);
	assert_true(n >= 1);
	assert_string_equal(s[0], "MIT");
	assert_int_equal(weft_help_license_suggest("zzzzzzzzzz", s, 3), 0);
	assert_int_equal(weft_help_license_suggest("MIT", s, 0), 0);
	/* Every suggestion is a license weft accepts. */
	n = weft_help_license_suggest("apache", s, 3);
	for (size_t i = 0; i < n; i++)
		assert_non_null(weft_license_find(s[i]));
}

static void
test_table_complete(void **state)
{
	const struct weft_help	*h;
	size_t			 i, j;

	(void)state;
	for (i = 0; (h = weft_help_at(i)) != NULL; i++) {
		assert_non_null(h->name);
		assert_ptr_equal(weft_help_find(h->name), h);
		assert_true(strncmp(h->synopsis, "weft ", 5) == 0);
		assert_true(strlen(h->summary) > 5 && strlen(h->summary) < 50);
		assert_true(strlen(h->text) > 20);
		for (j = 0; j < WEFT_HELP_OPTS_MAX &&
		    h->opts[j].flags != NULL; j++) {
			assert_true(h->opts[j].flags[0] == '-');
			assert_non_null(h->opts[j].text);
			/* A sentence: a capital first, a full stop last. */
			assert_true(h->opts[j].text[0] >= 'A' &&
			    h->opts[j].text[0] <= 'Z');
			assert_int_equal(h->opts[j].text[strlen(
			    h->opts[j].text) - 1], '.');
		}
		assert_true(j < WEFT_HELP_OPTS_MAX);
	}
	assert_true(i >= 25);
	assert_null(weft_help_find("bogus"));
}

static void
test_print_wraps(void **state)
{
	char	*buf = NULL, *line, *save;
	size_t	 len = 0;
	FILE	*f;

	(void)state;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	for (size_t i = 0; weft_help_at(i) != NULL; i++)
		weft_help_print(f, weft_help_at(i));
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		/* Usage lines may be long; everything else fits 79. */
		if (strstr(line, "weft ") == line + 7 ||
		    strncmp(line, "usage: ", 7) == 0)
			continue;
		assert_in_range(strlen(line), 1, 79);
		assert_true(line[strlen(line) - 1] != ' ');
	}
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_suggest_command),
		cmocka_unit_test(test_suggest_license),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_print_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
