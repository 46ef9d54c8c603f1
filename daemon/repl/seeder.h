/*
 * Seed receipts this node signs (docs/proto/records.md, `receipt`):
 * sans-I/O, run on the thread pool by the daemon (daemon/seeding.c).
 * One sweep drops the expired receipts of the store, then signs, with
 * the node key, a receipt for the newest head of every design whose
 * files this node holds complete, unless its own receipt for it still
 * has more than half of ttl_ms to run; for the first
 * WEFT_STORE_RECEIPTS_PER_NODE such designs at most, as peers keep no
 * more of one node's receipts. A node that no longer holds a
 * revision's files signs nothing for it, and its last receipt expires.
 */
#ifndef WEFT_SEEDER_H
#define WEFT_SEEDER_H

#include <stddef.h>
#include <stdint.h>

#include "weft/buf.h"
#include "weft/record.h"

struct weft_store;

#define WEFT_SEEDER_TTL_MS	(UINT64_C(24) * 3600 * 1000)
#define WEFT_SEEDER_SWEEP_MS	(UINT64_C(10) * 60 * 1000)
#define WEFT_SEEDER_BATCH_MAX	1024	/* receipts signed per sweep */

/* The receipts one sweep signed and stored, for sync to push. */
struct weft_seeder_out {
	size_t		 n;
	uint8_t		 ids[WEFT_SEEDER_BATCH_MAX][WEFT_ID_BYTES];
	struct weft_buf	 envs[WEFT_SEEDER_BATCH_MAX];
	uint64_t	 pruned;	/* expired receipts dropped */
};

/*
 * One sweep at now_ms with node key pk/sk: receipts live ttl_ms
 * (<= WEFT_RECEIPT_TTL_MAX); at most WEFT_SEEDER_BATCH_MAX are signed,
 * the rest on the next sweep. out is initialised here and released
 * with weft_seeder_out_release(), whatever the result. Returns 0,
 * WEFT_EUSAGE (ttl_ms out of range) or a store error.
 */
int	weft_seeder_sweep(struct weft_store *store,
	    const uint8_t pk[WEFT_PK_BYTES], const uint8_t *sk,
	    uint64_t now_ms, uint64_t ttl_ms, struct weft_seeder_out *out);
void	weft_seeder_out_release(struct weft_seeder_out *out);

#endif
