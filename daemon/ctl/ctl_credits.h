/*
 * The credits of a revision (credits.c) for other parts of weftd: the
 * web UI writes them as CREDITS.md into a zip.
 */
#ifndef WEFT_CTL_CREDITS_H
#define WEFT_CTL_CREDITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_store;

/*
 * Calls cb with each item of the op "credits" (docs/proto/control.md),
 * one msgpack map, rev's own first, as the op walks them (with its
 * caps). A non-zero return of cb stops the walk and is returned;
 * *complete says whether a cap cut the chain. 0, or an error.
 */
int	weft__credits_walk(struct weft_store *st, const uint8_t rev[32],
	    int (*cb)(void *, const uint8_t *, size_t), void *arg,
	    bool *complete);

#endif
