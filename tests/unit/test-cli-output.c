/*
 * Unit tests for cli/output.c: exit codes, UTC dates against gmtime_r,
 * terminal-safe text, JSON strings and the hand-written summary JSON
 * (checked by parsing it back with jansson).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "cli.h"
#include "output.h"

static void
test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(weft__exit_code(0), WEFT_EXIT_OK);
	assert_int_equal(weft__exit_code(WEFT_EUSAGE), WEFT_EXIT_USAGE);
	assert_int_equal(weft__exit_code(WEFT_EAMBIGUOUS), WEFT_EXIT_USAGE);
	assert_int_equal(weft__exit_code(WEFT_EBADLICENSE), WEFT_EXIT_USAGE);
	assert_int_equal(weft__exit_code(WEFT_EBADFIELD), WEFT_EXIT_USAGE);
	assert_int_equal(weft__exit_code(WEFT_EBADPATH), WEFT_EXIT_USAGE);
	assert_int_equal(weft__exit_code(WEFT_ENOTFOUND), WEFT_EXIT_NOTFOUND);
	assert_int_equal(weft__exit_code(WEFT_EBADSIG), WEFT_EXIT_VERIFY);
	assert_int_equal(weft__exit_code(WEFT_EBADHASH), WEFT_EXIT_VERIFY);
	assert_int_equal(weft__exit_code(-ENOENT), WEFT_EXIT_FAIL);
	assert_int_equal(weft__exit_code(WEFT_EPROTO), WEFT_EXIT_FAIL);
}

static void
test_dates_match_gmtime(void **state)
{
	static const uint64_t	fixed[] = {
		0, 999, 951782400000, 951868799999,	/* 2000-02-29 */
		4107542400000,				/* 2100-03-01 */
		1709164800123, 253402300799999,
	};
	char			got[OUT_DATE_MAX], want[OUT_DATE_MAX], s[32];
	struct tm		tm;
	time_t			t;
	uint64_t		ms;

	(void)state;
	srand(7);
	for (int i = 0; i < 20000; i++) {
		if (i < (int)(sizeof(fixed) / sizeof(fixed[0])))
			ms = fixed[i];
		else
			ms = ((uint64_t)rand() << 31 ^ (uint64_t)rand()) %
			    UINT64_C(253402300800000);
		t = (time_t)(ms / 1000);
		assert_non_null(gmtime_r(&t, &tm));
		strftime(want, sizeof(want), "%Y-%m-%d %H:%M", &tm);
		out_date(got, ms);
		assert_string_equal(got, want);
		strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want, sizeof(want), "%.19s.%03uZ", s,
		    (unsigned)(ms % 1000));
		out_iso(got, ms);
		assert_string_equal(got, want);
	}
	out_iso(got, UINT64_MAX);	/* clamped, not garbage */
	assert_string_equal(got, "9999-12-31T23:59:59.999Z");
}

static void
test_text_is_terminal_safe(void **state)
{
	char	*out = NULL;
	size_t	 n = 0;
	FILE	*f;

	(void)state;
	f = open_memstream(&out, &n);
	assert_non_null(f);
	out_text(f, "a\x1b[2Jb\nc\t\x7f\xc2\x9b" "d\xc3\xa9", 15, true);
	fclose(f);
	assert_string_equal(out, "a?[2Jb c ??d\xc3\xa9");
	free(out);
}

static void
test_json_str_repairs_utf8(void **state)
{
	json_t	*j;

	(void)state;
	j = out_json_str("ok\xff\xc3", 4);
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "ok\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(j);
	j = out_json_str("a\0b", 3);
	assert_non_null(j);
	assert_int_equal(json_string_length(j), 3);
	json_decref(j);
}

static void
pack_summary(struct weft_buf *b, const char *title, size_t tlen, bool bad)
{
	struct weft_pack	pk;
	uint8_t			id[32];

	memset(id, 0xab, sizeof(id));
	weft_pack_init(&pk, b);
	weft_pack_map(&pk, 10);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, id, bad ? 31 : 32);
	weft_pack_str(&pk, "head");
	weft_pack_bin(&pk, id, 32);
	weft_pack_str(&pk, "author");
	weft_pack_bin(&pk, id, 32);
	weft_pack_str(&pk, "title");
	weft_pack_strn(&pk, title, tlen);
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "CC-BY-4.0");
	weft_pack_str(&pk, "tags");
	weft_pack_array(&pk, 2);
	weft_pack_str(&pk, "a\"b");
	weft_pack_str(&pk, "x");
	weft_pack_str(&pk, "created");
	weft_pack_uint(&pk, 1709164800123);
	weft_pack_str(&pk, "updated");
	weft_pack_uint(&pk, UINT64_C(253402300799999));
	weft_pack_str(&pk, "revs");
	weft_pack_uint(&pk, 3);
	weft_pack_str(&pk, "heads");
	weft_pack_uint(&pk, 1);
	assert_int_equal(weft_pack_error(&pk), 0);
}

static void
test_summary_json(void **state)
{
	static const char	 title[] = "Q\"\\\n\x01\xff\xc3\xa9/";
	struct weft_buf		 in, out;
	struct weft_msg		 m;
	json_error_t		 jerr;
	json_t			*j, *k;

	(void)state;
	weft_buf_init(&in, 4096);
	weft_buf_init(&out, 1 << 20);
	pack_summary(&in, title, sizeof(title) - 1, false);
	assert_int_equal(weft_msg_decode(&m, in.data, in.len), 0);
	assert_int_equal(out_summary_buf(&out, m.root), 0);
	j = json_loadb((const char *)out.data, out.len, 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "design")),
	    "abababababababababababababababababababababababababababababababab");
	assert_string_equal(json_string_value(json_object_get(j, "title")),
	    "Q\"\\\n\x01\xef\xbf\xbd\xc3\xa9/");
	assert_string_equal(json_string_value(json_object_get(j, "license")),
	    "CC-BY-4.0");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(j, "tags"), 0)), "a\"b");
	assert_int_equal(json_integer_value(json_object_get(j, "created")),
	    1709164800123);
	assert_string_equal(json_string_value(json_object_get(j,
	    "created_at")), "2024-02-29T00:00:00.123Z");
	assert_int_equal(json_integer_value(json_object_get(j, "revs")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "heads")), 1);
	/* No "conflict" in the summary: the head keeps to its license. */
	assert_true(json_is_false(json_object_get(j, "license_conflict")));
	assert_int_equal(json_object_size(j), 13);
	/* The jansson form is the same document. */
	k = out_summary_json(m.root);
	assert_non_null(k);
	assert_true(json_equal(j, k));
	json_decref(k);
	json_decref(j);
	weft_msg_release(&m);

	/* A malformed summary is refused, not half-printed. */
	weft_buf_reset(&in);
	weft_buf_reset(&out);
	pack_summary(&in, "t", 1, true);
	assert_int_equal(weft_msg_decode(&m, in.data, in.len), 0);
	assert_int_equal(out_summary_buf(&out, m.root), WEFT_EPROTO);
	assert_null(out_summary_json(m.root));
	weft_msg_release(&m);
	weft_buf_release(&in);
	weft_buf_release(&out);
}

/*
 * A summary as weftd sends it with short ids and counts (or with its keys
 * in reverse order), for out_summary_line().
 */
static void
pack_listed(struct weft_buf *b, const char *title, size_t tlen, unsigned sh,
    const uint64_t cnt[4], const char *name, bool conflict, bool rev,
    uint64_t revs)
{
	static const char *const	 all[] = {
		"design", "head", "author", "title", "license", "tags",
		"created", "updated", "revs", "heads", "conflict", "short",
		"likes", "comments", "makes", "remixes", "author_name",
	};
	const char			*keys[17], *k;
	struct weft_pack		 pk;
	uint8_t				 id[32];
	int				 nk = 0;

	for (int i = 0; i < 32; i++)
		id[i] = (uint8_t)(i * 37 + 11);
	for (int i = 0; i < 17; i++)
		if ((i != 10 || conflict) && (i != 11 || sh) &&
		    (i < 12 || i > 15 || cnt) && (i != 16 || name))
			keys[nk++] = all[i];
	weft_pack_init(&pk, b);
	weft_pack_map(&pk, (uint32_t)nk);
	for (int j = 0; j < nk; j++) {
		k = keys[rev ? nk - 1 - j : j];
		weft_pack_str(&pk, k);
		if (!strcmp(k, "design") || !strcmp(k, "head") ||
		    !strcmp(k, "author"))
			weft_pack_bin(&pk, id, 32);
		else if (!strcmp(k, "title"))
			weft_pack_strn(&pk, title, tlen);
		else if (!strcmp(k, "license"))
			weft_pack_str(&pk, "CC-BY-4.0");
		else if (!strcmp(k, "tags"))
			weft_pack_array(&pk, 0);
		else if (!strcmp(k, "created"))
			weft_pack_uint(&pk, 1709164800123);
		else if (!strcmp(k, "updated"))
			weft_pack_uint(&pk, 1709251199999);
		else if (!strcmp(k, "revs"))
			weft_pack_uint(&pk, revs);
		else if (!strcmp(k, "heads"))
			weft_pack_uint(&pk, 2);
		else if (!strcmp(k, "conflict"))
			weft_pack_bool(&pk, true);
		else if (!strcmp(k, "short"))
			weft_pack_uint(&pk, sh);
		else if (!strcmp(k, "author_name"))
			weft_pack_str(&pk, name);
		else
			weft_pack_uint(&pk, cnt[!strcmp(k, "likes") ? 0 :
			    !strcmp(k, "comments") ? 1 : !strcmp(k, "makes") ?
			    2 : 3]);
	}
	assert_int_equal(weft_pack_error(&pk), 0);
}

/* out_summary_line() of one packed summary, as a string. */
static char *
line_of(const struct weft_buf *in, int *rc)
{
	struct weft_msg	 m;
	char		*s = NULL;
	size_t		 n = 0;
	FILE		*f;

	assert_int_equal(weft_msg_decode(&m, in->data, in->len), 0);
	f = open_memstream(&s, &n);
	assert_non_null(f);
	*rc = out_summary_line(f, m.root);
	assert_int_equal(fclose(f), 0);
	weft_msg_release(&m);
	return s;
}

/*
 * The lines of `weft ls` and `search`, byte for byte as main printed them
 * before the summary keys were read in one pass (stop 15): short ids of
 * 8, 9 and 12 digits, the date, revisions right-aligned, titles with
 * control characters and C1 controls replaced and cut to 80 columns,
 * the author's name cut to 20, counts above 0, the conflict mark, and
 * the same with the map's keys in reverse order.
 */
static void
test_summary_line(void **state)
{
	static const uint64_t	 c0[4] = { 0, 0, 0, 0 };
	static const uint64_t	 c1[4] = { 12, 0, 3, 1234567 };
	static const char	 t1[] = "Q\"\\\n\t\x01\x7f\xc2\x9b\xc2\xa9\xff"
	    "\xc3\xa9 end";
	static const char	 t2[] = "A very long title that will not fit in "
	    "eighty columns at all, no, not ever, \xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9 really";
	struct weft_buf		 in;
	char			*s;
	int			 rc;

	(void)state;
	weft_buf_init(&in, 1 << 16);
	pack_listed(&in, "gear", 4, 8, c0, NULL, false, false, 1);
	s = line_of(&in, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "0b30557a  2024-02-29 23:59     1  gear\n");
	free(s);
	for (int rev = 0; rev < 2; rev++) {
		weft_buf_reset(&in);
		pack_listed(&in, t1, sizeof(t1) - 1, 9, c1, "Ann \xc3\xa9\x1b"
		    "[31m long name that goes past twenty", true, rev, 123);
		s = line_of(&in, &rc);
		assert_int_equal(rc, 0);
		assert_string_equal(s, "0b30557a9  2024-02-29 23:59   123  "
		    "Q\"\\  ???\xc2\xa9...  by Ann \xc3\xa9?[31m long name  "
		    "12L 3M 1234567R  [license conflict]\n");
		free(s);
		weft_buf_reset(&in);
		pack_listed(&in, t2, sizeof(t2) - 1, 12, c1, "Carol", false,
		    rev, 99999);
		s = line_of(&in, &rc);
		assert_int_equal(rc, 0);
		assert_string_equal(s, "0b30557a9fc4  2024-02-29 23:59  99999  "
		    "A very long ...  by Carol  12L 3M 1234567R\n");
		free(s);
	}
	/* Without "short": the whole id and the whole title. */
	weft_buf_reset(&in);
	pack_listed(&in, t2, sizeof(t2) - 1, 0, NULL, NULL, false, false, 7);
	s = line_of(&in, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "0b30557a9fc4e90e33587da2c7ec11365b80a5caef1439"
	    "5e83a8cdf2173c6186  2024-02-29 23:59     7  A very long title "
	    "that will not fit in eighty columns at all, no, not ever, "
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 really\n");
	free(s);
	/* A short id out of range is refused. */
	weft_buf_reset(&in);
	pack_listed(&in, "gear", 4, 7, c0, NULL, false, false, 1);
	s = line_of(&in, &rc);
	assert_int_equal(rc, WEFT_EPROTO);
	free(s);
	weft_buf_release(&in);
}

/* Runs weft__fail() with stderr sent to a file; returns what it wrote. */
static char *
fail_line(int err, const char *detail, const char *what)
{
	static char	out[8192];
	FILE		*f;
	size_t		 n;
	int		 saved;

	fflush(stderr);
	saved = dup(2);
	f = tmpfile();
	assert_non_null(f);
	dup2(fileno(f), 2);
	weft__fail(err, detail, "cannot %s '%s'", "publish", what);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void
test_fail_line_escaped(void **state)
{
	(void)state;
	/* A file name or a daemon's line cannot break or colour the line. */
	assert_string_equal(fail_line(WEFT_EBADPATH, NULL, "a\nb\x1b[31m"),
	    "weft: cannot publish 'a\\x0ab\\x1b[31m': bad file path\n");
	assert_string_equal(fail_line(0, "no\nsuch\x1b]0;x\x07", "f"),
	    "weft: cannot publish 'f': no\\x0asuch\\x1b]0;x\\x07\n");
	/* The daemon's own "cannot publish 'f': " is not said twice. */
	assert_string_equal(fail_line(-EIO,
	    "cannot publish 'f': Input/output error", "f"),
	    "weft: cannot publish 'f': Input/output error\n");
	assert_string_equal(fail_line(-EIO, "cannot publish 'fx'", "f"),
	    "weft: cannot publish 'f': cannot publish 'fx'\n");
}

/* Byte counts for people: never "0.0 MB" for a small design. */
static void
test_sizes(void **state)
{
	char	b[OUT_SIZE_MAX];

	(void)state;
	assert_string_equal(out_size(b, 0), "0 bytes");
	assert_string_equal(out_size(b, 1), "1 byte");
	assert_string_equal(out_size(b, 578), "578 bytes");
	assert_string_equal(out_size(b, 999), "999 bytes");
	assert_string_equal(out_size(b, 1000), "1.0 kB");
	assert_string_equal(out_size(b, 12345), "12.3 kB");
	assert_string_equal(out_size(b, 999949), "999.9 kB");
	assert_string_equal(out_size(b, 999950), "1.0 MB");
	assert_string_equal(out_size(b, 209715200), "209.7 MB");
	assert_string_equal(out_size(b, 1200000000), "1.2 GB");
	assert_string_equal(out_size(b, UINT64_MAX), "18.4 EB");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_dates_match_gmtime),
		cmocka_unit_test(test_text_is_terminal_safe),
		cmocka_unit_test(test_json_str_repairs_utf8),
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_summary_line),
		cmocka_unit_test(test_fail_line_escaped),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
