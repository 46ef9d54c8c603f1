/*
 * Fuzzes the checks on `file_design`'s blocks (daemon/store/
 * store_fdesign.h), read back from the store: a damaged store file is
 * their bad input. Input: the key (41 bytes), a hash (32), then the
 * value. Properties: a block fval_ok() accepts holds 1 to FD_BLOCK_MAX
 * whole hashes; fval_find() gives an index within it (or its end), and
 * in a sorted block finds every hash it holds at its place and says
 * whether the input's hash is there exactly when a scan does.
 */
#include <stdlib.h>
#include <string.h>

#include "store_fdesign.h"

#include "fuzz.h"

static int
hcmp(const void *a, const void *b)
{
	return memcmp(a, b, FD_ID);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	sorted[FD_BLOCK_MAX * FD_ID];
	MDB_val	k, v;
	size_t	n, at;
	bool	has, scan = false;

	if (size < FD_FKEY + FD_ID)
		return 0;
	k.mv_data = (void *)data;
	k.mv_size = FD_FKEY;
	v.mv_data = (void *)(data + FD_FKEY + FD_ID);
	v.mv_size = size - FD_FKEY - FD_ID;
	if (!fval_ok(&k, &v))
		return 0;
	n = v.mv_size / FD_ID;
	FUZZ_CHECK(n >= 1 && n <= FD_BLOCK_MAX && n * FD_ID == v.mv_size);
	/* As read, maybe out of order: an index within the block. */
	at = fval_find(&v, data + FD_FKEY, &has);
	FUZZ_CHECK(at <= n);
	if (has)
		FUZZ_CHECK(memcmp((const uint8_t *)v.mv_data + at * FD_ID,
		    data + FD_FKEY, FD_ID) == 0);
	/* Sorted, as the store writes it. */
	memcpy(sorted, v.mv_data, v.mv_size);
	qsort(sorted, n, FD_ID, hcmp);
	v.mv_data = sorted;
	for (size_t i = 0; i < n; i++) {
		at = fval_find(&v, sorted + i * FD_ID, &has);
		FUZZ_CHECK(has && memcmp(sorted + at * FD_ID, sorted +
		    i * FD_ID, FD_ID) == 0);
		scan = scan || memcmp(sorted + i * FD_ID, data + FD_FKEY,
		    FD_ID) == 0;
	}
	at = fval_find(&v, data + FD_FKEY, &has);
	FUZZ_CHECK(has == scan && at <= n);
	if (!has && at > 0)
		FUZZ_CHECK(memcmp(sorted + (at - 1) * FD_ID, data + FD_FKEY,
		    FD_ID) < 0);
	if (!has && at < n)
		FUZZ_CHECK(memcmp(sorted + at * FD_ID, data + FD_FKEY,
		    FD_ID) > 0);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	uint8_t	in[FD_FKEY + FD_ID + 3 * FD_ID];

	memset(in, 0, sizeof(in));
	in[0] = 'F';
	memset(in + 1, 0x11, FD_ID);
	memset(in + FD_FKEY, 0x33, FD_ID);	/* the hash sought */
	memset(in + FD_FKEY + FD_ID, 0x22, FD_ID);
	memset(in + FD_FKEY + 2 * FD_ID, 0x33, FD_ID);
	memset(in + FD_FKEY + 3 * FD_ID, 0x44, FD_ID);
	emit("block", in, sizeof(in), arg);
	emit("one", in, FD_FKEY + 2 * FD_ID, arg);
}
