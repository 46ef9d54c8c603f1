/*
 * Fuzzes weft_ctlmsg_policy_decode(), the reader of a "policies" item
 * (docs/proto/control.md, "Typed replies"); see fuzz-ctlmsg.h. Beyond
 * the shared properties: a decoded kind is one of the three, and names
 * itself.
 */
#include "fuzz-ctlmsg.h"

static void
enc(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_policy_encode(pk, m);
}

static int
dec(const struct weft_obj *o, void *m)
{
	struct weft_ctlmsg_policy	*p = m;
	int				 err;

	err = weft_ctlmsg_policy_decode(o, p);
	if (err == 0)
		FUZZ_CHECK(weft_ctlmsg_policy_kind_name(p->kind) != NULL);
	return err;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_ctlmsg_policy	a, b;

	ctlmsg_fuzz(data, size, enc, dec, &a, &b);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_ctlmsg_policy	p;

	memset(&p, 0, sizeof(p));
	p.kind = WEFT_CTLMSG_FOLLOW;
	memset(p.id, 0x55, 32);
	ctlmsg_seed(emit, arg, "follow", enc, &p);
	p.kind = WEFT_CTLMSG_MIRROR;
	ctlmsg_seed(emit, arg, "mirror", enc, &p);
	p.kind = WEFT_CTLMSG_MIRROR_ALL;
	ctlmsg_seed(emit, arg, "mirror-all", enc, &p);
}
