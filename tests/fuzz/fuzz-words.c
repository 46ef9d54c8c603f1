/*
 * Fuzzes weft_words_split() (proto/words.c), which the store runs over
 * every received record's title, description, tags and file names and
 * weftd over every query. Properties: each word is 2..64 bytes of
 * well-formed UTF-8 without NUL or separators, and folding is stable: a
 * word split again is exactly that one word (so a query made of an
 * indexed word finds it).
 */
#include <string.h>

#include "weft/text.h"
#include "weft/words.h"

#include "fuzz.h"

#define IN_MAX	(64 * 1024)

static int
again_cb(void *arg, const uint8_t *w, size_t n)
{
	const uint8_t	**want = arg;
	size_t		  wl = (size_t)(want[1] - want[0]);

	FUZZ_CHECK(want[0] != NULL);
	FUZZ_CHECK(n == wl && memcmp(w, want[0], n) == 0);
	want[0] = NULL;		/* one word only */
	return 0;
}

static int
word_cb(void *arg, const uint8_t *w, size_t n)
{
	const uint8_t	*want[2] = { w, w + n };
	size_t		 off = 0, k;

	(void)arg;
	FUZZ_CHECK(n >= WEFT_WORD_MIN && n <= WEFT_WORD_MAX);
	while (off < n) {
		k = weft_utf8_seq(w + off, n - off);
		FUZZ_CHECK(k > 0);
		off += k;
	}
	FUZZ_CHECK(weft_words_split((const char *)w, n, again_cb, want) == 0);
	FUZZ_CHECK(want[0] == NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > IN_MAX)
		size = IN_MAX;
	FUZZ_CHECK(weft_words_split((const char *)data, size, word_cb,
	    NULL) == 0);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const seeds[] = {
		"Zahnrad f\xc3\xbcr Wand",
		"gear_v2.STL bracket-M3 \xef\xac\x81le",
		("Stra\xc3\x9f" "e \xce\x9f\xce\x94\xce\x9f\xce\xa3 fu\xcc\x88r"),
		"\xe9\xbd\xbf\xe8\xbd\xae\xe3\x80\x80x1 \xef\xbc\xa7\xef\xbd\x85",
		"ab\xffxy\xed\xa0\x80zz\xc3",
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char	name[16];

		snprintf(name, sizeof(name), "seed%zu", i);
		emit(name, (const uint8_t *)seeds[i], strlen(seeds[i]), arg);
	}
	emit("empty", (const uint8_t *)"", 0, arg);
}
