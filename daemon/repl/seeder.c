/*
 * Signing seed receipts (seeder.h).
 */
#include <string.h>

#include "weft/err.h"
#include "weft/record.h"

#include "seeder.h"
#include "store.h"

struct sweep {
	struct weft_store	*store;
	const uint8_t		*pk;
	const uint8_t		*sk;
	uint64_t		 now_ms;
	uint64_t		 ttl_ms;
	struct weft_seeder_out	*out;
	uint64_t		 heads;	/* looked at */
	/* Our latest receipt of the head being looked at. */
	bool			 mine;
	uint64_t		 mine_ts;
	uint64_t		 mine_expires;
};

static int
mine_cb(void *arg, const struct weft_store_receipt *rc)
{
	struct sweep	*sw = arg;

	if (memcmp(rc->node, sw->pk, WEFT_PK_BYTES) == 0) {
		sw->mine = true;
		sw->mine_ts = rc->ts;
		sw->mine_expires = rc->expires;
	}
	return 0;
}

static int
head_cb(void *arg, const uint8_t design[WEFT_ID_BYTES],
    const uint8_t head[WEFT_ID_BYTES])
{
	struct sweep		*sw = arg;
	struct weft_seeder_out	*out = sw->out;
	struct weft_record	 r;
	struct weft_buf		 body;
	int			 err;

	if (out->n == WEFT_SEEDER_BATCH_MAX)
		return 1;	/* the rest next time */
	/* Peers keep no more of one node's receipts: sign no more. */
	if (++sw->heads > WEFT_STORE_RECEIPTS_PER_NODE)
		return 1;
	sw->mine = false;
	err = weft_store_receipts(sw->store, design, head, sw->now_ms,
	    mine_cb, sw);
	if (err)
		return err;
	/* Refreshed once half its life is gone. */
	if (sw->mine && sw->mine_expires - sw->now_ms > sw->ttl_ms / 2)
		return 0;
	weft_record_init(&r);
	r.type = WEFT_REC_RECEIPT;
	memcpy(r.author, sw->pk, WEFT_PK_BYTES);
	r.ts = sw->now_ms;
	if (sw->mine && sw->mine_ts >= r.ts)
		r.ts = sw->mine_ts + 1;	/* the clock went back */
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	memcpy(r.receipt_rev, head, WEFT_ID_BYTES);
	r.expires = r.ts + sw->ttl_ms;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	err = weft_record_encode_body(&r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, sw->sk,
		    &out->envs[out->n]);
	if (err == 0)
		weft_record_id(body.data, body.len, out->ids[out->n]);
	weft_buf_release(&body);
	weft_record_release(&r);
	if (err == 0)
		err = weft_store_record_put(sw->store, out->envs[out->n].data,
		    out->envs[out->n].len, NULL);
	if (err == 0)
		out->n++;
	else
		weft_buf_reset(&out->envs[out->n]);
	/* A receipt the store refuses (its revision went) is skipped. */
	return err == WEFT_EEXISTS || err == WEFT_EMISSING ||
	    err == WEFT_EBADFIELD ? 0 : err;
}

int
weft_seeder_sweep(struct weft_store *store, const uint8_t pk[WEFT_PK_BYTES],
    const uint8_t *sk, uint64_t now_ms, uint64_t ttl_ms,
    struct weft_seeder_out *out)
{
	struct sweep	sw = { store, pk, sk, now_ms, ttl_ms, out, 0, false,
			    0, 0 };
	int		err;

	out->n = 0;
	out->pruned = 0;
	for (size_t i = 0; i < WEFT_SEEDER_BATCH_MAX; i++)
		weft_buf_init(&out->envs[i], WEFT_RECORD_MAX);
	if (ttl_ms < 2 || ttl_ms > WEFT_RECEIPT_TTL_MAX)
		return WEFT_EUSAGE;
	err = weft_store_receipts_prune(store, now_ms, &out->pruned);
	if (err == 0)
		err = weft_store_held_heads(store, head_cb, &sw);
	return err == 1 ? 0 : err;
}

void
weft_seeder_out_release(struct weft_seeder_out *out)
{
	for (size_t i = 0; i < WEFT_SEEDER_BATCH_MAX; i++)
		weft_buf_release(&out->envs[i]);
	out->n = 0;
}
