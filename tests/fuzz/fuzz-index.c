/*
 * Fuzzes weft_index_decode(), the chunk-list decoder run on every index
 * a peer sends. When an input decodes, its refs must be within limits,
 * the total must be their sum, and weft_index_encode() must give back
 * the input bytes exactly (one list, one encoding, one id).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_chunk_ref	*refs;
	struct weft_buf		 b;
	uint64_t		 total, sum = 0;
	size_t			 n;
	int			 err;

	err = weft_index_decode(data, size, &refs, &n, &total);
	if (err) {
		FUZZ_CHECK(err == WEFT_EPROTO || err == WEFT_ETOOBIG ||
		    err == -ENOMEM);
		FUZZ_CHECK(refs == NULL && n == 0 && total == 0);
		return 0;
	}
	FUZZ_CHECK(n <= WEFT_INDEX_REFS_MAX);
	FUZZ_CHECK((n == 0) == (refs == NULL));
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(refs[i].size >= 1 && refs[i].size <= WEFT_CHUNK_MAX);
		sum += refs[i].size;
	}
	FUZZ_CHECK(sum == total);

	weft_buf_init(&b, WEFT_INDEX_MAX);
	FUZZ_CHECK(weft_index_encode(refs, n, &b) == 0);
	FUZZ_CHECK(b.len == size && memcmp(b.data, data, size) == 0);
	weft_buf_release(&b);
	free(refs);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_chunk_ref	refs[3];
	struct weft_buf		b;

	for (size_t i = 0; i < 3; i++)
		weft_hash((const uint8_t *)"weft", i + 1, refs[i].id);
	refs[0].size = WEFT_CHUNK_MAX;
	refs[1].size = WEFT_CHUNK_MIN + 1;
	refs[2].size = 1;
	weft_buf_init(&b, 4096);
	FUZZ_CHECK(weft_index_encode(refs, 0, &b) == 0);
	emit("empty", b.data, b.len, arg);
	weft_buf_reset(&b);
	FUZZ_CHECK(weft_index_encode(refs + 2, 1, &b) == 0);
	emit("one", b.data, b.len, arg);
	weft_buf_reset(&b);
	FUZZ_CHECK(weft_index_encode(refs, 3, &b) == 0);
	emit("three", b.data, b.len, arg);
	weft_buf_release(&b);
}
