/*
 * Fuzzes the sync protocol's message handling, weft_sync_on_msg(), as a
 * peer drives it (docs/proto/sync.md): recon, want, records, push and
 * interests messages parsed, checked and acted on against a real store.
 * Each input is a peer's session: after the HELLO exchange and the
 * peer's "sync" channel, a list of messages, each [ctl][len lo][len hi]
 * then len bytes; ctl's low bit picks the channel (ours or the peer's),
 * its other bits move the clock forward before a tick. Store jobs run
 * between messages, as the pool would. Sync must never crash, leak,
 * send a message over the limit, or keep a peer it closed.
 *
 * The store is opened once, in a temporary directory, and holds three
 * records signed by a key made from a fixed seed; the seeds' records are
 * those, so a mutated one fails its signature and a seed one is a
 * duplicate: the store does not grow from run to run.
 */
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"
#include "weft/wire.h"

#include "fuzz-session.h"
#include "sync.h"

#define NREC		3

static struct weft_buf		 env[NREC];
static uint8_t			 ids[NREC][32];
static int			 closed;
/* fuzz_seeds() keeps what sync sends, to send it back. */
static struct weft_buf		*capture;

static void
set_up(void)
{
	struct weft_record	r;
	struct weft_buf		body;
	struct weft_slice	sl[NREC];
	uint8_t			seed[32], pk[32], sk[64];
	int			res[NREC];

	if (session_store != NULL)
		return;
	if (sodium_init() < 0)
		abort();
	memset(seed, 0x42, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	for (int i = 0; i < NREC; i++) {
		weft_record_init(&r);
		r.type = WEFT_REC_REV;
		memcpy(r.author, pk, 32);
		r.ts = UINT64_C(1700000000000) + (uint64_t)i * 1000;
		r.title = strdup(i == 0 ? "bracket" : i == 1 ? "gear" : "hook");
		r.description = strdup("");
		r.license = strdup("MIT");
		r.message = strdup("");
		if (r.title == NULL || r.description == NULL ||
		    r.license == NULL || r.message == NULL)
			abort();
		weft_buf_init(&body, WEFT_RECORD_MAX);
		weft_buf_init(&env[i], WEFT_RECORD_MAX);
		if (weft_record_encode_body(&r, &body) != 0 ||
		    weft_record_sign(body.data, body.len, sk, &env[i]) != 0)
			abort();
		weft_buf_release(&body);
		weft_record_release(&r);
		sl[i].data = env[i].data;
		sl[i].len = env[i].len;
	}
	session_store_open("sync");
	if (weft_store_records_put(session_store, sl, NREC, res, ids) != 0)
		abort();
}

static int
io_open(void *arg, uint64_t peer, const char *purpose, uint16_t *ch)
{
	(void)arg;
	(void)peer;
	FUZZ_CHECK(strcmp(purpose, WEFT_SYNC_PURPOSE) == 0);
	*ch = 1;
	return 0;
}

static int
io_send(void *arg, uint64_t peer, uint16_t ch, const void *msg, size_t len)
{
	(void)arg;
	(void)peer;
	FUZZ_CHECK(ch == 1);
	FUZZ_CHECK(len > 0 && len <= WEFT_WIRE_MSG_MAX);
	if (capture != NULL && weft_buf_add(capture, msg, len) != 0)
		abort();
	return 0;
}

static void
io_close(void *arg, uint64_t peer, int err, const char *reason)
{
	(void)arg;
	(void)peer;
	(void)reason;
	FUZZ_CHECK(err != 0);
	closed = 1;
}

static struct weft_sync *
session(uint64_t now)
{
	static const struct weft_sync_io	io = {
		.open = io_open, .send = io_send, .close = io_close,
		.work = session_work,
	};
	struct weft_wire_hello	h;
	struct weft_sync	*s;
	uint8_t			node[32];

	if (weft_sync_new(&s, session_store, &io) != 0)
		abort();
	memset(&h, 0, sizeof(h));
	h.version = WEFT_WIRE_VERSION;
	h.ninterests = 1;
	h.interests[0].scope = WEFT_WIRE_SCOPE_ALL;
	memset(node, 7, sizeof(node));
	weft_sync_peer_up(s, 1, node, &h, now);
	FUZZ_CHECK(weft_sync_on_open(s, 1, 2, WEFT_SYNC_PURPOSE) == 0);
	session_run_jobs();
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in = { data, size };
	struct weft_sync	*s;
	const uint8_t		*m;
	uint64_t		 now = UINT64_C(1700000100000);
	size_t			 len;
	uint8_t			 ctl;
	int			 rc;

	set_up();
	closed = 0;
	s = session(now);
	for (int i = 0; i < SESSION_MSGS_MAX && !closed &&
	    session_next(&in, &ctl, &m, &len) == 0; i++) {
		rc = weft_sync_on_msg(s, 1, ctl & 1 ? 1 : 2, m, len, now);
		session_run_jobs();
		if (rc != 0)
			break;	/* the caller closes the peer */
		now += (uint64_t)(ctl >> 1) * 1000;
		(void)weft_sync_tick(s, now);
		session_run_jobs();
	}
	weft_sync_peer_down(s, 1);
	session_run_jobs();
	weft_sync_free(s);
	return 0;
}

static void
pack_envs(struct weft_pack *pk, const char *t)
{
	weft_pack_map(pk, 2);
	weft_pack_str(pk, "t");
	weft_pack_str(pk, t);
	weft_pack_str(pk, "envs");
	weft_pack_array(pk, NREC);
	for (int i = 0; i < NREC; i++)
		weft_pack_bin(pk, env[i].data, env[i].len);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_sync	*s;
	struct weft_buf		 sent, m, seed;
	struct weft_pack	 pk;

	set_up();
	weft_buf_init(&sent, 4 * WEFT_WIRE_MSG_MAX);
	weft_buf_init(&m, WEFT_WIRE_MSG_MAX);
	weft_buf_init(&seed, 4 * WEFT_WIRE_MSG_MAX);

	/*
	 * Our own first recon message, sent back by a peer that holds the
	 * same records: its round 1, as the initiator.
	 */
	capture = &sent;
	s = session(UINT64_C(1700000100000));
	capture = NULL;
	weft_sync_peer_down(s, 1);
	session_run_jobs();
	weft_sync_free(s);
	if (sent.len > 0) {
		session_seed_msg(&seed, 0, &sent);
		emit("recon", seed.data, seed.len, arg);
	}

	weft_pack_init(&pk, &m);
	pack_envs(&pk, "push");
	weft_buf_reset(&seed);
	session_seed_msg(&seed, 0, &m);
	emit("push", seed.data, seed.len, arg);

	weft_buf_reset(&m);
	weft_pack_init(&pk, &m);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "want");
	weft_pack_str(&pk, "ids");
	weft_pack_bin(&pk, ids, sizeof(ids));
	weft_buf_reset(&seed);
	session_seed_msg(&seed, 1, &m);
	/* Then records nobody asked for: a protocol error. */
	weft_buf_reset(&m);
	weft_pack_init(&pk, &m);
	pack_envs(&pk, "records");
	session_seed_msg(&seed, 2, &m);
	emit("want", seed.data, seed.len, arg);

	weft_buf_reset(&m);
	weft_pack_init(&pk, &m);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "interests");
	weft_pack_str(&pk, "interests");
	weft_pack_array(&pk, 1);
	weft_pack_map(&pk, 1);
	weft_pack_str(&pk, "scope");
	weft_pack_str(&pk, "all");
	weft_buf_reset(&seed);
	session_seed_msg(&seed, 0, &m);
	emit("interests", seed.data, seed.len, arg);

	weft_buf_release(&sent);
	weft_buf_release(&m);
	weft_buf_release(&seed);
}
