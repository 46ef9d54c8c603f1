/*
 * Unit tests for proto/text.c: which bytes are escaped, that printable
 * UTF-8 passes unchanged, and the cut at a small output buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "weft/text.h"

static void
esc(const char *in, size_t n, const char *want)
{
	char	out[256];
	size_t	len;

	len = weft_text_escape(out, sizeof(out), in, n);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
}

static void
test_escape(void **state)
{
	(void)state;
	esc("plain text", 10, "plain text");
	esc("a\nb", 3, "a\\x0ab");
	esc("\x1b[31mRED\x1b[0m", 12, "\\x1b[31mRED\\x1b[0m");
	esc("tab\there", 8, "tab\\x09here");
	esc("del\x7f", 4, "del\\x7f");
	esc("nul\0x", 5, "nul\\x00x");
	/* U+009B (CSI in UTF-8) is a C1 control. */
	esc("\xc2\x9b" "2J", 4, "\\xc2\\x9b2J");
	/* Invalid UTF-8: a lone continuation, an overlong '/', a surrogate. */
	esc("\x80", 1, "\\x80");
	esc("\xc0\xaf", 2, "\\xc0\\xaf");
	esc("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
	/* Truncated sequence at the end. */
	esc("ok\xe2\x82", 4, "ok\\xe2\\x82");
	/* Printable UTF-8 and backslashes are kept. */
	esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 a\\b", 18,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 a\\b");
}

static void
test_cut(void **state)
{
	char	out[8];

	(void)state;
	assert_int_equal(weft_text_escape(out, sizeof(out), "abcdefghij", 10),
	    7);
	assert_string_equal(out, "abcd...");
	assert_int_equal(weft_text_escape(out, sizeof(out), "abc", 3), 3);
	assert_string_equal(out, "abc");
	/* "...", never half of a UTF-8 character. */
	weft_text_escape(out, sizeof(out), "\xe2\x82\xac\xe2\x82\xac\xe2\x82"
	    "\xac", 9);
	assert_string_equal(out, "\xe2\x82\xac...");
	assert_int_equal(weft_text_escape(out, 1, "abc", 3), 0);
	assert_string_equal(out, "");
	assert_int_equal(weft_text_escape(out, 0, "abc", 3), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
