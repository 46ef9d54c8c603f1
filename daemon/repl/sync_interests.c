/*
 * Interests (docs/proto/sync.md, "Scopes" and "Interests"): ours from
 * the configuration and the policies, the peers' from HELLO and the
 * "interests" message, the scopes both sides reconcile, and the
 * message's encoding and decoding. Part of the sync module (sync.c);
 * the shared state is in sync_impl.h.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/recon.h"
#include "weft/wire.h"

#include "store.h"
#include "sync.h"
#include "sync_impl.h"

/*
 * Our interests: the configured list (all by default), then one per
 * policy: a followed author, a mirrored library, all for mirror all;
 * then each moderator's author scope, where their labels are.
 */
struct ilist {
	struct weft_wire_interest	*v;
	uint32_t			 n, max;
};

static bool
interest_eq(const struct weft_wire_interest *a,
    const struct weft_wire_interest *b)
{
	return a->scope == b->scope && (a->scope == WEFT_WIRE_SCOPE_ALL ||
	    memcmp(a->id, b->id, WEFT_ID_BYTES) == 0);
}

static void
ilist_add(struct ilist *l, enum weft_wire_scope scope, const uint8_t *id)
{
	struct weft_wire_interest	in;

	memset(&in, 0, sizeof(in));
	in.scope = scope;
	if (scope != WEFT_WIRE_SCOPE_ALL)
		memcpy(in.id, id, WEFT_ID_BYTES);
	for (uint32_t i = 0; i < l->n; i++)
		if (interest_eq(&l->v[i], &in))
			return;
	if (l->n < l->max)
		l->v[l->n++] = in;
}

static int
policy_interest(void *arg, int kind, const uint8_t *id)
{
	struct ilist	*l = arg;

	if (kind == WEFT_STORE_MIRROR_ALL)
		ilist_add(l, WEFT_WIRE_SCOPE_ALL, NULL);
	else if (kind == WEFT_STORE_FOLLOW && id != NULL)
		ilist_add(l, WEFT_WIRE_SCOPE_AUTHOR, id);
	else if (kind == WEFT_STORE_MIRROR && id != NULL)
		ilist_add(l, WEFT_WIRE_SCOPE_LIB, id);
	return 0;
}

/* A moderator's labels are wanted wherever they concern: their scope. */
static int
moderator_interest(void *arg, const uint8_t author[WEFT_PK_BYTES],
    uint64_t ts)
{
	(void)ts;
	ilist_add(arg, WEFT_WIRE_SCOPE_AUTHOR, author);
	return 0;
}

/* weft_sync_interests(), telling a store error apart. */
static int
interests_get(struct weft_sync *s, struct weft_wire_interest *out,
    uint32_t max, uint32_t *n)
{
	struct ilist	l = { out, 0, max };
	int		err;

	*n = 0;
	if (s->o.ninterests == 0)
		ilist_add(&l, WEFT_WIRE_SCOPE_ALL, NULL);
	for (uint32_t i = 0; i < s->o.ninterests; i++)
		ilist_add(&l, s->o.interests[i].scope, s->o.interests[i].id);
	err = weft_store_policy_list(s->store, policy_interest, &l);
	if (err == 0)
		err = weft_store_moderators(s->store, moderator_interest, &l);
	if (err)
		return err;
	*n = l.n;
	return 0;
}

uint32_t
weft_sync_interests(struct weft_sync *s, struct weft_wire_interest *out,
    uint32_t max)
{
	uint32_t	n;

	if (interests_get(s, out, max, &n) != 0)
		return 0;
	return n;
}

static bool
ilist_eq(const struct weft_wire_interest *a, uint32_t na,
    const struct weft_wire_interest *b, uint32_t nb)
{
	if (na != nb)
		return false;
	for (uint32_t i = 0; i < na; i++)
		if (!interest_eq(&a[i], &b[i]))
			return false;
	return true;
}

/* Replaces *dst (n entries) by a copy of src[0..n). 0 or -ENOMEM. */
static int
ilist_set(struct weft_wire_interest **dst, uint32_t *ndst,
    const struct weft_wire_interest *src, uint32_t n)
{
	struct weft_wire_interest	*v = NULL;

	if (n > 0) {
		v = calloc(n, sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		memcpy(v, src, n * sizeof(*v));
	}
	free(*dst);
	*dst = v;
	*ndst = n;
	return 0;
}

static void
scope_add(struct peer *p, const struct weft_wire_interest *in)
{
	struct scope	sc;

	memset(&sc, 0, sizeof(sc));
	sc.kind = (uint8_t)(in->scope == WEFT_WIRE_SCOPE_AUTHOR ?
	    WEFT_STORE_SCOPE_AUTHOR : in->scope == WEFT_WIRE_SCOPE_LIB ?
	    WEFT_STORE_SCOPE_LIB : WEFT_STORE_SCOPE_ALL);
	if (sc.kind != WEFT_STORE_SCOPE_ALL)
		memcpy(sc.id, in->id, WEFT_ID_BYTES);
	if (p->nscopes < WEFT_WIRE_INTERESTS_MAX &&
	    !weft__sync_scope_shared(p, &sc))
		p->scopes[p->nscopes++] = sc;
}

static bool
covers(const struct weft_wire_interest *v, uint32_t n,
    const struct weft_wire_interest *in)
{
	for (uint32_t i = 0; i < n; i++) {
		if (v[i].scope == WEFT_WIRE_SCOPE_ALL)
			return true;
		if (v[i].scope == in->scope &&
		    memcmp(v[i].id, in->id, WEFT_ID_BYTES) == 0)
			return true;
	}
	return false;
}

static const struct weft_wire_interest interest_all = {
	WEFT_WIRE_SCOPE_ALL, { 0 }
};

/*
 * The scopes both sides reconcile, from p->ours and p->theirs (none
 * means all, as from an older peer): all when both want everything,
 * else each scope one side names that the other's interests cover. The
 * peer computes the same list from the same two lists.
 */
static void
shared_scopes(struct peer *p)
{
	const struct weft_wire_interest	*mine = &interest_all;
	const struct weft_wire_interest	*theirs = &interest_all;
	uint32_t			 nmine = 1, ntheirs = 1;

	if (p->nours > 0) {
		mine = p->ours;
		nmine = p->nours;
	}
	if (p->ntheirs > 0) {
		theirs = p->theirs;
		ntheirs = p->ntheirs;
	}
	p->their_all = covers(theirs, ntheirs, &interest_all);
	p->nscopes = 0;
	if (covers(mine, nmine, &interest_all) && p->their_all) {
		scope_add(p, &interest_all);
		return;
	}
	for (uint32_t i = 0; i < nmine; i++)
		if (covers(theirs, ntheirs, &mine[i]))
			scope_add(p, &mine[i]);
	for (uint32_t i = 0; i < ntheirs; i++)
		if (theirs[i].scope != WEFT_WIRE_SCOPE_ALL &&
		    covers(mine, nmine, &theirs[i]))
			scope_add(p, &theirs[i]);
}

/*
 * The shared scopes changed: a round of ours on the old list is given
 * up (late answers to it are ignored, as after a timeout) and, when
 * restart, or if one was running, a round on the new list starts.
 */
static void
scopes_changed(struct weft_sync *s, struct peer *p, bool restart)
{
	if (p->ini_active) {
		p->ini_active = false;
		restart = true;
	}
	if (restart)
		weft__sync_recon_start(s, p);
}

/*
 * Tells p our interests in[0..n) and moves the shared scopes to them,
 * remembering the old ones (prev) for rounds the peer starts before it
 * reads this. A full queue closes the peer: its view of us would stay
 * wrong.
 */
static void
interests_tell(struct weft_sync *s, struct peer *p,
    const struct weft_wire_interest *in, uint32_t n)
{
	struct scope	*prev;
	int		 err;

	weft_buf_reset(&s->out);
	err = weft_sync_interests_encode(&s->out, in, n);
	if (err == 0)
		err = weft__sync_send_out(s, p);
	if (err == 0)
		err = ilist_set(&p->ours, &p->nours, in, n);
	if (err == 0 && p->nscopes == 0) {
		free(p->prev);
		p->prev = NULL;
		p->nprev = 0;
	} else if (err == 0) {
		prev = malloc(p->nscopes * sizeof(*prev));
		if (prev == NULL)
			err = -ENOMEM;
		else {
			memcpy(prev, p->scopes, p->nscopes * sizeof(*prev));
			free(p->prev);
			p->prev = prev;
			p->nprev = p->nscopes;
		}
	}
	if (err) {
		weft__sync_peer_close(s, p, err, "cannot send our interests");
		return;
	}
	shared_scopes(p);
	scopes_changed(s, p, false);
}

static void
peer_up(struct weft_sync *s, uint64_t peer, const uint8_t node[32],
    const struct weft_wire_hello *hello, const struct weft_wire_interest *sent,
    uint32_t nsent, const struct weft_wire_interest *cur, uint32_t ncur)
{
	struct peer	*p;

	if (weft__sync_peer_find(s, peer) != NULL)
		return;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return;
	p->ring = calloc(WEFT_SYNC_RECENT, WEFT_ID_BYTES);
	if (p->ring == NULL) {
		free(p);
		return;
	}
	p->h = peer;
	memcpy(p->node, node, 32);
	p->recent.key = s->hkey;
	p->wantq_max = s->o.wantq_max;
	p->next_recon_ms = UINT64_MAX;
	p->rlog.tokens = WEFT_SYNC_REJECT_BURST;
	p->rlog.last_ms = s->now_ms;
	p->frow = -1;
	if (ilist_set(&p->ours, &p->nours, sent, nsent) != 0 ||
	    (hello != NULL && ilist_set(&p->theirs, &p->ntheirs,
	    hello->interests, hello->ninterests < WEFT_WIRE_INTERESTS_MAX ?
	    hello->ninterests : WEFT_WIRE_INTERESTS_MAX) != 0)) {
		weft__sync_peer_free(s, p);
		return;
	}
	shared_scopes(p);
	TAILQ_INSERT_TAIL(&s->peers, p, entry);
	if (s->io.open(s->io.arg, peer, WEFT_SYNC_PURPOSE, &p->ch_out) != 0)
		return;	/* no channel, no sync with this peer */
	p->has_out = true;
	/*
	 * One side leads the periodic rounds, so that a pair does not
	 * reconcile twice: the side that dialled, whose channels the
	 * multiplexer numbers odd (docs/proto/wire.md). Either side starts
	 * a round when it has news, and both start one on connect.
	 */
	p->lead = (p->ch_out & 1) != 0;
	/* Our interests changed since the HELLO: say so before any round. */
	if (!ilist_eq(sent, nsent, cur, ncur))
		interests_tell(s, p, cur, ncur);
	weft__sync_recon_start(s, p);
	weft__sync_pump(s);
}

void
weft_sync_peer_up_sent(struct weft_sync *s, uint64_t peer,
    const uint8_t node[32], const struct weft_wire_hello *hello,
    const struct weft_wire_interest *sent, uint32_t nsent, uint64_t now_ms)
{
	struct weft_wire_interest	*cur;
	uint32_t			 ncur;

	s->now_ms = now_ms;
	if (nsent > WEFT_WIRE_INTERESTS_MAX)
		nsent = WEFT_WIRE_INTERESTS_MAX;
	cur = calloc(WEFT_WIRE_INTERESTS_MAX, sizeof(*cur));
	if (cur == NULL)
		return;
	/* Unknown now (store trouble): keep what the peer was told. */
	if (interests_get(s, cur, WEFT_WIRE_INTERESTS_MAX, &ncur) != 0)
		peer_up(s, peer, node, hello, sent, nsent, sent, nsent);
	else
		peer_up(s, peer, node, hello, sent, nsent, cur, ncur);
	free(cur);
}

void
weft_sync_peer_up(struct weft_sync *s, uint64_t peer, const uint8_t node[32],
    const struct weft_wire_hello *hello, uint64_t now_ms)
{
	struct weft_wire_interest	*cur;
	uint32_t			 ncur;

	s->now_ms = now_ms;
	cur = calloc(WEFT_WIRE_INTERESTS_MAX, sizeof(*cur));
	if (cur == NULL)
		return;
	ncur = weft_sync_interests(s, cur, WEFT_WIRE_INTERESTS_MAX);
	peer_up(s, peer, node, hello, cur, ncur, cur, ncur);
	free(cur);
}

void
weft_sync_interests_changed(struct weft_sync *s, uint64_t now_ms)
{
	struct weft_wire_interest	*cur;
	struct peer			*p;
	uint32_t			 ncur;

	s->now_ms = now_ms;
	cur = calloc(WEFT_WIRE_INTERESTS_MAX, sizeof(*cur));
	if (cur == NULL)
		return;
	/* On a store error nothing is said: a reconnection will. */
	if (interests_get(s, cur, WEFT_WIRE_INTERESTS_MAX, &ncur) == 0) {
		TAILQ_FOREACH(p, &s->peers, entry)
			if (!p->dead && p->has_out &&
			    !ilist_eq(p->ours, p->nours, cur, ncur))
				interests_tell(s, p, cur, ncur);
	}
	free(cur);
	weft__sync_pump(s);
	if (s->io.wake != NULL)
		s->io.wake(s->io.arg);
}

/* ---- the "interests" message ---- */

static const char *const scope_names[] = { NULL, "all", "author", "lib" };

int
weft_sync_interests_encode(struct weft_buf *out,
    const struct weft_wire_interest *in, uint32_t n)
{
	struct weft_pack	pk;

	if (n > WEFT_WIRE_INTERESTS_MAX)
		return WEFT_EUSAGE;
	for (uint32_t i = 0; i < n; i++)
		if (in[i].scope < WEFT_WIRE_SCOPE_ALL ||
		    in[i].scope > WEFT_WIRE_SCOPE_LIB)
			return WEFT_EUSAGE;
	weft_pack_init(&pk, out);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "interests");
	weft_pack_str(&pk, "interests");
	weft_pack_array(&pk, n);
	for (uint32_t i = 0; i < n; i++) {
		weft_pack_map(&pk, in[i].scope == WEFT_WIRE_SCOPE_ALL ? 1 : 2);
		weft_pack_str(&pk, "scope");
		weft_pack_str(&pk, scope_names[in[i].scope]);
		if (in[i].scope != WEFT_WIRE_SCOPE_ALL) {
			weft_pack_str(&pk, "id");
			weft_pack_bin(&pk, in[i].id, WEFT_ID_BYTES);
		}
	}
	return weft_pack_error(&pk);
}

/*
 * One interest: a map of exactly "scope" (str all, author or lib) and,
 * except for all, "id" (bin 32).
 */
static int
interest_decode(const struct weft_obj *o, struct weft_wire_interest *in)
{
	const struct weft_obj	*id;
	const char		*name;
	size_t			 nl;

	if (weft_obj_type(o) != WEFT_OBJ_MAP ||
	    weft_obj_str(weft_obj_get(o, "scope"), &name, &nl) != 0)
		return WEFT_EPROTO;
	memset(in, 0, sizeof(*in));
	for (int i = WEFT_WIRE_SCOPE_ALL; i <= WEFT_WIRE_SCOPE_LIB; i++)
		if (strlen(scope_names[i]) == nl &&
		    memcmp(scope_names[i], name, nl) == 0)
			in->scope = (enum weft_wire_scope)i;
	id = weft_obj_get(o, "id");
	if (in->scope == WEFT_WIRE_SCOPE_ALL)
		return weft_obj_len(o) == 1 ? 0 : WEFT_EPROTO;
	if (in->scope == 0 || weft_obj_len(o) != 2 ||
	    weft_obj_binn(id, in->id, WEFT_ID_BYTES) != 0)
		return WEFT_EPROTO;
	return 0;
}

/* The "interests" key: an array of 0..WEFT_WIRE_INTERESTS_MAX interests. */
static int
interests_decode(const struct weft_obj *root, struct weft_wire_interest *out,
    uint32_t *n)
{
	static const char *const keys[] = { "interests" };
	const struct weft_obj	*a;
	int			 err;

	*n = 0;
	err = weft__sync_check_keys(root, keys, 1);
	if (err)
		return err;
	a = weft_obj_get(root, "interests");
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(a) > WEFT_WIRE_INTERESTS_MAX)
		return WEFT_EPROTO;
	for (uint32_t i = 0; i < weft_obj_len(a); i++) {
		err = interest_decode(weft_obj_at(a, i), &out[i]);
		if (err)
			return err;
	}
	*n = weft_obj_len(a);
	return 0;
}

int
weft_sync_interests_decode(const uint8_t *msg, size_t len,
    struct weft_wire_interest *out, uint32_t *n)
{
	struct weft_msg	 m;
	const char	*t;
	size_t		 tl;
	int		 err;

	*n = 0;
	if (len > MSG_MAX)
		return WEFT_EPROTO;
	err = weft_msg_decode(&m, msg, len);
	if (err)
		return err == -ENOMEM ? err : WEFT_EPROTO;
	if (weft_obj_type(m.root) != WEFT_OBJ_MAP ||
	    weft_obj_str(weft_obj_get(m.root, "t"), &t, &tl) != 0 ||
	    tl != 9 || memcmp(t, "interests", 9) != 0)
		err = WEFT_EPROTO;
	else
		err = interests_decode(m.root, out, n);
	weft_msg_release(&m);
	return err;
}

/*
 * The peer's interests changed: the shared scopes follow, and a round
 * over them starts at once, so that what a new interest covers arrives
 * without waiting for the periodic round or a reconnection.
 */
int
weft__sync_on_interests(struct weft_sync *s, struct peer *p,
    const struct weft_obj *root)
{
	struct weft_wire_interest	*in;
	uint32_t			 n;
	int				 err;

	in = calloc(WEFT_WIRE_INTERESTS_MAX, sizeof(*in));
	if (in == NULL)
		return -ENOMEM;
	err = interests_decode(root, in, &n);
	if (err == 0)
		err = ilist_set(&p->theirs, &p->ntheirs, in, n);
	free(in);
	if (err)
		return err;
	shared_scopes(p);
	scopes_changed(s, p, true);
	return 0;
}

/* A word of weft_sync_opts_interests(): all, author:HEX or lib:HEX. */
static int
interest_parse(const char *w, size_t len, struct weft_wire_interest *in)
{
	memset(in, 0, sizeof(*in));
	if (len == 3 && memcmp(w, "all", 3) == 0) {
		in->scope = WEFT_WIRE_SCOPE_ALL;
		return 0;
	}
	if (len > 7 && memcmp(w, "author:", 7) == 0) {
		in->scope = WEFT_WIRE_SCOPE_AUTHOR;
		w += 7;
		len -= 7;
	} else if (len > 4 && memcmp(w, "lib:", 4) == 0) {
		in->scope = WEFT_WIRE_SCOPE_LIB;
		w += 4;
		len -= 4;
	} else
		return WEFT_EUSAGE;
	if (weft_hex_decode(in->id, WEFT_ID_BYTES, w, len) != 0)
		return WEFT_EUSAGE;
	return 0;
}

int
weft_sync_opts_interests(struct weft_sync_opts *o, const char *spec)
{
	struct weft_wire_interest	v[WEFT_SYNC_INTERESTS_MAX];
	uint32_t			n = 0;
	size_t				len;

	for (;;) {
		spec += strspn(spec, " ,");
		if (*spec == '\0')
			break;
		len = strcspn(spec, " ,");
		if (n == WEFT_SYNC_INTERESTS_MAX ||
		    interest_parse(spec, len, &v[n]) != 0)
			return WEFT_EUSAGE;
		n++;
		spec += len;
	}
	memcpy(o->interests, v, n * sizeof(v[0]));
	o->ninterests = n;
	return 0;
}
