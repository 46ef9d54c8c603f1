/*
 * Fuzzes weft_ctlmsg_show_decode(), weft's reader of the "show" reply
 * (docs/proto/control.md, "Typed replies"); see fuzz-ctlmsg.h.
 */
#include "fuzz-ctlmsg.h"

static void
enc(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_show_encode(pk, m);
}

static int
dec(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_show_decode(o, m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_ctlmsg_show	a, b;

	ctlmsg_fuzz(data, size, enc, dec, &a, &b);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const uint8_t	env[] = { 0x92, 0xc4, 0x01, 0x80, 0xc4, 0x00 };
	struct weft_ctlmsg_show	sh;

	memset(&sh, 0, sizeof(sh));
	memset(sh.id, 0x11, 32);
	sh.type = weft_ctlmsg_cstr("lib");
	sh.record = env;
	sh.record_len = sizeof(env);
	ctlmsg_seed(emit, arg, "lib", enc, &sh);
	sh.type = weft_ctlmsg_cstr("rev");
	sh.has_design = true;
	memset(sh.design, 0x22, 32);
	ctlmsg_seed(emit, arg, "rev", enc, &sh);
}
