/*
 * Fuzzes weft_sync_interests_decode(), the decoder of the "interests"
 * sync message (docs/proto/sync.md, "Interest updates"), which a peer
 * may send at any time. A message that decodes must hold at most 256
 * interests of known scopes, and encoding them must give a message that
 * decodes to the same list and encodes to the same bytes again (the
 * input itself may order a map's keys differently).
 */
#include <errno.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/wire.h"

#include "fuzz.h"
#include "sync.h"

#define MAX	WEFT_WIRE_INTERESTS_MAX

static bool
same(const struct weft_wire_interest *a, const struct weft_wire_interest *b,
    uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].scope != b[i].scope ||
		    memcmp(a[i].id, b[i].id, sizeof(a[i].id)) != 0)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct weft_wire_interest	v[MAX], v2[MAX];
	struct weft_buf				b1, b2;
	uint32_t				n, n2;
	int					err;

	err = weft_sync_interests_decode(data, size, v, &n);
	if (err) {
		FUZZ_CHECK(err == WEFT_EPROTO || err == -ENOMEM);
		FUZZ_CHECK(n == 0);
		return 0;
	}
	FUZZ_CHECK(n <= MAX);
	for (uint32_t i = 0; i < n; i++) {
		FUZZ_CHECK(v[i].scope >= WEFT_WIRE_SCOPE_ALL &&
		    v[i].scope <= WEFT_WIRE_SCOPE_LIB);
		if (v[i].scope == WEFT_WIRE_SCOPE_ALL)
			for (size_t k = 0; k < sizeof(v[i].id); k++)
				FUZZ_CHECK(v[i].id[k] == 0);
	}
	weft_buf_init(&b1, WEFT_WIRE_MSG_MAX);
	weft_buf_init(&b2, WEFT_WIRE_MSG_MAX);
	FUZZ_CHECK(weft_sync_interests_encode(&b1, v, n) == 0);
	FUZZ_CHECK(b1.len <= size);
	FUZZ_CHECK(weft_sync_interests_decode(b1.data, b1.len, v2, &n2) == 0);
	FUZZ_CHECK(n2 == n && same(v, v2, n));
	FUZZ_CHECK(weft_sync_interests_encode(&b2, v2, n2) == 0);
	FUZZ_CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
	weft_buf_release(&b2);
	weft_buf_release(&b1);
	return 0;
}

static void
emit_list(fuzz_emit_cb *emit, void *arg, const char *name,
    const struct weft_wire_interest *v, uint32_t n)
{
	struct weft_buf	b;

	weft_buf_init(&b, WEFT_WIRE_MSG_MAX);
	FUZZ_CHECK(weft_sync_interests_encode(&b, v, n) == 0);
	emit(name, b.data, b.len, arg);
	weft_buf_release(&b);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static struct weft_wire_interest	v[4];

	memset(v, 0, sizeof(v));
	emit_list(emit, arg, "empty", v, 0);
	v[0].scope = WEFT_WIRE_SCOPE_ALL;
	emit_list(emit, arg, "all", v, 1);
	v[1].scope = WEFT_WIRE_SCOPE_AUTHOR;
	memset(v[1].id, 0xaa, sizeof(v[1].id));
	v[2].scope = WEFT_WIRE_SCOPE_LIB;
	memset(v[2].id, 0x55, sizeof(v[2].id));
	emit_list(emit, arg, "three", v, 3);
	emit_list(emit, arg, "author", v + 1, 1);
}
