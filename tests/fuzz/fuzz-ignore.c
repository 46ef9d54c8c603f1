/*
 * Fuzzes the ignore rules (proto/ignore.c), which read a .weftignore from
 * any folder a user publishes: weft_ignore_add_text() over arbitrary
 * bytes, then weft_ignore_match() of an arbitrary path against them.
 * Input: one byte splitting the rest into the rules text and the path.
 * Properties: the caps hold, a failed text adds no rule, and for any path
 * a rule spelling it with every byte escaped matches exactly that path,
 * and a "!" rule after it takes it back.
 */
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"
#include "weft/ignore.h"

#include "fuzz.h"

#define PATH_IN_MAX	512

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in = { data, size };
	struct weft_ignore	 ig;
	const uint8_t		*text, *p;
	char			 path[PATH_IN_MAX + 1];
	char			 rule[2 * PATH_IN_MAX + 3];
	size_t			 tlen, plen, split, n = 0;
	int			 err;

	split = fuzz_byte(&in);
	split = split * in.n / 256;
	text = fuzz_take(&in, split, &tlen);
	p = fuzz_take(&in, PATH_IN_MAX, &plen);

	weft_ignore_init(&ig);
	err = weft_ignore_add_text(&ig, (const char *)text, tlen, NULL);
	FUZZ_CHECK(err == 0 || err == WEFT_ETOOBIG);
	FUZZ_CHECK(err == 0 || ig.n == 0);
	FUZZ_CHECK(ig.n <= WEFT_IGNORE_RULES_MAX);

	/* A path: no NUL, no line break, no '/' at either end. */
	for (size_t i = 0; i < plen; i++)
		path[i] = p[i] == '\0' || p[i] == '\n' || p[i] == '\r' ?
		    'x' : (char)p[i];
	path[plen] = '\0';
	(void)weft_ignore_match(&ig, path, false);
	(void)weft_ignore_match(&ig, path, true);
	while (plen > 0 && path[plen - 1] == '/')
		path[--plen] = '\0';
	if (plen == 0 || path[0] == '/') {
		weft_ignore_release(&ig);
		return 0;
	}

	rule[n++] = '/';
	for (size_t i = 0; i < plen; i++) {
		if (path[i] != '/')
			rule[n++] = '\\';
		rule[n++] = path[i];
	}
	weft_ignore_release(&ig);
	weft_ignore_init(&ig);
	if (weft_ignore_add_line(&ig, rule, n) == 0) {
		FUZZ_CHECK(weft_ignore_match(&ig, path, false));
		FUZZ_CHECK(weft_ignore_match(&ig, path, true));
		rule[0] = '!';
		memmove(rule + 2, rule + 1, n - 1);
		rule[1] = '/';
		FUZZ_CHECK(weft_ignore_add_line(&ig, rule, n + 1) == 0);
		FUZZ_CHECK(!weft_ignore_match(&ig, path, false));
	}
	weft_ignore_release(&ig);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const seeds[] = {
		"\x80" "*.o\n!keep.o\nbuild/\n/top\n**/x/**\nkeep.o",
		"\x40" "[[:alpha:]]*\n\\#a\ntrail  \nab/c",
		"\xf0" "foo/**/bar\r\n[a-c]?\nfoo/q/bar",
		"\x20" "#\n!\n/\n[\nx",
		"\x60" "\xef\xbb\xbf" "a b\\ \n\"a b \"",
	};
	char	name[16];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(name, sizeof(name), "seed-%zu", i);
		emit(name, (const uint8_t *)seeds[i], strlen(seeds[i]), arg);
	}
}
