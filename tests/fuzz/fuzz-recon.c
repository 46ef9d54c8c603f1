/*
 * Fuzzes weft_recon_reconcile(), which parses the reconciliation
 * messages a peer sends during sync (docs/proto/recon.md). The input's
 * first byte picks the role and the frame limit: as a responder the rest
 * is the peer's first message; as an initiator our first message goes
 * out, then the rest is the peer's answer. A second byte splits the rest
 * into two messages, the second fed only if the first was accepted and
 * reconciliation is not done. Every call must end in success or one of
 * the documented errors, never write more than the frame limit, and a
 * reported difference must be a known item for HAVE.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/recon.h"

#include "fuzz.h"

#define NITEMS	300

static struct weft_recon_item	items[NITEMS];
static struct weft_recon_vec	vec;
static int			ready;

/* A fixed set: clustered ts (equal ts, splits inside one), hashed ids. */
static void
set_up(void)
{
	uint8_t	seed[8];

	if (ready)
		return;
	if (sodium_init() < 0)
		abort();
	for (uint32_t i = 0; i < NITEMS; i++) {
		items[i].ts = UINT64_C(1700000000000) + (i / 3) * 1000;
		memcpy(seed, &i, sizeof(i));
		memset(seed + sizeof(i), 0, sizeof(seed) - sizeof(i));
		crypto_generichash(items[i].id, sizeof(items[i].id), seed,
		    sizeof(seed), NULL, 0);
	}
	if (weft_recon_vec_init(&vec, items, NITEMS) != 0)
		abort();
	ready = 1;
}

static int
known(const uint8_t id[WEFT_RECON_ID_BYTES])
{
	for (uint32_t i = 0; i < NITEMS; i++)
		if (memcmp(items[i].id, id, WEFT_RECON_ID_BYTES) == 0)
			return 1;
	return 0;
}

static int
diff_cb(void *arg, enum weft_recon_diff kind,
    const uint8_t id[WEFT_RECON_ID_BYTES])
{
	(void)arg;
	FUZZ_CHECK(kind == WEFT_RECON_HAVE || kind == WEFT_RECON_NEED);
	if (kind == WEFT_RECON_HAVE)
		FUZZ_CHECK(known(id));
	return 0;
}

static int
allowed(int err)
{
	return err == 0 || err == WEFT_EPROTO || err == WEFT_ETOOBIG ||
	    err == WEFT_EVERSION;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in			 in = { data, size };
	struct weft_recon_opts		 o;
	struct weft_recon		 r;
	struct weft_buf			 out;
	const uint8_t			*m1, *m2;
	size_t				 n1, n2, cut;
	uint8_t				 mode, split;
	int				 err;

	set_up();
	mode = fuzz_byte(&in);
	split = fuzz_byte(&in);
	memset(&o, 0, sizeof(o));
	o.frame_max = mode & 2 ? WEFT_RECON_FRAME_MIN : WEFT_RECON_FRAME_MAX;
	o.buckets = 2 + (mode >> 2) % 15;
	FUZZ_CHECK(weft_recon_init(&r, &weft_recon_vec_set, &vec, &o,
	    diff_cb, NULL) == 0);
	weft_buf_init(&out, o.frame_max);
	if (mode & 1) {
		FUZZ_CHECK(weft_recon_initiate(&r, &out) == 0);
		FUZZ_CHECK(out.len > 0 && out.len <= o.frame_max);
	}
	cut = split == 0 ? in.n : in.n * split / 256;
	m1 = fuzz_take(&in, cut, &n1);
	m2 = fuzz_take(&in, in.n, &n2);

	weft_buf_reset(&out);
	err = weft_recon_reconcile(&r, m1, n1, &out);
	FUZZ_CHECK(allowed(err));
	FUZZ_CHECK(out.len <= o.frame_max);
	if (err == 0 && !weft_recon_done(&r) && n2 > 0) {
		weft_buf_reset(&out);
		err = weft_recon_reconcile(&r, m2, n2, &out);
		FUZZ_CHECK(allowed(err));
		FUZZ_CHECK(out.len <= o.frame_max);
	}
	weft_buf_release(&out);
	return 0;
}

static int
noop_cb(void *arg, enum weft_recon_diff kind,
    const uint8_t id[WEFT_RECON_ID_BYTES])
{
	(void)arg;
	(void)kind;
	(void)id;
	return 0;
}

/* The seed: mode, split, then msg. */
static void
emit_seed(fuzz_emit_cb *emit, void *arg, const char *name, uint8_t mode,
    const struct weft_buf *msg)
{
	struct weft_buf	seed;
	uint8_t		hdr[2] = { mode, 0 };

	weft_buf_init(&seed, WEFT_RECON_FRAME_MAX + 2);
	if (weft_buf_add(&seed, hdr, sizeof(hdr)) != 0 ||
	    (msg != NULL && weft_buf_add(&seed, msg->data, msg->len) != 0))
		abort();
	emit(name, seed.data, seed.len, arg);
	weft_buf_release(&seed);
}

/*
 * Seeds: mode and split bytes, then real messages. The peer's set is
 * ours with a few items missing and a few others, so its messages hold
 * every part: fingerprints, id lists and differences.
 */
void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_recon_item	 other[NITEMS];
	struct weft_recon_vec	 ov;
	struct weft_recon	 a, b;
	struct weft_buf		 m, reply;

	set_up();
	memcpy(other, items, sizeof(other));
	for (int i = 0; i < 5; i++)
		other[i * 50].id[0] ^= 0x5a;
	if (weft_recon_vec_init(&ov, other, NITEMS) != 0)
		abort();
	weft_buf_init(&m, WEFT_RECON_FRAME_MAX);
	weft_buf_init(&reply, WEFT_RECON_FRAME_MAX);

	/* The peer initiates: we answer as a responder (mode 0). */
	if (weft_recon_init(&b, &weft_recon_vec_set, &ov, NULL, noop_cb,
	    NULL) != 0 || weft_recon_initiate(&b, &m) != 0)
		abort();
	emit_seed(emit, arg, "first", 0, &m);

	/* We initiate (mode 1): the peer's answer to our first message. */
	weft_buf_reset(&m);
	if (weft_recon_init(&a, &weft_recon_vec_set, &vec, NULL, noop_cb,
	    NULL) != 0 || weft_recon_initiate(&a, &m) != 0)
		abort();
	if (weft_recon_init(&b, &weft_recon_vec_set, &ov, NULL, noop_cb,
	    NULL) != 0 || weft_recon_reconcile(&b, m.data, m.len,
	    &reply) != 0)
		abort();
	emit_seed(emit, arg, "answer", 1, &reply);
	emit_seed(emit, arg, "empty", 0, NULL);

	weft_buf_release(&m);
	weft_buf_release(&reply);
	weft_recon_vec_release(&ov);
}
