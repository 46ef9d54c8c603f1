/*
 * The blocks of `file_design` (docs/proto/store.md; the table's code is
 * in store_moderation.c): a design's file hashes under 'F' || design ||
 * lo[8], sorted, 1 to FD_BLOCK_MAX of them. Read back from the store
 * file, which may be damaged: fval_ok() checks a block's key and value
 * before anything reads them, fval_find() searches a checked block.
 * Inline so that the fuzz harness (tests/fuzz/fuzz-fdesign.c) runs the
 * code the store runs.
 */
#ifndef WEFT_STORE_FDESIGN_H
#define WEFT_STORE_FDESIGN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#define FD_ID		32
#define FD_PFX		8			/* of hash, of design in 'H' */
#define FD_HKEY		(1 + 2 * FD_PFX)	/* 17 */
#define FD_FKEY		(1 + FD_ID + FD_PFX)	/* 41 */
#define FD_OLDKEY	(1 + 2 * FD_ID)		/* 65: format 9 */
#define FD_BLOCK	32			/* hashes before a split */
#define FD_BLOCK_MAX	64			/* ... unless it cannot */

/* An 'F' key and its value: 1 to FD_BLOCK_MAX hashes. */
static inline bool
fval_ok(const MDB_val *k, const MDB_val *v)
{
	return k->mv_size == FD_FKEY && v->mv_size > 0 &&
	    v->mv_size <= FD_BLOCK_MAX * FD_ID && v->mv_size % FD_ID == 0;
}

/*
 * Where hash goes in the checked, sorted block v: its index, and
 * whether it is there already. A block out of order (damage) gives some
 * index within it, never a read outside.
 */
static inline size_t
fval_find(const MDB_val *v, const uint8_t hash[FD_ID], bool *has)
{
	const uint8_t	*p = v->mv_data;
	size_t		 lo = 0, hi = v->mv_size / FD_ID, mid;
	int		 c;

	*has = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(p + mid * FD_ID, hash, FD_ID);
		if (c == 0) {
			*has = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#endif
