/*
 * Unit tests for proto/ignore.c: gitignore line parsing (comments,
 * trailing spaces, escapes, negation, directory rules, anchoring, CRLF,
 * byte order mark, caps) and git's wildmatch cases. The behaviour on
 * whole trees is compared with git itself in t-publish-ignore.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft/err.h"
#include "weft/ignore.h"

/* From git's t/t3070-wildmatch.sh (WM_PATHNAME column). */
static void
test_wildmatch(void **state)
{
	static const struct {
		const char	*pat, *text;
		bool		 m;
	} v[] = {
		{ "foo", "foo", true }, { "bar", "foo", false },
		{ "", "", true }, { "???", "foo", true }, { "??", "foo", false },
		{ "*", "foo", true }, { "f*", "foo", true },
		{ "*f", "foo", false }, { "*foo*", "foo", true },
		{ "*ob*a*r*", "foobar", true }, { "*ab", "aaaaaaabababab", true },
		{ "foo\\*", "foo*", true }, { "foo\\*bar", "foobar", false },
		{ "f\\\\oo", "f\\oo", true }, { "*[al]?", "ball", true },
		{ "[ten]", "ten", false }, { "**[!te]", "ten", true },
		{ "**[!ten]", "ten", false }, { "t[a-g]n", "ten", true },
		{ "t[!a-g]n", "ten", false }, { "t[!a-g]n", "ton", true },
		{ "t[^a-g]n", "ton", true }, { "a[]]b", "a]b", true },
		{ "a[]-]b", "a-b", true }, { "a[]-]b", "a]b", true },
		{ "a[]-]b", "aab", false }, { "a[]a-]b", "aab", true },
		{ "]", "]", true }, { "foo*bar", "foo/baz/bar", false },
		{ "foo**bar", "foo/baz/bar", false },
		{ "foo**bar", "foobazbar", true },
		{ "foo/**/bar", "foo/baz/bar", true },
		{ "foo/**/**/bar", "foo/baz/bar", true },
		{ "foo/**/bar", "foo/b/a/z/bar", true },
		{ "foo/**/bar", "foo/bar", true },
		{ "foo/**", "foo/bar/baz", true }, { "foo/**", "foo", false },
		{ "**/foo", "foo", true }, { "**/foo", "a/b/foo", true },
		{ "foo?bar", "foo/bar", false }, { "foo[/]bar", "foo/bar", false },
		{ "f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo/bar", false },
		{ "f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", true },
		{ "*/foo", "bar/foo", true }, { "*/foo", "a/bar/foo", false },
		{ "**/bar*", "deep/foo/bar/baz", false },
		{ "**/bar/*", "deep/foo/bar/baz", true },
		{ "**/bar/*", "deep/foo/bar/baz/", false },
		{ "**/bar/**", "deep/foo/bar/baz/", true },
		{ "*/bar/**", "foo/bar/baz/x", true },
		{ "[[:alpha:]][[:digit:]][[:upper:]]", "a1B", true },
		{ "[[:digit:][:upper:][:space:]]", "a", false },
		{ "[[:digit:][:upper:][:space:]]", "A", true },
		{ "[[:digit:][:upper:][:space:]]", " ", true },
		{ "[[:xdigit:]]", "5", true }, { "[[:xdigit:]]", "g", false },
		{ "[[:nope:]]", "a", false }, { "[a-c", "b", false },
		{ "[\\-_]", "-", true }, { "[\\]]", "]", true },
		{ "[!]-]", "]", false }, { "[[?*\\\\]", "\\", true },
		{ "-*-*-*-*-*-*-12-*-*-*-m-*-*-*",
		  "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1",
		  true },
		{ "XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*",
		  "XXX/adobe/courier/bold/o/normal//12/120/75/75/X/70/iso8859/1",
		  false },
		{ "**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txt",
		  true },
		{ "**/*a*b*g*n*t",
		  "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txtz", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (weft_wildmatch(v[i].pat, v[i].text, true) != v[i].m)
			fail_msg("'%s' vs '%s': expected %d", v[i].pat,
			    v[i].text, v[i].m);
	}
}

static struct weft_ignore
rules(const char *text)
{
	struct weft_ignore	ig;

	weft_ignore_init(&ig);
	assert_int_equal(weft_ignore_add_text(&ig, text, strlen(text), NULL),
	    0);
	return ig;
}

static void
test_lines(void **state)
{
	struct weft_ignore	ig;

	(void)state;
	ig = rules("# comment\n\n*.o\n!keep.o\nbuild/\n/top\nsub/x\n"
	    "\\#hash\n\\!bang\ntrail  \nesc\\ \nwin\r\n");
	assert_int_equal(ig.n, 10);
	assert_true(weft_ignore_match(&ig, "a.o", false));
	assert_true(weft_ignore_match(&ig, "d/e/a.o", false));
	assert_false(weft_ignore_match(&ig, "keep.o", false));
	assert_false(weft_ignore_match(&ig, "d/keep.o", false));
	assert_true(weft_ignore_match(&ig, "build", true));
	assert_true(weft_ignore_match(&ig, "a/build", true));
	assert_false(weft_ignore_match(&ig, "build", false));
	assert_true(weft_ignore_match(&ig, "top", false));
	assert_false(weft_ignore_match(&ig, "a/top", false));
	assert_true(weft_ignore_match(&ig, "sub/x", false));
	assert_false(weft_ignore_match(&ig, "a/sub/x", false));
	assert_true(weft_ignore_match(&ig, "#hash", false));
	assert_true(weft_ignore_match(&ig, "!bang", false));
	assert_true(weft_ignore_match(&ig, "trail", false));
	assert_false(weft_ignore_match(&ig, "trail  ", false));
	assert_true(weft_ignore_match(&ig, "esc ", false));
	assert_false(weft_ignore_match(&ig, "esc", false));
	assert_true(weft_ignore_match(&ig, "win", false));
	assert_false(weft_ignore_match(&ig, "comment", false));
	weft_ignore_release(&ig);

	/* A byte order mark, and a last line without a newline. */
	ig = rules("\xef\xbb\xbf" "first\nlast");
	assert_true(weft_ignore_match(&ig, "first", false));
	assert_true(weft_ignore_match(&ig, "last", false));
	weft_ignore_release(&ig);

	/* foo and two stars excludes inside, not foo itself; "!" re-includes. */
	ig = rules("foo/**\n!foo/keep\n");
	assert_false(weft_ignore_match(&ig, "foo", true));
	assert_true(weft_ignore_match(&ig, "foo/a", false));
	assert_false(weft_ignore_match(&ig, "foo/keep", false));
	weft_ignore_release(&ig);
}

static void
test_caps(void **state)
{
	struct weft_ignore	 ig;
	char			*big;
	size_t			 line, n = WEFT_IGNORE_LINE_MAX + 10;

	(void)state;
	weft_ignore_init(&ig);
	big = malloc(WEFT_IGNORE_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big, "x\ny\n", 4);
	assert_int_equal(weft_ignore_add_text(&ig, big, n, &line),
	    WEFT_ETOOBIG);
	assert_int_equal(line, 3);
	assert_int_equal(ig.n, 0);	/* nothing of that text kept */
	assert_int_equal(weft_ignore_add_text(&ig, big,
	    WEFT_IGNORE_FILE_MAX + 1, &line), WEFT_ETOOBIG);
	for (size_t i = 0; i < WEFT_IGNORE_RULES_MAX; i++)
		assert_int_equal(weft_ignore_add_line(&ig, "r", 1), 0);
	assert_int_equal(weft_ignore_add_line(&ig, "r", 1), WEFT_ETOOBIG);
	weft_ignore_release(&ig);
	free(big);
}

/* Many "**" against a long path end within the step budget. */
static void
test_budget(void **state)
{
	char	text[4096], pat[512];
	size_t	n = 0;

	(void)state;
	for (size_t i = 0; i + 2 < sizeof(text); i += 2)
		memcpy(text + i, "a/", 2), n = i + 2;
	text[n - 1] = '\0';
	pat[0] = '\0';
	for (int i = 0; i < 40; i++)
		strcat(pat, "**/a*/");
	strcat(pat, "b");
	assert_false(weft_wildmatch(pat, text, true));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wildmatch),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
