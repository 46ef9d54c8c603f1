/*
 * Fuzzes the checks of file paths and names: weft_path_check() (proto:
 * every path in a record, checked by weftd on publish and on every
 * received record, and by weft before it writes a file of `get`), the
 * CLI's reason for a refused path (weft__path_why), its directory name
 * for a title (weft__slug) and id check (weft__id_ok) from cli/paths.c,
 * and the escaping of what error lines quote (weft_text_escape).
 *
 * Properties: an accepted path is 1..WEFT_PATH_MAX bytes of printable
 * UTF-8 with no '\', no leading '/', and no empty, "." or ".." part; a
 * refused one gets a reason; a slug is [a-z0-9-], at most 64 bytes, with
 * no '-' at either end; escaped text is printable UTF-8 and equals its
 * input when nothing needed escaping.
 */
#include <stdbool.h>
#include <string.h>

#include "weft/record.h"
#include "weft/text.h"

#include "fuzz.h"
#include "paths.h"

#define IN_MAX	(WEFT_PATH_MAX + 64)

static bool
printable(const char *s, size_t n)
{
	size_t	k;

	for (size_t i = 0; i < n; i += k) {
		k = weft_text_char((const unsigned char *)s + i, n - i);
		if (k == 0)
			return false;
	}
	return true;
}

static void
check_path(const char *s, size_t n)
{
	size_t	start = 0;

	if (weft_path_check(s, n) != 0) {
		if (memchr(s, 0, n) == NULL)
			FUZZ_CHECK(weft__path_why(s) != NULL);
		return;
	}
	FUZZ_CHECK(n >= 1 && n <= WEFT_PATH_MAX);
	FUZZ_CHECK(printable(s, n));
	FUZZ_CHECK(memchr(s, '\\', n) == NULL && s[0] != '/');
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		FUZZ_CHECK(i > start);
		FUZZ_CHECK(!(i - start == 1 && s[start] == '.'));
		FUZZ_CHECK(!(i - start == 2 && s[start] == '.' &&
		    s[start + 1] == '.'));
		start = i + 1;
	}
}

static void
check_slug(const char *s, size_t n)
{
	char	slug[80];
	size_t	len;

	weft__slug(s, n, slug, sizeof(slug));
	len = strlen(slug);
	FUZZ_CHECK(len <= 64);
	/* ASCII only as [a-z0-9-]; the rest letters of other scripts. */
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK((unsigned char)slug[i] >= 0x80 ||
		    (slug[i] >= 'a' && slug[i] <= 'z') ||
		    (slug[i] >= '0' && slug[i] <= '9') || slug[i] == '-');
	FUZZ_CHECK(len == 0 || (slug[0] != '-' && slug[len - 1] != '-'));
	/* Whole UTF-8, and a name weft would accept as a path. */
	FUZZ_CHECK(len == 0 || weft_path_check(slug, len) == 0);
}

static void
check_escape(const char *s, size_t n)
{
	char	out[4 * IN_MAX + 1];
	size_t	len;

	len = weft_text_escape(out, sizeof(out), s, n);
	FUZZ_CHECK(len == strlen(out));
	FUZZ_CHECK(printable(out, len));
	if (printable(s, n))
		FUZZ_CHECK(len == n && memcmp(out, s, n) == 0);
	/* A small buffer cuts, and still holds printable text. */
	len = weft_text_escape(out, 16, s, n);
	FUZZ_CHECK(len < 16 && printable(out, len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	s[IN_MAX + 1];
	size_t	n = size < IN_MAX ? size : IN_MAX;
	bool	hex = n >= 8 && n <= 64;

	memcpy(s, data, n);
	s[n] = '\0';
	check_path(s, n);
	check_slug(s, n);
	check_escape(s, n);
	for (size_t i = 0; i < n && hex; i++)
		hex = (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F');
	if (memchr(s, 0, n) == NULL)
		FUZZ_CHECK(weft__id_ok(s) == hex);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const seeds[] = {
		"cube.stl", "models/part/a.scad", "../etc/passwd", "/abs",
		"a//b", "a/./b", "a\\b", "caf\xc3\xa9.stl", "bad\xffname",
		"a\nb\x1b[31m", "abcdefab", "ABCDEF0123456789", "My Design: v2!",
	};
	char	name[16];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(name, sizeof(name), "seed-%zu", i);
		emit(name, (const uint8_t *)seeds[i], strlen(seeds[i]), arg);
	}
}
