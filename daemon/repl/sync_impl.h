/*
 * Private to the sync module (sync.c, sync_interests.c): its state and
 * the functions the two files share. Not for other callers: the
 * interface is daemon/repl/sync.h.
 */
#ifndef WEFT_SYNC_IMPL_H
#define WEFT_SYNC_IMPL_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/recon.h"
#include "weft/wire.h"

#include "sync.h"

struct weft_obj;

#define DEPS_MAX	16	/* missing dependencies kept per held record */
#define MSG_MAX		WEFT_WIRE_MSG_MAX

/* A map from ids to (state, peer), open addressing, keyed hash. */
enum fl_state {
	FL_ASKED = 1,	/* in a want to peer */
	FL_QUEUED,	/* awaiting or in a verify+store job */
	FL_HELD,	/* in the dependency pool */
	FL_RECENT,	/* used by the per-peer recent sets */
};

struct slot {
	uint8_t		id[WEFT_ID_BYTES];
	uint64_t	peer;
	uint8_t		state;	/* 0: free */
};

struct idmap {
	struct slot	*slots;
	size_t		 cap;	/* power of two, or 0 */
	size_t		 n;
	const uint8_t	*key;	/* crypto_shorthash key, borrowed */
};

/* A deque of ids, growing up to a cap. */
struct idq {
	uint8_t		(*ids)[WEFT_ID_BYTES];
	size_t		 cap, head, n;
};

enum origin {
	OR_PUSH = 1,	/* live gossip */
	OR_FETCH,	/* answer to our want */
	OR_LOCAL,	/* published here */
};

struct pend {
	TAILQ_ENTRY(pend) entry;
	uint8_t		 id[WEFT_ID_BYTES];
	uint64_t	 peer;	/* who sent it */
	uint8_t		 origin;
	uint8_t		 ndeps;
	uint8_t		 deps[DEPS_MAX][WEFT_ID_BYTES];	/* missing, when held */
	size_t		 len;
	uint8_t		 env[];
};
TAILQ_HEAD(pendq, pend);

struct want {
	uint8_t		(*ids)[WEFT_ID_BYTES];
	uint32_t	 n;
	uint64_t	 sent_ms;
};

/* A token bucket: a burst of lines, then one per interval. */
struct bucket {
	uint32_t	tokens;
	uint64_t	last_ms;	/* of the last refill */
};

/*
 * A reconciliation scope: kind WEFT_STORE_SCOPE_* and, for an author or
 * library, its id. On the wire (the "s" key) kind || id.
 */
struct scope {
	uint8_t		kind;
	uint8_t		id[WEFT_ID_BYTES];
};

struct peer {
	TAILQ_ENTRY(peer) entry;
	uint64_t	 h;
	uint8_t		 node[32];
	bool		 has_out;
	uint16_t	 ch_out;	/* we send here */
	bool		 has_in;
	uint16_t	 ch_in;		/* the peer's channel */
	bool		 lead;		/* we start periodic rounds */
	bool		 dead;		/* closed: ignore it */
	uint32_t	 penalty;

	struct weft_recon ini;
	bool		 ini_active;
	bool		 ini_redo;	/* start another round when done */
	uint64_t	 ini_round;
	uint64_t	 ini_start_ms;
	uint64_t	 next_recon_ms;	/* UINT64_MAX: not scheduled */
	struct weft_recon resp;
	bool		 resp_active;
	uint64_t	 resp_round;
	struct scope	 resp_scope;
	/* The scopes both sides are interested in; a round covers each. */
	struct scope	 scopes[WEFT_WIRE_INTERESTS_MAX];
	uint32_t	 nscopes;
	uint32_t	 ini_scope;	/* the one our round is on */

	struct idq	 wantq;
	size_t		 wantq_max;
	bool		 wantq_full;	/* ids were dropped: another round */
	struct want	 wants[WEFT_SYNC_WANTS_OUT];
	uint32_t	 wants_head, wants_n;

	struct idmap	 recent;
	uint8_t		 (*ring)[WEFT_ID_BYTES];
	uint32_t	 ring_pos;

	/*
	 * Interests: the peer's (from its HELLO or its last "interests";
	 * none means all) and ours as the peer last heard them. The shared
	 * scopes come from both, computed as the peer computes them. A
	 * round the peer started before it heard of our last change may
	 * still name a scope shared before it (prev).
	 */
	struct weft_wire_interest *theirs;
	uint32_t	 ntheirs;
	bool		 their_all;	/* they want every record */
	struct weft_wire_interest *ours;
	uint32_t	 nours;
	struct scope	*prev;
	uint32_t	 nprev;
	int32_t		 frow;	/* in gossip(): its push filter column */

	struct bucket	 rlog;	/* rejection log lines */
};
TAILQ_HEAD(peerq, peer);

struct weft_sync {
	struct weft_store	*store;
	struct weft_sync_io	 io;
	struct weft_sync_opts	 o;
	uint8_t			 hkey[crypto_shorthash_KEYBYTES];
	uint64_t		 now_ms;
	struct peerq		 peers;
	struct idmap		 flight;
	struct idmap		 limited;	/* refused for flood limits */
	struct pendq		 queue;
	uint64_t		 queue_bytes;
	uint64_t		 queue_n;
	struct pendq		 held;
	uint64_t		 held_bytes;
	uint64_t		 held_n;
	uint32_t		 jobs;
	/*
	 * Jobs verify together but write in the order they were started
	 * (so a batch never waits on a dependency that a later batch
	 * holds): job_start() adds each batch to this queue on the loop,
	 * job_run() runs it (store.h, weft_store_ingest_run).
	 */
	struct weft_store_ingest *ingest;
	struct weft_buf		 out;	/* message being encoded */
	struct weft_buf		 rbuf;	/* reconciliation answer */
	struct weft_sync_stats	 st;
	struct bucket		 rlog;	/* rejection log lines, all peers */
	uint64_t		 rlog_skipped;	/* since the last line */
	/*
	 * The disk's gate (space.h; NULL: none). Records a full disk kept
	 * out go back to the queue; pushes dropped while it is paused make
	 * rounds with every peer start once a write succeeds again.
	 */
	struct weft_space	*space;
	bool			 redo_rounds;
};

struct job {
	struct weft_sync	*s;
	struct weft_store_batch	*b;	/* in s->ingest */
	struct pend		**p;
	size_t			 n;
	struct weft_slice	*sl;
	int			*res;
	uint8_t			(*ids)[WEFT_ID_BYTES];
};

/* sync.c */
struct peer	*weft__sync_peer_find(const struct weft_sync *s, uint64_t h);
void		 weft__sync_peer_free(struct weft_sync *s, struct peer *p);
void		 weft__sync_peer_close(struct weft_sync *s, struct peer *p,
		    int err, const char *why);
int		 weft__sync_send_out(struct weft_sync *s, struct peer *p);
void		 weft__sync_recon_start(struct weft_sync *s, struct peer *p);
bool		 weft__sync_scope_shared(const struct peer *p,
		    const struct scope *sc);
void		 weft__sync_pump(struct weft_sync *s);
/* Checks that root is a map of exactly keys[0..n) (any order). */
int		 weft__sync_check_keys(const struct weft_obj *root,
		    const char *const *keys, size_t n);

/* sync_interests.c: an "interests" message from peer p. */
int		 weft__sync_on_interests(struct weft_sync *s, struct peer *p,
		    const struct weft_obj *root);

#endif
