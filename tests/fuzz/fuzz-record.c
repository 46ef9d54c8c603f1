/*
 * Fuzzes the record decoders: weft_record_open(), _decode_body() and
 * _verify(). The input is tried both as an envelope and as a bare body.
 * Whenever a body decodes, re-encoding the record must give back the
 * input bytes exactly (one record, one encoding), the record must pass
 * weft_record_check(), and the same record re-signed by a fixed key must
 * open and verify to the same body. Both decoders are handed a record
 * full of garbage, since they promise to initialise it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "fuzz.h"

static uint8_t	fixed_pk[WEFT_PK_BYTES];
static uint8_t	fixed_sk[WEFT_SK_BYTES];

static void
fixed_key(void)
{
	static bool	ready;
	uint8_t		seed[32];

	if (ready)
		return;
	FUZZ_CHECK(sodium_init() >= 0);
	memset(seed, 0x5e, sizeof(seed));
	FUZZ_CHECK(crypto_sign_seed_keypair(fixed_pk, fixed_sk, seed) == 0);
	ready = true;
}

static bool
decode_error(int err)
{
	return err == WEFT_EPROTO || err == WEFT_EBADFIELD ||
	    err == WEFT_EBADPATH || err == WEFT_EBADLICENSE ||
	    err == WEFT_ETOOBIG || err == -ENOMEM;
}

static bool
has_id(const struct weft_id_list *l, const uint8_t id[WEFT_ID_BYTES])
{
	for (uint32_t i = 0; i < l->n; i++)
		if (memcmp(l->ids[i], id, WEFT_ID_BYTES) == 0)
			return true;
	return false;
}

/* Re-signs r (decoded from a valid body) as fixed_pk and verifies it. */
static void
resign(struct weft_record *r)
{
	struct weft_buf		 body, env, body2;
	struct weft_record	 r2;
	const uint8_t		*b, *sig;
	size_t			 blen;
	uint8_t			 id[WEFT_ID_BYTES], id2[WEFT_ID_BYTES];

	/* A library's author must stay one of its maintainers. */
	if (r->type == WEFT_REC_LIB && !has_id(&r->maintainers, fixed_pk)) {
		for (uint32_t i = 0; i < r->maintainers.n; i++)
			if (memcmp(r->maintainers.ids[i], r->author,
			    WEFT_ID_BYTES) == 0)
				memcpy(r->maintainers.ids[i], fixed_pk,
				    WEFT_ID_BYTES);
		weft_record_sort(r);
	}
	memcpy(r->author, fixed_pk, WEFT_PK_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&body2, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	FUZZ_CHECK(weft_record_encode_body(r, &body) == 0);
	/* The body has the length of one that decoded, so it fits. */
	FUZZ_CHECK(weft_record_sign(body.data, body.len, fixed_sk, &env) ==
	    0);
	FUZZ_CHECK(weft_record_open(env.data, env.len, &b, &blen, &sig) == 0);
	FUZZ_CHECK(blen == body.len && memcmp(b, body.data, blen) == 0);
	FUZZ_CHECK(weft_record_verify(env.data, env.len, &r2, id) == 0);
	weft_record_id(body.data, body.len, id2);
	FUZZ_CHECK(memcmp(id, id2, WEFT_ID_BYTES) == 0);
	FUZZ_CHECK(weft_record_encode_body(&r2, &body2) == 0);
	FUZZ_CHECK(body2.len == body.len &&
	    memcmp(body2.data, body.data, body.len) == 0);
	weft_record_release(&r2);

	/* One flipped signature bit must break it. */
	env.data[env.len - 1] ^= 1;
	FUZZ_CHECK(weft_record_verify(env.data, env.len, &r2, NULL) ==
	    WEFT_EBADSIG);
	weft_record_release(&r2);
	weft_buf_release(&env);
	weft_buf_release(&body2);
	weft_buf_release(&body);
}

/* Decodes a candidate body and checks the round trip when it decodes. */
static void
body_case(const uint8_t *p, size_t n)
{
	struct weft_record	r;
	struct weft_buf		b;
	int			err;

	/* Decoding initialises r: garbage in it must not matter. */
	memset(&r, 0xa5, sizeof(r));
	err = weft_record_decode_body(p, n, &r);
	if (err) {
		FUZZ_CHECK(decode_error(err));
		weft_record_release(&r);
		return;
	}
	FUZZ_CHECK(weft_record_check(&r) == 0);
	FUZZ_CHECK(weft_record_type_name(r.type) != NULL);
	weft_buf_init(&b, WEFT_RECORD_MAX);
	FUZZ_CHECK(weft_record_encode_body(&r, &b) == 0);
	FUZZ_CHECK(b.len == n && memcmp(b.data, p, n) == 0);
	weft_buf_release(&b);
	resign(&r);
	weft_record_release(&r);
	weft_record_release(&r);	/* released records stay empty */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;
	uint8_t			 id[WEFT_ID_BYTES];
	int			 err;

	fixed_key();
	body_case(data, size);

	err = weft_record_open(data, size, &body, &blen, &sig);
	if (err == 0) {
		FUZZ_CHECK(body >= data && blen > 0 &&
		    blen <= size - (size_t)(body - data));
		FUZZ_CHECK(sig >= data && sig + WEFT_SIG_BYTES <= data + size);
		body_case(body, blen);
	} else {
		FUZZ_CHECK(err == WEFT_EPROTO || err == WEFT_ETOOBIG ||
		    err == -ENOMEM);
	}

	memset(&r, 0xa5, sizeof(r));
	err = weft_record_verify(data, size, &r, id);
	FUZZ_CHECK(err == 0 || err == WEFT_EBADSIG || decode_error(err));
	if (err == 0)
		FUZZ_CHECK(weft_record_check(&r) == 0);
	weft_record_release(&r);
	return 0;
}

static char *
dup(const char *s)
{
	char	*d = strdup(s);

	FUZZ_CHECK(d != NULL);
	return d;
}

static void
emit_record(fuzz_emit_cb *emit, void *arg, const char *name,
    struct weft_record *r)
{
	struct weft_buf	body, env;
	char		bname[64];

	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	weft_record_sort(r);
	FUZZ_CHECK(weft_record_encode_body(r, &body) == 0);
	FUZZ_CHECK(weft_record_sign(body.data, body.len, fixed_sk, &env) ==
	    0);
	emit(name, env.data, env.len, arg);
	snprintf(bname, sizeof(bname), "%s-body", name);
	emit(bname, body.data, body.len, arg);
	weft_buf_release(&env);
	weft_buf_release(&body);
	weft_record_release(r);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_record	r;

	fixed_key();

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, fixed_pk, WEFT_PK_BYTES);
	r.ts = UINT64_C(1700000000000);
	r.has_design = true;
	memset(r.design, 0xd0, WEFT_ID_BYTES);
	r.prev.ids = calloc(2, WEFT_ID_BYTES);
	FUZZ_CHECK(r.prev.ids != NULL);
	r.prev.n = 2;
	memset(r.prev.ids[0], 0x10, WEFT_ID_BYTES);
	memset(r.prev.ids[1], 0x11, WEFT_ID_BYTES);
	r.title = dup("Benchy, sturdier hull");
	r.description = dup("A small test boat.\nPrint it.");
	r.license = dup("CC-BY-SA-4.0");
	r.message = dup("thicker walls");
	r.tags = calloc(2, sizeof(*r.tags));
	FUZZ_CHECK(r.tags != NULL);
	r.ntags = 2;
	r.tags[0] = dup("boat");
	r.tags[1] = dup("calibration");
	r.files = calloc(2, sizeof(*r.files));
	FUZZ_CHECK(r.files != NULL);
	r.nfiles = 2;
	r.files[0].path = dup("README.md");
	r.files[0].size = 42;
	memset(r.files[0].hash, 0xa1, WEFT_ID_BYTES);
	memset(r.files[0].index, 0xa2, WEFT_ID_BYTES);
	r.files[1].path = dup("stl/benchy.stl");
	r.files[1].size = 11010060;
	memset(r.files[1].hash, 0xb1, WEFT_ID_BYTES);
	memset(r.files[1].index, 0xb2, WEFT_ID_BYTES);
	emit_record(emit, arg, "rev", &r);

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, fixed_pk, WEFT_PK_BYTES);
	r.ts = 1;
	r.title = dup("x");
	r.license = dup("NOASSERTION");
	emit_record(emit, arg, "rev-genesis", &r);

	weft_record_init(&r);
	r.type = WEFT_REC_LIB;
	memcpy(r.author, fixed_pk, WEFT_PK_BYTES);
	r.ts = UINT64_C(1700000000001);
	r.name = dup("Calibration prints");
	r.description = dup("Models for tuning printers.");
	r.maintainers.ids = calloc(1, WEFT_ID_BYTES);
	FUZZ_CHECK(r.maintainers.ids != NULL);
	r.maintainers.n = 1;
	memcpy(r.maintainers.ids[0], fixed_pk, WEFT_PK_BYTES);
	emit_record(emit, arg, "lib", &r);

	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	memcpy(r.author, fixed_pk, WEFT_PK_BYTES);
	r.ts = UINT64_C(1700000000002);
	memset(r.lib, 0x11, WEFT_ID_BYTES);
	memset(r.entry_design, 0x22, WEFT_ID_BYTES);
	r.action = WEFT_ENTRY_REMOVE;
	emit_record(emit, arg, "entry", &r);

	weft_record_init(&r);
	r.type = WEFT_REC_RECEIPT;
	memcpy(r.author, fixed_pk, WEFT_PK_BYTES);
	r.ts = UINT64_C(1700000000004);
	r.has_design = true;
	memset(r.design, 0x22, WEFT_ID_BYTES);
	memset(r.receipt_rev, 0x44, WEFT_ID_BYTES);
	r.expires = r.ts + WEFT_RECEIPT_TTL_MAX;
	emit_record(emit, arg, "receipt", &r);
}
