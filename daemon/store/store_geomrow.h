/*
 * The geometry row of a design (DB_GEOM_DESIGN, written by store_geom.c)
 * and the fit filter over it, inline so that the search module can apply
 * a geometry filter to its candidates without calling another module
 * (tests/layers/check-store.sh). Row: the geom record (32) || its ts (8)
 * || the largest principal extents over the design's meshes, largest
 * first (3 x 8, um) || volume (8, 0.001 mm^3; UINT64_MAX when a mesh is
 * open) || triangles (8), integers big-endian.
 */
#ifndef WEFT_STORE_GEOMROW_H
#define WEFT_STORE_GEOMROW_H

#include <stdbool.h>
#include <stdint.h>

#include <lmdb.h>

#include "store.h"
#include "store_impl.h"

#define GEOMROW_LEN	(ID + 8 + 5 * 8)
#define GEOM_VOL_NONE	UINT64_MAX

struct geomrow {
	uint8_t		geom[ID];
	uint64_t	ts;
	uint64_t	e[3];
	uint64_t	volume;
	uint64_t	triangles;
};

static inline void
geomrow_enc(uint8_t p[GEOMROW_LEN], const struct geomrow *g)
{
	memcpy(p, g->geom, ID);
	be64enc(p + ID, g->ts);
	for (int i = 0; i < 3; i++)
		be64enc(p + ID + 8 + 8 * i, g->e[i]);
	be64enc(p + ID + 32, g->volume);
	be64enc(p + ID + 40, g->triangles);
}

static inline int
geomrow_dec(const MDB_val *v, struct geomrow *g)
{
	const uint8_t	*p = v->mv_data;

	if (v->mv_size != GEOMROW_LEN)
		return WEFT_ECORRUPT;
	memcpy(g->geom, p, ID);
	g->ts = be64dec(p + ID);
	for (int i = 0; i < 3; i++)
		g->e[i] = be64dec(p + ID + 8 + 8 * i);
	g->volume = be64dec(p + ID + 32);
	g->triangles = be64dec(p + ID + 40);
	return 0;
}

/*
 * Whether extents e (largest first), volume and triangles pass f; a
 * design none of whose meshes was read (no triangles) passes nothing.
 */
static inline bool
geom_filter_pass(const struct weft_store_geom_filter *f, const uint64_t e[3],
    uint64_t volume, uint64_t triangles)
{
	if (triangles == 0)
		return false;
	if (f->fits_on && (e[0] > f->fits[0] || e[1] > f->fits[1] ||
	    e[2] > f->fits[2]))
		return false;
	if (f->max_volume != 0 && (volume == GEOM_VOL_NONE ||
	    volume > f->max_volume))
		return false;
	if (f->min_size != 0 && e[0] < f->min_size)
		return false;
	if (f->tri_max != 0 && triangles > f->tri_max)
		return false;
	return triangles >= f->tri_min;
}

/*
 * 0 when design has geometry facts that pass f, WEFT_ENOTFOUND when it
 * has none or they fail, or a store error.
 */
static inline int
geom_filter_check(struct weft_store *s, MDB_txn *txn,
    const uint8_t design[ID], const struct weft_store_geom_filter *f)
{
	struct geomrow	g;
	MDB_val		v;
	int		err;

	err = db_get(txn, s->dbi[DB_GEOM_DESIGN], design, ID, &v);
	if (err == 0)
		err = geomrow_dec(&v, &g);
	if (err)
		return err;
	return geom_filter_pass(f, g.e, g.volume, g.triangles) ? 0 :
	    WEFT_ENOTFOUND;
}

#endif
