/*
 * Unit tests for proto/words.c: splitting, Unicode folding (case,
 * accents, compatibility forms), the length limits and invalid UTF-8.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "weft/words.h"

struct joined {
	char	s[1024];
	size_t	n;
	int	count;
};

static int
join_cb(void *arg, const uint8_t *w, size_t n)
{
	struct joined	*j = arg;

	assert_true(n >= WEFT_WORD_MIN && n <= WEFT_WORD_MAX);
	assert_null(memchr(w, 0, n));
	if (j->n > 0)
		j->s[j->n++] = '|';
	memcpy(j->s + j->n, w, n);
	j->n += n;
	j->s[j->n] = '\0';
	j->count++;
	return 0;
}

static void
split(const char *in, size_t n, const char *want)
{
	struct joined	j = { .n = 0, .count = 0 };

	j.s[0] = '\0';
	assert_int_equal(weft_words_split(in, n, join_cb, &j), 0);
	assert_string_equal(j.s, want);
}

#define SPLIT(in, want)	split((in), strlen(in), (want))

static void
test_ascii(void **state)
{
	(void)state;
	SPLIT("Gear wheel, 20 teeth", "gear|wheel|20|teeth");
	SPLIT("gear_v2.STL", "gear|v2|stl");
	SPLIT("  --  ", "");
	SPLIT("", "");
	/* One-byte words are dropped, duplicates kept. */
	SPLIT("a gear a gear", "gear|gear");
	SPLIT("M3 x 10", "m3|10");
}

static void
test_fold(void **state)
{
	(void)state;
	/* The example, in both directions. */
	SPLIT("Zahnrad f\xc3\xbcr Wand", "zahnrad|fur|wand");
	SPLIT("zahnrad fur wand", "zahnrad|fur|wand");
	/* Combining accent: u + U+0308 is one word "fur". */
	SPLIT("fu\xcc\x88r", "fur");
	/* Case folding beyond ASCII: STRASSE, Straße, Greek. */
	SPLIT("Stra\xc3\x9f" "e STRASSE", "strasse|strasse");
	SPLIT("\xce\x9f\xce\x94\xce\x9f\xce\xa3",
	    "\xce\xbf\xce\xb4\xce\xbf\xcf\x83");
	/* Compatibility forms: fullwidth letters, the fi ligature. */
	SPLIT("\xef\xbc\xa7\xef\xbd\x85\xef\xbd\x81\xef\xbd\x92", "gear");
	SPLIT("\xef\xac\x81le", "file");
	/* A soft hyphen (default ignorable) does not split. */
	SPLIT("ge\xc2\xad" "ar", "gear");
	/* CJK letters form words; ideographic space separates. */
	SPLIT("\xe9\xbd\xbf\xe8\xbd\xae\xe3\x80\x80x1",
	    "\xe9\xbd\xbf\xe8\xbd\xae|x1");
	/* Punctuation and symbols separate. */
	SPLIT("gear\xe2\x86\x92wheel\xe2\x80\x94" "box", "gear|wheel|box");
	/* NFKD: the trade mark sign is the letters "tm". */
	SPLIT("gear\xe2\x84\xa2", "geartm");
}

static void
test_limits(void **state)
{
	char		buf[200], want[WEFT_WORD_MAX + 8];
	struct joined	j = { .n = 0 };

	(void)state;
	/* A long word is cut to its first 64 bytes; the next one follows. */
	memset(buf, 'x', 150);
	memcpy(buf + 150, " ok", 3);
	memset(want, 'x', WEFT_WORD_MAX);
	memcpy(want + WEFT_WORD_MAX, "|ok", 4);
	split(buf, 153, want);
	/* A cut never splits a character: 33 two-byte letters -> 32. */
	for (int i = 0; i < 33; i++)
		memcpy(buf + 2 * i, "\xc3\xa6", 2);	/* U+00E6 */
	assert_int_equal(weft_words_split(buf, 66, join_cb, &j), 0);
	assert_int_equal(j.count, 1);
	assert_int_equal(j.n, 64);
}

static void
test_invalid(void **state)
{
	(void)state;
	/* Invalid bytes separate; NUL separates. */
	SPLIT("gear\xffwheel", "gear|wheel");
	SPLIT("ab\xc3", "ab");
	SPLIT("\xed\xa0\x80zz", "zz");
	split("ab\0cd", 5, "ab|cd");
}

static int
stop_cb(void *arg, const uint8_t *w, size_t n)
{
	(void)w;
	(void)n;
	(*(int *)arg)++;
	return 7;
}

static void
test_stop(void **state)
{
	int	calls = 0;

	(void)state;
	assert_int_equal(weft_words_split("one two three", 13, stop_cb,
	    &calls), 7);
	assert_int_equal(calls, 1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
