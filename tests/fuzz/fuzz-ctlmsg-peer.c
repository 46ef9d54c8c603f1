/*
 * Fuzzes weft_ctlmsg_peer_decode(), weft's reader of a "peers" item
 * (docs/proto/control.md, "Typed replies"); see fuzz-ctlmsg.h.
 */
#include "fuzz-ctlmsg.h"

static void
enc(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_peer_encode(pk, m);
}

static int
dec(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_peer_decode(o, m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_ctlmsg_peer	a, b;

	ctlmsg_fuzz(data, size, enc, dec, &a, &b);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_ctlmsg_peer	p;

	memset(&p, 0, sizeof(p));
	memset(p.node, 0x33, 32);
	p.address = weft_ctlmsg_cstr("127.0.0.1:7420");
	p.direction = weft_ctlmsg_cstr("in");
	p.state = weft_ctlmsg_cstr("open");
	p.bytes_in = 1000;
	p.bytes_out = 2000;
	p.since = 1800000000000ULL;
	p.listen = weft_ctlmsg_cstr("0.0.0.0:7420");
	p.sw = weft_ctlmsg_cstr("weft/0.1.0");
	ctlmsg_seed(emit, arg, "open", enc, &p);
	memset(&p, 0, sizeof(p));
	p.address = weft_ctlmsg_cstr("seed.example.org:7420");
	p.direction = weft_ctlmsg_cstr("out");
	p.state = weft_ctlmsg_cstr("waiting");
	p.error = weft_ctlmsg_cstr("network key mismatch");
	p.has_retry = true;
	p.retry_ms = 30000;
	ctlmsg_seed(emit, arg, "waiting", enc, &p);
}
