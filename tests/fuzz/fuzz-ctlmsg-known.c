/*
 * Fuzzes weft_ctlmsg_known_decode(), weft's reader of a "known" item
 * (docs/proto/control.md, "Typed replies"); see fuzz-ctlmsg.h.
 */
#include "fuzz-ctlmsg.h"

static void
enc(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_known_encode(pk, m);
}

static int
dec(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_known_decode(o, m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_ctlmsg_known	a, b;

	ctlmsg_fuzz(data, size, enc, dec, &a, &b);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_ctlmsg_known	k;

	memset(&k, 0, sizeof(k));
	memset(k.node, 0x44, 32);
	k.address = weft_ctlmsg_cstr("example.org:7420");
	k.verified = true;
	k.last_seen = 1800000000000ULL;
	k.source = weft_ctlmsg_cstr("config");
	k.connected = true;
	ctlmsg_seed(emit, arg, "config", enc, &k);
	k.address = weft_ctlmsg_cstr("[fd00::7]:7420");
	k.fails = 4;
	k.source = weft_ctlmsg_cstr("lan");
	k.connected = false;
	ctlmsg_seed(emit, arg, "lan", enc, &k);
}
