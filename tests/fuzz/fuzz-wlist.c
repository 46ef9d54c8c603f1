/*
 * Fuzzes wlist_decode() (daemon/store/store_wlist.h), which reads the
 * blocks of the design-ordered word lists back from the store: a
 * damaged store file is its bad input. Input: one byte, the key's
 * prefix length (mod WL_TERM_MAX + 2), then the key (prefix and a be32
 * last number), then the block. Properties: a block decodes to 1 to
 * WL_MAX strictly rising numbers whose last is the key's; encoded again
 * (canonically) it decodes to the same numbers and impacts.
 */
#include <string.h>

#include "store_wlist.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t	num[WL_MAX], num2[WL_MAX];
	uint8_t		imp[WL_MAX], imp2[WL_MAX], out[WL_VAL_MAX + 6];
	MDB_val		k, v;
	size_t		plen, n, n2, len;

	if (size < 1)
		return 0;
	plen = data[0] % (WL_TERM_MAX + 2);
	if (size < 1 + plen + 4)
		return 0;
	k.mv_data = (void *)(data + 1);
	k.mv_size = plen + 4;
	v.mv_data = (void *)(data + 1 + plen + 4);
	v.mv_size = size - 1 - plen - 4;
	if (wlist_decode(&k, plen, &v, num, imp, &n) != 0)
		return 0;
	FUZZ_CHECK(n >= 1 && n <= WL_MAX);
	for (size_t i = 1; i < n; i++)
		FUZZ_CHECK(num[i] > num[i - 1]);
	FUZZ_CHECK(num[n - 1] == be32dec(data + 1 + plen));
	len = wl_encode(out, num, imp, n);
	FUZZ_CHECK(len <= sizeof(out));
	v.mv_data = out;
	v.mv_size = len;
	FUZZ_CHECK(len <= WL_VAL_MAX);
	FUZZ_CHECK(wlist_decode(&k, plen, &v, num2, imp2, &n2) == 0);
	FUZZ_CHECK(n2 == n && memcmp(num2, num, n * sizeof(*num)) == 0 &&
	    memcmp(imp2, imp, n) == 0);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const uint32_t	num[3] = { 5, 130, 70000 };
	static const uint8_t	imp[3] = { 200, 1, 255 };
	uint8_t			in[1 + 4 + 4 + WL_VAL_MAX];
	size_t			len;

	in[0] = 4;
	memcpy(in + 1, "gear", 4);
	be32enc(in + 5, num[2]);
	len = wl_encode(in + 9, num, imp, 3);
	emit("block", in, 9 + len, arg);
	in[0] = 0;
	be32enc(in + 1, 7);
	len = wl_encode(in + 5, (const uint32_t []){ 7 }, imp, 1);
	emit("one", in, 5 + len, arg);
}
