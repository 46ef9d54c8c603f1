/*
 * What moderation hides or blocks (docs/moderation.md) is neither listed
 * nor served by the web UI, by the rule of ls and search: a design is
 * left out when it, or its author, is blocked here or labelled by a
 * trusted moderator with a label whose action is hide or block. Lists
 * load the set of such targets once per page (the store's callbacks must
 * not call back into it); single lookups ask the store for a verdict.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"

#include "store.h"
#include "web_impl.h"

/* Keys one set holds at most, as the control socket's. */
#define HIDDEN_MAX	(1u << 20)

static int
hidden_add(void *arg, const uint8_t key[32])
{
	struct weft_web_hidden	*h = arg;
	void			*p;
	size_t			 cap;

	if (h->n == HIDDEN_MAX)
		return WEFT_ETOOBIG;
	if (h->n == h->cap) {
		cap = h->cap ? h->cap * 2 : 16;
		p = realloc(h->keys, cap * sizeof(*h->keys));
		if (p == NULL)
			return -ENOMEM;
		h->keys = p;
		h->cap = cap;
	}
	memcpy(h->keys[h->n++], key, 32);
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int
weft__web_hidden_load(struct weft_store *s, struct weft_web_hidden *h)
{
	int	err;

	memset(h, 0, sizeof(*h));
	err = weft_store_hidden_targets(s, hidden_add, h);
	if (err) {
		weft__web_hidden_free(h);
		return err;
	}
	if (h->n > 1)
		qsort(h->keys, h->n, sizeof(*h->keys), key_cmp);
	return 0;
}

void
weft__web_hidden_free(struct weft_web_hidden *h)
{
	free(h->keys);
	memset(h, 0, sizeof(*h));
}

bool
weft__web_hidden_has(const struct weft_web_hidden *h,
    const uint8_t design[32], const uint8_t author[32])
{
	if (h == NULL || h->n == 0)
		return false;
	return bsearch(design, h->keys, h->n, sizeof(*h->keys),
	    key_cmp) != NULL || bsearch(author, h->keys, h->n,
	    sizeof(*h->keys), key_cmp) != NULL;
}

bool
weft__web_moderated(struct weft_store *store, const uint8_t id[32])
{
	struct weft_store_verdict	v;
	uint8_t				design[32];

	if (weft_store_rev_design(store, id, design) != 0)
		memcpy(design, id, 32);
	return weft_store_verdict(store, design, &v) == 0 &&
	    v.action != WEFT_VERDICT_NONE;
}
