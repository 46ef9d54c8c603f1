/*
 * Holds: the chunks a publish under way has stored or met, kept safe
 * from every deletion until the publish ends (issue 11 part 3).
 *
 * A publish commits its chunks in batches before its revision, and
 * until the revision is in nothing on disk refers to them but their
 * pending marks, which a second writer turns shared (token 0) and which
 * rm, unwant and a retraction's purge do not honour (they delete what a
 * design no longer keeps, young or not). So every chunk a publish puts
 * (weft_store_chunks_put_new(), added or already present) is also
 * noted here under the publish's token, in memory: no publish survives
 * a restart, so no hold needs to. The purge of a retraction or rm
 * (store_purge.c) and gc's sweep (store_gc.c) skip a held chunk; the
 * publish ends its hold when it is over, after its revision is
 * committed or its chunks dropped (weft_store_hold_end()).
 *
 * Holds are added by write transactions (under LMDB's writer lock) and
 * read by them, so a deletion sees every hold a publish took before it;
 * a mutex guards the list against weft_store_hold_end(), which runs
 * outside. Ids are 8-byte prefixes (weft__idset): a collision only keeps
 * a chunk too many.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_impl.h"

struct hold {
	uint64_t		 token;
	struct weft__idset	*ids;
};

struct weft__holds {
	pthread_mutex_t	 mu;
	struct hold	 v[WEFT_STORE_HOLD_MAX];
	size_t		 n;
};

int
weft__store_holds_init(struct weft_store *s)
{
	struct weft__holds	*h;
	int			 rc;

	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	rc = pthread_mutex_init(&h->mu, NULL);
	if (rc) {
		free(h);
		return -rc;
	}
	s->holds = h;
	return 0;
}

void
weft__store_holds_free(struct weft_store *s)
{
	struct weft__holds	*h = s->holds;

	if (h == NULL)
		return;
	for (size_t i = 0; i < h->n; i++)
		weft__idset_free(h->v[i].ids);
	pthread_mutex_destroy(&h->mu);
	free(h);
	s->holds = NULL;
}

int
weft__store_hold_add(struct weft_store *s, uint64_t token,
    const uint8_t id[ID])
{
	struct weft__holds	*h = s->holds;
	struct hold		*e = NULL;
	int			 err = 0;

	if (token == 0 || h == NULL)
		return 0;
	pthread_mutex_lock(&h->mu);
	for (size_t i = 0; i < h->n && e == NULL; i++)
		if (h->v[i].token == token)
			e = &h->v[i];
	if (e == NULL) {
		if (h->n == WEFT_STORE_HOLD_MAX) {
			err = WEFT_EBUSY;
			goto out;
		}
		e = &h->v[h->n];
		e->ids = weft__idset_new();
		if (e->ids == NULL) {
			err = -ENOMEM;
			goto out;
		}
		e->token = token;
		h->n++;
	}
	err = weft__idset_add(e->ids, id);
out:
	pthread_mutex_unlock(&h->mu);
	return err;
}

bool
weft__store_held(struct weft_store *s, const uint8_t id[ID])
{
	struct weft__holds	*h = s->holds;
	bool			 held = false;

	if (h == NULL)
		return false;
	pthread_mutex_lock(&h->mu);
	for (size_t i = 0; i < h->n && !held; i++)
		held = weft__idset_has(h->v[i].ids, id);
	pthread_mutex_unlock(&h->mu);
	return held;
}

void
weft_store_hold_end(struct weft_store *s, uint64_t token)
{
	struct weft__holds	*h = s->holds;

	if (token == 0 || h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].token != token)
			continue;
		weft__idset_free(h->v[i].ids);
		h->v[i] = h->v[--h->n];
		break;
	}
	pthread_mutex_unlock(&h->mu);
}

size_t
weft_store_holds(struct weft_store *s)
{
	struct weft__holds	*h = s->holds;
	size_t			 n;

	if (h == NULL)
		return 0;
	pthread_mutex_lock(&h->mu);
	n = h->n;
	pthread_mutex_unlock(&h->mu);
	return n;
}

int
weft__store_files_here(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r)
{
	struct weft_chunk_ref	*refs;
	uint64_t		 total;
	size_t			 n;
	int			 err = 0;

	for (uint32_t i = 0; i < r->nfiles && err == 0; i++) {
		refs = NULL;
		err = weft__store_chunk_index(s, txn, r->files[i].index, &refs,
		    &n, &total);
		if (err == WEFT_ENOTFOUND || err == WEFT_EPROTO)
			err = WEFT_EMISSING;
		for (size_t j = 0; err == 0 && j < n; j++) {
			err = weft__store_chunk_has(s, txn, refs[j].id);
			if (err == WEFT_ENOTFOUND)
				err = WEFT_EMISSING;
		}
		free(refs);
	}
	return err;
}
