/*
 * Fuzzes weft_license_find() (proto/spdx.c), which the CLI and weftd use
 * on every --license and every received record: a binary search over
 * the SPDX ids, matched case-insensitively. Properties: a found id
 * equals the input but for ASCII case, is its own canonical form, and is
 * found again whatever the input's case (which fails if the table is not
 * sorted as the search compares).
 */
#include <string.h>
#include <strings.h>

#include "weft/record.h"

#include "fuzz.h"

#define IN_MAX	(WEFT_LICENSE_MAX + 8)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 s[IN_MAX + 1], up[IN_MAX + 1], low[IN_MAX + 1];
	const char	*canon;
	size_t		 n = size < IN_MAX ? size : IN_MAX;

	memcpy(s, data, n);
	s[n] = '\0';
	canon = weft_license_find(s);
	if (canon == NULL)
		return 0;
	FUZZ_CHECK(strlen(s) <= WEFT_LICENSE_MAX);
	FUZZ_CHECK(strcasecmp(canon, s) == 0);
	FUZZ_CHECK(weft_license_find(canon) == canon);
	for (size_t i = 0; i <= strlen(s); i++) {
		up[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 32) : s[i];
		low[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
	}
	FUZZ_CHECK(weft_license_find(up) == canon);
	FUZZ_CHECK(weft_license_find(low) == canon);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const seeds[] = {
		"MIT", "mit", "CC-BY-4.0", "cc-by-sa-4.0", "GPL-3.0-or-later",
		"NOASSERTION", "Apache-2.0", "0BSD", "Zlib", "no\nsuch",
	};
	char	name[16];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(name, sizeof(name), "seed-%zu", i);
		emit(name, (const uint8_t *)seeds[i], strlen(seeds[i]), arg);
	}
}
