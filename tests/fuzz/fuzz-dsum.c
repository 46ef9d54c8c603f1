/*
 * Fuzzes dsum_decode() (daemon/store/store_dsum.h), which reads the
 * compact summaries of `dsum` back from the store: a damaged store file
 * is its bad input. Input: the key (created || design, 40 bytes), then
 * the value. Properties: a value that decodes packs into a summary map
 * no longer than DSUM_MAX + 64; encoded again (canonically) it decodes
 * to the same fields and packs into the same map bytes.
 */
#include <string.h>

#include "store_dsum.h"

#include "fuzz.h"

static size_t
pack(const struct dsum *d, struct weft_buf *b)
{
	weft_buf_reset(b);
	FUZZ_CHECK(dsum_pack(b, d, 0) == 0);
	return b->len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_buf	 m1, m2, enc;
	struct dsum	 d, d2;
	const char	*t;
	size_t		 off = 0, tn;
	int		 err;

	if (size < DKEY)
		return 0;
	if (dsum_decode(data, data + DKEY, size - DKEY, &d) != 0)
		return 0;
	weft_buf_init(&m1, 2 * DSUM_MAX);
	weft_buf_init(&m2, 2 * DSUM_MAX);
	weft_buf_init(&enc, DSUM_MAX);
	FUZZ_CHECK(pack(&d, &m1) <= DSUM_MAX + 64);
	err = dsum_encode(&enc, d.design, d.head, d.author,
	    (const char *)d.title, d.title_len, (const char *)d.license,
	    d.license_len, d.created, d.updated, d.revs, d.heads, d.conflict,
	    d.ntags);
	for (uint32_t i = 0; err == 0 && i < d.ntags; i++) {
		dsum_tag_next(&d, &off, &t, &tn);
		err = dsum_bytes_put(&enc, t, tn);
	}
	FUZZ_CHECK(err == 0 && enc.len <= size - DKEY);
	FUZZ_CHECK(dsum_decode(data, enc.data, enc.len, &d2) == 0);
	FUZZ_CHECK(d2.updated == d.updated && d2.revs == d.revs &&
	    d2.heads == d.heads && d2.ntags == d.ntags &&
	    d2.conflict == d.conflict);
	FUZZ_CHECK(pack(&d2, &m2) == m1.len &&
	    memcmp(m1.data, m2.data, m1.len) == 0);
	weft_buf_release(&m1);
	weft_buf_release(&m2);
	weft_buf_release(&enc);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_buf	b;
	uint8_t		in[DKEY + 256], id[ID], au[WEFT_PK_BYTES];

	memset(in, 0, DKEY);
	be64enc(in, UINT64_C(1700000000000));
	memset(in + 8, 0x11, ID);
	memset(id, 0x33, ID);
	memset(au, 0x22, WEFT_PK_BYTES);
	weft_buf_init(&b, DSUM_MAX);
	if (dsum_encode(&b, in + 8, in + 8, au, "Gear wheel", 10, "MIT", 3,
	    UINT64_C(1700000001500), UINT64_C(1700000000000), 2, 1, false,
	    2) == 0 && dsum_bytes_put(&b, "a", 1) == 0 &&
	    dsum_bytes_put(&b, "bc", 2) == 0 && b.len <= 256) {
		memcpy(in + DKEY, b.data, b.len);
		emit("genesis", in, DKEY + b.len, arg);
	}
	if (dsum_encode(&b, in + 8, id, au, "", 0, "CC-BY-4.0", 9, 5,
	    UINT64_C(1700000000000), 7, 3, true, 0) == 0 && b.len <= 256) {
		memcpy(in + DKEY, b.data, b.len);
		emit("conflict", in, DKEY + b.len, arg);
	}
	weft_buf_release(&b);
}
