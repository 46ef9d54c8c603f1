/*
 * Unit tests for cli/paths.c: collecting the files to publish (recursion,
 * skipped symlinks and special files, bytewise order, duplicates, bad
 * paths, limits), the title slug, default titles and id arguments.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft/err.h"
#include "weft/record.h"

#include "paths.h"

static char	tmp[256];

static void
put(const char *rel, const char *content)
{
	char	path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void
dir(const char *rel)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static char *
at(const char *rel)
{
	static char	path[4][PATH_MAX];
	static int	i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmp, rel);
	return path[i];
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/weft-test-cli-paths.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[sizeof(tmp) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
test_directory_recursive_sorted(void **state)
{
	struct weft_src_list	 l;
	const char		*bad;

	(void)state;
	dir("d");
	dir("d/sub");
	dir("d/sub/deeper");
	dir("d/empty");
	put("d/b.scad", "bb");
	put("d/a.stl", "a");
	put("d/B.txt", "B");
	put("d/sub/c.stl", "ccc");
	put("d/sub/deeper/z", "");
	put("d/\xc3\xa9.txt", "e");	/* é sorts after ASCII */
	assert_int_equal(symlink("/etc/passwd", at("d/link")), 0);
	assert_int_equal(symlink("sub", at("d/dirlink")), 0);
	assert_int_equal(mkfifo(at("d/fifo"), 0644), 0);

	weft__src_init(&l);
	assert_int_equal(weft__src_add(&l, at("d"), true, &bad), 0);
	assert_int_equal(weft__src_finish(&l, &bad), 0);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.v[0].path, "B.txt");
	assert_string_equal(l.v[1].path, "a.stl");
	assert_string_equal(l.v[2].path, "b.scad");
	assert_string_equal(l.v[3].path, "sub/c.stl");
	assert_string_equal(l.v[4].path, "sub/deeper/z");
	assert_string_equal(l.v[5].path, "\xc3\xa9.txt");
	assert_string_equal(l.v[3].src, at("d/sub/c.stl"));
	assert_true(l.v[3].nofollow);
	assert_int_equal(l.v[3].size, 3);
	assert_int_equal(l.total, 1 + 2 + 1 + 3 + 0 + 1);
	weft__src_release(&l);
}

static void
test_files_use_basename(void **state)
{
	struct weft_src_list	 l;
	const char		*bad;

	(void)state;
	dir("x");
	dir("y");
	put("x/part.stl", "1");
	put("y/other.stl", "22");
	weft__src_init(&l);
	assert_int_equal(weft__src_add(&l, at("x/part.stl"), true, &bad), 0);
	assert_int_equal(weft__src_add(&l, at("y/other.stl"), true, &bad), 0);
	assert_int_equal(weft__src_finish(&l, &bad), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].path, "other.stl");
	assert_string_equal(l.v[1].path, "part.stl");
	assert_false(l.v[0].nofollow);	/* named on the command line */
	weft__src_release(&l);
}

static void
test_duplicates_rejected(void **state)
{
	struct weft_src_list	 l;
	const char		*bad;

	(void)state;
	dir("p");
	dir("q");
	put("p/same.stl", "1");
	put("q/same.stl", "2");
	weft__src_init(&l);
	assert_int_equal(weft__src_add(&l, at("p/same.stl"), true, &bad), 0);
	assert_int_equal(weft__src_add(&l, at("q"), true, &bad), 0);
	assert_int_equal(weft__src_finish(&l, &bad), WEFT_EEXISTS);
	assert_string_equal(bad, "same.stl");
	weft__src_release(&l);
}

static void
test_missing_and_empty(void **state)
{
	struct weft_src_list	 l;
	const char		*bad;

	(void)state;
	dir("e");
	assert_int_equal(symlink("/nonexistent", at("e/dangling")), 0);
	weft__src_init(&l);
	assert_int_equal(weft__src_add(&l, at("nope"), true, &bad), -ENOENT);
	assert_string_equal(bad, at("nope"));
	assert_int_equal(weft__src_add(&l, at("e"), true, &bad), 0);
	assert_int_equal(weft__src_finish(&l, &bad), WEFT_EUSAGE);
	weft__src_release(&l);
}

static void
test_bad_path_rejected(void **state)
{
	struct weft_src_list	 l;
	const char		*bad;

	(void)state;
	dir("bs");
	put("bs/back\\slash", "x");
	weft__src_init(&l);
	assert_int_equal(weft__src_add(&l, at("bs"), true, &bad), 0);
	assert_int_equal(weft__src_finish(&l, &bad), WEFT_EBADPATH);
	assert_string_equal(bad, "back\\slash");
	weft__src_release(&l);
}

static void
test_too_many_files(void **state)
{
	struct weft_src_list	 l;
	const char		*bad;
	char			 name[64];

	(void)state;
	dir("many");
	for (int i = 0; i <= WEFT_FILES_MAX; i++) {
		snprintf(name, sizeof(name), "many/f%04d", i);
		put(name, "");
	}
	weft__src_init(&l);
	assert_int_equal(weft__src_add(&l, at("many"), true, &bad),
	    WEFT_ETOOBIG);
	weft__src_release(&l);
}

static void
test_slug(void **state)
{
	char	out[80];

	(void)state;
	weft__slug("Red Bracket (v2)!", 17, out, sizeof(out));
	assert_string_equal(out, "red-bracket-v2");
	weft__slug("  --Hello__World--  ", 20, out, sizeof(out));
	assert_string_equal(out, "hello-world");
	weft__slug("\xc3\xa9t\xc3\xa9 ../../etc", 15, out, sizeof(out));
	assert_string_equal(out, "\xc3\xa9t\xc3\xa9-etc");
	weft__slug("Zahnrad-Halter f\xc3\xbcr Wand", 24, out, sizeof(out));
	assert_string_equal(out, "zahnrad-halter-f\xc3\xbcr-wand");
	/* Decomposed input comes out composed. */
	weft__slug("Fu\xcc\x88r", 5, out, sizeof(out));
	assert_string_equal(out, "f\xc3\xbcr");
	/* Not UTF-8: the ASCII letters only. */
	weft__slug("\xff\xfe" "Ab c", 6, out, sizeof(out));
	assert_string_equal(out, "ab-c");
	/* Controls and bidi overrides are separators, not kept. */
	weft__slug("a\x1b[31m\xe2\x80\xae" "b", 11, out, sizeof(out));
	assert_string_equal(out, "a-31m-b");
	/* 40 two-byte letters: cut at 64 bytes, on a character boundary. */
	{
		char	in[81];

		for (int i = 0; i < 40; i++)
			memcpy(in + 2 * i, "\xc3\xa9", 2);
		weft__slug(in, 80, out, sizeof(out));
		assert_int_equal(strlen(out), 64);
		weft__slug(in, 80, out, 8);	/* 7 bytes: 3 letters */
		assert_string_equal(out, "\xc3\xa9\xc3\xa9\xc3\xa9");
	}
	weft__slug("!!!", 3, out, sizeof(out));
	assert_string_equal(out, "");
	weft__slug("", 0, out, sizeof(out));
	assert_string_equal(out, "");
	weft__slug("abc def", 7, out, 5);	/* never ends in '-' */
	assert_string_equal(out, "abc");
	weft__slug("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaa", 78, out, sizeof(out));
	assert_int_equal(strlen(out), 64);
}

static void
test_default_title(void **state)
{
	char	out[WEFT_TITLE_MAX + 1];

	(void)state;
	assert_string_equal(weft__default_title("models/bracket.scad", false,
	    out, sizeof(out)), "bracket");
	assert_string_equal(weft__default_title("a.tar.gz", false, out,
	    sizeof(out)), "a.tar");
	assert_string_equal(weft__default_title(".hidden", false, out,
	    sizeof(out)), ".hidden");
	assert_string_equal(weft__default_title("my.project/", true, out,
	    sizeof(out)), "my.project");
	assert_string_equal(weft__default_title("/x/y/widget", true, out,
	    sizeof(out)), "widget");
	dir("titled");
	assert_int_equal(chdir(at("titled")), 0);
	assert_string_equal(weft__default_title(".", true, out,
	    sizeof(out)), "titled");
	assert_int_equal(chdir("/"), 0);
}

static void
test_id_ok(void **state)
{
	(void)state;
	assert_true(weft__id_ok("0123abcd"));
	assert_true(weft__id_ok("0123ABCD"));
	assert_false(weft__id_ok("0123abc"));
	assert_false(weft__id_ok("0123abcg"));
	assert_false(weft__id_ok(""));
	assert_true(weft__id_ok("0123456789abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef"));
	assert_false(weft__id_ok("0123456789abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0"));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_directory_recursive_sorted),
		cmocka_unit_test(test_files_use_basename),
		cmocka_unit_test(test_duplicates_rejected),
		cmocka_unit_test(test_missing_and_empty),
		cmocka_unit_test(test_bad_path_rejected),
		cmocka_unit_test(test_too_many_files),
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_default_title),
		cmocka_unit_test(test_id_ok),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
