/*
 * Fuzzes weft_ctlmsg_status_decode(), weft's reader of the "status" reply
 * (docs/proto/control.md, "Typed replies"); see fuzz-ctlmsg.h.
 */
#include "fuzz-ctlmsg.h"

static void
enc(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_status_encode(pk, m);
}

static int
dec(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_status_decode(o, m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct weft_ctlmsg_status	a, b;

	ctlmsg_fuzz(data, size, enc, dec, &a, &b);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_ctlmsg_status	st;

	memset(&st, 0, sizeof(st));
	st.version = weft_ctlmsg_cstr("0.1.0");
	st.home = weft_ctlmsg_cstr("/home/ada/.local/share/weft");
	st.network_key_id = weft_ctlmsg_cstr("0123456789ABCDEF");
	st.records = 12;
	st.uptime_ms = 3600000;
	ctlmsg_seed(emit, arg, "quiet", enc, &st);
	st.address = weft_ctlmsg_cstr("aa@10.0.0.2:7420");
	st.addresses[0] = st.address;
	st.addresses[1] = weft_ctlmsg_cstr("aa@[fd00::2]:7420");
	st.naddresses = 2;
	st.listen = weft_ctlmsg_cstr("0.0.0.0:7420");
	st.lan.on = true;
	st.lan.port = 7400;
	st.lan.nodes = 3;
	st.disk.paused = true;
	st.disk.error = weft_ctlmsg_cstr("store full");
	st.sync.peers = 2;
	ctlmsg_seed(emit, arg, "busy", enc, &st);
}
