/*
 * Fuzzes the label value readers (proto/record.c): weft_label_valid()
 * and weft_label_base(), which every received label record's value goes
 * through, and weft_label_removal(). Properties: weft_label_base() fails
 * exactly on what weft_label_valid() refuses; a removal's base is a
 * valid label outside the "weft.not/" namespace whose removal is the
 * input again, byte for byte (one label, one removal); any other valid
 * label is its own base; and a label's removal, when it has one, reads
 * back as a removal of it.
 */
#include <stdio.h>
#include <string.h>

#include "weft/err.h"
#include "weft/record.h"

#include "fuzz.h"

#define IN_MAX	256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	const size_t	 np = sizeof(WEFT_LABEL_NOT) - 1;
	char		 base[WEFT_LABEL_MAX + 1], again[WEFT_LABEL_MAX + 1];
	char		 b2[WEFT_LABEL_MAX + 1];
	size_t		 bn, b2n;
	int		 rc;

	if (size > IN_MAX)
		size = IN_MAX;
	rc = weft_label_base(s, size, base, &bn);
	if (!weft_label_valid(s, size)) {
		FUZZ_CHECK(rc == WEFT_EBADFIELD);
		return 0;
	}
	FUZZ_CHECK(rc == 0 || rc == 1);
	FUZZ_CHECK(bn == strlen(base) && weft_label_valid(base, bn));
	if (rc == 0) {
		FUZZ_CHECK(bn == size && memcmp(base, s, size) == 0);
	} else {
		FUZZ_CHECK(bn < np || memcmp(base, WEFT_LABEL_NOT, np) != 0);
		FUZZ_CHECK(weft_label_removal(base, bn, again) == 0);
		FUZZ_CHECK(strlen(again) == size &&
		    memcmp(again, s, size) == 0);
	}
	if (weft_label_removal(s, size, again) == 0) {
		FUZZ_CHECK(weft_label_base(again, strlen(again), b2,
		    &b2n) == 1);
		FUZZ_CHECK(b2n == size && memcmp(b2, s, size) == 0);
	}
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const seeds[] = {
		"spam", "stolen-design", "org.example/needs-review",
		"weft.not/spam", "weft.not/org.example_needs-review",
		"weft.not/weft.not_spam", "weft.not/spamx", "weft.not/",
		"weft.not/a.b_c_d", "a.b/c_d",
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char	name[16];

		snprintf(name, sizeof(name), "seed%zu", i);
		emit(name, (const uint8_t *)seeds[i], strlen(seeds[i]), arg);
	}
	emit("empty", (const uint8_t *)"", 0, arg);
}
