/*
 * Fuzzes the "files" channel as a peer drives it
 * (docs/proto/files-transfer.md): weft_fetch_on_msg() parsing and acting
 * on want messages we serve, and chunk and none answers to what we ask.
 * Each input is a peer's session: it is up (we open our channel to it
 * and ask it for the one file we want), it opens its own channel to us,
 * then come messages, each [ctl][len lo][len hi] then len bytes; ctl's
 * low bit picks the channel, its other bits move the clock forward
 * before a tick. Store jobs run between messages, as the pool would.
 * Fetch must never crash, leak, or send a message over the limit.
 *
 * The store is opened once, in a temporary directory: two chunks to
 * serve, and a wanted file whose index is the BLAKE2b of bytes no input
 * holds (the fuzzer would have to invert the hash to deliver it), so the
 * store stays the same from run to run, and the id is the same in every
 * process, as the corpus needs.
 */
#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/wire.h"

#include "fetch.h"
#include "fuzz-session.h"

#define CHUNK_LEN	1024

static uint8_t			 chunk[2][CHUNK_LEN];
static uint8_t			 cid[2][32];
static uint8_t			 wanted[32];

static void
set_up(void)
{
	struct weft_chunk_put	put[2];
	static const char	secret[] =
	    "weft fuzz-fetch: the index of a file no peer can deliver";

	if (session_store != NULL)
		return;
	if (sodium_init() < 0)
		abort();
	for (int i = 0; i < 2; i++) {
		memset(chunk[i], 'a' + i, CHUNK_LEN);
		weft_hash(chunk[i], CHUNK_LEN, cid[i]);
		memcpy(put[i].id, cid[i], 32);
		put[i].data = chunk[i];
		put[i].len = CHUNK_LEN;
	}
	weft_hash((const uint8_t *)secret, sizeof(secret), wanted);
	session_store_open("fetch");
	if (weft_store_chunks_put(session_store, put, 2) != 0 ||
	    weft_store_want_file(session_store, wanted, sizeof(secret)) != 0)
		abort();
}

static int
io_open(void *arg, uint64_t peer, const char *purpose, uint16_t *ch)
{
	(void)arg;
	(void)peer;
	FUZZ_CHECK(strcmp(purpose, WEFT_FETCH_PURPOSE) == 0);
	*ch = 1;
	return 0;
}

static int
io_send(void *arg, uint64_t peer, uint16_t ch, const void *msg, size_t len)
{
	(void)arg;
	(void)peer;
	FUZZ_CHECK(ch == 1 || ch == 2);
	FUZZ_CHECK(len > 0 && len <= WEFT_WIRE_MSG_MAX);
	(void)msg;
	return 0;
}

static void
io_close(void *arg, uint64_t peer, int err, const char *reason)
{
	(void)arg;
	(void)peer;
	(void)reason;
	FUZZ_CHECK(err != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct weft_fetch_io	io = {
		.open = io_open, .send = io_send, .close = io_close,
		.work = session_work,
	};
	struct fuzz_in		 in = { data, size };
	struct weft_fetch	*f;
	const uint8_t		*m;
	uint64_t		 now = UINT64_C(1700000100000);
	uint8_t			 node[32], ctl;
	size_t			 len;
	int			 rc;

	set_up();
	if (weft_fetch_new(&f, session_store, &io, NULL) != 0)
		abort();
	memset(node, 9, sizeof(node));
	weft_fetch_peer_up(f, 1, node, now);
	FUZZ_CHECK(weft_fetch_on_open(f, 1, 2, WEFT_FETCH_PURPOSE) == 0);
	weft_fetch_kick(f, now);
	(void)weft_fetch_tick(f, now);
	session_run_jobs();
	for (int i = 0; i < SESSION_MSGS_MAX &&
	    session_next(&in, &ctl, &m, &len) == 0; i++) {
		rc = weft_fetch_on_msg(f, 1, ctl & 1 ? 1 : 2, m, len, now);
		session_run_jobs();
		if (rc != 0)
			break;	/* the caller closes the peer */
		now += (uint64_t)(ctl >> 1) * 1000;
		(void)weft_fetch_tick(f, now);
		session_run_jobs();
	}
	weft_fetch_peer_down(f, 1);
	session_run_jobs();
	weft_fetch_free(f);
	session_run_jobs();
	return 0;
}

static void
pack_ids(struct weft_buf *m, const char *t, const uint8_t (*ids)[32],
    int n)
{
	struct weft_pack	pk;

	weft_buf_reset(m);
	weft_pack_init(&pk, m);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, t);
	weft_pack_str(&pk, "ids");
	weft_pack_array(&pk, (uint32_t)n);
	for (int i = 0; i < n; i++)
		weft_pack_bin(&pk, ids[i], 32);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_buf		 m, seed;
	struct weft_pack	 pk;
	uint8_t			 both[3][32];

	set_up();
	weft_buf_init(&m, WEFT_WIRE_MSG_MAX);
	weft_buf_init(&seed, 4 * WEFT_WIRE_MSG_MAX);

	/* The peer wants our two chunks and one we lack (channel 2). */
	memcpy(both[0], cid[0], 32);
	memcpy(both[1], cid[1], 32);
	memset(both[2], 0x33, 32);
	pack_ids(&m, "want", (const uint8_t (*)[32])both, 3);
	session_seed_msg(&seed, 0, &m);
	emit("want", seed.data, seed.len, arg);

	/* It has not got the file we asked for (channel 1). */
	pack_ids(&m, "none", (const uint8_t (*)[32])&wanted, 1);
	weft_buf_reset(&seed);
	session_seed_msg(&seed, 1, &m);
	emit("none", seed.data, seed.len, arg);

	/* It answers with the wrong bytes for it, in one part. */
	weft_buf_reset(&m);
	weft_pack_init(&pk, &m);
	weft_pack_map(&pk, 5);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "chunk");
	weft_pack_str(&pk, "id");
	weft_pack_bin(&pk, wanted, 32);
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, 64);
	weft_pack_str(&pk, "off");
	weft_pack_uint(&pk, 0);
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, chunk[0], 64);
	weft_buf_reset(&seed);
	session_seed_msg(&seed, 1, &m);
	emit("chunk", seed.data, seed.len, arg);

	weft_buf_release(&m);
	weft_buf_release(&seed);
}
